//! driftctl: does production still match Git?
//!
//! The pipeline: `source` and `live` produce objects, `compare` produces
//! differences, `classify` turns them into findings, `report` renders them.

pub mod audit;
pub mod backport;
pub mod children;
pub mod classify;
pub mod cli;
pub mod compare;
pub mod defaults;
#[doc(hidden)]
pub mod fuzzing;
pub mod generated;
pub mod jq;
pub mod live;
pub mod managed_fields;
pub mod model;
pub mod normalize;
pub mod parallel;
pub mod path;
pub mod report;
pub mod rules;
pub mod schema;
pub mod selector;
pub mod source;
pub mod yaml;

use anyhow::{Context, Result, bail};
use cli::{Cli, ColorChoice, Command, DiffArgs, OutputFormat, RenderArgs};
use model::Category;
use std::io::{IsTerminal, Write};

/// Exit codes of DESIGN.md.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_DRIFT: i32 = 1;
pub const EXIT_ERROR: i32 = 2;
pub const EXIT_INCOMPLETE: i32 = 3;

/// Runs a parsed command line; returns the exit code. Errors (exit 2) are
/// returned for `main` to print.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Diff(args) => diff(args),
        Command::Render(args) => render(args),
        Command::Backport(args) => backport::run(args),
        Command::Completions(args) => {
            write_stdout(&generated::completion(args.shell))?;
            Ok(EXIT_CLEAN)
        }
    }
}

pub(crate) fn source_options(
    args: &cli::SourceArgs,
    require_objects: bool,
) -> source::SourceOptions {
    source::SourceOptions {
        renderer: args.renderer.into(),
        verbose: args.verbose || args.debug,
        require_objects,
    }
}

/// `--debug`: what the pipeline did, object by object. Names objects, paths
/// and managers; never a value.
fn debug_log(desired: &[source::DesiredObject], report: &model::Report) {
    for object in desired {
        eprintln!(
            "driftctl: debug: desired {} from {}",
            object.object_ref(),
            source::describe(&object.source)
        );
    }
    for f in &report.findings {
        eprintln!(
            "driftctl: debug: finding {} {} {} {:?} manager={}",
            f.category,
            f.object,
            f.path.as_deref().unwrap_or("-"),
            f.change,
            f.attribution
                .as_ref()
                .map(|a| a.manager.as_str())
                .unwrap_or("-")
        );
    }
    for i in &report.ignored_findings {
        eprintln!(
            "driftctl: debug: ignored {} {} by {}",
            i.finding.object,
            i.finding.path.as_deref().unwrap_or("-"),
            i.rule
        );
    }
    eprintln!(
        "driftctl: debug: {} objects checked, {} findings, {} unchecked, {:?}",
        report.objects_checked,
        report.findings.len(),
        report.unchecked.len(),
        report.duration
    );
}

/// The desired objects of PATHs, from the working tree or from `--rev`
/// (whose tree is kept until the report names its files).
pub(crate) fn load_sources(
    args: &cli::SourceArgs,
    require_objects: bool,
    lookup: Option<&mut source::apps::Lookup<'_>>,
) -> Result<(source::apps::Followed, Option<source::git::RevisionTree>)> {
    let (objects, tree) = load_paths(args, require_objects)?;
    if args.apps.no_follow {
        let followed = source::apps::Followed {
            objects,
            ..Default::default()
        };
        return Ok((followed, tree));
    }
    let options = source::apps::FollowOptions {
        repo_root: match (&args.apps.repo_root, &tree) {
            (Some(root), Some(t)) => Some(t.map(root)?),
            (root, _) => root.clone(),
        },
        repo_urls: args.apps.repo_url.clone(),
        app: args.apps.app.clone(),
        verbose: args.verbose || args.debug,
    };
    let paths = match &tree {
        Some(t) => args
            .paths
            .iter()
            .map(|p| t.map(p))
            .collect::<Result<Vec<_>>>()?,
        None => args.paths.clone(),
    };
    let followed = source::apps::follow(&paths, objects, &options, lookup)?;
    Ok((followed, tree))
}

