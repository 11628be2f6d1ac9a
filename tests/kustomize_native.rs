//! The native Kustomize renderer as a user meets it: the same audits as
//! with an external kustomize, `driftctl render` output, the fallback for
//! what it does not support, and errors that name the file.

mod common;

use common::*;
use driftctl::yaml;
use serde_json::Value;
use std::path::Path;

fn render(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args: Vec<String> = vec!["render".into(), dir.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    driftctl_env(&args, env)
}

fn values(text: &str) -> Vec<Value> {
    yaml::parse_documents(text, "output")
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect()
}

#[test]
fn ml_platform_audits_are_the_same_with_native_and_external_rendering() {
    if skip_without_external_kustomize("native vs external rendering of ml-platform") {
        return;
    }
    for state in ["clean", "drifted"] {
        let native = driftctl(&demo_args(
            state,
            &["--output", "json", "--renderer", "native"],
        ));
        let external = driftctl(&demo_args(
            state,
            &["--output", "json", "--renderer", "external"],
        ));
        assert_eq!(native.code, external.code, "{state}: {}", native.stderr);
        let mut native_report: Value = serde_json::from_str(&native.stdout).unwrap();
        let mut external_report: Value = serde_json::from_str(&external.stdout).unwrap();
        // Findings name the same sources, except where the native renderer
        // knows a kustomization field (`images:`) set the value, which an
        // external render no longer shows.
        let native_findings = native_report["findings"].as_array_mut().unwrap();
        let external_findings = external_report["findings"].as_array_mut().unwrap();
        assert_eq!(native_findings.len(), external_findings.len(), "{state}");
        for (n, e) in native_findings.iter_mut().zip(external_findings.iter_mut()) {
            let (ns, es) = (n["source"].take(), e["source"].take());
            if ns != es {
                let file = ns["file"].as_str().unwrap_or_default();
                assert!(
                    file.ends_with("/kustomization.yaml") && n["path"].is_string(),
                    "{state}: native {ns} vs external {es} for {}",
                    n["path"]
                );
            }
        }
        assert_eq!(native_report, external_report, "{state}");
        check_findings(state, &native.stdout, native.code);
    }
}

/// Prefixes, suffixes, namespaces, generated names with hashes, a merging
/// overlay generator, vars, images and replicas, compared with what
/// `kubectl kustomize` (kustomize v5.5.0) printed for the same tree.
#[test]
fn names_and_references_follow_kustomize() {
    let dir = root().join("tests/kustomize/overlay");
    let out = render(&dir, &["--renderer", "native"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let expected =
        std::fs::read_to_string(root().join("tests/kustomize/overlay.kustomize-v5.5.0.yaml"))
            .unwrap();
    assert_eq!(values(&out.stdout), values(&expected));
}

#[test]
fn unsupported_fields_fall_back_to_an_external_kustomize_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: \"1\"\n",
    );
    let file = write(
        dir.path(),
        "kustomization.yaml",
        "resources: [cm.yaml]\nbuildMetadata: [originAnnotations]\n",
    );
    // auto: one line on stderr saying why, then the external renderer's output.
    if !skip_without_external_kustomize("the fallback to an external kustomize") {
        let out = render(dir.path(), &[], &[]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains("`buildMetadata`"), "{}", out.stderr);
        assert!(
            out.stderr.contains(&file.display().to_string()),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("kubectl kustomize") || out.stderr.contains("kustomize build"));
        assert!(
            out.stdout.contains("config.kubernetes.io/origin"),
            "{}",
            out.stdout
        );
    }
    // native never falls back.
    let out = render(dir.path(), &["--renderer", "native"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("`buildMetadata`"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&file.display().to_string()),
        "{}",
        out.stderr
    );
    // auto without kustomize or kubectl on PATH: exit 2 naming field and file.
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().display().to_string();
    let out = render(dir.path(), &[], &[("PATH", path.as_str())]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("`buildMetadata`"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&file.display().to_string()),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("neither `kustomize` nor `kubectl`"),
        "{}",
        out.stderr
    );
}

#[test]
fn remote_bases_and_helm_charts_are_not_rendered_natively() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let remote = write(
        dir.path(),
        "remote/kustomization.yaml",
        "resources:\n  - github.com/example/manifests//base?ref=v1.0.0\n",
    );
    let out = render(remote.parent().unwrap(), &["--renderer", "native"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("remote base"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&remote.display().to_string()),
        "{}",
        out.stderr
    );
    let helm = write(
        dir.path(),
        "helm/kustomization.yaml",
        "helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n",
    );
    let out = render(helm.parent().unwrap(), &["--renderer", "native"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`helmCharts`"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&helm.display().to_string()),
        "{}",
        out.stderr
    );
}

#[test]
fn render_errors_name_the_file_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(
        dir.path(),
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
    );
    // A patch whose object is not among the resources.
    let patch = write(
        dir.path(),
        "app/patch.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  a: b\n",
    );
    write(
        dir.path(),
        "app/kustomization.yaml",
        "resources: [cm.yaml]\npatches:\n  - path: patch.yaml\n",
    );
    let out = render(&dir.path().join("app"), &["--renderer", "native"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains(&patch.display().to_string()),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("ConfigMap other"), "{}", out.stderr);
    // Invalid YAML in a resource: file and line.
    let bad = write(
        dir.path(),
        "bad/cm.yaml",
        "apiVersion: v1\nkind: [ConfigMap\n",
    );
    write(
        dir.path(),
        "bad/kustomization.yaml",
        "resources: [cm.yaml]\n",
    );
    let out = render(&dir.path().join("bad"), &["--renderer", "native"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!("{}:", bad.display())),
        "{}",
        out.stderr
    );
    // A file outside the kustomization's directory (kustomize's load restrictions).
    write(
        dir.path(),
        "shared/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n",
    );
    let kfile = write(
        dir.path(),
        "restricted/kustomization.yaml",
        "resources: [../shared/cm.yaml]\n",
    );
    let out = render(kfile.parent().unwrap(), &["--renderer", "native"], &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&kfile.display().to_string()),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("load restrictions"), "{}", out.stderr);
}

#[test]
fn findings_name_the_overlay_patch_that_declares_the_value() {
    let out = driftctl(&demo_args(
        "drifted",
        &["--output", "json", "--renderer", "native"],
    ));
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let memory = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "spec.template.spec.containers[name=app].resources.limits.memory")
        .expect("the memory finding");
    assert_eq!(
        memory["source"]["file"],
        "fixtures/ml-platform/git/apps/checkout-api/overlays/prod/resources.yaml"
    );
    assert_eq!(memory["source"]["line"], 16);
}

#[test]
fn findings_name_the_kustomization_field_that_sets_the_value() {
    // The base says `image: ...:sha-abc123`; the overlay's `images:` entry
    // (newTag: v2.0.4 on line 6) is what Git declares.
    let out = driftctl(&demo_args(
        "drifted",
        &["--output", "json", "--renderer", "native"],
    ));
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let image = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "spec.template.spec.containers[name=model].image")
        .expect("the image finding");
    assert_eq!(
        image["desired"],
        "registry.example.com/fraud-detector:v2.0.4"
    );
    assert_eq!(
        image["source"]["file"],
        "fixtures/ml-platform/git/apps/fraud-detector/overlays/prod/kustomization.yaml"
    );
    assert_eq!(image["source"]["line"], 6);
    // The text report says so under the finding, the object's header names its document.
    let text = driftctl(&demo_args("drifted", &["--renderer", "native"])).stdout;
    assert!(
        text.contains("(apps/v1, fixtures/ml-platform/git/apps/fraud-detector/base/deployment.yaml:1)")
            && text.contains(
                "value declared at fixtures/ml-platform/git/apps/fraud-detector/overlays/prod/kustomization.yaml:6"
            ),
        "{text}"
    );
}

