//! The gateway's side of a signed request: the library's verifier. The request as an http
//! server received it (`Received::from_http_parts`: head and body, as hyper hands them over)
//! goes to `AnyVerifier` with every scheme's verifier registered, over a `MemoryKeyStore`
//! holding the test credentials. It recognizes the scheme itself (`Scheme::recognize`) and
//! answers `Verified` or a `VerifyError` with the cloud's code.
//!
//! Shared by `tests/loopback.rs` (a real HTTP stack), `tests/wire.rs` (generated requests
//! through an HTTP/1.1 parser) and the fuzz targets.

#![allow(dead_code)] // each user takes what it needs

use std::fmt;
use std::sync::OnceLock;

use cloudsign::verify::{
    Acs3Verifier, AnyVerifier, HuaweiVerifier, MemoryKeyStore, Received, RoaVerifier, RpcVerifier,
    Scheme, Tc3Verifier, V1Verifier, Verified, VerifyError, WsseVerifier,
};
use cloudsign::Credentials;
use http::request::Parts;
use time::OffsetDateTime;

/// The access key without a security token.
pub const AK: &str = "AKIDloopbackEXAMPLE";
/// The access key with one: a key store maps an id to one credential, token included, so
/// the token variant has an id of its own.
pub const AK_TOKEN: &str = "AKIDloopbackTOKEN";
pub const SK: &str = "loopback-secret-key";
pub const TOKEN: &str = "loopback-session-token";

pub fn creds(token: bool) -> Credentials {
    match token {
        true => Credentials::new(AK_TOKEN, SK)
            .and_then(|c| c.with_security_token(TOKEN))
            .unwrap(),
        false => Credentials::new(AK, SK).unwrap(),
    }
}

/// The gateway's key store: both credentials.
pub fn keys() -> MemoryKeyStore {
    MemoryKeyStore::new().with(creds(false)).with(creds(true))
}

/// The gateway: every verifier the library has, with the documented windows.
pub fn verifier() -> &'static AnyVerifier {
    static VERIFIER: OnceLock<AnyVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let any = AnyVerifier::new()
            .with(Acs3Verifier::new(keys()))
            .with(RpcVerifier::new(keys()))
            .with(RoaVerifier::new(keys()))
            .with(Tc3Verifier::new(keys()))
            .with(V1Verifier::new(keys()))
            .with(HuaweiVerifier::new(keys()))
            .with(WsseVerifier::new(keys()));
        assert_eq!(any.schemes().len(), Scheme::ALL.len());
        any
    })
}

/// The scheme of a test's label (`acs3`, `rpc`, `tc3`, `roa`, `v1`, `huawei`, `wsse`).
pub fn scheme(label: &str) -> Scheme {
    match label {
        "acs3" => Scheme::Acs3,
        "rpc" => Scheme::AlibabaRpc,
        "tc3" => Scheme::Tc3,
        "roa" => Scheme::AlibabaRoa,
        "v1" => Scheme::TencentV1,
        "huawei" => Scheme::HuaweiSdkHmacSha256,
        "wsse" => Scheme::HuaweiWsse,
        other => panic!("no scheme is labelled {other:?}"),
    }
}

/// Why the gateway refused a request.
#[derive(Clone, Debug)]
pub enum Refusal {
    /// Not a request an http server hands over as text (`Received::from_http_parts`).
    Unreadable(cloudsign::Error),
    /// The library's verifier refused it.
    Refused(VerifyError),
}

impl Refusal {
    /// The scheme the verifier took the request for, when it got that far.
    pub fn scheme(&self) -> Option<Scheme> {
        match self {
            Refusal::Refused(e) => e.scheme(),
            Refusal::Unreadable(_) => None,
        }
    }

    /// The cloud's error code, when the library's verifier refused.
    pub fn cloud_code(&self) -> Option<&'static str> {
        match self {
            Refusal::Refused(e) => Some(e.cloud_code()),
            Refusal::Unreadable(_) => None,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unreadable(e) => write!(f, "unreadable: {e}"),
            Refusal::Refused(e) => write!(f, "{}: {}", e.cloud_code(), e.cloud_message()),
        }
    }
}

