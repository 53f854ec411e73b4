//! Finding the cues of a reply toward its parent: lexicon phrases (with negation flips),
//! denial of a parent claim, questions put to "you", and the context that frames them (a
//! salutation naming the parent's author, passages quoted from the parent).

use super::lexicon::{Lexicon, Negation, Position};
use crate::analyze::Stance;
use crate::text::Language;
use crate::text::tokenize::{LanguageVote, Tokenizer, normalize_word, push_lowercase, words};
use rustc_hash::FxHashSet as HashSet;
use std::cell::OnceCell;

/// One side of a pair: its text and, when known, its author.
#[derive(Debug, Clone, Copy)]
pub struct PairText<'a> {
    /// The comment text.
    pub text: &'a str,
    /// The author, when known.
    pub author: Option<&'a str>,
}

/// A matched cue in the reply.
#[derive(Debug, Clone, PartialEq)]
pub struct CueHit {
    /// Cue id (a lexicon id, `negates-parent`, `you-question`, or `salutation`/`quotes-parent`
    /// for context).
    pub id: String,
    /// The side it counts for; `None` for context.
    pub side: Option<Stance>,
    /// Weight counted for `side`.
    pub weight: f64,
    /// True when a negator turned the cue around.
    pub flipped: bool,
    /// Byte offsets in the reply text.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
    /// Why it counts.
    pub why: String,
}

/// Everything the lexicon found in one reply.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CueScores {
    /// Sum of agreement weights.
    pub agree: f64,
    /// Sum of rebuttal weights.
    pub rebut: f64,
    /// Counted hits (non-overlapping), then context hits, each group by position.
    pub hits: Vec<CueHit>,
}

/// A word of a text with its byte offsets and where its lower-cased form sits in
/// [`WordList::lowered`].
struct Word {
    start: usize,
    end: usize,
    lower: (u32, u32),
}

/// The words of a text, their lower-cased forms in one buffer: a `String` a word (an
/// allocation and a free per word) was about a twentieth of the stance time at a million
/// replies.
struct WordList {
    words: Vec<Word>,
    lowered: String,
    /// Whether a word's curly apostrophe was straightened in `lowered`.
    straightened: bool,
}

impl WordList {
    /// The words of `text`.
    fn new(text: &str) -> WordList {
        let base = text.as_ptr() as usize;
        let mut lowered = String::with_capacity(text.len());
        let mut straightened = false;
        let words = words(text)
            .map(|w| {
                let start = w.as_ptr() as usize - base;
                let at = lowered.len();
                push_lowercase(w, &mut lowered);
                if lowered[at..].contains('’') {
                    straightened = true;
                    let straight = lowered[at..].replace('’', "'");
                    lowered.truncate(at);
                    lowered.push_str(&straight);
                }
                Word {
                    start,
                    end: start + w.len(),
                    lower: (at as u32, lowered.len() as u32),
                }
            })
            .collect();
        WordList {
            words,
            lowered,
            straightened,
        }
    }

    /// The language of `text` (these are its words), guessed from the lower-cased words
    /// before their apostrophes are straightened, as [`crate::text::detect_language`] sees
    /// them.
    fn language(&self, text: &str) -> Language {
        if self.straightened {
            // The vote reads curly apostrophes as written, which `lowered` no longer has.
            return crate::text::detect_language(text);
        }
        let mut vote = LanguageVote::default();
        for w in &self.words {
            if vote.is_full() {
                break;
            }
            vote.add(self.lower(w));
        }
        vote.language()
    }

    /// The lower-cased form of `w` (a word of this list), apostrophes straight.
    fn lower(&self, w: &Word) -> &str {
        self.lowered
            .get(w.lower.0 as usize..w.lower.1 as usize)
            .unwrap_or_default()
    }
}

/// Whether the gap between two words is free of clause punctuation.
fn joined(text: &str, a: &Word, b: &Word) -> bool {
    text.get(a.end..b.start).is_some_and(|gap| {
        !gap.contains(['.', ',', ';', ':', '!', '?', '\n', '(', ')', '"', '“', '”'])
    })
}

