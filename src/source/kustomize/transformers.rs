//! The built-in transformers of a kustomization, in the order kustomize runs
//! them after patches: namespace, name prefix and suffix, labels,
//! annotations, replicas and images.

use super::fieldspec::{self, Create, FieldSpec, TransformerConfig, merge_specs};
use super::kustomization::{Kustomization, scalar_string};
use super::resource::{Gvk, ResId, Resource};
use crate::model::SourceLocation;
use crate::path::{FieldPath, Segment};
use crate::source::locate;
use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value};

/// Sets `namespace` on namespaced objects and the fields that name one.
pub fn namespace(resources: &mut [Resource], ns: &str, config: &TransformerConfig) -> Result<()> {
    if ns.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        if r.is_empty() {
            continue;
        }
        r.store_previous_id();
        let gvk = r.gvk();
        let set = &mut |v: &mut Value| -> Result<()> {
            *v = Value::String(ns.to_string());
            Ok(())
        };
        if !gvk.is_cluster_scoped() {
            fieldspec::apply(
                &mut r.obj,
                &gvk,
                &FieldSpec::new("metadata/namespace", true),
                Create::Scalar,
                set,
            )?;
        }
        let is_binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        if is_binding && let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
            // kustomize's default mode: only subjects named "default".
            for s in subjects.iter_mut() {
                if s.get("name").and_then(Value::as_str) == Some("default")
                    && let Value::Object(m) = s
                {
                    m.insert("namespace".into(), Value::String(ns.to_string()));
                }
            }
        }
        let api_version = gvk.api_version();
        for spec in &config.namespace {
            if spec.path == "metadata/namespace" {
                continue;
            }
            if spec.path == "metadata/name" && api_version != "v1" {
                continue;
            }
            if is_binding && spec.path == "subjects/namespace" {
                continue;
            }
            fieldspec::apply(&mut r.obj, &gvk, spec, Create::Scalar, set)
                .with_context(|| format!("namespace transformation of {}", r.cur_id()))?;
        }
    }
    let mut seen = std::collections::HashSet::new();
    for r in resources.iter() {
        let id = r.cur_id();
        let ns_key = id.effective_namespace().to_string();
        if !seen.insert((id.gvk.clone(), id.name.clone(), ns_key)) {
            bail!("namespace {ns} makes two objects {id}: they would collide");
        }
    }
    Ok(())
}

/// Kinds whose names kustomize never prefixes or suffixes.
fn skips_affix(id: &ResId) -> bool {
    let gvk = &id.gvk;
    gvk.kind == "CustomResourceDefinition"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
        || gvk.kind == "Namespace"
}

