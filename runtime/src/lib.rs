//! Runtime support for [`leakproof`](https://docs.rs/leakproof): the bounded
//! [`collections`] that `#[bounded]` fields become; the [`shutdown`],
//! [`EventBus`], task (feature `tokio`) and [`report`] types that
//! `#[lifecycle]` generates code against; and [`Unsubscribe`] for NATS
//! subscriptions (feature `nats`).
//!
//! Users normally depend on the `leakproof` facade crate, which re-exports
//! everything here together with the macros.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod audit;
pub mod collections;
pub mod events;
#[cfg(feature = "nats")]
pub mod nats;
pub mod report;
pub mod shutdown;
#[cfg(feature = "tokio")]
pub mod tasks;

#[doc(hidden)]
pub mod __private;

pub use collections::{
    BoundStats, BoundedBuilder, BoundedDeque, BoundedMap, BoundedSet, BuildError, Clock, Evict,
    EvictReason, Fifo, Guarded, KeepIf, KeyOnly, Lru, ManualClock, Policy, Reject, Rejected,
    SharedReads, Sieve, SystemClock,
};
pub use events::EventBus;
pub use report::{DeepHeap, Growth, GrowthWatch, Kind, MemoryReport, Metric, Report, Seen};
#[cfg(feature = "tokio")]
pub use shutdown::shutdown_on_signal;
pub use shutdown::{
    Cancel, Lifecycle, Outcome, Reloadable, ShutdownCtx, ShutdownReport, Step, StepKind,
    Subscription, Subscriptions, Unsubscribe,
};
#[cfg(feature = "tokio")]
pub use tasks::{TaskHandle, TaskSet};
#[cfg(feature = "tokio")]
pub use tokio_util::sync::CancellationToken;
