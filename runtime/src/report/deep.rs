//! The deep walk, for when elements own heap memory too (the `String`
//! values of a `HashMap<u64, String>`): [`DeepHeap`] walks into elements,
//! counting each `Arc`/`Rc` allocation once per report. It is O(elements)
//! and runs only when asked, through [`MemoryReport::deep_report`].
//!
//! Element types without heap memory of their own (`u64`, `[u8; 16]`,
//! `(u32, f64)`) say so through [`DeepHeap::FLAT`], and collections of them
//! skip the walk: a `Vec<u64>` of a million entries is measured in O(1) even
//! here.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::rc::Rc;
use std::sync::{Arc, Mutex, RwLock};

use super::{MemoryReport, Report};

/// Shared allocations already counted in this walk.
#[derive(Debug, Default)]
pub struct Seen {
    pointers: HashSet<usize>,
    /// Not a walk at all: a struct's shallow report, which generated code
    /// builds with the same body as its deep one (see [`Seen::node`]).
    shallow: bool,
}

impl Seen {
    /// True the first time `pointer` is seen.
    pub fn first(&mut self, pointer: *const ()) -> bool {
        self.pointers.insert(pointer as usize)
    }

    /// For a generated `memory_report`: the struct's one report body runs
    /// with this, and each field gives its shallow report.
    #[doc(hidden)]
    pub fn shallow() -> Self {
        Seen { pointers: HashSet::new(), shallow: true }
    }

    /// A generated struct's shallow report: its one report body, run with
    /// [`Seen::shallow`].
    #[doc(hidden)]
    pub fn shallow_report<T: MemoryReport + DeepHeap + ?Sized>(value: &T) -> Report {
        value.deep_node(&mut Seen::shallow())
    }

    /// A generated struct's `deep_heap`: the heap of its deep report.
    #[doc(hidden)]
    pub fn heap_of<T: MemoryReport + DeepHeap + ?Sized>(&mut self, value: &T) -> usize {
        value.deep_node(self).heap_bytes()
    }

    /// A field of a generated struct whose type has both reports, under
    /// its name: the deep one in a walk, the shallow one in a
    /// [`Seen::shallow`] report. What generated code calls for a field whose
    /// type it knows.
    #[doc(hidden)]
    pub fn node<T: MemoryReport + DeepHeap + ?Sized>(&mut self, value: &T, name: &str) -> Report {
        match self.shallow {
            true => value.memory_report(),
            false => value.deep_node(self),
        }
        .named(name)
    }
}

/// Heap memory a value owns, walking into its elements. `#[lifecycle]` and
/// `#[derive(MemoryReport)]` implement it for their types too.
///
/// ```
/// use leakproof_runtime::{DeepHeap, MemoryReport};
/// use std::collections::HashMap;
///
/// let names: HashMap<u64, String> = (0..100).map(|i| (i, format!("player-{i}"))).collect();
/// let shallow = names.memory_report().heap_bytes();    // the table only, O(1)
/// let deep = names.deep_report().heap_bytes();         // and every String, O(n)
/// assert!(deep >= shallow + 100 * "player-0".len());
/// ```
pub trait DeepHeap {
    /// True when values of this type never own heap memory, so a collection
    /// of them needs no walk.
    const FLAT: bool = false;

    /// Heap bytes this value owns, elements included; shared allocations
    /// already in `seen` count 0.
    fn deep_heap(&self, seen: &mut Seen) -> usize;

    /// This value's report with deep figures, sharing `seen` with an
    /// enclosing walk. Structs override it to walk field by field.
    fn deep_node(&self, seen: &mut Seen) -> super::Report
    where
        Self: MemoryReport,
    {
        let heap = self.deep_heap(seen);
        self.memory_report().with_heap_bytes(heap).with_heap_lower_bound(false)
    }

    /// A report that walks into the elements, so their own heap memory is
    /// counted too (each `Arc`/`Rc` allocation once). O(elements), except
    /// for collections of flat types: only when asked, never on a scrape.
    fn deep_report(&self) -> super::Report
    where
        Self: MemoryReport,
    {
        self.deep_node(&mut Seen::default())
    }
}

