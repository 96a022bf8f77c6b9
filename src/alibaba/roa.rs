//! Alibaba Cloud **ROA** signature (V2): HMAC-SHA1 in `Authorization: acs AK:signature`.
//!
//! HMAC-SHA1 is a legacy algorithm; it is what ROA-style APIs (Container Service, IMM, NAS
//! and others) accept. Prefer [`acs3`](super::acs3) where the API supports it.
//!
//! ```text
//! StringToSign  = Method \n Accept \n Content-MD5 \n Content-Type \n Date \n
//!                 + "x-acs-name:value\n" for every x-acs-* header, names lower-cased, sorted
//!                 + Path [ "?" sorted "name=value" (or "name" for an empty value) joined by "&" ]
//! Signature     = Base64(HMAC-SHA1(AccessKeySecret, StringToSign))
//! Authorization = "acs " AccessKeyId ":" Signature
//! ```
//! Header values and query values go into the string to sign as they are: not trimmed, not
//! encoded. Reference: Alibaba Cloud, *V2 ROA-style request signature*, and
//! `alibabacloud-openapi-util` (`get_string_to_sign`, `get_roasignature`).
//!
//! **Ambiguity.** Because query values are not encoded, `q=a&b=c` is the string to sign of
//! both `{q: "a&b=c"}` and `{q: "a", b: "c"}`. The official SDKs sign such values anyway,
//! and so does this signer by default; [`RoaSignerBuilder::reject_ambiguous_query`] turns
//! them into an [`Error::UnsupportedQuery`] instead.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use sha1::Sha1;

use crate::api::{optional, required, ApiBuilder};
use crate::encoding::{base64_into, percent_encode_into, RFC3986_UNRESERVED};
use crate::mac::hmac_sha1;
use crate::signer::{OutputBuilder, Text};
use crate::text::{check_setting, cmp_ignore_ascii_case, push_lower, sort_unique_headers};
use crate::{
    timefmt, CanonicalRequest, Credentials, Error, Payload, Signer, SigningContext, SigningOutput,
};

/// The value of `x-acs-signature-method`.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// The value of `x-acs-signature-version`.
pub const SIGNATURE_VERSION: &str = "1.0";

const SCHEME: &str = "Alibaba ROA HMAC-SHA1";

/// Names of the headers this scheme uses.
pub mod header {
    /// The signing time, RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    pub const DATE: &str = "Date";
    /// The response media type.
    pub const ACCEPT: &str = "Accept";
    /// Base64 of the body's MD5, when enabled.
    pub const CONTENT_MD5: &str = "Content-MD5";
    /// The nonce.
    pub const X_ACS_SIGNATURE_NONCE: &str = "x-acs-signature-nonce";
    /// `HMAC-SHA1`.
    pub const X_ACS_SIGNATURE_METHOD: &str = "x-acs-signature-method";
    /// `1.0`.
    pub const X_ACS_SIGNATURE_VERSION: &str = "x-acs-signature-version";
    /// The API version.
    pub const X_ACS_VERSION: &str = "x-acs-version";
    /// The API operation.
    pub const X_ACS_ACTION: &str = "x-acs-action";
    /// The access key id, sent with a security token (as `alibabacloud-tea-openapi` does).
    pub const X_ACS_ACCESSKEY_ID: &str = "x-acs-accesskey-id";
    /// The STS security token.
    pub const X_ACS_SECURITY_TOKEN: &str = "x-acs-security-token";
    /// The signature header.
    pub const AUTHORIZATION: &str = "Authorization";
}

/// Which request headers the string to sign reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderNames {
    /// Header names in any letter case, as HTTP defines them: `X-Acs-Meta` is signed as
    /// `x-acs-meta`, `Content-Type` fills the content-type line (and `aliyun-python-sdk-core`
    /// agrees for `x-acs-*` names).
    #[default]
    AnyCase,
    /// Only names written in lower case count, as in `alibabacloud-openapi-util` and
    /// `alibabacloud-tea-openapi`: `accept`, `content-md5`, `content-type` and names
    /// starting with `x-acs-`. A header spelled `X-Acs-Meta` or `Content-Type` is sent but
    /// not signed, which a server that reads names case-insensitively will reject. For
    /// reproducing (or verifying) those SDKs byte for byte.
    LowercaseOnly,
}

