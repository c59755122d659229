//! The no-raw-datastores rule: a long-running workload that runs a datastore server must
//! come from one of that datastore's upstream sources.

use crate::catalog::Catalog;
use crate::evaluation::Violation;
use crate::evidence::{CommandReader, Detection, datastore_servers};
use crate::podspec::Workload;
use crate::provenance::upstream_source;

/// Controllers whose children (a Deployment's ReplicaSets, a ReplicaSet's Pods) were judged
/// when the controller itself was admitted: judging the child again would block the
/// roll-out of a workload that was accepted (for instance as a pre-existing violation).
pub const BUILTIN_CONTROLLERS: [&str; 7] = [
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

/// Whether the object is managed by a built-in workload controller.
pub fn owned_by_builtin_controller(workload: &Workload) -> bool {
    workload
        .controller_owner()
        .is_some_and(|owner| BUILTIN_CONTROLLERS.contains(&owner.kind.as_str()))
}

/// The datastore servers `workload` runs without upstream provenance. `display` names the
/// object (`StatefulSet data/kafka`); `reader` reads what its containers run.
pub fn raw_datastores(
    catalog: &Catalog,
    workload: &Workload,
    display: &str,
    allowed_bundles: &[String],
    reader: &dyn CommandReader,
) -> Vec<Violation> {
    raw_datastore_servers(catalog, workload, allowed_bundles, reader)
        .into_iter()
        .map(|d| Violation {
            key: format!("{}/{}", d.component.id, d.container),
            message: format!(
                "{display}: container {} (image {}) runs {} ({}) without an upstream Helm chart or operator; use {} instead: {}",
                d.container,
                d.image,
                d.component.display_name,
                d.evidence,
                d.component.replacement.summary,
                d.component.replacement.url,
            ),
        })
        .collect()
}

/// The datastore servers of `workload` without upstream provenance: what [`raw_datastores`]
/// reports, and what `upstream-first migrate` replaces.
pub fn raw_datastore_servers<'c>(
    catalog: &'c Catalog,
    workload: &Workload,
    allowed_bundles: &[String],
    reader: &dyn CommandReader,
) -> Vec<Detection<'c>> {
    if !workload.kind.is_long_running() || owned_by_builtin_controller(workload) {
        return Vec::new();
    }
    datastore_servers(catalog, workload, reader)
        .into_iter()
        .filter(|d| {
            upstream_source(d.component, workload, d.image_ref.as_ref(), allowed_bundles).is_none()
        })
        .collect()
}
