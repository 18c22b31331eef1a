use leakproof::prelude::*;
use std::collections::HashMap;

fn names(_: &HashMap<u64, String>) -> leakproof::Report {
    leakproof::Report::leaf::<()>(0)
}

#[lifecycle]
struct Directory {
    #[unbounded(reason = "one entry per user")]
    #[report(bound = "String: Clone")]
    by_id: HashMap<u64, String>,
    #[unbounded(reason = "one entry per user")]
    #[report]
    by_name: HashMap<u64, String>,
    #[unbounded(reason = "one entry per user")]
    #[report(skip, with = names)]
    by_email: HashMap<u64, String>,
    #[unbounded(reason = "one entry per user")]
    #[report(skip)]
    #[report(with = names)]
    by_phone: HashMap<u64, String>,
}

fn main() {}
