//! The verifiers on what a signer sent, changed on the way: a request signed by one of the
//! seven signers, written as HTTP/1.1, then up to eight bytes of it overwritten, inserted or
//! removed where the fuzzer says, parsed back and verified at a time up to two minutes off.
//! No panic, whatever arrives, and no refusal's text carries the secret or the token, unless
//! the client wrote it into the request itself (`gateway::leaked`; the unchanged request
//! verifying is the `wire` target's property).

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use cloudsign::{CanonicalRequest, SigningContext};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/gateway.rs"]
mod gateway;
#[path = "../../tests/support/reference.rs"]
mod reference;
#[path = "../../tests/support/wire.rs"]
mod wire;

/// One change to the bytes sent.
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
}

fn request(u: &mut Unstructured<'_>) -> arbitrary::Result<CanonicalRequest> {
    let method = *u.choose(&["GET", "POST", "PUT", "DELETE"])?;
    let mut b = CanonicalRequest::builder()
        .method(method)
        .host("api.example.com")
        .path(format!("/{}", String::arbitrary(u)?));
    for _ in 0..u.int_in_range(0..=3)? {
        b = b.query(String::arbitrary(u)?, String::arbitrary(u)?);
    }
    if bool::arbitrary(u)? {
        b = b.header(
            "Content-Type",
            *u.choose(&["application/json", "text/plain"])?,
        );
    }
    if bool::arbitrary(u)? {
        b = b.header(
            format!("x-acs-{}", u8::arbitrary(u)?),
            String::arbitrary(u)?,
        );
    }
    b.body(Vec::<u8>::arbitrary(u)?)
        .build()
        .map_err(|_| arbitrary::Error::IncorrectFormat)
}

fn edits(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<Edit>> {
    let mut edits = Vec::new();
    for _ in 0..u.int_in_range(0..=8)? {
        let at = usize::from(u16::arbitrary(u)?);
        edits.push(match u.int_in_range(0..=2)? {
            0 => Edit::Set(at, u8::arbitrary(u)?),
            1 => Edit::Insert(at, u8::arbitrary(u)?),
            _ => Edit::Remove(at),
        });
    }
    Ok(edits)
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let scheme = *u.choose(&wire::SCHEMES)?;
    let token = scheme != "wsse" && bool::arbitrary(u)?;
    let req = request(u)?;
    let ctx = SigningContext::from_unix(1_700_000_000, "4242").expect("a valid time");
    let Ok(out) = wire::signer(scheme, token).sign(&req, &ctx) else {
        return Ok(());
    };
    let mut uri = format!("http://{}{}", req.host(), req.path());
    for (i, (k, v)) in req.query().iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        let set = cloudsign::encoding::RFC3986_UNRESERVED;
        cloudsign::encoding::percent_encode_into(&mut uri, k, set);
        uri.push('=');
        cloudsign::encoding::percent_encode_into(&mut uri, v, set);
    }
    let body = req.body().map(<[u8]>::to_vec).unwrap_or_default();
    let mut b = http::Request::builder().method(req.method()).uri(uri);
    for (name, value) in req.headers() {
        b = b.header(name.as_str(), value.as_str());
    }
    let Ok(mut sent) = b.body(body) else {
        return Ok(());
    };
    if out.apply_to_http(&mut sent).is_err() {
        return Ok(());
    }
    let mut bytes = wire::to_wire(&sent);
    let now = ctx.time() + time::Duration::seconds(i64::from(i8::arbitrary(u)?));
    let edits = edits(u)?;
    for edit in &edits {
        let len = bytes.len();
        match *edit {
            Edit::Set(at, b) if len > 0 => bytes[at % len] = b,
            Edit::Insert(at, b) => bytes.insert(at % (len + 1), b),
            Edit::Remove(at) if len > 0 => {
                bytes.remove(at % len);
            }
            _ => {}
        }
    }
    let Ok((parts, body)) = wire::from_wire(&bytes) else {
        return Ok(());
    };
    match gateway::verify(&parts, &body, now) {
        Ok(ok) => {
            let _ = format!("{ok:?}");
        }
        Err(refusal) => {
            let text = format!("{refusal} {refusal:?}");
            let leaked = gateway::leaked(&bytes, refusal.scheme(), &text);
            assert!(leaked.is_none(), "{leaked:?} in: {text}");
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
