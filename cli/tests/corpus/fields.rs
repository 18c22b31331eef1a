// unbounded-field: growable collections in fields of long-lived structs,
// directly and through aliases, locks, Option and Box.
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

type Backlog = VecDeque<String>;

pub struct Connections {
    closed: Mutex<HashSet<u64>>, // expect: unbounded-field
    names: RwLock<HashMap<u64, String>>, // expect: unbounded-field
    backlog: Option<Box<Backlog>>, // expect: unbounded-field
    peers: hashbrown::HashMap<u64, u32>, // expect: unbounded-field
    order: indexmap::IndexMap<u64, u32>, // expect: unbounded-field
    shards: dashmap::DashMap<u64, u32>, // expect: unbounded-field
    buffer: bytes::BytesMut, // expect: unbounded-field
    title: String,
    key: [u8; 32],
    count: u64,
    stats: Stats,
}

/// Held by a long-lived struct, so long-lived too.
pub struct Stats {
    samples: parking_lot::Mutex<Vec<u64>>, // expect: unbounded-field
    latest: Option<u64>,
}

pub fn start() -> Arc<Connections> {
    Arc::new(Connections {
        closed: Mutex::default(),
        names: RwLock::default(),
        backlog: None,
        peers: Default::default(),
        order: Default::default(),
        shards: Default::default(),
        buffer: Default::default(),
        title: String::new(),
        key: [0; 32],
        count: 0,
        stats: Stats { samples: Default::default(), latest: None },
    })
}

/// Long-lived because a task owns it.
pub struct Worker {
    seen: BTreeMap<u64, u64>, // expect: unbounded-field
    inbox: std::sync::mpsc::Receiver<u64>, // expect: unbounded-field
}

pub fn run(rx: std::sync::mpsc::Receiver<u64>) {
    std::thread::spawn(move || {
        let mut worker = Worker { seen: BTreeMap::new(), inbox: rx };
        while let Ok(n) = worker.inbox.recv() {
            worker.seen.insert(n, n);
        }
    });
}

/// A plain value built, used and dropped: not long-lived, not reported.
pub struct Batch {
    items: Vec<u64>,
    index: HashMap<u64, usize>,
}

pub fn batch(items: Vec<u64>) -> usize {
    let batch = Batch { index: items.iter().enumerate().map(|(i, v)| (*v, i)).collect(), items };
    batch.items.len() + batch.index.len()
}

/// A tuple struct: the finding points at the field's type.
pub struct Log(
    std::sync::Mutex<Vec<String>>, // expect: unbounded-field
);

pub fn log() -> std::sync::Arc<Log> {
    std::sync::Arc::new(Log(Default::default()))
}
