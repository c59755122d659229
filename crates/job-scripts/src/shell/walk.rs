//! The walker: commands, redirections, builtins, functions and sourced scripts.

use std::rc::Rc;

use super::{
    Depth, Function, MAX_WALK_LEVELS, ScriptError, ShellState, SimpleCmd, Sink, Stdin,
    VIA_HERE_STRING, VIA_HEREDOC, VIA_STDIN, parse,
};
use crate::model::Resolution;
use crate::syntax::{
    AndOr, Argument, AssignedValue, Assignment, Command, CompoundKind, FileOp, List, Pipeline,
    Redirect, RedirectFd, RedirectTarget, Script, SimpleCommand, Subscript, Word, WordPart,
    is_name,
};
use crate::text::{Field, basename, normalize_path};

/// A `for` loop over at most this many known values walks its body once per value.
const MAX_LOOP_VALUES: usize = 16;
/// Most fields one command's arguments may expand to.
pub(super) const MAX_FIELDS: usize = 4_096;
/// Most bytes of one command's arguments.
const MAX_ARGV_BYTES: usize = 256 * 1024;
/// Builtins whose `NAME=value` arguments set variables.
const DECLARATION_BUILTINS: [&str; 5] = ["export", "readonly", "local", "declare", "typeset"];

/// Walks parsed scripts.
pub(crate) struct Walker<'s, S: Sink + ?Sized> {
    pub(super) sink: &'s mut S,
    pub state: ShellState,
    depth: Depth,
    stopped: bool,
    /// The text the spans of the script being walked point into.
    pub(super) source: Rc<str>,
}

impl<'s, S: Sink + ?Sized> Walker<'s, S> {
    pub(crate) fn new(sink: &'s mut S, state: ShellState, depth: Depth) -> Self {
        Self {
            sink,
            state,
            depth,
            stopped: false,
            source: Rc::from(""),
        }
    }

    /// Reads and walks a script, then walks the functions it defined but never called.
    pub(crate) fn run(&mut self, text: &str) {
        self.run_nested(text, &Stdin::None);
        self.walk_uncalled_functions();
    }

    /// Enters a nested script.
    pub(super) fn enter_script(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        if self.depth.scripts >= self.sink.max_depth() || self.depth.levels >= MAX_WALK_LEVELS {
            self.sink.truncated();
            return false;
        }
        self.depth = self.depth.nested();
        true
    }

    pub(super) fn leave_script(&mut self) {
        self.depth.scripts = self.depth.scripts.saturating_sub(1);
        self.depth.levels = self.depth.levels.saturating_sub(1);
    }

    /// Enters a compound command or a function body.
    fn enter_level(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        if self.depth.levels >= MAX_WALK_LEVELS {
            self.sink.truncated();
            return false;
        }
        self.depth.levels += 1;
        true
    }

    fn leave_level(&mut self) {
        self.depth.levels = self.depth.levels.saturating_sub(1);
    }

    /// Reads and walks a script in the current state (sourcing, `eval`, `sh -c`).
    pub(super) fn run_nested(&mut self, text: &str, stdin: &Stdin) {
        if self.stopped {
            return;
        }
        if !self.sink.charge(0, text.len()) {
            self.stop();
            return;
        }
        match parse(text) {
            Ok(script) => self.script(&script, stdin),
            Err(e) => {
                if matches!(e, ScriptError::TooLarge | ScriptError::TooDeep) {
                    self.sink.truncated();
                }
                self.sink.unparsable(text, &e, &self.state);
            }
        }
    }

    /// Walks a read script (or the script of a substitution), with its text for spans.
    pub(super) fn script(&mut self, script: &Script, stdin: &Stdin) {
        let outer = std::mem::replace(&mut self.source, Rc::clone(&script.source));
        self.list(&script.body, stdin);
        self.source = outer;
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.sink.truncated();
    }

    fn walk_uncalled_functions(&mut self) {
        let names: Vec<String> = self
            .state
            .functions
            .keys()
            .filter(|n| !self.state.walked_functions.contains(*n))
            .cloned()
            .collect();
        for name in names {
            self.call_function(&name, None, &Stdin::None);
        }
    }

