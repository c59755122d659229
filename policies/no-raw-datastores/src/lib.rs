//! no-raw-datastores: rejects long-running workloads that run a datastore server
//! (PostgreSQL, Kafka, Redis, …) without an upstream Helm chart or operator behind them.
//!
//! This crate is the waPC glue; the rule lives in `upstream-first-rules`, and what a
//! container runs (to tell a client from a server) is read by job-scripts' shell reader.

mod settings;

use job_scripts::ShellCommands;
use serde_json::Value;
use upstream_first_rules::datastores::raw_datastores;
use upstream_first_rules::evaluation::{Findings, Policy, Review};
use upstream_first_rules::podspec::Workload;

use crate::settings::Settings;

pub const POLICY_NAME: &str = "no-raw-datastores";

/// The policy. Native builds (fuzzing, tests) call
/// `upstream_first_rules::evaluation::validate::<NoRawDatastores>` directly.
pub struct NoRawDatastores;

impl Policy for NoRawDatastores {
    const NAME: &'static str = POLICY_NAME;
    type Settings = Settings;

    fn check(settings: &Settings, review: &Review, object: &Value) -> Result<Findings, String> {
        let Some(workload) = Workload::from_object(review.kind, object)
            .map_err(|e| format!("cannot read {}: {e}", review.display()))?
        else {
            return Ok(Findings::default());
        };
        let catalog = settings.catalog()?;
        Ok(Findings {
            violations: raw_datastores(
                &catalog,
                &workload,
                &review.display(),
                &settings.allowed_bundles,
                &ShellCommands,
            ),
            ..Default::default()
        })
    }
}

upstream_first_rules::register_policy!(NoRawDatastores);

#[cfg(test)]
upstream_first_rules::policy_fuzz_replay!(crate::NoRawDatastores, "policy_no_raw_datastores");
