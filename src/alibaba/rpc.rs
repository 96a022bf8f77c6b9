//! Alibaba Cloud **RPC** signature: HMAC-SHA1, `SignatureVersion=1.0`, signature in the query.
//!
//! HMAC-SHA1 is a legacy algorithm; it is what RPC-style APIs accept. Prefer
//! [`acs3`](super::acs3) where the API supports it.
//!
//! ```text
//! CanonicalQuery = sorted params, percentEncode(name) "=" percentEncode(value) joined by '&'
//! StringToSign   = Method "&" percentEncode("/") "&" percentEncode(CanonicalQuery)
//! Signature      = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))
//! ```
//! Reference: Alibaba Cloud ECS API reference, *Request signatures* (RPC).

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::encoding::{
    base64_into, encode_once_and_twice, percent_encode_twice_into, AsciiWriter, Padded,
};
use crate::mac::hmac_sha1;
use crate::request::form_params;
use crate::signer::{OutputBuilder, Text};
use crate::text::check_setting;
use crate::{timefmt, CanonicalRequest, Credentials, Error, Signer, SigningContext, SigningOutput};

/// The value of `SignatureMethod`.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// The value of `SignatureVersion`.
pub const SIGNATURE_VERSION: &str = "1.0";

const SCHEME: &str = "Alibaba RPC HMAC-SHA1";

/// Names of the query parameters this scheme adds.
pub mod param {
    /// The API operation.
    pub const ACTION: &str = "Action";
    /// The response format.
    pub const FORMAT: &str = "Format";
    /// The API version.
    pub const VERSION: &str = "Version";
    /// The signing time, `yyyy-MM-ddTHH:mm:ssZ`.
    pub const TIMESTAMP: &str = "Timestamp";
    /// The nonce.
    pub const SIGNATURE_NONCE: &str = "SignatureNonce";
    /// The STS token.
    pub const SECURITY_TOKEN: &str = "SecurityToken";
    /// `HMAC-SHA1`.
    pub const SIGNATURE_METHOD: &str = "SignatureMethod";
    /// `1.0`.
    pub const SIGNATURE_VERSION: &str = "SignatureVersion";
    /// The access key id.
    pub const ACCESS_KEY_ID: &str = "AccessKeyId";
    /// The signature.
    pub const SIGNATURE: &str = "Signature";
}

const RESERVED: [&str; 10] = [
    param::ACTION,
    param::FORMAT,
    param::VERSION,
    param::TIMESTAMP,
    param::SIGNATURE_NONCE,
    param::SECURITY_TOKEN,
    param::SIGNATURE_METHOD,
    param::SIGNATURE_VERSION,
    param::ACCESS_KEY_ID,
    param::SIGNATURE,
];

/// True for the names of the parameters the signer adds. Most names differ from all of them
/// in their first byte.
fn is_reserved(name: &str) -> bool {
    matches!(
        name.as_bytes().first(),
        Some(b'A' | b'F' | b'S' | b'T' | b'V')
    ) && RESERVED.contains(&name)
}

/// The byte order of two names, decided by their first bytes where they differ (most
/// do) before calling `memcmp`.
#[inline]
fn name_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

/// Signs RPC-style requests (`GET` with every parameter in the query, or `POST` with the
/// API parameters in an `application/x-www-form-urlencoded` body, which is signed too).
///
/// The request's query holds the API parameters; the signer adds `Action`, `Format`,
/// `Version`, `Timestamp`, `SignatureNonce`, `SecurityToken` (with STS),
/// `SignatureMethod`, `SignatureVersion`, `AccessKeyId` and `Signature`. Send
/// [`SigningOutput::query_string`] as the query; the body is sent unchanged.
///
/// ```
/// use cloudsign::{alibaba::RpcSigner, CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let signer = RpcSigner::builder(Credentials::new("testid", "testsecret")?)
///     .action("DescribeRegions")
///     .version("2014-05-26")
///     .format("XML")
///     .build()?;
/// let req = CanonicalRequest::builder().host("ecs.aliyuncs.com").build()?;
/// let time = time::macros::datetime!(2016-02-23 12:46:24 UTC);
/// let out = signer.sign(&req, &SigningContext::new(time, "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"))?;
/// assert_eq!(out.signature(), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
/// assert!(out.query_string().ends_with("&Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D"));
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct RpcSigner {
    credentials: Credentials,
    action: Arc<str>,
    version: Arc<str>,
    format: Arc<str>,
    mac: Hmac<Sha1>,
    /// The parameters the signer adds, sorted by name.
    own: Vec<Own>,
}

