//! Maps the oracle's request specs (`../shared/oracle/README.md`, "Spec format") onto the
//! crate's public API, the way an SDK client around cloudsign would, and compares the results
//! with the official SDKs' answers.
//!
//! Shared by `examples/conformance.rs` (the runner) and `tests/conformance.rs` (the committed
//! corpus). It holds no signing, hashing or encoding logic: only the choice of signer
//! settings that reproduce the primary official implementation of each scheme.

use std::collections::BTreeMap;

use cloudsign::alibaba::{acs3, roa, Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{tc3, v1, Tc3Signer, V1Signer};
use cloudsign::{
    CanonicalRequest, CanonicalRequestBuilder, Credentials, Error, Signer, SigningContext,
};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The schemes the runner maps today.
pub const SCHEMES: [&str; 7] = [
    "alibaba_acs3",
    "alibaba_rpc",
    "alibaba_roa",
    "tencent_tc3",
    "tencent_v1",
    "huawei_sdk_hmac_sha256",
    "huawei_wsse",
];

/// The fields compared with the primary official implementation, per scheme.
pub fn compared_fields(scheme: &str) -> &'static [&'static str] {
    match scheme {
        "alibaba_acs3" | "tencent_tc3" | "huawei_sdk_hmac_sha256" => {
            &["signature", "authorization"]
        }
        "alibaba_rpc" => &["signature"],
        "tencent_v1" => &["signature", "request_data"],
        "alibaba_roa" => &["signature", "authorization"],
        "huawei_wsse" => &["signature", "x_wsse", "authorization"],
        _ => &[],
    }
}

/// Why a spec could not be mapped or signed.
#[derive(Debug)]
enum Failure {
    Spec(String),
    Sign(Error),
    Unsupported(String),
    Reference(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Sign(e)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Spec(m) => write!(f, "bad spec: {m}"),
            Failure::Sign(e) => write!(f, "{e}"),
            Failure::Unsupported(s) => write!(f, "unsupported scheme {s:?}"),
            Failure::Reference(m) => write!(f, "fast path and reference differ: {m}"),
        }
    }
}

fn field<'a>(spec: &'a Value, name: &str) -> Result<&'a str, Failure> {
    spec.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::Spec(format!("field {name:?} missing or not a string")))
}

fn opt<'a>(spec: &'a Value, name: &str) -> Option<&'a str> {
    spec.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn pairs(spec: &Value, name: &str) -> Result<Vec<(String, String)>, Failure> {
    let Some(list) = spec.get(name).filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| Failure::Spec(format!("{name:?} is not a list")))?;
    list.iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
            _ => Err(Failure::Spec(format!(
                "{name:?} entries must be [name, value] strings"
            ))),
        })
        .collect()
}

fn credentials(spec: &Value) -> Result<Credentials, Failure> {
    let creds = Credentials::new(field(spec, "access_key_id")?, field(spec, "secret")?)?;
    Ok(match opt(spec, "security_token") {
        Some(t) => creds.with_security_token(t)?,
        None => creds,
    })
}

fn iso_context(spec: &Value) -> Result<SigningContext, Failure> {
    let ts = field(spec, "timestamp")?;
    let time = OffsetDateTime::parse(ts, &Rfc3339)
        .map_err(|e| Failure::Spec(format!("timestamp {ts:?}: {e}")))?;
    Ok(SigningContext::new(time, field(spec, "nonce")?))
}

/// Method, host, path and the spec's own headers.
fn request(spec: &Value) -> Result<CanonicalRequestBuilder, Failure> {
    Ok(CanonicalRequest::builder()
        .method(field(spec, "method")?)
        .host(field(spec, "host")?)
        .path(opt(spec, "path").unwrap_or("/"))
        .headers(pairs(spec, "headers")?))
}

fn body(spec: &Value) -> &str {
    opt(spec, "body").unwrap_or("")
}

