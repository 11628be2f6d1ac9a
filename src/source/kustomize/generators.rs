//! configMapGenerator and secretGenerator: objects made from literals, files
//! and env files, with kustomize's name hash (identical to kustomize's, so
//! references and live names match).

use super::kustomization::{Kustomization, scalar_string, string_map};
use super::loader::{Loader, Root};
use super::resource::{Behavior, Resource};
use crate::model::SourceLocation;
use anyhow::{Result, bail};
use base64::Engine;
use serde_json::{Map, Value, json};

/// Generator options after merging the kustomization-wide ones in.
#[derive(Debug, Default, Clone)]
struct Options {
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    disable_hash: bool,
    immutable: bool,
}

fn options(v: Option<&Value>, file: &str) -> Result<Options> {
    let Some(v) = v else {
        return Ok(Options::default());
    };
    Ok(Options {
        labels: match v.get("labels") {
            Some(l) if !l.is_null() => string_map(l, "generatorOptions.labels", file)?,
            _ => Vec::new(),
        },
        annotations: match v.get("annotations") {
            Some(a) if !a.is_null() => string_map(a, "generatorOptions.annotations", file)?,
            _ => Vec::new(),
        },
        disable_hash: v
            .get("disableNameSuffixHash")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        immutable: v.get("immutable").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// kustomize's `MergeGlobalOptionsIntoLocal`: labels and annotations merge
/// (the generator's own win), flags are set by either.
fn merge(local: Options, global: &Options) -> Options {
    let mut labels = global.labels.clone();
    for (k, v) in local.labels {
        labels.retain(|(key, _)| *key != k);
        labels.push((k, v));
    }
    let mut annotations = global.annotations.clone();
    for (k, v) in local.annotations {
        annotations.retain(|(key, _)| *key != k);
        annotations.push((k, v));
    }
    labels.sort();
    annotations.sort();
    Options {
        labels,
        annotations,
        disable_hash: local.disable_hash || global.disable_hash,
        immutable: local.immutable || global.immutable,
    }
}

/// The objects the kustomization's generators make, in kustomize's order
/// (config maps, then secrets).
pub fn generate(
    loader: &Loader,
    root: &Root,
    k: &Kustomization,
    text: &str,
) -> Result<Vec<Resource>> {
    let file = root.file_name();
    let global = options(k.generator_options.as_ref(), &file)?;
    let mut out = Vec::new();
    for (kind, args_list) in [
        ("ConfigMap", &k.config_map_generator),
        ("Secret", &k.secret_generator),
    ] {
        for args in args_list {
            out.push(generate_one(loader, root, kind, args, &global, text)?);
        }
    }
    Ok(out)
}

fn generate_one(
    loader: &Loader,
    root: &Root,
    kind: &str,
    args: &Value,
    global: &Options,
    text: &str,
) -> Result<Resource> {
    let file = root.file_name();
    let field = if kind == "ConfigMap" {
        "configMapGenerator"
    } else {
        "secretGenerator"
    };
    let name = args.get("name").and_then(scalar_string).unwrap_or_default();
    if name.is_empty() {
        bail!("{file}: {field}: every generator needs a name");
    }
    let opts = merge(options(args.get("options"), &file)?, global);
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    let add = |pairs: &mut Vec<(String, Vec<u8>)>, key: String, value: Vec<u8>| -> Result<()> {
        if pairs.iter().any(|(k, _)| *k == key) {
            bail!("{file}: {field} {name}: key {key} is defined more than once");
        }
        pairs.push((key, value));
        Ok(())
    };
    let env_files: Vec<String> = args
        .get("envs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .chain(
            args.get("env")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        )
        .collect();
    for env in env_files {
        let (_, content) = loader.read(root, field, &env)?;
        for (i, line) in content.lines().enumerate() {
            let line = line.trim_start_matches('\u{feff}').trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = match line.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                // kustomize takes a bare name's value from its own environment;
                // a renderer for audits must not depend on the caller's shell.
                None => (line.trim_end().to_string(), String::new()),
            };
            if key.is_empty() || key.contains(char::is_whitespace) {
                bail!("{env}:{}: `{key}` is not a valid variable name", i + 1);
            }
            add(&mut pairs, key, value.into_bytes())?;
        }
    }
    for literal in args
        .get("literals")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let literal = scalar_string(literal).unwrap_or_default();
        let Some((key, value)) = literal.split_once('=') else {
            bail!("{file}: {field} {name}: literal `{literal}` is not KEY=VALUE");
        };
        add(
            &mut pairs,
            key.to_string(),
            unquote(value).as_bytes().to_vec(),
        )?;
    }
    for source in args
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let source = scalar_string(source).unwrap_or_default();
        let (key, path) = match source.split_once('=') {
            Some((k, p)) => (k.to_string(), p.to_string()),
            None => (
                std::path::Path::new(&source)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                source.clone(),
            ),
        };
        let bytes = loader.read_bytes(root, field, &path)?;
        add(&mut pairs, key, bytes)?;
    }

    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    if let Some(ns) = args
        .get("namespace")
        .and_then(scalar_string)
        .filter(|s| !s.is_empty())
    {
        metadata.insert("namespace".into(), json!(ns));
    }
    if !opts.labels.is_empty() {
        metadata.insert(
            "labels".into(),
            Value::Object(
                opts.labels
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect(),
            ),
        );
    }
    if !opts.annotations.is_empty() {
        metadata.insert(
            "annotations".into(),
            Value::Object(
                opts.annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect(),
            ),
        );
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!("v1"));
    obj.insert("kind".into(), json!(kind));
    obj.insert("metadata".into(), Value::Object(metadata));
    let b64 = base64::engine::general_purpose::STANDARD;
    if kind == "ConfigMap" {
        let mut data = Map::new();
        let mut binary = Map::new();
        for (k, v) in pairs {
            match String::from_utf8(v) {
                Ok(s) => data.insert(k, json!(s)),
                Err(e) => binary.insert(k, json!(wrapped_base64(&e.into_bytes()))),
            };
        }
        if !data.is_empty() {
            obj.insert("data".into(), Value::Object(data));
        }
        if !binary.is_empty() {
            obj.insert("binaryData".into(), Value::Object(binary));
        }
    } else {
        let data: Map<String, Value> = pairs
            .into_iter()
            .map(|(k, v)| (k, json!(b64.encode(v))))
            .collect();
        // kustomize always gives a generated Secret a data map.
        obj.insert("data".into(), Value::Object(data));
        let kind_type = args
            .get("type")
            .and_then(scalar_string)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Opaque".into());
        obj.insert("type".into(), json!(kind_type));
    }
    if opts.immutable {
        obj.insert("immutable".into(), json!(true));
    }
    let line = generator_line(text, &name);
    let mut resource = Resource::new(
        Value::Object(obj),
        SourceLocation {
            file: file.clone(),
            line,
            ..SourceLocation::default()
        },
    );
    // kustomize treats any other behavior as create.
    resource.behavior = match args.get("behavior").and_then(Value::as_str).unwrap_or("") {
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        _ => Behavior::Create,
    };
    resource.needs_hash = !opts.disable_hash;
    Ok(resource)
}

