//! The policies a scan runs: their modules compiled (once, in parallel, through wasmtime's
//! on-disk cache), their settings validated, and what the configuration says about them.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

use policy_host::{
    ContextAwareResource, EngineConfig, HostCapabilities, Limits, PolicyEngine, PolicyModule,
    Precompiled,
};
use policy_metadata::{Metadata, annotations};
use serde_json::Value;
use upstream_first_rules::selector::Selector;
use upstream_first_rules::storage;

use crate::admission_rules::Rule;
use crate::builtin::{self, BUILTIN_POLICY_NAMES};
use crate::config::{
    Config, Expression, MemberSpec, Mode, ModuleRef, PolicyResourceKind, PolicySpec,
};
use crate::workers;

/// Environment variable naming the directory of compiled modules.
pub const CACHE_DIR_ENV: &str = "UPSTREAM_FIRST_CACHE_DIR";

/// Severity of a policy that declares none.
pub const DEFAULT_SEVERITY: &str = "medium";

/// Where compiled modules are cached between runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Cache {
    /// `$UPSTREAM_FIRST_CACHE_DIR`, else the user's cache directory
    /// (`~/.cache/upstream-first` on Linux).
    #[default]
    Default,
    /// This directory.
    Dir(PathBuf),
    /// No cache: every run compiles every module.
    Disabled,
}

impl Cache {
    /// The directory, if any.
    #[must_use]
    pub fn directory(&self) -> Option<PathBuf> {
        match self {
            Self::Dir(dir) => Some(dir.clone()),
            Self::Disabled => None,
            Self::Default => std::env::var_os(CACHE_DIR_ENV)
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from)
                .or_else(|| dirs::cache_dir().map(|dir| dir.join("upstream-first"))),
        }
    }
}

/// Why the policies cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The engine could not be created.
    #[error("{0}")]
    Engine(String),
    /// A module could not be found, read or compiled.
    #[error("{0}")]
    Module(String),
    /// A policy's settings are refused by its `validate_settings`.
    #[error("{0}")]
    Settings(String),
}

/// The wasmtime engine, with the on-disk cache of compiled modules when there is one.
pub fn engine(cache: &Cache) -> Result<PolicyEngine, PolicyError> {
    let cache_dir = cache.directory();
    if let Some(dir) = &cache_dir {
        // An unusable cache directory only costs speed: fall back to no cache.
        if std::fs::create_dir_all(dir).is_ok()
            && let Ok(dir) = dir.canonicalize()
        {
            let config = EngineConfig {
                cache_dir: Some(dir),
                ..EngineConfig::default()
            };
            if let Ok(engine) = PolicyEngine::new(config) {
                return Ok(engine);
            }
        }
    }
    PolicyEngine::new(EngineConfig::default()).map_err(|e| PolicyError::Engine(e.to_string()))
}

/// A compiled module and its metadata.
#[derive(Debug, Clone)]
pub struct LoadedModule {
    /// The module.
    pub module: PolicyModule,
    /// Its `io.kubewarden.metadata` section (built-in policies are embedded annotated).
    pub metadata: Option<Metadata>,
}

/// A module read for compiling: its name, bytes, metadata and, for a built-in policy, its
/// code compiled ahead of time.
type ReadModule = (
    String,
    Vec<u8>,
    Option<Metadata>,
    Option<Precompiled<'static>>,
);

fn read_module(reference: &ModuleRef) -> Result<ReadModule, String> {
    match reference {
        ModuleRef::Builtin(name) => {
            let policy = builtin::find(name).ok_or_else(|| {
                format!(
                    "{name} is not a built-in policy (built-in: {}); use file://<path> for another module",
                    BUILTIN_POLICY_NAMES.join(", ")
                )
            })?;
            let wasm = policy
                .wasm
                .ok_or_else(|| builtin::missing_message(policy))?;
            let metadata = policy_metadata::read_metadata(wasm)
                .map_err(|e| format!("built-in policy {name}: {e}"))?;
            Ok((name.clone(), wasm.to_vec(), metadata, policy.precompiled))
        }
        ModuleRef::File(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| format!("cannot read policy module {}: {e}", path.display()))?;
            let metadata = policy_metadata::read_metadata(&bytes)
                .map_err(|e| format!("policy module {}: {e}", path.display()))?;
            let name = path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            Ok((name, bytes, metadata, None))
        }
    }
}

/// Most wasm bytes compiled at once. Compiling takes about 100 bytes of memory per byte of
/// wasm (no-sql-mutating-jobs, 1.8 MB, peaks at ~190 MiB on its own), so a module above this
/// compiles alone and the scan's peak memory stays that of the largest module.
const MAX_WASM_BYTES_COMPILED_AT_ONCE: usize = 3 << 19;

