//! The native backend of [`PolicyModule`](crate::PolicyModule): policy-server's stack.
//!
//! One `wasmtime::Engine` with epoch interruption, a thread that ticks the epoch, and per module
//! a `wasmtime_provider::WasmtimeEngineProviderPre` (module compiled and linked once) that is
//! `rehydrate`d into a fresh waPC instance whenever one is needed.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use wasmtime_provider::{
    EpochDeadlines, ResourceLimits, WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre,
};

use crate::error::{HostError, Result};
use crate::evaluator::HostCallback;
use crate::limits::{EngineConfig, Limits};

/// One waPC instance of a module.
pub(crate) type Instance = wapc::WapcHost;
/// How a guest call fails (a trap, a deadline, the guest's own error).
pub(crate) type GuestError = wapc::errors::Error;
/// Why a compiled module could not be linked for instantiation.
pub(crate) type ProviderError = wasmtime_provider::errors::Error;
/// Why an instance could not be created or initialised.
pub(crate) type InstanceError = wapc::errors::Error;

/// Set to `1`, the engine writes a perf map of the compiled guest code, for `perf`.
pub const PERF_MAP_ENV: &str = "POLICY_HOST_PERF_MAP";

/// The wasmtime engine shared by policy modules, with its epoch ticker thread.
///
/// Cloning is cheap. The ticker thread only holds a weak reference: it stops once the engine and
/// every module compiled with it are dropped.
#[derive(Clone)]
pub struct PolicyEngine {
    engine: wasmtime::Engine,
    epoch_tick: Duration,
    cache: Option<Arc<ModuleCache>>,
}

impl std::fmt::Debug for PolicyEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyEngine")
            .field("epoch_tick", &self.epoch_tick)
            .finish_non_exhaustive()
    }
}

impl PolicyEngine {
    /// Creates an engine and starts its epoch ticker.
    pub fn new(config: EngineConfig) -> Result<Self> {
        let mut wasmtime_config = wasmtime::Config::default();
        wasmtime_config.epoch_interruption(true);
        // `perf record` then names the guests' functions (from /tmp/perf-<pid>.map); see the
        // README's "Measured" section.
        if std::env::var_os(PERF_MAP_ENV).is_some_and(|value| value == "1") {
            wasmtime_config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        if !config.wasm_backtraces {
            wasmtime_config.wasm_backtrace_max_frames(None);
        }
        let engine = wasmtime::Engine::new(&wasmtime_config).map_err(|e| HostError::Engine {
            message: format!("{e:#}"),
        })?;
        let epoch_tick = config.epoch_tick.max(Duration::from_millis(1));
        start_ticker(&engine, epoch_tick)?;
        let cache = match &config.cache_dir {
            Some(dir) => Some(Arc::new(ModuleCache::open(dir, &engine)?)),
            None => None,
        };
        Ok(Self {
            engine,
            epoch_tick,
            cache,
        })
    }

    /// A process-wide engine with the default configuration, created on first use.
    pub fn shared() -> Result<Self> {
        static SHARED: OnceLock<std::result::Result<PolicyEngine, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Self::new(EngineConfig::default()).map_err(|e| e.to_string()))
            .clone()
            .map_err(|message| HostError::Engine { message })
    }

    /// Period of the epoch ticker.
    #[must_use]
    pub fn epoch_tick(&self) -> Duration {
        self.epoch_tick
    }

    /// The underlying wasmtime engine.
    #[must_use]
    pub fn wasmtime_engine(&self) -> &wasmtime::Engine {
        &self.engine
    }

    /// Compiles `wasm` ahead of time, for this engine's configuration and the host: the code
    /// [`PolicyModule::from_bytes_precompiled`] loads without compiling.
    pub fn precompile(&self, wasm: &[u8]) -> Result<Vec<u8>> {
        self.engine
            .precompile_module(wasm)
            .map_err(|e| HostError::Engine {
                message: format!("cannot precompile the module: {e:#}"),
            })
    }

