//! SDK-HMAC-SHA256 verification (Huawei API Gateway app authentication and IAM AK/SK): the
//! canonical request rebuilt from what arrived, over the headers the client lists in
//! `SignedHeaders`, then Huawei's string to sign and HMAC, compared in constant time.
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI/ \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//! StringToSign     = SDK-HMAC-SHA256 \n X-Sdk-Date \n hex(SHA256(CanonicalRequest))
//! ```

use std::borrow::Cow;

use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};
use smallvec::SmallVec;
use time::{Duration, OffsetDateTime};

use super::keyed::{mac_is, Keys};
use super::{check_window, KeyStore, Received, Scheme, Verified, Verifier, VerifyError};
use crate::bytes::{lower_hex_decode, Sink};
use crate::encoding::{sha256_hex, Hex64, EMPTY_SHA256_HEX};
use crate::huawei::sdk_hmac_sha256::{header, write_canonical_uri, ALGORITHM, UNSIGNED_PAYLOAD};
use crate::mac::hmac_sha256;
use crate::text::trim;

const SCHEME: Scheme = Scheme::HuaweiSdkHmacSha256;

/// Verifies SDK-HMAC-SHA256 requests, as the API Gateway checks them: the `Authorization`
/// header (`SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`), `X-Sdk-Date`
/// within the window (15 minutes either way by default, as Huawei's gateway), and the
/// security token (`X-Security-Token`) against the key's.
///
/// What is canonicalized is what arrived:
/// - the headers the client lists in `SignedHeaders` (sorted, unique, lower-case; `host`
///   required, taken from [`Received::host`]), each value trimmed as the SDKs sign it;
/// - the path as received, percent-decoded, each segment RFC 3986-encoded, ending in `/`
///   (a decoded `%2F` is a separator, as in the SDKs); the raw query split on `&` and `=`,
///   decoded (`+` is a plus sign: the SDKs send `%20` for a space), sorted by name, then
///   value, and re-encoded;
/// - the body's SHA-256, or the literal `UNSIGNED-PAYLOAD` when the client sent **and
///   signed** `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` (an unsigned such header is not
///   trusted: the body is hashed). With an empty body the SDK (`huaweicloudsdkcore`) signs
///   the empty body's hash under that header and the APIG signer the literal: both verify.
///   Another value of the header is not trusted either: the body's hash is used, so a
///   client that declared the body's hash verifies and one that declared another does not.
///
/// A header named twice in the request, or twice in `SignedHeaders` (the Python SDK does
/// that for two names differing only in case), is refused.
///
/// ```
/// use cloudsign::huawei::SdkHmacSha256Signer;
/// use cloudsign::verify::{HuaweiVerifier, MemoryKeyStore, Received, Verifier};
/// use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let creds = Credentials::new("AccessKey", "SecretKey")?;
/// let signer = SdkHmacSha256Signer::builder(creds.clone()).build()?;
/// let req = CanonicalRequest::builder().host("vpc.example.com").path("/v1/vpcs")
///     .query("limit", "1").build()?;
/// let out = signer.sign(&req, &SigningContext::from_unix(1_700_000_000, "")?)?;
///
/// let mut got = Received::new("GET", "vpc.example.com", &format!("/v1/vpcs?{}", out.query_string()));
/// for (name, value) in out.headers() {
///     got = got.header(name, value);
/// }
/// let verifier = HuaweiVerifier::new(MemoryKeyStore::new().with(creds));
/// let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_600)?;
/// assert_eq!(verifier.verify(&got, now)?.access_key_id, "AccessKey");
///
/// // Another path: Huawei's answer echoes its canonical request.
/// let moved = Received::new("GET", "vpc.example.com", "/v1/vpc?limit=1").header("X-Sdk-Date", "20231114T221320Z")
///     .header("Authorization", out.header("Authorization").unwrap_or_default());
/// let err = verifier.verify(&moved, now).unwrap_err();
/// assert_eq!((err.cloud_code(), err.http_status()), ("APIG.0301", 401));
/// assert!(err.cloud_message().contains("canonicalRequest:GET|/v1/vpc/|limit=1|host:vpc.example.com|"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct HuaweiVerifier {
    keys: Keys<Hmac<Sha256>>,
    window: Duration,
}

impl std::fmt::Debug for HuaweiVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HuaweiVerifier")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl HuaweiVerifier {
    /// A verifier that looks keys up in `keys`, with Huawei's 15-minute window.
    pub fn new(keys: impl KeyStore + 'static) -> Self {
        HuaweiVerifier {
            keys: Keys::new(keys, hmac_sha256),
            window: SCHEME.default_window(),
        }
    }

    /// How far `X-Sdk-Date` may be from the server's time, either way.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }
}

/// The parts of `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
struct Authorization<'a> {
    access_key_id: &'a str,
    signed_headers: &'a str,
    /// The signature as sent (64 lower-case hex digits) and decoded.
    signature_hex: &'a str,
    signature: [u8; 32],
}

