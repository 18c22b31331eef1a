//! [`Reloadable`]: a component a hot reload replaces while the rest of the
//! service keeps running.

use std::sync::{Arc, PoisonError, RwLock};

use super::graceful::{Graceful, StepFuture};
use super::{Lifecycle, ShutdownCtx};
use crate::report::{MemoryReport, Report};

/// A slot holding the current instance of a component that a hot reload
/// replaces, as a `#[shutdown]` field of the struct that owns it: the
/// generated shutdown reaches whatever instance is current at that moment,
/// and the memory report reports it.
///
/// A reload starts the new instance, puts it in the slot, and shuts the old
/// one down: `reload` does all of it (feature `tokio`), or
/// [`replace`](Self::replace) hands the old one back for the caller to shut
/// down. Readers take [`current`](Self::current), an `Arc` they may keep
/// across the swap; the slot's lock is held only to clone or swap that
/// `Arc`, never across an await.
///
/// ```
/// use std::sync::Arc;
/// use leakproof_runtime::{EventBus, Lifecycle, Reloadable, ShutdownCtx, Subscription};
///
/// // What `#[lifecycle]` generates for `struct Chat { #[subscription] on_line: Subscription }`,
/// // written by hand.
/// struct Chat { on_line: Subscription }
/// impl Lifecycle for Chat {
///     fn teardown(&self, ctx: &mut ShutdownCtx) {
///         ctx.component("Chat", self, |ctx| ctx.unsubscribe("on_line", &self.on_line));
///     }
/// }
///
/// // `#[lifecycle] struct Server { #[shutdown] chat: Reloadable<Chat> }`
/// struct Server { chat: Reloadable<Chat> }
/// impl Lifecycle for Server {
///     fn teardown(&self, ctx: &mut ShutdownCtx) {
///         ctx.component("Server", self, |ctx| ctx.nested("chat", &self.chat));
///     }
/// }
///
/// let bus = EventBus::new();
/// let start = |bus: &EventBus| Arc::new(Chat { on_line: bus.subscribe(|_: &String| {}) });
/// let server = Server { chat: Reloadable::new(start(&bus)) };
///
/// // A reload: the new instance in, the old one shut down.
/// let old = server.chat.replace(start(&bus));
/// assert!(old.shutdown().is_clean());
/// assert_eq!(bus.subscriber_count::<String>(), 1);
///
/// // The server's shutdown reaches the current instance.
/// assert!(server.shutdown().is_clean());
/// assert_eq!(bus.subscriber_count::<String>(), 0);
/// ```
pub struct Reloadable<T: ?Sized> {
    current: RwLock<Arc<T>>,
}

impl<T: ?Sized> Reloadable<T> {
    /// A slot holding `first`.
    pub fn new(first: Arc<T>) -> Self {
        Reloadable { current: RwLock::new(first) }
    }

    /// The instance in the slot now.
    pub fn current(&self) -> Arc<T> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Puts `fresh` in the slot; returns the instance it replaced, which the
    /// caller shuts down (the slot's shutdown no longer reaches it).
    pub fn replace(&self, fresh: Arc<T>) -> Arc<T> {
        let mut slot = self.current.write().unwrap_or_else(PoisonError::into_inner);
        std::mem::replace(&mut *slot, fresh)
    }
}

#[cfg(feature = "tokio")]
impl<T: Lifecycle + Send + Sync + 'static> Reloadable<T> {
    /// Puts `fresh` in the slot and shuts the old instance down gracefully
    /// within `grace`; returns that shutdown's report.
    pub async fn reload(&self, fresh: Arc<T>, grace: std::time::Duration) -> super::ShutdownReport {
        self.replace(fresh).shutdown_graceful_owned(grace).await
    }
}

impl<T: ?Sized> std::fmt::Debug for Reloadable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reloadable { .. }")
    }
}

/// Shuts down the instance current when the shutdown reaches the field.
impl<T: Lifecycle + Send + Sync + ?Sized> Lifecycle for Reloadable<T> {
    fn teardown(&self, ctx: &mut ShutdownCtx) {
        self.current().teardown(ctx);
    }

    fn teardown_graceful<'a>(&'a self, ctx: Graceful) -> StepFuture<'a> {
        let current = self.current();
        Box::pin(async move { current.teardown_graceful(ctx).await })
    }

    fn handles_own_drop(&self) -> bool {
        let current = self.current();
        Arc::strong_count(&current) == 2 && current.handles_own_drop()
    }
}

/// Reports the current instance.
impl<T: MemoryReport> MemoryReport for Reloadable<T> {
    fn memory_report(&self) -> Report {
        self.current().memory_report()
    }
}

impl<T: crate::audit::TeardownResource + ?Sized> crate::audit::TeardownResource for Reloadable<T> {}
