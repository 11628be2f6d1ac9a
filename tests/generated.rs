//! The committed shell completions (completions/) and man pages (docs/man/)
//! are what the current clap definitions generate: a flag added to cli.rs
//! and not regenerated fails here, with the command that fixes it.

mod common;

use common::*;
use driftctl::generated;

const REGENERATE: &str = "DRIFTCTL_REGENERATE=1 cargo test --test generated";

/// Compares a committed file with what is generated now; with
/// DRIFTCTL_REGENERATE=1 writes it instead.
fn check_current(relative: &std::path::Path, generated: &[u8]) {
    let path = root().join(relative);
    if std::env::var_os("DRIFTCTL_REGENERATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale (or missing): it differs from what cli.rs generates now.\n\
         Regenerate with `{REGENERATE}` and commit the result.",
        relative.display()
    );
}

#[test]
fn committed_completions_are_what_the_binary_prints() {
    for shell in generated::SHELLS {
        let out = driftctl(&["completions".into(), shell.to_string()]);
        assert_eq!(out.code, 0, "completions {shell}: {}", out.stderr);
        assert!(
            out.stdout.contains("driftctl") && out.stdout.contains("live-snapshot"),
            "completions {shell} do not complete driftctl's flags:\n{}",
            out.stdout
        );
        check_current(&generated::completion_path(shell), out.stdout.as_bytes());
    }
}

#[test]
fn committed_man_pages_are_current() {
    let pages = generated::man_pages();
    let names: Vec<String> = pages
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "driftctl.1",
            "driftctl-diff.1",
            "driftctl-render.1",
            "driftctl-backport.1",
            "driftctl-completions.1"
        ]
    );
    for (path, page) in &pages {
        check_current(path, page);
    }
    // No page is left behind for a subcommand that no longer exists.
    let committed: Vec<String> = std::fs::read_dir(root().join("docs/man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for name in committed {
        assert!(
            names.contains(&name),
            "docs/man/{name} is not generated any more: delete it"
        );
    }
}

#[test]
fn man_page_of_diff_documents_its_flags_and_formats() {
    let (_, page) = generated::man_pages()
        .into_iter()
        .find(|(path, _)| path.ends_with("driftctl-diff.1"))
        .unwrap();
    let roff = String::from_utf8(page).unwrap();
    for word in [
        "live\\-snapshot",
        "fail\\-on",
        "markdown",
        "prometheus",
        "yaml",
    ] {
        assert!(roff.contains(word), "driftctl-diff.1 lacks {word}");
    }
    // `man` itself renders it without a warning, where man is installed.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "driftctl-diff.1", &roff);
    if let Ok(out) = std::process::Command::new("man")
        .args(["--warnings", "-l", "-Tutf8"])
        .arg(&file)
        .env("MANWIDTH", "100")
        .output()
        && out.status.success()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Report format"), "{text}");
        assert!(
            out.stderr.is_empty(),
            "man warns: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// bash really completes with the committed script: subcommands, flags and
/// the values of --output.
#[test]
fn bash_completes_subcommands_flags_and_formats() {
    let script = root().join("completions/driftctl.bash");
    let complete = |words: &str, cword: usize| -> Vec<String> {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{words}'; \
             COMP_POINT=${{#COMP_LINE}}; \
             _driftctl driftctl \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &program])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let subcommands = complete("driftctl ''", 1);
    for word in ["diff", "render", "completions"] {
        assert!(subcommands.contains(&word.to_string()), "{subcommands:?}");
    }
    assert_eq!(complete("driftctl diff --live-sn", 2), ["--live-snapshot"]);
    let formats = complete("driftctl diff --output ''", 3);
    assert_eq!(formats, ["text", "json", "yaml", "markdown", "prometheus"]);
}
