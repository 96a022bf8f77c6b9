//! Tencent Cloud **signature V1** (`HmacSHA1` / `HmacSHA256`): every parameter, the
//! signature included, in the query (`GET`) or in a form body (`POST`).
//!
//! HMAC-SHA1 is a legacy algorithm and V1 leaves the headers unsigned; prefer
//! [`tc3`](super::tc3) where the API supports it.
//!
//! ```text
//! StringToSign = Method + Host + Path + "?" + sorted "name=value" joined by "&"
//!                (names with "_" written ".", values raw: not encoded)
//! Signature    = Base64(HMAC-SHA1 or HMAC-SHA256(SecretKey, StringToSign))
//! ```
//! Reference: Tencent Cloud API, *Signature method* (signature V1), and
//! `tencentcloud-sdk-python-common` (`_build_req_with_old_signature`).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use hmac::Mac;
use sha2::{Digest, Sha256};

use crate::api::{optional, required, ApiBuilder};
use crate::encoding::form_encode_into;
use crate::mac::{hmac_sha1, hmac_sha256};
use crate::request::form_params;
use crate::signer::{OutputBuilder, Text};
use crate::{timefmt, CanonicalRequest, Credentials, Error, Signer, SigningContext, SigningOutput};

const SCHEME: &str = "Tencent signature V1";

/// The MAC, and whether `SignatureMethod` is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// HMAC-SHA256, `SignatureMethod=HmacSHA256` (sent and signed).
    #[default]
    HmacSha256,
    /// HMAC-SHA1, `SignatureMethod=HmacSHA1` (sent and signed, as the official SDKs do).
    HmacSha1,
    /// HMAC-SHA1 without a `SignatureMethod` parameter: the server's default, as in the
    /// document's oldest examples.
    HmacSha1Implicit,
}

impl SignatureMethod {
    /// The value of `SignatureMethod`, or `None` when it is not sent.
    pub fn param_value(self) -> Option<&'static str> {
        match self {
            SignatureMethod::HmacSha256 => Some("HmacSHA256"),
            SignatureMethod::HmacSha1 => Some("HmacSHA1"),
            SignatureMethod::HmacSha1Implicit => None,
        }
    }
}

/// Names of the parameters this scheme adds.
pub mod param {
    /// The API operation.
    pub const ACTION: &str = "Action";
    /// An identifier of the calling client (optional).
    pub const REQUEST_CLIENT: &str = "RequestClient";
    /// A random positive integer.
    pub const NONCE: &str = "Nonce";
    /// Unix seconds.
    pub const TIMESTAMP: &str = "Timestamp";
    /// The API version.
    pub const VERSION: &str = "Version";
    /// The region (optional).
    pub const REGION: &str = "Region";
    /// The STS token.
    pub const TOKEN: &str = "Token";
    /// The SecretId.
    pub const SECRET_ID: &str = "SecretId";
    /// `HmacSHA1` or `HmacSHA256`.
    pub const SIGNATURE_METHOD: &str = "SignatureMethod";
    /// The response language (optional).
    pub const LANGUAGE: &str = "Language";
    /// The signature.
    pub const SIGNATURE: &str = "Signature";
}

