//! Readable cluster labels by class-based TF-IDF: each cluster's units are one document,
//! a term weighs `tf(t, c) / words(c) · ln(1 + mean words per cluster / tf(t, all))`, and
//! bigrams seen at least twice in the cluster are preferred ("gas pipeline", "paris peace").
//!
//! Labels are counted over all terms, not just the clustering features: a term too rare to
//! link units (seen in one unit) can still name the cluster that unit is in.

use crate::text::Tokenizer;
// FxHash: SipHash was a sixth of the run time at 100k units; keys are not adversarial
// enough to need DoS resistance (a flood of distinct terms is bounded by the input size).
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// Units per cluster whose terms are counted (an evenly spaced subset above this).
const MAX_UNITS_COUNTED: usize = 2_000;
/// Weight factor of a bigram seen at least twice in the cluster.
const BIGRAM_BOOST: f64 = 2.0;

/// Term counts of each cluster (the class-based "documents").
#[derive(Debug, Clone, Default)]
pub struct ClassCounts {
    /// Per cluster: term → count.
    pub counts: Vec<HashMap<String, u32>>,
    /// Per cluster: number of unigrams counted.
    pub words: Vec<u64>,
}

/// Counts the terms of each cluster's units; `members[c]` lists unit indexes.
pub fn count_classes<'a>(
    members: &[Vec<usize>],
    text: &(dyn Fn(usize) -> (&'a str, Tokenizer) + Sync),
) -> ClassCounts {
    // One cluster per parallel work item: each counts its own units only.
    let per_class: Vec<(HashMap<String, u32>, u64)> = members
        .par_iter()
        .map(|m| {
            let mut counts: HashMap<String, u32> = HashMap::default();
            let mut words = 0u64;
            let step = m.len().div_ceil(MAX_UNITS_COUNTED).max(1);
            for &u in m.iter().step_by(step) {
                let (t, tok) = text(u);
                tok.for_each_term_with_bigrams(t, |term, is_bigram| {
                    words += u64::from(!is_bigram);
                    match counts.get_mut(term) {
                        Some(n) => *n += 1,
                        None => {
                            counts.insert(term.to_owned(), 1);
                        }
                    }
                });
            }
            (counts, words)
        })
        .collect();
    let (counts, words) = per_class.into_iter().unzip();
    ClassCounts { counts, words }
}

/// The top `n` terms of every cluster, best first, and a short label from the first two.
/// A unigram that is part of a bigram already listed is not repeated.
pub fn top_terms(cc: &ClassCounts, n: usize) -> Vec<(String, Vec<String>)> {
    let k = cc.counts.len();
    let mut total: HashMap<&str, u64> = HashMap::default();
    for c in &cc.counts {
        for (t, &v) in c {
            *total.entry(t.as_str()).or_default() += u64::from(v);
        }
    }
    let mean_words = cc.words.iter().sum::<u64>() as f64 / k.max(1) as f64;
    (0..k)
        .into_par_iter()
        .map(|c| {
            let words = cc.words[c].max(1) as f64;
            let mut scored: Vec<(f64, &str)> = cc.counts[c]
                .iter()
                .map(|(t, &v)| {
                    let f = total.get(t.as_str()).copied().unwrap_or(1).max(1) as f64;
                    let mut w = (f64::from(v) / words) * (1.0 + mean_words / f).ln();
                    if t.contains(' ') {
                        if v >= 2 {
                            w *= BIGRAM_BOOST;
                        } else {
                            // A bigram seen once is an accident of wording, not a theme.
                            w *= 0.5;
                        }
                    }
                    (w, t.as_str())
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            let mut terms: Vec<String> = Vec::with_capacity(n);
            for (_, t) in scored {
                if terms.len() >= n {
                    break;
                }
                let covered = !t.contains(' ')
                    && terms
                        .iter()
                        .any(|b| b.contains(' ') && b.split(' ').any(|w| w == t));
                if !covered {
                    terms.push(t.to_owned());
                }
            }
            let label = match terms.as_slice() {
                [] => "(no terms)".to_owned(),
                [a] => a.clone(),
                [a, b, ..] => format!("{a} / {b}"),
            };
            (label, terms)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Language;

    #[test]
    fn distinctive_terms_and_repeated_bigrams_win() {
        let texts = [
            "The gas pipeline from Qatar. Another gas pipeline for Europe.",
            "Qatar wants the gas pipeline to Europe.",
            "Ukraine in NATO is a red line; NATO expansion worries Russia.",
            "NATO expansion to Ukraine, Russia says, is encroachment.",
        ];
        let tok = Tokenizer::new(Language::English);
        let members = vec![vec![0, 1], vec![2, 3]];
        let cc = count_classes(&members, &|u| (texts[u], tok));
        let top = top_terms(&cc, 4);
        assert_eq!(top[0].1[0], "gas pipeline");
        assert!(top[0].0.starts_with("gas pipeline / "));
        assert!(!top[0].1.contains(&"gas".to_owned()));
        assert_eq!(top[1].1[0], "nato expansion");
        assert!(top[1].1.iter().any(|t| t == "ukraine"));
    }
}
