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

use std::cmp::Ordering;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use hmac::Mac;
use sha2::{Digest, Sha256};
use smallvec::SmallVec;

use crate::api::{optional, required, ApiBuilder};
use crate::encoding::form_encode_into;
use crate::mac::{hmac_sha1, hmac_sha256};
use crate::request::form_params;
use crate::signer::{OutputBuilder, Text};
use crate::{
    timefmt, CanonicalRequest, Credentials, Error, Signer, SigningContext, SigningOutput, Stages,
};

mod reference;

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

crate::api::api_settings!(V1Signer, |_s| {});

/// The signer's parameters, in the order the official SDK sends them.
const OWN: [&str; 10] = [
    param::ACTION,
    param::REQUEST_CLIENT,
    param::NONCE,
    param::TIMESTAMP,
    param::VERSION,
    param::REGION,
    param::TOKEN,
    param::SECRET_ID,
    param::SIGNATURE_METHOD,
    param::LANGUAGE,
];

/// The indices of [`OWN`] in the order of their names, as the string to sign lists them.
const BY_NAME: [usize; OWN.len()] = [0, 9, 2, 5, 1, 7, 8, 3, 6, 4];

const _: () = assert!(
    by_name_is_sorted(),
    "BY_NAME must list every name of OWN once, sorted, and none may hold `_`"
);

/// [`BY_NAME`] lists every index of [`OWN`] once, in ascending order of the names, and no
/// name holds `_` (so each is signed as it is sent).
const fn by_name_is_sorted() -> bool {
    let mut seen = [false; OWN.len()];
    let mut i = 0;
    while i < BY_NAME.len() {
        let name = OWN[BY_NAME[i]].as_bytes();
        seen[BY_NAME[i]] = true;
        let mut k = 0;
        while k < name.len() {
            if name[k] == b'_' {
                return false;
            }
            k += 1;
        }
        if i > 0 && !const_less(OWN[BY_NAME[i - 1]].as_bytes(), name) {
            return false;
        }
        i += 1;
    }
    let mut k = 0;
    while k < seen.len() {
        if !seen[k] {
            return false;
        }
        k += 1;
    }
    true
}

