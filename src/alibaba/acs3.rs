//! Alibaba Cloud **ACS3-HMAC-SHA256**, the V3 request signature (headers only).
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//! StringToSign     = "ACS3-HMAC-SHA256\n" + hex(SHA256(CanonicalRequest))
//! Signature        = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
//! Authorization    = ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex
//! ```
//! Reference: Alibaba Cloud, *V3 request body and signature mechanism*.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use smallvec::SmallVec;

use crate::api::{required, ApiBuilder};
use crate::bytes::Ascii;
use crate::encoding::{percent_encode_into, Hex64, RFC3986_UNRESERVED};
use crate::mac::hmac_sha256;
use crate::signer::{OutputBuilder, Text};
use crate::text::{trim, HeaderList, LowerNames, Selection};
use crate::timefmt;
use crate::{
    CanonicalRequest, Credentials, Error, Payload, Signer, SigningContext, SigningOutput, Stages,
};

mod reference;

/// The algorithm name.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Names of the headers this scheme uses.
pub mod header {
    /// The API operation.
    pub const X_ACS_ACTION: &str = "x-acs-action";
    /// The API version.
    pub const X_ACS_VERSION: &str = "x-acs-version";
    /// The signing time, `yyyy-MM-ddTHH:mm:ssZ`.
    pub const X_ACS_DATE: &str = "x-acs-date";
    /// The nonce.
    pub const X_ACS_SIGNATURE_NONCE: &str = "x-acs-signature-nonce";
    /// The hex SHA-256 of the body.
    pub const X_ACS_CONTENT_SHA256: &str = "x-acs-content-sha256";
    /// The access key id, sent with a security token (as the official SDKs do).
    pub const X_ACS_ACCESSKEY_ID: &str = "x-acs-accesskey-id";
    /// The STS security token.
    pub const X_ACS_SECURITY_TOKEN: &str = "x-acs-security-token";
    /// The signature header.
    pub const AUTHORIZATION: &str = "Authorization";
}

/// Which headers go into the signature. To sign exactly a list of names instead, see
/// [`Acs3SignerBuilder::signed_header_names`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedHeaders {
    /// `host`, `content-type` and every `x-acs-*` header: what the V3 document requires and
    /// what the Go and Java SDKs sign. Other headers may change on the way without breaking
    /// the signature.
    #[default]
    Required,
    /// Every header of the request: what the Python SDK (`alibabacloud-openapi-util`,
    /// `alibabacloud-tea-openapi`) signs.
    All,
}

/// How query parameter names are written in the canonical query string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryNames {
    /// RFC 3986-encoded, like the values (the V3 document and the Java SDK).
    #[default]
    Encoded,
    /// Verbatim (the Python and Go SDKs). Identical for names made of `A-Z a-z 0-9 - . _ ~`.
    Raw,
}

/// Signs with ACS3-HMAC-SHA256.
///
/// It adds, in this order (sorted by name), with a security token `x-acs-accesskey-id`,
/// then `x-acs-action`, `x-acs-content-sha256`, `x-acs-date`, with a security token
/// `x-acs-security-token`, then `x-acs-signature-nonce`, `x-acs-version`, and last
/// `Authorization`. The query string to send is
/// [`SigningOutput::query_string`].
///
/// ```
/// use cloudsign::{alibaba::Acs3Signer, CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let signer = Acs3Signer::builder(Credentials::new("YourAccessKeyId", "YourAccessKeySecret")?)
///     .action("RunInstances")
///     .version("2014-05-26")
///     .build()?;
/// let req = CanonicalRequest::builder()
///     .method("POST")
///     .host("ecs.cn-shanghai.aliyuncs.com")
///     .query("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd")
///     .query("RegionId", "cn-shanghai")
///     .build()?;
/// let time = time::macros::datetime!(2023-10-26 10:22:32 UTC);
/// let out = signer.sign(&req, &SigningContext::new(time, "3156853299f313e23d1673dc12e1703d"))?;
/// assert_eq!(out.signature(), "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
/// assert_eq!(out.header("x-acs-date"), Some("2023-10-26T10:22:32Z"));
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct Acs3Signer {
    credentials: Credentials,
    action: Arc<str>,
    version: Arc<str>,
    signed_headers: Selection<SignedHeaders>,
    query_names: QueryNames,
    mac: <HmacSha256 as Algorithm>::Mac,
    own: Own,
}

