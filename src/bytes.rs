//! The fast byte machinery of the signers, which knows bytes and not schemes: a cursor
//! writer over a region sized in advance ([`Cursor`], [`Padded`], [`OVERSHOOT`]), RFC 3986
//! encoding by encoding words ([`encode_into`], [`escapes`], [`encode_once_and_twice`]),
//! and hex and Base64 into slices. The public helpers of [`crate::encoding`] are built on
//! it; the reference implementations use none of it (`signer::plain`), so the tests that
//! hold the fast paths to them check this module too.

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
/// Text without a byte to escape (counted without a branch per byte) is copied as it is.
/// Otherwise its unreserved prefix is, and the rest is encoded into a stack buffer with the
/// encoding words, a chunk at a time, and appended once per chunk.
pub(crate) fn encode_into(out: &mut String, s: &str, twice: bool) {
    if is_plain(s.as_bytes()) {
        out.push_str(s);
        return;
    }
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

/// Text padded with zeros to a multiple of 16 bytes, so that [`Cursor::padded`] copies
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

    /// The text (without padding).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.blocks.get(..self.len).unwrap_or_default()
    }
}

/// How far a [`Cursor`] write may store past the end of what it writes (whole blocks).
pub(crate) const OVERSHOOT: usize = 15;

/// Writes ASCII into a zero-filled byte region sized in advance, so that a write is a
/// store or a block copy, not a `memcpy` call or a capacity check per byte.
///
/// Writes store whole blocks and may store up to [`OVERSHOOT`] bytes past their end; the
/// next write covers them. A write that does not fit the region is skipped, but the
/// position still advances: while [`len`](Self::len) `+ OVERSHOOT` is within the region,
/// every write so far landed.
pub(crate) struct Cursor<'a> {
    buf: &'a mut [u8],
    n: usize,
}

impl<'a> Cursor<'a> {
    /// Writes from the start of `buf`.
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Cursor { buf, n: 0 }
    }

    /// The number of bytes written.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// The room left in the region (0 once a write went past it). With at least
    /// [`OVERSHOOT`] left, every write so far landed.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.n)
    }

    /// The bytes written.
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.n).unwrap_or_default()
    }

    /// Writes a constant-length text.
    #[inline(always)]
    pub(crate) fn array<const N: usize>(&mut self, a: &[u8; N]) {
        if let Some(dst) = self.buf.get_mut(self.n..self.n + N) {
            dst.copy_from_slice(a);
        }
        self.n += N;
    }

    /// Takes back the last `n` bytes written (at most [`len`](Self::len)).
    #[inline(always)]
    pub(crate) fn unwrite(&mut self, n: usize) {
        self.n = self.n.saturating_sub(n);
    }

    /// Writes the Base64 of `bytes`.
    #[inline]
    pub(crate) fn base64(&mut self, bytes: &[u8]) {
        let len = bytes.len().div_ceil(3) * 4;
        if let Some(dst) = self.buf.get_mut(self.n..self.n + len) {
            base64_to_slice(bytes, dst);
        }
        self.n += len;
    }

    /// Writes any text.
    #[inline]
    pub(crate) fn bytes(&mut self, s: &[u8]) {
        self.n = copy_text(self.buf, self.n, s);
    }

    /// Writes a padded text in 16-byte blocks.
    #[inline]
    pub(crate) fn padded(&mut self, p: &Padded) {
        for (i, block) in p.blocks.chunks_exact(16).enumerate() {
            let at = self.n + 16 * i;
            if let Some(dst) = self.buf.get_mut(at..at + 16) {
                dst.copy_from_slice(block);
            }
        }
        self.n += p.len;
    }

    /// Writes `s` (UTF-8) RFC 3986-encoded once, or twice with `twice`.
    pub(crate) fn encode(&mut self, s: &[u8], twice: bool) {
        let plain = plain_prefix(s);
        let (prefix, rest) = s.split_at_checked(plain).unwrap_or_default();
        self.n = copy_text(self.buf, self.n, prefix);
        self.encode_each(rest, twice);
    }

    /// [`encode`](Self::encode) without looking for a leading run to copy: for short
    /// texts likely to need escapes (a Base64 signature).
    #[inline]
    pub(crate) fn encode_each(&mut self, s: &[u8], twice: bool) {
        let table = if twice { &TWICE_WORDS } else { &ONCE_WORDS };
        self.n = encode_words(self.buf, self.n, s, table);
    }
}

