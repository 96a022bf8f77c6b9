//! Bad input gives a typed error, never a panic and never a secret in the message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

#[path = "support/signers.rs"]
mod signers;

use cloudsign::alibaba::{roa, Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::SdkHmacSha256Signer;
use cloudsign::tencent::{Tc3Signer, V1Signer};
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
    signers::all(&creds())
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
    let [acs3, rpc, tc3, wsse, ..]: [Box<dyn Signer>; 7] = signers().try_into().unwrap();
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
    let reserved = host().query("SignatureNonce", "x").build().unwrap();
    assert!(matches!(
        rpc.sign(&reserved, &ctx()),
        Err(Error::ReservedName { .. })
    ));
    let signed = host().query("Signature", "x").build().unwrap();
    let e = rpc.sign(&signed, &ctx()).unwrap_err();
    assert!(matches!(e, Error::AlreadySigned { .. }), "{e}");
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
    // Empty, or not letters and digits only: each scheme's own rule decides.
    for (signer, nonce) in [
        (acs3.as_ref(), ""),
        (rpc.as_ref(), ""),
        (acs3.as_ref(), " edge"),
        (rpc.as_ref(), "a\u{7}b"),
    ] {
        assert!(
            matches!(
                signer.sign(&plain, &ctx().with_nonce(nonce)),
                Err(Error::InvalidNonce { .. })
            ),
            "{} {nonce:?}",
            signer.algorithm()
        );
    }
    assert!(acs3.sign(&plain, &ctx().with_nonce("a-b_c")).is_ok());
    assert!(rpc.sign(&plain, &ctx().with_nonce("a b")).is_ok());
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
    let signers = signers::all(&creds);
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
            .header("X-Security-Token", "z")
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
    assert!(errors >= 25, "only {errors} errors exercised");
}

#[test]
fn roa_refuses_what_it_cannot_sign() {
    let signer = RoaSigner::builder(creds()).version("V").build().unwrap();
    let host = || {
        CanonicalRequest::builder()
            .host("cs.aliyuncs.com")
            .path("/clusters")
    };
    let err = |r: CanonicalRequest, s: &RoaSigner| s.sign(&r, &ctx()).unwrap_err();

    let e = err(host().header("Date", "x").build().unwrap(), &signer);
    assert!(matches!(e, Error::ReservedName { .. }), "{e}");
    let e = err(
        host()
            .header("Accept", "a")
            .header("accept", "b")
            .build()
            .unwrap(),
        &signer,
    );
    assert!(matches!(e, Error::DuplicateHeader { .. }), "{e}");
    let e = err(
        host()
            .header("x-acs-meta", "a")
            .header("X-Acs-Meta", "b")
            .build()
            .unwrap(),
        &signer,
    );
    assert!(matches!(e, Error::DuplicateHeader { .. }), "{e}");
    let e = err(
        host().query("a", "1").query("a", "2").build().unwrap(),
        &signer,
    );
    assert!(matches!(e, Error::DuplicateParameter { .. }), "{e}");
    assert!(matches!(
        signer.sign(&host().build().unwrap(), &ctx().with_nonce("")),
        Err(Error::InvalidNonce { .. })
    ));

    // Content-MD5 needs the body bytes.
    let md5 = RoaSigner::builder(creds())
        .version("V")
        .content_md5(true)
        .build()
        .unwrap();
    let e = err(
        host().method("POST").unsigned_payload().build().unwrap(),
        &md5,
    );
    assert!(matches!(e, Error::UnsupportedBody { .. }), "{e}");
    let out = md5.sign(&host().build().unwrap(), &ctx()).unwrap();
    assert_eq!(out.header("Content-MD5"), Some("1B2M2Y8AsgTpgAmY7PhCfg=="));
    assert!(out
        .string_to_sign()
        .unwrap()
        .starts_with("GET\napplication/json\n1B2M2Y8AsgTpgAmY7PhCfg==\n\n"));
    // A Content-MD5 of the caller's must be the body's: the gateway checks it.
    for given in ["", "1B2M2Y8AsgTpgAmY7PhCfg=", "XUFAKrxLKna5cZ2REBfFkg=="] {
        let req = host().header("Content-MD5", given).build().unwrap();
        let e = err(req, &signer);
        assert!(matches!(e, Error::UnsupportedBody { .. }), "{given:?}: {e}");
    }
    let req = host().header("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==");
    assert!(signer.sign(&req.build().unwrap(), &ctx()).is_ok());
}

