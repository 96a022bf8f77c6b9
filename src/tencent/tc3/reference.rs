//! TC3-HMAC-SHA256 as Tencent's *Signature v3* document states it, in plain `String`s: the
//! reference that [`Tc3Signer::sign`](super::Tc3Signer) is held to, stage by stage
//! (`tests/support/reference.rs`). The signing key is derived afresh every time, where
//! the fast path may take it from its cache.

use super::{header, QueryEncoding, SignedHeaders, Tc3Signer, ALGORITHM, SCHEME, UNSIGNED_PAYLOAD};
use crate::signer::plain;
use crate::text::Selection;
use crate::{CanonicalRequest, Error, Payload, SigningContext, Stages};

pub(super) fn sign(
    s: &Tc3Signer,
    req: &CanonicalRequest,
    ctx: &SigningContext,
) -> Result<Stages, Error> {
    s.collect(req, ctx, &mut None)?; // the input errors are the fast path's: one check for both
    let (creds, service, method) = (&s.credentials, &*s.service, req.method());
    // A request that names its own action or version signs with it.
    let action = req.action().unwrap_or(&s.action);
    let version = req.api_version().unwrap_or(&s.version);
    let (timestamp, date) = (ctx.unix_timestamp().to_string(), plain::date(ctx.time()));

    // 1. CanonicalRequest
    let default_type = match method {
        "GET" => "application/x-www-form-urlencoded",
        _ => "application/json",
    };
    let content_type = req.header("content-type").unwrap_or(default_type);
    let (canonical_request, query, signed_headers) =
        canonical_request(s, req, [action, version, &timestamp], content_type);

    // 2. StringToSign
    let credential_scope = format!("{date}/{service}/tc3_request");
    let hashed_request = plain::sha256_hex(canonical_request.as_bytes());
    let string_to_sign = format!("{ALGORITHM}\n{timestamp}\n{credential_scope}\n{hashed_request}");

    // 3. Signature
    let secret_key = creds.secret().expose_secret();
    let secret_date = plain::hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = plain::hmac_sha256(&secret_date, service.as_bytes());
    let secret_signing = plain::hmac_sha256(&secret_service, b"tc3_request");
    let signature = plain::hmac_sha256(&secret_signing, string_to_sign.as_bytes());
    let signature = hex::encode(signature);

    // 4. Authorization and the other headers, in the order they are sent.
    let key_id = creds.access_key_id();
    let authorization = format!(
        "{ALGORITHM} Credential={key_id}/{credential_scope}, SignedHeaders={signed_headers}, Signature={signature}"
    );
    let added_type = req.header("content-type").is_none().then_some(default_type);
    let token = creds.security_token().map(|t| t.expose_secret());
    let unsigned = (req.payload() == &Payload::Unsigned).then_some(UNSIGNED_PAYLOAD);
    let headers = [
        (header::CONTENT_TYPE, added_type),
        (header::X_TC_ACTION, Some(action)),
        (header::X_TC_TIMESTAMP, Some(&timestamp)),
        (header::X_TC_VERSION, Some(version)),
        (header::X_TC_REGION, s.region.as_deref()),
        (header::X_TC_TOKEN, token),
        (header::X_TC_LANGUAGE, s.language.as_deref()),
        (header::X_TC_CONTENT_SHA256, unsigned),
        (header::AUTHORIZATION, Some(&authorization)),
    ];
    let headers = headers
        .into_iter()
        .filter_map(|(n, v)| Some((n.to_owned(), v?.to_owned())));
    let (canonical_request, string_to_sign) = (Some(canonical_request), Some(string_to_sign));
    let (headers, query_string) = (headers.collect(), query);
    Stages {
        canonical_request,
        string_to_sign,
        signature,
        headers,
        query_string,
        ..Stages::default()
    }
    .finish_for(req, SCHEME)
}

/// CanonicalRequest, and the query string and SignedHeaders in it.
fn canonical_request(
    s: &Tc3Signer,
    req: &CanonicalRequest,
    [action, version, timestamp]: [&str; 3],
    content_type: &str,
) -> (String, String, String) {
    let host = req.host();
    // The query is signed as sent: RFC 3986, or form-encoded as Python's `urlencode`
    // writes it (a space as `+`; `%20` comes only from a space).
    let encode = |x: &str| match s.query_encoding {
        QueryEncoding::Rfc3986 => plain::encode(x),
        QueryEncoding::FormUrlencoded => plain::encode(x).replace("%20", "+"),
    };
    let query: Vec<_> = req
        .query()
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let query = query.join("&");
    // The document lower-cases and trims the header values; the SDKs sign them as sent.
    let (canonical_headers, signed_headers) = match &s.signed_headers {
        Selection::Preset(SignedHeaders::ContentTypeHost) => (
            format!("content-type:{content_type}\nhost:{host}\n"),
            "content-type;host".to_owned(),
        ),
        Selection::Preset(SignedHeaders::ContentTypeHostAction) => {
            let [t, h, a] = [content_type, host, action].map(|v| v.trim().to_ascii_lowercase());
            (
                format!("content-type:{t}\nhost:{h}\nx-tc-action:{a}\n"),
                "content-type;host;x-tc-action".to_owned(),
            )
        }
        // Each header named: the signer's own, or the request's (absent ones are refused
        // by `collect`).
        Selection::Names(list) => {
            let token = s.credentials.security_token().map(|t| t.expose_secret());
            let unsigned = (req.payload() == &Payload::Unsigned).then_some(UNSIGNED_PAYLOAD);
            let value = |name: &str| match name {
                "content-type" => Some(content_type),
                "host" => Some(host),
                "x-tc-action" => Some(action),
                "x-tc-timestamp" => Some(timestamp),
                "x-tc-version" => Some(version),
                "x-tc-region" => s.region.as_deref(),
                "x-tc-token" => token,
                "x-tc-language" => s.language.as_deref(),
                "x-tc-content-sha256" => unsigned,
                _ => req.header(name),
            };
            let lines = list.names().map(|n| {
                let v = value(n).unwrap_or_default().trim().to_ascii_lowercase();
                format!("{n}:{v}\n")
            });
            let names: Vec<&str> = list.names().collect();
            (lines.collect(), names.join(";"))
        }
    };
    let hashed_payload = match req.payload() {
        Payload::Bytes(body) => plain::sha256_hex(body),
        Payload::Sha256Hex(hash) => hash.clone(),
        _ => plain::sha256_hex(UNSIGNED_PAYLOAD.as_bytes()),
    };
    let (method, path) = (req.method(), req.path());
    let canonical_request = format!(
        "{method}\n{path}\n{query}\n{canonical_headers}\n{signed_headers}\n{hashed_payload}"
    );
    (canonical_request, query, signed_headers)
}
