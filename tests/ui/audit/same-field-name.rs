use leakproof::prelude::*;

// Two structs with a field of the same name: each message names the field,
// not a path to generated code.
#[lifecycle]
struct Inbox {
    items: Vec<String>,
}

#[lifecycle]
struct Outbox {
    items: Vec<String>,
}

fn main() {}
