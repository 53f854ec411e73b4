//! Contact details.
//!
//! **What it does.** Flags e-mail addresses and phone numbers (at least nine digits, with
//! optional `+`, spaces, dots, dashes or brackets between them) in the text.
//!
//! **Why.** Posting someone's contact details is doxxing or spam, and a commenter posting
//! their own usually regrets it; either way a moderator should see it before others do.
//!
//! **Example.** "Call me on +44 20 7946 0958 or mail jo@example.org" → `contact`
//! (medium, hold), evidence "+44 20 7946 0958", "jo@example.org".

use super::{regex, text_rule};
use crate::moderate::rule::Rule;
use crate::moderate::{Action, Severity};

/// Rule id.
pub const ID: &str = "contact";

/// E-mail addresses and phone numbers.
pub const PATTERN: &str = r"\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b|(?:\+|\b)\d(?:[ .\-]?\(?\d\)?){8,14}\b";

/// The rule.
pub fn rule() -> Rule {
    text_rule(
        ID,
        "e-mail addresses and phone numbers",
        vec![regex(PATTERN)],
        Severity::Medium,
        Action::Hold,
        "contact details: {{match}}",
    )
}
