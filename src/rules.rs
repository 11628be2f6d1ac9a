//! The config file (`.driftctl.yaml`): who applies Git, which differences to
//! ignore, which are delegated to controllers; and the same expectations
//! already written for Argo CD (`ignoreDifferences`) turned into rules.

use crate::jq::JqPath;
use crate::model::{ObjectRef, Reason, group_of};
use crate::path::{FieldPath, Segment};
use anyhow::{Context, Result, bail};
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = ".driftctl.yaml";

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConfigFile {
    /// Replaces the default GitOps applier managers.
    gitops_managers: Option<Vec<String>>,
    /// Added to the GitOps applier managers.
    #[serde(default)]
    additional_gitops_managers: Vec<String>,
    #[serde(default)]
    ignore: Vec<RuleSpec>,
    #[serde(default)]
    delegate: Vec<RuleSpec>,
}

/// One rule as written: object selectors, then difference selectors.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleSpec {
    pub group: Option<String>,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub label_selector: Option<LabelSelector>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub json_pointers: Vec<String>,
    #[serde(default)]
    pub jq_path_expressions: Vec<String>,
    #[serde(default)]
    pub managers: Vec<String>,
    /// One manager (glob), the same as a one-item `managers`.
    pub manager: Option<String>,
    /// Why the rule exists; shown with `--show-ignored`. A finding reason
    /// (`applier-owned`) also selects: the rule then covers only findings
    /// of that reason.
    pub reason: Option<String>,
}

/// A Kubernetes label selector.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: Map<String, Value>,
    #[serde(default)]
    pub match_expressions: Vec<LabelExpression>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct LabelExpression {
    pub key: String,
    pub operator: String,
    #[serde(default)]
    pub values: Vec<String>,
}

