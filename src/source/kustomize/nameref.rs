//! Name references: after prefixes, suffixes, namespaces and hashes changed
//! names, every field that names another object (a ConfigMap volume, a
//! RoleBinding's roleRef, an HPA's target ...) is pointed at the new name, as
//! kustomize's name reference transformer does.

use super::fieldspec::{self, Create, NameBackRefs};
use super::resource::{Gvk, Resource};
use anyhow::{Context, Result, bail};
use serde_json::Value;

pub fn fix(resources: &mut [Resource], backrefs: &[NameBackRefs]) -> Result<()> {
    let mut backrefs: Vec<&NameBackRefs> = backrefs.iter().collect();
    backrefs.sort_by_cached_key(|b| b.gvk.sort_string());
    // Which (referrer, field, target) pairs apply, in kustomize's order.
    let org_gvks: Vec<Gvk> = resources.iter().map(|r| r.org_id().gvk).collect();
    // Per referrer, the (field, target kind) pairs that apply, in kustomize's
    // order; referrers in the order they first appear.
    let mut work: Vec<Vec<(&fieldspec::FieldSpec, &Gvk)>> = vec![Vec::new(); resources.len()];
    let mut order: Vec<usize> = Vec::new();
    for backref in backrefs {
        for spec in &backref.referrers {
            for (i, gvk) in org_gvks.iter().enumerate() {
                if gvk.is_selected_by(&spec.gvk) {
                    if work[i].is_empty() {
                        order.push(i);
                    }
                    work[i].push((spec, &backref.gvk));
                }
            }
        }
    }
    let ids: Vec<super::resource::ResId> = resources.iter().map(Resource::cur_id).collect();
    for referrer in order {
        let candidates = candidates_for(resources, &ids, referrer);
        let skeleton = resources[referrer].skeleton();
        for (spec, target) in &work[referrer] {
            let mut obj = std::mem::take(&mut resources[referrer].obj);
            let gvk = Gvk::of(&obj);
            let result = {
                let resources_ref: &[Resource] = resources;
                let ctx = Ctx {
                    resources: resources_ref,
                    referrer: &skeleton,
                    spec_path: &spec.path,
                    target,
                    candidates: &candidates,
                };
                let spec = fieldspec::FieldSpec {
                    gvk: Gvk::default(),
                    ..(*spec).clone()
                };
                fieldspec::apply(&mut obj, &gvk, &spec, Create::Nothing, &mut |node| {
                    ctx.set(node)
                })
            };
            resources[referrer].obj = obj;
            result.with_context(|| {
                format!(
                    "updating the name reference in {} of {}",
                    spec.path,
                    resources[referrer].cur_id()
                )
            })?;
        }
    }
    Ok(())
}

/// Objects a referrer may name: cluster-scoped ones, those in its namespace,
/// and for RoleBindings, service accounts' namespaces named in its subjects.
fn candidates_for(
    resources: &[Resource],
    ids: &[super::resource::ResId],
    referrer: usize,
) -> Vec<usize> {
    let r = &resources[referrer];
    let rid = &ids[referrer];
    if rid.gvk.is_cluster_scoped() {
        return (0..resources.len()).collect();
    }
    let mut binding_namespaces: Vec<String> = Vec::new();
    if r.kind() == "RoleBinding"
        && let Some(Value::Array(subjects)) = r.obj.get("subjects")
    {
        for s in subjects {
            if s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                && let Some(ns) = s.get("namespace").and_then(Value::as_str)
            {
                binding_namespaces.push(ns.to_string());
            }
        }
    }
    (0..resources.len())
        .filter(|i| {
            let id = &ids[*i];
            id.gvk.is_cluster_scoped()
                || id.ns_equals(rid)
                || binding_namespaces
                    .iter()
                    .any(|ns| ns == resources[*i].namespace())
        })
        .collect()
}

struct Ctx<'a> {
    resources: &'a [Resource],
    referrer: &'a Resource,
    spec_path: &'a str,
    target: &'a Gvk,
    candidates: &'a [usize],
}

