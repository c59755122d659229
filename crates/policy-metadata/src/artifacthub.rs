//! The `artifacthub-pkg.yml` of a policy, derived from its metadata the way
//! `kwctl scaffold artifacthub` derives it: Artifact Hub lists Kubewarden policies from these
//! files, and Rancher's Kubewarden UI reads their `kubewarden/*` annotations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Metadata, annotations};

/// `kubewarden/mutation`: `"true"` or `"false"`.
pub const MUTATION: &str = "kubewarden/mutation";
/// `kubewarden/resources`: the kinds the policy evaluates (`io.artifacthub.resources`).
pub const RESOURCES: &str = "kubewarden/resources";
/// `kubewarden/rules`: the metadata's rules, as YAML.
pub const RULES: &str = "kubewarden/rules";
/// `kubewarden/contextAwareResources`: the metadata's resources, as YAML (context-aware
/// policies only: the UI marks a policy context-aware when it is present).
pub const CONTEXT_AWARE_RESOURCES: &str = "kubewarden/contextAwareResources";
/// `kubewarden/questions-ui`: the `questions-ui.yml` the Rancher UI builds its form from.
pub const QUESTIONS_UI: &str = "kubewarden/questions-ui";

/// What kwctl names as the provider of every policy package.
pub const PROVIDER: &str = "kubewarden";
/// What kwctl recommends installing with every policy.
pub const RECOMMENDED_CONTROLLER: &str =
    "https://artifacthub.io/packages/helm/kubewarden/kubewarden-controller";

/// An `artifacthub-pkg.yml` (the fields `kwctl scaffold artifacthub` writes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArtifactHubPackage {
    /// SemVer, without `v`.
    pub version: String,
    /// The policy's name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// RFC 3339 time of the release.
    pub created_at: String,
    /// One paragraph.
    pub description: String,
    /// SPDX license.
    pub license: String,
    /// Home page.
    #[serde(rename = "homeURL")]
    pub home_url: String,
    /// The policy's OCI artifact.
    pub containers_images: Vec<NamedImage>,
    /// Search keywords.
    pub keywords: Vec<String>,
    /// The module and the source.
    pub links: Vec<NamedUrl>,
    /// Markdown: how to get and deploy the policy.
    pub install: String,
    /// Who maintains it.
    pub maintainers: Vec<Maintainer>,
    /// Who provides it.
    pub provider: Provider,
    /// Packages to install with it.
    pub recommendations: Vec<Recommendation>,
    /// `kubewarden/*` annotations.
    pub annotations: BTreeMap<String, String>,
}

/// `containersImages[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedImage {
    /// `policy`.
    pub name: String,
    /// `ghcr.io/…/<policy>:v<version>`.
    pub image: String,
}

/// `links[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedUrl {
    /// `policy` or `source`.
    pub name: String,
    /// Where.
    pub url: String,
}

/// `maintainers[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintainer {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
}

/// `provider`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Name.
    pub name: String,
}

/// `recommendations[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// Artifact Hub package URL.
    pub url: String,
}

/// `Name <email>, Other <email>` → maintainers.
pub fn parse_maintainers(authors: &str) -> Result<Vec<Maintainer>, String> {
    authors
        .split(',')
        .map(|author| {
            let author = author.trim();
            let (name, rest) = author
                .split_once('<')
                .ok_or_else(|| format!("{author:?} is not `Name <email>`"))?;
            let email = rest
                .strip_suffix('>')
                .filter(|email| email.contains('@') && !email.contains(char::is_whitespace))
                .ok_or_else(|| format!("{author:?} is not `Name <email>`"))?;
            Ok(Maintainer {
                name: name.trim().to_owned(),
                email: email.to_owned(),
            })
        })
        .collect()
}

impl ArtifactHubPackage {
    /// The package of a policy: `metadata` (with the published annotations, see
    /// [`annotations::PUBLISHED`]), its `questions-ui.yml`, and the release time. The release
    /// tag is `<policy>/v<version>`, so the module link points at that GitHub release's
    /// `policy.wasm` (as for kubewarden/policies, a monorepo of policies too).
    pub fn from_metadata(
        metadata: &Metadata,
        questions_ui: &str,
        created_at: &str,
    ) -> Result<Self, String> {
        let required = |key: &str| {
            metadata
                .annotation(key)
                .map(str::to_owned)
                .ok_or_else(|| format!("annotations.{key}: required for Artifact Hub"))
        };
        let name = required(annotations::TITLE)?;
        let version = required(annotations::VERSION)?;
        semver::Version::parse(&version)
            .map_err(|e| format!("annotations.{}: {version:?}: {e}", annotations::VERSION))?;
        let oci_url = required(annotations::OCI_URL)?;
        let source = required(annotations::SOURCE)?;
        let image = format!("{oci_url}:v{version}");
        let keywords: Vec<String> = required(annotations::ARTIFACTHUB_KEYWORDS)?
            .split(',')
            .map(|keyword| keyword.trim().to_owned())
            .collect();
        if keywords.iter().any(String::is_empty) {
            return Err(format!(
                "annotations.{}: must be comma-separated words",
                annotations::ARTIFACTHUB_KEYWORDS
            ));
        }
        let maintainers = parse_maintainers(&required(annotations::AUTHOR)?)
            .map_err(|e| format!("annotations.{}: {e}", annotations::AUTHOR))?;
        if questions_ui.trim().is_empty() {
            return Err("questions-ui.yml: must not be empty".to_owned());
        }

        let mut package_annotations = BTreeMap::from([
            (MUTATION.to_owned(), metadata.mutating.to_string()),
            (
                RESOURCES.to_owned(),
                required(annotations::ARTIFACTHUB_RESOURCES)?,
            ),
            (
                RULES.to_owned(),
                serde_yaml_ng::to_string(&metadata.rules).map_err(|e| e.to_string())?,
            ),
            (QUESTIONS_UI.to_owned(), questions_ui.to_owned()),
        ]);
        if !metadata.context_aware_resources.is_empty() {
            package_annotations.insert(
                CONTEXT_AWARE_RESOURCES.to_owned(),
                serde_yaml_ng::to_string(&metadata.context_aware_resources)
                    .map_err(|e| e.to_string())?,
            );
        }
        Ok(Self {
            install: install_text(&image),
            links: vec![
                NamedUrl {
                    name: "policy".to_owned(),
                    url: format!(
                        "{}/releases/download/{name}%2Fv{version}/policy.wasm",
                        source.trim_end_matches('/')
                    ),
                },
                NamedUrl {
                    name: "source".to_owned(),
                    url: source,
                },
            ],
            containers_images: vec![NamedImage {
                name: "policy".to_owned(),
                image,
            }],
            display_name: required(annotations::ARTIFACTHUB_DISPLAY_NAME)?,
            description: required(annotations::DESCRIPTION)?,
            license: required(annotations::LICENSE)?,
            home_url: required(annotations::URL)?,
            created_at: created_at.to_owned(),
            keywords,
            maintainers,
            provider: Provider {
                name: PROVIDER.to_owned(),
            },
            recommendations: vec![Recommendation {
                url: RECOMMENDED_CONTROLLER.to_owned(),
            }],
            annotations: package_annotations,
            name,
            version,
        })
    }
}

