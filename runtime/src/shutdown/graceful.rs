//! The graceful shutdown: the steps of `shutdown()`, each awaited before the
//! next, within one overall deadline.
//!
//! `#[lifecycle]` generates, beside the synchronous `teardown`, an async body
//! that walks the same fields in the same order and awaits each step: a task
//! field until its tasks stopped (or its grace ran out), a nested component
//! until its whole subtree is done, an async hook until it returns. That body
//! holds `&self` across awaits, so its future is `Send` only for a `Sync`
//! component; the generated code picks it through [`Ordered`] when the
//! component is `Sync` and falls back to [`Unordered`] otherwise (see
//! [`Walk`]). The fallback, which is also what a component implemented by
//! hand gets, and what a subtree behind a std lock gets (a std guard cannot
//! be held across an await), walks synchronously at once, as `shutdown()`
//! does, and then awaits the tasks it cancelled, together, up to the same
//! deadline. So every component shuts down gracefully; a `Sync` one also in
//! order.

use std::future::Future;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use super::ctx::{
    HookKey, Mode, hook_outcome, hook_runs, key_of, note_hook, panic_message, task_summary,
    unsubscribe_step,
};
use super::hook::HookRun;
use super::shutdown_report::{Outcome, ShutdownReport, Step, StepKind};
use super::{Cancel, Lifecycle, ShutdownCtx, Unsubscribe};

/// The future of one component's graceful teardown.
pub type StepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// The clock shutdowns are timed by: tokio's, so a test on a paused clock
/// sees grace periods pass without sleeping.
#[cfg(feature = "tokio")]
pub(crate) type Instant = tokio::time::Instant;
#[cfg(not(feature = "tokio"))]
pub(crate) type Instant = std::time::Instant;

/// Cancelled to cut a graceful shutdown short: every wait ends at once.
#[cfg(feature = "tokio")]
pub(crate) type Hurry = tokio_util::sync::CancellationToken;
/// Without tokio nothing awaits, so there is nothing to hurry.
#[cfg(not(feature = "tokio"))]
#[derive(Debug, Clone, Default)]
pub(crate) struct Hurry;

struct Shared {
    start: Instant,
    report: Mutex<ShutdownReport>,
    hurry: Hurry,
}

/// The context of a graceful shutdown, handed down the component tree: where
/// in the tree a step is (its path), when the step must end (its deadline),
/// and the report every step writes into.
///
/// Generated code calls its methods, one per teardown field; implement
/// [`Lifecycle::teardown_graceful`] by hand only to order a component that
/// `#[lifecycle]` does not generate.
#[derive(Clone)]
pub struct Graceful {
    shared: Arc<Shared>,
    prefix: String,
    deadline: Instant,
    hook_runs: bool,
    key: Option<HookKey>,
}

impl std::fmt::Debug for Graceful {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graceful").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl Graceful {
    /// The context of a whole shutdown that must end within `grace`.
    #[cfg(feature = "tokio")]
    pub(crate) fn root(grace: Duration, hurry: Hurry) -> Self {
        let start = Instant::now();
        Graceful {
            shared: Arc::new(Shared { start, report: Mutex::default(), hurry }),
            prefix: String::new(),
            deadline: deadline_after(start, grace),
            hook_runs: true,
            key: None,
        }
    }

    fn report(&self) -> MutexGuard<'_, ShutdownReport> {
        self.shared.report.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The deadline of a step with its own `grace`, capped by this one's.
    fn step_deadline(&self, grace: Option<Duration>) -> Instant {
        grace
            .map_or(self.deadline, |grace| deadline_after(Instant::now(), grace).min(self.deadline))
    }

    /// Records a step that began at `began` and ends now; returns its index.
    fn record(&self, field: &str, kind: StepKind, outcome: Outcome, began: Instant) -> usize {
        let step = Step {
            path: format!("{}{field}", self.prefix),
            kind,
            outcome,
            started: began.saturating_duration_since(self.shared.start),
            took: began.elapsed(),
        };
        let mut report = self.report();
        report.steps.push(step);
        report.steps.len() - 1
    }

    /// Sets the outcome of step `index`, which began at `began`, ending now.
    fn settle(&self, index: usize, outcome: Outcome, began: Instant) {
        if let Some(step) = self.report().steps.get_mut(index) {
            step.outcome = outcome;
            step.took = began.elapsed();
        }
    }

