//! The shared vocabulary of every pipeline stage: which object, which field,
//! what kind of difference, who wrote it, and the report that carries them.

use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// Identity of a Kubernetes object as a user names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// Reads apiVersion, kind, metadata.namespace and metadata.name; `None` when
    /// apiVersion, kind or name is missing (not a Kubernetes object).
    pub fn from_value(object: &Value) -> Option<ObjectRef> {
        let api_version = object.get("apiVersion")?.as_str()?.to_string();
        let kind = object.get("kind")?.as_str()?.to_string();
        let metadata = object.get("metadata")?;
        let name = metadata.get("name")?.as_str()?.to_string();
        let namespace = metadata
            .get("namespace")
            .and_then(Value::as_str)
            .filter(|ns| !ns.is_empty())
            .map(str::to_string);
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            return None;
        }
        Some(ObjectRef {
            api_version,
            kind,
            namespace,
            name,
        })
    }

    /// The API group: `apps` for `apps/v1`, empty for the core group (`v1`).
    pub fn group(&self) -> &str {
        group_of(&self.api_version)
    }

    /// What makes two objects the same object whatever version they are read in.
    pub fn identity(&self) -> Identity {
        Identity {
            group: self.group().to_string(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

/// `apps/v1` -> `apps`, `v1` -> ``.
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// `Deployment prod/checkout-api`, `ClusterRole model-reader`: how errors and
/// the text report name an object.
impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Group, kind, namespace and name: the key desired and live objects are matched on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    pub group: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

/// Group and kind: a type of object whatever its version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKind {
    pub group: String,
    pub kind: String,
}

impl GroupKind {
    pub fn new(group: &str, kind: &str) -> GroupKind {
        GroupKind {
            group: group.to_string(),
            kind: kind.to_string(),
        }
    }
}

/// The one category each finding belongs to (DESIGN.md, Categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Image,
    Config,
    Secret,
    Missing,
    Orphan,
    Controller,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Image,
        Category::Config,
        Category::Secret,
        Category::Missing,
        Category::Orphan,
        Category::Controller,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Image => "image",
            Category::Config => "config",
            Category::Secret => "secret",
            Category::Missing => "missing",
            Category::Orphan => "orphan",
            Category::Controller => "controller",
        }
    }

    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Categories that fail an audit unless `--fail-on` says otherwise.
    pub fn fails_by_default(self) -> bool {
        self != Category::Controller
    }

    /// The order a person on call reads them in: what runs (images) and
    /// what leaks (secrets) first, what a controller owns last.
    pub const BY_SEVERITY: [Category; 6] = [
        Category::Image,
        Category::Secret,
        Category::Missing,
        Category::Config,
        Category::Orphan,
        Category::Controller,
    ];

    /// 0 for the most severe, in [`Category::BY_SEVERITY`] order.
    pub fn severity(self) -> usize {
        Category::BY_SEVERITY
            .iter()
            .position(|c| *c == self)
            .unwrap_or(Category::BY_SEVERITY.len())
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to a field or object, seen from Git.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Both sides have a value and they differ.
    Changed,
    /// The live object has a field Git does not declare.
    Added,
    /// Git declares a field the live object lacks.
    Removed,
    /// Git declares an object the cluster lacks.
    Missing,
    /// The cluster has an object Git does not declare.
    Orphan,
}

/// Who wrote the live value, from managedFields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribution {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: Option<String>,
    /// Time of the manager's last write (RFC 3339); writes through the scale
    /// subresource carry none.
    pub since: Option<String>,
    /// `scale`, `status`, or none for the main resource.
    pub subresource: Option<String>,
}

/// Where Git declares a desired object (or value), and with `--blame` who
/// last changed that line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Commit that last changed the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// RFC 3339 time of that commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A ConfigMap or Secret asked of the live side by name (Flux's
/// `substituteFrom` when Git does not declare it).
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Object(Value),
    /// The cluster (or snapshot of its kind) has no such object.
    Absent,
    /// It cannot be read, and why (forbidden, not in the snapshot).
    Unreadable(String),
}

/// How a value substituted from a Secret is shown instead of itself:
/// `(hidden: value from Secret NAMESPACE/NAME key KEY)`.
pub const HIDDEN_MARKER: &str = "(hidden: value from ";

/// One difference between Git and the cluster, classified and attributed.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub category: Category,
    pub object: ObjectRef,
    /// Field path in DESIGN.md notation; `None` for missing and orphan objects.
    pub path: Option<String>,
    pub change: Change,
    /// Git's value; always `None` for secrets.
    pub desired: Option<Value>,
    /// The live value; always `None` for secrets.
    pub live: Option<Value>,
    pub attribution: Option<Attribution>,
    pub source: Option<SourceLocation>,
    /// What the attribution means when it is not "a person or tool changed
    /// it" (the GitOps applier owns a value that differs from Git).
    pub reason: Option<Reason>,
    /// For a finding on a live object Git does not declare but a desired
    /// object owns (the Secret a SealedSecret's controller writes): that
    /// desired object.
    pub owner: Option<ObjectRef>,
}

