//! Helm chart labels: `helm.sh/chart: <name>-<version>` (Helm 3) and the legacy
//! `chart: <name>-<version>`.
//!
//! Chart versions are SemVer 2 and both chart names and pre-releases contain `-`, so the
//! name is the prefix before the first `-` at which the rest is a valid SemVer version
//! (optionally with a leading `v`): `postgresql-ha-14.2.1` is chart `postgresql-ha`,
//! `redpanda-5.9.4-rc.1` is chart `redpanda`. Helm's own `_helpers.tpl` writes build
//! metadata with `_` instead of `+` (`+` is not allowed in a label value), so
//! `my-chart-1.0.0_build.5` is read as version `1.0.0+build.5`.

/// The chart a `helm.sh/chart` (or legacy `chart`) label names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChartLabel {
    /// Chart name (`postgresql-ha`).
    pub name: String,
    /// Chart version as written in the label (`14.2.1`, `v7.0.0`, `1.0.0_build.5`).
    pub version: String,
}

impl ChartLabel {
    /// The version as SemVer: a leading `v` dropped and `_` read as `+`.
    pub fn semver(&self) -> Option<semver::Version> {
        parse_version(&self.version)
    }
}

/// Parses a `<name>-<version>` chart label value; `None` when it has no SemVer version.
pub fn parse_chart_label(value: &str) -> Option<ChartLabel> {
    value
        .match_indices('-')
        .map(|(i, _)| (&value[..i], &value[i + 1..]))
        .find(|(name, version)| !name.is_empty() && parse_version(version).is_some())
        .map(|(name, version)| ChartLabel {
            name: name.to_string(),
            version: version.to_string(),
        })
}

fn parse_version(version: &str) -> Option<semver::Version> {
    let version = version.strip_prefix('v').unwrap_or(version);
    if version.contains('_') {
        // SemVer has no `_`: only Helm's label encoding of `+` puts one there.
        semver::Version::parse(&version.replace('_', "+")).ok()
    } else {
        semver::Version::parse(version).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("postgresql-16.2.1", "postgresql", "16.2.1")]
    #[case("postgresql-ha-14.2.1", "postgresql-ha", "14.2.1")]
    #[case("redpanda-5.9.4-rc.1", "redpanda", "5.9.4-rc.1")]
    #[case("kube-prometheus-stack-58.0.0", "kube-prometheus-stack", "58.0.0")]
    #[case("my-chart-1.0.0+build.5", "my-chart", "1.0.0+build.5")]
    #[case("my-chart-1.0.0_build.5", "my-chart", "1.0.0_build.5")]
    #[case("grafana-v7.0.0", "grafana", "v7.0.0")]
    #[case("gha-runner-scale-set-0.9.3", "gha-runner-scale-set", "0.9.3")]
    #[case("argo-cd-7.7.0-alpha.1-2", "argo-cd", "7.7.0-alpha.1-2")]
    #[case("redis-ha-4.27.6", "redis-ha", "4.27.6")]
    #[case("kafka-1.0.0-0", "kafka", "1.0.0-0")]
    #[case("app-v2-2.0.0", "app-v2", "2.0.0")]
    #[case(
        "mimir-distributed-5.5.0-weekly.312",
        "mimir-distributed",
        "5.5.0-weekly.312"
    )]
    fn parses_chart_labels(#[case] label: &str, #[case] name: &str, #[case] version: &str) {
        assert_eq!(
            parse_chart_label(label),
            Some(ChartLabel {
                name: name.to_string(),
                version: version.to_string()
            })
        );
    }

    #[rstest]
    #[case("")]
    #[case("postgresql")]
    #[case("postgresql-ha")]
    #[case("postgresql-")]
    #[case("-1.0.0")]
    #[case("postgresql-16")]
    #[case("postgresql-16.2")]
    #[case("postgresql-16.2.1.0")]
    #[case("postgresql-01.2.3")]
    #[case("postgresql-latest")]
    #[case("postgresql_16.2.1")]
    #[case("postgresql-1.0.0_a_b")]
    fn rejects_labels_without_a_version(#[case] label: &str) {
        assert_eq!(parse_chart_label(label), None);
    }

    #[test]
    fn reads_helm_build_metadata() {
        let label = parse_chart_label("my-chart-1.0.0_build.5").unwrap();
        assert_eq!(label.semver().unwrap().build.as_str(), "build.5");
        let label = parse_chart_label("grafana-v7.0.0").unwrap();
        assert_eq!(label.semver(), Some(semver::Version::new(7, 0, 0)));
    }
}
