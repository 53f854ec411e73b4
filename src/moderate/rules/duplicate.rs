//! Copy-paste and duplicate text.
//!
//! **What it does.** Flags a comment of at least eight words whose word 3-shingles overlap an
//! earlier comment anywhere in the corpus with a Jaccard similarity of 0.8 or more. The
//! earliest copy is not flagged; every later copy is, naming the comment it repeats.
//! Candidates are found through a bottom-16 sketch of each comment's shingle hashes, so the
//! index stays small at a million comments; the similarity itself is exact.
//!
//! **Why.** Copy-pasted comments are spam, brigading or bots; near-duplicates (a word
//! changed) are caught too, while short stock replies ("Thanks!") are not.
//!
//! **Example.** The same three-sentence paragraph posted under two articles → the second is
//! `duplicate` (medium, hold), reason "near-duplicate (similarity 1.00 to comment t1-c4)".

use super::text_rule;
use crate::moderate::rule::{Check, Rule};
use crate::moderate::{Action, Severity};

/// Rule id.
pub const ID: &str = "duplicate";

/// The rule.
pub fn rule() -> Rule {
    text_rule(
        ID,
        "near-duplicate of an earlier comment",
        vec![Check::NearDuplicate {
            min_similarity: 0.8,
        }],
        Severity::Medium,
        Action::Hold,
        "near-duplicate ({{detail}})",
    )
}
