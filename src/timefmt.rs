//! The clouds' time formats, formatted on the stack.

use time::OffsetDateTime;

use crate::bytes::{Ascii, ShortAscii};
use crate::Error;

#[inline]
fn digits(out: &mut [u8], mut n: u32) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// The calendar fields of a UTC time, each computed once (`month()` and `day()` alone
/// would each repeat the calendar conversion).
struct Fields {
    year: u32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

/// The fields of `t`; the clouds' formats need a four-digit year.
#[inline]
fn fields(t: OffsetDateTime, scheme: &'static str) -> Result<Fields, Error> {
    // `SigningContext` holds UTC; a time whose UTC value leaves the years the `time` crate
    // can hold keeps its own offset there, and is refused here rather than written in it.
    if !t.offset().is_utc() {
        return Err(Error::TimestampOutOfRange {
            scheme,
            reason: "its UTC value is outside the years -9999 to 9999",
        });
    }
    let (year, month, day) = t.to_calendar_date();
    let (hour, minute, second) = t.to_hms();
    // Not `ok_or`: its unused error is dropped by a call on every signature.
    let Some(year) = u32::try_from(year).ok().filter(|y| *y <= 9999) else {
        return Err(Error::TimestampOutOfRange {
            scheme,
            reason: "the year must be between 0000 and 9999",
        });
    };
    Ok(Fields {
        year,
        month: month.into(),
        day,
        hour,
        minute,
        second,
    })
}

impl Ascii<20> {
    /// An [`iso8601`] stamp RFC 3986-encoded once (`HH%3Amm%3Ass`) and twice
    /// (`HH%253Amm%253Ass`): its colons are its only reserved characters.
    pub(crate) fn percent_encoded(&self) -> (Ascii<24>, Ascii<28>) {
        let b = &self.0;
        let mut once = *b"0000-00-00T00%3A00%3A00Z";
        once[..13].copy_from_slice(&b[..13]);
        once[16..18].copy_from_slice(&b[14..16]);
        once[21..23].copy_from_slice(&b[17..19]);
        let mut twice = *b"0000-00-00T00%253A00%253A00Z";
        twice[..13].copy_from_slice(&b[..13]);
        twice[18..20].copy_from_slice(&b[14..16]);
        twice[25..27].copy_from_slice(&b[17..19]);
        (Ascii(once), Ascii(twice))
    }
}

/// `yyyy-MM-dd` (UTC).
#[inline]
pub(crate) fn date(t: OffsetDateTime, scheme: &'static str) -> Result<Ascii<10>, Error> {
    let f = fields(t, scheme)?;
    let mut b = *b"0000-00-00";
    digits(&mut b[0..4], f.year);
    digits(&mut b[5..7], f.month.into());
    digits(&mut b[8..10], f.day.into());
    Ok(Ascii(b))
}

/// `yyyy-MM-ddTHH:mm:ssZ` (UTC). Inlined, so that the stamp is written where the caller
/// keeps it instead of moved out of a `Result` and read back at once.
#[inline]
pub(crate) fn iso8601(t: OffsetDateTime, scheme: &'static str) -> Result<Ascii<20>, Error> {
    let f = fields(t, scheme)?;
    let mut b = *b"0000-00-00T00:00:00Z";
    digits(&mut b[0..4], f.year);
    digits(&mut b[5..7], f.month.into());
    digits(&mut b[8..10], f.day.into());
    digits(&mut b[11..13], f.hour.into());
    digits(&mut b[14..16], f.minute.into());
    digits(&mut b[17..19], f.second.into());
    Ok(Ascii(b))
}

/// Decimal seconds since the epoch; TC3 accepts no time before 1970. Inlined like
/// [`iso8601`].
#[inline]
pub(crate) fn unix(t: OffsetDateTime, scheme: &'static str) -> Result<ShortAscii<20>, Error> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| Error::TimestampOutOfRange {
        scheme,
        reason: "the time must not be before 1970-01-01T00:00:00Z",
    })?;
    Ok(ShortAscii::decimal(secs))
}

