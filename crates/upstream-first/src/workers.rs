//! Work shared out to threads, each worker pulling its next item from a shared counter.
//!
//! A web page (the playground) has no threads: there the one worker runs on the caller's
//! thread.

/// Runs `worker` on `jobs` threads (at least one) and returns what each returned, `None` for
/// a worker that panicked.
pub fn run<T: Send>(jobs: usize, worker: impl Fn() -> T + Sync) -> Vec<Option<T>> {
    if cfg!(target_arch = "wasm32") {
        return vec![Some(worker())];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..jobs.max(1)).map(|_| scope.spawn(&worker)).collect();
        handles
            .into_iter()
            .map(|handle| handle.join().ok())
            .collect()
    })
}

/// Runs `first` on another thread while `second` runs on this one (both here in a page) and
/// answers both results. A panic in `first` is resumed here, as if it had run inline.
pub fn join<A: Send, B>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B) -> (A, B) {
    if cfg!(target_arch = "wasm32") {
        return (first(), second());
    }
    std::thread::scope(|scope| {
        let handle = scope.spawn(first);
        let b = second();
        match handle.join() {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The threads worth running: one per core (one where that cannot be known).
#[must_use]
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
