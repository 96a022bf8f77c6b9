//! The committed conformance corpus, as the official SDKs sent it
//! (`support/received.rs`), through the verification runner (`examples/verify.rs`): every
//! request verifies; a copy with one byte changed in one element is refused with the
//! cloud's code if the scheme protects that element, and accepted if it does not (those are
//! printed: what the scheme leaves open); a replay is refused until its window ends; the
//! runner survives malformed input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

#[path = "support/received.rs"]
mod received;
#[allow(dead_code)] // the runner's `main` is not called here
#[path = "../examples/verify.rs"]
mod runner;
#[path = "support/signers.rs"]
mod signers;

use std::collections::BTreeMap;
use std::ops::Range;

use cloudsign::verify::{Received, Scheme, VerifyError};
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
use received::{Case, Request};
use serde_json::{json, Value};

/// The corpus schemes whose verifier `examples/verify.rs` registers: strict for these, the
/// others are skipped with a message naming them. Add a scheme here (and its line in
/// [`COUNTS`]) when its verifier is registered; the test checks that this list is exact.
const REGISTERED: &[&str] = &[
    "alibaba_acs3",
    "alibaba_roa",
    "alibaba_rpc",
    "tencent_tc3",
    "tencent_v1",
    "huawei_sdk_hmac_sha256",
    "huawei_wsse",
];

/// Per registered scheme: cases that verify, tampered copies refused, tampered copies
/// accepted because the scheme does not protect the element changed. ACS3 and ROA are
/// registered as the Python SDK needs them (`QueryNames::Raw`, `HeaderNames::LowercaseOnly`);
/// with the verifiers' defaults, 3 ACS3 and 37 ROA SDK requests are refused. 29 more ROA
/// requests verify nowhere (`Case::undeliverable`).
const COUNTS: &[(&str, usize, usize, usize)] = &[
    ("alibaba_acs3", 200, 4310, 0),
    ("alibaba_roa", 171, 2941, 414),
    ("tencent_tc3", 200, 6100, 1034),
    ("alibaba_rpc", 200, 5595, 509),
    ("tencent_v1", 200, 5474, 252),
    ("huawei_sdk_hmac_sha256", 200, 6522, 91),
    ("huawei_wsse", 200, 1000, 2800),
];

const SCHEMES: [(&str, Scheme); 7] = [
    ("alibaba_acs3", Scheme::Acs3),
    ("alibaba_rpc", Scheme::AlibabaRpc),
    ("alibaba_roa", Scheme::AlibabaRoa),
    ("tencent_tc3", Scheme::Tc3),
    ("tencent_v1", Scheme::TencentV1),
    ("huawei_sdk_hmac_sha256", Scheme::HuaweiSdkHmacSha256),
    ("huawei_wsse", Scheme::HuaweiWsse),
];

fn scheme(id: &str) -> Scheme {
    SCHEMES.iter().find(|(s, _)| *s == id).unwrap().1
}

/// The registered schemes (checked against the runner), after naming the skipped ones.
fn registered() -> Vec<&'static str> {
    let mut runner: Vec<Scheme> = runner::registered();
    let mut listed: Vec<Scheme> = REGISTERED.iter().map(|s| scheme(s)).collect();
    runner.sort_by_key(|s| s.name());
    listed.sort_by_key(|s| s.name());
    assert_eq!(
        runner, listed,
        "REGISTERED must list exactly the runner's verifiers"
    );
    let skipped: Vec<&str> = SCHEMES
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !REGISTERED.contains(id))
        .collect();
    if !skipped.is_empty() {
        println!(
            "SKIPPED, no verifier registered in examples/verify.rs yet: {}",
            skipped.join(", ")
        );
    }
    REGISTERED.to_vec()
}

fn counts(id: &str) -> (usize, usize, usize) {
    let line = COUNTS.iter().find(|(s, ..)| *s == id);
    let (_, a, b, c) = line.unwrap_or_else(|| panic!("COUNTS has no line for {id}"));
    (*a, *b, *c)
}

/// The runner's answer for `req` alone, with `key`, in a run of its own (its own replay
/// cache: an accepted tampered copy would otherwise be a replay of the original).
fn verify(req: &Request, key: &Value) -> Value {
    let input = json!({"keys": [key], "requests": [req.to_json()]});
    runner::run(&input).unwrap()[0].clone()
}