/// Finds the cues of `reply` toward `parent`, reading terms with `tokenizer`.
pub fn score(lex: &Lexicon, tokenizer: &Tokenizer, parent: PairText, reply: PairText) -> CueScores {
    let words = WordList::new(reply.text);
    score_words(lex, &PairTokenizer::Given(tokenizer), parent, reply, &words)
}

/// Finds the cues of `reply` toward `parent`, reading terms in the reply's language (the
/// language is guessed from the words the cues read anyway: the reply is split once).
pub fn score_in_reply_language(lex: &Lexicon, parent: PairText, reply: PairText) -> CueScores {
    let words = WordList::new(reply.text);
    let tokenizer = PairTokenizer::OfReply {
        words: &words,
        text: reply.text,
        guessed: OnceCell::new(),
    };
    score_words(lex, &tokenizer, parent, reply, &words)
}

/// The tokenizer a pair's terms are read with: the one given, or that of the reply's
/// language, guessed the first time a term is read. Most replies quote nothing and deny
/// nothing, so they need no terms: guessing the language of every reply was a quarter of
/// splitting it into words.
enum PairTokenizer<'a> {
    /// The caller's.
    Given(&'a Tokenizer),
    /// The language of the reply, `text`, whose word list is `words`.
    OfReply {
        words: &'a WordList,
        text: &'a str,
        guessed: OnceCell<Tokenizer>,
    },
}

impl PairTokenizer<'_> {
    fn get(&self) -> &Tokenizer {
        match self {
            PairTokenizer::Given(t) => t,
            PairTokenizer::OfReply {
                words,
                text,
                guessed,
            } => guessed.get_or_init(|| Tokenizer::new(words.language(text))),
        }
    }
}

