//! Huawei Cloud **SDK-HMAC-SHA256**, the AK/SK signature of the API Gateway and of every
//! Huawei Cloud service SDK (`huaweicloudsdkcore`).
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI/ \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//! StringToSign     = "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" + hex(SHA256(CanonicalRequest))
//! Signature        = hex(HMAC-SHA256(SK, StringToSign))
//! Authorization    = SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex
//! ```
//! The canonical URI is the path decoded, each segment RFC 3986-encoded, and always ends
//! in `/` (`/v1/x/vpcs` is signed as `/v1/x/vpcs/`). The query is sorted by name, then
//! value, and repeated names are kept.
//!
//! Reference: Huawei Cloud *API Signing Guide* (`devg-apisign`), and `signer.py` of
//! `huaweicloudsdkcore`.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};

use crate::bytes::{Ascii, Sink};
use crate::encoding::{hex_into, Hex64, EMPTY_SHA256_HEX};
use crate::mac::hmac_sha256;
use crate::signer::{OutputBuilder, Text};
use crate::text::{check_setting, cmp_ignore_ascii_case, sort_unique_headers, trim, HeaderList};
use crate::timefmt;
use crate::{
    CanonicalRequest, Credentials, Error, Payload, Signer, SigningContext, SigningOutput, Stages,
};

mod reference;

/// The algorithm name.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The payload hash placeholder for a body that is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Names of the headers this scheme uses.
pub mod header {
    /// The signing time, `yyyyMMddTHHmmssZ`.
    pub const X_SDK_DATE: &str = "X-Sdk-Date";
    /// `UNSIGNED-PAYLOAD` when the body is not signed.
    pub const X_SDK_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
    /// The STS security token.
    pub const X_SECURITY_TOKEN: &str = "X-Security-Token";
    /// The project id (regional services).
    pub const X_PROJECT_ID: &str = "X-Project-Id";
    /// The account (domain) id (global services).
    pub const X_DOMAIN_ID: &str = "X-Domain-Id";
    /// The signature header.
    pub const AUTHORIZATION: &str = "Authorization";
}

const SCHEME: &str = ALGORITHM;

/// Signs with SDK-HMAC-SHA256.
///
/// It adds `X-Sdk-Date`, `X-Security-Token` (with a token), `X-Project-Id` and
/// `X-Domain-Id` (when set), `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for
/// [`Payload::Unsigned`], and `Authorization`. Every header of the request is signed except
/// those whose name contains `_` (gateways drop them; the official SDK skips them too), or
/// exactly those named with
/// [`signed_header_names`](SdkHmacSha256SignerBuilder::signed_header_names).
/// Send [`SigningOutput::query_string`] as the query.
///
/// The body is hashed unless the payload is [`Payload::Unsigned`] or the request carries its
/// own `X-Sdk-Content-Sha256` header, whose value is then signed in place of the hash (for a
/// non-empty body), as the official SDK does.
///
/// ```
/// use cloudsign::{huawei::SdkHmacSha256Signer, CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let signer = SdkHmacSha256Signer::builder(Credentials::new("AccessKey", "SecretKey")?).build()?;
/// let req = CanonicalRequest::builder()
///     .host("service.endpoint.myhuaweicloud.com")
///     .path("/resources")
///     .query("size", "1")
///     .build()?;
/// let time = time::macros::datetime!(2020-06-08 02:39:00 UTC);
/// let out = signer.sign(&req, &SigningContext::new(time, ""))?;
/// assert_eq!(out.header("X-Sdk-Date"), Some("20200608T023900Z"));
/// assert_eq!(
///     out.header("Authorization"),
///     Some("SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, \
///           Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842"),
/// );
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct SdkHmacSha256Signer {
    settings: Settings,
    mac: <HmacSha256 as Algorithm>::Mac,
}

/// What an `SDK-HMAC-*` signer signs with, whatever its hash and MAC.
#[derive(Clone)]
struct Settings {
    credentials: Credentials,
    project_id: Option<Arc<str>>,
    domain_id: Option<Arc<str>>,
    /// The headers to sign, if not every one.
    signed_header_names: Option<HeaderList>,
}

impl fmt::Debug for SdkHmacSha256Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        f.debug_struct("SdkHmacSha256Signer")
            .field("credentials", &s.credentials)
            .field("project_id", &s.project_id.as_deref())
            .field("domain_id", &s.domain_id.as_deref())
            .field("signed_header_names", &s.signed_header_names)
            .finish_non_exhaustive()
    }
}