/// The number of bytes of `s` that RFC 3986 encoding escapes: encoded once `s` takes
/// `s.len() + 2 * escapes(s)` bytes, twice `s.len() + 4 * escapes(s)`. Counted without a
/// branch per byte, 8 bytes a round.
#[inline]
pub(crate) fn escapes(s: &str) -> usize {
    count(s, &ESCAPED)
}

/// The number of bytes of `s` marked 1 in `table`, 8 bytes a round.
#[inline(always)]
fn count(s: &str, table: &[u8; 256]) -> usize {
    let (blocks, tail) = s.as_bytes().as_chunks::<8>();
    let count = |k: usize, &b: &u8| k + usize::from(table[usize::from(b)]);
    let k = blocks
        .iter()
        .fold(0, |k, block| block.iter().fold(k, count));
    tail.iter().fold(k, count)
}

/// Whether RFC 3986 encoding leaves `s` as it is: [`escapes`]`(s) == 0`, checked 8 bytes
/// a round and the last 8 (overlapping) at once, without a branch per byte.
#[inline]
fn is_plain(s: &[u8]) -> bool {
    let plain = |bytes: &[u8]| bytes.iter().fold(0, |k, &b| k | ESCAPED[usize::from(b)]) == 0;
    match s.last_chunk::<8>() {
        Some(last) => s.as_chunks::<8>().0.iter().all(|b| plain(b)) && plain(last),
        None => plain(s),
    }
}

/// `ESCAPED[b]` is 1 for a byte RFC 3986 encoding escapes, else 0.
const ESCAPED: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = !UNRESERVED[b] as u8;
        b += 1;
    }
    t
};

/// [`ESCAPED`] but for `/`, which a path keeps.
const ESCAPED_IN_PATH: [u8; 256] = {
    let mut t = ESCAPED;
    t[b'/' as usize] = 0;
    t
};

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

/// Writes the encoding word `w` of a byte (see [`encoding_words`]) at `n` in `buf`, all 8
/// bytes of it (a [`Cursor`]'s overshoot), and returns the position after its encoding.
/// Straight into the region: a stack stage copied in blocks would read back 8-byte words
/// just stored at other offsets, which stalls store forwarding.
#[inline(always)]
fn encode_word(buf: &mut [u8], n: usize, w: u64) -> usize {
    if let Some(dst) = buf.get_mut(n..n + 8) {
        dst.copy_from_slice(&w.to_le_bytes());
    }
    n + (w >> 56) as usize
}

