//! Following GitOps apps end to end: the Flux repository recorded in
//! fixtures/flux-apps, the Argo CD app-of-apps of fixtures/argocd-apps, and
//! the errors a repository's apps can cause.

mod common;

use common::{NOW, check_findings_in, driftctl, findings_problems, write};
use serde_json::Value;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn flux(case: &str, extra: &[&str]) -> common::Output {
    let snapshot = format!("fixtures/flux-apps/live/{case}/live.yaml");
    let mut a = args(&[
        "diff",
        "fixtures/flux-apps/git/clusters/production",
        "--live-snapshot",
        &snapshot,
        "--now",
        NOW,
    ]);
    a.extend(args(extra));
    driftctl(&a)
}

fn json(out: &common::Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", out.stdout, out.stderr))
}

fn app_of(finding: &Value) -> String {
    format!(
        "{}:{}/{}",
        finding["app"]["tool"].as_str().unwrap_or("-"),
        finding["app"]["namespace"].as_str().unwrap_or("-"),
        finding["app"]["name"].as_str().unwrap_or("-")
    )
}

#[test]
fn flux_apps_clean_has_no_finding() {
    let out = flux("clean", &["-o", "json"]);
    check_findings_in("flux-apps", "clean", &out.stdout, out.code);
}

#[test]
fn flux_apps_drifted_is_exactly_the_expected_findings() {
    let out = flux("drifted", &["-o", "json"]);
    check_findings_in("flux-apps", "drifted", &out.stdout, out.code);
}

#[test]
fn flux_apps_drifted_reports_every_expected_finding_naming_its_app() {
    let out = flux("drifted", &["-o", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let problems = findings_problems("flux-apps", "drifted", &out.stdout, out.code);
    let missed: Vec<_> = problems
        .iter()
        .filter(|p| !p.starts_with("UNEXPECTED"))
        .collect();
    assert!(missed.is_empty(), "{missed:#?}");
    // Nothing beyond the expected findings but what issue 15 removes.
    let other: Vec<_> = problems
        .iter()
        .filter(|p| p.starts_with("UNEXPECTED") && !p.contains("metadata.finalizers[0]"))
        .collect();
    assert!(other.is_empty(), "{other:#?}");
    let report = json(&out);
    let apps: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] != "metadata.finalizers[0]")
        .map(|f| (f["object"]["name"].as_str().unwrap().to_string(), app_of(f)))
        .collect();
    let want = [
        ("podinfo", "flux:flux-system/apps-production"),
        ("podinfo", "flux:flux-system/apps-production"),
        ("cluster-vars", "flux:flux-system/flux-system"),
        ("tenant-view", "flux:flux-system/infra-configs"),
        ("debug-shell", "flux:flux-system/apps-production"),
        ("podinfo-canary", "flux:flux-system/apps-production"),
    ];
    for (name, app) in want {
        assert!(
            apps.iter().any(|(n, a)| n == name && a == app),
            "{name} should name {app}: {apps:?}"
        );
    }
    assert!(report["summary"]["complete"] == true, "{}", out.stdout);
}

