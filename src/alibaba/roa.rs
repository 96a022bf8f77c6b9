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
use std::ops::Range;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use sha1::Sha1;

use crate::api::{optional, required, ApiBuilder};
use crate::bytes::{base64_to_slice, Ascii, Sink};
use crate::encoding::base64_into;
use crate::mac::hmac_sha1;
use crate::signer::{OutputBuilder, Text};
use crate::text::{check_setting, cmp_ignore_ascii_case, push_lower, sort_unique_headers};
use crate::timefmt;
use crate::{
    CanonicalRequest, Credentials, Error, Payload, Signer, SigningContext, SigningOutput, Stages,
};

mod reference;

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

crate::api::setters!(RoaSignerBuilder {
    /// The `Accept` header added when the request has none (default `application/json`).
    accept: text;
    /// Add `Content-MD5` (Base64 of the body's MD5) when the request has none, so that the
    /// body is covered by the signature (default off, like the official SDKs). Needs the
    /// body bytes.
    content_md5: bool;
    /// Refuse query parameters whose string to sign is ambiguous: `&` in a name or value,
    /// `=` in a name (default off: the official SDKs sign them as they are).
    reject_ambiguous_query: bool;
    /// Which header names the string to sign reads (default [`HeaderNames::AnyCase`]).
    header_names: HeaderNames;
});

impl RoaSignerBuilder {
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
        let inputs = self.collect(req, ctx)?;
        let (mut out, sts) = self.write(req, &inputs);
        let sig = self.mac(&mut out, sts);
        self.finish(out, req, ctx, &inputs, sig)
    }

    fn sign_reference(
        &self,
        req: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Option<Result<Stages, Error>> {
        Some(reference::sign(self, req, ctx))
    }
}

/// The checked inputs of one signature, borrowed from the signer, the request and the
/// context, and sorted as the string to sign lists them.
struct Inputs<'a> {
    accept: &'a str,
    content_type: &'a str,
    /// The request's own `Content-MD5`.
    content_md5: Option<&'a str>,
    /// The `Content-MD5` this signer adds.
    added_md5: Option<String>,
    date: Ascii<29>,
    /// Every `x-acs-*` header signed (the signer's own among them), sorted by name.
    signed: Vec<(&'a str, &'a str)>,
    /// The query, sorted by name.
    query: Vec<(&'a str, &'a str)>,
}

