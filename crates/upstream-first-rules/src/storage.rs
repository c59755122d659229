//! The pvc-contract rules: the storage contract of the platform (allowed storage classes, a
//! default class, size caps and access modes per class) for PersistentVolumeClaims and
//! StatefulSet `volumeClaimTemplates`; StatefulSets own their storage through their claim
//! templates; and, context-aware, Deployments that would deadlock on a ReadWriteOnce claim.
//!
//! The mutation (the default class) is made on the request's JSON value, so the patch the host
//! computes holds the added `storageClassName` and nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::evaluation::{Findings, Violation};
use crate::podspec::{
    PersistentVolumeClaim, WorkloadKind, controller_spec, persistent_volume_claim, pod_volumes,
    volume_claim_templates,
};
use crate::quantity::Quantity;
use crate::settings::Validate;

/// The deprecated annotation Kubernetes still reads as the class (before `storageClassName`).
pub const BETA_STORAGE_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";
/// The resource a claim requests its size with.
pub const STORAGE_REQUEST: &str = "storage";
/// A Deployment without `strategy.type` rolls out with this strategy.
pub const ROLLING_UPDATE: &str = "RollingUpdate";
pub const RECREATE: &str = "Recreate";
pub const PERSISTENT_VOLUME_CLAIM: &str = "PersistentVolumeClaim";

/// What a setting that names classes needs when `allowedStorageClasses` is empty.
pub const NEEDS_ALLOWED_CLASSES: &str = "needs allowedStorageClasses";
pub const EMPTY_CLASS_NAME: &str =
    "must not be empty (static binding is allowed with allowStaticBinding: true)";
pub const NOT_ALLOWED_CLASS: &str = "is not one of allowedStorageClasses";
pub const NOT_POSITIVE: &str = "must be greater than zero";

pub const CLASS_NOT_ALLOWED: &str = "is not allowed";
pub const NO_CLASS_NO_DEFAULT: &str =
    "names no storage class and the platform sets no default; set storageClassName to one of:";
/// Without a contract (no `allowedStorageClasses`), a claim without a class is only a warning.
pub const NO_CLASS_NO_CONTRACT: &str = "names no storage class and no default class is known: the cluster's default StorageClass decides, if it has one; set storageClassName, or allowedStorageClasses and defaultStorageClass in pvc-contract's settings";
/// What the host answers when a policy was not granted a read (policy-server's wording).
pub const NOT_GRANTED: &str = "has not been granted access";
/// The checks that need `allowedStorageClasses`, as the scanner's summary names them.
pub const CONTRACT_CHECKS_OFF: &str = "storage class, default class and access-mode checks are off: its settings list no allowedStorageClasses (give them with --config or --settings, or write a configuration with `upstream-first init`)";
pub const STATIC_BINDING_NOT_ALLOWED: &str = "sets storageClassName \"\" (static binding to a pre-provisioned PersistentVolume), which is not allowed; use one of:";
pub const INVALID_STORAGE_REQUEST: &str = "has an invalid storage request";
pub const DEPRECATED_ANNOTATION: &str = "uses the deprecated annotation";
pub const STANDALONE_CLAIM_FIX: &str =
    "move it to volumeClaimTemplates so each replica gets its own claim";
pub const ROLLOUT_DEADLOCK: &str = "a roll-out deadlocks because the new pod cannot attach the volume while an old pod holds it; use a StatefulSet with volumeClaimTemplates, a ReadWriteMany claim, or replicas: 1 with strategy Recreate";
pub const CLAIM_NOT_FOUND: &str = "which does not exist, so its access modes cannot be checked";

/// The access modes of a claim, as Kubernetes spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}

impl AccessMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::ReadWriteOnce => "ReadWriteOnce",
            AccessMode::ReadOnlyMany => "ReadOnlyMany",
            AccessMode::ReadWriteMany => "ReadWriteMany",
            AccessMode::ReadWriteOncePod => "ReadWriteOncePod",
        }
    }

    /// Modes whose volume attaches to one node (or pod) at a time: Kubernetes refuses a second
    /// attachment of a volume that has one of them.
    pub fn is_single_attach(mode: &str) -> bool {
        mode == AccessMode::ReadWriteOnce.as_str() || mode == AccessMode::ReadWriteOncePod.as_str()
    }
}

