//! Words to fields, as a shell expands them: parameters from the known variables, command
//! substitutions walked (their output unknown), then field splitting of unquoted expansions,
//! in which known words stay known and an unknown part stays in the field it touches.

use std::rc::Rc;

use super::walk::{MAX_FIELDS, Walker};
use super::{Sink, Stdin};
use crate::syntax::{
    DefaultKind, HereDocBody, ParamExp, ParamOp, Parameter, Special, Subscript, Word, WordPart,
};
use crate::text::Field;

/// The characters of the default `IFS`.
fn is_ifs(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n')
}

impl<S: Sink + ?Sized> Walker<'_, S> {
    /// Expands a word with field splitting (command arguments, `for` values, array elements).
    pub(crate) fn expand_fields(&mut self, word: &Word) -> Vec<Field> {
        if let Some(text) = word.as_literal(&self.source) {
            return vec![Field::known(text)];
        }
        let mut b = FieldBuilder::for_word(word);
        self.parts(&word.parts, false, &mut b);
        b.finish()
    }

    /// Expands a word into one field (assignments, redirection targets).
    pub(crate) fn expand_single(&mut self, word: &Word) -> Field {
        if let Some(text) = word.as_literal(&self.source) {
            return Field::known(text);
        }
        let mut b = FieldBuilder {
            no_split: true,
            ..FieldBuilder::for_word(word)
        };
        self.parts(&word.parts, false, &mut b);
        b.finish_single()
    }

    /// Expands a here-document body.
    pub(super) fn expand_heredoc(&mut self, body: &HereDocBody) -> Field {
        match body {
            HereDocBody::Literal(text) => Field::known(text),
            HereDocBody::Expanding(word) => {
                let mut b = FieldBuilder {
                    no_split: true,
                    ..FieldBuilder::default()
                };
                self.parts(&word.parts, true, &mut b);
                b.finish_single()
            }
            HereDocBody::Unreadable(span) => Field::unknown(span.text(&self.source)),
        }
    }

    fn parts(&mut self, parts: &[WordPart], quoted: bool, b: &mut FieldBuilder) {
        for part in parts {
            match part {
                // Literal text, quoted or not, is never split: it goes into the field as is.
                WordPart::Literal(text) => b.literal(text.as_str(&self.source)),
                WordPart::Escaped(text) | WordPart::SingleQuoted(text) | WordPart::AnsiC(text) => {
                    b.literal(text);
                }
                WordPart::DoubleQuoted(inner) => {
                    b.open_quote();
                    self.parts(inner, true, b);
                }
                WordPart::Param(param) => self.parameter(param, quoted, b),
                WordPart::CommandSubst(substitution) => {
                    self.substitution(&substitution.script);
                    b.unknown(substitution.span.text(&self.source), quoted);
                }
                WordPart::Arithmetic(arithmetic) => {
                    let _ = self.expand_single(&arithmetic.expression);
                    b.unknown(arithmetic.span.text(&self.source), quoted);
                }
                WordPart::ProcessSubst(substitution) => {
                    self.subshell(&substitution.script.body, &Stdin::None);
                    b.unknown("<( … )", quoted);
                }
                WordPart::ExtGlob(glob) => {
                    b.unknown(glob.span.text(&self.source), quoted);
                }
            }
        }
    }

    /// Walks the script of a command substitution: a subshell, one script deeper.
    fn substitution(&mut self, script: &crate::syntax::Script) {
        if !self.enter_script() {
            return;
        }
        let saved = (self.state.vars.clone(), self.state.cwd.clone());
        self.script(script, &Stdin::None);
        (self.state.vars, self.state.cwd) = saved;
        self.leave_script();
    }

    fn parameter(&mut self, expansion: &ParamExp, quoted: bool, b: &mut FieldBuilder) {
        // An unknown value stays as written; the text is made only when it is used.
        let source = Rc::clone(&self.source);
        let written = expansion.span.text(&source);
        let unknown = || Field::unknown(written);
        if expansion.indirect {
            self.walk_operands(&expansion.operation);
            b.unknown(written, quoted);
            return;
        }
        match &expansion.operation {
            ParamOp::Value => match (&expansion.parameter, &expansion.subscript) {
                (Parameter::Special(Special::At), None) => match self.state.positionals.clone() {
                    Some(list) => b.separate(&list, quoted),
                    None => b.unknown(written, quoted),
                },
                (Parameter::Named(name), Some(subscript)) => match self.element(name, subscript) {
                    Some(items) if matches!(subscript, Subscript::At) => {
                        b.separate(&items, quoted);
                    }
                    Some(items) => b.value(&join(&items), quoted),
                    None => b.unknown(written, quoted),
                },
                // A variable's value is read in place, not copied.
                (Parameter::Named(name), None) => match self.state.vars.get(name) {
                    Some(v) => b.value(v, quoted),
                    None => b.unknown(written, quoted),
                },
                (parameter, _) => match self.lookup(parameter) {
                    Some(v) => b.value(&v, quoted),
                    None => b.unknown(written, quoted),
                },
            },
            ParamOp::Default { kind, colon, word } => {
                let current = self.value_of(expansion);
                // With `:`, a null value counts as unset.
                let set = current.as_ref().is_some_and(|v| !*colon || !v.is_empty());
                let v = match kind {
                    DefaultKind::Use | DefaultKind::Assign => match current {
                        Some(v) if set => v,
                        _ => {
                            let d = self.expand_single(word);
                            if *kind == DefaultKind::Assign
                                && let (Parameter::Named(name), None) =
                                    (&expansion.parameter, &expansion.subscript)
                            {
                                self.state.vars.insert(name.clone(), d.clone());
                            }
                            d
                        }
                    },
                    DefaultKind::Error => current.unwrap_or_else(unknown),
                    DefaultKind::Alternative => match current {
                        Some(_) if set => self.expand_single(word),
                        Some(_) => Field::default(),
                        None => unknown(),
                    },
                };
                b.value(&v, quoted);
            }
            ParamOp::Length => {
                let count = match (&expansion.parameter, &expansion.subscript) {
                    (Parameter::Named(name), Some(Subscript::At | Subscript::Star)) => {
                        self.state.vars.get_array(name).map(<[_]>::len)
                    }
                    _ => self
                        .value_of(expansion)
                        .filter(|v| !v.has_unknown())
                        .map(|v| v.as_str().chars().count()),
                };
                match count {
                    Some(count) => b.value(&Field::known(&count.to_string()), quoted),
                    None => b.unknown(written, quoted),
                }
            }
            operation => {
                self.walk_operands(operation);
                b.unknown(written, quoted);
            }
        }
    }

    /// The value a parameter expansion starts from (a parameter, or one array element).
    fn value_of(&mut self, expansion: &ParamExp) -> Option<Field> {
        match (&expansion.parameter, &expansion.subscript) {
            (Parameter::Named(name), Some(subscript)) => {
                self.element(name, subscript).map(|items| join(&items))
            }
            (parameter, _) => self.lookup(parameter),
        }
    }

    /// Expands the words of an operation whose result is not followed, for the command
    /// substitutions they hold.
    fn walk_operands(&mut self, operation: &ParamOp) {
        let words: Vec<&Word> = match operation {
            ParamOp::Default { word, .. } => vec![word],
            ParamOp::Trim { pattern, .. } => vec![pattern],
            ParamOp::Replace {
                pattern,
                replacement,
                ..
            } => std::iter::once(pattern).chain(replacement).collect(),
            ParamOp::Substring { offset, length } => {
                std::iter::once(offset).chain(length).collect()
            }
            ParamOp::Case { pattern, .. } => pattern.iter().collect(),
            ParamOp::Bad(word) => vec![word],
            ParamOp::Value | ParamOp::Length | ParamOp::Names | ParamOp::Transform(_) => Vec::new(),
        };
        for word in words {
            let _ = self.expand_single(word);
        }
    }

    /// A parameter's value; `None` when unknown.
    fn lookup(&self, parameter: &Parameter) -> Option<Field> {
        match parameter {
            Parameter::Named(n) => self.state.vars.get(n).cloned(),
            Parameter::Positional(0) => Some(Field::known(&self.state.arg0)),
            Parameter::Positional(k) => {
                let list = self.state.positionals.as_ref()?;
                let index = usize::try_from(*k).ok()?.checked_sub(1)?;
                Some(list.get(index).cloned().unwrap_or_default())
            }
            Parameter::Special(Special::At | Special::Star) => {
                Some(join(self.state.positionals.as_ref()?))
            }
            Parameter::Special(Special::Count) => self
                .state
                .positionals
                .as_ref()
                .map(|p| Field::known(&p.len().to_string())),
            Parameter::Special(_) => None,
        }
    }
}

