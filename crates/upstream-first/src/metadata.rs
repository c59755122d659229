//! Kubewarden policy metadata (`metadata.yml`, or the `io.kubewarden.metadata` custom section
//! that `kwctl annotate` writes into a module): which requests a policy evaluates, whether it
//! mutates, which Kubernetes resources it may read, and its annotations.

use std::collections::BTreeMap;

use policy_host::ContextAwareResource;
use serde::{Deserialize, Serialize};

/// The wasm custom section `kwctl annotate` stores the metadata in (as JSON).
pub const METADATA_CUSTOM_SECTION: &str = policy_metadata::METADATA_SECTION;

/// Annotation with the policy's title.
pub const TITLE_ANNOTATION: &str = "io.kubewarden.policy.title";
/// Annotation with the policy's description.
pub const DESCRIPTION_ANNOTATION: &str = "io.kubewarden.policy.description";
/// Annotation with the policy's home page.
pub const URL_ANNOTATION: &str = "io.kubewarden.policy.url";
/// Annotation with the policy's source.
pub const SOURCE_ANNOTATION: &str = "io.kubewarden.policy.source";
/// Annotation with the severity of the policy's violations (`low`, `medium`, `high`, …).
pub const SEVERITY_ANNOTATION: &str = "io.kubewarden.policy.severity";
/// Annotation with the policy's category.
pub const CATEGORY_ANNOTATION: &str = "io.kubewarden.policy.category";

/// A `metadata.yml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyMetadata {
    /// The requests the policy evaluates.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Whether the policy may return a mutated object.
    #[serde(default)]
    pub mutating: bool,
    /// The resource types the policy reads through host capabilities.
    #[serde(default)]
    pub context_aware_resources: Vec<ContextAwareResource>,
    /// The host capabilities the policy calls (`kubernetes/get_resource`, …); absent: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_capabilities: Option<Vec<String>>,
    /// `kubewarden-wapc`, `opa`, `gatekeeper`, `wasi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_mode: Option<String>,
    /// Whether the audit scanner evaluates the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_audit: Option<bool>,
    /// `io.kubewarden.policy.*` annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// One admission rule (`admissionregistration.k8s.io/v1` RuleWithOperations).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
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

/// Why metadata could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// The YAML is not a `metadata.yml`.
    #[error("invalid policy metadata: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// The custom section is not metadata JSON.
    #[error("invalid {METADATA_CUSTOM_SECTION} section: {0}")]
    Json(#[from] serde_json::Error),
    /// The module is not a WebAssembly binary (read by `policy-metadata`).
    #[error("{0}")]
    Wasm(String),
}

impl PolicyMetadata {
    /// Parses a `metadata.yml`.
    pub fn from_yaml(text: &str) -> Result<Self, MetadataError> {
        Ok(serde_yaml_ng::from_str(text)?)
    }

    /// The metadata `kwctl annotate` stored in a module, if any.
    pub fn from_wasm(module: &[u8]) -> Result<Option<Self>, MetadataError> {
        let section = policy_metadata::metadata_section(module)
            .map_err(|e| MetadataError::Wasm(e.to_string()))?;
        match section {
            Some(data) => Ok(Some(serde_json::from_slice(data)?)),
            None => Ok(None),
        }
    }

    /// Whether any rule selects the request.
    #[must_use]
    pub fn matches(&self, request: &RequestKind<'_>) -> bool {
        self.rules.iter().any(|rule| rule.matches(request))
    }

    fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .get(key)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// `io.kubewarden.policy.title`.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        self.annotation(TITLE_ANNOTATION)
    }

    /// `io.kubewarden.policy.description`.
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.annotation(DESCRIPTION_ANNOTATION)
    }

    /// `io.kubewarden.policy.url`, else `io.kubewarden.policy.source`.
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        self.annotation(URL_ANNOTATION)
            .or_else(|| self.annotation(SOURCE_ANNOTATION))
    }

    /// `io.kubewarden.policy.source`, else `io.kubewarden.policy.url`.
    #[must_use]
    pub fn source(&self) -> Option<&str> {
        self.annotation(SOURCE_ANNOTATION)
            .or_else(|| self.annotation(URL_ANNOTATION))
    }

    /// `io.kubewarden.policy.severity`.
    #[must_use]
    pub fn severity(&self) -> Option<&str> {
        self.annotation(SEVERITY_ANNOTATION)
    }

    /// `io.kubewarden.policy.category`.
    #[must_use]
    pub fn category(&self) -> Option<&str> {
        self.annotation(CATEGORY_ANNOTATION)
    }
}

#[cfg(test)]
mod tests {
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
mutating: true
contextAwareResources:
  - apiVersion: v1
    kind: ConfigMap
annotations:
  io.kubewarden.policy.severity: medium
  io.kubewarden.policy.category: Upstream First
"#;

    #[rstest]
    #[case("", "v1", "pods", "CREATE", true)]
    #[case("", "v1", "pods", "DELETE", false)]
    #[case("", "v1", "services", "CREATE", false)]
    #[case("apps", "v1beta2", "deployments", "DELETE", true)]
    #[case("batch", "v1", "pods", "CREATE", false)]
    fn rules_match_like_webhook_rules(
        #[case] group: &str,
        #[case] version: &str,
        #[case] resource: &str,
        #[case] operation: &str,
        #[case] matched: bool,
    ) {
        let metadata = PolicyMetadata::from_yaml(METADATA).expect("valid metadata");
        let request = RequestKind {
            group,
            version,
            resource,
            operation,
            namespaced: true,
        };
        assert_eq!(metadata.matches(&request), matched);
    }

    #[test]
    fn annotations_and_resources() {
        let metadata = PolicyMetadata::from_yaml(METADATA).expect("valid metadata");
        assert!(metadata.mutating);
        assert_eq!(
            metadata.context_aware_resources,
            [ContextAwareResource::new("v1", "ConfigMap")]
        );
        assert_eq!(metadata.severity(), Some("medium"));
        assert_eq!(metadata.category(), Some("Upstream First"));
        assert_eq!(metadata.title(), None);
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

    /// A module with one custom section, as `kwctl annotate` writes it.
    fn annotated_module(name: &str, data: &[u8]) -> Vec<u8> {
        let mut payload = vec![u8::try_from(name.len()).expect("short name")];
        payload.extend_from_slice(name.as_bytes());
        payload.extend_from_slice(data);
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.push(0);
        module.push(u8::try_from(payload.len()).expect("short section"));
        module.extend(payload);
        module
    }

    #[test]
    fn metadata_is_read_from_the_custom_section() {
        let module = annotated_module(
            METADATA_CUSTOM_SECTION,
            br#"{"rules":[],"mutating":true,"annotations":{"io.kubewarden.policy.title":"t"}}"#,
        );
        let metadata = PolicyMetadata::from_wasm(&module)
            .expect("valid module")
            .expect("annotated");
        assert!(metadata.mutating);
        assert_eq!(metadata.title(), Some("t"));
        let other = annotated_module("name", b"x");
        assert!(PolicyMetadata::from_wasm(&other).expect("valid").is_none());
        assert!(PolicyMetadata::from_wasm(b"not wasm").is_err());
        assert!(PolicyMetadata::from_wasm(&other[..other.len() - 1]).is_err());
    }
}
