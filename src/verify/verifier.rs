//! The `Verifier` trait, the entry point that dispatches on the scheme, and replay
//! protection around any verifier.

use std::sync::Arc;

use time::OffsetDateTime;

use super::{Received, Scheme, Verified, VerifyError};
use crate::replay::{AsyncReplayCache, Freshness, ReplayCache, ReplayError};

/// Checks one scheme's signature on a received request. Object-safe and `Send + Sync`,
/// like [`Signer`](crate::Signer).
///
/// A verifier checks the signature, the time window, the key and the token; it remembers
/// nothing. Wrap it with [`with_replay`](Self::with_replay) to refuse a second use of a
/// nonce.
pub trait Verifier: Send + Sync {
    /// The scheme this verifier checks.
    fn scheme(&self) -> Scheme;

    /// Verifies `req` at the server's time `now`.
    ///
    /// # Errors
    /// A [`VerifyError`] saying which check failed, with the cloud's code.
    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError>;

    /// This verifier, then `cache`: a request whose signature verified is refused if its
    /// [`replay_key`](Verified::replay_key) was seen before in its window.
    fn with_replay<C: ReplayCache>(self, cache: C) -> WithReplay<Self, C>
    where
        Self: Sized,
    {
        WithReplay {
            verifier: self,
            cache,
        }
    }
}

impl<V: Verifier + ?Sized> Verifier for Arc<V> {
    fn scheme(&self) -> Scheme {
        (**self).scheme()
    }

    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        (**self).verify(req, now)
    }
}

impl<V: Verifier + ?Sized> Verifier for Box<V> {
    fn scheme(&self) -> Scheme {
        (**self).scheme()
    }

    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        (**self).verify(req, now)
    }
}

/// A verifier with replay protection: the cache is consulted only after the signature
/// verified, so forged requests cannot fill it. The scope is the access key id, so two
/// keys may use the same nonce.
#[derive(Debug, Clone)]
pub struct WithReplay<V, C> {
    verifier: V,
    cache: C,
}

impl<V: Verifier, C: ReplayCache> Verifier for WithReplay<V, C> {
    fn scheme(&self) -> Scheme {
        self.verifier.scheme()
    }

    fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        let ok = self.verifier.verify(req, now)?;
        let freshness =
            self.cache
                .check_and_insert(&ok.access_key_id, ok.replay_key(), ok.expires_at, now);
        replay_answer(ok, freshness)
    }
}

/// Verifies `req` with `verifier`, then checks its nonce in an async replay cache (a
/// shared Redis, for instance): the async twin of [`WithReplay`].
///
/// # Errors
/// As [`WithReplay`]'s `verify`.
pub async fn verify_with_async_replay(
    verifier: &dyn Verifier,
    cache: &dyn AsyncReplayCache,
    req: &Received,
    now: OffsetDateTime,
) -> Result<Verified, VerifyError> {
    let ok = verifier.verify(req, now)?;
    let freshness = cache
        .check_and_insert(&ok.access_key_id, ok.replay_key(), ok.expires_at, now)
        .await;
    replay_answer(ok, freshness)
}

/// The answer for a verified request once the replay cache has spoken.
fn replay_answer(
    ok: Verified,
    freshness: Result<Freshness, ReplayError>,
) -> Result<Verified, VerifyError> {
    let scheme = ok.scheme;
    match freshness {
        Ok(Freshness::Fresh) => Ok(ok),
        Ok(_) => Err(VerifyError::Replayed { scheme }),
        Err(ReplayError::InvalidKey { reason }) => Err(VerifyError::Malformed {
            scheme,
            what: "nonce",
            reason,
        }),
        Err(source) => Err(VerifyError::ReplayCheckFailed { scheme, source }),
    }
}

/// One entry point for every scheme: recognizes the scheme of a received request
/// ([`Scheme::recognize`]) and hands it to the verifier registered for it.
///
/// ```
/// use cloudsign::verify::{AnyVerifier, MemoryKeyStore, Received, Tc3Verifier, VerifyError};
/// let keys = MemoryKeyStore::new();
/// let any = AnyVerifier::new().with(Tc3Verifier::new(keys));
/// let got = Received::new("GET", "example.com", "/");
/// let now = time::OffsetDateTime::UNIX_EPOCH;
/// assert_eq!(any.verify(&got, now).unwrap_err(), VerifyError::Unrecognized);
/// ```
#[derive(Clone, Default)]
pub struct AnyVerifier {
    verifiers: Vec<Arc<dyn Verifier>>,
}

impl AnyVerifier {
    /// An entry point with no verifier yet.
    pub fn new() -> Self {
        AnyVerifier::default()
    }

    /// Registers `verifier` for its scheme (replacing an earlier one for the same scheme).
    pub fn with(mut self, verifier: impl Verifier + 'static) -> Self {
        let scheme = verifier.scheme();
        self.verifiers.retain(|v| v.scheme() != scheme);
        self.verifiers.push(Arc::new(verifier));
        self
    }

    /// The schemes registered.
    pub fn schemes(&self) -> Vec<Scheme> {
        self.verifiers.iter().map(|v| v.scheme()).collect()
    }

    /// Verifies `req` with the verifier of its scheme.
    ///
    /// # Errors
    /// [`VerifyError::Unrecognized`] if the request carries no known scheme's signature or
    /// no verifier is registered for it; otherwise the verifier's error.
    pub fn verify(&self, req: &Received, now: OffsetDateTime) -> Result<Verified, VerifyError> {
        let scheme = Scheme::recognize(req).ok_or(VerifyError::Unrecognized)?;
        self.verifiers
            .iter()
            .find(|v| v.scheme() == scheme)
            .ok_or(VerifyError::Unrecognized)?
            .verify(req, now)
    }
}

impl std::fmt::Debug for AnyVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnyVerifier")
            .field("schemes", &self.schemes())
            .finish()
    }
}
