//! napi glue: converts between JS values and `transferjs_tokenizers_core` types, nothing else.
//! One file per area; every core error goes through `error::map_error`.

mod error;
mod normalizer;
mod pre_tokenizer;
mod tokenizer;
mod trainers;

/// mimalloc for every Rust allocation in the addon: tokenization allocates many small strings
/// and vectors per line, from several threads, where it is markedly faster than the system
/// allocator. Buffers handed to JS are freed by their finalizers through the same allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// At load: mimalloc commits arena memory only as it is used (`arena_eager_commit` = 0; the
/// option's index in mimalloc's `mi_option_e`, the same in its v2 and v3), so the process does
/// not hold more memory than it touches.
#[napi_derive::module_init]
fn init() {
    const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    // SAFETY: sets a plain integer option; mimalloc reads options atomically.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
}
