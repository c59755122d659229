//! Settings of no-sql-mutating-jobs, besides the shared ones (`exemptNamespaces`,
//! `exemptions`, `allowAnnotationExemptions`, `warnOnly`, `enforceOnUpdate`).

use job_scripts::Options;
use job_scripts::rule::{HttpScope, OpaqueScripts, RuleSettings};
use serde::Deserialize;
use upstream_first_rules::settings::Validate;

pub const EMPTY_TOOL: &str = "must not be empty";
pub const TOOL_NOT_A_NAME: &str = "must be a command or image name, without spaces or slashes (it matches the program name and the image's last path segment)";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Which HTTP writes to in-cluster services are violations: `hooks` (Argo CD and Helm
    /// hooks only), `all`, `off`.
    #[serde(default)]
    pub http_scope: HttpScope,
    /// What a script that cannot be inspected is: `reject`, `warn`, `allow`.
    #[serde(default)]
    pub opaque_scripts: OpaqueScripts,
    /// Versioned migration tools that pass. When set, it replaces the default list
    /// (`job_scripts::DEFAULT_ALLOWED_TOOLS`); list the defaults you keep.
    #[serde(default)]
    pub allowed_tools: Option<Vec<String>>,
}

impl Settings {
    pub fn rule_settings(&self) -> RuleSettings {
        let mut options = Options::default();
        if let Some(tools) = &self.allowed_tools {
            options.allowed_tools = tools.iter().map(|t| t.trim().to_owned()).collect();
        }
        RuleSettings {
            http_scope: self.http_scope,
            opaque_scripts: self.opaque_scripts,
            options,
        }
    }
}

impl Validate for Settings {
    fn validate(&self) -> Result<(), String> {
        for (i, tool) in self.allowed_tools.iter().flatten().enumerate() {
            let tool = tool.trim();
            if tool.is_empty() {
                return Err(format!("allowedTools[{i}]: {EMPTY_TOOL}"));
            }
            if tool.contains(|c: char| c.is_whitespace() || c == '/') {
                return Err(format!("allowedTools[{i}]: {TOOL_NOT_A_NAME}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use job_scripts::DEFAULT_ALLOWED_TOOLS;
    use rstest::rstest;
    use serde_json::{Value, json};
    use upstream_first_rules::settings::parse;

    #[test]
    fn defaults() {
        let settings = parse::<Settings>(&json!({}))
            .unwrap()
            .policy
            .rule_settings();
        assert_eq!(settings.http_scope, HttpScope::Hooks);
        assert_eq!(settings.opaque_scripts, OpaqueScripts::Reject);
        assert_eq!(settings.options.allowed_tools, DEFAULT_ALLOWED_TOOLS);
    }

    #[test]
    fn allowed_tools_replace_the_defaults() {
        let raw = json!({"allowedTools": ["flyway", "my-migrator"], "httpScope": "all", "opaqueScripts": "warn"});
        let settings = parse::<Settings>(&raw).unwrap().policy.rule_settings();
        assert_eq!(settings.options.allowed_tools, ["flyway", "my-migrator"]);
        assert_eq!(settings.http_scope, HttpScope::All);
        assert_eq!(settings.opaque_scripts, OpaqueScripts::Warn);
    }

    #[rstest]
    #[case(json!({"httpScope": "hooks"}))]
    #[case(json!({"httpScope": "off", "opaqueScripts": "allow"}))]
    #[case(json!({"allowedTools": []}))]
    #[case(json!({"allowedTools": ["flyway", "kong-migrations"], "warnOnly": true}))]
    fn valid(#[case] raw: Value) {
        parse::<Settings>(&raw).unwrap();
    }

    #[rstest]
    #[case(json!({"httpScope": "some"}), "httpScope: unknown variant `some`, expected one of `hooks`, `all`, `off`")]
    #[case(json!({"opaqueScripts": "deny"}), "opaqueScripts: unknown variant `deny`, expected one of `reject`, `warn`, `allow`")]
    #[case(json!({"allowedTools": "flyway"}), "allowedTools: invalid type: string \"flyway\", expected a sequence")]
    #[case(json!({"allowedTools": ["flyway", " "]}), "allowedTools[1]: must not be empty")]
    #[case(json!({"allowedTools": ["/usr/bin/flyway"]}), "allowedTools[0]: must be a command or image name, without spaces or slashes (it matches the program name and the image's last path segment)")]
    #[case(json!({"allowedTool": ["flyway"]}), "allowedTool: unknown field `allowedTool`, expected one of `httpScope`, `opaqueScripts`, `allowedTools`")]
    fn invalid(#[case] raw: Value, #[case] message: &str) {
        assert_eq!(parse::<Settings>(&raw).unwrap_err(), message);
    }
}
