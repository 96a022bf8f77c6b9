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

/// Every verifier's refusal of a request signed with a security token (the key store holds
/// another secret, so each one reaches its signature check and echoes what its cloud
/// echoes): neither the token nor either secret in its `Debug`, `Display` or
/// `cloud_message`. ROA, RPC, V1 and Huawei echo a text that held the token (found by the
/// `verify` fuzz target): it stands there as `***`.
#[test]
fn refusals_do_not_leak_tokens_or_secrets() {
    use cloudsign::verify::{
        Acs3Verifier, AnyVerifier, HuaweiVerifier, MemoryKeyStore, Received, RoaVerifier,
        RpcVerifier, Tc3Verifier, V1Verifier, VerifyError, WsseVerifier,
    };
    let signed_with = Credentials::new("AKID", SECRET)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    let stored = Credentials::new("AKID", "OTHER-SECRET-VALUE")
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap();
    let keys = || MemoryKeyStore::new().with(stored.clone());
    let verifier = AnyVerifier::new()
        .with(Acs3Verifier::new(keys()))
        .with(RpcVerifier::new(keys()))
        .with(Tc3Verifier::new(keys()))
        .with(RoaVerifier::new(keys()))
        .with(V1Verifier::new(keys()))
        .with(HuaweiVerifier::new(keys()))
        .with(WsseVerifier::new(keys()));
    let req = CanonicalRequest::builder()
        .method("GET")
        .host("api.example.com")
        .path("/v1/items")
        .query("PageSize", "10")
        .build()
        .unwrap();
    let ctx = SigningContext::from_unix(1_700_000_000, "4242").unwrap();
    let now = ctx.time();
    let mut echoed_token = 0;
    let mut schemes = Vec::new();
    for signer in signers::all(&signed_with) {
        // X-WSSE refuses a token: it signs without.
        let out = signer.sign(&req, &ctx).unwrap_or_else(|_| {
            let plain = Credentials::new("AKID", SECRET).unwrap();
            WsseSigner::new(plain).sign(&req, &ctx).unwrap()
        });
        let query = out.query_string();
        let target = match query.is_empty() {
            true => req.path().to_owned(),
            false => format!("{}?{query}", req.path()),
        };
        let mut got = Received::new(req.method(), req.host(), &target);
        for (n, v) in out.headers() {
            got = got.header(n, v);
        }
        let err = verifier.verify(&got, now).unwrap_err();
        let scheme = err.scheme().unwrap();
        schemes.push(scheme);
        // X-WSSE carries no token; it too is refused as a wrong signature.
        assert!(
            matches!(err, VerifyError::SignatureMismatch { .. }),
            "{scheme}: {err:?}"
        );
        let text = format!("{err} {err:?} {}", err.cloud_message());
        for secret in [TOKEN, SECRET, "OTHER-SECRET-VALUE"] {
            assert!(!text.contains(secret), "{scheme}: {text}");
        }
        echoed_token += usize::from(
            text.contains("token:***")
                || text.contains("Token%3D***")
                || text.contains("Token=***"),
        );
    }
    // ROA, RPC, V1 and Huawei each echoed a redacted token.
    assert_eq!(echoed_token, 4);
    assert_eq!(schemes.len(), 7);
}