/// Compiles every distinct module, in parallel within [`MAX_WASM_BYTES_COMPILED_AT_ONCE`],
/// the largest first (modules found in the cache are only read).
pub fn load_modules(
    engine: &PolicyEngine,
    references: &[ModuleRef],
) -> Result<HashMap<ModuleRef, LoadedModule>, PolicyError> {
    let mut distinct: Vec<&ModuleRef> = references.iter().collect();
    distinct.sort();
    distinct.dedup();
    let mut errors = Vec::new();
    let mut modules = Vec::new();
    for reference in distinct {
        match read_module(reference) {
            Ok(module) => modules.push((reference, module)),
            Err(message) => errors.push(message),
        }
    }
    modules.sort_by_key(|(_, (_, bytes, _, _))| std::cmp::Reverse(bytes.len()));
    let loaded = Mutex::new(HashMap::new());
    let errors = Mutex::new(errors);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let in_flight = (Mutex::new(0usize), std::sync::Condvar::new());
    let jobs = workers::available().min(modules.len());
    workers::run(jobs, || {
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((reference, (name, bytes, metadata, precompiled))) = modules.get(index) else {
                return;
            };
            let (bytes_in_flight, done) = &in_flight;
            let mut compiling = lock(bytes_in_flight);
            while *compiling > 0 && *compiling + bytes.len() > MAX_WASM_BYTES_COMPILED_AT_ONCE {
                compiling = done
                    .wait(compiling)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            *compiling += bytes.len();
            drop(compiling);
            let module = match precompiled {
                Some(precompiled) => PolicyModule::from_bytes_precompiled(
                    engine,
                    name.clone(),
                    bytes,
                    *precompiled,
                    Limits::default(),
                ),
                None => PolicyModule::from_bytes(engine, name.clone(), bytes, Limits::default()),
            };
            let result = module
                .map(|module| LoadedModule {
                    module,
                    metadata: metadata.clone(),
                })
                .map_err(|e| e.to_string());
            *lock(bytes_in_flight) -= bytes.len();
            done.notify_all();
            match result {
                Ok(module) => {
                    lock(&loaded).insert((*reference).clone(), module);
                }
                Err(message) => lock(&errors).push(message),
            }
        }
    });
    let mut errors = errors
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !errors.is_empty() {
        errors.sort();
        return Err(PolicyError::Module(errors.join("\n")));
    }
    Ok(loaded
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One module of a [`ScanPolicy`], with what it is given.
#[derive(Debug, Clone)]
pub struct Member {
    /// Its name (the policy's, or the member's in a group).
    pub name: String,
    /// The compiled module.
    pub module: PolicyModule,
    /// Its settings.
    pub settings: Value,
    /// The resources it may read.
    pub context_aware_resources: Vec<ContextAwareResource>,
    /// The host capabilities it may call.
    pub host_capabilities: HostCapabilities,
}

/// What the reports say about a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyInfo {
    /// The module (built-in name or file).
    pub module: String,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Documentation URL.
    pub url: Option<String>,
    /// Severity (`medium` when the policy declares none).
    pub severity: String,
    /// Category.
    pub category: Option<String>,
}

/// A policy as a scan runs it.
#[derive(Debug, Clone)]
pub struct ScanPolicy {
    /// The name results carry (the resource's `metadata.name`, or the module's name).
    pub name: String,
    /// The Kubewarden resource that deploys it (`None`: a built-in or `--policy` run with its
    /// defaults).
    pub kind: Option<PolicyResourceKind>,
    /// The namespace of an `AdmissionPolicy`: it sees that namespace only.
    pub namespace: Option<String>,
    /// `protect` or `monitor`.
    pub mode: Mode,
    /// The requests it evaluates (`None`: every object, for a module without metadata).
    pub rules: Option<Vec<Rule>>,
    /// `namespaceSelector`.
    pub namespace_selector: Option<Selector>,
    /// `objectSelector`.
    pub object_selector: Option<Selector>,
    /// Whether it may mutate.
    pub mutating: bool,
    /// Whether it reads other resources.
    pub context_aware: bool,
    /// Report information.
    pub info: PolicyInfo,
    /// The module, or the group's members.
    pub members: Vec<Member>,
    /// The group's expression.
    pub expression: Option<Expression>,
    /// The group's rejection message.
    pub message: Option<String>,
}

impl ScanPolicy {
    /// The name the audit scanner gives the policy in reports (`clusterwide-<name>`,
    /// `namespaced-<namespace>-<name>`).
    #[must_use]
    pub fn unique_name(&self) -> String {
        match (&self.kind, &self.namespace) {
            (Some(kind), Some(namespace)) if kind.is_namespaced() => {
                format!("namespaced-{namespace}-{}", self.name)
            }
            _ => format!("clusterwide-{}", self.name),
        }
    }
}

/// Which policies to run and with what.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--config`.
    pub config: Option<Config>,
    /// `--policy`: built-in names and `.wasm` files (with their defaults).
    pub modules: Vec<ModuleRef>,
    /// `--settings NAME=JSON`: settings by policy (or group member) name.
    pub settings: BTreeMap<String, Value>,
}

