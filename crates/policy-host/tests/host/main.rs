//! The host's integration tests, in one binary: every test binary links wasmtime, so one
//! binary instead of several saves gigabytes of build output and minutes of linking.

mod common;
mod evaluation;
mod host_capabilities;
