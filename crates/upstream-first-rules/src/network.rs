//! The require-network-policy rule around [`crate::selector`]: the pod labels of a
//! pod-producing object, the NetworkPolicies of its namespace read through the host, and
//! the violation (with a minimal NetworkPolicy to add) when they do not cover it.
//!
//! Selection and `policyTypes` defaulting live in [`NetworkPolicyCoverage`]; this module only
//! feeds it and words the answer.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use kubewarden_policy_sdk::Error as SdkError;
use kubewarden_policy_sdk::host_capabilities::kubernetes::ListResourcesByNamespaceRequest;
use kubewarden_policy_sdk::wapc_guest;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::evaluation::Violation;
use crate::podspec::{ObjectError, ObjectMeta, WorkloadKind, object_metadata};
use crate::selector::{
    CompiledNetworkPolicies, Labels, NETWORK_POLICY_API_VERSION, NETWORK_POLICY_GROUP,
    NETWORK_POLICY_KIND, NetworkPolicyCoverage, PolicyType, minimal_network_policy_yaml,
};

/// What the rule reads of a NetworkPolicy. `metadata` always comes whole (the host never
/// masks it); `spec.egress` is kept whole because only a non-empty list there adds `Egress`
/// to the defaulted policy types, and a narrower path would depend on how the host prunes
/// list items.
pub const NETWORK_POLICY_FIELD_MASKS: [&str; 5] = [
    "metadata.name",
    "metadata.namespace",
    "spec.podSelector",
    "spec.policyTypes",
    "spec.egress",
];
/// The host capability the rule calls (declared in the policy's `metadata.yml`).
pub const LIST_CAPABILITY: &str = "kubernetes/list_resources_by_namespace";
/// Prefix of the key of every violation of the rule.
pub const VIOLATION_KEY_PREFIX: &str = "network-policy";
/// Shown instead of the pod labels when the pod template has none.
pub const NO_LABELS: &str = "no labels";
/// Introduces the suggested NetworkPolicy in a violation message.
pub const ADD_POLICY_HINT: &str = "add a NetworkPolicy that selects them, for example:";

/// The metadata of a pod-producing object and the labels its pods get.
#[derive(Debug, Clone, PartialEq)]
pub struct PodTemplate {
    pub kind: WorkloadKind,
    pub metadata: ObjectMeta,
    /// The pod template's labels (the object's own labels for a Pod).
    pub pod_labels: Labels,
}

impl PodTemplate {
    /// Reads the object's metadata and its pod template's labels, nothing else, so fields
    /// the rule does not use never fail a decision. `Ok(None)` for kinds that make no pods.
    pub fn from_object(kind: &str, object: &Value) -> Result<Option<Self>, ObjectError> {
        let Some(kind) = WorkloadKind::from_kind(kind) else {
            return Ok(None);
        };
        let metadata = object_metadata(object)?;
        let template_path = kind.template_path();
        let pod_labels = if template_path.is_empty() {
            metadata.labels.clone()
        } else {
            template_path
                .iter()
                .try_fold(object, |value, key| value.get(key))
                .map(object_metadata)
                .transpose()
                .map_err(|e| ObjectError {
                    path: format!("{}.{}", template_path.join("."), e.path),
                    message: e.message,
                })?
                .map(|template| template.labels)
                .unwrap_or_default()
        };
        Ok(Some(PodTemplate {
            kind,
            metadata,
            pod_labels,
        }))
    }

    /// Whether another controller manages this object (a CronJob's Jobs, a Deployment's
    /// ReplicaSets, an operator's Pods): its owner was judged instead.
    pub fn has_controller(&self) -> bool {
        self.metadata
            .owner_references
            .iter()
            .any(|owner| owner.controller == Some(true))
    }
}

/// A Kubernetes NetworkPolicy kept as raw JSON, so the selector code sees exactly what the
/// host returned (and reports a malformed policy instead of failing the whole list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawNetworkPolicy(pub Value);

