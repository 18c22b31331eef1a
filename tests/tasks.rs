//! Task teardown (feature `tokio`): cancellation, grace periods, aborts.
#![cfg(feature = "tokio")]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use leakproof::prelude::*;
use leakproof::{Outcome, StepKind};

#[lifecycle]
struct Flusher {
    #[task]
    tasks: TaskSet,
    #[subscription]
    on_message: Subscription,
    #[task]
    heartbeat: TaskHandle,
    #[task]
    raw: tokio::task::JoinHandle<()>,
}

type BoxTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A task that honours cancellation, and notes that it stopped cleanly.
fn polite(stopped: &Arc<AtomicBool>) -> impl FnOnce(CancellationToken) -> BoxTask {
    let stopped = Arc::clone(stopped);
    move |token| {
        Box::pin(async move {
            token.cancelled().await;
            stopped.store(true, Ordering::SeqCst);
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_waits_for_polite_tasks_and_aborts_stubborn_ones() {
    let bus = EventBus::new();
    let tasks = TaskSet::new();
    let (a, b) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    tasks.spawn("writer", polite(&a));
    tasks.spawn("stubborn", |_token| async {
        // Ignores cancellation entirely.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    });
    tasks.spawn("quick", |_| async {});
    let heartbeat = TaskHandle::spawn("heartbeat", polite(&b));
    let service = Flusher {
        tasks,
        on_message: bus.subscribe(|_: &String| {}),
        heartbeat,
        raw: tokio::spawn(async {}),
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        service.tasks.names(),
        ["stubborn", "writer"],
        "a finished task leaves the set at once"
    );

    let report = service.shutdown_graceful(Duration::from_millis(200)).await;
    println!("{report}");
    assert!(!report.is_clean(), "the stubborn task timed out");
    assert_eq!(report.step("tasks").unwrap().outcome, Outcome::TimedOut(vec!["stubborn".into()]));
    assert!(report.step("heartbeat").unwrap().outcome.is_ok());
    assert_eq!(report.step("raw").unwrap().outcome, Outcome::AlreadyDone, "it had finished");
    assert_eq!(report.step("on_message").unwrap().kind, StepKind::Subscription);
    assert_eq!(report.tasks_aborted(), 1);
    assert!(
        a.load(Ordering::SeqCst) && b.load(Ordering::SeqCst),
        "polite tasks stopped on their own"
    );
    assert_eq!(bus.subscriber_count::<String>(), 0);

    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(service.tasks.is_empty(), "the aborted task left the set");
    assert!(service.is_shut_down());
    // Spawning into a shut-down set is refused: the task never runs.
    let ran = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&ran);
    assert!(!service.tasks.spawn("late", move |_| async move { r.store(true, Ordering::SeqCst) }));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(!ran.load(Ordering::SeqCst));
    assert!(service.tasks.is_empty());
    assert!(service.shutdown_graceful(Duration::from_millis(10)).await.was_already_done());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_shutdown_cancels_and_aborts_without_waiting() {
    let tasks = TaskSet::new();
    tasks.spawn("stubborn", |_| async { tokio::time::sleep(Duration::from_secs(3600)).await });
    let service = Flusher {
        tasks,
        on_message: Subscription::ended(),
        heartbeat: TaskHandle::default(),
        raw: tokio::spawn(async { tokio::time::sleep(Duration::from_secs(3600)).await }),
    };
    let report = service.shutdown();
    assert_eq!(report.tasks_aborted(), 2, "{report}");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(service.tasks.is_empty());
    assert!(service.raw.is_finished());
    assert!(service.is_shut_down());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_set_does_not_grow_with_completed_tasks() {
    let tasks = TaskSet::new();
    for i in 0..1_000 {
        tasks.spawn(format!("job {i}"), |_| async {});
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(tasks.len(), 0);
}
