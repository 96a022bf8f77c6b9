//! TC3-HMAC-SHA256 verification: the canonical request rebuilt from what arrived, over the
//! headers the client lists in `SignedHeaders`, then Tencent's string to sign, derived key
//! and signature, compared in constant time.

use std::sync::Arc;

use hmac::Mac;
use time::{Duration, OffsetDateTime};

use super::{check_window, KeyStore, Received, Scheme, Verified, Verifier, VerifyError};
use crate::mac::hmac_sha256;
use crate::signer::plain;
use crate::tencent::tc3::{header, signing_key, ALGORITHM, UNSIGNED_PAYLOAD};
use crate::SecretKey;

const SCHEME: Scheme = Scheme::Tc3;

/// Verifies TC3-HMAC-SHA256 requests: the `Authorization` header's credential scope,
/// `SignedHeaders` and signature, `X-TC-Timestamp` within the window (5 minutes either way
/// by default, as Tencent's servers), the scope's date as the timestamp's UTC date, and the
/// security token (`X-TC-Token`) against the key's.
///
/// The headers are canonicalized as the client listed them, so requests of every official
/// SDK verify (`content-type;host`, or with `x-tc-action`). Tencent's document lower-cases
/// and trims the values while the SDKs sign them as sent: both forms are accepted.
///
/// ```
/// use cloudsign::verify::{MemoryKeyStore, Tc3Verifier};
/// let verifier = Tc3Verifier::new(MemoryKeyStore::new())
///     .window(time::Duration::minutes(2))
///     .service("cvm");
/// # let _ = verifier;
/// ```
#[derive(Clone)]
pub struct Tc3Verifier {
    keys: Arc<dyn KeyStore>,
    window: Duration,
    service: Option<String>,
}

impl std::fmt::Debug for Tc3Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tc3Verifier")
            .field("window", &self.window)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

/// The parts of `TC3-HMAC-SHA256 Credential=id/date/service/tc3_request,
/// SignedHeaders=a;b, Signature=hex`.
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    service: &'a str,
    signed_headers: &'a str,
    signature: [u8; 32],
}

fn malformed(what: &'static str, reason: &'static str) -> VerifyError {
    VerifyError::Malformed {
        scheme: SCHEME,
        what,
        reason,
    }
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let bad = |reason| malformed("Authorization", reason);
    let rest = value
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or(bad("does not start with TC3-HMAC-SHA256"))?;
    let mut parts = rest.split(',').map(str::trim);
    let mut field = |name: &str| {
        parts
            .next()
            .and_then(|p| p.strip_prefix(name))
            .and_then(|p| p.strip_prefix('='))
    };
    let credential = field("Credential").ok_or(bad("no Credential= first"))?;
    let signed_headers = field("SignedHeaders").ok_or(bad("no SignedHeaders= second"))?;
    let signature = field("Signature").ok_or(bad("no Signature= third"))?;
    if parts.next().is_some() {
        return Err(bad("more than Credential, SignedHeaders and Signature"));
    }
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, service, "tc3_request"] = scope[..] else {
        return Err(bad("Credential is not id/date/service/tc3_request"));
    };
    let mut bytes = [0u8; 32];
    // Strictly 64 lower-case hex digits, as the signers write them.
    let lower_hex = signature
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !lower_hex || hex::decode_to_slice(signature, &mut bytes).is_err() {
        return Err(bad("Signature is not 64 lower-case hex digits"));
    }
    Ok(Authorization {
        access_key_id,
        date,
        service,
        signed_headers,
        signature: bytes,
    })
}

impl Tc3Verifier {
    /// A verifier that looks keys up in `keys`, with Tencent's 5-minute window.
    pub fn new(keys: impl KeyStore + 'static) -> Self {
        Tc3Verifier {
            keys: Arc::new(keys),
            window: Duration::minutes(5),
            service: None,
        }
    }

    /// How far the signing time may be from the server's, either way.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The service this endpoint is (`cvm`, ...): a credential scope naming another one is
    /// refused, as Tencent's servers do. Unset, any service is accepted.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }
}

impl Verifier for Tc3Verifier {
    fn scheme(&self) -> Scheme {
        SCHEME
    }

