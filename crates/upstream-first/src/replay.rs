//! kwctl's recorded host-capability sessions (`kwctl run
//! --record-host-capabilities-interactions`), replayed by `upstream-first run
//! --replay-host-capabilities-interactions`.
//!
//! A session is a YAML list of exchanges, in call order:
//!
//! ```yaml
//! - type: Exchange
//!   request: |
//!     !KubernetesListResourceNamespace
//!     api_version: networking.k8s.io/v1
//!     kind: NetworkPolicy
//!     namespace: shop
//!     label_selector: null
//!     field_selector: null
//!   response:
//!     type: Success
//!     payload: '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicyList","items":[…]}'
//! ```
//!
//! The host answers `kubernetes/*` calls from its object store, so a session is replayed by
//! loading the objects its answers hold into the store; the calls the policy makes are then
//! checked, in order, against the recorded requests, and any difference is reported (kwctl would
//! have refused the call). Answers of other capabilities (`oci`, `net`, `crypto`) cannot be
//! replayed offline.

use policy_host::{HostCallExchange, ObjectStore};
use serde::Deserialize;
use serde_json::Value;

/// One recorded exchange.
#[derive(Debug, Clone, Deserialize)]
struct Exchange {
    request: String,
    response: Response,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
enum Response {
    Success { payload: String },
    Error { message: String },
}

/// A recorded request (policy-evaluator's `CallbackRequestType`), as far as it matters here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordedRequest {
    /// `KubernetesGetResource`.
    Get {
        /// apiVersion.
        api_version: String,
        /// kind.
        kind: String,
        /// namespace.
        namespace: Option<String>,
        /// name.
        name: String,
    },
    /// `KubernetesListResourceNamespace`.
    ListNamespace {
        /// apiVersion.
        api_version: String,
        /// kind.
        kind: String,
        /// namespace.
        namespace: String,
        /// label selector.
        label_selector: Option<String>,
        /// field selector.
        field_selector: Option<String>,
    },
    /// `KubernetesListResourceAll`.
    ListAll {
        /// apiVersion.
        api_version: String,
        /// kind.
        kind: String,
        /// label selector.
        label_selector: Option<String>,
        /// field selector.
        field_selector: Option<String>,
    },
    /// Any other capability (named by its variant).
    Other(String),
}

impl std::fmt::Display for RecordedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Get {
                api_version,
                kind,
                namespace,
                name,
            } => write!(
                f,
                "get {api_version} {kind} {}{name}",
                namespace
                    .as_ref()
                    .map(|n| format!("{n}/"))
                    .unwrap_or_default()
            ),
            Self::ListNamespace {
                api_version,
                kind,
                namespace,
                label_selector,
                field_selector,
            } => write!(
                f,
                "list {api_version} {kind} in namespace {namespace}{}{}",
                selector_text("labels", label_selector.as_deref()),
                selector_text("fields", field_selector.as_deref())
            ),
            Self::ListAll {
                api_version,
                kind,
                label_selector,
                field_selector,
            } => write!(
                f,
                "list {api_version} {kind} in every namespace{}{}",
                selector_text("labels", label_selector.as_deref()),
                selector_text("fields", field_selector.as_deref())
            ),
            Self::Other(name) => f.write_str(name),
        }
    }
}

fn selector_text(label: &str, selector: Option<&str>) -> String {
    selector
        .filter(|s| !s.is_empty())
        .map(|s| format!(" ({label} {s})"))
        .unwrap_or_default()
}

#[derive(Debug, Deserialize)]
struct Fields {
    api_version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    label_selector: Option<String>,
    field_selector: Option<String>,
}