/// Fields joined with spaces (`$*`, `${array[*]}`).
fn join(items: &[Field]) -> Field {
    let mut out = Field::default();
    for (i, f) in items.iter().enumerate() {
        if i > 0 {
            out.push_char(' ');
        }
        out.append(f);
    }
    out
}

/// Builds fields from word parts, splitting unquoted expansions on the default `IFS`.
#[derive(Default)]
pub(super) struct FieldBuilder {
    fields: Vec<Field>,
    cur: Field,
    started: bool,
    no_split: bool,
}

impl FieldBuilder {
    /// A builder whose first field has room for the word as written (most words expand to
    /// about their own length).
    fn for_word(word: &Word) -> Self {
        Self {
            cur: Field::with_capacity(word.span.len()),
            ..Self::default()
        }
    }

    fn literal(&mut self, s: &str) {
        self.cur.push_known(s);
        self.started = true;
    }

    fn quoted(&mut self, f: &Field) {
        self.cur.append(f);
        self.started = true;
    }

    /// An expansion whose value is unknown, kept as `written`: as [`FieldBuilder::value`] of
    /// an unknown field, which is never split.
    fn unknown(&mut self, written: &str, quoted: bool) {
        if !written.is_empty() || quoted {
            self.cur.push_unknown(written);
            self.started = true;
        }
    }

