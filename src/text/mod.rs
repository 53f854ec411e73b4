//! Text handling shared by every layer: decoding and repair, and (later) the one tokenizer.

pub mod encoding;
pub mod markup;

pub use encoding::{Encoding, decode, normalize_paragraphs, normalize_space, repair_mojibake};
