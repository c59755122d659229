//! `$` expansions and what reads like them: parameters (every `${…}` form), command and
//! process substitutions, backquotes, arithmetic and extended globs.

use std::rc::Rc;

use super::ast::{
    Arithmetic, CommandSubst, DefaultKind, ExtGlob, ParamExp, ParamOp, Parameter, Parts,
    ProcessSubst, ReplaceAnchor, Script, Span, Special, Subscript, Text, Word, WordPart,
};
use super::error::{self, ParseError};
use super::reader::{Reader, is_name_byte, is_name_start};
use super::word::{Literal, PartList, flush, push_escaped, starts_unquoted_part};

/// What ends an arithmetic word. Only [`ArithmeticEnd::DoubleParen`] consumes its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ArithmeticEnd {
    /// `))` of `$(( … ))`, `(( … ))` and the last part of `for (( ; ; ))`.
    DoubleParen,
    /// `;` between the parts of `for (( ; ; ))`.
    ForSegment,
    /// `]` of `$[ … ]`, of an assignment's subscript and of an array key.
    Bracket,
    /// `]` of a subscript in `${…}`, or the `}` of a malformed one.
    ParamSubscript,
    /// `:` or `}` after `${x:offset`.
    Offset,
    /// `}` after `${x:offset:length`.
    Length,
}

/// Bytes that end a run of literal text in arithmetic.
fn arithmetic_special(byte: u8) -> bool {
    matches!(
        byte,
        b'(' | b')' | b'[' | b']' | b';' | b'}' | b':' | b'$' | b'`' | b'"' | b'\'' | b'\\'
    )
}

/// Bytes that end a run of literal text in a `${…}` operand or an extended glob.
fn enclosed_special(byte: u8) -> bool {
    matches!(
        byte,
        b'{' | b'}'
            | b'('
            | b')'
            | b'|'
            | b'/'
            | b'\\'
            | b'\''
            | b'"'
            | b'`'
            | b'$'
            | b'@'
            | b'?'
            | b'*'
            | b'+'
            | b'!'
    )
}

