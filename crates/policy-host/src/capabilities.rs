//! Host capabilities: the waPC host callback, its allow-lists, and the record of its exchanges.
//!
//! The dispatch mirrors policy-evaluator's `runtimes/callback.rs` (`host_callback`), in the same
//! order and with the same error texts, so a policy sees exactly what it would see under
//! policy-server:
//!
//! 1. a binding other than `kubewarden` → `unknown binding: <binding>`;
//! 2. `tracing/log` is always allowed (it is how the SDK logs) and answered with nothing;
//! 3. an unknown namespace → `unknown namespace: <ns>`, an unknown operation →
//!    `unknown operation: <op>`; the payload is parsed (a parse error is returned as is);
//! 4. the capability `<namespace>/<operation>` must be in the [`HostCapabilities`] allow-list →
//!    `Policy has not been granted access to the '<ns>/<op>' host capability. The violation has
//!    been reported.`;
//! 5. for `get_resource` / `list_resources_*`, the `apiVersion`/`kind` must be one of the policy's
//!    `contextAwareResources` → `Policy has not been granted access to Kubernetes
//!    <apiVersion>/<kind> resources. The violation has been reported.`;
//! 6. the request is answered from the [`ObjectStore`]; failures there are prefixed with
//!    `Callback evaluation failure: `, as policy-server's callback channel does.
//!
//! Capabilities that need the network or a cluster (`oci/*`, `net/*`, `crypto/*`,
//! `kubernetes/can_i`) pass the same gates, then are refused with a clear "not available"
//! message: an offline evaluation cannot answer them faithfully.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::selector::{FieldMask, FieldSelector, Selector};
use crate::store::{ListQuery, ObjectStore, Scope, kubernetes_list, masked};

/// A Kubernetes resource type a policy declares it reads (`contextAwareResources` in
/// `metadata.yml`): the metadata crate's type, so an annotated module's declaration is used as is.
pub use policy_metadata::ContextAwareResource;

/// The host capabilities a policy may call, as `<namespace>/<operation>` patterns (the format of
/// policy-evaluator's `HostCapabilitiesAllowList`): `*` allows everything, `kubernetes/*` a whole
/// namespace, `kubernetes/get_resource` one operation.
///
/// The default denies everything: a policy that declares nothing gets nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostCapabilities {
    allow_all: bool,
    prefixes: Vec<String>,
    exact: HashSet<String>,
}

/// An allow-list pattern that is not `*`, `<prefix>/*` or an exact capability path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid host capability pattern {pattern:?}: expected '*', '<namespace>/*' or '<namespace>/<operation>'"
)]
pub struct CapabilityPatternError {
    /// The pattern as given.
    pub pattern: String,
}

impl HostCapabilities {
    /// Allows every capability.
    #[must_use]
    pub fn allow_all() -> Self {
        Self {
            allow_all: true,
            ..Self::default()
        }
    }

    /// Denies every capability (the default).
    #[must_use]
    pub fn deny_all() -> Self {
        Self::default()
    }

    /// Parses allow-list patterns.
    pub fn new<I, S>(patterns: I) -> Result<Self, CapabilityPatternError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut allowed = Self::default();
        for pattern in patterns {
            let raw = pattern.as_ref();
            let trimmed = raw.trim();
            let error = || CapabilityPatternError {
                pattern: raw.to_owned(),
            };
            if trimmed == "*" {
                allowed.allow_all = true;
            } else if let Some(position) = trimmed.find('*') {
                let prefix = &trimmed[..position];
                if position != trimmed.len() - 1 || !prefix.ends_with('/') || prefix.len() < 2 {
                    return Err(error());
                }
                allowed.prefixes.push(prefix.to_owned());
            } else if trimmed.is_empty() || !trimmed.contains('/') {
                return Err(error());
            } else {
                allowed.exact.insert(trimmed.to_owned());
            }
        }
        Ok(allowed)
    }

    /// Whether `<namespace>/<operation>` is allowed.
    #[must_use]
    pub fn allows(&self, capability: &str) -> bool {
        self.allow_all
            || self.exact.contains(capability)
            || self.prefixes.iter().any(|p| capability.starts_with(p))
    }
}

impl fmt::Display for HostCapabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items: Vec<String> = Vec::new();
        if self.allow_all {
            items.push("*".to_owned());
        }
        items.extend(self.prefixes.iter().map(|p| format!("{p}*")));
        let mut exact: Vec<&String> = self.exact.iter().collect();
        exact.sort();
        items.extend(exact.into_iter().cloned());
        write!(f, "[{}]", items.join(", "))
    }
}

