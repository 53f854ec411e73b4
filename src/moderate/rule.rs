//! The compiled form of a rule, shared by built-in rules and rule files.

use super::{Action, Severity};
use crate::analyze::Stance;
use crate::text::word_looks::{WordLooks, rewrite};
use regex::{Regex, RegexBuilder};

/// Default limit on the compiled size of one rule regex, in bytes (the regex crate's own
/// default is 10 MiB; a rule list of thousands of patterns needs a tighter bound).
pub const DEFAULT_REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A part of a comment a rule can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The comment text.
    Text,
    /// The author name ("" when unknown).
    Author,
    /// The links in the text, one a line.
    Links,
    /// The title of the thread's post.
    Title,
}

impl Field {
    /// Every field, in the order the docs list them.
    pub const ALL: [Field; 4] = [Field::Text, Field::Author, Field::Links, Field::Title];

    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Field::Text => "text",
            Field::Author => "author",
            Field::Links => "links",
            Field::Title => "title",
        }
    }
}

/// A content check on one field's value. A rule holds when all its checks hold on one field.
#[derive(Debug, Clone)]
pub enum Check {
    /// At least one match of the regex (a `pattern` or a compiled word list).
    Regex(RuleRegex),
    /// Share of capitals among the letters at least `min_share`, with at least `min_letters`.
    Caps {
        /// Lowest share, 0..=1.
        min_share: f64,
        /// Fewest letters for the share to mean anything.
        min_letters: usize,
    },
    /// At least `min` shouted (all-capitals, non-acronym) words.
    ShoutedWords {
        /// Fewest words.
        min: usize,
    },
    /// A run of at least `min` `?`/`!` characters.
    PunctRun {
        /// Shortest run.
        min: usize,
    },
    /// At least `min` links.
    Links {
        /// Fewest links.
        min: usize,
    },
    /// Length in characters within bounds.
    Length {
        /// Shortest.
        min: Option<usize>,
        /// Longest.
        max: Option<usize>,
    },
    /// Fewer than `max` words once links are taken out ("drive-by" link posts).
    WordsBelow {
        /// Word count the text stays under.
        max: usize,
    },
    /// One character repeated at least `min` times in a row.
    RepeatedChars {
        /// Shortest run.
        min: usize,
    },
    /// Near-duplicate of an earlier comment in the corpus (Jaccard of word 3-shingles).
    NearDuplicate {
        /// Lowest similarity, 0..=1.
        min_similarity: f64,
    },
    /// Little in common with the article and the rest of its thread.
    OffTopic {
        /// Highest share of the comment's terms found in the article or thread, 0..=1.
        max_similarity: f64,
        /// Fewest terms a comment needs before it is judged (short replies are not).
        min_terms: usize,
    },
    /// Every check holds (evidence of all).
    All(Vec<Check>),
    /// At least one check holds (evidence of every one that does).
    Any(Vec<Check>),
}

impl Check {
    /// Whether this check needs the corpus-wide duplicate index.
    pub fn needs_duplicates(&self) -> bool {
        match self {
            Check::NearDuplicate { .. } => true,
            Check::All(v) | Check::Any(v) => v.iter().any(Check::needs_duplicates),
            _ => false,
        }
    }

    /// Whether this check needs the per-thread vocabulary.
    pub fn needs_vocabulary(&self) -> bool {
        match self {
            Check::OffTopic { .. } => true,
            Check::All(v) | Check::Any(v) => v.iter().any(Check::needs_vocabulary),
            _ => false,
        }
    }
}

/// Checks on a comment's place in the thread, evaluated once per comment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextChecks {
    /// Lowest depth (0 = top-level).
    pub depth_min: Option<u32>,
    /// Highest depth.
    pub depth_max: Option<u32>,
    /// Stance toward the parent must be one of these (needs stance results).
    pub stance: Option<Vec<Stance>>,
    /// Cluster must be one of these (needs clustering results).
    pub clusters: Option<Vec<u32>>,
    /// Reply came at most this many seconds after its parent (or the post, for top-level).
    pub latency_max_secs: Option<i64>,
    /// Reply came at least this many seconds after its parent.
    pub latency_min_secs: Option<i64>,
    /// Whether the parent must (true) or must not (false) have been flagged.
    pub parent_flagged: Option<bool>,
    /// Only flags of these rules count for `parent_flagged` (empty = any rule).
    pub parent_flagged_by: Vec<String>,
    /// The author must have at least this many flags on earlier comments in the corpus.
    pub author_flags_min: Option<u32>,
}

