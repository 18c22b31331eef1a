use leakproof::prelude::*;

#[bounded(cap = 10)]
type Names = std::collections::BTreeSet<String>;

fn main() {}
