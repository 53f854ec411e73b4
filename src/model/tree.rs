//! Reply-tree linking, integrity checks and child indexes, all without recursion so that a
//! 100,000-deep chain costs no stack.

use super::{Comment, LinkKind, ReplyLink, Thread};
use std::collections::HashMap;

/// A broken reply tree, reported instead of panicking.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntegrityError {
    /// Two comments share an id.
    #[error("thread {thread}: duplicate comment id {id:?} (positions {first} and {second})")]
    DuplicateId {
        /// Thread id.
        thread: String,
        /// The repeated id.
        id: String,
        /// Position of the first comment with it.
        first: u32,
        /// Position of the second comment with it.
        second: u32,
    },
    /// A comment names a parent that is not in the thread.
    #[error("thread {thread}: comment {id} names parent {parent:?}, which does not exist")]
    DanglingParent {
        /// Thread id.
        thread: String,
        /// The orphan.
        id: String,
        /// The missing parent id.
        parent: String,
    },
    /// A comment names itself as its parent.
    #[error("thread {thread}: comment {id} names itself as its parent")]
    SelfReply {
        /// Thread id.
        thread: String,
        /// The comment.
        id: String,
    },
    /// Following parents from a comment comes back to it.
    #[error("thread {thread}: reply cycle through comment {id}")]
    Cycle {
        /// Thread id.
        thread: String,
        /// A comment on the cycle.
        id: String,
    },
    /// A stored depth or parent index disagrees with the parent links.
    #[error("thread {thread}: comment {id} has depth {found}, expected {expected}")]
    BadDepth {
        /// Thread id.
        thread: String,
        /// The comment.
        id: String,
        /// Stored depth.
        found: u32,
        /// Depth implied by the parent chain.
        expected: u32,
    },
}

impl Thread {
    /// Resolves `parent_id`s to indexes and computes depths, repairing what can be repaired.
    ///
    /// Duplicate ids are an error (which record is meant cannot be known). A missing parent
    /// makes the comment top-level with [`LinkKind::Dangling`]; a self-parent or a cycle is
    /// broken at the comment where it is found ([`LinkKind::Cycle`]). Each repair adds a
    /// warning to the thread, and the original parent id is kept in `meta["source_parent"]`.
    pub fn link(&mut self) -> Result<(), IntegrityError> {
        let index = self.id_index()?;
        let thread_id = self.id.clone();
        let mut resolved: Vec<Option<u32>> = Vec::with_capacity(self.comments.len());
        for (i, c) in self.comments.iter().enumerate() {
            resolved.push(match &c.parent_id {
                None => None,
                Some(p) => match index.get(p.as_str()) {
                    Some(&j) if j as usize == i => None, // self-reply: repaired below
                    Some(&j) => Some(j),
                    None => None,
                },
            });
        }
        let mut warnings = Vec::new();
        for (i, c) in self.comments.iter_mut().enumerate() {
            if let (Some(p), None) = (&c.parent_id, resolved[i]) {
                let self_reply = p == &c.id;
                warnings.push(if self_reply {
                    format!(
                        "thread {thread_id}: comment {} names itself as its parent; treated as top-level",
                        c.id
                    )
                } else {
                    format!(
                        "thread {thread_id}: comment {} names parent {p:?}, which does not exist; treated as top-level",
                        c.id
                    )
                });
                c.meta.insert("source_parent".into(), p.clone());
                c.parent_id = None;
                c.reply_link = ReplyLink {
                    kind: if self_reply {
                        LinkKind::Cycle
                    } else {
                        LinkKind::Dangling
                    },
                    confidence: 1.0,
                };
            }
        }
        // Break cycles: walk up from every comment, marking the walk; meeting the walk again
        // means a cycle, which is cut at the comment whose parent closes it.
        const UNSEEN: u8 = 0;
        const ON_WALK: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![UNSEEN; self.comments.len()];
        let mut walk = Vec::new();
        for start in 0..self.comments.len() {
            let mut node = start;
            while state[node] == UNSEEN {
                state[node] = ON_WALK;
                walk.push(node);
                match resolved[node] {
                    Some(p) if state[p as usize] == ON_WALK => {
                        let c = &mut self.comments[node];
                        warnings.push(format!(
                            "thread {thread_id}: reply cycle at comment {}; its link to {} was cut and it is treated as top-level",
                            c.id,
                            c.parent_id.as_deref().unwrap_or("?")
                        ));
                        if let Some(p) = c.parent_id.take() {
                            c.meta.insert("source_parent".into(), p);
                        }
                        c.reply_link = ReplyLink {
                            kind: LinkKind::Cycle,
                            confidence: 1.0,
                        };
                        resolved[node] = None;
                        break;
                    }
                    Some(p) => node = p as usize,
                    None => break,
                }
            }
            for n in walk.drain(..) {
                state[n] = DONE;
            }
        }
        let depths = depths_from_parents(&resolved);
        for ((c, parent), depth) in self.comments.iter_mut().zip(&resolved).zip(depths) {
            c.parent_index = *parent;
            c.depth = depth;
        }
        self.warnings.extend(warnings);
        Ok(())
    }

