//! Which file declares a rendered object: an external renderer prints objects
//! without their origin, so the kustomization's resource graph is walked and
//! each rendered object is matched to the document (or generator) it came from
//! by kind and name (allowing for name prefixes, suffixes and hash suffixes).

use super::{kustomization_file, yaml};
use crate::model::{ObjectRef, SourceLocation};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct SourceIndex {
    /// kind -> (name as declared, where)
    by_kind: HashMap<String, Vec<(String, SourceLocation)>>,
}

impl SourceIndex {
    /// Indexes every resource file and generator reachable from the
    /// kustomization in `dir`. Unreadable parts are skipped: the renderer
    /// has already reported real errors.
    pub fn build(dir: &Path) -> SourceIndex {
        let mut index = SourceIndex::default();
        let mut visited = HashSet::new();
        index.visit(dir, &mut visited, 0);
        index
    }

    fn visit(&mut self, dir: &Path, visited: &mut HashSet<PathBuf>, depth: usize) {
        let Ok(canonical) = dir.canonicalize() else {
            return;
        };
        if depth > 32 || !visited.insert(canonical) {
            return;
        }
        let Some(file) = kustomization_file(dir) else {
            return;
        };
        let Ok(text) = yaml::read_text(&file) else {
            return;
        };
        let Ok(docs) = yaml::parse_documents(&text, &file.display().to_string()) else {
            return;
        };
        let Some(k) = docs.into_iter().next().map(|d| d.value) else {
            return;
        };
        for field in ["resources", "bases", "components"] {
            for entry in strings(&k, field) {
                if entry.contains("://") || entry.starts_with("github.com/") {
                    continue;
                }
                let path = dir.join(&entry);
                if path.is_dir() {
                    self.visit(&path, visited, depth + 1);
                } else if path.is_file() {
                    self.index_file(&path);
                }
            }
        }
        for (field, kind) in [
            ("configMapGenerator", "ConfigMap"),
            ("secretGenerator", "Secret"),
        ] {
            for generator in k.get(field).and_then(Value::as_array).into_iter().flatten() {
                if let Some(name) = generator.get("name").and_then(Value::as_str) {
                    let line = line_of(&text, &format!("name: {name}"));
                    self.add(kind, name, &file, line);
                }
            }
        }
    }

    fn index_file(&mut self, path: &Path) {
        let Ok(text) = yaml::read_text(path) else {
            return;
        };
        let Ok(docs) = yaml::parse_documents(&text, &path.display().to_string()) else {
            return;
        };
        for doc in docs {
            for value in yaml::expand_lists(doc.value) {
                if let Some(r) = ObjectRef::from_value(&value) {
                    self.add(&r.kind, &r.name, path, Some(doc.line));
                }
            }
        }
    }

    fn add(&mut self, kind: &str, name: &str, file: &Path, line: Option<usize>) {
        self.by_kind.entry(kind.to_string()).or_default().push((
            name.to_string(),
            SourceLocation {
                file: super::clean_path(file).display().to_string(),
                line,
            },
        ));
    }

    /// The declaration of a rendered object: the same name, or else the
    /// longest declared name the rendered name contains.
    pub fn find(&self, object: &ObjectRef) -> Option<SourceLocation> {
        let candidates = self.by_kind.get(&object.kind)?;
        if let Some((_, loc)) = candidates.iter().find(|(n, _)| *n == object.name) {
            return Some(loc.clone());
        }
        candidates
            .iter()
            .filter(|(n, _)| object.name.contains(n.as_str()))
            .max_by_key(|(n, _)| n.len())
            .map(|(_, loc)| loc.clone())
    }
}

fn strings(value: &Value, field: &str) -> Vec<String> {
    value
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().trim_start_matches("- ").trim() == needle)
        .map(|i| i + 1)
}
