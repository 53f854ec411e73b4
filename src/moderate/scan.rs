//! Small text scanners the rules share: links, sentences, shouted words, punctuation runs,
//! repeated characters. Every scanner returns byte spans into the text it was given.

use crate::text::tokenize::{Language, is_stopword};
use regex::Regex;
use std::sync::LazyLock;

/// URLs, bare `www.` hosts, and the "link to example.org" form that text dumps of comment
/// pages print in place of an anchor.
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bhttps?://[^\s<>()\[\]]+|\bwww\.[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s<>()\[\]]*|\blink to [a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b",
    )
    .expect("link regex compiles")
});

/// Byte spans of every link in `text`.
pub fn links(text: &str) -> Vec<(usize, usize)> {
    LINK.find_iter(text)
        .map(|m| {
            // A sentence-final dot or comma is not part of a URL.
            let s = m
                .as_str()
                .trim_end_matches(['.', ',', ';', ':', '!', '?', '"', '\'']);
            (m.start(), m.start() + s.len())
        })
        .collect()
}

/// Sentence spans: text up to and including a run of `.`, `!` or `?` (or a line break),
/// trimmed; a single final `.` is left out of the span so evidence reads naturally.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            push_trimmed(text, start, i, &mut out);
            start = i + 1;
            i += 1;
            continue;
        }
        if matches!(b, b'.' | b'!' | b'?') {
            let mut j = i;
            while j < bytes.len() && matches!(bytes[j], b'.' | b'!' | b'?') {
                j += 1;
            }
            // "U.S." and "3.5" are not sentence ends: the next byte is not a space.
            // Nor is the dot after a one-letter abbreviation ("U.S. is", "J. Smith").
            let initial = j - i == 1
                && b == b'.'
                && i >= 1
                && bytes[i - 1].is_ascii_alphabetic()
                && (i < 2 || matches!(bytes[i - 2], b'.' | b' ' | b'\n'));
            let ends = !initial && (j >= bytes.len() || bytes[j].is_ascii_whitespace());
            if ends {
                let end = if j - i == 1 && b == b'.' { i } else { j };
                push_trimmed(text, start, end, &mut out);
                start = j;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let Some(s) = text.get(start..end) else {
        return;
    };
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if start + lead < end - trail {
        out.push((start + lead, end - trail));
    }
}

/// Whether an all-capitals word is shouting rather than an acronym: acronyms are short and
/// are not function words, so a capitalised stop word ("NO", "THE") or a word of five or more
/// letters ("YALTA", "PERHAPS") counts, while "NATO", "USA" and "ISIS" do not.
pub fn is_shouted(word: &str) -> bool {
    // A lower-case letter settles most words at their second character: test it first.
    if word.chars().any(|c| c.is_lowercase()) {
        return false;
    }
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 2 {
        return false;
    }
    if !word.chars().any(|c| c.is_uppercase()) {
        return false;
    }
    let lower = word.to_lowercase();
    letters >= 5
        || (is_stopword(&lower, Language::English) && !ACRONYM_STOPWORDS.contains(&lower.as_str()))
}

/// Stop words that are also common acronyms when capitalised ("the US", "IT", "WHO").
const ACRONYM_STOPWORDS: &[&str] = &["us", "it", "who", "am", "me", "re"];

/// Byte spans of shouted words (see [`is_shouted`]).
pub fn shouted_words(text: &str) -> Vec<(usize, usize)> {
    if text.is_ascii() {
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        // A shouted word has two capitals with nothing but digits and apostrophes between
        // them (it has two letters and no lower-case one). Most texts have no such pair, and
        // looking for one takes no branch a byte.
        let (mut pending, mut pair) = (false, false);
        for &b in bytes {
            let upper = b.is_ascii_uppercase();
            pair |= upper & pending;
            pending = upper | (pending & (b.is_ascii_digit() | (b == b'\'')));
        }
        if !pair {
            return out;
        }
        // Bytes, not chars; a word with a lower-case letter is passed over as it is read,
        // as most words are (the same words as below: ASCII letters and digits are the
        // alphanumeric chars there).
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'\'';
        let mut i = 0;
        while i < bytes.len() {
            if !is_word(bytes[i]) {
                i += 1;
                continue;
            }
            let (s, mut lower) = (i, false);
            while i < bytes.len() && is_word(bytes[i]) {
                lower |= bytes[i].is_ascii_lowercase();
                i += 1;
            }
            if !lower && is_shouted(&text[s..i]) {
                out.push((s, i));
            }
        }
        return out;
    }
    shouted_words_by_char(text)
}

/// [`shouted_words`] a character at a time, for text outside ASCII.
fn shouted_words_by_char(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if c.is_alphanumeric() || c == '\'' {
            start.get_or_insert(i);
        } else if let Some(s) = start.take()
            && is_shouted(&text[s..i])
        {
            out.push((s, i));
        }
    }
    out
}