impl Reader<'_> {
    /// At a `$`: an expansion, or a literal `$`.
    pub(super) fn dollar(
        &mut self,
        parts: &mut impl PartList,
        literal: &mut Literal,
        in_quotes: bool,
    ) -> Result<(), ParseError> {
        let start = self.pos;
        self.bump();
        let Some(next) = self.peek() else {
            literal.source(self.src, start, start + 1);
            return Ok(());
        };
        let part = match next {
            b'\'' if !in_quotes => WordPart::AnsiC(self.ansi_c(start)?),
            b'"' if !in_quotes => WordPart::DoubleQuoted(self.double_quoted()?),
            b'(' => {
                self.bump();
                let inner = self.pos;
                if self.peek() == Some(b'(') {
                    self.bump();
                    if self.arithmetic_ahead() {
                        self.enter(start)?;
                        let expression = self.arithmetic_word(ArithmeticEnd::DoubleParen, start)?;
                        self.leave();
                        WordPart::Arithmetic(Box::new(Arithmetic {
                            expression,
                            span: Span::new(start, self.pos),
                        }))
                    } else {
                        self.pos = inner;
                        self.command_subst(start)?
                    }
                } else {
                    self.command_subst(start)?
                }
            }
            b'[' => {
                self.bump();
                self.enter(start)?;
                let expression = self.arithmetic_word(ArithmeticEnd::Bracket, start)?;
                self.bump();
                self.leave();
                WordPart::Arithmetic(Box::new(Arithmetic {
                    expression,
                    span: Span::new(start, self.pos),
                }))
            }
            b'{' => self.braced_param(start, in_quotes)?,
            _ => match self.short_parameter() {
                Some(parameter) => WordPart::Param(Box::new(ParamExp {
                    parameter,
                    indirect: false,
                    subscript: None,
                    operation: ParamOp::Value,
                    short: true,
                    span: Span::new(start, self.pos),
                })),
                None => {
                    literal.source(self.src, start, start + 1);
                    return Ok(());
                }
            },
        };
        flush(parts, literal);
        parts.push_part(part);
        Ok(())
    }

    /// The parameter of `$name`, `$1`, `$@`….
    fn short_parameter(&mut self) -> Option<Parameter> {
        let byte = self.peek()?;
        if is_name_start(byte) {
            // Read byte by byte (a line continuation may split a name); sized once for the
            // usual names.
            let mut name = String::with_capacity(16);
            while let Some(byte) = self.peek().filter(|b| is_name_byte(*b)) {
                name.push(char::from(byte));
                self.bump();
            }
            return Some(Parameter::Named(name));
        }
        if byte.is_ascii_digit() {
            self.bump();
            return Some(Parameter::Positional(u32::from(byte - b'0')));
        }
        let special = special_parameter(byte)?;
        self.bump();
        Some(Parameter::Special(special))
    }

    /// The parameter of `${…}`: a name, a number of any length, or a special parameter.
    fn braced_parameter(&mut self) -> Option<Parameter> {
        let byte = self.peek()?;
        if byte.is_ascii_digit() {
            let mut number = 0u32;
            while let Some(digit) = self.peek().filter(u8::is_ascii_digit) {
                number = number
                    .saturating_mul(10)
                    .saturating_add(u32::from(digit - b'0'));
                self.bump();
            }
            return Some(Parameter::Positional(number));
        }
        self.short_parameter()
    }

    /// `$( … )`, after its `$(`.
    fn command_subst(&mut self, start: usize) -> Result<WordPart, ParseError> {
        let script = self.parenthesised_script(start)?;
        Ok(WordPart::CommandSubst(Box::new(CommandSubst {
            script,
            backquoted: false,
            span: Span::new(start, self.pos),
        })))
    }

    /// `<( … )` or `>( … )`, at its `<` or `>`.
    pub(super) fn process_subst(&mut self) -> Result<WordPart, ParseError> {
        let start = self.pos;
        let writes_to_command = self.peek() == Some(b'>');
        self.bump();
        self.bump();
        let script = self.parenthesised_script(start)?;
        Ok(WordPart::ProcessSubst(Box::new(ProcessSubst {
            writes_to_command,
            script,
            span: Span::new(start, self.pos),
        })))
    }

    /// The commands of a substitution up to its `)`. Here-documents started inside are read
    /// at its newlines; those still pending at the `)` are read at the next newline outside,
    /// as bash does.
    fn parenthesised_script(&mut self, start: usize) -> Result<Script, ParseError> {
        self.enter(start)?;
        let outer = std::mem::take(&mut self.heredocs);
        let body = self.list()?;
        if self.peek() != Some(b')') {
            return Err(self.unclosed(start, error::UNCLOSED_PAREN));
        }
        self.bump();
        let inner = std::mem::replace(&mut self.heredocs, outer);
        self.heredocs.extend(inner);
        self.leave();
        Ok(Script {
            body,
            source: self.source.clone(),
        })
    }

    /// `` `…` ``, at its backquote: the text, its backslash escapes removed, read as a script.
    pub(super) fn backquoted(&mut self, in_quotes: bool) -> Result<WordPart, ParseError> {
        let start = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            match self.take_raw_char() {
                None => return Err(self.error_at(start, error::UNCLOSED_BACKQUOTE)),
                Some('`') => break,
                Some('\\') => match self.raw_at(self.pos) {
                    Some(c @ (b'$' | b'`' | b'\\')) => {
                        text.push(char::from(c));
                        self.bump();
                    }
                    Some(b'"') if in_quotes => {
                        text.push('"');
                        self.bump();
                    }
                    _ => text.push('\\'),
                },
                Some(c) => text.push(c),
            }
        }
        self.enter(start)?;
        let source: Rc<str> = Rc::from(text.as_str());
        let mut inner = Reader::new(&text, source, 0, text.len(), self.depth());
        let script = inner.script();
        self.count(inner.work());
        let script = script.map_err(|inner| {
            let mut error = self.error_at(start, format!("in `…`: {}", inner.message));
            error.too_deep = inner.too_deep;
            error
        })?;
        self.leave();
        Ok(WordPart::CommandSubst(Box::new(CommandSubst {
            script,
            backquoted: true,
            span: Span::new(start, self.pos),
        })))
    }

    /// `${…}`, at its `{`.
    fn braced_param(&mut self, start: usize, in_quotes: bool) -> Result<WordPart, ParseError> {
        self.bump();
        self.enter(start)?;
        let mut length = false;
        let mut indirect = false;
        match (self.peek(), self.peek_ahead(1)) {
            (Some(b'#'), Some(next)) if next != b'}' && starts_parameter(next) => {
                self.bump();
                length = true;
            }
            (Some(b'!'), Some(next)) if next != b'}' && starts_parameter(next) => {
                self.bump();
                indirect = true;
            }
            _ => {}
        }
        let parameter = self.braced_parameter();
        let mut subscript = None;
        let mut bad_subscript = None;
        if matches!(parameter, Some(Parameter::Named(_))) && self.peek() == Some(b'[') {
            let open = self.pos;
            self.bump();
            match (self.peek(), self.peek_ahead(1)) {
                (Some(b'@'), Some(b']')) => {
                    self.eat("@]");
                    subscript = Some(Subscript::At);
                }
                (Some(b'*'), Some(b']')) => {
                    self.eat("*]");
                    subscript = Some(Subscript::Star);
                }
                _ => {
                    let index = self.arithmetic_word(ArithmeticEnd::ParamSubscript, open)?;
                    if self.peek() == Some(b']') {
                        self.bump();
                        subscript = Some(Subscript::Index(index));
                    } else {
                        let mut parts = Parts::default();
                        parts.push(WordPart::Literal(Text::Span(Span::new(open, open + 1))));
                        parts.extend(index.parts);
                        bad_subscript = Some(Word {
                            parts,
                            span: Span::new(open, self.pos),
                        });
                    }
                }
            }
        }
        let operation = match (&parameter, bad_subscript) {
            (_, Some(word)) => ParamOp::Bad(word),
            (None, None) => ParamOp::Bad(self.operand(in_quotes, false, start)?),
            (Some(_), None) if length => {
                if self.peek() == Some(b'}') {
                    ParamOp::Length
                } else {
                    ParamOp::Bad(self.operand(in_quotes, false, start)?)
                }
            }
            (Some(Parameter::Named(_)), None)
                if indirect
                    && matches!(self.peek(), Some(b'*' | b'@'))
                    && self.peek_ahead(1) == Some(b'}') =>
            {
                self.bump();
                ParamOp::Names
            }
            (Some(_), None) => self.param_operation(in_quotes, start)?,
        };
        if self.peek() != Some(b'}') {
            return Err(self.unclosed(start, error::UNCLOSED_BRACE));
        }
        self.bump();
        self.leave();
        Ok(WordPart::Param(Box::new(ParamExp {
            parameter: parameter.unwrap_or(Parameter::Named(String::new())),
            indirect,
            subscript,
            operation,
            short: false,
            span: Span::new(start, self.pos),
        })))
    }

    /// The operation after the parameter of `${…}`, up to (not over) its `}`.
    fn param_operation(&mut self, in_quotes: bool, start: usize) -> Result<ParamOp, ParseError> {
        let Some(byte) = self.peek() else {
            return Err(self.error_at(start, error::UNCLOSED_BRACE));
        };
        let default_kind = |byte: Option<u8>| match byte {
            Some(b'-') => Some(DefaultKind::Use),
            Some(b'=') => Some(DefaultKind::Assign),
            Some(b'?') => Some(DefaultKind::Error),
            Some(b'+') => Some(DefaultKind::Alternative),
            _ => None,
        };
        Ok(match byte {
            b'}' => ParamOp::Value,
            b':' => {
                self.bump();
                if let Some(kind) = default_kind(self.peek()) {
                    self.bump();
                    ParamOp::Default {
                        kind,
                        colon: true,
                        word: self.operand(in_quotes, false, start)?,
                    }
                } else {
                    let offset = self.arithmetic_word(ArithmeticEnd::Offset, start)?;
                    let length = if self.peek() == Some(b':') {
                        self.bump();
                        Some(self.arithmetic_word(ArithmeticEnd::Length, start)?)
                    } else {
                        None
                    };
                    ParamOp::Substring { offset, length }
                }
            }
            b'-' | b'=' | b'?' | b'+' => {
                self.bump();
                ParamOp::Default {
                    kind: default_kind(Some(byte)).unwrap_or(DefaultKind::Use),
                    colon: false,
                    word: self.operand(in_quotes, false, start)?,
                }
            }
            b'#' | b'%' => {
                self.bump();
                let longest = self.peek() == Some(byte);
                if longest {
                    self.bump();
                }
                ParamOp::Trim {
                    suffix: byte == b'%',
                    longest,
                    pattern: self.operand(in_quotes, false, start)?,
                }
            }
            b'/' => {
                self.bump();
                let anchor = match self.peek() {
                    Some(b'/') => ReplaceAnchor::All,
                    Some(b'#') => ReplaceAnchor::Prefix,
                    Some(b'%') => ReplaceAnchor::Suffix,
                    _ => ReplaceAnchor::First,
                };
                if anchor != ReplaceAnchor::First {
                    self.bump();
                }
                let pattern = self.operand(in_quotes, true, start)?;
                let replacement = if self.peek() == Some(b'/') {
                    self.bump();
                    Some(self.operand(in_quotes, false, start)?)
                } else {
                    None
                };
                ParamOp::Replace {
                    anchor,
                    pattern,
                    replacement,
                }
            }
            b'^' | b',' => {
                self.bump();
                let all = self.peek() == Some(byte);
                if all {
                    self.bump();
                }
                let pattern = self.operand(in_quotes, false, start)?;
                ParamOp::Case {
                    upper: byte == b'^',
                    all,
                    pattern: (!pattern.parts.is_empty()).then_some(pattern),
                }
            }
            b'@' if self.peek_ahead(1).is_some_and(|b| b.is_ascii_alphabetic())
                && self.peek_ahead(2) == Some(b'}') =>
            {
                self.bump();
                let operator = self.take_char().unwrap_or('@');
                ParamOp::Transform(operator)
            }
            _ => ParamOp::Bad(self.operand(in_quotes, false, start)?),
        })
    }

    /// The word of a `${…}` operation, up to its `}` (or the `/` of a replacement pattern),
    /// which is not consumed. Blanks are text; inside double quotes, single quotes are text
    /// but still hide a `}`.
    fn operand(
        &mut self,
        in_quotes: bool,
        slash_ends: bool,
        open: usize,
    ) -> Result<Word, ParseError> {
        self.peek();
        let start = self.pos;
        let mut parts = Parts::default();
        let mut literal = Literal::default();
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.error_at(open, error::UNCLOSED_BRACE));
            };
            match byte {
                // The first `}` closes: bash does not pair the braces inside
                // (`${x:-a{b}c}` is `a{b` then `c}`).
                b'}' => break,
                b'/' if slash_ends => break,
                b'\\' => {
                    let escape = self.pos;
                    self.bump();
                    match self.take_raw_char() {
                        None => literal.source(self.src, escape, self.pos),
                        Some(c) if in_quotes => {
                            if matches!(c, '$' | '`' | '"' | '\\' | '}') {
                                literal.push(self.src, c);
                            } else {
                                literal.source(self.src, escape, self.pos);
                            }
                        }
                        Some(c) => push_escaped(&mut parts, &mut literal, c),
                    }
                }
                b'\'' if in_quotes => {
                    let quote = self.pos;
                    self.single_quoted()?;
                    literal.source(self.src, quote, self.pos);
                }
                b'\'' => {
                    flush(&mut parts, &mut literal);
                    parts.push(WordPart::SingleQuoted(self.single_quoted()?));
                }
                b'"' => {
                    flush(&mut parts, &mut literal);
                    parts.push(WordPart::DoubleQuoted(self.double_quoted()?));
                }
                b'`' => {
                    flush(&mut parts, &mut literal);
                    parts.push(self.backquoted(in_quotes)?);
                }
                b'$' => self.dollar(&mut parts, &mut literal, in_quotes)?,
                _ => self.literal_run(&mut literal, enclosed_special),
            }
        }
        flush(&mut parts, &mut literal);
        Ok(Word {
            parts,
            span: Span::new(start, self.pos),
        })
    }

    /// Arithmetic text as a word, up to `end` (bash expands the text, then evaluates it).
    /// `open` is where the construct starts, for errors.
    pub(super) fn arithmetic_word(
        &mut self,
        end: ArithmeticEnd,
        open: usize,
    ) -> Result<Word, ParseError> {
        self.peek();
        let start = self.pos;
        let mut parts = Parts::default();
        let mut literal = Literal::default();
        let mut parens = 0usize;
        let mut brackets = 0usize;
        let word_end;
        loop {
            let Some(byte) = self.peek() else {
                let message = match end {
                    ArithmeticEnd::DoubleParen | ArithmeticEnd::ForSegment => {
                        error::UNCLOSED_ARITHMETIC
                    }
                    ArithmeticEnd::Bracket | ArithmeticEnd::ParamSubscript => {
                        error::UNCLOSED_BRACKET
                    }
                    ArithmeticEnd::Offset | ArithmeticEnd::Length => error::UNCLOSED_BRACE,
                };
                return Err(self.error_at(open, message));
            };
            // As bash finds the end: `))` and `;` outside parentheses, `]` outside brackets,
            // and the first `}` of a `${…}`.
            let closes = match (byte, end) {
                (b')', ArithmeticEnd::DoubleParen | ArithmeticEnd::ForSegment)
                | (b';', ArithmeticEnd::ForSegment)
                | (b':', ArithmeticEnd::Offset) => parens == 0,
                (b']', ArithmeticEnd::Bracket | ArithmeticEnd::ParamSubscript) => brackets == 0,
                (
                    b'}',
                    ArithmeticEnd::ParamSubscript | ArithmeticEnd::Offset | ArithmeticEnd::Length,
                ) => true,
                _ => false,
            };
            if closes {
                word_end = self.pos;
                if byte == b')' {
                    if self.peek_ahead(1) != Some(b')') {
                        return Err(self.unexpected());
                    }
                    if end == ArithmeticEnd::DoubleParen {
                        self.eat("))");
                    }
                }
                break;
            }
            match byte {
                b'(' | b')' | b'[' | b']' => {
                    match byte {
                        b'(' => parens += 1,
                        b')' => parens = parens.saturating_sub(1),
                        b'[' => brackets += 1,
                        _ => brackets = brackets.saturating_sub(1),
                    }
                    literal.source(self.src, self.pos, self.pos + 1);
                    self.bump();
                }
                _ if starts_unquoted_part(byte) => self.unquoted_part(&mut parts, &mut literal)?,
                _ => self.literal_run(&mut literal, arithmetic_special),
            }
        }
        flush(&mut parts, &mut literal);
        Ok(Word {
            parts,
            span: Span::new(start, word_end),
        })
    }

    /// An extended glob pattern, at its operator.
    pub(super) fn extglob(&mut self) -> Result<WordPart, ParseError> {
        let start = self.pos;
        let operator = self.take_char().unwrap_or('@');
        self.bump();
        self.enter(start)?;
        let mut patterns = Vec::new();
        loop {
            self.peek();
            let pattern_start = self.pos;
            let mut parts = Parts::default();
            let mut literal = Literal::default();
            let mut parens = 0usize;
            let closer = loop {
                let Some(byte) = self.peek() else {
                    return Err(self.error_at(start, error::UNCLOSED_EXTGLOB));
                };
                match byte {
                    b'|' | b')' if parens == 0 => break byte,
                    b'(' | b')' | b'|' => {
                        match byte {
                            b'(' => parens += 1,
                            b')' => parens -= 1,
                            _ => {}
                        }
                        literal.source(self.src, self.pos, self.pos + 1);
                        self.bump();
                    }
                    b'@' | b'?' | b'*' | b'+' | b'!' if self.peek_ahead(1) == Some(b'(') => {
                        flush(&mut parts, &mut literal);
                        parts.push(self.extglob()?);
                    }
                    _ if starts_unquoted_part(byte) => {
                        self.unquoted_part(&mut parts, &mut literal)?
                    }
                    _ => self.literal_run(&mut literal, enclosed_special),
                }
            };
            flush(&mut parts, &mut literal);
            patterns.push(Word {
                parts,
                span: Span::new(pattern_start, self.pos),
            });
            self.bump();
            if closer == b')' {
                break;
            }
        }
        self.leave();
        Ok(WordPart::ExtGlob(Box::new(ExtGlob {
            operator,
            patterns,
            span: Span::new(start, self.pos),
        })))
    }
}

/// The special parameter a byte names after `$`.
fn special_parameter(byte: u8) -> Option<Special> {
    Some(match byte {
        b'@' => Special::At,
        b'*' => Special::Star,
        b'#' => Special::Count,
        b'?' => Special::Status,
        b'-' => Special::Options,
        b'$' => Special::ProcessId,
        b'!' => Special::LastBackground,
        _ => return None,
    })
}

/// Whether a parameter can start with the byte (after `${#` or `${!`).
fn starts_parameter(byte: u8) -> bool {
    is_name_start(byte) || byte.is_ascii_digit() || special_parameter(byte).is_some()
}