    /// Epoch ticks that cover `deadline` (rounded up, plus the tick that may already be under
    /// way), so that a policy is never stopped before its deadline.
    fn ticks(&self, deadline: Duration) -> u64 {
        let tick = self.epoch_tick.as_nanos().max(1);
        let ticks = deadline.as_nanos().div_ceil(tick).saturating_add(1);
        u64::try_from(ticks).unwrap_or(NO_DEADLINE).min(NO_DEADLINE)
    }
}

/// A deadline so far away it never fires (but `current epoch + delta` cannot overflow).
const NO_DEADLINE: u64 = u64::MAX / 4;

/// Increments the epoch every `tick`, catching up with wall time when a sleep overshoots.
fn start_ticker(engine: &wasmtime::Engine, tick: Duration) -> Result<()> {
    let weak = engine.weak();
    thread::Builder::new()
        .name("policy-host-epoch".to_owned())
        .spawn(move || {
            let start = Instant::now();
            let mut ticks: u128 = 0;
            loop {
                thread::sleep(tick);
                let Some(engine) = weak.upgrade() else {
                    return;
                };
                let due = start.elapsed().as_nanos() / tick.as_nanos().max(1);
                while ticks < due {
                    engine.increment_epoch();
                    ticks += 1;
                }
            }
        })
        .map(drop)
        .map_err(HostError::Ticker)
}

/// A module compiled by wasmtime (or loaded: precompiled, or from the cache) and linked for
/// instantiation under its limits.
#[derive(Clone)]
pub(crate) struct Compiled {
    module: wasmtime::Module,
    pre: WasmtimeEngineProviderPre,
    deadlines: EpochDeadlines,
}

impl Compiled {
    /// `bytes` (binary wasm, or the text format) compiled, or `precompiled` loaded when it was
    /// made from these very bytes (`digest`) by a compatible engine, or the engine's cached
    /// code.
    pub(crate) fn new(
        engine: &PolicyEngine,
        name: &str,
        bytes: &[u8],
        digest: &str,
        precompiled: Option<Precompiled<'_>>,
        limits: &Limits,
    ) -> Result<Self> {
        let compile = || {
            wasmtime::Module::new(&engine.engine, bytes).map_err(|e| HostError::Compile {
                module: name.to_owned(),
                message: format!("{e:#}"),
            })
        };
        let loaded = precompiled
            .filter(|precompiled| precompiled.wasm_digest == digest)
            .and_then(|precompiled| precompiled.load(&engine.engine));
        let module = match (loaded, &engine.cache) {
            (Some(module), _) => module,
            (None, Some(cache)) => cache.load_or_compile(&engine.engine, digest, compile)?,
            (None, None) => compile()?,
        };
        Self::link(engine, name, module, limits)
    }

    fn link(
        engine: &PolicyEngine,
        name: &str,
        module: wasmtime::Module,
        limits: &Limits,
    ) -> Result<Self> {
        let pre = WasmtimeEngineProviderBuilder::new()
            .engine(engine.engine.clone())
            .module(module.clone())
            .enable_resource_limits(ResourceLimits {
                max_memory_size: limits.max_memory_bytes,
                max_table_elements: limits.max_table_elements,
            })
            .build_pre()
            .map_err(|source| HostError::Prepare {
                module: name.to_owned(),
                source,
            })?;
        let ticks = limits
            .execution_deadline
            .map_or(NO_DEADLINE, |deadline| engine.ticks(deadline));
        Ok(Self {
            module,
            pre,
            deadlines: EpochDeadlines {
                wapc_init: ticks,
                wapc_func: ticks,
            },
        })
    }

    /// The same code linked under other limits (no recompilation).
    pub(crate) fn with_limits(
        &self,
        engine: &PolicyEngine,
        name: &str,
        limits: &Limits,
    ) -> Result<Self> {
        Self::link(engine, name, self.module.clone(), limits)
    }

