//! The one tokenizer of the crate: Unicode-aware words, lower-cased, stop words of the
//! thread's language removed, possessives and regular plurals normalised.
//!
//! Every analyzer (clustering, stance, moderation similarity) goes through this module so that
//! a term means the same thing everywhere.

/// Languages with stop-word lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Language {
    /// English (the default when nothing else is detected).
    #[default]
    English,
    /// German.
    German,
}

impl Language {
    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::German => "de",
        }
    }
}

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::LazyLock;

const ENGLISH_STOP: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "almost",
    "also",
    "although",
    "always",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "anyone",
    "anything",
    "are",
    "aren't",
    "around",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "could",
    "couldn't",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don't",
    "down",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "etc",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "got",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "he'd",
    "he'll",
    "he's",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "ie",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "least",
    "less",
    "let",
    "let's",
    "like",
    "ll",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "mustn't",
    "my",
    "myself",
    "neither",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "others",
    "otherwise",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "perhaps",
    "quite",
    "rather",
    "re",
    "really",
    "same",
    "say",
    "says",
    "said",
    "see",
    "seem",
    "seems",
    "shall",
    "shan't",
    "she",
    "she'd",
    "she'll",
    "she's",
    "should",
    "shouldn't",
    "since",
    "so",
    "some",
    "something",
    "still",
    "such",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "therefore",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "use",
    "very",
    "via",
    "was",
    "wasn't",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "well",
    "were",
    "weren't",
    "what",
    "what's",
    "whatever",
    "when",
    "where",
    "whereas",
    "whether",
    "which",
    "while",
    "who",
    "who's",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "won't",
    "would",
    "wouldn't",
    "yet",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "s",
    "t",
    "d",
    "m",
    "ve",
    "don",
    "didn",
    "doesn",
    "isn",
    "wasn",
    "aren",
    "weren",
    "won",
    "wouldn",
    "couldn",
    "shouldn",
    "going",
    "way",
    "make",
    "made",
    "many",
    "two",
    "three",
    "first",
    "yes",
    "oh",
];

const GERMAN_STOP: &[&str] = &[
    "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "ander",
    "andere", "anderen", "anderer", "anderes", "auch", "auf", "aus", "bei", "beim", "bin", "bis",
    "bist", "da", "dabei", "damit", "dann", "das", "dass", "daß", "dein", "deine", "dem", "den",
    "denn", "der", "des", "desto", "dich", "die", "dies", "diese", "diesem", "diesen", "dieser",
    "dieses", "dir", "doch", "dort", "du", "durch", "ein", "eine", "einem", "einen", "einer",
    "eines", "einfach", "er", "es", "etwas", "euch", "euer", "eure", "für", "gab", "ganz", "gar",
    "gegen", "gibt", "hab", "habe", "haben", "hat", "hatte", "hätte", "hier", "hin", "hinter",
    "ich", "ihm", "ihn", "ihnen", "ihr", "ihre", "ihrem", "ihren", "ihrer", "im", "immer", "in",
    "ins", "ist", "ja", "jede", "jedem", "jeden", "jeder", "jedes", "jetzt", "kann", "kein",
    "keine", "keinem", "keinen", "keiner", "können", "könnte", "man", "mal", "mehr", "mein",
    "meine", "meinem", "meinen", "meiner", "mich", "mir", "mit", "muss", "nach", "nicht", "nichts",
    "noch", "nun", "nur", "ob", "oder", "ohne", "schon", "sehr", "sein", "seine", "seinem",
    "seinen", "seiner", "selbst", "sich", "sie", "sind", "so", "solche", "soll", "sollte",
    "sondern", "sonst", "über", "um", "und", "uns", "unser", "unsere", "unter", "viel", "vom",
    "von", "vor", "war", "waren", "warum", "was", "weil", "welche", "wenn", "wer", "werden", "wie",
    "wieder", "will", "wir", "wird", "wo", "wurde", "würde", "zu", "zum", "zur", "zwar",
    "zwischen", "eben", "halt", "wohl", "etwa", "bzw", "dafür", "darauf", "darüber", "davon",
    "dazu", "hatten", "habt", "ihnen", "ihres", "einige", "viele", "vielen",
];

