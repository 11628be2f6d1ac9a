//! `vars`: `$(NAME)` in the fields kustomize's varReference lists, replaced
//! by a field of the object each var names, after names are final.

use super::fieldspec::{self, Create, FieldSpec};
use super::resource::{Gvk, ResId, Resource};
use super::smp::scalar_text;
use anyhow::{Result, anyhow, bail};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    pub target: ResId,
    pub field_path: String,
}

/// A field looked up as Go's encoding/json does: case-insensitively.
fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).or_else(|| {
        v.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

impl Var {
    pub fn parse(v: &Value, file: &str) -> Result<Var> {
        let name = get_ci(v, "name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| anyhow!("{file}: vars: every var needs a name"))?
            .to_string();
        let objref =
            get_ci(v, "objref").ok_or_else(|| anyhow!("{file}: var {name}: needs an objref"))?;
        let s = |k: &str| {
            get_ci(objref, k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let mut gvk = Gvk::from_api_version(&s("apiVersion"), &s("kind"));
        if gvk.group.is_empty() && !s("group").is_empty() {
            gvk.group = s("group");
        }
        if gvk.version.is_empty() && !s("version").is_empty() {
            gvk.version = s("version");
        }
        let field_path = get_ci(v, "fieldref")
            .and_then(|f| get_ci(f, "fieldPath"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("metadata.name")
            .to_string();
        Ok(Var {
            name,
            target: ResId {
                gvk,
                name: s("name"),
                namespace: s("namespace"),
            },
            field_path,
        })
    }
}

/// Records which object each of a kustomization's vars refers to and adds
/// them to the vars collected so far.
pub fn merge(resources: &mut [Resource], all: &mut Vec<Var>, incoming: Vec<Var>) -> Result<()> {
    for var in incoming {
        let strict = !var.target.namespace.is_empty() || var.target.gvk.is_cluster_scoped();
        let matched: Vec<usize> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let org = r.org_id();
                if strict {
                    org.equals(&var.target)
                } else {
                    org.gvkn_equals(&var.target)
                }
            })
            .map(|(i, _)| i)
            .collect();
        if matched.len() > 1 {
            bail!(
                "found {} objects for var {} ({}); cannot tell which one it means",
                matched.len(),
                var.name,
                var.target
            );
        }
        if let Some(i) = matched.first() {
            resources[*i].ref_vars.push(var.name.clone());
        }
        if all.iter().any(|v| v.name == var.name) {
            bail!("var {} is defined more than once", var.name);
        }
        all.push(var);
    }
    Ok(())
}

/// Replaces `$(VAR)` in the varReference fields of every object.
pub fn resolve(resources: &mut [Resource], vars: &[Var], specs: &[FieldSpec]) -> Result<()> {
    if vars.is_empty() {
        return Ok(());
    }
    let mut values: Vec<(String, Value)> = Vec::new();
    for var in vars {
        let owner = resources
            .iter()
            .find(|r| r.ref_vars.contains(&var.name))
            .ok_or_else(|| {
                anyhow!(
                    "var {} refers to {}, which is not among the objects rendered",
                    var.name,
                    var.target
                )
            })?;
        let value = field_value(&owner.obj, &var.field_path).ok_or_else(|| {
            anyhow!(
                "var {}: field {} not found in {}",
                var.name,
                var.field_path,
                owner.cur_id()
            )
        })?;
        values.push((var.name.clone(), value));
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for spec in specs {
            fieldspec::apply(&mut r.obj, &gvk, spec, Create::Nothing, &mut |node| {
                expand_node(node, &values);
                Ok(())
            })?;
        }
    }
    Ok(())
}

fn expand_node(node: &mut Value, values: &[(String, Value)]) {
    match node {
        Value::String(s) => *node = expand(s, values),
        Value::Object(m) => {
            for v in m.values_mut() {
                if let Value::String(s) = v {
                    *v = expand(s, values);
                }
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                if let Value::String(s) = v {
                    *v = expand(s, values);
                }
            }
        }
        _ => {}
    }
}

/// kustomize's expansion: `$(VAR)` is replaced when VAR is known, `$$` is a
/// literal `$`; a string that is exactly one reference takes the value's type.
pub fn expand(input: &str, values: &[(String, Value)]) -> Value {
    let lookup = |name: &str| values.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    if let Some(name) = input.strip_prefix("$(").and_then(|r| r.strip_suffix(')'))
        && !name.contains(')')
        && let Some(v) = lookup(name)
    {
        return v.clone();
    }
    let bytes = input.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut checkpoint = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && i + 1 < bytes.len() {
            out.push_str(&input[checkpoint..i]);
            match bytes[i + 1] {
                b'$' => {
                    out.push('$');
                    i += 2;
                }
                b'(' => match input[i + 2..].find(')') {
                    Some(end) => {
                        let name = &input[i + 2..i + 2 + end];
                        match lookup(name) {
                            Some(v) => out.push_str(&scalar_text(v)),
                            None => out.push_str(&input[i..i + 3 + end]),
                        }
                        i += 3 + end;
                    }
                    None => {
                        out.push_str(&input[i..]);
                        i = bytes.len();
                    }
                },
                _ => {
                    out.push('$');
                    i += 1;
                }
            }
            checkpoint = i;
        } else {
            i += 1;
        }
    }
    if checkpoint < bytes.len() {
        out.push_str(&input[checkpoint..]);
    }
    Value::String(out)
}

/// A value at a dotted path (`data.KEY`, `spec.containers[0].image`).
pub fn field_value(obj: &Value, path: &str) -> Option<Value> {
    let mut cur = obj;
    for part in path.split('.') {
        let (name, index) = match part.find('[') {
            Some(b) if part.ends_with(']') => (&part[..b], Some(&part[b + 1..part.len() - 1])),
            _ => (part, None),
        };
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        if let Some(index) = index {
            cur = cur.get(index.parse::<usize>().ok()?)?;
        }
    }
    let mut value = cur.clone();
    super::empty::to_null(&mut value);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expansion() {
        let values = vec![
            ("NS".to_string(), json!("kubeflow")),
            ("N".to_string(), json!(3)),
        ];
        assert_eq!(expand("$(NS).svc", &values), json!("kubeflow.svc"));
        assert_eq!(expand("$(N)", &values), json!(3));
        assert_eq!(expand("x$(N)", &values), json!("x3"));
        assert_eq!(expand("$(OTHER)-$$(NS)", &values), json!("$(OTHER)-$(NS)"));
    }
}
