//! Slowing down whoever guesses the token: wrong tokens are counted per client address, and
//! a client past a few free failures must wait, doubling each time up to a minute, before its
//! next attempt is even checked. Other clients — the owner on another address — are never
//! slowed by someone else's guesses (a global delay used to hold every login behind them).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::error::envelope;

/// Wrong attempts a client may make before it has to wait.
const FREE_FAILURES: u32 = 5;
/// The longest wait imposed on one client.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// A client's failures are forgotten after this long without one.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Clients tracked at once; the oldest are dropped past it, so the table stays small.
const MAX_CLIENTS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    wait_until: Instant,
}

/// Failed attempts per client address.
#[derive(Debug, Default)]
pub struct FailureThrottle {
    clients: Mutex<HashMap<IpAddr, Failures>>,
}

impl FailureThrottle {
    /// `Err(wait)` while `client` must wait before its next attempt is checked.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    /// Records a wrong token from `client`.
    pub fn fail(&self, client: IpAddr) {
        self.fail_at(client, Instant::now());
    }

    /// A right token: the client starts afresh.
    pub fn succeed(&self, client: IpAddr) {
        self.lock().remove(&client);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Failures>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        match self.lock().get(&client) {
            Some(f) if f.wait_until > now => Err(f.wait_until - now),
            _ => Ok(()),
        }
    }

    fn fail_at(&self, client: IpAddr, now: Instant) {
        let mut clients = self.lock();
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&client) {
            clients.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
            if clients.len() >= MAX_CLIENTS
                && let Some(oldest) = clients
                    .iter()
                    .min_by_key(|(_, f)| f.last)
                    .map(|(ip, _)| *ip)
            {
                clients.remove(&oldest);
            }
        }
        let entry = clients.entry(client).or_insert(Failures {
            count: 0,
            last: now,
            wait_until: now,
        });
        if now.duration_since(entry.last) >= FORGET_AFTER {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
        if entry.count > FREE_FAILURES {
            let doublings = (entry.count - FREE_FAILURES - 1).min(6);
            entry.wait_until = now + Duration::from_secs(1 << doublings).min(MAX_WAIT);
        }
    }
}

/// The `429` a waiting client gets, saying when to try again.
pub fn too_many_attempts(wait: Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let mut response = envelope(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        &format!("too many wrong tokens from this address; try again in {seconds} s"),
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        [127, 0, 0, last].into()
    }

    #[test]
    fn a_client_waits_after_its_free_failures_and_the_wait_doubles_up_to_a_minute() {
        let t = FailureThrottle::default();
        let now = Instant::now();
        for _ in 0..FREE_FAILURES {
            t.fail_at(ip(2), now);
            assert!(t.check_at(ip(2), now).is_ok());
        }
        t.fail_at(ip(2), now);
        assert_eq!(t.check_at(ip(2), now), Err(Duration::from_secs(1)));
        t.fail_at(ip(2), now);
        assert_eq!(t.check_at(ip(2), now), Err(Duration::from_secs(2)));
        for _ in 0..20 {
            t.fail_at(ip(2), now);
        }
        assert_eq!(t.check_at(ip(2), now), Err(MAX_WAIT));
        assert!(t.check_at(ip(2), now + MAX_WAIT).is_ok());
    }

    #[test]
    fn other_clients_are_not_slowed_and_success_starts_afresh() {
        let t = FailureThrottle::default();
        let now = Instant::now();
        for _ in 0..50 {
            t.fail_at(ip(2), now);
        }
        assert!(
            t.check_at(ip(1), now).is_ok(),
            "the owner is not locked out"
        );
        t.succeed(ip(2));
        assert!(t.check_at(ip(2), now).is_ok());
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_while() {
        let t = FailureThrottle::default();
        let now = Instant::now();
        for _ in 0..=FREE_FAILURES {
            t.fail_at(ip(2), now);
        }
        let later = now + FORGET_AFTER;
        t.fail_at(ip(2), later);
        assert!(t.check_at(ip(2), later).is_ok(), "counting starts again");
    }
}
