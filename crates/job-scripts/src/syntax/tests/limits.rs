//! The nesting limit, and linear work on every input the fuzzers kept.

use rstest::rstest;

use super::super::{MAX_DEPTH, parse, parse_counting};

/// Most steps per byte of input the reader takes (see `Reader::count`), plus a constant.
pub(super) const STEPS_PER_BYTE: usize = 48;
pub(super) const STEPS_CONSTANT: usize = 4096;

/// Runs `f` on a 1 MiB stack, what a wasm32 module gets, in this unoptimised build.
pub(super) fn on_a_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .expect("spawns")
        .join()
        .expect("no overflow")
}

/// `levels` nested constructs around `true`.
fn nest(open: &str, close: &str, levels: usize) -> String {
    format!("{}true{}", open.repeat(levels), close.repeat(levels))
}

#[rstest]
#[case::subshells("( ", " )")]
#[case::brace_groups("{ ", "; }")]
#[case::ifs("if true; then ", "; fi")]
#[case::whiles("while true; do ", "; done")]
#[case::fors("for x in a; do ", "; done")]
#[case::cases("case a in a) ", ";; esac")]
#[case::substitutions("echo $(", ")")]
#[case::quoted_substitutions("echo \"$(", ")\"")]
#[case::process_substitutions("cat <(", ")")]
#[case::defaults("echo ${a:-", "}")]
#[case::arithmetic("echo $(( ", " ))")]
#[case::legacy_arithmetic("echo $[ ", " ]")]
#[case::arrays_in_substitutions("a=($(", "))")]
#[case::extended_globs("ls @(", ")")]
fn nesting_is_read_up_to_the_limit_and_refused_beyond(#[case] open: &str, #[case] close: &str) {
    // Constructs of two levels (an array and the substitution it holds) count twice.
    let per_construct = if open.contains("=($(") { 2 } else { 1 };
    let levels = MAX_DEPTH / per_construct;
    let (accepted, refused) = (nest(open, close, levels), nest(open, close, levels + 1));
    on_a_small_stack(move || {
        if let Err(error) = parse(&accepted) {
            panic!("{levels} levels: {error}");
        }
        match parse(&refused) {
            Err(error) if error.too_deep => {}
            other => panic!("{} levels: {other:?}", levels + 1),
        }
    });
}

#[test]
fn the_limit_is_an_error_with_a_position() {
    let error = parse(&"( ".repeat(200)).expect_err("too deep");
    assert!(error.too_deep);
    assert_eq!(
        error.to_string(),
        format!(
            "1:{}: nested too deep (more than {MAX_DEPTH} levels)",
            2 * MAX_DEPTH + 1
        )
    );
}

/// Every input the `shell_script` fuzz target kept (its corpus and its regressions: inputs on
/// which brush-parser panicked, looped or backtracked) reads, or fails to, in linear work; so
/// do the regressions repeated up to the largest script read.
#[test]
fn fuzz_inputs_read_in_linear_work() {
    let inputs = upstream_first_rules::fuzzing::inputs("shell_script");
    assert!(inputs.len() > 50, "{} inputs", inputs.len());
    on_a_small_stack(move || {
        for (path, bytes) in &inputs {
            let text = String::from_utf8_lossy(bytes);
            let (_, work) = parse_counting(&text);
            assert!(
                work <= STEPS_PER_BYTE * text.len() + STEPS_CONSTANT,
                "{}: {work} steps for {} bytes",
                path.display(),
                text.len()
            );
            let is_regression = path
                .parent()
                .is_some_and(|dir| dir.ends_with("regressions/shell_script"));
            if is_regression && !text.is_empty() {
                let repeated = text.repeat(crate::MAX_SCRIPT_BYTES / text.len() + 1);
                let (_, work) = parse_counting(&repeated);
                assert!(
                    work <= STEPS_PER_BYTE * repeated.len() + STEPS_CONSTANT,
                    "{} repeated: {work} steps for {} bytes",
                    path.display(),
                    repeated.len()
                );
            }
        }
    });
}
