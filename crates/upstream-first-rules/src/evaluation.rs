//! The life of one admission request, shared by every policy: operations, deletions,
//! exemptions, waivers, UPDATE semantics and warn-only mode. A policy only says which
//! violations an object has; everything around that is decided here, once.

use std::collections::{BTreeSet, HashMap};

use kubewarden_policy_sdk::request::KubernetesAdmissionRequest;
use kubewarden_policy_sdk::response::ValidationResponse;
use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::exemptions::{self, EXEMPT_ANNOTATION, EXEMPT_REASON_ANNOTATION, Subject, Waiver};
use crate::podspec::{ObjectMeta, object_metadata};
use crate::settings::{self, EnforceOnUpdate, Settings, Validate};

pub const MALFORMED_REQUEST: &str = "malformed admission request";
pub const INVALID_SETTINGS: &str = "invalid settings";
/// Audit annotation set when an exempt object is accepted (the API server prefixes it
/// with the webhook name).
pub const EXEMPTION_AUDIT_ANNOTATION: &str = "exemption";
/// HTTP status for requests the policy cannot read.
pub const BAD_REQUEST: u16 = 400;

/// One broken rule. The key identifies the violation across an UPDATE (same container,
/// same finding), so changes elsewhere in the object do not turn an old violation into a
/// new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub key: String,
    pub message: String,
}

/// What a policy found in one object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings {
    pub violations: Vec<Violation>,
    pub warnings: Vec<String>,
    /// The object as the policy wants it stored (mutating policies only).
    pub mutated_object: Option<Value>,
}

impl Findings {
    pub fn violation(key: impl Into<String>, message: impl Into<String>) -> Self {
        Findings {
            violations: vec![Violation {
                key: key.into(),
                message: message.into(),
            }],
            ..Default::default()
        }
    }
}

/// The request being judged, with the kind, namespace and name resolved once.
pub struct Review<'a> {
    pub request: &'a KubernetesAdmissionRequest,
    pub kind: &'a str,
    pub namespace: String,
    pub name: String,
    pub metadata: ObjectMeta,
}

impl Review<'_> {
    /// `Kind namespace/name`, as every message names the object.
    pub fn display(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// A policy of the suite: its name, its own settings, and its check.
pub trait Policy {
    const NAME: &'static str;
    /// Namespaces exempt unless the settings say otherwise.
    const DEFAULT_EXEMPT_NAMESPACES: &'static [&'static str] = &[];
    type Settings: DeserializeOwned + Validate;

    /// The violations of `object` (the new object, or the old one on UPDATE).
    /// An error rejects the request with that message.
    fn check(
        settings: &Self::Settings,
        review: &Review,
        object: &Value,
    ) -> Result<Findings, String>;
}

#[derive(Deserialize)]
struct Payload {
    request: KubernetesAdmissionRequest,
    #[serde(default)]
    settings: Value,
}

