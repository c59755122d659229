//! Kubernetes label selectors and NetworkPolicy coverage.
//!
//! - [`LabelSelector`]: the `metav1.LabelSelector` object (`matchLabels`,
//!   `matchExpressions`), converted and matched like `metav1.LabelSelectorAsSelector`.
//! - [`Selector`]: the string syntax of the API's `labelSelector` query
//!   (`a=b,c!=d,e in (x,y),f notin (z),g,!h`), parsed like apimachinery's `labels.Parse`,
//!   with the same syntax error texts.
//! - [`NetworkPolicyCoverage`]: which NetworkPolicies of a namespace select a pod, and which
//!   policy types (`Ingress`, `Egress`) they cover together.
//! - [`minimal_network_policy_yaml`]: a NetworkPolicy that would select given pod labels,
//!   shown in rejection messages.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Labels of an object, sorted by key.
pub type Labels = BTreeMap<String, String>;

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

/// `In`/`NotIn` without values (apimachinery's wording).
pub const MSG_IN_NOTIN_NEEDS_VALUES: &str =
    "for 'in', 'notin' operators, values set can't be empty";
/// `Exists`/`DoesNotExist` with values (apimachinery's wording).
pub const MSG_EXISTS_TAKES_NO_VALUES: &str =
    "values set must be empty for exists and does not exist";
/// `=`, `==`, `!=` with other than one value (apimachinery's wording).
pub const MSG_EXACT_MATCH_ONE_VALUE: &str = "exact-match compatibility requires one single value";
/// `>`, `<` with other than one value (apimachinery's wording).
pub const MSG_GT_LT_ONE_VALUE: &str = "for 'Gt', 'Lt' operators, exactly one value is required";
/// `>`, `<` with a value that is not an integer (apimachinery's wording).
pub const MSG_GT_LT_INTEGER: &str = "for 'Gt', 'Lt' operators, the value must be an integer";
/// The operators a `matchExpressions` entry accepts.
pub const VALID_EXPRESSION_OPERATORS: &str = "In, NotIn, Exists, DoesNotExist";
/// Label key with more than one `/`.
pub const MSG_KEY_TOO_MANY_SLASHES: &str = "a qualified name is a name with an optional DNS subdomain prefix and one '/' (e.g. 'example.com/MyName')";
/// Label key with an empty prefix (`/name`).
pub const MSG_KEY_PREFIX_EMPTY: &str = "prefix part must be non-empty";
/// Label key prefix longer than a DNS subdomain.
pub const MSG_KEY_PREFIX_TOO_LONG: &str = "prefix part must be no more than 253 characters";
/// Label key prefix that is not a DNS subdomain.
pub const MSG_KEY_PREFIX_INVALID: &str = "prefix part must be a lowercase RFC 1123 subdomain: lowercase alphanumeric characters, '-' or '.', each part starting and ending with an alphanumeric character";
/// Label key with an empty name.
pub const MSG_KEY_NAME_EMPTY: &str = "name part must be non-empty";
/// Label key name longer than 63 characters.
pub const MSG_KEY_NAME_TOO_LONG: &str = "name part must be no more than 63 characters";
/// Label key name with forbidden characters.
pub const MSG_KEY_NAME_INVALID: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
/// Label value longer than 63 characters.
pub const MSG_VALUE_TOO_LONG: &str = "must be no more than 63 characters";
/// Label value with forbidden characters.
pub const MSG_VALUE_INVALID: &str = "a valid label value must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
/// Name used for a NetworkPolicy without `metadata.name`.
pub const UNNAMED_POLICY: &str = "<unnamed>";
/// The NetworkPolicy kind.
pub const NETWORK_POLICY_KIND: &str = "NetworkPolicy";
/// The API group of the Kubernetes NetworkPolicy (not Calico's or Cilium's look-alikes).
pub const NETWORK_POLICY_GROUP: &str = "networking.k8s.io";
/// The apiVersion written in generated NetworkPolicies.
pub const NETWORK_POLICY_API_VERSION: &str = "networking.k8s.io/v1";
/// Suffix of the name of a generated NetworkPolicy.
pub const GENERATED_POLICY_NAME_SUFFIX: &str = "default";

/// The longest label key name and label value.
const MAX_NAME_LEN: usize = 63;
/// The longest DNS subdomain.
const MAX_SUBDOMAIN_LEN: usize = 253;
/// Plain YAML words that would not read back as strings.
const YAML_RESERVED_WORDS: [&str; 9] =
    ["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
/// The operators named in the string syntax's "expected" message.
const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// Why a label selector is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// A string selector that does not parse; `message` is apimachinery's text.
    #[error("invalid label selector {selector:?}: {message}")]
    Syntax {
        /// The selector string.
        selector: String,
        /// What was found and what was expected.
        message: String,
    },
    /// A selector object of the wrong shape (for example a number where a map belongs).
    #[error("malformed label selector: {message}")]
    Malformed {
        /// The decoding error.
        message: String,
    },
    /// A `matchExpressions` operator other than In, NotIn, Exists, DoesNotExist.
    #[error(
        "invalid label selector requirement on key {key:?}: {operator:?} is not a valid label selector operator (expected one of {})",
        VALID_EXPRESSION_OPERATORS
    )]
    UnknownOperator {
        /// The requirement's key.
        key: String,
        /// The operator as written.
        operator: String,
    },
    /// Values that do not suit the operator.
    #[error("invalid label selector requirement on key {key:?}: {reason}")]
    InvalidRequirement {
        /// The requirement's key.
        key: String,
        /// One of the `MSG_*` constants.
        reason: &'static str,
    },
    /// A key that is not a qualified name.
    #[error("invalid label key {key:?}: {reason}")]
    InvalidKey {
        /// The key.
        key: String,
        /// One of the `MSG_KEY_*` constants.
        reason: &'static str,
    },
    /// A value that is not a label value.
    #[error("invalid label value {value:?} for key {key:?}: {reason}")]
    InvalidValue {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// One of the `MSG_VALUE_*` constants.
        reason: &'static str,
    },
}

// ---------------------------------------------------------------------------------------
// Requirements and selectors
// ---------------------------------------------------------------------------------------

/// A selector operator (`selection.Operator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operator {
    /// Key present and value in the set.
    In,
    /// Key absent, or value not in the set.
    NotIn,
    /// Key present.
    Exists,
    /// Key absent.
    DoesNotExist,
    /// `=`: key present and value equal.
    Equals,
    /// `==`: the same as `=`.
    DoubleEquals,
    /// `!=`: key absent, or value different.
    NotEquals,
    /// `>`: key present and its integer value greater.
    GreaterThan,
    /// `<`: key present and its integer value smaller.
    LessThan,
}

impl Operator {
    /// The operator of a `matchExpressions` entry (`In`, `NotIn`, `Exists`, `DoesNotExist`).
    pub fn from_expression(operator: &str) -> Option<Self> {
        match operator {
            "In" => Some(Self::In),
            "NotIn" => Some(Self::NotIn),
            "Exists" => Some(Self::Exists),
            "DoesNotExist" => Some(Self::DoesNotExist),
            _ => None,
        }
    }
}

/// One validated condition on a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: BTreeSet<String>,
}

impl Requirement {
    /// Validates like apimachinery's `labels.NewRequirement`: the key is a qualified name,
    /// the number of values suits the operator, and every value is a label value.
    pub fn new<I, S>(key: &str, operator: Operator, values: I) -> Result<Self, SelectorError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        validate_label_key(key)?;
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        let reason = match operator {
            Operator::In | Operator::NotIn if values.is_empty() => Some(MSG_IN_NOTIN_NEEDS_VALUES),
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                Some(MSG_EXISTS_TAKES_NO_VALUES)
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals
                if values.len() != 1 =>
            {
                Some(MSG_EXACT_MATCH_ONE_VALUE)
            }
            Operator::GreaterThan | Operator::LessThan if values.len() != 1 => {
                Some(MSG_GT_LT_ONE_VALUE)
            }
            Operator::GreaterThan | Operator::LessThan if values[0].parse::<i64>().is_err() => {
                Some(MSG_GT_LT_INTEGER)
            }
            _ => None,
        };
        if let Some(reason) = reason {
            return Err(SelectorError::InvalidRequirement {
                key: key.to_owned(),
                reason,
            });
        }
        for value in &values {
            validate_label_value(key, value)?;
        }
        Ok(Self {
            key: key.to_owned(),
            operator,
            values: values.into_iter().collect(),
        })
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values, sorted and without duplicates.
    pub fn values(&self) -> &BTreeSet<String> {
        &self.values
    }

