//! Packaging: what Kubewarden users install agrees with the code. Each policy's `metadata.yml`
//! covers exactly the kinds the policy handles and declares exactly the host calls its `.wasm`
//! can make; the annotated module carries that metadata, its README and the protocol version the
//! guest answers; `questions-ui.yml` asks every setting; `artifacthub-pkg.yml` is what
//! `kwctl scaffold artifacthub` derives from the metadata; every `deploy/` resource matches the
//! metadata and its settings pass `validate_settings`; versions agree everywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use e2e_tests::{Policy, admission_request, load_objects};
use k8s_openapi::Resource;
use k8s_openapi::api::{apps, batch, core};
use policy_host::{HostContext, Limits, PolicyEngine, PolicyModule, testing};
use policy_metadata::artifacthub::{self, ArtifactHubPackage};
use policy_metadata::{
    ContextAwareResource, ExecutionMode, Metadata, Operation, PolicyType, Rule,
    SDK_PROTOCOL_VERSION, annotations,
};
use serde_json::{Value, json};
use upstream_first::builtin::{self, BUILTIN_POLICY_NAMES};
use upstream_first::config::{Config, ModuleRef};
use upstream_first::policies::{self, Cache, Selection};
use upstream_first_rules::podspec::WorkloadKind;
use upstream_first_rules::settings::COMMON_FIELDS;
use upstream_first_rules::storage::PERSISTENT_VOLUME_CLAIM;
use upstream_first_rules::upstream_chart::CHART_WORKLOAD_KINDS;

/// The files every policy directory has.
const POLICY_FILES: [&str; 7] = [
    "Cargo.toml",
    "src/lib.rs",
    "src/settings.rs",
    "metadata.yml",
    "questions-ui.yml",
    "artifacthub-pkg.yml",
    "README.md",
];
/// The top-level keys of a complete `metadata.yml`.
const METADATA_KEYS: [&str; 8] = [
    "rules",
    "mutating",
    "contextAwareResources",
    "hostCapabilities",
    "executionMode",
    "policyType",
    "backgroundAudit",
    "annotations",
];
/// What `cargo xtask build` writes in `target/policies/<policy>/`.
const ANNOTATED_MODULE: &str = "annotated-policy.wasm";
/// The operations every rule registers: DELETE is always accepted, so it is not sent.
const RULE_OPERATIONS: [Operation; 2] = [Operation::Create, Operation::Update];
/// What an unreadable field holds.
const UNREADABLE_SPEC: &str = "unreadable";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn policy_dir(policy: &str) -> PathBuf {
    workspace().join("policies").join(policy)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn yaml(path: &Path) -> Value {
    serde_yaml_ng::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

fn metadata(policy: &str) -> Metadata {
    let path = policy_dir(policy).join("metadata.yml");
    Metadata::from_yaml(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn annotation<'a>(metadata: &'a Metadata, key: &str) -> &'a str {
    metadata
        .annotation(key)
        .unwrap_or_else(|| panic!("metadata.yml has no {key} annotation"))
}

/// `[workspace.package] version` of the root `Cargo.toml`.
fn workspace_version() -> String {
    let manifest = read(&workspace().join("Cargo.toml"));
    let package = manifest
        .split("[workspace.package]")
        .nth(1)
        .expect("a [workspace.package] table");
    package
        .lines()
        .find_map(|line| line.strip_prefix("version = "))
        .map(|version| version.trim_matches('"').to_owned())
        .expect("a workspace version")
}

/// The `ClusterAdmissionPolicy` of `policy` in `deploy/policies/`.
fn deployed(policy: &str) -> Value {
    let path = workspace()
        .join("deploy")
        .join("policies")
        .join(format!("{policy}.yaml"));
    let mut objects = load_objects(&path);
    assert_eq!(objects.len(), 1, "{} holds one resource", path.display());
    objects.remove(0)
}

/// An engine whose compiled modules are cached on disk: several tests compile the same
/// annotated modules.
fn engine() -> PolicyEngine {
    static ENGINE: OnceLock<PolicyEngine> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packaging-module-cache");
            policies::engine(&Cache::Dir(cache)).expect("wasmtime engine")
        })
        .clone()
}

