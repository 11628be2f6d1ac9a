//! The user guide's examples are checked against the product: its YAML
//! parses, the ClusterRole it gives grants only reads, the metrics and
//! flags it names exist, and its links lead somewhere.

mod common;

use clap::CommandFactory;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn guide() -> String {
    std::fs::read_to_string(root().join("docs/user-guide.md")).unwrap()
}

/// The fenced code blocks of a Markdown text: (language, body).
fn code_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some("")) => blocks.push(current.take().unwrap()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(current.is_none(), "an unclosed code block");
    blocks
}

/// Every YAML document of every ```yaml block.
fn yaml_documents(markdown: &str) -> Vec<Value> {
    let mut docs = Vec::new();
    for (lang, body) in code_blocks(markdown) {
        if lang != "yaml" {
            continue;
        }
        let parsed = driftctl::yaml::parse_documents(&body, "a ```yaml block")
            .unwrap_or_else(|e| panic!("a YAML block does not parse: {e:#}\n{body}"));
        docs.extend(parsed.into_iter().map(|d| d.value));
    }
    docs
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter()
        .filter(|d| d["kind"].as_str() == Some(kind))
        .collect()
}

#[test]
fn every_yaml_example_parses() {
    let docs = yaml_documents(&guide());
    // Namespace, ServiceAccount, ClusterRole, binding, CronJob, two CI
    // configurations and the alert rules at least.
    assert!(docs.len() >= 8, "{} YAML documents", docs.len());
}

#[test]
fn the_cluster_role_grants_only_get_list_watch() {
    let docs = yaml_documents(&guide());
    let roles = of_kind(&docs, "ClusterRole");
    assert_eq!(roles.len(), 1, "one ClusterRole in the guide");
    let role = roles[0];
    let rules = role["rules"].as_array().expect("the role has rules");
    assert!(!rules.is_empty());
    let allowed = ["get", "list", "watch"];
    let mut granted = BTreeSet::new();
    for rule in rules {
        let verbs = rule["verbs"].as_array().expect("each rule names verbs");
        assert!(!verbs.is_empty());
        for verb in verbs {
            let verb = verb.as_str().unwrap();
            assert!(
                allowed.contains(&verb),
                "the read-only ClusterRole grants {verb:?}: {rule:?}"
            );
            granted.insert(verb.to_string());
        }
    }
    // It does let driftctl read: LIST and GET of resources.
    assert!(granted.contains("list") && granted.contains("get"));
    assert!(
        role.get("aggregationRule").is_none(),
        "no aggregated extras"
    );

    // The binding gives that role to the service account the CronJob runs as.
    let bindings = of_kind(&docs, "ClusterRoleBinding");
    assert_eq!(bindings.len(), 1);
    let binding = bindings[0];
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
    assert_eq!(binding["roleRef"]["kind"].as_str(), Some("ClusterRole"));
    let cronjobs = of_kind(&docs, "CronJob");
    assert_eq!(cronjobs.len(), 1);
    let pod = &cronjobs[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let subject = &binding["subjects"][0];
    assert_eq!(subject["kind"].as_str(), Some("ServiceAccount"));
    assert_eq!(subject["name"], pod["serviceAccountName"]);
    assert_eq!(subject["namespace"], cronjobs[0]["metadata"]["namespace"]);
    let script = pod["containers"][0]["args"][0].as_str().unwrap();
    assert!(script.contains("driftctl diff") && script.contains("--output prometheus"));
}

#[test]
fn the_alert_rules_use_metrics_driftctl_prints_and_all_metrics_are_documented() {
    let text = guide();
    let docs = yaml_documents(&text);
    let groups = docs
        .iter()
        .find_map(|d| d.get("groups"))
        .expect("an alert rules file");
    let rules = groups[0]["rules"].as_array().unwrap();
    // The alert on persisting drift: the age above a threshold.
    assert!(rules.iter().any(|r| {
        let expr = r["expr"].as_str().unwrap_or("");
        r.get("alert").is_some()
            && expr.contains("driftctl_oldest_finding_age_seconds")
            && expr.contains(">")
    }));

    let out = driftctl(&demo_args("drifted", &["--output", "prometheus"]));
    let printed: BTreeSet<String> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    let mentioned: BTreeSet<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("driftctl_"))
        .map(str::to_string)
        .collect();
    for name in &mentioned {
        assert!(
            printed.contains(name),
            "the guide names {name}, which driftctl does not print"
        );
    }
    for name in &printed {
        assert!(
            mentioned.contains(name),
            "{name} is not documented in the guide"
        );
    }
}

#[test]
fn every_driftctl_flag_in_the_examples_exists() {
    let cmd = driftctl::cli::Cli::command();
    let diff = cmd.find_subcommand("diff").unwrap();
    let flags: BTreeSet<String> = diff
        .get_arguments()
        .filter_map(|a| a.get_long())
        .map(|l| format!("--{l}"))
        .collect();
    let mut checked = 0;
    for (_, body) in code_blocks(&guide()) {
        // Shell continuation lines belong to the command above them.
        let joined = body.replace("\\\n", " ");
        for line in joined.lines() {
            let Some(at) = line
                .find("driftctl diff ")
                .or_else(|| line.find("kubectl drift diff "))
            else {
                continue;
            };
            let command = line[at..].split(['|', '>', ';']).next().unwrap();
            for word in command.split_whitespace().filter(|w| w.starts_with("--")) {
                let flag = word.split('=').next().unwrap();
                assert!(
                    flags.contains(flag),
                    "`{flag}` is no flag of driftctl diff: {line}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} flags found in the examples");
}

/// GitHub's anchor for a heading.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn links_lead_to_files_and_headings_that_exist() {
    let text = guide();
    let anchors: BTreeSet<String> = text
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect();
    let mut rest = text.as_str();
    let mut links = 0;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let target = &rest[..rest.find(')').unwrap()];
        if target.starts_with("http") {
            continue;
        }
        links += 1;
        let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
        if file.is_empty() {
            assert!(anchors.contains(anchor), "no heading #{anchor}");
        } else {
            assert!(
                root().join("docs").join(file).exists(),
                "docs/{file} does not exist"
            );
        }
    }
    assert!(links >= 5);
    // And the README points at the guide.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("(docs/user-guide.md)"));
}

#[test]
fn the_guides_alert_rules_are_the_tested_rules_file() {
    let rules_file =
        std::fs::read_to_string(root().join("docs/prometheus/driftctl-rules.yaml")).unwrap();
    assert!(
        code_blocks(&guide())
            .iter()
            .any(|(lang, body)| lang == "yaml" && *body == rules_file),
        "the alert rules in docs/user-guide.md differ from docs/prometheus/driftctl-rules.yaml"
    );
    // promtool's unit tests: drift older than the threshold fires, younger
    // or reverted drift and the controller category do not. .ci/run
    // installs promtool; elsewhere the check runs where it is installed.
    let Ok(out) = std::process::Command::new("promtool")
        .args(["test", "rules", "driftctl-rules.test.yaml"])
        .current_dir(root().join("docs/prometheus"))
        .output()
    else {
        eprintln!("promtool is not installed: alert rule unit tests not run");
        return;
    };
    assert!(
        out.status.success(),
        "promtool test rules:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
