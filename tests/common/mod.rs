//! Helpers shared by the end-to-end tests: run the real binary from the
//! project root, and check findings against a fixture's expected file.
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

/// Runs driftctl with `env` set. Each run has a discovery cache of its own
/// (an empty `KUBECACHEDIR`) unless `env` names one: test servers come and
/// go on reused ports, and no test reads another's cache or the user's.
pub fn driftctl_env(args: &[String], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_driftctl"));
    cmd.current_dir(root()).args(args).env_remove("NO_COLOR");
    let cache = tempfile::tempdir().expect("a temporary directory");
    cmd.env("KUBECACHEDIR", cache.path());
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

/// Checks a JSON report against `fixtures/ml-platform/expected/{expected}.yaml`
/// and fails the test with one line per problem when they disagree.
pub fn check_findings(expected: &str, json: &str, code: i32) {
    check_findings_in("ml-platform", expected, json, code)
}

/// Checks a JSON report against `fixtures/{fixture}/expected/{expected}.yaml`
/// with the semantics of the shared tools/check-findings.py, and fails the
/// test with its lines.
pub fn check_findings_in(fixture: &str, expected: &str, json: &str, code: i32) {
    let problems = findings_problems(fixture, expected, json, code);
    assert!(
        problems.is_empty(),
        "check-findings fixtures/{fixture}/expected/{expected}.yaml:\n{}",
        problems.join("\n")
    );
}

/// [`problems_of`] a JSON report against
/// `fixtures/{fixture}/expected/{expected}.yaml` and its exit code.
pub fn findings_problems(fixture: &str, expected: &str, json: &str, code: i32) -> Vec<String> {
    let path = root().join(format!("fixtures/{fixture}/expected/{expected}.yaml"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let expected = driftctl::yaml::from_str(&text, &path.display().to_string())
        .unwrap_or_else(|e| panic!("{e:#}"));
    let actual: serde_json::Value = serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("the report is not JSON ({e}):\n{json}"));
    problems_of(&expected, &actual, Some(code))
}

/// What check-findings prints: a `MISSED` line for every expected finding no
/// reported one matches, an `UNEXPECTED` line for every reported finding that
/// matches no expected one, an `EXIT` line when the exit code differs from
/// the expected `exitCode`. Empty when the report is as expected.
///
/// A finding matches an expected entry when kind, namespace, name and
/// category are equal, the reported path is the expected one or lies below
/// it by whole segments (`spec.sessionAffinityConfig` is not below
/// `spec.sessionAffinity`), and the expected manager, when it names one,
/// equals the reported manager.
pub fn problems_of(
    expected: &serde_json::Value,
    actual: &serde_json::Value,
    code: Option<i32>,
) -> Vec<String> {
    let empty = Vec::new();
    let findings = match actual {
        serde_json::Value::Array(list) => list,
        other => other["findings"].as_array().unwrap_or(&empty),
    };
    let wanted = expected["findings"].as_array().unwrap_or(&empty);
    let mut problems = Vec::new();
    let mut used = vec![false; findings.len()];
    for e in wanted {
        let mut hit = false;
        for (i, f) in findings.iter().enumerate() {
            if finding_matches(e, f) {
                hit = true;
                used[i] = true;
            }
        }
        if !hit {
            problems.push(format!(
                "MISSED   {}: {} {}/{} {} (manager {})",
                text(&e["category"]),
                text(&e["kind"]),
                text_or_dash(&e["namespace"]),
                text(&e["name"]),
                text(&e["path"]),
                text(&e["manager"]),
            ));
        }
    }
    for (f, used) in findings.iter().zip(used) {
        if !used {
            let (kind, namespace, name) = finding_object(f);
            problems.push(format!(
                "UNEXPECTED {}: {} {}/{} {} (manager {})",
                text(&f["category"]),
                kind.unwrap_or_default(),
                namespace.unwrap_or("-"),
                name.unwrap_or_default(),
                text(&f["path"]),
                text(&f["manager"]),
            ));
        }
    }
    if let (Some(code), Some(want)) = (code, expected["exitCode"].as_i64())
        && i64::from(code) != want
    {
        problems.push(format!("EXIT     expected {want}, got {code}"));
    }
    problems
}

fn finding_object(f: &serde_json::Value) -> (Option<&str>, Option<&str>, Option<&str>) {
    let o = if f["object"].is_object() {
        &f["object"]
    } else {
        f
    };
    let namespace = o["namespace"].as_str().filter(|n| !n.is_empty());
    (o["kind"].as_str(), namespace, o["name"].as_str())
}

fn finding_matches(e: &serde_json::Value, f: &serde_json::Value) -> bool {
    let (kind, namespace, name) = finding_object(f);
    if (
        e["kind"].as_str(),
        e["namespace"].as_str(),
        e["name"].as_str(),
    ) != (kind, namespace, name)
    {
        return false;
    }
    if e["category"] != f["category"] {
        return false;
    }
    if let Some(path) = e["path"].as_str().filter(|p| !p.is_empty()) {
        let reported = normalize_path(f["path"].as_str().unwrap_or_default());
        if !path_within(&reported, &normalize_path(path)) {
            return false;
        }
    }
    e["manager"].is_null() || e["manager"] == f["manager"]
}

/// Quotes and spaces do not matter: `["a/b"]` is `['a/b']` is `[ "a/b" ]`.
fn normalize_path(path: &str) -> String {
    path.replace('\'', "\"").replace(' ', "")
}

fn path_within(reported: &str, expected: &str) -> bool {
    reported == expected
        || reported
            .strip_prefix(expected)
            .is_some_and(|rest| rest.starts_with(['.', '[']))
}

fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn text_or_dash(v: &serde_json::Value) -> String {
    Some(text(v))
        .filter(|t| !t.is_empty())
        .unwrap_or("-".into())
}

/// The secret strings listed in expected/drifted.yaml.
pub fn secrets_never_shown() -> Vec<String> {
    let text =
        std::fs::read_to_string(root().join("fixtures/ml-platform/expected/drifted.yaml")).unwrap();
    let value = driftctl::yaml::from_str(&text, "drifted.yaml").unwrap();
    value["secretsNeverShown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Copies the directory tree `from` into `to` (created if missing).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
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

/// The directory of this process's PATH that holds `program`, if any.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).find(|dir| dir.join(program).is_file())
}

/// True, after saying on stderr what is skipped and why, when `program` is
/// not on PATH: a test of something optional returns then (a fresh clone
/// needs only the Rust toolchain; CI has kubectl and runs everything).
pub fn skip_without(program: &str, what: &str) -> bool {
    let missing = on_path(program).is_none();
    if missing {
        eprintln!("skipped: {what}: `{program}` is not on PATH");
    }
    missing
}

/// [`skip_without`] for the external renderer: `kustomize` or `kubectl`.
pub fn skip_without_external_kustomize(what: &str) -> bool {
    let missing = on_path("kustomize").is_none() && on_path("kubectl").is_none();
    if missing {
        eprintln!("skipped: {what}: neither `kustomize` nor `kubectl` is on PATH");
    }
    missing
}
