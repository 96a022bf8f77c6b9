//! Keyed MACs. HMAC (RFC 2104) takes keys of any length, so keying never fails.

use hmac::digest::core_api::{Block, Buffer, FixedOutputCore, UpdateCore};
use hmac::digest::{KeyInit, Output};
use hmac::{Hmac, HmacCore, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// HMAC-SHA256 keyed with `key`.
#[allow(clippy::expect_used)] // RFC 2104: any key length is valid; the hmac crate agrees
pub(crate) fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// HMAC-SHA1 keyed with `key`.
#[allow(clippy::expect_used)] // RFC 2104: any key length is valid; the hmac crate agrees
pub(crate) fn hmac_sha1(key: &[u8]) -> Hmac<Sha1> {
    <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// One-shot HMAC-SHA256.
pub(crate) fn hmac_sha256_once(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut m = hmac_sha256(key);
    m.update(msg);
    m.finalize().into_bytes().into()
}

/// HMAC-SHA1 over a text that is still being written: whole 64-byte blocks are hashed as
/// soon as they are complete, straight into the SHA-1 rounds (no copy into a block
/// buffer, no call per byte range), so those rounds overlap the writing of what follows.
#[derive(Clone)]
pub(crate) struct Sha1Blocks(HmacCore<Sha1>);

impl Sha1Blocks {
    /// Keyed with `key`.
    #[allow(clippy::expect_used)] // RFC 2104: any key length is valid; the hmac crate agrees
    pub(crate) fn new(key: &[u8]) -> Self {
        Sha1Blocks(HmacCore::new_from_slice(key).expect("HMAC accepts keys of any length"))
    }

    /// Hashes the whole blocks at the start of `text`; returns the rest (under 64 bytes).
    #[inline]
    pub(crate) fn blocks<'t>(&mut self, text: &'t [u8]) -> &'t [u8] {
        let (blocks, rest) = text.as_chunks::<64>();
        for block in blocks {
            self.0
                .update_blocks(std::slice::from_ref(<&Block<HmacCore<Sha1>>>::from(block)));
        }
        rest
    }

    /// The MAC of everything hashed so far followed by `text`.
    pub(crate) fn finish(mut self, text: &[u8]) -> [u8; 20] {
        let mut buffer = Buffer::<HmacCore<Sha1>>::default();
        buffer.digest_blocks(text, |blocks| self.0.update_blocks(blocks));
        let mut out = Output::<HmacCore<Sha1>>::default();
        self.0.finalize_fixed_core(&mut buffer, &mut out);
        out.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any split of a text into blocks hashed early and a rest gives the MAC of the whole
    /// text, for keys shorter and longer than a block.
    #[test]
    fn sha1_blocks_is_hmac_sha1() {
        let text: Vec<u8> = (0..=255u8).cycle().take(300).collect();
        for key in [&b"secret&"[..], &[7u8; 100][..], b""] {
            for len in 0..=text.len() {
                let whole = &text[..len];
                let mut one = hmac_sha1(key);
                one.update(whole);
                let want: [u8; 20] = one.finalize().into_bytes().into();
                assert_eq!(Sha1Blocks::new(key).finish(whole), want, "{len}");
                for split in [0, 64, 128, 192, 256].into_iter().filter(|&s| s <= len) {
                    let mut mac = Sha1Blocks::new(key);
                    let rest = mac.blocks(&whole[..split]);
                    assert!(rest.is_empty());
                    assert_eq!(mac.finish(&whole[split..]), want, "{len} {split}");
                }
                // A text that is not whole blocks leaves its rest unhashed.
                let mut mac = Sha1Blocks::new(key);
                assert_eq!(mac.blocks(whole).len(), len % 64);
            }
        }
    }
}
