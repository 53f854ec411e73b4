//! threadlens: rebuild, cluster, measure and moderate comment threads.
//!
//! Data flows one way: inputs → [`ingest`] → [`model::Corpus`] → analyzers → outputs.

pub mod cli;
pub mod error;
pub mod export;
pub mod ingest;
pub mod messages;
pub mod model;
pub mod report;
pub mod text;

pub use error::{Error, IngestError};
pub use model::{Comment, Corpus, Format, Thread};
