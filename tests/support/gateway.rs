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
