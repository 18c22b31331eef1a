//! [`shutdown_on_signal`]: the graceful shutdown a service runs when the
//! process is asked to stop.

use std::future::{Future, poll_fn};
use std::task::Poll;
use std::time::Duration;

use super::graceful::{Hurry, run};
use super::{Lifecycle, ShutdownReport};

/// Waits for SIGINT or SIGTERM (Ctrl-C on platforms without Unix signals),
/// then shuts `service` down gracefully within `grace` and returns the
/// report. A second signal during the shutdown cuts it short: every step
/// still waiting is given up at once (tasks are aborted, async hooks
/// dropped), the remaining steps still run, and the report says so.
///
/// The signals are listened to from the call on, not from the first poll:
/// call it before announcing that the service is ready, and a signal that
/// arrives in between is neither lost nor left to its default action
/// (ending the process with no shutdown). Must be called inside the tokio
/// runtime, which needs its I/O driver for signals (`#[tokio::main]` and
/// `Builder::enable_all` enable it); without it this panics, naming the fix.
///
/// ```no_run
/// use std::time::Duration;
/// use leakproof_runtime::{Lifecycle, TaskSet, shutdown_on_signal};
/// # struct Server { workers: TaskSet }
/// # impl Lifecycle for Server {
/// #     fn teardown(&self, ctx: &mut leakproof_runtime::ShutdownCtx) {
/// #         ctx.component("Server", self, |ctx| ctx.tasks("workers", &self.workers));
/// #     }
/// # }
///
/// #[tokio::main]
/// async fn main() {
///     let server = Server { workers: TaskSet::new() };
///     let stop = shutdown_on_signal(&server, Duration::from_secs(10)); // listening from here
///     // ... start serving, then say so ...
///     let report = stop.await;
///     eprintln!("{report}");
/// }
/// ```
pub fn shutdown_on_signal<T: Lifecycle + ?Sized>(
    service: &T,
    grace: Duration,
) -> impl Future<Output = ShutdownReport> + '_ {
    // Listening starts here, at the call, not at the first poll: a server
    // that calls this before it announces that it is ready cannot be killed
    // by a Ctrl-C sent in between (the signal's default action) nor miss it.
    let mut signals = Signals::new();
    async move {
        signals.next().await;
        let hurry = Hurry::new();
        let mut shutdown = std::pin::pin!(run(service, grace, hurry.clone()));
        let mut second = std::pin::pin!(async {
            signals.next().await;
            hurry.cancel();
            std::future::pending::<()>().await;
        });
        poll_fn(|cx| {
            if let Poll::Ready(report) = shutdown.as_mut().poll(cx) {
                return Poll::Ready(report);
            }
            let _ = second.as_mut().poll(cx);
            Poll::Pending
        })
        .await
    }
}

const NO_DRIVER: &str = "leakproof::shutdown_on_signal needs a tokio runtime with its I/O driver enabled (`#[tokio::main]`, or `Builder::enable_all()`)";

/// The stop signals, listened to from creation on, so a signal that arrives
/// between two waits is not lost.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        Signals {
            interrupt: signal(SignalKind::interrupt()).expect(NO_DRIVER),
            terminate: signal(SignalKind::terminate()).expect(NO_DRIVER),
        }
    }

    /// The next SIGINT or SIGTERM.
    async fn next(&mut self) {
        poll_fn(|cx| {
            if self.interrupt.poll_recv(cx).is_ready() || self.terminate.poll_recv(cx).is_ready() {
                return Poll::Ready(());
            }
            Poll::Pending
        })
        .await;
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Self {
        Signals
    }

    /// The next Ctrl-C.
    async fn next(&mut self) {
        tokio::signal::ctrl_c().await.expect(NO_DRIVER);
    }
}
