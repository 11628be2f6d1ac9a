//! GitOps apps: the Flux Kustomizations and Argo CD Applications that the
//! objects rendered from PATH declare, followed (each once) and rendered the
//! way their tool renders them, each object remembering the app it belongs to.

pub mod argocd;
pub mod envsubst;
pub mod flux;

use super::{DesiredObject, clean_path, describe};
use crate::model::{AppRef, Identity, ObjectRef, SourceLocation, Unchecked};
use anyhow::{Result, bail};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

/// What `diff`/`render` were told about the repository and the apps.
#[derive(Debug, Clone, Default)]
pub struct FollowOptions {
    /// `--repo-root`: what apps' paths are relative to.
    pub repo_root: Option<PathBuf>,
    /// `--repo-url`: URLs naming this repository (besides its Git remotes).
    pub repo_urls: Vec<String>,
    /// `--app NAME` (or NAMESPACE/NAME): audit this app only.
    pub app: Option<String>,
    pub verbose: bool,
}

pub use crate::model::Found;

/// Reads one core/v1 object (kind, namespace, name) from the cluster, for
/// the ConfigMaps and Secrets of `substituteFrom` that Git does not declare.
pub type Lookup<'a> = dyn FnMut(&str, &str, &str) -> Result<Found> + 'a;

/// The desired objects once apps are followed.
#[derive(Debug, Default)]
pub struct Followed {
    pub objects: Vec<DesiredObject>,
    pub index: AppIndex,
    /// Apps that cannot be rendered (Helm, another repository), and why.
    pub unchecked: Vec<Unchecked>,
}

/// Which app each desired object belongs to, and how apps track live objects.
#[derive(Debug, Default, Clone)]
pub struct AppIndex {
    desired: HashMap<Identity, AppRef>,
    /// Every app the repository declares, audited or not.
    known: HashSet<AppRef>,
    audited: HashSet<AppRef>,
}

impl AppIndex {
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// The app a desired object (as rendered, before namespace defaulting) belongs to.
    pub fn of_desired(&self, identity: &Identity) -> Option<&AppRef> {
        self.desired.get(identity)
    }

    pub fn is_audited(&self, app: &AppRef) -> bool {
        self.audited.contains(app)
    }

    /// The known app whose tracking label or annotation a live object carries.
    pub fn tracked_by(&self, live: &Value) -> Option<AppRef> {
        let labels = &live["metadata"]["labels"];
        if let (Some(name), Some(namespace)) = (
            labels[flux::NAME_LABEL].as_str(),
            labels[flux::NAMESPACE_LABEL].as_str(),
        ) {
            let app = AppRef {
                tool: flux::TOOL,
                namespace: namespace.into(),
                name: name.into(),
            };
            return self.known.contains(&app).then_some(app);
        }
        let argocd_name = live["metadata"]["annotations"][argocd::TRACKING_ANNOTATION]
            .as_str()
            .and_then(|id| id.split(':').next())
            .or_else(|| labels[argocd::INSTANCE_LABEL].as_str())?;
        // `namespace_name` for an Application outside Argo CD's own namespace.
        self.known
            .iter()
            .filter(|a| a.tool == argocd::TOOL)
            .find(|a| a.name == argocd_name || format!("{}_{}", a.namespace, a.name) == argocd_name)
            .cloned()
    }
}

/// A Flux Kustomization, Argo CD Application or Helm release some render declares.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub app: AppRef,
    pub object: ObjectRef,
    pub value: Value,
    pub source: SourceLocation,
}

impl Declaration {
    /// `Flux Kustomization flux-system/apps (clusters/prod/apps.yaml:1)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.app, describe(&self.source))
    }
}

/// What rendering an app gave: its objects, and what of it cannot be
/// rendered here (a Helm source, another repository) with the reason.
#[derive(Default)]
pub struct Outcome {
    pub objects: Vec<DesiredObject>,
    pub unchecked: Vec<String>,
}

impl Outcome {
    pub fn objects(objects: Vec<DesiredObject>) -> Outcome {
        Outcome {
            objects,
            unchecked: Vec::new(),
        }
    }

    pub fn unchecked(reason: String) -> Outcome {
        Outcome {
            objects: Vec::new(),
            unchecked: vec![reason],
        }
    }
}

