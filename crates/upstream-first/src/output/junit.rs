//! `--format junit`: JUnit XML, as CI systems display test results. One test suite per policy,
//! one test case per evaluated object (`<failure>` when rejected, `<error>` when the policy could
//! not evaluate it, warnings in `<system-out>`); input errors are the test suite `inputs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::report::{Evaluation, ScanReport, Verdict};

use super::TOOL_NAME;

/// The test suite of input errors.
pub const INPUTS_SUITE: &str = "inputs";

/// Escapes text for XML attributes and content (and drops characters XML 1.0 forbids).
#[must_use]
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if (c as u32) < 0x20 => {}
            c => escaped.push(c),
        }
    }
    escaped
}

fn seconds(evaluations: &[&Evaluation]) -> f64 {
    evaluations.iter().map(|e| e.duration.as_secs_f64()).sum()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Renders the report.
#[must_use]
pub fn render(report: &ScanReport) -> String {
    let mut by_policy: BTreeMap<usize, Vec<&Evaluation>> = BTreeMap::new();
    for evaluation in &report.evaluations {
        by_policy
            .entry(evaluation.policy)
            .or_default()
            .push(evaluation);
    }
    let summary = report.summary();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total_time: f64 = report
        .evaluations
        .iter()
        .map(|e| e.duration.as_secs_f64())
        .sum();
    let _ = writeln!(
        out,
        "<testsuites name=\"{TOOL_NAME}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{total_time:.6}\">",
        summary.counts.total() + report.errors.len(),
        summary.counts.fail,
        summary.counts.error + report.errors.len(),
    );
    for (index, policy) in report.policies.iter().enumerate() {
        let evaluations = by_policy.remove(&index).unwrap_or_default();
        let count = |verdict: Verdict| evaluations.iter().filter(|e| e.verdict == verdict).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{:.6}\">",
            escape(&policy.name),
            evaluations.len(),
            count(Verdict::Fail),
            count(Verdict::Error),
            seconds(&evaluations),
        );
        for evaluation in evaluations {
            let object = &report.objects[evaluation.object];
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.6}\"",
                escape(&object.id.to_string()),
                escape(&policy.name),
                escape(&object.file),
                object.line,
                evaluation.duration.as_secs_f64(),
            );
            let message = evaluation.message.as_deref().unwrap_or_default();
            let mut system_out = evaluation.warnings.join("\n");
            let element = match evaluation.verdict {
                Verdict::Fail => Some("failure"),
                Verdict::Error => Some("error"),
                Verdict::Warn => {
                    if !message.is_empty() {
                        system_out = format!("{message}\n{system_out}").trim_end().to_owned();
                    }
                    None
                }
                Verdict::Pass => None,
            };
            if element.is_none() && system_out.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            if let Some(element) = element {
                let _ = writeln!(
                    out,
                    "      <{element} message=\"{}\" type=\"{}\">{}</{element}>",
                    escape(first_line(message)),
                    evaluation.verdict,
                    escape(message),
                );
            }
            if !system_out.is_empty() {
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    escape(&system_out)
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    if !report.errors.is_empty() {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{INPUTS_SUITE}\" tests=\"{0}\" failures=\"0\" errors=\"{0}\" skipped=\"0\" time=\"0\">",
            report.errors.len()
        );
        for error in &report.errors {
            let _ = writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{INPUTS_SUITE}\" file=\"{}\" line=\"{}\">\n      <error message=\"{}\" type=\"input\">{}</error>\n    </testcase>",
                escape(&error.file),
                escape(&error.file),
                error.line.unwrap_or(0),
                escape(&error.message),
                escape(&error.to_string()),
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
