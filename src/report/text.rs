//! The text report, for people under pressure: grouped by object, each
//! finding says its category and who changed it when, in plain words,
//! before the values. Green is Git's side, red the cluster's, yellow a
//! changed path.

use super::{
    DiffLine, blame_words, by_object, counts, declaration, location, one_line, owner_words,
    secret_words, value_diff, value_source_words, who, whole_object,
};
use crate::model::{Category, Change, Finding, Report, SourceLocation, Unchecked};
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
    let mut groups = by_object(report);
    // Grouped under their app (stable: the order within an app is kept).
    groups.sort_by_key(|(object, _)| report.app_of(object));
    let mut current_app = None;
    for (object, findings) in groups {
        let app = report.app_of(object);
        if let Some(shown) = app
            && app != current_app
        {
            let heading = format!("{shown}:");
            let _ = writeln!(
                out,
                "{}",
                p.paint(&heading, Style::new().bold().underline())
            );
            current_app = app;
        }
        let header = format!("{object}");
        let _ = write!(out, "{}", p.paint(&header, Style::new().bold()));
        let declared = declaration(report, object, &findings);
        let detail = match declared {
            Some(s) => format!("  ({}, {})", object.api_version, location(s)),
            None => format!("  ({})", object.api_version),
        };
        let _ = writeln!(out, "{}", p.paint(&detail, Style::new().dimmed()));
        for finding in findings {
            finding_text(&mut out, finding, declared, report, &p);
            if finding.category == Category::Orphan
                && let Some(group) = report.tracking_groups.get(&finding.object.identity())
            {
                let words = super::tracking_words(group);
                let _ = writeln!(
                    out,
                    "{}{}",
                    " ".repeat(14),
                    p.paint(&words, Style::new().dimmed())
                );
            }
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

fn finding_text(
    out: &mut String,
    f: &Finding,
    declared: Option<&SourceLocation>,
    report: &Report,
    p: &Painter,
) {
    let label = p.paint(
        &format!("{:<10}", f.category.as_str()),
        category_style(f.category),
    );
    let headline = match &f.path {
        Some(path) => p.paint(path, Style::new().yellow()),
        None => whole_object(f.change).to_string(),
    };
    let _ = writeln!(out, "  {label}  {headline}");
    let indent = " ".repeat(14);
    let _ = writeln!(out, "{indent}{}", who(f, report));
    if let Some(words) = owner_words(f) {
        let _ = writeln!(out, "{indent}{words}");
    }
    if let Some(words) = blame_words(f).or_else(|| value_source_words(f, declared)) {
        let _ = writeln!(out, "{indent}{}", p.paint(&words, Style::new().dimmed()));
    }
    if f.category == Category::Secret {
        let _ = writeln!(out, "{indent}{}", secret_words(f.change));
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

fn values(out: &mut String, desired: &Value, live: &Value, indent: &str, p: &Painter) {
    let Some(lines) = value_diff(desired, live) else {
        // A difference of type only ("3" in Git, 3 live) must not read as
        // `git: 3` / `live: 3`: both are shown as JSON then, strings quoted.
        let type_differs = std::mem::discriminant(desired) != std::mem::discriminant(live);
        let show = |v: &Value| {
            if type_differs {
                serde_json::to_string(v).unwrap_or_default()
            } else {
                one_line(v)
            }
        };
        let _ = writeln!(
            out,
            "{indent}{}",
            p.paint(&format!("git:  {}", show(desired)), Style::new().green())
        );
        let _ = writeln!(
            out,
            "{indent}{}",
            p.paint(&format!("live: {}", show(live)), Style::new().red())
        );
        return;
    };
    let _ = writeln!(out, "{indent}{}", p.paint("--- git", Style::new().green()));
    let _ = writeln!(out, "{indent}{}", p.paint("+++ live", Style::new().red()));
    for line in lines {
        let (text, style) = match line {
            DiffLine::Hunk(h) => (h, Style::new().cyan()),
            DiffLine::Git(l) => (format!("-{l}"), Style::new().green()),
            DiffLine::Live(l) => (format!("+{l}"), Style::new().red()),
            DiffLine::Same(l) => (format!(" {l}"), Style::new()),
        };
        let _ = writeln!(out, "{indent}{}", p.paint(&text, style));
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
