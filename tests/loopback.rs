//! End to end on a real HTTP stack, loopback only: requests signed by cloudsign are sent by
//! reqwest to a local hyper server, which verifies every signature from the bytes it
//! received with the library's verifier (`support/gateway.rs`: `Received::from_http_parts`,
//! then `AnyVerifier`, which recognizes the scheme), at its own clock's time. It answers 200
//! `ok <scheme> <access key id>`, or 401 with the cloud's code in `x-loopback-code`.
//!
//! This catches what in-memory tests cannot: header folding and case, query re-encoding by
//! the client's URL type, the `Host` header with a port, `Content-Length`, headers the
//! client adds after signing (`accept`, `content-length`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use std::net::SocketAddr;

use cloudsign::alibaba::{acs3, Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::reqwest::ReqwestSignerExt as _;
use cloudsign::tencent::{v1, Tc3Signer, V1Signer};
use cloudsign::verify::{Verified, VerifyError};
use cloudsign::{Signer, SigningContext};
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};

#[path = "support/gateway.rs"]
mod gateway;
use gateway::{creds, verify, Refusal};

/// What the server received: the headers and URI of every request, and its verdict.
#[derive(Default)]
struct Log {
    seen: std::sync::Mutex<Vec<Seen>>,
}

#[derive(Clone)]
struct Seen {
    headers: hyper::HeaderMap,
    verdict: Result<Verified, Refusal>,
}

impl Log {
    /// The attempts that carried `x-loopback-id: id`, in order.
    fn attempts(&self, id: &str) -> Vec<Seen> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|s| s.headers.get("x-loopback-id").is_some_and(|v| v == id))
            .cloned()
            .collect()
    }
}

/// The server's clock.
#[allow(clippy::disallowed_methods)] // a server reads its clock; signers do not
fn server_time() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Verifies, and answers 200 "ok <scheme> <id>" or 401 with the reason; a request with
/// `x-loopback-fail-first: yes` is answered 503 the first time its `x-loopback-id` is seen.
async fn handle(
    req: Request<Incoming>,
    log: std::sync::Arc<Log>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes();
    let verdict = verify(&parts, &body, server_time());
    let id = parts.headers.get("x-loopback-id").cloned();
    let first = {
        let mut seen = log.seen.lock().unwrap();
        let first = !seen
            .iter()
            .any(|s| id.is_some() && s.headers.get("x-loopback-id") == id.as_ref());
        seen.push(Seen {
            headers: parts.headers.clone(),
            verdict: verdict.clone(),
        });
        first
    };
    let (status, text) = match &verdict {
        _ if first && parts.headers.contains_key("x-loopback-fail-first") => {
            (StatusCode::SERVICE_UNAVAILABLE, "try again".to_owned())
        }
        Ok(ok) => (
            StatusCode::OK,
            format!("ok {} {}", ok.scheme, ok.access_key_id),
        ),
        Err(e) => (StatusCode::UNAUTHORIZED, e.to_string()),
    };
    let mut resp = Response::new(Full::new(Bytes::from(text)));
    *resp.status_mut() = status;
    if let Some(code) = verdict.err().as_ref().and_then(Refusal::cloud_code) {
        resp.headers_mut()
            .insert("x-loopback-code", code.parse().unwrap());
    }
    Ok(resp)
}

/// The dev-dependency reqwest has TLS for the example; its clients need a crypto provider
/// even for plain HTTP.
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn start_server() -> SocketAddr {
    start_logging_server().await.0
}

