//! ACS3-HMAC-SHA256 as Alibaba's V3 signature document states it, in plain `String`s: the
//! reference that [`Acs3Signer::sign`](super::Acs3Signer) is held to, stage by stage, on
//! every vector, conformance case and generated request (`tests/support/reference.rs`).
//!
//! ```text
//! CanonicalRequest       = HTTPRequestMethod \n CanonicalURI \n CanonicalQueryString \n
//!                          CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
//! HashedCanonicalRequest = hex(SHA256(CanonicalRequest))
//! StringToSign           = SignatureAlgorithm \n HashedCanonicalRequest
//! Signature              = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
//! Authorization          = SignatureAlgorithm Credential=AccessKeyId,SignedHeaders=SignedHeaders,Signature=Signature
//! ```

use std::collections::BTreeMap;

use super::{header as h, Acs3Signer, HmacSha256, QueryNames, Scratch, SignedHeaders, ALGORITHM};
use crate::signer::plain;
use crate::text::Selection;
use crate::{CanonicalRequest, Error, Payload, SigningContext, Stages};

pub(super) fn sign(
    signer: &Acs3Signer,
    req: &CanonicalRequest,
    ctx: &SigningContext,
) -> Result<Stages, Error> {
    if let Some(signer) = crate::api::for_request(signer, req) {
        return sign(&signer, req, ctx);
    }
    // The input errors are the fast path's: one check for both.
    signer.collect::<HmacSha256>(req, ctx, &mut Scratch::new())?;
    let hashed_request_payload = match req.payload() {
        Payload::Bytes(body) => plain::sha256_hex(body),
        Payload::Sha256Hex(hex) => hex.clone(),
        Payload::Unsigned => String::new(), // refused above
    };
    let creds = &signer.credentials;
    let mut own = vec![
        (h::X_ACS_ACTION, signer.action.to_string()),
        (h::X_ACS_VERSION, signer.version.to_string()),
        (h::X_ACS_DATE, plain::iso8601(ctx.time())),
        (h::X_ACS_SIGNATURE_NONCE, ctx.nonce().to_owned()),
        (h::X_ACS_CONTENT_SHA256, hashed_request_payload.clone()),
    ];
    if let Some(token) = creds.security_token() {
        own.push((h::X_ACS_ACCESSKEY_ID, creds.access_key_id().to_owned()));
        own.push((h::X_ACS_SECURITY_TOKEN, token.expose_secret().to_owned()));
    }
    let (canonical_headers, signed_headers) = canonical_headers(signer, req, &own);
    let raw_names = signer.query_names == QueryNames::Raw;
    let canonical_uri = if req.path().is_empty() {
        "/"
    } else {
        req.path()
    };

    let canonical_request = format!(
        "{}\n{canonical_uri}\n{}\n{canonical_headers}\n{signed_headers}\n{hashed_request_payload}",
        req.method(),
        canonical_query_string(req, raw_names),
    );
    let hashed_canonical_request = plain::sha256_hex(canonical_request.as_bytes());
    let string_to_sign = format!("{ALGORITHM}\n{hashed_canonical_request}");
    let secret = creds.secret().expose_secret().as_bytes();
    let signature = hex::encode(plain::hmac_sha256(secret, string_to_sign.as_bytes()));
    let id = creds.access_key_id();
    let authorization =
        format!("{ALGORITHM} Credential={id},SignedHeaders={signed_headers},Signature={signature}");

    own.sort(); // sent sorted by name, then `Authorization`
    let mut headers: Vec<_> = own.into_iter().map(|(n, v)| (n.to_owned(), v)).collect();
    headers.push((h::AUTHORIZATION.to_owned(), authorization));
    let query_string = canonical_query_string(req, false);
    Stages {
        canonical_request: Some(canonical_request),
        string_to_sign: Some(string_to_sign),
        signature,
        headers,
        query_string,
        ..Stages::default()
    }
    .finish_for(req, ALGORITHM)
}

/// `(CanonicalHeaders, SignedHeaders)`: host, the signer's own x-acs-* headers and, of the
/// request's, content-type and every x-acs-* header (or all, or those listed), lower-case
/// names, trimmed values, sorted; a repeated name once, its values sorted and joined by `,`.
fn canonical_headers(
    signer: &Acs3Signer,
    req: &CanonicalRequest,
    own: &[(&str, String)],
) -> (String, String) {
    let signed = |n: &str| match &signer.signed_headers {
        Selection::Preset(SignedHeaders::All) => true,
        Selection::Preset(SignedHeaders::Required) => {
            n == "content-type" || n.starts_with("x-acs-")
        }
        Selection::Names(list) => list.names().any(|listed| listed == n),
    };
    let lower = req
        .headers()
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()));
    let mut headers = vec![("host".to_owned(), req.host().to_owned())];
    headers.extend(lower.filter(|(n, _)| signed(n)));
    headers.extend(own.iter().map(|(n, v)| (n.to_string(), v.clone())));
    headers.sort();
    let mut lines = BTreeMap::<String, Vec<String>>::new();
    for (name, value) in headers {
        lines.entry(name).or_default().push(value);
    }
    let canonical = lines
        .iter()
        .map(|(n, values)| format!("{n}:{}\n", values.join(",")));
    let signed_headers = lines.keys().cloned().collect::<Vec<_>>().join(";");
    (canonical.collect(), signed_headers)
}

/// Sorted by name (stably), names (unless raw) and values RFC 3986-encoded, `name=` for an
/// empty value, joined by `&`.
fn canonical_query_string(req: &CanonicalRequest, raw_names: bool) -> String {
    let mut query = req.query().to_vec();
    query.sort_by(|a, b| a.0.cmp(&b.0));
    let name = |k: &str| {
        if raw_names {
            k.to_owned()
        } else {
            plain::encode(k)
        }
    };
    let pairs = query
        .iter()
        .map(|(k, v)| format!("{}={}", name(k), plain::encode(v)));
    pairs.collect::<Vec<_>>().join("&")
}
