//! Words: unquoted text, quoting and assignments. One function per reading context, as bash
//! reads them: unquoted, double-quoted (and here-document bodies), `$'…'`; the `$` expansions
//! are in `expansion.rs`.

use super::ast::{ArrayElement, AssignedValue, Assignment, Parts, Span, Text, Word, WordPart};
use super::error::{self, ParseError};
use super::expansion::ArithmeticEnd;
use super::reader::{Reader, is_metachar, is_name_byte, is_name_start};

/// A word where an assignment may stand.
pub(super) enum Token {
    Word(Word),
    Assignment(Assignment),
}

/// Bytes that end a run of unquoted literal text.
#[inline]
fn unquoted_special(byte: u8) -> bool {
    is_metachar(byte)
        || matches!(
            byte,
            b'\\' | b'\'' | b'"' | b'`' | b'$' | b'@' | b'?' | b'*' | b'+' | b'!'
        )
}

/// Bytes that end a run of literal text in double quotes and here-document bodies.
#[inline]
fn quoted_special(byte: u8) -> bool {
    matches!(byte, b'\\' | b'"' | b'`' | b'$' | b'\n')
}

/// Whether `byte` starts a part [`Reader::unquoted_part`] reads.
#[inline]
pub(super) fn starts_unquoted_part(byte: u8) -> bool {
    matches!(byte, b'\\' | b'\'' | b'"' | b'`' | b'$')
}

