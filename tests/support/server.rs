//! A stand-in Kubernetes API server for tests and benchmarks: HTTP or TLS
//! (tests/support/tls.rs) on 127.0.0.1, answering GETs from recorded API
//! answers (discovery, LISTs, cluster-wide LISTs as the union of the recorded
//! namespaces, single objects from the lists), with switches to fail, delay,
//! hang or cut answers short. Anything but a GET is refused and recorded.
//! Over TLS it speaks HTTP/2 to clients that ask for it (ALPN), else
//! HTTP/1.1, and counts the connections it accepts.
#![allow(dead_code)]

use super::tls::{self, ClientAuth};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use hyper::{Method, Request, Response, StatusCode};
use rustls::pki_types::CertificateDer;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Body = BoxBody<Bytes, std::io::Error>;

/// One object of a recorded list, serialized once.
struct Item {
    namespace: Option<String>,
    name: String,
    labels: BTreeMap<String, String>,
    json: Bytes,
}

struct List {
    kind: String,
    api_version: String,
    resource_version: String,
    items: Vec<Item>,
}

enum Doc {
    List(Arc<List>),
    Raw(Bytes),
}

/// Recorded answers by URL path; build one, change it, then serve it.
#[derive(Default)]
pub struct Recording {
    docs: HashMap<String, Value>,
}

impl Recording {
    /// Every `*.json` under `dir`, as the answer to its path
    /// (`apis/apps/v1.json` answers `GET /apis/apps/v1`).
    pub fn load(dir: &Path) -> Recording {
        let mut recording = Recording::default();
        recording.load_dir(dir, dir);
        recording
    }

    fn load_dir(&mut self, root: &Path, dir: &Path) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                self.load_dir(root, &path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let relative = path.strip_prefix(root).unwrap().with_extension("");
                let url = format!("/{}", relative.display());
                let value: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                self.docs.insert(url, value);
            }
        }
    }

    /// Answers `GET path` with `value` (added or replacing a recording).
    pub fn insert(&mut self, path: &str, value: Value) {
        self.docs.insert(path.to_string(), value);
    }

    pub fn remove(&mut self, path: &str) -> Option<Value> {
        self.docs.remove(path)
    }

    pub fn get(&self, path: &str) -> Option<&Value> {
        self.docs.get(path)
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut Value> {
        self.docs.get_mut(path)
    }

    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.docs.keys()
    }

    /// Pre-serialized answers, cluster-wide unions added.
    fn compile(self) -> HashMap<String, Doc> {
        let mut docs = HashMap::new();
        let mut unions: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
        for (path, value) in self.docs {
            if let Some((base, rest)) = path.split_once("/namespaces/")
                && let Some((_ns, resource)) = rest.split_once('/')
                && !resource.contains('/')
                && value.get("items").is_some()
            {
                unions
                    .entry(format!("{base}/{resource}"))
                    .or_default()
                    .push((path.clone(), value.clone()));
            }
            docs.insert(path, compile_doc(value));
        }
        for (path, mut lists) in unions {
            if docs.contains_key(&path) {
                continue;
            }
            lists.sort_by(|a, b| a.0.cmp(&b.0));
            let first = lists[0].1.clone();
            let mut items = Vec::new();
            for (_, list) in lists {
                if let Some(Value::Array(list_items)) = list.get("items") {
                    items.extend(list_items.iter().cloned());
                }
            }
            let mut union = first;
            union["items"] = Value::Array(items);
            docs.insert(path, compile_doc(union));
        }
        docs
    }
}

fn compile_doc(value: Value) -> Doc {
    match value.get("items") {
        Some(Value::Array(items)) => {
            let mut items: Vec<Item> = items
                .iter()
                .map(|item| Item {
                    namespace: item["metadata"]["namespace"].as_str().map(String::from),
                    name: item["metadata"]["name"].as_str().unwrap_or_default().into(),
                    labels: item["metadata"]["labels"]
                        .as_object()
                        .map(|l| {
                            l.iter()
                                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().into()))
                                .collect()
                        })
                        .unwrap_or_default(),
                    json: Bytes::from(serde_json::to_vec(item).unwrap()),
                })
                .collect();
            // The API server lists in key order: namespace, then name.
            items.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
            Doc::List(Arc::new(List {
                kind: value["kind"].as_str().unwrap_or("List").into(),
                api_version: value["apiVersion"].as_str().unwrap_or("v1").into(),
                resource_version: value["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("1")
                    .into(),
                items,
            }))
        }
        _ => Doc::Raw(Bytes::from(serde_json::to_vec(&value).unwrap())),
    }
}