// ---------------------------------------------------------------------------------------
// Kinds and API resources
// ---------------------------------------------------------------------------------------

/// `(group, version, resource)` of a kind the policies handle, from k8s-openapi.
fn api_resource(kind: &str) -> (&'static str, &'static str, &'static str) {
    fn of<R: Resource>() -> (&'static str, &'static str, &'static str) {
        (R::GROUP, R::VERSION, R::URL_PATH_SEGMENT)
    }
    match kind {
        "Pod" => of::<core::v1::Pod>(),
        "ReplicationController" => of::<core::v1::ReplicationController>(),
        "PersistentVolumeClaim" => of::<core::v1::PersistentVolumeClaim>(),
        "Deployment" => of::<apps::v1::Deployment>(),
        "ReplicaSet" => of::<apps::v1::ReplicaSet>(),
        "StatefulSet" => of::<apps::v1::StatefulSet>(),
        "DaemonSet" => of::<apps::v1::DaemonSet>(),
        "Job" => of::<batch::v1::Job>(),
        "CronJob" => of::<batch::v1::CronJob>(),
        other => panic!("no API resource known for kind {other}"),
    }
}

/// Every kind a policy could handle: the pod-producing kinds and PersistentVolumeClaim.
fn candidate_kinds() -> Vec<&'static str> {
    WorkloadKind::ALL
        .into_iter()
        .map(WorkloadKind::as_str)
        .chain([PERSISTENT_VOLUME_CLAIM])
        .collect()
}

fn workload_kinds(keep: fn(WorkloadKind) -> bool) -> BTreeSet<&'static str> {
    WorkloadKind::ALL
        .into_iter()
        .filter(|kind| keep(*kind))
        .map(WorkloadKind::as_str)
        .collect()
}

/// An object of `kind` that no policy can judge: a claim's spec, or a workload's pod template
/// `containers` and `volumes`, are unreadable (the policies read fields through tolerant
/// views, so only a field they read can be), and the host grants no capability.
fn unreadable_object(kind: &str) -> Value {
    let (group, version, _) = api_resource(kind);
    let api_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    let mut spec = match WorkloadKind::from_kind(kind) {
        Some(workload) => {
            let mut spec =
                json!({"spec": {"containers": UNREADABLE_SPEC, "volumes": UNREADABLE_SPEC}});
            for field in workload.template_path().iter().rev() {
                spec = json!({ *field: spec });
            }
            spec
        }
        None => json!({"spec": UNREADABLE_SPEC}),
    };
    if let Some(spec) = spec.as_object_mut() {
        spec.insert("apiVersion".to_owned(), Value::String(api_version));
        spec.insert("kind".to_owned(), Value::String(kind.to_owned()));
        spec.insert(
            "metadata".to_owned(),
            json!({"name": "probe", "namespace": "default"}),
        );
    }
    spec
}

/// Whether the policy judges objects of `kind`: it rejects one it cannot judge with code 400,
/// naming it (it cannot read it, or the host refuses what the policy asks about it), where a
/// policy that ignores the kind accepts it.
fn reads_kind(policy: &mut Policy, kind: &str, settings: &Value) -> bool {
    let response = policy.validate_with(
        admission_request("CREATE", &unreadable_object(kind), None),
        settings,
    );
    if response.allowed {
        return false;
    }
    let message = response.message().unwrap_or_default();
    assert_eq!(response.code(), Some(400), "{kind}: {message}");
    assert!(
        message.contains(&format!("{kind} default/probe: ")),
        "{kind}: {message}"
    );
    true
}