fn score_words(
    lex: &Lexicon,
    tokenizer: &PairTokenizer,
    parent: PairText,
    reply: PairText,
    reply_words: &WordList,
) -> CueScores {
    let text = reply.text;
    let mut context = Vec::new();

    // Salutation: frames the reply and moves its "start" past the name.
    let mut body_start = 0;
    if let Some(caps) = lex.salutation.captures(text)
        && let (Some(all), Some(name)) = (caps.get(0), caps.get(1))
    {
        let opener_is_at = all.as_str().trim_start().starts_with('@');
        let capitalised = name.as_str().chars().next().is_some_and(char::is_uppercase);
        if opener_is_at || capitalised {
            body_start = all.end();
            let names_parent = parent.author.is_some_and(|a| {
                let n = name.as_str().trim().to_lowercase();
                let a = a.trim().to_lowercase();
                !a.is_empty() && (n == a || n.starts_with(&a) || a.starts_with(&n))
            });
            context.push(CueHit {
                id: "salutation".into(),
                side: None,
                weight: 0.0,
                flipped: false,
                start: all.start() + (all.len() - all.as_str().trim_start().len()),
                end: name.end(),
                why: if names_parent {
                    "addresses the parent's author by name".into()
                } else {
                    "addresses someone by name".into()
                },
            });
        }
    }

    // Quoted passages that come from the parent: their words are the parent's, not the
    // reply's, so no cue inside them counts.
    let parent_terms = LazyTerms::new(tokenizer, parent.text);
    let mut quoted: Vec<(usize, usize)> = Vec::new();
    for (s, e) in quote_spans(text) {
        let terms = tokenizer.get().terms(&text[s..e]);
        if terms.len() < 3 {
            continue;
        }
        let shared = terms
            .iter()
            .filter(|t| parent_terms.get().contains(*t))
            .count();
        if shared as f64 >= lex.context.quote_overlap * terms.len() as f64 {
            quoted.push((s, e));
            context.push(CueHit {
                id: "quotes-parent".into(),
                side: None,
                weight: 0.0,
                flipped: false,
                start: s,
                end: e,
                why: "quotes the parent (cues inside are not counted)".into(),
            });
        }
    }
    let in_quote = |s: usize, e: usize| quoted.iter().any(|&(qs, qe)| s < qe && e > qs);

    let start_limit = reply_words
        .words
        .iter()
        .filter(|w| w.start >= body_start)
        .nth(lex.settings.start_words)
        .map_or(text.len(), |w| w.start);

    let mut candidates: Vec<CueHit> = Vec::new();
    for (ci, ai) in lex.alternatives_that_may_match(text) {
        let Some((cue, alternative)) = lex
            .cues
            .get(ci)
            .and_then(|c| Some((c, c.alternatives.get(ai)?)))
        else {
            continue;
        };
        for m in alternative.find_iter(text) {
            let (s, e) = (m.start(), m.end());
            if s == e || in_quote(s, e) {
                continue;
            }
            if cue.position == Position::Start && (s < body_start || s >= start_limit) {
                continue;
            }
            let flipped = negated_before(lex, text, reply_words, s);
            let side = match (cue.stance, flipped) {
                (side, false) => side,
                (Stance::Agree, true) => Stance::Rebut,
                (_, true) => Stance::Agree,
            };
            candidates.push(CueHit {
                id: cue.id.clone(),
                side: Some(side),
                weight: cue.weight,
                flipped,
                start: s,
                end: e,
                why: if flipped {
                    format!("negated: {}", cue.why)
                } else {
                    cue.why.clone()
                },
            });
        }
    }

    // Denial of a parent claim: "NATO is not involved" answering a comment about NATO.
    let reply_denials = denials(lex, tokenizer, text, reply_words, &parent_terms);
    // What the parent denies itself only matters once the reply denies something.
    let parent_denied = if reply_denials.is_empty() {
        HashSet::default()
    } else {
        let parent_words = WordList::new(parent.text);
        denied_terms(lex, tokenizer, parent.text, &parent_words, &parent_terms)
    };
    for (term, s, e) in reply_denials {
        if parent_denied.contains(&term) || in_quote(s, e) {
            continue;
        }
        candidates.push(CueHit {
            id: "negates-parent".into(),
            side: Some(Stance::Rebut),
            weight: lex.negation.parent_claim_weight,
            flipped: false,
            start: s,
            end: e,
            why: format!("{} ({term:?})", lex.negation.parent_claim_why),
        });
    }

    // Keep the longest of overlapping hits (then the heavier, then the earlier).
    candidates.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(b.weight.total_cmp(&a.weight))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<CueHit> = Vec::new();
    for c in candidates {
        if !kept.iter().any(|k| c.start < k.end && c.end > k.start) {
            kept.push(c);
        }
    }

    // A question put to "you" that no other cue explains is a weak challenge.
    if lex.context.you_question_weight > 0.0 {
        for (s, e) in question_sentences(text, body_start) {
            if in_quote(s, e) || kept.iter().any(|k| k.start < e && k.end > s) {
                continue;
            }
            let to_you = reply_words
                .words
                .iter()
                .filter(|w| w.start >= s && w.end <= e)
                .any(|w| matches!(reply_words.lower(w), "you" | "your" | "you're" | "yours"));
            if to_you {
                kept.push(CueHit {
                    id: "you-question".into(),
                    side: Some(Stance::Rebut),
                    weight: lex.context.you_question_weight,
                    flipped: false,
                    start: s,
                    end: e,
                    why: "questions the parent's author directly".into(),
                });
            }
        }
    }
    kept.sort_by_key(|h| (h.start, h.end));
    context.sort_by_key(|h| (h.start, h.end));
    let mut out = CueScores::default();
    for h in &kept {
        match h.side {
            Some(Stance::Agree) => out.agree += h.weight,
            Some(Stance::Rebut) => out.rebut += h.weight,
            _ => {}
        }
    }
    out.hits = kept;
    out.hits.extend(context);
    out
}

/// Whether a negator occurs among the `negation_window` words before byte `at`, in the
/// same clause ("No, that is wrong" does not negate "that is wrong").
fn negated_before(lex: &Lexicon, text: &str, list: &WordList, at: usize) -> bool {
    let sentence_start = text
        .get(..at)
        .and_then(|t| t.rfind(['.', '!', '?', '\n', ';', ',', ':']))
        .map_or(0, |i| i + 1);
    list.words
        .iter()
        .filter(|w| w.end <= at && w.start >= sentence_start)
        .rev()
        .take(lex.settings.negation_window)
        .any(|w| lex.negation.is_negator(list.lower(w)))
}

