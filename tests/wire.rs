//! The wire property for generated requests of every scheme (see `support/wire.rs`):
//! sign, apply to an `http::Request`, write HTTP/1.1 bytes, parse them back with httparse,
//! recompute at the gateway. The signature must verify, or `sign()` must have refused.
//!
//! `WIRE_CASES` sets the number of cases (default 3000); a failure is shrunk by proptest
//! to a small request and printed with the bytes that were sent.

#![cfg(feature = "http")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

#[path = "support/gateway.rs"]
mod gateway;
#[path = "support/reference.rs"]
mod reference;
#[path = "support/wire.rs"]
mod wire;

use wire::{Outcome, Spec, SCHEMES};

/// Texts that change shape on the way: edge and inner whitespace, tabs, `+`, `%`, reserved
/// and non-ASCII characters, names the signers set themselves.
const NASTY: &[&str] = &[
    "",
    " ",
    "a b",
    " edge ",
    "\tTab\t",
    "inner  two",
    "+",
    "%",
    "%20",
    "%zz",
    "a+b",
    "=",
    "&",
    "#",
    "?",
    "/",
    "~*'()!",
    "中文",
    "ü",
    "é e",
    "\u{1F600}",
    "Signature",
    "Action",
    "x,y",
    "\"q\"",
    "\\",
    "a;b",
    "10",
    "true",
    "UPPER",
    "MiXeD",
];

const HEADER_NAMES: &[&str] = &[
    "X-Acs-Meta",
    "x-acs-meta",
    "x-acs-trace",
    "X-Custom",
    "x-custom",
    "Content-Type",
    "content-type",
    "x-tc-meta",
    "X-Sdk-Meta",
    "Accept",
    "Date",
    "Content-MD5",
    "x-date",
    "User-Agent",
    "x-acs-security-token",
    "X-TC-Token",
    "Authorization",
    "X-WSSE",
    "Host",
    "host",
];

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    " application/json ",
    "application/octet-stream",
    "text/plain;charset=UTF-8",
];

const HOSTS: &[&str] = &[
    "api.example.com",
    "API.Example.com",
    "api.example.com:8443",
    "127.0.0.1",
    "127.0.0.1:80",
    "[::1]:8080",
    "[::1]",
    "a.example:",
    "a.example:0080",
    "a.example.",
    "a_b.example",
    "%41.example",
    "a.example:99999",
    "a.example:x",
    "xn--fiqs8s.example",
    "a!b.example",
];

const METHODS: &[&str] = &[
    "GET", "GET", "GET", "GET", "GET", "POST", "POST", "POST", "POST", "POST", "PUT", "DELETE",
    "HEAD", "PATCH", "get",
];

fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(NASTY).prop_map(str::to_owned),
        1 => "[ -~]{0,12}",
        1 => "[a-z\\t 中ü%+]{0,6}",
    ]
}

fn header() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        8 => (proptest::sample::select(HEADER_NAMES), nasty())
            .prop_map(|(n, v)| (n.to_owned(), v)),
        2 => (
            proptest::sample::select(&["Content-Type", "content-type"][..]),
            proptest::sample::select(CONTENT_TYPES),
        )
            .prop_map(|(n, v)| (n.to_owned(), v.to_owned())),
        1 => (
            proptest::sample::select(&["Host", "host"][..]),
            prop_oneof![
                3 => proptest::sample::select(&["api.example.com", "API.Example.COM"][..]),
                1 => proptest::sample::select(HOSTS),
            ],
        )
            .prop_map(|(n, v)| (n.to_owned(), v.to_owned())),
        1 => ("[A-Za-z][A-Za-z0-9-]{0,10}", nasty()),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        8 => "[a-zA-Z0-9._~-]{0,8}",
        1 => proptest::sample::select(
            &["%2F", "%20", "%E4%B8%AD", "+", "*", ";", "=", "@", ":", ".", "..", "%7E", "a b", "中"][..]
        )
        .prop_map(str::to_owned),
    ];
    proptest::collection::vec(segment, 0..4).prop_map(|s| format!("/{}", s.join("/")))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => Just(Vec::new()),
        2 => proptest::sample::select(
            &["{}", r#"{"Limit": 1, "Name": "中文"}"#, "a=b&c=d", "Name=a+b%2A&RegionId=cn", "x"][..]
        )
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..64),
        1 => (1usize..3).prop_map(|n| vec![b'a'; n * 40_000]),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            0..SCHEMES.len(),
            any::<bool>(),
            proptest::sample::select(METHODS),
            any::<bool>(),
        ),
        (
            prop_oneof![
                4 => Just("api.example.com"),
                1 => proptest::sample::select(HOSTS)
            ],
            path()
        ),
        prop_oneof![
            20 => proptest::collection::vec((nasty(), nasty()), 0..5),
            1 => (64_000usize..66_000).prop_map(|n| vec![("Blob".to_owned(), "a".repeat(n))]),
        ],
        proptest::collection::vec(header(), 0..5),
        body(),
        prop_oneof![
            8 => 1_600_000_000i64..1_900_000_000,
            1 => Just(-62_135_596_800i64),
            1 => Just(253_402_300_799i64),
        ],
        prop_oneof![
            4 => "[0-9a-f]{32}",
            1 => proptest::sample::select(&["", "n o", "中", "a-b_c", "0"][..]).prop_map(str::to_owned),
        ],
    )
        .prop_map(|((scheme, token, method, via_http), (host, path), query, headers, body, time, nonce)| {
            Spec {
                scheme,
                token,
                method: method.to_owned(),
                host: host.to_owned(),
                path,
                query,
                headers,
                body,
                time,
                nonce,
                via_http,
            }
        })
}

