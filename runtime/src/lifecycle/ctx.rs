//! The context a shutdown runs in: it runs each step in isolation and
//! records what happened.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;

use super::isolate::each_isolated;
use super::report::{Outcome, ShutdownReport, Step, StepKind, counted};
use super::{Cancel, Lifecycle, Unsubscribe};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `shutdown()`: cancel and abort tasks at once; nothing is awaited.
    Now,
    /// `shutdown_graceful()`: cancel now, await later, abort past the grace.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    Graceful,
    /// `is_shut_down()`: touch nothing, only note which fields are active.
    Probe,
}

/// Owned handles to wait for a task field's tasks and to abort the rest,
/// taken during the synchronous walk so the wait borrows nothing.
pub struct Stopper {
    /// Completes when every task has finished.
    pub finished: Pin<Box<dyn Future<Output = ()> + Send>>,
    /// Aborts whatever is still running; returns the names aborted.
    pub abort: Box<dyn FnOnce() -> Vec<String> + Send>,
}

impl Stopper {
    /// One stopper for a group: finished when every member is, and its
    /// abort aborts them all (each isolated).
    pub(crate) fn all(stoppers: Vec<Stopper>) -> Stopper {
        let (finished, aborts): (Vec<_>, Vec<_>) =
            stoppers.into_iter().map(|s| (s.finished, s.abort)).unzip();
        Stopper {
            finished: Box::pin(async move {
                for member in finished {
                    member.await;
                }
            }),
            abort: Box::new(move || {
                let mut names = Vec::new();
                each_isolated(aborts, |abort| names.extend(abort())).resume();
                names
            }),
        }
    }
}

impl std::fmt::Debug for Stopper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stopper { .. }")
    }
}

/// Records a shutdown as it runs. Generated `Lifecycle::teardown` bodies
/// call one method per teardown field; each runs isolated, so a panicking
/// step is recorded as failed and the remaining steps still run.
///
/// The same `teardown` body also answers `is_shut_down()`: run in probe
/// mode, each call only notes whether its field is active. So a component's
/// fields are named, and their trait bounds checked, in one place.
#[derive(Debug)]
pub struct ShutdownCtx {
    mode: Mode,
    prefix: String,
    report: ShutdownReport,
    waiting: Vec<(usize, Stopper)>,
    /// Probe mode: teardown fields seen, and the paths of the active ones.
    probed: usize,
    active: Vec<String>,
    /// Whether the current component's hook should run.
    hook_runs: bool,
    /// The current component, as its entry in the failed-hooks list.
    current: Option<HookKey>,
    /// Probe mode for a drop warning (see `probe_for_drop`).
    for_drop: bool,
}

/// A component whose `on_shutdown` hook panicked: its address and type name.
type HookKey = (usize, &'static str);

/// Components whose hook panicked and has not yet completed.
///
/// A hook leaves no trace in its component's fields, so without this list a
/// second shutdown would find every field inactive and report a hook that
/// never completed as "already done". It holds an entry only from a hook's
/// panic to its next successful run and is capped, so it cannot grow without
/// bound; a stale entry (a component dropped after its hook failed, and a new
/// one of the same type at the same address) only makes that hook run once
/// more, which hooks must allow anyway.
fn failed_hooks() -> std::sync::MutexGuard<'static, std::collections::VecDeque<HookKey>> {
    static FAILED: std::sync::Mutex<std::collections::VecDeque<HookKey>> =
        std::sync::Mutex::new(std::collections::VecDeque::new());
    FAILED.lock().unwrap_or_else(|e| e.into_inner())
}

/// The most failed hooks remembered at once (the oldest is forgotten first).
const FAILED_HOOKS_CAP: usize = 1024;

impl ShutdownCtx {
    pub(crate) fn new(mode: Mode) -> Self {
        ShutdownCtx {
            mode,
            prefix: String::new(),
            report: ShutdownReport::default(),
            waiting: Vec::new(),
            probed: 0,
            active: Vec::new(),
            hook_runs: true,
            current: None,
            for_drop: false,
        }
    }

    /// Probes `teardown` without touching anything: (teardown fields seen,
    /// paths of the active ones).
    pub(crate) fn probe(teardown: impl FnOnce(&mut ShutdownCtx)) -> (usize, Vec<String>) {
        let mut ctx = ShutdownCtx::new(Mode::Probe);
        teardown(&mut ctx);
        (ctx.probed, ctx.active)
    }

