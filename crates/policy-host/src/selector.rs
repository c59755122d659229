//! Kubernetes label and field selectors, in their string syntax.
//!
//! policy-server hands the `label_selector` / `field_selector` strings of a list request to the
//! Kubernetes API server, so their meaning is the API server's (k8s.io/apimachinery `labels.Parse`
//! and `fields.ParseSelector`). This module implements that meaning for the in-memory store:
//!
//! - labels: `a=b`, `a==b`, `a!=b` (also true when `a` is absent), `a in (x,y)`, `a notin (x)`
//!   (also true when `a` is absent), `a` (exists), `!a` (does not exist), `a>1`, `a<1`
//!   (integer comparisons); a comma is a logical AND; the empty selector selects everything.
//! - fields: `path=value`, `path==value`, `path!=value`, comma = AND, `\` escapes `,`, `=`, `!`
//!   and `\` in values. The API server only supports `metadata.name`, `metadata.namespace` and a
//!   few per-kind fields; here any dotted path works, a missing field compares as the empty
//!   string.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

/// A selector string that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} selector {selector:?}: {reason}")]
pub struct SelectorError {
    /// `label` or `field`.
    pub kind: &'static str,
    /// The selector as given.
    pub selector: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A parsed label selector: a conjunction of requirements.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    requirements: Vec<LabelRequirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelRequirement {
    Exists(String),
    DoesNotExist(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    GreaterThan(String, i64),
    LessThan(String, i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Not,
    NotEquals,
    Equals,
    DoubleEquals,
    Open,
    Close,
    Comma,
    Greater,
    Less,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) => write!(f, "'{s}'"),
            Token::Not => f.write_str("'!'"),
            Token::NotEquals => f.write_str("'!='"),
            Token::Equals => f.write_str("'='"),
            Token::DoubleEquals => f.write_str("'=='"),
            Token::Open => f.write_str("'('"),
            Token::Close => f.write_str("')'"),
            Token::Comma => f.write_str("','"),
            Token::Greater => f.write_str("'>'"),
            Token::Less => f.write_str("'<'"),
        }
    }
}

