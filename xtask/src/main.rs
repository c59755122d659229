//! Project automation, the `cargo xtask` way:
//!
//! - `cargo xtask build`: build every policy for `wasm32-wasip1` into `target/policies/`, and
//!   annotate each one (`target/policies/<policy>/annotated-policy.wasm`, as `kwctl annotate`)
//! - `cargo xtask test`: build the policies, then run every test of the workspace, then build
//!   the playground and run its browser tests
//! - `cargo xtask demo`: build the policies, then scan the example bundle with the scanner
//! - `cargo xtask bench`: build the policies and run the benchmarks (job-scripts' native ones
//!   and the playground's too)
//! - `cargo xtask scan-bench`: build the policies and run the scanner's benchmark only
//! - `cargo xtask playground [--test|--bench|--no-serve]`: build the browser playground, then
//!   serve it on <http://127.0.0.1:8088/> (or run its browser tests or its benchmark, or stop)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use anyhow::{Context, Result, bail};

mod playground;
use policy_host::{EngineConfig, PolicyEngine};
use sha2::{Digest, Sha256};
use upstream_first_rules::fuzzing::{PACKED_CORPUS_EXTENSION, pack_corpus, unpack_corpus};

const WASM_TARGET: &str = "wasm32-wasip1";
/// Where `cargo xtask playground` serves the page.
const PLAYGROUND_PORT: u16 = 8088;

/// Crates built to `.wasm`: the policies, and the test-only policy that proves the host's limits.
const POLICIES: [&str; 5] = [
    "no-raw-datastores",
    "require-network-policy",
    "pvc-contract",
    "require-upstream-chart",
    "no-sql-mutating-jobs",
];
const TEST_POLICIES: [&str; 1] = ["misbehaving-policy"];

/// Cargo settings (`--config`) of one policy's build, which `Cargo.toml`'s profiles cannot say
/// per policy. no-sql-mutating-jobs runs job-scripts' shell reader and walker over every script
/// it is given: at `opt-level = 3` its validate takes ~17 % fewer instructions, for ~100 KB of
/// module. no-raw-datastores links the same crate to read a few words of a command line, so it
/// keeps the size-tuned `"s"` of `[profile.release]`.
fn policy_build_config(policy: &str) -> &'static [&'static str] {
    match policy {
        "no-sql-mutating-jobs" => &["profile.release.package.job-scripts.opt-level=3"],
        _ => &[],
    }
}
/// The file `cargo xtask build` writes in `target/policies/<policy>/`: the module with its
/// `metadata.yml` and README in the `io.kubewarden.metadata` section (`kwctl annotate`'s output).
const ANNOTATED_MODULE: &str = "annotated-policy.wasm";
/// The extension of its code compiled ahead of time for this machine (`annotated-policy.cwasm`).
const PRECOMPILED_EXTENSION: &str = "cwasm";

fn main() -> Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    let (task, rest) = args
        .split_first()
        .map_or(("help", &[][..]), |(t, r)| (t.as_str(), r));
    match task {
        "build" => build().map(|_| ()),
        "test" => {
            build()?;
            cargo(&["test", "--workspace"], rest)?;
            let site = playground::build()?;
            playground::test(&site)
        }
        "playground" => {
            build()?;
            let site = playground::build()?;
            match rest.first().map(String::as_str) {
                Some("--test") => playground::test(&site),
                Some("--bench") => playground::bench(&site),
                Some("--no-serve") => Ok(()),
                _ => playground::serve(&site, PLAYGROUND_PORT),
            }
        }
        "demo" => {
            build()?;
            demo(rest)
        }
        "bench" => {
            build()?;
            cargo(&["bench", "--package", "e2e-tests"], rest)?;
            // The shell reader's native throughput and the analysis without wasm.
            cargo(
                &["bench", "--package", "job-scripts", "--features", "fuzzing"],
                &[],
            )?;
            cargo(
                &["bench", "--package", "upstream-first", "--bench", "scan"],
                &[],
            )?;
            playground::bench(&playground::build()?)
        }
        "corpus" => corpus(rest),
        "scan-bench" => {
            build()?;
            cargo(
                &["bench", "--package", "upstream-first", "--bench", "scan"],
                rest,
            )
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <build|test|demo|bench|scan-bench|corpus pack|corpus unpack|playground [--test|--bench|--no-serve]> [extra cargo args]"
            );
            if task == "help" {
                Ok(())
            } else {
                bail!("unknown task {task}")
            }
        }
    }
}