    fn list(&mut self, list: &List, stdin: &Stdin) {
        for AndOr { first, rest, .. } in &list.items {
            if self.stopped {
                return;
            }
            self.pipeline(first, stdin);
            for (_, next) in rest {
                self.pipeline(next, stdin);
            }
        }
    }

    fn pipeline(&mut self, pipeline: &Pipeline, stdin: &Stdin) {
        let mut input = stdin.clone();
        for command in &pipeline.commands {
            input = self.command(command, input);
        }
    }

    /// Walks one command; returns its standard output as the next command's input.
    fn command(&mut self, command: &Command, stdin: Stdin) -> Stdin {
        if self.stopped {
            return Stdin::None;
        }
        if !self.sink.charge(1, 0) {
            self.stop();
            return Stdin::None;
        }
        match command {
            Command::Simple(simple) => self.simple(simple, stdin),
            Command::Compound(compound) => {
                let stdin = self.redirects(&compound.redirects, stdin);
                self.compound(&compound.kind, &stdin);
                unknown_output("{ … }")
            }
            Command::Function(definition) => {
                // Each definition walked is kept: account for its size, so that one defined
                // in nested loops still counts against the budget.
                if !self.sink.charge(0, definition.span.len()) {
                    self.stop();
                    return Stdin::None;
                }
                let function = Function {
                    definition: Rc::clone(definition),
                    source: Rc::clone(&self.source),
                    script: self.state.script.clone(),
                };
                self.state
                    .functions
                    .insert(definition.name.clone(), Rc::new(function));
                Stdin::None
            }
        }
    }

    fn compound(&mut self, compound: &CompoundKind, stdin: &Stdin) {
        if !self.enter_level() {
            return;
        }
        match compound {
            CompoundKind::Brace(body) => self.list(body, stdin),
            CompoundKind::Subshell(body) => self.subshell(body, stdin),
            CompoundKind::If {
                branches,
                otherwise,
            } => {
                for (condition, body) in branches {
                    self.list(condition, stdin);
                    self.list(body, stdin);
                }
                if let Some(otherwise) = otherwise {
                    self.list(otherwise, stdin);
                }
            }
            CompoundKind::Loop {
                condition, body, ..
            } => {
                self.list(condition, stdin);
                self.list(body, stdin);
            }
            CompoundKind::For {
                variable,
                values,
                body,
                ..
            } => self.for_clause(variable, values.as_deref(), body, stdin),
            CompoundKind::ArithmeticFor {
                init,
                condition,
                step,
                body,
            } => {
                for word in [init, condition, step] {
                    let _ = self.expand_single(word);
                }
                self.list(body, stdin);
            }
            CompoundKind::Case { subject, arms } => {
                let _ = self.expand_single(subject);
                for arm in arms {
                    for pattern in &arm.patterns {
                        let _ = self.expand_single(pattern);
                    }
                    self.list(&arm.body, stdin);
                }
            }
            CompoundKind::Arithmetic(expression) => {
                let _ = self.expand_single(expression);
            }
            CompoundKind::Conditional(words) => {
                for word in words {
                    let _ = self.expand_single(word);
                }
            }
            CompoundKind::Coproc { body, .. } => {
                let _ = self.command(body, stdin.clone());
            }
        }
        self.leave_level();
    }

    /// Walks commands whose changes to the state do not last (a subshell, a substitution).
    pub(super) fn subshell(&mut self, body: &List, stdin: &Stdin) {
        let saved = (
            self.state.vars.clone(),
            self.state.cwd.clone(),
            self.state.positionals.clone(),
        );
        self.list(body, stdin);
        (self.state.vars, self.state.cwd, self.state.positionals) = saved;
    }

    fn for_clause(&mut self, variable: &str, values: Option<&[Word]>, body: &List, stdin: &Stdin) {
        let values: Option<Vec<Field>> = match values {
            Some(words) => {
                let mut out = Vec::new();
                for w in words {
                    for f in self.expand_fields(w) {
                        out.extend(self.glob(f));
                    }
                }
                Some(out)
            }
            None => match &self.state.positionals {
                Some(p) if p.len() <= MAX_LOOP_VALUES => Some(p.to_vec()),
                _ => None,
            },
        };
        match values {
            Some(values) if values.len() <= MAX_LOOP_VALUES => {
                for v in values {
                    self.state.vars.insert(variable.to_owned(), v);
                    self.list(body, stdin);
                }
            }
            _ => {
                self.state.vars.remove(variable);
                self.list(body, stdin);
            }
        }
    }