/// Words that end in "s" but are not plurals, kept as they are.
const NOT_PLURAL: &[&str] = &[
    "news",
    "series",
    "species",
    "means",
    "always",
    "perhaps",
    "whereas",
    "various",
    "politics",
    "physics",
    "economics",
    "ethics",
    "lens",
    "yes",
    "this",
    "thus",
    "was",
    "has",
    "does",
    "is",
    "his",
    "its",
    "us",
    "as",
    "gas",
    "bus",
    "plus",
    "isis",
    "texas",
    "paris",
    "chaos",
    "atlas",
    "bias",
    "canvas",
    "alias",
    "christmas",
    "athens",
    "ukraines",
    "tunis",
    "hamas",
    "cyprus",
    "less",
    "unless",
    "across",
    "nevertheless",
    "analysis",
    "crisis",
    "thesis",
    "basis",
];

// Maps and sets built once: a linear scan of a 300-word list per token was an eighth of the
// clustering time at 100k comments.
/// Every stop word with the languages it belongs to ([`ENGLISH_BIT`], [`GERMAN_BIT`]): one
/// lookup answers both lists, which the language guess asks of every word.
static STOP_LANGS: LazyLock<HashMap<&'static str, u8>> = LazyLock::new(|| {
    let mut m: HashMap<&'static str, u8> = HashMap::default();
    for (list, bit) in [(ENGLISH_STOP, ENGLISH_BIT), (GERMAN_STOP, GERMAN_BIT)] {
        for &w in list {
            *m.entry(w).or_default() |= bit;
        }
    }
    m
});
/// The longest stop word in bytes: a longer word is not looked up (most content words).
static LONGEST_STOP: LazyLock<usize> =
    LazyLock::new(|| STOP_LANGS.keys().map(|w| w.len()).max().unwrap_or(0));
const ENGLISH_BIT: u8 = 1;
const GERMAN_BIT: u8 = 2;
static NOT_PLURAL_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| NOT_PLURAL.iter().copied().collect());

/// The languages whose stop-word list holds `word` (lower-cased), as bits.
fn stop_languages(word: &str) -> u8 {
    if word.len() > *LONGEST_STOP {
        return 0;
    }
    STOP_LANGS.get(word).copied().unwrap_or(0)
}

/// Whether `word` (lower-cased) is a stop word of `lang`.
pub fn is_stopword(word: &str, lang: Language) -> bool {
    let bit = match lang {
        Language::English => ENGLISH_BIT,
        Language::German => GERMAN_BIT,
    };
    stop_languages(word) & bit != 0
}

/// The language guess: stop words of each list counted over the first words of a text, fed
/// one lower-cased word at a time (so an analyzer that lower-cases the words anyway guesses
/// the language in the same pass).
#[derive(Debug, Clone, Copy, Default)]
pub struct LanguageVote {
    english: usize,
    german: usize,
    words: usize,
}

impl LanguageVote {
    /// Words counted at most: the rest of a long text does not change the guess.
    pub const MAX_WORDS: usize = 2000;

    /// Counts one word as lower-cased by [`push_lowercase`] (words past the first
    /// [`LanguageVote::MAX_WORDS`] are not counted).
    pub fn add(&mut self, lower: &str) {
        if self.words >= LanguageVote::MAX_WORDS {
            return;
        }
        self.words += 1;
        let langs = stop_languages(lower);
        self.english += usize::from(langs & ENGLISH_BIT != 0);
        self.german += usize::from(langs & GERMAN_BIT != 0);
    }

    /// Counts the words of `text`, lower-cased in one buffer (no allocation per ASCII word),
    /// until [`LanguageVote::MAX_WORDS`] are counted.
    pub fn add_words(&mut self, text: &str) {
        let mut buf = String::new();
        for w in words(text) {
            if self.is_full() {
                return;
            }
            buf.clear();
            push_lowercase(w, &mut buf);
            self.add(&buf);
        }
    }

    /// Whether [`LanguageVote::MAX_WORDS`] words were counted (more change nothing).
    pub fn is_full(&self) -> bool {
        self.words >= LanguageVote::MAX_WORDS
    }

    /// German when its stop words outnumber English ones, else English.
    pub fn language(&self) -> Language {
        if self.german > self.english {
            Language::German
        } else {
            Language::English
        }
    }
}

/// Guesses the language of a text by counting stop words of each list.
pub fn detect_language(text: &str) -> Language {
    let mut vote = LanguageVote::default();
    vote.add_words(text);
    vote.language()
}

