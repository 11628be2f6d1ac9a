//! Live objects read from a Kubernetes API server, read-only: connected like
//! kubectl (kubeconfig, context, in-cluster), one LIST per resource and
//! namespace (or one cluster-wide), concurrent within `--concurrency`.

use super::cache::DiskCache;
use super::discovery::{Discovery, Resource};
use super::request::{Api, CallError, Failure, Retry, TlsFailure};
use super::{Found, LiveObject, LiveQuery, LiveSource, LiveState, Scope, TypeQuery, UnreadType};
use anyhow::{Context, Result, anyhow};
use kube::config::{InClusterError, KubeConfigOptions, Kubeconfig};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A type spread over more namespaces than this is read with one
/// cluster-wide LIST (paginated): fewer round trips, and the API server
/// answers it from its watch cache. Fewer namespaces are listed one by one
/// so that a small audit never downloads a whole cluster's Secrets.
pub const CLUSTER_WIDE_ABOVE: usize = 10;

/// Where the kubelet mounts a Pod's service account (token, ca.crt,
/// namespace), which kube's in-cluster config reads.
const SERVICE_ACCOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// How to reach the cluster (the flags of `driftctl diff`).
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub request_timeout: Duration,
    pub concurrency: usize,
    /// A progress bar on stderr (a terminal, not `--quiet`).
    pub progress: bool,
    pub verbose: bool,
    /// The kube cache directory discovery is kept under between runs
    /// (`None`: `--no-cache`, or no home directory).
    pub cache: Option<PathBuf>,
}

/// One API server, for the length of one audit.
pub struct Cluster {
    runtime: tokio::runtime::Runtime,
    api: Arc<Api>,
    discovery: Discovery,
    default_namespace: String,
    concurrency: usize,
    progress: bool,
    /// Whom the client trusts with the server's certificate, for errors.
    trusted: String,
    /// Objects of complete LISTs the audit was not given (other namespaces
    /// of a cluster-wide LIST; every object of a cluster-scoped type), kept
    /// for the tracking-label search: no second download of the same list.
    elsewhere: HashMap<(String, String), Vec<LiveObject>>,
}

/// One LIST to make.
#[derive(Debug, Clone)]
struct ListTask {
    resource: Resource,
    namespace: Option<String>,
    selector: Option<String>,
    /// Namespaces whose objects the audit wants (cluster-wide LISTs of
    /// namespaced types); empty: every object.
    wanted: Arc<BTreeSet<String>>,
}

/// What one LIST gave.
struct ListResult {
    task: ListTask,
    outcome: Result<(Vec<LiveObject>, Vec<LiveObject>), CallError>,
}

impl Cluster {
    /// Loads the kubeconfig (or the in-cluster config) and checks that the
    /// server answers: an unreachable server or rejected credentials are an
    /// error naming the server, within the request timeout.
    pub fn connect(options: &ClusterOptions) -> Result<Cluster> {
        // LIST answers are parsed on the workers as they arrive: one per
        // core (two at least, at most eight).
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .context("cannot start the runtime for API requests")?;
        let mut config = runtime.block_on(load_config(options))?;
        let server = config.cluster_url.to_string();
        let server = server.trim_end_matches('/').to_string();
        // Our own retries (bounded, observable); kube's would retry for minutes.
        config.default_retry = false;
        // The request timeout bounds each whole exchange (request::Api); the
        // connection gets the same limit.
        config.connect_timeout = Some(options.request_timeout);
        config.read_timeout = None;
        config.write_timeout = Some(options.request_timeout);
        let default_namespace = config.default_namespace.clone();
        let trusted = trusted_authorities(&config);
        let cache = options
            .cache
            .as_deref()
            .map(|root| DiskCache::new(root, &config.cluster_url));
        let client = {
            let _guard = runtime.enter();
            super::connection::client(&config)
                .map_err(|e| anyhow!("cannot set up a client for {server}: {e}"))?
        };
        let api = Arc::new(Api::new(
            client,
            server.clone(),
            options.request_timeout,
            options.verbose,
        ));
        if options.verbose
            && let Some(cache) = &cache
        {
            eprintln!("driftctl: discovery cache {}", cache.dir().display());
        }
        let mut discovery = Discovery::new(cache);
        runtime
            .block_on(discovery.load_groups(&api))
            .map_err(|e| unreachable(&server, &e, &trusted))?;
        Ok(Cluster {
            runtime,
            api,
            discovery,
            default_namespace,
            concurrency: options.concurrency.max(1),
            progress: options.progress,
            trusted,
            elsewhere: HashMap::new(),
        })
    }

