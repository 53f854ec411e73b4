//! The cue lexicon: a TOML data file (built-in default `data/stance-lexicon.toml`, or the
//! user's `--lexicon FILE`) compiled into case-insensitive matchers.

use super::errors::StanceError;
use crate::analyze::Stance;
use crate::text::word_looks::{WordLooks, rewrite_pattern};
use regex::{Regex, RegexSet};
use rustc_hash::FxHashMap;
use serde::Deserialize;

/// The built-in lexicon text.
pub const BUILTIN_LEXICON: &str = include_str!("../../../data/stance-lexicon.toml");

/// Where in a reply a cue counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// Anywhere.
    #[default]
    Anywhere,
    /// Only in the first words of the reply (after a salutation).
    Start,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    version: u32,
    settings: Settings,
    negation: RawNegation,
    context: ContextSettings,
    #[serde(default)]
    cue: Vec<RawCue>,
}

/// Thresholds of the lexicon classifier.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// |agree − rebut| below this is neutral.
    pub neutral_margin: f64,
    /// Words before a cue searched for a negator.
    pub negation_window: usize,
    /// Words that make up the start of a reply.
    pub start_words: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNegation {
    negators: Vec<String>,
    auxiliaries: Vec<String>,
    #[serde(default)]
    adverbs: Vec<String>,
    parent_claim_weight: f64,
    parent_claim_why: String,
}

/// Salutation, quotation and question settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSettings {
    /// Words that open a salutation.
    pub salutations: Vec<String>,
    /// Share of a quoted passage's terms that must occur in the parent.
    pub quote_overlap: f64,
    /// Weight of a question addressed to "you".
    pub you_question_weight: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCue {
    id: String,
    stance: String,
    weight: f64,
    why: String,
    #[serde(default)]
    position: Position,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
}

/// One compiled cue.
#[derive(Debug, Clone)]
pub struct Cue {
    /// Short name.
    pub id: String,
    /// The side it supports.
    pub stance: Stance,
    /// Weight of one match.
    pub weight: f64,
    /// Why it counts.
    pub why: String,
    /// Where it counts.
    pub position: Position,
    /// One matcher per phrase or pattern, so that overlapping matches of different
    /// alternatives are all found (the longest is chosen later).
    pub alternatives: Vec<Regex>,
}

/// Negation vocabulary.
#[derive(Debug, Clone)]
pub struct Negation {
    /// Weight of a denied parent claim.
    pub parent_claim_weight: f64,
    /// Why a denied parent claim counts.
    pub parent_claim_why: String,
    /// What each listed word (lower case, straight apostrophes) is: [`Negation::NEGATOR`],
    /// [`Negation::AUXILIARY`], [`Negation::ADVERB`] bits. The lists are kept only in this
    /// form: one lookup per word instead of a scan of each list, which was a tenth of the
    /// stance stage.
    kinds: FxHashMap<String, u8>,
}

impl Negation {
    /// Bit of [`Negation::kind`]: the word negates.
    pub const NEGATOR: u8 = 1;
    /// Bit of [`Negation::kind`]: an auxiliary or copula.
    pub const AUXILIARY: u8 = 2;
    /// Bit of [`Negation::kind`]: an adverb allowed between auxiliary and negator.
    pub const ADVERB: u8 = 4;

    /// The vocabulary of these lists: negating words, auxiliaries and copulas, and adverbs
    /// allowed between auxiliary and negator (lower case, straight apostrophes).
    pub fn new(
        negators: Vec<String>,
        auxiliaries: Vec<String>,
        adverbs: Vec<String>,
        parent_claim_weight: f64,
        parent_claim_why: String,
    ) -> Negation {
        let mut kinds: FxHashMap<String, u8> = FxHashMap::default();
        for (list, bit) in [
            (negators, Negation::NEGATOR),
            (auxiliaries, Negation::AUXILIARY),
            (adverbs, Negation::ADVERB),
        ] {
            for w in list {
                *kinds.entry(w).or_default() |= bit;
            }
        }
        Negation {
            parent_claim_weight,
            parent_claim_why,
            kinds,
        }
    }

    /// The bits of a lower-cased word (a word ending in "n't" negates).
    pub fn kind(&self, w: &str) -> u8 {
        let listed = self.kinds.get(w).copied().unwrap_or(0);
        if w.ends_with("n't") {
            listed | Negation::NEGATOR
        } else {
            listed
        }
    }

