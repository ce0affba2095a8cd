//! When to try a URL again, and after how long.
//!
//! Retried: network errors (the browser's opaque `TypeError`), timeouts, and
//! the statuses real crawlers retry: 408, 429, 500, 502, 503, 504. The delay
//! doubles each time from `backoffMs`, with jitter (so many workers do not
//! retry in step), capped at 30 s; a readable `Retry-After` (seconds; the
//! server must list it in `Access-Control-Expose-Headers`) replaces it, capped
//! at 60 s. `maxTries` bounds all of it.

/// Statuses worth another try.
pub const RETRY_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];
/// Longest backoff.
pub const MAX_BACKOFF_MS: f64 = 30_000.0;
/// Longest `Retry-After` obeyed.
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;

pub fn retryable_status(status: u16) -> bool {
    RETRY_STATUSES.contains(&status)
}

/// Delay before try `attempt + 1` after try `attempt` (from 1) of `url`:
/// exponential with deterministic jitter in [50%, 100%).
pub fn backoff_ms(base_ms: u32, attempt: u32, url: &str) -> f64 {
    let exponential = f64::from(base_ms) * 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
    let jitter = 0.5 + 0.5 * unit_hash(url, attempt);
    (exponential * jitter).min(MAX_BACKOFF_MS)
}

/// `Retry-After` as milliseconds: delta-seconds only (an HTTP date is not
/// worth a date parser here; it falls back to the backoff).
pub fn retry_after_ms(header: Option<&str>) -> Option<f64> {
    let seconds: u64 = header?.trim().parse().ok()?;
    Some((seconds as f64 * 1000.0).min(MAX_RETRY_AFTER_MS))
}

/// A number in [0, 1) from the URL and attempt (FNV-1a): jitter that a test
/// can reproduce.
fn unit_hash(url: &str, attempt: u32) -> f64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in url.bytes().chain(attempt.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempt in 1..6 {
            let d = backoff_ms(500, attempt, "http://h/");
            let full = 500.0 * 2f64.powi(attempt as i32 - 1);
            assert!(d >= full * 0.5 && d < full, "{attempt}: {d}");
        }
        assert_eq!(backoff_ms(500, 40, "http://h/"), MAX_BACKOFF_MS.min(backoff_ms(500, 40, "http://h/")));
        assert!(backoff_ms(500, 40, "http://h/") <= MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(500, 2, "http://h/"), backoff_ms(500, 2, "http://h/"), "reproducible");
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        assert_eq!(retry_after_ms(Some(" 2 ")), Some(2000.0));
        assert_eq!(retry_after_ms(Some("3600")), Some(MAX_RETRY_AFTER_MS));
        assert_eq!(retry_after_ms(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after_ms(None), None);
    }
}
