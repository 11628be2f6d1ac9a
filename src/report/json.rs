//! `--output json`: the versioned contract of DESIGN.md, documented by
//! docs/report.schema.json.

use crate::model::{Category, Finding, Report};
use serde_json::{Map, Value, json};

pub const SCHEMA_VERSION: u64 = 1;

/// The report as one JSON value.
/// The report as one JSON value; `show_ignored` adds the hidden findings
/// with the rule that hid each.
pub fn to_value(report: &Report, show_ignored: bool) -> Value {
    let mut summary = Map::new();
    for category in Category::ALL {
        summary.insert(category.as_str().into(), json!(report.count(category)));
    }
    summary.insert("ignored".into(), json!(report.ignored));
    summary.insert("delegated".into(), json!(report.delegated));
    summary.insert("unmanaged".into(), json!(report.unmanaged.len()));
    summary.insert("unchecked".into(), json!(report.unchecked.len()));
    summary.insert("complete".into(), json!(report.complete()));
    let mut out = json!({
        "schemaVersion": SCHEMA_VERSION,
        "summary": summary,
        "findings": report.findings.iter().map(|f| {
            let mut out = finding(f);
            if let Some(app) = report.app_of(&f.object) {
                out["app"] = json!(app);
            }
            if let Some(group) = report.tracking_groups.get(&f.object.identity()) {
                let mut labels = Map::new();
                labels.insert(group.label.clone(), json!(group.value));
                if let Some((key, ns)) = &group.namespace {
                    labels.insert(key.clone(), json!(ns));
                }
                out["trackingGroup"] = json!({
                    "name": group.to_string(),
                    "labels": labels,
                    "outsidePaths": true,
                });
            }
            out
        }).collect::<Vec<_>>(),
        "unchecked": report.unchecked.iter().map(|u| {
            let mut out = json!({
                "object": u.object,
                "reason": u.reason,
            });
            if let Some(app) = report.app_of(&u.object) {
                out["app"] = json!(app);
            }
            out
        }).collect::<Vec<_>>(),
        "unmanaged": report.unmanaged.iter().map(|u| json!({
            "object": u.object,
            "reason": u.reason,
        })).collect::<Vec<_>>(),
    });
    if show_ignored {
        out["ignoredFindings"] = report
            .ignored_findings
            .iter()
            .map(|i| {
                let mut f = finding(&i.finding);
                f["rule"] = json!(i.rule);
                f
            })
            .collect();
    }
    out
}

pub fn finding(f: &Finding) -> Value {
    let mut out = Map::new();
    out.insert("category".into(), json!(f.category));
    out.insert("object".into(), json!(f.object));
    out.insert("path".into(), json!(f.path));
    out.insert("change".into(), json!(f.change));
    // Secret findings never carry values; classify already dropped them,
    // and this keeps it so whatever a future change does upstream.
    if f.category != Category::Secret {
        if let Some(v) = &f.desired {
            out.insert("desired".into(), v.clone());
        }
        if let Some(v) = &f.live {
            out.insert("live".into(), v.clone());
        }
    }
    let a = f.attribution.as_ref();
    out.insert("manager".into(), json!(a.map(|a| &a.manager)));
    out.insert(
        "operation".into(),
        json!(a.and_then(|a| a.operation.as_ref())),
    );
    out.insert("since".into(), json!(a.and_then(|a| a.since.as_ref())));
    if let Some(sub) = a.and_then(|a| a.subresource.as_ref()) {
        out.insert("subresource".into(), json!(sub));
    }
    if let Some(source) = &f.source {
        out.insert("source".into(), json!(source));
    }
    if let Some(reason) = f.reason {
        out.insert("reason".into(), json!(reason));
    }
    if let Some(owner) = &f.owner {
        out.insert("owner".into(), json!(owner));
    }
    Value::Object(out)
}

pub fn render(report: &Report, show_ignored: bool) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(report, show_ignored))
        .expect("JSON values serialize");
    text.push('\n');
    text
}