fn received(req: &Request) -> Received {
    let mut got = Received::new(&req.method, &req.host, &req.target()).body(req.body.as_bytes());
    for (name, value) in &req.headers {
        got = got.header(name, value);
    }
    got
}

fn corpus() -> Vec<Case> {
    received::corpus().unwrap()
}

fn mismatch_code(scheme: Scheme) -> &'static str {
    VerifyError::SignatureMismatch {
        scheme,
        string_to_sign: String::new(),
    }
    .cloud_code()
}

fn unknown_key_code(scheme: Scheme) -> &'static str {
    VerifyError::UnknownKey {
        scheme,
        access_key_id: String::new(),
    }
    .cloud_code()
}

/// Every code the scheme's verifier can refuse a request with (not a replay).
fn cloud_codes(scheme: Scheme) -> Vec<&'static str> {
    let mut errors = vec![
        VerifyError::BadTime {
            scheme,
            what: "time",
        },
        VerifyError::Expired {
            scheme,
            signed_at: 0,
            now: 0,
            window: 0,
        },
        VerifyError::TokenMismatch { scheme },
    ];
    for what in [
        "Signature",
        "Authorization header",
        "X-WSSE header",
        "UserName",
        "Nonce",
        "Created",
        "parameter",
    ] {
        errors.push(VerifyError::Missing { scheme, what });
    }
    for what in ["realm", "profile", "part"] {
        errors.push(VerifyError::Malformed {
            scheme,
            what,
            reason: "",
        });
    }
    let mut codes: Vec<&str> = errors.iter().map(VerifyError::cloud_code).collect();
    codes.extend([mismatch_code(scheme), unknown_key_code(scheme)]);
    codes
}

#[test]
fn every_sdk_request_verifies() {
    let schemes = registered();
    let mut verified: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in corpus() {
        let Some(id) = schemes.iter().find(|s| **s == case.scheme) else {
            continue;
        };
        let got = verify(&case.request, &case.key);
        match &case.undeliverable {
            None if got["ok"] == true => *verified.entry(id).or_default() += 1,
            None => failures.push(format!("{}: refused: {got}", case.request.id)),
            // Signed over bytes that never arrive: the server's answer is a mismatch.
            Some(why) => {
                println!("{}: does not verify anywhere: {why}", case.request.id);
                if got["error_code"] != mismatch_code(scheme(id)) {
                    failures.push(format!("{}: undeliverable, got {got}", case.request.id));
                }
            }
        }
    }
    for id in &schemes {
        println!(
            "{id}: {} SDK requests verify",
            verified.get(id).copied().unwrap_or(0)
        );
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for id in &schemes {
        assert_eq!(verified.get(id).copied().unwrap_or(0), counts(id).0, "{id}");
    }
}

// ---------------------------------------------------------------------------------------
// Tampering: one element of the request as received changed by one character.
// ---------------------------------------------------------------------------------------

/// What a refusal of a tampered copy must answer.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    /// The signature: the scheme's mismatch code.
    Signature,
    /// The access key id: the scheme's unknown-key code.
    AccessKey,
    /// Anything else (a timestamp, a nonce, a signed header...): some code of the scheme.
    Other,
}

/// Where the changed character is.
#[derive(Clone, Debug, PartialEq)]
enum Element {
    Host,
    Path,
    /// A header other than the one carrying the signature: its lower-case name, and whether
    /// it was sent spelled in lower case.
    Header(String, bool),
    /// A part of the header carrying the signature (access key id, signature, ...).
    Part,
    /// A query parameter's name or value.
    Query,
    Body,
    /// A parameter's name or value in a form body.
    Form,
}

struct Variant {
    label: String,
    request: Request,
    element: Element,
    role: Role,
}

/// The next character of the same kind (digit, lower, upper); `x` for anything else.
fn rotate(c: char) -> char {
    match c {
        '0'..='8' | 'a'..='y' | 'A'..='Y' => char::from(c as u8 + 1),
        '9' => '0',
        'z' => 'a',
        'Z' => 'A',
        _ => 'x',
    }
}

/// `s` with its middle character rotated, or `x` appended to an empty `s`.
fn change_middle(s: &str) -> String {
    let n = s.chars().count();
    match n {
        0 => "x".to_owned(),
        _ => s
            .chars()
            .enumerate()
            .map(|(i, c)| if i == n / 2 { rotate(c) } else { c })
            .collect(),
    }
}

