//! Shared decision rules of the upstream-first policies.
//!
//! Everything a policy decides lives here, once, so the policies (compiled to
//! `wasm32-wasip1`) and the scanner give the same answers.

// Re-exported for `register_policy!`, so policy crates need no matching versions.
pub use kubewarden_policy_sdk;
pub use serde_json;

pub mod allocator;
pub mod catalog;
pub mod chart;
pub mod datastores;
pub mod evaluation;
pub mod evidence;
pub mod exemptions;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod image;
pub mod network;
pub mod podspec;
#[cfg(test)]
mod properties;
pub mod provenance;
pub mod quantity;
pub mod scripts;
pub mod selector;
pub mod settings;
pub mod storage;
pub mod upstream_chart;