    /// Applies redirections to the standard input; walks the substitutions in their words.
    fn redirects(&mut self, redirects: &[Redirect], mut stdin: Stdin) -> Stdin {
        for r in redirects {
            let reads_stdin = matches!(r.fd, None | Some(RedirectFd::Number(0)));
            match &r.target {
                RedirectTarget::File(FileOp::Read, word) if reads_stdin => {
                    if let [WordPart::ProcessSubst(substitution)] = &*word.parts {
                        self.subshell(&substitution.script.body, &Stdin::None);
                        stdin = unknown_output("<( … )");
                        continue;
                    }
                    let path = self.expand_single(word);
                    stdin = if path.has_unknown() {
                        Stdin::Unknown {
                            via: format!("{VIA_STDIN} {}", path.as_str()),
                        }
                    } else {
                        let p = normalize_path(path.as_str(), self.state.cwd.as_deref());
                        Stdin::File {
                            via: format!("{VIA_STDIN} {p}"),
                            path: p,
                        }
                    };
                }
                RedirectTarget::File(_, word) => {
                    let _ = self.expand_single(word);
                }
                RedirectTarget::HereDoc(doc) if reads_stdin => {
                    let text = self.expand_heredoc(doc.body());
                    stdin = Stdin::Text {
                        text: Rc::new(text),
                        via: VIA_HEREDOC.to_owned(),
                    };
                }
                RedirectTarget::HereString(word) if reads_stdin => {
                    let mut text = self.expand_single(word);
                    text.push_char('\n');
                    stdin = Stdin::Text {
                        text: Rc::new(text),
                        via: VIA_HERE_STRING.to_owned(),
                    };
                }
                RedirectTarget::HereDoc(_) | RedirectTarget::HereString(_) => {}
            }
        }
        stdin
    }

    fn simple(&mut self, cmd: &SimpleCommand, stdin: Stdin) -> Stdin {
        let own_stdin = self.redirects(&cmd.redirects, Stdin::None);
        let stdin = if own_stdin == Stdin::None {
            stdin
        } else {
            own_stdin
        };

        let mut env = Vec::new();
        for assignment in &cmd.assignments {
            if let Some((name, value)) = self.assignment(assignment) {
                env.push((name, value));
            }
        }
        let mut argv = Vec::new();
        let mut argv_bytes = 0usize;
        let mut declarations = Vec::new();
        for argument in &cmd.arguments {
            match argument {
                Argument::Word(word) => {
                    if argv.len() >= MAX_FIELDS || argv_bytes >= MAX_ARGV_BYTES {
                        self.sink.truncated();
                        continue;
                    }
                    for f in self.expand_fields(word) {
                        argv_bytes += f.as_str().len();
                        argv.push(f);
                    }
                }
                Argument::Assignment(assignment) => declarations.push(assignment),
            }
        }

        if argv.is_empty() {
            for (name, value) in env {
                self.state.vars.insert(name, value);
            }
            return Stdin::None;
        }
        if DECLARATION_BUILTINS.contains(&argv[0].as_str()) {
            for assignment in declarations {
                if let Some((name, value)) = self.assignment(assignment) {
                    self.state.vars.insert(name, value);
                }
            }
        }
        if self.builtin(&argv, &stdin) {
            return Stdin::None;
        }
        if self.state.functions.contains_key(argv[0].as_str()) {
            let name = argv[0].as_str().to_owned();
            self.call_function(&name, Some(argv[1..].to_vec()), &stdin);
            return unknown_output(&name);
        }
        let simple = SimpleCmd { argv, env, stdin };
        self.sink.command(&simple, &self.state, self.depth);
        self.output(&simple)
    }

