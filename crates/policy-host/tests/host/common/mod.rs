//! Shared by the integration tests: the misbehaving policy, compiled once per test binary, and
//! request builders.

#![allow(dead_code)] // each test binary uses a different subset

use std::sync::OnceLock;
use std::time::Duration;

use policy_host::{HostContext, Limits, PolicyEngine, PolicyEvaluator, PolicyModule, testing};
use serde_json::{Value, json};

/// Linear memory cap of the test module: small, so `allocate` hits it in milliseconds.
pub const MEMORY_LIMIT: usize = 32 << 20;

/// Execution deadline of the test module: short, so `loop` is interrupted quickly.
pub const DEADLINE: Duration = Duration::from_millis(300);

/// The misbehaving policy, compiled once per test binary.
pub fn module() -> &'static PolicyModule {
    static MODULE: OnceLock<PolicyModule> = OnceLock::new();
    MODULE.get_or_init(|| {
        let engine = PolicyEngine::shared().expect("the shared engine starts");
        let limits = Limits {
            execution_deadline: Some(DEADLINE),
            max_memory_bytes: Some(MEMORY_LIMIT),
            ..Limits::default()
        };
        PolicyModule::from_file(&engine, testing::policy_path("misbehaving-policy"), limits)
            .expect("the misbehaving policy compiles")
    })
}

/// A fresh evaluator of the misbehaving policy.
pub fn evaluator(context: HostContext) -> PolicyEvaluator {
    module().evaluator(context)
}

/// The settings selecting a behaviour of the misbehaving policy.
pub fn behaviour(name: &str) -> Value {
    json!({"behaviour": name})
}

/// A Pod.
pub fn pod(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}
    })
}

/// A bare AdmissionRequest creating `object`.
pub fn admission_request(uid: &str, object: Value) -> Value {
    json!({
        "uid": uid,
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
        "name": object["metadata"]["name"],
        "namespace": "default",
        "operation": "CREATE",
        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
        "object": object,
        "dryRun": false
    })
}

/// The same request wrapped in an AdmissionReview, as the API server sends it.
pub fn admission_review(uid: &str, object: Value) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": admission_request(uid, object)
    })
}
