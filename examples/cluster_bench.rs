//! Times `threadlens` clustering on a synthetic JSONL corpus (`gen_corpus.py` schema) and
//! scores it against the hidden topics. Until the JSONL reader lands, the corpus is read here.
//!
//! `cargo run --release --example cluster_bench -- FILE.jsonl [k]`; the environment may
//! override `SEED`, `MAX_ITER`, `TOL`, `MB_ABOVE`, `SAMPLE` and `EPOCHS`.

use std::collections::HashMap;
use std::time::Instant;
use threadlens::analyze::cluster::{self, ClusterParams, KChoice, UnitKind, adjusted_rand_index};
use threadlens::model::{Comment, Corpus, Format, Thread};

/// An optional parameter override from the environment (for tuning runs).
fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: cluster_bench FILE.jsonl [k]");
        std::process::exit(2);
    };
    let k: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(30);
    let t0 = Instant::now();
    let text = std::fs::read_to_string(&path).expect("read corpus");
    let mut threads: Vec<Thread> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut topics: HashMap<(u32, u32), i64> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("{path}:{}: {e}", n + 1);
                std::process::exit(2);
            }
        };
        let tid = v["thread_id"].as_str().unwrap_or("").to_owned();
        let ti = *index.entry(tid.clone()).or_insert_with(|| {
            threads.push(Thread::new(tid.clone(), path.clone(), Format::Jsonl));
            threads.len() - 1
        });
        let t = &mut threads[ti];
        let c = Comment::new(
            v["id"].as_str().unwrap_or(""),
            t.comments.len() as u32 + 1,
            v["text"].as_str().unwrap_or(""),
        );
        topics.insert(
            (ti as u32, t.comments.len() as u32),
            v["topic"].as_i64().unwrap_or(-1),
        );
        t.comments.push(c);
    }
    let corpus = Corpus {
        threads,
        ..Corpus::default()
    };
    let read = t0.elapsed();
    let t1 = Instant::now();
    let params = ClusterParams {
        unit: UnitKind::Comment,
        k: KChoice::Fixed(k),
        max_iter: env("MAX_ITER").unwrap_or(100),
        tolerance: env("TOL").unwrap_or(1e-3),
        minibatch_above: env("MB_ABOVE").unwrap_or(200_000),
        sample: env("SAMPLE").unwrap_or(3_000),
        epochs: env("EPOCHS").unwrap_or(3),
        seed: env("SEED").unwrap_or(42),
        ..ClusterParams::default()
    };
    let r = cluster::cluster(&corpus, &params).expect("cluster");
    let clus = t1.elapsed();
    let (mut truth, mut found) = (Vec::new(), Vec::new());
    for u in &r.units {
        truth.push(topics[&(u.thread, u.comment.unwrap_or(0))]);
        found.push(u.cluster.map_or(-1, i64::from));
    }
    println!(
        "{} units, k={k}: read {:.2} s, cluster {:.2} s, ARI {:.4}",
        r.units.len(),
        read.as_secs_f64(),
        clus.as_secs_f64(),
        adjusted_rand_index(&truth, &found)
    );
}
