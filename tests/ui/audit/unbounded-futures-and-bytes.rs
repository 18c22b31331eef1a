use leakproof::prelude::*;

#[lifecycle]
struct Relay {
    outbox: futures_channel::mpsc::UnboundedSender<String>,
    inbox: futures_channel::mpsc::UnboundedReceiver<String>,
    buffer: bytes::BytesMut,
    #[unbounded(reason = "one frame at a time, cleared after each write")]
    frame: bytes::BytesMut,
}

fn main() {}
