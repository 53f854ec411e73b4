//! Times ingest alone (detection, reading, linking; no output): `cargo run --release
//! --example ingest_time -- <INPUT>...`. Prints comments, threads and seconds.

use std::path::PathBuf;
use std::time::Instant;
use threadlens::ingest::{IngestOptions, collect_inputs, read_corpus};

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let start = Instant::now();
    let (inputs, _) = match collect_inputs(&paths) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    match read_corpus(&inputs, &IngestOptions::default()) {
        Ok(corpus) => {
            let comments: usize = corpus.threads.iter().map(|t| t.comments.len()).sum();
            println!(
                "{comments} comments in {} threads, ingest {:.3} s",
                corpus.threads.len(),
                start.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
