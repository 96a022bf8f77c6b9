//! The wire property: a request that `sign()` accepts, applied to an `http::Request`, written
//! as HTTP/1.1 bytes and read back by a real HTTP/1.1 parser (`httparse`, as hyper reads
//! requests), verifies at the gateway (`gateway::verify`: the library's verifier, at the
//! signing time). Either `sign()` refuses the request with a typed error, or the gateway
//! accepts the bytes it read, as the scheme and the key they were signed with. No third
//! outcome.
//!
//! Shared by `tests/wire.rs` (proptest) and the fuzz target `wire`.

#![allow(dead_code)] // each user takes what it needs

use std::sync::Arc;

use cloudsign::alibaba::{acs3, Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{v1, Tc3Signer, V1Signer};
use cloudsign::{CanonicalRequest, Error, Signer, SigningContext};

use super::{gateway, reference};

/// The schemes, in the order `Spec::scheme` indexes them.
pub const SCHEMES: [&str; 7] = ["acs3", "rpc", "tc3", "roa", "v1", "huawei", "wsse"];

/// One generated request: everything a caller gives, before validation.
#[derive(Clone, Debug)]
pub struct Spec {
    /// An index into [`SCHEMES`] (taken modulo its length).
    pub scheme: usize,
    pub token: bool,
    pub method: String,
    pub host: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub time: i64,
    pub nonce: String,
    /// Read the request with `CanonicalRequest::from_http` from the `http::Request` that is
    /// sent, instead of building it.
    pub via_http: bool,
}

/// How one case ended.
#[derive(Debug)]
pub enum Outcome {
    /// Signed, sent, parsed, and the gateway verified it.
    Verified,
    /// `sign()` (or building the request) refused it with a typed error.
    Refused(Error),
    /// The caller's own URI, which the scheme does not rewrite, is too long for an
    /// `http::Request`: the caller could not have sent it, nothing to check.
    NotRepresentable(String),
}

/// The signer of `scheme`, with the gateway's credentials.
pub fn signer(scheme: &str, token: bool) -> Arc<dyn Signer> {
    let creds = gateway::creds(token);
    let built: Result<Arc<dyn Signer>, Error> = match scheme {
        "acs3" => Acs3Signer::builder(creds)
            .action("DescribeInstances")
            .version("2014-05-26")
            .signed_headers(acs3::SignedHeaders::Required)
            .build()
            .map(|s| Arc::new(s) as _),
        "rpc" => RpcSigner::builder(creds)
            .action("DescribeInstances")
            .version("2014-05-26")
            .build()
            .map(|s| Arc::new(s) as _),
        "tc3" => Tc3Signer::builder(creds, "cvm")
            .action("DescribeInstances")
            .version("2017-03-12")
            .region("ap-guangzhou")
            .build()
            .map(|s| Arc::new(s) as _),
        "roa" => RoaSigner::builder(creds)
            .action("DescribeClusters")
            .version("2015-12-15")
            .build()
            .map(|s| Arc::new(s) as _),
        "v1" => V1Signer::builder(creds)
            .action("DescribeInstances")
            .version("2017-03-12")
            .region("ap-guangzhou")
            .signature_method(v1::SignatureMethod::HmacSha256)
            .build()
            .map(|s| Arc::new(s) as _),
        "huawei" => SdkHmacSha256Signer::builder(creds)
            .project_id("0123456789abcdef")
            .build()
            .map(|s| Arc::new(s) as _),
        _ => Ok(Arc::new(WsseSigner::new(gateway::creds(false))) as _),
    };
    built.expect("the fixed settings are valid")
}

/// Runs one case; `Err` is a broken property, with what broke.
pub fn run(spec: &Spec) -> Result<Outcome, String> {
    let scheme = SCHEMES[spec.scheme % SCHEMES.len()];
    let signer = signer(scheme, spec.token && scheme != "wsse");
    let read = match spec.via_http {
        // As a client of the `http` crate signs: from the request it will send.
        true => match as_http(spec, &spec.query) {
            Ok(sent) => CanonicalRequest::from_http(&sent),
            Err(why) => return Ok(Outcome::NotRepresentable(why)),
        },
        false => {
            let mut b = CanonicalRequest::builder()
                .method(spec.method.as_str())
                .host(spec.host.as_str())
                .path(spec.path.as_str())
                .queries(spec.query.iter().cloned());
            for (n, v) in &spec.headers {
                b = b.header(n.as_str(), v.as_str());
            }
            b.body(spec.body.clone()).build()
        }
    };
    let req = match read {
        Ok(r) => r,
        Err(e) => return Ok(Outcome::Refused(e)),
    };
    let ctx = match SigningContext::from_unix(spec.time, spec.nonce.as_str()) {
        Ok(c) => c,
        Err(e) => return Ok(Outcome::Refused(e)),
    };
    reference::hold(&*signer, &req, &ctx, &format!("{spec:?}"))?;
    let out = match signer.sign(&req, &ctx) {
        Ok(o) => o,
        Err(e) => return Ok(Outcome::Refused(e)),
    };
    let again = signer
        .sign(&req, &ctx)
        .map_err(|e| format!("second sign: {e}"))?;
    if again.signature() != out.signature() || again.headers().ne(out.headers()) {
        return Err("signing is not deterministic".to_owned());
    }
    let mut sent = match as_http(spec, &spec.query) {
        Ok(r) => r,
        // The caller's own URI, which this scheme leaves as it is, is too long for `http`.
        Err(why) if out.query_string().is_empty() && why.contains("too long") => {
            return Ok(Outcome::NotRepresentable(why))
        }
        Err(why) => return Err(format!("signed, but not an http::Request: {why}")),
    };
    out.apply_to_http(&mut sent)
        .map_err(|e| format!("apply_to_http failed after sign() succeeded: {e}"))?;
    let bytes = to_wire(&sent);
    let (parts, body) = from_wire(&bytes)?;
    let sent = || String::from_utf8_lossy(&bytes).into_owned();
    let ok = gateway::verify(&parts, &body, ctx.time())
        .map_err(|e| format!("the gateway disagrees: {e}\n--- sent ---\n{}", sent()))?;
    let token = spec.token && scheme != "wsse";
    let id = if token {
        gateway::AK_TOKEN
    } else {
        gateway::AK
    };
    if ok.scheme != gateway::scheme(scheme) || ok.access_key_id != id {
        return Err(format!(
            "the gateway verified it as {} by {}\n--- sent ---\n{}",
            ok.scheme,
            ok.access_key_id,
            sent()
        ));
    }
    Ok(Outcome::Verified)
}

/// The request as a caller of the `http` crate would build it: the URI from the host,
/// path and query the builder was given, the headers exactly as given (a `Host` header
/// among them included), the body.
fn as_http(spec: &Spec, pairs: &[(String, String)]) -> Result<http::Request<Vec<u8>>, String> {
    let mut query = String::new();
    for (k, v) in pairs {
        if !query.is_empty() {
            query.push('&');
        }
        let set = cloudsign::encoding::RFC3986_UNRESERVED;
        cloudsign::encoding::percent_encode_into(&mut query, k, set);
        query.push('=');
        cloudsign::encoding::percent_encode_into(&mut query, v, set);
    }
    let uri = match query.as_str() {
        "" => format!("http://{}{}", spec.host, spec.path),
        q => format!("http://{}{}?{q}", spec.host, spec.path),
    };
    let mut b = http::Request::builder()
        .method(spec.method.as_str())
        .uri(uri);
    for (n, v) in &spec.headers {
        b = b.header(n.as_str(), v.as_str());
    }
    b.body(spec.body.clone()).map_err(|e| e.to_string())
}

/// HTTP/1.1 bytes as hyper writes a client request: the origin form of the URI, a `Host`
/// header from the authority unless the request has one, the headers in order, a
/// `content-length` for a body.
pub fn to_wire(req: &http::Request<Vec<u8>>) -> Vec<u8> {
    let mut w = Vec::new();
    // `path()` is "/" for an empty path (`http://host?q`), as clients send it; the raw
    // `path_and_query()` would be "?q", which is no request target.
    let target = match req.uri().query() {
        Some(q) => format!("{}?{q}", req.uri().path()),
        None => req.uri().path().to_owned(),
    };
    w.extend_from_slice(format!("{} {target} HTTP/1.1\r\n", req.method()).as_bytes());
    if !req.headers().contains_key(http::header::HOST) {
        // As hyper writes it: the authority without user info.
        let host = req.uri().authority().map_or("", |a| a.as_str());
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        w.extend_from_slice(format!("host: {host}\r\n").as_bytes());
    }
    for (name, value) in req.headers() {
        if name == http::header::CONTENT_LENGTH {
            continue;
        }
        w.extend_from_slice(name.as_str().as_bytes());
        w.extend_from_slice(b": ");
        w.extend_from_slice(value.as_bytes());
        w.extend_from_slice(b"\r\n");
    }
    if !req.body().is_empty() {
        w.extend_from_slice(format!("content-length: {}\r\n", req.body().len()).as_bytes());
    }
    w.extend_from_slice(b"\r\n");
    w.extend_from_slice(req.body());
    w
}

/// The request a server reads from `bytes`, as hyper would hand it over.
pub fn from_wire(bytes: &[u8]) -> Result<(http::request::Parts, Vec<u8>), String> {
    let mut headers = vec![httparse::EMPTY_HEADER; 256];
    let mut parsed = httparse::Request::new(&mut headers);
    let at = match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err("the request is incomplete".to_owned()),
        Err(e) => return Err(format!("the request does not parse: {e}")),
    };
    let mut b = http::Request::builder()
        .method(parsed.method.unwrap_or_default())
        .uri(parsed.path.unwrap_or_default());
    for h in parsed.headers.iter() {
        b = b.header(h.name, h.value);
    }
    let req = b
        .body(bytes[at..].to_vec())
        .map_err(|e| format!("parsed, but not http: {e}"))?;
    let (parts, body) = req.into_parts();
    Ok((parts, body))
}
