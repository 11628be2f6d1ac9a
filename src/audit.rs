//! The audit: desired objects matched with live ones, compared, classified;
//! missing objects and orphans found. Reads the cluster only through a
//! [`LiveSource`], so a snapshot and a cluster give the same verdicts.

use crate::children;
use crate::classify::{self, LiveContext, OwnedAdditions, Policy};
use crate::compare;
use crate::live::{LiveObject, LiveQuery, LiveSource, Scope, TypeQuery, UnreadType};
use crate::managed_fields::{self, FieldManager};
use crate::model::{
    AppRef, Category, Change, Finding, Identity, IgnoredFinding, ObjectRef, Report, TrackingGroup,
    Unchecked, group_of,
};
use crate::normalize;
use crate::path::FieldPath;
use crate::rules::{Rule, Target};
use crate::source::{self, DesiredObject};
use anyhow::Result;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Labels (and the namespace label paired with them) by which GitOps tools
/// track what they deployed.
const TRACKING_LABELS: &[(&str, Option<&str>)] = &[
    (
        "kustomize.toolkit.fluxcd.io/name",
        Some("kustomize.toolkit.fluxcd.io/namespace"),
    ),
    ("app.kubernetes.io/instance", None),
];

/// A tracking label and value seen on a desired object's live twin, with
/// the namespace label that must match too (Flux).
type Tracking = (String, String, Option<(String, String)>);

#[derive(Debug, Default)]
pub struct AuditOptions {
    /// `--namespace`: the only namespace audited (and orphans looked for),
    /// and the namespace of namespaced objects that declare none.
    pub namespace: Option<String>,
    /// `--all-namespaces`: orphans looked for in every namespace.
    pub all_namespaces: bool,
    /// `--selector`: only objects whose labels match (Git's for declared
    /// objects, the cluster's for orphans).
    pub selector: Option<crate::selector::Selector>,
    pub policy: Policy,
    pub now: Option<jiff::Timestamp>,
    /// Ignore rules (config file, Argo CD ignoreDifferences).
    pub ignore: Vec<Rule>,
    /// Delegate rules: matching differences become category controller.
    pub delegate: Vec<Rule>,
    /// `--min-age`: only differences whose live value is at least this old.
    pub min_age: Option<std::time::Duration>,
    /// The GitOps apps followed: which app each desired object belongs to.
    pub apps: source::apps::AppIndex,
}

/// Annotations by which Flux is told to leave an object alone.
const FLUX_UNMANAGED: &[(&str, &str)] = &[
    ("kustomize.toolkit.fluxcd.io/reconcile", "disabled"),
    ("kustomize.toolkit.fluxcd.io/ssa", "Ignore"),
];

/// Kinds whose `spec.replicas` an autoscaler may own.
const SCALABLE: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "ReplicaSet"),
];

/// What rules are matched against for the findings of one object.
#[derive(Default)]
struct Subject {
    labels: Map<String, Value>,
    live: Option<LiveObject>,
}

