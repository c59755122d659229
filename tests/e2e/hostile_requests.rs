//! Hostile and unusual requests, through the host, for every policy: every kind of the core
//! Kubernetes API, unknown kinds, null objects, missing metadata and fields of the wrong type.
//! No request traps (a 500): each is accepted, or rejected with a message that says why. Also
//! the security guarantees: waivers only when the settings allow them, host access limited to
//! what each policy's `metadata.yml` declares, Secrets never read, secret values never quoted.

use std::path::Path;

use e2e_tests::{Policy, module};
use job_scripts::rule::{OPAQUE_FIX, WRITE_FIX};
use policy_host::{
    AdmissionResponse, ContextAwareResource, HostCallExchange, HostCapabilities, HostContext,
    ObjectStore,
};
use rstest::rstest;
use serde_json::{Value, json};
use upstream_first::builtin::BUILTIN_POLICY_NAMES as POLICIES;

/// Every kind of the core Kubernetes API (v1.35): group/version, kind, plural, namespaced.
#[rustfmt::skip]
const KINDS: &[(&str, &str, &str, bool)] = &[
    ("v1", "Binding", "bindings", true),
    ("v1", "ComponentStatus", "componentstatuses", false),
    ("v1", "ConfigMap", "configmaps", true),
    ("v1", "Endpoints", "endpoints", true),
    ("v1", "Event", "events", true),
    ("v1", "LimitRange", "limitranges", true),
    ("v1", "Namespace", "namespaces", false),
    ("v1", "Node", "nodes", false),
    ("v1", "PersistentVolume", "persistentvolumes", false),
    ("v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("v1", "Pod", "pods", true),
    ("v1", "PodTemplate", "podtemplates", true),
    ("v1", "ReplicationController", "replicationcontrollers", true),
    ("v1", "ResourceQuota", "resourcequotas", true),
    ("v1", "Secret", "secrets", true),
    ("v1", "Service", "services", true),
    ("v1", "ServiceAccount", "serviceaccounts", true),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", false),
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", false),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", false),
    ("apiregistration.k8s.io/v1", "APIService", "apiservices", false),
    ("apps/v1", "ControllerRevision", "controllerrevisions", true),
    ("apps/v1", "DaemonSet", "daemonsets", true),
    ("apps/v1", "Deployment", "deployments", true),
    ("apps/v1", "ReplicaSet", "replicasets", true),
    ("apps/v1", "StatefulSet", "statefulsets", true),
    ("authentication.k8s.io/v1", "SelfSubjectReview", "selfsubjectreviews", false),
    ("authentication.k8s.io/v1", "TokenReview", "tokenreviews", false),
    ("authorization.k8s.io/v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", true),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", false),
    ("authorization.k8s.io/v1", "SubjectAccessReview", "subjectaccessreviews", false),
    ("autoscaling/v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true),
    ("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true),
    ("batch/v1", "CronJob", "cronjobs", true),
    ("batch/v1", "Job", "jobs", true),
    ("certificates.k8s.io/v1", "CertificateSigningRequest", "certificatesigningrequests", false),
    ("coordination.k8s.io/v1", "Lease", "leases", true),
    ("discovery.k8s.io/v1", "EndpointSlice", "endpointslices", true),
    ("events.k8s.io/v1", "Event", "events", true),
    ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema", "flowschemas", false),
    ("flowcontrol.apiserver.k8s.io/v1", "PriorityLevelConfiguration", "prioritylevelconfigurations", false),
    ("networking.k8s.io/v1", "IPAddress", "ipaddresses", false),
    ("networking.k8s.io/v1", "Ingress", "ingresses", true),
    ("networking.k8s.io/v1", "IngressClass", "ingressclasses", false),
    ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", true),
    ("networking.k8s.io/v1", "ServiceCIDR", "servicecidrs", false),
    ("node.k8s.io/v1", "RuntimeClass", "runtimeclasses", false),
    ("policy/v1", "Eviction", "evictions", true),
    ("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", true),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", false),
    ("rbac.authorization.k8s.io/v1", "Role", "roles", true),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", true),
    ("resource.k8s.io/v1", "DeviceClass", "deviceclasses", false),
    ("resource.k8s.io/v1", "ResourceClaim", "resourceclaims", true),
    ("resource.k8s.io/v1", "ResourceClaimTemplate", "resourceclaimtemplates", true),
    ("resource.k8s.io/v1", "ResourceSlice", "resourceslices", false),
    ("scheduling.k8s.io/v1", "PriorityClass", "priorityclasses", false),
    ("storage.k8s.io/v1", "CSIDriver", "csidrivers", false),
    ("storage.k8s.io/v1", "CSINode", "csinodes", false),
    ("storage.k8s.io/v1", "CSIStorageCapacity", "csistoragecapacities", true),
    ("storage.k8s.io/v1", "StorageClass", "storageclasses", false),
    ("storage.k8s.io/v1", "VolumeAttachment", "volumeattachments", false),
    ("storage.k8s.io/v1", "VolumeAttributesClass", "volumeattributesclasses", false),
    // Kinds no API server knows, and custom resources.
    ("example.com/v1", "Widget", "widgets", true),
    ("postgresql.cnpg.io/v1", "Cluster", "clusters", true),
    ("apps/v1", "Deploymnet", "deploymnets", true),
    ("v1", "", "", true),
];

/// The settings each policy runs with (pvc-contract has no usable defaults).
fn settings(policy: &str) -> Value {
    match policy {
        "pvc-contract" => json!({
            "allowedStorageClasses": ["standard"], "defaultStorageClass": "standard",
            "maxSize": "100Gi", "checkWorkloadClaims": true
        }),
        _ => json!({}),
    }
}

/// A policy's `metadata.yml`.
fn metadata(policy: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../policies")
        .join(policy)
        .join("metadata.yml");
    let text = std::fs::read_to_string(&path).expect("metadata.yml");
    serde_yaml_ng::from_str(&text).expect("metadata.yml is YAML")
}

/// What a policy may read and call, exactly as its `metadata.yml` declares (none when it
/// declares none: the e2e tests grant nothing by default).
fn declared_access(policy: &str) -> (Vec<ContextAwareResource>, HostCapabilities) {
    let metadata = metadata(policy);
    let resources =
        serde_json::from_value(metadata["contextAwareResources"].clone()).unwrap_or_default();
    let patterns: Vec<String> =
        serde_json::from_value(metadata["hostCapabilities"].clone()).unwrap_or_default();
    let capabilities = HostCapabilities::new(patterns).expect("valid capability patterns");
    (resources, capabilities)
}

/// The cluster the policies see: a NetworkPolicy, a claim, a script ConfigMap and a Secret.
fn store() -> ObjectStore {
    ObjectStore::from_objects([
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"podSelector": {"matchLabels": {"app": "web"}}}}),
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": {"name": "data", "namespace": "shop"},
               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "scripts", "namespace": "shop"},
               "data": {"seed.sql": "DELETE FROM sessions;"}}),
        json!({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "scripts", "namespace": "shop"},
               "data": {"seed.sql": "REVMRVRFIEZST00gdXNlcnM7"}}),
    ])
    .expect("valid objects")
}

