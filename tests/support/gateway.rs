//! The gateway's side of a signed request: the library's verifier. The request as an http
//! server received it (`Received::from_http_parts`: head and body, as hyper hands them over)
//! goes to `AnyVerifier` with every scheme's verifier registered, over a `MemoryKeyStore`
//! holding the test credentials. It recognizes the scheme itself (`Scheme::recognize`) and
//! answers `Verified` or a `VerifyError` with the cloud's code.
//!
//! Shared by `tests/loopback.rs` (a real HTTP stack), `tests/wire.rs` (generated requests
//! through an HTTP/1.1 parser) and the fuzz targets.
//!
//! TEMPORARY: ACS3, ROA, SDK-HMAC-SHA256 and X-WSSE still go through the old glue (module
//! `glue`: rebuild the request, sign again, compare) until their verifiers land on `main`.

#![allow(dead_code)] // each user takes what it needs

use std::fmt;
use std::sync::OnceLock;

use cloudsign::verify::{
    AnyVerifier, MemoryKeyStore, Received, RpcVerifier, Scheme, Tc3Verifier, V1Verifier, Verified,
    VerifyError,
};
use cloudsign::{Credentials, SigningContext};
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

/// The gateway: every verifier the library has, the documented windows.
pub fn verifier() -> &'static AnyVerifier {
    static VERIFIER: OnceLock<AnyVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        AnyVerifier::new()
            .with(Tc3Verifier::new(keys()))
            .with(RpcVerifier::new(keys()))
            .with(V1Verifier::new(keys()))
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
    /// TEMPORARY: the old glue refused it (schemes without a library verifier yet).
    Glue(String),
}

impl Refusal {
    /// The cloud's error code, when the library's verifier refused.
    pub fn cloud_code(&self) -> Option<&'static str> {
        match self {
            Refusal::Refused(e) => Some(e.cloud_code()),
            _ => None,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unreadable(e) => write!(f, "unreadable: {e}"),
            Refusal::Refused(e) => write!(f, "{}: {}", e.cloud_code(), e.cloud_message()),
            Refusal::Glue(e) => write!(f, "glue: {e}"),
        }
    }
}

/// What the gateway accepted.
///
/// TEMPORARY: `Glue` until every scheme has a library verifier; then `verify` returns
/// `Verified` itself.
#[derive(Clone, Debug)]
pub enum Accepted {
    /// The library's verifier accepted it.
    Verified(Verified),
    /// The old glue recomputed the same signature with this time and nonce.
    Glue {
        scheme: Scheme,
        token: bool,
        ctx: SigningContext,
    },
}

impl Accepted {
    pub fn scheme(&self) -> Scheme {
        match self {
            Accepted::Verified(v) => v.scheme,
            Accepted::Glue { scheme, .. } => *scheme,
        }
    }

    pub fn access_key_id(&self) -> &str {
        match self {
            Accepted::Verified(v) => &v.access_key_id,
            Accepted::Glue { token: true, .. } => AK_TOKEN,
            Accepted::Glue { token: false, .. } => AK,
        }
    }

    pub fn signed_at(&self) -> OffsetDateTime {
        match self {
            Accepted::Verified(v) => v.signed_at,
            Accepted::Glue { ctx, .. } => ctx.time(),
        }
    }

    /// The scheme's nonce (`None` for schemes without one).
    pub fn nonce(&self) -> Option<&str> {
        match self {
            Accepted::Verified(v) => v.nonce.as_deref(),
            Accepted::Glue { ctx, .. } => Some(ctx.nonce()).filter(|n| !n.is_empty()),
        }
    }
}

/// Verifies a received request at the server's time `now`.
pub fn verify(parts: &Parts, body: &[u8], now: OffsetDateTime) -> Result<Accepted, Refusal> {
    let got = Received::from_http_parts(parts, body).map_err(Refusal::Unreadable)?;
    match Scheme::recognize(&got) {
        // TEMPORARY: no library verifier for these yet.
        Some(
            scheme @ (Scheme::Acs3
            | Scheme::AlibabaRoa
            | Scheme::HuaweiSdkHmacSha256
            | Scheme::HuaweiWsse),
        ) => glue::verify(scheme, parts, body)
            .map(|(token, ctx)| Accepted::Glue { scheme, token, ctx })
            .map_err(Refusal::Glue),
        _ => verifier()
            .verify(&got, now)
            .map(Accepted::Verified)
            .map_err(Refusal::Refused),
    }
}

