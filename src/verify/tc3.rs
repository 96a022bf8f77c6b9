//! TC3-HMAC-SHA256 verification: the canonical request rebuilt from what arrived, over the
//! headers the client lists in `SignedHeaders`, then Tencent's string to sign, derived key
//! and signature, compared in constant time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use smallvec::SmallVec;
use time::{Duration, OffsetDateTime};

use super::keyed::{mac_is, Keys};
use super::{check_window, KeyStore, Received, Scheme, Verified, Verifier, VerifyError};
use crate::bytes::lower_hex_decode;
use crate::encoding::{sha256_hex, Hex64};
use crate::mac::hmac_sha256;
use crate::tencent::tc3::{header, signing_key, ALGORITHM, UNSIGNED_PAYLOAD};
use crate::{timefmt, SecretKey};

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
    /// The store; the MAC TC3 keys depends on the date too: `signing_keys` keeps it.
    keys: Keys<()>,
    window: Duration,
    service: Option<String>,
    signing_keys: Option<Arc<SigningKeys>>,
}

impl std::fmt::Debug for Tc3Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tc3Verifier")
            .field("window", &self.window)
            .field("service", &self.service)
            .field("cache_signing_keys", &self.signing_keys.is_some())
            .finish_non_exhaustive()
    }
}

/// The most access keys whose derived signing keys are kept; past it, the cache starts
/// over (a server sees few keys a day; a flood of unknown ones never reaches it, as the
/// key store answers first).
const SIGNING_KEYS_KEPT: usize = 4096;

/// Per access key, the HMAC keyed with the derived signing key of its last date and
/// service (the pads already compressed), as the signer's own cache keeps it: three of the
/// four HMACs of a check saved. The secret is kept beside it to notice a rotated key.
#[derive(Default)]
struct SigningKeys(Mutex<HashMap<String, DerivedKey>>);

struct DerivedKey {
    date: String,
    service: String,
    secret: SecretKey,
    mac: Hmac<Sha256>,
}

impl SigningKeys {
    fn get_or_derive(
        &self,
        access_key_id: &str,
        scope: (&str, &str),
        secret: &SecretKey,
    ) -> Hmac<Sha256> {
        let (date, service) = scope;
        let mut keys = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match keys.get(access_key_id) {
            Some(k) if k.date == date && k.service == service && k.secret == *secret => {
                return k.mac.clone();
            }
            _ => {}
        }
        let mac = hmac_sha256(&signing_key(secret, date, service));
        if keys.len() >= SIGNING_KEYS_KEPT {
            keys.clear();
        }
        let derived = DerivedKey {
            date: date.to_owned(),
            service: service.to_owned(),
            secret: secret.clone(),
            mac: mac.clone(),
        };
        keys.insert(access_key_id.to_owned(), derived);
        mac
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
    /// The signature as sent (64 lower-case hex digits).
    signature_hex: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let bad = |reason| SCHEME.malformed("Authorization", reason);
    let rest = value
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or(bad("does not start with TC3-HMAC-SHA256"))?;
    // Three parts, each `Name=value`, in this order.
    let (credential, rest) = rest.split_once(',').unwrap_or((rest, ""));
    let (signed_headers, signature) = rest.split_once(',').unwrap_or((rest, ""));
    fn field<'a>(part: &'a str, name: &str) -> Option<&'a str> {
        (part.trim().strip_prefix(name)).and_then(|p| p.strip_prefix('='))
    }
    let credential = field(credential, "Credential").ok_or(bad("no Credential= first"))?;
    let signed_headers =
        field(signed_headers, "SignedHeaders").ok_or(bad("no SignedHeaders= second"))?;
    let signature = field(signature, "Signature").ok_or(bad("no Signature= third"))?;
    let scope = (credential.strip_suffix("/tc3_request"))
        .and_then(|s| s.split_once('/'))
        .and_then(|(id, s)| Some((id, s.split_once('/')?)))
        .filter(|(_, (_, service))| !service.contains('/'));
    let Some((access_key_id, (date, service))) = scope else {
        return Err(bad("Credential is not id/date/service/tc3_request"));
    };
    // Strictly 64 lower-case hex digits, as the signers write them.
    let Some(bytes) = lower_hex_decode::<32>(signature) else {
        return Err(match signature.contains(',') {
            true => bad("more than Credential, SignedHeaders and Signature"),
            false => bad("Signature is not 64 lower-case hex digits"),
        });
    };
    Ok(Authorization {
        access_key_id,
        date,
        service,
        signed_headers,
        signature: bytes,
        signature_hex: signature,
    })
}

