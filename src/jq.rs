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
                format!(
                    "cannot parse jq expression {expression:?} ({} error(s))",
                    errors.len()
                )
            })?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errors| {
                format!(
                    "cannot compile jq expression {expression:?} ({} error(s))",
                    errors.len()
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
        assert!(
            JqPath::compile(".spec[")
                .unwrap_err()
                .contains("cannot parse")
        );
        assert!(JqPath::compile("nosuchfunction(1)").is_err());
    }
}
