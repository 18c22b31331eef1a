//! [`EventBus`]: typed publish/subscribe whose subscriptions end on drop.
//!
//! Why the design: publishing takes a snapshot of the handler list (one
//! `Arc` clone under a short lock) and calls the handlers with no lock held,
//! so a handler may subscribe, unsubscribe or publish without deadlock.
//! Unsubscribing marks the entry inactive and frees its slot: O(1), and a
//! publish already under way skips it from then on. Each handler runs under
//! `catch_unwind`, so one that panics is counted and the others still run.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};

use crate::shutdown::{Handle, Subscription};

type Handler<E> = Box<dyn Fn(&E) -> bool + Send + Sync>;

/// One subscriber. `call` returns false when a weak owner is gone.
struct Entry<E> {
    call: Handler<E>,
    active: AtomicBool,
    /// For weak subscriptions: is the owner still alive?
    owner_alive: Option<Box<dyn Fn() -> bool + Send + Sync>>,
}

impl<E> Entry<E> {
    fn is_live(&self) -> bool {
        self.active.load(Ordering::Acquire) && self.owner_alive.as_ref().is_none_or(|alive| alive())
    }
}

struct SlotInner<E> {
    entries: Vec<Option<Arc<Entry<E>>>>,
    free: Vec<usize>,
    /// Occupied entries (live or with a dead weak owner not yet pruned).
    occupied: usize,
    weak: usize,
    /// The handler list publishers iterate; rebuilt after a change.
    snapshot: Option<Arc<[Arc<Entry<E>>]>>,
}

/// The subscribers of one event type.
struct Slot<E> {
    name: &'static str,
    inner: Mutex<SlotInner<E>>,
    panics: AtomicU64,
}

impl<E: 'static> Slot<E> {
    fn lock(&self) -> MutexGuard<'_, SlotInner<E>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn snapshot(&self) -> Arc<[Arc<Entry<E>>]> {
        let mut inner = self.lock();
        if let Some(snapshot) = &inner.snapshot {
            return Arc::clone(snapshot);
        }
        let snapshot: Arc<[Arc<Entry<E>>]> = inner.entries.iter().flatten().cloned().collect();
        inner.snapshot = Some(Arc::clone(&snapshot));
        snapshot
    }

    /// Takes entry `index` out of the slot. What it returns (the entry and
    /// the stale snapshot) may hold the last reference to a user's handler:
    /// the caller drops it after unlocking, since dropping a handler runs user
    /// code (a captured `Subscription` unsubscribes, and takes this lock).
    #[must_use = "drop the removed entry after unlocking the slot"]
    fn remove(inner: &mut SlotInner<E>, index: usize) -> Garbage<E> {
        let entry = inner.entries[index].take();
        if let Some(entry) = &entry {
            entry.active.store(false, Ordering::Release);
            inner.free.push(index);
            inner.occupied -= 1;
            if entry.owner_alive.is_some() {
                inner.weak -= 1;
            }
        }
        let snapshot = if entry.is_some() { inner.snapshot.take() } else { None };
        (entry, snapshot)
    }

    /// Drops weak entries whose owner is gone: O(entries), only when some
    /// weak subscriptions exist. Returns the live count.
    fn prune(&self) -> usize {
        let mut garbage = Vec::new();
        let mut inner = self.lock();
        if inner.weak > 0 {
            for index in 0..inner.entries.len() {
                let dead = inner.entries[index].as_ref().is_some_and(|e| !e.is_live());
                if dead {
                    garbage.push(Slot::remove(&mut inner, index));
                }
            }
        }
        drop(inner);
        // Dropping a handler may end other subscriptions of this slot (it
        // can own them), so the count is read after.
        drop(garbage);
        self.lock().occupied
    }
}

/// An entry and the stale snapshot taken out of a slot under its lock, to be
/// dropped once the lock is released.
type Garbage<E> = (Option<Arc<Entry<E>>>, Option<Arc<[Arc<Entry<E>>]>>);

