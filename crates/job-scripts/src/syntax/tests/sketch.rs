//! A compact, shell-like rendering of syntax trees, for test tables: commands as written
//! with one space between words, a list's items ended by `;` or `&`, here-document bodies in
//! `[…]`, newlines in text as `\n`.

use crate::syntax::ast::*;

pub(super) fn script(script: &Script) -> String {
    list(&script.body, &script.source)
}

fn list(list: &List, src: &str) -> String {
    let mut out = String::new();
    for item in &list.items {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&pipeline(&item.first, src));
        for (op, next) in &item.rest {
            out.push_str(match op {
                Logical::And => " && ",
                Logical::Or => " || ",
            });
            out.push_str(&pipeline(next, src));
        }
        out.push_str(if item.background { " &" } else { ";" });
    }
    out
}

fn pipeline(pipeline: &Pipeline, src: &str) -> String {
    let mut out = String::new();
    if pipeline.timed {
        out.push_str("time ");
    }
    if pipeline.negated {
        out.push_str("! ");
    }
    let commands: Vec<String> = pipeline.commands.iter().map(|x| command(x, src)).collect();
    out.push_str(&commands.join(" | "));
    out
}

pub(super) fn command(command: &Command, src: &str) -> String {
    match command {
        Command::Simple(simple) => {
            let mut items: Vec<String> = simple
                .assignments
                .iter()
                .map(|x| assignment(x, src))
                .collect();
            items.extend(simple.arguments.iter().map(|a| match a {
                Argument::Word(w) => word(w, src),
                Argument::Assignment(a) => assignment(a, src),
            }));
            items.extend(simple.redirects.iter().map(|x| redirect(x, src)));
            items.join(" ")
        }
        Command::Compound(compound) => self::compound(compound, src),
        Command::Function(function) => {
            format!(
                "{}() {}",
                function.name,
                self::compound(&function.body, src)
            )
        }
    }
}

fn compound(compound: &Compound, src: &str) -> String {
    let mut out = match &compound.kind {
        CompoundKind::Brace(body) => format!("{{ {} }}", list(body, src)),
        CompoundKind::Subshell(body) => format!("( {} )", list(body, src)),
        CompoundKind::If {
            branches,
            otherwise,
        } => {
            let mut out = String::new();
            for (i, (condition, body)) in branches.iter().enumerate() {
                out.push_str(if i == 0 { "if " } else { " elif " });
                out.push_str(&format!(
                    "{} then {}",
                    list(condition, src),
                    list(body, src)
                ));
            }
            if let Some(otherwise) = otherwise {
                out.push_str(&format!(" else {}", list(otherwise, src)));
            }
            out.push_str(" fi");
            out
        }
        CompoundKind::Loop {
            until,
            condition,
            body,
        } => format!(
            "{} {} do {} done",
            if *until { "until" } else { "while" },
            list(condition, src),
            list(body, src)
        ),
        CompoundKind::For {
            select,
            variable,
            values,
            body,
        } => {
            let keyword = if *select { "select" } else { "for" };
            match values {
                Some(values) => {
                    let values: Vec<String> = values.iter().map(|x| word(x, src)).collect();
                    format!(
                        "{keyword} {variable} in {}; do {} done",
                        values.join(" "),
                        list(body, src)
                    )
                }
                None => format!("{keyword} {variable}; do {} done", list(body, src)),
            }
        }
        CompoundKind::ArithmeticFor {
            init,
            condition,
            step,
            body,
        } => format!(
            "for (({};{};{})); do {} done",
            word(init, src),
            word(condition, src),
            word(step, src),
            list(body, src)
        ),
        CompoundKind::Case { subject, arms } => {
            let mut out = format!("case {} in", word(subject, src));
            for arm in arms {
                let patterns: Vec<String> = arm.patterns.iter().map(|x| word(x, src)).collect();
                out.push_str(&format!(
                    " {}) {} {}",
                    patterns.join("|"),
                    list(&arm.body, src),
                    match arm.end {
                        CaseEnd::Break => ";;",
                        CaseEnd::FallThrough => ";&",
                        CaseEnd::Continue => ";;&",
                    }
                ));
            }
            out.push_str(" esac");
            out
        }
        CompoundKind::Arithmetic(expression) => format!("(({}))", word(expression, src)),
        CompoundKind::Conditional(words) => {
            let words: Vec<String> = words.iter().map(|x| word(x, src)).collect();
            format!("[[ {} ]]", words.join(" "))
        }
        CompoundKind::Coproc { name, body } => match name {
            Some(name) => format!("coproc {name} {}", command(body, src)),
            None => format!("coproc {}", command(body, src)),
        },
    };
    for r in &compound.redirects {
        out.push(' ');
        out.push_str(&redirect(r, src));
    }
    out
}

fn assignment(assignment: &Assignment, src: &str) -> String {
    let mut out = assignment.name.clone();
    if let Some(subscript) = &assignment.subscript {
        out.push_str(&format!("[{}]", word(subscript, src)));
    }
    out.push_str(if assignment.append { "+=" } else { "=" });
    match &assignment.value {
        AssignedValue::Scalar(value) => out.push_str(&word(value, src)),
        AssignedValue::Array(elements) => {
            let elements: Vec<String> = elements
                .iter()
                .map(|e| match &e.key {
                    Some(key) => format!("[{}]={}", word(key, src), word(&e.value, src)),
                    None => word(&e.value, src),
                })
                .collect();
            out.push_str(&format!("({})", elements.join(" ")));
        }
    }
    out
}