/// Signs one spec. `Ok` holds the result fields; `Err` the error text.
fn sign(spec: &Value) -> Result<BTreeMap<&'static str, String>, Failure> {
    let scheme = field(spec, "scheme")?;
    let mut r = BTreeMap::new();
    match scheme {
        "alibaba_acs3" => {
            // The primary implementation (Python get_authorization) signs every header and
            // leaves query names unencoded.
            let signer = Acs3Signer::builder(credentials(spec)?)
                .action(field(spec, "action")?)
                .version(field(spec, "version")?)
                .signed_headers(acs3::SignedHeaders::All)
                .query_names(acs3::QueryNames::Raw)
                .build()?;
            let req = request(spec)?
                .queries(pairs(spec, "query")?)
                .body(body(spec))
                .build()?;
            let out = signed(&signer, spec, &req, &iso_context(spec)?)?;
            r.insert("signature", out.signature().to_owned());
            r.insert("authorization", header(&out, "Authorization"));
            stages(&mut r, &out);
        }
        "alibaba_rpc" => {
            let mut b = RpcSigner::builder(credentials(spec)?)
                .action(field(spec, "action")?)
                .version(field(spec, "version")?);
            b = b.format(opt(spec, "format").unwrap_or("json"));
            let signer = b.build()?;
            let mut req = request(spec)?.queries(pairs(spec, "query")?);
            let body = body(spec);
            let has_ct = pairs(spec, "headers")?
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
            if !body.is_empty() && !has_ct {
                // What the SDK client sends with a form body.
                req = req.header("Content-Type", "application/x-www-form-urlencoded");
            }
            let out = signed(&signer, spec, &req.body(body).build()?, &iso_context(spec)?)?;
            r.insert("signature", out.signature().to_owned());
            stages(&mut r, &out);
        }
        "alibaba_roa" => {
            // The primary implementation (openapi-util) reads lower-case header names only.
            let mut b = RoaSigner::builder(credentials(spec)?)
                .header_names(roa::HeaderNames::LowercaseOnly)
                .action(field(spec, "action")?)
                .version(field(spec, "version")?);
            if let Some(accept) = opt(spec, "accept") {
                b = b.accept(accept);
            }
            let signer = b.build()?;
            let mut req = request(spec)?.queries(pairs(spec, "query")?);
            if let Some(ct) = opt(spec, "content_type") {
                req = req.header("content-type", ct);
            }
            if let Some(md5) = opt(spec, "content_md5") {
                req = req.header("content-md5", md5);
            }
            let ts = field(spec, "timestamp")?;
            let time = OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc2822)
                .map_err(|e| Failure::Spec(format!("timestamp {ts:?}: {e}")))?;
            let ctx = SigningContext::new(time, field(spec, "nonce")?);
            let out = signed(&signer, spec, &req.body(body(spec)).build()?, &ctx)?;
            r.insert("signature", out.signature().to_owned());
            r.insert("authorization", header(&out, "Authorization"));
            stages(&mut r, &out);
            let edge = |v: &str| v.trim_matches([' ', '\t']) != v;
            let headers = pairs(spec, "headers")?;
            if headers.iter().any(|(_, v)| edge(v)) || opt(spec, "content_type").is_some_and(edge) {
                r.insert("divergence", EDGE_SPACES.to_owned());
            }
        }
        "tencent_tc3" => {
            let mut b = Tc3Signer::builder(credentials(spec)?, field(spec, "service")?)
                .action(field(spec, "action")?)
                .version(field(spec, "version")?)
                // The Python SDK sends (and signs) `urlencode(params)`.
                .query_encoding(tc3::QueryEncoding::FormUrlencoded);
            if let Some(region) = opt(spec, "region") {
                b = b.region(region);
            }
            if let Some(lang) = opt(spec, "language") {
                b = b.language(lang);
            }
            let signer = b.build()?;
            let method = field(spec, "method")?;
            // The SDK forces the content type: GET form-urlencoded, POST the given one.
            let content_type = if method == "GET" {
                "application/x-www-form-urlencoded"
            } else {
                opt(spec, "content_type").unwrap_or("application/json")
            };
            let mut req = request(spec)?
                .queries(pairs(spec, "query")?)
                .header("Content-Type", content_type);
            // The oracle signs and sends the spec's body for every content type (its
            // JSON branch, which used to replace an `application/json` body with `{}`,
            // is switched off).
            let sent_body = body(spec);
            req = if spec.get("unsigned_payload").and_then(Value::as_bool) == Some(true) {
                req.unsigned_payload()
            } else {
                req.body(sent_body)
            };
            let ts = field(spec, "timestamp")?;
            let secs: i64 = ts
                .parse()
                .map_err(|_| Failure::Spec(format!("timestamp {ts:?} is not Unix seconds")))?;
            let out = signed(
                &signer,
                spec,
                &req.build()?,
                &SigningContext::from_unix(secs, "")?,
            )?;
            r.insert("signature", out.signature().to_owned());
            r.insert("authorization", header(&out, "Authorization"));
            stages(&mut r, &out);
        }
        "tencent_v1" => {
            // The SDK client upper-cases the first letter of the action and identifies
            // itself with `RequestClient` (oracle README, V2).
            let action = field(spec, "action")?;
            let mut chars = action.chars();
            let action: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            let method = match field(spec, "sign_method")? {
                "HmacSHA1" => v1::SignatureMethod::HmacSha1,
                "HmacSHA256" => v1::SignatureMethod::HmacSha256,
                other => return Err(Failure::Spec(format!("sign_method {other:?}"))),
            };
            let mut b = V1Signer::builder(credentials(spec)?)
                .action(action)
                .version(field(spec, "version")?)
                .signature_method(method)
                .request_client("SDK_PYTHON_3.1.195");
            if let Some(region) = opt(spec, "region") {
                b = b.region(region);
            }
            if let Some(lang) = opt(spec, "language") {
                b = b.language(lang);
            }
            let signer = b.build()?;
            let params = pairs(spec, "query")?;
            let req = if field(spec, "method")? == "POST" {
                // The SDK client sends the parameters as a form body.
                let body = params
                    .iter()
                    .map(|(k, v)| {
                        let mut s = String::new();
                        cloudsign::encoding::form_encode_into(&mut s, k);
                        s.push('=');
                        cloudsign::encoding::form_encode_into(&mut s, v);
                        s
                    })
                    .collect::<Vec<_>>()
                    .join("&");
                request(spec)?
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body)
            } else {
                request(spec)?.queries(params)
            };
            let ts = field(spec, "timestamp")?;
            let secs: i64 = ts
                .parse()
                .map_err(|_| Failure::Spec(format!("timestamp {ts:?} is not Unix seconds")))?;
            let ctx = SigningContext::from_unix(secs, field(spec, "nonce")?)?;
            let out = signed(&signer, spec, &req.build()?, &ctx)?;
            r.insert("signature", out.signature().to_owned());
            r.insert(
                "request_data",
                out.body().unwrap_or(out.query_string()).to_owned(),
            );
            stages(&mut r, &out);
        }
        "huawei_sdk_hmac_sha256" => {
            let mut b = SdkHmacSha256Signer::builder(credentials(spec)?);
            if let Some(p) = opt(spec, "project_id") {
                b = b.project_id(p);
            }
            let signer = b.build()?;
            let headers = pairs(spec, "headers")?;
            // The SDK takes the path raw and its HTTP client percent-encodes what cannot go
            // on the wire, keeping existing escapes (requests' `requote_uri`).
            let raw_path = opt(spec, "path").unwrap_or("/");
            let mut path = String::new();
            for part in raw_path.split_inclusive('%') {
                let (text, pct) = part.strip_suffix('%').map_or((part, ""), |t| (t, "%"));
                cloudsign::encoding::percent_encode_into(
                    &mut path,
                    text,
                    cloudsign::encoding::RFC3986_PATH,
                );
                path.push_str(pct);
            }
            let mut req = request(spec)?.path(path).queries(pairs(spec, "query")?);
            // What the SDK client adds: a header spelled exactly `Content-Type` that is not
            // JSON or BSON marks the body unsigned (oracle README, H2).
            let unsigned = headers.iter().any(|(n, v)| {
                n == "Content-Type"
                    && !v.starts_with("application/json")
                    && !v.starts_with("application/bson")
            });
            if unsigned {
                req = req.header("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
            }
            let ts = field(spec, "timestamp")?;
            let format =
                time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
            let time = time::PrimitiveDateTime::parse(ts, &format)
                .map_err(|e| Failure::Spec(format!("timestamp {ts:?}: {e}")))?
                .assume_utc();
            let out = signed(
                &signer,
                spec,
                &req.body(body(spec)).build()?,
                &SigningContext::new(time, ""),
            )?;
            r.insert("signature", out.signature().to_owned());
            r.insert("authorization", header(&out, "Authorization"));
            stages(&mut r, &out);
        }
        "huawei_wsse" => {
            let signer = WsseSigner::new(credentials(spec)?);
            let req = request(spec)?.body(body(spec)).build()?;
            let out = signed(&signer, spec, &req, &iso_context(spec)?)?;
            r.insert("signature", out.signature().to_owned());
            r.insert("x_wsse", header(&out, "X-WSSE"));
            r.insert("authorization", header(&out, "Authorization"));
        }
        other => return Err(Failure::Unsupported(other.to_owned())),
    }
    Ok(r)
}

