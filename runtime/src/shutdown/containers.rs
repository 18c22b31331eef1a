//! [`Unsubscribe`], [`Cancel`] and [`Lifecycle`] through the containers that
//! hold teardown resources in real services: `Vec`, `VecDeque`, a map's
//! values, `Option`, `Box`/`Arc`/`Rc`, `RefCell`, and std, parking_lot and
//! tokio locks: every wrapper the audit sees a teardown resource through.
//!
//! Why: the audit calls `Mutex<HashMap<u64, Subscription>>` a teardown
//! resource, so the fix its message names (`#[subscription]`) must compile
//! and must really unsubscribe every value. Each member is torn down in
//! isolation: one that panics does not stop the others, and the failures are
//! reported together (see `isolate`).
//!
//! Locks are taken for the duration of the step (a poisoned std lock is
//! used anyway: shutdown must still release what it holds). A tokio lock is
//! never blocked on inside a runtime: if it is held at that instant, the step
//! fails with a message saying so, and `is_active` counts it as active, so a
//! later shutdown retries.

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::ctx::Stopper;
use super::{Cancel, Lifecycle, ShutdownCtx, Unsubscribe};

/// Implements the three teardown traits for a collection, given how to list
/// its members. Members are torn down last first (the newest first, as
/// fields are), and a nested component in a collection is named by its
/// position: `sessions.0`, `sessions.1`, ...
macro_rules! through_collection {
    ($([$($gen:tt)*] $ty:ty => |$c:ident| $members:expr;)*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: $crate::shutdown::Unsubscribe, $($gen)*> $crate::shutdown::Unsubscribe for $ty {
            fn unsubscribe(&self) {
                let $c = self;
                let members: Vec<&T> = $members.collect();
                $crate::shutdown::each_isolated(members.into_iter().rev(), T::unsubscribe)
                    .resume();
            }
            fn is_active(&self) -> bool {
                let $c = self;
                $members.any(T::is_active)
            }
            fn active_count(&self) -> usize {
                let $c = self;
                $members.map(T::active_count).sum()
            }
        }

        #[diagnostic::do_not_recommend]
        impl<T: $crate::shutdown::Cancel, $($gen)*> $crate::shutdown::Cancel for $ty {
            fn is_active(&self) -> bool {
                let $c = self;
                $members.any(T::is_active)
            }
            fn cancel(&self) -> usize {
                let $c = self;
                let mut cancelled = 0;
                $crate::shutdown::each_isolated($members, |task: &T| cancelled += task.cancel())
                    .resume();
                cancelled
            }
            fn abort(&self) -> Vec<String> {
                let $c = self;
                let mut names = Vec::new();
                $crate::shutdown::each_isolated($members, |task: &T| names.extend(task.abort()))
                    .resume();
                names
            }
            fn stopper(&self) -> $crate::shutdown::Stopper {
                let $c = self;
                $crate::shutdown::Stopper::all($members.map(T::stopper).collect())
            }
        }

        #[diagnostic::do_not_recommend]
        impl<T: $crate::shutdown::Lifecycle, $($gen)*> $crate::shutdown::Lifecycle for $ty {
            fn teardown(&self, ctx: &mut $crate::shutdown::ShutdownCtx) {
                let $c = self;
                let members: Vec<&T> = $members.collect();
                for (index, member) in members.iter().enumerate().rev() {
                    ctx.nested(&index.to_string(), *member);
                }
            }
            /// Each member in turn, the newest first. The members' futures
            /// are asked for up front (holding them needs no `T: Sync`);
            /// each does nothing until awaited.
            fn teardown_graceful<'a>(
                &'a self,
                ctx: $crate::shutdown::Graceful,
            ) -> $crate::shutdown::StepFuture<'a> {
                let $c = self;
                let members: Vec<&T> = $members.collect();
                let steps: Vec<_> = members
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(index, member)| (index.to_string(), *member))
                    .collect();
                $crate::shutdown::graceful_members(ctx, steps)
            }
        }
    )*};
}

pub(crate) use through_collection;

through_collection! {
    [] Vec<T> => |c| c.iter();
    [] VecDeque<T> => |c| c.iter();
    [K, S] HashMap<K, T, S> => |c| c.values();
    [K] BTreeMap<K, T> => |c| c.values();
}

