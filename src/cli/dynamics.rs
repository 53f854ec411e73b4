//! `threadlens dynamics`: tree metrics, participation, timing and the stance of every reply.

use super::{InputArgs, write_output};
use crate::analyze::dynamics::{self, Dynamics, DynamicsParams, ThreadDynamics};
use crate::analyze::stance::{Classifier, Lexicon, StanceModel, classify_corpus};
use crate::analyze::{Stance, Stances};
use crate::error::Error;
use crate::model::{Corpus, Thread};
use clap::Args;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `threadlens dynamics`.
#[derive(Debug, Args)]
pub struct DynamicsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON instead of a readable report.
    #[arg(long)]
    json: bool,
    /// Cue lexicon (TOML) to use instead of the built-in one.
    #[arg(long, value_name = "FILE", conflicts_with = "stance_model")]
    lexicon: Option<PathBuf>,
    /// Label stance with a trained model (`threadlens stance train`) instead of the lexicon.
    #[arg(long, value_name = "MODEL")]
    stance_model: Option<PathBuf>,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs `threadlens dynamics`.
pub fn run(args: DynamicsArgs) -> Result<u8, Error> {
    let classifier = match (&args.stance_model, &args.lexicon) {
        (Some(m), _) => Classifier::Model(Box::new(StanceModel::load(m)?)),
        (None, Some(l)) => Classifier::Lexicon(Box::new(Lexicon::load(l)?)),
        (None, None) => Classifier::Lexicon(Box::new(Lexicon::builtin())),
    };
    let corpus = args.input.read()?;
    let dynamics = dynamics::analyze(&corpus, &DynamicsParams::default())?;
    let stances = classify_corpus(&corpus, &classifier);
    let out = if args.json {
        serde_json::to_string_pretty(&to_json(&corpus, &dynamics, &stances)).expect("JSON") + "\n"
    } else {
        render_text(&corpus, &dynamics, &stances)
    };
    write_output(args.out.as_deref(), out.as_bytes())?;
    Ok(0)
}

fn stance_counts(stances: &[Option<crate::analyze::ReplyStance>]) -> [usize; 3] {
    let mut n = [0; 3];
    for s in stances.iter().flatten() {
        n[crate::analyze::stance::label_index(s.stance)] += 1;
    }
    n
}

fn counts_json(n: [usize; 3]) -> Value {
    json!({"agree": n[0], "rebut": n[1], "neutral": n[2]})
}

