//! A live object as the audit holds it between the fetch and its judgement.
//!
//! Every stage reads an object's `apiVersion`, `kind` and `metadata` (its
//! identity, labels, annotations, owner references, managedFields), but only
//! the objects compared, the children of desired objects and the subjects of
//! rules are read whole. So the head is a JSON value and the rest of the
//! object (`spec`, `data`, ...) stays the JSON text the server sent, parsed
//! when asked for: as JSON values, 10,000 objects are several times the
//! bytes they were sent in.

use serde_json::{Map, Value};
use std::sync::Arc;

/// A live object: cheap to clone (shared), read whole by [`LiveObject::value`].
#[derive(Debug, Clone)]
pub struct LiveObject(Arc<Parts>);

#[derive(Debug, Clone)]
struct Parts {
    /// `apiVersion`, `kind` and `metadata`, as far as the object has them;
    /// the whole object when it is no JSON map.
    head: Value,
    /// The object's other fields, as the text of one JSON map.
    rest: Box<str>,
}

/// The fields kept in the head.
const HEAD: [&str; 3] = ["apiVersion", "kind", "metadata"];

impl LiveObject {
    /// Splits a whole object (a snapshot's, a test's).
    pub fn new(object: Value) -> LiveObject {
        let Value::Object(mut map) = object else {
            return LiveObject::from_parts(object, "{}".into());
        };
        let mut head = Map::new();
        for field in HEAD {
            if let Some(value) = map.remove(field) {
                head.insert(field.into(), value);
            }
        }
        let rest = Value::Object(map).to_string();
        LiveObject::from_parts(Value::Object(head), rest.into())
    }

    /// An object read as its head (a map holding at most `apiVersion`,
    /// `kind` and `metadata`) and the JSON text of a map of its other fields.
    pub fn from_parts(head: Value, rest: Box<str>) -> LiveObject {
        LiveObject(Arc::new(Parts { head, rest }))
    }

    /// `apiVersion`, `kind` and `metadata`: what is read of every object.
    pub fn head(&self) -> &Value {
        &self.0.head
    }

    /// Sets `apiVersion` and `kind` (a LIST's items carry none).
    pub fn set_type(&mut self, api_version: &str, kind: &str) {
        if let Value::Object(head) = &mut Arc::make_mut(&mut self.0).head {
            head.insert("apiVersion".into(), Value::String(api_version.into()));
            head.insert("kind".into(), Value::String(kind.into()));
        }
    }

    /// The whole object. Fails only when the rest is not a JSON map a
    /// reader accepts (nested deeper than serde_json's limit); objects
    /// read from the API server were checked for that as they came.
    pub fn value(&self) -> Result<Value, String> {
        let Value::Object(head) = &self.0.head else {
            return Ok(self.0.head.clone());
        };
        let mut object: Map<String, Value> = serde_json::from_str(&self.0.rest)
            .map_err(|e| format!("the live object cannot be read: {e}"))?;
        for (key, value) in head {
            object.insert(key.clone(), value.clone());
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_object_split_reads_back_whole() {
        let object = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 2},
            "status": {"readyReplicas": 1},
        });
        let live = LiveObject::new(object.clone());
        assert_eq!(live.head()["metadata"]["labels"]["app"], "web");
        assert!(live.head().get("spec").is_none());
        assert_eq!(live.value().unwrap(), object);
    }

    #[test]
    fn what_is_no_map_stays_what_it_is() {
        let live = LiveObject::new(json!(["not", "an", "object"]));
        assert_eq!(live.value().unwrap(), json!(["not", "an", "object"]));
        assert_eq!(live.head()["metadata"], Value::Null);
    }

    #[test]
    fn the_type_is_set_on_the_head() {
        let mut live = LiveObject::from_parts(json!({"metadata": {"name": "a"}}), "{}".into());
        live.set_type("v1", "ConfigMap");
        assert_eq!(live.value().unwrap()["kind"], "ConfigMap");
    }
}
