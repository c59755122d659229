//! Evaluating requests with one waPC instance of a policy module.
//!
//! The guest calls and the handling of their answers mirror policy-evaluator's
//! `runtimes/wapc/runtime.rs`:
//!
//! - `validate` gets `{"request": <AdmissionRequest>, "settings": <settings>}`; a waPC error
//!   (trap, deadline, guest error) becomes `internal server error: <waPC error>` with code 500, an
//!   answer that is not a `ValidationResponse` becomes `internal server error: invalid response
//!   from policy: <serde error>`;
//! - `validate_settings` gets the raw settings JSON; its failures become `valid: false` with
//!   policy-evaluator's messages;
//! - `protocol_version` gets an empty payload and answers a JSON string such as `"v1"`.
//!
//! An instance is reused across evaluations (as `kwctl run` uses one instance for
//! `validate_settings` then `validate`), unless
//! [`PolicyEvaluator::fresh_instance_per_evaluation`] asks for policy-server's behaviour (a new
//! instance per request). Either way, an instance whose call failed is discarded: after a trap
//! or an interrupted call the guest's state is undefined (a lock may be held forever, as
//! policy-evaluator's comments explain), so the next call gets a new instance.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::capabilities::{HostCallExchange, HostContext, dispatch};
use crate::error::{HostError, Result};
use crate::module::{GuestError, Instance, PolicyModule};
use crate::request::ValidateRequest;
use crate::response::{AdmissionResponse, SettingsValidationResponse, ValidationResponse};
use serde_json::Value;

/// What the host callback shares with the evaluator.
#[derive(Debug, Default)]
struct Session {
    context: HostContext,
    exchanges: Vec<RecordedCall>,
}

/// A host call as it happened, its bytes kept as they are: turned into a
/// [`HostCallExchange`] (whose payloads are JSON) only when asked for. Parsing every answer
/// as it went by cost more than the evaluation itself for a namespace's long lists.
#[derive(Debug, Clone)]
struct RecordedCall {
    binding: String,
    namespace: String,
    operation: String,
    payload: Vec<u8>,
    answer: Result<Vec<u8>, String>,
}

impl RecordedCall {
    fn exchange(&self) -> HostCallExchange {
        HostCallExchange::new(
            &self.binding,
            &self.namespace,
            &self.operation,
            &self.payload,
            &self.answer,
        )
    }
}

fn lock(session: &Mutex<Session>) -> MutexGuard<'_, Session> {
    // The callback never panics while holding the lock; if it ever did, the data (a context
    // and a list of exchanges) is still consistent, so keep going rather than propagate.
    session.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Evaluates requests against one policy module, with one waPC instance at a time.
///
/// Not `Send` (waPC instances are not): create one per thread from a shared
/// [`PolicyModule`].
pub struct PolicyEvaluator {
    module: PolicyModule,
    session: Arc<Mutex<Session>>,
    instance: Option<Instance>,
    fresh_instance_per_evaluation: bool,
}

impl std::fmt::Debug for PolicyEvaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyEvaluator")
            .field("module", &self.module)
            .field("has_instance", &self.instance.is_some())
            .field(
                "fresh_instance_per_evaluation",
                &self.fresh_instance_per_evaluation,
            )
            .finish_non_exhaustive()
    }
}

impl PolicyEvaluator {
    /// An evaluator of `module` whose host calls are answered from `context`.
    #[must_use]
    pub fn new(module: PolicyModule, context: HostContext) -> Self {
        Self {
            module,
            session: Arc::new(Mutex::new(Session {
                context,
                exchanges: Vec::new(),
            })),
            instance: None,
            fresh_instance_per_evaluation: false,
        }
    }

    /// Whether every guest call gets a new instance (policy-server's isolation: no state leaks
    /// between evaluations) instead of reusing the previous one (faster). Default: reuse.
    #[must_use]
    pub fn fresh_instance_per_evaluation(mut self, fresh: bool) -> Self {
        self.fresh_instance_per_evaluation = fresh;
        self
    }

    /// The module this evaluator runs.
    #[must_use]
    pub fn module(&self) -> &PolicyModule {
        &self.module
    }

    /// Replaces the host context (object store, allow-lists) for the next evaluations.
    pub fn set_context(&mut self, context: HostContext) {
        lock(&self.session).context = context;
    }

    /// The host-capability exchanges of the last guest call, in call order (`tracing/log`
    /// calls are not recorded).
    #[must_use]
    pub fn exchanges(&self) -> Vec<HostCallExchange> {
        lock(&self.session)
            .exchanges
            .iter()
            .map(RecordedCall::exchange)
            .collect()
    }

    /// Takes the host-capability exchanges of the last guest call.
    pub fn take_exchanges(&mut self) -> Vec<HostCallExchange> {
        std::mem::take(&mut lock(&self.session).exchanges)
            .iter()
            .map(RecordedCall::exchange)
            .collect()
    }

