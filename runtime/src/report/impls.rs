//! `MemoryReport` for std types and the runtime's own, and the fallback
//! that lets a struct report a field whose type has no impl.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::rc::Rc;
use std::sync::{Arc, Mutex, RwLock};

use super::layout::{array_bytes, hash_table_bytes, rc_bytes};
use super::{DeepHeap, MemoryReport, Report, Seen};
// The figures last read from a lock, kept for when it is held: a bounded
// map itself, so this cache cannot leak either.
use crate::collections::BoundedMap;

/// Wraps a field for the report: `(&Reporter(&field)).field_report()` uses
/// the field type's `MemoryReport` when it has one (this trait, tried
/// first), and [`Opaque`] otherwise.
pub struct Reporter<'a, T: ?Sized>(pub &'a T);

/// Chosen when the field's type implements `MemoryReport`.
pub trait ViaMemoryReport {
    /// The field's report.
    fn field_report(&self) -> Report;
}

impl<T: MemoryReport + ?Sized> ViaMemoryReport for Reporter<'_, T> {
    fn field_report(&self) -> Report {
        self.0.memory_report()
    }
}

/// The fallback: a type without `MemoryReport` is named but not measured.
pub trait Opaque {
    /// An unmeasured node for the field.
    fn field_report(&self) -> Report;
}

impl<T: ?Sized> Opaque for &Reporter<'_, T> {
    fn field_report(&self) -> Report {
        Report::leaf::<T>(0).unmeasured()
    }
}

/// The deep walk, in three tiers, tried in order by
/// `(&&&Reporter(&field)).deep_field_report(seen)`: [`DeepHeap`] when the
/// type has it (its elements, or a struct's fields, are walked), else the
/// shallow report, else unmeasured.
pub trait ViaDeep {
    /// The field's deep report.
    fn deep_field_report(&self, seen: &mut Seen) -> Report;
    /// The field's deep report when walking, else (a [`Seen::shallow`]
    /// report) its report, under the field's name.
    fn node(&self, name: &str, seen: &mut Seen) -> Report;
}

impl<T: MemoryReport + DeepHeap> ViaDeep for &&Reporter<'_, T> {
    fn deep_field_report(&self, seen: &mut Seen) -> Report {
        self.0.deep_node(seen)
    }
    fn node(&self, name: &str, seen: &mut Seen) -> Report {
        seen.node(self.0, name)
    }
}

/// Second tier of the deep walk: a type with no `DeepHeap` gives its
/// shallow report.
pub trait ViaDeepReport {
    /// The field's (shallow) report.
    fn deep_field_report(&self, seen: &mut Seen) -> Report;
    /// The field's (shallow) report, walking or not, under its name.
    fn node(&self, name: &str, seen: &mut Seen) -> Report;
}

impl<T: MemoryReport + ?Sized> ViaDeepReport for &Reporter<'_, T> {
    fn deep_field_report(&self, _: &mut Seen) -> Report {
        self.0.memory_report()
    }
    fn node(&self, name: &str, _: &mut Seen) -> Report {
        self.0.memory_report().named(name)
    }
}

/// Last tier of the deep walk: unmeasured.
pub trait DeepOpaque {
    /// An unmeasured node for the field.
    fn deep_field_report(&self, seen: &mut Seen) -> Report;
    /// An unmeasured node for the field, walking or not, under its name.
    fn node(&self, name: &str, seen: &mut Seen) -> Report;
}

impl<T: ?Sized> DeepOpaque for Reporter<'_, T> {
    fn deep_field_report(&self, _: &mut Seen) -> Report {
        Report::leaf::<T>(0).unmeasured()
    }
    fn node(&self, name: &str, _: &mut Seen) -> Report {
        Report::leaf::<T>(0).unmeasured().named(name)
    }
}

/// Types that never own heap memory: a zero-byte report, and a flat deep
/// walk, from one list.
macro_rules! heap_free {
    ($($ty:ty),*) => {$(
        impl MemoryReport for $ty {
            fn memory_report(&self) -> Report {
                Report::leaf::<$ty>(0)
            }
        }

        impl DeepHeap for $ty {
            const FLAT: bool = true;
            fn deep_heap(&self, _: &mut Seen) -> usize {
                0
            }
        }
    )*};
}

heap_free!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    std::time::Duration,
    std::time::Instant,
    std::time::SystemTime,
    std::sync::atomic::AtomicBool,
    std::sync::atomic::AtomicU8,
    std::sync::atomic::AtomicU16,
    std::sync::atomic::AtomicU32,
    std::sync::atomic::AtomicU64,
    std::sync::atomic::AtomicUsize,
    std::sync::atomic::AtomicI8,
    std::sync::atomic::AtomicI16,
    std::sync::atomic::AtomicI32,
    std::sync::atomic::AtomicI64,
    std::sync::atomic::AtomicIsize
);