impl Ctx<'_> {
    fn set(&self, node: &mut Value) -> Result<()> {
        match node {
            Value::Null => Ok(()),
            Value::String(_) => self.set_scalar(node),
            Value::Object(_) => self.set_mapping(node),
            Value::Array(items) => {
                for item in items.iter_mut() {
                    match item {
                        Value::String(_) => self.set_scalar(item)?,
                        Value::Object(_) => self.set_mapping(item)?,
                        _ => {}
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn set_scalar(&self, node: &mut Value) -> Result<()> {
        let Value::String(old) = node else {
            return Ok(());
        };
        let candidates: Vec<&Resource> = self
            .candidates
            .iter()
            .map(|i| &self.resources[*i])
            .collect();
        if let Some(referral) = self.select(old, candidates, false)?
            && referral.name() != old
        {
            *node = Value::String(referral.name().to_string());
        }
        Ok(())
    }

    fn set_mapping(&self, node: &mut Value) -> Result<()> {
        let Some(old) = node.get("name").and_then(Value::as_str).map(str::to_string) else {
            if node.get("name").is_none() {
                bail!("path config error; no 'name' field in node");
            }
            return Ok(());
        };
        let mut candidates: Vec<&Resource> = self
            .candidates
            .iter()
            .map(|i| &self.resources[*i])
            .collect();
        if let Some(ns) = node.get("namespace").and_then(Value::as_str) {
            let by_org: Vec<&Resource> = candidates
                .iter()
                .copied()
                .filter(|r| {
                    !r.org_id().gvk.is_cluster_scoped() && r.org_id().effective_namespace() == ns
                })
                .collect();
            candidates = if !by_org.is_empty() {
                by_org
            } else {
                candidates
                    .into_iter()
                    .filter(|r| {
                        !r.cur_id().gvk.is_cluster_scoped()
                            && r.cur_id().effective_namespace() == ns
                    })
                    .collect()
            };
        }
        let Some(referral) = self.select(&old, candidates, true)? else {
            return Ok(());
        };
        if referral.name() == old && referral.namespace().is_empty() {
            return Ok(());
        }
        if let Value::Object(m) = node {
            m.insert("name".into(), Value::String(referral.name().to_string()));
            if !referral.namespace().is_empty() {
                m.insert(
                    "namespace".into(),
                    Value::String(referral.namespace().to_string()),
                );
            }
        }
        Ok(())
    }

    /// kustomize's sieve: same previous name, the target kind, roleRef's
    /// kind, reachable namespace; then the same prefixes and suffixes.
    fn select<'r>(
        &self,
        old: &str,
        candidates: Vec<&'r Resource>,
        with_namespace: bool,
    ) -> Result<Option<&'r Resource>> {
        let role_ref_gvk = if self.spec_path.ends_with("roleRef/name") {
            self.referrer.obj.get("roleRef").and_then(|rr| {
                Some(Gvk {
                    group: rr.get("apiGroup")?.as_str()?.to_string(),
                    version: String::new(),
                    kind: rr.get("kind")?.as_str()?.to_string(),
                })
            })
        } else {
            None
        };
        let referrer_id = self.referrer.cur_id();
        let mut c: Vec<&Resource> = candidates
            .into_iter()
            .filter(|r| r.had_name(old))
            .filter(|r| r.had_gvk_selected_by(self.target))
            .filter(|r| match &role_ref_gvk {
                Some(g) => r.had_gvk_selected_by(g),
                None => true,
            })
            .filter(|r| {
                referrer_id.gvk.is_cluster_scoped()
                    || r.cur_id().gvk.is_cluster_scoped()
                    || r.kind() == "ServiceAccount"
                    || referrer_id.ns_equals(&r.cur_id())
            })
            .collect();
        if c.len() == 1 {
            return Ok(Some(c[0]));
        }
        c.retain(|r| r.prefixes_suffixes_equal(self.referrer));
        match c.len() {
            0 => Ok(None),
            1 => Ok(Some(c[0])),
            _ => {
                let first = c[0];
                let same = c.iter().all(|r| {
                    r.name() == first.name()
                        && (!with_namespace || r.namespace() == first.namespace())
                });
                if same {
                    Ok(Some(first))
                } else {
                    let ids: Vec<String> = c.iter().map(|r| r.cur_id().to_string()).collect();
                    bail!("found multiple possible referrals: {}", ids.join(", "))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceLocation;
    use crate::source::kustomize::fieldspec::TransformerConfig;
    use serde_json::json;

    fn prefixed(obj: Value, prefix: &str) -> Resource {
        let mut r = Resource::new(obj, SourceLocation::default());
        r.prefixes.push(prefix.to_string());
        r.store_previous_id();
        let name = format!("{prefix}{}", r.name());
        r.set_name(&name);
        r
    }

    /// Two bases each rename their own `settings`; each Deployment follows
    /// the one built with the same prefix, as kustomize does.
    #[test]
    fn references_follow_the_object_renamed_in_the_same_kustomization() {
        let cm = |data: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings"}, "data": {"x": data}})
        };
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"volumes": [{"name": "v", "configMap": {"name": "settings"}}]}}}});
        let role_binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "rb"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "runner"}]});
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "reader"}});
        let mut resources = vec![
            prefixed(cm("a"), "a-"),
            prefixed(cm("b"), "b-"),
            prefixed(deploy.clone(), "a-"),
            prefixed(deploy, "b-"),
            prefixed(role, "a-"),
            prefixed(role_binding, "a-"),
        ];
        fix(
            &mut resources,
            &TransformerConfig::defaults().name_reference,
        )
        .unwrap();
        let volume = |r: &Resource| {
            r.obj["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"].clone()
        };
        assert_eq!(volume(&resources[2]), "a-settings");
        assert_eq!(volume(&resources[3]), "b-settings");
        assert_eq!(resources[5].obj["roleRef"]["name"], "a-reader");
        // Not among the objects: left alone.
        assert_eq!(resources[5].obj["subjects"][0]["name"], "runner");
    }
}