    /// Checks the tree without repairing it: unique ids, every parent present, no self-reply,
    /// no cycle, depths consistent with parents.
    pub fn check_integrity(&self) -> Result<(), IntegrityError> {
        let index = self.id_index()?;
        let mut resolved = Vec::with_capacity(self.comments.len());
        for (i, c) in self.comments.iter().enumerate() {
            resolved.push(match &c.parent_id {
                None => None,
                Some(p) => match index.get(p.as_str()) {
                    Some(&j) if j as usize == i => {
                        return Err(IntegrityError::SelfReply {
                            thread: self.id.clone(),
                            id: c.id.clone(),
                        });
                    }
                    Some(&j) => Some(j),
                    None => {
                        return Err(IntegrityError::DanglingParent {
                            thread: self.id.clone(),
                            id: c.id.clone(),
                            parent: p.clone(),
                        });
                    }
                },
            });
        }
        // A chain longer than the number of comments must revisit a comment.
        let n = self.comments.len();
        let mut known_acyclic = vec![false; n];
        for start in 0..n {
            let mut node = start;
            let mut steps = 0usize;
            let mut path = Vec::new();
            while !known_acyclic[node] {
                path.push(node);
                match resolved[node] {
                    Some(p) => {
                        node = p as usize;
                        steps += 1;
                        if steps > n {
                            return Err(IntegrityError::Cycle {
                                thread: self.id.clone(),
                                id: self.comments[start].id.clone(),
                            });
                        }
                    }
                    None => break,
                }
            }
            for p in path {
                known_acyclic[p] = true;
            }
        }
        let depths = depths_from_parents(&resolved);
        for (c, expected) in self.comments.iter().zip(depths) {
            if c.depth != expected {
                return Err(IntegrityError::BadDepth {
                    thread: self.id.clone(),
                    id: c.id.clone(),
                    found: c.depth,
                    expected,
                });
            }
        }
        Ok(())
    }

    /// Children lists of every comment, built from the linked parent indexes.
    pub fn child_index(&self) -> ChildIndex {
        ChildIndex::new(&self.comments)
    }

    fn id_index(&self) -> Result<HashMap<&str, u32>, IntegrityError> {
        let mut index: HashMap<&str, u32> = HashMap::with_capacity(self.comments.len());
        for (i, c) in self.comments.iter().enumerate() {
            if let Some(prev) = index.insert(c.id.as_str(), i as u32) {
                return Err(IntegrityError::DuplicateId {
                    thread: self.id.clone(),
                    id: c.id.clone(),
                    first: self.comments[prev as usize].position,
                    second: c.position,
                });
            }
        }
        Ok(index)
    }
}

/// Depth of every node of an acyclic parent array, computed without recursion.
fn depths_from_parents(parents: &[Option<u32>]) -> Vec<u32> {
    const UNKNOWN: u32 = u32::MAX;
    let mut depth = vec![UNKNOWN; parents.len()];
    let mut chain = Vec::new();
    for start in 0..parents.len() {
        let mut node = start;
        while depth[node] == UNKNOWN {
            chain.push(node);
            match parents[node] {
                Some(p) => node = p as usize,
                None => break,
            }
        }
        // `node` is either a root on the chain or a node of known depth.
        let mut d = if depth[node] == UNKNOWN {
            chain.pop();
            depth[node] = 0;
            0
        } else {
            depth[node]
        };
        while let Some(n) = chain.pop() {
            d += 1;
            depth[n] = d;
        }
    }
    depth
}

/// Children of every comment in compressed form (offsets into one array), in document order.
#[derive(Debug, Clone)]
pub struct ChildIndex {
    offsets: Vec<u32>,
    children: Vec<u32>,
    roots: Vec<u32>,
}

