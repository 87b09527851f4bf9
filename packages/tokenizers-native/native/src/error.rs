//! The single mapping from core errors to JS errors. The message is prefixed with the stable
//! code in brackets (`[UNKNOWN_COMPONENT] ...`), which the TS facade turns into
//! `TokenizerError.code`.

use transferjs_tokenizers_core::Error;

pub fn map_error(e: Error) -> napi::Error {
    napi::Error::new(napi::Status::InvalidArg, format!("[{}] {}", e.code(), e))
}