/// kustomize's base64 for binary ConfigMap data: lines of 70 characters,
/// each ending in a newline when there is more than one line.
fn wrapped_base64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    const LINE: usize = 70;
    let lines = encoded.len() / LINE + 1;
    if lines <= 1 {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + lines);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out
}

/// kustomize strips one pair of matching quotes around a literal's value.
fn unquote(value: &str) -> &str {
    let b = value.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &value[1..value.len() - 1]
    } else {
        value
    }
}

/// The line of `name: NAME` in the kustomization text, for sources.
fn generator_line(text: &str, name: &str) -> Option<usize> {
    let wanted = format!("name: {name}");
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches("- ").trim();
            t == wanted || t.trim_matches(['"', '\'']) == wanted
        })
        .map(|i| i + 1)
}

/// kustomize's content hash of a ConfigMap or Secret (api/hasher): the
/// JSON of kind, data (and type), with Go's HTML escaping, SHA-256, the first
/// ten hex digits with some letters swapped to avoid bad words. The name is
/// looked up under a path kustomize never finds, so it is always empty.
pub fn hash(obj: &Value) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let field = |k: &str| -> Value {
        match obj.get(k) {
            None | Some(Value::Null) => json!(""),
            Some(v) if v.is_object() => v.clone(),
            Some(Value::String(s)) => json!(s),
            Some(v) => json!(scalar_string(v).unwrap_or_default()),
        }
    };
    let mut m = Map::new();
    m.insert("kind".into(), json!(kind));
    m.insert("name".into(), json!(""));
    m.insert("data".into(), field("data"));
    match kind {
        "ConfigMap" => {
            if obj.get("binaryData").is_some_and(Value::is_object) {
                m.insert("binaryData".into(), field("binaryData"));
            }
        }
        "Secret" => {
            m.insert("type".into(), field("type"));
            if obj.get("stringData").is_some_and(Value::is_object) {
                m.insert("stringData".into(), field("stringData"));
            }
        }
        _ => {
            m = obj.as_object().cloned().unwrap_or_default();
        }
    }
    let encoded = go_json(&Value::Object(m));
    let digest = ring::digest::digest(&ring::digest::SHA256, encoded.as_bytes());
    let hex: String = digest
        .as_ref()
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect();
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// JSON as Go's `json.Marshal` writes it: sorted keys, no spaces, and `<`,
/// `>`, `&`, U+2028 and U+2029 escaped.
pub fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_go_json(v, &mut out);
    out
}

fn write_go_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(k, out);
                out.push(':');
                write_go_json(&map[*k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_go_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn write_go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names `kubectl kustomize` (kustomize v5.5.0) gave these objects.
    #[test]
    fn hashes_match_kustomize() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "p-cm"},
            "data": {"a": "1<&>", "b": "quoted"}});
        assert_eq!(hash(&cm), "m8f5mc6k9c");
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "p-s"},
            "type": "Opaque", "data": {"x": "eQ=="}});
        assert_eq!(hash(&secret), "t86b282gdf");
    }

    #[test]
    fn literals_lose_one_pair_of_matching_quotes() {
        assert_eq!(unquote("\"quoted\""), "quoted");
        assert_eq!(unquote("'a'"), "a");
        assert_eq!(unquote("\"a'"), "\"a'");
        assert_eq!(unquote("\""), "\"");
    }

    #[test]
    fn go_json_escapes_like_go() {
        assert_eq!(
            go_json(&json!({"b": "<x>", "a": [1, "&"]})),
            r#"{"a":[1,"\u0026"],"b":"\u003cx\u003e"}"#
        );
    }
}
