#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use leakproof_macros::{bounded, lifecycle};
pub use leakproof_runtime::bounded::{self as collections, MAX_CAP};
pub use leakproof_runtime::{
    BoundStats, BoundedDeque, BoundedMap, BoundedSet, Builder, Clock, Evict, EvictReason,
    ManualClock, Rejected, SystemClock,
};

/// Everything a service author uses: `use leakproof::prelude::*;`.
pub mod prelude {
    pub use leakproof_macros::{bounded, lifecycle};
    pub use leakproof_runtime::{
        BoundStats, BoundedDeque, BoundedMap, BoundedSet, Evict, EvictReason, ManualClock, Rejected,
    };
}

#[doc(hidden)]
pub use leakproof_runtime::__private;
