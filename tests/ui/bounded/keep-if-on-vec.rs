use leakproof::prelude::*;

fn pinned(_: &u64) -> bool {
    true
}

#[lifecycle]
struct Chat {
    #[bounded(cap = 10, keep_if = pinned)]
    recent: Vec<u64>,
}

fn main() {}
