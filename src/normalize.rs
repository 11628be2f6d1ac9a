//! What Kubernetes owns, removed before comparing; Git's shorthand made
//! canonical; values compared the way the API server means them
//! (quantities and int-or-string ports by value).

use crate::path::FieldPath;
use crate::schema;
use base64::Engine;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Metadata the API server writes on every object.
const RUNTIME_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// `kubectl apply`'s copy of what it applied (client-side).
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Annotations tools write for their own bookkeeping.
const RUNTIME_ANNOTATIONS: &[&str] = &[LAST_APPLIED, "deployment.kubernetes.io/revision"];

/// A live object without what Kubernetes owns. managedFields are read
/// before this, for attribution.
pub fn live(object: &Value) -> Value {
    let mut object = object.clone();
    let _taken = strip(&mut object);
    object
}

/// What [`strip`] took out of a live object, to be put back by
/// [`Stripped::restore`].
#[must_use = "restore it, or call `live` for a stripped copy"]
pub struct Stripped {
    status: Option<Value>,
    metadata: Vec<(&'static str, Value)>,
    annotations: Vec<(&'static str, Value)>,
    /// The annotations map went too (nothing else was left in it).
    annotations_emptied: bool,
}

/// Takes what Kubernetes owns out of a live object, in place: the object
/// is then as [`live`] returns it, without a copy of it.
pub fn strip(object: &mut Value) -> Stripped {
    let mut stripped = Stripped {
        status: None,
        metadata: Vec::new(),
        annotations: Vec::new(),
        annotations_emptied: false,
    };
    let Some(map) = object.as_object_mut() else {
        return stripped;
    };
    stripped.status = map.remove("status");
    if let Some(Value::Object(metadata)) = map.get_mut("metadata") {
        for field in RUNTIME_METADATA {
            if let Some(value) = metadata.remove(*field) {
                stripped.metadata.push((field, value));
            }
        }
        if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
            for annotation in RUNTIME_ANNOTATIONS {
                if let Some(value) = annotations.remove(*annotation) {
                    stripped.annotations.push((annotation, value));
                }
            }
            if annotations.is_empty() {
                metadata.remove("annotations");
                stripped.annotations_emptied = true;
            }
        }
    }
    stripped
}

impl Stripped {
    /// Puts back what [`strip`] took out of `object`.
    pub fn restore(self, object: &mut Value) {
        let Some(map) = object.as_object_mut() else {
            return;
        };
        if let Some(status) = self.status {
            map.insert("status".into(), status);
        }
        let Some(Value::Object(metadata)) = map.get_mut("metadata") else {
            return;
        };
        for (field, value) in self.metadata {
            metadata.insert(field.into(), value);
        }
        if self.annotations_emptied {
            metadata.insert("annotations".into(), Value::Object(Map::new()));
        }
        if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
            for (annotation, value) in self.annotations {
                annotations.insert(annotation.into(), value);
            }
        }
    }
}

/// A desired object as the API server would store it: `stringData` folded
/// into `data` (base64), empty maps and lists dropped (the server drops them).
/// Borrowed when there is nothing to change (most objects).
pub fn desired(object: &Value) -> Cow<'_, Value> {
    let secret = object["kind"] == "Secret" && object["apiVersion"] == "v1";
    let string_data = secret && object.get("stringData").is_some();
    if !string_data && !has_empty(object) {
        return Cow::Borrowed(object);
    }
    let mut object = object.clone();
    if secret {
        fold_string_data(&mut object);
    }
    drop_empty(&mut object);
    Cow::Owned(object)
}

/// Whether some map holds a null, an empty map or an empty list: exactly
/// when [`drop_empty`] changes something.
fn has_empty(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.values().any(|v| is_empty(v) || has_empty(v)),
        Value::Array(items) => items.iter().any(has_empty),
        _ => false,
    }
}

