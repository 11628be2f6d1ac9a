//! GET requests to the API server: one time limit per attempt, bounded
//! retries with backoff (429 with Retry-After, 5xx, timeouts, cut bodies),
//! capped answer sizes, and paginated LISTs that cannot run forever.

use super::object::LiveObject;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Tries per request: the first and three retries.
pub const ATTEMPTS: u32 = 4;

/// Which failures a request retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// 429, 5xx, timeouts and dropped connections, up to [`ATTEMPTS`] tries.
    All,
    /// The first contact: a server that is down or silent ends the audit at
    /// once (exit 2 within the request timeout); 429 and 5xx are retried.
    ServerErrors,
}
/// First retry delay; doubled each retry.
const BACKOFF: Duration = Duration::from_millis(250);
/// Longest wait a Retry-After header can ask for: a server asking for
/// minutes gets the request marked unchecked instead of a hung audit.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Largest answer read: a page of 500 objects is a few MB; more is a server
/// (or an object) out of bounds, and memory is kept for the audit.
pub const MAX_BODY: usize = 64 << 20;
/// Objects per LIST page, as kubectl asks.
pub const PAGE_SIZE: usize = 500;
/// Pages per LIST: 1,000 pages of 500 is half a million objects of one type
/// in scope; past that the server is taken to be paginating forever.
pub const MAX_PAGES: usize = 1_000;
/// Bytes read per LIST over all its pages.
pub const MAX_LIST_BYTES: usize = 512 << 20;

/// Why a GET gave no usable answer. Callers branch on the kind: a 403 falls
/// back to narrower requests, a 401 or an unreachable server ends the audit.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Failure {
    /// The server answered with an error status (its Status message, if any).
    #[error("{code} {text}{}", suffix(.message))]
    Status {
        code: u16,
        text: String,
        message: Option<String>,
    },
    #[error("no answer within {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    /// Connection refused or reset, a body cut short: the transport's word.
    #[error("{0}")]
    Transport(String),
    /// The TLS handshake failed: a certificate one side does not trust.
    #[error("{0}")]
    Tls(TlsFailure),
    #[error("the answer is larger than {} MiB", MAX_BODY >> 20)]
    TooLarge,
    /// The body is not what the API serves (never quoted: it may hold a Secret).
    #[error("{0}")]
    Invalid(String),
}

/// Whose certificate a TLS handshake stumbled on, in plain words; the TLS
/// library's own term follows in brackets for searching.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsFailure {
    /// No certificate authority driftctl trusts signed the server's
    /// certificate (the wrong CA configured, or none).
    #[error("the server's certificate is not signed by a trusted certificate authority ({detail})")]
    ServerCertificateUntrusted { detail: String },
    /// The server's certificate is wrong otherwise: another name, expired.
    #[error("the server's certificate {why} ({detail})")]
    ServerCertificate { why: &'static str, detail: String },
    /// The server wants a client certificate and was given none.
    #[error("the server requires a client certificate and none was given ({detail})")]
    ClientCertificateMissing { detail: String },
    /// The server does not accept the client certificate given.
    #[error("the server refused the client certificate ({detail})")]
    ClientCertificateRefused { detail: String },
    #[error("the TLS handshake failed ({detail})")]
    Handshake { detail: String },
}

impl TlsFailure {
    fn of(e: &rustls::Error) -> TlsFailure {
        use rustls::{AlertDescription as Alert, CertificateError as Cert};
        let detail = e.to_string();
        match e {
            rustls::Error::InvalidCertificate(cert) => {
                let why = match cert {
                    Cert::UnknownIssuer => {
                        return TlsFailure::ServerCertificateUntrusted { detail };
                    }
                    Cert::NotValidForName | Cert::NotValidForNameContext { .. } => {
                        "is not valid for the server's address"
                    }
                    Cert::Expired | Cert::ExpiredContext { .. } => "has expired",
                    Cert::NotValidYet | Cert::NotValidYetContext { .. } => "is not valid yet",
                    Cert::Revoked => "is revoked",
                    _ => "is not accepted",
                };
                TlsFailure::ServerCertificate { why, detail }
            }
            rustls::Error::AlertReceived(Alert::CertificateRequired) => {
                TlsFailure::ClientCertificateMissing { detail }
            }
            rustls::Error::AlertReceived(
                Alert::BadCertificate
                | Alert::UnsupportedCertificate
                | Alert::CertificateRevoked
                | Alert::CertificateExpired
                | Alert::CertificateUnknown
                | Alert::UnknownCA
                | Alert::AccessDenied,
            ) => TlsFailure::ClientCertificateRefused { detail },
            _ => TlsFailure::Handshake { detail },
        }
    }