/// Appends `word` lower-cased to `out`: an ASCII word without decoding it, any other by
/// `str::to_lowercase` (which knows a word-final sigma). The one lower-casing of a raw word
/// for the analyzers that compare words as written (language guess, stance cues,
/// near-duplicate shingles); terms go through [`normalize_word`].
pub fn push_lowercase(word: &str, out: &mut String) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&word.to_lowercase());
    }
}

/// Raw words: maximal runs of letters, digits and inner apostrophes or hyphens, as written.
pub fn words(text: &str) -> Words<'_> {
    Words { text, at: 0 }
}

/// The iterator of [`words`]. It walks the bytes and decodes a character only outside ASCII:
/// splitting through a `char` predicate was a twentieth of the whole pipeline at a million
/// comments, as every analyzer tokenises through here.
#[derive(Debug, Clone)]
pub struct Words<'a> {
    text: &'a str,
    at: usize,
}

/// ASCII bytes that belong to a word: letters, digits, `'` and `-`.
static ASCII_WORD: [bool; 128] = {
    let mut t = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'\'' || c == b'-';
        b += 1;
    }
    t
};

/// Whether the character starting at byte `i` belongs to a word, and its length in bytes.
#[inline]
fn word_char_at(text: &str, i: usize) -> (bool, usize) {
    let b = text.as_bytes()[i];
    if b.is_ascii() {
        return (ASCII_WORD[usize::from(b)], 1);
    }
    match text[i..].chars().next() {
        Some(c) => (c.is_alphanumeric() || c == '’', c.len_utf8()),
        None => (false, 1),
    }
}

/// Apostrophes and hyphens are inside words only: they are trimmed from both ends.
fn is_edge_mark(c: char) -> bool {
    c == '\'' || c == '’' || c == '-'
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.text;
        let n = text.len();
        while self.at < n {
            // Skip to the start of a run of word characters.
            let (is_word, len) = word_char_at(text, self.at);
            if !is_word {
                self.at += len;
                continue;
            }
            let start = self.at;
            while self.at < n {
                let (is_word, len) = word_char_at(text, self.at);
                if !is_word {
                    break;
                }
                self.at += len;
            }
            let run = &text[start..self.at];
            // Only a run that starts or ends with an apostrophe or hyphen (', -, or ’: bytes
            // E2 80 99) needs trimming; the check spares decoding both ends of every word.
            let (first, last) = (run.as_bytes().first(), run.as_bytes().last());
            let starts_with_mark = matches!(first, Some(b'\'' | b'-' | 0xE2));
            let ends_with_mark = matches!(last, Some(b'\'' | b'-' | 0x99));
            let w = if starts_with_mark || ends_with_mark {
                run.trim_matches(is_edge_mark)
            } else {
                run
            };
            if !w.is_empty() {
                return Some(w);
            }
        }
        None
    }
}

