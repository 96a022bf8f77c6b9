//! The parameters of a request signed in its parameters (Alibaba RPC, Tencent V1), decoded
//! from the query and the form body as received, and the pieces both verifiers share: the
//! strict Base64 of their signatures.

use base64::Engine as _;
use smallvec::SmallVec;

use super::Received;

/// Requests with up to this many parameters keep their lists on the stack.
const STACK_PARAMS: usize = 16;

/// A parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Param<'a> {
    /// Decoded.
    pub(super) name: &'a str,
    /// The name holds only unreserved bytes (`A-Z a-z 0-9 - . _ ~`): RFC 3986 encoding
    /// leaves it as it is, and it was received so.
    pub(super) plain_name: bool,
    /// The name holds `_`.
    pub(super) underscore: bool,
    value: &'a str,
    kind: Kind,
}

/// What [`Param::value`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Plain,
    Decoded,
    Encoded,
}

/// A parameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Value<'a> {
    /// Only unreserved bytes: as received, decoded and RFC 3986-encoded.
    Plain(&'a str),
    /// Decoded.
    Decoded(&'a str),
    /// As received, not decoded: its RFC 3986 encoding (unreserved bytes and `%XX` with
    /// upper-case hex, for exactly the bytes that encoding escapes), which
    /// [`Decoded::new`] keeps for those it is not asked to decode.
    Encoded(&'a str),
}

impl<'a> Param<'a> {
    /// The value.
    #[inline]
    pub(super) fn value(&self) -> Value<'a> {
        match self.kind {
            Kind::Plain => Value::Plain(self.value),
            Kind::Decoded => Value::Decoded(self.value),
            Kind::Encoded => Value::Encoded(self.value),
        }
    }

    /// The decoded value (`None` if it was kept encoded).
    #[inline]
    pub(super) fn decoded_value(&self) -> Option<&'a str> {
        match self.kind {
            Kind::Plain | Kind::Decoded => Some(self.value),
            Kind::Encoded => None,
        }
    }
}

/// The parameters, borrowed.
pub(super) type Params<'a> = SmallVec<[Param<'a>; STACK_PARAMS]>;

/// A name or value: where it is in its raw text, or, once decoded, in
/// [`Decoded::decoded`] (offsets of 32 bits: [`Decoded::new`] refuses longer texts).
#[derive(Clone, Copy)]
struct Part {
    start: u32,
    end: u32,
    flags: u8,
}

/// It holds `%` or `+`.
const ESCAPED: u8 = 1;
/// Only unreserved bytes.
const PLAIN: u8 = 2;
/// RFC 3986's encoding of what it decodes to, and ASCII (so UTF-8) once decoded.
const CANONICAL: u8 = 4;
/// Its place is in [`Decoded::decoded`].
const IN_DECODED: u8 = 8;
/// It holds `_`.
const HAS_UNDERSCORE: u8 = 16;

impl Part {
    fn at(start: u32) -> Self {
        Part {
            start,
            end: start,
            flags: PLAIN | CANONICAL,
        }
    }

    fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text it spans in the raw text `raw`, or in `decoded`.
    fn text<'a>(&self, raw: &'a str, decoded: &'a str) -> &'a str {
        let text = if self.is(IN_DECODED) { decoded } else { raw };
        text.get(self.range()).unwrap_or_default()
    }
}

/// A parameter found in raw text `text`.
#[derive(Clone, Copy)]
struct Found {
    name: Part,
    value: Part,
    text: u8,
}

/// The parameters of one or two raw texts: where each name and value is, the escaped
/// ones decoded.
pub(super) struct Decoded<'r> {
    texts: [&'r str; 2],
    found: SmallVec<[Found; STACK_PARAMS]>,
    /// The decoded names and values, one after the other.
    decoded: String,
}

