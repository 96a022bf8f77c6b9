//! Keyed MACs. HMAC (RFC 2104) takes keys of any length, so keying never fails.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// HMAC-SHA256 keyed with `key`.
#[allow(clippy::expect_used)] // RFC 2104: any key length is valid; the hmac crate agrees
pub(crate) fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// HMAC-SHA1 keyed with `key`.
#[allow(clippy::expect_used)] // RFC 2104: any key length is valid; the hmac crate agrees
pub(crate) fn hmac_sha1(key: &[u8]) -> Hmac<Sha1> {
    <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// One-shot HMAC-SHA256.
pub(crate) fn hmac_sha256_once(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = hmac_sha256(key);
    m.update(msg);
    m.finalize().into_bytes().into()
}