/// What the type map holds per event type: the slot, twice typed.
#[derive(Clone)]
struct SlotRef {
    any: Arc<dyn Any + Send + Sync>,
    info: Arc<dyn SlotInfo>,
}

trait SlotInfo: Send + Sync {
    fn name(&self) -> &'static str;
    fn count(&self) -> usize;
    fn panics(&self) -> u64;
    fn heap_bytes(&self) -> usize;
    fn check_invariants(&self);
}

impl<E: 'static> SlotInfo for Slot<E> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn count(&self) -> usize {
        self.prune()
    }
    fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }
    /// The counts agree with the table, the free list names exactly the
    /// empty slots, and a snapshot holds only entries of the table.
    fn check_invariants(&self) {
        let inner = self.lock();
        let held: Vec<&Arc<Entry<E>>> = inner.entries.iter().flatten().collect();
        assert_eq!(inner.occupied, held.len(), "{}: occupied count", self.name);
        let weak = held.iter().filter(|e| e.owner_alive.is_some()).count();
        assert_eq!(inner.weak, weak, "{}: weak count", self.name);
        assert_eq!(inner.free.len() + held.len(), inner.entries.len(), "{}: free list", self.name);
        for &i in &inner.free {
            assert!(inner.entries[i].is_none(), "{}: free slot {i} is taken", self.name);
        }
        if let Some(snapshot) = &inner.snapshot {
            assert!(
                snapshot.iter().all(|e| held.iter().any(|h| Arc::ptr_eq(e, h))),
                "{}: stale snapshot",
                self.name
            );
        }
    }

    /// The slot's tables and one allocation per entry (not what a handler
    /// closure captures, which the bus cannot see).
    fn heap_bytes(&self) -> usize {
        let inner = self.lock();
        inner.entries.capacity() * size_of::<Option<Arc<Entry<E>>>>()
            + inner.free.capacity() * size_of::<usize>()
            + inner.occupied * (size_of::<Entry<E>>() + 2 * size_of::<usize>())
            + inner
                .snapshot
                .as_ref()
                .map_or(0, |s| 2 * size_of::<usize>() + s.len() * size_of::<Arc<Entry<E>>>())
    }
}

/// A subscription's link back to its slot.
struct BusHandle<E> {
    slot: Weak<Slot<E>>,
    index: usize,
    entry: Weak<Entry<E>>,
}

impl<E: 'static> Handle for BusHandle<E> {
    fn unsubscribe(&self) {
        let (Some(slot), Some(entry)) = (self.slot.upgrade(), self.entry.upgrade()) else {
            return;
        };
        let mut inner = slot.lock();
        // The slot index may have been reused after a prune: check identity.
        let garbage = if inner
            .entries
            .get(self.index)
            .and_then(Option::as_ref)
            .is_some_and(|e| Arc::ptr_eq(e, &entry))
        {
            Slot::remove(&mut inner, self.index)
        } else {
            (None, None)
        };
        drop(inner);
        drop(garbage);
    }

    /// The entry lives as long as its slot holds it (or a publish's snapshot
    /// does, until it sees the entry inactive): no separate slot check.
    fn is_active(&self) -> bool {
        self.entry.upgrade().is_some_and(|entry| entry.is_live())
    }
}

/// Typed publish/subscribe. Cheap to clone (clones share the bus);
/// `Send + Sync`.
///
/// ```
/// use leakproof_runtime::{EventBus, Unsubscribe};
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// struct PlayerLeft(u64);
///
/// let bus = EventBus::new();
/// let seen = Arc::new(AtomicU32::new(0));
/// let counter = Arc::clone(&seen);
/// let sub = bus.subscribe(move |_: &PlayerLeft| { counter.fetch_add(1, Ordering::SeqCst); });
/// bus.publish(&PlayerLeft(7));
/// assert_eq!(bus.subscriber_count::<PlayerLeft>(), 1);
/// drop(sub); // RAII: dropping the subscription unsubscribes
/// bus.publish(&PlayerLeft(8));
/// assert_eq!(seen.load(Ordering::SeqCst), 1);
/// assert_eq!(bus.subscriber_count::<PlayerLeft>(), 0);
/// ```
#[derive(Clone, Default)]
pub struct EventBus {
    slots: Arc<RwLock<SlotMap>>,
}

