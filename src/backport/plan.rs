//! Where a finding's value is declared, and the splices that write the live
//! value there: the Flux variable that filled it in (src/backport/variable.rs),
//! else the kustomization entry that set it (`images:`, `replicas:`), else
//! the last overlay patch that spells the path out, else the object's own
//! document.

use super::edit::{self, Splice};
use super::tree::{self, Doc, Node, NodeKind, line_of};
use crate::model::{Change, Finding};
use crate::path::{FieldPath, Segment};
use crate::source::{Declaration, Declarations};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The edits of one finding, file by file.
#[derive(Debug, Clone)]
pub struct Planned {
    pub edits: Vec<(PathBuf, Splice)>,
    /// `FILE:LINE` of the declaration edited.
    pub at: String,
    /// Findings (object, path) the edit makes on purpose: a Flux
    /// Kustomization's or ConfigMap's own value, changed in Git to change
    /// what it fills in, differs from its live twin until Flux applies it.
    pub expected: Vec<(String, String)>,
}

/// File texts as read once (and parsed once) for planning.
#[derive(Default)]
pub struct Files {
    texts: HashMap<PathBuf, Result<(String, Vec<Doc>), String>>,
}

impl Files {
    pub fn get(&mut self, path: &Path) -> Result<(&str, &[Doc]), String> {
        let entry = self.texts.entry(path.to_path_buf()).or_insert_with(|| {
            let text = crate::yaml::read_text(path).map_err(|e| format!("{e:#}"))?;
            let docs = tree::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((text, docs))
        });
        match entry {
            Ok((t, d)) => Ok((t.as_str(), d.as_slice())),
            Err(e) => Err(e.clone()),
        }
    }

    /// A file backport creates: empty until its edit.
    pub fn add_new(&mut self, path: &Path) {
        self.texts
            .insert(path.to_path_buf(), Ok((String::new(), Vec::new())));
    }

    pub fn text(&mut self, path: &Path) -> Option<String> {
        self.get(path).ok().map(|(t, _)| t.to_string())
    }
}

/// The edits that make Git declare the finding's live value, or why none can.
pub fn plan(
    finding: &Finding,
    declared: &Declarations,
    findings: &[Finding],
    files: &mut Files,
) -> Result<Planned, String> {
    let declaration = declared
        .get(&finding.object.identity())
        .ok_or_else(|| format!("no file declares {}", finding.object))?;
    let path = FieldPath::parse(
        finding
            .path
            .as_deref()
            .ok_or("the finding names no field")?,
    )?;
    if finding.change == Change::Changed
        && let Some(planned) =
            super::variable::plan(finding, &path, declaration, declared, findings, files)?
    {
        return Ok(planned);
    }
    plan_at(finding, declaration, files)
}

