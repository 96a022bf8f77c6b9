//! Every built-in signer has a reference implementation, and the harness that holds the
//! fast paths to them (`support/reference.rs`, run on every golden vector, conformance
//! case, wire case and fuzz input) notices one changed byte in any stage.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

#[path = "support/reference.rs"]
mod reference;
#[path = "support/signers.rs"]
mod signers;

use cloudsign::{
    CanonicalRequest, Credentials, Error, Signer, SigningContext, SigningOutput, Stages,
};

fn requests() -> Vec<CanonicalRequest> {
    let get = CanonicalRequest::builder()
        .host("api.example.com")
        .path("/a%20b/%E4%B8%AD/")
        .query("b", "2 ~*")
        .query("a", "")
        .query("a", "中")
        .header("X-Acs-Meta", " v ")
        .header("Content-Type", "application/json");
    let post = CanonicalRequest::builder()
        .method("POST")
        .host("api.example.com:8443")
        .header("content-type", "application/json")
        .body(vec![b'x'; 70_000]);
    vec![get.build().unwrap(), post.build().unwrap()]
}

fn credentials() -> [Credentials; 2] {
    let plain = Credentials::new("AKID", "secret").unwrap();
    [plain.clone(), plain.with_security_token("TOKEN").unwrap()]
}

#[test]
fn every_signer_has_a_reference_that_agrees() {
    let ctx = SigningContext::from_unix(1_700_000_000, "0123456789abcdef").unwrap();
    let mut held = 0;
    for creds in credentials() {
        let signers = signers::all(&creds);
        assert_eq!(signers.len(), 7);
        for signer in &signers {
            for (i, req) in requests().iter().enumerate() {
                assert!(signer.sign_reference(req, &ctx).is_some());
                reference::hold(signer.as_ref(), req, &ctx, &format!("request {i}"))
                    .unwrap_or_else(|e| panic!("{e}"));
                held += 1;
            }
        }
    }
    assert_eq!(held, 2 * 7 * 2);
}

/// A signer whose reference is the real one with one byte of one stage changed.
#[derive(Debug)]
struct OneByteOff<S> {
    inner: S,
    stage: &'static str,
}

fn flip(s: &mut String) {
    let last = s.pop().expect("a stage is never empty here");
    s.push(if last == 'A' { 'B' } else { 'A' });
}

impl<S: Signer> Signer for OneByteOff<S> {
    fn algorithm(&self) -> &'static str {
        self.inner.algorithm()
    }

    fn sign(&self, req: &CanonicalRequest, ctx: &SigningContext) -> Result<SigningOutput, Error> {
        self.inner.sign(req, ctx)
    }

    fn sign_reference(
        &self,
        req: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Option<Result<Stages, Error>> {
        let mut s = self.inner.sign_reference(req, ctx)?.ok()?;
        match self.stage {
            "canonical_request" => flip(s.canonical_request.as_mut()?),
            "string_to_sign" => flip(s.string_to_sign.as_mut()?),
            "signature" => flip(&mut s.signature),
            "headers" => flip(&mut s.headers.last_mut()?.1),
            "query_params" => flip(&mut s.query_params.last_mut()?.1),
            "query_string" => flip(&mut s.query_string),
            _ => flip(s.body.as_mut()?),
        }
        Some(Ok(s))
    }
}

#[test]
fn one_changed_byte_in_any_stage_is_reported_with_its_stage() {
    let ctx = SigningContext::from_unix(1_700_000_000, "0123456789abcdef").unwrap();
    let form = CanonicalRequest::builder()
        .method("POST")
        .host("api.example.com")
        .body("k=v%20w")
        .header("content-type", "application/x-www-form-urlencoded")
        .build()
        .unwrap();
    let get = CanonicalRequest::builder()
        .host("api.example.com")
        .query("q", "v")
        .build()
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for signer in signers::all(&credentials()[0]) {
        for req in [&form, &get] {
            let Ok(out) = signer.sign(req, &ctx) else {
                continue; // TC3 signs no query on a POST, V1 no body on a GET, ...
            };
            for stage in present(&Stages::of(&out)) {
                let off = OneByteOff {
                    inner: &signer,
                    stage,
                };
                let err = reference::hold(&off, req, &ctx, "tampered").unwrap_err();
                assert!(
                    err.contains(&format!("stage {stage} differs")),
                    "{}: {err}",
                    signer.algorithm()
                );
                seen.insert(stage);
            }
        }
    }
    // Between them the seven schemes have every stage.
    assert_eq!(seen.len(), 7, "{seen:?}");
}

/// The stages a signature has.
fn present(s: &Stages) -> Vec<&'static str> {
    [
        ("canonical_request", s.canonical_request.is_some()),
        ("string_to_sign", s.string_to_sign.is_some()),
        ("signature", true),
        ("headers", !s.headers.is_empty()),
        ("query_params", !s.query_params.is_empty()),
        ("query_string", !s.query_string.is_empty()),
        ("body", s.body.is_some()),
    ]
    .into_iter()
    .filter(|(_, here)| *here)
    .map(|(stage, _)| stage)
    .collect()
}
