//! The only door generated code uses. Not public API: no semver guarantees.

pub use crate::audit::{Fine, Probe, TeardownResource, ViaPlain, ViaResource, ViaUnbounded};
pub use crate::collections::{BoundedDeque, BoundedMap, BoundedSet};
pub use crate::report::node;
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

// The identity checks of `#[bounded]`: the written type must be the std
// collection the rewrite assumed (an imported `hashbrown::HashSet` is an
// error, not a silent swap). One trait per collection, implemented for the
// std type only; generated code calls `<Written as std_HashSet>::confirm()`
// spanned on the written type, so the error points there.

/// `#[bounded]`'s check that a written `HashSet` is std's.
#[diagnostic::on_unimplemented(
    message = "`#[bounded]` rewrites `std::collections::HashSet`, and `{Self}` is a different type",
    label = "not `std::collections::HashSet`",
    note = "import `std::collections::HashSet`, or for another set type use `leakproof::BoundedSet` directly"
)]
#[allow(non_camel_case_types)]
pub trait std_HashSet {
    /// Compiles only for std's `HashSet`.
    fn confirm() {}
}
#[diagnostic::do_not_recommend]
impl<T, S> std_HashSet for std::collections::HashSet<T, S> {}

/// `#[bounded]`'s check that a written `HashMap` is std's.
#[diagnostic::on_unimplemented(
    message = "`#[bounded]` rewrites `std::collections::HashMap`, and `{Self}` is a different type",
    label = "not `std::collections::HashMap`",
    note = "import `std::collections::HashMap`, or for another map type use `leakproof::BoundedMap` directly"
)]
#[allow(non_camel_case_types)]
pub trait std_HashMap {
    /// Compiles only for std's `HashMap`.
    fn confirm() {}
}
#[diagnostic::do_not_recommend]
impl<K, V, S> std_HashMap for std::collections::HashMap<K, V, S> {}

/// `#[bounded]`'s check that a written `Vec` is std's.
#[diagnostic::on_unimplemented(
    message = "`#[bounded]` rewrites `std::vec::Vec`, and `{Self}` is a different type",
    label = "not `std::vec::Vec`",
    note = "use std's `Vec`, or `leakproof::BoundedDeque` directly"
)]
#[allow(non_camel_case_types)]
pub trait std_Vec {
    /// Compiles only for std's `Vec`.
    fn confirm() {}
}
#[diagnostic::do_not_recommend]
impl<T> std_Vec for Vec<T> {}

/// `#[bounded]`'s check that a written `VecDeque` is std's.
#[diagnostic::on_unimplemented(
    message = "`#[bounded]` rewrites `std::collections::VecDeque`, and `{Self}` is a different type",
    label = "not `std::collections::VecDeque`",
    note = "import `std::collections::VecDeque`, or use `leakproof::BoundedDeque` directly"
)]
#[allow(non_camel_case_types)]
pub trait std_VecDeque {
    /// Compiles only for std's `VecDeque`.
    fn confirm() {}
}
#[diagnostic::do_not_recommend]
impl<T> std_VecDeque for std::collections::VecDeque<T> {}