    fn discover_versions(&mut self, api_versions: Vec<String>) {
        let api = self.api.clone();
        self.runtime
            .block_on(self.discovery.load_versions(&api, &api_versions));
    }

    /// Drops the cached discovery and asks the server again for `/apis` and
    /// `api_versions`.
    fn rediscover(&mut self, api_versions: Vec<String>) -> Result<()> {
        if self.api.verbose {
            eprintln!("driftctl: the discovery cache is out of date; asking the server");
        }
        self.discovery.invalidate();
        let api = self.api.clone();
        self.runtime
            .block_on(self.discovery.load_groups(&api))
            .map_err(|e| unreachable(&api.server, &e, &self.trusted))?;
        self.discover_versions(api_versions);
        Ok(())
    }

    /// Runs `tasks` concurrently (at most `--concurrency` requests in
    /// flight), falling back from a forbidden cluster-wide LIST to one LIST
    /// per namespace. A 401 ends the audit: credentials are rejected.
    fn run(&mut self, tasks: Vec<ListTask>, fallback: bool) -> Result<Vec<ListResult>> {
        let bar = self.progress_bar(tasks.len());
        let api = self.api.clone();
        let trusted = self.trusted.clone();
        let limit = Arc::new(tokio::sync::Semaphore::new(self.concurrency));
        let results = self.runtime.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            let spawn = |set: &mut tokio::task::JoinSet<ListResult>, task: ListTask| {
                let api = api.clone();
                let limit = limit.clone();
                set.spawn(async move {
                    let outcome = async {
                        let _permit = limit
                            .acquire()
                            .await
                            .expect("the semaphore is never closed");
                        let path = task.resource.list_path(task.namespace.as_deref());
                        let wanted = task.wanted.clone();
                        let mut outside = Vec::new();
                        let items = api.list(&path, task.selector.as_deref()).await?;
                        let mut inside = Vec::with_capacity(items.len());
                        for mut item in items {
                            // Items of a LIST carry no apiVersion and kind: the list's type is theirs.
                            item.set_type(&task.resource.api_version, &task.resource.kind);
                            let ns = item.head()["metadata"]["namespace"]
                                .as_str()
                                .unwrap_or_default();
                            if wanted.is_empty() || wanted.contains(ns) {
                                inside.push(item);
                            } else {
                                outside.push(item);
                            }
                        }
                        Ok((inside, outside))
                    }
                    .await;
                    ListResult { task, outcome }
                });
            };
            for task in tasks {
                spawn(&mut set, task);
            }
            let mut results = Vec::new();
            while let Some(joined) = set.join_next().await {
                let result = joined.map_err(|e| anyhow!("an API request task failed: {e}"))?;
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
                if let Err(e) = &result.outcome {
                    if e.failure.code().is_none() && !api.answered() {
                        // Discovery came from the cache: this was the first contact.
                        return Err(unreachable(&api.server, e, &trusted));
                    }
                    if e.failure.code() == Some(401) {
                        return Err(anyhow!(
                            "the cluster at {} rejected the credentials: {e}",
                            api.server
                        ));
                    }
                    if fallback
                        && e.failure.code() == Some(403)
                        && result.task.namespace.is_none()
                        && result.task.resource.namespaced
                    {
                        // Not allowed cluster-wide: ask namespace by namespace.
                        if let Some(bar) = &bar {
                            bar.inc_length(result.task.wanted.len() as u64);
                        }
                        for ns in result.task.wanted.iter() {
                            spawn(
                                &mut set,
                                ListTask {
                                    namespace: Some(ns.clone()),
                                    wanted: Arc::new(BTreeSet::new()),
                                    ..result.task.clone()
                                },
                            );
                        }
                        continue;
                    }
                }
                results.push(result);
            }
            Ok(results)
        });
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        results
    }

    fn progress_bar(&self, total: usize) -> Option<indicatif::ProgressBar> {
        if !self.progress {
            return None;
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} reading the cluster {bar:30} {pos}/{len} lists",
            )
            .expect("the progress template is valid"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(bar)
    }

    /// The served resource of each queried type; unserved types are dropped
    /// (the audit already lists their objects as unchecked).
    fn resolve(&mut self, types: &[TypeQuery]) -> Vec<(Resource, TypeQuery)> {
        let versions: BTreeSet<String> = types.iter().map(|t| t.api_version.clone()).collect();
        self.discover_versions(versions.into_iter().collect());
        types
            .iter()
            .filter_map(|t| {
                self.discovery
                    .resolve(&t.api_version, &t.kind)
                    .ok()
                    .map(|r| (r, t.clone()))
            })
            .collect()
    }
}

