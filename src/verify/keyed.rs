//! Per access key, the MAC keyed with its secret, kept between requests as a signer keeps
//! its own: keying HMAC compresses two blocks (the inner and outer pads), as much as a
//! short string to sign costs again.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use super::{KeyStore, Scheme, VerifyError};
use crate::{Credentials, SecretKey};

/// A verifier's key store, with the MAC of each key it verified kept keyed (`M` is `()`
/// for a scheme without a keyed MAC). Copies share both.
pub(super) struct Keys<M> {
    store: Arc<dyn KeyStore>,
    macs: Arc<KeyedMacs<M>>,
    key: fn(&[u8]) -> M,
}

impl<M> Clone for Keys<M> {
    fn clone(&self) -> Self {
        Keys {
            store: Arc::clone(&self.store),
            macs: Arc::clone(&self.macs),
            key: self.key,
        }
    }
}

impl<M: Clone> Keys<M> {
    /// `store`, with MACs keyed by `key` from a secret's bytes.
    pub(super) fn new(store: impl KeyStore + 'static, key: fn(&[u8]) -> M) -> Self {
        Keys {
            store: Arc::new(store),
            macs: Arc::default(),
            key,
        }
    }

    /// The credentials of `access_key_id`, or `scheme`'s `UnknownKey`.
    pub(super) fn credentials(
        &self,
        scheme: Scheme,
        access_key_id: &str,
    ) -> Result<Credentials, VerifyError> {
        self.store
            .credentials(access_key_id)
            .ok_or_else(|| VerifyError::UnknownKey {
                scheme,
                access_key_id: access_key_id.to_owned(),
            })
    }

    /// The MAC keyed with the secret of `creds`, kept for the next request of its key.
    pub(super) fn mac(&self, creds: &Credentials) -> M {
        self.macs
            .get(creds.access_key_id(), creds.secret(), self.key)
    }
}

/// The most access keys whose keyed MACs are kept; past it, the cache starts over (a
/// server sees few keys; a flood of unknown ones never reaches it, as the key store
/// answers first).
const KEPT: usize = 4096;

/// The keyed MAC state of each access key, with the secret it was keyed with, so that a
/// rotated secret is keyed afresh. Read-mostly: lookups share a read lock. The states are
/// secret: this type has no `Debug`.
pub(super) struct KeyedMacs<M>(RwLock<HashMap<Box<str>, (SecretKey, M)>>);

impl<M> Default for KeyedMacs<M> {
    fn default() -> Self {
        KeyedMacs(RwLock::default())
    }
}

impl<M: Clone> KeyedMacs<M> {
    /// The MAC of `access_key_id` keyed with `secret`: the kept one if it was keyed with
    /// this secret, otherwise `key(secret)`, kept for the next request.
    pub(super) fn get(&self, access_key_id: &str, secret: &SecretKey, key: fn(&[u8]) -> M) -> M {
        {
            let kept = self.0.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((s, mac)) = kept.get(access_key_id) {
                if s == secret {
                    return mac.clone();
                }
            }
        }
        let mac = key(secret.expose_secret().as_bytes());
        let mut kept = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= KEPT {
            kept.clear();
        }
        kept.insert(access_key_id.into(), (secret.clone(), mac.clone()));
        mac
    }
}

/// Whether `mac`'s tag is `tag`, in constant time ([`crate::bytes::ct_eq`]: `hmac`'s
/// `verify_slice` compares through `subtle` a byte at a time, this a word at a time).
pub(super) fn mac_is<M: hmac::Mac>(mac: M, tag: &[u8]) -> bool {
    crate::bytes::ct_eq(&mac.finalize().into_bytes(), tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mac::hmac_sha256;
    use hmac::Mac;

    fn tag(mac: hmac::Hmac<sha2::Sha256>) -> Vec<u8> {
        let mut mac = mac;
        mac.update(b"m");
        mac.finalize().into_bytes().to_vec()
    }

    #[test]
    fn kept_per_key_and_keyed_again_when_the_secret_changes() {
        let macs = KeyedMacs::default();
        let (a, b) = (SecretKey::new("a"), SecretKey::new("b"));
        let want = |s: &str| tag(hmac_sha256(s.as_bytes()));
        assert_eq!(tag(macs.get("id", &a, hmac_sha256)), want("a"));
        assert_eq!(tag(macs.get("id", &a, hmac_sha256)), want("a"));
        assert_eq!(tag(macs.get("id", &b, hmac_sha256)), want("b"));
        assert_eq!(tag(macs.get("other", &a, hmac_sha256)), want("a"));
        assert_eq!(tag(macs.get("id", &b, hmac_sha256)), want("b"));
        for i in 0..KEPT + 1 {
            macs.get(&i.to_string(), &a, hmac_sha256);
        }
        assert!(macs.0.read().unwrap().len() <= KEPT);
        assert_eq!(tag(macs.get("id", &a, hmac_sha256)), want("a"));
    }
}
