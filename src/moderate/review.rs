//! Cluster review: per argument cluster, its label, size, representative comments, how many
//! of its comments were flagged and how often replies to it rebut it, so a moderator can
//! approve or hold a whole cluster in one decision (`decide cluster:<id> …`).

use super::Flag;
use super::engine::Hit;
use crate::analyze::{Clustering, CommentRef, Stance, Stances};
use crate::model::Corpus;
use serde::Serialize;
use std::collections::HashSet;

/// A representative comment of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Representative {
    /// Comment id.
    pub comment_id: String,
    /// Thread id.
    pub thread_id: String,
    /// The representative unit's text.
    pub text: String,
}

/// One cluster as a moderator reviews it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterReview {
    /// Cluster id (decide on it as `cluster:<id>`).
    pub id: u32,
    /// Readable label.
    pub label: String,
    /// Comments whose main cluster this is.
    pub size: usize,
    /// Most representative comments, best first.
    pub representatives: Vec<Representative>,
    /// Comments of the cluster with at least one flag.
    pub flagged: usize,
    /// flagged / size.
    pub flag_rate: f64,
    /// Replies to the cluster's comments that have a stance label.
    pub replies: usize,
    /// Of those, replies that rebut.
    pub rebuttals: usize,
    /// rebuttals / replies (`None` when no reply has a stance).
    pub rebuttal_rate: Option<f64>,
}

/// The comments that have at least one flag, from rule hits.
pub fn flagged_by_hits(hits: &[Hit]) -> HashSet<CommentRef> {
    hits.iter().map(|h| h.at).collect()
}

/// The comments that have at least one flag, from flags (which name comments by id).
pub fn flagged_by_flags(corpus: &Corpus, flags: &[Flag]) -> HashSet<CommentRef> {
    let wanted: HashSet<(&str, &str)> = flags
        .iter()
        .map(|f| (f.thread_id.as_str(), f.comment_id.as_str()))
        .collect();
    let mut out = HashSet::new();
    for (t, thread) in corpus.threads.iter().enumerate() {
        for (c, comment) in thread.comments.iter().enumerate() {
            if wanted.contains(&(thread.id.as_str(), comment.id.as_str())) {
                out.insert(CommentRef {
                    thread: t as u32,
                    comment: c as u32,
                });
            }
        }
    }
    out
}

/// Aggregates flags and stances per cluster, in cluster id order.
pub fn review(
    corpus: &Corpus,
    clustering: &Clustering,
    flagged: &HashSet<CommentRef>,
    stances: &Stances,
) -> Vec<ClusterReview> {
    let of_comment = clustering.comment_clusters(corpus);
    let mut out: Vec<ClusterReview> = clustering
        .clusters
        .iter()
        .map(|c| ClusterReview {
            id: c.id,
            label: c.label.clone(),
            size: 0,
            representatives: c
                .representatives
                .iter()
                .filter_map(|&u| {
                    let unit = clustering.units.get(u)?;
                    let t = corpus.threads.get(unit.thread as usize)?;
                    let cm = t.comments.get(unit.comment? as usize)?;
                    Some(Representative {
                        comment_id: cm.id.clone(),
                        thread_id: t.id.clone(),
                        text: unit.text.clone(),
                    })
                })
                .collect(),
            flagged: 0,
            flag_rate: 0.0,
            replies: 0,
            rebuttals: 0,
            rebuttal_rate: None,
        })
        .collect();
    let slot = |out: &mut Vec<ClusterReview>, k: u32| out.iter().position(|r| r.id == k);
    for (ti, t) in corpus.threads.iter().enumerate() {
        for (ci, c) in t.comments.iter().enumerate() {
            let at = CommentRef {
                thread: ti as u32,
                comment: ci as u32,
            };
            let cluster_of =
                |i: usize| of_comment.get(ti).and_then(|r| r.get(i)).copied().flatten();
            if let Some(i) = cluster_of(ci).and_then(|k| slot(&mut out, k)) {
                out[i].size += 1;
                out[i].flagged += usize::from(flagged.contains(&at));
            }
            // A reply counts toward its parent's cluster.
            let parent_cluster = c.parent_index.and_then(|p| cluster_of(p as usize));
            if let (Some(i), Some(st)) = (
                parent_cluster.and_then(|k| slot(&mut out, k)),
                stances.get(at),
            ) {
                out[i].replies += 1;
                out[i].rebuttals += usize::from(st.stance == Stance::Rebut);
            }
        }
    }
    for r in &mut out {
        r.flag_rate = if r.size == 0 {
            0.0
        } else {
            r.flagged as f64 / r.size as f64
        };
        r.rebuttal_rate = (r.replies > 0).then(|| r.rebuttals as f64 / r.replies as f64);
    }
    out.sort_by_key(|r| r.id);
    out
}
