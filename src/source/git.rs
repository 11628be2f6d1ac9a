//! Sources from a Git revision (`--rev`), read through git2 without touching
//! the working tree, and blame (`--blame`): which commit last changed the
//! line that declares a desired value.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A revision's tree written out to a temporary directory, so that every
/// renderer reads it like a checkout.
pub struct RevisionTree {
    dir: tempfile::TempDir,
    /// The repository's work tree (where the user's paths live).
    pub workdir: PathBuf,
    /// The commit the revision resolved to.
    pub commit: String,
    pub rev: String,
}

/// Most files a revision may hold: far above real GitOps repositories.
const MAX_FILES: usize = 200_000;

/// git2's errors in words: their `Display` appends libgit2's internal
/// codes (`; class=Repository (6); code=NotFound (-3)`), which tell a user nothing.
pub trait GitResult<T> {
    fn git(self) -> Result<T>;
}

impl<T> GitResult<T> for std::result::Result<T, git2::Error> {
    fn git(self) -> Result<T> {
        self.map_err(|e| anyhow::anyhow!("{}", e.message()))
    }
}

impl RevisionTree {
    /// Resolves `rev` in the repository holding `first_path` and writes its tree out.
    pub fn checkout(rev: &str, first_path: &Path) -> Result<RevisionTree> {
        let repo = git2::Repository::discover(first_path)
            .git()
            .with_context(|| {
                format!(
                    "--rev {rev}: {} is not inside a Git repository",
                    first_path.display()
                )
            })?;
        let workdir = repo
            .workdir()
            .context("--rev needs a repository with a work tree, not a bare one")?
            .canonicalize()?;
        let commit = repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| {
                anyhow::anyhow!(
                    "--rev {rev}: not a commit of {}: {}",
                    workdir.display(),
                    e.message()
                )
            })?;
        let tree = commit.tree().git()?;
        let dir = tempfile::Builder::new().prefix("driftctl-rev-").tempdir()?;
        let mut count = 0usize;
        let mut failure: Option<anyhow::Error> = None;
        let walked = tree.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
            count += 1;
            if count > MAX_FILES {
                failure = Some(anyhow::anyhow!(
                    "--rev {rev}: more than {MAX_FILES} files in the tree"
                ));
                return git2::TreeWalkResult::Abort;
            }
            let Ok(name) = entry.name() else {
                return git2::TreeWalkResult::Skip;
            };
            let path = dir.path().join(parent).join(name);
            let result = match entry.kind() {
                Some(git2::ObjectType::Tree) => std::fs::create_dir_all(&path).map_err(Into::into),
                Some(git2::ObjectType::Blob) => write_blob(&repo, entry, &path),
                _ => Ok(()), // submodules: not part of this repository's sources
            };
            match result {
                Ok(()) => git2::TreeWalkResult::Ok,
                Err(e) => {
                    failure =
                        Some(e.context(format!("--rev {rev}: cannot write {}", path.display())));
                    git2::TreeWalkResult::Abort
                }
            }
        });
        // An aborted walk is libgit2's error; the reason is ours.
        if let Some(e) = failure {
            return Err(e);
        }
        walked.git()?;
        // Marks the written-out tree as the repository, so that renderers
        // bound reading to it as they bound a checkout to its work tree.
        std::fs::create_dir_all(dir.path().join(".git"))?;
        Ok(RevisionTree {
            dir,
            workdir,
            commit: commit.id().to_string(),
            rev: rev.to_string(),
        })
    }

    /// Where a user's path lives in the written-out tree.
    pub fn map(&self, path: &Path) -> Result<PathBuf> {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()?.join(path)
        };
        let absolute = super::clean_path(&absolute);
        // The path may not exist in the working tree at all: resolve its
        // parent as far as it exists.
        let relative = strip_workdir(&absolute, &self.workdir).with_context(|| {
            format!(
                "{}: not inside the repository {}",
                path.display(),
                self.workdir.display()
            )
        })?;
        let mapped = self.dir.path().join(&relative);
        if !mapped.exists() {
            bail!(
                "{}: does not exist at revision {}",
                relative.display(),
                self.rev
            );
        }
        Ok(mapped)
    }

    /// `a1b2c3d:clusters/prod/x.yaml` for a file of the written-out tree.
    pub fn display(&self, file: &str) -> String {
        let root = self.dir.path().display().to_string();
        match file.strip_prefix(&root) {
            Some(rest) => format!("{}:{}", &self.commit[..7], rest.trim_start_matches('/')),
            None => file.to_string(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

fn strip_workdir(absolute: &Path, workdir: &Path) -> Option<PathBuf> {
    if let Ok(rest) = absolute.strip_prefix(workdir) {
        return Some(rest.to_path_buf());
    }
    // The user's spelling may go through a symlink to the work tree.
    let existing = absolute.ancestors().find(|a| a.exists())?;
    let tail = absolute.strip_prefix(existing).ok()?;
    let real = existing.canonicalize().ok()?;
    Some(real.strip_prefix(workdir).ok()?.join(tail))
}

fn write_blob(repo: &git2::Repository, entry: &git2::TreeEntry, path: &Path) -> Result<()> {
    let blob = repo.find_blob(entry.id()).git()?;
    if entry.filemode() == 0o120000 {
        let target = std::str::from_utf8(blob.content()).context("symlink target is not UTF-8")?;
        std::os::unix::fs::symlink(target, path)?;
    } else {
        std::fs::write(path, blob.content())?;
    }
    Ok(())
}

/// Who last changed a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlameLine {
    pub commit: String,
    pub author: String,
    /// RFC 3339.
    pub date: String,
}

/// Blame of `relative` (a path inside the repository at `repo_dir`) at
/// `commit` (HEAD when none). `None` when the line is not committed.
pub fn blame(
    repo_dir: &Path,
    relative: &Path,
    line: usize,
    commit: Option<&str>,
) -> Result<Option<BlameLine>> {
    let repo = git2::Repository::discover(repo_dir).git()?;
    let mut options = git2::BlameOptions::new();
    if let Some(c) = commit {
        options.newest_commit(git2::Oid::from_str(c).git()?);
    }
    let Ok(blame) = repo.blame_file(relative, Some(&mut options)) else {
        return Ok(None);
    };
    let Some(hunk) = blame.get_line(line) else {
        return Ok(None);
    };
    if hunk.final_commit_id().is_zero() {
        return Ok(None);
    }
    let (author, date) = match hunk.final_signature() {
        Some(signature) => (
            signature.name().unwrap_or("unknown").to_string(),
            jiff::Timestamp::from_second(signature.when().seconds())
                .map(|t| t.to_string())
                .unwrap_or_default(),
        ),
        None => ("unknown".to_string(), String::new()),
    };
    Ok(Some(BlameLine {
        commit: hunk.final_commit_id().to_string(),
        author,
        date,
    }))
}

/// The repository work tree holding `file` and the file's path inside it.
pub fn repository_path(file: &Path) -> Option<(PathBuf, PathBuf)> {
    // A file backport is about to create has a directory already.
    let real = crate::yaml::overlay_key(file)?;
    let repo = git2::Repository::discover(real.parent()?).ok()?;
    let root = repo.workdir()?.canonicalize().ok()?;
    let relative = real.strip_prefix(&root).ok()?.to_path_buf();
    Some((root, relative))
}
