//! `xargs`: the command lines it runs, from its arguments and its input (GNU, BSD and busybox
//! options). A known input gives known arguments; an unknown one gives one command line
//! whose input arguments are unknown.

use crate::text::Field;

/// Most command lines followed for one `xargs`.
pub(crate) const MAX_COMMAND_LINES: usize = 16;
/// Shown for arguments that come from an input that is not known.
pub(crate) const UNKNOWN_INPUT: &str = "{}";

/// How `xargs` splits its input into items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delimiter {
    /// Blanks and newlines, with quotes and backslashes (the default).
    Blank,
    /// One character (`-d`, `-0`).
    Char(char),
}

/// What `xargs`'s options ask for.
#[derive(Debug, PartialEq)]
struct Options {
    delimiter: Delimiter,
    /// `-I R`: each input line replaces `R` in the arguments, one command line per line.
    replace: Option<String>,
    /// `-n N`, `-L N`: items (or lines) per command line.
    per_line: Option<usize>,
    /// `-L`: items are lines.
    lines: bool,
    /// `-a FILE`: the items come from a file, not standard input.
    from_file: bool,
}

/// The command lines `xargs ARGS…` runs with `input` on its standard input (`None` when not
/// known), and whether some were left out ([`MAX_COMMAND_LINES`]). Empty when it runs none
/// of interest (only `echo`, or no argument).
pub(crate) fn command_lines(args: &[Field], input: Option<&str>) -> (Vec<Vec<Field>>, bool) {
    let Some((options, command)) = parse_options(args) else {
        return (Vec::new(), false);
    };
    if command.is_empty() {
        return (Vec::new(), false);
    }
    let input = if options.from_file { None } else { input };
    let Some(input) = input else {
        let line = match &options.replace {
            Some(marker) => command.iter().map(|a| replace(a, marker, None)).collect(),
            None => {
                let mut line = command.to_vec();
                line.push(Field::unknown(UNKNOWN_INPUT));
                line
            }
        };
        return (vec![line], false);
    };
    let items = items(input, &options);
    if items.is_empty() {
        return (Vec::new(), false);
    }
    let groups: Vec<&[String]> = match (&options.replace, options.per_line) {
        (Some(_), _) => items.chunks(1).collect(),
        (None, Some(n)) => items.chunks(n.max(1)).collect(),
        (None, None) => vec![&items[..]],
    };
    let truncated = groups.len() > MAX_COMMAND_LINES;
    let lines = groups
        .into_iter()
        .take(MAX_COMMAND_LINES)
        .map(|group| match &options.replace {
            Some(marker) => command
                .iter()
                .map(|a| replace(a, marker, group.first().map(String::as_str)))
                .collect(),
            None => command
                .iter()
                .cloned()
                .chain(group.iter().map(|item| Field::known(item)))
                .collect(),
        })
        .collect();
    (lines, truncated)
}

/// The options before the command, and the command; `None` when they cannot be read.
fn parse_options(args: &[Field]) -> Option<(Options, &[Field])> {
    let mut options = Options {
        delimiter: Delimiter::Blank,
        replace: None,
        per_line: None,
        lines: false,
        from_file: false,
    };
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let text = arg.as_str();
        i += 1;
        if text == "--" {
            break;
        }
        if let Some(long) = text.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (long, None),
            };
            let takes_value = matches!(
                name,
                "max-args"
                    | "max-lines"
                    | "max-procs"
                    | "max-chars"
                    | "delimiter"
                    | "arg-file"
                    | "replace"
                    | "eof"
                    | "process-slot-var"
            );
            let value = match (takes_value, attached) {
                (true, Some(value)) => Some(value),
                (true, None) => {
                    i += 1;
                    Some(args.get(i - 1)?.as_str().to_owned())
                }
                (false, _) => None,
            };
            apply(&mut options, long_to_short(name), value.as_deref());
            continue;
        }
        let Some(cluster) = text.strip_prefix('-').filter(|c| !c.is_empty()) else {
            i -= 1;
            break;
        };
        for (at, flag) in cluster.char_indices() {
            let rest = &cluster[at + flag.len_utf8()..];
            match flag {
                'n' | 'L' | 'P' | 's' | 'd' | 'E' | 'a' | 'I' => {
                    let value = if rest.is_empty() {
                        i += 1;
                        args.get(i - 1)?.as_str().to_owned()
                    } else {
                        rest.to_owned()
                    };
                    apply(&mut options, flag, Some(&value));
                    break;
                }
                // Optional values, attached only.
                'i' | 'l' | 'e' => {
                    apply(&mut options, flag, (!rest.is_empty()).then_some(rest));
                    break;
                }
                other => apply(&mut options, other, None),
            }
        }
    }
    Some((options, args.get(i..).unwrap_or_default()))
}

fn long_to_short(name: &str) -> char {
    match name {
        "null" => '0',
        "max-args" => 'n',
        "max-lines" => 'L',
        "delimiter" => 'd',
        "arg-file" => 'a',
        "replace" => 'I',
        _ => ' ',
    }
}

