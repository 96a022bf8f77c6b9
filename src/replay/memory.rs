//! The bounded in-memory replay cache.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use super::{validate, AsyncReplayCache, Freshness, ReplayCache, ReplayError, ReplayFuture};

/// How many expired entries each call removes on its way, besides the ones a full cache
/// needs: enough to keep up with the inserts, few enough that no call stalls on a purge.
const PURGE_PER_CALL: usize = 2;

/// A bounded replay cache in this process's memory, to share across threads (`Arc`).
///
/// - Keys are `(scope, nonce)`: two access keys may use the same nonce.
/// - A call costs O(log n): a hash map finds the nonce (by a keyed 128-bit fingerprint of
///   `scope:nonce`, 48 bytes an entry with the B-tree), a B-tree of expiry times orders
///   the evictions.
/// - Each call first forgets up to two expired nonces (oldest expiry first). When the cache
///   holds `capacity` nonces it forgets expired ones, oldest first, to make room, and if
///   every nonce is still unexpired it **refuses** with [`ReplayError::Full`] rather than
///   forget one a replay could then reuse.
/// - Expiry is judged by the `now` each call passes.
///
/// ```
/// use cloudsign::replay::{Freshness, MemoryReplayCache, ReplayCache, ReplayError};
/// use time::{Duration, OffsetDateTime};
///
/// let cache = MemoryReplayCache::with_capacity(1);
/// let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000)?;
/// let until = t0 + Duration::minutes(5);
/// assert_eq!(cache.check_and_insert("AK", "a", until, t0)?, Freshness::Fresh);
/// // Full of unexpired nonces: refused, not forgotten.
/// assert_eq!(cache.check_and_insert("AK", "b", until, t0), Err(ReplayError::Full { capacity: 1 }));
/// // Once "a" expired, it makes room.
/// let later = until + Duration::seconds(1);
/// assert_eq!(cache.check_and_insert("AK", "b", later + Duration::minutes(5), later)?, Freshness::Fresh);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MemoryReplayCache {
    capacity: usize,
    fingerprints: Fingerprints,
    inner: Mutex<Inner>,
}

/// A key's 128-bit fingerprint: two SipHash-1-3 runs under this cache's random keys, so
/// that no one can craft two keys that collide (by chance: 2^-64 at 2^32 keys held). A
/// collision could only answer `Replayed` for a fresh nonce, never the reverse.
struct Fingerprints(RandomState, RandomState);

impl Fingerprints {
    fn of(&self, scope: &str, nonce: &str) -> u128 {
        let half = |state: &RandomState| {
            let mut h = state.build_hasher();
            h.write(scope.as_bytes());
            h.write_u8(b':');
            h.write(nonce.as_bytes());
            h.finish()
        };
        (u128::from(half(&self.0)) << 64) | u128::from(half(&self.1))
    }
}

/// Hashes a fingerprint by its low 64 bits: it is already a keyed hash.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64; // the low half: uniformly distributed
    }
}

#[derive(Default)]
struct Inner {
    /// Fingerprint of `scope:nonce` → expiry (Unix nanoseconds). Fingerprints rather than
    /// the strings: at a million entries each pointer to a string is one more cache miss
    /// per lookup, and one more allocation per insert.
    expiry: HashMap<u128, i128, BuildHasherDefault<Prehashed>>,
    /// Every nonce held, soonest expiry first. A B-tree rather than a binary heap: taking
    /// its first entry and adding near its end (expiries arrive roughly in order) touch
    /// its two edges only, which stay in cache.
    order: BTreeSet<(i128, u128)>,
}

impl Inner {
    /// Forgets the soonest-expiring nonce if it expired by `now`; `false` if none had.
    fn pop_expired(&mut self, now: i128) -> bool {
        match self.order.first() {
            Some(&(at, key)) if at <= now => {
                self.order.pop_first();
                self.expiry.remove(&key);
                true
            }
            _ => false,
        }
    }
}

impl MemoryReplayCache {
    /// A cache that holds at most `max_entries` nonces (memory grows as they come).
    pub fn with_capacity(max_entries: usize) -> Self {
        MemoryReplayCache {
            capacity: max_entries,
            fingerprints: Fingerprints(RandomState::new(), RandomState::new()),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The maximum number of nonces held.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many nonces are held now (expired ones not yet forgotten included).
    pub fn len(&self) -> usize {
        self.lock().expiry.len()
    }

    /// `true` if no nonce is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No code under the lock panics; a poisoned lock still holds a consistent map.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, key: u128, expires_at: i128, now: i128) -> Result<Freshness, ReplayError> {
        let mut inner = self.lock();
        for _ in 0..PURGE_PER_CALL {
            if !inner.pop_expired(now) {
                break;
            }
        }
        match inner.expiry.get(&key).copied() {
            Some(at) if at > now => return Ok(Freshness::Replayed),
            Some(at) => {
                // Expired but not yet forgotten: accepted again, in the same slot.
                inner.order.remove(&(at, key));
            }
            None if inner.expiry.len() >= self.capacity && !inner.pop_expired(now) => {
                return Err(ReplayError::Full {
                    capacity: self.capacity,
                });
            }
            None => {}
        }
        inner.expiry.insert(key, expires_at);
        inner.order.insert((expires_at, key));
        Ok(Freshness::Fresh)
    }
}

impl fmt::Debug for MemoryReplayCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryReplayCache")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl ReplayCache for MemoryReplayCache {
    fn check_and_insert(
        &self,
        scope: &str,
        nonce: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Freshness, ReplayError> {
        validate(scope, nonce, expires_at, now)?;
        self.insert(
            self.fingerprints.of(scope, nonce),
            expires_at.unix_timestamp_nanos(),
            now.unix_timestamp_nanos(),
        )
    }
}

impl AsyncReplayCache for MemoryReplayCache {
    fn check_and_insert<'a>(
        &'a self,
        scope: &'a str,
        nonce: &'a str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> ReplayFuture<'a> {
        let answer = ReplayCache::check_and_insert(self, scope, nonce, expires_at, now);
        Box::pin(std::future::ready(answer))
    }
}
