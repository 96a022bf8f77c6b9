//! The gateway's side of a signed request: recompute the signature from what arrived, the
//! way the cloud's gateway does. It reads the time, nonce, settings and the list of signed
//! headers from the request itself, rebuilds the request with the crate's public API
//! (`CanonicalRequest::from_http_parts`), signs it again and compares.
//!
//! Shared by `tests/loopback.rs` (a real HTTP stack), `tests/wire.rs` (generated requests
//! through an HTTP/1.1 parser) and the fuzz targets. A request names its scheme in the
//! `x-loopback-scheme` header; the credentials are the constants below.

#![allow(dead_code)] // each user takes what it needs

use cloudsign::alibaba::{Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{v1, Tc3Signer, V1Signer};
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
use http::request::Parts;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub const AK: &str = "AKIDloopbackEXAMPLE";
pub const SK: &str = "loopback-secret-key";
pub const TOKEN: &str = "loopback-session-token";

pub fn creds(token: bool) -> Credentials {
    let c = Credentials::new(AK, SK).unwrap();
    if token {
        c.with_security_token(TOKEN).unwrap()
    } else {
        c
    }
}

// ---------------------------------------------------------------------------------------
// Server side: verify what arrived.
// ---------------------------------------------------------------------------------------

fn header<'a>(parts: &'a Parts, name: &str) -> Result<&'a str, String> {
    parts
        .headers
        .get(name)
        .ok_or_else(|| format!("no {name} header"))?
        .to_str()
        .map_err(|e| e.to_string())
}

/// The received request, as cloudsign reads it.
fn received(parts: &Parts, body: &[u8]) -> Result<CanonicalRequest, String> {
    CanonicalRequest::from_http_parts(parts, body).map_err(|e| e.to_string())
}

