//! Server-side verification (`cloudsign::verify`): what the signers produce verifies, and
//! one changed byte in any signed element is refused with the cloud's error code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use cloudsign::tencent::{tc3, Tc3Signer};
use cloudsign::verify::{MemoryKeyStore, Received, Tc3Verifier, Verifier, VerifyError};
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};

#[path = "support/verify.rs"]
mod verify;
use verify::{at, code, received, tampered, ReceivedExt as _, T};

fn creds(token: bool) -> Credentials {
    let c = Credentials::new("AKIDverify", "verify-secret").unwrap();
    match token {
        true => c.with_security_token("session-token").unwrap(),
        false => c,
    }
}

fn signer(creds: Credentials, headers: tc3::SignedHeaders) -> Tc3Signer {
    Tc3Signer::builder(creds, "cvm")
        .action("DescribeInstances")
        .version("2017-03-12")
        .region("ap-guangzhou")
        .signed_headers(headers)
        .build()
        .unwrap()
}

fn requests() -> Vec<CanonicalRequest> {
    let post = CanonicalRequest::builder()
        .method("POST")
        .host("cvm.tencentcloudapi.com")
        .header("Content-Type", "application/json; charset=utf-8")
        .body(r#"{"Limit":10}"#);
    let get = CanonicalRequest::builder()
        .host("cvm.tencentcloudapi.com")
        .query("Limit", "10")
        .query("Filters.0.Name", "zone a/b");
    vec![post.build().unwrap(), get.build().unwrap()]
}

fn verifier(token: bool) -> Tc3Verifier {
    Tc3Verifier::new(MemoryKeyStore::new().with(creds(token))).service("cvm")
}

#[test]
fn what_the_signer_sends_verifies() {
    let styles = [
        tc3::SignedHeaders::ContentTypeHost,
        tc3::SignedHeaders::ContentTypeHostAction,
    ];
    for token in [false, true] {
        for style in styles {
            for req in requests() {
                let got = received(&signer(creds(token), style), &req, "n");
                let ok = verifier(token).verify(&got, at(T + 10)).unwrap();
                assert_eq!(ok.access_key_id, "AKIDverify");
                assert_eq!(ok.signed_at, at(T));
                assert_eq!(ok.expires_at, at(T + 300));
                assert_eq!(
                    ok.replay_key().len(),
                    64,
                    "the signature stands for the nonce"
                );
                assert_eq!(ok.security_token.is_some(), token);
            }
        }
    }
}

#[test]
fn one_changed_byte_is_refused_with_tencents_code() {
    let s = signer(creds(true), tc3::SignedHeaders::ContentTypeHostAction);
    let post = received(&s, &requests()[0], "n");
    let get = received(&s, &requests()[1], "n");
    let v = verifier(true);
    let now = at(T);
    let sig = post.signature();
    let flipped = format!(
        "{}{}",
        if sig.starts_with('0') { "1" } else { "0" },
        &sig[1..]
    );
    let cases: Vec<(&Received, &str, &str, &str, &str)> = vec![
        (
            &post,
            "Authorization",
            &sig,
            &flipped,
            "AuthFailure.SignatureFailure",
        ),
        (&post, ":body", "10", "11", "AuthFailure.SignatureFailure"),
        (
            &post,
            ":host",
            "cvm.",
            "cvn.",
            "AuthFailure.SignatureFailure",
        ),
        (&post, ":target", "/", "/x", "AuthFailure.SignatureFailure"),
        (
            &post,
            "Content-Type",
            "utf-8",
            "utf-9",
            "AuthFailure.SignatureFailure",
        ),
        (
            &post,
            "X-TC-Action",
            "Describe",
            "Describf",
            "AuthFailure.SignatureFailure",
        ),
        (
            &get,
            ":target",
            "Limit=10",
            "Limit=11",
            "AuthFailure.SignatureFailure",
        ),
        (
            &get,
            ":target",
            "Limit=",
            "Limiu=",
            "AuthFailure.SignatureFailure",
        ),
        (
            &post,
            "X-TC-Timestamp",
            "17",
            "16",
            "AuthFailure.SignatureExpire",
        ),
        (
            &post,
            "X-TC-Timestamp",
            "1700000000",
            "1700000001",
            "AuthFailure.SignatureFailure",
        ),
        (
            &post,
            "Authorization",
            "AKIDverify",
            "AKIDverifz",
            "AuthFailure.SecretIdNotFound",
        ),
        (
            &post,
            "X-TC-Token",
            "session",
            "sessioN",
            "AuthFailure.TokenFailure",
        ),
        (
            &post,
            "Authorization",
            "/cvm/",
            "/cvn/",
            "AuthFailure.InvalidAuthorization",
        ),
        (
            &post,
            "Authorization",
            "SignedHeaders=",
            "SignedHeaderz=",
            "AuthFailure.InvalidAuthorization",
        ),
    ];
    assert_eq!(code(&v.verify(&post, now)), "ok");
    assert_eq!(code(&v.verify(&get, now)), "ok");
    for (got, name, from, to, want) in &cases {
        let bad = tampered(got, name, from, to);
        assert_eq!(
            code(&v.verify(&bad, now)),
            *want,
            "{name}: {from:?} -> {to:?}"
        );
    }
    // Values the client listed are required; host must be signed.
    let no_action = Received::new("POST", "cvm.tencentcloudapi.com", "/");
    assert_eq!(
        code(&v.verify(&no_action, now)),
        "AuthFailure.InvalidAuthorization"
    );
    let err = v.verify(
        &tampered(&post, "X-TC-Action", "DescribeInstances", ""),
        now,
    );
    assert_eq!(code(&err), "AuthFailure.SignatureFailure");
}

#[test]
fn the_window_is_five_minutes_either_way() {
    let got = received(
        &signer(creds(false), tc3::SignedHeaders::ContentTypeHost),
        &requests()[0],
        "n",
    );
    let v = verifier(false);
    for (now, want) in [
        (T - 300, "ok"),
        (T - 301, "AuthFailure.SignatureExpire"),
        (T + 300, "ok"),
        (T + 301, "AuthFailure.SignatureExpire"),
    ] {
        assert_eq!(code(&v.verify(&got, at(now))), want, "now = T{:+}", now - T);
    }
    let wide = verifier(false).window(time::Duration::minutes(10));
    assert_eq!(code(&wide.verify(&got, at(T + 301))), "ok");
}

#[test]
fn malformed_authorization_parts_are_refused() {
    let got = received(
        &signer(creds(false), tc3::SignedHeaders::ContentTypeHost),
        &requests()[0],
        "n",
    );
    let v = verifier(false);
    let auth = got.value("Authorization");
    for bad in [
        auth.replace(", Signature=", ", Sig="),
        auth.replace("Credential=", "Cred="),
        auth.replace("/tc3_request", ""),
        auth.replace("TC3-HMAC-SHA256 ", "TC3-HMAC-SHA1 "),
        format!("{auth}, Extra=1"),
        auth.replace("content-type;host", "host;content-type"),
        auth.replace("content-type;host", "content-type;host;x-absent"),
        auth.replace("content-type;host", "content-type"),
        auth.to_uppercase(),
    ] {
        let req = tampered(&got, "Authorization", &auth, &bad);
        let err = v.verify(&req, at(T)).unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Malformed { .. } | VerifyError::Missing { .. }
            ),
            "{bad}: {err:?}"
        );
        assert!(!err.to_string().contains("verify-secret"));
    }
    // A duplicated Authorization header.
    let twice = got.clone().header("authorization", &auth);
    assert!(matches!(
        v.verify(&twice, at(T)),
        Err(VerifyError::Malformed { .. })
    ));
}