/// Signs ROA-style requests.
///
/// It adds `Date`, `Accept` (unless the request has one), `Content-MD5` (when
/// [enabled](RoaSignerBuilder::content_md5) and the request has none),
/// `x-acs-signature-nonce`, `x-acs-signature-method`, `x-acs-signature-version`,
/// `x-acs-version`, `x-acs-action` (when set), with a security token `x-acs-accesskey-id`
/// and `x-acs-security-token`, and `Authorization`. Every `x-acs-*` header of the request is
/// signed, whatever the letter case of its name. Send [`SigningOutput::query_string`] as
/// the query.
///
/// ```
/// use cloudsign::{alibaba::RoaSigner, CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let signer = RoaSigner::builder(Credentials::new("LTAI5tExample", "secret")?)
///     .action("DescribeClusters")
///     .version("2015-12-15")
///     .build()?;
/// let req = CanonicalRequest::builder()
///     .host("cs.cn-hangzhou.aliyuncs.com")
///     .path("/clusters")
///     .query("name", "my cluster")
///     .build()?;
/// let time = time::macros::datetime!(2024-06-01 08:00:00 UTC);
/// let out = signer.sign(&req, &SigningContext::new(time, "8f3b1c2e6d"))?;
/// assert_eq!(out.header("Date"), Some("Sat, 01 Jun 2024 08:00:00 GMT"));
/// assert!(out.string_to_sign().unwrap().ends_with("\n/clusters?name=my cluster"));
/// assert_eq!(out.query_string(), "name=my%20cluster");
/// assert_eq!(out.header("Authorization").unwrap(), format!("acs LTAI5tExample:{}", out.signature()));
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct RoaSigner {
    credentials: Credentials,
    action: Option<Arc<str>>,
    version: Arc<str>,
    accept: Arc<str>,
    content_md5: bool,
    reject_ambiguous_query: bool,
    header_names: HeaderNames,
    mac: Hmac<Sha1>,
}

impl fmt::Debug for RoaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoaSigner")
            .field("credentials", &self.credentials)
            .field("action", &self.action.as_deref())
            .field("version", &&*self.version)
            .field("accept", &&*self.accept)
            .field("content_md5", &self.content_md5)
            .field("reject_ambiguous_query", &self.reject_ambiguous_query)
            .field("header_names", &self.header_names)
            .finish_non_exhaustive()
    }
}

/// Builds a [`RoaSigner`]; checks are deferred to [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct RoaSignerBuilder {
    credentials: Credentials,
    api: ApiBuilder,
    accept: String,
    content_md5: bool,
    reject_ambiguous_query: bool,
    header_names: HeaderNames,
}

impl RoaSigner {
    /// A builder; `version` is required, `accept` defaults to `application/json`.
    pub fn builder(credentials: Credentials) -> RoaSignerBuilder {
        RoaSignerBuilder {
            credentials,
            api: ApiBuilder::default(),
            accept: "application/json".to_owned(),
            content_md5: false,
            reject_ambiguous_query: false,
            header_names: HeaderNames::default(),
        }
    }
}

crate::api::api_setters!(RoaSignerBuilder {
    /// The API operation, sent and signed as `x-acs-action` (optional; the current official
    /// SDKs send it).
    action,
    /// The API version, `x-acs-version` (required).
    version,
});

impl RoaSignerBuilder {
    /// The `Accept` header added when the request has none (default `application/json`).
    pub fn accept(mut self, accept: impl Into<String>) -> Self {
        self.accept = accept.into();
        self
    }

    /// Add `Content-MD5` (Base64 of the body's MD5) when the request has none, so that the
    /// body is covered by the signature (default off, like the official SDKs). Needs the
    /// body bytes.
    pub fn content_md5(mut self, on: bool) -> Self {
        self.content_md5 = on;
        self
    }

