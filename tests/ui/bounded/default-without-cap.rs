use leakproof::BoundedSet;

fn main() {
    // A wrapper whose type carries no cap has no `Default`.
    let closed: BoundedSet<u64> = Default::default();
    drop(closed);
}
