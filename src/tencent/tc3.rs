//! Tencent Cloud **TC3-HMAC-SHA256** (API 3.0, signature v3).
//!
//! ```text
//! CanonicalRequest = Method \n / \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n hex(SHA256(body))
//! StringToSign     = "TC3-HMAC-SHA256\n" Timestamp "\n" Date "/" service "/tc3_request\n" hex(SHA256(CanonicalRequest))
//! SigningKey       = HMAC(HMAC(HMAC("TC3" + SecretKey, Date), service), "tc3_request")
//! Signature        = hex(HMAC-SHA256(SigningKey, StringToSign))
//! ```
//! `Date` is the UTC date of the timestamp. Reference: Tencent Cloud API 3.0, *Signature v3*.

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::api::{optional, required, ApiBuilder};
use crate::encoding::{form_encode_into, hex_into, percent_encode_into, Hex64, RFC3986_UNRESERVED};
use crate::mac::{hmac_sha256, hmac_sha256_once};
use crate::signer::{OutputBuilder, Text};
use crate::text::{check_setting, trim, HeaderList, Selection};
use crate::{
    timefmt, CanonicalRequest, Credentials, Error, Payload, SecretKey, Signer, SigningContext,
    SigningOutput, Stages,
};

mod reference;

/// The algorithm name.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// The `X-TC-Content-SHA256` value for an unsigned body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The lowercase-hex SHA-256 of [`UNSIGNED_PAYLOAD`], which the canonical request carries
/// for an unsigned body.
const UNSIGNED_PAYLOAD_SHA256: &str =
    "438d4109ef0d676b8c2c7ed13cdfcb418e494d53b843d4634ce3b1085f07bb96";

/// Names of the headers this scheme uses.
pub mod header {
    /// The API operation.
    pub const X_TC_ACTION: &str = "X-TC-Action";
    /// Unix seconds.
    pub const X_TC_TIMESTAMP: &str = "X-TC-Timestamp";
    /// The API version.
    pub const X_TC_VERSION: &str = "X-TC-Version";
    /// The region, where the API needs one.
    pub const X_TC_REGION: &str = "X-TC-Region";
    /// The session token of temporary credentials.
    pub const X_TC_TOKEN: &str = "X-TC-Token";
    /// The response language (`zh-CN`, `en-US`).
    pub const X_TC_LANGUAGE: &str = "X-TC-Language";
    /// `UNSIGNED-PAYLOAD` when the body is not signed.
    pub const X_TC_CONTENT_SHA256: &str = "X-TC-Content-SHA256";
    /// Added when the request has none: `application/x-www-form-urlencoded` for GET,
    /// `application/json` for POST.
    pub const CONTENT_TYPE: &str = "Content-Type";
    /// The signature header.
    pub const AUTHORIZATION: &str = "Authorization";
}

const SCHEME: &str = ALGORITHM;

/// Which headers go into the signature. To sign exactly a list of names instead, see
/// [`Tc3SignerBuilder::signed_header_names`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedHeaders {
    /// `content-type;host`, values as sent: what every official SDK signs and the first and
    /// English editions of the signature document show.
    #[default]
    ContentTypeHost,
    /// `content-type;host;x-tc-action`, values lower-cased and trimmed as the current
    /// Chinese document (and its Go and PHP samples) do: binds the action to the signature.
    ContentTypeHostAction,
}

/// How a GET query is written (it is signed exactly as sent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryEncoding {
    /// RFC 3986 (space `%20`, `*` `%2A`), in the request's order: what the document asks.
    #[default]
    Rfc3986,
    /// `application/x-www-form-urlencoded` (space `+`), in the request's order: what the
    /// Python SDK sends (`urlencode`).
    FormUrlencoded,
}

