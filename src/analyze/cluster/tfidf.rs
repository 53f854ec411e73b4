//! Sparse TF-IDF over argument units: uni- and bi-grams from the crate's one tokenizer,
//! sublinear tf, min/max document frequency, L2-normalised rows.
//!
//! Written here rather than with linfa-preprocessing's `TfIdfVectorizer` because that one
//! is single-threaded, scans a vocabulary-sized dense buffer per document (27 s to transform
//! 1M short documents), has its own tokenizer (the crate must use one tokenizer everywhere)
//! and returns rows without L2 normalisation. This one counts and transforms in parallel
//! with rayon and writes a compact CSR matrix of `f32`.

use crate::text::Tokenizer;
use rayon::prelude::*;
// FxHash: SipHash was a sixth of the run time at 100k units; keys are not adversarial
// enough to need DoS resistance (a flood of distinct terms is bounded by the input size).
use rustc_hash::FxHashMap as HashMap;

/// Units per parallel work item: large enough to amortise the per-chunk maps.
const CHUNK: usize = 4096;

/// A row-major sparse matrix (CSR) of `f32`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    /// Row `i` spans `indices[indptr[i]..indptr[i + 1]]`.
    pub indptr: Vec<usize>,
    /// Column of each stored value, sorted within a row.
    pub indices: Vec<u32>,
    /// Stored values.
    pub data: Vec<f32>,
    /// Number of columns (the vocabulary size).
    pub ncols: usize,
}

impl Csr {
    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// Columns and values of row `i`.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }
}

/// The feature vocabulary: terms sorted alphabetically, with document frequency and idf.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocabulary {
    /// Terms ("gas", "gas pipeline"), sorted.
    pub terms: Vec<String>,
    /// Number of units each term occurs in.
    pub df: Vec<u32>,
    /// Smoothed inverse document frequency `ln((1 + n) / (1 + df)) + 1`.
    pub idf: Vec<f32>,
}

/// Settings of [`fit_transform`].
#[derive(Debug, Clone, Copy)]
pub struct TfIdfSettings {
    /// Minimum number of units a feature occurs in.
    pub min_df: usize,
    /// Maximum share of units a feature occurs in.
    pub max_df: f64,
    /// Keep at most this many features (highest df first).
    pub max_features: usize,
    /// Include bigrams.
    pub bigrams: bool,
}

fn each_term(tok: &Tokenizer, text: &str, bigrams: bool, mut f: impl FnMut(&str)) {
    if bigrams {
        tok.for_each_term_with_bigrams(text, |t, _| f(t));
    } else {
        tok.for_each_term(text, f);
    }
}

