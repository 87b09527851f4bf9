//! The crate's one error type. Every variant carries the data a user needs to fix the input:
//! where (file / field), what was expected, and what was found.

use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    /// A `type` tag that no component of this kind implements.
    #[error("{field}: unknown {kind} type '{found}' (supported: {supported})")]
    UnknownComponent {
        kind: &'static str,
        field: String,
        found: String,
        supported: String,
    },

    /// JSON that does not describe a component (bad syntax, missing or mistyped field).
    #[error("{field}: invalid {kind} JSON: {message}")]
    InvalidJson {
        kind: &'static str,
        field: String,
        message: String,
    },
}

impl Error {
    /// Stable machine-readable code, surfaced to JS as `TokenizerError.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownComponent { .. } => "UNKNOWN_COMPONENT",
            Error::InvalidJson { .. } => "INVALID_JSON",
        }
    }
}
