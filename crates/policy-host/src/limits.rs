//! How an engine is configured and what one instance of a module may use: plain data, the same
//! for every backend.

use std::path::PathBuf;
use std::time::Duration;

/// How the shared engine is configured.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Period of the epoch ticker: the precision of execution deadlines (a deadline fires
    /// between one tick early and one tick late). Default: 10 ms.
    pub epoch_tick: Duration,
    /// Directory of the on-disk cache of compiled modules: each module is stored as wasmtime's
    /// serialised code (`<sha256 of the wasm>-<engine fingerprint>.cwasm`), so that a module
    /// compiled once is memory-mapped, not recompiled, by the next process. Default: no cache.
    pub cache_dir: Option<PathBuf>,
    /// Whether traps carry a wasm backtrace. wasmtime-provider reports a failed call with the
    /// error's top-level text only, which is the backtrace when there is one (and the trap reason
    /// is lost), or the trap reason when there is none. So with `false` (the default) the `500`
    /// of a trapping policy says ``wasm trap: wasm `unreachable` instruction executed``; with
    /// `true` it shows the frames instead, exactly as policy-server's default engine does
    /// (useful for policies built with symbols).
    pub wasm_backtraces: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            epoch_tick: Duration::from_millis(10),
            cache_dir: None,
            wasm_backtraces: false,
        }
    }
}

/// Per-instance limits of a policy module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock budget of one guest call (`validate`, `validate_settings`, ...) and of the
    /// instance initialisation; past it the guest is interrupted. `None`: no deadline.
    /// Default: 2 s.
    pub execution_deadline: Option<Duration>,
    /// Maximum size of the linear memory of an instance; growing past it fails, which Rust
    /// guests treat as an allocation failure (they abort, i.e. trap). `None`: the wasm32
    /// maximum (4 GiB). Default: 256 MiB.
    pub max_memory_bytes: Option<usize>,
    /// Maximum number of elements of each table of an instance. Default: 100 000.
    pub max_table_elements: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            execution_deadline: Some(Duration::from_secs(2)),
            max_memory_bytes: Some(256 << 20),
            max_table_elements: Some(100_000),
        }
    }
}
