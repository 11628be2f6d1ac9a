//! Who owns what beyond Git's own fields, end to end: finalizers that
//! controllers add, a person's write under an applier's name, values the
//! applier owns that differ from Git, and children of desired objects.

mod common;

use common::*;
use serde_json::Value;

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", out.stdout, out.stderr))
}

fn diff(args: &[&str]) -> Output {
    let mut all: Vec<String> = vec!["diff".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.extend(["--now".to_string(), NOW.to_string()]);
    driftctl(&all)
}

/// (kind, name, path, category, manager) of every finding.
fn findings(report: &Value) -> Vec<(String, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                s(&f["object"]["kind"]),
                s(&f["object"]["name"]),
                s(&f["path"]),
                s(&f["category"]),
                s(&f["manager"]),
            )
        })
        .collect()
}

#[test]
fn flux_finalizers_on_its_own_objects_are_not_drift() {
    // The recorded clean Flux cluster: gotk-kustomize-controller and
    // source-controller added finalizers.fluxcd.io to the four
    // Kustomizations and the GitRepository Git declares.
    let out = diff(&[
        "fixtures/flux-apps/git/clusters/production",
        "--live-snapshot",
        "fixtures/flux-apps/live/clean/live.yaml",
        "--output",
        "json",
    ]);
    let report = json_of(&out);
    assert_eq!(findings(&report), vec![], "{}", out.stdout);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_finalizer_a_person_adds_is_drift() {
    // The same Kustomization, with a second finalizer from `kubectl patch`.
    let out = diff(&[
        "fixtures/ownership/finalizers/git",
        "--live-snapshot",
        "fixtures/ownership/finalizers/live.yaml",
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        findings(&json_of(&out)),
        vec![(
            "Kustomization".into(),
            "infra-configs".into(),
            "metadata.finalizers[1]".into(),
            "config".into(),
            "kubectl-patch".into()
        )]
    );
}
