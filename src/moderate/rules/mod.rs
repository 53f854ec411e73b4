//! Built-in rules: one rule per file, each documented in three parts (what it does, why, an
//! example), and [`BUILTIN`], the one table mapping rule ids to rules.

pub mod contact;
pub mod duplicate;
pub mod insults;
pub mod links;
pub mod off_topic;
pub mod personal_attack;
pub mod shouting;

use super::rule::{
    Check, ContextChecks, Field, RegexOptions, Rule, RuleRegex, compile_regex, compile_words,
};
use super::{Action, Severity};

/// Builds one built-in rule.
pub type MakeRule = fn() -> Rule;

/// Every built-in rule: id → constructor, in the order the queue reports them.
pub const BUILTIN: &[(&str, MakeRule)] = &[
    (insults::ID, insults::rule),
    (personal_attack::ID, personal_attack::rule),
    (shouting::ID, shouting::rule),
    (links::ID, links::rule),
    (duplicate::ID, duplicate::rule),
    (contact::ID, contact::rule),
    (off_topic::ID, off_topic::rule),
];

/// All built-in rules, compiled.
pub fn all() -> Vec<Rule> {
    BUILTIN.iter().map(|(_, make)| make()).collect()
}

/// One built-in rule by id.
pub fn by_id(id: &str) -> Option<Rule> {
    BUILTIN
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, make)| make())
}

/// Built-in word lists a rule file may name with `words_builtin`.
pub fn word_list(name: &str) -> Option<Vec<String>> {
    match name {
        "insults" => Some(super::rule::parse_word_list(insults::WORDS)),
        _ => None,
    }
}

/// Names accepted by `words_builtin`.
pub const WORD_LISTS: &[&str] = &["insults"];

/// A built-in pattern compiled case-insensitively (tested, so it always compiles).
fn builtin_regex(pattern: &str) -> RuleRegex {
    let opts = RegexOptions {
        size_limit: 1 << 24,
        ..RegexOptions::default()
    };
    compile_regex(pattern, opts).expect("built-in pattern compiles")
}

/// A case-insensitive regex check from a built-in pattern.
fn regex(pattern: &str) -> Check {
    Check::Regex(builtin_regex(pattern))
}

/// A whole-word, case-insensitive check from a built-in word list.
fn words(list: &[String]) -> Check {
    let opts = RegexOptions {
        word_boundary: true,
        size_limit: 1 << 24,
        ..RegexOptions::default()
    };
    Check::Regex(compile_words(list, opts).expect("built-in word list compiles"))
}

/// A rule on the text field with no context checks.
fn text_rule(
    id: &str,
    description: &str,
    checks: Vec<Check>,
    severity: Severity,
    action: Action,
    reason: &str,
) -> Rule {
    Rule {
        id: id.into(),
        description: description.into(),
        fields: vec![Field::Text],
        checks,
        context: ContextChecks::default(),
        severity,
        action,
        reason: reason.into(),
    }
}
