//! Tencent signature V1 verification (`HmacSHA1` / `HmacSHA256`): the parameters decoded
//! from the query (`GET`) or the form body (`POST`) as received, then Tencent's string to
//! sign over all of them but `Signature`, with the host and path as received, and its HMAC,
//! compared in constant time.
//!
//! ```text
//! StringToSign = Method + Host + Path + "?" + sorted "name=value" joined by "&"
//!                (names with "_" written ".", values decoded, not encoded again)
//! ```

use std::cmp::Ordering;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

use smallvec::SmallVec;

use super::keyed::{mac_is, Keys};
use super::params::{self, Decoded};
use super::{check_window, KeyStore, Received, Scheme, Verified, Verifier, VerifyError};
use crate::bytes::{Cursor, OVERSHOOT};
use crate::mac::{hmac_sha1, hmac_sha256};
use crate::tencent::v1::param;

const SCHEME: Scheme = Scheme::TencentV1;

/// Verifies Tencent signature V1 requests: the `Signature` parameter over every other
/// parameter with the MAC `SignatureMethod` names (`HmacSHA256`, or `HmacSHA1` sent or
/// absent), the `Timestamp` (Unix seconds) within the window (5 minutes either way by
/// default), the `Nonce` (decimal digits, the replay key), the `SecretId`'s key, and the
/// `Token` against the key's.
///
/// The parameters come from the query of a `GET`, or from the
/// `application/x-www-form-urlencoded` body of a `POST` (where the official SDKs put them
/// all; a `POST` with a query is refused, as its query would go unsigned). They are decoded
/// strictly: `%XX` (either case of hex) is a byte, `+` a space (the SDKs' `urlencode`
/// writes spaces so), and every name and value must be UTF-8. A name that comes twice, or
/// two names signed alike (`a_b` and `a.b`), are refused as malformed: the string to sign
/// could not tell them apart. The host and path in the string to sign are those received.
///
/// ```
/// use cloudsign::tencent::V1Signer;
/// use cloudsign::verify::{MemoryKeyStore, Received, V1Verifier, Verifier};
/// use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let creds = Credentials::new("AKIDexample", "secret")?;
/// let signer = V1Signer::builder(creds.clone()).action("DescribeInstances")
///     .version("2017-03-12").region("ap-guangzhou").build()?;
/// let req = CanonicalRequest::builder().host("cvm.tencentcloudapi.com")
///     .query("Limit", "10").build()?;
/// let out = signer.sign(&req, &SigningContext::from_unix(1_700_000_000, "12345")?)?;
///
/// let target = format!("/?{}", out.query_string());
/// let got = Received::new("GET", "cvm.tencentcloudapi.com", &target);
/// let verifier = V1Verifier::new(MemoryKeyStore::new().with(creds));
/// let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_100)?;
/// assert_eq!(verifier.verify(&got, now)?.nonce.as_deref(), Some("12345"));
///
/// // The host is signed.
/// let other = Received::new("GET", "cvm.ap-guangzhou.tencentcloudapi.com", &target);
/// let err = verifier.verify(&other, now).unwrap_err();
/// assert_eq!(err.cloud_code(), "AuthFailure.SignatureFailure");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct V1Verifier {
    keys: Keys<V1Macs>,
    window: Duration,
}

impl std::fmt::Debug for V1Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V1Verifier")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl V1Verifier {
    /// A verifier that looks keys up in `keys`, with Tencent's 5-minute window.
    pub fn new(keys: impl KeyStore + 'static) -> Self {
        V1Verifier {
            keys: Keys::new(keys, v1_macs),
            window: SCHEME.default_window(),
        }
    }

    /// How far the signing time may be from the server's, either way.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }
}

/// A parameter: its decoded name and value, and whether the name holds `_` (signed `.`).
#[derive(Clone, Copy)]
struct Entry<'a> {
    name: &'a str,
    value: &'a str,
    underscore: bool,
}