/// The repository being audited: its root, and what names it.
pub struct Repository {
    /// What apps' paths are relative to, as the user's paths name it.
    pub root: PathBuf,
    real_root: PathBuf,
    urls: Vec<String>,
    /// GitRepositories (namespace, name) known to hold this checkout.
    flux_sources: HashSet<(String, String)>,
}

impl Repository {
    /// `spec.path` of `app` in this checkout; an error naming the
    /// declaration and the root when it is not a directory inside it.
    pub fn app_dir(&self, path: &str, app: &Declaration) -> Result<PathBuf> {
        let dir = clean_path(&self.root.join(path.trim_start_matches('/')));
        let Ok(real) = dir.canonicalize() else {
            bail!(
                "{}: path {path}: no such directory in the repository (root {})",
                app.describe(),
                self.root.display()
            );
        };
        if !real.starts_with(&self.real_root) {
            bail!(
                "{}: path {path} leads outside the repository: {} is not under the repository root {}",
                app.describe(),
                real.display(),
                self.real_root.display()
            );
        }
        if !real.is_dir() {
            bail!("{}: path {path} is not a directory", app.describe());
        }
        Ok(dir)
    }

    /// A Git URL of this repository?
    pub fn is_this_url(&self, url: &str) -> bool {
        let url = normalize_url(url);
        self.urls.contains(&url)
    }

    /// Is the Flux source `namespace/name` (a GitRepository) this checkout?
    pub fn is_flux_source(&self, namespace: &str, name: &str, known: &[DesiredObject]) -> bool {
        if self
            .flux_sources
            .contains(&(namespace.to_string(), name.to_string()))
        {
            return true;
        }
        known.iter().any(|o| {
            let v = &o.value;
            flux::is_git_repository(v)
                && v["metadata"]["name"] == name
                && v["metadata"]["namespace"] == namespace
                && v["spec"]["url"]
                    .as_str()
                    .is_some_and(|u| self.is_this_url(u))
        })
    }
}

/// `git@host:org/repo.git`, `ssh://git@host/org/repo`, `https://host/org/repo/`
/// -> `host/org/repo`: one spelling per repository.
pub fn normalize_url(url: &str) -> String {
    let mut u = url.trim().to_string();
    if let Some((_, rest)) = u.split_once("://") {
        u = rest.to_string();
    } else if let Some((user_host, path)) = u.split_once(':')
        && !path.starts_with("//")
    {
        u = format!("{user_host}/{path}");
    }
    if let Some((user, rest)) = u.split_once('@')
        && !user.contains('/')
    {
        u = rest.to_string();
    }
    let u = u.trim_end_matches('/');
    let u = u.strip_suffix(".git").unwrap_or(u);
    match u.split_once('/') {
        Some((host, path)) => {
            // A port in the host (`host:22`) does not change the repository.
            let host = host.split(':').next().unwrap_or(host);
            format!("{}/{}", host.to_ascii_lowercase(), path)
        }
        None => u.to_ascii_lowercase(),
    }
}

/// The apps `objects` declare, in their order.
pub fn declarations(objects: &[DesiredObject]) -> Vec<Declaration> {
    objects
        .iter()
        .filter_map(|o| {
            let tool = if flux::is_kustomization(&o.value) || flux::is_helm_release(&o.value) {
                flux::TOOL
            } else if argocd::is_application(&o.value) {
                argocd::TOOL
            } else {
                return None;
            };
            let object = ObjectRef::from_value(&o.value)?;
            Some(Declaration {
                app: AppRef {
                    tool,
                    namespace: object
                        .namespace
                        .clone()
                        .unwrap_or_else(|| default_namespace(tool).into()),
                    name: object.name.clone(),
                },
                object,
                value: o.value.clone(),
                source: o.source.clone(),
            })
        })
        .collect()
}

fn default_namespace(tool: &str) -> &'static str {
    if tool == flux::TOOL {
        "flux-system"
    } else {
        "argocd"
    }
}