/// The hash and MAC of one `SDK-HMAC-*` variant. `SDK-HMAC-SHA256` is the one here; the
/// SDK's `SDK-HMAC-SM3` would be a second implementation (SM3 and HMAC-SM3, its name), and
/// a signer type that calls the same stages.
pub(crate) trait Algorithm {
    /// The name that opens the string to sign and the Authorization value.
    const NAME: &'static str;
    /// The hash of the canonical request (a 32-byte digest, written as 64 hex digits).
    type Hash: Digest;
    /// The MAC of the string to sign, keyed with the secret once, when the signer is built.
    type Mac: Mac + Clone;
    /// The hex hash of the body (`slot` holds one computed here), `None` for an unsigned
    /// payload.
    fn payload_hex<'a>(payload: &'a Payload, slot: &'a mut Option<Hex64>) -> Option<&'a str>;
    /// The hex hash of an empty body.
    const EMPTY_HEX: &'static str;
}

/// `SDK-HMAC-SHA256`: SHA-256 and HMAC-SHA256.
pub(crate) struct HmacSha256;

impl Algorithm for HmacSha256 {
    const NAME: &'static str = ALGORITHM;
    type Hash = Sha256;
    type Mac = Hmac<Sha256>;
    const EMPTY_HEX: &'static str = EMPTY_SHA256_HEX;

    #[inline]
    fn payload_hex<'a>(payload: &'a Payload, slot: &'a mut Option<Hex64>) -> Option<&'a str> {
        payload.sha256_hex_in(slot)
    }
}

/// Builds an [`SdkHmacSha256Signer`]; checks are deferred to [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct SdkHmacSha256SignerBuilder {
    credentials: Credentials,
    project_id: Option<String>,
    domain_id: Option<String>,
    signed_header_names: Option<Vec<String>>,
}

impl SdkHmacSha256Signer {
    /// A builder; nothing but the credentials is required.
    pub fn builder(credentials: Credentials) -> SdkHmacSha256SignerBuilder {
        SdkHmacSha256SignerBuilder {
            credentials,
            project_id: None,
            domain_id: None,
            signed_header_names: None,
        }
    }
}

crate::api::setters!(SdkHmacSha256SignerBuilder {
    /// The project id, sent (and signed) as `X-Project-Id`, as the SDK's `BasicCredentials`
    /// do for regional services.
    project_id: optional text;
    /// The account (domain) id, sent (and signed) as `X-Domain-Id`, as the SDK's
    /// `GlobalCredentials` do for global services.
    domain_id: optional text;
});

impl SdkHmacSha256SignerBuilder {
    /// Signs exactly the headers named (in any letter case), in place of every header of
    /// the request: `host` and `X-Sdk-Date` always (the signing guide makes both
    /// mandatory), and each header named, which the request must carry or the signer add
    /// (`x-sdk-content-sha256` for an unsigned payload, `x-security-token`, `x-project-id`,
    /// `x-domain-id` when it sends them). The signer's other headers are sent unsigned. A
    /// name with `_` may be listed (the APIG demo signer signs every header), though
    /// gateways may drop such a header.
    ///
    /// [`build`](Self::build) refuses a name that is not an HTTP token
    /// ([`Error::InvalidHeaderName`]) and `Authorization` ([`Error::InvalidSetting`]);
    /// [`sign`](Signer::sign) refuses a request without a header named
    /// ([`Error::MissingSignedHeader`]) or with two of one ([`Error::DuplicateHeader`]).
    ///
    /// ```
    /// use cloudsign::{huawei::SdkHmacSha256Signer, CanonicalRequest, Credentials, Signer, SigningContext};
    ///
    /// let signer = SdkHmacSha256Signer::builder(Credentials::new("AccessKey", "SecretKey")?)
    ///     .signed_header_names(["Content-Type"])
    ///     .build()?;
    /// let req = CanonicalRequest::builder()
    ///     .method("POST")
    ///     .host("service.endpoint.myhuaweicloud.com")
    ///     .header("Content-Type", "application/json")
    ///     .header("X-Trace", "7") // sent, not signed
    ///     .body("{}")
    ///     .build()?;
    /// let out = signer.sign(&req, &SigningContext::now())?;
    /// let auth = out.header("Authorization").unwrap_or_default();
    /// assert!(auth.contains(", SignedHeaders=content-type;host;x-sdk-date, "));
    /// # Ok::<(), cloudsign::Error>(())
    /// ```
    pub fn signed_header_names<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.signed_header_names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Builds the signer.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if a project or domain id is empty or not a valid header
    /// value, or if `signed_header_names` holds `Authorization`;
    /// [`Error::InvalidHeaderName`] if it holds a name that is not an HTTP token.
    pub fn build(self) -> Result<SdkHmacSha256Signer, Error> {
        if let Some(p) = &self.project_id {
            check_setting("project_id", p)?;
        }
        if let Some(d) = &self.domain_id {
            check_setting("domain_id", d)?;
        }
        let mandatory = ["host", "x-sdk-date"];
        let signed_header_names = (self.signed_header_names)
            .map(|names| HeaderList::new(names, &mandatory))
            .transpose()?;
        let mac = hmac_sha256(self.credentials.secret().expose_secret().as_bytes());
        Ok(SdkHmacSha256Signer {
            settings: Settings {
                credentials: self.credentials,
                project_id: self.project_id.map(Arc::from),
                domain_id: self.domain_id.map(Arc::from),
                signed_header_names,
            },
            mac,
        })
    }
}

