//! Words: quoting and expansions, input → sketch of the tree (see `sketch`).

use rstest::rstest;

use super::read;

#[rstest]
#[case::single_quotes("echo 'a \" $b \\'", "echo 'a \" $b \\';")]
#[case::double_quotes("echo \"a 'b' \\$c \\\" \\x $d\"", "echo \"a 'b' $c \" \\x $d\";")]
#[case::escapes("echo a\\ b \\$c \\\\", "echo a\\ b \\$c \\\\;")]
#[case::trailing_backslash("echo a\\", "echo a\\;")]
#[case::ansi_c(
    "echo $'a\\nb\\t\\x41\\101\\u00e9\\'\\c[\\q'",
    "echo $'a\\nb\\tAA\\u{e9}\\'\\u{1b}\\\\q';"
)]
#[case::locale("echo $\"a $b\"", "echo \"a $b\";")]
#[case::dollar_in_double_quotes("echo \"$'x'\" \"$\"", "echo \"$'x'\" \"$\";")]
#[case::lone_dollar("echo $ a$ $", "echo $ a$ $;")]
#[case::multibyte("echo héllo 'ü' \"ß\"", "echo héllo 'ü' \"ß\";")]
#[case::continuation_in_double_quotes("echo \"a\\\nb\"", "echo \"ab\";")]
#[case::newline_in_double_quotes("echo \"a\nb\"", "echo \"a\\nb\";")]
#[case::tilde_is_text("cd ~/x ~user", "cd ~/x ~user;")]
#[case::braces_are_text("echo {a,b} a{1..3}", "echo {a,b} a{1..3};")]
fn quoting(#[case] text: &str, #[case] expected: &str) {
    assert_eq!(read(text), expected);
}

#[rstest]
#[case::short(
    "echo $a $_b1 $1 $10 $@ $* $# $? $- $$ $!",
    "echo $a $_b1 $1 $10 $@ $* $# $? $- $$ $!;"
)]
#[case::braced("echo ${a} ${10} ${@} ${#} ${!}", "echo ${a} ${10} ${@} ${#} ${!};")]
#[case::length("echo ${#a} ${#a[@]} ${##}", "echo ${#a} ${#a[@]} ${##};")]
#[case::indirect(
    "echo ${!a} ${!a[@]} ${!pre*} ${!pre@} ${!#}",
    "echo ${!a} ${!a[@]} ${!pre*} ${!pre*} ${!#};"
)]
#[case::subscripts(
    "echo ${a[0]} ${a[$i + 1]} ${a[@]} ${a[*]} ${a[k]:-x}",
    "echo ${a[0]} ${a[$i + 1]} ${a[@]} ${a[*]} ${a[k]:-x};"
)]
#[case::defaults(
    "echo ${a-x} ${a:-x} ${a=x} ${a:=x} ${a?x} ${a:?x} ${a+x} ${a:+x}",
    "echo ${a-x} ${a:-x} ${a=x} ${a:=x} ${a?x} ${a:?x} ${a+x} ${a:+x};"
)]
#[case::default_words(
    "echo ${a:-b c} ${a:-'}'} ${a:-\"$b\"} ${a:-${b:-c}} ${a:-{x}}",
    "echo ${a:-b c} ${a:-'}'} ${a:-\"$b\"} ${a:-${b:-c}} ${a:-{x}};"
)]
#[case::default_in_double_quotes("echo \"${a:-'}'}\"", "echo \"${a:-'}'}\";")]
#[case::trims(
    "echo ${a#x} ${a##*/} ${a%.*} ${a%%x}",
    "echo ${a#x} ${a##*/} ${a%.*} ${a%%x};"
)]
#[case::replacements(
    "echo ${a/x/y} ${a//x} ${a/#x/y} ${a/%x/y} ${a//\\//_}",
    "echo ${a/x/y} ${a//x} ${a/#x/y} ${a/%x/y} ${a//\\//_};"
)]
#[case::substrings(
    "echo ${a:1} ${a:1:2} ${a: -1} ${a:(-2):1} ${a:i+1}",
    "echo ${a:1} ${a:1:2} ${a: -1} ${a:(-2):1} ${a:i+1};"
)]
#[case::case_changes(
    "echo ${a^} ${a^^} ${a,} ${a,,[A-C]}",
    "echo ${a^} ${a^^} ${a,} ${a,,[A-C]};"
)]
#[case::transforms("echo ${a@Q} ${a@U}", "echo ${a@Q} ${a@U};")]
#[case::bad_substitutions("echo ${A[x} ${a!b} ${}", "echo ${A!bad:[x} ${a!bad:!b} ${!bad:};")]
#[case::command_substitution("echo $(a | b; c) \"$(d)\"", "echo $(a | b; c;) \"$(d;)\";")]
#[case::nested_substitutions("echo $(a $(b \"$(c)\"))", "echo $(a $(b \"$(c;)\";););")]
#[case::closer_in_a_case_pattern(
    "echo $(case x in x) y;; esac)",
    "echo $(case x in x) y; ;; esac;);"
)]
#[case::comment_in_a_substitution("echo $(a # )\n)", "echo $(a;);")]
#[case::empty_substitution("echo $( ) $()", "echo $() $();")]
#[case::backquotes("echo `a b` \"`c`\"", "echo `a b;` \"`c;`\";")]
#[case::nested_backquotes("echo `a \\`b\\``", "echo `a `b;`;`;")]
#[case::backquote_escapes("echo \"`echo \\\"q\\\" \\$x`\"", "echo \"`echo \"q\" $x;`\";")]
#[case::arithmetic(
    "echo $((1 + $a * (b - 2))) $[3]",
    "echo $((1 + $a * (b - 2))) $((3));"
)]
#[case::arithmetic_across_lines("echo $((1 +\n 2))", "echo $((1 +\\n 2));")]
#[case::subshell_in_a_substitution("echo $((a) | b) $( (c) )", "echo $(( a; ) | b;) $(( c; ););")]
#[case::substitution_in_arithmetic("echo $(( $(a) + 1 ))", "echo $(( $(a;) + 1 ));")]
#[case::extended_globs(
    "ls !(a|*.sql) @(x) ?(y) *(z) +(w)",
    "ls !(a|*.sql) @(x) ?(y) *(z) +(w);"
)]
#[case::nested_extended_globs("ls @(a|!(b|c)) x@('y z')", "ls @(a|!(b|c)) x@('y z');")]
#[case::extglob_with_blank("ls @(a b)", "ls @(a b);")]
fn expansions(#[case] text: &str, #[case] expected: &str) {
    assert_eq!(read(text), expected);
}
