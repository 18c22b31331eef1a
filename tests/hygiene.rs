//! Generated code is lint-clean and uses absolute paths only: every
//! attribute in typical shapes, under `deny(warnings, unused_qualifications)`
//! (and clippy pedantic, which CI runs with `-D warnings`), inside a module
//! that shadows the names a careless expansion would use.
#![deny(warnings, unused_qualifications)]
#![warn(clippy::pedantic)]
#![allow(dead_code)] // the structs exist to be expanded

mod shadowed {
    // A careless expansion writing `Option`, `Vec`, `core::`, `std::` or
    // `leakproof::` unqualified would pick these up and fail to compile.
    #![allow(non_camel_case_types, clippy::pedantic)]
    pub struct Option;
    pub struct Result;
    pub struct Vec;
    pub struct Box;
    pub struct String;
    pub trait Default {}
    pub trait Drop {}
    pub mod core {}
    pub mod std {}
    pub mod leakproof {}
}

mod services {
    #![allow(unused_imports)]
    use super::shadowed::*;
    use ::leakproof::prelude::*;
    use ::std::collections::{HashMap, HashSet, VecDeque};

    const CLOSED: usize = 1_000;

    #[bounded(cap = 64, evict = "fifo")]
    pub type Recent = VecDeque<u64>;

    #[lifecycle(on_shutdown = Self::flush, drop = "warn")]
    pub struct Logger {
        #[subscription]
        on_line: Subscription,
        #[bounded(cap = 128)]
        queue: ::std::vec::Vec<u8>,
    }

    impl Logger {
        fn flush(&self) {
            let _ = self.queue.len();
        }
    }

    #[lifecycle(drop = "shutdown")]
    pub struct ConnectionManager<'a, T>
    where
        T: Clone + Send + Sync + 'static + ::std::fmt::Debug,
    {
        #[bounded(cap = CLOSED)]
        closed: HashSet<u64>,
        #[bounded(cap = 500, ttl = "5m", evict = "lru")]
        players: HashMap<u64, T>,
        #[bounded(cap = 8, evict = "reject")]
        pending: HashMap<u64, &'a str>,
        #[unbounded(reason = "one per live socket")]
        active: HashMap<u64, T>,
        #[subscription]
        on_disconnect: Subscriptions,
        #[shutdown]
        logger: Logger,
        #[lifecycle(skip)]
        scratch: ::std::vec::Vec<u8>,
        name: &'a str,
    }
}

#[test]
fn expansions_compile_under_deny_warnings_with_shadowed_names() {
    let recent = services::Recent::default();
    assert_eq!(recent.cap(), 64);
}
