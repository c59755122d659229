//! Helpers of the command-line tests: run the built binary, find the corpus, read its output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use upstream_first::builtin;

/// The scanner binary, with a cache of compiled modules in the target directory and no colours.
pub fn upstream_first() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_upstream-first"));
    command
        .env(
            "UPSTREAM_FIRST_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("upstream-first-cache"),
        )
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    command
}

/// Runs the binary with `args`.
pub fn run(args: &[&str]) -> Output {
    upstream_first()
        .args(args)
        .output()
        .expect("the upstream-first binary runs")
}

/// Runs the binary with `stdin` as its standard input.
pub fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    use std::io::Write as _;
    let mut child = upstream_first()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the upstream-first binary starts");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("the binary finishes")
}

/// Exit code, stdout and stderr of a run.
pub fn outcome(output: &Output) -> (i32, String, String) {
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Parses stdout as JSON.
pub fn json_stdout(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// `../shared/corpus`.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

/// A corpus file, as an absolute path string.
pub fn corpus_file(name: &str) -> String {
    corpus_dir().join(name).display().to_string()
}

/// Whether a built-in policy is embedded in the binary under test.
pub fn embedded(name: &str) -> bool {
    builtin::find(name).is_some_and(|policy| policy.wasm.is_some())
}

/// Panics with the fix when a built-in policy a test needs was not built.
pub fn require(names: &[&str]) {
    for name in names {
        assert!(
            embedded(name),
            "built-in policy {name} is not embedded: run `cargo xtask build`, then test again"
        );
    }
}

/// A file in a fresh per-test directory.
pub fn temp_file(test: &str, name: &str, contents: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-tests")
        .join(test);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    // Tests run in parallel: write aside, then rename, so that no reader sees half a file.
    let partial = dir.join(format!("{name}.{:?}.partial", std::thread::current().id()));
    std::fs::write(&partial, contents).expect("temp file written");
    std::fs::rename(&partial, &path).expect("temp file renamed");
    path
}

/// The corpus's `config.yaml` without the policies that are not built yet.
pub fn corpus_config() -> PathBuf {
    let text = std::fs::read_to_string(corpus_dir().join("config.yaml")).expect("config.yaml");
    let kept: Vec<&str> = text
        .split("\n---\n")
        .filter(|document| {
            builtin::BUILTIN_POLICY_NAMES
                .iter()
                .filter(|name| document.contains(&format!("/{name}:")))
                .all(|name| embedded(name))
        })
        .collect();
    temp_file("corpus", "config.yaml", &kept.join("\n---\n"))
}

/// The results of a JSON report.
pub fn results(report: &Value) -> &Vec<Value> {
    report["results"].as_array().expect("results array")
}
