//! Live-audit benchmark, run by hand (`cargo bench --bench live`): serves
//! synthetic clusters from the in-process test server over TLS (HTTP/2, as
//! kube-apiserver speaks it) and measures, in the same run:
//! - a full `driftctl diff` (wall and CPU time, peak RSS through /usr/bin/time), its
//!   discovery cache warm as after any earlier audit;
//! - the raw-fetch floor: the very LIST requests driftctl made, sent in
//!   parallel (at most `--concurrency` LISTs in flight, the pages of each
//!   one after the other) over one connection, the answers read as bytes
//!   and dropped;
//! - `kubectl get <the same kinds> -A -o json` (warm discovery cache).
//!
//! Sizes: 1,000 desired objects (100 namespaces) and 10,000 (9,000
//! Deployments, Services and ConfigMaps in 1,000 namespaces, and those
//! Namespaces). `-- 10k` runs the large one only, `-- 1k` the small one,
//! `-- no-kubectl` skips kubectl, `-- small` times the ml-platform audit
//! (warm discovery cache and `--no-cache`, connections counted) instead.
//! `cargo bench --bench live -- hostile`
//! instead times each hostile-server case once.

#[path = "../tests/support/mod.rs"]
mod support;

use http_body_util::BodyExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;
use support::server::{ApiServer, Fault, Match, Recording, ml_platform_api};
use support::tls::{self, ClientAuth};

const RUNS: usize = 5;
/// driftctl's default `--concurrency`.
const CONCURRENCY: usize = 16;

/// The release binary cargo built, or `DRIFTCTL_BIN` (e.g. a profiling build).
fn driftctl_bin() -> String {
    std::env::var("DRIFTCTL_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_driftctl").to_string())
}

/// Wall seconds, CPU seconds (user and system) and peak RSS (MiB) of one
/// run, and its exit code. On a shared machine the CPU time moves less
/// from run to run than the wall time.
struct Measure {
    wall: f64,
    cpu: f64,
    rss_mib: f64,
    code: i32,
}

