//! What the comparison needs to know of Kubernetes types: merge keys of
//! lists, which fields hold resource quantities or int-or-string values,
//! (the API server's defaults are in crate::defaults).

use crate::path::FieldPath;
use serde_json::Value;

/// The merge key of a list item, from the list's field name and the item
/// (the Kubernetes schema's `x-kubernetes-patch-merge-key`/list-map-keys).
/// Returns the key field and its value as text.
pub fn merge_key(list_field: &str, item: &Value) -> Option<(&'static str, String)> {
    let candidates: &[&'static str] = match list_field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "volumeClaimTemplates" => &["name"],
        "ports" => &["containerPort", "port"],
        "volumeMounts" => &["mountPath"],
        "volumeDevices" => &["devicePath"],
        "hostAliases" => &["ip"],
        "conditions" => &["type"],
        "readinessGates" => &["conditionType"],
        _ => return None,
    };
    let item = item.as_object()?;
    candidates.iter().find_map(|field| {
        let value = item.get(*field).or_else(|| {
            // volumeClaimTemplates are keyed by metadata.name.
            (*field == "name")
                .then(|| item.get("metadata").and_then(|m| m.get("name")))
                .flatten()
        })?;
        Some((*field, scalar_text(value)?))
    })
}

/// Ports are keyed by number and protocol; a missing protocol means TCP.
pub fn same_item(list_field: &str, desired: &Value, live: &Value) -> bool {
    let (Some((dk, dv)), Some((lk, lv))) =
        (merge_key(list_field, desired), merge_key(list_field, live))
    else {
        return false;
    };
    if dk != lk || dv != lv {
        return false;
    }
    if list_field == "ports" {
        let protocol = |v: &Value| {
            v.get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP")
                .to_string()
        };
        return protocol(desired) == protocol(live);
    }
    true
}

pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Fields whose values are resource quantities (`1000m` = `1`).
pub fn is_quantity_field(path: &FieldPath) -> bool {
    matches!(
        path.parent_field(),
        Some("limits" | "requests" | "hard" | "capacity" | "allocatable" | "overhead")
    ) || matches!(path.last_field(), Some("sizeLimit" | "storage"))
}

/// int-or-string fields (`8080` = `"8080"`).
pub fn is_int_or_string_field(path: &FieldPath) -> bool {
    matches!(
        path.last_field(),
        Some(
            "port"
                | "targetPort"
                | "containerPort"
                | "hostPort"
                | "nodePort"
                | "number"
                | "maxSurge"
                | "maxUnavailable"
                | "minAvailable"
                | "partition"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_keys_by_field() {
        assert_eq!(
            merge_key("containers", &json!({"name": "app"})),
            Some(("name", "app".into()))
        );
        assert_eq!(
            merge_key("ports", &json!({"containerPort": 8080})),
            Some(("containerPort", "8080".into()))
        );
        assert_eq!(
            merge_key("ports", &json!({"port": 80, "name": "http"})),
            Some(("port", "80".into()))
        );
        assert_eq!(merge_key("rules", &json!({"verbs": ["get"]})), None);
        assert_eq!(merge_key("args", &json!("--x")), None);
    }

    #[test]
    fn ports_match_with_protocol_defaulting_to_tcp() {
        assert!(same_item(
            "ports",
            &json!({"port": 80}),
            &json!({"port": 80, "protocol": "TCP"})
        ));
        assert!(!same_item(
            "ports",
            &json!({"port": 53, "protocol": "UDP"}),
            &json!({"port": 53, "protocol": "TCP"})
        ));
    }
}
