//! Reading Kubernetes objects out of files, directories and stdin.
//!
//! The reading itself lives in the `bundle-documents` crate, which has no WebAssembly host in
//! its dependencies, so that it can be fuzzed natively (`fuzz/`, target `split_documents`); this
//! module keeps the scanner's paths (`upstream_first::documents::…`) unchanged.

pub use bundle_documents::*;