/// Signs with TC3-HMAC-SHA256.
///
/// It adds `X-TC-Action`, `X-TC-Timestamp`, `X-TC-Version`, `X-TC-Region` (if set),
/// `X-TC-Token` (with a session token), `X-TC-Language` (if set), `X-TC-Content-SHA256`
/// (for an unsigned payload), `Content-Type` (if the request has none) and `Authorization`.
/// GET requests carry their parameters in [`SigningOutput::query_string`] and no body; POST
/// requests carry a body and no query.
///
/// ```
/// use cloudsign::{tencent::Tc3Signer, CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let creds = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
/// let signer = Tc3Signer::builder(creds, "cvm")
///     .action("DescribeInstances")
///     .version("2017-03-12")
///     .region("ap-guangzhou")
///     .build()?;
/// let req = CanonicalRequest::builder()
///     .method("POST")
///     .host("cvm.tencentcloudapi.com")
///     .header("Content-Type", "application/json; charset=utf-8")
///     .body(r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#)
///     .build()?;
/// let out = signer.sign(&req, &SigningContext::from_unix(1_551_113_065, "")?)?;
/// assert_eq!(out.signature(), "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct Tc3Signer {
    credentials: Credentials,
    service: Arc<str>,
    action: Arc<str>,
    version: Arc<str>,
    region: Option<Arc<str>>,
    language: Option<Arc<str>>,
    signed_headers: Selection<SignedHeaders>,
    query_encoding: QueryEncoding,
    key_cache: Option<Arc<KeyCache>>,
}

/// The HMAC keyed with the last derived signing key, and its UTC date. The secret and the
/// service are fixed for a signer (and its `with_action` copies, which share the cache), so
/// the date is the whole cache key: a new date derives a new key.
///
/// The keyed state (the inner and outer pads already compressed) is kept rather than the key
/// bytes, so a cached signature costs two SHA-256 blocks less than keying the MAC again.
#[derive(Default)]
struct KeyCache(Mutex<Option<([u8; 10], Hmac<Sha256>)>>);

impl KeyCache {
    fn get_or_derive(&self, date: &str, derive: impl FnOnce() -> [u8; 32]) -> Hmac<Sha256> {
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match &*slot {
            Some((d, mac)) if d.as_slice() == date.as_bytes() => mac.clone(),
            _ => {
                let mac = hmac_sha256(&derive());
                if let Ok(d) = <[u8; 10]>::try_from(date.as_bytes()) {
                    *slot = Some((d, mac.clone()));
                }
                mac
            }
        }
    }
}

