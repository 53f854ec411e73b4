//! `threadlens synth`: write the deterministic synthetic benchmark corpus.

use crate::error::Error;
use crate::synth::{Order, SynthParams, write_corpus};
use clap::Args;
use std::io::BufWriter;
use std::path::PathBuf;

/// Arguments of `threadlens synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Number of comments to generate.
    #[arg(long)]
    comments: usize,
    /// Random seed (same seed and size give the same bytes).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Order of the lines.
    #[arg(long, value_enum, default_value_t = Order::Time)]
    order: Order,
    /// Output JSONL file.
    #[arg(long, value_name = "FILE.jsonl")]
    out: PathBuf,
}

/// Writes the corpus file.
pub fn run(args: SynthArgs) -> Result<u8, Error> {
    if args.comments == 0 {
        return Err(Error::Usage("--comments must be at least 1".into()));
    }
    let io = |source| Error::Output {
        path: args.out.clone(),
        source,
    };
    let file = std::fs::File::create(&args.out).map_err(io)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let threads = write_corpus(
        SynthParams {
            comments: args.comments,
            seed: args.seed,
            order: args.order,
        },
        &mut w,
    )
    .map_err(io)?;
    std::io::Write::flush(&mut w).map_err(io)?;
    crate::messages::note(&format!(
        "wrote {} comments in {threads} threads to {}",
        args.comments,
        args.out.display()
    ));
    Ok(0)
}