/// The loaded policies and what was noticed on the way.
#[derive(Debug, Clone)]
pub struct PolicySet {
    /// The policies, in configuration order.
    pub policies: Vec<ScanPolicy>,
    /// Notes for the user (built-in policies that are missing, ignored resources, …).
    pub notes: Vec<String>,
}

/// Builds the policies of a selection: without `--config` nor `--policy`, every built-in
/// policy with its defaults.
pub fn load(engine: &PolicyEngine, selection: &Selection) -> Result<PolicySet, PolicyError> {
    let mut notes = Vec::new();
    let mut specs: Vec<PolicySpec> = Vec::new();
    if let Some(config) = &selection.config {
        notes.extend(config.notes.iter().cloned());
        for spec in &config.policies {
            // Only a development build lacks a built-in policy: say so loudly, run the others.
            let missing = spec.members.iter().find_map(|member| match &member.module {
                ModuleRef::Builtin(name) => builtin::find(name).filter(|p| p.wasm.is_none()),
                ModuleRef::File(_) => None,
            });
            match missing {
                Some(policy) => notes.push(format!(
                    "{}: not run: {}",
                    spec.origin,
                    builtin::missing_message(policy)
                )),
                None => specs.push(spec.clone()),
            }
        }
    }
    let mut defaults = selection.modules.clone();
    if selection.config.is_none() && defaults.is_empty() {
        for policy in builtin::EMBEDDED_POLICIES {
            if policy.wasm.is_some() {
                defaults.push(ModuleRef::Builtin(policy.name.to_owned()));
            } else {
                notes.push(builtin::missing_message(policy));
            }
        }
    }
    let references: Vec<ModuleRef> = specs
        .iter()
        .flat_map(|spec| spec.members.iter().map(|m| m.module.clone()))
        .chain(defaults.iter().cloned())
        .collect();
    if references.is_empty() {
        return Err(PolicyError::Module(
            "no policy to run: the configuration has no policy resource and no --policy was given"
                .to_owned(),
        ));
    }
    let modules = load_modules(engine, &references)?;

    let mut policies = Vec::new();
    for spec in &specs {
        policies.push(configured_policy(
            spec,
            &modules,
            &selection.settings,
            &mut notes,
        ));
    }
    for reference in &defaults {
        let loaded = &modules[reference];
        let name = loaded.module.name().to_owned();
        let member = MemberSpec {
            name: name.clone(),
            module: reference.clone(),
            settings: Value::Object(serde_json::Map::new()),
            context_aware_resources: None,
        };
        let spec = PolicySpec {
            kind: PolicyResourceKind::ClusterAdmissionPolicy,
            name,
            namespace: None,
            mode: Mode::Protect,
            rules: None,
            mutating: None,
            namespace_selector: None,
            object_selector: None,
            annotations: BTreeMap::new(),
            members: vec![member],
            expression: None,
            message: None,
            origin: reference.to_string(),
        };
        let mut policy = configured_policy(&spec, &modules, &selection.settings, &mut notes);
        policy.kind = None;
        policies.push(policy);
    }
    let mut names = std::collections::HashSet::new();
    for policy in &policies {
        if !names.insert((policy.name.clone(), policy.namespace.clone())) {
            return Err(PolicyError::Module(format!(
                "policy {} is given twice (by --config and --policy?)",
                policy.name
            )));
        }
    }
    for name in selection.settings.keys() {
        let known = policies
            .iter()
            .any(|p| &p.name == name || p.members.iter().any(|m| &m.name == name));
        if !known {
            return Err(PolicyError::Settings(format!(
                "--settings {name}=…: no policy called {name} is run"
            )));
        }
    }
    validate_settings(&policies)?;
    notes.extend(policies.iter().filter_map(checks_off));
    Ok(PolicySet { policies, notes })
}

/// What a policy leaves unchecked for lack of settings, said once in the scan's notes.
fn checks_off(policy: &ScanPolicy) -> Option<String> {
    let [member] = policy.members.as_slice() else {
        return None;
    };
    let settings = &member.settings;
    let contract = settings["allowedStorageClasses"]
        .as_array()
        .is_some_and(|classes| !classes.is_empty());
    (policy.info.module == "pvc-contract" && !contract)
        .then(|| format!("{}: {}", policy.name, storage::CONTRACT_CHECKS_OFF))
}

