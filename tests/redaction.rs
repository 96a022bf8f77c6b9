//! Secrets never appear in Debug output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

#[path = "support/signers.rs"]
mod signers;

use cloudsign::huawei::WsseSigner;
use cloudsign::{CanonicalRequest, Credentials, SecretKey, SecurityToken, Signer, SigningContext};

const SECRET: &str = "TOP-SECRET-KEY-VALUE";
const TOKEN: &str = "TOP-SECRET-TOKEN";

#[test]
fn debug_strings_are_pinned() {
    assert_eq!(format!("{:?}", SecretKey::new(SECRET)), "SecretKey(***)");
    assert_eq!(
        format!("{:?}", SecurityToken::new(TOKEN)),
        "SecurityToken(***)"
    );
    let creds = Credentials::new("AKID", SECRET)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    assert_eq!(
        format!("{creds:?}"),
        r#"Credentials { access_key_id: "AKID", secret: SecretKey(***), security_token: Some(SecurityToken(***)) }"#
    );
}

#[test]
fn signers_and_outputs_do_not_leak() {
    let creds = Credentials::new("AKID", SECRET)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    // X-WSSE has no security token: the others.
    let signers: Vec<_> = signers::all(&creds)
        .into_iter()
        .filter(|s| s.algorithm() != "WSSE")
        .collect();
    let req = CanonicalRequest::builder()
        .host("a.example.com")
        .build()
        .unwrap();
    let ctx = SigningContext::from_unix(1_700_000_000, "abc123").unwrap();
    for s in &signers {
        let dbg = format!("{s:?} {s:#?}");
        assert!(!dbg.contains(SECRET) && !dbg.contains(TOKEN), "{dbg}");
        let out = s.sign(&req, &ctx).unwrap();
        let dbg = format!("{out:?} {out:#?}");
        assert!(!dbg.contains(TOKEN) && !dbg.contains(SECRET), "{dbg}");
        assert!(!dbg.contains(out.signature()), "{dbg}");
        // The stages hold the token where the scheme signs it; their redacted renderings
        // never do.
        for stage in [
            out.canonical_request_redacted(),
            out.string_to_sign_redacted(),
        ] {
            let stage = stage.unwrap_or_default();
            assert!(!stage.contains(TOKEN) && !stage.contains(SECRET), "{stage}");
        }
        let raw = format!("{:?} {:?}", out.canonical_request(), out.string_to_sign());
        if raw.contains(TOKEN) {
            let logged = format!(
                "{:?} {:?}",
                out.canonical_request_redacted(),
                out.string_to_sign_redacted()
            );
            assert!(logged.contains("<redacted>"), "{logged}");
        }
        // The token is on the wire, as it must be.
        assert!(
            out.headers().any(|(_, v)| v == TOKEN) || out.query_params().any(|(_, v)| v == TOKEN)
        );
    }
    let wsse = WsseSigner::new(Credentials::new("AKID", SECRET).unwrap());
    assert!(!format!("{wsse:?}").contains(SECRET));
    let out = wsse.sign(&req, &ctx).unwrap();
    assert!(!format!("{out:?}").contains(SECRET));
    assert!(!out.string_to_sign().unwrap().contains(SECRET));
}

/// A request read on a server carries the signature and the token: its Debug shows neither.
#[test]
fn a_received_request_does_not_leak() {
    let req = CanonicalRequest::builder()
        .method("POST")
        .host("a.example.com")
        .query("SecurityToken", TOKEN)
        .query("Signature", "SIG-VALUE")
        .query("Token", TOKEN)
        .query("PageSize", "10")
        .header(
            "Authorization",
            "ACS3-HMAC-SHA256 Credential=AKID,Signature=SIG-VALUE",
        )
        .header("X-WSSE", "UsernameToken PasswordDigest=\"SIG-VALUE\"")
        .header("x-acs-security-token", TOKEN)
        .header("X-TC-Token", TOKEN)
        .header("X-Security-Token", TOKEN)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("Token={TOKEN}&Signature=SIG-VALUE"))
        .build()
        .unwrap();
    let dbg = format!("{req:?} {req:#?}");
    assert!(!dbg.contains(TOKEN) && !dbg.contains("SIG-VALUE"), "{dbg}");
    assert!(dbg.contains("PageSize") && dbg.contains("\"10\""), "{dbg}");
    assert!(dbg.contains("42 bytes"), "{dbg}");
}
