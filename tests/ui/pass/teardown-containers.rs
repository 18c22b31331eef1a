// A bound and a teardown attribute on one field, and teardown resources in
// the containers real services keep them in.
#![deny(warnings)]

use leakproof::prelude::*;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, RwLock};

#[lifecycle]
struct Session {
    #[subscription]
    on_tick: Subscription,
}

#[lifecycle]
struct Server {
    #[unbounded(reason = "one entry per open room")]
    #[subscription]
    rooms: Mutex<HashMap<u64, Subscription>>,
    #[bounded(cap = 64)]
    #[subscription]
    recent: VecDeque<Subscription>,
    #[unbounded(reason = "one per player")]
    #[shutdown]
    sessions: RwLock<Vec<Session>>,
    #[unbounded(reason = "one per player")]
    #[shutdown]
    by_name: BTreeMap<String, Session>,
    #[task]
    heartbeat: Option<TaskHandle>,
    #[unbounded(reason = "one per worker")]
    #[task]
    workers: tokio::sync::Mutex<Vec<TaskSet>>,
    #[shutdown]
    next: Option<Box<Self>>,
    #[unbounded(reason = "one per local listener")]
    #[subscription]
    local: std::rc::Rc<std::cell::RefCell<Vec<Subscription>>>,
}

fn main() {
    let server = Server {
        rooms: Mutex::default(),
        recent: Default::default(),
        sessions: RwLock::default(),
        by_name: BTreeMap::new(),
        heartbeat: None,
        workers: tokio::sync::Mutex::default(),
        next: None,
        local: Default::default(),
    };
    assert!(server.shutdown().is_clean());
}