    /// Whether a lower-cased word negates.
    pub fn is_negator(&self, w: &str) -> bool {
        self.kind(w) & Negation::NEGATOR != 0
    }
}

/// A compiled lexicon.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// `builtin` or the file it came from.
    pub origin: String,
    /// Thresholds.
    pub settings: Settings,
    /// Negation vocabulary.
    pub negation: Negation,
    /// Context settings.
    pub context: ContextSettings,
    /// The cues, in file order.
    pub cues: Vec<Cue>,
    /// Matches a salutation at the start of a reply; group 1 is the name.
    pub salutation: Regex,
    /// Every cue's alternatives with ASCII word boundaries, in cue order and then in
    /// alternative order: one pass over an ASCII reply says exactly which alternatives match
    /// there (on ASCII text the two kinds of boundary agree), so only those are searched. A
    /// set with Unicode word boundaries is answered by the regex crate's slowest engine,
    /// which took half the stance stage; a set of whole cues left every alternative of a
    /// matching cue to be searched, a ninth of the stance stage at a million replies.
    pub alternative_set_ascii: RegexSet,
    /// The same alternatives without their word-boundary assertions: each matches wherever
    /// its alternative does (and sometimes where it does not), so over a non-ASCII reply it
    /// picks the alternatives that are then searched with their real boundaries.
    pub alternative_set_loose: RegexSet,
    /// The (cue, alternative) indexes of each pattern of the two sets.
    pub alternative_of: Vec<(usize, usize)>,
}

impl Lexicon {
    /// The cue alternatives that can match somewhere in `text`, as (cue, alternative)
    /// indexes in cue order and then alternative order: exactly those for ASCII text, a
    /// superset otherwise.
    pub fn alternatives_that_may_match(
        &self,
        text: &str,
    ) -> impl Iterator<Item = (usize, usize)> + '_ {
        let set = if text.is_ascii() {
            &self.alternative_set_ascii
        } else {
            &self.alternative_set_loose
        };
        set.matches(text)
            .into_iter()
            .filter_map(|i| self.alternative_of.get(i).copied())
    }
}

impl Lexicon {
    /// The built-in lexicon.
    pub fn builtin() -> Lexicon {
        Lexicon::parse(BUILTIN_LEXICON, "builtin").expect("the built-in lexicon is valid")
    }