/// Lower-cases and normalises one word: possessive `'s` dropped, curly apostrophes made
/// straight, regular English plurals made singular (`pipelines` → `pipeline`,
/// `countries` → `country`). Writes into `out` (cleared first) to avoid allocation.
pub fn normalize_word(word: &str, lang: Language, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        push_lowercase(word, out);
    } else {
        for c in word.chars() {
            if c == '’' {
                out.push('\'');
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
    for suffix in ["'s", "'"] {
        if out.len() > suffix.len() + 1 && out.ends_with(suffix) {
            out.truncate(out.len() - suffix.len());
            break;
        }
    }
    // Only a word ending in "s" can be singularised: the others skip the set lookup.
    if lang == Language::English
        && out.ends_with('s')
        && !out.contains('\'')
        && !NOT_PLURAL_SET.contains(out.as_str())
    {
        singularize(out);
    }
}

fn singularize(w: &mut String) {
    let n = w.len();
    if n >= 5 && w.ends_with("ies") {
        w.truncate(n - 3);
        w.push('y');
    } else if n >= 5 && (w.ends_with("sses") || w.ends_with("shes") || w.ends_with("ches")) {
        w.truncate(n - 2);
    } else if n >= 4
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
        && !w.ends_with("ous")
    {
        w.truncate(n - 1);
    }
}

/// Tokenizer for one language: words → normalised terms with stop words, numbers and
/// one-letter words removed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokenizer {
    /// Language whose stop words are removed.
    pub lang: Language,
}

impl Tokenizer {
    /// A tokenizer for `lang`.
    pub fn new(lang: Language) -> Tokenizer {
        Tokenizer { lang }
    }

    /// Calls `f` with every term of `text`, in order, reusing one buffer.
    pub fn for_each_term(&self, text: &str, mut f: impl FnMut(&str)) {
        let mut buf = String::new();
        for w in words(text) {
            if let Some(t) = self.term(w, &mut buf) {
                f(t);
            }
        }
    }

    /// The term a word of [`words`] stands for, written into `buf`; `None` for a stop word,
    /// a number or a single character. It depends on the word alone, so a caller that sees
    /// the same word many times may remember the answer.
    pub fn term<'b>(&self, word: &str, buf: &'b mut String) -> Option<&'b str> {
        normalize_word(word, self.lang, buf);
        if buf.chars().nth(1).is_none()
            || buf.chars().all(|c| c.is_numeric() || c == '-')
            || is_stopword(buf, self.lang)
        {
            return None;
        }
        Some(buf.as_str())
    }

    /// The terms of `text`, in order.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, |t| out.push(t.to_owned()));
        out
    }

    /// Calls `f` with every unigram of `text` and, after each term but the first, the bigram
    /// of it and the previous term ("gas pipeline"), reusing two buffers: the allocation-free
    /// form of [`Tokenizer::terms_with_bigrams`] for corpora of millions of units. The second
    /// argument of `f` is true for bigrams.
    pub fn for_each_term_with_bigrams(&self, text: &str, mut f: impl FnMut(&str, bool)) {
        let mut prev = String::new();
        let mut pair = String::new();
        self.for_each_term(text, |t| {
            f(t, false);
            if !prev.is_empty() {
                pair.clear();
                pair.push_str(&prev);
                pair.push(' ');
                pair.push_str(t);
                f(&pair, true);
            }
            prev.clear();
            prev.push_str(t);
        });
    }

    /// Unigrams followed by bigrams of adjacent terms ("gas pipeline").
    pub fn terms_with_bigrams(&self, text: &str) -> Vec<String> {
        let uni = self.terms(text);
        let mut out = Vec::with_capacity(uni.len() * 2);
        for pair in uni.windows(2) {
            out.push(format!("{} {}", pair[0], pair[1]));
        }
        let mut all = uni;
        all.extend(out);
        all
    }
}

/// A tokenizer that remembers what each word as written stands for: over texts that repeat
/// their words (a thread, a chunk of units) each distinct written word is normalised once,
/// and one lookup replaces lower-casing, normalising and the stop-word test. `V` is what the
/// caller makes of a term (an id, a hash key), made once per distinct written word.
pub struct TermMemo<'t, V> {
    tokenizer: Tokenizer,
    by_word: HashMap<&'t str, Option<V>>,
    buf: String,
}

