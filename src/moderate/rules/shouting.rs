//! Shouting.
//!
//! **What it does.** Flags a comment written mostly in capitals (at least half of at least 20
//! letters), or with three or more shouted words, or with a `???`/`!!!` run next to a shouted
//! word. A shouted word is all capitals and not an acronym: a capitalised function word
//! ("NO", "THE") or any all-capitals word of five or more letters ("YALTA"); "NATO", "USA"
//! and "ISIS" are not shouting. Evidence: the sentences with shouted words and the runs.
//!
//! **Why.** Shouting heats a thread up and is a classic moderation guideline; counting
//! acronyms as shouting would flag every comment about NATO.
//!
//! **Example.** "YALTA??? … NO thank you very much." → `shouting` (low, flag), evidence
//! "YALTA???", "NO thank you very much".

use super::text_rule;
use crate::moderate::rule::{Check, Rule};
use crate::moderate::{Action, Severity};

/// Rule id.
pub const ID: &str = "shouting";

/// The rule.
pub fn rule() -> Rule {
    text_rule(
        ID,
        "text in capitals, shouted words, ???/!!! runs",
        vec![Check::Any(vec![
            Check::Caps {
                min_share: 0.5,
                min_letters: 20,
            },
            Check::ShoutedWords { min: 3 },
            Check::All(vec![
                Check::PunctRun { min: 3 },
                Check::ShoutedWords { min: 1 },
            ]),
        ])],
        Severity::Low,
        Action::Flag,
        "shouting ({{detail}}): \"{{match}}\"",
    )
}
