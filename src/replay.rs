//! Replay protection: remember each accepted nonce until its request's time window closes.
//!
//! A verifier consults a [`ReplayCache`] only **after** a request's signature verified (so a
//! forged request cannot fill the cache), with the scheme's own nonce (`SignatureNonce`,
//! `x-acs-signature-nonce`, V1 `Nonce`, X-WSSE `Nonce`; for schemes without one, TC3 and
//! Huawei AK/SK, the signature itself) and `expires_at`, the end of the request's window:
//! a request stamped `t` with a window `W` is acceptable until `t + W`, so its nonce is
//! kept until then, and no longer.
//!
//! Two implementations:
//! - [`MemoryReplayCache`]: bounded, shared across threads, for one process;
//! - `RedisReplayCache` and `AsyncRedisReplayCache` (cargo feature `redis`): one atomic
//!   `SET <prefix><scope>:<nonce> 1 NX PXAT <ms>` per check, so that a fleet of verifiers
//!   shares one replay window; fail-closed by default when Redis cannot answer.
//!
//! # Departure from issue 22's signature
//! The issue sketches `check_and_insert(scope, nonce, expires_at)`. This crate injects time
//! everywhere (signing takes its time from `SigningContext`; the clock is read in one
//! place), so the cache takes `now` as a fourth argument: the in-memory cache judges expiry
//! by it, and every cache refuses an `expires_at` that is not after `now`.
//!
//! ```
//! use cloudsign::replay::{Freshness, MemoryReplayCache, ReplayCache};
//! use time::{Duration, OffsetDateTime};
//!
//! let cache = MemoryReplayCache::with_capacity(10_000);
//! let now = OffsetDateTime::from_unix_timestamp(1_700_000_000)?;
//! let until = now + Duration::minutes(15);
//! assert_eq!(cache.check_and_insert("AKID", "n-1", until, now)?, Freshness::Fresh);
//! assert_eq!(cache.check_and_insert("AKID", "n-1", until, now)?, Freshness::Replayed);
//! // Another access key may use the same nonce.
//! assert_eq!(cache.check_and_insert("AKID2", "n-1", until, now)?, Freshness::Fresh);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use time::OffsetDateTime;

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::MemoryReplayCache;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{
    AsyncRedisReplayCache, RedisReplayCache, RedisReplayCacheBuilder, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_PREFIX, DEFAULT_RESPONSE_TIMEOUT,
};

/// The longest scope or nonce a cache accepts, in bytes.
pub const MAX_KEY_LEN: usize = 256;

/// Whether a nonce was seen before in its scope.
///
/// ```
/// use cloudsign::replay::Freshness;
/// assert!(Freshness::Fresh.is_fresh());
/// assert!(!Freshness::Replayed.is_fresh());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Freshness {
    /// First use: the nonce is now remembered until its `expires_at`.
    Fresh,
    /// Seen before and not yet expired: the request is a replay and must be rejected.
    Replayed,
}

impl Freshness {
    /// `true` for [`Freshness::Fresh`].
    pub fn is_fresh(self) -> bool {
        self == Freshness::Fresh
    }
}

/// Why a replay cache could not answer. None of these says "fresh": a verifier rejects
/// the request (or, for [`ReplayError::Unavailable`], answers a server error).
///
/// ```
/// use cloudsign::replay::{MemoryReplayCache, ReplayCache, ReplayError};
/// use time::OffsetDateTime;
///
/// let cache = MemoryReplayCache::with_capacity(1);
/// let now = OffsetDateTime::UNIX_EPOCH;
/// let err = cache.check_and_insert("", "n", now, now).unwrap_err();
/// assert!(matches!(err, ReplayError::InvalidKey { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The cache holds `capacity` unexpired nonces: it refuses rather than forgets one.
    #[error("replay cache full: {capacity} unexpired nonces")]
    Full {
        /// The cache's maximum number of entries.
        capacity: usize,
    },
    /// The shared store (Redis) did not answer in time or answered an error, and the
    /// cache fails closed. `reason` never holds the store's password.
    #[error("replay cache unavailable: {reason}")]
    Unavailable {
        /// What went wrong, redacted.
        reason: String,
    },
    /// The scope or nonce cannot be a key: empty, longer than [`MAX_KEY_LEN`], holding a
    /// control character, or (scope only) a `:`, which separates scope and nonce in Redis.
    #[error("invalid replay key: {reason}")]
    InvalidKey {
        /// Which rule the key broke.
        reason: &'static str,
    },
    /// `expires_at` is not after `now`: the request's window has already closed, so there
    /// is nothing to remember and the time check should have rejected it.
    #[error("nonce already expired")]
    Expired,
    /// The cache's configuration is unusable (an unparsable Redis URL, for instance).
    #[error("invalid replay cache configuration: {reason}")]
    InvalidConfig {
        /// What is wrong, redacted.
        reason: String,
    },
}