fn cases() -> u32 {
    std::env::var("WIRE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn what_is_signed_is_what_the_server_reads() {
    let verified: Vec<AtomicUsize> = SCHEMES.iter().map(|_| AtomicUsize::new(0)).collect();
    let refused: Vec<AtomicUsize> = SCHEMES.iter().map(|_| AtomicUsize::new(0)).collect();
    let why = std::sync::Mutex::new(std::collections::BTreeMap::<(&str, String), usize>::new());
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&spec(), |spec| {
        let i = spec.scheme % SCHEMES.len();
        match wire::run(&spec) {
            Ok(Outcome::Verified) => verified[i].fetch_add(1, Ordering::Relaxed),
            Ok(Outcome::Refused(e)) => {
                let kind = format!("{e:?}");
                let kind = kind.split([' ', '{', '(']).next().unwrap_or("").to_owned();
                *why.lock().unwrap().entry((SCHEMES[i], kind)).or_default() += 1;
                refused[i].fetch_add(1, Ordering::Relaxed)
            }
            Ok(Outcome::NotRepresentable(e)) => {
                *why.lock().unwrap().entry((SCHEMES[i], e)).or_default() += 1;
                refused[i].fetch_add(1, Ordering::Relaxed)
            }
            Err(broken) => return Err(TestCaseError::fail(broken)),
        };
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // `cargo test --test wire -- --nocapture` shows why requests were refused.
    for ((scheme, kind), n) in why.lock().unwrap().iter() {
        println!("{scheme:>6} refused {n:>5}: {kind}");
    }
    // Not vacuous: every scheme verified a share of the generated requests. TC3 and V1
    // refuse most of them by design (methods, bodies, a POST's query), verifying 11-13 %
    // of about 440 each: a 10 % bar failed now and then; 5 % is 4 standard deviations
    // below what they verify.
    for (i, scheme) in SCHEMES.iter().enumerate() {
        let (v, r) = (
            verified[i].load(Ordering::Relaxed),
            refused[i].load(Ordering::Relaxed),
        );
        println!("{scheme:>6} verified {v:>5} of {}", v + r);
        assert!(
            v * 20 >= (v + r),
            "{scheme}: only {v} of {} verified",
            v + r
        );
    }
}

/// A GET of `scheme` to `host` and `path`, read through `from_http`, must verify.
fn assert_verifies_via_http(scheme: usize, host: &str, path: &str, query: &[(&str, &str)]) {
    let spec = Spec {
        scheme,
        token: false,
        method: "GET".into(),
        host: host.into(),
        path: path.into(),
        query: query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        headers: Vec::new(),
        body: Vec::new(),
        time: 1_700_000_000,
        nonce: "abc".into(),
        via_http: true,
    };
    let outcome = wire::run(&spec);
    assert!(
        matches!(outcome, Ok(Outcome::Verified)),
        "{spec:?}: {outcome:?}"
    );
}

/// Found by the `wire` fuzz target: `http://host?q` (an empty path) is sent as `/?q`.
#[test]
fn an_empty_path_with_a_query_goes_out_as_slash() {
    assert_verifies_via_http(6, "api.example.com", "", &[("a", "")]);
}

/// Found by the `wire` fuzz target: user info in the URI is neither signed nor sent.
#[test]
fn user_info_is_neither_signed_nor_sent() {
    assert_verifies_via_http(0, "user:pw@api.example.com", "/", &[]);
}
