//! Multi-document YAML (and JSON) files read into JSON values, each document
//! with the line it starts on, within bounds that hostile files cannot break.

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
        o.get(&path.canonicalize().ok()?).cloned()
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

/// Parses every document of `text`; `name` is used in errors. Empty
/// documents (comments only, `---` at the end) are skipped.
pub fn parse_documents(text: &str, name: &str) -> Result<Vec<Document>> {
    // Line breaks as `str::lines` sees them, so documents split alike.
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n");
        &normalized
    } else {
        text
    };
    let mut documents = Vec::new();
    for (start_line, chunk) in split_documents(text) {
        if chunk.trim().is_empty() {
            continue;
        }
        // Straight into JSON values: no intermediate YAML tree to build,
        // hash and convert. A problem that is not YAML's (a key that is no
        // string, a number JSON cannot hold) is said apart from YAML errors.
        let mut problem = None;
        let parsed = serde::de::DeserializeSeed::deserialize(
            JsonSeed {
                problem: &mut problem,
            },
            serde_yaml::Deserializer::from_str(&chunk),
        );
        let value = match (parsed, problem) {
            (_, Some(msg)) => bail!("{}:{}: {}", name, start_line, msg),
            (Err(e), None) => {
                let line = e
                    .location()
                    .map(|l| start_line + l.line() - 1)
                    .unwrap_or(start_line);
                bail!("{}:{}: invalid YAML: {}", name, line, strip_location(&e))
            }
            (Ok(value), None) => value,
        };
        if value.is_null() {
            continue;
        }
        documents.push(Document {
            value,
            line: start_line,
        });
    }
    Ok(documents)
}

/// Builds a JSON value from the YAML deserializer's events, refusing what
/// reading into `serde_yaml::Value` refuses (duplicate keys; its depth and
/// alias-expansion limits are the deserializer's own) and what JSON cannot
/// hold, with the messages converting such a tree gave (the tests keep that
/// conversion as the oracle).
struct JsonSeed<'p> {
    problem: &'p mut Option<String>,
}

impl JsonSeed<'_> {
    fn fail<E: serde::de::Error>(&mut self, msg: String) -> E {
        let error = E::custom(&msg);
        *self.problem = Some(msg);
        error
    }

    fn reborrow(&mut self) -> JsonSeed<'_> {
        JsonSeed {
            problem: self.problem,
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for JsonSeed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for JsonSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, b: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(i))
    }

    fn visit_u64<E>(self, u: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(u))
    }

    fn visit_f64<E: serde::de::Error>(mut self, f: f64) -> std::result::Result<Value, E> {
        match serde_json::Number::from_f64(f) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(self.fail(format!(
                "number {} cannot be represented",
                serde_yaml::Number::from(f)
            ))),
        }
    }

    fn visit_str<E>(self, s: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> std::result::Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        mut self,
        mut seq: A,
    ) -> std::result::Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(self.reborrow())? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        mut self,
        mut map: A,
    ) -> std::result::Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        // Keys of other kinds (`1`, `true`) are rare: only once one appears
        // are kinds tracked, since `1` and `"1"` are two keys to YAML.
        let mut kinds: Option<std::collections::HashSet<(KeyKind, String)>> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let (kind, text) = match key {
                Key::Scalar(kind, text) => (kind, text),
                Key::Other(yaml) => {
                    return Err(self.fail(format!(
                        "map key {} is not a string",
                        serde_yaml::to_string(&yaml).unwrap_or_default().trim()
                    )));
                }
            };
            if kind != KeyKind::String && kinds.is_none() {
                kinds = Some(out.keys().map(|k| (KeyKind::String, k.clone())).collect());
            }
            let slot = match &mut kinds {
                Some(seen) => {
                    if !seen.insert((kind, text.clone())) {
                        return Err(duplicate_key(kind, text));
                    }
                    // Same text, another kind: the later one wins, as before.
                    out.entry(text)
                }
                None => match out.entry(text) {
                    serde_json::map::Entry::Occupied(o) => {
                        return Err(duplicate_key(kind, o.key().clone()));
                    }
                    vacant => vacant,
                },
            };
            let value = map.next_value_seed(self.reborrow())?;
            match slot {
                serde_json::map::Entry::Occupied(mut o) => {
                    o.insert(value);
                }
                serde_json::map::Entry::Vacant(v) => {
                    v.insert(value);
                }
            }
        }
        Ok(Value::Object(out))
    }

    /// A custom tag (`!Ref x`): the tagged value, as converting a tree read it.
    fn visit_enum<A: serde::de::EnumAccess<'de>>(
        self,
        data: A,
    ) -> std::result::Result<Value, A::Error> {
        let (_tag, contents) = data.variant::<serde::de::IgnoredAny>()?;
        serde::de::VariantAccess::newtype_variant_seed(contents, self)
    }
}