#[test]
fn flux_apps_are_rendered_with_their_variables_and_owner_labels() {
    let out = driftctl(&args(&[
        "render",
        "fixtures/flux-apps/git/clusters/production",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let docs: Vec<Value> = driftctl::yaml::parse_documents(&out.stdout, "render")
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect();
    let find = |kind: &str, name: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} rendered"))
    };
    let podinfo = find("Deployment", "podinfo");
    assert_eq!(podinfo["spec"]["replicas"], 3, "${{replicas}} is a number");
    let container = &podinfo["spec"]["template"]["spec"]["containers"][0];
    let env: Vec<(String, String)> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().into(),
                e["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (name, value) in [
        ("REGION", "eu-west-1"),
        ("CLUSTER", "production"),
        ("LOG_LEVEL", "info"),
        (
            "PODINFO_UI_MESSAGE",
            "Welcome to podinfo (production, eu-west-1)",
        ),
    ] {
        assert!(
            env.contains(&(name.into(), value.into())),
            "{name}={value} in {env:?}"
        );
    }
    assert!(
        container["command"]
            .as_array()
            .unwrap()
            .contains(&Value::from("--level=$(LOG_LEVEL)"))
    );
    assert_eq!(container["image"], "ghcr.io/stefanprodan/podinfo:6.7.1");
    let labels = &podinfo["metadata"]["labels"];
    assert_eq!(
        labels["kustomize.toolkit.fluxcd.io/name"],
        "apps-production"
    );
    assert_eq!(
        labels["kustomize.toolkit.fluxcd.io/namespace"],
        "flux-system"
    );
    assert_eq!(
        find("Ingress", "podinfo")["spec"]["rules"][0]["host"],
        "podinfo.prod.example.com"
    );
    // A path without kustomization.yaml: every manifest below it, README.md not.
    assert_eq!(
        find("RoleBinding", "team-a-view")["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"],
        "tenants"
    );
    assert_eq!(
        find("Kustomization", "apps-production")["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"],
        "flux-system"
    );
}

#[test]
fn no_follow_audits_only_what_path_renders() {
    let out = flux("drifted", &["-o", "json", "--no-follow"]);
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f.get("app").is_none()),
        "{}",
        out.stdout
    );
    assert!(
        !findings.iter().any(|f| f["object"]["kind"] == "Deployment"),
        "{}",
        out.stdout
    );
}

