//! managedFields (FieldsV1) read into ownership trees: which field manager
//! owns which path of a live object, with what operation, since when.

use crate::model::Attribution;
use crate::path::{FieldPath, Segment};
use crate::schema;
use serde_json::{Map, Value};

/// One managedFields entry.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldManager {
    pub manager: String,
    pub operation: Option<String>,
    pub time: Option<String>,
    pub subresource: Option<String>,
    pub fields: FieldSet,
}

impl FieldManager {
    pub fn attribution(&self) -> Attribution {
        Attribution {
            manager: self.manager.clone(),
            operation: self.operation.clone(),
            since: self.time.clone(),
            subresource: self.subresource.clone(),
        }
    }
}

/// A node of a FieldsV1 tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSet {
    /// The manager owns this field itself (a leaf `{}` or a `.` entry).
    pub own: bool,
    pub children: Vec<(PathElement, FieldSet)>,
}

/// FieldsV1 keys: `f:name`, `k:{"name":"app"}`, `v:"value"`, `i:3`.
#[derive(Debug, Clone, PartialEq)]
pub enum PathElement {
    Field(String),
    Key(Map<String, Value>),
    Value(Value),
    Index(usize),
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("managedFields entry {index}: {problem}")]
pub struct ManagedFieldsError {
    pub index: usize,
    pub problem: String,
}

/// Deepest FieldsV1 nesting accepted; real objects stay far below.
const MAX_DEPTH: usize = 100;

/// Parses `metadata.managedFields`; `Ok(vec![])` when the object has none.
pub fn parse(object: &Value) -> Result<Vec<FieldManager>, ManagedFieldsError> {
    let Some(entries) = object.get("metadata").and_then(|m| m.get("managedFields")) else {
        return Ok(Vec::new());
    };
    // As the cluster fetch keeps them: the list's JSON text.
    let read;
    let entries = match entries {
        Value::Array(entries) => entries,
        Value::String(text) => match entries_from_text(text) {
            Some(entries) => {
                read = entries;
                &read
            }
            None => return Err(not_a_list()),
        },
        _ => return Err(not_a_list()),
    };
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let err = |problem: String| ManagedFieldsError { index, problem };
            let text = |field: &str| entry.get(field).and_then(Value::as_str).map(str::to_string);
            let manager = text("manager").ok_or_else(|| err("no manager name".into()))?;
            if let Some(t) = text("fieldsType")
                && t != "FieldsV1"
            {
                return Err(err(format!("fieldsType {t} is not FieldsV1")));
            }
            let fields = match entry.get("fieldsV1") {
                // As the cluster fetch keeps it: the tree's JSON text.
                Some(Value::String(text)) => parse_text(text).map_err(err)?,
                Some(v) => parse_set(v, 0).map_err(err)?,
                None => FieldSet::default(),
            };
            Ok(FieldManager {
                manager,
                operation: text("operation"),
                time: text("time"),
                subresource: text("subresource"),
                fields,
            })
        })
        .collect()
}

fn not_a_list() -> ManagedFieldsError {
    ManagedFieldsError {
        index: 0,
        problem: "managedFields is not a list".into(),
    }
}

/// The entries of managedFields kept as JSON text, each `fieldsV1` tree left
/// as its text (see [`parse_text`]); `None` unless the text is a list of maps.
fn entries_from_text(text: &str) -> Option<Vec<Value>> {
    serde_json::from_str::<Vec<TextEntry>>(text)
        .ok()
        .map(|entries| entries.into_iter().map(|e| e.0).collect())
}

/// One managedFields entry read from JSON, its `fieldsV1` tree kept as the
/// tree's JSON text (a string value): FieldsV1 is a tree of tiny maps, most
/// of a live object's memory as JSON values, and only the objects the audit
/// judges need it read (by [`parse_text`]).
struct TextEntry(Value);

impl<'de> serde::Deserialize<'de> for TextEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TextEntry, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TextEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a managedFields entry")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<TextEntry, A::Error> {
                let mut entry = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = if key == "fieldsV1" {
                        let raw = map.next_value::<Box<serde_json::value::RawValue>>()?;
                        Value::String(raw.get().to_string())
                    } else {
                        map.next_value::<Value>()?
                    };
                    entry.insert(key, value);
                }
                Ok(TextEntry(Value::Object(entry)))
            }
        }
        d.deserialize_map(Visitor)
    }
}

fn parse_set(value: &Value, depth: usize) -> Result<FieldSet, String> {
    if depth > MAX_DEPTH {
        return Err(format!("fieldsV1 nested deeper than {MAX_DEPTH}"));
    }
    let map = value
        .as_object()
        .ok_or_else(|| format!("fieldsV1 node is {value}, not a map"))?;
    let mut set = FieldSet {
        own: map.is_empty(),
        children: Vec::new(),
    };
    for (key, child) in map {
        if key == "." {
            set.own = true;
            continue;
        }
        set.children
            .push((element(key)?, parse_set(child, depth + 1)?));
    }
    Ok(set)
}

