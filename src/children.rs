//! Children of desired objects: live objects a desired object owns through a
//! controller ownerReference (the Secret a SealedSecret's controller writes,
//! a Deployment's ReplicaSets, a CronJob's Jobs). Git declares none of their
//! fields, so what the owner's controller writes there is not drift; what a
//! person writes is ("credentials rotated in the cluster, not in Git").

use crate::classify::{is_image, is_person, is_secret_data};
use crate::defaults;
use crate::live::{LiveObject, TypeQuery};
use crate::managed_fields::{self, FieldManager, FieldSet, ManagedFieldsError, PathElement};
use crate::model::{Category, Change, Finding, Identity, ObjectRef, group_of};
use crate::normalize;
use crate::path::FieldPath;
use crate::schema;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The types each generator's controller writes children of: (owner group,
/// owner kind, child apiVersion, child kind). Listed only when Git declares
/// such an owner, in the owners' namespaces. Pods are left out on purpose:
/// the most numerous objects of a cluster, replaced rather than edited,
/// and written by the kubelet and scheduler.
pub const GENERATORS: &[(&str, &str, &str, &str)] = &[
    ("bitnami.com", "SealedSecret", "v1", "Secret"),
    ("external-secrets.io", "ExternalSecret", "v1", "Secret"),
    ("apps", "Deployment", "apps/v1", "ReplicaSet"),
    ("argoproj.io", "Rollout", "apps/v1", "ReplicaSet"),
    ("apps", "StatefulSet", "apps/v1", "ControllerRevision"),
    ("apps", "DaemonSet", "apps/v1", "ControllerRevision"),
    ("batch", "CronJob", "batch/v1", "Job"),
];

/// The child types of an owner kind, following generators of generators
/// (a child that is itself a generator has children of its own).
pub fn child_types(group: &str, kind: &str) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    let mut pending = vec![(group.to_string(), kind.to_string())];
    while let Some((group, kind)) = pending.pop() {
        for (g, k, api_version, child) in GENERATORS {
            if *g == group && *k == kind && !out.contains(&(*api_version, *child)) {
                out.push((*api_version, *child));
                pending.push((group_of(api_version).to_string(), child.to_string()));
            }
        }
    }
    out
}

/// One LIST query per child type, over the namespaces of its possible
/// owners among `desired` (namespaced objects only: ownerReferences do not
/// cross namespaces).
pub fn queries<'a>(desired: impl Iterator<Item = &'a ObjectRef>) -> Vec<TypeQuery> {
    let mut types: BTreeMap<(&str, &str), BTreeSet<String>> = BTreeMap::new();
    for owner in desired {
        let Some(namespace) = &owner.namespace else {
            continue;
        };
        for child in child_types(owner.group(), &owner.kind) {
            types.entry(child).or_default().insert(namespace.clone());
        }
    }
    types
        .into_iter()
        .map(|((api_version, kind), namespaces)| TypeQuery {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespaces,
            every_namespace: false,
        })
        .collect()
}

/// A live object Git does not declare, owned by a desired object.
#[derive(Debug, Clone)]
pub struct Child {
    pub object: LiveObject,
    /// The desired object at the top of the ownership chain.
    pub owner: ObjectRef,
}

/// The children of `owners` (each desired object with its live twin) among
/// `live`: direct children through a controller ownerReference, and their
/// children in turn (a chain is followed only through objects a desired
/// object owns). Objects Git declares are compared as themselves, never as
/// children.
pub fn find<'a>(
    owners: Vec<(Identity, &ObjectRef, &Value)>,
    live: impl Iterator<Item = &'a LiveObject>,
    desired: &HashSet<&Identity>,
) -> Vec<Child> {
    let mut pending: Vec<(&LiveObject, Identity, Identity)> = live
        .filter_map(|live| {
            let o = live.head();
            // Most live objects have no controller: asked first, it is cheap.
            controller_ref(o)?;
            let r = ObjectRef::from_value(o)?;
            let by = controller_of(o, &r)?;
            let identity = r.identity();
            (!desired.contains(&identity)).then_some((live, identity, by))
        })
        .collect();
    if pending.is_empty() {
        return Vec::new();
    }
    // Owner identity -> (its uid, the desired object it stands for).
    let mut known: HashMap<Identity, (Option<&str>, &ObjectRef)> = owners
        .into_iter()
        .map(|(identity, r, twin)| (identity, (uid(twin), r)))
        .collect();
    let mut children = Vec::new();
    loop {
        let before = pending.len();
        pending.retain(|(object, identity, by)| {
            let Some(&(owner_uid, owner)) = known.get(by) else {
                return true;
            };
            let ref_uid = controller_ref(object.head()).and_then(|r| r["uid"].as_str());
            if let (Some(a), Some(b)) = (owner_uid, ref_uid)
                && a != b
            {
                return false; // owned by an earlier object of that name, gone
            }
            known.insert(identity.clone(), (uid(object.head()), owner));
            children.push(Child {
                object: (*object).clone(),
                owner: owner.clone(),
            });
            false
        });
        if pending.len() == before {
            break;
        }
    }
    children.sort_by_cached_key(|c| ObjectRef::from_value(c.object.head()));
    children
}