fn configured_policy(
    spec: &PolicySpec,
    modules: &HashMap<ModuleRef, LoadedModule>,
    settings_overrides: &BTreeMap<String, Value>,
    notes: &mut Vec<String>,
) -> ScanPolicy {
    let mut members = Vec::new();
    let mut metadata_rules: Option<Vec<Rule>> = None;
    let mut mutating = false;
    let mut info = PolicyInfo::default();
    for (index, member) in spec.members.iter().enumerate() {
        let loaded = &modules[&member.module];
        let metadata = loaded.metadata.clone().unwrap_or_default();
        if loaded.metadata.is_some() {
            metadata_rules
                .get_or_insert_with(Vec::new)
                .extend(metadata.rules.iter().map(Rule::from));
        }
        mutating |= metadata.mutating;
        if index == 0 {
            info = PolicyInfo {
                module: member.module.to_string(),
                title: metadata.title().map(str::to_owned),
                description: metadata.description().map(str::to_owned),
                url: metadata.url().map(str::to_owned),
                severity: metadata.severity().unwrap_or(DEFAULT_SEVERITY).to_owned(),
                category: metadata.category().map(str::to_owned),
            };
        }
        // As in the cluster, the resource decides what its policy may read; without a
        // resource, the module's metadata does.
        let context_aware_resources = member
            .context_aware_resources
            .clone()
            .unwrap_or_else(|| metadata.context_aware_resources.iter().cloned().collect());
        // Policy-server lets a policy call every capability unless told otherwise; reads of
        // Kubernetes resources are still limited to its contextAwareResources.
        let host_capabilities = metadata
            .host_capabilities
            .as_ref()
            .and_then(|patterns| HostCapabilities::new(patterns).ok())
            .unwrap_or_else(HostCapabilities::allow_all);
        let settings = settings_overrides
            .get(&member.name)
            .or_else(|| {
                (spec.members.len() == 1)
                    .then(|| settings_overrides.get(&spec.name))
                    .flatten()
            })
            .cloned()
            .unwrap_or_else(|| member.settings.clone());
        members.push(Member {
            name: member.name.clone(),
            module: loaded.module.clone(),
            settings,
            context_aware_resources,
            host_capabilities,
        });
    }
    if let Some(severity) = spec.annotations.get(annotations::SEVERITY) {
        info.severity.clone_from(severity);
    }
    if let Some(category) = spec.annotations.get(annotations::CATEGORY) {
        info.category = Some(category.clone());
    }
    let rules = spec.rules.clone().or(metadata_rules);
    if rules.is_none() {
        notes.push(format!(
            "policy {}: neither its resource nor its module (no metadata) says which objects it evaluates: it evaluates every object",
            spec.name
        ));
    }
    ScanPolicy {
        name: spec.name.clone(),
        kind: Some(spec.kind),
        namespace: spec.namespace.clone(),
        mode: spec.mode,
        rules,
        namespace_selector: spec.namespace_selector.clone(),
        object_selector: spec.object_selector.clone(),
        mutating: spec.mutating.unwrap_or(mutating),
        context_aware: members
            .iter()
            .any(|m| !m.context_aware_resources.is_empty()),
        info,
        members,
        expression: spec.expression.clone(),
        message: spec.message.clone(),
    }
}

/// Calls `validate_settings` of every member (in parallel); all refusals are reported together.
fn validate_settings(policies: &[ScanPolicy]) -> Result<(), PolicyError> {
    let members: Vec<(&ScanPolicy, &Member)> = policies
        .iter()
        .flat_map(|policy| policy.members.iter().map(move |member| (policy, member)))
        .collect();
    let errors = Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let jobs = workers::available().min(members.len());
    workers::run(jobs, || {
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((policy, member)) = members.get(index) else {
                return;
            };
            let mut evaluator = member.module.evaluator(policy_host::HostContext::new());
            let refusal = match evaluator.validate_settings(&member.settings) {
                Ok(response) if response.valid => None,
                Ok(response) => Some(response.message.unwrap_or_default()),
                Err(e) => Some(e.to_string()),
            };
            if let Some(message) = refusal {
                lock(&errors).push(settings_error(policy, member, &message));
            }
        }
    });
    let mut errors = errors
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort();
    Err(PolicyError::Settings(errors.join("\n")))
}

fn settings_error(policy: &ScanPolicy, member: &Member, message: &str) -> String {
    let subject = if policy.members.len() > 1 {
        format!("policy group {} member {}", policy.name, member.name)
    } else {
        format!("policy {}", policy.name)
    };
    let hint = if policy.kind.is_none() {
        format!(
            "\n  {} needs settings: give them in --config (a ClusterAdmissionPolicy whose module is {}, see examples/config.yaml) or with --settings '{}={{…}}', or run the other policies with --policy",
            member.name, policy.info.module, member.name
        )
    } else {
        String::new()
    };
    format!("{subject}: settings are invalid: {}{hint}", message.trim())
}
