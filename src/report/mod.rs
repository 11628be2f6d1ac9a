//! Renderers: one per output format, each over the same [`Report`]. No
//! renderer recomputes a verdict, and none ever prints a Secret value (the
//! findings carry none).

pub mod json;
pub mod text;

use crate::model::{Category, Finding, ObjectRef, Report};

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