    /// A new waPC instance whose host calls `callback` answers.
    pub(crate) fn instantiate(&self, name: &str, callback: HostCallback) -> Result<Instance> {
        let provider =
            self.pre
                .rehydrate(Some(self.deadlines))
                .map_err(|source| HostError::Prepare {
                    module: name.to_owned(),
                    source,
                })?;
        let callback = move |_instance_id: u64,
                             binding: &str,
                             namespace: &str,
                             operation: &str,
                             payload: &[u8]|
              -> std::result::Result<
            Vec<u8>,
            Box<dyn std::error::Error + Send + Sync>,
        > {
            callback(binding, namespace, operation, payload).map_err(Into::into)
        };
        wapc::WapcHost::new(Box::new(provider), Some(Box::new(callback))).map_err(|source| {
            HostError::Instantiate {
                module: name.to_owned(),
                source,
            }
        })
    }

    /// The compiled code, serialised.
    pub(crate) fn serialize(&self, name: &str) -> Result<Vec<u8>> {
        self.module.serialize().map_err(|e| HostError::Compile {
            module: name.to_owned(),
            message: format!("cannot serialise the compiled module: {e:#}"),
        })
    }
}

/// Code compiled ahead of time from a module, and the module it was compiled from.
#[derive(Debug, Clone, Copy)]
pub struct Precompiled<'a> {
    /// wasmtime's serialised code ([`PolicyEngine::precompile`]).
    pub code: &'a [u8],
    /// The SHA-256 of the wasm it was compiled from, lower-case hex.
    pub wasm_digest: &'a str,
}

impl Precompiled<'_> {
    /// The module, when wasmtime accepts the code for `engine` (same version and settings).
    #[allow(unsafe_code, reason = "loads compiled code: see the SAFETY note")]
    fn load(&self, engine: &wasmtime::Engine) -> Option<wasmtime::Module> {
        // SAFETY: the code was produced by `PolicyEngine::precompile` from the very wasm being
        // loaded (the caller checked the digest) and shipped inside this program by its own
        // build, the trust wasmtime's on-disk cache places in its files. wasmtime still checks
        // the header, version and engine settings and refuses code that does not match.
        unsafe { wasmtime::Module::deserialize(engine, self.code) }.ok()
    }
}

/// The on-disk cache of compiled modules: wasmtime's serialised code, one file per module
/// and engine configuration, loaded with `Module::deserialize_file` (a memory map, no
/// decompression), which is what makes a warm start cheap.
#[derive(Debug)]
struct ModuleCache {
    dir: PathBuf,
    /// Fingerprint of the engine's compiler settings and wasmtime version: code compiled by
    /// another configuration gets another file name instead of a load error.
    engine_fingerprint: String,
}

