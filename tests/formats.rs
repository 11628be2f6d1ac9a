//! The report formats for other tools: Markdown for pull requests and
//! tickets, OpenMetrics for alerting, YAML for people who read YAML. Each
//! over the ml-platform fixtures, checked as its reader would check it.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

fn json_report(state: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--output", "json"];
    args.extend_from_slice(extra);
    let out = driftctl(&demo_args(state, &args));
    serde_json::from_str(&out.stdout).unwrap()
}

/// A desired HPA in a version the clean snapshot does not hold: an audit
/// that cannot check it (exit 3).
fn incomplete_args(format: &str) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hpa.yaml",
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: checkout-api\n  namespace: prod\n\
         spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: checkout-api}\n  maxReplicas: 15\n",
    );
    let args = vec![
        "diff".into(),
        dir.path().display().to_string(),
        "--live-snapshot".into(),
        "fixtures/ml-platform/live/clean/live.yaml".into(),
        "--output".into(),
        format.into(),
    ];
    (dir, args)
}

#[test]
fn markdown_report_snapshot() {
    let out = driftctl(&demo_args("drifted", &["--output", "markdown"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("drifted_markdown", out.stdout);
}

#[test]
fn markdown_has_a_summary_table_and_one_closed_section_per_object() {
    let out = driftctl(&demo_args("drifted", &["--output", "markdown"]));
    let md = &out.stdout;
    let report = json_report("drifted", &[]);
    // The table counts what the JSON summary counts.
    for category in [
        "image",
        "config",
        "secret",
        "missing",
        "orphan",
        "controller",
    ] {
        let row = format!("| {category} | {} |", report["summary"][category]);
        assert!(md.contains(&row), "no row {row:?} in:\n{md}");
    }
    // One <details> per object with findings, each closed, balanced, with
    // a blank line after </summary> (else GitHub shows Markdown raw).
    let mut objects: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let o = &f["object"];
            match o["namespace"].as_str() {
                Some(ns) => format!(
                    "{} {ns}/{}",
                    o["kind"].as_str().unwrap(),
                    o["name"].as_str().unwrap()
                ),
                None => format!(
                    "{} {}",
                    o["kind"].as_str().unwrap(),
                    o["name"].as_str().unwrap()
                ),
            }
        })
        .collect();
    objects.dedup();
    assert_eq!(md.matches("<details>").count(), objects.len());
    assert_eq!(md.matches("</details>").count(), objects.len());
    assert_eq!(md.matches("</summary>\n\n").count(), objects.len());
    for object in &objects {
        assert!(
            md.contains(&format!("<summary><b>{object}</b>")),
            "no section for {object}"
        );
    }
    // Fences open and close in pairs, and diffs say which side is which.
    assert_eq!(
        md.matches("```diff\n").count() * 2,
        md.matches("```").count()
    );
    assert!(md.contains(
        "- registry.example.com/fraud-detector:v2.1\n+ registry.example.com/fraud-detector:v2.0.4\n"
    ));
    // Secrets: key and fact of change, never a value.
    assert!(md.contains("**secret** `data.password`"));
    assert!(md.contains("*value differs (Secret values are never shown)*"));
    for secret in secrets_never_shown() {
        assert!(!md.contains(&secret), "markdown shows {secret}");
    }
}

#[test]
fn markdown_of_a_clean_cluster_says_no_drift() {
    let out = driftctl(&demo_args("clean", &["--output", "markdown"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("### driftctl: no drift, 17 objects match Git"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Audit complete"));
    assert!(!out.stdout.contains("<details>"));
}

#[test]
fn markdown_of_an_incomplete_audit_says_so_first_and_lists_what_was_not_checked() {
    let (_dir, args) = incomplete_args("markdown");
    let out = driftctl(&args);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let md = &out.stdout;
    assert!(
        md.contains("> **Audit incomplete:** 1 object not checked"),
        "{md}"
    );
    assert!(md.contains("#### Not checked (1)\n\n- `HorizontalPodAutoscaler prod/checkout-api`: "));
    assert!(md.contains("Audit INCOMPLETE"));
}

#[test]
fn markdown_lists_ignored_findings_with_their_rule_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "rules.yaml",
        "ignore:\n  - kind: Deployment\n    paths: [\"spec.template.spec.containers[*].image\"]\n",
    );
    let out = driftctl(&demo_args(
        "drifted",
        &[
            "--output",
            "markdown",
            "--config",
            config.to_str().unwrap(),
            "--show-ignored",
        ],
    ));
    assert!(
        out.stdout.contains("1 hidden by ignore rules"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("<summary>Ignored (1)</summary>"));
    assert!(out.stdout.contains(
        "- **image** `Deployment ml-serving/fraud-detector` `spec.template.spec.containers[name=model].image`: hidden by "
    ));
}

#[test]
fn yaml_report_holds_the_same_content_as_json() {
    for (state, extra) in [
        ("drifted", &[][..]),
        ("clean", &[][..]),
        ("drifted", &["--show-ignored", "--blame"][..]),
    ] {
        let mut args = vec!["--output", "yaml"];
        args.extend_from_slice(extra);
        let out = driftctl(&demo_args(state, &args));
        let from_yaml: Value = driftctl::yaml::from_str(&out.stdout, "report").unwrap();
        assert_eq!(from_yaml, json_report(state, extra), "{state} {extra:?}");
    }
    // Same exit codes as JSON too.
    let (_dir, args) = incomplete_args("yaml");
    let out = driftctl(&args);
    assert_eq!(out.code, 3);
    let report: Value = driftctl::yaml::from_str(&out.stdout, "report").unwrap();
    assert_eq!(report["summary"]["complete"], false);
}

/// One parsed sample: metric name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses exposition text strictly as OpenMetrics (the grammar both
/// Prometheus and the node-exporter textfile collector accept): `# HELP`,
/// `# TYPE`, `# UNIT` before a family's samples, families not interleaved,
/// metric and label names by the grammar, label values quoted with `\\`,
/// `\"` and `\n` escapes, float values, no series twice, `# EOF` last.
/// Returns the samples and each family's (type, unit); fails the test with
/// the offending line.
fn parse_metrics(text: &str) -> (Vec<Sample>, BTreeMap<String, (String, String)>) {
    let name_ok = |n: &str| {
        let mut chars = n.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let fail = |number: usize, line: &str, why: &str| -> ! {
        panic!("metrics line {}: {why}: {line:?}\n{text}", number + 1)
    };
    assert!(text.ends_with("# EOF\n"), "no final `# EOF`:\n{text}");
    let mut families: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut finished: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    let mut samples: Vec<Sample> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (number, line) in lines.iter().enumerate() {
        let line = *line;
        if line == "# EOF" {
            if number + 1 != lines.len() {
                fail(number, line, "`# EOF` before the end");
            }
            break;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let keyword = parts.next().unwrap_or_default();
            let family = parts.next().unwrap_or_default().to_string();
            let arg = parts.next().unwrap_or_default().to_string();
            if !name_ok(&family) {
                fail(number, line, "bad family name");
            }
            if current.as_ref() != Some(&family) {
                if finished.contains(&family) {
                    fail(number, line, "family interleaved with another");
                }
                finished.extend(current.take());
                current = Some(family.clone());
            }
            let entry = families.entry(family.clone()).or_default();
            match keyword {
                "HELP" => {}
                "TYPE" if entry.0.is_empty() => {
                    let known = [
                        "gauge",
                        "counter",
                        "histogram",
                        "summary",
                        "info",
                        "stateset",
                        "gaugehistogram",
                        "unknown",
                    ];
                    if !known.contains(&arg.as_str()) {
                        fail(number, line, "unknown metric type");
                    }
                    entry.0 = arg;
                }
                "UNIT" if entry.1.is_empty() => {
                    if !family.ends_with(&format!("_{arg}")) {
                        fail(number, line, "the family name does not end in its unit");
                    }
                    entry.1 = arg;
                }
                _ => fail(number, line, "unknown or repeated metadata"),
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| fail(number, line, "no value"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| fail(number, line, "value is not a number"));
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| fail(number, line, "unclosed label set"));
                (
                    name,
                    parse_labels(body).unwrap_or_else(|why| fail(number, line, &why)),
                )
            }
        };
        if !name_ok(name) {
            fail(number, line, "bad metric name");
        }
        if current.as_deref() != Some(name) || families[name].0.is_empty() {
            fail(
                number,
                line,
                "sample outside its family or before its `# TYPE`",
            );
        }
        if samples.iter().any(|(n, l, _)| n == name && *l == labels) {
            fail(number, line, "series given twice");
        }
        samples.push((name.to_string(), labels, value));
    }
    (samples, families)
}

/// `a="x",b="y\"z"` into its pairs.
fn parse_labels(body: &str) -> Result<BTreeMap<String, String>, String> {
    let mut labels = BTreeMap::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"").ok_or("label without =\"")?;
        let ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(format!("bad label name {name:?}"));
        }
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    _ => return Err("bad escape in label value".into()),
                },
                Some((_, c)) => value.push(c),
            }
        };
        if labels.insert(name.to_string(), value).is_some() {
            return Err(format!("label {name} given twice"));
        }
        rest = &after[end + 1..];
        rest = match rest.strip_prefix(',') {
            Some(r) if !r.is_empty() => r,
            None if rest.is_empty() => rest,
            _ => return Err("expected `,` between labels".into()),
        };
    }
    Ok(labels)
}

