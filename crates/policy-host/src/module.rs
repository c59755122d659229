//! Compiled policy modules, on the backend of the target: wasmtime natively
//! (`backend/wasmtime.rs`, policy-server's stack), the page's WebAssembly engine in a browser
//! (`backend/browser.rs`).
//!
//! A [`PolicyModule`] is cheap to clone (and `Send + Sync` natively), so a scanner compiles each
//! policy once and hands clones to its worker threads, which each create their own
//! [`PolicyEvaluator`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::backend::Compiled;
pub(crate) use crate::backend::{GuestError, Instance, InstanceError, ProviderError};
pub use crate::backend::{PERF_MAP_ENV, PolicyEngine, Precompiled};
use crate::capabilities::HostContext;
use crate::error::{HostError, Result};
use crate::evaluator::{HostCallback, PolicyEvaluator};
pub use crate::limits::{EngineConfig, Limits};

/// A compiled policy, ready to be instantiated any number of times.
#[derive(Clone)]
pub struct PolicyModule {
    inner: Arc<ModuleInner>,
}

struct ModuleInner {
    name: String,
    path: Option<PathBuf>,
    digest: String,
    /// The `io.kubewarden.metadata` section of an annotated module.
    metadata: Option<policy_metadata::Metadata>,
    engine: PolicyEngine,
    limits: Limits,
    compiled: Compiled,
}

impl std::fmt::Debug for PolicyModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyModule")
            .field("name", &self.inner.name)
            .field("path", &self.inner.path)
            .field("digest", &self.inner.digest)
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

impl PolicyModule {
    /// Reads and compiles a `.wasm` file. The module is named after the file stem.
    pub fn from_file(
        engine: &PolicyEngine,
        path: impl AsRef<Path>,
        limits: Limits,
    ) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| HostError::ReadModule {
            path: path.to_owned(),
            source,
        })?;
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        Self::build(engine, name, Some(path.to_owned()), &bytes, None, limits)
    }

    /// Compiles a module from its bytes (binary wasm; natively also the text format).
    pub fn from_bytes(
        engine: &PolicyEngine,
        name: impl Into<String>,
        bytes: &[u8],
        limits: Limits,
    ) -> Result<Self> {
        Self::build(engine, name.into(), None, bytes, None, limits)
    }

    /// A module whose code was compiled ahead of time ([`PolicyEngine::precompile`]): loaded
    /// without compiling when `precompiled` was made from these very bytes (its digest) by a
    /// compatible engine, else compiled (or read from the cache) as [`Self::from_bytes`] does.
    pub fn from_bytes_precompiled(
        engine: &PolicyEngine,
        name: impl Into<String>,
        bytes: &[u8],
        precompiled: Precompiled<'_>,
        limits: Limits,
    ) -> Result<Self> {
        Self::build(engine, name.into(), None, bytes, Some(precompiled), limits)
    }

    fn build(
        engine: &PolicyEngine,
        name: String,
        path: Option<PathBuf>,
        bytes: &[u8],
        precompiled: Option<Precompiled<'_>>,
        limits: Limits,
    ) -> Result<Self> {
        let digest = format!("{:x}", Sha256::digest(bytes));
        let compiled = Compiled::new(engine, &name, bytes, &digest, precompiled, &limits)?;
        // The text format (accepted natively, for tests) carries no custom sections.
        let metadata = if bytes.starts_with(b"\0asm") {
            policy_metadata::read_metadata(bytes).map_err(|e| HostError::Compile {
                module: name.clone(),
                message: e.to_string(),
            })?
        } else {
            None
        };
        Ok(Self {
            inner: Arc::new(ModuleInner {
                name,
                path,
                digest,
                metadata,
                engine: engine.clone(),
                limits,
                compiled,
            }),
        })
    }

    /// The same compiled module with other limits (no recompilation).
    pub fn with_limits(&self, limits: Limits) -> Result<Self> {
        let inner = &self.inner;
        let compiled = inner
            .compiled
            .with_limits(&inner.engine, &inner.name, &limits)?;
        Ok(Self {
            inner: Arc::new(ModuleInner {
                name: inner.name.clone(),
                path: inner.path.clone(),
                digest: inner.digest.clone(),
                metadata: inner.metadata.clone(),
                engine: inner.engine.clone(),
                limits,
                compiled,
            }),
        })
    }

    /// A new evaluator (one waPC instance, created lazily) with the given host context.
    ///
    /// The evaluator is not `Send`: create one per thread.
    #[must_use]
    pub fn evaluator(&self, context: HostContext) -> PolicyEvaluator {
        PolicyEvaluator::new(self.clone(), context)
    }

    /// Name of the module (file stem, or the name given to [`PolicyModule::from_bytes`]).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The file the module was read from, if any.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// Hex SHA-256 of the wasm bytes: identifies the module (e.g. to deduplicate or cache).
    #[must_use]
    pub fn digest(&self) -> &str {
        &self.inner.digest
    }

    /// The metadata of an annotated module (its `io.kubewarden.metadata` section, written by
    /// `kwctl annotate` or `cargo xtask build`); `None` for a module without one.
    #[must_use]
    pub fn metadata(&self) -> Option<&policy_metadata::Metadata> {
        self.inner.metadata.as_ref()
    }

    /// The limits every instance runs under (natively; a page enforces none).
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The engine the module was compiled with.
    #[must_use]
    pub fn engine(&self) -> &PolicyEngine {
        &self.inner.engine
    }

    /// The compiled code, serialised: what an external cache would store for this module
    /// (wasmtime's own on-disk cache is [`EngineConfig::cache_dir`]).
    #[cfg(not(browser))]
    pub fn serialize(&self) -> Result<Vec<u8>> {
        self.inner.compiled.serialize(&self.inner.name)
    }

    /// A new waPC instance whose host calls `callback` answers.
    pub(crate) fn instantiate(&self, callback: HostCallback) -> Result<Instance> {
        self.inner.compiled.instantiate(&self.inner.name, callback)
    }
}
