use leakproof::prelude::*;
use leakproof::Unbounded;

/// A user's own growable queue, marked so the audit catches it.
struct JobQueue(Vec<u64>);
impl Unbounded for JobQueue {}

#[lifecycle]
struct Scheduler {
    jobs: JobQueue,
}

fn main() {}
