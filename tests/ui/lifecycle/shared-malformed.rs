use leakproof::prelude::*;
use std::sync::Arc;

#[lifecycle]
struct Db {
    #[unbounded(reason = "test rows")]
    rows: Vec<u64>,
}

#[lifecycle]
struct Api {
    #[shared(owner = "app")]
    db: Arc<Db>,
    #[shared]
    #[shutdown]
    replica: Arc<Db>,
}

fn main() {}