/// Event type → slot. `TypeId` is already a hash, so a fixed fast hasher
/// (foldhash) does here what SipHash would, cheaper.
type SlotMap = HashMap<TypeId, SlotRef, foldhash::fast::FixedState>;

impl EventBus {
    /// An empty bus.
    pub fn new() -> Self {
        Self::default()
    }

    fn slot<E: 'static>(&self) -> Arc<Slot<E>> {
        let key = TypeId::of::<E>();
        if let Some(slot) = self.read().get(&key)
            && let Ok(slot) = Arc::clone(&slot.any).downcast::<Slot<E>>()
        {
            return slot;
        }
        let mut slots = self.slots.write().unwrap_or_else(|e| e.into_inner());
        let entry = slots.entry(key).or_insert_with(|| {
            let slot = Arc::new(Slot::<E> {
                name: type_name::<E>(),
                inner: Mutex::new(SlotInner {
                    entries: Vec::new(),
                    free: Vec::new(),
                    occupied: 0,
                    weak: 0,
                    snapshot: None,
                }),
                panics: AtomicU64::new(0),
            });
            SlotRef { any: slot.clone(), info: slot }
        });
        Arc::clone(&entry.any)
            .downcast::<Slot<E>>()
            .unwrap_or_else(|_| unreachable!("slots are keyed by their event's TypeId"))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, SlotMap> {
        self.slots.read().unwrap_or_else(|e| e.into_inner())
    }

