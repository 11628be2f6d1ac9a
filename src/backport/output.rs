//! What backport hands the user: a unified diff on stdout (applicable with
//! `git apply` from the repository root), the edited work tree (`--write`),
//! a commit on a new branch (`--branch`), a pull-request description
//! (`--pr-body`), and a summary on stderr.

use super::Outcome;
use crate::cli::BackportArgs;
use crate::model::{Finding, Report};
use crate::source::git::GitResult;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

type Edited = BTreeMap<PathBuf, (String, String)>;

pub fn emit(
    args: &BackportArgs,
    outcomes: &[Outcome],
    edited: &Edited,
    remaining: &Report,
) -> Result<()> {
    if args.write {
        for (file, (_, new)) in edited {
            std::fs::write(file, new)
                .with_context(|| format!("{}: cannot write", file.display()))?;
        }
    } else if let Some(name) = &args.branch {
        if !edited.is_empty() {
            let id = commit_branch(name, edited, &commit_message(outcomes))?;
            eprintln!(
                "driftctl: committed {} on new branch {name} (work tree untouched)",
                &id[..12]
            );
        }
    } else {
        let (diff, base) = unified_diff(edited);
        crate::write_stdout(diff.as_bytes())?;
        if let Some(base) = base {
            eprintln!(
                "driftctl: the diff's paths are relative to {} (outside Git and the current directory): apply it with `git -C {} apply`",
                base.display(),
                base.display()
            );
        }
    }
    if let Some(file) = &args.pr_body {
        std::fs::write(file, pr_body(outcomes, remaining)).with_context(|| {
            format!(
                "{}: cannot write the pull-request description",
                file.display()
            )
        })?;
    }
    if !args.live.quiet {
        eprint!("{}", summary(outcomes, args.write));
    }
    Ok(())
}

/// `Deployment prod/checkout-api spec.replicas: 2 -> 5`; never a Secret value
/// (findings carry none).
fn describe(f: &Finding) -> String {
    let path = f.path.as_deref().unwrap_or("(the whole object)");
    let value =
        |v: &Option<serde_json::Value>| v.as_ref().map_or("(none)".to_string(), |v| v.to_string());
    match (&f.desired, &f.live) {
        (None, None) => format!("{} {path}", f.object),
        _ => format!(
            "{} {path}: {} -> {}",
            f.object,
            value(&f.desired),
            value(&f.live)
        ),
    }
}

fn who(f: &Finding) -> String {
    match &f.attribution {
        Some(a) => match &a.since {
            Some(since) => format!("changed by {} at {since}", a.manager),
            None => format!("changed by {}", a.manager),
        },
        None => "no field manager owns the live value".into(),
    }
}

fn summary(outcomes: &[Outcome], written: bool) -> String {
    let done = outcomes.iter().filter(|o| o.refused.is_none()).count();
    let mut out = format!(
        "driftctl: backported {done} of {} selected findings{}\n",
        outcomes.len(),
        if written { " (files written)" } else { "" }
    );
    for o in outcomes {
        match (&o.at, &o.refused) {
            (Some(at), None) => {
                let _ = writeln!(
                    out,
                    "  backported  {} {} at {at} ({})",
                    o.finding.category,
                    describe(&o.finding),
                    who(&o.finding)
                );
            }
            (_, Some(reason)) => {
                let _ = writeln!(
                    out,
                    "  not backported  {} {}: {reason}",
                    o.finding.category,
                    describe(&o.finding)
                );
            }
            _ => {}
        }
    }
    if outcomes.is_empty() {
        out.push_str("  nothing selected: no image or config finding (or none matching --only)\n");
    }
    out
}

