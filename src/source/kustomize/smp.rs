//! Strategic merge patches as kustomize applies them (kyaml's merge2 walk):
//! maps merge field by field, lists with a merge strategy merge item by merge
//! key (the patch's items first, then the rest), other lists and scalars are
//! replaced, `null` deletes, `$patch: delete|replace` are honoured. Merge
//! keys come from the Kubernetes schema; kinds it does not know (custom
//! resources) have none, so their lists are replaced.

use super::empty::is_empty_marker;
use super::schema::{Field, Schema};
use anyhow::{Result, bail};
use serde_json::{Map, Value};

/// Merges `patch` into `dest`. `None` means the object was deleted.
pub fn merge(dest: Value, patch: &Value) -> Result<Option<Value>> {
    let schema = resource_schema(patch).or_else(|| resource_schema(&dest));
    walk(Some(dest), Some(patch.clone()), schema, None)
}

fn resource_schema(v: &Value) -> Option<Schema> {
    let api = v.get("apiVersion")?.as_str()?;
    let kind = v.get("kind")?.as_str()?;
    Schema::for_resource(api, kind)
}

#[derive(Debug, PartialEq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

/// Reads and removes `$patch` from a map.
fn take_directive(patch: &mut Value) -> Result<Directive> {
    let Some(map) = patch.as_object_mut() else {
        return Ok(Directive::Merge);
    };
    let Some(v) = map.remove("$patch") else {
        return Ok(Directive::Merge);
    };
    match v.as_str() {
        Some("delete") => Ok(Directive::Delete),
        Some("replace") => Ok(Directive::Replace),
        Some("merge") => Ok(Directive::Merge),
        _ => bail!("unknown patch strategy '{v}'"),
    }
}

fn is_null(v: &Option<Value>) -> bool {
    matches!(v, None | Some(Value::Null))
}

/// Walks dest and patch together; `field` is the schema entry of the field
/// holding them (for lists).
fn walk(
    dest: Option<Value>,
    patch: Option<Value>,
    schema: Option<Schema>,
    field: Option<&Field>,
) -> Result<Option<Value>> {
    let dest = dest.map(|d| if is_empty_marker(&d) { Value::Null } else { d });
    // The kind of the first non-null source decides how to walk.
    let kind = [&dest, &patch]
        .into_iter()
        .find_map(|v| v.as_ref().filter(|v| !v.is_null()))
        .map(kind_of);
    match kind {
        Some(Kind::Map) | None => walk_map(dest, patch, schema),
        Some(Kind::List) => {
            check_kinds(&dest, &patch, Kind::List)?;
            match field {
                Some(f) if f.is_associative() => walk_associative(dest, patch, schema, f),
                _ => Ok(match patch {
                    Some(p) => Some(p),
                    None => dest,
                }),
            }
        }
        Some(Kind::Scalar) => {
            check_kinds(&dest, &patch, Kind::Scalar)?;
            Ok(match patch {
                Some(p) => Some(p),
                None => dest,
            })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Map,
    List,
    Scalar,
}

fn kind_of(v: &Value) -> Kind {
    match v {
        Value::Object(_) => Kind::Map,
        Value::Array(_) => Kind::List,
        _ => Kind::Scalar,
    }
}

fn check_kinds(dest: &Option<Value>, patch: &Option<Value>, want: Kind) -> Result<()> {
    for v in [dest, patch].into_iter().flatten() {
        if !v.is_null() && kind_of(v) != want {
            bail!(
                "the patch and the object disagree on the type of a field ({} vs {})",
                describe(dest),
                describe(patch)
            );
        }
    }
    Ok(())
}

fn describe(v: &Option<Value>) -> &'static str {
    match v {
        None | Some(Value::Null) => "null",
        Some(Value::Object(_)) => "a map",
        Some(Value::Array(_)) => "a list",
        Some(_) => "a scalar",
    }
}

fn walk_map(
    dest: Option<Value>,
    patch: Option<Value>,
    schema: Option<Schema>,
) -> Result<Option<Value>> {
    if let Some(v) = &dest
        && !v.is_null()
        && !v.is_object()
    {
        bail!(
            "the patch has a map where the object has {}",
            describe(&dest)
        );
    }
    if let Some(v) = &patch
        && !v.is_null()
        && !v.is_object()
    {
        bail!(
            "the patch has {} where the object has a map",
            describe(&patch)
        );
    }
    let mut patch = patch;
    // VisitMap: what the merged map starts from.
    let base: Value = if is_null(&dest) {
        let Some(mut p) = patch.clone() else {
            return Ok(None);
        };
        if p.is_null() {
            return Ok(None);
        }
        if take_directive(&mut p)? == Directive::Delete {
            return Ok(None);
        }
        patch = Some(p.clone());
        p
    } else if matches!(patch, Some(Value::Null)) {
        return Ok(None);
    } else {
        let directive = match patch.as_mut() {
            Some(p) => take_directive(p)?,
            None => Directive::Merge,
        };
        match directive {
            Directive::Delete => return Ok(None),
            Directive::Replace => {
                let p = patch.clone().unwrap_or(Value::Null);
                patch = Some(p.clone());
                p
            }
            Directive::Merge => dest.clone().unwrap_or(Value::Null),
        }
    };
    let mut out = match base {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let patch_map = patch.and_then(|p| match p {
        Value::Object(m) => Some(m),
        _ => None,
    });
    let mut names: Vec<String> = out.keys().cloned().collect();
    if let Some(pm) = &patch_map {
        names.extend(pm.keys().cloned());
    }
    names.sort();
    names.dedup();
    for name in names {
        let (field, inner) = match schema.and_then(|s| s.field(&name)) {
            Some((f, inner)) => (Some(f), inner),
            None => (None, None),
        };
        let d = out.remove(&name);
        let p = patch_map.as_ref().and_then(|m| m.get(&name).cloned());
        if p.is_none() {
            // Untouched by the patch: explicit nulls stay, empty fields go.
            if let Some(mut d) = d
                && !is_empty_marker(&d)
            {
                drop_empty(&mut d, inner, field);
                out.insert(name, d);
            }
            continue;
        }
        let merged = if field.is_some_and(|f| f.map.is_some() && !f.list) {
            walk_typed_map(d, p, field.and_then(Schema::map_value))?
        } else {
            walk(d, p, inner, field)?
        };
        if let Some(v) = merged
            && !v.is_null()
        {
            out.insert(name, v);
        }
    }
    Ok(Some(Value::Object(out)))
}

/// Removes empty fields from every map kustomize's walk reaches: maps and
/// the items of lists it merges by key (not lists it replaces).
fn drop_empty(v: &mut Value, schema: Option<Schema>, field: Option<&Field>) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !is_empty_marker(x));
            let typed_map = field.is_some_and(|f| f.map.is_some() && !f.list);
            for (k, x) in m.iter_mut() {
                if typed_map {
                    drop_empty(x, field.and_then(Schema::map_value), None);
                    continue;
                }
                match schema.and_then(|s| s.field(k)) {
                    Some((f, inner)) => drop_empty(x, inner, Some(f)),
                    None => drop_empty(x, None, None),
                }
            }
        }
        Value::Array(items)
            if field.is_some_and(|f| f.is_associative() && !f.merge_keys().is_empty()) =>
        {
            for item in items {
                drop_empty(item, schema, None);
            }
        }
        _ => {}
    }
}

