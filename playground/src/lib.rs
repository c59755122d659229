//! The playground's engine: what `upstream-first scan` and `upstream-first migrate` do, for
//! text pasted into a web page. Every step is the scanner's own code: the bundle reader, the
//! configuration reader, the built-in policies' `.wasm` (run by the page's WebAssembly engine
//! through policy-host's browser backend, with the bundle answering the context-aware reads),
//! the JSON and Markdown reports, and `migrate`'s planner.
//!
//! The page calls [`scan`] and [`migrate`] (JSON in, JSON out) from a worker; the same
//! functions are tested natively ([`run_scan`], [`run_migrate`]), where the policies run on
//! wasmtime.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use upstream_first::config::{Config, ModuleRef};
use upstream_first::documents::Documents;
use upstream_first::output::markdown;
use upstream_first::output::{RenderOptions, json};
use upstream_first::policies::{self, PolicySet, Selection};
use upstream_first::scan::{ScanOptions, scan_inputs};
use upstream_first_migrate::{OutputFile, Target};
use wasm_bindgen::prelude::wasm_bindgen;

/// The name the configuration editor's text has in messages.
pub const CONFIG_FILE: &str = "config.yaml";

/// What the page sends: the pasted or dropped files and the configuration editor's text.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    pub files: Vec<InputFile>,
    /// `ClusterAdmissionPolicy` resources, as `scan --config` reads them; empty: every
    /// built-in policy with its defaults, as `scan` without a configuration.
    #[serde(default)]
    pub config: String,
    /// Namespace of namespaced objects that name none (`scan --namespace`).
    #[serde(default)]
    pub namespace: Option<String>,
}

/// One input file.
#[derive(Debug, Clone, Deserialize)]
pub struct InputFile {
    pub name: String,
    pub text: String,
}

/// What a scan answers.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanOutput {
    /// Exactly `upstream-first scan --format json`'s document (`None` when the configuration
    /// could not be used).
    pub report: Option<Value>,
    /// `--format markdown`: the summary and the priority cut order.
    pub markdown: String,
    /// Why the configuration could not be used: a YAML error, or the settings a policy refused
    /// (with the policy's own message).
    pub config_error: Option<String>,
}

/// What a migration answers.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrateOutput {
    /// The files `migrate --out` writes, `MIGRATION.md` among them.
    pub files: Vec<MigratedFile>,
    pub notes: Vec<String>,
    pub errors: Vec<String>,
    pub config_error: Option<String>,
}

/// One file of a migration.
#[derive(Debug, Clone, Serialize)]
pub struct MigratedFile {
    pub path: String,
    pub text: String,
}

impl From<OutputFile> for MigratedFile {
    fn from(file: OutputFile) -> Self {
        Self {
            path: file.path,
            text: file.text,
        }
    }
}

fn documents(input: &Input) -> Documents {
    let mut documents = Documents::default();
    for file in &input.files {
        documents.add_text(&file.name, &file.text);
    }
    documents
}

fn options(input: &Input) -> ScanOptions {
    ScanOptions {
        default_namespace: input
            .namespace
            .clone()
            .filter(|namespace| !namespace.is_empty())
            .unwrap_or_else(|| ScanOptions::default().default_namespace),
        ..ScanOptions::default()
    }
}