async fn start_logging_server() -> (SocketAddr, std::sync::Arc<Log>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log = std::sync::Arc::new(Log::default());
    let server_log = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = server_log.clone();
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let service = hyper::service::service_fn(move |req| handle(req, log.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    (addr, log)
}

// ---------------------------------------------------------------------------------------
// Client side: sign with cloudsign, send with reqwest.
// ---------------------------------------------------------------------------------------

/// Query values that a client could re-encode: space, `+`, `*`, `~`, `/`, `%`, non-ASCII.
const NASTY: [(&str, &str); 4] = [
    ("Name", "a b+c*d~e/f%g"),
    ("Tag.1.Value", "中文 ü"),
    ("Empty", ""),
    ("PageSize", "10"),
];

struct Case {
    /// A label for `gateway::scheme`.
    scheme: &'static str,
    /// Signed with the credentials that carry a security token.
    token: bool,
    signer: std::sync::Arc<dyn Signer>,
    method: reqwest::Method,
    path: &'static str,
    query: &'static [(&'static str, &'static str)],
    headers: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
}

impl Case {
    /// The unsigned request, addressed to the local server.
    fn request(&self, addr: SocketAddr) -> reqwest::Request {
        let mut url = reqwest::Url::parse(&format!("http://{addr}{}", self.path)).unwrap();
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query);
        }
        let mut req = reqwest::Request::new(self.method.clone(), url);
        for (n, v) in self.headers {
            req.headers_mut().insert(*n, v.parse().unwrap());
        }
        if let Some(b) = self.body {
            *req.body_mut() = Some(b.into());
        }
        req
    }
}

