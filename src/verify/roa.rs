//! Alibaba ROA (V2) verification: the string to sign rebuilt from what arrived and written
//! straight into HMAC-SHA1 of the secret, compared in constant time with the signature of
//! `Authorization: acs <AccessKeyId>:<Base64>`.
//!
//! ```text
//! StringToSign = Method \n Accept \n Content-MD5 \n Content-Type \n Date \n
//!                "x-acs-name:value\n" for every x-acs-* header, sorted by name
//!                Path [ "?" sorted "name=value" (or "name" for an empty value) joined by "&" ]
//! ```
//! Header values and query values go in as they are (the query decoded): not trimmed, not
//! encoded.

use base64::Engine as _;
use hmac::Hmac;
use sha1::Sha1;
use smallvec::SmallVec;
use time::{Duration, OffsetDateTime};

use super::keyed::{mac_is, Keys};
use super::stream::{self, Out, Pairs};
use super::{check_window, KeyStore, Received, Scheme, Verified, Verifier, VerifyError};
use crate::alibaba::roa::{content_md5, header, HeaderNames, SIGNATURE_METHOD, SIGNATURE_VERSION};
use crate::mac::hmac_sha1;
use crate::text::cmp_ignore_ascii_case;

const SCHEME: Scheme = Scheme::AlibabaRoa;

/// Verifies ROA requests (`Authorization: acs <AccessKeyId>:<Base64 HMAC-SHA1>`): the
/// signature over the string to sign of what arrived; `Date` (RFC 1123 GMT) within the
/// window (15 minutes either way by default); `x-acs-signature-nonce` present (it is the
/// [`replay_key`](Verified::replay_key)); `x-acs-signature-method: HMAC-SHA1` and
/// `x-acs-signature-version: 1.0` when sent; a `Content-MD5` equal to the Base64 MD5 of the
/// body received (else a [`SignatureMismatch`](VerifyError::SignatureMismatch) whose string
/// to sign holds the body's MD5: without `Content-MD5`, ROA does not cover the body); and
/// `x-acs-security-token` against the key's.
///
/// Every `x-acs-*` header is signed, its name in any letter case, as HTTP reads names (the
/// document, `aliyun-python-sdk-core` and [`RoaSigner`](crate::alibaba::RoaSigner)). The
/// query is decoded (`+` as a space) and sorted by name; an empty value is written as the
/// bare name (`alibabacloud-openapi-util`), or, tried next, `name=`
/// (`aliyun-python-sdk-core`). [`header_names`](Self::header_names) also accepts what
/// `alibabacloud-tea-openapi` signs, which reads only names written in lower case.
///
/// ```
/// use cloudsign::alibaba::RoaSigner;
/// use cloudsign::verify::{MemoryKeyStore, Received, RoaVerifier, Verifier};
/// use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let creds = Credentials::new("LTAI5tExample", "secret")?;
/// let signer = RoaSigner::builder(creds.clone()).action("DescribeClusters")
///     .version("2015-12-15").build()?;
/// let req = CanonicalRequest::builder().host("cs.aliyuncs.com").path("/clusters")
///     .query("name", "my cluster").build()?;
/// let out = signer.sign(&req, &SigningContext::from_unix(1_700_000_000, "n0nce")?)?;
///
/// let target = format!("/clusters?{}", out.query_string());
/// let mut got = Received::new("GET", "cs.aliyuncs.com", &target);
/// for (name, value) in out.headers() {
///     got = got.header(name, value);
/// }
/// let verifier = RoaVerifier::new(MemoryKeyStore::new().with(creds));
/// let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_060)?;
/// assert_eq!(verifier.verify(&got, now)?.access_key_id, "LTAI5tExample");
///
/// // Another cluster name: the server's string to sign is in the message.
/// let other = Received::new("GET", "cs.aliyuncs.com", "/clusters?name=other");
/// let other = got.headers().iter().fold(other, |r, (n, v)| r.header(n, v));
/// let err = verifier.verify(&other, now).unwrap_err();
/// assert_eq!(err.cloud_code(), "SignatureDoesNotMatch");
/// assert!(err.cloud_message().ends_with("\n/clusters?name=other"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RoaVerifier {
    keys: Keys<Hmac<Sha1>>,
    window: Duration,
    header_names: HeaderNames,
}

