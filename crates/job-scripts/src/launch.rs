//! How a container's command line starts programs, before any script is read: Kubernetes'
//! `$(VAR)` expansion of `command`/`args`, the wrappers in front of a program (`exec`, `env`,
//! `timeout`, `gosu`, …), the shells that read scripts and the shell a script file's shebang
//! names. Shared by the Job analysis and the reading of the commands a container runs.

use std::collections::BTreeMap;

use crate::text::{Field, basename, looks_secret};

/// Client name of findings about shell scripts themselves when the shell's own name is not
/// known (`su -c`, a script file without a shebang); otherwise findings name it (`bash`).
pub const SHELL: &str = "sh";
/// Shells whose `-c` and script arguments are read.
pub(crate) const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "yash"];
/// Most wrappers (`exec env timeout …`) stripped from one command.
const MAX_WRAPPERS: usize = 8;

/// What a shell's arguments ask it to run (`sh [options] -c SCRIPT [arg0 args…]`,
/// `sh [options] FILE args…`, or a script on its standard input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ShellArgs {
    /// `-c` (alone or among other options: `-ec`): the operand is the script's text.
    pub command_mode: bool,
    /// Where the operand (the script, or the script file) is in `argv`, when there is one.
    pub operand: usize,
}

/// Reads a shell's options (`argv[0]` is the shell).
pub(crate) fn shell_args(argv: &[Field]) -> ShellArgs {
    let mut i = 1;
    let mut command_mode = false;
    while let Some(a) = argv.get(i) {
        let a = a.as_str();
        if a == "--" || a == "-" {
            i += 1;
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            i += if matches!(long, "rcfile" | "init-file") {
                2
            } else {
                1
            };
            continue;
        }
        if a.len() > 1 && (a.starts_with('-') || a.starts_with('+')) {
            command_mode |= a.contains('c');
            i += if a.contains('o') || a.contains('O') {
                2
            } else {
                1
            };
            continue;
        }
        break;
    }
    ShellArgs {
        command_mode,
        operand: i,
    }
}

/// The shell a script file run as a program runs in: its shebang's, or [`SHELL`] without one;
/// `None` when it is not a shell script.
pub(crate) fn shebang_shell(text: &str) -> Option<&str> {
    let Some(shebang) = text.strip_prefix("#!") else {
        return Some(SHELL);
    };
    let line = shebang.lines().next().unwrap_or("");
    let mut words = line.split_whitespace();
    let mut interpreter = basename(words.next().unwrap_or(""));
    if interpreter == "env" {
        interpreter = words.find(|w| !w.starts_with('-')).unwrap_or("");
    }
    let interpreter = basename(interpreter);
    SHELLS.contains(&interpreter).then_some(interpreter)
}

