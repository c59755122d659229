//! `validate` through the host, warm: median and p99 per policy and request, plus the size
//! of each module. Run with `cargo xtask bench`; `cargo bench -p e2e-tests --bench validate --
//! [POLICY…] [--runs N]` runs only those policies (`misbehaving-policy` is the floor), N times
//! each, e.g. under `valgrind --tool=callgrind --toggle-collect='*validate_with*'` to count
//! the instructions of a validate, which the machine's load does not change.

use std::time::{Duration, Instant};

use e2e_tests::{Policy, admission_request};
use policy_host::{ContextAwareResource, HostCapabilities, HostContext, ObjectStore, testing};
use serde_json::{Value, json};

/// The 40-line script, shared with job-scripts' native benchmark of the same analysis.
const ENSURE_TENANT_SCRIPT: &str =
    include_str!("../../crates/job-scripts/benches/ensure-tenant.sh");

const DEFAULT_RUNS: usize = 5_000;

/// The command line: which policies to run (all when none is named) and how many times.
struct Options {
    policies: Vec<String>,
    runs: usize,
}

impl Options {
    fn from_args() -> Self {
        let mut options = Options {
            policies: Vec::new(),
            runs: DEFAULT_RUNS,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                // `cargo bench` passes `--bench` to every benchmark binary.
                "--bench" => {}
                "--runs" => {
                    options.runs = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|n| *n > 0)
                        .expect("--runs takes a number of runs above 0");
                }
                policy => options.policies.push(policy.to_owned()),
            }
        }
        options
    }

    fn selected(&self, policy: &str) -> bool {
        self.policies.is_empty() || self.policies.iter().any(|p| p == policy)
    }

    /// Runs before the measured ones, to warm caches and the allocator.
    fn warmup(&self) -> usize {
        (self.runs / 25).max(1)
    }
}

fn typical_statefulset() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "kafka", "namespace": "data",
                     "labels": {"app.kubernetes.io/name": "kafka", "app.kubernetes.io/part-of": "events"}},
        "spec": {
            "serviceName": "kafka", "replicas": 3,
            "selector": {"matchLabels": {"app": "kafka"}},
            "template": {
                "metadata": {"labels": {"app": "kafka"}},
                "spec": {
                    "initContainers": [{"name": "fix-perms", "image": "busybox:1.36", "command": ["sh", "-c", "chown -R 1000 /var/lib/kafka"]}],
                    "containers": [
                        {"name": "kafka", "image": "apache/kafka:3.9.0",
                         "ports": [{"containerPort": 9092, "name": "broker"}, {"containerPort": 9093, "name": "controller"}],
                         "env": [{"name": "KAFKA_NODE_ID", "value": "1"}, {"name": "KAFKA_PROCESS_ROLES", "value": "broker,controller"}],
                         "volumeMounts": [{"name": "data", "mountPath": "/var/lib/kafka/data"}],
                         "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}}},
                        {"name": "exporter", "image": "danielqsj/kafka-exporter:v1.8.0", "ports": [{"containerPort": 9308}]}
                    ]
                }
            },
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Gi"}}}}]
        }
    })
}

fn measure(
    options: &Options,
    policy: &mut Policy,
    request: &Value,
    settings: &Value,
) -> (Duration, Duration) {
    for _ in 0..options.warmup() {
        policy.validate_with(request.clone(), settings);
    }
    // The request is cloned outside the timed region (a caller owns the request it evaluates);
    // its parsing, the call, the response and dropping them all are timed.
    let mut samples: Vec<Duration> = (0..options.runs)
        .map(|_| {
            let request = request.clone();
            let start = Instant::now();
            policy.validate_with(request, settings);
            start.elapsed()
        })
        .collect();
    samples.sort();
    (samples[options.runs / 2], samples[options.runs * 99 / 100])
}

/// Measures `request` and prints the line of one case: the policy's module size, the median
/// and the p99.
fn report(
    options: &Options,
    policy: &mut Policy,
    name: &str,
    what: &str,
    request: &Value,
    settings: &Value,
) {
    let size = std::fs::metadata(testing::policy_path(name))
        .map(|m| m.len())
        .unwrap_or(0);
    let (median, p99) = measure(options, policy, request, settings);
    println!(
        "{name}: {size} bytes ({} KiB); validate {what}: median {median:?}, p99 {p99:?} ({} runs)",
        size / 1024,
        options.runs
    );
}

