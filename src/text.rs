//! Small text helpers shared by the signers.

use crate::Error;

/// A signer setting that goes into a header or parameter: non-empty, no control
/// characters, no edge spaces.
pub(crate) fn check_setting(field: &'static str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        Err(Error::InvalidSetting {
            field,
            reason: "must not be empty",
        })
    } else if !crate::request::is_wire_text(value) {
        // Settings are sent as header values or parameters: beyond visible ASCII, the
        // `http` crate refuses them and servers read them differently.
        Err(Error::InvalidSetting {
            field,
            reason: "must be visible ASCII, spaces only inside",
        })
    } else {
        Ok(())
    }
}

/// `s.trim()`, without its Unicode scan when `s` starts and ends with a visible ASCII
/// character (most header values): only then can neither end be white space.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| (b'!'..=b'~').contains(b));
    if visible(s.as_bytes().first()) && visible(s.as_bytes().last()) {
        s
    } else {
        s.trim()
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

/// Header names lower-cased without allocating in the usual case: a name without upper-case
/// letters is borrowed as it is, the others are copied into a stack buffer (a heap one when
/// they take more than 64 bytes together: the stack buffer is zeroed on every signature).
pub(crate) struct LowerNames {
    stack: [u8; 64],
    heap: Vec<u8>,
}

impl LowerNames {
    pub(crate) fn new() -> Self {
        LowerNames {
            stack: [0; 64],
            heap: Vec::new(),
        }
    }

    /// `(lower-case name, name as given, value)` for each of `headers`, in order.
    pub(crate) fn lower<'a>(
        &'a mut self,
        headers: &'a [(String, String)],
    ) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> + 'a {
        let has_upper = |n: &str| n.bytes().any(|b| b.is_ascii_uppercase());
        // Copied lower-cased in one pass, byte by byte (names are short: no `memcpy` call);
        // if they do not fit the stack, again to the heap.
        let copy = |buf: &mut [u8]| {
            let mut pos = 0;
            for (n, _) in headers.iter().filter(|(n, _)| has_upper(n)) {
                if let Some(dst) = buf.get_mut(pos..pos + n.len()) {
                    for (d, s) in dst.iter_mut().zip(n.as_bytes()) {
                        *d = s.to_ascii_lowercase();
                    }
                }
                pos += n.len();
            }
            pos
        };
        let need = copy(&mut self.stack);
        let buf: &[u8] = match self.stack.get(..need) {
            Some(b) => b,
            None => {
                self.heap.resize(need, 0);
                copy(&mut self.heap);
                &self.heap
            }
        };
        // Lower-casing ASCII letters keeps UTF-8 valid, so this never falls back.
        let text: &'a str = std::str::from_utf8(buf).unwrap_or_default();
        let mut pos = 0;
        headers.iter().map(move |(n, v)| {
            let lower = if has_upper(n) {
                let l = text.get(pos..pos + n.len()).unwrap_or(n);
                pos += n.len();
                l
            } else {
                n.as_str()
            };
            (lower, n.as_str(), v.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_is_str_trim() {
        let edges = [
            "", " ", "\t", "\u{a0}", "\u{3000}", "\u{85}", "a", "~", "\u{7f}", "é",
        ];
        for a in edges {
            for b in edges {
                for mid in ["", "x", " y z "] {
                    let s = format!("{a}{mid}{b}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn lower_names_borrow_or_copy() {
        let headers: Vec<(String, String)> = [("Content-Type", "a"), ("x-b", "b"), ("X-C", "c")]
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let mut names = LowerNames::new();
        let got: Vec<_> = names.lower(&headers).collect();
        assert_eq!(
            got,
            [
                ("content-type", "Content-Type", "a"),
                ("x-b", "x-b", "b"),
                ("x-c", "X-C", "c")
            ]
        );
        // Past the stack buffer, a heap one is used.
        let long: Vec<(String, String)> = (0..40)
            .map(|i| (format!("X-Long-Header-{i:02}"), i.to_string()))
            .collect();
        let mut names = LowerNames::new();
        let got: Vec<_> = names.lower(&long).map(|(l, _, _)| l.to_owned()).collect();
        let want: Vec<_> = long.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
        assert_eq!(got, want);
    }
}