pub(super) fn redirect(redirect: &Redirect, src: &str) -> String {
    let fd = match &redirect.fd {
        Some(RedirectFd::Number(n)) => n.to_string(),
        Some(RedirectFd::Variable(name)) => format!("{{{name}}}"),
        None => String::new(),
    };
    let rest = match &redirect.target {
        RedirectTarget::File(op, target) => {
            let op = match op {
                FileOp::Read => "<",
                FileOp::Write => ">",
                FileOp::Append => ">>",
                FileOp::Clobber => ">|",
                FileOp::ReadWrite => "<>",
                FileOp::DupRead => "<&",
                FileOp::DupWrite => ">&",
                FileOp::WriteBoth => "&>",
                FileOp::AppendBoth => "&>>",
            };
            format!("{op}{}", word(target, src))
        }
        RedirectTarget::HereString(target) => format!("<<<{}", word(target, src)),
        RedirectTarget::HereDoc(doc) => {
            let delimiter = if doc.quoted {
                format!("'{}'", doc.delimiter)
            } else {
                doc.delimiter.clone()
            };
            let body = match doc.body() {
                HereDocBody::Literal(text) => text.replace('\n', "\\n"),
                HereDocBody::Expanding(body) => word(body, src),
                HereDocBody::Unreadable(_) => "?".to_owned(),
            };
            format!(
                "<<{}{delimiter}[{body}]",
                if doc.strip_tabs { "-" } else { "" }
            )
        }
    };
    format!("{fd}{rest}")
}

pub(super) fn word(word: &Word, src: &str) -> String {
    parts(&word.parts, src)
}

fn parts(parts: &[WordPart], src: &str) -> String {
    parts.iter().map(|p| part(p, src)).collect()
}

fn part(part: &WordPart, src: &str) -> String {
    match part {
        WordPart::Literal(text) => text.as_str(src).replace('\n', "\\n"),
        WordPart::Escaped(text) => text.chars().map(|c| format!("\\{c}")).collect(),
        WordPart::SingleQuoted(text) => format!("'{}'", text.replace('\n', "\\n")),
        WordPart::AnsiC(text) => format!("$'{}'", text.escape_default()),
        WordPart::DoubleQuoted(inner) => format!("\"{}\"", parts(inner, src)),
        WordPart::Param(param) => self::param(param, src),
        WordPart::CommandSubst(subst) if subst.backquoted => {
            format!("`{}`", script(&subst.script))
        }
        WordPart::CommandSubst(subst) => format!("$({})", script(&subst.script)),
        WordPart::Arithmetic(arithmetic) => format!("$(({}))", word(&arithmetic.expression, src)),
        WordPart::ProcessSubst(subst) => format!(
            "{}({})",
            if subst.writes_to_command { ">" } else { "<" },
            script(&subst.script)
        ),
        WordPart::ExtGlob(glob) => {
            let patterns: Vec<String> = glob.patterns.iter().map(|x| word(x, src)).collect();
            format!("{}({})", glob.operator, patterns.join("|"))
        }
    }
}

fn param(param: &ParamExp, src: &str) -> String {
    let name = match &param.parameter {
        Parameter::Named(name) => name.clone(),
        Parameter::Positional(n) => n.to_string(),
        Parameter::Special(special) => match special {
            Special::At => "@",
            Special::Star => "*",
            Special::Count => "#",
            Special::Status => "?",
            Special::Options => "-",
            Special::ProcessId => "$",
            Special::LastBackground => "!",
        }
        .to_owned(),
    };
    if param.short {
        return format!("${name}");
    }
    let mut out = String::from("${");
    if param.indirect {
        out.push('!');
    }
    if param.operation == ParamOp::Length {
        out.push('#');
    }
    out.push_str(&name);
    match &param.subscript {
        Some(Subscript::At) => out.push_str("[@]"),
        Some(Subscript::Star) => out.push_str("[*]"),
        Some(Subscript::Index(index)) => out.push_str(&format!("[{}]", word(index, src))),
        None => {}
    }
    match &param.operation {
        ParamOp::Value | ParamOp::Length => {}
        ParamOp::Names => out.push('*'),
        ParamOp::Default { kind, colon, word } => {
            if *colon {
                out.push(':');
            }
            out.push(match kind {
                DefaultKind::Use => '-',
                DefaultKind::Assign => '=',
                DefaultKind::Error => '?',
                DefaultKind::Alternative => '+',
            });
            out.push_str(&self::word(word, src));
        }
        ParamOp::Trim {
            suffix,
            longest,
            pattern,
        } => {
            let op = if *suffix { "%" } else { "#" };
            out.push_str(op);
            if *longest {
                out.push_str(op);
            }
            out.push_str(&word(pattern, src));
        }
        ParamOp::Replace {
            anchor,
            pattern,
            replacement,
        } => {
            out.push_str(match anchor {
                ReplaceAnchor::First => "/",
                ReplaceAnchor::All => "//",
                ReplaceAnchor::Prefix => "/#",
                ReplaceAnchor::Suffix => "/%",
            });
            out.push_str(&word(pattern, src));
            if let Some(replacement) = replacement {
                out.push('/');
                out.push_str(&word(replacement, src));
            }
        }
        ParamOp::Substring { offset, length } => {
            out.push(':');
            out.push_str(&word(offset, src));
            if let Some(length) = length {
                out.push(':');
                out.push_str(&word(length, src));
            }
        }
        ParamOp::Case {
            upper,
            all,
            pattern,
        } => {
            let op = if *upper { "^" } else { "," };
            out.push_str(op);
            if *all {
                out.push_str(op);
            }
            if let Some(pattern) = pattern {
                out.push_str(&word(pattern, src));
            }
        }
        ParamOp::Transform(operator) => out.push_str(&format!("@{operator}")),
        ParamOp::Bad(rest) => out.push_str(&format!("!bad:{}", word(rest, src))),
    }
    out.push('}');
    out
}