/// Reads the `request` text of an exchange (`!Variant` tag, or a one-key mapping).
fn parse_request(text: &str) -> Result<RecordedRequest, String> {
    use serde_yaml_ng::Value as Yaml;
    let value: Yaml = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let (variant, body) = match value {
        Yaml::Tagged(tagged) => (
            tagged.tag.to_string().trim_start_matches('!').to_owned(),
            tagged.value,
        ),
        Yaml::Mapping(mapping) if mapping.len() == 1 => {
            let (key, body) = mapping.into_iter().next().ok_or("empty request")?;
            (key.as_str().unwrap_or_default().to_owned(), body)
        }
        Yaml::String(variant) => (variant, Yaml::Null),
        _ => return Err("not a recorded request".to_owned()),
    };
    let fields = || -> Result<Fields, String> {
        serde_yaml_ng::from_value(body.clone()).map_err(|e| format!("{variant}: {e}"))
    };
    let required = |value: Option<String>, field: &str| {
        value.ok_or_else(|| format!("{variant}: missing field `{field}`"))
    };
    Ok(match variant.as_str() {
        "KubernetesGetResource" => {
            let f = fields()?;
            RecordedRequest::Get {
                api_version: required(f.api_version, "api_version")?,
                kind: required(f.kind, "kind")?,
                namespace: f.namespace,
                name: required(f.name, "name")?,
            }
        }
        "KubernetesListResourceNamespace" => {
            let f = fields()?;
            RecordedRequest::ListNamespace {
                api_version: required(f.api_version, "api_version")?,
                kind: required(f.kind, "kind")?,
                namespace: required(f.namespace, "namespace")?,
                label_selector: f.label_selector,
                field_selector: f.field_selector,
            }
        }
        "KubernetesListResourceAll" => {
            let f = fields()?;
            RecordedRequest::ListAll {
                api_version: required(f.api_version, "api_version")?,
                kind: required(f.kind, "kind")?,
                label_selector: f.label_selector,
                field_selector: f.field_selector,
            }
        }
        _ => RecordedRequest::Other(variant),
    })
}

/// A recorded exchange, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedExchange {
    /// What the policy asked.
    pub request: RecordedRequest,
    /// What it was answered (`Err`: the error text).
    pub response: Result<Value, String>,
}

/// A kwctl session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Session {
    /// The exchanges, in call order.
    pub exchanges: Vec<RecordedExchange>,
}

impl Session {
    /// Parses a session file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let exchanges: Vec<Exchange> =
            serde_yaml_ng::from_str(text).map_err(|e| format!("not a kwctl session: {e}"))?;
        let exchanges = exchanges
            .into_iter()
            .enumerate()
            .map(|(index, exchange)| {
                let request = parse_request(&exchange.request)
                    .map_err(|e| format!("exchange {}: request: {e}", index + 1))?;
                let response = match exchange.response {
                    Response::Success { payload } => {
                        Ok(serde_json::from_str(&payload).unwrap_or(Value::String(payload)))
                    }
                    Response::Error { message } => Err(message),
                };
                Ok(RecordedExchange { request, response })
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { exchanges })
    }

    /// The objects the recorded answers hold.
    #[must_use]
    pub fn objects(&self) -> Vec<Value> {
        let mut objects = Vec::new();
        for exchange in &self.exchanges {
            let Ok(answer) = &exchange.response else {
                continue;
            };
            match &exchange.request {
                RecordedRequest::Get { .. } => objects.push(answer.clone()),
                RecordedRequest::ListNamespace {
                    api_version, kind, ..
                }
                | RecordedRequest::ListAll {
                    api_version, kind, ..
                } => {
                    for item in answer["items"].as_array().into_iter().flatten() {
                        let mut item = item.clone();
                        // Items of a typed list may leave their type out.
                        if let Some(map) = item.as_object_mut() {
                            map.entry("apiVersion")
                                .or_insert_with(|| Value::from(api_version.clone()));
                            map.entry("kind")
                                .or_insert_with(|| Value::from(kind.clone()));
                        }
                        objects.push(item);
                    }
                }
                RecordedRequest::Other(_) => {}
            }
        }
        objects
    }

    /// A store holding [`Session::objects`].
    #[must_use]
    pub fn object_store(&self) -> ObjectStore {
        let mut store = ObjectStore::new();
        for object in self.objects() {
            let _ = store.insert(object);
        }
        store
    }

    /// Compares the host calls of an evaluation with the recording, in order; one message per
    /// difference.
    #[must_use]
    pub fn differences(&self, calls: &[HostCallExchange]) -> Vec<String> {
        let mut differences = Vec::new();
        for (index, call) in calls.iter().enumerate() {
            let made = request_of(call);
            match self.exchanges.get(index) {
                None => differences.push(format!(
                    "call {}: the policy asked to {made}, but the recording has no more exchanges",
                    index + 1
                )),
                Some(recorded) if recorded.request != made => differences.push(format!(
                    "call {}: the policy asked to {made}, the recording expected: {}",
                    index + 1,
                    recorded.request
                )),
                Some(_) => {}
            }
        }
        if calls.len() < self.exchanges.len() {
            differences.push(format!(
                "{} of the {} recorded exchanges were not replayed",
                self.exchanges.len() - calls.len(),
                self.exchanges.len()
            ));
        }
        differences
    }
}