    /// `future`'s output, or `None` at this step's deadline (or when the
    /// shutdown is cut short): for a wrapper that must wait for something,
    /// such as a lock, before it can shut down what it holds.
    pub async fn wait<F: Future>(&self, future: F) -> Option<F::Output> {
        within(future, self.deadline, &self.shared.hurry).await
    }

    /// Unsubscribes a `#[subscription]` field (nothing to await).
    pub fn unsubscribe<T: Unsubscribe + ?Sized>(&self, field: &str, sub: &T) {
        let began = Instant::now();
        let (count, outcome) = unsubscribe_step(sub);
        self.report().unsubscribed += count;
        self.record(field, StepKind::Subscription, outcome, began);
    }

    /// Cancels a `#[task]` field and awaits its tasks, up to `grace` (the
    /// field's own, capped by what is left of the overall deadline); aborts
    /// and names the tasks still running then.
    pub async fn tasks<T: Cancel + ?Sized>(&self, field: &str, tasks: &T, grace: Option<Duration>) {
        let began = Instant::now();
        let deadline = self.step_deadline(grace);
        let signalled = catch_unwind(AssertUnwindSafe(|| {
            tasks.is_active().then(|| (tasks.cancel(), tasks.stopper()))
        }));
        let outcome = match signalled {
            Err(panic) => Outcome::Failed(panic_message(&*panic)),
            Ok(None) => Outcome::AlreadyDone,
            Ok(Some((cancelled, stopper))) => {
                self.report().tasks_cancelled += cancelled;
                let late = match within(stopper.finished, deadline, &self.shared.hurry).await {
                    Some(()) => None,
                    None => self.abort_late(stopper.abort),
                };
                late.unwrap_or_else(|| Outcome::Done(task_summary(cancelled, &[])))
            }
        };
        self.record(field, StepKind::Task, outcome, began);
    }

    /// Aborts what outlived a step's grace: the outcome that names it, or
    /// `None` when it finished in the instant between the deadline and the
    /// abort.
    fn abort_late(&self, abort: Box<dyn FnOnce() -> Vec<String> + Send>) -> Option<Outcome> {
        match catch_unwind(AssertUnwindSafe(abort)) {
            Err(panic) => Some(Outcome::Failed(panic_message(&*panic))),
            Ok(names) if names.is_empty() => None,
            Ok(names) => {
                self.report().tasks_aborted += names.len();
                Some(Outcome::TimedOut(names))
            }
        }
    }

    /// Shuts down a `#[shutdown]` field: one step for the field, spanning
    /// its whole subtree, whose own steps follow under `field.`; the next
    /// field starts only when the subtree is done. `grace` caps the subtree.
    pub async fn nested<T: Lifecycle + ?Sized>(
        &self,
        field: &str,
        inner: &T,
        grace: Option<Duration>,
    ) {
        let began = Instant::now();
        let index = self.record(field, StepKind::Nested, Outcome::AlreadyDone, began);
        let mut prepared = self.prepare(field, inner, grace);
        prepared.step = Some((index, began));
        prepared.run().await;
    }