impl k8s_openapi::Resource for RawNetworkPolicy {
    const API_VERSION: &'static str = NETWORK_POLICY_API_VERSION;
    const GROUP: &'static str = NETWORK_POLICY_GROUP;
    const KIND: &'static str = NETWORK_POLICY_KIND;
    const VERSION: &'static str = "v1";
    const URL_PATH_SEGMENT: &'static str = "networkpolicies";
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::ListableResource for RawNetworkPolicy {
    const LIST_KIND: &'static str = "NetworkPolicyList";
}

/// The host request listing the NetworkPolicies of `namespace`, masked to what the rule reads.
pub fn list_request(namespace: &str) -> ListResourcesByNamespaceRequest {
    ListResourcesByNamespaceRequest {
        api_version: NETWORK_POLICY_API_VERSION.to_owned(),
        kind: NETWORK_POLICY_KIND.to_owned(),
        namespace: namespace.to_owned(),
        label_selector: None,
        field_selector: None,
        field_masks: Some(
            NETWORK_POLICY_FIELD_MASKS
                .iter()
                .map(|mask| (*mask).to_owned())
                .collect(),
        ),
    }
}

/// The host operation that lists a namespace's resources.
const LIST_OPERATION: &str = "list_resources_by_namespace";

thread_local! {
    /// The last answer of the host and its compiled policies. A policy instance evaluates many
    /// requests (policy-server reuses instances, the scanner runs one per thread) and a
    /// namespace's NetworkPolicies rarely change between two of them: parsing and compiling
    /// N policies on every evaluation made a namespace with N workloads cost N². The answer is
    /// compared byte for byte, so a changed answer is never mistaken for the kept one; one
    /// answer is kept, so memory stays bounded.
    static LAST_ANSWER: RefCell<Option<(Vec<u8>, Rc<CompiledNetworkPolicies>)>> =
        const { RefCell::new(None) };
}

/// The NetworkPolicies of `namespace`, through the host's `list_resources_by_namespace`,
/// compiled for evaluation (reused while the host's answer stays the same). Only meaningful
/// inside a policy module: elsewhere there is no host to answer. Errors read as the SDK's.
pub fn list_network_policies(namespace: &str) -> Result<Rc<CompiledNetworkPolicies>, String> {
    let request = serde_json::to_vec(&list_request(namespace)).map_err(|e| {
        SdkError::Serialization {
            context: "list resources by namespace request".to_owned(),
            source: e,
        }
        .to_string()
    })?;
    let answer = wapc_guest::host_call("kubewarden", "kubernetes", LIST_OPERATION, &request)
        .map_err(|e| {
            SdkError::HostCall {
                operation: format!("kubernetes.{LIST_OPERATION}"),
                source: e,
            }
            .to_string()
        })?;
    compiled_answer(answer)
}

/// Whether two answers are the same bytes, compared eight at a time: on wasm32 a slice
/// comparison is a byte loop (compiler-builtins' `memcmp`), which made comparing a namespace's
/// 150 KB answer cost more than evaluating its policies.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a_words, b_words) = (a.chunks_exact(8), b.chunks_exact(8));
    let tails_equal = a_words.remainder() == b_words.remainder();
    tails_equal
        && a_words.zip(b_words).all(|(x, y)| {
            u64::from_ne_bytes(x.try_into().unwrap_or_default())
                == u64::from_ne_bytes(y.try_into().unwrap_or_default())
        })
}

/// The compiled policies of a host answer: the kept ones when the answer is the last one.
fn compiled_answer(answer: Vec<u8>) -> Result<Rc<CompiledNetworkPolicies>, String> {
    let kept = LAST_ANSWER.with_borrow(|last| {
        last.as_ref()
            .filter(|(bytes, _)| same_bytes(bytes, &answer))
            .map(|(_, compiled)| Rc::clone(compiled))
    });
    if let Some(compiled) = kept {
        return Ok(compiled);
    }
    let list: k8s_openapi::List<RawNetworkPolicy> =
        serde_json::from_slice(&answer).map_err(|e| {
            SdkError::Deserialization {
                context: "list resources by namespace response".to_owned(),
                source: e,
            }
            .to_string()
        })?;
    let compiled = Rc::new(CompiledNetworkPolicies::compile(
        list.items.iter().map(|policy| &policy.0),
    ));
    LAST_ANSWER.set(Some((answer, Rc::clone(&compiled))));
    Ok(compiled)
}

/// The message when the host cannot list the NetworkPolicies (capability refused, resource
/// not declared, API server unreachable): the request is rejected with it, never trapped.
pub fn list_error_message(object: &str, namespace: &str, error: &str) -> String {
    format!("{object}: cannot list the NetworkPolicies of namespace {namespace}: {error}")
}

/// The violation of a pod-producing object whose pods the NetworkPolicies of its namespace do
/// not cover for every `required` type; `None` when they do.
///
/// `object` names the workload (`Kind namespace/name`), `name_hint` names the suggested
/// NetworkPolicy. The key is the missing types, so an UPDATE that leaves coverage as it was
/// keeps its old violation.
pub fn uncovered_pods(
    object: &str,
    namespace: &str,
    name_hint: &str,
    pod_labels: &Labels,
    required: &[PolicyType],
    coverage: &NetworkPolicyCoverage,
) -> Option<Violation> {
    let missing = coverage.missing(required);
    if missing.is_empty() {
        return None;
    }
    let mut message = format!(
        "{object}: no NetworkPolicy of namespace {namespace} covers {} for its pods ({})",
        join_types(&missing),
        describe_labels(pod_labels)
    );
    if !coverage.selecting.is_empty() {
        message.push_str(&format!(
            "; selected by {} covering only {}",
            coverage.selecting.join(", "),
            join_types(&coverage.covered)
        ));
    }
    for malformed in &coverage.malformed {
        message.push_str(&format!("; ignored malformed {malformed}"));
    }
    message.push_str("; ");
    message.push_str(ADD_POLICY_HINT);
    message.push('\n');
    message.push_str(
        minimal_network_policy_yaml(namespace, name_hint, pod_labels, &missing).trim_end(),
    );
    Some(Violation {
        key: format!("{VIOLATION_KEY_PREFIX}/{}", join_keys(&missing)),
        message,
    })
}

