//! Command-line definitions: the single source for `--help`, the man page and
//! shell completions.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "driftctl",
    version,
    about = "Does production still match Git? A read-only drift auditor for GitOps-run Kubernetes clusters.",
    long_about = "driftctl renders the manifests of a Git checkout (plain YAML or Kustomize), reads the \
matching live objects from a cluster or a snapshot, and reports every difference by category \
(image, config, secret, missing, orphan, controller), with who changed it and when.\n\n\
Exit codes: 0 no drift, 1 drift in a failing category, 2 error, 3 incomplete audit."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare the desired state in PATHs with the live cluster (or a snapshot).
    Diff(DiffArgs),
    /// Print the desired objects as driftctl sees them, as multi-document YAML.
    Render(RenderArgs),
    /// Write intentional drift back into Git, at the line that declares each value, proven by a re-audit.
    Backport(BackportArgs),
    /// Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Directories of the Git checkout: a kustomization is rendered, any other
    /// directory is read as plain YAML recursively.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// How to render kustomizations.
    #[arg(long, value_enum, default_value_t = Renderer::Auto)]
    pub renderer: Renderer,

    /// Read PATHs from this Git revision (branch, tag, commit) instead of the working tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,

    /// Say what driftctl does (renderer used, requests made) on stderr.
    #[arg(short, long)]
    pub verbose: bool,

    /// Log every pipeline step on stderr (objects read, compared, findings); implies --verbose.
    #[arg(long)]
    pub debug: bool,

    #[command(flatten)]
    pub apps: AppArgs,
}

/// Following the Flux Kustomizations and Argo CD Applications PATHs declare.
#[derive(Debug, Args)]
pub struct AppArgs {
    /// Audit only what PATHs render: do not follow the GitOps apps they declare.
    #[arg(long)]
    pub no_follow: bool,

    /// Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME).
    #[arg(long, value_name = "NAME", conflicts_with = "no_follow")]
    pub app: Option<String>,

    /// The repository root apps' paths are relative to (default: the directory from which
    /// the app that applies PATH leads to PATH, else the Git work tree's top).
    #[arg(long, value_name = "DIR")]
    pub repo_root: Option<PathBuf>,

    /// A URL of this repository, as apps' sources name it (repeatable; the checkout's Git
    /// remotes count already).
    #[arg(long, value_name = "URL")]
    pub repo_url: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub scope: ScopeArgs,

    #[command(flatten)]
    pub live: LiveArgs,

    #[command(flatten)]
    pub rules: RulesArgs,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// When to color the text report (NO_COLOR is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Categories that make the audit fail with exit code 1
    /// (default: every category but controller).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CATEGORY,...",
        value_parser = ["image", "config", "secret", "missing", "orphan", "controller"]
    )]
    pub fail_on: Vec<String>,

    /// Report only differences whose live value has been in place at least this long (e.g. 30m, 2h, 3d).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub min_age: Option<std::time::Duration>,

    /// Name the commit, author and date that last changed each Git line a finding points at.
    #[arg(long)]
    pub blame: bool,

    /// List the differences ignore rules hid, with the rule that matched.
    #[arg(long)]
    pub show_ignored: bool,

    /// Measure ages from this time (RFC 3339) instead of now: reproducible reports.
    #[arg(long, value_name = "TIME", hide = true, env = "DRIFTCTL_NOW")]
    pub now: Option<String>,
}

/// Which part of Git and of the cluster an audit covers: kubectl's flags,
/// with kubectl's meaning. Shared by every command that audits.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped
    /// ones, are left out, and orphans are looked for only here. Namespaced objects that
    /// declare no namespace are placed here (default: the context's namespace).
    #[arg(
        short = 'n',
        long,
        value_name = "NAMESPACE",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,

    /// Look for orphans in every namespace, not only in those PATHs declare.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Audit only objects whose labels match SELECTOR, in kubectl's syntax (`key=value`,
    /// `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`,
    /// comma-separated, all must hold): the labels Git declares for declared objects, the
    /// cluster's for orphans.
    #[arg(short = 'l', long, value_name = "SELECTOR", value_parser = parse_selector)]
    pub selector: Option<crate::selector::Selector>,
}

