//! A Flux Kustomization rendered the way kustomize-controller builds it:
//! the path's kustomization (generated when there is none) with the
//! Kustomization's own fields merged in, built without load restrictions,
//! then post-build substitution, `commonMetadata` and Flux's owner labels.

use super::envsubst::{self, SubstError};
use super::{Declaration, Found, Lookup, Outcome, Repository};
use crate::model::{ObjectRef, group_of};
use crate::path::FieldPath;
use crate::source::{
    DesiredObject, SecretValue, VariableOrigin, VariableUse, kustomization_file, kustomize,
};
use crate::yaml;
use anyhow::{Context, Result, bail};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const TOOL: &str = "flux";
pub const GROUP: &str = "kustomize.toolkit.fluxcd.io";
pub const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
pub const NAME_LABEL: &str = "kustomize.toolkit.fluxcd.io/name";
pub const NAMESPACE_LABEL: &str = "kustomize.toolkit.fluxcd.io/namespace";
/// Label or annotation by which an object opts out of substitution.
pub const SUBSTITUTE_KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";

fn is(value: &Value, group: &str, kind: &str) -> bool {
    value["kind"] == kind && group_of(value["apiVersion"].as_str().unwrap_or("")) == group
}

pub fn is_kustomization(value: &Value) -> bool {
    is(value, GROUP, "Kustomization")
}

pub fn is_git_repository(value: &Value) -> bool {
    is(value, SOURCE_GROUP, "GitRepository")
}

pub fn is_helm_release(value: &Value) -> bool {
    is(value, "helm.toolkit.fluxcd.io", "HelmRelease")
}

/// `spec.path`, `./` (the source's root) when unset.
pub fn spec_path(value: &Value) -> String {
    value["spec"]["path"].as_str().unwrap_or("./").to_string()
}

/// The GitRepository (namespace, name) a Kustomization's `sourceRef` names.
pub fn git_source(value: &Value, namespace: &str) -> Option<(String, String)> {
    let source = &value["spec"]["sourceRef"];
    if source["kind"] != "GitRepository" {
        return None;
    }
    Some((
        source["namespace"]
            .as_str()
            .unwrap_or(namespace)
            .to_string(),
        source["name"].as_str()?.to_string(),
    ))
}