fn context(policy: &str) -> HostContext {
    let (resources, capabilities) = declared_access(policy);
    HostContext::new()
        .with_object_store(store())
        .with_context_aware_resources(resources)
        .with_host_capabilities(capabilities)
}

/// An AdmissionRequest of `operation` for `object`, naming `kind` whatever the object says.
fn request(kind: (&str, &str, &str, bool), operation: &str, object: Value, old: Value) -> Value {
    let (api_version, kind, plural, namespaced) = kind;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or("x")
        .to_owned();
    json!({
        "uid": format!("hostile-{kind}-{name}"),
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": plural},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "name": name,
        "namespace": if namespaced { "shop" } else { "" },
        "operation": operation,
        "userInfo": {"username": "mallory", "groups": ["system:authenticated"]},
        "object": object,
        "oldObject": old,
        "dryRun": false
    })
}

/// A pod template that no-raw-datastores, require-upstream-chart and no-sql-mutating-jobs each
/// object to, with a standalone claim for pvc-contract.
fn pod_spec() -> Value {
    json!({
        "containers": [
            {"name": "db", "image": "postgres:16", "ports": [{"containerPort": 5432}]},
            {"name": "grafana", "image": "grafana/grafana:11.3.0"},
            {"name": "seed", "image": "postgres:16", "command": ["psql", "-c", "DELETE FROM t"]}
        ],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    })
}