/// The objects PATHs render, from the working tree or from `--rev`.
fn load_paths(
    args: &cli::SourceArgs,
    require_objects: bool,
) -> Result<(
    Vec<source::DesiredObject>,
    Option<source::git::RevisionTree>,
)> {
    let options = source_options(args, require_objects);
    let Some(rev) = &args.rev else {
        return Ok((source::load(&args.paths, &options)?, None));
    };
    let tree = source::git::RevisionTree::checkout(rev, &args.paths[0])?;
    if args.verbose {
        eprintln!("driftctl: reading {rev} (commit {}) from Git", tree.commit);
    }
    let paths = args
        .paths
        .iter()
        .map(|p| tree.map(p))
        .collect::<Result<Vec<_>>>()?;
    let objects = source::load(&paths, &options).map_err(|e| {
        // Errors name files of the written-out tree: say them as REV:path.
        let message = format!("{e:#}");
        let root = tree.root().display().to_string();
        anyhow::anyhow!(
            "{}",
            message
                .replace(&root, &format!("{}:", &tree.commit[..7]))
                .replace(":/", ":")
        )
    })?;
    Ok((objects, Some(tree)))
}

/// Blame for every finding's Git line, and files of `--rev` named as REV:path.
fn annotate_sources(
    report: &mut model::Report,
    tree: Option<&source::git::RevisionTree>,
    blame: bool,
) -> Result<()> {
    for finding in &mut report.findings {
        let Some(location) = finding.source.as_mut() else {
            continue;
        };
        if blame && let Some(line) = location.line {
            let found = match tree {
                Some(t) => {
                    let relative = std::path::Path::new(&location.file)
                        .strip_prefix(t.root())
                        .map(|p| p.to_path_buf())
                        .unwrap_or_default();
                    source::git::blame(&t.workdir, &relative, line, Some(&t.commit))?
                }
                None => match source::git::repository_path(std::path::Path::new(&location.file)) {
                    Some((root, relative)) => source::git::blame(&root, &relative, line, None)?,
                    None => None,
                },
            };
            if let Some(b) = found {
                location.commit = Some(b.commit);
                location.author = Some(b.author);
                location.date = Some(b.date);
            }
        }
        if let Some(t) = tree {
            location.file = t.display(&location.file);
        }
    }
    if let Some(t) = tree {
        for location in report.declared.values_mut() {
            location.file = t.display(&location.file);
        }
    }
    Ok(())
}