/// `s` cut at its first byte `sep`: before and after it.
pub(super) fn cut(s: &str, sep: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|b| b == sep)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// The pieces of `s` between the bytes `sep`.
fn pieces(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        Some(match cut(r, sep) {
            Some((piece, after)) => {
                rest = Some(after);
                piece
            }
            None => rest.take().unwrap_or_default(),
        })
    })
}

/// The SDKs write `, ` between the parts; Huawei's backend-signature demo also accepts `,`
/// alone, and so does this parser. Nothing else is tolerated.
fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let bad = |reason| SCHEME.malformed("Authorization", reason);
    let rest = value
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| bad("does not start with SDK-HMAC-SHA256 and a space"))?;
    // `name=value` up to the next `,` (and the space after it), or to the end.
    fn field<'a>(part: &'a str, name: &str, last: bool) -> Option<(&'a str, &'a str)> {
        let (value, rest) = match last {
            true => (part, ""),
            false => cut(part, b',')?,
        };
        let value = value.strip_prefix(name)?.strip_prefix('=')?;
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        Some((value, rest)).filter(|(v, _)| !v.is_empty())
    }
    let (access_key_id, rest) =
        field(rest, "Access", false).ok_or_else(|| bad("no Access= first"))?;
    let (signed_headers, rest) =
        field(rest, "SignedHeaders", false).ok_or_else(|| bad("no SignedHeaders= second"))?;
    let (signature_hex, _) =
        field(rest, "Signature", true).ok_or_else(|| bad("no Signature= third"))?;
    if signature_hex.contains(',') {
        return Err(bad("more than Access, SignedHeaders and Signature"));
    }
    if access_key_id.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(bad("Access holds white space"));
    }
    Ok(Authorization {
        access_key_id,
        signed_headers,
        signature_hex,
        signature: lower_hex_decode::<32>(signature_hex)
            .ok_or_else(|| bad("Signature is not 64 lower-case hex digits"))?,
    })
}

impl Verifier for HuaweiVerifier {
    fn scheme(&self) -> Scheme {
        SCHEME
    }

    /// Its [`cloud_code`](VerifyError::cloud_code) is Huawei's (`APIG.0301`).
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
        let date = one(header::X_SDK_DATE)?.ok_or(VerifyError::Missing {
            scheme: SCHEME,
            what: "X-Sdk-Date header",
        })?;
        let signed_at = parse_stamp(date, &BASIC).ok_or(VerifyError::BadTime {
            scheme: SCHEME,
            what: "X-Sdk-Date",
        })?;
        let window = self.window.whole_seconds();
        check_window(
            SCHEME,
            signed_at.unix_timestamp(),
            now.unix_timestamp(),
            window,
        )?;
        let creds = self.keys.credentials(SCHEME, auth.access_key_id)?;
        let token = one(header::X_SECURITY_TOKEN)?;
        if token != creds.security_token().map(|t| t.expose_secret()) {
            return Err(VerifyError::TokenMismatch { scheme: SCHEME });
        }
        check_signature(req, &auth, date, self.keys.mac(&creds))?;
        Ok(Verified {
            scheme: SCHEME,
            access_key_id: auth.access_key_id.to_owned(),
            signed_at,
            nonce: None,
            // No nonce in this scheme: the signature itself, within its window.
            expires_at: signed_at.saturating_add(self.window),
            security_token: creds.security_token().cloned(),
            signature: Some(auth.signature_hex.to_owned()),
        })
    }
}

/// The payload line(s) the client may have signed.
enum HashedPayload {
    /// The body's SHA-256.
    Body(Hex64),
    /// `UNSIGNED-PAYLOAD` signed; with an empty body, the SDK signs the empty body's hash.
    Unsigned { empty_body: bool },
}

impl HashedPayload {
    fn lines(&self) -> impl Iterator<Item = &str> {
        let (first, second) = match self {
            HashedPayload::Body(hex) => (hex.as_str(), None),
            // The SDK's form first: it is the one a mismatch echoes.
            HashedPayload::Unsigned { empty_body: true } => {
                (EMPTY_SHA256_HEX, Some(UNSIGNED_PAYLOAD))
            }
            HashedPayload::Unsigned { empty_body: false } => (UNSIGNED_PAYLOAD, None),
        };
        std::iter::once(first).chain(second)
    }
}

/// The signature checked against the canonical request (against each payload line the
/// client may have signed); on a mismatch the error carries the canonical request, which
/// Huawei echoes.
fn check_signature(
    req: &Received,
    auth: &Authorization<'_>,
    date: &str,
    keyed: Hmac<Sha256>,
) -> Result<(), VerifyError> {
    let headers: usize = req.headers().iter().map(|(n, v)| n.len() + v.len()).sum();
    let estimate = req.method().len()
        + 3 * (req.path().len() + req.raw_query().len())
        + req.host().len()
        + headers
        + 2 * auth.signed_headers.len()
        + 80;
    let mut canonical = String::with_capacity(estimate);
    let payload = canonical_request(&mut canonical, req, auth.signed_headers)?;
    let start = canonical.len();
    for line in payload.lines() {
        canonical.truncate(start);
        canonical.push_str(line);
        let hashed = Hex64::from_slice(&Sha256::digest(canonical.as_bytes()));
        let mut mac = keyed.clone();
        for part in [ALGORITHM, "\n", date, "\n", hashed.as_str()] {
            mac.update(part.as_bytes());
        }
        // Constant time: `mac_is` compares without an early exit.
        if mac_is(mac, &auth.signature) {
            return Ok(());
        }
    }
    canonical.truncate(start);
    canonical.push_str(payload.lines().next().unwrap_or_default());
    Err(VerifyError::mismatch(SCHEME, canonical))
}