/// The stages, reported for debugging (not compared: the official SDKs expose them
/// differently).
fn stages(r: &mut BTreeMap<&'static str, String>, out: &cloudsign::SigningOutput) {
    if let Some(c) = out.canonical_request() {
        r.insert("canonical_request", c.to_owned());
    }
    if let Some(s) = out.string_to_sign() {
        r.insert("string_to_sign", s.to_owned());
    }
}

/// Signs with the fast path after holding it to the scheme's reference implementation.
fn signed(
    signer: &dyn Signer,
    spec: &Value,
    req: &CanonicalRequest,
    ctx: &SigningContext,
) -> Result<cloudsign::SigningOutput, Failure> {
    let case = spec.get("id").map(Value::to_string).unwrap_or_default();
    super::reference::hold(signer, req, ctx, &case).map_err(Failure::Reference)?;
    Ok(signer.sign(req, ctx)?)
}

fn header(out: &cloudsign::SigningOutput, name: &str) -> String {
    out.header(name).unwrap_or_default().to_owned()
}

/// Answers a list of specs: `{"id", "scheme", "signature", "authorization" | "x_wsse",
/// "error"}` per spec, same order. Never panics on a bad spec.
pub fn run(specs: &[Value]) -> Vec<Value> {
    specs
        .iter()
        .map(|spec| {
            let mut r = json!({
                "id": spec.get("id").cloned().unwrap_or(Value::Null),
                "scheme": spec.get("scheme").cloned().unwrap_or(Value::Null),
            });
            match sign(spec) {
                Ok(fields) => {
                    for (k, v) in fields {
                        r[k] = Value::String(v);
                    }
                    r["error"] = Value::Null;
                }
                Err(e) => r["error"] = Value::String(e.to_string()),
            }
            r
        })
        .collect()
}

