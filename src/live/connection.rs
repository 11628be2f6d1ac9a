//! The connection to the API server, one for a whole audit: HTTP/2 when the
//! server offers it in the TLS handshake (every request multiplexed on one
//! connection, as kubectl does), else HTTP/1.1 connections kept alive and
//! reused.
//!
//! kube's own client pools connections too, but offers only HTTP/1.1 in the
//! handshake: each of the concurrent LISTs then waits for a connection of its
//! own, and a small audit opens one TLS connection per request. The stack
//! below is kube's (base URI, credentials, impersonation headers) over a
//! connector that also offers `h2`.

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use kube::client::{Body, ConfigExt};
use std::time::Duration;

/// How long an unused connection is kept: longer than any pause between
/// the requests of one audit.
const IDLE: Duration = Duration::from_secs(90);

/// A kube client for `config` whose requests share one connection where
/// the server speaks HTTP/2. Needs a Tokio runtime entered.
pub fn client(config: &kube::Config) -> Result<kube::Client, kube::Error> {
    if config.proxy_url.is_some() {
        // kube knows the proxy protocols (and which are compiled in).
        return kube::Client::try_from(config.clone());
    }
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    // Requests are small and answered at once: no Nagle delay on them.
    http.set_nodelay(true);
    http.set_connect_timeout(config.connect_timeout);
    let tls = config.rustls_client_config()?;
    let mut https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http();
    if let Some(name) = &config.tls_server_name {
        let name = rustls::pki_types::ServerName::try_from(name.clone()).map_err(|e| {
            kube::Error::Service(
                format!("tls-server-name {name:?} is not a server name: {e}").into(),
            )
        })?;
        https = https.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(name));
    }
    let https = https.enable_all_versions().wrap_connector(http);
    let hyper_client: hyper_util::client::legacy::Client<_, Body> =
        hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_idle_timeout(IDLE)
            .build(https);
    let service = tower::ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(tower::BoxError::from)
        .service(hyper_client);
    Ok(kube::Client::new(service, config.default_namespace.clone()))
}
