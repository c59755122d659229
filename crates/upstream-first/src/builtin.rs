//! The built-in policies embedded in the binary by `build.rs`: the exact `.wasm` built for
//! `wasm32-wasip1` by `cargo xtask build`, annotated with its `metadata.yml` and README (the
//! `io.kubewarden.metadata` section `kwctl annotate` writes).

include!("builtin_names.rs");

use policy_host::Precompiled;

/// One built-in policy as embedded at compile time.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedPolicy {
    /// The policy's name (its crate, its `metadata.yml` directory, its registry repository).
    pub name: &'static str,
    /// The annotated module, when it had been built before upstream-first was compiled.
    pub wasm: Option<&'static [u8]>,
    /// Its code compiled ahead of time by `cargo xtask build` for the machine that built the
    /// scanner: loaded instead of compiling when the engine accepts it.
    pub precompiled: Option<Precompiled<'static>>,
    /// Where the module was looked for at compile time (for the "not built" message).
    pub wasm_path: &'static str,
}

impl EmbeddedPolicy {
    /// The metadata in the module's `io.kubewarden.metadata` section (`None` when the module
    /// was not built, or carries none).
    #[must_use]
    pub fn metadata(&self) -> Option<policy_metadata::Metadata> {
        policy_metadata::read_metadata(self.wasm?).ok().flatten()
    }
}

/// Every built-in policy, in the order of [`BUILTIN_POLICY_NAMES`].
pub static EMBEDDED_POLICIES: &[EmbeddedPolicy] =
    include!(concat!(env!("OUT_DIR"), "/embedded_policies.rs"));

/// The built-in policy called `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static EmbeddedPolicy> {
    EMBEDDED_POLICIES.iter().find(|policy| policy.name == name)
}

/// Why a built-in policy cannot be used, and how to fix it.
#[must_use]
pub fn missing_message(policy: &EmbeddedPolicy) -> String {
    format!(
        "built-in policy {} is not in this binary: {} did not exist when upstream-first was compiled; run `cargo xtask build`, then build upstream-first again",
        policy.name, policy.wasm_path
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_name_has_an_entry() {
        let names: Vec<&str> = EMBEDDED_POLICIES.iter().map(|p| p.name).collect();
        assert_eq!(names, BUILTIN_POLICY_NAMES);
    }

    #[test]
    fn embedded_modules_are_wasm_annotated_with_their_metadata() {
        for policy in EMBEDDED_POLICIES {
            if let Some(wasm) = policy.wasm {
                assert!(wasm.starts_with(b"\0asm"), "{} is not wasm", policy.name);
                let metadata = policy.metadata().expect("annotated");
                assert_eq!(metadata.title(), Some(policy.name));
                assert!(!metadata.rules.is_empty(), "{} has rules", policy.name);
            }
        }
    }

    /// The precompiled code is derived from the module the cluster runs: it names the digest
    /// of exactly the embedded `.wasm`, and the engine loads it as that module.
    #[test]
    fn embedded_code_was_compiled_from_the_embedded_module() {
        use sha2::{Digest, Sha256};
        let engine = policy_host::PolicyEngine::shared().expect("an engine");
        for policy in EMBEDDED_POLICIES {
            let (Some(wasm), Some(precompiled)) = (policy.wasm, policy.precompiled) else {
                continue;
            };
            assert_eq!(
                precompiled.wasm_digest,
                format!("{:x}", Sha256::digest(wasm)),
                "{}: the precompiled code is of another module",
                policy.name
            );
            let loaded = policy_host::PolicyModule::from_bytes_precompiled(
                &engine,
                policy.name,
                wasm,
                precompiled,
                policy_host::Limits::default(),
            )
            .expect("loads");
            assert_eq!(loaded.digest(), precompiled.wasm_digest);
        }
    }
}
