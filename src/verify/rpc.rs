//! Alibaba RPC verification (`SignatureVersion=1.0`, HMAC-SHA1): the parameters decoded from
//! the query and the form body as received, then the gateway's string to sign over all of
//! them but `Signature`, and its HMAC-SHA1 keyed with `secret&`, compared in constant time.
//!
//! ```text
//! CanonicalizedQueryString = the parameters sorted by name, percentEncode(name) "="
//!                            percentEncode(value) joined by "&"
//! StringToSign             = HTTPMethod "&" percentEncode("/") "&" percentEncode(CanonicalizedQueryString)
//! ```

use std::sync::Arc;

use hmac::Mac;
use smallvec::SmallVec;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::params::{self, Decoded, Params};
use super::{check_window, KeyStore, Received, Scheme, Verified, Verifier, VerifyError};
use crate::alibaba::rpc::{param, SIGNATURE_METHOD, SIGNATURE_VERSION};
use crate::encoding::percent_encode_twice_into;
use crate::mac::hmac_sha1;
use crate::SecretKey;

const SCHEME: Scheme = Scheme::AlibabaRpc;

/// Verifies Alibaba RPC requests (HMAC-SHA1, `SignatureVersion=1.0`): the `Signature`
/// parameter over every other parameter, `SignatureMethod` and `SignatureVersion`, the
/// `Timestamp` (`yyyy-MM-ddTHH:mm:ssZ`, UTC) within the window (15 minutes either way by
/// default), the `SignatureNonce` (the replay key), and the `SecurityToken` against the
/// key's.
///
/// The parameters are those the gateway reads: the query, and for a `POST` the
/// `application/x-www-form-urlencoded` body too (the official SDKs send the API's form
/// parameters there and the rest in the query). Both are decoded strictly: `%XX` (either
/// case of hex) is a byte, `+` a space (Python's `urlencode`, which tea-openapi uses,
/// writes spaces so), and every name and value must be UTF-8. A name that comes twice
/// (twice in the query, or in both the query and the body) is refused as malformed: an
/// SDK sends each once, and the gateway's choice between the two is not documented. So is
/// a `POST` body of another content type, which would go unsigned.
///
/// A mismatch carries the whole string to sign, which Alibaba echoes
/// (`server string to sign is:...`).
///
/// ```
/// use cloudsign::alibaba::RpcSigner;
/// use cloudsign::verify::{MemoryKeyStore, Received, RpcVerifier, Verifier};
/// use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let creds = Credentials::new("testid", "testsecret")?;
/// let signer = RpcSigner::builder(creds.clone()).action("DescribeRegions")
///     .version("2014-05-26").build()?;
/// let req = CanonicalRequest::builder().host("ecs.aliyuncs.com").build()?;
/// let out = signer.sign(&req, &SigningContext::from_unix(1_700_000_000, "n-1")?)?;
///
/// let got = Received::new("GET", "ecs.aliyuncs.com", &format!("/?{}", out.query_string()));
/// let verifier = RpcVerifier::new(MemoryKeyStore::new().with(creds))
///     .window(time::Duration::minutes(5));
/// let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_060)?;
/// let ok = verifier.verify(&got, now)?;
/// assert_eq!(ok.nonce.as_deref(), Some("n-1"));
///
/// let err = verifier.verify(&Received::new("POST", "ecs.aliyuncs.com", got.path()), now);
/// assert_eq!(err.unwrap_err().cloud_code(), "IncompleteSignature");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RpcVerifier {
    keys: Arc<dyn KeyStore>,
    window: Duration,
}

impl std::fmt::Debug for RpcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcVerifier")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl RpcVerifier {
    /// A verifier that looks keys up in `keys`, with Alibaba's 15-minute window.
    pub fn new(keys: impl KeyStore + 'static) -> Self {
        RpcVerifier {
            keys: Arc::new(keys),
            window: SCHEME.default_window(),
        }
    }

    /// How far the signing time may be from the server's, either way.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }
}

fn malformed(what: &'static str, reason: &'static str) -> VerifyError {
    VerifyError::Malformed {
        scheme: SCHEME,
        what,
        reason,
    }
}

