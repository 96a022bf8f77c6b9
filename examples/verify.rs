//! Verification runner: reads one JSON object on standard input, verifies its requests in
//! order through one [`AnyVerifier`] (every verifier of the crate, sharing one in-memory
//! replay cache), and writes one JSON list of answers on standard output, same order.
//!
//! Input:
//! ```json
//! {"keys": [{"access_key_id": "AKID...", "secret": "...", "security_token": null}],
//!  "now": 1700000000,
//!  "requests": [{"id": "r1", "method": "POST", "host": "cvm.tencentcloudapi.com",
//!                "target": "/?a=1", "headers": [["Content-Type", "application/json"]],
//!                "body": "{}", "now": 1700000001}]}
//! ```
//! `target` is the path and query exactly as sent; `body` is UTF-8 text; a request's `now`
//! (Unix seconds, the server's time) overrides the top-level one. Unknown fields are ignored.
//!
//! Output, one object per request: `{"id", "ok", "scheme", "access_key_id", "error_code",
//! "http_status", "message"}`: on success `ok` is true, `scheme` the scheme's name
//! (`TC3-HMAC-SHA256`, ...), `access_key_id` who signed, the other three null; on refusal the
//! cloud's own code, HTTP status and message (`scheme` null if no verifier recognized the
//! request, `access_key_id` set only for an unknown key). A malformed entry (a missing field,
//! a wrong type, not an object) gets `ok: false` with `error_code` `"InvalidRequest"`,
//! `http_status` null and a message saying what is wrong. A malformed top level (not an
//! object, bad `keys`, `requests` not a list, `now` not an integer) is an error on standard
//! error and exit code 2.
//!
//! ```sh
//! cargo run --example verify < input.json
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read as _;
use std::process::ExitCode;
use std::sync::Arc;

use cloudsign::alibaba::{acs3::QueryNames, roa::HeaderNames};
use cloudsign::replay::MemoryReplayCache;
use cloudsign::verify::{
    Acs3Verifier, AnyVerifier, HuaweiVerifier, MemoryKeyStore, Received, RoaVerifier, RpcVerifier,
    Scheme, Tc3Verifier, V1Verifier, Verifier, VerifyError, WsseVerifier,
};
use cloudsign::Credentials;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// How many nonces one run remembers.
pub const REPLAY_CAPACITY: usize = 1_000_000;

/// Every verifier of the crate, looking keys up in `keys`, each refusing a replay through
/// the one `cache`. Adding a scheme is one line here. ACS3 and ROA also accept the forms the
/// official Python SDK sends: query names signed raw (sent encoded), and only the headers
/// spelled in lower case signed.
pub fn verifiers(keys: &Arc<MemoryKeyStore>, cache: &Arc<MemoryReplayCache>) -> AnyVerifier {
    let acs3 = Acs3Verifier::new(keys.clone()).query_names(QueryNames::Raw);
    let roa = RoaVerifier::new(keys.clone()).header_names(HeaderNames::LowercaseOnly);
    AnyVerifier::new()
        .with(acs3.with_replay(cache.clone()))
        .with(roa.with_replay(cache.clone()))
        .with(RpcVerifier::new(keys.clone()).with_replay(cache.clone()))
        .with(Tc3Verifier::new(keys.clone()).with_replay(cache.clone()))
        .with(V1Verifier::new(keys.clone()).with_replay(cache.clone()))
        .with(HuaweiVerifier::new(keys.clone()).with_replay(cache.clone()))
        .with(WsseVerifier::new(keys.clone()).with_replay(cache.clone()))
}

/// The schemes [`verifiers`] registers.
pub fn registered() -> Vec<Scheme> {
    let cache = Arc::new(MemoryReplayCache::with_capacity(1));
    verifiers(&Arc::new(MemoryKeyStore::new()), &cache).schemes()
}

/// Verifies every request of `input` (the format above) and returns the list of answers.
///
/// # Errors
/// What is wrong with the top level of `input`; a malformed request is an answer instead.
pub fn run(input: &Value) -> Result<Value, String> {
    let top = input.as_object().ok_or("the input is not a JSON object")?;
    let keys = Arc::new(keys(top.get("keys"))?);
    let now = match top.get("now") {
        None | Some(Value::Null) => None,
        Some(v) => Some(time_of(v).map_err(|e| format!("\"now\": {e}"))?),
    };
    let requests = top
        .get("requests")
        .and_then(Value::as_array)
        .ok_or("\"requests\" is missing or not a list")?;
    let cache = Arc::new(MemoryReplayCache::with_capacity(REPLAY_CAPACITY));
    let any = verifiers(&keys, &cache);
    Ok(Value::Array(
        requests.iter().map(|r| answer(&any, r, now)).collect(),
    ))
}