    /// The TLS failure an alert's text names: HTTP/2 (h2) keeps only the
    /// text of the I/O errors it carries, rustls' error type is gone.
    fn of_alert_text(text: &str) -> Option<TlsFailure> {
        let (_, alert) = text.split_once("received fatal alert: ")?;
        let detail = text.to_string();
        let name = alert.split(|c: char| !c.is_ascii_alphanumeric()).next()?;
        Some(match name {
            "CertificateRequired" => TlsFailure::ClientCertificateMissing { detail },
            "BadCertificate"
            | "UnsupportedCertificate"
            | "CertificateRevoked"
            | "CertificateExpired"
            | "CertificateUnknown"
            | "UnknownCA"
            | "AccessDenied" => TlsFailure::ClientCertificateRefused { detail },
            _ => TlsFailure::Handshake { detail },
        })
    }

    /// The TLS failure somewhere in the causes of `e`: rustls' error travels
    /// inside `io::Error`s (nested), whose `source()` skips what they wrap.
    fn find(e: &(dyn std::error::Error + 'static)) -> Option<TlsFailure> {
        let mut next = Some(e);
        while let Some(e) = next {
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                return Some(TlsFailure::of(tls));
            }
            next = match e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
            {
                Some(wrapped) => Some(wrapped as &(dyn std::error::Error + 'static)),
                None => e.source(),
            };
        }
        None
    }
}

fn suffix(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

impl Failure {
    fn retryable(&self, retry: Retry) -> bool {
        if retry == Retry::ServerErrors && !matches!(self, Failure::Status { .. }) {
            return false;
        }
        match self {
            Failure::Status { code, .. } => *code == 429 || *code >= 500,
            Failure::Timeout(_) | Failure::Transport(_) => true,
            // A certificate refused now is refused on every try.
            Failure::Tls(_) | Failure::TooLarge | Failure::Invalid(_) => false,
        }
    }

    pub fn code(&self) -> Option<u16> {
        match self {
            Failure::Status { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// A failed request, said as the API call and what went wrong.
#[derive(Debug, Clone)]
pub struct CallError {
    pub path: String,
    pub failure: Failure,
    pub attempts: u32,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GET {}: {}", self.path, self.failure)?;
        if self.attempts > 1 {
            write!(f, " (tried {} times)", self.attempts)?;
        }
        Ok(())
    }
}

/// The connection to one API server, shared by every request of a run.
pub struct Api {
    client: kube::Client,
    /// The server's address, for error messages.
    pub server: String,
    timeout: Duration,
    /// `--verbose`: each request on stderr.
    pub verbose: bool,
    /// The server has answered a request of this run (any status).
    answered: AtomicBool,
    /// Held by the first contact: requests wait for it to settle whether
    /// the server is there (and which protocol it speaks) rather than each
    /// opening a connection of its own.
    first_contact: tokio::sync::Mutex<Option<Failure>>,
}

#[derive(Deserialize)]
struct StatusBody {
    kind: Option<String>,
    message: Option<String>,
}

impl Api {
    pub fn new(client: kube::Client, server: String, timeout: Duration, verbose: bool) -> Api {
        Api {
            client,
            server,
            timeout,
            verbose,
            answered: AtomicBool::new(false),
            first_contact: tokio::sync::Mutex::new(None),
        }
    }

    /// Whether the server has answered anything yet: a failure to reach a
    /// server that never answered ends the audit (exit 2) instead of
    /// leaving types unchecked.
    pub fn answered(&self) -> bool {
        self.answered.load(Ordering::Acquire)
    }

    /// GET `path` once, within the request timeout, body included.
    async fn attempt(&self, path: &str) -> Result<Bytes, (Failure, Option<Duration>)> {
        let request = http::Request::get(path)
            .header(http::header::ACCEPT, "application/json")
            .body(kube::client::Body::empty())
            .map_err(|e| (Failure::Invalid(format!("bad request path: {e}")), None))?;
        let exchange = async {
            let response = self
                .client
                .send(request)
                .await
                .map_err(|e| (transport_failure(&e, self.timeout), None))?;
            self.answered.store(true, Ordering::Release);
            let status = response.status();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| {
                    if e.downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some()
                    {
                        (Failure::TooLarge, None)
                    } else {
                        (
                            Failure::Transport(format!(
                                "the answer was cut short ({})",
                                error_chain(e.as_ref())
                            )),
                            None,
                        )
                    }
                })?
                .to_bytes();
            if status.is_success() {
                return Ok(body);
            }
            // Only a Kubernetes Status is quoted: any other body may hold
            // object data, Secrets included.
            let message = serde_json::from_slice::<StatusBody>(&body)
                .ok()
                .filter(|s| s.kind.as_deref() == Some("Status"))
                .and_then(|s| s.message)
                .map(|m| m.chars().take(300).collect());
            Err((
                Failure::Status {
                    code: status.as_u16(),
                    text: status.canonical_reason().unwrap_or("").to_string(),
                    message,
                },
                retry_after,
            ))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err((Failure::Timeout(self.timeout), None)),
        }
    }

    /// GET `path`, retrying as `retry` says. Until the server first
    /// answers, one request goes at a time and a server that is down or
    /// silent is not retried: the first fails within the request timeout,
    /// and the requests waiting behind it fail with it at once.
    pub async fn get(&self, path: &str, retry: Retry) -> Result<Bytes, CallError> {
        if !self.answered() {
            let mut unreachable = self.first_contact.lock().await;
            if let Some(failure) = unreachable.as_ref() {
                return Err(CallError {
                    path: path.to_string(),
                    failure: failure.clone(),
                    attempts: 1,
                });
            }
            if !self.answered() {
                let outcome = self.get_retrying(path, retry).await;
                if let Err(e) = &outcome
                    && !self.answered()
                {
                    *unreachable = Some(e.failure.clone());
                }
                return outcome;
            }
        }
        self.get_retrying(path, retry).await
    }

    async fn get_retrying(&self, path: &str, retry: Retry) -> Result<Bytes, CallError> {
        let attempts = ATTEMPTS;
        let mut tried = 0;
        loop {
            tried += 1;
            if self.verbose {
                eprintln!("driftctl: GET {path}");
            }
            match self.attempt(path).await {
                Ok(body) => return Ok(body),
                Err((failure, retry_after)) => {
                    // A server that never answered is not waited for.
                    let retry = if self.answered() {
                        retry
                    } else {
                        Retry::ServerErrors
                    };
                    if !failure.retryable(retry) || tried >= attempts {
                        return Err(CallError {
                            path: path.to_string(),
                            failure,
                            attempts: tried,
                        });
                    }
                    let backoff = BACKOFF * 2u32.pow(tried - 1);
                    let wait = retry_after.map_or(backoff, |d| d.min(MAX_RETRY_AFTER));
                    if self.verbose {
                        eprintln!(
                            "driftctl: GET {path}: {failure}; retrying in {}",
                            humantime::format_duration(wait)
                        );
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Every item of a LIST, page by page. Partial lists are never returned.
    pub async fn list(
        &self,
        path: &str,
        selector: Option<&str>,
    ) -> Result<Vec<LiveObject>, CallError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut seen_tokens = std::collections::HashSet::new();
        let mut seen_objects = std::collections::HashSet::new();
        let mut bytes_read = 0usize;
        for _ in 0..MAX_PAGES {
            let mut url = format!("{path}?limit={PAGE_SIZE}");
            if let Some(selector) = selector {
                url.push_str("&labelSelector=");
                url.push_str(&encode(selector));
            }
            if let Some(t) = &token {
                url.push_str("&continue=");
                url.push_str(&encode(t));
            }
            let body = self.get(&url, Retry::All).await?;
            bytes_read += body.len();
            let page: Page = serde_json::from_slice(&body).map_err(|e| CallError {
                path: url.clone(),
                failure: Failure::Invalid(json_reason(&e)),
                attempts: 1,
            })?;
            drop(body);
            if token.is_some() {
                // Pages of one LIST are one consistent snapshot: an object on
                // two pages means the server is going round in circles.
                for item in &page.items {
                    if !seen_objects.insert(object_key(item)) {
                        return Err(CallError {
                            path: path.to_string(),
                            failure: Failure::Invalid(
                                "the server sent the same object on two pages: the list never ends"
                                    .into(),
                            ),
                            attempts: 1,
                        });
                    }
                }
            } else {
                seen_objects.extend(page.items.iter().map(object_key));
            }
            items.extend(page.items);
            match page.metadata.continue_token.filter(|t| !t.is_empty()) {
                None => return Ok(items),
                Some(next) => {
                    if bytes_read > MAX_LIST_BYTES {
                        return Err(CallError {
                            path: path.to_string(),
                            failure: Failure::Invalid(format!(
                                "the list is larger than {} MiB over its pages",
                                MAX_LIST_BYTES >> 20
                            )),
                            attempts: 1,
                        });
                    }
                    if !seen_tokens.insert(next.clone()) {
                        return Err(CallError {
                            path: path.to_string(),
                            failure: Failure::Invalid(
                                "the server repeated a continue token: the list never ends".into(),
                            ),
                            attempts: 1,
                        });
                    }
                    token = Some(next);
                }
            }
        }
        Err(CallError {
            path: path.to_string(),
            failure: Failure::Invalid(format!(
                "the list did not end after {MAX_PAGES} pages of {PAGE_SIZE}"
            )),
            attempts: 1,
        })
    }
}

/// A JSON answer to `GET path`, read as `T`.
pub fn parse_json<T: serde::de::DeserializeOwned>(path: &str, body: &[u8]) -> Result<T, CallError> {
    serde_json::from_slice(body).map_err(|e| CallError {
        path: path.to_string(),
        failure: Failure::Invalid(json_reason(&e)),
        attempts: 1,
    })
}

fn object_key(item: &LiveObject) -> (String, String) {
    let metadata = &item.head()["metadata"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (text(&metadata["namespace"]), text(&metadata["name"]))
}

#[derive(Deserialize, Debug)]
struct Page {
    #[serde(default)]
    metadata: ListMeta,
    /// A LIST answer has `items` (null when empty, from some servers).
    #[serde(deserialize_with = "items")]
    items: Vec<LiveObject>,
}

fn items<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<LiveObject>, D::Error> {
    Ok(Option::<Vec<Item>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.0)
        .collect())
}

/// How deep a field of a LIST item may nest: serde_json refuses a 128th
/// level, and the answer's map, its `items` list and the item are three.
const ITEM_FIELD_DEPTH: usize = 127 - 3;

/// One object of a LIST answer, read as a [`LiveObject`]: its metadata as a
/// JSON value, its other fields kept as the text the server sent, its
/// `status` skipped (the audit never compares what controllers report, and
/// a Deployment's status is a fifth of its bytes).
struct Item(LiveObject);

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Item, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Item;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a Kubernetes object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
                use serde::de::Error;
                let mut head = serde_json::Map::new();
                let mut rest = String::from("{");
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "status" => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                        "metadata" => {
                            let Metadata(value) = map.next_value()?;
                            head.insert(key, value);
                        }
                        "apiVersion" | "kind" => {
                            head.insert(key, map.next_value()?);
                        }
                        _ => {
                            let raw: &'de RawValue = map.next_value()?;
                            // Kept as text, read later: the depth serde_json
                            // would refuse is refused now, with the answer.
                            if nesting(raw.get()) > ITEM_FIELD_DEPTH {
                                return Err(A::Error::custom("recursion limit exceeded"));
                            }
                            if rest.len() > 1 {
                                rest.push(',');
                            }
                            rest.push_str(&Value::String(key).to_string());
                            rest.push(':');
                            rest.push_str(raw.get());
                        }
                    }
                }
                rest.push('}');
                Ok(Item(LiveObject::from_parts(
                    Value::Object(head),
                    rest.into_boxed_str(),
                )))
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// How deeply maps and lists nest in `json` (valid JSON text).
fn nesting(json: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in json.as_bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// An object's metadata, its managedFields' `fieldsV1` trees kept as JSON
/// text (see [`ManagedFields`]).
struct Metadata(Value);

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Metadata, D::Error> {
        // Metadata that is no map stays what it is (the audit says so).
        let raw = <&RawValue>::deserialize(d)?;
        match serde_json::from_str::<MetadataMap>(raw.get()) {
            Ok(MetadataMap(value)) => Ok(Metadata(value)),
            Err(_) => Ok(Metadata(
                serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?,
            )),
        }
    }
}

struct MetadataMap(Value);

impl<'de> Deserialize<'de> for MetadataMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<MetadataMap, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = MetadataMap;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("object metadata")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<MetadataMap, A::Error> {
                let mut metadata = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = if key == "managedFields" {
                        map.next_value::<ManagedFields>()?.0
                    } else if key == "annotations" {
                        map.next_value::<Annotations>()?.0
                    } else {
                        map.next_value::<Value>()?
                    };
                    metadata.insert(key, value);
                }
                Ok(MetadataMap(Value::Object(metadata)))
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// `metadata.annotations` without `kubectl.kubernetes.io/last-applied-configuration`,
/// skipped as it is read: `kubectl apply` (client-side) keeps a whole copy of
/// the object there, as large as the rest of it, and the audit never reads it
/// (normalize drops it).
struct Annotations(Value);

impl<'de> Deserialize<'de> for Annotations {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Annotations, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Annotations;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("annotations")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Annotations, A::Error> {
                let mut annotations = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == crate::normalize::LAST_APPLIED {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    } else {
                        annotations.insert(key, map.next_value()?);
                    }
                }
                Ok(Annotations(Value::Object(annotations)))
            }
        }
        // Anything but a map fails here: `Metadata` then reads the whole
        // metadata as sent, for the audit to judge.
        d.deserialize_map(Visitor)
    }
}

/// `metadata.managedFields` kept as the list's JSON text (a string value),
/// read by `managed_fields::parse` only for objects the audit judges: the
/// entries' FieldsV1 trees of tiny maps are nearly half of a Deployment's
/// bytes and most of its memory as JSON values. Anything but a list of maps
/// is kept as the server sent it, for the audit to reject.
struct ManagedFields(Value);

impl<'de> Deserialize<'de> for ManagedFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ManagedFields, D::Error> {
        let raw = <&RawValue>::deserialize(d)?;
        let value = match serde_json::from_str::<Vec<AnyMap>>(raw.get()) {
            Ok(_) => Value::String(raw.get().to_string()),
            Err(_) => serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?,
        };
        Ok(ManagedFields(value))
    }
}

/// A JSON map, its content skipped: only its shape is checked.
struct AnyMap;

impl<'de> Deserialize<'de> for AnyMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<AnyMap, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = AnyMap;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<AnyMap, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(AnyMap)
            }
        }
        d.deserialize_map(Visitor)
    }
}

