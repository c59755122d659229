//! Admission rules as the scanner matches them: a policy resource's `spec.rules` (with
//! `scope`), or else its module's metadata rules, matched against a request the way the API
//! server matches webhook rules.

use serde::Deserialize;

/// One admission rule (`admissionregistration.k8s.io/v1` RuleWithOperations).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// API groups (`""` is the core group, `*` all).
    #[serde(default)]
    pub api_groups: Vec<String>,
    /// API versions (`*` all).
    #[serde(default)]
    pub api_versions: Vec<String>,
    /// Resources (`*` all; `pods/status` is a subresource and never matches an object).
    #[serde(default)]
    pub resources: Vec<String>,
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT` or `*`.
    #[serde(default)]
    pub operations: Vec<String>,
    /// `Cluster`, `Namespaced` or `*` (default).
    #[serde(default)]
    pub scope: Option<String>,
}

impl From<&policy_metadata::Rule> for Rule {
    /// Metadata rules have no `scope` (policy-evaluator's rules carry none): like the webhook
    /// Kubewarden derives from them, they select namespaced and cluster-wide objects alike.
    fn from(rule: &policy_metadata::Rule) -> Self {
        Self {
            api_groups: rule.api_groups.clone(),
            api_versions: rule.api_versions.clone(),
            resources: rule.resources.clone(),
            operations: rule
                .operations
                .iter()
                .map(|operation| operation.as_str().to_owned())
                .collect(),
            scope: None,
        }
    }
}

/// What a rule is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestKind<'a> {
    /// API group.
    pub group: &'a str,
    /// API version.
    pub version: &'a str,
    /// Resource (plural).
    pub resource: &'a str,
    /// Operation.
    pub operation: &'a str,
    /// Whether the object is namespaced.
    pub namespaced: bool,
}

fn matches_any(values: &[String], wanted: &str) -> bool {
    values.iter().any(|value| value == "*" || value == wanted)
}

impl Rule {
    /// Whether the rule selects the request, as the API server matches webhook rules.
    #[must_use]
    pub fn matches(&self, request: &RequestKind<'_>) -> bool {
        let scope_matches = match self.scope.as_deref() {
            Some("Cluster") => !request.namespaced,
            Some("Namespaced") => request.namespaced,
            _ => true,
        };
        scope_matches
            && matches_any(&self.api_groups, request.group)
            && matches_any(&self.api_versions, request.version)
            && matches_any(&self.operations, request.operation)
            && self.resources.iter().any(|resource| {
                resource == "*" || resource == "*/*" || resource == request.resource
            })
    }
}

#[cfg(test)]
mod tests {
    use policy_metadata::Metadata;
    use rstest::rstest;

    use super::*;

    const METADATA: &str = r#"
rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
    operations: ["CREATE", "UPDATE"]
  - apiGroups: ["apps"]
    apiVersions: ["*"]
    resources: ["deployments"]
    operations: ["*"]
"#;

    #[rstest]
    #[case("", "v1", "pods", "CREATE", true, true)]
    #[case("", "v1", "pods", "CREATE", false, true)]
    #[case("", "v1", "pods", "DELETE", true, false)]
    #[case("", "v1", "services", "CREATE", true, false)]
    #[case("apps", "v1beta2", "deployments", "DELETE", true, true)]
    #[case("batch", "v1", "pods", "CREATE", true, false)]
    fn metadata_rules_match_like_webhook_rules(
        #[case] group: &str,
        #[case] version: &str,
        #[case] resource: &str,
        #[case] operation: &str,
        #[case] namespaced: bool,
        #[case] matched: bool,
    ) {
        let metadata = Metadata::from_yaml(METADATA).expect("valid metadata");
        let request = RequestKind {
            group,
            version,
            resource,
            operation,
            namespaced,
        };
        assert_eq!(
            metadata
                .rules
                .iter()
                .map(Rule::from)
                .any(|rule| rule.matches(&request)),
            matched
        );
    }

    #[test]
    fn scope_restricts_rules() {
        let rule = Rule {
            api_groups: vec!["*".into()],
            api_versions: vec!["*".into()],
            resources: vec!["*".into()],
            operations: vec!["CREATE".into()],
            scope: Some("Namespaced".into()),
        };
        let mut request = RequestKind {
            group: "",
            version: "v1",
            resource: "namespaces",
            operation: "CREATE",
            namespaced: false,
        };
        assert!(!rule.matches(&request));
        request.namespaced = true;
        assert!(rule.matches(&request));
    }
}