impl fmt::Display for AccessMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Limits of one storage class.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClassLimits {
    /// Largest request for this class; the global `maxSize` when absent.
    #[serde(default)]
    pub max_size: Option<Quantity>,
    /// The access modes a claim of this class may request; any when empty.
    #[serde(default)]
    pub access_modes: Vec<AccessMode>,
}

/// The settings of pvc-contract, besides the shared ones. Read here, in the rules library, so
/// every reader of the contract (the policy, a scanner) agrees on it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StorageSettings {
    /// The storage classes claims may use. Empty: no class contract (the structural checks
    /// still run).
    #[serde(default)]
    pub allowed_storage_classes: Vec<String>,
    /// Set on claims that name no class (when the policy is deployed as mutating).
    #[serde(default)]
    pub default_storage_class: Option<String>,
    /// Largest request of any claim, unless its class has its own.
    #[serde(default)]
    pub max_size: Option<Quantity>,
    /// Per-class limits; keys must be allowed classes.
    #[serde(default)]
    pub classes: BTreeMap<String, ClassLimits>,
    /// Accept `storageClassName: ""` (binding to a pre-provisioned PersistentVolume).
    #[serde(default)]
    pub allow_static_binding: bool,
    /// Read the claims a Deployment mounts through the host and reject ReadWriteOnce ones
    /// that would deadlock its roll-out. Unset: checked where the host grants the reads
    /// (skipped, not an error, where it does not: a namespaced AdmissionPolicy); `true`: a
    /// refused read is an error; `false`: not checked.
    #[serde(default)]
    pub check_workload_claims: Option<bool>,
}

impl Validate for StorageSettings {
    fn validate(&self) -> Result<(), String> {
        if let Some(i) = self
            .allowed_storage_classes
            .iter()
            .position(|c| c.trim().is_empty())
        {
            return Err(format!("allowedStorageClasses[{i}]: {EMPTY_CLASS_NAME}"));
        }
        if self.default_storage_class.is_some() && self.allowed_storage_classes.is_empty() {
            return Err(format!("defaultStorageClass: {NEEDS_ALLOWED_CLASSES}"));
        }
        if let Some(default) = &self.default_storage_class
            && !self.is_allowed(default)
        {
            return Err(format!(
                "defaultStorageClass: \"{default}\" {NOT_ALLOWED_CLASS} ({})",
                self.allowed_list()
            ));
        }
        if let Some(max) = &self.max_size {
            positive("maxSize", max)?;
        }
        for (class, limits) in &self.classes {
            if self.allowed_storage_classes.is_empty() {
                return Err(format!("classes.{class}: {NEEDS_ALLOWED_CLASSES}"));
            }
            if !self.is_allowed(class) {
                return Err(format!(
                    "classes.{class}: \"{class}\" {NOT_ALLOWED_CLASS} ({})",
                    self.allowed_list()
                ));
            }
            if let Some(max) = &limits.max_size {
                positive(&format!("classes.{class}.maxSize"), max)?;
            }
        }
        Ok(())
    }
}

fn positive(field: &str, quantity: &Quantity) -> Result<(), String> {
    if quantity.is_negative() || quantity.is_zero() {
        Err(format!("{field}: {NOT_POSITIVE}, got {quantity}"))
    } else {
        Ok(())
    }
}

impl StorageSettings {
    /// Whether the settings give a class contract; without one, only the structure is judged.
    pub fn has_class_contract(&self) -> bool {
        !self.allowed_storage_classes.is_empty()
    }

    pub fn is_allowed(&self, class: &str) -> bool {
        self.allowed_storage_classes.iter().any(|c| c == class)
    }

    /// `standard, standard-rwo, fast`, as messages list the allowed classes.
    pub fn allowed_list(&self) -> String {
        self.allowed_storage_classes.join(", ")
    }