/// What a policy may see through host capabilities during an evaluation.
///
/// Cheap to clone: the object store is shared.
#[derive(Debug, Clone, Default)]
pub struct HostContext {
    /// The objects `kubernetes/*` calls are answered from.
    pub object_store: Arc<ObjectStore>,
    /// The resource types the policy may read (its `contextAwareResources`). Empty: none.
    pub context_aware_resources: BTreeSet<ContextAwareResource>,
    /// The capabilities the policy may call. Default: none.
    pub host_capabilities: HostCapabilities,
}

impl HostContext {
    /// A context that grants nothing and has no objects.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the object store.
    #[must_use]
    pub fn with_object_store(mut self, store: impl Into<Arc<ObjectStore>>) -> Self {
        self.object_store = store.into();
        self
    }

    /// Sets the resource types the policy may read.
    #[must_use]
    pub fn with_context_aware_resources(
        mut self,
        resources: impl IntoIterator<Item = ContextAwareResource>,
    ) -> Self {
        self.context_aware_resources = resources.into_iter().collect();
        self
    }

    /// Sets the capabilities the policy may call.
    #[must_use]
    pub fn with_host_capabilities(mut self, capabilities: HostCapabilities) -> Self {
        self.host_capabilities = capabilities;
        self
    }

    fn can_read(&self, api_version: &str, kind: &str) -> bool {
        self.context_aware_resources
            .contains(&ContextAwareResource::new(api_version, kind))
    }
}

/// One host-capability call of an evaluation and the host's answer, for inspection and replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostCallExchange {
    /// waPC binding (`kubewarden`).
    pub binding: String,
    /// waPC namespace (`kubernetes`, `oci`, ...).
    pub namespace: String,
    /// waPC operation (`get_resource`, ...).
    pub operation: String,
    /// The payload the guest sent: its JSON, or a string when it is not JSON.
    pub request: Value,
    /// What the host answered.
    pub response: HostCallOutcome,
}

/// The host's answer to a host call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum HostCallOutcome {
    /// The call succeeded; the payload as JSON (or a string when it is not JSON).
    Success {
        /// The answer.
        payload: Value,
    },
    /// The call failed; the guest received this text as the host error.
    Error {
        /// The error text.
        message: String,
    },
}

impl HostCallOutcome {
    /// The error text, for a failed call.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        match self {
            HostCallOutcome::Error { message } => Some(message),
            HostCallOutcome::Success { .. } => None,
        }
    }

    /// The answer, for a successful call.
    #[must_use]
    pub fn payload(&self) -> Option<&Value> {
        match self {
            HostCallOutcome::Success { payload } => Some(payload),
            HostCallOutcome::Error { .. } => None,
        }
    }
}

fn bytes_as_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

impl HostCallExchange {
    pub(crate) fn new(
        binding: &str,
        namespace: &str,
        operation: &str,
        payload: &[u8],
        answer: &Result<Vec<u8>, String>,
    ) -> Self {
        Self {
            binding: binding.to_owned(),
            namespace: namespace.to_owned(),
            operation: operation.to_owned(),
            request: bytes_as_json(payload),
            response: match answer {
                Ok(bytes) => HostCallOutcome::Success {
                    payload: bytes_as_json(bytes),
                },
                Err(message) => HostCallOutcome::Error {
                    message: message.clone(),
                },
            },
        }
    }
}

/// `get_resource` payload (kubewarden-policy-sdk 0.17 `GetResourceRequest`).
#[derive(Debug, Deserialize)]
struct GetResourceRequest {
    api_version: String,
    kind: String,
    name: String,
    namespace: Option<String>,
    /// Meaningless offline (there is no cache between the policy and the store), but part of
    /// the payload: required, as in the SDK type.
    #[allow(dead_code)]
    disable_cache: bool,
    field_masks: Option<BTreeSet<String>>,
}

/// `list_resources_by_namespace` payload (SDK `ListResourcesByNamespaceRequest`).
#[derive(Debug, Deserialize)]
struct ListResourcesByNamespaceRequest {
    api_version: String,
    kind: String,
    namespace: String,
    label_selector: Option<String>,
    field_selector: Option<String>,
    field_masks: Option<BTreeSet<String>>,
}

