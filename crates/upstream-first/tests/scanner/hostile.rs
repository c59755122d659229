//! Hostile and broken input, and misbehaving policies: the scan reports each with a clear error
//! (file and line), in bounded time and memory, and scans everything else.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use policy_host::testing;
use serde_json::{Value, json};

use crate::common::{json_stdout, outcome, require, results, run};

/// A fresh directory for one test.
fn fresh_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile-tests")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("test directory");
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("test file written");
    path.display().to_string()
}

/// A Postgres Deployment: rejected by no-raw-datastores.
fn postgres(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  template:\n    spec:\n      containers: [{{name: db, image: 'postgres:16'}}]\n"
    )
}

/// Nine levels of nine aliases (9^9 strings) in a ConfigMap.
fn billion_laughs() -> String {
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\nl0: &l0 lol\n");
    for level in 1..10 {
        let items = vec![format!("*l{}", level - 1); 9].join(", ");
        text.push_str(&format!("l{level}: &l{level} [{items}]\n"));
    }
    text.push_str("data: {x: *l9}\n");
    text
}

/// The evaluated objects of a JSON report: `name verdict`.
fn evaluated(report: &Value) -> Vec<String> {
    results(report)
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["name"].as_str().unwrap_or("?"),
                r["verdict"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

#[test]
fn hostile_files_are_input_errors_and_everything_else_is_scanned() {
    require(&["no-raw-datastores"]);
    let dir = fresh_dir("files");
    let bomb = write(
        &dir,
        "a-bomb.yaml",
        format!("{}---\n{}", billion_laughs(), postgres("after-bomb")).as_bytes(),
    );
    let deep = write(
        &dir,
        "b-deep.yaml",
        format!(
            "a: {}\n---\n{}",
            "[".repeat(100_000),
            postgres("after-deep")
        )
        .as_bytes(),
    );
    let mut latin1 = postgres("latin1").into_bytes();
    latin1.extend_from_slice(b"  annotations: {note: caf\xe9}\n---\n");
    latin1.extend_from_slice(postgres("after-latin1").as_bytes());
    let latin1 = write(&dir, "c-latin1.yaml", &latin1);
    let binary = write(
        &dir,
        "d-logo.yaml",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00",
    );
    let utf16 = write(&dir, "e-utf16.yaml", b"\xff\xfea\x00p\x00i\x00");
    write(&dir, "f-good.yaml", postgres("good").as_bytes());

    let output = run(&[
        "scan",
        "--policy",
        "no-raw-datastores",
        "--format",
        "json",
        &dir.display().to_string(),
    ]);
    let (code, _, stderr) = outcome(&output);
    assert_eq!(code, 2, "unreadable input fails the scan: {stderr}");
    let report = json_stdout(&output);
    assert_eq!(
        evaluated(&report),
        [
            "after-bomb fail",
            "after-deep fail",
            "after-latin1 fail",
            "good fail"
        ]
    );
    assert_eq!(
        report["errors"],
        json!([
            {"file": bomb, "line": 1, "column": null, "message": "invalid YAML: YAML aliases expand this document far beyond its size (an alias bomb?); it is not read"},
            {"file": deep, "line": 1, "column": 132, "message": "invalid YAML: flow collections ([…], {…}) nested deeper than 128 levels"},
            {"file": latin1, "line": 8, "column": 26, "message": "not UTF-8 text: invalid byte 0xE9; the document is not read"},
            {"file": binary, "line": null, "column": null, "message": "a binary file (it contains NUL bytes), not YAML or JSON text"},
            {"file": utf16, "line": null, "column": null, "message": "UTF-16 text: convert it to UTF-8 (YAML and JSON manifests are UTF-8)"},
        ])
    );
}

#[test]
fn non_utf8_stdin_costs_only_its_document() {
    require(&["no-raw-datastores"]);
    let mut stdin = postgres("first").into_bytes();
    stdin.extend_from_slice(b"---\nkind: \xff\n---\n");
    stdin.extend_from_slice(postgres("last").as_bytes());
    let mut child = crate::common::upstream_first()
        .args(["scan", "--policy", "no-raw-datastores", "-f", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the scanner starts");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(&stdin)
        .expect("stdin written");
    let output = child.wait_with_output().expect("the scan ends");
    assert_eq!(output.status.code(), Some(2));
    let report = json_stdout(&output);
    assert_eq!(evaluated(&report), ["first fail", "last fail"]);
    assert_eq!(
        report["errors"],
        json!([{"file": "-", "line": 9, "column": 7, "message": "not UTF-8 text: invalid byte 0xFF; the document is not read"}])
    );
}

/// Generates a `kubectl get -A -o yaml`-like dump of `bytes` bytes: ConfigMaps with a script
/// each, one broken document in the middle and a Postgres Deployment at the end.
fn dump(path: &Path, bytes: usize) -> usize {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("dump file"));
    let script = "echo 'reconcile'; sleep 1\n    ".repeat(60);
    let (mut written, mut count, mut line) = (0, 0, 1);
    let mut broken_line = 0;
    while written < bytes {
        let document = if count == 10_000 {
            broken_line = line + 5;
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n   labels: x\n"
                .to_owned()
        } else {
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{count}\n  namespace: ns-{}\ndata:\n  run.sh: |\n    {script}\n",
                count % 100
            )
        };
        file.write_all(document.as_bytes()).expect("dump written");
        written += document.len();
        line += document.matches('\n').count();
        count += 1;
    }
    file.write_all(format!("---\n{}", postgres("last")).as_bytes())
        .expect("dump written");
    file.flush().expect("dump flushed");
    broken_line
}

/// A 100 MB dump is read, the broken document in it reported at its line, and the object after
/// it scanned. Time and peak memory are printed (`--stats`), not asserted: see the README.
#[test]
fn a_hundred_megabyte_dump_is_scanned() {
    require(&["no-raw-datastores"]);
    let dir = fresh_dir("dump");
    let path = dir.join("dump.yaml");
    let broken_line = dump(&path, 100 << 20);
    let file = path.display().to_string();
    let output = run(&[
        "scan",
        "--policy",
        "no-raw-datastores",
        "--format",
        "json",
        "--stats",
        &file,
    ]);
    let (code, _, stderr) = outcome(&output);
    println!("100 MB dump: {stderr}");
    assert_eq!(code, 2);
    let report = json_stdout(&output);
    assert_eq!(evaluated(&report), ["last fail"]);
    assert_eq!(
        report["errors"],
        json!([{"file": file, "line": broken_line, "column": 10, "message": "invalid YAML: mapping values are not allowed in this context"}])
    );
    let objects = report["summary"]["objects"].as_u64().unwrap_or(0);
    assert!(objects > 30_000, "{objects} objects");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The misbehaving test policy as a module file, with `behaviour` in its settings.
fn misbehaving(behaviour: &str, extra: &[&str]) -> std::process::Output {
    let module = testing::policy_path("misbehaving-policy")
        .display()
        .to_string();
    let dir = fresh_dir(&format!("misbehaving-{behaviour}"));
    let bundle = write(
        &dir,
        "bundle.yaml",
        format!("{}---\n{}", postgres("one"), postgres("two")).as_bytes(),
    );
    let settings =
        format!(r#"misbehaving-policy={{"behaviour": "{behaviour}", "fallible": true}}"#);
    let mut args = vec![
        "scan",
        "--policy",
        &module,
        "--settings",
        &settings,
        "-f",
        "json",
    ];
    args.extend(extra);
    args.push(&bundle);
    run(&args)
}

/// An endless loop is interrupted at `--timeout` on every object, reported as an error (500),
/// and the next evaluation gets a fresh instance.
#[test]
fn a_looping_policy_is_stopped_on_every_object() {
    let output = misbehaving("loop", &["--timeout", "0.2"]);
    let report = json_stdout(&output);
    assert_eq!(output.status.code(), Some(1), "errors fail the scan");
    assert_eq!(evaluated(&report), ["one error", "two error"]);
    for result in results(&report) {
        assert_eq!(result["code"], 500);
        assert_eq!(
            result["message"],
            "internal server error: Guest call failure: guest code interrupted, execution deadline exceeded"
        );
    }
}

/// `--memory-limit` caps each instance: the policy allocates until the allocator fails and
/// says how far it got.
#[test]
fn the_memory_limit_caps_every_instance() {
    for (limit, bytes) in [("16Mi", 16usize << 20), ("64Mi", 64 << 20)] {
        let output = misbehaving("allocate", &["--memory-limit", limit]);
        let report = json_stdout(&output);
        let results = results(&report);
        assert_eq!(results.len(), 2);
        for result in results {
            let allocated: usize = result["message"]
                .as_str()
                .and_then(|m| m.strip_prefix("allocated "))
                .and_then(|m| m.strip_suffix(" bytes before the allocator failed"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unexpected result {result}"));
            assert!(
                allocated <= bytes && allocated >= bytes - (4 << 20),
                "{allocated} of {limit}"
            );
        }
    }
}

#[rstest::rstest]
#[case(&["--timeout", "0"], "invalid value '0' for '--timeout <SECONDS>': \"0\" is not a positive number of seconds")]
#[case(&["--memory-limit", "1Ki"], "invalid value '1Ki' for '--memory-limit <QUANTITY>': \"1Ki\" is too small: at least 2Mi")]
#[case(&["--memory-limit", "lots"], "invalid value 'lots' for '--memory-limit <QUANTITY>': invalid quantity \"lots\": expected a number (digits with an optional sign and decimal point) at the start")]
fn invalid_limits_are_usage_errors(#[case] args: &[&str], #[case] message: &str) {
    let mut all = vec!["scan"];
    all.extend(args);
    all.push("-");
    let (code, _, stderr) = outcome(&run(&all));
    assert_eq!(code, 2);
    assert!(stderr.starts_with(&format!("error: {message}")), "{stderr}");
}