/// serde_yaml's words, so messages do not change with the reader.
fn duplicate_key<E: serde::de::Error>(kind: KeyKind, text: String) -> E {
    let key = match kind {
        KeyKind::String => format!("{text:?}"),
        KeyKind::Bool => format!("`{text}`"),
        KeyKind::Number => text,
    };
    E::custom(format!("duplicate entry with key {key}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeyKind {
    String,
    Number,
    Bool,
}

/// A map key: a scalar read as text (as converting a tree did), or anything
/// else, kept as YAML for the error message.
enum Key {
    Scalar(KeyKind, String),
    Other(serde_yaml::Value),
}

struct KeySeed;

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Key, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_str<E>(self, s: &str) -> std::result::Result<Key, E> {
        Ok(Key::Scalar(KeyKind::String, s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> std::result::Result<Key, E> {
        Ok(Key::Scalar(KeyKind::String, s))
    }

    fn visit_bool<E>(self, b: bool) -> std::result::Result<Key, E> {
        Ok(Key::Scalar(KeyKind::Bool, b.to_string()))
    }

    fn visit_i64<E>(self, i: i64) -> std::result::Result<Key, E> {
        Ok(Key::Scalar(
            KeyKind::Number,
            serde_yaml::Number::from(i).to_string(),
        ))
    }

    fn visit_u64<E>(self, u: u64) -> std::result::Result<Key, E> {
        Ok(Key::Scalar(
            KeyKind::Number,
            serde_yaml::Number::from(u).to_string(),
        ))
    }

    fn visit_f64<E>(self, f: f64) -> std::result::Result<Key, E> {
        Ok(Key::Scalar(
            KeyKind::Number,
            serde_yaml::Number::from(f).to_string(),
        ))
    }

    fn visit_unit<E>(self) -> std::result::Result<Key, E> {
        Ok(Key::Other(serde_yaml::Value::Null))
    }

    fn visit_none<E>(self) -> std::result::Result<Key, E> {
        Ok(Key::Other(serde_yaml::Value::Null))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Key, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> std::result::Result<Key, A::Error> {
        use serde::Deserialize;
        let yaml =
            serde_yaml::Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Key::Other(yaml))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> std::result::Result<Key, A::Error> {
        use serde::Deserialize;
        let yaml =
            serde_yaml::Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(Key::Other(yaml))
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(
        self,
        data: A,
    ) -> std::result::Result<Key, A::Error> {
        use serde::Deserialize;
        let yaml =
            serde_yaml::Value::deserialize(serde::de::value::EnumAccessDeserializer::new(data))?;
        Ok(Key::Other(yaml))
    }
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
mod tests {
    use super::*;

    /// The conversion the reader did before: YAML values as JSON values, keys
    /// must be strings.
    fn yaml_to_json(yaml: serde_yaml::Value) -> std::result::Result<Value, String> {
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

    /// The reader as it was: whole documents into `serde_yaml::Value`, then
    /// converted. The direct reader must agree with it, values and errors.
    fn parse_via_yaml_value(text: &str, name: &str) -> Result<Vec<Document>> {
        let mut documents = Vec::new();
        let mut chunks = Vec::new();
        let mut current = String::new();
        let mut start = 1;
        for (i, line) in text.lines().enumerate() {
            if is_document_marker(line) {
                chunks.push((start, std::mem::take(&mut current)));
                start = i + 2;
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
        if !text.ends_with('\n') && current.ends_with('\n') {
            current.pop();
        }
        chunks.push((start, current));
        for (start_line, chunk) in chunks {
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

    fn same_as_before(text: &str) {
        let new = parse_documents(text, "f.yaml").map_err(|e| e.to_string());
        let old = parse_via_yaml_value(text, "f.yaml").map_err(|e| e.to_string());
        let shape = |r: &std::result::Result<Vec<Document>, String>| match r {
            Ok(docs) => Ok(docs
                .iter()
                .map(|d| (d.line, d.value.clone()))
                .collect::<Vec<_>>()),
            Err(e) => Err(e.clone()),
        };
        assert_eq!(shape(&new), shape(&old), "{text:?}");
    }

    #[test]
    fn the_direct_reader_reads_what_the_yaml_tree_did() {
        for text in [
            "a: 1\nb: -2\nc: 1.5\nd: 18446744073709551615\ne: 1e400\nf: ~\ng: true\n",
            "a: .nan\n",
            "a: .inf\n",
            "1: a\ntrue: b\n1.5: c\n0x10: d\n",
            "1: a\n\"1\": b\n",
            "\"1\": a\n1: b\n",
            "1: a\n0x1: b\n",
            "true: a\ntrue: b\n",
            "a: 1\na: 2\n",
            "x:\n  a: 1\n  b: 2\n  a: 3\n",
            "[1, 2]: a\n",
            "{a: 1}: b\n",
            "~: a\n",
            "!tag a: b\n",
            "a: !Ref b\nc: !Sub [x, y]\nd: !Map {k: v}\n",
            "a: &x [1, 2]\nb: *x\n",
            "a: !!str 1\nb: !!int \"2\"\n",
            "a: |\n  x\n  y",
            "--- {a: 1}\n---\nb: 2\n...\n--- c\n",
            "--- {a: 1}",
            "a: 1\r\nb: |\r\n  x\r\n---\r\nc: 2\r\n",
            "a: [1, 2\n",
            "a: 1\n---\nb: 2\nc: [1, 2\n",
            "- 1\n- a: b\n",
            "",
            "# only a comment\n---\n",
            "a:\n- b\n- c:\n",
        ] {
            same_as_before(text);
        }
    }

    /// Every YAML file of the kustomize corpus (when it is beside the repository).
    #[test]
    fn the_direct_reader_agrees_on_the_corpus() {
        let tree =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/kubeflow-manifests/tree");
        let mut dirs = vec![tree];
        let mut files = 0;
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    same_as_before(&text);
                    files += 1;
                }
            }
        }
        assert!(files == 0 || files > 100, "{files} corpus files");
    }

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
