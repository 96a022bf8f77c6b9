//! Replay caches, with real parts only: threads racing on a shared `MemoryReplayCache`, and
//! (feature `redis`) a `redis-server` this test starts on a loopback port and kills: caches and
//! verifiers (sync and async) racing one nonce over separate connections, and Redis dying.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use std::sync::{Arc, Barrier};
use std::thread;

use cloudsign::replay::{Freshness, MemoryReplayCache, ReplayCache, ReplayError};
use time::{Duration, OffsetDateTime};

#[path = "support/verify.rs"]
mod verify;
use verify::{at, T};

/// `secs` after `T`.
fn t(secs: i64) -> OffsetDateTime {
    at(T + secs)
}

/// `threads` threads call `check` at once (a barrier); the answers, in any order.
fn race<F>(threads: usize, check: F) -> Vec<Result<Freshness, ReplayError>>
where
    F: Fn(usize) -> Result<Freshness, ReplayError> + Send + Sync + 'static,
{
    let check = Arc::new(check);
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (check, barrier) = (Arc::clone(&check), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                check(i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn fresh_count(answers: &[Result<Freshness, ReplayError>]) -> usize {
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    answers
        .iter()
        .filter(|a| matches!(a, Ok(Freshness::Fresh)))
        .count()
}

#[test]
fn memory_threads_racing_one_nonce_get_one_fresh() {
    let cache = Arc::new(MemoryReplayCache::with_capacity(10_000));
    for round in 0..200 {
        let nonce = format!("nonce-{round}");
        let c = Arc::clone(&cache);
        let answers = race(16, move |_| c.check_and_insert("AK", &nonce, t(900), t(0)));
        assert_eq!(fresh_count(&answers), 1, "round {round}");
    }
}

#[test]
fn memory_replay_rejected_until_expiry_then_accepted() {
    let cache = MemoryReplayCache::with_capacity(10);
    let until = t(900);
    assert_eq!(
        cache.check_and_insert("AK", "n", until, t(0)),
        Ok(Freshness::Fresh)
    );
    assert_eq!(
        cache.check_and_insert("AK", "n", until, t(1)),
        Ok(Freshness::Replayed)
    );
    assert_eq!(
        cache.check_and_insert("AK", "n", until, t(899)),
        Ok(Freshness::Replayed)
    );
    // At expires_at the window closed: the nonce is forgotten and may come again.
    let later = t(900);
    assert_eq!(
        cache.check_and_insert("AK", "n", later + Duration::minutes(15), later),
        Ok(Freshness::Fresh)
    );
    assert_eq!(
        cache.check_and_insert("AK", "n", later + Duration::minutes(15), t(901)),
        Ok(Freshness::Replayed)
    );
}

#[test]
fn memory_scopes_are_independent() {
    let cache = MemoryReplayCache::with_capacity(10);
    for scope in ["AK1", "AK2", "AK3"] {
        assert_eq!(
            cache.check_and_insert(scope, "same", t(60), t(0)),
            Ok(Freshness::Fresh)
        );
    }
    assert_eq!(
        cache.check_and_insert("AK2", "same", t(60), t(0)),
        Ok(Freshness::Replayed)
    );
    // A nonce holding the separator cannot collide with another scope's key.
    assert_eq!(
        cache.check_and_insert("AK1", "x:y", t(60), t(0)),
        Ok(Freshness::Fresh)
    );
    assert!(matches!(
        cache.check_and_insert("AK1:x", "y", t(60), t(0)),
        Err(ReplayError::InvalidKey { .. })
    ));
}

#[test]
fn memory_full_evicts_expired_first_and_refuses_when_all_unexpired() {
    let cache = MemoryReplayCache::with_capacity(3);
    assert_eq!(
        cache.check_and_insert("AK", "a", t(10), t(0)),
        Ok(Freshness::Fresh)
    );
    assert_eq!(
        cache.check_and_insert("AK", "b", t(20), t(0)),
        Ok(Freshness::Fresh)
    );
    assert_eq!(
        cache.check_and_insert("AK", "c", t(30), t(0)),
        Ok(Freshness::Fresh)
    );
    // Full of unexpired nonces: refused, and nothing forgotten.
    let full = Err(ReplayError::Full { capacity: 3 });
    assert_eq!(cache.check_and_insert("AK", "d", t(40), t(5)), full);
    for n in ["a", "b", "c"] {
        assert_eq!(
            cache.check_and_insert("AK", n, t(40), t(5)),
            Ok(Freshness::Replayed),
            "{n}"
        );
    }
    // At t=15 only "a" expired: it goes, the unexpired ones stay.
    assert_eq!(
        cache.check_and_insert("AK", "d", t(40), t(15)),
        Ok(Freshness::Fresh)
    );
    assert_eq!(cache.len(), 3);
    for n in ["b", "c", "d"] {
        assert_eq!(
            cache.check_and_insert("AK", n, t(40), t(15)),
            Ok(Freshness::Replayed),
            "{n}"
        );
    }
    assert_eq!(cache.check_and_insert("AK", "e", t(40), t(15)), full);
}

#[test]
fn memory_stays_bounded_as_time_moves() {
    let cache = MemoryReplayCache::with_capacity(100);
    for i in 0..10_000 {
        let now = t(i);
        let answer = cache.check_and_insert("AK", &i.to_string(), now + Duration::seconds(50), now);
        assert_eq!(answer, Ok(Freshness::Fresh), "{i}");
        assert!(cache.len() <= 100);
    }
    assert_eq!(cache.capacity(), 100);
}

#[test]
fn keys_and_expiry_are_checked() {
    let cache = MemoryReplayCache::with_capacity(10);
    let long = "n".repeat(cloudsign::replay::MAX_KEY_LEN + 1);
    for (scope, nonce) in [("", "n"), ("AK", ""), ("AK", "a\nb"), ("AK", long.as_str())] {
        assert!(
            matches!(
                cache.check_and_insert(scope, nonce, t(10), t(0)),
                Err(ReplayError::InvalidKey { .. })
            ),
            "{scope:?} {nonce:?}"
        );
    }
    assert_eq!(
        cache.check_and_insert("AK", "n", t(0), t(0)),
        Err(ReplayError::Expired)
    );
    assert!(cache.is_empty());
}

#[cfg(feature = "redis")]
mod redis {
    use super::verify::applied;
    use super::{fresh_count, race};
    use cloudsign::alibaba::Acs3Signer;
    use cloudsign::replay::{
        AsyncReplayCache, Freshness, RedisReplayCache, ReplayCache, ReplayError,
    };
    use cloudsign::tencent::Tc3Signer;
    use cloudsign::verify::{
        verify_with_async_replay, Acs3Verifier, MemoryKeyStore, Received, Scheme, Tc3Verifier,
        Verified, Verifier, VerifyError,
    };
    use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    use time::OffsetDateTime;

    /// Redis judges PXAT by its own clock: these tests use real time.
    #[allow(clippy::disallowed_methods)] // the wall clock, for a real Redis
    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn unique(tag: &str) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let pid = std::process::id();
        format!(
            "{tag}-{pid}-{}-{}",
            N.fetch_add(1, Ordering::Relaxed),
            now().unix_timestamp_nanos()
        )
    }

    /// A `redis-server` child on a free loopback port, killed when dropped.
    struct RedisServer {
        child: Child,
        port: u16,
    }

    impl RedisServer {
        /// `None` (after a loud message) when `redis-server` is not installed, unless
        /// `CLOUDSIGN_REQUIRE_REDIS=1`, when that fails the test.
        fn start() -> Option<RedisServer> {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let spawned = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(child) => child,
                Err(e) if std::env::var("CLOUDSIGN_REQUIRE_REDIS").as_deref() == Ok("1") => {
                    panic!("CLOUDSIGN_REQUIRE_REDIS=1 but redis-server cannot start: {e}")
                }
                Err(e) => {
                    // Straight to stderr: libtest captures eprintln! of passing tests.
                    let _ = writeln!(
                        std::io::stderr(),
                        "!!! SKIPPING Redis tests: redis-server not found ({e}) !!!"
                    );
                    return None;
                }
            };
            let server = RedisServer { child, port };
            server.wait_until_ready();
            Some(server)
        }

        fn wait_until_ready(&self) {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                    let mut buf = [0u8; 7];
                    if s.write_all(b"PING\r\n").is_ok()
                        && s.read_exact(&mut buf).is_ok()
                        && &buf == b"+PONG\r\n"
                    {
                        return;
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            panic!(
                "redis-server on port {} did not answer PING within 10 s",
                self.port
            );
        }

        fn url(&self) -> String {
            format!("redis://127.0.0.1:{}/0", self.port)
        }

        fn kill(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Drop for RedisServer {
        fn drop(&mut self) {
            self.kill();
        }
    }

    fn cache(url: &str, fail_open: bool) -> RedisReplayCache {
        RedisReplayCache::builder(url)
            .connect_timeout(Duration::from_millis(500))
            .response_timeout(Duration::from_millis(500))
            .fail_open(fail_open)
            .build()
            .unwrap()
    }

    /// The async twin of [`cache`]; built inside a runtime.
    fn async_cache(url: &str, fail_open: bool) -> cloudsign::replay::AsyncRedisReplayCache {
        RedisReplayCache::builder(url)
            .connect_timeout(Duration::from_millis(500))
            .response_timeout(Duration::from_millis(500))
            .fail_open(fail_open)
            .build_async()
            .unwrap()
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn two_caches_race_one_nonce_and_one_wins() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let caches = Arc::new([cache(&server.url(), false), cache(&server.url(), false)]);
        for round in 0..50 {
            let nonce = unique("race");
            let c = Arc::clone(&caches);
            let until = now() + time::Duration::minutes(15);
            let answers = race(8, move |i| {
                c[i % 2].check_and_insert("AK", &nonce, until, now())
            });
            assert_eq!(fresh_count(&answers), 1, "round {round}");
        }
        // Scopes are independent; the key expires with PXAT.
        let nonce = unique("scoped");
        let soon = now() + time::Duration::milliseconds(300);
        assert_eq!(
            caches[0].check_and_insert("AK1", &nonce, soon, now()),
            Ok(Freshness::Fresh)
        );
        assert_eq!(
            caches[1].check_and_insert("AK2", &nonce, soon, now()),
            Ok(Freshness::Fresh)
        );
        assert_eq!(
            caches[1].check_and_insert("AK1", &nonce, soon, now()),
            Ok(Freshness::Replayed)
        );
        std::thread::sleep(Duration::from_millis(400));
        let until = now() + time::Duration::minutes(1);
        assert_eq!(
            caches[0].check_and_insert("AK1", &nonce, until, now()),
            Ok(Freshness::Fresh)
        );
    }

    #[test]
    fn redis_killed_fails_closed_in_time_or_open_if_asked() {
        let Some(mut server) = RedisServer::start() else {
            return;
        };
        let closed = cache(&server.url(), false);
        let open = cache(&server.url(), true);
        let until = now() + time::Duration::minutes(15);
        assert_eq!(
            closed.check_and_insert("AK", &unique("k"), until, now()),
            Ok(Freshness::Fresh)
        );
        assert_eq!(
            open.check_and_insert("AK", &unique("k"), until, now()),
            Ok(Freshness::Fresh)
        );
        server.kill();
        for _ in 0..3 {
            let started = Instant::now();
            let answer = closed.check_and_insert("AK", &unique("k"), until, now());
            assert!(
                matches!(answer, Err(ReplayError::Unavailable { .. })),
                "{answer:?}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{:?}",
                started.elapsed()
            );
        }
        let started = Instant::now();
        assert_eq!(
            open.check_and_insert("AK", &unique("k"), until, now()),
            Ok(Freshness::Fresh)
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        // Invalid keys stay errors when failing open.
        assert!(matches!(
            open.check_and_insert("", "n", until, now()),
            Err(ReplayError::InvalidKey { .. })
        ));
    }

    #[test]
    fn a_silent_server_times_out() {
        // Accepts connections and never answers: only the response timeout ends the wait.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "redis://:s3cret-pw@127.0.0.1:{}",
            listener.local_addr().unwrap().port()
        );
        let silent = cache(&url, false);
        assert!(!format!("{silent:?}").contains("s3cret-pw"));
        let until = now() + time::Duration::minutes(15);
        let started = Instant::now();
        let answer = silent.check_and_insert("AK", "n", until, now());
        let elapsed = started.elapsed();
        match answer {
            Err(ReplayError::Unavailable { reason }) => {
                assert!(!reason.contains("s3cret-pw"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        drop(listener);
    }

    #[test]
    fn async_caches_race_and_fail_closed() {
        let Some(mut server) = RedisServer::start() else {
            return;
        };
        let rt = runtime();
        rt.block_on(async {
            let build = |open| async_cache(&server.url(), open);
            let (a, b, open) = (Arc::new(build(false)), Arc::new(build(false)), build(true));
            let until = now() + time::Duration::minutes(15);
            for round in 0..20 {
                let nonce = unique("async");
                let tasks: Vec<_> = (0..8)
                    .map(|i| {
                        let c = if i % 2 == 0 {
                            Arc::clone(&a)
                        } else {
                            Arc::clone(&b)
                        };
                        let nonce = nonce.clone();
                        tokio::spawn(
                            async move { c.check_and_insert("AK", &nonce, until, now()).await },
                        )
                    })
                    .collect();
                let mut answers = Vec::new();
                for task in tasks {
                    answers.push(task.await.unwrap());
                }
                assert_eq!(fresh_count(&answers), 1, "round {round}");
            }
            assert_eq!(
                open.check_and_insert("AK", &unique("o"), until, now())
                    .await,
                Ok(Freshness::Fresh)
            );
            server.kill();
            for _ in 0..3 {
                let started = Instant::now();
                let answer = a.check_and_insert("AK", &unique("k"), until, now()).await;
                assert!(
                    matches!(answer, Err(ReplayError::Unavailable { .. })),
                    "{answer:?}"
                );
                assert!(
                    started.elapsed() < Duration::from_secs(3),
                    "{:?}",
                    started.elapsed()
                );
            }
            let answer = open
                .check_and_insert("AK", &unique("o"), until, now())
                .await;
            assert_eq!(answer, Ok(Freshness::Fresh));
        });
    }

    /// A request signed now (Redis judges expiry by its clock) by `scheme`'s signer, as
    /// received: ACS3 carries its nonce, TC3 none (its signature is the replay key).
    fn signed_now(scheme: Scheme, nonce: &str) -> Received {
        let creds = Credentials::new("AKIDrace", "race-secret").unwrap();
        let signer: Box<dyn Signer> = match scheme {
            Scheme::Acs3 => Box::new(
                Acs3Signer::builder(creds)
                    .action("DescribeRegions")
                    .version("2014-05-26")
                    .build()
                    .unwrap(),
            ),
            _ => Box::new(
                Tc3Signer::builder(creds, "cvm")
                    .action("DescribeRegions")
                    .version("2017-03-12")
                    .build()
                    .unwrap(),
            ),
        };
        let req = CanonicalRequest::builder()
            .method("POST")
            .host("ecs.example.com")
            .path("/")
            .header("Content-Type", "application/json")
            .body(format!("{{\"n\":\"{nonce}\"}}").into_bytes())
            .build()
            .unwrap();
        let out = signer
            .sign(&req, &SigningContext::new(now(), nonce))
            .unwrap();
        applied(&req, &out)
    }

    fn verifier(scheme: Scheme) -> Arc<dyn Verifier> {
        let keys = MemoryKeyStore::new().with(Credentials::new("AKIDrace", "race-secret").unwrap());
        match scheme {
            Scheme::Acs3 => Arc::new(Acs3Verifier::new(keys)),
            _ => Arc::new(Tc3Verifier::new(keys)),
        }
    }

    /// Two verifiers, each with its own Redis connection, verify the same signed request
    /// from eight threads at once: exactly one accepts, the others answer the cloud's
    /// replay error. Then Redis dies: a fresh request gets the fail-closed error in time.
    #[test]
    fn two_verifiers_race_one_request_through_redis_and_one_accepts() {
        let Some(mut server) = RedisServer::start() else {
            return;
        };
        for scheme in [Scheme::Acs3, Scheme::Tc3] {
            let verifiers = Arc::new([
                verifier(scheme).with_replay(cache(&server.url(), false)),
                verifier(scheme).with_replay(cache(&server.url(), false)),
            ]);
            for round in 0..20 {
                let got = Arc::new(signed_now(scheme, &unique("v")));
                let (v, g) = (Arc::clone(&verifiers), Arc::clone(&got));
                let answers = race_verify(8, move |i| v[i % 2].verify(&g, now()));
                let accepted = answers.iter().filter(|a| a.is_ok()).count();
                assert_eq!(accepted, 1, "{scheme:?} round {round}: {answers:?}");
                for refused in answers.iter().filter_map(|a| a.as_ref().err()) {
                    assert_eq!(refused, &VerifyError::Replayed { scheme });
                    let want = match scheme {
                        Scheme::Acs3 => "SignatureNonceUsed",
                        _ => "AuthFailure.SignatureExpire",
                    };
                    assert_eq!(refused.cloud_code(), want, "{scheme:?}");
                }
            }
        }
        let closed = verifier(Scheme::Acs3).with_replay(cache(&server.url(), false));
        let open = verifier(Scheme::Acs3).with_replay(cache(&server.url(), true));
        assert!(closed
            .verify(&signed_now(Scheme::Acs3, &unique("c")), now())
            .is_ok());
        server.kill();
        let started = Instant::now();
        let answer = closed.verify(&signed_now(Scheme::Acs3, &unique("c")), now());
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        let err = answer.unwrap_err();
        assert!(
            matches!(err, VerifyError::ReplayCheckFailed { .. }),
            "{err:?}"
        );
        assert_eq!(
            (err.cloud_code(), err.http_status()),
            ("ServiceUnavailable", 503)
        );
        // A bad signature is refused as such without asking the dead Redis.
        let mut forged = signed_now(Scheme::Acs3, &unique("f"));
        forged = forged.header("x-acs-version", "2099-01-01");
        assert!(!matches!(
            closed.verify(&forged, now()),
            Err(VerifyError::ReplayCheckFailed { .. }) | Ok(_)
        ));
        let started = Instant::now();
        assert!(open
            .verify(&signed_now(Scheme::Acs3, &unique("o")), now())
            .is_ok());
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    /// The async twin: `verify_with_async_replay` over two async caches (each its own
    /// connection), eight tasks in flight at once; then Redis dies.
    #[test]
    fn async_verifiers_race_one_request_and_fail_closed() {
        let Some(mut server) = RedisServer::start() else {
            return;
        };
        let rt = runtime();
        rt.block_on(async {
            let caches = Arc::new([
                async_cache(&server.url(), false),
                async_cache(&server.url(), false),
            ]);
            let v = verifier(Scheme::Acs3);
            for round in 0..20 {
                let got = Arc::new(signed_now(Scheme::Acs3, &unique("av")));
                let tasks: Vec<_> = (0..8)
                    .map(|i| {
                        let (c, v, got) = (Arc::clone(&caches), Arc::clone(&v), Arc::clone(&got));
                        tokio::spawn(async move {
                            verify_with_async_replay(&*v, &c[i % 2], &got, now()).await
                        })
                    })
                    .collect();
                let mut answers = Vec::new();
                for task in tasks {
                    answers.push(task.await.unwrap());
                }
                let accepted = answers.iter().filter(|a| a.is_ok()).count();
                assert_eq!(accepted, 1, "round {round}: {answers:?}");
                assert!(answers.iter().all(|a| matches!(
                    a,
                    Ok(_)
                        | Err(VerifyError::Replayed {
                            scheme: Scheme::Acs3
                        })
                )));
            }
            server.kill();
            let started = Instant::now();
            let got = signed_now(Scheme::Acs3, &unique("dead"));
            let answer = verify_with_async_replay(&*v, &caches[0], &got, now()).await;
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{:?}",
                started.elapsed()
            );
            assert!(
                matches!(answer, Err(VerifyError::ReplayCheckFailed { .. })),
                "{answer:?}"
            );
        });
    }

    fn race_verify<F>(threads: usize, check: F) -> Vec<Result<Verified, VerifyError>>
    where
        F: Fn(usize) -> Result<Verified, VerifyError> + Send + Sync + 'static,
    {
        let check = Arc::new(check);
        let barrier = Arc::new(std::sync::Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (check, barrier) = (Arc::clone(&check), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    check(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    }

    /// Not a target: round trips per second from two threads, each on its own cache, one
    /// SET NX PXAT at a time (`cargo test --all-features --test replay -- --nocapture`).
    #[test]
    fn round_trip_throughput_two_threads() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        const PER_THREAD: usize = 10_000;
        let url = server.url();
        let started = Instant::now();
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let c = cache(&url, false);
                std::thread::spawn(move || {
                    let until = now() + time::Duration::minutes(15);
                    let tag = unique("tp");
                    for i in 0..PER_THREAD {
                        let answer = c.check_and_insert("AK", &format!("{tag}-{i}"), until, now());
                        assert_eq!(answer, Ok(Freshness::Fresh));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "redis round trips: {} in {secs:.3} s from 2 threads = {:.0}/s ({:.1} us each per thread)",
            2 * PER_THREAD,
            (2 * PER_THREAD) as f64 / secs,
            secs * 1e6 / PER_THREAD as f64
        );
    }
}
