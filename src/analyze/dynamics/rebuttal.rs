//! The rebuttal map: which argument clusters rebut which, which arguments drew no reply, and
//! chains of rebuttals (A rebutted by B rebutted by C). It joins the stance of every reply
//! with the cluster of every comment; both come from other analyzers.

use super::errors::DynamicsError;
use crate::analyze::{CommentRef, Stance, Stances};
use crate::model::Corpus;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Who rebuts which argument, per cluster pair.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RebuttalMap {
    /// Cluster ids in table order (ascending).
    pub clusters: Vec<u32>,
    /// `table[i][j]`: rebuttals written in cluster `clusters[i]` against comments in
    /// cluster `clusters[j]`.
    pub table: Vec<Vec<usize>>,
    /// The non-zero cells of `table`, most frequent first.
    pub pairs: Vec<ClusterPair>,
    /// Rebuttals where either side has no cluster (noise or unclustered).
    pub unclustered_rebuttals: usize,
    /// Per cluster: how many of its comments drew replies and rebuttals.
    pub arguments: Vec<UnansweredArgument>,
    /// Rebuttal chains of at least three comments, longest first.
    pub chains: Vec<RebuttalChain>,
}

/// One cell of the rebuttal table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterPair {
    /// Cluster of the rebutting replies.
    pub from: u32,
    /// Cluster of the rebutted comments.
    pub to: u32,
    /// Number of rebuttals.
    pub count: usize,
}

/// Reply coverage of one argument cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnansweredArgument {
    /// Cluster id.
    pub cluster: u32,
    /// Comments in the cluster.
    pub comments: usize,
    /// Of those, comments that drew at least one reply.
    pub replied: usize,
    /// Of those, comments that drew at least one rebuttal.
    pub rebutted: usize,
    /// Comments that drew no reply at all.
    pub unanswered: Vec<CommentRef>,
}

/// A path of comments, each rebutting the one before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuttalChain {
    /// The comments, top-down (the first is the rebutted argument).
    pub comments: Vec<CommentRef>,
    /// Their clusters.
    pub clusters: Vec<Option<u32>>,
}