fn apply(options: &mut Options, flag: char, value: Option<&str>) {
    match flag {
        '0' => options.delimiter = Delimiter::Char('\0'),
        'd' => {
            let delimiter = match value.unwrap_or("") {
                "\\n" => '\n',
                "\\t" => '\t',
                "\\0" => '\0',
                other => other.chars().next().unwrap_or('\n'),
            };
            options.delimiter = Delimiter::Char(delimiter);
        }
        'n' => options.per_line = value.and_then(|v| v.parse().ok()),
        'L' | 'l' => {
            options.per_line = Some(value.and_then(|v| v.parse().ok()).unwrap_or(1));
            options.lines = true;
        }
        'I' | 'i' => options.replace = Some(value.unwrap_or(UNKNOWN_INPUT).to_owned()),
        'a' => options.from_file = true,
        _ => {}
    }
}

/// The items of the input.
fn items(input: &str, options: &Options) -> Vec<String> {
    if options.replace.is_some() || options.lines {
        return input
            .lines()
            .map(|line| line.trim_start_matches([' ', '\t']).to_owned())
            .filter(|line| !line.is_empty())
            .collect();
    }
    match options.delimiter {
        Delimiter::Char(delimiter) => input
            .split(delimiter)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
        Delimiter::Blank => blank_separated(input),
    }
}

/// Items separated by blanks and newlines, with `'…'`, `"…"` and `\` quoting.
fn blank_separated(input: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut started = false;
    let mut chars = input.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if started {
                    items.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            '\'' | '"' => {
                started = true;
                current.extend(chars.by_ref().take_while(|q| *q != c));
            }
            '\\' => {
                started = true;
                current.extend(chars.next());
            }
            other => {
                started = true;
                current.push(other);
            }
        }
    }
    if started {
        items.push(current);
    }
    items
}

/// An argument with `marker` replaced by the item, or by an unknown value.
fn replace(arg: &Field, marker: &str, item: Option<&str>) -> Field {
    if marker.is_empty() || !arg.as_str().contains(marker) {
        return arg.clone();
    }
    let mut out = Field::default();
    for (text, unknown) in arg.segments() {
        if unknown {
            out.push_unknown(text);
            continue;
        }
        let mut parts = text.split(marker);
        if let Some(first) = parts.next() {
            out.push_known(first);
        }
        for part in parts {
            match item {
                Some(item) => out.push_known(item),
                None => out.push_unknown(marker),
            }
            out.push_known(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::text::known_fields;

    fn run(args: &[&str], input: Option<&str>) -> Vec<String> {
        let args = known_fields(args);
        command_lines(&args, input)
            .0
            .iter()
            .map(|line| {
                line.iter()
                    .map(|f| {
                        if f.has_unknown() {
                            format!("?{}", f.as_str())
                        } else {
                            f.as_str().to_owned()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[rstest]
    #[case::appends_items(&["psql", "-f"], Some("a.sql b.sql\n"), &["psql -f a.sql b.sql"])]
    #[case::quoted_items(&["rm"], Some("'a b' \"c\" d\\ e"), &["rm a b c d e"])]
    #[case::per_line(&["-n1", "psql", "-f"], Some("a.sql\nb.sql"), &["psql -f a.sql", "psql -f b.sql"])]
    #[case::per_line_separate(&["-n", "2", "echo"], Some("a b c"), &["echo a b", "echo c"])]
    #[case::lines(&["-L", "1", "x"], Some("a b\nc"), &["x a b", "x c"])]
    #[case::replace(&["-I{}", "psql", "-c", "DROP DATABASE {}"], Some("a\n  b\n"), &["psql -c DROP DATABASE a", "psql -c DROP DATABASE b"])]
    #[case::replace_separate(&["-I", "X", "sh", "-c", "echo X"], Some("1"), &["sh -c echo 1"])]
    #[case::replace_old_style(&["-i", "x", "{}"], Some("1"), &["x 1"])]
    #[case::null_delimited(&["-0", "psql", "-c"], Some("DELETE FROM t\n"), &["psql -c DELETE FROM t\n"])]
    #[case::delimiter(&["-d,", "x"], Some("a,b"), &["x a b"])]
    #[case::long_options(&["--max-args=1", "--no-run-if-empty", "x"], Some("a b"), &["x a", "x b"])]
    #[case::end_of_options(&["-r", "--", "-x"], Some("a"), &["-x a"])]
    #[case::unknown_input(&["psql", "-f"], None, &["psql -f ?{}"])]
    #[case::unknown_input_replaced(&["-I{}", "psql", "-c", "DELETE FROM t WHERE id={}"], None, &["psql -c ?DELETE FROM t WHERE id={}"])]
    #[case::arg_file(&["-a", "ids", "psql", "-f"], Some("ignored"), &["psql -f ?{}"])]
    #[case::no_command(&["-n1"], Some("a"), &[])]
    #[case::empty_input(&["psql"], Some(""), &[])]
    #[case::missing_option_value(&["-n"], Some("a"), &[])]
    fn command_lines_of_xargs(
        #[case] args: &[&str],
        #[case] input: Option<&str>,
        #[case] expected: &[&str],
    ) {
        assert_eq!(run(args, input), expected);
    }

    #[test]
    fn command_lines_are_bounded() {
        let input = "x\n".repeat(100);
        let args = [Field::known("-n1"), Field::known("p")];
        let (lines, truncated) = command_lines(&args, Some(&input));
        assert_eq!(lines.len(), MAX_COMMAND_LINES);
        assert!(truncated);
    }
}
