//! Native Kustomize rendering: kustomizations built in-process the way
//! kustomize v5 builds them (same objects, same content, same order), each
//! object remembering the file that declared it and the patches that changed it.

mod build;
mod crds;
mod empty;
mod fieldspec;
mod generators;
mod json6902;
mod kustomization;
mod loader;
mod nameref;
mod order;
mod patches;
mod replacements;
mod resource;
mod schema;
mod selector;
mod smp;
mod transformers;
mod vars;

pub use kustomization::Unsupported;

use super::DesiredObject;
use anyhow::Result;
use build::{Accumulator, Builder};
use loader::Loader;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Build annotations kustomize strips from its output.
const BUILD_ANNOTATIONS: [&str; 8] = [
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "config.kubernetes.io/id",
    "internal.config.kubernetes.io/path",
    "internal.config.kubernetes.io/index",
    "internal.config.kubernetes.io/id",
    "internal.config.kubernetes.io/seqindent",
    "internal.config.kubernetes.io/annotations-migration-resource-id",
];

/// Renders the kustomization in `dir`. An error for which
/// [`unsupported`] is `Some` names a field the native renderer cannot
/// render; any other error is a real render failure.
pub fn render(dir: &Path) -> Result<Vec<DesiredObject>> {
    let mut loader = Loader::new(dir)?;
    let root = loader.enter(dir, None)?;
    build_root(Builder { loader }, root)
}

/// How a GitOps tool builds an app's directory.
pub struct AppBuild<'a> {
    pub dir: &'a Path,
    /// The repository: nothing outside it is read.
    pub repo_root: &'a Path,
    /// The kustomization as the tool generated or edited it, named as
    /// `file`; `None` to read `dir`'s own kustomization file.
    pub kustomization: Option<(PathBuf, String)>,
    /// Files outside a kustomization's directory may be read (Flux).
    pub load_restrictions_none: bool,
    /// The app whose fields edited the kustomization: values the edited
    /// kustomization sets (`images:`, `replicas:`) are declared there.
    pub edited_by: crate::model::SourceLocation,
}

/// Renders an app's directory the way its GitOps tool has kustomize build it.
pub fn render_app(build: AppBuild) -> Result<Vec<DesiredObject>> {
    let mut loader = Loader::for_repository(build.repo_root, !build.load_restrictions_none)?;
    let Some((file, text)) = build.kustomization else {
        let root = loader.enter(build.dir, None)?;
        return build_root(Builder { loader }, root);
    };
    let root = loader.enter_text(build.dir, file, text)?;
    let edited = root.file_name();
    let mut objects = build_root(Builder { loader }, root)?;
    // A kustomization that exists only in memory has no line in Git: what
    // it sets, the app's declaration set.
    for object in &mut objects {
        for (_, at) in &mut object.values {
            if at.file == edited {
                *at = build.edited_by.clone();
            }
        }
    }
    Ok(objects)
}

fn build_root(mut builder: Builder, root: loader::Root) -> Result<Vec<DesiredObject>> {
    let (mut ra, k) = builder.accumulate(&root, Accumulator::default())?;
    let file = root.file_name();
    for r in ra.resources.iter_mut() {
        empty::to_null(&mut r.obj);
        if r.needs_hash {
            let hash = generators::hash(&r.obj);
            r.store_previous_id();
            let name = format!("{}-{hash}", r.name());
            r.set_name(&name);
        }
    }
    nameref::fix(&mut ra.resources, &ra.config.name_reference)
        .map_err(|e| e.context(format!("{file}: fixing name references")))?;
    vars::resolve(&mut ra.resources, &ra.vars, &ra.config.var_reference)
        .map_err(|e| e.context(format!("{file}: resolving vars")))?;
    ra.resources.retain(|r| {
        r.obj
            .pointer("/metadata/annotations/config.kubernetes.io~1local-config")
            .and_then(Value::as_str)
            != Some("true")
    });
    order::sort(&mut ra.resources, k.sort_options.as_ref())
        .map_err(|e| e.context(format!("{file}: sortOptions")))?;
    Ok(ra
        .resources
        .into_iter()
        .map(|mut r| {
            strip_build_annotations(&mut r.obj);
            let mut patches = r.patches;
            // The last patch wins: look there first.
            patches.reverse();
            DesiredObject {
                value: r.obj,
                source: r.origin,
                patches,
                values: r.values,
                secrets: Vec::new(),
                variables: Vec::new(),
                root: None,
            }
        })
        .collect())
}

/// The unsupported field behind `e`, if that is why rendering failed.
pub fn unsupported(e: &anyhow::Error) -> Option<&Unsupported> {
    build::unsupported(e)
}

fn strip_build_annotations(obj: &mut Value) {
    let Some(Value::Object(annotations)) = obj.pointer_mut("/metadata/annotations") else {
        return;
    };
    if annotations.is_empty() {
        return;
    }
    for key in BUILD_ANNOTATIONS {
        annotations.remove(key);
    }
    if annotations.is_empty()
        && let Some(Value::Object(meta)) = obj.get_mut("metadata")
    {
        meta.remove("annotations");
    }
}

/// Splits `text` at `separator` where it stands outside any `open`...`close`
/// pair: `a.[b.c].d` at dots outside brackets, `x in (a,b),y` at commas
/// outside parentheses.
fn split_unnested(text: &str, separator: char, (open, close): (char, char)) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    for c in text.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
        } else if c == separator && depth == 0 {
            out.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
    }
    out.push(current);
    out
}
