#![deny(warnings, unused_qualifications)]
use leakproof::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Debug;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash};

mod limits {
    pub const CLOSED: usize = 100;
}

/// Generics, lifetimes, where-clauses, visibility, docs and other attributes.
#[lifecycle]
#[derive(Debug)]
pub struct Service<'a, K, V: Clone, const N: usize = 3>
where
    K: Hash + Eq + Debug,
{
    /// Documented field.
    #[bounded(cap = limits::CLOSED)]
    pub(crate) closed: HashSet<K>,
    #[bounded(cap = 10, ttl = "250ms", evict = "lru")]
    cache: HashMap<K, V, BuildHasherDefault<DefaultHasher>>,
    #[allow(unused)]
    #[bounded(cap = 5, evict = "fifo")]
    recent: VecDeque<&'a str>,
    #[unbounded(reason = "one per live socket; removed on disconnect")]
    active: HashMap<u64, [u8; N]>,
    #[cfg(any())]
    #[bounded(cap = 10)]
    never_compiled: HashSet<u8>,
    name: &'a str,
}

#[lifecycle]
struct Empty {}

#[lifecycle]
struct Unit;

fn main() {
    let mut service: Service<'_, u32, String> = Service {
        closed: Default::default(),
        cache: Default::default(),
        recent: Default::default(),
        active: HashMap::new(),
        name: "svc",
    };
    for id in 0..1_000 {
        service.closed.insert(id);
    }
    service.cache.insert(1, "one".to_string());
    service.recent.push_back("hi");
    service.active.insert(7, [0; 3]);
    assert_eq!(service.closed.len(), 100);
    assert_eq!(service.cache.get(&1).map(String::as_str), Some("one"));
    assert_eq!(service.name, "svc");
    println!("{service:?}");
    let _ = (Empty {}, Unit);
}
