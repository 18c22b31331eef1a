//! Shutdown: the [`Lifecycle`] trait `#[lifecycle]` implements, the
//! [`Unsubscribe`] and [`Cancel`] traits its teardown fields need, and the
//! [`ShutdownReport`] it returns.
//!
//! This module knows no concrete bus or task type: those implement its
//! traits (see `events` and `tasks`).

mod containers;
mod ctx;
mod isolate;
mod report;
mod subscription;

pub use ctx::{ShutdownCtx, Stopper};
pub use report::{Outcome, ShutdownReport, Step, StepKind};
pub use subscription::{Subscription, Subscriptions, Unsubscribe};

pub(crate) use containers::through_collection;
pub(crate) use ctx::Mode;
pub(crate) use isolate::each_isolated;
pub(crate) use subscription::Handle;

/// A component that can be shut down: what `#[lifecycle]` implements.
///
/// `shutdown()` runs the `on_shutdown` hook, then tears the teardown fields
/// down in reverse declaration order, each step isolated. It is idempotent
/// without any hidden state: a field that is no longer active is skipped and
/// reported as already done. It works through `Arc<Self>`.
pub trait Lifecycle {
    /// Records this component's steps into `ctx`. Generated; implement it by
    /// hand only for components without `#[lifecycle]`.
    fn teardown(&self, ctx: &mut ShutdownCtx);

    /// True when no teardown field is still active (nested components:
    /// when they are shut down). Provided: it runs `teardown` in a probe
    /// mode that touches nothing.
    fn is_shut_down(&self) -> bool {
        ShutdownCtx::probe(|ctx| self.teardown(ctx)).1.is_empty()
    }

    /// The paths of the teardown fields still active, e.g. for a warning.
    fn live_fields(&self) -> Vec<String> {
        ShutdownCtx::probe(|ctx| self.teardown(ctx)).1
    }

    /// True when dropping this value reports or shuts down what it still
    /// holds on its own (`#[lifecycle(drop = "warn")]` or `"shutdown"`), so a
    /// component that holds it leaves it out of its own drop warning instead
    /// of naming it a second time. Generated; false by default.
    fn handles_own_drop(&self) -> bool {
        false
    }

    /// Shuts down now: unsubscribes, cancels and aborts tasks (nothing is
    /// awaited), shuts down nested components.
    fn shutdown(&self) -> ShutdownReport {
        let mut ctx = ShutdownCtx::new(Mode::Now);
        self.teardown(&mut ctx);
        ctx.into_report()
    }

    /// Shuts down gracefully: everything `shutdown()` does, except that
    /// tasks are cancelled all at once and then awaited together for at most
    /// `grace`; the ones still running then are aborted and reported by name.
    /// The returned future borrows nothing (the walk happens before it is
    /// returned), so it can be spawned.
    #[cfg(feature = "tokio")]
    fn shutdown_graceful(
        &self,
        grace: std::time::Duration,
    ) -> impl std::future::Future<Output = ShutdownReport> + Send + 'static
    where
        Self: Sized,
    {
        let mut ctx = ShutdownCtx::new(Mode::Graceful);
        self.teardown(&mut ctx);
        ctx.finish(grace)
    }
}

/// What a `#[task]` field must implement: a task or set of tasks that can be
/// signalled, awaited and aborted. Implemented by `TaskSet`, `TaskHandle` and
/// tokio's `JoinHandle` (feature `tokio`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a task `shutdown()` can cancel: `#[task]` fields need `leakproof::Cancel`",
    label = "not a cancellable task",
    note = "use `leakproof::TaskSet` or `leakproof::TaskHandle` (feature `tokio`), or a `tokio::task::JoinHandle`"
)]
pub trait Cancel {
    /// True while some task is running (or could still be spawned into it).
    fn is_active(&self) -> bool;
    /// Signals every task to stop; returns how many were signalled.
    fn cancel(&self) -> usize;
    /// Aborts the tasks still running; returns their names.
    fn abort(&self) -> Vec<String>;
    /// Owned handles to await completion and abort later.
    fn stopper(&self) -> Stopper;
}

macro_rules! forward_lifecycle {
    ($($ty:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: Lifecycle + ?Sized> Lifecycle for $ty {
            fn teardown(&self, ctx: &mut ShutdownCtx) {
                (**self).teardown(ctx);
            }
        }
    )*};
}

forward_lifecycle!(&T, std::rc::Rc<T>);

#[diagnostic::do_not_recommend]
impl<T: Lifecycle + ?Sized> Lifecycle for Box<T> {
    fn teardown(&self, ctx: &mut ShutdownCtx) {
        (**self).teardown(ctx);
    }
    fn handles_own_drop(&self) -> bool {
        (**self).handles_own_drop()
    }
}

#[diagnostic::do_not_recommend]
impl<T: Lifecycle + ?Sized> Lifecycle for std::sync::Arc<T> {
    fn teardown(&self, ctx: &mut ShutdownCtx) {
        (**self).teardown(ctx);
    }
    /// Only the last `Arc` drops the component.
    fn handles_own_drop(&self) -> bool {
        std::sync::Arc::strong_count(self) == 1 && (**self).handles_own_drop()
    }
}

#[diagnostic::do_not_recommend]
impl<T: Lifecycle> Lifecycle for Option<T> {
    fn teardown(&self, ctx: &mut ShutdownCtx) {
        if let Some(inner) = self {
            inner.teardown(ctx);
        }
    }
    fn handles_own_drop(&self) -> bool {
        self.as_ref().is_some_and(T::handles_own_drop)
    }
}
