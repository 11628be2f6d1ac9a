//! One category and one attribution per difference: who applies Git, which
//! managers are controllers, and what managedFields say about fields only
//! the live object has.

use crate::compare::{Addition, Additions, Difference};
use crate::defaults;
use crate::managed_fields::{self, FieldManager};
use crate::model::{Category, Change, Finding, ObjectRef, Reason, SourceLocation};
use crate::path::{FieldPath, Segment};
use serde_json::{Map, Value};

/// Field managers of the GitOps appliers real tools use (DESIGN.md, Who applied Git).
pub const DEFAULT_APPLIERS: &[&str] = &[
    "argocd-controller",
    "argocd-application-controller",
    "kustomize-controller",
    "helm-controller",
    "kubectl-client-side-apply",
    "kubectl",
];

/// Appliers that apply under this name only server-side (`Apply`): kubectl's
/// client-side apply records `kubectl-client-side-apply` instead.
const SERVER_SIDE_ONLY: &[&str] = &["kubectl"];

/// Field managers of Kubernetes' own controllers: what they write is
/// delegated to them, never a person's change.
pub const DEFAULT_CONTROLLERS: &[&str] = &[
    "kube-controller-manager",
    "kube-scheduler",
    "kube-apiserver",
    "kubelet",
    "cloud-controller-manager",
    "clusterrole-aggregation-controller",
    // The GitOps tools' own controllers: Flux's status and finalizer
    // patches (`gotk-<controller>`, source-controller's own name) and Argo
    // CD's application controller, when it writes without applying.
    "gotk-*",
    "source-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
    "argocd-application-controller",
];

/// Who applies Git and who is a controller.
#[derive(Debug, Clone)]
pub struct Policy {
    pub appliers: Vec<String>,
    pub controllers: Vec<String>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            appliers: DEFAULT_APPLIERS.iter().map(|s| s.to_string()).collect(),
            controllers: DEFAULT_CONTROLLERS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Policy {
    pub fn is_applier(&self, manager: &str) -> bool {
        self.appliers.iter().any(|a| a == manager)
    }

    /// Whether `manager` wrote a field as the GitOps applier: an applier's
    /// name together with an operation it applies with. Server-side apply
    /// is an `Apply`; client-side appliers (kubectl-client-side-apply, Argo
    /// CD's default, Helm's three-way merge) write with `Update`. A write
    /// through a subresource is never an apply, and kubectl writes under its
    /// bare name `kubectl` only to apply server-side: its `Update` there is a
    /// person's (`kubectl scale` of a kubectl that records itself as
    /// `kubectl` writes `spec.replicas` with `Update`, subresource `scale`).
    pub fn applied(&self, manager: &FieldManager) -> bool {
        if !self.is_applier(&manager.manager) {
            return false;
        }
        if manager.operation.as_deref() == Some("Apply") {
            return true;
        }
        manager.subresource.is_none() && !SERVER_SIDE_ONLY.contains(&manager.manager.as_str())
    }

    /// A controller's name, or a name matching a `prefix*` entry.
    pub fn is_controller(&self, manager: &str) -> bool {
        self.controllers.iter().any(|c| match c.strip_suffix('*') {
            Some(prefix) => manager.starts_with(prefix),
            None => c == manager,
        })
    }
}

/// A person's manager: kubectl under any of its names (`kubectl-patch`,
/// `kubectl-edit`, the binary's own name for `kubectl scale`).
pub fn is_person(manager: &str) -> bool {
    manager.starts_with("kubectl")
}

/// What classification knows of one live object.
pub struct LiveContext<'a> {
    pub object: &'a ObjectRef,
    /// The live object as served (managedFields walk its list items).
    pub live: &'a Value,
    pub managers: &'a [FieldManager],
    /// A HorizontalPodAutoscaler targets this object: `spec.replicas` is its.
    pub autoscaled: bool,
    pub source: Option<&'a SourceLocation>,
}

/// Judges live-only fields by their owners. With managedFields, a field
/// owned by nobody is a server default; an owned field is an addition
/// unless its value is the API server's default. Without managedFields,
/// only added labels, annotations, data keys and keyed list items count.
pub struct OwnedAdditions<'a> {
    pub live: &'a Value,
    pub managers: &'a [FieldManager],
}

