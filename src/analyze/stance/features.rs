//! Features of a parent/reply pair for the stance model: TF-IDF of the reply and of the
//! parent (separate vocabularies, terms and bigrams from the crate's tokenizer), optionally
//! TF-IDF of the reply's character n-grams, and dense features from the cue lexicon and a
//! few counts.

use super::cues::{CueScores, PairText, score_in_reply_language, tokenizer_for};
use super::lexicon::Lexicon;
use crate::analyze::Stance;
use crate::text::tokenize::{normalize_word, words};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A fitted vocabulary with inverse document frequencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vocab {
    /// Terms, in column order.
    pub terms: Vec<String>,
    /// Smoothed idf of each term: ln((1+n)/(1+df)) + 1.
    pub idf: Vec<f64>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl Vocab {
    /// Whether every term has its idf (a model file's vocabulary may have been edited).
    pub fn is_consistent(&self) -> bool {
        self.idf.len() == self.terms.len()
    }

    /// Keeps the `max` terms with the highest document frequency (ties alphabetical) among
    /// those in at least `min_df` documents.
    pub fn fit(docs: &[Vec<String>], max: usize, min_df: usize) -> Vocab {
        let mut df: HashMap<&str, usize> = HashMap::new();
        for d in docs {
            let uniq: HashSet<&str> = d.iter().map(String::as_str).collect();
            for t in uniq {
                *df.entry(t).or_default() += 1;
            }
        }
        let mut kept: Vec<(&str, usize)> = df.into_iter().filter(|(_, n)| *n >= min_df).collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        kept.truncate(max);
        kept.sort_by(|a, b| a.0.cmp(b.0));
        let n = docs.len() as f64;
        let terms: Vec<String> = kept.iter().map(|(t, _)| (*t).to_string()).collect();
        let idf = kept
            .iter()
            .map(|(_, d)| ((1.0 + n) / (1.0 + *d as f64)).ln() + 1.0)
            .collect();
        let mut v = Vocab {
            terms,
            idf,
            index: HashMap::new(),
        };
        v.reindex();
        v
    }

    /// Rebuilds the lookup table (after deserialising).
    pub fn reindex(&mut self) {
        self.index = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i))
            .collect();
    }

    /// Number of columns.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Sublinear-tf TF-IDF of a document, L2-normalised, written into `row` at `offset`.
    pub fn write(&self, doc: &[String], row: &mut [f64], offset: usize) {
        let mut tf: HashMap<usize, f64> = HashMap::new();
        for t in doc {
            if let Some(&i) = self.index.get(t) {
                *tf.entry(i).or_default() += 1.0;
            }
        }
        let mut cells: Vec<(usize, f64)> = tf
            .into_iter()
            .map(|(i, n)| (i, (1.0 + f64::ln(n)) * self.idf[i]))
            .collect();
        cells.sort_by_key(|c| c.0);
        let norm = cells.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            for (i, v) in cells {
                row[offset + i] = v / norm;
            }
        }
    }
}

/// Terms and bigrams of a text, through the crate's one tokenizer.
pub fn doc_terms(text: &str) -> Vec<String> {
    tokenizer_for(text).terms_with_bigrams(text)
}

/// Every word of a reply (stop words kept: "I", "you", "not", "but" carry stance) and bigrams
/// of adjacent words, normalised by the crate's tokenizer, and with `openers` its first word
/// and first two words marked as openers. Labelling always asks for them: a vocabulary
/// trained without them has no column for them.
pub fn reply_terms(text: &str, openers: bool) -> Vec<String> {
    let lang = tokenizer_for(text).lang;
    let mut buf = String::new();
    let uni: Vec<String> = words(text)
        .map(|w| {
            normalize_word(w, lang, &mut buf);
            buf.clone()
        })
        .collect();
    let mut out = uni.clone();
    out.extend(uni.windows(2).map(|p| format!("{} {}", p[0], p[1])));
    // How a reply opens ("no", "yeah", "exactly", "thanks", "you …") says more about its
    // stance than the same word further in.
    if let Some(first) = uni.first().filter(|_| openers) {
        out.push(format!("{OPENER_MARK}{first}"));
        if let Some(second) = uni.get(1) {
            out.push(format!("{OPENER_MARK}{first} {second}"));
        }
    }
    out
}

