//! Argument units: comments cut into paragraphs or sentences (or kept whole), fragments too
//! short to stand alone merged into a neighbour, each unit linked to its comment and thread.

use super::params::UnitKind;
use crate::analyze::Unit;
use crate::model::{CommentKind, Corpus};
use crate::text::tokenize::TermMemo;
use crate::text::{Language, Tokenizer};
use rayon::prelude::*;

/// The language of each thread ([`crate::analyze::thread_language`]).
pub fn thread_languages(corpus: &Corpus) -> Vec<Language> {
    corpus
        .threads
        .par_iter()
        .map(crate::analyze::thread_language)
        .collect()
}

/// Cuts the corpus into units. Only comments of kind `Comment` are used (pingbacks,
/// trackbacks and notes are not arguments); `with_post` adds the post's paragraphs first.
pub fn segment(
    corpus: &Corpus,
    langs: &[Language],
    unit: UnitKind,
    with_post: bool,
    min_terms: usize,
    cohesion: f64,
) -> Vec<Unit> {
    let per_thread: Vec<Vec<Unit>> = corpus
        .threads
        .par_iter()
        .enumerate()
        .map(|(ti, thread)| {
            let mut units = Vec::new();
            // A thread's comments repeat their words: each written word is normalised once.
            let mut keys: TermMemo<'_, u64> =
                TermMemo::new(Tokenizer::new(langs.get(ti).copied().unwrap_or_default()));
            let ti = ti as u32;
            if with_post && !thread.post.paragraphs.is_empty() {
                let pieces: Vec<&str> = match unit {
                    UnitKind::Sentence => thread
                        .post
                        .paragraphs
                        .iter()
                        .flat_map(|p| sentences(p))
                        .collect(),
                    _ => thread.post.paragraphs.iter().map(String::as_str).collect(),
                };
                let sep = if unit == UnitKind::Sentence {
                    " "
                } else {
                    "\n\n"
                };
                // The post is long-form prose: each paragraph stands alone unless it is a fragment.
                let merged = merge_short(&pieces, &mut keys, min_terms, sep);
                for (i, text) in merge_cohesive(merged, cohesion, sep)
                    .into_iter()
                    .enumerate()
                {
                    units.push(Unit {
                        thread: ti,
                        comment: None,
                        unit_index: i as u32,
                        text,
                        cluster: None,
                    });
                }
            }
            for (ci, c) in thread.comments.iter().enumerate() {
                if c.kind != CommentKind::Comment {
                    continue;
                }
                let texts = match unit {
                    UnitKind::Comment => vec![c.text.trim().to_owned()],
                    UnitKind::Paragraph => {
                        let mut pieces: Vec<&str> = c.paragraphs().collect();
                        drop_salutation(&mut pieces, c.addressee.as_deref(), &mut keys, min_terms);
                        let merged = merge_short(&pieces, &mut keys, min_terms, "\n\n");
                        merge_cohesive(merged, cohesion, "\n\n")
                    }
                    UnitKind::Sentence => {
                        let mut pieces: Vec<&str> = c.paragraphs().flat_map(sentences).collect();
                        drop_salutation(&mut pieces, c.addressee.as_deref(), &mut keys, min_terms);
                        let merged = merge_short(&pieces, &mut keys, min_terms, " ");
                        merge_cohesive(merged, cohesion, " ")
                    }
                };
                for (i, text) in texts.into_iter().filter(|t| !t.is_empty()).enumerate() {
                    units.push(Unit {
                        thread: ti,
                        comment: Some(ci as u32),
                        unit_index: i as u32,
                        text,
                        cluster: None,
                    });
                }
            }
            units
        })
        .collect();
    per_thread.into_iter().flatten().collect()
}

/// A merged piece of text with the set of its terms (hashed, sorted, deduplicated): each
/// piece is tokenised once, and the set of a merged piece is the union of its parts.
#[derive(Debug, Default)]
struct Piece {
    text: String,
    terms: Vec<u64>,
}

