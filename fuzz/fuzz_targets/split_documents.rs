//! The scanner's reading of files: documents, lines, Lists, hostile bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bundle_documents::fuzzing::split_documents(data));