/// Marks the reply terms that are its opening words (`^no`, `^no you`); it never occurs in
/// a normalised word.
pub const OPENER_MARK: char = '^';

/// Shortest character n-gram of [`char_ngrams`].
pub const CHAR_NGRAM_MIN: usize = 2;
/// Longest character n-gram of [`char_ngrams`].
pub const CHAR_NGRAM_MAX: usize = 5;

/// Character 2- to 5-grams of a reply within word boundaries (like scikit-learn's `char_wb`):
/// each whitespace-separated token is lower-cased and padded with one space each side, and
/// n-grams never cross tokens. They catch what word features split or miss in short,
/// misspelt social-media text: inflections ("disagree"/"disagreed"), elongations ("sooo"),
/// punctuation runs ("?!", "lol.") and word starts and ends.
pub fn char_ngrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in text.split_whitespace() {
        let padded: Vec<char> = std::iter::once(' ')
            .chain(token.chars().flat_map(char::to_lowercase))
            .map(|c| if c == '’' { '\'' } else { c })
            .chain(std::iter::once(' '))
            .collect();
        for n in CHAR_NGRAM_MIN..=CHAR_NGRAM_MAX.min(padded.len()) {
            out.extend(padded.windows(n).map(|w| w.iter().collect::<String>()));
        }
    }
    out
}

/// Names of the dense features, given the lexicon's cue ids.
pub fn dense_names(lex: &Lexicon) -> Vec<String> {
    let mut names: Vec<String> = lex.cues.iter().map(|c| format!("cue:{}", c.id)).collect();
    names.extend(
        [
            "cue:negates-parent",
            "cue:you-question",
            "context:quotes-parent",
            "context:salutation",
            "lexicon:agree",
            "lexicon:rebut",
            "lexicon:margin",
            "lexicon:flipped",
            "text:negators",
            "text:second-person",
            "text:first-person",
            "text:questions",
            "text:exclamations",
            "text:length",
            "text:parent-length",
            "text:shared-terms",
            "text:upper-case",
        ]
        .map(String::from),
    );
    names
}