impl Tc3Verifier {
    /// A verifier that looks keys up in `keys`, with Tencent's 5-minute window.
    pub fn new(keys: impl KeyStore + 'static) -> Self {
        Tc3Verifier {
            keys: Keys::new(keys, |_| ()),
            window: Duration::minutes(5),
            service: None,
            signing_keys: Some(Arc::default()),
        }
    }

    /// Whether to keep each access key's derived signing key for its date and service
    /// (default `true`), as [`Tc3Signer`](crate::tencent::Tc3Signer) does: three of the
    /// four HMACs of a check saved. The keys are secret and never printed; copies of this
    /// verifier share them.
    pub fn cache_signing_keys(mut self, cache: bool) -> Self {
        self.signing_keys = cache.then(Arc::default);
        self
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
        let one = |name| {
            req.one_header(name)
                .map_err(|r| SCHEME.malformed("header", r))
        };
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
        let date = timefmt::date(signed_at, ALGORITHM).ok();
        if date.as_ref().map(|d| d.as_str()) != Some(auth.date) {
            return Err(SCHEME.malformed("Credential", "its date is not X-TC-Timestamp's UTC date"));
        }
        if self.service.as_deref().is_some_and(|s| s != auth.service) {
            return Err(SCHEME.malformed("Credential", "it names another service"));
        }
        let creds = self.keys.credentials(SCHEME, auth.access_key_id)?;
        let token = one(header::X_TC_TOKEN)?;
        if token != creds.security_token().map(|t| t.expose_secret()) {
            return Err(VerifyError::TokenMismatch { scheme: SCHEME });
        }
        let scope = (auth.date, auth.service);
        let keyed = match &self.signing_keys {
            Some(cache) => cache.get_or_derive(auth.access_key_id, scope, creds.secret()),
            None => hmac_sha256(&signing_key(creds.secret(), auth.date, auth.service)),
        };
        check_signature(req, &auth, timestamp, keyed)?;
        Ok(Verified {
            scheme: SCHEME,
            access_key_id: auth.access_key_id.to_owned(),
            signed_at,
            nonce: None,
            // TC3 has no nonce: the signature itself, within its window.
            expires_at: signed_at.saturating_add(self.window),
            security_token: creds.security_token().cloned(),
            signature: Some(auth.signature_hex.to_owned()),
        })
    }
}

/// The signature checked against the canonical request in the form the client most
/// likely signed: the document's (values trimmed and lower-cased) when it signed
/// `x-tc-action`, as the document's samples do, the values as sent otherwise, as the SDKs
/// do. The other form is computed only if that fails and it differs (a signed value has
/// upper case or white space at an end).
fn check_signature(
    req: &Received,
    auth: &Authorization<'_>,
    timestamp: &str,
    keyed: Hmac<Sha256>,
) -> Result<(), VerifyError> {
    let signed = SignedHeaders::of(req, auth.signed_headers)?;
    let payload = hashed_payload(req);
    let string_to_sign = |normalized| StringToSign {
        timestamp,
        date: auth.date,
        service: auth.service,
        hashed_canonical_request: hashed_canonical_request(req, &signed, normalized, &payload),
    };
    // Constant time: `mac_is` compares without an early exit.
    let verifies = |sts: &StringToSign<'_>, keyed| mac_is(sts.mac(keyed), &auth.signature);
    let document_first = signed
        .headers
        .iter()
        .any(|&(name, _)| name == "x-tc-action");
    let first = string_to_sign(document_first);
    let verified = match signed.normalizing_changes_a_value() {
        false => verifies(&first, keyed),
        true => {
            verifies(&first, keyed.clone()) || verifies(&string_to_sign(!document_first), keyed)
        }
    };
    if verified {
        return Ok(());
    }
    Err(VerifyError::SignatureMismatch {
        scheme: SCHEME,
        string_to_sign: first.to_string(),
    })
}

/// `TC3-HMAC-SHA256 \n Timestamp \n Date/service/tc3_request \n HashedCanonicalRequest`.
#[derive(Clone, Copy)]
struct StringToSign<'a> {
    timestamp: &'a str,
    date: &'a str,
    service: &'a str,
    hashed_canonical_request: Hex64,
}