impl ContextChecks {
    /// Whether the checks read other rules' flags (the rule then runs in the second pass).
    pub fn needs_flags(&self) -> bool {
        self.parent_flagged.is_some() || self.author_flags_min.is_some()
    }

    /// Whether no context check is set.
    pub fn is_empty(&self) -> bool {
        *self == ContextChecks::default()
    }
}

/// One rule: checks on content and context, and what to do when they hold.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique id (`insults`, or the rule file's `id`).
    pub id: String,
    /// One line saying what the rule catches.
    pub description: String,
    /// Fields the content checks read; the rule holds when all checks hold on one field.
    pub fields: Vec<Field>,
    /// Content checks (all must hold); empty means the rule is context-only.
    pub checks: Vec<Check>,
    /// Context checks (all must hold).
    pub context: ContextChecks,
    /// Severity of its flags.
    pub severity: Severity,
    /// Action of its flags.
    pub action: Action,
    /// Reason template: `{{match}}`, `{{author}}`, `{{rule}}`, `{{detail}}`.
    pub reason: String,
}

/// The placeholders a reason template may use.
pub const PLACEHOLDERS: [&str; 4] = ["match", "author", "rule", "detail"];

/// Options for compiling a rule regex.
#[derive(Debug, Clone, Copy)]
pub struct RegexOptions {
    /// Match case exactly (default: ignore case).
    pub case_sensitive: bool,
    /// Wrap the pattern in `\b…\b`.
    pub word_boundary: bool,
    /// Largest compiled size accepted, in bytes.
    pub size_limit: usize,
}

impl Default for RegexOptions {
    fn default() -> Self {
        RegexOptions {
            case_sensitive: false,
            word_boundary: false,
            size_limit: DEFAULT_REGEX_SIZE_LIMIT,
        }
    }
}

/// A compiled rule regex with, when it has Unicode word boundaries, a prefilter without
/// them for text outside ASCII.
#[derive(Debug, Clone)]
pub struct RuleRegex {
    regex: Regex,
    /// Matches wherever `regex` does (its word boundaries dropped). The regex crate's lazy
    /// DFA gives up on a Unicode `\b` at the first non-ASCII byte and falls back to a
    /// backtracking search; the prefilter lets the DFA rule out most such texts first (a
    /// tenth of the moderation time at a million comments, more on text with curly quotes).
    prefilter: Option<Regex>,
    /// A test every ASCII text the regex matches passes, run before the regex: a pattern
    /// without a literal the regex crate can search for is read byte by byte by its lazy
    /// DFA (2.5 ns a byte, over half a second of CPU at a million comments).
    required: Option<fn(&str) -> bool>,
}

impl RuleRegex {
    /// This regex, with `check` run first on ASCII texts: it must hold for every ASCII text
    /// the regex matches (a built-in pattern states what its matches need).
    pub fn with_required(mut self, check: fn(&str) -> bool) -> RuleRegex {
        self.required = Some(check);
        self
    }

    /// Whether the text may match: false only when it provably cannot.
    fn may_match(&self, value: &str) -> bool {
        if value.is_ascii() {
            self.required.is_none_or(|check| check(value))
        } else {
            self.prefilter.as_ref().is_none_or(|p| p.is_match(value))
        }
    }

    /// Byte spans of the first `max` non-empty matches in `value`.
    pub fn spans(&self, value: &str, max: usize) -> Vec<(usize, usize)> {
        if !self.may_match(value) {
            return Vec::new();
        }
        self.regex
            .find_iter(value)
            .filter(|m| !m.is_empty())
            .take(max)
            .map(|m| (m.start(), m.end()))
            .collect()
    }
}

