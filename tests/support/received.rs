//! The committed conformance corpus (`tests/conformance/{cases,expected}.json`, produced by
//! the official Python SDKs) as a server receives it: each case becomes one request of the
//! verification runner (`examples/verify.rs`), with the method, host, target (path and
//! query), headers and body exactly as the SDK sent them, the case's signing time as the
//! server's time, and the case's key.
//!
//! What each SDK sends (`../shared/oracle/README.md` and `oracle.py`; the expected records
//! hold what the oracle recorded of it):
//! - ACS3, ROA (tea-openapi): the header map of `request_headers`, then `Authorization`;
//!   the target is Tea's `compose_url`: the path, then `?` and `urlencode(query)` (form
//!   style: space `+`, in the spec's order), which `requests` re-quotes;
//! - RPC (tea-openapi): the query is `query_params` (the SDK's order) then `Signature`,
//!   `urlencode`d; a form body as given, with `application/x-www-form-urlencoded`;
//! - TC3 (tencentcloud-sdk-python): `request_headers` (with `Authorization`); a GET sends
//!   `query_string` and no body, a POST the body and no query;
//! - V1 (tencentcloud-sdk-python): `request_data` (the `urlencode`d parameters, `Signature`
//!   last) as the query of a GET or the form body of a POST, with
//!   `Content-Type: application/x-www-form-urlencoded` both ways;
//! - Huawei SDK-HMAC-SHA256 (huaweicloudsdkcore): the spec's headers, `X-Sdk-Date`, then
//!   `added_headers` (`Host`, `Authorization`, ...); the target is `uri` as `requests`
//!   re-quotes it (raw spaces and non-ASCII percent-encoded);
//! - X-WSSE (the SMS demo, `requests.post`): the spec's headers, `Authorization`, `X-WSSE`.
//!
//! Header values arrive as an HTTP/1.1 server hands them over: without the spaces and tabs
//! at their edges (RFC 9110 §5.5). Where an SDK signed such spaces (ROA, which signs values
//! untrimmed), the request cannot verify at any server: the case is marked
//! [`Case::undeliverable`]. Headers that the HTTP layer adds on its own (`Content-Length`,
//! `User-Agent`, `Accept-Encoding`) are left out, except `Host` where the SDK sets none.

use serde_json::{json, Value};
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

/// One request as the runner takes it.
#[derive(Clone, Debug)]
pub struct Request {
    /// The runner's `id`.
    pub id: String,
    /// The method.
    pub method: String,
    /// The authority the client addressed (the `Host` header's value).
    pub host: String,
    /// The path as sent.
    pub path: String,
    /// The query as sent, without `?`; `None` when the target has no `?`.
    pub query: Option<String>,
    /// The headers in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body (UTF-8 text).
    pub body: String,
    /// The server's time, Unix seconds.
    pub now: i64,
}

impl Request {
    /// The request target: the path, then `?` and the query if any.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The value of header `name` (any case), the first if it came more than once.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The runner's JSON for this request.
    pub fn to_json(&self) -> Value {
        let headers: Vec<Value> = self.headers.iter().map(|(n, v)| json!([n, v])).collect();
        json!({"id": self.id, "method": self.method, "host": self.host,
            "target": self.target(), "headers": headers, "body": self.body, "now": self.now})
    }
}

/// One corpus case, converted.
#[derive(Clone, Debug)]
pub struct Case {
    /// The corpus scheme id (`tencent_tc3`, ...).
    pub scheme: String,
    /// The request as received.
    pub request: Request,
    /// The runner's key entry: `{"access_key_id", "secret", "security_token"}`.
    pub key: Value,
    /// Why the request cannot verify anywhere, if it cannot.
    pub undeliverable: Option<String>,
}