fn lex(input: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '!' | '=' => {
                chars.next();
                let double = chars.next_if_eq(&'=').is_some();
                tokens.push(match (c, double) {
                    ('!', true) => Token::NotEquals,
                    ('!', false) => Token::Not,
                    ('=', true) => Token::DoubleEquals,
                    _ => Token::Equals,
                });
            }
            '(' | ')' | ',' | '>' | '<' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    ',' => Token::Comma,
                    '>' => Token::Greater,
                    _ => Token::Less,
                });
            }
            _ => {
                let mut ident = String::new();
                while let Some(c) = chars.next_if(|c| !c.is_whitespace() && !"!=(),<>".contains(*c))
                {
                    ident.push(c);
                }
                tokens.push(Token::Ident(ident));
            }
        }
    }
    tokens
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_value(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

struct LabelParser {
    tokens: std::iter::Peekable<std::vec::IntoIter<Token>>,
}

impl LabelParser {
    fn key(&mut self) -> Result<String, String> {
        match self.tokens.next() {
            Some(Token::Ident(key)) if valid_key(&key) => Ok(key),
            Some(Token::Ident(key)) => Err(format!("invalid label key '{key}'")),
            Some(other) => Err(format!("expected a label key, found {other}")),
            None => Err("expected a label key, found the end of the selector".to_owned()),
        }
    }

    /// An optional value: `a=` selects the empty value.
    fn value(&mut self) -> Result<String, String> {
        match self.tokens.peek() {
            Some(Token::Comma) | None => return Ok(String::new()),
            Some(Token::Ident(_)) => {}
            Some(other) => return Err(format!("expected a label value, found {other}")),
        }
        match self.tokens.next() {
            Some(Token::Ident(value)) if valid_value(&value) => Ok(value),
            Some(Token::Ident(value)) => Err(format!("invalid label value '{value}'")),
            _ => Err("expected a label value".to_owned()),
        }
    }

    fn integer(&mut self) -> Result<i64, String> {
        match self.tokens.next() {
            Some(Token::Ident(value)) => value
                .parse()
                .map_err(|_| format!("'{value}' is not an integer")),
            Some(other) => Err(format!("expected an integer, found {other}")),
            None => Err("expected an integer, found the end of the selector".to_owned()),
        }
    }

    fn set(&mut self) -> Result<Vec<String>, String> {
        match self.tokens.next() {
            Some(Token::Open) => {}
            Some(other) => return Err(format!("expected '(', found {other}")),
            None => return Err("expected '(', found the end of the selector".to_owned()),
        }
        let mut values = Vec::new();
        loop {
            if self.tokens.next_if_eq(&Token::Close).is_some() {
                return Ok(values);
            }
            match self.tokens.next() {
                Some(Token::Ident(value)) if valid_value(&value) => values.push(value),
                Some(Token::Ident(value)) => return Err(format!("invalid label value '{value}'")),
                Some(other) => return Err(format!("expected a value in the set, found {other}")),
                None => return Err("unterminated set: expected ')'".to_owned()),
            }
            match self.tokens.next() {
                Some(Token::Comma) => {}
                Some(Token::Close) => return Ok(values),
                Some(other) => return Err(format!("expected ',' or ')', found {other}")),
                None => return Err("unterminated set: expected ')'".to_owned()),
            }
        }
    }

    fn requirement(&mut self) -> Result<LabelRequirement, String> {
        if self.tokens.next_if_eq(&Token::Not).is_some() {
            return Ok(LabelRequirement::DoesNotExist(self.key()?));
        }
        let key = self.key()?;
        let requirement = match self.tokens.peek() {
            None | Some(Token::Comma) => LabelRequirement::Exists(key),
            Some(Token::Equals | Token::DoubleEquals) => {
                self.tokens.next();
                LabelRequirement::In(key, vec![self.value()?])
            }
            Some(Token::NotEquals) => {
                self.tokens.next();
                LabelRequirement::NotIn(key, vec![self.value()?])
            }
            Some(Token::Greater) => {
                self.tokens.next();
                LabelRequirement::GreaterThan(key, self.integer()?)
            }
            Some(Token::Less) => {
                self.tokens.next();
                LabelRequirement::LessThan(key, self.integer()?)
            }
            Some(Token::Ident(op)) if op == "in" => {
                self.tokens.next();
                LabelRequirement::In(key, self.set()?)
            }
            Some(Token::Ident(op)) if op == "notin" => {
                self.tokens.next();
                LabelRequirement::NotIn(key, self.set()?)
            }
            Some(other) => return Err(format!("unexpected {other} after label key '{key}'")),
        };
        Ok(requirement)
    }
}

impl LabelSelector {
    /// Parses the Kubernetes label selector syntax.
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        let error = |reason: String| SelectorError {
            kind: "label",
            selector: selector.to_owned(),
            reason,
        };
        let mut parser = LabelParser {
            tokens: lex(selector).into_iter().peekable(),
        };
        let mut requirements = Vec::new();
        if parser.tokens.peek().is_none() {
            return Ok(Self { requirements });
        }
        loop {
            requirements.push(parser.requirement().map_err(error)?);
            match parser.tokens.next() {
                None => return Ok(Self { requirements }),
                Some(Token::Comma) => {}
                Some(other) => return Err(error(format!("expected ',' found {other}"))),
            }
        }
    }

    /// Whether the labels satisfy every requirement.
    #[must_use]
    pub fn matches(&self, labels: Option<&serde_json::Map<String, Value>>) -> bool {
        let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        self.requirements
            .iter()
            .all(|requirement| match requirement {
                LabelRequirement::Exists(key) => label(key).is_some(),
                LabelRequirement::DoesNotExist(key) => label(key).is_none(),
                LabelRequirement::In(key, values) => {
                    label(key).is_some_and(|v| values.iter().any(|x| x == v))
                }
                LabelRequirement::NotIn(key, values) => {
                    label(key).is_none_or(|v| values.iter().all(|x| x != v))
                }
                LabelRequirement::GreaterThan(key, n) => label(key)
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|v| v > *n),
                LabelRequirement::LessThan(key, n) => label(key)
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|v| v < *n),
            })
    }

    /// Whether the object's `metadata.labels` satisfy the selector.
    #[must_use]
    pub fn matches_object(&self, object: &Value) -> bool {
        self.matches(
            object
                .pointer("/metadata/labels")
                .and_then(Value::as_object),
        )
    }
}

/// A parsed field selector: a conjunction of `path (=|==|!=) value` terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldTerm {
    path: String,
    equals: bool,
    value: String,
}

impl FieldSelector {
    /// Parses the Kubernetes field selector syntax.
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        let error = |reason: String| SelectorError {
            kind: "field",
            selector: selector.to_owned(),
            reason,
        };
        let mut terms = Vec::new();
        if selector.trim().is_empty() {
            return Ok(Self { terms });
        }
        for raw in split_unescaped(selector, ',') {
            terms.push(parse_field_term(&raw).map_err(error)?);
        }
        Ok(Self { terms })
    }

    /// Whether the object satisfies every term.
    #[must_use]
    pub fn matches_object(&self, object: &Value) -> bool {
        self.terms.iter().all(|term| {
            let actual = field_as_string(object, &term.path);
            (actual == term.value) == term.equals
        })
    }
}

