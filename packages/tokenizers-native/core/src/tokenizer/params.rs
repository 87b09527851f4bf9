//! Truncation and padding settings, serialized as HF writes them in `tokenizer.json`.

use super::{Direction, Encoding};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TruncationStrategy {
    /// Remove from the longer sequence first (one token at a time, as HF computes it).
    #[default]
    LongestFirst,
    OnlyFirst,
    OnlySecond,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruncationParams {
    #[serde(default)]
    pub direction: Direction,
    pub max_length: usize,
    #[serde(default)]
    pub strategy: TruncationStrategy,
    #[serde(default)]
    pub stride: usize,
}

impl Default for TruncationParams {
    fn default() -> Self {
        Self {
            direction: Direction::Right,
            max_length: 512,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PaddingStrategy {
    /// Pad to the longest encoding of the batch.
    #[default]
    BatchLongest,
    /// Pad to this length.
    Fixed(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaddingParams {
    #[serde(default)]
    pub strategy: PaddingStrategy,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub pad_to_multiple_of: Option<usize>,
    #[serde(default)]
    pub pad_id: u32,
    #[serde(default)]
    pub pad_type_id: u32,
    #[serde(default = "default_pad_token")]
    pub pad_token: String,
}

fn default_pad_token() -> String {
    "[PAD]".to_owned()
}

impl Default for PaddingParams {
    fn default() -> Self {
        Self {
            strategy: PaddingStrategy::BatchLongest,
            direction: Direction::Right,
            pad_to_multiple_of: None,
            pad_id: 0,
            pad_type_id: 0,
            pad_token: default_pad_token(),
        }
    }
}

/// Truncates one sequence or a pair so that together they fit `params.max_length` (which the
/// caller has already reduced by the special tokens to come).
pub fn truncate_encodings(
    mut a: Encoding,
    mut b: Option<Encoding>,
    params: &TruncationParams,
) -> Result<(Encoding, Option<Encoding>)> {
    let max = params.max_length;
    if max == 0 {
        a.truncate(0, params.stride, params.direction);
        if let Some(b) = b.as_mut() {
            b.truncate(0, params.stride, params.direction);
        }
        return Ok((a, b));
    }
    let total = a.len() + b.as_ref().map_or(0, Encoding::len);
    if total <= max {
        return Ok((a, b));
    }
    let to_remove = total - max;
    match params.strategy {
        TruncationStrategy::LongestFirst => match b.as_mut() {
            Some(pair) => {
                // 1. n1 is the shorter input; keep it whole if the longer one can absorb all
                //    the cut, else split max_length evenly (the extra token to the longer).
                let (mut n1, mut n2) = (a.len(), pair.len());
                let swap = n1 > n2;
                if swap {
                    std::mem::swap(&mut n1, &mut n2);
                }
                n2 = if n1 > max { n1 } else { n1.max(max - n1) };
                if n1 + n2 > max {
                    n1 = max / 2;
                    n2 = n1 + max % 2;
                }
                if swap {
                    std::mem::swap(&mut n1, &mut n2);
                }
                cut(&mut a, n1, params)?;
                cut(pair, n2, params)?;
            }
            None => cut(&mut a, total - to_remove, params)?,
        },
        TruncationStrategy::OnlyFirst | TruncationStrategy::OnlySecond => {
            let target = if params.strategy == TruncationStrategy::OnlyFirst {
                &mut a
            } else {
                b.as_mut().ok_or_else(|| Error::InvalidConfig {
                    field: "truncation.strategy".to_owned(),
                    message: "OnlySecond needs a pair of sequences, but one was given".to_owned(),
                })?
            };
            let len = target.len();
            if len <= to_remove {
                return Err(Error::InvalidConfig {
                    field: "truncation.max_length".to_owned(),
                    message: format!(
                        "the sequence to truncate has {len} tokens, too few to remove {to_remove}; raise max_length or use LongestFirst"
                    ),
                });
            }
            cut(target, len - to_remove, params)?;
        }
    }
    Ok((a, b))
}

/// Truncates `e` to `len` tokens. A window of `len` tokens cannot overlap by `stride >= len`
/// (HF panics there; this is an error).
fn cut(e: &mut Encoding, len: usize, params: &TruncationParams) -> Result<()> {
    if len > 0 && len < e.len() && params.stride >= len {
        return Err(Error::InvalidConfig {
            field: "truncation.stride".to_owned(),
            message: format!(
                "stride ({}) must be smaller than the {len} tokens a truncated sequence keeps; lower the stride or raise max_length",
                params.stride
            ),
        });
    }
    e.truncate(len, params.stride, params.direction);
    Ok(())
}

/// Pads every encoding to the same length (fixed or the batch's longest, rounded up to a
/// multiple when asked).
pub fn pad_encodings(encodings: &mut [Encoding], params: &PaddingParams) {
    let Some(longest) = encodings.iter().map(Encoding::len).max() else {
        return;
    };
    let mut target = match params.strategy {
        PaddingStrategy::Fixed(n) => n,
        PaddingStrategy::BatchLongest => longest,
    };
    if let Some(m) = params.pad_to_multiple_of {
        if m > 0 && target % m > 0 {
            target += m - target % m;
        }
    }
    for e in encodings {
        e.pad(
            target,
            params.pad_id,
            params.pad_type_id,
            &params.pad_token,
            params.direction,
        );
    }
}