/// namePrefix / nameSuffix.
pub fn affix(
    resources: &mut [Resource],
    value: &str,
    prefix: bool,
    config: &TransformerConfig,
) -> Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    let specs = if prefix {
        &config.name_prefix
    } else {
        &config.name_suffix
    };
    for r in resources.iter_mut() {
        let id = r.org_id();
        if skips_affix(&id) {
            continue;
        }
        for spec in specs {
            if !id.gvk.is_selected_by(&spec.gvk) {
                continue;
            }
            if spec.path == "metadata/name" {
                if prefix {
                    r.prefixes.push(value.to_string());
                } else {
                    r.suffixes.push(value.to_string());
                }
                r.store_previous_id();
            }
            let gvk = r.gvk();
            fieldspec::apply(&mut r.obj, &gvk, spec, Create::Nothing, &mut |v| {
                if let Value::String(s) = v {
                    *s = if prefix {
                        format!("{value}{s}")
                    } else {
                        format!("{s}{value}")
                    };
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Sets string entries in the maps at `specs` (labels, annotations).
pub fn set_entries(
    resources: &mut [Resource],
    pairs: &[(String, String)],
    specs: &[FieldSpec],
) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        for (k, v) in pairs {
            for spec in specs {
                fieldspec::apply(&mut r.obj, &gvk, spec, Create::Map, &mut |node| {
                    if super::empty::is_nullish(node) {
                        *node = Value::Object(Map::new());
                    }
                    match node {
                        Value::Object(m) => {
                            m.insert(k.clone(), Value::String(v.clone()));
                            Ok(())
                        }
                        _ => Err(anyhow!("expected a map at {}", spec.path)),
                    }
                })
                .with_context(|| format!("setting {k} on {}", r.cur_id()))?;
            }
        }
    }
    Ok(())
}

/// `labels:` entries and `commonLabels`.
pub fn labels(
    resources: &mut [Resource],
    k: &Kustomization,
    config: &TransformerConfig,
) -> Result<()> {
    for set in &k.labels {
        let mut specs = set.fields.clone();
        if set.include_selectors {
            merge_specs(&mut specs, &config.common_labels)?;
        } else {
            if set.include_templates {
                merge_specs(&mut specs, &config.template_labels)?;
            }
            merge_specs(&mut specs, &[FieldSpec::new("metadata/labels", true)])?;
        }
        set_entries(resources, &set.pairs, &specs)?;
    }
    set_entries(resources, &k.common_labels, &config.common_labels)
}

/// The kustomization whose fields are being applied, for naming the line
/// that declares a value it sets.
pub struct Declaring<'a> {
    pub file: String,
    pub text: &'a str,
}

impl Declaring<'_> {
    /// `field[name=NAME].KEY` of the kustomization: the first of `keys` it
    /// spells out, else the entry's `name:` line.
    fn entry(&self, field: &str, name: &str, keys: &[&str]) -> SourceLocation {
        let item = FieldPath::root().field(field).key("name", name);
        let line = keys
            .iter()
            .find_map(|k| locate::value_line(self.text, 1, &item.field(k)))
            .or_else(|| locate::value_line(self.text, 1, &item));
        SourceLocation {
            file: self.file.clone(),
            line,
            ..SourceLocation::default()
        }
    }
}

/// `replicas:` entries.
pub fn replicas(
    resources: &mut [Resource],
    k: &Kustomization,
    config: &TransformerConfig,
    declaring: &Declaring,
) -> Result<()> {
    for entry in &k.replicas {
        let name = entry
            .get("name")
            .and_then(scalar_string)
            .unwrap_or_default();
        let at = declaring.entry("replicas", &name, &["count"]);
        let count = entry.get("count").cloned().unwrap_or(Value::from(0));
        let count = match &count {
            Value::Number(_) => count,
            Value::String(s) => s
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| anyhow!("replicas {name}: count `{s}` is not a number"))?,
            other => bail!("replicas {name}: count {other} is not a number"),
        };
        let mut found = false;
        for spec in &config.replicas {
            for r in resources.iter_mut() {
                let selected = r
                    .all_ids()
                    .iter()
                    .any(|id| id.name == name && id.gvk.is_selected_by(&spec.gvk));
                if !selected {
                    continue;
                }
                found = true;
                let gvk = r.gvk();
                fieldspec::apply(&mut r.obj, &gvk, spec, Create::Scalar, &mut |v| {
                    *v = count.clone();
                    Ok(())
                })?;
                if let Some(path) = spec_path(&spec.path) {
                    r.values.push((path, at.clone()));
                }
            }
        }
        if !found {
            bail!(
                "replicas: no Deployment, ReplicationController, ReplicaSet or StatefulSet named {name}"
            );
        }
    }
    Ok(())
}

/// One `images:` entry.
#[derive(Debug, Clone, Default)]
pub struct ImageRule {
    name: String,
    new_name: String,
    new_tag: String,
    digest: String,
    /// The name's pattern, built only when the name is more than plain
    /// characters (building one costs more than most renders' matching).
    matcher: std::sync::OnceLock<Option<regex::Regex>>,
}

impl ImageRule {
    pub fn parse(v: &Value) -> Result<ImageRule> {
        let s = |k: &str| v.get(k).and_then(scalar_string).unwrap_or_default();
        Ok(ImageRule {
            name: s("name"),
            new_name: s("newName"),
            new_tag: s("newTag"),
            digest: s("digest"),
            matcher: std::sync::OnceLock::new(),
        })
    }

