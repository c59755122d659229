// Shared by `build.rs` (which embeds each policy's `.wasm` and `metadata.yml`) and the library.

/// The policies of this repository, embedded in the binary when they have been built
/// (`cargo xtask build` puts them in `target/policies/<name>.wasm`).
pub const BUILTIN_POLICY_NAMES: [&str; 5] = [
    "no-raw-datastores",
    "require-upstream-chart",
    "pvc-contract",
    "require-network-policy",
    "no-sql-mutating-jobs",
];