    /// The active fields a drop warning names: as [`probe`](Self::probe),
    /// but leaving out nested components that warn (or shut down) on their
    /// own drop, which comes right after, so one drop logs one warning each.
    pub(crate) fn probe_for_drop(teardown: impl FnOnce(&mut ShutdownCtx)) -> Vec<String> {
        let mut ctx = ShutdownCtx::new(Mode::Probe);
        ctx.for_drop = true;
        teardown(&mut ctx);
        ctx.active
    }

    /// Runs `body` as the teardown of the component `name` (the first one
    /// named is the report's component). `body` runs twice: once probing,
    /// to learn whether anything is still active (if nothing is, the hook is
    /// skipped and reported as already done), then for real.
    ///
    /// `component` is the component itself: a hook that panicked is
    /// remembered by its address, so the next shutdown runs it again instead
    /// of calling it done.
    pub fn component<C: ?Sized>(&mut self, name: &str, component: &C, body: impl Fn(&mut Self)) {
        if self.mode == Mode::Probe {
            return body(self);
        }
        if self.report.component.is_empty() {
            self.report.component = name.to_string();
        }
        let key = ((component as *const C).cast::<()>() as usize, std::any::type_name::<C>());
        let (fields, active) = ShutdownCtx::probe(&body);
        let failed_before = failed_hooks().contains(&key);
        // A component with no teardown fields has no state that could say
        // "already done": its hook runs every time.
        let runs = fields == 0 || !active.is_empty() || failed_before;
        let outer = std::mem::replace(&mut self.hook_runs, runs);
        let outer_key = self.current.replace(key);
        body(self);
        self.hook_runs = outer;
        self.current = outer_key;
    }

    /// The `on_shutdown` hook: run first, skipped when the component is
    /// already shut down.
    pub fn hook(&mut self, hook: impl FnOnce()) {
        if self.mode == Mode::Probe {
            return;
        }
        if !self.hook_runs {
            return self.record("on_shutdown", StepKind::Hook, Outcome::AlreadyDone);
        }
        let result = catch_unwind(AssertUnwindSafe(hook));
        if let Some(key) = self.current {
            let mut failed = failed_hooks();
            failed.retain(|k| *k != key);
            if result.is_err() {
                if failed.len() == FAILED_HOOKS_CAP {
                    failed.pop_front();
                }
                failed.push_back(key);
            }
        }
        let outcome = match result {
            Ok(()) => Outcome::Done(String::new()),
            Err(panic) => Outcome::Failed(panic_message(&*panic)),
        };
        self.record("on_shutdown", StepKind::Hook, outcome);
    }

    /// Probe mode: note one field and whether it is active.
    fn noted(&mut self, field: &str, active: impl FnOnce() -> bool) -> bool {
        if self.mode != Mode::Probe {
            return false;
        }
        self.probed += 1;
        // A query that panics counts as active: better a retry than a skip.
        if catch_unwind(AssertUnwindSafe(active)).unwrap_or(true) {
            self.active.push(format!("{}{field}", self.prefix));
        }
        true
    }

