//! The dynamics stage of the analysis pipeline: measures every thread and adds the per-thread
//! measures as metric columns of the `threads` table (and of the report).

use super::{DynamicsParams, analyze};
use crate::analyze::pipeline::{
    Analysis, MetricColumn, PipelineConfig, STAGE_DYNAMICS, StageOutput, store,
};
use crate::error::Error;

/// Runs the dynamics analyzer over the analysis's corpus.
pub fn run(a: &Analysis, _cfg: &PipelineConfig) -> Result<StageOutput, Error> {
    let d = analyze(&a.corpus, &DynamicsParams::default())?;
    let column =
        |name: &str, description: &str, value: &dyn Fn(&super::ThreadMetrics) -> Option<f64>| {
            MetricColumn {
                name: name.into(),
                description: description.into(),
                values: d.threads.iter().map(|t| value(&t.metrics)).collect(),
            }
        };
    // Tree measures are undefined (null) for a thread without comments.
    let tree = |f: fn(&super::ThreadMetrics) -> f64| {
        move |m: &super::ThreadMetrics| (m.tree.comments > 0).then(|| f(m))
    };
    let columns = vec![
        column(
            "mean_depth",
            "mean depth of comments (0 = top level)",
            &tree(|m| m.tree.mean_depth),
        ),
        column(
            "mean_branching",
            "mean direct replies of comments that got at least one",
            &tree(|m| m.tree.mean_branching),
        ),
        column(
            "replied_share",
            "share of comments that got a reply",
            &tree(|m| m.tree.replied_share),
        ),
        column(
            "longest_chain",
            "comments on the longest root-to-leaf reply chain",
            &tree(|m| m.tree.longest_chain as f64),
        ),
        column(
            "structural_virality",
            "mean distance between two nodes of the tree (post included)",
            &tree(|m| m.tree.structural_virality),
        ),
        column("distinct_authors", "distinct known authors", &|m| {
            (m.participation.comments_with_author > 0)
                .then_some(m.participation.distinct_authors as f64)
        }),
        column(
            "author_gini",
            "Gini coefficient of comments per author",
            &|m| m.participation.gini,
        ),
        column(
            "reciprocity",
            "share of author pairs where both answered each other",
            &|m| m.participation.reciprocity,
        ),
        column(
            "reply_latency_median_s",
            "median seconds from a comment to a reply to it",
            &|m| m.time.reply_latency_median,
        ),
        column(
            "reply_latency_p90_s",
            "90th percentile of the seconds from a comment to a reply to it",
            &|m| m.time.reply_latency_p90,
        ),
        column(
            "time_to_first_reply_median_s",
            "median seconds from a comment to its first reply",
            &|m| m.time.time_to_first_reply_median,
        ),
        column(
            "burstiness",
            "burstiness of inter-comment times (-1 regular … 1 bursty)",
            &|m| m.time.burstiness,
        ),
        column(
            "lifetime_s",
            "seconds from the first to the last comment",
            &|m| m.time.lifetime.map(|s| s as f64),
        ),
    ];
    let n = d.threads.len();
    let detail = format!("{n} thread{} measured", if n == 1 { "" } else { "s" });
    Ok(store(move |a| {
        a.thread_metrics.extend(columns);
        a.record(STAGE_DYNAMICS, true, detail);
    }))
}
