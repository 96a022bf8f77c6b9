//! The plain building blocks of the reference implementations: dates, encodings and MACs
//! written the obvious way, with `format!`, the `percent-encoding`, `hex` and `base64`
//! crates and one-shot MACs. Nothing here is shared with the fast paths, so a reference
//! checks them instead of repeating them.

use base64::Engine as _;
use hmac::{Mac, SimpleHmac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};

/// RFC 3986 unreserved characters stay; everything else is `%XX` (upper-case hex).
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` percent-encoded: every byte outside `A-Z a-z 0-9 - . _ ~` as `%XX`.
pub(crate) fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// `yyyy-MM-ddTHH:mm:ssZ` (UTC).
pub(crate) fn iso8601(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `yyyyMMddTHHmmssZ` (UTC).
pub(crate) fn basic(t: OffsetDateTime) -> String {
    iso8601(t).replace(['-', ':'], "")
}

/// `yyyy-MM-dd` (UTC).
pub(crate) fn date(t: OffsetDateTime) -> String {
    iso8601(t)[..10].to_owned()
}

/// `Wed, 21 Oct 2015 07:28:00 GMT` (RFC 9110 IMF-fixdate, UTC).
pub(crate) fn imf_fixdate(t: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS[usize::from(u8::from(t.month()) - 1)],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Lower-case hex of SHA-256(`data`).
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// HMAC-SHA256(`key`, `msg`), with RustCrypto's plain `SimpleHmac` (the fast paths use
/// `Hmac` and its precomputed pads).
#[allow(clippy::expect_used)] // RFC 2104: any key length is valid; the hmac crate agrees
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac = <SimpleHmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// HMAC-SHA1(`key`, `msg`), with `SimpleHmac`.
#[allow(clippy::expect_used)] // RFC 2104: any key length is valid; the hmac crate agrees
pub(crate) fn hmac_sha1(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac = <SimpleHmac<Sha1> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// Standard Base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// MD5(`data`) (for ROA's `Content-MD5`).
pub(crate) fn md5(data: &[u8]) -> Vec<u8> {
    use md5::Digest as _;
    md5::Md5::digest(data).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let t = time::macros::datetime!(2015-10-21 07:28:00 UTC);
        assert_eq!(iso8601(t), "2015-10-21T07:28:00Z");
        assert_eq!(basic(t), "20151021T072800Z");
        assert_eq!(date(t), "2015-10-21");
        assert_eq!(imf_fixdate(t), "Wed, 21 Oct 2015 07:28:00 GMT");
        let east = t.to_offset(time::macros::offset!(+8));
        assert_eq!(iso8601(east), "2015-10-21T07:28:00Z");
    }

    #[test]
    fn encodings() {
        assert_eq!(encode("a b/~*é"), "a%20b%2F~%2A%C3%A9");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(sha256_hex(b"").len(), 64);
    }
}
