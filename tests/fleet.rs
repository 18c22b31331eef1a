//! The fleet view, end to end: two game-server processes (the demo example,
//! one guarded, one `--unguarded`) scraped every second by a real
//! Prometheus running `contrib/prometheus/leakproof.rules.yml`. After about
//! a minute of load, the leak alert fires for the unguarded server, on the
//! fields the README names, and not for the guarded one.
//!
//! The rules' windows are meant for production (15 minutes and more); this
//! test runs the same rules with every window and `for` scaled down to
//! seconds, so that a minute is enough. Needs Debian's `prometheus` (which
//! `.ci/run` installs) and the demo example built (`cargo test` builds it).
//! About 80 s, so behind `--ignored`; `.ci/run` runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/http.rs"]
mod http;
#[path = "support/process.rs"]
mod process;

use process::{Spawned, example, free_port};

/// Starts a game server for `seconds` of load; returns it and its address.
fn start_server(extra: &[&str]) -> (Spawned, String) {
    let mut child = Command::new(example("game_server"))
        .args(["--seconds", "90", "--clients", "10", "--rate", "100", "--restart-every", "4"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the game server");
    let stdout = child.stdout.take().expect("its stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("the server printed its address").expect("a line");
        if let Some(rest) = line.split("metrics: http://").nth(1) {
            break rest.trim_end_matches("/metrics").trim().to_string();
        }
    };
    // Keep draining its output so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Spawned(child), addr)
}

/// The contrib rules with every window and duration scaled from minutes to
/// seconds (`15m` becomes `20s`: at least ten scrapes, so a slope over the
/// window has samples to work with).
fn scaled_rules() -> String {
    let rules = std::fs::read_to_string("contrib/prometheus/leakproof.rules.yml").unwrap();
    let mut out = rules;
    for minutes in ["30", "15", "10", "5"] {
        let seconds = match minutes {
            "30" | "15" => "20",
            "10" => "15",
            _ => "10",
        };
        out = out
            .replace(&format!("[{minutes}m]"), &format!("[{seconds}s]"))
            .replace(&format!("for: {minutes}m"), &format!("for: {seconds}s"))
            .replace(&format!("offset {minutes}m"), &format!("offset {seconds}s"));
    }
    let minutes_left = out.lines().any(|line| {
        line.contains("m]") || line.trim_start().starts_with("for:") && line.ends_with('m')
    });
    assert!(!minutes_left, "a window the test does not scale:\n{out}");
    out
}

/// `(alertname, state, instance, field)` of every alert Prometheus holds.
async fn alerts(prometheus: &str) -> Vec<(String, String, String, String)> {
    let Ok((200, body)) = http::get(prometheus, "/api/v1/alerts").await else {
        return Vec::new();
    };
    let body = body.split("\r\n\r\n").last().unwrap_or(&body);
    let json: serde_json::Value = match serde_json::from_str(body) {
        Ok(json) => json,
        Err(_) => return Vec::new(),
    };
    let label = |alert: &serde_json::Value, name: &str| {
        alert["labels"][name].as_str().unwrap_or_default().to_string()
    };
    json["data"]["alerts"]
        .as_array()
        .map(|alerts| {
            alerts
                .iter()
                .map(|a| {
                    let state = a["state"].as_str().unwrap_or_default().to_string();
                    (label(a, "alertname"), state, label(a, "instance"), label(a, "field"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "needs Debian's prometheus and about 80 s; .ci/run runs it"]
fn the_leak_alert_fires_for_the_unguarded_server_and_not_the_guarded_one() {
    let dir = std::env::temp_dir().join(format!("leakproof-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (_guarded, guarded) = start_server(&[]);
    let (_unguarded, unguarded) = start_server(&["--unguarded"]);

    std::fs::write(dir.join("leakproof.rules.yml"), scaled_rules()).unwrap();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - leakproof.rules.yml\nscrape_configs:\n  - job_name: game\n    static_configs:\n      - targets: ['{guarded}', '{unguarded}']\n"
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let web = format!("127.0.0.1:{}", free_port());
    let _prometheus = Spawned(
        Command::new("prometheus")
            .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address={web}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus (Debian's `prometheus` package)"),
    );

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let leak_fields = ["connections.closed_websockets", "players.players"];
    let start = Instant::now();
    let mut last;
    let firing_for_unguarded = loop {
        std::thread::sleep(Duration::from_secs(3));
        last = runtime.block_on(alerts(&web));
        let firing: Vec<&String> = last
            .iter()
            .filter(|(name, state, instance, _)| {
                name == "LeakproofFieldGrowing" && state == "firing" && *instance == unguarded
            })
            .map(|(_, _, _, field)| field)
            .collect();
        if leak_fields.iter().all(|f| firing.iter().any(|g| g == f)) {
            break true;
        }
        if start.elapsed() > Duration::from_secs(80) {
            break false;
        }
    };
    assert!(firing_for_unguarded, "no leak alert for the unguarded server {unguarded}: {last:#?}");
    let guarded_leaks: Vec<_> = last
        .iter()
        .filter(|(name, _, instance, _)| name == "LeakproofFieldGrowing" && *instance == guarded)
        .collect();
    assert!(
        guarded_leaks.is_empty(),
        "the guarded server {guarded} was flagged: {guarded_leaks:#?}"
    );
    // The forgotten handler per reload shows fleet-wide too.
    assert!(
        last.iter()
            .any(|(name, _, instance, _)| name == "LeakproofSubscribersRising"
                && *instance == unguarded),
        "{last:#?}"
    );
    eprintln!("alerts after {:?}: {last:#?}", start.elapsed());
    let _ = std::fs::remove_dir_all(&dir);
}