/// Builds the rebuttal map. `clusters` is indexed `[thread][comment]` like
/// `Clustering::comment_clusters` returns it; `stances` like [`Stances::replies`].
pub fn rebuttal_map(
    corpus: &Corpus,
    stances: &Stances,
    clusters: &[Vec<Option<u32>>],
) -> Result<RebuttalMap, DynamicsError> {
    for (ti, t) in corpus.threads.iter().enumerate() {
        let n = t.comments.len();
        let c = clusters.get(ti).map(Vec::len);
        let s = stances.replies.get(ti).map(Vec::len);
        if c != Some(n) || s != Some(n) {
            return Err(DynamicsError::Shape(format!(
                "thread {}: {} comments, but {} cluster ids and {} stances were given",
                t.id,
                n,
                c.unwrap_or(0),
                s.unwrap_or(0)
            )));
        }
    }
    let ids: BTreeSet<u32> = clusters.iter().flatten().flatten().copied().collect();
    let order: Vec<u32> = ids.into_iter().collect();
    let pos = |k: u32| order.binary_search(&k).ok();
    let mut table = vec![vec![0usize; order.len()]; order.len()];
    let mut unclustered = 0;
    let mut per_cluster: BTreeMap<u32, UnansweredArgument> = order
        .iter()
        .map(|&k| {
            (
                k,
                UnansweredArgument {
                    cluster: k,
                    comments: 0,
                    replied: 0,
                    rebutted: 0,
                    unanswered: Vec::new(),
                },
            )
        })
        .collect();
    let mut chains = Vec::new();
    for (ti, t) in corpus.threads.iter().enumerate() {
        let index = t.child_index();
        let stance = |i: usize| stances.replies[ti][i].as_ref().map(|s| s.stance);
        let cl = &clusters[ti];
        for (i, c) in t.comments.iter().enumerate() {
            if stance(i) == Some(Stance::Rebut)
                && let Some(p) = c.parent_index
            {
                match (cl[i].and_then(pos), cl[p as usize].and_then(pos)) {
                    (Some(a), Some(b)) => table[a][b] += 1,
                    _ => unclustered += 1,
                }
            }
            if let Some(entry) = cl[i].and_then(|k| per_cluster.get_mut(&k)) {
                entry.comments += 1;
                let kids = index.children(i);
                if kids.is_empty() {
                    entry.unanswered.push(CommentRef {
                        thread: ti as u32,
                        comment: i as u32,
                    });
                } else {
                    entry.replied += 1;
                    if kids
                        .iter()
                        .any(|&k| stance(k as usize) == Some(Stance::Rebut))
                    {
                        entry.rebutted += 1;
                    }
                }
            }
        }
        // run[i]: comments on the rebuttal chain ending at i (1 when i rebuts nothing).
        let mut run = vec![1usize; t.comments.len()];
        for &i in &index.preorder() {
            let i = i as usize;
            if stance(i) == Some(Stance::Rebut)
                && let Some(p) = t.comments[i].parent_index
            {
                run[i] = run[p as usize] + 1;
            }
        }
        for i in 0..t.comments.len() {
            let continued = index
                .children(i)
                .iter()
                .any(|&k| run[k as usize] == run[i] + 1);
            if run[i] >= 3 && !continued {
                let mut path = Vec::with_capacity(run[i]);
                let mut node = i;
                for _ in 0..run[i] {
                    path.push(node);
                    match t.comments[node].parent_index {
                        Some(p) => node = p as usize,
                        None => break,
                    }
                }
                path.reverse();
                chains.push(RebuttalChain {
                    comments: path
                        .iter()
                        .map(|&c| CommentRef {
                            thread: ti as u32,
                            comment: c as u32,
                        })
                        .collect(),
                    clusters: path.iter().map(|&c| cl[c]).collect(),
                });
            }
        }
    }
    chains.sort_by(|a, b| {
        b.comments
            .len()
            .cmp(&a.comments.len())
            .then(a.comments.cmp(&b.comments))
    });
    let mut pairs = Vec::new();
    for (a, row) in table.iter().enumerate() {
        for (b, &count) in row.iter().enumerate() {
            if count > 0 {
                pairs.push(ClusterPair {
                    from: order[a],
                    to: order[b],
                    count,
                });
            }
        }
    }
    pairs.sort_by(|x, y| {
        y.count
            .cmp(&x.count)
            .then((x.from, x.to).cmp(&(y.from, y.to)))
    });
    Ok(RebuttalMap {
        clusters: order,
        table,
        pairs,
        unclustered_rebuttals: unclustered,
        arguments: per_cluster.into_values().collect(),
        chains,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::ReplyStance;

    fn corpus(parents: &[Option<usize>]) -> Corpus {
        Corpus {
            threads: vec![crate::model::test_thread(parents)],
            ..Corpus::default()
        }
    }

    fn stances(labels: &[Option<Stance>]) -> Stances {
        Stances {
            replies: vec![
                labels
                    .iter()
                    .map(|s| {
                        s.map(|stance| ReplyStance {
                            stance,
                            confidence: 0.9,
                            evidence: Vec::new(),
                        })
                    })
                    .collect(),
            ],
            source: "test".into(),
        }
    }

    #[test]
    fn table_unanswered_and_chains() {
        use Stance::*;
        // c0 (k0) ← c1 rebut (k1) ← c2 rebut (k0) ← c3 rebut (k1); c0 ← c4 agree (k0);
        // c5 (k2) alone; c6 (no cluster) ← c7 rebut (k2).
        let c = corpus(&[
            None,
            Some(0),
            Some(1),
            Some(2),
            Some(0),
            None,
            None,
            Some(6),
        ]);
        let s = stances(&[
            None,
            Some(Rebut),
            Some(Rebut),
            Some(Rebut),
            Some(Agree),
            None,
            None,
            Some(Rebut),
        ]);
        let k = vec![vec![
            Some(0),
            Some(1),
            Some(0),
            Some(1),
            Some(0),
            Some(2),
            None,
            Some(2),
        ]];
        let m = rebuttal_map(&c, &s, &k).unwrap();
        assert_eq!(m.clusters, [0, 1, 2]);
        assert_eq!(m.table, vec![vec![0, 1, 0], vec![2, 0, 0], vec![0, 0, 0]]);
        assert_eq!(
            m.pairs,
            [
                ClusterPair {
                    from: 1,
                    to: 0,
                    count: 2
                },
                ClusterPair {
                    from: 0,
                    to: 1,
                    count: 1
                }
            ]
        );
        assert_eq!(m.unclustered_rebuttals, 1);
        let k0 = &m.arguments[0];
        assert_eq!((k0.comments, k0.replied, k0.rebutted), (3, 2, 2));
        assert_eq!(
            k0.unanswered,
            [CommentRef {
                thread: 0,
                comment: 4
            }]
        );
        let k2 = &m.arguments[2];
        assert_eq!((k2.comments, k2.replied, k2.unanswered.len()), (2, 0, 2));
        assert_eq!(m.chains.len(), 1);
        let ids: Vec<u32> = m.chains[0].comments.iter().map(|r| r.comment).collect();
        assert_eq!(ids, [0, 1, 2, 3]);
        assert_eq!(m.chains[0].clusters, [Some(0), Some(1), Some(0), Some(1)]);
    }

    #[test]
    fn shape_mismatch_is_an_error() {
        let c = corpus(&[None, Some(0)]);
        let s = stances(&[None, None]);
        let err = rebuttal_map(&c, &s, &[vec![Some(0)]]).unwrap_err();
        assert!(
            err.to_string().contains("2 comments, but 1 cluster ids"),
            "{err}"
        );
    }
}
