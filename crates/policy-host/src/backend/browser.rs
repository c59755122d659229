//! The browser backend of [`PolicyModule`]: the same API as the wasmtime backend, with the
//! modules compiled and run by the page's own WebAssembly engine through the waPC host of
//! `js/wapc-host.js` (the protocol wasmtime-provider speaks, and the WASI calls a policy built
//! for `wasm32-wasip1` makes).
//!
//! What differs from policy-server: there is no execution deadline and no memory limit (the
//! page runs the policies in a worker, which the user can stop), and a trap is reported with
//! the browser's text for it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;

use crate::capabilities::HostContext;
use crate::error::{HostError, Result};
use crate::evaluator::{HostCallback, PolicyEvaluator};
pub use crate::limits::{EngineConfig, Limits};

/// Set to `1`, the native engine writes a perf map; no effect in a browser.
pub const PERF_MAP_ENV: &str = "POLICY_HOST_PERF_MAP";

#[wasm_bindgen(module = "/js/wapc-host.js")]
extern "C" {
    /// Compiles a module once per digest (synchronously: the page runs this in a worker).
    #[wasm_bindgen(catch, js_name = compileModule)]
    fn compile_module(digest: &str, bytes: &[u8]) -> std::result::Result<(), JsValue>;

    /// One waPC instance of a compiled module.
    #[wasm_bindgen(js_name = WapcInstance)]
    type JsInstance;

    #[wasm_bindgen(constructor, catch, js_class = WapcInstance)]
    fn new(digest: &str, host_call: &HostCall) -> std::result::Result<JsInstance, JsValue>;

    /// A guest call: the answer's bytes, or a thrown `Error` with the guest's error text.
    #[wasm_bindgen(method, catch, js_class = WapcInstance)]
    fn call(
        this: &JsInstance,
        operation: &str,
        payload: &[u8],
    ) -> std::result::Result<Vec<u8>, JsValue>;
}

/// What the JavaScript side reported, as text.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct JsError(String);

impl From<JsValue> for JsError {
    fn from(value: JsValue) -> Self {
        Self(js_message(&value))
    }
}

/// The JavaScript host throws its failures as strings.
fn js_message(value: &JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// How a guest call fails, with the text wasmtime-provider's waPC host gives the same failure
/// (`Guest call failure: …`) for a guest error.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GuestError {
    /// The guest answered with an error.
    #[error("Guest call failure: {0}")]
    GuestCallFailure(String),
}

/// Why a module could not be prepared: never happens here (linking is instantiation).
pub(crate) type ProviderError = JsError;
/// Why an instance could not be created or initialised.
pub(crate) type InstanceError = JsError;

/// The host callback as the JS host calls it.
type HostCall =
    Closure<dyn Fn(String, String, String, Vec<u8>) -> std::result::Result<Vec<u8>, JsValue>>;

/// One waPC instance and the host callback it calls into.
pub(crate) struct Instance {
    instance: JsInstance,
    // Kept alive as long as the instance may call it.
    _host_call: HostCall,
}

impl Instance {
    pub(crate) fn call(
        &self,
        operation: &str,
        payload: &[u8],
    ) -> std::result::Result<Vec<u8>, GuestError> {
        self.instance
            .call(operation, payload)
            .map_err(|error| GuestError::GuestCallFailure(js_message(&error)))
    }
}

/// The page's WebAssembly engine: nothing to configure or start.
#[derive(Debug, Clone, Default)]
pub struct PolicyEngine {
    _private: (),
}

impl PolicyEngine {
    /// An engine; the configuration has no effect in a browser.
    pub fn new(_config: EngineConfig) -> Result<Self> {
        Ok(Self::default())
    }

    /// The engine.
    pub fn shared() -> Result<Self> {
        Ok(Self::default())
    }

    /// There is no epoch ticker in a browser.
    #[must_use]
    pub fn epoch_tick(&self) -> Duration {
        Duration::ZERO
    }
}

/// Code compiled ahead of time for the native engine: never loaded in a browser.
#[derive(Debug, Clone, Copy)]
pub struct Precompiled<'a> {
    /// wasmtime's serialised code.
    pub code: &'a [u8],
    /// The SHA-256 of the wasm it was compiled from, lower-case hex.
    pub wasm_digest: &'a str,
}