/// What a byte of a raw query or form body is. Unreserved bytes are `UNRESERVED` (0),
/// the only class the scan does not stop at.
const UNRESERVED: u8 = 0;
const PERCENT: u8 = 1;
const PLUS: u8 = 2;
const AMP: u8 = 3;
const EQUALS: u8 = 4;
/// Visible ASCII that RFC 3986 escapes: itself.
const LITERAL: u8 = 5;
/// `_`, unreserved, noted (Tencent V1 signs it as `.` in names).
const UNDERSCORE: u8 = 6;
/// Not visible ASCII: refused.
const BAD: u8 = 7;

const CLASS: [u8; 256] = {
    let mut t = [BAD; 256];
    let mut b = 0x21;
    while b < 0x7f {
        let c = b as u8;
        t[b] = match c {
            b'%' => PERCENT,
            b'+' => PLUS,
            b'&' => AMP,
            b'=' => EQUALS,
            b'_' => UNDERSCORE,
            _ if c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'~' => UNRESERVED,
            _ => LITERAL,
        };
        b += 1;
    }
    t
};

/// The value of a hex digit, or 16: `HEX` of either case, `HEX_UPPER` of upper case.
const HEX: [u8; 256] = hex_table(true);
const HEX_UPPER: [u8; 256] = hex_table(false);

const fn hex_table(lower: bool) -> [u8; 256] {
    let mut t = [16u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            b'a'..=b'f' if lower => c - b'a' + 10,
            _ => 16,
        };
        b += 1;
    }
    t
}

impl<'r> Decoded<'r> {
    /// Finds every `name=value` of `texts` (raw queries or form bodies, joined by `&`), and
    /// decodes them: `%XX` (either case of hex) is the byte, `+` a space, any other visible
    /// ASCII byte itself, `=` after the first one of a parameter too. Empty pieces
    /// (`a=1&&b=2`, a final `&`) are skipped, as servers do.
    ///
    /// A value received in RFC 3986's encoding, and ASCII, is kept so
    /// ([`Value::Encoded`]) unless `decode(name)`: who encodes it again need not decode it.
    ///
    /// # Errors
    /// The reason, for a piece without `=`, a `%` without two hex digits, a byte that is
    /// not visible ASCII (clients encode them), a name or value that is not UTF-8 once
    /// decoded, or texts of 4 GiB.
    pub(super) fn new(
        texts: [&'r str; 2],
        decode: fn(&[u8]) -> bool,
    ) -> Result<Self, &'static str> {
        // Offsets of 32 bits, in each text and in the decoded one.
        if u32::try_from(texts[0].len() + texts[1].len()).is_err() {
            return Err("a query and body of 4 GiB or more");
        }
        let mut found = SmallVec::new();
        let mut escaped_len = 0;
        for (text, raw) in (0u8..).zip(texts) {
            escaped_len += scan(text, raw.as_bytes(), &mut found)? as usize;
        }
        // Decoding never lengthens a text.
        let mut out = vec![0u8; escaped_len];
        let mut w = 0;
        for f in &mut found {
            let raw = texts.get(usize::from(f.text)).copied().unwrap_or_default();
            let raw = raw.as_bytes();
            if f.name.is(ESCAPED) {
                w = f.name.decode(raw, &mut out, w);
            }
            if !f.value.is(ESCAPED) {
                continue;
            }
            let name = match f.name.is(IN_DECODED) {
                true => out.get(f.name.range()),
                false => raw.get(f.name.range()),
            };
            if !f.value.is(CANONICAL) || decode(name.unwrap_or_default()) {
                w = f.value.decode(raw, &mut out, w);
            }
        }
        out.truncate(w as usize);
        let decoded = String::from_utf8(out).map_err(|_| NOT_UTF8)?;
        // The whole is UTF-8; so is each part if it starts and ends at a character.
        let mut parts = found.iter().flat_map(|f| [f.name, f.value]);
        let at_chars = |p: Part| {
            !p.is(IN_DECODED)
                || decoded.is_char_boundary(p.start as usize)
                    && decoded.is_char_boundary(p.end as usize)
        };
        if !parts.all(at_chars) {
            return Err(NOT_UTF8);
        }
        Ok(Decoded {
            texts,
            found,
            decoded,
        })
    }

