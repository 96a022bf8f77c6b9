//! Runs every published documentation / SDK vector in `tests/vectors/<scheme>/*.json`
//! (copied from the project's `spec/golden.json`, `conformance: true`) and checks every
//! published stage. A failure names the vector file and the stage.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use std::path::{Path, PathBuf};

#[path = "support/reference.rs"]
mod reference;

use cloudsign::alibaba::{acs3, roa, rpc, Acs3Signer, RpcSigner};
use cloudsign::huawei::{sdk_hmac_sha256, SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{tc3, v1, Tc3Signer, V1Signer};
use cloudsign::{CanonicalRequest, Credentials, SecretKey, Signer, SigningContext, SigningOutput};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn vectors(scheme: &str) -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(scheme);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vectors in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            assert!(
                v["source"].as_str().is_some_and(|s| !s.is_empty()),
                "{}: no source",
                p.display()
            );
            (p, v)
        })
        .collect()
}

/// Compares one stage; counts it.
struct Checker<'a> {
    file: &'a Path,
    checked: usize,
}

impl Checker<'_> {
    fn eq(&mut self, stage: &str, got: &str, want: Option<&Value>) {
        if let Some(want) = want.and_then(Value::as_str) {
            assert_eq!(
                got,
                want,
                "vector {} stage {stage}: got {got:?}, published {want:?}",
                self.file.display()
            );
            self.checked += 1;
        }
    }
}

/// Signs after holding the fast path to the scheme's reference implementation.
fn checked(signer: &dyn Signer, req: &CanonicalRequest, ctx: &SigningContext) -> SigningOutput {
    if let Err(e) = reference::hold(signer, req, ctx, "golden vector") {
        panic!("{e}");
    }
    signer.sign(req, ctx).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("field {k} missing"))
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| a.iter().map(|p| (s0(&p[0]), s0(&p[1]))).collect::<Vec<_>>())
        .unwrap_or_default()
}

