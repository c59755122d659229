//! Helpers for tests that run the workspace's policies.
//!
//! `cargo xtask build` builds every policy for `wasm32-wasip1` and copies it to
//! `target/policies/<crate-name>.wasm`; tests find the modules there.

use std::path::{Path, PathBuf};

/// The workspace's target directory: `$CARGO_TARGET_DIR` when set (relative to the workspace
/// root), `<workspace>/target` otherwise.
#[must_use]
pub fn target_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..");
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    }
}

/// Where the module of the policy crate `name` is, if it has been built: first
/// `target/policies/<name>.wasm` (what `cargo xtask build` produces), then cargo's own output,
/// `target/wasm32-wasip1/release/<name with _>.wasm`.
#[must_use]
pub fn try_policy_path(name: &str) -> Option<PathBuf> {
    let target = target_dir();
    [
        target.join("policies").join(format!("{name}.wasm")),
        target
            .join("wasm32-wasip1")
            .join("release")
            .join(format!("{}.wasm", name.replace('-', "_"))),
    ]
    .into_iter()
    .find(|path| path.is_file())
}

/// The module of the policy crate `name` (e.g. `misbehaving-policy`).
///
/// # Panics
///
/// When the policy has not been built: tests cannot run without it, and the message says how to
/// build it.
#[must_use]
pub fn policy_path(name: &str) -> PathBuf {
    try_policy_path(name).unwrap_or_else(|| {
        panic!(
            "policy module {name} not found at {}: run `cargo xtask build` first",
            target_dir()
                .join("policies")
                .join(format!("{name}.wasm"))
                .display()
        )
    })
}