    /// The new image for `image`, if this rule matches it.
    pub fn apply(&self, image: &str) -> Option<String> {
        // kustomize matches the name as a regular expression, unescaped. A
        // name of letters, digits and `/:@_-` (and `.`, any character) over
        // an ASCII image is matched without building it.
        let plain = self
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"./:@_-".contains(&b));
        let matched = if plain && image.is_ascii() {
            plain_name_matches(&self.name, image)
        } else {
            let pattern = format!("^{}(@sha256)?(:[a-zA-Z0-9_.{{}}-]*)?$", self.name);
            match self
                .matcher
                .get_or_init(|| regex::Regex::new(&pattern).ok())
            {
                Some(re) => re.is_match(image),
                None => plain_name_matches(&self.name, image),
            }
        };
        if !matched {
            return None;
        }
        let (mut name, mut tag, mut digest) = split_image(image);
        if !self.new_name.is_empty() {
            name = self.new_name.clone();
        }
        if !self.new_tag.is_empty() && !self.digest.is_empty() {
            tag = self.new_tag.clone();
            digest = self.digest.clone();
        } else if !self.new_tag.is_empty() {
            tag = self.new_tag.clone();
            digest = String::new();
        } else if !self.digest.is_empty() {
            tag = String::new();
            digest = self.digest.clone();
        }
        let mut out = name;
        if !tag.is_empty() {
            out.push(':');
            out.push_str(&tag);
        }
        if !digest.is_empty() {
            out.push('@');
            out.push_str(&digest);
        }
        Some(out)
    }
}

/// kustomize's `^NAME(@sha256)?(:[a-zA-Z0-9_.{}-]*)?$` for a NAME of plain
/// characters, where `.` still matches any character.
fn plain_name_matches(name: &str, image: &str) -> bool {
    let (n, i) = (name.as_bytes(), image.as_bytes());
    if i.len() < n.len()
        || !n
            .iter()
            .zip(i)
            .all(|(a, b)| (*a == b'.' && *b != b'\n') || a == b)
    {
        return false;
    }
    let mut rest = &image[n.len()..];
    if let Some(r) = rest.strip_prefix("@sha256") {
        rest = r;
    }
    if rest.is_empty() {
        return true;
    }
    match rest.strip_prefix(':') {
        Some(tag) => tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.{}-".contains(c)),
        None => false,
    }
}

/// `registry:5000/app:tag@sha256:...` -> name, tag, digest (a port in the
/// domain is not a tag).
pub fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|i| *i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (c, Some(a)) if c.is_none_or(|c| a < c) => {
            let a = a + slash;
            (
                image[..a].to_string(),
                String::new(),
                image[a + 1..].to_string(),
            )
        }
        (Some(c), Some(a)) => {
            let (c, a) = (c + slash, a + slash);
            (
                image[..c].to_string(),
                image[c + 1..a].to_string(),
                image[a + 1..].to_string(),
            )
        }
        (Some(c), None) => {
            let c = c + slash;
            (
                image[..c].to_string(),
                image[c + 1..].to_string(),
                String::new(),
            )
        }
        (None, Some(_)) => unreachable!("handled above"),
    }
}

/// `images:` entries: every `containers`/`initContainers` list anywhere in
/// an object (kustomize's legacy walk), then the configured field specs.
pub fn images(
    resources: &mut [Resource],
    k: &Kustomization,
    config: &TransformerConfig,
    declaring: &Declaring,
) -> Result<()> {
    for entry in &k.images {
        let rule = ImageRule::parse(entry)?;
        let at = declaring.entry("images", &rule.name, &["newTag", "digest", "newName"]);
        for r in resources.iter_mut() {
            let mut changed = Vec::new();
            legacy_images(&mut r.obj, &rule, &mut Vec::new(), &mut changed);
            r.values
                .extend(changed.into_iter().map(|p| (p, at.clone())));
            if r.kind() == "CustomResourceDefinition" {
                continue;
            }
            let gvk: Gvk = r.gvk();
            for spec in &config.images {
                fieldspec::apply(&mut r.obj, &gvk, spec, Create::Nothing, &mut |v| {
                    if let Value::String(s) = v
                        && let Some(new) = rule.apply(s)
                    {
                        *s = new;
                    }
                    Ok(())
                })?;
            }
        }
    }
    Ok(())
}

