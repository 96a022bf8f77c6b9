//! SDK-HMAC-SHA256 as Huawei's *API Signing Guide* states it, in plain `String`s: the
//! reference that [`SdkHmacSha256Signer::sign`](super::SdkHmacSha256Signer) is held to,
//! stage by stage (`tests/support/reference.rs`).
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI/ \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//! StringToSign     = SDK-HMAC-SHA256 \n X-Sdk-Date \n hex(SHA256(CanonicalRequest))
//! Signature        = hex(HMAC-SHA256(SK, StringToSign))
//! ```

use percent_encoding::percent_decode_str;

use super::{
    header as h, HmacSha256, SdkHmacSha256Signer, Settings, ALGORITHM, SCHEME, UNSIGNED_PAYLOAD,
};
use crate::signer::plain;
use crate::{CanonicalRequest, Error, Payload, SigningContext, Stages};

pub(super) fn sign(
    signer: &SdkHmacSha256Signer,
    req: &CanonicalRequest,
    ctx: &SigningContext,
) -> Result<Stages, Error> {
    // The input errors are the fast path's: one check for both.
    let s = &signer.settings;
    let date = s.check(req, ctx)?;
    s.collect::<HmacSha256>(req, date.as_str(), &mut None)?;

    let date = plain::basic(ctx.time());
    let (payload_hash, unsigned) = hashed_payload(req);
    // The headers this signer adds, in the order it sends them.
    let mut added = vec![(h::X_SDK_DATE, date.clone())];
    added.extend(unsigned.then(|| (h::X_SDK_CONTENT_SHA256, UNSIGNED_PAYLOAD.to_owned())));
    let token = s.credentials.security_token();
    added.extend(token.map(|t| (h::X_SECURITY_TOKEN, t.expose_secret().to_owned())));
    added.extend(
        s.project_id
            .as_ref()
            .map(|p| (h::X_PROJECT_ID, p.to_string())),
    );
    added.extend(
        s.domain_id
            .as_ref()
            .map(|d| (h::X_DOMAIN_ID, d.to_string())),
    );

    let (canonical_headers, signed_headers) = canonical_headers(s, req, &added);

    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        req.method(),
        canonical_uri(req.path()),
        canonical_query(req),
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{date}\n{}",
        plain::sha256_hex(canonical_request.as_bytes())
    );
    let secret = s.credentials.secret().expose_secret().as_bytes();
    let signature = hex::encode(plain::hmac_sha256(secret, string_to_sign.as_bytes()));
    let access = s.credentials.access_key_id();
    let authorization = format!(
        "{ALGORITHM} Access={access}, SignedHeaders={signed_headers}, Signature={signature}"
    );
    added.push((h::AUTHORIZATION, authorization));

    Stages {
        query_string: canonical_query(req),
        canonical_request: Some(canonical_request),
        string_to_sign: Some(string_to_sign),
        signature,
        headers: added.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
        ..Stages::default()
    }
    .finish_for(req, SCHEME)
}

/// `(CanonicalHeaders, SignedHeaders)`: every header but those with `_` in their name,
/// every header added and the host; or the host, the date and the headers listed. Names
/// lower-case, values trimmed, sorted by name.
fn canonical_headers(
    s: &Settings,
    req: &CanonicalRequest,
    added: &[(&str, String)],
) -> (String, String) {
    let listed = s.signed_header_names.as_ref();
    let is_signed = |name: &str, added: bool| match listed {
        None => added || !name.contains('_'),
        Some(list) => name == "x-sdk-date" || list.names().any(|l| l == name),
    };
    let theirs = (req.headers().iter()).map(|(n, v)| (n.to_ascii_lowercase(), v.trim(), false));
    let ours = added
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.as_str(), true));
    let mut signed: Vec<(String, String)> = theirs
        .chain(ours)
        .filter(|(n, _, added)| is_signed(n, *added))
        .map(|(n, v, _)| (n, v.to_owned()))
        .chain([("host".to_owned(), req.host().to_owned())])
        .collect();
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed_headers = signed
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    (canonical_headers, signed_headers)
}

/// hex(SHA256(body)), or the request's own `X-Sdk-Content-Sha256` for a non-empty body, or
/// `UNSIGNED-PAYLOAD` (then added as that header) for a body that is not signed.
fn hashed_payload(req: &CanonicalRequest) -> (String, bool) {
    let own = req
        .header(h::X_SDK_CONTENT_SHA256)
        .map(|v| v.trim().to_owned());
    let empty = plain::sha256_hex(b"");
    let hash = match req.payload() {
        Payload::Unsigned => {
            return (
                own.clone().unwrap_or(UNSIGNED_PAYLOAD.into()),
                own.is_none(),
            )
        }
        Payload::Bytes(body) => plain::sha256_hex(body),
        Payload::Sha256Hex(hex) => hex.clone(),
    };
    match own {
        Some(own) if hash != empty => (own, false),
        _ => (hash, false),
    }
}

/// The path decoded, each `/`-separated segment RFC 3986-encoded, and a trailing `/`.
fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let uri = decoded
        .split('/')
        .map(plain::encode)
        .collect::<Vec<_>>()
        .join("/");
    match uri.ends_with('/') {
        true => uri,
        false => format!("{uri}/"),
    }
}

/// `name=value`, both RFC 3986-encoded, sorted by name, then value, joined by `&`.
fn canonical_query(req: &CanonicalRequest) -> String {
    let mut query = req.query().to_vec();
    query.sort();
    let pairs = query
        .iter()
        .map(|(k, v)| format!("{}={}", plain::encode(k), plain::encode(v)));
    pairs.collect::<Vec<_>>().join("&")
}