/// The recorded form of a host call.
fn request_of(call: &HostCallExchange) -> RecordedRequest {
    let text = |key: &str| call.request[key].as_str().map(str::to_owned);
    let required = |key: &str| text(key).unwrap_or_default();
    match (call.namespace.as_str(), call.operation.as_str()) {
        ("kubernetes", "get_resource") => RecordedRequest::Get {
            api_version: required("api_version"),
            kind: required("kind"),
            namespace: text("namespace"),
            name: required("name"),
        },
        ("kubernetes", "list_resources_by_namespace") => RecordedRequest::ListNamespace {
            api_version: required("api_version"),
            kind: required("kind"),
            namespace: required("namespace"),
            label_selector: text("label_selector"),
            field_selector: text("field_selector"),
        },
        ("kubernetes", "list_resources_all") => RecordedRequest::ListAll {
            api_version: required("api_version"),
            kind: required("kind"),
            label_selector: text("label_selector"),
            field_selector: text("field_selector"),
        },
        (namespace, operation) => RecordedRequest::Other(format!("{namespace}/{operation}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = r#"
- type: Exchange
  request: |
    !KubernetesListResourceNamespace
    api_version: networking.k8s.io/v1
    kind: NetworkPolicy
    namespace: shop
    label_selector: null
    field_selector: null
  response:
    type: Success
    payload: '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicyList","metadata":{},"items":[{"metadata":{"name":"deny","namespace":"shop"},"spec":{"podSelector":{}}}]}'
- type: Exchange
  request: |
    !KubernetesGetResource
    api_version: v1
    kind: ConfigMap
    name: missing
    namespace: shop
    disable_cache: false
  response:
    type: Error
    message: not found
- type: Exchange
  request: |
    !OciManifestDigest
    image: busybox
  response:
    type: Success
    payload: '"sha256:abc"'
"#;

    #[test]
    fn sessions_are_parsed_and_give_their_objects() {
        let session = Session::parse(SESSION).expect("valid session");
        assert_eq!(session.exchanges.len(), 3);
        assert_eq!(
            session.exchanges[0].request.to_string(),
            "list networking.k8s.io/v1 NetworkPolicy in namespace shop"
        );
        assert_eq!(session.exchanges[1].response, Err("not found".to_owned()));
        assert_eq!(
            session.exchanges[2].request,
            RecordedRequest::Other("OciManifestDigest".to_owned())
        );
        let objects = session.objects();
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0]["kind"], "NetworkPolicy");
        let store = session.object_store();
        assert!(
            store
                .get(
                    "networking.k8s.io/v1",
                    "NetworkPolicy",
                    Some("shop"),
                    "deny"
                )
                .is_some()
        );
    }

    #[test]
    fn calls_are_compared_in_order() {
        let session = Session::parse(SESSION).expect("valid session");
        let call = HostCallExchange {
            binding: "kubewarden".into(),
            namespace: "kubernetes".into(),
            operation: "list_resources_by_namespace".into(),
            request: serde_json::json!({"api_version": "networking.k8s.io/v1", "kind": "NetworkPolicy", "namespace": "other"}),
            response: policy_host::HostCallOutcome::Error {
                message: String::new(),
            },
        };
        assert_eq!(
            session.differences(&[call]),
            [
                "call 1: the policy asked to list networking.k8s.io/v1 NetworkPolicy in namespace other, the recording expected: list networking.k8s.io/v1 NetworkPolicy in namespace shop",
                "2 of the 3 recorded exchanges were not replayed"
            ]
        );
    }

    #[test]
    fn broken_sessions_name_the_exchange() {
        let error = Session::parse("- type: Exchange\n  request: '!KubernetesGetResource {kind: Pod}'\n  response: {type: Error, message: x}\n")
            .expect_err("missing fields");
        assert_eq!(
            error,
            "exchange 1: request: KubernetesGetResource: missing field `api_version`"
        );
    }
}