    /// The synchronous half of [`nested`](Self::nested): asks the component
    /// for its future without awaiting it, so a collection can hold its
    /// members' futures without holding the members.
    fn prepare<'a, T: Lifecycle + ?Sized>(
        &self,
        field: &str,
        inner: &'a T,
        grace: Option<Duration>,
    ) -> Prepared<'a> {
        let child = Graceful {
            prefix: format!("{}{field}.", self.prefix),
            deadline: self.step_deadline(grace),
            hook_runs: true,
            key: None,
            shared: Arc::clone(&self.shared),
        };
        let active = catch_unwind(AssertUnwindSafe(|| !inner.is_shut_down()))
            .map_err(|panic| panic_message(&*panic));
        let future = catch_unwind(AssertUnwindSafe(|| inner.teardown_graceful(child)))
            .map_err(|panic| panic_message(&*panic));
        Prepared { ctx: self.clone(), field: field.to_string(), step: None, active, future }
    }

    /// Runs a component's `on_shutdown` hook, after its fields: a sync hook
    /// at once, an async one awaited up to the deadline (past it, the hook's
    /// future is dropped and the step reported as timed out). Skipped when
    /// the component was already shut down.
    pub async fn hook<F: Future<Output = Result<(), String>>>(
        &self,
        call: impl FnOnce() -> HookRun<F>,
    ) {
        let began = Instant::now();
        if !self.hook_runs {
            self.record("on_shutdown", StepKind::Hook, Outcome::AlreadyDone, began);
            return;
        }
        let outcome = match catch_unwind(AssertUnwindSafe(call)) {
            Err(panic) => hook_outcome(Err(panic_message(&*panic))),
            Ok(HookRun::Ran(result)) => hook_outcome(Ok(result)),
            Ok(HookRun::Future(future)) => {
                let future = CatchUnwind(Box::pin(future));
                match within(future, self.deadline, &self.shared.hurry).await {
                    None => Outcome::TimedOut(vec!["on_shutdown".to_string()]),
                    Some(Ok(result)) => hook_outcome(Ok(result)),
                    Some(Err(panic)) => hook_outcome(Err(panic)),
                }
            }
        };
        note_hook(self.key, matches!(outcome, Outcome::Failed(_) | Outcome::TimedOut(_)));
        self.record("on_shutdown", StepKind::Hook, outcome, began);
    }

    /// Merges a synchronous walk's report; returns the index of its first step.
    fn merge(&self, walked: ShutdownReport) -> usize {
        let mut report = self.report();
        if report.component.is_empty() {
            report.component = walked.component;
        }
        report.unsubscribed += walked.unsubscribed;
        report.tasks_cancelled += walked.tasks_cancelled;
        report.tasks_aborted += walked.tasks_aborted;
        let first = report.steps.len();
        report.steps.extend(walked.steps);
        first
    }

    /// The report, once the walk is over.
    #[cfg(feature = "tokio")]
    fn finish(&self) -> ShutdownReport {
        let mut report = std::mem::take(&mut *self.report());
        report.took = self.shared.start.elapsed();
        report
    }
}

/// A nested component's future, asked for but not yet awaited.
struct Prepared<'a> {
    ctx: Graceful,
    field: String,
    /// The field's step, once recorded, and when it began.
    step: Option<(usize, Instant)>,
    active: Result<bool, String>,
    future: Result<StepFuture<'a>, String>,
}

impl Prepared<'_> {
    /// Awaits the subtree and settles the field's step.
    async fn run(self) {
        let (index, began) = self.step.unwrap_or_else(|| {
            let began = Instant::now();
            (self.ctx.record(&self.field, StepKind::Nested, Outcome::AlreadyDone, began), began)
        });
        let done = match self.future {
            Ok(future) => CatchUnwind(future).await,
            Err(panic) => Err(panic),
        };
        let outcome = match (self.active, done) {
            (_, Err(panic)) | (Err(panic), _) => Outcome::Failed(panic),
            (Ok(false), Ok(())) => Outcome::AlreadyDone,
            (Ok(true), Ok(())) => Outcome::Done(String::new()),
        };
        self.ctx.settle(index, outcome, began);
    }
}

/// The members of a collection of components, each a nested step named by
/// its position, awaited one after another in the order given. Their
/// futures are asked for now, so holding them needs no `T: Sync`; a member
/// that is itself walked synchronously (not `Sync`) does that walk now.
pub(crate) fn members<'a, T: Lifecycle + ?Sized>(
    ctx: Graceful,
    members: Vec<(String, &'a T)>,
) -> StepFuture<'a> {
    let prepared: Vec<Prepared<'a>> =
        members.into_iter().map(|(field, member)| ctx.prepare(&field, member, None)).collect();
    Box::pin(async move {
        for member in prepared {
            member.run().await;
        }
    })
}

/// Chooses, for the component `T`, between the ordered walk (`T: Sync`) and
/// the synchronous fallback. Generated code calls `(&&Walk::<Self>::new()).walk(..)`:
/// method resolution tries [`Ordered`] on `&Walk<T>` first, which applies only
/// when `T: Sync`, then [`Unordered`] on `Walk<T>`. In a generic struct whose
/// parameters are not bounded `Sync`, the fallback is chosen.
pub struct Walk<T: ?Sized>(PhantomData<fn() -> *const T>);

impl<T: ?Sized> Walk<T> {
    /// The chooser for `T`.
    pub fn new() -> Self {
        Walk(PhantomData)
    }
}

