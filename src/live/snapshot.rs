//! Live objects from a `kubectl get -o yaml|json` dump (a `List` or a
//! multi-document stream), managedFields kept: offline audits, incident
//! tickets, tests.

use super::{Found, LiveObject, LiveQuery, LiveSource, LiveState, Scope, TypeQuery, UnreadType};
use crate::model::{GroupKind, ObjectRef, group_of};
use crate::yaml;
use anyhow::{Result, bail};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Kinds of the built-in API groups that are cluster-scoped; every other
/// built-in kind is namespaced. Custom kinds take their scope from the
/// CustomResourceDefinitions in the snapshot.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "VolumeAttributesClass"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
    ),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("resource.k8s.io", "DeviceClass"),
    ("resource.k8s.io", "ResourceSlice"),
];

/// Whether a built-in kind is namespaced; `None` for kinds outside the
/// built-in groups.
pub fn builtin_scope(group: &str, kind: &str) -> Option<Scope> {
    if CLUSTER_SCOPED.contains(&(group, kind)) {
        return Some(Scope::Cluster);
    }
    let builtin = !group.contains('.') || group.ends_with(".k8s.io");
    builtin.then_some(Scope::Namespaced)
}

/// A snapshot file loaded in memory.
#[derive(Debug)]
pub struct Snapshot {
    objects: Vec<LiveObject>,
    /// Scopes declared by the snapshot's CustomResourceDefinitions.
    crd_scopes: HashMap<GroupKind, Scope>,
}

impl Snapshot {
    pub fn load(path: &Path) -> Result<Snapshot> {
        let name = path.display().to_string();
        let text = yaml::read_text(path)?;
        let trimmed = text.trim_start();
        let documents: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}:{}: invalid JSON: {}", name, e.line(), e))?;
            match value {
                Value::Array(items) => items,
                other => vec![other],
            }
        } else {
            yaml::parse_documents(&text, &name)?
                .into_iter()
                .map(|d| d.value)
                .collect()
        };
        if documents.is_empty() {
            bail!(
                "{}: holds no objects; expected the output of `kubectl get -o yaml` (a List or YAML documents)",
                name
            );
        }
        let mut objects = Vec::new();
        for (i, value) in documents
            .into_iter()
            .flat_map(yaml::expand_lists)
            .enumerate()
        {
            if ObjectRef::from_value(&value).is_none() {
                bail!(
                    "{}: item {} is not a Kubernetes object (it needs apiVersion, kind and metadata.name); \
                     expected the output of `kubectl get -o yaml`",
                    name,
                    i + 1
                );
            }
            objects.push(value);
        }
        Ok(Snapshot::from_objects(objects))
    }

    pub fn from_objects(objects: Vec<Value>) -> Snapshot {
        let crd_scopes = objects
            .iter()
            .filter(|o| o["kind"] == "CustomResourceDefinition")
            .filter_map(|crd| {
                let spec = crd.get("spec")?;
                let group = spec.get("group")?.as_str()?;
                let kind = spec.get("names")?.get("kind")?.as_str()?;
                let scope = match spec.get("scope")?.as_str()? {
                    "Cluster" => Scope::Cluster,
                    _ => Scope::Namespaced,
                };
                Some((GroupKind::new(group, kind), scope))
            })
            .collect();
        Snapshot {
            objects: objects.into_iter().map(LiveObject::new).collect(),
            crd_scopes,
        }
    }

    /// A type the snapshot evidently did not capture: `kubectl get` lists
    /// the kinds it is asked for, so a dump that holds no object of this
    /// kind, nor of any other kind of its API group and scope, was not asked
    /// for it. Its desired objects are then unchecked, not missing. (A kind
    /// whose group and scope do occur, like a deleted NetworkPolicy beside an
    /// Ingress, counts as captured: its absence is a finding.)
    fn not_captured(&self, query: &TypeQuery) -> Option<UnreadType> {
        let group = group_of(&query.api_version);
        let cluster_scoped = query.cluster_scoped();
        let captured = self.objects.iter().map(LiveObject::head).any(|o| {
            group_of(o["apiVersion"].as_str().unwrap_or_default()) == group
                && (o["kind"] == query.kind.as_str()
                    || o["metadata"].get("namespace").is_none() == cluster_scoped)
        });
        let shown_group = if group.is_empty() { "core" } else { group };
        (!captured).then(|| UnreadType {
            api_version: query.api_version.clone(),
            kind: query.kind.clone(),
            namespace: None,
            reason: format!(
                "the snapshot holds no {} and no other {} object of API group {shown_group}: \
                 its `kubectl get` did not list this kind",
                query.kind,
                if cluster_scoped {
                    "cluster-scoped"
                } else {
                    "namespaced"
                },
            ),
        })
    }

    fn matches_type(object: &Value, query: &TypeQuery) -> bool {
        object["kind"] == query.kind.as_str()
            && group_of(object["apiVersion"].as_str().unwrap_or_default())
                == group_of(&query.api_version)
    }
}

