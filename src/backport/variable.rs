//! A value Flux's post-build substitution filled in (`${VAR}` in the
//! manifest) is edited where the variable is declared: the Flux
//! Kustomization's `postBuild.substitute`, or a `substituteFrom` ConfigMap
//! that Git declares; when no variable was set and the manifest's default
//! (`${VAR:=default}`) was taken, that default. A Secret's variable, a
//! variable that also fills in other fields, and a list or map holding a
//! variable are refused with the reason.

use super::plan::{Files, Planned, plan_at};
use crate::model::Finding;
use crate::path::FieldPath;
use crate::source::{Declaration, Declarations, VariableOrigin};
use serde_json::Value;

/// The edit of the variable behind the finding's value; `None` when no
/// variable fills it in.
pub fn plan(
    finding: &Finding,
    path: &FieldPath,
    declaration: &Declaration,
    declared: &Declarations,
    findings: &[Finding],
    files: &mut Files,
) -> Result<Option<Planned>, String> {
    let uses = &declaration.variables;
    if let Some(inner) = uses
        .iter()
        .find(|u| u.path.starts_with(path) && u.path != *path)
    {
        return Err(format!(
            "{path} holds a value Flux substitutes (`{}` at {}): backport edits a variable only where it makes up a whole field, not inside a list or map",
            inner.template, inner.path
        ));
    }
    let Some(found) = uses.iter().find(|u| u.path == *path) else {
        return Ok(None);
    };
    let live = scalar_text(finding.live.as_ref()).ok_or_else(|| {
        format!(
            "the live value is not a scalar, and Git writes `{}`",
            found.template
        )
    })?;
    let template = Template::parse(&found.template)?;
    let value = template.solve(&live).ok_or_else(|| {
        format!(
            "the live value no longer has the form `{}` that Git writes",
            found.template
        )
    })?;
    let name = template.name.as_str();
    let origin = found
        .origins
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, o)| o);
    let (object, target) = match origin {
        None => {
            // No variable was set: the manifest's own default was taken.
            if template.default.is_none() {
                return Err(format!("the variable {name} is not set"));
            }
            if value.contains(['$', '}']) {
                return Err(format!(
                    "the live value cannot be written as the default of ${{{name}}} (it holds `$` or `}}`)"
                ));
            }
            let mut edited = finding.clone();
            edited.live = Some(Value::String(template.with_default(&value)));
            return plan_at(&edited, declaration, files).map(Some);
        }
        Some(VariableOrigin::Secret(from)) => {
            return Err(format!(
                "the value comes from the variable {name}, set by {from}: a Secret value is never written anywhere"
            ));
        }
        Some(VariableOrigin::Cluster(what)) => {
            return Err(format!(
                "the value comes from the variable {name} of {what}, which Git does not declare"
            ));
        }
        Some(VariableOrigin::Substitute(kustomization)) => (
            kustomization,
            FieldPath::root()
                .field("spec")
                .field("postBuild")
                .field("substitute")
                .field(name),
        ),
        Some(VariableOrigin::ConfigMap(config_map)) => {
            (config_map, FieldPath::root().field("data").field(name))
        }
    };
    let origin = origin.expect("matched above");
    let mut others: Vec<String> = declared
        .values()
        .flat_map(|d| {
            d.variables
                .iter()
                .filter(|u| u.origins.iter().any(|(n, o)| n == name && o == origin))
                .filter(move |u| !(d.object == declaration.object && u.path == *path))
                // A field whose live value needs the same new value changes
                // nothing in the cluster: its finding goes too.
                .filter(|u| !needs_the_same(findings, &d.object, u, name, &value))
                .map(move |u| format!("{} {}", d.object, u.path))
        })
        .collect();
    others.sort();
    others.dedup();
    if !others.is_empty() {
        return Err(format!(
            "the variable {name} also sets {}: editing it would change them too",
            others.join(", ")
        ));
    }
    let target_declaration = declared
        .get(&object.identity())
        .ok_or_else(|| format!("no file declares {object}, which sets the variable {name}"))?;
    let mut edited = finding.clone();
    edited.object = object.clone();
    edited.path = Some(target.to_string());
    edited.live = Some(Value::String(value));
    let mut planned = plan_at(&edited, target_declaration, files)?;
    planned
        .expected
        .push((object.to_string(), target.to_string()));
    Ok(Some(planned))
}

