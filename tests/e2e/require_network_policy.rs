//! require-network-policy, end to end: the built `.wasm` evaluated through the policy host,
//! with the NetworkPolicies in the host's object store and the access the policy's
//! `metadata.yml` declares.

use std::path::Path;

use e2e_tests::{Policy, admission_request, module};
use policy_host::{
    AdmissionResponse, ContextAwareResource, HostCapabilities, HostContext, ObjectStore,
};
use rstest::rstest;
use serde_json::{Value, json};

const POLICY: &str = "require-network-policy";

/// The suggestion shown for `Deployment shop/web` with pod labels `app=web`, missing Ingress.
const WEB_INGRESS_POLICY: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-default
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes:
  - Ingress";

const HOST_REFUSED: &str = "Deployment shop/web: cannot list the NetworkPolicies of namespace shop: error invoking host capability kubernetes.list_resources_by_namespace: Host error: ";

/// `contextAwareResources` and `hostCapabilities` as the policy's `metadata.yml` declares them.
fn declared_access() -> (Vec<ContextAwareResource>, HostCapabilities) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../policies/require-network-policy/metadata.yml");
    let text = std::fs::read_to_string(&path).expect("metadata.yml");
    let metadata: Value = serde_yaml_ng::from_str(&text).expect("metadata.yml is YAML");
    let resources = serde_json::from_value(metadata["contextAwareResources"].clone())
        .expect("contextAwareResources");
    let capabilities: Vec<String> =
        serde_json::from_value(metadata["hostCapabilities"].clone()).expect("hostCapabilities");
    (
        resources,
        HostCapabilities::new(capabilities).expect("valid capability patterns"),
    )
}

fn context(objects: Vec<Value>) -> HostContext {
    let (resources, capabilities) = declared_access();
    HostContext::new()
        .with_object_store(ObjectStore::from_objects(objects).expect("valid objects"))
        .with_context_aware_resources(resources)
        .with_host_capabilities(capabilities)
}

fn np(namespace: &str, name: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    })
}

fn deny_all(namespace: &str) -> Value {
    np(namespace, "deny-all", json!({"podSelector": {}}))
}

fn deployment(namespace: &str, name: &str, pod_labels: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {"containers": [{"name": name, "image": "registry.corp/shop/web:1.4.2"}]}
            }
        }
    })
}

fn web() -> Value {
    deployment("shop", "web", json!({"app": "web"}))
}

fn evaluate(store: Vec<Value>, object: &Value, settings: Value) -> AdmissionResponse {
    Policy::with_context(POLICY, context(store))
        .validate(admission_request("CREATE", object, None), settings)
}

fn uncovered_web(missing: &str) -> String {
    format!(
        "Deployment shop/web: no NetworkPolicy of namespace shop covers {missing} for its pods (labels app=web); add a NetworkPolicy that selects them, for example:\n{WEB_INGRESS_POLICY}"
    )
}

#[test]
fn workload_without_network_policy_is_rejected_with_a_minimal_policy() {
    let response = evaluate(vec![], &web(), json!({}));
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(uncovered_web("Ingress").as_str()));
    assert_eq!(response.code(), None);
}

#[test]
fn policy_in_another_namespace_does_not_count() {
    let store = vec![deny_all("payments"), web()];
    let response = evaluate(store, &web(), json!({}));
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(uncovered_web("Ingress").as_str()));
}

#[test]
fn empty_pod_selector_selects_every_pod() {
    let unlabelled = deployment("shop", "web", json!({}));
    for object in [web(), unlabelled] {
        let response = evaluate(vec![deny_all("shop")], &object, json!({}));
        assert!(response.allowed, "{:?}", response.message());
        assert_eq!(response.warnings, None);
    }
}

#[rstest]
#[case::match_labels(json!({"matchLabels": {"app": "web"}}), true)]
#[case::match_labels_other(json!({"matchLabels": {"app": "api"}}), false)]
#[case::not_in_other_values(json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["api", "worker"]}]}), true)]
#[case::not_in_own_value(json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}), false)]
#[case::not_in_absent_key(json!({"matchExpressions": [{"key": "canary", "operator": "NotIn", "values": ["true"]}]}), true)]
#[case::does_not_exist_absent(json!({"matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}), true)]
#[case::does_not_exist_present(json!({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}), false)]
#[case::in_values(json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}), true)]
#[case::exists(json!({"matchExpressions": [{"key": "app", "operator": "Exists"}]}), true)]
#[case::labels_and_expressions_together(json!({
    "matchLabels": {"app": "web"},
    "matchExpressions": [{"key": "tier", "operator": "In", "values": ["frontend"]}]
}), false)]
fn selection_follows_kubernetes(#[case] pod_selector: Value, #[case] selects: bool) {
    let store = vec![np("shop", "ingress", json!({"podSelector": pod_selector}))];
    let response = evaluate(store, &web(), json!({}));
    assert_eq!(response.allowed, selects, "{:?}", response.message());
    if !selects {
        assert_eq!(response.message(), Some(uncovered_web("Ingress").as_str()));
    }
}

