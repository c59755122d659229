//! Host capabilities through a real guest: the misbehaving policy's `host-call` behaviour calls
//! the capability given in its settings and reports the host's answer (accepted, with the answer
//! as message) or error (rejected, with the error text as message).

use crate::common::{admission_request, evaluator, pod};
use policy_host::{
    AdmissionResponse, ContextAwareResource, HostCallOutcome, HostCapabilities, HostContext,
    ObjectStore, PolicyEvaluator,
};
use rstest::rstest;
use serde_json::{Value, json};

fn config_map(namespace: &str, name: &str, labels: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "data": {"owner": format!("{namespace}/{name}")}
    })
}

fn store() -> ObjectStore {
    ObjectStore::from_objects([
        config_map(
            "default",
            "settings",
            json!({"app": "web", "tier": "frontend"}),
        ),
        config_map("default", "flags", json!({"app": "db"})),
        config_map("other", "settings", json!({"app": "web"})),
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "password", "namespace": "default"},
            "data": {"password": "aHVudGVyMg=="}
        }),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}),
    ])
    .expect("valid objects")
}

/// A policy that declares ConfigMaps and Namespaces (not Secrets) and the Kubernetes capabilities.
fn context() -> HostContext {
    HostContext::new()
        .with_object_store(store())
        .with_context_aware_resources([
            ContextAwareResource::new("v1", "ConfigMap"),
            ContextAwareResource::new("v1", "Namespace"),
        ])
        .with_host_capabilities(HostCapabilities::new(["kubernetes/*"]).expect("valid pattern"))
}

fn host_call(
    evaluator: &mut PolicyEvaluator,
    operation: &str,
    payload: Value,
) -> AdmissionResponse {
    let settings = json!({"behaviour": "host-call", "operation": operation, "payload": payload});
    evaluator
        .validate_value(admission_request("uid-h", pod("web")), &settings)
        .expect("the module instantiates")
}

/// The host's answer, parsed: the call must have succeeded.
fn answer(response: &AdmissionResponse) -> Value {
    assert!(
        response.allowed,
        "host call failed: {:?}",
        response.message()
    );
    serde_json::from_str(response.message().expect("the answer")).expect("JSON answer")
}

fn item_names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            format!(
                "{}/{}",
                item["metadata"]["namespace"].as_str().unwrap_or("-"),
                item["metadata"]["name"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

#[test]
fn get_resource_returns_the_stored_object() {
    let mut evaluator = evaluator(context());
    let response = host_call(
        &mut evaluator,
        "get_resource",
        json!({"api_version": "v1", "kind": "ConfigMap", "name": "settings", "namespace": "other", "disable_cache": false}),
    );
    assert_eq!(
        answer(&response),
        config_map("other", "settings", json!({"app": "web"}))
    );

    let exchanges = evaluator.exchanges();
    assert_eq!(exchanges.len(), 1, "{exchanges:?}");
    let exchange = &exchanges[0];
    assert_eq!(
        (
            exchange.binding.as_str(),
            exchange.namespace.as_str(),
            exchange.operation.as_str()
        ),
        ("kubewarden", "kubernetes", "get_resource")
    );
    assert_eq!(exchange.request["name"], "settings");
    assert_eq!(
        exchange.response.payload(),
        Some(&config_map("other", "settings", json!({"app": "web"})))
    );
}

#[test]
fn get_resource_of_a_missing_object_is_a_not_found_error() {
    let mut evaluator = evaluator(context());
    let response = host_call(
        &mut evaluator,
        "get_resource",
        json!({"api_version": "v1", "kind": "ConfigMap", "name": "absent", "namespace": "default", "disable_cache": true}),
    );
    assert!(!response.allowed);
    let message = r#"Host error: Callback evaluation failure: Cannot find v1/ConfigMap named 'absent' inside of namespace 'Some("default")'"#;
    assert_eq!(response.message(), Some(message));
    assert_eq!(
        evaluator.take_exchanges()[0].response,
        HostCallOutcome::Error {
            message: message.trim_start_matches("Host error: ").to_owned()
        }
    );
    assert!(evaluator.exchanges().is_empty(), "taken");
}

#[test]
fn get_resource_applies_field_masks_but_keeps_type_and_metadata() {
    let mut evaluator = evaluator(context());
    let response = host_call(
        &mut evaluator,
        "get_resource",
        json!({"api_version": "v1", "kind": "Secret", "name": "password", "namespace": "default",
               "disable_cache": false, "field_masks": ["type"]}),
    );
    // Secrets are not declared: the mask does not matter, the read is refused.
    assert!(!response.allowed);

    let response = host_call(
        &mut evaluator,
        "get_resource",
        json!({"api_version": "v1", "kind": "ConfigMap", "name": "flags", "namespace": "default",
               "disable_cache": false, "field_masks": ["metadata.name"]}),
    );
    assert_eq!(
        answer(&response),
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "flags", "namespace": "default", "labels": {"app": "db"}}
        })
    );
}

