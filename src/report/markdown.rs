//! `--output markdown`: a report to paste into a pull request or incident
//! ticket. A summary table by category, then one collapsed `<details>`
//! section per object with its findings and fenced diffs; only constructs
//! that GitHub and GitLab both render (GFM tables, inline HTML, fences).

use super::{
    DiffLine, blame_words, by_object, counts, declaration, location, one_line, owner_words, plural,
    secret_words, value_diff, value_source_words, who, whole_object,
};
use crate::model::{Category, Finding, ObjectRef, Report, SourceLocation, Unchecked};
use std::fmt::Write;

/// First line of every report: lets a CI job find its earlier comment on a
/// pull request and update it instead of adding another.
pub const MARKER: &str = "<!-- driftctl report -->";

pub struct MarkdownOptions {
    /// List what ignore rules hid, with the rule.
    pub show_ignored: bool,
}

pub fn render(report: &Report, options: &MarkdownOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(out, "### driftctl: {}\n", headline(report));
    if !report.complete() {
        let _ = writeln!(
            out,
            "> **Audit incomplete:** {} not checked (listed below); nothing is known about them.\n",
            plural(report.unchecked.len(), "object")
        );
    }
    let _ = writeln!(
        out,
        "{} · {} hidden by ignore rules{} · ages as of {}\n",
        if report.complete() {
            "Audit complete"
        } else {
            "Audit INCOMPLETE"
        },
        report.ignored,
        if report.delegated > 0 {
            format!(" · {} delegated to controllers by rules", report.delegated)
        } else {
            String::new()
        },
        report.now
    );
    out.push_str("| category | findings | meaning |\n|:--|--:|:--|\n");
    for (category, n) in counts(report) {
        let _ = writeln!(out, "| {category} | {n} | {} |", meaning(category));
    }
    out.push('\n');
    if !report.findings.is_empty() {
        out.push_str(
            "In the diffs, as in `kubectl diff`: `-` lines are the cluster's value (what syncing \
             from Git would remove), `+` lines Git's (what it would write).\n\n",
        );
    }
    for (object, findings) in by_object(report) {
        object_section(&mut out, report, object, &findings);
    }
    if !report.unchecked.is_empty() {
        let _ = writeln!(out, "#### Not checked ({})\n", report.unchecked.len());
        object_list(&mut out, &report.unchecked);
    }
    if !report.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "<details>\n<summary>Not managed by the GitOps tool ({})</summary>\n",
            report.unmanaged.len()
        );
        object_list(&mut out, &report.unmanaged);
        out.push_str("</details>\n\n");
    }
    if options.show_ignored && !report.ignored_findings.is_empty() {
        let _ = writeln!(
            out,
            "<details>\n<summary>Ignored ({})</summary>\n",
            report.ignored
        );
        for i in &report.ignored_findings {
            let what = i
                .finding
                .path
                .as_deref()
                .unwrap_or(whole_object(i.finding.change));
            let _ = writeln!(
                out,
                "- **{}** {} {}: hidden by {}",
                i.finding.category,
                code(&i.finding.object.to_string()),
                code(what),
                text(&i.rule)
            );
        }
        out.push_str("\n</details>\n\n");
    }
    out.trim_end().to_string() + "\n"
}

fn headline(report: &Report) -> String {
    let total = report.findings.len();
    if total == 0 {
        return format!(
            "no drift, {} match Git",
            plural(report.objects_checked, "object")
        );
    }
    format!(
        "{} in {}",
        plural(total, "finding"),
        plural(by_object(report).len(), "object")
    )
}

/// One line per category for readers who do not know driftctl.
fn meaning(category: Category) -> &'static str {
    match category {
        Category::Image => "a container image differs from Git",
        Category::Config => "another field changed, removed or added live by a person or tool",
        Category::Secret => "a Secret key differs (values are never shown)",
        Category::Missing => "declared in Git, absent from the cluster",
        Category::Orphan => "in the cluster, declared nowhere in Git",
        Category::Controller => "written by a controller the platform delegated to",
    }
}