#[test]
fn the_metrics_parser_rejects_what_prometheus_rejects() {
    let ok =
        "# TYPE a_seconds gauge\n# UNIT a_seconds seconds\na_seconds{x=\"q\\\"\\n\"} 1.5\n# EOF\n";
    let (samples, _) = parse_metrics(ok);
    assert_eq!(samples[0].1["x"], "q\"\n");
    for bad in [
        "a 1\n# EOF\n",
        "# TYPE a gauge\na 1\n",
        "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n# EOF\n",
        "# TYPE a gauge\na{x=1} 1\n# EOF\n",
        "# TYPE a gauge\na one\n# EOF\n",
        "# TYPE a gauge\n# UNIT a seconds\na 1\n# EOF\n",
        "# TYPE a gauge\n# TYPE b gauge\n# HELP a late\n# EOF\n",
    ] {
        let text = bad.to_string();
        let result = std::panic::catch_unwind(move || parse_metrics(&text));
        assert!(result.is_err(), "accepted: {bad:?}");
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn value(samples: &[Sample], name: &str, wanted: &BTreeMap<String, String>) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| n == name && l == wanted)
        .map(|(_, _, v)| *v)
}

#[test]
fn prometheus_output_is_valid_openmetrics_with_the_audits_numbers() {
    let out = driftctl(&demo_args("drifted", &["--output", "prometheus"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.ends_with("# EOF\n"));
    let (samples, families) = parse_metrics(&out.stdout);
    for (name, (kind, _)) in &families {
        assert_eq!(kind, "gauge", "{name}");
    }
    assert_eq!(families["driftctl_audit_duration_seconds"].1, "seconds");

    // Findings by category, namespace and kind add up to the JSON summary.
    let report = json_report("drifted", &[]);
    let mut by_category: BTreeMap<String, f64> = BTreeMap::new();
    for (name, l, v) in &samples {
        if name == "driftctl_findings" {
            assert_eq!(l.len(), 3, "{l:?}");
            *by_category.entry(l["category"].clone()).or_default() += v;
        }
    }
    for (category, n) in &by_category {
        assert_eq!(
            *n,
            report["summary"][category].as_f64().unwrap(),
            "{category}"
        );
    }
    assert_eq!(by_category.values().sum::<f64>(), 13.0);
    assert_eq!(
        value(
            &samples,
            "driftctl_findings",
            &labels(&[
                ("category", "config"),
                ("namespace", "prod"),
                ("kind", "Deployment")
            ])
        ),
        Some(3.0)
    );
    // Cluster-scoped objects have an empty namespace.
    assert_eq!(
        value(
            &samples,
            "driftctl_findings",
            &labels(&[
                ("category", "config"),
                ("namespace", ""),
                ("kind", "ClusterRole")
            ])
        ),
        Some(1.0)
    );

    // The image was set by kubectl-set at 2026-11-22T15:18:57Z; --now is
    // 2026-11-25T12:00:00Z: 2 days 20:41:03.
    let per_object = |metric: &str, category: &str, namespace: &str, kind: &str, name: &str| {
        value(
            &samples,
            metric,
            &labels(&[
                ("category", category),
                ("namespace", namespace),
                ("kind", kind),
                ("name", name),
            ]),
        )
    };
    let age = |c: &str, ns: &str, k: &str, n: &str| {
        per_object("driftctl_oldest_finding_age_seconds", c, ns, k, n)
    };
    let untimed = |c: &str, ns: &str, k: &str, n: &str| {
        per_object("driftctl_findings_without_time", c, ns, k, n)
    };
    assert_eq!(
        age("image", "ml-serving", "Deployment", "fraud-detector"),
        Some(247_263.0)
    );
    // The scale subresource records no time, nor does a missing object:
    // no age rather than a made-up one, counted apart for `for:` alerts.
    assert_eq!(
        age("controller", "prod", "Deployment", "checkout-api"),
        None
    );
    assert_eq!(age("config", "web", "Deployment", "status-page"), None);
    assert_eq!(
        untimed("config", "web", "Deployment", "status-page"),
        Some(1.0)
    );
    assert_eq!(
        untimed(
            "missing",
            "ml-serving",
            "NetworkPolicy",
            "fraud-detector-ingress"
        ),
        Some(1.0)
    );
    assert_eq!(
        untimed("image", "ml-serving", "Deployment", "fraud-detector"),
        None
    );

    let none = BTreeMap::new();
    assert_eq!(
        value(&samples, "driftctl_unchecked_objects", &none),
        Some(0.0)
    );
    assert_eq!(value(&samples, "driftctl_audit_complete", &none), Some(1.0));
    assert_eq!(
        value(&samples, "driftctl_objects_checked", &none),
        Some(17.0)
    );
    assert_eq!(
        value(&samples, "driftctl_last_success_timestamp_seconds", &none),
        Some(1_795_608_000.0) // 2026-11-25T12:00:00Z
    );
    let duration = value(&samples, "driftctl_audit_duration_seconds", &none).unwrap();
    assert!(duration > 0.0 && duration < 60.0, "{duration}");
}

#[test]
fn prometheus_output_of_an_incomplete_audit_counts_the_unchecked() {
    let (_dir, args) = incomplete_args("prometheus");
    let out = driftctl(&args);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let (samples, _) = parse_metrics(&out.stdout);
    let none = BTreeMap::new();
    assert_eq!(
        value(&samples, "driftctl_unchecked_objects", &none),
        Some(1.0)
    );
    assert_eq!(value(&samples, "driftctl_audit_complete", &none), Some(0.0));
    assert!(!samples.iter().any(|(n, _, _)| n == "driftctl_findings"));
}

#[test]
fn an_audit_that_fails_prints_no_metrics() {
    // A textfile collector keeps the last good file only if a failed run
    // writes nothing to stdout.
    let out = driftctl(&[
        "diff".into(),
        "fixtures/ml-platform/git/clusters/prod".into(),
        "--live-snapshot".into(),
        "does-not-exist.yaml".into(),
        "--output".into(),
        "prometheus".into(),
    ]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
}