/// Renders the Kustomization `decl`, or says why it cannot be here.
pub fn render(
    decl: &Declaration,
    repo: &Repository,
    known: &[DesiredObject],
    lookup: &mut Option<&mut Lookup>,
) -> Result<Outcome> {
    let spec = &decl.value["spec"];
    let source = &spec["sourceRef"];
    let kind = source["kind"].as_str().unwrap_or("");
    match git_source(&decl.value, &decl.app.namespace) {
        Some((ns, name)) if repo.is_flux_source(&ns, &name, known) => {}
        Some((ns, name)) => {
            return Ok(Outcome::unchecked(format!(
                "source GitRepository {ns}/{name} is another repository (give --repo-url if it is this one)"
            )));
        }
        None => {
            return Ok(Outcome::unchecked(format!(
                "source {kind} {} is not a Git repository driftctl can read",
                source["name"].as_str().unwrap_or("?")
            )));
        }
    }
    let dir = repo.app_dir(&spec_path(&decl.value), decl)?;
    let kustomization = kustomization_for(&dir, spec)
        .with_context(|| format!("{}: generating its kustomization", decl.describe()))?;
    let objects = match kustomize::render_app(kustomize::AppBuild {
        dir: &dir,
        repo_root: &repo.root,
        kustomization,
        load_restrictions_none: true,
        edited_by: decl.source.clone(),
    }) {
        Ok(objects) => objects,
        Err(e) => match kustomize::unsupported(&e) {
            Some(unsupported) => return Ok(Outcome::unchecked(unsupported.to_string())),
            None => {
                return Err(e.context(format!("{}: building {}", decl.describe(), dir.display())));
            }
        },
    };
    let mut objects = match post_build(decl, objects, known, lookup)? {
        Ok(objects) => objects,
        Err(reason) => return Ok(Outcome::unchecked(reason)),
    };
    for object in &mut objects {
        if let Some(common) = spec.get("commonMetadata") {
            for key in ["labels", "annotations"] {
                if let Some(Value::Object(pairs)) = common.get(key) {
                    let map = metadata_map(&mut object.value, key);
                    for (k, v) in pairs {
                        map.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        let labels = metadata_map(&mut object.value, "labels");
        labels.insert(NAME_LABEL.into(), json!(decl.app.name));
        labels.insert(NAMESPACE_LABEL.into(), json!(decl.app.namespace));
    }
    Ok(Outcome::objects(objects))
}

fn metadata_map<'a>(object: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    let metadata = &mut object["metadata"];
    if !metadata[key].is_object() {
        metadata[key] = json!({});
    }
    metadata[key].as_object_mut().expect("just made a map")
}

/// The kustomization Flux builds in `dir`: its own, with the
/// Kustomization's fields merged in, or one generated from every manifest
/// below it. `None`: the file on disk as it is.
fn kustomization_for(dir: &Path, spec: &Value) -> Result<Option<(PathBuf, String)>> {
    let (mut k, file) = match kustomization_file(dir) {
        Some(file) => {
            let name = crate::source::clean_path(&file).display().to_string();
            let text = yaml::read_text(&file)?;
            let doc = yaml::parse_documents(&text, &name)?
                .into_iter()
                .next()
                .map(|d| d.value)
                .unwrap_or_else(|| json!({}));
            (doc, Some(file))
        }
        None => (generate(dir)?, None),
    };
    let mut edited = file.is_none();
    if let Some(ns) = spec["targetNamespace"].as_str() {
        k["namespace"] = json!(ns);
        edited = true;
    }
    for field in ["namePrefix", "nameSuffix"] {
        if let Some(v) = spec[field].as_str() {
            k[field] = json!(v);
            edited = true;
        }
    }
    for field in ["patches", "images", "components"] {
        if let Some(Value::Array(items)) = spec.get(field)
            && !items.is_empty()
        {
            if !k[field].is_array() {
                k[field] = json!([]);
            }
            k[field]
                .as_array_mut()
                .expect("just made a list")
                .extend(items.iter().cloned());
            edited = true;
        }
    }
    if !edited {
        return Ok(None);
    }
    let text = yaml::to_string(&k);
    let file = file.unwrap_or_else(|| dir.join("kustomization.yaml"));
    Ok(Some((file, text)))
}

/// Flux's generated kustomization: every `.yaml`/`.yml` below `dir` in
/// lexical order, a directory with its own kustomization listed as one
/// resource and not descended into.
fn generate(dir: &Path) -> Result<Value> {
    let mut resources = Vec::new();
    scan(dir, dir, &mut resources, 0)?;
    let mut k = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
    });
    if resources.is_empty() {
        // What Flux writes so that kustomize accepts an empty directory.
        k["namespace"] = json!("_placeholder");
    } else {
        k["resources"] = json!(resources);
    }
    Ok(k)
}

fn scan(base: &Path, dir: &Path, out: &mut Vec<String>, depth: usize) -> Result<()> {
    if depth > 64 {
        bail!("{}: directories nested more than 64 deep", dir.display());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read directory", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("{}: cannot read directory", dir.display()))?;
    entries.sort();
    for entry in entries {
        let relative = entry.strip_prefix(base).unwrap_or(&entry);
        let name = format!("./{}", relative.display());
        if entry.is_dir() {
            if kustomization_file(&entry).is_some() {
                out.push(name);
            } else {
                scan(base, &entry, out, depth + 1)?;
            }
        } else if matches!(
            entry.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(name);
        }
    }
    Ok(())
}

/// The variables of a Kustomization's `spec.postBuild`.
#[derive(Default)]
struct Variables {
    values: BTreeMap<String, String>,
    /// The variables taken from a Secret, and which Secret and key.
    from_secret: BTreeMap<String, String>,
    /// Where each variable's value is declared.
    origins: BTreeMap<String, VariableOrigin>,
}

/// The variables of `spec.postBuild`: each `substituteFrom` in order (a
/// later one wins), then `substitute` on top. A ConfigMap or Secret comes
/// from the same render when Git declares it, else from the cluster.
/// `Err(reason)` when a source of variables cannot be read.
fn variables(
    decl: &Declaration,
    known: &[DesiredObject],
    lookup: &mut Option<&mut Lookup>,
) -> Result<std::result::Result<Variables, String>> {
    let post = &decl.value["spec"]["postBuild"];
    let namespace = decl.app.namespace.as_str();
    let mut vars = Variables::default();
    for reference in post["substituteFrom"].as_array().into_iter().flatten() {
        let kind = reference["kind"].as_str().unwrap_or("");
        let name = reference["name"].as_str().unwrap_or("");
        let optional = reference["optional"].as_bool().unwrap_or(false);
        if kind != "ConfigMap" && kind != "Secret" {
            bail!(
                "{}: postBuild.substituteFrom: kind {kind:?}, expected ConfigMap or Secret",
                decl.describe()
            );
        }
        let declared = known.iter().map(|o| &o.value).find(|v| {
            v["kind"] == kind
                && v["apiVersion"] == "v1"
                && v["metadata"]["name"] == name
                && v["metadata"]["namespace"] == namespace
        });
        let fetched;
        let source = match (declared, lookup.as_mut()) {
            (Some(source), _) => source,
            (None, Some(lookup)) => match lookup(kind, namespace, name)? {
                Found::Object(object) => {
                    fetched = object;
                    &fetched
                }
                Found::Absent if optional => continue,
                // What an optional source would add cannot be known; going
                // on without it errs towards findings, never towards silence.
                Found::Unreadable(why) if optional => {
                    eprintln!(
                        "driftctl: note: {}: optional postBuild.substituteFrom {kind} {namespace}/{name} cannot be read ({why}); substituting without it, as Flux does when it is absent",
                        decl.describe()
                    );
                    continue;
                }
                Found::Absent => {
                    return Ok(Err(format!(
                        "postBuild.substituteFrom {kind} {namespace}/{name} is declared neither in Git nor in the cluster (Flux would fail to build it)"
                    )));
                }
                Found::Unreadable(why) => {
                    return Ok(Err(format!(
                        "postBuild.substituteFrom {kind} {namespace}/{name} is not declared in Git and cannot be read from the cluster: {why}"
                    )));
                }
            },
            (None, None) if optional => continue,
            (None, None) => {
                return Ok(Err(format!(
                    "postBuild.substituteFrom {kind} {namespace}/{name} is not declared in Git, and this command reads no cluster"
                )));
            }
        };
        let origin = |key: &str| match (kind, declared) {
            ("Secret", _) => VariableOrigin::Secret(format!("Secret {namespace}/{name} key {key}")),
            (_, Some(object)) => match ObjectRef::from_value(object) {
                Some(object) => VariableOrigin::ConfigMap(object),
                None => VariableOrigin::Cluster(format!("ConfigMap {namespace}/{name}")),
            },
            (_, None) => VariableOrigin::Cluster(format!("ConfigMap {namespace}/{name}")),
        };
        for (key, value) in source["data"].as_object().into_iter().flatten() {
            let text = value.as_str().unwrap_or_default();
            let text = if kind == "Secret" {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "{}: Secret {namespace}/{name}: data.{key} is not base64",
                            decl.describe(),
                        )
                    })?;
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                text.to_string()
            };
            vars.set(key, text, kind, namespace, name);
            vars.origins.insert(key.clone(), origin(key));
        }
        if kind == "Secret" {
            for (key, value) in source["stringData"].as_object().into_iter().flatten() {
                let text = value.as_str().unwrap_or_default().to_string();
                vars.set(key, text, kind, namespace, name);
                vars.origins.insert(key.clone(), origin(key));
            }
        }
    }
    for (key, value) in post["substitute"].as_object().into_iter().flatten() {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        vars.from_secret.remove(key);
        vars.values.insert(key.clone(), text.replace('\n', ""));
        if let Some(kustomization) = ObjectRef::from_value(&decl.value) {
            vars.origins
                .insert(key.clone(), VariableOrigin::Substitute(kustomization));
        }
    }
    envsubst::check_names(&vars.values)
        .map_err(|e| anyhow::anyhow!("{}: postBuild: {e}", decl.describe()))?;
    Ok(Ok(vars))
}

