//! A tokio service shaped like the ones leakproof was tried on (a key-value
//! store with pub/sub): state behind a tokio lock, a handle shared with
//! other services, channels, tasks. It compiles with no `skip`, shuts down
//! in full, and its reports stay whole while the lock is busy.

#![cfg(feature = "tokio")]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use leakproof::prelude::*;

#[path = "support/prometheus.rs"]
#[allow(dead_code)] // the reader's other helpers serve other test binaries
mod prometheus;
use prometheus::series;

/// The store, owned by the server, shared with the handlers.
#[lifecycle]
struct Db {
    #[bounded(cap = 10_000)]
    keys: tokio::sync::Mutex<HashMap<String, String>>,
    #[task]
    expirer: TaskSet,
}

#[lifecycle]
struct Connections {
    #[bounded(cap = 1_000)]
    closed: tokio::sync::RwLock<HashSet<u64>>,
    #[shared]
    db: Arc<Db>,
    #[unbounded(reason = "drained by the writer task as fast as clients read")]
    outbox: tokio::sync::mpsc::UnboundedReceiver<String>,
}

#[lifecycle]
struct Server {
    #[shutdown]
    db: Arc<Db>,
    #[shutdown]
    connections: Connections,
    #[task]
    accept: tokio::task::JoinHandle<()>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_shaped_service_reports_whole_under_load_and_shuts_down() {
    let expirer = TaskSet::new();
    expirer.spawn("expirer", |cancel| async move { cancel.cancelled().await });
    let db = Arc::new(Db { keys: Default::default(), expirer });
    let (tx, outbox) = tokio::sync::mpsc::unbounded_channel();
    let server = Arc::new(Server {
        db: Arc::clone(&db),
        connections: Connections { closed: Default::default(), db: Arc::clone(&db), outbox },
        accept: tokio::spawn(std::future::pending()),
    });
    tx.send("hello".into()).unwrap();
    let quiet = series(&server.memory_report().to_prometheus());

    // Writers hammer both locks while the report is scraped.
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let server = Arc::clone(&server);
            tokio::spawn(async move {
                for i in 0..20_000u64 {
                    let key = format!("{w}-{i}");
                    server.db.keys.lock().await.insert(key.clone(), key);
                    server.connections.closed.write().await.insert(i);
                    if i % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    let mut stale_seen = 0;
    for _ in 0..200 {
        let report = server.memory_report();
        stale_seen += report.fields().filter(|(_, node)| node.is_stale()).count();
        assert_eq!(series(&report.to_prometheus()), quiet, "every scrape has the same series");
        let keys = report.find("db.keys").expect("never dropped, even while held");
        assert_eq!(keys.cap(), Some(10_000));
        tokio::task::yield_now().await;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    println!("stale fields seen across 200 scrapes under load: {stale_seen}");

    let report = server.memory_report();
    assert_eq!(report.find("db.keys").unwrap().len(), Some(10_000));
    assert_eq!(report.find("connections.closed").unwrap().len(), Some(1_000));
    assert_eq!(report.find("connections.outbox").unwrap().len(), Some(1));
    assert_eq!(
        report.find("connections.db").unwrap().kind(),
        &leakproof::Kind::Shared { owner: Some("db".into()) }
    );

    let shutdown = server.shutdown_graceful(Duration::from_millis(300)).await;
    assert!(server.is_shut_down(), "{shutdown}");
    assert!(db.is_shut_down(), "the owner shut the shared store down");
}