/// Implements the three teardown traits for a lock, given how to reach the
/// value inside it (`$get` returns something that derefs to `T`).
macro_rules! through_lock {
    ($($(#[$cfg:meta])* $ty:ty => |$l:ident| $get:expr;)*) => {$(
        $(#[$cfg])*
        #[diagnostic::do_not_recommend]
        impl<T: Unsubscribe + ?Sized> Unsubscribe for $ty {
            fn unsubscribe(&self) {
                let $l = self;
                $get.unsubscribe();
            }
            fn is_active(&self) -> bool {
                let $l = self;
                $get.is_active()
            }
            fn active_count(&self) -> usize {
                let $l = self;
                $get.active_count()
            }
        }

        $(#[$cfg])*
        #[diagnostic::do_not_recommend]
        impl<T: Cancel + ?Sized> Cancel for $ty {
            fn is_active(&self) -> bool {
                let $l = self;
                $get.is_active()
            }
            fn cancel(&self) -> usize {
                let $l = self;
                $get.cancel()
            }
            fn abort(&self) -> Vec<String> {
                let $l = self;
                $get.abort()
            }
            fn stopper(&self) -> Stopper {
                let $l = self;
                $get.stopper()
            }
        }

        $(#[$cfg])*

        #[diagnostic::do_not_recommend]
        impl<T: Lifecycle + ?Sized> Lifecycle for $ty {
            fn teardown(&self, ctx: &mut ShutdownCtx) {
                let $l = self;
                $get.teardown(ctx);
            }
        }
    )*};
}

through_lock! {
    std::sync::Mutex<T> => |l| l.lock().unwrap_or_else(|e| e.into_inner());
    std::sync::RwLock<T> => |l| l.read().unwrap_or_else(|e| e.into_inner());
    std::cell::RefCell<T> => |l| l.borrow();
    #[cfg(feature = "parking_lot")]
    parking_lot::Mutex<T> => |l| l.lock();
    #[cfg(feature = "parking_lot")]
    parking_lot::RwLock<T> => |l| l.read();
}

/// tokio's locks: blocked on only outside a runtime; inside one, a held lock
/// fails the step (and counts as active) instead of stalling the executor.
#[cfg(feature = "tokio")]
mod tokio_locks {
    use super::{Cancel, Lifecycle, ShutdownCtx, Stopper, Unsubscribe};
    use crate::shutdown::{Graceful, StepFuture};

    const HELD: &str = "the field's tokio lock was held by another task at shutdown; shut down again once it is released (or use `shutdown_graceful`)";
    const STILL_HELD: &str =
        "the field's tokio lock was still held by another task at the shutdown's deadline";

    fn in_runtime() -> bool {
        tokio::runtime::Handle::try_current().is_ok()
    }

    fn mutex<T: ?Sized>(lock: &tokio::sync::Mutex<T>) -> Option<tokio::sync::MutexGuard<'_, T>> {
        if in_runtime() { lock.try_lock().ok() } else { Some(lock.blocking_lock()) }
    }

    fn read<T: ?Sized>(
        lock: &tokio::sync::RwLock<T>,
    ) -> Option<tokio::sync::RwLockReadGuard<'_, T>> {
        if in_runtime() { lock.try_read().ok() } else { Some(lock.blocking_read()) }
    }

    macro_rules! through_tokio_lock {
        ($ty:ty => $get:ident, $wait:ident) => {
            #[diagnostic::do_not_recommend]
            impl<T: Unsubscribe + ?Sized> Unsubscribe for $ty {
                fn unsubscribe(&self) {
                    $get(self).expect(HELD).unsubscribe();
                }
                fn is_active(&self) -> bool {
                    $get(self).is_none_or(|inner| inner.is_active())
                }
                fn active_count(&self) -> usize {
                    $get(self).map_or(1, |inner| inner.active_count())
                }
            }

            #[diagnostic::do_not_recommend]
            impl<T: Cancel + ?Sized> Cancel for $ty {
                fn is_active(&self) -> bool {
                    $get(self).is_none_or(|inner| inner.is_active())
                }
                fn cancel(&self) -> usize {
                    $get(self).expect(HELD).cancel()
                }
                fn abort(&self) -> Vec<String> {
                    $get(self).expect(HELD).abort()
                }
                fn stopper(&self) -> Stopper {
                    $get(self).expect(HELD).stopper()
                }
            }

            /// The graceful walk waits for the lock (up to the deadline)
            /// and holds it while the component inside shuts down, which
            /// needs `T: Send + Sync` for the future to be `Send`.
            #[diagnostic::do_not_recommend]
            impl<T: Lifecycle + Send + Sync + ?Sized> Lifecycle for $ty {
                fn teardown(&self, ctx: &mut ShutdownCtx) {
                    $get(self).expect(HELD).teardown(ctx);
                }
                fn teardown_graceful<'a>(&'a self, ctx: Graceful) -> StepFuture<'a> {
                    Box::pin(async move {
                        let guard = ctx.wait(self.$wait()).await.expect(STILL_HELD);
                        guard.teardown_graceful(ctx).await;
                    })
                }
            }
        };
    }

    through_tokio_lock!(tokio::sync::Mutex<T> => mutex, lock);
    through_tokio_lock!(tokio::sync::RwLock<T> => read, read);
}

/// `Cancel` through the pointers and `Option` (the other two traits have
/// these impls beside their definitions).
macro_rules! cancel_through_pointer {
    ($($ptr:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: Cancel + ?Sized> Cancel for $ptr {
            fn is_active(&self) -> bool {
                (**self).is_active()
            }
            fn cancel(&self) -> usize {
                (**self).cancel()
            }
            fn abort(&self) -> Vec<String> {
                (**self).abort()
            }
            fn stopper(&self) -> Stopper {
                (**self).stopper()
            }
        }
    )*};
}

cancel_through_pointer!(Box<T>, std::sync::Arc<T>, std::rc::Rc<T>);

#[diagnostic::do_not_recommend]
impl<T: Cancel> Cancel for Option<T> {
    fn is_active(&self) -> bool {
        self.as_ref().is_some_and(T::is_active)
    }
    fn cancel(&self) -> usize {
        self.as_ref().map_or(0, T::cancel)
    }
    fn abort(&self) -> Vec<String> {
        self.as_ref().map(T::abort).unwrap_or_default()
    }
    fn stopper(&self) -> Stopper {
        self.as_ref().map_or_else(|| Stopper::all(Vec::new()), T::stopper)
    }
}
