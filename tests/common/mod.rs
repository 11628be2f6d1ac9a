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

/// The shared checker's rules (../shared/tools/check-findings.py), in Rust,
/// for any fixture: `fixtures/<fixture>/expected/<expected>.yaml` against a
/// JSON report and its exit code. A finding matches an expected entry when
/// kind, namespace, name and category are equal, its path is the expected
/// one or lies below it, and the expected manager (if named) is the
/// reported one. Returns the problems, one line each (empty: all match).
pub fn findings_problems(fixture: &str, expected: &str, json: &str, code: i32) -> Vec<String> {
    let path = root().join(format!("fixtures/{fixture}/expected/{expected}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let expected: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    let actual: serde_json::Value = serde_json::from_str(json).expect("the report is JSON");
    let findings = actual["findings"].as_array().cloned().unwrap_or_default();
    let norm = |p: &str| p.replace('\'', "\"").replace(' ', "");
    let within = |reported: &str, wanted: &str| {
        reported == wanted
            || (reported.starts_with(wanted)
                && matches!(reported.as_bytes().get(wanted.len()), Some(b'.' | b'[')))
    };
    let matches = |e: &serde_json::Value, f: &serde_json::Value| {
        let o = &f["object"];
        e["kind"] == o["kind"]
            && e["namespace"].as_str() == o["namespace"].as_str()
            && e["name"] == o["name"]
            && e["category"] == f["category"]
            && e["path"]
                .as_str()
                .is_none_or(|p| within(&norm(f["path"].as_str().unwrap_or("")), &norm(p)))
            && (e["manager"].is_null() || e["manager"] == f["manager"])
    };
    let mut problems = Vec::new();
    let mut used = std::collections::HashSet::new();
    for e in expected["findings"].as_array().into_iter().flatten() {
        let hits: Vec<usize> = (0..findings.len())
            .filter(|&i| matches(e, &findings[i]))
            .collect();
        if hits.is_empty() {
            problems.push(format!("MISSED {e}"));
        }
        used.extend(hits);
    }
    for (i, f) in findings.iter().enumerate() {
        if !used.contains(&i) {
            problems.push(format!(
                "UNEXPECTED {} {} {} {}",
                f["category"], f["object"], f["path"], f["manager"]
            ));
        }
    }
    if let Some(want) = expected["exitCode"].as_i64()
        && want != i64::from(code)
    {
        problems.push(format!("EXIT expected {want}, got {code}"));
    }
    problems
}

/// [`findings_problems`] must find none.
pub fn check_findings_in(fixture: &str, expected: &str, json: &str, code: i32) {
    let problems = findings_problems(fixture, expected, json, code);
    assert!(
        problems.is_empty(),
        "fixtures/{fixture}/expected/{expected}.yaml:\n{}",
        problems.join("\n")
    );
}
