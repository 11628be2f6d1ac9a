//! Synthetic clusters of any size for the benchmark and the cluster-wide
//! tests: the `scale` recordings (100 namespaces of Deployments, Services
//! and ConfigMaps applied by kustomize-controller, three images changed by
//! `kubectl set image`) cloned under new names, with the matching Git tree.

use super::server::Recording;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// `fixtures/scale`: the recordings, copied as they are from the shared
/// fixtures.
pub fn scale_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/scale")
}

fn load(name: &str) -> Vec<Value> {
    let path = scale_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let list: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{} has no `items` list", path.display()))
        .clone()
}

/// A cluster of `namespaces` namespaces, each holding `sets` copies of a
/// recorded namespace's three Deployments, Services and ConfigMaps (plus the
/// controller-made ConfigMaps), and the Git tree declaring them, written to
/// `tree`. Returns the recording (discovery from ml-platform) and how many
/// objects the tree declares.
pub fn build(namespaces: usize, sets: usize, tree: &Path) -> (Recording, usize) {
    let discovery = Recording::load(&super::server::ml_platform_api("clean"));
    let mut recording = Recording::default();
    for path in discovery.paths().cloned().collect::<Vec<_>>() {
        // Discovery and /version only: the objects are the synthetic ones.
        if !path.contains("/namespaces/") && discovery.get(&path).unwrap().get("items").is_none() {
            recording.insert(&path, discovery.get(&path).unwrap().clone());
        }
    }
    let deployments = load("_apis_apps_v1_deployments.json");
    let services = load("_api_v1_services.json");
    let configmaps = load("_api_v1_configmaps.json");
    let all_namespaces = load("_api_v1_namespaces.json");
    std::fs::create_dir_all(tree)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", tree.display()));
    let mut declared = 0;
    let mut namespace_items = Vec::new();
    for n in 0..namespaces {
        let source = format!("team-{:03}", n % 100);
        let target = format!("bench-{n:03}");
        let namespace = all_namespaces
            .iter()
            .find(|o| o["metadata"]["name"] == source.as_str())
            .unwrap_or_else(|| {
                panic!(
                    "{} has no Namespace {source}",
                    scale_dir().join("_api_v1_namespaces.json").display()
                )
            });
        namespace_items.push(rename(namespace, &source, &target, None));
        let mut documents = vec![json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": target}
        })];
        let mut lists: Vec<(String, &str, &str, Vec<Value>)> = vec![
            (
                format!("/apis/apps/v1/namespaces/{target}/deployments"),
                "apps/v1",
                "Deployment",
                Vec::new(),
            ),
            (
                format!("/api/v1/namespaces/{target}/services"),
                "v1",
                "Service",
                Vec::new(),
            ),
            (
                format!("/api/v1/namespaces/{target}/configmaps"),
                "v1",
                "ConfigMap",
                Vec::new(),
            ),
        ];
        for (i, objects) in [&deployments, &services, &configmaps]
            .into_iter()
            .enumerate()
        {
            let in_source: Vec<&Value> = objects
                .iter()
                .filter(|o| o["metadata"]["namespace"] == source.as_str())
                .collect();
            for object in &in_source {
                let name = object["metadata"]["name"].as_str().unwrap();
                let Some(svc) = svc_number(name) else {
                    // kube-root-ca.crt and the like: once per namespace.
                    lists[i].3.push(rename(object, &source, &target, None));
                    continue;
                };
                for set in 0..sets {
                    let clone = rename(object, &source, &target, Some((svc, svc + 3 * set)));
                    let mut desired = desired_of(&clone, lists[i].1, lists[i].2);
                    if lists[i].2 == "Deployment" {
                        revert_image(&mut desired, svc + 3 * set);
                    }
                    documents.push(desired);
                    lists[i].3.push(clone);
                }
            }
        }
        // The Deployments' ReplicaSets were not recorded: answer their list
        // (driftctl reads it for children a person edited) as empty.
        lists.push((
            format!("/apis/apps/v1/namespaces/{target}/replicasets"),
            "apps/v1",
            "ReplicaSet",
            Vec::new(),
        ));
        for (path, api_version, kind, items) in lists {
            recording.insert(
                &path,
                json!({"kind": format!("{kind}List"), "apiVersion": api_version,
                       "metadata": {"resourceVersion": "6408"}, "items": items}),
            );
        }
        declared += documents.len();
        let text: String = documents
            .iter()
            .map(|d| format!("---\n{}", driftctl::yaml::to_string(d)))
            .collect();
        let file = tree.join(format!("{target}.yaml"));
        std::fs::write(&file, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
    }
    // The cluster's own namespaces too, as a real cluster has them.
    for ns in all_namespaces
        .iter()
        .filter(|o| !o["metadata"]["name"].as_str().unwrap().starts_with("team-"))
    {
        namespace_items.push(ns.clone());
    }
    // No HPA anywhere: the API server answers an empty list, not 404.
    recording.insert(
        "/apis/autoscaling/v2/horizontalpodautoscalers",
        json!({"kind": "HorizontalPodAutoscalerList", "apiVersion": "autoscaling/v2",
               "metadata": {"resourceVersion": "6408"}, "items": []}),
    );
    recording.insert(
        "/api/v1/namespaces",
        json!({"kind": "NamespaceList", "apiVersion": "v1",
               "metadata": {"resourceVersion": "6408"}, "items": namespace_items}),
    );
    (recording, declared)
}

