//! Eviction policies, as types.
//!
//! A bounded collection's policy is one of its type parameters, so what an
//! insert returns is known at compile time: under a policy that always makes
//! room ([`Sieve`], [`Lru`], [`Fifo`]) `insert` returns what the std method
//! returns (`bool`, `Option<V>`, `()`); under one that can refuse
//! ([`Reject`], or any policy wrapped in a [`Guarded`] eviction guard) it
//! returns `Result<_, Rejected<_>>`, which the compiler makes you look at.
//!
//! Which reads take `&self` is decided here too: under every policy but
//! [`Lru`] a lookup leaves the eviction order alone (SIEVE only sets a bit
//! that needs no exclusive access), so `get`, `contains` and `contains_key`
//! work through `&self`, behind an `RwLock` read guard or in a `&self`
//! method. Under exact LRU a lookup relinks the entry, so those reads take
//! `&mut self`.

use std::fmt;

use super::{Evict, Rejected};

mod sealed {
    pub trait Sealed {}
}

/// An eviction policy: [`Sieve`] (the default), [`Lru`], [`Fifo`], [`Reject`],
/// or one of them behind a [`Guarded`] eviction guard.
///
/// Sealed: the collections implement each policy themselves.
pub trait Policy: sealed::Sealed {
    /// The policy's name in reports and `Debug` output.
    const EVICT: Evict;

    /// What an insert returns: `T` when the policy always makes room,
    /// `Result<T, Rejected<R>>` when it can refuse (`R` is what is handed
    /// back: a map's `(key, value)`, a set's or deque's value).
    type Insert<T, R>;

    /// Turns the engine's outcome into [`Self::Insert`].
    #[doc(hidden)]
    fn settle<T, R>(outcome: Outcome<T, R>) -> Self::Insert<T, R>;
}

/// What the engine did with an insert. A policy that always makes room never
/// sees `Refused` (the engine only refuses under `Reject` or a guard), which
/// is what lets its `settle` return `T` alone.
#[doc(hidden)]
pub enum Outcome<T, R> {
    Done(T),
    Refused(R),
}

/// Policies whose reads take `&self`: every policy but [`Lru`].
pub trait SharedReads: Policy {}

/// Whether a policy keeps an entry it would otherwise evict. Every plain
/// policy keeps none; a [`Guarded`] one asks its guard.
#[doc(hidden)]
pub trait Guard<K, V> {
    /// False when `keeps` is always false, so the engine need not look at
    /// an entry to ask.
    const KEEPS_ANY: bool = true;
    fn keeps(&self, key: &K, value: &V) -> bool;
}

