//! Runtime support for [`leakproof`](https://docs.rs/leakproof): the bounded
//! collections that `#[bounded]` fields become; the lifecycle, event-bus,
//! task (feature `tokio`) and report types that `#[lifecycle]` generates
//! code against; and `Unsubscribe` for NATS subscriptions (feature `nats`).
//!
//! Users normally depend on the `leakproof` facade crate, which re-exports
//! everything here together with the macros.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod audit;
pub mod bounded;
pub mod events;
pub mod lifecycle;
#[cfg(feature = "nats")]
pub mod nats;
pub mod report;
#[cfg(feature = "tokio")]
pub mod tasks;

#[doc(hidden)]
pub mod __private;

pub use bounded::{
    BoundStats, BoundedDeque, BoundedMap, BoundedSet, BuildError, Builder, Clock, Evict,
    EvictReason, Fifo, Guarded, KeepIf, KeyOnly, Lru, ManualClock, Policy, Reject, Rejected,
    SharedReads, Sieve, SystemClock,
};
pub use events::EventBus;
#[cfg(feature = "tokio")]
pub use lifecycle::shutdown_on_signal;
pub use lifecycle::{
    Cancel, Lifecycle, Outcome, Reloadable, ShutdownCtx, ShutdownReport, Step, StepKind,
    Subscription, Subscriptions, Unsubscribe,
};
pub use report::{DeepHeap, Growth, GrowthWatch, Kind, MemoryReport, Metric, Report, Seen};
#[cfg(feature = "tokio")]
pub use tasks::{TaskHandle, TaskSet};
#[cfg(feature = "tokio")]
pub use tokio_util::sync::CancellationToken;
