//! ACS3-HMAC-SHA256 verification: the canonical request rebuilt from what arrived, over the
//! headers the client lists in `SignedHeaders`, hashed as it is written; then Alibaba's
//! two-line string to sign and the HMAC-SHA256 of the secret, compared in constant time.
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//! StringToSign     = "ACS3-HMAC-SHA256\n" + hex(SHA256(CanonicalRequest))
//! ```

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use smallvec::SmallVec;
use time::{Duration, OffsetDateTime};

use super::keyed::{mac_is, Keys};
use super::stream::{self, Out, Pairs};
use super::{check_window, KeyStore, Received, Scheme, Verified, Verifier, VerifyError};
use crate::alibaba::acs3::{header, QueryNames, ALGORITHM};
use crate::bytes::lower_hex_decode;
use crate::encoding::{sha256_hex, Hex64};
use crate::mac::hmac_sha256;
use crate::text::trim;

const SCHEME: Scheme = Scheme::Acs3;

/// The headers the verifier reads, found in one pass over the request's: `authorization`,
/// then the common headers the V3 document lists and the access key id the SDKs send with
/// a token (a request that carries one of these must sign it).
const KNOWN: [&str; 8] = [
    "authorization",
    header::X_ACS_ACCESSKEY_ID,
    header::X_ACS_ACTION,
    header::X_ACS_CONTENT_SHA256,
    header::X_ACS_DATE,
    header::X_ACS_SECURITY_TOKEN,
    header::X_ACS_SIGNATURE_NONCE,
    header::X_ACS_VERSION,
];

/// Verifies ACS3-HMAC-SHA256 requests (Alibaba's V3 signature): the `Authorization`
/// header's `Credential`, `SignedHeaders` and `Signature`; `x-acs-date` within the window
/// (15 minutes either way by default); `x-acs-signature-nonce` present (it is the
/// [`replay_key`](Verified::replay_key)); `x-acs-content-sha256` equal to the SHA-256 of
/// the body received (ACS3 has no unsigned payload: any other value, `UNSIGNED-PAYLOAD`
/// included, is a [`SignatureMismatch`](VerifyError::SignatureMismatch) whose string to
/// sign hashes the body received); and `x-acs-security-token` against the key's.
///
/// The headers are canonicalized as the client listed them: every header the Python SDK
/// sends, or the Go and Java SDKs' `host`, `content-type` and `x-acs-*`, in the list's
/// order (Java's is not sorted; the lines are). `host` and every common header the request
/// carries (`x-acs-action`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`,
/// `x-acs-content-sha256`, `x-acs-security-token`, `x-acs-accesskey-id`) must be listed,
/// and so must every other `x-acs-*` header and a `content-type` it carries (one added
/// after signing is refused).
/// A common header that came twice is refused; another repeated header is merged as the
/// SDKs merge it (values trimmed, sorted, joined by `,`). The query is decoded (`+` as a
/// space) and re-encoded per RFC 3986, sorted by name, as the document says;
/// [`query_names`](Self::query_names) also accepts the names verbatim.
///
/// ```
/// use cloudsign::alibaba::Acs3Signer;
/// use cloudsign::verify::{Acs3Verifier, MemoryKeyStore, Received, Verifier};
/// use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let creds = Credentials::new("LTAI5tExample", "secret")?;
/// let signer = Acs3Signer::builder(creds.clone()).action("DescribeRegions")
///     .version("2014-05-26").build()?;
/// let req = CanonicalRequest::builder().method("GET").host("ecs.aliyuncs.com")
///     .query("RegionId", "cn-hangzhou").build()?;
/// let out = signer.sign(&req, &SigningContext::from_unix(1_700_000_000, "n0nce")?)?;
///
/// let mut got = Received::new("GET", "ecs.aliyuncs.com", &format!("/?{}", out.query_string()));
/// for (name, value) in out.headers() {
///     got = got.header(name, value);
/// }
/// let verifier = Acs3Verifier::new(MemoryKeyStore::new().with(creds));
/// let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_060)?;
/// assert_eq!(verifier.verify(&got, now)?.nonce.as_deref(), Some("n0nce"));
///
/// let later = time::OffsetDateTime::from_unix_timestamp(1_700_000_901)?;
/// let err = verifier.verify(&got, later).unwrap_err();
/// assert_eq!((err.cloud_code(), err.http_status()), ("InvalidTimeStamp.Expired", 400));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Acs3Verifier {
    keys: Keys<Hmac<Sha256>>,
    window: Duration,
    query_names: QueryNames,
}

impl std::fmt::Debug for Acs3Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acs3Verifier")
            .field("window", &self.window)
            .field("query_names", &self.query_names)
            .finish_non_exhaustive()
    }
}