/// One of the parameters the signer adds.
#[derive(Clone)]
struct Own {
    name: &'static str,
    kind: OwnKind,
}

#[derive(Clone)]
enum OwnKind {
    /// A value fixed by the settings, encoded when the signer is built.
    Fixed {
        /// `name%3D` and the value encoded twice, for the string to sign.
        sts: Padded,
        /// `name=` and the value encoded once, for the query.
        query: Padded,
        /// What [`SigningOutput::query_params`] lists when encoding changed the value;
        /// `None` lists the value as the query has it.
        listed: Option<Text>,
    },
    /// `SignatureNonce`, from the signing context.
    Nonce,
    /// `Timestamp`, from the signing context.
    Timestamp,
}

impl Own {
    fn fixed(name: &'static str, value: &str, listed: Text) -> Self {
        let mut query = AsciiWriter::new(Vec::new(), 0);
        query.bytes(name.as_bytes());
        query.array(b"=");
        let mut sts = AsciiWriter::new(Vec::new(), 0);
        sts.bytes(name.as_bytes());
        sts.array(b"%3D");
        encode_once_and_twice(&mut query, &mut sts, value);
        let plain = query.len() == name.len() + 1 + value.len();
        Own {
            name,
            kind: OwnKind::Fixed {
                sts: Padded::new(sts.as_bytes()),
                query: Padded::new(query.as_bytes()),
                listed: (!plain).then_some(listed),
            },
        }
    }

    /// The signer's parameters, sorted by name.
    fn all(
        credentials: &Credentials,
        action: &Arc<str>,
        version: &Arc<str>,
        format: &Arc<str>,
    ) -> Vec<Own> {
        let key_id = credentials.access_key_id_shared();
        let mut own = vec![
            Own::fixed(param::ACCESS_KEY_ID, key_id, Text::Shared(key_id.clone())),
            Own::fixed(param::ACTION, action, Text::Shared(action.clone())),
            Own::fixed(param::FORMAT, format, Text::Shared(format.clone())),
        ];
        if let Some(t) = credentials.security_token() {
            own.push(Own::fixed(
                param::SECURITY_TOKEN,
                t.expose_secret(),
                Text::Shared(t.shared()),
            ));
        }
        own.extend([
            Own::fixed(
                param::SIGNATURE_METHOD,
                SIGNATURE_METHOD,
                Text::Static(SIGNATURE_METHOD),
            ),
            Own {
                name: param::SIGNATURE_NONCE,
                kind: OwnKind::Nonce,
            },
            Own::fixed(
                param::SIGNATURE_VERSION,
                SIGNATURE_VERSION,
                Text::Static(SIGNATURE_VERSION),
            ),
            Own {
                name: param::TIMESTAMP,
                kind: OwnKind::Timestamp,
            },
            Own::fixed(param::VERSION, version, Text::Shared(version.clone())),
        ]);
        own
    }
}

/// One of the request's parameters.
struct Param<'a> {
    name: &'a str,
    value: &'a str,
    /// Sent in the query (false for form body parameters).
    in_query: bool,
}

impl fmt::Debug for RpcSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RpcSigner")
            .field("credentials", &self.credentials)
            .field("action", &&*self.action)
            .field("version", &&*self.version)
            .field("format", &&*self.format)
            .finish_non_exhaustive()
    }
}

/// Builds an [`RpcSigner`]; checks are deferred to [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct RpcSignerBuilder {
    credentials: Credentials,
    action: Option<String>,
    version: Option<String>,
    format: String,
}

impl RpcSigner {
    /// A builder; `action` and `version` are required, `format` defaults to `JSON`.
    pub fn builder(credentials: Credentials) -> RpcSignerBuilder {
        RpcSignerBuilder {
            credentials,
            action: None,
            version: None,
            format: "JSON".to_owned(),
        }
    }

