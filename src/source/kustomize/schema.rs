//! What the renderer knows of Kubernetes types: strategic-merge strategies
//! and merge keys per field, and which kinds are cluster-scoped. Generated
//! by scripts/gen-kustomize-schema.py from the Kubernetes OpenAPI definitions.

use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
struct Document {
    roots: HashMap<String, String>,
    types: HashMap<String, HashMap<String, Field>>,
    #[serde(rename = "clusterScoped")]
    cluster_scoped: HashSet<String>,
}

/// One field of a type, as far as merging cares.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct Field {
    /// The type of the value (of each item, for lists).
    #[serde(default)]
    pub t: Option<String>,
    #[serde(default)]
    pub list: bool,
    /// Value type of a map field (`map[string]T`).
    #[serde(default)]
    pub map: Option<String>,
    #[serde(default)]
    pub strategy: Option<String>,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default, rename = "mapKeys")]
    pub map_keys: Option<Vec<String>>,
}

fn document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(include_str!("schema.json")).expect("schema.json is valid")
    })
}

/// `group/Kind` is cluster-scoped (unknown kinds are taken as namespaced, as
/// kustomize does).
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    document()
        .cluster_scoped
        .contains(&format!("{group}/{kind}"))
}

/// A position in the schema: the type of the current value, if known.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    type_name: &'static str,
}

impl Schema {
    /// The schema of a resource of `apiVersion` and `kind`, if Kubernetes defines it.
    pub fn for_resource(api_version: &str, kind: &str) -> Option<Schema> {
        let doc = document();
        doc.roots
            .get(&format!("{api_version}/{kind}"))
            .map(|name| Schema { type_name: name })
    }

    fn fields(&self) -> Option<&'static HashMap<String, Field>> {
        document().types.get(self.type_name)
    }

    /// The field's merge facts and the schema of its value.
    pub fn field(&self, name: &str) -> Option<(&'static Field, Option<Schema>)> {
        let field = self.fields()?.get(name)?;
        let inner = field
            .t
            .as_deref()
            .or(field.map.as_deref())
            .and_then(|t| document().types.get_key_value(t))
            .map(|(k, _)| Schema {
                type_name: k.as_str(),
            });
        Some((field, inner))
    }

    /// The schema of a map's values (for `map[string]T` fields).
    pub fn map_value(field: &Field) -> Option<Schema> {
        field
            .map
            .as_deref()
            .and_then(|t| document().types.get_key_value(t))
            .map(|(k, _)| Schema {
                type_name: k.as_str(),
            })
    }
}

impl Field {
    /// kustomize merges a list by key when its strategy includes `merge`.
    pub fn is_associative(&self) -> bool {
        self.list
            && self
                .strategy
                .as_deref()
                .is_some_and(|s| s.split(',').any(|p| p == "merge"))
    }

    /// The merge keys: the list-map keys when declared, else the patch merge key.
    pub fn merge_keys(&self) -> Vec<String> {
        if self.strategy.is_none() {
            return Vec::new();
        }
        if let Some(keys) = &self.map_keys {
            return keys.clone();
        }
        self.key.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_merge_by_name_and_ports_by_port_and_protocol() {
        let deployment = Schema::for_resource("apps/v1", "Deployment").unwrap();
        let (_, spec) = deployment.field("spec").unwrap();
        let (_, template) = spec.unwrap().field("template").unwrap();
        let (_, pod) = template.unwrap().field("spec").unwrap();
        let (containers, container) = pod.unwrap().field("containers").unwrap();
        assert!(containers.is_associative());
        assert_eq!(containers.merge_keys(), vec!["name"]);
        let (ports, _) = container.unwrap().field("ports").unwrap();
        assert_eq!(ports.merge_keys(), vec!["containerPort", "protocol"]);
        let (tolerations, _) = pod.unwrap().field("tolerations").unwrap();
        assert!(!tolerations.is_associative());
    }

    #[test]
    fn scopes() {
        assert!(is_cluster_scoped(
            "rbac.authorization.k8s.io",
            "ClusterRole"
        ));
        assert!(is_cluster_scoped("", "Namespace"));
        assert!(!is_cluster_scoped("", "ConfigMap"));
        assert!(!is_cluster_scoped("example.com", "Widget"));
    }
}
