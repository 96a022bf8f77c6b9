//! The bounded in-memory replay cache.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use super::{validate, AsyncReplayCache, Freshness, ReplayCache, ReplayError, ReplayFuture};

/// How many expired entries each call removes on its way, besides the ones a full cache
/// needs: enough to keep up with the inserts, few enough that no call stalls on a purge.
const PURGE_PER_CALL: usize = 2;

/// A bounded replay cache in this process's memory, to share across threads (`Arc`).
///
/// - Keys are `(scope, nonce)`: two access keys may use the same nonce.
/// - A call costs O(log n): a hash map finds the nonce, a min-heap of expiry times orders
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
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// `scope:nonce` → expiry (Unix nanoseconds).
    expiry: HashMap<Arc<str>, i128>,
    /// Every expiry recorded, soonest first; an entry whose time no longer matches `expiry`
    /// (the nonce expired and was accepted again) is stale and skipped.
    order: BinaryHeap<Reverse<(i128, Arc<str>)>>,
}

impl Inner {
    /// Forgets the soonest-expiring nonce if it expired by `now`: `Some(true)` if a live
    /// entry went, `Some(false)` for a stale heap entry, `None` if nothing had expired.
    fn pop_expired(&mut self, now: i128) -> Option<bool> {
        let Reverse((at, _)) = self.order.peek()?;
        if *at > now {
            return None;
        }
        let Reverse((at, key)) = self.order.pop()?;
        let live = self.expiry.get(&key) == Some(&at);
        if live {
            self.expiry.remove(&key);
        }
        Some(live)
    }

    /// Frees one slot from an expired nonce; `false` if every nonce held is unexpired.
    fn make_room(&mut self, now: i128) -> bool {
        while let Some(live) = self.pop_expired(now) {
            if live {
                return true;
            }
        }
        false
    }
}

impl MemoryReplayCache {
    /// A cache that holds at most `max_entries` nonces (memory grows as they come).
    pub fn with_capacity(max_entries: usize) -> Self {
        MemoryReplayCache {
            capacity: max_entries,
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

    fn insert(&self, key: String, expires_at: i128, now: i128) -> Result<Freshness, ReplayError> {
        let mut inner = self.lock();
        for _ in 0..PURGE_PER_CALL {
            if inner.pop_expired(now).is_none() {
                break;
            }
        }
        let key: &str = &key;
        match inner.expiry.get_mut(key) {
            Some(at) if *at > now => return Ok(Freshness::Replayed),
            Some(at) => {
                // Expired but not yet forgotten: accepted again, in the same slot.
                *at = expires_at;
                let key = Arc::from(key);
                inner.order.push(Reverse((expires_at, key)));
                return Ok(Freshness::Fresh);
            }
            None => {}
        }
        if inner.expiry.len() >= self.capacity && !inner.make_room(now) {
            return Err(ReplayError::Full {
                capacity: self.capacity,
            });
        }
        let key: Arc<str> = Arc::from(key);
        inner.expiry.insert(Arc::clone(&key), expires_at);
        inner.order.push(Reverse((expires_at, key)));
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
        let mut key = String::with_capacity(scope.len() + 1 + nonce.len());
        key.push_str(scope);
        key.push(':');
        key.push_str(nonce);
        self.insert(
            key,
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
