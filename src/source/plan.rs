//! What the PATHs name, each read once. PATHs may repeat, overlap or
//! include one another (the repository root and an app below it, an
//! overlay and its base): a kustomization that another one includes is
//! rendered through it, never as a second root, and a kustomization or
//! file that two PATHs name is read for the first.

use super::{clean_path, kustomization_file, plain};
use crate::yaml;
use anyhow::Result;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What one PATH contributes.
#[derive(Debug)]
pub struct Part {
    /// The PATH as given.
    pub path: PathBuf,
    /// Plain manifests, in the order of the walk.
    pub files: Vec<PathBuf>,
    /// Kustomizations to render as roots, in the order of the walk.
    pub roots: Vec<PathBuf>,
    /// Some of what the PATH names is read through another PATH or root:
    /// yielding no object of its own is then no audit of nothing.
    pub covered: bool,
}

/// Walks every PATH and picks the kustomization roots among all the
/// kustomizations found: one is left out when another includes it
/// (through `resources`, `bases` or `components`, at any depth) and it
/// does not include that one back (a cycle is the renderer's to report).
/// A PATH that is itself a left-out kustomization is said on stderr.
pub fn plan(paths: &[PathBuf]) -> Result<Vec<Part>> {
    let mut trees = Vec::new();
    for path in paths {
        let tree = if path.is_dir() && kustomization_file(path).is_some() {
            plain::Tree {
                files: Vec::new(),
                kustomizations: vec![path.clone()],
            }
        } else {
            plain::walk(path)?
        };
        trees.push((path, tree));
    }
    let units = Units::of(trees.iter().flat_map(|(_, t)| &t.kustomizations));
    let mut rendered = HashSet::new();
    let mut parts = Vec::new();
    for (path, tree) in trees {
        let mut part = Part {
            path: path.clone(),
            files: tree.files,
            roots: Vec::new(),
            covered: false,
        };
        for dir in tree.kustomizations {
            let real = real_path(&dir);
            if let Some(including) = units.included_by(&real) {
                part.covered = true;
                if dir == *path {
                    eprintln!(
                        "driftctl: {}: included by {}; its objects are audited as that renders them, not as a root of their own",
                        path.display(),
                        including.display()
                    );
                }
            } else if rendered.insert(real) {
                part.roots.push(dir);
            } else {
                part.covered = true;
            }
        }
        parts.push(part);
    }
    Ok(parts)
}

/// The location `path` resolves to, or `path` itself when it does not.
pub fn real_path(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Every kustomization found, with the directories each reaches.
struct Units {
    /// Real location and the path as found, in the order found.
    found: Vec<(PathBuf, PathBuf)>,
    reaches: HashMap<PathBuf, HashSet<PathBuf>>,
}

impl Units {
    fn of<'a>(dirs: impl Iterator<Item = &'a PathBuf>) -> Units {
        let mut found: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut reaches = HashMap::new();
        for dir in dirs {
            let real = real_path(dir);
            if !reaches.contains_key(&real) {
                reaches.insert(real.clone(), reachable(&real));
                found.push((real, clean_path(dir)));
            }
        }
        Units { found, reaches }
    }

    /// Another kustomization found that includes `real`, as found.
    fn included_by(&self, real: &PathBuf) -> Option<&Path> {
        let reaches = |from: &PathBuf, to: &PathBuf| self.reaches[from].contains(to);
        self.found
            .iter()
            .find(|(other, _)| other != real && reaches(other, real) && !reaches(real, other))
            .map(|(_, shown)| shown.as_path())
    }
}

/// The kustomization directories `dir` includes, at any depth (bounded,
/// for a cycle or a generated maze).
fn reachable(dir: &Path) -> HashSet<PathBuf> {
    let mut reached = HashSet::new();
    let mut stack = includes(dir);
    while let Some(next) = stack.pop() {
        if reached.len() > 10_000 || !reached.insert(next.clone()) {
            continue;
        }
        stack.extend(includes(&next));
    }
    reached
}

/// The directories a kustomization's `resources`, `bases` and `components`
/// name, resolved; an unreadable kustomization names none (rendering it
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
