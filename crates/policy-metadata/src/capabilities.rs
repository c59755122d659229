//! Which host capabilities a module can call, found the way `kwctl annotate` finds them: a
//! guest names the namespace and operation of a waPC host call in string constants, which end
//! up in the module's data segments.

use std::collections::BTreeSet;

use wasmparser::{Parser, Payload};

use crate::MetadataError;

/// The host capabilities policy-server serves, as `(namespace, operation)`: a policy calls
/// `host_call("kubewarden", namespace, operation, payload)`; the capability is
/// `namespace/operation`.
pub const HOST_CAPABILITY_OPERATIONS: [(&str, &str); 11] = [
    ("kubernetes", "list_resources_by_namespace"),
    ("kubernetes", "list_resources_all"),
    ("kubernetes", "get_resource"),
    ("kubernetes", "can_i"),
    ("oci", "v1/verify"),
    ("oci", "v2/verify"),
    ("oci", "v1/manifest_digest"),
    ("oci", "v1/oci_manifest"),
    ("oci", "v1/oci_manifest_config"),
    ("net", "v1/dns_lookup_host"),
    ("crypto", "v1/is_certificate_trusted"),
];

/// Separates data segments, so that no string is found across two of them.
const SEGMENT_SEPARATOR: u8 = 0xff;

/// The capabilities (`kubernetes/get_resource`, …) whose namespace and operation strings are in
/// the module's data segments. An operation that is a prefix of another
/// (`v1/oci_manifest` of `v1/oci_manifest_config`) counts only where it stands alone.
pub fn detect_host_capabilities(wasm: &[u8]) -> Result<BTreeSet<String>, MetadataError> {
    let mut data = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::DataSection(segments) = payload? {
            for segment in segments {
                data.extend_from_slice(segment?.data);
                data.push(SEGMENT_SEPARATOR);
            }
        }
    }
    Ok(HOST_CAPABILITY_OPERATIONS
        .iter()
        .filter(|(namespace, operation)| {
            let longer: Vec<&str> = HOST_CAPABILITY_OPERATIONS
                .iter()
                .map(|(_, other)| *other)
                .filter(|other| other.len() > operation.len() && other.starts_with(operation))
                .collect();
            contains(&data, namespace.as_bytes())
                && stands_alone(&data, operation.as_bytes(), &longer)
        })
        .map(|(namespace, operation)| format!("{namespace}/{operation}"))
        .collect())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Whether `needle` occurs somewhere that is not the start of one of the `longer` strings.
fn stands_alone(haystack: &[u8], needle: &[u8], longer: &[&str]) -> bool {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, window)| *window == needle)
        .any(|(at, _)| {
            !longer
                .iter()
                .any(|other| haystack[at..].starts_with(other.as_bytes()))
        })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use wasm_encoder::{ConstExpr, DataSection, MemorySection, MemoryType};

    use super::*;

    /// A module whose data segment holds `strings`, NUL-terminated as a compiler lays them out.
    fn module_with_strings(strings: &[&str]) -> Vec<u8> {
        let mut module = wasm_encoder::Module::new();
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        module.section(&memories);
        let mut payload = Vec::new();
        for string in strings {
            payload.extend_from_slice(string.as_bytes());
            payload.push(0);
        }
        let mut data = DataSection::new();
        data.active(0, &ConstExpr::i32_const(0), payload);
        module.section(&data);
        module.finish()
    }

    #[rstest]
    #[case::nothing(&["hello", "world"], &[])]
    #[case::get_resource(&["kubewarden", "kubernetes", "get_resource"], &["kubernetes/get_resource"])]
    #[case::operation_without_namespace(&["kubewarden", "get_resource"], &[])]
    #[case::two(
        &["kubernetes", "list_resources_by_namespace", "get_resource"],
        &["kubernetes/get_resource", "kubernetes/list_resources_by_namespace"]
    )]
    #[case::longer_sibling_only(&["oci", "v1/oci_manifest_config"], &["oci/v1/oci_manifest_config"])]
    #[case::both_siblings(
        &["oci", "v1/oci_manifest_config", "v1/oci_manifest"],
        &["oci/v1/oci_manifest", "oci/v1/oci_manifest_config"]
    )]
    fn capabilities_are_found_in_data_segments(
        #[case] strings: &[&str],
        #[case] expected: &[&str],
    ) {
        let detected = detect_host_capabilities(&module_with_strings(strings)).expect("valid");
        let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(detected, expected);
    }

    #[test]
    fn every_operation_is_found() {
        let mut strings = Vec::new();
        for (namespace, operation) in HOST_CAPABILITY_OPERATIONS {
            strings.extend([namespace, operation]);
        }
        let detected = detect_host_capabilities(&module_with_strings(&strings)).expect("valid");
        assert_eq!(detected.len(), HOST_CAPABILITY_OPERATIONS.len());
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(detect_host_capabilities(b"\0asm\x01").is_err());
    }
}
