//! The text report, for people under pressure. The first line is the
//! verdict (repeated last, where a long report ends on a terminal); then
//! the objects, most severe first, each finding saying its category and
//! who changed it when, in plain words, before the values. Colours follow
//! `kubectl diff`: red is the cluster's side (what syncing from Git would
//! remove), green Git's (what it would write); no category is green.

use super::{
    DiffLine, blame_words, by_severity, counts_by_severity, declaration, location, one_line,
    owner_words, plural, secret_words, value_diff, value_source_words, who, whole_object,
};
use crate::model::{
    Category, Change, Finding, ObjectRef, Report, SourceLocation, Unchecked, Verdict,
};
use owo_colors::{OwoColorize, Style};
use serde_json::Value;
use std::ffi::OsStr;
use std::fmt::Write;

pub struct TextOptions {
    pub color: bool,
    /// List what ignore rules hid, with the rule.
    pub show_ignored: bool,
}

/// `--color auto`: colour only on a terminal that can show it, and not
/// when NO_COLOR is set (to anything but empty) or TERM is `dumb`.
pub fn auto_color(
    stdout_is_terminal: bool,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
) -> bool {
    stdout_is_terminal && no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb")
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

/// Where a finding's second and later lines start.
const INDENT: &str = "              ";

pub fn render(report: &Report, options: &TextOptions) -> String {
    let p = Painter {
        color: options.color,
    };
    let verdict = verdict_line(report, &p);
    let mut body = String::new();
    for (object, findings) in by_severity(report) {
        object_text(&mut body, object, &findings, report, &p);
    }
    object_list(
        &mut body,
        &p,
        "Not managed",
        &report.unmanaged,
        Style::new().bold(),
    );
    if options.show_ignored {
        ignored_list(&mut body, report, &p);
    }
    object_list(
        &mut body,
        &p,
        "Not checked",
        &report.unchecked,
        Style::new().bold().yellow(),
    );
    if body.is_empty() {
        return verdict;
    }
    format!("{verdict}\n{body}{verdict}")
}

/// `Deployment prod/checkout-api  (apps/v1, FILE:LINE; APP)` and its findings.
fn object_text(
    out: &mut String,
    object: &ObjectRef,
    findings: &[&Finding],
    report: &Report,
    p: &Painter,
) {
    let _ = write!(out, "{}", p.paint(&object.to_string(), Style::new().bold()));
    let declared = declaration(report, object, findings);
    let mut detail = vec![object.api_version.clone()];
    if let Some(s) = declared {
        detail.push(location(s));
    }
    let mut detail = detail.join(", ");
    if let Some(app) = report.app_of(object) {
        let _ = write!(detail, "; {app}");
    }
    let _ = writeln!(
        out,
        "{}",
        p.paint(&format!("  ({detail})"), Style::new().dimmed())
    );
    for finding in findings {
        finding_text(out, finding, declared, report, p);
        if finding.category == Category::Orphan
            && let Some(group) = report.tracking_groups.get(&finding.object.identity())
        {
            let words = super::tracking_words(group);
            let _ = writeln!(out, "{INDENT}{}", p.paint(&words, Style::new().dimmed()));
        }
    }
    out.push('\n');
}

/// With `--show-ignored`: what ignore rules hid, each with its rule.
fn ignored_list(out: &mut String, report: &Report, p: &Painter) {
    if report.ignored_findings.is_empty() {
        return;
    }
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

/// Failing-by-default categories are bold, the most severe red; none is
/// green (green is Git's side of a value, and reads as "fine").
fn category_style(category: Category) -> Style {
    match category {
        Category::Image | Category::Secret | Category::Missing => Style::new().red().bold(),
        Category::Config => Style::new().yellow().bold(),
        Category::Orphan => Style::new().magenta().bold(),
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
    let indent = INDENT;
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
        (Some(d), Some(l)) => values(out, d, l, indent, p),
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
    // The header says which side is which, as `kubectl diff` does.
    let _ = writeln!(
        out,
        "{indent}{}",
        p.paint(
            "--- live  (the cluster; syncing from Git removes the - lines)",
            Style::new().red()
        )
    );
    let _ = writeln!(
        out,
        "{indent}{}",
        p.paint(
            "+++ git   (syncing from Git writes the + lines)",
            Style::new().green()
        )
    );
    for line in lines {
        let (text, style) = match line {
            DiffLine::Hunk(h) => (h, Style::new().cyan()),
            DiffLine::Live(l) => (format!("-{l}"), Style::new().red()),
            DiffLine::Git(l) => (format!("+{l}"), Style::new().green()),
            DiffLine::Same(l) => (format!(" {l}"), Style::new()),
        };
        let _ = writeln!(out, "{indent}{}", p.paint(&text, style));
    }
}

/// The verdict in one glance: `DRIFT (exit 1): 13 findings in 10 objects;
/// failing: 1 image, 7 config; not failing: 1 controller; audit complete`.
/// Counts most severe first, zero counts left out.
fn verdict_line(report: &Report, p: &Painter) -> String {
    let verdict = report.verdict();
    let (word, style) = match verdict {
        Verdict::Drift => ("DRIFT", Style::new().red().bold()),
        Verdict::Incomplete => ("INCOMPLETE", Style::new().yellow().bold()),
        Verdict::Clean if report.findings.is_empty() => ("NO DRIFT", Style::new().green().bold()),
        Verdict::Clean => ("NO FAILING DRIFT", Style::new().bold()),
    };
    let not_checked = format!(
        "{} not checked (listed under Not checked)",
        report.unchecked.len()
    );
    let mut parts = Vec::new();
    if verdict == Verdict::Incomplete {
        parts.push(not_checked.clone());
        parts.push("no failing drift in what was checked".to_string());
    } else if report.findings.is_empty() {
        let objects = report.objects_checked;
        let verb = if objects == 1 { "matches" } else { "match" };
        parts.push(format!("{} {verb} Git", plural(objects, "object")));
    }
    if !report.findings.is_empty() {
        let objects = super::by_object(report).len();
        parts.push(format!(
            "{} in {}",
            plural(report.findings.len(), "finding"),
            plural(objects, "object")
        ));
    }
    let (failing, other): (Vec<_>, Vec<_>) = counts_by_severity(report)
        .into_iter()
        .partition(|(c, _)| report.fails(*c));
    let listed = |counts: Vec<(Category, usize)>| {
        let words: Vec<String> = counts.iter().map(|(c, n)| format!("{n} {c}")).collect();
        words.join(", ")
    };
    if !failing.is_empty() {
        parts.push(format!("failing: {}", listed(failing)));
    }
    if !other.is_empty() {
        parts.push(format!("not failing: {}", listed(other)));
    }
    if report.delegated > 0 {
        parts.push(format!(
            "{} delegated to controllers by rules",
            report.delegated
        ));
    }
    if report.ignored > 0 {
        parts.push(format!("{} ignored", report.ignored));
    }
    if verdict != Verdict::Incomplete {
        parts.push(if report.complete() {
            "audit complete".to_string()
        } else {
            format!("audit INCOMPLETE: {not_checked}")
        });
    }
    let code = crate::exit_code(verdict);
    format!(
        "{} {}\n",
        p.paint(&format!("{word} (exit {code}):"), style),
        parts.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_color_only_on_a_terminal_that_shows_it() {
        let os = |s: &'static str| Some(OsStr::new(s));
        assert!(auto_color(true, None, os("xterm-256color")));
        assert!(auto_color(true, os(""), None), "an empty NO_COLOR is unset");
        assert!(!auto_color(false, None, os("xterm")), "piped");
        assert!(!auto_color(true, os("1"), os("xterm")), "NO_COLOR");
        assert!(!auto_color(true, None, os("dumb")), "TERM=dumb");
    }
}
