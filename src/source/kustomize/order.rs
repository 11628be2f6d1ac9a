//! Output order: kustomize's legacy order by default (kinds in dependency
//! order, then by group/version/kind, namespace and name), or `sortOptions`.

use super::resource::Resource;
use anyhow::{Result, bail};
use serde_json::Value;

const ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const ORDER_LAST: [&str; 2] = [
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Sorts as the top kustomization's `sortOptions` say (legacy by default).
pub fn sort(resources: &mut [Resource], options: Option<&Value>) -> Result<()> {
    let (first, last): (Vec<String>, Vec<String>) = match options {
        None => (
            ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
            ORDER_LAST.iter().map(|s| s.to_string()).collect(),
        ),
        Some(opts) => match opts.get("order").and_then(Value::as_str).unwrap_or("") {
            "fifo" => {
                if opts.get("legacySortOptions").is_some_and(|v| !v.is_null()) {
                    bail!("sortOptions.legacySortOptions is set but the order is fifo");
                }
                return Ok(());
            }
            "legacy" => match opts.get("legacySortOptions") {
                Some(l) if !l.is_null() => {
                    let list = |k: &str| -> Vec<String> {
                        l.get(k)
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    };
                    (list("orderFirst"), list("orderLast"))
                }
                _ => (
                    ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
                    ORDER_LAST.iter().map(|s| s.to_string()).collect(),
                ),
            },
            other => bail!("sortOptions.order must be legacy or fifo, not `{other}`"),
        },
    };
    let rank = |kind: &str| -> i64 {
        if let Some(i) = first.iter().position(|k| k == kind) {
            return i as i64 - first.len() as i64;
        }
        if let Some(i) = last.iter().position(|k| k == kind) {
            return 1 + i as i64;
        }
        0
    };
    resources.sort_by_cached_key(|r| {
        let id = r.cur_id();
        let ns = if id.namespace.is_empty() {
            "~X".to_string()
        } else {
            id.namespace.clone()
        };
        let name = if id.name.is_empty() {
            "~N".to_string()
        } else {
            id.name.clone()
        };
        // kustomize compares `gvk|namespace|name` as one string.
        (
            rank(&id.gvk.kind),
            id.gvk.sort_string(),
            format!("{}|{ns}|{name}", id.gvk.sort_string()),
        )
    });
    Ok(())
}
