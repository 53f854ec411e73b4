//! Text handling shared by every layer: decoding and repair, markup to text, the one
//! tokenizer, the one CSV record splitter and the rewriting of regex word boundaries.

pub mod csv;
pub mod encoding;
pub mod markup;
pub mod tokenize;
pub mod word_looks;

pub use encoding::{Encoding, decode, normalize_paragraphs, normalize_space, repair_mojibake};
pub use tokenize::{Language, Tokenizer, detect_language};
