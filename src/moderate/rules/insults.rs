//! Insults and slurs.
//!
//! **What it does.** Flags a comment whose text contains a word or phrase from the insult and
//! slur list (`data/insults.txt`, embedded at build time), matched as whole words ignoring
//! case. Every match is evidence.
//!
//! **Why.** Name-calling is the most common reason a comment is removed, and a list catches
//! it with no false matches inside other words ("gobshite" but not "shitake").
//!
//! **Example.** "Who is this colonialist imperialist gobshite?" → `insults` (high, hold),
//! evidence "gobshite".

use super::{text_rule, words};
use crate::moderate::rule::{Rule, parse_word_list};
use crate::moderate::{Action, Severity};

/// Rule id.
pub const ID: &str = "insults";

/// The word list, one entry a line.
pub const WORDS: &str = include_str!("../../../data/insults.txt");

/// The rule.
pub fn rule() -> Rule {
    text_rule(
        ID,
        "insults and slurs from the built-in word list",
        vec![words(&parse_word_list(WORDS))],
        Severity::High,
        Action::Hold,
        "insult: \"{{match}}\"",
    )
}