impl StringToSign<'_> {
    /// The HMAC of this text under the derived key (`keyed` with it), streamed in its
    /// parts.
    fn mac(&self, keyed: Hmac<Sha256>) -> Hmac<Sha256> {
        let mut mac = keyed;
        for part in [
            ALGORITHM,
            "\n",
            self.timestamp,
            "\n",
            self.date,
            "/",
            self.service,
        ] {
            mac.update(part.as_bytes());
        }
        mac.update(b"/tc3_request\n");
        mac.update(self.hashed_canonical_request.as_bytes());
        mac
    }
}

impl std::fmt::Display for StringToSign<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (timestamp, date, service) = (self.timestamp, self.date, self.service);
        let hashed = self.hashed_canonical_request.as_str();
        write!(
            f,
            "{ALGORITHM}\n{timestamp}\n{date}/{service}/tc3_request\n{hashed}"
        )
    }
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

/// The headers the client lists in `SignedHeaders` (sorted, unique, lower-case names,
/// `host` among them), each with its value as received.
struct SignedHeaders<'a> {
    names: &'a str,
    headers: SmallVec<[(&'a str, &'a str); 4]>,
}

impl<'a> SignedHeaders<'a> {
    fn of(req: &'a Received, names: &'a str) -> Result<Self, VerifyError> {
        let bad = || SCHEME.malformed("SignedHeaders", "not sorted, unique, lower-case names");
        let mut headers: SmallVec<[(&str, &str); 4]> = SmallVec::new();
        for name in names.split(';') {
            let ordered = headers.last().is_none_or(|&(previous, _)| previous < name);
            if name.is_empty() || name.bytes().any(|b| b.is_ascii_uppercase()) || !ordered {
                return Err(bad());
            }
            let value = match name {
                "host" => Some(req.host()),
                _ => req
                    .one_header(name)
                    .map_err(|r| SCHEME.malformed("header", r))?,
            };
            let value = value.ok_or(VerifyError::Missing {
                scheme: SCHEME,
                what: "header listed in SignedHeaders",
            })?;
            headers.push((name, value));
        }
        if !headers.iter().any(|&(name, _)| name == "host") {
            return Err(SCHEME.malformed("SignedHeaders", "host is not signed"));
        }
        Ok(SignedHeaders { names, headers })
    }

    /// Whether the document's form (values trimmed and lower-cased) differs from the
    /// values as sent.
    fn normalizing_changes_a_value(&self) -> bool {
        (self.headers.iter())
            .any(|&(_, v)| v.trim() != v || v.bytes().any(|b| b.is_ascii_uppercase()))
    }
}

/// `HashedRequestPayload`: the body's SHA-256 (a constant for an empty body), or that of
/// `UNSIGNED-PAYLOAD` when `X-TC-Content-SHA256` says so.
fn hashed_payload(req: &Received) -> Hex64 {
    let unsigned =
        req.one_header(header::X_TC_CONTENT_SHA256).ok().flatten() == Some(UNSIGNED_PAYLOAD);
    match unsigned {
        true => sha256_hex(UNSIGNED_PAYLOAD.as_bytes()),
        false => sha256_hex(req.body_bytes()),
    }
}

/// The SHA-256 of the canonical request, streamed in the document's order:
///
/// ```text
/// HTTPRequestMethod \n CanonicalURI \n CanonicalQueryString \n
/// CanonicalHeaders (name:value\n each) \n SignedHeaders \n HashedRequestPayload
/// ```
///
/// with the path and query as received, and the values as sent or (`normalized`)
/// trimmed and lower-cased.
fn hashed_canonical_request(
    req: &Received,
    signed: &SignedHeaders<'_>,
    normalized: bool,
    hashed_payload: &Hex64,
) -> Hex64 {
    let mut h = Sha256::new();
    for part in [req.method(), "\n", req.path(), "\n", req.raw_query(), "\n"] {
        h.update(part.as_bytes());
    }
    for &(name, value) in &signed.headers {
        h.update(name.as_bytes());
        h.update(b":");
        match normalized {
            true => update_lower_case(&mut h, value.trim()),
            false => h.update(value.as_bytes()),
        }
        h.update(b"\n");
    }
    for part in ["\n", signed.names, "\n"] {
        h.update(part.as_bytes());
    }
    h.update(hashed_payload.as_bytes());
    Hex64::from_slice(&h.finalize())
}

/// Hashes `text` lower-cased (ASCII), through a stack buffer.
fn update_lower_case(h: &mut Sha256, text: &str) {
    let mut buf = [0u8; 64];
    for chunk in text.as_bytes().chunks(buf.len()) {
        let lower = buf.get_mut(..chunk.len()).unwrap_or_default();
        lower.copy_from_slice(chunk);
        lower.make_ascii_lowercase();
        h.update(lower);
    }
}
