//! Subscriptions: handles whose job is to be let go of.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use super::isolate::each_isolated;

/// Something that can be unsubscribed: an event-bus subscription, a group of
/// them, or a handle from another system (a message-broker subscriber).
///
/// `#[subscription]` fields need this trait; implement it for your own
/// handles to have `shutdown()` release them.
///
/// ```
/// use leakproof_runtime::Unsubscribe;
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// struct BrokerSubscriber { open: AtomicBool }
///
/// impl Unsubscribe for BrokerSubscriber {
///     fn unsubscribe(&self) {
///         // a second call finds it closed and does nothing
///         if self.open.swap(false, Ordering::SeqCst) {
///             // tell the broker...
///         }
///     }
///     fn is_active(&self) -> bool {
///         self.open.load(Ordering::SeqCst)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be unsubscribed: `#[subscription]` fields need `leakproof::Unsubscribe`",
    label = "not `Unsubscribe`",
    note = "use `Subscription` or `Subscriptions`, or implement `leakproof::Unsubscribe` for your handle"
)]
pub trait Unsubscribe {
    /// Ends the subscription. Must be idempotent: a second call does nothing.
    fn unsubscribe(&self);

    /// True until the subscription has ended.
    fn is_active(&self) -> bool;

    /// How many handlers this holds that are still subscribed (1 or 0 for a
    /// single subscription); shutdown reports count these.
    fn active_count(&self) -> usize {
        usize::from(self.is_active())
    }
}

/// What a [`Subscription`] wraps: how to end it and whether it has ended.
pub(crate) trait Handle: Send + Sync {
    fn unsubscribe(&self);
    fn is_active(&self) -> bool;
}

/// One subscription. Dropping it unsubscribes (RAII); so does
/// [`unsubscribe`](Unsubscribe::unsubscribe), which may be called any number
/// of times.
///
/// ```
/// use leakproof_runtime::{Subscription, Unsubscribe};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let calls = Arc::new(AtomicUsize::new(0));
/// let counted = Arc::clone(&calls);
/// let sub = Subscription::from_fn(move || { counted.fetch_add(1, Ordering::SeqCst); });
/// assert!(sub.is_active());
/// sub.unsubscribe();
/// sub.unsubscribe();
/// assert!(!sub.is_active());
/// assert_eq!(calls.load(Ordering::SeqCst), 1);
/// ```
#[must_use = "dropping a Subscription unsubscribes it at once"]
pub struct Subscription {
    handle: Option<Box<dyn Handle>>,
}

impl Subscription {
    pub(crate) fn new(handle: impl Handle + 'static) -> Self {
        Subscription { handle: Some(Box::new(handle)) }
    }

    /// Wraps any external unsubscribe action; it runs once, on the first
    /// `unsubscribe()` or on drop.
    pub fn from_fn(unsubscribe: impl FnOnce() + Send + 'static) -> Self {
        Subscription::new(FnHandle(Mutex::new(Some(Box::new(unsubscribe)))))
    }

    /// A subscription that is already ended (a placeholder value).
    pub fn ended() -> Self {
        Subscription { handle: None }
    }
}

impl Unsubscribe for Subscription {
    fn unsubscribe(&self) {
        if let Some(handle) = &self.handle {
            handle.unsubscribe();
        }
    }

    fn is_active(&self) -> bool {
        self.handle.as_ref().is_some_and(|handle| handle.is_active())
    }
}

impl Default for Subscription {
    /// An ended subscription, so structs holding one can derive `Default`.
    fn default() -> Self {
        Subscription::ended()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // A second panic while unwinding would abort the process: an
            // unsubscribe that fails now is lost, not fatal.
            let _ = catch_unwind(AssertUnwindSafe(|| self.unsubscribe()));
        } else {
            self.unsubscribe();
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription").field("active", &self.is_active()).finish()
    }
}

type Action = Box<dyn FnOnce() + Send>;

struct FnHandle(Mutex<Option<Action>>);

impl Handle for FnHandle {
    fn unsubscribe(&self) {
        // Take the action out before running it, so a panic in it cannot
        // poison the lock for the next caller.
        let action = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(action) = action {
            action();
        }
    }

