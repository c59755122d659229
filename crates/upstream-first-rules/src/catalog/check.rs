//! Validation of catalog entries, shared by `build.rs` (the default catalog, which must be
//! written normalised) and `Catalog::with_additions` (settings, normalised first).
//!
//! Every error names the field path it is about.

use std::collections::BTreeMap;

use super::{
    ALREADY_BELONGS_TO, API_VERSION_NOT_GROUP, CHART_NEEDS_IMAGES, CONTAINS_WHITESPACE,
    CatalogError, Component, DUPLICATE_ID, DUPLICATE_IMAGE, INVALID_ID, MUST_NOT_BE_EMPTY,
    NOT_A_CHART_REPOSITORY, NOT_A_COMPONENT_IMAGE, NOT_A_PORT, NOT_A_PROGRAM, NOT_A_SERVER_PROGRAM,
    NOT_A_TAG_WORD, NOT_A_URL, NOT_AN_ABSOLUTE_PATH, NOT_AN_ENV_NAME, NOT_AN_IMAGE_REPOSITORY,
    NOT_NORMALISED, Signals, Sources,
};
use crate::image::catalog_repository;

/// Checks a whole catalog written in normalised form: every entry complete and valid, ids
/// unique, every image repository claimed by one component only.
pub fn check_catalog(prefix: &str, components: &[Component]) -> Result<(), CatalogError> {
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    for (i, component) in components.iter().enumerate() {
        let path = format!("{prefix}[{i}]");
        check_component(&path, component)?;
        if let Some(first) = ids.insert(&component.id, i) {
            return Err(CatalogError::new(
                format!("{path} \"{}\"", component.id),
                format!("{DUPLICATE_ID} (also {prefix}[{first}])"),
            ));
        }
        for (j, image) in component.images.iter().enumerate() {
            if let Some(owner) = owners.insert(image, &component.id) {
                return Err(already_claimed(
                    &format!("{path}.images[{j}]"),
                    image,
                    owner,
                ));
            }
        }
    }
    Ok(())
}

/// Checks one complete component whose repositories are written normalised.
pub fn check_component(path: &str, component: &Component) -> Result<(), CatalogError> {
    check_id(&format!("{path}.id"), &component.id)?;
    check_text(&format!("{path}.displayName"), &component.display_name)?;
    if component.images.is_empty() {
        return Err(CatalogError::new(
            format!("{path}.images"),
            MUST_NOT_BE_EMPTY,
        ));
    }
    for (j, image) in component.images.iter().enumerate() {
        check_normalised(&format!("{path}.images[{j}]"), image)?;
        if component.images[..j].contains(image) {
            return Err(CatalogError::new(
                format!("{path}.images[{j}]"),
                format!("\"{image}\" {DUPLICATE_IMAGE}"),
            ));
        }
    }
    check_sources(
        &format!("{path}.sources"),
        &component.sources,
        &component.images,
    )?;
    check_signals(&format!("{path}.signals"), &component.signals)?;
    check_text(
        &format!("{path}.replacement.summary"),
        &component.replacement.summary,
    )?;
    check_url(
        &format!("{path}.replacement.url"),
        &component.replacement.url,
    )
}

/// Component ids: lower-case letters, digits and `-`, starting with a letter.
pub fn check_id(path: &str, id: &str) -> Result<(), CatalogError> {
    let valid = id.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if id.is_empty() {
        Err(CatalogError::new(path, MUST_NOT_BE_EMPTY))
    } else if !valid {
        Err(CatalogError::new(path, format!("\"{id}\" {INVALID_ID}")))
    } else {
        Ok(())
    }
}

/// Non-blank text.
pub fn check_text(path: &str, text: &str) -> Result<(), CatalogError> {
    if text.trim().is_empty() {
        Err(CatalogError::new(path, MUST_NOT_BE_EMPTY))
    } else {
        Ok(())
    }
}

/// The catalog form of a repository written in settings (`postgres` → `library/postgres`).
pub fn normalise_repository(path: &str, repository: &str) -> Result<String, CatalogError> {
    catalog_repository(repository).map_err(|e| {
        CatalogError::new(
            path,
            format!("\"{repository}\" {NOT_AN_IMAGE_REPOSITORY}: {e}"),
        )
    })
}

/// A repository of the default catalog must already be in catalog form.
pub fn check_normalised(path: &str, repository: &str) -> Result<(), CatalogError> {
    let normalised = normalise_repository(path, repository)?;
    if normalised == repository {
        Ok(())
    } else {
        Err(CatalogError::new(
            path,
            format!("\"{repository}\" {NOT_NORMALISED} \"{normalised}\""),
        ))
    }
}

