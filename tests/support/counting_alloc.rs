//! A global allocator that counts live heap bytes, for tests that check what
//! a collection really holds (not what it says it holds).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    /// The calling thread's share: what it allocated less what it freed.
    /// Const-initialised, so reading it never allocates.
    static THREAD_LIVE: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    LIVE.fetch_add(delta, Ordering::Relaxed);
    // `try_with`: during thread teardown the slot may be gone.
    let _ = THREAD_LIVE.try_with(|live| live.set(live.get() + delta));
}

// SAFETY: every call forwards to `System` unchanged; the counter is a side
// effect that does not touch the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: the caller upholds `alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Live heap bytes of the whole process (tests in one binary share it, so
/// binaries using this run their measurements in a single test function).
#[allow(dead_code)] // the single-thread measurements use `thread_live_bytes`
pub fn live_bytes() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Live heap bytes allocated (less freed) by the calling thread: immune to
/// what the test harness's other threads allocate meanwhile, for
/// measurements whose allocations and frees all happen on one thread.
#[allow(dead_code)] // not every test binary that counts needs it
pub fn thread_live_bytes() -> isize {
    THREAD_LIVE.with(Cell::get)
}
