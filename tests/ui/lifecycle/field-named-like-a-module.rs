use leakproof::prelude::*;

mod db {
    pub struct Db;
}

// A field named like a module in scope: the message names the field as
// written, never a path through generated code.
#[lifecycle]
struct Server {
    db: Subscription,
}

fn main() {}