    /// Whether `labels` satisfy this requirement (`labels.Requirement.Matches`).
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                value.is_some_and(|v| self.values.contains(v))
            }
            Operator::NotIn | Operator::NotEquals => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let label = value.and_then(|v| v.parse::<i64>().ok());
                let bound = self.values.first().and_then(|v| v.parse::<i64>().ok());
                match (label, bound) {
                    (Some(label), Some(bound)) if self.operator == Operator::GreaterThan => {
                        label > bound
                    }
                    (Some(label), Some(bound)) => label < bound,
                    _ => false,
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    /// apimachinery's `Requirement.String()`: `!k`, `k`, `k=v`, `k in (a,b)`, `k>1` …
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let separator = match self.operator {
            Operator::Exists => return f.write_str(&self.key),
            Operator::DoesNotExist => return write!(f, "!{}", self.key),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
        };
        let values = self
            .values
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(",");
        match self.operator {
            Operator::In | Operator::NotIn => write!(f, "{}{separator}({values})", self.key),
            _ => write!(f, "{}{separator}{values}", self.key),
        }
    }
}

/// A conjunction of requirements; no requirement selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// The selector that matches every object.
    pub fn everything() -> Self {
        Self::default()
    }

    /// A selector of these requirements, kept sorted by key like apimachinery.
    pub fn new(mut requirements: Vec<Requirement>) -> Self {
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Self { requirements }
    }

    /// Parses the string syntax of the `labelSelector` query parameter (`labels.Parse`).
    /// The empty string selects everything.
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        Parser::new(selector)
            .parse()
            .map(Self::new)
            .map_err(|message| SelectorError::Syntax {
                selector: selector.to_owned(),
                message,
            })
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether this selector matches everything.
    pub fn is_everything(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

impl FromStr for Selector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Selector {
    /// apimachinery's canonical string form; it parses back to an equal selector.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// The string syntax
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    End,
    Identifier(&'a str),
    In,
    NotIn,
    Bang,
    Equals,
    DoubleEquals,
    NotEquals,
    GreaterThan,
    LessThan,
    OpenPar,
    ClosedPar,
    Comma,
}

impl<'a> Token<'a> {
    fn literal(self) -> &'a str {
        match self {
            Token::End => "",
            Token::Identifier(s) => s,
            Token::In => "in",
            Token::NotIn => "notin",
            Token::Bang => "!",
            Token::Equals => "=",
            Token::DoubleEquals => "==",
            Token::NotEquals => "!=",
            Token::GreaterThan => ">",
            Token::LessThan => "<",
            Token::OpenPar => "(",
            Token::ClosedPar => ")",
            Token::Comma => ",",
        }
    }
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special_symbol(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Splits a selector string into tokens, ending with [`Token::End`].
fn lex(input: &str) -> Vec<Token<'_>> {
    let bytes = input.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    loop {
        while bytes.get(pos).is_some_and(|b| is_whitespace(*b)) {
            pos += 1;
        }
        let Some(&first) = bytes.get(pos) else {
            tokens.push(Token::End);
            return tokens;
        };
        if is_special_symbol(first) {
            let (token, len) = match (first, bytes.get(pos + 1)) {
                (b'!', Some(b'=')) => (Token::NotEquals, 2),
                (b'=', Some(b'=')) => (Token::DoubleEquals, 2),
                (b'!', _) => (Token::Bang, 1),
                (b'=', _) => (Token::Equals, 1),
                (b'>', _) => (Token::GreaterThan, 1),
                (b'<', _) => (Token::LessThan, 1),
                (b'(', _) => (Token::OpenPar, 1),
                (b')', _) => (Token::ClosedPar, 1),
                _ => (Token::Comma, 1),
            };
            tokens.push(token);
            pos += len;
        } else {
            let start = pos;
            while bytes
                .get(pos)
                .is_some_and(|b| !is_whitespace(*b) && !is_special_symbol(*b))
            {
                pos += 1;
            }
            // Words end at ASCII bytes or at the end, so both are char boundaries.
            tokens.push(match &input[start..pos] {
                "in" => Token::In,
                "notin" => Token::NotIn,
                word => Token::Identifier(word),
            });
        }
    }
}

/// Where the parser is: keywords are operators only between a key and its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

/// A port of apimachinery's `labels.Parser`, with its error texts.
struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Self {
        Self {
            tokens: lex(input),
            pos: 0,
        }
    }

    fn lookahead(&self, context: Context) -> Token<'a> {
        let token = self.tokens.get(self.pos).copied().unwrap_or(Token::End);
        match (context, token) {
            (Context::Values, Token::In | Token::NotIn) => Token::Identifier(token.literal()),
            _ => token,
        }
    }

    fn consume(&mut self, context: Context) -> Token<'a> {
        let token = self.lookahead(context);
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut requirements = Vec::new();
        loop {
            match self.lookahead(Context::Values) {
                Token::Identifier(_) | Token::Bang => {
                    let requirement = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    requirements.push(requirement);
                    match self.consume(Context::Values) {
                        Token::End => return Ok(requirements),
                        Token::Comma => {
                            let next = self.lookahead(Context::Values);
                            if !matches!(next, Token::Identifier(_) | Token::Bang) {
                                return Err(format!(
                                    "found '{}', expected: identifier after ','",
                                    next.literal()
                                ));
                            }
                        }
                        other => {
                            return Err(format!(
                                "found '{}', expected: ',' or 'end of string'",
                                other.literal()
                            ));
                        }
                    }
                }
                Token::End => return Ok(requirements),
                other => {
                    return Err(format!(
                        "found '{}', expected: !, identifier, or 'end of string'",
                        other.literal()
                    ));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, operator) = self.parse_key_and_infer_operator()?;
        if let Some(operator) = operator {
            return Requirement::new(key, operator, Vec::<String>::new())
                .map_err(|e| e.to_string());
        }
        let operator = self.parse_operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::new(key, operator, values).map_err(|e| e.to_string())
    }

    /// Reads `[!]key`; infers `Exists`/`DoesNotExist` when no operator follows.
    fn parse_key_and_infer_operator(&mut self) -> Result<(&'a str, Option<Operator>), String> {
        let mut token = self.consume(Context::Values);
        let mut operator = None;
        if token == Token::Bang {
            operator = Some(Operator::DoesNotExist);
            token = self.consume(Context::Values);
        }
        let Token::Identifier(key) = token else {
            return Err(format!("found '{}', expected: identifier", token.literal()));
        };
        validate_label_key(key).map_err(|e| e.to_string())?;
        if operator.is_none()
            && matches!(self.lookahead(Context::Values), Token::End | Token::Comma)
        {
            operator = Some(Operator::Exists);
        }
        Ok((key, operator))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        match self.consume(Context::KeyAndOperator) {
            Token::In => Ok(Operator::In),
            Token::NotIn => Ok(Operator::NotIn),
            Token::Equals => Ok(Operator::Equals),
            Token::DoubleEquals => Ok(Operator::DoubleEquals),
            Token::NotEquals => Ok(Operator::NotEquals),
            Token::GreaterThan => Ok(Operator::GreaterThan),
            Token::LessThan => Ok(Operator::LessThan),
            other => Err(format!(
                "found '{}', expected: {BINARY_OPERATORS}",
                other.literal()
            )),
        }
    }

    /// Reads `(a,b,…)`; empty entries stand for the empty value.
    fn parse_values(&mut self) -> Result<Vec<&'a str>, String> {
        let token = self.consume(Context::Values);
        if token != Token::OpenPar {
            return Err(format!("found '{}' expected: '('", token.literal()));
        }
        let next = self.lookahead(Context::Values);
        match next {
            Token::Identifier(_) | Token::Comma => {
                let values = self.parse_identifiers_list()?;
                if self.consume(Context::Values) != Token::ClosedPar {
                    return Err(format!("found '{}', expected: ')'", next.literal()));
                }
                Ok(values)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(vec![""])
            }
            other => Err(format!(
                "found '{}', expected: ',', ')' or identifier",
                other.literal()
            )),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<Vec<&'a str>, String> {
        let mut values = Vec::new();
        loop {
            match self.consume(Context::Values) {
                Token::Identifier(value) => {
                    values.push(value);
                    match self.lookahead(Context::Values) {
                        Token::Comma => {}
                        Token::ClosedPar => return Ok(values),
                        other => {
                            return Err(format!(
                                "found '{}', expected: ',' or ')'",
                                other.literal()
                            ));
                        }
                    }
                }
                Token::Comma => {
                    if values.is_empty() {
                        values.push("");
                    }
                    match self.lookahead(Context::Values) {
                        Token::ClosedPar => {
                            values.push("");
                            return Ok(values);
                        }
                        Token::Comma => {
                            self.consume(Context::Values);
                            values.push("");
                        }
                        _ => {}
                    }
                }
                other => {
                    return Err(format!(
                        "found '{}', expected: ',', or identifier",
                        other.literal()
                    ));
                }
            }
        }
    }

    /// Reads the single value after `=`, `==`, `!=`, `>`, `<` (possibly empty).
    fn parse_exact_value(&mut self) -> Result<Vec<&'a str>, String> {
        if matches!(self.lookahead(Context::Values), Token::End | Token::Comma) {
            return Ok(vec![""]);
        }
        match self.consume(Context::Values) {
            Token::Identifier(value) => Ok(vec![value]),
            other => Err(format!("found '{}', expected: identifier", other.literal())),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Label key and value validation
// ---------------------------------------------------------------------------------------

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`
fn is_qualified_name_part(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// Lowercase RFC 1123 subdomain (length checked by the caller).
fn is_dns1123_subdomain(name: &str) -> bool {
    name.split('.').all(|label| {
        let bytes = label.as_bytes();
        let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                edge(first) && edge(last) && bytes.iter().all(|b| edge(b) || *b == b'-')
            }
            _ => false,
        }
    })
}

/// Validates a label key as a qualified name (`validation.IsQualifiedName`).
pub fn validate_label_key(key: &str) -> Result<(), SelectorError> {
    let invalid = |reason| {
        Err(SelectorError::InvalidKey {
            key: key.to_owned(),
            reason,
        })
    };
    let name = match key.split_once('/') {
        None => key,
        Some((_, name)) if name.contains('/') => return invalid(MSG_KEY_TOO_MANY_SLASHES),
        Some((prefix, name)) => {
            if prefix.is_empty() {
                return invalid(MSG_KEY_PREFIX_EMPTY);
            }
            if prefix.len() > MAX_SUBDOMAIN_LEN {
                return invalid(MSG_KEY_PREFIX_TOO_LONG);
            }
            if !is_dns1123_subdomain(prefix) {
                return invalid(MSG_KEY_PREFIX_INVALID);
            }
            name
        }
    };
    if name.is_empty() {
        return invalid(MSG_KEY_NAME_EMPTY);
    }
    if name.len() > MAX_NAME_LEN {
        return invalid(MSG_KEY_NAME_TOO_LONG);
    }
    if !is_qualified_name_part(name) {
        return invalid(MSG_KEY_NAME_INVALID);
    }
    Ok(())
}

/// Validates a label value (`validation.IsValidLabelValue`); `key` names it in the error.
pub fn validate_label_value(key: &str, value: &str) -> Result<(), SelectorError> {
    let reason = if value.len() > MAX_NAME_LEN {
        MSG_VALUE_TOO_LONG
    } else if !value.is_empty() && !is_qualified_name_part(value) {
        MSG_VALUE_INVALID
    } else {
        return Ok(());
    };
    Err(SelectorError::InvalidValue {
        key: key.to_owned(),
        value: value.to_owned(),
        reason,
    })
}

// ---------------------------------------------------------------------------------------
// LabelSelector objects
// ---------------------------------------------------------------------------------------

/// Decodes a missing or `null` field as its default.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `metav1.LabelSelector`. Missing or `null` fields are empty; the empty selector (`{}`)
/// matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Each entry is an `=` requirement.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub match_labels: Labels,
    /// Set-based requirements.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// `metav1.LabelSelectorRequirement`, as written (validated on use).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSelectorRequirement {
    /// The label key.
    #[serde(default, deserialize_with = "null_as_default")]
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub operator: String,
    /// Values for `In`/`NotIn`; must be empty for `Exists`/`DoesNotExist`.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Decodes a selector object; a value of the wrong shape is [`SelectorError::Malformed`].
    pub fn from_json(value: &Value) -> Result<Self, SelectorError> {
        Self::deserialize(value).map_err(|e| SelectorError::Malformed {
            message: e.to_string(),
        })
    }

    /// Whether the selector has no requirement (and so matches everything).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Validates and converts, like `metav1.LabelSelectorAsSelector`.
    pub fn to_selector(&self) -> Result<Selector, SelectorError> {
        let mut requirements =
            Vec::with_capacity(self.match_labels.len() + self.match_expressions.len());
        for (key, value) in &self.match_labels {
            requirements.push(Requirement::new(key, Operator::Equals, [value.as_str()])?);
        }
        for expression in &self.match_expressions {
            let operator = Operator::from_expression(&expression.operator).ok_or_else(|| {
                SelectorError::UnknownOperator {
                    key: expression.key.clone(),
                    operator: expression.operator.clone(),
                }
            })?;
            requirements.push(Requirement::new(
                &expression.key,
                operator,
                expression.values.iter().map(String::as_str),
            )?);
        }
        Ok(Selector::new(requirements))
    }

    /// Whether `labels` satisfy `matchLabels` and every expression; an invalid selector is
    /// an error, never a match.
    pub fn matches(&self, labels: &Labels) -> Result<bool, SelectorError> {
        Ok(self.to_selector()?.matches(labels))
    }
}

// ---------------------------------------------------------------------------------------
// NetworkPolicy coverage
// ---------------------------------------------------------------------------------------

/// A NetworkPolicy type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PolicyType {
    /// Incoming traffic.
    Ingress,
    /// Outgoing traffic.
    Egress,
}

impl PolicyType {
    /// The name as written in `spec.policyTypes`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ingress => "Ingress",
            Self::Egress => "Egress",
        }
    }

    /// Reads a `spec.policyTypes` entry (case-sensitive, like the API).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "Ingress" => Some(Self::Ingress),
            "Egress" => Some(Self::Egress),
            _ => None,
        }
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a NetworkPolicy could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkPolicyError {
    /// `spec.podSelector` is invalid.
    #[error("spec.podSelector: {0}")]
    PodSelector(SelectorError),
    /// A `spec.policyTypes` entry other than `Ingress` or `Egress`.
    #[error("spec.policyTypes: unsupported value {0}; expected \"Ingress\" or \"Egress\"")]
    PolicyType(String),
    /// A field of the wrong JSON type.
    #[error("{field}: expected {expected}")]
    Shape {
        /// The field path.
        field: &'static str,
        /// What it should be.
        expected: &'static str,
    },
}

/// The policy types a NetworkPolicy affects, defaulted like the API server
/// (`SetDefaults_NetworkPolicy`): a non-empty `spec.policyTypes` is used as is; otherwise
/// `Ingress`, plus `Egress` when `spec.egress` is a non-empty list. Entries that are not
/// policy types are ignored here; [`try_effective_policy_types`] reports them.
pub fn effective_policy_types(np: &Value) -> BTreeSet<PolicyType> {
    let spec = np.get("spec");
    if let Some(declared) = spec
        .and_then(|s| s.get("policyTypes"))
        .and_then(Value::as_array)
        .filter(|types| !types.is_empty())
    {
        return declared
            .iter()
            .filter_map(|t| t.as_str().and_then(PolicyType::from_name))
            .collect();
    }
    let mut types = BTreeSet::from([PolicyType::Ingress]);
    if spec
        .and_then(|s| s.get("egress"))
        .and_then(Value::as_array)
        .is_some_and(|rules| !rules.is_empty())
    {
        types.insert(PolicyType::Egress);
    }
    types
}

/// Like [`effective_policy_types`], but a malformed `spec`, `spec.policyTypes` or
/// `spec.egress` is an error.
pub fn try_effective_policy_types(np: &Value) -> Result<BTreeSet<PolicyType>, NetworkPolicyError> {
    let spec = match np.get("spec") {
        None | Some(Value::Null) => return Ok(BTreeSet::from([PolicyType::Ingress])),
        Some(Value::Object(spec)) => spec,
        Some(_) => {
            return Err(NetworkPolicyError::Shape {
                field: "spec",
                expected: "an object",
            });
        }
    };
    match spec.get("policyTypes") {
        None | Some(Value::Null) => {}
        Some(Value::Array(declared)) if declared.is_empty() => {}
        Some(Value::Array(declared)) => {
            return declared
                .iter()
                .map(|t| {
                    t.as_str()
                        .and_then(PolicyType::from_name)
                        .ok_or_else(|| NetworkPolicyError::PolicyType(t.to_string()))
                })
                .collect();
        }
        Some(_) => {
            return Err(NetworkPolicyError::Shape {
                field: "spec.policyTypes",
                expected: "a list",
            });
        }
    }
    let mut types = BTreeSet::from([PolicyType::Ingress]);
    match spec.get("egress") {
        None | Some(Value::Null) => {}
        Some(Value::Array(rules)) => {
            if !rules.is_empty() {
                types.insert(PolicyType::Egress);
            }
        }
        Some(_) => {
            return Err(NetworkPolicyError::Shape {
                field: "spec.egress",
                expected: "a list",
            });
        }
    }
    Ok(types)
}

/// The pod selector of a NetworkPolicy; missing or `null` is the empty selector, which
/// selects every pod of the namespace.
pub fn pod_selector(np: &Value) -> Result<LabelSelector, NetworkPolicyError> {
    match np.pointer("/spec/podSelector") {
        None | Some(Value::Null) => Ok(LabelSelector::default()),
        Some(selector) => {
            LabelSelector::from_json(selector).map_err(NetworkPolicyError::PodSelector)
        }
    }
}

/// A NetworkPolicy of the pod's namespace that could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedNetworkPolicy {
    /// `metadata.name`, or [`UNNAMED_POLICY`].
    pub name: String,
    /// What is wrong with it.
    pub error: NetworkPolicyError,
}

impl fmt::Display for MalformedNetworkPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NetworkPolicy {:?}: {}", self.name, self.error)
    }
}

/// Which NetworkPolicies select a pod and which policy types they cover together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPolicyCoverage {
    /// Names of the policies that select the pod, in input order.
    pub selecting: Vec<String>,
    /// Union of the effective policy types of the selecting policies.
    pub covered: BTreeSet<PolicyType>,
    /// Policies of the namespace that could not be evaluated (they cover nothing).
    pub malformed: Vec<MalformedNetworkPolicy>,
}

/// Short name for [`NetworkPolicyCoverage`].
pub type Coverage = NetworkPolicyCoverage;

/// A NetworkPolicy read once for many evaluations: its namespace, name, and pod selector and
/// effective types parsed (or why they could not be).
#[derive(Debug, Clone, PartialEq)]
struct CompiledNetworkPolicy {
    namespace: String,
    name: String,
    /// The pod selector validated and converted once (the costly part of matching).
    selector_and_types: Result<(Selector, BTreeSet<PolicyType>), NetworkPolicyError>,
}

/// NetworkPolicies parsed once, to evaluate many pods against: what a policy instance keeps
/// of a host answer while the answer stays the same. Indexed by a label every pod they select
/// must have, so a pod is matched against the policies that may select it, not all of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompiledNetworkPolicies {
    policies: Vec<CompiledNetworkPolicy>,
    /// key → value → the policies with an `=`/`in` requirement on that label (first such
    /// requirement of each policy).
    by_label: BTreeMap<String, BTreeMap<String, Vec<usize>>>,
    /// The policies no label narrows: empty or only negative selectors, and malformed ones.
    unindexed: Vec<usize>,
}

impl CompiledNetworkPolicies {
    /// Only Kubernetes NetworkPolicies (`kind` and `apiVersion`, when present, must be
    /// `NetworkPolicy` of `networking.k8s.io`) with a `metadata.namespace` are kept: a policy
    /// without one is ignored, so a host field mask must keep it.
    pub fn compile<'a, I>(policies: I) -> Self
    where
        I: IntoIterator<Item = &'a Value>,
    {
        let policies = policies
            .into_iter()
            .filter(|np| is_kubernetes_network_policy(np))
            .filter_map(|np| {
                let namespace = np.pointer("/metadata/namespace").and_then(Value::as_str)?;
                let name = np
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or(UNNAMED_POLICY);
                // In the order a single evaluation reports them: the selector's shape, the
                // types, then the selector's values.
                let selector_and_types = pod_selector(np).and_then(|selector| {
                    let types = try_effective_policy_types(np)?;
                    let selector = selector
                        .to_selector()
                        .map_err(NetworkPolicyError::PodSelector)?;
                    Ok((selector, types))
                });
                Some(CompiledNetworkPolicy {
                    namespace: namespace.to_owned(),
                    name: name.to_owned(),
                    selector_and_types,
                })
            })
            .collect::<Vec<_>>();
        let mut compiled = Self {
            policies: Vec::new(),
            by_label: BTreeMap::new(),
            unindexed: Vec::new(),
        };
        for (index, policy) in policies.iter().enumerate() {
            let required = policy
                .selector_and_types
                .as_ref()
                .ok()
                .and_then(|(selector, _)| {
                    selector.requirements().iter().find(|requirement| {
                        matches!(
                            requirement.operator(),
                            Operator::Equals | Operator::DoubleEquals | Operator::In
                        )
                    })
                });
            match required {
                Some(requirement) => {
                    let values = compiled
                        .by_label
                        .entry(requirement.key().to_owned())
                        .or_default();
                    for value in requirement.values() {
                        values.entry(value.clone()).or_default().push(index);
                    }
                }
                None => compiled.unindexed.push(index),
            }
        }
        compiled.policies = policies;
        compiled
    }

    /// The policies that may select a pod with `labels`, in input order.
    fn candidates(&self, labels: &Labels) -> Vec<&CompiledNetworkPolicy> {
        let mut indexes = self.unindexed.clone();
        for (key, value) in labels {
            if let Some(policies) = self.by_label.get(key).and_then(|values| values.get(value)) {
                indexes.extend(policies);
            }
        }
        indexes.sort_unstable();
        indexes.dedup();
        indexes
            .into_iter()
            .filter_map(|index| self.policies.get(index))
            .collect()
    }
}

impl NetworkPolicyCoverage {
    /// Evaluates `policies` for a pod of `pod_namespace` with `pod_labels`.
    ///
    /// Only Kubernetes NetworkPolicies of the pod's namespace count (see
    /// [`CompiledNetworkPolicies::compile`]). A policy whose selector or types are malformed
    /// covers nothing and is listed in `malformed`.
    pub fn evaluate<'a, I>(pod_namespace: &str, pod_labels: &Labels, policies: I) -> Self
    where
        I: IntoIterator<Item = &'a Value>,
    {
        Self::evaluate_compiled(
            pod_namespace,
            pod_labels,
            &CompiledNetworkPolicies::compile(policies),
        )
    }

    /// [`NetworkPolicyCoverage::evaluate`] on policies parsed already.
    pub fn evaluate_compiled(
        pod_namespace: &str,
        pod_labels: &Labels,
        policies: &CompiledNetworkPolicies,
    ) -> Self {
        let mut coverage = Self::default();
        for np in policies
            .candidates(pod_labels)
            .into_iter()
            .filter(|np| np.namespace == pod_namespace)
        {
            match &np.selector_and_types {
                Ok((selector, types)) => {
                    if selector.matches(pod_labels) {
                        coverage.selecting.push(np.name.clone());
                        coverage.covered.extend(types.iter().copied());
                    }
                }
                Err(error) => coverage.malformed.push(MalformedNetworkPolicy {
                    name: np.name.clone(),
                    error: error.clone(),
                }),
            }
        }
        coverage
    }

    /// The `required` types that no selecting policy covers, in `Ingress`, `Egress` order.
    pub fn missing(&self, required: &[PolicyType]) -> BTreeSet<PolicyType> {
        required
            .iter()
            .filter(|t| !self.covered.contains(t))
            .copied()
            .collect()
    }

    /// Whether every `required` type is covered.
    pub fn covers(&self, required: &[PolicyType]) -> bool {
        required.iter().all(|t| self.covered.contains(t))
    }
}

fn is_kubernetes_network_policy(np: &Value) -> bool {
    let kind_ok = np
        .get("kind")
        .and_then(Value::as_str)
        .is_none_or(|kind| kind == NETWORK_POLICY_KIND);
    let group_ok = np
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_none_or(|version| {
            version.split_once('/').map(|(group, _)| group) == Some(NETWORK_POLICY_GROUP)
        });
    kind_ok && group_ok
}

// ---------------------------------------------------------------------------------------
// Suggested NetworkPolicy
// ---------------------------------------------------------------------------------------

/// A minimal NetworkPolicy that selects pods with exactly `labels` (all of them, through
/// `matchLabels`; no labels gives `podSelector: {}`) and declares `policy_types` (`Ingress`
/// when empty, the API default). It has no rules, so it denies the declared directions
/// until rules are added. The name is `<name_hint>-default`, the hint lowercased and cut
/// to a DNS label. Scalars that YAML would not read back as the same string are
/// double-quoted.
pub fn minimal_network_policy_yaml(
    namespace: &str,
    name_hint: &str,
    labels: &Labels,
    policy_types: &BTreeSet<PolicyType>,
) -> String {
    let mut yaml = String::new();
    yaml.push_str(&format!("apiVersion: {NETWORK_POLICY_API_VERSION}\n"));
    yaml.push_str(&format!("kind: {NETWORK_POLICY_KIND}\n"));
    yaml.push_str("metadata:\n");
    yaml.push_str(&format!(
        "  name: {}\n",
        yaml_scalar(&generated_policy_name(name_hint))
    ));
    yaml.push_str(&format!("  namespace: {}\n", yaml_scalar(namespace)));
    yaml.push_str("spec:\n");
    if labels.is_empty() {
        yaml.push_str("  podSelector: {}\n");
    } else {
        yaml.push_str("  podSelector:\n    matchLabels:\n");
        for (key, value) in labels {
            yaml.push_str(&format!(
                "      {}: {}\n",
                yaml_scalar(key),
                yaml_scalar(value)
            ));
        }
    }
    yaml.push_str("  policyTypes:\n");
    if policy_types.is_empty() {
        yaml.push_str(&format!("  - {}\n", PolicyType::Ingress));
    }
    for policy_type in policy_types {
        yaml.push_str(&format!("  - {policy_type}\n"));
    }
    yaml
}

/// `<hint>-default`, as a DNS label: lowercase alphanumerics and `-`, at most 63 characters.
fn generated_policy_name(hint: &str) -> String {
    let max_base = MAX_NAME_LEN - GENERATED_POLICY_NAME_SUFFIX.len() - 1;
    let base: String = hint
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .take(max_base)
        .collect();
    let base = base.trim_matches('-');
    if base.is_empty() {
        GENERATED_POLICY_NAME_SUFFIX.to_owned()
    } else {
        format!("{base}-{GENERATED_POLICY_NAME_SUFFIX}")
    }
}

/// The scalar as plain YAML when it reads back as the same string, else double-quoted.
fn yaml_scalar(s: &str) -> String {
    let plain = s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && !YAML_RESERVED_WORDS
            .iter()
            .any(|word| word.eq_ignore_ascii_case(s));
    if plain {
        return s.to_owned();
    }
    let mut quoted = String::with_capacity(s.len() + 2);
    quoted.push('"');
    for c in s.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn selector(value: Value) -> LabelSelector {
        match LabelSelector::from_json(&value) {
            Ok(s) => s,
            Err(e) => panic!("{value} should decode: {e}"),
        }
    }

    fn parsed(s: &str) -> Selector {
        match Selector::parse(s) {
            Ok(s) => s,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    fn types(list: &[PolicyType]) -> BTreeSet<PolicyType> {
        list.iter().copied().collect()
    }

    use PolicyType::{Egress, Ingress};

    // --- LabelSelector objects -------------------------------------------------------

    #[rstest]
    #[case::empty_selects_all(json!({}), &[], true)]
    #[case::null_fields_select_all(json!({"matchLabels": null, "matchExpressions": null}), &[("a", "b")], true)]
    #[case::match_labels(json!({"matchLabels": {"app": "web"}}), &[("app", "web"), ("tier", "x")], true)]
    #[case::match_labels_other_value(json!({"matchLabels": {"app": "web"}}), &[("app", "api")], false)]
    #[case::match_labels_missing(json!({"matchLabels": {"app": "web"}}), &[], false)]
    #[case::match_labels_all(json!({"matchLabels": {"app": "web", "tier": "fe"}}), &[("app", "web")], false)]
    #[case::in_present(json!({"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "stage"]}]}), &[("env", "stage")], true)]
    #[case::in_other(json!({"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]}), &[("env", "dev")], false)]
    #[case::in_absent(json!({"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]}), &[], false)]
    #[case::notin_absent(json!({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}), &[], true)]
    #[case::notin_other(json!({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}), &[("env", "dev")], true)]
    #[case::notin_listed(json!({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}), &[("env", "prod")], false)]
    #[case::exists_present(json!({"matchExpressions": [{"key": "env", "operator": "Exists"}]}), &[("env", "")], true)]
    #[case::exists_absent(json!({"matchExpressions": [{"key": "env", "operator": "Exists"}]}), &[("app", "x")], false)]
    #[case::exists_null_values(json!({"matchExpressions": [{"key": "env", "operator": "Exists", "values": null}]}), &[("env", "x")], true)]
    #[case::does_not_exist_absent(json!({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}), &[], true)]
    #[case::does_not_exist_present(json!({"matchExpressions": [{"key": "env", "operator": "DoesNotExist", "values": []}]}), &[("env", "x")], false)]
    #[case::labels_and_expressions(
        json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]}),
        &[("app", "web"), ("env", "prod")],
        true
    )]
    #[case::labels_and_failing_expression(
        json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]}),
        &[("app", "web"), ("env", "dev")],
        false
    )]
    #[case::every_expression(
        json!({"matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod"]},
            {"key": "canary", "operator": "DoesNotExist"}
        ]}),
        &[("env", "prod"), ("canary", "true")],
        false
    )]
    #[case::prefixed_key(json!({"matchLabels": {"app.kubernetes.io/name": "web"}}), &[("app.kubernetes.io/name", "web")], true)]
    #[case::empty_value(json!({"matchLabels": {"app": ""}}), &[("app", "")], true)]
    #[case::unknown_fields_ignored(json!({"matchLabels": {"app": "web"}, "extra": 1}), &[("app", "web")], true)]
    fn label_selector_matches(
        #[case] value: Value,
        #[case] pod: &[(&str, &str)],
        #[case] expected: bool,
    ) {
        assert_eq!(
            selector(value.clone()).matches(&labels(pod)),
            Ok(expected),
            "{value}"
        );
    }

    #[rstest]
    #[case::in_without_values(
        json!({"matchExpressions": [{"key": "env", "operator": "In", "values": []}]}),
        "invalid label selector requirement on key \"env\": for 'in', 'notin' operators, values set can't be empty"
    )]
    #[case::notin_missing_values(
        json!({"matchExpressions": [{"key": "env", "operator": "NotIn"}]}),
        "invalid label selector requirement on key \"env\": for 'in', 'notin' operators, values set can't be empty"
    )]
    #[case::exists_with_values(
        json!({"matchExpressions": [{"key": "env", "operator": "Exists", "values": ["x"]}]}),
        "invalid label selector requirement on key \"env\": values set must be empty for exists and does not exist"
    )]
    #[case::does_not_exist_with_values(
        json!({"matchExpressions": [{"key": "env", "operator": "DoesNotExist", "values": ["x"]}]}),
        "invalid label selector requirement on key \"env\": values set must be empty for exists and does not exist"
    )]
    #[case::unknown_operator(
        json!({"matchExpressions": [{"key": "env", "operator": "Equals", "values": ["x"]}]}),
        "invalid label selector requirement on key \"env\": \"Equals\" is not a valid label selector operator (expected one of In, NotIn, Exists, DoesNotExist)"
    )]
    #[case::lowercase_operator(
        json!({"matchExpressions": [{"key": "env", "operator": "in", "values": ["x"]}]}),
        "invalid label selector requirement on key \"env\": \"in\" is not a valid label selector operator (expected one of In, NotIn, Exists, DoesNotExist)"
    )]
    #[case::missing_operator(
        json!({"matchExpressions": [{"key": "env"}]}),
        "invalid label selector requirement on key \"env\": \"\" is not a valid label selector operator (expected one of In, NotIn, Exists, DoesNotExist)"
    )]
    #[case::missing_key(
        json!({"matchExpressions": [{"operator": "Exists"}]}),
        "invalid label key \"\": name part must be non-empty"
    )]
    #[case::bad_key(
        json!({"matchLabels": {"-app": "web"}}),
        "invalid label key \"-app\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    )]
    #[case::bad_value(
        json!({"matchLabels": {"app": "web server"}}),
        "invalid label value \"web server\" for key \"app\": a valid label value must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    )]
    #[case::bad_expression_value(
        json!({"matchExpressions": [{"key": "env", "operator": "In", "values": ["ok", "-bad"]}]}),
        "invalid label value \"-bad\" for key \"env\": a valid label value must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    )]
    fn label_selector_rejects_invalid(#[case] value: Value, #[case] message: &str) {
        let result = selector(value.clone()).matches(&labels(&[("env", "x")]));
        match result {
            Ok(m) => panic!("{value} should be invalid, matched: {m}"),
            Err(e) => assert_eq!(e.to_string(), message),
        }
    }

    #[rstest]
    #[case::labels_not_map(
        json!({"matchLabels": ["app"]}),
        "malformed label selector: invalid type: sequence, expected a map"
    )]
    #[case::label_value_number(
        json!({"matchLabels": {"version": 1}}),
        "malformed label selector: invalid type: integer `1`, expected a string"
    )]
    #[case::not_an_object(
        json!("app=web"),
        "malformed label selector: invalid type: string \"app=web\", expected struct LabelSelector"
    )]
    fn label_selector_rejects_wrong_shape(#[case] value: Value, #[case] message: &str) {
        match LabelSelector::from_json(&value) {
            Ok(s) => panic!("{value} should be malformed, got {s:?}"),
            Err(e) => assert_eq!(e.to_string(), message),
        }
    }

    #[rstest]
    #[case::simple("app", None)]
    #[case::prefixed("example.com/app", None)]
    #[case::max_name(&"a".repeat(63), None)]
    #[case::name_too_long(&"a".repeat(64), Some(MSG_KEY_NAME_TOO_LONG))]
    #[case::empty_prefix("/app", Some(MSG_KEY_PREFIX_EMPTY))]
    #[case::upper_prefix("Example.com/app", Some(MSG_KEY_PREFIX_INVALID))]
    #[case::prefix_double_dot("a..b/app", Some(MSG_KEY_PREFIX_INVALID))]
    #[case::prefix_too_long(&format!("{}/app", "a".repeat(254)), Some(MSG_KEY_PREFIX_TOO_LONG))]
    #[case::two_slashes("a/b/c", Some(MSG_KEY_TOO_MANY_SLASHES))]
    #[case::empty_name("example.com/", Some(MSG_KEY_NAME_EMPTY))]
    #[case::trailing_dot("app.", Some(MSG_KEY_NAME_INVALID))]
    #[case::underscore_inside("my_app", None)]
    fn validates_label_keys(#[case] key: &str, #[case] reason: Option<&'static str>) {
        let expected = reason.map(|reason| SelectorError::InvalidKey {
            key: key.to_owned(),
            reason,
        });
        assert_eq!(validate_label_key(key).err(), expected);
    }

    #[test]
    fn rejects_overlong_label_value() {
        let value = "v".repeat(64);
        assert_eq!(
            validate_label_value("app", &value).map_err(|e| e.to_string()),
            Err(format!(
                "invalid label value \"{value}\" for key \"app\": must be no more than 63 characters"
            ))
        );
        assert_eq!(validate_label_value("app", &"v".repeat(63)), Ok(()));
    }

    // --- String selectors ------------------------------------------------------------

    #[rstest]
    #[case::empty("", &[("a", "b")], true)]
    #[case::blank("  ", &[], true)]
    #[case::equals("a=b", &[("a", "b")], true)]
    #[case::equals_other("a=b", &[("a", "c")], false)]
    #[case::equals_absent("a=b", &[], false)]
    #[case::double_equals("a==b", &[("a", "b")], true)]
    #[case::not_equals_absent("a!=b", &[], true)]
    #[case::not_equals_same("a!=b", &[("a", "b")], false)]
    #[case::empty_value("a=", &[("a", "")], true)]
    #[case::in_set("e in (x,y)", &[("e", "y")], true)]
    #[case::in_set_absent("e in (x,y)", &[], false)]
    #[case::notin_set("f notin (z)", &[("f", "y")], true)]
    #[case::notin_absent("f notin (z)", &[], true)]
    #[case::notin_listed("f notin (z)", &[("f", "z")], false)]
    #[case::exists("g", &[("g", "")], true)]
    #[case::exists_absent("g", &[], false)]
    #[case::does_not_exist("!h", &[], true)]
    #[case::does_not_exist_present("!h", &[("h", "1")], false)]
    #[case::greater("n>5", &[("n", "6")], true)]
    #[case::greater_equal("n>5", &[("n", "5")], false)]
    #[case::greater_not_number("n>5", &[("n", "six")], false)]
    #[case::less("n<5", &[("n", "-1")], true)]
    #[case::in_empty_value("a in ()", &[("a", "")], true)]
    #[case::in_with_empty_entry("a in (,x)", &[("a", "")], true)]
    #[case::keyword_as_key_and_value("in in (notin)", &[("in", "notin")], true)]
    #[case::whitespace(" a = b ,\tc\n", &[("a", "b"), ("c", "")], true)]
    #[case::combined(
        "a=b,c!=d,e in (x,y),f notin (z),g,!h",
        &[("a", "b"), ("e", "x"), ("f", "w"), ("g", "1")],
        true
    )]
    #[case::combined_fails_on_one(
        "a=b,c!=d,e in (x,y),f notin (z),g,!h",
        &[("a", "b"), ("e", "x"), ("f", "w"), ("g", "1"), ("h", "")],
        false
    )]
    fn string_selector_matches(
        #[case] input: &str,
        #[case] pod: &[(&str, &str)],
        #[case] expected: bool,
    ) {
        assert_eq!(parsed(input).matches(&labels(pod)), expected, "{input:?}");
    }

    #[rstest]
    #[case::trailing_comma("a=b,", "found '', expected: identifier after ','")]
    #[case::leading_comma(",a", "found ',', expected: !, identifier, or 'end of string'")]
    #[case::two_values("a=b c", "found 'c', expected: ',' or 'end of string'")]
    #[case::no_operator(
        "a b",
        "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
    )]
    #[case::bang_alone("!", "unable to parse requirement: found '', expected: identifier")]
    #[case::bang_with_value("!a=b", "found '=', expected: ',' or 'end of string'")]
    #[case::in_without_paren("a in x", "unable to parse requirement: found 'x' expected: '('")]
    #[case::unclosed_set(
        "a in (x",
        "unable to parse requirement: found '', expected: ',' or ')'"
    )]
    #[case::operator_in_set(
        "a in (x=)",
        "unable to parse requirement: found '=', expected: ',' or ')'"
    )]
    #[case::set_starts_with_operator(
        "a in (=)",
        "unable to parse requirement: found '=', expected: ',', ')' or identifier"
    )]
    #[case::value_is_operator(
        "a=(",
        "unable to parse requirement: found '(', expected: identifier"
    )]
    #[case::triple_equals(
        "a===b",
        "unable to parse requirement: found '=', expected: identifier"
    )]
    #[case::bad_key(
        "-a=b",
        "unable to parse requirement: invalid label key \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    )]
    #[case::bad_value(
        "a=b$",
        "unable to parse requirement: invalid label value \"b$\" for key \"a\": a valid label value must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    )]
    #[case::greater_not_integer(
        "a>b",
        "unable to parse requirement: invalid label selector requirement on key \"a\": for 'Gt', 'Lt' operators, the value must be an integer"
    )]
    fn string_selector_rejects(#[case] input: &str, #[case] message: &str) {
        match Selector::parse(input) {
            Ok(s) => panic!("{input:?} should be rejected, got {s:?}"),
            Err(e) => {
                assert_eq!(
                    e,
                    SelectorError::Syntax {
                        selector: input.to_owned(),
                        message: message.to_owned()
                    }
                );
                assert_eq!(
                    e.to_string(),
                    format!("invalid label selector {input:?}: {message}")
                );
            }
        }
    }

    #[rstest]
    #[case::sorted_by_key("z=1,a=2", "a=2,z=1")]
    #[case::all_forms(
        "a=b,c!=d,e in (y,x),f notin (z),g,!h,i==j,n>1,m<2",
        "a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j,m<2,n>1"
    )]
    #[case::empty_values("a in (,)", "a in ()")]
    #[case::empty("", "")]
    fn string_selector_displays_canonically(#[case] input: &str, #[case] canonical: &str) {
        let selector = parsed(input);
        assert_eq!(selector.to_string(), canonical);
        assert_eq!(parsed(canonical), selector);
    }

    #[test]
    fn label_selector_and_string_agree() {
        let object = selector(json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "stage"]},
                {"key": "canary", "operator": "DoesNotExist"}
            ]
        }));
        let from_object = match object.to_selector() {
            Ok(s) => s,
            Err(e) => panic!("valid selector: {e}"),
        };
        assert_eq!(
            from_object.to_string(),
            "app=web,!canary,env in (prod,stage)"
        );
        assert_eq!(from_object, parsed("app=web,!canary,env in (prod,stage)"));
    }

    // --- NetworkPolicy coverage ------------------------------------------------------

    fn np(namespace: &str, name: &str, spec: Value) -> Value {
        json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace},
            "spec": spec,
        })
    }

    #[rstest]
    #[case::no_spec(json!({}), &[Ingress])]
    #[case::empty_spec(json!({"spec": {}}), &[Ingress])]
    #[case::ingress_rules_only(json!({"spec": {"ingress": [{}]}}), &[Ingress])]
    #[case::egress_rules_default_both(json!({"spec": {"egress": [{"to": []}]}}), &[Ingress, Egress])]
    #[case::empty_egress_list(json!({"spec": {"egress": []}}), &[Ingress])]
    #[case::explicit_egress_only(json!({"spec": {"policyTypes": ["Egress"], "egress": [{}]}}), &[Egress])]
    #[case::explicit_ingress_with_egress_rules(json!({"spec": {"policyTypes": ["Ingress"], "egress": [{}]}}), &[Ingress])]
    #[case::explicit_both(json!({"spec": {"policyTypes": ["Ingress", "Egress"]}}), &[Ingress, Egress])]
    #[case::empty_policy_types_defaults(json!({"spec": {"policyTypes": [], "egress": [{}]}}), &[Ingress, Egress])]
    #[case::null_policy_types_defaults(json!({"spec": {"policyTypes": null}}), &[Ingress])]
    fn policy_types_default_like_the_api(#[case] policy: Value, #[case] expected: &[PolicyType]) {
        assert_eq!(effective_policy_types(&policy), types(expected), "{policy}");
        assert_eq!(
            try_effective_policy_types(&policy),
            Ok(types(expected)),
            "{policy}"
        );
    }

    #[rstest]
    #[case::unknown_type(
        json!({"spec": {"policyTypes": ["Ingress", "ingress"]}}),
        &[Ingress],
        "spec.policyTypes: unsupported value \"ingress\"; expected \"Ingress\" or \"Egress\""
    )]
    #[case::policy_types_not_list(
        json!({"spec": {"policyTypes": "Egress", "egress": [{}]}}),
        &[Ingress, Egress],
        "spec.policyTypes: expected a list"
    )]
    #[case::egress_not_list(json!({"spec": {"egress": {}}}), &[Ingress], "spec.egress: expected a list")]
    #[case::spec_not_object(json!({"spec": []}), &[Ingress], "spec: expected an object")]
    fn malformed_policy_types(
        #[case] policy: Value,
        #[case] lenient: &[PolicyType],
        #[case] message: &str,
    ) {
        assert_eq!(effective_policy_types(&policy), types(lenient), "{policy}");
        assert_eq!(
            try_effective_policy_types(&policy).map_err(|e| e.to_string()),
            Err(message.to_owned())
        );
    }

    #[test]
    fn union_of_two_selecting_policies() {
        let policies = [
            np(
                "shop",
                "ingress-web",
                json!({"podSelector": {"matchLabels": {"app": "web"}}}),
            ),
            np(
                "shop",
                "egress-all",
                json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}),
            ),
            np(
                "shop",
                "api-only",
                json!({"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress", "Egress"]}),
            ),
        ];
        let coverage =
            NetworkPolicyCoverage::evaluate("shop", &labels(&[("app", "web")]), &policies);
        assert_eq!(coverage.selecting, ["ingress-web", "egress-all"]);
        assert_eq!(coverage.covered, types(&[Ingress, Egress]));
        assert!(coverage.malformed.is_empty());
        assert!(coverage.missing(&[Ingress, Egress]).is_empty());
        assert!(coverage.covers(&[Ingress, Egress]));
    }

    #[test]
    fn egress_only_policy_leaves_ingress_missing() {
        let policies = [np(
            "shop",
            "egress",
            json!({"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"]}),
        )];
        let coverage =
            NetworkPolicyCoverage::evaluate("shop", &labels(&[("app", "web")]), &policies);
        assert_eq!(coverage.selecting, ["egress"]);
        assert_eq!(coverage.covered, types(&[Egress]));
        assert_eq!(coverage.missing(&[Ingress]), types(&[Ingress]));
        assert!(!coverage.covers(&[Ingress]));
    }

    #[test]
    fn egress_rules_without_policy_types_cover_both() {
        let policies = [np(
            "shop",
            "both",
            json!({"podSelector": {"matchLabels": {"app": "web"}}, "egress": [{"to": [{"podSelector": {}}]}]}),
        )];
        let coverage =
            NetworkPolicyCoverage::evaluate("shop", &labels(&[("app", "web")]), &policies);
        assert_eq!(coverage.covered, types(&[Ingress, Egress]));
    }

    #[rstest]
    #[case::other_namespace(np("other", "deny-all", json!({"podSelector": {}})))]
    #[case::no_namespace(json!({"kind": "NetworkPolicy", "metadata": {"name": "x"}, "spec": {"podSelector": {}}}))]
    #[case::calico_look_alike(json!({
        "apiVersion": "projectcalico.org/v3",
        "kind": "NetworkPolicy",
        "metadata": {"name": "calico", "namespace": "shop"},
        "spec": {"selector": "app == 'web'"}
    }))]
    #[case::other_kind(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {}
    }))]
    #[case::not_selecting(np("shop", "api", json!({"podSelector": {"matchLabels": {"app": "api"}}})))]
    fn policies_that_do_not_count(#[case] policy: Value) {
        let coverage =
            NetworkPolicyCoverage::evaluate("shop", &labels(&[("app", "web")]), [&policy]);
        assert_eq!(coverage, NetworkPolicyCoverage::default(), "{policy}");
        assert_eq!(coverage.missing(&[Ingress]), types(&[Ingress]));
    }

    #[rstest]
    #[case::empty_pod_selector(np("shop", "deny-all", json!({"podSelector": {}})))]
    #[case::missing_pod_selector(np("shop", "deny-all", json!({})))]
    #[case::masked_fields(json!({"metadata": {"name": "deny-all", "namespace": "shop"}, "spec": {"podSelector": {}}}))]
    fn empty_pod_selector_selects_every_pod(#[case] policy: Value) {
        let coverage = NetworkPolicyCoverage::evaluate("shop", &labels(&[]), [&policy]);
        assert_eq!(coverage.selecting, ["deny-all"]);
        assert_eq!(coverage.covered, types(&[Ingress]));
    }

    #[test]
    fn malformed_policies_are_reported_not_counted() {
        let policies = [
            np(
                "shop",
                "bad-operator",
                json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "Like", "values": ["web"]}]}}),
            ),
            np(
                "shop",
                "bad-type",
                json!({"podSelector": {}, "policyTypes": ["Everything"]}),
            ),
            json!({"kind": "NetworkPolicy", "metadata": {"namespace": "shop"}, "spec": {"podSelector": "app=web"}}),
            np("other", "bad-elsewhere", json!({"podSelector": 3})),
            np(
                "shop",
                "good",
                json!({"podSelector": {"matchLabels": {"app": "web"}}}),
            ),
        ];
        let coverage =
            NetworkPolicyCoverage::evaluate("shop", &labels(&[("app", "web")]), &policies);
        assert_eq!(coverage.selecting, ["good"]);
        assert_eq!(coverage.covered, types(&[Ingress]));
        let reports: Vec<String> = coverage.malformed.iter().map(ToString::to_string).collect();
        assert_eq!(
            reports,
            [
                "NetworkPolicy \"bad-operator\": spec.podSelector: invalid label selector requirement on key \"app\": \"Like\" is not a valid label selector operator (expected one of In, NotIn, Exists, DoesNotExist)",
                "NetworkPolicy \"bad-type\": spec.policyTypes: unsupported value \"Everything\"; expected \"Ingress\" or \"Egress\"",
                "NetworkPolicy \"<unnamed>\": spec.podSelector: malformed label selector: invalid type: string \"app=web\", expected struct LabelSelector",
            ]
        );
    }

    #[test]
    fn missing_keeps_ingress_egress_order() {
        let coverage = NetworkPolicyCoverage::default();
        assert_eq!(
            coverage
                .missing(&[Egress, Ingress, Egress])
                .into_iter()
                .collect::<Vec<_>>(),
            [Ingress, Egress]
        );
        assert!(coverage.covers(&[]));
    }

    // --- Suggested NetworkPolicy -----------------------------------------------------

    #[test]
    fn minimal_policy_yaml_for_ingress() {
        let yaml = minimal_network_policy_yaml(
            "shop",
            "web",
            &labels(&[("app", "web")]),
            &types(&[Ingress]),
        );
        assert_eq!(
            yaml,
            "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-default
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes:
  - Ingress
"
        );
    }

    #[test]
    fn minimal_policy_yaml_quotes_and_orders() {
        let pod = labels(&[
            ("app.kubernetes.io/name", "web"),
            ("version", "1.2"),
            ("enabled", "true"),
            ("tier", "On"),
            ("empty", ""),
            ("123-abc", "x_y"),
        ]);
        let yaml =
            minimal_network_policy_yaml("shop", "Web_Server", &pod, &types(&[Egress, Ingress]));
        assert_eq!(
            yaml,
            "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-server-default
  namespace: shop
spec:
  podSelector:
    matchLabels:
      \"123-abc\": x_y
      app.kubernetes.io/name: web
      empty: \"\"
      enabled: \"true\"
      tier: \"On\"
      version: \"1.2\"
  policyTypes:
  - Ingress
  - Egress
"
        );
    }

    #[test]
    fn minimal_policy_yaml_without_labels_selects_all() {
        let yaml = minimal_network_policy_yaml("123", "", &Labels::new(), &BTreeSet::new());
        assert_eq!(
            yaml,
            "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default
  namespace: \"123\"
spec:
  podSelector: {}
  policyTypes:
  - Ingress
"
        );
    }

    #[rstest]
    #[case::plain("web", "web")]
    #[case::reserved("no", "\"no\"")]
    #[case::reserved_upper("NULL", "\"NULL\"")]
    #[case::number("10", "\"10\"")]
    #[case::float_like(".5", "\".5\"")]
    #[case::quote_and_backslash("a\"b\\c", "\"a\\\"b\\\\c\"")]
    #[case::colon("a: b", "\"a: b\"")]
    #[case::control("a\u{1}", "\"a\\u0001\"")]
    fn yaml_scalars(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(yaml_scalar(input), expected);
    }

    #[test]
    fn generated_name_is_a_dns_label() {
        let name = generated_policy_name(&"x".repeat(100));
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("x-default"));
        assert_eq!(generated_policy_name("--Web.App--"), "web-app-default");
    }

    #[test]
    fn minimal_policy_selects_the_labels_it_was_made_for() {
        let pod = labels(&[("app", "web"), ("tier", "frontend")]);
        let yaml = minimal_network_policy_yaml("shop", "web", &pod, &types(&[Ingress]));
        let expected_selector =
            selector(json!({"matchLabels": {"app": "web", "tier": "frontend"}}));
        assert!(yaml.contains("    matchLabels:\n      app: web\n      tier: frontend\n"));
        assert_eq!(expected_selector.matches(&pod), Ok(true));
    }
    /// The label index narrows the policies a pod is matched against, never the result: the
    /// selecting ones come in input order, negative and empty selectors included.
    #[test]
    fn indexed_policies_select_as_every_policy_would() {
        let np = |name: &str, selector: serde_json::Value| {
            serde_json::json!({"kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1",
                   "metadata": {"name": name, "namespace": "shop"},
                   "spec": {"podSelector": selector}})
        };
        let policies = [
            np("web", serde_json::json!({"matchLabels": {"app": "web"}})),
            np("all", serde_json::json!({})),
            np(
                "web-or-api",
                serde_json::json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["api", "web"]}]}),
            ),
            np(
                "not-db",
                serde_json::json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]}),
            ),
            np("api", serde_json::json!({"matchLabels": {"app": "api"}})),
            np("bad", serde_json::json!({"matchLabels": {"app": "a b"}})),
        ];
        let coverage = NetworkPolicyCoverage::evaluate(
            "shop",
            &labels(&[("app", "web"), ("tier", "front")]),
            &policies,
        );
        assert_eq!(coverage.selecting, ["web", "all", "web-or-api", "not-db"]);
        assert_eq!(coverage.malformed.len(), 1);
        assert_eq!(coverage.malformed[0].name, "bad");
    }
}
