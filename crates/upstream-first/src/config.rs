//! `--config`: the Kubewarden resources that deploy the policies, read as the cluster reads
//! them: `ClusterAdmissionPolicy`, `AdmissionPolicy`, `ClusterAdmissionPolicyGroup` and
//! `AdmissionPolicyGroup` (`policies.kubewarden.io/v1`).
//!
//! Used: `module` (`registry://…/<policy>:<tag>` is the built-in policy of that name,
//! `file://` a local module), `settings`, `mode` (`monitor` turns rejections into warnings),
//! `rules`, `namespaceSelector`, `objectSelector`, `contextAwareResources`, `mutating`, the
//! severity and category annotations, and for groups `policies`, `expression` and `message`.
//! Other resources in the file (a `PolicyServer`, …) are ignored with a note.
//!
//! A directory with a `kustomization.yaml` is read through its `resources`, as
//! `kubectl apply -k` reads it (so `--config deploy/` reads what the cluster gets); any other
//! directory is read whole, recursively.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use policy_host::ContextAwareResource;
use serde::Deserialize;
use serde_json::Value;
use upstream_first_rules::selector::{LabelSelector, Selector};

use crate::admission_rules::Rule;
use crate::documents::Documents;

/// The API group of Kubewarden's policy resources.
pub const KUBEWARDEN_GROUP: &str = "policies.kubewarden.io";

/// The kinds of Kubewarden policy resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyResourceKind {
    /// Cluster-wide policy.
    ClusterAdmissionPolicy,
    /// Policy of one namespace: only evaluates objects of its namespace.
    AdmissionPolicy,
    /// Cluster-wide group of policies combined by an expression.
    ClusterAdmissionPolicyGroup,
    /// Group of one namespace.
    AdmissionPolicyGroup,
}

impl PolicyResourceKind {
    fn from_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "ClusterAdmissionPolicy" => Self::ClusterAdmissionPolicy,
            "AdmissionPolicy" => Self::AdmissionPolicy,
            "ClusterAdmissionPolicyGroup" => Self::ClusterAdmissionPolicyGroup,
            "AdmissionPolicyGroup" => Self::AdmissionPolicyGroup,
            _ => return None,
        })
    }

    /// The kind's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClusterAdmissionPolicy => "ClusterAdmissionPolicy",
            Self::AdmissionPolicy => "AdmissionPolicy",
            Self::ClusterAdmissionPolicyGroup => "ClusterAdmissionPolicyGroup",
            Self::AdmissionPolicyGroup => "AdmissionPolicyGroup",
        }
    }

    /// Whether the resource lives in a namespace (and only sees that namespace).
    #[must_use]
    pub fn is_namespaced(self) -> bool {
        matches!(self, Self::AdmissionPolicy | Self::AdmissionPolicyGroup)
    }

    /// Whether the resource is a group of policies.
    #[must_use]
    pub fn is_group(self) -> bool {
        matches!(
            self,
            Self::ClusterAdmissionPolicyGroup | Self::AdmissionPolicyGroup
        )
    }
}

impl fmt::Display for PolicyResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `spec.mode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Rejections reject (the default).
    #[default]
    Protect,
    /// Rejections are only reported (as warnings).
    Monitor,
}

impl Mode {
    /// `protect` or `monitor`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Protect => "protect",
            Self::Monitor => "monitor",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a policy module comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModuleRef {
    /// A built-in policy, by name.
    Builtin(String),
    /// A `.wasm` file.
    File(PathBuf),
}

impl fmt::Display for ModuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Builtin(name) => f.write_str(name),
            Self::File(path) => write!(f, "{}", path.display()),
        }
    }
}

impl ModuleRef {
    /// Reads a module reference: `registry://<registry>/<path>/<policy>:<tag>` (or `@digest`),
    /// `file://<path>`, a path ending in `.wasm`, or a built-in policy's name. Relative paths
    /// are resolved against `base` (the directory of the file that names the module).
    pub fn parse(reference: &str, base: Option<&Path>) -> Result<Self, String> {
        let reference = reference.trim();
        let resolve = |path: &str| {
            let path = PathBuf::from(path);
            match base {
                Some(base) if path.is_relative() => base.join(path),
                _ => path,
            }
        };
        if let Some(location) = reference.strip_prefix("registry://") {
            let repository = location.split('@').next().unwrap_or(location);
            let last = repository.rsplit('/').next().unwrap_or(repository);
            let name = last.split(':').next().unwrap_or(last);
            if name.is_empty() {
                return Err(format!("module {reference:?} names no policy"));
            }
            return Ok(Self::Builtin(name.to_owned()));
        }
        if let Some(path) = reference.strip_prefix("file://") {
            return Ok(Self::File(resolve(path)));
        }
        if reference.contains("://") {
            return Err(format!(
                "module {reference:?}: only registry:// (mapped to the built-in policy of that name) and file:// modules can be used offline; download the module and use file://<path>"
            ));
        }
        if reference.ends_with(".wasm") || reference.contains('/') {
            return Ok(Self::File(resolve(reference)));
        }
        if reference.is_empty() {
            return Err("empty module reference".to_owned());
        }
        Ok(Self::Builtin(reference.to_owned()))
    }
}

