//! `upstream-first`: scans rendered Kubernetes bundles with the upstream-first policies, running
//! the same `.wasm` modules the cluster runs through the workspace's policy host.
//!
//! - [`documents`]: files, directories and stdin → Kubernetes objects with file and line;
//! - [`kinds`]: group/version, resource (plural) names and scopes of kinds;
//! - [`builtin`]: the embedded policies, annotated with their `metadata.yml`;
//! - [`admission_rules`]: the requests a policy evaluates, matched as the API server does;
//! - [`config`]: Kubewarden `ClusterAdmissionPolicy` / `AdmissionPolicy` /
//!   `ClusterAdmissionPolicyGroup` resources, as deployed;
//! - [`policies`]: loading (and caching) the policy modules a scan runs;
//! - [`requests`]: one CREATE AdmissionRequest per object;
//! - [`scan`]: the scan engine (one evaluator per policy and thread);
//! - [`report`] and [`output`]: the results and their formats;
//! - [`init`]: a starting configuration from what a bundle tells about the site;
//! - [`migrate`]: the upstream replacements of the workloads the policies reject;
//! - [`replay`]: kwctl's recorded host-capability sessions;
//! - [`cli`]: the command line (`scan`, `migrate`, `run`, `policies`).

pub mod admission_rules;
pub mod builtin;
pub mod cli;
pub mod config;
pub mod documents;
pub mod init;
pub mod kinds;
pub mod migrate;
pub mod output;
pub mod policies;
pub mod progress;
pub mod replay;
pub mod report;
pub mod requests;
pub mod scan;
pub mod workers;