/// A plausible object of each kind: pod-producing kinds carry [`pod_spec`].
fn object_of(api_version: &str, kind: &str, namespaced: bool) -> Value {
    let template = json!({"metadata": {"labels": {"app": "api"}}, "spec": pod_spec()});
    let spec = match kind {
        "Pod" => pod_spec(),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => {
            json!({"replicas": 2, "selector": {"matchLabels": {"app": "api"}}, "template": template})
        }
        "CronJob" => {
            json!({"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}})
        }
        "PodTemplate" => {
            return json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "shop"}, "template": template});
        }
        "PersistentVolumeClaim" => {
            json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Ti"}}})
        }
        _ => json!({}),
    };
    let mut metadata = json!({"name": "x", "labels": {"app": "api"}});
    if namespaced {
        metadata["namespace"] = json!("shop");
    }
    json!({"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": spec})
}

/// What must hold for every answer: no trap or host failure, and a rejection says why.
fn assert_sane(policy: &str, what: &str, response: &AdmissionResponse) {
    assert_ne!(
        response.code(),
        Some(500),
        "{policy}, {what}: {:?}",
        response.message()
    );
    if !response.allowed {
        let message = response.message().unwrap_or_default();
        assert!(
            !message.trim().is_empty(),
            "{policy}, {what}: empty message"
        );
        assert!(
            matches!(response.code(), None | Some(400)),
            "{policy}, {what}: code {:?}",
            response.code()
        );
    }
}

/// Every host call stayed within what the policy declares, and none touched a Secret.
fn assert_within_declared_access(policy: &str, exchanges: &[HostCallExchange]) {
    let (resources, capabilities) = declared_access(policy);
    for exchange in exchanges {
        let capability = format!("{}/{}", exchange.namespace, exchange.operation);
        assert!(
            capabilities.allows(&capability),
            "{policy} called {capability}, which its metadata.yml does not declare"
        );
        let kind = exchange.request["kind"].as_str().unwrap_or_default();
        let api_version = exchange.request["api_version"].as_str().unwrap_or_default();
        assert_ne!(kind, "Secret", "{policy} asked for a Secret");
        assert!(
            resources
                .iter()
                .any(|r| r.kind == kind && r.api_version == api_version),
            "{policy} read {api_version}/{kind}, which its metadata.yml does not declare"
        );
    }
}

/// Every policy answers a CREATE and an UPDATE of every kind, through the host.
#[test]
fn every_kind_of_the_api_is_answered() {
    for policy in POLICIES {
        let mut evaluator = Policy::with_context(policy, context(policy));
        for &(api_version, kind, plural, namespaced) in KINDS {
            let object = object_of(api_version, kind, namespaced);
            for (operation, old) in [("CREATE", Value::Null), ("UPDATE", object.clone())] {
                let response = evaluator.validate(
                    request(
                        (api_version, kind, plural, namespaced),
                        operation,
                        object.clone(),
                        old,
                    ),
                    settings(policy),
                );
                assert_sane(
                    policy,
                    &format!("{operation} {api_version} {kind}"),
                    &response,
                );
                assert_within_declared_access(policy, &evaluator.exchanges());
            }
        }
    }
}

