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

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};

use crate::encoding::{hex_into, percent_encode_into, Hex64, EMPTY_SHA256_HEX, RFC3986_UNRESERVED};
use crate::mac::hmac_sha256;
use crate::signer::{OutputBuilder, Text};
use crate::text::{check_setting, push_lower, sort_unique_headers, trim};
use crate::{
    timefmt, CanonicalRequest, Credentials, Error, Payload, Signer, SigningContext, SigningOutput,
};

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
/// those whose name contains `_` (gateways drop them; the official SDK skips them too).
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
    credentials: Credentials,
    project_id: Option<Arc<str>>,
    domain_id: Option<Arc<str>>,
    mac: Hmac<Sha256>,
}

impl fmt::Debug for SdkHmacSha256Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdkHmacSha256Signer")
            .field("credentials", &self.credentials)
            .field("project_id", &self.project_id.as_deref())
            .field("domain_id", &self.domain_id.as_deref())
            .finish_non_exhaustive()
    }
}

/// Builds an [`SdkHmacSha256Signer`]; checks are deferred to [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct SdkHmacSha256SignerBuilder {
    credentials: Credentials,
    project_id: Option<String>,
    domain_id: Option<String>,
}

impl SdkHmacSha256Signer {
    /// A builder; nothing but the credentials is required.
    pub fn builder(credentials: Credentials) -> SdkHmacSha256SignerBuilder {
        SdkHmacSha256SignerBuilder {
            credentials,
            project_id: None,
            domain_id: None,
        }
    }
}

impl SdkHmacSha256SignerBuilder {
    /// The project id, sent (and signed) as `X-Project-Id`, as the SDK's `BasicCredentials`
    /// do for regional services.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// The account (domain) id, sent (and signed) as `X-Domain-Id`, as the SDK's
    /// `GlobalCredentials` do for global services.
    pub fn domain_id(mut self, domain_id: impl Into<String>) -> Self {
        self.domain_id = Some(domain_id.into());
        self
    }

    /// Builds the signer.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if a project or domain id is empty or not a valid header
    /// value.
    pub fn build(self) -> Result<SdkHmacSha256Signer, Error> {
        if let Some(p) = &self.project_id {
            check_setting("project_id", p)?;
        }
        if let Some(d) = &self.domain_id {
            check_setting("domain_id", d)?;
        }
        let mac = hmac_sha256(self.credentials.secret().expose_secret().as_bytes());
        Ok(SdkHmacSha256Signer {
            credentials: self.credentials,
            project_id: self.project_id.map(Arc::from),
            domain_id: self.domain_id.map(Arc::from),
            mac,
        })
    }
}

impl Signer for SdkHmacSha256Signer {
    fn algorithm(&self) -> &'static str {
        ALGORITHM
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
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
        let date = timefmt::basic(ctx.time(), SCHEME)?;

        // The payload hash, as the official SDK chooses it.
        let own_content = req.header(header::X_SDK_CONTENT_SHA256).map(str::trim);
        let mut add_unsigned = false;
        let mut slot = None;
        let payload_hash: &str = match req.payload() {
            Payload::Unsigned => match own_content {
                Some(v) => v,
                None => {
                    add_unsigned = true;
                    UNSIGNED_PAYLOAD
                }
            },
            // An empty body (its hash is a constant, not computed) ignores the header.
            p => match (own_content, p.sha256_hex_in(&mut slot)) {
                (_, Some(h)) if h == EMPTY_SHA256_HEX => EMPTY_SHA256_HEX,
                (Some(v), _) => v,
                (None, Some(h)) => h,
                (None, None) => return Err(Error::InvalidPayloadHash),
            },
        };

