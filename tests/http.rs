//! The `http` integration: reading requests, applying outputs, refusing what cannot be
//! represented (and leaving the request unchanged), and credentials from the environment.

#![cfg(feature = "http")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

#[path = "support/signers.rs"]
mod signers;

use cloudsign::alibaba::{Acs3Signer, RpcSigner};
use cloudsign::http::HttpSignerExt as _;
use cloudsign::tencent::{v1, V1Signer};
use cloudsign::{CanonicalRequest, Cloud, Credentials, Error, Signer, SigningContext};

fn ctx() -> SigningContext {
    SigningContext::from_unix(1_700_000_000, "abc123").unwrap()
}

fn acs3() -> Acs3Signer {
    Acs3Signer::builder(Credentials::new("AKID", "TOP-SECRET").unwrap())
        .action("A")
        .version("V")
        .build()
        .unwrap()
}

#[test]
fn reads_authority_port_path_query_headers_body() {
    let req = http::Request::post("https://user@ecs.example.com:8443/a%20b/c?x=1&y=a+b%2B&flag")
        .header("X-Acs-Meta", "m")
        .body(b"body".to_vec())
        .unwrap();
    let c = CanonicalRequest::from_http(&req).unwrap();
    assert_eq!(c.method(), "POST");
    assert_eq!(c.host(), "ecs.example.com:8443");
    assert_eq!(c.path(), "/a%20b/c");
    let q: Vec<(&str, &str)> = c
        .query()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(q, [("x", "1"), ("y", "a b+"), ("flag", "")]);
    assert_eq!(c.header("x-acs-meta"), Some("m"));
    assert_eq!(c.body(), Some(&b"body"[..]));

    // Origin form, as a server receives it: the Host header names the host.
    let req = http::Request::get("/p?x=1")
        .header("host", "ecs.example.com:8443")
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        CanonicalRequest::from_http(&req).unwrap().host(),
        "ecs.example.com:8443"
    );
    let (parts, body) = req.into_parts();
    assert_eq!(
        CanonicalRequest::from_http_parts(&parts, &body)
            .unwrap()
            .path(),
        "/p"
    );
}

#[test]
fn unrepresentable_requests_are_refused_and_left_unchanged() {
    let signer = acs3();
    // No authority and no Host header.
    let mut req = http::Request::get("/p").body(Vec::new()).unwrap();
    let before = format!("{req:?}");
    assert_eq!(
        signer.sign_http(&mut req, &ctx()).unwrap_err(),
        Error::MissingHost
    );
    assert_eq!(format!("{req:?}"), before);

    // A header value that is not UTF-8.
    let mut req = http::Request::get("https://ecs.example.com/")
        .header(
            "x-acs-meta",
            http::HeaderValue::from_bytes(b"caf\xe9").unwrap(),
        )
        .body(Vec::new())
        .unwrap();
    let e = signer.sign_http(&mut req, &ctx()).unwrap_err();
    assert_eq!(
        e,
        Error::HeaderValueNotText {
            name: "x-acs-meta".into()
        }
    );
    assert!(req.headers().get("authorization").is_none());

    // A query that does not decode to UTF-8.
    let mut req = http::Request::get("https://ecs.example.com/?a=%FF")
        .body(Vec::new())
        .unwrap();
    assert!(matches!(
        signer.sign_http(&mut req, &ctx()),
        Err(Error::InvalidUri { .. })
    ));
    assert_eq!(req.uri().query(), Some("a=%FF"));

    // What the signer refuses leaves the request alone too.
    let mut req = http::Request::get("https://ecs.example.com/")
        .header("x-acs-date", "2020-01-01T00:00:00Z")
        .body(Vec::new())
        .unwrap();
    assert!(matches!(
        signer.sign_http(&mut req, &ctx()),
        Err(Error::ReservedName { .. })
    ));
    assert_eq!(req.headers().len(), 1);
}

#[test]
fn outputs_are_applied() {
    // Headers, sensitive where they carry a signature; the query re-encoded as signed.
    let mut req = http::Request::get("https://ecs.example.com/?b=2&a=x+y")
        .body(String::new())
        .unwrap();
    let out = acs3().sign_http(&mut req, &ctx()).unwrap();
    assert_eq!(req.uri().query(), Some("a=x%20y&b=2"));
    assert_eq!(req.uri().query(), Some(out.query_string()));
    assert!(req.headers()["authorization"].is_sensitive());
    assert!(!req.headers()["x-acs-date"].is_sensitive());
    assert_eq!(
        req.headers()["authorization"],
        out.header("Authorization").unwrap()
    );

    // RPC: the signature goes into the query.
    let rpc = RpcSigner::builder(Credentials::new("AKID", "TOP-SECRET").unwrap())
        .action("A")
        .version("V")
        .build()
        .unwrap();
    let mut req = http::Request::get("https://ecs.example.com/?RegionId=cn-hangzhou")
        .body(Vec::<u8>::new())
        .unwrap();
    let out = rpc.sign_http(&mut req, &ctx()).unwrap();
    let q = req.uri().query().unwrap();
    assert!(q.starts_with("AccessKeyId=AKID&Action=A&"), "{q}");
    assert!(q.ends_with(&format!(
        "&Signature={}",
        out.signature()
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    )));

    // Tencent V1 POST: the body is replaced by every parameter and the signature.
    let signer = V1Signer::builder(Credentials::new("AKID", "TOP-SECRET").unwrap())
        .action("DescribeInstances")
        .signature_method(v1::SignatureMethod::HmacSha1)
        .build()
        .unwrap();
    let mut req = http::Request::post("https://cvm.api.qcloud.com/v2/index.php")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Limit=1".to_owned())
        .unwrap();
    let out = signer.sign_http(&mut req, &ctx()).unwrap();
    assert_eq!(req.body(), out.body().unwrap());
    assert!(
        req.body()
            .starts_with("Limit=1&Action=DescribeInstances&Nonce="),
        "{}",
        req.body()
    );
    // The nonce "abc123" is not decimal: it was derived, and the body says which.
    assert!(!req.body().contains("Nonce=abc123"));
    // Signing the received body again gives the same signature (a server's view).
    let c = CanonicalRequest::from_http(&req).unwrap();
    assert_eq!(c.body(), Some(req.body().as_bytes()));
}

