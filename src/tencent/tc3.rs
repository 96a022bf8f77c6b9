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
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::api::{optional, required, ApiBuilder};
use crate::encoding::{form_encode_into, hex_into, percent_encode_into, Hex64, RFC3986_UNRESERVED};
use crate::mac::{hmac_sha256, hmac_sha256_once};
use crate::signer::{OutputBuilder, Text};
use crate::text::{check_setting, push_lower, trim};
use crate::{
    timefmt, CanonicalRequest, Credentials, Error, Payload, SecretKey, Signer, SigningContext,
    SigningOutput,
};

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

/// Which headers go into the signature.
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
    signed_headers: SignedHeaders,
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

impl Tc3SignerBuilder {
    /// Which headers to sign (default [`SignedHeaders::ContentTypeHost`]).
    pub fn signed_headers(mut self, signed_headers: SignedHeaders) -> Self {
        self.signed_headers = signed_headers;
        self
    }

    /// How to write a GET query (default [`QueryEncoding::Rfc3986`]).
    pub fn query_encoding(mut self, query_encoding: QueryEncoding) -> Self {
        self.query_encoding = query_encoding;
        self
    }

    /// Whether to keep the derived signing key of the last UTC date (default `true`). It
    /// saves three of the four HMACs of a signature; the key is secret and never printed.
    pub fn cache_signing_key(mut self, cache: bool) -> Self {
        self.cache_signing_key = cache;
        self
    }

    /// Builds the signer.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if a setting is missing, empty, or cannot go into a header
    /// (the service also may not contain `/`).
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
        Ok(Tc3Signer {
            credentials: self.credentials,
            service: Arc::from(self.service),
            action,
            version,
            region,
            language,
            signed_headers: self.signed_headers,
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
        let method = req.method();
        let is_get = match method {
            "GET" => true,
            "POST" => false,
            _ => {
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
        for (name, _) in req.headers() {
            if ADDED.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                return Err(Error::reserved(SCHEME, name, req));
            }
        }
        let mut slot = None;
        let payload_hash = match req.payload() {
            Payload::Unsigned => UNSIGNED_PAYLOAD_SHA256,
            // Not `ok_or`: its unused error is dropped by a call on every signature.
            p => match p.sha256_hex_in(&mut slot) {
                Some(hash) => hash,
                None => return Err(Error::InvalidPayloadHash),
            },
        };
        let timestamp = timefmt::unix(ctx.time(), SCHEME)?;
        let timestamp = timestamp.as_str();
        let date = timefmt::date(ctx.time(), SCHEME)?;
        let date = date.as_str();
        // Both would be sent and only one signed: refuse rather than guess which the
        // server reads.
        if req
            .headers()
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .nth(1)
            .is_some()
        {
            return Err(Error::DuplicateHeader {
                scheme: SCHEME,
                name: header::CONTENT_TYPE.to_owned(),
            });
        }
        let (content_type, ct_added) = match req.header("content-type") {
            Some(ct) => (ct, false),
            None if is_get => ("application/x-www-form-urlencoded", true),
            None => ("application/json", true),
        };
        let doc_style = self.signed_headers == SignedHeaders::ContentTypeHostAction;
        let signed_headers = if doc_style {
            "content-type;host;x-tc-action"
        } else {
            "content-type;host"
        };

        let query_len: usize = req
            .query()
            .iter()
            .map(|(k, v)| 3 * (k.len() + v.len()) + 2)
            .sum();
        let mut out = OutputBuilder::new(
            640 + query_len + content_type.len() + req.host().len(),
            10,
            0,
        );

        // Canonical request.
        let b = out.buf();
        b.push_str(method);
        b.push('\n');
        b.push_str(req.path());
        b.push('\n');
        let q0 = b.len();
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
        let query = q0..b.len();
        b.push('\n');
        b.push_str("content-type:");
        if doc_style {
            push_lower(b, trim(content_type));
        } else {
            b.push_str(content_type);
        }
        b.push_str("\nhost:");
        if doc_style {
            push_lower(b, req.host());
        } else {
            b.push_str(req.host());
        }
        b.push('\n');
        if doc_style {
            b.push_str("x-tc-action:");
            push_lower(b, &self.action);
            b.push('\n');
        }
        b.push('\n');
        b.push_str(signed_headers);
        b.push('\n');
        b.push_str(payload_hash);
        let canonical = 0..out.pos();
        out.set_canonical_request(Text::Span(canonical.clone()));
        // Digests are read in place (see `Hex64::from_slice`).
        let digest = Sha256::digest(out.str_of(&canonical).as_bytes());

        // String to sign.
        let start = out.pos();
        let b = out.buf();
        b.push_str(ALGORITHM);
        b.push('\n');
        b.push_str(timestamp);
        b.push('\n');
        write_scope(b, date, &self.service);
        b.push('\n');
        hex_into(b, &digest);
        let sts = start..out.pos();
        out.set_string_to_sign(Text::Span(sts.clone()));

        let derive = || signing_key(self.credentials.secret(), date, &self.service);
        let mut mac = match &self.key_cache {
            Some(cache) => cache.get_or_derive(date, derive),
            None => hmac_sha256(&derive()),
        };
        mac.update(out.str_of(&sts).as_bytes());
        let sig = Hex64::from_slice(&mac.finalize().into_bytes());
        let start = out.pos();
        out.buf().push_str(sig.as_str());
        let sig = start..out.pos();
        out.set_signature(Text::Span(sig.clone()));

        let start = out.pos();
        let b = out.buf();
        b.push_str(ALGORITHM);
        b.push_str(" Credential=");
        b.push_str(self.credentials.access_key_id());
        b.push('/');
        write_scope(b, date, &self.service);
        b.push_str(", SignedHeaders=");
        b.push_str(signed_headers);
        b.push_str(", Signature=");
        let mut sig_text = [0u8; 64];
        sig_text.copy_from_slice(&b.as_bytes()[sig]);
        b.push_str(std::str::from_utf8(&sig_text).unwrap_or_default());
        let auth = out.since(start);
        let start = out.pos();
        out.buf().push_str(timestamp);
        let ts = out.since(start);

        out.set_query_string(Text::Span(query));
        if ct_added {
            out.header(
                header::CONTENT_TYPE,
                Text::Static(content_type_static(is_get)),
            );
        }
        out.header(header::X_TC_ACTION, Text::Shared(self.action.clone()));
        out.header(header::X_TC_TIMESTAMP, ts);
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
        out.header(header::AUTHORIZATION, auth);
        out.finish_for(req, SCHEME)
    }
}

fn content_type_static(is_get: bool) -> &'static str {
    if is_get {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    }
}

/// The credential scope: `date/service/tc3_request`.
fn write_scope(buf: &mut String, date: &str, service: &str) {
    buf.push_str(date);
    buf.push('/');
    buf.push_str(service);
    buf.push_str("/tc3_request");
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
}
