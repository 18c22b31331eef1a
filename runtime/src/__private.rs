//! The only door generated code uses. Not public API: no semver guarantees.

pub use crate::audit::{Fine, Probe, TeardownResource, ViaPlain, ViaResource, ViaUnbounded};
pub use crate::collections::{
    BoundedDeque, BoundedMap, BoundedSet, IsStdHashMap, IsStdHashSet, IsStdVec, IsStdVecDeque,
};
pub use crate::report::{
    DeepHeap, DeepOpaque, Kind, MemoryReport, Opaque, Report, Reporter, Seen, ViaDeep,
    ViaDeepReport, ViaMemoryReport,
};
pub use crate::shutdown::{
    AsyncHook, Cancel, Field, Graceful, HookCall, Lifecycle, Ordered, ShutdownCtx, StepFuture,
    SyncHook, Unordered, Unsubscribe, Walk,
};

/// `drop = "warn"`: one warning naming the struct and its live fields.
pub fn warn_live<T: Lifecycle + ?Sized>(component: &str, value: &T) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let live = crate::shutdown::ShutdownCtx::probe_for_drop(|ctx| value.teardown(ctx));
        if !live.is_empty() {
            tracing::warn!(
                component,
                live = ?live,
                "{component} dropped without shutdown() while {} still live",
                live.join(", ")
            );
        }
    }));
}

/// `drop = "shutdown"`: the synchronous shutdown, never panicking out of `Drop`.
pub fn shutdown_on_drop<T: Lifecycle + ?Sized>(component: &T) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if !component.is_shut_down() {
            component.shutdown();
        }
    }));
}
pub use std::collections::hash_map::RandomState;

/// The policy types `#[bounded(evict = "...", keep_if = ...)]` writes.
pub use crate::collections::{Fifo, Guarded, KeepIf, Lru, Reject, Sieve};

/// The largest cap, for the `const` assertion on a cap given as an expression.
pub use crate::collections::MAX_CAP;
