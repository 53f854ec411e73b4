//! Off-topic comments.
//!
//! **What it does.** Flags a comment of at least 12 distinct terms when at most 15% of them
//! occur in the article or in at least one other comment of its thread. Terms come from the
//! crate's one tokenizer (stop words out, plurals folded). A comment that clustering placed
//! in an argument cluster is never off-topic; threads with fewer than 30 terms of context are
//! not judged.
//!
//! **Why.** Off-topic comments derail threads; a moderator can move or remove them. Judging
//! by shared vocabulary needs no model and explains itself ("8% of its 25 terms …").
//!
//! **Example.** A recipe posted under an article about Syria → `off-topic` (low, flag).

use super::text_rule;
use crate::moderate::rule::{Check, Rule};
use crate::moderate::{Action, Severity};

/// Rule id.
pub const ID: &str = "off-topic";

/// The rule.
pub fn rule() -> Rule {
    text_rule(
        ID,
        "little in common with the article and the thread",
        vec![Check::OffTopic {
            max_similarity: 0.15,
            min_terms: 12,
        }],
        Severity::Low,
        Action::Flag,
        "off-topic: {{detail}}",
    )
}