/// Share of capitals among the letters of `text`, and the number of letters.
pub fn caps_share(text: &str) -> (f64, usize) {
    let (mut letters, mut caps) = (0usize, 0usize);
    if text.is_ascii() {
        // Counted without a branch a byte, which the compiler vectorises.
        for b in text.bytes() {
            letters += usize::from(b.is_ascii_alphabetic());
            caps += usize::from(b.is_ascii_uppercase());
        }
    } else {
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            letters += 1;
            caps += usize::from(c.is_uppercase());
        }
    }
    if letters == 0 {
        (0.0, 0)
    } else {
        (caps as f64 / letters as f64, letters)
    }
}

/// Spans of runs of at least `min` `?`/`!` characters, widened to the word they end
/// ("YALTA???").
pub fn punct_runs(text: &str, min: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b'?' | b'!') {
            let mut j = i;
            while j < bytes.len() && matches!(bytes[j], b'?' | b'!') {
                j += 1;
            }
            if j - i >= min {
                let mut s = i;
                while s > 0 && !bytes[s - 1].is_ascii_whitespace() {
                    s -= 1;
                }
                // `s` only moves over non-space bytes, stopping after an ASCII space, so it
                // is a char boundary unless the word holds non-ASCII letters; fix up if so.
                while !text.is_char_boundary(s) {
                    s += 1;
                }
                out.push((s, j));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Spans where one character repeats at least `min` times in a row ("soooooo", "!!!!!!").
pub fn repeated_chars(text: &str, min: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut run_start = 0;
    let mut run_len = 0;
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if Some(c) == prev && !c.is_whitespace() {
            run_len += 1;
        } else {
            if run_len >= min {
                out.push((run_start, i));
            }
            run_start = i;
            run_len = 1;
            prev = Some(c);
        }
    }
    if run_len >= min && prev.is_some_and(|c| !c.is_whitespace()) {
        out.push((run_start, text.len()));
    }
    out
}

/// A stable 64-bit FNV-1a hash of the text with case and whitespace normalised: the
/// content-hash fallback that finds a decided comment again when its id changed.
pub fn content_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut first = true;
    for word in text.split_whitespace() {
        if !first {
            h ^= u64::from(b' ');
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        first = false;
        for c in word.chars().flat_map(char::to_lowercase) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    format!("fnv1a64:{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(t: &'a str, spans: &[(usize, usize)]) -> Vec<&'a str> {
        spans.iter().map(|&(s, e)| &t[s..e]).collect()
    }

    #[test]
    fn finds_urls_and_link_to_forms() {
        let t = "See https://example.org/a?b=1. Also link to counterpunch.org and www.x.com.";
        assert_eq!(
            texts(t, &links(t)),
            [
                "https://example.org/a?b=1",
                "link to counterpunch.org",
                "www.x.com"
            ]
        );
    }

    #[test]
    fn sentences_keep_question_runs_and_drop_single_dots() {
        let t = "YALTA??? Well no!! NO thank you very much. The U.S. is 3.5 times.";
        assert_eq!(
            texts(t, &sentences(t)),
            [
                "YALTA???",
                "Well no!!",
                "NO thank you very much",
                "The U.S. is 3.5 times"
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn ascii_shouting_equals_the_char_walk(
            text in "(NO|THE|NATO|Us|YALTA|[A-Z]{1,6}|[a-zA-Z]{1,4}|[ ',.!?0-9\n-]){0,20}"
        ) {
            proptest::prop_assert_eq!(shouted_words(&text), shouted_words_by_char(&text));
        }
    }

    #[test]
    fn shouting_is_not_acronyms() {
        let t = "YALTA and NATO, NO way, the USA OR PERHAPS ISIS and the US";
        assert_eq!(
            texts(t, &shouted_words(t)),
            ["YALTA", "NO", "OR", "PERHAPS"]
        );
    }

    #[test]
    fn runs_and_repeats() {
        let t = "What??? sooooo good!!";
        assert_eq!(texts(t, &punct_runs(t, 3)), ["What???"]);
        assert_eq!(texts(t, &repeated_chars(t, 4)), ["ooooo"]);
        assert_eq!(texts(t, &punct_runs(t, 2)), ["What???", "good!!"]);
    }

    #[test]
    fn content_hash_ignores_case_and_spacing() {
        assert_eq!(content_hash("Hello  World\n"), content_hash("hello world"));
        assert_ne!(content_hash("hello world"), content_hash("hello worlds"));
    }
}