/// [`encode_word`] for each byte of `s`: [`STAGE_INPUT`] bytes at a time into a window of
/// the region known to hold their encoding, without a bounds check per byte; where the
/// region has less room left, with one.
#[inline(always)]
fn encode_words(buf: &mut [u8], mut n: usize, s: &[u8], table: &[u64; 256]) -> usize {
    for chunk in s.chunks(STAGE_INPUT) {
        match buf
            .get_mut(n..n + STAGE)
            .and_then(|w| <&mut [u8; STAGE]>::try_from(w).ok())
        {
            Some(window) => n += encode_staged(chunk, table, window),
            None => {
                for &b in chunk {
                    n = encode_word(buf, n, table[usize::from(b)]);
                }
            }
        }
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

/// Copies `src` to `buf` at `n`; returns `n + src.len()`. Names and values are short: up to
/// 32 bytes take two overlapping stores of 16, 8 or fewer bytes instead of a `memcpy` call.
#[inline(always)]
fn copy_text(buf: &mut [u8], n: usize, src: &[u8]) -> usize {
    let len = src.len();
    let Some(dst) = buf.get_mut(n..n + len) else {
        return n + len;
    };
    match len {
        0..8 => {
            let mut c = 0;
            for k in [4, 2, 1] {
                if len & k != 0 {
                    if let (Some(to), Some(from)) = (dst.get_mut(c..c + k), src.get(c..c + k)) {
                        to.copy_from_slice(from);
                    }
                    c += k;
                }
            }
        }
        8..=16 => copy_ends::<8>(dst, src),
        17..=32 => copy_ends::<16>(dst, src),
        _ => dst.copy_from_slice(src),
    }
    n + len
}

/// Copies the first and the last `N` bytes of `src` (at least `N` long) to `dst`, its length.
#[inline(always)]
fn copy_ends<const N: usize>(dst: &mut [u8], src: &[u8]) {
    if let (Some(to), Some(from)) = (dst.first_chunk_mut::<N>(), src.first_chunk::<N>()) {
        *to = *from;
    }
    if let (Some(to), Some(from)) = (dst.last_chunk_mut::<N>(), src.last_chunk::<N>()) {
        *to = *from;
    }
}

/// Writes `s` RFC 3986-encoded once to `once` and twice to `twice` (Alibaba RPC writes its
/// query and its string to sign in one pass). `escapes` is [`escapes`]`(s)`: without any,
/// the text is copied as it is, without looking for one.
#[inline(always)]
pub(crate) fn encode_once_and_twice(
    once: &mut Cursor<'_>,
    twice: &mut Cursor<'_>,
    s: &str,
    escapes: usize,
) {
    let s = s.as_bytes();
    if escapes == 0 {
        once.n = copy_text(once.buf, once.n, s);
        twice.n = copy_text(twice.buf, twice.n, s);
    } else {
        encode_escaped_once_and_twice(once, twice, s);
    }
}

/// [`encode_once_and_twice`] for a text with escapes, out of line: most texts have none.
#[inline(never)]
fn encode_escaped_once_and_twice(once: &mut Cursor<'_>, twice: &mut Cursor<'_>, s: &[u8]) {
    let plain = plain_prefix(s);
    let (prefix, rest) = s.split_at_checked(plain).unwrap_or_default();
    let mut i = copy_text(once.buf, once.n, prefix);
    let mut j = copy_text(twice.buf, twice.n, prefix);
    i = encode_words(once.buf, i, rest, &ONCE_WORDS);
    j = encode_words(twice.buf, j, rest, &TWICE_WORDS);
    once.n = i;
    twice.n = j;
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

/// The 8 lowercase hex digits of 4 bytes, in order: the bytes are spread one per 16-bit
/// lane, each lane's two nibbles one per byte (the high one first), and each nibble
/// mapped to its digit by adding `'0'`, and `'a' - '0' - 10` more where it is 10 or
/// more. No table and no branch: 8 digits take about 15 register operations and one
/// store, where a table takes a load and a 2-byte store per byte.
#[inline]
fn hex_word(bytes: [u8; 4]) -> [u8; 8] {
    let mut v = u64::from(u32::from_le_bytes(bytes));
    v = (v | v << 16) & 0x0000_FFFF_0000_FFFF;
    v = (v | v << 8) & 0x00FF_00FF_00FF_00FF;
    v = (v & 0x00F0_00F0_00F0_00F0) >> 4 | (v & 0x000F_000F_000F_000F) << 8;
    // Bit 4 of `nibble + 6` is set for the nibbles 10 to 15.
    let letters = ((v + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    (v + 0x3030_3030_3030_3030 + letters * u64::from(b'a' - b'0' - 10)).to_le_bytes()
}

/// Writes the lowercase hex of `bytes` into the front of `out`, which must hold twice as
/// many bytes (extra input is ignored).
#[inline]
pub(crate) fn hex_to_slice(bytes: &[u8], out: &mut [u8]) {
    let (words, _) = bytes.as_chunks::<4>();
    let (slots, _) = out.as_chunks_mut::<8>();
    let n = words.len().min(slots.len());
    for (slot, word) in slots.iter_mut().zip(words) {
        *slot = hex_word(*word);
    }
    let rest = bytes.get(4 * n..).unwrap_or_default();
    let out = out.get_mut(8 * n..).unwrap_or_default();
    for (pair, b) in out.chunks_exact_mut(2).zip(rest) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(*b)]);
    }
}

/// The bytes of `N` pairs of lower-case hex digits, as signers write signatures and
/// digests; `None` for any other text (upper case, a wrong length). One pass through a
/// table, without a branch per digit: verifiers decode a signature before comparing it.
pub(crate) fn lower_hex_decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    /// The value of each lower-case hex digit; 16 for every other byte.
    const NIBBLES: [u8; 256] = {
        let mut t = [16u8; 256];
        let mut d = 0;
        while d < 16 {
            t[b"0123456789abcdef"[d] as usize] = d as u8;
            d += 1;
        }
        t
    };
    let (pairs, []) = text.as_bytes().as_chunks::<2>() else {
        return None;
    };
    let mut out = [0u8; N];
    let mut bad = pairs.len() != N;
    for (byte, &[hi, lo]) in out.iter_mut().zip(pairs) {
        let (hi, lo) = (NIBBLES[usize::from(hi)], NIBBLES[usize::from(lo)]);
        bad |= (hi | lo) > 15;
        *byte = hi << 4 | (lo & 15);
    }
    (!bad).then_some(out)
}

/// Standard Base64 (with padding) of `bytes` written to the front of `out`; returns its
/// length, or `None` (nothing written) when `out` is too short.
///
/// For the digests signers encode (16 to 64 bytes), this straight loop over 3-byte groups
/// takes about a tenth of the instructions of the `base64` crate's general engine.
pub(crate) fn base64_to_slice(bytes: &[u8], out: &mut [u8]) -> Option<usize> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sym = |v: u32| ALPHABET[(v & 63) as usize];
    let len = bytes.len().div_ceil(3) * 4;
    let out = out.get_mut(..len)?;
    let (groups, rest) = bytes.as_chunks::<3>();
    let (quads, last) = out.as_chunks_mut::<4>();
    debug_assert!(last.is_empty());
    for (&[a, b, c], q) in groups.iter().zip(quads.iter_mut()) {
        let v = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
        *q = [sym(v >> 18), sym(v >> 12), sym(v >> 6), sym(v)];
    }
    if let Some(q) = quads.last_mut().filter(|_| !rest.is_empty()) {
        let (a, b) = (rest.first().copied(), rest.get(1).copied());
        let v = u32::from(a.unwrap_or(0)) << 16 | u32::from(b.unwrap_or(0)) << 8;
        *q = [
            sym(v >> 18),
            sym(v >> 12),
            if b.is_some() { sym(v >> 6) } else { b'=' },
            b'=',
        ];
    }
    Some(len)
}

