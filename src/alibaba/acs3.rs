//! Alibaba Cloud **ACS3-HMAC-SHA256**, the V3 request signature (headers only).
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//! StringToSign     = "ACS3-HMAC-SHA256\n" + hex(SHA256(CanonicalRequest))
//! Signature        = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
//! Authorization    = ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex
//! ```
//! Reference: Alibaba Cloud, *V3 request body and signature mechanism*.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use smallvec::SmallVec;

use crate::api::{required, ApiBuilder};
use crate::encoding::{hex_into, percent_encode_into, Hex64, RFC3986_UNRESERVED};
use crate::mac::hmac_sha256;
use crate::signer::{OutputBuilder, Text};
use crate::text::{trim, LowerNames};
use crate::{
    timefmt, CanonicalRequest, Credentials, Error, Payload, Signer, SigningContext, SigningOutput,
};

/// The algorithm name.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Names of the headers this scheme uses.
pub mod header {
    /// The API operation.
    pub const X_ACS_ACTION: &str = "x-acs-action";
    /// The API version.
    pub const X_ACS_VERSION: &str = "x-acs-version";
    /// The signing time, `yyyy-MM-ddTHH:mm:ssZ`.
    pub const X_ACS_DATE: &str = "x-acs-date";
    /// The nonce.
    pub const X_ACS_SIGNATURE_NONCE: &str = "x-acs-signature-nonce";
    /// The hex SHA-256 of the body.
    pub const X_ACS_CONTENT_SHA256: &str = "x-acs-content-sha256";
    /// The access key id, sent with a security token (as the official SDKs do).
    pub const X_ACS_ACCESSKEY_ID: &str = "x-acs-accesskey-id";
    /// The STS security token.
    pub const X_ACS_SECURITY_TOKEN: &str = "x-acs-security-token";
    /// The signature header.
    pub const AUTHORIZATION: &str = "Authorization";
}

const SCHEME: &str = ALGORITHM;

/// Which headers go into the signature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedHeaders {
    /// `host`, `content-type` and every `x-acs-*` header: what the V3 document requires and
    /// what the Go and Java SDKs sign. Other headers may change on the way without breaking
    /// the signature.
    #[default]
    Required,
    /// Every header of the request: what the Python SDK (`alibabacloud-openapi-util`,
    /// `alibabacloud-tea-openapi`) signs.
    All,
}

/// How query parameter names are written in the canonical query string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryNames {
    /// RFC 3986-encoded, like the values (the V3 document and the Java SDK).
    #[default]
    Encoded,
    /// Verbatim (the Python and Go SDKs). Identical for names made of `A-Z a-z 0-9 - . _ ~`.
    Raw,
}

/// Signs with ACS3-HMAC-SHA256.
///
/// It adds `x-acs-action`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`,
/// `x-acs-content-sha256`, with a security token `x-acs-accesskey-id` and
/// `x-acs-security-token`, and `Authorization`. The query string to send is
/// [`SigningOutput::query_string`].
///
/// ```
/// use cloudsign::{alibaba::Acs3Signer, CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let signer = Acs3Signer::builder(Credentials::new("YourAccessKeyId", "YourAccessKeySecret")?)
///     .action("RunInstances")
///     .version("2014-05-26")
///     .build()?;
/// let req = CanonicalRequest::builder()
///     .method("POST")
///     .host("ecs.cn-shanghai.aliyuncs.com")
///     .query("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd")
///     .query("RegionId", "cn-shanghai")
///     .build()?;
/// let time = time::macros::datetime!(2023-10-26 10:22:32 UTC);
/// let out = signer.sign(&req, &SigningContext::new(time, "3156853299f313e23d1673dc12e1703d"))?;
/// assert_eq!(out.signature(), "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
/// assert_eq!(out.header("x-acs-date"), Some("2023-10-26T10:22:32Z"));
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct Acs3Signer {
    credentials: Credentials,
    action: Arc<str>,
    version: Arc<str>,
    signed_headers: SignedHeaders,
    query_names: QueryNames,
    mac: Hmac<Sha256>,
    own: Own,
}

