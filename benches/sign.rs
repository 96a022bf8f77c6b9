//! Signing throughput against the cryptographic floor, measured in the same run.
//!
//! For each scheme, `cloudsign` is the crate's full `Signer::sign` from a built
//! `CanonicalRequest` to a `SigningOutput`, and `floor` is only the hashing, MACs and
//! hex/Base64 the scheme inherently needs for the same request, written here with the same
//! hash crates and given every other byte for free (an empty body's hash is a constant in
//! both). Each floor is checked once to produce
//! the same signature as cloudsign. `vs-aws-sigv4` puts a SigV4 signature of the same
//! request next to cloudsign's TC3.
//!
//! ```sh
//! cargo bench --bench sign
//! ```
//! Results: `target/criterion/<group>/<function>/<param>/new/estimates.json`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use cloudsign::alibaba::{Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{Tc3Signer, V1Signer};
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

const SIZES: [usize; 4] = [0, 1024, 65536, 1_048_576];
const TS: i64 = 1_700_000_000;
const AK: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const SK: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const NONCE: &str = "3156853299f313e23d1673dc12e1703d";

fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

fn hmac256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().into()
}

fn hex32(d: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    hex::encode_to_slice(d, &mut out).unwrap();
    out
}

/// The body's SHA-256 in hex, as a floor needs it: an empty body's hash is a constant, not
/// hashed (cloudsign takes the constant too).
fn payload_hex(body: &[u8]) -> [u8; 64] {
    if body.is_empty() {
        *b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    } else {
        hex32(&Sha256::digest(body))
    }
}

fn ctx() -> SigningContext {
    SigningContext::from_unix(TS, NONCE).unwrap()
}

/// The canonical request cloudsign produced, split around the payload hash, so that the
/// floor hashes exactly the same bytes without doing any canonicalization itself.
fn split_at_hash<'a>(canonical: &'a str, hash: &str) -> Vec<&'a str> {
    canonical.split(hash).collect()
}

fn tc3_request(n: usize) -> CanonicalRequest {
    CanonicalRequest::builder()
        .method("POST")
        .host("cvm.tencentcloudapi.com")
        .header("Content-Type", "application/json")
        .body(body(n))
        .build()
        .unwrap()
}

fn tc3_signer(cache: bool) -> Tc3Signer {
    Tc3Signer::builder(Credentials::new(AK, SK).unwrap(), "cvm")
        .action("DescribeInstances")
        .version("2017-03-12")
        .region("ap-guangzhou")
        .cache_signing_key(cache)
        .build()
        .unwrap()
}

fn bench_tc3(c: &mut Criterion) {
    let mut g = c.benchmark_group("tc3");
    let uncached = tc3_signer(false);
    let cached = tc3_signer(true);
    let ctx = ctx();
    for n in SIZES {
        let req = tc3_request(n);
        let out = uncached.sign(&req, &ctx).unwrap();
        let hash = hex::encode(Sha256::digest(req.body().unwrap()));
        let parts = split_at_hash(out.canonical_request().unwrap(), &hash);
        let sts = out.string_to_sign().unwrap();
        let sts_prefix = &sts[..sts.len() - 64];
        let date = "2023-11-14";
        let body = req.body().unwrap().to_vec();
        let floor = |key: Option<&[u8; 32]>| {
            let payload = payload_hex(&body);
            let mut h = Sha256::new();
            h.update(parts[0].as_bytes());
            h.update(payload);
            let creq = hex32(&h.finalize());
            let derived;
            let k = match key {
                Some(k) => k,
                None => {
                    let mut k0 = Vec::with_capacity(3 + SK.len());
                    k0.extend_from_slice(b"TC3");
                    k0.extend_from_slice(SK.as_bytes());
                    let kd = hmac256(&k0, date.as_bytes());
                    let ks = hmac256(&kd, b"cvm");
                    derived = hmac256(&ks, b"tc3_request");
                    &derived
                }
            };
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(k).unwrap();
            m.update(sts_prefix.as_bytes());
            m.update(&creq);
            hex32(&m.finalize().into_bytes())
        };
        let key = cloudsign::tencent::tc3::signing_key(&cloudsign::SecretKey::new(SK), date, "cvm");
        assert_eq!(
            &floor(None)[..],
            out.signature().as_bytes(),
            "tc3 floor at {n}"
        );
        assert_eq!(&floor(Some(&key))[..], out.signature().as_bytes());
        assert_eq!(
            cached.sign(&req, &ctx).unwrap().signature(),
            out.signature()
        );
        g.throughput(Throughput::Bytes(n as u64));
        g.bench_with_input(BenchmarkId::new("cloudsign", n), &req, |b, req| {
            b.iter(|| uncached.sign(black_box(req), black_box(&ctx)).unwrap())
        });
        g.bench_function(BenchmarkId::new("floor", n), |b| {
            b.iter(|| floor(black_box(None)))
        });
        if n == 0 {
            g.bench_with_input(BenchmarkId::new("cloudsign-cached", n), &req, |b, req| {
                b.iter(|| cached.sign(black_box(req), black_box(&ctx)).unwrap())
            });
            g.bench_function(BenchmarkId::new("floor-cached", n), |b| {
                b.iter(|| floor(black_box(Some(&key))))
            });
        }
    }
    g.finish();
}

