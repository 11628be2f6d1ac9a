//! Building one kustomization the way kustomize's KustTarget does: its
//! resources (files and other kustomizations, recursively), configurations,
//! generators, components, then its transformers, then its vars.

use super::fieldspec::TransformerConfig;
use super::generators;
use super::kustomization::{Kustomization, Unsupported};
use super::loader::{Loader, Resolved, Root};
use super::patches;
use super::replacements;
use super::resource::{Behavior, Resource};
use super::transformers;
use super::vars::{self, Var};
use crate::model::{ObjectRef, SourceLocation};
use crate::source::clean_path;
use crate::yaml;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::Path;

/// Resources and the rules collected while building.
#[derive(Default)]
pub struct Accumulator {
    pub resources: Vec<Resource>,
    pub config: TransformerConfig,
    pub vars: Vec<Var>,
}

impl Accumulator {
    fn append(&mut self, r: Resource) -> Result<()> {
        self.append_all(vec![r])
    }

    /// Adds objects; two with one identity are an error naming both.
    fn append_all(&mut self, rs: Vec<Resource>) -> Result<()> {
        let key = |r: &Resource| {
            let id = r.cur_id();
            let ns = id.effective_namespace().to_string();
            (id.gvk, id.name, ns)
        };
        let mut seen: std::collections::HashMap<_, usize> = self
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (key(r), i))
            .collect();
        for r in rs {
            let k = key(&r);
            if let Some(i) = seen.get(&k) {
                let existing = &self.resources[*i];
                bail!(
                    "{} is declared twice: in {} and in {}",
                    r.cur_id(),
                    crate::source::describe(&existing.origin),
                    crate::source::describe(&r.origin)
                );
            }
            seen.insert(k, self.resources.len());
            self.resources.push(r);
        }
        Ok(())
    }

    fn merge(&mut self, other: Accumulator) -> Result<()> {
        self.append_all(other.resources)?;
        self.config.merge_owned(other.config)?;
        for v in other.vars {
            if self.vars.iter().any(|x| x.name == v.name) {
                bail!("var {} is defined more than once", v.name);
            }
            self.vars.push(v);
        }
        Ok(())
    }

    /// Generated objects: new ones are added, `merge` and `replace` update
    /// the object of the same identity.
    fn absorb(&mut self, mut r: Resource) -> Result<()> {
        let id = r.cur_id();
        let matches: Vec<usize> = self
            .resources
            .iter()
            .enumerate()
            .filter(|(_, o)| o.all_ids().iter().any(|oid| oid.equals(&id)))
            .map(|(i, _)| i)
            .collect();
        match (matches.len(), r.behavior) {
            (0, Behavior::Create) => self.append(r),
            (0, _) => bail!(
                "{}: generator for {id} has behavior merge or replace, but there is no {id} to merge into",
                crate::source::describe(&r.origin)
            ),
            (1, Behavior::Create) => bail!(
                "{}: {id} already exists (from {}); a generator must use behavior merge or replace",
                crate::source::describe(&r.origin),
                crate::source::describe(&self.resources[matches[0]].origin)
            ),
            (1, behavior) => {
                let old = &self.resources[matches[0]];
                // Metadata merges (the generator's own win); name and namespace stay.
                let mut labels = old.labels();
                labels.extend(r.labels());
                let mut annotations = old.annotations();
                annotations.extend(r.annotations());
                let meta = super::resource::metadata_mut(&mut r.obj);
                set_map(meta, "labels", labels);
                set_map(meta, "annotations", annotations);
                r.set_name(old.name());
                r.set_namespace(old.namespace());
                if behavior == Behavior::Merge {
                    for field in ["data", "binaryData"] {
                        let mut merged = old
                            .obj
                            .get(field)
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default();
                        if let Some(new) = r.obj.get(field).and_then(Value::as_object) {
                            merged.extend(new.clone());
                        }
                        if let Value::Object(m) = &mut r.obj {
                            if merged.is_empty() {
                                m.remove(field);
                            } else {
                                m.insert(field.into(), Value::Object(merged));
                            }
                        }
                    }
                }
                let needs_hash = r.needs_hash;
                r.take_build_state(old);
                // The generator that merges or replaces decides about the hash.
                r.needs_hash = needs_hash;
                // The object keeps its declaration; the overlay's generator
                // declares the values it merged or replaced.
                let mut patches = old.patches.clone();
                patches.push(r.origin.clone());
                r.origin = old.origin.clone();
                r.patches = patches;
                r.values = old.values.clone();
                r.behavior = Behavior::Create;
                self.resources[matches[0]] = r;
                Ok(())
            }
            (n, _) => bail!(
                "{}: generator for {id} matches {n} objects",
                crate::source::describe(&r.origin)
            ),
        }
    }
}