/// ROA signs query values raw, so `{a: "1&b=2"}` and `{a: "1", b: "2"}` share a string to
/// sign. The official SDKs sign both; `reject_ambiguous_query` refuses the first.
#[test]
fn roa_query_ambiguity_is_a_choice() {
    let lenient = RoaSigner::builder(creds()).version("V").build().unwrap();
    let strict = RoaSigner::builder(creds())
        .version("V")
        .reject_ambiguous_query(true)
        .build()
        .unwrap();
    let host = || {
        CanonicalRequest::builder()
            .host("cs.aliyuncs.com")
            .path("/c")
    };
    let one = host().query("a", "1&b=2").build().unwrap();
    let two = host().query("a", "1").query("b", "2").build().unwrap();
    let s1 = lenient.sign(&one, &ctx()).unwrap();
    let s2 = lenient.sign(&two, &ctx()).unwrap();
    assert_eq!(s1.signature(), s2.signature());
    assert_ne!(s1.query_string(), s2.query_string());
    assert!(matches!(
        strict.sign(&one, &ctx()),
        Err(Error::UnsupportedQuery { .. })
    ));
    let name_eq = host().query("a=1", "").build().unwrap();
    assert!(matches!(
        strict.sign(&name_eq, &ctx()),
        Err(Error::UnsupportedQuery { .. })
    ));
    // `=` in a value is not ambiguous: the first `=` ends the name.
    assert!(strict
        .sign(&host().query("a", "b=c").build().unwrap(), &ctx())
        .is_ok());
    assert_eq!(
        strict.sign(&two, &ctx()).unwrap().signature(),
        s2.signature()
    );
}

#[test]
fn roa_header_names_setting() {
    let req = CanonicalRequest::builder()
        .host("cs.aliyuncs.com")
        .header("X-Acs-Mixed", "1")
        .header("Content-Type", "text/plain")
        .build()
        .unwrap();
    let any = RoaSigner::builder(creds()).version("V").build().unwrap();
    let lower = RoaSigner::builder(creds())
        .version("V")
        .header_names(roa::HeaderNames::LowercaseOnly)
        .build()
        .unwrap();
    let a = any.sign(&req, &ctx()).unwrap();
    let l = lower.sign(&req, &ctx()).unwrap();
    assert!(a.string_to_sign().unwrap().contains("\ntext/plain\n"));
    assert!(a.string_to_sign().unwrap().contains("\nx-acs-mixed:1\n"));
    assert!(!l.string_to_sign().unwrap().contains("text/plain"));
    assert!(!l.string_to_sign().unwrap().contains("mixed"));
}

#[test]
fn huawei_sdk_hmac_refuses_what_it_cannot_sign() {
    let signer = SdkHmacSha256Signer::builder(creds()).build().unwrap();
    let host = || CanonicalRequest::builder().host("iam.myhuaweicloud.com");
    let e = signer
        .sign(&host().header("X-Sdk-Date", "x").build().unwrap(), &ctx())
        .unwrap_err();
    assert!(matches!(e, Error::ReservedName { .. }), "{e}");
    let e = signer
        .sign(
            &host().header("authorization", "x").build().unwrap(),
            &ctx(),
        )
        .unwrap_err();
    assert!(matches!(e, Error::AlreadySigned { .. }), "{e}");
    // X-Project-Id is the caller's own unless the signer sets it.
    let with_project = host().header("X-Project-Id", "p").build().unwrap();
    assert!(signer.sign(&with_project, &ctx()).is_ok());
    let project = SdkHmacSha256Signer::builder(creds())
        .project_id("p")
        .build()
        .unwrap();
    assert!(matches!(
        project.sign(&with_project, &ctx()),
        Err(Error::ReservedName { .. })
    ));
    assert!(matches!(
        SdkHmacSha256Signer::builder(creds()).project_id("").build(),
        Err(Error::InvalidSetting { .. })
    ));
    let dup = host()
        .header("X-A", "1")
        .header("x-a", "2")
        .build()
        .unwrap();
    assert!(matches!(
        signer.sign(&dup, &ctx()),
        Err(Error::DuplicateHeader { .. })
    ));

    // Underscore names are sent but not signed; an unsigned payload is announced.
    let req = host()
        .method("PUT")
        .header("X_Under", "x")
        .unsigned_payload()
        .build()
        .unwrap();
    let out = signer.sign(&req, &ctx()).unwrap();
    assert_eq!(out.header("X-Sdk-Content-Sha256"), Some("UNSIGNED-PAYLOAD"));
    let cr = out.canonical_request().unwrap();
    assert!(
        cr.ends_with("\nhost;x-sdk-content-sha256;x-sdk-date\nUNSIGNED-PAYLOAD"),
        "{cr}"
    );
    assert!(!cr.contains("x_under"));
}

