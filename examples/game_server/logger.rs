//! The chat log: a writer thread fed through a bounded queue, drained and
//! joined by `on_shutdown`, so no line said before shutdown is lost and no
//! thread outlives the server.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use leakproof::prelude::*;

use crate::server::{LogLine, lock};

/// Lines the writer may fall behind by before new ones are dropped (and
/// counted): a bounded queue, not the unbounded channel that would be the
/// next leak.
const QUEUE: usize = 4_096;

#[lifecycle(on_shutdown = Self::close)]
pub struct ChatLogger {
    /// `LogLine` events.
    #[subscription]
    lines: Subscriptions,

    queue: Mutex<Option<SyncSender<Arc<str>>>>,
    writer: Mutex<Option<JoinHandle<io::Result<()>>>>,
    /// Bytes the writer has written.
    written: Arc<AtomicU64>,
    /// Lines dropped because the writer fell behind or was closed.
    dropped: AtomicU64,
}

impl ChatLogger {
    /// Starts the writer thread, writing to `path` (or counting and
    /// discarding when `None`), and subscribes to `LogLine`.
    pub fn start(bus: &EventBus, path: Option<&Path>) -> io::Result<Arc<Self>> {
        let out: Box<dyn Write + Send> = match path {
            Some(path) => Box::new(File::create(path)?),
            None => Box::new(io::sink()),
        };
        let (queue, rx) = sync_channel::<Arc<str>>(QUEUE);
        let written = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&written);
        let writer = std::thread::Builder::new().name("chat-log".into()).spawn(move || {
            let mut out = BufWriter::new(out);
            for line in rx {
                writeln!(out, "{line}")?;
                counter.fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
            }
            out.flush()
        })?;
        let logger = Arc::new(ChatLogger {
            lines: Subscriptions::new(),
            queue: Mutex::new(Some(queue)),
            writer: Mutex::new(Some(writer)),
            written,
            dropped: AtomicU64::new(0),
        });
        logger.lines.push(bus.subscribe_weak(&logger, |l: &Self, e: &LogLine| l.log(&e.0)));
        Ok(logger)
    }

    fn log(&self, line: &Arc<str>) {
        let sent = match &*lock(&self.queue) {
            Some(queue) => match queue.try_send(Arc::clone(line)) {
                Ok(()) => true,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            },
            None => false,
        };
        if !sent {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The `on_shutdown` hook: closes the queue, lets the writer drain what
    /// is queued, and joins it. Safe to run twice (the second finds both
    /// taken).
    fn close(&self) {
        drop(lock(&self.queue).take());
        if let Some(writer) = lock(&self.writer).take() {
            match writer.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("chat log: {e}"),
                Err(_) => eprintln!("chat log: the writer thread panicked"),
            }
        }
    }

    /// (bytes written, lines dropped).
    pub fn figures(&self) -> (u64, u64) {
        (self.written.load(Ordering::Relaxed), self.dropped.load(Ordering::Relaxed))
    }
}
