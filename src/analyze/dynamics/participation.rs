//! Who takes part and who answers whom: author counts, Gini, reciprocity, reply pairs and
//! turn-taking chains. Only comments whose author is known (or inferred) count.

use crate::model::{ChildIndex, Thread};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

/// Participation measures of one thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participation {
    /// Comments whose author is known.
    pub comments_with_author: usize,
    /// Distinct known authors.
    pub distinct_authors: usize,
    /// Comments per author, most active first (ties by name).
    pub comments_per_author: Vec<AuthorCount>,
    /// Gini coefficient of comments per author (0 = equal); `None` without authors.
    pub gini: Option<f64>,
    /// Share of directed author pairs A→B (A≠B) whose reverse B→A also occurs; `None` when
    /// no reply has two known, different authors.
    pub reciprocity: Option<f64>,
    /// Longest alternating A-B-A… run, in comments (0 when there is none).
    pub longest_turn_chain: usize,
}

/// Number of comments of one author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorCount {
    /// Author name.
    pub author: String,
    /// Comments written.
    pub comments: usize,
}

/// How often `from` replied to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyPair {
    /// Author of the replies.
    pub from: String,
    /// Author of the comments replied to.
    pub to: String,
    /// Number of replies.
    pub count: usize,
}

/// A maximal run of replies alternating between two authors (A-B-A-B…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnChain {
    /// The two authors, in the order they spoke.
    pub authors: [String; 2],
    /// Ids of the comments on the run, top-down.
    pub comments: Vec<String>,
}

/// Measures participation; returns the summary, the reply pairs (most frequent first) and
/// the turn-taking chains of at least `min_chain` comments (in document order of their end).
pub fn participation(
    thread: &Thread,
    index: &ChildIndex,
    min_chain: usize,
) -> (Participation, Vec<ReplyPair>, Vec<TurnChain>) {
    let author = |i: usize| thread.comments[i].author.as_deref();
    // Hash maps: every list made from them is sorted below (and the Gini sorts its counts),
    // so their order never shows, and at a million comments the ordered maps' string
    // comparisons were most of this function's time.
    let mut per_author: FxHashMap<&str, usize> = FxHashMap::default();
    for c in &thread.comments {
        if let Some(a) = c.author.as_deref() {
            *per_author.entry(a).or_default() += 1;
        }
    }
    let mut pairs: FxHashMap<(&str, &str), usize> = FxHashMap::default();
    for (i, c) in thread.comments.iter().enumerate() {
        if let (Some(p), Some(from)) = (c.parent_index, author(i))
            && let Some(to) = author(p as usize)
        {
            *pairs.entry((from, to)).or_default() += 1;
        }
    }
    let directed: FxHashSet<(&str, &str)> = pairs.keys().copied().filter(|(a, b)| a != b).collect();
    let reciprocity = (!directed.is_empty()).then(|| {
        let back = directed
            .iter()
            .filter(|(a, b)| directed.contains(&(*b, *a)))
            .count();
        back as f64 / directed.len() as f64
    });
    let counts: Vec<usize> = per_author.values().copied().collect();
    let gini = gini(&counts);
    let mut comments_per_author: Vec<AuthorCount> = per_author
        .iter()
        .map(|(a, &n)| AuthorCount {
            author: (*a).to_string(),
            comments: n,
        })
        .collect();
    comments_per_author.sort_by(|a, b| b.comments.cmp(&a.comments).then(a.author.cmp(&b.author)));
    let mut reply_pairs: Vec<ReplyPair> = pairs
        .iter()
        .map(|(&(from, to), &count)| ReplyPair {
            from: from.to_string(),
            to: to.to_string(),
            count,
        })
        .collect();
    reply_pairs.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.from.cmp(&b.from))
            .then_with(|| a.to.cmp(&b.to))
    });

    // run[i]: length of the alternating run ending at comment i (1 = no run). Pre-order
    // guarantees a parent's run is known before its children's.
    let n = thread.comments.len();
    let mut run = vec![1usize; n];
    let mut chains = Vec::new();
    for &i in &index.preorder() {
        let i = i as usize;
        let Some(p) = thread.comments[i].parent_index.map(|p| p as usize) else {
            continue;
        };
        let (Some(a), Some(b)) = (author(i), author(p)) else {
            continue;
        };
        if a == b {
            continue;
        }
        let grand = thread.comments[p].parent_index.map(|g| g as usize);
        run[i] = match grand.and_then(author) {
            Some(g) if g == a && run[p] >= 2 => run[p] + 1,
            _ => 2,
        };
    }
    let mut longest = 0;
    for i in 0..n {
        if run[i] < 2 {
            continue;
        }
        longest = longest.max(run[i]);
        // A run is reported where it ends: no reply continues it.
        let continued = index
            .children(i)
            .iter()
            .any(|&c| run[c as usize] == run[i] + 1);
        if run[i] >= min_chain && !continued {
            let mut ids = Vec::with_capacity(run[i]);
            let mut node = i;
            for _ in 0..run[i] {
                ids.push(thread.comments[node].id.clone());
                match thread.comments[node].parent_index {
                    Some(p) => node = p as usize,
                    None => break,
                }
            }
            ids.reverse();
            let first = thread.comment_index(&ids[0]).and_then(author).unwrap_or("");
            let second = ids
                .get(1)
                .and_then(|id| thread.comment_index(id))
                .and_then(author)
                .unwrap_or("");
            chains.push(TurnChain {
                authors: [first.to_string(), second.to_string()],
                comments: ids,
            });
        }
    }
    (
        Participation {
            comments_with_author: counts.iter().sum(),
            distinct_authors: counts.len(),
            comments_per_author,
            gini,
            reciprocity,
            longest_turn_chain: longest,
        },
        reply_pairs,
        chains,
    )
}

