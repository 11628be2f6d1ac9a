//! Conformance: every kustomization root of the kubeflow/manifests corpus
//! (../shared/corpus/kubeflow-manifests) rendered natively by `driftctl
//! render --renderer native` gives the objects kustomize v5.5.0 printed:
//! the same objects, with the same content, in the same order, as the
//! project's reader parses both outputs and as a YAML 1.1 reader (PyYAML's,
//! go-yaml v2's rules: `yes` and `12:30` are no strings there) parses both.

mod common;

use common::*;
use driftctl::yaml;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

fn corpus() -> PathBuf {
    shared().join("corpus/kubeflow-manifests")
}

/// `Kind namespace/name` of a rendered object.
fn identity(v: &Value) -> String {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("");
    format!(
        "{} {}/{}",
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name")
    )
}

/// The first path at which `ours` and `want` differ.
fn first_difference(ours: &Value, want: &Value, path: &str) -> Option<String> {
    match (ours, want) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let p = format!("{path}.{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => first_difference(x, y, &p),
                    (None, Some(y)) => Some(format!("{p}: missing, kustomize has {}", short(y))),
                    (Some(x), None) => {
                        Some(format!("{p}: {} is not in kustomize's output", short(x)))
                    }
                    (None, None) => None,
                }
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]"))),
        _ if ours == want => None,
        _ => Some(format!(
            "{path}: {} != kustomize's {}",
            short(ours),
            short(want)
        )),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 120 {
        format!("{}...", &s[..120])
    } else {
        s
    }
}

fn documents(text: &str, name: &str, dialect: yaml::Dialect) -> Result<Vec<Value>, String> {
    yaml::parse_documents_as(text, name, dialect)
        .map(|docs| docs.into_iter().map(|d| d.value).collect())
        .map_err(|e| format!("{e:#}"))
}

/// None when the root renders as kustomize did, else the first difference.
fn check(tree: &Path, rendered: &Path, root: &str) -> Option<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_driftctl"))
        .current_dir(tree)
        .args(["render", "--renderer", "native", "--show-secrets", root])
        .output()
        .expect("driftctl runs");
    if !out.status.success() {
        return Some(format!(
            "exit {}: {}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let file = rendered.join(format!("{}.yaml", root.replace('/', "_")));
    let text = std::fs::read_to_string(&file).expect("rendered file exists");
    let ours = String::from_utf8_lossy(&out.stdout);
    [yaml::Dialect::Kubectl, yaml::Dialect::Yaml11]
        .into_iter()
        .find_map(|dialect| {
            same_objects(&ours, &text, &file, dialect)
                .map(|why| format!("{dialect:?} reader: {why}"))
        })
}

/// None when `ours` and kustomize's `text` are the same objects as `dialect` reads them.
fn same_objects(ours: &str, text: &str, file: &Path, dialect: yaml::Dialect) -> Option<String> {
    let ours = match documents(ours, "driftctl render", dialect) {
        Ok(d) => d,
        Err(e) => return Some(format!("driftctl's output does not parse: {e}")),
    };
    let want = match documents(text, &file.display().to_string(), dialect) {
        Ok(d) => d,
        Err(e) => return Some(format!("kustomize's output does not parse: {e}")),
    };
    for (i, (a, b)) in ours.iter().zip(&want).enumerate() {
        if identity(a) != identity(b) {
            return Some(format!(
                "object {i}: {} where kustomize has {}",
                identity(a),
                identity(b)
            ));
        }
        if let Some(d) = first_difference(a, b, "") {
            return Some(format!("{}: {d}", identity(b)));
        }
    }
    if ours.len() != want.len() {
        return Some(format!(
            "{} objects where kustomize has {}",
            ours.len(),
            want.len()
        ));
    }
    None
}

#[test]
fn kubeflow_manifests_render_as_kustomize_does() {
    let corpus = corpus();
    if !corpus.join("roots.txt").is_file() {
        eprintln!(
            "skipped: the kubeflow corpus conformance test: {} is not there (CI has ../shared)",
            corpus.display()
        );
        return;
    }
    let tree = corpus.join("tree");
    let rendered = corpus.join("rendered");
    let roots: Vec<String> = std::fs::read_to_string(corpus.join("roots.txt"))
        .expect("roots.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(roots.len(), 188, "the corpus lists 188 roots");
    let queue = Mutex::new(roots.clone());
    let failures: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let Some(root) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    if let Some(why) = check(&tree, &rendered, &root) {
                        failures.lock().unwrap().push((root, why));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    for (root, why) in &failures {
        println!("FAILED {root}: {why}");
    }
    println!(
        "{} passed, {} failed",
        roots.len() - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} roots differ from kustomize",
        failures.len()
    );
}