/// The objects that break a Deployment request in some way, by what they break.
fn hostile_objects() -> Vec<(&'static str, Value)> {
    let deployment = object_of("apps/v1", "Deployment", true);
    let with = |pointer: &str, value: Value| {
        let mut object = deployment.clone();
        if let Some(slot) = object.pointer_mut(pointer) {
            *slot = value;
        }
        object
    };
    let deep = (0..100).fold(json!("bottom"), |inner, _| json!({"nested": inner}));
    vec![
        ("null object", Value::Null),
        ("string object", json!("Deployment")),
        ("array object", json!([deployment.clone()])),
        ("empty object", json!({})),
        ("no metadata", {
            let mut object = deployment.clone();
            object.as_object_mut().map(|o| o.remove("metadata"));
            object
        }),
        ("metadata a string", with("/metadata", json!("x"))),
        (
            "labels a list",
            with("/metadata/labels", json!(["app=api"])),
        ),
        (
            "annotations numbers",
            with("/metadata/annotations", json!({"a": 1})),
        ),
        (
            "owner references an object",
            with("/metadata/ownerReferences", json!({"kind": "X"})),
        ),
        ("name a number", with("/metadata/name", json!(42))),
        ("spec a string", with("/spec", json!("spec"))),
        ("replicas a string", with("/spec/replicas", json!("three"))),
        ("template null", with("/spec/template", Value::Null)),
        (
            "containers an object",
            with("/spec/template/spec/containers", json!({"name": "db"})),
        ),
        (
            "containers null",
            with("/spec/template/spec/containers", Value::Null),
        ),
        (
            "container a string",
            with("/spec/template/spec/containers/0", json!("postgres")),
        ),
        (
            "image a number",
            with("/spec/template/spec/containers/0/image", json!(16)),
        ),
        (
            "ports a string",
            with("/spec/template/spec/containers/0/ports", json!("5432")),
        ),
        (
            "containerPort a string",
            with(
                "/spec/template/spec/containers/0/ports/0/containerPort",
                json!("5432"),
            ),
        ),
        (
            "command a string",
            with(
                "/spec/template/spec/containers/2/command",
                json!("psql -c 'DELETE FROM t'"),
            ),
        ),
        (
            "env a map",
            with("/spec/template/spec/containers/2/env", json!({"A": "1"})),
        ),
        (
            "volumes a string",
            with("/spec/template/spec/volumes", json!("data")),
        ),
        (
            "claim name a number",
            with(
                "/spec/template/spec/volumes/0/persistentVolumeClaim/claimName",
                json!(7),
            ),
        ),
        (
            "image empty",
            with("/spec/template/spec/containers/0/image", json!("")),
        ),
        (
            "image huge",
            with(
                "/spec/template/spec/containers/0/image",
                json!("a".repeat(1 << 20)),
            ),
        ),
        (
            "unicode everywhere",
            with("/metadata/name", json!("数据库-🐘")),
        ),
        ("deeply nested extra field", with("/spec/extra", deep)),
    ]
}

#[test]
fn hostile_objects_are_answered_clearly() {
    for policy in POLICIES {
        let mut evaluator = Policy::with_context(policy, context(policy));
        for (what, object) in hostile_objects() {
            for kind in [
                ("apps/v1", "Deployment", "deployments", true),
                ("apps/v1", "StatefulSet", "statefulsets", true),
                (
                    "v1",
                    "PersistentVolumeClaim",
                    "persistentvolumeclaims",
                    true,
                ),
                ("batch/v1", "Job", "jobs", true),
            ] {
                for (operation, old) in [
                    ("CREATE", Value::Null),
                    ("UPDATE", object.clone()),
                    ("UPDATE", json!("old object of the wrong type")),
                    ("DELETE", object.clone()),
                ] {
                    let response = evaluator.validate(
                        request(kind, operation, object.clone(), old),
                        settings(policy),
                    );
                    assert_sane(policy, &format!("{operation} {} {what}", kind.1), &response);
                }
            }
        }
    }
}

/// A few answers, word for word: the messages say what is wrong and where.
#[rstest]
#[case::null_object(
    "no-raw-datastores",
    "null object",
    "malformed admission request: the request carries no object"
)]
#[case::metadata_a_string(
    "require-upstream-chart",
    "metadata a string",
    "malformed admission request: metadata: invalid type: string \"x\", expected struct ObjectMeta"
)]
#[case::labels_a_list(
    "no-sql-mutating-jobs",
    "labels a list",
    "malformed admission request: metadata.labels: invalid type: sequence, expected a map"
)]
#[case::containers_an_object(
    "no-raw-datastores",
    "containers an object",
    "cannot read Deployment shop/x: spec.template.spec.containers: invalid type: map, expected a sequence"
)]
#[case::image_a_number(
    "require-upstream-chart",
    "image a number",
    "cannot read Deployment shop/x: spec.template.spec.containers[0].image: invalid type: integer `16`, expected a string"
)]
#[case::container_port_a_string(
    "no-raw-datastores",
    "containerPort a string",
    "cannot read Deployment shop/x: spec.template.spec.containers[0].ports[0].containerPort: invalid type: string \"5432\", expected i64"
)]
fn representative_rejections(#[case] policy: &str, #[case] what: &str, #[case] message: &str) {
    let object = hostile_objects()
        .into_iter()
        .find(|(name, _)| *name == what)
        .map(|(_, object)| object)
        .expect("a hostile object of that name");
    let response = Policy::with_context(policy, context(policy)).validate(
        request(
            ("apps/v1", "Deployment", "deployments", true),
            "CREATE",
            object,
            Value::Null,
        ),
        settings(policy),
    );
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(message));
    assert_eq!(response.code(), Some(400));
}