impl fmt::Debug for Tc3Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tc3Signer")
            .field("credentials", &self.credentials)
            .field("service", &&*self.service)
            .field("action", &&*self.action)
            .field("version", &&*self.version)
            .field("region", &self.region.as_deref())
            .field("language", &self.language.as_deref())
            .field("signed_headers", &self.signed_headers)
            .field("query_encoding", &self.query_encoding)
            .field("cache_signing_key", &self.key_cache.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Tc3Signer`]; checks are deferred to [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct Tc3SignerBuilder {
    credentials: Credentials,
    api: ApiBuilder,
    service: String,
    signed_headers: SignedHeaders,
    signed_header_names: Option<Vec<String>>,
    query_encoding: QueryEncoding,
    cache_signing_key: bool,
}

impl Tc3Signer {
    /// A builder for `service` (the product, e.g. `cvm` for `cvm.tencentcloudapi.com`);
    /// `action` and `version` are required.
    pub fn builder(credentials: Credentials, service: impl Into<String>) -> Tc3SignerBuilder {
        Tc3SignerBuilder {
            credentials,
            api: ApiBuilder::default(),
            service: service.into(),
            signed_headers: SignedHeaders::default(),
            signed_header_names: None,
            query_encoding: QueryEncoding::default(),
            cache_signing_key: true,
        }
    }
}

crate::api::api_setters!(Tc3SignerBuilder {
    /// The API operation, `X-TC-Action` (required).
    action,
    /// The API version, `X-TC-Version` (required).
    version,
    /// The region, `X-TC-Region` (some APIs need none).
    region,
    /// The response language, `X-TC-Language`.
    language,
});

crate::api::setters!(Tc3SignerBuilder {
    /// How to write a GET query (default [`QueryEncoding::Rfc3986`]).
    query_encoding: QueryEncoding;
    /// Whether to keep the derived signing key of the last UTC date (default `true`). It
    /// saves three of the four HMACs of a signature; the key is secret and never printed.
    cache_signing_key: bool;
});

impl Tc3SignerBuilder {
    /// Which headers to sign (default [`SignedHeaders::ContentTypeHost`]). It replaces a
    /// list given to [`signed_header_names`](Self::signed_header_names) before it.
    pub fn signed_headers(mut self, signed_headers: SignedHeaders) -> Self {
        self.signed_headers = signed_headers;
        self.signed_header_names = None;
        self
    }

    /// Signs exactly the headers named (in any letter case), in place of a
    /// [`SignedHeaders`] preset: `content-type` and `host` always (the document makes both
    /// mandatory; the signer adds a `Content-Type` when the request has none), and each
    /// header named, which the request must carry or the signer add (`x-tc-action`,
    /// `x-tc-timestamp`, `x-tc-version`; `x-tc-region`, `x-tc-token`, `x-tc-language` and
    /// `x-tc-content-sha256` when it sends them). Values are trimmed and lower-cased, as
    /// the document says and as its Go and PHP samples and the teco SDK sign them; the
    /// official SDKs' `content-type;host` with values as sent is
    /// [`SignedHeaders::ContentTypeHost`]. It replaces a preset given to
    /// [`signed_headers`](Self::signed_headers) before it.
    ///
    /// [`build`](Self::build) refuses a name that is not an HTTP token
    /// ([`Error::InvalidHeaderName`]) and `Authorization` ([`Error::InvalidSetting`]);
    /// [`sign`](Signer::sign) refuses a request without a header named
    /// ([`Error::MissingSignedHeader`]) or with two of one
    /// ([`Error::DuplicateHeader`]).
    ///
    /// ```
    /// use cloudsign::tencent::{tc3, Tc3Signer};
    /// use cloudsign::{CanonicalRequest, Credentials, Error, Signer, SigningContext};
    ///
    /// let creds = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")?;
    /// let builder = Tc3Signer::builder(creds, "cvm").action("DescribeInstances").version("2017-03-12");
    /// let req = CanonicalRequest::builder()
    ///     .method("POST")
    ///     .host("cvm.tencentcloudapi.com")
    ///     .header("Content-Type", "application/json; charset=utf-8")
    ///     .body(r#"{"Limit": 1}"#)
    ///     .build()?;
    /// let ctx = SigningContext::from_unix(1_551_113_065, "")?;
    /// // The document's samples, written as a list.
    /// let listed = builder.clone().signed_header_names(["X-TC-Action"]).build()?;
    /// let preset = builder.signed_headers(tc3::SignedHeaders::ContentTypeHostAction).build()?;
    /// assert_eq!(listed.sign(&req, &ctx)?.signature(), preset.sign(&req, &ctx)?.signature());
    /// let out = listed.sign(&req, &ctx)?;
    /// assert!(out.canonical_request().unwrap_or_default().contains("\nx-tc-action:describeinstances\n"));
    /// # Ok::<(), Error>(())
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
    /// [`Error::InvalidSetting`] if a setting is missing, empty, or cannot go into a header
    /// (the service also may not contain `/`), or if `signed_header_names` holds
    /// `Authorization`; [`Error::InvalidHeaderName`] if it holds a name that is not an HTTP
    /// token.
    pub fn build(self) -> Result<Tc3Signer, Error> {
        check_setting("service", &self.service)?;
        if self.service.contains('/') || self.service.contains(',') {
            return Err(Error::InvalidSetting {
                field: "service",
                reason: "must not contain '/' or ','",
            });
        }
        let action = required("action", self.api.action)?;
        let version = required("version", self.api.version)?;
        let region = optional("region", self.api.region.filter(|r| !r.is_empty()))?;
        let language = optional("language", self.api.language)?;
        let signed_headers = Selection::build(
            self.signed_headers,
            self.signed_header_names,
            &["content-type", "host"],
        )?;
        Ok(Tc3Signer {
            credentials: self.credentials,
            service: Arc::from(self.service),
            action,
            version,
            region,
            language,
            signed_headers,
            query_encoding: self.query_encoding,
            key_cache: self.cache_signing_key.then(Arc::default),
        })
    }
}