#[test]
fn one_flux_app_is_audited_alone() {
    let out = flux("drifted", &["-o", "json", "--app", "infra-configs"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{}", out.stdout);
    assert_eq!(findings[0]["object"]["name"], "tenant-view");
    assert_eq!(findings[0]["category"], "missing");

    let out = flux("drifted", &["--app", "nope"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--app nope: no such app")
            && out.stderr.contains("flux-system/apps-production"),
        "{}",
        out.stderr
    );
}

fn argocd(case: &str, extra: &[&str]) -> common::Output {
    let snapshot = format!("fixtures/argocd-apps/live/{case}.yaml");
    let mut a = args(&[
        "diff",
        "fixtures/argocd-apps/git/argocd",
        "--live-snapshot",
        &snapshot,
        "--now",
        NOW,
    ]);
    a.extend(args(extra));
    driftctl(&a)
}

#[test]
fn argocd_app_of_apps_drifted() {
    let out = argocd("drifted", &["-o", "json"]);
    check_findings_in("argocd-apps", "drifted", &out.stdout, out.code);
    let report = json(&out);
    let expected: Value = driftctl::yaml::from_str(
        &std::fs::read_to_string(common::root().join("fixtures/argocd-apps/expected/drifted.yaml"))
            .unwrap(),
        "drifted.yaml",
    )
    .unwrap();
    for e in expected["findings"].as_array().unwrap() {
        let f = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["object"]["name"] == e["name"] && f["category"] == e["category"])
            .unwrap();
        let want = match e["app"].as_str() {
            Some(app) => format!("argocd:argocd/{app}"),
            None => "-:-/-".into(),
        };
        assert_eq!(app_of(f), want, "{f}");
    }
    let unchecked: Vec<String> = report["unchecked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            format!(
                "{} {}",
                u["object"]["name"].as_str().unwrap(),
                u["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(unchecked.len(), 3, "{unchecked:#?}");
    for (name, why) in [
        ("monitoring", "Helm chart"),
        ("web", "spec.sources[1] is a Helm chart"),
        ("vendor", "source in another repository"),
    ] {
        assert!(
            unchecked
                .iter()
                .any(|u| u.starts_with(name) && u.contains(why)),
            "{name}: {why} in {unchecked:#?}"
        );
    }
}

#[test]
fn argocd_app_of_apps_clean_is_incomplete_with_no_finding() {
    let out = argocd("clean", &["-o", "json"]);
    check_findings_in("argocd-apps", "clean", &out.stdout, out.code);
}

#[test]
fn argocd_text_report_names_each_objects_app() {
    let out = argocd("drifted", &["--color", "never"]);
    let text = &out.stdout;
    for (object, app) in [
        (
            "Deployment guestbook/prod-guestbook-ui",
            "Argo CD Application argocd/guestbook",
        ),
        (
            "ConfigMap settings/app-config",
            "Argo CD Application argocd/settings",
        ),
    ] {
        let header = text
            .lines()
            .find(|l| l.starts_with(&format!("{object}  (")))
            .expect(text);
        assert!(header.ends_with(&format!("; {app})")), "{header}");
    }
}

/// A repository laid out in a temporary directory, with one Flux
/// Kustomization per `(file, text)` and the GitRepository of the checkout.
fn flux_repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "clusters/prod/flux-system/gotk-sync.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  url: https://git.example.com/fleet.git\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  path: ./clusters/prod\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

fn ks(name: &str, path: &str, extra: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  path: {path}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n{extra}"
    )
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\ndata:\n  region: ${region}\n";

fn render_repo(dir: &tempfile::TempDir, extra: &[&str]) -> common::Output {
    let mut a = args(&["render", dir.path().join("clusters/prod").to_str().unwrap()]);
    a.extend(args(extra));
    driftctl(&a)
}

#[test]
fn unresolved_variable_names_the_app_the_file_and_the_variable() {
    let dir = flux_repo(&[
        (
            "clusters/prod/apps.yaml",
            &ks(
                "apps",
                "./apps",
                "  postBuild:\n    substitute:\n      other: x\n",
            ),
        ),
        ("apps/settings.yaml", CM),
    ]);
    let out = render_repo(&dir, &[]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    for part in [
        "Flux Kustomization flux-system/apps",
        "apps/settings.yaml:1",
        "${region}",
        "ConfigMap apps/settings",
    ] {
        assert!(out.stderr.contains(part), "{part} in {}", out.stderr);
    }
}

#[test]
fn substitution_can_be_disabled_per_object_and_is_skipped_without_post_build() {
    let disabled = CM.replace(
        "  namespace: apps\n",
        "  namespace: apps\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
    );
    let dir = flux_repo(&[
        (
            "clusters/prod/apps.yaml",
            &ks(
                "apps",
                "./apps",
                "  postBuild:\n    substitute:\n      region: eu\n",
            ),
        ),
        ("apps/settings.yaml", &disabled),
        ("clusters/prod/plain.yaml", &ks("plain", "./plain", "")),
        (
            "plain/settings.yaml",
            &CM.replace("name: settings", "name: raw"),
        ),
    ]);
    let out = render_repo(&dir, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.matches("region: ${region}").count(),
        2,
        "{}",
        out.stdout
    );
}

#[test]
fn inline_substitute_wins_and_later_substitute_from_wins() {
    let vars = |name: &str, region: &str, zone: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: flux-system\ndata:\n  region: {region}\n  zone: {zone}\n  env: from-{name}\n"
        )
    };
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\ndata:\n  region: ${region}\n  zone: ${zone}\n  env: ${env}\n  tier: ${tier:=gold}\n  escaped: $${region}\n";
    let post = "  postBuild:\n    substitute:\n      env: inline\n    substituteFrom:\n      - kind: ConfigMap\n        name: first\n      - kind: ConfigMap\n        name: second\n      - kind: Secret\n        name: absent\n        optional: true\n";
    let dir = flux_repo(&[
        ("clusters/prod/apps.yaml", &ks("apps", "./apps", post)),
        ("clusters/prod/first.yaml", &vars("first", "eu-1", "a")),
        ("clusters/prod/second.yaml", &vars("second", "eu-2", "b")),
        ("apps/settings.yaml", cm),
    ]);
    let out = render_repo(&dir, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out
        .stdout
        .split("---\n")
        .find(|d| d.contains("name: settings"))
        .unwrap();
    for line in [
        "region: eu-2",
        "zone: b",
        "env: inline",
        "tier: gold",
        "escaped: ${region}",
    ] {
        assert!(doc.contains(line), "{line} in {doc}");
    }
}

#[test]
fn flux_fields_are_merged_into_the_kustomization() {
    let k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deploy.yaml]\n";
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.0\n";
    let extra = "  targetNamespace: shop\n  namePrefix: eu-\n  nameSuffix: -v2\n  images:\n    - name: nginx\n      newTag: \"1.27\"\n  commonMetadata:\n    labels:\n      team: shop\n";
    let dir = flux_repo(&[
        ("clusters/prod/apps.yaml", &ks("apps", "./apps", extra)),
        ("apps/kustomization.yaml", k),
        ("apps/deploy.yaml", deploy),
    ]);
    let out = render_repo(&dir, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = out
        .stdout
        .split("---\n")
        .find(|d| d.contains("kind: Deployment"))
        .unwrap();
    for line in [
        "name: eu-web-v2",
        "namespace: shop",
        "image: nginx:1.27",
        "team: shop",
    ] {
        assert!(doc.contains(line), "{line} in {doc}");
    }
}

#[test]
fn an_app_declared_twice_is_an_error_naming_both_files() {
    let dir = flux_repo(&[
        ("clusters/prod/a.yaml", &ks("apps", "./apps", "")),
        ("clusters/prod/b.yaml", &ks("apps", "./other", "")),
        ("apps/cm.yaml", &CM.replace("${region}", "x")),
    ]);
    let out = render_repo(&dir, &[]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("is declared twice")
            && out.stderr.contains("clusters/prod/a.yaml:1")
            && out.stderr.contains("clusters/prod/b.yaml:1"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_path_outside_the_repository_is_an_error_naming_the_app_and_the_root() {
    let dir = flux_repo(&[("clusters/prod/a.yaml", &ks("escape", "../../", ""))]);
    let out = render_repo(&dir, &["--repo-root", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("Flux Kustomization flux-system/escape")
            && out.stderr.contains("clusters/prod/a.yaml:1")
            && out.stderr.contains("leads outside the repository"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_cycle_between_apps_is_an_error_naming_both() {
    // a applies ./one, whose b applies clusters/prod again, which declares a.
    let dir = flux_repo(&[
        ("clusters/prod/a.yaml", &ks("a", "./one", "")),
        ("one/b.yaml", &ks("b", "./clusters/prod", "")),
    ]);
    let out = render_repo(&dir, &[]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("cycle: Flux Kustomization flux-system/")
            && out.stderr.contains("by Flux Kustomization flux-system/b"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_same_app_in_two_files_is_an_error_naming_both() {
    let dir = flux_repo(&[
        ("clusters/prod/a.yaml", &ks("a", "./one", "")),
        ("one/b.yaml", &ks("b", "./two", "")),
        ("two/a.yaml", &ks("a", "./one", "")),
    ]);
    let out = render_repo(&dir, &[]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("Flux Kustomization flux-system/a is declared twice")
            && out.stderr.contains("clusters/prod/a.yaml:1")
            && out.stderr.contains("two/a.yaml:1"),
        "{}",
        out.stderr
    );
}

#[test]
fn sources_elsewhere_are_unchecked_with_the_reason() {
    let other = ks("vendor", "./deploy", "").replace("name: flux-system\n", "name: vendor-repo\n");
    let helm = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: redis\n  namespace: flux-system\nspec:\n  chart:\n    spec:\n      chart: redis\n";
    let dir = flux_repo(&[
        ("clusters/prod/vendor.yaml", &other),
        ("clusters/prod/redis.yaml", helm),
    ]);
    let snapshot = dir.path().join("live.yaml");
    std::fs::write(&snapshot, "apiVersion: v1\nkind: List\nitems: []\n").unwrap();
    let out = driftctl(&args(&[
        "diff",
        dir.path().join("clusters/prod").to_str().unwrap(),
        "--live-snapshot",
        snapshot.to_str().unwrap(),
        "-o",
        "json",
    ]));
    let report = json(&out);
    let reasons: Vec<String> = report["unchecked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| format!("{} {}", u["object"]["name"], u["reason"]))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("vendor") && r.contains("another repository")),
        "{reasons:#?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("redis") && r.contains("Helm")),
        "{reasons:#?}"
    );
}
