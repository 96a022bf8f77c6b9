//! [`SigningContext`]: the time and nonce of a signature.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::Error;

/// When and with which nonce to sign: the only inputs of a signature that are not in the
/// request or the credentials. Inject both in tests; use [`SigningContext::now`] in
/// production.
///
/// ```
/// use cloudsign::SigningContext;
///
/// let ctx = SigningContext::from_unix(1_551_113_065, "3156853299f313e23d1673dc12e1703d")?;
/// assert_eq!(ctx.unix_timestamp(), 1_551_113_065);
/// assert_eq!(ctx.nonce(), "3156853299f313e23d1673dc12e1703d");
/// let fresh = SigningContext::now();
/// assert_eq!(fresh.nonce().len(), 32);
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningContext {
    time: OffsetDateTime,
    nonce: Arc<str>,
    /// The nonce is non-empty ASCII letters and digits: every scheme accepts it as is,
    /// so signers skip their own checks. Computed where the nonce enters.
    nonce_is_alphanumeric: bool,
}

fn is_alphanumeric(nonce: &str) -> bool {
    !nonce.is_empty() && nonce.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl SigningContext {
    /// A given time (any offset; signers use its UTC value, whole seconds) and nonce.
    pub fn new(time: OffsetDateTime, nonce: impl Into<String>) -> Self {
        // `to_offset` would panic where the UTC value leaves the representable years; such
        // a time keeps its offset and every signer refuses it (TimestampOutOfRange).
        let time = time.checked_to_offset(time::UtcOffset::UTC).unwrap_or(time);
        let time = time.replace_nanosecond(0).unwrap_or(time);
        let nonce: Arc<str> = Arc::from(nonce.into());
        SigningContext {
            time,
            nonce_is_alphanumeric: is_alphanumeric(&nonce),
            nonce,
        }
    }

    /// Seconds since the Unix epoch and a nonce.
    ///
    /// # Errors
    /// [`Error::TimestampOutOfRange`] if `secs` is outside the years -9999 to 9999.
    pub fn from_unix(secs: i64, nonce: impl Into<String>) -> Result<Self, Error> {
        let time =
            OffsetDateTime::from_unix_timestamp(secs).map_err(|_| Error::TimestampOutOfRange {
                scheme: "SigningContext",
                reason: "outside the years -9999 to 9999",
            })?;
        Ok(Self::new(time, nonce))
    }

    /// The current time and a fresh random nonce: 32 lowercase hex digits (128 bits from
    /// the thread-local CSPRNG), which every scheme accepts.
    #[allow(clippy::disallowed_methods)] // the one place that reads the clock and the RNG
    pub fn now() -> Self {
        use rand::RngCore as _;
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        SigningContext {
            time: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            nonce: Arc::from(hex::encode(bytes)),
            nonce_is_alphanumeric: true,
        }
    }

    /// Replaces the nonce.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Arc::from(nonce.into());
        self.nonce_is_alphanumeric = is_alphanumeric(&self.nonce);
        self
    }

    /// The signing time in UTC.
    pub fn time(&self) -> OffsetDateTime {
        self.time
    }

    /// The signing time as seconds since the Unix epoch.
    pub fn unix_timestamp(&self) -> i64 {
        self.time.unix_timestamp()
    }

    /// The nonce.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// True when the nonce is non-empty ASCII letters and digits (checked once, here).
    #[inline]
    pub(crate) fn nonce_is_alphanumeric(&self) -> bool {
        self.nonce_is_alphanumeric
    }

    #[inline]
    pub(crate) fn nonce_shared(&self) -> &Arc<str> {
        &self.nonce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_flag_follows_the_nonce() {
        let ctx = SigningContext::from_unix(0, "abcXYZ019").unwrap();
        assert!(ctx.nonce_is_alphanumeric());
        for nonce in ["", "a-b", " a", "a\n", "ä"] {
            let c = ctx.clone().with_nonce(nonce);
            assert!(!c.nonce_is_alphanumeric(), "{nonce:?}");
            assert!(!SigningContext::from_unix(0, nonce)
                .unwrap()
                .nonce_is_alphanumeric());
            assert!(c.with_nonce("ok1").nonce_is_alphanumeric());
        }
        let now = SigningContext::now();
        assert_eq!(now.nonce_is_alphanumeric(), is_alphanumeric(now.nonce()));
        assert!(now.nonce_is_alphanumeric());
    }
}