/// The parameters, sorted by signed name.
type Sorted<'a> = SmallVec<[Entry<'a>; 16]>;

/// The received signature, of the MAC `SignatureMethod` names.
enum Signature {
    Sha1([u8; 20]),
    Sha256([u8; 32]),
}

/// The signature parameters, borrowed from the decoded ones.
struct Common<'a> {
    signature: Signature,
    secret_id: &'a str,
    nonce: &'a str,
    timestamp: OffsetDateTime,
    token: Option<&'a str>,
}

impl Verifier for V1Verifier {
    fn scheme(&self) -> Scheme {
        SCHEME
    }

    /// Its [`cloud_code`](VerifyError::cloud_code) is Tencent's.
    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        let [query, body] =
            params::raw_texts(req).map_err(|(what, reason)| SCHEME.malformed(what, reason))?;
        if req.method() == "POST" && !query.is_empty() {
            return Err(SCHEME.malformed(
                "query",
                "a POST carries its parameters in the form body: its query would go unsigned",
            ));
        }
        // Every value is signed decoded.
        let decoded =
            Decoded::new([query, body], |_| true).map_err(|r| SCHEME.malformed("parameters", r))?;
        let params = sorted(&decoded)?;
        let common = common(&params)?;
        let signed_at = common.timestamp;
        let window = self.window.whole_seconds();
        check_window(
            SCHEME,
            signed_at.unix_timestamp(),
            now.unix_timestamp(),
            window,
        )?;
        let creds = self.keys.credentials(SCHEME, common.secret_id)?;
        if common.token != creds.security_token().map(|t| t.expose_secret()) {
            return Err(VerifyError::TokenMismatch { scheme: SCHEME });
        }
        check_signature(
            req,
            &params,
            decoded.len(),
            &common.signature,
            &self.keys.mac(&creds),
        )?;
        Ok(Verified {
            scheme: SCHEME,
            access_key_id: common.secret_id.to_owned(),
            signed_at,
            nonce: Some(common.nonce.to_owned()),
            expires_at: signed_at.saturating_add(self.window),
            security_token: creds.security_token().cloned(),
            signature: None,
        })
    }
}

/// Orders names as they are signed, `_` written `.`.
fn signed_cmp(a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    let dot = |c: u8| if c == b'_' { b'.' } else { c };
    match a.underscore || b.underscore {
        true => a.name.bytes().map(dot).cmp(b.name.bytes().map(dot)),
        false => params::name_cmp(a.name, b.name),
    }
}

/// The parameters sorted by signed name, each signed name once.
fn sorted<'a>(decoded: &'a Decoded<'_>) -> Result<Sorted<'a>, VerifyError> {
    let mut sorted: Sorted<'a> = decoded
        .iter()
        .map(|p| Entry {
            name: p.name,
            // Every value was decoded (`|_| true`).
            value: p.decoded_value().unwrap_or_default(),
            underscore: p.underscore,
        })
        .collect();
    sorted.sort_unstable_by(signed_cmp);
    match sorted.windows(2).find(|w| signed_cmp(&w[0], &w[1]).is_eq()) {
        Some(w) if w[0].name == param::SIGNATURE => {
            Err(SCHEME.malformed(param::SIGNATURE, "it came more than once"))
        }
        Some(_) => Err(SCHEME.malformed(
            "parameters",
            "a parameter name came twice (or two signed alike, with '_' and '.')",
        )),
        None => Ok(sorted),
    }
}

