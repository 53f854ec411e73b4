//! Shape of one reply tree: depth, branching, chains, subtree sizes and structural virality,
//! all from the child index in linear passes (no recursion, so any depth works).

use crate::model::{ChildIndex, Thread};
use serde::{Deserialize, Serialize};

/// Tree measures of one thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeMetrics {
    /// Number of comments.
    pub comments: usize,
    /// Comments that answer the post.
    pub top_level: usize,
    /// Comments that answer another comment.
    pub replies: usize,
    /// Largest depth (0 = top-level only).
    pub max_depth: u32,
    /// Mean depth over all comments.
    pub mean_depth: f64,
    /// Mean number of direct replies of comments that have at least one.
    pub mean_branching: f64,
    /// Share of comments that received at least one reply.
    pub replied_share: f64,
    /// Comments on the longest top-level-to-leaf path.
    pub longest_chain: usize,
    /// Sizes (top-level comment + its descendants) of the top-level discussions, largest first.
    pub subtree_sizes: Vec<usize>,
    /// Mean shortest-path distance over all pairs of nodes of the tree with the post as its
    /// root (Goel et al. 2016); 0 for an empty thread.
    pub structural_virality: f64,
    /// One-word shape: `empty`, `flat`, `broadcast`, `chain`, `deep` or `bushy`.
    pub shape: String,
    /// The shape in a sentence.
    pub shape_summary: String,
}

/// Tree measures of one comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeMetrics {
    /// 0 for top-level comments.
    pub depth: u32,
    /// Number of direct replies.
    pub replies: u32,
    /// Number of comments below it.
    pub descendants: u32,
}

