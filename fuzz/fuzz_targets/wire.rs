//! The wire property (`tests/support/wire.rs`) on arbitrary requests: sign, apply, write
//! HTTP/1.1, parse back, recompute. `sign()` refuses, or the gateway agrees.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/gateway.rs"]
mod gateway;
#[path = "../../tests/support/reference.rs"]
mod reference;
#[path = "../../tests/support/wire.rs"]
mod wire;

fn spec(u: &mut Unstructured<'_>) -> arbitrary::Result<wire::Spec> {
    Ok(wire::Spec {
        scheme: usize::from(u8::arbitrary(u)?),
        token: bool::arbitrary(u)?,
        method: String::arbitrary(u)?,
        host: String::arbitrary(u)?,
        path: String::arbitrary(u)?,
        query: Vec::arbitrary(u)?,
        headers: Vec::arbitrary(u)?,
        body: Vec::arbitrary(u)?,
        time: i64::arbitrary(u)?,
        nonce: String::arbitrary(u)?,
        via_http: bool::arbitrary(u)?,
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(spec) = spec(&mut Unstructured::new(data)) else {
        return;
    };
    match wire::run(&spec) {
        Ok(
            wire::Outcome::Verified
            | wire::Outcome::Refused(_)
            | wire::Outcome::NotRepresentable(_),
        ) => {}
        Err(broken) => panic!("{broken}\n{spec:?}"),
    }
});
