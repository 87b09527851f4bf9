//! A minimal protobuf wire-format reader: just what `sentencepiece_model.proto` needs.
//!
//! Wire format: a message is a sequence of `(key, value)`; `key = field_number << 3 | wire_type`
//! as a varint; wire types 0 = varint, 1 = 8 bytes, 2 = length-delimited (varint length, then
//! bytes), 5 = 4 bytes. Groups (3, 4) are deprecated and rejected. Every read is bounds-checked:
//! malformed input gives a `SentencePieceError`, never a panic.

use super::SentencePieceError;

/// One field's value, still raw.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Varint(u64),
    /// 8 bytes; no SentencePiece field uses them, so only skipped.
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl Value<'_> {
    pub(crate) fn wire_type_name(&self) -> &'static str {
        match self {
            Value::Varint(_) => "varint",
            Value::Fixed64 => "64-bit",
            Value::Bytes(_) => "length-delimited",
            Value::Fixed32(_) => "32-bit",
        }
    }
}

/// Reads the fields of one message; `base` is the message's offset in the whole file, so errors
/// point at absolute byte offsets.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn varint(&mut self) -> Result<u64, SentencePieceError> {
        let start = self.offset();
        let mut value: u64 = 0;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(SentencePieceError::Truncated {
                    offset: start,
                    what: "varint",
                });
            };
            self.pos += 1;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(SentencePieceError::VarintTooLong { offset: start })
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], SentencePieceError> {
        let start = self.offset();
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(SentencePieceError::Truncated {
                offset: start,
                what,
            });
        };
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next `(field number, value, value's absolute offset)`, or `None` at the end.
    pub(crate) fn next_field(
        &mut self,
    ) -> Result<Option<(u32, Value<'a>, usize)>, SentencePieceError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key_offset = self.offset();
        let key = self.varint()?;
        let field = (key >> 3) as u32;
        if field == 0 || key >> 3 > u64::from(u32::MAX >> 3) {
            return Err(SentencePieceError::InvalidFieldNumber {
                offset: key_offset,
                field: key >> 3,
            });
        }
        let at = self.offset();
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8, "64-bit value")?;
                Value::Fixed64
            }
            2 => {
                let len = self.varint()?;
                let len = usize::try_from(len).map_err(|_| SentencePieceError::Truncated {
                    offset: at,
                    what: "length-delimited value",
                })?;
                Value::Bytes(self.take(len, "length-delimited value")?)
            }
            5 => {
                let b = self.take(4, "32-bit value")?;
                Value::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            wire_type => {
                return Err(SentencePieceError::InvalidWireType {
                    offset: key_offset,
                    field,
                    wire_type: wire_type as u8,
                })
            }
        };
        Ok(Some((field, value, at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_wire_type() {
        // field 1 varint 300, field 2 bytes "hi", field 3 fixed32 1.0f32, field 4 fixed64 7.
        let mut buf = vec![0x08, 0xac, 0x02, 0x12, 0x02, b'h', b'i', 0x1d];
        buf.extend_from_slice(&1.0f32.to_le_bytes());
        buf.push(0x21);
        buf.extend_from_slice(&7u64.to_le_bytes());
        let mut r = Reader::new(&buf, 0);
        let mut got = Vec::new();
        while let Ok(Some((f, v, _))) = r.next_field() {
            got.push(format!("{f}:{v:?}"));
        }
        assert_eq!(
            got,
            vec![
                "1:Varint(300)",
                "2:Bytes([104, 105])",
                "3:Fixed32(1065353216)",
                "4:Fixed64"
            ]
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        let err = |buf: &[u8]| Reader::new(buf, 10).next_field().err();
        assert_eq!(
            err(&[0x08]),
            Some(SentencePieceError::Truncated {
                offset: 11,
                what: "varint"
            })
        );
        assert_eq!(
            err(&[0x12, 0x05, b'a']),
            Some(SentencePieceError::Truncated {
                offset: 12,
                what: "length-delimited value"
            })
        );
        assert_eq!(
            err(&[0x0b]),
            Some(SentencePieceError::InvalidWireType {
                offset: 10,
                field: 1,
                wire_type: 3
            })
        );
        assert_eq!(
            err(&[0x00]),
            Some(SentencePieceError::InvalidFieldNumber {
                offset: 10,
                field: 0
            })
        );
        assert_eq!(
            err(&[0xff; 11]),
            Some(SentencePieceError::VarintTooLong { offset: 10 })
        );
        // A huge length must not overflow.
        assert!(err(&[0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_some());
    }
}
