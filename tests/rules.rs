//! Rules end to end on the ml-platform drifted recording: ignore and delegate
//! rules, Argo CD ignoreDifferences, Flux and Argo annotations, live-only
//! HPAs, --min-age.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", out.stdout, out.stderr))
}

/// (kind, namespace, name, path, category) of every finding.
fn keys(report: &Value) -> Vec<(String, String, String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or("").to_string();
            (
                s(&f["object"]["kind"]),
                s(&f["object"]["namespace"]),
                s(&f["object"]["name"]),
                s(&f["path"]),
                s(&f["category"]),
            )
        })
        .collect()
}

fn with_config(config: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "driftctl.yaml", config);
    let mut args = vec!["--config", file.to_str().unwrap(), "--output", "json"];
    args.extend_from_slice(extra);
    let out = driftctl(&demo_args("drifted", &args));
    (dir, out)
}

/// Hides every drifted object but checkout-api's injected annotation.
const ONLY_THE_ANNOTATION: &str = r#"
ignore:
  - {kind: Deployment, namespace: prod, name: checkout-api, paths: [spec.template, spec.replicas]}
  - {name: "fraud-*"}
  - {name: model-reader}
  - {kind: Namespace}
  - {name: status-page}
  - {name: debug-flags}
  - {name: checkout-api-legacy}
"#;

#[test]
fn delegating_a_manager_makes_its_change_controller_and_not_failing() {
    let (_d, without) = with_config(ONLY_THE_ANNOTATION, &[]);
    assert_eq!(without.code, 1, "{}", without.stderr);
    let report = json_of(&without);
    let annotation = "metadata.annotations[\"platform.example.com/injected-policy\"]";
    assert_eq!(
        keys(&report),
        vec![(
            "Deployment".into(),
            "prod".into(),
            "checkout-api".into(),
            annotation.into(),
            "config".into()
        )]
    );
    let (_d, with) = with_config(
        &format!("{ONLY_THE_ANNOTATION}delegate:\n  - managers: [policy-webhook]\n"),
        &[],
    );
    assert_eq!(with.code, 0, "{}", with.stdout);
    let report = json_of(&with);
    assert_eq!(report["findings"][0]["category"], "controller");
    assert_eq!(report["findings"][0]["manager"], "policy-webhook");
    assert_eq!(report["summary"]["delegated"], 1);
    assert!(report["summary"]["ignored"].as_u64().unwrap() >= 10);
}

#[test]
fn an_ignore_rule_hides_the_debug_env_and_nothing_else() {
    let baseline = json_of(&driftctl(&demo_args("drifted", &["--output", "json"])));
    let config = "ignore:\n  - kind: Deployment\n    namespace: prod\n    name: checkout-api\n    paths: ['spec.template.spec.containers[*].env']\n";
    let (_d, out) = with_config(config, &["--show-ignored"]);
    assert_eq!(out.code, 1);
    let report = json_of(&out);
    let debug = "spec.template.spec.containers[name=app].env[name=DEBUG]";
    let expected: Vec<_> = keys(&baseline)
        .into_iter()
        .filter(|k| k.3 != debug)
        .collect();
    assert_eq!(
        keys(&baseline).len(),
        expected.len() + 1,
        "the baseline has the DEBUG finding"
    );
    assert_eq!(keys(&report), expected);
    assert_eq!(report["summary"]["ignored"], 1);
    assert_eq!(report["ignoredFindings"][0]["path"], debug);
    assert!(
        report["ignoredFindings"][0]["rule"]
            .as_str()
            .unwrap()
            .ends_with("driftctl.yaml ignore[0]")
    );
}