const ADDED: [&str; 8] = [
    header::X_TC_ACTION,
    header::X_TC_TIMESTAMP,
    header::X_TC_VERSION,
    header::X_TC_REGION,
    header::X_TC_TOKEN,
    header::X_TC_LANGUAGE,
    header::X_TC_CONTENT_SHA256,
    header::AUTHORIZATION,
];

crate::api::api_settings!(Tc3Signer, |_s| {});

impl Signer for Tc3Signer {
    fn algorithm(&self) -> &'static str {
        ALGORITHM
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
        // A request that names another action or version signs as a copy with its own.
        if let Some(signer) = crate::api::for_request(self, req) {
            return signer.sign(req, ctx);
        }
        let mut slot = None;
        let input = self.collect(req, ctx, &mut slot)?;
        let (out, layout) = self.write(req, &input);
        let signature = self.mac(input.date.as_str(), out.str_of(&layout.string_to_sign));
        self.finish(req, &input, out, layout, &signature)
    }

    fn sign_reference(
        &self,
        req: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Option<Result<Stages, Error>> {
        Some(reference::sign(self, req, ctx))
    }
}

/// What one signature signs, checked and borrowed from the request: the result of
/// [`Tc3Signer::collect`].
struct Input<'a> {
    is_get: bool,
    /// The `Content-Type` as sent, the request's or the default one.
    content_type: &'a str,
    /// True when `content_type` is the default, which the output adds.
    content_type_added: bool,
    /// The hex SHA-256 of the body, a given one, or that of `UNSIGNED-PAYLOAD`.
    payload_hash: &'a str,
    timestamp: crate::bytes::ShortAscii<20>,
    date: crate::bytes::Ascii<10>,
    /// With `signed_header_names`: the canonical header lines, values trimmed and
    /// lower-cased.
    listed: Option<String>,
}

/// Where [`Tc3Signer::write`] put each stage in the output's buffer.
struct Layout {
    query: Range<usize>,
    canonical_request: Range<usize>,
    string_to_sign: Range<usize>,
    /// The Authorization value up to its signature, which [`Tc3Signer::finish`] appends.
    authorization: usize,
    /// The length counted for all of them.
    len: usize,
}

