//! The report's byte figures against a counting global allocator: for every
//! container the report covers without walking, at sizes that hit each
//! layout case (empty, the small-table sizes, growth boundaries, large).
//! One test function, so nothing else allocates meanwhile.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use counting_alloc::{Counting, thread_live_bytes as live_bytes};
use leakproof::{BoundedDeque, BoundedMap, BoundedSet, DeepHeap, MemoryReport, Report};

#[global_allocator]
static ALLOC: Counting = Counting;

const SIZES: &[usize] = &[0, 1, 2, 3, 4, 7, 8, 13, 14, 15, 28, 29, 100, 1_000, 4_097, 100_000];

/// Like `check`, for the deep walk: elements' own heap included, shared
/// allocations once.
fn check_deep<T: MemoryReport + DeepHeap>(what: &str, n: usize, build: impl FnOnce(usize) -> T) {
    check_with(&format!("deep {what}"), n, build, DeepHeap::deep_report);
}

#[derive(leakproof::MemoryReport)]
struct Shared {
    a: Arc<Vec<String>>,
    b: Arc<Vec<String>>,
    names: HashMap<u64, String>,
}

/// Builds a value, then checks that its report's `heap_bytes` is exactly
/// what the allocator holds for it.
fn check<T: MemoryReport>(what: &str, n: usize, build: impl FnOnce(usize) -> T) {
    check_with(what, n, build, MemoryReport::memory_report);
}

fn check_with<T>(
    what: &str,
    n: usize,
    build: impl FnOnce(usize) -> T,
    report: impl Fn(&T) -> Report,
) {
    let before = live_bytes();
    let value = build(n);
    let truth = (live_bytes() - before) as usize;
    let reported = report(&value).heap_bytes();
    assert_eq!(
        reported, truth,
        "{what} with {n} entries: reported {reported} B, allocator holds {truth} B"
    );
    drop(value);
}

#[test]
fn reported_bytes_match_the_allocator() {
    for &n in SIZES {
        let n64 = n as u64;
        check("Vec<u64>", n, |n| (0..n as u64).collect::<Vec<_>>());
        check("Vec<u8> with_capacity", n, Vec::<u8>::with_capacity);
        check("VecDeque<(u32, u16)>", n, |n| {
            (0..n as u32).map(|i| (i, 0u16)).collect::<VecDeque<_>>()
        });
        check("BinaryHeap<u64>", n, |n| (0..n as u64).collect::<BinaryHeap<_>>());
        check("String", n, |n| "x".repeat(n));
        check("HashSet<u64>", n, |_| (0..n64).collect::<HashSet<_>>());
        check("HashSet<u8>", n.min(256), |n| (0..n).map(|i| i as u8).collect::<HashSet<_>>());
        check("HashMap<u64, u64>", n, |_| (0..n64).map(|i| (i, i)).collect::<HashMap<_, _>>());
        check("HashMap<u32, [u8; 3]>", n, |_| {
            (0..n as u32).map(|i| (i, [0; 3])).collect::<HashMap<_, _>>()
        });
        check("HashMap<u128, u8>", n, |_| {
            (0..n as u128).map(|i| (i, 0u8)).collect::<HashMap<_, _>>()
        });
        check("HashMap with_capacity", n, HashMap::<u64, u64>::with_capacity);
        check("hashbrown::HashMap<u64, u64>", n, |_| {
            let mut map = hashbrown::HashMap::with_hasher(std::hash::RandomState::new());
            map.extend((0..n64).map(|i| (i, i)));
            map
        });
        check("Box<Vec<u64>>", n, |n| Box::new((0..n as u64).collect::<Vec<_>>()));
        check("Arc<Vec<u64>>", n, |n| Arc::new((0..n as u64).collect::<Vec<_>>()));
        check_deep("Vec<String>", n, |n| (0..n).map(|i| format!("player-{i}")).collect::<Vec<_>>());
        check_deep("HashMap<u64, String>", n, |n| {
            (0..n as u64).map(|i| (i, format!("p{i}"))).collect::<HashMap<_, _>>()
        });
        check_deep("Vec<u64>", n, |n| (0..n as u64).collect::<Vec<_>>());
        check_deep("shared Arc counted once", n, |n| {
            let shared = Arc::new((0..n).map(|i| i.to_string()).collect::<Vec<_>>());
            Shared {
                a: Arc::clone(&shared),
                b: shared,
                names: (0..n as u64).map(|i| (i, "x".repeat(3))).collect(),
            }
        });
        if n > 0 {
            check_deep("BoundedMap<u64, String>", n, |n| {
                let mut map = BoundedMap::<u64, String>::with_cap(n);
                map.extend((0..2 * n as u64).map(|i| (i, format!("v{i}"))));
                map
            });
            check("BoundedSet<u64>", n, |n| {
                let mut set = BoundedSet::<u64>::with_cap(n.max(1) * 2);
                set.extend(0..n as u64);
                set
            });
            check("BoundedMap<u64, u64> (evicting)", n, |n| {
                let mut map = BoundedMap::<u64, u64>::with_cap(n);
                map.extend((0..3 * n as u64).map(|i| (i, i)));
                map
            });
            check("BoundedDeque<u64>", n, |n| {
                let mut deque = BoundedDeque::<u64>::with_cap(n);
                deque.extend(0..2 * n as u64);
                deque
            });
        }
    }
}
