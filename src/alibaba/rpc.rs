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
    base64_into, percent_encode_into, percent_encode_twice_into, RFC3986_UNRESERVED,
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
    /// Action, Format, Version, AccessKeyId: percent-encoded once and twice.
    encoded: [(String, String); 4],
}

fn encode_once_and_twice(s: &str) -> (String, String) {
    let mut once = String::new();
    percent_encode_into(&mut once, s, RFC3986_UNRESERVED);
    let mut twice = String::new();
    percent_encode_twice_into(&mut twice, s);
    (once, twice)
}

/// One parameter of the signed set.
struct Param<'a> {
    name: &'a str,
    value: &'a str,
    /// The name is one of the signer's own, made of unreserved characters only.
    plain_name: bool,
    /// The value encoded once and twice, when the signer knows it in advance.
    encoded: Option<(&'a str, &'a str)>,
    /// Sent in the query (false for form body parameters).
    in_query: bool,
}

impl<'a> Param<'a> {
    fn common(name: &'a str, value: &'a str, encoded: Option<(&'a str, &'a str)>) -> Self {
        Param {
            name,
            value,
            plain_name: true,
            encoded,
            in_query: true,
        }
    }

    fn write_once(&self, buf: &mut String) {
        if self.plain_name {
            buf.push_str(self.name);
        } else {
            percent_encode_into(buf, self.name, RFC3986_UNRESERVED);
        }
        buf.push('=');
        match self.encoded {
            Some((once, _)) => buf.push_str(once),
            None => percent_encode_into(buf, self.value, RFC3986_UNRESERVED),
        }
    }