fn uid(object: &Value) -> Option<&str> {
    object["metadata"]["uid"].as_str()
}

fn controller_ref(object: &Value) -> Option<&Value> {
    object["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"] == true)
}

/// The identity of the object's controller (same namespace).
fn controller_of(object: &Value, r: &ObjectRef) -> Option<Identity> {
    let owner = controller_ref(object)?;
    Some(Identity {
        group: group_of(owner["apiVersion"].as_str()?).to_string(),
        kind: owner["kind"].as_str()?.to_string(),
        namespace: r.namespace.clone(),
        name: owner["name"].as_str()?.to_string(),
    })
}

/// Every field of `child` that a person's manager (kubectl under any name)
/// wrote last: one finding each, naming the desired owner. Secret data
/// carries no value.
pub fn findings(child: &Child, object: &Value) -> Result<Vec<Finding>, ManagedFieldsError> {
    let Some(r) = ObjectRef::from_value(object) else {
        return Ok(Vec::new());
    };
    let managers = managed_fields::parse(object)?;
    let ownership = FieldPath::root().field("metadata").field("ownerReferences");
    if managers
        .iter()
        .any(|m| is_person(&m.manager) && m.fields.coverage(object, &ownership).owns_below)
    {
        // Made by a person, not generated: `kubectl create job --from=cronjob/x`
        // (a manual run) writes the whole Job and its reference to the CronJob.
        return Ok(Vec::new());
    }
    let normalized = normalize::live(object);
    let mut written = Vec::new();
    for manager in managers.iter().filter(|m| is_person(&m.manager)) {
        let mut paths = Vec::new();
        walk(
            &manager.fields,
            &normalized,
            FieldPath::root(),
            None,
            &mut paths,
        );
        for (path, value) in paths {
            let (last, _) = managed_fields::owner_of_field(&managers, object, &path);
            if !last.is_some_and(|m| std::ptr::eq(m, manager)) {
                continue;
            }
            // A person's manager owns every field it first created,
            // defaults included (`kubectl create` before an owner adopted it).
            if defaults::is_default(object, &path, &value) {
                continue;
            }
            written.push(finding(&r, child, path, value, manager));
        }
        for path in string_data_keys(&r, manager, &managers, object) {
            if !written.iter().any(|f| f.path == Some(path.to_string())) {
                written.push(finding(&r, child, path, Value::Null, manager));
            }
        }
    }
    written.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(written)
}

/// `kubectl patch secret -p '{"stringData": ...}'`: managedFields record the
/// write as `stringData.KEY`, a write-only field the API server folds into
/// `data.KEY`. The person wrote `data.KEY`, unless a manager wrote that key
/// since (a controller resyncing the Secret).
fn string_data_keys(
    r: &ObjectRef,
    person: &FieldManager,
    managers: &[FieldManager],
    live: &Value,
) -> Vec<FieldPath> {
    if (r.group(), r.kind.as_str()) != ("", "Secret") {
        return Vec::new();
    }
    let Some(string_data) = person.fields.children.iter().find_map(|(e, set)| match e {
        PathElement::Field(f) if f == "stringData" => Some(set),
        _ => None,
    }) else {
        return Vec::new();
    };
    string_data
        .children
        .iter()
        .filter_map(|(e, _)| match e {
            PathElement::Field(key) if live["data"].get(key).is_some() => {
                Some(FieldPath::root().field("data").field(key))
            }
            _ => None,
        })
        .filter(|path| {
            let (owner, _) = managed_fields::owner_of_field(managers, live, path);
            owner.is_none_or(|o| std::ptr::eq(o, person) || o.time < person.time)
        })
        .collect()
}

fn finding(
    r: &ObjectRef,
    child: &Child,
    path: FieldPath,
    value: Value,
    manager: &FieldManager,
) -> Finding {
    let secret = is_secret_data(r, &path);
    let category = if secret {
        Category::Secret
    } else if is_image(&path) {
        Category::Image
    } else {
        Category::Config
    };
    Finding {
        category,
        object: r.clone(),
        path: Some(path.to_string()),
        change: Change::Changed,
        desired: None,
        live: (!secret).then_some(value),
        attribution: Some(manager.attribution()),
        source: None,
        reason: None,
        owner: Some(child.owner.clone()),
    }
}

