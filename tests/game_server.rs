//! The game-server demo (examples/game_server/main.rs) driven by real WebSocket
//! clients: `/metrics` scraped over HTTP mid-run, restarts that leave the
//! event bus as they found it (guarded) or one handler heavier (unguarded),
//! and a shutdown that leaves no subscriber behind.

include!("support/game_server.rs");

#[path = "support/http.rs"]
mod http;
#[path = "support/prometheus.rs"]
mod prometheus;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use server::{Backend, Config};

fn small() -> Config {
    Config { closed_cap: 64, history_cap: 16, player_cap: 32, ..Config::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_endpoint_serves_the_report_while_clients_churn() {
    let config = small();
    let running =
        server::start(guarded::Guarded::new(config.clone()).await.unwrap(), &config).await.unwrap();
    let addr = running.addr;
    let counters = Arc::new(load::Counters::default());
    let load = tokio::spawn(load::run_cycles(addr, 0, 400, 8, Arc::clone(&counters)));

    // Scrape while the clients are connecting and disconnecting.
    let waited = std::time::Instant::now();
    while counters.cycles.load(Ordering::Relaxed) < 100 {
        assert!(
            !load.is_finished() && waited.elapsed() < std::time::Duration::from_secs(60),
            "the clients stalled: {counters:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (status, body) = http::get(&addr.to_string(), "/metrics").await.unwrap();
    assert_eq!(status, 200);
    let samples = prometheus::assert_valid_exposition(&body);
    for family in [
        "leakproof_field_len",
        "leakproof_field_cap",
        "leakproof_field_heap_bytes",
        "leakproof_field_evictions_total",
        "leakproof_field_subscribers",
    ] {
        assert!(
            samples.iter().any(|(name, _, _)| name == family),
            "{family} missing from:\n{body}"
        );
    }
    assert!(body.contains("# TYPE leakproof_build_info gauge"), "{body}");
    assert!(samples.iter().any(|(name, _, value)| name == "leakproof_build_info" && *value == 1.0));
    the_dashboard_uses_only_exported_metrics(&samples);
    let value = |family: &str, field: &str| prometheus::value(&samples, family, field);
    assert_eq!(value("leakproof_field_cap", "connections.closed_websockets"), Some(64.0));
    assert_eq!(value("leakproof_field_cap", "players.players"), Some(32.0));
    assert!(value("leakproof_field_len", "connections.closed_websockets").unwrap() <= 64.0);

    load.await.unwrap();
    assert_eq!(counters.failures.load(Ordering::Relaxed), 0);
    assert_eq!(counters.echoes.load(Ordering::Relaxed), 800, "every line said came back");
    let (_, body) = http::get(&addr.to_string(), "/metrics").await.unwrap();
    let samples = prometheus::assert_valid_exposition(&body);
    let evicted = prometheus::value(
        &samples,
        "leakproof_field_evictions_total",
        "connections.closed_websockets",
    );
    // 400 sockets closed into a set of 64 (the last disconnects may still
    // be on their way when the clients finish).
    assert!(evicted.is_some_and(|v| v >= 300.0), "{body}");
    let shutdown = running.stop().await;
    assert!(shutdown.contains("event bus subscribers left: 0"), "{shutdown}");
    // The composition root's generated shutdown, in order: the reloadable
    // chat first (its flusher's last lines reach the logger), the logger
    // last, its hook (drain and join the writer) after everything.
    assert!(shutdown.starts_with("shutdown of Guarded: clean"), "{shutdown}");
    let position =
        |step: &str| shutdown.lines().position(|line| line.split_whitespace().nth(1) == Some(step));
    let order = ["chat", "chat.tasks", "players", "connections", "logger", "logger.on_shutdown"]
        .map(|step| position(step).unwrap_or_else(|| panic!("no step {step}:\n{shutdown}")));
    assert!(order.is_sorted(), "{order:?}\n{shutdown}");
}

/// Subscribers on the bus after `restarts` hot reloads, minus before.
async fn restart_growth<B: Backend>(backend: B, restarts: usize) -> usize {
    let config = small();
    let running = server::start(backend, &config).await.unwrap();
    let counters = Arc::new(load::Counters::default());
    load::run_cycles(running.addr, 0, 20, 4, Arc::clone(&counters)).await;
    let before = bus_len(&*running.backend);
    for round in 0..restarts {
        running.backend.restart().await;
        // The restarted chat still delivers: every line comes back.
        load::run_cycles(running.addr, 1_000 * (round as u64 + 1), 10, 2, Arc::clone(&counters))
            .await;
    }
    assert_eq!(counters.failures.load(Ordering::Relaxed), 0);
    let after = bus_len(&*running.backend);
    running.stop().await;
    after - before
}

fn bus_len<B: Backend>(backend: &B) -> usize {
    backend.report().find("bus").and_then(leakproof::Report::len).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_leave_the_bus_as_they_found_it_only_when_guarded() {
    let guarded = guarded::Guarded::new(small()).await.unwrap();
    assert_eq!(restart_growth(guarded, 5).await, 0);
    let unguarded = unguarded::Unguarded::new(small()).unwrap();
    assert_eq!(restart_growth(unguarded, 5).await, 5, "one forgotten handler per restart");
}

/// `contrib/grafana/leakproof.json` imports cleanly (the fields Grafana
/// requires of a dashboard and of each panel) and queries only metric
/// families a live server exports.
fn the_dashboard_uses_only_exported_metrics(samples: &[prometheus::Sample]) {
    let text = std::fs::read_to_string("contrib/grafana/leakproof.json").unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    for key in ["title", "uid", "schemaVersion", "panels", "templating", "time"] {
        assert!(!dashboard[key].is_null(), "the dashboard has no `{key}`");
    }
    let variables: Vec<&str> = dashboard["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert!(variables.contains(&"instance") && variables.contains(&"struct"), "{variables:?}");
    let exported: std::collections::HashSet<&str> =
        samples.iter().map(|(name, _, _)| name.as_str()).collect();
    let mut queried = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for key in ["id", "type", "title", "gridPos", "targets"] {
            assert!(!panel[key].is_null(), "a panel has no `{key}`: {panel}");
        }
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().expect("a PromQL expression");
            let names = expr
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|word| word.starts_with("leakproof_"));
            for name in names {
                queried += 1;
                assert!(exported.contains(name), "the dashboard queries `{name}`, not exported");
            }
        }
    }
    assert!(queried >= 8, "only {queried} metric references");
}