fn keys(list: Option<&Value>) -> Result<MemoryKeyStore, String> {
    let list = list
        .and_then(Value::as_array)
        .ok_or("\"keys\" is missing or not a list")?;
    let mut store = MemoryKeyStore::new();
    for (i, key) in list.iter().enumerate() {
        let text = |name: &str| {
            key.get(name)
                .and_then(Value::as_str)
                .ok_or(format!("keys[{i}]: \"{name}\" is missing or not a string"))
        };
        let creds = Credentials::new(text("access_key_id")?, text("secret")?)
            .map_err(|e| format!("keys[{i}]: {e}"))?;
        let creds = match key.get("security_token") {
            None | Some(Value::Null) => creds,
            Some(Value::String(t)) => creds
                .with_security_token(t.as_str())
                .map_err(|e| format!("keys[{i}]: {e}"))?,
            Some(_) => return Err(format!("keys[{i}]: \"security_token\" is not a string")),
        };
        store = store.with(creds);
    }
    Ok(store)
}

fn time_of(v: &Value) -> Result<OffsetDateTime, String> {
    let secs = v.as_i64().ok_or("not an integer (Unix seconds)")?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| e.to_string())
}

/// The answer for one entry of `requests`.
fn answer(any: &AnyVerifier, entry: &Value, default_now: Option<OffsetDateTime>) -> Value {
    let id = entry.get("id").cloned().unwrap_or(Value::Null);
    let (got, now) = match request(entry, default_now) {
        Ok(parsed) => parsed,
        Err(why) => {
            return json!({"id": id, "ok": false, "scheme": null, "access_key_id": null,
                "error_code": "InvalidRequest", "http_status": null, "message": why})
        }
    };
    match any.verify(&got, now) {
        Ok(ok) => json!({"id": id, "ok": true, "scheme": ok.scheme.name(),
            "access_key_id": ok.access_key_id, "error_code": null, "http_status": null,
            "message": null}),
        Err(e) => {
            let key = match &e {
                VerifyError::UnknownKey { access_key_id, .. } => Some(access_key_id.as_str()),
                _ => None,
            };
            json!({"id": id, "ok": false, "scheme": e.scheme().map(Scheme::name),
                "access_key_id": key, "error_code": e.cloud_code(),
                "http_status": e.http_status(), "message": e.cloud_message()})
        }
    }
}

/// The request an entry describes, and the server's time to verify it at.
fn request(
    entry: &Value,
    default_now: Option<OffsetDateTime>,
) -> Result<(Received, OffsetDateTime), String> {
    let entry = entry
        .as_object()
        .ok_or("the request is not a JSON object")?;
    if !entry.get("id").is_some_and(Value::is_string) {
        return Err("\"id\" is missing or not a string".to_owned());
    }
    let text = |name: &str| {
        entry
            .get(name)
            .and_then(Value::as_str)
            .ok_or(format!("\"{name}\" is missing or not a string"))
    };
    let mut got = Received::new(text("method")?, text("host")?, text("target")?);
    for (name, value) in headers(entry)? {
        got = got.header(name, value);
    }
    got = match entry.get("body") {
        None | Some(Value::Null) => got,
        Some(Value::String(body)) => got.body(body.as_bytes()),
        Some(_) => return Err("\"body\" is not a string".to_owned()),
    };
    let now = match entry.get("now") {
        None | Some(Value::Null) => default_now.ok_or("no \"now\", here or at the top level")?,
        Some(v) => time_of(v).map_err(|e| format!("\"now\": {e}"))?,
    };
    Ok((got, now))
}

fn headers(entry: &Map<String, Value>) -> Result<Vec<(&str, &str)>, String> {
    let list = match entry.get("headers") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err("\"headers\" is not a list".to_owned()),
    };
    list.iter()
        .enumerate()
        .map(|(i, pair)| match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(n), Value::String(v)]) => Ok((n.as_str(), v.as_str())),
            _ => Err(format!(
                "\"headers\"[{i}] is not a [name, value] pair of strings"
            )),
        })
        .collect()
}

fn main() -> ExitCode {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("verify: cannot read standard input: {e}");
        return ExitCode::from(2);
    }
    let answers = serde_json::from_str::<Value>(&text)
        .map_err(|e| format!("standard input is not JSON: {e}"))
        .and_then(|input| run(&input));
    match answers {
        Ok(answers) => {
            println!("{answers}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("verify: {e}");
            ExitCode::from(2)
        }
    }
}
