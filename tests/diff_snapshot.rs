//! `driftctl diff --live-snapshot`, end to end: the real binary over the
//! ml-platform fixtures recorded from a real cluster, checked the way a user
//! would (the findings checker of tests/common, exit codes, what the report shows).

mod common;

use common::*;

#[test]
fn clean_cluster_reports_no_finding_and_exits_0() {
    let out = driftctl(&demo_args("clean", &["--output", "json"]));
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    check_findings("clean", &out.stdout, out.code);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["summary"]["complete"], true);
}

#[test]
fn drifted_cluster_reports_exactly_the_expected_findings_and_exits_1() {
    let out = driftctl(&demo_args("drifted", &["--output", "json"]));
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
}

#[test]
fn the_findings_checker_names_what_is_missed_and_what_is_unexpected() {
    let out = driftctl(&demo_args("drifted", &["--output", "json"]));
    let mut report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = report["findings"].as_array_mut().unwrap();
    let image = findings
        .iter()
        .position(|f| f["category"] == "image")
        .unwrap();
    findings.remove(image);
    let replicas = findings
        .iter_mut()
        .find(|f| f["category"] == "controller")
        .unwrap();
    replicas["path"] = "spec.replicasX".into();
    let text =
        std::fs::read_to_string(root().join("fixtures/ml-platform/expected/drifted.yaml")).unwrap();
    let expected = driftctl::yaml::from_str(&text, "drifted.yaml").unwrap();
    let problems = problems_of(&expected, &report, Some(0));
    assert_eq!(
        problems,
        [
            "MISSED   controller: Deployment prod/checkout-api spec.replicas (manager kube-controller-manager)",
            "MISSED   image: Deployment ml-serving/fraud-detector spec.template.spec.containers[name=model].image (manager kubectl-set)",
            "UNEXPECTED controller: Deployment prod/checkout-api spec.replicasX (manager kube-controller-manager)",
            "EXIT     expected 1, got 0",
        ]
    );
}

#[test]
fn secret_values_never_appear_in_any_output() {
    let secrets = secrets_never_shown();
    assert!(secrets.len() >= 4);
    for format in ["text", "json", "yaml", "markdown", "prometheus"] {
        let out = driftctl(&demo_args("drifted", &["--output", format, "--verbose"]));
        for secret in &secrets {
            assert!(
                !out.stdout.contains(secret.as_str()),
                "{format} stdout shows {secret}"
            );
            assert!(
                !out.stderr.contains(secret.as_str()),
                "{format} stderr shows {secret}"
            );
        }
    }
}

#[test]
fn text_report_snapshot() {
    let out = driftctl(&demo_args("drifted", &["--color", "never"]));
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("drifted_text", out.stdout);
}

#[test]
fn json_report_snapshot() {
    let out = driftctl(&demo_args("drifted", &["--output", "json"]));
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    insta::assert_json_snapshot!("drifted_json", report);
}

#[test]
fn json_report_follows_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    for state in ["clean", "drifted"] {
        let out = driftctl(&demo_args(state, &["--output", "json"]));
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{state}: {errors:?}");
    }
}

#[test]
fn text_report_says_who_changed_what_and_when() {
    let out = driftctl(&demo_args("drifted", &["--color", "never"]));
    let text = &out.stdout;
    assert!(text.contains("Deployment ml-serving/fraud-detector"));
    assert!(text.contains("spec.template.spec.containers[name=model].image"));
    assert!(text.contains("changed by kubectl-set (Update) 2 days ago"));
    assert!(text.contains("git:  registry.example.com/fraud-detector:v2.0.4"));
    assert!(text.contains("live: registry.example.com/fraud-detector:v2.1"));
    assert!(
        text.contains("kube-controller-manager (Update, scale subresource), time not recorded")
    );
    assert!(text.starts_with(
        "DRIFT (exit 1): 13 findings in 10 objects; failing: 1 image, 1 secret, 1 missing, \
         7 config, 2 orphan; not failing: 1 controller; audit complete\n"
    ));
    assert!(!text.contains('\u{1b}'), "no color when piped");
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let always = driftctl(&demo_args("drifted", &["--color", "always"]));
    assert!(always.stdout.contains("\u{1b}["), "--color always colors");
    let auto = driftctl_env(&demo_args("drifted", &[]), &[("NO_COLOR", "1")]);
    assert!(!auto.stdout.contains('\u{1b}'));
}

#[test]
fn fail_on_chooses_the_failing_categories() {
    // Only status-page: one config finding (a person's kubectl scale).
    let args = |extra: &[&str]| {
        let mut a = vec![
            "diff".to_string(),
            "fixtures/ml-platform/git/apps/status-page".into(),
            "--live-snapshot".into(),
            "fixtures/ml-platform/live/drifted/live.yaml".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    assert_eq!(driftctl(&args(&[])).code, 1);
    assert_eq!(driftctl(&args(&["--fail-on", "image,secret"])).code, 0);
    assert_eq!(driftctl(&args(&["--fail-on", "image,config"])).code, 1);
    // Controller drift fails only when asked to.
    let checkout = driftctl(&demo_args("drifted", &["--fail-on", "controller"]));
    assert_eq!(checkout.code, 1);
    let bad = driftctl(&args(&["--fail-on", "everything"]));
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("everything"), "{}", bad.stderr);
}

#[test]
fn a_version_the_snapshot_does_not_hold_is_unchecked_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hpa.yaml"),
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: checkout-api\n  namespace: prod\n\
         spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: checkout-api}\n  maxReplicas: 15\n",
    )
    .unwrap();
    let out = driftctl(&[
        "diff".into(),
        dir.path().display().to_string(),
        "--live-snapshot".into(),
        "fixtures/ml-platform/live/clean/live.yaml".into(),
        "--output".into(),
        "json".into(),
    ]);
    assert_eq!(out.code, 3, "{}", out.stdout);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["complete"], false);
    assert_eq!(
        report["unchecked"][0]["object"]["kind"],
        "HorizontalPodAutoscaler"
    );
    assert!(
        report["unchecked"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("autoscaling/v2")
    );
}

#[test]
fn namespace_flag_places_objects_that_declare_none() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fraud-detector-config\ndata:\n  THRESHOLD: \"0.70\"\n",
    )
    .unwrap();
    let run = |ns: &str| {
        driftctl(&[
            "diff".into(),
            dir.path().display().to_string(),
            "--live-snapshot".into(),
            "fixtures/ml-platform/live/drifted/live.yaml".into(),
            "-n".into(),
            ns.into(),
            "--output".into(),
            "json".into(),
            "--fail-on".into(),
            "config,missing".into(),
        ])
    };
    // In ml-serving the ConfigMap exists and THRESHOLD matches; in web it is missing.
    assert_eq!(run("ml-serving").code, 0);
    let web = run("web");
    assert_eq!(web.code, 1);
    assert!(web.stdout.contains("\"missing\""));
}
