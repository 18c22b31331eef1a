// detached-task: a spawn whose handle is dropped where it repeats.
use std::sync::Arc;

pub struct Server {
    port: u16,
}

impl Server {
    pub fn start(port: u16) -> Arc<Server> {
        Arc::new(Server { port })
    }

    pub fn on_message(&self, text: String) {
        tokio::spawn(async move { // expect: detached-task
            println!("{text}");
        });
    }

    /// Look-alike: the handle is returned to the caller.
    pub fn watch(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async {})
    }
}

pub async fn accept_loop(listener: tokio::net::TcpListener) {
    loop {
        let Ok((socket, _)) = listener.accept().await else { continue };
        tokio::spawn(async move { // expect: detached-task
            drop(socket);
        });
    }
}

pub fn fan_out(jobs: Vec<u64>) {
    for job in jobs {
        let _ = std::thread::spawn(move || job * 2); // expect: detached-task
    }
    while let Some(x) = next() {
        tokio::task::spawn_blocking(move || x); // expect: detached-task
    }
}

fn next() -> Option<u64> {
    None
}

// Look-alikes: joined, awaited, kept in a set, or spawned once.
pub async fn joined(jobs: Vec<u64>) -> u64 {
    let mut total = 0;
    for job in jobs {
        let handle = tokio::spawn(async move { job * 2 });
        total += handle.await.unwrap();
    }
    let mut set = tokio::task::JoinSet::new();
    for job in 0..4u64 {
        set.spawn(async move { job });
    }
    while let Some(done) = set.join_next().await {
        total += done.unwrap();
    }
    total
}

pub fn main_once() {
    tokio::spawn(async {});
    let handles: Vec<_> = (0..4).map(|i| std::thread::spawn(move || i)).collect();
    for handle in handles {
        handle.join().unwrap();
    }
}
