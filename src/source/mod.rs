//! Desired state: the objects Git declares, read from plain YAML directories
//! or rendered from kustomizations, each remembering the file that declared it.

pub mod apps;
pub mod external;
pub mod git;
pub mod kustomize;
pub mod locate;
pub mod plain;
pub mod plan;
pub mod skip;

use crate::model::{ObjectRef, SourceLocation};
use crate::path::FieldPath;
use anyhow::{Result, bail};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// An object as Git declares it.
#[derive(Debug, Clone)]
pub struct DesiredObject {
    pub value: Value,
    pub source: SourceLocation,
    /// Overlay patch documents that may declare some of its values.
    pub patches: Vec<SourceLocation>,
    /// Values a kustomization field set (`images:`, `replicas:`) and the
    /// line declaring each, oldest first (native rendering only).
    pub values: Vec<(FieldPath, SourceLocation)>,
    /// The kustomization (or PATH) that renders it, for errors that must
    /// tell two roots apart.
    pub root: Option<String>,
    /// Values substituted into it from a Secret (Flux `postBuild`): hidden
    /// wherever the object or a finding on it is printed.
    pub secrets: Vec<SecretValue>,
    /// Its string fields that Flux post-build substitution filled in.
    pub variables: Vec<VariableUse>,
}

/// A string field written with `${VAR}` in Git, filled in by Flux's
/// post-build substitution: where, as Git writes it, and where each
/// variable's value is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableUse {
    pub path: FieldPath,
    /// The string as Git writes it, before substitution.
    pub template: String,
    /// Each variable whose value went in (a default taken is none), and
    /// where that value comes from.
    pub origins: Vec<(String, VariableOrigin)>,
}

/// Where a post-build variable's value is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableOrigin {
    /// `spec.postBuild.substitute` of this Flux Kustomization.
    Substitute(ObjectRef),
    /// `data` of a ConfigMap named by `substituteFrom` and declared in Git.
    ConfigMap(ObjectRef),
    /// A ConfigMap `substituteFrom` names that Git does not declare
    /// (read from the cluster): `ConfigMap NAMESPACE/NAME`.
    Cluster(String),
    /// A Secret `substituteFrom` names: `Secret NAMESPACE/NAME key KEY`.
    Secret(String),
}

/// A value taken from a Secret's key into another object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretValue {
    pub value: String,
    /// `Secret NAMESPACE/NAME key KEY`, for the marker that replaces it.
    pub from: String,
}

impl SecretValue {
    /// What is printed instead of the value.
    pub fn marker(&self) -> String {
        format!("{}{})", crate::model::HIDDEN_MARKER, self.from)
    }
}

/// Replaces, in every string of `value`, each of `secrets` with its marker;
/// true when something was replaced.
pub fn hide_secret_values(value: &mut Value, secrets: &[SecretValue]) -> bool {
    match value {
        Value::String(text) => {
            let mut hidden = false;
            for secret in secrets.iter().filter(|s| !s.value.is_empty()) {
                if text.contains(&secret.value) {
                    *text = text.replace(&secret.value, &secret.marker());
                    hidden = true;
                }
            }
            hidden
        }
        // `replicas: ${n}` with `n` from a Secret is read back as a number.
        Value::Number(_) | Value::Bool(_) => {
            let text = value.to_string();
            match secrets.iter().find(|s| s.value == text) {
                Some(secret) => {
                    *value = Value::String(secret.marker());
                    true
                }
                None => false,
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |hidden, v| hide_secret_values(v, secrets) | hidden),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |hidden, v| hide_secret_values(v, secrets) | hidden),
        _ => false,
    }
}

impl DesiredObject {
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::from_value(&self.value).expect("desired objects are checked on load")
    }
}

/// File names that make a directory a kustomization, in kustomize's order.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file of `dir`, if it is a kustomization.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// How kustomizations are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// Native, falling back to an external kustomize when needed.
    Auto,
    /// Only the native renderer.
    Native,
    /// `kustomize build` if on PATH, else `kubectl kustomize`.
    External,
}

/// How sources are read and rendered.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    pub renderer: Renderer,
    pub verbose: bool,
    /// A PATH that yields no object is an error (an audit of it would pass
    /// for a clean one); `render` prints nothing instead.
    pub require_objects: bool,
}

