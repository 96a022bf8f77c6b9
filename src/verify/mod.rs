//! Server-side verification: check a received request's signature the way the cloud's
//! gateway does, from the bytes that arrived, and answer with the cloud's own error code.
//!
//! The parts: the request as received ([`Received`]), the key store ([`KeyStore`],
//! [`MemoryKeyStore`]), one [`Verifier`] per scheme (Alibaba's [`Acs3Verifier`],
//! [`RpcVerifier`] and [`RoaVerifier`]; Tencent's [`Tc3Verifier`] and [`V1Verifier`];
//! Huawei's [`HuaweiVerifier`] for SDK-HMAC-SHA256 and [`WsseVerifier`] for X-WSSE), the
//! entry point that recognizes the scheme ([`AnyVerifier`], [`Scheme::recognize`]), replay
//! protection around any verifier ([`Verifier::with_replay`], [`verify_with_async_replay`]),
//! the result ([`Verified`]), and the typed error with the cloud's code, HTTP status and message ([`VerifyError`]).
//!
//! ```
//! use cloudsign::tencent::Tc3Signer;
//! use cloudsign::verify::{MemoryKeyStore, Received, Tc3Verifier, Verifier};
//! use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
//!
//! let creds = Credentials::new("AKIDEXAMPLE", "secret")?;
//! let signer = Tc3Signer::builder(creds.clone(), "cvm").action("DescribeInstances")
//!     .version("2017-03-12").build()?;
//! let req = CanonicalRequest::builder().method("POST").host("cvm.tencentcloudapi.com")
//!     .header("Content-Type", "application/json").body("{}").build()?;
//! let ctx = SigningContext::from_unix(1_700_000_000, "n")?;
//! let out = signer.sign(&req, &ctx)?;
//!
//! // What the server received: the request's headers, the signer's, the body.
//! let mut got = Received::new("POST", "cvm.tencentcloudapi.com", "/")
//!     .header("Content-Type", "application/json").body("{}");
//! for (name, value) in out.headers() {
//!     got = got.header(name, value);
//! }
//! let verifier = Tc3Verifier::new(MemoryKeyStore::new().with(creds));
//! let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_100)?;
//! let ok = verifier.verify(&got, now)?;
//! assert_eq!(ok.access_key_id, "AKIDEXAMPLE");
//!
//! // One byte of the body changed: the cloud's answer.
//! let err = verifier.verify(&got.clone().body("{ }"), now).unwrap_err();
//! assert_eq!(err.cloud_code(), "AuthFailure.SignatureFailure");
//! assert_eq!(err.http_status(), 200);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;

use time::OffsetDateTime;

use crate::{Credentials, SecurityToken};

mod acs3;
mod error;
mod huawei;
mod keyed;
mod params;
mod roa;
mod rpc;
mod scheme;
mod stream;
mod tc3;
mod v1;
mod verifier;
mod wsse;

pub use acs3::Acs3Verifier;
pub use error::VerifyError;
pub use huawei::HuaweiVerifier;
pub use roa::RoaVerifier;
pub use rpc::RpcVerifier;
pub use scheme::{Cloud, Scheme};
pub use tc3::Tc3Verifier;
pub use v1::V1Verifier;
pub use verifier::{verify_with_async_replay, AnyVerifier, Verifier, WithReplay};
pub use wsse::WsseVerifier;

/// A request as the server received it: method, host, the path and raw query exactly as
/// sent, every header (repeated names included, in order), and the body.
///
/// ```
/// let got = cloudsign::verify::Received::new("GET", "cvm.tencentcloudapi.com", "/?Limit=10")
///     .header("Host", "cvm.tencentcloudapi.com");
/// assert_eq!(got.path(), "/");
/// assert_eq!(got.raw_query(), "Limit=10");
/// ```
#[derive(Clone, Default)]
pub struct Received {
    method: String,
    host: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    /// `target` is the request target as sent: the path, then `?` and the raw query if any.
    pub fn new(method: impl Into<String>, host: impl Into<String>, target: &str) -> Self {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Received {
            method: method.into(),
            host: host.into(),
            path: path.to_owned(),
            query: query.to_owned(),
            ..Received::default()
        }
    }

