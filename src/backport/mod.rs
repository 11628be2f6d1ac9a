//! `driftctl backport`: writes intentional drift back into Git at the line
//! that declares each value, then proves it by rendering the edited tree in
//! memory and auditing it against the same live state. Steps: audit, select,
//! plan, prove, output (diff, --write, --branch, --pr-body).

mod adopt;
pub mod edit;
mod output;
pub mod plan;
pub mod select;
pub mod tree;
mod variable;

use crate::cli::BackportArgs;
use crate::model::{Category, Finding, Report};
use anyhow::{Result, anyhow, bail};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

/// What happened to one selected finding.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub finding: Finding,
    /// `FILE:LINE` edited, when backported.
    pub at: Option<String>,
    /// Why not, when not backported.
    pub refused: Option<String>,
    /// Findings (object, path) the edit makes on purpose (a Flux
    /// Kustomization's own substitute value), until the GitOps tool applies it.
    pub expected: Vec<(String, String)>,
}

pub fn run(args: BackportArgs) -> Result<i32> {
    if args.source.rev.is_some() {
        bail!(
            "--rev: backport edits files of the work tree; run it on a checkout of that revision"
        );
    }
    if args.write && args.branch.is_some() {
        bail!("--write and --branch: choose one (--branch leaves the work tree untouched)");
    }
    if let Some(dir) = &args.adopt_orphans
        && !dir.is_dir()
    {
        bail!(
            "--adopt-orphans {}: no such directory (create it inside a PATH that is audited)",
            dir.display()
        );
    }
    if let Some(limit) = args.live.timeout {
        crate::start_watchdog(limit);
    }
    let only = args
        .only
        .iter()
        .map(|s| select::Selector::parse(s))
        .collect::<Result<Vec<_>, String>>()
        .map_err(|e| anyhow!(e))?;
    let now = crate::parse_now(args.now.as_deref())?;
    let verbose = args.source.verbose || args.source.debug;
    let mut live = crate::connect_live(&args.live, verbose)?;
    let adopting = args.adopt_orphans.is_some();
    let (report, declared, orphans) = crate::yaml::with_overlay(HashMap::new(), || {
        let (report, declared) = audit_tree(&args, live.as_mut(), now)?;
        let orphans = if adopting {
            adopt::fetch(live.as_mut(), &report.findings)?
        } else {
            HashMap::new()
        };
        anyhow::Ok((report, declared, orphans))
    })?;
    let mut audit =
        |overlay: HashMap<PathBuf, String>| -> Result<(Report, crate::source::Declarations)> {
            crate::yaml::with_overlay(overlay, || audit_tree(&args, live.as_mut(), now))
        };
    if !report.complete() {
        bail!(
            "the audit is incomplete ({} objects unchecked); backport needs every object checked to prove its edits",
            report.unchecked.len()
        );
    }
    let mut files = plan::Files::default();
    let mut outcomes = Vec::new();
    let mut plans = Vec::new();
    for finding in select::selected(&report.findings, &only, adopting) {
        let planned = refusal(&finding, adopting)
            .map_or(Ok(()), Err)
            .and_then(|_| match (&args.adopt_orphans, finding.category) {
                (Some(dir), Category::Orphan) => adopt::plan(
                    &finding,
                    orphans.get(&finding.object.identity()),
                    dir,
                    &mut files,
                ),
                _ => plan::plan(&finding, &declared, &report.findings, &mut files),
            });
        match planned {
            Ok(p) => plans.push((finding, p)),
            Err(reason) => outcomes.push(refused(finding, reason)),
        }
    }
    let accepted = prove(
        &report.findings,
        plans,
        &mut files,
        &mut audit,
        &mut outcomes,
    )?;
    let edited = edited_texts(&accepted, &mut files).map_err(|e| anyhow!(e))?;
    for (finding, p) in &accepted {
        outcomes.push(Outcome {
            finding: finding.clone(),
            at: Some(p.at.clone()),
            refused: None,
            expected: p.expected.clone(),
        });
    }
    outcomes.sort_by(|a, b| {
        (&a.finding.object, &a.finding.path).cmp(&(&b.finding.object, &b.finding.path))
    });
    let remaining = audit(overlay_of(&edited))?.0;
    output::emit(&args, &outcomes, &edited, &remaining)?;
    Ok(if outcomes.iter().all(|o| o.refused.is_none()) {
        crate::EXIT_CLEAN
    } else {
        crate::EXIT_DRIFT
    })
}

