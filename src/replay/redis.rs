//! Replay caches in Redis (feature `redis`): one `SET <prefix><scope>:<nonce> 1 NX PXAT <ms>`
//! per check, so that every verifier of a fleet sees every nonce.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use percent_encoding::percent_decode_str;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Cmd, Connection, RedisError};
use time::OffsetDateTime;

use super::{validate, AsyncReplayCache, Freshness, ReplayCache, ReplayError, ReplayFuture};

/// The key prefix unless [`RedisReplayCacheBuilder::prefix`] sets another.
pub const DEFAULT_PREFIX: &str = "cloudsign:replay:";
/// How long connecting may take unless set otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long an answer may take unless set otherwise.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Idle connections the sync cache keeps for reuse.
const MAX_IDLE: usize = 32;

/// Settings for [`RedisReplayCache`] and [`AsyncRedisReplayCache`]; errors wait for
/// [`build`](Self::build) / [`build_async`](Self::build_async).
///
/// The URL may carry a password (`redis://:secret@host:6379/0`): it is never shown, in
/// `Debug` or in errors (`redis://***@host:6379/0`).
///
/// ```
/// use std::time::Duration;
/// use cloudsign::replay::RedisReplayCache;
///
/// let cache = RedisReplayCache::builder("redis://:hunter2@127.0.0.1:6379/0")
///     .prefix("gw:replay:")
///     .connect_timeout(Duration::from_millis(500))
///     .response_timeout(Duration::from_millis(200))
///     .build()?; // connects lazily, on the first check
/// assert!(!format!("{cache:?}").contains("hunter2"));
/// # Ok::<(), cloudsign::replay::ReplayError>(())
/// ```
#[derive(Clone)]
pub struct RedisReplayCacheBuilder {
    url: String,
    settings: Settings,
}

#[derive(Clone)]
struct Settings {
    shown_url: String,
    secrets: Vec<String>,
    prefix: String,
    connect_timeout: Duration,
    response_timeout: Duration,
    fail_open: bool,
}

impl RedisReplayCacheBuilder {
    fn new(url: &str) -> Self {
        let (shown_url, secrets) = redact_url(url);
        RedisReplayCacheBuilder {
            url: url.to_owned(),
            settings: Settings {
                shown_url,
                secrets,
                prefix: DEFAULT_PREFIX.to_owned(),
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                response_timeout: DEFAULT_RESPONSE_TIMEOUT,
                fail_open: false,
            },
        }
    }

    /// The prefix of every key (default [`DEFAULT_PREFIX`]).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.settings.prefix = prefix.into();
        self
    }

    /// How long opening a connection may take (default 1 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// How long Redis may take to answer a command (default 1 s).
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.settings.response_timeout = timeout;
        self
    }

    /// What to answer when Redis cannot: `false` (the default) **fails closed** with
    /// [`ReplayError::Unavailable`], so no request passes unchecked; `true` **fails open**
    /// with [`Freshness::Fresh`], so an outage of Redis lets replays through for its
    /// duration but keeps the service answering (Higress's choice). Key and expiry errors
    /// are errors in both modes.
    pub fn fail_open(mut self, open: bool) -> Self {
        self.settings.fail_open = open;
        self
    }

    fn client(&self) -> Result<Client, ReplayError> {
        Client::open(self.url.as_str()).map_err(|e| ReplayError::InvalidConfig {
            reason: self.settings.scrub(&e),
        })
    }

    /// The blocking cache. It connects on the first check, not here.
    ///
    /// # Errors
    /// [`ReplayError::InvalidConfig`] for a URL the `redis` crate cannot read.
    pub fn build(self) -> Result<RedisReplayCache, ReplayError> {
        Ok(RedisReplayCache {
            client: self.client()?,
            idle: Mutex::new(Vec::new()),
            settings: self.settings,
        })
    }

    /// The async cache, on a `redis` `ConnectionManager` that reconnects in the background.
    /// Call it inside a tokio runtime; it connects on the first check, not here.
    ///
    /// # Errors
    /// [`ReplayError::InvalidConfig`] for a URL the `redis` crate cannot read, or outside a
    /// tokio runtime.
    pub fn build_async(self) -> Result<AsyncRedisReplayCache, ReplayError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ReplayError::InvalidConfig {
                reason: "build_async needs a tokio runtime".to_owned(),
            });
        }
        let s = &self.settings;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(s.connect_timeout))
            .set_response_timeout(Some(s.response_timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(s.connect_timeout);
        let manager =
            ConnectionManager::new_lazy_with_config(self.client()?, config).map_err(|e| {
                ReplayError::InvalidConfig {
                    reason: s.scrub(&e),
                }
            })?;
        Ok(AsyncRedisReplayCache {
            manager,
            settings: self.settings,
        })
    }
}

