//! The dataframe side of `threadlens export --to parquet|csv|ipc|ndjson`: runs the analysis
//! pipeline and writes the six tables. The `export` command flattens [`TableArgs`] into its
//! arguments and calls [`run`] for the table formats.

use super::analyze::{PipelineArgs, ensure_dir, stage_bar, stage_message};
use crate::analyze::pipeline::{self, StageEvent};
use crate::error::Error;
use crate::export::{self, OutputFormat, Table, WriteOptions};
use crate::messages;
use crate::model::Corpus;
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `export` that only the table formats use.
#[derive(Debug, Clone, Args)]
pub struct TableArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Write CSV cells starting with =, +, -, @, tab or CR as they are (by default they get a
    /// leading ' so spreadsheets do not run them as formulas).
    #[arg(long)]
    pub no_csv_protect: bool,
}

/// Runs the pipeline over `corpus` and writes `comments`, `units`, `clusters`, `edges`,
/// `threads` and `flags` into `out` as `format`; returns the files written.
pub fn write(
    corpus: Corpus,
    format: OutputFormat,
    out: &Path,
    args: &TableArgs,
) -> Result<Vec<PathBuf>, Error> {
    let config = args.pipeline.config()?;
    ensure_dir(out)?;
    let stages = pipeline::stages();
    let bar = stage_bar(stages.len() as u64 + Table::ALL.len() as u64);
    let analysis = pipeline::run_stages(corpus, &config, &stages, &mut |event| match event {
        StageEvent::Started(names) => bar.set_message(stage_message(names)),
        StageEvent::Finished(..) => bar.inc(1),
    })?;
    let opts = WriteOptions {
        csv_protect: !args.no_csv_protect,
    };
    let written = export::write_tables(&analysis, out, format, &opts, &|t: Table| {
        bar.set_message(format!("writing {} table", t.name()));
        bar.inc(1);
    })?;
    drop(bar);
    Ok(written)
}

/// [`write()`] for the command line: notes what was written; exit code 0.
pub fn run(
    corpus: Corpus,
    format: OutputFormat,
    out: &Path,
    args: &TableArgs,
) -> Result<u8, Error> {
    let written = write(corpus, format, out, args)?;
    messages::note(&format!(
        "{} {format} tables written to {}",
        written.len(),
        out.display()
    ));
    Ok(0)
}