impl std::fmt::Debug for RoaVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoaVerifier")
            .field("window", &self.window)
            .field("header_names", &self.header_names)
            .finish_non_exhaustive()
    }
}

impl RoaVerifier {
    /// A verifier that looks keys up in `keys`, with Alibaba's 15-minute window, reading
    /// header names in any letter case.
    pub fn new(keys: impl KeyStore + 'static) -> Self {
        RoaVerifier {
            keys: Keys::new(keys, hmac_sha1),
            window: SCHEME.default_window(),
            header_names: HeaderNames::AnyCase,
        }
    }

    /// How far `Date` may be from the server's time, either way.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// [`HeaderNames::LowercaseOnly`]: a request whose headers are not all spelled in lower
    /// case may also be signed as `alibabacloud-tea-openapi` signs it, reading only
    /// `accept`, `content-md5`, `content-type`, `date` and `x-acs-*` written in lower case
    /// (tried after the any-case form). Its other headers (`X-Acs-Meta: ...`) are then not
    /// covered by the signature; by default ([`HeaderNames::AnyCase`]) they must be.
    pub fn header_names(mut self, names: HeaderNames) -> Self {
        self.header_names = names;
        self
    }
}

/// The parts of `acs <AccessKeyId>:<signature>`.
struct Authorization<'a> {
    access_key_id: &'a str,
    signature: [u8; 20],
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let bad = |reason| SCHEME.malformed("Authorization", reason);
    let rest = value
        .strip_prefix("acs ")
        .ok_or(bad("does not start with \"acs \""))?;
    let (access_key_id, signature) = rest
        .split_once(':')
        .ok_or(bad("not AccessKeyId:Signature"))?;
    if access_key_id.is_empty() {
        return Err(bad("the access key id is empty"));
    }
    // Canonical Base64 of the 20 bytes of an HMAC-SHA1: 28 characters, one `=`.
    let mut bytes = [0u8; 21];
    let decoded = base64::engine::general_purpose::STANDARD.decode_slice(signature, &mut bytes);
    let signature = match (signature.len(), decoded) {
        (28, Ok(20)) => bytes.first_chunk::<20>().copied(),
        _ => None,
    }
    .ok_or(bad("Signature is not the canonical Base64 of 20 bytes"))?;
    Ok(Authorization {
        access_key_id,
        signature,
    })
}

impl Verifier for RoaVerifier {
    fn scheme(&self) -> Scheme {
        SCHEME
    }

    /// Its [`cloud_code`](VerifyError::cloud_code) is Alibaba's.
    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        let lines = Lines::read(req, ANY_CASE)?;
        let auth = lines
            .authorization
            .ok_or(SCHEME.missing("Authorization header"))?;
        let auth = parse_authorization(auth)?;
        let date = lines.date.ok_or(SCHEME.missing("Date header"))?;
        let signed_at = stream::parse_imf_fixdate(date).ok_or(VerifyError::BadTime {
            scheme: SCHEME,
            what: header::DATE,
        })?;
        let window = self.window.whole_seconds();
        check_window(
            SCHEME,
            signed_at.unix_timestamp(),
            now.unix_timestamp(),
            window,
        )?;
        let [nonce, method, version, id, token] = lines.known;
        let nonce = nonce
            .filter(|n| !n.is_empty())
            .ok_or(SCHEME.missing("x-acs-signature-nonce header"))?;
        for (value, name, wanted) in [
            (method, header::X_ACS_SIGNATURE_METHOD, SIGNATURE_METHOD),
            (version, header::X_ACS_SIGNATURE_VERSION, SIGNATURE_VERSION),
        ] {
            if value.is_some_and(|v| v != wanted) {
                return Err(SCHEME.malformed(name, "not the value ROA signs with"));
            }
        }
        let creds = self.keys.credentials(SCHEME, auth.access_key_id)?;
        if id.is_some_and(|id| id != auth.access_key_id) {
            return Err(SCHEME.malformed(
                header::X_ACS_ACCESSKEY_ID,
                "it is not the Authorization's access key id",
            ));
        }
        if token != creds.security_token().map(|t| t.expose_secret()) {
            return Err(VerifyError::TokenMismatch { scheme: SCHEME });
        }
        self.check_signature(req, &auth, &lines, self.keys.mac(&creds))?;
        Ok(Verified {
            scheme: SCHEME,
            access_key_id: auth.access_key_id.to_owned(),
            signed_at,
            nonce: Some(nonce.to_owned()),
            expires_at: signed_at.saturating_add(self.window),
            security_token: creds.security_token().cloned(),
            signature: None,
        })
    }
}