/// Rewrites matching images of every container list below `node` (at
/// `path`, which is left as it was found), adding the path of each image it
/// rewrote to `changed`.
fn legacy_images(
    node: &mut Value,
    rule: &ImageRule,
    path: &mut Vec<Segment>,
    changed: &mut Vec<FieldPath>,
) {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if (key == "containers" || key == "initContainers")
                    && let Value::Array(items) = value
                {
                    for item in items.iter_mut() {
                        let name = item.get("name").and_then(Value::as_str).map(str::to_string);
                        if let Some(Value::String(image)) = item.get_mut("image")
                            && let Some(new) = rule.apply(image)
                        {
                            *image = new;
                            if let Some(name) = name {
                                changed.push(
                                    FieldPath(path.clone())
                                        .field(key)
                                        .key("name", &name)
                                        .field("image"),
                                );
                            }
                        }
                    }
                } else if value.is_object() || value.is_array() {
                    path.push(Segment::Field(key.clone()));
                    legacy_images(value, rule, path, changed);
                    path.pop();
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                if item.is_object() || item.is_array() {
                    path.push(Segment::Index(i));
                    legacy_images(item, rule, path, changed);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// A field spec's `spec/replicas` as a path, when it names plain fields.
fn spec_path(spec: &str) -> Option<FieldPath> {
    let mut path = FieldPath::root();
    for part in spec.split('/') {
        if part.is_empty() || part.contains(['[', ']', '\\']) {
            return None;
        }
        path = path.field(part);
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_names_split_around_ports() {
        assert_eq!(
            split_image("registry:5000/app:1.0@sha256:abc"),
            (
                "registry:5000/app".into(),
                "1.0".into(),
                "sha256:abc".into()
            )
        );
        assert_eq!(split_image("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(
            split_image("nginx@sha256:x"),
            ("nginx".into(), "".into(), "sha256:x".into())
        );
    }

    #[test]
    fn image_rules() {
        let rule =
            ImageRule::parse(&json!({"name": "registry.example.com/app", "newTag": "v2"})).unwrap();
        assert_eq!(
            rule.apply("registry.example.com/app:v1").unwrap(),
            "registry.example.com/app:v2"
        );
        assert_eq!(
            rule.apply("registry.example.com/app").unwrap(),
            "registry.example.com/app:v2"
        );
        assert!(rule.apply("registry.example.com/app-x:v1").is_none());
        assert_eq!(
            rule.apply("registry.example.com/app@sha256:abc").unwrap(),
            "registry.example.com/app:v2"
        );
        assert_eq!(
            rule.apply("registry.example.com/app@sha256").unwrap(),
            "registry.example.com/app:v2"
        );
        // As kustomize's unescaped regular expression: `.` matches anything.
        assert!(rule.apply("registryXexample.com/app").is_some());
        let re = ImageRule::parse(&json!({"name": "app|web", "newTag": "1"})).unwrap();
        assert_eq!(re.apply("web:0").unwrap(), "web:1");
        let digest = ImageRule::parse(
            &json!({"name": "app", "newName": "mirror/app", "digest": "sha256:d"}),
        )
        .unwrap();
        assert_eq!(digest.apply("app:1").unwrap(), "mirror/app@sha256:d");
    }

    #[test]
    fn plain_names_match_as_their_pattern_would() {
        for name in [
            "registry.example.com/app",
            "app",
            "a.b",
            "host:5000/x_y-z",
            "a@b",
        ] {
            let re =
                regex::Regex::new(&format!("^{name}(@sha256)?(:[a-zA-Z0-9_.{{}}-]*)?$")).unwrap();
            for image in [
                name.to_string(),
                format!("{name}:v1.2_{{x}}-3"),
                format!("{name}@sha256"),
                format!("{name}@sha256:abc"),
                format!("{name}:v1@sha256:abc"),
                format!("{name}-x:v1"),
                format!("{name}:"),
                format!("{name}:a/b"),
                name.replace('.', "X"),
                name.replace('.', "\n"),
                format!("x{name}"),
            ] {
                assert_eq!(
                    plain_name_matches(name, &image),
                    re.is_match(&image),
                    "{name} against {image:?}"
                );
            }
        }
    }
}