/// Splits on `separator` where it is not escaped with a backslash; escapes are kept.
fn split_unescaped(input: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in input.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            current.push(c);
            escaped = true;
        } else if c == separator {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

fn parse_field_term(raw: &str) -> Result<FieldTerm, String> {
    let mut chars = raw.char_indices().peekable();
    let mut escaped = false;
    while let Some((i, c)) = chars.next() {
        if escaped {
            escaped = false;
            continue;
        }
        let (equals, op_len) = match c {
            '\\' => {
                escaped = true;
                continue;
            }
            '!' if chars.peek().is_some_and(|&(_, n)| n == '=') => (false, 2),
            '=' if chars.peek().is_some_and(|&(_, n)| n == '=') => (true, 2),
            '=' => (true, 1),
            _ => continue,
        };
        let path = raw[..i].trim();
        if path.is_empty() {
            return Err(format!("missing field path in '{raw}'"));
        }
        let value = unescape(raw[i + op_len..].trim())?;
        return Ok(FieldTerm {
            path: path.to_owned(),
            equals,
            value,
        });
    }
    Err(format!(
        "'{raw}' is not a 'field=value', 'field==value' or 'field!=value' term"
    ))
}

fn unescape(value: &str) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(e @ ('\\' | ',' | '=' | '!')) => out.push(e),
            Some(e) => return Err(format!("invalid escape sequence '\\{e}'")),
            None => return Err("dangling '\\' at the end of a value".to_owned()),
        }
    }
    Ok(out)
}

