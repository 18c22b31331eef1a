//! `shutdown_on_signal`, driven by signals this test process sends itself.
//! In its own test binary: once tokio listens for SIGTERM, the signal no
//! longer ends the process, which no other test should inherit.
#![cfg(unix)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use leakproof::prelude::*;
use leakproof::{Outcome, shutdown_on_signal};
use tokio::signal::unix::{SignalKind, signal};

#[lifecycle(on_shutdown = Self::close)]
struct Service {
    closed: AtomicUsize,
    #[subscription]
    on_tick: Subscription,
    #[task]
    stubborn: TaskHandle,
}

impl Service {
    fn close(&self) {
        self.closed.fetch_add(1, Ordering::SeqCst);
    }
}

/// Signals are process-wide: the tests here take turns, so that one's
/// signals cannot start the other's shutdown.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Sends SIGTERM to this process through the shell's `kill`.
fn terminate_self() {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("kill -TERM {}", std::process::id()))
        .status()
        .expect("sh runs");
    assert!(status.success());
}

/// The first SIGTERM starts the graceful shutdown; the service's task
/// ignores cancellation and the grace is an hour, so only the second
/// SIGTERM ends it: the task is aborted and named, and the steps after it
/// (the hook) still run.
#[tokio::test]
async fn a_signal_shuts_down_and_a_second_one_cuts_it_short() {
    let _serial = SERIAL.lock().await;
    // Our own listener first: from here on SIGTERM cannot end the process,
    // even before `shutdown_on_signal` listens.
    let mut ours = signal(SignalKind::terminate()).expect("a signal driver");
    let bus = EventBus::new();
    let service = Arc::new(Service {
        closed: AtomicUsize::new(0),
        on_tick: bus.subscribe(|_: &u8| {}),
        stubborn: TaskHandle::spawn("ignores-cancel", |_token| async {
            loop {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        }),
    });
    let waiting = {
        let service = Arc::clone(&service);
        tokio::spawn(async move { shutdown_on_signal(&*service, Duration::from_secs(3600)).await })
    };
    // `shutdown_on_signal` is called inside the spawned task, at a moment
    // this test cannot see, so it signals until the shutdown is over: the
    // first signal it sees starts the shutdown, the next one cuts it short.
    let signalling = async {
        loop {
            terminate_self();
            ours.recv().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            if waiting.is_finished() {
                break;
            }
        }
    };
    // Without the second signal's effect this would wait an hour: fail instead.
    tokio::time::timeout(Duration::from_secs(60), signalling)
        .await
        .expect("the second signal did not cut the shutdown short");
    let report = waiting.await.expect("the shutdown task");
    assert_eq!(
        report.step("stubborn").map(|s| s.outcome.clone()),
        Some(Outcome::TimedOut(vec!["ignores-cancel".to_string()])),
        "{report}"
    );
    assert_eq!(bus.subscriber_count::<u8>(), 0, "{report}");
    assert_eq!(service.closed.load(Ordering::SeqCst), 1, "{report}");
    assert!(report.took() < Duration::from_secs(3600));
}

/// `shutdown_on_signal` listens from the call on: a signal that arrives
/// after the call and before the future is first polled (a server that
/// prints "listening" in between) starts the shutdown. When it listened
/// only from the first poll, the signal was missed (or, with no other
/// listener, ended the process), and this waited in vain.
#[tokio::test]
async fn a_signal_before_the_first_poll_is_not_lost() {
    let _serial = SERIAL.lock().await;
    let mut ours = signal(SignalKind::terminate()).expect("a signal driver");
    let bus = EventBus::new();
    let service = Service {
        closed: AtomicUsize::new(0),
        on_tick: bus.subscribe(|_: &u8| {}),
        stubborn: TaskHandle::spawn("cooperative", |token| async move { token.cancelled().await }),
    };
    let stop = shutdown_on_signal(&service, Duration::from_secs(5));
    terminate_self();
    // Delivered (our listener saw it) before `stop` is first polled.
    ours.recv().await;
    let report = tokio::time::timeout(Duration::from_secs(10), stop)
        .await
        .expect("the signal sent before the first poll was missed");
    assert_eq!(service.closed.load(Ordering::SeqCst), 1, "{report}");
    assert_eq!(bus.subscriber_count::<u8>(), 0, "{report}");
}
