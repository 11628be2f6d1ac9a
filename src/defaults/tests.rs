use super::*;
use serde_json::json;

fn path(text: &str) -> FieldPath {
    FieldPath::parse(text).unwrap()
}

fn deployment(strategy: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"strategy": strategy}})
}

#[test]
fn every_line_of_the_table_parses() {
    for line in TABLE
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        assert!(parse_rule(line).is_ok(), "{line}");
    }
    assert!(rules().len() > 100);
}

#[test]
fn max_surge_is_a_default_only_under_rolling_update() {
    let rolling = deployment(json!({"type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}));
    let p = path("spec.strategy.rollingUpdate.maxSurge");
    assert!(is_default(&rolling, &p, &json!("25%")));
    assert!(!is_default(&rolling, &p, &json!("50%")));
    let recreate = deployment(json!({"type": "Recreate", "rollingUpdate": {"maxSurge": "25%"}}));
    assert!(!is_default(&recreate, &p, &json!("25%")));
    assert!(is_default(
        &rolling,
        &path("spec.strategy.type"),
        &json!("RollingUpdate")
    ));
    assert!(!is_default(
        &rolling,
        &path("spec.strategy.type"),
        &json!("Recreate")
    ));
}

#[test]
fn a_kinds_default_is_not_another_kinds() {
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap"});
    assert!(!is_default(
        &cm,
        &path("spec.sessionAffinity"),
        &json!("None")
    ));
    let svc = json!({"apiVersion": "v1", "kind": "Service", "spec": {"type": "ClusterIP"}});
    assert!(is_default(
        &svc,
        &path("spec.sessionAffinity"),
        &json!("None")
    ));
    assert!(!is_default(
        &svc,
        &path("spec.sessionAffinity"),
        &json!("ClientIP")
    ));
}

#[test]
fn external_traffic_policy_only_for_node_ports_and_load_balancers() {
    let p = path("spec.externalTrafficPolicy");
    for (kind, default) in [
        ("ClusterIP", false),
        ("NodePort", true),
        ("LoadBalancer", true),
    ] {
        let svc = json!({"apiVersion": "v1", "kind": "Service", "spec": {"type": kind}});
        assert_eq!(is_default(&svc, &p, &json!("Cluster")), default, "{kind}");
        assert!(!is_default(&svc, &p, &json!("Local")), "{kind}");
    }
}

#[test]
fn target_port_defaults_to_the_port() {
    let svc = json!({"apiVersion": "v1", "kind": "Service",
        "spec": {"ports": [{"port": 80, "targetPort": 80}, {"port": 443, "targetPort": 8443}]}});
    assert!(is_default(
        &svc,
        &path("spec.ports[port=80].targetPort"),
        &json!(80)
    ));
    assert!(!is_default(
        &svc,
        &path("spec.ports[port=443].targetPort"),
        &json!(8443)
    ));
}

#[test]
fn pod_template_defaults_apply_in_every_kind_that_embeds_one() {
    let job = json!({"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec":
        {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}}});
    let c = "spec.jobTemplate.spec.template.spec.containers[name=c]";
    assert!(is_default(
        &job,
        &path(&format!("{c}.imagePullPolicy")),
        &json!("Always")
    ));
    assert!(!is_default(
        &job,
        &path(&format!("{c}.imagePullPolicy")),
        &json!("IfNotPresent")
    ));
    assert!(is_default(
        &job,
        &path(&format!("{c}.livenessProbe.periodSeconds")),
        &json!(10)
    ));
    assert!(is_default(
        &job,
        &path("spec.jobTemplate.spec.template.spec.dnsPolicy"),
        &json!("ClusterFirst")
    ));
    assert!(is_default(
        &job,
        &path("spec.concurrencyPolicy"),
        &json!("Allow")
    ));
}

#[test]
fn image_pull_policy_follows_the_tag() {
    assert_eq!(image_pull_policy("nginx:1.27"), "IfNotPresent");
    assert_eq!(image_pull_policy("nginx"), "Always");
    assert_eq!(image_pull_policy("nginx:latest"), "Always");
    assert_eq!(image_pull_policy("registry:5000/app"), "Always");
    assert_eq!(image_pull_policy("app@sha256:abc"), "IfNotPresent");
}

#[test]
fn namespace_name_label_is_the_name() {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}});
    let p = FieldPath::root()
        .field("metadata")
        .field("labels")
        .field("kubernetes.io/metadata.name");
    assert!(is_default(&ns, &p, &json!("web")));
    assert!(!is_default(&ns, &p, &json!("other")));
}

#[test]
fn job_backoff_limit_depends_on_backoff_limit_per_index() {
    // SetDefaults_Job: 6, or MaxInt32 when backoffLimitPerIndex is set.
    let p = path("spec.backoffLimit");
    let plain = json!({"apiVersion": "batch/v1", "kind": "Job", "spec": {}});
    assert!(is_default(&plain, &p, &json!(6)));
    assert!(!is_default(&plain, &p, &json!(2147483647)));
    let per_index = json!({"apiVersion": "batch/v1", "kind": "Job",
        "spec": {"backoffLimitPerIndex": 1}});
    assert!(is_default(&per_index, &p, &json!(2147483647)));
    assert!(!is_default(&per_index, &p, &json!(6)));
}

#[test]
fn subject_api_group_depends_on_the_subject_kind() {
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "subjects": [{"kind": "ServiceAccount", "name": "a"}, {"kind": "User", "name": "b"}]});
    let sa = path("subjects[0].apiGroup");
    let user = path("subjects[1].apiGroup");
    assert!(is_default(&binding, &sa, &json!("")));
    assert!(!is_default(
        &binding,
        &sa,
        &json!("rbac.authorization.k8s.io")
    ));
    assert!(is_default(
        &binding,
        &user,
        &json!("rbac.authorization.k8s.io")
    ));
    assert!(!is_default(&binding, &user, &json!("")));
}

#[test]
fn every_condition_of_a_rule_must_hold() {
    let rule = parse_rule(r#"* a.b 1 if=c=="x" if=d!=null src=test"#)
        .unwrap()
        .unwrap();
    let p = path("a.b");
    let both = json!({"a": {"c": "x", "d": 2}});
    let no_d = json!({"a": {"c": "x"}});
    let other_c = json!({"a": {"c": "y", "d": 2}});
    assert!(rule_holds(&rule, &both, &p, &json!(1)));
    assert!(!rule_holds(&rule, &no_d, &p, &json!(1)));
    assert!(!rule_holds(&rule, &other_c, &p, &json!(1)));
}