fn object_section(out: &mut String, report: &Report, object: &ObjectRef, findings: &[&Finding]) {
    let mut tally: Vec<(Category, usize)> = Vec::new();
    for f in findings {
        match tally.iter_mut().find(|(c, _)| *c == f.category) {
            Some((_, n)) => *n += 1,
            None => tally.push((f.category, 1)),
        }
    }
    let tally: Vec<String> = tally.iter().map(|(c, n)| format!("{c} {n}")).collect();
    // Inside <summary> Markdown is not rendered: HTML only.
    let _ = writeln!(
        out,
        "<details>\n<summary><b>{}</b> · {}</summary>\n",
        html(&object.to_string()),
        tally.join(", ")
    );
    let declared = declaration(report, object, findings);
    let declared_words = declared
        .map(|s| format!(", declared in {}", code(&location(s))))
        .unwrap_or_default();
    let _ = writeln!(out, "{}{declared_words}\n", code(&object.api_version));
    for f in findings {
        finding_section(out, f, declared, report);
    }
    out.push_str("</details>\n\n");
}

fn finding_section(
    out: &mut String,
    f: &Finding,
    declared: Option<&SourceLocation>,
    report: &Report,
) {
    let subject = match &f.path {
        Some(path) => code(path),
        None => text(whole_object(f.change)),
    };
    // One line joined by <br>: GitHub comments turn newlines into breaks
    // and GitLab does not, so only <br> reads the same on both.
    let _ = write!(
        out,
        "**{}** {subject}<br>{}",
        f.category,
        text(&who(f, report))
    );
    if let Some(words) = owner_words(f) {
        let _ = write!(out, "<br>{}", text(&words));
    }
    if let Some(words) = blame_words(f).or_else(|| value_source_words(f, declared)) {
        let _ = write!(out, "<br>{}", text(&words));
    }
    out.push_str("\n\n");
    if f.category == Category::Secret {
        let _ = writeln!(out, "*{}*\n", text(secret_words(f.change)));
        return;
    }
    let lines: Vec<String> = match (&f.desired, &f.live) {
        (Some(d), Some(l)) => match value_diff(d, l) {
            Some(diff) => diff
                .into_iter()
                .map(|line| match line {
                    DiffLine::Hunk(h) => h,
                    DiffLine::Live(l) => format!("-{l}"),
                    DiffLine::Git(l) => format!("+{l}"),
                    DiffLine::Same(l) => format!(" {l}"),
                })
                .collect(),
            None => vec![format!("- {}", one_line(l)), format!("+ {}", one_line(d))],
        },
        (Some(d), None) => vec![format!("+ {}", one_line(d))],
        (None, Some(l)) => vec![format!("- {}", one_line(l))],
        (None, None) => return,
    };
    let body = lines.join("\n");
    let fence = "`".repeat(longest_run(&body, '`').max(2) + 1);
    let _ = writeln!(out, "{fence}diff\n{body}\n{fence}\n");
}

fn object_list(out: &mut String, items: &[Unchecked]) {
    for u in items {
        let _ = writeln!(
            out,
            "- {}: {}",
            code(&u.object.to_string()),
            text(&u.reason)
        );
    }
    out.push('\n');
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A code span that holds any string: delimited by more backticks than it
/// contains in a row, padded when it starts or ends with one.
fn code(s: &str) -> String {
    let ticks = "`".repeat(longest_run(s, '`') + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

/// Free text from the cluster or Git (manager names, reasons) shown as
/// typed: Markdown's punctuation escaped so it cannot format or link.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(if ch == '\n' { ' ' } else { ch });
    }
    out
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("spec.replicas"), "`spec.replicas`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn free_text_cannot_format_or_link() {
        assert_eq!(text("a_b *c* [d](e)"), r"a\_b \*c\* \[d\](e)");
        assert_eq!(text("<script>|x"), r"\<script\>\|x");
    }

    #[test]
    fn fences_outlast_backticks_in_values() {
        assert_eq!(longest_run("a ```` b `` c", '`'), 4);
        assert_eq!(longest_run("none", '`'), 0);
    }
}