/// Reads every path: a kustomization is rendered, any other directory (or
/// file) is read as plain YAML. Two objects with one identity are an error
/// naming both files (checked by the audit, once namespaces are defaulted).
///
/// Each file is read once ([`plan`]): a PATH given twice or inside
/// another, a base that an overlay includes, a manifest that a rendered
/// kustomization reads. A PATH that yields no object is an error when the
/// options require objects: an audit of nothing must not pass for a clean
/// one.
pub fn load(paths: &[PathBuf], options: &SourceOptions) -> Result<Vec<DesiredObject>> {
    for path in paths {
        if !path.exists() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    let parts = plan::plan(paths)?;
    let rendered = parts
        .iter()
        .map(|part| render_roots(&part.roots, options))
        .collect::<Result<Vec<_>>>()?;
    let read_by = files_rendered(&rendered);
    // What each part does with each of its files: every file is read once,
    // none a rendered root reads. The files are then parsed on every core,
    // and what each says is said in file order.
    let mut read = HashSet::new();
    let mut takes: Vec<Vec<Take>> = Vec::new();
    for part in &parts {
        let mut own = Vec::new();
        for file in &part.files {
            let real = plan::real_path(file);
            own.push(match read_by.get(&real) {
                Some(root) => Take::ReadBy(root),
                None if read.insert(real) => Take::Read,
                None => Take::Again,
            });
        }
        takes.push(own);
    }
    let all: Vec<&PathBuf> = parts
        .iter()
        .zip(&takes)
        .flat_map(|(part, takes)| part.files.iter().zip(takes))
        .filter(|(_, take)| matches!(take, Take::Read))
        .map(|(file, _)| file)
        .collect();
    let mut contents = crate::parallel::map(&all, |file| plain::read_objects(file)).into_iter();
    let mut objects = Vec::new();
    for ((part, rendered), takes) in parts.iter().zip(rendered).zip(takes) {
        let mut own = Vec::new();
        let mut covered = part.covered;
        for (file, take) in part.files.iter().zip(takes) {
            match take {
                Take::ReadBy(root) => {
                    covered = true;
                    if *file == part.path {
                        eprintln!(
                            "driftctl: {}: read by {root}; its objects are audited as that renders them",
                            file.display()
                        );
                    }
                }
                Take::Again => covered = true,
                Take::Read => {
                    let Some(content) = contents.next() else {
                        continue;
                    };
                    let content = content?;
                    for skipped in &content.skipped {
                        eprintln!("{skipped}");
                    }
                    own.extend(content.objects);
                }
            }
        }
        let root = clean_path(&part.path).display().to_string();
        for object in &mut own {
            object.root = Some(root.clone());
        }
        own.extend(rendered);
        if own.is_empty() && !covered && options.require_objects {
            bail!(
                "{}: no Kubernetes object found (no document with apiVersion, kind and metadata.name{}); nothing to audit",
                part.path.display(),
                if part.path.is_dir() {
                    " in its .yaml, .yml or .json files"
                } else {
                    ""
                }
            );
        }
        objects.extend(own);
    }
    check_secret_data(&objects)?;
    Ok(objects)
}

/// What a part of the PATHs does with one of its files.
enum Take<'a> {
    /// Reads it.
    Read,
    /// Leaves it to the rendered root named, which reads it.
    ReadBy(&'a str),
    /// Leaves it: another part read it already.
    Again,
}

/// Renders kustomization roots, each object remembering its root.
fn render_roots(roots: &[PathBuf], options: &SourceOptions) -> Result<Vec<DesiredObject>> {
    let mut objects = Vec::new();
    for dir in roots {
        let root = clean_path(dir).display().to_string();
        for mut object in render_kustomization(dir, options)? {
            object.root = Some(root.clone());
            objects.push(object);
        }
    }
    Ok(objects)
}

/// The files rendered objects were read from (their documents and
/// patches), each with the root that read it.
fn files_rendered(rendered: &[Vec<DesiredObject>]) -> HashMap<PathBuf, String> {
    let mut files = HashMap::new();
    for object in rendered.iter().flatten() {
        let root = object.root.clone().unwrap_or_default();
        for at in std::iter::once(&object.source).chain(&object.patches) {
            files
                .entry(plan::real_path(Path::new(&at.file)))
                .or_insert_with(|| root.clone());
        }
    }
    files
}

/// A Secret's `data` holds base64: a value that is not would be refused by
/// the API server, so comparing it would report drift that is a typo in
/// Git. The error names the file and key, never the value.
fn check_secret_data(objects: &[DesiredObject]) -> Result<()> {
    use base64::Engine;
    for object in objects {
        let value = &object.value;
        if value["kind"] != "Secret" || value["apiVersion"] != "v1" {
            continue;
        }
        let Some(data) = value["data"].as_object() else {
            continue;
        };
        for (key, encoded) in data {
            let valid = match encoded {
                Value::String(text) => base64::engine::general_purpose::STANDARD
                    .decode(text.split_whitespace().collect::<String>())
                    .is_ok(),
                Value::Null => true,
                _ => false,
            };
            if !valid {
                bail!(
                    "{}: {}: data.{key} is not valid base64 (a Secret's data holds base64; \
                     write the plain text under stringData instead); the value is not shown",
                    describe(&object.source),
                    object.object_ref()
                );
            }
        }
    }
    Ok(())
}

/// Renders one kustomization directory with the chosen renderer: natively
/// (`auto` hands what the native renderer does not support to an external
/// kustomize, saying why), or always externally.
pub fn render_kustomization(dir: &Path, options: &SourceOptions) -> Result<Vec<DesiredObject>> {
    if options.renderer == Renderer::External {
        return external::render(dir, options.verbose);
    }
    if options.verbose {
        eprintln!("driftctl: rendering {} natively", dir.display());
    }
    let err = match kustomize::render(dir) {
        Ok(objects) => return Ok(objects),
        Err(err) => err,
    };
    let Some(unsupported) = kustomize::unsupported(&err) else {
        return Err(err);
    };
    if options.renderer == Renderer::Native {
        bail!(
            "{unsupported}; --renderer native never falls back (use --renderer auto or external)"
        );
    }
    let Some((program, args)) = external::find_renderer() else {
        bail!("{unsupported}, and neither `kustomize` nor `kubectl` is on PATH to render it");
    };
    eprintln!(
        "driftctl: {unsupported}; rendering {} with `{} {}`",
        dir.display(),
        program.file_name().unwrap_or_default().to_string_lossy(),
        args.join(" ")
    );
    external::render(dir, options.verbose)
}

/// Two desired objects with one identity (after namespace defaulting) are
/// an error naming both declarations.
pub fn reject_duplicates(
    objects: &[DesiredObject],
    refs: &[crate::model::ObjectRef],
    identities: &[crate::model::Identity],
) -> Result<()> {
    let mut seen: HashMap<&crate::model::Identity, &DesiredObject> = HashMap::new();
    for ((object, r), identity) in objects.iter().zip(refs).zip(identities) {
        if let Some(first) = seen.insert(identity, object) {
            if let (Some(a), Some(b)) = (&first.root, &object.root)
                && a != b
            {
                bail!(
                    "{} is declared by two roots: {a} renders it from {}, and {b} from {}; \
                     each object must be declared once (audit one of them at a time)",
                    r,
                    describe(&first.source),
                    describe(&object.source)
                );
            }
            bail!(
                "{} is declared twice: in {} and in {}; each object must be declared once",
                r,
                describe(&first.source),
                describe(&object.source)
            );
        }
    }
    Ok(())
}

/// `path/to/file.yaml:12`, or the file alone when the line is unknown.
pub fn describe(location: &SourceLocation) -> String {
    match location.line {
        Some(line) => format!("{}:{}", location.file, line),
        None => location.file.clone(),
    }
}

/// `a/b/../../c/./d` -> `c/d`, without touching the file system: how
/// reports name files reached through `../` kustomize references.
pub fn clean_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// Where a desired object is declared, with what may declare its values:
/// kept aside before the audit consumes the objects.
pub struct Declaration {
    pub object: ObjectRef,
    pub source: SourceLocation,
    pub patches: Vec<SourceLocation>,
    pub values: Vec<(FieldPath, SourceLocation)>,
    pub variables: Vec<VariableUse>,
}

pub type Declarations = HashMap<crate::model::Identity, Declaration>;

pub fn declarations(objects: &[DesiredObject]) -> Declarations {
    objects
        .iter()
        .map(|o| {
            let object = o.object_ref();
            (
                object.identity(),
                Declaration {
                    object,
                    source: o.source.clone(),
                    patches: o.patches.clone(),
                    values: o.values.clone(),
                    variables: o.variables.clone(),
                },
            )
        })
        .collect()
}

/// Points each finding's source at the line that declares its value: a
/// kustomization field that set it (`images:`, `replicas:`), else an
/// overlay's patch (it wins over the base), else the object's own document.
/// Findings whose value no file spells out keep the object's line.
pub fn locate_values(findings: &mut [crate::model::Finding], declared: &Declarations) {
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    for finding in findings.iter_mut() {
        let Some(path) = finding
            .path
            .as_deref()
            .and_then(|p| crate::path::FieldPath::parse(p).ok())
        else {
            continue;
        };
        let Some(declaration) = declared.get(&finding.object.identity()) else {
            continue;
        };
        // The last kustomization to set the value is the one that counts.
        if let Some((_, at)) = declaration.values.iter().rev().find(|(p, _)| *p == path) {
            finding.source = Some(at.clone());
            continue;
        }
        let own = std::iter::once(&declaration.source);
        for candidate in declaration.patches.iter().chain(own) {
            let Some(doc_line) = candidate.line else {
                continue;
            };
            let text = texts
                .entry(candidate.file.clone())
                .or_insert_with(|| crate::yaml::read_text(Path::new(&candidate.file)).ok());
            if let Some(line) = text
                .as_deref()
                .and_then(|t| locate::value_line(t, doc_line, &path))
            {
                finding.source = Some(SourceLocation {
                    file: candidate.file.clone(),
                    line: Some(line),
                    ..SourceLocation::default()
                });
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_path_removes_dot_dot_lexically() {
        assert_eq!(
            clean_path(Path::new("git/clusters/prod/../../apps/x/./a.yaml")),
            PathBuf::from("git/apps/x/a.yaml")
        );
        assert_eq!(clean_path(Path::new("../a/../b")), PathBuf::from("../b"));
        assert_eq!(clean_path(Path::new("/../a")), PathBuf::from("/a"));
    }
}