// ---------------------------------------------------------------------------------------
// TEMPORARY: the old glue, for the schemes without a library verifier yet. It reads the
// time, nonce, settings and signed headers from the request, rebuilds it with
// `CanonicalRequest::from_http_parts`, signs again and compares. Delete once
// `Acs3Verifier`, `RoaVerifier`, `HuaweiVerifier` and `WsseVerifier` are on `main`.
// ---------------------------------------------------------------------------------------

mod glue {
    use super::creds;
    use cloudsign::alibaba::{Acs3Signer, RoaSigner};
    use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
    use cloudsign::verify::Scheme;
    use cloudsign::{CanonicalRequest, Signer, SigningContext};
    use http::request::Parts;
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    fn header<'a>(parts: &'a Parts, name: &str) -> Result<&'a str, String> {
        parts
            .headers
            .get(name)
            .ok_or_else(|| format!("no {name} header"))?
            .to_str()
            .map_err(|e| e.to_string())
    }

    /// The received request, as cloudsign reads it.
    fn received(parts: &Parts, body: &[u8]) -> Result<CanonicalRequest, String> {
        CanonicalRequest::from_http_parts(parts, body).map_err(|e| e.to_string())
    }

    /// The received request with only the headers `keep` accepts and the query parameters
    /// `keep_param` accepts, for signing again.
    fn rebuilt(
        got: &CanonicalRequest,
        keep: impl Fn(&str) -> bool,
        keep_param: impl Fn(&str) -> bool,
        body: &[u8],
    ) -> Result<CanonicalRequest, String> {
        CanonicalRequest::builder()
            .method(got.method())
            .host(got.host())
            .path(got.path())
            .queries(got.query().iter().filter(|(k, _)| keep_param(k)).cloned())
            .headers(got.headers().iter().filter(|(n, _)| keep(n)).cloned())
            .body(body)
            .build()
            .map_err(|e| e.to_string())
    }

    fn signed_headers(authorization: &str) -> Vec<String> {
        authorization
            .split("SignedHeaders=")
            .nth(1)
            .unwrap_or("")
            .split([',', ' '])
            .next()
            .unwrap_or("")
            .split(';')
            .map(str::to_owned)
            .collect()
    }

    fn same(what: &str, recomputed: Option<&str>, received: &str) -> Result<(), String> {
        if recomputed == Some(received) {
            Ok(())
        } else {
            Err(format!(
                "{what}: received {received:?}, recomputed {recomputed:?}"
            ))
        }
    }

    fn token_of(parts: &Parts, name: &str) -> bool {
        parts.headers.contains_key(name)
    }

    /// Recomputes the signature of a received request; returns whether it carried a token,
    /// and the time and nonce it was signed with.
    pub(super) fn verify(
        scheme: Scheme,
        parts: &Parts,
        body: &[u8],
    ) -> Result<(bool, SigningContext), String> {
        let got = received(parts, body)?;
        match scheme {
            Scheme::Acs3 => {
                let token = token_of(parts, "x-acs-security-token");
                let auth = header(parts, "authorization")?;
                let signed = signed_headers(auth);
                // The gateway wants every x-acs-* header it receives signed (ACS3's document).
                if let Some(n) = parts.headers.keys().find(|n| {
                    n.as_str().starts_with("x-acs-") && !signed.iter().any(|s| s == n.as_str())
                }) {
                    return Err(format!("{n} is not signed"));
                }
                let added = [
                    "x-acs-action",
                    "x-acs-version",
                    "x-acs-date",
                    "x-acs-signature-nonce",
                    "x-acs-content-sha256",
                    "x-acs-accesskey-id",
                    "x-acs-security-token",
                ];
                let req = rebuilt(
                    &got,
                    |n| signed.iter().any(|s| s.eq_ignore_ascii_case(n)) && !added.contains(&n),
                    |_| true,
                    body,
                )?;
                let signer = Acs3Signer::builder(creds(token_of(parts, "x-acs-security-token")))
                    .action(header(parts, "x-acs-action")?)
                    .version(header(parts, "x-acs-version")?)
                    .build()
                    .map_err(|e| e.to_string())?;
                let time = OffsetDateTime::parse(header(parts, "x-acs-date")?, &Rfc3339)
                    .map_err(|e| e.to_string())?;
                let ctx = SigningContext::new(time, header(parts, "x-acs-signature-nonce")?);
                let out = signer.sign(&req, &ctx).map_err(|e| e.to_string())?;
                same("Authorization", out.header("Authorization"), auth).map(|()| (token, ctx))
            }
            Scheme::HuaweiWsse => {
                let token = false;
                let wsse = header(parts, "x-wsse")?;
                let field = |name: &str| {
                    wsse.split(&format!("{name}=\""))
                        .nth(1)
                        .and_then(|s| s.split('"').next())
                        .unwrap_or_default()
                        .to_owned()
                };
                let time = OffsetDateTime::parse(&field("Created"), &Rfc3339)
                    .map_err(|e| e.to_string())?;
                let ctx = SigningContext::new(time, field("Nonce"));
                // The scheme signs nothing of the request, but refuses one that carries its
                // own headers (an already signed request).
                let unsigned = rebuilt(
                    &got,
                    |n| {
                        !n.eq_ignore_ascii_case("x-wsse")
                            && !n.eq_ignore_ascii_case("authorization")
                    },
                    |_| true,
                    body,
                )?;
                let out = WsseSigner::new(creds(false))
                    .sign(&unsigned, &ctx)
                    .map_err(|e| e.to_string())?;
                same("X-WSSE", out.header("X-WSSE"), wsse).map(|()| (token, ctx))
            }
            Scheme::AlibabaRoa => {
                let token = token_of(parts, "x-acs-security-token");
                let auth = header(parts, "authorization")?;
                let added = [
                    "date",
                    "x-acs-signature-nonce",
                    "x-acs-signature-method",
                    "x-acs-signature-version",
                    "x-acs-version",
                    "x-acs-action",
                    "x-acs-accesskey-id",
                    "x-acs-security-token",
                    "authorization",
                ];
                let req = rebuilt(
                    &got,
                    |n| {
                        let n = n.to_ascii_lowercase();
                        (n.starts_with("x-acs-")
                            || n == "accept"
                            || n == "content-type"
                            || n == "content-md5")
                            && !added.contains(&n.as_str())
                    },
                    |_| true,
                    body,
                )?;
                let signer = RoaSigner::builder(creds(token_of(parts, "x-acs-security-token")))
                    .action(header(parts, "x-acs-action")?)
                    .version(header(parts, "x-acs-version")?)
                    .build()
                    .map_err(|e| e.to_string())?;
                // IMF-fixdate (RFC 9110 §5.6.7), any year.
                let format = time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            );
                let time = time::PrimitiveDateTime::parse(header(parts, "date")?, &format)
                    .map_err(|e| e.to_string())?
                    .assume_utc();
                let ctx = SigningContext::new(time, header(parts, "x-acs-signature-nonce")?);
                let out = signer.sign(&req, &ctx).map_err(|e| e.to_string())?;
                same("Authorization", out.header("Authorization"), auth).map(|()| (token, ctx))
            }
            Scheme::HuaweiSdkHmacSha256 => {
                let token = token_of(parts, "x-security-token");
                let auth = header(parts, "authorization")?;
                let signed = signed_headers(auth);
                let added = ["x-sdk-date", "x-security-token", "x-project-id", "host"];
                let req = rebuilt(
                    &got,
                    |n| signed.iter().any(|s| s.eq_ignore_ascii_case(n)) && !added.contains(&n),
                    |_| true,
                    body,
                )?;
                let mut b =
                    SdkHmacSha256Signer::builder(creds(token_of(parts, "x-security-token")));
                if let Ok(p) = header(parts, "x-project-id") {
                    b = b.project_id(p);
                }
                let signer = b.build().map_err(|e| e.to_string())?;
                let format =
                    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
                let time = time::PrimitiveDateTime::parse(header(parts, "x-sdk-date")?, &format)
                    .map_err(|e| e.to_string())?
                    .assume_utc();
                let ctx = SigningContext::new(time, "");
                let out = signer.sign(&req, &ctx).map_err(|e| e.to_string())?;
                same("Authorization", out.header("Authorization"), auth).map(|()| (token, ctx))
            }
            other => Err(format!("no glue for {other}")),
        }
    }
}
