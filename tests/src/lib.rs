//! Shared helpers of the end-to-end tests: load the built policy modules once, build
//! admission requests the way the API server sends them, and read the real-world corpus.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use policy_host::{
    AdmissionResponse, HostCallExchange, HostContext, Limits, PolicyEngine, PolicyEvaluator,
    PolicyModule, SettingsValidationResponse, testing,
};
use serde_json::{Value, json};

/// The policy module built by `cargo xtask build`, compiled once per test process.
pub fn module(name: &str) -> PolicyModule {
    static MODULES: OnceLock<Mutex<HashMap<String, PolicyModule>>> = OnceLock::new();
    let mut modules = MODULES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    modules
        .entry(name.to_string())
        .or_insert_with(|| {
            let engine = PolicyEngine::shared().expect("wasmtime engine");
            PolicyModule::from_file(&engine, testing::policy_path(name), Limits::default())
                .unwrap_or_else(|e| panic!("loading policy {name}: {e}"))
        })
        .clone()
}

/// A policy under test: one module, evaluated with a given host context.
pub struct Policy {
    evaluator: PolicyEvaluator,
}

impl Policy {
    pub fn new(name: &str) -> Self {
        Self::with_context(name, HostContext::new())
    }

    pub fn with_context(name: &str, context: HostContext) -> Self {
        Policy {
            evaluator: module(name).evaluator(context),
        }
    }

    /// Evaluates an AdmissionRequest (or AdmissionReview) with `settings`.
    pub fn validate(&mut self, request: Value, settings: Value) -> AdmissionResponse {
        self.evaluator
            .validate_value(request, &settings)
            .expect("policy instance")
    }

    /// [`Policy::validate`] with borrowed settings, as a caller that keeps them does.
    pub fn validate_with(&mut self, request: Value, settings: &Value) -> AdmissionResponse {
        self.evaluator
            .validate_value(request, settings)
            .expect("policy instance")
    }

    pub fn validate_settings(&mut self, settings: Value) -> SettingsValidationResponse {
        self.evaluator
            .validate_settings(&settings)
            .expect("policy instance")
    }

    /// The host-capability calls of the last evaluation, with the host's answers.
    pub fn exchanges(&self) -> Vec<HostCallExchange> {
        self.evaluator.exchanges()
    }
}

/// Group and resource (plural) of a kind, as the API server names them in a request (the
/// scanner's mapping, so that both agree).
pub fn resource_of(api_version: &str, kind: &str) -> (String, String, String) {
    let (group, version) = upstream_first::kinds::group_version(api_version);
    (
        group.to_string(),
        version.to_string(),
        upstream_first::kinds::resource_name(kind),
    )
}

/// An AdmissionRequest for `object`, as the API server sends it.
pub fn admission_request(operation: &str, object: &Value, old_object: Option<&Value>) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let kind = object["kind"].as_str().unwrap_or_default();
    let (group, version, resource) = resource_of(api_version, kind);
    let namespace = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    json!({
        "uid": format!("{operation}-{namespace}-{name}").to_lowercase(),
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "name": name,
        "namespace": namespace,
        "operation": operation,
        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": if operation == "DELETE" { Value::Null } else { object.clone() },
        "oldObject": old_object.cloned().unwrap_or(Value::Null),
        "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
    })
}

/// `../shared/corpus`, beside the workspace.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

/// Every Kubernetes object of a YAML file: documents split, `kind: List` (and `*List`)
/// unwrapped, empty documents dropped.
pub fn load_objects(path: &Path) -> Vec<Value> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut objects = Vec::new();
    // Split as the scanner does; every document is parsed on its own.
    for document in upstream_first::documents::split_yaml_documents(&text) {
        let Some(line) = document.content_line() else {
            continue;
        };
        let value: Value = serde_yaml_ng::from_str(document.text).unwrap_or_else(|e| {
            panic!("parsing {} (document at line {line}): {e}", path.display())
        });
        unwrap_lists(value, &mut objects);
    }
    objects
}

fn unwrap_lists(value: Value, out: &mut Vec<Value>) {
    let is_list = value["kind"]
        .as_str()
        .is_some_and(|kind| kind.ends_with("List"))
        && value["items"].is_array();
    if is_list {
        if let Value::Array(items) = value["items"].clone() {
            for item in items {
                unwrap_lists(item, out);
            }
        }
    } else if value.is_object() {
        out.push(value);
    }
}

/// One row of `expected.tsv`.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub files: Vec<String>,
    pub policy: String,
    pub violation: bool,
    pub note: String,
}

/// The rows of `expected.tsv`; `@bundle` rows are require-network-policy over several files.
pub fn expectations() -> Vec<Expectation> {
    let path = corpus_dir().join("expected.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            if fields[0] == "@bundle" {
                Expectation {
                    files: fields[2].split(',').map(str::to_string).collect(),
                    policy: "require-network-policy".to_string(),
                    violation: fields[3] == "violation",
                    note: fields[1].to_string(),
                }
            } else {
                Expectation {
                    files: vec![fields[0].to_string()],
                    policy: fields[1].to_string(),
                    violation: fields[2] == "violation",
                    note: fields.get(3).unwrap_or(&"").to_string(),
                }
            }
        })
        .collect()
}

/// The settings and resources of each policy in `config.yaml` (ClusterAdmissionPolicy CRs).
pub fn corpus_config() -> HashMap<String, (Value, Vec<String>)> {
    load_objects(&corpus_dir().join("config.yaml"))
        .into_iter()
        .map(|policy| {
            let name = policy["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let settings = policy["spec"]["settings"].clone();
            let resources = policy["spec"]["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|rule| rule["resources"].as_array().cloned().unwrap_or_default())
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
            (name, (settings, resources))
        })
        .collect()
}
