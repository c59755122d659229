//! Helm chart labels (`<name>-<SemVer>`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| upstream_first_rules::fuzzing::chart_label(data));
