//! `--output prometheus`: OpenMetrics text for the node-exporter textfile
//! collector or a Pushgateway, so alerting can fire on drift that persists.
//! Only gauges, no timestamps: also valid Prometheus text format 0.0.4.

use crate::model::{Category, Report};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::new();

    let mut counts: BTreeMap<(Category, &str, &str), usize> = BTreeMap::new();
    // Oldest write time (seconds) per object and category; findings whose
    // time is not recorded (scale subresource writes, missing objects) are
    // counted apart rather than given a made-up age.
    let mut oldest: BTreeMap<(&str, &str, &str, Category), i64> = BTreeMap::new();
    let mut untimed: BTreeMap<(&str, &str, &str, Category), usize> = BTreeMap::new();
    for f in &report.findings {
        let namespace = f.object.namespace.as_deref().unwrap_or("");
        *counts
            .entry((f.category, namespace, &f.object.kind))
            .or_default() += 1;
        let since = f
            .attribution
            .as_ref()
            .and_then(|a| a.since.as_deref())
            .and_then(|t| t.parse::<jiff::Timestamp>().ok());
        let key = (
            namespace,
            f.object.kind.as_str(),
            f.object.name.as_str(),
            f.category,
        );
        match since {
            Some(since) => {
                let entry = oldest.entry(key).or_insert(since.as_second());
                *entry = (*entry).min(since.as_second());
            }
            None => *untimed.entry(key).or_default() += 1,
        }
    }

    family(
        &mut out,
        "driftctl_findings",
        None,
        "Drift findings of the last audit by category, namespace and kind (ignored findings excluded).",
    );
    for ((category, namespace, kind), n) in &counts {
        sample(
            &mut out,
            "driftctl_findings",
            &[
                ("category", category.as_str()),
                ("namespace", namespace),
                ("kind", kind),
            ],
            &n.to_string(),
        );
    }

    let age = "driftctl_oldest_finding_age_seconds";
    family(
        &mut out,
        age,
        Some("seconds"),
        "Age of the oldest finding of each category on each object, from the time its live value was written (findings without a recorded write time have no series).",
    );
    let now = report.now.as_second();
    for (key, since) in &oldest {
        let value = (now - since).max(0).to_string();
        sample(&mut out, age, &object_labels(key), &value);
    }

    // Their age is unknown: an alert waits on them with `for:` instead.
    let without_time = "driftctl_findings_without_time";
    family(
        &mut out,
        without_time,
        None,
        "Findings with no recorded write time (missing objects, scale subresource writes) per object and category; alert on them with a for: clause.",
    );
    for (key, n) in &untimed {
        sample(&mut out, without_time, &object_labels(key), &n.to_string());
    }

    let scalars: [(&str, Option<&str>, &str, String); 6] = [
        (
            "driftctl_objects_checked",
            None,
            "Desired objects compared with the cluster.",
            report.objects_checked.to_string(),
        ),
        (
            "driftctl_unchecked_objects",
            None,
            "Objects the audit could not check (forbidden, unknown kind, timeout); above 0 the audit is incomplete.",
            report.unchecked.len().to_string(),
        ),
        (
            "driftctl_ignored_findings",
            None,
            "Differences hidden by ignore rules or --min-age.",
            report.ignored.to_string(),
        ),
        (
            "driftctl_audit_complete",
            None,
            "1 when every desired object was checked, else 0.",
            u8::from(report.complete()).to_string(),
        ),
        (
            "driftctl_audit_duration_seconds",
            Some("seconds"),
            "How long the audit took.",
            format!("{:.6}", report.duration.as_secs_f64()),
        ),
        (
            "driftctl_last_success_timestamp_seconds",
            Some("seconds"),
            "When the last audit that produced a report ran (Unix time); errors (exit 2) print no metrics.",
            now.to_string(),
        ),
    ];
    for (name, unit, help, value) in scalars {
        family(&mut out, name, unit, help);
        sample(&mut out, name, &[], &value);
    }
    let info = "driftctl_build_info";
    family(
        &mut out,
        info,
        None,
        "The driftctl version that wrote these metrics.",
    );
    sample(
        &mut out,
        info,
        &[("version", env!("CARGO_PKG_VERSION"))],
        "1",
    );
    out.push_str("# EOF\n");
    out
}

/// Labels of a per-object series.
fn object_labels<'a>(
    (namespace, kind, name, category): &(&'a str, &'a str, &'a str, Category),
) -> [(&'static str, &'a str); 4] {
    [
        ("category", category.as_str()),
        ("namespace", namespace),
        ("kind", kind),
        ("name", name),
    ]
}

fn family(out: &mut String, name: &str, unit: Option<&str>, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape(help));
    let _ = writeln!(out, "# TYPE {name} gauge");
    if let Some(unit) = unit {
        let _ = writeln!(out, "# UNIT {name} {unit}");
    }
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    out.push_str(name);
    if !labels.is_empty() {
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect();
        let _ = write!(out, "{{{}}}", labels.join(","));
    }
    let _ = writeln!(out, " {value}");
}

/// Label values and help text: backslash, double quote and newline escaped,
/// as both exposition formats require.
fn escape(s: &str) -> String {
    s.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), r#"a\"b\\c\nd"#);
    }
}
