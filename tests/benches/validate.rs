//! `validate` through the host, warm: median and p99 per policy and request, plus the size
//! of each module. Run with `cargo xtask bench`.

use std::time::{Duration, Instant};

use e2e_tests::{Policy, admission_request};
use policy_host::testing;
use serde_json::{Value, json};

const WARMUP: usize = 200;
const ITERATIONS: usize = 5_000;

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

fn measure(policy: &mut Policy, request: &Value, settings: &Value) -> (Duration, Duration) {
    for _ in 0..WARMUP {
        policy.validate(request.clone(), settings.clone());
    }
    let mut samples: Vec<Duration> = (0..ITERATIONS)
        .map(|_| {
            let request = request.clone();
            let start = Instant::now();
            policy.validate(request, settings.clone());
            start.elapsed()
        })
        .collect();
    samples.sort();
    (samples[ITERATIONS / 2], samples[ITERATIONS * 99 / 100])
}

fn main() {
    let name = "no-raw-datastores";
    let size = std::fs::metadata(testing::policy_path(name))
        .map(|m| m.len())
        .unwrap_or(0);
    let mut policy = Policy::new(name);
    let request = admission_request("CREATE", &typical_statefulset(), None);
    let (median, p99) = measure(&mut policy, &request, &json!({}));
    println!(
        "{name}: {size} bytes ({} KiB); validate typical StatefulSet: median {median:?}, p99 {p99:?} ({ITERATIONS} runs)",
        size / 1024
    );

    // The floor: the same request through a policy that accepts without reading it.
    let mut baseline = Policy::new("misbehaving-policy");
    let (median, p99) = measure(&mut baseline, &request, &json!({"behaviour": "accept"}));
    println!("host round trip floor (accept-everything policy): median {median:?}, p99 {p99:?}");
}
