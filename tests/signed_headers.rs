//! `signed_header_names`: the ACS3, TC3 and SDK-HMAC-SHA256 signers sign exactly the headers
//! named (with their scheme's mandatory ones), so each official SDK's `SignedHeaders` can be
//! reproduced; a name the request lacks or that is not a header name is a typed error; and
//! the fast path equals its reference on every list.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

#[path = "support/reference.rs"]
mod reference;

use cloudsign::alibaba::acs3::{self, Acs3SignerBuilder};
use cloudsign::alibaba::Acs3Signer;
use cloudsign::huawei::sdk_hmac_sha256::SdkHmacSha256SignerBuilder;
use cloudsign::huawei::SdkHmacSha256Signer;
use cloudsign::tencent::tc3::{self, Tc3SignerBuilder};
use cloudsign::tencent::Tc3Signer;
use cloudsign::verify::{MemoryKeyStore, Received, Tc3Verifier, Verifier};
use cloudsign::{
    CanonicalRequest, CanonicalRequestBuilder, Credentials, Error, Signer, SigningContext,
    SigningOutput,
};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

// ---------------------------------------------------------------------------------------
// The committed corpus (tests/conformance) and golden vectors, read as the SDKs signed them.

fn load(path: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// The (case, expected record) pairs of one scheme.
fn corpus(scheme: &str) -> Vec<(Value, Value)> {
    let cases = load("tests/conformance/cases.json");
    let expected = load("tests/conformance/expected.json");
    let pairs: Vec<_> = (cases.as_array().unwrap().iter().cloned())
        .zip(expected.as_array().unwrap().iter().cloned())
        .filter(|(c, _)| c["scheme"] == scheme)
        .collect();
    assert_eq!(pairs.len(), 200, "{scheme}");
    for (c, e) in &pairs {
        assert_eq!(c["id"], e["id"]);
        assert!(e["error"].is_null(), "{}", c["id"]);
    }
    pairs
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn opt<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v[key].as_str().filter(|s| !s.is_empty())
}

fn pairs(v: &Value, key: &str) -> Vec<(String, String)> {
    let list = v[key].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => (k.clone(), v.clone()),
            _ => panic!("{key}: {p} is not a [name, value] pair"),
        })
        .collect()
}

fn credentials(case: &Value) -> Credentials {
    let c = Credentials::new(text(case, "access_key_id"), text(case, "secret")).unwrap();
    match opt(case, "security_token") {
        Some(t) => c.with_security_token(t).unwrap(),
        None => c,
    }
}

/// Method, host, path and the case's own headers.
fn request(case: &Value) -> CanonicalRequestBuilder {
    CanonicalRequest::builder()
        .method(text(case, "method"))
        .host(text(case, "host"))
        .path(opt(case, "path").unwrap_or("/"))
        .headers(pairs(case, "headers"))
}

/// The `SignedHeaders` of an `Authorization` value (`=` then `,`).
fn signed_headers_of(out: &SigningOutput) -> &str {
    let auth = out.header("Authorization").unwrap();
    let rest = auth.split("SignedHeaders=").nth(1).unwrap();
    rest.split(',').next().unwrap()
}

/// Signs after holding the fast path to the reference (same stages, or the same error).
fn sign(
    signer: &dyn Signer,
    req: &CanonicalRequest,
    ctx: &SigningContext,
    case: &str,
) -> SigningOutput {
    reference::hold(signer, req, ctx, case).unwrap_or_else(|e| panic!("{e}"));
    signer
        .sign(req, ctx)
        .unwrap_or_else(|e| panic!("{case}: {e}"))
}

/// The error of a signature, after holding the fast path to the reference.
fn sign_err(signer: &dyn Signer, req: &CanonicalRequest, ctx: &SigningContext) -> Error {
    reference::hold(signer, req, ctx, "error").unwrap_or_else(|e| panic!("{e}"));
    signer.sign(req, ctx).unwrap_err()
}

fn ctx() -> SigningContext {
    SigningContext::from_unix(1_700_000_000, "0123456789abcdef").unwrap()
}