/// An object each policy rejects, in namespace `shop`, with a waiver annotation for it.
fn violating(policy: &str) -> (Value, (&'static str, &'static str, &'static str, bool)) {
    let waiver = json!({
        "upstream-first.io/exempt": policy,
        "upstream-first.io/exempt-reason": "PLAT-7 migration"
    });
    let deployment = |image: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "x", "namespace": "shop", "annotations": waiver},
               "spec": {"template": {"metadata": {"labels": {"app": "api"}},
                                     "spec": {"containers": [{"name": "c", "image": image}]}}}})
    };
    let deployments = ("apps/v1", "Deployment", "deployments", true);
    match policy {
        "no-raw-datastores" => (deployment("postgres:16"), deployments),
        "require-upstream-chart" => (deployment("grafana/grafana:11.3.0"), deployments),
        "require-network-policy" => (deployment("nginx:1.27"), deployments),
        "pvc-contract" => (
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                   "metadata": {"name": "x", "namespace": "shop", "annotations": waiver},
                   "spec": {"storageClassName": "premium", "resources": {"requests": {"storage": "1Gi"}}}}),
            (
                "v1",
                "PersistentVolumeClaim",
                "persistentvolumeclaims",
                true,
            ),
        ),
        _ => (
            json!({"apiVersion": "batch/v1", "kind": "Job",
                   "metadata": {"name": "x", "namespace": "shop", "annotations": waiver},
                   "spec": {"template": {"spec": {"containers": [
                       {"name": "c", "image": "postgres:16", "command": ["psql", "-c", "DELETE FROM t"]}]}}}}),
            ("batch/v1", "Job", "jobs", true),
        ),
    }
}

/// A workload author cannot exempt their own workload: the waiver annotation is ignored (and
/// says so) unless the platform team's settings allow waivers.
#[rstest]
#[case("no-raw-datastores", "Deployment")]
#[case("require-upstream-chart", "Deployment")]
#[case("pvc-contract", "PersistentVolumeClaim")]
#[case("require-network-policy", "Deployment")]
#[case("no-sql-mutating-jobs", "Job")]
fn waivers_need_the_settings_to_allow_them(#[case] policy: &str, #[case] kind: &str) {
    let (object, gvk) = violating(policy);
    let mut evaluator = Policy::with_context(policy, context(policy));

    let refused = evaluator.validate(
        request(gvk, "CREATE", object.clone(), Value::Null),
        settings(policy),
    );
    assert!(!refused.allowed, "{policy}: the waiver was honoured");
    assert_eq!(
        refused.warnings,
        Some(vec![format!(
            "{kind} shop/x: annotation upstream-first.io/exempt is ignored: allowAnnotationExemptions is false in the {policy} settings; ask the platform team for an exemption"
        )])
    );

    let mut allowing = settings(policy);
    allowing["allowAnnotationExemptions"] = json!(true);
    let waived = evaluator.validate(request(gvk, "CREATE", object, Value::Null), allowing);
    assert!(waived.allowed, "{policy}: {:?}", waived.message());
    assert_eq!(
        waived.warnings,
        Some(vec![format!(
            "{kind} shop/x is exempt from {policy} (upstream-first.io/exempt): PLAT-7 migration"
        )])
    );
}

const SECRETS_REFUSED: &str = "Host error: Policy has not been granted access to Kubernetes v1/Secret resources. The violation has been reported.";

