//! [`BoundedDeque`]: the bounded form of `Vec<T>` and `VecDeque<T>`.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Index;
use std::sync::Arc;

use super::policy::{DequePolicy, Fifo, Outcome};
use super::{BoundStats, BoundedBuilder, Config, Configure, Evict, EvictReason};

type DequeListener<T> = Arc<dyn Fn(T, EvictReason) + Send + Sync>;

/// A queue that never holds more than `cap` values: what `#[bounded]` turns a
/// `Vec<T>` or `VecDeque<T>` field into.
///
/// Pushing onto a full deque drops the value at the other end under
/// [`Fifo`] (the default), and hands the value back under
/// [`Reject`](super::Reject), where pushes return `Result<(), Rejected<T>>`;
/// under `Fifo` they return `()`, as std's. A deque's values are never looked
/// up by key, so SIEVE and LRU do not apply, and it has no TTL. Parameters:
/// `P` the policy and `CAP` (0 = set at run time).
///
/// ```
/// use leakproof_runtime::BoundedDeque;
///
/// let mut recent = BoundedDeque::<&str>::with_cap(2);
/// recent.push_back("hello");
/// recent.push_back("how are you");
/// recent.push_back("bye");
/// assert_eq!(recent.iter().copied().collect::<Vec<_>>(), ["how are you", "bye"]);
/// assert_eq!(recent[0], "how are you");
///
/// let mut queue = BoundedDeque::<u32>::builder().cap(1).reject().build();
/// queue.push_back(1).unwrap();
/// assert_eq!(queue.push_back(2).unwrap_err().into_inner(), 2);
/// ```
///
/// What cannot exist: growing methods that would pass the cap without
/// evicting (`resize`, `append`, `reserve` past the cap; `reserve` reserves
/// up to the cap).
pub struct BoundedDeque<T, P = Fifo, const CAP: usize = 0> {
    items: VecDeque<T>,
    config: Config,
    stats: BoundStats,
    listener: Option<DequeListener<T>>,
    policy: P,
}

impl<T, P: DequePolicy + Default, const CAP: usize> BoundedDeque<T, P, CAP> {
    /// An empty deque holding at most `cap` values, under the type's policy
    /// (dropping the oldest when full, unless written otherwise).
    ///
    /// # Panics
    /// If `cap` is 0 or above [`MAX_CAP`](super::MAX_CAP).
    pub fn with_cap(cap: usize) -> Self {
        Self::from_parts(Config::from_const(cap, P::EVICT, 0), P::default())
    }

    /// A builder for cap and policy.
    pub fn builder() -> BoundedBuilder<Self> {
        BoundedBuilder::new(P::default())
    }
}

impl<T, P, const CAP: usize> Configure for BoundedDeque<T, P, CAP> {
    type Policy = P;
    type Hasher = ();
    type With<Q> = BoundedDeque<T, Q, CAP>;
    fn assemble(config: Config, policy: P, (): ()) -> Self {
        Self::from_parts(config, policy)
    }
}

impl<T, P, const CAP: usize> BoundedDeque<T, P, CAP> {
    fn from_parts(config: Config, policy: P) -> Self {
        BoundedDeque {
            items: VecDeque::new(),
            config,
            stats: BoundStats::default(),
            listener: None,
            policy,
        }
    }

    /// Values held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no value is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The most values this deque will hold.
    pub fn cap(&self) -> usize {
        self.config.cap
    }

    /// The eviction policy.
    pub fn evict_policy(&self) -> Evict {
        self.config.evict
    }

    /// Eviction and rejection counters (a deque has no hits or expiry).
    pub fn stats(&self) -> BoundStats {
        self.stats
    }

    /// Bytes allocated for the values, from capacity, in O(1).
    pub fn heap_bytes(&self) -> usize {
        self.items.capacity() * size_of::<T>()
    }

    /// Calls `listener` with every value dropped to make room.
    pub fn on_evict(&mut self, listener: impl Fn(T, EvictReason) + Send + Sync + 'static) {
        self.listener = Some(Arc::new(listener));
    }

    /// Room for one more value: true when there is room, or was made (the
    /// value at the far end `evict_back` or not dropped); false when full
    /// under reject.
    fn make_room(&mut self, evict_back: bool) -> bool {
        self.stats.inserts += 1;
        if self.items.len() >= self.config.cap {
            if self.config.evict == Evict::Reject {
                self.stats.rejections += 1;
                return false;
            }
            let old = if evict_back { self.items.pop_back() } else { self.items.pop_front() };
            if let Some(old) = old {
                self.stats.evictions += 1;
                if let Some(listener) = &self.listener {
                    listener(old, EvictReason::Capacity);
                }
            }
            return true;
        }
        if self.items.len() == self.items.capacity() {
            // Double, but never past the cap.
            let len = self.items.len();
            self.items.reserve_exact(len.max(4).min(self.config.cap - len));
        }
        true
    }

