//! Moderation: rules, the review queue and persistent decisions. This file holds the result
//! types other layers (reports, exports) read.

use serde::{Deserialize, Serialize};

/// How serious a flag is; the queue sorts by it (most severe first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Likely a problem.
    Medium,
    /// Almost certainly a problem.
    High,
    /// Must be handled first.
    Critical,
}

/// What a rule asks a moderator (or the tool) to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Show in the queue.
    Flag,
    /// Hold for review before publishing.
    Hold,
    /// Remove.
    Remove,
    /// Approve (allow-list rules).
    Approve,
}

/// A span of the flagged field that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Byte offset of the match in the field.
    pub start: usize,
    /// Byte offset just past the match.
    pub end: usize,
    /// The matched text.
    pub text: String,
}

/// One rule hit on one comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// Id of the flagged comment.
    pub comment_id: String,
    /// Id of its thread.
    pub thread_id: String,
    /// Id of the rule.
    pub rule: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// Action of the rule.
    pub action: Action,
    /// The rule's reason template, filled in.
    pub reason: String,
    /// Where it matched.
    pub evidence: Vec<Span>,
}