#[test]
fn a_replicas_field_is_where_git_declares_the_count() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(
        repo.path(),
        "base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: status-page\n  namespace: web\nspec:\n  replicas: 1\n",
    );
    write(
        repo.path(),
        "base/kustomization.yaml",
        "resources: [deploy.yaml]\n",
    );
    let overlay = write(
        repo.path(),
        "overlay/kustomization.yaml",
        "resources: [../base]\nreplicas:\n  - name: status-page\n    count: 2\n",
    );
    let out = driftctl(&[
        "diff".into(),
        overlay.parent().unwrap().display().to_string(),
        "--live-snapshot".into(),
        "fixtures/ml-platform/live/drifted/live.yaml".into(),
        "--renderer".into(),
        "native".into(),
        "--output".into(),
        "json".into(),
    ]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let replicas = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "spec.replicas")
        .unwrap_or_else(|| panic!("the replicas finding: {}", out.stdout));
    assert_eq!(replicas["desired"], 2);
    assert_eq!(replicas["source"]["file"], overlay.display().to_string());
    assert_eq!(replicas["source"]["line"], 4);
}

#[test]
fn symlinks_out_of_the_repository_are_refused_natively() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n",
    );
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let kfile = write(
        repo.path(),
        "app/kustomization.yaml",
        "resources: [cm.yaml]\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        repo.path().join("app/cm.yaml"),
    )
    .unwrap();
    let out = render(kfile.parent().unwrap(), &["--renderer", "native"], &[]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains(&kfile.display().to_string()),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("outside the repository"),
        "{}",
        out.stderr
    );
}