impl MemoryReport for str {
    fn memory_report(&self) -> Report {
        Report::leaf::<str>(0)
    }
}

impl MemoryReport for String {
    fn memory_report(&self) -> Report {
        Report::leaf::<String>(self.capacity())
    }
}

impl<T, const N: usize> MemoryReport for [T; N] {
    fn memory_report(&self) -> Report {
        Report::leaf::<[T; N]>(0).elements::<T>()
    }
}

impl<T> MemoryReport for Vec<T> {
    fn memory_report(&self) -> Report {
        Report::leaf::<Self>(array_bytes::<T>(self.capacity())).with_len(self.len()).elements::<T>()
    }
}

impl<T> MemoryReport for VecDeque<T> {
    fn memory_report(&self) -> Report {
        Report::leaf::<Self>(array_bytes::<T>(self.capacity())).with_len(self.len()).elements::<T>()
    }
}

impl<T> MemoryReport for BinaryHeap<T> {
    fn memory_report(&self) -> Report {
        Report::leaf::<Self>(array_bytes::<T>(self.capacity())).with_len(self.len()).elements::<T>()
    }
}

impl<T> MemoryReport for LinkedList<T> {
    fn memory_report(&self) -> Report {
        // One node per element: the value and two links.
        Report::leaf::<Self>(
            self.len()
                * (size_of::<T>() + 2 * size_of::<usize>()).next_multiple_of(align_of::<usize>()),
        )
        .with_len(self.len())
        .elements::<T>()
    }
}

impl<K, V, S> MemoryReport for HashMap<K, V, S> {
    fn memory_report(&self) -> Report {
        let bytes = hash_table_bytes(self.capacity(), size_of::<(K, V)>(), align_of::<(K, V)>());
        Report::leaf::<Self>(bytes).with_len(self.len()).elements::<(K, V)>()
    }
}

impl<T, S> MemoryReport for HashSet<T, S> {
    fn memory_report(&self) -> Report {
        let bytes = hash_table_bytes(self.capacity(), size_of::<T>(), align_of::<T>());
        Report::leaf::<Self>(bytes).with_len(self.len()).elements::<T>()
    }
}

impl<K, V, S> MemoryReport for hashbrown::HashMap<K, V, S> {
    fn memory_report(&self) -> Report {
        let bytes = hash_table_bytes(self.capacity(), size_of::<(K, V)>(), align_of::<(K, V)>());
        Report::leaf::<Self>(bytes).with_len(self.len()).elements::<(K, V)>()
    }
}

impl<T, S> MemoryReport for hashbrown::HashSet<T, S> {
    fn memory_report(&self) -> Report {
        let bytes = hash_table_bytes(self.capacity(), size_of::<T>(), align_of::<T>());
        Report::leaf::<Self>(bytes).with_len(self.len()).elements::<T>()
    }
}

/// B-tree nodes hold up to 11 entries; without walking, the estimate
/// assumes nodes two-thirds full. Unlike the other collections this is an
/// estimate, not the allocator's figure.
fn btree_estimate(len: usize, entry: usize) -> usize {
    const PER_NODE: usize = 11;
    let nodes = (len * 3).div_ceil(PER_NODE * 2);
    nodes * (PER_NODE * entry + 2 * size_of::<usize>())
}

impl<K, V> MemoryReport for BTreeMap<K, V> {
    fn memory_report(&self) -> Report {
        Report::leaf::<Self>(btree_estimate(self.len(), size_of::<(K, V)>()))
            .with_len(self.len())
            .elements::<(K, V)>()
    }
}

impl<T> MemoryReport for BTreeSet<T> {
    fn memory_report(&self) -> Report {
        Report::leaf::<Self>(btree_estimate(self.len(), size_of::<T>()))
            .with_len(self.len())
            .elements::<T>()
    }
}

impl<T: MemoryReport> MemoryReport for Option<T> {
    fn memory_report(&self) -> Report {
        match self {
            Some(value) => value.memory_report(),
            None => Report::leaf::<Self>(0),
        }
    }
}

impl<T: MemoryReport + ?Sized> MemoryReport for Box<T> {
    fn memory_report(&self) -> Report {
        let inner = (**self).memory_report();
        let own = size_of_val::<T>(self);
        let bytes = inner.heap_bytes() + own;
        Report { heap_bytes: bytes, ..inner }
    }
}

