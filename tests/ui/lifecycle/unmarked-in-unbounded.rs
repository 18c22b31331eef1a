use leakproof::prelude::*;
use std::collections::HashMap;
use std::sync::Mutex;

// Reviewed as unbounded, but still holding subscriptions: the field needs
// its teardown attribute too.
#[lifecycle]
struct Rooms {
    #[unbounded(reason = "one entry per open room")]
    rooms: Mutex<HashMap<u64, Subscription>>,
}

fn main() {}