/// Verifies a received request at the server's time `now`.
pub fn verify(parts: &Parts, body: &[u8], now: OffsetDateTime) -> Result<Verified, Refusal> {
    let got = Received::from_http_parts(parts, body).map_err(Refusal::Unreadable)?;
    verifier().verify(&got, now).map_err(Refusal::Refused)
}

/// Which of the gateway's secrets `text`, a refusal of the request received as `wire`
/// (its HTTP/1.1 bytes) and taken for `scheme`, gives away: [`SK`] or [`TOKEN`], or `None`.
///
/// A copy the client wrote into the request itself is not a leak: a verifier echoes the
/// client's text as its cloud does, and a fuzzer finds these strings and plants them in a
/// path or a parameter. So a secret counts as leaked only where the bytes received,
/// percent-decoded and lowercased, do not hold it. The secret never travels; the token
/// travels once, in `scheme`'s credential field (any scheme's when `scheme` is unknown:
/// the header's name in any case, the parameter's exactly, its value as written), and
/// counts as leaked only where the bytes hold it nowhere else.
///
/// What it cannot see: a leak of the token while the client also wrote it elsewhere, a
/// token field whose name or value the client percent-encoded, fields after bare-LF line
/// ends. Each only hides a leak (no false alarm); the unit tests in `tests/redaction.rs`
/// cover the fields one by one.
pub fn leaked(wire: &[u8], scheme: Option<Scheme>, text: &str) -> Option<&'static str> {
    if !text.contains(SK) && !text.contains(TOKEN) {
        return None;
    }
    let seen = normalized(wire);
    if text.contains(SK) && count(&seen, SK.as_bytes()) == 0 {
        return Some(SK);
    }
    let in_field = token_fields(wire, scheme);
    (text.contains(TOKEN) && count(&seen, TOKEN.as_bytes()) <= in_field).then_some(TOKEN)
}

/// `wire` percent-decoded (where a `%` starts two hex digits) and ASCII-lowercased.
fn normalized(wire: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = percent_encoding::percent_decode(wire).collect();
    out.make_ascii_lowercase();
    out
}

/// How often `needle` occurs in `hay`, overlaps included.
fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// How often [`TOKEN`] stands in `wire` as the value of `scheme`'s credential field: a
/// header line (name in any case, then `:` and optional blanks) or a parameter of the
/// request line's query or the form body (exact name after `?`, `&` or the body's start,
/// then `=`).
fn token_fields(wire: &[u8], scheme: Option<Scheme>) -> usize {
    let (headers, params): (&[&str], &[&str]) = match scheme {
        Some(Scheme::Acs3 | Scheme::AlibabaRoa) => (&["x-acs-security-token"], &[]),
        Some(Scheme::Tc3) => (&["x-tc-token"], &[]),
        Some(Scheme::HuaweiSdkHmacSha256) => (&["x-security-token"], &[]),
        Some(Scheme::AlibabaRpc) => (&[], &["SecurityToken"]),
        Some(Scheme::TencentV1) => (&[], &["Token"]),
        Some(_) => (&[], &[]),
        None => (
            &["x-acs-security-token", "x-tc-token", "x-security-token"],
            &["SecurityToken", "Token"],
        ),
    };
    let lower = wire.to_ascii_lowercase();
    let body_at = wire
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4);
    let body_at = body_at.unwrap_or(wire.len());
    let line_end = wire.iter().position(|&b| b == b'\n').unwrap_or(wire.len());
    // A parameter stands in the request line or the body, a header line between the two.
    let in_params = |at: usize| at < line_end || at >= body_at;
    let at_start = |start: usize| {
        start == body_at || matches!(start.checked_sub(1).map(|i| wire[i]), Some(b'?' | b'&'))
    };
    let mut found = 0;
    for at in (0..wire.len()).filter(|&at| wire[at..].starts_with(TOKEN.as_bytes())) {
        let blanks = lower[..at]
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b'\t'));
        let line = &lower[..at - blanks.count()];
        let header = !in_params(at)
            && headers
                .iter()
                .any(|h| line.ends_with(format!("\n{h}:").as_bytes()));
        let param = in_params(at)
            && params.iter().any(|p| {
                let field = format!("{p}=");
                wire[..at].ends_with(field.as_bytes()) && at_start(at - field.len())
            });
        found += usize::from(header || param);
    }
    found
}