/// A payload's JSON. Its UTF-8 is checked once, in one pass: `serde_json::from_slice` checks
/// each string apart, which cost the Job policy's validate more than the check of the whole.
fn parse_json<T: DeserializeOwned>(payload: &[u8]) -> Result<T, String> {
    let text = std::str::from_utf8(payload).map_err(|e| e.to_string())?;
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// `validate_settings`: raw settings JSON in, the Kubewarden settings response out.
pub fn validate_settings<P: Policy>(payload: &[u8]) -> SettingsValidationResponse {
    let parsed = parse_json::<Value>(payload)
        .map_err(|e| format!("settings are not JSON: {e}"))
        .and_then(|raw| settings::parse::<P::Settings>(&raw));
    match parsed {
        Ok(_) => SettingsValidationResponse {
            valid: true,
            message: None,
        },
        Err(message) => SettingsValidationResponse {
            valid: false,
            message: Some(message),
        },
    }
}

/// `validate`: the Kubewarden payload `{"request", "settings"}` in, the verdict out.
pub fn validate<P: Policy>(payload: &[u8]) -> ValidationResponse {
    let payload: Payload = match parse_json(payload) {
        Ok(payload) => payload,
        Err(e) => return rejected(format!("{MALFORMED_REQUEST}: {e}"), Some(BAD_REQUEST)),
    };
    let settings = match settings::parse::<P::Settings>(&payload.settings) {
        Ok(settings) => settings,
        Err(e) => return rejected(format!("{INVALID_SETTINGS}: {e}"), Some(BAD_REQUEST)),
    };
    evaluate::<P>(&payload.request, &settings)
}

/// Judges one request with already-read settings.
pub fn evaluate<P: Policy>(
    request: &KubernetesAdmissionRequest,
    settings: &Settings<P::Settings>,
) -> ValidationResponse {
    if request.operation == "DELETE" || request.operation == "CONNECT" {
        return accepted(Vec::new());
    }
    let object = &request.object;
    if !object.is_object() {
        return rejected(
            format!("{MALFORMED_REQUEST}: the request carries no object"),
            Some(BAD_REQUEST),
        );
    }
    let metadata = match object_metadata(object) {
        Ok(metadata) => metadata,
        Err(e) => return rejected(format!("{MALFORMED_REQUEST}: {e}"), Some(BAD_REQUEST)),
    };
    if metadata.deletion_timestamp.is_some() {
        return accepted(Vec::new());
    }
    let kind = non_empty(&request.kind.kind)
        .or_else(|| object.get("kind").and_then(Value::as_str))
        .unwrap_or("");
    let namespace = non_empty(&request.namespace)
        .or(metadata.namespace.as_deref())
        .unwrap_or("")
        .to_string();
    let name = non_empty(&request.name)
        .or(metadata.name.as_deref())
        .or(metadata.generate_name.as_deref())
        .unwrap_or("")
        .to_string();
    let review = Review {
        request,
        kind,
        namespace,
        name,
        metadata,
    };
    let subject = Subject {
        kind,
        namespace: &review.namespace,
        name: &review.name,
        annotations: &review.metadata.annotations,
    };
    if let Some(exempted) = exemptions::find(
        P::NAME,
        &settings.common,
        P::DEFAULT_EXEMPT_NAMESPACES,
        subject,
    ) {
        let reason = exempted.reason();
        let mut response = accepted(vec![format!(
            "{} is exempt from {} ({}): {reason}",
            review.display(),
            P::NAME,
            exempted.granted_by()
        )]);
        response.audit_annotations = Some(HashMap::from([(
            EXEMPTION_AUDIT_ANNOTATION.to_string(),
            format!("{}: {reason}", P::NAME),
        )]));
        return response;
    }

    let findings = match P::check(&settings.policy, &review, object) {
        Ok(findings) => findings,
        Err(message) => return rejected(message, Some(BAD_REQUEST)),
    };
    let mut warnings = findings.warnings;
    let mut violations = findings.violations;
    if violations.is_empty() {
        return with_mutation(accepted(warnings), findings.mutated_object);
    }
    if let Some(ignored) = ignored_waiver::<P>(&review, settings.common.allow_annotation_exemptions)
    {
        warnings.push(ignored);
    }

    if request.operation == "UPDATE"
        && settings.common.enforce_on_update == EnforceOnUpdate::NewViolations
        && request.old_object.is_object()
    {
        let old_keys: BTreeSet<String> = P::check(&settings.policy, &review, &request.old_object)
            .map(|old| old.violations.into_iter().map(|v| v.key).collect())
            .unwrap_or_default();
        let (existing, new): (Vec<_>, Vec<_>) = violations
            .into_iter()
            .partition(|v| old_keys.contains(&v.key));
        warnings.extend(existing.into_iter().map(|v| {
            format!(
                "pre-existing violation accepted on UPDATE (enforceOnUpdate: new-violations): {}",
                v.message
            )
        }));
        violations = new;
        if violations.is_empty() {
            return with_mutation(accepted(warnings), findings.mutated_object);
        }
    }

    if settings.common.warn_only {
        warnings.extend(
            violations
                .into_iter()
                .map(|v| format!("{} (warnOnly): {}", P::NAME, v.message)),
        );
        return with_mutation(accepted(warnings), findings.mutated_object);
    }

    let message = violations
        .iter()
        .map(|v| v.message.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut response = rejected(message, None);
    response.warnings = non_empty_vec(warnings);
    response
}

/// Tells the author why the waiver annotation they wrote changed nothing.
fn ignored_waiver<P: Policy>(review: &Review, waivers_allowed: bool) -> Option<String> {
    let waiver = exemptions::annotation_waiver(P::NAME, &review.metadata.annotations);
    let why = match (waiver, waivers_allowed) {
        (Waiver::None, _) | (Waiver::Requested { .. }, true) => return None,
        (_, false) => format!(
            "allowAnnotationExemptions is false in the {} settings; ask the platform team for an exemption",
            P::NAME
        ),
        (Waiver::MissingReason, true) => format!("{EXEMPT_REASON_ANNOTATION} is missing"),
    };
    Some(format!(
        "{}: annotation {EXEMPT_ANNOTATION} is ignored: {why}",
        review.display()
    ))
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn non_empty_vec(v: Vec<String>) -> Option<Vec<String>> {
    (!v.is_empty()).then_some(v)
}

fn accepted(warnings: Vec<String>) -> ValidationResponse {
    ValidationResponse {
        accepted: true,
        message: None,
        code: None,
        mutated_object: None,
        audit_annotations: None,
        warnings: non_empty_vec(warnings),
    }
}

fn with_mutation(mut response: ValidationResponse, mutated: Option<Value>) -> ValidationResponse {
    response.mutated_object = mutated;
    response
}

fn rejected(message: String, code: Option<u16>) -> ValidationResponse {
    ValidationResponse {
        accepted: false,
        message: Some(message),
        code,
        mutated_object: None,
        audit_annotations: None,
        warnings: None,
    }
}

/// Registers a policy's waPC entry points (`validate`, `validate_settings`,
/// `protocol_version`), so every policy crate speaks the protocol the same way.
#[macro_export]
macro_rules! register_policy {
    ($policy:ty) => {
        // Only the wasm module has them: native builds (fuzzing, replay tests) link several
        // policies into one binary and call `evaluation::validate::<Policy>` directly.
        #[cfg(target_arch = "wasm32")]
        #[global_allocator]
        static ALLOCATOR: $crate::allocator::SizeClasses<::std::alloc::System> =
            $crate::allocator::SizeClasses::new(::std::alloc::System);

        #[cfg(target_arch = "wasm32")]
        #[allow(
            unsafe_code,
            reason = "waPC calls the module's exported `wapc_init` by name"
        )]
        #[unsafe(no_mangle)]
        pub extern "C" fn wapc_init() {
            use $crate::kubewarden_policy_sdk::wapc_guest::{self as guest, CallResult};
            guest::register_function("validate", |payload: &[u8]| -> CallResult {
                Ok($crate::serde_json::to_vec(
                    &$crate::evaluation::validate::<$policy>(payload),
                )?)
            });
            guest::register_function("validate_settings", |payload: &[u8]| -> CallResult {
                Ok($crate::serde_json::to_vec(
                    &$crate::evaluation::validate_settings::<$policy>(payload),
                )?)
            });
            guest::register_function(
                "protocol_version",
                $crate::kubewarden_policy_sdk::protocol_version_guest,
            );
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    /// A policy that flags every container named `bad`, keyed by container name.
    struct NoBadContainers;

    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NoSettings {}
    impl Validate for NoSettings {}

    impl Policy for NoBadContainers {
        const NAME: &'static str = "no-bad";
        const DEFAULT_EXEMPT_NAMESPACES: &'static [&'static str] = &["kube-system"];
        type Settings = NoSettings;
        fn check(_: &NoSettings, review: &Review, object: &Value) -> Result<Findings, String> {
            let containers = object["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            Ok(Findings {
                violations: containers
                    .iter()
                    .filter_map(|c| c["name"].as_str())
                    .filter(|n| n.starts_with("bad"))
                    .map(|n| Violation {
                        key: n.to_string(),
                        message: format!("{}: container {n} is bad", review.display()),
                    })
                    .collect(),
                ..Default::default()
            })
        }
    }

    fn pod(containers: &[&str], annotations: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop", "annotations": annotations},
            "spec": {"containers": containers.iter().map(|n| json!({"name": n})).collect::<Vec<_>>()}
        })
    }

    fn run(operation: &str, object: Value, old: Value, settings: Value) -> ValidationResponse {
        let payload = json!({
            "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                        "operation": operation, "namespace": "shop", "name": "p",
                        "object": object, "oldObject": old},
            "settings": settings
        });
        validate::<NoBadContainers>(&serde_json::to_vec(&payload).unwrap())
    }

    #[test]
    fn create_with_violation_is_rejected() {
        let r = run("CREATE", pod(&["bad"], json!({})), Value::Null, json!({}));
        assert!(!r.accepted);
        assert_eq!(
            r.message.as_deref(),
            Some("Pod shop/p: container bad is bad")
        );
        assert_eq!(r.code, None);
    }

    #[test]
    fn several_violations_are_listed_one_per_line() {
        let r = run(
            "CREATE",
            pod(&["bad1", "bad2"], json!({})),
            Value::Null,
            json!({}),
        );
        assert_eq!(
            r.message.as_deref(),
            Some("Pod shop/p: container bad1 is bad\nPod shop/p: container bad2 is bad")
        );
    }

    #[rstest]
    #[case::delete("DELETE", pod(&["bad"], json!({})))]
    #[case::clean("CREATE", pod(&["good"], json!({})))]
    #[case::deleting("UPDATE", json!({"metadata": {"name": "p", "deletionTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"containers": [{"name": "bad"}]}}))]
    fn accepted_without_warnings(#[case] operation: &str, #[case] object: Value) {
        let r = run(operation, object, Value::Null, json!({}));
        assert!(r.accepted);
        assert_eq!(r.warnings, None);
    }

    #[test]
    fn update_keeps_pre_existing_violations_as_warnings() {
        let r = run(
            "UPDATE",
            pod(&["bad", "good2"], json!({})),
            pod(&["bad"], json!({})),
            json!({}),
        );
        assert!(r.accepted);
        assert_eq!(
            r.warnings.unwrap(),
            vec![
                "pre-existing violation accepted on UPDATE (enforceOnUpdate: new-violations): Pod shop/p: container bad is bad"
            ]
        );
    }

    #[test]
    fn update_introducing_a_violation_is_rejected() {
        let r = run(
            "UPDATE",
            pod(&["bad", "bad2"], json!({})),
            pod(&["bad"], json!({})),
            json!({}),
        );
        assert!(!r.accepted);
        assert_eq!(
            r.message.as_deref(),
            Some("Pod shop/p: container bad2 is bad")
        );
        assert_eq!(r.warnings.unwrap().len(), 1);
    }

    #[test]
    fn update_always_rejects_pre_existing_violations() {
        let r = run(
            "UPDATE",
            pod(&["bad"], json!({})),
            pod(&["bad"], json!({})),
            json!({"enforceOnUpdate": "always"}),
        );
        assert!(!r.accepted);
    }

    #[test]
    fn warn_only_accepts_with_the_message() {
        let r = run(
            "CREATE",
            pod(&["bad"], json!({})),
            Value::Null,
            json!({"warnOnly": true}),
        );
        assert!(r.accepted);
        assert_eq!(
            r.warnings.unwrap(),
            vec!["no-bad (warnOnly): Pod shop/p: container bad is bad"]
        );
    }

    #[test]
    fn listed_exemption_is_accepted_with_reason_and_audit_annotation() {
        let settings = json!({"exemptions": [{"namespace": "shop", "name": "p", "reason": "vendor appliance"}]});
        let r = run("CREATE", pod(&["bad"], json!({})), Value::Null, settings);
        assert!(r.accepted);
        assert_eq!(
            r.warnings.unwrap(),
            vec!["Pod shop/p is exempt from no-bad (exemptions): vendor appliance"]
        );
        assert_eq!(
            r.audit_annotations.unwrap()[EXEMPTION_AUDIT_ANNOTATION],
            "no-bad: vendor appliance"
        );
    }

    #[test]
    fn annotation_waiver_is_ignored_by_default_and_says_so() {
        let annotations =
            json!({EXEMPT_ANNOTATION: "no-bad", EXEMPT_REASON_ANNOTATION: "trust me"});
        let r = run(
            "CREATE",
            pod(&["bad"], annotations.clone()),
            Value::Null,
            json!({}),
        );
        assert!(!r.accepted);
        assert_eq!(
            r.warnings.unwrap(),
            vec![
                "Pod shop/p: annotation upstream-first.io/exempt is ignored: allowAnnotationExemptions is false in the no-bad settings; ask the platform team for an exemption"
            ]
        );
        let r = run(
            "CREATE",
            pod(&["bad"], annotations),
            Value::Null,
            json!({"allowAnnotationExemptions": true}),
        );
        assert!(r.accepted);
        assert_eq!(
            r.warnings.unwrap(),
            vec!["Pod shop/p is exempt from no-bad (upstream-first.io/exempt): trust me"]
        );
    }

    #[rstest]
    #[case(b"not json".as_slice(), "malformed admission request: expected ident at line 1 column 2")]
    #[case(b"{\"request\": {\"name\": \"\xff\"}}".as_slice(), "malformed admission request: invalid utf-8 sequence of 1 bytes from index 22")]
    #[case(br#"{"settings": {}}"#.as_slice(), "malformed admission request: missing field `request` at line 1 column 16")]
    #[case(br#"{"request": {"operation": "CREATE"}}"#.as_slice(), "malformed admission request: the request carries no object")]
    #[case(br#"{"request": {"operation": "CREATE", "object": {"metadata": {"labels": []}}}}"#.as_slice(), "malformed admission request: metadata.labels: invalid type: sequence, expected a map")]
    #[case(br#"{"request": {"operation": "CREATE", "object": {}}, "settings": {"warnOnly": 1}}"#.as_slice(), "invalid settings: warnOnly: invalid type: integer `1`, expected a boolean")]
    fn bad_input_is_rejected_clearly(#[case] payload: &[u8], #[case] message: &str) {
        let r = validate::<NoBadContainers>(payload);
        assert!(!r.accepted);
        assert_eq!(r.message.as_deref(), Some(message));
        assert_eq!(r.code, Some(BAD_REQUEST));
    }

    #[test]
    fn default_exempt_namespaces() {
        let mut object = pod(&["bad"], json!({}));
        object["metadata"]["namespace"] = json!("kube-system");
        let payload = json!({"request": {"operation": "CREATE", "object": object}});
        let r = validate::<NoBadContainers>(&serde_json::to_vec(&payload).unwrap());
        assert!(r.accepted);
    }

    #[rstest]
    #[case(json!({}), true, None)]
    #[case(json!({"exemptions": [{"namespace": "*", "name": "x"}]}), false, Some("exemptions[0]: missing field `reason`"))]
    fn settings_validation(#[case] raw: Value, #[case] valid: bool, #[case] message: Option<&str>) {
        let r = validate_settings::<NoBadContainers>(&serde_json::to_vec(&raw).unwrap());
        assert_eq!(r.valid, valid);
        assert_eq!(r.message.as_deref(), message);
    }
}
