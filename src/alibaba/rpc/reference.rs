//! Alibaba Cloud RPC as its document (*Request signatures*) states it, in plain `String`s:
//! the reference that [`RpcSigner::sign`](super::RpcSigner) is held to, stage by stage, on
//! every vector, conformance case and generated request (`tests/support/reference.rs`).
//!
//! ```text
//! CanonicalizedQueryString = the parameters (the request's query and form body, and the
//!                            common ones) sorted by name,
//!                            percentEncode(name) "=" percentEncode(value) joined by "&"
//! StringToSign             = HTTPMethod "&" percentEncode("/") "&" percentEncode(CanonicalizedQueryString)
//! Signature                = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))
//! ```

use super::{param, Inputs, RpcSigner, SCHEME, SIGNATURE_METHOD, SIGNATURE_VERSION};
use crate::signer::plain;
use crate::{CanonicalRequest, Error, SigningContext, Stages};

pub(super) fn sign(
    signer: &RpcSigner,
    req: &CanonicalRequest,
    ctx: &SigningContext,
) -> Result<Stages, Error> {
    // A request that names another action or version signs as a copy with its own.
    if let Some(signer) = crate::api::for_request(signer, req) {
        return sign(&signer, req, ctx);
    }
    // The input errors are the fast path's: one check for both.
    let form = signer.check(req, ctx)?;
    Inputs::collect(req, &form, ctx)?;

    let timestamp = plain::iso8601(ctx.time());
    let token = signer.credentials.security_token();
    let mut common = vec![
        (param::ACCESS_KEY_ID, signer.credentials.access_key_id()),
        (param::ACTION, &*signer.action),
        (param::FORMAT, &*signer.format),
        (param::SIGNATURE_METHOD, SIGNATURE_METHOD),
        (param::SIGNATURE_NONCE, ctx.nonce()),
        (param::SIGNATURE_VERSION, SIGNATURE_VERSION),
        (param::TIMESTAMP, &timestamp),
        (param::VERSION, &*signer.version),
    ];
    common.extend(token.map(|t| (param::SECURITY_TOKEN, t.expose_secret())));
    common.sort();
    let sent = [pairs(req.query()), common.clone()].concat();
    let signed = [sent.clone(), pairs(&form)].concat();

    let canonicalized_query = canonicalized(signed);
    let string_to_sign = format!(
        "{}&{}&{}",
        req.method(),
        plain::encode("/"),
        plain::encode(&canonicalized_query)
    );
    let key = format!("{}&", signer.credentials.secret().expose_secret());
    let signature = plain::base64(&plain::hmac_sha1(key.as_bytes(), string_to_sign.as_bytes()));

    // The query to send: every parameter but the form body's, then the signature.
    let query_string = format!(
        "{}&{}={}",
        canonicalized(sent),
        param::SIGNATURE,
        plain::encode(&signature)
    );
    // The parameters the signer adds, in the query's order.
    let mut query_params: Vec<(String, String)> = common
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    query_params.push((param::SIGNATURE.into(), signature.clone()));
    Stages {
        string_to_sign: Some(string_to_sign),
        query_params,
        signature,
        query_string,
        ..Stages::default()
    }
    .finish_for(req, SCHEME)
}

/// The parameters sorted by name (names are unique), `name=value` encoded, joined by `&`.
fn canonicalized(mut params: Vec<(&str, &str)>) -> String {
    params.sort();
    let pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", plain::encode(k), plain::encode(v)))
        .collect();
    pairs.join("&")
}

fn pairs(list: &[(String, String)]) -> Vec<(&str, &str)> {
    list.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