fn measure(program: &str, args: &[String], dir: &Path) -> Measure {
    let times = dir.join("time.txt");
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%e %M %U %S")
        .arg("-o")
        .arg(&times)
        .arg(program)
        .args(args)
        .env("KUBECACHEDIR", dir.join("kube-cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("/usr/bin/time runs");
    let text = std::fs::read_to_string(&times).unwrap();
    let last = text.lines().last().unwrap_or_default();
    let mut fields = last.split_whitespace();
    let wall: f64 = fields.next().unwrap().parse().unwrap();
    let kib: f64 = fields.next().unwrap().parse().unwrap();
    let cpu: f64 = fields.map(|f| f.parse::<f64>().unwrap()).sum();
    Measure {
        wall,
        cpu,
        rss_mib: kib / 1024.0,
        code: status.code().unwrap_or(-1),
    }
}

/// `diff` of the ml-platform demo against the cluster of `kubeconfig`, as
/// JSON, then `extra`.
fn ml_platform_diff(kubeconfig: &Path, extra: &[&str]) -> Vec<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args: Vec<String> = vec![
        "diff".into(),
        format!("{root}/fixtures/ml-platform/git/clusters/prod"),
        format!("{root}/fixtures/ml-platform/git/apps/status-page"),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
        "--output".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}

/// GETs `uris` from `server` as fast as a client can: one TLS connection
/// (HTTP/2), at most [`CONCURRENCY`] requests in flight, bodies counted and
/// dropped as they arrive. Returns the wall seconds and the bytes received.
fn raw_fetch(server: &ApiServer, uris: &[String]) -> (f64, usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(tls::certificate("ca.crt")).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let base = server.url();
    runtime.block_on(async {
        let started = Instant::now();
        let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_only()
            .enable_all_versions()
            .wrap_connector(http);
        let client: hyper_util::client::legacy::Client<_, http_body_util::Empty<bytes::Bytes>> =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(https);
        let get = |uri: String| {
            let client = client.clone();
            let url = format!("{base}{uri}");
            async move {
                let request = http::Request::get(url)
                    .header("authorization", "Bearer test-token")
                    .header("accept", "application/json")
                    .body(http_body_util::Empty::new())
                    .unwrap();
                let response = client.request(request).await.expect("the server answers");
                assert!(
                    response.status().is_success(),
                    "{uri}: {}",
                    response.status()
                );
                let mut body = response.into_body();
                let mut bytes = 0;
                while let Some(frame) = body.frame().await {
                    if let Ok(data) = frame.expect("the body arrives").into_data() {
                        bytes += data.len();
                    }
                }
                bytes
            }
        };
        // One request first: the connection is made once, then shared.
        let mut total = get(uris[0].clone()).await;
        // The pages of one LIST follow each other (each asks for the
        // continue token of the one before); LISTs go in parallel.
        let mut chains: Vec<(String, Vec<String>)> = Vec::new();
        for uri in &uris[1..] {
            let list = uri.split('?').next().unwrap_or(uri).to_string();
            match chains.iter_mut().find(|(l, _)| *l == list) {
                Some((_, pages)) => pages.push(uri.clone()),
                None => chains.push((list, vec![uri.clone()])),
            }
        }
        let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let mut set = tokio::task::JoinSet::new();
        for (_, pages) in chains {
            let limit = limit.clone();
            let fetches: Vec<_> = pages.into_iter().map(&get).collect();
            set.spawn(async move {
                let _permit = limit.acquire().await.unwrap();
                let mut bytes = 0;
                for fetch in fetches {
                    bytes += fetch.await;
                }
                bytes
            });
        }
        while let Some(bytes) = set.join_next().await {
            total += bytes.unwrap();
        }
        (started.elapsed().as_secs_f64(), total)
    })
}

fn scale(namespaces: usize, sets: usize, kubectl: bool) {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let (recording, declared) = support::scale::build(namespaces, sets, &tree);
    let server = ApiServer::start_tls(recording, ClientAuth::None);
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let cache = dir.path().join("kube-cache");
    let driftctl_args: Vec<String> = vec![
        "diff".into(),
        tree.display().to_string(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
        "--output".into(),
        "json".into(),
        "--quiet".into(),
    ];
    // One run first: discovery is cached, as on a user's machine.
    let warm = measure(&driftctl_bin(), &driftctl_args, dir.path());
    assert!(
        warm.code == 0 || warm.code == 1,
        "driftctl exited {}",
        warm.code
    );
    // The LISTs of a warm run are the floor's requests.
    let before = server.gets().len();
    measure(&driftctl_bin(), &driftctl_args, dir.path());
    let lists: Vec<String> = server.gets().into_iter().skip(before).collect();
    assert!(
        lists.iter().all(|u| u.contains("limit=")),
        "a warm run makes LIST requests only: {lists:?}"
    );
    let mut ours = Vec::new();
    let mut floor = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let d = measure(&driftctl_bin(), &driftctl_args, dir.path());
        assert!(d.code == 0 || d.code == 1, "driftctl exited {}", d.code);
        ours.push(d);
        let (wall, received) = raw_fetch(&server, &lists);
        floor.push(wall);
        bytes = received;
    }
    let d_wall = median(ours.iter().map(|m| m.wall).collect());
    let f_wall = median(floor);
    let d_cpu = median(ours.iter().map(|m| m.cpu).collect());
    let d_rss = ours.iter().map(|m| m.rss_mib).fold(0.0, f64::max);
    println!(
        "{declared:>6} desired objects, {namespaces} namespaces, {} LISTs, {:.1} MB of answers:",
        lists.len(),
        bytes as f64 / 1e6
    );
    println!(
        "        driftctl diff {d_wall:.2}s (CPU {d_cpu:.2}s), peak RSS {d_rss:.0} MiB | \
         raw fetch {f_wall:.2}s | ratio {:.2}x (median of {RUNS})",
        d_wall / f_wall
    );
    if !kubectl {
        return;
    }
    let kubectl_args: Vec<String> = vec![
        "get".into(),
        "deployments,services,configmaps,namespaces".into(),
        "-A".into(),
        "-o".into(),
        "json".into(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
        "--cache-dir".into(),
        cache.display().to_string(),
    ];
    let warm = measure("kubectl", &kubectl_args, dir.path());
    assert_eq!(warm.code, 0, "kubectl get failed against the test server");
    let theirs: Vec<Measure> = (0..RUNS)
        .map(|_| measure("kubectl", &kubectl_args, dir.path()))
        .collect();
    let k_wall = median(theirs.iter().map(|m| m.wall).collect());
    let k_cpu = median(theirs.iter().map(|m| m.cpu).collect());
    let k_rss = theirs.iter().map(|m| m.rss_mib).fold(0.0, f64::max);
    println!(
        "        kubectl get -A -o json {k_wall:.2}s (CPU {k_cpu:.2}s), peak RSS {k_rss:.0} MiB | \
         driftctl/kubectl {:.2}x",
        d_wall / k_wall
    );
}

/// The ml-platform demo (17 desired objects) over TLS: wall time with the
/// discovery cache warm and with `--no-cache`, and connections opened.
fn small() {
    let dir = tempfile::tempdir().unwrap();
    let server = ApiServer::start_tls(
        Recording::load(&ml_platform_api("drifted")),
        ClientAuth::None,
    );
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let args = |extra: &[&str]| ml_platform_diff(&kubeconfig, extra);
    for (name, extra) in [
        ("discovery cached", &[][..]),
        ("--no-cache", &["--no-cache"][..]),
    ] {
        measure(&driftctl_bin(), &args(extra), dir.path());
        let (requests, connections) = (server.requests().len(), server.connections());
        let runs: Vec<Measure> = (0..10)
            .map(|_| measure(&driftctl_bin(), &args(extra), dir.path()))
            .collect();
        println!(
            "ml-platform audit, {name:<16} {:.3}s (median of 10), {} requests and {} connections per audit",
            median(runs.iter().map(|m| m.wall).collect()),
            (server.requests().len() - requests) / 10,
            (server.connections() - connections) / 10,
        );
    }
}

/// One hostile-server case: wall time, peak memory, exit code.
fn hostile_case(
    name: &str,
    setup: impl FnOnce(&mut Recording) -> Vec<(Match, Fault)>,
    extra: &[&str],
) {
    let dir = tempfile::tempdir().unwrap();
    let mut recording = Recording::load(&ml_platform_api("clean"));
    let faults = setup(&mut recording);
    let server = ApiServer::start(recording);
    for (m, f) in faults {
        server.fail(m, f);
    }
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let args = ml_platform_diff(&kubeconfig, extra);
    let m = measure(&driftctl_bin(), &args, dir.path());
    println!(
        "{name:<48} exit {}  {:>6.2}s  {:>5.0} MiB",
        m.code, m.wall, m.rss_mib
    );
}

fn hostile() {
    let cm = || Match::EndsWith("/configmaps".into());
    hostile_case(
        "body cut short (configmaps)",
        |_| vec![(cm(), Fault::CutBody)],
        &[],
    );
    hostile_case(
        "malformed JSON (configmaps)",
        |_| {
            vec![(
                cm(),
                Fault::Body(bytes::Bytes::from_static(b"{\"items\": [{\"data\": ")),
            )]
        },
        &[],
    );
    hostile_case(
        "LIST that never ends (configmaps)",
        |_| vec![(cm(), Fault::EndlessContinue)],
        &[],
    );
    hostile_case(
        "accepts, never answers (all), --request-timeout 2s",
        |_| vec![(Match::Any, Fault::Hang)],
        &["--request-timeout", "2s"],
    );
    hostile_case(
        "never answers (configmaps), --request-timeout 1s",
        |_| vec![(cm(), Fault::Hang)],
        &["--request-timeout", "1s"],
    );
    hostile_case(
        "never answers (configmaps), --timeout 3s",
        |_| vec![(cm(), Fault::Hang)],
        &["--timeout", "3s"],
    );
    hostile_case(
        "429 Retry-After: 1, always (configmaps)",
        |_| vec![(cm(), Fault::TooMany(1))],
        &[],
    );
    hostile_case(
        "object of 80 MB (configmaps)",
        |r| {
            let path = "/api/v1/namespaces/prod/configmaps";
            let list = r.get_mut(path).unwrap();
            list["items"][0]["data"]["huge"] = serde_json::Value::String("x".repeat(80 << 20));
            vec![]
        },
        &[],
    );
    hostile_case(
        "object nested 100,000 levels (configmaps)",
        |_| {
            let body = format!(
                "{{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"items\":[{{\"metadata\":{{\"name\":\"x\",\"namespace\":\"prod\"}},\"data\":{}{}}}]}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            );
            vec![(cm(), Fault::Body(bytes::Bytes::from(body)))]
        },
        &[],
    );
    hostile_case(
        "managedFields that do not parse (configmaps)",
        |r| {
            for ns in ["prod", "ml-serving"] {
                let list = r
                    .get_mut(&format!("/api/v1/namespaces/{ns}/configmaps"))
                    .unwrap();
                for item in list["items"].as_array_mut().unwrap() {
                    item["metadata"]["managedFields"] =
                        serde_json::json!([{"manager": 7, "fieldsV1": "not a field set"}]);
                }
            }
            vec![]
        },
        &[],
    );
}

fn main() {
    if std::env::args().any(|a| a == "hostile") {
        hostile();
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let kubectl = !args.iter().any(|a| a == "no-kubectl");
    if args.iter().any(|a| a == "small") {
        small();
        return;
    }
    // 9 objects and the Namespace per namespace.
    if !args.iter().any(|a| a == "10k") {
        scale(100, 1, kubectl);
    }
    if !args.iter().any(|a| a == "1k") {
        scale(1000, 1, kubectl);
    }
}
