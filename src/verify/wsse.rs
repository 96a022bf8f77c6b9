//! X-WSSE verification (Huawei Message & SMS, Voice, Private Number): the two headers parsed
//! strictly, `Created` within the window, and the `PasswordDigest` recomputed from the
//! nonce, the time and the AppSecret, compared in constant time.
//!
//! ```text
//! Authorization  = WSSE realm="SDP",profile="UsernameToken",type="Appkey"
//! X-WSSE         = UsernameToken Username="AppKey",PasswordDigest="…",Nonce="…",Created="yyyy-MM-ddTHH:mm:ssZ"
//! PasswordDigest = Base64(lowercase_hex(SHA256(Nonce + Created + AppSecret)))
//! ```

use sha2::{Digest as _, Sha256};
use time::{Duration, OffsetDateTime};

use super::huawei::{cut, parse_stamp, EXTENDED};
use super::keyed::Keys;
use super::{check_window, KeyStore, Received, Scheme, Verified, Verifier, VerifyError};
use crate::bytes::{base64_to_slice, ct_eq};
use crate::encoding::Hex64;
use crate::huawei::wsse::{header, AUTHORIZATION};

const SCHEME: Scheme = Scheme::HuaweiWsse;

/// Verifies X-WSSE UsernameTokens: `Authorization: WSSE realm="SDP",profile="UsernameToken",
/// type="Appkey"` and `X-WSSE: UsernameToken Username=..,PasswordDigest=..,Nonce=..,
/// Created=..`, `Created` (`yyyy-MM-ddTHH:mm:ssZ`, UTC) within the window (5 minutes either
/// way by default; SMS documents 24 hours, see [`window`](Self::window)), the `Username`
/// (the AppKey) in the key store, and the digest.
///
/// **Nothing of the request is signed** by this scheme, so nothing of it is checked: wrap
/// the verifier [`with_replay`](Verifier::with_replay) (the nonce is the
/// [`replay_key`](Verified::replay_key)) and use it over TLS only.
///
/// The digest is accepted in both forms Huawei's demos send: Base64 of the lower-case hex
/// digest (88 characters: the document's example, the Python, PHP and newer Java demos) and
/// Base64 of the 32-byte digest (44 characters: the Go, Node and older Java demos). Its
/// text is compared with the canonical Base64 of the server's digest in constant time
/// (which is strict decoding and a comparison of bytes, without the decoding): a digest
/// with other characters or the wrong length is malformed (`E000008`), one with
/// non-canonical padding bits does not match (`1010010`). The fields may come in any order, each once, separated by `,` (the demos) or `, ` (the
/// document's template). Refusals carry SMS's codes (`E000001`..`E000023`) for the
/// headers' parts.
///
/// ```
/// use cloudsign::huawei::WsseSigner;
/// use cloudsign::verify::{MemoryKeyStore, Received, Verifier, WsseVerifier};
/// use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let creds = Credentials::new("AppKey", "AppSecret")?;
/// let req = CanonicalRequest::builder().method("POST").host("smsapi.example.com")
///     .path("/sms/batchSendSms/v1").build()?;
/// let out = WsseSigner::new(creds.clone()).sign(&req, &SigningContext::from_unix(1_700_000_000, "n0nce")?)?;
/// let mut got = Received::new("POST", "smsapi.example.com", "/sms/batchSendSms/v1");
/// for (name, value) in out.headers() {
///     got = got.header(name, value);
/// }
/// let verifier = WsseVerifier::new(MemoryKeyStore::new().with(creds));
/// let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_060)?;
/// assert_eq!(verifier.verify(&got, now)?.replay_key(), "n0nce");
///
/// // Without the Authorization header: SMS's code for it.
/// let bare = Received::new("POST", "smsapi.example.com", "/").header("X-WSSE", out.header("X-WSSE").unwrap_or_default());
/// assert_eq!(verifier.verify(&bare, now).unwrap_err().cloud_code(), "E000001");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct WsseVerifier {
    keys: Keys<()>,
    window: Duration,
}

impl std::fmt::Debug for WsseVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsseVerifier")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl WsseVerifier {
    /// A verifier that looks AppKeys up in `keys`, with a 5-minute window.
    pub fn new(keys: impl KeyStore + 'static) -> Self {
        WsseVerifier {
            keys: Keys::new(keys, |_| ()),
            window: SCHEME.default_window(),
        }
    }

    /// How far `Created` may be from the server's time, either way (SMS documents 24
    /// hours: `time::Duration::hours(24)`).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }
}