/// `labels app=web,tier=frontend` (the `kubectl -l` syntax), or [`NO_LABELS`].
fn describe_labels(labels: &Labels) -> String {
    if labels.is_empty() {
        return NO_LABELS.to_owned();
    }
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("labels {}", pairs.join(","))
}

/// `Ingress`, `Egress`, or `Ingress and Egress`.
fn join_types(types: &BTreeSet<PolicyType>) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(" and ")
}

fn join_keys(types: &BTreeSet<PolicyType>) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    use PolicyType::{Egress, Ingress};

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn np(name: &str, spec: Value) -> Value {
        json!({"metadata": {"name": name, "namespace": "shop"}, "spec": spec})
    }

    fn violation(policies: &[Value], pod: &Labels, required: &[PolicyType]) -> Option<Violation> {
        let coverage = NetworkPolicyCoverage::evaluate("shop", pod, policies);
        uncovered_pods(
            "Deployment shop/web",
            "shop",
            "web",
            pod,
            required,
            &coverage,
        )
    }

    #[rstest]
    #[case::deployment("Deployment", json!({"metadata": {"labels": {"team": "a"}}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}), &[("app", "web")])]
    #[case::cronjob("CronJob", json!({"spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "report"}}}}}}}), &[("app", "report")])]
    #[case::pod("Pod", json!({"metadata": {"labels": {"app": "web"}}}), &[("app", "web")])]
    #[case::no_template("Deployment", json!({"spec": {}}), &[])]
    #[case::null_template_metadata("Job", json!({"spec": {"template": {"metadata": null}}}), &[])]
    #[case::unread_fields_do_not_matter("StatefulSet", json!({"spec": {"template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": "not a list"}}}}), &[("app", "db")])]
    fn pod_labels_come_from_the_template(
        #[case] kind: &str,
        #[case] object: Value,
        #[case] expected: &[(&str, &str)],
    ) {
        let template = PodTemplate::from_object(kind, &object)
            .expect("readable")
            .expect("pod-producing");
        assert_eq!(template.pod_labels, labels(expected));
    }

    #[test]
    fn kinds_without_pods_are_none() {
        assert_eq!(PodTemplate::from_object("Service", &json!({})), Ok(None));
    }

    #[rstest]
    #[case::template_labels(
        "Deployment",
        json!({"spec": {"template": {"metadata": {"labels": {"app": 1}}}}}),
        "spec.template.metadata.labels.app"
    )]
    #[case::cronjob_template(
        "CronJob",
        json!({"spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": []}}}}}}),
        "spec.jobTemplate.spec.template.metadata.labels"
    )]
    #[case::owner_references(
        "Job",
        json!({"metadata": {"ownerReferences": {}}}),
        "metadata.ownerReferences"
    )]
    fn unreadable_metadata_names_the_path(
        #[case] kind: &str,
        #[case] object: Value,
        #[case] path: &str,
    ) {
        let error = PodTemplate::from_object(kind, &object).expect_err("unreadable");
        assert_eq!(error.path, path);
    }

    #[rstest]
    #[case::controller(json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly", "controller": true}]), true)]
    #[case::not_controller(json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "x"}]), false)]
    #[case::controller_false(json!([{"kind": "CronJob", "name": "nightly", "controller": false}]), false)]
    #[case::none(json!([]), false)]
    fn controller_owner(#[case] owners: Value, #[case] expected: bool) {
        let object = json!({"metadata": {"ownerReferences": owners}});
        let template = PodTemplate::from_object("Job", &object)
            .expect("readable")
            .expect("pod-producing");
        assert_eq!(template.has_controller(), expected);
    }

    #[test]
    fn a_repeated_host_answer_reuses_its_compiled_policies() {
        let list = |name: &str| {
            serde_json::to_vec(&json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicyList",
                "metadata": {},
                "items": [{"metadata": {"name": name, "namespace": "shop"},
                           "spec": {"podSelector": {"matchLabels": {"app": "web"}}}}]
            }))
            .expect("serialisable")
        };
        let first = compiled_answer(list("web")).expect("an answer");
        let again = compiled_answer(list("web")).expect("an answer");
        assert!(Rc::ptr_eq(&first, &again));
        let changed = compiled_answer(list("web-v2")).expect("an answer");
        assert!(!Rc::ptr_eq(&first, &changed));
        let coverage =
            NetworkPolicyCoverage::evaluate_compiled("shop", &labels(&[("app", "web")]), &changed);
        assert_eq!(coverage.selecting, ["web-v2"]);
        assert_eq!(
            compiled_answer(b"not json".to_vec()).unwrap_err(),
            "error deserializing list resources by namespace response: expected ident at line 1 column 2"
        );
    }

    #[test]
    fn list_request_is_masked_to_what_the_rule_reads() {
        let request = serde_json::to_value(list_request("shop")).expect("serialisable");
        assert_eq!(
            request,
            json!({
                "api_version": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "namespace": "shop",
                "label_selector": null,
                "field_selector": null,
                "field_masks": ["metadata.name", "metadata.namespace", "spec.egress", "spec.podSelector", "spec.policyTypes"]
            })
        );
    }

    #[test]
    fn host_list_reads_as_raw_policies() {
        let answer = json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicyList", "metadata": {},
            "items": [np("deny-all", json!({"podSelector": {}})), np("odd", json!({"podSelector": 3}))]
        });
        let list: k8s_openapi::List<RawNetworkPolicy> =
            serde_json::from_value(answer).expect("a NetworkPolicyList");
        assert_eq!(list.items.len(), 2);
        assert_eq!(list.items[1].0["spec"]["podSelector"], json!(3));
    }

    #[rstest]
    #[case::deny_all(vec![np("deny-all", json!({"podSelector": {}}))], &[Ingress])]
    #[case::union(vec![
        np("ingress", json!({"podSelector": {"matchLabels": {"app": "web"}}})),
        np("egress", json!({"podSelector": {}, "policyTypes": ["Egress"]})),
    ], &[Ingress, Egress])]
    fn covered_pods_have_no_violation(
        #[case] policies: Vec<Value>,
        #[case] required: &[PolicyType],
    ) {
        assert_eq!(
            violation(&policies, &labels(&[("app", "web")]), required),
            None
        );
    }

    #[test]
    fn uncovered_pods_get_the_labels_and_a_minimal_policy() {
        let found = violation(
            &[],
            &labels(&[("app", "web"), ("tier", "front")]),
            &[Ingress],
        )
        .expect("a violation");
        assert_eq!(found.key, "network-policy/Ingress");
        assert_eq!(
            found.message,
            "Deployment shop/web: no NetworkPolicy of namespace shop covers Ingress for its pods (labels app=web,tier=front); add a NetworkPolicy that selects them, for example:
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-default
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
      tier: front
  policyTypes:
  - Ingress"
        );
    }

    #[test]
    fn partial_coverage_names_the_selecting_policies_and_suggests_only_the_missing_type() {
        let policies = [
            np(
                "egress-only",
                json!({"podSelector": {}, "policyTypes": ["Egress"]}),
            ),
            np(
                "broken",
                json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "Like"}]}}),
            ),
        ];
        let found = violation(&policies, &labels(&[]), &[Ingress, Egress]).expect("a violation");
        assert_eq!(found.key, "network-policy/Ingress");
        assert_eq!(
            found.message,
            "Deployment shop/web: no NetworkPolicy of namespace shop covers Ingress for its pods (no labels); selected by egress-only covering only Egress; ignored malformed NetworkPolicy \"broken\": spec.podSelector: invalid label selector requirement on key \"app\": \"Like\" is not a valid label selector operator (expected one of In, NotIn, Exists, DoesNotExist); add a NetworkPolicy that selects them, for example:
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-default
  namespace: shop
spec:
  podSelector: {}
  policyTypes:
  - Ingress"
        );
    }

    #[test]
    fn both_types_missing_are_one_violation() {
        let found =
            violation(&[], &labels(&[("app", "web")]), &[Egress, Ingress]).expect("a violation");
        assert_eq!(found.key, "network-policy/Ingress,Egress");
        assert!(found.message.starts_with(
            "Deployment shop/web: no NetworkPolicy of namespace shop covers Ingress and Egress for its pods (labels app=web); add"
        ));
        assert!(
            found
                .message
                .ends_with("  policyTypes:\n  - Ingress\n  - Egress")
        );
    }

    #[test]
    fn list_errors_name_the_object_and_namespace() {
        assert_eq!(
            list_error_message("Deployment shop/web", "shop", "host says no"),
            "Deployment shop/web: cannot list the NetworkPolicies of namespace shop: host says no"
        );
    }
}
