//! Multi-document YAML (and JSON) files read into JSON values, each document
//! with the line it starts on, within bounds that hostile files cannot break.

use anyhow::{Context, Result, bail};
use serde_json::Value;
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

/// Reads a file as UTF-8 text within the size bound.
pub fn read_text(path: &Path) -> Result<String> {
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

/// Parses every document of `text`; `name` is used in errors. Empty
/// documents (comments only, `---` at the end) are skipped.
pub fn parse_documents(text: &str, name: &str) -> Result<Vec<Document>> {
    let mut documents = Vec::new();
    for (start_line, chunk) in split_documents(text) {
        if chunk.trim().is_empty() {
            continue;
        }
        let yaml: serde_yaml::Value = serde_yaml::from_str(&chunk).map_err(|e| {
            let line = e
                .location()
                .map(|l| start_line + l.line() - 1)
                .unwrap_or(start_line);
            anyhow::anyhow!("{}:{}: invalid YAML: {}", name, line, strip_location(&e))
        })?;
        if yaml.is_null() {
            continue;
        }
        let value = yaml_to_json(yaml)
            .map_err(|msg| anyhow::anyhow!("{}:{}: {}", name, start_line, msg))?;
        documents.push(Document {
            value,
            line: start_line,
        });
    }
    Ok(documents)
}

/// serde_yaml appends "at line X column Y" relative to the chunk; the
/// caller reports the absolute line instead.
fn strip_location(e: &serde_yaml::Error) -> String {
    let msg = e.to_string();
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// Splits a stream at `---` document markers (a marker is always at column
/// 0, so block scalars cannot contain one). Yields (first line, text).
fn split_documents(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 1;
    for (i, line) in text.lines().enumerate() {
        let is_marker = line == "---"
            || line.starts_with("--- ")
            || line.starts_with("---\t")
            || line == "..."
            || line.starts_with("... ");
        if is_marker {
            out.push((start, std::mem::take(&mut current)));
            start = i + 2;
            // `--- {inline: doc}` puts content on the marker line.
            if let Some(rest) = line.strip_prefix("--- ") {
                current.push_str(rest);
                current.push('\n');
                start = i + 1;
            }
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    // A file whose last line has no line break ends its last block scalar
    // without one.
    if !text.ends_with('\n') && current.ends_with('\n') {
        current.pop();
    }
    out.push((start, current));
    out
}

/// YAML values as JSON values; keys must be strings (as in every Kubernetes object).
pub fn yaml_to_json(yaml: serde_yaml::Value) -> std::result::Result<Value, String> {
    use serde_yaml::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| format!("number {n} cannot be represented"))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<std::result::Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => {
                        return Err(format!(
                            "map key {} is not a string",
                            serde_yaml::to_string(&other).unwrap_or_default().trim()
                        ));
                    }
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
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
mod tests {
    use super::*;

    #[test]
    fn documents_carry_their_start_line() {
        let text = "# comment\na: 1\n---\nb: 2\n---\n\n---\nc: 3\n";
        let docs = parse_documents(text, "f.yaml").unwrap();
        let lines: Vec<usize> = docs.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![1, 4, 8]);
        assert_eq!(docs[2].value["c"], 3);
    }

    #[test]
    fn errors_name_file_and_absolute_line() {
        let text = "a: 1\n---\nb: 2\nc: [1, 2\n";
        let err = parse_documents(text, "bad.yaml").unwrap_err().to_string();
        assert!(err.starts_with("bad.yaml:"), "{err}");
        assert!(err.contains("invalid YAML"), "{err}");
        let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
        assert!(line >= 4, "{err}");
    }

    #[test]
    fn a_block_scalar_at_the_end_of_a_file_without_newline_has_none() {
        let docs = parse_documents("a: |\n  x\n  y", "f").unwrap();
        assert_eq!(docs[0].value["a"], "x\ny");
        let docs = parse_documents("a: |\n  x\n", "f").unwrap();
        assert_eq!(docs[0].value["a"], "x\n");
    }

    #[test]
    fn block_scalars_keep_their_dashes() {
        let text = "data:\n  script: |\n    ---\n    echo hi\n";
        let docs = parse_documents(text, "f").unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].value["data"]["script"], "---\necho hi\n");
    }

    #[test]
    fn invalid_utf8_and_nul_are_refused_with_a_line() {
        let err = text_from_bytes(b"a: 1\nb: \xff\n", "x.yaml").unwrap_err();
        assert!(
            err.to_string().starts_with("x.yaml:2: not valid UTF-8"),
            "{err}"
        );
        let err = text_from_bytes(b"a: 1\n\nb: \0\n", "x.yaml").unwrap_err();
        assert!(
            err.to_string().starts_with("x.yaml:3: contains a NUL"),
            "{err}"
        );
    }

    #[test]
    fn typed_lists_give_items_their_kind() {
        let list = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMapList",
            "items": [{"metadata": {"name": "a"}}]});
        let items = expand_lists(list);
        assert_eq!(items[0]["kind"], "ConfigMap");
        assert_eq!(items[0]["apiVersion"], "v1");
    }
}
