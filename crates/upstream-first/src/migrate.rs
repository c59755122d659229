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

use job_scripts::ShellCommands;
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

/// A policy `migrate` acts on (a single module of [`MIGRATING_POLICIES`]), with the catalog
/// and accepted bundles of its settings: read once per policy, then asked for each object it
/// rejected.
pub struct PolicyCatalog {
    rule: &'static str,
    catalog: Cow<'static, Catalog>,
    bundles: Vec<String>,
}

impl PolicyCatalog {
    /// `None` for a policy `migrate` does not act on. The settings are read leniently: the
    /// policy validated them already.
    #[must_use]
    pub fn of(policy: &ScanPolicy) -> Option<Self> {
        let [member] = policy.members.as_slice() else {
            return None;
        };
        let rule = MIGRATING_POLICIES
            .into_iter()
            .find(|name| *name == policy.info.module)?;
        let additions: Vec<ComponentPatch> =
            serde_json::from_value(member.settings["catalog"].clone()).unwrap_or_default();
        let catalog = extended_catalog(&additions).unwrap_or(Cow::Borrowed(Catalog::builtin()));
        let bundles =
            serde_json::from_value(member.settings["allowedBundles"].clone()).unwrap_or_default();
        Some(Self {
            rule,
            catalog,
            bundles,
        })
    }

    /// The components the policy's rule reports in `object` (none when it is not a workload
    /// the rules can read).
    fn detections(&self, object: &Value) -> Vec<Detection<'_>> {
        let kind = object["kind"].as_str().unwrap_or_default();
        let Ok(Some(workload)) = Workload::from_object(kind, object) else {
            return Vec::new();
        };
        if self.rule == "no-raw-datastores" {
            raw_datastore_servers(&self.catalog, &workload, &self.bundles, &ShellCommands)
        } else {
            unsourced_applications(&self.catalog, &workload, &self.bundles)
        }
    }

    /// What `migrate` would write for `object`, which the policy rejected: `None` when the
    /// component has no mapping.
    #[must_use]
    pub fn offer(&self, object: &Value) -> Option<Offer> {
        let component = self.detections(object).first()?.component;
        upstream_first_migrate::offer(builtin_migrations().get(&component.id)?)
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
    let (policies, catalogs): (Vec<ScanPolicy>, Vec<PolicyCatalog>) = policies
        .into_iter()
        .filter_map(|policy| PolicyCatalog::of(&policy).map(|catalog| (policy, catalog)))
        .unzip();
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
    let mut candidates = Vec::new();
    for evaluation in report.evaluations.iter().filter(|e| e.rejected) {
        let (Some(object), Some(policy), Some(catalog)) = (
            objects.get(evaluation.object),
            policies.get(evaluation.policy),
            catalogs.get(evaluation.policy),
        ) else {
            continue;
        };
        let detections = catalog.detections(object);
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