/// The fields a FieldsV1 set owns, with their live values: map keys one by
/// one, list items whole. Fields the live object no longer has (or that
/// normalization strips: status, bookkeeping metadata) are skipped.
fn walk(
    set: &FieldSet,
    live: &Value,
    path: FieldPath,
    list_field: Option<&str>,
    out: &mut Vec<(FieldPath, Value)>,
) {
    for (element, child) in &set.children {
        let (next_path, next_live, item) = match element {
            PathElement::Field(name) => match live.get(name) {
                Some(v) => (path.field(name), v, false),
                None => continue,
            },
            PathElement::Key(keys) => {
                let Some((i, item)) = live.as_array().and_then(|items| {
                    items
                        .iter()
                        .enumerate()
                        .find(|(_, item)| keys.iter().all(|(k, v)| item.get(k) == Some(v)))
                }) else {
                    continue;
                };
                let segment = match schema::merge_key(list_field.unwrap_or(""), item) {
                    Some((field, value)) => path.key(field, &value),
                    None => path.index(i),
                };
                (segment, item, true)
            }
            PathElement::Value(wanted) => {
                let Some(i) = live
                    .as_array()
                    .and_then(|items| items.iter().position(|v| v == wanted))
                else {
                    continue;
                };
                (path.index(i), &live[i], true)
            }
            PathElement::Index(i) => match live.get(*i) {
                Some(v) => (path.index(*i), v, true),
                None => continue,
            },
        };
        let leaf = child.children.is_empty();
        if (item && child.own) || leaf {
            out.push((next_path, next_live.clone()));
        } else {
            let name = match element {
                PathElement::Field(name) => Some(name.as_str()),
                _ => list_field,
            };
            walk(child, next_live, next_path, name, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sealed_secret() -> Value {
        json!({"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
            "metadata": {"name": "db-creds", "namespace": "payments", "uid": "u-sealed"},
            "spec": {"encryptedData": {"password": "AgB..."}}})
    }

    fn secret(managed: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db-creds", "namespace": "payments", "uid": "u-secret",
                "labels": {"team": "pay"},
                "ownerReferences": [{"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
                    "name": "db-creds", "uid": "u-sealed", "controller": true}],
                "managedFields": managed},
            "data": {"password": "cm90YXRlZA==", "username": "YXBw"}, "type": "Opaque"})
    }

    fn controller_entry() -> Value {
        json!({"manager": "sealed-secrets-controller", "operation": "Update",
            "time": "2026-11-20T10:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {".": {}, "f:username": {}},
                "f:metadata": {"f:labels": {".": {}, "f:team": {}},
                    "f:ownerReferences": {".": {}, "k:{\"uid\":\"u-sealed\"}": {}}},
                "f:type": {}}})
    }

    fn children_of(owner: &Value, live: Vec<Value>) -> Vec<Child> {
        let r = ObjectRef::from_value(owner).unwrap();
        let live: Vec<LiveObject> = live.into_iter().map(LiveObject::new).collect();
        let identity = r.identity();
        let desired = HashSet::from([&identity]);
        find(vec![(r.identity(), &r, owner)], live.iter(), &desired)
    }

    fn findings_of(child: &Child) -> Result<Vec<Finding>, ManagedFieldsError> {
        findings(child, &child.object.value().unwrap())
    }

    fn summary(findings: &[Finding]) -> Vec<(String, Category, String, Option<Value>)> {
        findings
            .iter()
            .map(|f| {
                (
                    f.path.clone().unwrap(),
                    f.category,
                    f.attribution.as_ref().unwrap().manager.clone(),
                    f.live.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn a_person_rotating_a_generated_secret_is_one_secret_finding() {
        let owner = sealed_secret();
        let patched = json!({"manager": "kubectl-patch", "operation": "Update",
            "time": "2026-11-22T10:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:password": {}}}});
        let children = children_of(&owner, vec![secret(json!([controller_entry(), patched]))]);
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].owner.kind, "SealedSecret");
        let found = findings_of(&children[0]).unwrap();
        assert_eq!(
            summary(&found),
            vec![(
                "data.password".into(),
                Category::Secret,
                "kubectl-patch".into(),
                None
            )]
        );
        assert_eq!(found[0].owner.as_ref().unwrap().name, "db-creds");
    }

    #[test]
    fn a_password_patched_through_string_data_is_its_data_key() {
        let owner = sealed_secret();
        let patched = json!({"manager": "kubectl-patch", "operation": "Update",
            "time": "2026-11-22T10:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:stringData": {".": {}, "f:password": {}}}});
        let children = children_of(&owner, vec![secret(json!([controller_entry(), patched]))]);
        assert_eq!(
            summary(&findings_of(&children[0]).unwrap()),
            vec![(
                "data.password".into(),
                Category::Secret,
                "kubectl-patch".into(),
                None
            )]
        );
        // The controller rewrote the key afterwards: its value, not the person's.
        let mut resynced = controller_entry();
        resynced["fieldsV1"]["f:data"]["f:password"] = json!({});
        resynced["time"] = json!("2026-11-23T10:00:00Z");
        let patched = json!({"manager": "kubectl-patch", "operation": "Update",
            "time": "2026-11-22T10:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:stringData": {"f:password": {}}}});
        let children = children_of(&owner, vec![secret(json!([resynced, patched]))]);
        assert_eq!(findings_of(&children[0]).unwrap(), vec![]);
    }

    #[test]
    fn what_the_owners_controller_writes_is_not_drift() {
        let mut entry = controller_entry();
        entry["fieldsV1"]["f:data"]["f:password"] = json!({});
        let children = children_of(&sealed_secret(), vec![secret(json!([entry]))]);
        assert_eq!(findings_of(&children[0]).unwrap(), vec![]);
    }

    #[test]
    fn a_label_a_person_adds_is_config_with_its_value() {
        let labelled = json!({"manager": "kubectl-label", "operation": "Update",
            "time": "2026-11-22T10:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}}}}});
        let children = children_of(
            &sealed_secret(),
            vec![secret(json!([controller_entry(), labelled]))],
        );
        assert_eq!(
            summary(&findings_of(&children[0]).unwrap()),
            vec![(
                "metadata.labels.team".into(),
                Category::Config,
                "kubectl-label".into(),
                Some(json!("pay"))
            )]
        );
    }

    #[test]
    fn a_child_a_person_made_is_a_manual_run_not_an_edit() {
        // `kubectl create job --from=cronjob/report`: kubectl-create writes
        // the whole Job, its reference to the CronJob included.
        let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "report", "namespace": "jobs", "uid": "u-cron"}});
        let job = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "report-manual", "namespace": "jobs", "uid": "u-job",
                "annotations": {"cronjob.kubernetes.io/instantiate": "manual"},
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "report",
                    "uid": "u-cron", "controller": true}],
                "managedFields": [{"manager": "kubectl-create", "operation": "Update",
                    "time": "2026-11-22T10:00:00Z", "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {
                        "f:annotations": {".": {}, "f:cronjob.kubernetes.io/instantiate": {}},
                        "f:ownerReferences": {".": {}, "k:{\"uid\":\"u-cron\"}": {}}},
                        "f:spec": {"f:backoffLimit": {}, "f:template": {"f:spec": {"f:restartPolicy": {}}}}}}]},
            "spec": {"backoffLimit": 2, "template": {"spec": {"restartPolicy": "Never"}}}});
        let children = children_of(&cron, vec![job]);
        assert_eq!(children.len(), 1);
        assert_eq!(findings_of(&children[0]).unwrap(), vec![]);
    }

    #[test]
    fn chains_are_followed_only_through_owned_objects() {
        let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "report", "namespace": "jobs", "uid": "u-cron"}});
        let job = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "report-1", "namespace": "jobs", "uid": "u-job",
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "report",
                    "uid": "u-cron", "controller": true}]}});
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "report-1-x", "namespace": "jobs",
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "report-1",
                    "uid": "u-job", "controller": true}]}});
        let stray = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "other", "namespace": "jobs",
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "other-1",
                    "uid": "u-other", "controller": true}]}});
        // Listed before its owner: the order of the lists does not matter.
        let children = children_of(&cron, vec![pod, stray, job]);
        let names: Vec<(&str, &str)> = children
            .iter()
            .map(|c| {
                (
                    c.object.head()["metadata"]["name"].as_str().unwrap(),
                    c.owner.name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![("report-1", "report"), ("report-1-x", "report")]
        );
    }

    #[test]
    fn a_reference_to_an_earlier_owner_of_the_same_name_is_not_a_child() {
        let mut child = secret(json!([controller_entry()]));
        child["metadata"]["ownerReferences"][0]["uid"] = json!("u-gone");
        assert!(children_of(&sealed_secret(), vec![child]).is_empty());
    }

    #[test]
    fn child_types_are_listed_in_the_owners_namespaces() {
        let sealed = ObjectRef::from_value(&sealed_secret()).unwrap();
        let deployment = ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("web".into()),
            name: "site".into(),
        };
        let queries = queries([&sealed, &deployment].into_iter());
        let shown: Vec<(String, String, Vec<String>)> = queries
            .into_iter()
            .map(|q| (q.api_version, q.kind, q.namespaces.into_iter().collect()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("apps/v1".into(), "ReplicaSet".into(), vec!["web".into()]),
                ("v1".into(), "Secret".into(), vec!["payments".into()]),
            ]
        );
    }
}