/// A policy granted what no-sql-mutating-jobs' metadata declares (`kubernetes/get_resource` of
/// ConfigMaps) asks the host for Secrets and is refused; the ConfigMap of the same name is
/// answered. The misbehaving test policy makes the calls.
#[rstest]
#[case::get_secret("get_resource", json!({"api_version": "v1", "kind": "Secret", "name": "scripts", "namespace": "shop", "disable_cache": false}), Some(SECRETS_REFUSED))]
#[case::list_secrets("list_resources_by_namespace", json!({"api_version": "v1", "kind": "Secret", "namespace": "shop"}), Some("Host error: Policy has not been granted access to the 'kubernetes/list_resources_by_namespace' host capability. The violation has been reported."))]
#[case::list_all_secrets("list_resources_all", json!({"api_version": "v1", "kind": "Secret"}), Some("Host error: Policy has not been granted access to the 'kubernetes/list_resources_all' host capability. The violation has been reported."))]
#[case::get_config_map("get_resource", json!({"api_version": "v1", "kind": "ConfigMap", "name": "scripts", "namespace": "shop", "disable_cache": false}), None)]
fn secrets_are_never_read(
    #[case] operation: &str,
    #[case] payload: Value,
    #[case] refusal: Option<&str>,
) {
    let mut evaluator = module("misbehaving-policy").evaluator(context("no-sql-mutating-jobs"));
    let settings = json!({"behaviour": "host-call", "operation": operation, "payload": payload});
    let response = evaluator
        .validate_value(
            request(
                ("v1", "Pod", "pods", true),
                "CREATE",
                object_of("v1", "Pod", true),
                Value::Null,
            ),
            &settings,
        )
        .expect("the module instantiates");
    match refusal {
        Some(message) => {
            assert!(!response.allowed);
            assert_eq!(response.message(), Some(message));
        }
        None => {
            assert!(response.allowed, "{:?}", response.message());
            let answer: Value =
                serde_json::from_str(response.message().unwrap_or_default()).expect("JSON answer");
            assert_eq!(answer["data"]["seed.sql"], "DELETE FROM sessions;");
        }
    }
}

/// A Job that runs a script from a Secret volume: the policy never asks for the Secret, and says
/// the script could not be inspected.
#[test]
fn a_script_in_a_secret_is_opaque_and_never_fetched() {
    let policy = "no-sql-mutating-jobs";
    let job = json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "seed", "namespace": "shop"},
        "spec": {"template": {"spec": {
            "containers": [{"name": "seed", "image": "postgres:16",
                            "command": ["psql", "-f", "/secret/seed.sql"],
                            "volumeMounts": [{"name": "s", "mountPath": "/secret"}]}],
            "volumes": [{"name": "s", "secret": {"secretName": "scripts"}}]}}}
    });
    let mut evaluator = Policy::with_context(policy, context(policy));
    let response = evaluator.validate(
        request(
            ("batch/v1", "Job", "jobs", true),
            "CREATE",
            job,
            Value::Null,
        ),
        settings(policy),
    );
    assert!(!response.allowed);
    assert_eq!(
        response.message(),
        Some(
            "Job shop/seed: container seed: psql runs a script that could not be inspected (file: -f /secret/seed.sql): \"psql -f /secret/seed.sql\"; mount the script from a ConfigMap of the namespace so it can be checked, or use a versioned migration tool (flyway, liquibase, atlas, …)"
        )
    );
    assert!(
        evaluator.exchanges().is_empty(),
        "{:?}",
        evaluator.exchanges()
    );
}

/// The Job `shop/seed`, one container `seed` (postgres:16) running `command` with `env`,
/// through the built no-sql-mutating-jobs policy.
fn validate_seed_job(command: Value, env: Value) -> AdmissionResponse {
    let policy = "no-sql-mutating-jobs";
    let job = json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "seed", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{
            "name": "seed", "image": "postgres:16", "command": command, "env": env}]}}}
    });
    Policy::with_context(policy, context(policy)).validate(
        request(
            ("batch/v1", "Job", "jobs", true),
            "CREATE",
            job,
            Value::Null,
        ),
        settings(policy),
    )
}