/// Why a finding is never backported, whatever its source.
fn refusal(finding: &Finding, adopting: bool) -> Option<String> {
    if let Some(owner) = &finding.owner {
        return Some(format!(
            "generated from {owner}: Git declares the owner, and its controller rewrites this object"
        ));
    }
    let hidden = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .is_some_and(|v| v.to_string().contains(crate::model::HIDDEN_MARKER))
    };
    if hidden(&finding.desired) || hidden(&finding.live) {
        return Some("a value substituted from a Secret is never written anywhere".into());
    }
    Some(match finding.category {
        Category::Secret => "a Secret value is never written anywhere".into(),
        Category::Missing => "a missing object is a revert (apply Git), not a backport".into(),
        Category::Orphan if adopting => return None,
        Category::Orphan => {
            "an orphan is not in Git; --adopt-orphans DIR writes it there as a new manifest".into()
        }
        Category::Controller => "a controller owns this value (it is not drift to keep)".into(),
        Category::Image | Category::Config => return None,
    })
}

fn refused(finding: Finding, reason: String) -> Outcome {
    Outcome {
        finding,
        at: None,
        refused: Some(reason),
        expected: Vec::new(),
    }
}

/// One audit of PATHs (as the overlay, if any, has them) against `live`.
fn audit_tree(
    args: &BackportArgs,
    live: &mut dyn crate::live::LiveSource,
    now: Option<jiff::Timestamp>,
) -> Result<(Report, crate::source::Declarations)> {
    let (followed, _) = {
        let mut lookup =
            |kind: &str, namespace: &str, name: &str| live.lookup(kind, namespace, name);
        crate::load_sources(&args.source, true, Some(&mut lookup))?
    };
    let desired = followed.objects;
    let declared = crate::source::declarations(&desired);
    let mut options =
        crate::audit_options(&args.source, &args.scope, &args.rules, &desired, now, None)?;
    options.apps = followed.index;
    let mut report = crate::audit::audit(desired, live, &options)?;
    report.unchecked.extend(followed.unchecked);
    crate::source::locate_values(&mut report.findings, &declared);
    Ok((report, declared))
}

type Plans = Vec<(Finding, plan::Planned)>;

