//! Catalog errors: the path of the offending field, then what is wrong with it.
//!
//! Also compiled into `build.rs`.

/// Settings field that holds catalog additions; error paths start with it
/// (`catalog[2].images[0]: …`).
pub const SETTINGS_FIELD: &str = "catalog";
/// Path prefix of errors in the built-in catalog file.
pub const BUILTIN_FIELD: &str = "default-catalog";

pub const MUST_NOT_BE_EMPTY: &str = "must not be empty";
pub const NEW_COMPONENT_NEEDS: &str = "new component needs";
pub const DUPLICATE_ID: &str = "duplicate component id";
pub const INVALID_ID: &str = "is not a component id: use lower-case letters, digits and \"-\"";
pub const NOT_AN_IMAGE_REPOSITORY: &str = "is not an image repository";
pub const NOT_NORMALISED: &str = "is not written normalised: write";
pub const DUPLICATE_IMAGE: &str = "is listed twice";
pub const ALREADY_BELONGS_TO: &str = "already belongs to";
pub const CHART_NEEDS_IMAGES: &str =
    "must name the images the chart runs (a chart is a source only for its own images)";
pub const NOT_A_COMPONENT_IMAGE: &str = "is not one of the component's images: add it to";
pub const NOT_A_CHART_REPOSITORY: &str =
    "is not a chart repository URL (https://, http:// or oci://)";
pub const NOT_A_URL: &str = "is not an http(s) URL";
pub const API_VERSION_NOT_GROUP: &str = "is an apiVersion: write the API group only";
pub const CONTAINS_WHITESPACE: &str = "must not contain whitespace";
pub const NOT_A_PORT: &str = "0 is not a port";
pub const NOT_AN_ABSOLUTE_PATH: &str = "is not an absolute path below /";
pub const NOT_AN_ENV_NAME: &str = "is not an environment variable name";
pub const NOT_A_TAG_WORD: &str = "is not a tag word: use lower-case letters and digits";
pub const NOT_A_PROGRAM: &str =
    "is not a client program: a program name, optionally followed by one subcommand";
pub const NOT_A_SERVER_PROGRAM: &str =
    "is not a server program: a program name, optionally followed by one subcommand";

/// An invalid catalog entry or settings addition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CatalogError {
    /// The offending field (`catalog[2].class`, `catalog[0] "foo"`).
    pub path: String,
    pub message: String,
}

impl CatalogError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        CatalogError {
            path: path.into(),
            message: message.into(),
        }
    }
}