/// Why a case may differ from the official SDK on purpose.
pub const EDGE_SPACES: &str = "a header value with edge spaces: the Python SDK signs them, \
    but HTTP/1.1 parsers drop them, so the server never sees them; cloudsign signs the value \
    as received (the Java SDK trims too)";

/// Per-scheme agreement with the official answers.
#[derive(Debug, Default)]
pub struct Report {
    /// scheme -> (agreeing, total)
    pub counts: BTreeMap<String, (usize, usize)>,
    /// Human-readable descriptions of the disagreements, in corpus order.
    pub mismatches: Vec<String>,
    /// scheme -> (reason -> cases that differ from the SDK on purpose, see `EDGE_SPACES`)
    pub divergences: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Report {
    /// True when every compared case agrees.
    pub fn all_agree(&self) -> bool {
        self.mismatches.is_empty()
            && self
                .counts
                .iter()
                .all(|(scheme, (ok, n))| ok + self.diverging(scheme) == *n)
    }

    /// Cases of `scheme` that differ from the SDK on purpose.
    pub fn diverging(&self, scheme: &str) -> usize {
        self.divergences.get(scheme).map_or(0, |d| d.values().sum())
    }

    /// One line per scheme, then up to `max` mismatches.
    pub fn summary(&self, max: usize) -> String {
        let mut s = String::new();
        for (scheme, (ok, n)) in &self.counts {
            s.push_str(&format!("{scheme}: {ok}/{n} agree with the official SDK\n"));
            for (why, d) in self.divergences.get(scheme).into_iter().flatten() {
                s.push_str(&format!("{scheme}: {d}/{n} differ on purpose: {why}\n"));
            }
        }
        for m in self.mismatches.iter().take(max) {
            s.push_str(m);
            s.push('\n');
        }
        if self.mismatches.len() > max {
            s.push_str(&format!(
                "... and {} more mismatches\n",
                self.mismatches.len() - max
            ));
        }
        s
    }
}

/// Compares results with the oracle's `expected` (same order), for the schemes in `schemes`.
pub fn compare(results: &[Value], expected: &[Value], schemes: &[&str]) -> Report {
    let mut report = Report::default();
    if results.len() != expected.len() {
        report.mismatches.push(format!(
            "{} results for {} expected answers",
            results.len(),
            expected.len()
        ));
        return report;
    }
    for (got, want) in results.iter().zip(expected) {
        let scheme = want["scheme"].as_str().unwrap_or_default();
        if !schemes.contains(&scheme) {
            continue;
        }
        let id = want["id"].as_str().unwrap_or_default();
        let entry = report.counts.entry(scheme.to_owned()).or_default();
        entry.1 += 1;
        let mut diffs = Vec::new();
        if got["id"] != want["id"] {
            diffs.push(format!("  id: got {}, want {}", got["id"], want["id"]));
        }
        if want["error"].is_null() && !got["error"].is_null() {
            diffs.push(format!("  error: {}", got["error"]));
        }
        for f in compared_fields(scheme) {
            if got.get(*f) != want.get(*f) {
                diffs.push(format!(
                    "  {f}:\n    cloudsign: {}\n    official:  {}",
                    got.get(*f).unwrap_or(&Value::Null),
                    want.get(*f).unwrap_or(&Value::Null)
                ));
            }
        }
        if !diffs.is_empty() {
            // Name the first stage that differs, where the oracle recorded it.
            for stage in ["canonical_request", "string_to_sign"] {
                if let (Some(g), Some(w)) = (got[stage].as_str(), want[stage].as_str()) {
                    if g != w {
                        diffs.push(format!(
                            "  first differing stage {stage}:\n    cloudsign: {g:?}\n    official:  {w:?}"
                        ));
                        break;
                    }
                }
            }
        }
        if diffs.is_empty() {
            entry.0 += 1;
        } else if let Some(why) = got["divergence"].as_str() {
            *report
                .divergences
                .entry(scheme.to_owned())
                .or_default()
                .entry(why.to_owned())
                .or_default() += 1;
        } else {
            report
                .mismatches
                .push(format!("MISMATCH {id} ({scheme})\n{}", diffs.join("\n")));
        }
    }
    report
}