/// The policies of the configuration (`modules` when it is empty), or why they cannot run.
///
/// The last answer is kept: a page rescans on every edit of the manifests, and loading checks
/// every module and calls every policy's `validate_settings`, which need not run again while
/// the configuration stays the same.
fn load(input: &Input, modules: Vec<ModuleRef>) -> Result<PolicySet, String> {
    struct Loaded {
        config: String,
        modules: Vec<ModuleRef>,
        policies: Result<PolicySet, String>,
    }
    thread_local! {
        static LAST: RefCell<Option<Loaded>> = const { RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| {
        if let Some(loaded) = last.as_ref()
            && loaded.config == input.config
            && loaded.modules == modules
        {
            return loaded.policies.clone();
        }
        let policies = load_uncached(input, modules.clone());
        *last = Some(Loaded {
            config: input.config.clone(),
            modules,
            policies: policies.clone(),
        });
        policies
    })
}

fn load_uncached(input: &Input, modules: Vec<ModuleRef>) -> Result<PolicySet, String> {
    let config = if input.config.trim().is_empty() {
        None
    } else {
        Some(Config::from_text(CONFIG_FILE, &input.config).map_err(|e| e.to_string())?)
    };
    let selection = Selection {
        modules: if config.is_none() {
            modules
        } else {
            Vec::new()
        },
        config,
        ..Selection::default()
    };
    let engine = policies::engine(&policies::Cache::Disabled).map_err(|e| e.to_string())?;
    policies::load(&engine, &selection).map_err(|e| e.to_string())
}

/// Scans the input as `upstream-first scan --format json` does.
#[must_use]
pub fn run_scan(input: &Input) -> ScanOutput {
    let policy_set = match load(input, Vec::new()) {
        Ok(policy_set) => policy_set,
        Err(message) => {
            return ScanOutput {
                config_error: Some(message),
                ..ScanOutput::default()
            };
        }
    };
    let report = scan_inputs(
        &policy_set,
        documents(input),
        Documents::default(),
        &options(input),
    );
    ScanOutput {
        report: Some(json::to_value(&report)),
        markdown: markdown::render(&report, &RenderOptions::default()),
        config_error: None,
    }
}

/// Plans the replacements as `upstream-first migrate --to TARGET` does (`target`: `flux`,
/// `argocd`, `helm`, `operator`; anything else: each workload's first target).
#[must_use]
pub fn run_migrate(input: &Input, target: &str) -> MigrateOutput {
    let policy_set = match load(input, upstream_first::migrate::default_modules()) {
        Ok(policy_set) => policy_set,
        Err(message) => {
            return MigrateOutput {
                config_error: Some(message),
                ..MigrateOutput::default()
            };
        }
    };
    let target = Target::ALL.into_iter().find(|t| t.as_str() == target);
    let result = upstream_first::migrate::migrate(
        policy_set.policies,
        documents(input),
        &options(input),
        target,
    );
    MigrateOutput {
        files: result.plan.files().into_iter().map(Into::into).collect(),
        notes: policy_set.notes.into_iter().chain(result.notes).collect(),
        errors: result.errors.iter().map(ToString::to_string).collect(),
        config_error: None,
    }
}

/// The page's entry point: [`Input`] as JSON in, [`ScanOutput`] as JSON out.
#[wasm_bindgen]
#[must_use]
pub fn scan(input: &str) -> String {
    let output = match serde_json::from_str::<Input>(input) {
        Ok(input) => run_scan(&input),
        Err(e) => ScanOutput {
            config_error: Some(format!("the page sent an unreadable request: {e}")),
            ..ScanOutput::default()
        },
    };
    serde_json::to_string(&output).unwrap_or_default()
}

/// The page's entry point: [`Input`] as JSON and a target in, [`MigrateOutput`] as JSON out.
#[wasm_bindgen]
#[must_use]
pub fn migrate(input: &str, target: &str) -> String {
    let output = match serde_json::from_str::<Input>(input) {
        Ok(input) => run_migrate(&input, target),
        Err(e) => MigrateOutput {
            config_error: Some(format!("the page sent an unreadable request: {e}")),
            ..MigrateOutput::default()
        },
    };
    serde_json::to_string(&output).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use rstest::rstest;

    use super::*;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the playground lives in the workspace")
            .to_owned()
    }

    /// Every `.yaml` under `dir`, named by its path relative to the workspace, sorted.
    fn files_under(dir: &Path) -> Vec<InputFile> {
        let mut files = Vec::new();
        let mut pending = vec![dir.to_owned()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    let name = path.strip_prefix(workspace()).expect("inside").display();
                    files.push(InputFile {
                        name: name.to_string(),
                        text: std::fs::read_to_string(&path).expect("text"),
                    });
                }
            }
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        files
    }

    fn example_input() -> Input {
        Input {
            files: files_under(&workspace().join("examples/bundle")),
            config: std::fs::read_to_string(workspace().join("examples/config.yaml"))
                .expect("the example configuration"),
            namespace: None,
        }
    }

    /// What `upstream-first scan --format json --config examples/config.yaml <files>` answers,
    /// computed the way the command line reads files.
    fn scanner_report(input: &Input) -> Value {
        let config = Config::load(&[workspace().join("examples/config.yaml")]).expect("config");
        let selection = Selection {
            config: Some(config),
            ..Selection::default()
        };
        let engine = policies::engine(&policies::Cache::Disabled).expect("engine");
        let policy_set = policies::load(&engine, &selection).expect("policies");
        let mut documents = Documents::default();
        for file in &input.files {
            documents.add_path(&workspace().join(&file.name));
        }
        let report = json::to_value(&scan_inputs(
            &policy_set,
            documents,
            Documents::default(),
            &ScanOptions::default(),
        ));
        // Files are named by the paths given on the command line: relative to the workspace.
        let prefix = format!("{}/", workspace().display());
        serde_json::from_str(&report.to_string().replace(&prefix, "")).expect("JSON")
    }

    #[test]
    fn the_examples_get_the_scanners_answer() {
        let input = example_input();
        let output = run_scan(&input);
        assert_eq!(output.config_error, None);
        let report = output.report.expect("a report");
        assert!(report["summary"]["fail"].as_u64() > Some(0), "{report:#}");
        assert_eq!(report["results"], scanner_report(&input)["results"]);
        assert!(
            output.markdown.contains("upstream-first"),
            "{}",
            output.markdown
        );
    }

    #[rstest]
    #[case::yaml_error("apiVersion: policies.kubewarden.io/v1\nkind: [", "config.yaml:2")]
    #[case::refused_settings(
        "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicy\nmetadata: {name: pvc}\nspec:\n  module: registry://ghcr.io/upstream-first/upstream-first/pvc-contract:v0.1.0\n  settings: {maxSize: lots}\n",
        "policy pvc: settings are invalid"
    )]
    fn an_unusable_configuration_is_reported(#[case] config: &str, #[case] expected: &str) {
        let output = run_scan(&Input {
            config: config.to_owned(),
            ..example_input()
        });
        let error = output.config_error.expect("an error");
        assert!(error.contains(expected), "{error}");
        assert_eq!(output.report, None);
    }

    #[test]
    fn without_a_configuration_every_builtin_policy_runs_with_its_defaults() {
        let output = run_scan(&Input {
            config: String::new(),
            ..example_input()
        });
        let report = output.report.expect("a report");
        let policies: Vec<&str> = report["policies"]
            .as_array()
            .expect("policies")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(
            policies,
            upstream_first::builtin::BUILTIN_POLICY_NAMES.to_vec()
        );
    }

    #[test]
    fn broken_yaml_is_reported_with_its_line_and_the_rest_is_scanned() {
        let output = run_scan(&Input {
            files: vec![InputFile {
                name: "pasted.yaml".to_owned(),
                text: "kind: [\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: default}\nspec:\n  containers: [{name: db, image: postgres:16}]\n".to_owned(),
            }],
            ..example_input()
        });
        let report = output.report.expect("a report");
        assert_eq!(report["errors"][0]["file"], "pasted.yaml");
        assert_eq!(report["errors"][0]["line"], 1);
        assert!(
            report["results"]
                .as_array()
                .expect("results")
                .iter()
                .any(|r| r["name"] == "db" && r["verdict"] == "fail"),
            "{report:#}"
        );
    }

    #[test]
    fn the_examples_migrate_to_their_replacements() {
        let output = run_migrate(&example_input(), "flux");
        assert_eq!(output.config_error, None);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        let paths: Vec<&str> = output.files.iter().map(|f| f.path.as_str()).collect();
        assert!(
            paths.contains(&upstream_first_migrate::MIGRATION_FILE),
            "{paths:?}"
        );
        assert!(
            output
                .files
                .iter()
                .any(|f| f.text.contains("kind: HelmRelease")),
            "{paths:?}"
        );
    }

    #[test]
    fn an_unreadable_request_is_an_answer_not_a_trap() {
        let answer: Value = serde_json::from_str(&scan("{not json")).expect("JSON");
        assert!(
            answer["configError"]
                .as_str()
                .is_some_and(|e| e.starts_with("the page sent an unreadable request")),
            "{answer}"
        );
        let answer: Value = serde_json::from_str(&migrate("[]", "flux")).expect("JSON");
        assert!(answer["configError"].is_string(), "{answer}");
    }
}