/// kwctl's install instructions for `image` (`registry/path/policy:vX.Y.Z`).
fn install_text(image: &str) -> String {
    format!(
        "The policy can be obtained using [`kwctl`](https://github.com/kubewarden/kwctl):\n\
         ```console\n\
         kwctl pull {image}\n\
         ```\n\
         Then, generate the policy manifest and tune it to your liking. For example:\n\
         ```console\n\
         kwctl scaffold manifest -t ClusterAdmissionPolicy registry://{image}\n\
         ```\n"
    )
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    const METADATA: &str = r#"
rules:
  - apiGroups: [""]
    apiVersions: [v1]
    resources: [configmaps]
    operations: [CREATE]
contextAwareResources:
  - {apiVersion: v1, kind: Secret}
annotations:
  io.kubewarden.policy.title: example
  io.kubewarden.policy.version: 1.2.3
  io.kubewarden.policy.description: Checks things.
  io.kubewarden.policy.author: "Ada <ada@example.org>, Bob <bob@example.org>"
  io.kubewarden.policy.url: https://example.org/example
  io.kubewarden.policy.source: https://github.com/example/policies
  io.kubewarden.policy.license: Apache-2.0
  io.kubewarden.policy.ociUrl: ghcr.io/example/policies/example
  io.artifacthub.displayName: Example
  io.artifacthub.resources: ConfigMap
  io.artifacthub.keywords: "config, example"
"#;

    #[test]
    fn the_package_is_derived_from_the_metadata() {
        let metadata = Metadata::from_yaml(METADATA).expect("valid metadata");
        let package =
            ArtifactHubPackage::from_metadata(&metadata, "questions: []\n", "2025-01-01T00:00:00Z")
                .expect("complete metadata");
        assert_eq!(package.name, "example");
        assert_eq!(
            package.containers_images,
            [NamedImage {
                name: "policy".into(),
                image: "ghcr.io/example/policies/example:v1.2.3".into()
            }]
        );
        assert_eq!(
            package.links[0].url,
            "https://github.com/example/policies/releases/download/example%2Fv1.2.3/policy.wasm"
        );
        assert_eq!(package.keywords, ["config", "example"]);
        assert_eq!(package.maintainers[1].email, "bob@example.org");
        assert_eq!(package.annotations[MUTATION], "false");
        assert_eq!(
            package.annotations[CONTEXT_AWARE_RESOURCES],
            "- apiVersion: v1\n  kind: Secret\n"
        );
        assert!(
            package.install.contains(
                "kwctl scaffold manifest -t ClusterAdmissionPolicy registry://ghcr.io/example/policies/example:v1.2.3"
            )
        );
    }

    #[rstest]
    #[case::no_version(
        "io.kubewarden.policy.version: 1.2.3",
        "",
        "annotations.io.kubewarden.policy.version: required for Artifact Hub"
    )]
    #[case::bad_author(
        "io.kubewarden.policy.author: \"Ada <ada@example.org>, Bob <bob@example.org>\"",
        "io.kubewarden.policy.author: Ada",
        "annotations.io.kubewarden.policy.author: \"Ada\" is not `Name <email>`"
    )]
    #[case::empty_keyword(
        "io.artifacthub.keywords: \"config, example\"",
        "io.artifacthub.keywords: \"config,,example\"",
        "annotations.io.artifacthub.keywords: must be comma-separated words"
    )]
    fn incomplete_metadata_names_the_annotation(
        #[case] line: &str,
        #[case] replacement: &str,
        #[case] message: &str,
    ) {
        let metadata = Metadata::from_yaml(&METADATA.replace(line, replacement)).expect("valid");
        assert_eq!(
            ArtifactHubPackage::from_metadata(&metadata, "questions: []\n", "t"),
            Err(message.to_owned())
        );
    }
}