/// Whom the client trusts to vouch for the server's certificate, for the
/// error that says it did not.
fn trusted_authorities(config: &kube::Config) -> String {
    match (&config.root_cert_file, &config.root_cert) {
        (Some(file), _) => file.display().to_string(),
        (None, Some(_)) => "the certificate-authority of the kubeconfig's cluster".into(),
        (None, None) => "the system's certificate authorities (the kubeconfig's cluster \
                         names no certificate-authority)"
            .into(),
    }
}

fn unreachable(server: &str, e: &CallError, trusted: &str) -> anyhow::Error {
    match &e.failure {
        Failure::Tls(TlsFailure::ServerCertificateUntrusted { .. }) => {
            return anyhow!("cannot trust the cluster at {server}: {e}; driftctl trusts {trusted}");
        }
        Failure::Tls(TlsFailure::ServerCertificate { .. }) => {
            return anyhow!("cannot trust the cluster at {server}: {e}");
        }
        Failure::Tls(_) => {
            return anyhow!("the TLS handshake with the cluster at {server} failed: {e}");
        }
        _ => {}
    }
    match e.failure.code() {
        Some(401) => anyhow!("the cluster at {server} rejected the credentials: {e}"),
        Some(403) => {
            anyhow!("the cluster at {server} refused API discovery to these credentials: {e}")
        }
        Some(_) => anyhow!("the cluster at {server} answered API discovery with an error: {e}"),
        None => anyhow!("cannot reach the cluster at {server}: {e}"),
    }
}

/// The kubeconfig like kubectl reads it: `--kubeconfig`, else `$KUBECONFIG`
/// or `~/.kube/config`, else the Pod's service account (in-cluster), as
/// kube's `Config::infer` does, with errors that name the files read, the
/// contexts they hold, and only the remedies that apply.
async fn load_config(options: &ClusterOptions) -> Result<kube::Config> {
    let select = KubeConfigOptions {
        context: options.context.clone(),
        cluster: None,
        user: None,
    };
    let files = KubeconfigFiles::locate(options.kubeconfig.as_deref());
    let kubeconfig = match files.read() {
        Ok(kubeconfig) => kubeconfig,
        Err(Unread::Missing)
            if files.origin == Origin::Default
                && options.context.is_none()
                && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some_and(|v| !v.is_empty()) =>
        {
            return in_cluster().map_err(|e| {
                anyhow!(
                    "no kubeconfig ({}) and, in a Pod (KUBERNETES_SERVICE_HOST is \
                     set), no usable service account: {e}; mount one \
                     (automountServiceAccountToken) or pass --kubeconfig",
                    files.missing()
                )
            });
        }
        Err(Unread::Missing) => {
            let remedy = match files.origin {
                Origin::Flag => "pass --kubeconfig a file that exists",
                Origin::Environment => "fix KUBECONFIG or pass --kubeconfig",
                Origin::Default => "pass --kubeconfig or set KUBECONFIG",
            };
            let pod = if options.kubeconfig.is_none() && options.context.is_none() {
                ", and not in a Pod (KUBERNETES_SERVICE_HOST is not set)"
            } else {
                ""
            };
            return Err(anyhow!(
                "no cluster to read: {}{pod}; {remedy}, or use --live-snapshot FILE for an \
                 offline audit",
                files.missing()
            ));
        }
        Err(Unread::Invalid(reason)) => return Err(anyhow!("{reason}")),
    };
    let contexts: Vec<&str> = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let listed = if contexts.is_empty() {
        "it has no contexts".to_string()
    } else {
        format!("its contexts: {}", contexts.join(", "))
    };
    match (&options.context, kubeconfig.current_context.as_deref()) {
        (Some(wanted), current) if !contexts.contains(&wanted.as_str()) => {
            let current = current
                .filter(|c| !c.is_empty())
                .map(|c| format!(" (current: {c})"))
                .unwrap_or_default();
            return Err(anyhow!(
                "--context {wanted}: no such context in {}; {listed}{current}",
                files.shown()
            ));
        }
        (None, None | Some("")) => {
            return Err(anyhow!(
                "{}: no current-context; pass --context NAME ({listed}) or choose one with \
                 `kubectl config use-context NAME`",
                files.shown()
            ));
        }
        _ => {}
    }
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &select)
        .await
        .map_err(|e| anyhow!("{}: {e}", files.shown()))?;
    if files.origin != Origin::Flag {
        config.apply_debug_overrides();
    }
    Ok(config)
}