/// The shared allocation is counted in full by every owner that reports it
/// (a `#[shared]` field is not: it is counted at its owner); the deep walk
/// (`DeepHeap`) counts it once. The node records the allocation's address,
/// so that a `#[shared]` holder can name its owner.
macro_rules! shared {
    ($($ptr:ident),*) => {$(
        impl<T: MemoryReport> MemoryReport for $ptr<T> {
            fn memory_report(&self) -> Report {
                let inner = (**self).memory_report();
                let bytes = inner.heap_bytes() + rc_bytes::<T>();
                Report { heap_bytes: bytes, ..inner }.located($ptr::as_ptr(self).cast::<()>() as usize)
            }
        }
    )*};
}

shared!(Arc, Rc);

/// The last report read through each lock, by the lock's address, for the
/// scrapes that find it held. Bounded (this is a leak-proofing crate): the
/// 4,096 locks reported most recently.
fn last_reports() -> &'static Mutex<BoundedMap<usize, Report>> {
    static LAST: std::sync::OnceLock<Mutex<BoundedMap<usize, Report>>> = std::sync::OnceLock::new();
    LAST.get_or_init(|| Mutex::new(BoundedMap::with_cap(4_096)))
}

/// Address of a lock, the key of its last report.
pub(super) fn address<T: ?Sized>(lock: &T) -> usize {
    (lock as *const T).cast::<()>() as usize
}

/// A report read through the lock at `at`: kept as its last figures.
fn remember(at: usize, report: Report) -> Report {
    let mut last = last_reports().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    last.insert(at, report.clone());
    report
}

/// The lock at `at` is held: its last figures, stale, or an unmeasured
/// stale leaf when it was never read.
pub(super) fn recall<L: ?Sized>(at: usize) -> Report {
    let last = last_reports().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match last.peek(&at) {
        Some(report) => report.clone().stale(),
        None => Report::leaf::<L>(0).unmeasured().stale(),
    }
}

/// A std lock's guard, or `None` while someone else holds it. A poisoned
/// lock still hands out its value: a panic elsewhere does not make the
/// figures wrong.
fn unpoisoned<G>(result: std::sync::TryLockResult<G>) -> Option<G> {
    match result {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// Locks report what they guard without ever blocking (so a report taken
/// on the thread that holds the lock cannot deadlock): a lock held by
/// someone else reports its last figures, marked stale. `$guard` is the
/// lock's non-blocking read, `None` when held.
macro_rules! through_lock {
    ($($(#[$cfg:meta])* $lock:ty => |$l:ident| $guard:expr;)*) => {$(
        $(#[$cfg])*
        impl<T: MemoryReport> MemoryReport for $lock {
            fn memory_report(&self) -> Report {
                let $l = self;
                let at = address(self);
                match $guard {
                    Some(inner) => remember(at, inner.memory_report()),
                    None => recall::<Self>(at),
                }
            }
        }
    )*};
}

through_lock! {
    Mutex<T> => |l| unpoisoned(l.try_lock());
    RwLock<T> => |l| unpoisoned(l.try_read());
    #[cfg(feature = "tokio")]
    tokio::sync::Mutex<T> => |l| l.try_lock().ok();
    #[cfg(feature = "tokio")]
    tokio::sync::RwLock<T> => |l| l.try_read().ok();
    #[cfg(feature = "parking_lot")]
    parking_lot::Mutex<T> => |l| l.try_lock();
    #[cfg(feature = "parking_lot")]
    parking_lot::RwLock<T> => |l| l.try_read();
}

/// tokio's channels report what is queued in them (where the type can say),
/// with the heap a lower bound: the queue's blocks are not visible.
#[cfg(feature = "tokio")]
mod channels {
    use super::{MemoryReport, Report};
    use tokio::sync::{broadcast, mpsc};

    impl<T> MemoryReport for mpsc::UnboundedReceiver<T> {
        fn memory_report(&self) -> Report {
            Report::leaf::<Self>(0).with_len(self.len()).with_heap_lower_bound(true)
        }
    }

    impl<T> MemoryReport for mpsc::Receiver<T> {
        fn memory_report(&self) -> Report {
            Report::leaf::<Self>(0)
                .with_len(self.len())
                .with_cap(self.max_capacity())
                .with_heap_lower_bound(true)
        }
    }

    impl<T> MemoryReport for mpsc::Sender<T> {
        fn memory_report(&self) -> Report {
            Report::leaf::<Self>(0)
                .with_len(self.max_capacity() - self.capacity())
                .with_cap(self.max_capacity())
                .with_heap_lower_bound(true)
        }
    }

    impl<T> MemoryReport for broadcast::Sender<T> {
        fn memory_report(&self) -> Report {
            Report::leaf::<Self>(0).with_len(self.len()).with_heap_lower_bound(true)
        }
    }
}
