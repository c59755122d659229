//! Embeds the built-in policies in the binary: for every name of `BUILTIN_POLICY_NAMES`, the
//! annotated module `cargo xtask build` put in `<target>/policies/<name>/annotated-policy.wasm`
//! (the exact `.wasm` the cluster runs, with its `metadata.yml` and README in the
//! `io.kubewarden.metadata` section, as `kwctl annotate` writes it), when it exists.
//!
//! A policy that has not been built is embedded as missing rather than failing the build, so that
//! `cargo build --workspace` and `cargo clippy` work before `cargo xtask build`; the CLI then says
//! which policy is missing and how to build it.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

include!("src/builtin_names.rs");

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("the crate lives in <workspace>/crates/")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let policies_dir = target_dir(&workspace, &out_dir).join("policies");

    // Watching the directory (cargo scans it) notices a policy that appears later; a missing
    // path would make cargo rerun this script on every build instead.
    if fs::create_dir_all(&policies_dir).is_ok() {
        println!("cargo:rerun-if-changed={}", policies_dir.display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    println!("cargo:rerun-if-changed=src/builtin_names.rs");

    // A web page (the playground) cannot run native code: embed only the modules there.
    let native = env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch != "wasm32");
    let mut generated = String::from("&[\n");
    for name in BUILTIN_POLICY_NAMES {
        let wasm = policies_dir.join(name).join("annotated-policy.wasm");
        // Its code compiled ahead of time for the build machine, and the digest of the module
        // it was compiled from (written together by `cargo xtask build`).
        let code = policies_dir.join(name).join("annotated-policy.cwasm");
        let digest = policies_dir
            .join(name)
            .join("annotated-policy.cwasm.sha256");
        let precompiled = if native && code.is_file() && digest.is_file() {
            format!(
                "Some(Precompiled {{ code: include_bytes!({:?}), wasm_digest: include_str!({:?}) }})",
                code.display().to_string(),
                digest.display().to_string()
            )
        } else {
            "None".to_owned()
        };
        let _ = writeln!(
            generated,
            "    EmbeddedPolicy {{ name: {name:?}, wasm: {}, precompiled: {precompiled}, wasm_path: {:?} }},",
            include_if_file(&wasm, "include_bytes", " as &[u8]"),
            wasm.display().to_string(),
        );
    }
    generated.push(']');
    fs::write(out_dir.join("embedded_policies.rs"), generated)
        .expect("writing the embedded policy table");
}

fn include_if_file(path: &Path, macro_name: &str, cast: &str) -> String {
    if path.is_file() {
        format!(
            "Some({macro_name}!({:?}){cast})",
            path.display().to_string()
        )
    } else {
        "None".to_owned()
    }
}

/// The target directory: `$CARGO_TARGET_DIR` (relative to the workspace), else the outermost
/// ancestor of `OUT_DIR` that cargo marked with `CACHEDIR.TAG` (a `target-dir` from
/// `.cargo/config`; cargo marks `<target>/<triple>/` too, which a build for another target,
/// such as the playground's, is under), else `<workspace>/target`.
fn target_dir(workspace: &Path, out_dir: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("CARGO_TARGET_DIR") {
        return workspace.join(dir);
    }
    out_dir
        .ancestors()
        .filter(|dir| dir.join("CACHEDIR.TAG").is_file())
        .last()
        .map_or_else(|| workspace.join("target"), Path::to_path_buf)
}