/// An object's labels, for rules to match.
fn labels(object: &Value) -> Map<String, Value> {
    object["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

/// Runs the audit of `desired` against `live`.
pub fn audit(
    desired: Vec<DesiredObject>,
    live: &mut dyn LiveSource,
    options: &AuditOptions,
) -> Result<Report> {
    let started = std::time::Instant::now();
    let mut unchecked = Vec::new();

    // Scope every desired object; default namespaces like kubectl does.
    let default_namespace = options
        .namespace
        .clone()
        .or_else(|| live.default_namespace())
        .unwrap_or_else(|| "default".to_string());
    let declared_types: BTreeSet<(String, String)> = desired
        .iter()
        .map(|o| {
            let r = o.object_ref();
            (r.api_version, r.kind)
        })
        .collect();
    live.discover(&declared_types.into_iter().collect::<Vec<_>>())?;
    let mut scoped = Vec::new();
    let mut apps: HashMap<Identity, AppRef> = HashMap::new();
    let declared_count = desired.len();
    let mut out_of_scope = OutOfScope::default();
    let mut scopes: HashMap<(String, String), Scope> = HashMap::new();
    for mut object in desired {
        let mut r = object.object_ref();
        let app = options.apps.of_desired(&r.identity()).cloned();
        let key = (r.api_version.clone(), r.kind.clone());
        let scope = match scopes.get(&key) {
            Some(scope) => scope.clone(),
            None => {
                let scope = live.scope(&r.api_version, &r.kind)?;
                scopes.insert(key, scope.clone());
                scope
            }
        };
        let namespace = match scope {
            Scope::Cluster => None,
            _ => Some(
                r.namespace
                    .clone()
                    .unwrap_or_else(|| default_namespace.clone()),
            ),
        };
        if !out_of_scope.admits(options, namespace.as_deref(), &object.value) {
            continue;
        }
        match scope {
            Scope::NotServed(reason) => unchecked.push(Unchecked { object: r, reason }),
            Scope::Cluster => {
                if let Some(metadata) = object.value["metadata"].as_object_mut() {
                    metadata.remove("namespace");
                }
                r.namespace = None;
                scoped.push((object, r, false));
            }
            Scope::Namespaced => {
                if r.namespace.is_none() {
                    object.value["metadata"]["namespace"] =
                        Value::String(default_namespace.clone());
                    r.namespace = Some(default_namespace.clone());
                }
                scoped.push((object, r, true));
            }
        }
        if let (Some(app), Some((_, r, _))) = (app, scoped.last()) {
            apps.insert(r.identity(), app);
        }
    }
    let mut types: BTreeMap<(String, String), bool> = BTreeMap::new();
    for (_, r, namespaced) in &scoped {
        types
            .entry((r.api_version.clone(), r.kind.clone()))
            .or_insert(*namespaced);
    }
    // Each desired object's ObjectRef (as scoped), built once.
    let (objects, owners): (Vec<DesiredObject>, Vec<ObjectRef>) =
        scoped.into_iter().map(|(o, r, _)| (o, r)).unzip();
    let identities: Vec<Identity> = owners.iter().map(ObjectRef::identity).collect();
    if objects.is_empty() && unchecked.is_empty() && out_of_scope.count() > 0 {
        anyhow::bail!("{}", out_of_scope.nothing_left(options, declared_count));
    }
    source::reject_duplicates(&objects, &owners, &identities)?;

    // One query per desired type, over every desired namespace (the orphan
    // scope), or the one namespace of `--namespace`.
    let namespaces: BTreeSet<String> = match &options.namespace {
        Some(ns) => BTreeSet::from([ns.clone()]),
        None => owners.iter().filter_map(|r| r.namespace.clone()).collect(),
    };
    // Live-only HPAs (KEDA's keda-hpa-*, hand-made ones) delegate replicas
    // too: read them for context, never as orphans.
    let desired_kinds: HashSet<(String, String)> = types
        .keys()
        .map(|(v, k)| (group_of(v).to_string(), k.clone()))
        .collect();
    let scalable = desired_kinds
        .iter()
        .any(|(g, k)| SCALABLE.contains(&(g.as_str(), k.as_str())));
    if scalable
        && !desired_kinds.contains(&("autoscaling".into(), "HorizontalPodAutoscaler".into()))
    {
        types.insert(
            ("autoscaling/v2".into(), "HorizontalPodAutoscaler".into()),
            true,
        );
    }
    let query = LiveQuery {
        types: types
            .iter()
            .map(|((api_version, kind), namespaced)| TypeQuery {
                api_version: api_version.clone(),
                kind: kind.clone(),
                namespaces: if *namespaced {
                    namespaces.clone()
                } else {
                    BTreeSet::new()
                },
                every_namespace: *namespaced && options.all_namespaces,
            })
            .collect(),
        selector: options.selector.clone(),
    };
    // The types desired objects' controllers write children of, in the same
    // round of LISTs (unselected: children need not carry the selected
    // labels); not searched for orphans (they are not desired kinds).
    let tracked_query = query.clone();
    let child_types: Vec<TypeQuery> = children::queries(owners.iter())
        .into_iter()
        .filter(|t| {
            !desired_kinds.contains(&(group_of(&t.api_version).to_string(), t.kind.clone()))
        })
        .collect();
    let state = if query.selector.is_some() {
        let mut state = live.fetch(&query)?;
        confirm_missing(&objects, &query, &mut state, live)?;
        let of_children = live.fetch(&LiveQuery {
            types: child_types,
            selector: None,
        })?;
        state.objects.extend(of_children.objects);
        state.unread.extend(of_children.unread);
        state
    } else {
        let mut query = query;
        query.types.extend(child_types);
        live.fetch(&query)?
    };
    let child_unread: Vec<UnreadType> = state.unread.clone();
    let unread: Vec<UnreadType> = state
        .unread
        .into_iter()
        .filter(|u| desired_kinds.contains(&(group_of(&u.api_version).to_string(), u.kind.clone())))
        .collect();

    // Shared, not copied: a live object is held once whether it is compared,
    // matched by rules or reported as an orphan, and read whole only where
    // it is compared or a rule reads it (see `LiveObject`).
    let mut live_by_identity: HashMap<Identity, Vec<LiveObject>> = HashMap::new();
    for object in state.objects {
        if let Some(r) = ObjectRef::from_value(object.head()) {
            live_by_identity
                .entry(r.identity())
                .or_default()
                .push(object);
        }
    }

    let autoscaled = autoscaled_targets(&objects, &live_by_identity);
    let desired_identities: HashSet<&Identity> = identities.iter().collect();

    let mut findings = Vec::new();
    let mut subjects: HashMap<Identity, Subject> = HashMap::new();
    let mut unmanaged = Vec::new();
    let mut tracking: BTreeSet<Tracking> = BTreeSet::new();
    // In object order: what the first pass settles, and the objects it
    // leaves to compare, judged after it (on every core when they are many).
    let mut steps: Vec<Step> = Vec::new();
    for ((object, r), identity) in objects.iter().zip(&owners).zip(&identities) {
        let r = r.clone();
        if let Some(reason) = unread_reason(&unread, &r) {
            steps.push(Step::Unchecked(Unchecked { object: r, reason }));
            continue;
        }
        let twins = live_by_identity.get(identity);
        let flux_off = std::iter::once(&object.value)
            .chain(twins.into_iter().flatten().map(LiveObject::head))
            .find_map(flux_unmanaged);
        if let Some(reason) = flux_off {
            if let Some(twin) = twins.and_then(|t| t.first()) {
                collect_tracking(twin.head(), &mut tracking);
            }
            unmanaged.push(Unchecked { object: r, reason });
            continue;
        }
        let Some(twin) = twins.and_then(|t| t.first()) else {
            steps.push(Step::Missing(Box::new(Finding {
                category: Category::Missing,
                object: r.clone(),
                path: None,
                change: Change::Missing,
                desired: None,
                live: None,
                attribution: None,
                source: Some(object.source.clone()),
                reason: None,
                owner: None,
            })));
            continue;
        };
        let Some(twin) = twins
            .into_iter()
            .flatten()
            .find(|t| t.head()["apiVersion"] == r.api_version.as_str())
        else {
            steps.push(Step::Unchecked(Unchecked {
                reason: format!(
                    "the live object is read as {}, Git declares {}; not compared across versions",
                    twin.head()["apiVersion"].as_str().unwrap_or("?"),
                    r.api_version
                ),
                object: r,
            }));
            continue;
        };
        collect_tracking(twin.head(), &mut tracking);
        steps.push(Step::Compare {
            object,
            r,
            identity,
            twin,
        });
    }
    let judged = crate::parallel::map(&steps, |step| match step {
        Step::Compare {
            object,
            r,
            identity,
            twin,
        } => Some(judge(
            object,
            r,
            twin,
            autoscaled.contains(*identity),
            &options.policy,
        )),
        _ => None,
    });
    for (step, judged) in steps.into_iter().zip(judged) {
        match (step, judged) {
            (Step::Missing(finding), _) => findings.push(*finding),
            (Step::Unchecked(u), _) => unchecked.push(u),
            (Step::Compare { r, .. }, Some(Err(reason))) => {
                unchecked.push(Unchecked { object: r, reason })
            }
            (Step::Compare { .. }, Some(Ok(found))) => findings.extend(found),
            (Step::Compare { .. }, None) => {}
        }
    }
    // What rules match the findings of desired objects against: the live
    // twin (else Git's object) and its labels.
    let found: HashSet<Identity> = findings.iter().map(|f| f.object.identity()).collect();
    for (object, identity) in objects.iter().zip(&identities) {
        if !found.contains(identity) {
            continue;
        }
        let twin = live_by_identity.get(identity).and_then(|t| t.first());
        subjects.insert(
            identity.clone(),
            Subject {
                labels: labels(twin.map_or(&object.value, LiveObject::head)),
                live: twin.cloned(),
            },
        );
    }

    let generated = audit_children(
        &owners,
        &identities,
        &live_by_identity,
        &desired_identities,
        &mut apps,
        &mut subjects,
    );
    findings.extend(generated.findings);
    let present: Vec<ObjectRef> = owners
        .into_iter()
        .zip(&identities)
        .filter(|(_, identity)| live_by_identity.contains_key(*identity))
        .map(|(r, _)| r)
        .collect();
    let blind = unread_children(&present, &child_unread, &unchecked);
    unchecked.extend(generated.unchecked);
    unchecked.extend(blind);

    // Orphans: live objects in scope that Git does not declare.
    let in_scope = |o: &LiveObject| {
        let o = o.head();
        let namespace = o["metadata"]["namespace"].as_str();
        namespace.is_some()
            && options
                .namespace
                .as_deref()
                .is_none_or(|ns| namespace == Some(ns))
            && options
                .selector
                .as_ref()
                .is_none_or(|s| s.matches_object(o))
    };
    let mut candidates: Vec<LiveObject> = live_by_identity
        .iter()
        .filter(|(identity, _)| !desired_identities.contains(identity))
        .flat_map(|(_, objects)| objects)
        .filter(|o| in_scope(o))
        .filter(|o| {
            let kind = o.head()["kind"].as_str().unwrap_or_default().to_string();
            let group = group_of(o.head()["apiVersion"].as_str().unwrap_or_default()).to_string();
            desired_kinds.contains(&(group, kind))
        })
        .cloned()
        .collect();
    let mut tracked_unread = Vec::new();
    // Under `--namespace` the orphan search is that namespace, listed already.
    let tracked_search = if options.namespace.is_some() {
        BTreeSet::new()
    } else {
        tracking.clone()
    };
    for (label, value, namespace_label) in &tracked_search {
        let tracked = live.fetch_tracked(&tracked_query, label, value)?;
        tracked_unread.extend(tracked.unread.into_iter().filter(|u| {
            desired_kinds.contains(&(group_of(&u.api_version).to_string(), u.kind.clone()))
        }));
        candidates.extend(
            tracked
                .objects
                .into_iter()
                .filter(|o| match namespace_label {
                    Some((key, ns)) => o.head()["metadata"]["labels"][key].as_str() == Some(ns),
                    None => true,
                }),
        );
    }
    let mut seen = HashSet::new();
    let stripped = live.without_managed_fields();
    let namespace_apps = apps_by_namespace(&apps);
    let mut orphan_apps = Vec::new();
    let mut unjudged = Vec::new();
    let mut tracking_groups = HashMap::new();
    let mut orphans: Vec<Finding> = candidates
        .into_iter()
        .filter_map(|live| {
            let o = live.head();
            let r = ObjectRef::from_value(o)?;
            let identity = r.identity();
            if desired_identities.contains(&identity) || !seen.insert(identity.clone()) {
                return None;
            }
            // Another app of the repository deploys it: not an orphan of this audit.
            let app = match options.apps.tracked_by(o) {
                Some(app) if !options.apps.is_audited(&app) => return None,
                Some(app) => Some(app),
                None => r
                    .namespace
                    .as_ref()
                    .and_then(|ns| namespace_apps.get(ns))
                    .and_then(|found| match found.as_slice() {
                        [only] => Some((*only).clone()),
                        _ => None,
                    }),
            };
            match app {
                Some(app) => orphan_apps.push((identity.clone(), app)),
                None => {
                    if let Some(group) = shared_tracking(o, &tracking) {
                        tracking_groups.insert(identity.clone(), group);
                    }
                }
            }
            let finding = if stripped {
                match orphan_without_managed_fields(o, r, &tracking) {
                    Ok(finding) => finding?,
                    Err(not_judged) => {
                        unjudged.push(not_judged);
                        return None;
                    }
                }
            } else {
                let managers = managed_fields::parse(o).unwrap_or_default();
                orphan(o, r, &managers, &options.policy)?
            };
            subjects.insert(
                finding.object.identity(),
                Subject {
                    labels: labels(o),
                    live: Some(live.clone()),
                },
            );
            Some(finding)
        })
        .collect();
    orphans.sort_by(|a, b| a.object.cmp(&b.object));
    findings.extend(orphans);
    unjudged.sort_by(|a: &Unchecked, b| a.object.cmp(&b.object));
    unchecked.extend(unjudged);
    apps.extend(orphan_apps);

    for u in &unread {
        let affects_desired = objects.iter().any(|o| unread_matches(u, &o.object_ref()));
        if !affects_desired {
            unchecked.push(Unchecked {
                object: ObjectRef {
                    api_version: u.api_version.clone(),
                    kind: u.kind.clone(),
                    namespace: u.namespace.clone(),
                    name: "*".into(),
                },
                reason: format!("orphans not checked: {}", u.reason),
            });
        }
    }

    for u in tracked_unread {
        unchecked.push(Unchecked {
            object: ObjectRef {
                api_version: u.api_version,
                kind: u.kind,
                namespace: u.namespace,
                name: "*".into(),
            },
            reason: format!("orphans not checked: {}", u.reason),
        });
    }

    hide_substituted_secrets(&mut findings, &objects, &identities);
    let now = options.now.unwrap_or_else(jiff::Timestamp::now);
    let (findings, ignored_findings, delegated) = apply_rules(findings, &subjects, options, now);
    let report = Report {
        findings,
        unchecked,
        ignored: ignored_findings.len(),
        ignored_findings,
        delegated,
        unmanaged,
        objects_checked: objects.len(),
        out_of_scope: out_of_scope.count(),
        declared: identities
            .iter()
            .zip(&objects)
            .map(|(identity, o)| (identity.clone(), o.source.clone()))
            .collect(),
        now,
        duration: started.elapsed(),
        apps,
        tracking_groups,
        without_managed_fields: stripped,
        failing: Category::ALL
            .into_iter()
            .filter(|c| c.fails_by_default())
            .collect(),
    };
    crate::parallel::drop_in_background((objects, live_by_identity, subjects));
    Ok(report)
}

/// One desired object in the audit's first pass.
enum Step<'a> {
    /// Missing from the cluster.
    Missing(Box<Finding>),
    Unchecked(Unchecked),
    /// Compared with its live twin, field by field.
    Compare {
        object: &'a DesiredObject,
        r: ObjectRef,
        identity: &'a Identity,
        twin: &'a LiveObject,
    },
}

/// The findings of comparing `object` with its live twin, or why it cannot
/// be compared.
fn judge(
    object: &DesiredObject,
    r: &ObjectRef,
    twin: &LiveObject,
    autoscaled: bool,
    policy: &Policy,
) -> std::result::Result<Vec<Finding>, String> {
    let managers = managed_fields::parse(twin.head())
        .map_err(|e| format!("managedFields cannot be read: {e}"))?;
    let mut twin = twin.value()?;
    // Compared stripped of what Kubernetes owns, classified whole. The judge
    // of additions reads only the fields on a path the walk takes, which
    // stripping leaves as they are.
    let stripped = normalize::strip(&mut twin);
    let differences = compare::compare(
        &normalize::desired(&object.value),
        &twin,
        &OwnedAdditions {
            live: &twin,
            managers: &managers,
        },
    );
    stripped.restore(&mut twin);
    let ctx = LiveContext {
        object: r,
        live: &twin,
        managers: &managers,
        autoscaled,
        source: Some(&object.source),
    };
    Ok(differences
        .into_iter()
        .filter_map(|d| classify::classify(d, &ctx, policy))
        .collect())
}

/// What the children of desired objects add to the report.
#[derive(Default)]
struct Generated {
    findings: Vec<Finding>,
    unchecked: Vec<Unchecked>,
}

/// Fields a person wrote on the live children of desired objects (each
/// finding names its desired owner, and the child belongs to the owner's app).
fn audit_children(
    objects: &[ObjectRef],
    identities: &[Identity],
    live_by_identity: &HashMap<Identity, Vec<LiveObject>>,
    desired_identities: &HashSet<&Identity>,
    apps: &mut HashMap<Identity, AppRef>,
    subjects: &mut HashMap<Identity, Subject>,
) -> Generated {
    let owners: Vec<(Identity, &ObjectRef, &Value)> = objects
        .iter()
        .zip(identities)
        .filter_map(|(r, identity)| {
            let twin = live_by_identity.get(identity)?.first()?;
            Some((identity.clone(), r, twin.head()))
        })
        .collect();
    let found = children::find(
        owners,
        live_by_identity.values().flatten(),
        desired_identities,
    );
    let mut out = Generated::default();
    for child in found {
        let Some(r) = ObjectRef::from_value(child.object.head()) else {
            continue;
        };
        let whole = match child.object.value() {
            Ok(whole) => whole,
            Err(reason) => {
                out.unchecked.push(Unchecked { object: r, reason });
                continue;
            }
        };
        match children::findings(&child, &whole) {
            Ok(findings) if findings.is_empty() => continue,
            Ok(findings) => out.findings.extend(findings),
            Err(e) => {
                out.unchecked.push(Unchecked {
                    object: r,
                    reason: format!(
                        "managedFields cannot be read: {e} (generated from {}, which Git declares)",
                        child.owner
                    ),
                });
                continue;
            }
        }
        if let Some(app) = apps.get(&child.owner.identity()).cloned() {
            apps.insert(r.identity(), app);
        }
        subjects.insert(
            r.identity(),
            Subject {
                labels: labels(child.object.head()),
                live: Some(child.object.clone()),
            },
        );
    }
    out
}

/// Desired objects whose children's types could not be read (a 403 on
/// Secrets beside a SealedSecret): a person's edit there would go unseen,
/// so their check is not complete.
fn unread_children(
    owners: &[ObjectRef],
    unread: &[UnreadType],
    already: &[Unchecked],
) -> Vec<Unchecked> {
    owners
        .iter()
        .filter(|owner| !already.iter().any(|u| &u.object == *owner))
        .filter_map(|owner| {
            let types = children::child_types(owner.group(), &owner.kind);
            let u = unread.iter().find(|u| {
                types.iter().any(|(api_version, kind)| {
                    *kind == u.kind && group_of(api_version) == group_of(&u.api_version)
                }) && (u.namespace.is_none() || u.namespace == owner.namespace)
            })?;
            Some(Unchecked {
                object: owner.clone(),
                reason: format!(
                    "the {} objects its controller writes cannot be read, so a person's \
                     change there would go unseen: {}",
                    u.kind, u.reason
                ),
            })
        })
        .collect()
}

/// A finding on an object that Flux substituted Secret values into never
/// shows them: Git's value has each replaced by its marker, and the live
/// value of such a field (the same secret, or another) is a marker whole.
fn hide_substituted_secrets(
    findings: &mut [Finding],
    objects: &[DesiredObject],
    identities: &[Identity],
) {
    let secrets: HashMap<&Identity, &[source::SecretValue]> = objects
        .iter()
        .zip(identities)
        .filter(|(o, _)| !o.secrets.is_empty())
        .map(|(o, identity)| (identity, o.secrets.as_slice()))
        .collect();
    if secrets.is_empty() {
        return;
    }
    for f in findings {
        let Some(secrets) = secrets.get(&f.object.identity()) else {
            continue;
        };
        let from_git = f
            .desired
            .as_mut()
            .is_some_and(|v| source::hide_secret_values(v, secrets));
        let Some(live) = &mut f.live else { continue };
        if from_git {
            let desired = f.desired.as_ref().map(Value::to_string).unwrap_or_default();
            let secret = secrets
                .iter()
                .find(|s| desired.contains(&s.from))
                .unwrap_or(&secrets[0]);
            *live = Value::String(format!(
                "{}the cluster, in a field Git fills from {})",
                crate::model::HIDDEN_MARKER,
                secret.from
            ));
        } else {
            source::hide_secret_values(live, secrets);
        }
    }
}

/// The tracking label of the audited objects that `object` carries too.
fn shared_tracking(object: &Value, tracking: &BTreeSet<Tracking>) -> Option<TrackingGroup> {
    let mut carried = BTreeSet::new();
    collect_tracking(object, &mut carried);
    let (label, value, namespace) = carried.intersection(tracking).next()?.clone();
    Some(TrackingGroup {
        label,
        value,
        namespace,
    })
}

/// Desired objects `--namespace` and `--selector` leave out of the audit.
#[derive(Default)]
struct OutOfScope {
    other_namespaces: BTreeSet<String>,
    in_other_namespace: usize,
    cluster_scoped: usize,
    unselected: usize,
}

impl OutOfScope {
    /// Whether an object placed in `namespace` (`None`: cluster-scoped) is
    /// audited; counts the ones that are not.
    fn admits(&mut self, options: &AuditOptions, namespace: Option<&str>, object: &Value) -> bool {
        if let Some(wanted) = &options.namespace {
            match namespace {
                None => {
                    self.cluster_scoped += 1;
                    return false;
                }
                Some(ns) if ns != wanted => {
                    self.in_other_namespace += 1;
                    self.other_namespaces.insert(ns.to_string());
                    return false;
                }
                Some(_) => {}
            }
        }
        if let Some(selector) = &options.selector
            && !selector.matches_object(object)
        {
            self.unselected += 1;
            return false;
        }
        true
    }

    fn count(&self) -> usize {
        self.in_other_namespace + self.cluster_scoped + self.unselected
    }

    /// The error when no declared object is in scope: an audit of nothing.
    fn nothing_left(&self, options: &AuditOptions, declared: usize) -> String {
        let mut why = Vec::new();
        if self.in_other_namespace > 0 {
            why.push(format!(
                "{} in other namespaces ({})",
                self.in_other_namespace,
                self.other_namespaces
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.cluster_scoped > 0 {
            why.push(format!("{} cluster-scoped", self.cluster_scoped));
        }
        if self.unselected > 0 {
            why.push(format!("{} with labels that do not match", self.unselected));
        }
        let mut wanted = Vec::new();
        if let Some(ns) = &options.namespace {
            wanted.push(format!("is in namespace {ns}"));
        }
        if let Some(selector) = &options.selector {
            wanted.push(format!("has labels matching --selector {selector}"));
        }
        format!(
            "none of the {declared} objects PATHs declare {} ({}); nothing to audit",
            wanted.join(" and "),
            why.join(", ")
        )
    }
}

/// Under `--selector`, a desired object whose live twin no longer carries
/// the selected labels is not returned by the selected LISTs: look again,
/// unselected, for the types and namespaces of those not found, so that a
/// changed label is reported as the drift it is, not as a missing object.
fn confirm_missing(
    objects: &[DesiredObject],
    query: &LiveQuery,
    state: &mut crate::live::LiveState,
    live: &mut dyn LiveSource,
) -> Result<()> {
    let found: HashSet<Identity> = state
        .objects
        .iter()
        .filter_map(|o| ObjectRef::from_value(o.head()))
        .map(|r| r.identity())
        .collect();
    let not_found: Vec<ObjectRef> = objects
        .iter()
        .map(|o| o.object_ref())
        .filter(|r| !found.contains(&r.identity()))
        .collect();
    if not_found.is_empty() {
        return Ok(());
    }
    let types = query
        .types
        .iter()
        .filter_map(|t| {
            let wanted: Vec<&ObjectRef> = not_found
                .iter()
                .filter(|r| r.kind == t.kind && r.group() == group_of(&t.api_version))
                .collect();
            (!wanted.is_empty()).then(|| TypeQuery {
                namespaces: wanted.iter().filter_map(|r| r.namespace.clone()).collect(),
                every_namespace: false,
                ..t.clone()
            })
        })
        .collect();
    let again = live.fetch(&LiveQuery {
        types,
        selector: None,
    })?;
    let wanted: HashSet<Identity> = not_found.iter().map(ObjectRef::identity).collect();
    state.objects.extend(again.objects.into_iter().filter(|o| {
        ObjectRef::from_value(o.head()).is_some_and(|r| wanted.contains(&r.identity()))
    }));
    for u in again.unread {
        if !state.unread.contains(&u) {
            state.unread.push(u);
        }
    }
    Ok(())
}

/// The apps whose desired objects are in each namespace.
fn apps_by_namespace(apps: &HashMap<Identity, AppRef>) -> HashMap<String, Vec<&AppRef>> {
    let mut out: HashMap<String, Vec<&AppRef>> = HashMap::new();
    for (identity, app) in apps {
        if let Some(ns) = &identity.namespace {
            let list = out.entry(ns.clone()).or_default();
            if !list.contains(&app) {
                list.push(app);
            }
        }
    }
    out
}

fn flux_unmanaged(object: &Value) -> Option<String> {
    let annotations = &object["metadata"]["annotations"];
    FLUX_UNMANAGED.iter().find_map(|(key, value)| {
        (annotations[*key].as_str() == Some(value))
            .then(|| format!("not managed by Flux ({key}: {value})"))
    })
}

/// Argo CD's `IgnoreExtraneous`: the object is not reported as an orphan.
fn ignore_extraneous(object: &Value) -> bool {
    object["metadata"]["annotations"]["argocd.argoproj.io/compare-options"]
        .as_str()
        .is_some_and(|v| v.split(',').any(|o| o.trim() == "IgnoreExtraneous"))
}

/// Ignore rules hide findings (recorded with the rule), delegate rules make
/// them controller findings, `--min-age` hides the recent ones.
fn apply_rules(
    findings: Vec<Finding>,
    subjects: &HashMap<Identity, Subject>,
    options: &AuditOptions,
    now: jiff::Timestamp,
) -> (Vec<Finding>, Vec<IgnoredFinding>, usize) {
    let mut kept = Vec::new();
    let mut ignored = Vec::new();
    let mut delegated = 0;
    let no_labels = Map::new();
    // Each subject's live object read whole once, for all its findings.
    let mut documents: HashMap<Identity, Option<Value>> = HashMap::new();
    for mut finding in findings {
        let identity = finding.object.identity();
        let subject = subjects.get(&identity);
        let live = documents
            .entry(identity)
            .or_insert_with(|| subject?.live.as_ref()?.value().ok())
            .as_ref();
        let path = finding
            .path
            .as_deref()
            .and_then(|p| FieldPath::parse(p).ok());
        let pointer = match (&path, live) {
            (Some(p), Some(l)) => crate::rules::pointer_of(l, p),
            _ => None,
        };
        let target = Target {
            object: &finding.object,
            labels: subject.map(|s| &s.labels).unwrap_or(&no_labels),
            path: path.as_ref(),
            pointer: pointer.as_deref(),
            manager: finding.attribution.as_ref().map(|a| a.manager.as_str()),
            reason: finding.reason,
            document: live,
        };
        let mut hidden_by = options
            .ignore
            .iter()
            .find(|r| r.matches(&target))
            .map(|r| r.origin.clone());
        if hidden_by.is_none()
            && finding.category == Category::Orphan
            && live.is_some_and(ignore_extraneous)
        {
            hidden_by =
                Some("annotation argocd.argoproj.io/compare-options: IgnoreExtraneous".into());
        }
        if hidden_by.is_none()
            && let Some(min_age) = options.min_age
            && let Some(since) = finding
                .attribution
                .as_ref()
                .and_then(|a| a.since.as_deref())
            && let Ok(since) = since.parse::<jiff::Timestamp>()
            && now.as_second() - since.as_second() < min_age.as_secs() as i64
        {
            hidden_by = Some(format!("--min-age {}", humantime::format_duration(min_age)));
        }
        if let Some(rule) = hidden_by {
            ignored.push(IgnoredFinding { finding, rule });
            continue;
        }
        if finding.category != Category::Controller
            && options.delegate.iter().any(|r| r.matches(&target))
        {
            finding.category = Category::Controller;
            delegated += 1;
        }
        kept.push(finding);
    }
    (kept, ignored, delegated)
}

fn unread_matches(unread: &UnreadType, object: &ObjectRef) -> bool {
    unread.kind == object.kind
        && group_of(&unread.api_version) == object.group()
        && (unread.namespace.is_none() || unread.namespace == object.namespace)
}

fn unread_reason(unread: &[UnreadType], object: &ObjectRef) -> Option<String> {
    unread
        .iter()
        .find(|u| unread_matches(u, object))
        .map(|u| u.reason.clone())
}

/// Objects whose `spec.replicas` a HorizontalPodAutoscaler (from Git or live) sets.
fn autoscaled_targets(
    desired: &[DesiredObject],
    live: &HashMap<Identity, Vec<LiveObject>>,
) -> HashSet<Identity> {
    let is_hpa = |o: &Value| {
        o["kind"] == "HorizontalPodAutoscaler"
            && group_of(o["apiVersion"].as_str().unwrap_or_default()) == "autoscaling"
    };
    let live_hpas: Vec<Value> = live
        .values()
        .flatten()
        .filter(|o| is_hpa(o.head()))
        .filter_map(|o| o.value().ok())
        .collect();
    let hpas = desired
        .iter()
        .map(|o| &o.value)
        .chain(&live_hpas)
        .filter(|o| is_hpa(o));
    hpas.filter_map(|hpa| {
        let target = hpa["spec"].get("scaleTargetRef")?;
        Some(Identity {
            group: group_of(target.get("apiVersion")?.as_str()?).to_string(),
            kind: target.get("kind")?.as_str()?.to_string(),
            namespace: hpa["metadata"]["namespace"].as_str().map(str::to_string),
            name: target.get("name")?.as_str()?.to_string(),
        })
    })
    .collect()
}

fn collect_tracking(live: &Value, out: &mut BTreeSet<Tracking>) {
    let labels = &live["metadata"]["labels"];
    for (label, namespace_label) in TRACKING_LABELS {
        if let Some(value) = labels[*label].as_str() {
            let namespace = namespace_label.and_then(|key| {
                labels[key]
                    .as_str()
                    .map(|ns| (key.to_string(), ns.to_string()))
            });
            out.insert((label.to_string(), value.to_string(), namespace));
        }
    }
}

/// Objects every cluster makes by itself, with no owner reference: the
/// `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap of every
/// namespace (and OpenShift's `openshift-service-ca.crt`), Endpoints the endpoint controller keeps for a Service (it
/// labels them as its own).
fn made_by_the_cluster(object: &Value) -> bool {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    let core = object["apiVersion"] == "v1";
    let labels = &object["metadata"]["labels"];
    (core && kind == "ServiceAccount" && name == "default")
        || (core
            && kind == "ConfigMap"
            && (name == "kube-root-ca.crt" || name == "openshift-service-ca.crt"))
        || labels["endpoints.kubernetes.io/managed-by"].is_string()
        || labels["endpointslice.kubernetes.io/managed-by"].is_string()
}

/// An orphan judged without managedFields (a snapshot taken without
/// `--show-managed-fields`): an object carrying the tracking label of the
/// audited objects was applied from Git, so it is an orphan; any other
/// cannot be told from a controller's and is unchecked (`Err`), never
/// dropped in silence.
fn orphan_without_managed_fields(
    object: &Value,
    r: ObjectRef,
    tracking: &BTreeSet<Tracking>,
) -> std::result::Result<Option<Finding>, Unchecked> {
    let owned = object["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|o| !o.is_empty());
    if owned || made_by_the_cluster(object) {
        return Ok(None);
    }
    if shared_tracking(object, tracking).is_some() {
        return Ok(Some(Finding {
            category: Category::Orphan,
            object: r,
            path: None,
            change: Change::Orphan,
            desired: None,
            live: None,
            attribution: None,
            source: None,
            reason: None,
            owner: None,
        }));
    }
    Err(Unchecked {
        object: r,
        reason: "in the cluster, declared nowhere in Git; not judged as an orphan: the \
                 snapshot has no managedFields (take it with `kubectl get \
                 --show-managed-fields`), so whether a person or a controller made it is \
                 unknown"
            .into(),
    })
}

/// An orphan finding, unless the object belongs to the cluster: it has an
/// owner, only controllers ever wrote it, or it has no managedFields at all
/// (the `default` ServiceAccount).
fn orphan(
    object: &Value,
    r: ObjectRef,
    managers: &[FieldManager],
    policy: &Policy,
) -> Option<Finding> {
    let owned = object["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|o| !o.is_empty());
    if owned || managers.is_empty() || managers.iter().all(|m| policy.is_controller(&m.manager)) {
        return None;
    }
    // The creator: the earliest writer that is not a controller.
    let creator = managers
        .iter()
        .filter(|m| !policy.is_controller(&m.manager))
        .min_by_key(|m| (m.time.is_none(), m.time.clone()));
    Some(Finding {
        category: Category::Orphan,
        object: r,
        path: None,
        change: Change::Orphan,
        desired: None,
        live: None,
        attribution: creator.map(FieldManager::attribution),
        source: None,
        reason: None,
        owner: None,
    })
}