    /// The same signer for another operation of the same API.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if `action` is empty or holds a control character.
    pub fn with_action(&self, action: &str) -> Result<Self, Error> {
        check_setting("action", action)?;
        let mut s = self.clone();
        s.action = Arc::from(action);
        s.own = Own::all(&s.credentials, &s.action, &s.version, &s.format);
        Ok(s)
    }
}

impl RpcSignerBuilder {
    /// The API operation, `Action` (required).
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    /// The API version, `Version` (required).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// The response format, `Format` (default `JSON`; the official SDKs send `json`).
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.format = format.into();
        self
    }

    /// Builds the signer.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if a setting is missing, empty or holds a control character.
    pub fn build(self) -> Result<RpcSigner, Error> {
        let action = self.action.unwrap_or_default();
        let version = self.version.unwrap_or_default();
        check_setting("action", &action)?;
        check_setting("version", &version)?;
        check_setting("format", &self.format)?;
        let mut key = String::with_capacity(self.credentials.secret().expose_secret().len() + 1);
        key.push_str(self.credentials.secret().expose_secret());
        key.push('&');
        let mac = hmac_sha1(key.as_bytes());
        let (action, version, format) = (
            Arc::from(action),
            Arc::from(version),
            Arc::from(self.format),
        );
        let own = Own::all(&self.credentials, &action, &version, &format);
        Ok(RpcSigner {
            credentials: self.credentials,
            action,
            version,
            format,
            mac,
            own,
        })
    }
}

impl Signer for RpcSigner {
    fn algorithm(&self) -> &'static str {
        SIGNATURE_METHOD
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
        let method = req.method();
        if method != "GET" && method != "POST" {
            return Err(Error::UnsupportedMethod {
                scheme: SCHEME,
                method: method.to_owned(),
            });
        }
        let form = form_params(req, SCHEME)?;
        let nonce = ctx.nonce();
        if !ctx.nonce_is_alphanumeric() && (nonce.is_empty() || nonce.chars().any(char::is_control))
        {
            return Err(Error::InvalidNonce {
                scheme: SCHEME,
                reason: "must be non-empty, without control characters",
            });
        }
        let timestamp = timefmt::iso8601(ctx.time(), SCHEME)?;