impl fmt::Debug for Acs3Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acs3Signer")
            .field("credentials", &self.credentials)
            .field("action", &&*self.action)
            .field("version", &&*self.version)
            .field("signed_headers", &self.signed_headers)
            .field("query_names", &self.query_names)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Acs3Signer`]; checks are deferred to [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct Acs3SignerBuilder {
    credentials: Credentials,
    api: ApiBuilder,
    signed_headers: SignedHeaders,
    signed_header_names: Option<Vec<String>>,
    query_names: QueryNames,
}

impl Acs3Signer {
    /// A builder; `action` and `version` are required.
    pub fn builder(credentials: Credentials) -> Acs3SignerBuilder {
        Acs3SignerBuilder {
            credentials,
            api: ApiBuilder::default(),
            signed_headers: SignedHeaders::default(),
            signed_header_names: None,
            query_names: QueryNames::default(),
        }
    }
}

crate::api::api_setters!(Acs3SignerBuilder {
    /// The API operation, sent as `x-acs-action` (required).
    action,
    /// The API version, sent as `x-acs-version` (required).
    version,
});

crate::api::setters!(Acs3SignerBuilder {
    /// How to write query names (default [`QueryNames::Encoded`]).
    query_names: QueryNames;
});

impl Acs3SignerBuilder {
    /// Which headers to sign (default [`SignedHeaders::Required`]). It replaces a list
    /// given to [`signed_header_names`](Self::signed_header_names) before it.
    pub fn signed_headers(mut self, signed_headers: SignedHeaders) -> Self {
        self.signed_headers = signed_headers;
        self.signed_header_names = None;
        self
    }

    /// Signs exactly the headers named (in any letter case), in place of a
    /// [`SignedHeaders`] preset, so that any official SDK's `SignedHeaders` can be
    /// reproduced: `host` and the signer's own `x-acs-*` headers always (the V3 document
    /// requires every common header present to be signed), and each header named, which
    /// the request must carry. Any other header, a `content-type` or a caller's `x-acs-*`
    /// header among them, is sent unsigned. It replaces a preset given to
    /// [`signed_headers`](Self::signed_headers) before it.
    ///
    /// [`build`](Self::build) refuses a name that is not an HTTP token
    /// ([`Error::InvalidHeaderName`]) and `Authorization` ([`Error::InvalidSetting`]);
    /// [`sign`](Signer::sign) refuses a request without a header named
    /// ([`Error::MissingSignedHeader`]).
    ///
    /// ```
    /// use cloudsign::{alibaba::Acs3Signer, CanonicalRequest, Credentials, Error, Signer, SigningContext};
    ///
    /// let signer = Acs3Signer::builder(Credentials::new("id", "secret")?)
    ///     .action("DescribeRegions")
    ///     .version("2014-05-26")
    ///     .signed_header_names(["Content-Type", "x-custom"])
    ///     .build()?;
    /// let req = CanonicalRequest::builder()
    ///     .host("ecs.aliyuncs.com")
    ///     .header("Content-Type", "application/json")
    ///     .header("X-Custom", "1")
    ///     .header("User-Agent", "demo/1.0") // sent, not signed
    ///     .build()?;
    /// let out = signer.sign(&req, &SigningContext::now())?;
    /// let auth = out.header("Authorization").unwrap_or_default();
    /// assert!(auth.contains(
    ///     ",SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;\
    ///      x-acs-signature-nonce;x-acs-version;x-custom,"
    /// ));
    ///
    /// let without = CanonicalRequest::builder().host("ecs.aliyuncs.com").build()?;
    /// let err = signer.sign(&without, &SigningContext::now()).unwrap_err();
    /// assert!(matches!(err, Error::MissingSignedHeader { name, .. } if name == "content-type"));
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
    /// [`Error::InvalidSetting`] if `action` or `version` is missing, empty or not a valid
    /// header value, or if `signed_header_names` holds `Authorization`;
    /// [`Error::InvalidHeaderName`] if it holds a name that is not an HTTP token.
    pub fn build(self) -> Result<Acs3Signer, Error> {
        let action = required("action", self.api.action)?;
        let version = required("version", self.api.version)?;
        let signed_headers =
            Selection::build(self.signed_headers, self.signed_header_names, &["host"])?;
        let mac = HmacSha256::key(self.credentials.secret().expose_secret().as_bytes());
        let own = Own::new::<HmacSha256>(&self.credentials, &action, &version);
        Ok(Acs3Signer {
            own,
            credentials: self.credentials,
            action,
            version,
            signed_headers,
            query_names: self.query_names,
            mac,
        })
    }
}

crate::api::api_settings!(Acs3Signer, |s| {
    s.own = Own::new::<HmacSha256>(&s.credentials, &s.action, &s.version);
});

impl Signer for Acs3Signer {
    fn algorithm(&self) -> &'static str {
        ALGORITHM
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
        // A request that names another action or version signs as a copy with its own.
        if let Some(signer) = crate::api::for_request(self, req) {
            return signer.sign(req, ctx);
        }
        self.sign_as::<HmacSha256>(&self.mac, req, ctx)
    }

    fn sign_reference(
        &self,
        req: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Option<Result<Stages, Error>> {
        Some(reference::sign(self, req, ctx))
    }
}

/// What the variants of the V3 signature differ in: the name, the hash (of the body and of
/// the canonical request) and the MAC (of the string to sign). Every stage of
/// [`Acs3Signer::sign_as`] takes it as a parameter; [`HmacSha256`] is the one implemented.
trait Algorithm {
    /// The name: the first line of the string to sign, the first word of `Authorization`,
    /// and the scheme named in errors.
    const NAME: &'static str;
    /// The header that carries the body's hash.
    const CONTENT_HEADER: &'static str;
    /// Lower-case hex digits of a hash and of a MAC (both 32 bytes: a [`Hex64`]).
    const HEX_LEN: usize;
    /// The signer's own headers, sorted by name (checked at compile time, where it is used).
    const OWN: [(&'static str, Source); 7] = own_headers(Self::CONTENT_HEADER);
    /// The values of [`OWN`](Self::OWN) that change with each signature, in its order.
    const PER_SIGNATURE: [Source; 3] = per_signature(&Self::OWN);
    /// The hash of the body and of the canonical request.
    type Hash: Digest;
    /// The MAC of the string to sign.
    type Mac: Mac + Clone;

    /// The MAC keyed with the secret.
    fn key(secret: &[u8]) -> Self::Mac;

    /// The body's hash in lower-case hex; computed into `slot` when the body is given.
    ///
    /// # Errors
    /// [`Error::UnsupportedBody`] for a body this variant cannot hash (unsigned).
    fn payload_hash<'a>(
        payload: &'a Payload,
        slot: &'a mut Option<Hex64>,
    ) -> Result<&'a str, Error>;
}

/// `ACS3-HMAC-SHA256`: SHA-256 and HMAC-SHA256.
#[derive(Clone, Copy, Debug)]
struct HmacSha256;

impl Algorithm for HmacSha256 {
    const NAME: &'static str = ALGORITHM;
    const CONTENT_HEADER: &'static str = header::X_ACS_CONTENT_SHA256;
    const HEX_LEN: usize = 64;
    type Hash = Sha256;
    type Mac = Hmac<Sha256>;

