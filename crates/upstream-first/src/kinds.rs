//! What the API server knows about a kind without asking it: its group and version, its
//! resource (plural) name, and whether it is namespaced.
//!
//! A bundle scanned offline has no discovery API, so the built-in Kubernetes kinds (and the
//! cluster-scoped kinds of common operators) are listed here; any other kind is a custom
//! resource, pluralised the way `controller-gen` and `kubectl` do and assumed namespaced (most
//! custom resources are).

/// `(group, version)` of an `apiVersion` (`apps/v1` → `("apps", "v1")`, `v1` → `("", "v1")`).
#[must_use]
pub fn group_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

/// Kinds whose resource name is not the regular plural of the lower-cased kind.
const IRREGULAR_RESOURCES: [(&str, &str); 4] = [
    ("Endpoints", "endpoints"),
    ("PodSecurityPolicy", "podsecuritypolicies"),
    ("Prometheus", "prometheuses"),
    ("ComponentStatus", "componentstatuses"),
];

/// The resource (plural, lower-case) name of a kind, as the API server puts it in an
/// AdmissionRequest: `Deployment` → `deployments`, `NetworkPolicy` → `networkpolicies`,
/// `Ingress` → `ingresses`, `Endpoints` → `endpoints`.
#[must_use]
pub fn resource_name(kind: &str) -> String {
    if let Some((_, resource)) = IRREGULAR_RESOURCES.iter().find(|(k, _)| *k == kind) {
        return (*resource).to_owned();
    }
    let lower = kind.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|suffix| lower.ends_with(suffix))
    {
        return format!("{lower}es");
    }
    format!("{lower}s")
}

/// `(group, version)`.
type GroupVersion = (&'static str, &'static str);

/// Resources served under several group/versions, preferred first. The API server sends a
/// webhook whose rules name one of them a request for another, converted
/// (`matchPolicy: Equivalent`, the default): an `apps/v1beta1` StatefulSet reaches a policy
/// registered for `apps/v1` as an `apps/v1` StatefulSet.
const EQUIVALENT_GROUP_VERSIONS: [(&[&str], &[GroupVersion]); 8] = [
    (
        &["deployments", "daemonsets", "replicasets"],
        &[
            ("apps", "v1"),
            ("apps", "v1beta2"),
            ("apps", "v1beta1"),
            ("extensions", "v1beta1"),
        ],
    ),
    (
        &["statefulsets", "controllerrevisions"],
        &[("apps", "v1"), ("apps", "v1beta2"), ("apps", "v1beta1")],
    ),
    (
        &["networkpolicies"],
        &[("networking.k8s.io", "v1"), ("extensions", "v1beta1")],
    ),
    (
        &["ingresses"],
        &[
            ("networking.k8s.io", "v1"),
            ("networking.k8s.io", "v1beta1"),
            ("extensions", "v1beta1"),
        ],
    ),
    (
        &["cronjobs"],
        &[("batch", "v1"), ("batch", "v1beta1"), ("batch", "v2alpha1")],
    ),
    (
        &["poddisruptionbudgets"],
        &[("policy", "v1"), ("policy", "v1beta1")],
    ),
    (
        &["podsecuritypolicies"],
        &[("policy", "v1beta1"), ("extensions", "v1beta1")],
    ),
    (
        &["horizontalpodautoscalers"],
        &[
            ("autoscaling", "v2"),
            ("autoscaling", "v1"),
            ("autoscaling", "v2beta2"),
            ("autoscaling", "v2beta1"),
        ],
    ),
];

/// The other group/versions the resource of `group/version` is served under, preferred first
/// (empty when it has none).
#[must_use]
pub fn equivalent_group_versions(group: &str, version: &str, resource: &str) -> Vec<GroupVersion> {
    EQUIVALENT_GROUP_VERSIONS
        .iter()
        .find(|(resources, versions)| {
            resources.contains(&resource)
                && versions.iter().any(|(g, v)| *g == group && *v == version)
        })
        .map(|(_, versions)| {
            versions
                .iter()
                .filter(|(g, v)| !(*g == group && *v == version))
                .copied()
                .collect()
        })
        .unwrap_or_default()
}