    /// Refuse query parameters whose string to sign is ambiguous: `&` in a name or value,
    /// `=` in a name (default off: the official SDKs sign them as they are).
    pub fn reject_ambiguous_query(mut self, on: bool) -> Self {
        self.reject_ambiguous_query = on;
        self
    }

    /// Which header names the string to sign reads (default [`HeaderNames::AnyCase`]).
    pub fn header_names(mut self, header_names: HeaderNames) -> Self {
        self.header_names = header_names;
        self
    }

    /// Builds the signer.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if `version` is missing, or a setting is empty or not a
    /// valid header value.
    pub fn build(self) -> Result<RoaSigner, Error> {
        let version = required("version", self.api.version)?;
        check_setting("accept", &self.accept)?;
        let action = optional("action", self.api.action)?;
        let mac = hmac_sha1(self.credentials.secret().expose_secret().as_bytes());
        Ok(RoaSigner {
            credentials: self.credentials,
            action,
            version,
            accept: Arc::from(self.accept),
            content_md5: self.content_md5,
            reject_ambiguous_query: self.reject_ambiguous_query,
            header_names: self.header_names,
            mac,
        })
    }
}

const RESERVED: [&str; 9] = [
    header::DATE,
    header::AUTHORIZATION,
    header::X_ACS_SIGNATURE_NONCE,
    header::X_ACS_SIGNATURE_METHOD,
    header::X_ACS_SIGNATURE_VERSION,
    header::X_ACS_VERSION,
    header::X_ACS_ACTION,
    header::X_ACS_ACCESSKEY_ID,
    header::X_ACS_SECURITY_TOKEN,
];

impl HeaderNames {
    fn is(self, name: &str, wanted: &str) -> bool {
        match self {
            HeaderNames::AnyCase => name.eq_ignore_ascii_case(wanted),
            HeaderNames::LowercaseOnly => name == wanted,
        }
    }

    fn is_x_acs(self, name: &str) -> bool {
        match self {
            HeaderNames::AnyCase => name
                .get(..6)
                .is_some_and(|p| p.eq_ignore_ascii_case("x-acs-")),
            HeaderNames::LowercaseOnly => name.starts_with("x-acs-"),
        }
    }
}

crate::api::api_settings!(RoaSigner, |_s| {});

