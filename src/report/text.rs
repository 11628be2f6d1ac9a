//! The text report, for people under pressure: grouped by object, each
//! finding says its category and who changed it when, in plain words,
//! before the values. Green is Git's side, red the cluster's, yellow a
//! changed path.

use super::{age, by_object, counts};
use crate::model::{Attribution, Category, Change, Finding, Report, Unchecked};
use owo_colors::{OwoColorize, Style};
use serde_json::Value;
use std::fmt::Write;

pub struct TextOptions {
    pub color: bool,
    /// List what ignore rules hid, with the rule.
    pub show_ignored: bool,
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
}

pub fn render(report: &Report, options: &TextOptions) -> String {
    let p = Painter {
        color: options.color,
    };
    let mut out = String::new();
    for (object, findings) in by_object(report) {
        let header = format!("{object}");
        let _ = write!(out, "{}", p.paint(&header, Style::new().bold()));
        let detail = match findings.iter().find_map(|f| f.source.as_ref()) {
            Some(s) => match s.line {
                Some(line) => format!("  ({}, {}:{})", object.api_version, s.file, line),
                None => format!("  ({}, {})", object.api_version, s.file),
            },
            None => format!("  ({})", object.api_version),
        };
        let _ = writeln!(out, "{}", p.paint(&detail, Style::new().dimmed()));
        for finding in findings {
            finding_text(&mut out, finding, report.now, &p);
        }
        out.push('\n');
    }
    object_list(
        &mut out,
        &p,
        "Not managed",
        &report.unmanaged,
        Style::new().bold(),
    );
    if options.show_ignored && !report.ignored_findings.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                &format!("Ignored ({}):", report.ignored),
                Style::new().bold().dimmed()
            )
        );
        for i in &report.ignored_findings {
            let what = i.finding.path.as_deref().unwrap_or(match i.finding.change {
                Change::Missing => "(missing)",
                _ => "(orphan)",
            });
            let _ = writeln!(
                out,
                "  {} {} {}  by {}",
                i.finding.category, i.finding.object, what, i.rule
            );
        }
        out.push('\n');
    }
    object_list(
        &mut out,
        &p,
        "Not checked",
        &report.unchecked,
        Style::new().bold().yellow(),
    );
    out.push_str(&summary(report, &p));
    out
}

/// A titled list of objects with a reason each (not checked, not managed).
fn object_list(out: &mut String, p: &Painter, title: &str, items: &[Unchecked], style: Style) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        p.paint(&format!("{title} ({}):", items.len()), style)
    );
    for u in items {
        let _ = writeln!(out, "  {}: {}", u.object, u.reason);
    }
    out.push('\n');
}

fn category_style(category: Category) -> Style {
    match category {
        Category::Image => Style::new().magenta().bold(),
        Category::Config => Style::new().yellow().bold(),
        Category::Secret => Style::new().red().bold(),
        Category::Missing => Style::new().green().bold(),
        Category::Orphan => Style::new().red().bold(),
        Category::Controller => Style::new().cyan(),
    }
}

fn finding_text(out: &mut String, f: &Finding, now: jiff::Timestamp, p: &Painter) {
    let label = p.paint(
        &format!("{:<10}", f.category.as_str()),
        category_style(f.category),
    );
    let headline = match (&f.path, f.change) {
        (Some(path), _) => p.paint(path, Style::new().yellow()),
        (None, Change::Missing) => "declared in Git, missing from the cluster".to_string(),
        (None, _) => "in the cluster, not declared in Git".to_string(),
    };
    let _ = writeln!(out, "  {label}  {headline}");
    let indent = " ".repeat(14);
    let _ = writeln!(out, "{indent}{}", who(f, now));
    if let Some(s) = &f.source
        && let Some(commit) = &s.commit
    {
        let date = s.date.as_deref().unwrap_or("").get(..10).unwrap_or("");
        let author = s.author.as_deref().unwrap_or("unknown");
        let line = s.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{indent}{}",
            p.paint(
                &format!(
                    "Git has said so since {} ({date}, {author}), {}{line}",
                    &commit[..commit.len().min(7)],
                    s.file
                ),
                Style::new().dimmed()
            )
        );
    }
    if f.category == Category::Secret {
        let what = match f.change {
            Change::Added => "key present only live",
            Change::Removed => "key missing live",
            _ => "value differs",
        };
        let _ = writeln!(out, "{indent}{what} (Secret values are never shown)");
        return;
    }
    match (&f.desired, &f.live) {
        (Some(d), Some(l)) => values(out, d, l, &indent, p),
        (Some(d), None) => {
            let _ = writeln!(
                out,
                "{indent}{}",
                p.paint(&format!("git:  {}", one_line(d)), Style::new().green())
            );
        }
        (None, Some(l)) => {
            let _ = writeln!(
                out,
                "{indent}{}",
                p.paint(&format!("live: {}", one_line(l)), Style::new().red())
            );
        }
        (None, None) => {}
    }
}