/// Scans the example bundle with the scanner (a debug build: the tests have built its
/// dependencies already), then migrates what it rejected. The bundle has violations on
/// purpose, so the scan's exit code 1 is the expected outcome; `extra` goes to the scanner
/// (`--format markdown`, …).
fn demo(extra: &[String]) -> Result<()> {
    let status = scanner("scan")
        .args(["--config", "examples/config.yaml", "--show-patches"])
        .args(extra)
        .arg("examples/bundle/")
        .status()
        .context("starting the scanner")?;
    match status.code() {
        Some(0) => {}
        Some(1) => {
            eprintln!(
                "\nThe scan exited with 1: the example bundle breaks the policies on purpose (exit 0: nothing failed, 2: unusable input or configuration)."
            );
        }
        _ => bail!("the scan failed with {status}"),
    }
    // The replacements of what the scan rejected: a HelmRelease (Grafana), a CloudNativePG
    // Cluster (the payments database) and Strimzi resources (Kafka), with MIGRATION.md.
    eprintln!("\n$ upstream-first migrate --config examples/config.yaml examples/bundle/\n");
    run(scanner("migrate").args(["--config", "examples/config.yaml", "examples/bundle/"]))
}

/// `cargo run` of the scanner's `subcommand`, from the workspace root.
fn scanner(subcommand: &str) -> Command {
    let mut command = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()));
    command.current_dir(workspace_root()).args([
        "run",
        "--quiet",
        "--package",
        "upstream-first",
        "--",
        subcommand,
    ]);
    command
}

/// `cargo xtask corpus unpack` writes each packed fuzz corpus (`fuzz/corpus/<target>.corpus`)
/// out as the directory libFuzzer reads and grows; `cargo xtask corpus pack` folds each such
/// directory back into its pack (inputs already packed are kept) and removes it, so the tree
/// holds one file per target instead of tens of thousands.
fn corpus(args: &[String]) -> Result<()> {
    let dir = workspace_root().join("fuzz").join("corpus");
    match args.first().map(String::as_str) {
        Some("pack") => pack_corpora(&dir),
        Some("unpack") => unpack_corpora(&dir),
        _ => bail!("usage: cargo xtask corpus <pack|unpack>"),
    }
}

fn packed_path(dir: &Path, target: &str) -> PathBuf {
    dir.join(format!("{target}.{PACKED_CORPUS_EXTENSION}"))
}

fn read_pack(path: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    if !path.is_file() {
        return Ok(BTreeMap::new());
    }
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let inputs = unpack_corpus(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(inputs.into_iter().collect())
}

fn pack_corpora(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let target_dir = entry?.path();
        if !target_dir.is_dir() {
            continue;
        }
        let target = target_dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let pack = packed_path(dir, &target);
        let mut inputs = read_pack(&pack)?;
        for file in fs::read_dir(&target_dir)? {
            let file = file?.path();
            if file.is_file() {
                let name = file
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let bytes =
                    fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                inputs.insert(name, bytes);
            }
        }
        let count = inputs.len();
        let inputs: Vec<(String, Vec<u8>)> = inputs.into_iter().collect();
        replace_if_changed(&pack, &pack_corpus(&inputs))?;
        fs::remove_dir_all(&target_dir)
            .with_context(|| format!("removing {}", target_dir.display()))?;
        eprintln!("packed {count} inputs into {}", pack.display());
    }
    Ok(())
}