/// One FieldsV1 key: `f:name`, `k:{...}`, `v:...`, `i:N`.
fn element(key: &str) -> Result<PathElement, String> {
    Ok(if let Some(name) = key.strip_prefix("f:") {
        PathElement::Field(name.to_string())
    } else if let Some(json) = key.strip_prefix("k:") {
        match serde_json::from_str(json) {
            Ok(Value::Object(m)) => PathElement::Key(m),
            _ => return Err(format!("bad key element {key}")),
        }
    } else if let Some(json) = key.strip_prefix("v:") {
        PathElement::Value(
            serde_json::from_str(json).map_err(|_| format!("bad value element {key}"))?,
        )
    } else if let Some(n) = key.strip_prefix("i:") {
        PathElement::Index(n.parse().map_err(|_| format!("bad index element {key}"))?)
    } else {
        return Err(format!("unknown fieldsV1 element {key}"));
    })
}

/// A FieldsV1 tree read straight from its JSON text (as the cluster fetch
/// keeps it), without building the tree of JSON maps first.
fn parse_text(text: &str) -> Result<FieldSet, String> {
    use serde::de::DeserializeSeed;
    let mut reader = serde_json::Deserializer::from_str(text);
    let set = Tree { depth: 0 }
        .deserialize(&mut reader)
        .and_then(|set| reader.end().map(|()| set))
        .map_err(|e| {
            if e.is_data() {
                // Our own message (an element or the depth), or a node that is no map.
                e.to_string()
                    .rsplit_once(" at line ")
                    .map_or_else(|| e.to_string(), |(m, _)| m.to_string())
            } else {
                format!("fieldsV1 is not JSON: {e}")
            }
        })?;
    Ok(set)
}

/// A node of a FieldsV1 tree at `depth`, as serde reads it.
struct Tree {
    depth: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for Tree {
    type Value = FieldSet;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<FieldSet, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Tree {
    type Value = FieldSet;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a fieldsV1 map")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FieldSet, A::Error> {
        use serde::de::Error;
        if self.depth > MAX_DEPTH {
            return Err(A::Error::custom(format!(
                "fieldsV1 nested deeper than {MAX_DEPTH}"
            )));
        }
        let mut set = FieldSet::default();
        let mut empty = true;
        while let Some(key) = map.next_key::<String>()? {
            empty = false;
            if key == "." {
                map.next_value::<serde::de::IgnoredAny>()?;
                set.own = true;
                continue;
            }
            let element = element(&key).map_err(A::Error::custom)?;
            let child = map.next_value_seed(Tree {
                depth: self.depth + 1,
            })?;
            set.children.push((element, child));
        }
        set.own |= empty;
        Ok(set)
    }
}

/// How one manager's set relates to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    /// The manager owns the path itself, or an atomic field above it.
    pub owns: bool,
    /// Depth of the deepest `.`-owned container on the way (a list item, a map).
    pub container_depth: Option<usize>,
    /// The manager owns fields below the path (whether or not it owns the
    /// path itself: a `.` entry on a map owns only the map's existence).
    pub owns_below: bool,
}

impl FieldSet {
    /// Walks `path` through the live object (list items by merge key are
    /// found in `live` to match `k:` elements).
    pub fn coverage(&self, live: &Value, path: &FieldPath) -> Coverage {
        let mut node = self;
        let mut current = Some(live);
        let mut coverage = Coverage::default();
        let mut list_field: Option<&str> = None;
        for (depth, segment) in path.segments().iter().enumerate() {
            if depth > 0 && node.own && node.children.is_empty() {
                // An atomic field (`f:rules: {}`) owns everything below it.
                coverage.owns = true;
                return coverage;
            }
            if depth > 0 && node.own {
                coverage.container_depth = Some(depth);
            }
            let (child, next) = match segment {
                Segment::Field(name) => {
                    list_field = Some(name.as_str());
                    let next = current.and_then(|c| c.get(name));
                    let child = node.children.iter().find_map(|(e, s)| match e {
                        PathElement::Field(f) if f == name => Some(s),
                        _ => None,
                    });
                    (child, next)
                }
                Segment::Key { value, .. } => {
                    let item = current.and_then(Value::as_array).and_then(|items| {
                        items.iter().find(|item| {
                            schema::merge_key(list_field.unwrap_or(""), item)
                                .is_some_and(|(_, v)| &v == value)
                        })
                    });
                    (item.and_then(|item| find_item(node, item, None)), item)
                }
                Segment::Index(i) => {
                    let item = current.and_then(|c| c.get(*i));
                    (item.and_then(|item| find_item(node, item, Some(*i))), item)
                }
                Segment::AnyItem => (None, None),
            };
            match child {
                Some(child) => {
                    node = child;
                    current = next;
                }
                None => return coverage,
            }
        }
        coverage.owns = node.own;
        coverage.owns_below = !node.children.is_empty();
        coverage
    }
}

