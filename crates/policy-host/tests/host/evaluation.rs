//! The protocol (protocol_version, validate_settings, validate and the response kwctl prints) and
//! the host's limits, through the misbehaving test policy.

use crate::common::{
    MEMORY_LIMIT, admission_request, admission_review, behaviour, evaluator, module, pod,
};
use policy_host::{
    AdmissionResponse, HostContext, HostError, Limits, RequestError, ValidateRequest,
};
use rstest::rstest;
use serde_json::{Value, json};

fn validate(settings: &Value) -> AdmissionResponse {
    evaluator(HostContext::new())
        .validate_value(admission_request("uid-1", pod("web")), settings)
        .expect("the request is valid and the module instantiates")
}

#[test]
fn protocol_version_is_v1() {
    let version = evaluator(HostContext::new()).protocol_version();
    assert_eq!(version.expect("the policy answers"), "v1");
}

#[rstest]
#[case::no_settings(json!({}), true, None)]
#[case::known_behaviour(json!({"behaviour": "reject"}), true, None)]
#[case::unknown_behaviour(
    json!({"behaviour": "explode"}),
    false,
    Some("invalid value 'explode' for the `behaviour` setting: expected one of accept, reject, mutate, trap, loop, allocate, error, host-call")
)]
fn validate_settings(#[case] settings: Value, #[case] valid: bool, #[case] message: Option<&str>) {
    let response = evaluator(HostContext::new())
        .validate_settings(&settings)
        .expect("the module instantiates");
    assert_eq!(response.valid, valid);
    assert_eq!(response.message.as_deref(), message);
}

#[test]
fn accepted_request_prints_like_kwctl() {
    let response = validate(&behaviour("accept"));
    assert_eq!(
        serde_json::to_string(&response).expect("serialisable"),
        r#"{"uid":"uid-1","allowed":true,"auditAnnotations":null,"warnings":null}"#
    );
}

#[test]
fn rejected_request_carries_status_warnings_and_audit_annotations() {
    let response = validate(&behaviour("reject"));
    assert_eq!(
        serde_json::to_value(&response).expect("serialisable"),
        json!({
            "uid": "uid-1",
            "allowed": false,
            "status": {"message": "rejected by request", "code": 403},
            "auditAnnotations": {"misbehaving-policy/verdict": "rejected"},
            "warnings": ["misbehaving-policy was asked to reject"]
        })
    );
    let parsed: AdmissionResponse =
        serde_json::from_value(serde_json::to_value(&response).expect("serialisable"))
            .expect("the response deserialises back");
    assert_eq!(parsed, response);
}

#[rstest]
#[case::bare_request(admission_request("uid-7", pod("web")))]
#[case::admission_review(admission_review("uid-7", pod("web")))]
fn admission_review_and_bare_request_are_equivalent(#[case] input: Value) {
    let request = ValidateRequest::from_value(input).expect("valid input");
    assert_eq!(request.uid(), "uid-7");
    assert_eq!(request.object(), Some(&pod("web")));
    let response = evaluator(HostContext::new())
        .validate(&request, &behaviour("reject"))
        .expect("the module instantiates");
    assert_eq!(response.uid, "uid-7");
    assert!(!response.allowed);
    assert_eq!(response.message(), Some("rejected by request"));
    assert_eq!(response.code(), Some(403));
}

#[rstest]
#[case::not_an_object(json!([1, 2]), "Invalid request object")]
#[case::review_without_request(
    json!({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1"}),
    "invalid AdmissionReview object"
)]
#[case::request_without_uid(
    json!({"operation": "CREATE"}),
    "cannot build AdmissionRequest object from given input: missing field `uid`"
)]
fn invalid_requests_are_host_errors(#[case] input: Value, #[case] message: &str) {
    let error = evaluator(HostContext::new())
        .validate_value(input, &json!({}))
        .expect_err("invalid request");
    assert!(matches!(error, HostError::Request(_)), "{error:?}");
    assert_eq!(error.to_string(), message);
    assert!(matches!(
        ValidateRequest::from_json(b"{not json"),
        Err(RequestError::Json(_))
    ));
}

#[rstest]
#[case::labels_exist(
    pod("web"),
    json!([{"op": "add", "path": "/metadata/labels/mutated", "value": "true"}])
)]
#[case::no_labels(
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"}}),
    json!([{"op": "add", "path": "/metadata/labels", "value": {"mutated": "true"}}])
)]
fn mutation_is_an_exact_json_patch(#[case] object: Value, #[case] expected_patch: Value) {
    let response = evaluator(HostContext::new())
        .validate_value(
            admission_request("uid-m", object.clone()),
            &behaviour("mutate"),
        )
        .expect("the module instantiates");
    assert!(response.allowed);
    assert_eq!(response.status, None);
    assert_eq!(response.patch_type.as_deref(), Some("JSONPatch"));
    assert_eq!(
        response.decoded_patch_json().expect("a base64 JSON patch"),
        expected_patch
    );

    let mut patched = object;
    let patch = response.decoded_patch().expect("an RFC 6902 patch");
    json_patch::patch(&mut patched, &patch).expect("the patch applies to the request object");
    assert_eq!(patched["metadata"]["labels"]["mutated"], "true");
}

