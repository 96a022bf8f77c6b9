//! Server-side verification of Alibaba's header schemes, ACS3-HMAC-SHA256 and ROA: what the
//! signers and the official SDKs send verifies, and one changed byte in any signed element
//! is refused with Alibaba's code, HTTP status and message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use cloudsign::alibaba::{acs3, roa, Acs3Signer, RoaSigner};
use cloudsign::encoding::form_encode_into;
use cloudsign::verify::{
    Acs3Verifier, AnyVerifier, MemoryKeyStore, Received, RoaVerifier, Scheme, Verifier, VerifyError,
};
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
use serde_json::Value;
use time::OffsetDateTime;

#[path = "support/verify.rs"]
mod verify;
use verify::{at, case_keys, code, corpus, received, tampered, without, ReceivedExt as _, T};

const NONCE: &str = "3156853299f313e23d1673dc12e1703d";

fn creds(token: bool) -> Credentials {
    let c = Credentials::new("LTAI5tVerify", "verify-secret").unwrap();
    match token {
        true => c.with_security_token("CAIS.session/token+=").unwrap(),
        false => c,
    }
}

fn keys(token: bool) -> MemoryKeyStore {
    MemoryKeyStore::new().with(creds(token))
}

/// The signature with its first character changed (hex or Base64 alike).
fn flipped(sig: &str) -> String {
    let first = if sig.starts_with('0') { '1' } else { '0' };
    format!("{first}{}", &sig[1..])
}

// ---------------------------------------------------------------------------------------
// ACS3-HMAC-SHA256
// ---------------------------------------------------------------------------------------

fn acs3_signer(token: bool, style: acs3::SignedHeaders) -> Acs3Signer {
    Acs3Signer::builder(creds(token))
        .action("RunInstances")
        .version("2014-05-26")
        .signed_headers(style)
        .build()
        .unwrap()
}