/// The edits in the files that declare the object itself (its document,
/// its patches, its kustomization's fields).
pub fn plan_at(
    finding: &Finding,
    declaration: &Declaration,
    files: &mut Files,
) -> Result<Planned, String> {
    let path_text = finding
        .path
        .as_deref()
        .ok_or("the finding names no field")?;
    let path = FieldPath::parse(path_text)?;
    if let Some((_, at)) = declaration.values.iter().rev().find(|(p, _)| *p == path) {
        return kustomization_value(finding, Path::new(&at.file), at.line.unwrap_or(0), files);
    }
    // The last patch applied wins over earlier ones and over the base; the
    // renderer lists an object's patches last-applied first.
    let mut candidates: Vec<(PathBuf, usize, bool)> = declaration
        .patches
        .iter()
        .filter_map(|p| Some((PathBuf::from(&p.file), p.line?, true)))
        .collect();
    if let Some(line) = declaration.source.line {
        candidates.push((PathBuf::from(&declaration.source.file), line, false));
    }
    let segments = path.segments();
    match finding.change {
        Change::Changed | Change::Removed => {
            for (file, line, is_patch) in &candidates {
                if *is_patch && segments.iter().any(|s| matches!(s, Segment::Index(_))) {
                    continue; // a patch's list positions are not the rendered ones
                }
                let Ok((text, docs)) = files.get(file) else {
                    continue;
                };
                let Some(doc) = document_at(docs, *line) else {
                    continue;
                };
                if navigate(&doc.root, segments).is_none() {
                    continue;
                }
                let splice = if finding.change == Change::Changed {
                    let live = finding
                        .live
                        .as_ref()
                        .ok_or("the finding carries no live value")?;
                    edit::replace(
                        text,
                        navigate(&doc.root, segments).expect("found above"),
                        live,
                    )
                } else {
                    delete(text, &doc.root, segments)?
                };
                return Ok(planned(file, text, splice));
            }
            Err(format!(
                "no file declares {path_text} of {} (the value comes from something driftctl cannot edit: a generator, a JSON patch or an external renderer)",
                finding.object
            ))
        }
        Change::Added => {
            let live = finding
                .live
                .as_ref()
                .ok_or("the finding carries no live value")?;
            // The declaration spelling out most of the path; on a tie the
            // object's own document (the later candidate).
            let mut best: Option<(usize, &PathBuf)> = None;
            for (file, line, is_patch) in &candidates {
                if *is_patch && segments.iter().any(|s| matches!(s, Segment::Index(_))) {
                    continue;
                }
                let Ok((_, docs)) = files.get(file) else {
                    continue;
                };
                let Some(doc) = document_at(docs, *line) else {
                    continue;
                };
                let depth = (0..segments.len())
                    .rev()
                    .find(|d| navigate(&doc.root, &segments[..*d]).is_some())
                    .unwrap_or(0);
                if best.is_none_or(|(b, _)| depth >= b) {
                    best = Some((depth, file));
                }
            }
            let Some((depth, file)) = best else {
                return Err(format!(
                    "no file declares {} (it has no readable document)",
                    finding.object
                ));
            };
            let line = candidates
                .iter()
                .find(|(f, _, _)| f == file)
                .map(|c| c.1)
                .unwrap_or(0);
            let file = file.clone();
            let (text, docs) = files.get(&file)?;
            let doc = document_at(docs, line).ok_or("the document moved")?;
            let parent = navigate(&doc.root, &segments[..depth]).ok_or("the document moved")?;
            let splice = insert(text, parent, &segments[depth..], live)?;
            Ok(planned(&file, text, splice))
        }
        Change::Missing | Change::Orphan => Err("a whole object is not a field edit".into()),
    }
}

fn planned(file: &Path, text: &str, splice: Splice) -> Planned {
    Planned {
        at: format!("{}:{}", file.display(), line_of(text, splice.start)),
        edits: vec![(file.to_path_buf(), splice)],
        expected: Vec::new(),
    }
}

/// The document holding `line`.
fn document_at(docs: &[Doc], line: usize) -> Option<&Doc> {
    docs.iter().find(|d| d.last_line >= line)
}

fn navigate<'a>(root: &'a Node, segments: &[Segment]) -> Option<&'a Node> {
    segments.iter().try_fold(root, |node, s| node.child(s))
}

/// Deletes the node at `segments`; a map or list left empty goes with it.
fn delete(text: &str, root: &Node, segments: &[Segment]) -> Result<Splice, String> {
    let mut n = segments.len();
    while n > 1 {
        let parent = navigate(root, &segments[..n - 1]).ok_or("the field moved")?;
        let children = match &parent.kind {
            NodeKind::Map(e) => e.len(),
            NodeKind::Seq(i) => i.len(),
            _ => 0,
        };
        if children > 1 {
            break;
        }
        n -= 1;
    }
    let parent = navigate(root, &segments[..n - 1]).ok_or("the field moved")?;
    match (&segments[n - 1], &parent.kind) {
        (Segment::Field(name), NodeKind::Map(_)) => edit::delete_entry(text, parent, name),
        (segment, NodeKind::Seq(items)) => {
            let target = parent.child(segment).ok_or("the item moved")?;
            let index = items
                .iter()
                .position(|i| i.start == target.start)
                .ok_or("the item moved")?;
            edit::delete_item(text, parent, index)
        }
        _ => Err("the field's parent is neither a map nor a list".into()),
    }
}

/// Inserts the live value under `parent`, creating the missing `rest` of the path.
fn insert(text: &str, parent: &Node, rest: &[Segment], live: &Value) -> Result<Splice, String> {
    let (first, tail) = rest.split_first().ok_or("the field already exists")?;
    match (first, &parent.kind) {
        (Segment::Field(name), NodeKind::Map(_)) => {
            edit::insert_entry(text, parent, name, &build(tail, live)?)
        }
        (Segment::Key { field, value }, NodeKind::Seq(_)) => {
            edit::append_item(text, parent, &item(field, value, tail, live)?)
        }
        _ => {
            Err("the path cannot be inserted there (a list by position, or a type mismatch)".into())
        }
    }
}

