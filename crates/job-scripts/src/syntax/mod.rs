//! A reader of shell scripts: POSIX sh and the bash that Jobs use, read the way mvdan/sh
//! reads them (a hand-written recursive-descent reader, one pass over the bytes).
//!
//! [`parse`] is total and linear: every text gets a [`Script`] or a [`ParseError`] with its
//! line and column, nothing panics, nesting is bounded by [`MAX_DEPTH`] (answered with an
//! error, so the reader and the walker cannot exhaust a wasm stack), and no text is read
//! twice, but for the bounded look-ahead that tells `$((` arithmetic from `$( (`, and the text
//! of a `` `…` ``, read again once its escapes are removed.
//!
//! Where bash reads a construct only once an option is on, or reports it when it runs rather
//! than when it reads it, the reader is lenient: extended globs are always read, a here-document
//! body whose expansions do not read is [`HereDocBody::Unreadable`], and a `${…}` bash calls a
//! bad substitution is [`ParamOp::Bad`]. It is stricter than bash where a lenient reading
//! could hide commands: a here-document the input ends before its delimiter line is an error
//! (bash warns and runs it), and the text of a `` `…` `` is read with the script (bash reads it
//! when it runs it). `tests/bash.rs` checks both against `bash -n`.

mod ast;
mod command;
mod error;
mod expansion;
mod heredoc;
mod reader;
mod word;

#[cfg(test)]
mod tests;

use std::rc::Rc;

pub(crate) use ast::*;
pub(crate) use error::ParseError;
pub(crate) use reader::is_name;

/// Deepest nesting of constructs (compound commands, substitutions, `${…}`, arithmetic,
/// array literals, extended globs) read in one script.
pub(crate) const MAX_DEPTH: usize = 48;

/// Reads a script.
pub(crate) fn parse(text: &str) -> Result<Script, ParseError> {
    parse_counting(text).0
}

/// Reads a script; also answers the steps it took (bytes looked at, look-ahead included),
/// which tests count (other builds answer 0).
pub(crate) fn parse_counting(text: &str) -> (Result<Script, ParseError>, usize) {
    let source: Rc<str> = Rc::from(text);
    let mut reader = reader::Reader::new(text, Rc::clone(&source), 0, text.len(), 0);
    let script = reader.script().map_err(|error| error.locate(text));
    (script, reader.work())
}