/// One module of a policy resource (the policy itself, or a member of a group).
#[derive(Debug, Clone)]
pub struct MemberSpec {
    /// The member's name in the group (the policy's name for a plain policy).
    pub name: String,
    /// The module.
    pub module: ModuleRef,
    /// Its settings (`{}` when none).
    pub settings: Value,
    /// The resources it may read (`None`: the module's metadata decides).
    pub context_aware_resources: Option<Vec<ContextAwareResource>>,
}

/// A policy resource of the configuration.
#[derive(Debug, Clone)]
pub struct PolicySpec {
    /// The resource's kind.
    pub kind: PolicyResourceKind,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` of an `AdmissionPolicy`.
    pub namespace: Option<String>,
    /// `spec.mode`.
    pub mode: Mode,
    /// `spec.rules` (`None`: the module's metadata rules).
    pub rules: Option<Vec<Rule>>,
    /// `spec.mutating`.
    pub mutating: Option<bool>,
    /// `spec.namespaceSelector`.
    pub namespace_selector: Option<Selector>,
    /// `spec.objectSelector`.
    pub object_selector: Option<Selector>,
    /// `metadata.annotations` (severity and category override the module's).
    pub annotations: BTreeMap<String, String>,
    /// The module (one) or the group's members.
    pub members: Vec<MemberSpec>,
    /// The group's expression.
    pub expression: Option<Expression>,
    /// The group's rejection message.
    pub message: Option<String>,
    /// Where the resource was read.
    pub origin: String,
}

/// What `--config` holds.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The policy resources, in file order.
    pub policies: Vec<PolicySpec>,
    /// Resources that were ignored and fields that are not evaluated offline.
    pub notes: Vec<String>,
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ConfigError {
    /// `file:line` (and the resource) where the problem is.
    pub origin: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpec {
    module: Option<String>,
    #[serde(default)]
    settings: Option<Value>,
    mode: Option<String>,
    rules: Option<Vec<Rule>>,
    mutating: Option<bool>,
    namespace_selector: Option<Value>,
    object_selector: Option<Value>,
    context_aware_resources: Option<Vec<ContextAwareResource>>,
    policies: Option<BTreeMap<String, GroupMember>>,
    expression: Option<String>,
    message: Option<String>,
    match_conditions: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupMember {
    module: String,
    #[serde(default)]
    settings: Option<Value>,
    context_aware_resources: Option<Vec<ContextAwareResource>>,
}

/// The configuration file found without `--config`, as linters find theirs.
pub const CONFIG_FILE: &str = ".upstream-first.yaml";
/// The configuration directory found without `--config` (read whole, or its kustomization).
pub const CONFIG_DIR: &str = ".upstream-first";

/// The configuration of a run without `--config`: [`CONFIG_FILE`] or [`CONFIG_DIR`] in `start`
/// or the nearest parent, not above the repository root (the first directory holding `.git`).
#[must_use]
pub fn discover(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let file = dir.join(CONFIG_FILE);
        if file.is_file() {
            return Some(file);
        }
        let directory = dir.join(CONFIG_DIR);
        if directory.is_dir() {
            return Some(directory);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

impl Config {
    /// Reads every configuration file.
    pub fn load(paths: &[PathBuf]) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        let mut files = Vec::new();
        for path in paths {
            collect_config_paths(path, &mut files, &mut HashSet::new())?;
        }
        for path in &files {
            let documents = Documents::read_paths(std::slice::from_ref(path));
            let base = if path.is_dir() {
                Some(path.clone())
            } else {
                path.parent().map(Path::to_path_buf)
            };
            config.add_readable_documents(&documents, base.as_deref())?;
        }
        Ok(config)
    }

    /// Reads the policy resources of one configuration text, named `file` in messages (the
    /// playground's editor, where modules are built-in: a relative path has no base).
    pub fn from_text(file: &str, text: &str) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        config.add_readable_documents(&Documents::parse(file, text), None)?;
        Ok(config)
    }

    /// [`Self::add_documents`], when every document could be read: a configuration is used
    /// whole or not at all.
    fn add_readable_documents(
        &mut self,
        documents: &Documents,
        base: Option<&Path>,
    ) -> Result<(), ConfigError> {
        if let Some(error) = documents.errors.first() {
            let location = error.to_string();
            let origin = location
                .strip_suffix(&format!(": {}", error.message))
                .unwrap_or(&error.file)
                .to_owned();
            return Err(ConfigError {
                origin,
                message: error.message.clone(),
            });
        }
        self.add_documents(documents, base)
    }

    /// Adds the policy resources of parsed documents (`base`: where relative modules are).
    pub fn add_documents(
        &mut self,
        documents: &Documents,
        base: Option<&Path>,
    ) -> Result<(), ConfigError> {
        for source in &documents.objects {
            let origin = format!("{}:{}", source.file, source.line);
            let object = &source.object;
            let kind = object["kind"].as_str().unwrap_or_default();
            let api_version = object["apiVersion"].as_str().unwrap_or_default();
            let group = crate::kinds::group_version(api_version).0;
            let Some(kind) =
                PolicyResourceKind::from_kind(kind).filter(|_| group == KUBEWARDEN_GROUP)
            else {
                self.notes.push(format!(
                    "{origin}: {api_version} {kind} is not a Kubewarden policy resource: ignored"
                ));
                continue;
            };
            let policy = parse_resource(kind, object, base, &origin)?;
            if let Some(existing) = self.policies.iter().find(|p| {
                p.name == policy.name && p.namespace == policy.namespace && p.kind == policy.kind
            }) {
                return Err(ConfigError {
                    origin,
                    message: format!(
                        "{} {} is defined twice (first at {})",
                        policy.kind, policy.name, existing.origin
                    ),
                });
            }
            if object["spec"]
                .get("matchConditions")
                .is_some_and(|m| !m.is_null())
            {
                self.notes.push(format!(
                    "{origin}: {kind} {}: matchConditions (CEL) are not evaluated offline; the policy sees every object its rules select",
                    policy.name
                ));
            }
            self.policies.push(policy);
        }
        Ok(())
    }
}

/// The names kustomize looks for in a directory.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];
/// The fields of a kustomization `--config` follows; any other (patches, namePrefix,
/// commonAnnotations, …) would change the resources, so it is refused rather than ignored.
const KUSTOMIZATION_FIELDS_READ: [&str; 4] = ["apiVersion", "kind", "metadata", "resources"];

/// What `--config PATH` reads: a file (or `-`) as is; a directory with a kustomization, the
/// paths its `resources` name (recursively, each kustomization once); any other directory whole.
fn collect_config_paths(
    path: &Path,
    paths: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
) -> Result<(), ConfigError> {
    let kustomization = path
        .is_dir()
        .then(|| {
            KUSTOMIZATION_FILES
                .iter()
                .map(|name| path.join(name))
                .find(|file| file.is_file())
        })
        .flatten();
    let Some(kustomization) = kustomization else {
        paths.push(path.to_path_buf());
        return Ok(());
    };
    if !visited.insert(path.canonicalize().unwrap_or_else(|_| path.to_path_buf())) {
        return Ok(());
    }
    let error = |message: String| ConfigError {
        origin: kustomization.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(&kustomization)
        .map_err(|e| error(format!("cannot read the kustomization: {e}")))?;
    let fields: serde_json::Map<String, Value> =
        serde_yaml_ng::from_str(&text).map_err(|e| error(format!("invalid kustomization: {e}")))?;
    if let Some(field) = fields
        .keys()
        .find(|field| !KUSTOMIZATION_FIELDS_READ.contains(&field.as_str()))
    {
        return Err(error(format!(
            "{field}: --config reads a kustomization's resources and does not apply its {field}; render it first: kubectl kustomize {} | upstream-first scan --config - …",
            path.display()
        )));
    }
    let resources = match fields.get("resources") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(resources)) => resources,
        Some(_) => return Err(error("resources: expected a list of paths".to_owned())),
    };
    for (i, resource) in resources.iter().enumerate() {
        let resource = resource
            .as_str()
            .ok_or_else(|| error(format!("resources[{i}]: expected a path")))?;
        if resource.contains("://") {
            return Err(error(format!(
                "resources[{i}]: {resource}: remote resources cannot be read offline"
            )));
        }
        let target = path.join(resource);
        if !target.exists() {
            return Err(error(format!(
                "resources[{i}]: {} does not exist",
                target.display()
            )));
        }
        collect_config_paths(&target, paths, visited)?;
    }
    Ok(())
}

fn parse_resource(
    kind: PolicyResourceKind,
    object: &Value,
    base: Option<&Path>,
    origin: &str,
) -> Result<PolicySpec, ConfigError> {
    let name = object["metadata"]["name"]
        .as_str()
        .filter(|name| !name.is_empty())
        .ok_or_else(|| ConfigError {
            origin: origin.to_owned(),
            message: format!("{kind} without metadata.name"),
        })?
        .to_owned();
    let origin = format!("{origin} ({kind} {name})");
    let error = |message: String| ConfigError {
        origin: origin.clone(),
        message,
    };
    let spec: ResourceSpec = serde_path_to_error::deserialize(&object["spec"])
        .map_err(|e| error(format!("spec.{}: {}", e.path(), e.inner())))?;
    let namespace = if kind.is_namespaced() {
        Some(
            object["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_owned(),
        )
    } else {
        None
    };
    let mode = match spec.mode.as_deref() {
        None | Some("protect") => Mode::Protect,
        Some("monitor") => Mode::Monitor,
        Some(other) => {
            return Err(error(format!(
                "spec.mode: {other:?} is not protect or monitor"
            )));
        }
    };
    let selector = |value: Option<&Value>, field: &str| -> Result<Option<Selector>, ConfigError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(value) => LabelSelector::from_json(value)
                .and_then(|selector| selector.to_selector())
                .map(Some)
                .map_err(|e| error(format!("spec.{field}: {e}"))),
        }
    };
    let namespace_selector = selector(spec.namespace_selector.as_ref(), "namespaceSelector")?;
    let object_selector = selector(spec.object_selector.as_ref(), "objectSelector")?;
    if kind.is_namespaced() && spec.context_aware_resources.is_some() {
        return Err(error(
            "spec.contextAwareResources: only cluster-wide policies may read other resources; use a ClusterAdmissionPolicy".to_owned(),
        ));
    }
    let settings = |settings: Option<Value>| match settings {
        None | Some(Value::Null) => Value::Object(serde_json::Map::new()),
        Some(settings) => settings,
    };

    let (members, expression, message) = if kind.is_group() {
        let policies = spec
            .policies
            .filter(|policies| !policies.is_empty())
            .ok_or_else(|| error("spec.policies: a group needs at least one policy".to_owned()))?;
        let members = policies
            .into_iter()
            .map(|(member, definition)| {
                let module = ModuleRef::parse(&definition.module, base)
                    .map_err(|e| error(format!("spec.policies.{member}.module: {e}")))?;
                Ok(MemberSpec {
                    name: member,
                    module,
                    settings: settings(definition.settings),
                    context_aware_resources: definition.context_aware_resources,
                })
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        let text = spec
            .expression
            .ok_or_else(|| error("spec.expression: a group needs an expression".to_owned()))?;
        let expression = Expression::parse(&text)
            .map_err(|e| error(format!("spec.expression {text:?}: {e}")))?;
        for called in expression.calls() {
            if !members.iter().any(|m| m.name == called) {
                return Err(error(format!(
                    "spec.expression calls {called}(), which is not one of spec.policies"
                )));
            }
        }
        let message = spec
            .message
            .unwrap_or_else(|| format!("the request was rejected by policy group {name}"));
        (members, Some(expression), Some(message))
    } else {
        let module = spec
            .module
            .ok_or_else(|| error("spec.module is required".to_owned()))?;
        let module =
            ModuleRef::parse(&module, base).map_err(|e| error(format!("spec.module: {e}")))?;
        let member = MemberSpec {
            name: name.clone(),
            module,
            settings: settings(spec.settings),
            context_aware_resources: spec.context_aware_resources,
        };
        (vec![member], None, None)
    };
    let _ = spec.match_conditions;
    let annotations = object["metadata"]["annotations"]
        .as_object()
        .map(|annotations| {
            annotations
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(PolicySpec {
        kind,
        name,
        namespace,
        mode,
        rules: spec.rules,
        mutating: spec.mutating,
        namespace_selector,
        object_selector,
        annotations,
        members,
        expression,
        message,
        origin,
    })
}

/// A policy group's expression: member calls (`name()`) combined with `&&`, `||`, `!` and
/// parentheses (the subset of CEL Kubewarden groups use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    /// `name()`: whether that member accepted the request.
    Call(String),
    /// `true` / `false`.
    Literal(bool),
    /// `!e`.
    Not(Box<Expression>),
    /// `a && b`.
    And(Box<Expression>, Box<Expression>),
    /// `a || b`.
    Or(Box<Expression>, Box<Expression>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Open,
    Close,
    And,
    Or,
    Not,
}

impl Expression {
    /// Parses an expression.
    pub fn parse(text: &str) -> Result<Self, String> {
        let tokens = tokenize(text)?;
        let mut position = 0;
        let expression = parse_or(&tokens, &mut position, 0)?;
        if position != tokens.len() {
            return Err(format!("unexpected {:?}", tokens[position]));
        }
        Ok(expression)
    }

    /// Evaluates it with the members' verdicts.
    pub fn evaluate(&self, accepted: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Self::Call(name) => accepted(name),
            Self::Literal(value) => *value,
            Self::Not(inner) => !inner.evaluate(accepted),
            Self::And(a, b) => a.evaluate(accepted) && b.evaluate(accepted),
            Self::Or(a, b) => a.evaluate(accepted) || b.evaluate(accepted),
        }
    }

    /// The members it calls.
    #[must_use]
    pub fn calls(&self) -> Vec<String> {
        let mut calls = Vec::new();
        self.collect_calls(&mut calls);
        calls
    }

    fn collect_calls(&self, calls: &mut Vec<String>) {
        match self {
            Self::Call(name) => calls.push(name.clone()),
            Self::Literal(_) => {}
            Self::Not(inner) => inner.collect_calls(calls),
            Self::And(a, b) | Self::Or(a, b) => {
                a.collect_calls(calls);
                b.collect_calls(calls);
            }
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            '!' => tokens.push(Token::Not),
            '&' if chars.next_if_eq(&'&').is_some() => tokens.push(Token::And),
            '|' if chars.next_if_eq(&'|').is_some() => tokens.push(Token::Or),
            c if c.is_alphanumeric() || c == '_' || c == '-' => {
                let mut ident = String::from(c);
                while let Some(next) =
                    chars.next_if(|n| n.is_alphanumeric() || *n == '_' || *n == '-')
                {
                    ident.push(next);
                }
                tokens.push(Token::Ident(ident));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(tokens)
}

/// Deep enough for any real group; deeper nesting is refused rather than overflowing the stack.
const MAX_EXPRESSION_DEPTH: usize = 64;

fn parse_or(tokens: &[Token], position: &mut usize, depth: usize) -> Result<Expression, String> {
    let mut left = parse_and(tokens, position, depth)?;
    while tokens.get(*position) == Some(&Token::Or) {
        *position += 1;
        let right = parse_and(tokens, position, depth)?;
        left = Expression::Or(Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn parse_and(tokens: &[Token], position: &mut usize, depth: usize) -> Result<Expression, String> {
    let mut left = parse_unary(tokens, position, depth)?;
    while tokens.get(*position) == Some(&Token::And) {
        *position += 1;
        let right = parse_unary(tokens, position, depth)?;
        left = Expression::And(Box::new(left), Box::new(right));
    }
    Ok(left)
}

fn parse_unary(tokens: &[Token], position: &mut usize, depth: usize) -> Result<Expression, String> {
    if depth > MAX_EXPRESSION_DEPTH {
        return Err("expression nested too deeply".to_owned());
    }
    match tokens.get(*position) {
        Some(Token::Not) => {
            *position += 1;
            Ok(Expression::Not(Box::new(parse_unary(
                tokens,
                position,
                depth + 1,
            )?)))
        }
        Some(Token::Open) => {
            *position += 1;
            let inner = parse_or(tokens, position, depth + 1)?;
            if tokens.get(*position) != Some(&Token::Close) {
                return Err("missing ')'".to_owned());
            }
            *position += 1;
            Ok(inner)
        }
        Some(Token::Ident(ident)) => {
            *position += 1;
            match ident.as_str() {
                "true" => return Ok(Expression::Literal(true)),
                "false" => return Ok(Expression::Literal(false)),
                _ => {}
            }
            if tokens.get(*position) == Some(&Token::Open)
                && tokens.get(*position + 1) == Some(&Token::Close)
            {
                *position += 2;
                Ok(Expression::Call(ident.clone()))
            } else {
                Err(format!("{ident} must be called: {ident}()"))
            }
        }
        Some(other) => Err(format!("unexpected {other:?}")),
        None => Err("unexpected end of expression".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    #[rstest]
    #[case("registry://ghcr.io/example/upstream-first/no-raw-datastores:latest", ModuleRef::Builtin("no-raw-datastores".into()))]
    #[case("registry://ghcr.io/x/pvc-contract@sha256:abc", ModuleRef::Builtin("pvc-contract".into()))]
    #[case("registry://localhost:5000/pvc-contract", ModuleRef::Builtin("pvc-contract".into()))]
    #[case("file:///opt/p.wasm", ModuleRef::File("/opt/p.wasm".into()))]
    #[case("file://p.wasm", ModuleRef::File("/cfg/p.wasm".into()))]
    #[case("policies/p.wasm", ModuleRef::File("/cfg/policies/p.wasm".into()))]
    #[case("require-network-policy", ModuleRef::Builtin("require-network-policy".into()))]
    fn module_references(#[case] reference: &str, #[case] expected: ModuleRef) {
        assert_eq!(
            ModuleRef::parse(reference, Some(Path::new("/cfg"))),
            Ok(expected)
        );
    }

    #[test]
    fn remote_modules_are_refused_with_a_fix() {
        let error = ModuleRef::parse("https://example.com/p.wasm", None).expect_err("remote");
        assert!(error.contains("download the module"), "{error}");
    }

    fn config(yaml: &str) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        config.add_documents(&Documents::parse("c.yaml", yaml), None)?;
        Ok(config)
    }

    #[test]
    fn cluster_admission_policy_fields() {
        let config = config(
            r#"
apiVersion: policies.kubewarden.io/v1
kind: ClusterAdmissionPolicy
metadata:
  name: storage
  annotations: {io.kubewarden.policy.severity: high}
spec:
  module: registry://ghcr.io/x/pvc-contract:v1
  mode: monitor
  rules: [{apiGroups: [""], apiVersions: [v1], resources: [persistentvolumeclaims], operations: [CREATE]}]
  namespaceSelector: {matchLabels: {team: a}}
  objectSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [db]}]}
  settings: {allowedStorageClasses: [standard]}
---
apiVersion: policies.kubewarden.io/v1
kind: PolicyServer
metadata: {name: default}
"#,
        )
        .expect("valid config");
        let [policy] = config.policies.as_slice() else {
            panic!("one policy expected");
        };
        assert_eq!(policy.name, "storage");
        assert_eq!(policy.mode, Mode::Monitor);
        assert_eq!(
            policy.members[0].module,
            ModuleRef::Builtin("pvc-contract".into())
        );
        assert_eq!(
            policy.members[0].settings,
            json!({"allowedStorageClasses": ["standard"]})
        );
        assert_eq!(policy.rules.as_ref().map(Vec::len), Some(1));
        assert!(policy.namespace_selector.is_some() && policy.object_selector.is_some());
        assert_eq!(policy.annotations["io.kubewarden.policy.severity"], "high");
        assert_eq!(config.notes.len(), 1, "{:?}", config.notes);
    }

    #[rstest]
    #[case(
        "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicy\nmetadata: {name: p}\nspec: {module: x, mode: audit}\n",
        "c.yaml:1 (ClusterAdmissionPolicy p): spec.mode: \"audit\" is not protect or monitor"
    )]
    #[case(
        "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicy\nmetadata: {name: p}\nspec: {settings: {}}\n",
        "c.yaml:1 (ClusterAdmissionPolicy p): spec.module is required"
    )]
    #[case(
        "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicy\nmetadata: {name: p}\nspec: {module: x, rules: [{apiGroups: 3}]}\n",
        "c.yaml:1 (ClusterAdmissionPolicy p): spec.rules[0].apiGroups: invalid type: integer `3`, expected a sequence"
    )]
    #[case(
        "apiVersion: policies.kubewarden.io/v1\nkind: AdmissionPolicy\nmetadata: {name: p, namespace: a}\nspec: {module: x, contextAwareResources: [{apiVersion: v1, kind: Secret}]}\n",
        "c.yaml:1 (AdmissionPolicy p): spec.contextAwareResources: only cluster-wide policies may read other resources; use a ClusterAdmissionPolicy"
    )]
    #[case(
        "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicyGroup\nmetadata: {name: g}\nspec: {policies: {a: {module: x}}, expression: \"a() && b()\"}\n",
        "c.yaml:1 (ClusterAdmissionPolicyGroup g): spec.expression calls b(), which is not one of spec.policies"
    )]
    fn invalid_resources_are_refused_naming_the_field(#[case] yaml: &str, #[case] expected: &str) {
        let error = config(yaml).expect_err("invalid");
        assert_eq!(error.to_string(), expected);
    }

    #[test]
    fn groups_have_members_and_an_expression() {
        let config = config(
            "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicyGroup\nmetadata: {name: g}\nspec:\n  policies:\n    raw: {module: no-raw-datastores}\n    chart: {module: require-upstream-chart, settings: {a: 1}}\n  expression: \"raw() && !(false || !chart())\"\n  message: not upstream\n",
        )
        .expect("valid group");
        let group = &config.policies[0];
        assert_eq!(group.members.len(), 2);
        assert_eq!(group.message.as_deref(), Some("not upstream"));
        let expression = group.expression.as_ref().expect("expression");
        assert!(expression.evaluate(&|_| true));
        assert!(!expression.evaluate(&|name| name != "chart"));
    }

    #[rstest]
    #[case("(a()", "missing ')'")]
    #[case("a", "a must be called: a()")]
    #[case("a() &", "unexpected character '&'")]
    #[case("a() b()", "unexpected Ident(\"b\")")]
    #[case("", "unexpected end of expression")]
    fn invalid_expressions(#[case] text: &str, #[case] message: &str) {
        assert_eq!(Expression::parse(text), Err(message.to_owned()));
    }

    /// Files written under a fresh directory of the system's temp directory.
    fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("upstream-first-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("directory");
            std::fs::write(&path, text).expect("file written");
        }
        dir
    }

    fn policy_resource(name: &str) -> String {
        format!(
            "apiVersion: policies.kubewarden.io/v1\nkind: ClusterAdmissionPolicy\nmetadata: {{name: {name}}}\nspec: {{module: registry://x/{name}:v1}}\n"
        )
    }

    #[test]
    fn a_kustomization_is_read_through_its_resources_and_its_patches_are_refused() {
        let raw = policy_resource("no-raw-datastores");
        let chart = policy_resource("require-upstream-chart");
        let dir = tree(
            "kustomized",
            &[
                ("kustomization.yaml", "resources: [policies]\n"),
                (
                    "policies/kustomization.yaml",
                    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [raw.yaml]\n",
                ),
                ("policies/raw.yaml", &raw),
                ("policies/unlisted.yaml", &chart),
                (
                    "monitor/kustomization.yaml",
                    "resources: [../policies]\npatches: [{path: monitor.yaml}]\n",
                ),
                ("plain/nested/chart.yaml", &chart),
            ],
        );
        let names = |config: &Config| -> Vec<String> {
            config.policies.iter().map(|p| p.name.clone()).collect()
        };

        let config = Config::load(std::slice::from_ref(&dir)).expect("valid kustomization");
        assert_eq!(names(&config), ["no-raw-datastores"]);
        assert!(config.notes.is_empty(), "{:?}", config.notes);

        let error = Config::load(&[dir.join("monitor")]).expect_err("patches");
        assert_eq!(
            error.to_string(),
            format!(
                "{}: patches: --config reads a kustomization's resources and does not apply its patches; render it first: kubectl kustomize {} | upstream-first scan --config - …",
                dir.join("monitor").join("kustomization.yaml").display(),
                dir.join("monitor").display()
            )
        );

        // Without a kustomization, a directory is read whole.
        let config = Config::load(&[dir.join("plain")]).expect("valid directory");
        assert_eq!(names(&config), ["require-upstream-chart"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
