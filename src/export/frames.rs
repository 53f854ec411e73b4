//! One polars frame builder per exported table. Every builder reads an [`Analysis`] and shows
//! what is present: columns of an analysis that did not run are null, tables of it are empty
//! (with their full schema), never filled with guesses.

use crate::analyze::CommentRef;
use crate::analyze::pipeline::{Analysis, STAGE_MODERATE};
use crate::model::AuthorSource;
use polars::prelude::*;
use std::collections::HashMap;

/// The six tables, in the order they are written and documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// One row per comment.
    Comments,
    /// One row per argument unit (empty when clustering did not run).
    Units,
    /// One row per cluster (empty when clustering did not run).
    Clusters,
    /// One row per reply: who answered whom.
    Edges,
    /// One row per thread, with tree metrics and any analyzer metrics.
    Threads,
    /// One row per moderation flag (empty when moderation did not run).
    Flags,
}

impl Table {
    /// Every table, in output order.
    pub const ALL: [Table; 6] = [
        Table::Comments,
        Table::Units,
        Table::Clusters,
        Table::Edges,
        Table::Threads,
        Table::Flags,
    ];

    /// The table's name (and file stem).
    pub fn name(self) -> &'static str {
        match self {
            Table::Comments => "comments",
            Table::Units => "units",
            Table::Clusters => "clusters",
            Table::Edges => "edges",
            Table::Threads => "threads",
            Table::Flags => "flags",
        }
    }

    /// Builds this table from an analysis.
    pub fn build(self, a: &Analysis) -> PolarsResult<DataFrame> {
        match self {
            Table::Comments => comments(a),
            Table::Units => units(a),
            Table::Clusters => clusters(a),
            Table::Edges => edges(a),
            Table::Threads => threads(a),
            Table::Flags => flags(a),
        }
    }
}

/// The JSON / column name of an author source.
pub fn author_source_name(s: AuthorSource) -> &'static str {
    match s {
        AuthorSource::Explicit => "explicit",
        AuthorSource::Salutation => "salutation",
        AuthorSource::Mention => "mention",
        AuthorSource::Signature => "signature",
    }
}

/// A `list[str]` column; `None` rows are null lists (analysis not run), not empty lists.
fn list_column(name: &str, rows: &[Option<Vec<&str>>]) -> Column {
    let values: usize = rows.iter().flatten().map(Vec::len).sum();
    let mut b = ListStringChunkedBuilder::new(name.into(), rows.len(), values);
    for row in rows {
        match row {
            Some(v) => b.append_values_iter(v.iter().copied()),
            None => b.append_null(),
        }
    }
    Column::from(b.finish().into_series())
}

/// Rule ids that flagged each comment, keyed by (thread id, comment id), sorted and unique;
/// `None` when moderation did not run.
fn flag_rules(a: &Analysis) -> Option<HashMap<(&str, &str), Vec<&str>>> {
    if !a.ran(STAGE_MODERATE) {
        return None;
    }
    let mut map: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for f in &a.flags {
        map.entry((f.thread_id.as_str(), f.comment_id.as_str()))
            .or_default()
            .push(f.rule.as_str());
    }
    for rules in map.values_mut() {
        rules.sort_unstable();
        rules.dedup();
    }
    Some(map)
}

