//! The whole `validate` path of no-raw-datastores, and its `validate_settings`.
#![no_main]

use upstream_first_rules::fuzzing::policy;

libfuzzer_sys::fuzz_target!(|data: &[u8]| policy::<no_raw_datastores::NoRawDatastores>(data));
