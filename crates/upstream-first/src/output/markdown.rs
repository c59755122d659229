//! `--format markdown`: a pull request comment or `$GITHUB_STEP_SUMMARY`. A summary table per
//! policy, then the fixes grouped by upstream replacement, the replacement that removes the most
//! hand-rolled resources first (the "priority cut order" of the audits).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::report::{ScanReport, Verdict, split_findings};

use super::{RenderOptions, TOOL_NAME};

/// Heading of the findings that have no fix in their message.
pub const OTHER_FINDINGS: &str = "Other findings";

/// Escapes text for a Markdown table cell or list item.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        // `_` and `*` inside words do not emphasise in GitHub Markdown, and escaping them
        // would break the URLs of the fixes.
        if matches!(c, '|' | '`' | '<' | '>' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// One resource under a fix.
struct Item {
    /// Whether `upstream-first migrate` writes its replacement.
    migrates: bool,
    object: usize,
    policy: usize,
    verdict: Verdict,
    problem: String,
    example: Option<String>,
}

/// A fix and the resources it applies to.
struct Group {
    fix: String,
    items: Vec<Item>,
}

impl Group {
    fn objects(&self) -> usize {
        self.items
            .iter()
            .map(|i| i.object)
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Cut first what removes the most resources, then what is enforced, then what is severe.
    fn priority(&self, report: &ScanReport) -> (usize, Verdict, u8) {
        let worst = self
            .items
            .iter()
            .map(|item| item.verdict)
            .max()
            .unwrap_or(Verdict::Pass);
        let severity = self
            .items
            .iter()
            .map(|item| severity_rank(&report.policies[item.policy].info.severity))
            .max()
            .unwrap_or(0);
        (self.objects(), worst, severity)
    }
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The heading of a fix: its first line, without the colon that introduces an example.
fn fix_heading(fix: &str) -> &str {
    fix.trim_end_matches(':')
        .trim_end_matches(", for example")
        .trim_end()
}

/// Renders the report.
#[must_use]
pub fn render(report: &ScanReport, options: &RenderOptions) -> String {
    let summary = report.summary();
    let counts = summary.counts;
    let mut out = String::new();
    let headline = if counts.fail + counts.error + summary.input_errors == 0 {
        format!(
            "## {TOOL_NAME}: no rejection in {} objects",
            summary.objects
        )
    } else {
        format!(
            "## {TOOL_NAME}: {} rejected, {} warnings, {} errors in {} objects",
            counts.fail,
            counts.warn,
            counts.error + summary.input_errors,
            summary.objects
        )
    };
    let _ = writeln!(out, "{headline}\n");
    let _ = writeln!(
        out,
        "| policy | mode | rejected | warnings | errors | passed |\n| --- | --- | ---: | ---: | ---: | ---: |"
    );
    for policy in &report.policies {
        let c = summary
            .by_policy
            .get(&policy.name)
            .copied()
            .unwrap_or_default();
        let name = match &policy.info.url {
            Some(url) => format!("[{}]({url})", escape(&policy.name)),
            None => escape(&policy.name),
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} |",
            policy.mode, c.fail, c.warn, c.error, c.pass
        );
    }
    let _ = writeln!(
        out,
        "\n{} objects read, {} evaluated; {} documents skipped.",
        summary.objects, summary.evaluated_objects, summary.skipped_documents
    );

    if !report.errors.is_empty() {
        out.push_str("\n### Inputs that could not be read\n\n");
        for error in &report.errors {
            let _ = writeln!(out, "- `{}`", error.to_string().replace('`', "'"));
        }
    }

    let mut groups: Vec<Group> = Vec::new();
    let mut other: Vec<Item> = Vec::new();
    for evaluation in report.findings() {
        let object = &report.objects[evaluation.object];
        let message = match &evaluation.message {
            Some(message) if evaluation.rejected => message.clone(),
            _ => evaluation.warnings.join("\n"),
        };
        for finding in split_findings(&message, &object.id) {
            let (fix, example) = match &finding.fix {
                Some(fix) => match fix.split_once('\n') {
                    Some((first, rest)) => (Some(first.to_owned()), Some(rest.to_owned())),
                    None => (Some(fix.clone()), None),
                },
                None => (None, None),
            };
            let item = Item {
                migrates: evaluation.migration.is_some(),
                object: evaluation.object,
                policy: evaluation.policy,
                verdict: evaluation.verdict,
                problem: finding.problem,
                example,
            };
            match fix {
                Some(fix) => match groups.iter_mut().find(|g| g.fix == fix) {
                    Some(group) => group.items.push(item),
                    None => groups.push(Group {
                        fix,
                        items: vec![item],
                    }),
                },
                None => other.push(item),
            }
        }
    }
    // Stable: equal priorities keep the order of first appearance.
    groups.sort_by_key(|group| std::cmp::Reverse(group.priority(report)));

    if !groups.is_empty() {
        out.push_str("\n### Priority cut order: fixes by upstream replacement\n\n");
        for (rank, group) in groups.iter().enumerate() {
            let _ = writeln!(
                out,
                "#### {}. {} ({} {})\n",
                rank + 1,
                escape(fix_heading(&group.fix)),
                group.objects(),
                if group.objects() == 1 {
                    "resource"
                } else {
                    "resources"
                }
            );
            write_items(&mut out, report, &group.items);
            let files: BTreeSet<&str> = group
                .items
                .iter()
                .filter(|item| item.migrates)
                .map(|item| &*report.objects[item.object].file)
                .collect();
            if !files.is_empty() {
                let files: Vec<&str> = files.into_iter().collect();
                let _ = writeln!(
                    out,
                    "\nWrite the replacements: `{}`",
                    crate::migrate::command(&files.join(" "))
                );
            }
            out.push('\n');
        }
    }
    if !other.is_empty() {
        let _ = writeln!(out, "\n### {OTHER_FINDINGS}\n");
        write_items(&mut out, report, &other);
    }
    if options.show_patches {
        let patched: Vec<_> = report
            .evaluations
            .iter()
            .filter(|e| e.patch.is_some())
            .collect();
        if !patched.is_empty() {
            out.push_str("\n### Mutations\n\n");
            for evaluation in patched {
                let object = &report.objects[evaluation.object];
                let patch = serde_json::to_string_pretty(&evaluation.patch).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- `{}` ({}:{}): {}\n\n  ```json\n  {}\n  ```",
                    object.id,
                    object.file,
                    object.line,
                    escape(&report.policies[evaluation.policy].name),
                    patch.replace('\n', "\n  ")
                );
            }
        }
    }
    out
}

fn write_items(out: &mut String, report: &ScanReport, items: &[Item]) {
    for item in items {
        let object = &report.objects[item.object];
        let policy = &report.policies[item.policy];
        let marker = match item.verdict {
            Verdict::Warn => " (warning)",
            Verdict::Error => " (error)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "- `{}` — {}:{} — {}{marker} — {}",
            object.id,
            escape(&object.file),
            object.line,
            escape(&policy.name),
            escape(&item.problem).replace('\n', " "),
        );
        if let Some(example) = &item.example {
            let _ = writeln!(
                out,
                "  <details><summary>example</summary>\n\n  ```yaml\n  {}\n  ```\n  </details>",
                example.replace('\n', "\n  ")
            );
        }
    }
}
