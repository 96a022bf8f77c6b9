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

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use smallvec::SmallVec;

use crate::api::{optional, required, ApiBuilder};
use crate::bytes::{escapes, Cursor, ShortAscii, OVERSHOOT};
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
    /// The MAC of `method`, keyed with the secret when the signer is built.
    mac: KeyedMac,
    /// No setting (nor the SecretId) has a byte that form encoding escapes.
    plain: bool,
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
    signature_method: SignatureMethod,
}

impl V1Signer {
    /// A builder; `action` is required, and `version` is for API 3.0 (the legacy API 2.0
    /// endpoints `*.api.qcloud.com/v2/index.php` take none).
    pub fn builder(credentials: Credentials) -> V1SignerBuilder {
        V1SignerBuilder {
            credentials,
            api: ApiBuilder::default(),
            request_client: None,
            signature_method: SignatureMethod::default(),
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

crate::api::setters!(V1SignerBuilder {
    /// A client identifier, `RequestClient` (optional; the official SDKs send theirs, e.g.
    /// `SDK_PYTHON_3.1.195`).
    request_client: optional text;
    /// The MAC (default [`SignatureMethod::HmacSha256`]).
    signature_method: SignatureMethod;
});

impl V1SignerBuilder {
    /// Builds the signer.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] if `action` is missing, or a setting is empty or holds a
    /// control character.
    pub fn build(self) -> Result<V1Signer, Error> {
        Ok(V1Signer {
            action: required("action", self.api.action)?,
            version: optional("version", self.api.version)?,
            region: optional("region", self.api.region)?,
            language: optional("language", self.api.language)?,
            request_client: optional("request_client", self.request_client)?,
            method: self.signature_method,
            mac: KeyedMac::new(
                self.signature_method,
                self.credentials.secret().expose_secret(),
            ),
            credentials: self.credentials,
            plain: false,
        }
        .with_plain())
    }
}

crate::api::api_settings!(V1Signer, |s| {
    s.plain = s.settings_are_plain();
});

impl V1Signer {
    /// With [`plain`](V1Signer::plain) set.
    fn with_plain(mut self) -> Self {
        self.plain = self.settings_are_plain();
        self
    }

    /// Whether form encoding leaves every setting and the SecretId as they are.
    fn settings_are_plain(&self) -> bool {
        let settings = [
            &self.version,
            &self.region,
            &self.language,
            &self.request_client,
        ];
        let texts = settings.into_iter().flatten().map(|s| &**s);
        let mut all = texts.chain([&*self.action, self.credentials.access_key_id()]);
        all.all(|s| escapes(s) == 0)
    }
}

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

/// Indices in [`OWN`].
const NONCE: usize = 2;
const TIMESTAMP: usize = 3;
const TOKEN: usize = 6;
const SIGNATURE_METHOD: usize = 8;
const _: () = assert!(
    const_eq(OWN[NONCE], param::NONCE)
        && const_eq(OWN[TIMESTAMP], param::TIMESTAMP)
        && const_eq(OWN[TOKEN], param::TOKEN)
        && const_eq(OWN[SIGNATURE_METHOD], param::SIGNATURE_METHOD)
);

const fn const_eq(a: &str, b: &str) -> bool {
    !const_less(a.as_bytes(), b.as_bytes()) && !const_less(b.as_bytes(), a.as_bytes())
}

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
    nonce: Option<ShortAscii<20>>,
    timestamp: ShortAscii<20>,
}

/// A request parameter: the name, the value, whether the name holds `_` (signed as `.`).
type UserParam<'a> = (&'a str, &'a str, bool);

/// The checked inputs of one signature, borrowed.
struct Params<'a> {
    post: bool,
    /// The request's parameters in the request's order, as they are sent.
    user: &'a [(String, String)],
    /// The same, sorted by signed name.
    sorted: SmallVec<[UserParam<'a>; 8]>,
    /// The signer's parameters in [`OWN`] order (`None`: not sent).
    own: [Option<&'a str>; OWN.len()],
    /// Form encoding leaves the signer's parameters as they are, but for the `Token`.
    plain: bool,
}

/// Where [`Params::write`] put the string to sign, the query (or form body), the
/// signature and each of the signer's values (inside the string to sign, where they are
/// raw).
struct Layout {
    string_to_sign: Range<usize>,
    query: Range<usize>,
    signature: Range<usize>,
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
        // The string to sign and the query before its signature; the MAC; the signature.
        let mut bytes = vec![0u8; params.room(req, self.method) + OVERSHOOT];
        let mut w = Cursor::new(&mut bytes);
        let mut layout = params.write(&mut w, req);
        let sts = w.as_bytes().get(layout.string_to_sign.clone());
        let sig = self.mac.base64(sts.unwrap_or_default());
        params.write_signature(&mut w, &mut layout, &sig)?;
        bytes.truncate(layout.query.end.max(layout.signature.end));
        params.output(bytes, &layout, req)
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
fn derived_nonce(nonce: &str) -> Option<ShortAscii<20>> {
    if (1..=19).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digest = Sha256::digest(nonce.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    Some(ShortAscii::decimal((u64::from_be_bytes(first) >> 1).max(1)))
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
        let user = match inputs.post {
            true => &inputs.form[..],
            false => req.query(),
        };
        let nonce = inputs
            .nonce
            .as_ref()
            .map_or(ctx.nonce(), ShortAscii::as_str);
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
        let is_sent = |k: &str| own_index(k).is_some_and(|i| own[i].is_some());
        if let Some((k, _)) = user.iter().find(|(k, _)| is_sent(k)) {
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
        let (post, plain) = (inputs.post, self.plain);
        Ok(Params {
            post,
            user,
            sorted,
            own,
            plain,
        })
    }
}

/// The index in [`OWN`] of a name.
#[inline]
fn own_index(name: &str) -> Option<usize> {
    OWN.iter().position(|n| *n == name)
}

/// Orders names as they are signed, `_` written `.` (`us`: the name holds `_`); mostly by
/// the first byte.
#[inline]
fn signed_cmp(a: &str, a_us: bool, b: &str, b_us: bool) -> Ordering {
    let dot = |c: u8| if c == b'_' { b'.' } else { c };
    let first = |s: &str| s.as_bytes().first().copied().map(dot);
    match first(a).cmp(&first(b)) {
        Ordering::Equal if a_us || b_us => a.bytes().map(dot).cmp(b.bytes().map(dot)),
        Ordering::Equal => a.cmp(b),
        unequal => unequal,
    }
}

impl Params<'_> {
    /// Room for what [`write`](Self::write) and [`write_signature`](Self::write_signature)
    /// write: the string to sign (its exact length), the query or form body (a name or
    /// value encodes to 3 bytes a byte at most) and the signature, encoded and raw.
    #[inline]
    fn room(&self, req: &CanonicalRequest, method: SignatureMethod) -> usize {
        let user = self.user.iter().map(|(k, v)| k.len() + v.len());
        let own = self.own_sent().map(|(i, v)| OWN[i].len() + v.len());
        let (texts, count) = user.chain(own).fold((0, 0), |(t, c), n| (t + n, c + 1));
        // METHOD host path, then "?" or "&", name, "=", raw value per parameter.
        let sts = req.method().len() + req.host().len() + req.path().len() + texts + 2 * count;
        // "&" name "=" value per parameter, then "&Signature=" and the signature twice.
        let query = 3 * texts + 2 * count + SIGNATURE_EQ.len() + 4 * method.base64_len();
        sts + query
    }

    /// The string to sign, and the query (or form body) up to its `Signature=`.
    #[inline]
    fn write(&self, w: &mut Cursor<'_>, req: &CanonicalRequest) -> Layout {
        let mut own = <[Range<usize>; OWN.len()]>::default();
        w.bytes(req.method().as_bytes());
        w.bytes(req.host().as_bytes());
        w.bytes(req.path().as_bytes());
        self.write_sorted(w, &mut own);
        let string_to_sign = 0..w.len();
        // Each parameter after "&": the query starts after the first.
        let start = w.len() + 1;
        for (k, v) in self.user {
            w.array(b"&");
            write_form(w, k);
            w.array(b"=");
            write_form(w, v);
        }
        for (i, v) in self.own_sent() {
            w.bytes(OWN_AMP_EQ[i].as_bytes());
            // Digits and constants, and plain settings, need no look.
            match i {
                NONCE | TIMESTAMP | SIGNATURE_METHOD => w.bytes(v.as_bytes()),
                TOKEN => write_form(w, v),
                _ if self.plain => w.bytes(v.as_bytes()),
                _ => write_form(w, v),
            }
        }
        w.bytes(SIGNATURE_EQ.as_bytes());
        Layout {
            string_to_sign,
            query: start..w.len(),
            signature: 0..0,
            own,
        }
    }

    /// `?name=value&…` of every parameter sorted by signed name: the request's, sorted,
    /// merged with the signer's, listed sorted in [`BY_NAME`]. Notes where each of the
    /// signer's values is.
    #[inline]
    fn write_sorted(&self, w: &mut Cursor<'_>, spans: &mut [Range<usize>; OWN.len()]) {
        let mut sep = b"?";
        let mut user = self.sorted.iter();
        let mut next = user.next();
        for &i in &BY_NAME {
            let Some(value) = self.own[i] else { continue };
            while let Some(&(k, v, us)) =
                next.filter(|u| signed_cmp(u.0, u.2, OWN[i], false).is_lt())
            {
                write_param(w, std::mem::replace(&mut sep, b"&"), k, us, v);
                next = user.next();
            }
            w.array(std::mem::replace(&mut sep, b"&"));
            w.bytes(OWN[i].as_bytes());
            w.array(b"=");
            let at = w.len();
            w.bytes(value.as_bytes());
            spans[i] = at..w.len();
        }
        for &(k, v, us) in next.into_iter().chain(user) {
            write_param(w, std::mem::replace(&mut sep, b"&"), k, us, v);
        }
    }

    /// The signer's parameters that are sent, in [`OWN`] order.
    #[inline]
    fn own_sent(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.own
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v)))
    }

    /// Ends the query with the signature, and writes the signature once more, raw.
    #[inline]
    fn write_signature(
        &self,
        w: &mut Cursor<'_>,
        layout: &mut Layout,
        sig: &ShortAscii<44>,
    ) -> Result<(), Error> {
        // Base64 has no space: RFC 3986 encoding is form encoding.
        w.encode_each(sig.as_bytes(), false);
        layout.query.end = w.len();
        w.bytes(sig.as_bytes());
        layout.signature = layout.query.end..w.len();
        // Room for the overshoot left means every write landed.
        if w.remaining() < OVERSHOOT {
            return Err(Error::Internal {
                scheme: SCHEME,
                reason: "the query outgrew its computed room",
            });
        }
        Ok(())
    }

    /// The output around the texts.
    #[inline]
    fn output(
        &self,
        bytes: Vec<u8>,
        layout: &Layout,
        req: &CanonicalRequest,
    ) -> Result<SigningOutput, Error> {
        let query_params = if self.post { 0 } else { OWN.len() + 1 };
        let mut out = OutputBuilder::new(0, usize::from(self.post), query_params);
        // Valid pieces of UTF-8 (the raw values) and ASCII: the error is never returned.
        *out.buf() = String::from_utf8(bytes).map_err(|_| Error::Internal {
            scheme: SCHEME,
            reason: "a parameter was cut inside a character",
        })?;
        let span = |r: &Range<usize>| Text::Span(r.clone());
        out.set_string_to_sign(span(&layout.string_to_sign));
        out.set_signature(span(&layout.signature));
        if self.post {
            out.set_body(span(&layout.query));
            out.header(
                "Content-Type",
                Text::Static("application/x-www-form-urlencoded"),
            );
            return out.finish_for(req, SCHEME);
        }
        out.set_query_string(span(&layout.query));
        let own = self.own_sent().map(|(i, _)| (OWN[i], span(&layout.own[i])));
        out.query_params(own.chain([(param::SIGNATURE, span(&layout.signature))]));
        out.finish_for(req, SCHEME)
    }
}

/// What ends the query (or form body) before the encoded signature.
const SIGNATURE_EQ: &str = "&Signature=";

/// `&Name=` of each of [`OWN`], as the query lists them after the request's.
const OWN_AMP_EQ: [&str; OWN.len()] = [
    "&Action=",
    "&RequestClient=",
    "&Nonce=",
    "&Timestamp=",
    "&Version=",
    "&Region=",
    "&Token=",
    "&SecretId=",
    "&SignatureMethod=",
    "&Language=",
];

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

/// `sep name=value` of a request parameter in the string to sign: `_` in the name as `.`.
#[inline]
fn write_param(w: &mut Cursor<'_>, sep: &[u8; 1], name: &str, underscore: bool, value: &str) {
    w.array(sep);
    if underscore {
        for b in name.bytes() {
            w.array(&[if b == b'_' { b'.' } else { b }]);
        }
    } else {
        w.bytes(name.as_bytes());
    }
    w.array(b"=");
    w.bytes(value.as_bytes());
}

/// Writes `s` form-encoded (a space as `+`); most names and values are copied as they are.
#[inline]
fn write_form(w: &mut Cursor<'_>, s: &str) {
    if escapes(s) == 0 {
        w.bytes(s.as_bytes());
    } else {
        write_form_escaped(w, s);
    }
}

#[inline(never)]
fn write_form_escaped(w: &mut Cursor<'_>, s: &str) {
    for (i, part) in s.split(' ').enumerate() {
        if i > 0 {
            w.array(b"+");
        }
        w.encode(part.as_bytes(), false);
    }
}

/// HMAC-SHA256 or HMAC-SHA1 keyed with the secret: its two pad blocks are hashed once,
/// when the signer is built (as RPC keeps its keyed MAC), not at every signature.
#[derive(Clone)]
enum KeyedMac {
    Sha256(Hmac<Sha256>),
    Sha1(Hmac<Sha1>),
}

impl KeyedMac {
    fn new(method: SignatureMethod, key: &str) -> Self {
        match method {
            SignatureMethod::HmacSha256 => KeyedMac::Sha256(hmac_sha256(key.as_bytes())),
            SignatureMethod::HmacSha1 | SignatureMethod::HmacSha1Implicit => {
                KeyedMac::Sha1(hmac_sha1(key.as_bytes()))
            }
        }
    }

