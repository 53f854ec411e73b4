//! Exports: dataframes (one polars frame builder per table in [`frames`], one writer per
//! format in [`writers`], [`OutputFormat`] picks the writer; the table schema is documented in
//! the README and does not change without saying so) and other tools' corpus formats
//! ([`convokit`]).

pub mod convokit;
pub mod frames;
pub mod writers;

pub use frames::Table;
pub use writers::WriteOptions;

use crate::analyze::pipeline::Analysis;
use polars::prelude::PolarsError;
use std::path::{Path, PathBuf};

/// The dataframe file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum OutputFormat {
    /// Apache Parquet (snappy); keeps list and nullable columns.
    Parquet,
    /// Comma-separated values; lists joined with `;`.
    Csv,
    /// Arrow IPC file (Feather v2); keeps list and nullable columns.
    Ipc,
    /// Newline-delimited JSON, one object per row.
    Ndjson,
}

impl OutputFormat {
    /// Every format.
    pub const ALL: [OutputFormat; 4] = [
        OutputFormat::Parquet,
        OutputFormat::Csv,
        OutputFormat::Ipc,
        OutputFormat::Ndjson,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
            OutputFormat::Ipc => "ipc",
            OutputFormat::Ndjson => "ndjson",
        }
    }

    /// The file extension of a table written in this format.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
            OutputFormat::Ipc => "arrow",
            OutputFormat::Ndjson => "ndjson",
        }
    }

    /// Parses a format name (`parquet`, `csv`, `ipc`, `ndjson`).
    pub fn from_name(name: &str) -> Option<OutputFormat> {
        OutputFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl std::fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a table could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Creating the output directory or file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Polars could not assemble a table (a bug: the builders control every column).
    #[error("building the {table} table: {source}")]
    Build {
        /// The table.
        table: &'static str,
        /// Polars' message.
        source: PolarsError,
    },
    /// Polars could not write a table.
    #[error("{}: writing {format}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The format being written.
        format: OutputFormat,
        /// Polars' message.
        source: PolarsError,
    },
}

/// The path of a table file in `dir`: a fixed name per table, nothing derived from input.
pub fn table_path(dir: &Path, table: Table, format: OutputFormat) -> PathBuf {
    dir.join(format!("{}.{}", table.name(), format.extension()))
}

/// Builds the six tables and writes them into `dir` (created if missing); `on_table` is
/// called as each table starts (for progress). Returns the files written, in table order.
///
/// The tables are built and written side by side: each is one thread's work in polars (the
/// comments table took 2.8 s of 4.6 at a million comments, the units table 1.4 s). The first
/// error in table order is the one returned.
pub fn write_tables(
    analysis: &Analysis,
    dir: &Path,
    format: OutputFormat,
    opts: &WriteOptions,
    on_table: &(dyn Fn(Table) + Sync),
) -> Result<Vec<PathBuf>, ExportError> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let results: Vec<Result<PathBuf, ExportError>> = Table::ALL
        .par_iter()
        .map(|&table| {
            on_table(table);
            let mut df = table.build(analysis).map_err(|source| ExportError::Build {
                table: table.name(),
                source,
            })?;
            let path = table_path(dir, table, format);
            writers::write_frame(&mut df, &path, format, opts)?;
            Ok(path)
        })
        .collect();
    results.into_iter().collect()
}