impl Signer for SdkHmacSha256Signer {
    fn algorithm(&self) -> &'static str {
        ALGORITHM
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
        self.settings.sign::<HmacSha256>(&self.mac, req, ctx)
    }

    fn sign_reference(
        &self,
        req: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Option<Result<Stages, Error>> {
        Some(reference::sign(self, req, ctx))
    }
}

/// The checked inputs of one signature, borrowed and sorted.
struct Inputs<'a> {
    /// The payload hash as signed: hex, or a placeholder.
    payload_hash: &'a str,
    /// Whether this signer adds `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`.
    add_unsigned: bool,
    /// The path, percent-decoded.
    path: Cow<'a, str>,
    /// Every header signed (the signer's own among them), sorted by name.
    headers: Vec<(&'a str, &'a str)>,
    /// The query, sorted by name, then value.
    query: Vec<(&'a str, &'a str)>,
}

/// Where the texts are in the output buffer.
struct Spans {
    canonical_request: Range<usize>,
    query: Range<usize>,
    signed_headers: Range<usize>,
}

impl Settings {
    /// The stages: check -> collect -> write -> MAC -> finish.
    #[inline]
    fn sign<A: Algorithm>(
        &self,
        mac: &A::Mac,
        req: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Result<SigningOutput, Error> {
        let date = self.check(req, ctx)?;
        let mut body_hash = None;
        let inputs = self.collect::<A>(req, date.as_str(), &mut body_hash)?;
        let (mut out, spans) = self.write::<A>(req, date.as_str(), &inputs);
        let sts = write_string_to_sign::<A>(&mut out, date.as_str(), &spans.canonical_request);
        let sig = write_signature::<A>(mac.clone(), &mut out, sts);
        self.finish::<A>(out, req, date.as_str(), &inputs, &spans, sig)
    }

    /// The first input errors: an API setting (this scheme has none), a header this signer
    /// sets, a time it cannot write. The `X-Sdk-Date` otherwise.
    fn check(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<Ascii<16>, Error> {
        crate::api::refuse(SCHEME, req)?;
        let token = self.credentials.security_token();
        for (name, _) in req.headers() {
            let reserved = [
                (header::X_SDK_DATE, true),
                (header::AUTHORIZATION, true),
                (header::X_SECURITY_TOKEN, token.is_some()),
                (header::X_PROJECT_ID, self.project_id.is_some()),
                (header::X_DOMAIN_ID, self.domain_id.is_some()),
            ];
            if reserved
                .iter()
                .any(|(r, on)| *on && r.eq_ignore_ascii_case(name))
            {
                return Err(Error::reserved(SCHEME, name, req));
            }
        }
        timefmt::basic(ctx.time(), SCHEME)
    }

    /// The payload hash, as the official SDK chooses it, the headers signed (the last
    /// errors: one named twice, one listed but absent) and the sorted query.
    fn collect<'a, A: Algorithm>(
        &'a self,
        req: &'a CanonicalRequest,
        date: &'a str,
        body_hash: &'a mut Option<Hex64>,
    ) -> Result<Inputs<'a>, Error> {
        let own_content = req.header(header::X_SDK_CONTENT_SHA256).map(str::trim);
        let mut add_unsigned = false;
        let payload_hash: &str = match req.payload() {
            Payload::Unsigned => own_content.unwrap_or_else(|| {
                add_unsigned = true;
                UNSIGNED_PAYLOAD
            }),
            // An empty body (its hash is a constant, not computed) ignores the header.
            p => match (own_content, A::payload_hex(p, body_hash)) {
                (_, Some(h)) if h == A::EMPTY_HEX => A::EMPTY_HEX,
                (Some(v), _) => v,
                (None, Some(h)) => h,
                (None, None) => return Err(Error::InvalidPayloadHash),
            },
        };

        let headers = self.signed_headers(req, date, add_unsigned)?;
        let mut query = req.query_pairs();
        query.sort_unstable();
        Ok(Inputs {
            payload_hash,
            add_unsigned,
            path: percent_decode_str(req.path()).decode_utf8_lossy(),
            headers,
            query,
        })
    }