/// `map[string]T` fields: each value merges with T's schema.
fn walk_typed_map(
    dest: Option<Value>,
    patch: Option<Value>,
    value_schema: Option<Schema>,
) -> Result<Option<Value>> {
    if !dest.as_ref().is_some_and(Value::is_object) || !patch.as_ref().is_some_and(Value::is_object)
    {
        return walk(dest, patch, None, None);
    }
    let mut d = match dest {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let p = match patch {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut names: Vec<String> = d.keys().chain(p.keys()).cloned().collect();
    names.sort();
    names.dedup();
    let mut out = Map::new();
    for name in names {
        let merged = walk(d.remove(&name), p.get(&name).cloned(), value_schema, None)?;
        if let Some(v) = merged
            && !v.is_null()
        {
            out.insert(name, v);
        }
    }
    Ok(Some(Value::Object(out)))
}

/// Lists with a merge strategy (kyaml's associative sequence walk with
/// items from the patch placed first).
fn walk_associative(
    dest: Option<Value>,
    patch: Option<Value>,
    schema: Option<Schema>,
    field: &Field,
) -> Result<Option<Value>> {
    // VisitList
    if is_null(&dest) {
        return Ok(patch.filter(|p| !p.is_null()));
    }
    if matches!(patch, Some(Value::Null)) {
        return Ok(None);
    }
    let dest_items = match dest {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let mut patch_items = match patch {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    // An item that is only `$patch: X` directs the whole list.
    let directive = patch_items.iter().position(|i| {
        i.as_object()
            .is_some_and(|m| m.len() == 1 && m.contains_key("$patch"))
    });
    if let Some(at) = directive {
        let item = patch_items.remove(at);
        match item["$patch"].as_str() {
            Some("replace") => return Ok(Some(Value::Array(patch_items))),
            Some("delete") => return Ok(None),
            Some("merge") => {}
            _ => bail!("unknown patch strategy '{}'", item["$patch"]),
        }
    }
    let keys = field.merge_keys();
    if keys.is_empty() {
        return Ok(primitive_union(dest_items, patch_items));
    }
    // Key values of every item, patch items first.
    let key_of = |item: &Value| -> Vec<String> {
        keys.iter()
            .map(|k| item.get(k).map(scalar_text).unwrap_or_default())
            .collect()
    };
    let mut order: Vec<Vec<String>> = Vec::new();
    for item in patch_items.iter().chain(dest_items.iter()) {
        if !item.is_object() {
            continue;
        }
        let v = key_of(item);
        if v.iter().all(String::is_empty) || order.contains(&v) {
            continue;
        }
        order.push(v);
    }
    let matches = |item: &Value, keys_used: &[&String], values: &[&String]| -> bool {
        keys_used
            .iter()
            .zip(values)
            .all(|(k, v)| item.get(k.as_str()).map(scalar_text).as_deref() == Some(v.as_str()))
    };
    let mut dest_items = dest_items;
    let mut result: Vec<Value> = Vec::new();
    for values in &order {
        // Secondary keys missing from an item are left out of the match.
        let (keys_used, vals): (Vec<&String>, Vec<&String>) = keys
            .iter()
            .zip(values.iter())
            .filter(|(_, v)| !v.is_empty())
            .unzip();
        let d_index = dest_items
            .iter()
            .position(|i| i.is_object() && matches(i, &keys_used, &vals));
        let d = d_index.map(|i| dest_items[i].clone());
        let p = patch_items
            .iter()
            .find(|i| i.is_object() && matches(i, &keys_used, &vals))
            .cloned();
        let merged = walk(d, p, schema, None)?;
        let deleted = match &merged {
            None | Some(Value::Null) => true,
            Some(Value::Object(m)) => m.is_empty(),
            _ => false,
        };
        if deleted {
            if let Some(i) = d_index {
                dest_items.remove(i);
            }
            continue;
        }
        let mut merged = merged.expect("not deleted");
        if let Value::Object(m) = &mut merged {
            for (k, v) in keys_used.iter().zip(vals.iter()) {
                m.entry(k.to_string())
                    .or_insert_with(|| Value::String(v.to_string()));
            }
        }
        result.push(merged);
    }
    // Items without any key stay, after the keyed ones.
    for item in dest_items {
        if !item.is_object() || key_of(&item).iter().all(String::is_empty) {
            result.push(item);
        }
    }
    if result.is_empty() {
        return Ok(None);
    }
    Ok(Some(Value::Array(result)))
}

/// Lists of scalars with a merge strategy (finalizers): the patch's values
/// first, then the others, each once.
fn primitive_union(dest: Vec<Value>, patch: Vec<Value>) -> Option<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in patch.into_iter().chain(dest) {
        if !out.iter().any(|o| scalar_text(o) == scalar_text(&v)) {
            out.push(v);
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(Value::Array(out))
    }
}

/// A scalar as YAML spells it, for comparing merge keys.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {"spec": spec}}})
    }

    /// The order kustomize v5.5.0 produced for the same merge.
    #[test]
    fn containers_merge_by_name_patch_items_first() {
        let dest = deployment(json!({
            "containers": [
                {"name": "a", "image": "a", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]},
                {"name": "b", "image": "b"}],
            "tolerations": [{"key": "t1"}]}));
        let patch = deployment(json!({
            "containers": [
                {"name": "b", "image": "b2"},
                {"name": "c", "image": "c"},
                {"name": "a", "env": [{"name": "Z", "value": "3"}, {"name": "X", "value": "9"}]}],
            "tolerations": [{"key": "t2"}]}));
        let out = merge(dest, &patch).unwrap().unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"],
            json!({
                "containers": [
                    {"name": "b", "image": "b2"},
                    {"name": "c", "image": "c"},
                    {"name": "a", "image": "a", "env": [
                        {"name": "Z", "value": "3"}, {"name": "X", "value": "9"}, {"name": "Y", "value": "2"}]}],
                "tolerations": [{"key": "t2"}]})
        );
    }

    #[test]
    fn patch_directives_and_null() {
        let dest = deployment(json!({
            "containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}],
            "nodeSelector": {"x": "1", "y": "2"},
            "dnsPolicy": "None"}));
        let patch = deployment(json!({
            "containers": [{"name": "b", "$patch": "delete"}],
            "nodeSelector": {"$patch": "replace", "z": "3"},
            "dnsPolicy": null}));
        let out = merge(dest, &patch).unwrap().unwrap();
        let spec = &out["spec"]["template"]["spec"];
        assert_eq!(spec["containers"], json!([{"name": "a", "image": "a"}]));
        assert_eq!(spec["nodeSelector"], json!({"z": "3"}));
        assert!(spec.get("dnsPolicy").is_none());
        let gone = merge(
            out,
            &json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"}, "$patch": "delete"}),
        )
        .unwrap();
        assert!(gone.is_none());
    }

    #[test]
    fn custom_resources_replace_lists_and_merge_maps() {
        let dest = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"items": [{"name": "a"}], "settings": {"a": 1}}});
        let patch = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "spec": {"items": [{"name": "b"}], "settings": {"b": 2}}});
        let out = merge(dest, &patch).unwrap().unwrap();
        assert_eq!(out["spec"]["items"], json!([{"name": "b"}]));
        assert_eq!(out["spec"]["settings"], json!({"a": 1, "b": 2}));
    }

    #[test]
    fn finalizers_are_a_union() {
        let dest = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a", "b"]}});
        let patch = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["c", "a"]}});
        let out = merge(dest, &patch).unwrap().unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["c", "a", "b"]));
    }
}
