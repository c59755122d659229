//! The whole `validate` path of no-sql-mutating-jobs, and its `validate_settings`.
#![no_main]

use upstream_first_rules::fuzzing::policy;

libfuzzer_sys::fuzz_target!(|data: &[u8]| policy::<no_sql_mutating_jobs::NoSqlMutatingJobs>(data));