fn missing(what: &'static str) -> VerifyError {
    VerifyError::Missing {
        scheme: SCHEME,
        what,
    }
}

/// The signature parameters, borrowed from the decoded ones.
struct Common<'a> {
    signature: [u8; 20],
    access_key_id: &'a str,
    nonce: &'a str,
    timestamp: &'a str,
    token: Option<&'a str>,
}

impl Verifier for RpcVerifier {
    fn scheme(&self) -> Scheme {
        SCHEME
    }

    /// Its [`cloud_code`](VerifyError::cloud_code) is Alibaba's.
    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        let texts = params::raw_texts(req).map_err(|(what, reason)| malformed(what, reason))?;
        let decoded = Decoded::new(&texts).map_err(|r| malformed("parameters", r))?;
        let params = sorted(&decoded)?;
        let common = common(&params)?;
        let signed_at = parse_timestamp(common.timestamp)?;
        let window = self.window.whole_seconds();
        check_window(
            SCHEME,
            signed_at.unix_timestamp(),
            now.unix_timestamp(),
            window,
        )?;
        let creds =
            self.keys
                .credentials(common.access_key_id)
                .ok_or_else(|| VerifyError::UnknownKey {
                    scheme: SCHEME,
                    access_key_id: common.access_key_id.to_owned(),
                })?;
        if common.token != creds.security_token().map(|t| t.expose_secret()) {
            return Err(VerifyError::TokenMismatch { scheme: SCHEME });
        }
        check_signature(
            req.method(),
            &params,
            decoded.len(),
            &common,
            creds.secret(),
        )?;
        Ok(Verified {
            scheme: SCHEME,
            access_key_id: common.access_key_id.to_owned(),
            signed_at,
            nonce: Some(common.nonce.to_owned()),
            replay_key: common.nonce.to_owned(),
            expires_at: signed_at + self.window,
            security_token: creds.security_token().cloned(),
        })
    }
}

/// The parameters sorted by name (byte order, the gateway's), each name once.
fn sorted(decoded: &Decoded) -> Result<Params<'_>, VerifyError> {
    let mut params = decoded.params().map_err(|r| malformed("parameters", r))?;
    params.sort_unstable_by(|a, b| a.0.cmp(b.0));
    match params.windows(2).find(|w| w[0].0 == w[1].0) {
        Some(w) if w[0].0 == param::SIGNATURE => {
            Err(malformed(param::SIGNATURE, "it came more than once"))
        }
        Some(_) => Err(malformed("parameters", "a parameter name came twice")),
        None => Ok(params),
    }
}

/// The value of `name` among the sorted parameters.
fn find<'a>(params: &Params<'a>, name: &str) -> Option<&'a str> {
    let at = params.binary_search_by(|p| p.0.cmp(name)).ok()?;
    params.get(at).map(|p| p.1)
}

/// The signature parameters, in the gateway's order of checks: the signature, its method
/// and version, the key, the nonce, the time.
fn common<'a>(params: &Params<'a>) -> Result<Common<'a>, VerifyError> {
    let required = |name| find(params, name).ok_or_else(|| missing(name));
    let signature = params::signature::<20>(required(param::SIGNATURE)?).ok_or(malformed(
        param::SIGNATURE,
        "not the canonical Base64 of 20 bytes (HMAC-SHA1)",
    ))?;
    if required(param::SIGNATURE_METHOD)? != SIGNATURE_METHOD {
        return Err(malformed(param::SIGNATURE_METHOD, "not HMAC-SHA1"));
    }
    if required(param::SIGNATURE_VERSION)? != SIGNATURE_VERSION {
        return Err(malformed(param::SIGNATURE_VERSION, "not 1.0"));
    }
    let access_key_id = required(param::ACCESS_KEY_ID)?;
    let nonce = required(param::SIGNATURE_NONCE)?;
    if nonce.is_empty() {
        return Err(malformed(param::SIGNATURE_NONCE, "empty"));
    }
    Ok(Common {
        signature,
        access_key_id,
        nonce,
        timestamp: required(param::TIMESTAMP)?,
        token: find(params, param::SECURITY_TOKEN),
    })
}