    fn key(secret: &[u8]) -> Hmac<Sha256> {
        hmac_sha256(secret)
    }

    #[inline(always)]
    fn payload_hash<'a>(
        payload: &'a Payload,
        slot: &'a mut Option<Hex64>,
    ) -> Result<&'a str, Error> {
        match payload {
            Payload::Unsigned => Err(Error::UnsupportedBody {
                scheme: Self::NAME,
                reason: "ACS3 signs the body's SHA-256; an unsigned payload is not allowed",
            }),
            // Not `ok_or`: its unused error is dropped by a call on every signature.
            p => match p.sha256_hex_in(slot) {
                Some(hash) => Ok(hash),
                None => Err(Error::InvalidPayloadHash),
            },
        }
    }
}

// The table is sorted (a compile error otherwise), and so is every caller's copy.
const _: [(&str, Source); 7] = HmacSha256::OWN;

/// Where one of the signer's own headers takes its value from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The access key id: sent with a security token only (as the official SDKs do).
    AccessKeyId,
    /// The API operation.
    Action,
    /// The body's hash (per signature).
    PayloadHash,
    /// The signing time (per signature).
    Date,
    /// The security token, if there is one.
    SecurityToken,
    /// The nonce (per signature).
    Nonce,
    /// The API version.
    Version,
}

/// The signer's own headers, the one list of them: sorted by name, as the canonical
/// request lists them and as they are sent. The assertion makes an unsorted table a
/// compile error.
const fn own_headers(content_header: &'static str) -> [(&'static str, Source); 7] {
    let table = [
        (header::X_ACS_ACCESSKEY_ID, Source::AccessKeyId),
        (header::X_ACS_ACTION, Source::Action),
        (content_header, Source::PayloadHash),
        (header::X_ACS_DATE, Source::Date),
        (header::X_ACS_SECURITY_TOKEN, Source::SecurityToken),
        (header::X_ACS_SIGNATURE_NONCE, Source::Nonce),
        (header::X_ACS_VERSION, Source::Version),
    ];
    let mut i = 1;
    while i < table.len() {
        assert!(
            str_before(table[i - 1].0, table[i].0),
            "own headers unsorted"
        );
        i += 1;
    }
    table
}

/// `a < b`, byte-wise (as `str`'s `Ord`), in a `const fn`.
const fn str_before(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// The sources of `table` that change per signature, in its order.
const fn per_signature(table: &[(&'static str, Source); 7]) -> [Source; 3] {
    let mut out = [Source::PayloadHash; 3];
    let (mut i, mut n) = (0, 0);
    while i < table.len() {
        if table[i].1.per_signature() {
            out[n] = table[i].1;
            n += 1;
        }
        i += 1;
    }
    assert!(n == out.len(), "three values per signature");
    out
}

impl Source {
    /// Whether the value changes with each signature.
    const fn per_signature(self) -> bool {
        matches!(self, Source::PayloadHash | Source::Date | Source::Nonce)
    }

    /// The value of a header that is the same for every signature; `None` for one that is
    /// not sent (the token's two without a token) or that changes per signature.
    fn fixed<'a>(
        self,
        credentials: &'a Credentials,
        action: &'a str,
        version: &'a str,
    ) -> Option<&'a str> {
        let token = credentials.security_token();
        match self {
            Source::AccessKeyId => token.map(|_| credentials.access_key_id()),
            // Visible ASCII without spaces (`Credentials` checks): nothing to trim.
            Source::SecurityToken => token.map(|t| t.expose_secret()),
            Source::Action => Some(action),
            Source::Version => Some(version),
            Source::PayloadHash | Source::Date | Source::Nonce => None,
        }
    }
}

/// This signature's values of the signer's own headers.
#[derive(Clone, Copy)]
struct PerSignature<'a> {
    payload_hash: &'a str,
    date: &'a str,
    nonce: &'a str,
}

impl<'a> PerSignature<'a> {
    #[inline(always)]
    fn get(&self, source: Source) -> &'a str {
        match source {
            Source::PayloadHash => self.payload_hash,
            Source::Date => self.date,
            Source::Nonce => self.nonce,
            _ => "",
        }
    }

    /// The values in the order of [`Algorithm::PER_SIGNATURE`].
    #[inline(always)]
    fn in_order<A: Algorithm>(&self) -> [&'a str; 3] {
        A::PER_SIGNATURE.map(|source| self.get(source))
    }
}

/// The inputs of one signature, checked (every input error is raised while collecting
/// them), borrowed and sorted.
struct Inputs<'a> {
    per: PerSignature<'a>,
    query: Query<'a>,
    /// The headers to sign: lower-case names, trimmed values, sorted by name then value;
    /// the signer's own among them unless `own_after`.
    headers: SmallVec<[(&'a str, &'a str); STACK_PAIRS]>,
    /// Whether the signer's own header lines follow all of `headers` (the usual case):
    /// then they are written from [`Own`].
    own_after: bool,
}

/// What [`Inputs`] borrow that is made while collecting them.
struct Scratch<'a> {
    hash: Option<Hex64>,
    date: Option<Ascii<20>>,
    names: LowerNames,
    staged: Vec<(&'a str, &'a str)>,
}

impl Scratch<'_> {
    fn new() -> Self {
        Scratch {
            hash: None,
            date: None,
            names: LowerNames::new(),
            staged: Vec::new(),
        }
    }
}

