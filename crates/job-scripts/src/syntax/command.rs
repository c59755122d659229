//! Commands: lists, pipelines, simple and compound commands, function definitions and
//! redirections. Lists and pipelines are read in loops; only nesting recurses, counted by
//! [`Reader::enter`].

use std::rc::Rc;

use super::ast::{
    AndOr, Argument, CaseArm, CaseEnd, Command, Compound, CompoundKind, FileOp, FunctionDef, List,
    Logical, Parts, Pipeline, Redirect, RedirectFd, RedirectTarget, SimpleCommand, Span, Text,
    Word, WordPart,
};
use super::error::{self, ParseError};
use super::expansion::ArithmeticEnd;
use super::reader::{Reader, is_metachar, is_name, is_name_byte, is_name_start};
use super::word::Token;

/// Reserved words that end a list (the caller checks that it is the one it expects).
const LIST_ENDS: [&str; 8] = ["then", "else", "elif", "fi", "do", "done", "esac", "}"];
/// Reserved words recognised at the start of a command.
const KEYWORDS: [&str; 22] = [
    "if", "in", "]]", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until",
    "for", "select", "function", "coproc", "time", "{", "}", "!", "[[",
];
/// Builtins whose `NAME=value` arguments bash reads as assignments.
const DECLARATION_BUILTINS: [&str; 5] = ["declare", "typeset", "local", "export", "readonly"];

