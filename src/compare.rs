//! The desired-subset walk: every field Git declares is checked against the
//! live object; lists with a merge key are matched by key, not by index;
//! fields only the live object has are handed to an [`Additions`] judge
//! (managedFields tell a default from a person's addition).

use crate::model::Change;
use crate::normalize::scalars_equal;
use crate::path::{FieldPath, Segment};
use crate::schema;
use serde_json::{Map, Value};

/// One field where Git and the cluster disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub path: FieldPath,
    pub change: Change,
    pub desired: Option<Value>,
    pub live: Option<Value>,
}

/// What to make of a field present live but not in Git.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addition {
    /// An addition worth reporting at this path.
    Report,
    /// A default or bookkeeping: not a difference.
    Skip,
    /// Not owned as a whole: look at the fields (or items) inside.
    Descend,
}

/// Judges live-only fields. `parent` is the live map holding the field
/// (empty for list items).
pub trait Additions {
    fn judge(&self, path: &FieldPath, live: &Value, parent: &Map<String, Value>) -> Addition;
}

/// Compares a normalized desired object with its normalized live twin.
/// `apiVersion` and `kind` are the match key, not compared.
pub fn compare(desired: &Value, live: &Value, additions: &dyn Additions) -> Vec<Difference> {
    let mut walk = Walk {
        additions,
        path: FieldPath::root(),
        out: Vec::new(),
    };
    match (desired.as_object(), live.as_object()) {
        (Some(d), Some(l)) => walk.maps(d, l, &["apiVersion", "kind"]),
        _ => walk.value(desired, live),
    }
    walk.out
}

/// The walk keeps one path, a segment pushed on the way down and popped on
/// the way back: a path is copied only into a difference found.
struct Walk<'a> {
    additions: &'a dyn Additions,
    path: FieldPath,
    out: Vec<Difference>,
}

