//! The kubectl plugin: with `kubectl-drift` on PATH, real kubectl plugin
//! discovery finds it, and `kubectl drift diff ...` gives the same report and
//! exit code as `driftctl diff ...`.

#![cfg(unix)]

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory holding kubectl, from this process's PATH.
fn kubectl_dir() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("kubectl").is_file())
        .expect("kubectl is on PATH (it ships on the development and CI machines)")
}

/// A home directory, and a PATH of a directory holding only
/// `kubectl-drift` (the installed plugin) followed by kubectl's own.
fn plugin_path() -> (tempfile::TempDir, PathBuf, std::ffi::OsString) {
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_kubectl-drift"),
        bin.join("kubectl-drift"),
    )
    .unwrap();
    let path = std::env::join_paths([bin.clone(), kubectl_dir()]).unwrap();
    (home, bin, path)
}

fn kubectl(path: &std::ffi::OsStr, home: &Path, args: &[String]) -> Output {
    let out = Command::new("kubectl")
        .current_dir(root())
        .args(args)
        .env("PATH", path)
        // Plugins run before kubectl reads any kubeconfig; keep it from
        // finding a developer's own anyway.
        .env("HOME", home)
        .env("KUBECONFIG", home.join("no-kubeconfig"))
        .env_remove("NO_COLOR")
        .output()
        .expect("kubectl runs");
    Output {
        code: out.status.code().expect("kubectl exits with a code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn kubectl_plugin_list_finds_kubectl_drift() {
    if skip_without("kubectl", "the kubectl plugin test") {
        return;
    }
    let (dir, bin, path) = plugin_path();
    let out = kubectl(&path, dir.path(), &["plugin".into(), "list".into()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .lines()
            .any(|l| l.trim() == bin.join("kubectl-drift").display().to_string()),
        "kubectl plugin list does not list kubectl-drift:\n{}{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn kubectl_drift_diff_behaves_like_driftctl_diff() {
    if skip_without("kubectl", "the kubectl plugin test") {
        return;
    }
    let (dir, _, path) = plugin_path();
    let cases: Vec<Vec<String>> = vec![
        demo_args("drifted", &[]),
        demo_args("drifted", &["--output", "json"]),
        demo_args("clean", &["--output", "markdown"]),
        // Bad input: the same error and exit 2.
        vec![
            "diff".into(),
            "fixtures/ml-platform/git/clusters/prod".into(),
            "--live-snapshot".into(),
            "no-such-snapshot.yaml".into(),
        ],
    ];
    for args in cases {
        let direct = driftctl(&args);
        let mut plugin_args = vec!["drift".to_string()];
        plugin_args.extend(args.iter().cloned());
        let through_kubectl = kubectl(&path, dir.path(), &plugin_args);
        assert_eq!(through_kubectl.code, direct.code, "{args:?}");
        assert_eq!(through_kubectl.stdout, direct.stdout, "{args:?}");
        assert_eq!(through_kubectl.stderr, direct.stderr, "{args:?}");
    }
    // The audits above did run: drift is exit 1, a clean cluster 0, bad input 2.
    let codes: Vec<i32> = [
        demo_args("drifted", &[]),
        demo_args("clean", &[]),
        vec!["diff".into(), "no-such-dir".into()],
    ]
    .iter()
    .map(|args| {
        let mut plugin_args = vec!["drift".to_string()];
        plugin_args.extend(args.iter().cloned());
        kubectl(&path, dir.path(), &plugin_args).code
    })
    .collect();
    assert_eq!(codes, [1, 0, 2]);
}

#[test]
fn kubectl_drift_help_names_the_plugin_command() {
    if skip_without("kubectl", "the kubectl plugin test") {
        return;
    }
    let (dir, _, path) = plugin_path();
    let out = kubectl(
        &path,
        dir.path(),
        &["drift".into(), "diff".into(), "--help".into()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Usage: kubectl drift diff [OPTIONS] <PATH>..."),
        "{}",
        out.stdout
    );
}