impl<T: ?Sized> Default for Walk<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The ordered walk of a `Sync` component: `body` holds `&T` across awaits.
pub trait Ordered<T: ?Sized> {
    /// The component's future: decides whether its hook runs, then `body`.
    fn walk<'a, B, Fut>(
        &self,
        this: &'a T,
        ctx: Graceful,
        name: &'static str,
        body: B,
    ) -> StepFuture<'a>
    where
        T: 'a,
        B: FnOnce(&'a T, Graceful) -> Fut + Send + 'a,
        Fut: Future<Output = ()> + Send + 'a;
}

impl<T: Lifecycle + Sync + ?Sized> Ordered<T> for &Walk<T> {
    fn walk<'a, B, Fut>(
        &self,
        this: &'a T,
        ctx: Graceful,
        name: &'static str,
        body: B,
    ) -> StepFuture<'a>
    where
        T: 'a,
        B: FnOnce(&'a T, Graceful) -> Fut + Send + 'a,
        Fut: Future<Output = ()> + Send + 'a,
    {
        Box::pin(component(this, name, ctx, body))
    }
}

/// The fallback for a component that is not `Sync`: `body` is not used.
pub trait Unordered<T: ?Sized> {
    /// The synchronous walk now; its tasks awaited together.
    fn walk<'a, B>(
        &self,
        this: &'a T,
        ctx: Graceful,
        name: &'static str,
        body: B,
    ) -> StepFuture<'a>;
}

impl<T: Lifecycle + ?Sized> Unordered<T> for Walk<T> {
    fn walk<'a, B>(&self, this: &'a T, ctx: Graceful, _: &'static str, _: B) -> StepFuture<'a> {
        fallback(this, ctx)
    }
}

/// One component, ordered: names the report after the first component,
/// decides whether the hook runs (before any field is touched), then awaits
/// `body`, which runs the fields in reverse declaration order and the hook.
async fn component<'a, T, B, Fut>(this: &'a T, name: &'static str, mut ctx: Graceful, body: B)
where
    T: Lifecycle + ?Sized,
    B: FnOnce(&'a T, Graceful) -> Fut,
    Fut: Future<Output = ()>,
{
    {
        let mut report = ctx.report();
        if report.component.is_empty() {
            report.component = name.to_string();
        }
    }
    ctx.hook_runs = hook_runs(this, |probe| this.teardown(probe));
    ctx.key = Some(key_of(this));
    body(this, ctx).await;
}

/// The synchronous walk of `this` now (as `shutdown()`, but tasks are only
/// cancelled), then a future that awaits those tasks up to the deadline and
/// aborts the rest. It borrows nothing, so it needs nothing to be `Sync`.
pub(crate) fn fallback<'a, T: Lifecycle + ?Sized>(this: &T, ctx: Graceful) -> StepFuture<'a> {
    let mut walk = ShutdownCtx::new(Mode::Graceful);
    walk.prefix.clone_from(&ctx.prefix);
    walk.base = Instant::now().saturating_duration_since(ctx.shared.start);
    this.teardown(&mut walk);
    let (walked, waiting) = walk.into_parts();
    let first = ctx.merge(walked);
    Box::pin(async move {
        for (index, stopper) in waiting {
            let index = first + index;
            let waited = Instant::now();
            if within(stopper.finished, ctx.deadline, &ctx.shared.hurry).await.is_some() {
                continue;
            }
            let Some(outcome) = ctx.abort_late(stopper.abort) else { continue };
            if let Some(step) = ctx.report().steps.get_mut(index) {
                step.outcome = outcome;
                step.took += waited.elapsed();
            }
        }
    })
}

/// Polls a future, turning a panic in any poll into `Err` with its text.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = Pin::new(&mut self.0);
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic_message(&*panic))),
        }
    }
}

/// `start + grace`, saturating: `Duration::MAX` means "wait as long as it
/// takes" (2^32 seconds, 136 years, is as good as never).
fn deadline_after(start: Instant, grace: Duration) -> Instant {
    start.checked_add(grace).unwrap_or_else(|| start + Duration::from_secs(u64::from(u32::MAX)))
}

/// `future`'s output, or `None` once `deadline` passes or the shutdown is
/// hurried. `future` is polled first, so one that is already done counts
/// as done even past the deadline; and once time is up it gets one more
/// scheduler turn, so tasks cancelled after an earlier step used up the
/// grace can still stop on their own (by the time they are polled once)
/// instead of being aborted unseen.
#[cfg(feature = "tokio")]
async fn within<F: Future>(future: F, deadline: Instant, hurry: &Hurry) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut sleep = std::pin::pin!(tokio::time::sleep_until(deadline));
    let mut hurried = std::pin::pin!(hurry.cancelled());
    let on_time = std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if sleep.as_mut().poll(cx).is_ready() || hurried.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await;
    if on_time.is_some() {
        return on_time;
    }
    tokio::task::yield_now().await;
    match std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// Without tokio no graceful shutdown can start, so this never runs.
