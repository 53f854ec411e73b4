//! The moderation stage of the analysis pipeline: runs the rules (the `--rules` file, else
//! the built-in rules) with whatever stance and cluster results earlier stages produced, and
//! stores the flags, most severe first, in [`Analysis::flags`].

use super::engine::{ModerationContext, moderate};
use super::rule::DEFAULT_REGEX_SIZE_LIMIT;
use super::{rulefile, rules};
use crate::analyze::pipeline::{Analysis, PipelineConfig, STAGE_MODERATE, StageOutput, store};
use crate::error::Error;

/// Runs the moderation rules over the analysis's corpus.
pub fn run(a: &Analysis, cfg: &PipelineConfig) -> Result<StageOutput, Error> {
    let (rule_set, source) = match &cfg.rules {
        Some(p) => (
            rulefile::load(p, DEFAULT_REGEX_SIZE_LIMIT)?,
            p.display().to_string(),
        ),
        None => (rules::all(), "built-in rules".to_string()),
    };
    let clusters = a.clustering.as_ref().map(|c| c.comment_clusters(&a.corpus));
    let ctx = ModerationContext {
        stances: a.stances.as_ref(),
        clusters: clusters.as_deref(),
    };
    let result = moderate(&a.corpus, &rule_set, &ctx);
    for w in &result.warnings {
        crate::messages::warn(w);
    }
    let mut hits = result.hits;
    // Most severe first; equal severities keep corpus order (the queue's order).
    hits.sort_by_key(|h| std::cmp::Reverse(h.flag.severity));
    let n = hits.len();
    let flags = hits.into_iter().map(|h| h.flag).collect();
    let detail = format!(
        "{} rules ({source}), {n} flag{}",
        rule_set.len(),
        if n == 1 { "" } else { "s" }
    );
    Ok(store(move |a| {
        a.flags = flags;
        a.record(STAGE_MODERATE, true, detail);
    }))
}