/// Content terms of `terms` that the text denies: `TERM aux [adverb] not`, `TERM isn't`,
/// `aux not [det] TERM`. Returns (term, start, end) of each denial. The shape is checked
/// before the term, so the terms are only read (and the parent tokenised) where a denial
/// could be.
fn denials(
    lex: &Lexicon,
    tokenizer: &PairTokenizer,
    text: &str,
    list: &WordList,
    terms: &LazyTerms,
) -> Vec<(String, usize, usize)> {
    let neg = &lex.negation;
    let words = &list.words;
    // Each word's negation bits, looked up once (the checks below ask up to five times).
    let kinds: Vec<u8> = words.iter().map(|w| neg.kind(list.lower(w))).collect();
    let has = |i: usize, bit: u8| kinds.get(i).is_some_and(|k| k & bit != 0);
    let (aux, adv, negator) = (Negation::AUXILIARY, Negation::ADVERB, Negation::NEGATOR);
    // Every denial holds a negator (a word ending in "n't" is one): most texts have none.
    if !kinds.iter().any(|k| k & negator != 0) {
        return Vec::new();
    }
    // Words like "isn't": a denial on their own.
    let contracted = |i: usize| {
        words.get(i).is_some_and(|w| {
            let l = list.lower(w);
            l.ends_with("n't") && l != "n't"
        })
    };
    let mut buf = String::new();
    let mut term_at = |i: usize| -> Option<String> {
        let w = words.get(i)?;
        normalize_word(&text[w.start..w.end], tokenizer.get().lang, &mut buf);
        terms.get().contains(buf.as_str()).then(|| buf.clone())
    };
    let mut out = Vec::new();
    for i in 0..words.len() {
        // TERM isn't … / TERM is [still] not …: the end of the denial after the term.
        let mut after = None;
        // The words are checked before the gap between them (which reads the text).
        let next_contracted = contracted(i + 1);
        if let Some(n1) = words.get(i + 1)
            && (next_contracted || has(i + 1, aux))
            && joined(text, &words[i], n1)
        {
            if next_contracted {
                after = Some(n1.end);
            } else {
                let mut j = i + 2;
                if has(j, adv) {
                    j += 1;
                }
                if let Some(n) = words.get(j)
                    && has(j, negator)
                    && joined(text, &words[j - 1], n)
                {
                    after = Some(n.end);
                }
            }
        }
        // … is not [the] TERM: the start of the denial before the term.
        let mut before = None;
        let mut k = i;
        if k >= 1 && matches!(list.lower(&words[k - 1]), "a" | "an" | "the") {
            k -= 1;
        }
        if k >= 2 {
            let (a, n) = (&words[k - 2], &words[k - 1]);
            if has(k - 2, aux)
                && has(k - 1, negator)
                && joined(text, a, n)
                && joined(text, n, &words[k])
            {
                before = Some(a.start);
            }
        }
        let (start, end) = match (after, before) {
            (Some(end), _) => (words[i].start, end),
            (None, Some(start)) => (start, words[i].end),
            (None, None) => continue,
        };
        if let Some(term) = term_at(i) {
            out.push((term, start, end));
        }
    }
    out
}

/// A text's terms as a set, tokenised on first use: most replies never need their parent's.
struct LazyTerms<'a> {
    tokenizer: &'a PairTokenizer<'a>,
    text: &'a str,
    set: OnceCell<HashSet<String>>,
}

impl<'a> LazyTerms<'a> {
    fn new(tokenizer: &'a PairTokenizer<'a>, text: &'a str) -> LazyTerms<'a> {
        LazyTerms {
            tokenizer,
            text,
            set: OnceCell::new(),
        }
    }

    fn get(&self) -> &HashSet<String> {
        self.set
            .get_or_init(|| self.tokenizer.get().terms(self.text).into_iter().collect())
    }
}

/// The terms a text denies about itself (used to skip denials the parent already made).
fn denied_terms(
    lex: &Lexicon,
    tokenizer: &PairTokenizer,
    text: &str,
    words: &WordList,
    terms: &LazyTerms,
) -> HashSet<String> {
    denials(lex, tokenizer, text, words, terms)
        .into_iter()
        .map(|(t, _, _)| t)
        .collect()
}

/// Byte spans of quoted passages: “…”, „…“, "…" on one paragraph, and lines starting with `>`.
fn quote_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('>') {
            out.push((offset, offset + line.trim_end().len()));
        }
        offset += line.len();
    }
    for (open, close) in [('“', '”'), ('„', '“'), ('"', '"')] {
        let mut from = 0;
        while let Some(s) = text[from..].find(open).map(|i| from + i) {
            let body = s + open.len_utf8();
            let Some(e) = text[body..].find(close).map(|i| body + i) else {
                break;
            };
            if !text[body..e].contains("\n\n") {
                out.push((s, e + close.len_utf8()));
            }
            from = e + close.len_utf8();
        }
    }
    out
}

