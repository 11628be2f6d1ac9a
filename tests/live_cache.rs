//! The discovery cache on disk, end to end: a second audit of the same
//! server asks it nothing but LISTs; a cache past its six hours, one that
//! does not know a desired kind, or one that names a type the server no
//! longer serves is refreshed from the server; `--no-cache` neither reads
//! nor writes it.

mod common;
mod support;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use support::server::{ApiServer, Recording, ml_platform_api};

/// The demo against `server` as JSON, with the kube cache directory `cache`.
fn audit(server: &ApiServer, cache: &Path, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let mut args = vec!["--output", "json"];
    args.extend_from_slice(extra);
    driftctl_env(
        &demo_live_args(&kubeconfig, &args),
        &[("KUBECACHEDIR", cache.to_str().unwrap())],
    )
}

/// Discovery GETs among `uris`: `/apis`, `/api`, `/api/v1`, `/apis/G/V`,
/// never a LIST (which names a resource, and asks for `limit`).
fn discovery(uris: &[String]) -> Vec<String> {
    uris.iter()
        .filter(|u| !u.contains('?'))
        .filter(|u| {
            let parts: Vec<&str> = u.trim_start_matches('/').split('/').collect();
            matches!(
                parts.as_slice(),
                ["api"] | ["apis"] | ["api", _] | ["apis", _, _]
            )
        })
        .cloned()
        .collect()
}

/// The GETs the server saw after the first `before`.
fn since(server: &ApiServer, before: usize) -> Vec<String> {
    server.gets().into_iter().skip(before).collect()
}

fn findings(out: &Output) -> Value {
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr));
    report["findings"].clone()
}