    /// The headers signed, sorted: the host, `X-Sdk-Date`, and every header of the request
    /// but those with `_` and every header the signer adds, or those listed.
    fn signed_headers<'a>(
        &'a self,
        req: &'a CanonicalRequest,
        date: &'a str,
        add_unsigned: bool,
    ) -> Result<Vec<(&'a str, &'a str)>, Error> {
        let listed = self.signed_header_names.as_ref();
        let theirs = |n: &str| listed.map_or(!n.contains('_'), |l| l.contains(n));
        let own = |n: &str| listed.is_none_or(|l| l.contains(n));
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(req.headers().len() + 6);
        headers.push(("host", req.host()));
        headers.extend(
            req.headers()
                .iter()
                .filter(|(n, _)| theirs(n))
                .map(|(n, v)| (n.as_str(), trim(v))),
        );
        headers.push((header::X_SDK_DATE, date));
        let token = self.credentials.security_token().map(|t| t.expose_secret());
        let added = [
            (
                header::X_SDK_CONTENT_SHA256,
                add_unsigned.then_some(UNSIGNED_PAYLOAD),
            ),
            (header::X_SECURITY_TOKEN, token),
            (header::X_PROJECT_ID, self.project_id.as_deref()),
            (header::X_DOMAIN_ID, self.domain_id.as_deref()),
        ];
        for (name, value) in added {
            if let Some(value) = value.filter(|_| own(name)) {
                headers.push((name, value));
            }
        }
        sort_unique_headers(&mut headers, SCHEME)?;
        let absent = |name: &&str| {
            (headers.binary_search_by(|(n, _)| cmp_ignore_ascii_case(n, name))).is_err()
        };
        match listed.and_then(|l| l.names().find(absent)) {
            Some(name) => Err(Error::MissingSignedHeader {
                scheme: SCHEME,
                name: name.to_owned(),
            }),
            None => Ok(headers),
        }
    }

    /// The output buffer, exactly its size, with the canonical request written. It holds,
    /// in order: the canonical request, the string to sign, the signature, the
    /// Authorization value and the `X-Sdk-Date`.
    #[inline]
    fn write<A: Algorithm>(
        &self,
        req: &CanonicalRequest,
        date: &str,
        inputs: &Inputs<'_>,
    ) -> (OutputBuilder, Spans) {
        let mut len = 0;
        canonical_request(&mut len, req, inputs);
        len += A::NAME.len() + 1 + date.len() + 1 + HEX_LEN;
        len += HEX_LEN;
        len += authorization_len::<A>(self.credentials.access_key_id(), inputs);
        len += date.len();

        let mut out = OutputBuilder::new(len, 6, 0);
        let spans = canonical_request(out.buf(), req, inputs);
        out.set_canonical_request(Text::Span(spans.canonical_request.clone()));
        (out, spans)
    }

    /// The Authorization value and the headers to add.
    fn finish<A: Algorithm>(
        &self,
        mut out: OutputBuilder,
        req: &CanonicalRequest,
        date: &str,
        inputs: &Inputs<'_>,
        spans: &Spans,
        sig: Range<usize>,
    ) -> Result<SigningOutput, Error> {
        let start = out.pos();
        let b = out.buf();
        b.push_str(A::NAME);
        b.push_str(ACCESS);
        b.push_str(self.credentials.access_key_id());
        b.push_str(SIGNED_HEADERS);
        b.extend_from_within(spans.signed_headers.clone());
        b.push_str(SIGNATURE);
        b.extend_from_within(sig);
        let auth = out.since(start);
        out.set_query_string(Text::Span(spans.query.clone()));

        let start = out.pos();
        out.buf().push_str(date);
        out.header(header::X_SDK_DATE, out.since(start));
        if inputs.add_unsigned {
            out.header(header::X_SDK_CONTENT_SHA256, Text::Static(UNSIGNED_PAYLOAD));
        }
        if let Some(t) = self.credentials.security_token() {
            out.header(header::X_SECURITY_TOKEN, Text::Shared(t.shared()));
        }
        if let Some(p) = &self.project_id {
            out.header(header::X_PROJECT_ID, Text::Shared(p.clone()));
        }
        if let Some(d) = &self.domain_id {
            out.header(header::X_DOMAIN_ID, Text::Shared(d.clone()));
        }
        out.header(header::AUTHORIZATION, auth);
        out.finish_for(req, SCHEME)
    }
}