/// Gini coefficient of non-negative counts; `None` for no counts or an all-zero list.
pub fn gini(counts: &[usize]) -> Option<f64> {
    let total: usize = counts.iter().sum();
    if counts.is_empty() || total == 0 {
        return None;
    }
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as f64;
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| (i as f64 + 1.0) * x as f64)
        .sum();
    Some(2.0 * weighted / (n * total as f64) - (n + 1.0) / n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Comment, Format};

    fn thread(rows: &[(Option<usize>, Option<&str>)]) -> Thread {
        let mut t = Thread::new("t", "test", Format::Csv);
        for (i, (p, a)) in rows.iter().enumerate() {
            let mut c = Comment::new(format!("c{i}"), i as u32 + 1, "x");
            c.parent_id = p.map(|p| format!("c{p}"));
            c.author = a.map(str::to_string);
            t.comments.push(c);
        }
        t.link().unwrap();
        t
    }

    #[test]
    fn gini_values() {
        assert_eq!(gini(&[]), None);
        assert_eq!(gini(&[3]), Some(0.0));
        assert!((gini(&[1, 1, 1]).unwrap()).abs() < 1e-12);
        // One author of four wrote everything: G = (n-1)/n.
        assert!((gini(&[0, 0, 0, 4]).unwrap() - 0.75).abs() < 1e-12);
        assert!((gini(&[1, 3]).unwrap() - 0.25).abs() < 1e-12);
    }

    #[test]
    fn pairs_reciprocity_and_turn_taking() {
        // A: c0; B answers; A answers B; B answers A (A-B-A-B); C answers c0; A answers C.
        let t = thread(&[
            (None, Some("A")),
            (Some(0), Some("B")),
            (Some(1), Some("A")),
            (Some(2), Some("B")),
            (Some(0), Some("C")),
            (Some(4), Some("A")),
            (None, None),
            (Some(6), Some("B")),
        ]);
        let (p, pairs, chains) = participation(&t, &t.child_index(), 3);
        assert_eq!(p.comments_with_author, 7);
        assert_eq!(p.distinct_authors, 3);
        assert_eq!(p.comments_per_author[0].author, "A");
        assert_eq!(p.comments_per_author[0].comments, 3);
        let got: Vec<(&str, &str, usize)> = pairs
            .iter()
            .map(|r| (r.from.as_str(), r.to.as_str(), r.count))
            .collect();
        assert_eq!(
            got,
            [("B", "A", 2), ("A", "B", 1), ("A", "C", 1), ("C", "A", 1)]
        );
        assert_eq!(p.reciprocity, Some(1.0));
        assert_eq!(p.longest_turn_chain, 4);
        // A-B-A-B down the first branch and A-C-A down the second.
        assert_eq!(chains.len(), 2);
        assert_eq!(chains[0].authors, ["A".to_string(), "B".to_string()]);
        assert_eq!(chains[0].comments, ["c0", "c1", "c2", "c3"]);
        assert_eq!(chains[1].authors, ["A".to_string(), "C".to_string()]);
        assert_eq!(chains[1].comments, ["c0", "c4", "c5"]);
    }

    #[test]
    fn unanswered_pair_lowers_reciprocity() {
        let t = thread(&[
            (None, Some("A")),
            (Some(0), Some("B")),
            (Some(0), Some("C")),
            (Some(2), Some("A")),
        ]);
        let (p, _, chains) = participation(&t, &t.child_index(), 3);
        // B→A, C→A, A→C: A↔C reciprocated (2 of 3 directed pairs).
        assert!((p.reciprocity.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(chains.len(), 1);
        assert_eq!(chains[0].comments, ["c0", "c2", "c3"]);
    }
}
