//! Hostile cluster answers, end to end through the replaying API server:
//! cut and malformed bodies, endless lists, silent servers, throttling,
//! absurd objects, unreadable managedFields. Each ends in bounded time with
//! exit 3 (the rest audited, the failure listed) or exit 2, never 0, and
//! never shows a Secret value. Also the read-only proof: no request but GET.
//! Times and memory are measured by `cargo bench --bench live -- hostile`.

mod common;
mod support;

use bytes::Bytes;
use common::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::server::{ApiServer, Fault, Match, Recording, ml_platform_api};

fn run(server: &ApiServer, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let mut args = demo_live_args(&kubeconfig, &["--output", "json"]);
    args.extend(extra.iter().map(|s| s.to_string()));
    driftctl(&args)
}

/// Exit 3 with `kind` unchecked for `reason`, and nothing else missing.
fn assert_unchecked(out: &Output, kind: &str, reason: &str) -> Value {
    assert_eq!(
        out.code, 3,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["complete"], false);
    let unchecked = report["unchecked"].as_array().unwrap();
    assert!(!unchecked.is_empty());
    for u in unchecked {
        assert_eq!(u["object"]["kind"], kind, "{u}");
        let text = u["reason"].as_str().unwrap();
        assert!(text.contains(reason), "reason {text:?} lacks {reason:?}");
    }
    report
}

fn configmaps() -> Match {
    Match::EndsWith("/configmaps".into())
}

const MARKER: &str = "hostile-secret-marker-7f3a";