/// A signature (as sent) with its first character replaced by another of its alphabet, so
/// that it still decodes: hex digits, or Base64 (`%2B`/`%2F` on the wire swap).
fn change_signature(s: &str, hex: bool) -> String {
    for (from, to) in [("%2B", "%2F"), ("%2F", "%2B")] {
        if let Some(rest) = s.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    let mut chars = s.chars();
    let first = match chars.next() {
        Some('9') if hex => 'a',
        Some('f') if hex => '0',
        Some('+') => '/',
        Some('/') => '+',
        Some(c) => rotate(c),
        None => 'x',
    };
    std::iter::once(first).chain(chars).collect()
}

/// An X-WSSE `PasswordDigest` (Base64 of a lower-case hex SHA-256, or of its 32 bytes) with
/// one hex digit or byte changed, still of the same form.
fn change_digest(digest: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut bytes = b64.decode(digest).unwrap();
    bytes[0] = match bytes[0] {
        b'9' => b'a',
        b'f' => b'0',
        b @ (b'0'..=b'8' | b'a'..=b'e') => b + 1,
        b => b ^ 1,
    };
    b64.encode(bytes)
}

fn hex_signature(scheme: Scheme) -> bool {
    matches!(
        scheme,
        Scheme::Acs3 | Scheme::Tc3 | Scheme::HuaweiSdkHmacSha256
    )
}

/// The header carrying the signature and the access key id, if the scheme has one.
fn carrier(scheme: Scheme) -> Option<&'static str> {
    match scheme {
        Scheme::AlibabaRpc | Scheme::TencentV1 => None,
        Scheme::HuaweiWsse => Some("x-wsse"),
        _ => Some("authorization"),
    }
}

/// The byte range after `marker` up to the first of `ends`.
fn after(value: &str, marker: &str, ends: &[char]) -> Option<Range<usize>> {
    let start = value.find(marker)? + marker.len();
    let len = value[start..].find(ends).unwrap_or(value.len() - start);
    Some(start..start + len)
}

/// The parts of the signature carrier: label, range, what refusing it must answer.
fn parts(scheme: Scheme, value: &str) -> Vec<(&'static str, Range<usize>, Role)> {
    use Role::{AccessKey, Other, Signature};
    let quoted = |name: &str| after(value, &format!("{name}=\""), &['"']);
    let found = match scheme {
        Scheme::Tc3 => {
            let cred = after(value, "Credential=", &[',']).unwrap_or_default();
            let mut seg = cred.start;
            let mut scope = Vec::new();
            for label in ["access key id", "credential date", "credential service"] {
                let len = value[seg..cred.end].find('/').unwrap_or(cred.end - seg);
                let role = if scope.is_empty() { AccessKey } else { Other };
                scope.push((label, Some(seg..seg + len), role));
                seg += len + 1;
            }
            scope.push((
                "SignedHeaders",
                after(value, "SignedHeaders=", &[',']),
                Other,
            ));
            scope.push(("signature", after(value, "Signature=", &[',']), Signature));
            scope
        }
        Scheme::Acs3 | Scheme::HuaweiSdkHmacSha256 => {
            let id = if scheme == Scheme::Acs3 {
                "Credential="
            } else {
                "Access="
            };
            vec![
                ("access key id", after(value, id, &[',']), AccessKey),
                (
                    "SignedHeaders",
                    after(value, "SignedHeaders=", &[',']),
                    Other,
                ),
                ("signature", after(value, "Signature=", &[',']), Signature),
            ]
        }
        Scheme::AlibabaRoa => vec![
            ("access key id", after(value, "acs ", &[':']), AccessKey),
            ("signature", after(value, ":", &[]), Signature),
        ],
        Scheme::HuaweiWsse => vec![
            ("Username", quoted("Username"), AccessKey),
            ("PasswordDigest", quoted("PasswordDigest"), Signature),
            ("Nonce", quoted("Nonce"), Other),
            ("Created", quoted("Created"), Other),
        ],
        _ => Vec::new(),
    };
    found
        .into_iter()
        .map(|(label, range, role)| {
            let range = range.unwrap_or_else(|| panic!("{scheme}: no {label} in {value:?}"));
            (label, range, role)
        })
        .collect()
}

