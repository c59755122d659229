//! The crate's shell reader against brush-parser: the simple commands both find must agree
//! (see `oracles/brush.rs` for the inputs compared and the differences written down).
#![no_main]

#[path = "../oracles/brush.rs"]
mod brush;

libfuzzer_sys::fuzz_target!(|data: &[u8]| brush::compare(data));