/// The kinds the policy handles, from the code that decides it: the rules library's and
/// job-scripts' scopes, and for pvc-contract (whose rule dispatches on kind names) the kinds
/// its module reads with every check enabled.
fn handled_kinds(policy: &str) -> BTreeSet<&'static str> {
    match policy {
        "no-raw-datastores" => workload_kinds(WorkloadKind::is_long_running),
        "require-upstream-chart" => CHART_WORKLOAD_KINDS.iter().map(|k| k.as_str()).collect(),
        "require-network-policy" => workload_kinds(|_| true),
        "no-sql-mutating-jobs" => workload_kinds(job_scripts::rule::in_scope),
        "pvc-contract" => {
            let settings =
                json!({"allowedStorageClasses": ["standard"], "checkWorkloadClaims": true});
            let mut module = Policy::new(policy);
            candidate_kinds()
                .into_iter()
                .filter(|kind| reads_kind(&mut module, kind, &settings))
                .collect()
        }
        other => panic!("{other}: say here which code decides the kinds it handles"),
    }
}

/// The kinds whose requests the rules select (with CREATE and UPDATE).
fn kinds_of_rules(rules: &[Rule]) -> BTreeSet<&'static str> {
    candidate_kinds()
        .into_iter()
        .filter(|kind| {
            let (group, version, resource) = api_resource(kind);
            rules.iter().any(|rule| {
                rule.api_groups.iter().any(|g| g == group)
                    && rule.api_versions.iter().any(|v| v == version)
                    && rule.resources.iter().any(|r| r == resource)
            })
        })
        .collect()
}

/// Every (group, version, resource, operation) the rules select, to compare rule lists that
/// group them differently.
fn selected_requests(rules: &[Rule]) -> BTreeSet<(String, String, String, Operation)> {
    let mut requests = BTreeSet::new();
    for rule in rules {
        for group in &rule.api_groups {
            for version in &rule.api_versions {
                for resource in &rule.resources {
                    for operation in &rule.operations {
                        requests.insert((
                            group.clone(),
                            version.clone(),
                            resource.clone(),
                            *operation,
                        ));
                    }
                }
            }
        }
    }
    requests
}

#[test]
fn every_policy_directory_has_every_file() {
    let directories: BTreeSet<String> = std::fs::read_dir(workspace().join("policies"))
        .expect("policies/")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let built_in: BTreeSet<String> = BUILTIN_POLICY_NAMES
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    assert_eq!(
        directories, built_in,
        "policies/ and the scanner's built-in policies"
    );
    let missing: Vec<String> = BUILTIN_POLICY_NAMES
        .iter()
        .flat_map(|policy| {
            POLICY_FILES
                .iter()
                .map(move |file| policy_dir(policy).join(file))
        })
        .filter(|path| !path.is_file())
        .map(|path| path.display().to_string())
        .collect();
    assert_eq!(missing, Vec::<String>::new());
    for file in ["artifacthub-pkg.yml", "README.md"] {
        assert!(workspace().join(file).is_file(), "{file} at the root");
    }
}

#[test]
fn metadata_is_complete() {
    for policy in BUILTIN_POLICY_NAMES {
        let raw = yaml(&policy_dir(policy).join("metadata.yml"));
        let keys: BTreeSet<&str> = raw
            .as_object()
            .expect("a map")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from(METADATA_KEYS),
            "{policy}: metadata.yml keys"
        );

        let metadata = metadata(policy);
        let missing: Vec<&str> = annotations::PUBLISHED
            .into_iter()
            .filter(|key| metadata.annotation(key).is_none())
            .collect();
        assert_eq!(missing, Vec::<&str>::new(), "{policy}: missing annotations");
        assert_eq!(annotation(&metadata, annotations::TITLE), policy);
        assert_eq!(
            metadata.execution_mode,
            ExecutionMode::KubewardenWapc,
            "{policy}"
        );
        assert_eq!(metadata.policy_type, PolicyType::Kubernetes, "{policy}");
        assert!(metadata.background_audit, "{policy}: backgroundAudit");
        assert!(
            ["low", "medium", "high", "critical"]
                .contains(&annotation(&metadata, annotations::SEVERITY)),
            "{policy}: severity"
        );
        for rule in &metadata.rules {
            assert_eq!(rule.operations, RULE_OPERATIONS, "{policy}: operations");
        }
        let listed: BTreeSet<&str> = annotation(&metadata, annotations::ARTIFACTHUB_RESOURCES)
            .split(',')
            .map(str::trim)
            .collect();
        assert_eq!(
            listed,
            kinds_of_rules(&metadata.rules),
            "{policy}: io.artifacthub.resources names the kinds of the rules"
        );
    }
}

