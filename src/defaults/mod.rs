//! The API server's defaults of every built-in kind, from the generated
//! table beside this file (gen-defaults.py writes defaults.txt from the
//! Kubernetes sources; each rule cites its defaulting function or marker).
//!
//! The live server's version is not always known (a snapshot does not say),
//! so a value counts as the default when it is the default in any supported
//! version (1.30 to 1.36): `since=`/`until=` are kept for the citation.

use crate::path::{FieldPath, Segment};
use crate::schema::scalar_text;
use serde_json::Value;
use std::sync::OnceLock;

const TABLE: &str = include_str!("defaults.txt");

/// The oldest Kubernetes minor version driftctl supports.
const OLDEST: u32 = 30;

#[derive(Debug)]
struct Rule {
    /// `(group, kind)`, or empty for any kind.
    kinds: Vec<(String, String)>,
    anchored: bool,
    pattern: Vec<Step>,
    value: Expected,
    /// `if=` conditions, all of which must hold.
    conditions: Vec<Condition>,
}

/// `REL==VALUE` (`equal`) or `REL!=VALUE`; an absent field compares as null.
#[derive(Debug)]
struct Condition {
    rel: String,
    equal: bool,
    value: Value,
}

#[derive(Debug, PartialEq)]
enum Step {
    Field(String),
    /// `*Probe`: a field whose name ends so.
    Suffix(String),
    Item,
}

#[derive(Debug)]
enum Expected {
    Literal(Value),
    ImagePullPolicy,
    SameAs(String),
    Assigned,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| parse_rule(l).expect("defaults.txt is generated well-formed"))
            .collect()
    })
}

/// One line of the table; `None` for a rule that ended before the oldest
/// supported version.
fn parse_rule(line: &str) -> Result<Option<Rule>, String> {
    let (head, _citation) = line.split_once(" src=").ok_or("no src=")?;
    let mut words = head.splitn(3, ' ');
    let kinds = words.next().ok_or("no kinds")?;
    let pattern = words.next().ok_or("no pattern")?;
    let rest = words.next().ok_or("no value")?;
    let mut value = rest;
    let mut conditions = Vec::new();
    while let Some((before, option)) = value.rsplit_once(' ') {
        if let Some(cond) = option.strip_prefix("if=") {
            let (rel, equal, v) = match cond.split_once("==") {
                Some((rel, v)) => (rel, true, v),
                None => {
                    let (rel, v) = cond.split_once("!=").ok_or("if= without == or !=")?;
                    (rel, false, v)
                }
            };
            let value = serde_json::from_str(v).map_err(|e| format!("if= value: {e}"))?;
            conditions.push(Condition {
                rel: rel.to_string(),
                equal,
                value,
            });
        } else if let Some(until) = option.strip_prefix("until=1.") {
            if until.parse::<u32>().map_err(|e| e.to_string())? < OLDEST {
                return Ok(None);
            }
        } else if !option.starts_with("since=") {
            break;
        }
        value = before;
    }
    let kinds = if kinds == "*" {
        Vec::new()
    } else {
        kinds
            .split(',')
            .map(|gk| {
                let (g, k) = gk.split_once('/').unwrap_or(("", gk));
                (g.to_string(), k.to_string())
            })
            .collect()
    };
    let (anchored, pattern) = match pattern.strip_prefix('^') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let value = match value {
        "@image-pull-policy" => Expected::ImagePullPolicy,
        "@assigned" => Expected::Assigned,
        v if v.starts_with("@same-as:") => Expected::SameAs(v["@same-as:".len()..].to_string()),
        v => Expected::Literal(serde_json::from_str(v).map_err(|e| format!("{v}: {e}"))?),
    };
    Ok(Some(Rule {
        kinds,
        anchored,
        pattern: parse_pattern(pattern),
        value,
        conditions,
    }))
}

fn parse_pattern(pattern: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        rest = rest.strip_prefix('.').unwrap_or(rest);
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]").unwrap_or(after.len());
            steps.push(Step::Field(after[..end].to_string()));
            rest = after.get(end + 2..).unwrap_or("");
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..end];
        steps.push(match name.strip_prefix('*') {
            Some(suffix) => Step::Suffix(suffix.to_string()),
            None => Step::Field(name.to_string()),
        });
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix("[]") {
            steps.push(Step::Item);
            rest = after;
        }
    }
    steps
}

