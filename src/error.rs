//! The crate's error types, one per layer; each message names the file, the line or record,
//! and what was expected.

use crate::model::IntegrityError;
use std::path::PathBuf;

/// Why an input could not be read into the corpus model.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The path does not exist.
    #[error("{}: no such file or directory", .0.display())]
    NotFound(PathBuf),
    /// The operating system refused a read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is empty (or only whitespace).
    #[error("{}: empty file", .0.display())]
    Empty(PathBuf),
    /// The file holds binary data, not text.
    #[error("{}: binary file (NUL byte at offset {offset}), not a comment thread", path.display())]
    Binary {
        /// The file.
        path: PathBuf,
        /// Offset of the first NUL byte.
        offset: usize,
    },
    /// A directory holds no file that any reader takes.
    #[error("{}: directory contains no thread files", .0.display())]
    NoInputs(PathBuf),
    /// A file named explicitly matches no known format.
    #[error("{}: format not recognised; pass --format with one of: {known}", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The format names that exist.
        known: String,
    },
    /// `--format` names a format this build has no reader for.
    #[error("{}: no reader for format {format:?} yet", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The format asked for.
        format: String,
    },
    /// The content breaks the format's rules at a known place.
    #[error("{}{}: {message}", path.display(), location(*line, *record))]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<u64>,
        /// 1-based record number, when the format has records.
        record: Option<u64>,
        /// What was wrong and what was expected.
        message: String,
    },
    /// A limit that protects memory or time was exceeded.
    #[error("{}: {what} exceeds the limit of {limit} (raise it with {flag})", path.display())]
    Limit {
        /// The file.
        path: PathBuf,
        /// What grew too large.
        what: String,
        /// The limit in force.
        limit: u64,
        /// The flag that raises it.
        flag: String,
    },
    /// The reply tree of a thread is broken beyond repair.
    #[error("{}: {source}", path.display())]
    Integrity {
        /// The file.
        path: PathBuf,
        /// What is broken.
        source: IntegrityError,
    },
}

fn location(line: Option<u64>, record: Option<u64>) -> String {
    match (line, record) {
        (Some(l), Some(r)) => format!(":{l} (record {r})"),
        (Some(l), None) => format!(":{l}"),
        (None, Some(r)) => format!(": record {r}"),
        (None, None) => String::new(),
    }
}

/// Any error the library reports to the command line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading inputs failed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// Writing an output failed.
    #[error("{}: {source}", path.display())]
    Output {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Rules, decisions or back-test data failed.
    #[error(transparent)]
    Moderate(#[from] crate::moderate::ModerateError),
    /// Building or writing a dataframe failed.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    /// Clustering could not run (bad parameters, themes file, too few units).
    #[error(transparent)]
    Cluster(#[from] crate::analyze::cluster::ClusterError),
    /// Arguments were inconsistent in a way clap cannot see.
    #[error("{0}")]
    Usage(String),
    /// Measuring reply dynamics failed.
    #[error(transparent)]
    Dynamics(#[from] crate::analyze::dynamics::DynamicsError),
    /// Stance classification, training or evaluation failed.
    #[error(transparent)]
    Stance(#[from] crate::analyze::stance::StanceError),
}
