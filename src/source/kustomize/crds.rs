//! `crds:` files: OpenAPI definitions of custom resources whose properties
//! carry `x-kubernetes-object-ref-kind` (and `-api-version`) become name
//! references, so renamed objects are followed into custom resources.

use super::fieldspec::{FieldSpec, NameBackRefs, TransformerConfig};
use super::resource::Gvk;
use serde_json::Value;

pub fn config_from_crd(doc: &Value) -> TransformerConfig {
    let mut config = TransformerConfig::default();
    let Some(definitions) = doc.get("definitions").and_then(Value::as_object) else {
        return config;
    };
    for (type_name, schema) in definitions {
        let kind = type_name
            .rsplit('.')
            .next()
            .unwrap_or(type_name)
            .to_string();
        let mut found = Vec::new();
        collect(schema, &mut Vec::new(), &mut found);
        for (path, ref_kind, ref_api) in found {
            let target = Gvk::from_api_version(&ref_api, &ref_kind);
            let spec = FieldSpec {
                gvk: Gvk {
                    kind: kind.clone(),
                    ..Gvk::default()
                },
                path: path.join("/"),
                create: false,
            };
            match config.name_reference.iter_mut().find(|b| b.gvk == target) {
                Some(b) => b.referrers.push(spec),
                None => config.name_reference.push(NameBackRefs {
                    gvk: target,
                    referrers: vec![spec],
                }),
            }
        }
    }
    config
}

fn collect(schema: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String, String)>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, prop) in props {
        path.push(name.clone());
        if let Some(kind) = prop
            .get("x-kubernetes-object-ref-kind")
            .and_then(Value::as_str)
        {
            let api = prop
                .get("x-kubernetes-object-ref-api-version")
                .and_then(Value::as_str)
                .unwrap_or("");
            out.push((path.clone(), kind.to_string(), api.to_string()));
        }
        collect(prop, path, out);
        if let Some(items) = prop.get("items") {
            collect(items, path, out);
        }
        path.pop();
    }
}
