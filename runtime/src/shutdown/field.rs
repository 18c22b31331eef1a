//! The teardown fields as generated code hands them to a shutdown context:
//! each checked once for its trait, then passed on as a value that always
//! implements it.
//!
//! Why: `#[lifecycle]` walks the fields twice (`teardown` for `shutdown()`,
//! an async body for `shutdown_graceful()`). If both bodies required
//! `Cancel` of a field that is not a task, the user would read the same
//! error two or three times. Both bodies instead call the same constructor
//! (say [`Field::task`]) at the same span, so the compiler reports the
//! missing trait once (identical diagnostics are merged), at the field, and
//! the context methods receive a wrapper whose impl holds for every `T`.
//!
//! The wrapper keeps the field's own methods as function pointers, so it is
//! `Send` exactly when `&T` is: the ordered walk of a `Sync` component stays
//! `Send`, and nothing needs `T: Sync` otherwise.

use super::graceful::{Graceful, StepFuture};
use super::{Cancel, Lifecycle, ShutdownCtx, Stopper, Unsubscribe};

/// The constructors: the one place each teardown trait is required. The
/// bound sits on the function, so a missing trait is reported at the
/// argument, the field.
#[doc(hidden)]
pub struct Field;

impl Field {
    /// A `#[subscription]` field.
    pub fn subscription<T: Unsubscribe + ?Sized>(field: &T) -> SubscriptionField<'_, T> {
        SubscriptionField {
            field,
            unsubscribe: T::unsubscribe,
            is_active: T::is_active,
            active_count: T::active_count,
        }
    }

    /// A `#[task]` field.
    pub fn task<T: Cancel + ?Sized>(field: &T) -> TaskField<'_, T> {
        TaskField {
            field,
            is_active: T::is_active,
            cancel: T::cancel,
            abort: T::abort,
            stopper: T::stopper,
        }
    }

    /// A `#[shutdown]` field.
    pub fn nested<T: Lifecycle + ?Sized>(field: &T) -> NestedField<'_, T> {
        NestedField {
            field,
            teardown: T::teardown,
            graceful: T::teardown_graceful,
            handles_own_drop: T::handles_own_drop,
        }
    }
}

/// A `#[subscription]` field, known to be [`Unsubscribe`].
#[doc(hidden)]
pub struct SubscriptionField<'a, T: ?Sized> {
    field: &'a T,
    unsubscribe: fn(&T),
    is_active: fn(&T) -> bool,
    active_count: fn(&T) -> usize,
}

impl<T: ?Sized> Unsubscribe for SubscriptionField<'_, T> {
    fn unsubscribe(&self) {
        (self.unsubscribe)(self.field);
    }
    fn is_active(&self) -> bool {
        (self.is_active)(self.field)
    }
    fn active_count(&self) -> usize {
        (self.active_count)(self.field)
    }
}

/// A `#[task]` field, known to be [`Cancel`].
#[doc(hidden)]
pub struct TaskField<'a, T: ?Sized> {
    field: &'a T,
    is_active: fn(&T) -> bool,
    cancel: fn(&T) -> usize,
    abort: fn(&T) -> Vec<String>,
    stopper: fn(&T) -> Stopper,
}

impl<T: ?Sized> Cancel for TaskField<'_, T> {
    fn is_active(&self) -> bool {
        (self.is_active)(self.field)
    }
    fn cancel(&self) -> usize {
        (self.cancel)(self.field)
    }
    fn abort(&self) -> Vec<String> {
        (self.abort)(self.field)
    }
    fn stopper(&self) -> Stopper {
        (self.stopper)(self.field)
    }
}

/// A `#[shutdown]` field, known to be [`Lifecycle`].
#[doc(hidden)]
pub struct NestedField<'a, T: ?Sized> {
    field: &'a T,
    teardown: fn(&T, &mut ShutdownCtx),
    graceful: for<'b> fn(&'b T, Graceful) -> StepFuture<'b>,
    handles_own_drop: fn(&T) -> bool,
}

impl<T: ?Sized> Lifecycle for NestedField<'_, T> {
    fn teardown(&self, ctx: &mut ShutdownCtx) {
        (self.teardown)(self.field, ctx);
    }
    fn teardown_graceful<'b>(&'b self, ctx: Graceful) -> StepFuture<'b> {
        (self.graceful)(self.field, ctx)
    }
    fn handles_own_drop(&self) -> bool {
        (self.handles_own_drop)(self.field)
    }
}