/// "changed by kubectl-set (Update) 3 days ago".
fn who(f: &Finding, now: jiff::Timestamp) -> String {
    let verb = match f.change {
        Change::Changed => "changed",
        Change::Added => "added",
        Change::Removed => "removed live",
        Change::Missing => "not found live",
        Change::Orphan => "created",
    };
    match &f.attribution {
        None if f.change == Change::Missing => "no live object of this kind and name".into(),
        None => format!("{verb}; no field manager owns it any more"),
        Some(a) => format!("{verb} by {}", manager_words(a, now)),
    }
}

fn manager_words(a: &Attribution, now: jiff::Timestamp) -> String {
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

fn one_line(value: &Value) -> String {
    match value {
        Value::String(s) if !s.contains('\n') => s.clone(),
        Value::Object(_) | Value::Array(_) => serde_json::to_string(value).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn block(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other).unwrap_or_default(),
    }
}

fn values(out: &mut String, desired: &Value, live: &Value, indent: &str, p: &Painter) {
    let (d, l) = (block(desired), block(live));
    let multi_line = d.trim_end().contains('\n') || l.trim_end().contains('\n');
    if !multi_line {
        let _ = writeln!(
            out,
            "{indent}{}",
            p.paint(
                &format!("git:  {}", one_line(desired)),
                Style::new().green()
            )
        );
        let _ = writeln!(
            out,
            "{indent}{}",
            p.paint(&format!("live: {}", one_line(live)), Style::new().red())
        );
        return;
    }
    let diff = similar::TextDiff::from_lines(&d, &l);
    let _ = writeln!(out, "{indent}{}", p.paint("--- git", Style::new().green()));
    let _ = writeln!(out, "{indent}{}", p.paint("+++ live", Style::new().red()));
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let _ = writeln!(
            out,
            "{indent}{}",
            p.paint(&hunk.header().to_string(), Style::new().cyan())
        );
        for change in hunk.iter_changes() {
            let line = change.value().trim_end_matches('\n');
            let (sign, style) = match change.tag() {
                similar::ChangeTag::Delete => ("-", Style::new().green()),
                similar::ChangeTag::Insert => ("+", Style::new().red()),
                similar::ChangeTag::Equal => (" ", Style::new()),
            };
            let _ = writeln!(out, "{indent}{}", p.paint(&format!("{sign}{line}"), style));
        }
    }
}

fn summary(report: &Report, p: &Painter) -> String {
    let total = report.findings.len();
    let objects = by_object(report).len();
    let parts: Vec<String> = counts(report)
        .into_iter()
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    let status = if report.complete() {
        "audit complete".to_string()
    } else {
        format!("{} not checked: audit INCOMPLETE", report.unchecked.len())
    };
    let head = if total == 0 {
        format!("No drift: {} objects match Git", report.objects_checked)
    } else {
        format!(
            "{total} finding{} in {objects} object{}",
            if total == 1 { "" } else { "s" },
            if objects == 1 { "" } else { "s" }
        )
    };
    let delegated = if report.delegated > 0 {
        format!(" ({} delegated by rules)", report.delegated)
    } else {
        String::new()
    };
    format!(
        "{}: {}{}; {} ignored; {}.\n",
        p.paint(&head, Style::new().bold()),
        parts.join(", "),
        delegated,
        report.ignored,
        status
    )
}
