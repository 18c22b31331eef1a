//! What `#[bounded]` checks about the type it rewrites: the written type
//! must be the std collection the rewrite assumed, so an imported
//! `hashbrown::HashSet` (or any other type of that name) is an error at the
//! field, not a silent swap of one collection for another.
//!
//! One trait per collection, implemented for the std type only. Generated
//! code calls `<Written as IsStdHashSet>::confirm()` spanned on the written
//! type, so the error points there; the message, label and note are the
//! trait's own. The traits are reachable through `leakproof::collections`
//! (hidden from the docs), so rustc's help line names them plainly
//! ("the trait `IsStdHashSet` is not implemented for ..."); reached only
//! through the generated code's private module, it printed that module's
//! path.

/// Implemented for std's `HashSet` only: what `#[bounded]` checks a written
/// `HashSet` is.
#[diagnostic::on_unimplemented(
    message = "`#[bounded]` rewrites `std::collections::HashSet`, and `{Self}` is a different type",
    label = "not `std::collections::HashSet`",
    note = "import `std::collections::HashSet`, or for another set type use `leakproof::BoundedSet` directly"
)]
pub trait IsStdHashSet {
    /// Compiles only for std's `HashSet`.
    fn confirm() {}
}

#[diagnostic::do_not_recommend]
impl<T, S> IsStdHashSet for std::collections::HashSet<T, S> {}

/// Implemented for std's `HashMap` only: what `#[bounded]` checks a written
/// `HashMap` is.
#[diagnostic::on_unimplemented(
    message = "`#[bounded]` rewrites `std::collections::HashMap`, and `{Self}` is a different type",
    label = "not `std::collections::HashMap`",
    note = "import `std::collections::HashMap`, or for another map type use `leakproof::BoundedMap` directly"
)]
pub trait IsStdHashMap {
    /// Compiles only for std's `HashMap`.
    fn confirm() {}
}

#[diagnostic::do_not_recommend]
impl<K, V, S> IsStdHashMap for std::collections::HashMap<K, V, S> {}

/// Implemented for std's `Vec` only: what `#[bounded]` checks a written
/// `Vec` is.
#[diagnostic::on_unimplemented(
    message = "`#[bounded]` rewrites `std::vec::Vec`, and `{Self}` is a different type",
    label = "not `std::vec::Vec`",
    note = "use std's `Vec`, or `leakproof::BoundedDeque` directly"
)]
pub trait IsStdVec {
    /// Compiles only for std's `Vec`.
    fn confirm() {}
}

#[diagnostic::do_not_recommend]
impl<T> IsStdVec for Vec<T> {}

/// Implemented for std's `VecDeque` only: what `#[bounded]` checks a
/// written `VecDeque` is.
#[diagnostic::on_unimplemented(
    message = "`#[bounded]` rewrites `std::collections::VecDeque`, and `{Self}` is a different type",
    label = "not `std::collections::VecDeque`",
    note = "import `std::collections::VecDeque`, or use `leakproof::BoundedDeque` directly"
)]
pub trait IsStdVecDeque {
    /// Compiles only for std's `VecDeque`.
    fn confirm() {}
}

#[diagnostic::do_not_recommend]
impl<T> IsStdVecDeque for std::collections::VecDeque<T> {}