/// The JSON document: `{"stance_source","corpus","threads":[{"id","metrics","stance",
/// "comments","reply_pairs","turn_chains"}]}`.
pub fn to_json(corpus: &Corpus, d: &Dynamics, stances: &Stances) -> Value {
    let mut total = [0; 3];
    let threads: Vec<Value> = corpus
        .threads
        .iter()
        .zip(&d.threads)
        .enumerate()
        .map(|(ti, (t, td))| {
            let st = &stances.replies[ti];
            let n = stance_counts(st);
            for k in 0..3 {
                total[k] += n[k];
            }
            let comments: Vec<Value> = t
                .comments
                .iter()
                .zip(&td.nodes)
                .zip(st)
                .map(|((c, node), s)| {
                    json!({
                        "id": c.id,
                        "parent_id": c.parent_id,
                        "author": c.author,
                        "depth": node.depth,
                        "replies": node.replies,
                        "descendants": node.descendants,
                        "stance": s.as_ref().map(|s| s.stance.name()),
                        "stance_confidence": s.as_ref().map(|s| round(s.confidence)),
                        "evidence": s.as_ref().map(|s| s.evidence.clone()).unwrap_or_default(),
                    })
                })
                .collect();
            json!({
                "id": t.id,
                "metrics": td.metrics,
                "stance": counts_json(n),
                "comments": comments,
                "reply_pairs": td.reply_pairs,
                "turn_chains": td.turn_chains,
            })
        })
        .collect();
    let mut corpus_json = serde_json::to_value(&d.corpus).expect("JSON");
    corpus_json["stance"] = counts_json(total);
    json!({
        "stance_source": stances.source,
        "corpus": corpus_json,
        "threads": threads,
    })
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn label(t: &Thread, i: usize) -> String {
    let c = &t.comments[i];
    match &c.number {
        Some(n) => format!("#{n}"),
        None => format!("[{}]", c.position),
    }
}

fn snippet(text: &str, words: usize) -> String {
    let mut out: Vec<&str> = text.split_whitespace().take(words + 1).collect();
    let more = out.len() > words;
    out.truncate(words);
    let mut s = out.join(" ");
    if more {
        s.push('…');
    }
    s
}

fn opt(x: Option<f64>, unit: &str) -> String {
    x.map_or("n/a".into(), |v| format!("{v:.0}{unit}"))
}

/// The readable report.
pub fn render_text(corpus: &Corpus, d: &Dynamics, stances: &Stances) -> String {
    let mut out = String::new();
    for (ti, (t, td)) in corpus.threads.iter().zip(&d.threads).enumerate() {
        thread_text(&mut out, t, td, &stances.replies[ti], &stances.source);
    }
    let c = &d.corpus;
    let _ = writeln!(
        out,
        "corpus: {} threads · {} comments · {} replies · max depth {} · mean structural virality {:.3} · stance by {}",
        c.threads, c.comments, c.replies, c.max_depth, c.mean_structural_virality, stances.source
    );
    out
}

fn thread_text(
    out: &mut String,
    t: &Thread,
    td: &ThreadDynamics,
    st: &[Option<crate::analyze::ReplyStance>],
    source: &str,
) {
    let m = &td.metrics.tree;
    let _ = writeln!(
        out,
        "{}{}",
        t.id,
        t.post
            .title
            .as_deref()
            .map(|s| format!(" — {s}"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "  shape: {}", m.shape_summary);
    if m.comments == 0 {
        out.push('\n');
        return;
    }
    let _ = writeln!(
        out,
        "  comments {} · top-level {} · replies {} · max depth {} · mean depth {:.2}",
        m.comments, m.top_level, m.replies, m.max_depth, m.mean_depth
    );
    let mut sizes: Vec<String> = Vec::new();
    let mut k = 0;
    while k < m.subtree_sizes.len() {
        let v = m.subtree_sizes[k];
        let run = m.subtree_sizes[k..].iter().take_while(|&&x| x == v).count();
        sizes.push(if run > 1 {
            format!("{v}×{run}")
        } else {
            v.to_string()
        });
        k += run;
    }
    let _ = writeln!(
        out,
        "  mean branching {:.2} · replied share {:.1}% · longest chain {} · structural virality {:.3} · subtree sizes {}",
        m.mean_branching,
        m.replied_share * 100.0,
        m.longest_chain,
        m.structural_virality,
        sizes.join(", ")
    );
    let p = &td.metrics.participation;
    let _ = writeln!(
        out,
        "  authors: {} known ({} of {} comments) · Gini {} · reciprocity {} · longest turn-taking run {}",
        p.distinct_authors,
        p.comments_with_author,
        m.comments,
        p.gini.map_or("n/a".into(), |g| format!("{g:.2}")),
        p.reciprocity
            .map_or("n/a".into(), |r| format!("{:.0}%", r * 100.0)),
        p.longest_turn_chain
    );
    for pair in td.reply_pairs.iter().take(10) {
        let _ = writeln!(out, "    {} → {}: {}", pair.from, pair.to, pair.count);
    }
    let tm = &td.metrics.time;
    if tm.comments_with_time == 0 {
        let _ = writeln!(out, "  time: no timestamps");
    } else {
        let _ = writeln!(
            out,
            "  time: {} timed · reply latency median {} p90 {} · first reply median {} · burstiness {} · lifetime {}",
            tm.comments_with_time,
            opt(tm.reply_latency_median, " s"),
            opt(tm.reply_latency_p90, " s"),
            opt(tm.time_to_first_reply_median, " s"),
            tm.burstiness.map_or("n/a".into(), |b| format!("{b:.2}")),
            tm.lifetime.map_or("n/a".into(), |l| format!("{l} s"))
        );
    }
    let n = stance_counts(st);
    let _ = writeln!(
        out,
        "  stance ({source}): {} agree · {} rebut · {} neutral",
        n[0], n[1], n[2]
    );
    for (i, s) in st.iter().enumerate() {
        let Some(s) = s else { continue };
        let Some(pi) = t.comments[i].parent_index.map(|p| p as usize) else {
            continue;
        };
        let parent_author = t.comments[pi]
            .author
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {} → {}{}: {} ({:.2})  \"{}\"",
            label(t, i),
            label(t, pi),
            parent_author,
            s.stance.name(),
            s.confidence,
            snippet(&t.comments[i].text, 10)
        );
        for e in &s.evidence {
            let mark = if e.cue.starts_with(s.stance.name()) && s.stance != Stance::Neutral {
                '+'
            } else {
                '·'
            };
            let _ = writeln!(out, "        {mark} \"{}\" — {}", e.text, e.cue);
        }
    }
    out.push('\n');
}