#[test]
fn tencent_v1_refuses_what_it_cannot_sign() {
    let signer = V1Signer::builder(creds())
        .action("A")
        .version("V")
        .region("ap-guangzhou")
        .build()
        .unwrap();
    let host = || CanonicalRequest::builder().host("cvm.tencentcloudapi.com");
    let sign = |r: CanonicalRequest| signer.sign(&r, &ctx());
    assert!(matches!(
        sign(host().method("PUT").build().unwrap()),
        Err(Error::UnsupportedMethod { .. })
    ));
    assert!(matches!(
        sign(host().method("POST").query("a", "1").build().unwrap()),
        Err(Error::UnsupportedQuery { .. })
    ));
    assert!(matches!(
        sign(
            host()
                .method("POST")
                .header("Content-Type", "application/json")
                .body("{}")
                .build()
                .unwrap()
        ),
        Err(Error::UnsupportedBody { .. })
    ));
    assert!(matches!(
        sign(host().body("a=1").build().unwrap()),
        Err(Error::UnsupportedBody { .. })
    ));
    let e = sign(host().query("Signature", "1").build().unwrap()).unwrap_err();
    assert!(matches!(e, Error::AlreadySigned { .. }), "{e}");
    for name in ["Nonce", "Region", "SecretId", "SignatureMethod"] {
        assert!(matches!(
            sign(host().query(name, "1").build().unwrap()),
            Err(Error::ReservedName { .. })
        ));
    }
    // `Language` is the caller's own when the signer does not set it.
    assert!(sign(host().query("Language", "en-US").build().unwrap()).is_ok());
    // `a_b` and `a.b` are both signed as `a.b`.
    assert!(matches!(
        sign(host().query("a_b", "1").query("a.b", "2").build().unwrap()),
        Err(Error::DuplicateParameter { .. })
    ));
}

#[test]
fn tencent_v1_nonce() {
    let signer = V1Signer::builder(creds())
        .action("A")
        .version("V")
        .build()
        .unwrap();
    let req = CanonicalRequest::builder()
        .host("cvm.tencentcloudapi.com")
        .build()
        .unwrap();
    let nonce = |c: &SigningContext| {
        signer
            .sign(&req, c)
            .unwrap()
            .query_param("Nonce")
            .unwrap()
            .to_owned()
    };
    assert_eq!(nonce(&ctx().with_nonce("11886")), "11886");
    // Any other nonce becomes a positive integer below 2^63, the same one every time.
    let hex = ctx().with_nonce("3156853299f313e23d1673dc12e1703d");
    let n = nonce(&hex);
    assert_eq!(n, nonce(&hex));
    assert!(n.parse::<u64>().unwrap() < 1 << 63);
    assert_ne!(
        n,
        nonce(&ctx().with_nonce("3156853299f313e23d1673dc12e1703e"))
    );
    assert_ne!(
        nonce(&ctx().with_nonce("12345678901234567890")),
        "12345678901234567890"
    );
}

/// Signing a request that carries an earlier signature of the same scheme says so, in
/// every scheme (a retry must sign a fresh copy of the unsigned request).
#[test]
fn re_signing_a_signed_request_says_it_is_already_signed() {
    for signer in signers() {
        let unsigned = || {
            CanonicalRequest::builder()
                .method("GET")
                .host("api.example.com")
                .query("PageSize", "10")
        };
        let out = signer.sign(&unsigned().build().unwrap(), &ctx()).unwrap();
        // The request as sent: the caller's query and headers plus the signer's output.
        let mut sent = unsigned();
        for (name, value) in out.query_params() {
            sent = sent.query(name, value);
        }
        for (name, value) in out.headers() {
            sent = sent.header(name, value);
        }
        let e = signer
            .sign(&sent.build().unwrap(), &SigningContext::now())
            .unwrap_err();
        assert!(
            matches!(e, Error::AlreadySigned { .. }),
            "{}: {e}",
            signer.algorithm()
        );
        assert!(e.to_string().contains("already signed"), "{e}");
    }
}

/// Tencent V1 `POST` carries its signature in the form body, not the query.
#[test]
fn re_signing_a_signed_v1_form_says_it_is_already_signed() {
    let signer = cloudsign::tencent::V1Signer::builder(Credentials::new("AKID", "secret").unwrap())
        .action("DescribeInstances")
        .version("2017-03-12")
        .build()
        .unwrap();
    let form = |body: &str| {
        CanonicalRequest::builder()
            .method("POST")
            .host("cvm.tencentcloudapi.com")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .build()
            .unwrap()
    };
    let out = signer.sign(&form("Limit=1"), &ctx()).unwrap();
    let signed = out.body().unwrap();
    assert!(signed.contains("Signature="), "{signed}");
    let e = signer.sign(&form(signed), &ctx()).unwrap_err();
    assert!(matches!(e, Error::AlreadySigned { .. }), "{e}");
}

