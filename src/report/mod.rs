//! Renderers: one per output format, each over the same [`Report`]. No
//! renderer recomputes a verdict, and none ever prints a Secret value (the
//! findings carry none).

pub mod json;
pub mod markdown;
pub mod prometheus;
pub mod text;
pub mod yaml;

use crate::model::{
    Attribution, Category, Change, Finding, ObjectRef, Reason, Report, SourceLocation,
};
use serde_json::Value;

/// Findings grouped by object, in report order.
pub fn by_object(report: &Report) -> Vec<(&ObjectRef, Vec<&Finding>)> {
    let mut groups: Vec<(&ObjectRef, Vec<&Finding>)> = Vec::new();
    for finding in &report.findings {
        match groups.iter_mut().find(|(o, _)| **o == finding.object) {
            Some((_, list)) => list.push(finding),
            None => groups.push((&finding.object, vec![finding])),
        }
    }
    groups
}

/// Findings grouped by object, the most severe object first: by its most
/// severe category ([`Category::BY_SEVERITY`]), then by its newest change in
/// that category (from managedFields; changes of unknown time last).
/// Findings within an object follow the same order; ties keep report order.
pub fn by_severity(report: &Report) -> Vec<(&ObjectRef, Vec<&Finding>)> {
    let mut groups = by_object(report);
    for (_, findings) in &mut groups {
        findings.sort_by(|a, b| severity_order(a, b));
    }
    // Each group's first finding is now its most severe and newest.
    groups.sort_by(|(_, a), (_, b)| severity_order(a[0], b[0]));
    groups
}

/// More severe first; within a category, newer first, unknown times last.
fn severity_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    a.category
        .severity()
        .cmp(&b.category.severity())
        .then_with(|| changed_at(b).cmp(&changed_at(a)))
}

/// When the live value was last written, if managedFields say.
fn changed_at(f: &Finding) -> Option<jiff::Timestamp> {
    f.attribution.as_ref()?.since.as_deref()?.parse().ok()
}

