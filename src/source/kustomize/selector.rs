//! Target selectors of patches (group, version, kind, name and namespace as
//! anchored regular expressions; label and annotation selectors), as
//! kustomize's `ResMap.Select` matches them.

use super::resource::Resource;
use anyhow::{Result, anyhow, bail};
use regex::Regex;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default)]
pub struct Selector {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Option<String>,
    annotations: Option<String>,
}

/// A target field: kustomize reads each as a regular expression matching
/// the whole value. Most are plain names, compared as such (compiling a
/// regular expression costs more than the rest of a small build).
#[derive(Debug, Clone)]
enum Pattern {
    Literal(String),
    Regex(Regex),
}

impl Pattern {
    fn is_match(&self, value: &str) -> bool {
        match self {
            Pattern::Literal(s) => s == value,
            Pattern::Regex(re) => re.is_match(value),
        }
    }
}

fn anchored(v: &Value, key: &str) -> Result<Option<Pattern>> {
    match v.get(key).and_then(super::kustomization::scalar_string) {
        Some(s)
            if !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || "-_:/".contains(c)) =>
        {
            Ok(Some(Pattern::Literal(s)))
        }
        Some(s) if !s.is_empty() => Regex::new(&format!("^(?:{s})$"))
            .map(|re| Some(Pattern::Regex(re)))
            .map_err(|e| anyhow!("target {key} `{s}` is not a valid regular expression: {e}")),
        _ => Ok(None),
    }
}

impl Selector {
    pub fn parse(v: &Value) -> Result<Selector> {
        if !v.is_object() {
            bail!("a patch target must be a map");
        }
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Ok(Selector {
            group: anchored(v, "group")?,
            version: anchored(v, "version")?,
            kind: anchored(v, "kind")?,
            name: anchored(v, "name")?,
            namespace: anchored(v, "namespace")?,
            labels: s("labelSelector").filter(|s| !s.is_empty()),
            annotations: s("annotationSelector").filter(|s| !s.is_empty()),
        })
    }

    /// kustomize matches names and namespaces against both the original and
    /// the current identity.
    pub fn selects(&self, r: &Resource) -> Result<bool> {
        let cur = r.cur_id();
        let org = r.org_id();
        if let Some(ns) = &self.namespace
            && !ns.is_match(org.effective_namespace())
            && !ns.is_match(cur.effective_namespace())
        {
            return Ok(false);
        }
        if let Some(name) = &self.name
            && !name.is_match(&org.name)
            && !name.is_match(&cur.name)
        {
            return Ok(false);
        }
        let gvk = r.gvk();
        for (re, part) in [
            (&self.group, &gvk.group),
            (&self.version, &gvk.version),
            (&self.kind, &gvk.kind),
        ] {
            if let Some(re) = re
                && !re.is_match(part)
            {
                return Ok(false);
            }
        }
        if let Some(sel) = &self.labels
            && !label_selector_matches(sel, &r.labels())?
        {
            return Ok(false);
        }
        if let Some(sel) = &self.annotations
            && !label_selector_matches(sel, &r.annotations())?
        {
            return Ok(false);
        }
        Ok(true)
    }
}

/// Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
/// `a notin (x)`, `a`, `!a`, joined by commas.
pub fn label_selector_matches(selector: &str, labels: &Map<String, Value>) -> Result<bool> {
    let get = |k: &str| labels.get(k).and_then(Value::as_str);
    for clause in split_clauses(selector) {
        let clause = clause.trim();
        if clause.is_empty() {
            continue;
        }
        let ok = if let Some(key) = clause.strip_prefix('!') {
            get(key.trim()).is_none()
        } else if let Some((k, v)) = clause.split_once("!=") {
            get(k.trim()) != Some(v.trim())
        } else if let Some((k, v)) = clause.split_once("==").or_else(|| clause.split_once('=')) {
            get(k.trim()) == Some(v.trim())
        } else if let Some((k, set)) = split_set(clause, " notin ") {
            get(k).is_none_or(|v| !set.contains(&v))
        } else if let Some((k, set)) = split_set(clause, " in ") {
            get(k).is_some_and(|v| set.contains(&v))
        } else if clause
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./".contains(c))
        {
            get(clause).is_some()
        } else {
            bail!("invalid label selector `{selector}`");
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn split_clauses(selector: &str) -> Vec<String> {
    super::split_unnested(selector, ',', ('(', ')'))
}

fn split_set<'a>(clause: &'a str, op: &str) -> Option<(&'a str, Vec<&'a str>)> {
    let (k, rest) = clause.split_once(op)?;
    let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some((k.trim(), inner.split(',').map(str::trim).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let labels = json!({"app": "web", "tier": "front"});
        let labels = labels.as_object().unwrap();
        for (sel, want) in [
            ("app=web", true),
            ("app==web,tier=front", true),
            ("app!=web", false),
            ("app in (api, web)", true),
            ("tier notin (front)", false),
            ("!missing", true),
            ("missing", false),
        ] {
            assert_eq!(label_selector_matches(sel, labels).unwrap(), want, "{sel}");
        }
    }
}