/// Every committed case, converted, in corpus order.
///
/// # Errors
/// The first case that cannot be read or converted, named.
pub fn corpus() -> Result<Vec<Case>, String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let load = |name: &str| -> Result<Vec<Value>, String> {
        let text = std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))
    };
    let (cases, expected) = (load("cases.json")?, load("expected.json")?);
    if cases.len() != expected.len() {
        return Err(format!(
            "{} cases for {} expected records",
            cases.len(),
            expected.len()
        ));
    }
    cases
        .iter()
        .zip(&expected)
        .map(|(case, want)| {
            convert(case, want).map_err(|e| format!("{}: {e}", case["id"].as_str().unwrap_or("?")))
        })
        .collect()
}

fn text<'a>(v: &'a Value, name: &str) -> Result<&'a str, String> {
    v.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{name:?} missing or not a string"))
}

fn pairs(v: &Value, name: &str) -> Result<Vec<(String, String)>, String> {
    let Some(list) = v.get(name).filter(|l| !l.is_null()) else {
        return Ok(Vec::new());
    };
    list.as_array()
        .ok_or_else(|| format!("{name:?} is not a list"))?
        .iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
            _ => Err(format!("{name:?} holds a non-[name, value] entry")),
        })
        .collect()
}

/// Converts one case and its expected record.
///
/// # Errors
/// A field missing or of the wrong type, an unknown scheme, an unreadable time.
pub fn convert(case: &Value, expected: &Value) -> Result<Case, String> {
    let scheme = text(case, "scheme")?;
    if !expected["error"].is_null() {
        return Err(format!("the SDK failed: {}", expected["error"]));
    }
    let (method, host, path) = (
        text(case, "method")?,
        text(case, "host")?,
        text(case, "path")?,
    );
    let body = text(case, "body")?.to_owned();
    let query = pairs(case, "query")?;
    let with_query = |path: &str, q: &[(String, String)]| match q.is_empty() {
        true => (requote(path), None),
        false => (requote(path), Some(urlencode(q))),
    };
    let (path, query, mut headers, body) = match scheme {
        "alibaba_acs3" | "alibaba_roa" => {
            let (p, q) = with_query(path, &query);
            let mut h = pairs(expected, "request_headers")?;
            h.push((
                "Authorization".into(),
                text(expected, "authorization")?.into(),
            ));
            (p, q, h, body)
        }
        "alibaba_rpc" => {
            let mut q = pairs(expected, "query_params")?;
            q.push(("Signature".into(), text(expected, "signature")?.into()));
            let (p, q) = with_query(path, &q);
            let mut h = vec![("host".to_owned(), host.to_owned())];
            h.extend(pairs(case, "headers")?);
            if !body.is_empty()
                && !h
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            {
                h.push(("content-type".into(), FORM.into()));
            }
            (p, q, h, body)
        }
        "tencent_tc3" => {
            let h = pairs(expected, "request_headers")?;
            match method {
                "GET" => {
                    let q = text(expected, "query_string")?;
                    (
                        requote(path),
                        (!q.is_empty()).then(|| q.to_owned()),
                        h,
                        String::new(),
                    )
                }
                _ => (requote(path), None, h, body),
            }
        }
        "tencent_v1" => {
            let data = text(expected, "request_data")?.to_owned();
            let h = vec![
                ("Content-Type".to_owned(), FORM.to_owned()),
                ("Host".to_owned(), host.to_owned()),
            ];
            match method {
                "GET" => (requote(path), Some(data), h, String::new()),
                _ => (requote(path), None, h, data),
            }
        }
        "huawei_sdk_hmac_sha256" => {
            let mut h = pairs(case, "headers")?;
            h.push(("X-Sdk-Date".into(), text(case, "timestamp")?.into()));
            h.extend(pairs(expected, "added_headers")?);
            let uri = requote(text(expected, "uri")?);
            let (p, q) = match uri.split_once('?') {
                Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
                None => (uri, None),
            };
            (p, q, h, body)
        }
        "huawei_wsse" => {
            let (p, q) = with_query(path, &query);
            let mut h = pairs(case, "headers")?;
            h.push((
                "Authorization".into(),
                text(expected, "authorization")?.into(),
            ));
            h.push(("X-WSSE".into(), text(expected, "x_wsse")?.into()));
            (p, q, h, body)
        }
        other => return Err(format!("unknown scheme {other:?}")),
    };
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        headers.insert(0, ("Host".to_owned(), host.to_owned()));
    }
    let undeliverable = undeliverable(&headers, expected);
    for (_, value) in &mut headers {
        *value = value.trim_matches([' ', '\t']).to_owned();
    }
    let request = Request {
        id: text(case, "id")?.to_owned(),
        method: method.to_owned(),
        host: host.to_owned(),
        path,
        query,
        headers,
        body,
        now: signing_time(scheme, text(case, "timestamp")?)?,
    };
    let token = case.get("security_token").cloned().unwrap_or(Value::Null);
    let key = json!({"access_key_id": text(case, "access_key_id")?,
        "secret": text(case, "secret")?, "security_token": token});
    Ok(Case {
        scheme: scheme.to_owned(),
        request,
        key,
        undeliverable,
    })
}