fn cases() -> Vec<Case> {
    let acs3 = |token| {
        std::sync::Arc::new(
            Acs3Signer::builder(creds(token))
                .action("DescribeInstances")
                .version("2014-05-26")
                .signed_headers(acs3::SignedHeaders::Required)
                .build()
                .unwrap(),
        ) as std::sync::Arc<dyn Signer>
    };
    let rpc = |token| {
        std::sync::Arc::new(
            RpcSigner::builder(creds(token))
                .action("DescribeInstances")
                .version("2014-05-26")
                .build()
                .unwrap(),
        ) as std::sync::Arc<dyn Signer>
    };
    let tc3 = |token| {
        std::sync::Arc::new(
            Tc3Signer::builder(creds(token), "cvm")
                .action("DescribeInstances")
                .version("2017-03-12")
                .region("ap-guangzhou")
                .build()
                .unwrap(),
        ) as std::sync::Arc<dyn Signer>
    };
    let roa = |token| {
        std::sync::Arc::new(
            RoaSigner::builder(creds(token))
                .action("DescribeClusters")
                .version("2015-12-15")
                .build()
                .unwrap(),
        ) as std::sync::Arc<dyn Signer>
    };
    let v1 = |token, method| {
        std::sync::Arc::new(
            V1Signer::builder(creds(token))
                .action("DescribeInstances")
                .version("2017-03-12")
                .region("ap-guangzhou")
                .signature_method(method)
                .build()
                .unwrap(),
        ) as std::sync::Arc<dyn Signer>
    };
    let huawei = |token| {
        std::sync::Arc::new(
            SdkHmacSha256Signer::builder(creds(token))
                .project_id("0123456789abcdef")
                .build()
                .unwrap(),
        ) as std::sync::Arc<dyn Signer>
    };
    let json = Some(r#"{"Limit": 1, "Name": "中文"}"#);
    let form = Some("RegionId=cn-hangzhou&Remark=a+b%2Ac%7E");
    let v1_form = Some("InstanceIds.0=ins-1&Name=%E4%B8%AD+%2A");
    use reqwest::Method as M;
    vec![
        Case {
            scheme: "acs3",
            token: false,
            signer: acs3(false),
            method: M::GET,
            path: "/",
            query: &NASTY,
            headers: &[("X-Acs-Meta", " spaced  inner ")],
            body: None,
        },
        Case {
            scheme: "acs3",
            token: true,
            signer: acs3(true),
            method: M::POST,
            path: "/api/a%20b/c",
            query: &NASTY,
            headers: &[("Content-Type", "application/json")],
            body: json,
        },
        Case {
            scheme: "rpc",
            token: false,
            signer: rpc(false),
            method: M::GET,
            path: "/",
            query: &NASTY,
            headers: &[],
            body: None,
        },
        Case {
            scheme: "rpc",
            token: true,
            signer: rpc(true),
            method: M::POST,
            path: "/",
            query: &[("PageSize", "10")],
            headers: &[("Content-Type", "application/x-www-form-urlencoded")],
            body: form,
        },
        Case {
            scheme: "tc3",
            token: false,
            signer: tc3(false),
            method: M::GET,
            path: "/",
            query: &NASTY,
            headers: &[],
            body: None,
        },
        Case {
            scheme: "tc3",
            token: true,
            signer: tc3(true),
            method: M::POST,
            path: "/",
            query: &[],
            headers: &[("Content-Type", "application/json; charset=utf-8")],
            body: json,
        },
        Case {
            scheme: "wsse",
            token: false,
            signer: std::sync::Arc::new(WsseSigner::new(creds(false))),
            method: M::POST,
            path: "/sms/batchSendSms/v1",
            query: &[],
            headers: &[("Content-Type", "application/x-www-form-urlencoded")],
            body: form,
        },
        Case {
            scheme: "roa",
            token: false,
            signer: roa(false),
            method: M::GET,
            path: "/clusters/%E4%B8%AD",
            query: &NASTY,
            headers: &[("x-acs-region-id", "cn-hangzhou")],
            body: None,
        },
        Case {
            scheme: "roa",
            token: true,
            signer: roa(true),
            method: M::PUT,
            path: "/clusters/c1",
            query: &[],
            headers: &[("Content-Type", "application/json")],
            body: json,
        },
        Case {
            scheme: "v1",
            token: false,
            signer: v1(false, v1::SignatureMethod::HmacSha256),
            method: M::GET,
            path: "/",
            query: &NASTY,
            headers: &[],
            body: None,
        },
        Case {
            scheme: "v1",
            token: true,
            signer: v1(true, v1::SignatureMethod::HmacSha1),
            method: M::POST,
            path: "/v2/index.php",
            query: &[],
            headers: &[("Content-Type", "application/x-www-form-urlencoded")],
            body: v1_form,
        },
        Case {
            scheme: "huawei",
            token: false,
            signer: huawei(false),
            method: M::GET,
            path: "/v1/p/vpcs",
            query: &NASTY,
            headers: &[("X-Request-Id", " r-1 ")],
            body: None,
        },
        Case {
            scheme: "huawei",
            token: true,
            signer: huawei(true),
            method: M::POST,
            path: "/v1/p/a%2Fb/%E4%B8%AD",
            query: &[("limit", "2")],
            headers: &[("Content-Type", "application/json")],
            body: json,
        },
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn signatures_survive_the_wire() {
    let addr = start_server().await;
    let client = client();
    let ctx = SigningContext::now();
    let mut seen = std::collections::BTreeSet::new();
    for case in cases() {
        let mut req = case.request(addr);
        let what = format!("{} {} {}", case.scheme, case.method, case.path);
        case.signer
            .sign_reqwest(&mut req, &ctx)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let resp = client.execute(req).await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert_eq!(status, 200, "{what}: the server rejected it: {text}");
        // The verifier recognized the scheme it was signed with, and the signer's key.
        let id = if case.token {
            gateway::AK_TOKEN
        } else {
            gateway::AK
        };
        let scheme = gateway::scheme(case.scheme);
        assert_eq!(text, format!("ok {scheme} {id}"), "{what}");
        seen.insert(case.scheme);
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
}

/// The server really checks: a request changed after signing is refused by the verifier
/// of its scheme, as a signature mismatch, with the cloud's code.
#[tokio::test(flavor = "current_thread")]
async fn the_server_rejects_a_tampered_request() {
    let (addr, log) = start_logging_server().await;
    let client = client();
    let ctx = SigningContext::now();
    for case in cases() {
        let what = format!("{} {} {}", case.scheme, case.method, case.path);
        let mut req = case.request(addr);
        req.headers_mut()
            .insert("x-loopback-id", what.parse().unwrap());
        case.signer.sign_reqwest(&mut req, &ctx).unwrap();
        let query = req.url().query().unwrap_or("").to_owned();
        if case.scheme == "wsse" {
            // X-WSSE signs nothing of the request: only its own header can be broken.
            let h = req.headers()["x-wsse"]
                .to_str()
                .unwrap()
                .replace("Nonce=\"", "Nonce=\"0");
            req.headers_mut().insert("x-wsse", h.parse().unwrap());
        } else if query.contains("PageSize=10") {
            let q = query.replacen("PageSize=10", "PageSize=11", 1);
            req.url_mut().set_query(Some(&q));
        } else if case.scheme == "roa" {
            // ROA does not sign the body; its x-acs-* headers are signed.
            req.headers_mut()
                .insert("x-acs-version", "2000-01-01".parse().unwrap());
        } else {
            let body = req.body().and_then(|b| b.as_bytes()).unwrap().to_vec();
            let body = String::from_utf8(body).unwrap();
            let tampered = body.replacen('1', "2", 1);
            assert_ne!(body, tampered);
            *req.body_mut() = Some(tampered.into());
        }
        let resp = client.execute(req).await.unwrap();
        let status = resp.status();
        let code = resp.headers().get("x-loopback-code").cloned();
        let text = resp.text().await.unwrap();
        assert_eq!(
            status, 401,
            "{what}: a tampered request was accepted: {text}"
        );
        let attempts = log.attempts(&what);
        let [attempt] = &attempts[..] else {
            panic!("{what}: {} attempts", attempts.len());
        };
        match &attempt.verdict {
            Err(Refusal::Refused(e @ VerifyError::SignatureMismatch { scheme, .. })) => {
                assert_eq!(*scheme, gateway::scheme(case.scheme), "{what}");
                assert_eq!(code.unwrap(), e.cloud_code(), "{what}");
                println!("{what}: {} {}", e.http_status(), e.cloud_code());
            }
            other => panic!("{what}: not a signature mismatch: {other:?}"),
        }
    }
}

/// One signer per service: each request names its operation and version.
#[tokio::test(flavor = "current_thread")]
async fn a_request_names_its_own_operation() {
    use cloudsign::reqwest::Operation;
    let addr = start_server().await;
    let client = client();
    let op = Operation::new("DescribeZones").version("2020-01-01");
    for case in cases() {
        let what = format!("{} {} {}", case.scheme, case.method, case.path);
        let mut req = case.request(addr);
        let signed = case
            .signer
            .sign_reqwest_as(&mut req, &op, &SigningContext::now());
        if matches!(case.scheme, "huawei" | "wsse") {
            let e = signed.unwrap_err();
            assert!(
                matches!(e, cloudsign::Error::UnsupportedApiSetting { .. }),
                "{what}: {e}"
            );
            continue;
        }
        let out = signed.unwrap_or_else(|e| panic!("{what}: {e}"));
        let named = |text: &str| {
            out.headers().any(|(_, v)| v == text)
                || out.query_params().any(|(_, v)| v == text)
                || out.body().is_some_and(|b| b.contains(&format!("={text}")))
        };
        assert!(
            named("DescribeZones") && named("2020-01-01"),
            "{what}: {out:?}"
        );
        let resp = client.execute(req).await.unwrap();
        let status = resp.status();
        assert_eq!(status, 200, "{what}: {}", resp.text().await.unwrap());
    }
}

// ---------------------------------------------------------------------------------------
// What reqwest adds at `execute()`: the client's default headers.
// ---------------------------------------------------------------------------------------

fn defaults() -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-acs-trace-id", "trace-1".parse().unwrap());
    h.insert("user-agent", "loopback/1".parse().unwrap());
    h
}

fn client_with_defaults() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .default_headers(defaults())
        .build()
        .unwrap()
}

/// A default `x-acs-*` header, added by the client after signing, breaks ACS3 and ROA;
/// merged onto the request before signing, it is signed as sent, for every scheme.
#[tokio::test(flavor = "current_thread")]
async fn default_headers_are_signed_once_merged() {
    let addr = start_server().await;
    let client = client_with_defaults();
    let ctx = SigningContext::now();
    for case in cases() {
        let what = format!("{} {} {}", case.scheme, case.method, case.path);
        if matches!(case.scheme, "acs3" | "roa") {
            let mut req = case.request(addr);
            case.signer.sign_reqwest(&mut req, &ctx).unwrap();
            let resp = client.execute(req).await.unwrap();
            assert_eq!(
                resp.status(),
                401,
                "{what}: an unsigned x-acs-* header passed"
            );
        }
        let mut req = case.request(addr);
        cloudsign::reqwest::merge_default_headers(&mut req, &defaults());
        case.signer.sign_reqwest(&mut req, &ctx).unwrap();
        let resp = client.execute(req).await.unwrap();
        let status = resp.status();
        assert_eq!(status, 200, "{what}: {}", resp.text().await.unwrap());
    }
}

// ---------------------------------------------------------------------------------------
// The blocking client.
// ---------------------------------------------------------------------------------------

#[cfg(feature = "reqwest-blocking")]
fn blocking(req: &reqwest::Request) -> reqwest::blocking::Request {
    let mut b = reqwest::blocking::Request::new(req.method().clone(), req.url().clone());
    *b.headers_mut() = req.headers().clone();
    if let Some(body) = req.body().and_then(|body| body.as_bytes()) {
        *b.body_mut() = Some(body.to_vec().into());
    }
    b
}

#[cfg(feature = "reqwest-blocking")]
#[test]
fn the_blocking_client_signs_every_scheme() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            tx.send(start_server().await).unwrap();
            std::future::pending::<()>().await
        });
    });
    let addr = rx.recv().unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::new();
    let ctx = SigningContext::now();
    let mut seen = std::collections::BTreeSet::new();
    for case in cases() {
        let what = format!("{} {} {}", case.scheme, case.method, case.path);
        let mut req = blocking(&case.request(addr));
        let out = case.signer.sign_reqwest(&mut req, &ctx).unwrap();
        let again = case.signer.sign_reqwest(&mut req, &ctx).unwrap_err();
        assert!(
            matches!(again, cloudsign::Error::AlreadySigned { .. }),
            "{what}: {again}"
        );
        assert!(!out.signature().is_empty());
        let resp = client.execute(req).unwrap();
        let status = resp.status();
        assert_eq!(status, 200, "{what}: {}", resp.text().unwrap());
        seen.insert(case.scheme);
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
}

