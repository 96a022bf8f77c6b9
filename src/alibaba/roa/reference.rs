//! ROA (V2) as Alibaba's document and `alibabacloud-openapi-util` state it, in plain
//! `String`s: the reference that [`RoaSigner::sign`](super::RoaSigner) is held to, stage by
//! stage (`tests/support/reference.rs`).
//!
//! ```text
//! StringToSign  = Method \n Accept \n Content-MD5 \n Content-Type \n Date \n
//!                 CanonicalizedHeaders CanonicalizedResource
//! Signature     = Base64(HMAC-SHA1(AccessKeySecret, StringToSign))
//! Authorization = acs AccessKeyId:Signature
//! ```

use super::{header as h, HeaderNames, RoaSigner, SCHEME, SIGNATURE_METHOD, SIGNATURE_VERSION};
use crate::signer::plain;
use crate::{CanonicalRequest, Error, SigningContext, Stages};

type Headers = Vec<(String, String)>;

fn pair(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

pub(super) fn sign(
    s: &RoaSigner,
    req: &CanonicalRequest,
    ctx: &SigningContext,
) -> Result<Stages, Error> {
    s.collect(req, ctx)?; // the input errors are the fast path's: one check for both
    let names = s.header_names;
    let header = |name| req.headers().iter().find(|(n, _)| names.is(n, name));
    let header = |name| header(name).map(|(_, v)| v.clone());
    let date = plain::imf_fixdate(ctx.time());
    let accept = header("accept").unwrap_or_else(|| s.accept.to_string());
    let added_md5 = (s.content_md5 && header("content-md5").is_none())
        .then(|| plain::base64(&plain::md5(req.body().unwrap_or_default())));
    let content_md5 = header("content-md5").or(added_md5.clone());
    let content_type = header("content-type").unwrap_or_default();
    let x_acs = own_x_acs_headers(s, req, ctx);
    let string_to_sign = format!(
        "{}\n{accept}\n{}\n{content_type}\n{date}\n{}{}",
        req.method(),
        content_md5.unwrap_or_default(),
        canonicalized_headers(names, req, &x_acs),
        canonicalized_resource(req)
    );
    let secret = s.credentials.secret().expose_secret().as_bytes();
    let signature = plain::base64(&plain::hmac_sha1(secret, string_to_sign.as_bytes()));
    let authorization = format!("acs {}:{signature}", s.credentials.access_key_id());

    let mut headers = vec![pair(h::DATE, &date)];
    if req.header(h::ACCEPT).is_none() {
        headers.push(pair(h::ACCEPT, &s.accept));
    }
    headers.extend(added_md5.map(|md5| pair(h::CONTENT_MD5, &md5)));
    headers.extend(x_acs);
    headers.push(pair(h::AUTHORIZATION, &authorization));
    let encode = |(k, v): &(String, String)| format!("{}={}", plain::encode(k), plain::encode(v));
    Stages {
        string_to_sign: Some(string_to_sign),
        signature,
        headers,
        query_string: req.query().iter().map(encode).collect::<Vec<_>>().join("&"),
        ..Stages::default()
    }
    .finish_for(req, SCHEME)
}

/// The `x-acs-*` headers the signer adds, in the order it sends them.
fn own_x_acs_headers(s: &RoaSigner, req: &CanonicalRequest, ctx: &SigningContext) -> Headers {
    let mut own = vec![
        pair(h::X_ACS_SIGNATURE_NONCE, ctx.nonce()),
        pair(h::X_ACS_SIGNATURE_METHOD, SIGNATURE_METHOD),
        pair(h::X_ACS_SIGNATURE_VERSION, SIGNATURE_VERSION),
        pair(h::X_ACS_VERSION, req.api_version().unwrap_or(&s.version)),
    ];
    if let Some(action) = req.action().or(s.action.as_deref()) {
        own.push(pair(h::X_ACS_ACTION, action));
    }
    if let Some(token) = s.credentials.security_token() {
        own.push(pair(h::X_ACS_ACCESSKEY_ID, s.credentials.access_key_id()));
        own.push(pair(h::X_ACS_SECURITY_TOKEN, token.expose_secret()));
    }
    own
}

/// Every `x-acs-*` header, the request's and `own`, as `name:value\n`, sorted by name;
/// names lower-cased (kept as they are with [`HeaderNames::LowercaseOnly`]).
fn canonicalized_headers(names: HeaderNames, req: &CanonicalRequest, own: &Headers) -> String {
    let spelled = |n: &str| match names {
        HeaderNames::AnyCase => n.to_ascii_lowercase(),
        HeaderNames::LowercaseOnly => n.to_owned(),
    };
    let theirs = req.headers().iter().filter(|(n, _)| names.is_x_acs(n));
    let mut all: Headers = theirs.map(|(n, v)| (spelled(n), v.clone())).collect();
    all.extend(own.iter().cloned());
    all.sort_by_key(|(n, _)| n.to_ascii_lowercase());
    all.iter().map(|(n, v)| format!("{n}:{v}\n")).collect()
}

/// The path, then `?` and the query sorted by name, raw: `name=value`, or `name` alone for
/// an empty value, joined by `&`.
fn canonicalized_resource(req: &CanonicalRequest) -> String {
    let mut query = req.query().to_vec();
    query.sort();
    let pairs = query.iter().map(|(k, v)| match v.is_empty() {
        true => k.clone(),
        false => format!("{k}={v}"),
    });
    match query.is_empty() {
        true => req.path().to_owned(),
        false => format!("{}?{}", req.path(), pairs.collect::<Vec<_>>().join("&")),
    }
}
