//! Which file declares a rendered object: an external renderer prints objects
//! without their origin, so the kustomization's resource graph is walked and
//! each rendered object is matched to the document (or generator) it came from
//! by kind and name (allowing for name prefixes, suffixes and hash suffixes).

use super::kustomization_file;
use crate::model::{ObjectRef, SourceLocation};
use crate::path::{FieldPath, Segment};
use crate::yaml;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct SourceIndex {
    /// kind -> (name as declared, where)
    by_kind: HashMap<String, Vec<(String, SourceLocation)>>,
    /// Patch documents (strategic merge), by kind: where overlays declare values.
    patches: HashMap<String, Vec<(String, SourceLocation)>>,
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
        let patch_files = strings(&k, "patchesStrategicMerge").into_iter().chain(
            k.get("patches")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.get("path").and_then(Value::as_str).map(str::to_string)),
        );
        for entry in patch_files {
            let path = dir.join(&entry);
            if path.is_file() {
                self.index_patches(&path);
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
        for doc in documents(path) {
            for value in yaml::expand_lists(doc.value) {
                if let Some(r) = ObjectRef::from_value(&value) {
                    self.add(&r.kind, &r.name, path, Some(doc.line));
                }
            }
        }
    }

    fn index_patches(&mut self, path: &Path) {
        for doc in documents(path) {
            if let Some(r) = ObjectRef::from_value(&doc.value) {
                self.patches.entry(r.kind.clone()).or_default().push((
                    r.name,
                    SourceLocation {
                        file: super::clean_path(path).display().to_string(),
                        line: Some(doc.line),
                        ..SourceLocation::default()
                    },
                ));
            }
        }
    }

    /// Patch documents that may declare values of a rendered object.
    pub fn patches_for(&self, object: &ObjectRef) -> Vec<SourceLocation> {
        self.patches
            .get(&object.kind)
            .into_iter()
            .flatten()
            .filter(|(n, _)| object.name.contains(n.as_str()))
            .map(|(_, loc)| loc.clone())
            .collect()
    }

    fn add(&mut self, kind: &str, name: &str, file: &Path, line: Option<usize>) {
        self.by_kind.entry(kind.to_string()).or_default().push((
            name.to_string(),
            SourceLocation {
                file: super::clean_path(file).display().to_string(),
                line,
                ..SourceLocation::default()
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

/// The documents of a file, or none when it cannot be read or parsed (the
/// renderer has already reported real errors).
fn documents(path: &Path) -> Vec<yaml::Document> {
    yaml::read_text(path)
        .ok()
        .and_then(|text| yaml::parse_documents(&text, &path.display().to_string()).ok())
        .unwrap_or_default()
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

/// The line declaring the value at `path` in the YAML document starting at
/// `doc_line` of `text`: block-style YAML as people write manifests
/// (`key:` lines nested by indentation, list items found by `- key: value`).
/// `None` when the document does not spell the whole path out.
pub fn value_line(text: &str, doc_line: usize, path: &FieldPath) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = doc_line.checked_sub(1)?.min(lines.len());
    let end = lines[start..]
        .iter()
        .skip(1)
        .position(|l| *l == "---" || l.starts_with("--- "))
        .map(|p| start + 1 + p)
        .unwrap_or(lines.len());
    let mut cursor = start;
    // Children are indented deeper than their parent key; the fields of a
    // list item are siblings of the key that found it.
    let mut parent: isize = -1;
    let mut sibling: Option<usize> = None;
    let mut found = None;
    for segment in path.segments() {
        let (wanted, is_item) = match segment {
            Segment::Field(name) => (format!("{name}:"), false),
            Segment::Key { field, value } => (format!("{field}: {value}"), true),
            Segment::Index(_) | Segment::AnyItem => return None,
        };
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().take(end).skip(cursor) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            let (key_indent, content) = match trimmed.strip_prefix("- ") {
                Some(rest) => (
                    indent + 2 + (rest.len() - rest.trim_start().len()),
                    rest.trim_start(),
                ),
                None => (indent, trimmed),
            };
            let inside = match sibling {
                Some(s) => key_indent >= s,
                None => key_indent as isize > parent,
            };
            // List items may sit at their key's own indent.
            let item_at_parent = is_item && trimmed.starts_with("- ") && indent as isize >= parent;
            if !inside && !item_at_parent {
                break;
            }
            let matches = if is_item {
                unquote_pair(content) == wanted
            } else {
                content.starts_with(&wanted)
            };
            if matches {
                hit = Some((i, key_indent));
                break;
            }
        }
        let (i, key_indent) = hit?;
        found = Some(i + 1);
        cursor = i + 1;
        if is_item {
            sibling = Some(key_indent);
        } else {
            sibling = None;
            parent = key_indent as isize;
        }
    }
    found
}

/// `name: "app"` -> `name: app`.
fn unquote_pair(content: &str) -> String {
    match content.split_once(':') {
        Some((k, v)) => format!("{}: {}", k.trim(), v.trim().trim_matches(['"', '\''])),
        None => content.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "# comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: sidecar
          image: proxy:1
        - name: app
          image: app:1
          resources:
            limits:
              memory: 512Mi
---
kind: Other
spec:
  replicas: 9
";

    fn line(path: &str) -> Option<usize> {
        value_line(DEPLOYMENT, 1, &FieldPath::parse(path).unwrap())
    }

    #[test]
    fn finds_the_line_of_a_value() {
        assert_eq!(line("spec.replicas"), Some(7));
        assert_eq!(
            line("spec.template.spec.containers[name=app].image"),
            Some(14)
        );
        assert_eq!(
            line("spec.template.spec.containers[name=sidecar].image"),
            Some(12)
        );
        assert_eq!(
            line("spec.template.spec.containers[name=app].resources.limits.memory"),
            Some(17)
        );
        assert_eq!(line("metadata.name"), Some(5));
    }

    #[test]
    fn absent_paths_have_no_line() {
        assert_eq!(line("spec.template.spec.containers[name=app].env"), None);
        assert_eq!(line("spec.template.spec.containers[name=nope].image"), None);
        assert_eq!(line("status.replicas"), None);
    }

    #[test]
    fn list_items_at_the_keys_indent() {
        let text = "spec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n    image: y\n";
        let p = FieldPath::parse("spec.containers[name=b].image").unwrap();
        assert_eq!(value_line(text, 1, &p), Some(6));
    }
}
