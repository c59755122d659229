//! A progress bar on stderr for long scans (only when stderr is a terminal).

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Scans shorter than this draw nothing.
const SHOW_AFTER: Duration = Duration::from_millis(300);
/// Redraw period.
const REFRESH: Duration = Duration::from_millis(100);
/// Width of the bar, in characters.
const WIDTH: usize = 30;

/// Counts processed objects and redraws the bar from a background thread.
pub struct Progress {
    state: Option<(Arc<State>, JoinHandle<()>)>,
}

struct State {
    done: AtomicUsize,
    finished: AtomicBool,
    total: usize,
}

impl Progress {
    /// Starts a bar for `total` objects when `enabled`.
    #[must_use]
    pub fn start(enabled: bool, total: usize) -> Self {
        if !enabled || total == 0 {
            return Self { state: None };
        }
        let state = Arc::new(State {
            done: AtomicUsize::new(0),
            finished: AtomicBool::new(false),
            total,
        });
        let shared = Arc::clone(&state);
        let handle = std::thread::Builder::new()
            .name("upstream-first-progress".to_owned())
            .spawn(move || draw(&shared));
        match handle {
            Ok(handle) => Self {
                state: Some((state, handle)),
            },
            Err(_) => Self { state: None },
        }
    }

    /// One more object done.
    pub fn advance(&self) {
        if let Some((state, _)) = &self.state {
            state.done.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Stops the bar and clears its line.
    pub fn finish(self) {
        if let Some((state, handle)) = self.state {
            state.finished.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
    }
}

fn draw(state: &State) {
    let mut waited = Duration::ZERO;
    let mut drawn = false;
    while !state.finished.load(Ordering::Relaxed) {
        std::thread::sleep(REFRESH);
        waited += REFRESH;
        if waited < SHOW_AFTER {
            continue;
        }
        let done = state.done.load(Ordering::Relaxed).min(state.total);
        let filled = done * WIDTH / state.total.max(1);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\r  scanning [{}{}] {done}/{} objects",
            "#".repeat(filled),
            ".".repeat(WIDTH - filled),
            state.total
        );
        let _ = stderr.flush();
        drawn = true;
    }
    if drawn {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}
