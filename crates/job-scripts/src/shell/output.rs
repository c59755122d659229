//! What known producers write to a pipe: `echo`, `printf`, `cat` and `envsubst`; and the
//! glob matching of `for` values.

use std::rc::Rc;

use super::walk::Walker;
use super::{SimpleCmd, Sink, Stdin};
use crate::model::Resolution;
use crate::syntax::is_name;
use crate::text::{Field, basename, normalize_path};

/// `printf` reuses its format at most this many times.
const MAX_PRINTF_ROUNDS: usize = 64;

impl<S: Sink + ?Sized> Walker<'_, S> {
    /// The standard output of a command, when it is a known producer.
    pub(super) fn output(&mut self, cmd: &SimpleCmd) -> Stdin {
        let name = basename(cmd.argv[0].as_str());
        let args = &cmd.argv[1..];
        let via = super::walk::pipe_from(name);
        match name {
            "echo" => {
                let mut text = Field::default();
                let mut newline = true;
                let mut first = true;
                let mut options = true;
                for a in args {
                    let s = a.as_str();
                    if options
                        && s.len() > 1
                        && s.starts_with('-')
                        && s[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
                    {
                        newline &= !s.contains('n');
                        continue;
                    }
                    options = false;
                    if !first {
                        text.push_char(' ');
                    }
                    first = false;
                    text.append(a);
                }
                if newline {
                    text.push_char('\n');
                }
                Stdin::Text {
                    text: Rc::new(unescape_field(&text)),
                    via,
                }
            }
            "printf" => match args.split_first() {
                Some((format, rest)) if !format.has_unknown() => Stdin::Text {
                    text: Rc::new(printf(format.as_str(), rest)),
                    via,
                },
                _ => Stdin::Unknown { via },
            },
            "cat" => {
                let files: Vec<&Field> = args
                    .iter()
                    .filter(|a| !a.as_str().starts_with('-') || a.as_str() == "-")
                    .collect();
                if files.is_empty() || files.iter().all(|f| f.as_str() == "-") {
                    return match &cmd.stdin {
                        Stdin::None => Stdin::Unknown { via },
                        other => other.clone(),
                    };
                }
                if files.len() == 1 && !files[0].has_unknown() {
                    let path = normalize_path(files[0].as_str(), self.state.cwd.as_deref());
                    return Stdin::File {
                        via: format!("{via} {path}"),
                        path,
                    };
                }
                let mut text = Field::default();
                for f in files {
                    let path = normalize_path(f.as_str(), self.state.cwd.as_deref());
                    match (f.has_unknown(), self.sink.read(&path)) {
                        (false, Resolution::Resolved(content)) => text.push_known(&content),
                        _ => {
                            return Stdin::File {
                                via: format!("{via} {path}"),
                                path,
                            };
                        }
                    }
                }
                Stdin::Text {
                    text: Rc::new(text),
                    via,
                }
            }
            "envsubst" => {
                let input = match &cmd.stdin {
                    Stdin::Text { text, .. } => Some(text.as_str().to_owned()),
                    Stdin::File { path, .. } => match self.sink.read(path) {
                        Resolution::Resolved(t) => Some(t),
                        _ => None,
                    },
                    _ => None,
                };
                match input {
                    Some(t) => Stdin::Text {
                        text: Rc::new(self.envsubst(&t)),
                        via,
                    },
                    None => Stdin::Unknown { via },
                }
            }
            _ => Stdin::Unknown { via },
        }
    }

    /// `$NAME` and `${NAME}` replaced from known variables.
    fn envsubst(&self, text: &str) -> Field {
        let mut out = Field::default();
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            out.push_known(&rest[..pos]);
            let after = &rest[pos + 1..];
            let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
                match inner.find('}') {
                    Some(end) => (&inner[..end], end + 2),
                    None => ("", 0),
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            };
            if is_name(name) {
                match self.state.vars.get(name) {
                    Some(v) => out.append(v),
                    None => out.push_unknown(&rest[pos..pos + 1 + consumed]),
                }
                rest = &after[consumed..];
            } else {
                out.push_char('$');
                rest = after;
            }
        }
        out.push_known(rest);
        out
    }
}

/// Backslash escapes of `$'…'`, `echo -e` and `printf` formats.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn unescape_field(f: &Field) -> Field {
    if f.has_unknown() || !f.as_str().contains('\\') {
        return f.clone();
    }
    Field::known(&unescape(f.as_str()))
}

/// `printf FORMAT ARGS…` with `%s`/`%b`/`%d`-like conversions.
pub(super) fn printf(format: &str, args: &[Field]) -> Field {
    let format = unescape(format);
    let mut out = Field::default();
    let mut next = 0usize;
    for round in 0..MAX_PRINTF_ROUNDS {
        let mut used = false;
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push_char(c);
                continue;
            }
            // Skip flags, width and precision.
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '#' | '.'))
            {
                chars.next();
            }
            match chars.next() {
                Some('%') => out.push_char('%'),
                Some(_) => {
                    used = true;
                    if let Some(a) = args.get(next) {
                        out.append(&unescape_field(a));
                    }
                    next += 1;
                }
                None => out.push_char('%'),
            }
        }
        if !used || next >= args.len() || round + 1 == MAX_PRINTF_ROUNDS {
            break;
        }
    }
    out
}

/// `*` and `?` glob matching of one path component.
pub(super) fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}
