//! require-network-policy: rejects a pod-producing object unless the NetworkPolicies of its
//! namespace that select its pods cover the required policy types together.
//!
//! This crate is the waPC glue; selection lives in `upstream_first_rules::selector` and the
//! rule in `upstream_first_rules::network`. The NetworkPolicies are read through the host
//! (`kubernetes/list_resources_by_namespace`), so the policy is context-aware.

mod settings;

use serde_json::Value;
use upstream_first_rules::evaluation::{Findings, Policy, Review};
use upstream_first_rules::network::{
    PodTemplate, list_error_message, list_network_policies, uncovered_pods,
};
use upstream_first_rules::selector::NetworkPolicyCoverage;

use crate::settings::Settings;

pub const POLICY_NAME: &str = "require-network-policy";
/// Objects without a namespace cannot be matched against NetworkPolicies (which are
/// namespaced); pod-producing objects always have one, so this is a malformed request.
pub const NO_NAMESPACE: &str = "the request names no namespace, and NetworkPolicies are namespaced";

/// The policy. Native builds (fuzzing, tests) call
/// `upstream_first_rules::evaluation::validate::<RequireNetworkPolicy>` directly.
pub struct RequireNetworkPolicy;

impl Policy for RequireNetworkPolicy {
    const NAME: &'static str = POLICY_NAME;
    /// The control plane's own namespaces, which ship without NetworkPolicies.
    const DEFAULT_EXEMPT_NAMESPACES: &'static [&'static str] =
        &["kube-system", "kube-public", "kube-node-lease"];
    type Settings = Settings;

    fn check(settings: &Settings, review: &Review, object: &Value) -> Result<Findings, String> {
        let Some(template) = PodTemplate::from_object(review.kind, object)
            .map_err(|e| format!("cannot read {}: {e}", review.display()))?
        else {
            return Ok(Findings::default());
        };
        if template.has_controller() {
            return Ok(Findings::default());
        }
        let namespace = review.namespace.as_str();
        if namespace.is_empty() {
            return Err(format!("{}: {NO_NAMESPACE}", review.display()));
        }
        let policies = list_network_policies(namespace)
            .map_err(|e| list_error_message(&review.display(), namespace, &e))?;
        let coverage =
            NetworkPolicyCoverage::evaluate_compiled(namespace, &template.pod_labels, &policies);
        Ok(Findings {
            violations: uncovered_pods(
                &review.display(),
                namespace,
                &review.name,
                &template.pod_labels,
                &settings.required_policy_types,
                &coverage,
            )
            .into_iter()
            .collect(),
            ..Default::default()
        })
    }
}

upstream_first_rules::register_policy!(RequireNetworkPolicy);

#[cfg(test)]
upstream_first_rules::policy_fuzz_replay!(
    crate::RequireNetworkPolicy,
    "policy_require_network_policy"
);