impl Acs3Signer {
    /// The stages: collect (and check) the inputs, write the canonical request and the
    /// string to sign, MAC, and finish the output.
    #[inline(always)]
    fn sign_as<A: Algorithm>(
        &self,
        mac: &A::Mac,
        req: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Result<SigningOutput, Error> {
        let mut scratch = Scratch::new();
        let inputs = self.collect::<A>(req, ctx, &mut scratch)?;
        let canonical = Canonical {
            method: req.method(),
            uri: req.path(),
            query: inputs.query,
            names: self.query_names,
            headers: &inputs.headers,
            own: inputs
                .own_after
                .then(|| (&self.own, inputs.per.in_order::<A>())),
            payload_hash: inputs.per.payload_hash,
        };
        let after_query = canonical.len_after_query() + self.len_after_canonical::<A>(&inputs);
        let capacity = canonical.len_to_query()
            + match self.query_names {
                QueryNames::Encoded => 0,
                // The query is written twice, the second time with encoded names.
                QueryNames::Raw => canonical.query.plain_len(),
            }
            + after_query
            + QUERY_SLACK;
        let mut out = OutputBuilder::new(capacity, 8, 0);
        let ranges = canonical.write(out.buf(), after_query);
        out.set_canonical_request(Text::Span(0..ranges.end));
        let digest = A::Hash::digest(out.str_of(&(0..ranges.end)).as_bytes());

        let start = out.pos();
        write_string_to_sign::<A>(out.buf(), &digest);
        let sts = start..out.pos();
        out.set_string_to_sign(Text::Span(sts.clone()));

        let signature = mac_hex::<A>(mac, out.str_of(&sts).as_bytes());
        self.finish::<A>(out, req, &inputs, &ranges, signature.as_str())
    }

    /// The inputs, checked in the order the errors are reported, and sorted.
    #[inline(always)]
    fn collect<'a, A: Algorithm>(
        &'a self,
        req: &'a CanonicalRequest,
        ctx: &'a SigningContext,
        scratch: &'a mut Scratch<'a>,
    ) -> Result<Inputs<'a>, Error> {
        let Scratch {
            hash,
            date,
            names,
            staged,
        } = scratch;
        let payload_hash = A::payload_hash(req.payload(), hash)?;
        let nonce = ctx.nonce();
        if !ctx.nonce_is_alphanumeric() && !crate::request::is_wire_text(nonce) {
            return Err(Error::InvalidNonce {
                scheme: A::NAME,
                reason: "must be non-empty visible ASCII, spaces only inside",
            });
        }
        let date = date.insert(timefmt::iso8601(ctx.time(), A::NAME)?).as_str();
        let per = PerSignature {
            payload_hash,
            date,
            nonce,
        };
        let query = Query::sorted(req.query(), staged);