/// A store of nonces seen, each remembered until the end of its request's window.
///
/// Implementations answer [`Freshness::Fresh`] exactly once per `(scope, nonce)` while it
/// is remembered, even under concurrent calls; `scope` is usually the access key id, so
/// two keys may use the same nonce. The trait is object-safe (`&dyn ReplayCache`).
///
/// ```
/// use cloudsign::replay::{MemoryReplayCache, ReplayCache};
/// use std::sync::Arc;
///
/// let shared: Arc<dyn ReplayCache> = Arc::new(MemoryReplayCache::with_capacity(1_000));
/// # let _ = shared;
/// ```
pub trait ReplayCache: Send + Sync {
    /// Records `nonce` in `scope` until `expires_at` unless it is already there.
    ///
    /// # Errors
    /// [`ReplayError::InvalidKey`] for a key the cache cannot hold,
    /// [`ReplayError::Expired`] if `expires_at <= now`, [`ReplayError::Full`] when a
    /// bounded cache holds only unexpired nonces, [`ReplayError::Unavailable`] when a
    /// shared store cannot answer and the cache fails closed.
    fn check_and_insert(
        &self,
        scope: &str,
        nonce: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Freshness, ReplayError>;
}

/// The future an [`AsyncReplayCache`] returns (boxed, so that the trait is object-safe
/// without the `async-trait` crate).
pub type ReplayFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Freshness, ReplayError>> + Send + 'a>>;

/// The async twin of [`ReplayCache`], for stores reached over the network from async code.
///
/// ```
/// use cloudsign::replay::{AsyncReplayCache, MemoryReplayCache};
///
/// let cache: Box<dyn AsyncReplayCache> = Box::new(MemoryReplayCache::with_capacity(10));
/// # let _ = cache;
/// ```
pub trait AsyncReplayCache: Send + Sync {
    /// As [`ReplayCache::check_and_insert`].
    ///
    /// # Errors
    /// As [`ReplayCache::check_and_insert`].
    fn check_and_insert<'a>(
        &'a self,
        scope: &'a str,
        nonce: &'a str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> ReplayFuture<'a>;
}

const _: fn(&dyn ReplayCache) = |_| {}; // object safety
const _: fn(&dyn AsyncReplayCache) = |_| {};

impl<T: ReplayCache + ?Sized> ReplayCache for Arc<T> {
    fn check_and_insert(
        &self,
        scope: &str,
        nonce: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Freshness, ReplayError> {
        (**self).check_and_insert(scope, nonce, expires_at, now)
    }
}

impl<T: AsyncReplayCache + ?Sized> AsyncReplayCache for Arc<T> {
    fn check_and_insert<'a>(
        &'a self,
        scope: &'a str,
        nonce: &'a str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> ReplayFuture<'a> {
        (**self).check_and_insert(scope, nonce, expires_at, now)
    }
}

/// The rules every cache applies before it looks anything up.
pub(crate) fn validate(
    scope: &str,
    nonce: &str,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), ReplayError> {
    let bad = |reason| Err(ReplayError::InvalidKey { reason });
    if scope.is_empty() || nonce.is_empty() {
        return bad("empty scope or nonce");
    }
    if scope.len() > MAX_KEY_LEN || nonce.len() > MAX_KEY_LEN {
        return bad("scope or nonce longer than MAX_KEY_LEN");
    }
    if has_control(scope) || has_control(nonce) {
        return bad("control character in scope or nonce");
    }
    if scope.bytes().fold(false, |colon, b| colon | (b == b':')) {
        return bad("':' in scope");
    }
    if expires_at <= now {
        return Err(ReplayError::Expired);
    }
    Ok(())
}

/// `s` holds a control character (`char::is_control`). The bytes are scanned without an
/// early exit (the compiler vectorizes it) for the ASCII ones; only a text with other than
/// ASCII is read again as characters, for U+0080 to U+009F.
fn has_control(s: &str) -> bool {
    let ascii = s.bytes().fold(false, |c, b| c | (b < 0x20) | (b == 0x7f));
    ascii || (!s.is_ascii() && s.chars().any(char::is_control))
}

#[cfg(test)]
mod tests {
    use super::has_control;

    #[test]
    fn has_control_is_char_is_control() {
        let mut texts: Vec<String> = (0..=0x10ffu32)
            .filter_map(char::from_u32)
            .map(|c| format!("nonce-{c}-x"))
            .collect();
        texts.extend(["", "plain", "é\u{85}", "\u{9f}", "中\u{7f}", "\u{a0}"].map(String::from));
        for t in texts {
            assert_eq!(has_control(&t), t.chars().any(char::is_control), "{t:?}");
        }
    }
}
