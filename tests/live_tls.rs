//! Connections over TLS, end to end: client-certificate credentials from a
//! kubeconfig (inline, files, an exec plugin's) and certificates either side
//! does not trust, against the replaying API server in its TLS mode, with
//! the throwaway PKI of tests/support/tls/.

mod common;
mod support;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use support::server::{ApiServer, Recording, base64_pem, ml_platform_api};
use support::tls::{self, ClientAuth};

const NOW: &str = "2026-11-25T12:00:00Z";

fn ml_platform_tls(state: &str, auth: ClientAuth) -> ApiServer {
    ApiServer::start_tls(Recording::load(&ml_platform_api(state)), auth)
}

/// `diff` of both ml-platform paths, JSON, then `extra`.
fn demo(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "diff",
        "fixtures/ml-platform/git/clusters/prod",
        "fixtures/ml-platform/git/apps/status-page",
        "--output",
        "json",
        "--now",
        NOW,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
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
    assert_connection_refused(&out, took, &server, "refused the client certificate");
    let failures = handshake_failures(&server);
    assert!(
        failures.iter().any(|f| f.contains("UnknownIssuer")),
        "the server refused other-ca's certificate: {failures:?}"
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
    assert_connection_refused(
        &out,
        took,
        &server,
        "requires a client certificate and none was given",
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