/// The `spec.path` an app declares for this repository, if one.
fn declared_path(decl: &Declaration) -> Option<String> {
    if flux::is_kustomization(&decl.value) {
        return Some(flux::spec_path(&decl.value));
    }
    if argocd::is_application(&decl.value) {
        let sources = argocd::sources(&decl.value);
        if let [only] = sources.as_slice() {
            return only["path"].as_str().map(str::to_string);
        }
    }
    None
}

/// `apps/prod` with `./apps/prod` removed from its end -> the root; `None`
/// when the path does not end that way.
fn root_below(path: &Path, app_path: &str) -> Option<PathBuf> {
    let tail = clean_path(Path::new(app_path.trim_start_matches('/')));
    let tail: Vec<_> = tail.components().collect();
    let all: Vec<_> = path.components().collect();
    if tail.len() > all.len() || all[all.len() - tail.len()..] != tail[..] {
        return None;
    }
    let root: PathBuf = all[..all.len() - tail.len()].iter().collect();
    Some(if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root
    })
}

/// The repository: `--repo-root`, else the directory from which an app
/// declared in PATH leads back to PATH (the app that applies PATH itself),
/// else the Git work tree's top.
fn discover(
    paths: &[PathBuf],
    roots: &[DesiredObject],
    decls: &[Declaration],
    options: &FollowOptions,
) -> Result<(Repository, Option<usize>)> {
    let clean: Vec<PathBuf> = paths.iter().map(|p| clean_path(p)).collect();
    let real_paths: Vec<PathBuf> = paths.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let git_top = real_paths
        .first()
        .and_then(|p| p.ancestors().find(|d| d.join(".git").exists()))
        .map(Path::to_path_buf);
    let inferred = decls.iter().find_map(|d| {
        let path = declared_path(d)?;
        clean.iter().find_map(|p| root_below(p, &path))
    });
    let root = match (&options.repo_root, inferred, &git_top) {
        (Some(given), _, _) => given.clone(),
        (None, Some(root), _) => root,
        (None, None, Some(top)) => top.clone(),
        (None, None, None) => clean.first().cloned().unwrap_or_else(|| PathBuf::from(".")),
    };
    let real_root = root.canonicalize().map_err(|e| {
        anyhow::anyhow!(
            "{}: the repository root cannot be read: {e}",
            root.display()
        )
    })?;
    let mut urls: Vec<String> = options.repo_urls.iter().map(|u| normalize_url(u)).collect();
    if git_top.as_deref() == Some(real_root.as_path()) {
        urls.extend(git_remotes(&real_root).iter().map(|u| normalize_url(u)));
    }
    let mut repository = Repository {
        root,
        real_root,
        urls,
        flux_sources: HashSet::new(),
    };
    // The app that applies PATH: its source is this repository.
    let mut applier = None;
    for (i, decl) in decls.iter().enumerate() {
        let Some(path) = declared_path(decl) else {
            continue;
        };
        let dir = clean_path(&repository.root.join(path.trim_start_matches('/')));
        let Ok(real) = dir.canonicalize() else {
            continue;
        };
        if !real_paths.contains(&real) {
            continue;
        }
        if flux::is_kustomization(&decl.value) {
            if let Some(source) = flux::git_source(&decl.value, &decl.app.namespace) {
                repository.flux_sources.insert(source);
            }
        } else if let Some(url) = argocd::sources(&decl.value)
            .first()
            .and_then(|s| s["repoURL"].as_str())
        {
            repository.urls.push(normalize_url(url));
        }
        applier.get_or_insert(i);
    }
    // The GitRepository of this checkout names it by URL too.
    for o in roots {
        let v = &o.value;
        if flux::is_git_repository(v)
            && let (Some(ns), Some(name), Some(url)) = (
                v["metadata"]["namespace"].as_str(),
                v["metadata"]["name"].as_str(),
                v["spec"]["url"].as_str(),
            )
            && repository
                .flux_sources
                .contains(&(ns.to_string(), name.to_string()))
        {
            repository.urls.push(normalize_url(url));
        }
    }
    Ok((repository, applier))
}

/// The URLs of the checkout's remotes.
fn git_remotes(top: &Path) -> Vec<String> {
    let Ok(repo) = git2::Repository::open(top) else {
        return Vec::new();
    };
    let Ok(names) = repo.remotes() else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|name| {
            let remote = repo.find_remote(name.ok()??).ok()?;
            remote.url().ok().map(str::to_string)
        })
        .collect()
}

