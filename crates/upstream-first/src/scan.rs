//! The scan engine: every object becomes a CREATE request, evaluated by every policy whose rules
//! and selectors select it, with the bundle (plus `--context`) as the cluster the policies see.
//!
//! Objects are shared out to worker threads (one per core by default); each thread has its own
//! evaluator (waPC instance) per policy, created on first use, as policy-server does. The object
//! store answering host capabilities is built once and shared; it is indexed, so a lookup never
//! walks the bundle.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use web_time::Instant;

use policy_host::{AdmissionResponse, HostContext, ObjectStore, PolicyEvaluator, ValidateRequest};
use serde_json::Value;
use upstream_first_rules::selector::Labels;

use crate::admission_rules::RequestKind;
use crate::config::Mode;
use crate::documents::{Documents, SourceObject};
use crate::kinds::{equivalent_group_versions, group_version, resource_name};
use crate::migrate::PolicyCatalog;
use crate::policies::{PolicySet, ScanPolicy};
use crate::progress::Progress;
use crate::report::{
    Evaluation, ObjectRecord, PolicyRecord, ScanReport, ScanStats, Verdict, object_uid,
};
use crate::requests::{CREATE, ObjectId, apply_default_namespace, create_request};
use crate::workers;

/// The label the API server gives every namespace (what `namespaceSelector`s usually use).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// What policy-server answers when a policy that is not deployed as mutating mutates.
pub const MUTATION_NOT_ALLOWED: &str = "The policy attempted to mutate the request, but it is currently configured to not allow mutations.";

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Namespace of namespaced objects that name none.
    pub default_namespace: String,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Whether to draw a progress bar on stderr.
    pub progress: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            default_namespace: "default".to_owned(),
            jobs: 0,
            progress: false,
        }
    }
}

