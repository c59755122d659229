//! `--format text`: findings grouped by resource, each fix on its own line.

use std::fmt::Write as _;

use crate::report::{Evaluation, ScanReport, Verdict, split_findings};

use super::RenderOptions;

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const MAGENTA: &str = "\x1b[35m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    fn tag(&self, verdict: Verdict) -> String {
        let (code, label) = match verdict {
            Verdict::Pass => (GREEN, "PASS "),
            Verdict::Warn => (YELLOW, "WARN "),
            Verdict::Fail => (RED, "FAIL "),
            Verdict::Error => (MAGENTA, "ERROR"),
        };
        self.paint(&format!("{BOLD}{code}"), label)
    }
}

/// Indents every line after the first by `indent`.
fn continue_lines(text: &str, indent: &str) -> String {
    text.lines()
        .collect::<Vec<_>>()
        .join(&format!("\n{indent}"))
}

fn write_evaluation(
    out: &mut String,
    report: &ScanReport,
    evaluation: &Evaluation,
    style: &Style,
    options: &RenderOptions,
) {
    let object = &report.objects[evaluation.object];
    let policy = &report.policies[evaluation.policy];
    let name = if policy.mode.as_str() == "monitor" {
        format!("{} (monitor)", policy.name)
    } else {
        policy.name.clone()
    };
    if evaluation.rejected
        && let Some(message) = evaluation.message.as_deref()
    {
        for finding in split_findings(message, &object.id) {
            let _ = writeln!(
                out,
                "  {} {}  {}",
                style.tag(evaluation.verdict),
                style.paint(BOLD, &name),
                continue_lines(&finding.problem, "        ")
            );
            if let Some(mut fix) = finding.fix {
                if let Some(offer) = &evaluation.migration {
                    fix = format!(
                        "{fix}\nthen `{}` writes {}",
                        crate::migrate::command(&object.file),
                        offer.describe()
                    );
                }
                let _ = writeln!(
                    out,
                    "        {} {}",
                    style.paint(CYAN, "fix:"),
                    continue_lines(&fix, "          ")
                );
            }
        }
    }
    for warning in &evaluation.warnings {
        let _ = writeln!(
            out,
            "  {} {}  {}",
            style.tag(Verdict::Warn),
            style.paint(BOLD, &name),
            continue_lines(warning, "        ")
        );
    }
    if options.show_patches
        && let Some(patch) = &evaluation.patch
    {
        let _ = writeln!(
            out,
            "  {} {}  would apply this JSONPatch:",
            style.paint(&format!("{BOLD}{CYAN}"), "PATCH"),
            style.paint(BOLD, &policy.name),
        );
        for operation in patch.as_array().into_iter().flatten() {
            let _ = writeln!(out, "        {operation}");
        }
    }
}

/// Renders the report.
#[must_use]
pub fn render(report: &ScanReport, options: &RenderOptions) -> String {
    let style = Style {
        color: options.color,
    };
    let mut out = String::new();
    for error in &report.errors {
        let _ = writeln!(out, "{} {error}", style.tag(Verdict::Error));
    }
    if !report.errors.is_empty() {
        out.push('\n');
    }
    let mut current: Option<usize> = None;
    for evaluation in &report.evaluations {
        let interesting = evaluation.verdict != Verdict::Pass
            || (options.show_patches && evaluation.patch.is_some());
        if !interesting && !options.verbose {
            continue;
        }
        if current != Some(evaluation.object) {
            if current.is_some() {
                out.push('\n');
            }
            current = Some(evaluation.object);
            let object = &report.objects[evaluation.object];
            let location = match &object.template {
                Some(template) => format!("{}:{} ({template})", object.file, object.line),
                None => format!("{}:{}", object.file, object.line),
            };
            let _ = writeln!(
                out,
                "{}  {}",
                style.paint(BOLD, &object.id.to_string()),
                style.paint(DIM, &location)
            );
        }
        if interesting {
            write_evaluation(&mut out, report, evaluation, &style, options);
        } else {
            let _ = writeln!(
                out,
                "  {} {}",
                style.tag(Verdict::Pass),
                style.paint(BOLD, &report.policies[evaluation.policy].name)
            );
        }
    }
    if current.is_some() {
        out.push('\n');
    }
    for skipped in &report.skipped {
        let _ = writeln!(
            out,
            "{} {}:{}: {}",
            style.paint(DIM, "skipped"),
            skipped.file,
            skipped.line,
            skipped.reason
        );
    }
    let summary = report.summary();
    let counts = summary.counts;
    let verdicts = [
        (counts.fail, "rejected", RED),
        (counts.warn, "with warnings", YELLOW),
        (counts.error, "errors", MAGENTA),
    ];
    let mut parts: Vec<String> = verdicts
        .iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, label, code)| {
            style.paint(&format!("{BOLD}{code}"), &format!("{count} {label}"))
        })
        .collect();
    parts.push(format!("{} passed", counts.pass));
    let _ = write!(
        out,
        "{} objects ({} evaluated by {} policies), {} evaluations: {}",
        summary.objects,
        summary.evaluated_objects,
        report.policies.len(),
        counts.total(),
        parts.join(", ")
    );
    if summary.skipped_documents > 0 {
        let _ = write!(out, "; {} documents skipped", summary.skipped_documents);
    }
    if summary.input_errors > 0 {
        let _ = write!(
            out,
            "; {}",
            style.paint(
                &format!("{BOLD}{MAGENTA}"),
                &format!("{} input errors", summary.input_errors)
            )
        );
    }
    out.push('\n');
    out
}
