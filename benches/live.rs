//! Live-audit benchmark, run by hand (`cargo bench --bench live`): serves
//! synthetic clusters of 1,000 and 10,000 objects over 100 namespaces from
//! the in-process test server and measures, in the same run, a full
//! `driftctl diff` next to `kubectl get <the same kinds> -A -o json`
//! (wall time and peak RSS through /usr/bin/time). `cargo bench --bench
//! live -- hostile` instead times each hostile-server case once.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use support::server::{ApiServer, Fault, Match, Recording, ml_platform_api};

const RUNS: usize = 5;

/// The release binary cargo built, or `DRIFTCTL_BIN` (e.g. a profiling build).
fn driftctl_bin() -> String {
    std::env::var("DRIFTCTL_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_driftctl").to_string())
}

/// Wall seconds and peak RSS (MiB) of one run, and its exit code.
struct Measure {
    wall: f64,
    rss_mib: f64,
    code: i32,
}

fn measure(program: &str, args: &[String], dir: &Path) -> Measure {
    let times = dir.join("time.txt");
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%e %M")
        .arg("-o")
        .arg(&times)
        .arg(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("/usr/bin/time runs");
    let text = std::fs::read_to_string(&times).unwrap();
    let last = text.lines().last().unwrap_or_default();
    let mut fields = last.split_whitespace();
    let wall: f64 = fields.next().unwrap().parse().unwrap();
    let kib: f64 = fields.next().unwrap().parse().unwrap();
    Measure {
        wall,
        rss_mib: kib / 1024.0,
        code: status.code().unwrap_or(-1),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}

fn scale(namespaces: usize, sets: usize) {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let (recording, declared) = support::scale::build(namespaces, sets, &tree);
    let server = ApiServer::start(recording);
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
    // One kubectl run first: its discovery cache is warm, as on a user's machine.
    let warm = measure("kubectl", &kubectl_args, dir.path());
    assert_eq!(warm.code, 0, "kubectl get failed against the test server");
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..RUNS {
        let d = measure(&driftctl_bin(), &driftctl_args, dir.path());
        assert!(d.code == 0 || d.code == 1, "driftctl exited {}", d.code);
        ours.push(d);
        theirs.push(measure("kubectl", &kubectl_args, dir.path()));
    }
    let d_wall = median(ours.iter().map(|m| m.wall).collect());
    let k_wall = median(theirs.iter().map(|m| m.wall).collect());
    let d_rss = ours.iter().map(|m| m.rss_mib).fold(0.0, f64::max);
    let k_rss = theirs.iter().map(|m| m.rss_mib).fold(0.0, f64::max);
    println!(
        "{declared:>6} desired objects, {namespaces} namespaces: driftctl diff {d_wall:.2}s {d_rss:.0} MiB | \
         kubectl get -A -o json {k_wall:.2}s {k_rss:.0} MiB | wall ratio {:.2}x (median of {RUNS})",
        d_wall / k_wall
    );
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
    // 100 namespaces: 9 objects and the Namespace per set, 1 and 11 sets.
    if !std::env::args().any(|a| a == "10k") {
        scale(100, 1);
    }
    scale(100, 11);
}