    fn is_active(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }
}

/// A group of subscriptions, ended together: what a service that subscribes
/// to several event types keeps in one `#[subscription]` field.
///
/// Ending the group empties it, so a group that was shut down holds nothing.
#[derive(Default)]
pub struct Subscriptions {
    subs: Mutex<Vec<Subscription>>,
}

impl Subscriptions {
    /// An empty group.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a subscription to the group (through `&self`, so services behind
    /// an `Arc` can subscribe as they go). Ended subscriptions are dropped
    /// from the group as new ones arrive, so it does not grow with churn.
    pub fn push(&self, sub: Subscription) {
        let mut subs = self.lock();
        let mut ended = Vec::new();
        if subs.len() == subs.capacity() {
            // In place, keeping the list's allocation; the ended ones move out.
            ended.extend(subs.extract_if(.., |sub| !sub.is_active()));
        }
        subs.push(sub);
        drop(subs);
        // Dropped unlocked: a subscription's drop runs its unsubscribe.
        drop(ended);
    }

    /// Subscriptions held (active or not yet pruned).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Bytes the group's list allocates (the handles themselves).
    pub fn heap_bytes(&self) -> usize {
        self.lock().capacity() * size_of::<Subscription>()
    }

    /// True when the group holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Subscription>> {
        self.subs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Unsubscribe for Subscriptions {
    fn unsubscribe(&self) {
        // Out of the lock first: a handler's unsubscribe may touch the group.
        let subs = std::mem::take(&mut *self.lock());
        let failures = each_isolated(&subs, |sub| sub.unsubscribe());
        drop(subs);
        failures.resume();
    }

    fn is_active(&self) -> bool {
        self.lock().iter().any(Subscription::is_active)
    }

    fn active_count(&self) -> usize {
        self.lock().iter().filter(|s| s.is_active()).count()
    }
}

impl Extend<Subscription> for Subscriptions {
    fn extend<I: IntoIterator<Item = Subscription>>(&mut self, iter: I) {
        for sub in iter {
            self.push(sub);
        }
    }
}

impl FromIterator<Subscription> for Subscriptions {
    fn from_iter<I: IntoIterator<Item = Subscription>>(iter: I) -> Self {
        let mut group = Subscriptions::new();
        group.extend(iter);
        group
    }
}

impl fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriptions")
            .field("len", &self.len())
            .field("active", &self.active_count())
            .finish()
    }
}

/// Pointers a subscription is commonly kept behind forward to it.
macro_rules! forward_unsubscribe {
    ($($ptr:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: Unsubscribe + ?Sized> Unsubscribe for $ptr {
            fn unsubscribe(&self) {
                (**self).unsubscribe();
            }
            fn is_active(&self) -> bool {
                (**self).is_active()
            }
            fn active_count(&self) -> usize {
                (**self).active_count()
            }
        }
    )*};
}

forward_unsubscribe!(Box<T>, std::sync::Arc<T>, std::rc::Rc<T>);

#[diagnostic::do_not_recommend]
impl<T: Unsubscribe> Unsubscribe for Option<T> {
    fn unsubscribe(&self) {
        if let Some(inner) = self {
            inner.unsubscribe();
        }
    }
    fn is_active(&self) -> bool {
        self.as_ref().is_some_and(T::is_active)
    }
    fn active_count(&self) -> usize {
        self.as_ref().map_or(0, T::active_count)
    }
}

impl crate::audit::TeardownResource for Subscription {}
impl crate::audit::TeardownResource for Subscriptions {}

impl crate::report::MemoryReport for Subscription {
    fn memory_report(&self) -> crate::report::Report {
        crate::report::Report::leaf::<Self>(0)
            .with_len(self.active_count())
            .with_kind(crate::report::Kind::Subscription)
    }
}

crate::report::deep_is_shallow!(Subscription, Subscriptions);

impl crate::report::MemoryReport for Subscriptions {
    fn memory_report(&self) -> crate::report::Report {
        crate::report::Report::leaf::<Self>(self.heap_bytes())
            .with_len(self.active_count())
            .with_kind(crate::report::Kind::Subscription)
    }
}
