//! Tracked tasks (feature `tokio`): [`TaskSet`] and [`TaskHandle`], built on
//! tokio-util's `TaskTracker` and `CancellationToken`.
//!
//! A set knows each running task by name; a task leaves the set the moment it
//! finishes (by a drop guard inside its future, so panics and aborts count
//! too), so the set never grows with completed tasks. Shutting it down
//! cancels the token every task was handed, closes the tracker, and aborts
//! whatever is still running, now or after a grace period.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::shutdown::{Cancel, Stopper};

struct Running {
    name: String,
    /// Set right after spawning; `None` only in that instant.
    abort: Option<AbortHandle>,
}

struct Inner {
    tracker: TaskTracker,
    token: CancellationToken,
    running: Mutex<HashMap<u64, Running>>,
    next_id: AtomicU64,
    /// Set (under the `running` lock) once the set has aborted its tasks: a
    /// task whose spawn was under way then is aborted as soon as its handle
    /// exists, so no task escapes a shutdown by being spawned during it.
    aborted: AtomicBool,
}

impl Inner {
    fn running(&self) -> MutexGuard<'_, HashMap<u64, Running>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Aborts every task; returns their names. The abort handles are
    /// taken under the lock and used after it, since an aborted task's exit
    /// takes the same lock.
    fn abort_all(&self) -> Vec<String> {
        let (handles, mut names): (Vec<_>, Vec<_>) = {
            let running = self.running();
            self.aborted.store(true, Ordering::SeqCst);
            running.values().map(|task| (task.abort.clone(), task.name.clone())).unzip()
        };
        for handle in handles.into_iter().flatten() {
            handle.abort();
        }
        names.sort();
        names
    }
}

/// Removes a task from its set when the task's future is dropped: on
/// completion, panic or abort alike.
struct Leave {
    set: Weak<Inner>,
    id: u64,
}

impl Drop for Leave {
    fn drop(&mut self) {
        if let Some(set) = self.set.upgrade() {
            set.running().remove(&self.id);
        }
    }
}

/// A set of named background tasks that `shutdown()` cancels.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use leakproof_runtime::{Lifecycle, TaskSet, shutdown::Cancel};
/// use std::time::Duration;
///
/// let tasks = TaskSet::new();
/// tasks.spawn("heartbeat", |token| async move {
///     token.cancelled().await; // a well-behaved task stops when told
/// });
/// assert_eq!(tasks.len(), 1);
/// tasks.cancel();
/// tasks.stopper().finished.await;
/// assert_eq!(tasks.len(), 0);
/// # }
/// ```
#[derive(Clone)]
pub struct TaskSet {
    inner: Arc<Inner>,
}

impl Default for TaskSet {
    fn default() -> Self {
        TaskSet {
            inner: Arc::new(Inner {
                tracker: TaskTracker::new(),
                token: CancellationToken::new(),
                running: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(0),
                aborted: AtomicBool::new(false),
            }),
        }
    }
}

impl TaskSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spawns `task` on the current tokio runtime, handing it a token that
    /// is cancelled when the set shuts down. Returns false, and drops `task`
    /// without running it, when the set is already shut down; a spawn that
    /// races with the shutdown's abort is aborted too (and returns false). A
    /// task spawned late is never leaked.
    ///
    /// # Panics
    /// Outside a tokio runtime, as `tokio::spawn` does.
    pub fn spawn<F, Fut>(&self, name: impl Into<String>, task: F) -> bool
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        if self.inner.token.is_cancelled() {
            return false;
        }
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        // Registered before spawning so a task that finishes at once can
        // find (and remove) its entry.
        self.inner.running().insert(id, Running { name: name.into(), abort: None });
        let leave = Leave { set: Arc::downgrade(&self.inner), id };
        let future = task(self.inner.token.child_token());
        let handle = self.inner.tracker.spawn(async move {
            let _leave = leave;
            future.await;
        });
        let missed_abort = {
            let mut running = self.inner.running();
            if self.inner.aborted.load(Ordering::SeqCst) {
                running.remove(&id);
                true
            } else {
                if let Some(entry) = running.get_mut(&id) {
                    entry.abort = Some(handle.abort_handle());
                }
                false
            }
        };
        if missed_abort {
            // The set was aborted while this task was being spawned: it
            // missed that abort, so it gets its own (outside the lock, which
            // the task's exit takes).
            handle.abort();
        }
        !missed_abort
    }

    /// Tasks still running.
    pub fn len(&self) -> usize {
        self.inner.running().len()
    }

    /// True when no task is running.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Names of the tasks still running, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> =
            self.inner.running().values().map(|t| t.name.clone()).collect();
        names.sort();
        names
    }

    /// The token handed to this set's tasks (cancelled at shutdown).
    pub fn token(&self) -> CancellationToken {
        self.inner.token.clone()
    }
}

