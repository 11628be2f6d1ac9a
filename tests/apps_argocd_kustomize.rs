//! Each `spec.source.kustomize` option of an Argo CD Application against
//! the kustomization `argocd` would leave behind (its `kustomize edit`
//! commands, written out by hand here): driftctl's render of the app must be
//! what `kubectl kustomize` builds from the edited kustomization (when
//! kubectl is on PATH) and what driftctl builds from it.

mod common;

use common::{driftctl, write};
use serde_json::Value;
use std::path::Path;

const BASE: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deploy.yaml\n  - svc.yaml\n";
const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.0\n        - name: side\n          image: registry.example.com:5000/tools/side:2\n";
const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n";
const COMPONENT: &str = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  from-component: \"yes\"\n";

/// (option, its `spec.source.kustomize` YAML, the kustomization after argocd's edits)
const CASES: &[(&str, &str, &str)] = &[
    ("namePrefix", "namePrefix: eu-", "namePrefix: eu-\n"),
    ("nameSuffix", "nameSuffix: -v2", "nameSuffix: -v2\n"),
    ("namespace", "namespace: shop", "namespace: shop\n"),
    (
        "images",
        "images: [\"nginx:1.27\", \"registry.example.com:5000/tools/side=mirror.example.com/side@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"]",
        "images:\n- name: nginx\n  newTag: \"1.27\"\n- name: registry.example.com:5000/tools/side\n  newName: mirror.example.com/side\n  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    ),
    (
        "commonLabels",
        "commonLabels: {team: shop}",
        "commonLabels:\n  team: shop\n",
    ),
    (
        "labelWithoutSelector",
        "commonLabels: {team: shop}\n  labelWithoutSelector: true",
        "labels:\n- pairs:\n    team: shop\n  includeSelectors: false\n",
    ),
    (
        "labelIncludeTemplates",
        "commonLabels: {team: shop}\n  labelWithoutSelector: true\n  labelIncludeTemplates: true",
        "labels:\n- pairs:\n    team: shop\n  includeSelectors: false\n  includeTemplates: true\n",
    ),
    (
        "commonAnnotations",
        "commonAnnotations: {owner: shop}",
        "commonAnnotations:\n  owner: shop\n",
    ),
    (
        "commonAnnotationsEnvsubst",
        "commonAnnotations: {app: \"${ARGOCD_APP_NAME}\"}\n  commonAnnotationsEnvsubst: true",
        "commonAnnotations:\n  app: web-app\n",
    ),
    (
        "replicas",
        "replicas: [{name: web, count: 4}]",
        "replicas:\n- name: web\n  count: 4\n",
    ),
    (
        "patches",
        "patches: [{target: {kind: Deployment, name: web}, patch: '[{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 2}]'}]",
        "patches:\n- target:\n    kind: Deployment\n    name: web\n  patch: '[{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 2}]'\n",
    ),
    (
        "components",
        "components: [../component]",
        "components:\n- ../component\n",
    ),
];

fn parse_stream(text: &str) -> Vec<Value> {
    let mut docs: Vec<Value> = driftctl::yaml::parse_documents(text, "render")
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect();
    docs.sort_by_key(|d| format!("{}/{}", d["kind"], d["metadata"]["name"]));
    docs
}

fn render(args: &[&str]) -> Vec<Value> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = driftctl(&args);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    parse_stream(&out.stdout)
        .into_iter()
        .filter(|d| d["kind"] != "Application")
        .collect()
}

fn kubectl_kustomize(dir: &Path) -> Option<Vec<Value>> {
    let out = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "kubectl kustomize {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(parse_stream(&String::from_utf8(out.stdout).unwrap()))
}

#[test]
fn each_kustomize_option_renders_as_the_kustomization_argocd_edits() {
    let mut kubectl_missing = false;
    for (option, spec, edited) in CASES {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (name, text) in [
            ("app/deploy.yaml", DEPLOY),
            ("app/svc.yaml", SVC),
            ("component/kustomization.yaml", COMPONENT),
        ] {
            write(root, name, text);
        }
        write(root, "app/kustomization.yaml", BASE);
        write(
            root,
            "argocd/app.yaml",
            &format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-app\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://git.example.com/shop.git\n    path: app\n    kustomize:\n      {}\n  destination:\n    server: https://kubernetes.default.svc\n",
                spec.replace("\n  ", "\n      ")
            ),
        );
        // The same checkout with the kustomization as `argocd` leaves it.
        let edited_dir = root.join("edited");
        for (name, text) in [
            ("app/deploy.yaml", DEPLOY),
            ("app/svc.yaml", SVC),
            ("component/kustomization.yaml", COMPONENT),
        ] {
            write(&edited_dir, name, text);
        }
        write(
            &edited_dir,
            "app/kustomization.yaml",
            &format!("{BASE}{edited}"),
        );
        // Each checkout's top (components reach outside app/, inside the repository).
        std::fs::create_dir_all(edited_dir.join(".git")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();

        let ours = render(&[
            "render",
            root.join("argocd").to_str().unwrap(),
            "--repo-root",
            root.to_str().unwrap(),
            "--repo-url",
            "https://git.example.com/shop.git",
        ]);
        let native = render(&[
            "render",
            edited_dir.join("app").to_str().unwrap(),
            "--no-follow",
        ]);
        assert_eq!(
            ours, native,
            "{option}: driftctl's render of the edited kustomization"
        );
        let plain = render(&["render", root.join("app").to_str().unwrap(), "--no-follow"]);
        assert_ne!(ours, plain, "{option}: the option changes the render");
        match kubectl_kustomize(&edited_dir.join("app")) {
            Some(theirs) => assert_eq!(
                ours, theirs,
                "{option}: kubectl kustomize of the edited kustomization"
            ),
            None => kubectl_missing = true,
        }
    }
    if kubectl_missing {
        eprintln!("skipped the comparison with `kubectl kustomize`: kubectl is not on PATH");
    }
}
