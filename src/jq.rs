//! jq path expressions (Argo CD's `jqPathExpressions`, rules' `jq`),
//! evaluated by jaq: which JSON paths of an object an expression selects.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde_json::Value;

/// A compiled `path(EXPR)` program.
pub struct JqPath {
    expression: String,
    filter: jaq_core::compile::Filter<jaq_core::Native<data::JustLut<Val>>>,
}

impl std::fmt::Debug for JqPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JqPath({})", self.expression)
    }
}

impl JqPath {
    /// Compiles `expression`; the error says what jaq could not read.
    pub fn compile(expression: &str) -> Result<JqPath, String> {
        let code = format!("path({expression})");
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let modules = loader
            .load(
                &arena,
                File {
                    code: code.as_str(),
                    path: (),
                },
            )
            .map_err(|errors| {
                let reasons: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, e)| load_reasons(e, &code))
                    .collect();
                format!(
                    "cannot parse jq expression {expression:?}: {}",
                    reasons.join("; ")
                )
            })?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errors| {
                let reasons: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, e)| e)
                    .map(|(name, undefined)| format!("undefined {} {name}", undefined.as_str()))
                    .collect();
                format!(
                    "cannot compile jq expression {expression:?}: {}",
                    reasons.join("; ")
                )
            })?;
        Ok(JqPath {
            expression: expression.to_string(),
            filter,
        })
    }

    /// The paths (as JSON Pointer segments) the expression selects in `object`.
    /// Evaluation errors (a `.[]` on a string, say) select nothing.
    pub fn paths(&self, object: &Value) -> Vec<Vec<String>> {
        let Ok(input) = jaq_json::read::parse_single(object.to_string().as_bytes()) else {
            return Vec::new();
        };
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        self.filter
            .id
            .run((ctx, input))
            .map(unwrap_valr)
            .take(10_000)
            .filter_map(Result::ok)
            .filter_map(|path| serde_json::from_str::<Value>(&path.to_string()).ok())
            .filter_map(|path| {
                path.as_array().map(|segments| {
                    segments
                        .iter()
                        .map(|s| match s {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect()
                })
            })
            .collect()
    }
}

/// `path(` wraps the user's expression: positions are told in theirs.
const WRAPPER: usize = "path(".len();

/// Where `rest` (a tail of `code`) begins, in the user's expression, and
/// what stands there.
fn position(code: &str, rest: &str) -> String {
    let offset = (rest.as_ptr() as usize).saturating_sub(code.as_ptr() as usize);
    let shown = rest.strip_suffix(')').unwrap_or(rest);
    if offset >= code.len().saturating_sub(1) || shown.is_empty() {
        "at the end".to_string()
    } else {
        let column = offset.saturating_sub(WRAPPER) + 1;
        format!("at character {column} (`{shown}`)")
    }
}

/// jaq's lex and parse errors in words: what was expected, and where.
fn load_reasons(error: jaq_core::load::Error<&str>, code: &str) -> Vec<String> {
    use jaq_core::load::{Error, lex};
    match error {
        Error::Io(errors) => errors.into_iter().map(|(_, e)| e).collect(),
        Error::Lex(errors) => errors
            .into_iter()
            .map(|(expect, rest)| {
                let what = match expect {
                    lex::Expect::Delim("(") => "a closing parenthesis",
                    lex::Expect::Delim("[") => "a closing bracket",
                    lex::Expect::Delim("{") => "a closing brace",
                    lex::Expect::Delim("\"") => "a closing quote",
                    lex::Expect::Delim(_) => "a closing delimiter",
                    lex::Expect::Digit => "a digit",
                    lex::Expect::Ident => "an identifier",
                    lex::Expect::Escape => "a string escape sequence",
                    lex::Expect::Unicode => "a 4-digit hexadecimal code point",
                    _ => "a token",
                };
                format!("expected {what} {}", position(code, rest))
            })
            .collect(),
        Error::Parse(errors) => errors
            .into_iter()
            .map(|(expect, rest)| format!("expected {} {}", expect.as_str(), position(code, rest)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_paths_like_argo_cd() {
        let object = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "sidecar", "env": []}, {"name": "app", "env": [{"name": "A"}]}]}}}});
        let jq =
            JqPath::compile(".spec.template.spec.containers[] | select(.name == \"app\") | .env")
                .unwrap();
        assert_eq!(
            jq.paths(&object),
            vec![vec!["spec", "template", "spec", "containers", "1", "env"]]
        );
        assert_eq!(
            JqPath::compile(".spec.replicas").unwrap().paths(&object),
            vec![vec!["spec", "replicas"]]
        );
    }

    #[test]
    fn bad_expressions_are_errors() {
        let err = JqPath::compile(".spec[").unwrap_err();
        assert!(
            err.starts_with("cannot parse jq expression \".spec[\": expected"),
            "{err}"
        );
        assert!(!err.contains("error(s)"), "{err}");
        let err = JqPath::compile("nosuchfunction(1)").unwrap_err();
        assert!(err.contains("undefined filter nosuchfunction"), "{err}");
    }
}
