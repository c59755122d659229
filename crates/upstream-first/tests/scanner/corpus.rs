//! The real-world corpus (`../shared/corpus`): scanning its files with the settings of its
//! `config.yaml` gives the verdicts of `expected.tsv`, per file and per `@bundle`.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{
    corpus_config, corpus_dir, corpus_file, embedded, json_stdout, outcome, results, run,
};
use serde_json::Value;

/// The policy the `@bundle` rows are about.
const BUNDLE_POLICY: &str = "require-network-policy";

/// Policies whose rows must be checked: every built-in policy.
const REQUIRED: [&str; 5] = [
    "no-raw-datastores",
    "require-upstream-chart",
    "pvc-contract",
    "require-network-policy",
    "no-sql-mutating-jobs",
];

struct Row {
    files: Vec<String>,
    policy: String,
    violation: bool,
    note: String,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(corpus_dir().join("expected.tsv")).expect("expected.tsv");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            if fields[0] == "@bundle" {
                Row {
                    files: fields[2].split(',').map(str::to_owned).collect(),
                    policy: BUNDLE_POLICY.to_owned(),
                    violation: fields[3] == "violation",
                    note: fields[1].to_owned(),
                }
            } else {
                Row {
                    files: vec![fields[0].to_owned()],
                    policy: fields[1].to_owned(),
                    violation: fields[2] == "violation",
                    note: fields.get(3).copied().unwrap_or_default().to_owned(),
                }
            }
        })
        .collect()
}

/// How a corpus scan is configured.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Configuration {
    /// The corpus's `config.yaml`.
    Corpus,
    /// None: every policy with its defaults, as on first contact.
    None,
}

/// Scans files together; `(file, policy)` → whether a result failed.
fn scan(files: &[String], configuration: Configuration) -> BTreeMap<(String, String), bool> {
    let mut args = vec!["scan".to_owned()];
    if configuration == Configuration::Corpus {
        args.push("--config".to_owned());
        args.push(corpus_config().display().to_string());
    }
    args.extend(["--format".to_owned(), "json".to_owned()]);
    args.extend(files.iter().map(|file| corpus_file(file)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(&args);
    let (code, _, stderr) = outcome(&output);
    assert!(code == 0 || code == 1, "exit code {code}: {stderr}");
    let report = json_stdout(&output);
    assert_eq!(report["summary"]["inputErrors"], 0, "{stderr}");
    let mut verdicts = BTreeMap::new();
    for result in results(&report) {
        let file = result["file"].as_str().unwrap_or_default();
        let file = file.rsplit('/').next().unwrap_or(file).to_owned();
        let policy = result["policy"].as_str().unwrap_or_default().to_owned();
        let failed = result["verdict"] == "fail";
        *verdicts.entry((file, policy)).or_insert(false) |= failed;
    }
    assert_eq!(
        code == 1,
        verdicts.values().any(|failed| *failed),
        "the exit code says whether something failed"
    );
    verdicts
}

#[test]
fn corpus_files_and_bundles_give_the_expected_verdicts() {
    check_corpus(Configuration::Corpus, |row| row.violation);
}

/// With no configuration the verdicts are the corpus's, but for pvc-contract's class contract:
/// a claim without a class is then a warning, not a violation (the corpus's pvc-contract
/// violations are all claims without a class).
#[test]
fn without_configuration_the_corpus_gives_the_same_verdicts_but_the_class_contract() {
    check_corpus(Configuration::None, |row| {
        let class_contract = row.policy == "pvc-contract"
            && (row.note == "no class" || row.note.ends_with("without class"));
        row.violation && !class_contract
    });
}

fn check_corpus(configuration: Configuration, expected: impl Fn(&Row) -> bool) {
    let rows = rows();
    let mut failures = Vec::new();
    let mut checked = BTreeSet::new();

    let single: Vec<&Row> = rows
        .iter()
        .filter(|row| row.policy != BUNDLE_POLICY && embedded(&row.policy))
        .collect();
    let files: Vec<String> = single
        .iter()
        .map(|row| row.files[0].clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Only context-aware policies depend on the other files of a scan, and their rows are the
    // bundles: every single-file row can come from one scan.
    let verdicts = scan(&files, configuration);
    for row in &single {
        let failed = verdicts
            .get(&(row.files[0].clone(), row.policy.clone()))
            .copied()
            .unwrap_or(false);
        checked.insert(row.policy.clone());
        if failed != expected(row) {
            failures.push(format!(
                "{} {}: expected {} ({})",
                row.files[0],
                row.policy,
                if expected(row) { "violation" } else { "pass" },
                row.note
            ));
        }
    }

    for row in rows.iter().filter(|row| row.policy == BUNDLE_POLICY) {
        let verdicts = scan(&row.files, configuration);
        let failed = verdicts
            .iter()
            .any(|((_, policy), failed)| *failed && policy == BUNDLE_POLICY);
        checked.insert(row.policy.clone());
        if failed != expected(row) {
            failures.push(format!(
                "@bundle {} {:?}: expected {}",
                row.note,
                row.files,
                if expected(row) { "violation" } else { "pass" }
            ));
        }
    }
    for row in rows.iter().filter(|row| !embedded(&row.policy)) {
        eprintln!("not built yet, not checked: {} {:?}", row.policy, row.files);
    }
    for policy in REQUIRED {
        assert!(
            checked.contains(policy),
            "no corpus row checked for {policy}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn list_items_are_reported_at_their_own_line() {
    let output = run(&[
        "scan",
        "--config",
        &corpus_config().display().to_string(),
        "--format",
        "json",
        &corpus_file("jaeger-production-elasticsearch-list.yaml"),
    ]);
    let report = json_stdout(&output);
    let statefulset: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| r["kind"] == "StatefulSet" && r["policy"] == "no-raw-datastores")
        .collect();
    assert_eq!(statefulset.len(), 1);
    assert_eq!(statefulset[0]["line"], 18);
    assert_eq!(statefulset[0]["verdict"], "fail");
    assert_eq!(statefulset[0]["apiVersion"], "apps/v1beta1");
}