fn step_matches(step: &Step, segment: &Segment) -> bool {
    match (step, segment) {
        (Step::Field(f), Segment::Field(s)) => f == s,
        (Step::Suffix(x), Segment::Field(s)) => s.ends_with(x.as_str()),
        (Step::Item, Segment::Key { .. } | Segment::Index(_) | Segment::AnyItem) => true,
        _ => false,
    }
}

impl Rule {
    fn applies(&self, group: &str, kind: &str, path: &FieldPath) -> bool {
        if !self.kinds.is_empty() && !self.kinds.iter().any(|(g, k)| g == group && k == kind) {
            return false;
        }
        let segments = path.segments();
        if segments.len() < self.pattern.len()
            || self.anchored && segments.len() != self.pattern.len()
        {
            return false;
        }
        let tail = &segments[segments.len() - self.pattern.len()..];
        self.pattern
            .iter()
            .zip(tail)
            .all(|(p, s)| step_matches(p, s))
    }
}

/// Whether `live`, found at `path` of the live object `root` but absent from
/// Git, is the API server's default there (or a value the server assigns).
pub fn is_default(root: &Value, path: &FieldPath, live: &Value) -> bool {
    let (group, kind) = kind_of(root);
    rules()
        .iter()
        .filter(|r| r.applies(group, kind, path))
        .any(|r| rule_holds(r, root, path, live))
}

/// Whether a default rule covers `path` of this kind at all, whatever the
/// value (the self-check: a field nobody set that no rule explains).
pub fn has_rule(root: &Value, path: &FieldPath) -> bool {
    let (group, kind) = kind_of(root);
    rules().iter().any(|r| r.applies(group, kind, path))
}

fn kind_of(root: &Value) -> (&str, &str) {
    let api_version = root.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    (
        group,
        root.get("kind").and_then(Value::as_str).unwrap_or(""),
    )
}

fn rule_holds(rule: &Rule, root: &Value, path: &FieldPath, live: &Value) -> bool {
    let holds = |c: &Condition| {
        let value = relative(root, path, &c.rel).unwrap_or(&Value::Null);
        (value == &c.value) == c.equal
    };
    if !rule.conditions.iter().all(holds) {
        return false;
    }
    match &rule.value {
        Expected::Literal(v) => same(v, live),
        Expected::Assigned => true,
        Expected::SameAs(rel) => relative(root, path, rel).is_some_and(|v| same(v, live)),
        Expected::ImagePullPolicy => {
            let image = relative(root, path, "image")
                .and_then(Value::as_str)
                .unwrap_or("");
            live.as_str() == Some(image_pull_policy(image))
        }
    }
}

/// `8080` and `"8080"` are one int-or-string value.
fn same(a: &Value, b: &Value) -> bool {
    a == b
        || matches!((scalar_text(a), scalar_text(b)), (Some(x), Some(y)) if x == y && !a.is_boolean())
}

/// The pull policy the server gives an image: Always for `:latest` or no tag.
pub fn image_pull_policy(image: &str) -> &'static str {
    let name = image.rsplit('/').next().unwrap_or("");
    if name.contains('@') {
        return "IfNotPresent";
    }
    match name.rsplit_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

/// A value near `path`: `F` a field of the map holding the field, `..F` of
/// that map's parent, `...a.b` a path from the object's root.
fn relative<'a>(root: &'a Value, path: &FieldPath, rel: &str) -> Option<&'a Value> {
    let segments = path.segments();
    let (base, rest) = if let Some(r) = rel.strip_prefix("...") {
        (&segments[..0], r)
    } else if let Some(r) = rel.strip_prefix("..") {
        (segments.get(..segments.len().checked_sub(2)?)?, r)
    } else {
        (segments.get(..segments.len().checked_sub(1)?)?, rel)
    };
    let mut value = walk(root, base)?;
    for field in rest.split('.') {
        value = value.get(field)?;
    }
    Some(value)
}

fn walk<'a>(root: &'a Value, segments: &[Segment]) -> Option<&'a Value> {
    let mut value = root;
    for segment in segments {
        value = match segment {
            Segment::Field(f) => value.get(f)?,
            Segment::Index(i) => value.get(i)?,
            Segment::Key { field, value: key } => value
                .as_array()?
                .iter()
                .find(|item| item.get(field).and_then(scalar_text).as_ref() == Some(key))?,
            Segment::AnyItem => return None,
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests;
