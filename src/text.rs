//! Small text helpers shared by the signers.

use std::fmt;
use std::sync::Arc;

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

/// The header names a signer signs when its builder was given `signed_header_names`:
/// checked when it is built, lower-cased, sorted and without repeats, the scheme's mandatory
/// names among them. Cheap to clone (copies of a signer share it).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct HeaderList(Arc<ListInner>);

#[derive(PartialEq, Eq)]
struct ListInner {
    names: Box<[Box<str>]>,
    /// The names joined by `;`.
    joined: Box<str>,
}

impl HeaderList {
    /// The list of `names`, in any letter case, with `mandatory` (lower-case) added and
    /// repeats dropped.
    ///
    /// # Errors
    /// [`Error::InvalidHeaderName`] for a name that is not an HTTP token;
    /// [`Error::InvalidSetting`] for `Authorization`, which carries the signature.
    pub(crate) fn new(names: Vec<String>, mandatory: &[&str]) -> Result<HeaderList, Error> {
        let mut lower: Vec<Box<str>> = Vec::with_capacity(names.len() + mandatory.len());
        for name in names {
            if name.is_empty() || !name.bytes().all(crate::request::is_tchar) {
                return Err(Error::InvalidHeaderName { name });
            }
            if name.eq_ignore_ascii_case("authorization") {
                return Err(Error::InvalidSetting {
                    field: "signed_header_names",
                    reason: "Authorization carries the signature and cannot be signed",
                });
            }
            lower.push(name.to_ascii_lowercase().into());
        }
        lower.extend(mandatory.iter().map(|&m| Box::from(m)));
        lower.sort_unstable();
        lower.dedup();
        let joined = lower.join(";").into();
        Ok(HeaderList(Arc::new(ListInner {
            names: lower.into(),
            joined,
        })))
    }

    /// The names, lower-case and sorted.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.0.names.iter().map(|n| &**n)
    }

    /// The names joined by `;`: a `SignedHeaders` value.
    pub(crate) fn joined(&self) -> &str {
        &self.0.joined
    }

    /// Whether `name`, in any letter case, is listed.
    pub(crate) fn contains(&self, name: &str) -> bool {
        (self.0.names)
            .binary_search_by(|n| cmp_ignore_ascii_case(n, name))
            .is_ok()
    }
}

impl fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// Which headers a signer signs: one of its scheme's presets, or the names listed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Selection<P> {
    /// A preset (the scheme's `SignedHeaders`).
    Preset(P),
    /// Exactly these (the mandatory ones among them).
    Names(HeaderList),
}

impl<P: Copy> Selection<P> {
    /// The selection a builder was given: `names` if set, else `preset`.
    ///
    /// # Errors
    /// As [`HeaderList::new`].
    pub(crate) fn build(
        preset: P,
        names: Option<Vec<String>>,
        mandatory: &[&str],
    ) -> Result<Self, Error> {
        match names {
            Some(names) => HeaderList::new(names, mandatory).map(Selection::Names),
            None => Ok(Selection::Preset(preset)),
        }
    }
}

/// The preset as it is (`Required`), or the names (`["host", "x-a"]`).
impl<P: fmt::Debug> fmt::Debug for Selection<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selection::Preset(p) => p.fmt(f),
            Selection::Names(list) => list.fmt(f),
        }
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

    #[test]
    fn header_lists_are_lower_case_sorted_and_unique() {
        let names = ["X-B", "content-type", "x-b", "Host"].map(String::from);
        let list = HeaderList::new(names.to_vec(), &["host", "x-a"]).unwrap();
        let want = ["content-type", "host", "x-a", "x-b"];
        assert_eq!(list.names().collect::<Vec<_>>(), want);
        assert_eq!(list.joined(), "content-type;host;x-a;x-b");
        assert!(list.contains("Content-Type") && list.contains("x-b") && !list.contains("x"));
        assert_eq!(format!("{list:?}"), format!("{want:?}"));
        let empty = HeaderList::new(Vec::new(), &[]).unwrap();
        assert_eq!((empty.joined(), empty.contains("")), ("", false));
        for bad in ["", "a b", "x:y", "é"] {
            let err = HeaderList::new(vec![bad.to_owned()], &[]).unwrap_err();
            assert_eq!(err, Error::InvalidHeaderName { name: bad.into() });
        }
        let err = HeaderList::new(vec!["AUTHORIZATION".into()], &[]).unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidSetting {
                field: "signed_header_names",
                ..
            }
        ));
    }
}