/// Skips command wrappers (`exec`, `env A=1`, `timeout 30`, `gosu user`, `kubectl exec … --`);
/// returns where the real command starts and the variables the wrappers set.
pub(crate) fn unwrap_command(argv: &[Field]) -> (usize, Vec<(String, Field)>) {
    let mut i = 0;
    let mut env = Vec::new();
    for _ in 0..MAX_WRAPPERS {
        let Some(first) = argv.get(i) else {
            break;
        };
        let arg = |k: usize| argv.get(k).map_or("", Field::as_str);
        match basename(first.as_str()) {
            "exec" | "command" | "builtin" | "nohup" | "time" | "setsid" | "tini" | "dumb-init"
            | "catatonit" | "stdbuf" | "ionice" | "chrt" => {
                i += 1;
                while arg(i).starts_with('-') {
                    let takes_value = arg(i) == "-a";
                    let end = arg(i) == "--";
                    i += if takes_value { 2 } else { 1 };
                    if end {
                        break;
                    }
                }
            }
            "env" => {
                i += 1;
                loop {
                    let a = arg(i);
                    if matches!(a, "-u" | "--unset" | "-C" | "--chdir" | "-S") {
                        i += 2;
                    } else if a.starts_with('-') {
                        i += 1;
                    } else if let Some((name, _)) = a.split_once('=') {
                        if let Some(f) = argv.get(i) {
                            env.push((name.to_owned(), f.tail(name.len() + 1)));
                        }
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            "nice" => {
                i += 1;
                if arg(i) == "-n" {
                    i += 2;
                } else if arg(i).starts_with('-') {
                    i += 1;
                }
            }
            "timeout" => {
                i += 1;
                while arg(i).starts_with('-') {
                    i += if matches!(arg(i), "-s" | "-k" | "--signal" | "--kill-after") {
                        2
                    } else {
                        1
                    };
                }
                i += 1; // the duration
            }
            "sudo" | "doas" => {
                i += 1;
                while arg(i).starts_with('-') {
                    i += if matches!(arg(i), "-u" | "-g" | "-C" | "-D" | "-h" | "-p" | "-U") {
                        2
                    } else {
                        1
                    };
                }
            }
            "gosu" | "su-exec" => i += 2,
            // Images' entrypoints that `exec "$@"` (postgres, mysql, mongo…).
            "busybox" | "docker-entrypoint.sh" => i += 1,
            "kubectl" | "oc" if argv.iter().skip(i).any(|a| a.as_str() == "exec") => {
                match argv.iter().skip(i).position(|a| a.as_str() == "--") {
                    Some(p) => i += p + 1,
                    None => return (argv.len(), env),
                }
            }
            _ => break,
        }
    }
    (i.min(argv.len()), env)
}

/// Kubernetes' `$(VAR)` expansion of `command`/`args` (`$$` escapes a `$`); references to
/// unknown variables, and to variables whose name looks secret, are kept as written.
pub(crate) fn kubernetes_expand(s: &str, env: &BTreeMap<String, String>) -> Field {
    // Most words hold no reference: their text is copied once, without regrowing. Text is
    // copied in runs up to the next reference or `$$`, so a script's own `$VAR`s (most of
    // its `$`s) cost no copy of their own.
    let mut out = Field::with_capacity(s.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(pos) = s[from..].find('$').map(|p| from + p) {
        let after = &s[pos + 1..];
        if after.starts_with('$') {
            out.push_known(&s[copied..=pos]);
            copied = pos + 2;
            from = copied;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            out.push_known(&s[copied..pos]);
            let name = &inner[..end];
            let reference = &s[pos..pos + end + 3];
            match env.get(name).filter(|_| !looks_secret(name)) {
                Some(v) => out.push_known(v),
                None => out.push_unknown(reference),
            }
            copied = pos + reference.len();
            from = copied;
        } else {
            from = pos + 1;
        }
    }
    out.push_known(&s[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::text::known_fields;

    #[rstest]
    #[case::plain(&["psql"], 0)]
    #[case::exec(&["exec", "psql"], 1)]
    #[case::env(&["env", "-i", "PGPASSWORD=x", "psql"], 3)]
    #[case::timeout(&["timeout", "-s", "KILL", "30s", "psql"], 4)]
    #[case::chain(&["exec", "gosu", "postgres", "nice", "-n", "5", "psql"], 6)]
    #[case::kubectl(&["kubectl", "exec", "-n", "db", "pod", "--", "psql"], 6)]
    #[case::kubectl_get(&["kubectl", "get", "pods"], 0)]
    #[case::sudo(&["sudo", "-u", "postgres", "psql"], 3)]
    #[case::only_wrapper(&["exec"], 1)]
    #[case::entrypoint(&["docker-entrypoint.sh", "psql"], 1)]
    fn unwraps(#[case] argv: &[&str], #[case] start: usize) {
        assert_eq!(unwrap_command(&known_fields(argv)).0, start);
    }

    #[test]
    fn env_wrapper_sets_variables() {
        let (_, env) = unwrap_command(&known_fields(&["env", "SQL=DROP TABLE t", "sh"]));
        assert_eq!(env.len(), 1);
        assert_eq!(env[0].0, "SQL");
        assert_eq!(env[0].1.as_str(), "DROP TABLE t");
    }

    #[rstest]
    #[case::known("psql -c $(SQL)", "psql -c DROP TABLE t", false)]
    #[case::escaped("echo $$(SQL) $$HOME", "echo $(SQL) $HOME", false)]
    #[case::unknown("psql -c $(SECRET)", "psql -c $(SECRET)", true)]
    #[case::unterminated("a $(B", "a $(B", false)]
    #[case::shell_var("sh -c 'echo $HOME'", "sh -c 'echo $HOME'", false)]
    #[case::shell_vars_around("$A $(SQL) $B $$ $", "$A DROP TABLE t $B $ $", false)]
    #[case::escaped_then_reference("$$$(SQL)", "$DROP TABLE t", false)]
    #[case::reference_at_the_end("x $(SQL)", "x DROP TABLE t", false)]
    #[case::unknown_between("$(A)$(SQL)", "$(A)DROP TABLE t", true)]
    #[case::unicode("é $(SQL) ü", "é DROP TABLE t ü", false)]
    fn expands_like_kubernetes(#[case] input: &str, #[case] expected: &str, #[case] unknown: bool) {
        let env = BTreeMap::from([("SQL".to_owned(), "DROP TABLE t".to_owned())]);
        let f = kubernetes_expand(input, &env);
        assert_eq!(f.as_str(), expected);
        assert_eq!(f.has_unknown(), unknown);
    }

    #[rstest]
    #[case::none("psql -c x", Some("sh"))]
    #[case::bash("#!/bin/bash\nx", Some("bash"))]
    #[case::env_sh("#!/usr/bin/env -S sh -e\nx", Some("sh"))]
    #[case::python("#!/usr/bin/env python3\nimport os", None)]
    #[case::node("#!/usr/bin/node\n", None)]
    fn shebangs(#[case] text: &str, #[case] shell: Option<&str>) {
        assert_eq!(shebang_shell(text), shell);
    }
}