/// Chart sources name their images (among the component's), a chart repository URL;
/// operators a group (not an apiVersion) and kind; bundles a `part-of` value.
pub fn check_sources(
    path: &str,
    sources: &Sources,
    component_images: &[String],
) -> Result<(), CatalogError> {
    for (i, chart) in sources.charts.iter().enumerate() {
        let chart_path = format!("{path}.charts[{i}]");
        check_word(&format!("{chart_path}.name"), &chart.name)?;
        if chart.images.is_empty() {
            return Err(CatalogError::new(
                format!("{chart_path}.images"),
                CHART_NEEDS_IMAGES,
            ));
        }
        for (j, image) in chart.images.iter().enumerate() {
            if !component_images.contains(image) {
                return Err(CatalogError::new(
                    format!("{chart_path}.images[{j}]"),
                    format!("\"{image}\" {NOT_A_COMPONENT_IMAGE} \"images\""),
                ));
            }
        }
        let repository = &chart.repository;
        let has_scheme = ["https://", "http://", "oci://"].iter().any(|scheme| {
            repository
                .strip_prefix(scheme)
                .is_some_and(is_host_and_path)
        });
        if !has_scheme {
            return Err(CatalogError::new(
                format!("{chart_path}.repository"),
                format!("\"{repository}\" {NOT_A_CHART_REPOSITORY}"),
            ));
        }
    }
    for (i, operator) in sources.operators.iter().enumerate() {
        let operator_path = format!("{path}.operators[{i}]");
        check_word(&format!("{operator_path}.group"), &operator.group)?;
        if let Some((group, _version)) = operator.group.split_once('/') {
            return Err(CatalogError::new(
                format!("{operator_path}.group"),
                format!(
                    "\"{}\" {API_VERSION_NOT_GROUP} (\"{group}\")",
                    operator.group
                ),
            ));
        }
        check_word(&format!("{operator_path}.kind"), &operator.kind)?;
    }
    for (i, bundle) in sources.bundles.iter().enumerate() {
        check_word(&format!("{path}.bundles[{i}]"), bundle)?;
    }
    Ok(())
}

/// Ports are not 0; data paths are absolute and not `/`; env names, tag words and client
/// programs are well-formed.
pub fn check_signals(path: &str, signals: &Signals) -> Result<(), CatalogError> {
    if let Some(i) = signals.ports.iter().position(|port| *port == 0) {
        return Err(CatalogError::new(format!("{path}.ports[{i}]"), NOT_A_PORT));
    }
    for (i, data_path) in signals.data_paths.iter().enumerate() {
        let trimmed = data_path.trim_end_matches('/');
        if !trimmed.starts_with('/') || trimmed.contains(char::is_whitespace) {
            return Err(CatalogError::new(
                format!("{path}.dataPaths[{i}]"),
                format!("\"{data_path}\" {NOT_AN_ABSOLUTE_PATH}"),
            ));
        }
    }
    for (i, name) in signals.server_env.iter().enumerate() {
        if name.is_empty() || name.contains(|c: char| c == '=' || c.is_whitespace()) {
            return Err(CatalogError::new(
                format!("{path}.serverEnv[{i}]"),
                format!("\"{name}\" {NOT_AN_ENV_NAME}"),
            ));
        }
    }
    for (i, word) in signals.tag_hints.iter().enumerate() {
        let valid = !word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid {
            return Err(CatalogError::new(
                format!("{path}.tagHints[{i}]"),
                format!("\"{word}\" {NOT_A_TAG_WORD}"),
            ));
        }
    }
    check_programs(&format!("{path}.clients"), &signals.clients, NOT_A_PROGRAM)?;
    check_programs(
        &format!("{path}.servers"),
        &signals.servers,
        NOT_A_SERVER_PROGRAM,
    )
}

/// Program names, or a program and its subcommand (`cockroach sql`), without a path.
fn check_programs(path: &str, programs: &[String], invalid: &str) -> Result<(), CatalogError> {
    for (i, program) in programs.iter().enumerate() {
        let words: Vec<&str> = program.split(' ').collect();
        let valid = (1..=2).contains(&words.len())
            && words
                .iter()
                .all(|w| !w.is_empty() && !w.contains(['/', '\t', '\n']));
        if !valid {
            return Err(CatalogError::new(
                format!("{path}[{i}]"),
                format!("\"{program}\" {invalid}"),
            ));
        }
    }
    Ok(())
}

/// An `http(s)://host/…` URL.
pub fn check_url(path: &str, url: &str) -> Result<(), CatalogError> {
    let valid = ["https://", "http://"]
        .iter()
        .any(|scheme| url.strip_prefix(scheme).is_some_and(is_host_and_path));
    if valid {
        Ok(())
    } else {
        Err(CatalogError::new(path, format!("\"{url}\" {NOT_A_URL}")))
    }
}

/// The error for an image repository that another component already lists.
pub fn already_claimed(path: &str, image: &str, owner: &str) -> CatalogError {
    CatalogError::new(
        path,
        format!("\"{image}\" {ALREADY_BELONGS_TO} \"{owner}\""),
    )
}

fn is_host_and_path(rest: &str) -> bool {
    let host = rest.split('/').next().unwrap_or_default();
    !host.is_empty() && !rest.contains(char::is_whitespace)
}

/// A non-empty value without whitespace.
fn check_word(path: &str, value: &str) -> Result<(), CatalogError> {
    if value.is_empty() {
        Err(CatalogError::new(path, MUST_NOT_BE_EMPTY))
    } else if value.contains(char::is_whitespace) {
        Err(CatalogError::new(
            path,
            format!("\"{value}\" {CONTAINS_WHITESPACE}"),
        ))
    } else {
        Ok(())
    }
}