        // On the stack unless there are many. The host is checked by the builder (no
        // spaces); header values lose spaces and tabs there, other white space here.
        let (sign_all, listed) = match &self.signed_headers {
            Selection::Preset(preset) => (*preset == SignedHeaders::All, None),
            Selection::Names(list) => (false, Some(list)),
        };
        let mut headers: SmallVec<[(&str, &str); STACK_PAIRS]> = SmallVec::new();
        headers.push(("host", req.host()));
        for (lower, name, value) in names.lower(req.headers()) {
            let own = |lower: &str| A::OWN.iter().any(|(n, _)| *n == lower);
            if lower == "authorization" || (lower.starts_with("x-acs-") && own(lower)) {
                return Err(Error::reserved(A::NAME, name, req));
            }
            let signed = match listed {
                None => sign_all || is_required(lower),
                Some(list) => list.contains(lower),
            };
            if signed {
                headers.push((lower, trim(value)));
            }
        }
        headers.sort_unstable();
        if let Some(list) = listed {
            self.check_listed::<A>(list, &headers)?;
        }
        // The signer's own headers usually sort after every header of the caller's
        // (`content-type`, `host`, ...): then their lines are joined in advance (`Own`).
        // Otherwise they are merged into the caller's and sorted with them.
        let own_after = headers
            .last()
            .is_none_or(|(name, _)| *name < self.own.first_name);
        if !own_after {
            let own = self.own_values::<A>(&per);
            headers.extend(own.map(|(name, value)| -> (&'a str, &'a str) { (name, value) }));
            headers.sort_unstable();
        }
        Ok(Inputs {
            per,
            query,
            headers,
            own_after,
        })
    }

    /// A listed name that is neither among the sorted `headers` of the request nor one of
    /// the signer's own: [`Error::MissingSignedHeader`].
    fn check_listed<A: Algorithm>(
        &self,
        list: &HeaderList,
        headers: &[(&str, &str)],
    ) -> Result<(), Error> {
        let present = |name: &str| {
            headers.binary_search_by(|(n, _)| (*n).cmp(name)).is_ok()
                || self.own.sent.iter().any(|s| s.name == name)
        };
        match list.names().find(|name| !present(name)) {
            Some(name) => Err(Error::MissingSignedHeader {
                scheme: A::NAME,
                name: name.to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// The signer's own headers that are sent, with their values, in [`Algorithm::OWN`]'s
    /// order.
    #[inline(always)]
    fn own_values<'a, A: Algorithm>(
        &'a self,
        per: &PerSignature<'a>,
    ) -> impl Iterator<Item = (&'static str, &'a str)> + 'a {
        let per = *per;
        A::OWN.into_iter().filter_map(move |(name, source)| {
            let value = match source.per_signature() {
                true => Some(per.get(source)),
                false => source.fixed(&self.credentials, &self.action, &self.version),
            };
            value.map(|v| (name, v))
        })
    }

    /// The bytes [`finish`](Self::finish) writes after the canonical request, with the
    /// string to sign's before them.
    #[inline(always)]
    fn len_after_canonical<A: Algorithm>(&self, inputs: &Inputs<'_>) -> usize {
        let signed_names = signed_names_len(&inputs.headers, inputs.own_after, &self.own.names);
        let copies = match inputs.own_after {
            true => 0,
            false => self
                .own_values::<A>(&inputs.per)
                .map(|(_, v)| v.len())
                .sum(),
        };
        A::NAME.len() + 1 + A::HEX_LEN // the string to sign
            + A::HEX_LEN // the signature
            + self.own.authorization.len() + signed_names + ",Signature=".len() + A::HEX_LEN
            + copies
    }

    /// Appends the signature, `Authorization`, the query string to send if it differs from
    /// the canonical query, and (when they were sorted among the caller's) the signer's own
    /// header values; then the output.
    #[inline(always)]
    fn finish<A: Algorithm>(
        &self,
        mut out: OutputBuilder,
        req: &CanonicalRequest,
        inputs: &Inputs<'_>,
        ranges: &Ranges,
        signature: &str,
    ) -> Result<SigningOutput, Error> {
        let start = out.pos();
        out.buf().push_str(signature);
        out.set_signature(out.since(start));

        let start = out.pos();
        let b = out.buf();
        b.push_str(&self.own.authorization);
        // The same list as in the canonical request.
        b.extend_from_within(ranges.signed_headers.clone());
        b.push_str(",Signature=");
        b.push_str(signature);
        let auth = out.since(start);

        if self.query_names == QueryNames::Encoded {
            out.set_query_string(Text::Span(ranges.query.clone()));
        } else {
            // The signature covers raw names, but the wire needs them encoded.
            let start = out.pos();
            inputs.query.write(out.buf(), QueryNames::Encoded);
            out.set_query_string(out.since(start));
        }

        // The header values: where `Own` wrote them, or else copied.
        match ranges.own_at {
            Some(at) => {
                let values = inputs.per.in_order::<A>();
                for (name, span) in self.own.sent(at, &values) {
                    out.header(name, Text::Span(span));
                }
            }
            None => {
                for (name, value) in self.own_values::<A>(&inputs.per) {
                    let start = out.pos();
                    out.buf().push_str(value);
                    out.header(name, out.since(start));
                }
            }
        }
        out.header(header::AUTHORIZATION, auth);
        out.finish_for(req, A::NAME)
    }
}

/// The signer's own header lines ([`Algorithm::OWN`]), joined at build time around the
/// three values that change per signature, with the names they add to `SignedHeaders`,
/// the start of the `Authorization` value and where each value sent is. It holds the
/// security token (a header value), so it is never printed.
#[derive(Clone)]
struct Own {
    /// `lines[0] value[0] lines[1] value[1] lines[2] value[2] lines[3]`, the values in
    /// [`Algorithm::PER_SIGNATURE`]'s order: e.g. `x-acs-action:<action>\n` and
    /// `x-acs-content-sha256:`, then `\nx-acs-date:`, ..., `\nx-acs-version:<version>\n`.
    lines: [Box<str>; 4],
    /// `;x-acs-action;...;x-acs-version`: the names of the lines.
    names: Box<str>,
    /// The first of the names.
    first_name: &'static str,
    /// `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=`
    authorization: Box<str>,
    /// The headers sent, in order, and where their values are.
    sent: Box<[Sent]>,
}

/// Where the value of a header sent is in [`Own`]'s lines.
#[derive(Clone, Copy)]
struct Sent {
    name: &'static str,
    /// In (or, for a value per signature, right after) `lines[line]`...
    line: usize,
    /// ...from this byte of it...
    offset: usize,
    /// ...this long; `None`: per signature, value `line`.
    len: Option<usize>,
}

impl Own {
    fn new<A: Algorithm>(credentials: &Credentials, action: &str, version: &str) -> Own {
        let mut lines: [String; 4] = Default::default();
        let (mut k, mut names, mut sent) = (0, String::new(), Vec::new());
        for (name, source) in A::OWN {
            let fixed = source.fixed(credentials, action, version);
            if fixed.is_none() && !source.per_signature() {
                continue;
            }
            names.push(';');
            names.push_str(name);
            let line = &mut lines[k];
            line.push_str(name);
            line.push(':');
            let (offset, len) = (line.len(), fixed.map(str::len));
            sent.push(Sent {
                name,
                line: k,
                offset,
                len,
            });
            match fixed {
                Some(value) => line.push_str(value),
                None => k += 1,
            }
            lines[k].push('\n');
        }
        let first_name = sent.first().map_or(header::X_ACS_ACTION, |s| s.name);
        let id = credentials.access_key_id();
        Own {
            lines: lines.map(String::into_boxed_str),
            names: names.into(),
            first_name,
            authorization: format!("{} Credential={id},SignedHeaders=", A::NAME).into(),
            sent: sent.into(),
        }
    }

    /// The bytes of the lines, without the values.
    fn lines_len(&self) -> usize {
        self.lines.iter().map(|l| l.len()).sum()
    }

    /// Appends the lines with `values` (in [`Algorithm::PER_SIGNATURE`]'s order).
    #[inline(always)]
    fn write(&self, buf: &mut String, values: &[&str; 3]) {
        for (line, value) in self.lines.iter().zip(values) {
            buf.push_str(line);
            buf.push_str(value);
        }
        buf.push_str(&self.lines[3]);
    }

    /// The headers sent and where their values are in lines [written](Self::write) at
    /// `at`. (Computed here rather than returned by `write`: a returned array of ranges is
    /// read back from memory right after being stored, which stalls.)
    #[inline(always)]
    fn sent<'s>(
        &'s self,
        at: usize,
        values: &'s [&str; 3],
    ) -> impl Iterator<Item = (&'static str, Range<usize>)> + 's {
        let mut starts = [at; 4];
        for k in 0..3 {
            starts[k + 1] = starts[k] + self.lines[k].len() + values[k].len();
        }
        self.sent.iter().map(move |s| {
            let start = starts[s.line] + s.offset;
            let len = match s.len {
                Some(len) => len,
                None => values[s.line].len(),
            };
            (s.name, start..start + len)
        })
    }
}

/// Bytes for the query's escapes (2 more per escaped byte) in the first allocation.
const QUERY_SLACK: usize = 64;

/// Header pairs sorted on the stack (the host and up to 7 of the caller's); a request with
/// more goes to the heap.
const STACK_PAIRS: usize = 8;

/// For a lower-case name.
fn is_required(name: &str) -> bool {
    name == "host" || name == "content-type" || name.starts_with("x-acs-")
}

/// Where [`Canonical::write`] wrote what is read again.
struct Ranges {
    query: Range<usize>,
    signed_headers: Range<usize>,
    end: usize,
    /// Where the lines of an [`Own`] start, if written from one.
    own_at: Option<usize>,
}

/// Query pairs sorted by raw name (stably: repeated names keep their order).
#[derive(Clone, Copy)]
enum Query<'a> {
    /// The request's own, found in order.
    Request(&'a [(String, String)]),
    /// Sorted by the signer.
    Staged(&'a [(&'a str, &'a str)]),
}

impl Query<'_> {
    /// `name=value` joined by `&`, values RFC 3986-encoded, an empty value written `name=`.
    fn write(self, buf: &mut String, names: QueryNames) {
        match self {
            Query::Request(q) => write_query(buf, q, names),
            Query::Staged(q) => write_query(buf, q, names),
        }
    }

    /// The length of `name=value` joined by `&`, before encoding.
    fn plain_len(self) -> usize {
        fn len<K: AsRef<str>, V: AsRef<str>>(q: &[(K, V)]) -> usize {
            q.iter()
                .map(|(k, v)| k.as_ref().len() + v.as_ref().len() + 2)
                .sum::<usize>()
                .saturating_sub(1)
        }
        match self {
            Query::Request(q) => len(q),
            Query::Staged(q) => len(q),
        }
    }
}

impl<'a> Query<'a> {
    /// `query` sorted by name: as it is when it is already (the usual case), else sorted
    /// stably into `staged`.
    #[inline(always)]
    fn sorted(query: &'a [(String, String)], staged: &'a mut Vec<(&'a str, &'a str)>) -> Self {
        if query.is_sorted_by(|a, b| a.0 <= b.0) {
            return Query::Request(query);
        }
        staged.extend(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        staged.sort_by(|a, b| a.0.cmp(b.0));
        Query::Staged(staged)
    }
}

/// See [`Query::write`].
fn write_query<K: AsRef<str>, V: AsRef<str>>(
    buf: &mut String,
    query: &[(K, V)],
    names: QueryNames,
) {
    for (i, (k, v)) in query.iter().enumerate() {
        if i > 0 {
            buf.push('&');
        }
        let k = k.as_ref();
        match names {
            QueryNames::Encoded => percent_encode_into(buf, k, RFC3986_UNRESERVED),
            QueryNames::Raw => buf.push_str(k),
        }
        buf.push('=');
        percent_encode_into(buf, v.as_ref(), RFC3986_UNRESERVED);
    }
}

/// The distinct names of sorted, lower-case `headers`, joined by `;`.
fn write_signed_headers(buf: &mut String, headers: &[(&str, &str)]) {
    let mut prev: Option<&str> = None;
    for (name, _) in headers {
        if prev == Some(name) {
            continue;
        }
        if prev.is_some() {
            buf.push(';');
        }
        buf.push_str(name);
        prev = Some(name);
    }
}

/// A canonical request: `write` writes it, the `len_*` methods beside it count it.
struct Canonical<'a> {
    method: &'a str,
    /// The path, `/` if empty.
    uri: &'a str,
    query: Query<'a>,
    names: QueryNames,
    /// The headers to sign, with lower-case names and trimmed values, sorted by name then
    /// value: equal names merge into one line with their values joined by `,` (what the
    /// official SDKs do).
    headers: &'a [(&'a str, &'a str)],
    /// The signer's own lines and this signature's values, when they follow `headers`.
    own: Option<(&'a Own, [&'a str; 3])>,
    payload_hash: &'a str,
}

