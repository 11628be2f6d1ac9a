//! JSON patches (RFC 6902): add, remove, replace, move, copy and test, with
//! JSON pointers (RFC 6901), as kustomize applies them to one object.

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

/// Parses a JSON patch document (JSON or YAML list of operations).
pub fn parse(value: &Value) -> Result<Vec<Value>> {
    match value {
        Value::Array(ops) => {
            for op in ops {
                if op.get("op").and_then(Value::as_str).is_none() {
                    bail!("every JSON patch operation needs an `op`");
                }
            }
            Ok(ops.clone())
        }
        _ => bail!("a JSON patch must be a list of operations"),
    }
}

/// Applies every operation to `doc`.
pub fn apply(doc: &mut Value, ops: &[Value]) -> Result<()> {
    for op in ops {
        apply_one(doc, op).map_err(|e| anyhow!("JSON patch {op}: {e}"))?;
    }
    Ok(())
}

fn pointer(op: &Value, field: &str) -> Result<Vec<String>> {
    let path = op
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("missing `{field}`"))?;
    parse_pointer(path)
}

pub fn parse_pointer(path: &str) -> Result<Vec<String>> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        bail!("path {path} must start with /");
    };
    Ok(rest
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn apply_one(doc: &mut Value, op: &Value) -> Result<()> {
    let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
    match kind {
        "add" => {
            let value = op
                .get("value")
                .cloned()
                .ok_or_else(|| anyhow!("missing `value`"))?;
            add(doc, &pointer(op, "path")?, value)
        }
        "remove" => remove(doc, &pointer(op, "path")?).map(|_| ()),
        "replace" => {
            let value = op
                .get("value")
                .cloned()
                .ok_or_else(|| anyhow!("missing `value`"))?;
            let path = pointer(op, "path")?;
            let target = get_mut(doc, &path)?;
            *target = value;
            Ok(())
        }
        "move" => {
            let from = pointer(op, "from")?;
            let value = remove(doc, &from)?;
            add(doc, &pointer(op, "path")?, value)
        }
        "copy" => {
            let from = pointer(op, "from")?;
            let value = get_mut(doc, &from)?.clone();
            add(doc, &pointer(op, "path")?, value)
        }
        "test" => {
            let value = op.get("value").cloned().unwrap_or(Value::Null);
            if *get_mut(doc, &pointer(op, "path")?)? != value {
                bail!("test failed");
            }
            Ok(())
        }
        other => bail!("unknown operation `{other}`"),
    }
}

fn get_mut<'a>(doc: &'a mut Value, path: &[String]) -> Result<&'a mut Value> {
    let mut cur = doc;
    for part in path {
        cur = match cur {
            Value::Object(map) => map
                .get_mut(part)
                .ok_or_else(|| anyhow!("no field `{part}`"))?,
            Value::Array(items) => {
                let i = index(part, items.len())?;
                items
                    .get_mut(i)
                    .ok_or_else(|| anyhow!("index {part} out of range"))?
            }
            _ => bail!("cannot descend into a scalar at `{part}`"),
        };
    }
    Ok(cur)
}

fn index(part: &str, len: usize) -> Result<usize> {
    if part == "-" {
        return Ok(len);
    }
    if part.starts_with('+') || (part.len() > 1 && part.starts_with('0')) {
        bail!("invalid index {part}");
    }
    part.parse::<usize>()
        .map_err(|_| anyhow!("invalid index {part}"))
}

fn add(doc: &mut Value, path: &[String], value: Value) -> Result<()> {
    let Some((last, parent)) = path.split_last() else {
        *doc = value;
        return Ok(());
    };
    match get_mut(doc, parent)? {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            let i = index(last, items.len())?;
            if i > items.len() {
                bail!("index {last} out of range");
            }
            items.insert(i, value);
            Ok(())
        }
        _ => bail!("cannot add to a scalar"),
    }
}

fn remove(doc: &mut Value, path: &[String]) -> Result<Value> {
    let Some((last, parent)) = path.split_last() else {
        bail!("cannot remove the whole document");
    };
    match get_mut(doc, parent)? {
        Value::Object(map) => map
            .remove(last)
            .ok_or_else(|| anyhow!("no field `{last}` to remove")),
        Value::Array(items) => {
            let i = index(last, items.len())?;
            if i >= items.len() {
                bail!("index {last} out of range");
            }
            Ok(items.remove(i))
        }
        _ => bail!("cannot remove from a scalar"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operations() {
        let mut doc = json!({"a": {"b": [1, 2]}, "c/d": 1});
        apply(
            &mut doc,
            &[
                json!({"op": "add", "path": "/a/b/-", "value": 3}),
                json!({"op": "add", "path": "/a/b/0", "value": 0}),
                json!({"op": "replace", "path": "/c~1d", "value": 2}),
                json!({"op": "copy", "from": "/a/b", "path": "/e"}),
                json!({"op": "move", "from": "/e", "path": "/f"}),
                json!({"op": "remove", "path": "/a/b/1"}),
                json!({"op": "test", "path": "/c~1d", "value": 2}),
            ],
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"a": {"b": [0, 2, 3]}, "c/d": 2, "f": [0, 1, 2, 3]})
        );
        let err = apply(
            &mut doc,
            &[json!({"op": "replace", "path": "/nope", "value": 1})],
        );
        assert!(err.is_err());
    }
}