/// The received request with only the headers `keep` accepts and the query parameters
/// `keep_param` accepts, for signing again.
fn rebuilt(
    got: &CanonicalRequest,
    keep: impl Fn(&str) -> bool,
    keep_param: impl Fn(&str) -> bool,
    body: &[u8],
) -> Result<CanonicalRequest, String> {
    CanonicalRequest::builder()
        .method(got.method())
        .host(got.host())
        .path(got.path())
        .queries(got.query().iter().filter(|(k, _)| keep_param(k)).cloned())
        .headers(got.headers().iter().filter(|(n, _)| keep(n)).cloned())
        .body(body)
        .build()
        .map_err(|e| e.to_string())
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn signed_headers(authorization: &str) -> Vec<String> {
    authorization
        .split("SignedHeaders=")
        .nth(1)
        .unwrap_or("")
        .split([',', ' '])
        .next()
        .unwrap_or("")
        .split(';')
        .map(str::to_owned)
        .collect()
}

fn same(what: &str, recomputed: Option<&str>, received: &str) -> Result<(), String> {
    if recomputed == Some(received) {
        Ok(())
    } else {
        Err(format!(
            "{what}: received {received:?}, recomputed {recomputed:?}"
        ))
    }
}

fn token_of(parts: &Parts, name: &str) -> bool {
    parts.headers.contains_key(name)
}

/// Recomputes the signature of a received request; returns the time and nonce it was
/// signed with.
pub fn verify(parts: &Parts, body: &[u8]) -> Result<SigningContext, String> {
    let scheme = header(parts, "x-loopback-scheme")?;
    let got = received(parts, body)?;
    match scheme {
        "acs3" => {
            let auth = header(parts, "authorization")?;
            let signed = signed_headers(auth);
            // The gateway wants every x-acs-* header it receives signed (ACS3's document).
            if let Some(n) = parts.headers.keys().find(|n| {
                n.as_str().starts_with("x-acs-") && !signed.iter().any(|s| s == n.as_str())
            }) {
                return Err(format!("{n} is not signed"));
            }
            let added = [
                "x-acs-action",
                "x-acs-version",
                "x-acs-date",
                "x-acs-signature-nonce",
                "x-acs-content-sha256",
                "x-acs-accesskey-id",
                "x-acs-security-token",
            ];
            let req = rebuilt(
                &got,
                |n| signed.iter().any(|s| s.eq_ignore_ascii_case(n)) && !added.contains(&n),
                |_| true,
                body,
            )?;
            let signer = Acs3Signer::builder(creds(token_of(parts, "x-acs-security-token")))
                .action(header(parts, "x-acs-action")?)
                .version(header(parts, "x-acs-version")?)
                .build()
                .map_err(|e| e.to_string())?;
            let time = OffsetDateTime::parse(header(parts, "x-acs-date")?, &Rfc3339)
                .map_err(|e| e.to_string())?;
            let ctx = SigningContext::new(time, header(parts, "x-acs-signature-nonce")?);
            let out = signer.sign(&req, &ctx).map_err(|e| e.to_string())?;
            same("Authorization", out.header("Authorization"), auth).map(|()| ctx)
        }
        "rpc" => {
            // GET: everything is in the query; POST: the API parameters are in the body.
            let q = got.query();
            let common = [
                "Action",
                "Format",
                "Version",
                "Timestamp",
                "SignatureNonce",
                "SecurityToken",
                "SignatureMethod",
                "SignatureVersion",
                "AccessKeyId",
                "Signature",
            ];
            let req = rebuilt(&got, |_| true, |k| !common.contains(&k), body)?;
            let signer = RpcSigner::builder(creds(param(q, "SecurityToken").is_some()))
                .action(param(q, "Action").unwrap_or_default())
                .version(param(q, "Version").unwrap_or_default())
                .format(param(q, "Format").unwrap_or_default())
                .build()
                .map_err(|e| e.to_string())?;
            let time = OffsetDateTime::parse(param(q, "Timestamp").unwrap_or_default(), &Rfc3339)
                .map_err(|e| e.to_string())?;
            let ctx = SigningContext::new(time, param(q, "SignatureNonce").unwrap_or_default());
            let out = signer.sign(&req, &ctx).map_err(|e| e.to_string())?;
            same(
                "Signature",
                out.query_param("Signature"),
                param(q, "Signature").unwrap_or_default(),
            )
            .map(|()| ctx)
        }
        "tc3" => {
            let auth = header(parts, "authorization")?;
            let service = auth
                .split('/')
                .nth(2)
                .ok_or("no service in the credential scope")?;
            let req = rebuilt(
                &got,
                |n| n.eq_ignore_ascii_case("content-type"),
                |_| true,
                body,
            )?;
            let mut b = Tc3Signer::builder(creds(token_of(parts, "x-tc-token")), service)
                .action(header(parts, "x-tc-action")?)
                .version(header(parts, "x-tc-version")?);
            if let Ok(region) = header(parts, "x-tc-region") {
                b = b.region(region);
            }
            let signer = b.build().map_err(|e| e.to_string())?;
            let secs: i64 = header(parts, "x-tc-timestamp")?
                .parse()
                .map_err(|_| "bad X-TC-Timestamp")?;
            let ctx = SigningContext::from_unix(secs, "").map_err(|e| e.to_string())?;
            let out = signer.sign(&req, &ctx).map_err(|e| e.to_string())?;
            same("Authorization", out.header("Authorization"), auth).map(|()| ctx)
        }
        "wsse" => {
            let wsse = header(parts, "x-wsse")?;
            let field = |name: &str| {
                wsse.split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap_or_default()
                    .to_owned()
            };
            let time =
                OffsetDateTime::parse(&field("Created"), &Rfc3339).map_err(|e| e.to_string())?;
            let ctx = SigningContext::new(time, field("Nonce"));
            // The scheme signs nothing of the request, but refuses one that carries its
            // own headers (an already signed request).
            let unsigned = rebuilt(
                &got,
                |n| !n.eq_ignore_ascii_case("x-wsse") && !n.eq_ignore_ascii_case("authorization"),
                |_| true,
                body,
            )?;
            let out = WsseSigner::new(creds(false))
                .sign(&unsigned, &ctx)
                .map_err(|e| e.to_string())?;
            same("X-WSSE", out.header("X-WSSE"), wsse).map(|()| ctx)
        }
        "roa" => {
            let auth = header(parts, "authorization")?;
            let added = [
                "date",
                "x-acs-signature-nonce",
                "x-acs-signature-method",
                "x-acs-signature-version",
                "x-acs-version",
                "x-acs-action",
                "x-acs-accesskey-id",
                "x-acs-security-token",
                "authorization",
            ];
            let req = rebuilt(
                &got,
                |n| {
                    let n = n.to_ascii_lowercase();
                    (n.starts_with("x-acs-")
                        || n == "accept"
                        || n == "content-type"
                        || n == "content-md5")
                        && !added.contains(&n.as_str())
                },
                |_| true,
                body,
            )?;
            let signer = RoaSigner::builder(creds(token_of(parts, "x-acs-security-token")))
                .action(header(parts, "x-acs-action")?)
                .version(header(parts, "x-acs-version")?)
                .build()
                .map_err(|e| e.to_string())?;
            // IMF-fixdate (RFC 9110 §5.6.7), any year.
            let format = time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            );
            let time = time::PrimitiveDateTime::parse(header(parts, "date")?, &format)
                .map_err(|e| e.to_string())?
                .assume_utc();
            let ctx = SigningContext::new(time, header(parts, "x-acs-signature-nonce")?);
            let out = signer.sign(&req, &ctx).map_err(|e| e.to_string())?;
            same("Authorization", out.header("Authorization"), auth).map(|()| ctx)
        }
        "v1" => {
            // GET: the parameters are the query; POST: the form body.
            let post = got.method() == "POST";
            let params: Vec<(String, String)> = if post {
                url_decoded(body)
            } else {
                got.query().to_vec()
            };
            let common = [
                "Action",
                "RequestClient",
                "Nonce",
                "Timestamp",
                "Version",
                "Region",
                "Token",
                "SecretId",
                "SignatureMethod",
                "Language",
                "Signature",
            ];
            let own: Vec<&(String, String)> = params
                .iter()
                .filter(|(k, _)| !common.contains(&k.as_str()))
                .collect();
            let p = |name| param(&params, name);
            let mut b = V1Signer::builder(creds(p("Token").is_some()))
                .action(p("Action").unwrap_or_default())
                .signature_method(match p("SignatureMethod") {
                    Some("HmacSHA1") => v1::SignatureMethod::HmacSha1,
                    Some(_) => v1::SignatureMethod::HmacSha256,
                    None => v1::SignatureMethod::HmacSha1Implicit,
                });
            if let Some(v) = p("Version") {
                b = b.version(v);
            }
            if let Some(r) = p("Region") {
                b = b.region(r);
            }
            let signer = b.build().map_err(|e| e.to_string())?;
            let mut req = CanonicalRequest::builder()
                .method(got.method())
                .host(got.host())
                .path(got.path());
            if post {
                let mut form = String::new();
                for (k, v) in own {
                    if !form.is_empty() {
                        form.push('&');
                    }
                    cloudsign::encoding::form_encode_into(&mut form, k);
                    form.push('=');
                    cloudsign::encoding::form_encode_into(&mut form, v);
                }
                req = req
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(form);
            } else {
                req = req.queries(own.into_iter().cloned());
            }
            let secs: i64 = p("Timestamp")
                .unwrap_or_default()
                .parse()
                .map_err(|_| "bad Timestamp")?;
            let ctx = SigningContext::from_unix(secs, p("Nonce").unwrap_or_default())
                .map_err(|e| e.to_string())?;
            let out = signer
                .sign(&req.build().map_err(|e| e.to_string())?, &ctx)
                .map_err(|e| e.to_string())?;
            same(
                "Signature",
                Some(out.signature()),
                p("Signature").unwrap_or_default(),
            )
            .map(|()| ctx)
        }
        "huawei" => {
            let auth = header(parts, "authorization")?;
            let signed = signed_headers(auth);
            let added = ["x-sdk-date", "x-security-token", "x-project-id", "host"];
            let req = rebuilt(
                &got,
                |n| signed.iter().any(|s| s.eq_ignore_ascii_case(n)) && !added.contains(&n),
                |_| true,
                body,
            )?;
            let mut b = SdkHmacSha256Signer::builder(creds(token_of(parts, "x-security-token")));
            if let Ok(p) = header(parts, "x-project-id") {
                b = b.project_id(p);
            }
            let signer = b.build().map_err(|e| e.to_string())?;
            let format =
                time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
            let time = time::PrimitiveDateTime::parse(header(parts, "x-sdk-date")?, &format)
                .map_err(|e| e.to_string())?
                .assume_utc();
            let ctx = SigningContext::new(time, "");
            let out = signer.sign(&req, &ctx).map_err(|e| e.to_string())?;
            same("Authorization", out.header("Authorization"), auth).map(|()| ctx)
        }
        other => Err(format!("unknown scheme {other}")),
    }
}

/// A form body's pairs, decoded through the crate's own query reader.
fn url_decoded(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decoded(k), form_decoded(v))
        })
        .collect()
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
fn form_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', ..) => {
                out.push(b' ');
                i += 1;
            }
            (c, ..) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