fn s0(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

fn iso(t: &str) -> OffsetDateTime {
    OffsetDateTime::parse(t, &Rfc3339).unwrap()
}

fn last_line(s: &str) -> &str {
    s.rsplit('\n').next().unwrap()
}

#[test]
fn tc3_vectors() {
    let mut total = 0;
    for (file, v) in vectors("tc3") {
        let i = &v["inputs"];
        let with_action = i["signed_headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h == "x-tc-action");
        let creds = Credentials::new(s(i, "secret_id"), s(i, "secret_key")).unwrap();
        let headers = pairs(&i["headers"]);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let mut b = Tc3Signer::builder(creds, s(i, "service"))
            .action(get("X-TC-Action").unwrap_or_else(|| "DescribeInstances".into()))
            .version(get("X-TC-Version").unwrap_or_else(|| "2017-03-12".into()));
        if let Some(r) = get("X-TC-Region") {
            b = b.region(r);
        }
        if with_action {
            b = b.signed_headers(tc3::SignedHeaders::ContentTypeHostAction);
        }
        let signer = b.build().unwrap();
        let req = CanonicalRequest::builder()
            .method(s(i, "method"))
            .host(s(i, "host"))
            .path(s(i, "path"))
            .queries(pairs(&i["query"]))
            .headers(
                headers
                    .iter()
                    .filter(|(n, _)| !n.to_ascii_lowercase().starts_with("x-tc-"))
                    .cloned(),
            )
            .body(s(i, "body"))
            .build()
            .unwrap();
        let ctx = SigningContext::from_unix(i["timestamp"].as_i64().unwrap(), "").unwrap();
        let out = checked(&signer, &req, &ctx);
        let mut c = Checker {
            file: &file,
            checked: 0,
        };
        let cr = out.canonical_request().unwrap();
        let sts = out.string_to_sign().unwrap();
        for stages in [&v["intermediate"], &v["derived"]] {
            c.eq(
                "hashed_payload",
                last_line(cr),
                stages.get("hashed_payload"),
            );
            c.eq("canonical_request", cr, stages.get("canonical_request"));
            c.eq(
                "hashed_canonical_request",
                last_line(sts),
                stages.get("hashed_canonical_request"),
            );
            c.eq(
                "credential_scope",
                sts.split('\n').nth(2).unwrap(),
                stages.get("credential_scope"),
            );
            c.eq("string_to_sign", sts, stages.get("string_to_sign"));
            let date = sts.split('\n').nth(2).unwrap().split('/').next().unwrap();
            c.eq("date", date, stages.get("date"));
            let key = tc3::signing_key(&SecretKey::new(s(i, "secret_key")), date, s(i, "service"));
            c.eq(
                "secret_signing",
                &hex::encode(key),
                stages.get("secret_signing_hex"),
            );
        }
        c.eq(
            "canonical_query_string",
            out.query_string(),
            i.get("canonical_query_string"),
        );
        c.eq("signature", out.signature(), v["expected"].get("signature"));
        c.eq(
            "authorization",
            out.header("Authorization").unwrap(),
            v["expected"].get("authorization"),
        );
        if let Some(ts) = get("X-TC-Timestamp") {
            c.eq(
                "X-TC-Timestamp",
                out.header("X-TC-Timestamp").unwrap(),
                Some(&Value::from(ts)),
            );
        }
        assert!(c.checked >= 3, "{}: too few stages checked", file.display());
        total += c.checked;
    }
    assert!(total >= 30, "only {total} TC3 stages checked");
}

#[test]
fn acs3_vectors() {
    for (file, v) in vectors("acs3") {
        let i = &v["inputs"];
        let mut c = Checker {
            file: &file,
            checked: 0,
        };
        let query = pairs(&i["query"]);
        let headers = pairs(&i["headers"]);
        let (cr, sts, sig, auth);
        if i["host"].is_string() {
            // A documentation example: the full signer adds the x-acs-* headers itself.
            let get = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
                    .unwrap()
            };
            let creds = Credentials::new(s(i, "access_key_id"), s(i, "access_key_secret")).unwrap();
            let signer = Acs3Signer::builder(creds)
                .action(s(i, "action"))
                .version(s(i, "version"))
                .build()
                .unwrap();
            let req = CanonicalRequest::builder()
                .method(s(i, "method"))
                .host(s(i, "host"))
                .path(s(i, "canonical_uri"))
                .queries(query)
                .body(s(i, "body"))
                .build()
                .unwrap();
            let ctx = SigningContext::new(iso(get("x-acs-date")), get("x-acs-signature-nonce"));
            let out = checked(&signer, &req, &ctx);
            for (name, value) in &headers {
                if name != "host" {
                    c.eq(
                        name,
                        out.header(name).unwrap(),
                        Some(&Value::from(value.clone())),
                    );
                }
            }
            cr = out.canonical_request().unwrap().to_owned();
            sts = out.string_to_sign().unwrap().to_owned();
            sig = out.signature().to_owned();
            auth = out.header("Authorization").unwrap().to_owned();
        } else {
            // An SDK unit test of `get_authorization`: only the canonicalization primitive
            // applies (no host, the Go test even has an empty method).
            let q: Vec<(&str, &str)> = query
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            let h: Vec<(&str, &str)> = headers
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            let (canonical, signed) = acs3::canonical_request(
                s(i, "method"),
                s(i, "canonical_uri"),
                &q,
                &h,
                s(i, "hashed_payload_override"),
            );
            cr = canonical;
            sts = acs3::string_to_sign(&cr);
            sig = acs3::signature(&SecretKey::new(s(i, "access_key_secret")), &sts);
            auth = format!(
                "{} Credential={},SignedHeaders={signed},Signature={sig}",
                acs3::ALGORITHM,
                s(i, "access_key_id")
            );
        }
        for stages in [&v["intermediate"], &v["derived"]] {
            c.eq("canonical_request", &cr, stages.get("canonical_request"));
            c.eq(
                "hashed_canonical_request",
                last_line(&sts),
                stages.get("hashed_canonical_request"),
            );
            c.eq("string_to_sign", &sts, stages.get("string_to_sign"));
        }
        c.eq("signature", &sig, v["expected"].get("signature"));
        c.eq("authorization", &auth, v["expected"].get("authorization"));
        assert!(c.checked >= 4, "{}: too few stages checked", file.display());
    }
}

const RPC_COMMON: [&str; 8] = [
    "Timestamp",
    "Format",
    "AccessKeyId",
    "Action",
    "SignatureMethod",
    "SignatureNonce",
    "Version",
    "SignatureVersion",
];

#[test]
fn rpc_vectors() {
    for (file, v) in vectors("rpc") {
        let i = &v["inputs"];
        let mut c = Checker {
            file: &file,
            checked: 0,
        };
        let params = pairs(&i["params"]);
        let secret = s(i, "access_key_secret");
        if i["host"].is_string() {
            // A documentation example: common parameters go to the signer and the context,
            // the API's own parameters into the request.
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
                    .unwrap()
            };
            assert_eq!(get("AccessKeyId"), s(i, "access_key_id"));
            assert_eq!(get("SignatureMethod"), rpc::SIGNATURE_METHOD);
            assert_eq!(get("SignatureVersion"), rpc::SIGNATURE_VERSION);
            let signer =
                RpcSigner::builder(Credentials::new(s(i, "access_key_id"), secret).unwrap())
                    .action(get("Action"))
                    .version(get("Version"))
                    .format(get("Format"))
                    .build()
                    .unwrap();
            let req = CanonicalRequest::builder()
                .method(s(i, "method"))
                .host(s(i, "host"))
                .queries(
                    params
                        .iter()
                        .filter(|(n, _)| !RPC_COMMON.contains(&n.as_str()))
                        .cloned(),
                )
                .build()
                .unwrap();
            let ctx = SigningContext::new(iso(get("Timestamp")), get("SignatureNonce"));
            let out = checked(&signer, &req, &ctx);
            let (cqs, encoded_sig) = out.query_string().rsplit_once("&Signature=").unwrap();
            c.eq(
                "canonicalized_query_string",
                cqs,
                v["intermediate"].get("canonicalized_query_string"),
            );
            c.eq(
                "string_to_sign",
                out.string_to_sign().unwrap(),
                v["intermediate"].get("string_to_sign"),
            );
            c.eq("signature", out.signature(), v["expected"].get("signature"));
            c.eq(
                "signature_urlencoded",
                encoded_sig,
                v["expected"].get("signature_urlencoded"),
            );
            assert_eq!(out.query_param("Signature"), Some(out.signature()));
        } else {
            // An SDK unit test of `get_rpcsignature`: the parameters are the whole set.
            let p: Vec<(&str, &str)> = params
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            let sts = rpc::string_to_sign(s(i, "method"), &p);
            c.eq(
                "string_to_sign",
                &sts,
                v["intermediate"].get("string_to_sign"),
            );
            c.eq(
                "signature",
                &rpc::signature(&SecretKey::new(secret), &sts),
                v["expected"].get("signature"),
            );
        }
        assert!(c.checked >= 1, "{}: nothing checked", file.display());
    }
}

