use leakproof::prelude::*;

// An unbounded channel is a queue nothing caps.
#[lifecycle]
struct Fanout {
    to_clients: tokio::sync::mpsc::UnboundedSender<String>,
    from_clients: tokio::sync::mpsc::UnboundedReceiver<String>,
    log: std::sync::mpsc::Sender<String>,
    // A bounded channel has its capacity: not flagged.
    bounded: tokio::sync::mpsc::Sender<String>,
}

fn main() {}
