//! Flux's post-build variable substitution (fluxcd/pkg envsubst, strict):
//! `${var}`, `${var:=default}`, `${var:-default}`, `${var=default}`,
//! `${var-default}`, and `$$` for a literal `$`. A bare `$var` and `$(VAR)`
//! are left alone (Flux documents `$var` as the way to keep shell variables).

use std::collections::{BTreeMap, BTreeSet};

/// Why a text could not be substituted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubstError {
    /// `${var}` with no value and no default (Flux's strict mode).
    #[error("variable ${{{name}}} is not set and has no default (line {line})")]
    Unset { name: String, line: usize },
    /// `${` that is not one of the forms Flux expands.
    #[error("line {line}: `{text}` is not a variable expression Flux expands")]
    Unsupported { text: String, line: usize },
    /// A `substitute`/`substituteFrom` key Flux refuses.
    #[error(
        "'{0}' var name is invalid (expected letters, digits and _, not starting with a digit)"
    )]
    InvalidName(String),
}

/// A variable name as Flux accepts it: `^[_[:alpha:]][_[:alpha:][:digit:]]*$`.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Checks the names of a variable set, as Flux does before substituting.
pub fn check_names(vars: &BTreeMap<String, String>) -> Result<(), SubstError> {
    match vars.keys().find(|k| !valid_name(k)) {
        Some(bad) => Err(SubstError::InvalidName(bad.clone())),
        None => Ok(()),
    }
}

/// Expands every variable expression of `text` with `vars`.
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Result<String, SubstError> {
    substitute_noting(text, vars, &mut BTreeSet::new())
}

/// [`substitute`], adding to `used` the name of every variable whose value
/// went into the result (a default taken instead is not a use).
pub fn substitute_noting(
    text: &str,
    vars: &BTreeMap<String, String>,
    used: &mut BTreeSet<String>,
) -> Result<String, SubstError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut line = 1;
    while let Some(at) = rest.find('$') {
        let (before, from) = rest.split_at(at);
        line += before.matches('\n').count();
        out.push_str(before);
        if let Some(after) = from.strip_prefix("$$") {
            out.push('$');
            rest = after;
            continue;
        }
        let Some(body_start) = from.strip_prefix("${") else {
            out.push('$');
            rest = &from[1..];
            continue;
        };
        let Some(end) = body_start.find('}') else {
            return Err(SubstError::Unsupported {
                text: from.lines().next().unwrap_or(from).to_string(),
                line,
            });
        };
        let body = &body_start[..end];
        out.push_str(&expand(body, vars, line, used)?);
        rest = &body_start[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// One `${...}` body.
fn expand(
    body: &str,
    vars: &BTreeMap<String, String>,
    line: usize,
    used: &mut BTreeSet<String>,
) -> Result<String, SubstError> {
    let name_len = body
        .char_indices()
        .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(body.len(), |(i, _)| i);
    let (name, op) = body.split_at(name_len);
    let unsupported = || SubstError::Unsupported {
        text: format!("${{{body}}}"),
        line,
    };
    if name.is_empty() {
        return Err(unsupported());
    }
    let value = vars.get(name);
    // `:=`/`:-` take the default when the variable is unset or empty,
    // `=`/`-` only when it is unset.
    let (default, when_empty) = if let Some(d) = op.strip_prefix(":=").or(op.strip_prefix(":-")) {
        (Some(d), true)
    } else if let Some(d) = op.strip_prefix('=').or(op.strip_prefix('-')) {
        (Some(d), false)
    } else if op.is_empty() {
        (None, false)
    } else {
        return Err(unsupported());
    };
    match (value, default) {
        (Some(v), Some(d)) if v.is_empty() && when_empty => Ok(d.to_string()),
        (Some(v), _) => {
            used.insert(name.to_string());
            Ok(v.clone())
        }
        (None, Some(d)) => Ok(d.to_string()),
        (None, None) => Err(SubstError::Unset {
            name: name.to_string(),
            line,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_form_flux_expands() {
        let v = vars(&[("region", "eu-west-1"), ("empty", "")]);
        let cases = [
            ("${region}", "eu-west-1"),
            ("podinfo.${region}.example", "podinfo.eu-west-1.example"),
            ("${region:=x}", "eu-west-1"),
            ("${region:-x}", "eu-west-1"),
            ("${region=x}", "eu-west-1"),
            ("${region-x}", "eu-west-1"),
            ("${unset:=info}", "info"),
            ("${unset:-info}", "info"),
            ("${unset=info}", "info"),
            ("${unset-info}", "info"),
            ("${empty:=info}", "info"),
            ("${empty:-info}", "info"),
            ("${empty=info}", ""),
            ("${empty-info}", ""),
            ("${empty}", ""),
            ("${unset:=}", ""),
            ("${unset:=a b:c}", "a b:c"),
            ("${region}${region}", "eu-west-1eu-west-1"),
        ];
        for (text, want) in cases {
            assert_eq!(substitute(text, &v).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn escapes_and_what_is_left_alone() {
        let v = vars(&[("region", "eu-west-1")]);
        let cases = [
            ("$${region}", "${region}"),
            ("$$region", "$region"),
            ("cost: $$5", "cost: $5"),
            ("--level=$(LOG_LEVEL)", "--level=$(LOG_LEVEL)"),
            ("echo $region $HOME", "echo $region $HOME"),
            ("trailing $", "trailing $"),
            ("$$$${region}", "$${region}"),
            ("$$${region}", "$eu-west-1"),
        ];
        for (text, want) in cases {
            assert_eq!(substitute(text, &v).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn unset_variable_without_default_is_an_error_with_its_line() {
        let err = substitute("a: 1\nb: ${missing}\n", &vars(&[])).unwrap_err();
        assert_eq!(
            err,
            SubstError::Unset {
                name: "missing".into(),
                line: 2
            }
        );
        assert!(err.to_string().contains("${missing}"), "{err}");
    }

    #[test]
    fn expressions_flux_does_not_expand_are_errors() {
        for text in [
            "${}",
            "${1abc}",
            "${region^^}",
            "${#region}",
            "${region",
            "${a:1:2}",
        ] {
            let err = substitute(text, &vars(&[("region", "x"), ("a", "y")])).unwrap_err();
            assert!(
                matches!(err, SubstError::Unsupported { .. }),
                "{text}: {err:?}"
            );
        }
    }

    #[test]
    fn variable_names_flux_refuses() {
        assert!(valid_name("cluster_env"));
        assert!(valid_name("_x1"));
        for bad in ["1x", "a-b", "a.b", "", "é"] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert_eq!(
            check_names(&vars(&[("ok", "1"), ("not-ok", "2")])),
            Err(SubstError::InvalidName("not-ok".into()))
        );
    }

    #[test]
    fn a_variable_is_used_only_when_its_value_is_taken() {
        let v = vars(&[("password", "hunter2"), ("empty", "")]);
        let mut used = BTreeSet::new();
        let out = substitute_noting(
            "a: ${password}\nb: ${empty:=x}\nc: ${unset:-y}\nd: $${password}\n",
            &v,
            &mut used,
        )
        .unwrap();
        assert_eq!(out, "a: hunter2\nb: x\nc: y\nd: ${password}\n");
        assert_eq!(used.into_iter().collect::<Vec<_>>(), ["password"]);
    }
}
