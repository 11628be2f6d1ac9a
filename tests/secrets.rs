//! Secret silence: marker strings planted in Secrets (from Git and live, in
//! data and stringData, in last-applied-configuration annotations) never
//! appear, nor their base64, in any output format, log level or error.

mod common;

use base64::Engine;
use common::*;

const FORMATS: &[&str] = &["text", "json", "yaml", "markdown", "prometheus"];

fn markers() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("fixtures/secrets/markers.txt")).unwrap();
    let plain: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(plain.len(), 9);
    let b64 = base64::engine::general_purpose::STANDARD;
    plain
        .iter()
        .flat_map(|m| {
            [
                m.clone(),
                b64.encode(m),
                b64.encode(m).trim_end_matches('=').to_string(),
            ]
        })
        .collect()
}

fn assert_silent(out: &Output, what: &str) {
    for marker in markers() {
        assert!(
            !out.stdout.contains(&marker),
            "{what}: stdout shows {marker}:\n{}",
            out.stdout
        );
        assert!(
            !out.stderr.contains(&marker),
            "{what}: stderr shows {marker}:\n{}",
            out.stderr
        );
    }
}

fn args(path: &str, snapshot: &str, extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        "diff".to_string(),
        path.into(),
        "--live-snapshot".into(),
        snapshot.into(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[test]
fn no_output_format_or_log_level_shows_a_secret() {
    for format in FORMATS {
        for level in [
            &[][..],
            &["--verbose"][..],
            &["--debug"][..],
            &["--show-ignored", "--blame"][..],
        ] {
            let mut extra = vec!["--output", format];
            extra.extend_from_slice(level);
            let out = driftctl(&args(
                "fixtures/secrets/git",
                "fixtures/secrets/live.yaml",
                &extra,
            ));
            assert_eq!(out.code, 1, "{format} {level:?}: {}", out.stderr);
            // The report does speak of the Secrets, just not of their values.
            let named = if *format == "prometheus" {
                "category=\"secret\",namespace=\"web\",kind=\"Secret\"} 3"
            } else {
                "app-creds"
            };
            assert!(out.stdout.contains(named), "{format}:\n{}", out.stdout);
            assert_silent(&out, &format!("{format} {level:?}"));
        }
    }
    // The audit did see the differences it may not show.
    let out = driftctl(&args(
        "fixtures/secrets/git",
        "fixtures/secrets/live.yaml",
        &["--output", "json"],
    ));
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["secret"], 3);
    assert_eq!(report["summary"]["missing"], 1);
    assert_eq!(report["summary"]["orphan"], 1);
}

#[test]
fn ignored_secret_findings_stay_silent() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "c.yaml",
        "ignore:\n  - kind: Secret\n    paths: [data]\n",
    );
    for format in FORMATS {
        let out = driftctl(&args(
            "fixtures/secrets/git",
            "fixtures/secrets/live.yaml",
            &[
                "--config",
                config.to_str().unwrap(),
                "--show-ignored",
                "--output",
                format,
            ],
        ));
        assert_silent(&out, &format!("ignored, {format}"));
    }
}

#[test]
fn errors_that_name_a_secret_do_not_show_its_values() {
    let git = std::fs::read_to_string(root().join("fixtures/secrets/git/secrets.yaml")).unwrap();
    let cases: Vec<(&str, String)> = vec![
        // The same Secret declared twice.
        ("duplicate", format!("{git}---\n{git}")),
        // An unterminated quote in a value line.
        (
            "unterminated",
            git.replace(
                "password: MARKER-GIT-STRINGDATA-7f3a",
                "password: \"MARKER-GIT-STRINGDATA-7f3a",
            ),
        ),
        // A tab where indentation is expected.
        (
            "tab",
            git.replace("  password: MARKER", "\tpassword: MARKER"),
        ),
        // A mapping where a scalar is expected, on the value's line.
        (
            "structure",
            git.replace(
                "  password: MARKER-GIT-STRINGDATA-7f3a",
                "  password: MARKER-GIT-STRINGDATA-7f3a: [x",
            ),
        ),
    ];
    for (what, text) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "secrets.yaml", &text);
        let out = driftctl(&args(
            dir.path().to_str().unwrap(),
            "fixtures/secrets/live.yaml",
            &["--debug"],
        ));
        assert_eq!(out.code, 2, "{what}: {}", out.stdout);
        assert_silent(&out, what);
    }
    // A snapshot whose Secret item is broken.
    let live = std::fs::read_to_string(root().join("fixtures/secrets/live.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let broken = write(
        dir.path(),
        "live.yaml",
        &live.replace("name: app-creds", "nam: app-creds"),
    );
    let out = driftctl(&args(
        "fixtures/secrets/git",
        broken.to_str().unwrap(),
        &["--debug"],
    ));
    assert_eq!(out.code, 2);
    assert_silent(&out, "broken snapshot");
}