/// The waPC errors policy-server turns into a 500, with its exact wording.
#[rstest]
#[case::trap(
    "trap",
    "internal server error: Guest call failure: wasm trap: wasm `unreachable` instruction executed"
)]
#[case::guest_error(
    "error",
    "internal server error: Guest call failure: misbehaving-policy failed on purpose"
)]
#[case::deadline(
    "loop",
    "internal server error: Guest call failure: guest code interrupted, execution deadline exceeded"
)]
#[case::unbounded_allocation(
    "allocate",
    "internal server error: Guest call failure: wasm trap: wasm `unreachable` instruction executed"
)]
fn failures_are_500_and_the_next_evaluation_works(#[case] failure: &str, #[case] message: &str) {
    let mut evaluator = evaluator(HostContext::new());
    let request =
        ValidateRequest::from_value(admission_request("uid-f", pod("web"))).expect("valid request");

    let response = evaluator
        .validate(&request, &behaviour(failure))
        .expect("the module instantiates");
    assert_eq!(response.uid, "uid-f");
    assert!(!response.allowed);
    assert_eq!(response.code(), Some(500));
    assert_eq!(response.message(), Some(message));

    let next = evaluator
        .validate(&request, &behaviour("reject"))
        .expect("a new instance replaces the failed one");
    assert_eq!(next.message(), Some("rejected by request"));
    assert_eq!(next.code(), Some(403));
}

/// Parses "allocated N bytes before the allocator failed".
fn allocated_bytes(response: &AdmissionResponse) -> usize {
    let message = response
        .message()
        .expect("the policy reports what it allocated");
    message
        .strip_prefix("allocated ")
        .and_then(|rest| rest.strip_suffix(" bytes before the allocator failed"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected message {message:?}"))
}

#[test]
fn linear_memory_is_capped_at_the_configured_size() {
    let settings = json!({"behaviour": "allocate", "fallible": true});
    let request = admission_request("uid-a", pod("web"));

    let small = allocated_bytes(
        &evaluator(HostContext::new())
            .validate_value(request.clone(), &settings)
            .expect("the module instantiates"),
    );
    // Everything but the module's static data and stack (~1 MiB) can be allocated, not more.
    assert!(small <= MEMORY_LIMIT, "allocated {small} bytes");
    assert!(small >= MEMORY_LIMIT - (4 << 20), "allocated {small} bytes");

    let larger = module()
        .with_limits(Limits {
            max_memory_bytes: Some(2 * MEMORY_LIMIT),
            ..module().limits().clone()
        })
        .expect("same compiled module, other limits");
    let large = allocated_bytes(
        &larger
            .evaluator(HostContext::new())
            .validate_value(request, &settings)
            .expect("the module instantiates"),
    );
    assert!(
        large > MEMORY_LIMIT && large <= 2 * MEMORY_LIMIT,
        "allocated {large} bytes"
    );
}

#[test]
fn settings_then_validate_on_one_instance_like_kwctl() {
    let mut evaluator = evaluator(HostContext::new());
    let settings = behaviour("reject");
    assert!(
        evaluator
            .validate_settings(&settings)
            .expect("instance")
            .valid
    );
    let response = evaluator
        .validate_value(admission_review("uid-k", pod("web")), &settings)
        .expect("same instance");
    assert_eq!(response.message(), Some("rejected by request"));
}

#[test]
fn fresh_instance_per_evaluation_gives_the_same_answers() {
    let mut evaluator = evaluator(HostContext::new()).fresh_instance_per_evaluation(true);
    for settings in [behaviour("accept"), behaviour("trap"), behaviour("reject")] {
        let response = evaluator
            .validate_value(admission_request("uid-x", pod("web")), &settings)
            .expect("a new instance each time");
        assert_eq!(response.allowed, settings == behaviour("accept"));
    }
}

#[test]
fn one_module_serves_evaluators_on_several_threads() {
    let verdicts: Vec<(bool, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = ["accept", "reject", "loop"]
            .into_iter()
            .map(|b| {
                let module = module().clone();
                scope.spawn(move || {
                    let response = module
                        .evaluator(HostContext::new())
                        .validate_value(admission_request("uid-t", pod("web")), &behaviour(b))
                        .expect("the module instantiates");
                    (response.allowed, response.message().map(str::to_owned))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    assert_eq!(verdicts[0], (true, None));
    assert_eq!(verdicts[1], (false, Some("rejected by request".to_owned())));
    assert_eq!(
        verdicts[2].1.as_deref(),
        Some(
            "internal server error: Guest call failure: guest code interrupted, execution deadline exceeded"
        )
    );
}
