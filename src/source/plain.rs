//! Plain YAML directories: every `*.yaml`/`*.yml`/`*.json` below a
//! directory (as kubectl reads them), multi-document, `List` kinds expanded;
//! what is not an object is named on stderr with the reason. A subdirectory that is a
//! kustomization is one unit, rendered whole (as Flux does), so the patch
//! files inside it are never mistaken for objects.

use super::{DesiredObject, kustomization_file, skip};
use crate::model::{ObjectRef, SourceLocation};
use crate::yaml;
use anyhow::{Context, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What a plain directory holds: its manifests, and the kustomization
/// directories below it (each one unit, not walked into).
#[derive(Debug, Default)]
pub struct Tree {
    pub files: Vec<PathBuf>,
    pub kustomizations: Vec<PathBuf>,
}

/// Walks a plain directory (or takes a single manifest file). Symlinks are
/// followed only while they stay inside the repository (the Git work tree
/// holding `path`, or `path` itself outside Git); a loop is an error.
pub fn walk(path: &Path) -> Result<Tree> {
    if path.is_file() {
        return Ok(Tree {
            files: vec![path.to_path_buf()],
            kustomizations: Vec::new(),
        });
    }
    let canonical = path
        .canonicalize()
        .with_context(|| format!("{}: cannot resolve", path.display()))?;
    let mut walk = Walk {
        boundary: repository_root(&canonical),
        visited: HashSet::new(),
        tree: Tree::default(),
    };
    walk.dir(path, 0)?;
    Ok(walk.tree)
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

struct Walk {
    boundary: PathBuf,
    visited: HashSet<PathBuf>,
    tree: Tree,
}

impl Walk {
    /// The real location of `entry`, refused when a symlink leads outside
    /// the repository.
    fn resolve(&self, entry: &Path) -> Result<PathBuf> {
        if crate::yaml::overlay_holds_new(entry) {
            return crate::yaml::overlay_key(entry)
                .with_context(|| format!("{}: cannot resolve", entry.display()));
        }
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

    fn dir(&mut self, dir: &Path, depth: usize) -> Result<()> {
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
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("{}: cannot read directory", dir.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("{}: cannot read directory", dir.display()))?;
        // Manifests backport would add, rendered in memory for its proof.
        entries.extend(
            crate::yaml::overlay_new_files(dir)
                .into_iter()
                .map(|name| dir.join(name)),
        );
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
                    self.tree.kustomizations.push(entry);
                } else {
                    self.dir(&entry, depth + 1)?;
                }
            } else {
                self.tree.files.push(entry);
            }
        }
        Ok(())
    }
}

/// Every Kubernetes object in one file; documents that are not objects
/// (no apiVersion, kind and metadata.name) are skipped, and so is a
/// `kubectl get -o yaml` dump (live state, not Git's), each said on stderr.
pub fn read_file(path: &Path, _verbose: bool) -> Result<Vec<DesiredObject>> {
    let read = read_objects(path)?;
    for skipped in &read.skipped {
        eprintln!("{skipped}");
    }
    Ok(read.objects)
}

/// The objects of one file, and what was skipped there (for stderr).
pub struct FileObjects {
    pub objects: Vec<DesiredObject>,
    pub skipped: Vec<String>,
}

/// [`read_file`] without printing: files are read on several threads and
/// what each skipped is said in file order.
pub fn read_objects(path: &Path) -> Result<FileObjects> {
    let text = yaml::read_text(path)?;
    let name = super::clean_path(path).display().to_string();
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    for doc in yaml::parse_documents(&text, &name)? {
        if skip::is_live_dump(&doc.value) {
            skipped.push(format!(
                "driftctl: {}:{}: skipped, a dump of live objects (a List whose items have resourceVersion or managedFields), not Git content",
                name, doc.line
            ));
            continue;
        }
        for value in yaml::expand_lists(doc.value) {
            if ObjectRef::from_value(&value).is_none() {
                skipped.push(format!(
                    "driftctl: {}:{}: skipped, not a Kubernetes object: {}",
                    name,
                    doc.line,
                    skip::reason(&value)
                ));
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
                variables: Vec::new(),
                root: None,
            });
        }
    }
    Ok(FileObjects { objects, skipped })
}
