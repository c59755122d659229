//! The results of a scan, shared by every output format.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use upstream_first_migrate::Offer;

use crate::config::{Mode, PolicyResourceKind};
use crate::documents::{InputError, Skipped};
use crate::policies::{PolicyInfo, ScanPolicy};
use crate::requests::ObjectId;

/// The outcome of one policy for one object, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Accepted without warnings.
    Pass,
    /// Accepted with warnings, or rejected by a policy in `monitor` mode.
    Warn,
    /// Rejected.
    Fail,
    /// The policy could not evaluate the object (trap, deadline, host failure: code 500).
    Error,
}

impl Verdict {
    /// `pass`, `warn`, `fail` or `error`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `--fail-on`: the least severe verdict that fails the scan (exit code 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// Any warning, rejection or error.
    Warn,
    /// Any rejection or error (the default).
    #[default]
    Fail,
    /// Only policies that could not evaluate an object.
    Error,
    /// Never: report only (input errors still exit with 2).
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Verdict> {
        match self {
            Self::Warn => Some(Verdict::Warn),
            Self::Fail => Some(Verdict::Fail),
            Self::Error => Some(Verdict::Error),
            Self::Never => None,
        }
    }
}

/// Exit code: nothing failed.
pub const EXIT_OK: u8 = 0;
/// Exit code: a verdict at or above `--fail-on`.
pub const EXIT_FAILURES: u8 = 1;
/// Exit code: usage error, unusable configuration or policy, or an input that could not be read.
pub const EXIT_USAGE_OR_INPUT: u8 = 2;

/// A scanned object.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRecord {
    /// Its identity (namespace defaulted as the API server would).
    pub id: ObjectId,
    /// The file it was read from.
    pub file: Arc<str>,
    /// The line it starts on.
    pub line: usize,
    /// The Helm template it was rendered from, if known.
    pub template: Option<String>,
    /// A stable identifier (a bundle's objects have no `uid` yet): reports use it as the
    /// object's `uid` and the report's name.
    pub uid: String,
    /// Policies whose rules select the object's kind but whose selectors do not select it.
    pub unselected_policies: usize,
}

/// A policy of the scan, as reports describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    /// Its name.
    pub name: String,
    /// Its name in Kubewarden's reports (`clusterwide-<name>`).
    pub unique_name: String,
    /// The Kubewarden resource that deploys it, if any.
    pub kind: Option<PolicyResourceKind>,
    /// The namespace of an `AdmissionPolicy`.
    pub namespace: Option<String>,
    /// `protect` or `monitor`.
    pub mode: Mode,
    /// Whether it may mutate.
    pub mutating: bool,
    /// Whether it reads other resources.
    pub context_aware: bool,
    /// Title, description, URL, severity, category.
    pub info: PolicyInfo,
}

impl PolicyRecord {
    /// Describes a scan policy.
    #[must_use]
    pub fn of(policy: &ScanPolicy) -> Self {
        Self {
            name: policy.name.clone(),
            unique_name: policy.unique_name(),
            kind: policy.kind,
            namespace: policy.namespace.clone(),
            mode: policy.mode,
            mutating: policy.mutating,
            context_aware: policy.context_aware,
            info: policy.info.clone(),
        }
    }
}

/// One policy's answer for one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Index in [`ScanReport::objects`].
    pub object: usize,
    /// Index in [`ScanReport::policies`].
    pub policy: usize,
    /// The verdict (`monitor` mode applied).
    pub verdict: Verdict,
    /// Whether the request is admitted (`monitor` mode admits everything).
    pub allowed: bool,
    /// Whether the policy itself rejected the request (whatever its mode).
    pub rejected: bool,
    /// The policy's rejection message.
    pub message: Option<String>,
    /// The rejection code.
    pub code: Option<u16>,
    /// The policy's warnings.
    pub warnings: Vec<String>,
    /// The RFC 6902 JSONPatch a mutating policy would apply.
    pub patch: Option<Value>,
    /// How long the evaluation took.
    pub duration: Duration,
    /// What `upstream-first migrate` writes for the rejected workload, when the policy asks
    /// for an upstream replacement the catalog maps.
    pub migration: Option<Offer>,
}

/// Timings and resources of a scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanStats {
    /// Loading (compiling or reading from the cache) and validating the policies.
    pub load_policies: Duration,
    /// Reading and parsing the inputs.
    pub read_inputs: Duration,
    /// Evaluating, preparation included.
    pub evaluate: Duration,
    /// Of which preparing: defaulting namespaces, indexing the store, matching rules.
    pub prepare: Duration,
    /// Summed over threads: the first evaluation of each policy in each thread, which creates
    /// its waPC instance.
    pub first_evaluations: Duration,
    /// Worker threads.
    pub threads: usize,
    /// Median time of one evaluation.
    pub evaluation_median: Duration,
    /// 99th percentile of one evaluation.
    pub evaluation_p99: Duration,
    /// Peak resident set size of the process, in KiB (Linux).
    pub peak_rss_kib: Option<u64>,
    /// CPU time of the process, all threads (Linux).
    pub cpu: Option<Duration>,
}

