//! Command-line arguments (clap) and the dispatch from a command to the library.

use crate::error::Error;
use crate::ingest::{self, IngestOptions, InputFile};
use crate::messages;
use crate::model::{Corpus, Format};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

pub mod dynamics;
pub mod stance;

/// threadlens: rebuild, cluster, measure and moderate comment threads.
#[derive(Debug, Parser)]
#[command(name = "threadlens", version, about)]
pub struct Cli {
    /// Print no notes or warnings on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rebuild the comment threads of the inputs and print them as JSON or as an outline.
    Parse(ParseArgs),
    /// Measure reply trees, participation, timing and the stance of every reply.
    Dynamics(dynamics::DynamicsArgs),
    /// Train or evaluate the stance model on labelled parent/reply pairs.
    Stance(stance::StanceArgs),
}

/// Where the corpus comes from: shared by every command that reads threads.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files or directories (searched recursively); `-` reads stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Read every input as this format instead of detecting it.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// Skip malformed records (and report how many) instead of failing.
    #[arg(long)]
    pub lenient: bool,
    /// Largest input file to read, in bytes.
    #[arg(long, default_value_t = 1 << 30)]
    pub max_file_bytes: u64,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_name(s).ok_or_else(|| {
        format!(
            "unknown format {s:?}; expected one of: {}",
            Format::ALL.map(Format::name).join(", ")
        )
    })
}

impl InputArgs {
    /// Collects and reads the inputs into a corpus, printing notes and warnings.
    pub fn read(&self) -> Result<Corpus, Error> {
        let (inputs, notes) = ingest::collect_inputs(&self.inputs)?;
        for n in &notes {
            messages::note(n);
        }
        let opts = IngestOptions {
            format: self.format,
            lenient: self.lenient,
            limits: ingest::Limits {
                max_file_bytes: self.max_file_bytes,
            },
        };
        let corpus = read_inputs(&inputs, &opts)?;
        for w in &corpus.stats.warnings {
            messages::warn(w);
        }
        let s = &corpus.stats;
        if s.skipped > 0 {
            messages::note(&format!(
                "{} records read, {} parsed, {} skipped",
                s.read, s.parsed, s.skipped
            ));
        }
        Ok(corpus)
    }
}

fn read_inputs(inputs: &[InputFile], opts: &IngestOptions) -> Result<Corpus, Error> {
    Ok(ingest::read_corpus(inputs, opts)?)
}

/// Arguments of `threadlens parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print an indented outline of each thread instead of JSON.
    #[arg(long)]
    tree: bool,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs a parsed command line; returns the exit code on success.
pub fn run(cli: Cli) -> Result<u8, Error> {
    messages::set_quiet(cli.quiet);
    match cli.command {
        Command::Parse(args) => {
            let corpus = args.input.read()?;
            let mut out = if args.tree {
                crate::report::outline::render(&corpus)
            } else {
                serde_json::to_string_pretty(&corpus).expect("corpus serialises") + "\n"
            };
            if out.is_empty() {
                out.push('\n');
            }
            write_output(args.out.as_deref(), out.as_bytes())?;
            Ok(0)
        }
        Command::Dynamics(args) => dynamics::run(args),
        Command::Stance(args) => stance::run(args),
    }
}

/// Writes to a file, or to stdout when no file is given.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), Error> {
    match path {
        Some(p) => std::fs::write(p, bytes).map_err(|source| Error::Output {
            path: p.to_path_buf(),
            source,
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
                // A closed pipe (`| head`) is not an error worth reporting.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|source| Error::Output {
                    path: PathBuf::from("<stdout>"),
                    source,
                }),
            }
        }
    }
}
