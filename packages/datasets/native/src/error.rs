//! The single mapping from native errors to JS errors. The message starts with the stable code
//! in brackets (`[FILE_NOT_FOUND] ...`), which the TS facade (src/errors.ts) turns into
//! `DatasetError.code`.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: no such file; check the path (relative paths resolve from the process cwd)")]
    NotFound { path: PathBuf },
    #[error("{path}: is a directory, expected an Arrow file")]
    IsDirectory { path: PathBuf },
    #[error("{path}: cannot map the file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "FILE_NOT_FOUND",
            Error::IsDirectory { .. } => "NOT_A_FILE",
            Error::Io { .. } => "IO_ERROR",
        }
    }

    pub fn io(path: PathBuf, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }
}

pub fn map_error(e: Error) -> napi::Error {
    napi::Error::new(napi::Status::InvalidArg, format!("[{}] {}", e.code(), e))
}