#[derive(Deserialize, Default, Debug)]
struct ListMeta {
    #[serde(rename = "continue")]
    continue_token: Option<String>,
}

/// Where a JSON answer went wrong, without quoting it.
fn json_reason(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "the answer ends in the middle of its JSON",
        serde_json::error::Category::Syntax => "the answer is not valid JSON",
        serde_json::error::Category::Data => "the answer is not a Kubernetes list",
        serde_json::error::Category::Io => "the answer cannot be read",
    };
    // serde_json's messages name the expected token, never the input, except
    // for unknown variants/fields, which this reader does not use.
    let detail = e.to_string();
    if detail.contains("recursion limit") {
        return format!(
            "the answer is nested deeper than 128 levels (line {}, column {})",
            e.line(),
            e.column()
        );
    }
    format!("{what} (line {}, column {})", e.line(), e.column())
}

/// A transport error in plain words: a refused certificate, else the
/// innermost cause, which says most (connection refused, reset).
fn transport_failure(e: &kube::Error, timeout: Duration) -> Failure {
    if let Some(tls) = TlsFailure::find(e) {
        return Failure::Tls(tls);
    }
    let mut innermost: &(dyn std::error::Error + 'static) = e;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    if innermost
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    {
        return Failure::Timeout(timeout);
    }
    let text = innermost.to_string();
    if let Some(tls) = TlsFailure::of_alert_text(&text) {
        return Failure::Tls(tls);
    }
    if text.contains("before message completed") {
        Failure::Transport(format!("the answer was cut short ({text})"))
    } else if text == "connection was not ready"
        || text == "channel closed"
        || text == "connection closed"
        || text.ends_with("because of a broken pipe")
    {
        // TLS 1.3 completes the client's side of the handshake before the
        // server has checked its certificate: a server refusing it closes
        // the connection, and its alert may lose the race with the request
        // (hyper says "not ready" over HTTP/1.1; over HTTP/2 the channel,
        // the connection or the stream is closed, or the pipe broken).
        Failure::Transport(
            "the server closed the connection before answering (over TLS, a server that \
             refuses the client certificate closes it this way)"
                .into(),
        )
    } else {
        Failure::Transport(text)
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Percent-encodes a query value (label selectors, continue tokens).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_keep_managed_fields_as_text_and_read_the_same() {
        let fields = serde_json::json!({"f:data": {".": {}, "f:a": {}}});
        let item = serde_json::json!({
            "metadata": {"name": "c", "namespace": "n",
                "annotations": {"team": "a", crate::normalize::LAST_APPLIED: "{\"data\":{}}"},
                "managedFields": [
                {"manager": "kubectl-edit", "operation": "Update", "fieldsType": "FieldsV1",
                 "fieldsV1": fields}]},
            "data": {"a": "1"},
            "status": {"x": 1}});
        let body = serde_json::json!({"metadata": {}, "items": [item.clone(), {"metadata": 7},
            {"metadata": {"name": "odd", "managedFields": "nope"}},
            {"metadata": {"name": "odder", "annotations": ["x"], "managedFields": []}}]});
        let page: Page = serde_json::from_slice(body.to_string().as_bytes()).unwrap();
        // Only the head is a JSON value; the rest is read when asked for.
        assert!(page.items[0].head().get("data").is_none());
        let items: Vec<Value> = page.items.iter().map(|o| o.value().unwrap()).collect();
        let read = &items[0];
        assert_eq!(
            read["metadata"]["managedFields"],
            Value::String(item["metadata"]["managedFields"].to_string())
        );
        assert_eq!(read["data"], item["data"]);
        // kubectl's copy of what it applied is never read: not kept.
        assert_eq!(
            read["metadata"]["annotations"],
            serde_json::json!({"team": "a"})
        );
        assert_eq!(
            crate::normalize::live(read),
            crate::normalize::live(&item),
            "the audit sees the same object"
        );
        assert!(read.get("status").is_none());
        assert_eq!(
            crate::managed_fields::parse(read).unwrap(),
            crate::managed_fields::parse(&item).unwrap()
        );
        // What is not a list of maps stays as sent, for the audit to judge.
        assert_eq!(items[1]["metadata"], 7);
        assert_eq!(items[2]["metadata"]["managedFields"], "nope");
        assert!(crate::managed_fields::parse(page.items[2].head()).is_err());
        assert_eq!(
            items[3]["metadata"]["annotations"],
            serde_json::json!(["x"])
        );
    }

    #[test]
    fn tls_failures_say_whose_certificate_was_refused() {
        use rustls::{AlertDescription, CertificateError};
        let wrapped = |e: rustls::Error| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        // As hyper-rustls hands it on: an io::Error in an io::Error.
        let untrusted = std::io::Error::other(wrapped(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        )));
        let failure = TlsFailure::find(&untrusted).unwrap();
        assert_eq!(
            failure.to_string(),
            "the server's certificate is not signed by a trusted certificate authority \
             (invalid peer certificate: UnknownIssuer)"
        );
        let expired = wrapped(rustls::Error::InvalidCertificate(CertificateError::Expired));
        assert!(
            TlsFailure::find(&expired)
                .unwrap()
                .to_string()
                .starts_with("the server's certificate has expired")
        );
        let refused = wrapped(rustls::Error::AlertReceived(AlertDescription::UnknownCA));
        assert!(matches!(
            TlsFailure::find(&refused),
            Some(TlsFailure::ClientCertificateRefused { .. })
        ));
        let missing = wrapped(rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired,
        ));
        assert!(matches!(
            TlsFailure::find(&missing),
            Some(TlsFailure::ClientCertificateMissing { .. })
        ));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(TlsFailure::find(&reset), None);
        // Over HTTP/2 only the alert's text arrives.
        assert!(matches!(
            TlsFailure::of_alert_text("received fatal alert: UnknownCA"),
            Some(TlsFailure::ClientCertificateRefused { .. })
        ));
        assert!(matches!(
            TlsFailure::of_alert_text("received fatal alert: CertificateRequired"),
            Some(TlsFailure::ClientCertificateMissing { .. })
        ));
        assert_eq!(TlsFailure::of_alert_text("connection reset by peer"), None);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode("kustomize.toolkit.fluxcd.io/name=apps"),
            "kustomize.toolkit.fluxcd.io%2Fname%3Dapps"
        );
        assert_eq!(encode("eyJ2IjoxfQ=="), "eyJ2IjoxfQ%3D%3D");
    }

    #[test]
    fn fields_kept_as_text_nest_no_deeper_than_serde_json_reads() {
        let page = |depth: usize| {
            format!(
                r#"{{"items":[{{"metadata":{{"name":"x"}},"data":{}{}}}]}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        let read = serde_json::from_str::<Page>(&page(ITEM_FIELD_DEPTH)).unwrap();
        let value = read.items[0].value().unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&page(ITEM_FIELD_DEPTH)).unwrap()["items"][0],
            value,
            "as deep as serde_json reads a whole answer"
        );
        let e = serde_json::from_str::<Page>(&page(ITEM_FIELD_DEPTH + 1)).unwrap_err();
        assert!(serde_json::from_str::<Value>(&page(ITEM_FIELD_DEPTH + 1)).is_err());
        assert!(
            json_reason(&e).contains("nested deeper than 128 levels"),
            "{}",
            json_reason(&e)
        );
        // Brackets inside strings (escaped quotes too) are no nesting.
        assert_eq!(nesting(r#"["[[{\"]]", {"a": "}}"}]"#), 2);
    }

    #[test]
    fn json_errors_never_quote_the_answer() {
        let secret = r#"{"items":[{"data":{"password":"czNjcjN0"}"#;
        let e = serde_json::from_str::<Page>(secret).unwrap_err();
        let reason = json_reason(&e);
        assert!(!reason.contains("czNjcjN0"), "{reason}");
        assert!(reason.contains("ends in the middle"), "{reason}");
        let e = serde_json::from_str::<Page>(r#"{"items":"czNjcjN0"}"#).unwrap_err();
        assert!(!json_reason(&e).contains("czNjcjN0"));
    }

    #[test]
    fn only_server_errors_throttling_and_transport_are_retried() {
        let status = |code| Failure::Status {
            code,
            text: String::new(),
            message: None,
        };
        let all = Retry::All;
        assert!(status(429).retryable(all));
        assert!(status(500).retryable(all));
        assert!(status(503).retryable(all));
        assert!(!status(403).retryable(all));
        assert!(!status(404).retryable(all));
        assert!(Failure::Timeout(Duration::from_secs(1)).retryable(all));
        assert!(Failure::Transport("reset".into()).retryable(all));
        assert!(!Failure::TooLarge.retryable(all));
        let refused = Failure::Tls(TlsFailure::ClientCertificateRefused {
            detail: "received fatal alert: UnknownCA".into(),
        });
        assert!(!refused.retryable(all));
        let first = Retry::ServerErrors;
        assert!(status(503).retryable(first));
        assert!(!Failure::Timeout(Duration::from_secs(1)).retryable(first));
        assert!(!Failure::Transport("connection refused".into()).retryable(first));
    }
}
