//! Error types of the host.
//!
//! Only *host* failures are errors: a policy that traps, loops, runs out of memory or returns a
//! waPC error is not an error of the host, it is an evaluation outcome, reported (exactly as
//! policy-server does) as an [`AdmissionResponse`](crate::AdmissionResponse) with `allowed: false`
//! and `status.code: 500`.

use std::path::PathBuf;

/// Result alias of the host.
pub type Result<T, E = HostError> = std::result::Result<T, E>;

/// A failure of the host itself: loading, compiling or instantiating a module, or bad input.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The `.wasm` file could not be read.
    #[error("cannot read policy module {}: {source}", path.display())]
    ReadModule {
        /// The file that was read.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// The wasmtime engine could not be created (bad configuration, cache directory, ...).
    #[error("cannot create the wasmtime engine: {message}")]
    Engine {
        /// What wasmtime reported.
        message: String,
    },

    /// The epoch ticker thread, which enforces execution deadlines, could not be started.
    #[error("cannot start the epoch ticker thread: {0}")]
    Ticker(#[source] std::io::Error),

    /// The module is not valid WebAssembly, or cranelift could not compile it.
    #[error("cannot compile policy module {module}: {message}")]
    Compile {
        /// Name of the module (its file stem, or the name given by the caller).
        module: String,
        /// What wasmtime reported.
        message: String,
    },

    /// The module could not be linked against the waPC and WASI host functions
    /// (for example: it imports a function the host does not provide).
    #[error("cannot prepare policy module {module} for instantiation: {source}")]
    Prepare {
        /// Name of the module.
        module: String,
        /// What wasmtime-provider reported.
        source: crate::module::ProviderError,
    },

    /// A new instance could not be created, or its initialisation (`wapc_init`, `_start`)
    /// failed, trapped or ran past the deadline.
    #[error("cannot instantiate policy module {module}: {source}")]
    Instantiate {
        /// Name of the module.
        module: String,
        /// What waPC reported.
        source: crate::module::InstanceError,
    },

    /// A waPC function that must answer for the host to proceed (`protocol_version`) failed.
    #[error("policy module {module}: call to `{function}` failed: {message}")]
    GuestCall {
        /// Name of the module.
        module: String,
        /// The waPC function that was called.
        function: &'static str,
        /// The waPC error, or why its answer could not be understood.
        message: String,
    },

    /// The request given to the host is not an AdmissionRequest nor an AdmissionReview.
    #[error(transparent)]
    Request(#[from] crate::request::RequestError),
}