/// Byte spans of the sentences that end in a question mark, from `from` on.
fn question_sentences(text: &str, from: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = from;
    // The ends are ASCII, so bytes are read instead of chars (no byte of a longer char is
    // ASCII): every reply is read through here.
    let tail = text.as_bytes().get(from..).unwrap_or_default();
    for (i, &b) in tail.iter().enumerate().map(|(i, b)| (from + i, b)) {
        if matches!(b, b'.' | b'!' | b'?' | b'\n') {
            if b == b'?' {
                let s = start + (text[start..i].len() - text[start..i].trim_start().len());
                if s < i {
                    out.push((s, i + 1));
                }
            }
            start = i + 1;
        }
    }
    out
}

/// The tokenizer to use for a pair (language of the reply).
pub fn tokenizer_for(text: &str) -> Tokenizer {
    Tokenizer::new(crate::text::detect_language(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize::Language;

    fn english() -> Tokenizer {
        Tokenizer::new(Language::English)
    }

    fn run(parent: &str, reply: &str) -> CueScores {
        let lex = Lexicon::builtin();
        score(
            &lex,
            &english(),
            PairText {
                text: parent,
                author: Some("Ann"),
            },
            PairText {
                text: reply,
                author: None,
            },
        )
    }

    proptest::proptest! {
        /// The language guessed from a reply's word list, when a term is first read, is
        /// the language guessed from its text (curly apostrophes included: "don’t" is no
        /// stop word as written, "don't" is).
        #[test]
        fn word_list_language_equals_detecting_it_from_the_text(
            picks in proptest::collection::vec(0usize..16, 0..40),
        ) {
            const PIECES: [&str; 16] = [
                "don’t", "don't", "die", "der", "und", "the", "and", "isn’t", "nicht",
                "NATO", "ist", "is", "’", " ", ", ", "Über",
            ];
            let text = picks.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(" ");
            let words = WordList::new(&text);
            proptest::prop_assert_eq!(words.language(&text), crate::text::detect_language(&text));
        }
    }

    #[test]
    fn word_list_language_counts_only_the_first_words_the_vote_reads() {
        // English for the vote's first 2,000 words, German after them.
        let text = format!(
            "{} {}",
            "the and it’s ".repeat(700),
            "die der und nicht ".repeat(1000)
        );
        let words = WordList::new(&text);
        assert!(words.straightened);
        assert_eq!(words.language(&text), Language::English);
        assert_eq!(crate::text::detect_language(&text), Language::English);
        // The same with straight apostrophes: the vote reads the word list itself, and stops
        // where `detect_language` stops.
        let straight = text.replace('’', "'");
        let words = WordList::new(&straight);
        assert!(!words.straightened);
        assert_eq!(words.language(&straight), Language::English);
        assert_eq!(crate::text::detect_language(&straight), Language::English);
        let german = "die der und nicht ".repeat(10);
        assert_eq!(WordList::new(&german).language(&german), Language::German);
    }

    #[test]
    fn scoring_in_the_reply_language_equals_guessing_it_first() {
        let lex = Lexicon::builtin();
        let pairs = [
            (
                "NATO is involved in Syria.",
                "So far, NATO is not involved in Syria. Isn’t it?",
            ),
            (
                "Die NATO ist nicht beteiligt.",
                "Das stimmt nicht, die NATO ist doch beteiligt und das weißt du.",
            ),
            (
                "Gas pipelines explain it.",
                "I don’t agree: der Krieg ist nicht wegen Gas.",
            ),
            (
                "Der Kurs der Regierung steigt.",
                "Der Kurs ist nicht gestiegen, das weißt du.",
            ),
        ];
        for (parent, reply) in pairs {
            let p = PairText {
                text: parent,
                author: None,
            };
            let r = PairText {
                text: reply,
                author: None,
            };
            let guessed = score(&lex, &tokenizer_for(reply), p, r);
            assert_eq!(score_in_reply_language(&lex, p, r), guessed, "{reply}");
        }
        // A reply in German is read with the German tokenizer (its denial terms differ):
        // the last reply denies "kurs", where English plural rules would read "kur".
        assert_eq!(tokenizer_for(pairs[1].1).lang, Language::German);
        let (p, r) = (
            PairText {
                text: pairs[3].0,
                author: None,
            },
            PairText {
                text: pairs[3].1,
                author: None,
            },
        );
        assert_ne!(
            score_in_reply_language(&lex, p, r),
            score(&lex, &english(), p, r)
        );
    }

    fn ids(s: &CueScores) -> Vec<(&str, Option<Stance>, &str)> {
        s.hits
            .iter()
            .map(|h| (h.id.as_str(), h.side, h.why.as_str()))
            .collect()
    }

    #[test]
    fn negated_agreement_flips() {
        let s = run("Masks work.", "I don't agree at all.");
        assert_eq!(s.hits[0].id, "agree-word");
        assert_eq!(s.hits[0].side, Some(Stance::Rebut));
        assert!(s.hits[0].flipped);
        assert!(s.rebut > s.agree);
    }

    #[test]
    fn denial_of_a_parent_term() {
        let s = run(
            "The pipeline through Syria matters.",
            "The pipeline is still not built.",
        );
        let h = s.hits.iter().find(|h| h.id == "negates-parent").unwrap();
        assert_eq!(
            &"The pipeline is still not built."[h.start..h.end],
            "pipeline is still not"
        );
        // A term the parent never used is not a denial.
        let s = run(
            "The pipeline through Syria matters.",
            "Turkey is not involved.",
        );
        assert!(
            s.hits.iter().all(|h| h.id != "negates-parent"),
            "{:?}",
            ids(&s)
        );
        // Nor is repeating the parent's own denial.
        let s = run("Syria is not the issue.", "Right, Syria is not the issue.");
        assert!(
            s.hits.iter().all(|h| h.id != "negates-parent"),
            "{:?}",
            ids(&s)
        );
    }

    #[test]
    fn question_sentences_run_from_the_last_end_to_the_question_mark() {
        let text = "Café first. Où est-il? Well…  why “not”?\nFin? ";
        let spans: Vec<&str> = question_sentences(text, 0)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(spans, ["Où est-il?", "Well…  why “not”?", "Fin?"]);
        // From a later start (after a salutation), earlier text is not read.
        let from = text.find("est").unwrap();
        assert_eq!(
            question_sentences(text, from)[0],
            (from, text.find('?').unwrap() + 1)
        );
    }

    #[test]
    fn quoted_parent_words_do_not_count_and_salutation_is_context() {
        let parent = "You are wrong about the vaccine rollout schedule in Europe.";
        let reply =
            "Ann, you wrote \"you are wrong about the vaccine rollout schedule\" and I agree.";
        let s = run(parent, reply);
        assert!(s.hits.iter().any(|h| h.id == "quotes-parent"));
        assert!(
            s.hits.iter().all(|h| h.id != "you-are-wrong"),
            "{:?}",
            ids(&s)
        );
        assert!(s.agree > s.rebut);
        let s = run("Hello.", "Hi Ann, exactly! Good point.");
        let sal = s.hits.iter().find(|h| h.id == "salutation").unwrap();
        assert_eq!(sal.why, "addresses the parent's author by name");
        // "exactly!" counts as an opener because the start is measured after the salutation.
        assert!(
            s.hits.iter().any(|h| h.id == "agree-opener"),
            "{:?}",
            ids(&s)
        );
    }

    #[test]
    fn openers_count_only_at_the_start() {
        assert!(
            run("x", "No, that is not so.")
                .hits
                .iter()
                .any(|h| h.id == "contrast-opener")
        );
        let s = run(
            "x",
            "There were many people and some said no, to be honest.",
        );
        assert!(
            s.hits.iter().all(|h| h.id != "contrast-opener"),
            "{:?}",
            ids(&s)
        );
    }
}