fn labels_of(object: &Value) -> Labels {
    object["metadata"]["labels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Labels of every namespace the scan knows (scanned or `--context`), with the label the API
/// server adds.
fn namespace_labels<'a>(objects: impl Iterator<Item = &'a Value>) -> HashMap<String, Labels> {
    objects
        .filter(|object| object["apiVersion"] == "v1" && object["kind"] == "Namespace")
        .filter_map(|namespace| {
            let name = namespace["metadata"]["name"].as_str()?.to_owned();
            let mut labels = labels_of(namespace);
            labels.insert(NAMESPACE_NAME_LABEL.to_owned(), name.clone());
            Some((name, labels))
        })
        .collect()
}

/// The policies that evaluate an object: each one's index, and the apiVersion the object is
/// converted to for it.
type Plan = Vec<(usize, Option<String>)>;

/// What [`kind_match`] answers.
type KindMatch = Option<Option<String>>;

/// Whether `policy`'s rules select an object of `id`'s group, version, kind and scope, and
/// the apiVersion it is then converted to; `None` when they do not. It depends on nothing
/// else of the object, so a scan asks once per kind.
fn kind_match(policy: &ScanPolicy, id: &ObjectId) -> KindMatch {
    let (group, version) = group_version(&id.api_version);
    let resource = resource_name(&id.kind);
    let matches = |group: &str, version: &str| {
        let request = RequestKind {
            group,
            version,
            resource: &resource,
            operation: CREATE,
            namespaced: id.namespace.is_some(),
        };
        policy
            .rules
            .as_ref()
            .is_none_or(|rules| rules.iter().any(|rule| rule.matches(&request)))
    };
    if matches(group, version) {
        return Some(None);
    }
    // `matchPolicy: Equivalent`: the request is sent converted to a version the rules name.
    match equivalent_group_versions(group, version, &resource)
        .into_iter()
        .find(|(group, version)| matches(group, version))
    {
        Some(("", version)) => Some(Some(version.to_owned())),
        Some((group, version)) => Some(Some(format!("{group}/{version}"))),
        None => None,
    }
}

/// Whether `policy`'s namespace, `namespaceSelector` and `objectSelector` select `object`.
fn scope_selects(
    policy: &ScanPolicy,
    object: &Value,
    id: &ObjectId,
    namespaces: &HashMap<String, Labels>,
) -> bool {
    if let Some(namespace) = &policy.namespace
        && id.namespace.as_ref() != Some(namespace)
    {
        return false;
    }
    if let Some(selector) = &policy.namespace_selector {
        // As the API server: a namespaced object is matched by its namespace's labels, a
        // Namespace by its own, any other cluster-scoped object always.
        let labels = match (&id.namespace, id.kind.as_str(), id.api_version.as_str()) {
            (Some(namespace), _, _) => {
                Some(namespaces.get(namespace).cloned().unwrap_or_else(|| {
                    Labels::from([(NAMESPACE_NAME_LABEL.to_owned(), namespace.clone())])
                }))
            }
            (None, "Namespace", "v1") => {
                let mut labels = labels_of(object);
                labels.insert(NAMESPACE_NAME_LABEL.to_owned(), id.name.clone());
                Some(labels)
            }
            (None, _, _) => None,
        };
        if labels.is_some_and(|labels| !selector.matches(&labels)) {
            return false;
        }
    }
    policy
        .object_selector
        .as_ref()
        .is_none_or(|selector| selector.matches(&labels_of(object)))
}

/// The store the policies read: `--context` objects, then the scanned ones (which win). Only
/// the types some policy may read are stored (the host refuses every other read), which spares
/// copying a whole bundle.
fn object_store(
    policies: &[ScanPolicy],
    objects: &[SourceObject],
    context: &[Value],
) -> ObjectStore {
    let readable: HashSet<(&str, &str)> = policies
        .iter()
        .flat_map(|policy| &policy.members)
        .flat_map(|member| &member.context_aware_resources)
        .map(|resource| (resource.api_version.as_str(), resource.kind.as_str()))
        .collect();
    let is_readable = |object: &Value| {
        readable.contains(&(
            object["apiVersion"].as_str().unwrap_or_default(),
            object["kind"].as_str().unwrap_or_default(),
        ))
    };
    let mut store = ObjectStore::new();
    let scanned = objects.iter().map(|source| &source.object);
    for object in context.iter().chain(scanned).filter(|o| is_readable(o)) {
        // Objects the store cannot index (no name) are not readable through the host anyway.
        let _ = store.insert(object.clone());
    }
    store
}

/// What one member answered.
struct MemberAnswer {
    name: String,
    response: AdmissionResponse,
}

fn host_failure(uid: &str, error: &policy_host::HostError) -> AdmissionResponse {
    AdmissionResponse::reject_internal_server_error(uid, error.to_string())
}

/// Evaluates a policy (or a group) for one request.
fn evaluate(
    policy: &ScanPolicy,
    evaluators: &mut [PolicyEvaluator],
    request: &ValidateRequest,
) -> AdmissionResponse {
    let uid = request.uid();
    let answers: Vec<MemberAnswer> = policy
        .members
        .iter()
        .zip(evaluators.iter_mut())
        .map(|(member, evaluator)| MemberAnswer {
            name: member.name.clone(),
            response: evaluator
                .validate(request, &member.settings)
                .unwrap_or_else(|e| host_failure(uid, &e)),
        })
        .collect();
    let Some(expression) = &policy.expression else {
        return answers
            .into_iter()
            .next()
            .map(|answer| answer.response)
            .unwrap_or_default();
    };
    let accepted = |name: &str| {
        answers
            .iter()
            .any(|answer| answer.name == name && answer.response.allowed)
    };
    let warnings: Vec<String> = answers
        .iter()
        .flat_map(|answer| answer.response.warnings.iter().flatten().cloned())
        .collect();
    let warnings = (!warnings.is_empty()).then_some(warnings);
    if expression.evaluate(&accepted) {
        return AdmissionResponse {
            uid: uid.to_owned(),
            allowed: true,
            warnings,
            ..AdmissionResponse::default()
        };
    }
    let mut message = policy.message.clone().unwrap_or_default();
    for answer in answers.iter().filter(|answer| !answer.response.allowed) {
        message.push_str(&format!(
            "\n{}: {}",
            answer.name,
            answer.response.message().unwrap_or("rejected")
        ));
    }
    let mut response = AdmissionResponse::reject(uid, message, 400);
    response.warnings = warnings;
    response
}

/// The verdict of a response under the policy's mode and mutation setting.
fn judge(
    policy: &ScanPolicy,
    response: AdmissionResponse,
    object: usize,
    index: usize,
    duration: Duration,
) -> Evaluation {
    let patch = response.decoded_patch_json().ok();
    let warnings = response.warnings.clone().unwrap_or_default();
    let (allowed, message, code) = if response.allowed && patch.is_some() && !policy.mutating {
        (
            false,
            Some(format!(
                "Request rejected by policy {}. {MUTATION_NOT_ALLOWED}",
                policy.name
            )),
            Some(400),
        )
    } else {
        (
            response.allowed,
            response.message().map(str::to_owned),
            response.code(),
        )
    };
    let verdict = match (allowed, code, policy.mode) {
        (true, _, _) if warnings.is_empty() => Verdict::Pass,
        (true, _, _) => Verdict::Warn,
        (false, Some(500), _) => Verdict::Error,
        (false, _, Mode::Monitor) => Verdict::Warn,
        (false, _, Mode::Protect) => Verdict::Fail,
    };
    Evaluation {
        object,
        policy: index,
        verdict,
        allowed: allowed || policy.mode == Mode::Monitor,
        rejected: !allowed,
        message,
        code,
        warnings,
        patch,
        duration,
        migration: None,
    }
}

/// A scan as `upstream-first scan` runs it (and the playground): `documents` evaluated,
/// `context`'s objects only visible to the context-aware policies, the notes of loading the
/// policies first and the errors of reading the context with the inputs'.
#[must_use]
pub fn scan_inputs(
    policy_set: &PolicySet,
    documents: Documents,
    context: Documents,
    options: &ScanOptions,
) -> ScanReport {
    let mut context_objects: Vec<Value> = Vec::with_capacity(context.objects.len());
    for mut source in context.objects {
        apply_default_namespace(&mut source.object, &options.default_namespace);
        context_objects.push(source.object);
    }
    let mut report = scan(&policy_set.policies, documents, context_objects, options);
    report.errors.extend(context.errors);
    let mut notes = policy_set.notes.clone();
    notes.append(&mut report.notes);
    report.notes = notes;
    report
}

/// The objects' records, and for each the policies that evaluate it (with the apiVersion it
/// is converted to).
fn plan(
    policies: &[ScanPolicy],
    sources: &[SourceObject],
    namespaces: &HashMap<String, Labels>,
) -> (Vec<ObjectRecord>, Vec<Plan>) {
    let mut objects = Vec::with_capacity(sources.len());
    let mut plans = Vec::with_capacity(sources.len());
    // Each policy's `kind_match`, per apiVersion, kind and scope.
    let mut kinds: HashMap<(String, String, bool), Vec<KindMatch>> = HashMap::new();
    for source in sources {
        let id = ObjectId::of(&source.object);
        let key = (
            id.api_version.clone(),
            id.kind.clone(),
            id.namespace.is_some(),
        );
        let matched = kinds
            .entry(key)
            .or_insert_with(|| policies.iter().map(|p| kind_match(p, &id)).collect());
        let mut plan = Vec::new();
        let mut unselected = 0;
        for (index, (policy, matched)) in policies.iter().zip(matched.iter()).enumerate() {
            let Some(conversion) = matched else {
                continue;
            };
            if scope_selects(policy, &source.object, &id, namespaces) {
                plan.push((index, conversion.clone()));
            } else {
                unselected += 1;
            }
        }
        plans.push(plan);
        objects.push(ObjectRecord {
            uid: object_uid(&id),
            id,
            file: Arc::clone(&source.file),
            line: source.line,
            template: source.template.clone(),
            unselected_policies: unselected,
        });
    }
    (objects, plans)
}

/// Scans `documents` with `policies`; `context` objects are visible to context-aware policies
/// but not evaluated.
#[must_use]
pub fn scan(
    policies: &[ScanPolicy],
    mut documents: Documents,
    context: Vec<Value>,
    options: &ScanOptions,
) -> ScanReport {
    let start = Instant::now();
    for source in &mut documents.objects {
        apply_default_namespace(&mut source.object, &options.default_namespace);
    }
    let namespaces = namespace_labels(
        context
            .iter()
            .chain(documents.objects.iter().map(|source| &source.object)),
    );
    // The store (copies of the objects policies may read) is built while the objects are
    // planned: each reads the documents only.
    let (store, (objects, plans)) = workers::join(
        || Arc::new(object_store(policies, &documents.objects, &context)),
        || plan(policies, &documents.objects, &namespaces),
    );

    let contexts: Vec<Vec<HostContext>> = policies
        .iter()
        .map(|policy| {
            policy
                .members
                .iter()
                .map(|member| {
                    HostContext::new()
                        .with_object_store(Arc::clone(&store))
                        .with_context_aware_resources(member.context_aware_resources.clone())
                        .with_host_capabilities(member.host_capabilities.clone())
                })
                .collect()
        })
        .collect();

    let work: Vec<usize> = (0..objects.len())
        .filter(|i| !plans[*i].is_empty())
        .collect();
    let jobs = match options.jobs {
        0 => workers::available(),
        jobs => jobs,
    }
    .min(work.len())
    .max(1);
    let next = AtomicUsize::new(0);
    let progress = Progress::start(options.progress, work.len());
    let prepare = start.elapsed();
    let worker = || {
        let mut evaluators: Vec<Option<Vec<PolicyEvaluator>>> =
            (0..policies.len()).map(|_| None).collect();
        let mut done = Vec::new();
        let mut first_evaluations = Duration::ZERO;
        loop {
            let position = next.fetch_add(1, Ordering::Relaxed);
            let Some(&object) = work.get(position) else {
                break;
            };
            let source = &documents.objects[object];
            let uid = &objects[object].uid;
            let request = create_request(&source.object, uid.clone(), None);
            for (index, conversion) in &plans[object] {
                let index = *index;
                let converted = conversion.as_deref().map(|api_version| {
                    create_request(&source.object, uid.clone(), Some(api_version))
                });
                let policy = &policies[index];
                let first = evaluators[index].is_none();
                let member_evaluators = evaluators[index].get_or_insert_with(|| {
                    policy
                        .members
                        .iter()
                        .zip(&contexts[index])
                        .map(|(member, context)| member.module.evaluator(context.clone()))
                        .collect()
                });
                let started = Instant::now();
                let response = evaluate(
                    policy,
                    member_evaluators,
                    converted.as_ref().unwrap_or(&request),
                );
                let elapsed = started.elapsed();
                if first {
                    first_evaluations += elapsed;
                }
                done.push(judge(policy, response, object, index, elapsed));
            }
            progress.advance();
        }
        (done, first_evaluations)
    };
    let mut evaluations: Vec<Evaluation> = Vec::new();
    let mut failed_workers = 0;
    let mut first_evaluations = Duration::ZERO;
    for outcome in workers::run(jobs, worker) {
        match outcome {
            Some((done, first)) => {
                evaluations.extend(done);
                first_evaluations += first;
            }
            None => failed_workers += 1,
        }
    }
    progress.finish();
    evaluations.sort_by_key(|evaluation| (evaluation.object, evaluation.policy));
    let catalogs: Vec<Option<PolicyCatalog>> = policies.iter().map(PolicyCatalog::of).collect();
    for evaluation in evaluations.iter_mut().filter(|e| e.rejected) {
        evaluation.migration = catalogs[evaluation.policy]
            .as_ref()
            .and_then(|catalog| catalog.offer(&documents.objects[evaluation.object].object));
    }

    let mut durations: Vec<Duration> = evaluations.iter().map(|e| e.duration).collect();
    durations.sort_unstable();
    let percentile = |p: usize| {
        durations
            .get((durations.len().saturating_sub(1)) * p / 100)
            .copied()
            .unwrap_or_default()
    };
    ScanReport {
        objects,
        policies: policies.iter().map(PolicyRecord::of).collect(),
        stats: ScanStats {
            evaluate: start.elapsed(),
            prepare,
            first_evaluations,
            threads: jobs,
            evaluation_median: percentile(50),
            evaluation_p99: percentile(99),
            ..ScanStats::default()
        },
        evaluations,
        skipped: documents.skipped,
        errors: documents.errors,
        notes: documents
            .notes
            .into_iter()
            .chain((failed_workers > 0).then(|| {
                format!(
                    "{failed_workers} worker thread(s) stopped unexpectedly: the results are incomplete"
                )
            }))
            .collect(),
    }
}
