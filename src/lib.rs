#![doc = include_str!("../docs/tour.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[doc = include_str!("../docs/lifecycle.md")]
#[doc(inline)]
pub use leakproof_macros::lifecycle;

#[doc = include_str!("../docs/bounded.md")]
#[doc(inline)]
pub use leakproof_macros::bounded;

#[doc = include_str!("../docs/memory_report.md")]
#[doc(inline)]
pub use leakproof_macros::MemoryReport;

#[doc(no_inline)]
pub use leakproof_runtime::audit::{TeardownResource, Unbounded};
#[doc(no_inline)]
pub use leakproof_runtime::collections::{self, MAX_CAP};
/// `Unsubscribe` for async-nats subscriptions (feature `nats`).
#[cfg(feature = "nats")]
#[doc(no_inline)]
pub use leakproof_runtime::nats;
#[doc(no_inline)]
pub use leakproof_runtime::shutdown::{self, Outcome, ShutdownCtx, Step, StepKind, Stopper};
#[doc(no_inline)]
pub use leakproof_runtime::{
    BoundStats, BoundedBuilder, BoundedDeque, BoundedMap, BoundedSet, BuildError, Cancel, Clock,
    DeepHeap, EventBus, Evict, EvictReason, Fifo, Growth, GrowthWatch, Guarded, KeepIf, KeyOnly,
    Kind, Lifecycle, Lru, ManualClock, MemoryReport, Metric, Policy, Reject, Rejected, Reloadable,
    Report, Seen, SharedReads, ShutdownReport, Sieve, Subscription, Subscriptions, SystemClock,
    Unsubscribe,
};
#[cfg(feature = "tokio")]
#[doc(no_inline)]
pub use leakproof_runtime::{CancellationToken, TaskHandle, TaskSet, shutdown_on_signal};

/// Everything a service author uses: `use leakproof::prelude::*;`.
pub mod prelude {
    #[doc(no_inline)]
    pub use leakproof_macros::{MemoryReport, bounded, lifecycle};
    #[doc(no_inline)]
    pub use leakproof_runtime::{
        BoundStats, BoundedDeque, BoundedMap, BoundedSet, Cancel, DeepHeap, EventBus, Evict,
        EvictReason, GrowthWatch, Lifecycle, ManualClock, MemoryReport, Rejected, Reloadable,
        Report, ShutdownReport, Subscription, Subscriptions, Unsubscribe,
    };
    #[cfg(feature = "tokio")]
    #[doc(no_inline)]
    pub use leakproof_runtime::{CancellationToken, TaskHandle, TaskSet, shutdown_on_signal};
}

#[doc(hidden)]
pub use leakproof_runtime::__private;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
