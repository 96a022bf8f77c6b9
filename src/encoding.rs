//! Percent-encoding sets and hex/Base64/SHA-256 helpers: the one place every signer takes
//! them from.

use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

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
        encode_unreserved(out, s, false);
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
        encode_unreserved(out, part, false);
    }
}

/// Appends `percentEncode(percentEncode(s))` with [`RFC3986_UNRESERVED`] (Alibaba RPC's
/// string to sign): encoding an encoded text again only turns each `%` into `%25`.
pub fn percent_encode_twice_into(out: &mut String, s: &str) {
    encode_unreserved(out, s, true);
}

/// `UNRESERVED[b]` is true for `A-Z a-z 0-9 - . _ ~`.
const UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' || c == b'~';
        b += 1;
    }
    t
};

/// RFC 3986 encoding with upper-case hex; `twice` writes `%25XX` instead of `%XX`.
///
/// Text without a byte to escape is copied as it is. Otherwise the rest is encoded into a
/// stack buffer with the encoding words, a chunk at a time, and appended once per chunk.
fn encode_unreserved(out: &mut String, s: &str, twice: bool) {
    let plain = plain_prefix(s.as_bytes());
    // `..plain` holds only ASCII: a valid char boundary.
    out.push_str(s.get(..plain).unwrap_or_default());
    if plain == s.len() {
        return;
    }
    let table = if twice { &TWICE_WORDS } else { &ONCE_WORDS };
    let mut tmp = [0u8; STAGE];
    for chunk in s
        .as_bytes()
        .get(plain..)
        .unwrap_or_default()
        .chunks(STAGE_INPUT)
    {
        let len = encode_staged(chunk, table, &mut tmp);
        // Only ASCII is written (every other byte is escaped), so this never falls back.
        out.push_str(std::str::from_utf8(tmp.get(..len).unwrap_or_default()).unwrap_or_default());
    }
}

/// The encoding of byte `b` as a little-endian word, and in the top byte the number of its
/// bytes that count: `b` itself (1) for an unreserved byte, else `%XX` (3), or `%25XX` (5)
/// when encoding twice. Writing the whole word and advancing by its count encodes a byte
/// with two loads and a store, without a branch.
const fn encoding_words(twice: bool) -> [u64; 256] {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let (hi, lo) = (DIGITS[b >> 4] as u64, DIGITS[b & 0x0f] as u64);
        t[b] = if UNRESERVED[b] {
            b as u64 | 1 << 56
        } else if twice {
            b'%' as u64 | (b'2' as u64) << 8 | (b'5' as u64) << 16 | hi << 24 | lo << 32 | 5 << 56
        } else {
            b'%' as u64 | hi << 8 | lo << 16 | 3 << 56
        };
        b += 1;
    }
    t
}

/// [`encoding_words`] for encoding once.
static ONCE_WORDS: [u64; 256] = encoding_words(false);
/// [`encoding_words`] for encoding twice.
static TWICE_WORDS: [u64; 256] = encoding_words(true);

/// Text padded with zeros to a multiple of 16 bytes, so that [`AsciiWriter::padded`] copies
/// it in whole 16-byte blocks instead of calling `memcpy`.
#[derive(Clone)]
pub(crate) struct Padded {
    blocks: Box<[u8]>,
    len: usize,
}

impl Padded {
    pub(crate) fn new(text: &[u8]) -> Self {
        let mut blocks = text.to_vec();
        blocks.resize(text.len().div_ceil(16) * 16, 0);
        Padded {
            blocks: blocks.into(),
            len: text.len(),
        }
    }

    /// The length of the text (without padding).
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Writes ASCII into a byte buffer that is zero-filled in advance to a bound of the output,
/// so that a write is a store, not a `memcpy` call or a capacity check per byte; it grows
/// when the bound was short, and [`into_bytes`](Self::into_bytes) trims it.
pub(crate) struct AsciiWriter {
    buf: Vec<u8>,
    n: usize,
}

impl AsciiWriter {
    /// Writes after what `buf` holds, with room for `bound` more bytes.
    pub(crate) fn new(mut buf: Vec<u8>, bound: usize) -> Self {
        let n = buf.len();
        buf.resize(n + bound, 0);
        AsciiWriter { buf, n }
    }

    /// The bytes written, `buf`'s own included.
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.n).unwrap_or_default()
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// The buffer, trimmed to what was written.
    pub(crate) fn into_bytes(mut self) -> Vec<u8> {
        self.buf.truncate(self.n);
        self.buf
    }

    /// Makes room for `k` bytes at the end.
    #[inline]
    fn room(&mut self, k: usize) {
        if self.n + k > self.buf.len() {
            self.grow(k);
        }
    }

    #[cold]
    fn grow(&mut self, k: usize) {
        let len = (self.n + k).max(2 * self.buf.len());
        self.buf.resize(len, 0);
    }

    /// Writes a constant-length text.
    #[inline(always)]
    pub(crate) fn array<const N: usize>(&mut self, a: &[u8; N]) {
        self.room(N);
        if let Some(dst) = self.buf.get_mut(self.n..self.n + N) {
            dst.copy_from_slice(a);
        }
        self.n += N;
    }

