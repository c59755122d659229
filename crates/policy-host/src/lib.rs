//! Runs Kubewarden waPC policies the way `kwctl run` and policy-server do.
//!
//! The stack is the same (wasmtime, waPC, wasmtime-provider) and so is the protocol, so a policy
//! artifact behaves here as it does in a cluster:
//!
//! - [`PolicyEngine`]: the wasmtime engine, with epoch interruption and its ticker thread;
//! - [`PolicyModule`]: a policy compiled once, `Send + Sync`, cheap to clone, with its
//!   per-instance [`Limits`] (execution deadline, linear memory, tables);
//! - [`PolicyEvaluator`]: one waPC instance (per thread) that answers `protocol_version`,
//!   `validate_settings` and `validate`, and turns the guest's answer into the
//!   [`AdmissionResponse`] kwctl prints;
//! - in a web page (`wasm32-unknown-unknown`, the playground), the same API runs the modules on
//!   the page's WebAssembly engine through the waPC host of `js/wapc-host.js` (`cfg(browser)`);
//! - [`HostContext`]: what the policy may see through host capabilities: an [`ObjectStore`] of
//!   Kubernetes objects, its `contextAwareResources` and its allowed [`HostCapabilities`].
//!
//! ```no_run
//! use policy_host::{
//!     ContextAwareResource, HostCapabilities, HostContext, Limits, ObjectStore, PolicyEngine,
//!     PolicyModule, ValidateRequest,
//! };
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Compile once (PolicyModule is Send + Sync; clone it into worker threads)...
//! let engine = PolicyEngine::shared()?;
//! let module = PolicyModule::from_file(&engine, "target/policies/my-policy.wasm", Limits::default())?;
//!
//! // ...give each evaluator what the policy may see...
//! let store = ObjectStore::from_objects([json!({
//!     "apiVersion": "v1", "kind": "ConfigMap",
//!     "metadata": {"name": "settings", "namespace": "default"}, "data": {}
//! })])?;
//! let context = HostContext::new()
//!     .with_object_store(store)
//!     .with_context_aware_resources([ContextAwareResource::new("v1", "ConfigMap")])
//!     .with_host_capabilities(HostCapabilities::new(["kubernetes/*"])?);
//! let mut evaluator = module.evaluator(context);
//!
//! // ...and evaluate AdmissionReviews (or bare AdmissionRequests), as `kwctl run` does.
//! let settings = json!({});
//! assert!(evaluator.validate_settings(&settings)?.valid);
//! let request = ValidateRequest::from_json(&std::fs::read("admission-review.json")?)?;
//! let response = evaluator.validate(&request, &settings)?;
//! println!("{}", serde_json::to_string(&response)?);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod capabilities;
pub mod error;
pub mod evaluator;
pub mod limits;
pub mod module;
// Where modules are compiled and run: wasmtime, or (`cfg(browser)`) the page's engine.
#[cfg_attr(not(browser), path = "backend/wasmtime.rs")]
#[cfg_attr(browser, path = "backend/browser.rs")]
mod backend;
pub mod request;
pub mod response;
pub mod selector;
pub mod store;
pub mod testing;

pub use capabilities::{
    ContextAwareResource, HostCallExchange, HostCallOutcome, HostCapabilities, HostContext,
};
pub use error::{HostError, Result};
pub use evaluator::PolicyEvaluator;
pub use module::{EngineConfig, Limits, PERF_MAP_ENV, PolicyEngine, PolicyModule, Precompiled};
pub use request::{AdmissionRequest, RequestError, ValidateRequest};
pub use response::{
    AdmissionResponse, AdmissionResponseStatus, SettingsValidationResponse, ValidationResponse,
};
pub use selector::{FieldMask, FieldSelector, FieldSelectorError, Selector};
pub use store::{ObjectStore, StoreError};