#[rstest]
#[case::namespace_isolation(json!({}), &["default/flags", "default/settings"])]
#[case::label_selector(json!({"label_selector": "app=web"}), &["default/settings"])]
#[case::set_selector(json!({"label_selector": "app in (web,db),tier notin (backend)"}), &["default/flags", "default/settings"])]
#[case::exists_selector(json!({"label_selector": "tier"}), &["default/settings"])]
#[case::field_selector(json!({"field_selector": "metadata.name!=settings"}), &["default/flags"])]
fn list_resources_by_namespace(#[case] selectors: Value, #[case] expected: &[&str]) {
    let mut payload = json!({"api_version": "v1", "kind": "ConfigMap", "namespace": "default"});
    if let (Some(payload), Some(selectors)) = (payload.as_object_mut(), selectors.as_object()) {
        payload.extend(selectors.clone());
    }
    let list = answer(&host_call(
        &mut evaluator(context()),
        "list_resources_by_namespace",
        payload,
    ));
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["kind"], "ConfigMapList");
    assert_eq!(list["metadata"], json!({}));
    assert_eq!(item_names(&list), expected);
}

#[test]
fn list_resources_by_namespace_applies_field_masks() {
    let list = answer(&host_call(
        &mut evaluator(context()),
        "list_resources_by_namespace",
        json!({"api_version": "v1", "kind": "ConfigMap", "namespace": "other",
               "label_selector": null, "field_selector": null, "field_masks": ["data.owner"]}),
    ));
    assert_eq!(
        list,
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMapList",
            "metadata": {},
            "items": [config_map("other", "settings", json!({"app": "web"}))]
        })
    );

    let list = answer(&host_call(
        &mut evaluator(context()),
        "list_resources_by_namespace",
        json!({"api_version": "v1", "kind": "ConfigMap", "namespace": "other", "field_masks": ["spec"]}),
    ));
    assert_eq!(list["items"][0].get("data"), None, "pruned");
    assert_eq!(list["items"][0]["metadata"]["name"], "settings", "kept");
}

#[rstest]
#[case::all_config_maps(
    json!({"api_version": "v1", "kind": "ConfigMap"}),
    &["default/flags", "default/settings", "other/settings"]
)]
#[case::selected(
    json!({"api_version": "v1", "kind": "ConfigMap", "label_selector": "app=web", "field_selector": "metadata.namespace=other"}),
    &["other/settings"]
)]
#[case::cluster_scoped(json!({"api_version": "v1", "kind": "Namespace"}), &["-/default", "-/other"])]
fn list_resources_all(#[case] payload: Value, #[case] expected: &[&str]) {
    let list = answer(&host_call(
        &mut evaluator(context()),
        "list_resources_all",
        payload,
    ));
    assert_eq!(item_names(&list), expected);
}

