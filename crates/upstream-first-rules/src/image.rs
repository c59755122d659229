//! Container image references and repository matching.
//!
//! References are parsed by the distribution reference grammar
//! (<https://github.com/distribution/reference/blob/main/reference.go>) and normalised the way
//! Docker does it (`postgres` is `docker.io/library/postgres`, `index.docker.io` is
//! `docker.io`). The parser is a small exact one rather than `oci_spec::distribution::Reference`:
//! that one drags the `regex` crate into every policy, invents a `latest` tag when none is
//! written, and accepts an upper-case repository after a host-less first segment.
//!
//! Matching against catalog repositories is by whole path segments and ignores the registry,
//! so a mirror (`public.ecr.aws/docker/library/postgres`, `mirror.gcr.io/library/postgres`,
//! `harbor.corp/hub/library/postgres`) is the repository it mirrors, and an exporter
//! (`prometheuscommunity/postgres-exporter`) is never the datastore it exports.

use std::fmt;
use std::str::FromStr;

/// Docker Hub, the registry of a reference that names none.
pub const DOCKER_HUB: &str = "docker.io";
/// Docker Hub's legacy name, normalised to [`DOCKER_HUB`].
pub const DOCKER_HUB_LEGACY: &str = "index.docker.io";
/// The namespace of Docker Hub's official images (`postgres` is `library/postgres`).
pub const OFFICIAL_NAMESPACE: &str = "library";

/// Longest name (registry and path) the grammar allows.
const NAME_MAX_LENGTH: usize = 255;
/// Longest tag the grammar allows.
const TAG_MAX_LENGTH: usize = 128;

pub const ERR_EMPTY: &str = "image reference is empty";
pub const ERR_BARE_DIGEST: &str =
    "a bare 64-character hex string is an image ID, not a repository name";
pub const ERR_NAME_TOO_LONG: &str = "repository name is longer than 255 characters";
pub const ERR_INVALID_REGISTRY: &str = "invalid registry host";
pub const ERR_UPPERCASE: &str = "repository name must be lowercase";
pub const ERR_INVALID_PATH: &str = "invalid repository path";
pub const ERR_INVALID_TAG: &str = "invalid tag";
pub const ERR_INVALID_DIGEST: &str = "invalid digest";
pub const ERR_UNSUPPORTED_DIGEST: &str =
    "unsupported digest algorithm (sha256, sha384 and sha512 are)";
pub const ERR_NOT_A_REPOSITORY: &str =
    "names a tag or digest: write the repository only (postgres, bitnami/postgresql)";

/// Why a string is not an image reference. The messages are stable strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImageReferenceError {
    #[error("{}", ERR_EMPTY)]
    Empty,
    #[error("{}", ERR_BARE_DIGEST)]
    BareDigest,
    #[error("{}", ERR_NAME_TOO_LONG)]
    NameTooLong,
    #[error("{}", ERR_INVALID_REGISTRY)]
    InvalidRegistry,
    #[error("{}", ERR_UPPERCASE)]
    Uppercase,
    #[error("{}", ERR_INVALID_PATH)]
    InvalidPath,
    #[error("{}", ERR_INVALID_TAG)]
    InvalidTag,
    #[error("{}", ERR_INVALID_DIGEST)]
    InvalidDigest,
    #[error("{}", ERR_UNSUPPORTED_DIGEST)]
    UnsupportedDigest,
    /// A catalog repository was written with a tag or digest.
    #[error("{}", ERR_NOT_A_REPOSITORY)]
    NotARepository,
}

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageReference {
    /// Registry host, with its port (`docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`).
    pub registry: String,
    /// The full repository path, Docker Hub official images with their `library/` namespace
    /// (`library/postgres`, `bitnami/postgresql`, `docker/library/postgres` on ECR Public).
    pub repository: String,
    /// The tag as written; `None` when there is none (no `latest` is invented).
    pub tag: Option<String>,
    /// The digest (`sha256:…`), when pinned.
    pub digest: Option<String>,
}

