//! Hostile manifests: each gets exit 2 with a message naming the file, under
//! a 512 MB address-space limit and a 10 s watchdog, and nothing outside the
//! repository is read.

mod common;

use common::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CLEAN: &str = "fixtures/ml-platform/live/clean/live.yaml";

/// Runs `driftctl diff PATH --live-snapshot CLEAN` under `ulimit -v 512 MB`,
/// killed after 10 s.
fn bounded_diff(path: &Path) -> Output {
    let script = format!(
        "ulimit -v 524288; exec '{}' diff '{}' --live-snapshot '{}'",
        env!("CARGO_BIN_EXE_driftctl"),
        path.display(),
        root().join(CLEAN).display()
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("driftctl did not finish within 10 s on {}", path.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

fn assert_refused(out: &Output, file: &Path, what: &str) {
    assert_eq!(
        out.code, 2,
        "{what}: stdout {} stderr {}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.is_empty(), "{what}: no report: {}", out.stdout);
    assert!(!out.stderr.contains("panicked"), "{what}: {}", out.stderr);
    assert!(
        out.stderr.contains(&file.display().to_string()),
        "{what}: names {}: {}",
        file.display(),
        out.stderr
    );
}

const HEADER: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: web\n";

#[test]
fn billion_laughs() {
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        format!("{HEADER}data:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut prev = 'a';
    for name in "bcdefghi".chars() {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        text.push_str(&format!("  {name}: &{name} [{refs}]\n"));
        prev = name;
    }
    let file = write(dir.path(), "bomb.yaml", &text);
    assert_refused(&bounded_diff(dir.path()), &file, "alias bomb");
}

#[test]
fn ten_thousand_levels_deep() {
    let dir = tempfile::tempdir().unwrap();
    let seq = format!(
        "{HEADER}data: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let file = write(dir.path(), "deep.yaml", &seq);
    assert_refused(&bounded_diff(dir.path()), &file, "deep sequence");
    let map: String = (0..10_000)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i + 1)))
        .collect();
    let file = write(dir.path(), "deep.yaml", &format!("{HEADER}data:\n{map}"));
    assert_refused(&bounded_diff(dir.path()), &file, "deep map");
}

#[test]
fn a_200_megabyte_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.yaml");
    let mut f = std::fs::File::create(&file).unwrap();
    f.write_all(HEADER.as_bytes()).unwrap();
    // Sparse: the size is real, the disk blocks are not written.
    f.set_len(200 * 1024 * 1024).unwrap();
    let out = bounded_diff(dir.path());
    assert_refused(&out, &file, "200 MB file");
    assert!(out.stderr.contains("larger than"), "{}", out.stderr);
}

#[test]
fn invalid_utf8_and_nul_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latin1.yaml");
    std::fs::write(
        &file,
        [HEADER.as_bytes(), b"data:\n  a: caf\xe9\n"].concat(),
    )
    .unwrap();
    let out = bounded_diff(dir.path());
    assert_refused(&out, &file, "invalid UTF-8");
    assert!(out.stderr.contains(":7: not valid UTF-8"), "{}", out.stderr);
    std::fs::remove_file(&file).unwrap();
    let file = write(
        dir.path(),
        "nul.yaml",
        &format!("{HEADER}data:\n  a: \"x\0y\"\n"),
    );
    let out = bounded_diff(dir.path());
    assert_refused(&out, &file, "NUL byte");
    assert!(out.stderr.contains("NUL"), "{}", out.stderr);
}

#[test]
fn duplicate_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "dup.yaml",
        &format!("{HEADER}data:\n  a: \"1\"\n  a: \"2\"\n"),
    );
    let out = bounded_diff(dir.path());
    assert_refused(&out, &file, "duplicate keys");
    assert!(out.stderr.contains("duplicate"), "{}", out.stderr);
}

#[test]
fn symlink_loops() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let apps = dir.path().join("apps");
    std::fs::create_dir(&apps).unwrap();
    write(&apps, "cm.yaml", HEADER);
    let looped = apps.join("again");
    std::os::unix::fs::symlink(&apps, &looped).unwrap();
    let out = bounded_diff(&apps);
    assert_refused(&out, &looped, "directory loop");
    assert!(out.stderr.contains("symlink loop"), "{}", out.stderr);
    std::fs::remove_file(&looped).unwrap();
    let self_link = apps.join("self.yaml");
    std::os::unix::fs::symlink(&self_link, &self_link).unwrap();
    assert_refused(&bounded_diff(&apps), &self_link, "file loop");
}

#[test]
fn symlinks_out_of_the_repository_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.yaml", HEADER);
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let apps = repo.path().join("apps");
    std::fs::create_dir(&apps).unwrap();
    let link = apps.join("stolen.yaml");
    std::os::unix::fs::symlink(outside.path().join("secret.yaml"), &link).unwrap();
    let out = bounded_diff(&apps);
    assert_refused(&out, &link, "file symlink out");
    assert!(
        out.stderr.contains("outside the repository"),
        "{}",
        out.stderr
    );
    std::fs::remove_file(&link).unwrap();
    let link = apps.join("etc");
    std::os::unix::fs::symlink("/etc", &link).unwrap();
    assert_refused(&bounded_diff(&apps), &link, "directory symlink out");
    // A symlink that stays inside the repository is fine.
    std::fs::remove_file(&link).unwrap();
    write(repo.path(), "shared/cm.yaml", HEADER);
    std::os::unix::fs::symlink(repo.path().join("shared"), apps.join("shared")).unwrap();
    let out = bounded_diff(&apps);
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn kustomizations_that_include_themselves_or_escape() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let selfie = repo.path().join("self");
    let file = write(&selfie, "kustomization.yaml", "resources:\n  - .\n");
    assert_refused(&bounded_diff(&selfie), &selfie, "self include");
    let _ = file;
    // A cycle through bases.
    write(
        repo.path(),
        "a/kustomization.yaml",
        "resources:\n  - ../b\n",
    );
    write(
        repo.path(),
        "b/kustomization.yaml",
        "resources:\n  - ../a\n",
    );
    let a = repo.path().join("a");
    assert_refused(&bounded_diff(&a), &a, "cycle");
    // A resource outside the repository.
    let escape = repo.path().join("escape");
    write(
        &escape,
        "kustomization.yaml",
        "resources:\n  - ../../../../../../../../etc/passwd\n",
    );
    assert_refused(&bounded_diff(&escape), &escape, "escape");
    let absolute = repo.path().join("absolute");
    write(
        &absolute,
        "kustomization.yaml",
        "resources:\n  - /etc/passwd\n",
    );
    assert_refused(&bounded_diff(&absolute), &absolute, "absolute");
}