/// Where the kubeconfig files come from, for the remedy an error suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Flag,
    Environment,
    Default,
}

/// The kubeconfig files kubectl would read.
struct KubeconfigFiles {
    paths: Vec<PathBuf>,
    origin: Origin,
}

enum Unread {
    /// None of the files exists.
    Missing,
    /// A file exists but cannot be read or is no kubeconfig.
    Invalid(String),
}

impl KubeconfigFiles {
    fn locate(flag: Option<&std::path::Path>) -> KubeconfigFiles {
        if let Some(path) = flag {
            return KubeconfigFiles {
                paths: vec![path.to_path_buf()],
                origin: Origin::Flag,
            };
        }
        let from_env: Vec<PathBuf> = std::env::var_os("KUBECONFIG")
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if !from_env.is_empty() {
            return KubeconfigFiles {
                paths: from_env,
                origin: Origin::Environment,
            };
        }
        KubeconfigFiles {
            paths: std::env::home_dir()
                .map(|home| home.join(".kube").join("config"))
                .into_iter()
                .collect(),
            origin: Origin::Default,
        }
    }

    /// Reads and merges the files that exist, as kubectl does with
    /// `KUBECONFIG` (the first file to set a value wins).
    fn read(&self) -> std::result::Result<Kubeconfig, Unread> {
        let existing: Vec<&PathBuf> = self.paths.iter().filter(|p| p.exists()).collect();
        if existing.is_empty() {
            return Err(Unread::Missing);
        }
        let mut merged = Kubeconfig::default();
        for path in existing {
            let file = Kubeconfig::read_from(path).map_err(|e| {
                Unread::Invalid(match e {
                    kube::config::KubeconfigError::ReadConfig(io, _) => {
                        format!("{}: cannot read the kubeconfig: {io}", quoted(path))
                    }
                    other => format!("{}: not a usable kubeconfig: {other}", quoted(path)),
                })
            })?;
            merged = merged
                .merge(file)
                .map_err(|e| Unread::Invalid(format!("{}: {e}", quoted(path))))?;
        }
        Ok(merged)
    }

    /// The files, each double-quoted, and where their names came from.
    fn shown(&self) -> String {
        let files: Vec<String> = self.paths.iter().map(|p| quoted(p)).collect();
        let noun = if files.len() == 1 {
            "kubeconfig"
        } else {
            "kubeconfigs"
        };
        match self.origin {
            Origin::Environment => format!("the {noun} {} (from KUBECONFIG)", files.join(", ")),
            _ => format!("the {noun} {}", files.join(", ")),
        }
    }

