//! The whole `validate` path of pvc-contract, and its `validate_settings`.
#![no_main]

use upstream_first_rules::fuzzing::policy;

libfuzzer_sys::fuzz_target!(|data: &[u8]| policy::<pvc_contract::PvcContract>(data));