/// The X-WSSE document example cannot be recomputed (its AppSecret is not published), so
/// this checks what can be: the digest is Base64 of 64 lowercase hex digits, and the header
/// layout matches byte for byte once the digest is put in.
#[test]
fn wsse_doc_structure() {
    for (file, v) in vectors("wsse") {
        let i = &v["inputs"];
        let e = &v["expected"];
        let published = s(e, "password_digest");
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(published)
            .unwrap();
        assert_eq!(decoded.len(), 64, "{}", file.display());
        assert!(decoded.iter().all(|b| b"0123456789abcdef".contains(b)));

        let signer = WsseSigner::new(Credentials::new(s(i, "app_key"), "not-published").unwrap());
        let req = CanonicalRequest::builder()
            .method(s(i, "method"))
            .host("smsapi.cn-north-4.myhuaweicloud.com")
            .path(s(i, "path"))
            .build()
            .unwrap();
        let ctx = SigningContext::new(iso(s(i, "created")), s(i, "nonce"));
        let out = checked(&signer, &req, &ctx);
        assert_eq!(out.signature().len(), 88);
        let ours = out
            .header("X-WSSE")
            .unwrap()
            .replace(out.signature(), published);
        assert_eq!(
            ours,
            s(e, "x_wsse"),
            "vector {} stage x_wsse",
            file.display()
        );
        assert_eq!(
            out.header("Authorization").unwrap(),
            s(e, "authorization"),
            "vector {} stage authorization",
            file.display()
        );
    }
}