impl fmt::Debug for Acs3Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acs3Signer")
            .field("credentials", &self.credentials)
            .field("action", &&*self.action)
            .field("version", &&*self.version)
            .field("signed_headers", &self.signed_headers)
            .field("query_names", &self.query_names)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Acs3Signer`]; checks are deferred to [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct Acs3SignerBuilder {
    credentials: Credentials,
    api: ApiBuilder,
    signed_headers: SignedHeaders,
    query_names: QueryNames,
}

impl Acs3Signer {
    /// A builder; `action` and `version` are required.
    pub fn builder(credentials: Credentials) -> Acs3SignerBuilder {
        Acs3SignerBuilder {
            credentials,
            api: ApiBuilder::default(),
            signed_headers: SignedHeaders::default(),
            query_names: QueryNames::default(),
        }
    }
}

crate::api::api_setters!(Acs3SignerBuilder {
    /// The API operation, sent as `x-acs-action` (required).
    action,
    /// The API version, sent as `x-acs-version` (required).
    version,
});

impl Acs3SignerBuilder {
    /// Which headers to sign (default [`SignedHeaders::Required`]).
    pub fn signed_headers(mut self, signed_headers: SignedHeaders) -> Self {
        self.signed_headers = signed_headers;
        self
    }

    /// How to write query names (default [`QueryNames::Encoded`]).
    pub fn query_names(mut self, query_names: QueryNames) -> Self {
        self.query_names = query_names;
        self
    }

    /// Builds the signer.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if `action` or `version` is missing, empty or not a valid
    /// header value.
    pub fn build(self) -> Result<Acs3Signer, Error> {
        let action = required("action", self.api.action)?;
        let version = required("version", self.api.version)?;
        let mac = hmac_sha256(self.credentials.secret().expose_secret().as_bytes());
        let own = Own::new(&self.credentials, &action, &version);
        Ok(Acs3Signer {
            own,
            credentials: self.credentials,
            action,
            version,
            signed_headers: self.signed_headers,
            query_names: self.query_names,
            mac,
        })
    }
}

const ADDED: [&str; 7] = [
    header::X_ACS_ACTION,
    header::X_ACS_VERSION,
    header::X_ACS_DATE,
    header::X_ACS_SIGNATURE_NONCE,
    header::X_ACS_CONTENT_SHA256,
    header::X_ACS_ACCESSKEY_ID,
    header::X_ACS_SECURITY_TOKEN,
];

crate::api::api_settings!(Acs3Signer, |s| {
    s.own = Own::new(&s.credentials, &s.action, &s.version);
});

impl Signer for Acs3Signer {
    fn algorithm(&self) -> &'static str {
        ALGORITHM
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
        // A request that names another action or version signs as a copy with its own.
        if let Some(signer) = crate::api::for_request(self, req) {
            return signer.sign(req, ctx);
        }
        let mut slot = None;
        let payload_hash = match req.payload() {
            Payload::Unsigned => {
                return Err(Error::UnsupportedBody {
                    scheme: SCHEME,
                    reason: "ACS3 signs the body's SHA-256; an unsigned payload is not allowed",
                })
            }
            // Not `ok_or`: its unused error is dropped by a call on every signature.
            p => match p.sha256_hex_in(&mut slot) {
                Some(hash) => hash,
                None => return Err(Error::InvalidPayloadHash),
            },
        };
        let nonce = ctx.nonce();
        if !ctx.nonce_is_alphanumeric() && !crate::request::is_wire_text(nonce) {
            return Err(Error::InvalidNonce {
                scheme: SCHEME,
                reason: "must be non-empty visible ASCII, spaces only inside",
            });
        }
        let date = timefmt::iso8601(ctx.time(), SCHEME)?;
        let date = date.as_str();
        let token = self.credentials.security_token();

        // A query already sorted by name (the usual case) is written straight from the
        // request; else it is sorted by name (stably) in `staged`. The headers to sign go on
        // the stack unless there are many: lower-case names, trimmed values, sorted by name
        // then value.
        let sign_all = self.signed_headers == SignedHeaders::All;
        let mut names = LowerNames::new();
        let request_query = req.query();
        let sorted = request_query.is_sorted_by(|a, b| a.0 <= b.0);
        let mut staged = Vec::new();
        if !sorted {
            staged.extend(request_query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            staged.sort_by(|a: &(&str, &str), b| a.0.cmp(b.0));
        }
        let query = match sorted {
            true => Query::Request(request_query),
            false => Query::Staged(&staged),
        };
        let mut callers: SmallVec<[(&str, &str); STACK_PAIRS]> = SmallVec::new();
        callers.push(("host", trim(req.host())));
        for (lower, name, value) in names.lower(req.headers()) {
            if lower == "authorization" || (lower.starts_with("x-acs-") && ADDED.contains(&lower)) {
                return Err(Error::reserved(SCHEME, name, req));
            }
            if sign_all || is_required(lower) {
                callers.push((lower, trim(value)));
            }
        }
        callers.sort_unstable();
        // The signer's own headers usually sort after every header of the caller's
        // (`content-type`, `host`, ...): then their lines are joined in advance (`Own`).
        // Otherwise they are merged into the caller's and sorted with them.
        let in_order = callers
            .last()
            .is_none_or(|(name, _)| *name < self.own.first_name);
        if !in_order {
            callers.extend([
                (header::X_ACS_ACTION, &*self.action),
                (header::X_ACS_CONTENT_SHA256, payload_hash),
                (header::X_ACS_DATE, date),
                (header::X_ACS_SIGNATURE_NONCE, nonce),
                (header::X_ACS_VERSION, &*self.version),
            ]);
            if let Some(t) = token {
                callers.push((header::X_ACS_ACCESSKEY_ID, self.credentials.access_key_id()));
                callers.push((header::X_ACS_SECURITY_TOKEN, t.expose_secret().trim()));
            }
            callers.sort_unstable();
        }
        let headers = &*callers;

        // The exact size of everything but the query's escapes, which the slack covers in
        // most requests (else the buffer grows once, right after the query): a buffer of
        // up to 1 KiB is recycled by the allocator's per-thread cache.
        // `host` is always among `headers`: the first name has no `;` before it.
        let signed_names = headers
            .iter()
            .map(|(k, _)| k.len() + 1)
            .sum::<usize>()
            .saturating_sub(1)
            + if in_order { self.own.names.len() } else { 0 };
        let header_lines: usize = headers.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let own_lines = match in_order {
            true => self.own.lines_len() + payload_hash.len() + date.len() + nonce.len(),
            // The values are copied after the canonical request.
            false => {
                self.action.len()
                    + self.version.len()
                    + date.len()
                    + nonce.len()
                    + payload_hash.len()
            }
        };
        let after_query = 1
            + header_lines
            + own_lines
            + 1
            + signed_names
            + 1
            + payload_hash.len()
            + ALGORITHM.len()
            + 1
            + 64
            + 64
            + self.own.authorization.len()
            + signed_names
            + ",Signature=".len()
            + 64;
        let query_plain = query.plain_len();
        let capacity = req.method().len()
            + req.path().len().max(1)
            + 2
            + match self.query_names {
                QueryNames::Encoded => query_plain,
                // The query is written twice, the second time with encoded names.
                QueryNames::Raw => 2 * query_plain,
            }
            + after_query
            + QUERY_SLACK;
        let mut out = OutputBuilder::new(capacity, 8, 0);
        let values = Values {
            own: in_order.then_some(&self.own),
            payload_hash,
            date,
            nonce,
            after_query,
        };
        let ranges = write_canonical_request(
            out.buf(),
            req.method(),
            req.path(),
            query,
            headers,
            &values,
            self.query_names,
        );
        out.set_canonical_request(Text::Span(0..ranges.end));
        let digest = Sha256::digest(out.str_of(&(0..ranges.end)).as_bytes());

        let start = out.pos();
        write_string_to_sign(out.buf(), &digest);
        let sts = start..out.pos();
        out.set_string_to_sign(Text::Span(sts.clone()));

        let mut mac = self.mac.clone();
        mac.update(out.str_of(&sts).as_bytes());
        // Read in place: a copy of the digest into an array would load it with wider
        // loads than the hash's 4-byte stores, which stalls.
        let sig = Hex64::from_slice(&mac.finalize().into_bytes());
        let sig = sig.as_str();

        let start = out.pos();
        out.buf().push_str(sig);
        out.set_signature(out.since(start));

        let start = out.pos();
        let b = out.buf();
        b.push_str(&self.own.authorization);
        // The same list as in the canonical request.
        b.extend_from_within(ranges.signed_headers.clone());
        b.push_str(",Signature=");
        b.push_str(sig);
        let auth = out.since(start);

        if self.query_names == QueryNames::Encoded {
            out.set_query_string(Text::Span(ranges.query));
        } else {
            // The signature covers raw names, but the wire needs them encoded.
            let start = out.pos();
            query.write(out.buf(), QueryNames::Encoded);
            out.set_query_string(out.since(start));
        }

        // The header values: where `Own` wrote them, or else copied.
        let spans = match ranges.own_at {
            Some(at) => self.own.spans(at, &values),
            None => [&*self.action, &*self.version, date, nonce, payload_hash].map(|value| {
                let start = out.pos();
                out.buf().push_str(value);
                start..out.pos()
            }),
        };
        for (name, span) in OWN_ORDER.into_iter().zip(spans) {
            out.header(name, Text::Span(span));
        }
        if let Some(t) = token {
            out.header(
                header::X_ACS_ACCESSKEY_ID,
                Text::Shared(self.credentials.access_key_id_shared().clone()),
            );
            out.header(header::X_ACS_SECURITY_TOKEN, Text::Shared(t.shared()));
        }
        out.header(header::AUTHORIZATION, auth);
        out.finish_for(req, SCHEME)
    }
}

/// The signer's own headers with a value per signature, in the order they are sent (with
/// a security token, `x-acs-accesskey-id` and `x-acs-security-token` follow).
const OWN_ORDER: [&str; 5] = [
    header::X_ACS_ACTION,
    header::X_ACS_VERSION,
    header::X_ACS_DATE,
    header::X_ACS_SIGNATURE_NONCE,
    header::X_ACS_CONTENT_SHA256,
];

/// The signer's own header lines, sorted and joined at build time around the values that
/// change per signature, with the names they add to `SignedHeaders` and the start of the
/// `Authorization` value. It holds the security token (a header value), so it is never
/// printed.
#[derive(Clone)]
struct Own {
    /// `[x-acs-accesskey-id:<id>\n]x-acs-action:<action>\nx-acs-content-sha256:`
    head: Box<str>,
    /// The action's place in `head`.
    action: Range<usize>,
    /// `[\nx-acs-security-token:<token>]\nx-acs-signature-nonce:`
    before_nonce: Box<str>,
    /// `\nx-acs-version:<version>\n`
    tail: Box<str>,
    /// `;x-acs-action;...;x-acs-version`, with the token's two names if there is one.
    names: &'static str,
    /// The first of the names, lower-case.
    first_name: &'static str,
    /// `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=`
    authorization: Box<str>,
}

const DATE_LINE: &str = "\nx-acs-date:";
const VERSION_LINE: &str = "\nx-acs-version:";

impl Own {
    fn new(credentials: &Credentials, action: &str, version: &str) -> Own {
        let id = credentials.access_key_id();
        let token = credentials.security_token();
        let mut head = String::new();
        if token.is_some() {
            head.push_str(header::X_ACS_ACCESSKEY_ID);
            head.push(':');
            head.push_str(id);
            head.push('\n');
        }
        head.push_str(header::X_ACS_ACTION);
        head.push(':');
        let at = head.len();
        head.push_str(action);
        let action = at..head.len();
        head.push('\n');
        head.push_str(header::X_ACS_CONTENT_SHA256);
        head.push(':');
        let mut before_nonce = String::new();
        if let Some(t) = token {
            before_nonce.push('\n');
            before_nonce.push_str(header::X_ACS_SECURITY_TOKEN);
            before_nonce.push(':');
            before_nonce.push_str(t.expose_secret().trim());
        }
        before_nonce.push('\n');
        before_nonce.push_str(header::X_ACS_SIGNATURE_NONCE);
        before_nonce.push(':');
        let (names, first_name) = match token {
            Some(_) => (
                ";x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;\
                 x-acs-security-token;x-acs-signature-nonce;x-acs-version",
                header::X_ACS_ACCESSKEY_ID,
            ),
            None => (
                ";x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;\
                 x-acs-version",
                header::X_ACS_ACTION,
            ),
        };
        Own {
            head: head.into(),
            action,
            before_nonce: before_nonce.into(),
            tail: format!("{VERSION_LINE}{version}\n").into(),
            names,
            first_name,
            authorization: format!("{ALGORITHM} Credential={id},SignedHeaders=").into(),
        }
    }

    /// The bytes of the header lines, without the values.
    fn lines_len(&self) -> usize {
        self.head.len() + DATE_LINE.len() + self.before_nonce.len() + self.tail.len()
    }
}

/// This signature's values, and the signer's own header lines to write them into when
/// those follow the caller's headers.
struct Values<'a> {
    own: Option<&'a Own>,
    payload_hash: &'a str,
    date: &'a str,
    nonce: &'a str,
    /// The bytes to reserve after the query.
    after_query: usize,
}

/// Bytes for the query's escapes (2 more per escaped byte) in the first allocation.
const QUERY_SLACK: usize = 64;

impl Own {
    /// Appends the header lines with `values`.
    fn write(&self, buf: &mut String, values: &Values<'_>) {
        buf.push_str(&self.head);
        buf.push_str(values.payload_hash);
        buf.push_str(DATE_LINE);
        buf.push_str(values.date);
        buf.push_str(&self.before_nonce);
        buf.push_str(values.nonce);
        buf.push_str(&self.tail);
    }

    /// Where the values of [`OWN_ORDER`] are in lines [written](Self::write) at `at`.
    /// (Computed here rather than returned by `write`: a returned array of ranges is
    /// read back from memory right after being stored, which stalls.)
    fn spans(&self, at: usize, values: &Values<'_>) -> [Range<usize>; 5] {
        let span = |start: usize, len: usize| start..start + len;
        let action = span(at + self.action.start, self.action.len());
        let hash = span(at + self.head.len(), values.payload_hash.len());
        let date = span(hash.end + DATE_LINE.len(), values.date.len());
        let nonce = span(date.end + self.before_nonce.len(), values.nonce.len());
        let version_len = self.tail.len().saturating_sub(VERSION_LINE.len() + 1);
        let version = span(nonce.end + VERSION_LINE.len(), version_len);
        [action, version, date, nonce, hash]
    }
}

/// Header pairs sorted on the stack (the host and up to 7 of the caller's); a request with
/// more goes to the heap.
const STACK_PAIRS: usize = 8;

/// For a lower-case name.
fn is_required(name: &str) -> bool {
    name == "host" || name == "content-type" || name.starts_with("x-acs-")
}

struct Ranges {
    query: Range<usize>,
    signed_headers: Range<usize>,
    end: usize,
    /// Where the lines of an [`Own`] start, if written from one.
    own_at: Option<usize>,
}

/// Query pairs sorted by raw name (stably: repeated names keep their order).
#[derive(Clone, Copy)]
enum Query<'a> {
    /// The request's own, found in order.
    Request(&'a [(String, String)]),
    /// Sorted by the signer.
    Staged(&'a [(&'a str, &'a str)]),
}

impl Query<'_> {
    /// `name=value` joined by `&`, values RFC 3986-encoded, an empty value written `name=`.
    fn write(self, buf: &mut String, names: QueryNames) {
        match self {
            Query::Request(q) => write_query(buf, q, names),
            Query::Staged(q) => write_query(buf, q, names),
        }
    }

    /// The length of `name=value` joined by `&`, before encoding.
    fn plain_len(self) -> usize {
        fn len<K: AsRef<str>, V: AsRef<str>>(q: &[(K, V)]) -> usize {
            q.iter()
                .map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 2)
                .sum::<usize>()
                .saturating_sub(1)
        }
        match self {
            Query::Request(q) => len(q),
            Query::Staged(q) => len(q),
        }
    }
}

/// See [`Query::write`].
fn write_query<K: AsRef<str>, V: AsRef<str>>(
    buf: &mut String,
    query: &[(K, V)],
    names: QueryNames,
) {
    for (i, (k, v)) in query.iter().enumerate() {
        if i > 0 {
            buf.push('&');
        }
        let k = k.as_ref();
        match names {
            QueryNames::Encoded => percent_encode_into(buf, k, RFC3986_UNRESERVED),
            QueryNames::Raw => buf.push_str(k),
        }
        buf.push('=');
        percent_encode_into(buf, v.as_ref(), RFC3986_UNRESERVED);
    }
}

/// The distinct names of sorted, lower-case `headers`, joined by `;`.
fn write_signed_headers(buf: &mut String, headers: &[(&str, &str)]) {
    let mut prev: Option<&str> = None;
    for (name, _) in headers {
        if prev == Some(name) {
            continue;
        }
        if prev.is_some() {
            buf.push(';');
        }
        buf.push_str(name);
        prev = Some(name);
    }
}

/// Appends the canonical request. `headers` are the headers to sign
/// with lower-case names and trimmed values, sorted by name then value: equal names merge
/// into one line with their values joined by `,` (what the official SDKs do).
fn write_canonical_request(
    buf: &mut String,
    method: &str,
    canonical_uri: &str,
    query: Query<'_>,
    headers: &[(&str, &str)],
    values: &Values<'_>,
    names: QueryNames,
) -> Ranges {
    buf.push_str(method);
    buf.push('\n');
    buf.push_str(if canonical_uri.is_empty() {
        "/"
    } else {
        canonical_uri
    });
    buf.push('\n');
    let q0 = buf.len();
    query.write(buf, names);
    let query_range = q0..buf.len();
    buf.reserve(values.after_query);
    buf.push('\n');

    let mut prev: Option<&str> = None;
    for (name, value) in headers {
        if prev == Some(name) {
            buf.push(',');
        } else {
            if prev.is_some() {
                buf.push('\n');
            }
            buf.push_str(name);
            buf.push(':');
            prev = Some(name);
        }
        buf.push_str(value);
    }
    if prev.is_some() {
        buf.push('\n');
    }
    let own_at = values.own.map(|own| {
        let at = buf.len();
        own.write(buf, values);
        at
    });
    buf.push('\n');
    let s0 = buf.len();
    write_signed_headers(buf, headers);
    if let Some(own) = values.own {
        buf.push_str(own.names);
    }
    let signed_headers = s0..buf.len();
    buf.push('\n');
    buf.push_str(values.payload_hash);
    Ranges {
        query: query_range,
        signed_headers,
        end: buf.len(),
        own_at,
    }
}

fn write_string_to_sign(buf: &mut String, canonical_request_digest: &[u8]) {
    buf.push_str(ALGORITHM);
    buf.push('\n');
    hex_into(buf, canonical_request_digest);
}

/// The canonical request of already-complete inputs, signing **every** header given, as
/// the official `get_authorization` does. Returns `(canonical_request, signed_headers)`.
///
/// For debugging and for callers that build the `x-acs-*` headers themselves; the
/// [`Acs3Signer`] adds them for you.
///
/// ```
/// let (canonical, signed) = cloudsign::alibaba::acs3::canonical_request(
///     "GET", "/", &[("test", "ok"), ("empty", "")],
///     &[("x-acs-test", "http"), ("x-acs-TEST", "https")],
///     "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
/// );
/// assert_eq!(signed, "x-acs-test");
/// assert!(canonical.starts_with("GET\n/\nempty=&test=ok\nx-acs-test:http,https\n\n"));
/// ```
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    hashed_payload: &str,
) -> (String, String) {
    let mut q = query.to_vec();
    q.sort_by(|a, b| a.0.cmp(b.0));
    let lower: Vec<(String, &str)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim()))
        .collect();
    let mut h: Vec<(&str, &str)> = lower.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    h.sort_unstable();
    let mut buf = String::new();
    write_canonical_request(
        &mut buf,
        method,
        canonical_uri,
        Query::Staged(&q),
        &h,
        &Values {
            own: None,
            payload_hash: hashed_payload,
            date: "",
            nonce: "",
            after_query: 0,
        },
        QueryNames::Encoded,
    );
    let mut signed = String::new();
    write_signed_headers(&mut signed, &h);
    (buf, signed)
}

