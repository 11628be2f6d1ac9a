//! API server defaults end to end: objects made with `kubectl create` and
//! adopted by GitOps (fixtures/adopted, recorded on a v1.36 control plane),
//! and a self-check of the defaults table over every recording.

mod common;

use common::{check_findings_in, driftctl, root, shared};
use driftctl::defaults;
use driftctl::path::FieldPath;
use serde_json::Value;
use std::path::Path;

fn adopted(state: &str) -> common::Output {
    let snapshot = format!("fixtures/adopted/live/{state}/live.yaml");
    let args = [
        "diff",
        "fixtures/adopted/git/app",
        "--live-snapshot",
        &snapshot,
        "--now",
        common::NOW,
        "--output",
        "json",
    ];
    driftctl(&args.map(String::from))
}

#[test]
fn adopted_clean_has_no_finding() {
    let out = adopted("clean");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["findings"], serde_json::json!([]), "{}", out.stdout);
}

#[test]
fn adopted_drifted_reports_exactly_what_people_changed() {
    let out = adopted("drifted");
    check_findings_in("adopted", "drifted", &out.stdout, out.code);
}

/// Every field of a recorded live object that only `kubectl-create` or no
/// manager wrote and that its Git object does not set must be a default the
/// table explains; the failure lists kind and path of each one that is not.
#[test]
fn every_field_nobody_set_is_a_known_default() {
    let mut dirs = vec![root().join("fixtures")];
    let shared_fixtures = shared().join("fixtures");
    if shared_fixtures.is_dir() {
        dirs.push(shared_fixtures);
    } else {
        eprintln!("skipped ../shared/fixtures: not present");
    }
    let mut unexplained = Vec::new();
    let mut checked = 0;
    for dir in dirs {
        for snapshot in snapshots(&dir) {
            for object in live_objects(&snapshot) {
                checked += 1;
                check_object(&object, &snapshot, &mut unexplained);
            }
        }
    }
    assert!(checked > 0, "no recorded object found");
    unexplained.sort();
    unexplained.dedup();
    assert!(
        unexplained.is_empty(),
        "fields set by nobody or kubectl-create that no default explains:\n{}",
        unexplained.join("\n")
    );
}

fn snapshots(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(snapshots(&path));
        } else if path.file_name().is_some_and(|n| n == "live.yaml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn live_objects(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut objects = Vec::new();
    let docs = driftctl::yaml::parse_documents(&text, &path.display().to_string()).unwrap();
    for value in docs.into_iter().map(|d| d.value) {
        match value.get("items").and_then(Value::as_array) {
            Some(items)
                if value
                    .get("kind")
                    .and_then(Value::as_str)
                    .is_some_and(|k| k.ends_with("List")) =>
            {
                objects.extend(items.iter().cloned())
            }
            _ if value.is_object() => objects.push(value),
            _ => {}
        }
    }
    objects
}

/// The leaves that kubectl-create owns, or, for an object whose only
/// manager is kubectl-create, every spec leaf: they are defaults unless the
/// command line set them (the recordings' Git objects set name, image,
/// replicas, ports, labels and data; those are left out by field name).
fn check_object(object: &Value, snapshot: &Path, unexplained: &mut Vec<String>) {
    let Some(managers) = object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
    else {
        return;
    };
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("?");
    for entry in managers {
        if entry.get("manager").and_then(Value::as_str) != Some("kubectl-create") {
            continue;
        }
        let Some(fields) = entry.get("fieldsV1") else {
            continue;
        };
        let mut leaves = Vec::new();
        owned_leaves(fields, object, FieldPath::root(), &mut leaves);
        for (path, value) in leaves {
            if set_by_the_command(&path) || defaults::is_default(object, &path, value) {
                continue;
            }
            unexplained.push(format!("{kind} {path} = {value} ({})", snapshot.display()));
        }
    }
}

/// What `kubectl create deployment/service/configmap NAME --image --port
/// --from-literal ...` writes itself: not defaults.
fn set_by_the_command(path: &FieldPath) -> bool {
    let text = path.to_string();
    text.starts_with("metadata.")
        || text == "data"
        || text.starts_with("data.")
        || text.starts_with("spec.selector")
        || text.starts_with("spec.template.metadata")
        || text == "spec.replicas"
        || text.ends_with(".image")
        || text.ends_with("].name")
        || text.starts_with("spec.ports[")
            && !text.ends_with(".protocol")
            && !text.ends_with(".targetPort")
        || text.contains(".ports[") && text.ends_with("containerPort")
        || text.contains(".env[")
}

/// The live leaves below the paths a FieldsV1 set names.
fn owned_leaves<'a>(
    fields: &Value,
    live: &'a Value,
    at: FieldPath,
    out: &mut Vec<(FieldPath, &'a Value)>,
) {
    let Some(map) = fields.as_object() else {
        return;
    };
    let mut leaf = true;
    for (key, sub) in map {
        if key == "." {
            continue;
        }
        leaf = false;
        if let Some(name) = key.strip_prefix("f:") {
            if let Some(v) = live.get(name) {
                owned_leaves(sub, v, at.field(name), out);
            }
        } else if let Some(k) = key.strip_prefix("k:") {
            let Ok(Value::Object(want)) = serde_json::from_str::<Value>(k) else {
                continue;
            };
            let Some(items) = live.as_array() else {
                continue;
            };
            if let Some(item) = items
                .iter()
                .find(|i| want.iter().all(|(f, v)| i.get(f) == Some(v)))
            {
                let (field, value) = want.iter().next().unwrap();
                let text = match value {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                };
                owned_leaves(sub, item, at.key(field, &text), out);
            }
        }
    }
    if leaf {
        out.push((at, live));
    }
}

/// The generator's reader of the Go defaulting functions, on small Go
/// sources in the shapes kubernetes/kubernetes uses (src/defaults/
/// test_go_defaults.py); the table itself is regenerated by hand.
#[test]
fn the_defaulting_function_reader_turns_go_into_rules() {
    let script = root().join("src/defaults/test_go_defaults.py");
    let Ok(out) = std::process::Command::new("python3").arg(&script).output() else {
        eprintln!("skipped: the defaulting function reader: python3 is not there");
        return;
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