/// Set once the report is being written: the watchdog stands down.
static REPORTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--timeout`: whatever the audit is waiting on (a server that accepts and
/// never answers, a renderer that hangs), the process ends with exit 2 and
/// says so, rather than hanging a CI job or an on-call terminal.
pub(crate) fn start_watchdog(limit: std::time::Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        if REPORTING.load(std::sync::atomic::Ordering::SeqCst) {
            return; // the audit finished; never cut a report in half
        }
        eprintln!(
            "driftctl: error: the audit did not finish within --timeout {}; no report was printed",
            humantime::format_duration(limit)
        );
        std::process::exit(EXIT_ERROR);
    });
}

fn diff(args: DiffArgs) -> Result<i32> {
    if let Some(limit) = args.live.timeout {
        start_watchdog(limit);
    }
    let fail_on: Vec<Category> = if args.fail_on.is_empty() {
        Category::ALL
            .into_iter()
            .filter(|c| c.fails_by_default())
            .collect()
    } else {
        args.fail_on
            .iter()
            .filter_map(|name| Category::parse(name))
            .collect()
    };
    let now = parse_now(args.now.as_deref())?;
    let mut live = LazyLive::new(&args.live, args.source.verbose || args.source.debug);
    let (followed, tree) = load_sources(&args.source, true, Some(&mut live.lookup()))?;
    let desired = followed.objects;
    let declared = source::declarations(&desired);
    let desired_for_debug = if args.source.debug {
        desired.clone()
    } else {
        Vec::new()
    };
    let mut live = live.connect()?;
    let mut options = audit_options(
        &args.source,
        &args.scope,
        &args.rules,
        &desired,
        now,
        args.min_age,
    )?;
    options.apps = followed.index;
    let mut report = audit::audit(desired, live.as_mut(), &options)?;
    report.unchecked.extend(followed.unchecked);
    report.failing = fail_on;
    if report.out_of_scope > 0 && !args.live.quiet {
        eprintln!(
            "driftctl: {} of the objects PATHs declare are outside {} and were not audited",
            report.out_of_scope,
            scope_flags(&args.scope)
        );
    }
    source::locate_values(&mut report.findings, &declared);
    annotate_sources(&mut report, tree.as_ref(), args.blame)?;
    if args.source.debug {
        debug_log(&desired_for_debug, &report);
    }
    let rendered = match args.output {
        OutputFormat::Json => report::json::render(&report, args.show_ignored),
        OutputFormat::Yaml => report::yaml::render(&report, args.show_ignored),
        OutputFormat::Markdown => report::markdown::render(
            &report,
            &report::markdown::MarkdownOptions {
                show_ignored: args.show_ignored,
            },
        ),
        OutputFormat::Prometheus => report::prometheus::render(&report),
        OutputFormat::Text => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => report::text::auto_color(
                    std::io::stdout().is_terminal(),
                    std::env::var_os("NO_COLOR").as_deref(),
                    std::env::var_os("TERM").as_deref(),
                ),
            };
            report::text::render(
                &report,
                &report::text::TextOptions {
                    color,
                    show_ignored: args.show_ignored,
                },
            )
        }
    };
    write_stdout(rendered.as_bytes())?;
    Ok(exit_code(report.verdict()))
}

/// The exit code of DESIGN.md for a verdict.
pub fn exit_code(verdict: model::Verdict) -> i32 {
    match verdict {
        model::Verdict::Drift => EXIT_DRIFT,
        model::Verdict::Incomplete => EXIT_INCOMPLETE,
        model::Verdict::Clean => EXIT_CLEAN,
    }
}

/// `-n prod -l app=web`, as the user gave the scope.
fn scope_flags(scope: &cli::ScopeArgs) -> String {
    let mut flags = Vec::new();
    if let Some(ns) = &scope.namespace {
        flags.push(format!("-n {ns}"));
    }
    if let Some(selector) = &scope.selector {
        flags.push(format!("-l {selector}"));
    }
    flags.join(" ")
}

/// `--now`: the time ages are measured from, when given.
pub(crate) fn parse_now(text: Option<&str>) -> Result<Option<jiff::Timestamp>> {
    text.map(|t| {
        t.parse::<jiff::Timestamp>()
            .with_context(|| format!("--now {t}: expected an RFC 3339 time"))
    })
    .transpose()
}

/// The live source of `--live-snapshot`, else the cluster of the kubeconfig.
/// The live side, connected when first needed: following apps reads
/// `substituteFrom` objects that Git does not declare, the audit the rest.
pub(crate) struct LazyLive<'a> {
    args: &'a cli::LiveArgs,
    verbose: bool,
    live: Option<Box<dyn live::LiveSource>>,
}

impl<'a> LazyLive<'a> {
    pub(crate) fn new(args: &'a cli::LiveArgs, verbose: bool) -> LazyLive<'a> {
        LazyLive {
            args,
            verbose,
            live: None,
        }
    }

    fn get(&mut self) -> Result<&mut dyn live::LiveSource> {
        if self.live.is_none() {
            self.live = Some(connect_live(self.args, self.verbose)?);
        }
        Ok(self.live.as_mut().expect("just connected").as_mut())
    }

    /// Reads a ConfigMap or Secret by name, for following apps.
    pub(crate) fn lookup(
        &mut self,
    ) -> impl FnMut(&str, &str, &str) -> Result<source::apps::Found> + '_ {
        |kind, namespace, name| self.get()?.lookup(kind, namespace, name)
    }

    pub(crate) fn connect(mut self) -> Result<Box<dyn live::LiveSource>> {
        self.get()?;
        Ok(self.live.expect("just connected"))
    }
}

pub(crate) fn connect_live(
    args: &cli::LiveArgs,
    verbose: bool,
) -> Result<Box<dyn live::LiveSource>> {
    Ok(match &args.live_snapshot {
        Some(path) => {
            let snapshot = live::snapshot::Snapshot::load(path)?;
            if !args.quiet && live::LiveSource::without_managed_fields(&snapshot) {
                eprintln!(
                    "driftctl: {}: no object has managedFields (`kubectl get` leaves them out \
                     without --show-managed-fields): who changed what, and when, is unknown; \
                     only values that differ, and added labels, annotations, data keys and \
                     list items, are reported; live objects Git does not declare are orphans \
                     only when a GitOps tracking label shows Git applied them, else unchecked",
                    path.display()
                );
            }
            Box::new(snapshot)
        }
        None => Box::new(live::cluster::Cluster::connect(
            &live::cluster::ClusterOptions {
                kubeconfig: args.kubeconfig.clone(),
                context: args.context.clone(),
                request_timeout: args.request_timeout,
                concurrency: args.concurrency,
                progress: !args.quiet && std::io::stderr().is_terminal(),
                verbose: verbose && !args.quiet,
                cache: if args.no_cache {
                    None
                } else {
                    live::cache::default_root()
                },
            },
        )?),
    })
}

/// Rules from the config file and from Argo CD Applications (in the
/// sources or given with `--argocd-app`), and who applies Git.
pub(crate) fn audit_options(
    source: &cli::SourceArgs,
    scope: &cli::ScopeArgs,
    rules_args: &cli::RulesArgs,
    desired: &[source::DesiredObject],
    now: Option<jiff::Timestamp>,
    min_age: Option<std::time::Duration>,
) -> Result<audit::AuditOptions> {
    let config = rules::Rules::discover(rules_args.config.as_deref(), &source.paths[0])?;
    let loaded = match &config {
        Some(path) => {
            if source.verbose {
                eprintln!("driftctl: rules from {}", path.display());
            }
            rules::Rules::load(path)?
        }
        None => rules::Rules::default(),
    };
    let mut policy = classify::Policy::default();
    if let Some(appliers) = loaded.gitops_managers {
        policy.appliers = appliers;
    }
    policy.appliers.extend(loaded.additional_gitops_managers);
    let mut ignore = loaded.ignore;
    for object in desired
        .iter()
        .filter(|o| rules::is_argocd_application(&o.value))
    {
        let origin = format!(
            "{} ({})",
            object.object_ref(),
            source::describe(&object.source)
        );
        ignore.extend(rules::Rules::from_argocd_application(
            &object.value,
            &origin,
        )?);
    }
    for file in &rules_args.argocd_apps {
        let text = yaml::read_text(file)?;
        let name = file.display().to_string();
        let apps: Vec<_> = yaml::parse_documents(&text, &name)?
            .into_iter()
            .filter(|d| rules::is_argocd_application(&d.value))
            .collect();
        if apps.is_empty() {
            bail!("{name}: no Argo CD Application (argoproj.io kind Application) in this file");
        }
        for doc in apps {
            let origin = format!("{name}:{}", doc.line);
            ignore.extend(rules::Rules::from_argocd_application(&doc.value, &origin)?);
        }
    }
    Ok(audit::AuditOptions {
        namespace: scope.namespace.clone(),
        all_namespaces: scope.all_namespaces,
        selector: scope.selector.clone(),
        policy,
        now,
        ignore,
        delegate: loaded.delegate,
        min_age,
        apps: Default::default(),
    })
}

fn render(args: RenderArgs) -> Result<i32> {
    let (followed, _tree) = load_sources(&args.source, false, None)?;
    let mut desired = followed.objects;
    for object in &mut desired {
        // Values Flux substituted from a Secret are never printed.
        if !object.secrets.is_empty() {
            source::hide_secret_values(&mut object.value, &object.secrets);
        }
        if !args.show_secrets {
            mask_secret_values(&mut object.value);
        }
    }
    let out = yaml::to_string_documents(desired.iter().map(|o| &o.value));
    // The process ends here: handing every object back to the allocator one
    // by one is work nobody waits for.
    std::mem::forget(desired);
    write_stdout(out.as_bytes())?;
    Ok(EXIT_CLEAN)
}

/// What `render` prints in place of each Secret value.
pub const HIDDEN_SECRET_VALUE: &str =
    "(hidden: driftctl render --show-secrets prints Secret values)";

/// A Secret's `data` and `stringData` values replaced by
/// [`HIDDEN_SECRET_VALUE`], key names kept.
fn mask_secret_values(object: &mut serde_json::Value) {
    let is_secret = object.get("kind").and_then(|k| k.as_str()) == Some("Secret")
        && object.get("apiVersion").and_then(|v| v.as_str()) == Some("v1");
    if !is_secret {
        return;
    }
    for field in ["data", "stringData"] {
        match object.get_mut(field) {
            Some(serde_json::Value::Object(map)) => {
                for value in map.values_mut() {
                    *value = HIDDEN_SECRET_VALUE.into();
                }
            }
            Some(serde_json::Value::Null) | None => {}
            Some(other) => *other = HIDDEN_SECRET_VALUE.into(),
        }
    }
}

/// Writes to stdout; a closed pipe (`driftctl diff | head`) is not an error.
pub(crate) fn write_stdout(text: &[u8]) -> Result<()> {
    REPORTING.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the report to stdout"),
    }
}

/// The whole process of a binary: parse the command line (usage and help
/// name `bin_name`), run, and return the exit code for `main` to exit with.
pub fn main(bin_name: &str) -> i32 {
    use clap::{CommandFactory, FromArgMatches};
    let mut cmd = Cli::command().bin_name(bin_name);
    let parsed = cmd
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|mut m| Cli::from_arg_matches_mut(&mut m).map_err(|e| e.format(&mut cmd)));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are successes; bad usage is exit 2.
            if !e.use_stderr() {
                let _ = e.print();
                return 0;
            }
            // One prefix for every error, clap's and driftctl's own.
            let text = e.render().to_string();
            match text.strip_prefix("error: ") {
                Some(rest) => eprint!("driftctl: error: {rest}"),
                None => eprint!("{text}"),
            }
            return EXIT_ERROR;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("driftctl: error: {e:#}");
            EXIT_ERROR
        }
    }
}
