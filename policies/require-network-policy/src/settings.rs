//! Settings of require-network-policy, besides the shared ones (`exemptNamespaces`,
//! `exemptions`, `allowAnnotationExemptions`, `warnOnly`, `enforceOnUpdate`).

use serde::Deserialize;
use upstream_first_rules::selector::PolicyType;
use upstream_first_rules::settings::Validate;

pub const NO_REQUIRED_TYPES: &str =
    "must name at least one policy type (Ingress, Egress); to turn the policy off, remove it";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// The policy types the NetworkPolicies selecting a pod must cover together:
    /// `[Ingress]` by default, `[Ingress, Egress]` for strict namespaces.
    #[serde(default = "default_required_policy_types")]
    pub required_policy_types: Vec<PolicyType>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            required_policy_types: default_required_policy_types(),
        }
    }
}

fn default_required_policy_types() -> Vec<PolicyType> {
    vec![PolicyType::Ingress]
}

impl Validate for Settings {
    fn validate(&self) -> Result<(), String> {
        if self.required_policy_types.is_empty() {
            return Err(format!("requiredPolicyTypes: {NO_REQUIRED_TYPES}"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::{Value, json};
    use upstream_first_rules::settings::parse;

    #[rstest]
    #[case::defaults(json!({}), &[PolicyType::Ingress])]
    #[case::null(Value::Null, &[PolicyType::Ingress])]
    #[case::strict(json!({"requiredPolicyTypes": ["Ingress", "Egress"]}), &[PolicyType::Ingress, PolicyType::Egress])]
    #[case::egress_only(json!({"requiredPolicyTypes": ["Egress"]}), &[PolicyType::Egress])]
    fn valid(#[case] raw: Value, #[case] required: &[PolicyType]) {
        let settings = parse::<Settings>(&raw).expect("valid settings");
        assert_eq!(settings.policy.required_policy_types, required);
    }

    #[rstest]
    #[case::empty(
        json!({"requiredPolicyTypes": []}),
        "requiredPolicyTypes: must name at least one policy type (Ingress, Egress); to turn the policy off, remove it"
    )]
    #[case::lowercase(
        json!({"requiredPolicyTypes": ["ingress"]}),
        "requiredPolicyTypes[0]: unknown variant `ingress`, expected `Ingress` or `Egress`"
    )]
    #[case::not_a_list(
        json!({"requiredPolicyTypes": "Ingress"}),
        "requiredPolicyTypes: invalid type: string \"Ingress\", expected a sequence"
    )]
    #[case::unknown_field(
        json!({"requiredPolicyType": ["Ingress"]}),
        "requiredPolicyType: unknown field `requiredPolicyType`, expected `requiredPolicyTypes`"
    )]
    fn invalid(#[case] raw: Value, #[case] message: &str) {
        assert_eq!(parse::<Settings>(&raw).unwrap_err(), message);
    }
}
