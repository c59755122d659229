//! The real-world corpus (`../shared/corpus`): every row of `expected.tsv` for the policies
//! built so far holds when the files are evaluated through the host, with the settings of
//! `config.yaml`.

use e2e_tests::{
    Policy, admission_request, corpus_config, corpus_dir, expectations, load_objects, resource_of,
};
use policy_host::{ContextAwareResource, HostCapabilities, HostContext, ObjectStore};
use serde_json::Value;

/// Policies whose rows are checked; the others' rows are listed as not yet covered.
pub(crate) const IMPLEMENTED: [&str; 5] = [
    "no-raw-datastores",
    "require-network-policy",
    "require-upstream-chart",
    "pvc-contract",
    "no-sql-mutating-jobs",
];

/// The policy of the `@bundle` rows: context-aware, so a bundle's files are loaded into the
/// host's store and each of its pod-producing objects is evaluated against them.
const BUNDLE_POLICY: &str = "require-network-policy";

/// Policies that read other objects through the host: their rows are evaluated with the row's
/// files in the host's store (no-sql-mutating-jobs reads the script ConfigMaps of its Jobs).
pub(crate) const CONTEXT_AWARE: [&str; 2] = [BUNDLE_POLICY, "no-sql-mutating-jobs"];

/// Kinds that have no namespace; `kubectl apply -f` puts every other object without one in
/// `default`, and so do the bundles.
const CLUSTER_SCOPED_KINDS: [&str; 8] = [
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
];

/// The objects of a corpus file as the API server stores them after `kubectl apply -f`.
pub(crate) fn applied_objects(file: &str) -> Vec<Value> {
    let mut objects = load_objects(&corpus_dir().join(file));
    for object in &mut objects {
        let cluster_scoped = object["kind"]
            .as_str()
            .is_some_and(|kind| CLUSTER_SCOPED_KINDS.contains(&kind));
        if !cluster_scoped && object["metadata"]["namespace"].as_str().is_none() {
            object["metadata"]["namespace"] = Value::from("default");
        }
    }
    objects
}

/// What a context-aware policy sees: every object of the row's files, the
/// `contextAwareResources` of config.yaml, and the host capabilities its `metadata.yml` declares.
fn bundle_context(files: &[String]) -> HostContext {
    host_context(BUNDLE_POLICY, files)
}

pub(crate) fn host_context(policy_name: &str, files: &[String]) -> HostContext {
    let store = ObjectStore::from_objects(files.iter().flat_map(|file| applied_objects(file)))
        .expect("corpus objects fit the store");
    let config = load_objects(&corpus_dir().join("config.yaml"));
    let declared = config
        .iter()
        .find(|policy| policy["metadata"]["name"] == policy_name)
        .expect("config.yaml configures the policy");
    let resources: Vec<ContextAwareResource> =
        serde_json::from_value(declared["spec"]["contextAwareResources"].clone())
            .expect("contextAwareResources");
    let metadata = load_objects(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../policies")
            .join(policy_name)
            .join("metadata.yml"),
    );
    let capabilities: Vec<String> =
        serde_json::from_value(metadata[0]["hostCapabilities"].clone()).expect("hostCapabilities");
    HostContext::new()
        .with_object_store(store)
        .with_context_aware_resources(resources)
        .with_host_capabilities(HostCapabilities::new(capabilities).expect("capability patterns"))
}

#[test]
fn corpus_verdicts_hold() {
    let config = corpus_config();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut failures = Vec::new();
    for row in expectations() {
        if !IMPLEMENTED.contains(&row.policy.as_str()) {
            eprintln!("not yet covered: {} {:?}", row.policy, row.files);
            continue;
        }
        let (settings, resources) = &config[&row.policy];
        let mut policy = if CONTEXT_AWARE.contains(&row.policy.as_str()) {
            Policy::with_context(&row.policy, host_context(&row.policy, &row.files))
        } else {
            Policy::new(&row.policy)
        };
        let mut rejections = Vec::new();
        for file in &row.files {
            let objects = if CONTEXT_AWARE.contains(&row.policy.as_str()) {
                applied_objects(file)
            } else {
                load_objects(&corpus_dir().join(file))
            };
            for object in objects {
                let (_, _, resource) = resource_of(
                    object["apiVersion"].as_str().unwrap_or_default(),
                    object["kind"].as_str().unwrap_or_default(),
                );
                if !resources.contains(&resource) {
                    continue;
                }
                let response =
                    policy.validate(admission_request("CREATE", &object, None), settings.clone());
                if !response.allowed {
                    rejections.push(response.message().unwrap_or_default().to_string());
                }
            }
        }
        *checked.entry(row.policy.clone()).or_default() += 1;
        if row.violation == rejections.is_empty() {
            failures.push(format!(
                "{} {:?}: expected {} ({}), got rejections {rejections:#?}",
                row.policy,
                row.files,
                if row.violation { "violation" } else { "pass" },
                row.note
            ));
        }
    }
    for policy in IMPLEMENTED {
        assert!(
            checked.contains_key(policy),
            "no corpus row checked for {policy}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_rejections_name_the_datastore_and_fix() {
    let object = load_objects(&corpus_dir().join("kong-kic-postgres-statefulset.yaml"))
        .into_iter()
        .find(|o| o["kind"] == "StatefulSet")
        .expect("the Kong corpus file has a StatefulSet");
    let response = Policy::new("no-raw-datastores").validate(
        admission_request("CREATE", &object, None),
        serde_json::json!({}),
    );
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "StatefulSet kong/postgres: container postgres (image postgres:9.5) runs PostgreSQL (image repository library/postgres) without an upstream Helm chart or operator; use the CloudNativePG operator (Cluster CR) or the bitnami/postgresql Helm chart instead: https://cloudnative-pg.io/documentation/current/"
        )
    );
}

#[test]
fn bundle_rejections_name_the_pod_labels_and_a_policy_to_add() {
    let files = [
        "gcp-boutique-release-manifests.yaml".to_string(),
        "gcp-boutique-netpol-redis.yaml".to_string(),
    ];
    let mut policy = Policy::with_context(BUNDLE_POLICY, bundle_context(&files));
    let mut accepted = Vec::new();
    let mut frontend_message = None;
    for object in applied_objects(&files[0]) {
        if object["kind"] != "Deployment" {
            continue;
        }
        let response = policy.validate(
            admission_request("CREATE", &object, None),
            serde_json::json!({}),
        );
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        if response.allowed {
            accepted.push(name.to_string());
        }
        if name == "frontend" {
            frontend_message = response.message().map(str::to_string);
        }
    }
    // Only the Redis NetworkPolicy is applied: it selects redis-cart and nothing else.
    assert_eq!(accepted, ["redis-cart"]);
    assert_eq!(
        frontend_message.as_deref(),
        Some(
            "Deployment default/frontend: no NetworkPolicy of namespace default covers Ingress for its pods (labels app=frontend); add a NetworkPolicy that selects them, for example:
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: frontend-default
  namespace: default
spec:
  podSelector:
    matchLabels:
      app: frontend
  policyTypes:
  - Ingress"
        )
    );
}
