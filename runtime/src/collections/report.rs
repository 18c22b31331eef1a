//! The bounded collections' memory reports: shallow (length, cap, stats,
//! policy and the table's own heap) and deep (the elements' heap too).

use crate::report::{DeepHeap, Kind, MemoryReport, Report, Seen, with_elements};

use super::{BoundedDeque, BoundedMap, BoundedSet};

impl<K, V, S, P, const CAP: usize, const TTL: u64> MemoryReport
    for BoundedMap<K, V, S, P, CAP, TTL>
{
    fn memory_report(&self) -> Report {
        Report::leaf::<Self>(self.heap_bytes())
            .with_len(self.len())
            .with_cap(self.cap())
            .with_stats(self.stats())
            .with_kind(Kind::Bounded { evict: self.evict_policy(), ttl: self.ttl() })
            .elements::<(K, V)>()
    }
}

impl<T, S, P, const CAP: usize, const TTL: u64> MemoryReport for BoundedSet<T, S, P, CAP, TTL> {
    fn memory_report(&self) -> Report {
        Report::leaf::<Self>(self.heap_bytes())
            .with_len(self.len())
            .with_cap(self.cap())
            .with_stats(self.stats())
            .with_kind(Kind::Bounded { evict: self.evict_policy(), ttl: self.ttl() })
            .elements::<T>()
    }
}

impl<T, P, const CAP: usize> MemoryReport for BoundedDeque<T, P, CAP> {
    fn memory_report(&self) -> Report {
        Report::leaf::<Self>(self.heap_bytes())
            .with_len(self.len())
            .with_cap(self.cap())
            .with_stats(self.stats())
            .with_kind(Kind::Bounded { evict: self.evict_policy(), ttl: None })
            .elements::<T>()
    }
}

impl<K: DeepHeap, V: DeepHeap, S, P, const CAP: usize, const TTL: u64> DeepHeap
    for BoundedMap<K, V, S, P, CAP, TTL>
{
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        if K::FLAT && V::FLAT {
            return self.heap_bytes();
        }
        self.heap_bytes()
            + self.iter().map(|(k, v)| k.deep_heap(seen) + v.deep_heap(seen)).sum::<usize>()
    }
}

impl<T: DeepHeap, S, P, const CAP: usize, const TTL: u64> DeepHeap
    for BoundedSet<T, S, P, CAP, TTL>
{
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        with_elements(self.heap_bytes(), self.iter(), seen)
    }
}

impl<T: DeepHeap, P, const CAP: usize> DeepHeap for BoundedDeque<T, P, CAP> {
    fn deep_heap(&self, seen: &mut Seen) -> usize {
        with_elements(self.heap_bytes(), self.iter(), seen)
    }
}
