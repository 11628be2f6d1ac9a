//! `--adopt-orphans DIR`: an orphan (a live object Git does not declare)
//! written into Git as a new manifest, one file per object, cleaned of what
//! the cluster owns: status, runtime metadata, bookkeeping annotations and
//! values equal to the API server's defaults. Secrets are never adopted.

use super::edit::Splice;
use super::plan::{Files, Planned};
use crate::live::{LiveQuery, LiveSource, TypeQuery};
use crate::model::{Category, Finding, Identity, ObjectRef};
use crate::path::FieldPath;
use anyhow::Result;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Metadata the cluster writes (beyond what normalize strips for the audit).
const RUNTIME_METADATA: &[&str] = &[
    "managedFields",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
    "ownerReferences",
];

/// The live objects of the orphans among `findings`, read again (the
/// findings carry no values).
pub fn fetch(live: &mut dyn LiveSource, findings: &[Finding]) -> Result<HashMap<Identity, Value>> {
    let mut out = HashMap::new();
    for f in findings.iter().filter(|f| f.category == Category::Orphan) {
        let o = &f.object;
        let query = LiveQuery {
            types: vec![TypeQuery {
                api_version: o.api_version.clone(),
                kind: o.kind.clone(),
                namespaces: o.namespace.iter().cloned().collect::<BTreeSet<_>>(),
                every_namespace: false,
            }],
            selector: None,
        };
        let state = live.fetch(&query)?;
        if let Some(object) = state
            .objects
            .into_iter()
            .find(|v| ObjectRef::from_value(v.head()).is_some_and(|r| r.identity() == o.identity()))
        {
            out.insert(o.identity(), object.value().map_err(anyhow::Error::msg)?);
        }
    }
    Ok(out)
}

/// `DIR/<kind>-<namespace>-<name>.yaml` (`<kind>-<name>.yaml` for a
/// cluster-scoped object), lowercase.
pub fn file_for(dir: &Path, object: &ObjectRef) -> PathBuf {
    let name = match &object.namespace {
        Some(ns) => format!("{}-{ns}-{}.yaml", object.kind, object.name),
        None => format!("{}-{}.yaml", object.kind, object.name),
    };
    dir.join(name.to_lowercase())
}

/// The new manifest of an orphan, or why it cannot be adopted.
pub fn plan(
    finding: &Finding,
    live: Option<&Value>,
    dir: &Path,
    files: &mut Files,
) -> Result<Planned, String> {
    if finding.object.kind == "Secret" {
        return Err("a Secret is never adopted into Git: its data would be written there".into());
    }
    if crate::source::kustomization_file(dir).is_some() {
        return Err(format!(
            "{} has a kustomization, whose resources: would have to list the new file; give a directory that a PATH reads as plain YAML",
            dir.display()
        ));
    }
    let live = live.ok_or("the orphan cannot be read again from the live state")?;
    let file = file_for(dir, &finding.object);
    if file.exists() {
        return Err(format!(
            "{} exists already; move it away or choose another DIR",
            file.display()
        ));
    }
    let text = manifest_text(&clean(live));
    files.add_new(&file);
    Ok(Planned {
        at: format!("{}:1", file.display()),
        edits: vec![(
            file,
            Splice {
                start: 0,
                end: 0,
                text,
            },
        )],
        expected: Vec::new(),
    })
}

/// `apiVersion`, `kind` and `metadata` first, as people write manifests,
/// then the rest.
fn manifest_text(object: &Value) -> String {
    let Value::Object(map) = object else {
        return crate::yaml::to_string(object);
    };
    let first = ["apiVersion", "kind", "metadata"];
    let mut out = String::new();
    for key in first {
        if let Some(v) = map.get(key) {
            out.push_str(&crate::yaml::to_string(&serde_json::json!({ key: v })));
        }
    }
    let rest: serde_json::Map<String, Value> = map
        .iter()
        .filter(|(k, _)| !first.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !rest.is_empty() {
        out.push_str(&crate::yaml::to_string(&Value::Object(rest)));
    }
    out
}

/// Labels and annotations by which a GitOps tool tracks what it applied:
/// the tool that applies DIR writes its own.
const TRACKING: &[&str] = &[
    "kustomize.toolkit.fluxcd.io/name",
    "kustomize.toolkit.fluxcd.io/namespace",
    "argocd.argoproj.io/tracking-id",
];

/// The live object as a manifest: without status, runtime metadata,
/// bookkeeping annotations and values the API server would default.
pub fn clean(live: &Value) -> Value {
    let mut object = crate::normalize::live(live);
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        for field in RUNTIME_METADATA {
            metadata.remove(*field);
        }
        for key in ["labels", "annotations"] {
            if let Some(Value::Object(pairs)) = metadata.get_mut(key) {
                pairs.retain(|k, _| !TRACKING.contains(&k.as_str()));
                if pairs.is_empty() {
                    metadata.remove(key);
                }
            }
        }
    }
    if let Value::Object(map) = &mut object {
        let keys: Vec<String> = map.keys().cloned().collect();
        for key in keys {
            if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            let path = FieldPath::root().field(&key);
            let drop = match map.get_mut(&key) {
                Some(v) => strip_defaults(v, live, &path, &key),
                None => false,
            };
            if drop {
                map.remove(&key);
            }
        }
    }
    object
}

/// Removes from `value` (at `path` of the live object `root`) what is the
/// API server's default; true when `value` itself should go.
fn strip_defaults(value: &mut Value, root: &Value, path: &FieldPath, field: &str) -> bool {
    if crate::defaults::is_default(root, path, value) {
        return true;
    }
    match value {
        Value::Object(map) => {
            if map.is_empty() {
                return false;
            }
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let child = path.field(&key);
                let drop = map
                    .get_mut(&key)
                    .is_some_and(|v| strip_defaults(v, root, &child, &key));
                if drop {
                    map.remove(&key);
                }
            }
            map.is_empty()
        }
        Value::Array(items) => {
            let keyed = items
                .iter()
                .all(|i| crate::schema::merge_key(field, i).is_some());
            for (i, item) in items.iter_mut().enumerate() {
                let item_path = match crate::schema::merge_key(field, item) {
                    Some((k, v)) if keyed => path.key(k, &v),
                    _ => path.index(i),
                };
                // An item left empty stays: its position or key matters.
                strip_defaults(item, root, &item_path, "");
            }
            false
        }
        _ => false,
    }
}
