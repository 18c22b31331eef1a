// unaudited-state: plain state inside a #[lifecycle] struct.
use std::collections::{HashMap, HashSet};
use leakproof::prelude::*;

#[lifecycle]
pub struct Store {
    #[bounded(cap = 1024)]
    closed: HashSet<u64>,
    #[unbounded(reason = "one per live connection")]
    live: HashMap<u64, String>,
    state: tokio::sync::Mutex<State>, // expect: unaudited-state
    settings: Settings,
    #[subscription]
    events: Subscriptions,
}

/// The state the macro cannot see into.
pub struct State {
    channels: HashMap<String, Vec<u64>>, // expect: unbounded-field
    pending: Vec<String>, // expect: unbounded-field
    generation: u64,
}

/// Look-alike: plain, but nothing in it grows.
pub struct Settings {
    name: String,
    port: u16,
    limits: [u32; 4],
}

#[lifecycle]
pub struct Forgetful {
    seen: Vec<u64>, // expect: unbounded-field
}