impl ImageReference {
    /// Parses `reference` by the distribution reference grammar and normalises it like Docker.
    pub fn parse(reference: &str) -> Result<Self, ImageReferenceError> {
        if reference.is_empty() {
            return Err(ImageReferenceError::Empty);
        }
        if reference.len() == 64 && reference.bytes().all(is_lower_hex) {
            return Err(ImageReferenceError::BareDigest);
        }
        let (rest, digest) = match reference.split_once('@') {
            Some((rest, digest)) => (rest, Some(parse_digest(digest)?)),
            None => (reference, None),
        };
        // A tag is whatever follows the last `:` after the last `/` (a `:` before it is the
        // registry port).
        let last_slash = rest.rfind('/');
        let (name, tag) = match rest.rfind(':') {
            Some(colon) if last_slash.is_none_or(|slash| colon > slash) => {
                (&rest[..colon], Some(&rest[colon + 1..]))
            }
            _ => (rest, None),
        };
        if let Some(tag) = tag
            && !is_valid_tag(tag)
        {
            return Err(ImageReferenceError::InvalidTag);
        }
        // A cheap early bound; the limit itself applies to the normalised name, below.
        if name.len() > NAME_MAX_LENGTH {
            return Err(ImageReferenceError::NameTooLong);
        }
        let (registry, path) = split_registry(name)?;
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ImageReferenceError::Uppercase);
        }
        if !path.split('/').all(is_valid_path_component) {
            return Err(ImageReferenceError::InvalidPath);
        }
        let registry = match registry {
            None | Some(DOCKER_HUB_LEGACY) => DOCKER_HUB,
            Some(registry) => registry,
        };
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("{OFFICIAL_NAMESPACE}/{path}")
        } else {
            path.to_string()
        };
        // As Docker's `ParseNormalizedNamed` (what the kubelet runs): `docker.io/library/` counts,
        // so a name that fits only when written short is refused, and every parsed reference
        // prints to a name that parses back.
        if registry.len() + 1 + repository.len() > NAME_MAX_LENGTH {
            return Err(ImageReferenceError::NameTooLong);
        }
        Ok(ImageReference {
            registry: registry.to_string(),
            repository,
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        })
    }

    /// Whether this image is the catalog repository `catalog_repo` (`library/postgres`,
    /// `bitnami/postgresql`), whatever registry or mirror serves it: the image's repository
    /// ends with the catalog repository on a `/` boundary. A single-segment image on a
    /// registry other than Docker Hub (`registry.corp/postgres`) is also the official image
    /// `library/<name>`. Never a substring match: `oliver006/redis_exporter` is not
    /// `library/redis`.
    pub fn matches_repository(&self, catalog_repo: &str) -> bool {
        if catalog_repo.is_empty() {
            return false;
        }
        ends_with_segments(&self.repository, catalog_repo)
            || (self.registry != DOCKER_HUB
                && !self.repository.contains('/')
                && catalog_repo
                    .strip_prefix(OFFICIAL_NAMESPACE)
                    .and_then(|rest| rest.strip_prefix('/'))
                    == Some(self.repository.as_str()))
    }

    /// The last path segment of the repository (`postgres` for `library/postgres`).
    pub fn name(&self) -> &str {
        last_segment(&self.repository)
    }

    /// The words of the tag, split on `-`, `_` and `.`, as written (`2.1.3-kafka` has
    /// `2`, `1`, `3` and `kafka`). Empty when there is no tag.
    pub fn tag_words(&self) -> impl Iterator<Item = &str> {
        self.tag
            .as_deref()
            .unwrap_or_default()
            .split(['-', '_', '.'])
            .filter(|word| !word.is_empty())
    }

    /// Whether the tag has `word` among its [`tag_words`](Self::tag_words), ignoring ASCII case.
    pub fn has_tag_word(&self, word: &str) -> bool {
        self.tag_words().any(|w| w.eq_ignore_ascii_case(word))
    }
}