    /// Every parameter in the order received (the query's, then the body's).
    pub(super) fn params(&self) -> Params<'_> {
        self.iter().collect()
    }

    /// Every parameter in the order received, one at a time (no list built).
    pub(super) fn iter(&self) -> impl ExactSizeIterator<Item = Param<'_>> + '_ {
        self.found.iter().map(|f| {
            let raw = self
                .texts
                .get(usize::from(f.text))
                .copied()
                .unwrap_or_default();
            let v = f.value;
            Param {
                name: f.name.text(raw, &self.decoded),
                plain_name: f.name.is(PLAIN),
                underscore: f.name.is(HAS_UNDERSCORE),
                value: v.text(raw, &self.decoded),
                kind: match (v.is(PLAIN), v.is(ESCAPED) && !v.is(IN_DECODED)) {
                    (true, _) => Kind::Plain,
                    (false, true) => Kind::Encoded,
                    // Decoded, or literal bytes RFC 3986 escapes and no escape: as it is.
                    (false, false) => Kind::Decoded,
                },
            }
        })
    }

    /// An upper bound of the length of the names and values once decoded.
    pub(super) fn len(&self) -> usize {
        self.texts.iter().map(|t| t.len()).sum()
    }

    /// An upper bound of the length of every name and value encoded twice.
    pub(super) fn twice_encoded_len(&self) -> usize {
        // A plain text is itself; an encoded one, `%XX` for `%25XX`, less than twice
        // itself; a decoded byte takes at most 5 bytes (`%25XX`).
        let len = |p: &Part| {
            let factor = match (p.is(PLAIN), p.is(ESCAPED) && !p.is(IN_DECODED)) {
                (true, _) => 1,
                (false, true) => 2,
                (false, false) => 5,
            };
            factor * (p.end - p.start) as usize
        };
        let lens = self.found.iter().map(|f| len(&f.name) + len(&f.value));
        lens.sum()
    }
}

impl Part {
    /// Decodes its text of `raw` into `out` at `w`, and spans it there; returns where it
    /// ends.
    fn decode(&mut self, raw: &[u8], out: &mut [u8], w: u32) -> u32 {
        let text = raw.get(self.range()).unwrap_or_default();
        // Never longer than its raw text, which is under 4 GiB.
        let end = w + decode_into(out, w as usize, text) as u32;
        (self.start, self.end) = (w, end);
        self.flags |= IN_DECODED;
        end
    }
}

/// Finds the parameters of one raw text; returns the length of its escaped names and
/// values. Unreserved bytes, most of them, take one table look each in a tight loop; the
/// scan stops at the others.
fn scan(
    text: u8,
    raw: &[u8],
    found: &mut SmallVec<[Found; STACK_PARAMS]>,
) -> Result<u32, &'static str> {
    let (mut name, mut part) = (None, Part::at(0));
    let (mut i, mut escaped_len) = (0, 0);
    loop {
        while raw
            .get(i)
            .is_some_and(|&b| CLASS[usize::from(b)] == UNRESERVED)
        {
            i += 1;
        }
        let Some(&b) = raw.get(i) else { break };
        i += 1;
        // Positions fit in 32 bits (checked by `Decoded::new`).
        let at = i as u32;
        match CLASS[usize::from(b)] {
            PERCENT => part.flags = escape(raw, i, part.flags)?,
            PLUS => part.flags = (part.flags | ESCAPED) & !(PLAIN | CANONICAL),
            UNDERSCORE => part.flags |= HAS_UNDERSCORE,
            EQUALS if name.is_none() => {
                part.end = at - 1;
                name = Some(part);
                part = Part::at(at);
            }
            EQUALS | LITERAL => part.flags &= !(PLAIN | CANONICAL),
            AMP => {
                part.end = at - 1;
                escaped_len += end_piece(text, name.take(), part, found)?;
                part = Part::at(at);
            }
            _ => return Err("a byte that is not visible ASCII (not percent-encoded)"),
        }
        i += if b == b'%' { 2 } else { 0 };
    }
    part.end = raw.len() as u32;
    Ok(escaped_len + end_piece(text, name, part, found)?)
}