    /// The largest request for `class`, and the class whose own cap it is (`None`: the global
    /// `maxSize`).
    pub fn max_size_for<'a>(
        &'a self,
        class: Option<&'a str>,
    ) -> Option<(&'a Quantity, Option<&'a str>)> {
        class
            .and_then(|c| {
                let max = self.classes.get(c)?.max_size.as_ref()?;
                Some((max, Some(c)))
            })
            .or_else(|| self.max_size.as_ref().map(|max| (max, None)))
    }
}

/// The storage class a claim asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedClass<'a> {
    Named(&'a str),
    /// `""`: bind to a pre-provisioned PersistentVolume without a class.
    StaticBinding,
    /// No class: the cluster's default StorageClass would decide.
    Unset,
}

/// The class a claim asks for and whether it came from the deprecated beta annotation, which
/// Kubernetes reads before `spec.storageClassName`.
pub fn requested_class(claim: &PersistentVolumeClaim) -> (RequestedClass<'_>, bool) {
    let (value, from_annotation) = match claim
        .metadata
        .annotations
        .get(BETA_STORAGE_CLASS_ANNOTATION)
    {
        Some(annotated) => (Some(annotated.as_str()), true),
        None => (claim.spec.storage_class_name.as_deref(), false),
    };
    let requested = match value {
        None => RequestedClass::Unset,
        Some("") => RequestedClass::StaticBinding,
        Some(class) => RequestedClass::Named(class),
    };
    (requested, from_annotation)
}

/// The claim being judged, as messages name it and violation keys identify it.
struct ClaimSubject {
    /// `PersistentVolumeClaim shop/data`, `StatefulSet shop/db: volumeClaimTemplate data`.
    display: String,
    /// Stable across an UPDATE: `claim`, `volumeClaimTemplates/data`.
    key: String,
}

/// What one claim broke, and whether the policy should give it the default class.
#[derive(Default)]
struct ClaimVerdict {
    violations: Vec<Violation>,
    warnings: Vec<String>,
    set_default: Option<String>,
}

impl ClaimVerdict {
    fn violation(&mut self, subject: &ClaimSubject, rule: &str, message: String) {
        self.violations.push(Violation {
            key: format!("{}/{rule}", subject.key),
            message: format!("{}: {message}", subject.display),
        });
    }
}

/// Judges one claim against the contract. `may_set_default`: the request creates the object,
/// so a missing class can be defaulted (claims are immutable afterwards).
fn judge_claim(
    settings: &StorageSettings,
    subject: &ClaimSubject,
    claim: &PersistentVolumeClaim,
    may_set_default: bool,
) -> ClaimVerdict {
    let mut verdict = ClaimVerdict::default();
    let (requested, from_annotation) = requested_class(claim);
    if from_annotation {
        let shown = match requested {
            RequestedClass::Named(class) => class,
            _ => "",
        };
        verdict.warnings.push(format!(
            "{}: {DEPRECATED_ANNOTATION} {BETA_STORAGE_CLASS_ANNOTATION}; set storageClassName: \"{shown}\" instead",
            subject.display
        ));
    }
    let class = match requested {
        // Without a contract any class goes: only the size cap, if any, applies.
        RequestedClass::Named(class) if !settings.has_class_contract() => Some(class),
        RequestedClass::StaticBinding | RequestedClass::Unset if !settings.has_class_contract() => {
            if requested == RequestedClass::Unset && settings.default_storage_class.is_none() {
                verdict
                    .warnings
                    .push(format!("{}: {NO_CLASS_NO_CONTRACT}", subject.display));
            }
            None
        }
        RequestedClass::Named(class) if settings.is_allowed(class) => Some(class),
        RequestedClass::Named(class) => {
            verdict.violation(
                subject,
                "class",
                format!(
                    "storage class {class} {CLASS_NOT_ALLOWED}; use one of: {}",
                    settings.allowed_list()
                ),
            );
            None
        }
        RequestedClass::StaticBinding => {
            if !settings.allow_static_binding {
                verdict.violation(
                    subject,
                    "static-binding",
                    format!("{STATIC_BINDING_NOT_ALLOWED} {}", settings.allowed_list()),
                );
            }
            None
        }
        RequestedClass::Unset => match &settings.default_storage_class {
            Some(default) => {
                if may_set_default {
                    verdict.set_default = Some(default.clone());
                }
                Some(default.as_str())
            }
            None => {
                verdict.violation(
                    subject,
                    "missing-class",
                    format!("{NO_CLASS_NO_DEFAULT} {}", settings.allowed_list()),
                );
                None
            }
        },
    };
    judge_size(settings, subject, claim, class, &mut verdict);
    judge_access_modes(settings, subject, claim, class, &mut verdict);
    verdict
}