    /// Reads a lexicon file.
    pub fn load(path: &std::path::Path) -> Result<Lexicon, StanceError> {
        let bytes = std::fs::read(path).map_err(|source| StanceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let origin = path.display().to_string();
        let text = crate::text::decode(&bytes)
            .map_err(|_| StanceError::Lexicon {
                origin: origin.clone(),
                message: "binary file, not a TOML lexicon".into(),
            })?
            .0;
        Lexicon::parse(&text, &origin)
    }

    /// Parses and compiles lexicon text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Lexicon, StanceError> {
        let err = |message: String| StanceError::Lexicon {
            origin: origin.to_string(),
            message,
        };
        let raw: RawLexicon = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if raw.version != 1 {
            return Err(err(format!(
                "lexicon version {} is not supported (expected 1)",
                raw.version
            )));
        }
        let s = &raw.settings;
        if !(s.neutral_margin.is_finite() && s.neutral_margin >= 0.0) {
            return Err(err(format!(
                "settings.neutral_margin must be >= 0, got {}",
                s.neutral_margin
            )));
        }
        if !(0.0..=1.0).contains(&raw.context.quote_overlap) {
            return Err(err(format!(
                "context.quote_overlap must be in 0..=1, got {}",
                raw.context.quote_overlap
            )));
        }
        let mut cues = Vec::with_capacity(raw.cue.len());
        // Every alternative of every cue, in order, with its (cue, alternative) indexes.
        let mut alternative_patterns: Vec<String> = Vec::new();
        let mut alternative_of: Vec<(usize, usize)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for c in raw.cue {
            let stance = match c.stance.as_str() {
                "agree" => Stance::Agree,
                "rebut" => Stance::Rebut,
                other => {
                    return Err(err(format!(
                        "cue {:?}: stance must be \"agree\" or \"rebut\", got {other:?}",
                        c.id
                    )));
                }
            };
            if !seen.insert(c.id.clone()) {
                return Err(err(format!("cue {:?} is defined twice", c.id)));
            }
            if !(c.weight.is_finite() && c.weight > 0.0) {
                return Err(err(format!("cue {:?}: weight must be > 0", c.id)));
            }
            let mut phrases: Vec<&String> =
                c.phrases.iter().filter(|p| !p.trim().is_empty()).collect();
            // Longest first, so alternation prefers "you are absolutely right" to "right".
            phrases.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
            let mut alts: Vec<String> = phrases.iter().map(|p| phrase_regex(p)).collect();
            for p in &c.patterns {
                let pat = p.replace('\'', "['’]");
                Regex::new(&pat)
                    .map_err(|e| err(format!("cue {:?}: bad pattern {p:?}: {e}", c.id)))?;
                alts.push(format!("(?:{pat})"));
            }
            if alts.is_empty() {
                return Err(err(format!("cue {:?} has no phrases or patterns", c.id)));
            }
            let alt_patterns: Vec<String> = alts.iter().map(|a| format!("(?i){a}")).collect();
            let alternatives = alt_patterns
                .iter()
                .map(|a| Regex::new(a))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| err(format!("cue {:?}: {e}", c.id)))?;
            alternative_of.extend((0..alt_patterns.len()).map(|ai| (cues.len(), ai)));
            alternative_patterns.extend(alt_patterns);
            cues.push(Cue {
                id: c.id,
                stance,
                weight: c.weight,
                why: c.why,
                position: c.position,
                alternatives,
            });
        }
        let set_of = |looks: WordLooks| -> Result<RegexSet, StanceError> {
            let patterns = alternative_patterns
                .iter()
                .map(|p| rewrite_pattern(p, looks))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| err(format!("cue patterns: {e}")))?;
            RegexSet::new(&patterns).map_err(|e| err(format!("cue patterns: {e}")))
        };
        let alternative_set_ascii = set_of(WordLooks::Ascii)?;
        let alternative_set_loose = set_of(WordLooks::Dropped)?;
        let lower = |v: Vec<String>| -> Vec<String> {
            v.into_iter()
                .map(|w| w.to_lowercase().replace('’', "'"))
                .collect()
        };
        let salutes: Vec<String> = raw
            .context
            .salutations
            .iter()
            .map(|s| regex::escape(s.trim()))
            .filter(|s| !s.is_empty())
            .collect();
        // "Dear Eurofrank," / "Hi all:" / "@name" — a short name then a comma, colon, bang
        // or line end.
        let salutation = if salutes.is_empty() {
            Regex::new("$^").expect("empty regex")
        } else {
            Regex::new(&format!(
                r"(?i)^\s*(?:{})\b\s*([^\s,:;!.?\n][^,:;!?\n]{{0,40}}?)\s*(?:[,:;!\n]|$)",
                salutes.join("|")
            ))
            .map_err(|e| err(format!("context.salutations: {e}")))?
        };
        Ok(Lexicon {
            origin: origin.to_string(),
            settings: raw.settings,
            negation: Negation::new(
                lower(raw.negation.negators),
                lower(raw.negation.auxiliaries),
                lower(raw.negation.adverbs),
                raw.negation.parent_claim_weight,
                raw.negation.parent_claim_why,
            ),
            context: raw.context,
            cues,
            salutation,
            alternative_set_ascii,
            alternative_set_loose,
            alternative_of,
        })
    }
}