fn missing(scheme: &'static str, name: &str) -> Error {
    Error::MissingSignedHeader {
        scheme,
        name: name.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// ACS3

fn acs3_builder(creds: Credentials) -> Acs3SignerBuilder {
    Acs3Signer::builder(creds)
        .action("DescribeRegions")
        .version("2014-05-26")
}

/// Every case twice: the Python SDK's list (every header) gives its signature, and the
/// Go/Java list (`host`, `content-type`, `x-acs-*`: `impls.openapi_util_go_java_header_subset`)
/// gives theirs, which differs on the 110 cases with a header outside that subset.
#[test]
fn acs3_lists_reproduce_the_python_and_the_go_java_sdks() {
    let mut differ = 0;
    for (case, want) in corpus("alibaba_acs3") {
        let id = text(&case, "id");
        let time = OffsetDateTime::parse(text(&case, "timestamp"), &Rfc3339).unwrap();
        let ctx = SigningContext::new(time, text(&case, "nonce"));
        let req = request(&case)
            .queries(pairs(&case, "query"))
            .body(opt(&case, "body").unwrap_or(""))
            .build()
            .unwrap();
        let python = [
            text(&want, "signed_headers"),
            text(&want, "signature"),
            text(&want, "authorization"),
        ];
        let sub = &want["impls"]["openapi_util_go_java_header_subset"];
        let go_java = [
            opt(sub, "signed_headers").unwrap_or(python[0]),
            text(sub, "signature"),
            opt(sub, "authorization").unwrap_or(python[2]),
        ];
        differ += usize::from(go_java[1] != python[1]);
        for [list, signature, authorization] in [python, go_java] {
            let signer = Acs3Signer::builder(credentials(&case))
                .action(text(&case, "action"))
                .version(text(&case, "version"))
                .query_names(acs3::QueryNames::Raw) // as Python and Go write them
                .signed_header_names(list.split(';'))
                .build()
                .unwrap();
            let out = sign(&signer, &req, &ctx, id);
            assert_eq!(out.signature(), signature, "{id} {list}");
            assert_eq!(out.header("Authorization"), Some(authorization), "{id}");
        }
    }
    assert_eq!(differ, 110);
}

#[test]
fn acs3_always_signs_the_host_and_its_own_headers() {
    let req = CanonicalRequest::builder()
        .host("ecs.aliyuncs.com")
        .header("Content-Type", "application/json")
        .header("X-Acs-Meta", "m")
        .header("User-Agent", "demo/1.0")
        .build()
        .unwrap();
    let plain = Credentials::new("id", "secret").unwrap();
    let token = plain.clone().with_security_token("sts").unwrap();
    let own = "x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";
    let with_token = "x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;\
                      x-acs-security-token;x-acs-signature-nonce;x-acs-version";
    for (creds, own) in [(plain, own), (token, with_token)] {
        for list in [&[][..], &["host"], &["X-ACS-DATE", "x-acs-version"]] {
            let signer = acs3_builder(creds.clone())
                .signed_header_names(list.iter().copied())
                .build()
                .unwrap();
            let out = sign(&signer, &req, &ctx(), "mandatory");
            // The caller's x-acs-meta and content-type are not common headers: unsigned.
            assert_eq!(signed_headers_of(&out), format!("host;{own}"), "{list:?}");
            // Every header is still sent.
            assert!(out.header("x-acs-signature-nonce").is_some());
        }
        let signer = acs3_builder(creds)
            .signed_header_names(["x-acs-meta", "user-agent", "content-type"])
            .build()
            .unwrap();
        let out = sign(&signer, &req, &ctx(), "all");
        let all = format!("content-type;host;user-agent;{own};x-acs-meta");
        let mut sorted: Vec<&str> = all.split(';').collect();
        sorted.sort_unstable();
        assert_eq!(signed_headers_of(&out), sorted.join(";"));
    }
}

// ---------------------------------------------------------------------------------------
// TC3

fn tc3_builder(creds: Credentials) -> Tc3SignerBuilder {
    Tc3Signer::builder(creds, "cvm")
        .action("DescribeInstances")
        .version("2017-03-12")
}

/// The document's worked examples, `content-type;host` and `content-type;host;x-tc-action`
/// (its Go and PHP samples), given as their lists.
#[test]
fn tc3_lists_reproduce_the_document_examples() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/tc3");
    let mut n = 0;
    for file in std::fs::read_dir(dir).unwrap() {
        let path = file.unwrap().path();
        let v = load(path.to_str().unwrap());
        let Some(signature) = v["expected"]["signature"].as_str() else {
            continue;
        };
        let i = &v["inputs"];
        let creds = Credentials::new(text(i, "secret_id"), text(i, "secret_key")).unwrap();
        let list: Vec<&str> = i["signed_headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        let signer = Tc3Signer::builder(creds, text(i, "service"))
            .action(text(i, "action"))
            .version(text(i, "version"))
            .region(text(i, "region"))
            .signed_header_names(list.iter().copied())
            .build()
            .unwrap();
        let headers = pairs(i, "headers");
        let theirs = headers
            .into_iter()
            .filter(|(n, _)| !n.to_ascii_lowercase().starts_with("x-tc-"));
        let req = CanonicalRequest::builder()
            .method(text(i, "method"))
            .host(text(i, "host"))
            .headers(theirs)
            .body(text(i, "body"))
            .build()
            .unwrap();
        let ctx = SigningContext::from_unix(i["timestamp"].as_i64().unwrap(), "").unwrap();
        let out = sign(&signer, &req, &ctx, text(&v, "id"));
        assert_eq!(out.signature(), signature, "{}", path.display());
        assert_eq!(
            out.header("Authorization"),
            v["expected"]["authorization"].as_str()
        );
        assert_eq!(signed_headers_of(&out), list.join(";"));
        n += 1;
    }
    assert_eq!(n, 4);
}

/// On the corpus (the Python SDK, `content-type;host` with values as sent): the list of
/// the mandatory names gives the SDK's signature wherever the content type is already
/// lower-case (a list signs values lower-cased, as the document says), and the list
/// `x-tc-action` gives the preset `ContentTypeHostAction`'s.
#[test]
fn tc3_lists_reproduce_the_python_sdk_and_the_action_preset() {
    let (mut same, mut lowered) = (0, 0);
    for (case, want) in corpus("tencent_tc3") {
        let id = text(&case, "id");
        let method = text(&case, "method");
        let content_type = match method {
            "GET" => "application/x-www-form-urlencoded",
            _ => opt(&case, "content_type").unwrap_or("application/json"),
        };
        let mut req = request(&case)
            .queries(pairs(&case, "query"))
            .header("Content-Type", content_type);
        req = match case["unsigned_payload"].as_bool() {
            Some(true) => req.unsigned_payload(),
            _ => req.body(opt(&case, "body").unwrap_or("")),
        };
        let req = req.build().unwrap();
        let ctx = SigningContext::from_unix(text(&case, "timestamp").parse().unwrap(), "").unwrap();
        let builder = |names: Option<&[&str]>| {
            let mut b = Tc3Signer::builder(credentials(&case), text(&case, "service"))
                .action(text(&case, "action"))
                .version(text(&case, "version"))
                .query_encoding(tc3::QueryEncoding::FormUrlencoded);
            if let Some(r) = opt(&case, "region") {
                b = b.region(r);
            }
            if let Some(l) = opt(&case, "language") {
                b = b.language(l);
            }
            match names {
                Some(names) => b.signed_header_names(names.iter().copied()),
                None => b.signed_headers(tc3::SignedHeaders::ContentTypeHostAction),
            }
            .build()
            .unwrap()
        };
        let out = sign(&builder(Some(&["host", "Content-Type"])), &req, &ctx, id);
        assert_eq!(signed_headers_of(&out), "content-type;host", "{id}");
        if content_type == content_type.to_ascii_lowercase() {
            assert_eq!(out.signature(), text(&want, "signature"), "{id}");
            assert_eq!(out.header("Authorization"), opt(&want, "authorization"));
            same += 1;
        } else {
            assert_ne!(out.signature(), text(&want, "signature"), "{id}");
            lowered += 1;
        }
        let listed = sign(&builder(Some(&["x-tc-action"])), &req, &ctx, id);
        let preset = sign(&builder(None), &req, &ctx, id);
        assert_eq!(listed.signature(), preset.signature(), "{id}");
        assert_eq!(signed_headers_of(&listed), "content-type;host;x-tc-action");
    }
    assert_eq!((same, lowered), (197, 3));
}

/// The signer's own headers can be listed (teco signs every `x-tc-*` one), their values
/// lower-cased like any other; the request's are found in any letter case.
#[test]
fn tc3_lists_own_and_request_headers() {
    let creds = Credentials::new("AKID", "secret").unwrap();
    let creds = creds.with_security_token("Session+Token").unwrap();
    let signer = tc3_builder(creds)
        .region("ap-guangzhou")
        .language("en-US")
        .signed_header_names([
            "X-TC-Action",
            "x-tc-timestamp",
            "x-tc-version",
            "x-tc-region",
            "x-tc-token",
            "x-tc-language",
            "x-tc-content-sha256",
            "x-custom",
        ])
        .build()
        .unwrap();
    let req = CanonicalRequest::builder()
        .host("cvm.tencentcloudapi.com")
        .header("X-CUSTOM", " Mixed Case ")
        .query("Limit", "1")
        .unsigned_payload()
        .build()
        .unwrap();
    let out = sign(&signer, &req, &ctx(), "own");
    let canonical = out.canonical_request().unwrap();
    let lines = "\ncontent-type:application/x-www-form-urlencoded\nhost:cvm.tencentcloudapi.com\n\
        x-custom:mixed case\nx-tc-action:describeinstances\nx-tc-content-sha256:unsigned-payload\n\
        x-tc-language:en-us\nx-tc-region:ap-guangzhou\nx-tc-timestamp:1700000000\n\
        x-tc-token:session+token\nx-tc-version:2017-03-12\n\n";
    assert!(canonical.contains(lines), "{canonical}");
    assert_eq!(
        signed_headers_of(&out),
        "content-type;host;x-custom;x-tc-action;x-tc-content-sha256;x-tc-language;x-tc-region;\
         x-tc-timestamp;x-tc-token;x-tc-version"
    );
    // The token is signed, so the canonical request is logged redacted.
    let logged = out.canonical_request_redacted().unwrap();
    assert!(logged.contains("\nx-tc-token:<redacted>\n") && !logged.contains("session"));
    // Sent as they were.
    assert_eq!(out.header("X-TC-Token"), Some("Session+Token"));
    assert_eq!(out.header("X-TC-Action"), Some("DescribeInstances"));
}

/// A list signed by the signer verifies with the TC3 verifier, which reads the client's
/// `SignedHeaders`; a listed header changed on the way breaks it, an unlisted one does not.
#[test]
fn tc3_listed_signatures_verify() {
    let creds = Credentials::new("AKIDverify", "verify-secret").unwrap();
    let verifier = Tc3Verifier::new(MemoryKeyStore::new().with(creds.clone())).service("cvm");
    let signer = tc3_builder(creds)
        .signed_header_names(["x-tc-action", "x-tc-timestamp", "x-custom"])
        .build()
        .unwrap();
    let post = CanonicalRequest::builder()
        .method("POST")
        .host("cvm.tencentcloudapi.com")
        .header("Content-Type", "application/json")
        .header("X-Custom", "Signed")
        .header("X-Other", "unsigned")
        .body(r#"{"Limit":1}"#);
    let get = CanonicalRequest::builder()
        .host("cvm.tencentcloudapi.com")
        .query("Limit", "1")
        .header("X-Custom", "Signed")
        .header("X-Other", "unsigned");
    for req in [post.build().unwrap(), get.build().unwrap()] {
        let out = sign(&signer, &req, &ctx(), "verify");
        let received = |edit: &dyn Fn(&str, &str) -> String| {
            let target = match out.query_string() {
                "" => "/".to_owned(),
                q => format!("/?{q}"),
            };
            let mut got = Received::new(req.method(), req.host(), &target)
                .body(req.body().map(<[u8]>::to_vec).unwrap_or_default());
            let all = req.headers().iter().map(|(n, v)| (n.as_str(), v.as_str()));
            for (name, value) in all.chain(out.headers()) {
                got = got.header(name, edit(name, value));
            }
            got
        };
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_010).unwrap();
        let as_sent = received(&|_, v| v.to_owned());
        assert!(verifier.verify(&as_sent, now).is_ok(), "{}", req.method());
        let other = received(&|n, v| {
            if n == "X-Other" {
                "changed".into()
            } else {
                v.into()
            }
        });
        assert!(verifier.verify(&other, now).is_ok());
        let custom = received(&|n, v| {
            if n == "X-Custom" {
                "Signet".into()
            } else {
                v.into()
            }
        });
        let err = verifier.verify(&custom, now).unwrap_err();
        assert_eq!(err.cloud_code(), "AuthFailure.SignatureFailure");
    }
}

// ---------------------------------------------------------------------------------------
// SDK-HMAC-SHA256

/// Every case: the list of what `huaweicloudsdkcore` signed gives its signature.
#[test]
fn huawei_lists_reproduce_the_sdk() {
    for (case, want) in corpus("huawei_sdk_hmac_sha256") {
        let id = text(&case, "id");
        let list = text(&want, "signed_headers");
        let mut b = SdkHmacSha256Signer::builder(credentials(&case));
        if let Some(p) = opt(&case, "project_id") {
            b = b.project_id(p);
        }
        let signer = b.signed_header_names(list.split(';')).build().unwrap();
        let req = huawei_request(&case);
        let format =
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
        let time = time::PrimitiveDateTime::parse(text(&case, "timestamp"), &format).unwrap();
        let ctx = SigningContext::new(time.assume_utc(), "");
        let out = sign(&signer, &req, &ctx, id);
        assert_eq!(out.signature(), text(&want, "signature"), "{id}");
        assert_eq!(out.header("Authorization"), opt(&want, "authorization"));
    }
}

/// The case's request as the SDK client sends it (as `tests/support/conformance.rs` maps
/// it): the raw path encoded as `requests` does, and `X-Sdk-Content-Sha256:
/// UNSIGNED-PAYLOAD` for a `Content-Type` that is neither JSON nor BSON.
fn huawei_request(case: &Value) -> CanonicalRequest {
    let mut path = String::new();
    for part in opt(case, "path").unwrap_or("/").split_inclusive('%') {
        let (raw, pct) = part.strip_suffix('%').map_or((part, ""), |t| (t, "%"));
        cloudsign::encoding::percent_encode_into(&mut path, raw, cloudsign::encoding::RFC3986_PATH);
        path.push_str(pct);
    }
    let mut req = request(case).path(path).queries(pairs(case, "query"));
    let unsigned = pairs(case, "headers").iter().any(|(n, v)| {
        n == "Content-Type"
            && !v.starts_with("application/json")
            && !v.starts_with("application/bson")
    });
    if unsigned {
        req = req.header("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
    }
    req.body(opt(case, "body").unwrap_or("")).build().unwrap()
}

#[test]
fn huawei_always_signs_the_host_and_the_date() {
    let creds = Credentials::new("AK", "SK").unwrap();
    let creds = creds.with_security_token("sts").unwrap();
    let req = CanonicalRequest::builder()
        .host("vpc.myhuaweicloud.com")
        .header("Content-Type", "text/plain")
        .header("X_Under", "u")
        .unsigned_payload()
        .build()
        .unwrap();
    let signer = |list: &[&str]| {
        SdkHmacSha256Signer::builder(creds.clone())
            .project_id("p1")
            .signed_header_names(list.iter().copied())
            .build()
            .unwrap()
    };
    let out = sign(&signer(&[]), &req, &ctx(), "mandatory");
    assert_eq!(signed_headers_of(&out), "host;x-sdk-date");
    // The signer's headers are sent, signed or not.
    for name in [
        "X-Sdk-Date",
        "X-Sdk-Content-Sha256",
        "X-Security-Token",
        "X-Project-Id",
    ] {
        assert!(out.header(name).is_some(), "{name}");
    }
    let out = sign(&signer(&["HOST", "x-sdk-date"]), &req, &ctx(), "listed");
    assert_eq!(signed_headers_of(&out), "host;x-sdk-date");
    let every = [
        "content-type",
        "x_under", // listed: signed, as the APIG demo signer does
        "x-project-id",
        "x-sdk-content-sha256",
        "x-security-token",
    ];
    let out = sign(&signer(&every), &req, &ctx(), "every");
    assert_eq!(
        signed_headers_of(&out),
        "content-type;host;x-project-id;x-sdk-content-sha256;x-sdk-date;x-security-token;x_under"
    );
    // Without a list, the underscore header is left out.
    let default = SdkHmacSha256Signer::builder(creds.clone())
        .project_id("p1")
        .build()
        .unwrap();
    let out = sign(&default, &req, &ctx(), "default");
    assert_eq!(
        signed_headers_of(&out),
        "content-type;host;x-project-id;x-sdk-content-sha256;x-sdk-date;x-security-token"
    );
}

// ---------------------------------------------------------------------------------------
// All three: errors, and the fast path against its reference.

/// The three signers with `list`, with and without a security token.
fn signers(list: &[&str], token: bool) -> Vec<Box<dyn Signer>> {
    let creds = Credentials::new("AKID", "secret").unwrap();
    let creds = match token {
        true => creds.with_security_token("sts-token").unwrap(),
        false => creds,
    };
    let names = || list.iter().copied();
    vec![
        Box::new(
            acs3_builder(creds.clone())
                .signed_header_names(names())
                .build()
                .unwrap(),
        ),
        Box::new(
            tc3_builder(creds.clone())
                .signed_header_names(names())
                .build()
                .unwrap(),
        ),
        Box::new(huawei(creds).signed_header_names(names()).build().unwrap()),
    ]
}

fn huawei(creds: Credentials) -> SdkHmacSha256SignerBuilder {
    SdkHmacSha256Signer::builder(creds)
}

/// What each builder says of a bad name.
fn build_errors(list: &[&str]) -> [Error; 3] {
    let creds = Credentials::new("AKID", "secret").unwrap();
    let names = || list.iter().copied();
    [
        acs3_builder(creds.clone())
            .signed_header_names(names())
            .build()
            .unwrap_err(),
        tc3_builder(creds.clone())
            .signed_header_names(names())
            .build()
            .unwrap_err(),
        huawei(creds)
            .signed_header_names(names())
            .build()
            .unwrap_err(),
    ]
}

#[test]
fn invalid_names_are_refused_when_the_signer_is_built() {
    for bad in ["", "x custom", "x:custom", "x-ü", "x\r\ny"] {
        for err in build_errors(&["content-type", bad]) {
            assert_eq!(
                err,
                Error::InvalidHeaderName { name: bad.into() },
                "{bad:?}"
            );
        }
    }
    for auth in ["Authorization", "authorization"] {
        for err in build_errors(&[auth]) {
            assert!(
                matches!(
                    err,
                    Error::InvalidSetting {
                        field: "signed_header_names",
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(err
                .to_string()
                .contains("Authorization carries the signature"));
        }
    }
}

#[test]
fn absent_names_are_refused_when_signing() {
    let req = CanonicalRequest::builder()
        .method("POST")
        .host("api.example.com")
        .header("Content-Type", "application/json")
        .header("X-Present", "1")
        .body("{}")
        .build()
        .unwrap();
    let schemes = ["ACS3-HMAC-SHA256", "TC3-HMAC-SHA256", "SDK-HMAC-SHA256"];
    for signer in signers(&["x-present", "X-Absent"], false) {
        let err = sign_err(signer.as_ref(), &req, &ctx());
        assert_eq!(err, missing(signer.algorithm(), "x-absent"));
        assert!(
            err.to_string()
                .contains("\"x-absent\" is listed to be signed"),
            "{err}"
        );
        assert!(schemes.contains(&signer.algorithm()));
    }
    // The signer's own headers, when it does not send them.
    let own = [
        (0, "x-acs-security-token"),
        (0, "x-acs-accesskey-id"),
        (1, "x-tc-token"),
        (1, "x-tc-region"),
        (1, "x-tc-language"),
        (1, "x-tc-content-sha256"),
        (2, "x-security-token"),
        (2, "x-project-id"),
        (2, "x-domain-id"),
        (2, "x-sdk-content-sha256"),
    ];
    for (i, name) in own {
        let signer = &signers(&[name], false)[i];
        assert_eq!(
            sign_err(signer.as_ref(), &req, &ctx()),
            missing(schemes[i], name)
        );
    }
    // ...and signed when it does.
    for (i, name) in [
        (0, "x-acs-security-token"),
        (1, "x-tc-token"),
        (2, "x-security-token"),
    ] {
        let out = sign(signers(&[name], true)[i].as_ref(), &req, &ctx(), name);
        assert!(signed_headers_of(&out).contains(name), "{name}");
    }
}

#[test]
fn repeated_listed_headers() {
    let req = CanonicalRequest::builder()
        .host("api.example.com")
        .header("X-Dup", "b")
        .header("x-dup", "a")
        .build()
        .unwrap();
    let signers = signers(&["x-dup"], false);
    // ACS3 joins the values, as its presets do (and the Python and Go SDKs).
    let out = sign(signers[0].as_ref(), &req, &ctx(), "acs3 dup");
    assert!(out.canonical_request().unwrap().contains("\nx-dup:a,b\n"));
    // TC3 and SDK-HMAC-SHA256 have no form for them.
    for signer in &signers[1..] {
        let err = sign_err(signer.as_ref(), &req, &ctx());
        assert!(matches!(err, Error::DuplicateHeader { .. }), "{err:?}");
    }
}

/// Requests of every shape the three schemes take, each signer with several lists and with
/// and without a token: the fast path and the reference agree on every stage, or on the
/// error.
#[test]
fn the_fast_paths_follow_their_references() {
    let base = || {
        CanonicalRequest::builder()
            .host("api.example.com:8443")
            .header("Content-Type", " Application/JSON ")
            .header("X-Acs-Meta", " v ")
            .header("X-Custom", "Mixed Case")
            .header("User-Agent", "demo/1.0")
            .header("X_Under", "u")
    };
    let requests = [
        base().query("b", "2 ~*").query("a", "中").build(),
        base().method("POST").body(vec![b'x'; 3000]).build(),
        base().method("POST").unsigned_payload().build(),
        base().method("PUT").path("/v1/a%20b").build(),
        CanonicalRequest::builder().host("h.example.com").build(),
    ];
    let lists: [&[&str]; 6] = [
        &[],
        &["content-type"],
        &["x-custom", "USER-AGENT"],
        &[
            "x-acs-meta",
            "x-custom",
            "x_under",
            "content-type",
            "user-agent",
        ],
        &[
            "x-tc-action",
            "x-tc-timestamp",
            "x-tc-version",
            "x-tc-token",
        ],
        &[
            "x-sdk-content-sha256",
            "x-security-token",
            "x-acs-date",
            "x-absent",
        ],
    ];
    let (mut held, mut signed) = (0, 0);
    for token in [false, true] {
        for list in lists {
            for signer in signers(list, token) {
                for (i, req) in requests.iter().enumerate() {
                    let case = format!("{} {list:?} token {token} request {i}", signer.algorithm());
                    let req = req.as_ref().unwrap();
                    reference::hold(signer.as_ref(), req, &ctx(), &case)
                        .unwrap_or_else(|e| panic!("{e}"));
                    held += 1;
                    signed += usize::from(signer.sign(req, &ctx()).is_ok());
                }
            }
        }
    }
    assert_eq!(held, 2 * 6 * 3 * 5);
    // The others are refused, by both paths alike: TC3 a PUT or a POST query, a list
    // with `x-absent` or with a header the request lacks.
    assert_eq!(signed, SIGNED);
}

/// How many of the 180 signatures above succeed.
const SIGNED: usize = 92;

#[test]
fn the_last_of_a_preset_and_a_list_wins() {
    let creds = Credentials::new("AKID", "secret").unwrap();
    let req = CanonicalRequest::builder()
        .host("ecs.aliyuncs.com")
        .header("User-Agent", "demo/1.0")
        .build()
        .unwrap();
    let preset_last = acs3_builder(creds.clone())
        .signed_header_names(["x-absent"])
        .signed_headers(acs3::SignedHeaders::All)
        .build()
        .unwrap();
    let out = sign(&preset_last, &req, &ctx(), "preset last");
    assert!(signed_headers_of(&out).contains("user-agent"));
    let list_last = acs3_builder(creds.clone())
        .signed_headers(acs3::SignedHeaders::All)
        .signed_header_names(Vec::<String>::new())
        .build()
        .unwrap();
    let out = sign(&list_last, &req, &ctx(), "list last");
    assert!(!signed_headers_of(&out).contains("user-agent"));
    assert!(
        format!("{list_last:?}").contains(r#"signed_headers: ["host"]"#),
        "{list_last:?}"
    );
    assert!(format!("{preset_last:?}").contains("signed_headers: All"));

    let tc3 = tc3_builder(creds.clone())
        .signed_header_names(["x-absent"])
        .signed_headers(tc3::SignedHeaders::ContentTypeHost)
        .build()
        .unwrap();
    assert_eq!(
        signed_headers_of(&sign(&tc3, &req, &ctx(), "tc3")),
        "content-type;host"
    );
    let huawei = huawei(creds)
        .signed_header_names(["X-Custom"])
        .build()
        .unwrap();
    let debug = format!("{huawei:?}");
    assert!(
        debug.contains(r#"signed_header_names: Some(["host", "x-custom", "x-sdk-date"])"#),
        "{debug}"
    );
}