/// The text a variable takes to make a scalar.
fn scalar_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
        _ => None,
    }
}

/// Whether a changed finding on `object` at `used.path` asks the variable
/// `name` for `value` as well.
fn needs_the_same(
    findings: &[Finding],
    object: &crate::model::ObjectRef,
    used: &crate::source::VariableUse,
    name: &str,
    value: &str,
) -> bool {
    let path = used.path.to_string();
    findings.iter().any(|f| {
        f.object == *object
            && f.change == crate::model::Change::Changed
            && f.path.as_deref() == Some(path.as_str())
            && Template::parse(&used.template).is_ok_and(|t| {
                t.name == name
                    && scalar_text(f.live.as_ref())
                        .and_then(|l| t.solve(&l))
                        .as_deref()
                        == Some(value)
            })
    })
}

/// A string with one variable expression: `prefix${NAME<op>default}suffix`.
#[derive(Debug, PartialEq)]
struct Template {
    /// As written (`$$` kept) and as substituted (`$$` read as `$`).
    prefix: (String, String),
    name: String,
    /// `:=`, `:-`, `=` or `-`, and the default after it.
    default: Option<(String, String)>,
    suffix: (String, String),
}

impl Template {
    fn parse(text: &str) -> Result<Template, String> {
        let mut parts: Vec<(String, String)> = vec![(String::new(), String::new())];
        let mut bodies = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            let (before, from) = rest.split_at(at);
            let last = parts.last_mut().expect("one part at least");
            last.0.push_str(before);
            last.1.push_str(before);
            if let Some(after) = from.strip_prefix("$$") {
                last.0.push_str("$$");
                last.1.push('$');
                rest = after;
            } else if let Some(body) = from.strip_prefix("${") {
                let end = body
                    .find('}')
                    .ok_or_else(|| format!("`{text}` is not a variable expression"))?;
                bodies.push(body[..end].to_string());
                parts.push((String::new(), String::new()));
                rest = &body[end + 1..];
            } else {
                last.0.push('$');
                last.1.push('$');
                rest = &from[1..];
            }
        }
        let last = parts.last_mut().expect("one part at least");
        last.0.push_str(rest);
        last.1.push_str(rest);
        let [body] = bodies.as_slice() else {
            return Err(format!(
                "`{text}` combines {} variables: which one the live value changed cannot be told",
                bodies.len()
            ));
        };
        let name_len = body
            .char_indices()
            .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
            .map_or(body.len(), |(i, _)| i);
        let (name, op) = body.split_at(name_len);
        let default = [":=", ":-", "=", "-"]
            .iter()
            .find_map(|o| op.strip_prefix(o).map(|d| (o.to_string(), d.to_string())));
        if name.is_empty() || (!op.is_empty() && default.is_none()) {
            return Err(format!(
                "`{text}` is not a variable expression Flux expands"
            ));
        }
        let suffix = parts.pop().expect("two parts");
        let prefix = parts.pop().expect("two parts");
        Ok(Template {
            prefix,
            name: name.to_string(),
            default,
            suffix,
        })
    }

    /// The variable's value that makes the template read `live`.
    fn solve(&self, live: &str) -> Option<String> {
        let middle = live.strip_prefix(self.prefix.1.as_str())?;
        let middle = middle.strip_suffix(self.suffix.1.as_str())?;
        Some(middle.to_string())
    }

    /// The template as written, its default replaced.
    fn with_default(&self, value: &str) -> String {
        let op = self.default.as_ref().map_or("", |(op, _)| op.as_str());
        format!(
            "{}${{{}{op}{value}}}{}",
            self.prefix.0, self.name, self.suffix.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_solved_for_its_one_variable() {
        let t = Template::parse("podinfo.${domain}").unwrap();
        assert_eq!(
            t.solve("podinfo.example.org").as_deref(),
            Some("example.org")
        );
        assert_eq!(t.solve("web.example.org"), None);
        let t = Template::parse("$${x}-${level:=info}").unwrap();
        assert_eq!(t.solve("${x}-debug").as_deref(), Some("debug"));
        assert_eq!(t.with_default("debug"), "$${x}-${level:=debug}");
        assert!(
            Template::parse("${a}-${b}")
                .unwrap_err()
                .contains("combines 2 variables")
        );
        assert!(Template::parse("${a:?x}").is_err());
    }
}