    /// Its [`cloud_code`](VerifyError::cloud_code) is Tencent's.
    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        let one = |name| req.one_header(name).map_err(|r| malformed("header", r));
        let auth_value = one(header::AUTHORIZATION)?.ok_or(VerifyError::Missing {
            scheme: SCHEME,
            what: "Authorization header",
        })?;
        let auth = parse_authorization(auth_value)?;
        let timestamp = one(header::X_TC_TIMESTAMP)?.ok_or(VerifyError::Missing {
            scheme: SCHEME,
            what: "X-TC-Timestamp header",
        })?;
        let signed_at = parse_timestamp(timestamp)?;
        let window = self.window.whole_seconds();
        check_window(
            SCHEME,
            signed_at.unix_timestamp(),
            now.unix_timestamp(),
            window,
        )?;
        if auth.date != plain::date(signed_at) {
            return Err(malformed(
                "Credential",
                "its date is not X-TC-Timestamp's UTC date",
            ));
        }
        if self.service.as_deref().is_some_and(|s| s != auth.service) {
            return Err(malformed("Credential", "it names another service"));
        }
        let creds =
            self.keys
                .credentials(auth.access_key_id)
                .ok_or_else(|| VerifyError::UnknownKey {
                    scheme: SCHEME,
                    access_key_id: auth.access_key_id.to_owned(),
                })?;
        let token = one(header::X_TC_TOKEN)?;
        if token != creds.security_token().map(|t| t.expose_secret()) {
            return Err(VerifyError::TokenMismatch { scheme: SCHEME });
        }
        check_signature(req, &auth, timestamp, creds.secret())?;
        Ok(Verified {
            scheme: SCHEME,
            access_key_id: auth.access_key_id.to_owned(),
            signed_at,
            nonce: None,
            // TC3 has no nonce: the signature itself, within its window.
            replay_key: hex::encode(auth.signature),
            expires_at: signed_at.saturating_add(self.window),
            security_token: creds.security_token().cloned(),
        })
    }
}

/// The signature checked against each canonical form the client may have signed (the
/// values as sent, or lower-cased and trimmed).
fn check_signature(
    req: &Received,
    auth: &Authorization<'_>,
    timestamp: &str,
    secret: &SecretKey,
) -> Result<(), VerifyError> {
    let secret_signing = signing_key(secret, auth.date, auth.service);
    let scope = format!("{}/{}/tc3_request", auth.date, auth.service);
    let mut first = None;
    for normalized in [false, true] {
        let canonical = canonical_request(req, auth.signed_headers, normalized)?;
        let hashed = plain::sha256_hex(canonical.as_bytes());
        let string_to_sign = format!("{ALGORITHM}\n{timestamp}\n{scope}\n{hashed}");
        let mut mac = hmac_sha256(&secret_signing);
        mac.update(string_to_sign.as_bytes());
        // Constant time: `verify_slice` compares without an early exit.
        if mac.verify_slice(&auth.signature).is_ok() {
            return Ok(());
        }
        first.get_or_insert(string_to_sign);
    }
    Err(VerifyError::SignatureMismatch {
        scheme: SCHEME,
        string_to_sign: first.unwrap_or_default(),
    })
}

fn parse_timestamp(value: &str) -> Result<OffsetDateTime, VerifyError> {
    let bad = || VerifyError::BadTime {
        scheme: SCHEME,
        what: "X-TC-Timestamp",
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let secs: i64 = value.parse().map_err(|_| bad())?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| bad())
}

/// The canonical request over the client's `SignedHeaders` (lower-case names, each present
/// once), the path and query as received, and the payload's hash.
fn canonical_request(
    req: &Received,
    signed_headers: &str,
    normalized: bool,
) -> Result<String, VerifyError> {
    let mut canonical_headers = String::new();
    let mut previous: Option<&str> = None;
    for name in signed_headers.split(';') {
        let ordered = previous.is_none_or(|p| p < name);
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_uppercase()) || !ordered {
            return Err(malformed(
                "SignedHeaders",
                "not sorted, unique, lower-case names",
            ));
        }
        previous = Some(name);
        let value = match name {
            "host" => Some(req.host()),
            _ => req.one_header(name).map_err(|r| malformed("header", r))?,
        }
        .ok_or(VerifyError::Missing {
            scheme: SCHEME,
            what: "header listed in SignedHeaders",
        })?;
        let value = match normalized {
            true => value.trim().to_ascii_lowercase(),
            false => value.to_owned(),
        };
        canonical_headers.push_str(&format!("{name}:{value}\n"));
    }
    if !signed_headers.split(';').any(|n| n == "host") {
        return Err(malformed("SignedHeaders", "host is not signed"));
    }
    let unsigned =
        req.one_header(header::X_TC_CONTENT_SHA256).ok().flatten() == Some(UNSIGNED_PAYLOAD);
    let hashed_payload = match unsigned {
        true => plain::sha256_hex(UNSIGNED_PAYLOAD.as_bytes()),
        false => plain::sha256_hex(req.body_bytes()),
    };
    Ok(format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{hashed_payload}",
        req.method(),
        req.path(),
        req.raw_query(),
    ))
}
