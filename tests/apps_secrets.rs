//! Flux `postBuild.substituteFrom`: ConfigMaps and Secrets that Git does not
//! declare are read from the cluster (one GET each), and a value substituted
//! from a Secret is never printed, in any output, by `diff` or `render`.

mod common;
mod support;

use common::{NOW, driftctl, write};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use support::server::{ApiServer, Fault, Match, Recording};

const SECRET_VALUE: &str = "debug-s3cr3t-7f2a";
const SECRET_PATH: &str = "/api/v1/namespaces/flux-system/secrets/cluster-secrets";

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The Secret flux-apps names as an optional `substituteFrom` (and never
/// declares), setting the `log_level` its Deployment reads as
/// `${log_level:=info}`.
fn cluster_secret() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "cluster-secrets", "namespace": "flux-system"},
        "type": "Opaque",
        "data": {"log_level": base64(SECRET_VALUE)},
    })
}

fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// flux-apps' clean snapshot with `extra` YAML documents after it.
fn snapshot_with(dir: &Path, extra: &str) -> PathBuf {
    let recorded =
        std::fs::read_to_string(common::root().join("fixtures/flux-apps/live/clean/live.yaml"))
            .unwrap();
    write(dir, "live.yaml", &format!("{recorded}\n---\n{extra}"))
}

fn diff(snapshot: &Path, output: &str) -> common::Output {
    driftctl(&args(&[
        "diff",
        "fixtures/flux-apps/git/clusters/production",
        "--live-snapshot",
        snapshot.to_str().unwrap(),
        "--now",
        NOW,
        "--output",
        output,
    ]))
}

fn assert_never_shown(out: &common::Output) {
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !stream.contains(SECRET_VALUE),
            "secret value printed:\n{stream}"
        );
        assert!(
            !stream.contains(&base64(SECRET_VALUE)),
            "secret value printed:\n{stream}"
        );
    }
}

#[test]
fn a_substitute_from_secret_in_the_cluster_is_used_and_its_value_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let secret = serde_json::to_string(&cluster_secret()).unwrap();
    let snapshot = snapshot_with(dir.path(), &secret);
    for output in ["json", "text", "yaml", "markdown"] {
        let out = diff(&snapshot, output);
        assert_eq!(out.code, 1, "{output}: {}{}", out.stdout, out.stderr);
        assert_never_shown(&out);
        assert!(
            out.stdout
                .contains("(hidden: value from Secret flux-system/cluster-secrets key log_level)"),
            "{output}: {}",
            out.stdout
        );
    }
    let report: Value = serde_json::from_str(&diff(&snapshot, "json").stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["object"]["kind"], "Deployment", "{f:#}");
    assert_eq!(f["category"], "config", "{f:#}");
    assert!(f["path"].as_str().unwrap().contains("LOG_LEVEL"), "{f:#}");
    // The live value of a field Git fills from a Secret is hidden too (it
    // may be an older secret).
    assert!(
        f["live"].as_str().unwrap().starts_with("(hidden: "),
        "{f:#}"
    );
}

#[test]
fn a_required_substitute_from_that_cannot_be_read_makes_the_app_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("git");
    common::copy_tree(&common::root().join("fixtures/flux-apps/git"), &repo);
    let apps = repo.join("clusters/production/apps.yaml");
    let text = std::fs::read_to_string(&apps).unwrap();
    std::fs::write(&apps, text.replace("        optional: true\n", "")).unwrap();
    let run = |snapshot: &Path| {
        driftctl(&args(&[
            "diff",
            repo.join("clusters/production").to_str().unwrap(),
            "--live-snapshot",
            snapshot.to_str().unwrap(),
            "--now",
            NOW,
            "--output",
            "json",
        ]))
    };
    let unchecked = |out: &common::Output| -> Vec<String> {
        let report: Value = serde_json::from_str(&out.stdout).unwrap();
        report["unchecked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| format!("{} {}", u["object"]["name"], u["reason"]))
            .collect()
    };

    // Recorded: the cluster holds Secrets, not this one.
    let absent = run(&common::root().join("fixtures/flux-apps/live/clean/live.yaml"));
    assert_eq!(absent.code, 3, "{}{}", absent.stdout, absent.stderr);
    let reasons = unchecked(&absent).join("\n");
    assert!(
        reasons.contains("apps-production")
            && reasons.contains(
                "Secret flux-system/cluster-secrets is declared neither in Git nor in the cluster"
            ),
        "{reasons}"
    );

    // Present in the cluster: used, and the audit is complete.
    let secret = serde_json::to_string(&cluster_secret()).unwrap();
    let present = run(&snapshot_with(dir.path(), &secret));
    assert_eq!(present.code, 1, "{}{}", present.stdout, present.stderr);
    assert!(unchecked(&present).is_empty(), "{}", present.stdout);
    assert_never_shown(&present);
}

#[test]
fn render_hides_values_substituted_from_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    write(
        repo,
        "clusters/prod/flux-system/gotk-sync.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  url: https://git.example.com/fleet.git\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  path: ./clusters/prod\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    write(
        repo,
        "clusters/prod/apps.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  postBuild:\n    substituteFrom:\n      - kind: Secret\n        name: db\n",
    );
    write(
        repo,
        "clusters/prod/db.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: flux-system\ndata:\n  password: {}\n",
            base64(SECRET_VALUE)
        ),
    );
    write(
        repo,
        "apps/settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\ndata:\n  url: postgres://app:${password}@db:5432/app\n  region: eu\n",
    );
    let out = driftctl(&args(&[
        "render",
        repo.join("clusters/prod").to_str().unwrap(),
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains(SECRET_VALUE), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "postgres://app:(hidden: value from Secret flux-system/db key password)@db:5432/app"
        ),
        "{}",
        out.stdout
    );
}

/// The same, through the real kube client against the API server replaying
/// flux-apps' clean recording: one GET for the Secret Git does not declare;
/// a Secret that cannot be read (403) while optional is a note, not silence.
#[test]
fn against_a_cluster_substitute_from_is_one_get() {
    let api = common::root().join("fixtures/flux-apps/live/clean/api");
    let run = |server: &ApiServer, dir: &Path| {
        let kubeconfig = server.kubeconfig(dir, None);
        driftctl(&args(&[
            "diff",
            "fixtures/flux-apps/git/clusters/production",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--now",
            NOW,
            "--output",
            "json",
        ]))
    };

    let dir = tempfile::tempdir().unwrap();
    let mut recording = Recording::load(&api);
    recording.insert(SECRET_PATH, cluster_secret());
    let server = ApiServer::start(recording);
    let out = run(&server, dir.path());
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_never_shown(&out);
    let gets = server.gets();
    assert_eq!(
        gets.iter().filter(|p| p.as_str() == SECRET_PATH).count(),
        1,
        "{gets:#?}"
    );
    assert!(
        !gets.iter().any(|p| p.contains("/configmaps/cluster-vars")),
        "cluster-vars is declared in Git: {gets:#?}"
    );

    let server = ApiServer::start(Recording::load(&api));
    server.fail(Match::Exact(SECRET_PATH.into()), Fault::Status(403));
    let out = run(&server, dir.path());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(
            "optional postBuild.substituteFrom Secret flux-system/cluster-secrets cannot be read"
        ),
        "{}",
        out.stderr
    );
}
