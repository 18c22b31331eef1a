use leakproof::prelude::*;
use std::collections::HashMap;

// Most tokio services keep their state behind tokio's own locks.
#[lifecycle]
struct Db {
    entries: tokio::sync::Mutex<HashMap<String, String>>,
    channels: tokio::sync::RwLock<HashMap<String, u64>>,
}

fn main() {}