/// The signature parameters: the signature of the named MAC, the key, the nonce, the time.
fn common<'a>(params: &Sorted<'a>) -> Result<Common<'a>, VerifyError> {
    let mut found: [Option<&str>; 6] = [None; 6];
    for p in params {
        let at = match p.name {
            param::SIGNATURE => 0,
            param::SIGNATURE_METHOD => 1,
            param::SECRET_ID => 2,
            param::NONCE => 3,
            param::TIMESTAMP => 4,
            param::TOKEN => 5,
            _ => continue,
        };
        if let Some(slot) = found.get_mut(at) {
            *slot = Some(p.value);
        }
    }
    let [signature, method, secret_id, nonce, timestamp, token] = found;
    let required = |value: Option<&'a str>, what| {
        value.ok_or(VerifyError::Missing {
            scheme: SCHEME,
            what,
        })
    };
    let value = required(signature, param::SIGNATURE)?;
    let bad = |what| SCHEME.malformed(param::SIGNATURE, what);
    let signature = match method {
        None | Some("HmacSHA1") => Signature::Sha1(
            params::signature(value).ok_or(bad("not the canonical Base64 of 20 bytes (SHA-1)"))?,
        ),
        Some("HmacSHA256") => Signature::Sha256(
            params::signature(value)
                .ok_or(bad("not the canonical Base64 of 32 bytes (SHA-256)"))?,
        ),
        Some(_) => {
            return Err(SCHEME.malformed(param::SIGNATURE_METHOD, "neither HmacSHA1 nor HmacSHA256"))
        }
    };
    let secret_id = required(secret_id, param::SECRET_ID)?;
    let nonce = required(nonce, param::NONCE)?;
    if !(1..=20).contains(&nonce.len()) || !nonce.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SCHEME.malformed(param::NONCE, "not a decimal integer"));
    }
    Ok(Common {
        signature,
        secret_id,
        nonce,
        timestamp: parse_timestamp(required(timestamp, param::TIMESTAMP)?)?,
        token,
    })
}

/// Decimal Unix seconds.
fn parse_timestamp(value: &str) -> Result<OffsetDateTime, VerifyError> {
    let bad = || VerifyError::BadTime {
        scheme: SCHEME,
        what: param::TIMESTAMP,
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let secs: i64 = value.parse().map_err(|_| bad())?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| bad())
}

/// A string to sign as bytes, on the stack for most requests.
type Text = SmallVec<[u8; 2048]>;

/// Writes `Method + Host + Path + "?" + name=value&...` over every parameter but
/// `Signature` to `buf`, in signed order, `_` in names written `.`, values as decoded.
/// Returns `false` if a write did not land (it cannot: the room is an upper bound).
fn write_string_to_sign(
    buf: &mut Text,
    req: &Received,
    params: &Sorted<'_>,
    decoded_len: usize,
) -> bool {
    let (method, host, path) = (req.method(), req.host(), req.path());
    // Decoding never lengthens a text; each parameter adds its `?` or `&`, and `=`.
    let len = method.len() + host.len() + path.len() + decoded_len + 2 * params.len();
    buf.resize(len + OVERSHOOT, 0);
    let mut w = Cursor::new(buf);
    w.bytes(method.as_bytes());
    w.bytes(host.as_bytes());
    w.bytes(path.as_bytes());
    let mut sep = b"?";
    for p in params.iter().filter(|p| p.name != param::SIGNATURE) {
        w.array(std::mem::replace(&mut sep, b"&"));
        match p.underscore {
            true => p
                .name
                .bytes()
                .for_each(|b| w.array(&[if b == b'_' { b'.' } else { b }])),
            false => w.bytes(p.name.as_bytes()),
        }
        w.array(b"=");
        w.bytes(p.value.as_bytes());
    }
    let (end, landed) = (w.len(), w.remaining() >= OVERSHOOT);
    buf.truncate(end);
    landed
}

/// The string to sign (whole names and values are written: UTF-8).
#[cfg(test)]
fn string_to_sign(req: &Received, params: &Sorted<'_>, decoded_len: usize) -> String {
    let mut buf = Text::new();
    let landed = write_string_to_sign(&mut buf, req, params, decoded_len);
    match (landed, std::str::from_utf8(&buf)) {
        (true, Ok(sts)) => sts.to_owned(),
        _ => plain_string_to_sign(req, params),
    }
}