/// Signs with Tencent Cloud signature V1.
///
/// `Action` is signed as given: the official SDKs upper-case its first letter first.
///
/// The API parameters come from the query of a `GET` request, or from the
/// `application/x-www-form-urlencoded` body of a `POST` request. The signer adds `Action`,
/// `RequestClient` (when set), `Nonce`, `Timestamp`, `Version`, `Region` (when set), `Token`
/// (with a security token), `SecretId`, `SignatureMethod` (unless
/// [`SignatureMethod::HmacSha1Implicit`]), `Language` (when set) and `Signature`.
///
/// For `GET`, send [`SigningOutput::query_string`] as the query. For `POST`, send
/// [`SigningOutput::body`] as the body (with the `Content-Type` header of
/// [`SigningOutput::headers`]) and no query.
///
/// `Nonce` is the context's nonce when it is 1 to 19 decimal digits; any other nonce (such
/// as the 32 hex digits of [`SigningContext::now`]) is turned into a decimal integer below
/// 2^63, deterministically: the first 8 bytes of its SHA-256, top bit cleared.
///
/// ```
/// use cloudsign::tencent::{v1, V1Signer};
/// use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
///
/// // The example of the API 3.0 signature V1 document (its keys are masked with '*').
/// let creds = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", "Gu5t9xGARNpq86cd98joQYCN3*******")?;
/// let signer = V1Signer::builder(creds)
///     .action("DescribeInstances")
///     .version("2017-03-12")
///     .region("ap-guangzhou")
///     .signature_method(v1::SignatureMethod::HmacSha1Implicit)
///     .build()?;
/// let req = CanonicalRequest::builder()
///     .host("cvm.tencentcloudapi.com")
///     .query("InstanceIds.0", "ins-09dx96dg")
///     .query("Limit", "20")
///     .query("Offset", "0")
///     .build()?;
/// let out = signer.sign(&req, &SigningContext::from_unix(1_465_185_768, "11886")?)?;
/// assert_eq!(out.signature(), "zmmjn35mikh6pM3V7sUEuX4wyYM=");
/// assert!(out.query_string().ends_with("&Signature=zmmjn35mikh6pM3V7sUEuX4wyYM%3D"));
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct V1Signer {
    credentials: Credentials,
    action: Arc<str>,
    version: Option<Arc<str>>,
    region: Option<Arc<str>>,
    language: Option<Arc<str>>,
    request_client: Option<Arc<str>>,
    method: SignatureMethod,
}

impl fmt::Debug for V1Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V1Signer")
            .field("credentials", &self.credentials)
            .field("action", &&*self.action)
            .field("version", &self.version.as_deref())
            .field("region", &self.region.as_deref())
            .field("language", &self.language.as_deref())
            .field("request_client", &self.request_client.as_deref())
            .field("signature_method", &self.method)
            .finish()
    }
}

/// Builds a [`V1Signer`]; checks are deferred to [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct V1SignerBuilder {
    credentials: Credentials,
    api: ApiBuilder,
    request_client: Option<String>,
    method: SignatureMethod,
}

impl V1Signer {
    /// A builder; `action` is required, and `version` is for API 3.0 (the legacy API 2.0
    /// endpoints `*.api.qcloud.com/v2/index.php` take none).
    pub fn builder(credentials: Credentials) -> V1SignerBuilder {
        V1SignerBuilder {
            credentials,
            api: ApiBuilder::default(),
            request_client: None,
            method: SignatureMethod::default(),
        }
    }
}

crate::api::api_setters!(V1SignerBuilder {
    /// The API operation, `Action` (required; sent as given).
    action,
    /// The API version, `Version` (every API 3.0 operation needs it).
    version,
    /// The region, `Region` (optional; some APIs need none).
    region,
    /// The response language, `Language` (optional; `zh-CN` or `en-US`).
    language,
});

impl V1SignerBuilder {
    /// A client identifier, `RequestClient` (optional; the official SDKs send theirs, e.g.
    /// `SDK_PYTHON_3.1.195`).
    pub fn request_client(mut self, request_client: impl Into<String>) -> Self {
        self.request_client = Some(request_client.into());
        self
    }

    /// The MAC (default [`SignatureMethod::HmacSha256`]).
    pub fn signature_method(mut self, method: SignatureMethod) -> Self {
        self.method = method;
        self
    }

    /// Builds the signer.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if `action` is missing, or a setting is empty or holds a
    /// control character.
    pub fn build(self) -> Result<V1Signer, Error> {
        Ok(V1Signer {
            credentials: self.credentials,
            action: required("action", self.api.action)?,
            version: optional("version", self.api.version)?,
            region: optional("region", self.api.region)?,
            language: optional("language", self.api.language)?,
            request_client: optional("request_client", self.request_client)?,
            method: self.method,
        })
    }
}