    /// `no kubeconfig at "/root/.kube/config" (KUBECONFIG is not set)`
    fn missing(&self) -> String {
        let files: Vec<String> = self.paths.iter().map(|p| quoted(p)).collect();
        let files = if files.is_empty() {
            "no home directory".to_string()
        } else {
            files.join(", ")
        };
        match self.origin {
            Origin::Flag => format!("no kubeconfig at {files} (--kubeconfig)"),
            Origin::Environment => format!("no kubeconfig at {files} (from KUBECONFIG)"),
            Origin::Default => format!("no kubeconfig at {files} (KUBECONFIG is not set)"),
        }
    }
}

/// A path in double quotes, once.
fn quoted(path: &std::path::Path) -> String {
    format!("\"{}\"", path.display())
}

/// The Pod's service account, its errors naming the file or variable.
fn in_cluster() -> Result<kube::Config> {
    let mut config = kube::Config::incluster().map_err(|e| match e {
        InClusterError::ReadDefaultNamespace(e) => anyhow!("{SERVICE_ACCOUNT}/namespace: {e}"),
        InClusterError::ReadCertificateBundle(e) => anyhow!("{SERVICE_ACCOUNT}/ca.crt: {e}"),
        InClusterError::ParseCertificates(e) => {
            anyhow!("{SERVICE_ACCOUNT}/ca.crt: not PEM certificates: {e}")
        }
        InClusterError::ReadEnvironmentVariable(e) => {
            anyhow!("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT: {e}")
        }
        InClusterError::ParseClusterPort(e) => {
            anyhow!("KUBERNETES_SERVICE_PORT is not a port number: {e}")
        }
        InClusterError::ParseClusterUrl(e) => {
            anyhow!("KUBERNETES_SERVICE_HOST does not make a server URL: {e}")
        }
    })?;
    // Like client-go: a namespace file written by hand may end in a newline,
    // and an empty one means `default`.
    let namespace = config.default_namespace.trim();
    config.default_namespace = if namespace.is_empty() {
        "default".to_string()
    } else {
        namespace.to_string()
    };
    Ok(config)
}

