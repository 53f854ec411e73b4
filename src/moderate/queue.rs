//! The review queue: flags sorted by severity, auto-approved comments dropped, decided
//! comments hidden (or shown with their decision), and the table / JSON / CSV writers.

use super::decisions::{DecisionIndex, MatchedBy, Verdict};
use super::engine::{Hit, Moderation};
use super::scan::content_hash;
use super::{Action, Flag};
use crate::model::Corpus;
use serde::Serialize;
use std::collections::HashSet;

/// A standing decision as the queue shows it (no wall-clock time: output stays
/// deterministic).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    /// The verdict.
    pub decision: Verdict,
    /// Who decided.
    pub by: String,
    /// Their note.
    pub note: String,
    /// How the decision was found for this comment.
    pub matched_by: MatchedBy,
}

/// One queue line: a flag and the decision standing on its comment, if any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The flag.
    #[serde(flatten)]
    pub flag: Flag,
    /// The standing decision (only present with `--all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Applied>,
}

/// The queue and what was left out of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Queue {
    /// Entries, most severe first, then corpus order.
    pub flags: Vec<Entry>,
    /// Flags hidden because their comment was decided.
    #[serde(skip)]
    pub hidden_decided: usize,
    /// Comments an `approve` rule matched (their flags are not queued).
    #[serde(skip)]
    pub auto_approved: usize,
}

/// Builds the queue from a run's hits.
pub fn build(
    corpus: &Corpus,
    moderation: &Moderation,
    decisions: &DecisionIndex,
    clusters: Option<&[Vec<Option<u32>>]>,
    show_all: bool,
) -> Queue {
    let approved: HashSet<_> = moderation
        .hits
        .iter()
        .filter(|h| h.flag.action == Action::Approve)
        .map(|h| h.at)
        .collect();
    let mut hits: Vec<&Hit> = moderation
        .hits
        .iter()
        .filter(|h| !approved.contains(&h.at))
        .collect();
    // Stable: equal severities keep corpus order.
    hits.sort_by_key(|h| std::cmp::Reverse(h.flag.severity));
    let mut queue = Queue {
        auto_approved: approved.len(),
        ..Queue::default()
    };
    for h in hits {
        let comment = corpus
            .threads
            .get(h.at.thread as usize)
            .and_then(|t| t.comments.get(h.at.comment as usize));
        let hash = comment.map(|c| content_hash(&c.text)).unwrap_or_default();
        let cluster = clusters
            .and_then(|c| c.get(h.at.thread as usize))
            .and_then(|t| t.get(h.at.comment as usize))
            .copied()
            .flatten();
        let decision = decisions
            .lookup(&h.flag.comment_id, &hash, cluster)
            .map(|(d, by)| Applied {
                decision: d.verdict,
                by: d.moderator.clone(),
                note: d.note.clone(),
                matched_by: by,
            });
        if decision.is_some() && !show_all {
            queue.hidden_decided += 1;
            continue;
        }
        queue.flags.push(Entry {
            flag: h.flag.clone(),
            decision,
        });
    }
    queue
}

/// The queue as JSON: `{"flags":[…]}`.
pub fn to_json(queue: &Queue) -> String {
    serde_json::to_string_pretty(queue).unwrap_or_else(|_| "{\"flags\":[]}".into()) + "\n"
}

fn evidence_text(f: &Flag) -> String {
    f.evidence
        .iter()
        .map(|s| format!("\"{}\"", one_line(&s.text, 60)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        flat.chars().take(max - 1).collect::<String>() + "…"
    }
}

/// The queue as an aligned text table.
pub fn to_table(queue: &Queue) -> String {
    let mut rows: Vec<[String; 6]> = vec![[
        "SEVERITY".into(),
        "ACTION".into(),
        "RULE".into(),
        "COMMENT".into(),
        "DECISION".into(),
        "REASON / EVIDENCE".into(),
    ]];
    for e in &queue.flags {
        let f = &e.flag;
        let ev = evidence_text(f);
        let reason = one_line(&f.reason, 70);
        rows.push([
            f.severity.name().into(),
            f.action.name().into(),
            f.rule.clone(),
            f.comment_id.clone(),
            e.decision
                .as_ref()
                .map_or("-".into(), |d| format!("{} ({})", d.decision.name(), d.by)),
            if ev.is_empty() || reason.contains(&ev) {
                reason
            } else {
                format!("{reason} | {ev}")
            },
        ]);
    }
    let mut widths = [0usize; 5];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        for (w, c) in widths.iter().zip(r.iter()) {
            out.push_str(c);
            out.push_str(&" ".repeat(w - c.chars().count() + 2));
        }
        out.push_str(&r[5]);
        out.push('\n');
    }
    out.push_str(&format!(
        "{} flag{}",
        queue.flags.len(),
        if queue.flags.len() == 1 { "" } else { "s" }
    ));
    if queue.hidden_decided > 0 {
        out.push_str(&format!(
            ", {} hidden as decided (--all shows them)",
            queue.hidden_decided
        ));
    }
    out.push('\n');
    out
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The queue as CSV: one row per flag; evidence texts joined by ` | `, spans as
/// `start-end;start-end`.
pub fn to_csv(queue: &Queue) -> String {
    let mut out = String::from(
        "comment_id,thread_id,rule,severity,action,reason,evidence,evidence_spans,decision\n",
    );
    for e in &queue.flags {
        let f = &e.flag;
        let ev = f
            .evidence
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" | ");
        let spans = f
            .evidence
            .iter()
            .map(|s| format!("{}-{}", s.start, s.end))
            .collect::<Vec<_>>()
            .join(";");
        let cells = [
            f.comment_id.as_str(),
            f.thread_id.as_str(),
            f.rule.as_str(),
            f.severity.name(),
            f.action.name(),
            f.reason.as_str(),
            ev.as_str(),
            spans.as_str(),
            e.decision.as_ref().map_or("", |d| d.decision.name()),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}