fn set_map(
    meta: &mut serde_json::Map<String, Value>,
    key: &str,
    map: serde_json::Map<String, Value>,
) {
    if map.is_empty() {
        meta.remove(key);
    } else {
        meta.insert(key.into(), Value::Object(map));
    }
}

/// Reads and parses `root`'s kustomization file.
pub fn read_kustomization(root: &Root) -> Result<(Kustomization, String)> {
    let name = root.file_name();
    let text = match &root.text {
        Some(text) => text.clone(),
        None => yaml::read_text(&root.file)?,
    };
    let docs = yaml::parse_documents_as(&text, &name, yaml::Dialect::Kustomize)?;
    let Some(doc) = docs.into_iter().next() else {
        bail!("{name}: the kustomization is empty");
    };
    Ok((Kustomization::parse(&doc.value, &name, &text)?, text))
}

pub struct Builder {
    pub loader: Loader,
}

impl Builder {
    /// kustomize's accumulateTarget for the kustomization at `root`, adding
    /// to `ra` (empty for a kustomization, the parent's for a component).
    pub fn accumulate(
        &mut self,
        root: &Root,
        mut ra: Accumulator,
    ) -> Result<(Accumulator, Kustomization)> {
        let (k, text) = read_kustomization(root)?;
        let file = root.file_name();
        for entry in &k.resources {
            match self.loader.resolve(root, "resources", entry)? {
                Resolved::File(path) => ra.append_all(read_resources(&path)?)?,
                Resolved::Dir(dir) => {
                    let sub = self.loader.enter(&dir, Some(root))?;
                    let (sub_k, _) = read_kustomization(&sub)?;
                    if sub_k.kind == "Component" {
                        bail!(
                            "{file}: resources: {entry} is a Component; list it under `components`"
                        );
                    }
                    let (sub_ra, _) = self.accumulate(&sub, Accumulator::default())?;
                    self.loader.leave();
                    ra.merge(sub_ra)?;
                }
            }
        }
        // The built-in specs once; every level adds its own.
        let mut config = if ra.config.has_defaults {
            TransformerConfig::default()
        } else {
            TransformerConfig::defaults()
        };
        for entry in &k.configurations {
            let (path, text) = self.loader.read(root, "configurations", entry)?;
            let name = clean_path(&path).display().to_string();
            for doc in yaml::parse_documents_as(&text, &name, yaml::Dialect::Kustomize)? {
                let c = TransformerConfig::parse(&doc.value).with_context(|| name.clone())?;
                config.merge(&c).with_context(|| name.clone())?;
            }
        }
        for entry in &k.crds {
            let (path, text) = self.loader.read(root, "crds", entry)?;
            let name = clean_path(&path).display().to_string();
            for doc in yaml::parse_documents_as(&text, &name, yaml::Dialect::Kustomize)? {
                config.merge(&super::crds::config_from_crd(&doc.value))?;
            }
        }
        ra.config
            .merge_owned(config)
            .with_context(|| file.clone())?;
        for r in generators::generate(&self.loader, root, &k, &text)? {
            ra.absorb(r)?;
        }
        for entry in &k.components {
            let dir = match self.loader.resolve(root, "components", entry)? {
                Resolved::Dir(dir) => dir,
                Resolved::File(_) => bail!("{file}: components: {entry} must be a directory"),
            };
            let sub = self.loader.enter(&dir, Some(root))?;
            let (sub_k, _) = read_kustomization(&sub)?;
            if sub_k.kind != "Component" {
                bail!(
                    "{}: listed under `components` of {file}, but its kind is not Component",
                    sub.file_name()
                );
            }
            let (after, _) = self.accumulate(&sub, ra)?;
            self.loader.leave();
            ra = after;
        }
        self.transform(root, &k, &text, &mut ra)
            .with_context(|| format!("{file}: transforming"))
            .map_err(flatten)?;
        let vars = k
            .vars
            .iter()
            .map(|v| Var::parse(v, &file))
            .collect::<Result<Vec<_>>>()?;
        vars::merge(&mut ra.resources, &mut ra.vars, vars).with_context(|| file.clone())?;
        Ok((ra, k))
    }