fn acs3_requests() -> [CanonicalRequest; 2] {
    let post = CanonicalRequest::builder()
        .method("POST")
        .host("ecs.cn-shanghai.aliyuncs.com")
        .query("RegionId", "cn-shanghai")
        .query("ImageId", "win2019 x64/中文*~")
        .header("Content-Type", "application/json")
        .header("User-Agent", "demo/1.0")
        .header("X-Acs-Trace-Id", "  trace-1 ")
        .body(r#"{"Amount":2}"#);
    let get = CanonicalRequest::builder()
        .method("GET")
        .host("ecs.aliyuncs.com")
        .path("/clusters/c-1")
        .query("PageSize", "10")
        .query("Tag.1.Key", "")
        .header("Accept", "application/json");
    [post.build().unwrap(), get.build().unwrap()]
}

fn acs3_verifier(token: bool) -> Acs3Verifier {
    Acs3Verifier::new(keys(token))
}

#[test]
fn what_the_acs3_signer_sends_verifies() {
    let styles = [acs3::SignedHeaders::Required, acs3::SignedHeaders::All];
    for token in [false, true] {
        for style in styles {
            for req in acs3_requests() {
                let got = received(&acs3_signer(token, style), &req, NONCE);
                let case = format!("{token} {style:?} {}", req.method());
                let ok = acs3_verifier(token).verify(&got, at(T + 10)).expect(&case);
                assert_eq!(ok.scheme, Scheme::Acs3);
                assert_eq!(ok.access_key_id, "LTAI5tVerify");
                assert_eq!(ok.signed_at, at(T));
                assert_eq!(ok.expires_at, at(T + 900));
                assert_eq!(ok.nonce.as_deref(), Some(NONCE));
                assert_eq!(ok.replay_key(), NONCE);
                assert_eq!(
                    ok.security_token.map(|t| t.expose_secret().to_owned()),
                    token.then(|| "CAIS.session/token+=".to_owned()),
                    "{case}"
                );
            }
        }
    }
}

/// Every signed element, one byte changed, refused with Alibaba's code.
#[test]
fn one_changed_acs3_byte_is_refused_with_alibabas_code() {
    let s = acs3_signer(true, acs3::SignedHeaders::All);
    let [post, get] = acs3_requests();
    let (post, get) = (received(&s, &post, NONCE), received(&s, &get, NONCE));
    let v = acs3_verifier(true);
    let now = at(T);
    assert_eq!(code(&v.verify(&post, now)), "ok");
    assert_eq!(code(&v.verify(&get, now)), "ok");
    let auth = post.value("Authorization");
    let sig = auth.rsplit("Signature=").next().unwrap().to_owned();
    let bad_sig = flipped(&sig);
    let mismatch = "SignatureDoesNotMatch";
    let cases: Vec<(&Received, &str, &str, &str, &str)> = vec![
        (&post, "Authorization", &sig, &bad_sig, mismatch),
        (&post, ":host", "ecs.", "ecz.", mismatch),
        (&post, ":target", "/?", "/x?", mismatch),
        (&get, ":target", "/c-1", "/c-2", mismatch),
        // Each query name and value.
        (&post, ":target", "RegionId=", "RegionIe=", mismatch),
        (&post, ":target", "cn-shanghai", "cn-shanghaj", mismatch),
        (&post, ":target", "ImageId=", "ImageIe=", mismatch),
        (&post, ":target", "x64", "x65", mismatch),
        (&post, ":target", "%E4%B8%AD", "%E4%B8%AE", mismatch),
        (&get, ":target", "PageSize=10", "PageSize=11", mismatch),
        (&get, ":target", "Tag.1.Key", "Tag.1.Kez", mismatch),
        (&post, ":body", "2", "3", mismatch),
        // Each signed header value.
        (&post, "Content-Type", "json", "jsoo", mismatch),
        (&post, "User-Agent", "1.0", "1.1", mismatch),
        (&post, "X-Acs-Trace-Id", "trace-1", "trace-2", mismatch),
        (&get, "Accept", "json", "jsoo", mismatch),
        (&post, "x-acs-action", "Run", "Rum", mismatch),
        (&post, "x-acs-version", "2014", "2015", mismatch),
        (&post, "x-acs-date", ":20Z", ":21Z", mismatch),
        (
            &post,
            "x-acs-date",
            "2023",
            "2022",
            "InvalidTimeStamp.Expired",
        ),
        (&post, "x-acs-date", "Z", "", "InvalidTimeStamp.Format"),
        (&post, "x-acs-signature-nonce", "315", "316", mismatch),
        (&post, "x-acs-content-sha256", "a", "b", mismatch),
        (
            &post,
            "x-acs-security-token",
            "session",
            "sessioN",
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
        (
            &post,
            "x-acs-accesskey-id",
            "Verify",
            "Verifz",
            "IncompleteSignature",
        ),
        // The access key id.
        (
            &post,
            "Authorization",
            "LTAI5tVerify",
            "LTAI5tVerifz",
            "InvalidAccessKeyId.NotFound",
        ),
    ];
    for (got, name, from, to, want) in &cases {
        let bad = tampered(got, name, from, to);
        let r = v.verify(&bad, now);
        assert_eq!(code(&r), *want, "{name}: {from:?} -> {to:?}");
        let err = r.unwrap_err();
        let status = if *want == "InvalidAccessKeyId.NotFound" {
            404
        } else {
            400
        };
        assert_eq!(err.http_status(), status, "{name}: {from:?} -> {to:?}");
        assert!(!err.cloud_message().contains("verify-secret"));
    }
    // The server's string to sign, echoed as Alibaba does: the algorithm and a hash.
    let err = v
        .verify(&tampered(&post, ":body", "2", "3"), now)
        .unwrap_err();
    let VerifyError::SignatureMismatch { string_to_sign, .. } = &err else {
        panic!("{err:?}");
    };
    let (name, hash) = string_to_sign.split_once('\n').unwrap();
    assert_eq!(name, "ACS3-HMAC-SHA256");
    assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        err.cloud_message(),
        format!("Specified signature does not match our calculation. server StringToSign is [{string_to_sign}]")
    );
}

/// The hash echoed is the one of the canonical request the signer wrote, when the request
/// arrived as sent but for the signature.
#[test]
fn the_acs3_string_to_sign_echoed_is_the_signers() {
    let s = acs3_signer(false, acs3::SignedHeaders::Required);
    for req in acs3_requests() {
        let out = s
            .sign(&req, &SigningContext::from_unix(T, NONCE).unwrap())
            .unwrap();
        let got = received(&s, &req, NONCE);
        let sig = out.signature();
        let bad = tampered(&got, "Authorization", sig, &flipped(sig));
        match acs3_verifier(false).verify(&bad, at(T)) {
            Err(VerifyError::SignatureMismatch { string_to_sign, .. }) => {
                assert_eq!(Some(string_to_sign.as_str()), out.string_to_sign());
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn the_acs3_window_is_fifteen_minutes_either_way() {
    let got = received(
        &acs3_signer(false, acs3::SignedHeaders::Required),
        &acs3_requests()[0],
        NONCE,
    );
    let v = acs3_verifier(false);
    for (now, want) in [
        (T - 900, "ok"),
        (T - 901, "InvalidTimeStamp.Expired"),
        (T + 900, "ok"),
        (T + 901, "InvalidTimeStamp.Expired"),
    ] {
        assert_eq!(code(&v.verify(&got, at(now))), want, "now = T{:+}", now - T);
    }
    let wide = acs3_verifier(false).window(time::Duration::minutes(20));
    assert_eq!(code(&wide.verify(&got, at(T + 901))), "ok");
    assert_eq!(wide.verify(&got, at(T)).unwrap().expires_at, at(T + 1200));
    let narrow = acs3_verifier(false).window(time::Duration::seconds(10));
    assert_eq!(
        code(&narrow.verify(&got, at(T - 11))),
        "InvalidTimeStamp.Expired"
    );
}

#[test]
fn malformed_acs3_authorization_parts_are_refused() {
    let got = received(
        &acs3_signer(false, acs3::SignedHeaders::Required),
        &acs3_requests()[0],
        NONCE,
    );
    let v = acs3_verifier(false);
    let auth = got.value("Authorization");
    let sig = auth.rsplit("Signature=").next().unwrap().to_owned();
    let signed = "content-type;host;x-acs-action";
    assert!(auth.contains(signed), "{auth}");
    for bad in [
        auth.replace(",Signature=", ",Sig="),
        auth.replace("Credential=", "Cred="),
        auth.replace("Credential=LTAI5tVerify", "Credential="),
        auth.replace(",SignedHeaders=", ",Signed="),
        auth.replace("ACS3-HMAC-SHA256 ", "ACS3-HMAC-SHA1 "),
        auth.replace("ACS3-HMAC-SHA256 ", "ACS3-HMAC-SHA256"),
        format!("{auth},Extra=1"),
        format!("{auth},Signature={sig}"),
        auth.replace(",SignedHeaders=", ",SignedHeaders=host,SignedHeaders="),
        auth.replace(&sig, &sig.to_uppercase()),
        auth.replace(&sig, &sig[2..]),
        auth.replace(&sig, &format!("{sig}00")),
        auth.replace(signed, "content-type;Host;x-acs-action"),
        auth.replace(signed, "content-type;host;host;x-acs-action"),
        auth.replace(signed, "content-type;;host;x-acs-action"),
        auth.replace(signed, "content-type;x-acs-action"),
        auth.replace(signed, "content-type;host;x-absent;x-acs-action"),
        auth.to_lowercase(),
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
        assert_eq!(err.http_status(), 400);
        assert!(
            ["IncompleteSignature", "MissingParameter"].contains(&err.cloud_code()),
            "{bad}: {}",
            err.cloud_code()
        );
    }
    // A duplicated Authorization header, or none.
    let twice = got.clone().header("authorization", &auth);
    assert_eq!(code(&v.verify(&twice, at(T))), "IncompleteSignature");
    assert_eq!(
        code(&v.verify(&without(&got, "Authorization"), at(T))),
        "IncompleteSignature"
    );
    // The headers the scheme needs.
    for (name, want) in [
        ("x-acs-date", "MissingParameter"),
        ("x-acs-signature-nonce", "MissingParameter"),
        ("x-acs-content-sha256", "MissingParameter"),
    ] {
        let err = v.verify(&without(&got, name), at(T)).unwrap_err();
        assert_eq!(err.cloud_code(), want, "{name}: {err:?}");
    }
    let twice = got.clone().header("X-Acs-Date", got.value("x-acs-date"));
    assert_eq!(code(&v.verify(&twice, at(T))), "IncompleteSignature");
}

/// A request signed over a header list of its own choice: `signed` (in this order, as the
/// `SignedHeaders` line), canonical lines sorted, as Alibaba's Java SDK writes them.
fn acs3_signed_over(got: &Received, signed: &[&str], secret: &str) -> Received {
    let mut names = signed.to_vec();
    names.sort_unstable();
    let mut lines = String::new();
    for name in &names {
        let value = match *name {
            "host" => got.host().to_owned(),
            "x-acs-absent" => "x".to_owned(),
            n => got.value(n).trim().to_owned(),
        };
        lines.push_str(&format!("{name}:{value}\n"));
    }
    let list = signed.join(";");
    let canonical = format!(
        "{}\n{}\n{}\n{lines}\n{list}\n{}",
        got.method(),
        got.path(),
        got.raw_query(),
        got.value("x-acs-content-sha256")
    );
    let sts = acs3::string_to_sign(&canonical);
    let sig = acs3::signature(&cloudsign::SecretKey::new(secret), &sts);
    let auth =
        format!("ACS3-HMAC-SHA256 Credential=LTAI5tVerify,SignedHeaders={list},Signature={sig}");
    without(got, "Authorization").header("Authorization", auth)
}

#[test]
fn acs3_verifies_the_clients_list_and_refuses_unsigned_common_headers() {
    // The signer's query is sorted and encoded already: it is its own canonical form.
    let got = received(
        &acs3_signer(true, acs3::SignedHeaders::Required),
        &acs3_requests()[0],
        NONCE,
    );
    let v = acs3_verifier(true);
    let every = [
        "x-acs-version",
        "host",
        "content-type",
        "x-acs-action",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
        "x-acs-accesskey-id",
        "x-acs-security-token",
        "x-acs-trace-id",
    ];
    // Java's order (unsorted), and a subset leaving out headers that are neither x-acs-*
    // ones nor content-type (user-agent).
    let java = acs3_signed_over(&got, &every, "verify-secret");
    assert_eq!(code(&v.verify(&java, at(T))), "ok");
    // Signed correctly, but an x-acs-* header the request carries (a common one, or not)
    // or its content-type is not in the list.
    for left_out in [
        "content-type",
        "x-acs-action",
        "x-acs-date",
        "x-acs-security-token",
        "x-acs-content-sha256",
        "x-acs-trace-id",
    ] {
        let fewer: Vec<&str> = every.iter().copied().filter(|n| *n != left_out).collect();
        let req = acs3_signed_over(&got, &fewer, "verify-secret");
        let err = v.verify(&req, at(T)).unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Malformed {
                    what: "SignedHeaders",
                    ..
                }
            ),
            "{left_out}: {err:?}"
        );
        assert_eq!(err.cloud_code(), "IncompleteSignature");
    }
    // A header listed but absent.
    let mut listed = every.to_vec();
    listed.push("x-acs-absent");
    let req = acs3_signed_over(&got, &listed, "verify-secret");
    let err = v.verify(&req, at(T)).unwrap_err();
    assert!(matches!(err, VerifyError::Missing { .. }), "{err:?}");
    assert_eq!(err.cloud_code(), "MissingParameter");
    // The wrong secret.
    let req = acs3_signed_over(&got, &every, "other-secret");
    assert_eq!(code(&v.verify(&req, at(T))), "SignatureDoesNotMatch");
}

/// The query is decoded and re-encoded: `+`, `%20`, lower-case hex and unencoded reserved
/// characters are the same parameter; its order does not matter.
#[test]
fn acs3_canonicalizes_the_query_received() {
    let req = CanonicalRequest::builder()
        .method("GET")
        .host("ecs.aliyuncs.com")
        .query("Name", "a b/c*")
        .query("Empty", "")
        .build()
        .unwrap();
    let s = acs3_signer(false, acs3::SignedHeaders::Required);
    let got = received(&s, &req, NONCE);
    assert_eq!(got.raw_query(), "Empty=&Name=a%20b%2Fc%2A");
    let v = acs3_verifier(false);
    for target in [
        "/?Empty=&Name=a%20b%2Fc%2A",
        "/?Name=a+b%2fc*&Empty",
        "/?Name=a%20b/c%2a&&Empty=",
    ] {
        let same = tampered(&got, ":target", "/?Empty=&Name=a%20b%2Fc%2A", target);
        assert_eq!(code(&v.verify(&same, at(T))), "ok", "{target}");
    }
    for target in [
        "/?Empty=&Name=a%2Bb%2Fc%2A",
        "/?Name=a%20b%2Fc%2A",
        "/?Empty=x&Name=a%20b%2Fc%2A",
    ] {
        let other = tampered(&got, ":target", "/?Empty=&Name=a%20b%2Fc%2A", target);
        assert_eq!(
            code(&v.verify(&other, at(T))),
            "SignatureDoesNotMatch",
            "{target}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// ROA
// ---------------------------------------------------------------------------------------

fn roa_signer(token: bool, md5: bool) -> RoaSigner {
    RoaSigner::builder(creds(token))
        .action("DescribeClusters")
        .version("2015-12-15")
        .content_md5(md5)
        .build()
        .unwrap()
}

fn roa_requests() -> [CanonicalRequest; 2] {
    let get = CanonicalRequest::builder()
        .host("cs.cn-hangzhou.aliyuncs.com")
        .path("/clusters/c%20d")
        .query("name", "my cluster/中")
        .query("state", "running")
        .query("empty", "");
    let post = CanonicalRequest::builder()
        .method("POST")
        .host("cs.cn-hangzhou.aliyuncs.com")
        .path("/clusters")
        .query("region", "cn-hangzhou")
        .header("Content-Type", "application/json")
        .header("X-Acs-Meta-Owner", " team a ")
        .body(r#"{"name":"k8s"}"#);
    [get.build().unwrap(), post.build().unwrap()]
}

fn roa_verifier(token: bool) -> RoaVerifier {
    RoaVerifier::new(keys(token))
}

#[test]
fn what_the_roa_signer_sends_verifies() {
    for token in [false, true] {
        for md5 in [false, true] {
            for req in roa_requests() {
                let got = received(&roa_signer(token, md5), &req, NONCE);
                let case = format!("{token} {md5} {}", req.method());
                let ok = roa_verifier(token).verify(&got, at(T - 10)).expect(&case);
                assert_eq!(ok.scheme, Scheme::AlibabaRoa);
                assert_eq!(ok.access_key_id, "LTAI5tVerify");
                assert_eq!(ok.signed_at, at(T));
                assert_eq!(ok.expires_at, at(T + 900));
                assert_eq!(ok.nonce.as_deref(), Some(NONCE));
                assert_eq!(ok.replay_key(), NONCE);
                assert_eq!(ok.security_token.is_some(), token, "{case}");
            }
        }
    }
}

#[test]
fn one_changed_roa_byte_is_refused_with_alibabas_code() {
    let s = roa_signer(true, true);
    let [get, post] = roa_requests();
    let (get, post) = (received(&s, &get, NONCE), received(&s, &post, NONCE));
    let v = roa_verifier(true);
    let now = at(T);
    assert_eq!(code(&v.verify(&get, now)), "ok");
    assert_eq!(code(&v.verify(&post, now)), "ok");
    let sig = post
        .value("Authorization")
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    let bad_sig = flipped(&sig);
    let md5 = post.value("Content-MD5");
    let mismatch = "SignatureDoesNotMatch";
    let incomplete = "IncompleteSignature";
    let cases: Vec<(&Received, &str, &str, &str, &str)> = vec![
        (&post, "Authorization", &sig, &bad_sig, mismatch),
        (&post, ":target", "/clusters", "/clustert", mismatch),
        (&get, ":target", "c%20d", "c%20e", mismatch),
        // Each query name and value.
        (&get, ":target", "name=", "namf=", mismatch),
        (&get, ":target", "my%20", "my%21", mismatch),
        (&get, ":target", "%E4%B8%AD", "%E4%B8%AE", mismatch),
        (&get, ":target", "state=", "statf=", mismatch),
        (&get, ":target", "running", "runninh", mismatch),
        (&get, ":target", "empty=", "emptz=", mismatch),
        (&get, ":target", "empty=", "empty=x", mismatch),
        (&post, ":target", "region=", "regioo=", mismatch),
        (&post, ":target", "hangzhou", "hangzhov", mismatch),
        // The body (covered by Content-MD5), and each line and x-acs-* header.
        (&post, ":body", "k8s", "k9s", mismatch),
        (&post, "Content-MD5", &md5[..4], "AAAA", mismatch),
        (&post, "Content-Type", "json", "jsoo", mismatch),
        (&post, "Accept", "json", "jsoo", mismatch),
        (&post, "Date", ":20 ", ":21 ", mismatch),
        (&post, "Date", " 22:", " 21:", "InvalidTimeStamp.Expired"),
        (&post, "Date", " 14 ", " 07 ", "InvalidTimeStamp.Expired"),
        (&post, "Date", "Tue", "Wed", "InvalidTimeStamp.Format"),
        (&post, "Date", " GMT", " UTC", "InvalidTimeStamp.Format"),
        (&post, "X-Acs-Meta-Owner", "team a", "team b", mismatch),
        (&post, "x-acs-signature-nonce", "315", "316", mismatch),
        (&post, "x-acs-version", "2015", "2016", mismatch),
        (&post, "x-acs-action", "Describe", "Describf", mismatch),
        (&post, "x-acs-signature-method", "SHA1", "SHA2", incomplete),
        (&post, "x-acs-signature-version", "1.0", "1.1", incomplete),
        (&post, "x-acs-accesskey-id", "Verify", "Verifz", incomplete),
        (
            &post,
            "x-acs-security-token",
            "session",
            "sessioN",
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
        (
            &post,
            "Authorization",
            "LTAI5tVerify",
            "LTAI5tVerifz",
            "InvalidAccessKeyId.NotFound",
        ),
    ];
    for (got, name, from, to, want) in &cases {
        let r = v.verify(&tampered(got, name, from, to), now);
        assert_eq!(code(&r), *want, "{name}: {from:?} -> {to:?}");
        let status = if *want == "InvalidAccessKeyId.NotFound" {
            404
        } else {
            400
        };
        assert_eq!(r.unwrap_err().http_status(), status, "{name}");
    }
    // An x-acs-* header added on the way, in any letter case.
    for name in ["x-acs-extra", "X-Acs-Extra"] {
        let added = post.clone().header(name, "1");
        assert_eq!(code(&v.verify(&added, now)), mismatch, "{name}");
    }
}

/// Alibaba echoes the full string to sign; it is the signer's when only the signature
/// changed, and shows the body's MD5 when the body did.
#[test]
fn the_roa_string_to_sign_echoed_is_the_servers() {
    let s = roa_signer(false, true);
    for req in roa_requests() {
        let out = s
            .sign(&req, &SigningContext::from_unix(T, NONCE).unwrap())
            .unwrap();
        let got = received(&s, &req, NONCE);
        let sig = out.signature();
        let err = roa_verifier(false)
            .verify(&tampered(&got, "Authorization", sig, &flipped(sig)), at(T))
            .unwrap_err();
        let VerifyError::SignatureMismatch { string_to_sign, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(Some(string_to_sign.as_str()), out.string_to_sign());
        assert_eq!(
            err.cloud_message(),
            format!("Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}")
        );
    }
    let got = received(&s, &roa_requests()[1], NONCE);
    let md5 = got.value("Content-MD5");
    let err = roa_verifier(false)
        .verify(&tampered(&got, ":body", "k8s", "k9s"), at(T))
        .unwrap_err();
    let VerifyError::SignatureMismatch { string_to_sign, .. } = err else {
        panic!("{err:?}");
    };
    let line = string_to_sign.lines().nth(2).unwrap();
    assert!(line.len() == 24 && line != md5, "{line} {md5}");
}

/// Without `Content-MD5`, ROA does not sign the body: a changed body still verifies.
#[test]
fn roa_without_content_md5_does_not_cover_the_body() {
    let got = received(&roa_signer(false, false), &roa_requests()[1], NONCE);
    assert!(got
        .headers()
        .iter()
        .all(|(n, _)| !n.eq_ignore_ascii_case("content-md5")));
    let v = roa_verifier(false);
    assert_eq!(
        code(&v.verify(&tampered(&got, ":body", "k8s", "k9s"), at(T))),
        "ok"
    );
    // Adding a Content-MD5 that does not match the body is refused.
    let added = got
        .clone()
        .header("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==");
    assert_eq!(code(&v.verify(&added, at(T))), "SignatureDoesNotMatch");
}

#[test]
fn the_roa_window_is_fifteen_minutes_either_way() {
    let got = received(&roa_signer(false, false), &roa_requests()[0], NONCE);
    let v = roa_verifier(false);
    for (now, want) in [
        (T - 900, "ok"),
        (T - 901, "InvalidTimeStamp.Expired"),
        (T + 900, "ok"),
        (T + 901, "InvalidTimeStamp.Expired"),
    ] {
        assert_eq!(code(&v.verify(&got, at(now))), want, "now = T{:+}", now - T);
    }
    let wide = roa_verifier(false).window(time::Duration::hours(1));
    assert_eq!(code(&wide.verify(&got, at(T - 3600))), "ok");
    assert_eq!(wide.verify(&got, at(T)).unwrap().expires_at, at(T + 3600));
}

#[test]
fn malformed_roa_authorization_parts_are_refused() {
    let got = received(&roa_signer(false, false), &roa_requests()[0], NONCE);
    let v = roa_verifier(false);
    let auth = got.value("Authorization");
    let sig = auth.rsplit(':').next().unwrap().to_owned();
    assert!(
        sig.len() == 28 && sig.ends_with('=') && !sig.ends_with("=="),
        "{sig}"
    );
    // The last character before `=` carries two bits that canonical Base64 leaves at zero.
    let last = sig.as_bytes()[26];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let pos = alphabet.iter().position(|b| *b == last).unwrap();
    let noncanonical = format!("{}{}=", &sig[..26], alphabet[pos | 1] as char);
    for bad in [
        auth.replace("acs ", "ACS "),
        auth.replace("acs ", "acs"),
        auth.replace("acs ", "acs  "),
        auth.replace(':', ";"),
        auth.replace("acs LTAI5tVerify:", "acs :"),
        auth.replace(&sig, &sig[..27]),
        auth.replace(&sig, &sig.replace('=', "")),
        auth.replace(&sig, &format!("{sig}=")),
        auth.replace(&sig, &format!("AAAA{sig}")),
        auth.replace(&sig, &noncanonical),
        auth.replace(&sig, "not base64 at all, 28 chars="),
        format!("{auth} "),
    ] {
        let req = tampered(&got, "Authorization", &auth, &bad);
        let err = v.verify(&req, at(T)).unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Malformed { .. } | VerifyError::UnknownKey { .. }
            ),
            "{bad}: {err:?}"
        );
        if let VerifyError::Malformed { .. } = err {
            assert_eq!(err.cloud_code(), "IncompleteSignature", "{bad}");
        }
    }
    let twice = got.clone().header("authorization", &auth);
    assert_eq!(code(&v.verify(&twice, at(T))), "IncompleteSignature");
    assert_eq!(
        code(&v.verify(&without(&got, "Authorization"), at(T))),
        "IncompleteSignature"
    );
    for name in ["Date", "x-acs-signature-nonce"] {
        let err = v.verify(&without(&got, name), at(T)).unwrap_err();
        assert_eq!(err.cloud_code(), "MissingParameter", "{name}: {err:?}");
    }
    for name in ["Date", "Accept", "x-acs-version", "X-ACS-SIGNATURE-NONCE"] {
        let twice = got.clone().header(name, got.value(name));
        assert_eq!(
            code(&v.verify(&twice, at(T))),
            "IncompleteSignature",
            "{name}"
        );
    }
}

/// `alibabacloud-tea-openapi` reads only lower-case names: a header spelled otherwise is
/// sent but not signed. Refused by default, accepted when asked for.
#[test]
fn roa_lowercase_only_names_are_accepted_when_asked_for() {
    let creds = creds(false);
    let lower = RoaSigner::builder(creds)
        .version("2015-12-15")
        .header_names(roa::HeaderNames::LowercaseOnly)
        .build()
        .unwrap();
    // As tea-openapi sends them: its own headers spelled in lower case too.
    let signed = received(&lower, &roa_requests()[1], NONCE);
    let mut got = without(&without(&signed, "Date"), "Accept");
    for name in ["date", "accept"] {
        got = got.header(name, signed.value(name));
    }
    let strict = roa_verifier(false);
    let lenient = roa_verifier(false).header_names(roa::HeaderNames::LowercaseOnly);
    assert_eq!(code(&strict.verify(&got, at(T))), "SignatureDoesNotMatch");
    assert_eq!(code(&lenient.verify(&got, at(T))), "ok");
    // The lenient verifier still takes the any-case form.
    let any = received(&roa_signer(false, false), &roa_requests()[1], NONCE);
    assert_eq!(code(&lenient.verify(&any, at(T))), "ok");
}

// ---------------------------------------------------------------------------------------
// Both
// ---------------------------------------------------------------------------------------

#[test]
fn any_verifier_recognizes_both_schemes() {
    let any = AnyVerifier::new()
        .with(acs3_verifier(true))
        .with(roa_verifier(true));
    assert_eq!(any.schemes(), [Scheme::Acs3, Scheme::AlibabaRoa]);
    let acs3 = received(
        &acs3_signer(true, acs3::SignedHeaders::Required),
        &acs3_requests()[0],
        NONCE,
    );
    let roa = received(&roa_signer(true, false), &roa_requests()[0], NONCE);
    assert_eq!(Scheme::recognize(&acs3), Some(Scheme::Acs3));
    assert_eq!(Scheme::recognize(&roa), Some(Scheme::AlibabaRoa));
    assert_eq!(any.verify(&acs3, at(T)).unwrap().scheme, Scheme::Acs3);
    assert_eq!(any.verify(&roa, at(T)).unwrap().scheme, Scheme::AlibabaRoa);
    let only_acs3 = AnyVerifier::new().with(acs3_verifier(true));
    assert_eq!(
        only_acs3.verify(&roa, at(T)).unwrap_err(),
        VerifyError::Unrecognized
    );
}

#[test]
fn debug_shows_no_key_store() {
    let v = format!("{:?} {:?}", acs3_verifier(true), roa_verifier(true));
    assert!(
        !v.contains("verify-secret") && !v.contains("LTAI5tVerify") && !v.contains("CAIS"),
        "{v}"
    );
    assert!(
        v.contains("Acs3Verifier") && v.contains("RoaVerifier"),
        "{v}"
    );
}

// ---------------------------------------------------------------------------------------
// The official SDKs' requests (tests/conformance), as they sent them
// ---------------------------------------------------------------------------------------

fn str_pairs(v: &Value) -> Vec<(String, String)> {
    let list = v.as_array().map(Vec::as_slice).unwrap_or_default();
    list.iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The request line's target as the SDK's HTTP layer writes it: the path, then the query
/// `urlencode`d (space as `+`), as `darabonba`'s `compose_url` does.
fn sdk_target(case: &Value) -> String {
    let mut target = case["path"].as_str().unwrap().to_owned();
    for (i, (k, v)) in str_pairs(&case["query"]).iter().enumerate() {
        target.push(if i == 0 { '?' } else { '&' });
        form_encode_into(&mut target, k);
        target.push('=');
        form_encode_into(&mut target, v);
    }
    target
}

/// The case received with `headers` (`Authorization` among them or added) and its body.
fn sdk_request(
    case: &Value,
    headers: &[(String, String)],
    authorization: Option<&str>,
) -> Received {
    let mut got = Received::new(
        case["method"].as_str().unwrap(),
        case["host"].as_str().unwrap(),
        &sdk_target(case),
    )
    .body(case["body"].as_str().unwrap());
    for (n, v) in headers {
        got = got.header(n, v);
    }
    match authorization {
        Some(a) => got.header("Authorization", a),
        None => got,
    }
}

/// Verifies `got` at `now`, then with its signature's first character changed.
fn verifies_and_flipped_is_refused(
    v: &dyn Verifier,
    got: &Received,
    now: OffsetDateTime,
    id: &Value,
) -> bool {
    let ok = v.verify(got, now);
    let auth = got.value("Authorization");
    let sig = match v.scheme() {
        Scheme::Acs3 => auth.rsplit("Signature=").next().unwrap(),
        _ => auth.rsplit(':').next().unwrap(),
    };
    let bad = tampered(got, "Authorization", sig, &flipped(sig));
    assert_eq!(code(&v.verify(&bad, now)), "SignatureDoesNotMatch", "{id}");
    ok.is_ok()
}

fn iso(ts: &str) -> OffsetDateTime {
    OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339).unwrap()
}

/// The 200 ACS3 requests of the Python SDK (every header signed, query names verbatim),
/// and the same requests signed over the Go/Java header selection.
#[test]
fn the_sdks_acs3_requests_verify() {
    let (mut python, mut go_java, mut strict_refused, mut nasty_names) = (0, 0, 0, 0);
    for (case, want) in corpus("alibaba_acs3") {
        let id = &case["id"];
        let now = iso(case["timestamp"].as_str().unwrap());
        let v = Acs3Verifier::new(case_keys(&case)).query_names(acs3::QueryNames::Raw);
        let headers = str_pairs(&want["request_headers"]);
        let got = sdk_request(&case, &headers, want["authorization"].as_str());
        assert!(
            verifies_and_flipped_is_refused(&v, &got, now, id),
            "{id}: {:?}",
            v.verify(&got, now)
        );
        python += 1;

        // Go and Java sign host, content-type and x-acs-* only.
        let mut subset: Vec<String> = headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| n == "host" || n == "content-type" || n.starts_with("x-acs-"))
            .collect();
        subset.sort();
        subset.dedup();
        let sig = want["impls"]["openapi_util_go_java_header_subset"]["signature"]
            .as_str()
            .unwrap();
        let auth = format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={sig}",
            case["access_key_id"].as_str().unwrap(),
            subset.join(";")
        );
        let got_subset = sdk_request(&case, &headers, Some(&auth));
        assert!(
            verifies_and_flipped_is_refused(&v, &got_subset, now, id),
            "{id} (Go/Java)"
        );
        go_java += 1;

        // The document's form only: query names RFC 3986-encoded.
        let nasty = str_pairs(&case["query"]).iter().any(|(k, _)| {
            !k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        });
        let strict = Acs3Verifier::new(case_keys(&case)).verify(&got, now);
        nasty_names += usize::from(nasty);
        if strict.is_err() {
            assert!(nasty, "{id}: {strict:?}");
            assert_eq!(code(&strict), "SignatureDoesNotMatch", "{id}");
            strict_refused += 1;
        }
    }
    assert_eq!((python, go_java), (200, 200));
    assert_eq!(
        (strict_refused, nasty_names),
        (3, 3),
        "names the encoding changes"
    );
}

/// The 200 ROA requests of `alibabacloud-openapi-util` (tea-openapi's header map), and the
/// same 200 as `aliyun-python-sdk-core` sent them (its signature differs on 110: `Tag=` for
/// an empty value, capitalised names, no `x-acs-accesskey-id`).
#[test]
fn the_sdks_roa_requests_verify() {
    let (mut tea, mut sdkcore, mut strict_refused, mut mixed_case) = (0, 0, 0, 0);
    for (case, want) in corpus("alibaba_roa") {
        let id = &case["id"];
        let now = time::OffsetDateTime::parse(
            case["timestamp"].as_str().unwrap(),
            &time::format_description::well_known::Rfc2822,
        )
        .unwrap();
        let v = RoaVerifier::new(case_keys(&case)).header_names(roa::HeaderNames::LowercaseOnly);
        let headers = str_pairs(&want["request_headers"]);
        let got = sdk_request(&case, &headers, want["authorization"].as_str());
        assert!(
            verifies_and_flipped_is_refused(&v, &got, now, id),
            "{id}: {:?}",
            v.verify(&got, now)
        );
        tea += 1;

        // By default every x-acs-* header must be signed, whatever its spelling.
        let mixed = headers.iter().any(|(n, _)| {
            n.to_ascii_lowercase().starts_with("x-acs-")
                && n.bytes().any(|b| b.is_ascii_uppercase())
        });
        mixed_case += usize::from(mixed);
        let strict = RoaVerifier::new(case_keys(&case)).verify(&got, now);
        if strict.is_err() {
            assert!(mixed, "{id}: {strict:?}");
            assert_eq!(code(&strict), "SignatureDoesNotMatch", "{id}");
            strict_refused += 1;
        }

        // aliyun-python-sdk-core: its own headers (Authorization among them).
        if let Some(sent) = want["impls"]["aliyunsdkcore"].get("request_headers") {
            let got = sdk_request(&case, &str_pairs(sent), None);
            let strict = RoaVerifier::new(case_keys(&case));
            assert!(
                verifies_and_flipped_is_refused(&strict, &got, now, id),
                "{id} (sdkcore): {:?}",
                strict.verify(&got, now)
            );
            sdkcore += 1;
        }
    }
    assert_eq!(tea, 200);
    assert_eq!(
        (strict_refused, mixed_case),
        (44, 44),
        "x-acs-* names not in lower case"
    );
    assert_eq!(sdkcore, 200);
}

/// Sign an `http::Request`, send it as it is, verify it as the server's `http` sees it.
#[cfg(feature = "http")]
#[test]
fn an_http_request_signed_and_applied_verifies() {
    use cloudsign::http::HttpSignerExt as _;
    let signers: [(Box<dyn Signer>, Box<dyn Verifier>); 2] = [
        (
            Box::new(acs3_signer(true, acs3::SignedHeaders::All)),
            Box::new(acs3_verifier(true)),
        ),
        (
            Box::new(roa_signer(true, true)),
            Box::new(roa_verifier(true)),
        ),
    ];
    for (signer, verifier) in signers {
        let mut req = http::Request::post("https://cs.aliyuncs.com/clusters?name=a%20b")
            .header("Content-Type", "application/json")
            .body(br#"{"n":1}"#.to_vec())
            .unwrap();
        signer
            .sign_http(&mut req, &SigningContext::from_unix(T, NONCE).unwrap())
            .unwrap();
        let (mut parts, body) = req.into_parts();
        parts
            .headers
            .insert("host", "cs.aliyuncs.com".parse().unwrap());
        parts.uri = parts
            .uri
            .path_and_query()
            .unwrap()
            .as_str()
            .parse()
            .unwrap();
        let got = Received::from_http(&http::Request::from_parts(parts, body)).unwrap();
        let ok = verifier.verify(&got, at(T + 1)).unwrap();
        assert_eq!(ok.access_key_id, "LTAI5tVerify");
    }
}
