// Look-alikes: code that resembles a leak and is not one. Nothing here may
// be reported.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use leakproof::prelude::*;

/// A Vec built and returned by a function.
pub fn evens(n: u64) -> Vec<u64> {
    let mut out = Vec::new();
    for i in 0..n {
        if i % 2 == 0 {
            out.push(i);
        }
    }
    out
}

/// A local HashMap in a loop.
pub fn counts(lines: &[String]) -> usize {
    let mut total = 0;
    for line in lines {
        let mut words: HashMap<&str, usize> = HashMap::new();
        for w in line.split(' ') {
            *words.entry(w).or_default() += 1;
        }
        total += words.len();
    }
    total
}

/// String fields and fixed arrays in a long-lived struct; a bounded field.
#[lifecycle]
pub struct Profile {
    name: String,
    avatar: [u8; 64],
    #[bounded(cap = 100)]
    recent: HashSet<u64>,
    #[bounded(cap = 16, evict = "fifo")]
    log: std::collections::VecDeque<String>,
}

pub fn profile() -> Arc<Profile> {
    Arc::new(Profile { name: String::new(), avatar: [0; 64], recent: Default::default(), log: Default::default() })
}

/// A bounded channel and a joined task.
pub async fn pipeline() {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(64);
    let producer = tokio::spawn(async move {
        for i in 0..10 {
            let _ = tx.send(i).await;
        }
    });
    while rx.recv().await.is_some() {}
    producer.await.unwrap();
}

/// A struct named like a collection is not one.
pub struct Vector {
    x: f64,
    y: f64,
}

pub static ORIGIN: Vector = Vector { x: 0.0, y: 0.0 };

/// A bounded type alias.
#[bounded(cap = 64)]
pub type Recent = HashSet<u64>;

pub struct Holder {
    recent: Recent,
}

pub fn holder() -> Arc<Holder> {
    Arc::new(Holder { recent: Default::default() })
}
