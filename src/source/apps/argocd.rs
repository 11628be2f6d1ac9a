//! An Argo CD Application rendered the way Argo CD's repo-server renders
//! each of its sources: a kustomization edited as `argocd` edits it
//! (`kustomize edit set/add ...` for each `spec.source.kustomize` option),
//! or a plain directory (`recurse`, `include`, `exclude`); then
//! `destination.namespace` for namespaced objects that declare none.

use super::{Declaration, Outcome, Repository};
use crate::model::group_of;
use crate::source::{DesiredObject, clean_path, kustomization_file, kustomize, plain};
use crate::yaml;
use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

pub const TOOL: &str = "argocd";
pub const TRACKING_ANNOTATION: &str = "argocd.argoproj.io/tracking-id";
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

pub fn is_application(value: &Value) -> bool {
    value["kind"] == "Application"
        && group_of(value["apiVersion"].as_str().unwrap_or("")) == "argoproj.io"
}

/// `spec.sources`, or `spec.source` alone.
pub fn sources(app: &Value) -> Vec<Value> {
    match app["spec"].get("sources").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => list.clone(),
        _ => app["spec"].get("source").cloned().into_iter().collect(),
    }
}

/// Renders every source of the Application `decl` from this repository;
/// the others are named as unchecked.
pub fn render(decl: &Declaration, repo: &Repository) -> Result<Outcome> {
    let sources = sources(&decl.value);
    if sources.is_empty() {
        bail!(
            "{}: spec.source or spec.sources is required",
            decl.describe()
        );
    }
    let destination = decl.value["spec"]["destination"]["namespace"]
        .as_str()
        .filter(|ns| !ns.is_empty());
    let mut outcome = Outcome::default();
    for (i, source) in sources.iter().enumerate() {
        let which = if sources.len() > 1 {
            format!("spec.sources[{i}]")
        } else {
            "spec.source".to_string()
        };
        let url = source["repoURL"].as_str().unwrap_or("");
        if source.get("chart").is_some() || source.get("helm").is_some() {
            outcome.unchecked.push(format!(
                "{which} is a Helm chart: driftctl does not render Helm charts"
            ));
            continue;
        }
        if source.get("path").is_none() && source.get("ref").is_some() {
            continue; // only a `$ref` for other sources' values files
        }
        if !repo.is_this_url(url) {
            outcome.unchecked.push(format!(
                "{which}: source in another repository ({url}; give --repo-url if it is this one)"
            ));
            continue;
        }
        if source.get("plugin").is_some() {
            outcome.unchecked.push(format!(
                "{which} uses a config management plugin, which driftctl does not run"
            ));
            continue;
        }
        let path = source["path"].as_str().unwrap_or(".");
        let dir = repo.app_dir(path, decl)?;
        if dir.join("Chart.yaml").is_file() {
            outcome.unchecked.push(format!(
                "{which}: {path} is a Helm chart: driftctl does not render Helm charts"
            ));
            continue;
        }
        let objects = if kustomization_file(&dir).is_some() {
            let edited = edit_kustomization(&dir, &source["kustomize"], decl, destination)
                .with_context(|| format!("{}: {which}.kustomize", decl.describe()))?;
            match kustomize::render_app(kustomize::AppBuild {
                dir: &dir,
                repo_root: &repo.root,
                kustomization: edited,
                load_restrictions_none: false,
                edited_by: decl.source.clone(),
            }) {
                Ok(objects) => objects,
                Err(e) => match kustomize::unsupported(&e) {
                    Some(unsupported) => {
                        outcome.unchecked.push(format!("{which}: {unsupported}"));
                        continue;
                    }
                    None => {
                        return Err(e.context(format!(
                            "{}: building {}",
                            decl.describe(),
                            dir.display()
                        )));
                    }
                },
            }
        } else {
            directory(&dir, &source["directory"])
                .with_context(|| format!("{}: {which}", decl.describe()))?
        };
        outcome.objects.extend(objects);
    }
    if let Some(ns) = destination {
        for object in &mut outcome.objects {
            let metadata = &mut object.value["metadata"];
            if metadata["namespace"].as_str().is_none_or(str::is_empty) {
                metadata["namespace"] = json!(ns);
            }
        }
    }
    Ok(outcome)
}

