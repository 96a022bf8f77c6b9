//! Pieces the Alibaba header verifiers (ACS3, ROA) share: a canonical form written straight
//! into a hash or MAC (or, to echo it, a buffer), the received query decoded as the
//! gateway reads it, and the clouds' two time formats parsed strictly.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use smallvec::SmallVec;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

/// Where a canonical form is written: a hash or MAC fed piece by piece, or a buffer when
/// the text itself is wanted (the string to sign an error echoes).
pub(super) trait Out {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl Out for Sha256 {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        Digest::update(self, bytes);
    }
}

impl Out for Hmac<Sha1> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        Mac::update(self, bytes);
    }
}

impl Out for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Appends `name` with ASCII letters lower-cased, through a stack buffer.
pub(super) fn put_lower<O: Out>(out: &mut O, name: &str) {
    if !name.bytes().any(|b| b.is_ascii_uppercase()) {
        out.put(name.as_bytes());
        return;
    }
    for chunk in name.as_bytes().chunks(64) {
        let mut buf = [0u8; 64];
        let lower = buf.get_mut(..chunk.len()).unwrap_or_default();
        lower.copy_from_slice(chunk);
        lower.make_ascii_lowercase();
        out.put(lower);
    }
}

/// The pieces of `s` between the (ASCII) byte `sep`, found by a plain byte scan: faster
/// than `str::split` on the short texts of a request.
pub(super) fn split_on(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.as_bytes().iter().position(|b| *b == sep) {
            Some(i) => {
                rest = r.get(i + 1..);
                r.get(..i)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// `s` split at its first `sep` (ASCII), or `None` without one.
pub(super) fn split_once_on(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.as_bytes().iter().position(|b| *b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The query parameters as received, `(name, value)` still encoded, in request order.
pub(super) type Pairs<'a> = SmallVec<[(&'a str, &'a str); 8]>;

/// The parameters of `raw_query` (`&`-separated, empty pieces skipped, a piece without `=`
/// a name with an empty value), sorted stably by decoded name: byte order of the UTF-8
/// text, which is the code-point order the SDKs sort with.
pub(super) fn sorted_pairs(raw_query: &str) -> Pairs<'_> {
    let mut pairs = Pairs::new();
    for p in split_on(raw_query, b'&').filter(|p| !p.is_empty()) {
        pairs.push(split_once_on(p, b'=').unwrap_or((p, "")));
    }
    let plain = |s: &str| !s.bytes().any(|b| b == b'%' || b == b'+');
    let cmp = |a: &str, b: &str| match plain(a) && plain(b) {
        true => a.cmp(b),
        false => decoded(a).cmp(decoded(b)),
    };
    // Usually sent sorted: then the check is the one pass.
    if !pairs.windows(2).all(|w| match w {
        [a, b] => cmp(a.0, b.0).is_le(),
        _ => true,
    }) {
        pairs.sort_by(|a, b| cmp(a.0, b.0));
    }
    pairs
}

/// The first byte `s` decodes to and how many bytes of `s` it took: `+` is a space (form
/// encoding, what the Python SDKs send), `%XX` the byte `XX`; any other byte, a `%`
/// without two hex digits included, stands for itself.
#[inline]
fn decode_first(s: &[u8]) -> Option<(u8, usize)> {
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
    match s.first()? {
        b'+' => Some((b' ', 1)),
        b'%' => match (hex(s.get(1)), hex(s.get(2))) {
            (Some(hi), Some(lo)) => Some(((hi * 16 + lo) as u8, 3)),
            _ => Some((b'%', 1)),
        },
        b => Some((*b, 1)),
    }
}

/// The bytes `s` decodes to.
pub(super) fn decoded(s: &str) -> impl Iterator<Item = u8> + '_ {
    let mut rest = s.as_bytes();
    std::iter::from_fn(move || {
        let (b, len) = decode_first(rest)?;
        rest = rest.get(len..).unwrap_or_default();
        Some(b)
    })
}

/// RFC 3986 unreserved: `A-Z a-z 0-9 - . _ ~`.
#[inline]
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Whether `s`, decoded, holds a byte that RFC 3986 encoding changes.
pub(super) fn needs_encoding(s: &str) -> bool {
    decoded(s).any(|b| !unreserved(b))
}

/// Appends `s` decoded and then RFC 3986-encoded (upper-case hex), or, with `encode` off,
/// just decoded. Runs of bytes that neither step changes are appended as one slice.
pub(super) fn put_decoded<O: Out>(out: &mut O, s: &str, encode: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = s.as_bytes();
    // Most names and values are unreserved text: neither step changes them.
    if bytes.iter().all(|b| unreserved(*b)) {
        out.put(bytes);
        return;
    }
    let (mut run, mut at) = (0, 0);
    while let Some((b, len)) = bytes.get(at..).and_then(decode_first) {
        // `+` decodes to a space: kept only where the byte received is the byte meant.
        let kept = len == 1 && bytes.get(at) == Some(&b) && (!encode || unreserved(b));
        if !kept {
            out.put(bytes.get(run..at).unwrap_or_default());
            match encode && !unreserved(b) {
                true => out.put(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]),
                false => out.put(&[b]),
            }
            run = at + len;
        }
        at += len;
    }
    out.put(bytes.get(run..).unwrap_or_default());
}

/// Digits `b` as a number, if they all are ASCII digits.
fn number(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, d| match d {
        b'0'..=b'9' => Some(n * 10 + u32::from(d - b'0')),
        _ => None,
    })
}

/// The UTC time of these calendar fields, if they are one.
fn utc(year: u32, month: u32, day: u32, hms: [u32; 3]) -> Option<OffsetDateTime> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?);
    let [h, m, s] = hms.map(|v| u8::try_from(v).unwrap_or(u8::MAX));
    Some(PrimitiveDateTime::new(date.ok()?, Time::from_hms(h, m, s).ok()?).assume_utc())
}