/// Everything a scan found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanReport {
    /// The scanned objects, in input order.
    pub objects: Vec<ObjectRecord>,
    /// The policies, in configuration order.
    pub policies: Vec<PolicyRecord>,
    /// Every evaluation, by object then policy.
    pub evaluations: Vec<Evaluation>,
    /// Documents that are not Kubernetes objects.
    pub skipped: Vec<Skipped>,
    /// Files and documents that could not be read.
    pub errors: Vec<InputError>,
    /// Notes for the user.
    pub notes: Vec<String>,
    /// Timings.
    pub stats: ScanStats,
}

/// Counts of verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Accepted.
    pub pass: usize,
    /// Accepted with warnings, or rejected in monitor mode.
    pub warn: usize,
    /// Rejected.
    pub fail: usize,
    /// Could not be evaluated.
    pub error: usize,
}

impl Counts {
    fn add(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Warn => self.warn += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Error => self.error += 1,
        }
    }

    /// Every verdict counted.
    #[must_use]
    pub fn total(&self) -> usize {
        self.pass + self.warn + self.fail + self.error
    }
}

/// The totals of a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects read.
    pub objects: usize,
    /// Objects at least one policy evaluated.
    pub evaluated_objects: usize,
    /// Verdicts of every evaluation.
    pub counts: Counts,
    /// Verdicts per policy (every policy of the scan is present).
    pub by_policy: BTreeMap<String, Counts>,
    /// Documents skipped.
    pub skipped_documents: usize,
    /// Input errors.
    pub input_errors: usize,
}

impl ScanReport {
    /// Totals.
    #[must_use]
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            objects: self.objects.len(),
            skipped_documents: self.skipped.len(),
            input_errors: self.errors.len(),
            ..Summary::default()
        };
        for policy in &self.policies {
            summary.by_policy.entry(policy.name.clone()).or_default();
        }
        let mut evaluated = vec![false; self.objects.len()];
        for evaluation in &self.evaluations {
            summary.counts.add(evaluation.verdict);
            let policy = &self.policies[evaluation.policy].name;
            summary
                .by_policy
                .entry(policy.clone())
                .or_default()
                .add(evaluation.verdict);
            evaluated[evaluation.object] = true;
        }
        summary.evaluated_objects = evaluated.iter().filter(|e| **e).count();
        summary
    }

    /// The process exit code: 2 when an input could not be read (the scan is incomplete, and a
    /// broken manifest must fail CI), else 1 when a verdict reaches `fail_on`, else 0.
    #[must_use]
    pub fn exit_code(&self, fail_on: FailOn) -> u8 {
        if !self.errors.is_empty() {
            return EXIT_USAGE_OR_INPUT;
        }
        let failed = fail_on.threshold().is_some_and(|threshold| {
            self.evaluations
                .iter()
                .any(|evaluation| evaluation.verdict >= threshold)
        });
        if failed { EXIT_FAILURES } else { EXIT_OK }
    }

    /// The evaluations that are not plain passes.
    pub fn findings(&self) -> impl Iterator<Item = &Evaluation> {
        self.evaluations
            .iter()
            .filter(|evaluation| evaluation.verdict != Verdict::Pass)
    }
}

/// A stable UUID-shaped identifier for an object (from its identity).
#[must_use]
pub fn object_uid(id: &ObjectId) -> String {
    stable_uuid(&format!(
        "{}\n{}\n{}\n{}",
        id.api_version,
        id.kind,
        id.namespace.as_deref().unwrap_or_default(),
        id.name
    ))
}

/// A UUID-shaped hex digest of `text`.
#[must_use]
pub fn stable_uuid(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// One violation of a rejection message, split into what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong (without the `Kind namespace/name: ` prefix).
    pub problem: String,
    /// The fix (`use the CloudNativePG operator … instead: <url>`), when the message gives one.
    pub fix: Option<String>,
}

