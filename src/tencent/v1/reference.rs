//! Signature V1 as Tencent's document states it, in plain `String`s: the reference that
//! [`V1Signer::sign`](super::V1Signer) is held to, stage by stage, on every vector,
//! conformance case and generated request (`tests/support/reference.rs`).
//!
//! ```text
//! 1. sort the parameters by name (ASCII, "_" written "."), Signature excluded
//! 2. request string = "name=value" joined by "&", values raw (not encoded)
//! 3. StringToSign   = Method + Host + Path + "?" + request string
//! 4. Signature      = Base64(HMAC-SHA1 or HMAC-SHA256(SecretKey, StringToSign))
//! 5. every parameter and the Signature form-encoded: the query (GET) or the body (POST)
//! ```

use super::{param, SignatureMethod, V1Signer, SCHEME};
use crate::request::form_params;
use crate::signer::plain;
use crate::{CanonicalRequest, Error, SigningContext, Stages};

pub(super) fn sign(
    signer: &V1Signer,
    req: &CanonicalRequest,
    ctx: &SigningContext,
) -> Result<Stages, Error> {
    // The input errors are the fast path's: one check for both.
    signer.check(req, ctx)?;
    let post = req.method() == "POST";
    let user = match post {
        true => form_params(req, SCHEME)?,
        false => req.query().to_vec(),
    };
    let own = own_params(signer, ctx);
    let all: Vec<(String, String)> = user.into_iter().chain(own.iter().cloned()).collect();

    // 1. and 2.: the request string.
    let mut sorted: Vec<(String, &str)> = all
        .iter()
        .map(|(k, v)| (k.replace('_', "."), v.as_str()))
        .collect();
    sorted.sort();
    let request_string = join(sorted.iter().map(|(k, v)| format!("{k}={v}")));
    // 3. and 4.: the string to sign and the signature.
    let (method, host, path) = (req.method(), req.host(), req.path());
    let string_to_sign = format!("{method}{host}{path}?{request_string}");
    let (key, text) = (signer.credentials.secret().expose_secret(), &string_to_sign);
    let signature = plain::base64(&match signer.method {
        SignatureMethod::HmacSha256 => plain::hmac_sha256(key.as_bytes(), text.as_bytes()),
        _ => plain::hmac_sha1(key.as_bytes(), text.as_bytes()),
    });
    // 5.: in the order given, the signer's after the request's, the Signature last.
    let signed = (param::SIGNATURE.to_owned(), signature.clone());
    let sent = all.iter().chain([&signed]);
    let data = join(sent.map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v))));

    let mut stages = Stages::default();
    if post {
        let form = "application/x-www-form-urlencoded".to_owned();
        stages.headers = vec![("Content-Type".to_owned(), form)];
        stages.body = Some(data);
    } else {
        stages.query_params = own.into_iter().chain([signed]).collect();
        stages.query_string = data;
    }
    stages.string_to_sign = Some(string_to_sign);
    stages.signature = signature;
    stages.finish_for(req, SCHEME)
}

/// The signer's parameters, in the order the official SDK sends them.
fn own_params(signer: &V1Signer, ctx: &SigningContext) -> Vec<(String, String)> {
    let token = signer
        .credentials
        .security_token()
        .map(|t| t.expose_secret());
    [
        (param::ACTION, Some(&*signer.action)),
        (param::REQUEST_CLIENT, signer.request_client.as_deref()),
        (param::NONCE, Some(nonce(ctx.nonce()).as_str())),
        (
            param::TIMESTAMP,
            Some(&ctx.time().unix_timestamp().to_string()),
        ),
        (param::VERSION, signer.version.as_deref()),
        (param::REGION, signer.region.as_deref()),
        (param::TOKEN, token),
        (param::SECRET_ID, Some(signer.credentials.access_key_id())),
        (param::SIGNATURE_METHOD, signer.method.param_value()),
        (param::LANGUAGE, signer.language.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned())))
    .collect()
}

/// The context's nonce if it is 1 to 19 digits, else the first 8 bytes of its SHA-256 as
/// a big-endian integer, top bit cleared (at least 1).
fn nonce(n: &str) -> String {
    if (1..=19).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) {
        return n.to_owned();
    }
    let first8 = u64::from_str_radix(&plain::sha256_hex(n.as_bytes())[..16], 16);
    first8.map_or(1, |n| (n >> 1).max(1)).to_string()
}

/// `application/x-www-form-urlencoded`: RFC 3986 unreserved characters kept, a space `+`.
fn form_encode(s: &str) -> String {
    plain::encode(s).replace("%20", "+")
}

fn join(texts: impl Iterator<Item = String>) -> String {
    texts.collect::<Vec<_>>().join("&")
}
