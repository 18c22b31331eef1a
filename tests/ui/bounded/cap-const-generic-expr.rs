use leakproof::prelude::*;
use std::collections::VecDeque;

#[lifecycle]
struct Recent<const N: usize> {
    #[bounded(cap = N * 2)]
    lines: VecDeque<String>,
}

fn main() {}