/// `svc-12` and `svc-12-cfg` are clones of set 12; other names are not.
fn svc_number(name: &str) -> Option<usize> {
    let rest = name.strip_prefix("svc-")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The object with namespace `from` renamed `to`, and `svc-A` renamed
/// `svc-B` wherever the name appears (labels, selectors, images).
fn rename(object: &Value, from: &str, to: &str, svc: Option<(usize, usize)>) -> Value {
    match object {
        Value::String(s) => {
            let mut s = if s == from { to.to_string() } else { s.clone() };
            if let Some((a, b)) = svc {
                s = replace_name(&s, &format!("svc-{a}"), &format!("svc-{b}"));
            }
            Value::String(s)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| rename(i, from, to, svc)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), rename(v, from, to, svc)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Replaces `name` when it is not followed by another digit (`svc-1` is
/// not a prefix of `svc-12`).
fn replace_name(text: &str, name: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(name) {
        let after = &rest[i + name.len()..];
        out.push_str(&rest[..i]);
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            out.push_str(name);
        } else {
            out.push_str(with);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// What Git declares: the live object's fields that kustomize-controller
/// applied (its managedFields entry), name and namespace.
fn desired_of(live: &Value, api_version: &str, kind: &str) -> Value {
    let applied = live["metadata"]["managedFields"]
        .as_array()
        .unwrap_or_else(|| {
            panic!(
                "{kind} {}/{} in {} has no managedFields",
                live["metadata"]["namespace"],
                live["metadata"]["name"],
                scale_dir().display()
            )
        })
        .iter()
        .find(|m| m["manager"] == "kustomize-controller")
        .map(|m| m["fieldsV1"].clone())
        .unwrap_or(json!({}));
    let mut desired = project(live, &applied).unwrap_or(json!({}));
    desired["apiVersion"] = json!(api_version);
    desired["kind"] = json!(kind);
    desired["metadata"]["name"] = live["metadata"]["name"].clone();
    desired["metadata"]["namespace"] = live["metadata"]["namespace"].clone();
    desired
}

/// The parts of `live` that the FieldsV1 set `fields` names.
fn project(live: &Value, fields: &Value) -> Option<Value> {
    let fields = fields.as_object()?;
    let owned: Vec<(&String, &Value)> = fields.iter().filter(|(k, _)| *k != ".").collect();
    if owned.is_empty() {
        return Some(live.clone());
    }
    match live {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, sub) in owned {
                if let Some(name) = key.strip_prefix("f:")
                    && let Some(value) = map.get(name)
                    && let Some(projected) = project(value, sub)
                {
                    out.insert(name.to_string(), projected);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for (key, sub) in owned {
                let Some(item_key) = key.strip_prefix("k:") else {
                    continue;
                };
                let item_key: Map<String, Value> = serde_json::from_str(item_key).ok()?;
                if let Some(item) = items
                    .iter()
                    .find(|i| item_key.iter().all(|(k, v)| &i[k] == v))
                    && let Some(projected) = project(item, sub)
                {
                    out.push(projected);
                }
            }
            Some(Value::Array(out))
        }
        other => Some(other.clone()),
    }
}

/// Git's image, where `kubectl set image` took it over live.
fn revert_image(desired: &mut Value, svc: usize) {
    if let Some(containers) = desired["spec"]["template"]["spec"]["containers"].as_array_mut() {
        for container in containers {
            if container.get("image").is_none() {
                container["image"] = json!(format!("registry.example.com/svc-{svc}:1.0.0"));
            }
        }
    }
}