impl Tc3Signer {
    /// Every input error of a signature, in this order: a method other than GET and POST,
    /// a GET body, a POST query, a header this signer writes, a time it cannot write, two
    /// `Content-Type` headers (both would be sent and only one signed).
    ///
    /// The builder of [`CanonicalRequest`] already refused invalid header values (and
    /// trimmed their spaces and tabs) and payload hashes that are not 64 lower-case hex
    /// digits, a host that is not ASCII, and a path that is not percent-encoded: none of
    /// that is checked again.
    #[inline(always)]
    fn collect<'a>(
        &self,
        req: &'a CanonicalRequest,
        ctx: &SigningContext,
        slot: &'a mut Option<Hex64>,
    ) -> Result<Input<'a>, Error> {
        let is_get = match req.method() {
            "GET" => true,
            "POST" => false,
            method => {
                return Err(Error::UnsupportedMethod {
                    scheme: SCHEME,
                    method: method.to_owned(),
                })
            }
        };
        if is_get && !req.has_empty_body() && req.payload() != &Payload::Unsigned {
            return Err(Error::UnsupportedBody {
                scheme: SCHEME,
                reason: "a GET request carries its parameters in the query and has no body",
            });
        }
        if !is_get && !req.query().is_empty() {
            return Err(Error::UnsupportedQuery {
                scheme: SCHEME,
                reason:
                    "a POST request signs an empty query string; put the parameters in the body",
            });
        }
        let (mut content_type, mut repeated) = (None, false);
        for (name, value) in req.headers() {
            if ADDED.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                return Err(Error::reserved(SCHEME, name, req));
            }
            if name.eq_ignore_ascii_case(header::CONTENT_TYPE) {
                repeated |= content_type.replace(value.as_str()).is_some();
            }
        }
        let timestamp = timefmt::unix(ctx.time(), SCHEME)?;
        let date = timefmt::date(ctx.time(), SCHEME)?;
        if repeated {
            return Err(Error::DuplicateHeader {
                scheme: SCHEME,
                name: header::CONTENT_TYPE.to_owned(),
            });
        }
        let content_type_added = content_type.is_none();
        let content_type = content_type.unwrap_or(default_content_type(is_get));
        let listed = match &self.signed_headers {
            Selection::Preset(_) => None,
            Selection::Names(list) => {
                Some(self.listed_lines(list, req, content_type, timestamp.as_str())?)
            }
        };
        Ok(Input {
            is_get,
            content_type_added,
            content_type,
            // `None` only for an unsigned payload.
            payload_hash: (req.payload().sha256_hex_in(slot)).unwrap_or(UNSIGNED_PAYLOAD_SHA256),
            timestamp,
            date,
            listed,
        })
    }

    /// `name:value\n` for each name of `list`, the value trimmed and lower-cased (names
    /// are): the signer's own, or the request's only header of that name.
    ///
    /// # Errors
    /// [`Error::MissingSignedHeader`] for a name neither sent by the signer nor in the
    /// request, [`Error::DuplicateHeader`] for one twice in the request.
    fn listed_lines(
        &self,
        list: &HeaderList,
        req: &CanonicalRequest,
        content_type: &str,
        timestamp: &str,
    ) -> Result<String, Error> {
        let token = self.credentials.security_token().map(|t| t.expose_secret());
        let unsigned = req.payload() == &Payload::Unsigned;
        let own = [
            ("content-type", Some(content_type)),
            ("host", Some(req.host())),
            (header::X_TC_ACTION, Some(&*self.action)),
            (header::X_TC_TIMESTAMP, Some(timestamp)),
            (header::X_TC_VERSION, Some(&*self.version)),
            (header::X_TC_REGION, self.region.as_deref()),
            (header::X_TC_TOKEN, token),
            (header::X_TC_LANGUAGE, self.language.as_deref()),
            (
                header::X_TC_CONTENT_SHA256,
                unsigned.then_some(UNSIGNED_PAYLOAD),
            ),
        ];
        let mut lines = String::new();
        for name in list.names() {
            let value = match own.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                Some((_, value)) => *value,
                None => only_header(req, name)?,
            };
            let Some(value) = value else {
                return Err(Error::MissingSignedHeader {
                    scheme: SCHEME,
                    name: name.to_owned(),
                });
            };
            lines.push_str(name);
            lines.push(':');
            lines.push_str(trim(value));
            lines.push('\n');
        }
        lines.make_ascii_lowercase();
        Ok(lines)
    }

    /// The canonical request, the string to sign and the Authorization value up to its
    /// signature, one after the other in one buffer, as lists of parts: each list gives
    /// both the length counted (exact but for the query, where a byte may take the three
    /// of an escape) and what is written.
    #[inline(always)]
    fn write(&self, req: &CanonicalRequest, input: &Input<'_>) -> (OutputBuilder, Layout) {
        let (signed_headers, doc_style) = self.signed_headers();
        let (timestamp, date) = (input.timestamp.as_str(), input.date.as_str());
        let (service, key_id) = (&*self.service, self.credentials.access_key_id());
        // The canonical request: its method and path, query, headers and the rest.
        let head = [req.method(), "\n", req.path(), "\n"];
        let query_len: usize = (req.query().iter())
            .map(|(k, v)| 3 * (k.len() + v.len()) + "=&".len())
            .sum();
        // The document's style lower-cases (in place, below) and trims the values; the
        // SDKs sign them as sent. (A value's spaces and tabs are trimmed already; `trim`
        // takes the Unicode white space that may be left, as the document's samples do.)
        let content_type = match doc_style {
            true => trim(input.content_type),
            false => input.content_type,
        };
        let headers = match &input.listed {
            None => ["\ncontent-type:", content_type, "\nhost:", req.host(), "\n"],
            Some(lines) => ["\n", lines, "", "", ""], // written in `collect`
        };
        let action = match doc_style {
            true => ["x-tc-action:", &self.action, "\n"],
            false => ["", "", ""],
        };
        let tail = ["\n", signed_headers, "\n", input.payload_hash];
        // The string to sign and the Authorization value, each but its last 64 hex digits.
        #[rustfmt::skip]
        let sts = [ALGORITHM, "\n", timestamp, "\n", date, "/", service, "/tc3_request\n"];
        #[rustfmt::skip]
        let auth = [ALGORITHM, " Credential=", key_id, "/", date, "/", service, "/tc3_request",
            ", SignedHeaders=", signed_headers, ", Signature="];
        let canonical_len = len_of(&head) + len_of(&headers) + len_of(&action) + len_of(&tail);
        let len = canonical_len + query_len + len_of(&sts) + 64 + len_of(&auth) + 64;

        let mut out = OutputBuilder::new(len, 9, 0);
        let b = out.buf();
        put(b, head);
        let query = self.write_query(b, req);
        let lower = b.len();
        put(b, headers);
        put(b, action);
        if doc_style {
            if let Some(headers) = b.get_mut(lower..) {
                headers.make_ascii_lowercase();
            }
        }
        put(b, tail);
        let canonical_request = 0..b.len();
        // Digests are read in place (see `Hex64::from_slice`).
        let digest = Sha256::digest(b.as_bytes());
        put(b, sts);
        hex_into(b, &digest);
        let string_to_sign = canonical_request.end..b.len();
        let authorization = b.len();
        put(b, auth);
        let layout = Layout {
            query,
            canonical_request,
            string_to_sign,
            authorization,
            len,
        };
        (out, layout)
    }

    /// The query, as it is sent and signed; where it is in `b`.
    #[inline(always)]
    fn write_query(&self, b: &mut String, req: &CanonicalRequest) -> Range<usize> {
        let start = b.len();
        for (i, (k, v)) in req.query().iter().enumerate() {
            if i > 0 {
                b.push('&');
            }
            match self.query_encoding {
                QueryEncoding::Rfc3986 => {
                    percent_encode_into(b, k, RFC3986_UNRESERVED);
                    b.push('=');
                    percent_encode_into(b, v, RFC3986_UNRESERVED);
                }
                QueryEncoding::FormUrlencoded => {
                    form_encode_into(b, k);
                    b.push('=');
                    form_encode_into(b, v);
                }
            }
        }
        start..b.len()
    }

    /// The signature: HMAC-SHA256 of the string to sign with the date's signing key, taken
    /// from the cache when the signer keeps one.
    #[inline(always)]
    fn mac(&self, date: &str, string_to_sign: &str) -> Hex64 {
        let derive = || signing_key(self.credentials.secret(), date, &self.service);
        let mut mac = match &self.key_cache {
            Some(cache) => cache.get_or_derive(date, derive),
            None => hmac_sha256(&derive()),
        };
        mac.update(string_to_sign.as_bytes());
        Hex64::from_slice(&mac.finalize().into_bytes())
    }

    /// The signature appended to the Authorization value, and the output around the
    /// stages. `X-TC-Timestamp` is read from the string to sign, the signature from the
    /// end of the Authorization value.
    #[inline(always)]
    fn finish(
        &self,
        req: &CanonicalRequest,
        input: &Input<'_>,
        mut out: OutputBuilder,
        layout: Layout,
        signature: &Hex64,
    ) -> Result<SigningOutput, Error> {
        out.buf().push_str(signature.as_str());
        let end = out.pos();
        debug_assert!(end <= layout.len, "the stages outgrew their counted length");
        let timestamp = layout.string_to_sign.start + ALGORITHM.len() + 1;
        let timestamp = timestamp..timestamp + input.timestamp.as_str().len();
        out.set_canonical_request(Text::Span(layout.canonical_request));
        out.set_string_to_sign(Text::Span(layout.string_to_sign));
        out.set_signature(Text::Span(end - signature.as_str().len()..end));
        out.set_query_string(Text::Span(layout.query));
        if input.content_type_added {
            let content_type = default_content_type(input.is_get);
            out.header(header::CONTENT_TYPE, Text::Static(content_type));
        }
        out.header(header::X_TC_ACTION, Text::Shared(self.action.clone()));
        out.header(header::X_TC_TIMESTAMP, Text::Span(timestamp));
        out.header(header::X_TC_VERSION, Text::Shared(self.version.clone()));
        if let Some(r) = &self.region {
            out.header(header::X_TC_REGION, Text::Shared(r.clone()));
        }
        if let Some(t) = self.credentials.security_token() {
            out.header(header::X_TC_TOKEN, Text::Shared(t.shared()));
        }
        if let Some(l) = &self.language {
            out.header(header::X_TC_LANGUAGE, Text::Shared(l.clone()));
        }
        if req.payload() == &Payload::Unsigned {
            out.header(header::X_TC_CONTENT_SHA256, Text::Static(UNSIGNED_PAYLOAD));
        }
        out.header(header::AUTHORIZATION, out.since(layout.authorization));
        out.finish_for(req, SCHEME)
    }

    /// The signed header names, and whether they are the document's preset (with
    /// `x-tc-action`, values lower-cased in place).
    #[inline(always)]
    fn signed_headers(&self) -> (&str, bool) {
        match &self.signed_headers {
            Selection::Preset(SignedHeaders::ContentTypeHost) => ("content-type;host", false),
            Selection::Preset(SignedHeaders::ContentTypeHostAction) => {
                ("content-type;host;x-tc-action", true)
            }
            Selection::Names(list) => (list.joined(), false),
        }
    }
}