impl ModuleCache {
    fn open(dir: &Path, engine: &wasmtime::Engine) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| HostError::Engine {
            message: format!("cannot use {} as module cache: {e}", dir.display()),
        })?;
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
        Ok(Self {
            dir: dir.to_owned(),
            engine_fingerprint: format!("{:016x}", std::hash::Hasher::finish(&hasher)),
        })
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir
            .join(format!("{digest}-{}.cwasm", self.engine_fingerprint))
    }

    /// The cached code of the module whose wasm has `digest`, or `compile`'s result, which is
    /// then stored. A cache that cannot be read or written only costs a compilation.
    #[allow(unsafe_code, reason = "loads compiled code: see the SAFETY note")]
    fn load_or_compile(
        &self,
        engine: &wasmtime::Engine,
        digest: &str,
        compile: impl FnOnce() -> Result<wasmtime::Module>,
    ) -> Result<wasmtime::Module> {
        let path = self.path(digest);
        if path.is_file() {
            // SAFETY: the file is one this cache wrote with `Module::serialize` for the same
            // engine configuration (the fingerprint is in its name), in the user's own cache
            // directory: the trust wasmtime's own on-disk cache places in its files. wasmtime
            // still checks the header and version and refuses a file that does not match.
            if let Ok(module) = unsafe { wasmtime::Module::deserialize_file(engine, &path) } {
                return Ok(module);
            }
        }
        let module = compile()?;
        if let Ok(code) = module.serialize() {
            // Written aside then renamed, so a concurrent reader never maps a partial file.
            let partial = path.with_extension(format!("{}.partial", std::process::id()));
            if std::fs::write(&partial, code).is_ok() && std::fs::rename(&partial, &path).is_err() {
                let _ = std::fs::remove_file(&partial);
            }
        }
        Ok(module)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::PolicyModule;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn module_and_engine_are_shareable_across_threads() {
        assert_send_sync::<PolicyModule>();
        assert_send_sync::<PolicyEngine>();
        assert_send_sync::<HostError>();
    }

    #[test]
    fn deadline_ticks_round_up() {
        let engine = PolicyEngine::new(EngineConfig {
            epoch_tick: Duration::from_millis(10),
            ..EngineConfig::default()
        })
        .expect("engine");
        assert_eq!(engine.ticks(Duration::from_millis(95)), 11);
        assert_eq!(engine.ticks(Duration::from_millis(100)), 11);
        assert_eq!(engine.ticks(Duration::ZERO), 1);
        assert_eq!(engine.ticks(Duration::MAX), NO_DEADLINE);
    }

    /// The smallest module waPC accepts.
    const MINIMAL_WAPC: &str = r#"(module
        (memory (export "memory") 1)
        (func (export "__guest_call") (param i32 i32) (result i32) i32.const 0))"#;

    #[test]
    fn compiled_modules_are_cached_on_disk_and_limits_change_without_recompiling() {
        let dir = std::env::temp_dir().join(format!("policy-host-cache-{}", std::process::id()));
        let engine = PolicyEngine::new(EngineConfig {
            cache_dir: Some(dir.clone()),
            ..EngineConfig::default()
        })
        .expect("engine with cache");
        let module = PolicyModule::from_bytes(
            &engine,
            "minimal",
            MINIMAL_WAPC.as_bytes(),
            Limits::default(),
        )
        .expect("valid module");
        let cached = std::fs::read_dir(&dir)
            .map(|entries| entries.count())
            .unwrap_or(0);
        assert!(cached > 0, "nothing cached in {}", dir.display());
        assert_eq!(module.digest().len(), 64);
        assert!(!module.serialize().expect("serialisable").is_empty());

        let limits = Limits {
            max_memory_bytes: Some(1 << 20),
            ..Limits::default()
        };
        let other = module.with_limits(limits.clone()).expect("same module");
        assert_eq!((other.digest(), other.limits()), (module.digest(), &limits));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_cache_file_is_recompiled_and_replaced() {
        let dir = std::env::temp_dir().join(format!("policy-host-damaged-{}", std::process::id()));
        let engine = PolicyEngine::new(EngineConfig {
            cache_dir: Some(dir.clone()),
            ..EngineConfig::default()
        })
        .expect("engine with cache");
        let first =
            PolicyModule::from_bytes(&engine, "m", MINIMAL_WAPC.as_bytes(), Limits::default())
                .expect("valid module");
        let cached: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("cache directory")
            .map(|entry| entry.expect("entry").path())
            .collect();
        assert_eq!(cached.len(), 1, "{cached:?}");
        assert!(cached[0].to_string_lossy().contains(first.digest()));
        std::fs::write(&cached[0], b"not wasmtime code").expect("writable");

        let again =
            PolicyModule::from_bytes(&engine, "m", MINIMAL_WAPC.as_bytes(), Limits::default())
                .expect("recompiled");
        assert_eq!(again.digest(), first.digest());
        let code = std::fs::read(&cached[0]).expect("replaced");
        assert_eq!(code, again.serialize().expect("serialisable"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn invalid_wasm_is_a_compile_error_naming_the_module() {
        let engine = PolicyEngine::shared().expect("engine");
        let error = PolicyModule::from_bytes(&engine, "garbage", b"not wasm", Limits::default())
            .expect_err("invalid module");
        assert!(
            error
                .to_string()
                .starts_with("cannot compile policy module garbage:"),
            "{error}"
        );
    }

    #[test]
    fn missing_file_is_a_read_error_naming_the_file() {
        let engine = PolicyEngine::shared().expect("engine");
        let error = PolicyModule::from_file(&engine, "/nonexistent/p.wasm", Limits::default())
            .expect_err("missing file");
        assert!(
            error
                .to_string()
                .starts_with("cannot read policy module /nonexistent/p.wasm:"),
            "{error}"
        );
    }
}
