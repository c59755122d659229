// TEMPORARY profiling harness (to be removed).
use std::time::{Duration, Instant};

use policy_host::{HostContext, Limits, PolicyEngine, PolicyModule};
use serde_json::{Value, json};

fn request() -> Value {
    let object = json!({
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
    });
    json!({
        "uid": "create-data-kafka",
        "kind": {"group": "apps", "version": "v1", "kind": "StatefulSet"},
        "resource": {"group": "apps", "version": "v1", "resource": "statefulsets"},
        "requestKind": {"group": "apps", "version": "v1", "kind": "StatefulSet"},
        "requestResource": {"group": "apps", "version": "v1", "resource": "statefulsets"},
        "name": "kafka", "namespace": "data", "operation": "CREATE",
        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": object, "oldObject": null, "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("misbehaving-policy", String::as_str);
    let iterations: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let settings = if name == "misbehaving-policy" {
        json!({"behaviour": "accept"})
    } else {
        json!({})
    };
    let engine = PolicyEngine::shared().unwrap();
    let path = format!(
        "{}/../../target/policies/{name}.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    let module = PolicyModule::from_file(&engine, path, Limits::default()).unwrap();
    let mut evaluator = module.evaluator(HostContext::new());
    let request = request();
    println!(
        "payload bytes: {}",
        serde_json::to_vec(&json!({"request": &request, "settings": &settings}))
            .unwrap()
            .len()
    );
    for _ in 0..500 {
        evaluator
            .validate_value(request.clone(), &settings)
            .unwrap();
    }
    let mut samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let request = request.clone();
            let start = Instant::now();
            let r = evaluator.validate_value(request, &settings).unwrap();
            let e = start.elapsed();
            std::hint::black_box(r);
            e
        })
        .collect();
    samples.sort();
    let phase = |label: &str, f: &mut dyn FnMut() -> Duration| {
        let mut v: Vec<Duration> = (0..iterations).map(|_| f()).collect();
        v.sort();
        println!("  {label}: median {:?}", v[iterations / 2]);
    };
    phase("clone", &mut || {
        let s = Instant::now();
        let r = request.clone();
        let e = s.elapsed();
        drop(r);
        e
    });
    phase("drop", &mut || {
        let r = request.clone();
        let s = Instant::now();
        drop(r);
        s.elapsed()
    });
    phase("from_value", &mut || {
        let r = request.clone();
        let s = Instant::now();
        let v = policy_host::ValidateRequest::from_value(r).unwrap();
        let e = s.elapsed();
        drop(v);
        e
    });
    let vr = policy_host::ValidateRequest::from_value(request.clone()).unwrap();
    phase("validate_payload", &mut || {
        let s = Instant::now();
        let v = vr.validate_payload(&settings).unwrap();
        let e = s.elapsed();
        drop(v);
        e
    });
    phase("to_writer presized", &mut || {
        let s = Instant::now();
        let mut v = Vec::with_capacity(4096);
        serde_json::to_writer(
            &mut v,
            &json!({"request": vr.admission_request().object, "settings": &settings}),
        )
        .unwrap();
        let e = s.elapsed();
        drop(v);
        e
    });
    phase("object to_vec", &mut || {
        let s = Instant::now();
        let v = serde_json::to_vec(&vr.admission_request().object).unwrap();
        let e = s.elapsed();
        drop(v);
        e
    });
    phase("object to_vec presized", &mut || {
        let s = Instant::now();
        let mut v = Vec::with_capacity(4096);
        serde_json::to_writer(&mut v, &vr.admission_request().object).unwrap();
        let e = s.elapsed();
        drop(v);
        e
    });
    phase("validate(typed)", &mut || {
        let s = Instant::now();
        let v = evaluator.validate(&vr, &settings).unwrap();
        let e = s.elapsed();
        drop(v);
        e
    });
    phase("drop ValidateRequest", &mut || {
        let v = policy_host::ValidateRequest::from_value(request.clone()).unwrap();
        let s = Instant::now();
        drop(v);
        s.elapsed()
    });
    println!(
        "{name}: median {:?} p99 {:?}",
        samples[iterations / 2],
        samples[iterations * 99 / 100]
    );
}