#[test]
fn egress_only_policy_does_not_give_ingress() {
    let store = vec![np(
        "shop",
        "egress-only",
        json!({"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"], "egress": [{}]}),
    )];
    let response = evaluate(store, &web(), json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(format!(
            "Deployment shop/web: no NetworkPolicy of namespace shop covers Ingress for its pods (labels app=web); selected by egress-only covering only Egress; add a NetworkPolicy that selects them, for example:\n{WEB_INGRESS_POLICY}"
        ).as_str())
    );
}

#[rstest]
#[case::union_of_two(vec![
    np("shop", "ingress-web", json!({"podSelector": {"matchLabels": {"app": "web"}}})),
    np("shop", "egress-all", json!({"podSelector": {}, "policyTypes": ["Egress"]})),
])]
#[case::egress_rules_default_both(vec![
    np("shop", "web", json!({"podSelector": {"matchLabels": {"app": "web"}}, "egress": [{"to": [{"podSelector": {}}]}]})),
])]
#[case::explicit_both(vec![
    np("shop", "deny-all", json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})),
])]
fn strict_settings_accept_full_coverage(#[case] store: Vec<Value>) {
    let response = evaluate(
        store,
        &web(),
        json!({"requiredPolicyTypes": ["Ingress", "Egress"]}),
    );
    assert!(response.allowed, "{:?}", response.message());
}

#[test]
fn strict_settings_reject_ingress_only_coverage_and_suggest_egress() {
    let response = evaluate(
        vec![deny_all("shop")],
        &web(),
        json!({"requiredPolicyTypes": ["Ingress", "Egress"]}),
    );
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "Deployment shop/web: no NetworkPolicy of namespace shop covers Egress for its pods (labels app=web); selected by deny-all covering only Ingress; add a NetworkPolicy that selects them, for example:
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-default
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes:
  - Egress"
        )
    );
}

#[test]
fn legacy_namespace_annotation_is_not_a_network_policy() {
    let namespace = json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "shop",
            "annotations": {"net.beta.kubernetes.io/network-policy": "{\"ingress\":{\"isolation\":\"DefaultDeny\"}}"}
        }
    });
    let (mut resources, capabilities) = declared_access();
    resources.push(ContextAwareResource::new("v1", "Namespace"));
    let context = HostContext::new()
        .with_object_store(ObjectStore::from_objects([namespace]).expect("valid objects"))
        .with_context_aware_resources(resources)
        .with_host_capabilities(capabilities);
    let response = Policy::with_context(POLICY, context)
        .validate(admission_request("CREATE", &web(), None), json!({}));
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(uncovered_web("Ingress").as_str()));
}

fn cronjob() -> Value {
    json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly-report", "namespace": "shop"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {"spec": {"template": {
                "metadata": {"labels": {"app": "report"}},
                "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "report", "image": "registry.corp/shop/report:2"}]}
            }}}
        }
    })
}

#[test]
fn cronjob_is_judged_and_its_jobs_are_skipped() {
    let response = evaluate(vec![], &cronjob(), json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "CronJob shop/nightly-report: no NetworkPolicy of namespace shop covers Ingress for its pods (labels app=report); add a NetworkPolicy that selects them, for example:
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: nightly-report-default
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: report
  policyTypes:
  - Ingress"
        )
    );

    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "nightly-report-29012345", "namespace": "shop",
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly-report",
                                 "uid": "0b7c6f0e-1c1b-4c59-9d6e-5b1f1f7f5a10", "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {"template": {
            "metadata": {"labels": {"app": "report"}},
            "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "report", "image": "registry.corp/shop/report:2"}]}
        }}
    });
    let mut evaluator = module(POLICY).evaluator(context(vec![]));
    let response = evaluator
        .validate_value(admission_request("CREATE", &job, None), &json!({}))
        .expect("policy instance");
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(response.warnings, None);
    assert!(
        evaluator.exchanges().is_empty(),
        "a skipped object needs no host call"
    );
}

