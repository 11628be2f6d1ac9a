//! `driftctl backport` end to end over the ml-platform fixture: the edits
//! land in the files that declare each value, `git apply` takes the diff,
//! the written tree audits clean but for what backport never writes, and
//! `--branch` commits without touching the work tree.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ada Ops")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Ops")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn have_git() -> bool {
    let ok = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: git is not on PATH (needed to make and inspect the test repository)");
    }
    ok
}

/// The fixture's git/ tree committed in a fresh repository.
fn fixture_repo() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_tree(&root().join("fixtures/ml-platform/git"), repo.path());
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "fixture"]);
    repo
}

fn args(repo: &Path, command: &str, extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        command.to_string(),
        repo.join("clusters/prod").display().to_string(),
        repo.join("apps/status-page").display().to_string(),
        "--live-snapshot".into(),
        root()
            .join("fixtures/ml-platform/live/drifted/live.yaml")
            .display()
            .to_string(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// Files named by `diff --git` headers.
fn files_in_diff(diff: &str) -> Vec<String> {
    diff.lines()
        .filter_map(|l| l.strip_prefix("diff --git a/"))
        .map(|l| l.split(" b/").next().unwrap().to_string())
        .collect()
}

/// Categories of the findings `driftctl diff -o json` reports.
fn remaining_categories(repo: &Path, extra: &[&str]) -> Vec<String> {
    let mut a = args(repo, "diff", &["-o", "json"]);
    a.extend(extra.iter().map(|s| s.to_string()));
    let out = driftctl(&a);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect(&out.stderr);
    let mut cats: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap().to_string())
        .collect();
    cats.sort();
    cats
}

#[test]
fn the_drift_is_written_where_each_value_is_declared() {
    if !have_git() {
        return;
    }
    let repo = fixture_repo();
    let out = driftctl(&args(repo.path(), "backport", &[]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        files_in_diff(&out.stdout),
        [
            "apps/checkout-api/base/deployment.yaml",
            "apps/checkout-api/overlays/prod/resources.yaml",
            "apps/fraud-detector/base/config.yaml",
            "apps/fraud-detector/overlays/prod/kustomization.yaml",
            "apps/status-page/status-page.yaml",
            "platform/prod/namespaces.yaml",
        ]
    );
    for line in [
        "+              memory: 2Gi", // the overlay's patch
        "+    newTag: v2.1",          // the overlay's images:
        "+            - name: DEBUG", // the base's env list
        "+  replicas: 5",             // status-page's plain file
        "+  THRESHOLD: \"0.70\"",     // the ConfigMap, quotes kept
        "+    verbs: [\"get\", \"list\", \"watch\", \"delete\"]", // the ClusterRole, flow style kept
    ] {
        assert!(
            out.stdout.lines().any(|l| l == line),
            "{line} not in\n{}",
            out.stdout
        );
    }
    assert!(
        out.stderr.contains("backported 8 of 8 selected findings"),
        "{}",
        out.stderr
    );
    // The work tree is untouched without --write; git takes the diff.
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
    let patch = repo.path().join("../backport.patch");
    std::fs::write(&patch, &out.stdout).unwrap();
    git(repo.path(), &["apply", "--check", patch.to_str().unwrap()]);
    std::fs::remove_file(&patch).unwrap();

    let written = driftctl(&args(repo.path(), "backport", &["--write"]));
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(written.stdout, "");
    // Only what backport never writes is left.
    assert_eq!(
        remaining_categories(repo.path(), &[]),
        ["controller", "missing", "orphan", "orphan", "secret"]
    );
}

#[test]
fn only_narrows_the_selection() {
    if !have_git() {
        return;
    }
    let repo = fixture_repo();
    let out = driftctl(&args(
        repo.path(),
        "backport",
        &[
            "--only",
            "category=image",
            "--only",
            "object=Deployment/web/status-page,path=spec",
        ],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        files_in_diff(&out.stdout),
        [
            "apps/fraud-detector/overlays/prod/kustomization.yaml",
            "apps/status-page/status-page.yaml"
        ]
    );
    let bad = driftctl(&args(repo.path(), "backport", &["--only", "colour=red"]));
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown key colour"), "{}", bad.stderr);
}

#[test]
fn a_secret_is_refused_and_never_written() {
    if !have_git() {
        return;
    }
    let repo = fixture_repo();
    let out = driftctl(&args(
        repo.path(),
        "backport",
        &["--only", "category=secret", "--write"],
    ));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("not backported  secret Secret ml-serving/fraud-db data.password: a Secret value is never written anywhere"),
        "{}",
        out.stderr
    );
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
    for secret in secrets_never_shown() {
        assert!(!out.stderr.contains(&secret) && !out.stdout.contains(&secret));
    }
}

#[test]
fn branch_commits_the_edits_and_leaves_the_work_tree_alone() {
    if !have_git() {
        return;
    }
    let repo = fixture_repo();
    let head = git(repo.path(), &["rev-parse", "HEAD"]);
    let body = repo.path().join("../pr-body.md");
    let out = driftctl(&args(
        repo.path(),
        "backport",
        &[
            "--branch",
            "backport/incident-42",
            "--pr-body",
            body.to_str().unwrap(),
        ],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
    assert_eq!(git(repo.path(), &["rev-parse", "HEAD"]), head);
    assert_eq!(
        git(repo.path(), &["branch", "--show-current"]).trim(),
        "main"
    );
    let message = git(
        repo.path(),
        &["log", "-1", "--format=%B", "backport/incident-42"],
    );
    assert!(message.contains("kubectl-patch"), "{message}");
    assert!(message.contains("Deployment prod/checkout-api spec.template.spec.containers[name=app].resources.limits.memory"));
    // The commit's tree renders to the live values.
    assert_eq!(
        remaining_categories(repo.path(), &["--rev", "backport/incident-42"]),
        ["controller", "missing", "orphan", "orphan", "secret"]
    );
    let pr = std::fs::read_to_string(&body).unwrap();
    std::fs::remove_file(&body).unwrap();
    assert!(pr.contains("| config | Deployment prod/checkout-api | `spec.template.spec.containers[name=app].resources.limits.memory` | `\"1Gi\"` | `\"2Gi\"` | `kubectl-patch` |"), "{pr}");
    assert!(
        pr.contains("8 backported findings gone, no new finding"),
        "{pr}"
    );
    // A second run cannot reuse the name.
    let again = driftctl(&args(
        repo.path(),
        "backport",
        &["--branch", "backport/incident-42"],
    ));
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("the branch exists already"),
        "{}",
        again.stderr
    );
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: app:v1
";

fn live_deployment(name: &str, image: &str) -> String {
    format!(
        "- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: {name}
    namespace: shop
    managedFields:
    - manager: kubectl-set
      operation: Update
      time: '2026-11-22T15:18:57Z'
      apiVersion: apps/v1
      fieldsType: FieldsV1
      fieldsV1:
        f:spec:
          f:template:
            f:spec:
              f:containers:
                k:{{\"name\":\"app\"}}:
                  f:image: {{}}
  spec:
    template:
      spec:
        containers:
        - name: app
          image: {image}
"
    )
}

#[test]
fn a_value_that_sets_two_objects_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &DEPLOYMENT.replace("NAME", "a"));
    write(dir.path(), "b.yaml", &DEPLOYMENT.replace("NAME", "b"));
    write(
        dir.path(),
        "kustomization.yaml",
        "resources: [a.yaml, b.yaml]\nimages:\n  - name: app\n    newTag: v1\n",
    );
    let live = write(
        dir.path(),
        "live.yaml",
        &format!(
            "apiVersion: v1\nkind: List\nitems:\n{}{}",
            live_deployment("a", "app:v2"),
            live_deployment("b", "app:v1")
        ),
    );
    let out = driftctl(&[
        "backport".into(),
        dir.path().display().to_string(),
        "--live-snapshot".into(),
        live.display().to_string(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("would also change Deployment shop/b spec.template.spec.containers[name=app].image: the value is used by more than this object"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn a_value_no_file_spells_out_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kustomization.yaml",
        "namespace: shop\nconfigMapGenerator:\n  - name: settings\n    literals: [MODE=fast]\ngeneratorOptions:\n  disableNameSuffixHash: true\n",
    );
    let live = write(
        dir.path(),
        "live.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: settings\n    namespace: shop\n  data:\n    MODE: slow\n",
    );
    let out = driftctl(&[
        "backport".into(),
        dir.path().display().to_string(),
        "--live-snapshot".into(),
        live.display().to_string(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("not backported  config ConfigMap shop/settings data.MODE: \"fast\" -> \"slow\": no file declares data.MODE of ConfigMap shop/settings"), "{}", out.stderr);
}

/// `fixtures/backport/<name>/git` committed in a fresh repository.
fn backport_fixture_repo(name: &str) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_tree(
        &root().join("fixtures/backport").join(name).join("git"),
        repo.path(),
    );
    git(repo.path(), &["init", "-q", "-b", "main"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "fixture"]);
    repo
}

/// `git apply --check` of a printed diff, from the repository root.
fn assert_applies(repo: &Path, diff: &str) {
    let patch = repo.join("../backport.patch");
    std::fs::write(&patch, diff).unwrap();
    git(repo, &["apply", "--check", patch.to_str().unwrap()]);
    std::fs::remove_file(&patch).unwrap();
}

/// The lines `git diff` shows removed (`-`) and added (`+`) between the
/// committed file and the work tree, line ends as they are.
fn changed_lines(repo: &Path, file: &str) -> Vec<String> {
    git(repo, &["diff", "-U0", "--no-color", "--", file])
        .split_inclusive('\n')
        .filter(|l| {
            (l.starts_with('-') && !l.starts_with("---"))
                || (l.starts_with('+') && !l.starts_with("+++"))
        })
        .map(|l| l.strip_suffix('\n').unwrap_or(l).to_string())
        .collect()
}

#[test]
fn edited_files_keep_their_style_and_change_only_the_edited_lines() {
    if !have_git() {
        return;
    }
    let styles = root().join("fixtures/backport/styles");
    let repo = backport_fixture_repo("styles");
    let args = || {
        vec![
            "backport".to_string(),
            repo.path().display().to_string(),
            "--live-snapshot".into(),
            styles.join("live.yaml").display().to_string(),
        ]
    };
    let out = driftctl(&args());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("backported 14 of 14 selected findings"),
        "{}",
        out.stderr
    );
    assert_applies(repo.path(), &out.stdout);
    let mut write = args();
    write.push("--write".into());
    let written = driftctl(&write);
    assert_eq!(written.code, 0, "{}", written.stderr);
    // Each edited file is its golden twin, byte for byte.
    for file in [
        "block.yaml",
        "comments.yaml",
        "crlf.yaml",
        "flow.yaml",
        "quoted.yaml",
    ] {
        let edited = std::fs::read(repo.path().join(file)).unwrap();
        let golden = std::fs::read(styles.join("golden").join(file)).unwrap();
        assert!(
            edited == golden,
            "{file} differs from its golden file:\n{}",
            String::from_utf8_lossy(&edited)
        );
    }
    // And the review shows only the edited lines.
    let expected: [(&str, &[&str]); 5] = [
        (
            "block.yaml",
            &[
                "-    exec app --port 8080",
                "+    exec app --port 9090",
                "-    Be careful.",
                "+    Be very careful.",
                "-    A folded",
                "-    paragraph.",
                "+    A folded paragraph, edited.",
            ],
        ),
        (
            "comments.yaml",
            &[
                "-  LOG_LEVEL: info   # raise to debug when needed",
                "-  RETRIES: \"3\"",
                "+  LOG_LEVEL: debug   # raise to debug when needed",
                "+  FEATURE_X: \"on\"",
            ],
        ),
        (
            "crlf.yaml",
            &["-  MODE: fast\r", "+  MODE: slow\r", "+  ZONE: b\r"],
        ),
        (
            "flow.yaml",
            &[
                "-  labels: {app: flow, tier: backend}",
                "-data: {A: \"1\", B: x, C: z}",
                "+  labels: {app: flow, tier: backend, team: risk}",
                "+data: {B: \"y\", C: z}", // y is a boolean to YAML 1.1 readers
                "-    verbs: [get, list]",
                "+    verbs: [get, list, watch]",
            ],
        ),
        (
            "quoted.yaml",
            &[
                "-  THRESHOLD: \"0.85\"",
                "-  GREETING: 'all is well'",
                "+  THRESHOLD: \"0.70\"",
                "+  GREETING: 'don''t panic'",
            ],
        ),
    ];
    for (file, lines) in expected {
        assert_eq!(changed_lines(repo.path(), file), lines, "{file}");
    }
    // The written tree audits clean against the same live state.
    let mut diff = args();
    diff[0] = "diff".into();
    let after = driftctl(&diff);
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
}

/// (object, path) of each finding `driftctl diff -o json` reports.
fn remaining_findings(args: &[String]) -> Vec<String> {
    let out = driftctl(args);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect(&out.stderr);
    let mut found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}/{} {}",
                f["object"]["kind"].as_str().unwrap(),
                f["object"]["name"].as_str().unwrap(),
                f["path"].as_str().unwrap_or("")
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_flux_variable_is_edited_where_it_is_declared() {
    if !have_git() {
        return;
    }
    let repo = backport_fixture_repo("flux");
    let live = root().join("fixtures/backport/flux/live.yaml");
    let args = |command: &str, extra: &[&str]| {
        let mut a = vec![
            command.to_string(),
            repo.path().join("clusters/prod").display().to_string(),
            "--live-snapshot".into(),
            live.display().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let out = driftctl(&args("backport", &[]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        files_in_diff(&out.stdout),
        [
            "apps/prod/web.yaml",              // the manifest's own default
            "clusters/prod/apps.yaml",         // postBuild.substitute
            "clusters/prod/cluster-vars.yaml", // the substituteFrom ConfigMap
        ]
    );
    for line in [
        "+              value: ${log_level:=debug}",
        "+      replicas: \"3\"",
        "+      tier: premium", // both fields it sets need it
        "+  cache_size: 512Mi # the worker's in-memory cache",
    ] {
        assert!(
            out.stdout.lines().any(|l| l == line),
            "{line} not in\n{}",
            out.stdout
        );
    }
    assert_applies(repo.path(), &out.stdout);
    for reason in [
        "backported 5 of 8 selected findings",
        "env[name=API_TOKEN].value: \"(hidden: value from Secret flux-system/cluster-secrets key api_token)\" -> \"(hidden: value from the cluster, in a field Git fills from Secret flux-system/cluster-secrets key api_token)\": a value substituted from a Secret is never written anywhere",
        "env[name=REGION].value: \"eu-west-1\" -> \"eu-west-2\": the variable region also sets Deployment shop/worker spec.template.spec.containers[name=worker].env[name=REGION].value: editing it would change them too",
        "not backported  config Ingress shop/web spec.tls[0].hosts: [\"web.shop.example.com\"] -> [\"web.shop.example.com\",\"www.shop.example.com\"]: spec.tls[0].hosts holds a value Flux substitutes (`web.${domain}` at spec.tls[0].hosts[0])",
    ] {
        assert!(
            out.stderr.contains(reason),
            "{reason} not in\n{}",
            out.stderr
        );
    }
    // The pull-request description tells the Flux objects' own changes
    // from new drift.
    let body = tempfile::NamedTempFile::new().unwrap();
    let described = driftctl(&args(
        "backport",
        &["--pr-body", body.path().to_str().unwrap()],
    ));
    assert_eq!(described.code, 1, "{}", described.stderr);
    let pr = std::fs::read_to_string(body.path()).unwrap();
    assert!(pr.contains("5 backported findings gone, no new finding but the 3 values this edits on purpose in the GitOps tool's own objects"), "{pr}");
    assert!(pr.contains("- config Kustomization flux-system/apps spec.postBuild.substitute.replicas (edited in Git by this change)\n"), "{pr}");
    // A Secret orphan is never adopted.
    std::fs::create_dir(repo.path().join("clusters/prod/adopted")).unwrap();
    let adopted = driftctl(&args(
        "backport",
        &[
            "--adopt-orphans",
            repo.path().join("clusters/prod/adopted").to_str().unwrap(),
        ],
    ));
    assert_eq!(adopted.code, 1, "{}", adopted.stderr);
    assert!(
        adopted.stderr.contains("not backported  orphan Secret shop/debug-credentials (the whole object): a Secret is never adopted into Git: its data would be written there"),
        "{}",
        adopted.stderr
    );
    for out in [&out, &adopted] {
        for secret in [
            "fixture-token-7f3a9c",
            "Zml4dHVyZS10b2tlbi03ZjNhOWM=",
            "fixture-orphan-secret-4d2e",
            "Zml4dHVyZS1vcnBoYW4tc2VjcmV0LTRkMmU=",
        ] {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "{secret}"
            );
        }
    }
    let written = driftctl(&args("backport", &["--write"]));
    assert_eq!(written.code, 1, "{}", written.stderr);
    // Left: the refused, the Secret orphan, and the Flux objects whose values Git now
    // changes on purpose (Flux applies them on its next reconcile).
    assert_eq!(
        remaining_findings(&args("diff", &["-o", "json"])),
        [
            "ConfigMap/cluster-vars data.cache_size",
            "Deployment/web spec.template.spec.containers[name=app].env[name=API_TOKEN].value",
            "Deployment/web spec.template.spec.containers[name=app].env[name=REGION].value",
            "Ingress/web spec.tls[0].hosts",
            "Kustomization/apps spec.postBuild.substitute.replicas",
            "Kustomization/apps spec.postBuild.substitute.tier",
            "Secret/debug-credentials ",
        ]
    );
}

#[test]
fn adopted_orphans_become_cleaned_manifests_in_dir() {
    if !have_git() {
        return;
    }
    let repo = fixture_repo();
    std::fs::create_dir(repo.path().join("apps/status-page/adopted")).unwrap();
    let dir = repo.path().join("apps/status-page/adopted");
    let adopt = ["--adopt-orphans", dir.to_str().unwrap()];
    let out = driftctl(&args(repo.path(), "backport", &adopt));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("backported 10 of 10 selected findings"),
        "{}",
        out.stderr
    );
    assert_applies(repo.path(), &out.stdout);
    // --branch commits the new files too.
    let branch = driftctl(&args(
        repo.path(),
        "backport",
        &[adopt[0], adopt[1], "--branch", "adopt"],
    ));
    assert_eq!(branch.code, 0, "{}", branch.stderr);
    let tree = git(repo.path(), &["ls-tree", "-r", "--name-only", "adopt"]);
    assert!(
        tree.lines()
            .any(|l| l == "apps/status-page/adopted/configmap-ml-serving-debug-flags.yaml"),
        "{tree}"
    );
    let written = driftctl(&args(
        repo.path(),
        "backport",
        &[adopt[0], adopt[1], "--write"],
    ));
    assert_eq!(written.code, 0, "{}", written.stderr);
    // One file per object, named by kind, namespace and name, cleaned of
    // what the cluster writes and of the API server's defaults.
    let service =
        std::fs::read_to_string(dir.join("service-prod-checkout-api-legacy.yaml")).unwrap();
    assert!(
        service.starts_with("apiVersion: v1\nkind: Service\nmetadata:\n"),
        "{service}"
    );
    assert!(service.contains("targetPort: 8080"), "{service}");
    for runtime in [
        "status",
        "managedFields",
        "uid:",
        "resourceVersion",
        "creationTimestamp",
        "last-applied-configuration",
        "clusterIP",
        "sessionAffinity",
        "protocol: TCP",
        "kustomize.toolkit.fluxcd.io",
    ] {
        assert!(!service.contains(runtime), "{runtime} in\n{service}");
    }
    let config_map =
        std::fs::read_to_string(dir.join("configmap-ml-serving-debug-flags.yaml")).unwrap();
    assert!(config_map.contains("VERBOSE: \"1\""), "{config_map}");
    // The orphans are gone from the audit.
    assert_eq!(
        remaining_categories(repo.path(), &[]),
        ["controller", "missing", "secret"]
    );
}

#[test]
fn an_orphan_adopted_where_no_path_reads_is_refused() {
    if !have_git() {
        return;
    }
    let repo = fixture_repo();
    let dir = repo.path().join("adopted");
    std::fs::create_dir(&dir).unwrap();
    let out = driftctl(&args(
        repo.path(),
        "backport",
        &[
            "--adopt-orphans",
            dir.to_str().unwrap(),
            "--only",
            "category=orphan,kind=ConfigMap",
        ],
    ));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("not backported  orphan ConfigMap ml-serving/debug-flags (the whole object): the re-audit still reports the orphan: no PATH reads"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
    let missing = driftctl(&args(
        repo.path(),
        "backport",
        &["--adopt-orphans", "no/such/dir"],
    ));
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("--adopt-orphans no/such/dir: no such directory"),
        "{}",
        missing.stderr
    );
}

#[test]
fn an_edit_the_proof_rejects_is_dropped_and_the_others_go_through() {
    if !have_git() {
        return;
    }
    let repo = backport_fixture_repo("fallback");
    let out = driftctl(&[
        "backport".into(),
        repo.path().join("prod").display().to_string(),
        "--live-snapshot".into(),
        root()
            .join("fixtures/backport/fallback/live.yaml")
            .display()
            .to_string(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("backported 1 of 2 selected findings"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.lines().any(|l| l
            .starts_with("  backported  config Deployment shop/api spec.replicas: 2 -> 4 at ")
            && l.ends_with(
                "base/deployment.yaml:6 (changed by kubectl-patch at 2026-11-22T15:18:57Z)"
            )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("not backported  config Deployment shop/api spec.template.spec.containers[name=api].resources.limits.memory: \"1Gi\" -> \"2Gi\": the re-audit after editing "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("still reports this difference: something applied after that line sets the value again (a JSON 6902 patch"),
        "{}",
        out.stderr
    );
    // Only the proven edit is in the diff.
    assert_eq!(files_in_diff(&out.stdout), ["base/deployment.yaml"]);
    assert!(out.stdout.contains("+  replicas: 4\n"), "{}", out.stdout);
    assert!(!out.stdout.contains("memory"), "{}", out.stdout);
    assert_applies(repo.path(), &out.stdout);
}

/// `git apply --check` of `diff` run in `dir` (a plain directory or a repository).
fn assert_applies_in(dir: &Path, diff: &str) {
    let patch = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(patch.path(), diff).unwrap();
    let out = Command::new("git")
        .current_dir(dir)
        .args(["apply", "--check", patch.path().to_str().unwrap()])
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git apply in {}: {}\n{diff}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn outside_git_the_diff_names_paths_git_apply_takes() {
    if !have_git() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join("fixtures/backport/fallback/git"), dir.path());
    let live = root().join("fixtures/backport/fallback/live.yaml");
    let backport = |cwd: &Path, path: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_driftctl"))
            .current_dir(cwd)
            .arg("backport")
            .arg(path)
            .arg("--live-snapshot")
            .arg(&live)
            .output()
            .expect("driftctl runs");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let base = dir.path().canonicalize().unwrap();
    // An absolute PATH, run from elsewhere: paths relative to the files'
    // directory, which the summary names.
    let (diff, stderr) = backport(&root(), &base.join("prod"));
    assert_eq!(files_in_diff(&diff), ["deployment.yaml"], "{diff}");
    assert!(!diff.contains("a//"), "{diff}");
    let note = format!(
        "the diff's paths are relative to {} (outside Git and the current directory): apply it with `git -C {} apply`",
        base.join("base").display(),
        base.join("base").display()
    );
    assert!(stderr.contains(&note), "{stderr}");
    assert_applies_in(&base.join("base"), &diff);
    // Run from the tree: paths relative to the current directory.
    let (diff, stderr) = backport(&base, &base.join("prod"));
    assert_eq!(files_in_diff(&diff), ["base/deployment.yaml"], "{diff}");
    assert!(!stderr.contains("relative to"), "{stderr}");
    assert_applies_in(&base, &diff);
}

#[test]
fn the_patch_applied_last_is_the_one_edited() {
    if !have_git() {
        return;
    }
    let repo = backport_fixture_repo("two-patches");
    let out = driftctl(&[
        "backport".into(),
        repo.path().join("prod").display().to_string(),
        "--live-snapshot".into(),
        root()
            .join("fixtures/backport/two-patches/live.yaml")
            .display()
            .to_string(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        files_in_diff(&out.stdout),
        ["base/deployment.yaml", "prod/memory-1.yaml"]
    );
    assert!(
        out.stdout.contains("+              memory: 2Gi\n"),
        "{}",
        out.stdout
    );
    assert_applies(repo.path(), &out.stdout);
}
