//! The one YAML layer of the program: manifests, kustomization files and
//! patches, snapshots, config files and the YAML report are read and written
//! here, with the rules Kubernetes tools use (see `resolve`), within bounds
//! that hostile files cannot break.

mod read;
pub mod resolve;
mod write;

pub use resolve::Dialect;
pub use write::{to_string, to_string_documents};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::borrow::Cow;
use std::path::Path;

/// Largest manifest or snapshot file driftctl reads. Real manifests are far
/// smaller; this keeps a hostile file from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One YAML document and the line (1-based) where it starts.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    pub line: usize,
}

thread_local! {
    /// Files whose text is replaced in memory (backport's proof renders an
    /// edited tree without writing it).
    static OVERLAY: std::cell::RefCell<std::collections::HashMap<std::path::PathBuf, String>> =
        Default::default();
}

/// Runs `f` with the files of `overlay` (canonical paths) read as the given
/// texts instead of their content on disk.
pub fn with_overlay<T>(
    overlay: std::collections::HashMap<std::path::PathBuf, String>,
    f: impl FnOnce() -> T,
) -> T {
    OVERLAY.with(|o| *o.borrow_mut() = overlay);
    let out = f();
    OVERLAY.with(|o| o.borrow_mut().clear());
    out
}

fn overlaid(path: &Path) -> Option<String> {
    OVERLAY.with(|o| {
        let o = o.borrow();
        if o.is_empty() {
            return None;
        }
        o.get(&overlay_key(path)?).cloned()
    })
}

/// The canonical path of `path`, or for a file not yet on disk, its
/// directory's canonical path joined with its name.
pub fn overlay_key(path: &Path) -> Option<std::path::PathBuf> {
    path.canonicalize().ok().or_else(|| {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        Some(parent.canonicalize().ok()?.join(path.file_name()?))
    })
}

/// Files of the overlay in directory `dir` that are not on disk (a
/// manifest backport would add), by name.
pub fn overlay_new_files(dir: &Path) -> Vec<std::ffi::OsString> {
    OVERLAY.with(|o| {
        let o = o.borrow();
        if o.is_empty() {
            return Vec::new();
        }
        let Ok(real) = dir.canonicalize() else {
            return Vec::new();
        };
        let mut names: Vec<_> = o
            .keys()
            .filter(|k| k.parent() == Some(real.as_path()) && !k.exists())
            .filter_map(|k| k.file_name().map(|n| n.to_os_string()))
            .collect();
        names.sort();
        names
    })
}

/// Whether `path` is a file only the overlay holds.
pub fn overlay_holds_new(path: &Path) -> bool {
    !path.exists()
        && OVERLAY.with(|o| {
            let o = o.borrow();
            !o.is_empty() && overlay_key(path).is_some_and(|k| o.contains_key(&k))
        })
}

/// Reads a file as UTF-8 text within the size bound.
pub fn read_text(path: &Path) -> Result<String> {
    if let Some(text) = overlaid(path) {
        return Ok(text);
    }
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if meta.len() > MAX_FILE_BYTES {
        bail!(
            "{}: file is {} bytes, larger than the {} bytes driftctl reads",
            path.display(),
            meta.len(),
            MAX_FILE_BYTES
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    text_from_bytes(&bytes, &path.display().to_string())
}

/// Checks that `bytes` is UTF-8 without NUL bytes, naming the line of the first bad byte.
pub fn text_from_bytes(bytes: &[u8], name: &str) -> Result<String> {
    match String::from_utf8(bytes.to_vec()) {
        Ok(text) => {
            if let Some(offset) = text.find('\0') {
                bail!(
                    "{}:{}: contains a NUL byte; manifests must be text",
                    name,
                    line_of(bytes, offset)
                );
            }
            Ok(text)
        }
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            bail!(
                "{}:{}: not valid UTF-8 (byte {}); manifests must be UTF-8 text",
                name,
                line_of(bytes, offset),
                offset
            )
        }
    }
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1
}

/// Parses every document of `text` as kubectl reads it; `name` is used in
/// errors. Empty documents (comments only, `---` at the end) are skipped.
pub fn parse_documents(text: &str, name: &str) -> Result<Vec<Document>> {
    parse_documents_as(text, name, Dialect::Kubectl)
}

/// Parses every document of `text` with the rules of `dialect`.
pub fn parse_documents_as(text: &str, name: &str, dialect: Dialect) -> Result<Vec<Document>> {
    // Line breaks as `str::lines` sees them, so documents split alike.
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n");
        &normalized
    } else {
        text
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut documents = Vec::new();
    for (start_line, chunk) in split_documents(text) {
        let chunk = chunk.strip_prefix('\u{feff}').unwrap_or(&chunk);
        if chunk.trim().is_empty() {
            continue;
        }
        match read::document(chunk, dialect) {
            Ok(Some(value)) => documents.push(Document {
                value,
                line: start_line,
            }),
            Ok(None) => {}
            Err(e) => bail!("{}:{}: {}", name, start_line + e.line - 1, e.message),
        }
    }
    Ok(documents)
}

/// Parses one document (a config file, a JSON or YAML value).
pub fn from_str(text: &str, name: &str) -> Result<Value> {
    let mut docs = parse_documents(text, name)?;
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.remove(0).value),
        n => bail!("{name}: {n} YAML documents where one is expected"),
    }
}

