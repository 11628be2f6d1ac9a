//! Resources as kustomize tracks them: the object, the identities it had
//! before transformers renamed it, the prefixes and suffixes it received, and
//! where it (and every patch that changed it) was declared.

use super::schema;
use crate::model::SourceLocation;
use crate::path::FieldPath;
use serde_json::{Map, Value};

/// Group, version, kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    /// `apps/v1` + `Deployment`; `v1` is the core group.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: kind.to_string(),
        }
    }

    pub fn of(obj: &Value) -> Gvk {
        Gvk::from_api_version(str_at(obj, &["apiVersion"]), str_at(obj, &["kind"]))
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// A selector's empty parts match anything.
    pub fn is_selected_by(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    pub fn is_cluster_scoped(&self) -> bool {
        schema::is_cluster_scoped(&self.group, &self.kind)
    }

    /// kustomize's `Gvk.String()`: used by the legacy sort.
    pub fn sort_string(&self) -> String {
        let or = |s: &str, d: &str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        format!(
            "{}_{}_{}",
            or(&self.group, "~G"),
            or(&self.version, "~V"),
            or(&self.kind, "~K")
        )
    }
}

/// An object's identity: kind, name and namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResId {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

/// How kustomize names "no namespace" for cluster-scoped kinds.
const NOT_A_NAMESPACE: &str = "_non_namespaceable_";

impl ResId {
    /// `default` for namespaced objects without one, a marker for
    /// cluster-scoped ones: what kustomize compares.
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            NOT_A_NAMESPACE
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    pub fn ns_equals(&self, other: &ResId) -> bool {
        self.effective_namespace() == other.effective_namespace()
    }

    pub fn gvkn_equals(&self, other: &ResId) -> bool {
        self.gvk == other.gvk && self.name == other.name
    }

    pub fn equals(&self, other: &ResId) -> bool {
        self.ns_equals(other) && self.gvkn_equals(other)
    }

    /// kustomize's `IsSelectedBy`: empty selector parts match anything.
    pub fn is_selected_by(&self, selector: &ResId) -> bool {
        (selector.name.is_empty() || selector.name == self.name)
            && (selector.namespace.is_empty() || selector.ns_equals(self))
            && self.gvk.is_selected_by(&selector.gvk)
    }
}

impl std::fmt::Display for ResId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.gvk.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.gvk.kind, self.namespace, self.name)
        }
    }
}

/// How a generated object meets one of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    Create,
    Merge,
    Replace,
}

/// One object being built.
#[derive(Debug, Clone)]
pub struct Resource {
    pub obj: Value,
    /// The document (or generator) that declared it.
    pub origin: SourceLocation,
    /// Patch documents and generators of overlays that changed it.
    pub patches: Vec<SourceLocation>,
    /// Values a kustomization's own fields set (`images:`, `replicas:`),
    /// with the line that says so, oldest first.
    pub values: Vec<(FieldPath, SourceLocation)>,
    /// (kind, name, effective namespace) before each rename, oldest first.
    prev: Vec<(String, String, String)>,
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    pub behavior: Behavior,
    pub needs_hash: bool,
    /// Vars whose objref is this object.
    pub ref_vars: Vec<String>,
}

impl Resource {
    pub fn new(obj: Value, origin: SourceLocation) -> Resource {
        Resource {
            obj,
            origin,
            patches: Vec::new(),
            values: Vec::new(),
            prev: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            behavior: Behavior::Create,
            needs_hash: false,
            ref_vars: Vec::new(),
        }
    }

    pub fn gvk(&self) -> Gvk {
        Gvk::of(&self.obj)
    }

    pub fn kind(&self) -> &str {
        str_at(&self.obj, &["kind"])
    }

    pub fn name(&self) -> &str {
        str_at(&self.obj, &["metadata", "name"])
    }

    pub fn namespace(&self) -> &str {
        str_at(&self.obj, &["metadata", "namespace"])
    }