impl ChildIndex {
    /// Builds the index from comments whose `parent_index` has been set by [`Thread::link`].
    pub fn new(comments: &[Comment]) -> ChildIndex {
        let n = comments.len();
        let mut counts = vec![0u32; n + 1];
        let mut roots = Vec::new();
        for (i, c) in comments.iter().enumerate() {
            match c.parent_index {
                Some(p) => counts[p as usize + 1] += 1,
                None => roots.push(i as u32),
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let offsets = counts.clone();
        let mut fill = counts;
        let mut children = vec![0u32; offsets[n] as usize];
        for (i, c) in comments.iter().enumerate() {
            if let Some(p) = c.parent_index {
                let slot = &mut fill[p as usize];
                children[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        ChildIndex {
            offsets,
            children,
            roots,
        }
    }

    /// Direct replies of comment `i`.
    pub fn children(&self, i: usize) -> &[u32] {
        &self.children[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Top-level comments.
    pub fn roots(&self) -> &[u32] {
        &self.roots
    }

    /// Comments in depth-first pre-order (parents before children, siblings in document
    /// order), using an explicit stack.
    pub fn preorder(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.offsets.len().saturating_sub(1));
        let mut stack: Vec<u32> = self.roots.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.children(n as usize).iter().rev());
        }
        out
    }

    /// Number of descendants of every comment.
    pub fn descendant_counts(&self) -> Vec<u32> {
        let order = self.preorder();
        let mut counts = vec![0u32; self.offsets.len().saturating_sub(1)];
        for &n in order.iter().rev() {
            let below: u32 = self
                .children(n as usize)
                .iter()
                .map(|&c| counts[c as usize] + 1)
                .sum();
            counts[n as usize] = below;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Comment, Format, Thread};

    fn thread(links: &[(&str, Option<&str>)]) -> Thread {
        let mut t = Thread::new("t", "test", Format::Csv);
        for (i, (id, parent)) in links.iter().enumerate() {
            let mut c = Comment::new(*id, i as u32 + 1, "x");
            c.parent_id = parent.map(str::to_string);
            t.comments.push(c);
        }
        t
    }

    #[test]
    fn links_and_depths_even_when_children_come_first() {
        let mut t = thread(&[("c", Some("b")), ("a", None), ("b", Some("a"))]);
        t.link().unwrap();
        assert_eq!(
            t.comments.iter().map(|c| c.depth).collect::<Vec<_>>(),
            [2, 0, 1]
        );
        t.check_integrity().unwrap();
        let idx = t.child_index();
        assert_eq!(idx.roots(), &[1]);
        assert_eq!(idx.preorder(), vec![1, 2, 0]);
        assert_eq!(idx.descendant_counts(), vec![0, 2, 1]);
    }

    #[test]
    fn dangling_parent_becomes_root_with_warning() {
        let mut t = thread(&[("a", None), ("b", Some("zzz"))]);
        t.link().unwrap();
        assert_eq!(t.comments[1].reply_link.kind, LinkKind::Dangling);
        assert_eq!(t.comments[1].parent_id, None);
        assert_eq!(t.comments[1].meta["source_parent"], "zzz");
        assert!(t.warnings[0].contains("zzz"));
        t.check_integrity().unwrap();
    }

    #[test]
    fn self_reply_and_two_cycle_are_broken() {
        let mut t = thread(&[("a", Some("a")), ("b", Some("c")), ("c", Some("b"))]);
        assert!(matches!(
            t.check_integrity(),
            Err(IntegrityError::SelfReply { .. })
        ));
        t.link().unwrap();
        assert_eq!(t.comments[0].reply_link.kind, LinkKind::Cycle);
        let cut = t
            .comments
            .iter()
            .filter(|c| c.reply_link.kind == LinkKind::Cycle)
            .count();
        assert_eq!(cut, 2);
        assert_eq!(t.warnings.len(), 2);
        t.check_integrity().unwrap();
    }

    #[test]
    fn duplicate_ids_are_an_error_naming_both_positions() {
        let mut t = thread(&[("a", None), ("a", None)]);
        let err = t.link().unwrap_err().to_string();
        assert!(
            err.contains("duplicate comment id \"a\" (positions 1 and 2)"),
            "{err}"
        );
    }

    #[test]
    fn a_100k_deep_chain_needs_no_recursion() {
        let n = 100_000;
        let mut t = Thread::new("deep", "test", Format::Csv);
        for i in 0..n {
            let mut c = Comment::new(format!("{i}"), i + 1, "x");
            c.parent_id = (i > 0).then(|| format!("{}", i - 1));
            t.comments.push(c);
        }
        t.link().unwrap();
        t.check_integrity().unwrap();
        assert_eq!(t.comments.last().unwrap().depth, n - 1);
        assert_eq!(t.child_index().descendant_counts()[0], n - 1);
    }
}