/// Writes the canonical request but its last line (the payload hash, returned) into `out`.
fn canonical_request(
    out: &mut String,
    req: &Received,
    signed_headers: &str,
) -> Result<HashedPayload, VerifyError> {
    out.push_str(req.method());
    out.push('\n');
    write_canonical_uri(out, &decode(req.path()));
    out.push('\n');
    write_canonical_query(out, req.raw_query());
    out.push('\n');
    let mut previous: Option<&str> = None;
    let (mut host, mut unsigned) = (false, false);
    for name in pieces(signed_headers, b';') {
        let ordered = previous.is_none_or(|p| p < name);
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_uppercase()) || !ordered {
            return Err(SCHEME.malformed("SignedHeaders", "not sorted, unique, lower-case names"));
        }
        previous = Some(name);
        let value = match name {
            "host" => Some(req.host()),
            _ => req
                .one_header(name)
                .map_err(|r| SCHEME.malformed("header", r))?,
        }
        .ok_or(VerifyError::Missing {
            scheme: SCHEME,
            what: "header listed in SignedHeaders",
        })?;
        let value = trim(value);
        host |= name == "host";
        unsigned |= name == "x-sdk-content-sha256" && value == UNSIGNED_PAYLOAD;
        for part in [name, ":", value, "\n"] {
            out.push_str(part);
        }
    }
    if !host {
        return Err(SCHEME.malformed("SignedHeaders", "host is not signed"));
    }
    for part in ["\n", signed_headers, "\n"] {
        out.push_str(part);
    }
    let body = req.body_bytes();
    Ok(match unsigned {
        true => HashedPayload::Unsigned {
            empty_body: body.is_empty(),
        },
        false => HashedPayload::Body(sha256_hex(body)),
    })
}

/// The raw query split into `name=value` pairs (a name alone has an empty value; empty pieces
/// between `&&` are skipped), each decoded, sorted by name then value, and re-encoded.
fn write_canonical_query(out: &mut String, raw: &str) {
    if raw.is_empty() {
        return;
    }
    let mut pairs: SmallVec<[(Cow<'_, str>, Cow<'_, str>); 16]> = pieces(raw, b'&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = cut(p, b'=').unwrap_or((p, ""));
            (decode(name), decode(value))
        })
        .collect();
    pairs.sort_unstable();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.put_encoded(name);
        out.push('=');
        out.put_encoded(value);
    }
}

/// `s` percent-decoded (invalid UTF-8 replaced, as the SDKs' `unquote` does); borrowed
/// when it has no `%`.
fn decode(s: &str) -> Cow<'_, str> {
    match s.contains('%') {
        true => percent_decode_str(s).decode_utf8_lossy(),
        false => Cow::Borrowed(s),
    }
}

/// Where a time stamp's digits are (the year's four, then two each for the month, day,
/// hour, minute and second) and which other bytes it holds.
pub(super) struct Layout {
    len: usize,
    fields: [usize; 6],
    literals: &'static [(usize, u8)],
}

/// `yyyyMMddTHHmmssZ` (`X-Sdk-Date`).
pub(super) const BASIC: Layout = Layout {
    len: 16,
    fields: [0, 4, 6, 9, 11, 13],
    literals: &[(8, b'T'), (15, b'Z')],
};

/// `yyyy-MM-ddTHH:mm:ssZ` (X-WSSE's `Created`).
pub(super) const EXTENDED: Layout = Layout {
    len: 20,
    fields: [0, 5, 8, 11, 14, 17],
    literals: &[
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ],
};

/// The UTC time `value` states in `layout`; `None` if it is not of that form or no time.
pub(super) fn parse_stamp(value: &str, layout: &Layout) -> Option<OffsetDateTime> {
    let b = value.as_bytes();
    let literal = |&(i, c): &(usize, u8)| b.get(i) == Some(&c);
    if b.len() != layout.len || !layout.literals.iter().all(literal) {
        return None;
    }
    let digit = |i: usize| b.get(i).filter(|d| d.is_ascii_digit()).map(|d| d - b'0');
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    let [y, mo, d, h, mi, s] = layout.fields;
    let year = i32::from(two(y)?) * 100 + i32::from(two(y + 2)?);
    let month = time::Month::try_from(two(mo)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, two(d)?).ok()?;
    let time = time::Time::from_hms(two(h)?, two(mi)?, two(s)?).ok()?;
    Some(time::PrimitiveDateTime::new(date, time).assume_utc())
}
