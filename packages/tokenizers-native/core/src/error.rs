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

    /// A file that cannot be read (missing, unreadable).
    #[error("{path}: cannot read file: {message}")]
    Io { path: String, message: String },

    /// A file whose bytes are not UTF-8.
    #[error("{path}: invalid UTF-8 at byte {byte}; expected a UTF-8 text file")]
    InvalidUtf8 { path: String, byte: usize },

    /// A vocabulary or merges file whose content is malformed.
    #[error("{path}:{line}: {message}")]
    InvalidFile {
        path: String,
        line: usize,
        message: String,
    },

    /// A model option that refers to a token the vocabulary lacks.
    #[error(
        "{field}: token '{token}' is not in the vocabulary; add it to the vocab or change {field}"
    )]
    MissingToken { field: String, token: String },

    /// An id passed to decode / idToToken that no token has.
    #[error("id {id} is out of range: the vocabulary (with added tokens) has {vocab_size} ids")]
    IdOutOfRange { id: u32, vocab_size: usize },

    /// An option or a combination of options that cannot work.
    #[error("{field}: {message}")]
    InvalidConfig { field: String, message: String },
}

impl Error {
    /// Stable machine-readable code, surfaced to JS as `TokenizerError.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownComponent { .. } => "UNKNOWN_COMPONENT",
            Error::InvalidJson { .. } => "INVALID_JSON",
            Error::Io { .. } => "FILE_NOT_READABLE",
            Error::InvalidUtf8 { .. } => "INVALID_UTF8",
            Error::InvalidFile { .. } => "INVALID_FILE",
            Error::MissingToken { .. } => "MISSING_TOKEN",
            Error::IdOutOfRange { .. } => "ID_OUT_OF_RANGE",
            Error::InvalidConfig { .. } => "INVALID_CONFIG",
        }
    }
}

/// Reads a whole text file, naming the file in every error.
pub fn read_text_file(path: &str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| Error::InvalidUtf8 {
        path: path.to_owned(),
        byte: e.utf8_error().valid_up_to(),
    })
}

/// Writes a file atomically: a temp file beside it, fsync, then rename over the target.
pub fn write_atomic(path: &str, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let io = |e: std::io::Error| Error::Io {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let tmp = format!("{path}.tmp-{}", std::process::id());
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