    fn write_twice(&self, buf: &mut String) {
        if self.plain_name {
            buf.push_str(self.name);
        } else {
            percent_encode_twice_into(buf, self.name);
        }
        buf.push_str("%3D");
        match self.encoded {
            Some((_, twice)) => buf.push_str(twice),
            None => percent_encode_twice_into(buf, self.value),
        }
    }
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
        s.encoded[0] = encode_once_and_twice(action);
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
        let encoded = [
            encode_once_and_twice(&action),
            encode_once_and_twice(&self.format),
            encode_once_and_twice(&version),
            encode_once_and_twice(self.credentials.access_key_id()),
        ];
        Ok(RpcSigner {
            credentials: self.credentials,
            action: Arc::from(action),
            version: Arc::from(version),
            format: Arc::from(self.format),
            mac,
            encoded,
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
        if let Some((k, _)) = form.iter().find(|(k, _)| RESERVED.contains(&k.as_str())) {
            return Err(Error::ReservedName {
                scheme: SCHEME,
                name: k.clone(),
            });
        }
        let nonce = ctx.nonce();
        if !ctx.nonce_is_alphanumeric() && (nonce.is_empty() || nonce.chars().any(char::is_control))
        {
            return Err(Error::InvalidNonce {
                scheme: SCHEME,
                reason: "must be non-empty, without control characters",
            });
        }
        let timestamp = timefmt::iso8601(ctx.time(), SCHEME)?;
        let token = self.credentials.security_token();

        let [enc_action, enc_format, enc_version, enc_key_id] = self
            .encoded
            .each_ref()
            .map(|(once, twice)| (once.as_str(), twice.as_str()));
        // Known shapes need no encoding pass: a letters-and-digits nonce is unreserved,
        // and the timestamp's only reserved characters are its two colons.
        let nonce_enc = ctx.nonce_is_alphanumeric().then_some((nonce, nonce));
        let (ts_once, ts_twice) = timestamp.percent_encoded();
        let ts_enc = Some((ts_once.as_str(), ts_twice.as_str()));
        let mut params: Vec<Param<'_>> = Vec::with_capacity(req.query().len() + form.len() + 9);
        params.push(Param::common(param::ACTION, &self.action, Some(enc_action)));
        params.push(Param::common(param::FORMAT, &self.format, Some(enc_format)));
        params.push(Param::common(
            param::VERSION,
            &self.version,
            Some(enc_version),
        ));
        params.push(Param::common(param::TIMESTAMP, timestamp.as_str(), ts_enc));
        params.push(Param::common(param::SIGNATURE_NONCE, nonce, nonce_enc));
        if let Some(t) = token {
            params.push(Param::common(
                param::SECURITY_TOKEN,
                t.expose_secret(),
                None,
            ));
        }
        params.push(Param::common(
            param::SIGNATURE_METHOD,
            SIGNATURE_METHOD,
            Some((SIGNATURE_METHOD, SIGNATURE_METHOD)),
        ));
        params.push(Param::common(
            param::SIGNATURE_VERSION,
            SIGNATURE_VERSION,
            Some((SIGNATURE_VERSION, SIGNATURE_VERSION)),
        ));
        params.push(Param::common(
            param::ACCESS_KEY_ID,
            self.credentials.access_key_id(),
            Some(enc_key_id),
        ));
        for (k, v) in req.query() {
            if RESERVED.contains(&k.as_str()) {
                return Err(Error::ReservedName {
                    scheme: SCHEME,
                    name: k.clone(),
                });
            }
            params.push(Param {
                name: k,
                value: v,
                plain_name: false,
                encoded: None,
                in_query: true,
            });
        }
        params.extend(form.iter().map(|(k, v)| Param {
            name: k,
            value: v,
            plain_name: false,
            encoded: None,
            in_query: false,
        }));
        // Names are unique (checked next), so an unstable sort gives the one order. Most
        // names differ in their first byte: compare it before calling `memcmp`.
        params.sort_unstable_by(|a, b| {
            match (a.name.as_bytes().first(), b.name.as_bytes().first()) {
                (Some(x), Some(y)) if x != y => x.cmp(y),
                _ => a.name.cmp(b.name),
            }
        });
        if let Some(w) = params.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(Error::DuplicateParameter {
                scheme: SCHEME,
                name: w[0].name.to_owned(),
            });
        }

        let encoded_len: usize = params
            .iter()
            .map(|p| p.name.len() + 3 * p.value.len() + 2)
            .sum();
        let mut out = OutputBuilder::new(3 * encoded_len + 128, 0, 10);

        // String to sign: the canonical query, percent-encoded a second time.
        let start = out.pos();
        let b = out.buf();
        b.push_str(method);
        b.push_str("&%2F&");
        for (i, p) in params.iter().enumerate() {
            if i > 0 {
                b.push_str("%26");
            }
            p.write_twice(b);
        }
        let sts = start..out.pos();
        out.set_string_to_sign(Text::Span(sts.clone()));

        let mut mac = self.mac.clone();
        mac.update(out.str_of(&sts).as_bytes());
        let sig_b64 = Base64Sha1::new(&mac.finalize().into_bytes().into());
        let start = out.pos();
        out.buf().push_str(sig_b64.as_str());
        let sig = start..out.pos();
        out.set_signature(Text::Span(sig.clone()));

        // The query to send: everything but the form parameters, then the signature.
        let start = out.pos();
        let mut first = true;
        for p in params.iter().filter(|p| p.in_query) {
            if !first {
                out.buf().push('&');
            }
            first = false;
            p.write_once(out.buf());
        }
        out.buf().push_str("&Signature=");
        percent_encode_into(out.buf(), sig_b64.as_str(), RFC3986_UNRESERVED);
        out.set_query_string(out.since(start));

        let start = out.pos();
        out.buf().push_str(timestamp.as_str());
        let ts = out.since(start);
        out.query_param(param::ACTION, Text::Shared(self.action.clone()));
        out.query_param(param::FORMAT, Text::Shared(self.format.clone()));
        out.query_param(param::VERSION, Text::Shared(self.version.clone()));
        out.query_param(param::TIMESTAMP, ts);
        out.query_param(
            param::SIGNATURE_NONCE,
            Text::Shared(ctx.nonce_shared().clone()),
        );
        if let Some(t) = token {
            out.query_param(param::SECURITY_TOKEN, Text::Shared(t.shared()));
        }
        out.query_param(param::SIGNATURE_METHOD, Text::Static(SIGNATURE_METHOD));
        out.query_param(param::SIGNATURE_VERSION, Text::Static(SIGNATURE_VERSION));
        out.query_param(
            param::ACCESS_KEY_ID,
            Text::Shared(self.credentials.access_key_id_shared().clone()),
        );
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