/// The cache directory of `server` under the kube cache directory `cache`.
fn server_dir(cache: &Path, server: &ApiServer) -> PathBuf {
    cache
        .join("driftctl-discovery")
        .join(format!("127.0.0.1_{}", server.addr.port()))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_second_audit_makes_no_discovery_request() {
    let server = ApiServer::ml_platform("drifted");
    let cache = tempfile::tempdir().unwrap();
    let first = audit(&server, cache.path(), &[]);
    assert_eq!(first.code, 1, "stderr: {}", first.stderr);
    check_findings("drifted", &first.stdout, first.code);
    let asked = discovery(&server.gets());
    assert!(asked.contains(&"/apis".to_string()), "{asked:?}");
    assert!(asked.contains(&"/apis/apps/v1".to_string()), "{asked:?}");
    let dir = server_dir(cache.path(), &server);
    assert!(dir.join("servergroups.json").is_file());
    assert!(dir.join("apps/v1/serverresources.json").is_file());
    assert!(dir.join("v1/serverresources.json").is_file());

    let before = server.gets().len();
    let second = audit(&server, cache.path(), &[]);
    assert_eq!(second.code, 1, "stderr: {}", second.stderr);
    check_findings("drifted", &second.stdout, second.code);
    assert_eq!(findings(&second), findings(&first));
    let gets = since(&server, before);
    assert_eq!(discovery(&gets), Vec::<String>::new(), "{gets:?}");
    assert!(
        gets.iter().all(|u| u.contains("limit=")),
        "LISTs only: {gets:?}"
    );
}

#[test]
fn a_cache_older_than_six_hours_is_asked_again() {
    let server = ApiServer::ml_platform("clean");
    let cache = tempfile::tempdir().unwrap();
    assert_eq!(audit(&server, cache.path(), &[]).code, 0);
    let seven_hours_ago = SystemTime::now() - Duration::from_secs(7 * 3600);
    let written = files(&server_dir(cache.path(), &server));
    assert!(!written.is_empty());
    for file in &written {
        std::fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_modified(seven_hours_ago)
            .unwrap();
    }
    let before = server.gets().len();
    let out = audit(&server, cache.path(), &[]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    check_findings("clean", &out.stdout, out.code);
    let asked = discovery(&since(&server, before));
    assert!(asked.contains(&"/apis".to_string()), "{asked:?}");
    assert!(asked.contains(&"/apis/apps/v1".to_string()), "{asked:?}");
    // Written anew: fresh for the next six hours.
    let modified = std::fs::metadata(server_dir(cache.path(), &server).join("servergroups.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert!(modified > seven_hours_ago + Duration::from_secs(3600));
}

/// A ServiceMonitor in `prod` (a custom resource of monitoring.coreos.com).
fn service_monitor_tree(dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("monitor.yaml"),
        "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: checkout-api\n  namespace: prod\nspec:\n  endpoints:\n    - port: http\n",
    )
    .unwrap();
    tree
}

const MONITORING_RESOURCES: &str = r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"monitoring.coreos.com/v1","resources":[{"name":"servicemonitors","singularName":"servicemonitor","namespaced":true,"kind":"ServiceMonitor","verbs":["get","list","watch"]}]}"#;

/// The clean ml-platform recording with the ServiceMonitor CRD installed
/// and the ServiceMonitor of [`service_monitor_tree`] live, as applied.
fn with_service_monitor() -> Recording {
    let mut recording = Recording::load(&ml_platform_api("clean"));
    let apis = recording.get_mut("/apis").unwrap();
    apis["groups"].as_array_mut().unwrap().push(json!({
        "name": "monitoring.coreos.com",
        "versions": [{"groupVersion": "monitoring.coreos.com/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "monitoring.coreos.com/v1", "version": "v1"}
    }));
    recording.insert(
        "/apis/monitoring.coreos.com/v1",
        serde_json::from_str(MONITORING_RESOURCES).unwrap(),
    );
    recording.insert(
        "/apis/monitoring.coreos.com/v1/namespaces/prod/servicemonitors",
        json!({"kind": "ServiceMonitorList", "apiVersion": "monitoring.coreos.com/v1",
               "metadata": {"resourceVersion": "7000"},
               "items": [{"metadata": {"name": "checkout-api", "namespace": "prod",
                   "managedFields": [{"manager": "kustomize-controller", "operation": "Apply",
                       "apiVersion": "monitoring.coreos.com/v1", "time": "2026-11-22T10:00:00Z",
                       "fieldsType": "FieldsV1",
                       "fieldsV1": {"f:spec": {"f:endpoints": {}}}}]},
                   "spec": {"endpoints": [{"port": "http"}]}}]}),
    );
    recording
}

fn diff_with_tree(server: &ApiServer, tree: &Path, cache: &Path, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let mut args: Vec<String> = [
        "diff",
        "fixtures/ml-platform/git/clusters/prod",
        tree.to_str().unwrap(),
        "--now",
        NOW,
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--output",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    driftctl_env(&args, &[("KUBECACHEDIR", cache.to_str().unwrap())])
}

fn unchecked_kinds(out: &Output) -> Vec<(String, String)> {
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr));
    report["unchecked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["object"]["kind"].as_str().unwrap_or_default().to_string(),
                u["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_kind_the_cache_does_not_know_is_asked_of_the_server() {
    // The cache was written before the CRD was installed.
    let server = ApiServer::start(with_service_monitor());
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let tree = service_monitor_tree(dir.path());
    let first = diff_with_tree(&server, &tree, &cache, &[]);
    assert_eq!(first.code, 0, "stderr: {}", first.stderr);
    let server_cache = server_dir(&cache, &server);
    let without_crd = Recording::load(&ml_platform_api("clean"));
    std::fs::write(
        server_cache.join("servergroups.json"),
        serde_json::to_vec(without_crd.get("/apis").unwrap()).unwrap(),
    )
    .unwrap();
    std::fs::remove_dir_all(server_cache.join("monitoring.coreos.com")).unwrap();

    let before = server.gets().len();
    let out = diff_with_tree(&server, &tree, &cache, &[]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    assert_eq!(
        unchecked_kinds(&out),
        vec![],
        "the ServiceMonitor is checked"
    );
    let asked = discovery(&since(&server, before));
    assert!(asked.contains(&"/apis".to_string()), "{asked:?}");
    assert!(
        asked.contains(&"/apis/monitoring.coreos.com/v1".to_string()),
        "{asked:?}"
    );
    assert!(
        server_cache
            .join("monitoring.coreos.com/v1/serverresources.json")
            .is_file()
    );
}

#[test]
fn a_type_the_cache_lists_but_the_server_no_longer_serves_is_unchecked_as_without_cache() {
    // The cache was written while the CRD was installed; it has gone since.
    let server = ApiServer::ml_platform("clean");
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let tree = service_monitor_tree(dir.path());
    let uncached = diff_with_tree(&server, &tree, &cache, &["--no-cache"]);
    assert_eq!(uncached.code, 3, "stderr: {}", uncached.stderr);

    let primed = diff_with_tree(&server, &tree, &cache, &[]);
    assert_eq!(primed.code, 3, "stderr: {}", primed.stderr);
    let server_cache = server_dir(&cache, &server);
    let groups = server_cache.join("servergroups.json");
    let mut apis: Value = serde_json::from_slice(&std::fs::read(&groups).unwrap()).unwrap();
    apis["groups"].as_array_mut().unwrap().push(json!({
        "name": "monitoring.coreos.com",
        "versions": [{"groupVersion": "monitoring.coreos.com/v1", "version": "v1"}]
    }));
    std::fs::write(&groups, serde_json::to_vec(&apis).unwrap()).unwrap();
    let resources = server_cache.join("monitoring.coreos.com/v1");
    std::fs::create_dir_all(&resources).unwrap();
    std::fs::write(resources.join("serverresources.json"), MONITORING_RESOURCES).unwrap();

    let before = server.gets().len();
    let out = diff_with_tree(&server, &tree, &cache, &[]);
    assert_eq!(out.code, 3, "stderr: {}", out.stderr);
    assert_eq!(unchecked_kinds(&out), unchecked_kinds(&uncached));
    assert_eq!(findings(&out), findings(&uncached));
    let gets = since(&server, before);
    assert!(
        gets.iter().any(
            |u| u.starts_with("/apis/monitoring.coreos.com/v1/namespaces/prod/servicemonitors")
        ),
        "the cached type was listed: {gets:?}"
    );
    assert!(discovery(&gets).contains(&"/apis".to_string()), "{gets:?}");
    // The next audit does not list it again.
    let before = server.gets().len();
    let again = diff_with_tree(&server, &tree, &cache, &[]);
    assert_eq!(unchecked_kinds(&again), unchecked_kinds(&uncached));
    assert!(
        !since(&server, before)
            .iter()
            .any(|u| u.contains("monitoring.coreos.com")),
        "the cache forgot the type"
    );
}

#[test]
fn no_cache_neither_reads_nor_writes_the_cache() {
    let server = ApiServer::ml_platform("clean");
    let cache = tempfile::tempdir().unwrap();
    let out = audit(&server, cache.path(), &["--no-cache"]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    check_findings("clean", &out.stdout, out.code);
    assert_eq!(files(cache.path()), Vec::<PathBuf>::new());

    assert_eq!(audit(&server, cache.path(), &[]).code, 0);
    let before = server.gets().len();
    let out = audit(&server, cache.path(), &["--no-cache"]);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let asked = discovery(&since(&server, before));
    assert!(asked.contains(&"/apis".to_string()), "{asked:?}");
}

#[test]
fn a_cache_that_does_not_parse_is_asked_again() {
    let server = ApiServer::ml_platform("drifted");
    let cache = tempfile::tempdir().unwrap();
    assert_eq!(audit(&server, cache.path(), &[]).code, 1);
    for file in files(&server_dir(cache.path(), &server)) {
        std::fs::write(&file, b"{\"groups\": [").unwrap();
    }
    let before = server.gets().len();
    let out = audit(&server, cache.path(), &[]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
    assert!(discovery(&since(&server, before)).contains(&"/apis".to_string()));
}

#[test]
fn a_cached_server_that_is_down_exits_2_naming_it() {
    let server = ApiServer::ml_platform("clean");
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let args = demo_live_args(&kubeconfig, &["--output", "json"]);
    let env = [("KUBECACHEDIR", cache.to_str().unwrap())];
    assert_eq!(driftctl_env(&args, &env).code, 0);
    let url = server.url();
    drop(server);
    let started = std::time::Instant::now();
    let out = driftctl_env(&args, &env);
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.is_empty(), "no report: {}", out.stdout);
    assert!(
        out.stderr
            .contains(&format!("cannot reach the cluster at {url}")),
        "{}",
        out.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}