/// Whether `a` and `b` are equal, in time that depends on their lengths only: the
/// differences of every 64-bit word (then of each byte of the tail) OR-ed together, with
/// no branch on the data, and that one word compared with zero by `subtle` (behind its
/// optimization barrier), as `constant_time_eq` and BoringSSL's `CRYPTO_memcmp` do.
/// `subtle`'s comparison of slices (which `hmac`'s `verify_slice` uses) puts every byte
/// through the barrier: 0.8 ns a byte here.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    if a.len() != b.len() {
        return false;
    }
    let ((wa, ta), (wb, tb)) = (a.as_chunks::<8>(), b.as_chunks::<8>());
    let words = (wa.iter().zip(wb)).fold(0u64, |diff, (x, y)| {
        diff | (u64::from_ne_bytes(*x) ^ u64::from_ne_bytes(*y))
    });
    let tail = (ta.iter().zip(tb)).fold(0u8, |diff, (x, y)| diff | (x ^ y));
    bool::from((words | u64::from(tail)).ct_eq(&0))
}

/// Where a layout goes: into a `String`, or counted into a `usize` (its position is the
/// count so far), so that one function states both the bytes of a text and their length
/// (ROA's string to sign, Huawei's canonical request): the buffer is sized exactly.
pub(crate) trait Sink {
    /// The bytes written (or counted) so far.
    fn pos(&self) -> usize;
    /// `s` as it is.
    fn put(&mut self, s: &str);
    /// `s` with ASCII letters lower-cased.
    fn put_lower(&mut self, s: &str);
    /// `s` RFC 3986-encoded.
    fn put_encoded(&mut self, s: &str);
    /// `s` RFC 3986-encoded but for its `/` (each segment encoded, the separators kept).
    fn put_encoded_path(&mut self, s: &str);
}

impl Sink for String {
    #[inline]
    fn pos(&self) -> usize {
        self.len()
    }

