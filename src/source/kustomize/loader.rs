//! Reading the files a kustomization names, under kustomize's load
//! restrictions: a kustomization reads files only inside its own directory,
//! reaches other directories only as kustomizations, and nothing is read
//! outside the repository (the Git work tree holding the top kustomization).
//! Outside Git there is no repository to stay in: kustomize's own
//! restrictions are the only ones, as `kubectl kustomize` applies them.

use super::kustomization::Unsupported;
use crate::source::clean_path;
use crate::yaml;
use anyhow::{Context, Result, bail};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The repository boundary and the kustomizations being built (for cycles).
pub struct Loader {
    /// Nothing is read outside it; `None` outside Git.
    repo_root: Option<PathBuf>,
    /// kustomize's default: a kustomization reads files only in or below
    /// its own directory. Flux builds with `LoadRestrictionsNone`.
    restrict_files: bool,
    building: Vec<PathBuf>,
    /// Resolved directories by the path they were reached as: a root's
    /// entries share a few directories, and resolving a path in full walks
    /// (and asks the kernel about) every component of it.
    real_dirs: RefCell<HashMap<PathBuf, PathBuf>>,
}

/// A kustomization directory: as named (for messages and sources) and resolved.
#[derive(Debug, Clone)]
pub struct Root {
    pub dir: PathBuf,
    pub real: PathBuf,
    pub file: PathBuf,
    /// The kustomization's text when it is not the file on disk (one Flux
    /// generates or edits, one `argocd` edits).
    pub text: Option<String>,
}

impl Root {
    /// `dir/kustomization.yaml` as reports name it.
    pub fn file_name(&self) -> String {
        clean_path(&self.file).display().to_string()
    }
}

/// The Git work tree holding `dir`, if any.
fn repository_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Remote bases (`github.com/...`, `https://...`, `git@...`) need Git and the network.
pub fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
        || entry.contains("?ref=")
        || entry.contains(".git//")
}

impl Loader {
    pub fn new(top: &Path) -> Result<Loader> {
        let real = top
            .canonicalize()
            .with_context(|| format!("{}: cannot resolve", top.display()))?;
        Ok(Loader {
            repo_root: repository_root(&real),
            restrict_files: true,
            building: Vec::new(),
            real_dirs: RefCell::new(HashMap::new()),
        })
    }

