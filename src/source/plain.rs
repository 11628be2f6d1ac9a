//! Plain YAML directories: every `*.yaml`/`*.yml` below a directory,
//! multi-document, `List` kinds expanded. A subdirectory that is a
//! kustomization is rendered as one unit (as Flux does), so the patch files
//! inside it are never mistaken for objects.

use super::{DesiredObject, SourceOptions, kustomization_file, render_kustomization, yaml};
use crate::model::{ObjectRef, SourceLocation};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Reads a plain directory (or a single manifest file).
pub fn read(path: &Path, options: &SourceOptions) -> Result<Vec<DesiredObject>> {
    let mut objects = Vec::new();
    if path.is_file() {
        objects.extend(read_file(path, options.verbose)?);
        return Ok(objects);
    }
    walk(path, options, &mut objects, 0)?;
    Ok(objects)
}

/// Deeper than any real repository; stops symlink loops among directories.
const MAX_DEPTH: usize = 64;

fn walk(
    dir: &Path,
    options: &SourceOptions,
    out: &mut Vec<DesiredObject>,
    depth: usize,
) -> Result<()> {
    if depth > MAX_DEPTH {
        anyhow::bail!(
            "{}: directories nested more than {MAX_DEPTH} deep (a symlink loop?)",
            dir.display()
        );
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read directory", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("{}: cannot read directory", dir.display()))?;
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if entry.is_dir() {
            if kustomization_file(&entry).is_some() {
                out.extend(render_kustomization(&entry, options)?);
            } else {
                walk(&entry, options, out, depth + 1)?;
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.extend(read_file(&entry, options.verbose)?);
        }
    }
    Ok(())
}

/// Every Kubernetes object in one file; documents that are not objects
/// (no apiVersion, kind and metadata.name) are skipped.
pub fn read_file(path: &Path, verbose: bool) -> Result<Vec<DesiredObject>> {
    let text = yaml::read_text(path)?;
    let name = super::clean_path(path).display().to_string();
    let mut objects = Vec::new();
    for doc in yaml::parse_documents(&text, &name)? {
        for value in yaml::expand_lists(doc.value) {
            if ObjectRef::from_value(&value).is_none() {
                if verbose {
                    eprintln!(
                        "driftctl: {}:{}: skipped, not a Kubernetes object",
                        name, doc.line
                    );
                }
                continue;
            }
            objects.push(DesiredObject {
                value,
                source: SourceLocation {
                    file: name.clone(),
                    line: Some(doc.line),
                },
            });
        }
    }
    Ok(objects)
}