impl Signer for RoaSigner {
    fn algorithm(&self) -> &'static str {
        SIGNATURE_METHOD
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
        // A request that names another action or version signs as a copy with its own.
        if let Some(signer) = crate::api::for_request(self, req) {
            return signer.sign(req, ctx);
        }
        let token = self.credentials.security_token();
        let mut accept = None;
        let mut content_type = None;
        let mut content_md5 = None;
        let mut signed: Vec<(&str, &str)> = Vec::with_capacity(req.headers().len() + 7);
        for (name, value) in req.headers() {
            if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
                return Err(Error::reserved(SCHEME, name, req));
            }
            let names = self.header_names;
            let slot = if names.is(name, "accept") {
                &mut accept
            } else if names.is(name, "content-type") {
                &mut content_type
            } else if names.is(name, "content-md5") {
                &mut content_md5
            } else {
                if names.is_x_acs(name) {
                    signed.push((name, value));
                }
                continue;
            };
            if slot.replace(value.as_str()).is_some() {
                return Err(Error::DuplicateHeader {
                    scheme: SCHEME,
                    name: name.clone(),
                });
            }
        }
        let md5 = match (content_md5, self.content_md5, req.payload()) {
            (None, true, Payload::Bytes(b)) => {
                let mut s = String::with_capacity(24);
                base64_into(&mut s, &Md5::digest(b));
                Some(s)
            }
            (None, true, _) => {
                return Err(Error::UnsupportedBody {
                    scheme: SCHEME,
                    reason: "Content-MD5 is computed from the body: give the body bytes",
                })
            }
            _ => None,
        };
        let nonce = ctx.nonce();
        if !ctx.nonce_is_alphanumeric() && !crate::request::is_wire_text(nonce) {
            return Err(Error::InvalidNonce {
                scheme: SCHEME,
                reason: "must be non-empty visible ASCII, spaces only inside",
            });
        }
        let date = timefmt::imf_fixdate(ctx.time(), SCHEME)?;

        signed.push((header::X_ACS_SIGNATURE_NONCE, nonce));
        signed.push((header::X_ACS_SIGNATURE_METHOD, SIGNATURE_METHOD));
        signed.push((header::X_ACS_SIGNATURE_VERSION, SIGNATURE_VERSION));
        signed.push((header::X_ACS_VERSION, &self.version));
        if let Some(a) = &self.action {
            signed.push((header::X_ACS_ACTION, a));
        }
        if let Some(t) = token {
            signed.push((header::X_ACS_ACCESSKEY_ID, self.credentials.access_key_id()));
            signed.push((header::X_ACS_SECURITY_TOKEN, t.expose_secret()));
        }
        sort_unique_headers(&mut signed, SCHEME)?;

        let mut query = req.query_pairs();
        query.sort_by(|a, b| a.0.cmp(b.0));
        if let Some(w) = query.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::DuplicateParameter {
                scheme: SCHEME,
                name: w[0].0.to_owned(),
            });
        }
        if self.reject_ambiguous_query
            && query
                .iter()
                .any(|(k, v)| k.contains(['&', '=']) || v.contains('&'))
        {
            return Err(Error::UnsupportedQuery {
                scheme: SCHEME,
                reason: "a name holds '&' or '=', or a value holds '&': the string to sign would be ambiguous",
            });
        }

        let accept = accept.unwrap_or(&self.accept);
        let capacity = 200
            + req.path().len()
            + 4 * query
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>()
            + signed
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>()
            + accept.len()
            + content_type.map_or(0, str::len);
        let mut out = OutputBuilder::new(capacity, 11, 0);

        let b = out.buf();
        b.push_str(req.method());
        b.push('\n');
        b.push_str(accept);
        b.push('\n');
        b.push_str(content_md5.or(md5.as_deref()).unwrap_or(""));
        b.push('\n');
        b.push_str(content_type.unwrap_or(""));
        b.push('\n');
        b.push_str(date.as_str());
        b.push('\n');
        for (name, value) in &signed {
            if self.header_names == HeaderNames::LowercaseOnly {
                b.push_str(name);
            } else {
                push_lower(b, name);
            }
            b.push(':');
            b.push_str(value);
            b.push('\n');
        }
        write_resource(b, req.path(), &query);
        let sts = 0..out.pos();
        out.set_string_to_sign(Text::Span(sts.clone()));

        let mut mac = self.mac.clone();
        mac.update(out.str_of(&sts).as_bytes());
        let start = out.pos();
        base64_into(out.buf(), &mac.finalize().into_bytes());
        let sig = start..out.pos();
        out.set_signature(Text::Span(sig.clone()));

        let start = out.pos();
        out.buf().push_str("acs ");
        out.buf().push_str(self.credentials.access_key_id());
        out.buf().push(':');
        out.buf().extend_from_within(sig.clone());
        let auth = out.since(start);

        // The query to send: request order, RFC 3986-encoded.
        let start = out.pos();
        for (i, (k, v)) in req.query().iter().enumerate() {
            if i > 0 {
                out.buf().push('&');
            }
            percent_encode_into(out.buf(), k, RFC3986_UNRESERVED);
            out.buf().push('=');
            percent_encode_into(out.buf(), v, RFC3986_UNRESERVED);
        }
        out.set_query_string(out.since(start));

        let start = out.pos();
        out.buf().push_str(date.as_str());
        out.header(header::DATE, out.since(start));
        if accept_added(req) {
            out.header(header::ACCEPT, Text::Shared(self.accept.clone()));
        }
        if let Some(m) = md5 {
            let start = out.pos();
            out.buf().push_str(&m);
            out.header(header::CONTENT_MD5, out.since(start));
        }
        out.header(
            header::X_ACS_SIGNATURE_NONCE,
            Text::Shared(ctx.nonce_shared().clone()),
        );
        out.header(
            header::X_ACS_SIGNATURE_METHOD,
            Text::Static(SIGNATURE_METHOD),
        );
        out.header(
            header::X_ACS_SIGNATURE_VERSION,
            Text::Static(SIGNATURE_VERSION),
        );
        out.header(header::X_ACS_VERSION, Text::Shared(self.version.clone()));
        if let Some(a) = &self.action {
            out.header(header::X_ACS_ACTION, Text::Shared(a.clone()));
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

fn accept_added(req: &CanonicalRequest) -> bool {
    req.header(header::ACCEPT).is_none()
}

/// The string to sign of already-complete inputs, as `alibabacloud-openapi-util`'s
/// `get_string_to_sign` computes it: `x_acs_headers` are every `x-acs-*` header (names
/// lower-cased here), `query` the decoded parameters (sorted here; an empty value is written
/// as the bare name).
///
/// For debugging and for callers that build the headers themselves; the [`RoaSigner`] adds
/// them for you.
///
/// ```
/// let sts = cloudsign::alibaba::roa::string_to_sign(
///     "GET", "application/json", "", "", "Sat, 01 Jun 2024 08:00:00 GMT",
///     &[("x-acs-version", "2015-12-15"), ("X-Acs-Signature-Method", "HMAC-SHA1")],
///     "/clusters", &[("state", "running"), ("empty", "")],
/// );
/// assert_eq!(sts, "GET\napplication/json\n\n\nSat, 01 Jun 2024 08:00:00 GMT\n\
///     x-acs-signature-method:HMAC-SHA1\nx-acs-version:2015-12-15\n/clusters?empty&state=running");
/// ```
#[allow(clippy::too_many_arguments)] // the six lines of the format, named
pub fn string_to_sign(
    method: &str,
    accept: &str,
    content_md5: &str,
    content_type: &str,
    date: &str,
    x_acs_headers: &[(&str, &str)],
    path: &str,
    query: &[(&str, &str)],
) -> String {
    let mut headers = x_acs_headers.to_vec();
    headers.sort_by(|a, b| cmp_ignore_ascii_case(a.0, b.0));
    let mut q = query.to_vec();
    q.sort_by(|a, b| a.0.cmp(b.0));
    let mut s = String::new();
    for line in [method, accept, content_md5, content_type, date] {
        s.push_str(line);
        s.push('\n');
    }
    for (name, value) in &headers {
        push_lower(&mut s, name);
        s.push(':');
        s.push_str(value);
        s.push('\n');
    }
    write_resource(&mut s, path, &q);
    s
}

/// `path` then `?` and the sorted `name=value` (or `name`) pairs joined by `&`, raw.
fn write_resource(buf: &mut String, path: &str, sorted: &[(&str, &str)]) {
    buf.push_str(path);
    for (i, (k, v)) in sorted.iter().enumerate() {
        buf.push(if i == 0 { '?' } else { '&' });
        buf.push_str(k);
        if !v.is_empty() {
            buf.push('=');
            buf.push_str(v);
        }
    }
}

/// `Base64(HMAC-SHA1(secret, string_to_sign))` (no `&` after the secret, unlike RPC).
///
/// ```
/// let secret = cloudsign::SecretKey::new("secret");
/// assert_eq!(cloudsign::alibaba::roa::signature(&secret, "stringtosign"), "OmuTAr79tpI6CRoAdmzKRq5lHs0=");
/// ```
pub fn signature(secret: &crate::SecretKey, string_to_sign: &str) -> String {
    let mut mac = hmac_sha1(secret.expose_secret().as_bytes());
    mac.update(string_to_sign.as_bytes());
    let mut s = String::with_capacity(28);
    base64_into(&mut s, &mac.finalize().into_bytes());
    s
}