/// The values of `names` in `prefix name="value",name="value"...` (`, ` also separates):
/// each at most once, no other name, no empty value (an empty one is `None`, as if
/// absent). One pass over the bytes.
fn fields<'a, const N: usize>(
    value: &'a str,
    prefix: &str,
    names: [&str; N],
    what: &'static str,
) -> Result<[Option<&'a str>; N], VerifyError> {
    let rest = value
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| SCHEME.malformed(what, "does not start with its scheme word and a space"))?;
    let bytes = rest.as_bytes();
    // The position of the first `c` at or after `from` (`memchr`: a word at a time).
    let find = |from: usize, c: char| Some(from + rest.get(from..)?.find(c)?);
    let mut found = [None; N];
    let mut at = 0;
    loop {
        let unquoted = || SCHEME.malformed(what, "a part is not name=\"value\"");
        let eq = find(at, '=').ok_or_else(unquoted)?;
        if bytes.get(eq + 1) != Some(&b'"') {
            return Err(unquoted());
        }
        let close = find(eq + 2, '"').ok_or_else(unquoted)?;
        let (name, text) = (rest.get(at..eq), rest.get(eq + 2..close));
        let slot = names
            .iter()
            .position(|n| Some(*n) == name)
            .and_then(|k| found.get_mut(k))
            .ok_or_else(|| SCHEME.malformed(what, "a part has a name the scheme does not know"))?;
        if slot.is_some() {
            return Err(SCHEME.malformed(what, "a part came twice"));
        }
        *slot = text.filter(|t| !t.is_empty());
        at = match (bytes.get(close + 1), bytes.get(close + 2)) {
            (None, _) => return Ok(found),
            (Some(b','), Some(b' ')) => close + 3,
            (Some(b','), _) => close + 2,
            _ => return Err(unquoted()),
        };
    }
}

/// `WSSE realm="SDP",profile="UsernameToken",type="Appkey"`.
fn check_authorization(value: &str) -> Result<(), VerifyError> {
    // What every client sends, byte for byte; anything else is read part by part.
    if value == AUTHORIZATION {
        return Ok(());
    }
    let [realm, profile, kind] =
        fields(value, "WSSE", ["realm", "profile", "type"], "Authorization")?;
    match realm.ok_or(SCHEME.missing("realm"))? {
        "SDP" => {}
        _ => return Err(SCHEME.malformed("realm", "must be SDP")),
    }
    match profile.ok_or(SCHEME.missing("profile"))? {
        "UsernameToken" => {}
        _ => return Err(SCHEME.malformed("profile", "must be UsernameToken")),
    }
    match kind.ok_or(SCHEME.missing("type"))? {
        "Appkey" => Ok(()),
        _ => Err(SCHEME.malformed("type", "must be Appkey")),
    }
}

/// The parts of the X-WSSE UsernameToken.
struct UsernameToken<'a> {
    username: &'a str,
    digest: Digest<'a>,
    nonce: &'a str,
    created: &'a str,
}

fn parse_token(value: &str) -> Result<UsernameToken<'_>, VerifyError> {
    let names = ["Username", "PasswordDigest", "Nonce", "Created"];
    let [username, digest, nonce, created] = match as_written(value) {
        Some(parts) => parts,
        None => fields(value, "UsernameToken", names, "X-WSSE")?,
    };
    let token = UsernameToken {
        username: username.ok_or_else(|| SCHEME.missing("UserName"))?,
        digest: Digest::of(digest.ok_or_else(|| SCHEME.missing("PasswordDigest"))?)?,
        nonce: nonce.ok_or_else(|| SCHEME.missing("Nonce"))?,
        created: created.ok_or_else(|| SCHEME.missing("Created"))?,
    };
    if token.nonce.len() > 128 {
        return Err(SCHEME.malformed("Nonce", "longer than 128 characters"));
    }
    Ok(token)
}