fn judge_size(
    settings: &StorageSettings,
    subject: &ClaimSubject,
    claim: &PersistentVolumeClaim,
    class: Option<&str>,
    verdict: &mut ClaimVerdict,
) {
    let Some(raw) = claim.spec.resources.requests.get(STORAGE_REQUEST) else {
        return;
    };
    let requested = match Quantity::from_json(raw) {
        Ok(requested) => requested,
        Err(e) => {
            verdict.violation(
                subject,
                "size-invalid",
                format!("{INVALID_STORAGE_REQUEST}: {e}"),
            );
            return;
        }
    };
    let Some((max, capped_class)) = settings.max_size_for(class) else {
        return;
    };
    if requested > *max {
        let whose = capped_class
            .map(|c| format!(" for storage class {c}"))
            .unwrap_or_default();
        // The requested value is part of the key: expanding an already oversized claim is a
        // new violation on UPDATE, keeping it as it is is not.
        verdict.violation(
            subject,
            &format!("size/{}", requested.magnitude_nanos()),
            format!("requests {requested} of storage, more than the maximum {max}{whose}"),
        );
    }
}

fn judge_access_modes(
    settings: &StorageSettings,
    subject: &ClaimSubject,
    claim: &PersistentVolumeClaim,
    class: Option<&str>,
    verdict: &mut ClaimVerdict,
) {
    let Some((class, limits)) = class.and_then(|c| Some((c, settings.classes.get(c)?))) else {
        return;
    };
    if limits.access_modes.is_empty() {
        return;
    }
    let refused: Vec<&str> = claim
        .spec
        .access_modes
        .iter()
        .map(String::as_str)
        .filter(|mode| !limits.access_modes.iter().any(|m| m.as_str() == *mode))
        .collect();
    if refused.is_empty() {
        return;
    }
    let allowed: Vec<&str> = limits.access_modes.iter().map(|m| m.as_str()).collect();
    verdict.violation(
        subject,
        "access-modes",
        format!(
            "access mode {} is not allowed for storage class {class}; allowed: {}",
            refused.join(", "),
            allowed.join(", ")
        ),
    );
}

/// Reads the PersistentVolumeClaims a Deployment mounts (through the host, in the policy).
pub trait ClaimReader {
    /// The access modes of claim `name` in `namespace` (the bound volume's when it is bound,
    /// else the requested ones); `None` when the claim does not exist.
    fn access_modes(&self, namespace: &str, name: &str) -> Result<Option<Vec<String>>, String>;
}

/// The request around the object being judged.
pub struct ClaimContext<'a> {
    /// `Kind namespace/name`.
    pub display: &'a str,
    /// Where the object lives (claims a Deployment mounts are looked up there).
    pub namespace: &'a str,
    /// The request creates the object, so a missing class can be set to the default.
    pub creating: bool,
}