/// A web Deployment and the NetworkPolicies of its namespace: a default deny, an
/// ingress policy selecting it, and one selecting other pods.
fn web_deployment_with_network_policies() -> (Value, Vec<Value>) {
    let np = |name: &str, spec: Value| {
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": name, "namespace": "shop"}, "spec": spec})
    };
    let policies = vec![
        np(
            "default-deny",
            json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        ),
        np(
            "web-ingress",
            json!({
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "web"},
                                "matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["canary"]}]},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
                             "ports": [{"port": 8080, "protocol": "TCP"}]}]
            }),
        ),
        np(
            "api-egress",
            json!({
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "db"}}}], "ports": [{"port": 5432}]}]
            }),
        ),
    ];
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app.kubernetes.io/name": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "shop"}},
                "spec": {"containers": [{"name": "web", "image": "registry.corp/shop/web:1.4.2",
                                         "ports": [{"containerPort": 8080}],
                                         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}
            }
        }
    });
    (deployment, policies)
}

/// The host context require-network-policy gets in the cluster: `objects` in the store, and
/// the right to list NetworkPolicies by namespace.
fn network_policy_context(objects: Vec<Value>) -> HostContext {
    HostContext::new()
        .with_object_store(ObjectStore::from_objects(objects).expect("valid objects"))
        .with_context_aware_resources([ContextAwareResource::new(
            "networking.k8s.io/v1",
            "NetworkPolicy",
        )])
        .with_host_capabilities(
            HostCapabilities::new(["kubernetes/list_resources_by_namespace"]).expect("pattern"),
        )
}