/// `list_resources_all` payload (SDK `ListAllResourcesRequest`).
#[derive(Debug, Deserialize)]
struct ListAllResourcesRequest {
    api_version: String,
    kind: String,
    label_selector: Option<String>,
    field_selector: Option<String>,
    field_masks: Option<BTreeSet<String>>,
}

/// A parsed host call, before the allow-list gates.
enum Call {
    GetResource(GetResourceRequest),
    ListByNamespace(ListResourcesByNamespaceRequest),
    ListAll(ListAllResourcesRequest),
    /// A capability this host knows but cannot serve offline.
    Unavailable,
}

impl Call {
    fn resource(&self) -> Option<(&str, &str)> {
        match self {
            Call::GetResource(r) => Some((&r.api_version, &r.kind)),
            Call::ListByNamespace(r) => Some((&r.api_version, &r.kind)),
            Call::ListAll(r) => Some((&r.api_version, &r.kind)),
            Call::Unavailable => None,
        }
    }
}

/// For the namespaces policy-server serves besides `kubernetes` and `tracing` (all of which need
/// the network, so this host cannot serve them): whether `operation` is one of theirs.
/// `None` for any other namespace.
fn is_known_operation(namespace: &str, operation: &str) -> Option<bool> {
    let known: &[&str] = match namespace {
        "oci" => &[
            "v1/verify",
            "v2/verify",
            "v1/manifest_digest",
            "v1/oci_manifest",
            "v1/oci_manifest_config",
        ],
        "net" => &["v1/dns_lookup_host"],
        "crypto" => &["v1/is_certificate_trusted"],
        _ => return None,
    };
    Some(known.contains(&operation))
}

fn parse<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<T, String> {
    serde_json::from_slice(payload).map_err(|e| e.to_string())
}

/// Answers one waPC host call. `Err` is the text the guest receives as the host error.
pub fn dispatch(
    context: &HostContext,
    binding: &str,
    namespace: &str,
    operation: &str,
    payload: &[u8],
) -> Result<Vec<u8>, String> {
    if binding != "kubewarden" {
        return Err(format!("unknown binding: {binding}"));
    }
    let call = match (namespace, operation) {
        ("tracing", "log") => return Ok(Vec::new()),
        ("tracing", _) => return Err(format!("unknown operation: {operation}")),
        ("kubernetes", "get_resource") => Call::GetResource(parse(payload)?),
        ("kubernetes", "list_resources_by_namespace") => Call::ListByNamespace(parse(payload)?),
        ("kubernetes", "list_resources_all") => Call::ListAll(parse(payload)?),
        ("kubernetes", "can_i") => Call::Unavailable,
        ("kubernetes", _) => return Err(format!("unknown operation: {operation}")),
        _ => match is_known_operation(namespace, operation) {
            Some(true) => Call::Unavailable,
            Some(false) => return Err(format!("unknown operation: {operation}")),
            None => return Err(format!("unknown namespace: {namespace}")),
        },
    };

    let capability = format!("{namespace}/{operation}");
    if !context.host_capabilities.allows(&capability) {
        return Err(format!(
            "Policy has not been granted access to the '{capability}' host capability. The violation has been reported."
        ));
    }
    if let Some((api_version, kind)) = call.resource()
        && !context.can_read(api_version, kind)
    {
        return Err(format!(
            "Policy has not been granted access to Kubernetes {api_version}/{kind} resources. The violation has been reported."
        ));
    }

    let store = &context.object_store;
    // The same question gets the same answer until the store changes.
    let answer = store.cached_answer(&capability, payload, || match call {
        Call::GetResource(request) => get_resource(store, request),
        Call::ListByNamespace(request) => list_by_namespace(store, request),
        Call::ListAll(request) => list_all(store, request),
        Call::Unavailable => Err(format!(
            "the '{capability}' host capability is not available: this host evaluates policies offline, against an in-memory object store"
        )),
    });
    match answer.as_ref() {
        Ok(bytes) => Ok(bytes.clone()),
        Err(e) => Err(format!("Callback evaluation failure: {e}")),
    }
}

fn field_mask(masks: Option<&BTreeSet<String>>) -> Option<FieldMask> {
    masks
        .filter(|m| !m.is_empty())
        .map(|m| FieldMask::new(m.iter()))
}

fn to_bytes(value: &Value) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| format!("cannot serialise the answer: {e}"))
}

