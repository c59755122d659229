//! Output formats of a scan report.

use std::fmt;

use crate::report::ScanReport;

pub mod json;
pub mod junit;
pub mod markdown;
pub mod policy_reports;
pub mod sarif;
pub mod text;

/// The project's home page, named in reports.
pub const INFORMATION_URI: &str = "https://github.com/upstream-first/upstream-first";

/// The tool's name in reports.
pub const TOOL_NAME: &str = "upstream-first";

/// The tool's version in reports.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// For people: findings grouped by resource, each fix on its own line.
    Text,
    /// Every evaluation and a summary (schema in the README).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning): one rule per policy, one result per finding.
    Sarif,
    /// JUnit XML: one test suite per policy, one test case per evaluated object.
    Junit,
    /// Markdown for a pull request comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
    /// `openreports.io/v1alpha1` Report / ClusterReport per resource (Kubewarden's audit scanner).
    Openreports,
    /// `wgpolicyk8s.io/v1alpha2` PolicyReport / ClusterPolicyReport per resource.
    Policyreport,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::Sarif => "sarif",
            Self::Junit => "junit",
            Self::Markdown => "markdown",
            Self::Openreports => "openreports",
            Self::Policyreport => "policyreport",
        })
    }
}

/// How to render.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours (text format).
    pub color: bool,
    /// Print the JSONPatch of mutating policies (text and markdown formats; JSON always has it).
    pub show_patches: bool,
    /// List passing resources too (text format).
    pub verbose: bool,
}

/// Renders a report.
#[must_use]
pub fn render(format: Format, report: &ScanReport, options: &RenderOptions) -> String {
    match format {
        Format::Text => text::render(report, options),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Markdown => markdown::render(report, options),
        Format::Openreports => {
            policy_reports::render(report, policy_reports::ReportApi::OpenReports)
        }
        Format::Policyreport => policy_reports::render(report, policy_reports::ReportApi::WgPolicy),
    }
}

/// Pretty JSON text (serialising a `Value` cannot fail).
fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
