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

/// The report impls of a plain struct (no generics, no `with`), which
/// `#[derive(MemoryReport)]` and `#[lifecycle]` emit as one call of this
/// macro instead of spelling them out: every token a proc macro generates
/// crosses the compiler's bridge and costs every build, where this expansion
/// is the compiler's own. Each field comes as `known field "label"` (its
/// type has both reports: called directly) or `probe field "label"` (the
/// report chosen by autoref), followed by its kind in parentheses (nothing,
/// or a `Report` method call such as `.shared()`).
#[doc(hidden)]
#[macro_export]
macro_rules! __leakproof_report_impls {
    // Every field known (the common case): each node is a direct call, with
    // no expansion of its own and no probe traits to import. Measured by
    // hand on the compile-time bench's 200 derived structs: a macro of this
    // shape checked in 0.19 s, one with the general arm's shape in 0.22 s.
    ($name:ident, $label:literal, [$(known $field:tt $flabel:literal ($($kind:tt)*)),*]) => {
        $crate::__leakproof_report_impls!(@impls $name, $label, self, seen, (), [$(
            seen.node(&self.$field, $flabel) $($kind)*
        ),*]);
    };
    ($name:ident, $label:literal, [$($how:ident $field:tt $flabel:literal ($($kind:tt)*)),*]) => {
        $crate::__leakproof_report_impls!(@impls $name, $label, self, seen, (
            #[allow(unused_imports)]
            use $crate::__private::{DeepOpaque as _, ViaDeep as _, ViaDeepReport as _};
        ), [$(
            $crate::__leakproof_report_impls!(@node $how self seen $field $flabel) $($kind)*
        ),*]);
    };
    // `self` and `seen` come from the arm that wrote the nodes, so that the
    // nodes and the parameters they name share one hygiene context.
    (@impls $name:ident, $label:literal, $self:ident, $seen:ident, ($($prelude:tt)*), [$($node:expr),*]) => {
        #[automatically_derived]
        impl $crate::__private::MemoryReport for $name {
            fn memory_report(&self) -> $crate::__private::Report {
                $crate::__private::Seen::shallow_report(self)
            }
        }

        #[automatically_derived]
        impl $crate::__private::DeepHeap for $name {
            fn deep_heap(&self, seen: &mut $crate::__private::Seen) -> usize {
                seen.heap_of(self)
            }

            fn deep_node(&$self, $seen: &mut $crate::__private::Seen) -> $crate::__private::Report {
                $($prelude)*
                $crate::__private::Report::structure::<Self>(
                    $label,
                    ::std::vec::Vec::from([$($node),*]),
                )
            }
        }
    };
    (@node known $self:ident $seen:ident $field:tt $label:literal) => {
        $seen.node(&$self.$field, $label)
    };
    (@node probe $self:ident $seen:ident $field:tt $label:literal) => {
        (&&&$crate::__private::Reporter(&$self.$field)).node($label, $seen)
    };
}

pub use crate::__leakproof_report_impls as report_impls;
