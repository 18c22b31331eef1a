use leakproof::prelude::*;

// A `HashSet` that is not std's, as `use hashbrown::HashSet;` would bring.
mod other {
    pub type HashSet<T> = std::collections::BTreeSet<T>;
}
use other::HashSet;

#[lifecycle]
struct Server {
    #[bounded(cap = 10)]
    closed: HashSet<u64>,
}

fn main() {}
