//! Command-line arguments (clap) and the dispatch from a command to the library.

pub mod analyze;
pub mod cluster;
mod export;
pub mod export_tables;
pub mod moderate;
pub mod review;

use crate::error::Error;
use crate::ingest::{self, IngestOptions, InputFile};
use crate::messages;
use crate::model::{Corpus, Format};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

pub mod dynamics;
pub mod stance;
mod synth;

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

impl Cli {
    /// Parses the process arguments, exiting with clap's message on a usage error.
    pub fn parse_args() -> Cli {
        Cli::try_parse_args(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// Parses an argument list.
    ///
    /// `moderate --format table|json|csv` names the queue's output format, as the moderation
    /// issue promised its users; there the input-format override is `--input-format`.
    /// Every other command keeps `--format` for the input format.
    pub fn try_parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches};
        let command = Cli::command().mut_subcommand("moderate", |m| {
            m.mut_arg("format", |a| a.long("input-format"))
                .mut_arg("output_format", |a| a.long("format").alias("output-format"))
        });
        Cli::from_arg_matches(&command.try_get_matches_from(args)?)
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rebuild the comment threads of the inputs and print them as JSON or as an outline.
    Parse(ParseArgs),
    /// Run moderation rules: a queue of flagged comments sorted by severity (exit 1 when it lists anything), or a back-test.
    Moderate(moderate::ModerateArgs),
    /// Record (or undo) a moderator decision on a comment or cluster in a SQLite file.
    Decide(moderate::DecideArgs),
    /// Review argument clusters: label, size, representatives, flag rate and rebuttal rate.
    Review(review::ReviewArgs),
    /// Write a deterministic synthetic corpus (JSONL) for benchmarks and scoring.
    Synth(synth::SynthArgs),
    /// Analyse threads and write report.html, report.md and Parquet tables into a directory.
    Analyze(analyze::AnalyzeArgs),
    /// Write the threads of the inputs in another tool's format (`--to convokit`).
    Export(export::ExportArgs),
    /// Group the argument units (paragraphs) of the inputs into labelled clusters.
    Cluster(cluster::ClusterArgs),
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
    /// csv/jsonl: column holding the comment id [default: id].
    #[arg(long, value_name = "NAME")]
    pub id_col: Option<String>,
    /// csv/jsonl: column holding the parent comment id; null or empty = top-level
    /// [default: parent_id].
    #[arg(long, value_name = "NAME")]
    pub parent_col: Option<String>,
    /// csv/jsonl: column holding the thread id; without it, one thread per file
    /// [default: thread_id].
    #[arg(long, value_name = "NAME")]
    pub thread_col: Option<String>,
    /// csv/jsonl: column holding the author [default: author].
    #[arg(long, value_name = "NAME")]
    pub author_col: Option<String>,
    /// csv/jsonl: column holding the time (RFC 3339, Unix seconds, …) [default: timestamp].
    #[arg(long, value_name = "NAME")]
    pub time_col: Option<String>,
    /// csv/jsonl: column holding the comment text [default: text].
    #[arg(long, value_name = "NAME")]
    pub text_col: Option<String>,
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
            columns: ingest::table::Columns {
                id: self.id_col.clone(),
                parent: self.parent_col.clone(),
                thread: self.thread_col.clone(),
                author: self.author_col.clone(),
                time: self.time_col.clone(),
                text: self.text_col.clone(),
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
        if s.known_missing > 0 {
            messages::note(&format!(
                "{} comments are known to exist but are not in the inputs (see known_missing)",
                s.known_missing
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
        Command::Moderate(args) => moderate::run(args),
        Command::Decide(args) => moderate::decide(args),
        Command::Review(args) => review::run(args),
        Command::Synth(args) => synth::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Export(args) => export::run(args),
        Command::Cluster(args) => cluster::run(args),
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