impl Acs3Verifier {
    /// A verifier that looks keys up in `keys`, with Alibaba's 15-minute window and the
    /// document's query names (RFC 3986-encoded).
    pub fn new(keys: impl KeyStore + 'static) -> Self {
        Acs3Verifier {
            keys: Keys::new(keys, hmac_sha256),
            window: SCHEME.default_window(),
            query_names: QueryNames::Encoded,
        }
    }

    /// How far `x-acs-date` may be from the server's time, either way.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// [`QueryNames::Raw`]: a query name that RFC 3986 encoding changes (`a/b`, `ü`) may
    /// also be signed verbatim, as the Python and Go SDKs sign it (tried after the encoded
    /// form, which stays the only one by default, [`QueryNames::Encoded`]).
    pub fn query_names(mut self, names: QueryNames) -> Self {
        self.query_names = names;
        self
    }
}

/// The parts of `ACS3-HMAC-SHA256 Credential=id,SignedHeaders=a;b,Signature=hex`.
struct Authorization<'a> {
    access_key_id: &'a str,
    /// As received: the canonical request repeats it.
    signed_headers: &'a str,
    signature: [u8; 32],
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let bad = |reason| SCHEME.malformed("Authorization", reason);
    let rest = value
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or(bad("does not start with ACS3-HMAC-SHA256"))?;
    // `name=value,` in turn (spaces around the parts allowed), the last without `,`.
    let mut rest = rest;
    let mut field = |name: &str| {
        let value = rest
            .trim_ascii_start()
            .strip_prefix(name)?
            .strip_prefix('=')?;
        let (value, after) = stream::split_once_on(value, b',').unwrap_or((value, ""));
        rest = after;
        Some(value.trim_ascii_end())
    };
    let access_key_id = field("Credential").ok_or(bad("no Credential= first"))?;
    let signed_headers = field("SignedHeaders").ok_or(bad("no SignedHeaders= second"))?;
    let signature = field("Signature").ok_or(bad("no Signature= third"))?;
    if !rest.is_empty() {
        return Err(bad("more than Credential, SignedHeaders and Signature"));
    }
    if access_key_id.is_empty() {
        return Err(bad("Credential is empty"));
    }
    let signature = lower_hex_decode::<32>(signature)
        .ok_or(bad("Signature is not 64 lower-case hex digits"))?;
    Ok(Authorization {
        access_key_id,
        signed_headers,
        signature,
    })
}

/// The names of `SignedHeaders`, sorted: lower-case, each once, `host` among them (in any
/// order: Java lists them unsorted).
fn sorted_names<'a>(
    signed_headers: &'a str,
    names: &mut SmallVec<[&'a str; 16]>,
) -> Result<(), VerifyError> {
    // Without an early exit: the compiler checks many bytes at a time.
    let upper = signed_headers
        .bytes()
        .fold(false, |u, b| u | b.is_ascii_uppercase());
    if upper {
        return Err(SCHEME.malformed("SignedHeaders", "an upper-case name"));
    }
    let mut increasing = true;
    for name in stream::split_on(signed_headers, b';') {
        if name.is_empty() {
            return Err(SCHEME.malformed("SignedHeaders", "an empty name"));
        }
        increasing &= names.last().is_none_or(|last| *last < name);
        names.push(name);
    }
    // Strictly increasing (the usual, sorted list) is sorted and unique already.
    if !increasing {
        names.sort_unstable();
        if names.windows(2).any(|w| w.first() == w.get(1)) {
            return Err(SCHEME.malformed("SignedHeaders", "a name is listed twice"));
        }
    }
    if names.binary_search(&"host").is_err() {
        return Err(SCHEME.malformed("SignedHeaders", "host is not signed"));
    }
    Ok(())
}

/// Where each header is in [`KNOWN`].
mod at {
    pub(super) const AUTHORIZATION: usize = 0;
    pub(super) const ACCESSKEY_ID: usize = 1;
    pub(super) const CONTENT_SHA256: usize = 3;
    pub(super) const DATE: usize = 4;
    pub(super) const SECURITY_TOKEN: usize = 5;
    pub(super) const SIGNATURE_NONCE: usize = 6;
}

/// `a == b` in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// The indices name the headers they say they do (a compile error otherwise).
const _: () = {
    assert!(same(KNOWN[at::AUTHORIZATION], "authorization"));
    assert!(same(KNOWN[at::ACCESSKEY_ID], header::X_ACS_ACCESSKEY_ID));
    assert!(same(
        KNOWN[at::CONTENT_SHA256],
        header::X_ACS_CONTENT_SHA256
    ));
    assert!(same(KNOWN[at::DATE], header::X_ACS_DATE));
    assert!(same(
        KNOWN[at::SECURITY_TOKEN],
        header::X_ACS_SECURITY_TOKEN
    ));
    assert!(same(
        KNOWN[at::SIGNATURE_NONCE],
        header::X_ACS_SIGNATURE_NONCE
    ));
};

