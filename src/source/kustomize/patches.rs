//! The patch transformers of a kustomization: `patchesStrategicMerge`,
//! `patches` (strategic merge or JSON 6902, with or without a target) and
//! `patchesJson6902`. Each object remembers the patch documents that changed it.

use super::json6902;
use super::kustomization::Kustomization;
use super::loader::{Loader, Root};
use super::resource::Resource;
use super::selector::Selector;
use super::smp;
use crate::model::SourceLocation;
use crate::source::clean_path;
use crate::yaml;
use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

/// A patch document and where it was written.
struct PatchDoc {
    value: Value,
    at: SourceLocation,
}

/// A patch given inline or in a file, parsed into documents.
fn load(
    loader: &Loader,
    root: &Root,
    field: &str,
    path: Option<&str>,
    inline: Option<&str>,
    kustomization_text: &str,
) -> Result<Vec<PatchDoc>> {
    let (name, text, line_offset) = match (path, inline) {
        (Some(p), None) => {
            let (file, text) = loader.read(root, field, p)?;
            (clean_path(&file).display().to_string(), text, 0)
        }
        (None, Some(text)) => {
            // Inline patches are located in the kustomization file itself.
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            let offset = kustomization_text
                .lines()
                .position(|l| !first.trim().is_empty() && l.trim() == first.trim())
                .unwrap_or(0);
            (root.file_name(), text.to_string(), offset)
        }
        _ => bail!(
            "{}: {field}: each patch needs exactly one of `path` and `patch`",
            root.file_name()
        ),
    };
    let docs = yaml::parse_documents_as(&text, &name, yaml::Dialect::Kustomize)?;
    Ok(docs
        .into_iter()
        .map(|d| PatchDoc {
            value: d.value,
            at: SourceLocation {
                file: name.clone(),
                line: Some(d.line + line_offset),
                ..SourceLocation::default()
            },
        })
        .collect())
}

/// A strategic merge patch applied to one object; name, namespace and kind
/// stay unless the patch may change them.
fn apply_smp(r: &mut Resource, patch: &PatchDoc, allow_name: bool, allow_kind: bool) -> Result<()> {
    let (name, ns, kind) = (
        r.name().to_string(),
        r.namespace().to_string(),
        r.kind().to_string(),
    );
    if allow_name || allow_kind {
        r.store_previous_id();
    }
    let mut p = patch.value.clone();
    // kustomize gives the patch the target's group, version and kind.
    if let Value::Object(m) = &mut p {
        if let Some(api) = r.obj.get("apiVersion").cloned() {
            m.insert("apiVersion".into(), api);
        }
        if !allow_kind {
            m.insert("kind".into(), Value::String(kind.clone()));
        }
    }
    let merged = smp::merge(std::mem::take(&mut r.obj), &p).with_context(|| {
        format!(
            "{}:{}: patching {}",
            patch.at.file,
            patch.at.line.unwrap_or(0),
            r.cur_id_of(&name, &ns, &kind)
        )
    })?;
    match merged {
        None => r.obj = Value::Null,
        Some(v) => {
            r.obj = v;
            if !allow_kind {
                r.set_kind(&kind);
            }
            if !allow_name {
                r.set_name(&name);
            }
            r.set_namespace(&ns);
        }
    }
    r.patches.push(patch.at.clone());
    Ok(())
}

impl Resource {
    fn cur_id_of(&self, name: &str, ns: &str, kind: &str) -> String {
        if ns.is_empty() {
            format!("{kind} {name}")
        } else {
            format!("{kind} {ns}/{name}")
        }
    }
}

/// The object a target-less patch names (by any of its identities).
fn find_by_id(resources: &[Resource], patch: &PatchDoc) -> Result<usize> {
    let probe = Resource::new(patch.value.clone(), patch.at.clone());
    let id = probe.cur_id();
    let matches: Vec<usize> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.all_ids().iter().any(|rid| rid.equals(&id)))
        .map(|(i, _)| i)
        .collect();
    match matches.len() {
        1 => Ok(matches[0]),
        0 => bail!(
            "{}:{}: the patch is for {id}, but no object of that kind, name and namespace is among the resources",
            patch.at.file,
            patch.at.line.unwrap_or(0)
        ),
        n => bail!(
            "{}:{}: the patch for {id} matches {n} objects",
            patch.at.file,
            patch.at.line.unwrap_or(0)
        ),
    }
}