/// Dense features of a pair (in [`dense_names`] order) and the cue scores behind them.
pub fn dense_features(lex: &Lexicon, parent: PairText, reply: PairText) -> (Vec<f64>, CueScores) {
    let scores = score_in_reply_language(lex, parent, reply);
    let mut f = vec![0.0; lex.cues.len()];
    let (mut neg_parent, mut you_q, mut quotes, mut salute, mut flipped) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for h in &scores.hits {
        if let Some(i) = lex.cues.iter().position(|c| c.id == h.id) {
            // A flipped cue counts against its own column.
            f[i] += if h.flipped { -1.0 } else { 1.0 };
        }
        match h.id.as_str() {
            "negates-parent" => neg_parent += 1.0,
            "you-question" => you_q += 1.0,
            "quotes-parent" => quotes += 1.0,
            "salutation" => salute += 1.0,
            _ => {}
        }
        if h.flipped {
            flipped += 1.0;
        }
    }
    let lower: Vec<String> = words(reply.text)
        .map(|w| w.to_lowercase().replace('’', "'"))
        .collect();
    let count = |pred: &dyn Fn(&str) -> bool| lower.iter().filter(|w| pred(w)).count() as f64;
    let negators = count(&|w| lex.negation.is_negator(w));
    let second = count(&|w| {
        matches!(
            w,
            "you" | "your" | "you're" | "yours" | "yourself" | "u" | "ur"
        )
    });
    let first = count(&|w| matches!(w, "i" | "me" | "my" | "i'm" | "we" | "our" | "us"));
    let upper = words(reply.text)
        .filter(|w| {
            w.chars().count() > 1
                && w.chars().all(|c| !c.is_lowercase())
                && w.chars().any(char::is_uppercase)
        })
        .count() as f64;
    let n_words = lower.len() as f64;
    let reply_terms: HashSet<String> = tokenizer_for(reply.text)
        .terms(reply.text)
        .into_iter()
        .collect();
    let parent_terms: HashSet<String> = tokenizer_for(parent.text)
        .terms(parent.text)
        .into_iter()
        .collect();
    let shared = if reply_terms.is_empty() {
        0.0
    } else {
        reply_terms.intersection(&parent_terms).count() as f64 / reply_terms.len() as f64
    };
    let ln1p = |x: f64| x.ln_1p();
    let side = |s: Stance| match s {
        Stance::Agree => scores.agree,
        Stance::Rebut => scores.rebut,
        Stance::Neutral => 0.0,
    };
    f.extend([
        neg_parent,
        you_q,
        quotes,
        salute,
        ln1p(side(Stance::Agree)),
        ln1p(side(Stance::Rebut)),
        (scores.agree - scores.rebut).tanh(),
        flipped,
        ln1p(negators),
        ln1p(second),
        ln1p(first),
        ln1p(reply.text.matches('?').count() as f64),
        ln1p(reply.text.matches('!').count() as f64),
        ln1p(n_words) / 5.0,
        ln1p(words(parent.text).count() as f64) / 5.0,
        shared,
        if n_words > 0.0 { upper / n_words } else { 0.0 },
    ]);
    (f, scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_ngrams_pad_each_token_and_never_cross_tokens() {
        let g = char_ngrams("No!  ok");
        let want: Vec<&str> = vec![
            // " no! " (5 chars): 2-, 3-, 4- and 5-grams.
            " n", "no", "o!", "! ", " no", "no!", "o! ", " no!", "no! ", " no! ",
            // " ok " (4 chars): no 5-gram.
            " o", "ok", "k ", " ok", "ok ", " ok ",
        ];
        assert_eq!(g, want);
        assert!(
            !g.iter().any(|s| s.contains("! o")),
            "crossed tokens: {g:?}"
        );
    }

    #[test]
    fn char_ngrams_lower_case_and_straighten_apostrophes() {
        assert_eq!(char_ngrams("DON’T"), char_ngrams("don't"));
        // A one-letter token still yields its padded 2- and 3-grams.
        assert_eq!(char_ngrams("I"), vec![" i", "i ", " i "]);
        assert!(char_ngrams(" \n\t").is_empty());
    }

    #[test]
    fn reply_terms_mark_the_opening_words() {
        let t = reply_terms("No, you are wrong. No way.", true);
        assert_eq!(t.iter().filter(|w| w.starts_with('^')).count(), 2, "{t:?}");
        assert!(t.contains(&"^no".to_string()) && t.contains(&"^no you".to_string()));
        // The same word further in is an ordinary term only.
        assert_eq!(t.iter().filter(|w| *w == "no").count(), 2);
        assert_eq!(reply_terms("Exactly", true), ["exactly", "^exactly"]);
        assert_eq!(reply_terms("Exactly", false), ["exactly"]);
        assert!(reply_terms("?!", true).is_empty());
    }

    #[test]
    fn vocab_keeps_frequent_terms_and_writes_unit_rows() {
        let docs: Vec<Vec<String>> = ["ab ab cd", "ab ef", "cd ef", "gh"]
            .iter()
            .map(|d| d.split(' ').map(String::from).collect())
            .collect();
        let v = Vocab::fit(&docs, 2, 2);
        // ab, cd and ef each occur in two documents; ties go alphabetically; gh is too rare.
        assert_eq!(v.terms, ["ab", "cd"]);
        let mut row = vec![0.0; 3];
        v.write(&docs[0], &mut row, 1);
        assert_eq!(row[0], 0.0);
        let norm: f64 = row.iter().map(|x| x * x).sum::<f64>();
        assert!((norm - 1.0).abs() < 1e-12);
        // Sublinear tf: "ab" twice weighs 1 + ln 2 against "cd" once (equal idf).
        assert!((row[1] / row[2] - (1.0 + 2f64.ln())).abs() < 1e-12);
    }
}
