//! The metadata types, with the field names, defaults and checks of policy-evaluator's
//! `Metadata` (what `kwctl annotate` validates and serialises into the custom section).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::capabilities::HOST_CAPABILITY_OPERATIONS;
use crate::{MetadataError, annotations};

/// The version of the waPC protocol between host and policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProtocolVersion {
    /// What the SDK answers for an invalid version.
    #[serde(rename = "Unknown")]
    Unknown,
    /// The current protocol.
    #[serde(rename = "v1")]
    V1,
}

/// How the policy is run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExecutionMode {
    /// A waPC policy speaking the Kubewarden protocol (the default).
    #[default]
    #[serde(rename = "kubewarden-wapc")]
    KubewardenWapc,
    /// An Open Policy Agent policy.
    #[serde(rename = "opa")]
    Opa,
    /// A Gatekeeper policy.
    #[serde(rename = "gatekeeper")]
    Gatekeeper,
    /// A WASI command.
    #[serde(rename = "wasi")]
    Wasi,
}

/// What the policy evaluates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyType {
    /// Kubernetes admission requests (the default).
    #[default]
    Kubernetes,
    /// Arbitrary JSON documents.
    Raw,
}

/// An admission operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Operation {
    /// `CREATE`.
    #[serde(rename = "CREATE")]
    Create,
    /// `UPDATE`.
    #[serde(rename = "UPDATE")]
    Update,
    /// `DELETE`.
    #[serde(rename = "DELETE")]
    Delete,
    /// `CONNECT`.
    #[serde(rename = "CONNECT")]
    Connect,
    /// `*`: every operation.
    #[serde(rename = "*")]
    All,
}

impl Operation {
    /// The operation as admission rules and requests spell it (`CREATE`, …, `*`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Connect => "CONNECT",
            Self::All => "*",
        }
    }
}

/// One admission rule (`admissionregistration.k8s.io/v1` RuleWithOperations, without `scope`,
/// as policy-evaluator reads it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// API groups (`""` is the core group, `*` all).
    pub api_groups: Vec<String>,
    /// API versions (`*` all).
    pub api_versions: Vec<String>,
    /// Resources, plural (`*` all, `pods/status` a subresource).
    pub resources: Vec<String>,
    /// Operations.
    pub operations: Vec<Operation>,
}

/// A Kubernetes resource type the policy reads through the host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextAwareResource {
    /// `v1`, `networking.k8s.io/v1`, …
    pub api_version: String,
    /// `ConfigMap`, `NetworkPolicy`, …
    pub kind: String,
}

impl ContextAwareResource {
    /// A resource type.
    pub fn new(api_version: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            api_version: api_version.into(),
            kind: kind.into(),
        }
    }
}

fn default_true() -> bool {
    true
}

/// A policy's metadata: `metadata.yml`, or the JSON of its `io.kubewarden.metadata` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Set when the module is annotated (absent from `metadata.yml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<ProtocolVersion>,
    /// The requests the policy evaluates.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// `io.kubewarden.policy.*`, `io.artifacthub.*` and other annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Whether the policy may return a mutated object.
    #[serde(default)]
    pub mutating: bool,
    /// Whether Kubewarden's audit scanner evaluates the policy (default `true`).
    #[serde(default = "default_true")]
    pub background_audit: bool,
    /// The resource types the policy reads through the host.
    #[serde(default)]
    pub context_aware_resources: BTreeSet<ContextAwareResource>,
    /// The host capabilities the policy calls (`kubernetes/get_resource`); absent: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_capabilities: Option<BTreeSet<String>>,
    /// How the policy is run.
    #[serde(default)]
    pub execution_mode: ExecutionMode,
    /// What the policy evaluates.
    #[serde(default)]
    pub policy_type: PolicyType,
    /// The oldest Kubewarden that can run the policy (SemVer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_kubewarden_version: Option<String>,
}

