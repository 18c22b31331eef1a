//! The only door generated code uses. Not public API: no semver guarantees.

pub use crate::bounded::{BoundedDeque, BoundedMap, BoundedSet};
pub use std::collections::hash_map::RandomState;

/// Const-parameter codes for the eviction policy (see `Evict::from_const`).
pub const EVICT_LRU: u8 = 0;
/// See [`EVICT_LRU`].
pub const EVICT_FIFO: u8 = 1;
/// See [`EVICT_LRU`].
pub const EVICT_REJECT: u8 = 2;

/// Identity checks behind `#[bounded]`: the rewrite decides by the type's
/// last path segment, and these make the compiler confirm that the written
/// type really is the std collection. (Diagnostic attributes take plain
/// literals only, hence the spelled-out messages.)
macro_rules! std_identity {
    ($($check:ident, $trait:ident, $msg:literal, $label:literal, $note:literal, [$($p:ident),*] => $ty:ty;)*) => {$(
        #[doc = $label]
        #[diagnostic::on_unimplemented(message = $msg, label = $label, note = $note)]
        pub trait $trait {}
        impl<$($p),*> $trait for $ty {}
        #[doc = $label]
        pub fn $check<C: ?Sized + $trait>() {}
    )*};
}

std_identity! {
    is_std_hash_set, StdHashSet,
    "`#[bounded]` rewrites `std::collections::HashSet`, and `{Self}` is a different type",
    "not `std::collections::HashSet`",
    "import `std::collections::HashSet`, or for another set type use `leakproof::BoundedSet` directly",
    [T, S] => std::collections::HashSet<T, S>;
    is_std_hash_map, StdHashMap,
    "`#[bounded]` rewrites `std::collections::HashMap`, and `{Self}` is a different type",
    "not `std::collections::HashMap`",
    "import `std::collections::HashMap`, or for another map type use `leakproof::BoundedMap` directly",
    [K, V, S] => std::collections::HashMap<K, V, S>;
    is_std_vec, StdVec,
    "`#[bounded]` rewrites `std::vec::Vec`, and `{Self}` is a different type",
    "not `std::vec::Vec`",
    "use std's `Vec`, or `leakproof::BoundedDeque` directly",
    [T] => std::vec::Vec<T>;
    is_std_vec_deque, StdVecDeque,
    "`#[bounded]` rewrites `std::collections::VecDeque`, and `{Self}` is a different type",
    "not `std::collections::VecDeque`",
    "import `std::collections::VecDeque`, or use `leakproof::BoundedDeque` directly",
    [T] => std::collections::VecDeque<T>;
}
