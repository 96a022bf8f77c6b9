//! Percent-encoding sets and hex/Base64/SHA-256 helpers: the one place every signer takes
//! them from.

use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use crate::bytes::{base64_to_slice, encode_into, hex_to_slice};

/// RFC 3986 §2.3 unreserved characters (`A-Z a-z 0-9 - . _ ~`) are kept; every other byte of
/// the UTF-8 text is written `%XX` with upper-case hex. Space is `%20`, `*` is `%2A`.
///
/// This is Alibaba's `percentEncode` (ACS3, RPC), Python's `quote(s, safe='~')` and the
/// encoding Tencent's TC3 document asks for.
/// <https://www.rfc-editor.org/rfc/rfc3986#section-2.3>
pub const RFC3986_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// [`RFC3986_UNRESERVED`] plus `/`: for encoding the segments of a path while keeping its
/// separators.
pub const RFC3986_PATH: &AsciiSet = &RFC3986_UNRESERVED.remove(b'/');

/// The value encoding of `application/x-www-form-urlencoded` as Python's
/// `urllib.parse.quote_plus` writes it: the [`RFC3986_UNRESERVED`] set, except that a space
/// becomes `+` (see [`form_encode_into`]).
pub const FORM_URLENCODED: &AsciiSet = RFC3986_UNRESERVED;

/// Appends `s` percent-encoded with `set` to `out`.
///
/// [`RFC3986_UNRESERVED`] takes a table-driven fast path; other sets use the
/// `percent-encoding` crate.
pub fn percent_encode_into(out: &mut String, s: &str, set: &'static AsciiSet) {
    if std::ptr::eq(set, RFC3986_UNRESERVED) {
        encode_into(out, s, false);
    } else {
        for chunk in utf8_percent_encode(s, set) {
            out.push_str(chunk);
        }
    }
}

/// Appends `s` encoded as a `application/x-www-form-urlencoded` name or value (space as `+`,
/// everything outside [`FORM_URLENCODED`] as `%XX`).
pub fn form_encode_into(out: &mut String, s: &str) {
    for (i, part) in s.split(' ').enumerate() {
        if i > 0 {
            out.push('+');
        }
        encode_into(out, part, false);
    }
}

/// Appends `percentEncode(percentEncode(s))` with [`RFC3986_UNRESERVED`] (Alibaba RPC's
/// string to sign): encoding an encoded text again only turns each `%` into `%25`.
pub fn percent_encode_twice_into(out: &mut String, s: &str) {
    encode_into(out, s, true);
}

/// Decodes one `application/x-www-form-urlencoded` name or value (`+` is a space).
///
/// Returns `None` when the decoded bytes are not UTF-8.
pub(crate) fn form_decode(s: &str) -> Option<String> {
    let replaced;
    let s = if s.contains('+') {
        replaced = s.replace('+', " ");
        replaced.as_str()
    } else {
        s
    };
    percent_decode(s.as_bytes())
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Lowercase hex of `bytes`, appended to `out`.
pub fn hex_into(out: &mut String, bytes: &[u8]) {
    let mut buf = [0u8; 128];
    for chunk in bytes.chunks(64) {
        let hex = &mut buf[..chunk.len() * 2];
        hex_to_slice(chunk, hex);
        // Hex digits are ASCII, hence UTF-8; the fallback is never taken.
        out.push_str(std::str::from_utf8(hex).unwrap_or_default());
    }
}

/// The lowercase-hex SHA-256 of no bytes: the payload hash of every request without a body.
pub(crate) const EMPTY_SHA256_HEX: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Lowercase hex of a SHA-256 digest, on the stack. An empty input (a request without a
/// body) takes the constant instead of a hash.
#[inline]
pub fn sha256_hex(data: &[u8]) -> Hex64 {
    if data.is_empty() {
        return Hex64::EMPTY_SHA256;
    }
    Hex64::from_slice(&Sha256::digest(data))
}

/// Standard Base64 (with padding) of `bytes`, appended to `out`.
pub fn base64_into(out: &mut String, bytes: &[u8]) {
    // Digests and hex digests (up to 96 bytes) are encoded on the stack.
    let mut buf = [0u8; 128];
    match base64_to_slice(bytes, &mut buf) {
        Some(n) => out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default()),
        None => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode_string(bytes, out)
        }
    }
}

/// 64 lowercase hex digits of a 32-byte digest, kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex64([u8; 64]);

impl Hex64 {
    /// [`EMPTY_SHA256_HEX`].
    const EMPTY_SHA256: Hex64 = match EMPTY_SHA256_HEX.as_bytes().first_chunk() {
        Some(b) => Hex64(*b),
        None => Hex64([b'0'; 64]),
    };

    /// Hex-encodes a 32-byte digest.
    pub fn from_digest(digest: &[u8; 32]) -> Self {
        Self::from_slice(digest)
    }

    /// Hex-encodes the first 32 bytes of `digest` (zeros after a shorter one), read in
    /// place: copying a digest into a `[u8; 32]` first loads it with wider loads than the
    /// hash's 4-byte stores, which stalls on store forwarding.
    pub(crate) fn from_slice(digest: &[u8]) -> Self {
        let mut buf = [b'0'; 64];
        hex_to_slice(digest, &mut buf);
        Hex64(buf)
    }

    /// 64 lowercase hex digits taken as they are; `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if !is_sha256_hex(hex) {
            return None;
        }
        <[u8; 64]>::try_from(hex.as_bytes()).ok().map(Hex64)
    }

    /// The digits as bytes (no UTF-8 check).
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        // Hex digits are ASCII, hence UTF-8; the fallback is never taken.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for Hex64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// True for 64 lowercase hex digits.
pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986_keeps_unreserved_and_encodes_the_rest() {
        let mut s = String::new();
        percent_encode_into(&mut s, "aZ9-._~ */+=&中", RFC3986_UNRESERVED);
        assert_eq!(s, "aZ9-._~%20%2A%2F%2B%3D%26%E4%B8%AD");
    }

    #[test]
    fn form_encoding_writes_space_as_plus() {
        let mut s = String::new();
        form_encode_into(&mut s, " a b*~/中 ");
        assert_eq!(s, "+a+b%2A~%2F%E4%B8%AD+");
        assert_eq!(form_decode(&s).as_deref(), Some(" a b*~/中 "));
    }

    #[test]
    fn form_decode_rejects_non_utf8() {
        assert_eq!(form_decode("%FF"), None);
        assert_eq!(form_decode("1%2B1%3D2").as_deref(), Some("1+1=2"));
    }

    #[test]
    fn hex_and_base64() {
        let mut s = String::new();
        hex_into(&mut s, &[0x00, 0xab, 0xff]);
        assert_eq!(s, "00abff");
        let all: Vec<u8> = (0..=255).cycle().take(200).collect();
        s.clear();
        hex_into(&mut s, &all);
        assert_eq!(s, hex::encode(&all));
        s.clear();
        base64_into(&mut s, b"hi?");
        assert_eq!(s, "aGk/");
        // The empty input takes a constant: it must be the real digest.
        assert_eq!(
            sha256_hex(b"").as_str(),
            Hex64::from_digest(&Sha256::digest(b"").into()).as_str()
        );
        assert_eq!(sha256_hex(b"").as_str(), EMPTY_SHA256_HEX);
        assert_eq!(
            sha256_hex(b"a").as_str(),
            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
        );
        assert!(is_sha256_hex(sha256_hex(b"x").as_str()));
        assert!(!is_sha256_hex("E3B0"));
    }
}