/// `---` (a document starts) or `...` (one ends), alone or before content.
fn is_document_marker(line: &str) -> bool {
    line == "---"
        || line.starts_with("--- ")
        || line.starts_with("---\t")
        || line == "..."
        || line.starts_with("... ")
}

/// Splits a stream at `---` document markers (a marker is always at column
/// 0, so block scalars cannot contain one). Yields (first line, text); the
/// text is borrowed from `text` unless the marker line holds content.
fn split_documents(text: &str) -> Vec<(usize, Cow<'_, str>)> {
    let mut out = Vec::new();
    // Content on a `--- ` line, if any, and where the rest of the document begins.
    let mut inline: Option<&str> = None;
    let mut body_start = 0;
    let mut start = 1;
    let mut offset = 0;
    fn finish<'t>(text: &str, inline: Option<&str>, body: &'t str, at_end: bool) -> Cow<'t, str> {
        match inline {
            None => Cow::Borrowed(body),
            Some(first) => {
                let mut doc = format!("{first}\n{body}");
                // A file whose last line has no line break ends its last
                // block scalar without one.
                if at_end && !text.ends_with('\n') && doc.ends_with('\n') {
                    doc.pop();
                }
                Cow::Owned(doc)
            }
        }
    }
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        if is_document_marker(line) {
            out.push((
                start,
                finish(text, inline, &text[body_start..offset], false),
            ));
            start = i + 2;
            inline = None;
            // `--- {inline: doc}` puts content on the marker line.
            if let Some(rest) = line.strip_prefix("--- ") {
                inline = Some(rest);
                start = i + 1;
            }
            body_start = offset + raw.len();
        }
        offset += raw.len();
    }
    out.push((start, finish(text, inline, &text[body_start..], true)));
    out
}

/// `List` kinds (`List`, `ConfigMapList`, ...) expanded into their items.
pub fn expand_lists(value: Value) -> Vec<Value> {
    let is_list = value
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && value.get("items").is_some_and(Value::is_array);
    if !is_list {
        return vec![value];
    }
    let list_kind = value["kind"].as_str().unwrap_or_default().to_string();
    let api_version = value.get("apiVersion").cloned();
    let Value::Array(items) = value["items"].clone() else {
        return Vec::new();
    };
    items
        .into_iter()
        .flat_map(|mut item| {
            // Typed lists (`DeploymentList`) omit apiVersion/kind on items.
            if let Value::Object(map) = &mut item {
                if !map.contains_key("kind") && list_kind != "List" {
                    map.insert(
                        "kind".into(),
                        Value::String(list_kind.trim_end_matches("List").to_string()),
                    );
                }
                if !map.contains_key("apiVersion")
                    && let Some(v) = &api_version
                {
                    map.insert("apiVersion".into(), v.clone());
                }
            }
            expand_lists(item)
        })
        .collect()
}

#[cfg(test)]
mod tests;