fn drop_deleted(resources: &mut Vec<Resource>) {
    resources.retain(|r| !r.is_empty());
}

pub fn strategic_merge_files(
    resources: &mut Vec<Resource>,
    loader: &Loader,
    root: &Root,
    k: &Kustomization,
    text: &str,
) -> Result<()> {
    for entry in &k.patches_strategic_merge {
        // An entry is a file name, or (with a line break) an inline patch.
        let (path, inline) = if entry.contains('\n') {
            (None, Some(entry.as_str()))
        } else {
            (Some(entry.as_str()), None)
        };
        let docs = load(loader, root, "patchesStrategicMerge", path, inline, text)?;
        for doc in docs {
            let i = find_by_id(resources, &doc)?;
            apply_smp(&mut resources[i], &doc, false, false)?;
            drop_deleted(resources);
        }
    }
    Ok(())
}

pub fn patches(
    resources: &mut Vec<Resource>,
    loader: &Loader,
    root: &Root,
    k: &Kustomization,
    text: &str,
) -> Result<()> {
    for entry in &k.patches {
        let path = entry.get("path").and_then(Value::as_str);
        let inline = entry
            .get("patch")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let docs = load(loader, root, "patches", path, inline, text)?;
        let target = match entry.get("target") {
            Some(t) if !t.is_null() => Some(Selector::parse(t).with_context(|| root.file_name())?),
            _ => None,
        };
        let option = |k: &str| {
            entry
                .get("options")
                .and_then(|o| o.get(k))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let (allow_name, allow_kind) = (option("allowNameChange"), option("allowKindChange"));
        // A single document that is a list is a JSON patch.
        if docs.len() == 1 && docs[0].value.is_array() {
            let ops = json6902::parse(&docs[0].value)
                .with_context(|| format!("{}:{}", docs[0].at.file, docs[0].at.line.unwrap_or(0)))?;
            let Some(target) = &target else {
                bail!("{}: patches: a JSON patch needs a target", root.file_name());
            };
            json_patch(resources, target, &ops, &docs[0].at)?;
            continue;
        }
        match &target {
            Some(target) => {
                if docs.len() > 1 {
                    bail!(
                        "{}: patches: a patch with a target may hold only one strategic merge document",
                        root.file_name()
                    );
                }
                for r in resources.iter_mut() {
                    if target.selects(r)? {
                        apply_smp(r, &docs[0], allow_name, allow_kind)?;
                    }
                }
                drop_deleted(resources);
            }
            None => {
                for doc in &docs {
                    let i = find_by_id(resources, doc)?;
                    apply_smp(&mut resources[i], doc, allow_name, allow_kind)?;
                    drop_deleted(resources);
                }
            }
        }
    }
    Ok(())
}

fn json_patch(
    resources: &mut [Resource],
    target: &Selector,
    ops: &[Value],
    at: &SourceLocation,
) -> Result<()> {
    for r in resources.iter_mut() {
        if !target.selects(r)? {
            continue;
        }
        json6902::apply(&mut r.obj, ops).map_err(|e| {
            anyhow!(
                "{}:{}: applying to {}: {e}",
                at.file,
                at.line.unwrap_or(0),
                r.cur_id()
            )
        })?;
        r.patches.push(at.clone());
    }
    Ok(())
}

pub fn json6902_patches(
    resources: &mut [Resource],
    loader: &Loader,
    root: &Root,
    k: &Kustomization,
    text: &str,
) -> Result<()> {
    for entry in &k.patches_json6902 {
        let target = entry.get("target").ok_or_else(|| {
            anyhow!(
                "{}: patchesJson6902: each patch needs a target",
                root.file_name()
            )
        })?;
        let target = Selector::parse(target)?;
        let path = entry.get("path").and_then(Value::as_str);
        let inline = entry.get("patch").and_then(Value::as_str);
        let docs = load(loader, root, "patchesJson6902", path, inline, text)?;
        let Some(doc) = docs.first() else {
            continue;
        };
        let ops = json6902::parse(&doc.value)
            .with_context(|| format!("{}:{}", doc.at.file, doc.at.line.unwrap_or(0)))?;
        json_patch(resources, &target, &ops, &doc.at)?;
    }
    Ok(())
}
