//! The bounded in-memory replay cache.
//!
//! One random memory access per call: at a million nonces the table is tens of megabytes,
//! and a read that misses every cache costs more than all the rest of a call (issue 22:
//! at most 200 ns at 1,000,000 entries). So a nonce's slot holds its expiry, an expired
//! slot counts as absent, and expired slots are deleted by a sweep that walks the table in
//! order (memory the processor prefetches), not looked up one by one; the expiries alone,
//! in order of arrival, count the unexpired nonces for the capacity.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use super::{validate, AsyncReplayCache, Freshness, ReplayCache, ReplayError, ReplayFuture};

/// How many slots each call's sweep examines. Each call adds at most one entry, so a table
/// of `n` slots holds at most about `n / 8` expired entries not yet deleted besides the
/// unexpired ones (at most `n / 2`): five eighths full at the most, short probes.
const SWEEP_PER_CALL: usize = 8;

/// The smallest table (slots).
const MIN_SLOTS: usize = 16;

/// A bounded replay cache in this process's memory, to share across threads (`Arc`).
///
/// - Keys are `(scope, nonce)`: two access keys may use the same nonce.
/// - A key is held as a 64-bit fingerprint, SipHash-1-3 of `scope:nonce` under a key drawn
///   at random for each cache (std's `RandomState`): no one can craft keys that collide
///   without it. Two keys collide only by chance, and a collision can only answer
///   [`Freshness::Replayed`] for a fresh nonce, never the reverse: with `n` nonces held,
///   a fresh one is refused with probability `n / 2^64` (5.4 × 10^-14 at a million
///   held; at a thousand fresh nonces a second, about once in 600 years).
/// - A call costs O(1) (but when the table grows), one random memory access: an open-addressing table of
///   `(fingerprint, expiry)` slots (16 bytes; twice as many slots as unexpired nonces,
///   rounded up to a power of two, so memory grows as nonces come and stays under 64
///   bytes a nonce of capacity), and the expiries in order of arrival (8 bytes a nonce;
///   one that arrives with an earlier expiry than the last one goes to a B-tree instead).
/// - A nonce is forgotten at its `expires_at` (judged by the `now` each call passes, to the
///   microsecond, never early). When the cache holds `capacity` unexpired nonces it
///   **refuses** with [`ReplayError::Full`] rather than forget one a replay could then
///   reuse; expired ones never count, so the oldest always make room first.
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
    keys: RandomState,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    table: Table,
    expiries: Expiries,
}

/// One slot: a fingerprint (0: empty) and its expiry, in Unix microseconds.
#[derive(Clone, Copy, Default)]
struct Slot {
    key: u64,
    expires: i64,
}

/// Where a key is, or may go, in the table.
enum Probe {
    /// Held and unexpired.
    Held,
    /// Slot `i` may take it: the key's own expired slot, or the first expired slot on its
    /// way (the key is not further on).
    Reuse(usize),
    /// Slot `i` is the first empty one on its way.
    Empty(usize),
}

/// Open addressing with linear probing: a key lives at the first free slot from its home
/// (its low bits), with no empty slot between. An expired entry stays a stepping stone
/// until an insert reuses it or the sweep deletes it, moving the entries after it back
/// (no tombstones).
#[derive(Default)]
struct Table {
    /// A power of two long, never full.
    slots: Vec<Slot>,
    /// Slots not empty, expired included.
    occupied: usize,
    /// Where the sweep goes on.
    cursor: usize,
}

impl Table {
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    fn get(&self, i: usize) -> Slot {
        self.slots.get(i).copied().unwrap_or_default()
    }

    fn set(&mut self, i: usize, slot: Slot) {
        if let Some(s) = self.slots.get_mut(i) {
            *s = slot;
        }
    }

