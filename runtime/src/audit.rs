//! The marker traits behind `#[lifecycle]`'s compile-time checks.
//!
//! Each unmarked field of a `#[lifecycle]` struct gets a probe: a zero-sized
//! `Probe<FieldType>` whose `verdict()` resolves, by autoref specialisation,
//! to an "unmarked resource" verdict when the field's type is a teardown
//! resource and to `Fine` otherwise. The generated code then asserts that the
//! verdict is acceptable; the assertion is spanned on the field's type, and
//! its `on_unimplemented` message names the fix. Because the compiler judges
//! the real type, type aliases and wrappers are seen through.
//!
//! A field whose type is a generic parameter cannot be judged where the
//! struct is defined, so the probe accepts it.

use std::marker::PhantomData;

/// Types that `shutdown()` must tear down: a field of such a type needs
/// `#[subscription]`, `#[task]` or `#[shutdown]` (or `#[lifecycle(skip)]`).
/// Implemented by the runtime's teardown types, by every `#[lifecycle]`
/// struct, and through the usual wrappers.
pub trait TeardownResource {}

impl TeardownResource for crate::lifecycle::Subscription {}
impl TeardownResource for crate::lifecycle::Subscriptions {}
#[cfg(feature = "tokio")]
impl TeardownResource for crate::tasks::TaskSet {}
#[cfg(feature = "tokio")]
impl TeardownResource for crate::tasks::TaskHandle {}
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
impl<T: TeardownResource> TeardownResource for Option<T> {}
impl<T: TeardownResource> TeardownResource for Vec<T> {}

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

/// Verdict: the field is fine as it is.
pub struct Fine;

/// Verdict: the field holds a teardown resource and has no teardown attribute.
pub struct UnmarkedResource<T: ?Sized>(PhantomData<T>);

/// Chosen when the field's type is a teardown resource (tried first: its
/// receiver is `&Probe<T>`).
pub trait ViaResource<T: ?Sized> {
    /// The verdict for `T`.
    fn verdict(&self) -> UnmarkedResource<T>;
}

impl<T: TeardownResource + ?Sized> ViaResource<T> for Probe<T> {
    fn verdict(&self) -> UnmarkedResource<T> {
        UnmarkedResource(PhantomData)
    }
}

/// The fallback (receiver `&&Probe<T>`, tried second).
pub trait ViaPlain {
    /// The verdict: fine.
    fn verdict(&self) -> Fine;
}

impl<T: ?Sized> ViaPlain for &Probe<T> {
    fn verdict(&self) -> Fine {
        Fine
    }
}

/// What an acceptable verdict implements, for a field of type `T`.
#[diagnostic::on_unimplemented(
    message = "this field's type, `{T}`, is a teardown resource that `shutdown()` would skip",
    label = "a teardown resource with no teardown attribute",
    note = "mark the field `#[subscription]`, `#[task]` or `#[shutdown]` so that `shutdown()` releases it, or `#[lifecycle(skip)]` to opt out"
)]
pub trait Handled<T: ?Sized> {}

#[diagnostic::do_not_recommend]
impl<T: ?Sized> Handled<T> for Fine {}

/// Compiles only for an acceptable verdict about a field of type `T`.
pub fn assert_handled<T: ?Sized, V: Handled<T>>(_verdict: V) {}
