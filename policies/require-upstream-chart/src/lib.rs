//! require-upstream-chart: rejects Deployments, StatefulSets and DaemonSets that run a catalog
//! application (Grafana, Loki, Keycloak, Argo CD, …) rendered without its upstream Helm chart,
//! operator or vendor install bundle.
//!
//! This crate is the waPC glue; the rule lives in `upstream-first-rules`.

mod settings;

use serde_json::Value;
use upstream_first_rules::evaluation::{Findings, Policy, Review};
use upstream_first_rules::podspec::Workload;
use upstream_first_rules::upstream_chart::applications_without_upstream_source;

use crate::settings::Settings;

pub const POLICY_NAME: &str = "require-upstream-chart";

/// The policy. Native builds (fuzzing, tests) call
/// `upstream_first_rules::evaluation::validate::<RequireUpstreamChart>` directly.
pub struct RequireUpstreamChart;

impl Policy for RequireUpstreamChart {
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
            violations: applications_without_upstream_source(
                &catalog,
                &workload,
                &review.display(),
                &settings.allowed_bundles,
            ),
            ..Default::default()
        })
    }
}

upstream_first_rules::register_policy!(RequireUpstreamChart);

#[cfg(test)]
upstream_first_rules::policy_fuzz_replay!(
    crate::RequireUpstreamChart,
    "policy_require_upstream_chart"
);