/// Which requests a fault applies to (by URL path, query left out).
#[derive(Debug, Clone)]
pub enum Match {
    Any,
    Exact(String),
    /// `/configmaps` matches every LIST of ConfigMaps, in any namespace.
    EndsWith(String),
    Contains(String),
}

impl Match {
    fn matches(&self, path: &str) -> bool {
        match self {
            Match::Any => true,
            Match::Exact(p) => path == p,
            Match::EndsWith(s) => path.ends_with(s.as_str()),
            Match::Contains(s) => path.contains(s.as_str()),
        }
    }
}

/// What goes wrong with a matched request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// An error status with a Kubernetes Status body.
    Status(u16),
    /// Answer normally after this long.
    Delay(Duration),
    /// Accept the request and never answer.
    Hang,
    /// Announce the whole body, send half, close the connection.
    CutBody,
    /// 200 with this body instead of the recorded one.
    Body(Bytes),
    /// This error status with this body (a proxy's page, not a Status).
    StatusBody(u16, Bytes),
    /// 429 Too Many Requests with this Retry-After (seconds).
    TooMany(u64),
    /// Every LIST page says there is another.
    EndlessContinue,
}

struct Rule {
    matcher: Match,
    fault: Fault,
    /// How many more requests it applies to; `None`: all.
    remaining: Option<usize>,
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub authorization: Option<String>,
    /// `HTTP/2.0` or `HTTP/1.1`.
    pub version: String,
    /// The client certificate of the connection (TLS only).
    pub client_certificate: Option<CertificateDer<'static>>,
}

/// Who is at the other end of a connection, as its TLS handshake said.
#[derive(Default)]
struct Peer {
    certificate: Option<CertificateDer<'static>>,
    /// The test CA signed `certificate`.
    trusted: bool,
}

struct State {
    docs: HashMap<String, Doc>,
    rules: Mutex<Vec<Rule>>,
    seen: Mutex<Vec<Seen>>,
    /// Most items per LIST page, whatever `limit` asks.
    max_page: Mutex<Option<usize>>,
    /// Answer 401 unless `Authorization: Bearer <token>`.
    token: Mutex<Option<String>>,
    /// `None`: plain HTTP.
    tls: Option<ClientAuth>,
    /// Why TLS handshakes failed, as the server saw it.
    handshake_failures: Mutex<Vec<String>>,
    /// Connections accepted (TCP), handshakes that failed included.
    connections: std::sync::atomic::AtomicUsize,
    /// Speak only HTTP/1.1 (and offer only it in TLS handshakes).
    http1_only: bool,
}