/// [`string_to_sign`] written the plain way.
fn plain_string_to_sign(req: &Received, params: &Sorted<'_>) -> String {
    let mut sts = format!("{}{}{}", req.method(), req.host(), req.path());
    let signed = params.iter().filter(|p| p.name != param::SIGNATURE);
    for (i, p) in signed.enumerate() {
        sts.push(if i == 0 { '?' } else { '&' });
        sts.push_str(&p.name.replace('_', "."));
        sts.push('=');
        sts.push_str(p.value);
    }
    sts
}

/// The HMACs a V1 signature may use (`SignatureMethod`), keyed with one secret.
type V1Macs = (Hmac<Sha1>, Hmac<Sha256>);

fn v1_macs(secret: &[u8]) -> V1Macs {
    (hmac_sha1(secret), hmac_sha256(secret))
}

/// The signature against the HMAC of the string to sign keyed with the secret.
fn check_signature(
    req: &Received,
    params: &Sorted<'_>,
    decoded_len: usize,
    signature: &Signature,
    keyed: &V1Macs,
) -> Result<(), VerifyError> {
    let mut buf = Text::new();
    let plain;
    let sts = match write_string_to_sign(&mut buf, req, params, decoded_len) {
        true => &buf[..],
        false => {
            plain = plain_string_to_sign(req, params);
            plain.as_bytes()
        }
    };
    // Constant time: `mac_is` compares without an early exit.
    let verified = match signature {
        Signature::Sha1(tag) => {
            let mut mac = keyed.0.clone();
            mac.update(sts);
            mac_is(mac, tag)
        }
        Signature::Sha256(tag) => {
            let mut mac = keyed.1.clone();
            mac.update(sts);
            mac_is(mac, tag)
        }
    };
    if verified {
        return Ok(());
    }
    let sts = String::from_utf8(sts.to_vec()).unwrap_or_else(|_| plain_string_to_sign(req, params));
    Err(VerifyError::mismatch(SCHEME, sts))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's example (API 2.0, HmacSHA1 by default).
    #[test]
    fn the_documents_string_to_sign() {
        let decoded = Decoded::new(
            [
            "Action=DescribeInstances&Nonce=11886&Region=gz&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA\
             &Timestamp=1465185768&instance_Ids.0=ins-09dx96dg&limit=20&offset=0&Signature=x",
            "",
            ],
            |_| true,
        )
        .unwrap();
        let params = sorted(&decoded).unwrap();
        let got = Received::new("GET", "cvm.api.qcloud.com", "/v2/index.php");
        assert_eq!(
            string_to_sign(&got, &params, decoded.len()),
            "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=11886&Region=gz\
             &SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&Timestamp=1465185768\
             &instance.Ids.0=ins-09dx96dg&limit=20&offset=0"
        );
        assert_eq!(
            plain_string_to_sign(&got, &params),
            string_to_sign(&got, &params, decoded.len())
        );
        let secret = crate::SecretKey::new("Gu5t9xGARNpq86cd98joQYCN3Cozk1qA");
        let sts = string_to_sign(&got, &params, decoded.len());
        let want = crate::tencent::v1::signature(
            &secret,
            &sts,
            crate::tencent::v1::SignatureMethod::HmacSha1,
        );
        let tag = params::signature::<20>(&want).map(Signature::Sha1).unwrap();
        let keyed = v1_macs(secret.expose_secret().as_bytes());
        assert!(check_signature(&got, &params, decoded.len(), &tag, &keyed).is_ok());
    }

    #[test]
    fn names_signed_alike_are_refused() {
        for text in ["a_b=1&a.b=2", "a=1&a=2", "Signature=x&Signature=y"] {
            let decoded = Decoded::new([text, ""], |_| true).unwrap();
            assert!(sorted(&decoded).is_err(), "{text}");
        }
    }
}