impl Walk<'_> {
    fn push(&mut self, change: Change, desired: Option<&Value>, live: Option<&Value>) {
        self.out.push(Difference {
            path: self.path.clone(),
            change,
            desired: desired.cloned(),
            live: live.cloned(),
        });
    }

    /// Runs `step` with `segment` on the end of the path.
    fn at(&mut self, segment: Segment, step: impl FnOnce(&mut Self)) {
        self.path.0.push(segment);
        step(self);
        self.path.0.pop();
    }

    /// The segment of a list item: its merge key, else its index.
    fn item_segment(field: &str, item: &Value, index: usize) -> Segment {
        match schema::merge_key(field, item) {
            Some((k, v)) => Segment::Key {
                field: k.to_string(),
                value: v,
            },
            None => Segment::Index(index),
        }
    }

    fn value(&mut self, desired: &Value, live: &Value) {
        match (desired, live) {
            (Value::Null, _) => {}
            (Value::Object(d), Value::Object(l)) => self.maps(d, l, &[]),
            (Value::Array(d), Value::Array(l)) => self.lists(d, l),
            (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => {
                self.push(Change::Changed, Some(desired), Some(live));
            }
            _ => {
                if !scalars_equal(&self.path, desired, live) {
                    self.push(Change::Changed, Some(desired), Some(live));
                }
            }
        }
    }

    /// The fields of two maps, but for the keys in `except`.
    fn maps(&mut self, desired: &Map<String, Value>, live: &Map<String, Value>, except: &[&str]) {
        let compared = |key: &String| !except.contains(&key.as_str());
        for (key, d) in desired.iter().filter(|(key, _)| compared(key)) {
            self.at(Segment::Field(key.clone()), |walk| match live.get(key) {
                Some(l) => walk.value(d, l),
                None if d.is_null() => {}
                None => walk.push(Change::Removed, Some(d), None),
            });
        }
        for (key, l) in live.iter().filter(|(key, _)| compared(key)) {
            if !desired.contains_key(key) {
                self.at(Segment::Field(key.clone()), |walk| walk.added(l, live));
            }
        }
    }

    fn lists(&mut self, desired: &[Value], live: &[Value]) {
        let field = self.path.last_field().unwrap_or("").to_string();
        let field = field.as_str();
        let keys: Option<Vec<(&'static str, String)>> = if desired.is_empty() {
            None
        } else {
            desired
                .iter()
                .map(|item| schema::merge_key(field, item))
                .collect()
        };
        if let Some(keys) = keys {
            let mut matched = vec![false; live.len()];
            for (d, (key_field, key_value)) in desired.iter().zip(keys) {
                let found = live
                    .iter()
                    .enumerate()
                    .find(|(i, l)| !matched[*i] && schema::same_item(field, d, l));
                let segment = Segment::Key {
                    field: key_field.to_string(),
                    value: key_value,
                };
                self.at(segment, |walk| match found {
                    Some((i, l)) => {
                        matched[i] = true;
                        walk.value(d, l);
                    }
                    None => walk.push(Change::Removed, Some(d), None),
                });
            }
            for (i, l) in live.iter().enumerate() {
                if !matched[i] {
                    self.at(Self::item_segment(field, l, i), |walk| {
                        walk.added(l, &Map::new())
                    });
                }
            }
            return;
        }
        if self.path.fields_are(&["metadata", "finalizers"]) {
            return self.finalizers(desired, live);
        }
        let scalars = desired.iter().all(|v| !v.is_object() && !v.is_array());
        if scalars || desired.len() != live.len() {
            // Lists without a key are atomic in Kubernetes: compared whole.
            let equal = desired.len() == live.len()
                && desired
                    .iter()
                    .zip(live)
                    .all(|(d, l)| scalars_equal(&self.path, d, l));
            if !equal {
                self.push(
                    Change::Changed,
                    Some(&Value::Array(desired.to_vec())),
                    Some(&Value::Array(live.to_vec())),
                );
            }
            return;
        }
        for (i, (d, l)) in desired.iter().zip(live).enumerate() {
            self.at(Segment::Index(i), |walk| walk.value(d, l));
        }
    }

    /// Finalizers are a set (the API server merges them, managedFields own
    /// them one by one as `v:` items): Git's are looked up by value, and a
    /// finalizer only the live object has is an addition for the judge.
    fn finalizers(&mut self, desired: &[Value], live: &[Value]) {
        for (i, d) in desired.iter().enumerate() {
            if !live.contains(d) {
                self.at(Segment::Index(i), |walk| {
                    walk.push(Change::Removed, Some(d), None)
                });
            }
        }
        for (i, l) in live.iter().enumerate() {
            if !desired.contains(l) {
                self.at(Segment::Index(i), |walk| walk.added(l, &Map::new()));
            }
        }
    }

    fn added(&mut self, live: &Value, parent: &Map<String, Value>) {
        match self.additions.judge(&self.path, live, parent) {
            Addition::Skip => {}
            Addition::Report => self.push(Change::Added, None, Some(live)),
            Addition::Descend => match live {
                Value::Object(map) => {
                    for (key, value) in map {
                        self.at(Segment::Field(key.clone()), |walk| walk.added(value, map));
                    }
                }
                Value::Array(items) => {
                    let field = self.path.last_field().unwrap_or("").to_string();
                    for (i, item) in items.iter().enumerate() {
                        self.at(Self::item_segment(&field, item, i), |walk| {
                            walk.added(item, &Map::new())
                        });
                    }
                }
                _ => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Reports every live-only map key and keyed item; never scalars alone.
    struct ReportAll;
    impl Additions for ReportAll {
        fn judge(&self, path: &FieldPath, live: &Value, _: &Map<String, Value>) -> Addition {
            let item = matches!(
                path.segments().last(),
                Some(crate::path::Segment::Key { .. })
            );
            if live.is_object() && !item {
                Addition::Descend
            } else {
                Addition::Report
            }
        }
    }
    struct SkipAll;
    impl Additions for SkipAll {
        fn judge(&self, _: &FieldPath, _: &Value, _: &Map<String, Value>) -> Addition {
            Addition::Skip
        }
    }

    fn paths(diffs: &[Difference]) -> Vec<(String, Change)> {
        diffs
            .iter()
            .map(|d| (d.path.to_string(), d.change))
            .collect()
    }

    #[test]
    fn keyed_lists_match_by_key_not_index() {
        let desired = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}});
        let live = json!({"spec": {"containers": [
            {"name": "b", "image": "b:2"}, {"name": "a", "image": "a:1"}]}});
        let diffs = compare(&desired, &live, &SkipAll);
        assert_eq!(
            paths(&diffs),
            vec![("spec.containers[name=b].image".into(), Change::Changed)]
        );
        assert_eq!(diffs[0].desired, Some(json!("b:1")));
        assert_eq!(diffs[0].live, Some(json!("b:2")));
    }

    #[test]
    fn missing_and_extra_keyed_items() {
        let desired = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]});
        let live = json!({"env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]});
        assert_eq!(
            paths(&compare(&desired, &live, &ReportAll)),
            vec![
                ("env[name=B]".into(), Change::Removed),
                ("env[name=C]".into(), Change::Added)
            ]
        );
    }

    #[test]
    fn lists_without_a_key_compare_by_index_or_whole() {
        let desired = json!({"rules": [{"apiGroups": [""], "verbs": ["get", "list"]}]});
        let live = json!({"rules": [{"apiGroups": [""], "verbs": ["get", "list", "delete"]}]});
        let diffs = compare(&desired, &live, &SkipAll);
        assert_eq!(
            paths(&diffs),
            vec![("rules[0].verbs".into(), Change::Changed)]
        );
        let longer = json!({"rules": [{"verbs": ["get"]}, {"verbs": ["list"]}]});
        let diffs = compare(&desired, &longer, &SkipAll);
        assert_eq!(paths(&diffs), vec![("rules".into(), Change::Changed)]);
        // Order matters in an atomic list of scalars.
        let args = compare(
            &json!({"args": ["a", "b"]}),
            &json!({"args": ["b", "a"]}),
            &SkipAll,
        );
        assert_eq!(paths(&args), vec![("args".into(), Change::Changed)]);
    }

    #[test]
    fn live_only_fields_go_to_the_judge() {
        let desired = json!({"metadata": {"labels": {"app": "x"}}, "spec": {"replicas": 2}});
        let live = json!({"metadata": {"labels": {"app": "x", "team": "y"}},
            "spec": {"replicas": 2, "revisionHistoryLimit": 10}});
        assert_eq!(
            paths(&compare(&desired, &live, &ReportAll)),
            vec![
                ("metadata.labels.team".into(), Change::Added),
                ("spec.revisionHistoryLimit".into(), Change::Added)
            ]
        );
        assert!(compare(&desired, &live, &SkipAll).is_empty());
    }

    #[test]
    fn removed_fields_carry_gits_value() {
        let desired = json!({"metadata": {"labels": {"team": "risk"}}});
        let live = json!({"metadata": {"labels": {}}});
        let diffs = compare(&desired, &live, &SkipAll);
        assert_eq!(
            paths(&diffs),
            vec![("metadata.labels.team".into(), Change::Removed)]
        );
        assert_eq!(diffs[0].desired, Some(json!("risk")));
    }

    #[test]
    fn ports_match_by_number_and_compare_by_value() {
        let desired = json!({"spec": {"ports": [{"port": 80, "targetPort": "8080"}]}});
        let live =
            json!({"spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]}});
        assert!(compare(&desired, &live, &SkipAll).is_empty());
    }

    #[test]
    fn type_changes_are_changes() {
        let diffs = compare(&json!({"a": {"b": 1}}), &json!({"a": "x"}), &SkipAll);
        assert_eq!(paths(&diffs), vec![("a".into(), Change::Changed)]);
    }
}
