//! Server-side verification of the parameter-signing schemes, Alibaba RPC and Tencent V1:
//! what the signers and the official SDKs send verifies, and one changed byte in any
//! signed element is refused with the cloud's error code and HTTP status.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use cloudsign::alibaba::RpcSigner;
use cloudsign::tencent::{v1, V1Signer};
use cloudsign::verify::{
    AnyVerifier, MemoryKeyStore, Received, RpcVerifier, Scheme, Tc3Verifier, V1Verifier, Verified,
    Verifier, VerifyError,
};
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
use serde_json::Value;
use time::OffsetDateTime;

#[path = "support/verify.rs"]
mod verify;
use verify::{at, case_keys, code, corpus, received, s, T};

const FORM: &str = "application/x-www-form-urlencoded";

fn creds(id: &str, token: bool) -> Credentials {
    let c = Credentials::new(id, "verify-secret").unwrap();
    match token {
        true => c.with_security_token("session-token").unwrap(),
        false => c,
    }
}

fn status(r: &Result<Verified, VerifyError>) -> u16 {
    r.as_ref().map(|_| 200).unwrap_or_else(|e| e.http_status())
}

/// A received request rebuilt with another method, host, target, header set or body.
#[derive(Clone)]
struct Parts {
    method: String,
    host: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Parts {
    fn of(got: &Received) -> Self {
        Parts {
            method: got.method().to_owned(),
            host: got.host().to_owned(),
            path: got.path().to_owned(),
            query: got.raw_query().to_owned(),
            headers: got.headers().to_vec(),
            body: String::from_utf8(got.body_bytes().to_vec()).unwrap(),
        }
    }

    fn received(&self) -> Received {
        let target = match self.query.is_empty() {
            true => self.path.clone(),
            false => format!("{}?{}", self.path, self.query),
        };
        let mut got = Received::new(self.method.as_str(), self.host.as_str(), &target)
            .body(self.body.as_bytes().to_vec());
        for (n, v) in &self.headers {
            got = got.header(n, v);
        }
        got
    }
}

/// One byte of `s` changed: the first ASCII letter or digit outside a `%XX` escape, to its
/// neighbour of the same kind (so the text still decodes). `None` if it has none.
fn one_byte_changed(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            i += 3;
            continue;
        }
        if b[i].is_ascii_alphanumeric() {
            let c = match b[i] {
                b'z' | b'Z' | b'9' => b[i] - 1,
                c => c + 1,
            };
            let mut out = b.to_vec();
            out[i] = c;
            return Some(String::from_utf8(out).unwrap());
        }
        i += 1;
    }
    None
}