fn get_resource(store: &ObjectStore, request: GetResourceRequest) -> Result<Vec<u8>, String> {
    let GetResourceRequest {
        api_version,
        kind,
        name,
        namespace,
        field_masks,
        ..
    } = request;
    let namespace = match store.scope(&api_version, &kind) {
        Scope::Namespaced if namespace.is_none() => {
            return Err(format!(
                "Resource {api_version}/{kind} is namespaced, but no namespace was provided"
            ));
        }
        // As the API server does for cluster-scoped resources, ignore a namespace.
        Scope::Cluster => None,
        _ => namespace,
    };
    let object = store
        .get(&api_version, &kind, namespace.as_deref(), &name)
        .ok_or_else(|| {
            format!(
                "Cannot find {api_version}/{kind} named '{name}' inside of namespace '{:?}'",
                namespace.as_deref()
            )
        })?;
    to_bytes(&masked(object, field_mask(field_masks.as_ref()).as_ref()))
}

struct Selectors {
    labels: Option<Selector>,
    fields: Option<FieldSelector>,
}

fn selectors(labels: Option<&str>, fields: Option<&str>) -> Result<Selectors, String> {
    Ok(Selectors {
        labels: labels
            .map(Selector::parse)
            .transpose()
            .map_err(|e| e.to_string())?,
        fields: fields
            .map(FieldSelector::parse)
            .transpose()
            .map_err(|e| e.to_string())?,
    })
}

fn list(
    store: &ObjectStore,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    selectors: &Selectors,
    masks: Option<&BTreeSet<String>>,
) -> Result<Vec<u8>, String> {
    let mask = field_mask(masks);
    let query = ListQuery {
        namespace,
        label_selector: selectors.labels.as_ref(),
        field_selector: selectors.fields.as_ref(),
    };
    let items = store
        .list(api_version, kind, query)
        .map(|object| masked(object, mask.as_ref()))
        .collect();
    to_bytes(&kubernetes_list(api_version, kind, items))
}

fn list_by_namespace(
    store: &ObjectStore,
    request: ListResourcesByNamespaceRequest,
) -> Result<Vec<u8>, String> {
    let ListResourcesByNamespaceRequest {
        api_version,
        kind,
        namespace,
        label_selector,
        field_selector,
        field_masks,
    } = request;
    if store.scope(&api_version, &kind) == Scope::Cluster {
        return Err(format!(
            "resource {api_version}/{kind} is cluster wide. Cannot search for it inside of a namespace"
        ));
    }
    let selectors = selectors(label_selector.as_deref(), field_selector.as_deref())?;
    list(
        store,
        &api_version,
        &kind,
        Some(&namespace),
        &selectors,
        field_masks.as_ref(),
    )
}

