//! `threadlens review`: per argument cluster, its label, size, representative comments, flag
//! rate and rebuttal rate, so a moderator can approve or hold a whole cluster at once
//! (`threadlens decide cluster:<id> …`).

use super::InputArgs;
use super::analyze::PipelineArgs;
use crate::analyze::pipeline;
use crate::error::Error;
use crate::moderate::review::{ClusterReview, flagged_by_flags, review};
use clap::Args;
use std::fmt::Write;
use std::path::PathBuf;

/// Arguments of `threadlens review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    pipeline: PipelineArgs,
    /// Print JSON (`{"clusters":[…]}`) instead of a table.
    #[arg(long)]
    json: bool,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs `threadlens review`.
pub fn run(args: ReviewArgs) -> Result<u8, Error> {
    let config = args.pipeline.config()?;
    let corpus = args.input.read()?;
    let analysis = pipeline::run(corpus, &config, &mut |_| {})?;
    let Some(clustering) = &analysis.clustering else {
        let why = analysis
            .stages
            .iter()
            .find(|s| s.name == pipeline::STAGE_CLUSTER)
            .map(|s| s.detail.clone())
            .unwrap_or_default();
        return Err(Error::Usage(format!(
            "no argument clusters to review: {why}"
        )));
    };
    let flagged = flagged_by_flags(&analysis.corpus, &analysis.flags);
    let stances = analysis.stances.clone().unwrap_or_default();
    let rows = review(&analysis.corpus, clustering, &flagged, &stances);
    let out = if args.json {
        serde_json::to_string_pretty(&serde_json::json!({ "clusters": rows })).unwrap_or_default()
            + "\n"
    } else {
        table(&rows)
    };
    super::write_output(args.out.as_deref(), out.as_bytes())?;
    Ok(0)
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A readable table: one block per cluster.
fn table(rows: &[ClusterReview]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:>5}  {:>8}  {:>9}  label",
        "id", "size", "flagged", "rebutted"
    );
    for r in rows {
        let rebutted = match r.rebuttal_rate {
            Some(rate) => format!("{}/{} {}", r.rebuttals, r.replies, percent(rate)),
            None => "—".into(),
        };
        let _ = writeln!(
            out,
            "{:>4}  {:>5}  {:>8}  {:>9}  {}",
            r.id,
            r.size,
            format!("{} {}", r.flagged, percent(r.flag_rate)),
            rebutted,
            r.label
        );
        for rep in &r.representatives {
            let words: Vec<&str> = rep.text.split_whitespace().collect();
            let mut snippet = words[..words.len().min(16)].join(" ");
            if words.len() > 16 {
                snippet.push('…');
            }
            let _ = writeln!(out, "        · [{}] {snippet}", rep.comment_id);
        }
    }
    let _ = writeln!(
        out,
        "\nDecide on a whole cluster with: threadlens decide cluster:<id> approve|remove|hold|escalate --by NAME --db FILE"
    );
    out
}