const fn const_less(a: &[u8], b: &[u8]) -> bool {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// What the parameters borrow: the form body's pairs, the `Nonce` and `Timestamp` digits.
struct Inputs {
    post: bool,
    form: Vec<(String, String)>,
    /// The derived `Nonce`, when the context's is not 1 to 19 digits.
    nonce: Option<Decimal>,
    timestamp: timefmt::UnixSeconds,
}

/// A request parameter: the name, the value, whether the name holds `_` (signed as `.`).
type UserParam<'a> = (&'a str, &'a str, bool);

/// The checked inputs of one signature, borrowed.
struct Params<'a> {
    post: bool,
    /// The request's parameters in the request's order, as they are sent.
    user: &'a [(String, String)],
    /// The same, sorted by their signed names.
    sorted: SmallVec<[UserParam<'a>; 8]>,
    /// The signer's parameters in [`OWN`] order (`None`: not sent).
    own: [Option<&'a str>; OWN.len()],
}

/// Where [`Params::write`] put the string to sign, the query, and each of the signer's
/// values (inside the string to sign, where they are raw).
struct Layout {
    string_to_sign: Range<usize>,
    query_start: usize,
    own: [Range<usize>; OWN.len()],
}

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
        let inputs = inputs(req, ctx)?;
        let params = self.collect(req, ctx, &inputs)?;
        let (out, layout) = params.write(req, self.method);
        let secret = self.credentials.secret().expose_secret();
        let sig = Base64Mac::new(self.method, secret, out.str_of(&layout.string_to_sign));
        params.finish(out, &layout, &sig, req)
    }

    fn sign_reference(
        &self,
        req: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Option<Result<Stages, Error>> {
        Some(match crate::api::for_request(self, req) {
            Some(signer) => reference::sign(&signer, req, ctx),
            None => reference::sign(self, req, ctx),
        })
    }
}

/// The method (`GET` or `POST`), the form body of a `POST`, the `Nonce` and `Timestamp`.
#[inline]
fn inputs(req: &CanonicalRequest, ctx: &SigningContext) -> Result<Inputs, Error> {
    let post = match req.method() {
        "GET" => false,
        "POST" => true,
        method => {
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
    Ok(Inputs {
        post,
        form: form_params(req, SCHEME)?,
        timestamp: timefmt::unix(ctx.time(), SCHEME)?,
        nonce: derived_nonce(ctx.nonce()),
    })
}

/// The decimal `Nonce`: `None` if the context nonce is 1 to 19 digits (sent as it is),
/// else derived from it.
fn derived_nonce(nonce: &str) -> Option<Decimal> {
    if (1..=19).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digest = Sha256::digest(nonce.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    Some(Decimal::new((u64::from_be_bytes(first) >> 1).max(1)))
}

impl V1Signer {
    /// Every input error of a signature (the reference implementation's check).
    fn check(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<(), Error> {
        let inputs = inputs(req, ctx)?;
        self.collect(req, ctx, &inputs).map(drop)
    }

    /// The parameters: the request's (refusing a `Signature`, the signer's own names and
    /// names signed alike), sorted, and the signer's.
    #[inline]
    fn collect<'a>(
        &'a self,
        req: &'a CanonicalRequest,
        ctx: &'a SigningContext,
        inputs: &'a Inputs,
    ) -> Result<Params<'a>, Error> {
        let user = if inputs.post {
            &inputs.form[..]
        } else {
            req.query()
        };
        let nonce = inputs.nonce.as_ref().map_or(ctx.nonce(), Decimal::as_str);
        let token = self.credentials.security_token().map(|t| t.expose_secret());
        // In `OWN` order.
        let own = [
            Some(&*self.action),
            self.request_client.as_deref(),
            Some(nonce),
            Some(inputs.timestamp.as_str()),
            self.version.as_deref(),
            self.region.as_deref(),
            token,
            Some(self.credentials.access_key_id()),
            self.method.param_value(),
            self.language.as_deref(),
        ];
        // A `Signature` among the parameters (query or, for `POST`, the form body) is an
        // earlier signature's: say so before naming another of the signer's parameters.
        if user.iter().any(|(k, _)| k == param::SIGNATURE) {
            return Err(Error::AlreadySigned {
                scheme: SCHEME,
                name: param::SIGNATURE.to_owned(),
            });
        }
        let is_own = |k: &str| OWN.iter().zip(&own).any(|(n, v)| v.is_some() && *n == k);
        if let Some((k, _)) = user.iter().find(|(k, _)| is_own(k)) {
            return Err(Error::reserved(SCHEME, k, req));
        }
        let mut sorted: SmallVec<[UserParam<'a>; 8]> = user
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str(), k.contains('_')))
            .collect();
        sorted.sort_unstable_by(|a, b| signed_cmp(a.0, a.2, b.0, b.2));
        // Names signed alike (`a_b` and `a.b`) cannot both be sent.
        if let Some(w) = sorted
            .windows(2)
            .find(|w| signed_cmp(w[0].0, w[0].2, w[1].0, w[1].2).is_eq())
        {
            return Err(Error::DuplicateParameter {
                scheme: SCHEME,
                name: w[0].0.replace('_', "."),
            });
        }
        Ok(Params {
            post: inputs.post,
            user,
            sorted,
            own,
        })
    }
}

/// Orders names as they are signed, `_` written `.`; `us` says a name holds `_`.
#[inline]
fn signed_cmp(a: &str, a_us: bool, b: &str, b_us: bool) -> Ordering {
    if !(a_us || b_us) {
        return a.cmp(b);
    }
    let dot = |c: u8| if c == b'_' { b'.' } else { c };
    a.bytes().map(dot).cmp(b.bytes().map(dot))
}

impl Params<'_> {
    /// The signer's parameters that are sent, in [`OWN`] order.
    #[inline]
    fn own_sent(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.own
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v)))
    }

    /// Every parameter as it is sent: the request's, then the signer's.
    #[inline]
    fn sent(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let user = self.user.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        user.chain(self.own_sent().map(|(i, v)| (OWN[i], v)))
    }

    /// The string to sign and the query (or form body) up to its `Signature=`, in one
    /// buffer of the size they take (the signature's encoding is counted at its longest).
    #[inline]
    fn write(&self, req: &CanonicalRequest, method: SignatureMethod) -> (OutputBuilder, Layout) {
        // METHOD host path, then "?" or "&", name, "=", raw value per parameter, sorted.
        let sts_len = req.method().len()
            + req.host().len()
            + req.path().len()
            + self
                .sent()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>();
        // name "=" value form-encoded, joined by "&", then "&Signature=" and the signature
        // (encoded: at most 3 bytes a character), and the signature once more, raw.
        let query_len = self
            .sent()
            .map(|(k, v)| form_len(k) + form_len(v) + 2)
            .sum::<usize>()
            - 1
            + SIGNATURE_EQ.len()
            + 4 * method.base64_len();
        let own_count = self.own.iter().flatten().count();
        let query_params = if self.post { 0 } else { own_count + 1 };
        let mut out = OutputBuilder::new(sts_len + query_len, usize::from(self.post), query_params);
        let mut layout = Layout {
            string_to_sign: 0..0,
            query_start: 0,
            own: Default::default(),
        };
        let b = out.buf();
        b.push_str(req.method());
        b.push_str(req.host());
        b.push_str(req.path());
        self.write_sorted(b, &mut layout.own);
        layout.string_to_sign = 0..b.len();
        layout.query_start = b.len();
        for (i, (k, v)) in self.sent().enumerate() {
            if i > 0 {
                b.push('&');
            }
            push_form(b, k);
            b.push('=');
            push_form(b, v);
        }
        b.push_str(SIGNATURE_EQ);
        (out, layout)
    }

    /// `?name=value&…` of every parameter sorted by signed name: the request's, sorted,
    /// merged with the signer's, listed sorted in [`BY_NAME`]. Notes where each of the
    /// signer's values is.
    #[inline]
    fn write_sorted(&self, b: &mut String, spans: &mut [Range<usize>; OWN.len()]) {
        let mut user = self.sorted.iter().peekable();
        let mut own = BY_NAME
            .iter()
            .filter_map(|&i| self.own[i].map(|v| (i, v)))
            .peekable();
        let mut sep = '?';
        loop {
            let take_user = match (user.peek(), own.peek()) {
                (Some(u), Some((i, _))) => signed_cmp(u.0, u.2, OWN[*i], false).is_lt(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            b.push(sep);
            sep = '&';
            if take_user {
                if let Some(&(k, v, us)) = user.next() {
                    push_signed_name(b, k, us);
                    b.push('=');
                    b.push_str(v);
                }
            } else if let Some((i, v)) = own.next() {
                b.push_str(OWN[i]);
                b.push('=');
                let at = b.len();
                b.push_str(v);
                spans[i] = at..b.len();
            }
        }
    }

    /// Ends the query with the signature, and the output around it.
    #[inline]
    fn finish(
        &self,
        mut out: OutputBuilder,
        layout: &Layout,
        sig: &Base64Mac,
        req: &CanonicalRequest,
    ) -> Result<SigningOutput, Error> {
        push_form(out.buf(), sig.as_str());
        let data = out.since(layout.query_start);
        let start = out.pos();
        out.buf().push_str(sig.as_str());
        let sig = out.since(start);
        out.set_string_to_sign(Text::Span(layout.string_to_sign.clone()));
        out.set_signature(sig.clone());
        if self.post {
            out.set_body(data);
            out.header(
                "Content-Type",
                Text::Static("application/x-www-form-urlencoded"),
            );
            return out.finish_for(req, SCHEME);
        }
        out.set_query_string(data);
        for (i, _) in self.own_sent() {
            out.query_param(OWN[i], Text::Span(layout.own[i].clone()));
        }
        out.query_param(param::SIGNATURE, sig);
        out.finish_for(req, SCHEME)
    }
}

/// What ends the query (or form body) before the encoded signature.
const SIGNATURE_EQ: &str = "&Signature=";

impl SignatureMethod {
    /// The length of the Base64 signature: of 32 or 20 bytes.
    #[inline]
    fn base64_len(self) -> usize {
        match self {
            SignatureMethod::HmacSha256 => 44,
            SignatureMethod::HmacSha1 | SignatureMethod::HmacSha1Implicit => 28,
        }
    }
}

/// Writes a name as it is signed: `_` as `.`.
#[inline]
fn push_signed_name(b: &mut String, name: &str, underscore: bool) {
    if underscore {
        b.extend(name.chars().map(|c| if c == '_' { '.' } else { c }));
    } else {
        b.push_str(name);
    }
}

/// `FORM_EXTRA[b]`: what form encoding adds to byte `b`: 0 if it is kept, 2 if it is
/// written `%XX`, and for a space (written `+`) a count in the high half.
const FORM_EXTRA: [u64; 256] = {
    let mut t = [2u64; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' || c == b'~' {
            t[b] = 0;
        } else if c == b' ' {
            t[b] = 1 << 32;
        }
        b += 1;
    }
    t
};

/// The sum of [`FORM_EXTRA`] over `s`: 0 when form encoding leaves `s` as it is.
#[inline]
fn form_extra(s: &str) -> u64 {
    s.bytes().map(|b| FORM_EXTRA[usize::from(b)]).sum()
}

/// The length of `s` form-encoded.
#[inline]
fn form_len(s: &str) -> usize {
    s.len() + (form_extra(s) & 0xffff_ffff) as usize
}

/// Appends `s` form-encoded (a space as `+`); most names and values are copied as they are.
#[inline]
fn push_form(b: &mut String, s: &str) {
    if form_extra(s) == 0 {
        b.push_str(s);
    } else {
        form_encode_into(b, s);
    }
}

/// A decimal number on the stack (the derived `Nonce`).
struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    fn new(mut n: u64) -> Self {
        let mut digits = [b'0'; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                return Decimal { digits, start };
            }
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits are written; the fallback is never taken.
        std::str::from_utf8(self.digits.get(self.start..).unwrap_or_default()).unwrap_or_default()
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
