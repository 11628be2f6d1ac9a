//! `replacements`: copy a field of one object into fields of others, with
//! kustomize's path syntax (`spec.http.0.route`, `[name=app]`, `*`) and
//! delimiter options.

use super::kustomization::scalar_string;
use super::resource::{Gvk, ResId, Resource};
use super::selector::label_selector_matches;
use super::smp::scalar_text;
use anyhow::{Result, anyhow, bail};
use serde_json::{Map, Value};

/// Applies each replacement in order to `resources`.
pub fn apply(resources: &mut [Resource], replacements: &[Value]) -> Result<()> {
    for r in replacements {
        apply_one(resources, r)?;
    }
    Ok(())
}

fn res_id(v: &Value) -> ResId {
    let s = |k: &str| v.get(k).and_then(scalar_string).unwrap_or_default();
    ResId {
        gvk: Gvk {
            group: s("group"),
            version: s("version"),
            kind: s("kind"),
        },
        name: s("name"),
        namespace: s("namespace"),
    }
}

fn apply_one(resources: &mut [Resource], replacement: &Value) -> Result<()> {
    let source = replacement
        .get("source")
        .ok_or_else(|| anyhow!("a replacement needs a source"))?;
    let selector = res_id(source);
    let mut found: Option<usize> = None;
    for (i, r) in resources.iter().enumerate() {
        if r.all_ids().iter().any(|id| id.is_selected_by(&selector)) {
            if found.is_some() {
                bail!("replacement source {selector}: more than one object matches");
            }
            found = Some(i);
        }
    }
    let Some(index) = found else {
        bail!("replacement source {selector}: nothing matches");
    };
    let field_path = source
        .get("fieldPath")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("metadata.name");
    let path = split_path(field_path);
    let mut value = lookup(&resources[index].obj, &path).ok_or_else(|| {
        anyhow!(
            "replacement source {selector}: field {field_path} not found in {}",
            resources[index].cur_id()
        )
    })?;
    if let Some(opts) = source.get("options")
        && let Some(delim) = opts.get("delimiter").and_then(Value::as_str)
        && !delim.is_empty()
    {
        let text = scalar_text(&value);
        let parts: Vec<&str> = text.split(delim).collect();
        let idx = opts.get("index").and_then(Value::as_i64).unwrap_or(0);
        if idx < 0 || idx as usize >= parts.len() {
            bail!("options.index {idx} is out of bounds for value {text}");
        }
        value = Value::String(parts[idx as usize].to_string());
    }
    for target in replacement
        .get("targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let select = target
            .get("select")
            .ok_or_else(|| anyhow!("a replacement target must select objects"))?;
        let rejects: Vec<&Value> = target
            .get("reject")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let field_paths: Vec<String> = match target.get("fieldPaths").and_then(Value::as_array) {
            Some(fps) if !fps.is_empty() => fps
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => vec!["metadata.name".to_string()],
        };
        let options = target.get("options");
        for r in resources.iter_mut() {
            if !selects(r, select)? {
                continue;
            }
            let mut rejected = false;
            for reject in &rejects {
                if rejects_resource(r, reject)? {
                    rejected = true;
                }
            }
            if rejected {
                continue;
            }
            for fp in &field_paths {
                copy_to(r, fp, &value, options)?;
            }
        }
    }
    Ok(())
}

fn selects(r: &Resource, sel: &Value) -> Result<bool> {
    let id = res_id(sel);
    if !r.all_ids().iter().any(|rid| rid.is_selected_by(&id)) {
        return Ok(false);
    }
    meta_selectors(r, sel)
}

fn meta_selectors(r: &Resource, sel: &Value) -> Result<bool> {
    if let Some(ls) = sel.get("labelSelector").and_then(Value::as_str)
        && !label_selector_matches(ls, &r.labels())?
    {
        return Ok(false);
    }
    if let Some(asel) = sel.get("annotationSelector").and_then(Value::as_str)
        && !label_selector_matches(asel, &r.annotations())?
    {
        return Ok(false);
    }
    Ok(true)
}

fn rejects_resource(r: &Resource, sel: &Value) -> Result<bool> {
    let id = res_id(sel);
    let empty_id = id.name.is_empty() && id.namespace.is_empty() && id.gvk == Gvk::default();
    let id_match = empty_id || r.cur_id().is_selected_by(&id);
    Ok(id_match && meta_selectors(r, sel)?)
}

/// Splits at dots outside `[...]`.
pub fn split_path(path: &str) -> Vec<String> {
    super::split_unnested(path, '.', ('[', ']'))
}

/// `[key.with.dots]`: a map key spelled in brackets.
fn bracket_key(part: &str) -> &str {
    match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        Some(inner) if !inner.contains('=') => inner,
        _ => part,
    }
}

fn element_match(part: &str) -> Option<(String, String)> {
    let inner = part.strip_prefix('[')?.strip_suffix(']')?;
    let (k, v) = inner.split_once('=')?;
    Some((k.to_string(), v.to_string()))
}

