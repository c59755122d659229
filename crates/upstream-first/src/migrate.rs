//! `upstream-first migrate`: scans with the policies that ask for an upstream replacement, then
//! writes the replacement of each workload they reject (`upstream-first-migrate`).
//!
//! The verdict is the policies' own, from their `.wasm` through the host as in `scan`: only
//! workloads a policy rejected are migrated, so exemptions and settings count exactly as in
//! the cluster. The component of each comes from the rules library's detection, the same code
//! the policy ran.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use upstream_first_migrate::{Candidate, Offer, OutputFile, Plan, Target};
use upstream_first_rules::catalog::{Catalog, ComponentPatch, builtin_migrations};
use upstream_first_rules::datastores::raw_datastore_servers;
use upstream_first_rules::evidence::Detection;
use upstream_first_rules::podspec::Workload;
use upstream_first_rules::upstream_chart::{extended_catalog, unsourced_applications};

use crate::config::ModuleRef;
use crate::documents::{Documents, InputError};
use crate::policies::ScanPolicy;
use crate::requests::apply_default_namespace;
use crate::scan::{self, ScanOptions};

/// The policies whose rejections `migrate` replaces.
pub const MIGRATING_POLICIES: [&str; 2] = ["no-raw-datastores", "require-upstream-chart"];

/// The modules `migrate` runs when no configuration names them.
#[must_use]
pub fn default_modules() -> Vec<ModuleRef> {
    MIGRATING_POLICIES
        .iter()
        .map(|name| ModuleRef::Builtin((*name).to_owned()))
        .collect()
}

/// Whether `policy` is one `migrate` acts on: a single module of [`MIGRATING_POLICIES`].
fn rule_of(policy: &ScanPolicy) -> Option<&'static str> {
    if policy.members.len() != 1 {
        return None;
    }
    MIGRATING_POLICIES
        .into_iter()
        .find(|name| *name == policy.info.module)
}

/// The catalog and accepted bundles of a policy's settings (lenient: the policy validated
/// them already).
fn catalog_of(settings: &Value) -> (Cow<'static, Catalog>, Vec<String>) {
    let additions: Vec<ComponentPatch> =
        serde_json::from_value(settings["catalog"].clone()).unwrap_or_default();
    let catalog = extended_catalog(&additions).unwrap_or(Cow::Borrowed(Catalog::builtin()));
    let bundles = serde_json::from_value(settings["allowedBundles"].clone()).unwrap_or_default();
    (catalog, bundles)
}

/// What `migrate` would write for `object`, rejected by `policy`: `None` when the policy is
/// not one `migrate` acts on or the component has no mapping.
#[must_use]
pub fn offer_for(policy: &ScanPolicy, object: &Value) -> Option<Offer> {
    let rule = rule_of(policy)?;
    let (catalog, bundles) = catalog_of(&policy.members[0].settings);
    let workload = Workload::from_object(object["kind"].as_str()?, object).ok()??;
    let detections = detections(rule, &catalog, &workload, &bundles);
    let component = detections.first()?.component;
    upstream_first_migrate::offer(builtin_migrations().get(&component.id)?)
}

/// The components `rule` reports in `workload`.
fn detections<'c>(
    rule: &str,
    catalog: &'c Catalog,
    workload: &Workload,
    bundles: &[String],
) -> Vec<Detection<'c>> {
    if rule == "no-raw-datastores" {
        raw_datastore_servers(catalog, workload, bundles)
    } else {
        unsourced_applications(catalog, workload, bundles)
    }
}

/// The command that migrates the objects of `file` (`-`: stdin).
#[must_use]
pub fn command(file: &str) -> String {
    if file == crate::documents::STDIN_NAME {
        "… | upstream-first migrate -".to_owned()
    } else {
        format!("upstream-first migrate {file}")
    }
}

/// What a migration run read and planned.
#[derive(Debug)]
pub struct Migration {
    pub plan: Plan,
    /// Inputs that could not be read (the rest was migrated).
    pub errors: Vec<InputError>,
    /// What the reader noticed (charts whose templates it did not render).
    pub notes: Vec<String>,
}

/// Scans `documents` with the migrating policies among `policies` and plans the replacement
/// of every workload they reject.
#[must_use]
pub fn migrate(
    policies: Vec<ScanPolicy>,
    documents: Documents,
    options: &ScanOptions,
    target: Option<Target>,
) -> Migration {
    let policies: Vec<ScanPolicy> = policies
        .into_iter()
        .filter(|policy| rule_of(policy).is_some())
        .collect();
    let objects: Vec<Value> = documents
        .objects
        .iter()
        .map(|source| {
            let mut object = source.object.clone();
            apply_default_namespace(&mut object, &options.default_namespace);
            object
        })
        .collect();
    let report = scan::scan(&policies, documents, Vec::new(), options);
    let catalogs: Vec<(Cow<'static, Catalog>, Vec<String>)> = policies
        .iter()
        .map(|policy| catalog_of(&policy.members[0].settings))
        .collect();
    let mut candidates = Vec::new();
    for evaluation in report.evaluations.iter().filter(|e| e.rejected) {
        let (Some(object), Some(policy)) = (
            objects.get(evaluation.object),
            policies.get(evaluation.policy),
        ) else {
            continue;
        };
        let (catalog, bundles) = &catalogs[evaluation.policy];
        let kind = object["kind"].as_str().unwrap_or_default();
        let Ok(Some(workload)) = Workload::from_object(kind, object) else {
            continue;
        };
        let Some(rule) = rule_of(policy) else {
            continue;
        };
        let detections = detections(rule, catalog, &workload, bundles);
        for detection in detections {
            candidates.push(Candidate {
                object,
                component: detection.component,
                container: detection.container,
                policy: policy.name.clone(),
                message: evaluation.message.clone().unwrap_or_default(),
            });
        }
    }
    Migration {
        plan: upstream_first_migrate::plan(&candidates, &objects, builtin_migrations(), target),
        errors: report.errors,
        notes: report.notes,
    }
}

/// A file that exists with other content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict(pub PathBuf);

/// Writes `files` under `dir`. Unless `force`, nothing is written when an existing file
/// differs: the conflicts are returned. Identical files are left as they are. Returns the
/// files written.
pub fn write_files(
    dir: &Path,
    files: &[OutputFile],
    force: bool,
) -> Result<Vec<PathBuf>, WriteError> {
    let mut pending = Vec::new();
    let mut conflicts = Vec::new();
    for file in files {
        let path = dir.join(&file.path);
        match fs::read(&path) {
            Ok(existing) if existing == file.text.as_bytes() => {}
            Ok(_) if !force => conflicts.push(Conflict(path)),
            _ => pending.push((path, &file.text)),
        }
    }
    if !conflicts.is_empty() {
        return Err(WriteError::Conflicts(conflicts));
    }
    let mut written = Vec::new();
    for (path, text) in pending {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| WriteError::Io(format!("cannot create {}: {e}", parent.display())))?;
        }
        fs::write(&path, text)
            .map_err(|e| WriteError::Io(format!("cannot write {}: {e}", path.display())))?;
        written.push(path);
    }
    Ok(written)
}

/// Why the output was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    Conflicts(Vec<Conflict>),
    Io(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Conflicts(conflicts) => {
                write!(
                    f,
                    "{} existing file(s) differ from what migrate writes (nothing was written; --force overwrites them):",
                    conflicts.len()
                )?;
                for Conflict(path) in conflicts {
                    write!(f, "\n  {}", path.display())?;
                }
                Ok(())
            }
            WriteError::Io(message) => f.write_str(message),
        }
    }
}
