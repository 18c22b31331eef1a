#![deny(warnings)]
use leakproof::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Not flagged: strings, scalars, arrays, fixed tuples, bare type
/// parameters (they cannot be judged where the struct is defined), and
/// fields that say what they are.
#[lifecycle]
#[allow(non_snake_case)] // a field named like a type must not shadow it
struct Fine<T> {
    name: String,
    count: u64,
    buffer: [u8; 16],
    pair: (u32, u32),
    shared: Arc<Mutex<String>>,
    payload: T,
    #[unbounded(reason = "one entry per live socket; removed on disconnect")]
    active: HashMap<u64, String>,
    #[lifecycle(skip)]
    scratch: Vec<u8>,
    String: String,
}

fn main() {
    let fine = Fine {
        name: String::new(),
        count: 0,
        buffer: [0; 16],
        pair: (0, 0),
        shared: Arc::default(),
        payload: vec![1u8],
        active: HashMap::new(),
        scratch: Vec::new(),
        String: String::new(),
    };
    assert!(fine.is_shut_down());
    let _ = (&fine.name, fine.count, fine.buffer, fine.pair, &fine.shared, &fine.payload);
    let _ = (&fine.active, &fine.scratch, &fine.String);
}