    /// Adds a header as received (repeat the call for a repeated name).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The body as received.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The host (the authority the client addressed).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The path as sent.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query as sent, without `?`.
    pub fn raw_query(&self) -> &str {
        &self.query
    }

    /// Every received header, in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body.
    pub fn body_bytes(&self) -> &[u8] {
        &self.body
    }

    /// The value of header `name` (any case); `Err` names it if it came more than once.
    pub(crate) fn one_header(&self, name: &str) -> Result<Option<&str>, &'static str> {
        let mut found = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some((_, v)), None) => Ok(Some(v)),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err("a header the signature depends on came twice"),
        }
    }
}

#[cfg(feature = "http")]
impl Received {
    /// The request as an `http` server received it, its body in memory: the host from the
    /// `Host` header (or, for an absolute-form target, the URI's authority without user
    /// info), the path and query as sent, every header in order.
    ///
    /// ```
    /// let req = http::Request::post("/?a=1").header("Host", "cvm.tencentcloudapi.com")
    ///     .header("X-TC-Action", "DescribeInstances").body(b"{}".to_vec())?;
    /// let got = cloudsign::verify::Received::from_http(&req)?;
    /// assert_eq!((got.host(), got.path(), got.raw_query()), ("cvm.tencentcloudapi.com", "/", "a=1"));
    /// assert_eq!(got.body_bytes(), b"{}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::MissingHost`](crate::Error::MissingHost) without a host, and
    /// [`Error::HeaderValueNotText`](crate::Error::HeaderValueNotText) for a header value
    /// that is not UTF-8 (no signer signs one; `CanonicalRequest::from_http` refuses it too).
    pub fn from_http<B: AsRef<[u8]>>(req: &::http::Request<B>) -> Result<Self, crate::Error> {
        Received::from_head(req.method(), req.uri(), req.headers(), req.body().as_ref())
    }

    /// The request as an `http` server received it, from its head and its body read into
    /// memory: what hyper's `Request::into_parts` and a collected body give. Read as
    /// [`from_http`](Self::from_http) reads.
    ///
    /// ```
    /// let req = http::Request::get("/v1/p/vpcs?limit=2").header("Host", "vpc.example.com")
    ///     .header("X-Sdk-Date", "20231114T221320Z").body(())?;
    /// let (parts, ()) = req.into_parts();
    /// let got = cloudsign::verify::Received::from_http_parts(&parts, b"")?;
    /// assert_eq!((got.method(), got.host(), got.raw_query()), ("GET", "vpc.example.com", "limit=2"));
    /// assert_eq!(got.headers()[1], ("x-sdk-date".to_owned(), "20231114T221320Z".to_owned()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_http`](Self::from_http).
    pub fn from_http_parts(
        parts: &::http::request::Parts,
        body: &[u8],
    ) -> Result<Self, crate::Error> {
        Received::from_head(&parts.method, &parts.uri, &parts.headers, body)
    }

    fn from_head(
        method: &::http::Method,
        uri: &::http::Uri,
        headers: &::http::HeaderMap,
        body: &[u8],
    ) -> Result<Self, crate::Error> {
        let host = match (headers.get(::http::header::HOST), uri.authority()) {
            (Some(v), _) => header_text(&::http::header::HOST, v)?.trim().to_owned(),
            (None, Some(a)) => a.as_str().rsplit('@').next().unwrap_or_default().to_owned(),
            (None, None) => return Err(crate::Error::MissingHost),
        };
        let target = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut got = Received::new(method.as_str(), host, target);
        for (name, value) in headers {
            got.headers.push((
                name.as_str().to_owned(),
                header_text(name, value)?.to_owned(),
            ));
        }
        got.body = body.to_vec();
        Ok(got)
    }
}

#[cfg(feature = "http")]
fn header_text<'a>(
    name: &::http::HeaderName,
    value: &'a ::http::HeaderValue,
) -> Result<&'a str, crate::Error> {
    // UTF-8, as `CanonicalRequest::from_http` reads it: the signers sign such values, and a
    // client may send an unsigned one (`http` accepts obs-text bytes).
    std::str::from_utf8(value.as_bytes()).map_err(|_| crate::Error::HeaderValueNotText {
        name: name.as_str().to_owned(),
    })
}

