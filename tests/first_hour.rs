//! What a newcomer runs in the first hour never gives a false green: an
//! audit of nothing is an error naming the PATH, a document that is not
//! quite an object is named on stderr, `.json` manifests are read, a
//! snapshot that lacks whole kinds leaves them unchecked (not missing), a
//! snapshot dump inside the audited directory is skipped, and PATHs given
//! twice are read once.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

const CLEAN: &str = "fixtures/ml-platform/live/clean/live.yaml";
const DRIFTED: &str = "fixtures/ml-platform/live/drifted/live.yaml";

fn diff(paths: &[&Path], snapshot: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["diff".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(["--live-snapshot".into(), snapshot.display().to_string()]);
    args.extend(["--now".into(), NOW.into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    driftctl(&args)
}

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr))
}

fn assert_nothing_to_audit(out: &Output, path: &Path) {
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr
            .contains(&format!("{}: no Kubernetes object found", path.display())),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nothing to audit"), "{}", out.stderr);
}

/// The status-page Deployment of the fixture, as a JSON value.
fn status_page_deployment() -> Value {
    let text = std::fs::read_to_string(
        root().join("fixtures/ml-platform/git/apps/status-page/status-page.yaml"),
    )
    .unwrap();
    let yaml = text
        .split("\n---\n")
        .find(|d| d.contains("kind: Deployment"))
        .unwrap();
    driftctl::yaml::from_str(yaml, "status-page.yaml").unwrap()
}

#[test]
fn an_empty_directory_or_file_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let empty_dir = dir.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    let out = diff(&[&empty_dir], Path::new(CLEAN), &[]);
    assert_nothing_to_audit(&out, &empty_dir);

    let empty_file = write(dir.path(), "empty.yaml", "# nothing here\n---\n");
    let out = diff(&[&empty_file], Path::new(CLEAN), &[]);
    assert_nothing_to_audit(&out, &empty_file);
}

#[test]
fn json_manifests_in_a_plain_directory_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write(
        &tree,
        "deployment.json",
        &serde_json::to_string_pretty(&status_page_deployment()).unwrap(),
    );
    let out = diff(&[&tree], Path::new(DRIFTED), &["-o", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["object"]["name"] == "status-page"
            && f["path"] == "spec.replicas"
            && f["category"] == "config"),
        "{report:#}"
    );
}

#[test]
fn a_document_that_is_not_quite_an_object_is_named_on_stderr_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let deployment = driftctl::yaml::to_string(&status_page_deployment());
    let file = write(
        &tree,
        "app.yaml",
        &format!(
            "{deployment}---\napiversion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nKind: ConfigMap\nmetadata:\n  name: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  nmae: c\n"
        ),
    );
    let out = diff(&[&tree], Path::new(DRIFTED), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let name = file.display().to_string();
    for (line, reason) in [
        (
            deployment.lines().count() + 2,
            "no `apiVersion` (`apiversion` is not `apiVersion`; keys are exact)",
        ),
        (
            deployment.lines().count() + 7,
            "no `kind` (`Kind` is not `kind`; keys are exact)",
        ),
        (
            deployment.lines().count() + 12,
            "no `metadata.name` (`nmae` is not `name`; keys are exact)",
        ),
    ] {
        let wanted = format!("driftctl: {name}:{line}: skipped, not a Kubernetes object: {reason}");
        assert!(out.stderr.contains(&wanted), "{wanted}\n{}", out.stderr);
    }

    // Only such documents: nothing to audit.
    let only = dir.path().join("only");
    write(
        &only,
        "cm.yaml",
        "apiversion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    let out = diff(&[&only], Path::new(DRIFTED), &[]);
    assert_nothing_to_audit(&out, &only);
    assert!(
        out.stderr.contains("skipped, not a Kubernetes object"),
        "{}",
        out.stderr
    );
}

/// The drifted snapshot without `kinds` (as the user guide's old recipe,
/// which listed only some kinds, recorded it), written as JSON.
fn snapshot_without(dir: &Path, state: &str, kinds: &[&str]) -> std::path::PathBuf {
    let text = std::fs::read_to_string(
        root().join(format!("fixtures/ml-platform/live/{state}/live.yaml")),
    )
    .unwrap();
    let mut list: Value = driftctl::yaml::from_str(&text, "live.yaml").unwrap();
    list["items"]
        .as_array_mut()
        .unwrap()
        .retain(|o| !kinds.contains(&o["kind"].as_str().unwrap_or_default()));
    write(dir, &format!("{state}.json"), &list.to_string())
}

const LEFT_OUT: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "HorizontalPodAutoscaler",
    "Ingress",
];