/// Every received `name=value` of the query and body, and the request with one byte of
/// the name (`false`) or the value (`true`) changed.
fn tampers(got: &Received) -> Vec<(String, bool, Received)> {
    let parts = Parts::of(got);
    let mut out = Vec::new();
    for in_body in [false, true] {
        let text = if in_body { &parts.body } else { &parts.query };
        let pieces: Vec<&str> = text.split('&').filter(|p| !p.is_empty()).collect();
        for (i, piece) in pieces.iter().enumerate() {
            let (name, value) = piece.split_once('=').unwrap();
            for in_value in [false, true] {
                let changed = match in_value {
                    true => one_byte_changed(value).map(|v| format!("{name}={v}")),
                    false => one_byte_changed(name).map(|n| format!("{n}={value}")),
                };
                let Some(changed) = changed else { continue };
                let mut p = pieces.clone();
                p[i] = &changed;
                let mut edited = parts.clone();
                *(if in_body {
                    &mut edited.body
                } else {
                    &mut edited.query
                }) = p.join("&");
                out.push((name.to_owned(), in_value, edited.received()));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Alibaba RPC
// ---------------------------------------------------------------------------------------

fn rpc_signer(token: bool) -> RpcSigner {
    RpcSigner::builder(creds("LTAIverify", token))
        .action("DescribeInstances")
        .version("2014-05-26")
        .build()
        .unwrap()
}

fn rpc_verifier(token: bool) -> RpcVerifier {
    RpcVerifier::new(MemoryKeyStore::new().with(creds("LTAIverify", token)))
}

/// A `GET` with its parameters in the query, and a `POST` with some in a form body.
fn rpc_requests() -> [CanonicalRequest; 2] {
    let get = CanonicalRequest::builder()
        .host("ecs.aliyuncs.com")
        .query("RegionId", "cn-hangzhou")
        .query("Tag.1.Key", "environment name")
        .query("InstanceIds", r#"["i-1","i-2"]"#)
        .query("Remark", "");
    let post = CanonicalRequest::builder()
        .method("POST")
        .host("ecs.aliyuncs.com")
        .query("RegionId", "cn-hangzhou")
        .header("Content-Type", FORM)
        .body("Description=a+b%2Ac%7E&Name=%E4%B8%AD");
    [get.build().unwrap(), post.build().unwrap()]
}

#[test]
fn rpc_what_the_signer_sends_verifies() {
    for token in [false, true] {
        for req in rpc_requests() {
            let got = received(&rpc_signer(token), &req, "nonce-1");
            let ok = rpc_verifier(token).verify(&got, at(T + 10)).unwrap();
            assert_eq!(ok.scheme, Scheme::AlibabaRpc);
            assert_eq!(ok.access_key_id, "LTAIverify");
            assert_eq!(ok.signed_at, at(T));
            assert_eq!(ok.expires_at, at(T + 900));
            assert_eq!(ok.nonce.as_deref(), Some("nonce-1"));
            assert_eq!(ok.replay_key(), "nonce-1");
            assert_eq!(ok.security_token.is_some(), token, "{}", req.method());
        }
    }
}

/// Alibaba's answer to one changed byte of parameter `name` (or of its value).
fn rpc_expected(name: &str, in_value: bool) -> &'static str {
    match (name, in_value) {
        ("Signature", false) => "IncompleteSignature",
        ("SignatureMethod" | "SignatureVersion", true) => "IncompleteSignature",
        (
            "AccessKeyId" | "SignatureMethod" | "SignatureNonce" | "SignatureVersion" | "Timestamp",
            false,
        ) => "MissingParameter",
        ("AccessKeyId", true) => "InvalidAccessKeyId.NotFound",
        ("SecurityToken", _) => "InvalidSecurityToken.MismatchWithAccessKey",
        // The year's first digit: a thousand years away.
        ("Timestamp", true) => "InvalidTimeStamp.Expired",
        _ => "SignatureDoesNotMatch",
    }
}

#[test]
fn rpc_one_changed_byte_is_refused_with_alibabas_code() {
    let v = rpc_verifier(true);
    let mut seen = std::collections::BTreeSet::new();
    for req in rpc_requests() {
        let got = received(&rpc_signer(true), &req, "nonce-1");
        assert_eq!(code(&v.verify(&got, at(T))), "ok");
        let cases = tampers(&got);
        assert!(cases.len() >= 20, "{}", cases.len());
        for (name, in_value, bad) in cases {
            let r = v.verify(&bad, at(T));
            let want = rpc_expected(&name, in_value);
            assert_eq!(code(&r), want, "{} {name} value={in_value}", req.method());
            let want_status = if want == "InvalidAccessKeyId.NotFound" {
                404
            } else {
                400
            };
            assert_eq!(status(&r), want_status, "{name}");
            seen.insert(name);
        }
        // The method is signed; the host and path are not (the string to sign has `%2F`).
        let mut p = Parts::of(&got);
        p.method = if req.method() == "GET" { "POST" } else { "GET" }.into();
        assert_eq!(
            code(&v.verify(&p.received(), at(T))),
            "SignatureDoesNotMatch"
        );
        let mut p = Parts::of(&got);
        p.host = "ecs.cn-hangzhou.aliyuncs.com".into();
        assert_eq!(code(&v.verify(&p.received(), at(T))), "ok");
    }
    for name in [
        "AccessKeyId",
        "Action",
        "Description",
        "Format",
        "InstanceIds",
        "Name",
        "RegionId",
        "SecurityToken",
        "Signature",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureVersion",
        "Tag.1.Key",
        "Timestamp",
        "Version",
    ] {
        assert!(seen.contains(name), "{name} was not tampered with");
    }
}

#[test]
fn rpc_timestamp_changes() {
    let got = received(&rpc_signer(false), &rpc_requests()[0], "n");
    let v = rpc_verifier(false);
    let stamp = "2023-11-14T22%3A13%3A20Z";
    assert!(got.raw_query().contains(stamp));
    for (to, want) in [
        ("2023-11-14T22%3A13%3A21Z", "SignatureDoesNotMatch"),
        ("2023-11-14T22%3a13%3a20Z", "ok"),
        ("2023-11-14T22%3A13%3A20Y", "InvalidTimeStamp.Format"),
        ("2023-11-14T22%3A13%3A20", "InvalidTimeStamp.Format"),
        ("2023-11-14T22%3A13%3A20.000Z", "InvalidTimeStamp.Format"),
        ("1700000000", "InvalidTimeStamp.Format"),
        ("2023-11-14T23%3A13%3A20Z", "InvalidTimeStamp.Expired"),
    ] {
        let mut p = Parts::of(&got);
        p.query = p.query.replace(stamp, to);
        let r = v.verify(&p.received(), at(T));
        assert_eq!(
            (code(&r), status(&r)),
            (want, if want == "ok" { 200 } else { 400 }),
            "{to}"
        );
    }
}

#[test]
fn rpc_mismatch_echoes_the_whole_string_to_sign() {
    let signer = rpc_signer(false);
    let req = &rpc_requests()[1];
    let out = signer
        .sign(req, &SigningContext::from_unix(T, "n").unwrap())
        .unwrap();
    let got = received(&signer, req, "n");
    let sig = out.query_param("Signature").unwrap();
    let flipped = format!(
        "{}{}",
        if sig.starts_with('A') { 'B' } else { 'A' },
        &sig[1..]
    );
    let mut p = Parts::of(&got);
    let encoded = |s: &str| {
        s.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    };
    p.query = p.query.replace(&encoded(sig), &encoded(&flipped));
    let err = rpc_verifier(false)
        .verify(&p.received(), at(T))
        .unwrap_err();
    let sts = out.string_to_sign().unwrap();
    assert_eq!(
        err,
        VerifyError::SignatureMismatch {
            scheme: Scheme::AlibabaRpc,
            string_to_sign: sts.to_owned()
        }
    );
    assert_eq!(
        err.cloud_message(),
        format!("Specified signature is not matched with our calculation. server string to sign is:{sts}")
    );
    assert!(!err.cloud_message().contains("verify-secret"));
}

#[test]
fn rpc_window_is_fifteen_minutes_either_way() {
    let got = received(&rpc_signer(false), &rpc_requests()[0], "n");
    let v = rpc_verifier(false);
    for (now, want) in [
        (T - 900, "ok"),
        (T - 901, "InvalidTimeStamp.Expired"),
        (T + 900, "ok"),
        (T + 901, "InvalidTimeStamp.Expired"),
    ] {
        assert_eq!(code(&v.verify(&got, at(now))), want, "now = T{:+}", now - T);
    }
    let narrow = rpc_verifier(false).window(time::Duration::minutes(1));
    assert_eq!(code(&narrow.verify(&got, at(T + 60))), "ok");
    assert_eq!(
        code(&narrow.verify(&got, at(T - 61))),
        "InvalidTimeStamp.Expired"
    );
}

#[test]
fn rpc_signature_parameter_missing_duplicated_or_not_canonical() {
    let got = received(&rpc_signer(false), &rpc_requests()[0], "n");
    let v = rpc_verifier(false);
    let query = got.raw_query().to_owned();
    let (rest, sig) = query.rsplit_once("&Signature=").unwrap();
    let sig = sig.to_owned();
    let with = |q: String| {
        let mut p = Parts::of(&got);
        p.query = q;
        v.verify(&p.received(), at(T))
    };
    let missing = with(rest.to_owned());
    assert_eq!(
        (code(&missing), status(&missing)),
        ("IncompleteSignature", 400)
    );
    assert!(matches!(
        missing,
        Err(VerifyError::Missing {
            what: "Signature",
            ..
        })
    ));
    assert_eq!(
        code(&with(format!("{query}&Signature={sig}"))),
        "IncompleteSignature"
    );
    assert_eq!(
        code(&with(format!("Signature={sig}&{query}"))),
        "IncompleteSignature"
    );
    // Without its padding, with a character more, as hex: not canonical Base64 of 20 bytes.
    for bad in [sig.replace("%3D", ""), format!("{sig}A"), "00".repeat(20)] {
        let r = with(format!("{rest}&Signature={bad}"));
        assert!(
            matches!(
                r,
                Err(VerifyError::Malformed {
                    what: "Signature",
                    ..
                })
            ),
            "{bad}: {r:?}"
        );
    }
    // A name twice, however encoded: refused, not one of them picked.
    for extra in ["RegionId=cn-beijing", "Region%49d=cn-beijing"] {
        let r = with(format!("{query}&{extra}"));
        assert_eq!(code(&r), "IncompleteSignature", "{extra}");
    }
    // Bad encodings of the query.
    for bad in ["Name=%zz", "Name=%E4", "Name=a b", "Name"] {
        let r = with(format!("{query}&{bad}"));
        assert!(
            matches!(r, Err(VerifyError::Malformed { .. })),
            "{bad}: {r:?}"
        );
    }
}

#[test]
fn rpc_bodies_and_keys() {
    let signer = rpc_signer(false);
    let post = received(&signer, &rpc_requests()[1], "n");
    let v = rpc_verifier(false);
    // The form parameters are signed: without the body, or with another type, refused.
    let mut p = Parts::of(&post);
    p.body.clear();
    assert_eq!(
        code(&v.verify(&p.received(), at(T))),
        "SignatureDoesNotMatch"
    );
    let mut p = Parts::of(&post);
    p.headers = vec![("Content-Type".into(), "application/json".into())];
    assert_eq!(code(&v.verify(&p.received(), at(T))), "IncompleteSignature");
    // A name in both the query and the body.
    let mut p = Parts::of(&post);
    p.body.push_str("&RegionId=cn-hangzhou");
    assert_eq!(code(&v.verify(&p.received(), at(T))), "IncompleteSignature");
    // The charset parameter of the form type is fine.
    let mut p = Parts::of(&post);
    p.headers = vec![("content-type".into(), format!("{FORM}; charset=UTF-8"))];
    assert_eq!(code(&v.verify(&p.received(), at(T))), "ok");
    // Unknown key; token expected but absent, or present but not expected.
    let r = RpcVerifier::new(MemoryKeyStore::new()).verify(&post, at(T));
    assert_eq!((code(&r), status(&r)), ("InvalidAccessKeyId.NotFound", 404));
    let r = rpc_verifier(true).verify(&post, at(T));
    assert_eq!(code(&r), "InvalidSecurityToken.MismatchWithAccessKey");
    let with_token = received(&rpc_signer(true), &rpc_requests()[1], "n");
    let r = rpc_verifier(false).verify(&with_token, at(T));
    assert_eq!(code(&r), "InvalidSecurityToken.MismatchWithAccessKey");
    // The verifier's Debug shows no key.
    assert!(!format!("{v:?}").contains("verify-secret"));
}

// ---------------------------------------------------------------------------------------
// Tencent V1
// ---------------------------------------------------------------------------------------

const METHODS: [v1::SignatureMethod; 3] = [
    v1::SignatureMethod::HmacSha256,
    v1::SignatureMethod::HmacSha1,
    v1::SignatureMethod::HmacSha1Implicit,
];

fn v1_signer(token: bool, method: v1::SignatureMethod) -> V1Signer {
    V1Signer::builder(creds("AKIDverify", token))
        .action("DescribeInstances")
        .version("2017-03-12")
        .region("ap-guangzhou")
        .signature_method(method)
        .build()
        .unwrap()
}

fn v1_verifier(token: bool) -> V1Verifier {
    V1Verifier::new(MemoryKeyStore::new().with(creds("AKIDverify", token)))
}

fn v1_requests() -> [CanonicalRequest; 3] {
    let get = CanonicalRequest::builder()
        .host("cvm.tencentcloudapi.com")
        .query("Limit", "20")
        .query("Instance_Ids.0", "ins-09dx96dg")
        .query("Filters.0.Name", "zone a/b 中");
    let legacy = CanonicalRequest::builder()
        .host("cvm.api.qcloud.com")
        .path("/v2/index.php")
        .query("offset", "0");
    let post = CanonicalRequest::builder()
        .method("POST")
        .host("cvm.tencentcloudapi.com")
        .header("Content-Type", FORM)
        .body("Limit=20&Name=a+b%2A&Empty=");
    [
        get.build().unwrap(),
        legacy.build().unwrap(),
        post.build().unwrap(),
    ]
}

/// `req` signed at `t`, received as sent: a `GET`'s query, a `POST`'s form body and its
/// Content-Type.
fn v1_sent(signer: &V1Signer, req: &CanonicalRequest, t: i64, nonce: &str) -> Received {
    let out = signer
        .sign(req, &SigningContext::from_unix(t, nonce).unwrap())
        .unwrap();
    match out.body() {
        Some(body) => {
            let mut got = Received::new("POST", req.host(), req.path()).body(body);
            for (name, value) in out.headers() {
                got = got.header(name, value);
            }
            got
        }
        None => Received::new(
            req.method(),
            req.host(),
            &format!("{}?{}", req.path(), out.query_string()),
        ),
    }
}

#[test]
fn v1_what_the_signer_sends_verifies() {
    let mut n = 0;
    for token in [false, true] {
        for method in METHODS {
            for req in v1_requests() {
                let got = v1_sent(&v1_signer(token, method), &req, T, "4242");
                let ok = v1_verifier(token).verify(&got, at(T - 10)).unwrap();
                assert_eq!(ok.scheme, Scheme::TencentV1);
                assert_eq!(ok.access_key_id, "AKIDverify");
                assert_eq!(ok.signed_at, at(T));
                assert_eq!(ok.expires_at, at(T + 300));
                assert_eq!(ok.nonce.as_deref(), Some("4242"));
                assert_eq!(ok.replay_key(), "4242");
                assert_eq!(ok.security_token.is_some(), token);
                n += 1;
            }
        }
    }
    assert_eq!(n, 18);
    // A nonce that is not digits is sent as the signer's derived integer.
    let signer = v1_signer(false, METHODS[0]);
    let out = signer
        .sign(
            &v1_requests()[0],
            &SigningContext::from_unix(T, "not-digits").unwrap(),
        )
        .unwrap();
    let got = v1_sent(&signer, &v1_requests()[0], T, "not-digits");
    let ok = v1_verifier(false).verify(&got, at(T)).unwrap();
    assert_eq!(ok.nonce.as_deref(), out.query_param("Nonce"));
}

/// Tencent's answer to one changed byte of parameter `name` (or of its value), signed
/// with `method`.
fn v1_expected(name: &str, in_value: bool, method: v1::SignatureMethod) -> &'static str {
    match (name, in_value) {
        ("Signature" | "SecretId" | "Nonce" | "Timestamp", false) => {
            "AuthFailure.InvalidAuthorization"
        }
        // Without SignatureMethod the MAC is HMAC-SHA1: a 32-byte signature is malformed.
        ("SignatureMethod", false) if method == v1::SignatureMethod::HmacSha256 => {
            "AuthFailure.InvalidAuthorization"
        }
        ("SignatureMethod", true) => "AuthFailure.InvalidAuthorization",
        ("SecretId", true) => "AuthFailure.SecretIdNotFound",
        ("Token", _) => "AuthFailure.TokenFailure",
        ("Timestamp", true) => "AuthFailure.SignatureExpire",
        _ => "AuthFailure.SignatureFailure",
    }
}

#[test]
fn v1_one_changed_byte_is_refused_with_tencents_code() {
    let v = v1_verifier(true);
    let mut seen = std::collections::BTreeSet::new();
    for method in METHODS {
        for req in v1_requests() {
            let got = v1_sent(&v1_signer(true, method), &req, T, "4242");
            assert_eq!(code(&v.verify(&got, at(T))), "ok");
            let cases = tampers(&got);
            assert!(cases.len() >= 16, "{}", cases.len());
            for (name, in_value, bad) in cases {
                let r = v.verify(&bad, at(T));
                let want = v1_expected(&name, in_value, method);
                assert_eq!(
                    code(&r),
                    want,
                    "{method:?} {} {name} value={in_value}",
                    req.method()
                );
                assert_eq!(status(&r), 200, "Tencent answers errors with 200");
                seen.insert(name);
            }
            // The method, host and path are signed.
            let mut p = Parts::of(&got);
            p.host = p.host.replacen("cvm", "cvn", 1);
            assert_eq!(
                code(&v.verify(&p.received(), at(T))),
                "AuthFailure.SignatureFailure"
            );
            let mut p = Parts::of(&got);
            p.path = format!("{}x", p.path);
            assert_eq!(
                code(&v.verify(&p.received(), at(T))),
                "AuthFailure.SignatureFailure"
            );
            if req.method() == "GET" {
                let mut p = Parts::of(&got);
                p.method = "HEAD".into();
                let r = v.verify(&p.received(), at(T));
                assert_eq!(code(&r), "AuthFailure.SignatureFailure");
            }
        }
    }
    for name in [
        "Action",
        "Empty",
        "Filters.0.Name",
        "Instance_Ids.0",
        "Limit",
        "Name",
        "Nonce",
        "Region",
        "SecretId",
        "Signature",
        "SignatureMethod",
        "Timestamp",
        "Token",
        "Version",
        "offset",
    ] {
        assert!(seen.contains(name), "{name} was not tampered with");
    }
}

#[test]
fn v1_window_is_five_minutes_either_way() {
    let got = v1_sent(&v1_signer(false, METHODS[0]), &v1_requests()[0], T, "1");
    let v = v1_verifier(false);
    for (now, want) in [
        (T - 300, "ok"),
        (T - 301, "AuthFailure.SignatureExpire"),
        (T + 300, "ok"),
        (T + 301, "AuthFailure.SignatureExpire"),
    ] {
        assert_eq!(code(&v.verify(&got, at(now))), want, "now = T{:+}", now - T);
    }
    let wide = v1_verifier(false).window(time::Duration::minutes(10));
    assert_eq!(code(&wide.verify(&got, at(T + 301))), "ok");
    assert_eq!(
        code(&wide.verify(&got, at(T - 601))),
        "AuthFailure.SignatureExpire"
    );
}

#[test]
fn v1_malformed_parameters_are_refused() {
    let get = v1_sent(&v1_signer(false, METHODS[0]), &v1_requests()[0], T, "1");
    let post = v1_sent(&v1_signer(false, METHODS[1]), &v1_requests()[2], T, "1");
    let v = v1_verifier(false);
    let query = get.raw_query().to_owned();
    let (rest, sig) = query.rsplit_once("&Signature=").unwrap();
    let with = |q: String| {
        let mut p = Parts::of(&get);
        p.query = q;
        v.verify(&p.received(), at(T))
    };
    assert!(matches!(
        with(rest.to_owned()),
        Err(VerifyError::Missing {
            what: "Signature",
            ..
        })
    ));
    for bad in [
        format!("{query}&Signature={sig}"),
        format!("{rest}&Signature={}", sig.replace("%3D", "")),
        format!("{rest}&Signature={}", "00".repeat(32)),
        format!("{query}&Limit=20"),
        // `_` is signed `.`: these two would sign alike.
        format!("{query}&Instance.Ids.0=ins-09dx96dg"),
        query.replace("SignatureMethod=HmacSHA256", "SignatureMethod=HmacSHA512"),
        query.replace("Nonce=1", "Nonce=x1"),
        query.replace("Timestamp=1700000000", "Timestamp=1700000000.0"),
        format!("{query}&Name=%zz"),
    ] {
        let r = with(bad.clone());
        assert_eq!(code(&r), "AuthFailure.InvalidAuthorization", "{bad}");
        assert!(
            matches!(
                r,
                Err(VerifyError::Malformed { .. } | VerifyError::BadTime { .. })
            ),
            "{bad}: {r:?}"
        );
    }
    // A POST's parameters are its form body's: a query beside it is refused.
    let mut p = Parts::of(&post);
    p.query = "Limit=30".into();
    assert_eq!(
        code(&v.verify(&p.received(), at(T))),
        "AuthFailure.InvalidAuthorization"
    );
    // The form body must say so.
    let mut p = Parts::of(&post);
    p.headers.clear();
    assert_eq!(
        code(&v.verify(&p.received(), at(T))),
        "AuthFailure.InvalidAuthorization"
    );
    // Unknown key.
    let r = V1Verifier::new(MemoryKeyStore::new()).verify(&post, at(T));
    assert_eq!(
        (code(&r), status(&r)),
        ("AuthFailure.SecretIdNotFound", 200)
    );
    assert!(!format!("{v:?}").contains("verify-secret"));
}

// ---------------------------------------------------------------------------------------
// Both
// ---------------------------------------------------------------------------------------

#[test]
fn any_verifier_recognizes_both() {
    let any = AnyVerifier::new()
        .with(Tc3Verifier::new(MemoryKeyStore::new()))
        .with(rpc_verifier(false))
        .with(v1_verifier(false));
    for req in rpc_requests() {
        let got = received(&rpc_signer(false), &req, "n");
        assert_eq!(any.verify(&got, at(T)).unwrap().scheme, Scheme::AlibabaRpc);
    }
    for req in v1_requests() {
        let got = v1_sent(&v1_signer(false, METHODS[1]), &req, T, "7");
        assert_eq!(any.verify(&got, at(T)).unwrap().scheme, Scheme::TencentV1);
    }
}

// ---------------------------------------------------------------------------------------
// The official SDKs' requests (tests/conformance)
// ---------------------------------------------------------------------------------------

fn pairs(v: &Value) -> Vec<(String, String)> {
    let list = v.as_array().unwrap();
    list.iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Python's `urlencode` (`quote_plus`): `A-Z a-z 0-9 _ . - ~` kept, a space `+`.
fn py_urlencode(params: &[(String, String)]) -> String {
    let enc = |s: &str| {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    };
    let pieces: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    pieces.join("&")
}

/// `text` (a query or form body) with one byte of its signature changed (a letter or
/// digit outside the escapes, to its neighbour: still Base64, of the same length).
fn flipped(text: &str) -> String {
    let at = text.find("Signature=").unwrap() + "Signature=".len();
    let end = text[at..].find('&').map_or(text.len(), |n| at + n);
    let sig = one_byte_changed(&text[at..end]).unwrap();
    format!("{}{sig}{}", &text[..at], &text[end..])
}

fn rpc_case_received(case: &Value, target: &str) -> Received {
    let got = Received::new(s(case, "method"), s(case, "host"), target);
    match s(case, "body") {
        "" => got,
        body => got.header("Content-Type", FORM).body(body),
    }
}

/// Every RPC case verifies as tea-openapi sends it (the query `urlencode`d, the form
/// parameters in the body) and as aliyunsdkcore's `get_signed_url` sends it (its URL, with
/// its extra `SignatureType=`); a changed signature byte is refused.
#[test]
fn rpc_every_sdk_case_verifies() {
    let (mut ok, mut refused) = (0, 0);
    for (case, expected) in corpus("alibaba_rpc") {
        let id = s(&case, "id");
        let v = RpcVerifier::new(case_keys(&case));
        let now = OffsetDateTime::parse(
            s(&case, "timestamp"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let mut query = pairs(&expected["query_params"]);
        query.push(("Signature".into(), s(&expected, "signature").into()));
        let query = py_urlencode(&query);
        let sdkcore = s(&expected["impls"]["aliyunsdkcore_get_signed_url"], "url");
        for target in [format!("/?{query}"), sdkcore.to_owned()] {
            let got = rpc_case_received(&case, &target);
            let r = v.verify(&got, now);
            let verified = r.unwrap_or_else(|e| panic!("{id} {target}: {e:?}"));
            assert_eq!(verified.nonce.as_deref(), Some(s(&case, "nonce")), "{id}");
            ok += 1;
            let bad = rpc_case_received(&case, &flipped(&target));
            assert_eq!(code(&v.verify(&bad, now)), "SignatureDoesNotMatch", "{id}");
            refused += 1;
        }
    }
    assert_eq!((ok, refused), (400, 400));
}

/// Every V1 case verifies as tencentcloud-sdk-python sends it (`request_data`: the query
/// of a `GET`, the form body of a `POST`); a changed signature byte is refused.
#[test]
fn v1_every_sdk_case_verifies() {
    let (mut ok, mut refused) = (0, 0);
    for (case, expected) in corpus("tencent_v1") {
        let id = s(&case, "id");
        let v = V1Verifier::new(case_keys(&case));
        let now = at(s(&case, "timestamp").parse().unwrap());
        let data = s(&expected, "request_data");
        let sent = pairs(&expected["sent_params"]);
        assert_eq!(sent.last().unwrap().0, "Signature", "{id}");
        let received = |data: &str| {
            let (method, host, path) = (s(&case, "method"), s(&case, "host"), s(&case, "path"));
            match method {
                "POST" => Received::new(method, host, path)
                    .header("Content-Type", FORM)
                    .body(data),
                _ => Received::new(method, host, &format!("{path}?{data}")),
            }
        };
        let r = v.verify(&received(data), now);
        let verified = r.unwrap_or_else(|e| panic!("{id}: {e:?}"));
        assert_eq!(verified.nonce.as_deref(), Some(s(&case, "nonce")), "{id}");
        assert_eq!(
            verified.security_token.is_some(),
            case["security_token"].is_string(),
            "{id}"
        );
        ok += 1;
        let bad = v.verify(&received(&flipped(data)), now);
        assert_eq!(code(&bad), "AuthFailure.SignatureFailure", "{id}");
        refused += 1;
    }
    assert_eq!((ok, refused), (200, 200));
}