impl<'t, V: Copy> TermMemo<'t, V> {
    /// An empty memo reading terms with `tokenizer`.
    pub fn new(tokenizer: Tokenizer) -> TermMemo<'t, V> {
        TermMemo {
            tokenizer,
            by_word: HashMap::default(),
            buf: String::new(),
        }
    }

    /// Calls `f` with the value of every term of `text`, in order, as
    /// [`Tokenizer::for_each_term`] finds them; `make` turns the term of a written word not
    /// seen before into its value.
    pub fn for_each(
        &mut self,
        text: &'t str,
        mut make: impl FnMut(&str) -> V,
        mut f: impl FnMut(V),
    ) {
        for w in words(text) {
            let v = match self.by_word.get(w) {
                Some(&v) => v,
                None => {
                    let v = self.tokenizer.term(w, &mut self.buf).map(&mut make);
                    self.by_word.insert(w, v);
                    v
                }
            };
            if let Some(v) = v {
                f(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_memo_gives_the_terms_of_for_each_term_making_each_once() {
        let texts = [
            "Pipelines, pipelines: the Gas PIPELINES of Russia’s gas.",
            "gas Gas gas 1998 Russia's pipelines",
        ];
        for lang in [Language::English, Language::German] {
            let tok = Tokenizer::new(lang);
            let mut memo: TermMemo<'_, usize> = TermMemo::new(tok);
            let mut made: Vec<String> = Vec::new();
            for text in texts {
                let mut got = Vec::new();
                memo.for_each(
                    text,
                    |t| {
                        made.push(t.to_owned());
                        made.len() - 1
                    },
                    |v| got.push(v),
                );
                let got: Vec<&str> = got.iter().map(|&v| made[v].as_str()).collect();
                assert_eq!(got, tok.terms(text), "{lang:?}: {text}");
            }
            // Once per distinct written word that is a term ("Gas" and "gas" apart).
            let written: std::collections::HashSet<&str> = texts
                .iter()
                .flat_map(|t| words(t))
                .filter(|w| tok.term(w, &mut String::new()).is_some())
                .collect();
            assert_eq!(made.len(), written.len(), "{lang:?}");
        }
    }

    #[test]
    fn terms_are_lowercased_normalised_and_stopped() {
        let t = Tokenizer::new(Language::English);
        assert_eq!(
            t.terms("Russia’s gas pipelines through Syria, and the countries' NEWS in 1998!"),
            ["russia", "gas", "pipeline", "syria", "country", "news"]
        );
        assert_eq!(
            t.terms_with_bigrams("a new Paris Peace"),
            ["new", "paris", "peace", "new paris", "paris peace"]
        );
    }

    #[test]
    fn streaming_bigrams_match_the_vector_form() {
        let t = Tokenizer::new(Language::English);
        let text = "Open a gas pipeline through Syria to export gas from Qatar";
        let mut uni = Vec::new();
        let mut bi = Vec::new();
        t.for_each_term_with_bigrams(text, |term, is_bigram| {
            if is_bigram {
                bi.push(term.to_owned());
            } else {
                uni.push(term.to_owned());
            }
        });
        let mut streamed = uni.clone();
        streamed.extend(bi.iter().cloned());
        assert_eq!(streamed, t.terms_with_bigrams(text));
        assert!(bi.contains(&"gas pipeline".to_owned()));
        assert_eq!(uni.len(), bi.len() + 1);
    }

    #[test]
    fn german_uses_its_own_stop_words() {
        let text = "Die Abmahnungen sind ein Problem für die Blogger und nicht nur für sie";
        assert_eq!(detect_language(text), Language::German);
        let t = Tokenizer::new(Language::German);
        assert_eq!(t.terms(text), ["abmahnungen", "problem", "blogger"]);
        assert_eq!(
            detect_language("The war in Syria is a result of meddling"),
            Language::English
        );
    }

    /// The plain definition of [`words`] that the byte-walking iterator must equal.
    fn words_by_split(text: &str) -> Vec<&str> {
        text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
            .map(|w| w.trim_matches(is_edge_mark))
            .filter(|w| !w.is_empty())
            .collect()
    }

    #[test]
    fn push_lowercase_appends_like_str_to_lowercase() {
        let mut out = String::from("x ");
        for w in ["NATO", "Russia’s", "ΟΔΟΣ", "Straße", "gas"] {
            let start = out.len();
            push_lowercase(w, &mut out);
            assert_eq!(&out[start..], w.to_lowercase(), "{w}");
        }
        assert!(out.starts_with("x nato"));
        assert!(out.contains("οδος"), "final sigma: {out}");
    }

    #[test]
    fn words_walk_bytes_like_a_split_on_characters() {
        for text in [
            "",
            "-'’",
            "Russia’s gas-pipelines, 'quoted' -- well…",
            "Ärger über Öl-Preise 😀x ’tis don't",
            "a\u{0301}b ǅx ΣΑΣ 12-3 --a-- ''b''",
        ] {
            assert_eq!(
                words(text).collect::<Vec<_>>(),
                words_by_split(text),
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn words_equal_the_split_definition(text in "[a-zA-Z0-9 '’\\-.,!?äÖß😀\u{0301}ǅΣ\n]{0,60}") {
            proptest::prop_assert_eq!(words(&text).collect::<Vec<_>>(), words_by_split(&text));
        }

        #[test]
        fn ascii_lowercasing_equals_unicode_lowercasing(word in "[a-zA-Z0-9'\\-]{1,20}") {
            let mut fast = String::new();
            normalize_word(&word, Language::English, &mut fast);
            let mut slow: String = word.chars().flat_map(char::to_lowercase).collect();
            for suffix in ["'s", "'"] {
                if slow.len() > suffix.len() + 1 && slow.ends_with(suffix) {
                    slow.truncate(slow.len() - suffix.len());
                    break;
                }
            }
            if !slow.contains('\'') && !NOT_PLURAL_SET.contains(slow.as_str()) {
                singularize(&mut slow);
            }
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn unicode_words_survive() {
        let t = Tokenizer::new(Language::German);
        assert_eq!(t.terms("Ärger über Öl-Preise"), ["ärger", "öl-preise"]);
    }
}
