//! Moderation: rules, the review queue and persistent decisions. This file holds the result
//! types other layers (reports, exports) read.
//!
//! Layout: [`rule`] (the compiled rule), [`rules`] (built-in rules, one a file),
//! [`rulefile`] (TOML rule files), [`engine`] (running rules with thread context),
//! [`queue`] (sorting, decisions applied, rendering), [`decisions`] (the SQLite store),
//! [`review`] (per-cluster review), [`backtest`] (precision/recall against labels).

pub mod backtest;
pub mod decisions;
pub mod engine;
pub mod errors;
pub mod queue;
pub mod review;
pub mod rule;
pub mod rulefile;
pub mod rules;
pub mod scan;
pub mod stage;

pub use engine::{Hit, Moderation, ModerationContext, moderate};
pub use errors::{DecisionError, ModerateError, RuleError};
pub use rule::Rule;

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

impl Severity {
    /// The name used in rule files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a rule-file name.
    pub fn from_name(s: &str) -> Option<Severity> {
        [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.name() == s)
    }
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

impl Action {
    /// The name used in rule files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Action::Flag => "flag",
            Action::Hold => "hold",
            Action::Remove => "remove",
            Action::Approve => "approve",
        }
    }

    /// Parses a rule-file name.
    pub fn from_name(s: &str) -> Option<Action> {
        [Action::Flag, Action::Hold, Action::Remove, Action::Approve]
            .into_iter()
            .find(|v| v.name() == s)
    }
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
