//! leakproof's tokio surface, on the dependency floors: tasks cancelled and
//! awaited by a graceful shutdown, a `JoinHandle` aborted, state behind a
//! tokio lock rewritten, reported and torn down, channels reported.

use std::collections::HashMap;
use std::time::Duration;

use leakproof::prelude::*;

#[lifecycle]
struct Service {
    #[task]
    workers: TaskSet,
    #[task]
    ticker: tokio::task::JoinHandle<()>,
    #[bounded(cap = 100)]
    cache: tokio::sync::Mutex<HashMap<u64, String>>,
    #[unbounded(reason = "drained by the writer")]
    backlog: tokio::sync::mpsc::UnboundedReceiver<String>,
}

#[tokio::test]
async fn a_service_on_the_floors_shuts_down_and_reports() {
    let workers = TaskSet::new();
    for i in 0..3 {
        workers.spawn(format!("worker {i}"), |cancel| async move { cancel.cancelled().await });
    }
    let (tx, backlog) = tokio::sync::mpsc::unbounded_channel();
    tx.send("line".to_string()).unwrap();
    let service = Service {
        workers,
        ticker: tokio::spawn(std::future::pending()),
        cache: Default::default(),
        backlog,
    };
    for id in 0..150 {
        service.cache.lock().await.insert(id, id.to_string());
    }

    let report = service.memory_report();
    let cache = report.find("cache").unwrap();
    assert_eq!((cache.len(), cache.cap()), (Some(100), Some(100)));
    assert_eq!(report.find("backlog").unwrap().len(), Some(1));
    assert_eq!(report.find("workers").unwrap().len(), Some(3));

    let shutdown = service.shutdown_graceful(Duration::from_millis(200)).await;
    assert!(service.is_shut_down(), "{shutdown}");
    assert_eq!(shutdown.tasks_aborted(), 1, "the pending ticker is aborted: {shutdown}");
}
