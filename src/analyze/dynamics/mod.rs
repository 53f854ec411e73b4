//! Reply dynamics: the shape of each reply tree, who answers whom, how fast, and (with
//! [`crate::analyze::stance`]) the rebuttal map. Everything is computed in linear passes over
//! the [`ChildIndex`](crate::model::ChildIndex) with explicit stacks, so depth is unlimited.

mod errors;
mod params;
mod participation;
mod rebuttal;
pub mod stage;
mod timing;
mod tree;

pub use errors::DynamicsError;
pub use params::DynamicsParams;
pub use participation::{AuthorCount, Participation, ReplyPair, TurnChain, gini, participation};
pub use rebuttal::{ClusterPair, RebuttalChain, RebuttalMap, UnansweredArgument, rebuttal_map};
pub use timing::{TimeMetrics, quantile, time_metrics};
pub use tree::{NodeMetrics, TreeMetrics, tree_metrics};

use crate::model::Corpus;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Dynamics of every thread of a corpus, plus corpus totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dynamics {
    /// One entry per thread, in corpus order.
    pub threads: Vec<ThreadDynamics>,
    /// Totals and means over the corpus.
    pub corpus: CorpusMetrics,
}

/// Dynamics of one thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadDynamics {
    /// Thread id.
    pub id: String,
    /// Tree, participation and time measures.
    pub metrics: ThreadMetrics,
    /// Per-comment tree measures, in `Thread::comments` order.
    pub nodes: Vec<NodeMetrics>,
    /// Who answered whom, most frequent first (known authors only).
    pub reply_pairs: Vec<ReplyPair>,
    /// Alternating A-B-A… runs.
    pub turn_chains: Vec<TurnChain>,
}

/// All per-thread measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadMetrics {
    /// Shape of the reply tree.
    #[serde(flatten)]
    pub tree: TreeMetrics,
    /// Authors and who answers whom.
    pub participation: Participation,
    /// Reply latency, burstiness, lifetime.
    pub time: TimeMetrics,
}

/// Totals over a corpus.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CorpusMetrics {
    /// Threads.
    pub threads: usize,
    /// Comments.
    pub comments: usize,
    /// Replies (comments answering comments).
    pub replies: usize,
    /// Deepest reply in any thread.
    pub max_depth: u32,
    /// Mean structural virality of threads that have comments.
    pub mean_structural_virality: f64,
    /// Distinct known authors across threads (by name).
    pub distinct_authors: usize,
}

/// Measures every thread of a linked corpus.
pub fn analyze(corpus: &Corpus, params: &DynamicsParams) -> Result<Dynamics, DynamicsError> {
    params.check()?;
    // Threads are measured independently, in parallel; the corpus figures come after.
    let threads: Vec<ThreadDynamics> = corpus
        .threads
        .par_iter()
        .map(|thread| {
            let index = thread.child_index();
            let (tree, nodes) = tree_metrics(thread, &index, params.broadcast_share);
            let (participation, reply_pairs, turn_chains) =
                participation(thread, &index, params.min_turn_chain);
            let time = time_metrics(thread, &index);
            ThreadDynamics {
                id: thread.id.clone(),
                metrics: ThreadMetrics {
                    tree,
                    participation,
                    time,
                },
                nodes,
                reply_pairs,
                turn_chains,
            }
        })
        .collect();
    // Only their number is read: a hash set, where an ordered set sorted a million names.
    let authors: rustc_hash::FxHashSet<&str> = corpus
        .threads
        .iter()
        .flat_map(|t| t.comments.iter().filter_map(|c| c.author.as_deref()))
        .collect();
    let with_comments: Vec<f64> = threads
        .iter()
        .filter(|t| t.metrics.tree.comments > 0)
        .map(|t| t.metrics.tree.structural_virality)
        .collect();
    let corpus_metrics = CorpusMetrics {
        threads: threads.len(),
        comments: threads.iter().map(|t| t.metrics.tree.comments).sum(),
        replies: threads.iter().map(|t| t.metrics.tree.replies).sum(),
        max_depth: threads
            .iter()
            .map(|t| t.metrics.tree.max_depth)
            .max()
            .unwrap_or(0),
        mean_structural_virality: if with_comments.is_empty() {
            0.0
        } else {
            with_comments.iter().sum::<f64>() / with_comments.len() as f64
        },
        distinct_authors: authors.len(),
    };
    Ok(Dynamics {
        threads,
        corpus: corpus_metrics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Comment, Format, Thread};

    #[test]
    fn a_100k_deep_chain_is_measured_without_recursion() {
        let n = 100_000u32;
        let mut t = Thread::new("deep", "test", Format::Csv);
        for i in 0..n {
            let mut c = Comment::new(format!("{i}"), i + 1, "x");
            c.parent_id = (i > 0).then(|| format!("{}", i - 1));
            c.author = Some(if i % 2 == 0 { "A" } else { "B" }.to_string());
            t.comments.push(c);
        }
        t.link().unwrap();
        let corpus = Corpus {
            threads: vec![t],
            ..Corpus::default()
        };
        let d = analyze(&corpus, &DynamicsParams::default()).unwrap();
        let m = &d.threads[0].metrics;
        assert_eq!(m.tree.max_depth, n - 1);
        assert_eq!(m.tree.longest_chain, n as usize);
        assert_eq!(m.tree.shape, "chain");
        assert_eq!(d.threads[0].nodes[0].descendants, n - 1);
        assert_eq!(m.participation.longest_turn_chain, n as usize);
        assert_eq!(d.threads[0].turn_chains.len(), 1);
        // A path of N = n+1 nodes has mean pairwise distance (N+1)/3.
        let nodes = f64::from(n) + 1.0;
        assert!((m.tree.structural_virality - (nodes + 1.0) / 3.0).abs() < 1e-6);
    }

    #[test]
    fn bad_params_are_rejected() {
        let p = DynamicsParams {
            min_turn_chain: 1,
            ..DynamicsParams::default()
        };
        assert!(analyze(&Corpus::default(), &p).is_err());
    }
}
