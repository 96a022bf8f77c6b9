//! The public encoders against plain references written from their definitions: RFC 3986
//! unreserved characters, `application/x-www-form-urlencoded` as Python's `quote_plus`
//! writes it, hex and Base64 (the `hex` and `base64` crates), SHA-256 hex.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use base64::Engine as _;
use cloudsign::encoding::{
    base64_into, form_encode_into, hex_into, percent_encode_into, percent_encode_twice_into,
    sha256_hex, RFC3986_PATH, RFC3986_UNRESERVED,
};
use proptest::prelude::*;

/// RFC 3986 §2.3: `ALPHA / DIGIT / "-" / "." / "_" / "~"` are kept, every other byte of
/// the UTF-8 text is `%XX` with upper-case hex (§2.1).
fn reference_percent(s: &str, keep: &[u8]) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Python's `urllib.parse.quote_plus(s)`: `quote(s, safe=" ")` with the space then
/// written `+` (Python 3.7+ keeps `~`).
fn reference_quote_plus(s: &str) -> String {
    reference_percent(s, b" ").replace(' ', "+")
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[ -~]{0,24}",
        proptest::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter),
        (0usize..200).prop_map(|n| "a ~%+/".repeat(n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn percent_encoding_is_rfc3986(s in text()) {
        let mut got = String::from("prefix");
        percent_encode_into(&mut got, &s, RFC3986_UNRESERVED);
        prop_assert_eq!(got, format!("prefix{}", reference_percent(&s, b"")));
        let mut path = String::new();
        percent_encode_into(&mut path, &s, RFC3986_PATH);
        prop_assert_eq!(path, reference_percent(&s, b"/"));
    }

    #[test]
    fn encoding_twice_is_encoding_the_encoding(s in text()) {
        let mut got = String::new();
        percent_encode_twice_into(&mut got, &s);
        let once = reference_percent(&s, b"");
        prop_assert_eq!(got, reference_percent(&once, b""));
    }

    #[test]
    fn form_encoding_is_quote_plus(s in text()) {
        let mut got = String::new();
        form_encode_into(&mut got, &s);
        prop_assert_eq!(got, reference_quote_plus(&s));
    }

    #[test]
    fn hex_base64_and_sha256_match_their_crates(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut h = String::from("x");
        hex_into(&mut h, &bytes);
        prop_assert_eq!(h, format!("x{}", hex::encode(&bytes)));
        let mut b = String::from("y");
        base64_into(&mut b, &bytes);
        prop_assert_eq!(b, format!("y{}", base64::engine::general_purpose::STANDARD.encode(&bytes)));
        use sha2::Digest as _;
        let digest = sha256_hex(&bytes);
        prop_assert_eq!(digest.as_str(), hex::encode(sha2::Sha256::digest(&bytes)));
    }
}

/// The references themselves, on Python's own answers (`quote(s, safe='~')`,
/// `quote_plus(s)`, Python 3.11).
#[test]
fn the_references_match_python() {
    let s = "a b+c*d~e/f%g中=&";
    assert_eq!(
        reference_percent(s, b""),
        "a%20b%2Bc%2Ad~e%2Ff%25g%E4%B8%AD%3D%26"
    );
    assert_eq!(
        reference_quote_plus(s),
        "a+b%2Bc%2Ad~e%2Ff%25g%E4%B8%AD%3D%26"
    );
}
