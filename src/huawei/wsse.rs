//! Huawei Cloud Message & SMS **X-WSSE** (WS-Security UsernameToken over HTTP headers).
//!
//! ```text
//! PasswordDigest = Base64(lowercase_hex(SHA256(Nonce + Created + AppSecret)))
//! X-WSSE         = UsernameToken Username="AppKey",PasswordDigest="…",Nonce="…",Created="yyyy-MM-ddTHH:mm:ssZ"
//! Authorization  = WSSE realm="SDP",profile="UsernameToken",type="Appkey"
//! ```
//! The document's prose says `Base64(SHA256(…))`, but its published example decodes to 64
//! lowercase hex digits, and the official Python, PHP and Java demos encode the hex text:
//! that is what this signer does.
//!
//! **Nothing of the request is signed**: X-WSSE proves knowledge of the secret at a time,
//! nothing more. Use it only over TLS, for the APIs that require it.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::bytes::{Cursor, OVERSHOOT};
use crate::encoding::{base64_into, Hex64};
use crate::signer::{OutputBuilder, Text};
use crate::{
    timefmt, CanonicalRequest, Credentials, Error, SecretKey, Signer, SigningContext,
    SigningOutput, Stages,
};

mod reference;

/// The `Authorization` value that goes with `X-WSSE`.
pub const AUTHORIZATION: &str = r#"WSSE realm="SDP",profile="UsernameToken",type="Appkey""#;

/// Names of the headers this scheme uses.
pub mod header {
    /// The UsernameToken.
    pub const X_WSSE: &str = "X-WSSE";
    /// Always [`AUTHORIZATION`](super::AUTHORIZATION).
    pub const AUTHORIZATION: &str = "Authorization";
}

const SCHEME: &str = "Huawei X-WSSE";

/// The parts of the X-WSSE value around its fields.
const USERNAME: &[u8; 24] = br#"UsernameToken Username=""#;
const DIGEST: &[u8; 18] = br#"",PasswordDigest=""#;
const NONCE: &[u8; 9] = br#"",Nonce=""#;
const CREATED: &[u8; 11] = br#"",Created=""#;
/// The Base64 of 64 hex digits.
const DIGEST_LEN: usize = 88;

/// Signs with the X-WSSE UsernameToken. The access key id is the AppKey and the secret is
/// the AppSecret. The nonce must be 1 to 128 ASCII letters and digits (what
/// [`SigningContext::now`] makes fits).
///
/// ```
/// use cloudsign::{huawei::WsseSigner, CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let signer = WsseSigner::new(Credentials::new("ARBRz4bAXoFgEH7o4Ew308eXc1RA", "app-secret")?);
/// let req = CanonicalRequest::builder().method("POST").host("smsapi.cn-north-4.myhuaweicloud.com")
///     .path("/sms/batchSendSms/v1").build()?;
/// let ctx = SigningContext::new(time::macros::datetime!(2018-05-26 00:35:30 UTC), "ac1c911c4792492687f8f6b2264a491e");
/// let out = signer.sign(&req, &ctx)?;
/// assert!(out.header("X-WSSE").unwrap().starts_with(r#"UsernameToken Username="ARBRz4bAXoFgEH7o4Ew308eXc1RA",PasswordDigest=""#));
/// assert!(out.header("X-WSSE").unwrap().ends_with(r#"",Nonce="ac1c911c4792492687f8f6b2264a491e",Created="2018-05-26T00:35:30Z""#));
/// assert_eq!(out.header("Authorization"), Some(r#"WSSE realm="SDP",profile="UsernameToken",type="Appkey""#));
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct WsseSigner {
    credentials: Credentials,
}

impl fmt::Debug for WsseSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsseSigner")
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl WsseSigner {
    /// A signer for an AppKey (access key id) and AppSecret (secret).
    pub fn new(credentials: Credentials) -> Self {
        WsseSigner { credentials }
    }
}

impl Signer for WsseSigner {
    fn algorithm(&self) -> &'static str {
        "WSSE"
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
        self.check(req, ctx)?;
        let created = timefmt::iso8601(ctx.time(), SCHEME)?;
        let digest =
            password_digest_hex(ctx.nonce(), created.as_bytes(), self.credentials.secret());
        self.write(ctx.nonce().as_bytes(), created.as_bytes(), &digest)
    }

    fn sign_reference(
        &self,
        req: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Option<Result<Stages, Error>> {
        Some(reference::sign(self, req, ctx))
    }
}