/// Header values can carry tokens and signatures: only the names are shown.
impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Received")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Where a verifier finds the secret (and the security token, if any) of an access key id.
pub trait KeyStore: Send + Sync {
    /// The credentials of `access_key_id`, or `None` if it is unknown.
    fn credentials(&self, access_key_id: &str) -> Option<Credentials>;
}

impl<K: KeyStore + ?Sized> KeyStore for std::sync::Arc<K> {
    fn credentials(&self, access_key_id: &str) -> Option<Credentials> {
        (**self).credentials(access_key_id)
    }
}

/// A [`KeyStore`] in memory.
///
/// ```
/// use cloudsign::verify::{KeyStore, MemoryKeyStore};
/// let keys = MemoryKeyStore::new().with(cloudsign::Credentials::new("id", "secret")?);
/// assert!(keys.credentials("id").is_some());
/// assert!(keys.credentials("other").is_none());
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryKeyStore(HashMap<String, Credentials>);

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryKeyStore::default()
    }

    /// The store with `credentials` added under their access key id.
    pub fn with(mut self, credentials: Credentials) -> Self {
        self.0
            .insert(credentials.access_key_id().to_owned(), credentials);
        self
    }
}

impl KeyStore for MemoryKeyStore {
    fn credentials(&self, access_key_id: &str) -> Option<Credentials> {
        self.0.get(access_key_id).cloned()
    }
}

/// A request whose signature verified.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Verified {
    /// The scheme.
    pub scheme: Scheme,
    /// Who signed.
    pub access_key_id: String,
    /// The signing time the request states.
    pub signed_at: OffsetDateTime,
    /// The scheme's nonce, for schemes that have one.
    pub nonce: Option<String>,
    /// Until when the request could be replayed: the end of its time window.
    pub expires_at: OffsetDateTime,
    /// The security token the request carried (it matched the key's).
    pub security_token: Option<SecurityToken>,
    /// The signature as sent, for schemes without a nonce: their replay key.
    signature: Option<String>,
}

impl Verified {
    /// What a replay cache records for this request: the nonce, or, for schemes without
    /// one (TC3, Huawei AK/SK), the signature itself (as sent, in hex). It reads
    /// [`nonce`](Self::nonce): a wrapper that changes that field before
    /// [`with_replay`](Verifier::with_replay) checks it changes the key.
    ///
    /// ```
    /// use cloudsign::huawei::WsseSigner;
    /// use cloudsign::verify::{MemoryKeyStore, Received, Verifier, WsseVerifier};
    /// use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
    ///
    /// let creds = Credentials::new("AppKey", "AppSecret")?;
    /// let req = CanonicalRequest::builder().method("POST").host("sms.example.com").path("/").build()?;
    /// let ctx = SigningContext::from_unix(1_700_000_000, "n0nce")?;
    /// let out = WsseSigner::new(creds.clone()).sign(&req, &ctx)?;
    /// let mut got = Received::new("POST", "sms.example.com", "/");
    /// for (name, value) in out.headers() {
    ///     got = got.header(name, value);
    /// }
    /// let ok = WsseVerifier::new(MemoryKeyStore::new().with(creds)).verify(&got, ctx.time())?;
    /// assert_eq!((ok.replay_key(), ok.nonce.as_deref()), ("n0nce", Some("n0nce")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replay_key(&self) -> &str {
        self.nonce
            .as_deref()
            .or(self.signature.as_deref())
            .unwrap_or_default()
    }
}

/// Whether `signed_at` is within `window` seconds of `now`, either way (exactly at the
/// window is inside).
pub(crate) fn check_window(
    scheme: Scheme,
    signed_at: i64,
    now: i64,
    window: i64,
) -> Result<(), VerifyError> {
    match signed_at.abs_diff(now) <= window.unsigned_abs() {
        true => Ok(()),
        false => Err(VerifyError::Expired {
            scheme,
            signed_at,
            now,
            window,
        }),
    }
}