const ACS3_KEY: (&str, &str) = ("YourAccessKeyId", "YourAccessKeySecret");

fn acs3_signer() -> Acs3Signer {
    Acs3Signer::builder(Credentials::new(ACS3_KEY.0, ACS3_KEY.1).unwrap())
        .action("RunInstances")
        .version("2014-05-26")
        .build()
        .unwrap()
}

fn acs3_request(n: usize) -> CanonicalRequest {
    CanonicalRequest::builder()
        .method("POST")
        .host("ecs.cn-shanghai.aliyuncs.com")
        .query(
            "ImageId",
            "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        )
        .query("RegionId", "cn-shanghai")
        .header("Content-Type", "application/json")
        .body(body(n))
        .build()
        .unwrap()
}

fn bench_acs3(c: &mut Criterion) {
    let mut g = c.benchmark_group("acs3");
    let signer = acs3_signer();
    let ctx = ctx();
    for n in SIZES {
        let req = acs3_request(n);
        let out = signer.sign(&req, &ctx).unwrap();
        let hash = hex::encode(Sha256::digest(req.body().unwrap()));
        let parts = split_at_hash(out.canonical_request().unwrap(), &hash);
        assert_eq!(
            parts.len(),
            3,
            "the hash is in x-acs-content-sha256 and on the last line"
        );
        let body = req.body().unwrap().to_vec();
        let floor = || {
            let payload = payload_hex(&body);
            let mut h = Sha256::new();
            h.update(parts[0].as_bytes());
            h.update(payload);
            h.update(parts[1].as_bytes());
            h.update(payload);
            let creq = hex32(&h.finalize());
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(b"YourAccessKeySecret").unwrap();
            m.update(b"ACS3-HMAC-SHA256\n");
            m.update(&creq);
            hex32(&m.finalize().into_bytes())
        };
        assert_eq!(
            &floor()[..],
            out.signature().as_bytes(),
            "acs3 floor at {n}"
        );
        g.throughput(Throughput::Bytes(n as u64));
        g.bench_with_input(BenchmarkId::new("cloudsign", n), &req, |b, req| {
            b.iter(|| signer.sign(black_box(req), black_box(&ctx)).unwrap())
        });
        g.bench_function(BenchmarkId::new("floor", n), |b| b.iter(floor));
    }
    g.finish();
}

/// The key of the RPC and ROA groups.
const TEST_KEY: (&str, &str) = ("testid", "testsecret");

fn rpc_signer() -> RpcSigner {
    RpcSigner::builder(Credentials::new(TEST_KEY.0, TEST_KEY.1).unwrap())
        .action("DescribeInstances")
        .version("2014-05-26")
        .build()
        .unwrap()
}

fn rpc_request() -> CanonicalRequest {
    CanonicalRequest::builder()
        .host("ecs.aliyuncs.com")
        .query("RegionId", "cn-hangzhou")
        .query(
            "InstanceIds",
            r#"["i-bp67acfmxazb4p****","i-bp67acfmxazb4p****"]"#,
        )
        .query("PageSize", "50")
        .query("Tag.1.Key", "environment name")
        .build()
        .unwrap()
}

fn bench_rpc(c: &mut Criterion) {
    let mut g = c.benchmark_group("rpc");
    // 12 parameters: 4 of the API's and the 8 common ones the signer adds.
    let signer = rpc_signer();
    let req = rpc_request();
    let ctx = ctx();
    let out = signer.sign(&req, &ctx).unwrap();
    assert_eq!(
        out.query_params().len() + req.query().len(),
        13,
        "12 parameters + Signature"
    );
    let sts = out.string_to_sign().unwrap().to_owned();
    let floor = || hmac_sha1_base64(b"testsecret&", sts.as_bytes());
    assert_eq!(&floor()[..], out.signature().as_bytes());
    eprintln!("rpc: string to sign is {} bytes", sts.len());
    g.bench_with_input(BenchmarkId::new("cloudsign", 0), &req, |b, req| {
        b.iter(|| signer.sign(black_box(req), black_box(&ctx)).unwrap())
    });
    g.bench_function(BenchmarkId::new("floor", 0), |b| b.iter(floor));
    g.finish();
}

const WSSE_KEY: (&str, &str) = ("ARBRz4bAXoFgEH7o4Ew308eXc1RA", "app-secret");

fn wsse_signer() -> WsseSigner {
    WsseSigner::new(Credentials::new(WSSE_KEY.0, WSSE_KEY.1).unwrap())
}

fn wsse_request() -> CanonicalRequest {
    CanonicalRequest::builder()
        .method("POST")
        .host("smsapi.cn-north-4.myhuaweicloud.com")
        .path("/sms/batchSendSms/v1")
        .build()
        .unwrap()
}

fn bench_wsse(c: &mut Criterion) {
    let mut g = c.benchmark_group("wsse");
    let signer = wsse_signer();
    let req = wsse_request();
    let ctx = ctx();
    let out = signer.sign(&req, &ctx).unwrap();
    let created = "2023-11-14T22:13:20Z";
    let floor = || {
        let mut h = Sha256::new();
        h.update(NONCE.as_bytes());
        h.update(created.as_bytes());
        h.update(b"app-secret");
        let hexd = hex32(&h.finalize());
        let mut b = [0u8; 88];
        base64::engine::general_purpose::STANDARD
            .encode_slice(hexd, &mut b)
            .unwrap();
        b
    };
    assert_eq!(&floor()[..], out.signature().as_bytes());
    g.bench_with_input(BenchmarkId::new("cloudsign", 0), &req, |b, req| {
        b.iter(|| signer.sign(black_box(req), black_box(&ctx)).unwrap())
    });
    g.bench_function(BenchmarkId::new("floor", 0), |b| b.iter(floor));
    g.finish();
}

/// HMAC-SHA1 then Base64 of a string to sign: the floor of ROA (and RPC).
fn hmac_sha1_base64(key: &[u8], sts: &[u8]) -> [u8; 28] {
    let mut m = <Hmac<Sha1> as Mac>::new_from_slice(key).unwrap();
    m.update(sts);
    let mut b = [0u8; 28];
    base64::engine::general_purpose::STANDARD
        .encode_slice(m.finalize().into_bytes(), &mut b)
        .unwrap();
    b
}

fn roa_signer() -> RoaSigner {
    RoaSigner::builder(Credentials::new(TEST_KEY.0, TEST_KEY.1).unwrap())
        .action("DescribeClustersV1")
        .version("2015-12-15")
        .build()
        .unwrap()
}

/// A Container Service call: a path, two query parameters, JSON accepted.
fn roa_request() -> CanonicalRequest {
    CanonicalRequest::builder()
        .host("cs.cn-hangzhou.aliyuncs.com")
        .path("/api/v1/clusters")
        .query("name", "my-cluster")
        .query("page_size", "10")
        .build()
        .unwrap()
}

fn bench_roa(c: &mut Criterion) {
    let mut g = c.benchmark_group("roa");
    let signer = roa_signer();
    let req = roa_request();
    let ctx = ctx();
    let out = signer.sign(&req, &ctx).unwrap();
    let sts = out.string_to_sign().unwrap().to_owned();
    let floor = || hmac_sha1_base64(b"testsecret", sts.as_bytes());
    assert_eq!(&floor()[..], out.signature().as_bytes());
    eprintln!("roa: string to sign is {} bytes", sts.len());
    g.bench_with_input(BenchmarkId::new("cloudsign", 0), &req, |b, req| {
        b.iter(|| signer.sign(black_box(req), black_box(&ctx)).unwrap())
    });
    g.bench_function(BenchmarkId::new("floor", 0), |b| b.iter(floor));
    g.finish();
}

fn v1_signer() -> V1Signer {
    V1Signer::builder(Credentials::new(AK, SK).unwrap())
        .action("DescribeInstances")
        .version("2017-03-12")
        .region("ap-guangzhou")
        .build()
        .unwrap()
}

/// A CVM call with signature V1 (HmacSHA256), every parameter in the GET query.
fn v1_request() -> CanonicalRequest {
    CanonicalRequest::builder()
        .host("cvm.tencentcloudapi.com")
        .query("Limit", "20")
        .query("Offset", "0")
        .query("InstanceIds.0", "ins-09dx96dg")
        .build()
        .unwrap()
}

fn bench_v1(c: &mut Criterion) {
    let mut g = c.benchmark_group("v1");
    let signer = v1_signer();
    let req = v1_request();
    let ctx = ctx();
    let out = signer.sign(&req, &ctx).unwrap();
    let sts = out.string_to_sign().unwrap().to_owned();
    let floor = || {
        let mut b = [0u8; 44];
        base64::engine::general_purpose::STANDARD
            .encode_slice(hmac256(SK.as_bytes(), sts.as_bytes()), &mut b)
            .unwrap();
        b
    };
    assert_eq!(&floor()[..], out.signature().as_bytes());
    eprintln!("v1: string to sign is {} bytes", sts.len());
    g.bench_with_input(BenchmarkId::new("cloudsign", 0), &req, |b, req| {
        b.iter(|| signer.sign(black_box(req), black_box(&ctx)).unwrap())
    });
    g.bench_function(BenchmarkId::new("floor", 0), |b| b.iter(floor));
    g.finish();
}

fn huawei_signer() -> SdkHmacSha256Signer {
    SdkHmacSha256Signer::builder(Credentials::new(AK, SK).unwrap())
        .project_id("77b6a44cba5143ab91d13ab9a8ff44fd")
        .build()
        .unwrap()
}

/// A VPC list call with a project id, as the SDK's `BasicCredentials` send it.
fn huawei_request() -> CanonicalRequest {
    CanonicalRequest::builder()
        .host("vpc.cn-north-4.myhuaweicloud.com")
        .path("/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs")
        .query("limit", "10")
        .header("Content-Type", "application/json")
        .build()
        .unwrap()
}

fn bench_huawei(c: &mut Criterion) {
    let mut g = c.benchmark_group("huawei");
    let signer = huawei_signer();
    let req = huawei_request();
    let ctx = ctx();
    let out = signer.sign(&req, &ctx).unwrap();
    let canonical = out.canonical_request().unwrap().to_owned();
    let date = out.header("X-Sdk-Date").unwrap().to_owned();
    let floor = || {
        let creq = hex32(&Sha256::digest(canonical.as_bytes()));
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(SK.as_bytes()).unwrap();
        m.update(b"SDK-HMAC-SHA256\n");
        m.update(date.as_bytes());
        m.update(b"\n");
        m.update(&creq);
        hex32(&m.finalize().into_bytes())
    };
    assert_eq!(&floor()[..], out.signature().as_bytes());
    eprintln!("huawei: canonical request is {} bytes", canonical.len());
    g.bench_with_input(BenchmarkId::new("cloudsign", 0), &req, |b, req| {
        b.iter(|| signer.sign(black_box(req), black_box(&ctx)).unwrap())
    });
    g.bench_function(BenchmarkId::new("floor", 0), |b| b.iter(floor));
    g.finish();
}

fn bench_vs_aws_sigv4(c: &mut Criterion) {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    use aws_sigv4::sign::v4;
    use aws_smithy_runtime_api::client::identity::Identity;

    let mut g = c.benchmark_group("vs-aws-sigv4");
    let identity: Identity =
        aws_credential_types::Credentials::new(AK, SK, None, None, "bench").into();
    let time = UNIX_EPOCH + Duration::from_secs(TS as u64);
    let params: aws_sigv4::http_request::SigningParams<'_> = v4::SigningParams::builder()
        .identity(&identity)
        .region("ap-guangzhou")
        .name("cvm")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signer = tc3_signer(false);
    let ctx = ctx();
    for n in SIZES {
        let req = tc3_request(n);
        let body = req.body().unwrap().to_vec();
        let headers = [
            ("content-type", "application/json"),
            ("host", "cvm.tencentcloudapi.com"),
        ];
        let aws = || {
            let r = SignableRequest::new(
                "POST",
                "https://cvm.tencentcloudapi.com/",
                headers.iter().copied(),
                SignableBody::Bytes(&body),
            )
            .unwrap();
            sign(r, &params).unwrap()
        };
        assert_eq!(aws().signature().len(), 64);
        g.throughput(Throughput::Bytes(n as u64));
        g.bench_function(BenchmarkId::new("aws-sigv4", n), |b| b.iter(aws));
        g.bench_with_input(BenchmarkId::new("cloudsign", n), &req, |b, req| {
            b.iter(|| signer.sign(black_box(req), black_box(&ctx)).unwrap())
        });
    }
    g.finish();
}

/// The in-memory replay cache at 1,000,000 unexpired nonces (issue 22: at most 200 ns).
/// Time moves 1 us per insert and the prefilled nonces expire 1 us apart, so each insert
/// of a fresh nonce also outlives about one expired one, and the cache keeps holding about
/// a million unexpired nonces however long criterion runs (the steady state of a busy
/// verifier). The nonce (16 hex digits) and the two times are made in the loop: their
/// cost alone is `replay/nonce-and-times/1M`.
fn bench_replay(c: &mut Criterion) {
    use cloudsign::replay::{MemoryReplayCache, ReplayCache};
    use time::{Duration as TimeDuration, OffsetDateTime};

    const HELD: i64 = 1_000_000;
    let base = OffsetDateTime::from_unix_timestamp(TS).unwrap();
    let us = TimeDuration::microseconds;
    let window = us(HELD);
    let cache = MemoryReplayCache::with_capacity(2 * HELD as usize);
    for i in 0..HELD {
        cache
            .check_and_insert(AK, &format!("prefill-{i}"), base + us(i + 1), base)
            .unwrap();
    }
    /// `k` as 16 lower-case hex digits.
    fn hex16(k: u64, out: &mut [u8; 16]) -> &str {
        for (i, d) in out.iter_mut().enumerate() {
            *d = b"0123456789abcdef"[(k >> (60 - 4 * i)) as usize & 15];
        }
        std::str::from_utf8(out).unwrap()
    }
    let mut g = c.benchmark_group("replay");
    let mut k: i64 = 0;
    let mut nonce = [0u8; 16];
    g.bench_function(BenchmarkId::new("memory-insert", "1M"), |b| {
        b.iter(|| {
            k += 1;
            let now = base + us(k);
            let nonce = hex16(k as u64, &mut nonce);
            let answer = cache.check_and_insert(AK, black_box(nonce), now + window, now);
            debug_assert!(answer.as_ref().is_ok_and(|f| f.is_fresh()));
            answer
        })
    });
    assert!(
        cache.len() >= HELD as usize - 2,
        "the cache drained: {}",
        cache.len()
    );
    let mut j: i64 = 0;
    g.bench_function(BenchmarkId::new("nonce-and-times", "1M"), |b| {
        b.iter(|| {
            j += 1;
            let now = base + us(j);
            let nonce = hex16(j as u64, &mut nonce);
            (black_box(nonce).len(), now + window, now)
        })
    });
    g.finish();
}

/// Verification beside signing the same request (issue 22: at most 1.3x signing), one
/// entry per scheme in [`verify_schemes`]. For each of its cases (named as the signing
/// group's parameter, so that `report.py` finds the floor `<scheme>/floor/<case>`):
/// - `verify/<scheme>/<case>`: the verifier's `verify` on the request as received (its
///   headers, the signer's, the query string and body sent);
/// - `verify/<scheme>-sign/<case>`: the signer producing that request, measured next to it;
/// - `verify/<scheme>-replay/<case>`: `verify` wrapped `with_replay` around a
///   `MemoryReplayCache`, each request signed afresh (one second later, with a new nonce,
///   untimed) so that each check inserts.
struct VerifyScheme {
    name: &'static str,
    signer: Box<dyn Signer>,
    verifier: std::sync::Arc<dyn cloudsign::verify::Verifier>,
    /// `(case, request)`.
    cases: Vec<(String, CanonicalRequest)>,
}

/// The schemes verified: one entry each, with its signing group's request and key
/// (`report.py` reads `<name>` against the floor `<name>/floor/<case>`, and lists a name
/// ending in `-uncached` or with its own floor in its `FLOORS`).
fn verify_schemes() -> Vec<VerifyScheme> {
    use cloudsign::verify::{
        Acs3Verifier, HuaweiVerifier, MemoryKeyStore, RoaVerifier, RpcVerifier, Tc3Verifier,
        V1Verifier, WsseVerifier,
    };
    use std::sync::Arc;
    let keys = |(id, secret)| MemoryKeyStore::new().with(Credentials::new(id, secret).unwrap());
    let tc3_cases = || [0, 1024].map(|n| (n.to_string(), tc3_request(n))).into();
    let one = |req| vec![("0".to_owned(), req)];
    vec![
        // Both keep the derived signing key (the default).
        VerifyScheme {
            name: "tc3",
            signer: Box::new(tc3_signer(true)),
            verifier: Arc::new(Tc3Verifier::new(keys((AK, SK)))),
            cases: tc3_cases(),
        },
        // Both derive it for every request: the same cryptographic work as `tc3/floor`.
        VerifyScheme {
            name: "tc3-uncached",
            signer: Box::new(tc3_signer(false)),
            verifier: Arc::new(Tc3Verifier::new(keys((AK, SK))).cache_signing_keys(false)),
            cases: tc3_cases(),
        },
        VerifyScheme {
            name: "acs3",
            signer: Box::new(acs3_signer()),
            verifier: Arc::new(Acs3Verifier::new(keys(ACS3_KEY))),
            cases: [0, 1024].map(|n| (n.to_string(), acs3_request(n))).into(),
        },
        VerifyScheme {
            name: "rpc",
            signer: Box::new(rpc_signer()),
            verifier: Arc::new(RpcVerifier::new(keys(TEST_KEY))),
            cases: one(rpc_request()),
        },
        VerifyScheme {
            name: "roa",
            signer: Box::new(roa_signer()),
            verifier: Arc::new(RoaVerifier::new(keys(TEST_KEY))),
            cases: one(roa_request()),
        },
        VerifyScheme {
            name: "v1",
            signer: Box::new(v1_signer()),
            verifier: Arc::new(V1Verifier::new(keys((AK, SK)))),
            cases: one(v1_request()),
        },
        VerifyScheme {
            name: "huawei",
            signer: Box::new(huawei_signer()),
            verifier: Arc::new(HuaweiVerifier::new(keys((AK, SK)))),
            cases: one(huawei_request()),
        },
        VerifyScheme {
            name: "wsse",
            signer: Box::new(wsse_signer()),
            verifier: Arc::new(WsseVerifier::new(keys(WSSE_KEY))),
            cases: one(wsse_request()),
        },
    ]
}

/// The request as a server receives it when `out` is sent.
fn received(req: &CanonicalRequest, out: &cloudsign::SigningOutput) -> cloudsign::verify::Received {
    let query = out.query_string();
    let target = match query.is_empty() {
        true => req.path().to_owned(),
        false => format!("{}?{query}", req.path()),
    };
    let body = match out.body() {
        Some(form) => form.as_bytes().to_vec(),
        None => req.body().map(<[u8]>::to_vec).unwrap_or_default(),
    };
    let mut got = cloudsign::verify::Received::new(req.method(), req.host(), &target).body(body);
    for (name, value) in req.headers().iter().map(|(n, v)| (n.as_str(), v.as_str())) {
        got = got.header(name, value);
    }
    for (name, value) in out.headers() {
        got = got.header(name, value);
    }
    got
}

fn bench_verify(c: &mut Criterion) {
    use cloudsign::replay::MemoryReplayCache;
    use cloudsign::verify::Verifier as _;
    let mut g = c.benchmark_group("verify");
    let at = |secs| time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
    for scheme in verify_schemes() {
        let name = scheme.name;
        for (case, req) in &scheme.cases {
            let ctx = ctx();
            let got = received(req, &scheme.signer.sign(req, &ctx).unwrap());
            let verified = scheme.verifier.verify(&got, at(TS + 1));
            assert!(verified.is_ok(), "{name}/{case}: {verified:?}");
            g.bench_function(BenchmarkId::new(name, case), |b| {
                b.iter(|| {
                    scheme
                        .verifier
                        .verify(black_box(&got), black_box(at(TS + 1)))
                })
            });
            g.bench_function(BenchmarkId::new(format!("{name}-sign"), case), |b| {
                b.iter(|| scheme.signer.sign(black_box(req), black_box(&ctx)).unwrap())
            });
            let guarded = scheme
                .verifier
                .clone()
                .with_replay(MemoryReplayCache::with_capacity(1 << 20));
            let mut t = TS;
            let mut fresh = || {
                t += 1;
                // A nonce of digits (V1 takes only those), new with each request.
                let ctx = SigningContext::from_unix(t, t.to_string()).unwrap();
                (
                    received(req, &scheme.signer.sign(req, &ctx).unwrap()),
                    at(t),
                )
            };
            let (first, now) = fresh();
            assert!(guarded.verify(&first, now).is_ok());
            assert!(
                guarded.verify(&first, now).is_err(),
                "{name}/{case}: not replayed"
            );
            g.bench_function(BenchmarkId::new(format!("{name}-replay"), case), |b| {
                b.iter_batched_ref(
                    &mut fresh,
                    |(got, now)| guarded.verify(got, *now).unwrap(),
                    criterion::BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

/// 10 s of measurement per function instead of criterion's 5: on a shared VM a
/// neighbour's burst of a few seconds moves a 5 s median, and a ratio is two medians
/// taken one after the other (BENCHMARKS.md, "Noise"). `benches/report.py` lists the
/// measurements that still drifted within themselves.
fn config() -> Criterion {
    Criterion::default().measurement_time(Duration::from_secs(10))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_tc3, bench_acs3, bench_rpc, bench_roa, bench_v1, bench_huawei, bench_wsse, bench_vs_aws_sigv4, bench_replay, bench_verify
}
criterion_main!(benches);