/// `yyyy-MM-ddTHH:mm:ssZ`, exactly.
fn parse_timestamp(value: &str) -> Result<OffsetDateTime, VerifyError> {
    let bad = || VerifyError::BadTime {
        scheme: SCHEME,
        what: param::TIMESTAMP,
    };
    let shape = value.len() == 20
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return Err(bad());
    }
    // Digits only, at most 4: each field parses.
    let field = |at: usize, len: usize| {
        let digits = value.get(at..at + len).unwrap_or_default();
        digits.parse::<u16>().map_err(|_| bad())
    };
    let month = Month::try_from(u8::try_from(field(5, 2)?).map_err(|_| bad())?);
    let date = Date::from_calendar_date(
        i32::from(field(0, 4)?),
        month.map_err(|_| bad())?,
        u8::try_from(field(8, 2)?).map_err(|_| bad())?,
    );
    let (h, m, s) = (field(11, 2)?, field(14, 2)?, field(17, 2)?);
    let hms = |v: u16| u8::try_from(v).map_err(|_| bad());
    let time = Time::from_hms(hms(h)?, hms(m)?, hms(s)?);
    match (date, time) {
        (Ok(d), Ok(t)) => Ok(PrimitiveDateTime::new(d, t).assume_utc()),
        _ => Err(bad()),
    }
}

/// `HTTPMethod&%2F&percentEncode(CanonicalizedQueryString)` over every parameter but
/// `Signature` (sorted): each name and value encoded twice, `=` as `%3D`, `&` as `%26`.
fn string_to_sign(method: &str, params: &Params<'_>, decoded_len: usize) -> String {
    // Room for the common case (a few escapes); the text grows if it needs more.
    let mut sts = String::with_capacity(method.len() + 5 + 2 * decoded_len + 6 * params.len());
    sts.push_str(method);
    sts.push_str("&%2F&");
    let signed = params.iter().filter(|(name, _)| *name != param::SIGNATURE);
    for (i, (name, value)) in signed.enumerate() {
        if i > 0 {
            sts.push_str("%26");
        }
        percent_encode_twice_into(&mut sts, name);
        sts.push_str("%3D");
        percent_encode_twice_into(&mut sts, value);
    }
    sts
}

/// `Signature` against the HMAC-SHA1 of the string to sign keyed with `secret&`.
fn check_signature(
    method: &str,
    params: &Params<'_>,
    decoded_len: usize,
    common: &Common<'_>,
    secret: &SecretKey,
) -> Result<(), VerifyError> {
    let string_to_sign = string_to_sign(method, params, decoded_len);
    let secret = secret.expose_secret().as_bytes();
    let mut key: SmallVec<[u8; 64]> = SmallVec::with_capacity(secret.len() + 1);
    key.extend_from_slice(secret);
    key.push(b'&');
    let mut mac = hmac_sha1(&key);
    mac.update(string_to_sign.as_bytes());
    // Constant time: `verify_slice` compares without an early exit.
    match mac.verify_slice(&common.signature) {
        Ok(()) => Ok(()),
        Err(_) => Err(VerifyError::SignatureMismatch {
            scheme: SCHEME,
            string_to_sign,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso8601_utc_exactly() {
        let t = parse_timestamp("2023-11-14T22:13:20Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_700_000_000);
        for bad in [
            "2023-11-14T22:13:20",
            "2023-11-14 22:13:20Z",
            "2023-11-14T22:13:20.000Z",
            "2023-13-14T22:13:20Z",
            "2023-02-30T22:13:20Z",
            "2023-11-14T24:00:00Z",
            "2023-11-14T22:60:00Z",
            "2023-11-14t22:13:20z",
            "+023-11-14T22:13:20Z",
            "",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_string_to_sign_is_the_signers() {
        let params: Params<'_> = [("a b", "*~"), ("Signature", "x"), ("test", "ok")]
            .into_iter()
            .collect();
        let want = crate::alibaba::rpc::string_to_sign("GET", &[("test", "ok"), ("a b", "*~")]);
        assert_eq!(string_to_sign("GET", &params, 10), want);
    }
}