impl Default for Metadata {
    fn default() -> Self {
        Self {
            protocol_version: None,
            rules: Vec::new(),
            annotations: None,
            mutating: false,
            background_audit: true,
            context_aware_resources: BTreeSet::new(),
            host_capabilities: None,
            execution_mode: ExecutionMode::default(),
            policy_type: PolicyType::default(),
            minimum_kubewarden_version: None,
        }
    }
}

impl Metadata {
    /// Parses a `metadata.yml` and checks it.
    pub fn from_yaml(text: &str) -> Result<Self, MetadataError> {
        let metadata: Self = serde_yaml_ng::from_str(text)?;
        metadata.validate().map_err(MetadataError::Invalid)?;
        Ok(metadata)
    }

    /// An annotation's value, trimmed; `None` when absent or blank.
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .as_ref()?
            .get(key)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// `io.kubewarden.policy.title`.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        self.annotation(annotations::TITLE)
    }

    /// `io.kubewarden.policy.description`.
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.annotation(annotations::DESCRIPTION)
    }

    /// The policy's documentation: `io.kubewarden.policy.url`, else its source
    /// (`io.kubewarden.policy.source`), the only link many policies give.
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        self.annotation(annotations::URL)
            .or_else(|| self.annotation(annotations::SOURCE))
    }

    /// `io.kubewarden.policy.severity` of the violations (audit reports).
    #[must_use]
    pub fn severity(&self) -> Option<&str> {
        self.annotation(annotations::SEVERITY)
    }

    /// `io.kubewarden.policy.category` (audit reports).
    #[must_use]
    pub fn category(&self) -> Option<&str> {
        self.annotation(annotations::CATEGORY)
    }

    /// Sets an annotation.
    pub fn set_annotation(&mut self, key: &str, value: impl Into<String>) {
        self.annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(key.to_owned(), value.into());
    }

    /// The checks kwctl makes before it annotates a module: rules as the API server accepts
    /// them, known host capability patterns, a SemVer `minimumKubewardenVersion` and, for a
    /// waPC policy, a known protocol version. The error names the field.
    pub fn validate(&self) -> Result<(), String> {
        for (i, rule) in self.rules.iter().enumerate() {
            rule.validate().map_err(|e| format!("rules[{i}].{e}"))?;
        }
        for pattern in self.host_capabilities.iter().flatten() {
            if !is_known_capability_pattern(pattern) {
                return Err(format!(
                    "hostCapabilities: {pattern:?} is not a host capability (known: {}; a namespace or version may end in /*)",
                    HOST_CAPABILITY_OPERATIONS
                        .iter()
                        .map(|(namespace, operation)| format!("{namespace}/{operation}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if let Some(version) = &self.minimum_kubewarden_version {
            semver::Version::parse(version)
                .map_err(|e| format!("minimumKubewardenVersion: {version:?}: {e}"))?;
        }
        if self.execution_mode == ExecutionMode::KubewardenWapc
            && self.protocol_version == Some(ProtocolVersion::Unknown)
        {
            return Err("protocolVersion: must be a valid protocol version (v1)".to_owned());
        }
        Ok(())
    }
}

impl Rule {
    fn validate(&self) -> Result<(), String> {
        exclusive_wildcard("apiGroups", &self.api_groups, false)?;
        exclusive_wildcard("apiVersions", &self.api_versions, true)?;
        if self.resources.is_empty() {
            return Err("resources: must not be empty".to_owned());
        }
        if self.resources.iter().any(String::is_empty) {
            return Err("resources: must not contain an empty value".to_owned());
        }
        if self.operations.is_empty() {
            return Err("operations: must not be empty".to_owned());
        }
        if self.operations.contains(&Operation::All) && self.operations.len() > 1 {
            return Err("operations: no other operation may be listed with \"*\"".to_owned());
        }
        let whole = |r: &&String| !r.contains('/');
        if self.resources.iter().any(|r| r == "*")
            && self.resources.iter().filter(whole).count() > 1
        {
            return Err(
                "resources: with \"*\", only subresources (\"x/y\") may be listed too".to_owned(),
            );
        }
        if self.resources.iter().any(|r| r == "*/*") && self.resources.len() > 1 {
            return Err("resources: no other resource may be listed with \"*/*\"".to_owned());
        }
        Ok(())
    }
}

/// Non-empty, `*` alone when present, and (`non_empty_items`) no empty item (`""` is the core
/// API group, so groups may be empty strings).
fn exclusive_wildcard(field: &str, values: &[String], non_empty_items: bool) -> Result<(), String> {
    if values.is_empty() {
        return Err(format!("{field}: must not be empty"));
    }
    if values.iter().any(|v| v == "*") && values.len() > 1 {
        return Err(format!("{field}: no other value may be listed with \"*\""));
    }
    if non_empty_items && values.iter().any(String::is_empty) {
        return Err(format!("{field}: must not contain an empty value"));
    }
    Ok(())
}

/// `*`, a known `namespace/operation`, or a prefix of known ones ending in `/*` (`oci/*`,
/// `oci/v1/*`), as policy-evaluator's allow list accepts them.
fn is_known_capability_pattern(pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let paths = HOST_CAPABILITY_OPERATIONS
        .iter()
        .map(|(namespace, operation)| format!("{namespace}/{operation}"));
    match pattern.strip_suffix('*') {
        Some(prefix) if prefix.ends_with('/') => paths.into_iter().any(|p| p.starts_with(prefix)),
        Some(_) => false,
        None => paths.into_iter().any(|p| p == pattern),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    const METADATA: &str = r#"
rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
    operations: ["CREATE", "UPDATE"]
mutating: false
contextAwareResources:
  - apiVersion: v1
    kind: ConfigMap
hostCapabilities: [kubernetes/get_resource]
executionMode: kubewarden-wapc
annotations:
  io.kubewarden.policy.title: example
"#;

    #[test]
    fn metadata_yml_is_read_with_policy_evaluator_defaults() {
        let metadata = Metadata::from_yaml(METADATA).expect("valid metadata");
        assert_eq!(
            metadata.rules[0].operations,
            [Operation::Create, Operation::Update]
        );
        assert!(
            metadata.background_audit,
            "backgroundAudit defaults to true"
        );
        assert_eq!(metadata.policy_type, PolicyType::Kubernetes);
        assert_eq!(metadata.protocol_version, None);
        assert_eq!(
            metadata.annotation("io.kubewarden.policy.title"),
            Some("example")
        );
        assert_eq!(
            metadata.context_aware_resources,
            BTreeSet::from([ContextAwareResource::new("v1", "ConfigMap")])
        );
    }

    #[test]
    fn report_annotations_are_read_trimmed_and_blank_is_absent() {
        let metadata = Metadata::from_yaml(
            "annotations:\n  io.kubewarden.policy.title: ' example '\n  io.kubewarden.policy.description: ''\n  io.kubewarden.policy.severity: medium\n  io.kubewarden.policy.category: Upstream First\n  io.kubewarden.policy.source: https://example.com/src\n",
        )
        .expect("valid metadata");
        assert_eq!(metadata.title(), Some("example"));
        assert_eq!(metadata.description(), None);
        assert_eq!(metadata.severity(), Some("medium"));
        assert_eq!(metadata.category(), Some("Upstream First"));
        assert_eq!(
            metadata.url(),
            Some("https://example.com/src"),
            "the source stands in"
        );
        let mut with_url = metadata.clone();
        with_url.set_annotation(annotations::URL, "https://example.com");
        assert_eq!(with_url.url(), Some("https://example.com"));
        assert_eq!(Metadata::default().title(), None, "no annotations at all");
    }

    #[rstest]
    #[case(Operation::Create)]
    #[case(Operation::Update)]
    #[case(Operation::Delete)]
    #[case(Operation::Connect)]
    #[case(Operation::All)]
    fn operations_are_spelled_as_serialised(#[case] operation: Operation) {
        assert_eq!(
            serde_json::to_value(operation).expect("serialisable"),
            operation.as_str()
        );
    }

    #[test]
    fn json_has_the_field_names_kwctl_writes() {
        let mut metadata = Metadata::from_yaml(METADATA).expect("valid metadata");
        metadata.protocol_version = Some(ProtocolVersion::V1);
        assert_eq!(
            serde_json::to_value(&metadata).expect("serialisable"),
            json!({
                "protocolVersion": "v1",
                "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"],
                           "operations": ["CREATE", "UPDATE"]}],
                "annotations": {"io.kubewarden.policy.title": "example"},
                "mutating": false,
                "backgroundAudit": true,
                "contextAwareResources": [{"apiVersion": "v1", "kind": "ConfigMap"}],
                "hostCapabilities": ["kubernetes/get_resource"],
                "executionMode": "kubewarden-wapc",
                "policyType": "kubernetes"
            })
        );
    }

    #[rstest]
    #[case::empty_groups(
        "rules: [{apiGroups: [], apiVersions: [v1], resources: [pods], operations: [CREATE]}]",
        "invalid policy metadata: rules[0].apiGroups: must not be empty"
    )]
    #[case::star_and_more(
        "rules: [{apiGroups: ['*', apps], apiVersions: [v1], resources: [pods], operations: [CREATE]}]",
        "invalid policy metadata: rules[0].apiGroups: no other value may be listed with \"*\""
    )]
    #[case::all_operations_and_more(
        "rules: [{apiGroups: [''], apiVersions: [v1], resources: [pods], operations: ['*', CREATE]}]",
        "invalid policy metadata: rules[0].operations: no other operation may be listed with \"*\""
    )]
    #[case::star_resources(
        "rules: [{apiGroups: [''], apiVersions: [v1], resources: ['*', pods], operations: [CREATE]}]",
        "invalid policy metadata: rules[0].resources: with \"*\", only subresources (\"x/y\") may be listed too"
    )]
    #[case::unknown_operation(
        "rules: [{apiGroups: [''], apiVersions: [v1], resources: [pods], operations: [PATCH]}]",
        "invalid policy metadata: rules[0].operations[0]: unknown variant `PATCH`, expected one of `CREATE`, `UPDATE`, `DELETE`, `CONNECT`, `*` at line 1 column 78"
    )]
    #[case::unknown_capability(
        "hostCapabilities: [kubernetes/delete_resource]",
        "invalid policy metadata: hostCapabilities: \"kubernetes/delete_resource\" is not a host capability (known: kubernetes/list_resources_by_namespace, kubernetes/list_resources_all, kubernetes/get_resource, kubernetes/can_i, oci/v1/verify, oci/v2/verify, oci/v1/manifest_digest, oci/v1/oci_manifest, oci/v1/oci_manifest_config, net/v1/dns_lookup_host, crypto/v1/is_certificate_trusted; a namespace or version may end in /*)"
    )]
    #[case::bad_minimum_version(
        "minimumKubewardenVersion: one",
        "invalid policy metadata: minimumKubewardenVersion: \"one\": unexpected character 'o' while parsing major version number"
    )]
    #[case::unknown_execution_mode(
        "executionMode: wapc",
        "invalid policy metadata: executionMode: unknown variant `wapc`, expected one of `kubewarden-wapc`, `opa`, `gatekeeper`, `wasi` at line 1 column 16"
    )]
    fn invalid_metadata_is_refused_naming_the_field(#[case] yaml: &str, #[case] message: &str) {
        let error = Metadata::from_yaml(yaml).expect_err("invalid");
        assert_eq!(error.to_string(), message);
    }

    #[rstest]
    #[case("*", true)]
    #[case("kubernetes/*", true)]
    #[case("oci/v1/*", true)]
    #[case("oci/v1/oci_manifest", true)]
    #[case("oci*", false)]
    #[case("oci/v3/*", false)]
    #[case("kubernetes", false)]
    fn capability_patterns(#[case] pattern: &str, #[case] known: bool) {
        assert_eq!(is_known_capability_pattern(pattern), known);
    }
}