    /// Looks `key` up, from its home to the first empty slot.
    fn probe(&self, key: u64, now: i64) -> Probe {
        let mask = self.mask();
        let mut i = key as usize & mask;
        let mut expired = None;
        for _ in 0..self.slots.len() {
            let slot = self.get(i);
            if slot.key == key {
                return match slot.expires > now {
                    true => Probe::Held,
                    false => Probe::Reuse(i),
                };
            }
            if slot.key == 0 {
                return expired.map_or(Probe::Empty(i), Probe::Reuse);
            }
            if slot.expires <= now && expired.is_none() {
                expired = Some(i);
            }
            i = (i + 1) & mask;
        }
        // Unreachable: the table is never full. Were it, "held" is the answer that cannot
        // let a replay through.
        expired.map_or(Probe::Held, Probe::Reuse)
    }

    /// Deletes slot `hole`'s entry: each entry after it that may live earlier moves back.
    fn delete(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let slot = self.get(j);
            if slot.key == 0 || j == hole {
                break;
            }
            let home = slot.key as usize & mask;
            // It may move to `hole` unless its home lies in (hole, j].
            if j.wrapping_sub(home) & mask >= j.wrapping_sub(hole) & mask {
                self.set(hole, slot);
                hole = j;
            }
        }
        self.set(hole, Slot::default());
        self.occupied -= 1;
    }

    /// Examines the next `n` slots and deletes the expired entries among them.
    fn sweep(&mut self, now: i64, n: usize) {
        for _ in 0..n.min(self.slots.len()) {
            let c = self.cursor;
            let slot = self.get(c);
            match slot.key != 0 && slot.expires <= now {
                true => self.delete(c), // another entry may have moved into `c`
                false => self.cursor = (c + 1) & self.mask(),
            }
        }
    }

    /// A table of `len` slots (a power of two) with the unexpired entries only.
    fn rebuild(&mut self, len: usize, now: i64) {
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); len]);
        self.occupied = 0;
        self.cursor = 0;
        for slot in old {
            if slot.key != 0 && slot.expires > now {
                if let Probe::Empty(i) = self.probe(slot.key, now) {
                    self.set(i, slot);
                    self.occupied += 1;
                }
            }
        }
    }

    /// Keeps at least two slots per unexpired entry and an eighth of the slots empty.
    fn make_room(&mut self, unexpired: usize, now: i64) {
        let len = self.slots.len();
        let needed = unexpired.saturating_mul(2).max(MIN_SLOTS);
        if needed > len {
            self.rebuild(needed.checked_next_power_of_two().unwrap_or(len), now);
        } else if self.occupied >= len - len / 8 {
            self.rebuild(len, now); // expired entries the sweep has not reached yet
        }
    }
}

/// The expiry of every unexpired nonce, to count them: in order of arrival, which is the
/// order of expiry while nonces come with one window from synchronized clocks, and the
/// few that arrive expiring before the last one in a B-tree of counts.
#[derive(Default)]
struct Expiries {
    in_order: VecDeque<i64>,
    late: BTreeMap<i64, usize>,
    late_len: usize,
}

impl Expiries {
    fn len(&self) -> usize {
        self.in_order.len() + self.late_len
    }

    fn push(&mut self, expires: i64) {
        match self.in_order.back() {
            Some(&last) if expires < last => {
                *self.late.entry(expires).or_default() += 1;
                self.late_len += 1;
            }
            _ => self.in_order.push_back(expires),
        }
    }

    fn forget_expired(&mut self, now: i64) {
        if self.in_order.back().is_some_and(|&last| last <= now) {
            self.in_order.clear();
        }
        while self.in_order.front().is_some_and(|&first| first <= now) {
            self.in_order.pop_front();
        }
        while let Some(first) = self.late.first_entry() {
            if *first.key() > now {
                break;
            }
            self.late_len -= first.remove();
        }
    }
}

/// Unix microseconds, rounded down (`now`) or up (`expires_at`), so that a nonce is never
/// forgotten early. Every `OffsetDateTime` fits (years ±9999).
fn micros(t: OffsetDateTime, round_up: bool) -> i64 {
    let nanos = i64::from(t.nanosecond());
    let sub = match round_up {
        true => (nanos + 999) / 1000,
        false => nanos / 1000,
    };
    t.unix_timestamp()
        .saturating_mul(1_000_000)
        .saturating_add(sub)
}