impl LabelSelector {
    fn validate(&self) -> Result<(), String> {
        for e in &self.match_expressions {
            match e.operator.as_str() {
                "In" | "NotIn" if e.values.is_empty() => {
                    return Err(format!("operator {} needs values", e.operator));
                }
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => {
                    return Err(format!(
                        "unknown operator {other}: expected In, NotIn, Exists or DoesNotExist"
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn matches(&self, labels: &Map<String, Value>) -> bool {
        let label = |k: &str| labels.get(k).and_then(Value::as_str);
        self.match_labels
            .iter()
            .all(|(k, v)| label(k) == v.as_str())
            && self
                .match_expressions
                .iter()
                .all(|e| match e.operator.as_str() {
                    "In" => label(&e.key).is_some_and(|v| e.values.iter().any(|x| x == v)),
                    "NotIn" => !label(&e.key).is_some_and(|v| e.values.iter().any(|x| x == v)),
                    "Exists" => label(&e.key).is_some(),
                    _ => label(&e.key).is_none(),
                })
    }
}

/// A compiled rule and where it was written (`.driftctl.yaml ignore[2]`).
#[derive(Debug)]
pub struct Rule {
    pub origin: String,
    pub reason: Option<String>,
    /// Argo CD semantics for `group`: absent means the core group.
    group_exact: Option<String>,
    group: Option<GlobMatcher>,
    kind: Option<GlobMatcher>,
    namespace: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
    labels: Option<LabelSelector>,
    paths: Vec<FieldPath>,
    pointers: Vec<Vec<String>>,
    jq: Vec<JqPath>,
    managers: Vec<GlobMatcher>,
    /// Only findings of this reason (`reason: applier-owned`).
    finding_reason: Option<Reason>,
}

/// What a rule is matched against: one finding and its object.
pub struct Target<'a> {
    pub object: &'a ObjectRef,
    pub labels: &'a Map<String, Value>,
    pub path: Option<&'a FieldPath>,
    /// The finding's path as JSON Pointer segments, list items by index.
    pub pointer: Option<&'a [String]>,
    pub manager: Option<&'a str>,
    /// The finding's reason (`applier-owned`), if it has one.
    pub reason: Option<Reason>,
    /// The object jq expressions are evaluated on (live, else desired).
    pub document: Option<&'a Value>,
}

fn glob(field: &str, pattern: &Option<String>) -> Result<Option<GlobMatcher>, String> {
    pattern
        .as_ref()
        .map(|p| {
            Glob::new(p)
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("{field}: bad glob {p:?}: {e}"))
        })
        .transpose()
}

impl Rule {
    pub fn compile(spec: &RuleSpec, origin: String) -> Result<Rule, String> {
        Rule::compile_with(spec, origin, false)
    }

    /// `argo_group`: an absent group means the core group, as in Argo CD.
    fn compile_with(spec: &RuleSpec, origin: String, argo_group: bool) -> Result<Rule, String> {
        if let Some(selector) = &spec.label_selector {
            selector
                .validate()
                .map_err(|e| format!("labelSelector: {e}"))?;
        }
        let paths = spec
            .paths
            .iter()
            .map(|p| FieldPath::parse(p).map_err(|e| format!("paths: {p:?}: {e}")))
            .collect::<Result<_, _>>()?;
        let pointers = spec
            .json_pointers
            .iter()
            .map(|p| parse_pointer(p).map_err(|e| format!("jsonPointers: {p:?}: {e}")))
            .collect::<Result<_, _>>()?;
        let jq = spec
            .jq_path_expressions
            .iter()
            .map(|e| JqPath::compile(e).map_err(|err| format!("jqPathExpressions: {err}")))
            .collect::<Result<_, _>>()?;
        let managers = spec
            .managers
            .iter()
            .chain(&spec.manager)
            .map(|m| glob("managers", &Some(m.clone())).map(Option::unwrap))
            .collect::<Result<_, _>>()?;
        Ok(Rule {
            origin,
            reason: spec.reason.clone(),
            group_exact: argo_group.then(|| spec.group.clone().unwrap_or_default()),
            group: if argo_group {
                None
            } else {
                glob("group", &spec.group)?
            },
            kind: glob("kind", &spec.kind)?,
            namespace: glob("namespace", &spec.namespace)?,
            name: glob("name", &spec.name)?,
            labels: spec.label_selector.clone(),
            paths,
            pointers,
            jq,
            managers,
            finding_reason: spec.reason.as_deref().and_then(Reason::parse),
        })
    }

    /// No path, pointer, jq, manager or reason selector: the rule covers
    /// the whole object (never reported, not even as orphan).
    pub fn whole_object(&self) -> bool {
        self.finding_reason.is_none() && self.selects_every_difference()
    }

    fn selects_every_difference(&self) -> bool {
        self.paths.is_empty()
            && self.pointers.is_empty()
            && self.jq.is_empty()
            && self.managers.is_empty()
    }

    pub fn selects_object(&self, object: &ObjectRef, labels: &Map<String, Value>) -> bool {
        let glob_ok =
            |g: &Option<GlobMatcher>, value: &str| g.as_ref().is_none_or(|g| g.is_match(value));
        self.group_exact
            .as_ref()
            .is_none_or(|g| g == object.group())
            && glob_ok(&self.group, object.group())
            && glob_ok(&self.kind, &object.kind)
            && glob_ok(&self.namespace, object.namespace.as_deref().unwrap_or(""))
            && glob_ok(&self.name, &object.name)
            && self.labels.as_ref().is_none_or(|s| s.matches(labels))
    }

    pub fn matches(&self, target: &Target) -> bool {
        if !self.selects_object(target.object, target.labels) {
            return false;
        }
        if self.whole_object() {
            return true;
        }
        if let Some(reason) = self.finding_reason {
            if target.reason != Some(reason) {
                return false;
            }
            if self.selects_every_difference() {
                return true;
            }
        }
        let by_path = target
            .path
            .is_some_and(|p| self.paths.iter().any(|rule| path_prefix(rule, p)));
        let by_pointer = target.pointer.is_some_and(|p| {
            self.pointers.iter().any(|rule| p.starts_with(rule))
                || (!self.jq.is_empty()
                    && target.document.is_some_and(|doc| {
                        self.jq
                            .iter()
                            .any(|jq| jq.paths(doc).iter().any(|sel| p.starts_with(sel)))
                    }))
        });
        let by_manager = target
            .manager
            .is_some_and(|m| self.managers.iter().any(|g| g.is_match(m)));
        by_path || by_pointer || by_manager
    }
}

/// A rule path (with `[*]`) is a prefix of a finding's path.
fn path_prefix(rule: &FieldPath, path: &FieldPath) -> bool {
    let (rule, path) = (rule.segments(), path.segments());
    rule.len() <= path.len()
        && rule.iter().zip(path).all(|(r, p)| match (r, p) {
            (Segment::AnyItem, Segment::Key { .. } | Segment::Index(_)) => true,
            (r, p) => r == p,
        })
}

fn parse_pointer(pointer: &str) -> Result<Vec<String>, String> {
    let rest = pointer
        .strip_prefix('/')
        .ok_or("a JSON Pointer starts with '/'")?;
    Ok(rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// The finding path as JSON Pointer segments, resolving `[key=value]` to the
/// item's index in `object`. `None` when the path does not exist there.
pub fn pointer_of(object: &Value, path: &FieldPath) -> Option<Vec<String>> {
    let mut current = object;
    let mut out = Vec::new();
    for segment in path.segments() {
        match segment {
            Segment::Field(name) => {
                out.push(name.clone());
                current = current.get(name).unwrap_or(&Value::Null);
            }
            Segment::Index(i) => {
                out.push(i.to_string());
                current = current.get(*i).unwrap_or(&Value::Null);
            }
            Segment::Key { field, value } => {
                let items = current.as_array()?;
                let i = items.iter().position(|item| {
                    item.get(field)
                        .and_then(crate::schema::scalar_text)
                        .as_deref()
                        == Some(value)
                })?;
                out.push(i.to_string());
                current = &items[i];
            }
            Segment::AnyItem => return None,
        }
    }
    Some(out)
}

/// Everything the config file says, compiled.
#[derive(Debug, Default)]
pub struct Rules {
    /// Replacement applier list, if the config gives one.
    pub gitops_managers: Option<Vec<String>>,
    pub additional_gitops_managers: Vec<String>,
    pub ignore: Vec<Rule>,
    pub delegate: Vec<Rule>,
}

/// The line of the field a deserialization error names (`unknown field
/// `pathz``, `invalid type ... for key `x``), when the text spells it once.
fn line_of_field(text: &str, message: &str) -> Option<usize> {
    let field = message.split('`').nth(1)?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| {
        let l = l.trim_start().trim_start_matches("- ");
        l.starts_with(&format!("{field}:")) || l.starts_with(&format!("\"{field}\":"))
    });
    let (first, _) = lines.next()?;
    lines.next().is_none().then_some(first + 1)
}

impl Rules {
    pub fn load(path: &Path) -> Result<Rules> {
        let text = crate::yaml::read_text(path)?;
        let name = path.display().to_string();
        let file: ConfigFile = if text.trim().is_empty() {
            ConfigFile::default()
        } else {
            let value = crate::yaml::from_str(&text, &name)?;
            serde_json::from_value(value).map_err(|e| {
                let at = line_of_field(&text, &e.to_string())
                    .map(|l| format!(":{l}"))
                    .unwrap_or_default();
                anyhow::anyhow!("{name}{at}: invalid driftctl config: {e}")
            })?
        };
        let compile = |specs: &[RuleSpec], list: &str| -> Result<Vec<Rule>> {
            specs
                .iter()
                .enumerate()
                .map(|(i, spec)| {
                    let origin = format!("{name} {list}[{i}]");
                    Rule::compile(spec, origin.clone())
                        .map_err(|e| anyhow::anyhow!("{origin}: {e}"))
                })
                .collect()
        };
        Ok(Rules {
            gitops_managers: file.gitops_managers,
            additional_gitops_managers: file.additional_gitops_managers,
            ignore: compile(&file.ignore, "ignore")?,
            delegate: compile(&file.delegate, "delegate")?,
        })
    }

    /// `--config FILE`, else `.driftctl.yaml` at the Git repository root of
    /// `first_path` (none when there is no repository or no file).
    pub fn discover(explicit: Option<&Path>, first_path: &Path) -> Result<Option<PathBuf>> {
        if let Some(path) = explicit {
            if !path.is_file() {
                bail!("{}: config file not found", path.display());
            }
            return Ok(Some(path.to_path_buf()));
        }
        let start = first_path
            .canonicalize()
            .with_context(|| format!("{}: cannot resolve", first_path.display()))?;
        let mut dir = if start.is_dir() {
            Some(start.as_path())
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            if d.join(".git").exists() {
                let config = d.join(CONFIG_FILE);
                return Ok(config.is_file().then_some(config));
            }
            dir = d.parent();
        }
        Ok(None)
    }

    /// Argo CD `spec.ignoreDifferences` of an Application, as ignore rules.
    pub fn from_argocd_application(app: &Value, origin: &str) -> Result<Vec<Rule>> {
        let entries = app["spec"]["ignoreDifferences"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        entries
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let origin = format!("{origin} ignoreDifferences[{i}]");
                let text = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_string);
                let list = |k: &str| -> Vec<String> {
                    entry[k]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                };
                let spec = RuleSpec {
                    group: text("group"),
                    kind: text("kind"),
                    namespace: text("namespace"),
                    name: text("name"),
                    json_pointers: list("jsonPointers"),
                    jq_path_expressions: list("jqPathExpressions"),
                    managers: list("managedFieldsManagers"),
                    ..RuleSpec::default()
                };
                Rule::compile_with(&spec, origin.clone(), true)
                    .map_err(|e| anyhow::anyhow!("{origin}: {e}"))
            })
            .collect()
    }
}

/// Whether a desired object is an Argo CD Application.
pub fn is_argocd_application(object: &Value) -> bool {
    object["kind"] == "Application"
        && group_of(object["apiVersion"].as_str().unwrap_or_default()) == "argoproj.io"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> ObjectRef {
        ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("prod".into()),
            name: "checkout-api".into(),
        }
    }

    fn target<'a>(
        object: &'a ObjectRef,
        labels: &'a Map<String, Value>,
        path: &'a FieldPath,
    ) -> Target<'a> {
        Target {
            object,
            labels,
            path: Some(path),
            pointer: None,
            manager: None,
            reason: None,
            document: None,
        }
    }