/// The cached signing key follows the date: signatures with and without the cache agree
/// across a UTC midnight, in both directions, from several threads.
#[test]
fn tc3_key_cache_follows_the_date() {
    let creds = Credentials::new("AKIDEXAMPLE", "secret").unwrap();
    let build = |cache| {
        Tc3Signer::builder(creds.clone(), "cvm")
            .action("DescribeInstances")
            .version("2017-03-12")
            .cache_signing_key(cache)
            .build()
            .unwrap()
    };
    let (cached, plain) = (build(true), build(false));
    let req = CanonicalRequest::builder()
        .method("POST")
        .host("cvm.tencentcloudapi.com")
        .body("{}")
        .build()
        .unwrap();
    // 2019-02-25T23:59:59Z, then the next day, then back.
    let times = [1_551_139_199, 1_551_139_200, 1_551_139_199, 1_551_225_600];
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for t in times {
                    let ctx = SigningContext::from_unix(t, "").unwrap();
                    let a = cached.sign(&req, &ctx).unwrap();
                    let b = plain.sign(&req, &ctx).unwrap();
                    assert_eq!(a.signature(), b.signature(), "at {t}");
                }
            });
        }
    });
    let day1 = cached
        .sign(&req, &SigningContext::from_unix(times[0], "").unwrap())
        .unwrap();
    let day2 = cached
        .sign(&req, &SigningContext::from_unix(times[1], "").unwrap())
        .unwrap();
    assert!(day1
        .header("Authorization")
        .unwrap()
        .contains("/2019-02-25/cvm/"));
    assert!(day2
        .header("Authorization")
        .unwrap()
        .contains("/2019-02-26/cvm/"));
}

#[test]
fn tencent_v1_vectors() {
    let mut total = 0;
    for (file, v) in vectors("v1") {
        let i = &v["inputs"];
        let mut c = Checker {
            file: &file,
            checked: 0,
        };
        let params = pairs(&i["params"]);
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        // The common parameters go to the signer's settings and the context; the rest
        // are the request's own.
        let explicit_method = get("SignatureMethod");
        let method = match (s(i, "signature_method"), explicit_method.is_some()) {
            ("HmacSHA256", _) => v1::SignatureMethod::HmacSha256,
            ("HmacSHA1", true) => v1::SignatureMethod::HmacSha1,
            ("HmacSHA1", false) => v1::SignatureMethod::HmacSha1Implicit,
            (m, _) => panic!("{}: signature method {m}", file.display()),
        };
        let mut b =
            V1Signer::builder(Credentials::new(s(i, "secret_id"), s(i, "secret_key")).unwrap())
                .action(get("Action").unwrap())
                .signature_method(method);
        if let Some(version) = get("Version") {
            b = b.version(version);
        }
        let region = get("Region").filter(|r| !r.is_empty());
        if let Some(r) = &region {
            b = b.region(r.clone());
        }
        let signer = b.build().unwrap();
        let common = [
            "Action",
            "Nonce",
            "Timestamp",
            "SecretId",
            "SignatureMethod",
            "Version",
        ];
        let own: Vec<(String, String)> = params
            .iter()
            .filter(|(n, val)| {
                // A non-empty Region goes to the builder; an empty one stays a parameter.
                !common.contains(&n.as_str()) && (n != "Region" || val.is_empty())
            })
            .cloned()
            .collect();
        let mut req = CanonicalRequest::builder()
            .method(s(i, "method"))
            .host(s(i, "host"))
            .path(s(i, "path"));
        if s(i, "method") == "POST" {
            let mut body = String::new();
            for (k, val) in &own {
                if !body.is_empty() {
                    body.push('&');
                }
                cloudsign::encoding::form_encode_into(&mut body, k);
                body.push('=');
                cloudsign::encoding::form_encode_into(&mut body, val);
            }
            req = req
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body);
        } else {
            req = req.queries(own);
        }
        let ctx = SigningContext::from_unix(
            get("Timestamp").unwrap().parse().unwrap(),
            get("Nonce").unwrap(),
        )
        .unwrap();
        let out = checked(&signer, &req.build().unwrap(), &ctx);
        let sts = out.string_to_sign().unwrap();
        for stages in [&v["intermediate"], &v["derived"]] {
            c.eq("string_to_sign", sts, stages.get("string_to_sign"));
            c.eq(
                "request_string",
                sts.split_once('?').unwrap().1,
                stages.get("request_string"),
            );
        }
        c.eq("signature", out.signature(), v["expected"].get("signature"));
        let sent = out.body().unwrap_or(out.query_string());
        let sent_sig = sent.rsplit_once("&Signature=").unwrap().1;
        c.eq(
            "signature_urlencoded",
            sent_sig,
            v["expected"].get("signature_urlencoded"),
        );
        // The primitive agrees with the signer.
        let secret = SecretKey::new(s(i, "secret_key"));
        assert_eq!(v1::signature(&secret, sts, method), out.signature());
        assert!(c.checked >= 2, "{}: too few stages checked", file.display());
        total += c.checked;
    }
    assert!(total >= 20, "only {total} V1 stages checked");
}

