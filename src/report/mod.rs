//! Human-readable renderings of the corpus and of analysis results.

pub mod outline;