impl Settings {
    /// `SET <prefix><scope>:<nonce> 1 NX PXAT <expires_at in Unix ms>`.
    /// An `expires_at` before 1970 cannot be a `PXAT`: [`ReplayError::Expired`].
    fn command(
        &self,
        scope: &str,
        nonce: &str,
        expires_at: OffsetDateTime,
    ) -> Result<Cmd, ReplayError> {
        let ms = expires_at.unix_timestamp_nanos().div_euclid(1_000_000);
        let ms = u64::try_from(ms).map_err(|_| ReplayError::Expired)?;
        let mut key = String::with_capacity(self.prefix.len() + scope.len() + 1 + nonce.len());
        key.push_str(&self.prefix);
        key.push_str(scope);
        key.push(':');
        key.push_str(nonce);
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(1).arg("NX").arg("PXAT").arg(ms);
        Ok(cmd)
    }

    /// An error's text with every form of the URL's credentials hidden.
    fn scrub(&self, err: &dyn fmt::Display) -> String {
        let mut text = err.to_string();
        for secret in &self.secrets {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }

    /// What Redis's failure answers, by the fail-open setting.
    fn unavailable(&self, reason: String) -> Result<Freshness, ReplayError> {
        if self.fail_open {
            Ok(Freshness::Fresh)
        } else {
            Err(ReplayError::Unavailable { reason })
        }
    }

    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("url", &self.shown_url)
            .field("prefix", &self.prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("fail_open", &self.fail_open)
            .finish()
    }
}

/// `OK` is a first use, nil a replay.
fn freshness(reply: Option<String>) -> Freshness {
    match reply {
        Some(_) => Freshness::Fresh,
        None => Freshness::Replayed,
    }
}

/// The URL as shown (userinfo and query hidden) and the texts to hide in errors: the
/// userinfo, the password, the query, raw and percent-decoded.
fn redact_url(url: &str) -> (String, Vec<String>) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (userinfo, host_path) = match rest[..authority_end].rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let mut shown = String::new();
    if !scheme.is_empty() {
        shown.push_str(scheme);
        shown.push_str("://");
    }
    let mut secrets = Vec::new();
    if let Some(userinfo) = userinfo {
        shown.push_str("***@");
        secrets.push(userinfo.to_owned());
        if let Some((_, password)) = userinfo.split_once(':') {
            secrets.push(password.to_owned());
        }
    }
    shown.push_str(host_path);
    if let Some(query) = query {
        shown.push_str("?***");
        secrets.extend(
            query
                .split('&')
                .filter_map(|p| p.split_once('='))
                .map(|(_, v)| v.to_owned()),
        );
    }
    let decoded: Vec<String> = secrets
        .iter()
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    secrets.extend(decoded);
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len())); // longest first: no partial hiding
    (shown, secrets)
}

/// A blocking replay cache in Redis: `SET <prefix><scope>:<nonce> 1 NX PXAT <ms>`.
///
/// It keeps a few idle connections; a connection that failed is dropped and the next check
/// opens another (reconnection). A check on a reused connection that finds it closed (Redis
/// restarted) retries once on a new one. Each connect and each answer is bounded by the
/// builder's timeouts; when Redis cannot answer, the cache **fails closed**
/// ([`ReplayError::Unavailable`]) unless built with
/// [`fail_open(true)`](RedisReplayCacheBuilder::fail_open).
///
/// **Clocks:** `PXAT` is judged by Redis's clock, so `expires_at` must be real time (the
/// verifiers' and Redis's clocks synchronised); `now` only serves the `expires_at > now`
/// check.
///
/// ```no_run
/// use cloudsign::replay::{RedisReplayCache, ReplayCache};
/// use time::{Duration, OffsetDateTime};
///
/// let cache = RedisReplayCache::builder("redis://127.0.0.1:6379").build()?;
/// # let now = OffsetDateTime::UNIX_EPOCH;
/// let fresh = cache.check_and_insert("AKID", "nonce-1", now + Duration::minutes(15), now)?;
/// # let _ = fresh;
/// # Ok::<(), cloudsign::replay::ReplayError>(())
/// ```
pub struct RedisReplayCache {
    client: Client,
    idle: Mutex<Vec<Connection>>,
    settings: Settings,
}

