//! Alibaba RPC verification (`SignatureVersion=1.0`, HMAC-SHA1): the parameters decoded from
//! the query and the form body as received, then the gateway's string to sign over all of
//! them but `Signature`, and its HMAC-SHA1 keyed with `secret&`, compared in constant time.
//!
//! ```text
//! CanonicalizedQueryString = the parameters sorted by name, percentEncode(name) "="
//!                            percentEncode(value) joined by "&"
//! StringToSign             = HTTPMethod "&" percentEncode("/") "&" percentEncode(CanonicalizedQueryString)
//! ```

use hmac::{Hmac, Mac};
use sha1::Sha1;
use smallvec::SmallVec;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::keyed::{mac_is, Keys};
use super::params::{self, Decoded, Params, Value};
use super::{check_window, KeyStore, Received, Scheme, Verified, Verifier, VerifyError};
use crate::alibaba::rpc::{param, SIGNATURE_METHOD, SIGNATURE_VERSION};
use crate::bytes::{Cursor, OVERSHOOT};
use crate::encoding::{percent_encode_into, percent_encode_twice_into, RFC3986_UNRESERVED};
use crate::mac::hmac_sha1;

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
    keys: Keys<Hmac<Sha1>>,
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
            keys: Keys::new(keys, rpc_key),
            window: SCHEME.default_window(),
        }
    }

    /// How far the signing time may be from the server's, either way.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
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
        let texts =
            params::raw_texts(req).map_err(|(what, reason)| SCHEME.malformed(what, reason))?;
        let decoded =
            Decoded::new(texts, is_common).map_err(|r| SCHEME.malformed("parameters", r))?;
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
        let creds = self.keys.credentials(SCHEME, common.access_key_id)?;
        if common.token != creds.security_token().map(|t| t.expose_secret()) {
            return Err(VerifyError::TokenMismatch { scheme: SCHEME });
        }
        let keyed = self.keys.mac(&creds);
        check_signature(req.method(), &params, &decoded, &common, keyed)?;
        Ok(Verified {
            scheme: SCHEME,
            access_key_id: common.access_key_id.to_owned(),
            signed_at,
            nonce: Some(common.nonce.to_owned()),
            expires_at: signed_at.saturating_add(self.window),
            security_token: creds.security_token().cloned(),
            signature: None,
        })
    }
}

/// The parameters whose decoded values the verifier reads; the others are only encoded
/// again.
fn is_common(name: &[u8]) -> bool {
    COMMON.iter().any(|c| c.as_bytes() == name)
}

const COMMON: [&str; 7] = [
    param::SIGNATURE,
    param::SIGNATURE_METHOD,
    param::SIGNATURE_VERSION,
    param::ACCESS_KEY_ID,
    param::SIGNATURE_NONCE,
    param::TIMESTAMP,
    param::SECURITY_TOKEN,
];

/// The parameters sorted by name (byte order, the gateway's), each name once.
fn sorted<'a>(decoded: &'a Decoded<'_>) -> Result<Params<'a>, VerifyError> {
    let mut params = decoded.params();
    params.sort_unstable_by(|a, b| params::name_cmp(a.name, b.name));
    match params.windows(2).find(|w| w[0].name == w[1].name) {
        Some(w) if w[0].name == param::SIGNATURE => {
            Err(SCHEME.malformed(param::SIGNATURE, "it came more than once"))
        }
        Some(_) => Err(SCHEME.malformed("parameters", "a parameter name came twice")),
        None => Ok(params),
    }
}