/// Parameters named for the signature or the access key id.
fn param_role(name: &str) -> Role {
    match name {
        "Signature" => Role::Signature,
        "AccessKeyId" | "SecretId" => Role::AccessKey,
        _ => Role::Other,
    }
}

fn is_form(req: &Request) -> bool {
    !req.body.is_empty()
        && req
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
}

/// One tampered copy per name and value of the `&`-separated pairs of `text`.
fn pair_variants(
    scheme: Scheme,
    text: &str,
    rebuild: &dyn Fn(String) -> Request,
    element: Element,
    out: &mut Vec<Variant>,
) {
    let pairs: Vec<(&str, Option<&str>)> = text
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (p, None),
        })
        .collect();
    let join = |i: usize, name: String, value: Option<String>| {
        let mut all: Vec<String> = Vec::new();
        for (j, (n, v)) in pairs.iter().enumerate() {
            let (n, v) = match j == i {
                true => (name.clone(), value.clone()),
                false => (n.to_string(), v.map(str::to_owned)),
            };
            all.push(match v {
                Some(v) => format!("{n}={v}"),
                None => n,
            });
        }
        all.join("&")
    };
    let kind = if element == Element::Query {
        "query"
    } else {
        "form"
    };
    for (i, (name, value)) in pairs.iter().enumerate() {
        let v = value.map(str::to_owned);
        out.push(Variant {
            label: format!("{kind} name {name}"),
            request: rebuild(join(i, change_middle(name), v.clone())),
            element: element.clone(),
            role: Role::Other,
        });
        let role = param_role(name);
        let changed = match role {
            Role::Signature => change_signature(value.unwrap_or(""), hex_signature(scheme)),
            _ => change_middle(value.unwrap_or("")),
        };
        out.push(Variant {
            label: format!("{kind} value {name}"),
            request: rebuild(join(i, name.to_string(), Some(changed))),
            element: element.clone(),
            role,
        });
    }
}

/// One tampered copy of `req` per element.
fn variants(scheme: Scheme, req: &Request) -> Vec<Variant> {
    let mut out = Vec::new();
    let mut r = req.clone();
    r.host = change_middle(&req.host);
    for (name, value) in &mut r.headers {
        if name.eq_ignore_ascii_case("host") {
            value.clone_from(&r.host);
        }
    }
    out.push(Variant {
        label: "host".into(),
        request: r,
        element: Element::Host,
        role: Role::Other,
    });
    let mut r = req.clone();
    r.path = match req.path.as_str() {
        "/" => "/x".to_owned(),
        p => change_middle(p),
    };
    out.push(Variant {
        label: "path".into(),
        request: r,
        element: Element::Path,
        role: Role::Other,
    });
    for (i, (name, value)) in req.headers.iter().enumerate() {
        let lower = name.to_ascii_lowercase();
        if lower == "host" {
            continue;
        }
        if carrier(scheme) == Some(lower.as_str()) {
            for (label, range, role) in parts(scheme, value) {
                let part = &value[range.clone()];
                let changed = match (role, scheme) {
                    (Role::Signature, Scheme::HuaweiWsse) => change_digest(part),
                    (Role::Signature, _) => change_signature(part, hex_signature(scheme)),
                    _ => change_middle(part),
                };
                let mut r = req.clone();
                r.headers[i].1 =
                    format!("{}{changed}{}", &value[..range.start], &value[range.end..]);
                out.push(Variant {
                    label: format!("{name} {label}"),
                    request: r,
                    element: Element::Part,
                    role,
                });
            }
            continue;
        }
        let mut r = req.clone();
        r.headers[i].1 = change_middle(value);
        out.push(Variant {
            label: format!("header {lower}"),
            request: r,
            element: Element::Header(lower, !name.bytes().any(|b| b.is_ascii_uppercase())),
            role: Role::Other,
        });
    }
    if let Some(query) = req.query.as_deref().filter(|q| !q.is_empty()) {
        let rebuild = |q: String| Request {
            query: Some(q),
            ..req.clone()
        };
        pair_variants(scheme, query, &rebuild, Element::Query, &mut out);
    }
    let mut r = req.clone();
    r.body = change_middle(&req.body);
    out.push(Variant {
        label: "body".into(),
        request: r,
        element: Element::Body,
        role: Role::Other,
    });
    if is_form(req) {
        let rebuild = |body: String| Request {
            body,
            ..req.clone()
        };
        pair_variants(scheme, &req.body, &rebuild, Element::Form, &mut out);
    }
    out
}