/// The separators of the Authorization value.
const ACCESS: &str = " Access=";
const SIGNED_HEADERS: &str = ", SignedHeaders=";
const SIGNATURE: &str = ", Signature=";
/// A 32-byte hash or MAC in hex.
const HEX_LEN: usize = 64;

/// `NAME Access=AK, SignedHeaders=a;b, Signature=hex`: its length.
#[inline]
fn authorization_len<A: Algorithm>(access_key_id: &str, inputs: &Inputs<'_>) -> usize {
    let mut signed = 0;
    signed_headers(&mut signed, &inputs.headers);
    A::NAME.len()
        + ACCESS.len()
        + access_key_id.len()
        + SIGNED_HEADERS.len()
        + signed
        + SIGNATURE.len()
        + HEX_LEN
}

/// The canonical request, written into a buffer or counted (one layout for both), and
/// where its parts are:
///
/// ```text
/// Method \n CanonicalURI/ \n CanonicalQuery \n name:value \n ... \n SignedHeaders \n HashedPayload
/// ```
#[inline]
fn canonical_request<S: Sink>(s: &mut S, req: &CanonicalRequest, inputs: &Inputs<'_>) -> Spans {
    let start = s.pos();
    s.put(req.method());
    s.put("\n");
    write_canonical_uri(s, &inputs.path);
    s.put("\n");
    let q0 = s.pos();
    write_query(s, &inputs.query);
    let query = q0..s.pos();
    s.put("\n");
    for (name, value) in &inputs.headers {
        s.put_lower(name);
        s.put(":");
        s.put(value);
        s.put("\n");
    }
    s.put("\n");
    let h0 = s.pos();
    signed_headers(s, &inputs.headers);
    let signed_headers = h0..s.pos();
    s.put("\n");
    s.put(inputs.payload_hash);
    Spans {
        canonical_request: start..s.pos(),
        query,
        signed_headers,
    }
}

/// The lower-cased header names joined by `;`.
#[inline]
fn signed_headers<S: Sink>(s: &mut S, headers: &[(&str, &str)]) {
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            s.put(";");
        }
        s.put_lower(name);
    }
}

/// `NAME \n X-Sdk-Date \n hex(Hash(canonical request))`, appended; its place.
#[inline]
fn write_string_to_sign<A: Algorithm>(
    out: &mut OutputBuilder,
    date: &str,
    canonical: &Range<usize>,
) -> Range<usize> {
    let digest = A::Hash::digest(out.str_of(canonical).as_bytes());
    let start = out.pos();
    let b = out.buf();
    b.push_str(A::NAME);
    b.push('\n');
    b.push_str(date);
    b.push('\n');
    hex_into(b, &digest);
    let sts = start..out.pos();
    out.set_string_to_sign(Text::Span(sts.clone()));
    sts
}

/// `hex(MAC(secret, string to sign))`, appended.
#[inline]
fn write_signature<A: Algorithm>(
    mut mac: A::Mac,
    out: &mut OutputBuilder,
    sts: Range<usize>,
) -> Range<usize> {
    mac.update(out.str_of(&sts).as_bytes());
    let start = out.pos();
    hex_into(out.buf(), &mac.finalize().into_bytes());
    let sig = start..out.pos();
    out.set_signature(Text::Span(sig.clone()));
    sig
}

/// The decoded path with each `/`-separated segment RFC 3986-encoded, ending in `/`. A
/// decoded `%2F` becomes a separator, as in the official SDK.
#[inline]
pub(crate) fn write_canonical_uri<S: Sink>(s: &mut S, decoded: &str) {
    s.put_encoded_path(decoded);
    if !decoded.ends_with('/') {
        s.put("/");
    }
}