#[rstest]
#[case::undeclared_secret(
    context(),
    "get_resource",
    json!({"api_version": "v1", "kind": "Secret", "name": "password", "namespace": "default", "disable_cache": false}),
    "Host error: Policy has not been granted access to Kubernetes v1/Secret resources. The violation has been reported."
)]
#[case::undeclared_secret_list(
    context(),
    "list_resources_all",
    json!({"api_version": "v1", "kind": "Secret"}),
    "Host error: Policy has not been granted access to Kubernetes v1/Secret resources. The violation has been reported."
)]
#[case::undeclared_capability(
    context().with_host_capabilities(HostCapabilities::new(["kubernetes/get_resource"]).expect("valid")),
    "list_resources_all",
    json!({"api_version": "v1", "kind": "ConfigMap"}),
    "Host error: Policy has not been granted access to the 'kubernetes/list_resources_all' host capability. The violation has been reported."
)]
#[case::no_capabilities(
    context().with_host_capabilities(HostCapabilities::deny_all()),
    "get_resource",
    json!({"api_version": "v1", "kind": "ConfigMap", "name": "flags", "namespace": "default", "disable_cache": false}),
    "Host error: Policy has not been granted access to the 'kubernetes/get_resource' host capability. The violation has been reported."
)]
#[case::no_context_aware_resources(
    context().with_context_aware_resources([]),
    "list_resources_by_namespace",
    json!({"api_version": "v1", "kind": "ConfigMap", "namespace": "default"}),
    "Host error: Policy has not been granted access to Kubernetes v1/ConfigMap resources. The violation has been reported."
)]
#[case::unknown_operation(
    context(),
    "delete_resource",
    json!({}),
    "Host error: unknown operation: delete_resource"
)]
#[case::unavailable_operation(
    context(),
    "can_i",
    json!({}),
    "Host error: Callback evaluation failure: the 'kubernetes/can_i' host capability is not available: this host evaluates policies offline, against an in-memory object store"
)]
#[case::malformed_payload(
    context(),
    "get_resource",
    json!({"api_version": "v1", "kind": "ConfigMap"}),
    "Host error: missing field `name` at line 1 column 39"
)]
#[case::invalid_selector(
    context(),
    "list_resources_all",
    json!({"api_version": "v1", "kind": "ConfigMap", "label_selector": "app in (web"}),
    r#"Host error: Callback evaluation failure: invalid label selector "app in (web": unable to parse requirement: found '', expected: ',' or ')'"#
)]
#[case::cluster_scoped_in_namespace(
    context(),
    "list_resources_by_namespace",
    json!({"api_version": "v1", "kind": "Namespace", "namespace": "default"}),
    "Host error: Callback evaluation failure: resource v1/Namespace is cluster wide. Cannot search for it inside of a namespace"
)]
fn refused_calls(
    #[case] context: HostContext,
    #[case] operation: &str,
    #[case] payload: Value,
    #[case] message: &str,
) {
    let mut evaluator = evaluator(context);
    let response = host_call(&mut evaluator, operation, payload);
    assert!(!response.allowed);
    assert_eq!(response.message(), Some(message));
    let exchanges = evaluator.exchanges();
    assert_eq!(
        exchanges
            .iter()
            .map(|e| e.response.error())
            .collect::<Vec<_>>(),
        [message.strip_prefix("Host error: ")],
    );
}

#[rstest]
#[case::unknown_binding("wapc", "kubernetes", "Host error: unknown binding: wapc")]
#[case::unknown_namespace("kubewarden", "storage", "Host error: unknown namespace: storage")]
fn unknown_binding_and_namespace(
    #[case] binding: &str,
    #[case] namespace: &str,
    #[case] message: &str,
) {
    let settings = json!({
        "behaviour": "host-call", "binding": binding, "namespace": namespace,
        "operation": "get_resource", "payload": {}
    });
    let response = evaluator(context())
        .validate_value(admission_request("uid-u", pod("web")), &settings)
        .expect("the module instantiates");
    assert_eq!(response.message(), Some(message));
}

#[test]
fn the_context_can_be_replaced_between_evaluations() {
    let mut evaluator = evaluator(HostContext::new());
    let payload = json!({"api_version": "v1", "kind": "ConfigMap", "name": "flags", "namespace": "default", "disable_cache": false});
    assert!(!host_call(&mut evaluator, "get_resource", payload.clone()).allowed);
    evaluator.set_context(context());
    assert_eq!(
        answer(&host_call(&mut evaluator, "get_resource", payload))["data"]["owner"],
        "default/flags"
    );
}