    /// Unsubscribes a `#[subscription]` field.
    pub fn unsubscribe<T: Unsubscribe + ?Sized>(&mut self, field: &str, sub: &T) {
        if self.noted(field, || sub.is_active()) {
            return;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let active = sub.active_count();
            if active == 0 && !sub.is_active() {
                return (0, Outcome::AlreadyDone);
            }
            sub.unsubscribe();
            (active, Outcome::Done(format!("{} unsubscribed", counted(active, "handler"))))
        }));
        let outcome = match outcome {
            Ok((count, outcome)) => {
                self.report.unsubscribed += count;
                outcome
            }
            Err(panic) => Outcome::Failed(panic_message(&*panic)),
        };
        self.record(field, StepKind::Subscription, outcome);
    }

    /// Cancels a `#[task]` field: signals every task, then aborts what is
    /// still running (`shutdown()`), or registers it to be awaited up to the
    /// grace period (`shutdown_graceful()`).
    pub fn tasks<T: Cancel + ?Sized>(&mut self, field: &str, tasks: &T) {
        if self.noted(field, || tasks.is_active()) {
            return;
        }
        let mode = self.mode;
        let result = catch_unwind(AssertUnwindSafe(|| {
            if !tasks.is_active() {
                return None;
            }
            let cancelled = tasks.cancel();
            Some(match mode {
                Mode::Graceful => (cancelled, Vec::new(), Some(tasks.stopper())),
                Mode::Now | Mode::Probe => (cancelled, tasks.abort(), None),
            })
        }));
        let outcome = match result {
            Ok(None) => Outcome::AlreadyDone,
            Ok(Some((cancelled, aborted, stopper))) => {
                self.report.tasks_cancelled += cancelled;
                self.report.tasks_aborted += aborted.len();
                if let Some(stopper) = stopper {
                    self.waiting.push((self.report.steps.len(), stopper));
                }
                Outcome::Done(task_summary(cancelled, &aborted))
            }
            Err(panic) => Outcome::Failed(panic_message(&*panic)),
        };
        self.record(field, StepKind::Task, outcome);
    }

    /// Shuts down a nested `#[shutdown]` component: one step for the field,
    /// then the component's own steps under `field.`.
    pub fn nested<T: Lifecycle + ?Sized>(&mut self, field: &str, inner: &T) {
        let for_drop = self.for_drop;
        let warns_itself = || for_drop && inner.handles_own_drop();
        if self.noted(field, || !warns_itself() && !inner.is_shut_down()) {
            return;
        }
        let index = self.report.steps.len();
        let active = catch_unwind(AssertUnwindSafe(|| !inner.is_shut_down()));
        self.record(field, StepKind::Nested, Outcome::AlreadyDone);
        let inner_prefix = format!("{}{field}.", self.prefix);
        let outer = std::mem::replace(&mut self.prefix, inner_prefix);
        let component = std::mem::take(&mut self.report.component);
        let result = catch_unwind(AssertUnwindSafe(|| inner.teardown(self)));
        self.report.component = component;
        self.prefix = outer;
        self.report.steps[index].outcome = match (active, result) {
            (_, Err(panic)) | (Err(panic), _) => Outcome::Failed(panic_message(&*panic)),
            (Ok(false), Ok(())) => Outcome::AlreadyDone,
            (Ok(true), Ok(())) => Outcome::Done(String::new()),
        };
    }

    fn record(&mut self, field: &str, kind: StepKind, outcome: Outcome) {
        let path = format!("{}{field}", self.prefix);
        self.report.steps.push(Step { path, kind, outcome });
    }

    pub(crate) fn into_report(self) -> ShutdownReport {
        self.report
    }

    /// Awaits the tasks cancelled during the walk, all within one deadline,
    /// then aborts the ones still running and records them as timed out.
    #[cfg(feature = "tokio")]
    pub(crate) async fn finish(mut self, grace: std::time::Duration) -> ShutdownReport {
        let deadline = deadline_after(grace);
        let mut late = Vec::new();
        for (index, stopper) in std::mem::take(&mut self.waiting) {
            // Spawned tasks run concurrently; awaiting in turn against one
            // deadline waits for all of them at most `grace` in total.
            if tokio::time::timeout_at(deadline, stopper.finished).await.is_err() {
                late.push((index, stopper.abort));
            }
        }
        for (index, abort) in late {
            let names = match catch_unwind(AssertUnwindSafe(abort)) {
                Ok(names) => names,
                Err(panic) => {
                    self.report.steps[index].outcome = Outcome::Failed(panic_message(&*panic));
                    continue;
                }
            };
            if !names.is_empty() {
                self.report.tasks_aborted += names.len();
                self.report.steps[index].outcome = Outcome::TimedOut(names);
            }
        }
        self.report
    }
}

/// `now + grace`, saturating: `Duration::MAX` means "wait as long as it
/// takes" (2^32 seconds, 136 years, is as good as never).
#[cfg(feature = "tokio")]
fn deadline_after(grace: std::time::Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(grace)
        .unwrap_or_else(|| now + std::time::Duration::from_secs(u64::from(u32::MAX)))
}

fn task_summary(cancelled: usize, aborted: &[String]) -> String {
    let cancelled = counted(cancelled, "task");
    if aborted.is_empty() {
        format!("{cancelled} cancelled")
    } else {
        format!("{cancelled} cancelled, aborted: {}", aborted.join(", "))
    }
}

/// The text of a panic payload (`panic!("...")` gives `&str` or `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}
