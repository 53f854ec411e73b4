//! Format detection: every reader scores the input from its path and first bytes.

use super::{InputFile, readers};
use crate::error::IngestError;
use crate::model::Format;

/// Bytes read for sniffing.
const HEAD_BYTES: usize = 64 * 1024;

/// The format whose reader claims the input most strongly, or `None` when no reader does.
/// Binary content is claimed by no reader.
pub fn detect(input: &InputFile) -> Result<Option<Format>, IngestError> {
    let head = if input.is_dir {
        String::new()
    } else {
        let bytes = input.head(HEAD_BYTES)?;
        match crate::text::decode(&bytes) {
            Ok((text, _)) if text.trim().is_empty() && input.explicit => {
                return Err(IngestError::Empty(input.path.clone()));
            }
            Ok((text, _)) => text,
            Err(crate::text::encoding::DecodeError::Binary { offset }) if input.explicit => {
                return Err(IngestError::Binary {
                    path: input.path.clone(),
                    offset,
                });
            }
            Err(_) => return Ok(None),
        }
    };
    let best = readers()
        .iter()
        .map(|r| (r.sniff(input, &head), r.format()))
        .filter(|&(score, _)| score > 0)
        .max_by_key(|&(score, _)| score);
    Ok(best.map(|(_, f)| f))
}

/// Lower-cased extension of the input's path ("" when it has none).
pub fn extension(input: &InputFile) -> String {
    input
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}
