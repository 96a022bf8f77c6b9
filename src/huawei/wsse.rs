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

use crate::encoding::{base64_into, Hex64};
use crate::signer::{OutputBuilder, Text};
use crate::{
    timefmt, CanonicalRequest, Credentials, Error, SecretKey, Signer, SigningContext, SigningOutput,
};

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

    fn sign(&self, _req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
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
        let created = timefmt::iso8601(ctx.time(), SCHEME)?;
        let created = created.as_str();
        let user = self.credentials.access_key_id();
        let mut out =
            OutputBuilder::new(2 * nonce.len() + 2 * created.len() + user.len() + 250, 2, 0);

        let start = out.pos();
        out.buf().push_str(nonce);
        out.buf().push_str(created);
        out.set_string_to_sign(out.since(start));

        // The signature is the PasswordDigest inside the X-WSSE value.
        let digest = password_digest_hex(nonce, created, self.credentials.secret());
        let start = out.pos();
        let b = out.buf();
        b.push_str(r#"UsernameToken Username=""#);
        b.push_str(user);
        b.push_str(r#"",PasswordDigest=""#);
        let pd = b.len();
        base64_into(b, digest.as_bytes());
        out.set_signature(out.since(pd));
        let b = out.buf();
        b.push_str(r#"",Nonce=""#);
        b.push_str(nonce);
        b.push_str(r#"",Created=""#);
        b.push_str(created);
        b.push('"');
        let x_wsse = out.since(start);
        out.header(header::X_WSSE, x_wsse);
        out.header(header::AUTHORIZATION, Text::Static(AUTHORIZATION));
        Ok(out.finish())
    }
}

fn password_digest_hex(nonce: &str, created: &str, secret: &SecretKey) -> Hex64 {
    let mut h = Sha256::new();
    h.update(nonce.as_bytes());
    h.update(created.as_bytes());
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
        password_digest_hex(nonce, created, secret).as_bytes(),
    );
    s
}