impl LiveSource for Snapshot {
    fn lookup(&mut self, kind: &str, namespace: &str, name: &str) -> Result<Found> {
        let of_kind = |o: &&LiveObject| o.head()["apiVersion"] == "v1" && o.head()["kind"] == kind;
        if let Some(found) = self.objects.iter().filter(of_kind).find(|o| {
            o.head()["metadata"]["namespace"] == namespace && o.head()["metadata"]["name"] == name
        }) {
            return Ok(Found::Object(found.value().map_err(anyhow::Error::msg)?));
        }
        Ok(if self.objects.iter().any(|o| of_kind(&o)) {
            Found::Absent
        } else {
            Found::Unreadable(format!(
                "the snapshot holds no {kind}: its `kubectl get` did not list them"
            ))
        })
    }

    /// A dump in which no object carries managedFields was taken without
    /// `--show-managed-fields` (kubectl's default strips them); the API
    /// server gives them to every object a manager ever wrote.
    fn without_managed_fields(&self) -> bool {
        !self.objects.is_empty()
            && self
                .objects
                .iter()
                .all(|o| o.head()["metadata"].get("managedFields").is_none())
    }

    fn scope(&mut self, api_version: &str, kind: &str) -> Result<Scope> {
        let group = group_of(api_version);
        if let Some(scope) = self.crd_scopes.get(&GroupKind::new(group, kind)) {
            return Ok(scope.clone());
        }
        if let Some(scope) = builtin_scope(group, kind) {
            return Ok(scope);
        }
        // A custom kind without its CRD in the snapshot: its objects say.
        let seen = self.objects.iter().map(LiveObject::head).find(|o| {
            o["kind"] == kind && group_of(o["apiVersion"].as_str().unwrap_or_default()) == group
        });
        Ok(match seen {
            Some(o) if o["metadata"].get("namespace").is_none() => Scope::Cluster,
            _ => Scope::Namespaced,
        })
    }

    fn fetch(&mut self, query: &LiveQuery) -> Result<LiveState> {
        let unread = query
            .types
            .iter()
            .filter_map(|t| self.not_captured(t))
            .collect();
        let objects = self
            .objects
            .iter()
            .filter(|o| {
                query.types.iter().any(|t| {
                    Snapshot::matches_type(o.head(), t)
                        && t.covers(
                            o.head()["metadata"]
                                .get("namespace")
                                .and_then(Value::as_str),
                        )
                })
            })
            .filter(|o| {
                query
                    .selector
                    .as_ref()
                    .is_none_or(|s| s.matches_object(o.head()))
            })
            .cloned()
            .collect();
        Ok(LiveState { objects, unread })
    }

    fn fetch_tracked(&mut self, query: &LiveQuery, label: &str, value: &str) -> Result<LiveState> {
        let objects = self
            .objects
            .iter()
            .filter(|o| o.head()["metadata"]["labels"][label].as_str() == Some(value))
            .filter(|o| {
                query
                    .selector
                    .as_ref()
                    .is_none_or(|s| s.matches_object(o.head()))
            })
            .cloned()
            .collect();
        Ok(LiveState {
            objects,
            unread: Vec::new(),
        })
    }
}