impl FromStr for ImageReference {
    type Err = ImageReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The normalised form: `docker.io/library/postgres:16@sha256:…`.
impl fmt::Display for ImageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// The catalog form of a repository written in settings or the catalog file: the registry
/// is dropped and a single segment is an official image, so `postgres`,
/// `docker.io/library/postgres` and `registry.corp/postgres` are all `library/postgres`,
/// and `ghcr.io/cloudnative-pg/postgresql` is `cloudnative-pg/postgresql`. A tag or digest
/// is refused.
pub fn catalog_repository(repository: &str) -> Result<String, ImageReferenceError> {
    let image = ImageReference::parse(repository)?;
    if image.tag.is_some() || image.digest.is_some() {
        return Err(ImageReferenceError::NotARepository);
    }
    Ok(if image.repository.contains('/') {
        image.repository
    } else {
        format!("{OFFICIAL_NAMESPACE}/{}", image.repository)
    })
}

/// The last `/`-separated segment of a repository path.
pub fn last_segment(repository: &str) -> &str {
    repository.rsplit('/').next().unwrap_or(repository)
}

/// Whether `repository` is `suffix` or ends with `/` followed by `suffix`.
fn ends_with_segments(repository: &str, suffix: &str) -> bool {
    match repository.strip_suffix(suffix) {
        Some("") => true,
        Some(head) => head.ends_with('/'),
        None => false,
    }
}

/// Splits the registry off a name the way Docker does: the first segment is a registry when
/// there is more than one segment and it has a `.` or `:`, is `localhost`, or has an
/// upper-case letter (which a path cannot have).
fn split_registry(name: &str) -> Result<(Option<&str>, &str), ImageReferenceError> {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':', '['])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            if is_valid_registry(first) {
                Ok((Some(first), rest))
            } else {
                Err(ImageReferenceError::InvalidRegistry)
            }
        }
        _ => Ok((None, name)),
    }
}

/// `host [":" port]`, host a domain name, an IPv4 address or a bracketed IPv6 address.
fn is_valid_registry(registry: &str) -> bool {
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        if v6.is_empty() || !v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("", port),
                None => return false,
            },
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (host, port),
            None => (registry, "0"),
        }
    };
    let port_ok = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    let host_ok = host.is_empty() && registry.starts_with('[')
        || !host.is_empty() && host.split('.').all(is_valid_domain_component);
    port_ok && host_ok
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_valid_domain_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    }
}

/// `[a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*`
fn is_valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !(bytes.first().is_some_and(alnum) && bytes.last().is_some_and(alnum)) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(&bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(&bytes[i]) {
            i += 1;
        }
        let separator = &bytes[start..i];
        let valid =
            matches!(separator, b"." | b"_" | b"__") || separator.iter().all(|b| *b == b'-');
        if !valid {
            return false;
        }
    }
    true
}

/// `[\w][\w.-]{0,127}`
fn is_valid_tag(tag: &str) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let bytes = tag.as_bytes();
    bytes.len() <= TAG_MAX_LENGTH
        && bytes.first().is_some_and(word)
        && bytes.iter().all(|b| word(b) || *b == b'.' || *b == b'-')
}