impl LiveSource for Cluster {
    fn discover(&mut self, types: &[(String, String)]) -> Result<()> {
        let versions: Vec<String> = types
            .iter()
            .map(|(v, _)| v.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        self.discover_versions(versions.clone());
        // As kubectl does: a kind the cached discovery does not know may have
        // been installed since (a new CRD); ask the server before saying so.
        if self.discovery.from_cache()
            && types
                .iter()
                .any(|(v, k)| self.discovery.resolve(v, k).is_err())
        {
            self.rediscover(versions)?;
        }
        Ok(())
    }

    fn scope(&mut self, api_version: &str, kind: &str) -> Result<Scope> {
        self.discover_versions(vec![api_version.to_string()]);
        Ok(self.discovery.scope(api_version, kind))
    }

    fn fetch(&mut self, query: &LiveQuery) -> Result<LiveState> {
        let mut tasks = Vec::new();
        let selector = query.selector.as_ref().map(|s| s.to_string());
        for (resource, type_query) in self.resolve(&query.types) {
            if !resource.namespaced || type_query.every_namespace {
                tasks.push(ListTask {
                    resource,
                    namespace: None,
                    selector: selector.clone(),
                    wanted: Arc::new(BTreeSet::new()),
                });
            } else if type_query.namespaces.len() > CLUSTER_WIDE_ABOVE {
                tasks.push(ListTask {
                    resource,
                    namespace: None,
                    selector: selector.clone(),
                    wanted: Arc::new(type_query.namespaces.clone()),
                });
            } else {
                for ns in &type_query.namespaces {
                    tasks.push(ListTask {
                        resource: resource.clone(),
                        namespace: Some(ns.clone()),
                        selector: selector.clone(),
                        wanted: Arc::new(BTreeSet::new()),
                    });
                }
            }
        }
        let mut state = LiveState::default();
        let results = self.run(tasks, true)?;
        // A type the cached discovery serves that the server no longer
        // lists (its CRD removed): the cache is stale, and the server says why.
        let gone: BTreeSet<String> = results
            .iter()
            .filter(|r| {
                r.outcome.as_ref().err().and_then(|e| e.failure.code()) == Some(404)
                    && self.discovery.cached(&r.task.resource.api_version)
            })
            .map(|r| r.task.resource.api_version.clone())
            .collect();
        let mut not_served = HashMap::new();
        let mut said = std::collections::HashSet::new();
        if !gone.is_empty() {
            self.rediscover(gone.iter().cloned().collect())?;
            for result in &results {
                let resource = &result.task.resource;
                if gone.contains(&resource.api_version)
                    && let Err(reason) = self
                        .discovery
                        .resolve(&resource.api_version, &resource.kind)
                {
                    not_served.insert(
                        (resource.api_version.clone(), resource.kind.clone()),
                        reason,
                    );
                }
            }
        }
        for result in results {
            let task = result.task;
            match result.outcome {
                Ok((inside, outside)) => {
                    let key = (
                        task.resource.api_version.clone(),
                        task.resource.kind.clone(),
                    );
                    if !task.resource.namespaced {
                        self.elsewhere.insert(key, inside.clone());
                    } else if task.namespace.is_none() {
                        self.elsewhere.insert(key, outside);
                    }
                    state.objects.extend(inside);
                }
                Err(e) => {
                    let key = (task.resource.api_version, task.resource.kind);
                    match not_served.get(&key) {
                        // The whole type, once, as discovery would have said:
                        // no object of it exists, in any namespace.
                        Some(reason) => {
                            if said.insert(key.clone()) {
                                state.unread.push(UnreadType {
                                    api_version: key.0,
                                    kind: key.1,
                                    namespace: None,
                                    reason: reason.clone(),
                                });
                            }
                        }
                        None => state.unread.push(UnreadType {
                            api_version: key.0,
                            kind: key.1,
                            namespace: task.namespace,
                            reason: e.to_string(),
                        }),
                    }
                }
            }
        }
        Ok(state)
    }

    fn fetch_tracked(&mut self, query: &LiveQuery, label: &str, value: &str) -> Result<LiveState> {
        let mut state = LiveState::default();
        let mut tasks = Vec::new();
        // Lists kept from `fetch` were made with the query's selector already.
        let selector = match &query.selector {
            Some(s) => format!("{label}={value},{s}"),
            None => format!("{label}={value}"),
        };
        for (resource, _) in self.resolve(&query.types) {
            let key = (resource.api_version.clone(), resource.kind.clone());
            if let Some(elsewhere) = self.elsewhere.get(&key) {
                // Listed whole already: the rest of the cluster is here.
                state.objects.extend(
                    elsewhere
                        .iter()
                        .filter(|o| o.head()["metadata"]["labels"][label].as_str() == Some(value))
                        .cloned(),
                );
                continue;
            }
            tasks.push(ListTask {
                resource,
                namespace: None,
                selector: Some(selector.clone()),
                wanted: Arc::new(BTreeSet::new()),
            });
        }
        for result in self.run(tasks, false)? {
            match result.outcome {
                Ok((objects, _)) => state.objects.extend(objects),
                Err(e) => state.unread.push(UnreadType {
                    api_version: result.task.resource.api_version.clone(),
                    kind: result.task.resource.kind.clone(),
                    namespace: None,
                    reason: format!("objects labelled {label}={value} elsewhere: {e}"),
                }),
            }
        }
        Ok(state)
    }

    fn lookup(&mut self, kind: &str, namespace: &str, name: &str) -> Result<Found> {
        let resource = match kind {
            "ConfigMap" => "configmaps",
            "Secret" => "secrets",
            other => return Ok(Found::Unreadable(format!("{other} is not read by name"))),
        };
        let path = format!("/api/v1/namespaces/{namespace}/{resource}/{name}");
        let api = self.api.clone();
        let answer = self
            .runtime
            .block_on(async { api.get(&path, Retry::All).await })
            .and_then(|body| super::request::parse_json::<Value>(&path, &body));
        match answer {
            Ok(object) => Ok(Found::Object(object)),
            Err(e) if e.failure.code() == Some(404) => Ok(Found::Absent),
            Err(e) if e.failure.code() == Some(401) => Err(anyhow!(
                "the cluster at {} rejected the credentials: {e}",
                api.server
            )),
            Err(e) => Ok(Found::Unreadable(e.to_string())),
        }
    }

    fn default_namespace(&self) -> Option<String> {
        Some(self.default_namespace.clone())
    }
}