    /// Removes and returns the oldest value.    /// Removes and returns the oldest value.
    pub fn pop_front(&mut self) -> Option<T> {
        let value = self.items.pop_front()?;
        self.stats.removals += 1;
        Some(value)
    }

    /// Removes and returns the newest value.
    pub fn pop_back(&mut self) -> Option<T> {
        let value = self.items.pop_back()?;
        self.stats.removals += 1;
        Some(value)
    }

    /// The same as [`pop_back`](Self::pop_back), under `Vec`'s name.
    pub fn pop(&mut self) -> Option<T> {
        self.pop_back()
    }

    /// The oldest value.
    pub fn front(&self) -> Option<&T> {
        self.items.front()
    }

    /// The newest value.
    pub fn back(&self) -> Option<&T> {
        self.items.back()
    }

    /// The value at `index` (0 = oldest).
    pub fn get(&self, index: usize) -> Option<&T> {
        self.items.get(index)
    }

    /// The value at `index`, mutably.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.items.get_mut(index)
    }

    /// Values, oldest first.
    pub fn iter(&self) -> std::collections::vec_deque::Iter<'_, T> {
        self.items.iter()
    }

    /// Values, oldest first, mutably.
    pub fn iter_mut(&mut self) -> std::collections::vec_deque::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// True if some value equals `value`.
    pub fn contains(&self, value: &T) -> bool
    where
        T: PartialEq,
    {
        self.items.contains(value)
    }

    /// Keeps only the values for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let before = self.items.len();
        self.items.retain(|v| keep(v));
        self.stats.removals += (before - self.items.len()) as u64;
    }

    /// Removes every value (counted as removals).
    pub fn clear(&mut self) {
        self.stats.removals += self.items.len() as u64;
        self.items.clear();
    }

    /// Removes and yields every value, oldest first.
    pub fn drain(&mut self) -> std::collections::vec_deque::Drain<'_, T> {
        self.drain_range(..)
    }

    /// Removes and yields the values in `range`, as `VecDeque::drain`.
    ///
    /// # Panics
    /// If the range is out of bounds, as std's.
    pub fn drain_range<R: std::ops::RangeBounds<usize>>(
        &mut self,
        range: R,
    ) -> std::collections::vec_deque::Drain<'_, T> {
        let drain = self.items.drain(range);
        self.stats.removals += drain.len() as u64;
        drain
    }

    /// The oldest value, mutably.
    pub fn front_mut(&mut self) -> Option<&mut T> {
        self.items.front_mut()
    }

    /// The newest value, mutably.
    pub fn back_mut(&mut self) -> Option<&mut T> {
        self.items.back_mut()
    }

    /// The values in `range`, as `VecDeque::range`.
    pub fn range<R: std::ops::RangeBounds<usize>>(
        &self,
        range: R,
    ) -> std::collections::vec_deque::Iter<'_, T> {
        self.items.range(range)
    }

    /// The values as two slices, oldest first.
    pub fn as_slices(&self) -> (&[T], &[T]) {
        self.items.as_slices()
    }

    /// Rearranges the storage so the values are one slice, oldest first.
    pub fn make_contiguous(&mut self) -> &mut [T] {
        self.items.make_contiguous()
    }

    /// Removes and returns the value at `index`.
    pub fn remove(&mut self, index: usize) -> Option<T> {
        let value = self.items.remove(index)?;
        self.stats.removals += 1;
        Some(value)
    }

    /// Keeps the first `len` values, dropping the rest.
    pub fn truncate(&mut self, len: usize) {
        self.stats.removals += self.items.len().saturating_sub(len) as u64;
        self.items.truncate(len);
    }

    /// Swaps the values at `i` and `j`.
    ///
    /// # Panics
    /// If either is out of bounds, as std's.
    pub fn swap(&mut self, i: usize, j: usize) {
        self.items.swap(i, j);
    }

    /// Rotates left by `n` places, as `VecDeque::rotate_left`.
    pub fn rotate_left(&mut self, n: usize) {
        self.items.rotate_left(n);
    }

    /// Rotates right by `n` places, as `VecDeque::rotate_right`.
    pub fn rotate_right(&mut self, n: usize) {
        self.items.rotate_right(n);
    }

    /// Keeps only the values for which `keep` returns true, mutably.
    pub fn retain_mut(&mut self, keep: impl FnMut(&mut T) -> bool) {
        let before = self.items.len();
        self.items.retain_mut(keep);
        self.stats.removals += (before - self.items.len()) as u64;
    }

    /// Makes room for `additional` more values without growing again, as
    /// `VecDeque::reserve` does, but never past the cap: room for more than
    /// the cap could never be used.
    pub fn reserve(&mut self, additional: usize) {
        let room = self.config.cap.min(self.items.len().saturating_add(additional));
        self.items.reserve_exact(room.saturating_sub(self.items.len()));
    }

    /// Gives back the room the values do not use.
    pub fn shrink_to_fit(&mut self) {
        self.items.shrink_to_fit();
    }

    /// The policy value.
    pub fn policy(&self) -> &P {
        &self.policy
    }
}

