//! The browser backend of [`PolicyModule`](crate::PolicyModule): the same API as the wasmtime backend, with the
//! modules compiled and run by the page's own WebAssembly engine through the waPC host of
//! `js/wapc-host.js` (the protocol wasmtime-provider speaks, and the WASI calls a policy built
//! for `wasm32-wasip1` makes).
//!
//! What differs from policy-server: there is no execution deadline and no memory limit (the
//! page runs the policies in a worker, which the user can stop), and a trap is reported with
//! the browser's text for it.

use std::time::Duration;

use wasm_bindgen::prelude::*;

use crate::error::{HostError, Result};
use crate::evaluator::HostCallback;
use crate::limits::{EngineConfig, Limits};

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

/// A module compiled by the page's engine, which keeps it by digest.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    digest: String,
}

impl Compiled {
    /// `bytes` compiled (binary wasm only; there is no native code to load in a page).
    pub(crate) fn new(
        _engine: &PolicyEngine,
        name: &str,
        bytes: &[u8],
        digest: &str,
        _precompiled: Option<Precompiled<'_>>,
        _limits: &Limits,
    ) -> Result<Self> {
        compile_module(digest, bytes).map_err(|e| HostError::Compile {
            module: name.to_owned(),
            message: js_message(&e),
        })?;
        Ok(Self {
            digest: digest.to_owned(),
        })
    }

    /// The same module: limits are not enforced in a page.
    pub(crate) fn with_limits(
        &self,
        _engine: &PolicyEngine,
        _name: &str,
        _limits: &Limits,
    ) -> Result<Self> {
        Ok(self.clone())
    }

    /// A new waPC instance whose host calls `callback` answers.
    pub(crate) fn instantiate(&self, name: &str, callback: HostCallback) -> Result<Instance> {
        let host_call = HostCall::new(
            move |binding: String, namespace: String, operation: String, payload: Vec<u8>| {
                // An error is thrown to the JS host, which hands its text to the guest.
                callback(&binding, &namespace, &operation, &payload).map_err(JsValue::from)
            },
        );
        let instance =
            JsInstance::new(&self.digest, &host_call).map_err(|e| HostError::Instantiate {
                module: name.to_owned(),
                source: JsError::from(e),
            })?;
        Ok(Instance {
            instance,
            _host_call: host_call,
        })
    }
}