/// Sign an `http::Request`, send it as it is, verify it as the server's `http` sees it.
#[cfg(feature = "http")]
#[test]
fn an_http_request_signed_and_applied_verifies() {
    use cloudsign::http::HttpSignerExt as _;
    let s = signer(creds(true), tc3::SignedHeaders::ContentTypeHostAction);
    let mut req = http::Request::post("https://cvm.tencentcloudapi.com/")
        .header("Content-Type", "application/json")
        .body(br#"{"Limit":1}"#.to_vec())
        .unwrap();
    s.sign_http(&mut req, &SigningContext::from_unix(T, "n").unwrap())
        .unwrap();
    // What a server reads: an origin-form target and a Host header.
    let (mut parts, body) = req.into_parts();
    parts
        .headers
        .insert("host", "cvm.tencentcloudapi.com".parse().unwrap());
    parts.uri = "/".parse().unwrap();
    let got = Received::from_http(&http::Request::from_parts(parts, body)).unwrap();
    let ok = verifier(true).verify(&got, at(T + 1)).unwrap();
    assert_eq!(ok.access_key_id, "AKIDverify");
}

/// A TC3 signature computed here, over the canonical request with the header values as
/// given: the form a client signed, whichever it is.
fn tc3_signature_over(got: &Received, signed: &[(&str, &str)], timestamp: &str) -> String {
    use hmac::Mac as _;
    use sha2::Digest as _;
    let names: Vec<&str> = signed.iter().map(|(n, _)| *n).collect();
    let headers: String = signed.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let body_hash = hex::encode(sha2::Sha256::digest(got.body_bytes()));
    let canonical = format!("POST\n/\n\n{headers}\n{}\n{body_hash}", names.join(";"));
    let date = "2023-11-14";
    let sts = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{date}/cvm/tc3_request\n{}",
        hex::encode(sha2::Sha256::digest(canonical.as_bytes()))
    );
    let key = tc3::signing_key(creds(false).secret(), date, "cvm");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(sts.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whichever form the client signed, as sent or the document's (trimmed, lower-cased),
/// and whichever headers it listed, the request verifies; a form nobody signs does not,
/// and the refusal shows the string to sign of the form tried first.
#[test]
fn both_canonical_forms_verify_in_either_order() {
    let v = verifier(false);
    let ts = T.to_string();
    let base = Received::new("POST", "cvm.tencentcloudapi.com", "/")
        .header("Content-Type", " Application/JSON ")
        .header("X-TC-Action", "DescribeInstances")
        .header("X-TC-Timestamp", &ts)
        .body("{}");
    let (ct, host, action) = ("content-type", "host", "x-tc-action");
    let sent = [
        (ct, " Application/JSON "),
        (host, "cvm.tencentcloudapi.com"),
        (action, "DescribeInstances"),
    ];
    let document = [
        (ct, "application/json"),
        (host, "cvm.tencentcloudapi.com"),
        (action, "describeinstances"),
    ];
    let mixed = [
        (ct, "application/json"),
        (host, "cvm.tencentcloudapi.com"),
        (action, "DescribeInstances"),
    ];
    for (headers, want) in [
        (&sent[..2], "ok"),
        (&document[..2], "ok"),
        (&sent[..], "ok"),
        (&document[..], "ok"),
        (&mixed[..], "AuthFailure.SignatureFailure"),
    ] {
        let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        let auth = format!(
            "TC3-HMAC-SHA256 Credential=AKIDverify/2023-11-14/cvm/tc3_request, SignedHeaders={}, Signature={}",
            names.join(";"),
            tc3_signature_over(&base, headers, &ts)
        );
        let got = base.clone().header("Authorization", auth);
        let answer = v.verify(&got, at(T));
        assert_eq!(code(&answer), want, "{headers:?}");
        if let Err(VerifyError::SignatureMismatch { string_to_sign, .. }) = answer {
            // x-tc-action signed: the document's form is tried first.
            let document_hash = {
                use sha2::Digest as _;
                let canonical = "POST\n/\n\ncontent-type:application/json\nhost:cvm.tencentcloudapi.com\nx-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
                hex::encode(sha2::Sha256::digest(canonical))
            };
            assert!(string_to_sign.ends_with(&document_hash), "{string_to_sign}");
        }
    }
}

/// A key store whose secret can be rotated while the verifier runs.
struct Rotating(std::sync::Mutex<Credentials>);

impl cloudsign::verify::KeyStore for Rotating {
    fn credentials(&self, access_key_id: &str) -> Option<Credentials> {
        let creds = self.0.lock().unwrap().clone();
        (creds.access_key_id() == access_key_id).then_some(creds)
    }
}

/// The derived signing keys kept by the verifier follow the date, the service and the
/// secret: a new day, another service or a rotated secret derive afresh, the old secret's
/// signatures are refused at once; with the cache off, the same answers.
#[test]
fn kept_signing_keys_follow_date_service_and_secret() {
    let rotated = Credentials::new("AKIDverify", "rotated-secret").unwrap();
    for cache in [true, false] {
        let store = std::sync::Arc::new(Rotating(std::sync::Mutex::new(creds(false))));
        let v = Tc3Verifier::new(store.clone()).cache_signing_keys(cache);
        let style = tc3::SignedHeaders::ContentTypeHost;
        let sign_at = |creds: Credentials, service: &str, secs: i64| {
            let signer = Tc3Signer::builder(creds, service)
                .action("DescribeInstances")
                .version("2017-03-12")
                .signed_headers(style)
                .build()
                .unwrap();
            let out = signer
                .sign(
                    &requests()[0],
                    &SigningContext::from_unix(secs, "n").unwrap(),
                )
                .unwrap();
            let mut got = Received::new("POST", "cvm.tencentcloudapi.com", "/")
                .body(requests()[0].body().unwrap().to_vec());
            for (name, value) in requests()[0]
                .headers()
                .iter()
                .cloned()
                .chain(out.headers().map(|(n, v)| (n.to_owned(), v.to_owned())))
            {
                got = got.header(name, value);
            }
            (got, at(secs))
        };
        let day = 86_400;
        for (creds, service, secs) in [
            (creds(false), "cvm", T),
            (creds(false), "cvm", T + day),
            (creds(false), "cbs", T + day),
            (creds(false), "cvm", T),
        ] {
            let (got, now) = sign_at(creds, service, secs);
            assert_eq!(code(&v.verify(&got, now)), "ok", "{service} {secs} {cache}");
        }
        let (old, now) = sign_at(creds(false), "cvm", T);
        *store.0.lock().unwrap() = rotated.clone();
        assert_eq!(code(&v.verify(&old, now)), "AuthFailure.SignatureFailure");
        let (new, now) = sign_at(rotated.clone(), "cvm", T);
        assert_eq!(code(&v.verify(&new, now)), "ok");
        assert!(format!("{v:?}").contains(&format!("cache_signing_keys: {cache}")));
    }
}

/// Every verifier keeps each key's keyed MAC, as the TC3 one keeps derived keys: a
/// rotated secret is keyed afresh, and the old secret's signatures are refused at once.
#[test]
fn kept_keyed_macs_follow_a_rotated_secret() {
    use cloudsign::alibaba::{Acs3Signer, RoaSigner, RpcSigner};
    use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
    use cloudsign::tencent::{v1, V1Signer};
    use cloudsign::verify::{
        Acs3Verifier, HuaweiVerifier, RoaVerifier, RpcVerifier, V1Verifier, WsseVerifier,
    };
    type Make = fn(Credentials) -> Box<dyn Signer>;
    type Check = fn(std::sync::Arc<Rotating>) -> Box<dyn Verifier>;
    fn v1(c: Credentials, method: v1::SignatureMethod) -> Box<dyn Signer> {
        Box::new(
            V1Signer::builder(c)
                .action("DescribeInstances")
                .version("2017-03-12")
                .region("ap-guangzhou")
                .signature_method(method)
                .build()
                .unwrap(),
        )
    }
    let schemes: [(&str, Make, Check); 7] = [
        (
            "acs3",
            |c| {
                Box::new(
                    Acs3Signer::builder(c)
                        .action("A")
                        .version("1")
                        .build()
                        .unwrap(),
                )
            },
            |s| Box::new(Acs3Verifier::new(s)),
        ),
        (
            "rpc",
            |c| {
                Box::new(
                    RpcSigner::builder(c)
                        .action("A")
                        .version("1")
                        .build()
                        .unwrap(),
                )
            },
            |s| Box::new(RpcVerifier::new(s)),
        ),
        (
            "roa",
            |c| {
                Box::new(
                    RoaSigner::builder(c)
                        .action("A")
                        .version("1")
                        .build()
                        .unwrap(),
                )
            },
            |s| Box::new(RoaVerifier::new(s)),
        ),
        (
            "v1-sha256",
            |c| v1(c, v1::SignatureMethod::HmacSha256),
            |s| Box::new(V1Verifier::new(s)),
        ),
        (
            "v1-sha1",
            |c| v1(c, v1::SignatureMethod::HmacSha1),
            |s| Box::new(V1Verifier::new(s)),
        ),
        (
            "huawei",
            |c| Box::new(SdkHmacSha256Signer::builder(c).build().unwrap()),
            |s| Box::new(HuaweiVerifier::new(s)),
        ),
        (
            "wsse",
            |c| Box::new(WsseSigner::new(c)),
            |s| Box::new(WsseVerifier::new(s)),
        ),
    ];
    let req = CanonicalRequest::builder()
        .method("GET")
        .host("api.example.com")
        .path("/v1/items")
        .query("limit", "10")
        .build()
        .unwrap();
    let rotated = Credentials::new("AKIDverify", "rotated-secret").unwrap();
    for (name, make, check) in schemes {
        let store = std::sync::Arc::new(Rotating(std::sync::Mutex::new(creds(false))));
        let v = check(store.clone());
        let sign = |c: Credentials, nonce: &str| {
            let out = make(c)
                .sign(&req, &SigningContext::from_unix(T, nonce).unwrap())
                .unwrap();
            let query = out.query_string();
            let target = match query.is_empty() {
                true => req.path().to_owned(),
                false => format!("{}?{query}", req.path()),
            };
            let body = out
                .body()
                .map(|f| f.as_bytes().to_vec())
                .unwrap_or_default();
            let mut got = Received::new(req.method(), req.host(), &target).body(body);
            for (n, value) in out.headers() {
                got = got.header(n, value);
            }
            got
        };
        for nonce in ["1", "2"] {
            let got = sign(creds(false), nonce);
            assert!(
                v.verify(&got, at(T)).is_ok(),
                "{name}: {:?}",
                v.verify(&got, at(T))
            );
        }
        let old = sign(creds(false), "3");
        *store.0.lock().unwrap() = rotated.clone();
        assert!(
            matches!(
                v.verify(&old, at(T)),
                Err(VerifyError::SignatureMismatch { .. })
            ),
            "{name}: {:?}",
            v.verify(&old, at(T))
        );
        let new = sign(rotated.clone(), "4");
        assert!(
            v.verify(&new, at(T)).is_ok(),
            "{name}: {:?}",
            v.verify(&new, at(T))
        );
        *store.0.lock().unwrap() = creds(false);
        assert!(v.verify(&old, at(T)).is_ok(), "{name}: rotated back");
    }
}