/// A literal phrase as a regex: whole words, any whitespace between words, either apostrophe.
fn phrase_regex(phrase: &str) -> String {
    let words: Vec<String> = phrase
        .split_whitespace()
        .map(|w| regex::escape(w).replace('\'', "['’]"))
        .collect();
    let mut out = String::from("(?:");
    if phrase
        .trim_start()
        .starts_with(|c: char| c.is_alphanumeric())
    {
        out.push_str(r"\b");
    }
    out.push_str(&words.join(r"\s+"));
    if phrase.trim_end().ends_with(|c: char| c.is_alphanumeric()) {
        out.push_str(r"\b");
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_kinds_agree_with_the_lists() {
        let neg = Lexicon::builtin().negation;
        let raw: RawLexicon = toml::from_str(BUILTIN_LEXICON).unwrap();
        let lists = raw.negation;
        for w in ["is", "never", "doesn't", "still", "nato", "n't", "not"] {
            let bit = |list: &[String]| list.iter().any(|x| x == w);
            let want = [
                (
                    bit(&lists.negators) || w.ends_with("n't"),
                    Negation::NEGATOR,
                ),
                (bit(&lists.auxiliaries), Negation::AUXILIARY),
                (bit(&lists.adverbs), Negation::ADVERB),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .fold(0, |k, (_, b)| k | b);
            assert_eq!(neg.kind(w), want, "{w}");
        }
        assert_eq!(neg.kind("is"), Negation::AUXILIARY);
        assert_eq!(neg.kind("doesn't") & Negation::NEGATOR, Negation::NEGATOR);
        assert_eq!(neg.kind("nato"), 0);
    }

    #[test]
    fn builtin_lexicon_compiles_with_both_sides() {
        let lex = Lexicon::builtin();
        assert!(lex.cues.iter().any(|c| c.stance == Stance::Agree));
        assert!(lex.cues.iter().any(|c| c.stance == Stance::Rebut));
        let right = lex.cues.iter().find(|c| c.id == "you-are-right").unwrap();
        let matches = |text: &str| right.alternatives.iter().any(|a| a.is_match(text));
        assert!(matches("Well, You’re   RIGHT about that"));
        assert!(!matches("your outright lie"));
    }

    #[test]
    fn bad_lexicons_name_the_problem() {
        let base = BUILTIN_LEXICON;
        let e = Lexicon::parse("version = 1", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml: "), "{e}");
        let bad = format!(
            "{base}\n[[cue]]\nid = \"z\"\nstance = \"maybe\"\nweight = 1.0\nwhy = \"\"\nphrases = [\"a\"]\n"
        );
        let e = Lexicon::parse(&bad, "x.toml").unwrap_err().to_string();
        assert!(e.contains("cue \"z\": stance must be"), "{e}");
        let bad = format!(
            "{base}\n[[cue]]\nid = \"z\"\nstance = \"agree\"\nweight = 1.0\nwhy = \"\"\npatterns = [\"(\"]\n"
        );
        let e = Lexicon::parse(&bad, "x.toml").unwrap_err().to_string();
        assert!(e.contains("cue \"z\": bad pattern"), "{e}");
    }

    #[test]
    fn alternative_sets_pick_exactly_on_ascii_text_and_a_superset_elsewhere() {
        let lex = Lexicon::builtin();
        // The exact set: every alternative's own regex, with Unicode word boundaries.
        let exact = |text: &str| -> Vec<(usize, usize)> {
            let mut out = Vec::new();
            for (ci, cue) in lex.cues.iter().enumerate() {
                for (ai, alt) in cue.alternatives.iter().enumerate() {
                    if alt.is_match(text) {
                        out.push((ci, ai));
                    }
                }
            }
            out
        };
        let picked =
            |text: &str| -> Vec<(usize, usize)> { lex.alternatives_that_may_match(text).collect() };
        let total: usize = lex.cues.iter().map(|c| c.alternatives.len()).sum();
        assert_eq!(lex.alternative_of.len(), total);
        for text in [
            "I agree, you are right on!",
            "No, that is nonsense. What are you talking about?",
            "Exactly. But however, yes; good point",
            "agreeable disagreement_x yes_ no-",
            "",
        ] {
            assert_eq!(picked(text), exact(text), "{text:?}");
        }
        assert!(picked("I agree, you are right on!").len() >= 2);
        // Outside ASCII the loose set keeps every alternative that matches ("é" is a word
        // character, so "agreeé" holds no "agree" word, yet the alternative is searched).
        for text in [
            "bé agreeé",
            "Genau! Ich stimme zu — you’re right",
            "ägree, but… no",
        ] {
            let p = picked(text);
            assert!(exact(text).iter().all(|i| p.contains(i)), "{text:?}");
        }
        assert!(exact("bé agreeé").is_empty());
        assert!(!picked("bé agreeé").is_empty());
    }

    #[test]
    fn salutation_captures_the_name() {
        let lex = Lexicon::builtin();
        let caps = lex
            .salutation
            .captures("Dear Eurofrank, you are right on!")
            .unwrap();
        assert_eq!(&caps[1], "Eurofrank");
        assert!(lex.salutation.captures("Hidden agenda, they say").is_none());
    }
}