/// The lower-case names of the `SignedHeaders` list of the request's `Authorization`.
fn signed_headers(req: &Request) -> Vec<String> {
    let auth = req.header("authorization").unwrap_or("");
    after(auth, "SignedHeaders=", &[','])
        .map(|r| auth[r].split(';').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The headers in ROA's string to sign (lower-case name).
fn roa_signs(lower: &str) -> bool {
    matches!(lower, "accept" | "content-md5" | "content-type" | "date")
        || lower.starts_with("x-acs-")
}

/// Whether a header ROA signs was sent with an upper-case letter in its name.
fn roa_mixed_case(req: &Request) -> bool {
    req.headers.iter().any(|(n, _)| {
        roa_signs(&n.to_ascii_lowercase()) && n.bytes().any(|b| b.is_ascii_uppercase())
    })
}

/// Whether the scheme protects `element` of `req` (a change to it must be refused), from
/// the scheme's definition and how the official SDK signed this request.
fn protected(scheme: Scheme, req: &Request, element: &Element) -> bool {
    use Element::{Body, Form, Header, Host, Part, Path, Query};
    let payload_unsigned = |h: &str| req.header(h) == Some("UNSIGNED-PAYLOAD");
    match (scheme, element) {
        (_, Part) => true,
        // X-WSSE signs nothing of the request; its Authorization names the profile.
        (Scheme::HuaweiWsse, Header(h, _)) => h == "authorization",
        (Scheme::HuaweiWsse, _) => false,
        (Scheme::Tc3, Header(h, _)) => {
            signed_headers(req).contains(h)
                // In the string to sign; checked against the key's; selects the payload hash.
                || matches!(h.as_str(), "x-tc-timestamp" | "x-tc-token" | "x-tc-content-sha256")
        }
        (Scheme::Acs3 | Scheme::HuaweiSdkHmacSha256, Header(h, _)) => {
            signed_headers(req).contains(h)
        }
        // tea-openapi signs only the names it spells in lower case: a request with others
        // verifies only in that form (`HeaderNames::LowercaseOnly`), which leaves them open.
        (Scheme::AlibabaRoa, Header(h, lower)) => roa_signs(h) && (*lower || !roa_mixed_case(req)),
        // Where the parameters are read from.
        (Scheme::AlibabaRpc, Header(h, _)) => h == "content-type" && is_form(req),
        (Scheme::TencentV1, Header(h, _)) => h == "content-type" && req.method == "POST",
        (Scheme::AlibabaRoa | Scheme::AlibabaRpc, Host) => false,
        (Scheme::AlibabaRpc, Path) => false,
        (_, Host | Path | Query) => true,
        (Scheme::Tc3, Body | Form) => !payload_unsigned("x-tc-content-sha256"),
        // The SDK hashes an empty body even with UNSIGNED-PAYLOAD (oracle README, H2).
        (Scheme::HuaweiSdkHmacSha256, Body | Form) => {
            !payload_unsigned("x-sdk-content-sha256") || req.body.is_empty()
        }
        (Scheme::AlibabaRoa, Body | Form) => req.header("content-md5").is_some(),
        // A POST body that is not a form would go unsigned: the RPC verifier refuses it.
        (Scheme::AlibabaRpc, Body | Form) => is_form(req) || req.method == "POST",
        (Scheme::TencentV1, Body | Form) => req.method == "POST",
        _ => true,
    }
}

/// `Ok(true)` refused as it must be, `Ok(false)` accepted as it must be, `Err` otherwise.
fn judge(scheme: Scheme, v: &Variant, protected: bool, got: &Value) -> Result<bool, String> {
    let code = got["error_code"].as_str().unwrap_or("");
    if !protected {
        return match got["ok"] == true {
            true => Ok(false),
            false => Err(format!("unprotected {}: refused: {got}", v.label)),
        };
    }
    if got["ok"] != false {
        return Err(format!("{}: accepted", v.label));
    }
    if Scheme::recognize(&received(&v.request)) != Some(scheme) {
        return Ok(true); // no longer this scheme's request: any refusal is right
    }
    let right = match v.role {
        Role::Signature => code == mismatch_code(scheme),
        Role::AccessKey => code == unknown_key_code(scheme),
        Role::Other => cloud_codes(scheme).contains(&code),
    };
    match right && got["scheme"] == scheme.name() {
        true => Ok(true),
        false => Err(format!("{} ({:?}): refused with {got}", v.label, v.role)),
    }
}

#[derive(Default)]
struct Tally {
    refused: usize,
    accepted: usize,
    /// Unprotected elements accepted, by label.
    open: BTreeMap<String, usize>,
}

/// Labels without the parameter names, to group what a scheme leaves open.
fn open_label(v: &Variant) -> String {
    match v.element {
        Element::Query | Element::Form => v
            .label
            .rsplit_once(' ')
            .map_or("", |(kind, _)| kind)
            .to_owned(),
        _ => v.label.clone(),
    }
}

#[test]
fn one_changed_byte_in_each_element() {
    let schemes = registered();
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in corpus() {
        let Some(id) = schemes.iter().find(|s| **s == case.scheme) else {
            continue;
        };
        if case.undeliverable.is_some() {
            continue;
        }
        let s = scheme(id);
        let tally = tallies.entry(id).or_default();
        let original = verify(&case.request, &case.key);
        if original["ok"] != true {
            // `every_sdk_request_verifies` names it; its copies would say nothing more.
            failures.push(format!("{}: the original is refused", case.request.id));
            continue;
        }
        for v in variants(s, &case.request) {
            let protected = protected(s, &case.request, &v.element);
            match judge(s, &v, protected, &verify(&v.request, &case.key)) {
                Ok(true) => tally.refused += 1,
                Ok(false) => {
                    tally.accepted += 1;
                    *tally.open.entry(open_label(&v)).or_default() += 1;
                }
                Err(e) => failures.push(format!("{}: {e}", case.request.id)),
            }
        }
    }
    for (id, t) in &tallies {
        println!(
            "{id}: {} tampered copies refused, {} accepted (elements the scheme does not protect)",
            t.refused, t.accepted
        );
        for (label, n) in &t.open {
            println!("    unprotected, accepted when changed: {label} ({n} cases)");
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures, first 40:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
    for id in &schemes {
        let t = &tallies[id];
        let (_, refused, accepted) = counts(id);
        assert_eq!(
            (t.refused, t.accepted),
            (refused, accepted),
            "{id}: (refused, accepted)"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Replay, and malformed input.
// ---------------------------------------------------------------------------------------

/// `req` signed by `signer` at `at` with `nonce`, as the runner takes it.
fn sent(signer: &dyn Signer, req: &CanonicalRequest, at: i64, nonce: &str, id: &str) -> Value {
    let out = signer
        .sign(req, &SigningContext::from_unix(at, nonce).unwrap())
        .unwrap();
    let target = match out.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    let mut headers = vec![json!(["Host", req.host()])];
    headers.extend(req.headers().iter().map(|(n, v)| json!([n, v])));
    headers.extend(out.headers().map(|(n, v)| json!([n, v])));
    json!({"id": id, "method": req.method(), "host": req.host(), "target": target,
        "headers": headers, "body": out.body().unwrap_or("")})
}

#[test]
fn a_replay_is_refused_until_its_window_ends() {
    const T: i64 = 1_700_000_000;
    let creds = Credentials::new("AKIDreplay", "replay-secret").unwrap();
    let req = CanonicalRequest::builder()
        .method("GET")
        .host("api.example.com")
        .query("Limit", "10")
        .build()
        .unwrap();
    // `signers::all`'s order.
    let order = [
        Scheme::Acs3,
        Scheme::AlibabaRpc,
        Scheme::Tc3,
        Scheme::HuaweiWsse,
        Scheme::AlibabaRoa,
        Scheme::TencentV1,
        Scheme::HuaweiSdkHmacSha256,
    ];
    let registered = runner::registered();
    let mut checked = 0;
    for (scheme, signer) in order.into_iter().zip(signers::all(&creds)) {
        if !registered.contains(&scheme) {
            continue;
        }
        let w = scheme.default_window().whole_seconds();
        let first = sent(signer.as_ref(), &req, T, "replaynonce1", "first");
        let later = sent(signer.as_ref(), &req, T + w + 1, "replaynonce1", "later");
        let at = |r: &Value, now: i64| {
            let mut r = r.clone();
            r["now"] = json!(now);
            r
        };
        let input = json!({"keys": [{"access_key_id": "AKIDreplay", "secret": "replay-secret"}],
            "requests": [at(&first, T), at(&first, T + 1), at(&first, T + w + 1),
                at(&later, T + w + 1)]});
        let got = runner::run(&input).unwrap();
        let code = |i: usize| got[i]["error_code"].clone();
        assert_eq!(got[0]["ok"], true, "{scheme}: {}", got[0]);
        assert_eq!(got[0]["scheme"], scheme.name());
        let replayed = VerifyError::Replayed { scheme };
        assert_eq!(code(1), replayed.cloud_code(), "{scheme}: {}", got[1]);
        assert_eq!(got[1]["http_status"], replayed.http_status());
        let expired = VerifyError::Expired {
            scheme,
            signed_at: T,
            now: T + w + 1,
            window: w,
        };
        assert_eq!(code(2), expired.cloud_code(), "{scheme}: {}", got[2]);
        // The same nonce, signed after the first request's window: the cache forgot it.
        assert_eq!(got[3]["ok"], true, "{scheme}: {}", got[3]);
        println!(
            "{scheme}: replay refused with {}, accepted again after the window",
            code(1)
        );
        checked += 1;
    }
    assert_eq!(checked, registered.len());
}

#[test]
fn the_runner_answers_malformed_entries_and_ignores_unknown_fields() {
    let case = corpus()
        .into_iter()
        .find(|c| c.scheme == "tencent_tc3")
        .unwrap();
    let mut good = case.request.to_json();
    good["unknown"] = json!({"nested": [1, 2]});
    let base = |id: &str| json!({"id": id, "method": "GET", "host": "h", "target": "/"});
    let with = |id: &str, field: &str, value: Value| {
        let mut r = base(id);
        r[field] = value;
        r
    };
    let mut no_method = base("no-method");
    no_method.as_object_mut().unwrap().remove("method");
    let mut no_id = base("");
    no_id.as_object_mut().unwrap().remove("id");
    let input = json!({"keys": [case.key], "now": case.request.now, "comment": "ignored",
        "requests": [7, no_method, with("method", "method", json!(5)),
            with("headers", "headers", json!([["a"]])), with("headers-list", "headers", json!({})),
            with("body", "body", json!(3)), with("now", "now", json!("soon")), no_id, good]});
    let got = runner::run(&input).unwrap();
    let got = got.as_array().unwrap();
    assert_eq!(got.len(), 9);
    let wants = [
        "not a JSON object",
        "\"method\"",
        "\"method\"",
        "\"headers\"[0]",
        "\"headers\"",
        "\"body\"",
        "\"now\"",
        "\"id\"",
    ];
    for (answer, want) in got.iter().zip(wants) {
        assert_eq!(answer["ok"], false, "{answer}");
        assert_eq!(answer["error_code"], "InvalidRequest", "{answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(want),
            "{answer}: {want}"
        );
    }
    assert_eq!(got[8]["ok"], true, "{}", got[8]);
    assert_eq!(got[8]["id"], case.request.id);
    // With neither its own nor a top-level `now`, a request cannot be judged.
    let input = json!({"keys": [], "requests": [base("x")]});
    let got = runner::run(&input).unwrap();
    assert!(got[0]["message"].as_str().unwrap().contains("now"), "{got}");
}

#[test]
fn the_runner_refuses_a_malformed_top_level() {
    let bad = [
        (json!([]), "not a JSON object"),
        (json!({"requests": []}), "keys"),
        (json!({"keys": 3, "requests": []}), "keys"),
        (
            json!({"keys": [{"access_key_id": "a"}], "requests": []}),
            "secret",
        ),
        (
            json!({"keys": [{"access_key_id": "a", "secret": "s", "security_token": 1}],
            "requests": []}),
            "security_token",
        ),
        (json!({"keys": [], "requests": {}}), "requests"),
        (json!({"keys": [], "now": "later", "requests": []}), "now"),
    ];
    for (input, want) in bad {
        let err = runner::run(&input).unwrap_err();
        assert!(err.contains(want), "{input}: {err}");
    }
    assert_eq!(
        runner::run(&json!({"keys": [], "requests": []})).unwrap(),
        json!([])
    );
}