    #[inline]
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }

    #[inline]
    fn put_lower(&mut self, s: &str) {
        crate::text::push_lower(self, s);
    }

    #[inline]
    fn put_encoded(&mut self, s: &str) {
        encode_into(self, s, false);
    }

    /// Segment by segment: the table-driven encoder of the unreserved set beats the
    /// generic one of the path set.
    #[inline]
    fn put_encoded_path(&mut self, s: &str) {
        for (i, segment) in s.split('/').enumerate() {
            if i > 0 {
                self.push('/');
            }
            encode_into(self, segment, false);
        }
    }
}

impl Sink for usize {
    #[inline]
    fn pos(&self) -> usize {
        *self
    }

    #[inline]
    fn put(&mut self, s: &str) {
        *self += s.len();
    }

    #[inline]
    fn put_lower(&mut self, s: &str) {
        *self += s.len();
    }

    /// Two more bytes (`%XX`) for each escaped byte.
    #[inline]
    fn put_encoded(&mut self, s: &str) {
        *self += s.len() + 2 * escapes(s);
    }

    /// As [`put_encoded`](Self::put_encoded), `/` kept.
    #[inline]
    fn put_encoded_path(&mut self, s: &str) {
        *self += s.len() + 2 * count(s, &ESCAPED_IN_PATH);
    }
}

/// ASCII text of exactly `N` bytes on the stack: a time stamp, a SHA-1 MAC's Base64. Its
/// length is a constant, so a [`Cursor`] stores it in whole blocks
/// ([`Cursor::array`]).
#[derive(Clone, Copy)]
pub(crate) struct Ascii<const N: usize>(pub(crate) [u8; N]);

