//! Times the stance stage alone (the built-in lexicon over every reply, on the machine's
//! cores; best of three) after reading the input: `cargo run --release --example
//! stance_time -- <INPUT>...`. Prints the replies labelled per stance as a check.

use std::path::PathBuf;
use std::time::Instant;
use threadlens::analyze::Stance;
use threadlens::analyze::stance::{Classifier, Lexicon, classify_corpus};
use threadlens::ingest::{IngestOptions, collect_inputs, read_corpus};

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let corpus = match collect_inputs(&paths)
        .and_then(|(inputs, _)| read_corpus(&inputs, &IngestOptions::default()))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let classifier = Classifier::Lexicon(Box::new(Lexicon::builtin()));
    let mut best = f64::INFINITY;
    let mut counts = [0usize; 3];
    for _ in 0..3 {
        let start = Instant::now();
        let stances = classify_corpus(&corpus, &classifier);
        best = best.min(start.elapsed().as_secs_f64());
        counts = [0; 3];
        for s in stances.replies.iter().flatten().flatten() {
            counts[match s.stance {
                Stance::Agree => 0,
                Stance::Rebut => 1,
                Stance::Neutral => 2,
            }] += 1;
        }
    }
    println!(
        "stance {best:.3} s (agree {}, rebut {}, neutral {})",
        counts[0], counts[1], counts[2]
    );
}