impl Cancel for TaskSet {
    /// Active until shut down: afterwards it accepts no new tasks.
    fn is_active(&self) -> bool {
        !self.inner.token.is_cancelled()
    }

    fn cancel(&self) -> usize {
        // Counted before the signal: a task may finish (and leave the set)
        // the moment it sees the cancellation.
        let running = self.len();
        self.inner.token.cancel();
        self.inner.tracker.close();
        running
    }

    fn abort(&self) -> Vec<String> {
        self.inner.abort_all()
    }

    fn stopper(&self) -> Stopper {
        let tracker = self.inner.tracker.clone();
        let inner = Arc::clone(&self.inner);
        Stopper {
            finished: Box::pin(async move { tracker.wait().await }),
            abort: Box::new(move || inner.abort_all()),
        }
    }
}

impl fmt::Debug for TaskSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskSet")
            .field("running", &self.names())
            .field("shut_down", &self.inner.token.is_cancelled())
            .finish()
    }
}

/// One named background task that `shutdown()` cancels: a [`TaskSet`] of one.
#[derive(Clone, Debug, Default)]
pub struct TaskHandle {
    set: TaskSet,
}

impl TaskHandle {
    /// Spawns `task` on the current tokio runtime with a cancellation token.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn<F, Fut>(name: impl Into<String>, task: F) -> Self
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let set = TaskSet::new();
        set.spawn(name, task);
        TaskHandle { set }
    }

    /// True while the task runs.
    pub fn is_running(&self) -> bool {
        !self.set.is_empty()
    }
}

impl Cancel for TaskHandle {
    /// Active while the task runs and has not been cancelled.
    fn is_active(&self) -> bool {
        self.set.is_active() && self.is_running()
    }

    fn cancel(&self) -> usize {
        self.set.cancel()
    }

    fn abort(&self) -> Vec<String> {
        self.set.abort()
    }

    fn stopper(&self) -> Stopper {
        self.set.stopper()
    }
}

/// The bare `JoinHandle`s aborted whose tasks have not finished yet.
///
/// An abort is only processed when the runtime next polls the task, so right
/// after `shutdown()` the handle still says "not finished": without this list
/// a second shutdown would abort it again and report it again. The list is
/// not hidden state in the user's struct: it holds only tasks that were
/// aborted and are still unwinding, and sheds each one the next time it is
/// consulted after that task finished, so it stays as short as the number of
/// aborts in flight.
fn aborted_handles() -> MutexGuard<'static, Vec<AbortHandle>> {
    static ABORTED: Mutex<Vec<AbortHandle>> = Mutex::new(Vec::new());
    let mut aborted = ABORTED.lock().unwrap_or_else(|e| e.into_inner());
    aborted.retain(|handle| !handle.is_finished());
    aborted
}

/// True once `id` was aborted by a shutdown (and has not finished).
fn abort_requested(id: tokio::task::Id) -> bool {
    aborted_handles().iter().any(|handle| handle.id() == id)
}

/// Aborts a bare task once; returns its name, or nothing if it had finished
/// or was already aborted.
fn abort_once(handle: &AbortHandle) -> Vec<String> {
    if handle.is_finished() {
        return Vec::new();
    }
    {
        let mut aborted = aborted_handles();
        if aborted.iter().any(|h| h.id() == handle.id()) {
            return Vec::new();
        }
        aborted.push(handle.clone());
    }
    handle.abort();
    vec![format!("task {}", handle.id())]
}

impl<T: Send + 'static> Cancel for tokio::task::JoinHandle<T> {
    /// Active until the task finishes or a shutdown aborted it.
    fn is_active(&self) -> bool {
        !self.is_finished() && !abort_requested(self.id())
    }

    /// A bare `JoinHandle` cannot be signalled; it is awaited, then aborted.
    fn cancel(&self) -> usize {
        0
    }

    fn abort(&self) -> Vec<String> {
        abort_once(&self.abort_handle())
    }

    fn stopper(&self) -> Stopper {
        let handle = self.abort_handle();
        let waiter = handle.clone();
        Stopper {
            finished: Box::pin(async move {
                // An `AbortHandle` cannot be awaited; poll its state.
                while !waiter.is_finished() {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            }),
            abort: Box::new(move || abort_once(&handle)),
        }
    }
}

impl crate::audit::TeardownResource for TaskSet {}
impl crate::audit::TeardownResource for TaskHandle {}

impl crate::report::MemoryReport for TaskSet {
    fn memory_report(&self) -> crate::report::Report {
        crate::report::Report::leaf::<Self>(0)
            .with_len(self.len())
            .with_kind(crate::report::Kind::Task)
    }
}

crate::report::deep_is_shallow!(TaskSet, TaskHandle);

impl crate::report::MemoryReport for TaskHandle {
    fn memory_report(&self) -> crate::report::Report {
        crate::report::Report::leaf::<Self>(0)
            .with_len(usize::from(self.is_running()))
            .with_kind(crate::report::Kind::Task)
    }
}
