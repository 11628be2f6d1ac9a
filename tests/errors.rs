//! Bad input gets one clear paragraph naming the file (and line) or object,
//! exit code 2, and never a panic or a partial report.

mod common;

use common::*;

fn diff_of(path: &std::path::Path, snapshot: &str) -> Output {
    driftctl(&[
        "diff".into(),
        path.display().to_string(),
        "--live-snapshot".into(),
        snapshot.into(),
    ])
}

const CLEAN: &str = "fixtures/ml-platform/live/clean/live.yaml";

fn assert_error(out: &Output, needles: &[&str]) {
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.is_empty(), "no report on error: {}", out.stdout);
    assert!(
        out.stderr.starts_with("driftctl: error: "),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    for needle in needles {
        assert!(
            out.stderr.contains(needle),
            "stderr lacks {needle:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn unreadable_path() {
    let out = diff_of(std::path::Path::new("no/such/dir"), CLEAN);
    assert_error(&out, &["no/such/dir", "no such file or directory"]);
}

#[test]
fn invalid_yaml_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    let bad = write(
        dir.path(),
        "bad.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [c\n",
    );
    let out = diff_of(dir.path(), CLEAN);
    assert_error(&out, &["invalid YAML"]);
    // libyaml reports an unclosed flow sequence where it gave up: the
    // line of the `[` or the end of the document after it.
    let at_line_9 = out.stderr.contains(&format!("{}:9:", bad.display()));
    let at_line_10 = out.stderr.contains(&format!("{}:10:", bad.display()));
    assert!(at_line_9 || at_line_10, "{}", out.stderr);
}

#[test]
fn duplicate_keys_are_invalid_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "dup.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
    );
    let out = diff_of(dir.path(), CLEAN);
    assert_error(&out, &[&bad.display().to_string(), "duplicate"]);
}

#[test]
fn render_failure_carries_kustomizes_message() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kustomization.yaml",
        "resources:\n  - missing.yaml\n",
    );
    let out = diff_of(dir.path(), CLEAN);
    assert_error(&out, &[&dir.path().display().to_string(), "missing.yaml"]);
}

#[test]
fn invalid_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write(dir.path(), "live.yaml", "just: text\n");
    let out = diff_of(
        &root().join("fixtures/ml-platform/git/apps/status-page"),
        &snapshot.display().to_string(),
    );
    assert_error(
        &out,
        &[&snapshot.display().to_string(), "not a Kubernetes object"],
    );
    let empty = write(dir.path(), "empty.yaml", "# nothing\n");
    let out = diff_of(
        &root().join("fixtures/ml-platform/git/apps/status-page"),
        &empty.display().to_string(),
    );
    assert_error(&out, &["holds no objects"]);
    let json = write(dir.path(), "live.json", "{\"items\": [\n");
    let out = diff_of(
        &root().join("fixtures/ml-platform/git/apps/status-page"),
        &json.display().to_string(),
    );
    assert_error(&out, &[&json.display().to_string(), "invalid JSON"]);
}

#[test]
fn the_same_object_declared_twice_names_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n  namespace: web\n";
    let a = write(dir.path(), "a.yaml", cm);
    let b = write(dir.path(), "sub/b.yaml", &format!("# first line\n{cm}"));
    let out = diff_of(dir.path(), CLEAN);
    assert_error(
        &out,
        &[
            "ConfigMap web/same",
            &format!("{}:1", a.display()),
            &format!("{}:1", b.display()),
            "declared twice",
        ],
    );
}

#[test]
fn non_kubernetes_yaml_is_not_mistaken_for_objects() {
    // A values file and a kustomization's patch: neither is an object of
    // the audit (the patch lives inside a kustomization rendered as a unit).
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "values.yaml",
        "replicaCount: 3\nimage:\n  tag: v1\n",
    );
    write(
        dir.path(),
        "app/kustomization.yaml",
        "resources:\n  - cm.yaml\npatches:\n  - path: patch.yaml\n",
    );
    write(
        dir.path(),
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: web\ndata:\n  a: \"1\"\n",
    );
    write(
        dir.path(),
        "app/patch.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: web\ndata:\n  a: \"2\"\n",
    );
    let out = driftctl(&["render".into(), dir.path().display().to_string()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let docs: Vec<&str> = out
        .stdout
        .split("---\n")
        .filter(|d| !d.trim().is_empty())
        .collect();
    assert_eq!(docs.len(), 1, "{}", out.stdout);
    assert!(
        docs[0].contains("a: '2'") || docs[0].contains("a: \"2\""),
        "{}",
        out.stdout
    );
}

#[test]
fn bad_usage_exits_2() {
    let out = driftctl(&["diff".into()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("PATH"), "{}", out.stderr);
    let out = driftctl(&["frobnicate".into()]);
    assert_eq!(out.code, 2);
}

#[test]
fn the_overall_timeout_ends_a_stuck_audit_with_exit_2() {
    // A snapshot "file" that never ends: a FIFO nobody writes to.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("live.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let started = std::time::Instant::now();
    let out = driftctl(&[
        "diff".into(),
        "fixtures/ml-platform/git/apps/status-page".into(),
        "--live-snapshot".into(),
        fifo.display().to_string(),
        "--timeout".into(),
        "1s".into(),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("did not finish within --timeout 1s"),
        "{}",
        out.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