/// The term of `t` as a set key. A 64-bit hash: a collision could only change whether two
/// paragraphs are joined, at odds far below anything else here, and it saves a `String`
/// per term (a sixth of the clustering time at a million comments).
fn term_key(t: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(t)
}

/// Term keys as a set: sorted, without repeats.
fn into_set(mut keys: Vec<u64>) -> Vec<u64> {
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Joins adjacent pieces of one comment that continue the same argument: when the cosine of
/// their term sets reaches `cohesion` (the lexical-cohesion test of TextTiling), the
/// paragraph break is a pause, not a new argument. `cohesion <= 0` keeps every piece.
fn merge_cohesive(pieces: Vec<Piece>, cohesion: f64, sep: &str) -> Vec<String> {
    if cohesion <= 0.0 || pieces.len() < 2 {
        return pieces.into_iter().map(|p| p.text).collect();
    }
    let mut out: Vec<String> = Vec::with_capacity(pieces.len());
    let mut last_set: Vec<u64> = Vec::new();
    for p in pieces {
        let cur = p.terms;
        let shared = cur
            .iter()
            .filter(|t| last_set.binary_search(t).is_ok())
            .count();
        let denom = ((cur.len() * last_set.len()) as f64).sqrt();
        match out.last_mut() {
            Some(prev) if denom > 0.0 && shared as f64 / denom >= cohesion => {
                prev.push_str(sep);
                prev.push_str(&p.text);
            }
            _ => out.push(p.text),
        }
        // Compare the next piece with this one, not with the whole merged run: a long run
        // would otherwise swallow everything after it.
        last_set = cur;
    }
    out
}

/// Drops a first piece that only greets the addressee ("Dear Professor Cole"): the reader
/// already recorded whom the comment addresses, and a greeting shared by two comments would
/// otherwise make their first paragraphs look alike.
fn drop_salutation<'t>(
    pieces: &mut Vec<&'t str>,
    addressee: Option<&str>,
    keys: &mut TermMemo<'t, u64>,
    min: usize,
) {
    let (Some(name), Some(first)) = (addressee, pieces.first()) else {
        return;
    };
    if pieces.len() < 2 {
        return;
    }
    let mut n = 0;
    keys.for_each(first, term_key, |_| n += 1);
    if n < min && first.to_lowercase().contains(&name.to_lowercase()) {
        pieces.remove(0);
    }
}

/// Joins pieces with fewer than `min_terms` terms to the following piece (a salutation joins
/// the paragraph it opens, a list item joins the next one); a short last piece joins the
/// one before it.
fn merge_short<'t>(
    pieces: &[&'t str],
    keys: &mut TermMemo<'t, u64>,
    min_terms: usize,
    sep: &str,
) -> Vec<Piece> {
    // One piece stays one unit whatever its length, and nothing is compared with it.
    if let [only] = pieces {
        let only = only.trim();
        return if only.is_empty() {
            Vec::new()
        } else {
            vec![Piece {
                text: only.to_owned(),
                terms: Vec::new(),
            }]
        };
    }
    let mut out: Vec<Piece> = Vec::new();
    // `pending.terms` holds every term of the pending text, repeats included, until the
    // piece is complete: its length is the piece's term count.
    let mut pending = Piece::default();
    for p in pieces {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        if !pending.text.is_empty() {
            pending.text.push_str(sep);
        }
        pending.text.push_str(p);
        keys.for_each(p, term_key, |k| pending.terms.push(k));
        if pending.terms.len() >= min_terms {
            let done = std::mem::take(&mut pending);
            out.push(Piece {
                text: done.text,
                terms: into_set(done.terms),
            });
        }
    }
    if !pending.text.is_empty() {
        match out.last_mut() {
            Some(last) => {
                last.text.push_str(sep);
                last.text.push_str(&pending.text);
                let mut all = std::mem::take(&mut last.terms);
                all.extend(pending.terms);
                last.terms = into_set(all);
            }
            None => out.push(Piece {
                text: pending.text,
                terms: into_set(pending.terms),
            }),
        }
    }
    out
}