/// `DeepHeap` for a type whose deep report is its report: nothing inside it
/// is walked (a handle such as `Subscription` or `TaskSet`). With it, the
/// macros call the type's reports directly instead of probing for them, and
/// the figures are the ones the probe gave (its shallow report).
macro_rules! deep_is_shallow {
    ($($ty:ty),*) => {$(
        impl $crate::report::DeepHeap for $ty {
            fn deep_heap(&self, _: &mut $crate::report::Seen) -> usize {
                $crate::report::MemoryReport::memory_report(self).heap_bytes()
            }

            fn deep_node(&self, _: &mut $crate::report::Seen) -> $crate::report::Report {
                $crate::report::MemoryReport::memory_report(self)
            }
        }
    )*};
}
pub(crate) use deep_is_shallow;

// Heap-free scalars get `DeepHeap` (FLAT) with their `MemoryReport`, in
// `impls.rs`, from one list.

impl<T: DeepHeap, const N: usize> DeepHeap for [T; N] {
    const FLAT: bool = T::FLAT;
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        if T::FLAT { 0 } else { self.iter().map(|v| v.deep_heap(seen)).sum() }
    }
}

impl<A: DeepHeap, B: DeepHeap> DeepHeap for (A, B) {
    const FLAT: bool = A::FLAT && B::FLAT;
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        self.0.deep_heap(seen) + self.1.deep_heap(seen)
    }
}

impl DeepHeap for String {
    fn deep_heap(&self, _: &mut Seen) -> usize {
        self.capacity()
    }
}

/// The collection's own allocation (from its shallow report) plus, unless
/// the elements are flat, what each element owns.
pub(crate) fn with_elements<'a, T: DeepHeap + 'a>(
    own: usize,
    elements: impl Iterator<Item = &'a T>,
    seen: &mut Seen,
) -> usize {
    if T::FLAT { own } else { own + elements.map(|e| e.deep_heap(seen)).sum::<usize>() }
}

macro_rules! sequence {
    ($($ty:ident),*) => {$(
        impl<T: DeepHeap> DeepHeap for $ty<T> {
            fn deep_heap(&self, seen: &mut Seen) -> usize {
                with_elements(self.memory_report().heap_bytes(), self.iter(), seen)
            }
        }
    )*};
}

sequence!(Vec, VecDeque, BinaryHeap, LinkedList, BTreeSet);

impl<T: DeepHeap, S> DeepHeap for HashSet<T, S> {
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        with_elements(self.memory_report().heap_bytes(), self.iter(), seen)
    }
}

impl<K: DeepHeap, V: DeepHeap, S> DeepHeap for HashMap<K, V, S> {
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        let own = self.memory_report().heap_bytes();
        if K::FLAT && V::FLAT {
            return own;
        }
        own + self.iter().map(|(k, v)| k.deep_heap(seen) + v.deep_heap(seen)).sum::<usize>()
    }
}

impl<K: DeepHeap, V: DeepHeap> DeepHeap for BTreeMap<K, V> {
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        let own = self.memory_report().heap_bytes();
        if K::FLAT && V::FLAT {
            return own;
        }
        own + self.iter().map(|(k, v)| k.deep_heap(seen) + v.deep_heap(seen)).sum::<usize>()
    }
}

impl<T: DeepHeap> DeepHeap for Option<T> {
    const FLAT: bool = T::FLAT;
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        self.as_ref().map_or(0, |v| v.deep_heap(seen))
    }
}

impl<T: DeepHeap> DeepHeap for Box<T> {
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        size_of::<T>() + (**self).deep_heap(seen)
    }
}

impl<T: DeepHeap> DeepHeap for Arc<T> {
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        if seen.first(Arc::as_ptr(self).cast()) {
            super::layout::rc_bytes::<T>() + (**self).deep_heap(seen)
        } else {
            0
        }
    }
}

impl<T: DeepHeap> DeepHeap for Rc<T> {
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        if seen.first(Rc::as_ptr(self).cast()) {
            super::layout::rc_bytes::<T>() + (**self).deep_heap(seen)
        } else {
            0
        }
    }
}

impl<T: DeepHeap> DeepHeap for Mutex<T> {
    /// Never blocks: a mutex held elsewhere counts its last shallow figure.
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        match self.try_lock() {
            Ok(v) => v.deep_heap(seen),
            Err(_) => super::impls::recall::<Self>(super::impls::address(self)).heap_bytes(),
        }
    }
}

impl<T: DeepHeap> DeepHeap for RwLock<T> {
    /// Never blocks: a lock held for writing counts its last shallow figure.
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        match self.try_read() {
            Ok(v) => v.deep_heap(seen),
            Err(_) => super::impls::recall::<Self>(super::impls::address(self)).heap_bytes(),
        }
    }
}
