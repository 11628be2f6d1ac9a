//! Plain YAML directories: every `*.yaml`/`*.yml`/`*.json` below a
//! directory (as kubectl reads them), multi-document, `List` kinds expanded;
//! what is not an object is named on stderr with the reason. A subdirectory that is a
//! kustomization is rendered as one unit (as Flux does), so the patch files
//! inside it are never mistaken for objects.

use super::{DesiredObject, SourceOptions, kustomization_file, render_kustomization, skip};
use crate::model::{ObjectRef, SourceLocation};
use crate::yaml;
use anyhow::{Context, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Reads a plain directory (or a single manifest file). Symlinks are
/// followed only while they stay inside the repository (the Git work tree
/// holding `path`, or `path` itself outside Git); a loop is an error.
pub fn read(path: &Path, options: &SourceOptions) -> Result<Vec<DesiredObject>> {
    let mut objects = Vec::new();
    if path.is_file() {
        objects.extend(read_file(path, options.verbose)?);
        return Ok(objects);
    }
    let canonical = path
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve", path.display()))?;
    let mut walk = Walk {
        boundary: repository_root(&canonical),
        visited: HashSet::new(),
        options,
        kustomizations: Vec::new(),
    };
    walk.dir(path, &mut objects, 0)?;
    for dir in roots(&walk.kustomizations) {
        let root = super::clean_path(dir).display().to_string();
        for mut object in render_kustomization(dir, options)? {
            object.root = Some(root.clone());
            objects.push(object);
        }
    }
    Ok(objects)
}

/// The kustomizations found in a tree that no other one found there
/// includes (through `resources`, `bases` or `components`, at any depth):
/// a base an overlay renders is not rendered again on its own.
fn roots(found: &[PathBuf]) -> Vec<&PathBuf> {
    let mut included = HashSet::new();
    for dir in found {
        let mut stack = includes(dir);
        let mut seen = HashSet::new();
        while let Some(next) = stack.pop() {
            if seen.len() > 10_000 || !seen.insert(next.clone()) {
                continue;
            }
            stack.extend(includes(&next));
            included.insert(next);
        }
    }
    found
        .iter()
        .filter(|dir| {
            dir.canonicalize()
                .is_ok_and(|real| !included.contains(&real))
        })
        .collect()
}

/// The directories a kustomization's `resources`, `bases` and `components`
/// name, resolved; unreadable kustomizations name none (rendering them
/// reports the error).
fn includes(dir: &Path) -> Vec<PathBuf> {
    let Some(file) = kustomization_file(dir) else {
        return Vec::new();
    };
    let Ok(text) = yaml::read_text(&file) else {
        return Vec::new();
    };
    let Ok(docs) = yaml::parse_documents(&text, &file.display().to_string()) else {
        return Vec::new();
    };
    let Some(k) = docs.into_iter().next().map(|d| d.value) else {
        return Vec::new();
    };
    ["resources", "bases", "components"]
        .iter()
        .filter_map(|field| k.get(*field).and_then(serde_json::Value::as_array))
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .filter_map(|entry| dir.join(entry).canonicalize().ok())
        .filter(|p| p.is_dir())
        .collect()
}

/// The Git work tree holding `dir` (a `.git` directory or file above it),
/// else `dir` itself.
pub fn repository_root(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf()
}

/// Deeper than any real repository.
const MAX_DEPTH: usize = 64;

struct Walk<'a> {
    boundary: PathBuf,
    visited: HashSet<PathBuf>,
    options: &'a SourceOptions,
    /// Kustomization directories found, rendered once the walk knows
    /// which of them others include.
    kustomizations: Vec<PathBuf>,
}

impl Walk<'_> {
    /// The real location of `entry`, refused when a symlink leads outside
    /// the repository.
    fn resolve(&self, entry: &Path) -> Result<PathBuf> {
        let real = entry.canonicalize().with_context(|| {
            format!(
                "{}: cannot resolve (a dangling or looping symlink?)",
                entry.display()
            )
        })?;
        if !real.starts_with(&self.boundary) {
            anyhow::bail!(
                "{}: leads outside the repository ({} is not under {}); driftctl reads nothing outside it",
                entry.display(),
                real.display(),
                self.boundary.display()
            );
        }
        Ok(real)
    }

    fn dir(&mut self, dir: &Path, out: &mut Vec<DesiredObject>, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            anyhow::bail!(
                "{}: directories nested more than {MAX_DEPTH} deep",
                dir.display()
            );
        }
        let real = self.resolve(dir)?;
        if !self.visited.insert(real) {
            anyhow::bail!(
                "{}: symlink loop (this directory is already being read)",
                dir.display()
            );
        }
        let options = self.options;
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("{}: cannot read directory", dir.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("{}: cannot read directory", dir.display()))?;
        entries.sort();
        for entry in entries {
            let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') {
                continue;
            }
            let is_yaml =
                name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
            if !entry.is_dir() && !is_yaml {
                continue;
            }
            self.resolve(&entry)?;
            if entry.is_dir() {
                if kustomization_file(&entry).is_some() {
                    self.kustomizations.push(entry.clone());
                } else {
                    self.dir(&entry, out, depth + 1)?;
                }
            } else {
                out.extend(read_file(&entry, options.verbose)?);
            }
        }
        Ok(())
    }
}

/// Every Kubernetes object in one file; documents that are not objects
/// (no apiVersion, kind and metadata.name) are skipped, and so is a
/// `kubectl get -o yaml` dump (live state, not Git's), each said on stderr.
pub fn read_file(path: &Path, _verbose: bool) -> Result<Vec<DesiredObject>> {
    let text = yaml::read_text(path)?;
    let name = super::clean_path(path).display().to_string();
    let mut objects = Vec::new();
    for doc in yaml::parse_documents(&text, &name)? {
        if skip::is_live_dump(&doc.value) {
            eprintln!(
                "driftctl: {}:{}: skipped, a dump of live objects (a List whose items have resourceVersion or managedFields), not Git content",
                name, doc.line
            );
            continue;
        }
        for value in yaml::expand_lists(doc.value) {
            if ObjectRef::from_value(&value).is_none() {
                eprintln!(
                    "driftctl: {}:{}: skipped, not a Kubernetes object: {}",
                    name,
                    doc.line,
                    skip::reason(&value)
                );
                continue;
            }
            objects.push(DesiredObject {
                value,
                source: SourceLocation {
                    file: name.clone(),
                    line: Some(doc.line),
                    ..SourceLocation::default()
                },
                patches: Vec::new(),
                values: Vec::new(),
                secrets: Vec::new(),
                root: None,
            });
        }
    }
    Ok(objects)
}