const FORM: &str = "application/x-www-form-urlencoded";

/// A header value the SDK signed with the spaces at its edges, which no server receives.
fn undeliverable(headers: &[(String, String)], expected: &Value) -> Option<String> {
    let signed = [&expected["canonical_request"], &expected["string_to_sign"]];
    headers.iter().find_map(|(name, value)| {
        let trimmed = value.trim_matches([' ', '\t']);
        let line = format!("\n{}:{value}\n", name.to_ascii_lowercase());
        let in_signed = signed
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.contains(&line)));
        (trimmed != value && in_signed).then(|| {
            format!(
                "the SDK signed header {name}'s value {value:?} with the spaces at its edges, \
                 which HTTP/1.1 drops before the server reads it"
            )
        })
    })
}

/// The signing time of a case, Unix seconds, from the scheme's own format.
fn signing_time(scheme: &str, ts: &str) -> Result<i64, String> {
    let bad = |e: String| format!("timestamp {ts:?}: {e}");
    let time = match scheme {
        "tencent_tc3" | "tencent_v1" => {
            return ts.parse().map_err(|_| bad("not Unix seconds".into()))
        }
        "alibaba_roa" => OffsetDateTime::parse(ts, &Rfc2822).map_err(|e| bad(e.to_string()))?,
        "huawei_sdk_hmac_sha256" => {
            let format =
                time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
            time::PrimitiveDateTime::parse(ts, &format)
                .map_err(|e| bad(e.to_string()))?
                .assume_utc()
        }
        _ => OffsetDateTime::parse(ts, &Rfc3339).map_err(|e| bad(e.to_string()))?,
    };
    Ok(time.unix_timestamp())
}

/// Python's `urllib.parse.urlencode` of a list of pairs: `quote_plus` names and values.
pub fn urlencode(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        cloudsign::encoding::form_encode_into(&mut out, name);
        out.push('=');
        cloudsign::encoding::form_encode_into(&mut out, value);
    }
    out
}

/// What `requests` puts on the wire for a URL's path and query (`requote_uri`, after
/// urllib3's `parse_url`): escapes of unreserved characters decoded, other escapes kept,
/// every character outside ``!#$%&'()*+,/:;=?@[]~`` and the unreserved ones percent-encoded
/// (UTF-8, upper-case hex). A `%` that starts no escape is encoded too.
pub fn requote(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let escape_at = |i: usize| {
        bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
    };
    let all_escapes = (0..bytes.len()).all(|i| bytes[i] != b'%' || escape_at(i).is_some());
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match (b, escape_at(i)) {
            (b'%', Some(c)) if all_escapes => {
                if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
                    out.push(char::from(c));
                } else {
                    out.push_str(&format!("%{:02X}", c));
                }
                i += 3;
                continue;
            }
            _ if b.is_ascii_alphanumeric() || b"-._~!#$&'()*+,/:;=?@[]".contains(&b) => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
        i += 1;
    }
    out
}