/// Follows every app the objects of `paths` declare (and the apps those
/// declare), each once.
pub fn follow(
    paths: &[PathBuf],
    roots: Vec<DesiredObject>,
    options: &FollowOptions,
    lookup: Option<&mut Lookup<'_>>,
) -> Result<Followed> {
    let root_decls = declarations(&roots);
    if root_decls.is_empty() {
        return Ok(Followed {
            objects: roots,
            ..Followed::default()
        });
    }
    let (repository, applier) = discover(paths, &roots, &root_decls, options)?;
    if options.verbose {
        eprintln!(
            "driftctl: following apps; repository root {}",
            repository.root.display()
        );
    }
    let mut state = State {
        repository,
        known: roots.clone(),
        objects: Vec::new(),
        unchecked: Vec::new(),
        seen: HashMap::new(),
        index: AppIndex::default(),
        verbose: options.verbose,
        lookup,
    };
    let mut queue: VecDeque<(Declaration, Option<AppRef>)> = VecDeque::new();
    let mut remaining = roots;
    if let Some(i) = applier {
        // The app that applies PATH renders it the tool's way: its objects
        // stand in for PATH's own reading of the same documents.
        let decl = root_decls[i].clone();
        let rendered = state.visit(&decl, None)?;
        let from_app: HashSet<DocumentKey> = rendered.iter().map(document_key).collect();
        remaining.retain(|o| !from_app.contains(&document_key(o)));
        state.accept(rendered, &decl.app, &mut queue);
    }
    for decl in declarations(&remaining) {
        queue.push_back((decl, None));
    }
    state
        .objects
        .extend(remaining.into_iter().map(|o| (o, None)));
    while let Some((decl, by)) = queue.pop_front() {
        let rendered = state.visit(&decl, by.as_ref())?;
        state.accept(rendered, &decl.app, &mut queue);
    }
    state.finish(options.app.as_deref())
}

/// One object of one document: the same whatever namespace an app gives it.
type DocumentKey = (String, Option<usize>, String, String);

fn document_key(object: &DesiredObject) -> DocumentKey {
    let r = object.object_ref();
    (
        object.source.file.clone(),
        object.source.line,
        r.kind,
        r.name,
    )
}

struct State<'a, 'l> {
    repository: Repository,
    /// Every object rendered so far (substitution variables are looked up here).
    known: Vec<DesiredObject>,
    objects: Vec<(DesiredObject, Option<AppRef>)>,
    unchecked: Vec<(Unchecked, Option<AppRef>)>,
    /// Each app: where it is declared and by which app.
    seen: HashMap<AppRef, (SourceLocation, Option<AppRef>)>,
    index: AppIndex,
    verbose: bool,
    lookup: Option<&'a mut Lookup<'l>>,
}

impl State<'_, '_> {
    /// Renders `decl` unless it was rendered already; errors on an app
    /// declared twice and on cycles.
    fn visit(&mut self, decl: &Declaration, by: Option<&AppRef>) -> Result<Vec<DesiredObject>> {
        self.index.known.insert(decl.app.clone());
        if let Some((first, first_by)) = self.seen.get(&decl.app) {
            if first.file != decl.source.file || first.line != decl.source.line {
                bail!(
                    "{} is declared twice: in {} and in {}; each app must be declared once",
                    decl.app,
                    describe(first),
                    describe(&decl.source)
                );
            }
            // Declaring itself is how Flux's bootstrap Kustomization works.
            if first_by.as_ref() != by && by != Some(&decl.app) && first_by.is_some() {
                bail!(
                    "cycle: {} ({}) is rendered both by {} and by {}",
                    decl.app,
                    describe(&decl.source),
                    first_by.as_ref().map(|a| a.to_string()).unwrap_or_default(),
                    by.map(|a| a.to_string()).unwrap_or_default()
                );
            }
            return Ok(Vec::new());
        }
        self.seen
            .insert(decl.app.clone(), (decl.source.clone(), by.cloned()));
        if self.verbose {
            eprintln!("driftctl: following {}", decl.describe());
        }
        let outcome = if flux::is_helm_release(&decl.value) {
            Outcome::unchecked("a Helm release: driftctl does not render Helm charts".to_string())
        } else if flux::is_kustomization(&decl.value) {
            flux::render(decl, &self.repository, &self.known, &mut self.lookup)?
        } else {
            argocd::render(decl, &self.repository)?
        };
        for reason in outcome.unchecked {
            self.unchecked.push((
                Unchecked {
                    object: decl.object.clone(),
                    reason,
                },
                by.cloned(),
            ));
        }
        Ok(outcome.objects)
    }