impl Canonical<'_> {
    /// `Method \n CanonicalURI \n` and the query before encoding.
    fn len_to_query(&self) -> usize {
        self.method.len() + self.uri.len().max(1) + 2 + self.query.plain_len()
    }

    /// `\n CanonicalHeaders \n SignedHeaders \n HashedPayload`: exact but for repeated
    /// names, which are merged (counted as separate lines).
    fn len_after_query(&self) -> usize {
        let header_lines: usize = self
            .headers
            .iter()
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum();
        let own_lines = self.own.map_or(0, |(own, values)| {
            own.lines_len() + values.iter().map(|v| v.len()).sum::<usize>()
        });
        let signed_names = signed_names_len(self.headers, self.own.is_some(), self.own_names());
        1 + header_lines + own_lines + 1 + signed_names + 1 + self.payload_hash.len()
    }

    fn own_names(&self) -> &str {
        self.own.map_or("", |(own, _)| &own.names)
    }

    /// Appends the canonical request, reserving `after_query` bytes after the query (the
    /// buffer's one growth when the query's escapes exceed the slack).
    #[inline(always)]
    fn write(&self, buf: &mut String, after_query: usize) -> Ranges {
        buf.push_str(self.method);
        buf.push('\n');
        buf.push_str(if self.uri.is_empty() { "/" } else { self.uri });
        buf.push('\n');
        let q0 = buf.len();
        self.query.write(buf, self.names);
        let query = q0..buf.len();
        buf.reserve(after_query);
        buf.push('\n');
        write_header_lines(buf, self.headers);
        let own_at = self.own.map(|(own, values)| {
            let at = buf.len();
            own.write(buf, &values);
            at
        });
        buf.push('\n');
        let s0 = buf.len();
        write_signed_headers(buf, self.headers);
        buf.push_str(self.own_names());
        let signed_headers = s0..buf.len();
        buf.push('\n');
        buf.push_str(self.payload_hash);
        Ranges {
            query,
            signed_headers,
            end: buf.len(),
            own_at,
        }
    }
}

