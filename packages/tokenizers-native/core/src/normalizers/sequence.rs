//! `Sequence`: normalizers applied in order, `{"type":"Sequence","normalizers":[...]}`.

use super::NormalizerWrapper;
use crate::tokenizer::{NormalizedString, Normalizer};
use crate::Result;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub normalizers: Vec<NormalizerWrapper>,
}

impl Normalizer for Sequence {
    fn normalize(&self, n: &mut NormalizedString) -> Result<()> {
        for x in &self.normalizers {
            x.normalize(n)?;
        }
        Ok(())
    }
}