    #[test]
    fn path_rules_match_with_wildcards() {
        let spec = RuleSpec {
            kind: Some("Deployment".into()),
            name: Some("checkout-*".into()),
            paths: vec!["spec.template.spec.containers[*].env".into()],
            ..RuleSpec::default()
        };
        let rule = Rule::compile(&spec, "t".into()).unwrap();
        let object = deployment();
        let labels = Map::new();
        let env =
            FieldPath::parse("spec.template.spec.containers[name=app].env[name=DEBUG]").unwrap();
        let memory =
            FieldPath::parse("spec.template.spec.containers[name=app].resources.limits.memory")
                .unwrap();
        assert!(rule.matches(&target(&object, &labels, &env)));
        assert!(!rule.matches(&target(&object, &labels, &memory)));
        let other = ObjectRef {
            name: "web".into(),
            ..deployment()
        };
        assert!(!rule.matches(&target(&other, &labels, &env)));
    }

    fn rule_spec(text: &str) -> RuleSpec {
        serde_json::from_value(crate::yaml::from_str(text, "t").unwrap()).unwrap()
    }

    #[test]
    fn label_selectors_select_objects() {
        let spec: RuleSpec = rule_spec(
            "labelSelector:\n  matchLabels: {team: risk}\n  matchExpressions:\n  - {key: tier, operator: NotIn, values: [db]}\n",
        );
        let rule = Rule::compile(&spec, "t".into()).unwrap();
        let object = deployment();
        let yes = json!({"team": "risk", "tier": "web"});
        let no = json!({"team": "risk", "tier": "db"});
        assert!(rule.selects_object(&object, yes.as_object().unwrap()));
        assert!(!rule.selects_object(&object, no.as_object().unwrap()));
        assert!(rule.whole_object());
    }