    fn transform(
        &self,
        root: &Root,
        k: &Kustomization,
        text: &str,
        ra: &mut Accumulator,
    ) -> Result<()> {
        let loader = &self.loader;
        patches::strategic_merge_files(&mut ra.resources, loader, root, k, text)?;
        patches::patches(&mut ra.resources, loader, root, k, text)?;
        transformers::namespace(&mut ra.resources, &k.namespace, &ra.config)?;
        transformers::affix(&mut ra.resources, &k.name_prefix, true, &ra.config)?;
        transformers::affix(&mut ra.resources, &k.name_suffix, false, &ra.config)?;
        transformers::labels(&mut ra.resources, k, &ra.config)?;
        transformers::set_entries(
            &mut ra.resources,
            &k.common_annotations,
            &ra.config.common_annotations,
        )?;
        patches::json6902_patches(&mut ra.resources, loader, root, k, text)?;
        let declaring = transformers::Declaring {
            file: root.file_name(),
            text,
        };
        transformers::replicas(&mut ra.resources, k, &ra.config, &declaring)?;
        transformers::images(&mut ra.resources, k, &ra.config, &declaring)?;
        let mut replacements = Vec::new();
        for r in &k.replacements {
            match r.get("path").and_then(Value::as_str) {
                Some(path) => {
                    let (file, text) = loader.read(root, "replacements", path)?;
                    let name = clean_path(&file).display().to_string();
                    for doc in yaml::parse_documents_as(&text, &name, yaml::Dialect::Kustomize)? {
                        match doc.value {
                            Value::Array(items) => replacements.extend(items),
                            other => replacements.push(other),
                        }
                    }
                }
                None => replacements.push(r.clone()),
            }
        }
        replacements::apply(&mut ra.resources, &replacements)?;
        Ok(())
    }
}

/// Keeps unsupported-field errors recognisable through context layers.
fn flatten(e: anyhow::Error) -> anyhow::Error {
    e
}

/// The objects of one resource file (`List` kinds expanded).
pub fn read_resources(path: &Path) -> Result<Vec<Resource>> {
    let text = yaml::read_text(path)?;
    let name = clean_path(path).display().to_string();
    let docs = match super::empty::mark(&text)
        .and_then(|marked| yaml::parse_documents_as(&marked, &name, yaml::Dialect::Kustomize).ok())
    {
        Some(docs) => docs,
        None => yaml::parse_documents_as(&text, &name, yaml::Dialect::Kustomize)?,
    };
    let mut out = Vec::new();
    for doc in docs {
        if !doc.value.is_object() {
            bail!("{name}:{}: expected a Kubernetes object (a map)", doc.line);
        }
        for value in yaml::expand_lists(doc.value) {
            if ObjectRef::from_value(&value).is_none() {
                bail!(
                    "{name}:{}: not a Kubernetes object: apiVersion, kind and metadata.name are required",
                    doc.line
                );
            }
            let mut value = value;
            // kustomize's reader drops empty annotations.
            if let Some(Value::Object(meta)) = value.get_mut("metadata")
                && meta.get("annotations").is_some_and(|a| {
                    super::empty::is_nullish(a) || a.as_object().is_some_and(|m| m.is_empty())
                })
            {
                meta.remove("annotations");
            }
            out.push(Resource::new(
                value,
                SourceLocation {
                    file: name.clone(),
                    line: Some(doc.line),
                    ..SourceLocation::default()
                },
            ));
        }
    }
    Ok(out)
}

/// True when `e` (or its cause) is an unsupported field.
pub fn unsupported(e: &anyhow::Error) -> Option<&Unsupported> {
    e.chain().find_map(|c| c.downcast_ref::<Unsupported>())
}