#[test]
fn roa_vectors() {
    let mut total = 0;
    for (file, v) in vectors("roa") {
        let i = &v["inputs"];
        let mut c = Checker {
            file: &file,
            checked: 0,
        };
        let secret = SecretKey::new(s(i, "access_key_secret"));
        let sts = if let Some(sts) = i["string_to_sign"].as_str() {
            sts.to_owned()
        } else {
            // An SDK unit test: the headers are given complete (no host, a mocked clock),
            // so it goes through the string-to-sign primitive.
            let headers = pairs(&i["headers"]);
            let get = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map_or("", |(_, v)| v.as_str())
            };
            let x_acs: Vec<(&str, &str)> = headers
                .iter()
                .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-acs-"))
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let query = pairs(&i["query"]);
            let query: Vec<(&str, &str)> = query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let sts = roa::string_to_sign(
                s(i, "method"),
                get("Accept"),
                get("Content-MD5"),
                get("Content-Type"),
                get("Date"),
                &x_acs,
                s(i, "path"),
                &query,
            );
            c.eq("string_to_sign", &sts, v["derived"].get("string_to_sign"));
            sts
        };
        let sig = roa::signature(&secret, &sts);
        c.eq("signature", &sig, v["expected"].get("signature"));
        if let Some(ak) = i["access_key_id"].as_str() {
            c.eq(
                "authorization",
                &format!("acs {ak}:{sig}"),
                v["expected"].get("authorization"),
            );
        }
        assert!(c.checked >= 1, "{}: nothing checked", file.display());
        total += c.checked;
    }
    assert!(total >= 5, "only {total} ROA stages checked");
}

#[test]
fn huawei_sdk_hmac_sha256_vectors() {
    let mut total = 0;
    for (file, v) in vectors("sdk_hmac") {
        let i = &v["inputs"];
        let mut c = Checker {
            file: &file,
            checked: 0,
        };
        // Two vectors check only the canonical form and publish no keys.
        let creds = Credentials::new(
            i["ak"].as_str().unwrap_or("unpublished"),
            i["sk"].as_str().unwrap_or("unpublished"),
        )
        .unwrap();
        let signer = SdkHmacSha256Signer::builder(creds).build().unwrap();
        let headers: Vec<(String, String)> = pairs(&i["headers"])
            .into_iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("X-Sdk-Date"))
            .collect();
        let format =
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
        let time = time::PrimitiveDateTime::parse(s(i, "x_sdk_date"), &format)
            .unwrap()
            .assume_utc();
        let req = CanonicalRequest::builder()
            .method(s(i, "method"))
            .host(s(i, "host"))
            .path(s(i, "path"))
            .queries(pairs(&i["query"]))
            .headers(headers)
            .body(s(i, "body"))
            .build()
            .unwrap();
        let out = checked(&signer, &req, &SigningContext::new(time, ""));
        let cr = out.canonical_request().unwrap();
        let sts = out.string_to_sign().unwrap();
        assert_eq!(out.header("X-Sdk-Date"), Some(s(i, "x_sdk_date")));
        for stages in [&v["intermediate"], &v["derived"], &v["expected"]] {
            c.eq(
                "canonical_uri",
                cr.split('\n').nth(1).unwrap(),
                stages.get("canonical_uri"),
            );
            c.eq(
                "canonical_query_string",
                out.query_string(),
                stages.get("canonical_query_string"),
            );
            c.eq("canonical_request", cr, stages.get("canonical_request"));
            c.eq(
                "hashed_canonical_request",
                last_line(sts),
                stages.get("hashed_canonical_request"),
            );
            c.eq("string_to_sign", sts, stages.get("string_to_sign"));
        }
        c.eq("signature", out.signature(), v["expected"].get("signature"));
        c.eq(
            "authorization",
            out.header("Authorization").unwrap(),
            v["expected"].get("authorization"),
        );
        // The primitives agree with the signer.
        let query = pairs(&i["query"]);
        let query: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(sdk_hmac_sha256::canonical_query(&query), out.query_string());
        assert_eq!(sdk_hmac_sha256::string_to_sign(s(i, "x_sdk_date"), cr), sts);
        assert!(c.checked >= 2, "{}: too few stages checked", file.display());
        total += c.checked;
    }
    assert!(total >= 15, "only {total} SDK-HMAC-SHA256 stages checked");
}
