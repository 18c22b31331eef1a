//! [`BoundedDeque`]: the bounded form of `Vec<T>` and `VecDeque<T>`.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Index;
use std::sync::Arc;

use super::{BoundStats, Builder, Config, Evict, EvictReason, Rejected};

type DequeListener<T> = Arc<dyn Fn(T, EvictReason) + Send + Sync>;

/// A queue that never holds more than `cap` values: what `#[bounded]` turns a
/// `Vec<T>` or `VecDeque<T>` field into.
///
/// Pushing onto a full deque drops the front (oldest) value under
/// [`Evict::Fifo`] and [`Evict::Lru`] (a deque's values are never looked up
/// by key, so the two are the same), and hands the value back under
/// [`Evict::Reject`]. A deque has no TTL. Const parameters: `CAP` (0 = set at
/// run time) and `EVICT` (0 = LRU, 1 = FIFO, 2 = reject).
///
/// ```
/// use leakproof_runtime::BoundedDeque;
///
/// let mut recent = BoundedDeque::<&str>::with_cap(2);
/// recent.push_back("hello").unwrap();
/// recent.push_back("how are you").unwrap();
/// recent.push_back("bye").unwrap();
/// assert_eq!(recent.iter().copied().collect::<Vec<_>>(), ["how are you", "bye"]);
/// assert_eq!(recent[0], "how are you");
/// ```
pub struct BoundedDeque<T, const CAP: usize = 0, const EVICT: u8 = 0> {
    items: VecDeque<T>,
    config: Config,
    stats: BoundStats,
    listener: Option<DequeListener<T>>,
}

impl<T, const CAP: usize, const EVICT: u8> BoundedDeque<T, CAP, EVICT> {
    /// An empty deque holding at most `cap` values, dropping the oldest when
    /// full.
    ///
    /// # Panics
    /// If `cap` is 0 or above [`MAX_CAP`](super::MAX_CAP).
    pub fn with_cap(cap: usize) -> Self {
        Self::from_config(Config::new(cap, Evict::Fifo, None))
    }

    /// A builder for cap and policy. A TTL given to it is ignored: use a
    /// `BoundedMap` keyed by sequence number when entries must expire.
    pub fn builder() -> Builder<Self> {
        Builder::new(Self::from_config)
    }

    fn from_config(config: Config) -> Self {
        BoundedDeque {
            items: VecDeque::new(),
            config,
            stats: BoundStats::default(),
            listener: None,
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

    /// Appends `value`. When full, drops the front value first, or under
    /// [`Evict::Reject`] returns `Err(Rejected(value))`.
    pub fn push_back(&mut self, value: T) -> Result<(), Rejected<T>> {
        self.stats.inserts += 1;
        if self.items.len() >= self.config.cap {
            if self.config.evict == Evict::Reject {
                self.stats.rejections += 1;
                return Err(Rejected(value));
            }
            if let Some(old) = self.items.pop_front() {
                self.stats.evictions += 1;
                self.items.push_back(value);
                if let Some(listener) = &self.listener {
                    listener(old, EvictReason::Capacity);
                }
                return Ok(());
            }
        }
        if self.items.len() == self.items.capacity() {
            // Double, but never past the cap.
            let len = self.items.len();
            self.items.reserve_exact(len.max(4).min(self.config.cap - len));
        }
        self.items.push_back(value);
        Ok(())
    }

    /// The same as [`push_back`](Self::push_back), under `Vec`'s name.
    pub fn push(&mut self, value: T) -> Result<(), Rejected<T>> {
        self.push_back(value)
    }

    /// Removes and returns the oldest value.
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
        self.stats.removals += self.items.len() as u64;
        self.items.drain(..)
    }
}

impl<T, const CAP: usize, const EVICT: u8> Default for BoundedDeque<T, CAP, EVICT> {
    /// The deque the type's const parameters describe. A type without a cap
    /// (`CAP = 0`) has no default: that is a compile-time error.
    fn default() -> Self {
        const { Config::assert_const(CAP, EVICT) };
        Self::from_config(Config::from_const(CAP, EVICT, 0))
    }
}

impl<T: Clone, const CAP: usize, const EVICT: u8> Clone for BoundedDeque<T, CAP, EVICT> {
    fn clone(&self) -> Self {
        BoundedDeque {
            items: self.items.clone(),
            config: self.config.clone(),
            stats: self.stats,
            listener: self.listener.clone(),
        }
    }
}

impl<T: fmt::Debug, const CAP: usize, const EVICT: u8> fmt::Debug for BoundedDeque<T, CAP, EVICT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedDeque")
            .field("config", &self.config)
            .field("values", &self.items)
            .finish()
    }
}

impl<T, const CAP: usize, const EVICT: u8> Index<usize> for BoundedDeque<T, CAP, EVICT> {
    type Output = T;
    fn index(&self, index: usize) -> &T {
        &self.items[index]
    }
}

impl<T, const CAP: usize, const EVICT: u8> Extend<T> for BoundedDeque<T, CAP, EVICT> {
    /// Pushes each value in turn, so the bound holds throughout. Under
    /// [`Evict::Reject`] the values that do not fit are dropped and counted in
    /// `stats().rejections`; use [`push_back`](Self::push_back) to get them back.
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            let _rejected = self.push_back(value);
        }
    }
}

impl<T, const CAP: usize, const EVICT: u8> FromIterator<T> for BoundedDeque<T, CAP, EVICT> {
    /// Collects into the deque the type describes (which needs `CAP > 0`).
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut deque = Self::default();
        deque.extend(iter);
        deque
    }
}

impl<'a, T, const CAP: usize, const EVICT: u8> IntoIterator for &'a BoundedDeque<T, CAP, EVICT> {
    type Item = &'a T;
    type IntoIter = std::collections::vec_deque::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T, const CAP: usize, const EVICT: u8> IntoIterator for BoundedDeque<T, CAP, EVICT> {
    type Item = T;
    type IntoIter = std::collections::vec_deque::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

// A deque of subscriptions, tasks or components is torn down value by value
// (see `lifecycle::containers`).
crate::lifecycle::through_collection! {
    [const CAP: usize, const EVICT: u8] BoundedDeque<T, CAP, EVICT> => |c| c.items.iter();
}
impl<T: crate::audit::TeardownResource, const CAP: usize, const EVICT: u8>
    crate::audit::TeardownResource for BoundedDeque<T, CAP, EVICT>
{
}