    fn add<E: 'static>(
        &self,
        call: Handler<E>,
        owner_alive: Option<Box<dyn Fn() -> bool + Send + Sync>>,
    ) -> Subscription {
        let slot = self.slot::<E>();
        let weak = owner_alive.is_some();
        let entry = Arc::new(Entry { call, active: AtomicBool::new(true), owner_alive });
        let (index, stale) = {
            let mut inner = slot.lock();
            let index = match inner.free.pop() {
                Some(index) => {
                    inner.entries[index] = Some(Arc::clone(&entry));
                    index
                }
                None => {
                    inner.entries.push(Some(Arc::clone(&entry)));
                    inner.entries.len() - 1
                }
            };
            inner.occupied += 1;
            inner.weak += usize::from(weak);
            (index, inner.snapshot.take())
        };
        // Dropped unlocked, like every value that may own a user's handler.
        drop(stale);
        Subscription::new(BusHandle {
            slot: Arc::downgrade(&slot),
            index,
            entry: Arc::downgrade(&entry),
        })
    }

    /// Calls `handler` with every `E` published until the returned
    /// subscription is dropped or unsubscribed.
    pub fn subscribe<E: 'static>(
        &self,
        handler: impl Fn(&E) + Send + Sync + 'static,
    ) -> Subscription {
        self.add::<E>(
            Box::new(move |event| {
                handler(event);
                true
            }),
            None,
        )
    }

    /// Like [`subscribe`](Self::subscribe), but holds `owner` weakly: once
    /// the last `Arc` to it is dropped the handler is never called again and
    /// the entry leaves the bus at the next publish or count of `E`, even if
    /// the subscription handle is kept. (Dropping the handle unsubscribes at
    /// once, as always.) The observer pattern without the leak.
    pub fn subscribe_weak<T: Send + Sync + 'static, E: 'static>(
        &self,
        owner: &Arc<T>,
        handler: impl Fn(&T, &E) + Send + Sync + 'static,
    ) -> Subscription {
        let weak = Arc::downgrade(owner);
        let alive = weak.clone();
        self.add::<E>(
            Box::new(move |event| match weak.upgrade() {
                Some(owner) => {
                    handler(&owner, event);
                    true
                }
                None => false,
            }),
            Some(Box::new(move || alive.strong_count() > 0)),
        )
    }

    /// Calls every live handler of `E` with `event`. A handler that panics is
    /// counted ([`handler_panics`](Self::handler_panics)) and the rest still
    /// run.
    pub fn publish<E: 'static>(&self, event: &E) {
        // Hold the type map's read lock only to take the snapshot.
        let snapshot = {
            let slots = self.read();
            let Some(slot) = slots.get(&TypeId::of::<E>()) else {
                return;
            };
            let Some(slot) = slot.any.downcast_ref::<Slot<E>>() else {
                return;
            };
            slot.snapshot()
        };
        let (mut panics, mut owner_gone) = (0, false);
        for entry in snapshot.iter() {
            if !entry.active.load(Ordering::Acquire) {
                continue;
            }
            match catch_unwind(AssertUnwindSafe(|| (entry.call)(event))) {
                Ok(true) => {}
                Ok(false) => owner_gone = true,
                Err(_) => panics += 1,
            }
        }
        drop(snapshot);
        if panics > 0 || owner_gone {
            let slot = self.slot::<E>();
            slot.panics.fetch_add(panics, Ordering::Relaxed);
            if owner_gone {
                slot.prune();
            }
        }
    }

    /// Live subscribers of `E` (dead weak subscribers are pruned first).
    pub fn subscriber_count<E: 'static>(&self) -> usize {
        let slot = self.read().get(&TypeId::of::<E>()).map(|slot| Arc::clone(&slot.info));
        slot.map_or(0, |slot| slot.count())
    }

    /// Live subscribers per event type, by type name, for reports.
    pub fn subscriber_counts(&self) -> Vec<(&'static str, usize)> {
        let slots: Vec<_> = self.read().values().map(|slot| Arc::clone(&slot.info)).collect();
        let mut counts: Vec<_> = slots.iter().map(|slot| (slot.name(), slot.count())).collect();
        counts.sort();
        counts
    }

    /// Live subscribers over all event types.
    pub fn total_subscribers(&self) -> usize {
        self.subscriber_counts().iter().map(|(_, n)| n).sum()
    }

    /// Bytes the bus holds for its subscribers: its per-type tables and one
    /// entry per subscriber. What handler closures capture is not counted
    /// (the bus cannot see inside them). Flat under subscribe/unsubscribe
    /// churn, since freed entries are reused.
    pub fn heap_bytes(&self) -> usize {
        self.read().values().map(|slot| slot.info.heap_bytes()).sum()
    }

    /// Panics if an internal invariant is broken (counts, free list,
    /// snapshot). For tests.
    #[doc(hidden)]
    pub fn assert_invariants(&self) {
        for slot in self.read().values() {
            slot.info.check_invariants();
        }
    }

    /// Handler calls that panicked, over all event types.
    pub fn handler_panics(&self) -> u64 {
        self.read().values().map(|slot| slot.info.panics()).sum()
    }
}

impl fmt::Debug for EventBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventBus").field("subscribers", &self.subscriber_counts()).finish()
    }
}

impl crate::report::MemoryReport for EventBus {
    /// `len` is the live subscribers over all event types; the counts name
    /// them per type.
    fn memory_report(&self) -> crate::report::Report {
        let counts = self.subscriber_counts();
        let total = counts.iter().map(|(_, n)| n).sum();
        let heap = self.heap_bytes();
        counts
            .into_iter()
            .fold(crate::report::Report::leaf::<Self>(heap).with_len(total), |report, (name, n)| {
                report.with_count(name, n)
            })
    }
}
