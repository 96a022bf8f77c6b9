//! The parameters of a request signed in its parameters (Alibaba RPC, Tencent V1), decoded
//! from the query and the form body as received, and the pieces both verifiers share: the
//! strict Base64 of their signatures.

use std::ops::Range;

use base64::Engine as _;
use smallvec::SmallVec;

use super::Received;

/// Requests with up to this many parameters keep their lists on the stack.
const STACK_PARAMS: usize = 16;

/// The decoded names and values, in one text.
pub(super) struct Decoded {
    text: String,
    spans: SmallVec<[(Range<usize>, Range<usize>); STACK_PARAMS]>,
}

/// A parameter: its decoded name and value.
pub(super) type Param<'a> = (&'a str, &'a str);

/// The decoded parameters, borrowed.
pub(super) type Params<'a> = SmallVec<[Param<'a>; STACK_PARAMS]>;

impl Decoded {
    /// Decodes every `name=value` of `texts` (raw queries or form bodies, joined by `&`):
    /// `%XX` (either case of hex) is the byte, `+` a space, any other visible ASCII byte
    /// itself. Empty pieces (`a=1&&b=2`, a final `&`) are skipped, as servers do.
    ///
    /// # Errors
    /// The reason, for a piece without `=`, a `%` without two hex digits, a byte that is
    /// not visible ASCII (clients encode them), or a name or value that is not UTF-8 once
    /// decoded.
    pub(super) fn new(texts: &[&str]) -> Result<Self, &'static str> {
        let mut bytes = Vec::with_capacity(texts.iter().map(|t| t.len()).sum());
        let mut spans = SmallVec::new();
        for text in texts {
            for piece in text.split('&').filter(|p| !p.is_empty()) {
                let (name, value) = piece.split_once('=').ok_or("a parameter without '='")?;
                let at = bytes.len();
                decode_into(&mut bytes, name.as_bytes())?;
                let middle = bytes.len();
                decode_into(&mut bytes, value.as_bytes())?;
                spans.push((at..middle, middle..bytes.len()));
            }
        }
        let text = String::from_utf8(bytes).map_err(|_| NOT_UTF8)?;
        Ok(Decoded { text, spans })
    }

    /// Every parameter in the order received (the query's, then the body's).
    ///
    /// # Errors
    /// As [`new`](Self::new): a name or value that is not UTF-8 on its own.
    pub(super) fn params(&self) -> Result<Params<'_>, &'static str> {
        let text = |r: &Range<usize>| self.text.get(r.clone()).ok_or(NOT_UTF8);
        self.spans
            .iter()
            .map(|(name, value)| Ok((text(name)?, text(value)?)))
            .collect()
    }

    /// The length of every name and value, decoded.
    pub(super) fn len(&self) -> usize {
        self.text.len()
    }
}

const NOT_UTF8: &str = "a parameter does not decode to UTF-8";

/// Appends `raw` decoded to `out`, copying the runs between escapes whole.
fn decode_into(out: &mut Vec<u8>, raw: &[u8]) -> Result<(), &'static str> {
    let (mut i, mut run) = (0, 0);
    while let Some(&b) = raw.get(i) {
        let decoded = match b {
            b'%' => {
                let hex = |k| raw.get(i + k).and_then(|&d| (d as char).to_digit(16));
                let (Some(hi), Some(lo)) = (hex(1), hex(2)) else {
                    return Err("a '%' without two hex digits");
                };
                // Two hex digits make a byte.
                (hi * 16 + lo) as u8
            }
            b'+' => b' ',
            0x21..=0x7e => {
                i += 1;
                continue;
            }
            _ => return Err("a byte that is not visible ASCII (not percent-encoded)"),
        };
        out.extend_from_slice(raw.get(run..i).unwrap_or_default());
        out.push(decoded);
        i += if b == b'%' { 3 } else { 1 };
        run = i;
    }
    out.extend_from_slice(raw.get(run..).unwrap_or_default());
    Ok(())
}

/// The raw texts that hold a request's parameters: the query, and for a `POST` the form
/// body (a body of another type would go unsigned).
///
/// # Errors
/// The reason, for a `POST` body that is not `application/x-www-form-urlencoded` (or
/// whose `Content-Type` came twice), or not UTF-8.
pub(super) fn raw_texts(req: &Received) -> Result<[&str; 2], (&'static str, &'static str)> {
    let body = req.body_bytes();
    if req.method() != "POST" || body.is_empty() {
        return Ok([req.raw_query(), ""]);
    }
    let content_type = req
        .one_header("content-type")
        .map_err(|r| ("Content-Type", r))?;
    let form = content_type.is_some_and(|ct| {
        ct.split(';').next().is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    });
    if !form {
        return Err((
            "body",
            "a POST body that is not application/x-www-form-urlencoded would go unsigned",
        ));
    }
    let body = std::str::from_utf8(body).map_err(|_| ("body", "the form body is not UTF-8"))?;
    Ok([req.raw_query(), body])
}

/// The signature strictly decoded: canonical padded Base64 of exactly `N` bytes.
pub(super) fn signature<const N: usize>(value: &str) -> Option<[u8; N]> {
    let mut buf = [0u8; 48];
    // The engine refuses missing padding and non-zero trailing bits (non-canonical forms).
    let n = base64::engine::general_purpose::STANDARD
        .decode_slice(value, &mut buf)
        .ok()?;
    match n == N {
        true => buf.get(..N)?.try_into().ok(),
        false => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_strictly() {
        let d = Decoded::new(&["a=1&b+c=x%2By%20z&&e=", "f=%E4%B8%AD&g=a=b"]).unwrap();
        let params: Vec<_> = d.params().unwrap().into_vec();
        assert_eq!(
            params,
            [
                ("a", "1"),
                ("b c", "x+y z"),
                ("e", ""),
                ("f", "中"),
                ("g", "a=b")
            ]
        );
        for bad in [
            "a",
            "a=%2",
            "a=%zz",
            "a=b c",
            "a=\u{e9}",
            "a=%FF",
            "a%E4=%B8%AD",
        ] {
            assert!(
                Decoded::new(&[bad])
                    .and_then(|d| d.params().map(drop))
                    .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn signatures_are_canonical_base64_of_their_length() {
        assert_eq!(signature::<3>("YWJj"), Some(*b"abc"));
        assert_eq!(signature::<2>("YWI="), Some(*b"ab"));
        for bad in ["YWI", "YWJj\n", "YWJjZA==", " YWJj", "YW Jj"] {
            assert_eq!(signature::<3>(bad), None, "{bad}");
        }
        // Non-zero trailing bits: not the canonical form of "ab".
        assert_eq!(signature::<2>("YWJ="), None);
    }
}