#[test]
fn metadata_rules_cover_exactly_the_kinds_the_policy_handles() {
    for policy in BUILTIN_POLICY_NAMES {
        let metadata = metadata(policy);
        let declared = kinds_of_rules(&metadata.rules);
        let selected = selected_requests(&metadata.rules);
        let known: BTreeSet<_> = candidate_kinds()
            .into_iter()
            .map(api_resource)
            .flat_map(|(g, v, r)| {
                RULE_OPERATIONS.map(|op| (g.to_owned(), v.to_owned(), r.to_owned(), op))
            })
            .collect();
        assert!(
            selected.is_subset(&known),
            "{policy}: rules select requests for unknown kinds: {:?}",
            selected.difference(&known).collect::<Vec<_>>()
        );
        assert_eq!(
            declared,
            handled_kinds(policy),
            "{policy}: kinds of the rules"
        );

        // And the module does read every kind its rules send it.
        let settings = deployed(policy)["spec"]["settings"].clone();
        let mut module = Policy::new(policy);
        for kind in &declared {
            assert!(
                reads_kind(&mut module, kind, &settings),
                "{policy} does not read {kind}, which its rules send it"
            );
        }
    }
}

#[test]
fn host_capabilities_match_the_host_calls_the_module_can_make() {
    for policy in BUILTIN_POLICY_NAMES {
        let wasm = std::fs::read(testing::policy_path(policy)).expect("built module");
        let detected = policy_metadata::detect_host_capabilities(&wasm).expect("a wasm module");
        let metadata = metadata(policy);
        assert_eq!(
            metadata.host_capabilities.as_ref(),
            Some(&detected),
            "{policy}: hostCapabilities must list exactly the host calls of the module"
        );
        let reads_kubernetes = detected.iter().any(|c| c.starts_with("kubernetes/"));
        assert_eq!(
            !metadata.context_aware_resources.is_empty(),
            reads_kubernetes,
            "{policy}: contextAwareResources are declared iff the module reads Kubernetes resources"
        );
    }
}