/// Why a difference stands as it does, where the manager alone would mislead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The value differs from Git but the GitOps applier still owns it: it
    /// was set in the applier's own request (a mutating webhook rewrote
    /// it), or Git moved on and the applier has not applied it yet. No
    /// person changed it.
    ApplierOwned,
}

impl Reason {
    pub const ALL: [Reason; 1] = [Reason::ApplierOwned];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ApplierOwned => "applier-owned",
        }
    }

    pub fn parse(name: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An object (or a whole type of objects) the audit could not check, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unchecked {
    pub object: ObjectRef,
    pub reason: String,
}

/// A finding an ignore rule hid, and which rule (file and index).
#[derive(Debug, Clone, PartialEq)]
pub struct IgnoredFinding {
    pub finding: Finding,
    pub rule: String,
}

/// The outcome of an audit: every renderer draws from this and nothing else.
#[derive(Debug, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub unchecked: Vec<Unchecked>,
    /// Differences hidden by an ignore rule (or `--min-age`); equals
    /// `ignored_findings.len()`.
    pub ignored: usize,
    /// The hidden findings and the rule that hid each, for `--show-ignored`.
    pub ignored_findings: Vec<IgnoredFinding>,
    /// Findings made category controller by a delegate rule.
    pub delegated: usize,
    /// Objects the GitOps tool is told not to manage (Flux
    /// `reconcile: disabled`, `ssa: Ignore`): not compared, not drift.
    pub unmanaged: Vec<Unchecked>,
    /// Number of desired objects compared.
    pub objects_checked: usize,
    /// Desired objects `--namespace`/`--selector` left out of the audit.
    pub out_of_scope: usize,
    /// Where Git declares each desired object (a finding's `source` is
    /// where its value is declared, which may be an overlay).
    pub declared: std::collections::HashMap<Identity, SourceLocation>,
    /// When the audit ran; "3 days ago" is measured from here.
    pub now: jiff::Timestamp,
    /// How long the audit took, for metrics.
    pub duration: std::time::Duration,
    /// The GitOps app each reported object belongs to (desired objects
    /// of a followed app, orphans carrying its tracking).
    pub apps: std::collections::HashMap<Identity, AppRef>,
    /// Orphans that carry the tracking label of the audited objects, with
    /// no followed app to say whether PATHs hold all of it: siblings of a
    /// GitOps group whose other paths were not audited may declare them.
    pub tracking_groups: std::collections::HashMap<Identity, TrackingGroup>,
    /// The live objects came without managedFields (a snapshot taken
    /// without `--show-managed-fields`): nobody's changes can be attributed.
    pub without_managed_fields: bool,
    /// The categories that fail the audit (`--fail-on`).
    pub failing: Vec<Category>,
}

/// What an audit concludes; each has its exit code (DESIGN.md, Exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Drift in a failing category.
    Drift,
    /// No failing drift among what was checked, but something was not checked.
    Incomplete,
    /// Everything checked, no failing drift (findings in other categories
    /// may remain).
    Clean,
}

/// A GitOps tracking label (and the namespace label paired with it) that an
/// orphan shares with the audited objects' live twins.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingGroup {
    pub label: String,
    pub value: String,
    pub namespace: Option<(String, String)>,
}

impl fmt::Display for TrackingGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.namespace, self.label.as_str()) {
            (Some((_, ns)), "kustomize.toolkit.fluxcd.io/name") => {
                write!(f, "Flux Kustomization {ns}/{}", self.value)
            }
            _ => write!(f, "{}={}", self.label, self.value),
        }
    }
}

impl TrackingGroup {
    /// `kustomize.toolkit.fluxcd.io/name=apps,kustomize.toolkit.fluxcd.io/namespace=flux-system`
    pub fn selector(&self) -> String {
        match &self.namespace {
            Some((key, ns)) => format!("{}={},{key}={ns}", self.label, self.value),
            None => format!("{}={}", self.label, self.value),
        }
    }
}

/// A Flux Kustomization or Argo CD Application: the app an object belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AppRef {
    /// `flux` or `argocd`.
    pub tool: &'static str,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for AppRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.tool == "flux" {
            "Flux Kustomization"
        } else {
            "Argo CD Application"
        };
        write!(f, "{kind} {}/{}", self.namespace, self.name)
    }
}

impl Report {
    pub fn count(&self, category: Category) -> usize {
        self.findings
            .iter()
            .filter(|f| f.category == category)
            .count()
    }

    /// Every desired object was checked.
    pub fn complete(&self) -> bool {
        self.unchecked.is_empty()
    }

    /// Whether findings of `category` fail the audit.
    pub fn fails(&self, category: Category) -> bool {
        self.failing.contains(&category)
    }

    /// Drift in a failing category decides first, then completeness.
    pub fn verdict(&self) -> Verdict {
        if self.findings.iter().any(|f| self.fails(f.category)) {
            Verdict::Drift
        } else if !self.complete() {
            Verdict::Incomplete
        } else {
            Verdict::Clean
        }
    }

    /// The app `object` belongs to, if the audit followed apps.
    pub fn app_of(&self, object: &ObjectRef) -> Option<&AppRef> {
        self.apps.get(&object.identity())
    }
}
