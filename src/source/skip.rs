//! Why a document read from Git is not taken as an object: said on stderr
//! by default (a typo'd key must not silently shrink the audit), and the
//! recognition of a `kubectl get -o yaml` dump lying inside the audited
//! directory, which is live state and not Git content.

use serde_json::Value;

/// Why `value` is not a Kubernetes object (no `apiVersion`, `kind` and
/// `metadata.name`), naming a key that looks like a typo of the missing one.
pub fn reason(value: &Value) -> String {
    let Some(map) = value.as_object() else {
        return format!("not a mapping (a {})", type_name(value));
    };
    let missing = |key: &str, within: &serde_json::Map<String, Value>, shown: &str| {
        let near = within
            .keys()
            .find(|k| k.as_str() != key && looks_like(k, key))
            .map(|k| format!(" (`{k}` is not `{key}`; keys are exact)"))
            .unwrap_or_default();
        format!("no `{shown}`{near}")
    };
    fn text(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str).filter(|s| !s.is_empty())
    }
    if text(map.get("apiVersion")).is_none() {
        return missing("apiVersion", map, "apiVersion");
    }
    if text(map.get("kind")).is_none() {
        return missing("kind", map, "kind");
    }
    let Some(metadata) = map.get("metadata").and_then(Value::as_object) else {
        return missing("metadata", map, "metadata");
    };
    if text(metadata.get("name")).is_none() {
        return missing("name", metadata, "metadata.name");
    }
    "not a Kubernetes object".into()
}

/// A `List` as `kubectl get -o yaml` writes it: items that carry what only
/// the API server sets (`resourceVersion`, `managedFields`, `uid`).
pub fn is_live_dump(value: &Value) -> bool {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if !kind.ends_with("List") {
        return false;
    }
    let items = value.get("items").and_then(Value::as_array);
    items.is_some_and(|items| {
        items.iter().any(|item| {
            let metadata = &item["metadata"];
            ["resourceVersion", "managedFields", "uid"]
                .iter()
                .any(|k| metadata.get(k).is_some())
        })
    })
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

/// `written` is `wanted` but for case or one or two typed letters.
fn looks_like(written: &str, wanted: &str) -> bool {
    written.eq_ignore_ascii_case(wanted) || edit_distance(written, wanted) <= 2
}

/// Optimal string alignment distance: a swap of two letters counts one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reasons_name_the_missing_key_and_its_look_alike() {
        let cases = [
            (
                json!({"apiversion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
                "no `apiVersion` (`apiversion` is not `apiVersion`; keys are exact)",
            ),
            (
                json!({"apiVersion": "v1", "Kind": "ConfigMap", "metadata": {"name": "a"}}),
                "no `kind` (`Kind` is not `kind`; keys are exact)",
            ),
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"nmae": "a"}}),
                "no `metadata.name` (`nmae` is not `name`; keys are exact)",
            ),
            (
                json!({"kind": "ConfigMap", "metadata": {"name": "a"}}),
                "no `apiVersion`",
            ),
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap"}),
                "no `metadata`",
            ),
            (json!(["a"]), "not a mapping (a list)"),
        ];
        for (value, want) in cases {
            assert_eq!(reason(&value), want, "{value}");
        }
    }

    #[test]
    fn a_kubectl_get_dump_is_live_state_and_a_git_list_is_not() {
        let dump = json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
            "items": [{"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "a", "resourceVersion": "42"}}]});
        assert!(is_live_dump(&dump));
        let git = json!({"apiVersion": "v1", "kind": "List",
            "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}]});
        assert!(!is_live_dump(&git));
        assert!(!is_live_dump(&dump["items"][0]));
    }
}