fn fold_string_data(secret: &mut Value) {
    let Some(map) = secret.as_object_mut() else {
        return;
    };
    let Some(Value::Object(string_data)) = map.remove("stringData") else {
        return;
    };
    let data = map
        .entry("data")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(data) = data {
        for (key, value) in string_data {
            let text = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            data.insert(key, Value::String(encoded));
        }
    }
}

fn drop_empty(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                drop_empty(child);
            }
            map.retain(|_, v| !is_empty(v));
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty),
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Whether Git's scalar `desired` and the live scalar mean the same at `path`.
pub fn scalars_equal(path: &FieldPath, desired: &Value, live: &Value) -> bool {
    if desired == live {
        return true;
    }
    if let (Value::Number(a), Value::Number(b)) = (desired, live) {
        return a.as_f64() == b.as_f64();
    }
    if schema::is_quantity_field(path)
        && let (Some(a), Some(b)) = (quantity_text(desired), quantity_text(live))
        && let (Some(a), Some(b)) = (parse_quantity(&a), parse_quantity(&b))
    {
        return a == b;
    }
    if schema::is_int_or_string_field(path) {
        return schema::scalar_text(desired) == schema::scalar_text(live);
    }
    false
}

fn quantity_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A resource quantity in nano-units (`1` = 1_000_000_000), exactly.
/// `None` when the text is not a quantity.
pub fn parse_quantity(text: &str) -> Option<i128> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    if number.is_empty() {
        return None;
    }
    let (negative, number) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number.strip_prefix('+').unwrap_or(number)),
    };
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
        || int_part.len() > 24
        || frac_part.len() > 24
    {
        return None;
    }
    // Work in units of 10^-9 * 10^-(extra fraction digits), then scale.
    let digits = format!("{int_part}{frac_part}");
    let mantissa: i128 = digits.parse().ok()?;
    let frac_digits = frac_part.len() as i32;
    let (multiplier, decimal_exponent): (i128, i32) = match suffix {
        "" => (1, 0),
        "n" => (1, -9),
        "u" => (1, -6),
        "m" => (1, -3),
        "k" => (1, 3),
        "M" => (1, 6),
        "G" => (1, 9),
        "T" => (1, 12),
        "P" => (1, 15),
        "E" => (1, 18),
        "Ki" => (1 << 10, 0),
        "Mi" => (1 << 20, 0),
        "Gi" => (1 << 30, 0),
        "Ti" => (1 << 40, 0),
        "Pi" => (1 << 50, 0),
        "Ei" => (1 << 60, 0),
        s if s.starts_with(['e', 'E']) => {
            (1, s[1..].parse::<i32>().ok().filter(|e| e.abs() <= 18)?)
        }
        _ => return None,
    };
    // value = mantissa * 10^(exp - frac_digits) * multiplier, in nano-units: * 10^9.
    let exponent = decimal_exponent - frac_digits + 9;
    let mut value = mantissa.checked_mul(multiplier)?;
    if exponent >= 0 {
        value = value.checked_mul(10i128.checked_pow(exponent as u32)?)?;
    } else {
        let divisor = 10i128.checked_pow((-exponent) as u32)?;
        // Kubernetes rounds sub-nano precision up; exactness below that is moot.
        value = (value + divisor - 1) / divisor;
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limits(field: &str) -> FieldPath {
        FieldPath::root()
            .field("resources")
            .field("limits")
            .field(field)
    }

    #[test]
    fn quantities_compare_by_value() {
        for (a, b) in [
            (json!("1000m"), json!("1")),
            (json!("0.5"), json!("500m")),
            (json!("1Gi"), json!("1024Mi")),
            (json!("1000M"), json!("1G")),
            (json!(1), json!("1")),
            (json!("1e3"), json!("1k")),
            (json!("0.1"), json!("100m")),
        ] {
            assert!(scalars_equal(&limits("cpu"), &a, &b), "{a} = {b}");
        }
        for (a, b) in [
            (json!("1Gi"), json!("1G")),
            (json!("512Mi"), json!("1Gi")),
            (json!("1"), json!("1001m")),
        ] {
            assert!(!scalars_equal(&limits("memory"), &a, &b), "{a} != {b}");
        }
    }

    #[test]
    fn quantities_only_where_the_schema_has_them() {
        let data = FieldPath::root().field("data").field("SIZE");
        assert!(!scalars_equal(&data, &json!("1000m"), &json!("1")));
    }

    #[test]
    fn int_or_string_ports_compare_by_value() {
        let port = FieldPath::root()
            .field("ports")
            .index(0)
            .field("targetPort");
        assert!(scalars_equal(&port, &json!(8080), &json!("8080")));
        assert!(!scalars_equal(&port, &json!("http"), &json!(8080)));
        let replicas = FieldPath::root().field("spec").field("replicas");
        assert!(!scalars_equal(&replicas, &json!(3), &json!("3")));
    }

    #[test]
    fn parse_quantity_rejects_non_quantities() {
        assert_eq!(parse_quantity("abc"), None);
        assert_eq!(parse_quantity("1Xi"), None);
        assert_eq!(parse_quantity(""), None);
        assert_eq!(parse_quantity("1.2.3"), None);
        assert_eq!(parse_quantity("99999999999999999999999999Ei"), None);
        assert_eq!(parse_quantity("250m"), Some(250_000_000));
    }

    #[test]
    fn live_loses_what_kubernetes_owns() {
        let object = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "a", "uid": "x", "resourceVersion": "1", "generation": 2,
                "creationTimestamp": "t", "managedFields": [],
                "annotations": {"deployment.kubernetes.io/revision": "3",
                    "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "spec": {"replicas": 1}, "status": {"replicas": 1}});
        assert_eq!(
            live(&object),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "a"}, "spec": {"replicas": 1}})
        );
    }

    #[test]
    fn string_data_is_compared_as_data() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"a": "eA=="}, "stringData": {"b": "y"}});
        let d = desired(&secret);
        assert_eq!(d["data"], json!({"a": "eA==", "b": "eQ=="}));
        assert!(d.get("stringData").is_none());
    }

    #[test]
    fn empty_maps_and_lists_in_git_are_absent() {
        let object = json!({"spec": {"a": {}, "b": [], "c": null, "d": {"e": {}}, "f": 1}});
        assert_eq!(*desired(&object), json!({"spec": {"f": 1}}));
        // Inside list items too.
        let object = json!({"spec": {"containers": [{"name": "a", "env": []}]}});
        assert_eq!(
            *desired(&object),
            json!({"spec": {"containers": [{"name": "a"}]}})
        );
    }

    #[test]
    fn desired_objects_with_nothing_to_change_are_not_copied() {
        let object = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "labels": {"x": "y"}}, "data": {"k": ""}});
        assert!(matches!(desired(&object), Cow::Borrowed(_)));
        let secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s"}, "stringData": "not a map"});
        assert_eq!(
            *desired(&secret),
            json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s"}})
        );
    }

    #[test]
    fn strip_is_live_in_place_and_restore_gives_the_object_back() {
        let objects = [
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "a", "uid": "u", "resourceVersion": "7", "generation": 2,
                    "annotations": {"deployment.kubernetes.io/revision": "3", "team": "x"}},
                "spec": {"replicas": 1}, "status": {"replicas": 1}}),
            // Only runtime annotations: the map goes, and comes back.
            json!({"kind": "ConfigMap", "metadata": {"name": "b",
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}}),
            // An empty annotations map goes too, and comes back empty.
            json!({"kind": "ConfigMap", "metadata": {"name": "c", "annotations": {}}}),
            json!({"kind": "ConfigMap", "metadata": "not a map", "status": 1}),
            json!("not an object"),
        ];
        for original in objects {
            let mut object = original.clone();
            let taken = strip(&mut object);
            assert_eq!(object, live(&original));
            taken.restore(&mut object);
            assert_eq!(object, original);
        }
    }
}