/// `"ACS3-HMAC-SHA256\n" + hex(SHA256(canonical_request))`.
pub fn string_to_sign(canonical_request: &str) -> String {
    let mut s = String::with_capacity(ALGORITHM.len() + 65);
    write_string_to_sign(&mut s, &Sha256::digest(canonical_request.as_bytes()));
    s
}

/// `hex(HMAC-SHA256(secret, string_to_sign))`.
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
    use crate::encoding::EMPTY_SHA256_HEX;

    fn credentials(token: Option<&str>) -> Credentials {
        let creds = Credentials::new("ak", "sk").unwrap();
        match token {
            Some(t) => creds.with_security_token(t).unwrap(),
            None => creds,
        }
    }

    /// The signer's own header values are taken from the canonical request: whether they
    /// are its last header lines or a caller's `x-acs-*` header sorts among them, with and
    /// without a security token, each must equal what was signed.
    #[test]
    fn own_header_values_match_the_canonical_request() {
        let ctx = SigningContext::from_unix(1_700_000_000, "n0nce").unwrap();
        for token in [None, Some("t0k+/=")] {
            let creds = credentials(token);
            let signer = Acs3Signer::builder(creds)
                .action("Act")
                .version("2020-01-01")
                .build()
                .unwrap();
            for extra in [
                None,
                Some("x-acs-aaa"),
                Some("x-acs-meta"),
                Some("x-acs-zzz"),
            ] {
                let mut b = CanonicalRequest::builder()
                    .method("POST")
                    .host("example.com")
                    .header("Content-Type", "application/json")
                    .body(b"{}".to_vec());
                if let Some(name) = extra {
                    b = b.header(name, "v");
                }
                let out = signer.sign(&b.build().unwrap(), &ctx).unwrap();
                let canonical = out.canonical_request().unwrap();
                let want = [
                    (header::X_ACS_ACTION, "Act"),
                    (header::X_ACS_VERSION, "2020-01-01"),
                    (header::X_ACS_DATE, "2023-11-14T22:13:20Z"),
                    (header::X_ACS_SIGNATURE_NONCE, "n0nce"),
                    (
                        header::X_ACS_CONTENT_SHA256,
                        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                    ),
                ];
                for (name, value) in want {
                    assert_eq!(out.header(name), Some(value), "{name} with {extra:?}");
                    assert!(
                        canonical.contains(&format!("\n{name}:{value}\n")),
                        "{name} with {extra:?}: {canonical}"
                    );
                }
                assert_eq!(out.header(header::X_ACS_SECURITY_TOKEN), token);
                let n = out.headers().len();
                assert_eq!(n, if token.is_some() { 8 } else { 6 });
            }
        }
    }

    /// Requests with queries in and out of order, and with more headers than fit on the
    /// stack, sorting before or among the signer's own, sign as the public helpers say.
    #[test]
    fn large_requests_sign_like_the_helpers() {
        let ctx = SigningContext::from_unix(1_700_000_000, "n0nce").unwrap();
        let signer = Acs3Signer::builder(Credentials::new("ak", "sk").unwrap())
            .action("Act")
            .version("2020-01-01")
            .build()
            .unwrap();
        for n in [0, 1, STACK_PAIRS, 3 * STACK_PAIRS] {
            for reversed in [false, true] {
                // `x-acs-a*` sorts before the signer's own headers, `x-acs-m*` among them.
                for prefix in ["X-Acs-A", "X-Acs-M"] {
                    let mut b = CanonicalRequest::builder()
                        .method("GET")
                        .host("example.com");
                    for i in 0..n {
                        let i = if reversed { n - 1 - i } else { i };
                        b = b
                            .query(format!("K{i:02}"), format!("v {i}"))
                            .header(format!("{prefix}{i:02}"), format!(" h{i} "));
                    }
                    let req = b.build().unwrap();
                    let out = signer.sign(&req, &ctx).unwrap();
                    let query: Vec<(&str, &str)> = req
                        .query()
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let mut headers = vec![("host", "example.com")];
                    headers.extend(req.headers().iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    headers.extend(out.headers().filter(|(n, _)| *n != header::AUTHORIZATION));
                    let (canonical, _) =
                        canonical_request("GET", "/", &query, &headers, EMPTY_SHA256_HEX);
                    let case = format!("{n} {reversed} {prefix}");
                    assert_eq!(out.canonical_request(), Some(canonical.as_str()), "{case}");
                    let secret = crate::SecretKey::new("sk");
                    assert_eq!(
                        out.signature(),
                        signature(&secret, &string_to_sign(&canonical)),
                        "{case}"
                    );
                }
            }
        }
    }

    /// The buffer is sized exactly, but for the query's escapes: no growth, no waste.
    #[test]
    fn the_buffer_is_sized_exactly() {
        let ctx = SigningContext::from_unix(1_700_000_000, "n0nce").unwrap();
        for token in [None, Some("t0k+/=")] {
            let creds = credentials(token);
            for names in [QueryNames::Encoded, QueryNames::Raw] {
                let signer = Acs3Signer::builder(creds.clone())
                    .action("Act")
                    .version("2020-01-01")
                    .query_names(names)
                    .build()
                    .unwrap();
                for extra in [None, Some("x-acs-aaa"), Some("x-acs-zzz")] {
                    for query in [&[][..], &[("b", "2"), ("a", "x y")][..]] {
                        let mut b = CanonicalRequest::builder()
                            .method("POST")
                            .host("example.com")
                            .path("/p")
                            .header("Content-Type", "application/json")
                            .header("x-acs-meta", "one")
                            .header("x-acs-meta", "two")
                            .body(b"{}".to_vec());
                        for (k, v) in query {
                            b = b.query(*k, *v);
                        }
                        if let Some(name) = extra {
                            b = b.header(name, "v");
                        }
                        let out = signer.sign(&b.build().unwrap(), &ctx).unwrap();
                        // One escape (the space), written twice with raw names.
                        let escapes = match (query.is_empty(), names) {
                            (true, _) => 0,
                            (false, QueryNames::Encoded) => 2,
                            (false, QueryNames::Raw) => 4,
                        };
                        // The repeated name is merged into one line (`name:` once) and
                        // named once in `SignedHeaders`, which `Authorization` repeats.
                        let merged = 3 * "x-acs-meta:".len();
                        assert_eq!(
                            out.spare_capacity(),
                            QUERY_SLACK - escapes + merged,
                            "{token:?} {names:?} {extra:?} {query:?}"
                        );
                    }
                }
            }
        }
    }
}