/// Splits a policy message into its violations. The policies write one violation per line as
/// `Kind namespace/name: <problem>; <fix>`, where the fix may go on over the next lines (an
/// example NetworkPolicy); other messages are one finding without a fix.
#[must_use]
pub fn split_findings(message: &str, object: &ObjectId) -> Vec<Finding> {
    let prefix = format!("{object}: ");
    let kind_prefix = format!("{} ", object.kind);
    let mut findings: Vec<Finding> = Vec::new();
    for line in message.lines() {
        let starts_violation = findings.is_empty()
            || line.starts_with(&prefix)
            || (line.starts_with(&kind_prefix) && line.contains(": "));
        if starts_violation {
            let body = line.strip_prefix(&prefix).unwrap_or(line);
            let finding = match body.split_once("; ") {
                Some((problem, fix)) => Finding {
                    problem: problem.to_owned(),
                    fix: Some(fix.to_owned()),
                },
                None => Finding {
                    problem: body.to_owned(),
                    fix: None,
                },
            };
            findings.push(finding);
        } else if let Some(last) = findings.last_mut() {
            let target = last.fix.as_mut().unwrap_or(&mut last.problem);
            target.push('\n');
            target.push_str(line);
        }
    }
    findings
}

/// CPU time (user and system) this process has used so far (Linux; `USER_HZ` is 100 on every
/// Linux ABI).
#[must_use]
pub fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces), from field 3 (`state`) on.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index)?.parse::<u64>().ok();
    // utime and stime: fields 14 and 15 of the line, indices 11 and 12 after the name.
    let total = ticks(11)? + ticks(12)?;
    Some(Duration::from_millis(total * 10))
}

/// Peak resident set size of this process, in KiB (Linux `VmHWM`).
#[must_use]
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(kind: &str, namespace: &str, name: &str) -> ObjectId {
        ObjectId {
            api_version: "apps/v1".into(),
            kind: kind.into(),
            namespace: Some(namespace.into()),
            name: name.into(),
        }
    }

    #[test]
    fn messages_split_into_problem_and_fix() {
        let object = id("StatefulSet", "shop", "db");
        let message = "StatefulSet shop/db: volumeClaimTemplate data: names no storage class and the platform sets no default; set storageClassName to one of: fast\nStatefulSet shop/db: pod volume backup mounts the standalone PersistentVolumeClaim db-backup; move it to volumeClaimTemplates";
        assert_eq!(
            split_findings(message, &object),
            [
                Finding {
                    problem: "volumeClaimTemplate data: names no storage class and the platform sets no default".into(),
                    fix: Some("set storageClassName to one of: fast".into()),
                },
                Finding {
                    problem: "pod volume backup mounts the standalone PersistentVolumeClaim db-backup".into(),
                    fix: Some("move it to volumeClaimTemplates".into()),
                },
            ]
        );
    }

    #[test]
    fn multi_line_fixes_stay_with_their_violation() {
        let object = id("Deployment", "default", "web");
        let message = "Deployment default/web: no NetworkPolicy covers Ingress; add a NetworkPolicy that selects them, for example:\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy";
        let findings = split_findings(message, &object);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].fix.as_deref(),
            Some(
                "add a NetworkPolicy that selects them, for example:\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy"
            )
        );
    }

    #[test]
    fn messages_without_the_convention_are_one_finding() {
        let object = id("Pod", "a", "p");
        assert_eq!(
            split_findings("internal server error: boom", &object),
            [Finding {
                problem: "internal server error: boom".into(),
                fix: None
            }]
        );
    }

    #[test]
    fn exit_codes() {
        let mut report = ScanReport {
            evaluations: vec![Evaluation {
                object: 0,
                policy: 0,
                verdict: Verdict::Warn,
                allowed: true,
                rejected: false,
                message: None,
                code: None,
                warnings: vec![],
                patch: None,
                duration: Duration::ZERO,
                migration: None,
            }],
            ..ScanReport::default()
        };
        assert_eq!(report.exit_code(FailOn::Fail), EXIT_OK);
        assert_eq!(report.exit_code(FailOn::Warn), EXIT_FAILURES);
        report.evaluations[0].verdict = Verdict::Fail;
        assert_eq!(report.exit_code(FailOn::Fail), EXIT_FAILURES);
        assert_eq!(report.exit_code(FailOn::Error), EXIT_OK);
        assert_eq!(report.exit_code(FailOn::Never), EXIT_OK);
        report.errors.push(InputError {
            file: Arc::from("f"),
            line: None,
            column: None,
            message: "m".into(),
        });
        assert_eq!(report.exit_code(FailOn::Never), EXIT_USAGE_OR_INPUT);
    }

    #[test]
    fn stable_uids_look_like_uuids() {
        let uid = object_uid(&id("Deployment", "a", "b"));
        assert_eq!(uid.len(), 36);
        assert_eq!(uid, object_uid(&id("Deployment", "a", "b")));
        assert_ne!(uid, object_uid(&id("Deployment", "a", "c")));
    }
}
