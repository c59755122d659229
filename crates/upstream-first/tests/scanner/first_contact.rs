//! First contact: a scan with no configuration, a configuration found as linters find theirs,
//! `init`, and a repository of chart sources.

use std::path::{Path, PathBuf};

use upstream_first::builtin::BUILTIN_POLICY_NAMES as POLICIES;
use upstream_first::config::CONFIG_FILE;

use crate::common::{outcome, require, run, temp_file, upstream_first};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/bundle")
}

/// A fresh directory that is the root of a repository (`.git`), so discovery stops there.
fn repository(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("first-contact")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).expect("repository");
    dir
}

#[test]
fn init_writes_a_configuration_that_scan_finds_and_every_policy_accepts() {
    require(&POLICIES);
    let repo = repository("init");
    let examples = examples();
    let output = upstream_first()
        .current_dir(&repo)
        .args(["init", examples.to_str().expect("utf-8")])
        .output()
        .expect("init runs");
    let (code, _, stderr) = outcome(&output);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(repo.join(CONFIG_FILE)).expect("written");
    assert!(
        written.contains("    allowedStorageClasses: [fast-ssd, standard]\n"),
        "{written}"
    );
    assert!(
        written.contains(
            "# Namespaces in the inputs: events, legacy, observability, orders, payments.\n"
        ),
        "{written}"
    );

    // Found from a subdirectory of the repository; its settings pass every policy's
    // validate_settings (a refused one would stop the scan with 2).
    let nested = repo.join("apps/shop");
    std::fs::create_dir_all(&nested).expect("nested");
    let scan = upstream_first()
        .current_dir(&nested)
        .args(["scan", examples.to_str().expect("utf-8")])
        .output()
        .expect("scan runs");
    let (code, stdout, stderr) = outcome(&scan);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "note: configuration: {}",
            repo.join(CONFIG_FILE).display()
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("allowedStorageClasses"),
        "the class contract is on: {stderr}"
    );
    assert!(
        stdout.contains("25 objects (9 evaluated by 5 policies)"),
        "{stdout}"
    );

    let again = upstream_first()
        .current_dir(&repo)
        .args(["init"])
        .output()
        .expect("init runs");
    let (code, _, stderr) = outcome(&again);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!("Error: {CONFIG_FILE} exists: nothing written (--force overwrites it)\n")
    );
}

#[test]
fn discovery_stops_at_the_repository_root() {
    let outer = repository("outer");
    std::fs::write(outer.join(CONFIG_FILE), "not: a policy\n").expect("outer config");
    let inner = outer.join("inner");
    std::fs::create_dir_all(inner.join(".git")).expect("inner repository");
    let manifest = temp_file("first-contact", "empty.yaml", "");
    let output = upstream_first()
        .current_dir(&inner)
        .args([
            "scan",
            "--policy",
            "no-raw-datastores",
            manifest.to_str().expect("utf-8"),
        ])
        .output()
        .expect("scan runs");
    let (code, _, stderr) = outcome(&output);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("note: configuration"), "{stderr}");
}

#[test]
fn chart_sources_are_named_once_and_the_rest_of_the_repository_is_scanned() {
    require(&["no-raw-datastores"]);
    let repo = repository("charts");
    let chart = repo.join("charts/shop");
    std::fs::create_dir_all(chart.join("templates")).expect("chart");
    std::fs::create_dir_all(chart.join("charts/sub/templates")).expect("subchart");
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    )
    .expect("Chart.yaml");
    std::fs::write(chart.join("values.yaml"), "replicas: 2\n").expect("values");
    for dir in [chart.join("templates"), chart.join("charts/sub/templates")] {
        std::fs::write(
            dir.join("deployment.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n",
        )
        .expect("template");
    }
    std::fs::create_dir_all(repo.join("manifests")).expect("manifests");
    std::fs::write(
        repo.join("manifests/db.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db, namespace: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: db, image: postgres:16}]\n",
    )
    .expect("manifest");
    let output = run(&[
        "scan",
        "--policy",
        "no-raw-datastores",
        repo.to_str().expect("utf-8"),
    ]);
    let (code, stdout, stderr) = outcome(&output);
    assert_eq!(code, 1, "{stderr}");
    let notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("note: ")).collect();
    assert_eq!(
        notes,
        [format!(
            "note: {}: {} `helm template <release> {} | upstream-first scan -`",
            chart.display(),
            upstream_first::documents::CHART_NOT_RENDERED,
            chart.display()
        )]
    );
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(stdout.contains("Deployment shop/db"), "{stdout}");
}
