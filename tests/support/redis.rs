//! Driving a Redis-compatible server from outside with the standard clients
//! (`redis-cli`, `redis-benchmark`) and reading its figures as an operator
//! would: shared by tests/cache_server.rs and the cache-server benchmark.
//! Needs `mod process` (support/process.rs) beside it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::process::Spawned;

/// A running cache server.
pub struct Server {
    pub process: Spawned,
    pub port: u16,
    /// What it printed after its port, line by line.
    pub printed: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the cache-server example at `program`, on ports it picks.
    pub fn start(program: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(program)
            .args(["--port", "0", "--metrics-port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the cache server");
        let mut lines = BufReader::new(child.stdout.take().expect("its stdout")).lines();
        let port = loop {
            let line = lines.next().expect("the server printed its port").expect("a line");
            if let Some(port) = line.strip_prefix("listening on 127.0.0.1:") {
                break port.trim().parse().expect("a port");
            }
        };
        let printed = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&printed);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Server { process: Spawned(child), port, printed }
    }

    /// Starts Debian's `redis-server` on `port`, persisting nothing;
    /// `None` when it is not installed.
    pub fn redis(port: u16) -> Option<Server> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let server = Server { process: Spawned(child), port, printed: Arc::default() };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }

    /// `redis-cli -p PORT args..`: its output, as the client prints it when
    /// not on a terminal (one line per reply element, nil as an empty line).
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli runs");
        assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim_end_matches('\n').to_string()
    }

    pub fn int(&self, args: &[&str]) -> i64 {
        let reply = self.cli(args);
        reply.parse().unwrap_or_else(|_| panic!("{args:?} answered {reply:?}, not an integer"))
    }

    /// One field of `INFO`.
    pub fn info(&self, field: &str) -> u64 {
        let info = self.cli(&["INFO"]);
        let line = info.lines().find_map(|l| l.strip_prefix(&format!("{field}:")));
        line.unwrap_or_else(|| panic!("INFO has no {field}:\n{info}")).trim().parse().unwrap()
    }

    /// The process's resident set, from `/proc`.
    pub fn rss(&self) -> u64 {
        rss_of(self.process.0.id())
    }

    /// `redis-cli --pipe` of raw RESP `input` on one connection.
    pub fn pipe(&self, input: Vec<u8>) -> std::thread::JoinHandle<String> {
        let port = self.port.to_string();
        std::thread::spawn(move || {
            let mut child = Command::new("redis-cli")
                .args(["-p", &port, "--pipe"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("redis-cli --pipe");
            child.stdin.take().unwrap().write_all(&input).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "redis-cli --pipe: {out:?}");
            String::from_utf8(out.stdout).unwrap()
        })
    }

    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream
    }
}

pub fn rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// Appends one RESP request.
pub fn request(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// The process's peak resident set (`VmHWM`), from `/proc`.
pub fn peak_rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// `n` writes of distinct keys `px:0..` that expire 50 ms later.
pub fn expiring_writes(n: usize) -> Vec<u8> {
    let mut writes = Vec::new();
    for i in 0..n {
        request(&mut writes, &[b"SET", format!("px:{i}").as_bytes(), b"v", b"PX", b"50"]);
    }
    writes
}

/// Subscribe/unsubscribe churn for `workers` connections: each subscribes
/// to `batches` batches of 100 distinct channel names, unsubscribing from
/// each batch before the next (`workers * batches * 100` names in all).
pub fn channel_churn(workers: usize, batches: usize, tag: &str) -> Vec<Vec<u8>> {
    (0..workers)
        .map(|worker| {
            let mut input = Vec::new();
            for batch in 0..batches {
                let names: Vec<String> =
                    (0..100).map(|i| format!("{tag}:{worker}:{batch}:{i}")).collect();
                let mut args: Vec<&[u8]> = vec![b"SUBSCRIBE"];
                args.extend(names.iter().map(|n| n.as_bytes()));
                request(&mut input, &args);
                request(&mut input, &[b"UNSUBSCRIBE"]);
            }
            input
        })
        .collect()
}

/// `redis-benchmark -r 1000000 -n 2000000 -t set,get -P 16 -q`: its output.
pub fn benchmark(port: u16) -> String {
    let out = Command::new("redis-benchmark")
        .args(["-p", &port.to_string()])
        .args(["-r", "1000000", "-n", "2000000", "-t", "set,get", "-P", "16", "-q"])
        .stderr(Stdio::null())
        .output()
        .expect("redis-benchmark runs");
    assert!(out.status.success(), "redis-benchmark: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("SET:") && text.contains("GET:"), "{text}");
    text
}