#[test]
fn malformed_json_is_unchecked_and_never_quoted() {
    let server = ApiServer::ml_platform("clean");
    // A Secret list cut in the middle of a value: parsers like to quote that.
    let body = format!(
        r#"{{"kind":"SecretList","apiVersion":"v1","metadata":{{}},"items":[{{"metadata":{{"name":"fraud-db","namespace":"ml-serving"}},"data":{{"password":"{MARKER}"#
    );
    server.fail(
        Match::EndsWith("/secrets".into()),
        Fault::Body(Bytes::from(body)),
    );
    let out = run(&server, &["--debug"]);
    assert_unchecked(&out, "Secret", "the answer ends in the middle of its JSON");
    assert!(!out.stdout.contains(MARKER) && !out.stderr.contains(MARKER));

    // Valid JSON of the wrong shape quotes its values in serde's own errors.
    let server = ApiServer::ml_platform("clean");
    let body = format!(r#"{{"kind":"SecretList","items":"{MARKER}"}}"#);
    server.fail(
        Match::EndsWith("/secrets".into()),
        Fault::Body(Bytes::from(body)),
    );
    let out = run(&server, &["--verbose"]);
    assert_unchecked(&out, "Secret", "not a Kubernetes list");
    assert!(!out.stdout.contains(MARKER) && !out.stderr.contains(MARKER));
}

#[test]
fn an_error_status_never_quotes_a_body_that_is_not_a_status() {
    let server = ApiServer::ml_platform("clean");
    // A proxy answering 502 with the upstream's body.
    server.fail(
        Match::EndsWith("/secrets".into()),
        Fault::StatusBody(
            502,
            Bytes::from(format!(r#"{{"data":{{"password":"{MARKER}"}}}}"#)),
        ),
    );
    let out = run(&server, &["--debug"]);
    assert_unchecked(&out, "Secret", "502 Bad Gateway (tried 4 times)");
    assert!(!out.stdout.contains(MARKER) && !out.stderr.contains(MARKER));
}

#[test]
fn a_list_that_never_ends_is_unchecked() {
    let server = ApiServer::ml_platform("clean");
    server.fail(configmaps(), Fault::EndlessContinue);
    let out = run(&server, &[]);
    assert_unchecked(&out, "ConfigMap", "the list never ends");
    let pages = server
        .gets()
        .iter()
        .filter(|u| u.starts_with("/api/v1/namespaces/prod/configmaps?"))
        .count();
    assert!(
        pages <= 3,
        "stopped at the first repeated object ({pages} pages)"
    );
}

#[test]
fn a_server_that_accepts_and_never_answers_is_exit_2_within_the_request_timeout() {
    let server = ApiServer::ml_platform("clean");
    server.fail(Match::Any, Fault::Hang);
    let started = Instant::now();
    let out = run(&server, &["--request-timeout", "1s"]);
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(out.stderr.contains(&server.url()), "{}", out.stderr);
    assert!(out.stderr.contains("no answer within 1s"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn one_silent_resource_type_is_unchecked_after_bounded_retries() {
    let server = ApiServer::ml_platform("clean");
    server.fail(configmaps(), Fault::Hang);
    let out = run(&server, &["--request-timeout", "1s"]);
    assert_unchecked(&out, "ConfigMap", "no answer within 1s (tried 4 times)");
}

#[test]
fn the_overall_timeout_ends_a_stuck_audit_with_exit_2_and_no_report() {
    let server = ApiServer::ml_platform("clean");
    server.fail(configmaps(), Fault::Hang);
    let started = Instant::now();
    let out = run(&server, &["--timeout", "2s"]);
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(out.stderr.contains("--timeout 2s"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "no partial report: {}", out.stdout);
}

#[test]
fn too_many_requests_is_retried_after_the_time_the_server_asks() {
    let server = ApiServer::ml_platform("drifted");
    server.fail_times(configmaps(), Fault::TooMany(1), Some(2));
    let started = Instant::now();
    let out = run(&server, &[]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(
        server
            .gets()
            .iter()
            .filter(|u| u.split('?').next().unwrap().ends_with("/configmaps"))
            .count(),
        // Two refused, then every configmaps list once: three namespaces and
        // the cluster-wide search for Flux-tracked objects.
        2 + 4
    );
}

#[test]
fn throttling_that_never_stops_is_unchecked() {
    let server = ApiServer::ml_platform("clean");
    server.fail(configmaps(), Fault::TooMany(0));
    let out = run(&server, &[]);
    assert_unchecked(&out, "ConfigMap", "429 Too Many Requests");
    assert_unchecked(&out, "ConfigMap", "tried 4 times");
}

#[test]
fn an_answer_of_absurd_size_is_unchecked() {
    let mut recording = Recording::load(&ml_platform_api("clean"));
    let list = recording
        .get_mut("/api/v1/namespaces/prod/configmaps")
        .unwrap();
    list["items"][0]["data"]["huge"] = Value::String("x".repeat(80 << 20));
    let server = ApiServer::start(recording);
    let out = run(&server, &[]);
    let report = assert_unchecked(&out, "ConfigMap", "larger than 64 MiB");
    assert_eq!(report["unchecked"][0]["object"]["namespace"], "prod");
}

#[test]
fn an_object_nested_absurdly_deep_is_unchecked() {
    let server = ApiServer::ml_platform("clean");
    let depth = 100_000;
    let body = format!(
        r#"{{"kind":"ConfigMapList","apiVersion":"v1","metadata":{{}},"items":[{{"metadata":{{"name":"x","namespace":"prod"}},"data":{}{}}}]}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    server.fail(
        Match::Exact("/api/v1/namespaces/prod/configmaps".into()),
        Fault::Body(Bytes::from(body)),
    );
    let out = run(&server, &[]);
    assert_unchecked(&out, "ConfigMap", "nested deeper than 128 levels");
}

#[test]
fn managed_fields_that_do_not_parse_leave_the_object_unchecked() {
    let mut recording = Recording::load(&ml_platform_api("drifted"));
    let list = recording
        .get_mut("/api/v1/namespaces/ml-serving/configmaps")
        .unwrap();
    for item in list["items"].as_array_mut().unwrap() {
        item["metadata"]["managedFields"] = json!([{"manager": 7, "fieldsV1": {"f:data": MARKER}}]);
    }
    let server = ApiServer::start(recording);
    let out = run(&server, &[]);
    // The drift elsewhere is still found; the ConfigMap is listed as unchecked.
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["complete"], false);
    let unchecked = report["unchecked"].as_array().unwrap();
    assert_eq!(unchecked.len(), 1, "{unchecked:?}");
    assert_eq!(unchecked[0]["object"]["name"], "fraud-detector-config");
    assert!(
        unchecked[0]["reason"]
            .as_str()
            .unwrap()
            .contains("managedFields cannot be read")
    );
    assert!(!out.stdout.contains(MARKER));
}

#[test]
fn a_full_live_audit_sends_nothing_but_get() {
    let server = ApiServer::ml_platform("drifted");
    // The server does see and refuse other methods: prove it can tell.
    let mut probe = std::net::TcpStream::connect(server.addr).unwrap();
    probe
        .write_all(b"DELETE /api/v1/namespaces/prod HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    probe.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    let before = server.requests().len();
    assert_eq!(server.requests()[0].method, "DELETE");

    let out = run(&server, &["--blame", "--show-ignored", "--debug"]);
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    let requests = server.requests();
    let audit = &requests[before..];
    assert!(audit.len() > 20, "a full audit: {} requests", audit.len());
    let writes: Vec<_> = audit.iter().filter(|r| r.method != "GET").collect();
    assert!(writes.is_empty(), "requests other than GET: {writes:?}");
}