/// Builds the vocabulary and the L2-normalised TF-IDF matrix of `texts`, tokenising text
/// `i` with `tokenizer(i)` (each thread has its own language).
///
/// `group(i)` names the comment text `i` comes from: `min_df` counts distinct groups, so a
/// term shared only by two paragraphs of one comment (the author's wording, or a verb and a
/// noun normalised alike) does not make a feature, while a term two comments share does.
/// Units of one group must be adjacent.
pub fn fit_transform<'a, T, F, G>(
    texts: &[T],
    tokenizer: F,
    group: G,
    s: TfIdfSettings,
) -> (Vocabulary, Csr)
where
    T: AsRef<str> + Sync,
    F: Fn(usize) -> Tokenizer + Sync + 'a,
    G: Fn(usize) -> u64 + Sync + 'a,
{
    let n = texts.len();
    // Pass 1: document frequencies, one map per chunk, merged. `last` marks the unit that
    // counted a term last so repeated terms count once per unit without a per-unit set.
    let df: HashMap<String, (u32, u32)> = texts
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(ci, chunk)| {
            // term → (units, groups, last unit, last group)
            let mut map: HashMap<String, (u32, u32, u32, u64)> = HashMap::default();
            for (j, text) in chunk.iter().enumerate() {
                let i = (ci * CHUNK + j) as u32;
                let g = group(i as usize);
                each_term(
                    &tokenizer(i as usize),
                    text.as_ref(),
                    s.bigrams,
                    |t| match map.get_mut(t) {
                        Some((df, gf, last, last_g)) => {
                            if *last != i {
                                *df += 1;
                                *last = i;
                            }
                            if *last_g != g {
                                *gf += 1;
                                *last_g = g;
                            }
                        }
                        None => {
                            map.insert(t.to_owned(), (1, 1, i, g));
                        }
                    },
                );
            }
            map.into_iter()
                .map(|(k, (df, gf, _, _))| (k, (df, gf)))
                .collect()
        })
        .reduce(HashMap::default, |a: HashMap<String, (u32, u32)>, b| {
            // A group cut by a chunk boundary may count twice here: harmless, as it only
            // happens to a handful of units at a million.
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (k, (df, gf)) in small {
                let e = big.entry(k).or_insert((0, 0));
                e.0 += df;
                e.1 += gf;
            }
            big
        });

    let max_df = ((s.max_df * n as f64).floor() as u32).max(1);
    let mut kept: Vec<(String, u32)> = df
        .into_iter()
        .filter(|(_, (d, g))| *g as usize >= s.min_df && *d <= max_df)
        .map(|(t, (d, _))| (t, d))
        .collect();
    if kept.len() > s.max_features {
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        kept.truncate(s.max_features);
    }
    kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let idf: Vec<f32> = kept
        .iter()
        .map(|(_, d)| (((1 + n) as f64 / (1 + *d) as f64).ln() + 1.0) as f32)
        .collect();
    let ids: HashMap<&str, u32> = kept
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (t.as_str(), i as u32))
        .collect();

    // Pass 2: rows. Each chunk writes its own CSR pieces, concatenated in order.
    let pieces: Vec<(Vec<usize>, Vec<u32>, Vec<f32>)> = texts
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(ci, chunk)| {
            let mut lens = Vec::with_capacity(chunk.len());
            let mut indices = Vec::new();
            let mut data = Vec::new();
            let mut row: Vec<u32> = Vec::new();
            for (j, text) in chunk.iter().enumerate() {
                row.clear();
                each_term(&tokenizer(ci * CHUNK + j), text.as_ref(), s.bigrams, |t| {
                    if let Some(&id) = ids.get(t) {
                        row.push(id);
                    }
                });
                row.sort_unstable();
                let start = indices.len();
                let mut k = 0;
                while k < row.len() {
                    let id = row[k];
                    let mut tf = 0u32;
                    while k < row.len() && row[k] == id {
                        tf += 1;
                        k += 1;
                    }
                    indices.push(id);
                    data.push((1.0 + (tf as f32).ln()) * idf[id as usize]);
                }
                let norm = data[start..].iter().map(|v| v * v).sum::<f32>().sqrt();
                if norm > 0.0 {
                    data[start..].iter_mut().for_each(|v| *v /= norm);
                }
                lens.push(indices.len() - start);
            }
            (lens, indices, data)
        })
        .collect();

    let nnz: usize = pieces.iter().map(|p| p.1.len()).sum();
    let mut m = Csr {
        indptr: Vec::with_capacity(n + 1),
        indices: Vec::with_capacity(nnz),
        data: Vec::with_capacity(nnz),
        ncols: kept.len(),
    };
    m.indptr.push(0);
    for (lens, idx, dat) in pieces {
        for l in lens {
            let last = *m.indptr.last().unwrap_or(&0);
            m.indptr.push(last + l);
        }
        m.indices.extend(idx);
        m.data.extend(dat);
    }
    let (terms, df) = kept.into_iter().unzip();
    (Vocabulary { terms, df, idf }, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Language;

    #[test]
    fn rows_are_sparse_sublinear_and_unit_length() {
        let texts = [
            "gas pipeline gas pipeline qatar",
            "gas pipeline to europe",
            "nato and ukraine",
            "ukraine nato again",
        ];
        let s = TfIdfSettings {
            min_df: 2,
            max_df: 0.9,
            max_features: 100,
            bigrams: true,
        };
        let (v, m) = fit_transform(
            &texts,
            |_| Tokenizer::new(Language::English),
            |i| i as u64,
            s,
        );
        assert_eq!(
            v.terms,
            ["gas", "gas pipeline", "nato", "pipeline", "ukraine"]
        );
        assert_eq!(m.nrows(), 4);
        for i in 0..4 {
            let (_, d) = m.row(i);
            let norm: f32 = d.iter().map(|x| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        // tf 2 weighs 1 + ln 2, not 2.
        let (c, d) = m.row(0);
        assert_eq!(c, [0, 1, 3]);
        assert!(
            (d[0] / d[1] - (1.0 + 2f32.ln()) * v.idf[0] / ((1.0 + 2f32.ln()) * v.idf[1])).abs()
                < 1e-5
        );
    }

    #[test]
    fn max_df_and_max_features_prune() {
        let texts = ["war peace", "war gas", "war nato", "peace gas"];
        let s = TfIdfSettings {
            min_df: 1,
            max_df: 0.5,
            max_features: 2,
            bigrams: false,
        };
        let (v, _) = fit_transform(
            &texts,
            |_| Tokenizer::new(Language::English),
            |i| i as u64,
            s,
        );
        // "war" is in 3 of 4 units (> 50 %); of the rest, the two most frequent remain.
        assert_eq!(v.terms, ["gas", "peace"]);
    }
}