macro_rules! always_makes_room {
    ($($(#[$doc:meta])* $name:ident => $evict:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;
        impl sealed::Sealed for $name {}
        impl Policy for $name {
            const EVICT: Evict = Evict::$evict;
            type Insert<T, R> = T;
            #[inline]
            fn settle<T, R>(outcome: Outcome<T, R>) -> T {
                match outcome {
                    Outcome::Done(value) => value,
                    // The engine refuses only under `Reject` or a guard.
                    Outcome::Refused(_) => unreachable!(concat!(
                        "a collection under ",
                        stringify!($name),
                        " always makes room"
                    )),
                }
            }
        }
        impl<K, V> Guard<K, V> for $name {
            const KEEPS_ANY: bool = false;
            #[inline(always)]
            fn keeps(&self, _: &K, _: &V) -> bool {
                false
            }
        }
    )*};
}

always_makes_room! {
    /// SIEVE (Zhang et al., NSDI '24), the default: entries wait in insertion
    /// order, a hit sets the entry's "visited" bit (a relaxed atomic store,
    /// so reads take `&self`), and on a full insert a hand walks from the
    /// oldest entry, clearing visited bits, and evicts the first entry it
    /// finds unvisited. Entries used since the hand last passed survive;
    /// one-hit wonders go first. Hit ratio at least LRU's on skewed traces,
    /// with no list relinking on a hit.
    Sieve => Sieve,
    /// Exact LRU: every use moves the entry to the back, the front is
    /// evicted. The reads that count as a use take `&mut self`.
    Lru => Lru,
    /// Insertion order: the oldest entry is evicted; reads change nothing.
    Fifo => Fifo,
}

impl SharedReads for Sieve {}
impl SharedReads for Fifo {}

/// Never evict: an insert into a full collection is refused and hands the
/// entry back in a [`Rejected`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Reject;
impl sealed::Sealed for Reject {}
impl Policy for Reject {
    const EVICT: Evict = Evict::Reject;
    type Insert<T, R> = Result<T, Rejected<R>>;
    #[inline]
    fn settle<T, R>(outcome: Outcome<T, R>) -> Result<T, Rejected<R>> {
        match outcome {
            Outcome::Done(value) => Ok(value),
            Outcome::Refused(entry) => Err(Rejected(entry)),
        }
    }
}
impl SharedReads for Reject {}
impl<K, V> Guard<K, V> for Reject {
    const KEEPS_ANY: bool = false;
    #[inline(always)]
    fn keeps(&self, _: &K, _: &V) -> bool {
        false
    }
}

/// A policy `P` with an eviction guard `G`: entries the guard says are still
/// in use are never evicted, and when every entry is guarded the insert is
/// refused, so inserts return `Result<_, Rejected<_>>`.
///
/// The hazard it exists for: a bounded map of pub/sub channels
/// (`channel name -> broadcast::Sender`) evicts a channel that a live
/// subscriber still listens on, and that subscriber silently stops getting
/// messages. With `keep_if = |_, tx| tx.receiver_count() > 0` a channel is
/// only evicted once nobody listens, and a map whose every channel is live
/// says so by refusing the insert instead of dropping one.
///
/// Build one with a builder's `.keep_if(..)` or `#[bounded(keep_if = path)]`.
#[derive(Clone, Copy, Default)]
pub struct Guarded<P, G> {
    pub(crate) policy: P,
    pub(crate) guard: G,
}

impl<P, G> Guarded<P, G> {
    /// `policy`, except that entries `guard` keeps are never evicted.
    pub fn new(policy: P, guard: G) -> Self {
        Guarded { policy, guard }
    }
}

impl<P: fmt::Debug, G> fmt::Debug for Guarded<P, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guarded").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl<P: Policy, G> sealed::Sealed for Guarded<P, G> {}
impl<P: Policy, G> Policy for Guarded<P, G> {
    const EVICT: Evict = P::EVICT;
    type Insert<T, R> = Result<T, Rejected<R>>;
    #[inline]
    fn settle<T, R>(outcome: Outcome<T, R>) -> Result<T, Rejected<R>> {
        Reject::settle(outcome)
    }
}
impl<P: SharedReads, G> SharedReads for Guarded<P, G> {}
impl<K, V, P, G: KeepIf<K, V>> Guard<K, V> for Guarded<P, G> {
    #[inline]
    fn keeps(&self, key: &K, value: &V) -> bool {
        self.guard.keep(key, value)
    }
}

/// An eviction guard: `keep(key, value)` is true while the entry is still in
/// use and must not be evicted. Implemented by every `Fn(&K, &V) -> bool`
/// (a map's guard); a set's guard sees only the value, through [`KeyOnly`].
pub trait KeepIf<K, V> {
    /// True if the entry must not be evicted now.
    fn keep(&self, key: &K, value: &V) -> bool;
}

impl<K, V, F: Fn(&K, &V) -> bool> KeepIf<K, V> for F {
    #[inline]
    fn keep(&self, key: &K, value: &V) -> bool {
        self(key, value)
    }
}

/// A set's guard: a `Fn(&T) -> bool` over the values.
#[derive(Clone, Copy, Default)]
pub struct KeyOnly<F>(pub F);

impl<T, F: Fn(&T) -> bool> KeepIf<T, ()> for KeyOnly<F> {
    #[inline]
    fn keep(&self, value: &T, (): &()) -> bool {
        (self.0)(value)
    }
}

/// The policies a deque takes: its values are never looked up, so only
/// [`Fifo`] (drop the front) and [`Reject`] mean anything.
pub trait DequePolicy: Policy {}
impl DequePolicy for Fifo {}
impl DequePolicy for Reject {}