/// `comments`: one row per comment, in corpus order.
pub fn comments(a: &Analysis) -> PolarsResult<DataFrame> {
    let n = a.n_comments();
    let cluster_of = a.clustering.as_ref().map(|c| c.comment_clusters(&a.corpus));
    let rules = flag_rules(a);
    let mut thread_id = Vec::with_capacity(n);
    let mut comment_id = Vec::with_capacity(n);
    let mut parent_id = Vec::with_capacity(n);
    let mut position = Vec::with_capacity(n);
    let mut depth = Vec::with_capacity(n);
    let mut author = Vec::with_capacity(n);
    let mut author_source = Vec::with_capacity(n);
    let mut timestamp = Vec::with_capacity(n);
    let mut text = Vec::with_capacity(n);
    let mut n_replies = Vec::with_capacity(n);
    let mut n_descendants = Vec::with_capacity(n);
    let mut cluster_id = Vec::with_capacity(n);
    let mut stance = Vec::with_capacity(n);
    let mut stance_confidence = Vec::with_capacity(n);
    let mut flags: Vec<Option<Vec<&str>>> = Vec::with_capacity(n);
    for (ti, (t, tree)) in a.corpus.threads.iter().zip(&a.trees).enumerate() {
        for (ci, c) in t.comments.iter().enumerate() {
            thread_id.push(t.id.as_str());
            comment_id.push(c.id.as_str());
            parent_id.push(c.parent_id.as_deref());
            position.push(c.position);
            depth.push(c.depth);
            author.push(c.author.as_deref());
            author_source.push(c.author_source.map(author_source_name));
            timestamp.push(c.timestamp.map(|t| t.to_rfc3339()));
            text.push(c.text.as_str());
            n_replies.push(tree.n_replies.get(ci).copied().unwrap_or(0));
            n_descendants.push(tree.n_descendants.get(ci).copied().unwrap_or(0));
            cluster_id.push(
                cluster_of
                    .as_ref()
                    .and_then(|cl| cl.get(ti)?.get(ci).copied().flatten()),
            );
            let st = a.stances.as_ref().and_then(|s| {
                s.get(CommentRef {
                    thread: ti as u32,
                    comment: ci as u32,
                })
            });
            stance.push(st.map(|s| s.stance.name()));
            stance_confidence.push(st.map(|s| s.confidence));
            flags.push(rules.as_ref().map(|r| {
                r.get(&(t.id.as_str(), c.id.as_str()))
                    .cloned()
                    .unwrap_or_default()
            }));
        }
    }
    DataFrame::new(
        n,
        vec![
            Column::new("thread_id".into(), thread_id),
            Column::new("comment_id".into(), comment_id),
            Column::new("parent_id".into(), parent_id),
            Column::new("position".into(), position),
            Column::new("depth".into(), depth),
            Column::new("author".into(), author),
            Column::new("author_source".into(), author_source),
            Column::new("timestamp".into(), timestamp),
            Column::new("text".into(), text),
            Column::new("n_replies".into(), n_replies),
            Column::new("n_descendants".into(), n_descendants),
            Column::new("cluster_id".into(), cluster_id),
            Column::new("stance".into(), stance),
            Column::new("stance_confidence".into(), stance_confidence),
            list_column("flags", &flags),
        ],
    )
}

/// `units`: one row per argument unit of a comment (post paragraphs are left out: they have
/// no comment id).
pub fn units(a: &Analysis) -> PolarsResult<DataFrame> {
    let mut thread_id = Vec::new();
    let mut comment_id = Vec::new();
    let mut unit_index = Vec::new();
    let mut text = Vec::new();
    let mut cluster_id = Vec::new();
    for u in a.clustering.iter().flat_map(|c| &c.units) {
        let Some((t, c)) = a.corpus.threads.get(u.thread as usize).and_then(|t| {
            let c = t.comments.get(u.comment? as usize)?;
            Some((t, c))
        }) else {
            continue;
        };
        thread_id.push(t.id.as_str());
        comment_id.push(c.id.as_str());
        unit_index.push(u.unit_index);
        text.push(u.text.as_str());
        cluster_id.push(u.cluster);
    }
    DataFrame::new(
        comment_id.len(),
        vec![
            Column::new("thread_id".into(), thread_id),
            Column::new("comment_id".into(), comment_id),
            Column::new("unit_index".into(), unit_index),
            Column::new("text".into(), text),
            Column::new("cluster_id".into(), cluster_id),
        ],
    )
}

/// `clusters`: one row per cluster, ordered by id.
pub fn clusters(a: &Analysis) -> PolarsResult<DataFrame> {
    let cs: Vec<_> = a.clustering.iter().flat_map(|c| &c.clusters).collect();
    let terms: Vec<Option<Vec<&str>>> = cs
        .iter()
        .map(|c| Some(c.terms.iter().map(String::as_str).collect()))
        .collect();
    DataFrame::new(
        cs.len(),
        vec![
            Column::new(
                "cluster_id".into(),
                cs.iter().map(|c| c.id).collect::<Vec<u32>>(),
            ),
            Column::new(
                "label".into(),
                cs.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
            ),
            list_column("terms", &terms),
            Column::new(
                "size".into(),
                cs.iter().map(|c| c.size as u64).collect::<Vec<u64>>(),
            ),
            Column::new(
                "silhouette".into(),
                cs.iter().map(|c| c.silhouette).collect::<Vec<f64>>(),
            ),
        ],
    )
}