/// The signature parameters, checked in this order (the gateway's is not documented): the
/// signature, its method and version, the key, the nonce, the time.
fn common<'a>(params: &Params<'a>) -> Result<Common<'a>, VerifyError> {
    let mut found: [Option<&str>; 7] = [None; 7];
    for p in params {
        let at = match p.name {
            param::SIGNATURE => 0,
            param::SIGNATURE_METHOD => 1,
            param::SIGNATURE_VERSION => 2,
            param::ACCESS_KEY_ID => 3,
            param::SIGNATURE_NONCE => 4,
            param::TIMESTAMP => 5,
            param::SECURITY_TOKEN => 6,
            _ => continue,
        };
        if let Some(slot) = found.get_mut(at) {
            // `is_common`: decoded.
            *slot = p.decoded_value();
        }
    }
    let [signature, method, version, access_key_id, nonce, timestamp, token] = found;
    let required = |value: Option<&'a str>, name| value.ok_or_else(|| SCHEME.missing(name));
    let signature =
        params::signature::<20>(required(signature, param::SIGNATURE)?).ok_or(SCHEME.malformed(
            param::SIGNATURE,
            "not the canonical Base64 of 20 bytes (HMAC-SHA1)",
        ))?;
    if required(method, param::SIGNATURE_METHOD)? != SIGNATURE_METHOD {
        return Err(SCHEME.malformed(param::SIGNATURE_METHOD, "not HMAC-SHA1"));
    }
    if required(version, param::SIGNATURE_VERSION)? != SIGNATURE_VERSION {
        return Err(SCHEME.malformed(param::SIGNATURE_VERSION, "not 1.0"));
    }
    let access_key_id = required(access_key_id, param::ACCESS_KEY_ID)?;
    let nonce = required(nonce, param::SIGNATURE_NONCE)?;
    if nonce.is_empty() {
        return Err(SCHEME.malformed(param::SIGNATURE_NONCE, "empty"));
    }
    Ok(Common {
        signature,
        access_key_id,
        nonce,
        timestamp: required(timestamp, param::TIMESTAMP)?,
        token,
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

/// What the string to sign's buffer holds beyond the text: the window of the encoder's
/// fast path (`bytes::encode_words` writes a 48-byte chunk into 264 bytes of room) and
/// its overshoot. With less, the encoder takes its checked path: slower, as correct.
const ENCODER_ROOM: usize = 264 + OVERSHOOT;

/// A string to sign as bytes, on the stack for most requests.
type Text = SmallVec<[u8; 2048]>;

/// Writes `HTTPMethod&%2F&percentEncode(CanonicalizedQueryString)` over every parameter but
/// `Signature` (sorted) to `buf`: each name and value encoded twice, `=` as `%3D`, `&` as
/// `%26`. Returns `false` if a write did not land (it cannot: the room is an upper bound).
fn write_string_to_sign(
    buf: &mut Text,
    method: &str,
    params: &Params<'_>,
    decoded: &Decoded<'_>,
) -> bool {
    // A parameter adds `%3D` and `%26`.
    let len = method.len() + 5 + decoded.twice_encoded_len() + 6 * params.len();
    buf.resize(len + ENCODER_ROOM, 0);
    let mut w = Cursor::new(buf);
    w.bytes(method.as_bytes());
    w.array(b"&%2F&");
    let mut signed = params.iter().filter(|p| p.name != param::SIGNATURE);
    if let Some(p) = signed.next() {
        twice(&mut w, p.name, p.plain_name);
        w.array(b"%3D");
        value_twice(&mut w, p.value());
    }
    for p in signed {
        w.array(b"%26");
        twice(&mut w, p.name, p.plain_name);
        w.array(b"%3D");
        value_twice(&mut w, p.value());
    }
    let (end, landed) = (w.len(), w.remaining() >= OVERSHOOT);
    buf.truncate(end);
    landed
}

/// The string to sign (only ASCII is written).
#[cfg(test)]
fn string_to_sign(method: &str, params: &Params<'_>, decoded: &Decoded<'_>) -> String {
    let mut buf = Text::new();
    let landed = write_string_to_sign(&mut buf, method, params, decoded);
    match (landed, std::str::from_utf8(&buf)) {
        (true, Ok(sts)) => sts.to_owned(),
        _ => plain_string_to_sign(method, params),
    }
}

/// Writes `percentEncode(percentEncode(text))`: a plain text (most names and values) as
/// it is, without a look.
#[inline(always)]
fn twice(w: &mut Cursor<'_>, text: &str, plain: bool) {
    match plain {
        true => w.bytes(text.as_bytes()),
        false => w.encode(text.as_bytes(), true),
    }
}

/// [`twice`] for a value; one received in RFC 3986's encoding is encoded once more.
#[inline(always)]
fn value_twice(w: &mut Cursor<'_>, value: Value<'_>) {
    match value {
        Value::Plain(v) => w.bytes(v.as_bytes()),
        Value::Decoded(v) => w.encode(v.as_bytes(), true),
        // Unreserved bytes and `%`: encoding it once turns each `%` into `%25`.
        Value::Encoded(v) => w.encode_each(v.as_bytes(), false),
    }
}

/// [`string_to_sign`] written the plain way.
fn plain_string_to_sign(method: &str, params: &Params<'_>) -> String {
    let mut sts = format!("{method}&%2F&");
    let signed = params.iter().filter(|p| p.name != param::SIGNATURE);
    for (i, p) in signed.enumerate() {
        if i > 0 {
            sts.push_str("%26");
        }
        percent_encode_twice_into(&mut sts, p.name);
        sts.push_str("%3D");
        match p.value() {
            Value::Plain(v) | Value::Decoded(v) => percent_encode_twice_into(&mut sts, v),
            Value::Encoded(v) => percent_encode_into(&mut sts, v, RFC3986_UNRESERVED),
        }
    }
    sts
}

/// HMAC-SHA1 keyed with `secret&`, the key of RPC.
fn rpc_key(secret: &[u8]) -> Hmac<Sha1> {
    let mut key: SmallVec<[u8; 64]> = SmallVec::with_capacity(secret.len() + 1);
    key.extend_from_slice(secret);
    key.push(b'&');
    hmac_sha1(&key)
}

/// `Signature` against the HMAC-SHA1 of the string to sign keyed with `secret&`.
fn check_signature(
    method: &str,
    params: &Params<'_>,
    decoded: &Decoded<'_>,
    common: &Common<'_>,
    keyed: Hmac<Sha1>,
) -> Result<(), VerifyError> {
    let mut buf = Text::new();
    let plain;
    let sts = match write_string_to_sign(&mut buf, method, params, decoded) {
        true => &buf[..],
        false => {
            plain = plain_string_to_sign(method, params);
            plain.as_bytes()
        }
    };
    let mut mac = keyed;
    mac.update(sts);
    // Constant time: `mac_is` compares without an early exit.
    match mac_is(mac, &common.signature) {
        true => Ok(()),
        false => Err(VerifyError::mismatch(
            SCHEME,
            String::from_utf8(sts.to_vec())
                .unwrap_or_else(|_| plain_string_to_sign(method, params)),
        )),
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
        let long = "a*/中~".repeat(40);
        let text = format!(
            "a+b=%2A~&Signature=x&test=ok&z={}",
            crate::signer::plain::encode(&long)
        );
        let decoded = Decoded::new([&text, ""], is_common).unwrap();
        let params = sorted(&decoded).unwrap();
        let want = crate::alibaba::rpc::string_to_sign(
            "POST",
            &[("test", "ok"), ("a b", "*~"), ("z", &long)],
        );
        assert_eq!(string_to_sign("POST", &params, &decoded), want);
        assert_eq!(plain_string_to_sign("POST", &params), want);
    }

    /// Names and values of every kind of byte, each encoded by one of the ways clients
    /// do (RFC 3986, Python's `quote_plus`, lower-case hex, needless escapes, reserved
    /// bytes left literal): the string to sign is the signer's over the decoded texts.
    #[test]
    fn every_encoding_gives_the_signers_string_to_sign() {
        const CHARS: [&str; 18] = [
            "a", "Z", "0", "-", "_", ".", "~", " ", "*", "/", "+", "=", "&", "%", "中", "é", ":",
            "'",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..300 {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for i in 0..1 + next(6) {
                let mut text = || (0..next(8)).map(|_| CHARS[next(CHARS.len())]).collect();
                let name: String = text();
                pairs.push((format!("{name}{i}"), text()));
            }
            let style = next(5);
            let enc = |s: &str| encode_as(s, style);
            let raw: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
                .collect();
            let raw = raw.join("&");
            let decoded = Decoded::new([&raw, ""], is_common).unwrap();
            let params = sorted(&decoded).unwrap();
            let refs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let want = crate::alibaba::rpc::string_to_sign("GET", &refs);
            assert_eq!(
                string_to_sign("GET", &params, &decoded),
                want,
                "{round}: {raw}"
            );
        }
    }

    /// `s` encoded in one of five ways.
    fn encode_as(s: &str, style: usize) -> String {
        let mut out = String::new();
        for c in s.chars() {
            let mut buf = [0u8; 4];
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                let unreserved = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
                let reserved_literal = b"*/:'".contains(&b);
                match style {
                    1 if b == b' ' => out.push('+'),
                    2 if !unreserved => out.push_str(&format!("%{b:02x}")),
                    3 if b.is_ascii_alphabetic() || b == b'_' => out.push_str(&format!("%{b:02X}")),
                    4 if reserved_literal => out.push(char::from(b)),
                    _ if unreserved => out.push(char::from(b)),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
        }
        out
    }
}