fn find_item<'a>(node: &'a FieldSet, item: &Value, index: Option<usize>) -> Option<&'a FieldSet> {
    node.children.iter().find_map(|(e, s)| {
        let hit = match e {
            PathElement::Key(keys) => keys.iter().all(|(k, v)| item.get(k) == Some(v)),
            PathElement::Value(v) => v == item,
            PathElement::Index(i) => Some(*i) == index,
            PathElement::Field(_) => false,
        };
        hit.then_some(s)
    })
}

/// The manager that owns the live value at `path`: the owner of the path
/// itself (or of an atomic field above it); else the owner of the deepest
/// owned container above it. Among several, the latest write wins.
pub fn owner_of_value<'a>(
    managers: &'a [FieldManager],
    live: &Value,
    path: &FieldPath,
) -> Option<&'a FieldManager> {
    let coverages: Vec<(&FieldManager, Coverage)> = managers
        .iter()
        .map(|m| (m, m.fields.coverage(live, path)))
        .collect();
    let exact = coverages.iter().filter(|(_, c)| c.owns).map(|(m, _)| *m);
    if let Some(owner) = latest(exact) {
        return Some(owner);
    }
    let deepest = coverages
        .iter()
        .filter_map(|(_, c)| c.container_depth)
        .max()?;
    latest(
        coverages
            .iter()
            .filter(|(_, c)| c.container_depth == Some(deepest))
            .map(|(m, _)| *m),
    )
}

/// The manager that owns exactly `path` (or an atomic field above it), and
/// whether any manager owns fields below it.
pub fn owner_of_field<'a>(
    managers: &'a [FieldManager],
    live: &Value,
    path: &FieldPath,
) -> (Option<&'a FieldManager>, bool) {
    let mut below = false;
    let mut owners = Vec::new();
    for m in managers {
        let c = m.fields.coverage(live, path);
        below |= c.owns_below;
        if c.owns {
            owners.push(m);
        }
    }
    (latest(owners.into_iter()), below)
}