    /// Writes any text, with `memcpy`.
    pub(crate) fn bytes(&mut self, s: &[u8]) {
        self.room(s.len());
        if let Some(dst) = self.buf.get_mut(self.n..self.n + s.len()) {
            dst.copy_from_slice(s);
        }
        self.n += s.len();
    }

    /// Writes a padded text in 16-byte blocks.
    #[inline]
    pub(crate) fn padded(&mut self, p: &Padded) {
        self.room(p.blocks.len());
        for (i, block) in p.blocks.chunks_exact(16).enumerate() {
            let at = self.n + 16 * i;
            if let Some(dst) = self.buf.get_mut(at..at + 16) {
                dst.copy_from_slice(block);
            }
        }
        self.n += p.len;
    }

    /// Writes `s` RFC 3986-encoded once, or twice with `twice`.
    pub(crate) fn encode(&mut self, s: &str, twice: bool) {
        let table = if twice { &TWICE_WORDS } else { &ONCE_WORDS };
        self.room(5 * s.len() + 8);
        let (buf, mut n) = (&mut self.buf[..], self.n);
        let s = s.as_bytes();
        let plain = plain_prefix(s);
        n = copy_blocks(buf, n, s, plain);
        let mut tmp = [0u8; STAGE];
        for chunk in s.get(plain..).unwrap_or_default().chunks(STAGE_INPUT) {
            let len = encode_staged(chunk, table, &mut tmp);
            n = copy_blocks(buf, n, &tmp, len);
        }
        self.n = n;
    }
}

/// Input bytes encoded per round on the stack: at most 5 bytes each, plus the 8 bytes
/// the last word writes, must fit in [`STAGE`] below the index mask.
const STAGE_INPUT: usize = 48;
/// The stack buffer of a round: 256 (the index mask) plus 8.
const STAGE: usize = 264;

/// Encodes up to [`STAGE_INPUT`] bytes with the words of `table` into `tmp`; returns the
/// encoded length. One load per byte and one 8-byte store, no branch: the index is masked
/// to the buffer (it never exceeds `5 * 48`), so there is no bounds check either.
#[inline(always)]
fn encode_staged(chunk: &[u8], table: &[u64; 256], tmp: &mut [u8; STAGE]) -> usize {
    let mut n = 0;
    for &b in chunk {
        let w = table[usize::from(b)];
        let at = n & 255;
        tmp[at..at + 8].copy_from_slice(&w.to_le_bytes());
        n += (w >> 56) as usize;
    }
    n
}

/// The length of the run of unreserved bytes that starts `s`.
#[inline(always)]
fn plain_prefix(s: &[u8]) -> usize {
    s.iter()
        .position(|&b| !UNRESERVED[usize::from(b)])
        .unwrap_or(s.len())
}

/// Copies `src[..len]` to `buf` at `n` in 8-byte blocks (the last may write up to 7 more
/// bytes, which later writes cover or the writer trims); returns `n + len`. The caller made
/// room for `len + 8` bytes.
#[inline(always)]
fn copy_blocks(buf: &mut [u8], n: usize, src: &[u8], len: usize) -> usize {
    debug_assert!(n + len <= buf.len(), "the caller makes room");
    let mut c = 0;
    while c < len {
        match (src.get(c..c + 8), buf.get_mut(n + c..n + c + 8)) {
            (Some(from), Some(to)) => to.copy_from_slice(from),
            _ => {
                // The end of `src`: its last bytes one by one.
                for i in c..len {
                    if let (Some(&b), Some(d)) = (src.get(i), buf.get_mut(n + i)) {
                        *d = b;
                    }
                }
            }
        }
        c += 8;
    }
    n + len
}

/// Writes `s` RFC 3986-encoded once to `once` and twice to `twice`, reading it once (Alibaba
/// RPC writes its query and its string to sign in one pass).
pub(crate) fn encode_once_and_twice(once: &mut AsciiWriter, twice: &mut AsciiWriter, s: &str) {
    once.room(3 * s.len() + 8);
    twice.room(5 * s.len() + 8);
    let (o, mut i) = (&mut once.buf[..], once.n);
    let (t, mut j) = (&mut twice.buf[..], twice.n);
    let s = s.as_bytes();
    let plain = plain_prefix(s);
    i = copy_blocks(o, i, s, plain);
    j = copy_blocks(t, j, s, plain);
    if plain < s.len() {
        let (mut o_tmp, mut t_tmp) = ([0u8; STAGE], [0u8; STAGE]);
        for chunk in s.get(plain..).unwrap_or_default().chunks(STAGE_INPUT) {
            let len = encode_staged(chunk, &ONCE_WORDS, &mut o_tmp);
            i = copy_blocks(o, i, &o_tmp, len);
            let len = encode_staged(chunk, &TWICE_WORDS, &mut t_tmp);
            j = copy_blocks(t, j, &t_tmp, len);
        }
    }
    once.n = i;
    twice.n = j;
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

/// `HEX_PAIRS[b]` is the two lowercase hex digits of `b`.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = [DIGITS[b >> 4], DIGITS[b & 0x0f]];
        b += 1;
    }
    t
};

