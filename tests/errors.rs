//! Bad input gives a typed error, never a panic and never a secret in the message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use cloudsign::alibaba::{Acs3Signer, RpcSigner};
use cloudsign::huawei::WsseSigner;
use cloudsign::tencent::Tc3Signer;
use cloudsign::{CanonicalRequest, Credentials, Error, Signer, SigningContext};

const SECRET: &str = "TOP-SECRET-KEY-VALUE";
const TOKEN: &str = "TOP-SECRET-TOKEN";

fn creds() -> Credentials {
    Credentials::new("AKID", SECRET).unwrap()
}

fn ctx() -> SigningContext {
    SigningContext::from_unix(1_700_000_000, "abc123").unwrap()
}

fn signers() -> Vec<Box<dyn Signer>> {
    vec![
        Box::new(
            Acs3Signer::builder(creds())
                .action("A")
                .version("V")
                .build()
                .unwrap(),
        ),
        Box::new(
            RpcSigner::builder(creds())
                .action("A")
                .version("V")
                .build()
                .unwrap(),
        ),
        Box::new(
            Tc3Signer::builder(creds(), "cvm")
                .action("A")
                .version("V")
                .build()
                .unwrap(),
        ),
        Box::new(WsseSigner::new(creds())),
    ]
}

fn assert_no_secret(e: &Error) {
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(
            !text.contains(SECRET) && !text.contains(TOKEN),
            "secret leaked: {text}"
        );
    }
}

#[test]
fn request_builder_rejects_bad_input() {
    let base = || CanonicalRequest::builder().host("a.example.com");
    let e = base().header("X-A", "v\r\nX-B: 1").build().unwrap_err();
    assert_eq!(e, Error::InvalidHeaderValue { name: "X-A".into() });
    let e = base().header("X-A", "nul\0").build().unwrap_err();
    assert!(matches!(e, Error::InvalidHeaderValue { .. }));
    let e = base().header("X-A", "lf\n").build().unwrap_err();
    assert!(matches!(e, Error::InvalidHeaderValue { .. }));
    let e = base().header("Bad Name", "v").build().unwrap_err();
    assert!(matches!(e, Error::InvalidHeaderName { .. }));
    let e = base().header("", "v").build().unwrap_err();
    assert!(matches!(e, Error::InvalidHeaderName { .. }));
    let e = base().method("GE T").build().unwrap_err();
    assert!(matches!(e, Error::InvalidMethod { .. }));
    let e = base().method("").build().unwrap_err();
    assert!(matches!(e, Error::InvalidMethod { .. }));
    let e = CanonicalRequest::builder().build().unwrap_err();
    assert_eq!(e, Error::MissingHost);
    for host in ["", "a b", "a/b", "x\r\ny", "ü.example"] {
        let e = CanonicalRequest::builder().host(host).build().unwrap_err();
        assert!(matches!(e, Error::InvalidHost { .. }), "{host:?}: {e}");
    }
    for path in ["", "no-slash", "/a b", "/a?b", "/中"] {
        let e = base().path(path).build().unwrap_err();
        assert!(matches!(e, Error::InvalidPath { .. }), "{path:?}: {e}");
    }
    // Tabs are legal in header values.
    assert!(base().header("X-A", "a\tb").build().is_ok());
}

#[test]
fn credentials_reject_empty_and_unsafe_fields() {
    assert_eq!(
        Credentials::new("", "s").unwrap_err(),
        Error::EmptyCredential {
            field: "access_key_id"
        }
    );
    assert_eq!(
        Credentials::new("id", "").unwrap_err(),
        Error::EmptyCredential { field: "secret" }
    );
    assert!(matches!(
        Credentials::new("id\r\n", "s").unwrap_err(),
        Error::InvalidCredential { .. }
    ));
    let e = creds()
        .with_security_token(format!("{TOKEN}\n"))
        .unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidCredential {
            field: "security_token"
        }
    ));
    assert_no_secret(&e);
}

#[test]
fn signer_settings_are_validated() {
    assert!(matches!(
        Acs3Signer::builder(creds())
            .version("V")
            .build()
            .unwrap_err(),
        Error::InvalidSetting {
            field: "action",
            ..
        }
    ));
    assert!(matches!(
        Tc3Signer::builder(creds(), "c/m")
            .action("A")
            .version("V")
            .build()
            .unwrap_err(),
        Error::InvalidSetting {
            field: "service",
            ..
        }
    ));
    assert!(matches!(
        RpcSigner::builder(creds())
            .action("A\n")
            .version("V")
            .build()
            .unwrap_err(),
        Error::InvalidSetting {
            field: "action",
            ..
        }
    ));
}