/// The files of a directory source: `*.yaml`, `*.yml`, `*.json`, below
/// `dir` only with `recurse`, filtered by the `include`/`exclude` globs
/// (matched against the path relative to `dir`).
fn directory(dir: &Path, options: &Value) -> Result<Vec<DesiredObject>> {
    let recurse = options["recurse"].as_bool().unwrap_or(false);
    let glob = |field: &str| -> Result<Option<globset::GlobMatcher>> {
        match options[field].as_str().filter(|s| !s.is_empty()) {
            Some(pattern) => Ok(Some(
                globset::GlobBuilder::new(pattern)
                    .literal_separator(false)
                    .build()
                    .with_context(|| format!("directory.{field}: {pattern:?} is not a glob"))?
                    .compile_matcher(),
            )),
            None => Ok(None),
        }
    };
    let include = glob("include")?;
    let exclude = glob("exclude")?;
    if options
        .get("jsonnet")
        .is_some_and(|j| j.as_object().is_some_and(|m| !m.is_empty()))
    {
        bail!("directory.jsonnet: driftctl does not evaluate Jsonnet");
    }
    let mut files = Vec::new();
    collect_files(dir, recurse, &mut files, 0)?;
    let mut objects = Vec::new();
    for file in files {
        let relative = file.strip_prefix(dir).unwrap_or(&file);
        if include.as_ref().is_some_and(|g| !g.is_match(relative)) {
            continue;
        }
        if exclude.as_ref().is_some_and(|g| g.is_match(relative)) {
            continue;
        }
        objects.extend(plain::read_file(&file, false)?);
    }
    Ok(objects)
}

fn collect_files(dir: &Path, recurse: bool, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
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
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if entry.is_dir() {
            if recurse {
                collect_files(&entry, recurse, out, depth + 1)?;
            }
        } else if matches!(
            entry.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(entry);
        }
    }
    Ok(())
}

/// The kustomization of `dir` after the `kustomize edit` commands Argo CD
/// runs for `options`; `None` when no option is set.
pub fn edit_kustomization(
    dir: &Path,
    options: &Value,
    decl: &Declaration,
    destination: Option<&str>,
) -> Result<Option<(PathBuf, String)>> {
    let Some(options) = options.as_object().filter(|o| !o.is_empty()) else {
        return Ok(None);
    };
    let file = kustomization_file(dir).expect("checked by the caller");
    let name = clean_path(&file).display().to_string();
    let text = yaml::read_text(&file)?;
    let mut k = yaml::parse_documents(&text, &name)?
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or_else(|| json!({}));
    if !k.is_object() {
        bail!("{name}: expected a kustomization (a map)");
    }
    let env = AppEnv { decl, destination };
    apply_edits(&mut k, options, &env, dir)?;
    let text = yaml::to_string(&k);
    Ok(Some((file, text)))
}

/// What `commonAnnotationsEnvsubst` may refer to.
pub struct AppEnv<'a> {
    pub decl: &'a Declaration,
    pub destination: Option<&'a str>,
}

impl AppEnv<'_> {
    fn expand(&self, text: &str) -> String {
        let vars = [
            ("ARGOCD_APP_NAME", self.decl.app.name.as_str()),
            ("ARGOCD_APP_NAMESPACE", self.destination.unwrap_or("")),
        ];
        let mut out = text.to_string();
        for (name, value) in vars {
            out = out
                .replace(&format!("${{{name}}}", name = name), value)
                .replace(&format!("${name}"), value);
        }
        out
    }
}

/// `kustomize edit` as Argo CD runs it, option by option.
pub fn apply_edits(
    k: &mut Value,
    options: &Map<String, Value>,
    env: &AppEnv,
    dir: &Path,
) -> Result<()> {
    for field in ["namePrefix", "nameSuffix", "namespace"] {
        if let Some(v) = options
            .get(field)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        {
            k[field] = json!(v);
        }
    }
    for image in options
        .get("images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let spec = image.as_str().context("images: expected strings")?;
        set_image(k, spec)?;
    }
    if let Some(Value::Object(labels)) = options.get("commonLabels") {
        let force = options.get("forceCommonLabels").and_then(Value::as_bool) == Some(true);
        if options.get("labelWithoutSelector").and_then(Value::as_bool) == Some(true) {
            let templates = options
                .get("labelIncludeTemplates")
                .and_then(Value::as_bool)
                == Some(true);
            let mut entry = json!({"pairs": labels, "includeSelectors": false});
            if templates {
                entry["includeTemplates"] = json!(true);
            }
            list(k, "labels").push(entry);
        } else {
            add_pairs(k, "commonLabels", labels, force, &|v| v.to_string())?;
        }
    }
    if let Some(Value::Object(annotations)) = options.get("commonAnnotations") {
        let force = options
            .get("forceCommonAnnotations")
            .and_then(Value::as_bool)
            == Some(true);
        let envsubst = options
            .get("commonAnnotationsEnvsubst")
            .and_then(Value::as_bool)
            == Some(true);
        let expand = |v: &str| {
            if envsubst {
                env.expand(v)
            } else {
                v.to_string()
            }
        };
        add_pairs(k, "commonAnnotations", annotations, force, &expand)?;
    }
    for replica in options
        .get("replicas")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = replica["name"]
            .as_str()
            .context("replicas: each needs a name")?;
        let count = match &replica["count"] {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse::<i64>().ok(),
            _ => None,
        }
        .with_context(|| format!("replicas: {name}: count must be a whole number"))?;
        let items = list(k, "replicas");
        match items.iter_mut().find(|r| r["name"] == name) {
            Some(r) => r["count"] = json!(count),
            None => items.push(json!({"name": name, "count": count})),
        }
    }
    for patch in options
        .get("patches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        list(k, "patches").push(patch.clone());
    }
    let ignore_missing = options
        .get("ignoreMissingComponents")
        .and_then(Value::as_bool)
        == Some(true);
    for component in options
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let c = component.as_str().context("components: expected paths")?;
        if ignore_missing && !dir.join(c).exists() {
            continue;
        }
        let items = list(k, "components");
        if !items.iter().any(|x| x == c) {
            items.push(json!(c));
        }
    }
    Ok(())
}