/// The most recent writer; entries without a time (scale subresource
/// writes) count as the latest, since nothing older can have overwritten them.
fn latest<'a>(managers: impl Iterator<Item = &'a FieldManager>) -> Option<&'a FieldManager> {
    managers.max_by(|a, b| match (&a.time, &b.time) {
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (x, y) => x.cmp(y),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "metadata": {"name": "d", "managedFields": [
                {"manager": "kustomize-controller", "operation": "Apply", "time": "2026-11-22T15:17:36Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:env": {
                        "k:{\"name\":\"LOG_LEVEL\"}": {".": {}, "f:name": {}, "f:value": {}}}}}}}}}},
                {"manager": "kubectl-set", "operation": "Update", "time": "2026-11-22T15:18:57Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"app\"}": {"f:env": {"k:{\"name\":\"DEBUG\"}": {".": {}, "f:name": {}, "f:value": {}}}}}}}}}},
                {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
                {"manager": "kubectl-patch", "operation": "Update", "time": "2026-11-22T15:18:58Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:rules": {}}}
            ]},
            "spec": {"replicas": 9, "template": {"spec": {"containers": [
                {"name": "app", "image": "x", "env": [
                    {"name": "LOG_LEVEL", "value": "info"}, {"name": "DEBUG", "value": "true"}]}]}}},
            "rules": [{"verbs": ["get"]}]
        })
    }

    fn env(name: &str) -> FieldPath {
        FieldPath::root()
            .field("spec")
            .field("template")
            .field("spec")
            .field("containers")
            .key("name", "app")
            .field("env")
            .key("name", name)
    }

    #[test]
    fn list_items_are_owned_by_merge_key() {
        let live = deployment();
        let managers = parse(&live).unwrap();
        assert_eq!(managers.len(), 4);
        let (owner, _) = owner_of_field(&managers, &live, &env("DEBUG"));
        assert_eq!(owner.unwrap().manager, "kubectl-set");
        let (owner, _) = owner_of_field(&managers, &live, &env("LOG_LEVEL").field("value"));
        assert_eq!(owner.unwrap().manager, "kustomize-controller");
    }

    #[test]
    fn atomic_fields_own_everything_below() {
        let live = deployment();
        let managers = parse(&live).unwrap();
        let path = FieldPath::root().field("rules").index(0).field("verbs");
        assert_eq!(
            owner_of_value(&managers, &live, &path).unwrap().manager,
            "kubectl-patch"
        );
    }

    #[test]
    fn scale_writes_have_no_time() {
        let live = deployment();
        let managers = parse(&live).unwrap();
        let path = FieldPath::root().field("spec").field("replicas");
        let owner = owner_of_value(&managers, &live, &path).unwrap();
        assert_eq!(owner.manager, "kube-controller-manager");
        assert_eq!(owner.time, None);
        assert_eq!(owner.subresource.as_deref(), Some("scale"));
    }

    #[test]
    fn unowned_fields_have_no_owner_but_containers_do() {
        let live = deployment();
        let managers = parse(&live).unwrap();
        let path = FieldPath::root()
            .field("spec")
            .field("template")
            .field("spec")
            .field("containers")
            .key("name", "app")
            .field("imagePullPolicy");
        assert!(owner_of_field(&managers, &live, &path).0.is_none());
        // As a value, it falls back to the owner of the container item.
        assert_eq!(
            owner_of_value(&managers, &live, &path).unwrap().manager,
            "kustomize-controller"
        );
    }

    #[test]
    fn parent_maps_report_owned_fields_below() {
        let live = deployment();
        let managers = parse(&live).unwrap();
        let path = FieldPath::root()
            .field("spec")
            .field("template")
            .field("spec")
            .field("containers")
            .key("name", "app")
            .field("env");
        let (owner, below) = owner_of_field(&managers, &live, &path);
        assert!(owner.is_none());
        assert!(below);
    }

    #[test]
    fn objects_without_managed_fields_have_no_managers() {
        assert_eq!(
            parse(&json!({"metadata": {"name": "default"}})).unwrap(),
            vec![]
        );
    }

    #[test]
    fn fields_kept_as_json_text_read_as_the_tree() {
        let tree = json!({"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {
            "f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}}}}}}});
        let entry = |fields: Value| {
            json!({"metadata": {"managedFields": [{"manager": "kubectl-set",
                "operation": "Update", "time": "2026-01-02T03:04:05Z", "fieldsV1": fields}]}})
        };
        let as_text = parse(&entry(Value::String(tree.to_string()))).unwrap();
        assert_eq!(as_text, parse(&entry(tree)).unwrap());
        assert_eq!(as_text[0].fields.children.len(), 1);
        let broken = parse(&entry(json!("{\"f:spec\": "))).unwrap_err();
        assert!(
            broken
                .to_string()
                .starts_with("managedFields entry 0: fieldsV1 is not JSON")
        );
        let unknown = parse(&entry(json!("{\"x:y\": {}}"))).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "managedFields entry 0: unknown fieldsV1 element x:y"
        );
    }

    #[test]
    fn malformed_entries_are_errors_naming_the_entry() {
        let bad =
            json!({"metadata": {"managedFields": [{"manager": "a", "fieldsV1": {"x:y": {}}}]}});
        assert_eq!(
            parse(&bad).unwrap_err().to_string(),
            "managedFields entry 0: unknown fieldsV1 element x:y"
        );
        let bad = json!({"metadata": {"managedFields": [{"fieldsV1": {}}]}});
        assert!(parse(&bad).unwrap_err().to_string().contains("no manager"));
        let bad = json!({"metadata": {"managedFields": "nope"}});
        assert!(parse(&bad).is_err());
    }

    #[test]
    fn a_list_kept_as_json_text_reads_as_the_list() {
        let list = json!([
            {"manager": "kubectl-set", "operation": "Update", "time": "2026-01-02T03:04:05Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            {"manager": "kube-controller-manager", "operation": "Update", "subresource": "status",
             "fieldsV1": {"f:status": {"f:replicas": {}}}}]);
        let object = |managed: Value| json!({"metadata": {"managedFields": managed}});
        let as_text = parse(&object(Value::String(list.to_string()))).unwrap();
        assert_eq!(as_text, parse(&object(list.clone())).unwrap());
        assert_eq!(as_text.len(), 2);
        assert_eq!(as_text[1].subresource.as_deref(), Some("status"));
        // The entry at fault is named as it would be in the list itself.
        let mut bad = list;
        bad[1]["fieldsV1"] = json!({"x:y": {}});
        assert_eq!(
            parse(&object(Value::String(bad.to_string())))
                .unwrap_err()
                .to_string(),
            "managedFields entry 1: unknown fieldsV1 element x:y"
        );
        for not_a_list in ["{\"manager\": \"a\"}", "[1]", "[{\"manager\": "] {
            assert_eq!(
                parse(&object(json!(not_a_list))).unwrap_err().to_string(),
                "managedFields entry 0: managedFields is not a list",
                "{not_a_list}"
            );
        }
    }
}
