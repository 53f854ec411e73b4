//! Times the tokenizer alone over a corpus's comment texts (ingest not counted): `cargo run
//! --release --example tokenize_time -- <INPUT>...`. Prints seconds for raw words, the
//! language vote and terms, best of three, so that a change to the one tokenizer every
//! analyzer shares can be measured without the pipeline's noise.

use std::path::PathBuf;
use std::time::Instant;
use threadlens::ingest::{IngestOptions, collect_inputs, read_corpus};
use threadlens::text::tokenize::{Language, LanguageVote, Tokenizer, words};

fn best_of_three(name: &str, mut f: impl FnMut() -> usize) {
    let mut best = f64::MAX;
    let mut out = 0;
    for _ in 0..3 {
        let start = Instant::now();
        out = f();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!("{name:<10} {best:.3} s ({out})");
}

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let corpus = collect_inputs(&paths)
        .and_then(|(inputs, _)| read_corpus(&inputs, &IngestOptions::default()))
        .unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2);
        });
    let texts: Vec<&str> = corpus
        .threads
        .iter()
        .flat_map(|t| t.comments.iter().map(|c| c.text.as_str()))
        .collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    println!("{} texts, {bytes} bytes", texts.len());
    best_of_three("words", || texts.iter().map(|t| words(t).count()).sum());
    best_of_three("vote", || {
        texts
            .iter()
            .map(|t| {
                let mut v = LanguageVote::default();
                v.add_words(t);
                usize::from(v.language() == Language::German)
            })
            .sum()
    });
    let tokenizer = Tokenizer::new(Language::English);
    best_of_three("terms", || {
        let mut n = 0;
        for t in &texts {
            tokenizer.for_each_term(t, |_| n += 1);
        }
        n
    });
}