fn unpack_corpora(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let pack = entry?.path();
        if pack
            .extension()
            .is_none_or(|ext| ext != PACKED_CORPUS_EXTENSION)
        {
            continue;
        }
        let target_dir = pack.with_extension("");
        fs::create_dir_all(&target_dir)
            .with_context(|| format!("creating {}", target_dir.display()))?;
        let inputs = read_pack(&pack)?;
        for (name, bytes) in &inputs {
            fs::write(target_dir.join(name), bytes)
                .with_context(|| format!("writing {}", target_dir.join(name).display()))?;
        }
        eprintln!(
            "unpacked {} inputs into {}",
            inputs.len(),
            target_dir.display()
        );
    }
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Builds every policy for wasm32-wasip1 and copies it to `target/policies/<name>.wasm`.
fn build() -> Result<Vec<PathBuf>> {
    ensure_target(WASM_TARGET)?;
    let artifacts = POLICIES
        .iter()
        .chain(&TEST_POLICIES)
        .map(|name| {
            let artifact = build_cdylib(WASM_TARGET, name, policy_build_config(name), &[])?;
            Ok((*name, artifact))
        })
        .collect::<Result<Vec<_>>>()?;
    let root = workspace_root();
    let out_dir = target_dir().join("policies");
    fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let engine = PolicyEngine::new(EngineConfig::default())
        .context("starting the wasmtime engine that precompiles the policies")?;
    let mut built = Vec::new();
    for (name, artifact) in &artifacts {
        let dest = out_dir.join(format!("{name}.wasm"));
        let module = optimise(artifact, &dest, &out_dir, name)?;
        replace_if_changed(&dest, &module)?;
        eprintln!("built {} ({} KiB)", dest.display(), module.len() / 1024);
        if POLICIES.contains(name) {
            let annotated = annotate_policy(&root, name, &module, &out_dir)?;
            eprintln!("annotated {}", annotated.display());
            let code = precompile(&engine, &annotated)?;
            eprintln!("precompiled {}", code.display());
        }
        built.push(dest);
    }
    Ok(built)
}

/// The wasm features rustc enables for wasm32-wasip1 (LLVM's generic CPU), which wasm-opt must
/// be told about.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// The module cargo built at `artifact`, optimised for size by binaryen's `wasm-opt -Oz` (about
/// 11 % smaller, on top of rustc's `opt-level = "s"` and LTO) when `wasm-opt` is installed, as
/// the release workflow and `.ci/run` do. `dest` is the optimised module of a previous build;
/// a copy of the module it came from is kept under `target/policies/wasm-opt/`, so an unchanged
/// policy is not optimised again.
fn optimise(artifact: &Path, dest: &Path, out_dir: &Path, name: &str) -> Result<Vec<u8>> {
    let built = fs::read(artifact).with_context(|| format!("reading {}", artifact.display()))?;
    let cache = out_dir.join("wasm-opt");
    fs::create_dir_all(&cache).with_context(|| format!("creating {}", cache.display()))?;
    let source = cache.join(format!("{name}.wasm"));
    if fs::read(&source).ok().as_deref() == Some(built.as_slice())
        && let Ok(module) = fs::read(dest)
    {
        return Ok(module);
    }
    // Until the new module is optimised, `dest` is not the optimised `source`.
    let _ = fs::remove_file(&source);
    let optimised = cache.join(format!("{name}.optimised.{}.wasm", std::process::id()));
    let wasm_opt = env::var_os("WASM_OPT").unwrap_or_else(|| "wasm-opt".into());
    let status = Command::new(&wasm_opt)
        .arg("-Oz")
        .args(WASM_FEATURES)
        .arg(artifact)
        .arg("-o")
        .arg(&optimised)
        .status();
    match status {
        Ok(status) if status.success() => {
            let module =
                fs::read(&optimised).with_context(|| format!("reading {}", optimised.display()))?;
            let _ = fs::remove_file(&optimised);
            fs::write(&source, &built).with_context(|| format!("writing {}", source.display()))?;
            Ok(module)
        }
        Ok(status) => bail!("wasm-opt failed on {} with {status}", artifact.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "note: {} not found (binaryen): {name} is not size-optimised",
                wasm_opt.to_string_lossy()
            );
            Ok(built)
        }
        Err(e) => Err(e).with_context(|| format!("running {}", wasm_opt.to_string_lossy())),
    }
}

/// Writes `bytes` to `dest` unless it holds them already (rewriting identical bytes would make
/// cargo rebuild what embeds them), through a rename so that a concurrent reader never sees
/// half a module.
fn replace_if_changed(dest: &Path, bytes: &[u8]) -> Result<()> {
    if fs::read(dest).ok().as_deref() == Some(bytes) {
        return Ok(());
    }
    let file_name = dest.file_name().unwrap_or_default().to_string_lossy();
    let partial = dest.with_file_name(format!("{file_name}.{}.partial", std::process::id()));
    fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    fs::rename(&partial, dest).with_context(|| format!("writing {}", dest.display()))
}

