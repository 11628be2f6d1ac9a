//! `--only` selectors: comma-separated `key=value` terms that must all match
//! a finding. `kind`, `namespace`, `name` and `manager` mean what they mean
//! in the rules file (src/rules.rs); `path` is a path prefix in the same
//! notation; `category` and `object` (`Kind/namespace/name`) are shorthands.

use crate::model::{Category, Finding};
use crate::path::FieldPath;

#[derive(Debug, Clone)]
pub struct Selector {
    terms: Vec<Term>,
}

#[derive(Debug, Clone)]
enum Term {
    Category(Category),
    Kind(String),
    Namespace(String),
    Name(String),
    Path(FieldPath),
    Manager(String),
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut terms = Vec::new();
        for term in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let Some((key, value)) = term.split_once('=') else {
                return Err(format!(
                    "--only {text}: `{term}` is not key=value (keys: category, object, kind, namespace, name, path, manager)"
                ));
            };
            let value = value.trim();
            match key.trim() {
                "category" => terms.push(Term::Category(Category::parse(value).ok_or_else(|| {
                    format!("--only {text}: unknown category {value} (image, config, secret, missing, orphan, controller)")
                })?)),
                "kind" => terms.push(Term::Kind(value.into())),
                "namespace" => terms.push(Term::Namespace(value.into())),
                "name" => terms.push(Term::Name(value.into())),
                "manager" => terms.push(Term::Manager(value.into())),
                "path" => terms.push(Term::Path(FieldPath::parse(value).map_err(|e| format!("--only {text}: path {value}: {e}"))?)),
                "object" => {
                    let parts: Vec<&str> = value.split('/').collect();
                    match parts.as_slice() {
                        [kind, name] => {
                            terms.push(Term::Kind((*kind).into()));
                            terms.push(Term::Name((*name).into()));
                        }
                        [kind, namespace, name] => {
                            terms.push(Term::Kind((*kind).into()));
                            terms.push(Term::Namespace((*namespace).into()));
                            terms.push(Term::Name((*name).into()));
                        }
                        _ => return Err(format!("--only {text}: object={value}: expected Kind/name or Kind/namespace/name")),
                    }
                }
                other => return Err(format!("--only {text}: unknown key {other} (keys: category, object, kind, namespace, name, path, manager)")),
            }
        }
        if terms.is_empty() {
            return Err("--only: an empty selector".into());
        }
        Ok(Selector { terms })
    }

    pub fn matches(&self, f: &Finding) -> bool {
        self.terms.iter().all(|t| match t {
            Term::Category(c) => f.category == *c,
            Term::Kind(k) => f.object.kind == *k,
            Term::Namespace(n) => f.object.namespace.as_deref() == Some(n.as_str()),
            Term::Name(n) => f.object.name == *n,
            Term::Manager(m) => f.attribution.as_ref().is_some_and(|a| a.manager == *m),
            Term::Path(prefix) => f
                .path
                .as_deref()
                .and_then(|p| FieldPath::parse(p).ok())
                .is_some_and(|p| p.starts_with(prefix)),
        })
    }
}

/// The findings asked for: every image and config finding by default (and
/// every orphan when orphans are adopted), else those some `--only`
/// selector matches (whatever their category: the ones that cannot be
/// backported are then listed with the reason).
pub fn selected(findings: &[Finding], only: &[Selector], adopt_orphans: bool) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| {
            if only.is_empty() {
                matches!(f.category, Category::Image | Category::Config)
                    || (adopt_orphans && f.category == Category::Orphan)
            } else {
                only.iter().any(|s| s.matches(f))
            }
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_selectors_say_what_is_expected() {
        assert!(
            Selector::parse("colour=red")
                .unwrap_err()
                .contains("unknown key colour")
        );
        assert!(
            Selector::parse("object=a/b/c/d")
                .unwrap_err()
                .contains("Kind/namespace/name")
        );
        assert!(
            Selector::parse("category=images")
                .unwrap_err()
                .contains("unknown category")
        );
        assert!(
            Selector::parse("config")
                .unwrap_err()
                .contains("not key=value")
        );
    }
}