/// The paths `git apply` takes (it refuses absolute paths and `..`): a
/// file in a Git repository relative to its root; any other relative to
/// the current directory when below it, else to the deepest directory
/// holding all such files, which is returned to be said.
fn diff_names(edited: &Edited) -> (BTreeMap<PathBuf, String>, Option<PathBuf>) {
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).ok();
    let mut names = BTreeMap::new();
    let mut outside = Vec::new();
    for file in edited.keys() {
        if let Some((_, rel)) = crate::source::git::repository_path(file) {
            names.insert(file.clone(), rel.display().to_string());
            continue;
        }
        let real = crate::yaml::overlay_key(file).unwrap_or_else(|| file.clone());
        match cwd.as_ref().and_then(|c| real.strip_prefix(c).ok()) {
            Some(rel) => {
                names.insert(file.clone(), rel.display().to_string());
            }
            None => outside.push((file.clone(), real)),
        }
    }
    let base = outside.iter().fold(None::<PathBuf>, |base, (_, real)| {
        let dir = real.parent().unwrap_or(Path::new("/")).to_path_buf();
        Some(match base {
            None => dir,
            Some(b) => b
                .ancestors()
                .find(|a| dir.starts_with(a))
                .unwrap_or(Path::new("/"))
                .to_path_buf(),
        })
    });
    for (file, real) in &outside {
        let base = base.as_deref().expect("set for every outside file");
        let rel = real.strip_prefix(base).unwrap_or(real);
        names.insert(file.clone(), rel.display().to_string());
    }
    (names, base)
}

/// The unified diff, and the directory `git apply` must run in when that
/// is neither a repository root nor the current directory.
pub fn unified_diff(edited: &Edited) -> (String, Option<PathBuf>) {
    let (names, base) = diff_names(edited);
    let mut out = String::new();
    for (file, (old, new)) in edited {
        let name = names[file].clone();
        let _ = writeln!(out, "diff --git a/{name} b/{name}");
        let created = old.is_empty() && !file.exists();
        if created {
            let _ = writeln!(out, "new file mode 100644");
        }
        let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str());
        let from = if created {
            "/dev/null".to_string()
        } else {
            format!("a/{name}")
        };
        let _ = write!(
            out,
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&from, &format!("b/{name}"))
        );
    }
    (out, base)
}

fn commit_message(outcomes: &[Outcome]) -> String {
    let done: Vec<&Outcome> = outcomes.iter().filter(|o| o.refused.is_none()).collect();
    let mut out = format!(
        "Backport live drift into Git ({})\n\n",
        crate::report::plural(done.len(), "finding")
    );
    for o in done {
        let _ = writeln!(
            out,
            "- {} {} ({})",
            o.finding.category,
            describe(&o.finding),
            who(&o.finding)
        );
    }
    out.push_str("\nProven by driftctl backport: the edited tree, rendered and audited against the\nsame live state, no longer has these findings and has no new one.\n");
    out
}

/// A commit of the edited files on a new branch from HEAD; the work tree,
/// the index and the current branch are left as they are.
fn commit_branch(name: &str, edited: &Edited, message: &str) -> Result<String> {
    let first = edited.keys().next().expect("called with edits");
    let repo = git2::Repository::discover(first.canonicalize()?)
        .git()
        .with_context(|| format!("--branch: {} is not in a Git repository", first.display()))?;
    let workdir = repo
        .workdir()
        .context("--branch: a bare repository has no files to edit")?
        .canonicalize()?;
    if repo.find_branch(name, git2::BranchType::Local).is_ok() {
        bail!("--branch {name}: the branch exists already; choose another name");
    }
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .git()
        .context("--branch: HEAD has no commit")?;
    let mut index = git2::Index::new().git()?;
    index.read_tree(&head.tree().git()?).git()?;
    for (file, (old, new)) in edited {
        let real = crate::yaml::overlay_key(file)
            .with_context(|| format!("--branch: {} cannot be resolved", file.display()))?;
        let rel = real.strip_prefix(&workdir)?.to_path_buf();
        if old.is_empty() && !file.exists() {
            index
                .add(&new_entry(
                    &rel,
                    repo.blob(new.as_bytes()).git()?,
                    new.len(),
                ))
                .git()?;
            continue;
        }
        let entry = index
            .get_path(&rel, 0)
            .with_context(|| format!("--branch: {} is not committed at HEAD", rel.display()))?;
        if repo.find_blob(entry.id).git()?.content() != old.as_bytes() {
            bail!(
                "--branch: {} has changes not committed at HEAD; commit them first, or use --write",
                rel.display()
            );
        }
        // An index of no repository takes entries, not buffers.
        let mut entry = entry;
        entry.id = repo.blob(new.as_bytes()).git()?;
        entry.file_size = new.len() as u32;
        index.add(&entry).git()?;
    }
    let tree = repo.find_tree(index.write_tree_to(&repo).git()?).git()?;
    let signature = repo
        .signature()
        .or_else(|_| git2::Signature::now("driftctl", "driftctl@localhost"))
        .git()?;
    let id = repo
        .commit(
            Some(&format!("refs/heads/{name}")),
            &signature,
            &signature,
            message,
            &tree,
            &[&head],
        )
        .git()?;
    Ok(id.to_string())
}