        // Every header on the wire that is signed.
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(req.headers().len() + 6);
        headers.push(("host", req.host()));
        headers.extend(
            req.headers()
                .iter()
                .filter(|(n, _)| !n.contains('_'))
                .map(|(n, v)| (n.as_str(), trim(v))),
        );
        headers.push((header::X_SDK_DATE, date.as_str()));
        if add_unsigned {
            headers.push((header::X_SDK_CONTENT_SHA256, UNSIGNED_PAYLOAD));
        }
        if let Some(t) = token {
            headers.push((header::X_SECURITY_TOKEN, t.expose_secret()));
        }
        if let Some(p) = &self.project_id {
            headers.push((header::X_PROJECT_ID, p));
        }
        if let Some(d) = &self.domain_id {
            headers.push((header::X_DOMAIN_ID, d));
        }
        sort_unique_headers(&mut headers, SCHEME)?;

        let mut query = req.query_pairs();
        query.sort_unstable();

        let capacity = 400
            + 3 * req.path().len()
            + query
                .iter()
                .map(|(k, v)| 6 * (k.len() + v.len()) + 4)
                .sum::<usize>()
            + headers
                .iter()
                .map(|(k, v)| 2 * k.len() + v.len() + 3)
                .sum::<usize>();
        let mut out = OutputBuilder::new(capacity, 6, 0);

        let b = out.buf();
        b.push_str(req.method());
        b.push('\n');
        write_canonical_uri(b, req.path());
        b.push('\n');
        let q0 = b.len();
        write_query(b, &query);
        let query_range = q0..b.len();
        b.push('\n');
        for (name, value) in &headers {
            push_lower(b, name);
            b.push(':');
            b.push_str(value);
            b.push('\n');
        }
        b.push('\n');
        let s0 = b.len();
        for (i, (name, _)) in headers.iter().enumerate() {
            if i > 0 {
                b.push(';');
            }
            push_lower(b, name);
        }
        let signed = s0..b.len();
        b.push('\n');
        b.push_str(payload_hash);
        let canonical = 0..out.pos();
        out.set_canonical_request(Text::Span(canonical.clone()));
        let digest: [u8; 32] = Sha256::digest(out.str_of(&canonical).as_bytes()).into();

        let start = out.pos();
        let b = out.buf();
        b.push_str(ALGORITHM);
        b.push('\n');
        b.push_str(date.as_str());
        b.push('\n');
        hex_into(b, &digest);
        let sts = start..out.pos();
        out.set_string_to_sign(Text::Span(sts.clone()));

        let mut mac = self.mac.clone();
        mac.update(out.str_of(&sts).as_bytes());
        let sig = Hex64::from_slice(&mac.finalize().into_bytes());
        let start = out.pos();
        out.buf().push_str(sig.as_str());
        out.set_signature(out.since(start));

        let start = out.pos();
        let b = out.buf();
        b.push_str(ALGORITHM);
        b.push_str(" Access=");
        b.push_str(self.credentials.access_key_id());
        b.push_str(", SignedHeaders=");
        b.extend_from_within(signed);
        b.push_str(", Signature=");
        b.push_str(sig.as_str());
        let auth = out.since(start);
        out.set_query_string(Text::Span(query_range));

        let start = out.pos();
        out.buf().push_str(date.as_str());
        out.header(header::X_SDK_DATE, out.since(start));
        if add_unsigned {
            out.header(header::X_SDK_CONTENT_SHA256, Text::Static(UNSIGNED_PAYLOAD));
        }
        if let Some(t) = token {
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

/// The path decoded, split on `/`, each segment RFC 3986-encoded, ending in `/`. A decoded
/// `%2F` becomes a separator, as in the official SDK.
fn write_canonical_uri(buf: &mut String, path: &str) {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    for (i, segment) in decoded.split('/').enumerate() {
        if i > 0 {
            buf.push('/');
        }
        percent_encode_into(buf, segment, RFC3986_UNRESERVED);
    }
    if !buf.ends_with('/') {
        buf.push('/');
    }
}

/// Sorted `name=value` pairs, both RFC 3986-encoded, joined by `&`.
fn write_query(buf: &mut String, sorted: &[(&str, &str)]) {
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            buf.push('&');
        }
        percent_encode_into(buf, k, RFC3986_UNRESERVED);
        buf.push('=');
        percent_encode_into(buf, v, RFC3986_UNRESERVED);
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
    write_canonical_uri(&mut s, path);
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
