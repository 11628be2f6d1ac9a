//! What the comparison needs to know of Kubernetes types: merge keys of
//! lists, which fields hold resource quantities or int-or-string values,
//! and the API server's defaults.

use crate::path::FieldPath;
use serde_json::{Map, Value};

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

/// Whether `live`, found at `path` but absent from Git, is a value the API
/// server (or an admission default) sets by itself. `parent` is the live map
/// holding the field, for defaults that depend on a sibling (imagePullPolicy
/// on the image's tag, targetPort on port).
pub fn is_server_default(
    path: &FieldPath,
    live: &Value,
    parent: Option<&Map<String, Value>>,
) -> bool {
    let Some(field) = path.last_field() else {
        return false;
    };
    // Assigned by the server, whatever their value.
    if matches!(
        field,
        "clusterIP" | "clusterIPs" | "nodePort" | "healthCheckNodePort" | "volumeName"
    ) {
        return true;
    }
    let s = live.as_str();
    let n = live.as_i64();
    match field {
        "imagePullPolicy" => {
            let image = parent
                .and_then(|p| p.get("image"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let tag = image.rsplit('/').next().unwrap_or("");
            let latest = !tag.contains(':') && !tag.contains('@') || tag.ends_with(":latest");
            s == Some(if latest { "Always" } else { "IfNotPresent" })
        }
        "targetPort" => parent.and_then(|p| p.get("port")) == Some(live),
        "terminationMessagePath" => s == Some("/dev/termination-log"),
        "terminationMessagePolicy" => s == Some("File"),
        "protocol" => s == Some("TCP"),
        "dnsPolicy" => s == Some("ClusterFirst"),
        "restartPolicy" => s == Some("Always"),
        "schedulerName" => s == Some("default-scheduler"),
        "terminationGracePeriodSeconds" => n == Some(30),
        "progressDeadlineSeconds" => n == Some(600),
        "revisionHistoryLimit" => n == Some(10),
        "sessionAffinity" => s == Some("None"),
        "type" if path.fields_are(&["spec", "type"]) => {
            s == Some("ClusterIP") || s == Some("Opaque")
        }
        "type" if path.fields_are(&["type"]) => s == Some("Opaque"),
        "ipFamilies" => live == &serde_json::json!(["IPv4"]),
        "ipFamilyPolicy" => s == Some("SingleStack"),
        "internalTrafficPolicy" | "externalTrafficPolicy" => s == Some("Cluster"),
        "allocateLoadBalancerNodePorts" => live == &Value::Bool(true),
        "failureThreshold" => n == Some(3),
        "successThreshold" => n == Some(1),
        "timeoutSeconds" => n == Some(1),
        "periodSeconds" => n == Some(10),
        "scheme" => s == Some("HTTP"),
        "concurrencyPolicy" => s == Some("Allow"),
        "suspend" => live == &Value::Bool(false),
        "successfulJobsHistoryLimit" => n == Some(3),
        "failedJobsHistoryLimit" => n == Some(1),
        "backoffLimit" => n == Some(6),
        "completionMode" => s == Some("NonIndexed"),
        "podReplacementPolicy" => s == Some("TerminatingOrFailed"),
        "podManagementPolicy" => s == Some("OrderedReady"),
        "volumeMode" => s == Some("Filesystem"),
        "defaultMode" => n == Some(420),
        "pathType" => s == Some("ImplementationSpecific"),
        "finalizers" if path.fields_are(&["spec", "finalizers"]) => {
            live == &serde_json::json!(["kubernetes"])
        }
        "securityContext" | "resources" => live.as_object().is_some_and(Map::is_empty),
        "strategy" => {
            live == &serde_json::json!({"type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        }
        "updateStrategy" => {
            live == &serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
                || live
                    == &serde_json::json!({"type": "RollingUpdate",
                        "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}})
        }
        "persistentVolumeClaimRetentionPolicy" => {
            live == &serde_json::json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        }
        "kubernetes.io/metadata.name" => path.fields_are(&["metadata", "labels", field]),
        _ => false,
    }
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

    #[test]
    fn image_pull_policy_default_follows_the_tag() {
        let p = FieldPath::root().field("imagePullPolicy");
        let tagged = json!({"image": "nginx:1.27"});
        let latest = json!({"image": "nginx"});
        assert!(is_server_default(
            &p,
            &json!("IfNotPresent"),
            tagged.as_object()
        ));
        assert!(!is_server_default(&p, &json!("Always"), tagged.as_object()));
        assert!(is_server_default(&p, &json!("Always"), latest.as_object()));
        let registry_port = json!({"image": "registry:5000/app"});
        assert!(is_server_default(
            &p,
            &json!("Always"),
            registry_port.as_object()
        ));
    }
}