/// `edges`: one row per reply, from the reply to the comment it answers.
pub fn edges(a: &Analysis) -> PolarsResult<DataFrame> {
    let mut thread_id = Vec::new();
    let mut from_comment = Vec::new();
    let mut to_comment = Vec::new();
    let mut from_author = Vec::new();
    let mut to_author = Vec::new();
    let mut stance = Vec::new();
    let mut latency = Vec::new();
    for (ti, t) in a.corpus.threads.iter().enumerate() {
        for (ci, c) in t.comments.iter().enumerate() {
            let Some(p) = c.parent_index.and_then(|p| t.comments.get(p as usize)) else {
                continue;
            };
            thread_id.push(t.id.as_str());
            from_comment.push(c.id.as_str());
            to_comment.push(p.id.as_str());
            from_author.push(c.author.as_deref());
            to_author.push(p.author.as_deref());
            stance.push(
                a.stances
                    .as_ref()
                    .and_then(|s| {
                        s.get(CommentRef {
                            thread: ti as u32,
                            comment: ci as u32,
                        })
                    })
                    .map(|s| s.stance.name()),
            );
            latency.push(match (c.timestamp, p.timestamp) {
                (Some(r), Some(q)) => Some(r.0 - q.0),
                _ => None,
            });
        }
    }
    DataFrame::new(
        thread_id.len(),
        vec![
            Column::new("thread_id".into(), thread_id),
            Column::new("from_comment".into(), from_comment),
            Column::new("to_comment".into(), to_comment),
            Column::new("from_author".into(), from_author),
            Column::new("to_author".into(), to_author),
            Column::new("stance".into(), stance),
            Column::new("latency_s".into(), latency),
        ],
    )
}

/// `threads`: one row per thread; analyzer metrics ([`Analysis::thread_metrics`]) are appended
/// as `f64` columns after the fixed ones.
pub fn threads(a: &Analysis) -> PolarsResult<DataFrame> {
    let ts = &a.corpus.threads;
    let n = ts.len();
    let mut columns = vec![
        Column::new(
            "thread_id".into(),
            ts.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "source".into(),
            ts.iter().map(|t| t.source.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "format".into(),
            ts.iter().map(|t| t.format.name()).collect::<Vec<_>>(),
        ),
        Column::new(
            "title".into(),
            ts.iter()
                .map(|t| t.post.title.as_deref())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "byline".into(),
            ts.iter()
                .map(|t| t.post.byline.as_deref())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "header_count".into(),
            ts.iter().map(|t| t.header_count).collect::<Vec<_>>(),
        ),
        Column::new(
            "n_comments".into(),
            ts.iter()
                .map(|t| t.comments.len() as u32)
                .collect::<Vec<u32>>(),
        ),
        Column::new(
            "n_top_level".into(),
            a.trees.iter().map(|t| t.n_top_level).collect::<Vec<u32>>(),
        ),
        Column::new(
            "max_depth".into(),
            a.trees.iter().map(|t| t.max_depth).collect::<Vec<_>>(),
        ),
    ];
    for m in &a.thread_metrics {
        let mut values = m.values.clone();
        // A metric column with the wrong length must not shift or drop rows.
        values.resize(n, None);
        columns.push(Column::new(m.name.as_str().into(), values));
    }
    DataFrame::new(n, columns)
}

/// `flags`: one row per rule hit, in the order moderation produced them.
pub fn flags(a: &Analysis) -> PolarsResult<DataFrame> {
    let fs = &a.flags;
    DataFrame::new(
        fs.len(),
        vec![
            Column::new(
                "thread_id".into(),
                fs.iter().map(|f| f.thread_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "comment_id".into(),
                fs.iter().map(|f| f.comment_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "rule".into(),
                fs.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "severity".into(),
                fs.iter()
                    .map(|f| severity_name(f.severity))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "action".into(),
                fs.iter().map(|f| action_name(f.action)).collect::<Vec<_>>(),
            ),
            Column::new(
                "reason".into(),
                fs.iter().map(|f| f.reason.as_str()).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The column / JSON name of a severity.
pub fn severity_name(s: crate::moderate::Severity) -> &'static str {
    use crate::moderate::Severity::*;
    match s {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
}

/// The column / JSON name of an action.
pub fn action_name(s: crate::moderate::Action) -> &'static str {
    use crate::moderate::Action::*;
    match s {
        Flag => "flag",
        Hold => "hold",
        Remove => "remove",
        Approve => "approve",
    }
}