    pub fn cur_id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().to_string(),
            namespace: self.namespace().to_string(),
        }
    }

    /// The identity it was declared with.
    pub fn org_id(&self) -> ResId {
        self.prev_ids()
            .into_iter()
            .next()
            .unwrap_or_else(|| self.cur_id())
    }

    /// Earlier identities, oldest first; kustomize gives them the current
    /// group and version.
    pub fn prev_ids(&self) -> Vec<ResId> {
        let gvk = self.gvk();
        self.prev
            .iter()
            .map(|(kind, name, namespace)| ResId {
                gvk: Gvk {
                    kind: kind.clone(),
                    ..gvk.clone()
                },
                name: name.clone(),
                namespace: namespace.clone(),
            })
            .collect()
    }

    /// Had this name before a rename (kustomize's previous-name match).
    pub fn had_name(&self, name: &str) -> bool {
        self.prev.iter().any(|(_, n, _)| n == name)
    }

    /// A previous identity is selected by `selector`.
    pub fn had_gvk_selected_by(&self, selector: &Gvk) -> bool {
        if self.prev.is_empty() {
            return false;
        }
        let mut gvk = self.gvk();
        self.prev.iter().any(|(kind, _, _)| {
            gvk.kind.clone_from(kind);
            gvk.is_selected_by(selector)
        })
    }

    /// Previous and current identities.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut ids = vec![self.cur_id()];
        ids.extend(self.prev_ids());
        ids
    }

    /// Remembers the current identity before a transformer changes it.
    pub fn store_previous_id(&mut self) {
        let cur = self.cur_id();
        let namespace = cur.effective_namespace().to_string();
        self.prev.push((cur.gvk.kind, cur.name, namespace));
    }

    pub fn set_name(&mut self, name: &str) {
        metadata_mut(&mut self.obj).insert("name".into(), Value::String(name.to_string()));
    }

    /// An empty namespace removes the field, as kyaml does.
    pub fn set_namespace(&mut self, namespace: &str) {
        let meta = metadata_mut(&mut self.obj);
        if namespace.is_empty() {
            meta.remove("namespace");
        } else {
            meta.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    }

    pub fn set_kind(&mut self, kind: &str) {
        if let Value::Object(map) = &mut self.obj {
            map.insert("kind".into(), Value::String(kind.to_string()));
        }
    }

    pub fn labels(&self) -> Map<String, Value> {
        self.obj
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    pub fn annotations(&self) -> Map<String, Value> {
        self.obj
            .pointer("/metadata/annotations")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// Copies the build state kustomize keeps in annotations (identities,
    /// prefixes, hash, vars) from the object this one replaces.
    pub fn take_build_state(&mut self, old: &Resource) {
        self.prev = old.prev.clone();
        self.prefixes = old.prefixes.clone();
        self.suffixes = old.suffixes.clone();
        self.needs_hash = old.needs_hash;
        self.ref_vars = old.ref_vars.clone();
    }

    /// Same trailing prefixes and suffixes: built in the same kustomization.
    pub fn prefixes_suffixes_equal(&self, other: &Resource) -> bool {
        same_ending(&self.prefixes, &other.prefixes) && same_ending(&self.suffixes, &other.suffixes)
    }

    /// A copy carrying only identity fields (and `roleRef`), for looking
    /// at a referrer while its body is being changed.
    pub fn skeleton(&self) -> Resource {
        let mut obj = serde_json::Map::new();
        for key in ["apiVersion", "kind", "metadata", "roleRef"] {
            if let Some(v) = self.obj.get(key) {
                obj.insert(key.to_string(), v.clone());
            }
        }
        Resource {
            obj: Value::Object(obj),
            origin: self.origin.clone(),
            patches: Vec::new(),
            values: Vec::new(),
            prev: self.prev.clone(),
            prefixes: self.prefixes.clone(),
            suffixes: self.suffixes.clone(),
            behavior: self.behavior,
            needs_hash: self.needs_hash,
            ref_vars: Vec::new(),
        }
    }

    /// A deleted object (a `$patch: delete`) is null or empty.
    pub fn is_empty(&self) -> bool {
        match &self.obj {
            Value::Null => true,
            Value::Object(m) => m.is_empty(),
            _ => false,
        }
    }
}

fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    let diff = long.len() - short.len();
    short.iter().enumerate().all(|(i, s)| long[i + diff] == *s)
}

/// The string at `path`, or "" when absent or not a string.
pub fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = obj;
    for key in path {
        match cur.get(key) {
            Some(v) => cur = v,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

/// `metadata`, created (or made a map) when needed.
pub fn metadata_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    let map = obj.as_object_mut().expect("made an object above");
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut().expect("made an object above")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_ending_compares_the_innermost_affixes() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(same_ending(&s(&["a", "b", "c"]), &s(&["b", "c"])));
        assert!(!same_ending(&s(&["a", "b", "c"]), &s(&["a", "b"])));
        assert!(!same_ending(&s(&["a"]), &s(&[])));
        assert!(same_ending(&s(&[]), &s(&[])));
    }

    #[test]
    fn effective_namespace_defaults_and_cluster_scope() {
        let id = |kind: &str, api: &str, ns: &str| ResId {
            gvk: Gvk::from_api_version(api, kind),
            name: "x".into(),
            namespace: ns.into(),
        };
        assert_eq!(id("ConfigMap", "v1", "").effective_namespace(), "default");
        assert!(id("ConfigMap", "v1", "").equals(&id("ConfigMap", "v1", "default")));
        assert!(!id("ConfigMap", "v1", "a").equals(&id("ConfigMap", "v1", "b")));
        assert!(
            id("ClusterRole", "rbac.authorization.k8s.io/v1", "a").equals(&id(
                "ClusterRole",
                "rbac.authorization.k8s.io/v1",
                ""
            ))
        );
    }
}
