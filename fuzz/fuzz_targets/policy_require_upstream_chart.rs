//! The whole `validate` path of require-upstream-chart, and its `validate_settings`.
#![no_main]

use upstream_first_rules::fuzzing::policy;

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| policy::<require_upstream_chart::RequireUpstreamChart>(data)
);