/// A policy module compiled by the page's engine.
#[derive(Debug, Clone)]
pub struct PolicyModule {
    inner: Arc<ModuleInner>,
}

#[derive(Debug)]
struct ModuleInner {
    name: String,
    path: Option<PathBuf>,
    digest: String,
    metadata: Option<policy_metadata::Metadata>,
    engine: PolicyEngine,
    limits: Limits,
}

impl PolicyModule {
    /// Reads and compiles a `.wasm` file (pages have no files: this fails).
    pub fn from_file(
        engine: &PolicyEngine,
        path: impl AsRef<Path>,
        limits: Limits,
    ) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| HostError::ReadModule {
            path: path.to_owned(),
            source,
        })?;
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        Self::build(engine, name, Some(path.to_owned()), &bytes, limits)
    }

    /// Compiles a module from its bytes (binary wasm only).
    pub fn from_bytes(
        engine: &PolicyEngine,
        name: impl Into<String>,
        bytes: &[u8],
        limits: Limits,
    ) -> Result<Self> {
        Self::build(engine, name.into(), None, bytes, limits)
    }

    /// As [`Self::from_bytes`]: native code cannot run in a page.
    pub fn from_bytes_precompiled(
        engine: &PolicyEngine,
        name: impl Into<String>,
        bytes: &[u8],
        _precompiled: Precompiled<'_>,
        limits: Limits,
    ) -> Result<Self> {
        Self::build(engine, name.into(), None, bytes, limits)
    }

    fn build(
        engine: &PolicyEngine,
        name: String,
        path: Option<PathBuf>,
        bytes: &[u8],
        limits: Limits,
    ) -> Result<Self> {
        let digest = format!("{:x}", Sha256::digest(bytes));
        let compile_error = |message: String| HostError::Compile {
            module: name.clone(),
            message,
        };
        compile_module(&digest, bytes).map_err(|e| compile_error(js_message(&e)))?;
        let metadata =
            policy_metadata::read_metadata(bytes).map_err(|e| compile_error(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(ModuleInner {
                name,
                path,
                digest,
                metadata,
                engine: engine.clone(),
                limits,
            }),
        })
    }

    /// The same module with other limits.
    pub fn with_limits(&self, limits: Limits) -> Result<Self> {
        let inner = &self.inner;
        Ok(Self {
            inner: Arc::new(ModuleInner {
                name: inner.name.clone(),
                path: inner.path.clone(),
                digest: inner.digest.clone(),
                metadata: inner.metadata.clone(),
                engine: inner.engine.clone(),
                limits,
            }),
        })
    }

    /// A new evaluator (one waPC instance, created lazily) with the given host context.
    #[must_use]
    pub fn evaluator(&self, context: HostContext) -> PolicyEvaluator {
        PolicyEvaluator::new(self.clone(), context)
    }

    /// Name of the module.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The file the module was read from, if any.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// Hex SHA-256 of the wasm bytes.
    #[must_use]
    pub fn digest(&self) -> &str {
        &self.inner.digest
    }

    /// The metadata of an annotated module.
    #[must_use]
    pub fn metadata(&self) -> Option<&policy_metadata::Metadata> {
        self.inner.metadata.as_ref()
    }

    /// The limits (not enforced in a browser).
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The engine.
    #[must_use]
    pub fn engine(&self) -> &PolicyEngine {
        &self.inner.engine
    }

    /// A new waPC instance whose host calls `callback` answers.
    pub(crate) fn instantiate(&self, callback: HostCallback) -> Result<Instance> {
        let host_call = HostCall::new(
            move |binding: String, namespace: String, operation: String, payload: Vec<u8>| {
                // An error is thrown to the JS host, which hands its text to the guest.
                callback(&binding, &namespace, &operation, &payload).map_err(JsValue::from)
            },
        );
        let instance = JsInstance::new(&self.inner.digest, &host_call).map_err(|e| {
            HostError::Instantiate {
                module: self.inner.name.clone(),
                source: JsError::from(e),
            }
        })?;
        Ok(Instance {
            instance,
            _host_call: host_call,
        })
    }
}