impl Additions for OwnedAdditions<'_> {
    fn judge(&self, path: &FieldPath, live: &Value, _parent: &Map<String, Value>) -> Addition {
        if self.managers.is_empty() {
            return unowned_addition(self.live, path, live);
        }
        let (owner, below) = managed_fields::owner_of_field(self.managers, self.live, path);
        // A map whose keys are owned one by one (labels, annotations) is
        // judged key by key; a list item owned with its fields is one addition.
        let by_name = matches!(path.segments().last(), Some(Segment::Field(_)));
        if below && by_name && (live.is_object() || live.is_array()) {
            Addition::Descend
        } else if owner.is_some() {
            if defaults::is_default(self.live, path, live) {
                Addition::Skip
            } else {
                Addition::Report
            }
        } else if below {
            Addition::Descend
        } else {
            Addition::Skip
        }
    }
}

/// Labels and annotations GitOps appliers write on every object they apply
/// (tracking, checksums): with no managedFields to show the applier owns
/// them, they are still not a person's addition.
const APPLIER_METADATA: &[&str] = &[
    "kustomize.toolkit.fluxcd.io/",
    "helm.toolkit.fluxcd.io/",
    "argocd.argoproj.io/tracking-id",
    "argocd.argoproj.io/installation-id",
];

fn unowned_addition(root: &Value, path: &FieldPath, live: &Value) -> Addition {
    if defaults::is_default(root, path, live) {
        return Addition::Skip;
    }
    let segments = path.segments();
    if let [
        Segment::Field(metadata),
        Segment::Field(map),
        Segment::Field(key),
    ] = segments
        && metadata == "metadata"
        && (map == "labels" || map == "annotations")
        && APPLIER_METADATA
            .iter()
            .any(|p| key == p || (p.ends_with('/') && key.starts_with(p)))
    {
        return Addition::Skip;
    }
    let in_map = |fields: &[&str]| {
        segments.len() == fields.len() + 1
            && fields
                .iter()
                .zip(segments)
                .all(|(f, s)| matches!(s, Segment::Field(n) if n == f))
    };
    if in_map(&["metadata", "labels"])
        || in_map(&["metadata", "annotations"])
        || in_map(&["data"])
        || in_map(&["binaryData"])
        || matches!(segments.last(), Some(Segment::Key { .. }))
    {
        return Addition::Report;
    }
    if live.is_object() || live.is_array() {
        Addition::Descend
    } else {
        Addition::Skip
    }
}

/// Turns a difference into a finding; `None` when it is not drift (a field
/// the GitOps applier added at apply time).
pub fn classify(diff: Difference, ctx: &LiveContext, policy: &Policy) -> Option<Finding> {
    let owner = match diff.change {
        Change::Removed => managed_fields::owner_of_field(ctx.managers, ctx.live, &diff.path).0,
        _ => managed_fields::owner_of_value(ctx.managers, ctx.live, &diff.path),
    };
    if diff.change == Change::Added && owner.is_some_and(|m| policy.applied(m)) {
        return None;
    }
    // Finalizers are a controller's bookkeeping (Flux's finalizers.fluxcd.io,
    // an operator's cleanup hook); one a person adds holds deletion up.
    if diff.change == Change::Added
        && is_finalizer(&diff.path)
        && !owner.is_some_and(|m| is_person(&m.manager))
    {
        return None;
    }
    // The applier's own value, yet not Git's: set at admission (a mutating
    // webhook rewrote the applier's request), or Git not yet applied.
    let reason = (diff.change == Change::Changed && owner.is_some_and(|m| policy.applied(m)))
        .then_some(Reason::ApplierOwned);
    let secret = is_secret_data(ctx.object, &diff.path);
    let category = if secret {
        Category::Secret
    } else if (ctx.autoscaled && diff.path.fields_are(&["spec", "replicas"]))
        || owner.is_some_and(|m| policy.is_controller(&m.manager) || scaled_by_controller(m))
    {
        Category::Controller
    } else if is_image(&diff.path) {
        Category::Image
    } else {
        Category::Config
    };
    Some(Finding {
        category,
        object: ctx.object.clone(),
        path: Some(diff.path.to_string()),
        change: diff.change,
        desired: if secret { None } else { diff.desired },
        live: if secret { None } else { diff.live },
        attribution: owner.map(FieldManager::attribution),
        source: ctx.source.cloned(),
        reason,
        owner: None,
    })
}

