//! Field specs: where in which kinds a transformer writes (labels, names,
//! namespaces, images ...), kustomize's built-in ones plus those a
//! kustomization adds with `configurations:` and `crds:`.

use super::resource::Gvk;
use anyhow::{Result, anyhow, bail};
use serde_json::{Map, Value};

/// One place a transformer writes: `path` (slash-separated, `[]` marks a
/// list, `\/` escapes a slash) in objects of the (partial) gvk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub gvk: Gvk,
    pub path: String,
    pub create: bool,
}

impl FieldSpec {
    pub fn parse(value: &Value) -> Result<FieldSpec> {
        let s = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let path = s("path");
        if path.is_empty() {
            bail!("field spec without a path: {value}");
        }
        Ok(FieldSpec {
            gvk: Gvk {
                group: s("group"),
                version: s("version"),
                kind: s("kind"),
            },
            path,
            create: value
                .get("create")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    pub fn new(path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            gvk: Gvk::default(),
            path: path.to_string(),
            create,
        }
    }

    /// Does this spec apply to an object of `gvk`?
    pub fn matches(&self, gvk: &Gvk) -> bool {
        gvk.is_selected_by(&self.gvk)
    }
}

/// Adds `specs` not already present (same gvk and path) to `list`.
pub fn merge_specs(list: &mut Vec<FieldSpec>, specs: &[FieldSpec]) -> Result<()> {
    if specs.is_empty() {
        return Ok(());
    }
    let index: std::collections::HashMap<(&Gvk, &str), usize> = list
        .iter()
        .enumerate()
        .map(|(i, s)| ((&s.gvk, s.path.as_str()), i))
        .collect();
    let mut added: Vec<FieldSpec> = Vec::new();
    for spec in specs {
        let existing = index
            .get(&(&spec.gvk, spec.path.as_str()))
            .map(|i| &list[*i])
            .or_else(|| {
                added
                    .iter()
                    .find(|s| s.gvk == spec.gvk && s.path == spec.path)
            });
        match existing {
            Some(existing) if existing.create != spec.create => bail!(
                "conflicting field specs for path {} ({}): create is both {} and {}",
                spec.path,
                spec.gvk.kind,
                existing.create,
                spec.create
            ),
            Some(_) => {}
            None => added.push(spec.clone()),
        }
    }
    drop(index);
    list.extend(added);
    Ok(())
}

/// A kind whose name other objects refer to, and where they do.
#[derive(Debug, Clone)]
pub struct NameBackRefs {
    pub gvk: Gvk,
    pub referrers: Vec<FieldSpec>,
}

/// Every field spec the transformers use.
#[derive(Debug, Clone, Default)]
pub struct TransformerConfig {
    pub name_prefix: Vec<FieldSpec>,
    pub name_suffix: Vec<FieldSpec>,
    pub common_labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    pub namespace: Vec<FieldSpec>,
    pub var_reference: Vec<FieldSpec>,
    pub images: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    pub name_reference: Vec<NameBackRefs>,
    /// The built-in specs are in (merging them again changes nothing).
    pub has_defaults: bool,
}

impl TransformerConfig {
    /// kustomize's built-in field specs.
    pub fn defaults() -> TransformerConfig {
        static DEFAULTS: std::sync::OnceLock<TransformerConfig> = std::sync::OnceLock::new();
        DEFAULTS
            .get_or_init(|| TransformerConfig {
                has_defaults: true,
                ..parse_builtin(include_str!("defaults.yaml"))
            })
            .clone()
    }

    fn is_empty(&self) -> bool {
        self.name_prefix.is_empty()
            && self.name_suffix.is_empty()
            && self.common_labels.is_empty()
            && self.template_labels.is_empty()
            && self.common_annotations.is_empty()
            && self.namespace.is_empty()
            && self.var_reference.is_empty()
            && self.images.is_empty()
            && self.replicas.is_empty()
            && self.name_reference.is_empty()
    }

    /// A `configurations:` document.
    pub fn parse(value: &Value) -> Result<TransformerConfig> {
        let Some(map) = value.as_object() else {
            bail!("a transformer configuration must be a map");
        };
        let mut config = TransformerConfig::default();
        for (key, v) in map {
            let specs = || -> Result<Vec<FieldSpec>> {
                v.as_array()
                    .map(|items| items.iter().map(FieldSpec::parse).collect())
                    .unwrap_or_else(|| Ok(Vec::new()))
            };
            match key.as_str() {
                "namePrefix" => config.name_prefix = specs()?,
                "nameSuffix" => config.name_suffix = specs()?,
                "commonLabels" => config.common_labels = specs()?,
                "templateLabels" => config.template_labels = specs()?,
                "commonAnnotations" => config.common_annotations = specs()?,
                "namespace" => config.namespace = specs()?,
                "varReference" => config.var_reference = specs()?,
                "images" => config.images = specs()?,
                "replicas" => config.replicas = specs()?,
                "nameReference" => {
                    for item in v.as_array().into_iter().flatten() {
                        let s = |k: &str| {
                            item.get(k)
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_string()
                        };
                        let referrers = item
                            .get("fieldSpecs")
                            .and_then(Value::as_array)
                            .map(|items| items.iter().map(FieldSpec::parse).collect())
                            .unwrap_or_else(|| Ok(Vec::new()))?;
                        config.name_reference.push(NameBackRefs {
                            gvk: Gvk {
                                group: s("group"),
                                version: s("version"),
                                kind: s("kind"),
                            },
                            referrers,
                        });
                    }
                }
                other => bail!("unknown transformer configuration field `{other}`"),
            }
        }
        Ok(config)
    }

    /// Like [`merge`](Self::merge), taking the other configuration over
    /// whole when this one is still empty.
    pub fn merge_owned(&mut self, other: TransformerConfig) -> Result<()> {
        if !self.has_defaults && self.is_empty() {
            *self = other;
            return Ok(());
        }
        self.merge(&other)
    }

    /// Adds another configuration's specs (kustomize's `TransformerConfig.Merge`).
    pub fn merge(&mut self, other: &TransformerConfig) -> Result<()> {
        if other.has_defaults && !self.has_defaults && self.is_empty() {
            *self = other.clone();
            return Ok(());
        }
        self.has_defaults |= other.has_defaults;
        merge_specs(&mut self.name_prefix, &other.name_prefix)?;
        merge_specs(&mut self.name_suffix, &other.name_suffix)?;
        merge_specs(&mut self.common_labels, &other.common_labels)?;
        merge_specs(&mut self.template_labels, &other.template_labels)?;
        merge_specs(&mut self.common_annotations, &other.common_annotations)?;
        merge_specs(&mut self.namespace, &other.namespace)?;
        merge_specs(&mut self.var_reference, &other.var_reference)?;
        merge_specs(&mut self.images, &other.images)?;
        merge_specs(&mut self.replicas, &other.replicas)?;
        for backref in &other.name_reference {
            match self
                .name_reference
                .iter_mut()
                .find(|b| b.gvk == backref.gvk)
            {
                Some(existing) => merge_specs(&mut existing.referrers, &backref.referrers)?,
                None => self.name_reference.push(backref.clone()),
            }
        }
        Ok(())
    }
}

/// Reads defaults.yaml without a YAML parser (it runs on every render): the
/// file keeps to `section:`, `- key: value` and `  key: value` lines, and
/// to `fieldSpecs:` lists under nameReference. A unit test checks that the
/// YAML parser reads the same.
fn parse_builtin(text: &str) -> TransformerConfig {
    let mut config = TransformerConfig::default();
    let mut section = "";
    fn set(spec: &mut FieldSpec, key: &str, value: &str) {
        match key {
            "path" => spec.path = value.to_string(),
            "group" => spec.gvk.group = value.to_string(),
            "version" => spec.gvk.version = value.to_string(),
            "kind" => spec.gvk.kind = value.to_string(),
            "create" => spec.create = value == "true",
            _ => {}
        }
    }
    let empty = || FieldSpec::new("", false);
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        let (item, body) = match trimmed.strip_prefix("- ") {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (key, value) = body.split_once(':').unwrap_or((body, ""));
        let value = value.trim();
        if indent == 0 && !item {
            section = match key {
                "namePrefix" | "nameSuffix" | "commonLabels" | "templateLabels"
                | "commonAnnotations" | "namespace" | "varReference" | "images" | "replicas"
                | "nameReference" => key,
                _ => "",
            };
            continue;
        }
        if section == "nameReference" {
            if indent == 0 && item {
                config.name_reference.push(NameBackRefs {
                    gvk: Gvk::default(),
                    referrers: Vec::new(),
                });
            }
            let Some(target) = config.name_reference.last_mut() else {
                continue;
            };
            if indent >= 2 && (item || indent >= 4) && key != "fieldSpecs" {
                if item {
                    target.referrers.push(empty());
                }
                if let Some(spec) = target.referrers.last_mut() {
                    set(spec, key, value);
                }
            } else if key != "fieldSpecs" {
                let mut spec = FieldSpec {
                    gvk: target.gvk.clone(),
                    ..empty()
                };
                set(&mut spec, key, value);
                target.gvk = spec.gvk;
            }
            continue;
        }
        let list = match section {
            "namePrefix" => &mut config.name_prefix,
            "nameSuffix" => &mut config.name_suffix,
            "commonLabels" => &mut config.common_labels,
            "templateLabels" => &mut config.template_labels,
            "commonAnnotations" => &mut config.common_annotations,
            "namespace" => &mut config.namespace,
            "varReference" => &mut config.var_reference,
            "images" => &mut config.images,
            "replicas" => &mut config.replicas,
            _ => continue,
        };
        if item {
            list.push(empty());
        }
        if let Some(spec) = list.last_mut() {
            set(spec, key, value);
        }
    }
    config
}

/// What to create where a field spec's path is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    Nothing,
    Map,
    Scalar,
}

/// Splits a field spec path at `/`, keeping `\/` as a slash in a name.
pub fn split_path(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split('/') {
        if let Some(last) = out.last_mut()
            && last.ends_with('\\')
        {
            last.pop();
            last.push('/');
            last.push_str(part);
            continue;
        }
        out.push(part.to_string());
    }
    out
}

/// Calls `set` on every value at `spec`'s path in `obj` (of `gvk`), walking
/// into every item of lists on the way; creates the missing tail when the
/// spec says so and `create` gives a kind. Mirrors kustomize's fieldspec filter.
pub fn apply(
    obj: &mut Value,
    gvk: &Gvk,
    spec: &FieldSpec,
    create: Create,
    set: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<()> {
    if !spec.matches(gvk) {
        return Ok(());
    }
    let path = split_path(&spec.path);
    walk(obj, &path, spec.create, create, set).map_err(|e| anyhow!("at path {}: {e}", spec.path))
}

fn walk(
    node: &mut Value,
    path: &[String],
    create_allowed: bool,
    create: Create,
    set: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<()> {
    let Some(first) = path.first() else {
        return set(node);
    };
    match node {
        Value::Array(items) => {
            for item in items {
                walk(item, path, create_allowed, create, set)?;
            }
            Ok(())
        }
        Value::Object(map) => {
            let (name, is_seq) = match first.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (first.as_str(), false),
            };
            let last = path.len() == 1;
            let creating = create_allowed && create != Create::Nothing && !is_seq;
            if !map.contains_key(name) {
                if !creating {
                    return Ok(());
                }
                let fresh = if last && create == Create::Scalar {
                    Value::Null
                } else {
                    Value::Object(Map::new())
                };
                map.insert(name.to_string(), fresh);
            }
            let field = map.get_mut(name).expect("present or inserted");
            if super::empty::is_empty_marker(field) {
                *field = Value::Null;
            }
            if field.is_null() {
                if is_seq {
                    *field = Value::Array(Vec::new());
                } else if creating && !(last && create == Create::Scalar) {
                    *field = Value::Object(Map::new());
                } else if !last {
                    // Nothing below a null to update.
                    return Ok(());
                }
            }
            walk(field, &path[1..], create_allowed, create, set)
        }
        _ => bail!("expected sequence or mapping node"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_split_at_unescaped_slashes() {
        assert_eq!(
            split_path("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            vec![
                "metadata",
                "annotations",
                "nginx.ingress.kubernetes.io/auth-secret"
            ]
        );
    }

    #[test]
    fn walks_lists_and_creates_maps() {
        let mut obj = json!({"spec": {"containers": [{"image": "a"}, {"image": "b"}]}});
        let gvk = Gvk::default();
        let mut seen = Vec::new();
        apply(
            &mut obj,
            &gvk,
            &FieldSpec::new("spec/containers/image", false),
            Create::Nothing,
            &mut |v| {
                seen.push(v.as_str().unwrap().to_string());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, vec!["a", "b"]);
        apply(
            &mut obj,
            &gvk,
            &FieldSpec::new("metadata/labels", true),
            Create::Map,
            &mut |v| {
                v.as_object_mut().unwrap().insert("x".into(), json!("y"));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(obj["metadata"]["labels"]["x"], "y");
    }

    #[test]
    fn the_fast_defaults_reader_agrees_with_the_yaml_parser() {
        let docs =
            crate::yaml::parse_documents(include_str!("defaults.yaml"), "defaults.yaml").unwrap();
        let slow = TransformerConfig::parse(&docs[0].value).unwrap();
        let fast = parse_builtin(include_str!("defaults.yaml"));
        assert_eq!(format!("{slow:?}"), format!("{fast:?}"));
    }

    #[test]
    fn defaults_parse() {
        let d = TransformerConfig::defaults();
        assert!(d.common_labels.len() > 20);
        assert!(d.name_reference.iter().any(|b| b.gvk.kind == "ConfigMap"));
    }
}