#[cfg(not(feature = "tokio"))]
async fn within<F: Future>(future: F, _: Instant, _: &Hurry) -> Option<F::Output> {
    Some(future.await)
}

#[cfg(feature = "tokio")]
pub(crate) use run::run;

/// Starting a graceful shutdown, and the registry that makes a second,
/// concurrent shutdown of the same component wait for the first.
#[cfg(feature = "tokio")]
mod run {
    use super::*;
    use tokio::sync::watch;

    type Waiting = watch::Receiver<Option<ShutdownReport>>;

    /// The components being shut down gracefully right now. An entry lives
    /// from the start of a shutdown to its end (or to the drop of its
    /// future), so the list is as long as the shutdowns in flight.
    static IN_FLIGHT: Mutex<Vec<(HookKey, Waiting)>> = Mutex::new(Vec::new());

    fn in_flight() -> MutexGuard<'static, Vec<(HookKey, Waiting)>> {
        IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first shutdown of a component: publishes its report when done
    /// and leaves the registry when dropped.
    struct Leading {
        key: HookKey,
        done: watch::Sender<Option<ShutdownReport>>,
    }

    impl Drop for Leading {
        fn drop(&mut self) {
            in_flight().retain(|(key, _)| *key != self.key);
        }
    }

    enum Role<'a> {
        Lead { ctx: Graceful, future: Result<StepFuture<'a>, String>, leading: Option<Leading> },
        Follow(Waiting),
    }

    /// The graceful shutdown of `component`: every step awaited in turn,
    /// everything over within `grace`, cut short when `hurry` is cancelled.
    /// A call while the same component is already shutting down waits for
    /// that shutdown and returns its report; nothing runs twice.
    pub(crate) fn run<'a, T: Lifecycle + ?Sized>(
        component: &'a T,
        grace: Duration,
        hurry: Hurry,
    ) -> impl Future<Output = ShutdownReport> + Send + 'a {
        let key = catch_unwind(AssertUnwindSafe(|| {
            ShutdownCtx::identify(|probe| component.teardown(probe))
        }))
        .ok()
        .flatten();
        let role = {
            let mut list = in_flight();
            match key.and_then(|key| list.iter().find(|(k, _)| *k == key)) {
                Some((_, waiting)) => Role::Follow(waiting.clone()),
                None => {
                    let leading = key.map(|key| {
                        let (done, waiting) = watch::channel(None);
                        list.push((key, waiting));
                        Leading { key, done }
                    });
                    drop(list);
                    let ctx = Graceful::root(grace, hurry);
                    let future =
                        catch_unwind(AssertUnwindSafe(|| component.teardown_graceful(ctx.clone())))
                            .map_err(|panic| panic_message(&*panic));
                    Role::Lead { ctx, future, leading }
                }
            }
        };
        async move {
            match role {
                Role::Lead { ctx, future, leading } => {
                    let done = match future {
                        Ok(future) => CatchUnwind(future).await,
                        Err(panic) => Err(panic),
                    };
                    if let Err(panic) = done {
                        ctx.record("", StepKind::Nested, Outcome::Failed(panic), Instant::now());
                    }
                    let report = ctx.finish();
                    if let Some(leading) = leading {
                        leading.done.send_replace(Some(report.clone()));
                    }
                    report
                }
                Role::Follow(mut waiting) => loop {
                    if let Some(report) = waiting.borrow_and_update().clone() {
                        return report;
                    }
                    if waiting.changed().await.is_err() {
                        return abandoned();
                    }
                },
            }
        }
    }

    /// The report of a call that waited for a shutdown whose future was
    /// dropped before it finished.
    fn abandoned() -> ShutdownReport {
        let mut report = ShutdownReport::default();
        report.steps.push(Step {
            path: String::new(),
            kind: StepKind::Nested,
            outcome: Outcome::NotRun(
                "waited for a concurrent shutdown of the same component, which was dropped before it finished; shut down again".to_string(),
            ),
            started: Duration::ZERO,
            took: Duration::ZERO,
        });
        report
    }
}