// ---------------------------------------------------------------------------------------
// reqwest-middleware: every attempt of a retried request is signed afresh.
// ---------------------------------------------------------------------------------------

#[cfg(feature = "reqwest-middleware")]
mod middleware {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    use cloudsign::reqwest::SigningMiddleware;
    use reqwest_retry::{policies::ExponentialBackoff, RetryTransientMiddleware};

    use super::*;

    /// Each call one second after the previous one, with a nonce of its own.
    fn ticking() -> impl Fn() -> SigningContext + Send + Sync + 'static {
        let start = SigningContext::now().unix_timestamp();
        let calls = AtomicI64::new(0);
        move || {
            let n = calls.fetch_add(1, Ordering::Relaxed);
            SigningContext::from_unix(start + n, format!("{:032x}", 0xc0ffee + n)).unwrap()
        }
    }

    fn retrying(signer: SigningMiddleware) -> reqwest_middleware::ClientWithMiddleware {
        let policy = ExponentialBackoff::builder()
            .retry_bounds(Duration::from_millis(1), Duration::from_millis(5))
            .build_with_max_retries(2);
        reqwest_middleware::ClientBuilder::new(client())
            .with(RetryTransientMiddleware::new_with_policy(policy))
            .with(signer)
            .build()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_retry_is_signed_again_with_a_new_time_and_nonce() {
        let (addr, log) = start_logging_server().await;
        for case in cases() {
            let what = format!("{} {} {}", case.scheme, case.method, case.path);
            let id = format!("{}-{}-{}", case.scheme, case.method, case.path);
            let signer = SigningMiddleware::from_arc(case.signer.clone()).context(ticking());
            let client = retrying(signer);
            let mut req = case.request(addr);
            req.headers_mut()
                .insert("x-loopback-id", id.parse().unwrap());
            req.headers_mut()
                .insert("x-loopback-fail-first", "yes".parse().unwrap());
            let resp = client.execute(req).await.unwrap();
            let status = resp.status();
            assert_eq!(status, 200, "{what}: {}", resp.text().await.unwrap());
            let attempts = log.attempts(&id);
            assert_eq!(attempts.len(), 2, "{what}: one failure, one retry");
            let first = attempts[0].verdict.as_ref().unwrap();
            let retry = attempts[1].verdict.as_ref().unwrap();
            assert_eq!(
                retry.signed_at.unix_timestamp(),
                first.signed_at.unix_timestamp() + 1,
                "{what}"
            );
            if first.nonce.is_some() {
                assert_ne!(retry.nonce, first.nonce, "{what}");
            }
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_already_signed_request_is_refused_and_not_sent() {
        let (addr, log) = start_logging_server().await;
        for case in cases() {
            let what = format!("{} {} {}", case.scheme, case.method, case.path);
            let id = format!("signed-{what}");
            let mut req = case.request(addr);
            req.headers_mut()
                .insert("x-loopback-id", id.parse().unwrap());
            case.signer
                .sign_reqwest(&mut req, &SigningContext::now())
                .unwrap();
            // Alone, the middleware's error is cloudsign's.
            let alone = reqwest_middleware::ClientBuilder::new(client())
                .with(SigningMiddleware::from_arc(case.signer.clone()))
                .build();
            let err = alone.execute(req.try_clone().unwrap()).await.unwrap_err();
            let reqwest_middleware::Error::Middleware(inner) = &err else {
                panic!("{what}: {err}");
            };
            let inner = inner
                .downcast_ref::<cloudsign::Error>()
                .unwrap_or_else(|| panic!("{what}: {inner:?}"));
            assert!(
                matches!(inner, cloudsign::Error::AlreadySigned { .. }),
                "{what}: {inner}"
            );
            // Behind reqwest-retry, it is fatal: no attempt is sent, none is retried.
            let client = retrying(SigningMiddleware::from_arc(case.signer.clone()));
            let err = client.execute(req).await.unwrap_err();
            assert!(
                format!("{err:?}").contains("already signed"),
                "{what}: {err:?}"
            );
            assert!(log.attempts(&id).is_empty(), "{what}: it was sent");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_middleware_signs_the_clients_default_headers() {
        let addr = start_server().await;
        for case in cases() {
            let what = format!("{} {} {}", case.scheme, case.method, case.path);
            let signer =
                SigningMiddleware::from_arc(case.signer.clone()).default_headers(defaults());
            let client = reqwest_middleware::ClientBuilder::new(client_with_defaults())
                .with(signer)
                .build();
            let resp = client.execute(case.request(addr)).await.unwrap();
            let status = resp.status();
            assert_eq!(status, 200, "{what}: {}", resp.text().await.unwrap());
        }
    }
    #[tokio::test(flavor = "current_thread")]
    async fn an_operation_extension_names_the_operation() {
        use cloudsign::reqwest::Operation;
        let (addr, log) = start_logging_server().await;
        for case in cases() {
            let what = format!("{} {} {}", case.scheme, case.method, case.path);
            let id = format!("op-{what}");
            let client = reqwest_middleware::ClientBuilder::new(client())
                .with(SigningMiddleware::from_arc(case.signer.clone()))
                .build();
            let mut req = case.request(addr);
            req.headers_mut()
                .insert("x-loopback-id", id.parse().unwrap());
            let mut ext = http::Extensions::new();
            ext.insert(Operation::new("DescribeZones"));
            let resp = client.execute_with_extensions(req, &mut ext).await;
            if matches!(case.scheme, "huawei" | "wsse") {
                let err = resp.unwrap_err();
                assert!(
                    format!("{err:?}").contains("has no action"),
                    "{what}: {err:?}"
                );
                assert!(log.attempts(&id).is_empty(), "{what}: it was sent");
                continue;
            }
            let resp = resp.unwrap();
            let status = resp.status();
            assert_eq!(status, 200, "{what}: {}", resp.text().await.unwrap());
        }
    }
}
