//! Errors of the stance analyzer: lexicon, pairs file, model file, training.

use std::path::PathBuf;

/// Why stance could not be computed, trained or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum StanceError {
    /// A parameter is out of range.
    #[error("stance parameters: {0}")]
    Params(String),
    /// The lexicon file is not valid.
    #[error("{origin}: {message}")]
    Lexicon {
        /// File name or `builtin`.
        origin: String,
        /// What is wrong, naming the cue.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The labelled pairs file is not usable.
    #[error("{}{}: {message}", path.display(), record.map(|r| format!(": record {r}")).unwrap_or_default())]
    Pairs {
        /// The file.
        path: PathBuf,
        /// 1-based line of the record, when known.
        record: Option<u64>,
        /// What was wrong and what was expected.
        message: String,
    },
    /// The model file is not a threadlens stance model this build can read.
    #[error("{}: {message}", path.display())]
    Model {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// Fitting the classifier failed.
    #[error("training failed: {0}")]
    Train(String),
}