/// The four values of an X-WSSE value laid out exactly as the signers and Huawei's demos
/// write it (`UsernameToken Username="..",PasswordDigest="..",Nonce="..",Created=".."`),
/// read without searching through the digest and the time, whose lengths are known; `None`
/// for any other layout, which [`fields`] reads (with the same result for this one).
fn as_written(value: &str) -> Option<[Option<&str>; 4]> {
    let rest = value.strip_prefix(r#"UsernameToken Username=""#)?;
    let (username, rest) = cut(rest, b'"')?;
    let rest = rest.strip_prefix(r#",PasswordDigest=""#)?;
    let len = match rest.as_bytes().get(88) {
        Some(b'"') => 88,
        _ => 44,
    };
    let (digest, rest) = (rest.get(..len)?, rest.get(len..)?);
    let rest = rest.strip_prefix(r#"",Nonce=""#)?;
    let (nonce, rest) = cut(rest, b'"')?;
    let rest = rest.strip_prefix(r#",Created=""#)?;
    let (created, end) = (rest.get(..20)?, rest.get(20..)?);
    // A `"` in the digest fails its Base64 check, as in `fields`; one in the time would
    // be a malformed header there, not a malformed time.
    let unquoted = created.bytes().all(|b| b != b'"');
    (end == "\"" && unquoted)
        .then(|| [username, digest, nonce, created].map(|v| Some(v).filter(|v| !v.is_empty())))
}

/// `BASE64[c]`: `c` is one of Base64's 64 symbols.
const BASE64: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        c += 1;
    }
    t
};

/// A `PasswordDigest` of one of the two forms, its characters checked: Base64 (with its
/// padding) of the 64 lower-case hex digits of the SHA-256 (88 characters), or of its 32
/// bytes (44).
enum Digest<'a> {
    Hex(&'a [u8; 88]),
    Bytes(&'a [u8; 44]),
}

impl<'a> Digest<'a> {
    fn of(text: &'a str) -> Result<Self, VerifyError> {
        let bad = || SCHEME.malformed("PasswordDigest", "not Base64 of a SHA-256 in hex or bytes");
        let b = text.as_bytes();
        let (digest, padding) = match (<&[u8; 88]>::try_from(b), <&[u8; 44]>::try_from(b)) {
            (Ok(hex), _) => (Digest::Hex(hex), 2),
            (_, Ok(bytes)) => (Digest::Bytes(bytes), 1),
            _ => return Err(bad()),
        };
        let (symbols, pad) = b.split_at(b.len() - padding);
        // Every byte looked up, no branch per byte.
        let symbols = symbols
            .iter()
            .fold(true, |ok, c| ok & BASE64[usize::from(*c)]);
        match symbols && pad.iter().all(|c| *c == b'=') {
            true => Ok(digest),
            false => Err(bad()),
        }
    }

    /// Whether this is the digest of `sha256`, compared as the canonical Base64 text of
    /// the same form (what strict decoding followed by a comparison of bytes amounts to,
    /// without the decoding), in constant time.
    fn is(&self, sha256: &[u8]) -> bool {
        let mut ours = [0u8; 88];
        let hex = Hex64::from_slice(sha256);
        let (theirs, plain): (&[u8], &[u8]) = match self {
            Digest::Hex(t) => (&t[..], hex.as_bytes()),
            Digest::Bytes(t) => (&t[..], sha256),
        };
        let len = base64_to_slice(plain, &mut ours).unwrap_or(0);
        // Constant time (`ct_eq`: the words XOR-ed and OR-ed, one `subtle` comparison).
        ct_eq(ours.get(..len).unwrap_or_default(), theirs)
    }
}

impl Verifier for WsseVerifier {
    fn scheme(&self) -> Scheme {
        SCHEME
    }

    /// Its [`cloud_code`](VerifyError::cloud_code) is SMS's (X-AKSK's for the digest,
    /// the time and the key).
    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        let one = |name| {
            req.one_header(name)
                .map_err(|r| SCHEME.malformed("header", r))
        };
        check_authorization(
            one(header::AUTHORIZATION)?.ok_or_else(|| SCHEME.missing("Authorization header"))?,
        )?;
        let token =
            parse_token(one(header::X_WSSE)?.ok_or_else(|| SCHEME.missing("X-WSSE header"))?)?;
        let signed_at = parse_stamp(token.created, &EXTENDED).ok_or(VerifyError::BadTime {
            scheme: SCHEME,
            what: "Created",
        })?;
        let window = self.window.whole_seconds();
        check_window(
            SCHEME,
            signed_at.unix_timestamp(),
            now.unix_timestamp(),
            window,
        )?;
        let creds = self.keys.credentials(SCHEME, token.username)?;
        let mut hash = Sha256::new();
        for part in [token.nonce, token.created, creds.secret().expose_secret()] {
            hash.update(part.as_bytes());
        }
        if !token.digest.is(&hash.finalize()) {
            return Err(VerifyError::SignatureMismatch {
                scheme: SCHEME,
                // What is hashed before the secret: nothing secret.
                string_to_sign: format!("{}{}", token.nonce, token.created),
            });
        }
        Ok(Verified {
            scheme: SCHEME,
            access_key_id: token.username.to_owned(),
            signed_at,
            nonce: Some(token.nonce.to_owned()),
            expires_at: signed_at.saturating_add(self.window),
            security_token: None,
            signature: None,
        })
    }
}
