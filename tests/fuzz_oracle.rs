//! The `verify` fuzz target's leak oracle, `gateway::leaked`: it must fire on a refusal that
//! gives away the gateway's secret or token, and stay quiet where the client wrote that text
//! into its own request (the verifier echoes it as the cloud does). Its first version
//! asserted on any copy and stopped `.ci/run` on such a request: a Huawei request whose query
//! the fuzzer had filled with `GET-loopback-session-token…` (fuzz/seeds/verify/crash-22-*).

#![cfg(feature = "http")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

#[path = "support/gateway.rs"]
mod gateway;
#[path = "support/reference.rs"]
mod reference;
#[path = "support/wire.rs"]
mod wire;

use cloudsign::verify::Scheme;
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
use gateway::{leaked, SK, TOKEN};

const HUAWEI: Option<Scheme> = Some(Scheme::HuaweiSdkHmacSha256);

fn head(lines: &[&str]) -> Vec<u8> {
    let mut out = lines.join("\r\n");
    out.push_str("\r\n\r\n");
    out.into_bytes()
}

#[test]
fn fires_on_what_the_client_did_not_write_elsewhere() {
    let with_header = head(&["GET /a HTTP/1.1", &format!("X-Security-Token: {TOKEN}")]);
    let echo = format!("x-security-token:{TOKEN}");
    assert_eq!(leaked(&with_header, HUAWEI, &echo), Some(TOKEN));
    assert_eq!(leaked(&with_header, HUAWEI, "x-security-token:***"), None);
    let rpc = Some(Scheme::AlibabaRpc);
    let in_query = head(&[&format!("GET /?A=1&SecurityToken={TOKEN} HTTP/1.1")]);
    assert_eq!(leaked(&in_query, rpc, TOKEN), Some(TOKEN));
    let in_form = [
        head(&["POST / HTTP/1.1"]),
        format!("SecurityToken={TOKEN}").into(),
    ]
    .concat();
    assert_eq!(leaked(&in_form, rpc, TOKEN), Some(TOKEN));
    // Unknown scheme (an unreadable request): every scheme's field counts.
    assert_eq!(leaked(&with_header, None, TOKEN), Some(TOKEN));
    // The secret never travels: any copy the client did not send is a leak.
    assert_eq!(leaked(&with_header, HUAWEI, SK), Some(SK));
    assert_eq!(leaked(b"", None, &format!("key {SK}")), Some(SK));
}

#[test]
fn quiet_where_the_client_wrote_the_text_itself() {
    // The fuzz finding: the token's text in the query, no token header.
    let planted = head(&[&format!("GET /C/?T=GET-{TOKEN}pTx HTTP/1.1")]);
    assert_eq!(leaked(&planted, HUAWEI, &format!("GET-{TOKEN}pTx")), None);
    // In the query as well as in the header: the echo may show the query's copy.
    let both = head(&[
        &format!("GET /?q={TOKEN} HTTP/1.1"),
        &format!("x-security-token: {TOKEN}"),
    ]);
    assert_eq!(leaked(&both, HUAWEI, TOKEN), None);
    // A renamed field is the client's own header, not the token's.
    let renamed = head(&["GET / HTTP/1.1", &format!("x-security-tokem: {TOKEN}")]);
    assert_eq!(leaked(&renamed, HUAWEI, TOKEN), None);
    let renamed = head(&[&format!("GET /?XSecurityToken={TOKEN} HTTP/1.1")]);
    assert_eq!(leaked(&renamed, Some(Scheme::AlibabaRpc), TOKEN), None);
    // Another scheme's field, a field name in a header value, an upper-case copy that a
    // verifier lowercases as a header name, a percent-encoded copy it decodes.
    let other = head(&["GET / HTTP/1.1", &format!("x-tc-token: {TOKEN}")]);
    assert_eq!(leaked(&other, HUAWEI, TOKEN), None);
    let in_value = head(&["GET / HTTP/1.1", &format!("x-a: b?Token={TOKEN}")]);
    assert_eq!(leaked(&in_value, Some(Scheme::TencentV1), TOKEN), None);
    let upper = TOKEN.to_ascii_uppercase();
    let upper = head(&["GET / HTTP/1.1", &format!("{upper}: 1")]);
    assert_eq!(leaked(&upper, HUAWEI, TOKEN), None);
    let encoded = head(&["GET /?k=%6Coopback-secret-key HTTP/1.1"]);
    assert_eq!(leaked(&encoded, None, SK), None);
}

/// The library end to end on the fuzz finding's shape: a Huawei request signed with a token
/// and another secret, its query holding the token's text. The refusal echoes the query as
/// sent and `***` for the header, and the oracle passes it.
#[test]
fn the_fuzz_finding_through_the_gateway() {
    let creds = Credentials::new(gateway::AK_TOKEN, "not-the-gateway-secret")
        .and_then(|c| c.with_security_token(TOKEN))
        .unwrap();
    let signer = cloudsign::huawei::SdkHmacSha256Signer::builder(creds)
        .build()
        .unwrap();
    let req = CanonicalRequest::builder()
        .method("GET")
        .host("api.example.com")
        .path("/C/")
        .query("T", format!("GET-{TOKEN}pTx"))
        .build()
        .unwrap();
    let ctx = SigningContext::from_unix(1_700_000_000, "4242").unwrap();
    let out = signer.sign(&req, &ctx).unwrap();
    let uri = format!("http://api.example.com/C/?T=GET-{TOKEN}pTx");
    let mut sent = http::Request::builder().uri(uri).body(Vec::new()).unwrap();
    out.apply_to_http(&mut sent).unwrap();
    let bytes = wire::to_wire(&sent);
    let (parts, body) = wire::from_wire(&bytes).unwrap();
    let refusal = gateway::verify(&parts, &body, ctx.time()).unwrap_err();
    let text = format!("{refusal} {refusal:?}");
    assert_eq!(refusal.cloud_code(), Some("APIG.0301"), "{text}");
    assert!(text.contains(&format!("T=GET-{TOKEN}pTx")), "{text}");
    assert!(text.contains("x-security-token:***"), "{text}");
    assert_eq!(leaked(&bytes, refusal.scheme(), &text), None, "{text}");
}