fn parse_selector(text: &str) -> Result<crate::selector::Selector, String> {
    crate::selector::Selector::parse(text)
}

/// Where live objects come from: shared by every command that audits.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Read live objects from a `kubectl get -o yaml|json` dump instead of a cluster.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["kubeconfig", "context", "no_cache"])]
    pub live_snapshot: Option<PathBuf>,

    /// Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Time limit for each request to the API server (answer included), e.g. 10s, 1m.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: std::time::Duration,

    /// Give up on the whole audit after this long (exit 2), e.g. 5m; no limit by default.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<std::time::Duration>,

    /// Most API requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = at_least_one)]
    pub concurrency: usize,

    /// No progress bar, no notices on stderr.
    #[arg(short, long, conflicts_with_all = ["verbose", "debug"])]
    pub quiet: bool,

    /// Ask the API server for discovery instead of using (and updating) the
    /// discovery cache under $KUBECACHEDIR or ~/.kube/cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// Which rules apply to an audit: shared by every command that audits.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Rules file (default: .driftctl.yaml at the Git repository root of the first PATH).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// An Argo CD Application manifest whose spec.ignoreDifferences apply (repeatable).
    #[arg(long = "argocd-app", value_name = "FILE")]
    pub argocd_apps: Vec<PathBuf>,
}

/// `--concurrency 0` would never send a request.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) | Err(_) => Err("expected a whole number of at least 1".into()),
        Ok(n) => Ok(n),
    }
}

#[derive(Debug, Args)]
pub struct BackportArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub scope: ScopeArgs,

    #[command(flatten)]
    pub live: LiveArgs,

    #[command(flatten)]
    pub rules: RulesArgs,

    /// Backport only findings matching SELECTOR (repeatable; any may match):
    /// comma-separated `category=`, `object=Kind/ns/name`, `kind=`,
    /// `namespace=`, `name=`, `path=PREFIX`, `manager=` terms, all of which must match.
    #[arg(long, value_name = "SELECTOR")]
    pub only: Vec<String>,

    /// Edit the files in the work tree instead of printing a diff.
    #[arg(long)]
    pub write: bool,

    /// Commit the edits on a new branch NAME created from HEAD (work tree and current branch untouched).
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,

    /// Write a Markdown pull-request description of the backport to FILE.
    #[arg(long, value_name = "FILE")]
    pub pr_body: Option<PathBuf>,

    /// Adopt orphans into Git: each selected orphan (all of them unless --only
    /// narrows) is written to DIR as a cleaned manifest, one file per object.
    #[arg(long, value_name = "DIR")]
    pub adopt_orphans: Option<PathBuf>,

    /// Measure ages from this time (RFC 3339) instead of now: reproducible output.
    #[arg(long, value_name = "TIME", hide = true, env = "DRIFTCTL_NOW")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Print Secrets' data and stringData values (hidden by default, key names kept).
    #[arg(long)]
    pub show_secrets: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Renderer {
    /// Native renderer, falling back to an external kustomize when needed.
    Auto,
    /// Only the native renderer.
    Native,
    /// `kustomize build` if on PATH, else `kubectl kustomize`.
    External,
}

impl From<Renderer> for crate::source::Renderer {
    fn from(r: Renderer) -> Self {
        match r {
            Renderer::Auto => Self::Auto,
            Renderer::Native => Self::Native,
            Renderer::External => Self::External,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Grouped by object, for a terminal (colored there).
    Text,
    /// The versioned report of docs/report.schema.json, for scripts.
    Json,
    /// The same content as json, as YAML.
    Yaml,
    /// For a pull request or incident ticket: a summary table, then one collapsible section per object.
    Markdown,
    /// OpenMetrics text for the node-exporter textfile collector or a Pushgateway.
    Prometheus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