    /// Performs an assignment to an array or an array element; answers a scalar assignment
    /// as `(name, value)` for the caller to apply (now, or for one command).
    fn assignment(&mut self, a: &Assignment) -> Option<(String, Field)> {
        match (&a.value, &a.subscript) {
            (AssignedValue::Scalar(word), None) => {
                let value = self.expand_single(word);
                let value = if a.append {
                    let mut v = self.state.vars.get(&a.name).cloned().unwrap_or_default();
                    v.append(&value);
                    v
                } else {
                    value
                };
                Some((a.name.clone(), value))
            }
            (AssignedValue::Scalar(word), Some(subscript)) => {
                let index = self.expand_single(subscript);
                let value = self.expand_single(word);
                self.set_element(&a.name, &index, value, a.append);
                None
            }
            (AssignedValue::Array(elements), _) => {
                let mut items = if a.append {
                    self.state
                        .vars
                        .get_array(&a.name)
                        .map(<[Field]>::to_vec)
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                let mut known = a.subscript.is_none()
                    && (!a.append || self.state.vars.get_array(&a.name).is_some());
                for element in elements {
                    if let Some(key) = &element.key {
                        // `[key]=value`: where it lands is not followed.
                        let _ = self.expand_single(key);
                        let _ = self.expand_single(&element.value);
                        known = false;
                        continue;
                    }
                    for f in self.expand_fields(&element.value) {
                        items.extend(self.glob(f));
                    }
                }
                if known {
                    self.state.vars.insert_array(a.name.clone(), items);
                } else {
                    self.state.vars.remove(&a.name);
                }
                None
            }
        }
    }

    /// `name[index]=value`: sets an element of a known array at a known index.
    fn set_element(&mut self, name: &str, index: &Field, value: Field, append: bool) {
        let position = (!index.has_unknown())
            .then(|| index.as_str().trim().parse::<usize>().ok())
            .flatten();
        let items = self.state.vars.get_array(name).map(<[Field]>::to_vec);
        match (position, items) {
            (Some(position), Some(mut items)) if position <= items.len() => {
                if position == items.len() {
                    items.push(value);
                } else if append {
                    items[position].append(&value);
                } else {
                    items[position] = value;
                }
                self.state.vars.insert_array(name.to_owned(), items);
            }
            (Some(0), None) => self.state.vars.insert_array(name.to_owned(), vec![value]),
            _ => self.state.vars.remove(name),
        }
    }

    /// Builtins that change the walker's state. Returns whether `argv` was one.
    fn builtin(&mut self, argv: &[Field], stdin: &Stdin) -> bool {
        let name = argv[0].as_str();
        let args = &argv[1..];
        match name {
            "." | "source" => {
                if let Some(path) = args.first() {
                    self.source(path, &args[1..], stdin);
                }
            }
            "export" | "readonly" | "local" | "declare" | "typeset" => {
                // Assignments written as words (`export "A=$B"`); the others were applied.
                for a in args {
                    if let Some((n, _)) = a.as_str().split_once('=')
                        && is_name(n)
                    {
                        self.state.vars.insert(n.to_owned(), a.tail(n.len() + 1));
                    }
                }
            }
            "unset" => {
                for a in args.iter().filter(|a| !a.as_str().starts_with('-')) {
                    self.state.vars.remove(a.as_str());
                    self.state.functions.remove(a.as_str());
                }
            }
            "read" | "mapfile" | "readarray" | "getopts" => {
                for a in args.iter().filter(|a| is_name(a.as_str())) {
                    self.state.vars.remove(a.as_str());
                }
            }
            "cd" | "pushd" => {
                self.state.cwd = match args.iter().find(|a| !a.as_str().starts_with('-')) {
                    Some(dir) if !dir.has_unknown() => {
                        Some(normalize_path(dir.as_str(), self.state.cwd.as_deref()))
                            .filter(|d| d.starts_with('/'))
                    }
                    _ => None,
                };
            }
            "shift" => {
                let n = args
                    .first()
                    .and_then(|a| a.as_str().parse::<usize>().ok())
                    .unwrap_or(1);
                if let Some(p) = &mut self.state.positionals {
                    let p = Rc::make_mut(p);
                    p.drain(..n.min(p.len()));
                }
            }
            "set" => {
                if let Some(i) = args.iter().position(|a| a.as_str() == "--") {
                    self.state.positionals = Some(Rc::new(args[i + 1..].to_vec()));
                }
            }
            "eval" => {
                let mut text = Field::default();
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        text.push_char(' ');
                    }
                    text.append(a);
                }
                if self.enter_script() {
                    let outer = Rc::clone(&self.source);
                    self.run_nested(text.as_str(), stdin);
                    self.source = outer;
                    self.leave_script();
                }
            }
            _ => return false,
        }
        true
    }

    fn source(&mut self, path: &Field, args: &[Field], stdin: &Stdin) {
        if path.has_unknown() {
            return;
        }
        let path = normalize_path(path.as_str(), self.state.cwd.as_deref());
        match self.sink.read(&path) {
            Resolution::Resolved(text) => {
                if !self.enter_script() {
                    return;
                }
                let saved_script = self.state.script.replace(path);
                let saved_positionals = if args.is_empty() {
                    None
                } else {
                    Some(self.state.positionals.replace(Rc::new(args.to_vec())))
                };
                self.run_nested(&text, stdin);
                self.state.script = saved_script;
                if let Some(p) = saved_positionals {
                    self.state.positionals = p;
                }
                self.leave_script();
            }
            Resolution::Opaque => self.sink.opaque_script(&path, &self.state),
            Resolution::NotFound => {}
        }
    }

    /// Walks a function body once, at its first call (or at the end, if never called).
    fn call_function(&mut self, name: &str, args: Option<Vec<Field>>, stdin: &Stdin) {
        if self.state.walked_functions.contains(name) {
            return;
        }
        let Some(function) = self.state.functions.get(name).cloned() else {
            return;
        };
        self.state.walked_functions.insert(name.to_owned());
        if !self.enter_level() {
            return;
        }
        let saved = std::mem::replace(&mut self.state.positionals, args.map(Rc::new));
        let saved_script = std::mem::replace(&mut self.state.script, function.script.clone());
        let outer = std::mem::replace(&mut self.source, Rc::clone(&function.source));
        let body = &function.definition.body;
        let stdin = self.redirects(&body.redirects, stdin.clone());
        self.compound(&body.kind, &stdin);
        self.source = outer;
        self.state.positionals = saved;
        self.state.script = saved_script;
        self.leave_level();
    }

    /// `${name[@]}`-style subscripts a lookup understands: the whole array or a known index.
    pub(super) fn element(&mut self, name: &str, subscript: &Subscript) -> Option<Vec<Field>> {
        let items = self.state.vars.get_array(name).map(<[Field]>::to_vec);
        match subscript {
            Subscript::At | Subscript::Star => items,
            Subscript::Index(word) => {
                let index = self.expand_single(word);
                let position = (!index.has_unknown())
                    .then(|| index.as_str().trim().parse::<usize>().ok())
                    .flatten()?;
                let items = items?;
                Some(vec![items.get(position).cloned().unwrap_or_default()])
            }
        }
    }

    /// Expands a glob in the last path component through the resolver's listing.
    pub(super) fn glob(&mut self, field: Field) -> Vec<Field> {
        let text = field.as_str();
        if field.has_unknown() || !text.contains(['*', '?']) {
            return vec![field];
        }
        let path = normalize_path(text, self.state.cwd.as_deref());
        let (dir, pattern) = match path.rsplit_once('/') {
            Some((dir, pattern)) if !dir.contains(['*', '?']) => {
                (dir.to_owned(), pattern.to_owned())
            }
            _ => return vec![Field::unknown(text)],
        };
        match self.sink.list(if dir.is_empty() { "/" } else { &dir }) {
            Some(mut entries) => {
                entries.sort();
                entries
                    .into_iter()
                    .filter(|e| super::output::glob_match(&pattern, basename(e)))
                    .take(MAX_FIELDS)
                    .map(|e| Field::known(&e))
                    .collect()
            }
            None => vec![Field::unknown(text)],
        }
    }
}

/// The standard output of a program the walker does not know.
pub(super) fn unknown_output(what: &str) -> Stdin {
    Stdin::Unknown {
        via: pipe_from(what),
    }
}

/// `via` of what a pipe from `what` carries. Joined, not `format!`ted: the walker builds one
/// for most pipelines and substitutions, and the formatting machinery costs several times the
/// copy.
pub(super) fn pipe_from(what: &str) -> String {
    [super::VIA_PIPE_FROM, what].join(" ")
}