/// How a string to sign reads the request: which header names count, and how an empty
/// query value is written.
#[derive(Clone, Copy)]
struct Form {
    lowercase_only: bool,
    empty_as_name_eq: bool,
}

/// Names in any case, empty values bare: the document's form, and the first tried.
const ANY_CASE: Form = Form {
    lowercase_only: false,
    empty_as_name_eq: false,
};

/// An `x-acs-*` header.
#[derive(Clone, Copy)]
struct XAcs<'a> {
    name: &'a str,
    value: &'a str,
    /// The name compares and is written as it is: it is spelled in lower case, or the
    /// form reads names as written.
    plain: bool,
}

/// The `x-acs-*` headers the verifier reads itself, in the order of [`Lines::known`]
/// (their lengths differ: a name is compared with one of them at most).
const KNOWN: [&str; 5] = [
    header::X_ACS_SIGNATURE_NONCE,
    header::X_ACS_SIGNATURE_METHOD,
    header::X_ACS_SIGNATURE_VERSION,
    header::X_ACS_ACCESSKEY_ID,
    header::X_ACS_SECURITY_TOKEN,
];

/// The headers one [`Form`] reads: `Authorization`, the four lines and the `x-acs-*`
/// headers, sorted by name (as the form compares names), those of [`KNOWN`] also on
/// their own.
struct Lines<'a> {
    authorization: Option<&'a str>,
    accept: Option<&'a str>,
    content_md5: Option<&'a str>,
    content_type: Option<&'a str>,
    date: Option<&'a str>,
    x_acs: SmallVec<[XAcs<'a>; 12]>,
    /// The values of the [`KNOWN`] headers (names compared as the form compares them).
    known: [Option<&'a str>; 5],
    form: Form,
}

impl<'a> Lines<'a> {
    /// One pass over the received headers; a repeated one is refused.
    fn read(req: &'a Received, form: Form) -> Result<Self, VerifyError> {
        const LINES: [&str; 5] = [
            "authorization",
            "accept",
            "content-md5",
            "content-type",
            "date",
        ];
        let mut found: [Option<&str>; 5] = [None; 5];
        let mut x_acs: SmallVec<[XAcs<'a>; 12]> = SmallVec::new();
        let mut known: [Option<&str>; 5] = [None; 5];
        for (name, value) in req.headers() {
            let read = |wanted: &str| match form.lowercase_only {
                true => name.starts_with(wanted),
                false => name
                    .get(..wanted.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(wanted)),
            };
            if read("x-acs-") {
                let (name, value) = (name.as_str(), value.as_str());
                let plain = form.lowercase_only || !name.bytes().any(|b| b.is_ascii_uppercase());
                let is = |k: &&str| match plain {
                    true => *k == name,
                    false => name.eq_ignore_ascii_case(k),
                };
                if let Some(slot) = KNOWN.iter().position(is).and_then(|k| known.get_mut(k)) {
                    *slot = Some(value);
                }
                x_acs.push(XAcs { name, value, plain });
                continue;
            }
            let line = LINES.iter().position(|l| l.len() == name.len() && read(l));
            let slot = line.and_then(|i| found.get_mut(i));
            if slot.is_some_and(|s| s.replace(value).is_some()) {
                return Err(
                    SCHEME.malformed("header", "a header the signature depends on came twice")
                );
            }
        }
        x_acs.sort_by(|a, b| order(a, b));
        if x_acs.windows(2).any(|w| match w {
            [a, b] => order(a, b).is_eq(),
            _ => false,
        }) {
            return Err(SCHEME.malformed("header", "an x-acs-* header came twice"));
        }
        let [authorization, accept, content_md5, content_type, date] = found;
        Ok(Lines {
            authorization,
            accept,
            content_md5,
            content_type,
            date,
            x_acs,
            known,
            form,
        })
    }
}

/// How `x-acs-*` names sort: lower-cased (plainly when both are spelled so, the usual
/// case), or as written when the form reads them so.
fn order(a: &XAcs<'_>, b: &XAcs<'_>) -> std::cmp::Ordering {
    match a.plain && b.plain {
        true => a.name.cmp(b.name),
        false => cmp_ignore_ascii_case(a.name, b.name),
    }
}

impl RoaVerifier {
    /// The signature checked against each form an official SDK writes, in this order: any
    /// case, empty values bare (`lines`, read already); lower-case names only (if set and
    /// the request has a name that is not); any case, empty values as `name=` (if the query
    /// has one).
    fn check_signature(
        &self,
        req: &Received,
        auth: &Authorization<'_>,
        lines: &Lines<'_>,
        keyed: Hmac<Sha1>,
    ) -> Result<(), VerifyError> {
        let query = stream::sorted_pairs(req.raw_query());
        let lowercase = self.header_names == HeaderNames::LowercaseOnly
            && req.headers().iter().any(|(n, _)| read_not_lowercase(n));
        let empty = query.iter().any(|(_, v)| v.is_empty());
        // The server's MD5 of the body stands on the line; the header must equal it.
        let md5 = lines.content_md5.map(|_| body_md5(req));
        let matches = |lines: &Lines<'_>, md5: Option<&[u8; 24]>| {
            let md5_ok = lines.content_md5.map(str::as_bytes) == md5.map(|m| &m[..]);
            let mut mac = keyed.clone();
            write_string_to_sign(&mut mac, req, lines, md5, &query);
            md5_ok && mac_is(mac, &auth.signature)
        };
        if matches(lines, md5.as_ref()) {
            return Ok(());
        }
        for (lowercase_only, empty_as_name_eq, relevant) in
            [(true, false, lowercase), (false, true, empty)]
        {
            if !relevant {
                continue;
            }
            let form = Form {
                lowercase_only,
                empty_as_name_eq,
            };
            let other = Lines::read(req, form)?;
            let other_md5 = other.content_md5.map(|_| body_md5(req));
            if matches(&other, other_md5.as_ref()) {
                return Ok(());
            }
        }
        let mut echoed = Vec::new();
        write_string_to_sign(&mut echoed, req, lines, md5.as_ref(), &query);
        Err(VerifyError::mismatch(
            SCHEME,
            String::from_utf8_lossy(&echoed).into_owned(),
        ))
    }
}

/// Whether the string to sign reads header `name` (in any case) and it is not spelled in
/// lower case: only then do the two header-name forms differ.
fn read_not_lowercase(name: &str) -> bool {
    let read = ["accept", "content-md5", "content-type", "date"]
        .iter()
        .any(|l| name.eq_ignore_ascii_case(l))
        || name
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("x-acs-"));
    read && name.bytes().any(|b| b.is_ascii_uppercase())
}