/// `HH:MM:SS` at the start of `b`.
fn hms(b: &[u8]) -> Option<[u32; 3]> {
    match b {
        [h1, h2, b':', m1, m2, b':', s1, s2, ..] => Some([
            number(&[*h1, *h2])?,
            number(&[*m1, *m2])?,
            number(&[*s1, *s2])?,
        ]),
        _ => None,
    }
}

/// `2023-10-26T10:22:32Z` (ISO 8601 UTC, seconds, as the Alibaba SDKs write it), exactly.
pub(super) fn parse_iso8601(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    match b {
        [y @ .., b'-', m1, m2, b'-', d1, d2, b'T', _, _, b':', _, _, b':', _, _, b'Z']
            if y.len() == 4 =>
        {
            let time = hms(b.get(11..19)?)?;
            utc(number(y)?, number(&[*m1, *m2])?, number(&[*d1, *d2])?, time)
        }
        _ => None,
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 IMF-fixdate, RFC 1123's form), exactly, its
/// day name the date's.
pub(super) fn parse_imf_fixdate(s: &str) -> Option<OffsetDateTime> {
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b = s.as_bytes();
    let [w1, w2, w3, b',', b' ', d1, d2, b' ', m1, m2, m3, b' ', y1, y2, y3, y4, b' ', _, _, b':', _, _, b':', _, _, b' ', b'G', b'M', b'T'] =
        b
    else {
        return None;
    };
    let month = MONTHS.iter().position(|m| *m == [*m1, *m2, *m3])?;
    let day = number(&[*d1, *d2])?;
    let time = utc(
        number(&[*y1, *y2, *y3, *y4])?,
        u32::try_from(month).ok()? + 1,
        day,
        hms(b.get(17..25)?)?,
    )?;
    let weekday: Weekday = time.weekday();
    let named = DAYS.get(usize::from(weekday.number_days_from_monday()))?;
    (*named == [*w1, *w2, *w3]).then_some(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded_then(s: &str, encode: bool) -> String {
        let mut out = Vec::new();
        put_decoded(&mut out, s, encode);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn decoding_and_reencoding() {
        assert_eq!(
            decoded_then("a+b%20c%2Bd%2f~*", true),
            "a%20b%20c%2Bd%2F~%2A"
        );
        assert_eq!(decoded_then("a+b%20c%2Bd%2f~*", false), "a b c+d/~*");
        assert_eq!(decoded_then("%E4%B8%AD%zz%", true), "%E4%B8%AD%25zz%25");
        assert_eq!(decoded_then("%E4%B8%AD%zz%", false), "中%zz%");
        assert_eq!(decoded_then("plain", true), "plain");
        assert!(needs_encoding("a%2Fb") && !needs_encoding("Tag.1~"));
        let sorted = sorted_pairs("b=1&&a%20=2&a=3&A&a");
        assert_eq!(
            sorted.as_slice(),
            &[("A", ""), ("a", "3"), ("a", ""), ("a%20", "2"), ("b", "1")]
        );
    }

    #[test]
    fn times_parse_strictly() {
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).ok();
        assert_eq!(parse_iso8601("2023-11-14T22:13:20Z"), t);
        assert_eq!(parse_imf_fixdate("Tue, 14 Nov 2023 22:13:20 GMT"), t);
        for bad in [
            "2023-11-14T22:13:20",
            "2023-11-14 22:13:20Z",
            "2023-11-14T22:13:20.000Z",
            "2023-13-14T22:13:20Z",
            "2023-11-14T24:00:00Z",
            "+023-11-14T22:13:20Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
        for bad in [
            "Wed, 14 Nov 2023 22:13:20 GMT",
            "Tue, 14 Nov 2023 22:13:20 UTC",
            "Tue, 14 nov 2023 22:13:20 GMT",
            "Tue, 31 Nov 2023 22:13:20 GMT",
            "Tue,14 Nov 2023 22:13:20 GMT",
        ] {
            assert_eq!(parse_imf_fixdate(bad), None, "{bad}");
        }
    }
}