/// Compiles a rule pattern; the error says where a bad pattern breaks and why.
pub fn compile_regex(pattern: &str, opts: RegexOptions) -> Result<RuleRegex, String> {
    // regex-syntax reports the exact span of a syntax error; the regex crate only a text
    // block, so parse first with the same flags to say where the pattern breaks.
    if let Err(e) = regex_syntax::ParserBuilder::new()
        .case_insensitive(!opts.case_sensitive)
        .build()
        .parse(pattern)
    {
        let (offset, kind) = match &e {
            regex_syntax::Error::Parse(a) => (a.span().start.offset, a.kind().to_string()),
            regex_syntax::Error::Translate(h) => (h.span().start.offset, h.kind().to_string()),
            other => (0, other.to_string()),
        };
        let column = pattern.get(..offset).map_or(offset, |p| p.chars().count()) + 1;
        return Err(format!(
            "invalid regex {pattern:?} at character {column}: {kind}"
        ));
    }
    let full = if opts.word_boundary {
        format!(r"\b(?:{pattern})\b")
    } else {
        pattern.to_string()
    };
    let regex = RegexBuilder::new(&full)
        .case_insensitive(!opts.case_sensitive)
        .size_limit(opts.size_limit)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => format!(
                "regex {pattern:?} is too large: its compiled form exceeds the size limit of {limit} bytes (simplify it or raise regex_size_limit)"
            ),
            other => format!("invalid regex {pattern:?}: {other}"),
        })?;
    // The prefilter only speeds things up: a pattern it cannot be built for goes without.
    let prefilter = regex_syntax::ParserBuilder::new()
        .case_insensitive(!opts.case_sensitive)
        .build()
        .parse(&full)
        .ok()
        .filter(|hir| hir.properties().look_set().contains_word_unicode())
        .and_then(|hir| {
            RegexBuilder::new(&rewrite(hir, WordLooks::Dropped).to_string())
                .size_limit(opts.size_limit)
                .build()
                .ok()
        });
    Ok(RuleRegex {
        regex,
        prefilter,
        required: None,
    })
}

/// Compiles a word list into one regex matching any of the words as whole words.
pub fn compile_words<S: AsRef<str>>(words: &[S], opts: RegexOptions) -> Result<RuleRegex, String> {
    let mut escaped: Vec<String> = words
        .iter()
        .map(|w| w.as_ref().trim())
        .filter(|w| !w.is_empty())
        .map(regex::escape)
        .collect();
    if escaped.is_empty() {
        return Err("the word list is empty".into());
    }
    // Longest first so "fuckwit" wins over "fuck" at the same position.
    escaped.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    escaped.dedup();
    compile_regex(&escaped.join("|"), opts)
}

/// Reads a word list: one word or phrase a line, `#` starts a comment.
pub fn parse_word_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_regex_names_the_position() {
        let e = compile_regex("ab(c", RegexOptions::default()).unwrap_err();
        assert!(e.contains("at character 3: unclosed group"), "{e}");
        let e = compile_regex("a{2,1}", RegexOptions::default()).unwrap_err();
        assert!(e.contains("at character 2"), "{e}");
    }

    #[test]
    fn size_limit_refuses_huge_patterns() {
        let opts = RegexOptions {
            size_limit: 10_000,
            ..RegexOptions::default()
        };
        let e = compile_regex(r"\w{500}", opts).unwrap_err();
        assert!(e.contains("exceeds the size limit of 10000 bytes"), "{e}");
    }

    #[test]
    fn word_lists_match_whole_words_ignoring_case() {
        let opts = RegexOptions {
            word_boundary: true,
            ..RegexOptions::default()
        };
        let re = compile_words(&["idiot", "gob shite"], opts).unwrap();
        assert!(re.regex.is_match("What an IDIOT."));
        assert!(re.regex.is_match("a gob shite"));
        assert!(!re.regex.is_match("idiotic"));
    }

    #[test]
    fn the_prefilter_never_changes_the_matches() {
        let bounded = RegexOptions {
            word_boundary: true,
            ..RegexOptions::default()
        };
        let plain = compile_regex("a.c", RegexOptions::default()).unwrap();
        assert!(plain.prefilter.is_none(), "no word boundary, no prefilter");
        let regexes = [
            compile_words(&["idiot", "gob shite", "straße"], bounded).unwrap(),
            compile_regex(r"you(?:'re| are)\s+(?:an?\s+)?\w*\s*idiot\b", bounded).unwrap(),
            compile_regex(r"\bné\b|\Bx", RegexOptions::default()).unwrap(),
        ];
        let texts = [
            "What an IDIOT’s idea, “idiot”",
            "You’re an idiot — you are an utter idiot, café idiotic",
            "Die Straße ist nicht idiotisch, né? STRASSE",
            "idiotä idiot é gob shite… émoji 🙂 idiot",
            "plain ascii idiot text, ex x",
            "Ünïcödé only, nothing to see",
            "né, ne, xné ax",
        ];
        for re in &regexes {
            assert!(re.prefilter.is_some());
            for t in texts {
                let want: Vec<(usize, usize)> = re
                    .regex
                    .find_iter(t)
                    .filter(|m| !m.is_empty())
                    .map(|m| (m.start(), m.end()))
                    .collect();
                assert_eq!(re.spans(t, usize::MAX), want, "{:?} on {t:?}", re.regex);
            }
        }
        // Outside ASCII the prefilter rules text out before the regex runs.
        let p = regexes[0].prefilter.as_ref().unwrap();
        assert!(!p.is_match("Ünïcödé only, nothing to see"));
    }
}