        // The request's parameters, sorted by name. Names are unique (checked next), so an
        // unstable sort gives the one order.
        let mut params: Vec<Param<'_>> = Vec::with_capacity(req.query().len() + form.len());
        let query = req.query().iter().map(|(k, v)| (k, v, true));
        for (name, value, in_query) in query.chain(form.iter().map(|(k, v)| (k, v, false))) {
            if is_reserved(name) {
                return Err(Error::ReservedName {
                    scheme: SCHEME,
                    name: name.clone(),
                });
            }
            params.push(Param {
                name,
                value,
                in_query,
            });
        }
        params.sort_unstable_by(|a, b| name_cmp(a.name, b.name));
        if let Some(w) = params.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(Error::DuplicateParameter {
                scheme: SCHEME,
                name: w[0].name.to_owned(),
            });
        }

        let (ts_once, ts_twice) = timestamp.percent_encoded();

        // Bounds of the output: escapes take 3 bytes once and 5 bytes twice.
        let own_len: usize = self
            .own
            .iter()
            .map(|o| match &o.kind {
                OwnKind::Fixed { sts, query, .. } => sts.len() + query.len() + 16,
                OwnKind::Nonce => 40 + 8 * nonce.len(),
                OwnKind::Timestamp => 64,
            })
            .sum();
        let param_len: usize = params
            .iter()
            .map(|p| 8 * (p.name.len() + p.value.len()) + 24)
            .sum();
        // The buffer holds the string to sign, the signature, the query, the encoded
        // signature and the timestamp: 256 bytes cover all but the first and the query.
        let bound = own_len + param_len;
        let capacity = method.len() + bound + 256;
        let mut out = OutputBuilder::new(capacity, 0, self.own.len() + 1);
        let mut sts = AsciiWriter::new(out.take_bytes(), capacity);
        let mut query = AsciiWriter::new(Vec::new(), bound);

        // One pass writes the string to sign (the canonical query encoded a second time)
        // and the query to send (without the form's parameters), merging the signer's
        // parameters (sorted) with the request's (sorted).
        sts.bytes(method.as_bytes());
        sts.array(b"&%2F&");
        let mut own_spans = [(0, 0); RESERVED.len()];
        let mut own_iter = self.own.iter().enumerate().peekable();
        let mut param_iter = params.iter().peekable();
        let mut first = true;
        loop {
            // No request parameter has the name of one of the signer's (checked above).
            let own_next = match (own_iter.peek(), param_iter.peek()) {
                (Some((_, o)), Some(p)) => name_cmp(o.name, p.name).is_lt(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if !first {
                sts.array(b"%26");
            }
            first = false;
            if own_next {
                let Some((i, o)) = own_iter.next() else { break };
                if query.len() > 0 {
                    query.array(b"&");
                }
                let start = query.len() + o.name.len() + 1;
                match &o.kind {
                    OwnKind::Fixed {
                        sts: s, query: q, ..
                    } => {
                        sts.padded(s);
                        query.padded(q);
                    }
                    OwnKind::Nonce => {
                        sts.array(b"SignatureNonce%3D");
                        query.array(b"SignatureNonce=");
                        encode_once_and_twice(&mut query, &mut sts, nonce);
                    }
                    OwnKind::Timestamp => {
                        sts.array(b"Timestamp%3D");
                        sts.array(ts_twice.as_bytes());
                        query.array(b"Timestamp=");
                        query.array(ts_once.as_bytes());
                    }
                }
                if let Some(span) = own_spans.get_mut(i) {
                    *span = (start, query.len());
                }
            } else {
                let Some(p) = param_iter.next() else { break };
                if p.in_query {
                    if query.len() > 0 {
                        query.array(b"&");
                    }
                    encode_once_and_twice(&mut query, &mut sts, p.name);
                    query.array(b"=");
                    sts.array(b"%3D");
                    encode_once_and_twice(&mut query, &mut sts, p.value);
                } else {
                    sts.encode(p.name, true);
                    sts.array(b"%3D");
                    sts.encode(p.value, true);
                }
            }
        }
        let sts_span = 0..sts.len();

        let mut mac = self.mac.clone();
        mac.update(sts.as_bytes());
        let sig_b64 = Base64Sha1::new(&mac.finalize().into_bytes().into());
        let at = sts.len();
        sts.array(&sig_b64.0);
        let sig = at..sts.len();

        // The query to send, then the signature.
        let base = sts.len();
        sts.bytes(query.as_bytes());
        sts.array(b"&Signature=");
        sts.encode(sig_b64.as_str(), false);
        let query_span = base..sts.len();
        let at = sts.len();
        sts.array(timestamp.as_bytes());
        let ts_span = at..sts.len();
        out.put_bytes(sts.into_bytes());
        out.set_string_to_sign(Text::Span(sts_span));
        out.set_signature(Text::Span(sig.clone()));
        out.set_query_string(Text::Span(query_span));

        // The added parameters, listed in the query's order. A value written unencoded is
        // a span of the query.
        for (o, (a, b)) in self.own.iter().zip(own_spans) {
            match &o.kind {
                OwnKind::Fixed {
                    listed: Some(t), ..
                } => out.query_param(o.name, t.clone()),
                OwnKind::Nonce if !ctx.nonce_is_alphanumeric() => {
                    out.query_param(o.name, Text::Shared(ctx.nonce_shared().clone()))
                }
                OwnKind::Timestamp => out.query_param(o.name, Text::Span(ts_span.clone())),
                _ => out.query_param(o.name, Text::Span(base + a..base + b)),
            }
        }
        out.query_param(param::SIGNATURE, Text::Span(sig));
        Ok(out.finish())
    }
}

/// Base64 of a 20-byte HMAC-SHA1, on the stack (28 characters).
struct Base64Sha1([u8; 28]);

