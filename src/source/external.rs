//! Kustomizations rendered by an external binary: `kustomize build` when it is
//! on PATH, else `kubectl kustomize`.

use super::{DesiredObject, locate};
use crate::model::{ObjectRef, SourceLocation};
use crate::yaml;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The external renderer found on PATH: program and the arguments before the directory.
pub fn find_renderer() -> Option<(PathBuf, Vec<&'static str>)> {
    if let Some(kustomize) = on_path("kustomize") {
        return Some((kustomize, vec!["build"]));
    }
    on_path("kubectl").map(|kubectl| (kubectl, vec!["kustomize"]))
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Renders `dir` and tags each object with the file that declares it.
pub fn render(dir: &Path, verbose: bool) -> Result<Vec<DesiredObject>> {
    let Some((program, args)) = find_renderer() else {
        bail!(
            "{}: is a kustomization, but neither `kustomize` nor `kubectl` is on PATH to render it",
            dir.display()
        );
    };
    if verbose {
        eprintln!(
            "driftctl: rendering {} with `{} {} {}`",
            dir.display(),
            program.display(),
            args.join(" "),
            dir.display()
        );
    }
    let output = Command::new(&program)
        .args(&args)
        .arg(dir)
        .output()
        .with_context(|| format!("{}: cannot run {}", dir.display(), program.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "{}: kustomize render failed ({} {}): {}",
            dir.display(),
            program.display(),
            args.join(" "),
            stderr.trim()
        );
    }
    let name = format!("{} (rendered)", dir.display());
    let text = yaml::text_from_bytes(&output.stdout, &name)?;
    let index = locate::SourceIndex::build(dir);
    let kustomization = super::kustomization_file(dir).unwrap_or_else(|| dir.to_path_buf());
    let mut objects = Vec::new();
    for doc in yaml::parse_documents(&text, &name)? {
        for value in yaml::expand_lists(doc.value) {
            let Some(object) = ObjectRef::from_value(&value) else {
                continue;
            };
            let source = index.find(&object).unwrap_or_else(|| SourceLocation {
                file: super::clean_path(&kustomization).display().to_string(),
                line: None,
                ..SourceLocation::default()
            });
            let patches = index.patches_for(&object);
            objects.push(DesiredObject {
                value,
                source,
                patches,
                values: Vec::new(),
                secrets: Vec::new(),
                variables: Vec::new(),
                root: None,
            });
        }
    }
    Ok(objects)
}