/// No message quotes the value of a secret-looking variable a command expands: it shows the
/// variable. Through the built policy, with values short and long.
#[rstest]
#[case::dollar(json!(["sh", "-c", "psql -c \"ALTER USER app PASSWORD '$DB_PASSWORD'\""]), "\"ALTER USER app PASSWORD '$DB_PASSWORD'\"")]
#[case::braces(json!(["sh", "-c", "psql -c \"ALTER USER app PASSWORD '${DB_PASSWORD}'\""]), "\"ALTER USER app PASSWORD '${DB_PASSWORD}'\"")]
#[case::kubernetes(json!(["psql", "-c", "ALTER USER app PASSWORD '$(DB_PASSWORD)'"]), "\"ALTER USER app PASSWORD '$(DB_PASSWORD)'\"")]
#[case::heredoc(json!(["bash", "-c", "psql <<EOF\nUPDATE tokens SET value = '$API_TOKEN';\nEOF"]), "\"UPDATE tokens SET value = '$API_TOKEN'\"")]
#[case::secret_key(json!(["sh", "-c", "mysql -e \"UPDATE users SET password = '$MYSQL_ROOT_PASSWORD'\""]), "\"UPDATE users SET password = '$MYSQL_ROOT_PASSWORD'\"")]
fn secret_values_are_never_quoted(#[case] command: Value, #[case] quoted: &str) {
    let response = validate_seed_job(
        command,
        json!([{"name": "DB_PASSWORD", "value": "pw1"},
               {"name": "API_TOKEN", "value": "tok-8f1c2a"},
               {"name": "MYSQL_ROOT_PASSWORD", "value": "hunter2-prod"}]),
    );
    assert!(!response.allowed);
    let message = response.message().unwrap_or_default();
    assert!(message.contains(quoted), "{message}");
    for value in ["pw1", "tok-8f1c2a", "hunter2-prod"] {
        assert!(!message.contains(value), "{message}");
    }
}

/// Scripts found by fuzzing to make brush-parser backtrack for minutes, panic or loop: the
/// reader of our own answers them at once through the built policy. A real syntax error (a
/// `(` never closed, a `case` without its `esac`, a here-document operator without a
/// delimiter, a `$(` still open when the script ends) is a script that could not be inspected,
/// with the line and column of the error.
#[rstest]
#[case::unclosed_subshells(
    format!("{}psql -c 'DELETE FROM t'", "( ".repeat(24)),
    "shell syntax error: 1:47: ( is not closed",
    "\"( ( ( ( ( ( ( ( ( ( ( ( ( ( ( ( ( ( ( ( ( ( ( ( psql -c 'DELETE FROM t'\""
)]
#[case::nested_cases(
    format!("{}psql -c 'DELETE FROM t';; esac", "case a in b) ".repeat(24)),
    "shell syntax error: 1:287: expected `esac`",
    "\"case a in b) case a in b) case a in b) case a in b) case a in b) case a in b) c…\""
)]
#[case::arithmetic_open_across_heredoc(
    "psql <<EOF && \"$(( (1)\nDELETE FROM t;\nEOF\n".to_owned(),
    "shell syntax error: 1:16: (( is not closed",
    "\"psql <<EOF && \"$(( (1) DELETE FROM t; EOF\""
)]
#[case::heredoc_body_runs_past_the_closer(
    "x=$(cat <<EOF\n)\nEOF\npsql -c 'DELETE FROM t'".to_owned(),
    "shell syntax error: 1:3: ( is not closed",
    "\"x=$(cat <<EOF ) EOF psql -c 'DELETE FROM t'\""
)]
#[case::heredoc_without_delimiter(
    "x=$(cat << ;\n)\npsql -c 'DELETE FROM t'".to_owned(),
    "shell syntax error: 1:9: a here-document operator without a delimiter",
    "\"x=$(cat << ; ) psql -c 'DELETE FROM t'\""
)]
#[case::substitution_open_across_heredoc_behind_a_comment(
    "# don't touch\nx=$(cat <<EOF\n)\nEOF\npsql -c 'DELETE FROM t'".to_owned(),
    "shell syntax error: 2:3: ( is not closed",
    "\"# don't touch x=$(cat <<EOF ) EOF psql -c 'DELETE FROM t'\""
)]
fn scripts_with_a_syntax_error_are_answered_as_not_inspected(
    #[case] script: String,
    #[case] reason: &str,
    #[case] quoted: &str,
) {
    let response = validate_seed_job(json!(["bash", "-c", script]), json!([]));
    assert!(!response.allowed);
    assert_eq!(response.code(), None);
    assert_eq!(
        response.message().unwrap_or_default(),
        format!(
            "Job shop/seed: container seed: bash runs a script that could not be inspected (parse: {reason}): {quoted}; {OPAQUE_FIX}"
        )
    );
}