    /// Drops the current instance; the next call creates a new one.
    pub fn reset(&mut self) {
        self.instance = None;
    }

    /// Calls `protocol_version` and returns the version the policy speaks (e.g. `"v1"`).
    pub fn protocol_version(&mut self) -> Result<String> {
        let module = self.module.name().to_owned();
        let error = |message: String| HostError::GuestCall {
            module: module.clone(),
            function: "protocol_version",
            message,
        };
        let answer = self
            .call("protocol_version", &[])?
            .map_err(|e| error(e.to_string()))?;
        serde_json::from_slice(&answer).map_err(|e| {
            error(format!(
                "cannot create ProtocolVersion object from {:?}: {e}",
                String::from_utf8_lossy(&answer)
            ))
        })
    }

    /// Calls `validate_settings` with the settings JSON.
    ///
    /// `Err` only when no instance can be created; a failing guest gives `valid: false`.
    pub fn validate_settings(&mut self, settings: &Value) -> Result<SettingsValidationResponse> {
        let payload = settings.to_string();
        let response = match self.call("validate_settings", payload.as_bytes())? {
            Ok(answer) => {
                serde_json::from_slice(&answer).unwrap_or_else(|e| SettingsValidationResponse {
                    valid: false,
                    message: Some(format!("error: InvalidResponseWithError({e:?})")),
                })
            }
            Err(e) => SettingsValidationResponse {
                valid: false,
                message: Some(format!(
                    "Error invoking settings validation callback: {e:?}"
                )),
            },
        };
        Ok(response)
    }

    /// Evaluates a request with the given settings (`{}` when the policy has none, as kwctl).
    ///
    /// `Err` only when no instance can be created; whatever the guest does (trap, loop,
    /// allocate without end, return an error or garbage) ends up in the response.
    pub fn validate(
        &mut self,
        request: &ValidateRequest,
        settings: &Value,
    ) -> Result<AdmissionResponse> {
        let uid = request.uid();
        let payload = match request.validate_payload(settings) {
            Ok(payload) => payload,
            Err(e) => {
                return Ok(AdmissionResponse::reject_internal_server_error(
                    uid,
                    e.to_string(),
                ));
            }
        };
        let response = match self.call("validate", &payload)? {
            Ok(answer) => match serde_json::from_slice::<ValidationResponse>(&answer) {
                Ok(response) => {
                    AdmissionResponse::from_validation_response(uid, request.object(), response)
                        .unwrap_or_else(|e| {
                            AdmissionResponse::reject_internal_server_error(
                                uid,
                                format!(
                                    "invalid response format: cannot serialize JSONPatch: {e:?}"
                                ),
                            )
                        })
                }
                Err(e) => AdmissionResponse::reject_internal_server_error(
                    uid,
                    format!("invalid response from policy: {e}"),
                ),
            },
            Err(e) => AdmissionResponse::reject_internal_server_error(uid, e.to_string()),
        };
        Ok(response)
    }

    /// Parses a bare AdmissionRequest or an AdmissionReview (see
    /// [`ValidateRequest::from_value`]) and evaluates it.
    pub fn validate_value(
        &mut self,
        request: Value,
        settings: &Value,
    ) -> Result<AdmissionResponse> {
        let request = ValidateRequest::from_value(request)?;
        self.validate(&request, settings)
    }

    /// One guest call: the outer `Result` is the host's (no instance), the inner one the
    /// guest's.
    fn call(
        &mut self,
        function: &str,
        payload: &[u8],
    ) -> Result<std::result::Result<Vec<u8>, GuestError>> {
        lock(&self.session).exchanges.clear();
        let instance = match self.instance.take() {
            Some(instance) => instance,
            None => self.instantiate()?,
        };
        let result = instance.call(function, payload);
        if result.is_ok() && !self.fresh_instance_per_evaluation {
            self.instance = Some(instance);
        }
        Ok(result)
    }

    fn instantiate(&self) -> Result<Instance> {
        self.module
            .instantiate(host_callback(Arc::clone(&self.session)))
    }
}

/// The host side of an instance's host calls (binding, namespace, operation, payload): the
/// answer, or the error text the guest receives. Each backend wraps it in its waPC host.
pub(crate) type HostCallback =
    Box<dyn Fn(&str, &str, &str, &[u8]) -> std::result::Result<Vec<u8>, String> + Send + Sync>;

/// The waPC host callback of an instance: dispatches to the session's context and records the
/// exchange (except `tracing` calls, which are the guest's logs).
fn host_callback(session: Arc<Mutex<Session>>) -> HostCallback {
    Box::new(move |binding, namespace, operation, payload| {
        let mut session = lock(&session);
        let answer = dispatch(&session.context, binding, namespace, operation, payload);
        if namespace != "tracing" {
            session.exchanges.push(RecordedCall {
                binding: binding.to_owned(),
                namespace: namespace.to_owned(),
                operation: operation.to_owned(),
                payload: payload.to_vec(),
                answer: answer.clone(),
            });
        }
        answer
    })
}