    /// `Base64(HMAC(key, data))`.
    #[inline]
    fn base64(&self, data: &[u8]) -> ShortAscii<44> {
        // 20 or 32 bytes encode to 28 or 44 characters: the buffer always fits.
        match self {
            KeyedMac::Sha256(keyed) => {
                let mut mac = keyed.clone();
                mac.update(data);
                ShortAscii::base64(&mac.finalize().into_bytes())
            }
            KeyedMac::Sha1(keyed) => {
                let mut mac = keyed.clone();
                mac.update(data);
                ShortAscii::base64(&mac.finalize().into_bytes())
            }
        }
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
    KeyedMac::new(method, secret.expose_secret())
        .base64(string_to_sign.as_bytes())
        .as_str()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values that escape at every byte, spaces, characters of several bytes, names with
    /// `_`, a long text and a token: the fast path fits its room and agrees with the
    /// reference, for `GET` and `POST`.
    #[test]
    fn fast_path_is_the_reference_on_awkward_parameters() {
        let creds = Credentials::new("AKID*x", "secret")
            .unwrap()
            .with_security_token("tok/+=")
            .unwrap();
        let signer = V1Signer::builder(creds)
            .action("Describe Instances")
            .region("ap guangzhou")
            .request_client("SDK*1")
            .build()
            .unwrap();
        let ctx = SigningContext::from_unix(1_700_000_000, "not-digits").unwrap();
        let long = "!*'();:@&=+$,/?#[] é中".repeat(40);
        let pairs = [
            ("a_b", "1"),
            ("a.c", "x y"),
            ("Z", long.as_str()),
            ("é_", ""),
            ("", "v"),
        ];
        let get = CanonicalRequest::builder()
            .host("cvm.tencentcloudapi.com")
            .queries(pairs)
            .build()
            .unwrap();
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    crate::signer::plain::encode(k),
                    crate::signer::plain::encode(v)
                )
            })
            .collect();
        let post = CanonicalRequest::builder()
            .method("POST")
            .host("cvm.tencentcloudapi.com")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.join("&"))
            .build()
            .unwrap();
        for req in [get, post] {
            let fast = Stages::of(&signer.sign(&req, &ctx).unwrap());
            let reference = signer.sign_reference(&req, &ctx).unwrap().unwrap();
            assert_eq!(fast.first_difference(&reference), None, "{}", req.method());
        }
    }

    #[test]
    fn decimal() {
        for n in [1, 9, 10, 12_345, u64::MAX >> 1, u64::MAX] {
            assert_eq!(ShortAscii::decimal(n).as_str(), n.to_string());
        }
    }
}