    fn accept(
        &mut self,
        rendered: Vec<DesiredObject>,
        app: &AppRef,
        queue: &mut VecDeque<(Declaration, Option<AppRef>)>,
    ) {
        for decl in declarations(&rendered) {
            queue.push_back((decl, Some(app.clone())));
        }
        self.known.extend(rendered.iter().cloned());
        self.objects
            .extend(rendered.into_iter().map(|o| (o, Some(app.clone()))));
    }

    /// The objects to audit: all, or those of `--app`.
    fn finish(mut self, only: Option<&str>) -> Result<Followed> {
        // What PATH declares and an app renders from the same document is
        // the app's object (its namespace, labels, variables).
        let from_apps: HashSet<DocumentKey> = self
            .objects
            .iter()
            .filter(|(_, app)| app.is_some())
            .map(|(o, _)| document_key(o))
            .collect();
        self.objects
            .retain(|(o, app)| app.is_some() || !from_apps.contains(&document_key(o)));
        if let Some(name) = only {
            let chosen = self
                .index
                .known
                .iter()
                .filter(|a| a.name == name || format!("{}/{}", a.namespace, a.name) == name)
                .cloned()
                .collect::<Vec<_>>();
            let app = match chosen.as_slice() {
                [one] => one.clone(),
                [] => {
                    let mut names: Vec<String> = self
                        .index
                        .known
                        .iter()
                        .map(|a| format!("{}/{}", a.namespace, a.name))
                        .collect();
                    names.sort();
                    bail!(
                        "--app {name}: no such app in this repository (apps: {})",
                        names.join(", ")
                    );
                }
                _ => bail!("--app {name}: more than one app has this name; say NAMESPACE/NAME"),
            };
            self.objects.retain(|(_, a)| a.as_ref() == Some(&app));
            self.unchecked.retain(|(u, by)| {
                by.as_ref() == Some(&app)
                    || (u.object.name == app.name
                        && u.object.namespace.as_deref() == Some(app.namespace.as_str()))
            });
            if self.objects.is_empty() && self.unchecked.is_empty() {
                bail!("--app {name}: {app} renders no object");
            }
        }
        let mut index = self.index;
        for (object, app) in &self.objects {
            if let Some(app) = app {
                index
                    .desired
                    .insert(object.object_ref().identity(), app.clone());
                index.audited.insert(app.clone());
            }
        }
        Ok(Followed {
            objects: self.objects.into_iter().map(|(o, _)| o).collect(),
            index,
            unchecked: self.unchecked.into_iter().map(|(u, _)| u).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_per_repository_url() {
        let same = [
            "ssh://git@git.example.com/platform/fleet.git",
            "git@git.example.com:platform/fleet.git",
            "https://git.example.com/platform/fleet",
            "https://git.example.com/platform/fleet/",
            "ssh://git@GIT.example.com:22/platform/fleet.git",
        ];
        for url in same {
            assert_eq!(
                normalize_url(url),
                "git.example.com/platform/fleet",
                "{url}"
            );
        }
        assert_ne!(
            normalize_url("https://git.example.com/platform/other"),
            normalize_url(same[0])
        );
    }

    #[test]
    fn root_is_what_remains_of_path_without_the_app_path() {
        let p = Path::new("fixtures/flux-apps/git/clusters/production");
        assert_eq!(
            root_below(p, "./clusters/production"),
            Some(PathBuf::from("fixtures/flux-apps/git"))
        );
        assert_eq!(root_below(p, "./apps/production"), None);
        assert_eq!(
            root_below(Path::new("clusters/production"), "clusters/production"),
            Some(PathBuf::from("."))
        );
    }
}
