//! What a shutdown did, step by step.

use std::fmt;
use std::time::Duration;

/// What kind of field a shutdown step tore down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// The struct's `on_shutdown` hook.
    Hook,
    /// A `#[subscription]` field.
    Subscription,
    /// A `#[task]` field.
    Task,
    /// A `#[shutdown]` field's own shutdown, as a whole (its steps follow).
    Nested,
}

impl StepKind {
    fn label(self) -> &'static str {
        match self {
            StepKind::Hook => "hook",
            StepKind::Subscription => "subscription",
            StepKind::Task => "task",
            StepKind::Nested => "component",
        }
    }
}

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The step did its work; the text says what (e.g. "2 handlers unsubscribed").
    Done(String),
    /// Nothing to do: the field was already inactive (a second shutdown).
    AlreadyDone,
    /// The step panicked; the text is the panic message. Later steps still ran.
    Failed(String),
    /// The step did not finish within its grace period: what was aborted
    /// (task names, or `on_shutdown` for a hook that overran).
    TimedOut(Vec<String>),
    /// The step could not run here; the text says why and what to do (an
    /// async `on_shutdown` hook in the synchronous `shutdown()`).
    NotRun(String),
}

impl Outcome {
    /// True for `Done` and `AlreadyDone`.
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Done(_) | Outcome::AlreadyDone)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Done(what) if what.is_empty() => f.write_str("done"),
            Outcome::Done(what) => write!(f, "done: {what}"),
            Outcome::AlreadyDone => f.write_str("already done"),
            Outcome::Failed(message) => write!(f, "FAILED: {message}"),
            Outcome::TimedOut(names) => {
                write!(f, "TIMED OUT, aborted: {}", names.join(", "))
            }
            Outcome::NotRun(why) => write!(f, "NOT RUN: {why}"),
        }
    }
}

/// One step of a shutdown: which field, what kind, how it ended, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Dotted path from the struct shut down: `"chat_logger.writer"`.
    pub path: String,
    /// What kind of field it was.
    pub kind: StepKind,
    /// How it ended.
    pub outcome: Outcome,
    /// When it started, from the start of the shutdown.
    pub started: Duration,
    /// How long it took; for a nested component, its whole subtree.
    pub took: Duration,
}

/// The record of a `shutdown()`: every step in the order it ran, and totals.
///
/// ```
/// use leakproof_runtime::{EventBus, Lifecycle, ShutdownCtx, Subscription};
///
/// // What `#[lifecycle]` generates, written by hand.
/// struct Service { on_tick: Subscription }
///
/// impl Lifecycle for Service {
///     fn teardown(&self, ctx: &mut ShutdownCtx) {
///         ctx.component("Service", self, |ctx| ctx.unsubscribe("on_tick", &self.on_tick));
///     }
/// }
///
/// let bus = EventBus::new();
/// let service = Service { on_tick: bus.subscribe(|_: &u32| {}) };
/// let report = service.shutdown();
/// assert!(report.is_clean());
/// assert_eq!(report.unsubscribed(), 1);
/// assert_eq!(bus.subscriber_count::<u32>(), 0);
/// assert!(service.is_shut_down());
/// assert!(service.shutdown().was_already_done());
/// println!("{report}");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    pub(crate) component: String,
    pub(crate) steps: Vec<Step>,
    pub(crate) unsubscribed: usize,
    pub(crate) tasks_cancelled: usize,
    pub(crate) tasks_aborted: usize,
    pub(crate) took: Duration,
}

impl ShutdownReport {
    /// The struct that was shut down.
    pub fn component(&self) -> &str {
        &self.component
    }

    /// Every step, in the order it ran.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The step for a field path, if there was one.
    pub fn step(&self, path: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.path == path)
    }

    /// True when no step failed, timed out or could not run.
    pub fn is_clean(&self) -> bool {
        self.steps.iter().all(|step| step.outcome.is_ok())
    }

    /// True when every step found nothing to do (a repeated shutdown).
    pub fn was_already_done(&self) -> bool {
        self.steps.iter().all(|step| step.outcome == Outcome::AlreadyDone)
    }

    /// Handlers unsubscribed, over all steps.
    pub fn unsubscribed(&self) -> usize {
        self.unsubscribed
    }

    /// Tasks signalled to stop.
    pub fn tasks_cancelled(&self) -> usize {
        self.tasks_cancelled
    }

    /// How long the whole shutdown took.
    pub fn took(&self) -> Duration {
        self.took
    }

    /// Tasks aborted: the synchronous path aborts what is still running; the
    /// graceful one only what outlived the grace period.
    pub fn tasks_aborted(&self) -> usize {
        self.tasks_aborted
    }
}

/// "1 step", "2 steps": every count a shutdown report prints.
pub(crate) fn counted(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// A duration as the report prints it: `12.3ms`.
fn millis(duration: Duration) -> String {
    format!("{:.1}ms", duration.as_secs_f64() * 1e3)
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.is_clean() { "clean" } else { "NOT CLEAN" };
        writeln!(
            f,
            "shutdown of {}: {verdict} in {} ({}, {} unsubscribed, {} cancelled, {} aborted)",
            self.component,
            millis(self.took),
            counted(self.steps.len(), "step"),
            counted(self.unsubscribed, "handler"),
            counted(self.tasks_cancelled, "task"),
            self.tasks_aborted
        )?;
        let width = self.steps.iter().map(|s| s.path.len()).max().unwrap_or(0);
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(
                f,
                "  {:>2}. {:<width$}  {:<12}  {:>9} {:>9}  {}",
                i + 1,
                step.path,
                step.kind.label(),
                format!("+{}", millis(step.started)),
                millis(step.took),
                step.outcome
            )?;
        }
        Ok(())
    }
}