fn list<'a>(k: &'a mut Value, field: &str) -> &'a mut Vec<Value> {
    if !k[field].is_array() {
        k[field] = json!([]);
    }
    k[field].as_array_mut().expect("just made a list")
}

/// `kustomize edit add label|annotation`: a key already there is an
/// error unless forced.
fn add_pairs(
    k: &mut Value,
    field: &str,
    pairs: &Map<String, Value>,
    force: bool,
    value: &dyn Fn(&str) -> String,
) -> Result<()> {
    if !k[field].is_object() {
        k[field] = json!({});
    }
    let map = k[field].as_object_mut().expect("just made a map");
    for (key, v) in pairs {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if map.contains_key(key) && !force {
            bail!(
                "{field}: {key} is already in the kustomization; Argo CD's `kustomize edit` refuses it without force{}",
                if field == "commonLabels" {
                    "CommonLabels"
                } else {
                    "CommonAnnotations"
                }
            );
        }
        map.insert(key.clone(), json!(value(&text)));
    }
    Ok(())
}

/// `kustomize edit set image SPEC`: `name=newName:tag`, `name=newName@digest`,
/// `name:tag`, `name@digest`, `name=newName`.
pub fn set_image(k: &mut Value, spec: &str) -> Result<()> {
    let (name, replacement) = match spec.split_once('=') {
        Some((name, rest)) => (name.to_string(), rest),
        None => (String::new(), spec),
    };
    let (image, tag, digest) = split_image(replacement);
    let (name, new_name) = if name.is_empty() {
        (image.clone(), None)
    } else {
        (name, Some(image))
    };
    if name.is_empty() {
        bail!("images: {spec:?}: expected [name=]image[:tag|@digest]");
    }
    let items = list(k, "images");
    let index = match items.iter().position(|i| i["name"] == name.as_str()) {
        Some(i) => i,
        None => {
            items.push(json!({"name": name}));
            items.len() - 1
        }
    };
    let entry = items[index]
        .as_object_mut()
        .context("images: expected maps")?;
    if let Some(n) = new_name {
        entry.insert("newName".into(), json!(n));
    }
    if let Some(t) = tag {
        entry.insert("newTag".into(), json!(t));
        entry.remove("digest");
    }
    if let Some(d) = digest {
        entry.insert("digest".into(), json!(d));
        entry.remove("newTag");
    }
    Ok(())
}

/// `registry:5000/app:1.2` -> (`registry:5000/app`, `1.2`, none).
fn split_image(text: &str) -> (String, Option<String>, Option<String>) {
    if let Some((image, digest)) = text.split_once('@') {
        return (image.to_string(), None, Some(digest.to_string()));
    }
    let last_slash = text.rfind('/').map_or(0, |i| i + 1);
    match text[last_slash..].rfind(':') {
        Some(i) => (
            text[..last_slash + i].to_string(),
            Some(text[last_slash + i + 1..].to_string()),
            None,
        ),
        None => (text.to_string(), None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_specs_as_kustomize_edit_reads_them() {
        let mut k = json!({"images": [{"name": "nginx", "digest": "sha256:0"}]});
        set_image(&mut k, "nginx:1.27").unwrap();
        set_image(&mut k, "redis=registry:5000/cache/redis:7").unwrap();
        set_image(&mut k, "app@sha256:abc").unwrap();
        set_image(&mut k, "old=new").unwrap();
        assert_eq!(
            k["images"],
            json!([
                {"name": "nginx", "newTag": "1.27"},
                {"name": "redis", "newName": "registry:5000/cache/redis", "newTag": "7"},
                {"name": "app", "digest": "sha256:abc"},
                {"name": "old", "newName": "new"},
            ])
        );
    }
}