/// The values of the [`KNOWN`] headers, in its order.
struct Known<'a>([Option<&'a str>; KNOWN.len()]);

impl<'a> Known<'a> {
    /// One pass over the received headers; a known one that came twice is refused.
    fn of(req: &'a Received) -> Result<Self, VerifyError> {
        let mut found = [None; KNOWN.len()];
        for (name, value) in req.headers() {
            // Only `authorization` and `x-acs-*` can be known: skip the others at once.
            if !matches!(name.as_bytes().first(), Some(b'a' | b'A' | b'x' | b'X')) {
                continue;
            }
            let slot = KNOWN
                .iter()
                .position(|k| name.eq_ignore_ascii_case(k))
                .and_then(|i| found.get_mut(i));
            if slot.is_some_and(|s| s.replace(value.as_str()).is_some()) {
                return Err(
                    SCHEME.malformed("header", "a header the signature depends on came twice")
                );
            }
        }
        Ok(Known(found))
    }

    /// The value of the header at `i` of [`KNOWN`] (see [`at`]).
    fn get(&self, i: usize) -> Option<&'a str> {
        self.0.get(i).copied().flatten()
    }

    /// Refuses a common header the request carries but does not sign, then any other
    /// `x-acs-*` header or a `content-type` it carries but does not sign (the gateway wants
    /// each one signed: an unsigned one could have been added on the way).
    fn check_signed(&self, req: &Received, names: &[&str]) -> Result<(), VerifyError> {
        let carried = KNOWN.iter().zip(&self.0).skip(1);
        for (name, _) in carried.filter(|(_, v)| v.is_some()) {
            if !names.contains(name) {
                return Err(SCHEME.malformed(
                    "SignedHeaders",
                    "a common x-acs-* header the request carries is not signed",
                ));
            }
        }
        let x_acs = |n: &&String| n.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("x-acs-"));
        for name in req.headers().iter().map(|(n, _)| n).filter(x_acs) {
            if !names.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                return Err(SCHEME.malformed(
                    "SignedHeaders",
                    "an x-acs-* header the request carries is not signed",
                ));
            }
        }
        // `content-type` too (spec/NOTES.md; every SDK signs it): it says how the body is
        // read, and a form body carries the API's parameters.
        let content_type = |(n, _): &(String, String)| n.eq_ignore_ascii_case("content-type");
        if req.headers().iter().any(content_type) && !names.contains(&"content-type") {
            return Err(SCHEME.malformed(
                "SignedHeaders",
                "the Content-Type the request carries is not signed",
            ));
        }
        Ok(())
    }
}

impl Verifier for Acs3Verifier {
    fn scheme(&self) -> Scheme {
        SCHEME
    }

    /// Its [`cloud_code`](VerifyError::cloud_code) is Alibaba's.
    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        let known = Known::of(req)?;
        let auth = known
            .get(at::AUTHORIZATION)
            .ok_or(SCHEME.missing("Authorization header"))?;
        let auth = parse_authorization(auth)?;
        let date = known
            .get(at::DATE)
            .ok_or(SCHEME.missing("x-acs-date header"))?;
        let signed_at = stream::parse_iso8601(date).ok_or(VerifyError::BadTime {
            scheme: SCHEME,
            what: header::X_ACS_DATE,
        })?;
        let window = self.window.whole_seconds();
        check_window(
            SCHEME,
            signed_at.unix_timestamp(),
            now.unix_timestamp(),
            window,
        )?;
        let nonce = known
            .get(at::SIGNATURE_NONCE)
            .filter(|n| !n.is_empty())
            .ok_or(SCHEME.missing("x-acs-signature-nonce header"))?;
        let content_sha256 = known
            .get(at::CONTENT_SHA256)
            .ok_or(SCHEME.missing("x-acs-content-sha256 header"))?;
        let mut names = SmallVec::new();
        sorted_names(auth.signed_headers, &mut names)?;
        known.check_signed(req, &names)?;
        let creds = self.keys.credentials(SCHEME, auth.access_key_id)?;
        if known
            .get(at::ACCESSKEY_ID)
            .is_some_and(|id| id != auth.access_key_id)
        {
            return Err(SCHEME.malformed(
                header::X_ACS_ACCESSKEY_ID,
                "it is not the Credential's access key id",
            ));
        }
        let token = known.get(at::SECURITY_TOKEN);
        if token != creds.security_token().map(|t| t.expose_secret()) {
            return Err(VerifyError::TokenMismatch { scheme: SCHEME });
        }
        let signed = Signed {
            auth: &auth,
            names: &names,
            content_sha256,
        };
        self.check_signature(req, &signed, self.keys.mac(&creds))?;
        Ok(Verified {
            scheme: SCHEME,
            access_key_id: auth.access_key_id.to_owned(),
            signed_at,
            nonce: Some(nonce.to_owned()),
            expires_at: signed_at.saturating_add(self.window),
            security_token: creds.security_token().cloned(),
            signature: None,
        })
    }
}