/// A local time whose UTC value is past year 9999 neither panics nor signs a wrong date.
#[test]
fn a_time_whose_utc_value_is_out_of_range_is_refused() {
    let local = time::macros::datetime!(9999-12-31 23:30 -01:00);
    let ctx = SigningContext::new(local, "abc123");
    let req = CanonicalRequest::builder()
        .method("GET")
        .host("api.example.com")
        .build()
        .unwrap();
    for signer in signers() {
        match signer.sign(&req, &ctx) {
            Err(Error::TimestampOutOfRange { .. }) => {}
            // Tencent V1 sends only the Unix time, which is exact whatever the offset.
            Ok(out) if signer.algorithm().starts_with("HmacSHA") => {
                assert!(!out.signature().is_empty())
            }
            other => panic!("{}: {other:?}", signer.algorithm()),
        }
    }
}

/// Credentials travel in headers, query parameters and quoted strings: only visible ASCII,
/// and no byte that ends a quoted string or parameter.
#[test]
fn credentials_that_cannot_travel_are_refused() {
    for ak in ["中文", "ak\\", "a\"k", "a k", "ak\t", "a,k", "é"] {
        let e = Credentials::new(ak, "secret").unwrap_err();
        assert!(matches!(e, Error::InvalidCredential { .. }), "{ak:?}: {e}");
        assert!(!e.to_string().contains(ak), "{e}");
    }
    let c = Credentials::new("AKID", "secret with spaces and ü").unwrap();
    for token in [" tk-9f3a", "tk-9f3a ", "tk 9f3a", "tk-9föa", "tk-9f\u{0}"] {
        let e = c.clone().with_security_token(token).unwrap_err();
        assert!(
            matches!(e, Error::InvalidCredential { .. }),
            "{token:?}: {e}"
        );
        assert!(!e.to_string().contains(token.trim()), "{e}");
    }
}

/// A host with user info is refused, and the error never shows the password.
#[test]
fn a_host_with_user_info_is_refused_without_echoing_it() {
    let e = CanonicalRequest::builder()
        .host("admin:hunter2@api.example.com")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::InvalidHost { .. }), "{e}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
    for host in [
        "a.example:",
        "a.example:99999",
        "a.example:x",
        "%41.example",
        "a!b",
        "[::1",
        "[zz]",
    ] {
        let e = CanonicalRequest::builder().host(host).build().unwrap_err();
        assert!(matches!(e, Error::InvalidHost { .. }), "{host}: {e}");
    }
    for host in [
        "a.example:8443",
        "[::1]:80",
        "[::1]",
        "127.0.0.1",
        "A_b.example",
    ] {
        CanonicalRequest::builder().host(host).build().unwrap();
    }
}

/// TC3 signs one Content-Type; two would both be sent.
#[test]
fn tc3_refuses_two_content_types() {
    let signer = Tc3Signer::builder(Credentials::new("AKID", "secret").unwrap(), "cvm")
        .action("A")
        .version("V")
        .build()
        .unwrap();
    let req = CanonicalRequest::builder()
        .method("POST")
        .host("cvm.tencentcloudapi.com")
        .header("Content-Type", "application/json")
        .header("content-type", "text/plain")
        .body("{}")
        .build()
        .unwrap();
    let e = signer.sign(&req, &ctx()).unwrap_err();
    assert!(matches!(e, Error::DuplicateHeader { .. }), "{e}");
}

/// Settings are sent as headers or parameters: beyond visible ASCII the `http` crate could
/// not carry them after sign() had succeeded.
#[test]
fn settings_beyond_visible_ascii_are_refused() {
    let creds = || Credentials::new("AKID", "secret").unwrap();
    for bad in ["中", "ü", " edge", "x\u{7f}"] {
        let e = Tc3Signer::builder(creds(), "cvm")
            .action("A")
            .version("V")
            .region(bad)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidSetting {
                    field: "region",
                    ..
                }
            ),
            "{bad:?}: {e}"
        );
        let e = Acs3Signer::builder(creds())
            .action(bad)
            .version("V")
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidSetting { .. }), "{bad:?}: {e}");
    }
    Tc3Signer::builder(creds(), "cvm")
        .action("A")
        .version("V")
        .region("ap guangzhou")
        .build()
        .unwrap();
}
