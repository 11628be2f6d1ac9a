//! Following apps, run by hand (`cargo bench --bench apps`): a Flux
//! repository of 200 Kustomizations with 10 objects each (a Deployment, a
//! Service, 8 ConfigMaps with a `${region}` each), audited by `driftctl diff`
//! against the in-process test API server serving the matching cluster,
//! next to `kubectl kustomize` run once per app, in the same run (what a
//! user would otherwise script: `flux build` and `kubectl kustomize` render
//! one app per process). `APPS=N` changes the number of apps.

#[path = "../tests/support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;
use support::server::{ApiServer, Recording};

const RUNS: usize = 5;
const NAME_LABEL: &str = "kustomize.toolkit.fluxcd.io/name";
const NAMESPACE_LABEL: &str = "kustomize.toolkit.fluxcd.io/namespace";

fn driftctl_bin() -> String {
    std::env::var("DRIFTCTL_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_driftctl").to_string())
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn kustomization(name: &str, path: &str, post_build: bool) -> Value {
    let mut spec = json!({
        "path": path,
        "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
    });
    if post_build {
        spec["postBuild"] = json!({"substitute": {"region": "eu-west-1"}});
    }
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system"},
        "spec": spec,
    })
}

/// What kustomize-controller leaves in the cluster: the object, its owner
/// labels, and the API server's metadata.
fn live(mut object: Value, app: &str, n: usize) -> Value {
    let metadata = object["metadata"].as_object_mut().unwrap();
    metadata.insert(
        "labels".into(),
        json!({NAME_LABEL: app, NAMESPACE_LABEL: "flux-system"}),
    );
    metadata.insert(
        "uid".into(),
        json!(format!("00000000-0000-0000-0000-{n:012}")),
    );
    metadata.insert("resourceVersion".into(), json!("6408"));
    metadata.insert("creationTimestamp".into(), json!("2026-11-30T10:00:00Z"));
    object
}

fn list(recording: &mut Recording, path: &str, kind: &str, api_version: &str, items: Vec<Value>) {
    recording.insert(
        path,
        json!({"kind": format!("{kind}List"), "apiVersion": api_version,
               "metadata": {"resourceVersion": "6408"}, "items": items}),
    );
}

/// The repository under `repo` and the cluster that matches it.
fn build(apps: usize, repo: &Path) -> Recording {
    let discovery = Recording::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flux-apps/live/clean/api"),
    );
    let mut recording = Recording::default();
    for path in discovery.paths().cloned().collect::<Vec<_>>() {
        if !path.contains("/namespaces/") && discovery.get(&path).unwrap().get("items").is_none() {
            recording.insert(&path, discovery.get(&path).unwrap().clone());
        }
    }
    let git_repository = json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": "flux-system", "namespace": "flux-system"},
        "spec": {"url": "https://git.example.com/fleet.git"},
    });
    let root = kustomization("flux-system", "./clusters/prod", false);
    write(
        &repo.join("clusters/prod/flux-system/sync.yaml"),
        &format!("{git_repository}\n---\n{root}\n"),
    );
    let mut kustomizations = vec![live(root, "flux-system", 0)];
    let mut namespaces = vec![json!({"apiVersion": "v1", "kind": "Namespace",
                                     "metadata": {"name": "flux-system"}})];
    for i in 0..apps {
        let app = format!("app{i}");
        let ns = format!("ns{i}");
        let k = kustomization(&app, &format!("./apps/{app}"), true);
        write(
            &repo.join(format!("clusters/prod/{app}.yaml")),
            &format!("{k}\n"),
        );
        kustomizations.push(live(k, "flux-system", 1_000_000 + i));
        write(
            &repo.join(format!("apps/{app}/kustomization.yaml")),
            &format!("namespace: {ns}\nresources: [objects.yaml]\n"),
        );
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
        });
        let service = json!({
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        });
        let configmap = |c: usize, region: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": format!("config{c}")},
                   "data": {"region": region, "n": c.to_string()}})
        };
        let mut text = format!("{deployment}\n---\n{service}\n");
        for c in 1..=8 {
            text.push_str(&format!("---\n{}\n", configmap(c, "${region}")));
        }
        write(&repo.join(format!("apps/{app}/objects.yaml")), &text);
        let in_ns = |mut o: Value| {
            o["metadata"]["namespace"] = json!(ns);
            o
        };
        let mut made = 0;
        let mut live_of = |o: Value| {
            made += 1;
            live(in_ns(o), &app, i * 100 + made)
        };
        let deployments = vec![live_of(deployment)];
        let services = vec![live_of(service)];
        let configmaps = (1..=8)
            .map(|c| live_of(configmap(c, "eu-west-1")))
            .collect();
        list(
            &mut recording,
            &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
            "Deployment",
            "apps/v1",
            deployments,
        );
        list(
            &mut recording,
            &format!("/api/v1/namespaces/{ns}/services"),
            "Service",
            "v1",
            services,
        );
        list(
            &mut recording,
            &format!("/api/v1/namespaces/{ns}/configmaps"),
            "ConfigMap",
            "v1",
            configmaps,
        );
        // The Deployment's ReplicaSets are read for a person's edits there.
        list(
            &mut recording,
            &format!("/apis/apps/v1/namespaces/{ns}/replicasets"),
            "ReplicaSet",
            "apps/v1",
            Vec::new(),
        );
        namespaces.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
    }
    list(
        &mut recording,
        "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations",
        "Kustomization",
        "kustomize.toolkit.fluxcd.io/v1",
        kustomizations,
    );
    list(
        &mut recording,
        "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories",
        "GitRepository",
        "source.toolkit.fluxcd.io/v1",
        vec![live(git_repository, "flux-system", 0)],
    );
    list(
        &mut recording,
        "/api/v1/namespaces",
        "Namespace",
        "v1",
        namespaces,
    );
    recording
}

fn main() {
    let apps: usize = std::env::var("APPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let server = ApiServer::start(build(apps, &repo));
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let args = [
        "diff".to_string(),
        repo.join("clusters/prod").display().to_string(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
        "--quiet".into(),
    ];
    let run = || {
        let started = Instant::now();
        let out = Command::new(driftctl_bin())
            .args(&args)
            .env("KUBECACHEDIR", dir.path().join("kube-cache"))
            .stderr(Stdio::inherit())
            .output()
            .expect("driftctl runs");
        (started.elapsed().as_secs_f64(), out)
    };
    let (_, first) = run();
    let report = String::from_utf8_lossy(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(0),
        "the synthetic cluster matches Git, but driftctl reported:\n{report}"
    );
    let mut times: Vec<f64> = (0..RUNS).map(|_| run().0).collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let ours = times[RUNS / 2];

    let kubectl = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    println!(
        "{apps} Flux apps x 10 objects, against the test API server: driftctl diff (render, substitute, fetch, audit) {:.0} ms (median of {RUNS})",
        ours * 1000.0
    );
    if !kubectl {
        eprintln!("skipped kubectl kustomize: kubectl is not on PATH");
        return;
    }
    let started = Instant::now();
    for i in 0..apps {
        let status = Command::new("kubectl")
            .arg("kustomize")
            .arg(repo.join(format!("apps/app{i}")))
            .stdout(Stdio::null())
            .status()
            .expect("kubectl runs");
        assert!(status.success(), "kubectl kustomize apps/app{i} failed");
    }
    let theirs = started.elapsed().as_secs_f64();
    println!(
        "kubectl kustomize once per app ({apps} runs, render only): {:.0} ms; driftctl is {:.1}x faster",
        theirs * 1000.0,
        theirs / ours
    );
}
