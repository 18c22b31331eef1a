use leakproof::prelude::*;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

type Closed = Arc<Mutex<HashSet<u64>>>;

#[lifecycle]
struct ConnectionManager {
    closed: Closed,
}

fn main() {}