    #[test]
    fn json_pointers_and_jq_match_resolved_paths() {
        let live = json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
            {"name": "sidecar"}, {"name": "app", "env": [{"name": "DEBUG", "value": "1"}]}]}}}});
        let path =
            FieldPath::parse("spec.template.spec.containers[name=app].env[name=DEBUG]").unwrap();
        let pointer = pointer_of(&live, &path).unwrap();
        assert_eq!(
            pointer,
            vec!["spec", "template", "spec", "containers", "1", "env", "0"]
        );
        let app = json!({"spec": {"ignoreDifferences": [
            {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/template/spec/containers/1/env"]},
            {"group": "apps", "kind": "Deployment",
             "jqPathExpressions": [".spec.template.spec.containers[] | select(.name == \"app\") | .env"]},
            {"kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]}});
        let rules = Rules::from_argocd_application(&app, "app").unwrap();
        let object = deployment();
        let labels = Map::new();
        let t = Target {
            object: &object,
            labels: &labels,
            path: Some(&path),
            pointer: Some(&pointer),
            manager: None,
            reason: None,
            document: Some(&live),
        };
        assert!(rules[0].matches(&t));
        assert!(rules[1].matches(&t));
        // Argo CD: no group means the core group, so apps/Deployment is not selected.
        let replicas = vec!["spec".to_string(), "replicas".to_string()];
        let t = Target {
            pointer: Some(&replicas),
            ..t
        };
        assert!(!rules[2].matches(&t));
    }

    #[test]
    fn a_finding_reason_restricts_a_rule() {
        let spec: RuleSpec = rule_spec("{reason: applier-owned, manager: kustomize-controller}");
        let rule = Rule::compile(&spec, "t".into()).unwrap();
        assert!(!rule.whole_object());
        let object = deployment();
        let labels = Map::new();
        let image = FieldPath::parse("spec.template.spec.containers[name=app].image").unwrap();
        let t = |manager, reason| Target {
            manager: Some(manager),
            reason,
            ..target(&object, &labels, &image)
        };
        assert!(rule.matches(&t("kustomize-controller", Some(Reason::ApplierOwned))));
        assert!(!rule.matches(&t("kustomize-controller", None)));
        assert!(!rule.matches(&t("argocd-controller", Some(Reason::ApplierOwned))));
        // Alone, the reason covers every finding of that reason on the object.
        let spec: RuleSpec = rule_spec("{kind: Deployment, reason: applier-owned}");
        let rule = Rule::compile(&spec, "t".into()).unwrap();
        assert!(rule.matches(&t("helm-controller", Some(Reason::ApplierOwned))));
        assert!(!rule.matches(&t("kubectl-set", None)));
        // Any other reason is only the rule's explanation.
        let spec: RuleSpec = rule_spec("{kind: Deployment, reason: runbook}");
        let rule = Rule::compile(&spec, "t".into()).unwrap();
        assert!(rule.whole_object());
        assert!(rule.matches(&t("kubectl-set", None)));
    }

    #[test]
    fn invalid_rules_say_what_is_wrong() {
        let bad = |yaml: &str| {
            let spec: RuleSpec = rule_spec(yaml);
            Rule::compile(&spec, "t".into()).unwrap_err()
        };
        assert!(bad("paths: ['a..b']").contains("paths"));
        assert!(bad("jsonPointers: ['spec/replicas']").contains("starts with '/'"));
        assert!(bad("jqPathExpressions: ['.a[']").contains("jq"));
        assert!(
            bad("labelSelector: {matchExpressions: [{key: a, operator: Maybe}]}").contains("Maybe")
        );
        assert!(
            serde_json::from_value::<RuleSpec>(crate::yaml::from_str("pathz: [a]", "t").unwrap())
                .unwrap_err()
                .to_string()
                .contains("unknown field `pathz`")
        );
    }
}
