//! `driftctl diff` against a cluster, end to end: the real binary talks
//! through the real kube client to the replaying API server
//! (tests/support/server.rs) serving the ml-platform recordings.

mod common;
mod support;

use common::*;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use support::server::{ApiServer, Fault, Match, Recording, ml_platform_api};

fn audit(server: &ApiServer, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let mut args = vec!["--output", "json"];
    args.extend_from_slice(extra);
    driftctl(&demo_live_args(&kubeconfig, &args))
}

fn report(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}): {}\nstderr: {}",
            out.stdout, out.stderr
        )
    })
}

/// The unchecked entries of a report, as (kind, namespace, reason).
fn unchecked(report: &Value) -> Vec<(String, String, String)> {
    report["unchecked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["object"]["kind"].as_str().unwrap_or_default().to_string(),
                u["object"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                u["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn drifted_cluster_gives_exactly_the_expected_findings_and_exit_1() {
    let server = ApiServer::ml_platform("drifted");
    let out = audit(&server, &[]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
    assert_eq!(report(&out)["summary"]["complete"], true);
}

#[test]
fn clean_cluster_gives_no_finding_and_exit_0() {
    let server = ApiServer::ml_platform("clean");
    let out = audit(&server, &[]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    check_findings("clean", &out.stdout, out.code);
    let report = report(&out);
    assert_eq!(report["findings"], json!([]));
    assert_eq!(report["summary"]["complete"], true);
}

#[test]
fn the_live_audit_and_the_snapshot_audit_agree() {
    let server = ApiServer::ml_platform("drifted");
    let live = report(&audit(&server, &[]));
    let snapshot = driftctl(&demo_args("drifted", &["--output", "json"]));
    let snapshot = report(&snapshot);
    assert_eq!(live["findings"], snapshot["findings"]);
}

#[test]
fn a_forbidden_resource_type_is_unchecked_and_exits_3() {
    let server = ApiServer::ml_platform("clean");
    server.fail(Match::EndsWith("/configmaps".into()), Fault::Status(403));
    let out = audit(&server, &[]);
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let report = report(&out);
    assert_eq!(report["summary"]["complete"], false);
    let unchecked = unchecked(&report);
    // The desired ConfigMaps (generated checkout-api config, fraud-detector-config).
    let configmaps: Vec<_> = unchecked.iter().filter(|u| u.0 == "ConfigMap").collect();
    assert!(configmaps.len() >= 2, "{unchecked:?}");
    for (_, _, reason) in &configmaps {
        assert!(reason.contains("403 Forbidden"), "{reason}");
        assert!(reason.contains("configmaps"), "{reason}");
    }
    assert!(
        unchecked.iter().all(|u| u.0 == "ConfigMap"),
        "only ConfigMaps are unchecked: {unchecked:?}"
    );
    assert_eq!(report["findings"], json!([]));
}

#[test]
fn drift_found_beside_a_forbidden_type_still_exits_1() {
    let server = ApiServer::ml_platform("drifted");
    server.fail(Match::EndsWith("/secrets".into()), Fault::Status(403));
    let out = audit(&server, &[]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    let report = report(&out);
    assert_eq!(report["summary"]["complete"], false);
    assert!(unchecked(&report).iter().any(|u| u.0 == "Secret"));
}

#[test]
fn a_body_cut_short_is_retried_then_unchecked_and_exits_3() {
    let server = ApiServer::ml_platform("clean");
    server.fail(Match::EndsWith("/deployments".into()), Fault::CutBody);
    let out = audit(&server, &[]);
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let unchecked = unchecked(&report(&out));
    // The three namespaces, and the cluster-wide search for Flux-tracked orphans.
    assert_eq!(unchecked.len(), 4, "{unchecked:?}");
    for (kind, namespace, reason) in &unchecked {
        assert_eq!(kind, "Deployment");
        assert!(reason.contains("cut short"), "{reason}");
        assert!(reason.contains("tried 4 times"), "{reason}");
        if namespace.is_empty() {
            assert!(reason.starts_with("orphans not checked"), "{reason}");
        }
    }
}

#[test]
fn a_persistent_500_is_retried_then_unchecked_and_exits_3() {
    let server = ApiServer::ml_platform("clean");
    server.fail(
        Match::Exact("/api/v1/namespaces/ml-serving/secrets".into()),
        Fault::Status(500),
    );
    let out = audit(&server, &[]);
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let unchecked = unchecked(&report(&out));
    assert_eq!(unchecked.len(), 1, "{unchecked:?}");
    let (kind, namespace, reason) = &unchecked[0];
    assert_eq!(
        (kind.as_str(), namespace.as_str()),
        ("Secret", "ml-serving")
    );
    assert!(reason.contains("500 Internal Server Error"), "{reason}");
    assert!(reason.contains("tried 4 times"), "{reason}");
    let tries = server
        .gets()
        .iter()
        .filter(|u| u.starts_with("/api/v1/namespaces/ml-serving/secrets?"))
        .count();
    assert_eq!(tries, 4, "one try and three retries");
}

#[test]
fn a_transient_500_is_retried_and_the_audit_is_complete() {
    let server = ApiServer::ml_platform("drifted");
    server.fail_times(
        Match::EndsWith("/deployments".into()),
        Fault::Status(503),
        Some(2),
    );
    let out = audit(&server, &[]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
}

#[test]
fn a_server_that_is_down_gives_exit_2_naming_it_within_the_timeout() {
    let server = ApiServer::ml_platform("clean");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let url = server.url();
    drop(server);
    let started = Instant::now();
    let out = driftctl(&demo_live_args(&kubeconfig, &["--request-timeout", "5s"]));
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(out.stderr.contains(&url), "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot reach the cluster"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "no report: {}", out.stdout);
}

#[test]
fn rejected_credentials_give_exit_2_naming_the_server() {
    let server = ApiServer::ml_platform("clean");
    server.require_token("another-token");
    let out = audit(&server, &[]);
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    assert!(out.stderr.contains(&server.url()), "{}", out.stderr);
    assert!(
        out.stderr.contains("rejected the credentials"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn the_kubeconfig_token_is_sent() {
    let server = ApiServer::ml_platform("clean");
    server.require_token("test-token");
    let out = audit(&server, &[]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
}

#[test]
fn exec_credential_plugins_give_the_token() {
    let server = ApiServer::ml_platform("clean");
    server.require_token("from-exec-plugin");
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("credential-plugin");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"from-exec-plugin\"}}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let user = format!(
        "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {}\n  interactiveMode: Never",
        plugin.display()
    );
    let kubeconfig = server.kubeconfig_with_user(dir.path(), None, &user);
    let out = driftctl(&demo_live_args(&kubeconfig, &["--output", "json"]));
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
}

#[test]
fn kubeconfig_comes_from_the_environment_too() {
    let server = ApiServer::ml_platform("drifted");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let args = demo_diff(&["--output", "json"]);
    let out = driftctl_env(&args, &[("KUBECONFIG", kubeconfig.to_str().unwrap())]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
}

#[test]
fn objects_without_namespace_take_the_context_namespace() {
    let server = ApiServer::ml_platform("clean");
    let dir = tempfile::tempdir().unwrap();
    let tree = status_page_without_namespace(dir.path());
    let run = |kubeconfig: &Path, extra: &[&str]| {
        let mut args = vec![
            "diff".to_string(),
            tree.display().to_string(),
            "--kubeconfig".into(),
            kubeconfig.display().to_string(),
            "--output".into(),
            "json".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        driftctl(&args)
    };
    // The current context's namespace is web: the Deployment is found there.
    let web = server.kubeconfig(dir.path(), Some("web"));
    let out = run(&web, &[]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert!(
        server
            .gets()
            .iter()
            .any(|u| u.starts_with("/apis/apps/v1/namespaces/web/deployments?"))
    );

    // No namespace in the context: `default`, like kubectl; nothing there.
    let plain = server.kubeconfig(dir.path(), None);
    let out = run(&plain, &[]);
    assert_eq!(
        out.code, 1,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let report = report(&out);
    assert_eq!(report["findings"][0]["category"], "missing");
    assert_eq!(report["findings"][0]["object"]["namespace"], "default");

    // --context other (namespace web) and -n web both find it.
    assert_eq!(run(&plain, &["--context", "other"]).code, 0);
    assert_eq!(run(&plain, &["-n", "web"]).code, 0);
}

#[test]
fn an_unknown_context_is_an_error_naming_it() {
    let server = ApiServer::ml_platform("clean");
    let out = audit(&server, &["--context", "nowhere"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nowhere"), "{}", out.stderr);
}

/// The recorded v2 HPA of checkout-api, as the API server serves it in v1.
fn hpa_as_v1(v2: &Value) -> Value {
    let mut items = Vec::new();
    for item in v2["items"].as_array().unwrap() {
        let mut v1 = item.clone();
        let spec = &item["spec"];
        let cpu = spec["metrics"][0]["resource"]["target"]["averageUtilization"].clone();
        v1["spec"] = json!({
            "scaleTargetRef": spec["scaleTargetRef"],
            "minReplicas": spec["minReplicas"],
            "maxReplicas": spec["maxReplicas"],
            "targetCPUUtilizationPercentage": cpu,
        });
        v1["status"] = json!({"currentReplicas": 0, "desiredReplicas": 0});
        items.push(v1);
    }
    json!({"kind": "HorizontalPodAutoscalerList", "apiVersion": "autoscaling/v1",
           "metadata": {"resourceVersion": "1"}, "items": items})
}

fn hpa_tree(dir: &Path, api_version: &str) -> std::path::PathBuf {
    let spec = if api_version == "autoscaling/v1" {
        "  targetCPUUtilizationPercentage: 70\n"
    } else {
        "  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 70\n"
    };
    write(
        dir,
        "tree/hpa.yaml",
        &format!(
            "apiVersion: {api_version}\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: checkout-api\n  namespace: prod\n\
             spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: checkout-api\n  minReplicas: 3\n  maxReplicas: 15\n{spec}"
        ),
    );
    dir.join("tree")
}

#[test]
fn an_hpa_declared_as_autoscaling_v1_is_read_as_v1() {
    let mut recording = Recording::load(&ml_platform_api("clean"));
    let v2 = recording
        .get("/apis/autoscaling/v2/namespaces/prod/horizontalpodautoscalers")
        .unwrap()
        .clone();
    recording.insert(
        "/apis/autoscaling/v1/namespaces/prod/horizontalpodautoscalers",
        hpa_as_v1(&v2),
    );
    let server = ApiServer::start(recording);
    let dir = tempfile::tempdir().unwrap();
    let tree = hpa_tree(dir.path(), "autoscaling/v1");
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let out = diff_tree(&tree, &kubeconfig);
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let gets = server.gets();
    assert!(
        gets.iter().any(
            |u| u.starts_with("/apis/autoscaling/v1/namespaces/prod/horizontalpodautoscalers?")
        ),
        "{gets:?}"
    );
    assert!(
        !gets.iter().any(|u| u.starts_with("/apis/autoscaling/v2/")),
        "never read in the preferred v2: {gets:?}"
    );
}

#[test]
fn a_version_no_longer_served_leaves_the_object_unchecked() {
    let server = ApiServer::ml_platform("clean");
    let dir = tempfile::tempdir().unwrap();
    let tree = hpa_tree(dir.path(), "autoscaling/v2beta2");
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let out = diff_tree(&tree, &kubeconfig);
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let unchecked = unchecked(&report(&out));
    assert_eq!(unchecked.len(), 1, "{unchecked:?}");
    assert_eq!(unchecked[0].0, "HorizontalPodAutoscaler");
    assert!(
        unchecked[0]
            .2
            .contains("no longer serves autoscaling/v2beta2")
            && unchecked[0].2.contains("autoscaling/v2"),
        "{}",
        unchecked[0].2
    );
}

#[test]
fn a_kind_the_cluster_does_not_serve_is_unchecked_not_an_error() {
    let server = ApiServer::ml_platform("clean");
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tree/monitor.yaml",
        "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: checkout-api\n  namespace: prod\nspec:\n  endpoints:\n    - port: http\n",
    );
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let out = diff_json(
        &[
            "fixtures/ml-platform/git/clusters/prod".to_string(),
            dir.path().join("tree").display().to_string(),
        ],
        &kubeconfig,
    );
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    let unchecked = unchecked(&report(&out));
    assert_eq!(unchecked.len(), 1, "{unchecked:?}");
    assert_eq!(unchecked[0].0, "ServiceMonitor");
    assert!(
        unchecked[0].2.contains("monitoring.coreos.com")
            && unchecked[0].2.contains("CustomResourceDefinition"),
        "{}",
        unchecked[0].2
    );
}

#[test]
fn long_lists_are_read_page_by_page() {
    let server = ApiServer::ml_platform("drifted");
    server.max_page(2);
    let out = audit(&server, &[]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
    assert!(
        server.gets().iter().any(|u| u.contains("&continue=")),
        "continue tokens were followed"
    );
}

#[test]
fn one_list_per_resource_and_namespace_and_never_a_get_per_object() {
    let server = ApiServer::ml_platform("drifted");
    let out = audit(&server, &[]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    let gets = server.gets();
    let paths: Vec<&str> = gets.iter().map(|u| u.split('?').next().unwrap()).collect();
    let unique: std::collections::BTreeSet<&str> = paths.iter().copied().collect();
    assert_eq!(unique.len(), paths.len(), "no path asked twice: {paths:?}");
    for path in &paths {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        // /api/v1/namespaces/NS/RES or /apis/G/V/namespaces/NS/RES are lists;
        // one more segment would be a single object.
        let after_namespaces = segments.iter().position(|s| *s == "namespaces");
        if let Some(i) = after_namespaces {
            assert!(segments.len() <= i + 3, "a GET of one object: {path}");
        }
    }
}

#[test]
fn the_progress_bar_stays_off_stdout_and_off_when_not_a_terminal() {
    let server = ApiServer::ml_platform("clean");
    let out = audit(&server, &[]);
    assert_eq!(out.code, 0);
    assert!(
        !out.stderr.contains("reading the cluster"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.trim_start().starts_with('{'));
}

#[test]
fn the_progress_bar_shows_on_a_terminal_unless_quiet() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let server = ApiServer::ml_platform("clean");
    // A slow list keeps the bar on screen long enough to be drawn.
    server.fail(
        Match::EndsWith("/services".into()),
        Fault::Delay(Duration::from_millis(400)),
    );
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let run = |quiet: bool| {
        let mut command = format!(
            "{} diff fixtures/ml-platform/git/clusters/prod --kubeconfig {} --output json > {}",
            env!("CARGO_BIN_EXE_driftctl"),
            kubeconfig.display(),
            dir.path().join("report.json").display()
        );
        if quiet {
            command.push_str(" --quiet");
        }
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(root())
            .env("KUBECACHEDIR", dir.path().join("kube-cache"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let terminal = run(false);
    assert!(terminal.contains("reading the cluster"), "{terminal:?}");
    let report = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    assert!(!report.contains("reading the cluster"), "never on stdout");
    let quiet = run(true);
    assert!(!quiet.contains("reading the cluster"), "{quiet:?}");
}

/// A synthetic cluster over more namespaces than driftctl lists one by one.
fn wide_cluster(dir: &Path) -> (ApiServer, std::path::PathBuf, usize) {
    let tree = dir.join("tree");
    let (recording, declared) = support::scale::build(12, 1, &tree);
    (ApiServer::start(recording), tree, declared)
}

fn diff_tree(tree: &Path, kubeconfig: &Path) -> Output {
    diff_json(&[tree.display().to_string()], kubeconfig)
}

/// `diff PATHS --output json` against the cluster of `kubeconfig`.
fn diff_json(paths: &[String], kubeconfig: &Path) -> Output {
    let mut args = vec!["diff".to_string()];
    args.extend(paths.iter().cloned());
    args.extend(
        [
            "--kubeconfig",
            &kubeconfig.display().to_string(),
            "--output",
            "json",
            "--now",
            NOW,
        ]
        .map(String::from),
    );
    driftctl(&args)
}

/// The image findings of a synthetic cluster: `kubectl set image` changed
/// svc-1 in team-005 (cloned as bench-005).
fn assert_wide_findings(out: &Output) {
    let report = report(out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["category"], "image");
    assert_eq!(findings[0]["object"]["namespace"], "bench-005");
    assert_eq!(findings[0]["object"]["name"], "svc-1");
    assert_eq!(findings[0]["manager"], "kubectl-set");
}

#[test]
fn many_namespaces_are_read_with_one_cluster_wide_list_per_type() {
    let dir = tempfile::tempdir().unwrap();
    let (server, tree, declared) = wide_cluster(dir.path());
    server.max_page(50);
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let out = diff_tree(&tree, &kubeconfig);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert_wide_findings(&out);
    assert_eq!(report(&out)["summary"]["complete"], true);
    assert_eq!(declared, 12 * 10);
    let gets = server.gets();
    assert!(
        !gets.iter().any(|u| u.contains("/namespaces/bench-")),
        "no per-namespace list: {gets:?}"
    );
    let pages = gets
        .iter()
        .filter(|u| u.starts_with("/api/v1/configmaps?"))
        .count();
    assert!(pages > 1, "the cluster-wide list was paginated: {gets:?}");
}

#[test]
fn a_forbidden_cluster_wide_list_falls_back_to_one_list_per_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let (server, tree, _) = wide_cluster(dir.path());
    server.fail(
        Match::Exact("/apis/apps/v1/deployments".into()),
        Fault::Status(403),
    );
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let out = diff_tree(&tree, &kubeconfig);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    assert_wide_findings(&out);
    assert_eq!(report(&out)["summary"]["complete"], true);
    let per_namespace = server
        .gets()
        .iter()
        .filter(|u| u.starts_with("/apis/apps/v1/namespaces/bench-"))
        .count();
    assert_eq!(per_namespace, 12);
}

#[test]
fn the_test_server_reads_selectors_like_the_api_server() {
    use support::server::{LabelSelector, decode};
    let labels: std::collections::BTreeMap<String, String> =
        [("app".to_string(), "web".to_string())]
            .into_iter()
            .collect();
    let yes = [
        "app=web",
        "app==web",
        "app",
        "!team",
        "app in (web,api)",
        "app notin (db)",
    ];
    for s in yes {
        assert!(LabelSelector::parse(s).unwrap().matches(&labels), "{s}");
    }
    let no = [
        "app=api",
        "app!=web",
        "team",
        "!app",
        "app in (db)",
        "app,team",
    ];
    for s in no {
        assert!(!LabelSelector::parse(s).unwrap().matches(&labels), "{s}");
    }
    assert_eq!(decode("a%2Fb%3Dc+d"), "a/b=c d");
}

#[test]
fn a_transient_error_on_first_contact_is_retried() {
    let server = ApiServer::ml_platform("clean");
    server.fail_times(Match::Exact("/apis".into()), Fault::Status(503), Some(1));
    let out = audit(&server, &[]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
}

#[test]
fn secret_values_never_appear_in_a_live_audit() {
    let server = ApiServer::ml_platform("drifted");
    let secrets = secrets_never_shown();
    for extra in [
        &["--output", "json", "--debug"][..],
        &["--output", "text", "--verbose", "--color", "always"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = server.kubeconfig(dir.path(), None);
        let out = driftctl(&demo_live_args(&kubeconfig, extra));
        assert_eq!(out.code, 1, "stderr: {}", out.stderr);
        for secret in &secrets {
            assert!(
                !out.stdout.contains(secret.as_str()),
                "{extra:?} stdout shows {secret}"
            );
            assert!(
                !out.stderr.contains(secret.as_str()),
                "{extra:?} stderr shows {secret}"
            );
        }
    }
}
