//! require-upstream-chart: rejects Deployments, StatefulSets and DaemonSets that run a catalog
//! application (Grafana, Loki, Keycloak, Argo CD, …) rendered without its upstream Helm chart,
//! operator or vendor install bundle.
//!
//! This crate is the waPC glue; the rule lives in `upstream-first-rules`.

mod settings;

use kubewarden_policy_sdk::wapc_guest::{self as guest, CallResult};
use serde_json::Value;
use upstream_first_rules::evaluation::{self, Findings, Policy, Review};
use upstream_first_rules::podspec::Workload;
use upstream_first_rules::upstream_chart::applications_without_upstream_source;

use crate::settings::Settings;

pub const POLICY_NAME: &str = "require-upstream-chart";

struct RequireUpstreamChart;

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

#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    guest::register_function("validate", validate);
    guest::register_function("validate_settings", validate_settings);
    guest::register_function(
        "protocol_version",
        kubewarden_policy_sdk::protocol_version_guest,
    );
}

fn validate(payload: &[u8]) -> CallResult {
    Ok(serde_json::to_vec(&evaluation::validate::<
        RequireUpstreamChart,
    >(payload))?)
}

fn validate_settings(payload: &[u8]) -> CallResult {
    Ok(serde_json::to_vec(&evaluation::validate_settings::<
        RequireUpstreamChart,
    >(payload))?)
}
