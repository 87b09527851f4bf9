//! `mapFile` / `mapFileSync`: a file mapped into memory and returned as an `ArrayBuffer` that
//! points at the mapping itself (napi external arraybuffer). No byte is copied: pages are read
//! from the page cache as JS touches them. The `Mmap` is owned by the ArrayBuffer's finalizer,
//! so the mapping lives exactly as long as the ArrayBuffer, i.e. as long as any view of it
//! (typed arrays, Arrow vectors) is reachable.
//!
//! The mapping is private copy-on-write over a file opened read-only: the file can never be
//! changed through it, and a stray write from JS copies one page instead of crashing the process
//! (a PROT_READ mapping would turn such a write into SIGSEGV).

use crate::error::{map_error, Error};
use memmap2::{MmapMut, MmapOptions};
use napi::bindgen_prelude::ArrayBuffer;
use napi::{Env, ScopedTask};
use napi_derive::napi;
use std::fs::File;
use std::path::PathBuf;

/// Step 1 of both twins: open read-only, refuse directories, map (copy-on-write).
/// An empty file has nothing to map (mmap of length 0 is EINVAL): `None`.
fn map(path: &str) -> Result<Option<MmapMut>, Error> {
    let p = PathBuf::from(path);
    let file = File::open(&p).map_err(|e| Error::io(p.clone(), e))?;
    let meta = file.metadata().map_err(|e| Error::io(p.clone(), e))?;
    if meta.is_dir() {
        return Err(Error::IsDirectory { path: p });
    }
    if meta.len() == 0 {
        return Ok(None);
    }
    // SAFETY: the mapping is private; the remaining hazard of any mmap is another process
    // truncating the file while it is mapped (SIGBUS on access), documented in the README.
    let m = unsafe { MmapOptions::new().map_copy(&file) }.map_err(|e| Error::io(p, e))?;
    Ok(Some(m))
}

/// Step 2, on the JS thread: wrap the mapping in an external ArrayBuffer whose finalizer drops it.
fn to_array_buffer<'env>(env: &Env, m: Option<MmapMut>) -> napi::Result<ArrayBuffer<'env>> {
    match m {
        None => ArrayBuffer::from_data(env, Vec::<u8>::new()),
        Some(mut m) => {
            let ptr = m.as_mut_ptr();
            let len = m.len();
            // SAFETY: `ptr..ptr+len` is valid while `m` lives; `m` moves into the finalizer
            // hint and is dropped (munmap) only when V8 collects the ArrayBuffer.
            unsafe { ArrayBuffer::from_external(env, ptr, len, m, |_env, m| drop(m)) }
        }
    }
}

/// Maps `path` and returns its bytes as an ArrayBuffer backed by the mapping (no copy).
/// `byteLength` equals the file size. Blocks the JS thread only for the open + mmap syscalls.
#[napi]
pub fn map_file_sync<'env>(env: &'env Env, path: String) -> napi::Result<ArrayBuffer<'env>> {
    let m = map(&path).map_err(map_error)?;
    to_array_buffer(env, m)
}

pub struct MapTask {
    path: String,
}

impl<'task> ScopedTask<'task> for MapTask {
    type Output = Option<MmapMut>;
    type JsValue = ArrayBuffer<'task>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        map(&self.path).map_err(map_error)
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        to_array_buffer(env, output)
    }
}

/// The async twin of `mapFileSync`: open + mmap run on the libuv thread pool.
#[napi(ts_return_type = "Promise<ArrayBuffer>")]
pub fn map_file(path: String) -> napi::bindgen_prelude::AsyncTask<MapTask> {
    napi::bindgen_prelude::AsyncTask::new(MapTask { path })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let p = std::env::temp_dir().join(format!("tjs-mmap-{}-{name}", std::process::id()));
        let mut f = File::create(&p).expect("create temp file");
        f.write_all(bytes).expect("write temp file");
        p
    }

    #[test]
    fn maps_the_whole_file() {
        let p = temp("data", b"ARROW1 bytes");
        let m = map(p.to_str().unwrap_or_default()).ok().flatten();
        assert_eq!(m.as_deref(), Some(&b"ARROW1 bytes"[..]));
        let _ = std::fs::remove_file(p);
    }

    #[test]
    fn empty_file_has_nothing_to_map() {
        let p = temp("empty", b"");
        assert!(matches!(map(p.to_str().unwrap_or_default()), Ok(None)));
        let _ = std::fs::remove_file(p);
    }

    #[test]
    fn errors_carry_stable_codes() {
        let missing = map("/nonexistent/dir/x.arrow").err().map(|e| e.code());
        assert_eq!(missing, Some("FILE_NOT_FOUND"));
        let dir = std::env::temp_dir();
        let is_dir = map(dir.to_str().unwrap_or_default()).err().map(|e| e.code());
        assert_eq!(is_dir, Some("NOT_A_FILE"));
    }

    #[test]
    fn writes_to_the_mapping_never_reach_the_file() {
        let p = temp("cow", b"abc");
        if let Ok(Some(mut m)) = map(p.to_str().unwrap_or_default()) {
            m[0] = b'z';
            assert_eq!(&m[..], b"zbc");
        } else {
            panic!("mapping failed");
        }
        assert_eq!(std::fs::read(&p).unwrap_or_default(), b"abc");
        let _ = std::fs::remove_file(p);
    }
}
