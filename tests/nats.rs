//! The presence service against a real `nats-server`: 1,000 start/shutdown
//! cycles leave the server's subscription count (its `/subsz` monitoring
//! endpoint) where it started; services that are never shut down raise it,
//! which shows the check can fail.
//!
//! The server comes from `LEAKPROOF_NATS_URL` / `LEAKPROOF_NATS_MONITOR`
//! (`.ci/run` installs Debian's `nats-server` and starts one), or is started
//! here when `nats-server` is on the PATH. Without either the test says so
//! on the terminal (past the harness's output capture) and passes, unless
//! `LEAKPROOF_REQUIRE_NATS` is set (as in CI): then it fails.
#![cfg(feature = "nats")]

#[allow(dead_code)]
#[path = "../examples/game_server/presence.rs"]
mod presence;
#[allow(dead_code)]
#[path = "../examples/game_server/server.rs"]
mod server;

#[path = "support/http.rs"]
mod http;
#[allow(dead_code)] // example() serves the test binaries that start an example
#[path = "support/process.rs"]
mod process;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use leakproof::nats::async_nats;
use leakproof::{EventBus, Lifecycle};
use presence::PresenceService;
use process::{Spawned, free_port};
use server::{Connected, Disconnected};

/// (client URL, monitor address, the server if this test started it).
async fn nats_server() -> Option<(String, String, Option<Spawned>)> {
    if let (Ok(url), Ok(monitor)) =
        (std::env::var("LEAKPROOF_NATS_URL"), std::env::var("LEAKPROOF_NATS_MONITOR"))
    {
        return Some((url, monitor, None));
    }
    let (port, monitor) = (free_port(), free_port());
    let child = Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-m", &monitor.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match child {
        Ok(child) => Spawned(child),
        Err(e) => {
            assert!(
                std::env::var_os("LEAKPROOF_REQUIRE_NATS").is_none(),
                "LEAKPROOF_REQUIRE_NATS is set but nats-server cannot be started: {e}"
            );
            // Written to the process's stderr, not through `eprintln!`,
            // which the test harness captures and hides for a passing test:
            // a skip must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr().lock(),
                "\n*** tests/nats.rs SKIPPED: nats-server not found ({e}); `apt-get install nats-server` or run .ci/run (which requires it) ***\n"
            );
            return None;
        }
    };
    let monitor = format!("127.0.0.1:{monitor}");
    let started = Instant::now();
    while http::get(&monitor, "/varz").await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "nats-server did not come up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Some((format!("127.0.0.1:{port}"), monitor, Some(child)))
}

async fn subscriptions(monitor: &str) -> u64 {
    let (status, body) = http::get(monitor, "/subsz").await.unwrap();
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json["num_subscriptions"].as_u64().unwrap()
}

/// The server's count once it reaches `expected`, or after 5 s whatever it
/// is: `flush()` only puts SUB/UNSUB on the wire, and the monitoring port is
/// a separate connection, so the count can trail the client by a moment.
async fn settled_subscriptions(monitor: &str, expected: u64) -> u64 {
    let started = Instant::now();
    loop {
        let count = subscriptions(monitor).await;
        if count == expected || started.elapsed() > Duration::from_secs(5) {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_presence_restarts_leave_the_broker_as_found() {
    let Some((url, monitor, _server)) = nats_server().await else { return };
    let client = async_nats::connect(&url).await.unwrap();
    client.flush().await.unwrap();
    let bus = EventBus::new();
    let baseline = subscriptions(&monitor).await;

    // One service end to end: a bus event goes out over NATS and comes
    // back through the service's own subscription.
    let service = PresenceService::start(&client, &bus).await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(settled_subscriptions(&monitor, baseline + 1).await, baseline + 1);
    bus.publish(&Connected { player: 7 });
    let waited = Instant::now();
    while service.online() != 1 {
        assert!(waited.elapsed() < Duration::from_secs(5), "the join never came back from NATS");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(service.stop(&client, Duration::from_secs(1)).await.is_clean());

    for cycle in 0..1_000u64 {
        let service = PresenceService::start(&client, &bus).await.unwrap();
        bus.publish(&Connected { player: cycle });
        bus.publish(&Disconnected { socket: cycle, player: cycle });
        let report = service.stop(&client, Duration::from_secs(1)).await;
        assert!(report.is_clean(), "cycle {cycle}: {report}");
        assert!(service.is_shut_down());
    }
    assert_eq!(
        settled_subscriptions(&monitor, baseline).await,
        baseline,
        "every broker subscription was removed"
    );
    assert_eq!(bus.total_subscribers(), 0, "and every bus subscription");

    // Dropped without a shutdown: `Drop` only signals (it never blocks),
    // and the subscription still leaves the server.
    for _ in 0..10 {
        drop(PresenceService::start(&client, &bus).await.unwrap());
    }
    assert_eq!(
        settled_subscriptions(&monitor, baseline).await,
        baseline,
        "dropping unsubscribes too"
    );

    // The control: services that are started and never shut down (their
    // handles leaked, as a forgotten field would) stay subscribed.
    for _ in 0..10 {
        std::mem::forget(PresenceService::start(&client, &bus).await.unwrap());
    }
    client.flush().await.unwrap();
    assert_eq!(settled_subscriptions(&monitor, baseline + 10).await, baseline + 10);
}
