//! Personal attacks.
//!
//! **What it does.** Flags second-person attacks on the other commenter rather than on the
//! argument: "you are an idiot", "people like you", "learn to read", "dumb it down for you",
//! "you clearly can't read", "shut up", "go f… yourself".
//!
//! **Why.** Debate forums (r/ChangeMyView rule 2) remove comments that attack the person;
//! such attacks often contain no insult word at all, so the word list misses them.
//!
//! **Example.** "People like you are why this country is a mess." → `personal-attack`
//! (high, hold), evidence "People like you".

use super::{regex, text_rule};
use crate::moderate::rule::Rule;
use crate::moderate::{Action, Severity};

/// Rule id.
pub const ID: &str = "personal-attack";

/// The patterns, each a form of attack seen in removed comments.
pub const PATTERNS: &[&str] = &[
    r"\byou(?:'re|’re| are|r)\s+(?:an?\s+|such\s+an?\s+|so\s+|being\s+an?\s+|just\s+an?\s+|clearly\s+an?\s+|obviously\s+an?\s+)?(?:[a-z]+\s+)?(?:idiot|moron|imbecile|fool|clown|troll|liar|hypocrite|stupid|dumb|dense|ignorant|pathetic|delusional|clueless|retarded|brainwashed|embarrassment|disgrace|coward|child|joke|disgusting|insufferable|arrogant|condescending|pretentious|obtuse|naive|troll|sheep|shill)s?\b",
    r"\byou(?:'re|’re| are)\s+(?:\w+\s+)?(?:fucking|so|honestly|really|just|clearly|obviously)\s+(?:disgusting|pathetic|stupid|dumb|dense|ignorant|delusional|clueless|arrogant|condescending|pretentious|insufferable|obtuse)\b",
    r"\bpeople like you\b",
    r"\byou\s+(?:clearly\s+|obviously\s+|really\s+|just\s+|simply\s+)?(?:can't|cannot|can not|don't know how to|are unable to|are incapable of)\s+(?:read|think|comprehend)",
    r"\blearn (?:how )?to read\b",
    r"\blearn (?:some )?basic (?:grammar|logic|english|reading)\b",
    r"\bdumb (?:it|this) down\b",
    r"\bif you (?:were able to|could|can|actually) (?:read|think)\b",
    r"\breading comprehension\b",
    r"\bshut (?:the \w+ )?up\b",
    r"\bgo (?:fuck|screw) yourself\b",
    r"\byour (?:stupid|idiotic|moronic|ignorant|pathetic|dumb|retarded|tiny|little) (?:brain|mind|head|argument|opinion|comment|post)s?\b",
    r"\byou have no (?:clue|brain|idea what you(?:'re|’re| are) talking about)\b",
    r"\bare you (?:really |actually )?(?:this |that |so |too )?(?:stupid|dense|dumb|thick|retarded|illiterate)\b",
    r"\bnobody (?:cares|asked) (?:about )?(?:what )?you\b",
    r"\b(?:nobody|no one) (?:gives a (?:shit|fuck|damn)|cares) about (?:your|what you)\b",
    r"\bgrow up\b",
    r"\bfuck off\b",
    r"\bare you (?:\d{1,2}|twelve|five|high|drunk|trolling)\s*(?:\?|years)",
    r"\bwhat part of .{1,60}? (?:did|do|don't|didn't) you (?:not )?understand\b",
    r"\byour (?:reading )?comprehension (?:is|skills)\b",
    r"\b(?:little|silly|dumb|stupid) (?:boy|girl|gurl|kid|child)\b",
];

/// The rule.
pub fn rule() -> Rule {
    text_rule(
        ID,
        "attacks on the other commenter instead of the argument",
        vec![regex(&PATTERNS.join("|"))],
        Severity::High,
        Action::Hold,
        "personal attack: \"{{match}}\"",
    )
}
