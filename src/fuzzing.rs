//! Entry points of the fuzz targets (tests/fuzz), kept in the library so the
//! regression test replays every saved corpus input through the same code.
//! Each must return normally on any input: errors are fine, panics are bugs.

use crate::classify::{self, LiveContext, OwnedAdditions, Policy};
use crate::compare;
use crate::managed_fields;
use crate::model::ObjectRef;
use crate::normalize;
use crate::path::FieldPath;
use crate::yaml;
use serde_json::Value;

/// The manifest loader: text checks, multi-document YAML, List expansion.
pub fn manifest_loader(data: &[u8]) {
    let Ok(text) = yaml::text_from_bytes(data, "fuzz.yaml") else {
        return;
    };
    if let Ok(docs) = yaml::parse_documents(&text, "fuzz.yaml") {
        for doc in docs {
            for object in yaml::expand_lists(doc.value) {
                let _ = ObjectRef::from_value(&object);
            }
        }
    }
}

/// The managedFields parser and ownership lookups on the same object.
pub fn managed_fields_parser(data: &[u8]) {
    let Ok(object) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(managers) = managed_fields::parse(&object) {
        for path in [
            "spec.replicas",
            "metadata.labels.app",
            "spec.containers[name=app].image",
            "rules[0]",
        ] {
            let path = FieldPath::parse(path).expect("fixed paths parse");
            let _ = managed_fields::owner_of_value(&managers, &object, &path);
            let _ = managed_fields::owner_of_field(&managers, &object, &path);
        }
    }
}

/// The path notation: whatever parses renders back to text that parses to
/// the same path.
pub fn path_notation(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(path) = FieldPath::parse(text) {
        let rendered = path.to_string();
        let again = FieldPath::parse(&rendered).unwrap_or_else(|e| {
            panic!("{text:?} rendered as {rendered:?}, which does not parse: {e}")
        });
        assert_eq!(again.to_string(), rendered, "rendering is stable");
    }
}

/// Two arbitrary objects through normalize, compare and classify. The
/// input is a JSON array `[desired, live]`.
pub fn compare_objects(data: &[u8]) {
    let Ok(Value::Array(pair)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let [desired, live] = pair.as_slice() else {
        return;
    };
    let managers = managed_fields::parse(live).unwrap_or_default();
    let object = ObjectRef::from_value(desired).unwrap_or(ObjectRef {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: None,
        name: "fuzz".into(),
    });
    let judge = OwnedAdditions {
        live,
        managers: &managers,
    };
    let ctx = LiveContext {
        object: &object,
        live,
        managers: &managers,
        autoscaled: true,
        source: None,
    };
    let differences =
        compare::compare(&normalize::desired(desired), &normalize::live(live), &judge);
    for d in differences {
        if let Some(f) = classify::classify(d, &ctx, &Policy::default())
            && f.category == crate::model::Category::Secret
        {
            assert!(
                f.desired.is_none() && f.live.is_none(),
                "secret values leaked into a finding"
            );
        }
    }
}