impl Base64Sha1 {
    fn new(mac: &[u8; 20]) -> Self {
        use base64::Engine as _;
        let mut buf = [0u8; 28];
        // 20 bytes always encode to exactly 28 characters; the result is never short.
        let _ = base64::engine::general_purpose::STANDARD.encode_slice(mac, &mut buf);
        Base64Sha1(buf)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The string to sign for a complete parameter set (common parameters included), as the
/// official `get_rpcsignature` computes it.
///
/// ```
/// let sts = cloudsign::alibaba::rpc::string_to_sign("GET", &[("test", "ok"), ("a b", "*~")]);
/// assert_eq!(sts, "GET&%2F&a%2520b%3D%252A~%26test%3Dok");
/// ```
pub fn string_to_sign(method: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut s = String::new();
    s.push_str(method);
    s.push_str("&%2F&");
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            s.push_str("%26");
        }
        percent_encode_twice_into(&mut s, k);
        s.push_str("%3D");
        percent_encode_twice_into(&mut s, v);
    }
    s
}

/// `Base64(HMAC-SHA1(secret + "&", string_to_sign))`.
pub fn signature(secret: &crate::SecretKey, string_to_sign: &str) -> String {
    let mut key = secret.expose_secret().as_bytes().to_vec();
    key.push(b'&');
    let mut mac = hmac_sha1(&key);
    mac.update(string_to_sign.as_bytes());
    let mut s = String::new();
    base64_into(&mut s, &mac.finalize().into_bytes());
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::form_decode;

    fn decode(query: &str) -> Vec<(String, String)> {
        query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (form_decode(k).unwrap(), form_decode(v).unwrap())
            })
            .collect()
    }

    #[test]
    fn reserved_names_are_recognised() {
        for name in RESERVED {
            assert!(is_reserved(name), "{name}");
        }
        for name in [
            "",
            "A",
            "Actions",
            "action",
            "RegionId",
            "Signaturex",
            "Tag.1.Key",
        ] {
            assert!(!is_reserved(name), "{name}");
        }
    }

    /// The query to send and the listed parameters agree with each other and with the
    /// settings, whether values are written as they are or encoded, with a token, and
    /// with form parameters kept out of the query.
    #[test]
    fn query_string_and_parameters_agree() {
        for (action, nonce, token, form) in [
            ("DescribeRegions", "abc123", None, false),
            ("Describe Regions*", "a-b c/", Some("tok+en"), false),
            ("DescribeRegions", "abc123", Some("tok"), true),
            ("Describe/Regions", "n~1", None, true),
        ] {
            let mut creds = Credentials::new("id+1", "secret").unwrap();
            if let Some(t) = token {
                creds = creds.with_security_token(t).unwrap();
            }
            let signer = RpcSigner::builder(creds)
                .action(action)
                .version("2014-05-26")
                .build()
                .unwrap();
            let mut b = CanonicalRequest::builder()
                .host("ecs.aliyuncs.com")
                .query("Tag.1.Key", "a b")
                .query("PageSize", "50");
            if form {
                b = b
                    .method("POST")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(b"Zone=cn%2Dx&Name=a+b".to_vec());
            }
            let req = b.build().unwrap();
            let ctx = SigningContext::from_unix(1_700_000_000, nonce).unwrap();
            let out = signer.sign(&req, &ctx).unwrap();

            let mut want: Vec<(String, String)> = req
                .query()
                .iter()
                .cloned()
                .chain(
                    out.query_params()
                        .map(|(k, v)| (k.to_owned(), v.to_owned())),
                )
                .collect();
            want.sort();
            let mut got = decode(out.query_string());
            got.sort();
            assert_eq!(got, want, "{action} {nonce} {token:?} {form}");

            assert_eq!(out.query_param("Action"), Some(action));
            assert_eq!(out.query_param("SignatureNonce"), Some(nonce));
            assert_eq!(out.query_param("AccessKeyId"), Some("id+1"));
            assert_eq!(out.query_param("Timestamp"), Some("2023-11-14T22:13:20Z"));
            assert_eq!(out.query_param("SecurityToken"), token);
            assert_eq!(out.query_params().len(), 9 + usize::from(token.is_some()));
            // The form parameters are signed, not sent in the query.
            let sts = out.string_to_sign().unwrap();
            assert_eq!(sts.contains("Zone%3Dcn-x"), form, "{sts}");
            assert!(!out.query_string().contains("Zone"));
        }
    }
}
