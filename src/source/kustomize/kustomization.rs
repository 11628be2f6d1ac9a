//! A kustomization file read into the fields the native renderer supports;
//! anything else is reported as unsupported so that the caller can hand the
//! whole kustomization to an external kustomize.

use super::fieldspec::FieldSpec;
use anyhow::{Result, bail};
use serde_json::Value;

/// A field the native renderer cannot render (helm charts, plugins, remote
/// bases, fields of a newer kustomize): the caller may fall back.
#[derive(Debug, thiserror::Error)]
#[error("{file}: `{field}` is not supported by the native renderer ({why})")]
pub struct Unsupported {
    pub file: String,
    pub field: String,
    pub why: String,
}

/// `labels:` entry.
#[derive(Debug, Clone, Default)]
pub struct LabelSet {
    pub pairs: Vec<(String, String)>,
    pub include_selectors: bool,
    pub include_templates: bool,
    pub fields: Vec<FieldSpec>,
}

/// The kustomization fields, as kustomize reads them.
#[derive(Debug, Clone, Default)]
pub struct Kustomization {
    pub kind: String,
    pub resources: Vec<String>,
    pub components: Vec<String>,
    pub namespace: String,
    pub name_prefix: String,
    pub name_suffix: String,
    pub common_labels: Vec<(String, String)>,
    pub labels: Vec<LabelSet>,
    pub common_annotations: Vec<(String, String)>,
    pub images: Vec<Value>,
    pub replicas: Vec<Value>,
    pub patches: Vec<Value>,
    pub patches_strategic_merge: Vec<String>,
    pub patches_json6902: Vec<Value>,
    pub config_map_generator: Vec<Value>,
    pub secret_generator: Vec<Value>,
    pub generator_options: Option<Value>,
    pub replacements: Vec<Value>,
    pub vars: Vec<Value>,
    pub configurations: Vec<String>,
    pub crds: Vec<String>,
    pub sort_options: Option<Value>,
}

/// Fields that need helm, plugins or other machinery the native renderer lacks.
const UNSUPPORTED: [(&str, &str); 8] = [
    ("helmCharts", "Helm charts need helm"),
    ("helmGlobals", "Helm charts need helm"),
    ("helmChartInflationGenerator", "Helm charts need helm"),
    ("generators", "generator plugins"),
    ("transformers", "transformer plugins"),
    ("validators", "validator plugins"),
    ("openapi", "custom OpenAPI schemas"),
    ("buildMetadata", "build metadata annotations"),
];

/// Every field of kustomize's Kustomization type (v5): kustomize itself
/// rejects any other key, so no other renderer is worth trying.
const KUSTOMIZE_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// `unknown field namePrefx in kustomization.yaml:3, did you mean namePrefix?`
fn unknown_field(field: &str, file: &str, text: &str) -> String {
    let line = text.lines().position(|l| {
        [
            format!("{field}:"),
            format!("\"{field}\":"),
            format!("'{field}':"),
        ]
        .iter()
        .any(|key| l.starts_with(key.as_str()))
    });
    let at = match line {
        Some(i) => format!("{file}:{}", i + 1),
        None => file.to_string(),
    };
    let closest = KUSTOMIZE_FIELDS
        .iter()
        .map(|known| (strsim::damerau_levenshtein(field, known), *known))
        .filter(|(distance, known)| *distance <= 2.max(known.len() / 4))
        .min();
    match closest {
        Some((_, known)) => format!("unknown field {field} in {at}, did you mean {known}?"),
        None => format!(
            "unknown field {field} in {at}: not a field of a kustomization (kustomize rejects it too)"
        ),
    }
}

/// Scalars as kustomize's string fields read them (`newTag: 1.0` is "1.0").
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

