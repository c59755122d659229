//! Scripts read by bash (`bash -n`) where it is installed, as mvdan/sh's `confirmParse` does:
//! the reader reads what bash reads and refuses what bash refuses, but where it is knowingly
//! stricter (a here-document bash ends at the end of the input with a warning) or lenient
//! (extended globs without `shopt -s extglob`).

use std::io::Write;
use std::process::{Command, Stdio};

use rstest::rstest;

use super::super::parse;

/// Whether `bash -n` accepts `script`; `None` when bash cannot be run.
fn bash_reads(script: &str) -> Option<bool> {
    let mut child = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(script.as_bytes()).ok()?;
    Some(child.wait().ok()?.success())
}

#[rstest]
#[case::sequence("a; b && c || d | e &")]
#[case::assignments("A=1 B=(x y) c[1]=2 cmd; declare -A m=([k]=v)")]
#[case::redirections("a <x >y 2>&1 &>z {fd}>w <<<s <>rw >|c; diff <(a) >(b)")]
#[case::heredocs("cat <<A; cat <<-'B'\n$x\nA\n\tb\n\tB\n")]
#[case::heredoc_in_a_substitution("x=$(cat <<EOF\n)\nEOF\n)")]
#[case::heredoc_pending_after_a_substitution("x=$(cat <<EOF)\nbody\nEOF\n")]
#[case::compounds(
    "if a; then b; elif c; then d; else e; fi; while a; do b; done; until a; do :; done"
)]
#[case::loops(
    "for x in a b; do :; done; for ((i=0;i<2;i++)); do :; done; for x; { :; }; select x in a; do :; done"
)]
#[case::case_arms("case $x in a|b) one;; (c) two ;& *) three;;& esac")]
#[case::functions("f() { a; }; function g { b; } >log; h() ( c )")]
#[case::conditionals("[[ -n $x && ( a < b || ! -f c ) && $y =~ ^(a|b)$ ]]")]
#[case::arithmetic("((i++)); echo $((1 + (2 * 3))) $[4]")]
#[case::subshell_in_a_substitution("echo $((a) | b) $( (c) )")]
#[case::expansions("echo ${a:-b} ${#a} ${!a} ${a[@]} ${a//x/y} ${a:1:2} ${a^^} ${a@Q} ${a%%.*}")]
#[case::bad_substitution_is_read("echo ${A[x}")]
#[case::first_brace_closes_a_parameter("echo ${0,{}e-e-e ${x:-a{b}")]
#[case::quotes("echo 'a' \"b $c\" $'d\\n' $\"e\" \\f `g` \"`h`\"")]
#[case::continuations("ec\\\nho a\\\n b &\\\n& c")]
#[case::coproc("coproc c { a; }")]
#[case::coproc_of_a_simple_command_named_time("coproc time sleep 0")]
#[case::coproc_of_a_reserved_word("coproc  coproc    f  fp ")]
#[case::coproc_of_a_negation("coproc ! true")]
#[case::coproc_of_a_closer("coproc } x")]
// `$$` is one token in double quotes too: `"$$("` is a word (brush-parser reads `$(` there).
#[case::process_id_before_parenthesis_in_double_quotes("echo \"$$(\" x")]
#[case::process_id_before_parenthesis_outside_quotes("echo $$(echo hi)")]
#[case::time_and_negation("time ! a | b")]
#[case::negation_alone("!; ! ! !\n(a) || ! ;")]
#[case::double_negation_alone("! !")]
#[case::negation_before_a_closer("X=$(!)")]
#[case::time_before_a_closer("(time)")]
#[case::closing_brackets_as_a_command("a | ]]")]
#[case::word_glued_to_an_array("a+=()b")]
#[case::assignment_glued_to_an_array_is_one_word("X=()X=l")]
#[case::assignment_glued_to_an_array("a+=()qS+=()")]
#[case::descriptor_as_a_redirection_target("a<0<E")]
#[case::function_keyword_with_a_subshell_body("function f (echo a); f")]
#[case::parenthesis_open_in_legacy_arithmetic("echo $[T(X]")]
#[case::parenthesis_open_in_a_subscript("echo ${D[T[(o} ${x:1(}")]
#[case::negation_before_and("! && x")]
#[case::in_as_a_command("e & in")]
#[case::in_after_an_assignment("r=f in")]
#[case::comment_as_a_redirection_target("e >#x")]
#[case::clobber_then_brackets(">|n ]]")]
#[case::unclosed_quote("echo 'a")]
#[case::unclosed_substitution("echo $(a")]
#[case::unclosed_if("if a; then b")]
#[case::missing_then("if a; b; fi")]
#[case::empty_brace_group("{ }")]
#[case::stray_closer("a )")]
#[case::array_in_an_argument("echo a=(x)")]
#[case::word_after_a_compound("{ a; } b")]
#[case::stray_case_terminator("echo a;;")]
fn the_reader_agrees_with_bash(#[case] script: &str) {
    let Some(bash) = bash_reads(script) else {
        return;
    };
    assert_eq!(parse(script).is_ok(), bash, "{:?}", parse(script).err());
}

/// Where the reader knowingly differs from bash.
#[rstest]
#[case::heredoc_ended_by_the_input("cat <<EOF\nx", false)]
#[case::extglob_without_shopt("ls !(a)", true)]
#[case::backquotes_read_with_the_script("echo `{`", false)]
fn the_reader_differs_from_bash_on_purpose(#[case] script: &str, #[case] reads: bool) {
    assert_eq!(parse(script).is_ok(), reads);
    if let Some(bash) = bash_reads(script) {
        assert_eq!(bash, !reads, "bash agrees now");
    }
}
