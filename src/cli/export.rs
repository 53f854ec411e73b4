//! `threadlens export`: write the corpus read from the inputs as dataframes (the six tables in
//! Parquet, CSV, IPC or NDJSON) or in another tool's format (ConvoKit).

use super::InputArgs;
use super::export_tables::{self, TableArgs};
use crate::error::Error;
use crate::export::OutputFormat;
use crate::messages;
use crate::model::Corpus;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// Arguments of `threadlens export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum)]
    to: ExportFormat,
    /// Output directory, created if missing.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    tables: TableArgs,
}

/// The formats `export` writes; one writer function each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The six tables as Apache Parquet (snappy).
    Parquet,
    /// The six tables as CSV (lists joined with `;`).
    Csv,
    /// The six tables as Arrow IPC files.
    Ipc,
    /// The six tables as newline-delimited JSON.
    Ndjson,
    /// A ConvoKit corpus directory (utterances.jsonl, conversations.json, speakers.json, …).
    Convokit,
}

/// Runs `threadlens export`.
pub fn run(args: ExportArgs) -> Result<u8, Error> {
    let corpus = args.input.read()?;
    let table_format = match args.to {
        ExportFormat::Convokit => return write_convokit(&corpus, &args.out).map(|()| 0),
        ExportFormat::Parquet => OutputFormat::Parquet,
        ExportFormat::Csv => OutputFormat::Csv,
        ExportFormat::Ipc => OutputFormat::Ipc,
        ExportFormat::Ndjson => OutputFormat::Ndjson,
    };
    export_tables::run(corpus, table_format, &args.out, &args.tables)
}

fn write_convokit(corpus: &Corpus, dir: &Path) -> Result<(), Error> {
    if dir.is_file() {
        return Err(Error::Usage(format!(
            "{}: --out must be a directory for --to convokit, and this is a file",
            dir.display()
        )));
    }
    let s = crate::export::convokit::write(corpus, dir).map_err(|source| Error::Output {
        path: dir.to_path_buf(),
        source,
    })?;
    messages::note(&format!(
        "wrote {}: {} conversations, {} utterances, {} speakers",
        dir.display(),
        s.conversations,
        s.utterances,
        s.speakers
    ));
    Ok(())
}