/// Measures the reply tree of a linked thread.
pub fn tree_metrics(
    thread: &Thread,
    index: &ChildIndex,
    broadcast_share: f64,
) -> (TreeMetrics, Vec<NodeMetrics>) {
    let n = thread.comments.len();
    let descendants = index.descendant_counts();
    let nodes: Vec<NodeMetrics> = (0..n)
        .map(|i| NodeMetrics {
            depth: thread.comments[i].depth,
            replies: index.children(i).len() as u32,
            descendants: descendants[i],
        })
        .collect();
    let top_level = index.roots().len();
    let replies = n - top_level;
    let max_depth = nodes.iter().map(|m| m.depth).max().unwrap_or(0);
    let mean_depth = mean(nodes.iter().map(|m| f64::from(m.depth)), n);
    let parents = nodes.iter().filter(|m| m.replies > 0).count();
    let mean_branching = if parents == 0 {
        0.0
    } else {
        replies as f64 / parents as f64
    };
    let replied_share = if n == 0 {
        0.0
    } else {
        parents as f64 / n as f64
    };
    let longest_chain = if n == 0 { 0 } else { max_depth as usize + 1 };
    let mut subtree_sizes: Vec<usize> = index
        .roots()
        .iter()
        .map(|&r| descendants[r as usize] as usize + 1)
        .collect();
    subtree_sizes.sort_unstable_by(|a, b| b.cmp(a));
    // Wiener index of the tree whose root is the post: every edge (comment → its parent)
    // separates its subtree of size s from the other n+1−s nodes, and lies on s·(n+1−s)
    // shortest paths.
    let nodes_total = n as f64 + 1.0;
    let wiener: f64 = descendants
        .iter()
        .map(|&d| {
            let s = f64::from(d) + 1.0;
            s * (nodes_total - s)
        })
        .sum();
    let pairs = nodes_total * (nodes_total - 1.0) / 2.0;
    let structural_virality = if n == 0 { 0.0 } else { wiener / pairs };
    let shape = if n == 0 {
        "empty"
    } else if replies == 0 {
        "flat"
    } else if longest_chain >= 4 && longest_chain * 2 >= n {
        "chain"
    } else if top_level as f64 / n as f64 >= broadcast_share && max_depth <= 2 {
        "broadcast"
    } else if max_depth >= 4 {
        "deep"
    } else {
        "bushy"
    };
    let shape_summary = match shape {
        "empty" => "no comments".to_string(),
        "flat" => format!("{n} comments, all answering the post, none answering each other"),
        _ => format!(
            "{shape}: {top_level} top-level comments; {replies} {} under {parents} {}; longest chain {longest_chain}, max depth {max_depth}",
            plural(replies, "reply", "replies"),
            plural(parents, "comment", "comments"),
        ),
    };
    (
        TreeMetrics {
            comments: n,
            top_level,
            replies,
            max_depth,
            mean_depth,
            mean_branching,
            replied_share,
            longest_chain,
            subtree_sizes,
            structural_virality,
            shape: shape.to_string(),
            shape_summary,
        },
        nodes,
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn mean(values: impl Iterator<Item = f64>, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        values.sum::<f64>() / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(parents: &[Option<usize>]) -> Thread {
        crate::model::test_thread(parents)
    }

    /// Mean pairwise distance by breadth-first search from every node (slow, obviously right).
    fn brute_virality(parents: &[Option<usize>]) -> f64 {
        let n = parents.len() + 1; // node 0 is the post
        let mut adj = vec![Vec::new(); n];
        for (i, p) in parents.iter().enumerate() {
            let p = p.map_or(0, |p| p + 1);
            adj[i + 1].push(p);
            adj[p].push(i + 1);
        }
        let mut total = 0usize;
        for s in 0..n {
            let mut dist = vec![usize::MAX; n];
            dist[s] = 0;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(u) = queue.pop_front() {
                for &v in &adj[u] {
                    if dist[v] == usize::MAX {
                        dist[v] = dist[u] + 1;
                        queue.push_back(v);
                    }
                }
            }
            total += dist.iter().sum::<usize>();
        }
        total as f64 / (n * (n - 1)) as f64
    }

    #[test]
    fn metrics_of_a_small_tree() {
        // c0 ← c1 ← c2, c0 ← c3, c4 alone.
        let parents = [None, Some(0), Some(1), Some(0), None];
        let t = thread(&parents);
        let (m, nodes) = tree_metrics(&t, &t.child_index(), 0.6);
        assert_eq!(
            (m.comments, m.top_level, m.replies, m.max_depth),
            (5, 2, 3, 2)
        );
        assert!((m.mean_depth - 4.0 / 5.0).abs() < 1e-12);
        assert!((m.mean_branching - 1.5).abs() < 1e-12);
        assert!((m.replied_share - 0.4).abs() < 1e-12);
        assert_eq!(m.longest_chain, 3);
        assert_eq!(m.subtree_sizes, vec![4, 1]);
        assert!((m.structural_virality - brute_virality(&parents)).abs() < 1e-12);
        assert_eq!(
            nodes[0],
            NodeMetrics {
                depth: 0,
                replies: 2,
                descendants: 3
            }
        );
        assert_eq!(m.shape, "bushy");
    }

    #[test]
    fn virality_matches_brute_force_on_varied_trees() {
        let trees: [&[Option<usize>]; 4] = [
            &[None],
            &[None, None, None],
            &[None, Some(0), Some(1), Some(2), Some(3)],
            &[
                None,
                Some(0),
                Some(0),
                Some(1),
                Some(1),
                None,
                Some(5),
                Some(2),
            ],
        ];
        for parents in trees {
            let t = thread(parents);
            let (m, _) = tree_metrics(&t, &t.child_index(), 0.6);
            assert!(
                (m.structural_virality - brute_virality(parents)).abs() < 1e-12,
                "{parents:?}"
            );
        }
    }

    #[test]
    fn shapes() {
        let shape = |p: &[Option<usize>]| {
            let t = thread(p);
            tree_metrics(&t, &t.child_index(), 0.6).0.shape
        };
        assert_eq!(shape(&[]), "empty");
        assert_eq!(shape(&[None, None]), "flat");
        assert_eq!(shape(&[None, Some(0), Some(1), Some(2)]), "chain");
        assert_eq!(shape(&[None, None, None, Some(0)]), "broadcast");
    }
}