#[test]
fn annotated_modules_carry_the_metadata_the_readme_and_the_protocol_version_the_guest_answers() {
    let protocol_version = serde_json::to_value(SDK_PROTOCOL_VERSION).expect("serialisable");
    for policy in BUILTIN_POLICY_NAMES {
        let path = testing::target_dir()
            .join("policies")
            .join(policy)
            .join(ANNOTATED_MODULE);
        let annotated = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask build`", path.display()));
        let section = policy_metadata::read_metadata(&annotated)
            .expect("a wasm module")
            .expect("an io.kubewarden.metadata section");

        let mut expected = metadata(policy);
        expected.protocol_version = Some(SDK_PROTOCOL_VERSION);
        expected.set_annotation(
            annotations::USAGE,
            read(&policy_dir(policy).join("README.md")),
        );
        assert_eq!(
            section, expected,
            "{policy}: the section is metadata.yml and README.md"
        );

        // Nothing else changes: annotating the plain module again gives the same bytes.
        let plain = std::fs::read(testing::policy_path(policy)).expect("built module");
        let again = policy_metadata::annotate(&plain, &section, None).expect("annotated");
        assert!(
            again == annotated,
            "{policy}: annotation is not reproducible"
        );

        // The host reads the section and the guest answers the version it records.
        let module = PolicyModule::from_bytes(&engine(), policy, &annotated, Limits::default())
            .expect("the annotated module compiles");
        assert_eq!(module.metadata(), Some(&section), "{policy}: host metadata");
        let answered = module
            .evaluator(HostContext::new())
            .protocol_version()
            .expect("protocol_version");
        assert_eq!(Value::String(answered), protocol_version, "{policy}");

        // The scanner embeds the annotated module and reads the same section from a file.
        let embedded = builtin::find(policy)
            .and_then(|p| p.wasm)
            .expect("embedded");
        assert!(
            embedded == annotated,
            "{policy}: the scanner embeds the annotated module"
        );
        let reference = ModuleRef::File(path.clone());
        let loaded = policies::load_modules(&engine(), std::slice::from_ref(&reference))
            .expect("loadable module");
        let scanned = loaded[&reference].metadata.as_ref().expect("metadata read");
        assert_eq!(scanned.title(), Some(policy));
        assert_eq!(scanned.mutating, section.mutating);
    }
}

#[test]
fn deploy_resources_agree_with_the_metadata() {
    let version = workspace_version();
    for policy in BUILTIN_POLICY_NAMES {
        let metadata = metadata(policy);
        let resource = deployed(policy);
        let spec = &resource["spec"];
        assert_eq!(
            resource["apiVersion"], "policies.kubewarden.io/v1",
            "{policy}"
        );
        assert_eq!(resource["kind"], "ClusterAdmissionPolicy", "{policy}");
        assert_eq!(resource["metadata"]["name"], policy);
        assert_eq!(
            spec["module"],
            format!(
                "registry://{}:v{version}",
                annotation(&metadata, annotations::OCI_URL)
            ),
            "{policy}: module"
        );
        assert_eq!(spec["mode"], "protect", "{policy}: deploy/ enforces");
        assert_eq!(spec["mutating"], metadata.mutating, "{policy}: mutating");
        assert_eq!(
            spec["backgroundAudit"], metadata.background_audit,
            "{policy}"
        );
        let rules: Vec<Rule> = serde_json::from_value(spec["rules"].clone()).expect("rules");
        assert_eq!(
            selected_requests(&rules),
            selected_requests(&metadata.rules),
            "{policy}: rules"
        );
        let resources: BTreeSet<ContextAwareResource> = serde_json::from_value(
            spec.get("contextAwareResources")
                .cloned()
                .unwrap_or(json!([])),
        )
        .expect("contextAwareResources");
        assert_eq!(resources, metadata.context_aware_resources, "{policy}");
        for key in [annotations::SEVERITY, annotations::CATEGORY] {
            assert_eq!(
                resource["metadata"]["annotations"][key],
                annotation(&metadata, key),
                "{policy}: {key}"
            );
        }
    }
}

#[test]
fn deploy_settings_pass_validate_settings_and_the_scanner_reads_deploy() {
    for policy in BUILTIN_POLICY_NAMES {
        let settings = deployed(policy)["spec"]["settings"].clone();
        let response = Policy::new(policy).validate_settings(settings);
        assert!(response.valid, "{policy}: {:?}", response.message);
    }

    // `upstream-first scan --config deploy/`: the kustomization's policies, settings checked.
    let config = Config::load(&[workspace().join("deploy")]).expect("deploy/ is a configuration");
    assert_eq!(config.notes, Vec::<String>::new());
    let selection = Selection {
        config: Some(config),
        ..Selection::default()
    };
    let loaded = policies::load(&engine(), &selection).expect("deploy/ loads");
    let names: Vec<&str> = loaded.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, BUILTIN_POLICY_NAMES);
    assert_eq!(loaded.notes, Vec::<String>::new());

    // The monitor variant: the same resources, patched to monitor mode (rendered by kustomize).
    let monitor = yaml(&workspace().join("deploy/monitor/kustomization.yaml"));
    assert_eq!(monitor["resources"], json!(["../policies"]));
    let patch = &monitor["patches"][0];
    assert_eq!(
        patch["target"],
        json!({"group": "policies.kubewarden.io", "kind": "ClusterAdmissionPolicy"})
    );
    let operations: Value =
        serde_yaml_ng::from_str(patch["patch"].as_str().expect("an inline patch")).expect("YAML");
    assert_eq!(
        operations,
        json!([{"op": "replace", "path": "/spec/mode", "value": "monitor"}])
    );
    let refused = Config::load(&[workspace().join("deploy/monitor")]).expect_err("patches");
    assert!(
        refused
            .to_string()
            .contains("render it first: kubectl kustomize"),
        "{refused}"
    );

    // deploy/ applies exactly one resource file per policy.
    let base = yaml(&workspace().join("deploy/policies/kustomization.yaml"));
    let files: Vec<String> = BUILTIN_POLICY_NAMES
        .iter()
        .map(|policy| format!("{policy}.yaml"))
        .collect();
    assert_eq!(base["resources"], json!(files));
    assert_eq!(
        yaml(&workspace().join("deploy/kustomization.yaml"))["resources"],
        json!(["policies"])
    );
}

/// The settings fields of a policy: the shared ones, and its own, as its `validate_settings`
/// lists them when it refuses an unknown field.
fn settings_fields(policy: &str) -> BTreeSet<String> {
    let response = Policy::new(policy).validate_settings(json!({"notASetting": true}));
    let message = response.message.expect("an unknown field is refused");
    let expected = message
        .split_once("expected")
        .unwrap_or_else(|| panic!("{policy}: {message}"))
        .1;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .chain(COMMON_FIELDS.iter().map(|f| (*f).to_owned()))
        .collect()
}

#[test]
fn questions_ui_asks_every_setting_with_values_the_policy_accepts() {
    for policy in BUILTIN_POLICY_NAMES {
        let questions = yaml(&policy_dir(policy).join("questions-ui.yml"));
        let questions = questions["questions"].as_array().expect("questions");
        let variables: BTreeSet<String> = questions
            .iter()
            .map(|q| q["variable"].as_str().expect("a variable").to_owned())
            .collect();
        assert_eq!(variables, settings_fields(policy), "{policy}: questions");

        // Every enum option, and the default of every optional setting, is a value the policy
        // accepts (a required setting's empty default asks the user for one).
        let base = deployed(policy)["spec"]["settings"].clone();
        let mut module = Policy::new(policy);
        for question in questions {
            let variable = question["variable"].as_str().expect("a variable");
            let default = (question["required"] != true).then(|| question["default"].clone());
            let values = question["options"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .chain(default)
                .filter(|value| !value.is_null());
            for value in values {
                let mut settings = base.clone();
                settings[variable] = value.clone();
                let response = module.validate_settings(settings);
                assert!(
                    response.valid,
                    "{policy}: {variable}: {value} is refused: {:?}",
                    response.message
                );
            }
        }
    }
}

/// A package as JSON, its YAML annotations parsed and `createdAt` left out.
fn comparable(package: &ArtifactHubPackage) -> Value {
    let mut value = serde_json::to_value(package).expect("serialisable");
    value.as_object_mut().expect("a map").remove("createdAt");
    for key in [
        artifacthub::RULES,
        artifacthub::CONTEXT_AWARE_RESOURCES,
        artifacthub::QUESTIONS_UI,
    ] {
        if let Some(text) = value["annotations"][key].as_str() {
            value["annotations"][key] = serde_yaml_ng::from_str(text).expect("YAML annotation");
        }
    }
    value
}

fn package(path: &Path) -> ArtifactHubPackage {
    serde_yaml_ng::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{}: not an artifacthub-pkg.yml: {e}", path.display()))
}

fn is_rfc3339_utc(time: &str) -> bool {
    let shape = "0000-00-00T00:00:00Z";
    time.len() == shape.len()
        && time
            .chars()
            .zip(shape.chars())
            .all(|(c, s)| if s == '0' { c.is_ascii_digit() } else { c == s })
}

#[test]
fn artifacthub_packages_agree_with_the_metadata() {
    for policy in BUILTIN_POLICY_NAMES {
        let path = policy_dir(policy).join("artifacthub-pkg.yml");
        let written = package(&path);
        assert!(is_rfc3339_utc(&written.created_at), "{policy}: createdAt");
        let questions = read(&policy_dir(policy).join("questions-ui.yml"));
        let expected =
            ArtifactHubPackage::from_metadata(&metadata(policy), &questions, &written.created_at)
                .unwrap_or_else(|e| panic!("{policy}: {e}"));
        assert_eq!(
            comparable(&written),
            comparable(&expected),
            "{policy}: artifacthub-pkg.yml, expected:\n{}",
            serde_yaml_ng::to_string(&expected).unwrap_or_default()
        );
    }
}

#[test]
fn the_suite_package_lists_every_policy() {
    let suite = package(&workspace().join("artifacthub-pkg.yml"));
    let metadata: Vec<Metadata> = BUILTIN_POLICY_NAMES.iter().map(|p| metadata(p)).collect();
    assert_eq!(suite.version, workspace_version());
    assert!(is_rfc3339_utc(&suite.created_at), "createdAt");
    let images: BTreeMap<String, String> = suite
        .containers_images
        .iter()
        .map(|image| (image.name.clone(), image.image.clone()))
        .collect();
    let expected: BTreeMap<String, String> = BUILTIN_POLICY_NAMES
        .iter()
        .zip(&metadata)
        .map(|(policy, m)| {
            let image = format!("{}:v{}", annotation(m, annotations::OCI_URL), suite.version);
            ((*policy).to_owned(), image)
        })
        .collect();
    assert_eq!(images, expected);
    let kinds: BTreeSet<&str> = suite.annotations[artifacthub::RESOURCES]
        .split(',')
        .map(str::trim)
        .collect();
    let all_kinds: BTreeSet<&str> = metadata
        .iter()
        .flat_map(|m| kinds_of_rules(&m.rules))
        .collect();
    assert_eq!(kinds, all_kinds);
    assert_eq!(
        suite.annotations[artifacthub::MUTATION],
        metadata.iter().any(|m| m.mutating).to_string()
    );
    let resources: BTreeSet<ContextAwareResource> =
        serde_yaml_ng::from_str(&suite.annotations[artifacthub::CONTEXT_AWARE_RESOURCES])
            .expect("YAML");
    let all_resources: BTreeSet<ContextAwareResource> = metadata
        .iter()
        .flat_map(|m| m.context_aware_resources.iter().cloned())
        .collect();
    assert_eq!(resources, all_resources);
}

#[test]
fn versions_agree_everywhere() {
    let version = workspace_version();
    assert_eq!(env!("CARGO_PKG_VERSION"), version, "the tests' own package");
    for policy in BUILTIN_POLICY_NAMES {
        let manifest = read(&policy_dir(policy).join("Cargo.toml"));
        assert!(
            manifest
                .lines()
                .any(|line| line.trim() == "version.workspace = true"),
            "{policy}: Cargo.toml takes the workspace version"
        );
        let metadata = metadata(policy);
        assert_eq!(
            annotation(&metadata, annotations::VERSION),
            version,
            "{policy}"
        );
        let written = package(&policy_dir(policy).join("artifacthub-pkg.yml"));
        assert_eq!(written.version, version, "{policy}: artifacthub-pkg.yml");
        let module = deployed(policy)["spec"]["module"].clone();
        assert!(
            module
                .as_str()
                .is_some_and(|m| m.ends_with(&format!(":v{version}"))),
            "{policy}: deploy/ module tag {module}"
        );
    }
}