/// The decimal `Nonce`: the context nonce if it is 1 to 19 digits, else derived from it.
fn nonce_digits(nonce: &str) -> NonceText {
    if (1..=19).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_digit()) {
        return NonceText::Given;
    }
    let digest = Sha256::digest(nonce.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let n = (u64::from_be_bytes(first) >> 1).max(1);
    NonceText::Derived(n.to_string())
}

enum NonceText {
    Given,
    Derived(String),
}

crate::api::api_settings!(V1Signer, |_s| {});

impl Signer for V1Signer {
    fn algorithm(&self) -> &'static str {
        match self.method {
            SignatureMethod::HmacSha256 => "HmacSHA256",
            SignatureMethod::HmacSha1 | SignatureMethod::HmacSha1Implicit => "HmacSHA1",
        }
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
        // A request that names another action or version signs as a copy with its own.
        if let Some(signer) = crate::api::for_request(self, req) {
            return signer.sign(req, ctx);
        }
        let method = req.method();
        let post = match method {
            "GET" => false,
            "POST" => true,
            _ => {
                return Err(Error::UnsupportedMethod {
                    scheme: SCHEME,
                    method: method.to_owned(),
                })
            }
        };
        if post && !req.query().is_empty() {
            return Err(Error::UnsupportedQuery {
                scheme: SCHEME,
                reason: "a POST request carries its parameters in the form body, not the query",
            });
        }
        let form = form_params(req, SCHEME)?;
        let user: Vec<(&str, &str)> = if post {
            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
        } else {
            req.query_pairs()
        };
        let timestamp = timefmt::unix(ctx.time(), SCHEME)?;
        let derived = nonce_digits(ctx.nonce());
        let nonce = match &derived {
            NonceText::Given => ctx.nonce(),
            NonceText::Derived(s) => s.as_str(),
        };
        let token = self.credentials.security_token();

        // The signer's parameters, in the order the official SDK sends them.
        let mut added: Vec<(&'static str, &str)> = Vec::with_capacity(10);
        added.push((param::ACTION, &self.action));
        if let Some(c) = &self.request_client {
            added.push((param::REQUEST_CLIENT, c));
        }
        added.push((param::NONCE, nonce));
        added.push((param::TIMESTAMP, timestamp.as_str()));
        if let Some(v) = &self.version {
            added.push((param::VERSION, v));
        }
        if let Some(r) = &self.region {
            added.push((param::REGION, r));
        }
        if let Some(t) = token {
            added.push((param::TOKEN, t.expose_secret()));
        }
        added.push((param::SECRET_ID, self.credentials.access_key_id()));
        if let Some(m) = self.method.param_value() {
            added.push((param::SIGNATURE_METHOD, m));
        }
        if let Some(l) = &self.language {
            added.push((param::LANGUAGE, l));
        }
        // A `Signature` among the parameters (query or, for `POST`, the form body) is an
        // earlier signature's: say so before naming another of the signer's parameters.
        if user.iter().any(|(k, _)| *k == param::SIGNATURE) {
            return Err(Error::AlreadySigned {
                scheme: SCHEME,
                name: param::SIGNATURE.to_owned(),
            });
        }
        for (k, _) in &user {
            if added.iter().any(|(a, _)| a == k) {
                return Err(Error::reserved(SCHEME, k, req));
            }
        }

        // Sorted by the signed name (`_` written `.`).
        let mut signed: Vec<(Cow<'_, str>, &str)> = user
            .iter()
            .copied()
            .chain(added.iter().copied())
            .map(|(k, v)| {
                let name = if k.contains('_') {
                    Cow::Owned(k.replace('_', "."))
                } else {
                    Cow::Borrowed(k)
                };
                (name, v)
            })
            .collect();
        signed.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(w) = signed.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::DuplicateParameter {
                scheme: SCHEME,
                name: w[0].0.clone().into_owned(),
            });
        }

