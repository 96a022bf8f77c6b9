//! The request builder and every signer under arbitrary settings, credentials, time and
//! nonce: no panic; what is signed is valid on the wire, deterministic, and carried by
//! `apply_to_http`; the fast path and the scheme's reference implementation agree stage by
//! stage, or refuse with the same error.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use cloudsign::alibaba::{acs3, roa, Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{tc3, v1, Tc3Signer, V1Signer};
use cloudsign::{CanonicalRequest, Credentials, Error, Signer, SigningContext};
use libfuzzer_sys::fuzz_target;

mod common;
#[path = "../../tests/support/reference.rs"]
mod reference;

/// Plausible values and edge cases, mixed with arbitrary text so that the fuzzer gets past
/// validation into the signers.
const WORDS: &[&str] = &[
    "GET",
    "POST",
    "PUT",
    "get",
    "api.example.com",
    "API.Example.com:8443",
    "[::1]:80",
    "/",
    "/a%20b/c",
    "/%E4%B8%AD",
    "Content-Type",
    "content-type",
    "x-acs-meta",
    "X-TC-Meta",
    "Host",
    "application/json",
    "application/x-www-form-urlencoded",
    " edge ",
    "a b",
    "中文",
    "Action",
    "Signature",
    "SecurityToken",
    "Token",
    "AKIDEXAMPLE",
    "secret",
    "cvm",
    "2017-03-12",
    "DescribeInstances",
    "ap-guangzhou",
    "zh-CN",
    "json",
    "n0nce",
    "0123456789abcdef0123456789abcdef",
    "",
    "%",
    "+",
    "=",
    "&",
];

fn text(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    if u.ratio(2, 3)? {
        Ok((*u.choose(WORDS)?).to_owned())
    } else {
        String::arbitrary(u)
    }
}

fn credentials(u: &mut Unstructured<'_>) -> arbitrary::Result<Result<Credentials, Error>> {
    let c = Credentials::new(text(u)?, text(u)?);
    Ok(match bool::arbitrary(u)? {
        true => c.and_then(|c| c.with_security_token(text(u).unwrap_or_default())),
        false => c,
    })
}

fn boxed<S: Signer + 'static>(s: Result<S, Error>) -> Result<Box<dyn Signer>, Error> {
    s.map(|s| Box::new(s) as Box<dyn Signer>)
}

fn signer(u: &mut Unstructured<'_>) -> arbitrary::Result<Result<Box<dyn Signer>, Error>> {
    let creds = match credentials(u)? {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    Ok(match u.int_in_range(0..=6u8)? {
        0 => boxed(
            Acs3Signer::builder(creds)
                .action(text(u)?)
                .version(text(u)?)
                .signed_headers(
                    *u.choose(&[acs3::SignedHeaders::Required, acs3::SignedHeaders::All])?,
                )
                .query_names(*u.choose(&[acs3::QueryNames::Encoded, acs3::QueryNames::Raw])?)
                .build(),
        ),
        1 => boxed(
            RpcSigner::builder(creds)
                .action(text(u)?)
                .version(text(u)?)
                .format(text(u)?)
                .build(),
        ),
        2 => boxed(
            Tc3Signer::builder(creds, text(u)?)
                .action(text(u)?)
                .version(text(u)?)
                .region(text(u)?)
                .language(text(u)?)
                .signed_headers(*u.choose(&[
                    tc3::SignedHeaders::ContentTypeHost,
                    tc3::SignedHeaders::ContentTypeHostAction,
                ])?)
                .query_encoding(*u.choose(&[
                    tc3::QueryEncoding::Rfc3986,
                    tc3::QueryEncoding::FormUrlencoded,
                ])?)
                .cache_signing_key(bool::arbitrary(u)?)
                .build(),
        ),
        3 => boxed(
            RoaSigner::builder(creds)
                .action(text(u)?)
                .version(text(u)?)
                .accept(text(u)?)
                .reject_ambiguous_query(bool::arbitrary(u)?)
                .header_names(
                    *u.choose(&[roa::HeaderNames::AnyCase, roa::HeaderNames::LowercaseOnly])?,
                )
                .build(),
        ),
        4 => boxed(
            V1Signer::builder(creds)
                .action(text(u)?)
                .version(text(u)?)
                .region(text(u)?)
                .language(text(u)?)
                .request_client(text(u)?)
                .signature_method(*u.choose(&[
                    v1::SignatureMethod::HmacSha256,
                    v1::SignatureMethod::HmacSha1,
                    v1::SignatureMethod::HmacSha1Implicit,
                ])?)
                .build(),
        ),
        5 => boxed(
            SdkHmacSha256Signer::builder(creds)
                .project_id(text(u)?)
                .domain_id(text(u)?)
                .build(),
        ),
        _ => Ok(Box::new(WsseSigner::new(creds)) as Box<dyn Signer>),
    })
}

fn request(u: &mut Unstructured<'_>) -> arbitrary::Result<Result<CanonicalRequest, Error>> {
    let mut b = CanonicalRequest::builder()
        .method(text(u)?)
        .host(text(u)?)
        .path(text(u)?);
    for _ in 0..u.int_in_range(0..=6u8)? {
        b = b.query(text(u)?, text(u)?);
    }
    for _ in 0..u.int_in_range(0..=6u8)? {
        b = b.header(text(u)?, text(u)?);
    }
    if bool::arbitrary(u)? {
        b = b.action(text(u)?);
    }
    if bool::arbitrary(u)? {
        b = b.api_version(text(u)?);
    }
    b = match u.int_in_range(0..=3u8)? {
        0 => b.body(Vec::<u8>::arbitrary(u)?),
        1 => b.payload_sha256_hex(text(u)?),
        2 => b.unsigned_payload(),
        _ => b,
    };
    Ok(b.build())
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let signer = signer(u)?;
    let req = request(u)?;
    let secs = match u.ratio(3, 4)? {
        true => u.int_in_range(1_500_000_000..=2_000_000_000i64)?,
        false => i64::arbitrary(u)?,
    };
    let ctx = SigningContext::from_unix(secs, text(u)?);
    let (Ok(signer), Ok(req), Ok(ctx)) = (signer, req, ctx) else {
        return Ok(());
    };
    if let Err(e) = reference::hold(&*signer, &req, &ctx, "fuzz") {
        panic!("{e}");
    }
    if let Ok(out) = signer.sign(&req, &ctx) {
        common::check_output(&*signer, &req, &ctx, &out);
    }
    let _ = format!("{signer:?} {req:?}");
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
