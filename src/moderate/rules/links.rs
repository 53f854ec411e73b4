//! Link dropping.
//!
//! **What it does.** Flags a comment with two or more links, or with a link and fewer than
//! 15 words of its own. Links are URLs, bare `www.` hosts, and the "link to example.org"
//! form that text dumps of comment pages print for an anchor.
//!
//! **Why.** Comments that are mostly links are how spam and drive-by promotion look; a
//! moderator should at least glance at where they point.
//!
//! **Example.** "… by Robert Fisk – link to counterpunch.org … – link to atimes.com" →
//! `links` (medium, flag), evidence "link to counterpunch.org", "link to atimes.com".

use super::text_rule;
use crate::moderate::rule::{Check, Rule};
use crate::moderate::{Action, Severity};

/// Rule id.
pub const ID: &str = "links";

/// The rule.
pub fn rule() -> Rule {
    text_rule(
        ID,
        "comments that are mostly links",
        vec![Check::Any(vec![
            Check::Links { min: 2 },
            Check::All(vec![Check::Links { min: 1 }, Check::WordsBelow { max: 15 }]),
        ])],
        Severity::Medium,
        Action::Flag,
        "link dropping ({{detail}}): {{match}}",
    )
}
