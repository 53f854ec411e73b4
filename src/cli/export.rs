//! `threadlens export`: write the corpus read from the inputs in another tool's format.

use super::InputArgs;
use crate::error::Error;
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
    /// Output directory (convokit) — created if missing.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// The formats `export` writes; one writer function each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A ConvoKit corpus directory (utterances.jsonl, conversations.json, speakers.json, …).
    Convokit,
}

/// Runs `threadlens export`.
pub fn run(args: ExportArgs) -> Result<u8, Error> {
    let corpus = args.input.read()?;
    match args.to {
        ExportFormat::Convokit => write_convokit(&corpus, &args.out)?,
    }
    Ok(0)
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