#[test]
fn credentials_from_the_environment() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let c = Credentials::from_lookup(
        Cloud::Alibaba,
        env(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "TOP-SECRET"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "TOKEN"),
        ]),
    )
    .unwrap();
    assert_eq!(c.access_key_id(), "LTAI");
    assert_eq!(c.security_token().unwrap().expose_secret(), "TOKEN");

    // An empty token is no token; an empty or missing id or secret names the variable.
    let c = Credentials::from_lookup(
        Cloud::Huawei,
        env(&[
            ("HUAWEICLOUD_SDK_AK", "AK"),
            ("HUAWEICLOUD_SDK_SK", "TOP-SECRET"),
            ("HUAWEICLOUD_SDK_SECURITY_TOKEN", ""),
        ]),
    )
    .unwrap();
    assert!(c.security_token().is_none());
    let e = Credentials::from_lookup(
        Cloud::Tencent,
        env(&[
            ("TENCENTCLOUD_SECRET_ID", "AKID"),
            ("TENCENTCLOUD_SECRET_KEY", ""),
        ]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::MissingEnvVar {
            name: "TENCENTCLOUD_SECRET_KEY"
        }
    );
    assert_eq!(
        e.to_string(),
        "environment variable TENCENTCLOUD_SECRET_KEY is not set, empty or not Unicode; set it, \
         or give the keys with Credentials::new"
    );
    let e = Credentials::from_lookup(
        Cloud::Tencent,
        env(&[("TENCENTCLOUD_SECRET_KEY", "TOP-SECRET")]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::MissingEnvVar {
            name: "TENCENTCLOUD_SECRET_ID"
        }
    );
    assert!(!format!("{e} {e:?}").contains("TOP-SECRET"));

    // A value the credentials refuse is a typed error without the value.
    let e = Credentials::from_lookup(
        Cloud::Alibaba,
        env(&[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "has space"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "TOP-SECRET"),
        ]),
    )
    .unwrap_err();
    assert!(matches!(e, Error::InvalidCredential { .. }));

    // The documented names, verified against the SDK sources.
    assert_eq!(
        Cloud::Huawei.env_vars(),
        [
            "HUAWEICLOUD_SDK_AK",
            "HUAWEICLOUD_SDK_SK",
            "HUAWEICLOUD_SDK_SECURITY_TOKEN"
        ]
    );
    // from_env reads the process environment (a variable no test sets).
    assert!(matches!(
        Credentials::from_env(Cloud::Huawei),
        Ok(_) | Err(Error::MissingEnvVar { .. })
    ));
}

/// The trait stays object safe with the extension in scope.
#[test]
fn extension_works_on_trait_objects() {
    let signer: Box<dyn Signer> = Box::new(acs3());
    let mut req = http::Request::get("https://ecs.example.com/")
        .body(Vec::new())
        .unwrap();
    signer.sign_http(&mut req, &ctx()).unwrap();
    assert!(req.headers().contains_key("authorization"));
}

/// What `sign()` accepts, `apply_to_http` carries: a query too long for a URI is refused
/// by `sign()`, for every scheme that writes the query.
#[test]
fn sign_refuses_a_query_that_apply_to_http_cannot_carry() {
    let creds = || Credentials::new("AKID", "TOP-SECRET").unwrap();
    // X-WSSE signs no query, so it has no limit to meet: the others.
    let signers = signers::all(&creds());
    for signer in signers.iter().filter(|s| s.algorithm() != "WSSE") {
        let (mut signed, mut refused) = (0, 0);
        for len in (60_000..=66_000).step_by(500) {
            let req = CanonicalRequest::builder()
                .host("api.example.com")
                .query("Blob", "a".repeat(len))
                .build()
                .unwrap();
            match signer.sign(&req, &ctx()) {
                Ok(out) => {
                    let mut sent = http::Request::get(format!(
                        "https://api.example.com/?Blob={}",
                        "a".repeat(len.min(1000))
                    ))
                    .body(String::new())
                    .unwrap();
                    out.apply_to_http(&mut sent)
                        .unwrap_or_else(|e| panic!("{} {len}: {e}", signer.algorithm()));
                    signed += 1;
                }
                Err(Error::UnsupportedQuery { .. }) => refused += 1,
                Err(e) => panic!("{} {len}: {e}", signer.algorithm()),
            }
        }
        assert!(
            signed > 0 && refused > 0,
            "{}: {signed} signed, {refused} refused",
            signer.algorithm()
        );
    }
}

/// The host signed is the authority sent: a port the `http` crate cannot parse is not
/// dropped silently (it was: `a.example:99999` signed `a.example`).
#[test]
fn the_signed_host_is_the_authority_sent() {
    let req = http::Request::get("http://a.example:99999/")
        .body(Vec::new())
        .unwrap();
    let e = CanonicalRequest::from_http(&req).unwrap_err();
    assert!(matches!(e, Error::InvalidHost { .. }), "{e}");
    let req = http::Request::get("http://user:pw@A.Example:0080/")
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        CanonicalRequest::from_http(&req).unwrap().host(),
        "A.Example:0080"
    );
}