impl MemoryReplayCache {
    /// A cache that holds at most `max_entries` unexpired nonces (memory grows as they
    /// come).
    pub fn with_capacity(max_entries: usize) -> Self {
        MemoryReplayCache {
            capacity: max_entries,
            keys: RandomState::new(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The maximum number of unexpired nonces held.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many nonces are held: those unexpired at the last call's `now`.
    pub fn len(&self) -> usize {
        self.lock().expiries.len()
    }

    /// `true` if no nonce is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No code under the lock panics; a poisoned lock still holds a consistent table.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key's fingerprint, never 0 (an empty slot).
    fn fingerprint(&self, scope: &str, nonce: &str) -> u64 {
        let mut h = self.keys.build_hasher();
        h.write(scope.as_bytes());
        h.write_u8(b':'); // never in a scope
        h.write(nonce.as_bytes());
        h.finish().max(1)
    }

    fn insert(&self, key: u64, expires: i64, now: i64) -> Result<Freshness, ReplayError> {
        let mut inner = self.lock();
        let Inner { table, expiries } = &mut *inner;
        expiries.forget_expired(now);
        table.make_room((expiries.len() + 1).min(self.capacity), now);
        match table.probe(key, now) {
            Probe::Held => return Ok(Freshness::Replayed),
            _ if expiries.len() >= self.capacity => {
                return Err(ReplayError::Full {
                    capacity: self.capacity,
                })
            }
            Probe::Reuse(i) => table.set(i, Slot { key, expires }),
            Probe::Empty(i) => {
                table.set(i, Slot { key, expires });
                table.occupied += 1;
            }
        }
        expiries.push(expires);
        table.sweep(now, SWEEP_PER_CALL);
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
            self.fingerprint(scope, nonce),
            micros(expires_at, true),
            micros(now, false),
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

#[cfg(test)]
mod tests {
    use super::{micros, MemoryReplayCache, Probe, Slot, Table, MIN_SLOTS, SWEEP_PER_CALL};
    use crate::replay::{Freshness, ReplayCache, ReplayError};
    use std::collections::HashMap;
    use time::OffsetDateTime;

    /// A xorshift generator: the tests repeat exactly.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn at(micros: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap()
    }

    /// Random calls, expiries out of order, time going on by steps and jumps, against the
    /// plainest model: a map of unexpired keys, full at `capacity`.
    #[test]
    fn the_cache_answers_as_its_model() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..60 {
            let capacity = 1 + rng.below(40) as usize;
            let cache = MemoryReplayCache::with_capacity(capacity);
            let mut model: HashMap<(u64, u64), i64> = HashMap::new();
            let mut now = 1_700_000_000_000_000;
            for call in 0..2_000 {
                now += match rng.below(100) {
                    0 => 1_000, // a quiet spell: most nonces expire
                    n => (n % 4) as i64,
                };
                let (scope, nonce) = (rng.below(3), rng.below(60));
                let expires = now + 1 + rng.below(40) as i64;
                model.retain(|_, e| *e > now);
                let want = match model.get(&(scope, nonce)) {
                    Some(_) => Ok(Freshness::Replayed),
                    None if model.len() >= capacity => Err(ReplayError::Full { capacity }),
                    None => {
                        model.insert((scope, nonce), expires);
                        Ok(Freshness::Fresh)
                    }
                };
                let got = cache.check_and_insert(
                    &format!("AK{scope}"),
                    &format!("n{nonce}"),
                    at(expires),
                    at(now),
                );
                assert_eq!(got, want, "round {round}, call {call}");
                assert_eq!(cache.len(), model.len(), "round {round}, call {call}");
            }
        }
    }

    /// Crafted fingerprints that share homes, clusters that wrap around the table's end:
    /// after every sweep and reuse, each unexpired key is still found, no expired one is.
    #[test]
    fn deleting_keeps_every_other_key_reachable() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for round in 0..300 {
            let mut table = Table::default();
            table.rebuild(MIN_SLOTS, 0);
            let mut held: HashMap<u64, i64> = HashMap::new();
            for now in 0..40 {
                held.retain(|_, e| *e > now);
                for _ in 0..rng.below(3) {
                    // Homes 13, 14, 15 or 0: clusters across the end.
                    let home = (13 + rng.below(4)) % 16;
                    let key = 16 * (1 + rng.below(6)) + home;
                    let expires = now + 1 + rng.below(8) as i64;
                    if held.len() >= 7 || held.contains_key(&key) {
                        continue;
                    }
                    match table.probe(key, now) {
                        Probe::Held => panic!("round {round}: {key} is not held"),
                        Probe::Reuse(i) => table.set(i, Slot { key, expires }),
                        Probe::Empty(i) => {
                            table.set(i, Slot { key, expires });
                            table.occupied += 1;
                        }
                    }
                    held.insert(key, expires);
                }
                table.sweep(now, 1 + rng.below(20) as usize);
                for key in (0..7).flat_map(|k| (0..16).map(move |h| 16 * k + h)) {
                    let want = held.contains_key(&key);
                    let found = matches!(table.probe(key, now), Probe::Held);
                    assert_eq!(found, want, "round {round} at {now}: key {key}");
                }
                let used = table.slots.iter().filter(|s| s.key != 0).count();
                assert_eq!(table.occupied, used, "round {round}");
                assert!(table.occupied < table.slots.len());
            }
        }
    }

    /// The table stays at most twice the unexpired entries (rounded to a power of two) and
    /// never fills with expired ones, however long the stream.
    #[test]
    fn memory_follows_the_unexpired_entries() {
        let cache = MemoryReplayCache::with_capacity(1_000);
        for i in 0..50_000 {
            let answer = cache.check_and_insert("AK", &i.to_string(), at(i + 500), at(i));
            assert_eq!(answer, Ok(Freshness::Fresh));
        }
        let inner = cache.lock();
        assert_eq!(inner.expiries.len(), 500);
        assert_eq!(inner.table.slots.len(), 1024);
        assert!(
            inner.table.occupied <= 500 + 1024 / 8 + SWEEP_PER_CALL,
            "{}",
            inner.table.occupied
        );
    }

    /// Judged to the microsecond, never early: an expiry between two microseconds is
    /// rounded up, `now` down.
    #[test]
    fn a_nonce_is_never_forgotten_early() {
        let cache = MemoryReplayCache::with_capacity(10);
        let t0 = at(1_000_000);
        let nanos = time::Duration::nanoseconds;
        let until = t0 + nanos(1_500);
        assert_eq!(
            cache.check_and_insert("AK", "n", until, t0),
            Ok(Freshness::Fresh)
        );
        for now in [t0 + nanos(999), t0 + nanos(1_000), until - nanos(1)] {
            let again = cache.check_and_insert("AK", "n", until + nanos(9_000), now);
            assert_eq!(again, Ok(Freshness::Replayed), "{now}");
        }
        let later = t0 + nanos(2_000);
        let again = cache.check_and_insert("AK", "n", later + nanos(9_000), later);
        assert_eq!(again, Ok(Freshness::Fresh));
        assert_eq!(micros(t0 + nanos(1), true), 1_000_001);
        assert_eq!(micros(t0 + nanos(1), false), 1_000_000);
        assert_eq!(micros(at(-1) + nanos(1), false), -1);
        let last = OffsetDateTime::new_utc(
            time::Date::from_calendar_date(9999, time::Month::December, 31).unwrap(),
            time::Time::from_hms_nano(23, 59, 59, 999_999_999).unwrap(),
        );
        assert!(micros(last, true) > micros(last, false));
    }
}
