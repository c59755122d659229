//! Words: quoting, `$` expansions, command and process substitutions, arithmetic, extended
//! globs and assignments. One function per reading context, as bash reads them: unquoted,
//! double-quoted (and here-document bodies), `${…}` operands, arithmetic, `` `…` ``.

use std::rc::Rc;

use super::ast::{
    Arithmetic, ArrayElement, AssignedValue, Assignment, CommandSubst, DefaultKind, ExtGlob,
    ParamExp, ParamOp, Parameter, Parts, ProcessSubst, ReplaceAnchor, Script, Span, Special, Subscript,
    Text, Word, WordPart,
};
use super::error::{self, ParseError};
use super::reader::{Reader, is_metachar, is_name_byte, is_name_start};

/// A word where an assignment may stand.
pub(super) enum Token {
    Word(Word),
    Assignment(Assignment),
}

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

/// Bytes that end a run of unquoted literal text.
fn unquoted_special(byte: u8) -> bool {
    is_metachar(byte)
        || matches!(
            byte,
            b'\\' | b'\'' | b'"' | b'`' | b'$' | b'@' | b'?' | b'*' | b'+' | b'!'
        )
}

/// Bytes that end a run of literal text in double quotes and here-document bodies.
fn quoted_special(byte: u8) -> bool {
    matches!(byte, b'\\' | b'"' | b'`' | b'$' | b'\n')
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

/// Where word parts are collected: a word's [`Parts`], or the parts inside double quotes.
trait PartList: std::ops::DerefMut<Target = [WordPart]> {
    fn push_part(&mut self, part: WordPart);
}

impl PartList for Parts {
    fn push_part(&mut self, part: WordPart) {
        self.push(part);
    }
}

impl PartList for Vec<WordPart> {
    fn push_part(&mut self, part: WordPart) {
        self.push(part);
    }
}

/// Literal text being read: a span of the script while it is the script's text as written,
/// owned once the reader changes it (a removed escape or line continuation).
#[derive(Default)]
pub(super) struct Literal {
    start: usize,
    end: usize,
    owned: Option<String>,
}

impl Literal {
    /// Literal text starting as written at `start..end` of `src`.
    fn from_source(start: usize, end: usize) -> Self {
        Self {
            start,
            end,
            owned: None,
        }
    }

    fn is_empty(&self) -> bool {
        self.owned
            .as_ref()
            .map_or(self.start == self.end, String::is_empty)
    }

    /// Appends `src[from..to]`, the text as written.
    fn source(&mut self, src: &str, from: usize, to: usize) {
        match &mut self.owned {
            None if self.start == self.end => (self.start, self.end) = (from, to),
            None if self.end == from => self.end = to,
            _ => self.owned(src).push_str(src.get(from..to).unwrap_or("")),
        }
    }

    /// Appends a character the reader made (from an escape).
    fn push(&mut self, src: &str, c: char) {
        self.owned(src).push(c);
    }

    /// Appends text the reader made (from joined lines).
    fn push_str(&mut self, src: &str, text: &str) {
        self.owned(src).push_str(text);
    }

    fn owned(&mut self, src: &str) -> &mut String {
        let (start, end) = (self.start, self.end);
        self.owned
            .get_or_insert_with(|| src.get(start..end).unwrap_or("").to_owned())
    }

    fn take(&mut self) -> Text {
        let text = match self.owned.take() {
            Some(text) => Text::Owned(text),
            None => Text::Span(Span::new(self.start, self.end)),
        };
        (self.start, self.end) = (0, 0);
        text
    }
}

/// Moves literal text into the parts.
fn flush(parts: &mut impl PartList, literal: &mut Literal) {
    if !literal.is_empty() {
        parts.push_part(WordPart::Literal(literal.take()));
    }
}

/// Adds an escaped character, joining it to escapes just before it.
fn push_escaped(parts: &mut impl PartList, literal: &mut Literal, c: char) {
    flush(parts, literal);
    if let Some(WordPart::Escaped(text)) = parts.last_mut() {
        text.push(c);
    } else {
        parts.push_part(WordPart::Escaped(c.to_string()));
    }
}

impl Reader<'_> {
    // -----------------------------------------------------------------------------------------
    // Unquoted words

    /// A word at the cursor, or `None` when an operator, a newline or the end is there.
    pub(super) fn word(&mut self) -> Result<Option<Word>, ParseError> {
        self.peek();
        let start = self.pos;
        let mut parts = Parts::default();
        let mut literal = Literal::default();
        self.unquoted_parts(&mut parts, &mut literal, false)?;
        flush(&mut parts, &mut literal);
        Ok((self.pos > start).then(|| Word {
            parts,
            span: Span::new(start, self.pos),
        }))
    }

    /// The word right of `=~` in `[[ … ]]`: parentheses, `|` and blanks inside them belong
    /// to the regular expression.
    pub(super) fn regex_word(&mut self) -> Result<Option<Word>, ParseError> {
        self.peek();
        let start = self.pos;
        let mut parts = Parts::default();
        let mut literal = Literal::default();
        self.unquoted_parts(&mut parts, &mut literal, true)?;
        flush(&mut parts, &mut literal);
        Ok((self.pos > start).then(|| Word {
            parts,
            span: Span::new(start, self.pos),
        }))
    }

    /// A word that is an assignment when it starts with `NAME=`, `NAME+=` or
    /// `NAME[subscript]=`, where `assignable` (before a command name, or as an argument of a
    /// declaration builtin).
    pub(super) fn word_or_assignment(
        &mut self,
        assignable: bool,
    ) -> Result<Option<Token>, ParseError> {
        self.peek();
        let start = self.pos;
        if !assignable || !self.peek().is_some_and(is_name_start) {
            return Ok(self.word()?.map(Token::Word));
        }
        let mut name = String::new();
        while let Some(byte) = self.peek().filter(|b| is_name_byte(*b)) {
            name.push(char::from(byte));
            self.bump();
        }
        let mut literal = Literal::from_source(start, start);
        if self.src.get(start..self.pos) == Some(name.as_str()) {
            literal.source(self.src, start, self.pos);
        } else {
            literal.push_str(self.src, &name);
        }
        let mut parts = Parts::default();
        let mut subscript = None;
        if self.peek() == Some(b'[') {
            let open = self.pos;
            self.bump();
            let index = self.arithmetic_word(ArithmeticEnd::Bracket, open)?;
            self.bump();
            if self.at("=") || self.at("+=") {
                subscript = Some(index);
            } else {
                // `a[1]` without `=`: a word (a glob), which bash reads the same way.
                literal.source(self.src, open, open + 1);
                flush(&mut parts, &mut literal);
                parts.extend(index.parts);
                literal.source(self.src, self.pos - 1, self.pos);
            }
        }
        let append = parts.is_empty() && self.eat("+=");
        if parts.is_empty() && (append || self.eat("=")) {
            let value = self.assigned_value()?;
            return Ok(Some(Token::Assignment(Assignment {
                name,
                subscript,
                append,
                value,
                span: Span::new(start, self.pos),
            })));
        }
        self.unquoted_parts(&mut parts, &mut literal, false)?;
        flush(&mut parts, &mut literal);
        Ok(Some(Token::Word(Word {
            parts,
            span: Span::new(start, self.pos),
        })))
    }

    /// The value after `NAME=`: a word (maybe empty) or an array literal.
    fn assigned_value(&mut self) -> Result<AssignedValue, ParseError> {
        if self.peek() != Some(b'(') {
            let start = self.pos;
            let mut parts = Parts::default();
            let mut literal = Literal::default();
            self.unquoted_parts(&mut parts, &mut literal, false)?;
            flush(&mut parts, &mut literal);
            return Ok(AssignedValue::Scalar(Word {
                parts,
                span: Span::new(start, self.pos),
            }));
        }
        let open = self.pos;
        self.bump();
        self.enter(open)?;
        let mut elements = Vec::new();
        loop {
            self.linebreaks()?;
            match self.peek() {
                None => return Err(self.error_at(open, error::UNCLOSED_PAREN)),
                Some(b')') => {
                    self.bump();
                    break;
                }
                Some(b'[') => elements.push(self.keyed_element()?),
                Some(_) => match self.word()? {
                    Some(value) => elements.push(ArrayElement { key: None, value }),
                    None => return Err(self.unexpected()),
                },
            }
        }
        self.leave();
        Ok(AssignedValue::Array(elements))
    }

    /// `[key]=value` in an array literal, or a word that starts with `[`.
    fn keyed_element(&mut self) -> Result<ArrayElement, ParseError> {
        let open = self.pos;
        self.bump();
        let key = self.arithmetic_word(ArithmeticEnd::Bracket, open)?;
        self.bump();
        if self.eat("=") || self.eat("+=") {
            let start = self.pos;
            let mut parts = Parts::default();
            let mut literal = Literal::default();
            self.unquoted_parts(&mut parts, &mut literal, false)?;
            flush(&mut parts, &mut literal);
            return Ok(ArrayElement {
                key: Some(key),
                value: Word {
                    parts,
                    span: Span::new(start, self.pos),
                },
            });
        }
        let mut parts = Parts::default();
        parts.push(WordPart::Literal(Text::Span(Span::new(open, open + 1))));
        parts.extend(key.parts);
        let mut literal = Literal::from_source(self.pos - 1, self.pos);
        self.unquoted_parts(&mut parts, &mut literal, false)?;
        flush(&mut parts, &mut literal);
        Ok(ArrayElement {
            key: None,
            value: Word {
                parts,
                span: Span::new(open, self.pos),
            },
        })
    }

    /// The parts of an unquoted word, up to a metacharacter.
    fn unquoted_parts(
        &mut self,
        parts: &mut Parts,
        literal: &mut Literal,
        regex: bool,
    ) -> Result<(), ParseError> {
        let mut parens = 0usize;
        while let Some(byte) = self.peek() {
            match byte {
                b'(' if regex => {
                    parens += 1;
                    literal.source(self.src, self.pos, self.pos + 1);
                    self.bump();
                }
                b')' | b'|' | b' ' | b'\t' if regex && parens > 0 => {
                    if byte == b')' {
                        parens -= 1;
                    }
                    literal.source(self.src, self.pos, self.pos + 1);
                    self.bump();
                }
                b'<' | b'>' if self.peek_ahead(1) == Some(b'(') => {
                    flush(parts, literal);
                    parts.push(self.process_subst()?);
                }
                _ if is_metachar(byte) => break,
                b'\\' => {
                    self.bump();
                    match self.take_raw_char() {
                        Some(c) => push_escaped(parts, literal, c),
                        None => literal.source(self.src, self.pos - 1, self.pos),
                    }
                }
                b'\'' => {
                    flush(parts, literal);
                    parts.push(WordPart::SingleQuoted(self.single_quoted()?));
                }
                b'"' => {
                    flush(parts, literal);
                    parts.push(WordPart::DoubleQuoted(self.double_quoted()?));
                }
                b'`' => {
                    flush(parts, literal);
                    parts.push(self.backquoted(false)?);
                }
                b'$' => self.dollar(parts, literal, false)?,
                b'@' | b'?' | b'*' | b'+' | b'!' if !regex && self.peek_ahead(1) == Some(b'(') => {
                    flush(parts, literal);
                    parts.push(self.extglob()?);
                }
                _ => self.literal_run(literal, unquoted_special),
            }
        }
        Ok(())
    }

    /// Literal text up to a special byte (at least one character).
    fn literal_run(&mut self, literal: &mut Literal, special: fn(u8) -> bool) {
        let bytes = self.src.as_bytes();
        let from = self.pos;
        let mut to = from;
        while to < self.end && bytes.get(to).is_some_and(|b| !special(*b)) {
            to += 1;
        }
        self.count(to - from + 1);
        if to == from {
            if self.take_raw_char().is_some() {
                literal.source(self.src, from, self.pos);
            }
            return;
        }
        literal.source(self.src, from, to);
        self.pos = to;
    }

    /// The character at the cursor as written (after a backslash: no line joining).
    pub(super) fn take_raw_char(&mut self) -> Option<char> {
        self.count(1);
        let c = self.src.get(self.pos..self.end)?.chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    // -----------------------------------------------------------------------------------------
    // Quotes

    /// `'…'`, at its opening quote: the text.
    fn single_quoted(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.bump();
        let rest = self.src.get(self.pos..self.end).unwrap_or("");
        let Some(close) = rest.find('\'') else {
            return Err(self.error_at(start, error::UNCLOSED_SINGLE_QUOTE));
        };
        self.count(close + 1);
        let text = rest.get(..close).unwrap_or("").to_owned();
        self.pos += close + 1;
        Ok(text)
    }

    /// `"…"` (or `$"…"` after its `$`), at its opening quote: the parts.
    fn double_quoted(&mut self) -> Result<Vec<WordPart>, ParseError> {
        let start = self.pos;
        self.bump();
        let parts = self.quoted_parts(true, false)?;
        if self.peek() != Some(b'"') {
            return Err(self.error_at(start, error::UNCLOSED_DOUBLE_QUOTE));
        }
        self.bump();
        Ok(parts)
    }

    /// The parts of double-quoted text, up to `"` (`in_quotes`) or the end of the reader (a
    /// here-document body, where `"` is text; with `strip_tabs` for `<<-`).
    pub(super) fn quoted_parts(
        &mut self,
        in_quotes: bool,
        strip_tabs: bool,
    ) -> Result<Vec<WordPart>, ParseError> {
        let mut parts = Vec::new();
        let mut literal = Literal::default();
        if strip_tabs {
            self.skip_tabs();
        }
        while let Some(byte) = self.peek() {
            match byte {
                b'"' if in_quotes => break,
                b'\\' => {
                    self.bump();
                    match self.raw_at(self.pos) {
                        Some(c @ (b'$' | b'`' | b'\\')) => {
                            literal.push(self.src, char::from(c));
                            self.bump();
                        }
                        Some(b'"') if in_quotes => {
                            literal.push(self.src, '"');
                            self.bump();
                        }
                        _ => literal.source(self.src, self.pos - 1, self.pos),
                    }
                }
                b'$' => self.dollar(&mut parts, &mut literal, true)?,
                b'`' => {
                    flush(&mut parts, &mut literal);
                    parts.push(self.backquoted(in_quotes)?);
                }
                b'\n' => {
                    literal.source(self.src, self.pos, self.pos + 1);
                    self.bump();
                    if strip_tabs {
                        self.skip_tabs();
                    }
                }
                _ => self.literal_run(&mut literal, quoted_special),
            }
        }
        flush(&mut parts, &mut literal);
        Ok(parts)
    }

    fn skip_tabs(&mut self) {
        while self.raw_at(self.pos) == Some(b'\t') {
            self.pos += 1;
        }
    }

    /// `$'…'`, at its quote: the text with its escapes read.
    fn ansi_c(&mut self, start: usize) -> Result<String, ParseError> {
        self.bump();
        let mut text = String::new();
        loop {
            match self.take_raw_char() {
                None => return Err(self.error_at(start, error::UNCLOSED_SINGLE_QUOTE)),
                Some('\'') => return Ok(text),
                Some('\\') => self.ansi_c_escape(&mut text),
                Some(c) => text.push(c),
            }
        }
    }

    /// One escape of `$'…'`, after its backslash.
    fn ansi_c_escape(&mut self, text: &mut String) {
        let Some(c) = self.take_raw_char() else {
            text.push('\\');
            return;
        };
        let simple = match c {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'e' | 'E' => Some('\x1b'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' | '\'' | '"' | '?' => Some(c),
            _ => None,
        };
        if let Some(simple) = simple {
            text.push(simple);
            return;
        }
        let (radix, max_digits) = match c {
            '0'..='7' => (8, 3),
            'x' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            'c' => {
                match self.take_raw_char() {
                    Some(control) => {
                        text.push(char::from(control.to_ascii_uppercase() as u8 & 0x1f))
                    }
                    None => text.push_str("\\c"),
                }
                return;
            }
            _ => {
                text.push('\\');
                text.push(c);
                return;
            }
        };
        let mut value = if radix == 8 {
            c.to_digit(8).unwrap_or(0)
        } else {
            0
        };
        let mut digits = u32::from(radix == 8);
        while digits < max_digits {
            let Some(digit) = self
                .raw_at(self.pos)
                .and_then(|b| char::from(b).to_digit(radix))
            else {
                break;
            };
            value = value.saturating_mul(radix).saturating_add(digit);
            digits += 1;
            self.pos += 1;
        }
        if digits == 0 {
            text.push('\\');
            text.push(c);
        } else if radix == 8 || c == 'x' {
            // Bytes: bash writes them as they are; a byte that is not a character on its own
            // is kept as the replacement character.
            text.push(
                char::from_u32(value & 0xff)
                    .filter(|_| value < 0x80)
                    .unwrap_or('\u{fffd}'),
            );
        } else {
            text.push(char::from_u32(value).unwrap_or('\u{fffd}'));
        }
    }

    // -----------------------------------------------------------------------------------------
    // `$` expansions and substitutions

    /// At a `$`: an expansion, or a literal `$`.
    fn dollar(
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
            let mut name = String::new();
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
    fn process_subst(&mut self) -> Result<WordPart, ParseError> {
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
    fn backquoted(&mut self, in_quotes: bool) -> Result<WordPart, ParseError> {
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
    /// which is not consumed. Blanks are text; braces nest; inside double quotes, single
    /// quotes are text but still hide a `}`.
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
        let mut braces = 0usize;
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.error_at(open, error::UNCLOSED_BRACE));
            };
            match byte {
                b'}' if braces == 0 => break,
                b'/' if braces == 0 && slash_ends => break,
                b'{' | b'}' => {
                    if byte == b'{' {
                        braces += 1;
                    } else {
                        braces -= 1;
                    }
                    literal.source(self.src, self.pos, self.pos + 1);
                    self.bump();
                }
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
            let closes = parens == 0
                && match (byte, end) {
                    (b')', ArithmeticEnd::DoubleParen | ArithmeticEnd::ForSegment) => true,
                    (b']', ArithmeticEnd::Bracket | ArithmeticEnd::ParamSubscript) => brackets == 0,
                    (b';', ArithmeticEnd::ForSegment) => true,
                    (b'}', ArithmeticEnd::ParamSubscript) => brackets == 0,
                    (b'}', ArithmeticEnd::Offset | ArithmeticEnd::Length) => true,
                    (b':', ArithmeticEnd::Offset) => true,
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
                b'$' => self.dollar(&mut parts, &mut literal, false)?,
                b'`' => {
                    flush(&mut parts, &mut literal);
                    parts.push(self.backquoted(false)?);
                }
                b'"' => {
                    flush(&mut parts, &mut literal);
                    parts.push(WordPart::DoubleQuoted(self.double_quoted()?));
                }
                b'\'' => {
                    flush(&mut parts, &mut literal);
                    parts.push(WordPart::SingleQuoted(self.single_quoted()?));
                }
                b'\\' => {
                    self.bump();
                    match self.take_raw_char() {
                        Some(c) => push_escaped(&mut parts, &mut literal, c),
                        None => literal.source(self.src, self.pos - 1, self.pos),
                    }
                }
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
    fn extglob(&mut self) -> Result<WordPart, ParseError> {
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
                    b'\\' => {
                        self.bump();
                        match self.take_raw_char() {
                            Some(c) => push_escaped(&mut parts, &mut literal, c),
                            None => literal.source(self.src, self.pos - 1, self.pos),
                        }
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
                        parts.push(self.backquoted(false)?);
                    }
                    b'$' => self.dollar(&mut parts, &mut literal, false)?,
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
