//! End to end: every built policy `.wasm` evaluated through the policy host. One test binary
//! for all policies, because each binary links wasmtime.

mod corpus;
mod hostile_requests;
mod no_raw_datastores;
mod no_sql_mutating_jobs;
mod null_fields;
mod packaging;
mod pvc_contract;
mod require_network_policy;
mod require_upstream_chart;