    fn open_quote(&mut self) {
        self.started = true;
    }

    /// An expansion's value. Unquoted, it is split where its known text has `IFS`
    /// characters; an unknown part is kept whole in the field it touches (what it holds
    /// cannot be split).
    fn value(&mut self, v: &Field, quoted: bool) {
        if quoted || self.no_split {
            if !v.is_empty() || quoted {
                self.quoted(v);
            }
            return;
        }
        for (text, unknown) in v.segments() {
            if unknown {
                self.cur.push_unknown(text);
                self.started = true;
                continue;
            }
            let mut rest = text;
            while !rest.is_empty() {
                let word_end = rest.find(is_ifs).unwrap_or(rest.len());
                if word_end > 0 {
                    self.literal(&rest[..word_end]);
                }
                rest = &rest[word_end..];
                let blank_end = rest.find(|c| !is_ifs(c)).unwrap_or(rest.len());
                if blank_end > 0 && self.started {
                    self.end_field();
                }
                rest = &rest[blank_end..];
            }
        }
    }

    /// `"$@"`, `"${array[@]}"`: each item its own field; unquoted, each one split too.
    fn separate(&mut self, list: &[Field], quoted: bool) {
        for (i, f) in list.iter().enumerate() {
            if quoted {
                if i > 0 {
                    self.end_field();
                }
                self.quoted(f);
            } else {
                if i > 0 && self.started {
                    self.end_field();
                }
                self.value(f, false);
            }
        }
        if quoted && list.is_empty() && self.cur.is_empty() {
            // `"$@"` with no parameters is no field at all.
            self.started = false;
        }
    }

    fn end_field(&mut self) {
        if self.fields.len() < MAX_FIELDS {
            self.fields.push(std::mem::take(&mut self.cur));
        } else {
            self.cur = Field::default();
        }
        self.started = false;
    }

    fn finish(mut self) -> Vec<Field> {
        if self.started {
            self.end_field();
        }
        self.fields
    }

    fn finish_single(mut self) -> Field {
        if self.fields.is_empty() {
            return self.cur;
        }
        let mut out = Field::default();
        let rest = std::mem::take(&mut self.cur);
        for (i, f) in self.fields.iter().chain(std::iter::once(&rest)).enumerate() {
            if i > 0 {
                out.push_char(' ');
            }
            out.append(f);
        }
        out
    }
}
