//! What the renderer knows of Kubernetes types: strategic-merge strategies
//! and merge keys per field, and which kinds are cluster-scoped. Generated
//! by src/source/kustomize/gen-schema.py from the Kubernetes OpenAPI definitions.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The generated facts (see the script for the format).
const DATA: &str = include_str!("schema.txt");

/// A type's fields by name.
type Fields = HashMap<&'static str, Field>;

struct Document {
    roots: HashMap<&'static str, &'static str>,
    /// Each type's `F` lines, read into fields the first time the type is needed.
    types: HashMap<&'static str, (&'static str, OnceLock<Fields>)>,
}

/// One field of a type, as far as merging cares.
#[derive(Debug, Default, Clone)]
pub struct Field {
    /// The type of the value (of each item, for lists).
    pub t: Option<&'static str>,
    pub list: bool,
    /// Value type of a map field (`map[string]T`).
    pub map: Option<&'static str>,
    pub strategy: Option<&'static str>,
    pub key: Option<&'static str>,
    pub map_keys: Option<Vec<&'static str>>,
}

fn document() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = Document {
            roots: HashMap::new(),
            types: HashMap::new(),
        };
        // Types come last; only their names are read now.
        let types_at = DATA.find("\nT ").map(|i| i + 1).unwrap_or(DATA.len());
        for line in DATA[..types_at].lines() {
            if let Some((gvk, name)) = line.strip_prefix("R ").and_then(|r| r.split_once(' ')) {
                doc.roots.insert(gvk, name);
            }
        }
        let mut rest = &DATA[types_at..];
        while let Some(body) = rest.strip_prefix("T ") {
            let name_end = body.find('\n').unwrap_or(body.len());
            let name = &body[..name_end];
            let after = &body[(name_end + 1).min(body.len())..];
            let next = if after.starts_with("T ") {
                0
            } else {
                after.find("\nT ").map(|i| i + 1).unwrap_or(after.len())
            };
            doc.types.insert(name, (&after[..next], OnceLock::new()));
            rest = &after[next..];
        }
        doc
    })
}

fn parse_fields(lines: &'static str) -> HashMap<&'static str, Field> {
    let mut fields = HashMap::new();
    for line in lines.lines() {
        let mut words = line.split(' ');
        if words.next() != Some("F") {
            continue;
        }
        let Some(name) = words.next() else {
            continue;
        };
        let mut field = Field::default();
        for word in words {
            match word.split_once('=') {
                Some(("t", v)) => field.t = Some(v),
                Some(("map", v)) => field.map = Some(v),
                Some(("strategy", v)) => field.strategy = Some(v),
                Some(("key", v)) => field.key = Some(v),
                Some(("mapKeys", v)) => field.map_keys = Some(v.split(',').collect()),
                _ if word == "list" => field.list = true,
                _ => {}
            }
        }
        fields.insert(name, field);
    }
    fields
}

fn fields_of(type_name: &str) -> Option<&'static HashMap<&'static str, Field>> {
    let (lines, parsed) = document().types.get(type_name)?;
    Some(parsed.get_or_init(|| parse_fields(lines)))
}

/// The interned name of a type, if the schema has it.
fn type_key(type_name: &str) -> Option<&'static str> {
    document().types.get_key_value(type_name).map(|(k, _)| *k)
}

/// `group/Kind` is cluster-scoped (unknown kinds are taken as namespaced, as
/// kustomize does).
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    // Read apart from the merge facts: every render needs scopes, only
    // patches need types.
    static SCOPES: OnceLock<HashMap<&'static str, HashSet<&'static str>>> = OnceLock::new();
    SCOPES
        .get_or_init(|| {
            let mut scopes: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
            for line in DATA.lines().take_while(|l| !l.starts_with("T ")) {
                if let Some((group, kind)) =
                    line.strip_prefix("C ").and_then(|gk| gk.split_once('/'))
                {
                    scopes.entry(group).or_default().insert(kind);
                }
            }
            scopes
        })
        .get(group)
        .is_some_and(|kinds| kinds.contains(kind))
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
            .get(format!("{api_version}/{kind}").as_str())
            .map(|name| Schema { type_name: name })
    }

    fn fields(&self) -> Option<&'static HashMap<&'static str, Field>> {
        fields_of(self.type_name)
    }

    /// The field's merge facts and the schema of its value.
    pub fn field(&self, name: &str) -> Option<(&'static Field, Option<Schema>)> {
        let field = self.fields()?.get(name)?;
        let inner = field
            .t
            .or(field.map)
            .and_then(type_key)
            .map(|type_name| Schema { type_name });
        Some((field, inner))
    }

    /// The schema of a map's values (for `map[string]T` fields).
    pub fn map_value(field: &Field) -> Option<Schema> {
        field
            .map
            .and_then(type_key)
            .map(|type_name| Schema { type_name })
    }
}

impl Field {
    /// kustomize merges a list by key when its strategy includes `merge`.
    pub fn is_associative(&self) -> bool {
        self.list
            && self
                .strategy
                .is_some_and(|s| s.split(',').any(|p| p == "merge"))
    }

    /// The merge keys: the list-map keys when declared, else the patch merge key.
    pub fn merge_keys(&self) -> Vec<String> {
        if self.strategy.is_none() {
            return Vec::new();
        }
        if let Some(keys) = &self.map_keys {
            return keys.iter().map(|k| k.to_string()).collect();
        }
        self.key.iter().map(|k| k.to_string()).collect()
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
    fn every_type_is_read() {
        let declared = DATA.lines().filter(|l| l.starts_with("T ")).count();
        assert_eq!(document().types.len(), declared);
        let fields: usize = document()
            .types
            .keys()
            .map(|t| fields_of(t).unwrap().len())
            .sum();
        assert_eq!(fields, DATA.lines().filter(|l| l.starts_with("F ")).count());
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
