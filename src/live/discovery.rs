//! API discovery: which resource (plural name, scope) serves a desired
//! apiVersion and kind. Asked once per run for the group versions the audit
//! needs, never cached across runs (CRDs come and go).

use super::Scope;
use super::request::{Api, CallError, Retry};
use crate::model::group_of;
use serde::Deserialize;
use std::collections::HashMap;

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
}

/// A fatal discovery failure: the server cannot be talked to at all.
pub type Fatal = CallError;

impl Discovery {
    /// Reads `/apis` (the served groups and versions), once per run. Also the
    /// first contact with the server: an unreachable server or rejected
    /// credentials end the audit here, with no retry, within the request
    /// timeout.
    pub async fn load_groups(&mut self, api: &Api) -> Result<(), Fatal> {
        if self.groups.is_some() {
            return Ok(());
        }
        let list: GroupList = api.get_json("/apis", Retry::ServerErrors).await?;
        self.groups = Some(
            list.groups
                .into_iter()
                .map(|g| (g.name, g.versions.into_iter().map(|v| v.version).collect()))
                .collect(),
        );
        Ok(())
    }

    /// Reads the resource lists of `api_versions` not read yet, concurrently.
    pub async fn load_versions(&mut self, api: &Api, api_versions: &[String]) {
        let wanted: Vec<&String> = api_versions
            .iter()
            .filter(|v| !self.versions.contains_key(*v))
            .collect();
        let answers =
            futures::future::join_all(wanted.iter().map(|v| self.read_version(api, v))).await;
        for (version, served) in wanted.into_iter().zip(answers) {
            self.versions.insert(version.clone(), served);
        }
    }

    async fn read_version(&self, api: &Api, api_version: &str) -> Served {
        let group = group_of(api_version);
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        if !group.is_empty()
            && let Some(groups) = &self.groups
        {
            match groups.get(group) {
                None => {
                    return Served::Not(format!(
                        "the cluster serves no API group {group} (is its CustomResourceDefinition installed?)"
                    ));
                }
                Some(versions) if !versions.iter().any(|v| v == version) => {
                    return Served::Not(format!(
                        "the cluster no longer serves {api_version} (it serves {}); not compared across versions",
                        versions
                            .iter()
                            .map(|v| format!("{group}/{v}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                Some(_) => {}
            }
        }
        match api
            .get_json::<ResourceList>(&base_path(api_version), Retry::All)
            .await
        {
            Ok(list) => Served::Resources(
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
                    .collect(),
            ),
            Err(e) if e.failure.code() == Some(404) => {
                Served::Not(format!("the cluster does not serve {api_version}"))
            }
            Err(e) => Served::Not(format!("discovery failed: {e}")),
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