/// The length of `SignedHeaders`: the names of `headers` (repeats counted), then `own`'s.
/// `host` is always among `headers` of a signer: the first name has no `;` before it.
fn signed_names_len(headers: &[(&str, &str)], own_after: bool, own_names: &str) -> usize {
    headers
        .iter()
        .map(|(k, _)| k.len() + 1)
        .sum::<usize>()
        .saturating_sub(1)
        + if own_after { own_names.len() } else { 0 }
}

/// `name:value\n` for each of sorted `headers`, the values of a repeated name joined by `,`.
#[inline(always)]
fn write_header_lines(buf: &mut String, headers: &[(&str, &str)]) {
    let mut prev: Option<&str> = None;
    for (name, value) in headers {
        if prev == Some(name) {
            buf.push(',');
        } else {
            if prev.is_some() {
                buf.push('\n');
            }
            buf.push_str(name);
            buf.push(':');
            prev = Some(name);
        }
        buf.push_str(value);
    }
    if prev.is_some() {
        buf.push('\n');
    }
}

/// `hex(MAC(string_to_sign))`, out of line: inlined into the large `sign`, LLVM left the
/// MAC's finish as a call, and the digest's copy into an array read back with wider loads
/// than its stores (a stall); here both inline, and the digest is read in place.
#[inline(never)]
fn mac_hex<A: Algorithm>(keyed: &A::Mac, string_to_sign: &[u8]) -> Hex64 {
    let mut mac = keyed.clone();
    mac.update(string_to_sign);
    Hex64::from_slice(&mac.finalize().into_bytes())
}

/// `NAME \n hex(digest)`. Inlined, the digest read in place (see `Hex64::from_slice`).
#[inline(always)]
fn write_string_to_sign<A: Algorithm>(buf: &mut String, canonical_request_digest: &[u8]) {
    buf.push_str(A::NAME);
    buf.push('\n');
    buf.push_str(Hex64::from_slice(canonical_request_digest).as_str());
}

/// The canonical request of already-complete inputs, signing **every** header given, as
/// the official `get_authorization` does. Returns `(canonical_request, signed_headers)`.
///
/// For debugging and for callers that build the `x-acs-*` headers themselves; the
/// [`Acs3Signer`] adds them for you.
///
/// ```
/// let (canonical, signed) = cloudsign::alibaba::acs3::canonical_request(
///     "GET", "/", &[("test", "ok"), ("empty", "")],
///     &[("x-acs-test", "http"), ("x-acs-TEST", "https")],
///     "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
/// );
/// assert_eq!(signed, "x-acs-test");
/// assert!(canonical.starts_with("GET\n/\nempty=&test=ok\nx-acs-test:http,https\n\n"));
/// ```
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    hashed_payload: &str,
) -> (String, String) {
    let mut q = query.to_vec();
    q.sort_by(|a, b| a.0.cmp(b.0));
    let lower: Vec<(String, &str)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim()))
        .collect();
    let mut h: Vec<(&str, &str)> = lower.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    h.sort_unstable();
    let mut buf = String::new();
    let canonical = Canonical {
        method,
        uri: canonical_uri,
        query: Query::Staged(&q),
        names: QueryNames::Encoded,
        headers: &h,
        own: None,
        payload_hash: hashed_payload,
    };
    canonical.write(&mut buf, 0);
    let mut signed = String::new();
    write_signed_headers(&mut signed, &h);
    (buf, signed)
}

/// `"ACS3-HMAC-SHA256\n" + hex(SHA256(canonical_request))`.
pub fn string_to_sign(canonical_request: &str) -> String {
    let mut s = String::with_capacity(ALGORITHM.len() + 1 + HmacSha256::HEX_LEN);
    let digest = <HmacSha256 as Algorithm>::Hash::digest(canonical_request.as_bytes());
    write_string_to_sign::<HmacSha256>(&mut s, &digest);
    s
}