/// What the client signed, as its headers state it.
struct Signed<'a> {
    auth: &'a Authorization<'a>,
    /// `SignedHeaders`, sorted.
    names: &'a [&'a str],
    /// `x-acs-content-sha256` as received.
    content_sha256: &'a str,
}

/// `ACS3-HMAC-SHA256 \n` and 64 hex digits.
type StringToSign = [u8; ALGORITHM.len() + 1 + 64];

impl Acs3Verifier {
    /// The signature checked against the canonical request with the query names encoded,
    /// then (if set and they differ) verbatim; the body hashed once.
    fn check_signature(
        &self,
        req: &Received,
        signed: &Signed<'_>,
        keyed: Hmac<Sha256>,
    ) -> Result<(), VerifyError> {
        let payload = sha256_hex(req.body_bytes());
        let query = stream::sorted_pairs(req.raw_query());
        let raw_differs = self.query_names == QueryNames::Raw
            && query.iter().any(|(name, _)| stream::needs_encoding(name));
        let mut first: Option<StringToSign> = None;
        for encode_names in [true, false] {
            if !encode_names && !raw_differs {
                break;
            }
            let digest = canonical_request_digest(req, signed, &query, encode_names, &payload)?;
            let sts = string_to_sign(&digest);
            let mut mac = keyed.clone();
            mac.update(&sts);
            // The body must be what the client hashed; then, in constant time, the MAC.
            if signed.content_sha256.as_bytes() == payload.as_bytes()
                && mac_is(mac, &signed.auth.signature)
            {
                return Ok(());
            }
            first.get_or_insert(sts);
        }
        let echoed = first.map(|s| String::from_utf8_lossy(&s).into_owned());
        Err(VerifyError::SignatureMismatch {
            scheme: SCHEME,
            string_to_sign: echoed.unwrap_or_default(),
        })
    }
}

/// `ALGORITHM \n hex(digest)`.
fn string_to_sign(digest: &[u8]) -> StringToSign {
    let mut sts = [b'\n'; ALGORITHM.len() + 1 + 64];
    let (name, rest) = sts.split_at_mut(ALGORITHM.len());
    name.copy_from_slice(ALGORITHM.as_bytes());
    if let Some(hex) = rest.get_mut(1..) {
        hex.copy_from_slice(Hex64::from_slice(digest).as_bytes());
    }
    sts
}

/// SHA-256 of the canonical request, written into the hash piece by piece: the method,
/// the path as sent, the query decoded and re-encoded, the headers `SignedHeaders` names
/// (sorted; values trimmed, a repeated header's values sorted and joined by `,`), the list
/// as received, and the hash of the body received.
fn canonical_request_digest(
    req: &Received,
    signed: &Signed<'_>,
    query: &Pairs<'_>,
    encode_names: bool,
    payload: &Hex64,
) -> Result<[u8; 32], VerifyError> {
    let mut h = Sha256::new();
    h.put(req.method().as_bytes());
    h.put(b"\n");
    h.put(match req.path() {
        "" => b"/",
        path => path.as_bytes(),
    });
    h.put(b"\n");
    for (i, (name, value)) in query.iter().enumerate() {
        if i > 0 {
            h.put(b"&");
        }
        stream::put_decoded(&mut h, name, encode_names);
        h.put(b"=");
        stream::put_decoded(&mut h, value, true);
    }
    h.put(b"\n");
    for name in signed.names {
        h.put(name.as_bytes());
        h.put(b":");
        put_header_value(&mut h, req, name)?;
        h.put(b"\n");
    }
    h.put(b"\n");
    h.put(signed.auth.signed_headers.as_bytes());
    h.put(b"\n");
    h.put(payload.as_bytes());
    Ok(h.finalize().into())
}

/// The value of signed header `name`: the host, or every received header of that name
/// (any case), trimmed, sorted and joined by `,`.
fn put_header_value<O: Out>(out: &mut O, req: &Received, name: &str) -> Result<(), VerifyError> {
    if name == "host" {
        out.put(req.host().as_bytes());
        return Ok(());
    }
    let mut matching = req
        .headers()
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| trim(v));
    let first = matching
        .next()
        .ok_or(SCHEME.missing("header listed in SignedHeaders"))?;
    let Some(second) = matching.next() else {
        out.put(first.as_bytes()); // the usual case: once
        return Ok(());
    };
    let mut values: SmallVec<[&str; 4]> = SmallVec::from_iter([first, second]);
    values.extend(matching);
    values.sort_unstable();
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        out.put(value.as_bytes());
    }
    Ok(())
}