pub struct ApiServer {
    pub addr: SocketAddr,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl ApiServer {
    /// Serves `recording` over plain HTTP.
    pub fn start(recording: Recording) -> ApiServer {
        ApiServer::start_with(recording, None)
    }

    /// Serves `recording` over TLS with the test PKI (`server.crt`),
    /// asking for client certificates as `auth` says.
    pub fn start_tls(recording: Recording, auth: ClientAuth) -> ApiServer {
        ApiServer::start_with(recording, Some(auth))
    }

    /// Serves `recording` over TLS offering only HTTP/1.1, as a proxy in
    /// front of an API server may.
    pub fn start_tls_http1(recording: Recording) -> ApiServer {
        ApiServer::start_inner(recording, Some(ClientAuth::None), true)
    }

    fn start_with(recording: Recording, tls: Option<ClientAuth>) -> ApiServer {
        ApiServer::start_inner(recording, tls, false)
    }

    fn start_inner(recording: Recording, tls: Option<ClientAuth>, http1_only: bool) -> ApiServer {
        let state = Arc::new(State {
            docs: recording.compile(),
            rules: Mutex::new(Vec::new()),
            seen: Mutex::new(Vec::new()),
            max_page: Mutex::new(None),
            token: Mutex::new(None),
            tls,
            handshake_failures: Mutex::new(Vec::new()),
            connections: std::sync::atomic::AtomicUsize::new(0),
            http1_only,
        });
        let protocols: &[&[u8]] = if http1_only {
            &[b"http/1.1"]
        } else {
            &[b"h2", b"http/1.1"]
        };
        let acceptor = tls.map(|auth| {
            tokio_rustls::TlsAcceptor::from(tls::server_config_offering(auth, protocols))
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let served = state.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                served
                    .connections
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let state = served.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Some(acceptor) = acceptor else {
                        return serve(stream, state, Peer::default()).await;
                    };
                    match acceptor.accept(stream).await {
                        Ok(stream) => {
                            let chain: Vec<CertificateDer<'static>> = stream
                                .get_ref()
                                .1
                                .peer_certificates()
                                .unwrap_or_default()
                                .iter()
                                .map(|c| c.clone().into_owned())
                                .collect();
                            let peer = Peer {
                                trusted: tls::signed_by_the_ca(&chain),
                                certificate: chain.into_iter().next(),
                            };
                            serve(stream, state, peer).await
                        }
                        Err(e) => state.handshake_failures.lock().unwrap().push(e.to_string()),
                    }
                });
            }
        });
        ApiServer {
            addr,
            state,
            runtime: Some(runtime),
        }
    }

    /// The ml-platform recording of `state` (clean or drifted).
    pub fn ml_platform(state: &str) -> ApiServer {
        ApiServer::start(Recording::load(&ml_platform_api(state)))
    }

    pub fn url(&self) -> String {
        let scheme = if self.state.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// How many connections clients have opened so far.
    pub fn connections(&self) -> usize {
        self.state
            .connections
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Why TLS handshakes failed so far, in the server's words.
    pub fn handshake_failures(&self) -> Vec<String> {
        self.state.handshake_failures.lock().unwrap().clone()
    }

    /// Applies `fault` to every request matching `matcher`.
    pub fn fail(&self, matcher: Match, fault: Fault) {
        self.fail_times(matcher, fault, None);
    }

    /// Applies `fault` to the next `times` requests matching `matcher`.
    pub fn fail_times(&self, matcher: Match, fault: Fault, times: Option<usize>) {
        self.state.rules.lock().unwrap().push(Rule {
            matcher,
            fault,
            remaining: times,
        });
    }

    pub fn max_page(&self, items: usize) {
        *self.state.max_page.lock().unwrap() = Some(items);
    }

    pub fn require_token(&self, token: &str) {
        *self.state.token.lock().unwrap() = Some(token.to_string());
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// URIs of the GETs seen, in order.
    pub fn gets(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|s| s.method == "GET")
            .map(|s| s.uri)
            .collect()
    }

    /// Writes a kubeconfig for this server into `dir`: context `test`
    /// (current, with `namespace` if given) and context `other` (namespace
    /// `web`), bearer token `test-token`.
    pub fn kubeconfig(&self, dir: &Path, namespace: Option<&str>) -> PathBuf {
        self.kubeconfig_with_user(dir, namespace, "token: test-token")
    }

    /// A kubeconfig whose user entry is `user` (YAML, indented under `user:`).
    /// Over TLS the cluster entry trusts the test CA (`ca.crt`).
    pub fn kubeconfig_with_user(&self, dir: &Path, namespace: Option<&str>, user: &str) -> PathBuf {
        let cluster = match self.state.tls {
            Some(_) => format!(
                "certificate-authority-data: {}",
                base64_pem(&tls::pem("ca.crt"))
            ),
            None => String::new(),
        };
        self.kubeconfig_with(dir, namespace, &cluster, user)
    }

    /// A kubeconfig whose cluster entry has `cluster` besides the server,
    /// and whose user entry is `user` (YAML, as under `cluster:`/`user:`).
    pub fn kubeconfig_with(
        &self,
        dir: &Path,
        namespace: Option<&str>,
        cluster: &str,
        user: &str,
    ) -> PathBuf {
        let namespace = namespace
            .map(|ns| format!("\n    namespace: {ns}"))
            .unwrap_or_default();
        let indent = |yaml: &str| {
            yaml.lines()
                .map(|l| format!("\n    {l}"))
                .collect::<String>()
        };
        let (cluster, user) = (indent(cluster), indent(user));
        let text = format!(
            "apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: {url}{cluster}
contexts:
- name: test
  context:
    cluster: test
    user: test{namespace}
- name: other
  context:
    cluster: test
    user: test
    namespace: web
current-context: test
users:
- name: test
  user:{user}
",
            url = self.url()
        );
        let path = dir.join("kubeconfig");
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// PEM text as kubeconfig's `*-data` fields hold it: base64 of the file.
pub fn base64_pem(pem: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(pem)
}

async fn serve<S>(stream: S, state: Arc<State>, peer: Peer)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let peer = Arc::new(peer);
    let http1_only = state.http1_only;
    let service = hyper::service::service_fn(move |request| {
        let state = state.clone();
        let peer = peer.clone();
        async move { Ok::<_, std::convert::Infallible>(answer(&state, &peer, request).await) }
    });
    let mut builder =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    if http1_only {
        builder = builder.http1_only();
    }
    let _ = builder
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}

/// `fixtures/ml-platform/live/<state>/api` of this repository.
pub fn ml_platform_api(state: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/ml-platform/live/{state}/api"))
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

fn json_response(code: StatusCode, body: Bytes) -> Response<Body> {
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(full(body))
        .unwrap()
}

fn status(code: u16, reason: &str, message: &str) -> Response<Body> {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code
    });
    json_response(
        StatusCode::from_u16(code).unwrap(),
        Bytes::from(body.to_string()),
    )
}

fn status_for(code: u16, path: &str) -> Response<Body> {
    match code {
        401 => status(401, "Unauthorized", "Unauthorized"),
        403 => status(
            403,
            "Forbidden",
            &format!("{path} is forbidden: User \"test\" cannot list it"),
        ),
        404 => status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
        429 => status(
            429,
            "TooManyRequests",
            "too many requests, please try again later",
        ),
        code => status(
            code,
            "InternalError",
            "an error on the server has prevented the request from succeeding",
        ),
    }
}

async fn answer(
    state: &State,
    peer: &Peer,
    request: Request<hyper::body::Incoming>,
) -> Response<Body> {
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    state.seen.lock().unwrap().push(Seen {
        method: request.method().to_string(),
        // Over HTTP/2 the URI is absolute (scheme and authority): the path
        // and query are what a request asks for either way.
        uri: request
            .uri()
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        authorization: request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(String::from),
        version: format!("{:?}", request.version()),
        client_certificate: peer.certificate.clone(),
    });
    if request.method() != Method::GET {
        return status(405, "MethodNotAllowed", "this test server only answers GET");
    }
    let by_token = match state.token.lock().unwrap().as_deref() {
        Some(token) => {
            let given = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            Some(given == Some(&format!("Bearer {token}")))
        }
        None => None,
    };
    let authenticated = match state.tls {
        // Any authenticator may vouch for the request; without one, 401.
        Some(ClientAuth::Requested) => peer.trusted || by_token == Some(true),
        _ => by_token != Some(false),
    };
    if !authenticated {
        return status_for(401, &path);
    }
    let fault = {
        let mut rules = state.rules.lock().unwrap();
        let found = rules
            .iter_mut()
            .find(|r| r.matcher.matches(&path) && r.remaining.is_none_or(|n| n > 0));
        found.map(|rule| {
            if let Some(n) = rule.remaining.as_mut() {
                *n -= 1;
            }
            rule.fault.clone()
        })
    };
    let mut endless = false;
    match fault {
        Some(Fault::Status(code)) => return status_for(code, &path),
        Some(Fault::TooMany(seconds)) => {
            let mut response = status_for(429, &path);
            response
                .headers_mut()
                .insert("retry-after", seconds.to_string().parse().unwrap());
            return response;
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
        }
        Some(Fault::Body(bytes)) => return json_response(StatusCode::OK, bytes),
        Some(Fault::StatusBody(code, bytes)) => {
            return json_response(StatusCode::from_u16(code).unwrap(), bytes);
        }
        Some(Fault::CutBody) => {
            let whole = match render(state, &path, &query, false) {
                Some(Ok(bytes)) => bytes,
                _ => Bytes::from_static(b"{\"kind\":\"Status\"}"),
            };
            let half = whole.slice(..whole.len() / 2);
            let frames = vec![
                Ok(Frame::data(half)),
                Err(std::io::Error::other("cut short by the test server")),
            ];
            return Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .header("content-length", whole.len())
                .body(BodyExt::boxed(StreamBody::new(futures::stream::iter(
                    frames,
                ))))
                .unwrap();
        }
        Some(Fault::EndlessContinue) => endless = true,
        None => {}
    }
    match render(state, &path, &query, endless) {
        Some(Ok(bytes)) => json_response(StatusCode::OK, bytes),
        Some(Err(message)) => status(400, "BadRequest", &message),
        None => status_for(404, &path),
    }
}

/// The recorded answer to `path?query`: a document, a (filtered, paged)
/// list, or one object of a list.
fn render(state: &State, path: &str, query: &str, endless: bool) -> Option<Result<Bytes, String>> {
    let params: HashMap<String, String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    match state.docs.get(path) {
        Some(Doc::Raw(bytes)) => Some(Ok(bytes.clone())),
        Some(Doc::List(list)) => Some(render_list(state, list, &params, endless)),
        None => {
            // A namespace with nothing recorded lists empty, like the API server.
            if let Some((base, rest)) = path.split_once("/namespaces/")
                && let Some((namespace, resource)) = rest.split_once('/')
                && !resource.contains('/')
                && let Some(Doc::List(all)) = state.docs.get(&format!("{base}/{resource}"))
            {
                let list = List {
                    kind: all.kind.clone(),
                    api_version: all.api_version.clone(),
                    resource_version: all.resource_version.clone(),
                    items: all
                        .items
                        .iter()
                        .filter(|i| i.namespace.as_deref() == Some(namespace))
                        .map(|i| Item {
                            namespace: i.namespace.clone(),
                            name: i.name.clone(),
                            labels: i.labels.clone(),
                            json: i.json.clone(),
                        })
                        .collect(),
                };
                return Some(render_list(state, &list, &params, endless));
            }
            let (parent, name) = path.rsplit_once('/')?;
            let Some(Doc::List(list)) = state.docs.get(parent) else {
                return None;
            };
            let item = list.items.iter().find(|i| i.name == name)?;
            let mut object: Value = serde_json::from_slice(&item.json).unwrap();
            object["kind"] = Value::String(list.kind.trim_end_matches("List").into());
            object["apiVersion"] = Value::String(list.api_version.clone());
            Some(Ok(Bytes::from(object.to_string())))
        }
    }
}

fn render_list(
    state: &State,
    list: &List,
    params: &HashMap<String, String>,
    endless: bool,
) -> Result<Bytes, String> {
    let labels = params.get("labelSelector").map(|s| LabelSelector::parse(s));
    let labels = labels.transpose()?;
    let fields = params
        .get("fieldSelector")
        .map(|s| parse_field_selector(s))
        .transpose()?;
    let selected: Vec<&Item> = list
        .items
        .iter()
        .filter(|i| labels.as_ref().is_none_or(|l| l.matches(&i.labels)))
        .filter(|i| {
            fields.as_ref().is_none_or(|f| {
                f.iter().all(|(field, value, equal)| {
                    let actual = match field.as_str() {
                        "metadata.name" => i.name.as_str(),
                        "metadata.namespace" => i.namespace.as_deref().unwrap_or(""),
                        _ => return true,
                    };
                    (actual == value) == *equal
                })
            })
        })
        .collect();
    let start: usize = params
        .get("continue")
        .and_then(|c| c.strip_prefix("offset-"))
        .and_then(|c| c.split('-').next())
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut limit = params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    if let Some(max) = *state.max_page.lock().unwrap() {
        limit = limit.min(max);
    }
    let start = start.min(selected.len());
    let end = start.saturating_add(limit).min(selected.len());
    let page = &selected[start..end];
    let mut metadata = json!({ "resourceVersion": list.resource_version });
    if endless {
        // A fresh token each time, as a server that lost its way would send.
        metadata["continue"] = Value::String(format!("offset-{start}-{}", rand_suffix()));
    } else if end < selected.len() {
        metadata["continue"] = Value::String(format!("offset-{end}"));
        metadata["remainingItemCount"] = json!(selected.len() - end);
    }
    let mut out = Vec::with_capacity(page.iter().map(|i| i.json.len() + 1).sum::<usize>() + 200);
    out.extend_from_slice(
        format!(
            "{{\"kind\":{},\"apiVersion\":{},\"metadata\":{},\"items\":[",
            Value::String(list.kind.clone()),
            Value::String(list.api_version.clone()),
            metadata
        )
        .as_bytes(),
    );
    for (n, item) in page.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&item.json);
    }
    out.extend_from_slice(b"]}");
    Ok(Bytes::from(out))
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Label selectors as the API server reads them: `a=b`, `a==b`, `a!=b`,
/// `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, joined by commas.
pub struct LabelSelector(Vec<Requirement>);

pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut parts = Vec::new();
        let mut depth = 0;
        let mut current = String::new();
        for c in text.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        parts.push(current);
        let mut requirements = Vec::new();
        for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            let set = |rest: &str| -> Result<Vec<String>, String> {
                let inner = rest
                    .trim()
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or(format!("bad set in label selector {part:?}"))?;
                Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
            };
            let r = if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEquals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==") {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once('=') {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), set(rest)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), set(rest)?)
            } else if let Some(k) = part.strip_prefix('!') {
                Requirement::NotExists(k.trim().into())
            } else {
                Requirement::Exists(part.into())
            };
            requirements.push(r);
        }
        Ok(LabelSelector(requirements))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
        })
    }
}

/// `metadata.name=x,metadata.namespace!=y`: (field, value, equal).
fn parse_field_selector(text: &str) -> Result<Vec<(String, String, bool)>, String> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|part| {
            if let Some((f, v)) = part.split_once("!=") {
                Ok((f.into(), v.into(), false))
            } else if let Some((f, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Ok((f.into(), v.into(), true))
            } else {
                Err(format!("bad field selector {part:?}"))
            }
        })
        .collect()
}

/// Percent-decoding of a query component (`+` is a space).
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
