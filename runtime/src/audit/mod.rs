//! The marker traits behind `#[lifecycle]`'s compile-time checks.
//!
//! Each unmarked field of a `#[lifecycle]` struct gets a probe: a zero-sized
//! `Probe<FieldType>` whose `verdict()` resolves, by autoref specialisation,
//! to an "unmarked resource" verdict when the field's type is a teardown
//! resource and to `Fine` otherwise. The generated code then asserts that the
//! verdict is [`Fine`], through a trait generated for that field whose
//! `on_unimplemented` message names the field and the fix; the assertion is
//! spanned on the field's type. Because the compiler judges
//! the real type, type aliases and wrappers are seen through.
//!
//! The same probe judges growable collections: an unannotated field whose
//! type is [`Unbounded`] (a std collection, directly or through `Arc`,
//! `Mutex`, `Option`, ...) fails the build until it carries
//! `#[bounded(...)]` or `#[unbounded(reason = "...")]`.
//!
//! A field whose type is a bare generic parameter `T` cannot be judged where
//! the struct is defined (the probe sees no impl for an unknown `T`), so it is
//! accepted; `Vec<T>` is still caught, since every `Vec` is unbounded.

use std::marker::PhantomData;

/// Types that `shutdown()` must tear down: a field of such a type needs
/// `#[subscription]`, `#[task]` or `#[shutdown]` (or `#[lifecycle(skip)]`).
/// Implemented by the runtime's teardown types, by every `#[lifecycle]`
/// struct, and through the usual wrappers.
pub trait TeardownResource {
    /// Where `#[lifecycle]` puts the statements that only need to type-check
    /// (the `#[bounded]` type checks and the audit's probes), so that they
    /// cost no item of their own. Never called.
    #[doc(hidden)]
    fn __leakproof_checks()
    where
        Self: Sized,
    {
    }
}

#[cfg(feature = "tokio")]
impl<T> TeardownResource for tokio::task::JoinHandle<T> {}

macro_rules! through_wrappers {
    ($($wrapper:ident)::+) => {
        impl<T: TeardownResource + ?Sized> TeardownResource for $($wrapper)::+<T> {}
    };
}
through_wrappers!(std::boxed::Box);
through_wrappers!(std::sync::Arc);
through_wrappers!(std::rc::Rc);
through_wrappers!(std::sync::Mutex);
through_wrappers!(std::sync::RwLock);
through_wrappers!(std::cell::RefCell);
#[cfg(feature = "parking_lot")]
through_wrappers!(parking_lot::Mutex);
#[cfg(feature = "parking_lot")]
through_wrappers!(parking_lot::RwLock);
#[cfg(feature = "tokio")]
through_wrappers!(tokio::sync::Mutex);
#[cfg(feature = "tokio")]
through_wrappers!(tokio::sync::RwLock);
impl<T: TeardownResource> TeardownResource for Option<T> {}
impl<T: TeardownResource> TeardownResource for Vec<T> {}
impl<T: TeardownResource> TeardownResource for std::collections::VecDeque<T> {}
impl<K, V: TeardownResource, S> TeardownResource for std::collections::HashMap<K, V, S> {}
impl<K, V: TeardownResource> TeardownResource for std::collections::BTreeMap<K, V> {}

/// Collections that can grow without bound. An unannotated field of such a
/// type in a `#[lifecycle]` struct does not compile. Implement it for your
/// own growable types to have the audit catch them too.
pub trait Unbounded {}

/// Reads the one list (known.rs) into `Unbounded` impls: every collection
/// and channel end, and every wrapper around an unbounded type.
macro_rules! known {
    (
        collections { $($(#[$c:meta])* $($cs:ident)::+ <$($cp:ident),*>;)* }
        channels { $($(#[$h:meta])* $($hs:ident)::+ <$($hp:ident),*>;)* }
        wrappers { $($(#[$w:meta])* $($ws:ident)::+;)* }
        constructors { $($($k:ident)::+;)* }
    ) => {
        $($(#[$c])* impl<$($cp),*> Unbounded for $($cs)::+<$($cp),*> {})*
        $($(#[$h])* impl<$($hp),*> Unbounded for $($hs)::+<$($hp),*> {})*
        $($(#[$w])* impl<T: Unbounded + ?Sized> Unbounded for $($ws)::+<T> {})*
    };
}

include!("known.rs");

impl<T: Unbounded> Unbounded for Option<T> {}

#[doc(hidden)]
/// A zero-sized stand-in for a field's type.
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    /// The probe for `T`.
    pub const fn new() -> Self {
        Probe(PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[doc(hidden)]
/// Verdict: the field is fine as it is. The other verdict is
/// `PhantomData<T>` (the field's type, a teardown resource or an unbounded
/// collection): the generated assertion is implemented for `Fine` only, and
/// rustc's help line then names the field's own type, not a plumbing type.
pub struct Fine;

#[doc(hidden)]
/// Chosen when the field's type is a teardown resource (tried first: its
/// receiver is `&Probe<T>`).
pub trait ViaResource<T: ?Sized> {
    /// The verdict for `T`.
    fn verdict(&self) -> PhantomData<T>;
}

impl<T: TeardownResource + ?Sized> ViaResource<T> for Probe<T> {
    fn verdict(&self) -> PhantomData<T> {
        PhantomData
    }
}

#[doc(hidden)]
/// The fallback (receiver `&&Probe<T>`, tried second).
pub trait ViaPlain {
    /// The verdict: fine.
    fn verdict(&self) -> Fine;
    /// The verdict: fine.
    fn growth(&self) -> Fine;
}

impl<T: ?Sized> ViaPlain for &Probe<T> {
    fn verdict(&self) -> Fine {
        Fine
    }
    fn growth(&self) -> Fine {
        Fine
    }
}

#[doc(hidden)]
/// Chosen when the field's type is an unbounded collection.
pub trait ViaUnbounded<T: ?Sized> {
    /// The verdict for `T`.
    fn growth(&self) -> PhantomData<T>;
}

impl<T: Unbounded + ?Sized> ViaUnbounded<T> for Probe<T> {
    fn growth(&self) -> PhantomData<T> {
        PhantomData
    }
}
