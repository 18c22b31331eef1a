//! The context a shutdown runs in: it runs each step in isolation and
//! records what happened.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::time::Duration;

use super::graceful::Instant;
use super::hook::HookRun;
use super::isolate::each_isolated;
use super::shutdown_report::{Outcome, ShutdownReport, Step, StepKind, counted};
use super::{Cancel, Lifecycle, Unsubscribe};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `shutdown()`: cancel and abort tasks at once; nothing is awaited.
    Now,
    /// The graceful walk through a component it cannot await step by step
    /// (one behind a std lock, or not `Sync`): cancel now, await later,
    /// abort past the grace.
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
    pub(crate) prefix: String,
    report: ShutdownReport,
    waiting: Vec<(usize, Stopper)>,
    /// When this walk started, and where that lies in the whole shutdown
    /// (a graceful shutdown walks some subtrees synchronously).
    start: Instant,
    pub(crate) base: Duration,
    /// Probe mode: the first component reached, which identifies the value
    /// probed through any pointers in front of it.
    first: Option<HookKey>,
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

/// A component, by address and type name: whose hook failed, or which is
/// being shut down.
pub(crate) type HookKey = (usize, &'static str);

/// The key of a component.
pub(crate) fn key_of<C: ?Sized>(component: &C) -> HookKey {
    ((component as *const C).cast::<()>() as usize, std::any::type_name::<C>())
}

/// Components whose hook panicked and has not yet completed.
///
/// A hook leaves no trace in its component's fields, so without this list a
/// second shutdown would find every field inactive and report a hook that
/// never completed as "already done". It holds an entry only from a hook's
/// panic to its next successful run and is capped, so it cannot grow without
/// bound; a stale entry (a component dropped after its hook failed, and a new
/// one of the same type at the same address) only makes that hook run once
/// more, which hooks must allow anyway.
pub(crate) fn failed_hooks() -> std::sync::MutexGuard<'static, std::collections::VecDeque<HookKey>>
{
    static FAILED: std::sync::Mutex<std::collections::VecDeque<HookKey>> =
        std::sync::Mutex::new(std::collections::VecDeque::new());
    FAILED.lock().unwrap_or_else(|e| e.into_inner())
}

/// The most failed hooks remembered at once (the oldest is forgotten first).
const FAILED_HOOKS_CAP: usize = 1024;

/// Remembers whether `key`'s hook failed, so the next shutdown runs it again.
pub(crate) fn note_hook(key: Option<HookKey>, failed: bool) {
    let Some(key) = key else { return };
    let mut list = failed_hooks();
    list.retain(|k| *k != key);
    if failed {
        if list.len() == FAILED_HOOKS_CAP {
            list.pop_front();
        }
        list.push_back(key);
    }
}

/// Whether a component's hook runs: when something in it is still active,
/// when it has no teardown fields (nothing could say "already done"), or
/// when its hook failed last time.
pub(crate) fn hook_runs<C: ?Sized>(component: &C, body: impl FnOnce(&mut ShutdownCtx)) -> bool {
    let (fields, active) = ShutdownCtx::probe(body);
    fields == 0 || !active.is_empty() || failed_hooks().contains(&key_of(component))
}

/// The outcome of a hook that ran (or failed to start).
pub(crate) fn hook_outcome(result: Result<Result<(), String>, String>) -> Outcome {
    match result {
        Ok(Ok(())) => Outcome::Done(String::new()),
        Ok(Err(error)) => Outcome::Failed(format!("returned an error: {error}")),
        Err(panic) => Outcome::Failed(panic),
    }
}

/// Unsubscribes `sub` in isolation: (handlers unsubscribed, outcome).
pub(crate) fn unsubscribe_step<T: Unsubscribe + ?Sized>(sub: &T) -> (usize, Outcome) {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let active = sub.active_count();
        if active == 0 && !sub.is_active() {
            return (0, Outcome::AlreadyDone);
        }
        sub.unsubscribe();
        (active, Outcome::Done(format!("{} unsubscribed", counted(active, "handler"))))
    }));
    result.unwrap_or_else(|panic| (0, Outcome::Failed(panic_message(&*panic))))
}

