//! Kubewarden policy metadata, host side: the `metadata.yml` a policy ships, the
//! `io.kubewarden.metadata` custom section `kwctl annotate` writes into its module, the host
//! capabilities a module can call, and the Artifact Hub package that describes it.
//!
//! - [`Metadata`]: the fields of policy-evaluator's `Metadata` (`protocolVersion`, `rules`,
//!   `annotations`, `mutating`, `backgroundAudit`, `contextAwareResources`, `hostCapabilities`,
//!   `executionMode`, `policyType`, `minimumKubewardenVersion`), read from YAML or JSON;
//! - [`annotate`] and [`read_metadata`]: the custom section, written with `wasm-encoder` and
//!   read with `wasmparser`, as `kwctl annotate` and policy-server do;
//! - [`detect_host_capabilities`]: the operations a module can call, found in its data
//!   segments the way `kwctl annotate` finds them;
//! - [`artifacthub::ArtifactHubPackage`]: the `artifacthub-pkg.yml` that
//!   `kwctl scaffold artifacthub` derives from the metadata.
//!
//! No wasmtime here: `cargo xtask build` annotates every policy with this crate.

#![warn(missing_docs)]

pub mod artifacthub;
mod capabilities;
mod metadata;
mod section;

pub use capabilities::{HOST_CAPABILITY_OPERATIONS, detect_host_capabilities};
pub use metadata::{
    ContextAwareResource, ExecutionMode, Metadata, Operation, PolicyType, ProtocolVersion, Rule,
};
pub use section::{annotate, metadata_section, read_metadata};

/// The wasm custom section `kwctl annotate` stores the metadata in, as JSON.
pub const METADATA_SECTION: &str = "io.kubewarden.metadata";

/// The protocol version policies built with `kubewarden-policy-sdk` answer to
/// `protocol_version`. kwctl asks the module; `cargo xtask build` cannot run wasm, so it writes
/// this value (an end-to-end test proves every policy answers it).
pub const SDK_PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion::V1;

/// `io.kubewarden.policy.*` and `io.artifacthub.*` annotation keys.
pub mod annotations {
    /// The policy's name.
    pub const TITLE: &str = "io.kubewarden.policy.title";
    /// The policy's version (SemVer, without `v`).
    pub const VERSION: &str = "io.kubewarden.policy.version";
    /// One paragraph on what the policy does.
    pub const DESCRIPTION: &str = "io.kubewarden.policy.description";
    /// `Name <email>`, comma separated.
    pub const AUTHOR: &str = "io.kubewarden.policy.author";
    /// Home page.
    pub const URL: &str = "io.kubewarden.policy.url";
    /// Source repository.
    pub const SOURCE: &str = "io.kubewarden.policy.source";
    /// SPDX license.
    pub const LICENSE: &str = "io.kubewarden.policy.license";
    /// Severity of the violations (`low`, `medium`, `high`, `critical`): audit reports.
    pub const SEVERITY: &str = "io.kubewarden.policy.severity";
    /// Category of the policy: audit reports.
    pub const CATEGORY: &str = "io.kubewarden.policy.category";
    /// OCI repository of the policy, without tag.
    pub const OCI_URL: &str = "io.kubewarden.policy.ociUrl";
    /// The README, added by `kwctl annotate --usage-path`.
    pub const USAGE: &str = "io.kubewarden.policy.usage";
    /// Artifact Hub display name.
    pub const ARTIFACTHUB_DISPLAY_NAME: &str = "io.artifacthub.displayName";
    /// Artifact Hub resources: the kinds the policy evaluates, comma separated.
    pub const ARTIFACTHUB_RESOURCES: &str = "io.artifacthub.resources";
    /// Artifact Hub keywords, comma separated.
    pub const ARTIFACTHUB_KEYWORDS: &str = "io.artifacthub.keywords";

    /// What a published policy's `metadata.yml` carries.
    pub const PUBLISHED: [&str; 13] = [
        TITLE,
        VERSION,
        DESCRIPTION,
        AUTHOR,
        URL,
        SOURCE,
        LICENSE,
        SEVERITY,
        CATEGORY,
        OCI_URL,
        ARTIFACTHUB_DISPLAY_NAME,
        ARTIFACTHUB_RESOURCES,
        ARTIFACTHUB_KEYWORDS,
    ];
}

/// Why metadata could not be read, checked or written.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// The YAML is not a `metadata.yml`.
    #[error("invalid policy metadata: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// The custom section is not metadata JSON.
    #[error("invalid {METADATA_SECTION} section: {0}")]
    Json(#[from] serde_json::Error),
    /// The bytes are not a WebAssembly module.
    #[error("not a WebAssembly module: {0}")]
    Wasm(#[from] wasmparser::BinaryReaderError),
    /// A component, which Kubewarden does not run.
    #[error("not a WebAssembly module: a WebAssembly component (Kubewarden runs core modules)")]
    Component,
    /// The metadata breaks a rule kwctl enforces.
    #[error("invalid policy metadata: {0}")]
    Invalid(String),
}