/// The index entry of a file the commit adds.
fn new_entry(rel: &Path, id: git2::Oid, len: usize) -> git2::IndexEntry {
    let path = rel.to_string_lossy().replace('\\', "/").into_bytes();
    git2::IndexEntry {
        ctime: git2::IndexTime::new(0, 0),
        mtime: git2::IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        file_size: len as u32,
        id,
        flags: path.len().min(0xfff) as u16,
        flags_extended: 0,
        path,
    }
}

fn pr_body(outcomes: &[Outcome], remaining: &Report) -> String {
    let done: Vec<&Outcome> = outcomes.iter().filter(|o| o.refused.is_none()).collect();
    let mut out = String::from("## Backport live drift into Git\n\n");
    let _ = writeln!(
        out,
        "These changes were made in the cluster and are kept: this writes them into Git at the line that declares each value.\n"
    );
    out.push_str("| Category | Object | Field | Git had | Live (now in Git) | Changed by | When | Edited |\n");
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for o in &done {
        let f = &o.finding;
        let value = |v: &Option<serde_json::Value>| {
            v.as_ref()
                .map_or("(none)".to_string(), |v| format!("`{v}`"))
        };
        let (manager, since) =
            f.attribution
                .as_ref()
                .map_or(("(nobody)".to_string(), "".to_string()), |a| {
                    (
                        format!("`{}`", a.manager),
                        a.since.clone().unwrap_or_default(),
                    )
                });
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {} | {} | {manager} | {since} | `{}` |",
            f.category,
            f.object,
            f.path.as_deref().unwrap_or(""),
            value(&f.desired),
            value(&f.live),
            o.at.as_deref().unwrap_or("")
        );
    }
    let refused: Vec<&Outcome> = outcomes.iter().filter(|o| o.refused.is_some()).collect();
    if !refused.is_empty() {
        out.push_str("\n### Not backported\n\n");
        for o in refused {
            let _ = writeln!(
                out,
                "- {} {}: {}",
                o.finding.category,
                describe(&o.finding),
                o.refused.as_deref().unwrap_or("")
            );
        }
    }
    out.push_str("\n### Re-audit\n\n");
    let expected: std::collections::BTreeSet<(String, String)> = done
        .iter()
        .flat_map(|o| o.expected.iter().cloned())
        .collect();
    let _ = write!(
        out,
        "`driftctl backport` rendered the edited tree and audited it against the same live state: {} gone, no new finding",
        crate::report::plural(done.len(), "backported finding"),
    );
    if !expected.is_empty() {
        let _ = write!(
            out,
            " but the {} this edits on purpose in the GitOps tool's own objects (they differ from the cluster until it applies this change)",
            crate::report::plural(expected.len(), "value")
        );
    }
    let _ = writeln!(
        out,
        ". {} remain{}:",
        crate::report::plural(remaining.findings.len(), "finding"),
        if remaining.findings.len() == 1 {
            "s"
        } else {
            ""
        },
    );
    let _ = writeln!(out);
    for f in &remaining.findings {
        let path = f.path.as_deref().unwrap_or("(the whole object)");
        let on_purpose =
            expected.contains(&(f.object.to_string(), f.path.clone().unwrap_or_default()));
        let _ = writeln!(
            out,
            "- {} {} {path}{}",
            f.category,
            f.object,
            if on_purpose {
                " (edited in Git by this change)"
            } else {
                ""
            }
        );
    }
    out
}
