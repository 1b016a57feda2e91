//! How long to wait before trying again, for everything that retries: the
//! mail source reconnecting, the outbox resending an answer. Exponential from
//! a base, capped, with jitter so that things that failed together (many
//! answers when the SMTP server went away, instances that lost the same
//! database) do not all retry in the same second.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff { base, max }
    }

    /// The wait before attempt `attempt + 1` after `attempt` failures (1 for
    /// the first): base × 2^(attempt−1), capped at `max`, then spread over
    /// ±20 % by `seed`. The same attempt and seed always give the same wait,
    /// so tests and logs can be read back.
    pub fn delay(&self, attempt: u32, seed: u64) -> Duration {
        let exponent = attempt.clamp(1, 31) - 1;
        let raw = self.base.saturating_mul(1u32 << exponent.min(30)).min(self.max);
        let spread = (seed.wrapping_mul(2_654_435_761) ^ u64::from(attempt).wrapping_mul(40_503)) % 1000;
        raw.mul_f64(0.8 + 0.4 * spread as f64 / 1000.0)
    }
}

/// A seed that differs between processes and moments, for waits that should
/// not line up across instances.
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    // Without the system's randomness, the clock still spreads instances.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        return u64::from(nanos);
    }
    u64::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_capped_and_jittered() {
        let b = Backoff::new(Duration::from_secs(30), Duration::from_secs(3600));
        let ms = |attempt| b.delay(attempt, 7).as_millis();
        assert!((24_000..36_000).contains(&ms(1)));
        assert!((48_000..72_000).contains(&ms(2)));
        assert!(ms(30) <= 3_600_000 * 12 / 10);
        assert!(ms(30) >= 3_600_000 * 8 / 10);
        assert_ne!(b.delay(3, 1), b.delay(3, 2));
        assert_eq!(b.delay(3, 1), b.delay(3, 1));
    }

    #[test]
    fn the_first_attempt_waits_about_the_base() {
        let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
        for seed in 0..50 {
            let d = b.delay(1, seed);
            assert!(d >= Duration::from_millis(800) && d < Duration::from_millis(1200), "{d:?}");
        }
    }
}
