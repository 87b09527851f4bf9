//! napi glue for `@transferjs/datasets`: maps a file and hands the mapping to JS as an
//! `ArrayBuffer` without copying it. Nothing else lives here; Arrow decoding is done in JS by
//! apache-arrow on top of the returned buffer.

// In `cargo test` the #[napi] exports are not registered, so the glue looks unused there.
#![cfg_attr(test, allow(dead_code))]

mod error;
mod mmap;
