//! Ordered JSON for writing `tokenizer.json` exactly as HF does (field order included).

use crate::normalizers::Precompiled;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON value whose objects keep their key order (serde_json's `Value` sorts keys), so the
/// output matches HF's field order.
pub(super) enum J {
    Null,
    Bool(bool),
    Int(u64),
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
    /// An object with runtime keys (`special_tokens`).
    Map(Vec<(String, J)>),
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Null => s.serialize_unit(),
            J::Bool(b) => s.serialize_bool(*b),
            J::Int(i) => s.serialize_u64(*i),
            J::Float(f) => s.serialize_f64(*f),
            J::Str(x) => s.serialize_str(x),
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            J::Obj(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            J::Map(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

pub(super) fn s(x: &str) -> J {
    J::Str(x.to_owned())
}

pub(super) fn typed(t: &str) -> J {
    J::Obj(vec![("type", s(t))])
}

/// `Replace` with a plain string pattern.
pub(super) fn replace(from: &str, to: &str) -> J {
    replace_pattern("String", from, to)
}

/// `Replace` with `kind` "String" or "Regex".
pub(super) fn replace_pattern(kind: &'static str, from: &str, to: &str) -> J {
    J::Obj(vec![
        ("type", s("Replace")),
        ("pattern", J::Obj(vec![(kind, s(from))])),
        ("content", s(to)),
    ])
}

pub(super) fn metaspace(scheme: &str, split: bool) -> J {
    J::Obj(vec![
        ("type", s("Metaspace")),
        ("replacement", s("▁")),
        ("prepend_scheme", s(scheme)),
        ("split", J::Bool(split)),
    ])
}

pub(super) fn template_piece(kind: &'static str, id: &str, type_id: u64) -> J {
    J::Obj(vec![(
        kind,
        J::Obj(vec![("id", s(id)), ("type_id", J::Int(type_id))]),
    )])
}

/// The charsmap as `tokenizer.json` holds it (base64), via Precompiled's own serializer.
pub(super) fn charsmap_base64(p: &Precompiled) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.get("precompiled_charsmap")?.as_str().map(str::to_owned))
        .unwrap_or_default()
}