fn lookup(obj: &Value, path: &[String]) -> Option<Value> {
    let mut cur = obj;
    for part in path {
        cur = match cur {
            Value::Object(m) => m.get(bracket_key(part))?,
            Value::Array(items) => {
                if let Some((k, v)) = element_match(part) {
                    items
                        .iter()
                        .find(|i| i.get(&k).map(scalar_text).as_deref() == Some(v.as_str()))?
                } else {
                    items.get(part.parse::<usize>().ok()?)?
                }
            }
            _ => return None,
        };
    }
    let mut value = cur.clone();
    super::empty::to_null(&mut value);
    Some(value)
}

fn copy_to(r: &mut Resource, fp: &str, value: &Value, options: Option<&Value>) -> Result<()> {
    let create = options
        .and_then(|o| o.get("create"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let path = split_path(fp);
    let id = r.cur_id();
    let mut targets = 0;
    visit(&mut r.obj, &path, create, &mut |t| {
        targets += 1;
        set_value(t, value, options)
    })?;
    if targets == 0 {
        bail!("unable to find field {fp} in replacement target {id}");
    }
    Ok(())
}

fn visit(
    node: &mut Value,
    path: &[String],
    create: bool,
    f: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<()> {
    let Some(part) = path.first() else {
        return f(node);
    };
    let rest = &path[1..];
    match node {
        Value::Object(m) => {
            let part = &bracket_key(part).to_string();
            if part == "*" {
                for v in m.values_mut() {
                    visit(v, rest, false, f)?;
                }
                return Ok(());
            }
            if !m.contains_key(part) {
                if !create {
                    return Ok(());
                }
                let fresh = match rest.first() {
                    None => Value::Null,
                    Some(next)
                        if next.parse::<usize>().is_ok() || element_match(next).is_some() =>
                    {
                        Value::Array(Vec::new())
                    }
                    Some(_) => Value::Object(Map::new()),
                };
                m.insert(part.clone(), fresh);
            }
            let child = m.get_mut(part).expect("present or inserted");
            if child.is_null() && !rest.is_empty() && create {
                *child = Value::Object(Map::new());
            }
            visit(child, rest, create, f)
        }
        Value::Array(items) => {
            if part == "*" {
                for v in items.iter_mut() {
                    visit(v, rest, false, f)?;
                }
                return Ok(());
            }
            if let Some((k, v)) = element_match(part) {
                let pos = items
                    .iter()
                    .position(|i| i.get(&k).map(scalar_text).as_deref() == Some(v.as_str()));
                let pos = match pos {
                    Some(p) => p,
                    None if create => {
                        let mut m = Map::new();
                        m.insert(k.clone(), Value::String(v.clone()));
                        items.push(Value::Object(m));
                        items.len() - 1
                    }
                    None => return Ok(()),
                };
                return visit(&mut items[pos], rest, create, f);
            }
            match part.parse::<usize>() {
                Ok(i) if i < items.len() => visit(&mut items[i], rest, create, f),
                _ => Ok(()),
            }
        }
        Value::Null if create => {
            *node = Value::Object(Map::new());
            visit(node, path, create, f)
        }
        _ => Ok(()),
    }
}

/// Scalars keep their YAML type and take the value's text; other nodes are replaced.
fn set_value(target: &mut Value, value: &Value, options: Option<&Value>) -> Result<()> {
    let mut value = value.clone();
    if let Some(opts) = options
        && let Some(delim) = opts.get("delimiter").and_then(Value::as_str)
        && !delim.is_empty()
    {
        let Some(text) = target
            .as_str()
            .map(str::to_string)
            .or_else(|| match target {
                Value::Number(_) | Value::Bool(_) | Value::Null => Some(scalar_text(target)),
                _ => None,
            })
        else {
            bail!("delimiter option can only be used with scalar nodes");
        };
        let mut parts: Vec<String> = text.split(delim).map(str::to_string).collect();
        let v = scalar_text(&value);
        let idx = opts.get("index").and_then(Value::as_i64).unwrap_or(0);
        if idx < 0 {
            parts.insert(0, v);
        } else if idx as usize >= parts.len() {
            parts.push(v);
        } else {
            parts[idx as usize] = v;
        }
        value = Value::String(parts.join(delim));
    }
    match target {
        Value::String(_) if !value.is_object() && !value.is_array() => {
            *target = Value::String(scalar_text(&value));
        }
        Value::Number(_) if !value.is_object() && !value.is_array() => {
            let text = scalar_text(&value);
            *target = serde_json::from_str::<serde_json::Number>(&text)
                .map(Value::Number)
                .unwrap_or(Value::String(text));
        }
        Value::Bool(_) if !value.is_object() && !value.is_array() => {
            let text = scalar_text(&value);
            *target = match text.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(text),
            };
        }
        _ => *target = value,
    }
    Ok(())
}