/// Judges a PersistentVolumeClaim, StatefulSet or Deployment against the contract; other kinds
/// pass. `claims` is only asked for Deployments, with `checkWorkloadClaims: true`.
pub fn check_storage(
    settings: &StorageSettings,
    context: &ClaimContext,
    kind: &str,
    object: &Value,
    claims: &dyn ClaimReader,
) -> Result<Findings, String> {
    let unreadable = |e: &dyn fmt::Display| format!("cannot read {}: {e}", context.display);
    match kind {
        PERSISTENT_VOLUME_CLAIM => {
            let claim = persistent_volume_claim(object).map_err(|e| unreadable(&e))?;
            Ok(check_claim_object(settings, context, &claim, object))
        }
        "StatefulSet" => check_statefulset(settings, context, object).map_err(|e| unreadable(&e)),
        "Deployment" if settings.check_workload_claims != Some(false) => check_deployment(
            context,
            object,
            claims,
            settings.check_workload_claims.is_none(),
        ),
        _ => Ok(Findings::default()),
    }
}

fn check_claim_object(
    settings: &StorageSettings,
    context: &ClaimContext,
    claim: &PersistentVolumeClaim,
    object: &Value,
) -> Findings {
    let subject = ClaimSubject {
        display: context.display.to_string(),
        key: "claim".to_string(),
    };
    let verdict = judge_claim(settings, &subject, claim, context.creating);
    let mutated_object = verdict.set_default.and_then(|class| {
        let mut mutated = object.clone();
        set_storage_class(&mut mutated, &class).then_some(mutated)
    });
    Findings {
        violations: verdict.violations,
        warnings: verdict.warnings,
        mutated_object,
    }
}

/// Sets `spec.storageClassName` on a claim (or claim template) value, creating `spec` when
/// absent. False when the value is not shaped like a claim.
fn set_storage_class(claim: &mut Value, class: &str) -> bool {
    let Some(spec) = claim
        .as_object_mut()
        .map(|c| c.entry("spec").or_insert(Value::Null))
        .map(|spec| {
            // `spec: null` is an absent spec, as the API server reads it.
            if spec.is_null() {
                *spec = Value::Object(Map::new());
            }
            spec
        })
        .and_then(Value::as_object_mut)
    else {
        return false;
    };
    spec.insert(
        "storageClassName".to_string(),
        Value::String(class.to_string()),
    );
    true
}

fn check_statefulset(
    settings: &StorageSettings,
    context: &ClaimContext,
    object: &Value,
) -> Result<Findings, crate::podspec::ObjectError> {
    let templates = volume_claim_templates(object)?;
    let volumes = pod_volumes(WorkloadKind::StatefulSet, object)?;
    let mut findings = Findings::default();
    let mut defaults: Vec<(usize, String)> = Vec::new();
    for (i, template) in templates.iter().enumerate() {
        let name = template.metadata.name.as_deref().unwrap_or_default();
        let subject = ClaimSubject {
            display: format!("{}: volumeClaimTemplate {name}", context.display),
            key: format!("volumeClaimTemplates/{name}"),
        };
        let verdict = judge_claim(settings, &subject, template, context.creating);
        findings.violations.extend(verdict.violations);
        findings.warnings.extend(verdict.warnings);
        if let Some(class) = verdict.set_default {
            defaults.push((i, class));
        }
    }
    let template_names: BTreeSet<&str> = templates
        .iter()
        .filter_map(|t| t.metadata.name.as_deref())
        .collect();
    for (volume, claim) in standalone_claims(&volumes, &template_names) {
        findings.violations.push(Violation {
            key: format!("standalone-claim/{volume}"),
            message: format!(
                "{}: pod volume {volume} mounts the standalone PersistentVolumeClaim {claim}; {STANDALONE_CLAIM_FIX}",
                context.display
            ),
        });
    }
    if !defaults.is_empty() {
        let mut mutated = object.clone();
        let templates = mutated
            .get_mut("spec")
            .and_then(|s| s.get_mut("volumeClaimTemplates"))
            .and_then(Value::as_array_mut);
        if let Some(templates) = templates {
            let all_set = defaults.iter().all(|(i, class)| {
                templates
                    .get_mut(*i)
                    .is_some_and(|t| set_storage_class(t, class))
            });
            if all_set {
                findings.mutated_object = Some(mutated);
            }
        }
    }
    Ok(findings)
}