/// `hex(HMAC-SHA256(secret, string_to_sign))`.
pub fn signature(secret: &crate::SecretKey, string_to_sign: &str) -> String {
    let mut mac = HmacSha256::key(secret.expose_secret().as_bytes());
    mac.update(string_to_sign.as_bytes());
    Hex64::from_slice(&mac.finalize().into_bytes())
        .as_str()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::EMPTY_SHA256_HEX;

    fn credentials(token: Option<&str>) -> Credentials {
        let creds = Credentials::new("ak", "sk").unwrap();
        match token {
            Some(t) => creds.with_security_token(t).unwrap(),
            None => creds,
        }
    }

    /// The signer's own header values are taken from the canonical request: whether they
    /// are its last header lines or a caller's `x-acs-*` header sorts among them, with and
    /// without a security token, each must equal what was signed.
    #[test]
    fn own_header_values_match_the_canonical_request() {
        let ctx = SigningContext::from_unix(1_700_000_000, "n0nce").unwrap();
        for token in [None, Some("t0k+/=")] {
            let creds = credentials(token);
            let signer = Acs3Signer::builder(creds)
                .action("Act")
                .version("2020-01-01")
                .build()
                .unwrap();
            for extra in [
                None,
                Some("x-acs-aaa"),
                Some("x-acs-meta"),
                Some("x-acs-zzz"),
            ] {
                let mut b = CanonicalRequest::builder()
                    .method("POST")
                    .host("example.com")
                    .header("Content-Type", "application/json")
                    .body(b"{}".to_vec());
                if let Some(name) = extra {
                    b = b.header(name, "v");
                }
                let out = signer.sign(&b.build().unwrap(), &ctx).unwrap();
                let canonical = out.canonical_request().unwrap();
                let want = [
                    (header::X_ACS_ACTION, "Act"),
                    (header::X_ACS_VERSION, "2020-01-01"),
                    (header::X_ACS_DATE, "2023-11-14T22:13:20Z"),
                    (header::X_ACS_SIGNATURE_NONCE, "n0nce"),
                    (
                        header::X_ACS_CONTENT_SHA256,
                        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                    ),
                ];
                for (name, value) in want {
                    assert_eq!(out.header(name), Some(value), "{name} with {extra:?}");
                    assert!(
                        canonical.contains(&format!("\n{name}:{value}\n")),
                        "{name} with {extra:?}: {canonical}"
                    );
                }
                assert_eq!(out.header(header::X_ACS_SECURITY_TOKEN), token);
                let n = out.headers().len();
                assert_eq!(n, if token.is_some() { 8 } else { 6 });
            }
        }
    }

    /// Requests with queries in and out of order, and with more headers than fit on the
    /// stack, sorting before or among the signer's own, sign as the public helpers say.
    #[test]
    fn large_requests_sign_like_the_helpers() {
        let ctx = SigningContext::from_unix(1_700_000_000, "n0nce").unwrap();
        let signer = Acs3Signer::builder(Credentials::new("ak", "sk").unwrap())
            .action("Act")
            .version("2020-01-01")
            .build()
            .unwrap();
        for n in [0, 1, STACK_PAIRS, 3 * STACK_PAIRS] {
            for reversed in [false, true] {
                // `x-acs-a*` sorts before the signer's own headers, `x-acs-m*` among them.
                for prefix in ["X-Acs-A", "X-Acs-M"] {
                    let mut b = CanonicalRequest::builder()
                        .method("GET")
                        .host("example.com");
                    for i in 0..n {
                        let i = if reversed { n - 1 - i } else { i };
                        b = b
                            .query(format!("K{i:02}"), format!("v {i}"))
                            .header(format!("{prefix}{i:02}"), format!(" h{i} "));
                    }
                    let req = b.build().unwrap();
                    let out = signer.sign(&req, &ctx).unwrap();
                    let query: Vec<(&str, &str)> = req
                        .query()
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let mut headers = vec![("host", "example.com")];
                    headers.extend(req.headers().iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    headers.extend(out.headers().filter(|(n, _)| *n != header::AUTHORIZATION));
                    let (canonical, _) =
                        canonical_request("GET", "/", &query, &headers, EMPTY_SHA256_HEX);
                    let case = format!("{n} {reversed} {prefix}");
                    assert_eq!(out.canonical_request(), Some(canonical.as_str()), "{case}");
                    let secret = crate::SecretKey::new("sk");
                    assert_eq!(
                        out.signature(),
                        signature(&secret, &string_to_sign(&canonical)),
                        "{case}"
                    );
                }
            }
        }
    }

    /// The buffer is sized exactly, but for the query's escapes: no growth, no waste.
    #[test]
    fn the_buffer_is_sized_exactly() {
        let ctx = SigningContext::from_unix(1_700_000_000, "n0nce").unwrap();
        for token in [None, Some("t0k+/=")] {
            let creds = credentials(token);
            for names in [QueryNames::Encoded, QueryNames::Raw] {
                let signer = Acs3Signer::builder(creds.clone())
                    .action("Act")
                    .version("2020-01-01")
                    .query_names(names)
                    .build()
                    .unwrap();
                for extra in [None, Some("x-acs-aaa"), Some("x-acs-zzz")] {
                    for query in [&[][..], &[("b", "2"), ("a", "x y")][..]] {
                        let mut b = CanonicalRequest::builder()
                            .method("POST")
                            .host("example.com")
                            .path("/p")
                            .header("Content-Type", "application/json")
                            .header("x-acs-meta", "one")
                            .header("x-acs-meta", "two")
                            .body(b"{}".to_vec());
                        for (k, v) in query {
                            b = b.query(*k, *v);
                        }
                        if let Some(name) = extra {
                            b = b.header(name, "v");
                        }
                        let out = signer.sign(&b.build().unwrap(), &ctx).unwrap();
                        // One escape (the space), written twice with raw names.
                        let escapes = match (query.is_empty(), names) {
                            (true, _) => 0,
                            (false, QueryNames::Encoded) => 2,
                            (false, QueryNames::Raw) => 4,
                        };
                        // The repeated name is merged into one line (`name:` once) and
                        // named once in `SignedHeaders`, which `Authorization` repeats.
                        let merged = 3 * "x-acs-meta:".len();
                        assert_eq!(
                            out.spare_capacity(),
                            QUERY_SLACK - escapes + merged,
                            "{token:?} {names:?} {extra:?} {query:?}"
                        );
                    }
                }
            }
        }
    }
}
