//! X-WSSE as Huawei's document states it, in plain `String`s: the reference that
//! [`WsseSigner::sign`](super::WsseSigner) is held to, stage by stage, on every vector,
//! conformance case and generated request (`tests/support/reference.rs`).
//!
//! ```text
//! Created        = yyyy-MM-ddTHH:mm:ssZ (UTC)
//! PasswordDigest = Base64(lowercase_hex(SHA256(Nonce + Created + AppSecret)))
//! X-WSSE         = UsernameToken Username="AppKey",PasswordDigest="…",Nonce="…",Created="…"
//! ```

use super::{header, WsseSigner, AUTHORIZATION, SCHEME};
use crate::signer::plain;
use crate::{CanonicalRequest, Error, SigningContext, Stages};

pub(super) fn sign(
    signer: &WsseSigner,
    req: &CanonicalRequest,
    ctx: &SigningContext,
) -> Result<Stages, Error> {
    // The input errors are the fast path's: one check for both.
    signer.check(req, ctx)?;
    let app_key = signer.credentials.access_key_id();
    let app_secret = signer.credentials.secret().expose_secret();
    let nonce = ctx.nonce();
    let created = plain::iso8601(ctx.time());

    // The string to sign as `SigningOutput` reports it: without the secret it ends with.
    let string_to_sign = format!("{nonce}{created}");
    let hash_hex = plain::sha256_hex(format!("{string_to_sign}{app_secret}").as_bytes());
    let password_digest = plain::base64(hash_hex.as_bytes());
    let x_wsse = format!(
        r#"UsernameToken Username="{app_key}",PasswordDigest="{password_digest}",Nonce="{nonce}",Created="{created}""#
    );

    Stages {
        string_to_sign: Some(string_to_sign),
        signature: password_digest,
        headers: vec![
            (header::X_WSSE.to_owned(), x_wsse),
            (header::AUTHORIZATION.to_owned(), AUTHORIZATION.to_owned()),
        ],
        ..Stages::default()
    }
    .finish_for(req, SCHEME)
}