/// Keeps the plans whose edits, rendered and audited, make their finding go
/// away and bring no new one; the others are refused with the reason.
fn prove(
    baseline: &[Finding],
    plans: Plans,
    files: &mut plan::Files,
    audit: &mut dyn FnMut(
        HashMap<PathBuf, String>,
    ) -> Result<(Report, crate::source::Declarations)>,
    outcomes: &mut Vec<Outcome>,
) -> Result<Plans> {
    // Edits that touch the same bytes as an earlier one cannot both go in.
    let mut candidates: Plans = Vec::new();
    for p in plans {
        let mut trial = candidates.clone();
        trial.push(p.clone());
        match edited_texts(&trial, files) {
            Ok(_) => candidates = trial,
            Err(e) => outcomes.push(refused(p.0, format!("{e} at {}", p.1.at))),
        }
    }
    if candidates.is_empty() {
        return Ok(candidates);
    }
    let before: HashSet<String> = baseline.iter().map(signature).collect();
    let mut check = |set: &Plans, files: &mut plan::Files| -> Result<Vec<Option<String>>> {
        let texts = edited_texts(set, files).map_err(|e| anyhow!(e))?;
        let (after, _) = audit(overlay_of(&texts))?;
        let keys: HashSet<(String, String)> = set.iter().map(|(f, _)| key(f)).collect();
        let expected: HashSet<&(String, String)> =
            set.iter().flat_map(|(_, p)| &p.expected).collect();
        let new: Vec<String> = after
            .findings
            .iter()
            .filter(|f| {
                !before.contains(&signature(f))
                    && !keys.contains(&key(f))
                    && !expected.contains(&key(f))
            })
            .map(|f| {
                format!(
                    "{} {}",
                    f.object,
                    f.path.as_deref().unwrap_or("(the whole object)")
                )
            })
            .collect();
        Ok(set
            .iter()
            .map(|(f, p)| {
                if after.findings.iter().any(|a| key(a) == key(f)) {
                    Some(if f.category == Category::Orphan {
                        format!("the re-audit still reports the orphan: no PATH reads {} (give --adopt-orphans a directory inside a PATH read as plain YAML)", p.at)
                    } else {
                        format!("the re-audit after editing {} still reports this difference: something applied after that line sets the value again (a JSON 6902 patch, a replacement, a later patch driftctl did not edit)", p.at)
                    })
                } else if f.category == Category::Orphan && !new.is_empty() {
                    Some(format!(
                        "after writing {}, the re-audit reports {}",
                        p.at,
                        new.join(", ")
                    ))
                } else if !new.is_empty() {
                    Some(format!(
                        "editing {} would also change {}: the value is used by more than this object",
                        p.at,
                        new.join(", ")
                    ))
                } else {
                    None
                }
            })
            .collect())
    };
    if check(&candidates, files)?.iter().all(Option::is_none) {
        return Ok(candidates);
    }
    // Find the culprits one by one.
    let mut proven = Vec::new();
    for p in candidates {
        match check(&vec![p.clone()], files)?.remove(0) {
            None => proven.push(p),
            Some(reason) => outcomes.push(refused(p.0, reason)),
        }
    }
    if !proven.is_empty() && check(&proven, files)?.iter().any(Option::is_some) {
        for p in proven.drain(..) {
            outcomes.push(refused(
                p.0,
                format!(
                    "its edit at {} conflicts with another backported edit",
                    p.1.at
                ),
            ));
        }
    }
    Ok(proven)
}

/// Object and path: a finding's place.
fn key(f: &Finding) -> (String, String) {
    (format!("{}", f.object), f.path.clone().unwrap_or_default())
}

/// Everything a finding says (values included): a finding whose signature
/// the baseline lacks is new.
fn signature(f: &Finding) -> String {
    format!(
        "{} {} {} {:?} {:?} {:?}",
        f.object,
        f.path.as_deref().unwrap_or(""),
        f.category,
        f.change,
        f.desired,
        f.live
    )
}

/// File -> (original text, edited text), for every file the plans edit.
fn edited_texts(
    plans: &Plans,
    files: &mut plan::Files,
) -> Result<BTreeMap<PathBuf, (String, String)>, String> {
    let mut by_file: BTreeMap<PathBuf, Vec<edit::Splice>> = BTreeMap::new();
    for (_, p) in plans {
        for (file, splice) in &p.edits {
            by_file
                .entry(file.clone())
                .or_default()
                .push(splice.clone());
        }
    }
    let mut out = BTreeMap::new();
    for (file, splices) in by_file {
        let original = files
            .text(&file)
            .ok_or_else(|| format!("{}: cannot read", file.display()))?;
        let edited = edit::apply(&original, &splices)?;
        out.insert(file, (original, edited));
    }
    Ok(out)
}

fn overlay_of(edited: &BTreeMap<PathBuf, (String, String)>) -> HashMap<PathBuf, String> {
    edited
        .iter()
        .filter_map(|(f, (_, new))| Some((crate::yaml::overlay_key(f)?, new.clone())))
        .collect()
}
