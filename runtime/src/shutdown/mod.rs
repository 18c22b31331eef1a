//! Shutdown: the [`Lifecycle`] trait `#[lifecycle]` implements, the
//! [`Unsubscribe`] and [`Cancel`] traits its teardown fields need, and the
//! [`ShutdownReport`] it returns.
//!
//! This module knows no concrete bus or task type: those implement its
//! traits ([`EventBus`](crate::EventBus)'s subscriptions are
//! [`Unsubscribe`]; with the `tokio` feature, `TaskSet` and `TaskHandle` are
//! [`Cancel`]).

mod containers;
mod ctx;
mod field;
mod graceful;
mod hook;
mod isolate;
mod reloadable;
mod shutdown_report;
#[cfg(feature = "tokio")]
mod signal;
mod subscription;

pub use ctx::{ShutdownCtx, Stopper};
// Plumbing for the generated code, named through `__private`.
#[doc(hidden)]
pub use field::{Field, NestedField, SubscriptionField, TaskField};
pub use graceful::Graceful;
#[doc(hidden)]
pub use graceful::{Ordered, StepFuture, Unordered, Walk};
// Plumbing for the generated code, named through `__private`.
#[doc(hidden)]
pub use hook::{AsyncHook, AsyncTag, HookCall, HookFuture, HookOutput, HookRun, SyncHook, SyncTag};
pub use reloadable::Reloadable;
pub use shutdown_report::{Outcome, ShutdownReport, Step, StepKind};
#[cfg(feature = "tokio")]
pub use signal::shutdown_on_signal;
pub use subscription::{Subscription, Subscriptions, Unsubscribe};

pub(crate) use containers::through_collection;
pub(crate) use ctx::Mode;
pub(crate) use graceful::members as graceful_members;
pub(crate) use isolate::each_isolated;
pub(crate) use subscription::Handle;

/// A component that can be shut down: what `#[lifecycle]` implements.
///
/// `shutdown()` tears the teardown fields down in reverse declaration order,
/// then runs the `on_shutdown` hook, each step isolated. It is idempotent
/// without any hidden state: a field that is no longer active is skipped and
/// reported as already done. It works through `Arc<Self>`.
pub trait Lifecycle {
    /// Records this component's steps into `ctx`. Generated; implement it by
    /// hand only for components without `#[lifecycle]`.
    fn teardown(&self, ctx: &mut ShutdownCtx);

    /// This component's graceful teardown, each step awaited before the
    /// next. Generated for `Sync` components; the default walks
    /// [`teardown`](Self::teardown) at once and then awaits the tasks it
    /// cancelled together, which is what a component implemented by hand,
    /// or one that is not `Sync`, gets.
    fn teardown_graceful<'a>(&'a self, ctx: Graceful) -> StepFuture<'a> {
        graceful::fallback(self, ctx)
    }

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

    /// Shuts down gracefully, in order: the same steps as `shutdown()`,
    /// each awaited before the next. A `#[task]` field is cancelled and its
    /// tasks awaited (up to its own `grace`, if it has one) before the field
    /// declared above it starts; a `#[shutdown]` field's whole subtree (its
    /// fields, its tasks, its hook) finishes before its earlier siblings
    /// start; an async `on_shutdown` hook is awaited. Everything ends within
    /// `grace`: a task still running at its deadline is aborted and named in
    /// the report, a hook still running is dropped and reported as timed out,
    /// and the steps after it still run.
    ///
    /// A second call while one is running waits for it and returns its
    /// report. The future borrows `self`; see
    /// [`shutdown_graceful_owned`](Self::shutdown_graceful_owned) for one
    /// that can be spawned.
    #[cfg(feature = "tokio")]
    fn shutdown_graceful(
        &self,
        grace: std::time::Duration,
    ) -> impl std::future::Future<Output = ShutdownReport> + Send + '_
    where
        Self: Sized,
    {
        graceful::run(self, grace, Default::default())
    }

    /// [`shutdown_graceful`](Self::shutdown_graceful) for a component held
    /// in an `Arc`: the future owns its `Arc`, so it is `'static` and can be
    /// spawned.
    #[cfg(feature = "tokio")]
    fn shutdown_graceful_owned(
        self: std::sync::Arc<Self>,
        grace: std::time::Duration,
    ) -> impl std::future::Future<Output = ShutdownReport> + Send + 'static
    where
        Self: Sized + Send + Sync + 'static,
    {
        async move { graceful::run(&*self, grace, Default::default()).await }
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
            fn teardown_graceful<'a>(&'a self, ctx: Graceful) -> StepFuture<'a> {
                (**self).teardown_graceful(ctx)
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
    fn teardown_graceful<'a>(&'a self, ctx: Graceful) -> StepFuture<'a> {
        (**self).teardown_graceful(ctx)
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
    fn teardown_graceful<'a>(&'a self, ctx: Graceful) -> StepFuture<'a> {
        (**self).teardown_graceful(ctx)
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
    fn teardown_graceful<'a>(&'a self, ctx: Graceful) -> StepFuture<'a> {
        match self {
            Some(inner) => inner.teardown_graceful(ctx),
            None => Box::pin(std::future::ready(())),
        }
    }
    fn handles_own_drop(&self) -> bool {
        self.as_ref().is_some_and(T::handles_own_drop)
    }
}