impl WsseSigner {
    /// Every input error of a signature: a request signed before, a nonce the scheme
    /// cannot carry, a security token (X-WSSE has none), a time it cannot write.
    fn check(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<(), Error> {
        crate::api::refuse(SCHEME, req)?;
        // Nothing of the request is signed, but a request that already carries the two
        // headers this scheme sets was signed before: sending it again replays a nonce.
        if let Some((name, _)) = req.headers().iter().find(|(name, _)| {
            name.eq_ignore_ascii_case(header::X_WSSE)
                || name.eq_ignore_ascii_case(header::AUTHORIZATION)
        }) {
            return Err(Error::reserved(SCHEME, name, req));
        }
        let nonce = ctx.nonce();
        if nonce.len() > 128 || !ctx.nonce_is_alphanumeric() {
            return Err(Error::InvalidNonce {
                scheme: SCHEME,
                reason: "must be 1 to 128 ASCII letters and digits",
            });
        }
        if self.credentials.security_token().is_some() {
            return Err(Error::InvalidSetting {
                field: "security_token",
                reason: "X-WSSE has no security token",
            });
        }
        timefmt::iso8601(ctx.time(), SCHEME).map(drop)
    }

    /// The string to sign and the X-WSSE value, in one buffer of exact size (short texts
    /// are block stores there, not `memcpy` calls), and the output around them.
    #[inline]
    fn write(&self, nonce: &[u8], created: &[u8], digest: &Hex64) -> Result<SigningOutput, Error> {
        let user = self.credentials.access_key_id().as_bytes();
        let sts_len = nonce.len() + created.len();
        let len = sts_len
            + USERNAME.len()
            + user.len()
            + DIGEST.len()
            + DIGEST_LEN
            + NONCE.len()
            + nonce.len()
            + CREATED.len()
            + created.len()
            + 1;
        let mut out = OutputBuilder::new(len + OVERSHOOT, 2, 0);
        let mut buf = out.take_bytes();
        buf.resize(len + OVERSHOOT, 0);
        let mut w = Cursor::new(&mut buf);
        w.bytes(nonce);
        w.bytes(created);
        w.array(USERNAME);
        w.bytes(user);
        w.array(DIGEST);
        // The signature is the PasswordDigest inside the X-WSSE value.
        let sig = w.len()..w.len() + DIGEST_LEN;
        w.base64(digest.as_bytes());
        w.array(NONCE);
        w.bytes(nonce);
        w.array(CREATED);
        w.bytes(created);
        w.array(b"\"");
        // Room for the overshoot left means every write landed.
        if w.len() != len || w.remaining() < OVERSHOOT {
            return Err(Error::Internal {
                scheme: SCHEME,
                reason: "the X-WSSE value outgrew its computed length",
            });
        }
        buf.truncate(len);
        out.put_bytes(buf);
        out.set_string_to_sign(Text::Span(0..sts_len));
        out.set_signature(Text::Span(sig));
        out.header(header::X_WSSE, Text::Span(sts_len..len));
        out.header(header::AUTHORIZATION, Text::Static(AUTHORIZATION));
        Ok(out.finish())
    }
}

fn password_digest_hex(nonce: &str, created: &[u8], secret: &SecretKey) -> Hex64 {
    let mut h = Sha256::new();
    h.update(nonce.as_bytes());
    h.update(created);
    h.update(secret.expose_secret().as_bytes());
    Hex64::from_slice(&h.finalize())
}

/// `Base64(lowercase_hex(SHA256(nonce + created + secret)))`: 88 characters.
///
/// ```
/// let d = cloudsign::huawei::wsse::password_digest("n", "2018-05-26T00:35:30Z", &cloudsign::SecretKey::new("s"));
/// assert_eq!(d.len(), 88);
/// ```
pub fn password_digest(nonce: &str, created: &str, secret: &SecretKey) -> String {
    let mut s = String::with_capacity(88);
    base64_into(
        &mut s,
        password_digest_hex(nonce, created.as_bytes(), secret).as_bytes(),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The X-WSSE value is its parts in order, whatever the lengths of the user and the
    /// nonce (short ones are stored in blocks, long ones copied).
    #[test]
    fn x_wsse_is_its_parts() {
        let req = CanonicalRequest::builder()
            .host("example.com")
            .build()
            .unwrap();
        for user_len in [1, 7, 8, 16, 17, 32, 33, 80] {
            let user = "u".repeat(user_len);
            let signer = WsseSigner::new(Credentials::new(user.as_str(), "secret").unwrap());
            for nonce_len in [1, 8, 9, 31, 32, 33, 64, 128] {
                let nonce = "n1".repeat(64).get(..nonce_len).unwrap().to_owned();
                let ctx = SigningContext::from_unix(1_700_000_000, nonce.as_str()).unwrap();
                let out = signer.sign(&req, &ctx).unwrap();
                let created = "2023-11-14T22:13:20Z";
                let digest = password_digest(&nonce, created, &SecretKey::new("secret"));
                let want = format!(
                    r#"UsernameToken Username="{user}",PasswordDigest="{digest}",Nonce="{nonce}",Created="{created}""#
                );
                assert_eq!(out.header(header::X_WSSE), Some(want.as_str()));
                assert_eq!(out.signature(), digest);
                assert_eq!(
                    out.string_to_sign(),
                    Some(format!("{nonce}{created}").as_str())
                );
                assert_eq!(out.header(header::AUTHORIZATION), Some(AUTHORIZATION));
            }
        }
    }
}
