//! Helpers shared by the end-to-end tests: run the real binary from the
//! project root, and check findings with the shared checker.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared tools and fixtures beside the repository (CI clones it there).
pub fn shared() -> PathBuf {
    root().join("../shared")
}

pub fn driftctl(args: &[String]) -> Output {
    driftctl_env(args, &[])
}

pub fn driftctl_env(args: &[String], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_driftctl"));
    cmd.current_dir(root()).args(args).env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("driftctl runs");
    Output {
        code: out.status.code().expect("driftctl exits with a code"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// The time the tests measure ages from (the recordings are from 2026-11-22).
pub const NOW: &str = "2026-11-25T12:00:00Z";

/// `diff` of the demo (both paths of the ml-platform fixture), ages measured
/// from [`NOW`], then `extra`.
pub fn demo_diff(extra: &[&str]) -> Vec<String> {
    [
        "diff",
        "fixtures/ml-platform/git/clusters/prod",
        "fixtures/ml-platform/git/apps/status-page",
        "--now",
        NOW,
    ]
    .iter()
    .chain(extra)
    .map(|s| s.to_string())
    .collect()
}

/// The demo against `live/<state>/live.yaml`.
pub fn demo_args(state: &str, extra: &[&str]) -> Vec<String> {
    let snapshot = format!("fixtures/ml-platform/live/{state}/live.yaml");
    let mut args = demo_diff(&["--live-snapshot", &snapshot]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// The demo against the cluster of `kubeconfig`.
pub fn demo_live_args(kubeconfig: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = demo_diff(&["--kubeconfig", kubeconfig.to_str().unwrap()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Runs ../shared/tools/check-findings.py on a JSON report and fails the
/// test with the checker's own lines when it disagrees.
pub fn check_findings(expected: &str, json: &str, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let actual = dir.path().join("actual.json");
    std::fs::write(&actual, json).unwrap();
    let expected = root().join(format!("fixtures/ml-platform/expected/{expected}.yaml"));
    let out = Command::new("python3")
        .arg(shared().join("tools/check-findings.py"))
        .arg(&expected)
        .arg(&actual)
        .arg(code.to_string())
        .output()
        .expect("python3 runs the shared checker");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "check-findings {}:\n{}{}",
        expected.display(),
        text,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The secret strings listed in expected/drifted.yaml.
pub fn secrets_never_shown() -> Vec<String> {
    let text =
        std::fs::read_to_string(root().join("fixtures/ml-platform/expected/drifted.yaml")).unwrap();
    let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    value["secretsNeverShown"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// A desired tree of one Deployment that declares no namespace.
pub fn status_page_without_namespace(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(
        root().join("fixtures/ml-platform/git/apps/status-page/status-page.yaml"),
    )
    .unwrap();
    let deployment = text
        .split("\n---\n")
        .find(|d| d.contains("kind: Deployment"))
        .unwrap()
        .replace("  namespace: web\n", "");
    write(dir, "tree/deployment.yaml", &deployment);
    dir.join("tree")
}