/// Cluster-scoped kinds, by API group. Every other kind is namespaced.
const CLUSTER_SCOPED: [(&str, &[&str]); 16] = [
    (
        "",
        &["Namespace", "Node", "PersistentVolume", "ComponentStatus"],
    ),
    (
        "rbac.authorization.k8s.io",
        &["ClusterRole", "ClusterRoleBinding"],
    ),
    ("apiextensions.k8s.io", &["CustomResourceDefinition"]),
    ("apiregistration.k8s.io", &["APIService"]),
    (
        "storage.k8s.io",
        &[
            "StorageClass",
            "CSIDriver",
            "CSINode",
            "VolumeAttachment",
            "VolumeAttributesClass",
        ],
    ),
    ("scheduling.k8s.io", &["PriorityClass"]),
    ("node.k8s.io", &["RuntimeClass"]),
    (
        "networking.k8s.io",
        &["IngressClass", "IPAddress", "ServiceCIDR"],
    ),
    (
        "admissionregistration.k8s.io",
        &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
        ],
    ),
    (
        "certificates.k8s.io",
        &["CertificateSigningRequest", "ClusterTrustBundle"],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
    ("policy", &["PodSecurityPolicy"]),
    (
        "policies.kubewarden.io",
        &[
            "ClusterAdmissionPolicy",
            "ClusterAdmissionPolicyGroup",
            "PolicyServer",
        ],
    ),
    ("cert-manager.io", &["ClusterIssuer"]),
    (
        "external-secrets.io",
        &["ClusterSecretStore", "ClusterExternalSecret"],
    ),
    ("wgpolicyk8s.io", &["ClusterPolicyReport"]),
];

/// Whether objects of this type have no namespace.
#[must_use]
pub fn is_cluster_scoped(api_version: &str, kind: &str) -> bool {
    let (group, _) = group_version(api_version);
    if group == "openreports.io" {
        return kind == "ClusterReport";
    }
    CLUSTER_SCOPED
        .iter()
        .any(|(g, kinds)| *g == group && kinds.contains(&kind))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("Deployment", "deployments")]
    #[case("StatefulSet", "statefulsets")]
    #[case("NetworkPolicy", "networkpolicies")]
    #[case("Ingress", "ingresses")]
    #[case("IngressClass", "ingressclasses")]
    #[case("Endpoints", "endpoints")]
    #[case("PersistentVolumeClaim", "persistentvolumeclaims")]
    #[case("Gateway", "gateways")]
    #[case("Prometheus", "prometheuses")]
    #[case("StorageClass", "storageclasses")]
    #[case("Mesh", "meshes")]
    #[case("Proxy", "proxies")]
    #[case("ReplicationController", "replicationcontrollers")]
    fn resource_names(#[case] kind: &str, #[case] resource: &str) {
        assert_eq!(resource_name(kind), resource);
    }

    #[rstest]
    #[case("v1", "Namespace", true)]
    #[case("v1", "ConfigMap", false)]
    #[case("storage.k8s.io/v1", "StorageClass", true)]
    #[case("rbac.authorization.k8s.io/v1", "ClusterRole", true)]
    #[case("rbac.authorization.k8s.io/v1", "Role", false)]
    #[case("postgresql.cnpg.io/v1", "Cluster", false)]
    #[case("openreports.io/v1alpha1", "ClusterReport", true)]
    fn scopes(#[case] api_version: &str, #[case] kind: &str, #[case] cluster: bool) {
        assert_eq!(is_cluster_scoped(api_version, kind), cluster);
    }

    #[test]
    fn equivalent_resources() {
        assert_eq!(
            equivalent_group_versions("apps", "v1beta1", "statefulsets"),
            [("apps", "v1"), ("apps", "v1beta2")]
        );
        assert_eq!(
            equivalent_group_versions("extensions", "v1beta1", "networkpolicies"),
            [("networking.k8s.io", "v1")]
        );
        assert!(equivalent_group_versions("", "v1", "pods").is_empty());
    }

    #[test]
    fn group_and_version() {
        assert_eq!(group_version("apps/v1"), ("apps", "v1"));
        assert_eq!(group_version("v1"), ("", "v1"));
    }
}