impl RoaSigner {
    /// Every input error of a signature, in this order: a reserved or repeated header, a
    /// `Content-MD5` without body bytes, the nonce, the time, a repeated `x-acs-*` header
    /// or parameter, an ambiguous query (when refused).
    fn collect<'a>(
        &'a self,
        req: &'a CanonicalRequest,
        ctx: &'a SigningContext,
    ) -> Result<Inputs<'a>, Error> {
        let mut signed = Vec::with_capacity(req.headers().len() + 7);
        let [accept, content_type, content_md5] = self.read_headers(req, &mut signed)?;
        let added_md5 = self.added_md5(content_md5, req)?;
        let nonce = ctx.nonce();
        if !ctx.nonce_is_alphanumeric() && !crate::request::is_wire_text(nonce) {
            return Err(Error::InvalidNonce {
                scheme: SCHEME,
                reason: "must be non-empty visible ASCII, spaces only inside",
            });
        }
        let date = timefmt::imf_fixdate(ctx.time(), SCHEME)?;
        // The signer's own, in sorted order: sorted already when the request has no
        // `x-acs-*` header of its own (the usual case, where the sort is skipped).
        let theirs = signed.len();
        let token = self.credentials.security_token();
        let id = self.credentials.access_key_id();
        let action = self.action.as_deref();
        signed.extend(token.map(|_| (header::X_ACS_ACCESSKEY_ID, id)));
        signed.extend(action.map(|a| (header::X_ACS_ACTION, a)));
        signed.extend(token.map(|t| (header::X_ACS_SECURITY_TOKEN, t.expose_secret())));
        signed.extend([
            (header::X_ACS_SIGNATURE_METHOD, SIGNATURE_METHOD),
            (header::X_ACS_SIGNATURE_NONCE, nonce),
            (header::X_ACS_SIGNATURE_VERSION, SIGNATURE_VERSION),
            (header::X_ACS_VERSION, &self.version),
        ]);
        if theirs > 0 {
            sort_unique_headers(&mut signed, SCHEME)?;
        }
        Ok(Inputs {
            accept: accept.unwrap_or(&self.accept),
            content_type: content_type.unwrap_or(""),
            content_md5,
            added_md5,
            date,
            signed,
            query: self.sorted_query(req)?,
        })
    }

    /// The request's `Accept`, `Content-Type` and `Content-MD5` (each at most once), and its
    /// `x-acs-*` headers into `signed`; refuses the headers this signer sets.
    #[inline]
    fn read_headers<'a>(
        &self,
        req: &'a CanonicalRequest,
        signed: &mut Vec<(&'a str, &'a str)>,
    ) -> Result<[Option<&'a str>; 3], Error> {
        let names = self.header_names;
        let mut lines = [None; 3];
        for (name, value) in req.headers() {
            if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
                return Err(Error::reserved(SCHEME, name, req));
            }
            let Some(i) = ["accept", "content-type", "content-md5"]
                .iter()
                .position(|line| names.is(name, line))
            else {
                if names.is_x_acs(name) {
                    signed.push((name.as_str(), value.as_str()));
                }
                continue;
            };
            if lines[i].replace(value.as_str()).is_some() {
                return Err(Error::DuplicateHeader {
                    scheme: SCHEME,
                    name: name.clone(),
                });
            }
        }
        Ok(lines)
    }

    /// Base64 of the body's MD5, when this signer adds `Content-MD5`.
    fn added_md5(
        &self,
        given: Option<&str>,
        req: &CanonicalRequest,
    ) -> Result<Option<String>, Error> {
        match (given, self.content_md5, req.payload()) {
            (None, true, Payload::Bytes(b)) => Ok(Some(
                content_md5(b).iter().copied().map(char::from).collect(),
            )),
            (None, true, _) => Err(Error::UnsupportedBody {
                scheme: SCHEME,
                reason: "Content-MD5 is computed from the body: give the body bytes",
            }),
            // The gateway checks it against the body it receives.
            (Some(given), _, Payload::Bytes(b)) => match given.as_bytes() == content_md5(b) {
                true => Ok(None),
                false => Err(Error::UnsupportedBody {
                    scheme: SCHEME,
                    reason: "Content-MD5 is not the Base64 MD5 of the body",
                }),
            },
            _ => Ok(None),
        }
    }

    /// The query sorted by name; refuses a repeated name, and an ambiguous pair when set to.
    fn sorted_query<'a>(
        &self,
        req: &'a CanonicalRequest,
    ) -> Result<Vec<(&'a str, &'a str)>, Error> {
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
        Ok(query)
    }

    /// The output buffer, exactly its size, with the string to sign written.
    ///
    /// The buffer holds, in order: the string to sign, the signature, the Authorization
    /// value, the query string, the `Date` and the added `Content-MD5`.
    #[inline]
    fn write(&self, req: &CanonicalRequest, inputs: &Inputs<'_>) -> (OutputBuilder, Range<usize>) {
        let mut len = 0;
        self.string_to_sign(&mut len, req, inputs);
        len += SIGNATURE_LEN;
        len += AUTH_PREFIX.len() + self.credentials.access_key_id().len() + 1 + SIGNATURE_LEN;
        query_string(&mut len, req);
        len += inputs.date.as_bytes().len();
        len += inputs.added_md5.as_ref().map_or(0, String::len);

        let mut out = OutputBuilder::new(len, 11, 0);
        self.string_to_sign(out.buf(), req, inputs);
        let sts = 0..out.pos();
        out.set_string_to_sign(Text::Span(sts.clone()));
        (out, sts)
    }

    /// The string to sign, written into a buffer or counted (one layout for both):
    ///
    /// ```text
    /// Method \n Accept \n Content-MD5 \n Content-Type \n Date \n
    /// x-acs-name:value \n ...   (sorted)
    /// Path [? name[=value] & ...]   (sorted, raw)
    /// ```
    #[inline]
    fn string_to_sign<S: Sink>(&self, s: &mut S, req: &CanonicalRequest, inputs: &Inputs<'_>) {
        let md5 = inputs.content_md5.or(inputs.added_md5.as_deref());
        for line in [
            req.method(),
            inputs.accept,
            md5.unwrap_or(""),
            inputs.content_type,
            inputs.date.as_str(),
        ] {
            s.put(line);
            s.put("\n");
        }
        for (name, value) in &inputs.signed {
            match self.header_names {
                HeaderNames::LowercaseOnly => s.put(name),
                HeaderNames::AnyCase => s.put_lower(name),
            }
            s.put(":");
            s.put(value);
            s.put("\n");
        }
        write_resource(s, req.path(), &inputs.query);
    }

    /// `Base64(HMAC-SHA1(secret, string to sign))`, appended; its place in the buffer.
    #[inline]
    fn mac(&self, out: &mut OutputBuilder, sts: Range<usize>) -> Range<usize> {
        let mut mac = self.mac.clone();
        mac.update(out.str_of(&sts).as_bytes());
        let start = out.pos();
        base64_into(out.buf(), &mac.finalize().into_bytes());
        let sig = start..out.pos();
        out.set_signature(Text::Span(sig.clone()));
        sig
    }

    /// The Authorization value, the query string to send and the headers to add.
    fn finish(
        &self,
        mut out: OutputBuilder,
        req: &CanonicalRequest,
        ctx: &SigningContext,
        inputs: &Inputs<'_>,
        sig: Range<usize>,
    ) -> Result<SigningOutput, Error> {
        let start = out.pos();
        out.buf().push_str(AUTH_PREFIX);
        out.buf().push_str(self.credentials.access_key_id());
        out.buf().push(':');
        out.buf().extend_from_within(sig);
        let auth = out.since(start);

        let start = out.pos();
        query_string(out.buf(), req);
        out.set_query_string(out.since(start));

        let start = out.pos();
        out.buf().push_str(inputs.date.as_str());
        out.header(header::DATE, out.since(start));
        if accept_added(req) {
            out.header(header::ACCEPT, Text::Shared(self.accept.clone()));
        }
        if let Some(m) = &inputs.added_md5 {
            let start = out.pos();
            out.buf().push_str(m);
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
        if let Some(t) = self.credentials.security_token() {
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

/// `acs ` before `AccessKeyId:Signature`.
const AUTH_PREFIX: &str = "acs ";
/// The Base64 of a 20-byte HMAC-SHA1.
const SIGNATURE_LEN: usize = 28;

/// The query to send: request order, RFC 3986-encoded, written or counted.
#[inline]
fn query_string<S: Sink>(s: &mut S, req: &CanonicalRequest) {
    for (i, (k, v)) in req.query().iter().enumerate() {
        if i > 0 {
            s.put("&");
        }
        s.put_encoded(k);
        s.put("=");
        s.put_encoded(v);
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
#[inline]
fn write_resource<S: Sink>(s: &mut S, path: &str, sorted: &[(&str, &str)]) {
    s.put(path);
    for (i, (k, v)) in sorted.iter().enumerate() {
        s.put(if i == 0 { "?" } else { "&" });
        s.put(k);
        if !v.is_empty() {
            s.put("=");
            s.put(v);
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

/// `Content-MD5` of `body`: the Base64 of its MD5, 24 characters (what the signer adds and
/// the gateway, like `RoaVerifier`, checks).
pub(crate) fn content_md5(body: &[u8]) -> [u8; 24] {
    let mut b64 = [0u8; 24];
    // 16 bytes always fill the 24 characters.
    let _ = base64_to_slice(&Md5::digest(body), &mut b64);
    b64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings the conformance corpus and the wire property do not vary (Content-MD5,
    /// the strict query, both header-name modes, a token, a request's own action and
    /// version): the fast path equals its reference stage for stage, and its buffer is
    /// exactly the length its layout counts.
    #[test]
    fn every_setting_matches_the_reference() {
        let creds = Credentials::new("LTAI5tExample", "secret").unwrap();
        let with_token = creds.clone().with_security_token("STS.tok3n").unwrap();
        let ctx = SigningContext::from_unix(1_700_000_000, "n0nce-1").unwrap();
        let reqs = [
            CanonicalRequest::builder()
                .host("cs.aliyuncs.com")
                .build()
                .unwrap(),
            CanonicalRequest::builder()
                .method("POST")
                .host("cs.aliyuncs.com")
                .path("/clusters/c%20d")
                .query("name", "my cluster ü*")
                .query("empty", "")
                .query("A", "1")
                .header("X-Acs-Meta-B", " b ")
                .header("x-acs-meta-a", "a")
                .header("Content-Type", "application/json")
                .header("accept", "text/xml")
                .action("Other")
                .api_version("2024-01-01")
                .body(r#"{"k":"v"}"#)
                .build()
                .unwrap(),
        ];
        for creds in [creds, with_token] {
            for names in [HeaderNames::AnyCase, HeaderNames::LowercaseOnly] {
                for (md5, strict) in [(false, false), (true, false), (true, true)] {
                    let signer = RoaSigner::builder(creds.clone())
                        .action("DescribeClusters")
                        .version("2015-12-15")
                        .header_names(names)
                        .content_md5(md5)
                        .reject_ambiguous_query(strict)
                        .build()
                        .unwrap();
                    for req in &reqs {
                        let out = signer.sign(req, &ctx).unwrap();
                        let reference = signer.sign_reference(req, &ctx).unwrap().unwrap();
                        let fast = Stages::of(&out);
                        assert_eq!(fast.first_difference(&reference), None, "{names:?} {md5}");
                        assert_eq!(fast, reference);
                        assert_eq!(out.spare_capacity(), 0, "{names:?} {md5}");
                    }
                }
            }
        }
    }
}