    /// `path` with every symlink, `.` and `..` resolved (as
    /// `Path::canonicalize`), and whether it is a directory. The directory
    /// holding it is resolved once per loader; the last component is
    /// looked at on its own.
    fn real(&self, path: &Path) -> std::io::Result<(PathBuf, bool)> {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            let real = path.canonicalize()?;
            let is_dir = real.is_dir();
            return Ok((real, is_dir));
        };
        let cached = self.real_dirs.borrow().get(parent).cloned();
        let real_parent = match cached {
            Some(real) => real,
            None => {
                let real = if parent.as_os_str().is_empty() {
                    Path::new(".").canonicalize()?
                } else {
                    parent.canonicalize()?
                };
                self.real_dirs
                    .borrow_mut()
                    .insert(parent.to_path_buf(), real.clone());
                real
            }
        };
        let candidate = real_parent.join(name);
        if crate::yaml::overlay_holds_new(&candidate) {
            return Ok((candidate, false));
        }
        let meta = std::fs::symlink_metadata(&candidate)?;
        if meta.file_type().is_symlink() {
            let real = candidate.canonicalize()?;
            let is_dir = real.is_dir();
            return Ok((real, is_dir));
        }
        Ok((candidate, meta.is_dir()))
    }

    /// The kustomization in `dir`, entered for building; errors on cycles.
    pub fn enter(&mut self, dir: &Path, referrer: Option<&Root>) -> Result<Root> {
        let what = |msg: String| match referrer {
            Some(r) => format!("{}: {msg}", r.file_name()),
            None => msg,
        };
        let (real, _) = self.real(dir).map_err(|_| {
            anyhow::anyhow!(what(format!(
                "{}: no such directory (or a dangling or looping symlink)",
                dir.display()
            )))
        })?;
        if let Some(boundary) = self.outside(&real) {
            bail!(what(format!(
                "{} leads outside the repository ({} is not under {}); driftctl reads nothing outside it",
                dir.display(),
                real.display(),
                boundary.display()
            )));
        }
        if let Some(r) = referrer
            && r.real.starts_with(&real)
        {
            bail!(what(format!(
                "{}: a kustomization cannot include itself or a directory above it (cycle)",
                dir.display()
            )));
        }
        if self.building.contains(&real) {
            bail!(what(format!(
                "{}: cycle: this kustomization is already being built",
                dir.display()
            )));
        }
        let file = crate::source::kustomization_file(dir).ok_or_else(|| {
            anyhow::anyhow!(what(format!(
                "{}: is not a file and has no kustomization.yaml",
                dir.display()
            )))
        })?;
        self.building.push(real.clone());
        Ok(Root {
            dir: dir.to_path_buf(),
            real,
            file,
            text: None,
        })
    }

    /// The repository boundary, when `real` lies outside it.
    fn outside(&self, real: &Path) -> Option<&Path> {
        self.repo_root
            .as_deref()
            .filter(|boundary| !real.starts_with(boundary))
    }

    /// A loader for a GitOps tool's build: `repo_root` is the boundary,
    /// and files outside a kustomization's directory may be read (Flux's
    /// `LoadRestrictionsNone`) while `restrict_files` is false.
    pub fn for_repository(repo_root: &Path, restrict_files: bool) -> Result<Loader> {
        let real = repo_root
            .canonicalize()
            .with_context(|| format!("{}: cannot resolve", repo_root.display()))?;
        Ok(Loader {
            repo_root: Some(real),
            restrict_files,
            building: Vec::new(),
            real_dirs: RefCell::new(HashMap::new()),
        })
    }

    /// Enters `dir` with the kustomization `text` in place of its file
    /// (which need not exist); reports name it `file`.
    pub fn enter_text(&mut self, dir: &Path, file: PathBuf, text: String) -> Result<Root> {
        let (real, is_dir) = self
            .real(dir)
            .map_err(|_| anyhow::anyhow!("{}: no such directory", dir.display()))?;
        if !is_dir {
            bail!("{}: is not a directory", dir.display());
        }
        if let Some(boundary) = self.outside(&real) {
            bail!(
                "{} leads outside the repository ({} is not under {}); driftctl reads nothing outside it",
                dir.display(),
                real.display(),
                boundary.display()
            );
        }
        self.building.push(real.clone());
        Ok(Root {
            dir: dir.to_path_buf(),
            real,
            file,
            text: Some(text),
        })
    }

    pub fn leave(&mut self) {
        self.building.pop();
    }

    /// Resolves `entry` of kustomization `root` (field `field`): a file
    /// inside the kustomization's directory, or else a directory.
    pub fn resolve(&self, root: &Root, field: &str, entry: &str) -> Result<Resolved> {
        if is_remote(entry) {
            return Err(Unsupported {
                file: root.file_name(),
                field: field.to_string(),
                why: format!("remote base {entry}"),
            }
            .into());
        }
        let path = root.dir.join(entry);
        let (real, is_dir) = match self.real(&path) {
            Ok(found) => found,
            Err(_) => bail!(
                "{}: {field}: {entry}: no such file or directory (or a dangling or looping symlink)",
                root.file_name()
            ),
        };
        if let Some(boundary) = self.outside(&real) {
            bail!(
                "{}: {field}: {entry} leads outside the repository ({} is not under {}); driftctl reads nothing outside it",
                root.file_name(),
                real.display(),
                boundary.display()
            );
        }
        if is_dir {
            return Ok(Resolved::Dir(path));
        }
        if self.restrict_files && !real.starts_with(&root.real) {
            bail!(
                "{}: {field}: {entry}: security: file {} is not in or below {} (kustomize's load restrictions)",
                root.file_name(),
                real.display(),
                root.real.display()
            );
        }
        Ok(Resolved::File(path))
    }

    /// Reads a file a kustomization names (a patch, generator source, configuration).
    pub fn read(&self, root: &Root, field: &str, entry: &str) -> Result<(PathBuf, String)> {
        match self.resolve(root, field, entry)? {
            Resolved::File(path) => {
                let text = yaml::read_text(&path)?;
                Ok((path, text))
            }
            Resolved::Dir(_) => bail!(
                "{}: {field}: {entry} is a directory, expected a file",
                root.file_name()
            ),
        }
    }

    /// Reads bytes (generator files may be binary).
    pub fn read_bytes(&self, root: &Root, field: &str, entry: &str) -> Result<Vec<u8>> {
        match self.resolve(root, field, entry)? {
            Resolved::File(path) => {
                let meta = std::fs::metadata(&path)?;
                if meta.len() > yaml::MAX_FILE_BYTES {
                    bail!(
                        "{}: file is {} bytes, larger than the {} bytes driftctl reads",
                        path.display(),
                        meta.len(),
                        yaml::MAX_FILE_BYTES
                    );
                }
                std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))
            }
            Resolved::Dir(_) => bail!(
                "{}: {field}: {entry} is a directory, expected a file",
                root.file_name()
            ),
        }
    }
}

pub enum Resolved {
    File(PathBuf),
    Dir(PathBuf),
}
