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

use super::{builtin_regex, text_rule};
use crate::moderate::rule::{Check, Rule};
use crate::moderate::{Action, Severity};

/// Rule id.
pub const ID: &str = "contact";

/// E-mail addresses and phone numbers.
pub const PATTERN: &str = r"\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b|(?:\+|\b)\d(?:[ .\-]?\(?\d\)?){8,14}\b";

/// Whether an ASCII text may hold an address or a number of the pattern: an address has an
/// `@`, a number at least nine digits.
fn could_hold_contact(text: &str) -> bool {
    text.contains('@') || text.bytes().filter(u8::is_ascii_digit).count() >= 9
}

/// The rule.
pub fn rule() -> Rule {
    text_rule(
        ID,
        "e-mail addresses and phone numbers",
        vec![Check::Regex(
            builtin_regex(PATTERN).with_required(could_hold_contact),
        )],
        Severity::Medium,
        Action::Hold,
        "contact details: {{match}}",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moderate::rule::RuleRegex;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    /// The pattern without the shortcut.
    static PLAIN: LazyLock<RuleRegex> = LazyLock::new(|| builtin_regex(PATTERN));

    proptest! {
        /// The shortcut never skips a text the pattern matches: texts built from digits,
        /// separators, letters and `@` (what the pattern reads), with the check's verdict
        /// compared with the regex itself.
        #[test]
        fn the_shortcut_never_skips_a_match(
            before in "[a-zA-Z0-9@._ -]{0,10}",
            number in "[0-9 .()+-]{0,24}",
            after in "[a-zA-Z0-9@._ -]{0,10}",
        ) {
            let text = format!("{before}{number}{after}");
            if !PLAIN.spans(&text, 1).is_empty() {
                prop_assert!(could_hold_contact(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn the_rule_still_finds_numbers_and_addresses() {
        let r = rule();
        let Check::Regex(re) = &r.checks[0] else {
            panic!("a regex check");
        };
        let text = "Call me on +44 20 7946 0958 or mail jo@example.org, not on 12345678";
        let found: Vec<&str> = re
            .spans(text, 10)
            .iter()
            .map(|&(a, b)| &text[a..b])
            .collect();
        assert_eq!(found, ["+44 20 7946 0958", "jo@example.org"]);
        assert!(re.spans("twelve 12345678 and no at sign", 10).is_empty());
        // The fewest digits a number has, and an address without any digit.
        assert_eq!(re.spans("ring 123 456 789", 10), [(5, 16)]);
        assert_eq!(re.spans("or a@b.co", 10), [(3, 9)]);
    }
}
