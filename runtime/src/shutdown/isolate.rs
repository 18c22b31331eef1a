//! Per-step isolation inside a group: a group of subscriptions, tasks or
//! components tears down every member even when some of them panic, then
//! reports the failures together.
//!
//! Without it, the first panic unwinds out of the loop and the members not
//! yet reached are dropped during unwinding; if one of those panics in its
//! `Drop`, the process aborts ("panic in a destructor during cleanup").

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use super::ctx::panic_message;

/// The panics collected from the members of a group.
#[must_use = "call `resume()` so that the failures reach the shutdown report"]
pub(crate) struct Failures {
    messages: Vec<String>,
    total: usize,
}

impl Failures {
    /// Panics once, naming every failure, if there was any. Called after the
    /// whole group has run, so the shutdown step that called it is recorded
    /// as failed with all the messages.
    pub(crate) fn resume(self) {
        match self.messages.len() {
            0 => {}
            1 => resume_unwind(Box::new(self.messages.into_iter().next().unwrap_or_default())),
            n => resume_unwind(Box::new(format!(
                "{n} of {} members failed: {}",
                self.total,
                self.messages.join("; ")
            ))),
        }
    }
}

/// Runs `action` on every item, each under `catch_unwind`.
pub(crate) fn each_isolated<T>(
    items: impl IntoIterator<Item = T>,
    mut action: impl FnMut(T),
) -> Failures {
    let mut failures = Failures { messages: Vec::new(), total: 0 };
    for item in items {
        failures.total += 1;
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| action(item))) {
            failures.messages.push(panic_message(&*panic));
        }
    }
    failures
}
