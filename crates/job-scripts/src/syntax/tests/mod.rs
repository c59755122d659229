//! Tests of the reader: input → tree tables per construct (`commands`, `words`), input →
//! error tables (`errors`), the fuzz regressions and the nesting limit (`limits`), property
//! tests (`properties`), and the same inputs read by bash where it is installed (`bash`).

mod bash;
mod commands;
mod errors;
mod limits;
mod properties;
mod sketch;
mod words;

use super::parse;

/// The sketch of a script that must read.
fn read(text: &str) -> String {
    match parse(text) {
        Ok(script) => sketch::script(&script),
        Err(error) => panic!("{text:?} does not read: {error}"),
    }
}

/// The error of a script that must not read.
fn refuse(text: &str) -> String {
    match parse(text) {
        Ok(script) => panic!("{text:?} reads as {}", sketch::script(&script)),
        Err(error) => error.to_string(),
    }
}
