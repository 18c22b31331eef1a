// The graceful shutdown's grammar: per-field grace, every hook shape, a
// reloadable component, a generic component, and one that is not `Sync`.
#![deny(warnings)]

use leakproof::prelude::*;
use std::fmt;

#[derive(Debug)]
struct Full;

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("full")
    }
}

#[lifecycle(on_shutdown = Self::flush)]
struct Worker {
    #[task(grace = "250ms")]
    worker: TaskHandle,
}

impl Worker {
    async fn flush(&self) -> Result<(), Full> {
        Ok(())
    }
}

#[lifecycle(on_shutdown = Self::close)]
struct Fallible {
    #[subscription]
    feed: Subscription,
}

impl Fallible {
    fn close(&self) -> Result<(), Full> {
        Err(Full)
    }
}

#[lifecycle(on_shutdown = Self::close)]
struct Local {
    #[subscription]
    feed: std::rc::Rc<Subscription>,
}

impl Local {
    async fn close(&self) {}
}

#[lifecycle]
struct Generic<T: Lifecycle + Send + Sync + 'static> {
    #[shutdown(grace = "1m 30s")]
    inner: Reloadable<T>,
}

#[lifecycle]
struct Root {
    #[shutdown(grace = "0s")]
    fallible: Fallible,
    #[shutdown]
    generic: Generic<Worker>,
    #[shutdown]
    tasks: Option<Worker>,
}

fn assert_send<T: Send>(_: &T) {}

async fn run(root: &Root, local: &Local) {
    let graceful = root.shutdown_graceful(std::time::Duration::from_secs(1));
    assert_send(&graceful);
    let _ = graceful.await;
    let _ = local.shutdown_graceful(std::time::Duration::from_secs(1)).await;
}

fn main() {
    let _ = run;
}
