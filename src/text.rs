//! Small text helpers shared by the signers.

use crate::request::is_valid_header_value;
use crate::Error;

/// A signer setting that goes into a header or parameter: non-empty, no control
/// characters, no edge spaces.
pub(crate) fn check_setting(field: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        Err(Error::InvalidSetting {
            field,
            reason: "must not be empty",
        })
    } else if !is_valid_header_value(value) || value.trim() != value {
        Err(Error::InvalidSetting {
            field,
            reason: "must be a header value without control characters or edge spaces",
        })
    } else {
        Ok(())
    }
}

/// Orders ASCII-case-insensitively (header names).
pub(crate) fn cmp_ignore_ascii_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Appends `s` with ASCII letters lower-cased.
pub(crate) fn push_lower(buf: &mut String, s: &str) {
    let start = buf.len();
    buf.push_str(s);
    if let Some(tail) = buf.get_mut(start..) {
        tail.make_ascii_lowercase();
    }
}

/// Sorts headers by case-insensitive name and refuses names that occur twice, for schemes
/// with no canonical form for repeats.
pub(crate) fn sort_unique_headers(
    headers: &mut [(&str, &str)],
    scheme: &'static str,
) -> Result<(), Error> {
    headers.sort_by(|a, b| cmp_ignore_ascii_case(a.0, b.0));
    match headers
        .windows(2)
        .find(|w| w[0].0.eq_ignore_ascii_case(w[1].0))
    {
        Some(w) => Err(Error::DuplicateHeader {
            scheme,
            name: w[1].0.to_owned(),
        }),
        None => Ok(()),
    }
}