/// The value of the request's only header named `name` (any letter case), if it has one.
///
/// # Errors
/// [`Error::DuplicateHeader`] if it has two.
fn only_header<'a>(req: &'a CanonicalRequest, name: &str) -> Result<Option<&'a str>, Error> {
    let mut values = (req.headers().iter())
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str());
    match (values.next(), values.next()) {
        (first, None) => Ok(first),
        (Some(_), Some(_)) | (None, Some(_)) => Err(Error::DuplicateHeader {
            scheme: SCHEME,
            name: name.to_owned(),
        }),
    }
}

/// The `Content-Type` of a request that has none.
#[inline(always)]
fn default_content_type(is_get: bool) -> &'static str {
    match is_get {
        true => "application/x-www-form-urlencoded",
        false => "application/json",
    }
}

/// Appends the parts of a layout.
#[inline(always)]
fn put<const N: usize>(b: &mut String, parts: [&str; N]) {
    for part in parts {
        b.push_str(part);
    }
}

/// The length of the parts of a layout.
#[inline(always)]
fn len_of<const N: usize>(parts: &[&str; N]) -> usize {
    parts.iter().map(|part| part.len()).sum()
}

/// The derived signing key:
/// `HMAC(HMAC(HMAC("TC3" + secret, date), service), "tc3_request")`.
///
/// It is a secret; `date` is `yyyy-MM-dd` (UTC).
///
/// ```
/// use cloudsign::{tencent::tc3, SecretKey};
///
/// let key = tc3::signing_key(&SecretKey::new("Gu5t9xGARNpq86cd98joQYCN3*******"), "2019-02-25", "cvm");
/// assert_eq!(hex::encode(key), "8aa8ab5755582f576e94bcfe383b8e29325b0ca90c3590d569221c6a63a091ed");
/// ```
pub fn signing_key(secret: &SecretKey, date: &str, service: &str) -> [u8; 32] {
    // "TC3" + secret is one key; assembled on the stack when it fits a SHA-256 block.
    let secret = secret.expose_secret().as_bytes();
    let k_date = if secret.len() + 3 <= 64 {
        let mut key = [0u8; 64];
        key[..3].copy_from_slice(b"TC3");
        key[3..3 + secret.len()].copy_from_slice(secret);
        hmac_sha256_once(&key[..3 + secret.len()], date.as_bytes())
    } else {
        let mut key = Vec::with_capacity(secret.len() + 3);
        key.extend_from_slice(b"TC3");
        key.extend_from_slice(secret);
        hmac_sha256_once(&key, date.as_bytes())
    };
    let k_service = hmac_sha256_once(&k_date, service.as_bytes());
    hmac_sha256_once(&k_service, b"tc3_request")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unsigned_payload_hash_is_its_sha256() {
        let hash = crate::encoding::sha256_hex(UNSIGNED_PAYLOAD.as_bytes());
        assert_eq!(UNSIGNED_PAYLOAD_SHA256, hash.as_str());
    }

    /// Requests whose texts are empty, long, repeated, escaped, not ASCII, or end in
    /// Unicode white space; then requests the scheme refuses.
    fn requests() -> Vec<CanonicalRequest> {
        let nasty = [
            "",
            "a",
            "a b*~/%20+",
            "é中\u{a0}",
            "x ",
            &"long".repeat(300),
        ];
        let mut requests = Vec::new();
        for (i, v) in nasty.iter().enumerate() {
            let query = [(nasty[(i + 1) % nasty.len()], *v), (*v, *v), ("k", "")];
            let get = CanonicalRequest::builder()
                .host("CVM.TencentCloudAPI.com:8443")
                .path(if i % 2 == 0 { "/" } else { "/a%20b/c" })
                .queries(query.iter().copied());
            let post = CanonicalRequest::builder()
                .method("POST")
                .host("cvm.tencentcloudapi.com")
                .body(v.as_bytes().to_vec());
            let typed =
                (post.clone()).header("Content-Type", format!("Application/JSON; {v}\u{a0}"));
            let renamed = post
                .clone()
                .action("RunInstances")
                .api_version("2020-01-01");
            requests.extend([
                get.clone(),
                get.unsigned_payload(),
                post,
                typed.clone(),
                typed.payload_sha256_hex("ab".repeat(32)),
                renamed,
            ]);
        }
        let host = || CanonicalRequest::builder().host("cvm.tencentcloudapi.com");
        requests.extend([
            host().method("PUT"),
            host().body("x"),
            host().method("POST").query("a", "b"),
            host().header("x-tc-timestamp", "1"),
            host()
                .header("content-type", "a")
                .header("Content-Type", "b"),
        ]);
        requests.into_iter().map(|r| r.build().unwrap()).collect()
    }

    /// Signers with every setting.
    fn signers() -> Vec<Tc3Signer> {
        let creds = Credentials::new("AKIDEXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE").unwrap();
        let long = Credentials::new("AKID", "s".repeat(100)).unwrap();
        let token = creds.clone().with_security_token("token+/=").unwrap();
        let mut signers = Vec::new();
        for (n, creds) in [creds, long, token].into_iter().enumerate() {
            for cache in [false, true] {
                for signed in [
                    SignedHeaders::ContentTypeHost,
                    SignedHeaders::ContentTypeHostAction,
                ] {
                    for query in [QueryEncoding::Rfc3986, QueryEncoding::FormUrlencoded] {
                        let mut b = Tc3Signer::builder(creds.clone(), "cvm")
                            .action("DescribeInstances")
                            .version("2017-03-12")
                            .signed_headers(signed)
                            .query_encoding(query)
                            .cache_signing_key(cache);
                        if n > 0 {
                            b = b.region("ap-guangzhou").language("en-US");
                        }
                        signers.push(b.build().unwrap());
                    }
                }
            }
        }
        signers
    }

    /// The fast path is its reference, byte for byte, with every setting and request
    /// above (and its buffer is never grown past the length it counted: a debug
    /// assertion).
    #[test]
    fn the_fast_path_is_its_reference() {
        let requests = requests();
        for signer in signers() {
            for (i, req) in requests.iter().enumerate() {
                for secs in [-1, 0, 1_551_113_065, 253_402_300_799] {
                    let ctx = SigningContext::from_unix(secs, "").unwrap();
                    let fast = signer.sign(req, &ctx).map(|out| Stages::of(&out));
                    let plain = reference::sign(&signer, req, &ctx);
                    let case = format!("{signer:?} request {i} at {secs}");
                    match (fast, plain) {
                        (Ok(fast), Ok(plain)) => {
                            assert_eq!(fast.first_difference(&plain), None, "{case}");
                        }
                        (Err(fast), Err(plain)) => {
                            assert_eq!(fast.to_string(), plain.to_string(), "{case}");
                        }
                        (fast, plain) => panic!("{case}: {:?} {:?}", fast.err(), plain.err()),
                    }
                }
            }
        }
    }
}
