//! `upstream-first migrate`: writes the upstream replacement of each hand-rolled workload the
//! policies reject: a Flux `HelmRelease`, an Argo CD `Application`, a Helm values overlay or the
//! operator's custom resources, from the catalog's migration mappings.
//!
//! The verdict is not made here: the caller passes the workloads `no-raw-datastores` and
//! `require-upstream-chart` rejected, with the component the rules library detected. This
//! crate has no WebAssembly host in its dependencies, so the scanner and the playground share
//! it.
//!
//! - [`facts`]: the workload and its Services, claims and ConfigMaps → facts and leftovers;
//! - [`render`]: facts → chart values or custom resources, as files;
//! - [`markdown`]: the `MIGRATION.md` report;
//! - [`path`]: writing at a catalog values path.

pub mod facts;
pub mod markdown;
pub mod path;
pub mod render;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use upstream_first_rules::catalog::Component;
use upstream_first_rules::catalog::migration::{Migration, MigrationTarget};

pub use facts::{DataVolume, Facts, Leftover, ObjectRef, Subject, read_facts};
pub use render::{Offer, OutputFile, Rendered, Target, offer};

/// The name of the report written next to the replacements.
pub const MIGRATION_FILE: &str = "MIGRATION.md";

/// A workload a policy rejected, with the component its rule detected.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// The object, its namespace defaulted.
    pub object: &'a Value,
    pub component: &'a Component,
    /// The server (or application) container.
    pub container: String,
    /// The policy that rejected it.
    pub policy: String,
    /// Its message.
    pub message: String,
}

/// A replaced workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    pub component: String,
    pub policy: String,
    pub message: String,
    pub facts: Facts,
    pub rendered: Rendered,
}

/// A rejected workload `migrate` could not replace, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmigrated {
    /// `StatefulSet shop/postgres`.
    pub workload: String,
    pub component: String,
    pub policy: String,
    pub message: String,
    pub reason: String,
}

/// Everything one run writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// `None`: each workload's default target.
    pub requested: Option<Target>,
    pub replacements: Vec<Replacement>,
    pub unmigrated: Vec<Unmigrated>,
}

/// Why a workload has no replacement.
pub const NO_MAPPING: &str = "the catalog has no migration mapping for this component";

/// Plans the replacement of every candidate. `bundle` holds every object of the input
/// (namespaces defaulted); `migrations` are the catalog's, by component id. The result is in
/// the order of the workloads' namespaces, kinds and names, whatever the input order.
pub fn plan(
    candidates: &[Candidate<'_>],
    bundle: &[Value],
    migrations: &BTreeMap<String, Migration>,
    requested: Option<Target>,
) -> Plan {
    let mut plan = Plan {
        requested,
        ..Plan::default()
    };
    let mut seen = BTreeSet::new();
    let per_workload = candidates.iter().fold(BTreeMap::new(), |mut counts, c| {
        *counts.entry(workload_key(c.object)).or_insert(0usize) += 1;
        counts
    });
    for candidate in candidates {
        let key = workload_key(candidate.object);
        if !seen.insert((key.clone(), candidate.component.id.clone())) {
            continue;
        }
        let workload = format!("{} {}/{}", key.1, key.0, key.2);
        let unmigrated = |reason: String| Unmigrated {
            workload: workload.clone(),
            component: candidate.component.display_name.clone(),
            policy: candidate.policy.clone(),
            message: candidate.message.clone(),
            reason,
        };
        let Some(migration) = migrations.get(&candidate.component.id) else {
            plan.unmigrated.push(unmigrated(NO_MAPPING.to_owned()));
            continue;
        };
        let Some((target, mapping)) = render::choose(migration, requested) else {
            let offered: BTreeSet<&str> = migration
                .targets
                .iter()
                .map(|t| match t {
                    MigrationTarget::Chart(_) => "flux, argocd, helm",
                    MigrationTarget::Operator(_) => "operator",
                })
                .collect();
            plan.unmigrated.push(unmigrated(format!(
                "no {} replacement in the catalog; it offers: {}",
                requested.map_or("", Target::as_str),
                offered.into_iter().collect::<Vec<_>>().join(", ")
            )));
            continue;
        };
        let subject = Subject {
            object: candidate.object,
            container: &candidate.container,
            component: candidate.component,
        };
        let facts = match read_facts(&subject, &migration.env, bundle) {
            Ok(facts) => facts,
            Err(e) => {
                plan.unmigrated
                    .push(unmigrated(format!("cannot read the workload: {e}")));
                continue;
            }
        };
        let mut base = format!("{}-{}-{}", key.0, key.1.to_ascii_lowercase(), key.2);
        if per_workload.get(&key).copied().unwrap_or_default() > 1 {
            base = format!("{base}-{}", candidate.component.id);
        }
        let rendered = render::render(target, mapping, &facts, candidate.component, &base);
        plan.replacements.push(Replacement {
            component: candidate.component.display_name.clone(),
            policy: candidate.policy.clone(),
            message: candidate.message.clone(),
            facts,
            rendered,
        });
    }
    plan.replacements
        .sort_by(|a, b| (&a.facts.workload, &a.component).cmp(&(&b.facts.workload, &b.component)));
    plan.unmigrated
        .sort_by(|a, b| (&a.workload, &a.component).cmp(&(&b.workload, &b.component)));
    plan
}

/// (namespace, kind, name) of an object.
fn workload_key(object: &Value) -> (String, String, String) {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    (
        object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_owned(),
        text(&object["kind"]),
        text(&object["metadata"]["name"]),
    )
}

impl Plan {
    /// The files to write: each replacement's, then `MIGRATION.md`.
    pub fn files(&self) -> Vec<OutputFile> {
        let mut files: Vec<OutputFile> = self
            .replacements
            .iter()
            .flat_map(|r| r.rendered.files.iter().cloned())
            .collect();
        files.push(OutputFile {
            path: MIGRATION_FILE.to_owned(),
            text: markdown::report(self),
        });
        files
    }

    /// Every file as one multi-document YAML stream, each after a `# Source:` comment as in
    /// `helm template`; `MIGRATION.md` last, as comments.
    pub fn stream(&self) -> String {
        let mut text = String::new();
        for file in self.files() {
            text.push_str("---\n# Source: ");
            text.push_str(&file.path);
            text.push('\n');
            if file.path == MIGRATION_FILE {
                for line in file.text.lines() {
                    text.push_str(if line.is_empty() { "#" } else { "# " });
                    text.push_str(line);
                    text.push('\n');
                }
            } else {
                text.push_str(&file.text);
            }
        }
        text
    }
}
