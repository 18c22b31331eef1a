#![deny(warnings)]
use leakproof::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

/// Services need interior mutability: `#[bounded]` rewrites the collection
/// inside `Mutex`, `RwLock`, `RefCell`, `Arc`, `Rc` and `Box`.
#[lifecycle]
struct ChatService {
    #[bounded(cap = 3, evict = "fifo")]
    history: Mutex<VecDeque<String>>,
    #[bounded(cap = 100, ttl = "5m")]
    players: RwLock<HashMap<u64, String>>,
    #[bounded(cap = 2)]
    closed: Arc<Mutex<HashSet<u64>>>,
}

fn main() {
    let chat = ChatService {
        history: Default::default(),
        players: Default::default(),
        closed: Default::default(),
    };
    for line in ["a", "b", "c", "d"] {
        chat.history.lock().unwrap().push_back(line.to_string());
    }
    assert_eq!(chat.history.lock().unwrap().len(), 3);
    chat.players.write().unwrap().insert(1, "ada".into());
    for id in 0..5 {
        chat.closed.lock().unwrap().insert(id);
    }
    assert_eq!(chat.closed.lock().unwrap().len(), 2);
    let report = chat.memory_report();
    assert_eq!(report.find("history").and_then(|r| r.cap()), Some(3));
    assert_eq!(report.find("closed").and_then(|r| r.stats()).map(|s| s.evictions), Some(3));
}