#[test]
fn schemes_refuse_what_they_cannot_sign() {
    let [acs3, rpc, tc3, wsse]: [Box<dyn Signer>; 4] = signers().try_into().unwrap();
    let host = || CanonicalRequest::builder().host("a.example.com");

    // TC3: GET with a body, POST with a query, other methods.
    let get_body = host().body("x").build().unwrap();
    assert!(matches!(
        tc3.sign(&get_body, &ctx()),
        Err(Error::UnsupportedBody { .. })
    ));
    let post_query = host().method("POST").query("a", "1").build().unwrap();
    assert!(matches!(
        tc3.sign(&post_query, &ctx()),
        Err(Error::UnsupportedQuery { .. })
    ));
    let put = host().method("PUT").build().unwrap();
    assert!(matches!(
        tc3.sign(&put, &ctx()),
        Err(Error::UnsupportedMethod { .. })
    ));
    assert!(matches!(
        rpc.sign(&put, &ctx()),
        Err(Error::UnsupportedMethod { .. })
    ));
    assert!(acs3.sign(&put, &ctx()).is_ok());

    // ACS3 cannot leave the body unsigned; RPC needs a form body to sign it.
    let unsigned = host().method("POST").unsigned_payload().build().unwrap();
    assert!(matches!(
        acs3.sign(&unsigned, &ctx()),
        Err(Error::UnsupportedBody { .. })
    ));
    assert!(matches!(
        rpc.sign(&unsigned, &ctx()),
        Err(Error::UnsupportedBody { .. })
    ));
    let json = host()
        .method("POST")
        .header("Content-Type", "application/json")
        .body("{}")
        .build()
        .unwrap();
    assert!(matches!(
        rpc.sign(&json, &ctx()),
        Err(Error::UnsupportedBody { .. })
    ));
    let bad_form = host()
        .method("POST")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("a=%FF")
        .build()
        .unwrap();
    assert!(matches!(
        rpc.sign(&bad_form, &ctx()),
        Err(Error::UnsupportedBody { .. })
    ));

    // RPC: a parameter the signer sets, a repeated parameter.
    let reserved = host().query("Signature", "x").build().unwrap();
    assert!(matches!(
        rpc.sign(&reserved, &ctx()),
        Err(Error::ReservedName { .. })
    ));
    let dup = host().query("a", "1").query("a", "2").build().unwrap();
    assert!(matches!(
        rpc.sign(&dup, &ctx()),
        Err(Error::DuplicateParameter { .. })
    ));

    // Headers the signer sets.
    let h = host().header("X-Acs-Date", "x").build().unwrap();
    assert!(matches!(
        acs3.sign(&h, &ctx()),
        Err(Error::ReservedName { .. })
    ));
    let h = host().header("x-tc-timestamp", "1").build().unwrap();
    assert!(matches!(
        tc3.sign(&h, &ctx()),
        Err(Error::ReservedName { .. })
    ));

    // Nonces.
    let plain = host().build().unwrap();
    let bad = ctx().with_nonce("has space");
    assert!(matches!(
        wsse.sign(&plain, &bad),
        Err(Error::InvalidNonce { .. })
    ));
    assert!(matches!(
        wsse.sign(&plain, &ctx().with_nonce("a".repeat(129))),
        Err(Error::InvalidNonce { .. })
    ));
    assert!(wsse
        .sign(&plain, &ctx().with_nonce("a".repeat(128)))
        .is_ok());
    assert!(matches!(
        acs3.sign(&plain, &ctx().with_nonce("")),
        Err(Error::InvalidNonce { .. })
    ));
    assert!(matches!(
        rpc.sign(&plain, &ctx().with_nonce("")),
        Err(Error::InvalidNonce { .. })
    ));
}

#[test]
fn impossible_timestamps() {
    let plain = CanonicalRequest::builder()
        .host("a.example.com")
        .build()
        .unwrap();
    // 1969: TC3's unix timestamp cannot be negative.
    let before_epoch = SigningContext::from_unix(-1, "abc").unwrap();
    // Year 10000 does not fit yyyy.
    assert!(SigningContext::from_unix(253_402_300_800, "abc").is_err());
    let year_minus_one = SigningContext::from_unix(-62_167_219_201, "abc").unwrap();
    for s in signers() {
        let r = s.sign(&plain, &year_minus_one);
        assert!(
            matches!(r, Err(Error::TimestampOutOfRange { .. })),
            "{}: {r:?}",
            s.algorithm()
        );
    }
    let tc3 = Tc3Signer::builder(creds(), "cvm")
        .action("A")
        .version("V")
        .build()
        .unwrap();
    assert!(matches!(
        tc3.sign(&plain, &before_epoch),
        Err(Error::TimestampOutOfRange { .. })
    ));
    // The other schemes write 1969 fine.
    assert!(signers()[0].sign(&plain, &before_epoch).is_ok());
}

#[test]
fn errors_never_contain_secrets() {
    let creds = Credentials::new("AKID", SECRET)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    let signers: Vec<Box<dyn Signer>> = vec![
        Box::new(
            Acs3Signer::builder(creds.clone())
                .action("A")
                .version("V")
                .build()
                .unwrap(),
        ),
        Box::new(
            RpcSigner::builder(creds.clone())
                .action("A")
                .version("V")
                .build()
                .unwrap(),
        ),
        Box::new(
            Tc3Signer::builder(creds.clone(), "cvm")
                .action("A")
                .version("V")
                .build()
                .unwrap(),
        ),
        Box::new(WsseSigner::new(creds)),
    ];
    let bad = [
        CanonicalRequest::builder()
            .host("a.example.com")
            .method("PUT")
            .body("x")
            .build()
            .unwrap(),
        CanonicalRequest::builder()
            .host("a.example.com")
            .header("X-TC-Token", "x")
            .header("x-acs-security-token", "y")
            .build()
            .unwrap(),
    ];
    let mut errors = 0;
    for s in &signers {
        for r in &bad {
            for c in [
                ctx(),
                ctx().with_nonce(""),
                SigningContext::from_unix(-62_167_219_201, "n").unwrap(),
            ] {
                if let Err(e) = s.sign(r, &c) {
                    assert_no_secret(&e);
                    errors += 1;
                }
            }
        }
    }
    assert!(errors >= 16, "only {errors} errors exercised");
}