impl Kustomization {
    /// Reads the fields of `value`, the kustomization in `file` whose text
    /// is `text` (for the line of a field kustomize would reject).
    pub fn parse(value: &Value, file: &str, text: &str) -> Result<Kustomization> {
        let Some(map) = value.as_object() else {
            bail!("{file}: a kustomization must be a map of fields");
        };
        let mut k = Kustomization::default();
        let mut bases = Vec::new();
        for (key, v) in map {
            if v.is_null() {
                continue;
            }
            match key.as_str() {
                "apiVersion" | "metadata" => {}
                "kind" => k.kind = string(v, key, file)?,
                "resources" => k.resources = strings(v, key, file)?,
                "bases" => bases = strings(v, key, file)?,
                "components" => k.components = strings(v, key, file)?,
                "namespace" => k.namespace = string(v, key, file)?,
                "namePrefix" => k.name_prefix = string(v, key, file)?,
                "nameSuffix" => k.name_suffix = string(v, key, file)?,
                "commonLabels" => k.common_labels = string_map(v, key, file)?,
                "commonAnnotations" => k.common_annotations = string_map(v, key, file)?,
                "labels" => {
                    for item in list(v, key, file)? {
                        let fields = item
                            .get("fields")
                            .and_then(Value::as_array)
                            .map(|a| a.iter().map(FieldSpec::parse).collect())
                            .unwrap_or_else(|| Ok(Vec::new()))?;
                        k.labels.push(LabelSet {
                            pairs: match item.get("pairs") {
                                Some(p) => string_map(p, "labels.pairs", file)?,
                                None => Vec::new(),
                            },
                            include_selectors: flag(&item, "includeSelectors"),
                            include_templates: flag(&item, "includeTemplates"),
                            fields,
                        });
                    }
                }
                "images" | "imageTags" => k.images.extend(list(v, key, file)?),
                "replicas" => k.replicas = list(v, key, file)?,
                "patches" => k.patches = list(v, key, file)?,
                "patchesStrategicMerge" => k.patches_strategic_merge = strings(v, key, file)?,
                "patchesJson6902" => k.patches_json6902 = list(v, key, file)?,
                "configMapGenerator" => k.config_map_generator = list(v, key, file)?,
                "secretGenerator" => k.secret_generator = list(v, key, file)?,
                "generatorOptions" => k.generator_options = Some(v.clone()),
                "replacements" => k.replacements = list(v, key, file)?,
                "vars" => k.vars = list(v, key, file)?,
                "configurations" => k.configurations = strings(v, key, file)?,
                "crds" => k.crds = strings(v, key, file)?,
                "sortOptions" => k.sort_options = Some(v.clone()),
                other => {
                    if !KUSTOMIZE_FIELDS.contains(&other) {
                        bail!("{}", unknown_field(other, file, text));
                    }
                    if is_empty(v) {
                        continue;
                    }
                    let why = UNSUPPORTED
                        .iter()
                        .find(|(f, _)| *f == other)
                        .map(|(_, why)| why.to_string())
                        .unwrap_or_else(|| "not a kustomization field it knows".into());
                    return Err(Unsupported {
                        file: file.to_string(),
                        field: other.to_string(),
                        why,
                    }
                    .into());
                }
            }
        }
        // kustomize appends the deprecated `bases` to `resources`.
        k.resources.extend(bases);
        Ok(k)
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn string(v: &Value, key: &str, file: &str) -> Result<String> {
    match scalar_string(v) {
        Some(s) => Ok(s),
        None => bail!("{file}: `{key}` must be a string"),
    }
}

fn list(v: &Value, key: &str, file: &str) -> Result<Vec<Value>> {
    match v {
        Value::Array(items) => Ok(items.clone()),
        _ => bail!("{file}: `{key}` must be a list"),
    }
}

fn strings(v: &Value, key: &str, file: &str) -> Result<Vec<String>> {
    list(v, key, file)?
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            other => bail!("{file}: `{key}` entries must be strings, found {other}"),
        })
        .collect()
}

/// A map of strings, keys sorted as Go's maps are when kustomize walks them.
pub fn string_map(v: &Value, key: &str, file: &str) -> Result<Vec<(String, String)>> {
    let Some(map) = v.as_object() else {
        bail!("{file}: `{key}` must be a map of strings");
    };
    let mut out = Vec::new();
    for (k, val) in map {
        match scalar_string(val) {
            Some(s) => out.push((k.clone(), s)),
            None => bail!("{file}: `{key}.{k}` must be a string"),
        }
    }
    out.sort();
    Ok(out)
}