/// An Argo CD PostSync Job whose 40-line bash script waits for the database, reads, and
/// upserts a row through a heredoc: inline (`bash -c`), and the same script mounted from a
/// ConfigMap (returned third).
fn job_with_40_line_script() -> (Value, Value, Value) {
    let script = ENSURE_TENANT_SCRIPT;
    assert_eq!(script.lines().count(), 40);
    let job = |container: Value, volumes: Value| {
        json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "ensure-tenant", "namespace": "shop",
                         "annotations": {"argocd.argoproj.io/hook": "PostSync"}},
            "spec": {"backoffLimit": 2, "template": {"spec": {
                "restartPolicy": "Never", "containers": [container], "volumes": volumes
            }}}
        })
    };
    let env = json!([{"name": "PGHOST", "value": "postgres"}, {"name": "POSTGRES_DB", "value": "app"},
                     {"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]);
    let inline = job(
        json!({"name": "ensure-tenant", "image": "postgres:16", "command": ["bash", "-c", script], "env": env}),
        json!([]),
    );
    let from_config_map = job(
        json!({"name": "ensure-tenant", "image": "postgres:16", "command": ["/scripts/ensure-tenant.sh"], "env": env,
               "volumeMounts": [{"name": "scripts", "mountPath": "/scripts"}]}),
        json!([{"name": "scripts", "configMap": {"name": "tenant-scripts", "defaultMode": 493}}]),
    );
    let scripts = json!({"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "tenant-scripts", "namespace": "shop"},
                         "data": {"ensure-tenant.sh": script}});
    (inline, from_config_map, scripts)
}

fn main() {
    let options = Options::from_args();
    let statefulset_request = admission_request("CREATE", &typical_statefulset(), None);
    if options.selected("no-raw-datastores") {
        let name = "no-raw-datastores";
        let mut policy = Policy::new(name);
        report(
            &options,
            &mut policy,
            name,
            "typical StatefulSet",
            &statefulset_request,
            &json!({}),
        );
    }

    if options.selected("require-network-policy") {
        let name = "require-network-policy";
        let (deployment, policies) = web_deployment_with_network_policies();
        let mut policy = Policy::with_context(name, network_policy_context(policies.clone()));
        report(
            &options,
            &mut policy,
            name,
            "Deployment with 3 NetworkPolicies in the store",
            &admission_request("CREATE", &deployment, None),
            &json!({}),
        );
        // A multi-tenant namespace: 1,000 NetworkPolicies, one per application (issue 19's goal
        // for one validate through the host: <= 1 ms).
        let many: Vec<Value> = (0..1_000)
            .map(|i| {
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                       "metadata": {"name": format!("app-{i}"), "namespace": "shop"},
                       "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": format!("app-{i}")}},
                                "policyTypes": ["Ingress"]}})
            })
            .chain(policies.iter().cloned())
            .collect();
        let mut policy = Policy::with_context(name, network_policy_context(many));
        report(
            &options,
            &mut policy,
            name,
            "Deployment with 1,003 NetworkPolicies in the store",
            &admission_request("CREATE", &deployment, None),
            &json!({}),
        );
    }

    if options.selected("pvc-contract") {
        let name = "pvc-contract";
        let contract = json!({"allowedStorageClasses": ["standard", "standard-rwo", "fast"],
                              "defaultStorageClass": "standard", "maxSize": "1Ti",
                              "classes": {"fast": {"maxSize": "512Gi", "accessModes": ["ReadWriteOnce"]}}});
        let claim = |name: &str, class: Option<&str>| {
            let mut claim = json!({"metadata": {"name": name, "namespace": "data", "labels": {"app": "db"}},
                                   "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Gi"}}}});
            if let Some(class) = class {
                claim["spec"]["storageClassName"] = json!(class);
            }
            claim
        };
        let mut pvc = claim("uploads", Some("fast"));
        pvc["apiVersion"] = json!("v1");
        pvc["kind"] = json!("PersistentVolumeClaim");
        let mut defaulted_pvc = pvc.clone();
        defaulted_pvc["spec"]
            .as_object_mut()
            .map(|s| s.remove("storageClassName"));
        let mut statefulset = typical_statefulset();
        statefulset["spec"]["volumeClaimTemplates"] =
            json!([claim("data", Some("standard")), claim("wal", Some("fast"))]);
        let mut defaulted = statefulset.clone();
        defaulted["spec"]["volumeClaimTemplates"][0] = claim("data", None);
        let mut policy = Policy::new(name);
        for (what, object) in [
            ("PVC", pvc),
            ("PVC defaulted", defaulted_pvc),
            ("StatefulSet, 2 claim templates", statefulset),
            ("StatefulSet, 2 claim templates, 1 defaulted", defaulted),
        ] {
            report(
                &options,
                &mut policy,
                name,
                what,
                &admission_request("CREATE", &object, None),
                &contract,
            );
        }
    }

    if options.selected("require-upstream-chart") {
        let name = "require-upstream-chart";
        let grafana = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "grafana", "namespace": "monitoring", "labels": {"helm.sh/chart": "grafana-8.5.1"}},
            "spec": {"selector": {"matchLabels": {"app": "grafana"}},
                     "template": {"metadata": {"labels": {"app": "grafana"}},
                                  "spec": {"containers": [{"name": "grafana", "image": "grafana/grafana:11.3.0", "ports": [{"containerPort": 3000}]},
                                                          {"name": "sidecar", "image": "quay.io/kiwigrid/k8s-sidecar:1.28.0"}]}}}
        });
        let mut policy = Policy::new(name);
        report(
            &options,
            &mut policy,
            name,
            "chart-rendered Grafana Deployment",
            &admission_request("CREATE", &grafana, None),
            &json!({}),
        );
    }

    if options.selected("no-sql-mutating-jobs") {
        let name = "no-sql-mutating-jobs";
        let (inline, from_config_map, scripts) = job_with_40_line_script();
        let context = HostContext::new()
            .with_object_store(ObjectStore::from_objects([scripts]).expect("valid objects"))
            .with_context_aware_resources([ContextAwareResource::new("v1", "ConfigMap")])
            .with_host_capabilities(
                HostCapabilities::new(["kubernetes/get_resource"]).expect("pattern"),
            );
        let mut policy = Policy::with_context(name, context);
        for (what, job) in [
            ("Job, 40-line inline script", inline),
            ("Job, 40-line script from a ConfigMap", from_config_map),
        ] {
            report(
                &options,
                &mut policy,
                name,
                what,
                &admission_request("CREATE", &job, None),
                &json!({}),
            );
        }
    }

    if options.selected("misbehaving-policy") {
        // The host round trip's floor: the same request through a policy that accepts it
        // without reading it.
        report(
            &options,
            &mut Policy::new("misbehaving-policy"),
            "misbehaving-policy",
            "typical StatefulSet, accepted unread (the host round trip floor)",
            &statefulset_request,
            &json!({"behaviour": "accept"}),
        );
    }
}
