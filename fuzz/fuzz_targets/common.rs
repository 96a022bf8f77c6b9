//! What every target checks of a signer's output.

use cloudsign::{CanonicalRequest, Signer, SigningContext, SigningOutput};

/// Output headers are valid `http` headers, the query string is URL-safe (unreserved
/// characters, `%XX`, `=`, `&`, and `+` for a space in the form-encoded schemes), signing is
/// deterministic, and `apply_to_http` carries it.
pub fn check_output(
    signer: &dyn Signer,
    req: &CanonicalRequest,
    ctx: &SigningContext,
    out: &SigningOutput,
) {
    for (name, value) in out.headers() {
        assert!(
            http::HeaderName::from_bytes(name.as_bytes()).is_ok(),
            "header name {name:?}"
        );
        assert!(
            http::HeaderValue::from_str(value).is_ok(),
            "{name}: {value:?}"
        );
    }
    let q = out.query_string();
    assert!(
        q.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%=&+".contains(&b)),
        "query string {q:?}"
    );
    let again = signer.sign(req, ctx).expect("signed once, signs again");
    assert_eq!(again.signature(), out.signature(), "not deterministic");
    assert!(again.headers().eq(out.headers()), "not deterministic");
    assert_eq!(again.query_string(), q, "not deterministic");
    let uri = format!("http://{}{}", req.host(), req.path());
    let mut sent = http::Request::builder()
        .method(req.method())
        .uri(uri)
        .body(String::new())
        .expect("a built request is an http::Request");
    out.apply_to_http(&mut sent)
        .expect("apply_to_http never fails after sign()");
}
