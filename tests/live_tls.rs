//! Connections over TLS, end to end: client-certificate credentials from a
//! kubeconfig, certificates either side does not trust, and a Pod's
//! in-cluster config, all against the replaying API server in its TLS mode
//! with the throwaway PKI of tests/support/tls/.

mod common;
mod support;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::server::{ApiServer, Recording, base64_pem, ml_platform_api};
use support::tls::{self, ClientAuth};

fn ml_platform_tls(state: &str, auth: ClientAuth) -> ApiServer {
    ApiServer::start_tls(Recording::load(&ml_platform_api(state)), auth)
}

/// The demo as JSON, then `extra` (in a Pod: no kubeconfig).
fn demo(extra: &[&str]) -> Vec<String> {
    let mut args = demo_diff(&["--output", "json"]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn with_kubeconfig(kubeconfig: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = demo(&["--kubeconfig", kubeconfig.to_str().unwrap()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// The user entry of a kubeconfig holding the client `name`'s certificate
/// and key inline (`client-certificate-data`, `client-key-data`).
fn inline_client(name: &str) -> String {
    format!(
        "client-certificate-data: {}\nclient-key-data: {}",
        base64_pem(&tls::pem(&format!("{name}.crt"))),
        base64_pem(&tls::pem(&format!("{name}.key")))
    )
}

fn ca_data(name: &str) -> String {
    format!(
        "certificate-authority-data: {}",
        base64_pem(&tls::pem(name))
    )
}

/// Every request reached the server with the client `name`'s certificate
/// and no bearer token.
fn assert_authenticated_as(server: &ApiServer, name: &str) {
    let expected = tls::certificate(&format!("{name}.crt"));
    let requests = server.requests();
    assert!(!requests.is_empty());
    for seen in &requests {
        assert_eq!(
            seen.client_certificate.as_ref(),
            Some(&expected),
            "{} came without {name}.crt",
            seen.uri
        );
        assert_eq!(seen.authorization, None, "{}", seen.uri);
    }
}

/// The server's reasons for failed handshakes, once there is one (the
/// client may exit before the server has noted its side).
fn handshake_failures(server: &ApiServer) -> Vec<String> {
    let started = Instant::now();
    loop {
        let failures = server.handshake_failures();
        if !failures.is_empty() || started.elapsed() > Duration::from_secs(5) {
            return failures;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Exit 2, no report, and stderr naming the server and saying `reason`,
/// within the request timeout of 5 s.
fn assert_connection_refused(out: &Output, took: Duration, server: &ApiServer, reason: &str) {
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.is_empty(), "no report: {}", out.stdout);
    assert!(out.stderr.contains(&server.url()), "{}", out.stderr);
    assert!(out.stderr.contains(reason), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

/// A client certificate the server refused in the handshake: exit 2 as
/// [`assert_connection_refused`], and the server's side names why
/// (`server_saw`). Under TLS 1.3 the server's alert races the client's first
/// request: driftctl says `alert_reason` when the alert wins, and names the
/// closed connection and its likely cause when the request does.
fn assert_certificate_refused(
    out: &Output,
    took: Duration,
    server: &ApiServer,
    alert_reason: &str,
    server_saw: &str,
) {
    let reason = if out
        .stderr
        .contains("closed the connection before answering")
    {
        "refuses the client certificate"
    } else {
        alert_reason
    };
    assert_connection_refused(out, took, server, reason);
    let failures = handshake_failures(server);
    assert!(
        failures.iter().any(|f| f.contains(server_saw)),
        "the server's handshake failures name {server_saw}: {failures:?}"
    );
}

fn timed(args: &[String]) -> (Output, Duration) {
    let started = Instant::now();
    let out = driftctl(args);
    (out, started.elapsed())
}

#[test]
fn client_certificate_data_in_the_kubeconfig_gives_the_expected_findings() {
    // A server that ends the handshake without a certificate its CA signed.
    let server = ml_platform_tls("drifted", ClientAuth::Required);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig_with(
        dir.path(),
        None,
        &ca_data("ca.crt"),
        &inline_client("client-rsa"),
    );
    let out = driftctl(&with_kubeconfig(&kubeconfig, &[]));
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["complete"], true);
    assert_authenticated_as(&server, "client-rsa");
    assert_eq!(server.handshake_failures(), Vec::<String>::new());
}

#[test]
fn client_certificate_files_are_found_beside_the_kubeconfig() {
    // kube-apiserver's way: any certificate in the handshake, 401 unless
    // its CA signed it.
    let server = ml_platform_tls("drifted", ClientAuth::Requested);
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("pki");
    std::fs::create_dir(&files).unwrap();
    for name in ["ca.crt", "client-ec.crt", "client-ec.key"] {
        std::fs::copy(tls::file(name), files.join(name)).unwrap();
    }
    // Relative paths are relative to the kubeconfig, as kubectl reads them
    // (driftctl runs from the repository root, elsewhere).
    let kubeconfig = server.kubeconfig_with(
        dir.path(),
        None,
        "certificate-authority: pki/ca.crt",
        "client-certificate: pki/client-ec.crt\nclient-key: pki/client-ec.key",
    );
    let out = driftctl(&with_kubeconfig(&kubeconfig, &[]));
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
    assert_authenticated_as(&server, "client-ec");
}

#[test]
fn a_client_key_that_is_not_the_certificates_exits_2_without_showing_it() {
    let server = ml_platform_tls("clean", ClientAuth::Required);
    let dir = tempfile::tempdir().unwrap();
    let user = format!(
        "client-certificate-data: {}\nclient-key-data: {}",
        base64_pem(&tls::pem("client-ec.crt")),
        base64_pem(&tls::pem("client-rsa.key"))
    );
    let kubeconfig = server.kubeconfig_with(dir.path(), None, &ca_data("ca.crt"), &user);
    let out = driftctl(&with_kubeconfig(&kubeconfig, &[]));
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains(&server.url()), "{}", out.stderr);
    assert!(out.stderr.contains("private key"), "{}", out.stderr);
    let key = tls::pem("client-rsa.key");
    for line in key.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!out.stderr.contains(line), "the key shows: {}", out.stderr);
    }
    assert!(!out.stderr.contains(&base64_pem(&key)[..40]));
}

#[test]
fn a_client_certificate_the_server_does_not_trust_ends_the_handshake_and_exits_2() {
    let server = ml_platform_tls("clean", ClientAuth::Required);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig_with(
        dir.path(),
        None,
        &ca_data("ca.crt"),
        &inline_client("other-client"),
    );
    let (out, took) = timed(&with_kubeconfig(&kubeconfig, &["--request-timeout", "5s"]));
    assert_certificate_refused(
        &out,
        took,
        &server,
        "refused the client certificate",
        "UnknownIssuer",
    );
    assert!(server.requests().is_empty(), "no request got through");
}

#[test]
fn a_client_certificate_kube_apiserver_does_not_trust_is_rejected_credentials() {
    let server = ml_platform_tls("clean", ClientAuth::Requested);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig_with(
        dir.path(),
        None,
        &ca_data("ca.crt"),
        &inline_client("other-client"),
    );
    let (out, took) = timed(&with_kubeconfig(&kubeconfig, &["--request-timeout", "5s"]));
    assert_connection_refused(&out, took, &server, "rejected the credentials");
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "discovery only: {requests:?}");
    assert_eq!(
        requests[0].client_certificate,
        Some(tls::certificate("other-client.crt"))
    );
}

#[test]
fn no_client_certificate_where_one_is_required_exits_2() {
    let server = ml_platform_tls("clean", ClientAuth::Required);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    let (out, took) = timed(&with_kubeconfig(&kubeconfig, &["--request-timeout", "5s"]));
    assert_certificate_refused(
        &out,
        took,
        &server,
        "requires a client certificate and none was given",
        "peer sent no certificates",
    );
}

#[test]
fn a_server_certificate_the_kubeconfig_ca_does_not_trust_exits_2() {
    let server = ml_platform_tls("clean", ClientAuth::Requested);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig_with(
        dir.path(),
        None,
        &ca_data("other-ca.crt"),
        &inline_client("client-ec"),
    );
    let (out, took) = timed(&with_kubeconfig(&kubeconfig, &["--request-timeout", "5s"]));
    assert_connection_refused(
        &out,
        took,
        &server,
        "certificate is not signed by a trusted certificate authority",
    );
    assert!(
        out.stderr
            .contains("trusts the certificate-authority of the kubeconfig's cluster"),
        "{}",
        out.stderr
    );
    assert!(server.requests().is_empty(), "no request was sent");
}

#[test]
fn a_server_certificate_for_another_name_exits_2() {
    let server = ml_platform_tls("clean", ClientAuth::None);
    let dir = tempfile::tempdir().unwrap();
    let cluster = format!(
        "{}\ntls-server-name: kubernetes.default.svc",
        ca_data("ca.crt")
    );
    let kubeconfig = server.kubeconfig_with(dir.path(), None, &cluster, "token: test-token");
    let (out, took) = timed(&with_kubeconfig(&kubeconfig, &["--request-timeout", "5s"]));
    assert_connection_refused(
        &out,
        took,
        &server,
        "certificate is not valid for the server's address",
    );
}

#[test]
fn an_exec_plugin_may_give_a_client_certificate() {
    let server = ml_platform_tls("drifted", ClientAuth::Required);
    let dir = tempfile::tempdir().unwrap();
    let credential = serde_json::json!({
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {
            "clientCertificateData": tls::pem("client-ec.crt"),
            "clientKeyData": tls::pem("client-ec.key"),
        }
    });
    let answer = write(dir.path(), "credential.json", &credential.to_string());
    let plugin = write(
        dir.path(),
        "credential-plugin",
        &format!("#!/bin/sh\ncat '{}'\n", answer.display()),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let user = format!(
        "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {}\n  interactiveMode: Never",
        plugin.display()
    );
    let kubeconfig = server.kubeconfig_with(dir.path(), None, &ca_data("ca.crt"), &user);
    let out = driftctl(&with_kubeconfig(&kubeconfig, &[]));
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
    assert_authenticated_as(&server, "client-ec");
}

/// What a Pod sees of its service account, in a directory laid out as
/// /var/run: `secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}`.
fn service_account(dir: &Path, token: &str, namespace: &str) -> PathBuf {
    let run = dir.join("var-run");
    let account = run.join("secrets/kubernetes.io/serviceaccount");
    std::fs::create_dir_all(&account).unwrap();
    std::fs::write(account.join("token"), token).unwrap();
    std::fs::copy(tls::file("ca.crt"), account.join("ca.crt")).unwrap();
    std::fs::write(account.join("namespace"), namespace).unwrap();
    run
}

/// Whether this process runs as root (then a mount namespace needs no user
/// namespace).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        .unwrap()
}

/// driftctl as in a Pod: `KUBERNETES_SERVICE_HOST`/`_PORT` point at
/// `server`, no kubeconfig anywhere, and `var_run` mounted over /var/run in
/// a private mount namespace of its own (unshare), so the machine's
/// /var/run is never touched.
fn in_pod(server: &ApiServer, var_run: &Path, args: &[String]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("unshare");
    if !is_root() {
        cmd.args(["--user", "--map-root-user"]);
    }
    cmd.args(["--mount", "--propagation", "private", "--"])
        .args([
            "sh",
            "-c",
            "mount --bind \"$1\" /var/run && shift && exec \"$@\"",
            "sh",
        ])
        .arg(var_run)
        .arg(env!("CARGO_BIN_EXE_driftctl"))
        .args(args)
        .current_dir(root())
        .env_remove("KUBECONFIG")
        .env_remove("NO_COLOR")
        .env("HOME", home.path())
        .env("KUBERNETES_SERVICE_HOST", server.addr.ip().to_string())
        .env("KUBERNETES_SERVICE_PORT", server.addr.port().to_string());
    let out = cmd.output().expect("unshare (util-linux) runs");
    let output = Output {
        code: out.status.code().expect("exits with a code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(
        !output.stderr.starts_with("unshare:") && !output.stderr.starts_with("mount:"),
        "the test cannot make a private mount namespace (it needs root or user \
         namespaces): {}",
        output.stderr
    );
    output
}

#[test]
fn in_cluster_the_service_account_token_authenticates_the_audit() {
    let server = ml_platform_tls("drifted", ClientAuth::Requested);
    server.require_token("service-account-token");
    let dir = tempfile::tempdir().unwrap();
    let var_run = service_account(dir.path(), "service-account-token", "driftctl");
    let out = in_pod(&server, &var_run, &demo(&[]));
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
    let requests = server.requests();
    assert!(!requests.is_empty());
    for seen in &requests {
        assert_eq!(
            seen.authorization.as_deref(),
            Some("Bearer service-account-token"),
            "{}",
            seen.uri
        );
    }
}

#[test]
fn in_cluster_the_service_account_namespace_is_the_default_namespace() {
    let server = ml_platform_tls("clean", ClientAuth::Requested);
    server.require_token("service-account-token");
    let dir = tempfile::tempdir().unwrap();
    let tree = status_page_without_namespace(dir.path());
    let args = [
        "diff".to_string(),
        tree.display().to_string(),
        "--output".into(),
        "json".into(),
    ];

    // The Pod runs in web, where status-page lives: found, no drift.
    let web = service_account(&dir.path().join("web"), "service-account-token", "web");
    let out = in_pod(&server, &web, &args);
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let gets = server.gets();
    assert!(
        gets.iter()
            .any(|u| u.starts_with("/apis/apps/v1/namespaces/web/deployments?")),
        "{gets:?}"
    );

    // Written by hand with a newline, as client-go reads it: still web.
    let by_hand = service_account(&dir.path().join("hand"), "service-account-token", "web\n");
    let out = in_pod(&server, &by_hand, &args);
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );

    // The Pod runs in driftctl: the Deployment is looked for there, missing.
    let other = service_account(
        &dir.path().join("other"),
        "service-account-token",
        "driftctl",
    );
    let out = in_pod(&server, &other, &args);
    assert_eq!(
        out.code, 1,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["category"], "missing");
    assert_eq!(findings[0]["object"]["namespace"], "driftctl");
}

#[test]
fn in_cluster_a_server_the_service_account_ca_does_not_trust_exits_2() {
    let server = ml_platform_tls("clean", ClientAuth::Requested);
    let dir = tempfile::tempdir().unwrap();
    let var_run = service_account(dir.path(), "service-account-token", "web");
    std::fs::copy(
        tls::file("other-ca.crt"),
        var_run.join("secrets/kubernetes.io/serviceaccount/ca.crt"),
    )
    .unwrap();
    let started = Instant::now();
    let out = in_pod(&server, &var_run, &demo(&["--request-timeout", "5s"]));
    assert_connection_refused(
        &out,
        started.elapsed(),
        &server,
        "certificate is not signed by a trusted certificate authority",
    );
    assert!(
        out.stderr
            .contains("trusts /var/run/secrets/kubernetes.io/serviceaccount/ca.crt"),
        "{}",
        out.stderr
    );
}

#[test]
fn in_cluster_without_a_mounted_service_account_exits_2_naming_the_file() {
    // A Pod with automountServiceAccountToken: false.
    let server = ml_platform_tls("clean", ClientAuth::Requested);
    let dir = tempfile::tempdir().unwrap();
    let var_run = dir.path().join("var-run");
    std::fs::create_dir(&var_run).unwrap();
    let out = in_pod(&server, &var_run, &demo(&[]));
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("/var/run/secrets/kubernetes.io/serviceaccount/namespace"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("KUBERNETES_SERVICE_HOST is set"),
        "{}",
        out.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn no_kubeconfig_outside_a_pod_exits_2_saying_what_to_pass() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_driftctl"))
        .args(demo(&[]))
        .current_dir(root())
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env("HOME", home.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("--kubeconfig"), "{stderr}");
    assert!(stderr.contains("--live-snapshot"), "{stderr}");
    assert!(
        stderr.contains("not in a Pod (KUBERNETES_SERVICE_HOST is not set)"),
        "{stderr}"
    );
}

/// The drifted demo against `server` with a kubeconfig trusting the test CA,
/// the kube cache directory `cache`.
fn audit_counting(server: &ApiServer, cache: &Path) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = server.kubeconfig(dir.path(), None);
    driftctl_env(
        &with_kubeconfig(&kubeconfig, &[]),
        &[("KUBECACHEDIR", cache.to_str().unwrap())],
    )
}

#[test]
fn an_audit_opens_fewer_than_4_connections_where_the_server_speaks_http2() {
    let server = ml_platform_tls("drifted", ClientAuth::None);
    let cache = tempfile::tempdir().unwrap();
    let cold = audit_counting(&server, cache.path());
    assert_eq!(cold.code, 1, "stderr: {}", cold.stderr);
    check_findings("drifted", &cold.stdout, cold.code);
    let requests = server.requests();
    assert!(requests.len() > 20, "{} requests", requests.len());
    assert!(
        requests.iter().all(|r| r.version == "HTTP/2.0"),
        "{:?}",
        requests.iter().map(|r| &r.version).collect::<Vec<_>>()
    );
    let opened = server.connections();
    assert!(
        opened < 4,
        "{opened} connections for {} requests",
        requests.len()
    );
    // With discovery cached, the LISTs are the first requests: still one
    // connection, not one per LIST in flight.
    let warm = audit_counting(&server, cache.path());
    assert_eq!(warm.code, 1, "stderr: {}", warm.stderr);
    check_findings("drifted", &warm.stdout, warm.code);
    let opened = server.connections() - opened;
    assert!(opened < 4, "{opened} connections with discovery cached");
}

#[test]
fn over_http1_connections_are_kept_alive_and_reused() {
    let server = ApiServer::start_tls_http1(Recording::load(&ml_platform_api("drifted")));
    let cache = tempfile::tempdir().unwrap();
    let out = audit_counting(&server, cache.path());
    assert_eq!(out.code, 1, "stderr: {}", out.stderr);
    check_findings("drifted", &out.stdout, out.code);
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.version == "HTTP/1.1"));
    let opened = server.connections();
    // About one per request in flight (--concurrency 16), reused; a
    // connection goes back to the pool a moment after its answer ends, so a
    // loaded machine opens more.
    assert!(
        opened < requests.len(),
        "{opened} connections for {} requests",
        requests.len()
    );
}