/// Splits a paragraph into sentences: after `.`, `!`, `?` or `…` followed by white space and
/// an upper-case letter or an opening quote ("Nov. 26" stays whole; an abbreviation before a
/// capitalised name is cut, and the merge of short pieces repairs that).
pub fn sentences(paragraph: &str) -> impl Iterator<Item = &str> {
    let mut cuts = Vec::new();
    let chars: Vec<(usize, char)> = paragraph.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        if matches!(c, '.' | '!' | '?' | '…') {
            let mut j = i + 1;
            while j < chars.len() && matches!(chars[j].1, '.' | '!' | '?' | '…' | '"' | '”' | ')')
            {
                j += 1;
            }
            let mut k = j;
            while k < chars.len() && chars[k].1.is_whitespace() {
                k += 1;
            }
            if k > j
                && k < chars.len()
                && (chars[k].1.is_uppercase() || matches!(chars[k].1, '"' | '“' | '\''))
            {
                cuts.push(chars[k].0);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    let mut start = 0;
    let mut out = Vec::with_capacity(cuts.len() + 1);
    for c in cuts {
        out.push(paragraph[start..c].trim());
        start = c;
    }
    out.push(paragraph[start..].trim());
    out.into_iter().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Comment, Thread};

    fn corpus(texts: &[&str]) -> Corpus {
        let mut t = Thread::new("t", "t.txt", crate::model::Format::Text);
        t.post.paragraphs = vec!["The article paragraph about nato and ukraine and russia.".into()];
        for (i, x) in texts.iter().enumerate() {
            t.comments
                .push(Comment::new(format!("c{i}"), i as u32 + 1, *x));
        }
        Corpus {
            threads: vec![t],
            ..Corpus::default()
        }
    }

    #[test]
    fn salutation_merges_into_the_paragraph_it_opens() {
        let c = corpus(&[
            "Dear Professor Cole\n\nUkraine in NATO is a total no for the russians, a red line for Moscow.\n\nThe gas pipeline through Syria would carry Qatar gas to Europe markets.",
        ]);
        let langs = thread_languages(&c);
        let u = segment(&c, &langs, UnitKind::Paragraph, false, 5, 0.0);
        assert_eq!(u.len(), 2);
        assert!(u[0].text.starts_with("Dear Professor Cole\n\nUkraine"));
        assert_eq!((u[1].comment, u[1].unit_index), (Some(0), 1));
    }

    #[test]
    fn pingbacks_are_skipped_and_post_units_have_no_comment() {
        let mut c = corpus(&["A real comment about the pipeline and gas and Qatar.", "x"]);
        c.threads[0].comments[1].kind = CommentKind::Pingback;
        let langs = thread_languages(&c);
        let u = segment(&c, &langs, UnitKind::Comment, true, 3, 0.0);
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].comment, None);
        assert_eq!(u[1].comment, Some(0));
    }

    #[test]
    fn sentences_split_on_terminal_punctuation() {
        let s: Vec<&str> =
            sentences("It failed. Why? Because on Nov. 26 they met! \"Done\" he said.").collect();
        assert_eq!(
            s,
            [
                "It failed.",
                "Why?",
                "Because on Nov. 26 they met!",
                "\"Done\" he said."
            ]
        );
    }

    #[test]
    fn short_last_piece_joins_the_previous_one() {
        let tok = Tokenizer::new(Language::English);
        let m = merge_short(
            &["Russia wants Ukraine out of NATO forever", "Thanks."],
            &mut TermMemo::new(tok),
            3,
            "\n\n",
        );
        let texts: Vec<&str> = m.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            ["Russia wants Ukraine out of NATO forever\n\nThanks."]
        );
        // The set of the merged piece is the union of its parts' terms.
        let mut want: Vec<u64> = tok
            .terms("Russia wants Ukraine out of NATO forever Thanks.")
            .iter()
            .map(|t| term_key(t))
            .collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(m[0].terms, want);
    }
}