/// The value of a dotted path, rendered like the API server does for field selectors.
fn field_as_string(object: &Value, path: &str) -> String {
    let mut current = object;
    for part in path.split('.') {
        match current.get(part) {
            Some(next) => current = next,
            None => return String::new(),
        }
    }
    match current {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Field masks: keep only the listed dotted paths of an object.
///
/// As in policy-server (`callback_handler/kubernetes/field_mask.rs` and `reflector.rs`), the masks
/// apply to the object's *data*: `apiVersion`, `kind` and the whole of `metadata` are always kept
/// (policy-server prunes `kube::DynamicObject::data`, which excludes them). Arrays are transparent
/// (`spec.containers.image` keeps `image` in every container). One deliberate difference: when
/// both `spec` and `spec.containers` are listed, the whole `spec` is kept (policy-server would
/// keep only `spec.containers`); asking for a field is asking for all of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMask {
    children: BTreeMap<String, FieldMask>,
    keep_all: bool,
}

/// Top-level fields a field mask never removes.
const ALWAYS_KEPT: [&str; 3] = ["apiVersion", "kind", "metadata"];

impl FieldMask {
    /// Builds the mask tree from dotted paths.
    pub fn new<I, S>(paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut root = Self::default();
        for path in paths {
            let mut node = &mut root;
            for part in path.as_ref().split('.') {
                node = node.children.entry(part.to_owned()).or_default();
            }
            node.keep_all = true;
        }
        root
    }

    /// Whether the mask keeps nothing but the always-kept fields... or everything: an empty mask
    /// means "no mask", as the SDK documents.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// Applies the mask to a Kubernetes object (see the type documentation).
    pub fn apply(&self, object: &mut Value) {
        if self.is_empty() {
            return;
        }
        if let Value::Object(map) = object {
            map.retain(|key, value| {
                if ALWAYS_KEPT.contains(&key.as_str()) {
                    return true;
                }
                match self.children.get(key) {
                    Some(child) => {
                        child.prune(value);
                        true
                    }
                    None => false,
                }
            });
        }
    }

    fn prune(&self, value: &mut Value) {
        if self.keep_all {
            return;
        }
        match value {
            Value::Object(map) => map.retain(|key, value| match self.children.get(key) {
                Some(child) => {
                    child.prune(value);
                    true
                }
                None => false,
            }),
            Value::Array(items) => items.iter_mut().for_each(|item| self.prune(item)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    fn labels(value: Value) -> Value {
        json!({"metadata": {"labels": value}})
    }

    #[rstest]
    #[case::empty("", json!({}), true)]
    #[case::equals("app=web", json!({"app": "web"}), true)]
    #[case::equals_other("app=web", json!({"app": "db"}), false)]
    #[case::double_equals("app==web", json!({"app": "web"}), true)]
    #[case::not_equals("app!=web", json!({"app": "db"}), true)]
    #[case::not_equals_absent("app!=web", json!({}), true)]
    #[case::not_equals_same("app!=web", json!({"app": "web"}), false)]
    #[case::in_set("tier in (a, b)", json!({"tier": "b"}), true)]
    #[case::in_set_absent("tier in (a,b)", json!({}), false)]
    #[case::notin_set("tier notin (a,b)", json!({"tier": "c"}), true)]
    #[case::notin_set_absent("tier notin (a,b)", json!({}), true)]
    #[case::notin_member("tier notin (a,b)", json!({"tier": "a"}), false)]
    #[case::exists("app", json!({"app": ""}), true)]
    #[case::exists_absent("app", json!({}), false)]
    #[case::not_exists("!app", json!({}), true)]
    #[case::not_exists_present("!app", json!({"app": "x"}), false)]
    #[case::and("app=web,tier in (fe),!legacy", json!({"app": "web", "tier": "fe"}), true)]
    #[case::and_fails("app=web,!legacy", json!({"app": "web", "legacy": "1"}), false)]
    #[case::empty_value("app=", json!({"app": ""}), true)]
    #[case::prefixed_key("app.kubernetes.io/name=pg", json!({"app.kubernetes.io/name": "pg"}), true)]
    #[case::greater("replicas>2", json!({"replicas": "3"}), true)]
    #[case::less("replicas<2", json!({"replicas": "3"}), false)]
    fn label_selector_matches(
        #[case] selector: &str,
        #[case] object_labels: Value,
        #[case] expected: bool,
    ) {
        let parsed = LabelSelector::parse(selector).expect("valid selector");
        assert_eq!(
            parsed.matches_object(&labels(object_labels)),
            expected,
            "{selector}"
        );
    }

    #[rstest]
    #[case::dangling_comma("app=web,", "expected a label key")]
    #[case::unterminated_set("a in (x", "unterminated set")]
    #[case::missing_paren("a in x", "expected '('")]
    #[case::bad_operator("a = = b", "expected a label value")]
    #[case::non_integer("a > x", "is not an integer")]
    #[case::bad_value("a=b c", "expected ','")]
    fn label_selector_errors(#[case] selector: &str, #[case] reason: &str) {
        let error = LabelSelector::parse(selector).expect_err("invalid selector");
        assert!(error.to_string().contains(reason), "{selector}: {error}");
        assert!(
            error.to_string().starts_with("invalid label selector"),
            "{error}"
        );
    }

    #[rstest]
    #[case::name("metadata.name=a", true)]
    #[case::name_double("metadata.name==a", true)]
    #[case::name_other("metadata.name=b", false)]
    #[case::not_name("metadata.name!=b", true)]
    #[case::namespace_and_name("metadata.namespace=ns,metadata.name=a", true)]
    #[case::nested("status.phase=Running", true)]
    #[case::missing_is_empty("spec.nodeName=", true)]
    #[case::escaped_comma(r"metadata.annotations.note=x\,y", true)]
    #[case::empty("", true)]
    fn field_selector_matches(#[case] selector: &str, #[case] expected: bool) {
        let object = json!({
            "metadata": {"name": "a", "namespace": "ns", "annotations": {"note": "x,y"}},
            "status": {"phase": "Running"},
        });
        let parsed = FieldSelector::parse(selector).expect("valid selector");
        assert_eq!(parsed.matches_object(&object), expected, "{selector}");
    }

    #[rstest]
    #[case::no_operator("metadata.name")]
    #[case::no_path("=a")]
    #[case::bad_escape(r"metadata.name=a\b")]
    fn field_selector_errors(#[case] selector: &str) {
        let error = FieldSelector::parse(selector).expect_err("invalid selector");
        assert!(
            error.to_string().starts_with("invalid field selector"),
            "{error}"
        );
    }

    #[test]
    fn field_mask_keeps_type_metadata_and_listed_paths() {
        let mut object = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "labels": {"a": "b"}},
            "spec": {
                "containers": [
                    {"name": "c1", "image": "i1", "ports": [1]},
                    {"name": "c2", "image": "i2"}
                ],
                "nodeName": "n"
            },
            "status": {"phase": "Running"}
        });
        FieldMask::new(["spec.containers.image"]).apply(&mut object);
        assert_eq!(
            object,
            json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p", "namespace": "ns", "labels": {"a": "b"}},
                "spec": {"containers": [{"image": "i1"}, {"image": "i2"}]}
            })
        );
    }

    #[test]
    fn field_mask_parent_path_keeps_whole_subtree_and_empty_mask_keeps_all() {
        let original = json!({"kind": "X", "spec": {"a": 1, "b": {"c": 2}}, "status": {}});
        let mut object = original.clone();
        FieldMask::new(["spec", "spec.b"]).apply(&mut object);
        assert_eq!(
            object,
            json!({"kind": "X", "spec": {"a": 1, "b": {"c": 2}}})
        );

        let mut object = original.clone();
        FieldMask::new(Vec::<String>::new()).apply(&mut object);
        assert_eq!(object, original);
    }
}
