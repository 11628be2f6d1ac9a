//! Who owns what beyond Git's own fields, end to end: finalizers that
//! controllers add, a person's write under an applier's name, values the
//! applier owns that differ from Git, and children of desired objects.

mod common;
mod support;

use common::*;
use serde_json::{Value, json};
use support::server::{ApiServer, Fault, Match, Recording};

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

const SEALED: &str = "fixtures/ownership/sealed";

/// The sealed case's audit in `format`, from its snapshot.
fn sealed(state: &str, format: &str) -> Output {
    diff(&[
        &format!("{SEALED}/git"),
        "--live-snapshot",
        &format!("{SEALED}/live/{state}/live.yaml"),
        "--output",
        format,
    ])
}

/// The secret strings of the sealed case (plain and base64).
fn sealed_secrets() -> Vec<String> {
    let path = root().join(format!("{SEALED}/expected/drifted.yaml"));
    let expected =
        driftctl::yaml::from_str(&std::fs::read_to_string(path).unwrap(), "drifted.yaml").unwrap();
    expected["secretsNeverShown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn sealed_owner() -> Value {
    json!({"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
        "namespace": "payments", "name": "db-creds"})
}

#[test]
fn a_generated_secret_rotated_by_hand_is_one_secret_finding_naming_its_sealed_secret() {
    let out = sealed("drifted", "json");
    check_findings_in("ownership/sealed", "drifted", &out.stdout, out.code);
    let report = json_of(&out);
    let found = report["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", out.stdout);
    assert_eq!(found[0]["owner"], sealed_owner());
    assert_eq!(found[0]["change"], "changed");
    assert!(found[0].get("live").is_none() && found[0].get("desired").is_none());
    assert_eq!(report["summary"]["secret"], 1);
    assert_eq!(report["summary"]["complete"], true);
}

#[test]
fn the_rotated_value_is_never_shown_in_any_format() {
    for format in ["text", "json", "yaml", "markdown"] {
        let out = sealed("drifted", format);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        for secret in sealed_secrets() {
            assert!(
                !out.stdout.contains(&secret) && !out.stderr.contains(&secret),
                "{format} shows {secret}: {}",
                out.stdout
            );
        }
    }
    let text = sealed("drifted", "text").stdout;
    assert!(
        text.contains("generated from SealedSecret payments/db-creds, which Git declares"),
        "{text}"
    );
    assert!(text.contains("changed by kubectl-patch (Update)"), "{text}");
}

#[test]
fn what_the_sealed_secrets_controller_writes_is_not_drift() {
    let out = sealed("clean", "json");
    check_findings_in("ownership/sealed", "clean", &out.stdout, out.code);
    assert_eq!(json_of(&out)["unchecked"], json!([]));
}

/// The sealed case served by the test API server.
fn sealed_server(state: &str) -> ApiServer {
    ApiServer::start(Recording::load(
        &root().join(format!("{SEALED}/live/{state}/api")),
    ))
}

fn sealed_live(server: &ApiServer) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    diff(&[
        &format!("{SEALED}/git"),
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--output",
        "json",
    ])
}

#[test]
fn a_cluster_audit_lists_the_generated_secrets_once_and_finds_the_same() {
    let server = sealed_server("drifted");
    let out = sealed_live(&server);
    check_findings_in("ownership/sealed", "drifted", &out.stdout, out.code);
    assert_eq!(json_of(&out)["findings"][0]["owner"], sealed_owner());
    let mut lists: Vec<String> = server
        .gets()
        .into_iter()
        .map(|u| u.split('?').next().unwrap().to_string())
        .filter(|u| u.contains("/namespaces/"))
        .collect();
    lists.sort();
    // One LIST per type and namespace, never a GET of the Secret itself.
    assert_eq!(
        lists,
        vec![
            "/api/v1/namespaces/payments/secrets",
            "/apis/bitnami.com/v1alpha1/namespaces/payments/sealedsecrets",
        ]
    );
}

#[test]
fn generated_secrets_the_credentials_cannot_read_leave_their_sealed_secret_unchecked() {
    let server = sealed_server("drifted");
    server.fail(Match::EndsWith("/secrets".into()), Fault::Status(403));
    let out = sealed_live(&server);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let report = json_of(&out);
    assert_eq!(report["findings"], json!([]));
    assert_eq!(report["summary"]["complete"], false);
    let unchecked = report["unchecked"].as_array().unwrap();
    assert_eq!(unchecked.len(), 1, "{unchecked:?}");
    assert_eq!(unchecked[0]["object"], sealed_owner());
    let reason = unchecked[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("Secret") && reason.contains("403"),
        "{reason}"
    );
}

#[test]
fn a_value_the_applier_owns_differs_at_admission_not_by_a_person() {
    // A registry mirror's webhook rewrote the image in kustomize-controller's
    // own Apply, and added a sidecar, labels and annotations no manager owns.
    let args = [
        "fixtures/ownership/admission/git",
        "--live-snapshot",
        "fixtures/ownership/admission/live.yaml",
    ];
    let json = diff(&[&args[..], &["--output", "json"]].concat());
    check_findings_in("ownership/admission", "live", &json.stdout, json.code);
    let report = json_of(&json);
    let finding = &report["findings"][0];
    assert_eq!(finding["reason"], "applier-owned");
    assert_eq!(finding["operation"], "Apply");
    let text = diff(&[&args[..], &["--color", "never"]].concat()).stdout;
    assert!(
        text.contains(
            "differs from Git, but the applier owns it: set at admission, or Git not yet applied"
        ),
        "{text}"
    );
    assert!(!text.contains("changed by kustomize-controller"), "{text}");
}

#[test]
fn a_rule_delegates_what_the_applier_owns_by_reason() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "driftctl.yaml",
        "delegate:\n  - {reason: applier-owned, manager: kustomize-controller}\n",
    );
    let out = diff(&[
        "fixtures/ownership/admission/git",
        "--live-snapshot",
        "fixtures/ownership/admission/live.yaml",
        "--config",
        config.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let report = json_of(&out);
    assert_eq!(
        findings(&report),
        vec![(
            "Deployment".into(),
            "checkout-api".into(),
            "spec.template.spec.containers[name=app].image".into(),
            "controller".into(),
            "kustomize-controller".into()
        )]
    );
    assert_eq!(report["summary"]["delegated"], 1);
    // The same rule for another applier, or a person's change, delegates nothing.
    let other = write(
        dir.path(),
        "other.yaml",
        "delegate:\n  - {reason: applier-owned, manager: argocd-controller}\n",
    );
    let out = diff(&[
        "fixtures/ownership/admission/git",
        "--live-snapshot",
        "fixtures/ownership/admission/live.yaml",
        "--config",
        other.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let people = diff(&[
        "fixtures/ml-platform/git/clusters/prod",
        "fixtures/ml-platform/git/apps/status-page",
        "--live-snapshot",
        "fixtures/ml-platform/live/drifted/live.yaml",
        "--config",
        config.to_str().unwrap(),
        "--output",
        "json",
    ]);
    check_findings("drifted", &people.stdout, people.code);
}

#[test]
fn owner_and_reason_follow_the_published_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    let admission = diff(&[
        "fixtures/ownership/admission/git",
        "--live-snapshot",
        "fixtures/ownership/admission/live.yaml",
        "--output",
        "json",
    ]);
    for out in [sealed("drifted", "json"), admission] {
        let report = json_of(&out);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}: {}", out.stdout);
    }
}
