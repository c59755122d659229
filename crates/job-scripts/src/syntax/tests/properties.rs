//! Property tests: quoting round trips, the nesting limit, linear work.

use proptest::prelude::*;

use super::super::{Argument, Command, MAX_DEPTH, parse, parse_counting};
use super::limits::{STEPS_CONSTANT, STEPS_PER_BYTE, on_a_small_stack};

/// The words after the command name of the only command of `text`, after quote removal.
fn arguments(text: &str) -> Vec<Option<String>> {
    let script = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let [item] = script.body.items.as_slice() else {
        panic!("{text:?}: {} items", script.body.items.len());
    };
    let [Command::Simple(simple)] = item.first.commands.as_slice() else {
        panic!("{text:?}: not one simple command");
    };
    simple
        .arguments
        .iter()
        .skip(1)
        .map(|a| match a {
            Argument::Word(w) => w.unquoted(&script.source),
            Argument::Assignment(_) => None,
        })
        .collect()
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '"' | '$' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn backslashed(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c == '\n' {
            out.push_str("'\n'");
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    if out.is_empty() { "''".to_owned() } else { out }
}

fn ansi_c(s: &str) -> String {
    let mut out = String::from("$'");
    for c in s.chars() {
        match c {
            '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if !c.is_ascii() => out.push_str(&format!("\\U{:08x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Constructs that nest one level each, as `(open, close)` around a command.
const NESTING: [(&str, &str); 10] = [
    ("( ", " )"),
    ("{ ", "; }"),
    ("if true; then ", "; fi"),
    ("until false; do ", "; done"),
    ("case a in a) ", ";; esac"),
    // A space after `$(`: `$((` may be arithmetic.
    ("echo $( ", ")"),
    ("echo \"$( ", ")\""),
    ("cat <( ", ")"),
    ("x=$( ", ")"),
    ("for x; do ", "; done"),
];

/// Fragments that open, close and quote constructs, and text between them.
const FRAGMENTS: [&str; 40] = [
    "$((",
    "((",
    "$(",
    "(",
    ")",
    "))",
    "${",
    "${a[",
    "}",
    "]",
    "\"",
    "'",
    "`",
    "\\",
    "\n",
    " ",
    "x",
    "a[",
    "=",
    "<<E",
    "<<'E'",
    "<<-E",
    "\nE\n",
    "E",
    "case a in",
    "esac",
    ";;",
    "@(",
    "|",
    "$[",
    "<(",
    "{",
    "if",
    "then",
    "fi",
    "#",
    "$'",
    "=(",
    "[[",
    "]]",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any text, quoted in any of the shell's ways, reads back as itself.
    #[test]
    fn quoting_round_trips(text in "\\PC*", way in 0usize..4) {
        let quoted = match way {
            0 => single_quoted(&text),
            1 => double_quoted(&text),
            2 => backslashed(&text),
            _ => ansi_c(&text),
        };
        prop_assert_eq!(arguments(&format!("echo {quoted} x")), vec![Some(text), Some("x".to_owned())]);
    }

    /// Nesting up to the limit reads; one level more is refused as too deep.
    #[test]
    fn nesting_beyond_the_limit_is_refused(
        choices in proptest::collection::vec(0..NESTING.len(), MAX_DEPTH - 2..=MAX_DEPTH + 2)
    ) {
        let mut text = String::new();
        for &c in &choices {
            text.push_str(NESTING[c].0);
        }
        text.push_str("true");
        for &c in choices.iter().rev() {
            text.push_str(NESTING[c].1);
        }
        let levels = choices.len();
        let result = on_a_small_stack(move || parse(&text).map(|_| ()));
        match result {
            Ok(()) => prop_assert!(levels <= MAX_DEPTH),
            Err(error) => prop_assert!(levels > MAX_DEPTH && error.too_deep, "{levels}: {error}"),
        }
    }

    /// Any sequence of fragments, repeated to tens of kilobytes, reads (or fails to) in work
    /// linear in its length.
    #[test]
    fn work_is_linear(
        fragments in proptest::collection::vec(0..FRAGMENTS.len(), 1..64),
        repeat in 1usize..400,
    ) {
        let unit: String = fragments.iter().map(|&i| FRAGMENTS[i]).collect();
        let text = unit.repeat(repeat);
        let length = text.len();
        let work = on_a_small_stack(move || parse_counting(&text).1);
        prop_assert!(work <= STEPS_PER_BYTE * length + STEPS_CONSTANT, "{work} steps for {length} bytes");
    }
}
