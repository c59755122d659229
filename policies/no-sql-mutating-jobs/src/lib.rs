//! no-sql-mutating-jobs: rejects Jobs, CronJobs and bare Pods whose containers write to a
//! database (SQL, MongoDB) or to an in-cluster API by hand, where the application's operator,
//! its declarative configuration or a versioned migration tool belongs.
//!
//! This crate is the waPC glue; the rule lives in `job_scripts::rule`, the Kubernetes side
//! (ConfigMap volumes, hooks) in `upstream_first_rules::scripts`. Scripts mounted from
//! ConfigMaps are read through the host (`kubernetes/get_resource`), so the policy is
//! context-aware.

mod settings;

use job_scripts::rule::hand_made_writes;
use serde_json::Value;
use upstream_first_rules::evaluation::{Findings, Policy, Review};
use upstream_first_rules::podspec::Workload;
use upstream_first_rules::scripts::HostConfigMaps;

use crate::settings::Settings;

pub const POLICY_NAME: &str = "no-sql-mutating-jobs";

/// The policy. Native builds (fuzzing, tests) call
/// `upstream_first_rules::evaluation::validate::<NoSqlMutatingJobs>` directly.
pub struct NoSqlMutatingJobs;

impl Policy for NoSqlMutatingJobs {
    const NAME: &'static str = POLICY_NAME;
    type Settings = Settings;

    fn check(settings: &Settings, review: &Review, object: &Value) -> Result<Findings, String> {
        let Some(workload) = Workload::from_object(review.kind, object)
            .map_err(|e| format!("cannot read {}: {e}", review.display()))?
        else {
            return Ok(Findings::default());
        };
        Ok(hand_made_writes(
            &workload,
            &review.display(),
            &review.namespace,
            &settings.rule_settings(),
            &HostConfigMaps::new(&review.namespace),
        ))
    }
}

upstream_first_rules::register_policy!(NoSqlMutatingJobs);

#[cfg(test)]
upstream_first_rules::policy_fuzz_replay!(crate::NoSqlMutatingJobs, "policy_no_sql_mutating_jobs");
