//! napi glue for `@transferjs/datasets`: maps a file and hands the mapping to JS as an
//! `ArrayBuffer` without copying it. Nothing else lives here; Arrow decoding is done in JS by
//! apache-arrow on top of the returned buffer.

mod error;
mod mmap;
