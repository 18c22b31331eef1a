use leakproof::prelude::*;
use std::sync::{Arc, Mutex};

type Handlers = Arc<Mutex<Option<Subscriptions>>>;

#[lifecycle]
struct Chat {
    handlers: Handlers,
}

fn main() {}