impl RedisReplayCache {
    /// Settings for a cache at `url` (`redis://[:password@]host[:port][/db]`).
    pub fn builder(url: &str) -> RedisReplayCacheBuilder {
        RedisReplayCacheBuilder::new(url)
    }

    fn connect(&self) -> Result<Connection, RedisError> {
        let s = &self.settings;
        let conn = self.client.get_connection_with_timeout(s.connect_timeout)?;
        conn.set_read_timeout(Some(s.response_timeout))?;
        conn.set_write_timeout(Some(s.response_timeout))?;
        Ok(conn)
    }

    fn run(&self, cmd: &Cmd) -> Result<Freshness, RedisError> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let reused = pooled.is_some();
        let mut conn = match pooled {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let reply = match cmd.query::<Option<String>>(&mut conn) {
            Err(e) if reused && e.is_connection_dropped() => {
                conn = self.connect()?;
                cmd.query::<Option<String>>(&mut conn)?
            }
            other => other?,
        };
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        Ok(freshness(reply))
    }
}

impl ReplayCache for RedisReplayCache {
    fn check_and_insert(
        &self,
        scope: &str,
        nonce: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Freshness, ReplayError> {
        validate(scope, nonce, expires_at, now)?;
        let cmd = self.settings.command(scope, nonce, expires_at)?;
        match self.run(&cmd) {
            Ok(answer) => Ok(answer),
            Err(e) => self.settings.unavailable(self.settings.scrub(&e)),
        }
    }
}

impl fmt::Debug for RedisReplayCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.settings.debug("RedisReplayCache", f)
    }
}

/// The async (tokio) replay cache in Redis, on a `redis` `ConnectionManager`, which
/// reconnects by itself after an error. Same command, timeouts, fail-closed default and
/// clock rule as [`RedisReplayCache`]; each check is also bounded as a whole by the
/// connect plus the response timeout.
///
/// ```no_run
/// use cloudsign::replay::{AsyncReplayCache, RedisReplayCache};
/// use time::{Duration, OffsetDateTime};
///
/// # async fn run() -> Result<(), cloudsign::replay::ReplayError> {
/// let cache = RedisReplayCache::builder("redis://127.0.0.1:6379").build_async()?;
/// # let now = OffsetDateTime::UNIX_EPOCH;
/// let fresh = cache.check_and_insert("AKID", "nonce-1", now + Duration::minutes(15), now).await?;
/// # let _ = fresh;
/// # Ok(()) }
/// ```
pub struct AsyncRedisReplayCache {
    manager: ConnectionManager,
    settings: Settings,
}

impl AsyncReplayCache for AsyncRedisReplayCache {
    fn check_and_insert<'a>(
        &'a self,
        scope: &'a str,
        nonce: &'a str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> ReplayFuture<'a> {
        Box::pin(async move {
            validate(scope, nonce, expires_at, now)?;
            let s = &self.settings;
            let cmd = s.command(scope, nonce, expires_at)?;
            let mut conn = self.manager.clone();
            let deadline = s.connect_timeout + s.response_timeout;
            match tokio::time::timeout(deadline, cmd.query_async::<Option<String>>(&mut conn)).await
            {
                Ok(Ok(reply)) => Ok(freshness(reply)),
                Ok(Err(e)) => s.unavailable(s.scrub(&e)),
                Err(_) => s.unavailable(format!("no answer within {deadline:?}")),
            }
        })
    }
}

impl fmt::Debug for AsyncRedisReplayCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.settings.debug("AsyncRedisReplayCache", f)
    }
}

impl fmt::Debug for RedisReplayCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.settings.debug("RedisReplayCacheBuilder", f)
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn urls_lose_their_credentials() {
        let (shown, secrets) = redact_url("redis://user:p%40ss@10.0.0.1:6379/2");
        assert_eq!(shown, "redis://***@10.0.0.1:6379/2");
        assert!(secrets.contains(&"p@ss".to_owned()) && secrets.contains(&"p%40ss".to_owned()));
        let (shown, _) = redact_url("redis+unix:///run/redis.sock?db=0&pass=s3cret");
        assert_eq!(shown, "redis+unix:///run/redis.sock?***");
        assert_eq!(redact_url("redis://127.0.0.1").0, "redis://127.0.0.1");
    }
}