/// Base64 of the body's MD5.
fn body_md5(req: &Received) -> [u8; 24] {
    content_md5(req.body_bytes())
}

/// The string to sign of `form`, written into `out`. The `Content-MD5` line is the body's
/// (when the request has one).
fn write_string_to_sign<O: Out>(
    out: &mut O,
    req: &Received,
    lines: &Lines<'_>,
    body_md5: Option<&[u8; 24]>,
    query: &Pairs<'_>,
) {
    let form = lines.form;
    let md5 = body_md5.map_or(&b""[..], |m| &m[..]);
    for line in [
        req.method().as_bytes(),
        lines.accept.unwrap_or_default().as_bytes(),
        md5,
        lines.content_type.unwrap_or_default().as_bytes(),
        lines.date.unwrap_or_default().as_bytes(),
    ] {
        out.put(line);
        out.put(b"\n");
    }
    for h in &lines.x_acs {
        match h.plain {
            true => out.put(h.name.as_bytes()),
            false => stream::put_lower(out, h.name),
        }
        out.put(b":");
        out.put(h.value.as_bytes());
        out.put(b"\n");
    }
    out.put(match req.path() {
        "" => b"/",
        path => path.as_bytes(),
    });
    for (i, (name, value)) in query.iter().enumerate() {
        out.put(if i == 0 { b"?" } else { b"&" });
        stream::put_decoded(out, name, false);
        if !value.is_empty() {
            out.put(b"=");
            stream::put_decoded(out, value, false);
        } else if form.empty_as_name_eq {
            out.put(b"=");
        }
    }
}