#[test]
fn kinds_absent_from_the_snapshot_are_unchecked_not_missing() {
    let dir = tempfile::tempdir().unwrap();
    let git = [
        root().join("fixtures/ml-platform/git/clusters/prod"),
        root().join("fixtures/ml-platform/git/apps/status-page"),
    ];
    let paths: Vec<&Path> = git.iter().map(|p| p.as_path()).collect();

    let drifted = snapshot_without(dir.path(), "drifted", LEFT_OUT);
    let out = diff(&paths, &drifted, &["-o", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    assert!(
        !findings.iter().any(|f| f["category"] == "missing"
            && LEFT_OUT.contains(&f["object"]["kind"].as_str().unwrap())),
        "{report:#}"
    );
    // Without the Ingress the snapshot holds nothing of networking.k8s.io
    // (the NetworkPolicy was deleted): that kind was not listed either.
    let unchecked = report["unchecked"].as_array().unwrap();
    let unchecked_kinds: std::collections::BTreeSet<&str> = unchecked
        .iter()
        .map(|u| u["object"]["kind"].as_str().unwrap())
        .collect();
    let mut wanted: std::collections::BTreeSet<&str> = LEFT_OUT.iter().copied().collect();
    wanted.insert("NetworkPolicy");
    assert_eq!(unchecked_kinds, wanted, "{report:#}");
    for u in unchecked {
        let reason = u["reason"].as_str().unwrap();
        assert!(reason.contains("did not list this kind"), "{reason}");
    }
    assert_eq!(report["summary"]["complete"], false);

    // Nothing failing among what was checked: incomplete, exit 3.
    // (An Ingress left out beside a listed NetworkPolicy of the same group
    // cannot be told from a deleted one: not asserted here.)
    let clean = snapshot_without(dir.path(), "clean", &LEFT_OUT[..3]);
    let out = diff(&paths, &clean, &[]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        !out.stdout.contains("missing from the cluster"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_demo_still_reports_the_deleted_network_policy_as_missing() {
    let out = driftctl(&demo_args("drifted", &["--output", "json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
}

#[test]
fn a_snapshot_dump_inside_the_audited_directory_is_skipped_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write(
        &tree,
        "status-page.yaml",
        &driftctl::yaml::to_string(&status_page_deployment()),
    );
    let dump = write(
        &tree,
        "live.yaml",
        &std::fs::read_to_string(root().join(DRIFTED)).unwrap(),
    );
    let out = diff(&[&tree], Path::new(DRIFTED), &["-o", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "driftctl: {}:1: skipped, a dump of live objects",
            dump.display()
        )),
        "{}",
        out.stderr
    );
    let report = json_of(&out);
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        1,
        "{report:#}"
    );
}

#[test]
fn a_path_given_twice_or_inside_another_is_read_once() {
    let once = driftctl(&demo_args("drifted", &["--output", "json"]));
    for extra in [
        "fixtures/ml-platform/git/apps/status-page",
        "fixtures/ml-platform/git/apps/status-page/status-page.yaml",
        "fixtures/ml-platform/git/apps/status-page/",
    ] {
        let mut args = demo_args("drifted", &["--output", "json"]);
        args.insert(1, extra.to_string());
        let twice = driftctl(&args);
        assert_eq!(twice.code, once.code, "{extra}: {}", twice.stderr);
        let findings = |out: &Output| {
            let mut all: Vec<String> = json_of(out)["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(Value::to_string)
                .collect();
            all.sort();
            all
        };
        assert_eq!(findings(&once), findings(&twice), "{extra}");
        check_findings("drifted", &twice.stdout, twice.code);
    }
}

#[test]
fn flags_that_cannot_apply_together_are_a_usage_error() {
    for (extra, a, b) in [
        (&["--context", "prod"][..], "--live-snapshot", "--context"),
        (
            &["--kubeconfig", "kubeconfig.yaml"][..],
            "--live-snapshot",
            "--kubeconfig",
        ),
        (&["--quiet", "--verbose"][..], "--quiet", "--verbose"),
        (&["--quiet", "--debug"][..], "--quiet", "--debug"),
    ] {
        let out = driftctl(&demo_args("drifted", extra));
        assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(
            out.stderr.contains("cannot be used with")
                && out.stderr.contains(a)
                && out.stderr.contains(b),
            "{extra:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_difference_of_type_only_is_shown_visibly() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    // Live: VERBOSE: '1' (a string); Git writes the number 1.
    write(
        &tree,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: debug-flags\n  namespace: ml-serving\ndata:\n  VERBOSE: 1\n",
    );
    let out = diff(&[&tree], Path::new(DRIFTED), &["--color", "never"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("git:  1\n"), "{}", out.stdout);
    assert!(out.stdout.contains("live: \"1\"\n"), "{}", out.stdout);
}
