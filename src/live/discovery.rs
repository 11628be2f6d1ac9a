//! API discovery: which resource (plural name, scope) serves a desired
//! apiVersion and kind. Asked for the group versions the audit needs, from
//! the disk cache when it is fresh and knows every desired kind (CRDs come
//! and go: a kind it does not know sends the audit back to the server).

use super::Scope;
use super::cache::DiskCache;
use super::request::{Api, CallError, Retry, parse_json};
use crate::model::group_of;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// A listable resource of one group version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub api_version: String,
    pub kind: String,
    /// Plural name, as in the URL path.
    pub plural: String,
    pub namespaced: bool,
}

impl Resource {
    /// `/apis/apps/v1` or `/api/v1`.
    fn base(&self) -> String {
        base_path(&self.api_version)
    }

    /// The LIST path in `namespace`, or across the cluster.
    pub fn list_path(&self, namespace: Option<&str>) -> String {
        match namespace {
            Some(ns) => format!("{}/namespaces/{ns}/{}", self.base(), self.plural),
            None => format!("{}/{}", self.base(), self.plural),
        }
    }

    /// `deployments.apps/v1`: how the unchecked list names a resource.
    pub fn describe(&self) -> String {
        match group_of(&self.api_version) {
            "" => format!("{} ({})", self.plural, self.api_version),
            _ => format!("{}.{}", self.plural, self.api_version),
        }
    }
}

fn base_path(api_version: &str) -> String {
    if api_version.contains('/') {
        format!("/apis/{api_version}")
    } else {
        format!("/api/{api_version}")
    }
}

#[derive(Deserialize)]
struct GroupList {
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    name: String,
    #[serde(default)]
    versions: Vec<GroupVersion>,
}

#[derive(Deserialize)]
struct GroupVersion {
    version: String,
}

#[derive(Deserialize)]
struct ResourceList {
    #[serde(default)]
    resources: Vec<ApiResource>,
}

#[derive(Deserialize)]
struct ApiResource {
    name: String,
    kind: String,
    #[serde(default)]
    namespaced: bool,
    #[serde(default)]
    verbs: Vec<String>,
}

/// What discovery answered for one group version.
#[derive(Debug, Clone)]
enum Served {
    Resources(Vec<Resource>),
    /// The group version is not served (404), or discovery of it failed.
    Not(String),
}

/// Discovery answers of this run.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Served versions of each non-core group (`None` before `/apis` was read).
    groups: Option<HashMap<String, Vec<String>>>,
    versions: HashMap<String, Served>,
    /// `None`: `--no-cache`, or no place for one.
    cache: Option<DiskCache>,
    /// What came from the disk cache this run rather than from the server:
    /// `/apis`, and these group versions.
    groups_cached: bool,
    versions_cached: HashSet<String>,
}

/// A fatal discovery failure: the server cannot be talked to at all.
pub type Fatal = CallError;

impl Discovery {
    /// Discovery that keeps its answers in `cache` between runs (`None`: asks
    /// the server every run).
    pub fn new(cache: Option<DiskCache>) -> Discovery {
        Discovery {
            cache,
            ..Discovery::default()
        }
    }

    /// Reads `/apis` (the served groups and versions), once per run, from
    /// the cache when fresh. Read from the server, it is the first contact:
    /// an unreachable server or rejected credentials end the audit here,
    /// with no retry, within the request timeout.
    pub async fn load_groups(&mut self, api: &Api) -> Result<(), Fatal> {
        if self.groups.is_some() {
            return Ok(());
        }
        if let Some(cached) = self.cache.as_ref().and_then(|c| c.groups())
            && let Ok(list) = serde_json::from_slice::<GroupList>(&cached)
        {
            self.groups = Some(served_versions(list));
            self.groups_cached = true;
            return Ok(());
        }
        let body = api.get("/apis", Retry::ServerErrors).await?;
        let list: GroupList = parse_json("/apis", &body)?;
        if let Some(cache) = &self.cache {
            cache.store_groups(&body);
        }
        self.groups = Some(served_versions(list));
        Ok(())
    }

    /// Reads the resource lists of `api_versions` not read yet: from the
    /// cache when fresh, the others from the server, concurrently.
    pub async fn load_versions(&mut self, api: &Api, api_versions: &[String]) {
        let mut wanted: Vec<&String> = Vec::new();
        for version in api_versions {
            if self.versions.contains_key(version) || wanted.contains(&version) {
                continue;
            }
            if let Some(cached) = self.cache.as_ref().and_then(|c| c.resources(version))
                && let Ok(list) = serde_json::from_slice::<ResourceList>(&cached)
            {
                self.versions
                    .insert(version.clone(), Served::Resources(resources(version, list)));
                self.versions_cached.insert(version.clone());
                continue;
            }
            wanted.push(version);
        }
        let answers =
            futures::future::join_all(wanted.iter().map(|v| self.read_version(api, v))).await;
        for (version, (served, answer)) in wanted.into_iter().zip(answers) {
            if let (Some(cache), Some(answer)) = (&self.cache, answer) {
                cache.store_resources(version, &answer);
            }
            self.versions.insert(version.clone(), served);
        }
    }

