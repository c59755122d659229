//! Shared decision rules of the upstream-first policies.
//!
//! Everything a policy decides lives here, once, so the policies (compiled to
//! `wasm32-wasip1`) and the scanner give the same answers.

pub mod catalog;
pub mod chart;
pub mod datastores;
pub mod evaluation;
pub mod evidence;
pub mod exemptions;
pub mod image;
pub mod podspec;
pub mod provenance;
pub mod quantity;
pub mod selector;
pub mod settings;