impl Reader<'_> {
    /// The reserved word at the cursor, if one is there and ends where a word ends.
    pub(super) fn keyword(&mut self) -> Option<&'static str> {
        let first = self.peek()?;
        if let Some((at, keyword)) = self.keyword_at
            && at == self.pos
        {
            return keyword;
        }
        let keyword = match first {
            b'c' | b'd' | b'e' | b'f' | b'i' | b's' | b't' | b'u' | b'w' | b'{' | b'}' | b'!'
            | b'[' | b']' => self.keyword_here(first),
            _ => None,
        };
        self.keyword_at = Some((self.pos, keyword));
        keyword
    }

    /// The reserved word at the cursor, whose first byte is `first`.
    fn keyword_here(&mut self, first: u8) -> Option<&'static str> {
        const LONGEST: usize = 8;
        let rest = self
            .src
            .as_bytes()
            .get(self.pos..self.end)
            .unwrap_or_default();
        let length = match first {
            b'{' | b'}' | b'!' => 1,
            b'[' | b']' => 2,
            _ => rest
                .iter()
                .take(LONGEST + 1)
                .position(|b| !b.is_ascii_lowercase())
                .unwrap_or(rest.len().min(LONGEST + 1)),
        };
        let candidate = rest.get(..length)?;
        if rest.get(length) == Some(&b'\\') {
            // A line continuation may join more letters: compare as the shell reads.
            return KEYWORDS
                .into_iter()
                .filter(|k| k.as_bytes().first() == Some(&first))
                .find(|k| self.at(k) && self.peek_ahead(k.len()).is_none_or(is_metachar));
        }
        self.count(length + 1);
        let ends = rest.get(length).is_none_or(|b| is_metachar(*b));
        if !ends {
            return None;
        }
        Some(match candidate {
            b"if" => "if",
            b"in" => "in",
            b"then" => "then",
            b"else" => "else",
            b"elif" => "elif",
            b"fi" => "fi",
            b"do" => "do",
            b"done" => "done",
            b"case" => "case",
            b"esac" => "esac",
            b"while" => "while",
            b"until" => "until",
            b"for" => "for",
            b"select" => "select",
            b"function" => "function",
            b"coproc" => "coproc",
            b"time" => "time",
            b"{" => "{",
            b"}" => "}",
            b"!" => "!",
            b"[[" => "[[",
            b"]]" => "]]",
            _ => return None,
        })
    }

    /// Whether `keyword` is at the cursor.
    fn at_keyword(&mut self, keyword: &str) -> bool {
        self.keyword() == Some(keyword)
    }

    /// Consumes `keyword` or fails with "expected `keyword`".
    fn expect_keyword(&mut self, keyword: &str) -> Result<(), ParseError> {
        self.linebreaks()?;
        if self.at_keyword(keyword) {
            self.eat(keyword);
            Ok(())
        } else if self.peek().is_none() {
            Err(self.error_at(self.pos, error::expected(&format!("`{keyword}`"))))
        } else {
            let token = self.unexpected();
            Err(self.error_at(
                self.pos,
                format!("{} where `{keyword}` was expected", token.message),
            ))
        }
    }

    /// Whether the cursor is where a list ends: the end of the text, `)`, a `case` arm's
    /// terminator or a closing reserved word.
    fn at_list_end(&mut self) -> bool {
        match self.peek() {
            None | Some(b')') => true,
            Some(b';') => matches!(self.peek_ahead(1), Some(b';' | b'&')),
            Some(_) => self.keyword().is_some_and(|k| LIST_ENDS.contains(&k)),
        }
    }

    /// A list of and-or lists separated by `;`, `&` or newlines.
    pub(super) fn list(&mut self) -> Result<List, ParseError> {
        let mut items = Vec::new();
        loop {
            self.linebreaks()?;
            if self.at_list_end() {
                break;
            }
            let mut item = self.and_or()?;
            self.blanks_and_comment();
            match self.peek() {
                Some(b';') if !matches!(self.peek_ahead(1), Some(b';' | b'&')) => self.bump(),
                Some(b'&') => {
                    self.bump();
                    item.background = true;
                }
                Some(b'\n') => {}
                _ if self.at_list_end() => {}
                _ => return Err(self.unexpected()),
            }
            items.push(item);
        }
        Ok(List { items })
    }

    /// A list that must hold a command (bodies of compound commands).
    fn nonempty_list(&mut self) -> Result<List, ParseError> {
        let list = self.list()?;
        if list.items.is_empty() {
            return Err(self.unexpected());
        }
        Ok(list)
    }

    fn and_or(&mut self) -> Result<AndOr, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            self.blanks();
            let op = if self.eat("&&") {
                Logical::And
            } else if self.eat("||") {
                Logical::Or
            } else {
                break;
            };
            self.linebreaks()?;
            rest.push((op, self.pipeline()?));
        }
        Ok(AndOr {
            first,
            rest,
            background: false,
        })
    }

    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        self.blanks();
        let start = self.pos;
        let mut timed = false;
        let mut negated = false;
        let mut banged = false;
        loop {
            match self.keyword() {
                Some("time") if !timed => {
                    self.eat("time");
                    timed = true;
                    self.blanks();
                    if self.at("-p") && self.peek_ahead(2).is_none_or(is_metachar) {
                        self.eat("-p");
                    }
                }
                Some("!") => {
                    self.eat("!");
                    negated = !negated;
                    banged = true;
                }
                _ => break,
            }
            self.blanks();
        }
        // Most pipelines hold one command. (Kept inline, as a word's parts are, it makes the
        // reader's frames too big for a wasm stack at the nesting limit.)
        let mut commands = Vec::with_capacity(1);
        let ends_here = match self.peek() {
            None | Some(b'\n') => true,
            Some(b';') => !matches!(self.peek_ahead(1), Some(b';' | b'&')),
            Some(_) => false,
        };
        if (timed || banged) && ends_here {
            // `time` or `!` alone: bash accepts an empty pipeline after them.
            return Ok(Pipeline {
                negated,
                timed,
                commands,
                span: Span::new(start, self.pos),
            });
        }
        loop {
            commands.push(self.command()?);
            self.blanks();
            if self.peek() == Some(b'|') && self.peek_ahead(1) != Some(b'|') {
                self.bump();
                if self.peek() == Some(b'&') {
                    self.bump();
                }
                self.linebreaks()?;
            } else {
                break;
            }
        }
        Ok(Pipeline {
            negated,
            timed,
            commands,
            span: Span::new(start, self.pos),
        })
    }

    /// One command of a pipeline.
    fn command(&mut self) -> Result<Command, ParseError> {
        self.blanks();
        if let Some(compound) = self.compound()? {
            return Ok(Command::Compound(Box::new(compound)));
        }
        match self.keyword() {
            Some("function") => self
                .function_keyword()
                .map(|f| Command::Function(Rc::new(f))),
            Some("coproc") => self.coproc(),
            Some(k) if LIST_ENDS.contains(&k) || matches!(k, "in" | "time" | "!" | "]]") => {
                Err(self.error_at(self.pos, error::unexpected(&format!("`{k}`"))))
            }
            _ => self.simple_command(),
        }
    }

    /// A compound command with its redirections, if one starts at the cursor.
    fn compound(&mut self) -> Result<Option<Compound>, ParseError> {
        let start = self.pos;
        let kind = if self.at("((") {
            self.eat("(");
            let inner = self.pos;
            self.eat("(");
            if self.arithmetic_ahead() {
                self.enter(start)?;
                let expression = self.arithmetic_word(ArithmeticEnd::DoubleParen, start)?;
                self.leave();
                CompoundKind::Arithmetic(expression)
            } else {
                // `((a) | b)`: a subshell whose first command is a subshell.
                self.pos = inner;
                self.subshell(start)?
            }
        } else if self.peek() == Some(b'(') {
            self.bump();
            self.subshell(start)?
        } else {
            match self.keyword() {
                Some("{") => {
                    self.eat("{");
                    self.enter(start)?;
                    let body = self.nonempty_list()?;
                    self.expect_keyword("}")?;
                    self.leave();
                    CompoundKind::Brace(body)
                }
                Some("if") => self.if_clause(start)?,
                Some(k @ ("while" | "until")) => {
                    self.eat(k);
                    self.enter(start)?;
                    let condition = self.nonempty_list()?;
                    self.expect_keyword("do")?;
                    let body = self.nonempty_list()?;
                    self.expect_keyword("done")?;
                    self.leave();
                    CompoundKind::Loop {
                        until: k == "until",
                        condition,
                        body,
                    }
                }
                Some(k @ ("for" | "select")) => self.for_clause(k, start)?,
                Some("case") => self.case_clause(start)?,
                Some("[[") => self.conditional(start)?,
                _ => return Ok(None),
            }
        };
        let redirects = self.trailing_redirects()?;
        Ok(Some(Compound {
            kind,
            redirects,
            span: Span::new(start, self.pos),
        }))
    }

    /// After `(`.
    fn subshell(&mut self, start: usize) -> Result<CompoundKind, ParseError> {
        self.enter(start)?;
        let body = self.nonempty_list()?;
        if self.peek() != Some(b')') {
            return Err(self.unclosed(start, error::UNCLOSED_PAREN));
        }
        self.bump();
        self.leave();
        Ok(CompoundKind::Subshell(body))
    }

    /// An error for a construct opened at `start` that the cursor did not find closed: at the
    /// cursor when a token is there, at the opening at the end of the text.
    pub(super) fn unclosed(&mut self, start: usize, message: &str) -> ParseError {
        if self.peek().is_none() {
            self.error_at(start, message)
        } else {
            self.unexpected()
        }
    }

    fn if_clause(&mut self, start: usize) -> Result<CompoundKind, ParseError> {
        self.eat("if");
        self.enter(start)?;
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            let condition = self.nonempty_list()?;
            self.expect_keyword("then")?;
            let body = self.nonempty_list()?;
            branches.push((condition, body));
            self.linebreaks()?;
            match self.keyword() {
                Some("elif") => {
                    self.eat("elif");
                }
                Some("else") => {
                    self.eat("else");
                    otherwise = Some(self.nonempty_list()?);
                    self.expect_keyword("fi")?;
                    break;
                }
                _ => {
                    self.expect_keyword("fi")?;
                    break;
                }
            }
        }
        self.leave();
        Ok(CompoundKind::If {
            branches,
            otherwise,
        })
    }

    fn for_clause(&mut self, keyword: &str, start: usize) -> Result<CompoundKind, ParseError> {
        self.eat(keyword);
        self.enter(start)?;
        self.blanks();
        if keyword == "for" && self.at("((") {
            let open = self.pos;
            self.eat("((");
            let init = self.arithmetic_word(ArithmeticEnd::ForSegment, open)?;
            if !self.eat(";") {
                return Err(self.error_at(self.pos, error::expected("`;`")));
            }
            let condition = self.arithmetic_word(ArithmeticEnd::ForSegment, open)?;
            if !self.eat(";") {
                return Err(self.error_at(self.pos, error::expected("`;`")));
            }
            let step = self.arithmetic_word(ArithmeticEnd::DoubleParen, open)?;
            let body = self.loop_body()?;
            self.leave();
            return Ok(CompoundKind::ArithmeticFor {
                init,
                condition,
                step,
                body,
            });
        }
        // Any word: bash checks that it is a name only when the loop runs.
        let variable = match self.word()? {
            Some(word) => word.span.text(self.src).to_owned(),
            None => return Err(self.unexpected()),
        };
        self.linebreaks()?;
        let mut values = None;
        if self.at_keyword("in") {
            self.eat("in");
            let mut words = Vec::new();
            loop {
                self.blanks_and_comment();
                match self.peek() {
                    Some(b';') => {
                        self.bump();
                        break;
                    }
                    Some(b'\n') | None => break,
                    _ => match self.word()? {
                        Some(word) => words.push(word),
                        None => return Err(self.unexpected()),
                    },
                }
            }
            values = Some(words);
        } else if self.peek() == Some(b';') {
            self.bump();
        }
        let body = self.loop_body()?;
        self.leave();
        Ok(CompoundKind::For {
            select: keyword == "select",
            variable,
            values,
            body,
        })
    }

    /// `do list done`, or bash's `{ list; }`, after a `for` head.
    fn loop_body(&mut self) -> Result<List, ParseError> {
        self.linebreaks()?;
        if self.peek() == Some(b';') {
            self.bump();
            self.linebreaks()?;
        }
        if self.at_keyword("{") {
            self.eat("{");
            let body = self.nonempty_list()?;
            self.expect_keyword("}")?;
            return Ok(body);
        }
        self.expect_keyword("do")?;
        let body = self.nonempty_list()?;
        self.expect_keyword("done")?;
        Ok(body)
    }

    fn case_clause(&mut self, start: usize) -> Result<CompoundKind, ParseError> {
        self.eat("case");
        self.enter(start)?;
        self.blanks();
        let Some(subject) = self.word()? else {
            return Err(self.unexpected());
        };
        self.expect_keyword("in")?;
        let mut arms = Vec::new();
        loop {
            self.linebreaks()?;
            if self.at_keyword("esac") {
                self.eat("esac");
                break;
            }
            if self.peek().is_none() {
                return Err(self.error_at(start, error::expected("`esac`")));
            }
            if self.peek() == Some(b'(') {
                self.bump();
            }
            let mut patterns = Vec::new();
            loop {
                self.blanks();
                match self.word()? {
                    Some(word) => patterns.push(word),
                    None => return Err(self.unexpected()),
                }
                self.blanks();
                match self.peek() {
                    Some(b'|') => self.bump(),
                    Some(b')') => {
                        self.bump();
                        break;
                    }
                    _ => return Err(self.unexpected()),
                }
            }
            let body = self.list()?;
            let end = if self.eat(";;&") {
                CaseEnd::Continue
            } else if self.eat(";;") {
                CaseEnd::Break
            } else if self.eat(";&") {
                CaseEnd::FallThrough
            } else if self.at_keyword("esac") {
                CaseEnd::Break
            } else {
                return Err(self.unclosed(start, &error::expected("`esac`")));
            };
            arms.push(CaseArm {
                patterns,
                body,
                end,
            });
        }
        self.leave();
        Ok(CompoundKind::Case { subject, arms })
    }

    /// `[[ … ]]`: its words, operators included, up to `]]`.
    fn conditional(&mut self, start: usize) -> Result<CompoundKind, ParseError> {
        self.eat("[[");
        self.enter(start)?;
        let mut words = Vec::new();
        let mut regex_next = false;
        loop {
            self.linebreaks()?;
            if self.at("]]") && self.peek_ahead(2).is_none_or(is_metachar) {
                self.eat("]]");
                break;
            }
            let Some(byte) = self.peek() else {
                return Err(self.error_at(start, error::expected("`]]`")));
            };
            // `<` and `>` compare strings here; `<(` is still a process substitution.
            let operator = ["&&", "||", "(", ")", "<", ">"]
                .into_iter()
                .find(|op| self.at(op))
                .filter(|_| !matches!(byte, b'<' | b'>') || self.peek_ahead(1) != Some(b'('));
            let word = match operator {
                Some(op) if !regex_next => {
                    let at = self.pos;
                    self.eat(op);
                    Word {
                        parts: Parts::from(vec![WordPart::Literal(Text::Span(Span::new(
                            at, self.pos,
                        )))]),
                        span: Span::new(at, self.pos),
                    }
                }
                _ => {
                    let word = if regex_next {
                        self.regex_word()?
                    } else {
                        self.word()?
                    };
                    match word {
                        Some(word) => word,
                        None => return Err(self.unexpected()),
                    }
                }
            };
            regex_next = word.as_literal(self.src) == Some("=~");
            words.push(word);
        }
        self.leave();
        Ok(CompoundKind::Conditional(words))
    }

    /// `coproc [NAME] command`: a name only before a brace group or a subshell, as bash
    /// reads it.
    fn coproc(&mut self) -> Result<Command, ParseError> {
        let start = self.pos;
        self.eat("coproc");
        self.enter(start)?;
        self.blanks();
        let mut name_length = 0;
        while self.peek_ahead(name_length).is_some_and(is_name_byte) {
            name_length += 1;
        }
        let mut after_name = name_length;
        while matches!(self.peek_ahead(after_name), Some(b' ' | b'\t')) {
            after_name += 1;
        }
        let named = self.peek().is_some_and(is_name_start)
            && after_name > name_length
            && matches!(self.peek_ahead(after_name), Some(b'{' | b'('));
        let mut name = None;
        if named {
            let mut text = String::new();
            for _ in 0..name_length {
                if let Some(byte) = self.peek() {
                    text.push(char::from(byte));
                }
                self.bump();
            }
            name = Some(text);
            self.blanks();
        }
        let body = match self.compound()? {
            Some(compound) => Command::Compound(Box::new(compound)),
            // bash reads any other reserved word here as itself, and no simple command starts
            // with one (`coproc coproc f`, `coproc ! f` are syntax errors); `time` it reads
            // as the name of a command.
            None => match self.keyword() {
                Some(k) if k != "time" => {
                    return Err(self.error_at(self.pos, error::unexpected(&format!("`{k}`"))));
                }
                _ => self.simple_command()?,
            },
        };
        self.leave();
        Ok(Command::Compound(Box::new(Compound {
            kind: CompoundKind::Coproc { name, body },
            redirects: Vec::new(),
            span: Span::new(start, self.pos),
        })))
    }

    /// `function name [()] compound`.
    fn function_keyword(&mut self) -> Result<FunctionDef, ParseError> {
        let start = self.pos;
        self.eat("function");
        self.blanks();
        let name = match self.word()? {
            Some(word) => match word.as_literal(self.src) {
                Some(name) => name.to_owned(),
                None => return Err(self.error_at(word.span.start, "not a function name")),
            },
            None => return Err(self.unexpected()),
        };
        self.blanks();
        // `()` after the name, or a `(` that opens a subshell body: `function f (cmd)`.
        let parens = self.pos;
        if self.peek() == Some(b'(') {
            self.bump();
            self.blanks();
            if self.peek() == Some(b')') {
                self.bump();
            } else {
                self.pos = parens;
            }
        }
        self.function_body(name, start)
    }

    /// The body of a function whose name and `()` were read.
    fn function_body(&mut self, name: String, start: usize) -> Result<FunctionDef, ParseError> {
        self.linebreaks()?;
        self.enter(start)?;
        let Some(body) = self.compound()? else {
            return Err(self.unexpected());
        };
        self.leave();
        Ok(FunctionDef {
            name,
            body,
            span: Span::new(start, self.pos),
        })
    }

    /// A simple command, or a function definition `name() …`.
    fn simple_command(&mut self) -> Result<Command, ParseError> {
        let start = self.pos;
        let mut command = SimpleCommand::default();
        loop {
            self.blanks();
            let Some(byte) = self.peek() else {
                break;
            };
            match byte {
                b'\n' | b';' | b'|' | b')' | b'#' => break,
                b'&' if self.peek_ahead(1) != Some(b'>') => break,
                b'&' => command.redirects.push(self.redirect(None, self.pos)?),
                b'<' | b'>' if self.peek_ahead(1) != Some(b'(') => {
                    command.redirects.push(self.redirect(None, self.pos)?);
                }
                b'(' => {
                    let name = match (command.assignments.is_empty(), command.arguments.as_slice())
                    {
                        (true, [Argument::Word(word)]) if command.redirects.is_empty() => {
                            word.as_literal(self.src).map(str::to_owned)
                        }
                        _ => None,
                    };
                    let Some(name) = name else {
                        return Err(self.unexpected());
                    };
                    self.bump();
                    self.blanks();
                    if self.peek() != Some(b')') {
                        return Err(self.unexpected());
                    }
                    self.bump();
                    return self
                        .function_body(name, start)
                        .map(|f| Command::Function(Rc::new(f)));
                }
                _ => {
                    let glued_to_an_array = self.array_end == Some(self.pos);
                    let assignable = !glued_to_an_array
                        && match command.arguments.first() {
                            None => true,
                            Some(Argument::Word(word)) => word
                                .as_literal(self.src)
                                .is_some_and(|name| DECLARATION_BUILTINS.contains(&name)),
                            Some(Argument::Assignment(_)) => false,
                        };
                    let word_start = self.pos;
                    match self.word_or_assignment(assignable)? {
                        Some(Token::Assignment(assignment)) => {
                            if command.arguments.is_empty() {
                                command.assignments.push(assignment);
                            } else {
                                command
                                    .arguments
                                    .push(Argument::Assignment(Box::new(assignment)));
                            }
                        }
                        Some(Token::Word(word)) => {
                            if let Some(fd) = self.redirect_fd(&word) {
                                command.redirects.push(self.redirect(Some(fd), word_start)?);
                            } else {
                                command.arguments.push(Argument::Word(word));
                            }
                        }
                        None => return Err(self.unexpected()),
                    }
                }
            }
        }
        if command.assignments.is_empty()
            && command.arguments.is_empty()
            && command.redirects.is_empty()
        {
            return Err(if self.peek().is_none() {
                self.error_at(self.pos, error::MISSING_COMMAND)
            } else {
                self.unexpected()
            });
        }
        command.span = Span::new(start, self.pos);
        Ok(Command::Simple(command))
    }

    /// The file descriptor a word names when a redirection operator follows it at once
    /// (`2>`, `{fd}<`).
    fn redirect_fd(&mut self, word: &Word) -> Option<RedirectFd> {
        if !matches!(self.peek(), Some(b'<' | b'>')) || word.span.end != self.pos {
            return None;
        }
        let text = word.as_literal(self.src)?;
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            let number = text.bytes().fold(0u32, |n, b| {
                n.saturating_mul(10).saturating_add(u32::from(b - b'0'))
            });
            return Some(RedirectFd::Number(number));
        }
        let name = text.strip_prefix('{')?.strip_suffix('}')?;
        is_name(name).then(|| RedirectFd::Variable(name.to_owned()))
    }

    /// Redirections after a compound command.
    fn trailing_redirects(&mut self) -> Result<Vec<Redirect>, ParseError> {
        let mut redirects = Vec::new();
        loop {
            self.blanks();
            match self.peek() {
                Some(b'<' | b'>') if self.peek_ahead(1) != Some(b'(') => {
                    redirects.push(self.redirect(None, self.pos)?);
                }
                Some(b'&') if self.peek_ahead(1) == Some(b'>') => {
                    redirects.push(self.redirect(None, self.pos)?);
                }
                Some(b'0'..=b'9' | b'{') => {
                    let before = self.pos;
                    let Some(word) = self.word()? else {
                        break;
                    };
                    match self.redirect_fd(&word) {
                        Some(fd) => redirects.push(self.redirect(Some(fd), before)?),
                        None => {
                            return Err(self.error_at(
                                before,
                                error::unexpected(&format!("`{}`", word.span.text(self.src))),
                            ));
                        }
                    }
                }
                _ => break,
            }
        }
        Ok(redirects)
    }

    /// A redirection operator at the cursor and its word (`fd` was read before it).
    fn redirect(&mut self, fd: Option<RedirectFd>, start: usize) -> Result<Redirect, ParseError> {
        const FILE_OPS: [(&str, FileOp); 9] = [
            ("&>>", FileOp::AppendBoth),
            ("&>", FileOp::WriteBoth),
            (">>", FileOp::Append),
            (">&", FileOp::DupWrite),
            (">|", FileOp::Clobber),
            ("<&", FileOp::DupRead),
            ("<>", FileOp::ReadWrite),
            (">", FileOp::Write),
            ("<", FileOp::Read),
        ];
        let target = if self.eat("<<<") {
            self.blanks();
            RedirectTarget::HereString(self.redirect_word()?)
        } else if self.at("<<") {
            let strip_tabs = self.eat("<<-");
            if !strip_tabs {
                self.eat("<<");
            }
            self.blanks();
            RedirectTarget::HereDoc(self.heredoc_operator(strip_tabs, start)?)
        } else {
            let Some(&(text, op)) = FILE_OPS.iter().find(|(text, _)| self.at(text)) else {
                return Err(self.unexpected());
            };
            self.eat(text);
            self.blanks();
            RedirectTarget::File(op, self.redirect_word()?)
        };
        Ok(Redirect {
            fd,
            target,
            span: Span::new(start, self.pos),
        })
    }

    fn redirect_word(&mut self) -> Result<Word, ParseError> {
        match self.word()? {
            // `<0<x`: bash reads `0` as the next redirection's descriptor, not as a word.
            Some(word) if self.redirect_fd(&word).is_some() => Err(self.error_at(
                word.span.start,
                error::unexpected(&format!("`{}`", word.span.text(self.src))),
            )),
            Some(word) => Ok(word),
            None => Err(self.error_at(self.pos, error::REDIRECT_WITHOUT_TARGET)),
        }
    }
}