impl<T, P: DequePolicy, const CAP: usize> BoundedDeque<T, P, CAP> {
    /// Appends `value`, as `VecDeque::push_back`. When full, drops the front
    /// (oldest) value first; under reject the return type is
    /// `Result<(), Rejected<T>>` and a refused value comes back in the `Err`.
    pub fn push_back(&mut self, value: T) -> P::Insert<(), T> {
        P::settle(if self.make_room(false) {
            self.items.push_back(value);
            Outcome::Done(())
        } else {
            Outcome::Refused(value)
        })
    }

    /// Prepends `value`, as `VecDeque::push_front`. When full, drops the back
    /// value (the far end) first; under reject it is refused.
    pub fn push_front(&mut self, value: T) -> P::Insert<(), T> {
        P::settle(if self.make_room(true) {
            self.items.push_front(value);
            Outcome::Done(())
        } else {
            Outcome::Refused(value)
        })
    }

    /// The same as [`push_back`](Self::push_back), under `Vec`'s name.
    pub fn push(&mut self, value: T) -> P::Insert<(), T> {
        self.push_back(value)
    }

    /// Inserts `value` at `index` (0 = front), as `VecDeque::insert`. When
    /// full, drops the front value first (then `index` counts from the new
    /// front, clamped to the length); under reject it is refused.
    ///
    /// # Panics
    /// If `index` is greater than the length, as std's.
    pub fn insert(&mut self, index: usize, value: T) -> P::Insert<(), T> {
        assert!(index <= self.items.len(), "insertion index {index} out of bounds");
        P::settle(if self.make_room(false) {
            let index = index.min(self.items.len());
            self.items.insert(index, value);
            Outcome::Done(())
        } else {
            Outcome::Refused(value)
        })
    }
}

impl<T, P: DequePolicy + Default, const CAP: usize> Default for BoundedDeque<T, P, CAP> {
    /// The deque the type's const parameters describe. A type without a cap
    /// (`CAP = 0`) has no default: that is a compile-time error.
    fn default() -> Self {
        const { Config::assert_const(CAP) };
        Self::from_parts(Config::from_const(CAP, P::EVICT, 0), P::default())
    }
}

impl<T: Clone, P: Clone, const CAP: usize> Clone for BoundedDeque<T, P, CAP> {
    fn clone(&self) -> Self {
        BoundedDeque {
            items: self.items.clone(),
            config: self.config.clone(),
            stats: self.stats,
            listener: self.listener.clone(),
            policy: self.policy.clone(),
        }
    }
}

impl<T: fmt::Debug, P, const CAP: usize> fmt::Debug for BoundedDeque<T, P, CAP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedDeque")
            .field("config", &self.config)
            .field("values", &self.items)
            .finish()
    }
}

impl<T, P, const CAP: usize> Index<usize> for BoundedDeque<T, P, CAP> {
    type Output = T;
    fn index(&self, index: usize) -> &T {
        &self.items[index]
    }
}

impl<T, P: DequePolicy, const CAP: usize> Extend<T> for BoundedDeque<T, P, CAP> {
    /// Pushes each value in turn, so the bound holds throughout. Under
    /// reject the values that do not fit are dropped and counted in
    /// `stats().rejections`; use [`push_back`](Self::push_back) to get them back.
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            if self.make_room(false) {
                self.items.push_back(value);
            }
        }
    }
}

impl<T, P: DequePolicy + Default, const CAP: usize> FromIterator<T> for BoundedDeque<T, P, CAP> {
    /// Collects into the deque the type describes (which needs `CAP > 0`).
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut deque = Self::default();
        deque.extend(iter);
        deque
    }
}

impl<'a, T, P, const CAP: usize> IntoIterator for &'a BoundedDeque<T, P, CAP> {
    type Item = &'a T;
    type IntoIter = std::collections::vec_deque::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T, P, const CAP: usize> IntoIterator for BoundedDeque<T, P, CAP> {
    type Item = T;
    type IntoIter = std::collections::vec_deque::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

// A deque of subscriptions, tasks or components is torn down value by value
// (see `shutdown::containers`).
crate::shutdown::through_collection! {
    [P, const CAP: usize] BoundedDeque<T, P, CAP> => |c| c.items.iter();
}
impl<T: crate::audit::TeardownResource, P, const CAP: usize> crate::audit::TeardownResource
    for BoundedDeque<T, P, CAP>
{
}