/// A script larger than a script may be (256 KiB), given inline, is not judged by the part that
/// fits: a write after the cut would pass unseen. It could not be inspected, and the analysis
/// says it was cut short.
#[test]
fn a_script_over_the_bound_is_answered_as_not_inspected() {
    let script = format!(
        "{}psql -c \"UPDATE t SET a = 1\"\n",
        "psql -c 'SELECT 1'\n".repeat(30_000)
    );
    let response = validate_seed_job(json!(["bash", "-c", script]), json!([]));
    assert!(!response.allowed);
    let message = response.message().unwrap_or_default();
    assert!(
        message.starts_with(&format!(
            "Job shop/seed: container seed: bash runs a script that could not be inspected (parse: script larger than {} bytes): \"psql -c 'SELECT 1' psql",
            job_scripts::MAX_SCRIPT_BYTES
        )),
        "{message}"
    );
    assert!(message.ends_with(&format!("; {OPAQUE_FIX}")), "{message}");
}

/// Scripts brush-parser could not read (it backtracked for seconds on open array subscripts,
/// read a quote in an extended glob as text, ended a `$(` at a `)` of a here-document body, and
/// the guards in front of it refused a line continuation in a here-document tag) are read as a
/// shell reads them, and the SQL they run is found.
#[rstest]
#[case::array_subscripts_left_open(
    format!("psql -c 'DELETE FROM t' u[{}]=1", "${A[x}".repeat(6)),
    "psql runs DELETE (-c): \"DELETE FROM t\""
)]
#[case::argument_like_an_array_assignment(
    format!("psql -c 'DELETE FROM t' u[{}", "${A[x}".repeat(6)),
    "psql runs DELETE (-c): \"DELETE FROM t\""
)]
#[case::nesting_hidden_by_single_quotes_in_a_quoted_parameter(
    format!("psql -c 'DELETE FROM t' \"${{A:-'{}'}}\"", "$[".repeat(8)),
    "psql runs DELETE (-c): \"DELETE FROM t\""
)]
#[case::extended_glob_holding_quotes(
    "x=$(ls !(\"keep me\"))\npsql -c 'DELETE FROM t'".to_owned(),
    "psql runs DELETE (-c): \"DELETE FROM t\""
)]
#[case::line_continuation_in_a_heredoc_tag(
    "psql <<EO\\\nF\nDELETE FROM t;\nEOF\n".to_owned(),
    "psql runs DELETE (heredoc): \"DELETE FROM t\""
)]
#[case::heredoc_body_with_subscripts_left_open(
    format!("psql <<EOF\n{}EOF\n", "DELETE FROM t WHERE id = '${IDS[x}';\n".repeat(6)),
    "psql runs DELETE (heredoc): \"DELETE FROM t WHERE id = '${IDS[x}'\""
)]
#[case::closer_in_a_heredoc_body_inside_a_substitution(
    "x=$(cat <<EOF\n1) first\nEOF\n)\npsql -c 'DELETE FROM t'".to_owned(),
    "psql runs DELETE (-c): \"DELETE FROM t\""
)]
fn scripts_brush_parser_could_not_read_are_read(#[case] script: String, #[case] finding: &str) {
    let response = validate_seed_job(json!(["bash", "-c", script]), json!([]));
    assert!(!response.allowed);
    assert_eq!(response.code(), None);
    assert_eq!(
        response.message().unwrap_or_default(),
        format!("Job shop/seed: container seed: {finding}; {WRITE_FIX}")
    );
}