#[rstest]
#[case::pod("v1", "Pod", json!({"metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}))]
#[case::replication_controller("v1", "ReplicationController", json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}))]
#[case::deployment("apps/v1", "Deployment", json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}))]
#[case::statefulset("apps/v1", "StatefulSet", json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}))]
#[case::daemonset("apps/v1", "DaemonSet", json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}))]
#[case::replicaset("apps/v1", "ReplicaSet", json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}))]
#[case::job("batch/v1", "Job", json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}))]
#[case::cronjob("batch/v1", "CronJob", json!({"metadata": {"name": "web", "namespace": "shop"}, "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "web"}}}}}}}))]
fn every_pod_producing_kind_is_judged(
    #[case] api_version: &str,
    #[case] kind: &str,
    #[case] mut object: Value,
) {
    object["apiVersion"] = json!(api_version);
    object["kind"] = json!(kind);
    let response = evaluate(vec![], &object, json!({}));
    assert!(!response.allowed, "{kind} was accepted");
    assert_eq!(
        response.message(),
        Some(
            uncovered_web("Ingress")
                .replacen("Deployment", kind, 1)
                .as_str()
        )
    );
    let response = evaluate(vec![deny_all("shop")], &object, json!({}));
    assert!(response.allowed, "{kind}: {:?}", response.message());
}

#[rstest]
#[case::replicaset_of_a_deployment("apps/v1", "ReplicaSet", "Deployment")]
#[case::pod_of_a_replicaset("v1", "Pod", "ReplicaSet")]
#[case::pod_of_an_operator("v1", "Pod", "Cluster")]
fn controlled_objects_are_skipped(
    #[case] api_version: &str,
    #[case] kind: &str,
    #[case] owner: &str,
) {
    let object = json!({
        "apiVersion": api_version, "kind": kind,
        "metadata": {"name": "web-7d9f8b6c5", "namespace": "shop", "labels": {"app": "web"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner, "name": "web", "uid": "1", "controller": true}]},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}}, "containers": [{"name": "web", "image": "nginx"}]}
    });
    let response = evaluate(vec![], &object, json!({}));
    assert!(response.allowed, "{:?}", response.message());
}

#[rstest]
#[case::service(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"selector": {"app": "web"}}}))]
#[case::network_policy(deny_all("shop"))]
fn objects_that_make_no_pods_are_accepted_without_a_host_call(#[case] object: Value) {
    let mut evaluator = module(POLICY).evaluator(HostContext::new());
    let response = evaluator
        .validate_value(admission_request("CREATE", &object, None), &json!({}))
        .expect("policy instance");
    assert!(response.allowed);
    assert!(evaluator.exchanges().is_empty());
}

#[test]
fn the_list_request_is_masked_to_what_the_rule_reads() {
    let mut evaluator = module(POLICY).evaluator(context(vec![deny_all("shop")]));
    let response = evaluator
        .validate_value(admission_request("CREATE", &web(), None), &json!({}))
        .expect("policy instance");
    assert!(response.allowed);
    let exchanges = evaluator.exchanges();
    assert_eq!(exchanges.len(), 1);
    assert_eq!(exchanges[0].operation, "list_resources_by_namespace");
    assert_eq!(
        exchanges[0].request,
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

#[rstest]
#[case::capability_refused(
    HostCapabilities::deny_all(),
    vec![ContextAwareResource::new("networking.k8s.io/v1", "NetworkPolicy")],
    "Policy has not been granted access to the 'kubernetes/list_resources_by_namespace' host capability. The violation has been reported."
)]
#[case::resource_not_declared(
    HostCapabilities::new(["kubernetes/*"]).expect("valid pattern"),
    vec![ContextAwareResource::new("v1", "ConfigMap")],
    "Policy has not been granted access to Kubernetes networking.k8s.io/v1/NetworkPolicy resources. The violation has been reported."
)]
fn host_errors_are_clear_rejections(
    #[case] capabilities: HostCapabilities,
    #[case] resources: Vec<ContextAwareResource>,
    #[case] host_error: &str,
) {
    let context = HostContext::new()
        .with_object_store(ObjectStore::from_objects([deny_all("shop")]).expect("valid objects"))
        .with_context_aware_resources(resources)
        .with_host_capabilities(capabilities);
    let response = Policy::with_context(POLICY, context)
        .validate(admission_request("CREATE", &web(), None), json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(format!("{HOST_REFUSED}{host_error}").as_str())
    );
    assert_eq!(response.code(), Some(400));
}

