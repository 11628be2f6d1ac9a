//! Live state: what the cluster holds, read from a snapshot file or through
//! the Kubernetes API. Both answer the same two questions: how is a type
//! scoped, and which objects of the desired types exist.

pub mod cache;
pub mod cluster;
pub mod connection;
pub mod discovery;
pub mod object;
pub mod request;
pub mod snapshot;

pub use crate::model::Found;
use anyhow::Result;
pub use object::LiveObject;
use std::collections::BTreeSet;

/// How the cluster scopes a type of object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
    /// The cluster does not serve this type (a CRD not installed, a removed
    /// API version); the reason says which.
    NotServed(String),
}

/// One desired type and where its objects must be looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeQuery {
    /// The version desired objects declare: live objects are read in it.
    pub api_version: String,
    pub kind: String,
    /// Namespaces to list (desired objects' namespaces, the orphan scope);
    /// empty for a cluster-scoped type.
    pub namespaces: BTreeSet<String>,
    /// `--all-namespaces`: a namespaced type listed in every namespace.
    pub every_namespace: bool,
}

impl TypeQuery {
    pub fn cluster_scoped(&self) -> bool {
        self.namespaces.is_empty() && !self.every_namespace
    }

    /// Whether objects of namespace `namespace` (`None`: cluster-scoped) are asked for.
    pub fn covers(&self, namespace: Option<&str>) -> bool {
        match namespace {
            Some(ns) => self.every_namespace || self.namespaces.contains(ns),
            None => self.cluster_scoped(),
        }
    }
}

/// What the audit asks of the cluster.
#[derive(Debug, Clone, Default)]
pub struct LiveQuery {
    pub types: Vec<TypeQuery>,
    /// `--selector`: only objects whose labels match (the API server's `labelSelector`).
    pub selector: Option<crate::selector::Selector>,
}

/// Part of the cluster the audit could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadType {
    pub api_version: String,
    pub kind: String,
    /// `None`: the whole type (every namespace, or a cluster-scoped type).
    pub namespace: Option<String>,
    pub reason: String,
}

/// What the cluster answered.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// Live objects as the API serves them, managedFields included.
    pub objects: Vec<LiveObject>,
    pub unread: Vec<UnreadType>,
}

/// A place live objects come from.
pub trait LiveSource {
    /// Learns how the cluster serves these `(apiVersion, kind)` pairs, all
    /// at once, before `scope` is asked about each.
    fn discover(&mut self, _types: &[(String, String)]) -> Result<()> {
        Ok(())
    }

    /// Scope of `kind` in `api_version`.
    fn scope(&mut self, api_version: &str, kind: &str) -> Result<Scope>;

    /// Every object of the queried types in the queried namespaces.
    fn fetch(&mut self, query: &LiveQuery) -> Result<LiveState>;

    /// Objects anywhere in the cluster that carry the label `label=value`
    /// (a GitOps tracking label) and match the query's selector, for orphans
    /// outside the desired namespaces. A cluster lists the query's types in
    /// every namespace (and cluster-wide); a snapshot may return objects of
    /// any type.
    fn fetch_tracked(&mut self, query: &LiveQuery, label: &str, value: &str) -> Result<LiveState>;

    /// Whether the live objects come without managedFields (a `kubectl get`
    /// without `--show-managed-fields`): who wrote what is unknown, and the
    /// audit falls back to the rules for objects without managedFields.
    fn without_managed_fields(&self) -> bool {
        false
    }

    /// One core/v1 object by kind, namespace and name (a ConfigMap or
    /// Secret that Flux's `substituteFrom` names and Git does not declare).
    fn lookup(&mut self, kind: &str, _namespace: &str, _name: &str) -> Result<Found> {
        Ok(Found::Unreadable(format!(
            "this live source cannot read {kind}s"
        )))
    }

    /// The namespace for namespaced objects that declare none, when the
    /// user gave no `--namespace` (a kubeconfig context's namespace).
    fn default_namespace(&self) -> Option<String> {
        None
    }
}
