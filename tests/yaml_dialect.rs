//! YAML as Kubernetes tools read and write it. The recorded `dialect`
//! fixture (octal modes, merge keys, block scalars, CRLF, BOM, quoted look-
//! alikes, applied to a real API server) audits clean and finds exactly the
//! planted drift; the edge-case corpus of fixtures/yaml-edge renders as
//! kubectl and kustomize read it, under this project's reader and under a
//! YAML 1.1 reader; `render` hides Secret values; `-o yaml` reads back as
//! `-o json` in PyYAML.

mod common;

use common::*;
use driftctl::yaml::{self, Dialect};
use serde_json::Value;
use std::process::Command;

fn dialect_diff(case: &str, extra: &[&str]) -> Output {
    let mut args: Vec<String> = [
        "diff",
        "fixtures/dialect/git/app",
        "fixtures/dialect/git/kz",
        "--live-snapshot",
        &format!("fixtures/dialect/live/{case}/live.yaml"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    driftctl(&args)
}

#[test]
fn dialect_clean_has_no_finding_and_drifted_exactly_the_planted_ones() {
    for case in ["clean", "drifted"] {
        let out = dialect_diff(case, &["-o", "json"]);
        check_findings_in("dialect", case, &out.stdout, out.code);
        let text = dialect_diff(case, &[]);
        for secret in ["s3cr3t-dialect-7Hq2", "czNjcjN0LWRpYWxlY3QtN0hxMg"] {
            assert!(!out.stdout.contains(secret) && !text.stdout.contains(secret));
        }
    }
    // The finding Git declares through a merge key has Git's value.
    let out = dialect_diff("drifted", &["-o", "json"]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let tier = findings
        .iter()
        .find(|f| f["path"] == "metadata.labels.tier")
        .unwrap();
    assert_eq!(
        (&tier["change"], &tier["desired"], &tier["live"]),
        (&"changed".into(), &"backend".into(), &"frontend".into())
    );
    let mode = findings
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("defaultMode"))
        .unwrap();
    assert_eq!(
        (&mode["desired"], &mode["live"]),
        (&420.into(), &384.into())
    );
}

fn render(dir: &str) -> String {
    let out = driftctl(&["render".into(), "--show-secrets".into(), dir.into()]);
    assert_eq!(out.code, 0, "render {dir}: {}", out.stderr);
    out.stdout
}

fn documents(text: &str, dialect: Dialect) -> Vec<Value> {
    let mut docs: Vec<Value> = yaml::parse_documents_as(text, "output", dialect)
        .unwrap_or_else(|e| panic!("{e:#}"))
        .into_iter()
        .map(|d| d.value)
        .collect();
    docs.sort_by_key(identity);
    docs
}

fn identity(v: &Value) -> String {
    format!(
        "{} {}/{}",
        v["kind"].as_str().unwrap_or_default(),
        v["metadata"]["namespace"].as_str().unwrap_or_default(),
        v["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// kubectl's reading of the plain directory (`kubectl label --local -o
/// json`, which adds an empty `labels` map where there was none).
fn kubectl_objects(text: &str) -> Vec<Value> {
    let mut docs: Vec<Value> = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .map(|v| {
            let mut v = v.unwrap();
            let metadata = v["metadata"].as_object_mut().unwrap();
            if metadata.get("labels") == Some(&serde_json::json!({})) {
                metadata.remove("labels");
            }
            v
        })
        .collect();
    docs.sort_by_key(identity);
    docs
}

fn assert_same(ours: &[Value], want: &[Value], what: &str) {
    let ids = |v: &[Value]| v.iter().map(identity).collect::<Vec<_>>();
    assert_eq!(ids(ours), ids(want), "{what}: objects");
    for (a, b) in ours.iter().zip(want) {
        assert_eq!(a, b, "{what}: {}", identity(b));
    }
}

const EDGE: &str = "fixtures/yaml-edge";

/// What kubectl (kustomize v5.5.0 inside) prints now, when it is on PATH:
/// the recorded oracle files must still be its answers.
fn oracle(args: &[&str], recorded: &str) -> String {
    let stored = std::fs::read_to_string(root().join(EDGE).join(recorded)).unwrap();
    if skip_without("kubectl", "re-running kubectl as the YAML oracle") {
        return stored;
    }
    let version = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .unwrap();
    if !String::from_utf8_lossy(&version.stdout).contains("Kustomize Version: v5.5.0") {
        eprintln!("skipped: re-running kubectl as the YAML oracle: its kustomize is not v5.5.0");
        return stored;
    }
    let out = Command::new("kubectl")
        .current_dir(root().join(EDGE))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let now = String::from_utf8(out.stdout).unwrap();
    assert_eq!(now, stored, "{recorded} is what kubectl prints");
    now
}

#[test]
fn the_edge_corpus_renders_as_kustomize_reads_it_under_both_readers() {
    let want = oracle(&["kustomize", "kz"], "kz.kustomize-v5.5.0.yaml");
    let ours = render(&format!("{EDGE}/kz"));
    for dialect in [Dialect::Kubectl, Dialect::Yaml11] {
        assert_same(
            &documents(&ours, dialect),
            &documents(&want, dialect),
            &format!("kz, {dialect:?} reader"),
        );
    }
}

#[test]
fn the_edge_corpus_plain_directory_reads_as_kubectl_reads_it_under_both_readers() {
    let want = kubectl_objects(&oracle(
        &["label", "--local", "-R", "-f", "plain", "-o", "json", "zz-"],
        "plain.kubectl-v1.32.json",
    ));
    let ours = render(&format!("{EDGE}/plain"));
    for dialect in [Dialect::Kubectl, Dialect::Yaml11] {
        assert_same(
            &documents(&ours, dialect),
            &want,
            &format!("plain, {dialect:?} reader"),
        );
    }
}

#[test]
fn render_hides_secret_values_unless_asked() {
    let out = driftctl(&["render".into(), format!("{EDGE}/plain")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("s3cr3t-edge-Vb81"), "{}", out.stdout);
    let docs = documents(&out.stdout, Dialect::Kubectl);
    let secret = docs.iter().find(|d| d["kind"] == "Secret").unwrap();
    let data = secret["stringData"].as_object().unwrap();
    assert_eq!(
        data.keys().collect::<Vec<_>>(),
        ["password", "token", "umask"]
    );
    assert!(data.values().all(|v| v == driftctl::HIDDEN_SECRET_VALUE));
    let shown = render(&format!("{EDGE}/plain"));
    assert!(shown.contains("s3cr3t-edge-Vb81"));
}

/// `-o yaml` of `args` read back (by `reader`) equals `-o json`.
fn yaml_report_equals_json(args: &[String]) -> (String, String) {
    let with = |format: &str| {
        let mut a = args.to_vec();
        a.extend(["-o".to_string(), format.to_string()]);
        driftctl(&a)
    };
    let (yaml_out, json_out) = (with("yaml"), with("json"));
    assert_eq!(yaml_out.code, json_out.code);
    let json: Value = serde_json::from_str(&json_out.stdout).unwrap();
    for dialect in [Dialect::Kubectl, Dialect::Yaml11] {
        let back = yaml::parse_documents_as(&yaml_out.stdout, "report", dialect).unwrap();
        assert_eq!(back[0].value, json, "{dialect:?}");
    }
    (yaml_out.stdout, json_out.stdout)
}

fn pyyaml_reads_as_json(yaml_text: &str, json_text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (y, j) = (dir.path().join("r.yaml"), dir.path().join("r.json"));
    std::fs::write(&y, yaml_text).unwrap();
    std::fs::write(&j, json_text).unwrap();
    let out = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml\n\
             a = yaml.safe_load(open(sys.argv[1]))\n\
             b = json.load(open(sys.argv[2]))\n\
             sys.exit(0 if a == b else 1)",
        ])
        .arg(&y)
        .arg(&j)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyYAML reads -o yaml differently from -o json: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn has_pyyaml() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "skipped: reading -o yaml with PyYAML: python3 with the yaml module is not there"
        );
    }
    ok
}

#[test]
fn yaml_reports_read_back_as_the_json_reports() {
    let mut runs = vec![demo_args("drifted", &["--blame"]), demo_args("clean", &[])];
    for case in ["clean", "drifted"] {
        runs.push(
            [
                "diff",
                "fixtures/dialect/git/app",
                "fixtures/dialect/git/kz",
                "--live-snapshot",
                &format!("fixtures/dialect/live/{case}/live.yaml"),
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        );
    }
    let pyyaml = has_pyyaml();
    for args in runs {
        let (yaml_text, json_text) = yaml_report_equals_json(&args);
        if pyyaml {
            pyyaml_reads_as_json(&yaml_text, &json_text);
        }
    }
}

#[test]
fn render_output_reads_the_same_in_pyyaml() {
    if !has_pyyaml() {
        return;
    }
    for dir in [format!("{EDGE}/kz"), format!("{EDGE}/plain")] {
        let text = render(&dir);
        let json = serde_json::to_string(&documents(&text, Dialect::Kubectl)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (y, j) = (dir.path().join("r.yaml"), dir.path().join("r.json"));
        std::fs::write(&y, &text).unwrap();
        std::fs::write(&j, json).unwrap();
        let out = Command::new("python3")
            .args([
                "-c",
                "import json, sys, yaml\n\
                 key = lambda v: '%s %s/%s' % (v['kind'], v['metadata'].get('namespace', ''), v['metadata']['name'])\n\
                 a = sorted(yaml.safe_load_all(open(sys.argv[1])), key=key)\n\
                 b = json.load(open(sys.argv[2]))\n\
                 sys.exit(0 if a == b else 1)",
            ])
            .arg(&y)
            .arg(&j)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