#[rstest]
#[case::kube_system("kube-system")]
#[case::kube_public("kube-public")]
#[case::kube_node_lease("kube-node-lease")]
fn control_plane_namespaces_are_exempt_by_default(#[case] namespace: &str) {
    let object = deployment(namespace, "coredns", json!({"k8s-app": "kube-dns"}));
    let response = evaluate(vec![], &object, json!({}));
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "Deployment {namespace}/coredns is exempt from require-network-policy (exemptNamespaces): namespace matches exemptNamespaces pattern \"{namespace}\""
        )])
    );
    // Listing namespaces replaces the defaults.
    let response = evaluate(vec![], &object, json!({"exemptNamespaces": ["legacy-*"]}));
    assert!(!response.allowed);
}

#[test]
fn listed_exemption_is_accepted_with_its_reason() {
    let settings = json!({"exemptions": [{"namespace": "shop", "name": "web", "kind": "Deployment", "reason": "NetworkPolicies land with PLAT-77"}]});
    let response = evaluate(vec![], &web(), settings);
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![
            "Deployment shop/web is exempt from require-network-policy (exemptions): NetworkPolicies land with PLAT-77".to_string()
        ])
    );
    assert_eq!(
        response.audit_annotations.expect("audit annotations")["exemption"],
        "require-network-policy: NetworkPolicies land with PLAT-77"
    );
}

#[test]
fn warn_only_accepts_with_the_message_as_warning() {
    let response = evaluate(vec![], &web(), json!({"warnOnly": true}));
    assert!(response.allowed);
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "require-network-policy (warnOnly): {}",
            uncovered_web("Ingress")
        )])
    );
}

#[test]
fn update_of_an_uncovered_workload_is_accepted_with_a_warning() {
    let old = web();
    let mut new = web();
    new["spec"]["replicas"] = json!(5);
    let mut policy = Policy::with_context(POLICY, context(vec![]));
    let response = policy.validate(admission_request("UPDATE", &new, Some(&old)), json!({}));
    assert!(response.allowed, "{:?}", response.message());
    assert_eq!(
        response.warnings,
        Some(vec![format!(
            "pre-existing violation accepted on UPDATE (enforceOnUpdate: new-violations): {}",
            uncovered_web("Ingress")
        )])
    );
    let response = policy.validate(
        admission_request("UPDATE", &new, Some(&old)),
        json!({"enforceOnUpdate": "always"}),
    );
    assert!(!response.allowed);
}

#[test]
fn update_that_leaves_the_selecting_policy_is_rejected() {
    let store = vec![np(
        "shop",
        "web",
        json!({"podSelector": {"matchLabels": {"app": "web"}}}),
    )];
    let old = web();
    let new = deployment("shop", "web", json!({"app": "web-v2"}));
    let response = Policy::with_context(POLICY, context(store))
        .validate(admission_request("UPDATE", &new, Some(&old)), json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            uncovered_web("Ingress")
                .replace("app=web", "app=web-v2")
                .replace("app: web", "app: web-v2")
                .as_str()
        )
    );
}

#[test]
fn delete_is_accepted_without_a_host_call() {
    let mut evaluator = module(POLICY).evaluator(HostContext::new());
    let response = evaluator
        .validate_value(
            admission_request("DELETE", &web(), Some(&web())),
            &json!({}),
        )
        .expect("policy instance");
    assert!(response.allowed);
    assert!(evaluator.exchanges().is_empty());
}

#[test]
fn unreadable_pod_labels_are_rejected_clearly() {
    let object = deployment("shop", "web", json!({"app": 7}));
    let response = evaluate(vec![], &object, json!({}));
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "cannot read Deployment shop/web: spec.template.metadata.labels.app: invalid type: integer `7`, expected a string"
        )
    );
    assert_eq!(response.code(), Some(400));
}

#[rstest]
#[case(json!({}), true, None)]
#[case(json!({"requiredPolicyTypes": ["Ingress", "Egress"], "warnOnly": true}), true, None)]
#[case(json!({"requiredPolicyTypes": []}), false, Some("requiredPolicyTypes: must name at least one policy type (Ingress, Egress); to turn the policy off, remove it"))]
#[case(json!({"requiredPolicyTypes": ["egress"]}), false, Some("requiredPolicyTypes[0]: unknown variant `egress`, expected `Ingress` or `Egress`"))]
#[case(json!({"exemptNamespaces": [""]}), false, Some("exemptNamespaces[0]: must not be empty (use \"*\" to match everything)"))]
fn settings_are_validated(
    #[case] settings: Value,
    #[case] valid: bool,
    #[case] message: Option<&str>,
) {
    let response = Policy::new(POLICY).validate_settings(settings);
    assert_eq!(response.valid, valid);
    assert_eq!(response.message.as_deref(), message);
}
