//! `CanonicalRequest::from_http_parts` on whatever an HTTP/1.1 parser accepts, then every
//! signer: no panic, and what is signed is valid on the wire and deterministic.

#![no_main]

use cloudsign::{CanonicalRequest, SigningContext};
use libfuzzer_sys::fuzz_target;

mod common;
#[path = "../../tests/support/gateway.rs"]
mod gateway;
#[path = "../../tests/support/reference.rs"]
mod reference;
#[path = "../../tests/support/wire.rs"]
mod wire;

fuzz_target!(|data: &[u8]| {
    let Ok((parts, body)) = wire::from_wire(data) else {
        return;
    };
    let Ok(req) = CanonicalRequest::from_http_parts(&parts, &body) else {
        return;
    };
    let _ = format!("{req:?}");
    let ctx = SigningContext::from_unix(1_700_000_000, "fuzz-nonce").expect("a valid time");
    for (i, scheme) in wire::SCHEMES.iter().enumerate() {
        let signer = wire::signer(scheme, i % 2 == 0);
        if let Ok(out) = signer.sign(&req, &ctx) {
            common::check_output(&*signer, &req, &ctx, &out);
        }
    }
    // What the library's verifier does with it must not panic either.
    let _ = gateway::verify(&parts, &body, ctx.time());
});