impl Variables {
    fn set(&mut self, key: &str, text: String, kind: &str, namespace: &str, name: &str) {
        if kind == "Secret" {
            self.from_secret.insert(
                key.to_string(),
                format!("Secret {namespace}/{name} key {key}"),
            );
        } else {
            self.from_secret.remove(key);
        }
        self.values.insert(key.to_string(), text.replace('\n', ""));
    }
}

/// Post-build substitution, object by object: each is written as YAML,
/// its variables expanded, and read back (`replicas: ${replicas}` becomes
/// a number, as in Flux).
fn post_build(
    decl: &Declaration,
    objects: Vec<DesiredObject>,
    known: &[DesiredObject],
    lookup: &mut Option<&mut Lookup>,
) -> Result<std::result::Result<Vec<DesiredObject>, String>> {
    if decl.value["spec"].get("postBuild").is_none() {
        return Ok(Ok(objects));
    }
    let vars = match variables(decl, known, lookup)? {
        Ok(vars) => vars,
        Err(reason) => return Ok(Err(reason)),
    };
    let mut out = Vec::with_capacity(objects.len());
    for mut object in objects {
        let metadata = &object.value["metadata"];
        let disabled = ["labels", "annotations"]
            .iter()
            .any(|k| metadata[*k][SUBSTITUTE_KEY] == "disabled");
        if disabled {
            out.push(object);
            continue;
        }
        let uses = variable_uses(&object.value, &vars);
        let text = yaml::to_string(&object.value);
        let at = || {
            format!(
                "{}: {} ({})",
                decl.describe(),
                crate::source::describe(&object.source),
                object.object_ref()
            )
        };
        let mut used = BTreeSet::new();
        let expanded = match envsubst::substitute_noting(&text, &vars.values, &mut used) {
            Ok(t) => t,
            Err(SubstError::Unset { name, .. }) => bail!(
                "{}: variable ${{{name}}} is not set by postBuild.substitute or substituteFrom and has no default",
                at()
            ),
            Err(e) => bail!("{}: {e}", at()),
        };
        if expanded != text {
            let name = object.source.file.clone();
            let doc = yaml::parse_documents(&expanded, &name)
                .with_context(|| format!("{}: the object after substitution", at()))?
                .into_iter()
                .next()
                .map(|d| d.value);
            match doc {
                Some(value) if value.is_object() => object.value = value,
                _ => bail!("{}: substitution left no object", at()),
            }
            for name in &used {
                if let Some(from) = vars.from_secret.get(name) {
                    object.secrets.push(SecretValue {
                        value: vars.values[name].clone(),
                        from: from.clone(),
                    });
                }
            }
        }
        object.variables = uses;
        out.push(object);
    }
    Ok(Ok(out))
}