/// Writes the lowercase hex of `bytes` into the front of `out`, which must hold twice as
/// many bytes (extra input is ignored).
fn hex_to_slice(bytes: &[u8], out: &mut [u8]) {
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(*b)]);
    }
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
pub fn sha256_hex(data: &[u8]) -> Hex64 {
    if data.is_empty() {
        return Hex64::EMPTY_SHA256;
    }
    Hex64::from_digest(&Sha256::digest(data).into())
}

/// Standard Base64 (with padding) of `bytes`, appended to `out`.
pub fn base64_into(out: &mut String, bytes: &[u8]) {
    use base64::Engine as _;
    let engine = &base64::engine::general_purpose::STANDARD;
    // Digests and hex digests (up to 96 bytes) go through a stack buffer: `encode_string`
    // zeroes a 1 KiB chunk buffer on every call.
    let mut buf = [0u8; 128];
    match engine.encode_slice(bytes, &mut buf) {
        Ok(n) => out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default()),
        Err(_) => engine.encode_string(bytes, out),
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
        let mut buf = [0u8; 64];
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
    fn fast_path_agrees_with_the_percent_encoding_crate() {
        let mut samples: Vec<String> = (0u32..0x3000)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        samples.push("emoji 😀 and %41 ~*+/".to_owned());
        // Longer than one 64-byte chunk of the encoder, with multi-byte characters and
        // escapes across chunk boundaries, and a long unreserved prefix.
        for shift in 0..8 {
            let mut long = "x".repeat(shift * 9);
            long.push_str(&"中a b😀*~".repeat(40));
            samples.push(long);
        }
        samples.push("a".repeat(300));
        for s in samples {
            let mut fast = String::new();
            percent_encode_into(&mut fast, &s, RFC3986_UNRESERVED);
            let slow: String = utf8_percent_encode(&s, RFC3986_UNRESERVED).collect();
            assert_eq!(fast, slow, "{s:?}");
            let mut twice = String::new();
            percent_encode_twice_into(&mut twice, &s);
            let again: String = utf8_percent_encode(&slow, RFC3986_UNRESERVED).collect();
            assert_eq!(twice, again, "{s:?}");
        }
    }

    #[test]
    fn byte_encoders_agree_with_the_percent_encoding_crate() {
        let mut samples: Vec<String> = (0u32..0x800)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        for shift in 0..8 {
            let mut long = "x".repeat(shift * 9);
            long.push_str(&"中a b😀*~".repeat(40));
            samples.push(long);
        }
        samples.push("a".repeat(300));
        samples.push(String::new());
        for s in samples {
            let want_once: String = utf8_percent_encode(&s, RFC3986_UNRESERVED).collect();
            let want_twice: String = utf8_percent_encode(&want_once, RFC3986_UNRESERVED).collect();
            // A bound of 0 makes the writers grow as they go.
            for bound in [0, 5 * s.len() + 8] {
                let mut once = AsciiWriter::new(b">".to_vec(), bound);
                let mut twice = AsciiWriter::new(b">".to_vec(), bound);
                encode_once_and_twice(&mut once, &mut twice, &s);
                assert_eq!(
                    once.into_bytes(),
                    format!(">{want_once}").as_bytes(),
                    "{s:?}"
                );
                assert_eq!(
                    twice.into_bytes(),
                    format!(">{want_twice}").as_bytes(),
                    "{s:?}"
                );
                let mut single = AsciiWriter::new(Vec::new(), bound);
                single.encode(&s, false);
                single.encode(&s, true);
                assert_eq!(
                    single.into_bytes(),
                    format!("{want_once}{want_twice}").as_bytes()
                );
            }
        }
    }

    #[test]
    fn ascii_writer_writes_what_it_is_given() {
        for bound in [0, 1, 40, 200] {
            let mut w = AsciiWriter::new(b"ab".to_vec(), bound);
            w.array(b"cd");
            for len in [0, 1, 15, 16, 17, 33] {
                w.padded(&Padded::new(&vec![b'p'; len]));
                w.bytes(b"|");
            }
            w.bytes(b"xyz");
            assert_eq!(w.len(), w.as_bytes().len());
            let want = format!(
                "abcd|p|{}|{}|{}|{}|xyz",
                "p".repeat(15),
                "p".repeat(16),
                "p".repeat(17),
                "p".repeat(33)
            );
            assert_eq!(w.as_bytes(), want.as_bytes());
            assert_eq!(w.into_bytes(), want.as_bytes(), "bound {bound}");
        }
    }

    #[test]
    fn base64_agrees_with_the_base64_crate() {
        use base64::Engine as _;
        let data: Vec<u8> = (0..200u32).map(|i| (i * 151 + 7) as u8).collect();
        for len in 0..=data.len() {
            for start in [0, 1, 2] {
                let input = &data[..len].get(start..).unwrap_or_default();
                let mut ours = String::from(">");
                base64_into(&mut ours, input);
                let theirs = base64::engine::general_purpose::STANDARD.encode(input);
                assert_eq!(ours, format!(">{theirs}"), "length {}", input.len());
            }
        }
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