/// What `kwctl annotate -m policies/<name>/metadata.yml -u policies/<name>/README.md` does,
/// without running the module: the protocol version is the SDK's (an e2e test checks every
/// policy answers it), and, as kwctl, a mismatch between the host capabilities the module can
/// call and those `metadata.yml` declares is reported (the e2e tests fail on it).
fn annotate_policy(root: &Path, name: &str, wasm: &[u8], out_dir: &Path) -> Result<PathBuf> {
    let policy_dir = root.join("policies").join(name);
    let metadata_path = policy_dir.join("metadata.yml");
    let readme_path = policy_dir.join("README.md");
    let text = fs::read_to_string(&metadata_path)
        .with_context(|| format!("reading {}", metadata_path.display()))?;
    let mut metadata = policy_metadata::Metadata::from_yaml(&text)
        .with_context(|| format!("reading {}", metadata_path.display()))?;
    metadata.protocol_version = Some(policy_metadata::SDK_PROTOCOL_VERSION);
    let usage = fs::read_to_string(&readme_path)
        .with_context(|| format!("reading {}", readme_path.display()))?;
    let detected = policy_metadata::detect_host_capabilities(wasm)
        .with_context(|| format!("scanning the module of {name}"))?;
    match &metadata.host_capabilities {
        Some(declared) if *declared == detected => {}
        declared => eprintln!(
            "warning: {name}: the module can call host capabilities {detected:?}, {} declares {}",
            metadata_path.display(),
            declared
                .as_ref()
                .map_or_else(|| "none (so: all)".to_owned(), |d| format!("{d:?}"))
        ),
    }
    let annotated = policy_metadata::annotate(wasm, &metadata, Some(&usage))
        .with_context(|| format!("annotating the module of {name}"))?;
    let dir = out_dir.join(name);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let dest = dir.join(ANNOTATED_MODULE);
    // The scanner embeds the annotated module.
    replace_if_changed(&dest, &annotated)?;
    Ok(dest)
}

/// Compiles an annotated module ahead of time for this machine, with the engine configuration
/// the scanner uses: `annotated-policy.cwasm` next to it, and `annotated-policy.cwasm.sha256`,
/// the digest of the module it was compiled from (the scanner loads the code only for that
/// module, and compiles otherwise). The scanner built next embeds both.
fn precompile(engine: &PolicyEngine, annotated: &Path) -> Result<PathBuf> {
    let wasm = fs::read(annotated).with_context(|| format!("reading {}", annotated.display()))?;
    let code = engine
        .precompile(&wasm)
        .with_context(|| format!("precompiling {}", annotated.display()))?;
    let code_path = annotated.with_extension(PRECOMPILED_EXTENSION);
    replace_if_changed(&code_path, &code)?;
    let digest = format!("{:x}", Sha256::digest(&wasm));
    replace_if_changed(
        &code_path.with_extension(format!("{PRECOMPILED_EXTENSION}.sha256")),
        digest.as_bytes(),
    )?;
    Ok(code_path)
}

/// Builds `package` for `target` as a release cdylib and returns the module's path.
///
/// `cargo rustc --crate-type cdylib`, not `cargo build`: the policy crates and the playground
/// are also rlibs (the fuzz targets, replay tests and native tests link them), and rustc skips
/// LTO for every output when an rlib is among them (rust-lang/rust#51009), which costs ~25% of
/// wasm size. `config` are Cargo settings (`--config`); `rustc_flags` go to the final crate
/// only.
fn build_cdylib(
    target: &str,
    package: &str,
    config: &[&str],
    rustc_flags: &[&str],
) -> Result<PathBuf> {
    let mut args = vec![
        "rustc",
        "--release",
        "--target",
        target,
        "--package",
        package,
        "--crate-type",
        "cdylib",
    ];
    for setting in config {
        args.extend(["--config", setting]);
    }
    if !rustc_flags.is_empty() {
        args.push("--");
        args.extend(rustc_flags);
    }
    cargo(&args, &[])?;
    Ok(target_dir()
        .join(target)
        .join("release")
        .join(format!("{}.wasm", package.replace('-', "_"))))
}

/// The target directory: `$CARGO_TARGET_DIR`, else the workspace's `target/`.
fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

fn ensure_target(target: &str) -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup (is it installed?)")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == target)
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", target]))
}

fn cargo(args: &[&str], extra: &[String]) -> Result<()> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    run(Command::new(cargo)
        .current_dir(workspace_root())
        .args(args)
        .args(extra))
}

fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}
