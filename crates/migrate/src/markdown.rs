//! `MIGRATION.md`: per workload, the replacement and why, the objects it supersedes, the data
//! steps, and what is left to decide by hand.

use std::fmt::Write as _;

use crate::facts::{DataVolume, Facts};
use crate::{Plan, Replacement};

/// The report of a plan.
pub fn report(plan: &Plan) -> String {
    let mut out = String::from("# Migration to upstream charts and operators\n\n");
    let target = plan
        .requested
        .map_or("each workload's default target".to_owned(), |t| {
            format!("target `{t}`")
        });
    let _ = writeln!(
        out,
        "Written by `upstream-first migrate` ({target}): {} workload(s) replaced, {} not.\n",
        plan.replacements.len(),
        plan.unmigrated.len()
    );
    if !plan.replacements.is_empty() {
        out.push_str("| Workload | Replaced by | Files |\n| --- | --- | --- |\n");
        for r in &plan.replacements {
            let files: Vec<String> = r
                .rendered
                .files
                .iter()
                .map(|f| format!("`{}`", f.path))
                .collect();
            let _ = writeln!(
                out,
                "| {} ({}) | {} | {} |",
                r.facts.workload,
                r.component,
                r.rendered.summary,
                files.join(", ")
            );
        }
        out.push('\n');
    }
    for replacement in &plan.replacements {
        section(&mut out, replacement);
    }
    if !plan.unmigrated.is_empty() {
        out.push_str("## Not migrated\n\n");
        for u in &plan.unmigrated {
            let _ = writeln!(
                out,
                "- {} ({}): {}. `{}`: {}",
                u.workload, u.component, u.reason, u.policy, u.message
            );
        }
        out.push('\n');
    }
    out
}

fn section(out: &mut String, r: &Replacement) {
    let facts = &r.facts;
    let rendered = &r.rendered;
    let _ = writeln!(out, "## {}\n", facts.workload);
    let _ = writeln!(out, "Why: `{}` rejects it: {}\n", r.policy, r.message);
    let _ = writeln!(out, "Replacement: {}.", rendered.summary);
    if let Some(install) = &rendered.operator_install {
        let _ = writeln!(out, "Install the operator first: <{install}>.");
    }
    if let Some(install) = &rendered.install {
        let _ = writeln!(out, "\n```sh\n{install}\n```");
    }
    out.push('\n');

    out.push_str("### Remove in the same change\n\n");
    let _ = writeln!(out, "- {}", facts.workload);
    for object in facts.services.iter().chain(&facts.config_maps) {
        let _ = writeln!(out, "- {object}");
    }
    if !facts.config_maps.is_empty() {
        out.push_str(
            "\nMove what the ConfigMaps configured to the replacement's configuration values first.\n",
        );
    }
    out.push('\n');

    out.push_str("### Data\n\n");
    data_steps(out, facts, rendered.adopts_claim);
    if let Some(data_move) = &rendered.data_move {
        out.push('\n');
        out.push_str(data_move.trim_end());
        out.push('\n');
    }
    out.push('\n');

    if !rendered.carried.is_empty() {
        out.push_str("### Carried over\n\n");
        for line in &rendered.carried {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
    }
    out.push_str("### Left to decide\n\n");
    if rendered.not_carried.is_empty() {
        out.push_str("Nothing: every field of the original is carried over.\n");
    } else {
        for leftover in &rendered.not_carried {
            let _ = writeln!(out, "- `{}`: {}", leftover.field, leftover.reason);
        }
    }
    out.push('\n');
}

fn data_steps(out: &mut String, facts: &Facts, adopts_claim: bool) {
    match &facts.data {
        DataVolume::Ephemeral => {
            out.push_str("The workload keeps no data on a claim: there is nothing to move.\n");
        }
        DataVolume::Template { claims, .. } => {
            let list: Vec<String> = claims.iter().map(|c| format!("`{c}`")).collect();
            let _ = writeln!(
                out,
                "The StatefulSet's data is on {}. Deleting the StatefulSet keeps its claims (unless its `persistentVolumeClaimRetentionPolicy.whenDeleted` is `Delete`).",
                list.join(", ")
            );
            if adopts_claim {
                out.push_str("The replacement adopts the claim (`existingClaim`): delete the old StatefulSet first, so the claim is free, then install the replacement.\n");
            } else {
                out.push_str("The replacement does not adopt these claims: move the data as below, then delete them.\n");
            }
        }
        DataVolume::Standalone { claim, declared } => {
            if adopts_claim {
                let _ = writeln!(
                    out,
                    "The data is on the claim `{claim}`, which the replacement adopts (`existingClaim`): stop the old workload first, so the claim is free."
                );
            } else {
                let _ = writeln!(
                    out,
                    "The data is on the claim `{claim}`, which the replacement does not adopt: move the data as below before deleting it."
                );
            }
            if *declared {
                let _ = writeln!(
                    out,
                    "Keep PersistentVolumeClaim {}/{claim} in your manifests{}: removing it with the workload would let a pruning GitOps tool delete the data.",
                    facts.workload.namespace,
                    if adopts_claim {
                        ""
                    } else {
                        " until the data is moved"
                    }
                );
            }
        }
    }
}