/// The flags of a part after the `%` before `raw[i]`.
#[inline]
fn escape(raw: &[u8], i: usize, flags: u8) -> Result<u8, &'static str> {
    let digit = |k: usize, t: &[u8; 256]| t[usize::from(raw.get(k).copied().unwrap_or(0))];
    let (hi, lo) = (digit(i, &HEX), digit(i + 1, &HEX));
    if hi | lo > 15 {
        return Err("a '%' without two hex digits");
    }
    // `%41` is `A`, `%2a` is `%2A`: not the canonical form. `%80` and above are left to
    // decoding, which checks UTF-8.
    let upper = digit(i, &HEX_UPPER) | digit(i + 1, &HEX_UPPER) < 16;
    let needed = !matches!(CLASS[usize::from(hi << 4 | lo)], UNRESERVED | UNDERSCORE);
    let canonical = if upper && needed && hi < 8 {
        CANONICAL
    } else {
        0
    };
    Ok((flags | ESCAPED) & !PLAIN & (canonical | !CANONICAL))
}

/// The end of a piece (at `&` or the end of the text): a parameter, unless it is empty.
/// Returns the length of its escaped name and value.
fn end_piece(
    text: u8,
    name: Option<Part>,
    value: Part,
    found: &mut SmallVec<[Found; STACK_PARAMS]>,
) -> Result<u32, &'static str> {
    let escaped = |p: &Part| if p.is(ESCAPED) { p.end - p.start } else { 0 };
    match name {
        Some(name) => {
            found.push(Found { name, value, text });
            Ok(escaped(&name) + escaped(&value))
        }
        None if value.start == value.end => Ok(0),
        None => Err("a parameter without '='"),
    }
}

/// Writes `raw` decoded (its escapes checked by [`scan`]) into `out` at `w`; returns
/// its length.
fn decode_into(out: &mut [u8], mut w: usize, raw: &[u8]) -> usize {
    let start = w;
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        let byte = match b {
            b'%' => {
                let digit = |k: usize| HEX[usize::from(raw.get(k).copied().unwrap_or(0))];
                i += 2;
                digit(i - 1) << 4 | (digit(i) & 15)
            }
            b'+' => b' ',
            _ => b,
        };
        if let Some(slot) = out.get_mut(w) {
            *slot = byte;
        }
        w += 1;
        i += 1;
    }
    w - start
}

const NOT_UTF8: &str = "a parameter does not decode to UTF-8";

/// Orders names in byte order, by their first bytes where they differ (most do) before
/// comparing the rest.
#[inline]
pub(super) fn name_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.as_bytes().first(), b.as_bytes().first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
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
        let d = Decoded::new(["a=1&b+c=x%2By%20z&&e=", "f=%E4%B8%AD&g=a=b"], |_| true).unwrap();
        let params: Vec<_> = d
            .params()
            .iter()
            .map(|p| (p.name, p.decoded_value().unwrap()))
            .collect();
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
            assert!(Decoded::new([bad, ""], |_| true).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_plain_decoded_or_kept_encoded() {
        let text = "a=%2A&b=*&c=a-z_0.9~&d=%41&e=+&f=g=h&k=%2A&%41=%2a&s=%E4%B8%AD&u=%5F";
        let d = super::Decoded::new([text, ""], |name| name == b"k").unwrap();
        let values: Vec<_> = d.params().iter().map(|p| p.value()).collect();
        use Value::*;
        let want = [
            Encoded("%2A"),
            Decoded("*"),
            Plain("a-z_0.9~"),
            Decoded("A"),
            Decoded(" "),
            Decoded("g=h"),
            Decoded("*"),
            Decoded("*"),
            Decoded("中"),
            Decoded("_"),
        ];
        assert_eq!(values, want);
        let names: Vec<_> = d.params().iter().map(|p| (p.name, p.plain_name)).collect();
        assert_eq!((names[0], names[7]), (("a", true), ("A", false)));
        // Beyond ASCII, a value is decoded (and checked for UTF-8) all the same.
        assert!(super::Decoded::new(["a=%FF", ""], |_| false).is_err());
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