/// Why an async hook did not run in a synchronous walk.
const ASYNC_HOOK_NOT_RUN: &str = "an async `on_shutdown` hook runs only in `shutdown_graceful`, on a component it can await (a `Sync` one, not behind a std lock)";

impl ShutdownCtx {
    pub(crate) fn new(mode: Mode) -> Self {
        ShutdownCtx {
            mode,
            prefix: String::new(),
            report: ShutdownReport::default(),
            waiting: Vec::new(),
            start: Instant::now(),
            base: Duration::ZERO,
            first: None,
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

    /// The first component `teardown` reaches: the value behind any
    /// pointers, so two `Arc`s of one service give one key.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn identify(teardown: impl FnOnce(&mut ShutdownCtx)) -> Option<HookKey> {
        let mut ctx = ShutdownCtx::new(Mode::Probe);
        teardown(&mut ctx);
        ctx.first
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
            self.first.get_or_insert_with(|| key_of(component));
            return body(self);
        }
        if self.report.component.is_empty() {
            self.report.component = name.to_string();
        }
        let runs = hook_runs(component, &body);
        let outer = std::mem::replace(&mut self.hook_runs, runs);
        let outer_key = self.current.replace(key_of(component));
        body(self);
        self.hook_runs = outer;
        self.current = outer_key;
    }

    /// The `on_shutdown` hook: run after the component's fields, skipped
    /// when the component was already shut down. `call` calls the hook and
    /// classifies what it returned; an async hook's future is dropped
    /// unpolled and the step reported as not run.
    pub fn hook<F: Future<Output = Result<(), String>>>(
        &mut self,
        call: impl FnOnce() -> HookRun<F>,
    ) {
        if self.mode == Mode::Probe {
            return;
        }
        let began = Instant::now();
        if !self.hook_runs {
            return self.record("on_shutdown", StepKind::Hook, Outcome::AlreadyDone, began);
        }
        let outcome = match catch_unwind(AssertUnwindSafe(call)) {
            Ok(HookRun::Future(_)) => Outcome::NotRun(ASYNC_HOOK_NOT_RUN.to_string()),
            Ok(HookRun::Ran(result)) => hook_outcome(Ok(result)),
            Err(panic) => hook_outcome(Err(panic_message(&*panic))),
        };
        note_hook(self.current, matches!(outcome, Outcome::Failed(_)));
        self.record("on_shutdown", StepKind::Hook, outcome, began);
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
        let began = Instant::now();
        let (count, outcome) = unsubscribe_step(sub);
        self.report.unsubscribed += count;
        self.record(field, StepKind::Subscription, outcome, began);
    }

    /// Cancels a `#[task]` field: signals every task, then aborts what is
    /// still running (`shutdown()`), or registers it to be awaited up to the
    /// grace period (`shutdown_graceful()`).
    pub fn tasks<T: Cancel + ?Sized>(&mut self, field: &str, tasks: &T) {
        if self.noted(field, || tasks.is_active()) {
            return;
        }
        let mode = self.mode;
        let began = Instant::now();
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
        self.record(field, StepKind::Task, outcome, began);
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
        let began = Instant::now();
        let active = catch_unwind(AssertUnwindSafe(|| !inner.is_shut_down()));
        self.record(field, StepKind::Nested, Outcome::AlreadyDone, began);
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
        self.report.steps[index].took = began.elapsed();
    }

    fn record(&mut self, field: &str, kind: StepKind, outcome: Outcome, began: Instant) {
        let path = format!("{}{field}", self.prefix);
        let started = self.base + began.saturating_duration_since(self.start);
        let took = began.elapsed();
        self.report.steps.push(Step { path, kind, outcome, started, took });
    }

    pub(crate) fn into_report(mut self) -> ShutdownReport {
        self.report.took = self.start.elapsed();
        self.report
    }

    /// The steps recorded and the task fields left to await.
    pub(crate) fn into_parts(self) -> (ShutdownReport, Vec<(usize, Stopper)>) {
        (self.report, self.waiting)
    }
}

pub(crate) fn task_summary(cancelled: usize, aborted: &[String]) -> String {
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