/// The non-zero counts, most severe category first.
pub fn counts_by_severity(report: &Report) -> Vec<(Category, usize)> {
    Category::BY_SEVERITY
        .into_iter()
        .map(|c| (c, report.count(c)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// "1 finding", "3 findings".
pub fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// "3 days ago", "5 minutes ago": how long before `now` a write happened.
pub fn age(since: &str, now: jiff::Timestamp) -> Option<String> {
    let then: jiff::Timestamp = since.parse().ok()?;
    let seconds = now.as_second() - then.as_second();
    if seconds < 0 {
        return Some("in the future (clock skew?)".into());
    }
    let (n, unit) = match seconds {
        0..60 => return Some("just now".into()),
        60..3600 => (seconds / 60, "minute"),
        3600..86400 => (seconds / 3600, "hour"),
        86400..2_592_000 => (seconds / 86400, "day"),
        2_592_000..31_536_000 => (seconds / 2_592_000, "month"),
        _ => (seconds / 31_536_000, "year"),
    };
    Some(format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" }))
}

/// The counts of the summary line, categories in their fixed order.
pub fn counts(report: &Report) -> Vec<(Category, usize)> {
    Category::ALL
        .into_iter()
        .map(|c| (c, report.count(c)))
        .collect()
}

/// "changed by kubectl-set (Update) 3 days ago".
/// `report` gives the time ages are measured from, and whether the live
/// objects came without managedFields (then no owner is known at all).
pub fn who(f: &Finding, report: &Report) -> String {
    let now = report.now;
    let verb = match f.change {
        Change::Changed => "changed",
        Change::Added => "added",
        Change::Removed => "removed live",
        Change::Missing => "not found live",
        Change::Orphan => "created",
    };
    match &f.attribution {
        Some(a) if f.reason == Some(Reason::ApplierOwned) => format!(
            "differs from Git, but the applier owns it: set at admission, or Git not yet \
             applied (last written by {})",
            manager_words(a, now)
        ),
        None if f.change == Change::Missing => "no live object of this kind and name".into(),
        None if report.without_managed_fields => {
            format!("{verb}; by whom and when is unknown (the live objects have no managedFields)")
        }
        None => format!("{verb}; no field manager owns it any more"),
        Some(a) => format!("{verb} by {}", manager_words(a, now)),
    }
}

/// For a finding on a child of a desired object: "generated from
/// SealedSecret payments/db-creds, which Git declares; its controller did
/// not write this".
pub fn owner_words(f: &Finding) -> Option<String> {
    f.owner.as_ref().map(|owner| {
        format!("generated from {owner}, which Git declares; its controller did not write this")
    })
}

/// "kubectl-set (Update) 3 days ago (2026-11-22T15:18:57Z)".
pub fn manager_words(a: &Attribution, now: jiff::Timestamp) -> String {
    let mut words = a.manager.clone();
    if let Some(op) = &a.operation {
        words.push_str(&format!(" ({op}"));
        if let Some(sub) = &a.subresource {
            words.push_str(&format!(", {sub} subresource"));
        }
        words.push(')');
    }
    match a
        .since
        .as_deref()
        .and_then(|t| age(t, now).map(|ago| (t, ago)))
    {
        Some((t, ago)) => words.push_str(&format!(" {ago} ({t})")),
        None => words.push_str(", time not recorded"),
    }
    words
}

/// A value on one line: strings bare, maps and lists as JSON.
pub fn one_line(value: &Value) -> String {
    match value {
        Value::String(s) if !s.contains('\n') => s.clone(),
        Value::Object(_) | Value::Array(_) => serde_json::to_string(value).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// A value as lines: strings as they are, anything else as YAML.
pub fn block(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => crate::yaml::to_string(other),
    }
}

/// What a finding without a path (a whole object) is about.
pub fn whole_object(change: Change) -> &'static str {
    match change {
        Change::Missing => "declared in Git, missing from the cluster",
        _ => "in the cluster, not declared in Git",
    }
}

/// What a Secret finding says in place of values.
pub fn secret_words(change: Change) -> &'static str {
    match change {
        Change::Added => "key present only live (Secret values are never shown)",
        Change::Removed => "key missing live (Secret values are never shown)",
        _ => "value differs (Secret values are never shown)",
    }
}

/// With `--blame`: "Git has said so since 1a2b3c4 (2026-11-20, Ana), file:12".
/// Where Git declares `object` (its document), else where its first
/// finding's value is declared.
pub fn declaration<'a>(
    report: &'a Report,
    object: &ObjectRef,
    findings: &[&'a Finding],
) -> Option<&'a SourceLocation> {
    report
        .declared
        .get(&object.identity())
        .or_else(|| findings.iter().find_map(|f| f.source.as_ref()))
}

/// `file:line`, or the file alone.
pub fn location(s: &SourceLocation) -> String {
    match s.line {
        Some(line) => format!("{}:{line}", s.file),
        None => s.file.clone(),
    }
}

/// "value declared at FILE:LINE" when the finding's value comes from
/// another file than the object (an overlay's patch, a kustomization's
/// `images:`), unless the blame line names it already.
pub fn value_source_words(f: &Finding, object: Option<&SourceLocation>) -> Option<String> {
    let s = f.source.as_ref()?;
    if s.commit.is_some() || object.is_some_and(|o| o.file == s.file) {
        return None;
    }
    Some(format!("value declared at {}", location(s)))
}

pub fn blame_words(f: &Finding) -> Option<String> {
    let s = f.source.as_ref()?;
    let commit = s.commit.as_ref()?;
    let date = s.date.as_deref().unwrap_or("").get(..10).unwrap_or("");
    let author = s.author.as_deref().unwrap_or("unknown");
    let line = s.line.map(|l| format!(":{l}")).unwrap_or_default();
    Some(format!(
        "Git has said so since {} ({date}, {author}), {}{line}",
        &commit[..commit.len().min(7)],
        s.file
    ))
}

/// One line of a value diff. As in `kubectl diff`, the cluster's side is
/// the old one (`-`, what syncing from Git would remove) and Git's the new
/// one (`+`, what it would write).
#[derive(Debug, PartialEq)]
pub enum DiffLine {
    Hunk(String),
    Live(String),
    Git(String),
    Same(String),
}

/// A unified diff (3 lines of context) from the live value to Git's, for
/// values that span lines; `None` when both fit on one line and read better
/// one under the other.
pub fn value_diff(desired: &Value, live: &Value) -> Option<Vec<DiffLine>> {
    let (d, l) = (block(desired), block(live));
    if !d.trim_end().contains('\n') && !l.trim_end().contains('\n') {
        return None;
    }
    let diff = similar::TextDiff::from_lines(&l, &d);
    let mut lines = Vec::new();
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        lines.push(DiffLine::Hunk(hunk.header().to_string()));
        for change in hunk.iter_changes() {
            let line = change.value().trim_end_matches('\n').to_string();
            lines.push(match change.tag() {
                similar::ChangeTag::Delete => DiffLine::Live(line),
                similar::ChangeTag::Insert => DiffLine::Git(line),
                similar::ChangeTag::Equal => DiffLine::Same(line),
            });
        }
    }
    Some(lines)
}

/// What a person must know before deleting an orphan that shares the
/// audited objects' tracking label: its group's other paths were not audited.
pub fn tracking_words(group: &crate::model::TrackingGroup) -> String {
    format!(
        "outside the given PATHs, in the tracking group of the audited objects ({group}): \
         another path of that group may declare it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_words() {
        let now: jiff::Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        assert_eq!(age("2026-11-22T12:00:00Z", now).unwrap(), "3 days ago");
        assert_eq!(age("2026-11-25T11:59:30Z", now).unwrap(), "just now");
        assert_eq!(age("2026-11-25T11:00:00Z", now).unwrap(), "1 hour ago");
        assert_eq!(age("2026-11-25T11:55:00Z", now).unwrap(), "5 minutes ago");
        assert_eq!(age("2024-11-25T11:55:00Z", now).unwrap(), "2 years ago");
        assert_eq!(age("not a time", now), None);
    }
}