/// `yyyyMMddTHHmmssZ` (UTC), Huawei's `X-Sdk-Date`.
pub(crate) fn basic(t: OffsetDateTime, scheme: &'static str) -> Result<Ascii<16>, Error> {
    let f = fields(t, scheme)?;
    let mut b = *b"00000000T000000Z";
    digits(&mut b[0..4], f.year);
    digits(&mut b[4..6], f.month.into());
    digits(&mut b[6..8], f.day.into());
    digits(&mut b[9..11], f.hour.into());
    digits(&mut b[11..13], f.minute.into());
    digits(&mut b[13..15], f.second.into());
    Ok(Ascii(b))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 IMF-fixdate, RFC 1123 / RFC 2616 form).
pub(crate) fn imf_fixdate(t: OffsetDateTime, scheme: &'static str) -> Result<Ascii<29>, Error> {
    const DAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let f = fields(t, scheme)?;
    let mut b = *b"Mon, 00 Jan 0000 00:00:00 GMT";
    b[0..3].copy_from_slice(DAYS[usize::from(t.weekday().number_days_from_monday())]);
    digits(&mut b[5..7], f.day.into());
    // `month` is 1 to 12.
    b[8..11].copy_from_slice(MONTHS[usize::from(f.month.saturating_sub(1))]);
    digits(&mut b[12..16], f.year);
    digits(&mut b[17..19], f.hour.into());
    digits(&mut b[20..22], f.minute.into());
    digits(&mut b[23..25], f.second.into());
    Ok(Ascii(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_percent_encoded_matches_the_encoder() {
        use crate::encoding::{percent_encode_into, percent_encode_twice_into, RFC3986_UNRESERVED};
        for secs in [0, 1_551_113_065, 253_402_300_799] {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let stamp = iso8601(t, "x").unwrap();
            let (once, twice) = stamp.percent_encoded();
            let mut want = String::new();
            percent_encode_into(&mut want, stamp.as_str(), RFC3986_UNRESERVED);
            assert_eq!(once.as_str(), want);
            want.clear();
            percent_encode_twice_into(&mut want, stamp.as_str());
            assert_eq!(twice.as_str(), want);
        }
    }

    #[test]
    fn formats() {
        let t = OffsetDateTime::from_unix_timestamp(1_551_113_065).unwrap();
        assert_eq!(iso8601(t, "x").unwrap().as_str(), "2019-02-25T16:44:25Z");
        assert_eq!(date(t, "x").unwrap().as_str(), "2019-02-25");
        assert_eq!(unix(t, "x").unwrap().as_str(), "1551113065");
        let zero = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(unix(zero, "x").unwrap().as_str(), "0");
        // Odd and even digit counts (digits are written two at a time).
        for secs in [
            1,
            9,
            10,
            99,
            100,
            12_345,
            999_999,
            1_000_000,
            253_402_300_799,
        ] {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            assert_eq!(unix(t, "x").unwrap().as_str(), secs.to_string());
        }
        assert_eq!(iso8601(zero, "x").unwrap().as_str(), "1970-01-01T00:00:00Z");
        assert_eq!(basic(t, "x").unwrap().as_str(), "20190225T164425Z");
        assert_eq!(
            imf_fixdate(t, "x").unwrap().as_str(),
            "Mon, 25 Feb 2019 16:44:25 GMT"
        );
        assert_eq!(
            imf_fixdate(zero, "x").unwrap().as_str(),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        let dec = OffsetDateTime::from_unix_timestamp(1_893_455_999).unwrap();
        assert_eq!(
            imf_fixdate(dec, "x").unwrap().as_str(),
            "Mon, 31 Dec 2029 23:59:59 GMT"
        );
        let early = OffsetDateTime::from_unix_timestamp(-62_167_219_201).unwrap(); // year -1
        assert!(iso8601(early, "x").is_err());
        assert!(unix(early, "x").is_err());
    }
}