        let capacity = 200
            + req.host().len()
            + req.path().len()
            + 4 * signed
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>();
        let mut out = OutputBuilder::new(capacity, 1, if post { 0 } else { added.len() + 1 });
        let b = out.buf();
        b.push_str(method);
        b.push_str(req.host());
        b.push_str(req.path());
        for (i, (k, v)) in signed.iter().enumerate() {
            b.push(if i == 0 { '?' } else { '&' });
            b.push_str(k);
            b.push('=');
            b.push_str(v);
        }
        let sts = 0..out.pos();
        out.set_string_to_sign(Text::Span(sts.clone()));
        let sig_b64 = Base64Mac::new(
            self.method,
            self.credentials.secret().expose_secret(),
            out.str_of(&sts),
        );
        let start = out.pos();
        out.buf().push_str(sig_b64.as_str());
        let sig = start..out.pos();
        out.set_signature(Text::Span(sig.clone()));

        // What is sent: the request's parameters, the added ones, the signature.
        let start = out.pos();
        let b = out.buf();
        for (i, (k, v)) in user.iter().chain(added.iter()).enumerate() {
            if i > 0 {
                b.push('&');
            }
            form_encode_into(b, k);
            b.push('=');
            form_encode_into(b, v);
        }
        b.push_str("&Signature=");
        form_encode_into(b, sig_b64.as_str());
        let data = out.since(start);
        if post {
            out.set_body(data);
            out.header(
                "Content-Type",
                Text::Static("application/x-www-form-urlencoded"),
            );
            return out.finish_for(req, SCHEME);
        }
        out.set_query_string(data);
        for (name, value) in &added {
            let text = match *name {
                param::ACTION => Text::Shared(self.action.clone()),
                param::SECRET_ID => Text::Shared(self.credentials.access_key_id_shared().clone()),
                param::TOKEN => match token {
                    Some(t) => Text::Shared(t.shared()),
                    None => continue,
                },
                _ => {
                    let start = out.pos();
                    out.buf().push_str(value);
                    out.since(start)
                }
            };
            out.query_param(name, text);
        }
        out.query_param(param::SIGNATURE, Text::Span(sig));
        out.finish_for(req, SCHEME)
    }
}

/// Base64 of an HMAC-SHA1 or HMAC-SHA256, on the stack (at most 44 characters).
struct Base64Mac {
    buf: [u8; 44],
    len: usize,
}

impl Base64Mac {
    fn new(method: SignatureMethod, key: &str, data: &str) -> Self {
        use base64::Engine as _;
        let mut buf = [0u8; 44];
        let engine = base64::engine::general_purpose::STANDARD;
        // 20 or 32 bytes encode to 28 or 44 characters: the buffer always fits.
        let len = match method {
            SignatureMethod::HmacSha256 => {
                let mut mac = hmac_sha256(key.as_bytes());
                mac.update(data.as_bytes());
                engine.encode_slice(mac.finalize().into_bytes(), &mut buf)
            }
            SignatureMethod::HmacSha1 | SignatureMethod::HmacSha1Implicit => {
                let mut mac = hmac_sha1(key.as_bytes());
                mac.update(data.as_bytes());
                engine.encode_slice(mac.finalize().into_bytes(), &mut buf)
            }
        }
        .unwrap_or(0);
        Base64Mac { buf, len }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(self.buf.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }
}

/// `Base64(HMAC(secret, string_to_sign))` with the MAC of `method`.
///
/// ```
/// use cloudsign::tencent::v1::{signature, SignatureMethod};
/// let secret = cloudsign::SecretKey::new("Gu5t9xGARNpq86cd98joQYCN3Cozk1qA");
/// let sts = "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=11886&Region=gz\
///            &SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&Timestamp=1465185768\
///            &instanceIds.0=ins-09dx96dg&limit=20&offset=0";
/// assert_eq!(signature(&secret, sts, SignatureMethod::HmacSha1), "NSI3UqqD99b/UJb4tbG/xZpRW64=");
/// ```
pub fn signature(
    secret: &crate::SecretKey,
    string_to_sign: &str,
    method: SignatureMethod,
) -> String {
    Base64Mac::new(method, secret.expose_secret(), string_to_sign)
        .as_str()
        .to_owned()
}