/// The value that declares `live` at `rest` below a new key.
fn build(rest: &[Segment], live: &Value) -> Result<Value, String> {
    match rest.split_first() {
        None => Ok(live.clone()),
        Some((Segment::Field(name), tail)) => {
            let mut m = Map::new();
            m.insert(name.clone(), build(tail, live)?);
            Ok(Value::Object(m))
        }
        Some((Segment::Key { field, value }, tail)) => {
            Ok(Value::Array(vec![item(field, value, tail, live)?]))
        }
        Some(_) => Err("a list item by position cannot be declared".into()),
    }
}

/// A new list item: the live item itself, or its merge key and the path below.
fn item(field: &str, value: &str, tail: &[Segment], live: &Value) -> Result<Value, String> {
    if tail.is_empty() {
        return Ok(live.clone());
    }
    let mut m = match build(tail, live)? {
        Value::Object(m) => m,
        _ => return Err("a list item must be a map".into()),
    };
    m.insert(field.to_string(), Value::String(value.to_string()));
    Ok(Value::Object(m))
}

/// A value a kustomization field set: the `images:` entry (`newName`,
/// `newTag`, `digest`) or the `replicas:` entry (`count`) at `line`.
fn kustomization_value(
    finding: &Finding,
    file: &Path,
    line: usize,
    files: &mut Files,
) -> Result<Planned, String> {
    let (text, docs) = files.get(file)?;
    let root = &docs.first().ok_or("an empty kustomization")?.root;
    let live = finding
        .live
        .as_ref()
        .ok_or("the finding carries no live value")?;
    let entry_at = |field: &str| -> Option<&Node> {
        match &root.get(field)?.kind {
            NodeKind::Seq(items) => items.iter().find(|i| {
                line_of(text, i.start) <= line
                    && line <= line_of(text, i.end.saturating_sub(1).max(i.start))
            }),
            _ => None,
        }
    };
    let mut splices = Vec::new();
    if let Some(entry) = entry_at("images") {
        let image = live.as_str().ok_or("the live image is not a string")?;
        let (name, tag, digest) = split_image(image);
        let declared = entry
            .get("newName")
            .or(entry.get("name"))
            .and_then(Node::as_str);
        if declared != Some(name) {
            splices.push(set(text, entry, "newName", name)?);
        }
        match (tag, digest) {
            (_, Some(d)) => {
                splices.push(set(text, entry, "digest", d)?);
                if entry.get("newTag").is_some() {
                    splices.push(edit::delete_entry(text, entry, "newTag")?);
                }
            }
            (Some(t), None) => {
                splices.push(set(text, entry, "newTag", t)?);
                if entry.get("digest").is_some() {
                    splices.push(edit::delete_entry(text, entry, "digest")?);
                }
            }
            (None, None) => {
                return Err(format!(
                    "the live image {image} has neither tag nor digest; an images: entry cannot pin it"
                ));
            }
        }
    } else if let Some(entry) = entry_at("replicas") {
        let count = entry
            .get("count")
            .ok_or("the replicas: entry has no count")?;
        splices.push(edit::replace(text, count, live));
    } else {
        return Err(format!(
            "{}:{line}: no images: or replicas: entry there",
            file.display()
        ));
    }
    Ok(Planned {
        at: format!("{}:{}", file.display(), line_of(text, splices[0].start)),
        edits: splices
            .into_iter()
            .map(|s| (file.to_path_buf(), s))
            .collect(),
        expected: Vec::new(),
    })
}

/// Sets `key` of an entry: its value rewritten, or the key added.
fn set(text: &str, entry: &Node, key: &str, value: &str) -> Result<Splice, String> {
    let value = Value::String(value.to_string());
    match entry.get(key) {
        Some(node) => Ok(edit::replace(text, node, &value)),
        None => edit::insert_entry(text, entry, key, &value),
    }
}

/// `registry/app:v1@sha256:...` -> name, tag, digest.
pub fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    match rest.rfind(':') {
        Some(colon) if colon > rest.rfind('/').unwrap_or(0) => {
            (&rest[..colon], Some(&rest[colon + 1..]), digest)
        }
        _ => (rest, None, digest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_into_name_tag_and_digest() {
        assert_eq!(split_image("r.io/a:v1"), ("r.io/a", Some("v1"), None));
        assert_eq!(split_image("r.io:5000/a"), ("r.io:5000/a", None, None));
        assert_eq!(split_image("a@sha256:00"), ("a", None, Some("sha256:00")));
    }
}