/// The string fields of `object` (as Git writes it) that substitution
/// changes, each with the variables whose values went in.
fn variable_uses(object: &Value, vars: &Variables) -> Vec<VariableUse> {
    let mut out = Vec::new();
    walk_strings(object, FieldPath::root(), "", &mut |path, text| {
        let mut used = BTreeSet::new();
        match envsubst::substitute_noting(text, &vars.values, &mut used) {
            Ok(expanded) if expanded != text => out.push(VariableUse {
                path,
                template: text.to_string(),
                origins: used
                    .into_iter()
                    .filter_map(|name| Some((name.clone(), vars.origins.get(&name)?.clone())))
                    .collect(),
            }),
            _ => {}
        }
    });
    out
}

/// Every string of `value` with its path (list items by merge key where
/// every item has one, as the comparison names them).
fn walk_strings(value: &Value, path: FieldPath, field: &str, f: &mut dyn FnMut(FieldPath, &str)) {
    match value {
        Value::String(text) if text.contains('$') => f(path, text),
        Value::Object(map) => {
            for (k, v) in map {
                walk_strings(v, path.field(k), k, f);
            }
        }
        Value::Array(items) => {
            let keyed = items
                .iter()
                .all(|i| crate::schema::merge_key(field, i).is_some());
            for (i, item) in items.iter().enumerate() {
                let item_path = match crate::schema::merge_key(field, item) {
                    Some((k, v)) if keyed => path.key(k, &v),
                    _ => path.index(i),
                };
                walk_strings(item, item_path, "", f);
            }
        }
        _ => {}
    }
}