/// The pod volumes (name, claim) that mount a PersistentVolumeClaim the StatefulSet does not
/// own. A volume named like one of its claim templates is replaced by that template's
/// per-replica claim by the StatefulSet controller, whatever claim it names: it is owned.
pub fn standalone_claims<'a>(
    volumes: impl IntoIterator<Item = &'a crate::podspec::Volume>,
    template_names: &BTreeSet<&str>,
) -> Vec<(&'a str, &'a str)> {
    volumes
        .into_iter()
        .filter(|v| !template_names.contains(v.name.as_str()))
        .filter_map(|v| {
            let claim = v.persistent_volume_claim.as_ref()?;
            Some((v.name.as_str(), claim.claim_name.as_str()))
        })
        .collect()
}

/// Why a Deployment's roll-out needs two pods on one claim at once: more than one replica, or
/// a RollingUpdate (the default strategy).
pub fn concurrent_pods_reasons(replicas: Option<i64>, strategy: Option<&str>) -> Vec<String> {
    let mut reasons = Vec::new();
    let replicas = replicas.unwrap_or(1);
    if replicas > 1 {
        reasons.push(format!("{replicas} replicas"));
    }
    match strategy {
        Some(RECREATE) => {}
        Some(other) => reasons.push(format!("the {other} strategy")),
        None => reasons.push(format!("the {ROLLING_UPDATE} strategy (the default)")),
    }
    reasons
}

/// `best_effort`: a read the host does not grant skips the check instead of failing it.
fn check_deployment(
    context: &ClaimContext,
    object: &Value,
    claims: &dyn ClaimReader,
    best_effort: bool,
) -> Result<Findings, String> {
    let unreadable =
        |e: crate::podspec::ObjectError| format!("cannot read {}: {e}", context.display);
    let spec = controller_spec(object).map_err(unreadable)?;
    let reasons = concurrent_pods_reasons(
        spec.replicas,
        spec.strategy
            .as_ref()
            .and_then(|s| s.strategy_type.as_deref()),
    );
    let mut findings = Findings::default();
    if reasons.is_empty() {
        return Ok(findings);
    }
    let volumes = pod_volumes(WorkloadKind::Deployment, object).map_err(unreadable)?;
    let mut seen = BTreeSet::new();
    for volume in &volumes {
        let Some(source) = &volume.persistent_volume_claim else {
            continue;
        };
        let claim = source.claim_name.as_str();
        if !seen.insert(claim) {
            continue;
        }
        let modes = match claims.access_modes(context.namespace, claim) {
            Ok(modes) => modes,
            Err(e) if best_effort && e.contains(NOT_GRANTED) => return Ok(Findings::default()),
            Err(e) => {
                return Err(format!(
                    "{}: cannot read {PERSISTENT_VOLUME_CLAIM} {}/{claim} through the host: {e}",
                    context.display, context.namespace
                ));
            }
        };
        let Some(modes) = modes else {
            findings.warnings.push(format!(
                "{}: volume {} mounts {PERSISTENT_VOLUME_CLAIM} {}/{claim}, {CLAIM_NOT_FOUND}",
                context.display, volume.name, context.namespace
            ));
            continue;
        };
        if let Some(mode) = modes.iter().find(|m| AccessMode::is_single_attach(m)) {
            findings.violations.push(Violation {
                key: format!("single-attach-claim/{claim}"),
                message: format!(
                    "{}: volume {} mounts the {mode} {PERSISTENT_VOLUME_CLAIM} {claim} with {}: {ROLLOUT_DEADLOCK}",
                    context.display,
                    volume.name,
                    reasons.join(" and ")
                ),
            });
        }
    }
    Ok(findings)
}

/// The access modes to judge a fetched claim by: the bound volume's, else the requested ones.
pub fn effective_access_modes(claim: &PersistentVolumeClaim) -> Vec<String> {
    if claim.status.access_modes.is_empty() {
        claim.spec.access_modes.clone()
    } else {
        claim.status.access_modes.clone()
    }
}

#[cfg(test)]
mod tests;