const APPLICATION: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  source: {repoURL: https://example.com/repo.git, path: apps/status-page}
  destination: {server: https://kubernetes.default.svc, namespace: web}
  ignoreDifferences:
    - group: apps
      kind: Deployment
      jsonPointers: [/spec/replicas]
"#;

#[test]
fn argocd_ignore_differences_hide_replicas() {
    let replicas = (
        "Deployment".to_string(),
        "web".to_string(),
        "status-page".to_string(),
        "spec.replicas".to_string(),
        "config".to_string(),
    );
    let baseline = json_of(&driftctl(&demo_args("drifted", &["--output", "json"])));
    assert!(keys(&baseline).contains(&replicas));

    // An Application among the sources.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "apps/web.yaml", APPLICATION);
    let mut args = demo_args("drifted", &["--output", "json"]);
    args.insert(1, dir.path().join("apps").display().to_string());
    let report = json_of(&driftctl(&args));
    assert!(!keys(&report).contains(&replicas), "{:?}", keys(&report));
    assert!(report["summary"]["ignored"].as_u64().unwrap() >= 1);

    // The same from --argocd-app.
    let app = write(dir.path(), "app.yaml", APPLICATION);
    let report = json_of(&driftctl(&demo_args(
        "drifted",
        &["--output", "json", "--argocd-app", app.to_str().unwrap()],
    )));
    assert!(!keys(&report).contains(&replicas));
    let others: Vec<_> = keys(&baseline)
        .into_iter()
        .filter(|k| k.3 != "spec.replicas")
        .collect();
    assert_eq!(keys(&report), others);
}

#[test]
fn min_age_keeps_only_old_drift_and_drift_without_a_time() {
    let out = driftctl(&demo_args(
        "drifted",
        &["--output", "json", "--min-age", "10d"],
    ));
    let report = json_of(&out);
    let found = keys(&report);
    // The scale-subresource writes carry no time: kept.
    assert!(
        found
            .iter()
            .any(|k| k.2 == "status-page" && k.3 == "spec.replicas"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|k| k.2 == "checkout-api" && k.3 == "spec.replicas")
    );
    // Everything with a time is 3 days old: hidden.
    assert!(!found.iter().any(|k| k.4 == "image"), "{found:?}");
    assert!(!found.iter().any(|k| k.4 == "orphan"));
    for f in report["findings"].as_array().unwrap() {
        assert!(f["since"].is_null(), "{f}");
    }
    assert!(report["summary"]["ignored"].as_u64().unwrap() >= 8);
    // A shorter age hides nothing.
    let all = json_of(&driftctl(&demo_args(
        "drifted",
        &["--output", "json", "--min-age", "1h"],
    )));
    assert_eq!(all["summary"]["ignored"], 0);
}

#[test]
fn invalid_rules_exit_2_naming_file_rule_and_problem() {
    for (config, needles) in [
        (
            "ignore:\n  - kind: Deployment\n    pathz: [a]\n",
            vec!["unknown field `pathz`", ":3"],
        ),
        (
            "ignore:\n  - kind: Deployment\n  - paths: ['spec..x']\n",
            vec!["ignore[1]", "paths"],
        ),
        (
            "delegate:\n  - jqPathExpressions: ['.spec[']\n",
            vec!["delegate[0]", "jq"],
        ),
        (
            "ignore:\n  - jsonPointers: [spec/replicas]\n",
            vec!["ignore[0]", "starts with '/'"],
        ),
    ] {
        let (dir, out) = with_config(config, &[]);
        assert_eq!(out.code, 2, "{config}: {}", out.stdout);
        let file = dir.path().join("driftctl.yaml").display().to_string();
        assert!(out.stderr.contains(&file), "{}", out.stderr);
        for needle in needles {
            assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
        }
    }
}

/// (kind, name, edit) of one object of the snapshot.
type Edit<'a> = (&'a str, &'a str, &'a dyn Fn(&mut serde_json::Value));

/// The drifted snapshot with each edit applied to its object, and `extra`
/// objects added.
fn edited_snapshot(dir: &Path, edits: &[Edit], extra: &[&str]) -> String {
    let text = std::fs::read_to_string(root().join("fixtures/ml-platform/live/drifted/live.yaml"))
        .unwrap();
    let mut list = driftctl::yaml::from_str(&text, "live.yaml").unwrap();
    let items = list["items"].as_array_mut().unwrap();
    for item in items.iter_mut() {
        for (kind, name, edit) in edits {
            if item["kind"].as_str() == Some(kind)
                && item["metadata"]["name"].as_str() == Some(name)
            {
                edit(item);
            }
        }
    }
    for doc in extra {
        items.push(driftctl::yaml::from_str(doc, "extra").unwrap());
    }
    let path = dir.join("live.yaml");
    std::fs::write(&path, driftctl::yaml::to_string(&list)).unwrap();
    path.display().to_string()
}

fn annotate(key: &'static str, value: &'static str) -> impl Fn(&mut serde_json::Value) {
    move |item| {
        let metadata = item["metadata"].as_object_mut().unwrap();
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        annotations
            .as_object_mut()
            .unwrap()
            .insert(key.into(), value.into());
    }
}

#[test]
fn flux_unmanaged_objects_and_argo_ignore_extraneous() {
    let dir = tempfile::tempdir().unwrap();
    let disabled = annotate("kustomize.toolkit.fluxcd.io/reconcile", "disabled");
    let extraneous = annotate("argocd.argoproj.io/compare-options", "IgnoreExtraneous");
    let snapshot = edited_snapshot(
        dir.path(),
        &[
            ("Deployment", "fraud-detector", &disabled),
            ("ConfigMap", "debug-flags", &extraneous),
        ],
        &[],
    );
    let mut args = demo_args("drifted", &["--output", "json", "--show-ignored"]);
    let at = args.iter().position(|a| a == "--live-snapshot").unwrap();
    args[at + 1] = snapshot;
    let report = json_of(&driftctl(&args));
    let found = keys(&report);
    assert!(!found.iter().any(|k| k.2 == "fraud-detector"), "{found:?}");
    assert!(!found.iter().any(|k| k.2 == "debug-flags"), "{found:?}");
    assert!(
        found.iter().any(|k| k.2 == "checkout-api-legacy"),
        "other orphans stay"
    );
    assert_eq!(report["unmanaged"][0]["object"]["name"], "fraud-detector");
    assert!(
        report["unmanaged"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("reconcile: disabled")
    );
    assert_eq!(report["summary"]["unmanaged"], 1);
    assert!(
        report["ignoredFindings"][0]["rule"]
            .as_str()
            .unwrap()
            .contains("IgnoreExtraneous")
    );
}

const LIVE_ONLY_HPA: &str = r#"
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: keda-hpa-status-page
  namespace: web
  managedFields:
  - apiVersion: autoscaling/v2
    fieldsType: FieldsV1
    fieldsV1: {"f:spec": {"f:maxReplicas": {}, "f:scaleTargetRef": {}}}
    manager: keda
    operation: Update
    time: '2026-11-22T15:18:00Z'
spec:
  maxReplicas: 10
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: status-page}
"#;

#[test]
fn a_live_only_hpa_delegates_replicas_and_is_no_orphan() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = edited_snapshot(dir.path(), &[], &[LIVE_ONLY_HPA]);
    let run = |snapshot: &str| {
        driftctl(&[
            "diff".into(),
            "fixtures/ml-platform/git/apps/status-page".into(),
            "--live-snapshot".into(),
            snapshot.into(),
            "--output".into(),
            "json".into(),
        ])
    };
    let before = run("fixtures/ml-platform/live/drifted/live.yaml");
    assert_eq!(before.code, 1);
    assert_eq!(json_of(&before)["findings"][0]["category"], "config");
    let after = run(&snapshot);
    assert_eq!(after.code, 0, "{}", after.stdout);
    let report = json_of(&after);
    assert_eq!(keys(&report).len(), 1, "{:?}", keys(&report));
    assert_eq!(report["findings"][0]["category"], "controller");
    assert_eq!(report["findings"][0]["path"], "spec.replicas");
}

#[test]
fn the_config_file_is_found_at_the_repository_root() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let app = repo.path().join("apps/status-page");
    std::fs::create_dir_all(&app).unwrap();
    for file in ["service.yml", "status-page.yaml"] {
        std::fs::copy(
            root()
                .join("fixtures/ml-platform/git/apps/status-page")
                .join(file),
            app.join(file),
        )
        .unwrap();
    }
    let run = || {
        driftctl(&[
            "diff".into(),
            app.display().to_string(),
            "--live-snapshot".into(),
            "fixtures/ml-platform/live/drifted/live.yaml".into(),
            "--output".into(),
            "json".into(),
        ])
    };
    assert_eq!(run().code, 1);
    write(
        repo.path(),
        ".driftctl.yaml",
        "ignore:\n  - {name: status-page, paths: [spec.replicas]}\n",
    );
    let out = run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(json_of(&out)["summary"]["ignored"], 1);
}
