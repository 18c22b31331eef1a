#![deny(warnings)]
use leakproof::prelude::*;
use std::marker::PhantomData;

/// The escape hatch: no bound on `T`, which is only a marker here.
#[derive(MemoryReport)]
#[report(bound = "")]
struct Tagged<T> {
    items: Vec<u8>,
    #[report(skip)]
    tag: PhantomData<T>,
}

/// Recursive types work: bounds go on type parameters, not field types.
#[derive(MemoryReport)]
enum List {
    Nil,
    Cons(u64, Box<List>),
}

struct NoReport;

fn main() {
    let tagged: Tagged<NoReport> = Tagged { items: vec![1, 2, 3], tag: PhantomData };
    assert_eq!(tagged.memory_report().find("items").and_then(|r| r.len()), Some(3));
    let list = List::Cons(1, Box::new(List::Cons(2, Box::new(List::Nil))));
    assert!(list.memory_report().heap_bytes() >= 2 * std::mem::size_of::<List>() - std::mem::size_of::<List>());
}
