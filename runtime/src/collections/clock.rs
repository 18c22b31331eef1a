//! Time sources for TTL expiry.
//!
//! A bounded collection with a TTL asks its clock for the time on every write
//! (to expire old entries) and on every read (to hide expired ones). Tests
//! inject a [`ManualClock`] so that expiry is deterministic and no test sleeps.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// A monotonic time source.
///
/// `now()` returns the time elapsed since an origin of the clock's choosing;
/// only differences matter. It should never go backwards; if it does (a
/// clock built on wall time can), a collection keeps using the latest time
/// it has seen until the clock catches up, so its expiry order stays sound.
pub trait Clock: Send + Sync + 'static {
    /// The current time, as a duration since the clock's origin.
    fn now(&self) -> Duration;
}

/// The default clock: [`Instant::now`], measured from the first time any
/// `SystemClock` is read in this process.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}

/// A clock that only moves when told to: for deterministic TTL tests.
///
/// Clones share the same time, so a test keeps one clone and gives another to
/// the collection.
///
/// ```
/// use leakproof_runtime::{BoundedMap, ManualClock};
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let mut sessions = BoundedMap::<u32, &str>::builder()
///     .cap(100)
///     .ttl(Duration::from_secs(30))
///     .clock(clock.clone())
///     .build();
/// sessions.insert(1, "alice");
/// clock.advance(Duration::from_secs(31));
/// assert_eq!(sessions.get(&1), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock standing at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by`, stopping at the largest time it can
    /// hold (about 584 years) rather than wrapping round to zero.
    pub fn advance(&self, by: Duration) {
        let by = saturating_nanos(by);
        let _ = self
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| Some(now.saturating_add(by)));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

/// Durations are kept as `u64` nanoseconds (584 years), which is what the
/// attribute's const parameter carries too.
pub(crate) fn saturating_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
