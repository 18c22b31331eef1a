//! `on_shutdown` hooks of every shape: a `fn(&self)`, one that returns
//! `Result<(), E>`, and an `async fn` returning either.
//!
//! The macro sees only the hook's path, not its signature, so the shape is
//! told apart by the type the call returns: generated code wraps the call's
//! result in [`HookCall`] and asks `(&&call).hook_kind()` for a tag. Method
//! resolution tries `&HookCall<F>` first, which matches only a future
//! ([`AsyncHook`]); everything else falls through to [`SyncHook`], which
//! accepts what implements [`HookOutput`]. The tag's `run` then takes the
//! value by move. An async hook's future keeps its own type (in a box), so
//! it is `Send` exactly when the hook's future is.

use std::fmt::Display;
use std::future::{Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The value a hook returned, before it is classified.
pub struct HookCall<R>(pub R);

/// What calling a hook gave: its outcome at once, or a future to await.
pub enum HookRun<F> {
    /// A synchronous hook ran: `Err` holds its error text.
    Ran(Result<(), String>),
    /// An async hook: nothing has run yet.
    Future(F),
}

/// What a hook, or the future of an async hook, may return.
#[diagnostic::on_unimplemented(
    message = "an `on_shutdown` hook returns `()`, `Result<(), E>` with `E: Display`, or a future of either; this one returns `{Self}`",
    label = "not a hook result",
    note = "change the hook to `fn flush(&self)`, `fn flush(&self) -> Result<(), E>` or `async fn flush(&self)`"
)]
pub trait HookOutput {
    /// `Err` with the error's text when the hook failed.
    fn into_result(self) -> Result<(), String>;
}

impl HookOutput for () {
    fn into_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: Display> HookOutput for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|error| error.to_string())
    }
}

/// The first choice: the hook returned a future (an `async fn`).
pub trait AsyncHook {
    /// Names the shape; the tag then takes the value by move.
    fn hook_kind(&self) -> AsyncTag {
        AsyncTag
    }
}

impl<F: Future> AsyncHook for &HookCall<F> {}

/// The fallback: the hook ran synchronously and returned its outcome.
pub trait SyncHook {
    /// Names the shape; the tag then takes the value by move.
    fn hook_kind(&self) -> SyncTag {
        SyncTag
    }
}

impl<R> SyncHook for HookCall<R> {}

/// The shape of an async hook.
pub struct AsyncTag;

impl AsyncTag {
    /// The future, not yet polled. The one place an async hook's output
    /// is required to be a hook result.
    pub fn run<F: Future<Output: HookOutput>>(self, call: HookCall<F>) -> HookRun<HookFuture<F>> {
        HookRun::Future(HookFuture {
            future: Box::pin(call.0),
            into_result: <F::Output as HookOutput>::into_result,
        })
    }
}

/// The shape of a synchronous hook.
pub struct SyncTag;

impl SyncTag {
    /// The outcome the hook already returned.
    pub fn run<R: HookOutput>(self, call: HookCall<R>) -> HookRun<Ready<Result<(), String>>> {
        HookRun::Ran(call.0.into_result())
    }
}

/// An async hook's future, its output already turned into a result. The
/// conversion was chosen where the output type was checked, so whoever
/// awaits this needs no bound of its own (and a wrong output type is
/// reported once).
pub struct HookFuture<F: Future> {
    future: Pin<Box<F>>,
    into_result: fn(F::Output) -> Result<(), String>,
}

impl<F: Future> Future for HookFuture<F> {
    type Output = Result<(), String>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let into_result = self.into_result;
        self.future.as_mut().poll(cx).map(into_result)
    }
}