fn list_all(store: &ObjectStore, request: ListAllResourcesRequest) -> Result<Vec<u8>, String> {
    let selectors = selectors(
        request.label_selector.as_deref(),
        request.field_selector.as_deref(),
    )?;
    list(
        store,
        &request.api_version,
        &request.kind,
        None,
        &selectors,
        request.field_masks.as_ref(),
    )
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    fn context(capabilities: &[&str], resources: &[(&str, &str)]) -> HostContext {
        let store = ObjectStore::from_objects([json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cm", "namespace": "ns"}, "data": {"a": "1"}
        })])
        .expect("valid objects");
        HostContext::new()
            .with_object_store(store)
            .with_host_capabilities(HostCapabilities::new(capabilities).expect("valid patterns"))
            .with_context_aware_resources(
                resources
                    .iter()
                    .map(|(api_version, kind)| ContextAwareResource::new(*api_version, *kind)),
            )
    }

    const GET_CM: &str = r#"{"api_version":"v1","kind":"ConfigMap","name":"cm","namespace":"ns","disable_cache":false}"#;

    #[rstest]
    #[case::unknown_binding(
        "other",
        "kubernetes",
        "get_resource",
        GET_CM,
        "unknown binding: other"
    )]
    #[case::unknown_namespace("kubewarden", "storage", "get", "{}", "unknown namespace: storage")]
    #[case::unknown_operation(
        "kubewarden",
        "kubernetes",
        "delete",
        "{}",
        "unknown operation: delete"
    )]
    #[case::unknown_oci_operation("kubewarden", "oci", "v9/x", "{}", "unknown operation: v9/x")]
    #[case::bad_payload(
        "kubewarden",
        "kubernetes",
        "get_resource",
        r#"{"kind":"ConfigMap"}"#,
        "missing field `api_version`"
    )]
    #[case::capability_denied(
        "kubewarden",
        "kubernetes",
        "list_resources_all",
        r#"{"api_version":"v1","kind":"ConfigMap"}"#,
        "Policy has not been granted access to the 'kubernetes/list_resources_all' host capability. The violation has been reported."
    )]
    #[case::resource_denied(
        "kubewarden",
        "kubernetes",
        "get_resource",
        r#"{"api_version":"v1","kind":"Secret","name":"s","namespace":"ns","disable_cache":false}"#,
        "Policy has not been granted access to Kubernetes v1/Secret resources. The violation has been reported."
    )]
    #[case::unavailable(
        "kubewarden",
        "oci",
        "v1/manifest_digest",
        r#""busybox""#,
        "Callback evaluation failure: the 'oci/v1/manifest_digest' host capability is not available"
    )]
    fn refusals(
        #[case] binding: &str,
        #[case] namespace: &str,
        #[case] operation: &str,
        #[case] payload: &str,
        #[case] expected: &str,
    ) {
        let context = context(
            &["kubernetes/get_resource", "oci/*"],
            &[("v1", "ConfigMap")],
        );
        let error = dispatch(&context, binding, namespace, operation, payload.as_bytes())
            .expect_err("refused");
        assert!(error.contains(expected), "{error}");
    }

    #[test]
    fn tracing_log_is_always_allowed() {
        let context = HostContext::new();
        assert_eq!(
            dispatch(&context, "kubewarden", "tracing", "log", b"{}"),
            Ok(Vec::new())
        );
    }

    #[test]
    fn get_resource_answers_from_the_store() {
        let context = context(&["kubernetes/*"], &[("v1", "ConfigMap")]);
        let answer = dispatch(
            &context,
            "kubewarden",
            "kubernetes",
            "get_resource",
            GET_CM.as_bytes(),
        )
        .expect("allowed");
        let object: Value = serde_json::from_slice(&answer).expect("JSON");
        assert_eq!(object["data"], json!({"a": "1"}));
    }

    #[test]
    fn get_resource_of_cluster_scoped_types_ignores_the_namespace() {
        let store = ObjectStore::from_objects([
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}}),
        ])
        .expect("valid objects");
        let context = HostContext::new()
            .with_object_store(store)
            .with_host_capabilities(HostCapabilities::allow_all())
            .with_context_aware_resources([
                ContextAwareResource::new("v1", "Namespace"),
                ContextAwareResource::new("v1", "ConfigMap"),
            ]);
        let get = |payload: &str| {
            dispatch(
                &context,
                "kubewarden",
                "kubernetes",
                "get_resource",
                payload.as_bytes(),
            )
        };
        let found = get(
            r#"{"api_version":"v1","kind":"Namespace","name":"ns","namespace":"x","disable_cache":false}"#,
        )
        .expect("found");
        assert_eq!(
            serde_json::from_slice::<Value>(&found).expect("JSON")["metadata"]["name"],
            "ns"
        );
        let missing = get(
            r#"{"api_version":"v1","kind":"ConfigMap","name":"cm","namespace":null,"disable_cache":false}"#,
        );
        assert_eq!(
            missing,
            Err("Callback evaluation failure: Cannot find v1/ConfigMap named 'cm' inside of namespace 'None'".to_owned())
        );
    }

    #[rstest]
    #[case::star(&["*"], "net/v1/dns_lookup_host", true)]
    #[case::prefix(&["oci/*"], "oci/v2/verify", true)]
    #[case::prefix_other(&["oci/*"], "net/v1/dns_lookup_host", false)]
    #[case::versioned_prefix(&["oci/v2/*"], "oci/v1/verify", false)]
    #[case::exact(&["kubernetes/get_resource"], "kubernetes/get_resource", true)]
    #[case::exact_other(&["kubernetes/get_resource"], "kubernetes/list_resources_all", false)]
    #[case::none(&[], "kubernetes/get_resource", false)]
    fn capability_patterns(
        #[case] patterns: &[&str],
        #[case] capability: &str,
        #[case] allowed: bool,
    ) {
        let capabilities = HostCapabilities::new(patterns).expect("valid patterns");
        assert_eq!(capabilities.allows(capability), allowed);
    }

    #[rstest]
    #[case("oci*")]
    #[case("oci/v1/oci_*")]
    #[case("*/oci")]
    #[case("")]
    #[case("kubernetes")]
    fn invalid_capability_patterns(#[case] pattern: &str) {
        assert!(HostCapabilities::new([pattern]).is_err(), "{pattern}");
    }
}
