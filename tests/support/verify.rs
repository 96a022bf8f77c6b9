//! Helpers of the verification tests: the signing time, a verdict as the cloud's code, a
//! signed request as the server receives it, that request with one element changed, and
//! the official SDKs' requests of the committed conformance corpus.
//!
//! Shared by `tests/verify.rs`, `tests/verify_alibaba.rs`, `tests/verify_params.rs`,
//! `tests/verify_huawei.rs` and `tests/replay.rs`. Helpers of one scheme stay in its file.

#![allow(dead_code)] // each test binary uses a subset

use cloudsign::verify::{MemoryKeyStore, Received, Verified, VerifyError};
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext, SigningOutput};
use serde_json::Value;
use time::OffsetDateTime;

/// The signing time of the tests (2023-11-14T22:13:20Z).
pub const T: i64 = 1_700_000_000;

pub fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

/// The cloud's code of the refusal, or `"ok"`.
pub fn code(r: &Result<Verified, VerifyError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.cloud_code(),
    }
}

/// `out` (the signer's output for `req`) applied to `req` as a server receives it: the
/// path, then `?` and the signer's query string if it is not empty; the signer's form body
/// if it gives one, else the request's body; the request's headers, then the signer's.
pub fn applied(req: &CanonicalRequest, out: &SigningOutput) -> Received {
    let target = match out.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    let body = match out.body() {
        Some(form) => form.as_bytes().to_vec(),
        None => req.body().map(<[u8]>::to_vec).unwrap_or_default(),
    };
    let mut got = Received::new(req.method(), req.host(), &target).body(body);
    for (name, value) in req.headers() {
        got = got.header(name, value);
    }
    for (name, value) in out.headers() {
        got = got.header(name, value);
    }
    got
}

/// `req` signed at `T` with `nonce` and received as sent ([`applied`]).
pub fn received(signer: &dyn Signer, req: &CanonicalRequest, nonce: &str) -> Received {
    let out = signer
        .sign(req, &SigningContext::from_unix(T, nonce).unwrap())
        .unwrap();
    applied(req, &out)
}

/// `got`'s target: its path, then `?` and its query if it has one.
fn target(got: &Received) -> String {
    match got.raw_query() {
        "" => got.path().to_owned(),
        q => format!("{}?{q}", got.path()),
    }
}

/// Replaces the first `from` in the first header `name` (or, for `":method"`, `":host"`,
/// `":target"` and `":body"`, in those) by `to`. Panics if there is no such header or it
/// holds no `from`.
pub fn tampered(got: &Received, name: &str, from: &str, to: &str) -> Received {
    let edit = |v: &str| {
        assert!(v.contains(from), "{name}: {v:?} has no {from:?}");
        v.replacen(from, to, 1)
    };
    let pick = |part: &str, v: &str| match name == part {
        true => edit(v),
        false => v.to_owned(),
    };
    let body = String::from_utf8(got.body_bytes().to_vec()).unwrap();
    let mut out = Received::new(
        pick(":method", got.method()),
        pick(":host", got.host()),
        &pick(":target", &target(got)),
    )
    .body(pick(":body", &body));
    let mut found = name.starts_with(':');
    for (n, v) in got.headers() {
        let v = match n.eq_ignore_ascii_case(name) && !found {
            true => {
                found = true;
                edit(v)
            }
            false => v.clone(),
        };
        out = out.header(n, v);
    }
    assert!(found, "no header {name}");
    out
}

/// `got` without the headers named `name`.
pub fn without(got: &Received, name: &str) -> Received {
    let mut out = Received::new(got.method(), got.host(), &target(got)).body(got.body_bytes());
    for (n, v) in got.headers() {
        if !n.eq_ignore_ascii_case(name) {
            out = out.header(n, v);
        }
    }
    out
}

/// The first header of a name, and the `Signature=` of `Authorization` (TC3, ACS3 and
/// SDK-HMAC-SHA256 end it so).
pub trait ReceivedExt {
    fn value(&self, name: &str) -> String;
    fn signature(&self) -> String;
}

impl ReceivedExt for Received {
    fn value(&self, name: &str) -> String {
        let found = self
            .headers()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.unwrap_or_else(|| panic!("no {name}")).1.clone()
    }

    fn signature(&self) -> String {
        let auth = self.value("Authorization");
        auth.rsplit("Signature=").next().unwrap().to_owned()
    }
}

// ---------------------------------------------------------------------------------------
// The official SDKs' requests (tests/conformance)
// ---------------------------------------------------------------------------------------

/// The records of `tests/conformance/{name}`.
pub fn load(name: &str) -> Vec<Value> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// The cases of `scheme` and their expected records (each answered without error).
pub fn corpus(scheme: &str) -> Vec<(Value, Value)> {
    let cases = load("cases.json");
    let expected = load("expected.json");
    let picked: Vec<(Value, Value)> = cases
        .into_iter()
        .zip(expected)
        .filter(|(c, _)| c["scheme"] == scheme)
        .collect();
    for (c, e) in &picked {
        assert_eq!(c["id"], e["id"]);
        assert!(e["error"].is_null(), "{}", c["id"]);
    }
    picked
}

/// The string field `name` of `v`.
pub fn s<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or_else(|| panic!("{name} in {v}"))
}

/// The case's key: its access key id, secret and security token if it has one.
pub fn case_creds(case: &Value) -> Credentials {
    let c = Credentials::new(s(case, "access_key_id"), s(case, "secret")).unwrap();
    match case["security_token"].as_str() {
        Some(t) => c.with_security_token(t).unwrap(),
        None => c,
    }
}

/// A key store holding the case's key ([`case_creds`]).
pub fn case_keys(case: &Value) -> MemoryKeyStore {
    MemoryKeyStore::new().with(case_creds(case))
}