/// Sorted `name=value` pairs, both RFC 3986-encoded, joined by `&`.
#[inline]
fn write_query<S: Sink>(s: &mut S, sorted: &[(&str, &str)]) {
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            s.put("&");
        }
        s.put_encoded(k);
        s.put("=");
        s.put_encoded(v);
    }
}

/// The canonical URI of an (encoded) request path: `/v1/a%2Fb/c` gives `/v1/a/b/c/`.
///
/// ```
/// use cloudsign::huawei::sdk_hmac_sha256::canonical_uri;
/// assert_eq!(canonical_uri("/v1/77b6a44c/vpcs"), "/v1/77b6a44c/vpcs/");
/// assert_eq!(canonical_uri("/a%20b/%E4%B8%AD"), "/a%20b/%E4%B8%AD/");
/// ```
pub fn canonical_uri(path: &str) -> String {
    let mut s = String::with_capacity(path.len() + 1);
    write_canonical_uri(&mut s, &percent_decode_str(path).decode_utf8_lossy());
    s
}

/// The canonical query string of decoded parameters: sorted by name, then value.
///
/// ```
/// use cloudsign::huawei::sdk_hmac_sha256::canonical_query;
/// assert_eq!(canonical_query(&[("b", "2"), ("a", "z"), ("a", "1"), ("k y", "~*")]), "a=1&a=z&b=2&k%20y=~%2A");
/// ```
pub fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut q = query.to_vec();
    q.sort_unstable();
    let mut s = String::new();
    write_query(&mut s, &q);
    s
}

/// `"SDK-HMAC-SHA256\n" + x_sdk_date + "\n" + hex(SHA256(canonical_request))`.
pub fn string_to_sign(x_sdk_date: &str, canonical_request: &str) -> String {
    let mut s = String::with_capacity(ALGORITHM.len() + x_sdk_date.len() + 66);
    s.push_str(ALGORITHM);
    s.push('\n');
    s.push_str(x_sdk_date);
    s.push('\n');
    hex_into(&mut s, &Sha256::digest(canonical_request.as_bytes()));
    s
}

/// `hex(HMAC-SHA256(sk, string_to_sign))`.
pub fn signature(secret: &crate::SecretKey, string_to_sign: &str) -> String {
    let mut mac = hmac_sha256(secret.expose_secret().as_bytes());
    mac.update(string_to_sign.as_bytes());
    Hex64::from_slice(&mac.finalize().into_bytes())
        .as_str()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Payload kinds, the SDK's own `X-Sdk-Content-Sha256`, a token and both ids, paths
    /// with escapes and slashes: the fast path equals its reference stage for stage, and
    /// its buffer is exactly the length its layout counts.
    #[test]
    fn every_setting_matches_the_reference() {
        let creds = Credentials::new("AccessKey", "SecretKey").unwrap();
        let with_token = creds.clone().with_security_token("tok3n").unwrap();
        let ctx = SigningContext::from_unix(1_700_000_000, "").unwrap();
        let base = || {
            CanonicalRequest::builder()
                .method("PUT")
                .host("svc.example.com:8443")
                .query("b", "2")
                .query("a", "z é")
                .query("a", "1")
                .query("empty", "")
                .header("Content-Type", " text/plain ")
                .header("X-Custom", "v")
                .header("TEST_UNDERSCORE", "dropped")
        };
        let reqs = [
            CanonicalRequest::builder().host("h.example.com").build(),
            base().path("/v1/a%2Fb/c%20d/").body("body").build(),
            base().path("/v1/x/vpcs").unsigned_payload().build(),
            base()
                .path("/")
                .header("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")
                .body("b")
                .build(),
            base()
                .payload_sha256_hex(EMPTY_SHA256_HEX)
                .header("x-sdk-content-sha256", "own")
                .build(),
        ];
        for creds in [creds, with_token] {
            for ids in [false, true] {
                let mut b = SdkHmacSha256Signer::builder(creds.clone());
                if ids {
                    b = b.project_id("p1").domain_id("d1");
                }
                let signer = b.build().unwrap();
                for req in &reqs {
                    let req = req.as_ref().unwrap();
                    let out = signer.sign(req, &ctx).unwrap();
                    let reference = signer.sign_reference(req, &ctx).unwrap().unwrap();
                    let fast = Stages::of(&out);
                    assert_eq!(fast.first_difference(&reference), None, "{req:?}");
                    assert_eq!(fast, reference);
                    assert_eq!(out.spare_capacity(), 0, "{req:?}");
                }
            }
        }
    }
}
