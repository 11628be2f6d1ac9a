//! `--rev` reads sources from a Git revision without touching the working
//! tree; `--blame` names the commit that last changed each Git line.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn git(repo: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ada Ops")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Ops")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "2026-10-02T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-10-02T10:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository holding the fixture's git/ tree in one commit.
fn fixture_repo() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_tree(&root().join("fixtures/ml-platform/git"), repo.path());
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "fixture"]);
    repo
}

fn diff_in(repo: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec![
        "diff".into(),
        repo.join("clusters/prod").display().to_string(),
        repo.join("apps/status-page").display().to_string(),
        "--live-snapshot".into(),
        root()
            .join("fixtures/ml-platform/live/drifted/live.yaml")
            .display()
            .to_string(),
        "--output".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    driftctl(&args)
}

fn strip_sources(json: &str) -> serde_json::Value {
    let mut report: serde_json::Value = serde_json::from_str(json).unwrap();
    for f in report["findings"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("source");
    }
    report
}

#[test]
fn a_revision_gives_the_same_audit_as_its_working_tree() {
    let repo = fixture_repo();
    let working = diff_in(repo.path(), &[]);
    assert_eq!(working.code, 1, "{}", working.stderr);
    check_findings("drifted", &working.stdout, working.code);

    // Break the working tree: --rev must not read it.
    std::fs::write(
        repo.path().join("apps/status-page/status-page.yaml"),
        "not: [valid\n",
    )
    .unwrap();
    std::fs::remove_dir_all(repo.path().join("apps/checkout-api")).unwrap();
    let from_git = diff_in(repo.path(), &["--rev", "HEAD"]);
    assert_eq!(from_git.code, 1, "{}", from_git.stderr);
    check_findings("drifted", &from_git.stdout, from_git.code);
    assert_eq!(
        strip_sources(&from_git.stdout),
        strip_sources(&working.stdout)
    );
    // Sources are named as REV:path.
    let report: serde_json::Value = serde_json::from_str(&from_git.stdout).unwrap();
    let file = report["findings"][0]["source"]["file"].as_str().unwrap();
    assert!(file.contains(":platform/prod/namespaces.yaml"), "{file}");
    // The working tree is untouched.
    assert_eq!(
        std::fs::read_to_string(repo.path().join("apps/status-page/status-page.yaml")).unwrap(),
        "not: [valid\n"
    );
}

#[test]
fn an_older_revision_is_audited_as_it_was() {
    let repo = fixture_repo();
    let file = repo.path().join("apps/status-page/status-page.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("replicas: 2", "replicas: 5")).unwrap();
    git(
        repo.path(),
        &["commit", "-q", "-am", "scale status-page to 5"],
    );
    let now = serde_json::from_str::<serde_json::Value>(&diff_in(repo.path(), &[]).stdout).unwrap();
    let before = serde_json::from_str::<serde_json::Value>(
        &diff_in(repo.path(), &["--rev", "HEAD~1"]).stdout,
    )
    .unwrap();
    let replicas = |r: &serde_json::Value| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["object"]["name"] == "status-page" && f["path"] == "spec.replicas")
    };
    assert!(!replicas(&now), "Git now says 5, as the cluster does");
    assert!(replicas(&before), "HEAD~1 said 2");
    let bad = diff_in(repo.path(), &["--rev", "no-such-branch"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-branch"), "{}", bad.stderr);
}

#[test]
fn blame_names_the_commit_of_the_declaring_line() {
    let repo = fixture_repo();
    let out = diff_in(repo.path(), &["--blame"]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let memory = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "spec.template.spec.containers[name=app].resources.limits.memory")
        .unwrap();
    let source = &memory["source"];
    // The overlay's patch declares 1Gi.
    assert!(
        source["file"]
            .as_str()
            .unwrap()
            .ends_with("apps/checkout-api/overlays/prod/resources.yaml")
    );
    assert_eq!(source["line"], 16);
    assert_eq!(source["author"], "Ada Ops");
    assert_eq!(source["date"], "2026-10-02T10:00:00Z");
    let head = Command::new("git")
        .current_dir(repo.path())
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(
        source["commit"],
        String::from_utf8_lossy(&head.stdout).trim()
    );
    let text = driftctl(&[
        "diff".into(),
        repo.path().join("clusters/prod").display().to_string(),
        "--live-snapshot".into(),
        root()
            .join("fixtures/ml-platform/live/drifted/live.yaml")
            .display()
            .to_string(),
        "--blame".into(),
        "--color".into(),
        "never".into(),
    ]);
    assert!(
        text.stdout.contains("Git has said so since"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("(2026-10-02, Ada Ops)"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_revision_renders_natively_as_its_working_tree_renders_externally() {
    if skip_without_external_kustomize("a revision rendered natively vs externally") {
        return;
    }
    let repo = fixture_repo();
    let external = diff_in(repo.path(), &["--renderer", "external"]);
    assert_eq!(external.code, 1, "{}", external.stderr);
    // The working tree is broken: the revision must be read from Git.
    std::fs::remove_dir_all(repo.path().join("apps/checkout-api")).unwrap();
    let native = diff_in(repo.path(), &["--rev", "HEAD", "--renderer", "native"]);
    assert_eq!(native.code, 1, "{}", native.stderr);
    check_findings("drifted", &native.stdout, native.code);
    assert_eq!(
        strip_sources(&native.stdout),
        strip_sources(&external.stdout)
    );
}