/// Where word parts are collected: a word's [`Parts`], or the parts inside double quotes.
pub(super) trait PartList: std::ops::DerefMut<Target = [WordPart]> {
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
    pub(super) fn from_source(start: usize, end: usize) -> Self {
        Self {
            start,
            end,
            owned: None,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.owned
            .as_ref()
            .map_or(self.start == self.end, String::is_empty)
    }

    /// Appends `src[from..to]`, the text as written.
    pub(super) fn source(&mut self, src: &str, from: usize, to: usize) {
        match &mut self.owned {
            None if self.start == self.end => (self.start, self.end) = (from, to),
            None if self.end == from => self.end = to,
            _ => self.owned(src).push_str(src.get(from..to).unwrap_or("")),
        }
    }

    /// Appends a character the reader made (from an escape).
    pub(super) fn push(&mut self, src: &str, c: char) {
        self.owned(src).push(c);
    }

    /// Appends text the reader made (from joined lines).
    pub(super) fn push_str(&mut self, src: &str, text: &str) {
        self.owned(src).push_str(text);
    }

    fn owned(&mut self, src: &str) -> &mut String {
        let (start, end) = (self.start, self.end);
        self.owned
            .get_or_insert_with(|| src.get(start..end).unwrap_or("").to_owned())
    }

    pub(super) fn take(&mut self) -> Text {
        let text = match self.owned.take() {
            Some(text) => Text::Owned(text),
            None => Text::Span(Span::new(self.start, self.end)),
        };
        (self.start, self.end) = (0, 0);
        text
    }
}

/// Moves literal text into the parts.
pub(super) fn flush(parts: &mut impl PartList, literal: &mut Literal) {
    if !literal.is_empty() {
        parts.push_part(WordPart::Literal(literal.take()));
    }
}

/// Adds an escaped character, joining it to escapes just before it.
pub(super) fn push_escaped(parts: &mut impl PartList, literal: &mut Literal, c: char) {
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
        // A `#` that starts a word starts a comment.
        if matches!(self.peek(), None | Some(b'#')) {
            return Ok(None);
        }
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
        while self.peek().is_some_and(is_name_byte) {
            self.bump();
        }
        // The name as written, or with its line continuations joined; most first words are
        // no assignment, so the name is only copied out for one.
        let written = self.src.get(start..self.pos).unwrap_or("");
        let joined = written.contains('\\').then(|| written.replace("\\\n", ""));
        let mut literal = Literal::from_source(start, start);
        match &joined {
            None => literal.source(self.src, start, self.pos),
            Some(joined) => literal.push_str(self.src, joined),
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
                name: joined.unwrap_or_else(|| written.to_owned()),
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
                    self.array_end = Some(self.pos);
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
        if self.peek().is_some_and(|byte| !is_metachar(byte)) {
            return self.glued_array_value(open, elements);
        }
        Ok(AssignedValue::Array(elements))
    }

    /// An array literal with text glued to its `)` (`X=(a b)c`): bash reads the text as more
    /// of the same word and assigns a string, the literal's elements joined by one space
    /// between its parentheses, then the text (`X=(a $Y)c` sets `(a 1)c` when `Y=1`), so
    /// `X=()X=l` is one assignment, not a command `X=l`.
    fn glued_array_value(
        &mut self,
        open: usize,
        elements: Vec<ArrayElement>,
    ) -> Result<AssignedValue, ParseError> {
        fn text(parts: &mut Parts, text: &str) {
            parts.push(WordPart::Literal(Text::Owned(text.to_owned())));
        }
        let mut parts = Parts::default();
        text(&mut parts, "(");
        for (i, element) in elements.into_iter().enumerate() {
            if i > 0 {
                text(&mut parts, " ");
            }
            if let Some(key) = element.key {
                text(&mut parts, "[");
                parts.extend(key.parts);
                text(&mut parts, "]=");
            }
            parts.extend(element.value.parts);
        }
        text(&mut parts, ")");
        let mut literal = Literal::default();
        self.unquoted_parts(&mut parts, &mut literal, false)?;
        flush(&mut parts, &mut literal);
        Ok(AssignedValue::Scalar(Word {
            parts,
            span: Span::new(open, self.pos),
        }))
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
                _ if starts_unquoted_part(byte) => self.unquoted_part(parts, literal)?,
                b'@' | b'?' | b'*' | b'+' | b'!' if !regex && self.peek_ahead(1) == Some(b'(') => {
                    flush(parts, literal);
                    parts.push(self.extglob()?);
                }
                _ => self.literal_run(literal, unquoted_special),
            }
        }
        Ok(())
    }

    /// The part that starts at the cursor with a byte of [`starts_unquoted_part`], read as it is
    /// outside double quotes: a backslash escape, a single- or double-quoted string, a
    /// backquoted command or a `$` expansion. Words, arithmetic and extended glob patterns
    /// read them the same way.
    pub(super) fn unquoted_part(
        &mut self,
        parts: &mut impl PartList,
        literal: &mut Literal,
    ) -> Result<(), ParseError> {
        match self.peek() {
            Some(b'\\') => {
                self.bump();
                match self.take_raw_char() {
                    Some(c) => push_escaped(parts, literal, c),
                    None => literal.source(self.src, self.pos - 1, self.pos),
                }
            }
            Some(b'\'') => {
                flush(parts, literal);
                parts.push_part(WordPart::SingleQuoted(self.single_quoted()?));
            }
            Some(b'"') => {
                flush(parts, literal);
                parts.push_part(WordPart::DoubleQuoted(self.double_quoted()?));
            }
            Some(b'`') => {
                flush(parts, literal);
                parts.push_part(self.backquoted(false)?);
            }
            Some(b'$') => self.dollar(parts, literal, false)?,
            _ => {}
        }
        Ok(())
    }

    /// Literal text up to a special byte (at least one character). Generic over `special`,
    /// not a `fn` pointer: each byte class is then inlined in the loop instead of called per
    /// byte.
    pub(super) fn literal_run(&mut self, literal: &mut Literal, special: impl Fn(u8) -> bool) {
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
    pub(super) fn single_quoted(&mut self) -> Result<String, ParseError> {
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
    pub(super) fn double_quoted(&mut self) -> Result<Vec<WordPart>, ParseError> {
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
    pub(super) fn ansi_c(&mut self, start: usize) -> Result<String, ParseError> {
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
}