    /// Whether anything of this run's discovery came from the disk cache.
    pub fn from_cache(&self) -> bool {
        self.groups_cached || !self.versions_cached.is_empty()
    }

    /// Whether `api_version`'s resources came from the disk cache.
    pub fn cached(&self, api_version: &str) -> bool {
        self.versions_cached.contains(api_version)
    }

    /// Forgets every answer, on disk too: the next loads ask the server.
    pub fn invalidate(&mut self) {
        if let Some(cache) = &self.cache {
            cache.invalidate();
        }
        self.groups = None;
        self.versions.clear();
        self.groups_cached = false;
        self.versions_cached.clear();
    }

    /// What the server says of `api_version`, and its answer to keep when
    /// it listed resources.
    async fn read_version(&self, api: &Api, api_version: &str) -> (Served, Option<bytes::Bytes>) {
        let group = group_of(api_version);
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        if !group.is_empty()
            && let Some(groups) = &self.groups
        {
            match groups.get(group) {
                None => {
                    return (
                        Served::Not(format!(
                            "the cluster serves no API group {group} (is its CustomResourceDefinition installed?)"
                        )),
                        None,
                    );
                }
                Some(versions) if !versions.iter().any(|v| v == version) => {
                    return (
                        Served::Not(format!(
                            "the cluster no longer serves {api_version} (it serves {}); not compared across versions",
                            versions
                                .iter()
                                .map(|v| format!("{group}/{v}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                        None,
                    );
                }
                Some(_) => {}
            }
        }
        let path = base_path(api_version);
        let answer = api
            .get(&path, Retry::All)
            .await
            .and_then(|body| Ok((parse_json::<ResourceList>(&path, &body)?, body)));
        match answer {
            Ok((list, body)) => (Served::Resources(resources(api_version, list)), Some(body)),
            Err(e) if e.failure.code() == Some(404) => (
                Served::Not(format!("the cluster does not serve {api_version}")),
                None,
            ),
            Err(e) => (Served::Not(format!("discovery failed: {e}")), None),
        }
    }

    /// The resource serving `kind` in `api_version`, or why there is none.
    /// `load_versions` must have read `api_version`.
    pub fn resolve(&self, api_version: &str, kind: &str) -> Result<Resource, String> {
        match self.versions.get(api_version) {
            None => Err(format!("{api_version} was not discovered")),
            Some(Served::Not(reason)) => Err(reason.clone()),
            Some(Served::Resources(resources)) => resources
                .iter()
                .find(|r| r.kind == kind)
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "the cluster serves no kind {kind} in {api_version} (is its CustomResourceDefinition installed?)"
                    )
                }),
        }
    }

    /// The scope of `kind` in `api_version`, as the audit asks it.
    pub fn scope(&self, api_version: &str, kind: &str) -> Scope {
        match self.resolve(api_version, kind) {
            Ok(r) if r.namespaced => Scope::Namespaced,
            Ok(_) => Scope::Cluster,
            Err(reason) => Scope::NotServed(reason),
        }
    }
}

fn served_versions(list: GroupList) -> HashMap<String, Vec<String>> {
    list.groups
        .into_iter()
        .map(|g| (g.name, g.versions.into_iter().map(|v| v.version).collect()))
        .collect()
}

/// The listable resources of a group version's resource list.
fn resources(api_version: &str, list: ResourceList) -> Vec<Resource> {
    list.resources
        .into_iter()
        // Subresources (deployments/scale) are not objects to list.
        .filter(|r| !r.name.contains('/'))
        .filter(|r| r.verbs.iter().any(|v| v == "list"))
        .map(|r| Resource {
            api_version: api_version.to_string(),
            kind: r.kind,
            plural: r.name,
            namespaced: r.namespaced,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_paths_follow_the_api_layout() {
        let deployments = Resource {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
            namespaced: true,
        };
        assert_eq!(
            deployments.list_path(Some("prod")),
            "/apis/apps/v1/namespaces/prod/deployments"
        );
        assert_eq!(deployments.list_path(None), "/apis/apps/v1/deployments");
        let namespaces = Resource {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            plural: "namespaces".into(),
            namespaced: false,
        };
        assert_eq!(namespaces.list_path(None), "/api/v1/namespaces");
    }
}