/// A write through the scale subresource by something other than a
/// person's kubectl (`kubectl scale` records `kubectl` or the binary's name):
/// an autoscaler such as KEDA or a custom controller.
fn scaled_by_controller(manager: &FieldManager) -> bool {
    manager.subresource.as_deref() == Some("scale") && !manager.manager.starts_with("kubectl")
}

fn is_finalizer(path: &FieldPath) -> bool {
    let segments = path.segments();
    segments.len() == 3
        && matches!(&segments[0], Segment::Field(f) if f == "metadata")
        && matches!(&segments[1], Segment::Field(f) if f == "finalizers")
}

/// A difference inside a Secret's data (or a SealedSecret's encrypted data).
pub fn is_secret_data(object: &ObjectRef, path: &FieldPath) -> bool {
    let first = path.segments().first();
    let field = |name: &str| matches!(first, Some(Segment::Field(f)) if f == name);
    match (object.group(), object.kind.as_str()) {
        ("", "Secret") => field("data") || field("stringData"),
        ("bitnami.com", "SealedSecret") => {
            field("spec")
                && matches!(path.segments().get(1), Some(Segment::Field(f)) if f == "encryptedData")
        }
        _ => false,
    }
}

/// A container image anywhere: pod specs, pod templates, CronJob job
/// templates, custom resources that embed them.
pub fn is_image(path: &FieldPath) -> bool {
    let segments = path.segments();
    let n = segments.len();
    n >= 3
        && matches!(&segments[n - 1], Segment::Field(f) if f == "image")
        && matches!(&segments[n - 3], Segment::Field(f)
            if f == "containers" || f == "initContainers" || f == "ephemeralContainers")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::compare;
    use crate::normalize;
    use serde_json::json;

    fn mf(manager: &str, operation: &str, time: Option<&str>, fields: Value) -> Value {
        let mut entry = json!({"manager": manager, "operation": operation,
            "fieldsType": "FieldsV1", "fieldsV1": fields});
        if let Some(t) = time {
            entry["time"] = json!(t);
        }
        entry
    }

    /// Runs the object-level pipeline (normalize, compare, classify) for one pair.
    fn audit(desired: Value, live: Value, autoscaled: bool) -> Vec<Finding> {
        let object = ObjectRef::from_value(&desired).unwrap();
        let managers = managed_fields::parse(&live).unwrap();
        let judge = OwnedAdditions {
            live: &live,
            managers: &managers,
        };
        let ctx = LiveContext {
            object: &object,
            live: &live,
            managers: &managers,
            autoscaled,
            source: None,
        };
        compare(
            &normalize::desired(&desired),
            &normalize::live(&live),
            &judge,
        )
        .into_iter()
        .filter_map(|d| classify(d, &ctx, &Policy::default()))
        .collect()
    }

    fn summary(findings: &[Finding]) -> Vec<(String, Category, Option<String>)> {
        findings
            .iter()
            .map(|f| {
                (
                    f.path.clone().unwrap(),
                    f.category,
                    f.attribution.as_ref().map(|a| a.manager.clone()),
                )
            })
            .collect()
    }

    fn deployment(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod"},
            "spec": {"replicas": 2, "template": {"spec": {"containers": containers}}}})
    }

    #[test]
    fn image_changes_are_image_and_attributed() {
        let desired = deployment(json!([{"name": "web", "image": "nginx:1.27.2"}]));
        let mut live = deployment(json!([{"name": "web", "image": "nginx:1.28",
            "imagePullPolicy": "IfNotPresent"}]));
        live["metadata"]["managedFields"] = json!([
            mf(
                "kustomize-controller",
                "Apply",
                Some("2026-11-01T00:00:00Z"),
                json!({"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:name": {}}}}}}})
            ),
            mf(
                "kubectl-set",
                "Update",
                Some("2026-11-02T00:00:00Z"),
                json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {"f:image": {}}}}}}})
            ),
        ]);
        let findings = audit(desired, live, false);
        assert_eq!(
            summary(&findings),
            vec![(
                "spec.template.spec.containers[name=web].image".into(),
                Category::Image,
                Some("kubectl-set".into())
            )]
        );
        let a = findings[0].attribution.as_ref().unwrap();
        assert_eq!(a.since.as_deref(), Some("2026-11-02T00:00:00Z"));
        assert_eq!(a.operation.as_deref(), Some("Update"));
        assert_eq!(findings[0].reason, None);
    }

    #[test]
    fn a_value_the_applier_still_owns_is_applier_owned() {
        // A mutating webhook rewrote the image in kustomize-controller's Apply.
        let desired = deployment(json!([{"name": "web", "image": "docker.io/nginx:1.27"}]));
        let mut live =
            deployment(json!([{"name": "web", "image": "mirror.example.com/nginx:1.27"}]));
        live["metadata"]["managedFields"] = json!([mf(
            "kustomize-controller",
            "Apply",
            Some("2026-11-01T00:00:00Z"),
            json!({"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:name": {}, "f:image": {}}}}}}})
        )]);
        let findings = audit(desired.clone(), live.clone(), false);
        assert_eq!(summary(&findings)[0].1, Category::Image);
        assert_eq!(findings[0].reason, Some(Reason::ApplierOwned));
        // The same name writing with Update through kubectl's apply name is a person.
        live["metadata"]["managedFields"][0]["manager"] = json!("kubectl");
        live["metadata"]["managedFields"][0]["operation"] = json!("Update");
        assert_eq!(audit(desired, live, false)[0].reason, None);
    }

    #[test]
    fn defaults_owned_by_kubectl_create_are_not_additions() {
        // Made with `kubectl create`, later adopted by GitOps: kubectl-create
        // owns every defaulted field.
        let desired = deployment(json!([{"name": "web", "image": "nginx:1.27.2"}]));
        let mut live = deployment(json!([{"name": "web", "image": "nginx:1.27.2",
            "imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
            "env": [{"name": "EXTRA", "value": "1"}]}]));
        live["spec"]["revisionHistoryLimit"] = json!(10);
        live["metadata"]["managedFields"] = json!([mf(
            "kubectl-create",
            "Update",
            Some("2026-11-01T00:00:00Z"),
            json!({"f:spec": {"f:revisionHistoryLimit": {}, "f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {
                    ".": {}, "f:imagePullPolicy": {}, "f:terminationMessagePath": {},
                    "f:env": {".": {}, "k:{\"name\":\"EXTRA\"}": {".": {}, "f:name": {}, "f:value": {}}}}}}}}})
        ),]);
        assert_eq!(
            summary(&audit(desired, live, false)),
            vec![(
                "spec.template.spec.containers[name=web].env[name=EXTRA]".into(),
                Category::Config,
                Some("kubectl-create".into())
            )]
        );
    }

    #[test]
    fn replicas_under_an_hpa_are_the_controllers() {
        let desired = deployment(json!([{"name": "web", "image": "x:1"}]));
        let mut live = desired.clone();
        live["spec"]["replicas"] = json!(9);
        live["metadata"]["managedFields"] = json!([
            {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]);
        let findings = audit(desired.clone(), live.clone(), true);
        assert_eq!(summary(&findings)[0].1, Category::Controller);
        assert_eq!(findings[0].attribution.as_ref().unwrap().since, None);
        // A person's kubectl scale without an HPA is config drift.
        live["metadata"]["managedFields"][0]["manager"] = json!("kubectl.1.33");
        assert_eq!(summary(&audit(desired, live, false))[0].1, Category::Config);
    }

    #[test]
    fn client_side_applied_objects_use_their_managed_fields() {
        // `kubectl apply` (client-side): kubectl-client-side-apply owns every
        // defaulted field and the last-applied annotation; none is drift.
        let desired = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "web"},
            "spec": {"selector": {"app": "s"}, "ports": [{"port": 80}]}});
        let live = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "namespace": "web",
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"password\":\"x\"}"},
                "managedFields": [mf("kubectl-client-side-apply", "Update", Some("2026-11-01T00:00:00Z"),
                    json!({"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}},
                        "f:spec": {"f:internalTrafficPolicy": {}, "f:ports": {".": {}, "k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}}},
                        "f:selector": {}, "f:sessionAffinity": {}, "f:type": {}}}))]},
            "spec": {"clusterIP": "10.0.0.7", "clusterIPs": ["10.0.0.7"], "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "selector": {"app": "s"},
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}], "sessionAffinity": "None", "type": "ClusterIP"}});
        assert_eq!(audit(desired, live, false), vec![]);
    }

    #[test]
    fn objects_without_managed_fields_report_only_map_keys_and_keyed_items() {
        let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"},
            "data": {"A": "1"}});
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "a", "labels": {"added": "yes"}},
            "data": {"A": "1", "B": "2"}, "immutable": false});
        let findings = audit(desired, live, false);
        assert_eq!(
            summary(&findings),
            vec![
                ("data.B".into(), Category::Config, None),
                ("metadata.labels.added".into(), Category::Config, None),
            ]
        );
    }

    /// Git's Deployment without `spec.replicas`, live with 5 written by `writer`.
    fn replicas_written_by(writer: Value, last_applied: Option<Value>) -> Vec<Finding> {
        let desired = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod"},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "a:1"}]}}}});
        let mut live = desired.clone();
        live["spec"]["replicas"] = json!(5);
        live["metadata"]["managedFields"] = json!([writer]);
        if let Some(applied) = last_applied {
            live["metadata"]["annotations"] = json!({
                "kubectl.kubernetes.io/last-applied-configuration": applied.to_string()});
        }
        audit(desired, live, false)
    }

    #[test]
    fn an_applier_name_is_the_applier_only_with_its_operation() {
        let replicas = json!({"f:spec": {"f:replicas": {}}});
        // `kubectl scale` by a kubectl that names itself `kubectl`: a person.
        let mut scale = mf("kubectl", "Update", None, replicas.clone());
        scale["subresource"] = json!("scale");
        assert_eq!(
            summary(&replicas_written_by(scale, None)),
            vec![(
                "spec.replicas".to_string(),
                Category::Config,
                Some("kubectl".to_string())
            )]
        );
        // A plain `Update` under kubectl's apply name, no last-applied: a person.
        let update = mf(
            "kubectl",
            "Update",
            Some("2026-11-22T15:18:57Z"),
            replicas.clone(),
        );
        assert_eq!(replicas_written_by(update, None).len(), 1);
        // kubectl's server-side apply: added at apply time.
        let apply = mf(
            "kubectl",
            "Apply",
            Some("2026-11-22T15:18:57Z"),
            replicas.clone(),
        );
        assert!(replicas_written_by(apply, None).is_empty());
        // A client-side apply writes with Update.
        let csa = mf(
            "kubectl-client-side-apply",
            "Update",
            None,
            replicas.clone(),
        );
        assert!(replicas_written_by(csa, Some(json!({"spec": {}}))).is_empty());
        // Not through a subresource, though: that is no apply.
        let mut csa_scale = mf(
            "kubectl-client-side-apply",
            "Update",
            None,
            replicas.clone(),
        );
        csa_scale["subresource"] = json!("scale");
        assert_eq!(replicas_written_by(csa_scale, None).len(), 1);
        // A non-kubectl applier's Update (Helm's three-way merge, no annotation).
        let helm = mf("helm-controller", "Update", None, replicas);
        assert!(replicas_written_by(helm, None).is_empty());
    }

    #[test]
    fn finalizers_are_drift_only_when_a_person_adds_them() {
        let desired = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system", "finalizers": ["example.com/git"]},
            "spec": {"path": "./apps"}});
        let mut live = desired.clone();
        live["metadata"]["finalizers"] = json!([
            "finalizers.fluxcd.io",
            "example.com/git",
            "example.com/hold"
        ]);
        live["metadata"]["managedFields"] = json!([
            mf(
                "kustomize-controller",
                "Apply",
                Some("2026-11-01T00:00:00Z"),
                json!({"f:metadata": {"f:finalizers": {"v:\"example.com/git\"": {}}}, "f:spec": {"f:path": {}}})
            ),
            mf(
                "gotk-kustomize-controller",
                "Update",
                Some("2026-11-01T00:00:01Z"),
                json!({"f:metadata": {"f:finalizers": {".": {}, "v:\"finalizers.fluxcd.io\"": {}}}})
            ),
            mf(
                "kubectl-patch",
                "Update",
                Some("2026-11-02T00:00:00Z"),
                json!({"f:metadata": {"f:finalizers": {"v:\"example.com/hold\"": {}}}})
            ),
        ]);
        assert_eq!(
            summary(&audit(desired.clone(), live.clone(), false)),
            vec![(
                "metadata.finalizers[2]".into(),
                Category::Config,
                Some("kubectl-patch".into())
            )]
        );
        // An operator under any other name is doing its bookkeeping.
        live["metadata"]["managedFields"][2]["manager"] = json!("manager");
        assert_eq!(audit(desired.clone(), live.clone(), false), vec![]);
        // Git's own finalizer, gone live, is drift whoever removed it.
        live["metadata"]["finalizers"] = json!(["finalizers.fluxcd.io"]);
        assert_eq!(
            summary(&audit(desired, live, false))[0].0,
            "metadata.finalizers[0]"
        );
    }

    #[test]
    fn controller_names_may_end_in_a_wildcard() {
        let policy = Policy::default();
        assert!(policy.is_controller("gotk-helm-controller"));
        assert!(policy.is_controller("source-controller"));
        assert!(!policy.is_controller("gotk"));
        assert!(!policy.is_controller("kubectl-patch"));
    }

    #[test]
    fn crd_schema_defaults_are_not_drift() {
        // The API server defaults fields of a custom resource from its CRD
        // schema; with server-side apply nobody owns the defaulted field.
        let desired = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "a"}, "spec": {"size": 3}});
        let live = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "a", "managedFields": [
                mf("argocd-controller", "Apply", Some("2026-11-01T00:00:00Z"), json!({"f:spec": {"f:size": {}}}))]},
            "spec": {"size": 3, "mode": "auto", "retries": {"max": 5}}});
        assert_eq!(audit(desired, live, false), vec![]);
    }

    #[test]
    fn whole_list_ownership_attributes_deep_values() {
        // Custom resources often own a list as one atomic field.
        let desired = json!({"apiVersion": "example.com/v1", "kind": "Gateway",
            "metadata": {"name": "g"}, "spec": {"listeners": [{"port": 80, "hostname": "a"}]}});
        let live = json!({"apiVersion": "example.com/v1", "kind": "Gateway",
            "metadata": {"name": "g", "managedFields": [
                mf("kustomize-controller", "Apply", Some("2026-11-01T00:00:00Z"), json!({"f:spec": {"f:listeners": {}}})),
                mf("kubectl-edit", "Update", Some("2026-11-03T00:00:00Z"), json!({"f:spec": {"f:listeners": {}}}))]},
            "spec": {"listeners": [{"port": 80, "hostname": "b"}]}});
        assert_eq!(
            summary(&audit(desired, live, false)),
            vec![(
                "spec.listeners[0].hostname".into(),
                Category::Config,
                Some("kubectl-edit".into())
            )]
        );
    }

    #[test]
    fn secret_findings_carry_no_values() {
        let desired = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "a"},
            "stringData": {"password": "from-git"}});
        let live = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "a"},
            "data": {"password": "aW4tY2x1c3Rlcg=="}});
        let findings = audit(desired, live, false);
        assert_eq!(
            summary(&findings),
            vec![("data.password".into(), Category::Secret, None)]
        );
        assert_eq!(findings[0].desired, None);
        assert_eq!(findings[0].live, None);
    }

    #[test]
    fn images_in_cronjob_templates_and_init_containers() {
        let cron = FieldPath::parse("spec.jobTemplate.spec.template.spec.containers[name=t].image")
            .unwrap();
        let init = FieldPath::parse("spec.template.spec.initContainers[name=i].image").unwrap();
        let other = FieldPath::parse("spec.image").unwrap();
        assert!(is_image(&cron) && is_image(&init) && !is_image(&other));
    }
}