/// `algorithm ":" hex`, checked like `go-digest` does: the grammar, then a known algorithm
/// with the right number of lower-case hex digits.
fn parse_digest(digest: &str) -> Result<&str, ImageReferenceError> {
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return Err(ImageReferenceError::InvalidDigest);
    };
    let algorithm_ok = algorithm.split(['+', '.', '_', '-']).all(|component| {
        let bytes = component.as_bytes();
        bytes.first().is_some_and(u8::is_ascii_alphabetic)
            && bytes.iter().all(u8::is_ascii_alphanumeric)
    });
    if !algorithm_ok || encoded.len() < 32 || !encoded.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ImageReferenceError::InvalidDigest);
    }
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(ImageReferenceError::UnsupportedDigest),
    };
    if encoded.len() != length || !encoded.bytes().all(is_lower_hex) {
        return Err(ImageReferenceError::InvalidDigest);
    }
    Ok(digest)
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn parsed(reference: &str) -> (String, String, Option<String>, Option<String>) {
        let image = ImageReference::parse(reference).unwrap();
        (image.registry, image.repository, image.tag, image.digest)
    }

    #[rstest]
    #[case("postgres", "docker.io", "library/postgres", None, None)]
    #[case("postgres:16", "docker.io", "library/postgres", Some("16"), None)]
    #[case(
        "docker.io/library/postgres:16",
        "docker.io",
        "library/postgres",
        Some("16"),
        None
    )]
    #[case("docker.io/postgres", "docker.io", "library/postgres", None, None)]
    #[case(
        "index.docker.io/library/redis:7",
        "docker.io",
        "library/redis",
        Some("7"),
        None
    )]
    #[case(
        "bitnami/postgresql:16.4.0-debian-12-r0",
        "docker.io",
        "bitnami/postgresql",
        Some("16.4.0-debian-12-r0"),
        None
    )]
    #[case("localhost:5000/x", "localhost:5000", "x", None, None)]
    #[case("localhost/x:1", "localhost", "x", Some("1"), None)]
    #[case(
        "localhost:5000/team/app:1.2",
        "localhost:5000",
        "team/app",
        Some("1.2"),
        None
    )]
    #[case(
        "10.0.0.1:5000/pg/postgres",
        "10.0.0.1:5000",
        "pg/postgres",
        None,
        None
    )]
    #[case("[::1]:5000/postgres:16", "[::1]:5000", "postgres", Some("16"), None)]
    #[case("[fe80::1]/postgres", "[fe80::1]", "postgres", None, None)]
    #[case("registry.corp/postgres", "registry.corp", "postgres", None, None)]
    #[case(
        "registry.corp/library/postgres",
        "registry.corp",
        "library/postgres",
        None,
        None
    )]
    #[case("Registry.Corp/postgres", "Registry.Corp", "postgres", None, None)]
    #[case("Corp/postgres", "Corp", "postgres", None, None)]
    #[case(
        "public.ecr.aws/docker/library/redis:7.2",
        "public.ecr.aws",
        "docker/library/redis",
        Some("7.2"),
        None
    )]
    #[case(
        "mirror.gcr.io/library/postgres:16",
        "mirror.gcr.io",
        "library/postgres",
        Some("16"),
        None
    )]
    #[case(
        "quay.io/keycloak/keycloak:26.0",
        "quay.io",
        "keycloak/keycloak",
        Some("26.0"),
        None
    )]
    #[case(
        "ghcr.io/cloudnative-pg/postgresql:16",
        "ghcr.io",
        "cloudnative-pg/postgresql",
        Some("16"),
        None
    )]
    #[case(
        "docker.elastic.co/elasticsearch/elasticsearch:8.15.0",
        "docker.elastic.co",
        "elasticsearch/elasticsearch",
        Some("8.15.0"),
        None
    )]
    #[case(
        "oliver006/redis_exporter:v1.62.0",
        "docker.io",
        "oliver006/redis_exporter",
        Some("v1.62.0"),
        None
    )]
    #[case("a/b__c/d-e--f.g", "docker.io", "a/b__c/d-e--f.g", None, None)]
    #[case("foo_bar/baz", "docker.io", "foo_bar/baz", None, None)]
    #[case("test.com:5000", "docker.io", "library/test.com", Some("5000"), None)]
    #[case(
        "lowercase:Uppercase_TAG",
        "docker.io",
        "library/lowercase",
        Some("Uppercase_TAG"),
        None
    )]
    #[case(
        "ghcr.io/zalando/spilo-17:4.0-p2",
        "ghcr.io",
        "zalando/spilo-17",
        Some("4.0-p2"),
        None
    )]
    fn parses_tags(
        #[case] reference: &str,
        #[case] registry: &str,
        #[case] repository: &str,
        #[case] tag: Option<&str>,
        #[case] digest: Option<&str>,
    ) {
        assert_eq!(
            parsed(reference),
            (
                registry.to_string(),
                repository.to_string(),
                tag.map(str::to_string),
                digest.map(str::to_string)
            )
        );
    }

    #[rstest]
    #[case(format!("postgres@{SHA}"), "docker.io", "library/postgres", None)]
    #[case(format!("postgres:16@{SHA}"), "docker.io", "library/postgres", Some("16"))]
    #[case(format!("public.ecr.aws/docker/library/postgres@{SHA}"), "public.ecr.aws", "docker/library/postgres", None)]
    #[case(format!("localhost:5000/x:1@{SHA}"), "localhost:5000", "x", Some("1"))]
    #[case(format!("localhost:5000/x@{SHA}"), "localhost:5000", "x", None)]
    fn parses_digests(
        #[case] reference: String,
        #[case] registry: &str,
        #[case] repository: &str,
        #[case] tag: Option<&str>,
    ) {
        assert_eq!(
            parsed(&reference),
            (
                registry.to_string(),
                repository.to_string(),
                tag.map(str::to_string),
                Some(SHA.to_string())
            )
        );
    }

    #[test]
    fn parses_long_digests() {
        let sha512 = format!("sha512:{}", "f".repeat(128));
        let image = ImageReference::parse(&format!("redis@{sha512}")).unwrap();
        assert_eq!(image.digest.as_deref(), Some(sha512.as_str()));
        let sha384 = format!("sha384:{}", "a".repeat(96));
        assert!(ImageReference::parse(&format!("redis@{sha384}")).is_ok());
    }

    #[rstest]
    #[case::empty("", ImageReferenceError::Empty)]
    #[case::uppercase("Postgres", ImageReferenceError::Uppercase)]
    #[case::uppercase_path("docker.io/Library/postgres", ImageReferenceError::Uppercase)]
    #[case::uppercase_hub("bitnami/PostgreSQL:16", ImageReferenceError::Uppercase)]
    #[case::bare_id(
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ImageReferenceError::BareDigest
    )]
    #[case::empty_tag("postgres:", ImageReferenceError::InvalidTag)]
    #[case::tag_dash("postgres:-16", ImageReferenceError::InvalidTag)]
    #[case::tag_char("postgres:16+1", ImageReferenceError::InvalidTag)]
    #[case::empty_path("registry.corp/", ImageReferenceError::InvalidPath)]
    #[case::double_slash("a//b", ImageReferenceError::InvalidPath)]
    #[case::trailing_dash("postgres-", ImageReferenceError::InvalidPath)]
    #[case::double_dot("a..b", ImageReferenceError::InvalidPath)]
    #[case::triple_underscore("a___b", ImageReferenceError::InvalidPath)]
    #[case::mixed_separator("a-_b", ImageReferenceError::InvalidPath)]
    #[case::space("postgres 16", ImageReferenceError::InvalidPath)]
    #[case::scheme("https://registry.corp/postgres", ImageReferenceError::InvalidRegistry)]
    #[case::bad_port("registry.corp:port/x", ImageReferenceError::InvalidRegistry)]
    #[case::empty_port("registry.corp:/x", ImageReferenceError::InvalidRegistry)]
    #[case::underscore_host("foo_bar.com/baz", ImageReferenceError::InvalidRegistry)]
    #[case::bad_ipv6("[::g]:5000/x", ImageReferenceError::InvalidRegistry)]
    #[case::empty_digest("postgres@", ImageReferenceError::InvalidDigest)]
    #[case::short_digest("postgres@sha256:abc", ImageReferenceError::InvalidDigest)]
    #[case::upper_digest(
        "postgres@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        ImageReferenceError::InvalidDigest
    )]
    #[case::wrong_length(
        "postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00",
        ImageReferenceError::InvalidDigest
    )]
    #[case::unknown_algorithm(
        "postgres@md5:0123456789abcdef0123456789abcdef",
        ImageReferenceError::UnsupportedDigest
    )]
    #[case::two_digests(
        "postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ImageReferenceError::InvalidDigest
    )]
    fn rejects_invalid_references(#[case] reference: &str, #[case] error: ImageReferenceError) {
        assert_eq!(ImageReference::parse(reference), Err(error));
    }

    #[test]
    fn rejects_too_long_names() {
        let name = format!("a/{}", "b".repeat(254));
        assert_eq!(
            ImageReference::parse(&name),
            Err(ImageReferenceError::NameTooLong)
        );
        // 240 characters fit as written, not as `docker.io/library/<name>` (258).
        assert_eq!(
            ImageReference::parse(&"b".repeat(240)),
            Err(ImageReferenceError::NameTooLong)
        );
        assert!(ImageReference::parse(&"b".repeat(237)).is_ok());
        let tag = format!("postgres:{}", "1".repeat(129));
        assert_eq!(
            ImageReference::parse(&tag),
            Err(ImageReferenceError::InvalidTag)
        );
    }

    #[test]
    fn error_messages_are_stable() {
        assert_eq!(
            ImageReferenceError::Uppercase.to_string(),
            "repository name must be lowercase"
        );
        assert_eq!(
            ImageReferenceError::NotARepository.to_string(),
            "names a tag or digest: write the repository only (postgres, bitnami/postgresql)"
        );
    }

    #[rstest]
    #[case("postgres", "library/postgres", true)]
    #[case("postgres:16-alpine", "library/postgres", true)]
    #[case("docker.io/library/postgres:16", "library/postgres", true)]
    #[case(
        "public.ecr.aws/docker/library/postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "library/postgres",
        true
    )]
    #[case("registry.corp/library/postgres", "library/postgres", true)]
    #[case("mirror.gcr.io/library/postgres", "library/postgres", true)]
    #[case(
        "harbor.corp/dockerhub-proxy/library/postgres:16",
        "library/postgres",
        true
    )]
    #[case("registry.corp/postgres", "library/postgres", true)]
    #[case("localhost:5000/postgres", "library/postgres", true)]
    #[case("registry.corp/team/postgres", "library/postgres", false)]
    #[case("oliver006/redis_exporter", "library/redis", false)]
    #[case("prometheuscommunity/postgres-exporter", "library/postgres", false)]
    #[case("bitnami/postgresql", "library/postgres", false)]
    #[case("bitnami/postgresql", "bitnami/postgresql", true)]
    #[case("bitnami/postgresql-repmgr", "bitnami/postgresql", false)]
    #[case("myorg/postgres", "library/postgres", false)]
    #[case("registry.corp/bitnami/postgresql:16", "bitnami/postgresql", true)]
    #[case("registry.corp/postgresql", "bitnami/postgresql", false)]
    #[case("notbitnami/postgresql", "bitnami/postgresql", false)]
    #[case("quay.io/keycloak/keycloak:26.0", "keycloak/keycloak", true)]
    #[case(
        "ghcr.io/cloudnative-pg/postgresql:16",
        "cloudnative-pg/postgresql",
        true
    )]
    #[case("postgres", "", false)]
    fn matches_whole_segments(#[case] image: &str, #[case] catalog: &str, #[case] expected: bool) {
        let image = ImageReference::parse(image).unwrap();
        assert_eq!(image.matches_repository(catalog), expected);
    }

    #[rstest]
    #[case("registry.corp/demo:2.1.3-kafka", &["2", "1", "3", "kafka"])]
    #[case("redis:7.2_alpine-Bookworm", &["7", "2", "alpine", "Bookworm"])]
    #[case("redis", &[])]
    #[case("redis:latest", &["latest"])]
    fn splits_tag_words(#[case] image: &str, #[case] words: &[&str]) {
        let image = ImageReference::parse(image).unwrap();
        assert_eq!(image.tag_words().collect::<Vec<_>>(), words);
    }

    #[test]
    fn tag_word_lookup_ignores_case() {
        let image = ImageReference::parse("corp/demo:2.1.3-KAFKA").unwrap();
        assert!(image.has_tag_word("kafka"));
        assert!(!image.has_tag_word("kaf"));
    }

    #[rstest]
    #[case("postgres", Ok("library/postgres"))]
    #[case("docker.io/library/postgres", Ok("library/postgres"))]
    #[case("registry.corp/postgres", Ok("library/postgres"))]
    #[case("ghcr.io/cloudnative-pg/postgresql", Ok("cloudnative-pg/postgresql"))]
    #[case("bitnami/postgresql", Ok("bitnami/postgresql"))]
    #[case("postgres:16", Err(ImageReferenceError::NotARepository))]
    #[case("Postgres", Err(ImageReferenceError::Uppercase))]
    fn normalises_catalog_repositories(
        #[case] input: &str,
        #[case] expected: Result<&str, ImageReferenceError>,
    ) {
        assert_eq!(catalog_repository(input), expected.map(str::to_string));
    }

    #[test]
    fn displays_normalised_form() {
        let image = ImageReference::parse("postgres:16").unwrap();
        assert_eq!(image.to_string(), "docker.io/library/postgres:16");
        assert_eq!(image.name(), "postgres");
    }
}