impl<const N: usize> Ascii<N> {
    /// The Base64 of `bytes`, which must encode to exactly `N` characters (zeros after a
    /// shorter encoding; a longer one is not written).
    #[inline]
    pub(crate) fn base64(bytes: &[u8]) -> Self {
        let mut buf = [0u8; N];
        let _ = base64_to_slice(bytes, &mut buf);
        Ascii(buf)
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8; N] {
        &self.0
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is written; the fallback is never taken.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// ASCII text of at most `N` bytes on the stack: a decimal number, a MAC's Base64 whose
/// length depends on the MAC.
#[derive(Clone, Copy)]
pub(crate) struct ShortAscii<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> ShortAscii<N> {
    /// The Base64 of `bytes` (empty if it does not fit in `N`).
    #[inline]
    pub(crate) fn base64(bytes: &[u8]) -> Self {
        let mut buf = [0u8; N];
        let len = base64_to_slice(bytes, &mut buf).unwrap_or(0);
        ShortAscii { bytes: buf, len }
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is written; the fallback is never taken.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl ShortAscii<20> {
    /// The decimal digits of `n`, two per division (half the dependent divide chain of
    /// one digit at a time).
    #[inline]
    pub(crate) fn decimal(n: u64) -> Self {
        let len = n.checked_ilog10().map_or(1, |l| l as usize + 1);
        let mut bytes = [b'0'; 20];
        let mut n = n;
        for pair in bytes.get_mut(..len).unwrap_or_default().rchunks_mut(2) {
            let [tens, ones] = DIGIT_PAIRS[(n % 100) as usize];
            match pair {
                [t, o] => (*t, *o) = (tens, ones),
                [o] => *o = ones,
                _ => {}
            }
            n /= 100;
        }
        ShortAscii { bytes, len }
    }
}

/// `DIGIT_PAIRS[n]` is the two decimal digits of `n` (below 100).
const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut n = 0;
    while n < 100 {
        t[n] = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        n += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{
        base64_into, hex_into, percent_encode_into, percent_encode_twice_into, Hex64,
        RFC3986_UNRESERVED,
    };
    use percent_encoding::utf8_percent_encode;

    /// Every length to 90, each byte changed in its low and its high bit, and lengths
    /// that differ by one.
    #[test]
    fn ct_eq_is_equality() {
        let a: Vec<u8> = (0..=90).collect();
        for len in 0..a.len() {
            let x = &a[..len];
            assert!(ct_eq(x, x));
            assert!(!ct_eq(x, &a[..len + 1]) && !ct_eq(&a[..len + 1], x));
            for at in 0..len {
                for bit in [0x01, 0x80] {
                    let mut y = x.to_vec();
                    y[at] ^= bit;
                    assert!(!ct_eq(x, &y), "len {len}, byte {at}, bit {bit:#x}");
                }
            }
        }
    }

    /// Every byte value in every position of a word, every length, and a short output,
    /// against the `hex` crate.
    #[test]
    fn hex_matches_the_hex_crate() {
        let bytes: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for start in 0..4 {
            for len in 0..=bytes.len() - start {
                let input = &bytes[start..start + len];
                let mut out = vec![b'#'; 2 * len];
                hex_to_slice(input, &mut out);
                assert_eq!(out, hex::encode(input).into_bytes(), "{start} {len}");
                let mut s = String::from(">");
                hex_into(&mut s, input);
                assert_eq!(s, format!(">{}", hex::encode(input)));
            }
        }
        // A short output takes the digits of as many bytes as fit whole.
        let mut out = [b'#'; 11];
        hex_to_slice(&[0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67], &mut out);
        assert_eq!(&out, b"abcdef0123#");
        assert_eq!(Hex64::from_slice(&[0x0f; 32]).as_str(), "0f".repeat(32),);
    }

    #[test]
    fn lower_hex_decode_is_the_hex_crate_on_lower_case_only() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        for window in bytes.chunks(32).chain([&[0x0f; 32][..]]) {
            let hex = hex::encode(window);
            assert_eq!(
                lower_hex_decode::<32>(&hex).map(Vec::from),
                Some(window.to_vec())
            );
            assert_eq!(lower_hex_decode::<31>(&hex), None, "a wrong length");
            for i in 0..hex.len() {
                for bad in ["A", "F", "g", "G", " ", "\u{0}", "/", ":", "`"] {
                    let mut t = hex.clone();
                    t.replace_range(i..=i, bad);
                    assert_eq!(lower_hex_decode::<32>(&t), None, "{t:?}");
                }
            }
        }
        assert_eq!(lower_hex_decode::<32>(&"0".repeat(63)), None);
        assert_eq!(lower_hex_decode::<0>(""), Some([]));
    }

    /// Every char below `chars` between two letters; texts longer than one chunk of the
    /// encoders, with multi-byte characters and escapes across chunk boundaries after
    /// unreserved prefixes of 0 to 63 bytes; a long unreserved text.
    fn encoder_samples(chars: u32) -> Vec<String> {
        let mut samples: Vec<String> = (0..chars)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        for shift in 0..8 {
            let mut long = "x".repeat(shift * 9);
            long.push_str(&"中a b😀*~".repeat(40));
            samples.push(long);
        }
        samples.push("a".repeat(300));
        samples
    }

    /// One byte to escape, at every position of texts from 1 to 40 bytes.
    #[test]
    fn is_plain_finds_an_escape_anywhere() {
        for len in 0..=40 {
            let plain = "a".repeat(len);
            assert!(is_plain(plain.as_bytes()), "{len}");
            for at in 0..len {
                for bad in [b' ', b'%', b'/', 0x80, 0xff] {
                    let mut s = plain.clone().into_bytes();
                    s[at] = bad;
                    assert!(!is_plain(&s), "{len} {at} {bad}");
                }
            }
        }
    }

    #[test]
    fn byte_encoders_agree_with_the_percent_encoding_crate() {
        let mut samples = encoder_samples(0x800);
        samples.push(String::new());
        for s in samples {
            let want_once: String = utf8_percent_encode(&s, RFC3986_UNRESERVED).collect();
            let want_twice: String = utf8_percent_encode(&want_once, RFC3986_UNRESERVED).collect();
            let k = escapes(&s);
            assert_eq!(is_plain(s.as_bytes()), k == 0, "{s:?}");
            assert_eq!(want_once.len(), s.len() + 2 * k, "{s:?}");
            assert_eq!(want_twice.len(), s.len() + 4 * k, "{s:?}");
            // Regions of exactly the encoded length plus the overshoot, after a first byte
            // (the end is written with a bounds check per byte), and with room to spare
            // (written in windows).
            for spare in [0, STAGE] {
                let mut once_buf = vec![0u8; 1 + want_once.len() + OVERSHOOT + spare];
                let mut twice_buf = vec![0u8; 1 + want_twice.len() + OVERSHOOT + spare];
                let mut once = Cursor::new(&mut once_buf);
                let mut twice = Cursor::new(&mut twice_buf);
                once.array(b">");
                twice.array(b">");
                encode_once_and_twice(&mut once, &mut twice, &s, k);
                assert!(once.remaining() >= OVERSHOOT && twice.remaining() >= OVERSHOOT);
                assert_eq!(once.as_bytes(), format!(">{want_once}").as_bytes(), "{s:?}");
                assert_eq!(
                    twice.as_bytes(),
                    format!(">{want_twice}").as_bytes(),
                    "{s:?}"
                );
            }

            let mut buf = vec![0u8; 2 * want_once.len() + want_twice.len() + OVERSHOOT];
            let mut single = Cursor::new(&mut buf);
            single.encode(s.as_bytes(), false);
            single.encode(s.as_bytes(), true);
            single.encode_each(s.as_bytes(), false);
            assert!(single.remaining() >= OVERSHOOT);
            assert_eq!(
                single.as_bytes(),
                format!("{want_once}{want_twice}{want_once}").as_bytes()
            );
        }
    }

    #[test]
    fn cursor_writes_what_it_is_given() {
        let mut texts: Vec<Vec<u8>> = (0..40u8).map(|n| (b'a'..b'a' + n).collect()).collect();
        texts.push(b"0123456789".repeat(30));
        let mut want = b"cd".to_vec();
        for t in &texts {
            want.extend_from_slice(t);
            want.push(b'|');
            want.extend_from_slice(t);
            want.push(b'/');
        }
        let mut buf = vec![0u8; want.len() + OVERSHOOT];
        let mut w = Cursor::new(&mut buf);
        w.array(b"cd");
        for t in &texts {
            w.padded(&Padded::new(t));
            w.array(b"|");
            w.bytes(t);
            w.bytes(b"/");
        }
        assert_eq!(w.remaining(), OVERSHOOT);
        assert_eq!(w.as_bytes(), &want[..]);
        // A region too small: the position still advances and the room left says so.
        let mut buf = vec![0u8; 20];
        let mut w = Cursor::new(&mut buf);
        w.bytes(&texts[39]);
        w.array(b"|");
        assert_eq!(w.len(), 40);
        assert_eq!(w.remaining(), 0);
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
                let mut exact = vec![b'?'; theirs.len()];
                assert_eq!(base64_to_slice(input, &mut exact), Some(theirs.len()));
                assert_eq!(exact, theirs.as_bytes());
                if !theirs.is_empty() {
                    let mut short = vec![b'?'; theirs.len() - 1];
                    assert_eq!(base64_to_slice(input, &mut short), None);
                    assert!(short.iter().all(|&b| b == b'?'), "nothing written");
                }
            }
        }
    }

    #[test]
    fn fast_path_agrees_with_the_percent_encoding_crate() {
        let mut samples = encoder_samples(0x3000);
        samples.push("emoji 😀 and %41 ~*+/".to_owned());
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
    fn stack_texts() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, 1_700_000_000, u64::MAX] {
            assert_eq!(ShortAscii::decimal(n).as_str(), n.to_string());
        }
        assert_eq!(Ascii::<4>::base64(b"hi?").as_str(), "aGk/");
        assert_eq!(ShortAscii::<44>::base64(&[0xff; 20]).as_str().len(), 28);
        assert_eq!(ShortAscii::<44>::base64(&[0xff; 32]).as_str().len(), 44);
    }

    /// A layout counted into a `usize` is as long as the same layout written.
    #[test]
    fn a_counted_sink_measures_the_written_one() {
        fn layout<S: Sink>(s: &mut S, t: &str) {
            s.put(t);
            s.put_lower(t);
            s.put_encoded(t);
            s.put_encoded_path(t);
        }
        for t in encoder_samples(0x800) {
            let (mut written, mut counted) = (String::new(), 0usize);
            layout(&mut written, &t);
            layout(&mut counted, &t);
            assert_eq!(written.len(), counted, "{t:?}");
            assert_eq!(written.pos(), counted.pos());
        }
        let mut path = String::new();
        path.put_encoded_path("/a b/c~/");
        assert_eq!(path, "/a%20b/c~/");
    }
}
