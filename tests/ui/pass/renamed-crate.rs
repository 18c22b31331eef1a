#![deny(warnings)]
extern crate leakproof as lp;
use std::collections::HashSet;

#[lp::lifecycle(crate = lp)]
struct Server {
    #[bounded(cap = 3)]
    closed: HashSet<u64>,
}

#[lp::bounded(cap = 2, crate = lp)]
type Small = HashSet<u8>;

fn main() {
    let server = Server { closed: Default::default() };
    assert_eq!(server.closed.cap(), 3);
    assert_eq!(Small::default().cap(), 2);
}
