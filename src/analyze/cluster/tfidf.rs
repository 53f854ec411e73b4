//! Sparse TF-IDF over argument units: uni- and bi-grams from the crate's one tokenizer,
//! sublinear tf, min/max document frequency, L2-normalised rows.
//!
//! Written here rather than with linfa-preprocessing's `TfIdfVectorizer` because that one
//! is single-threaded, scans a vocabulary-sized dense buffer per document (27 s to transform
//! 1M short documents), has its own tokenizer (the crate must use one tokenizer everywhere)
//! and returns rows without L2 normalisation. This one counts and transforms in parallel
//! with rayon and writes a compact CSR matrix of `f32`.

use crate::text::tokenize::TermMemo;
use crate::text::{Language, Tokenizer};
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

/// Shards of the bigram count: each shard scans every sequence and counts the bigrams
/// that hash to it, so the shards run in parallel without sharing a map.
const SHARDS: usize = 4;

/// What pass 1 learns from one chunk of units, in chunk-local term ids.
struct ChunkCounts {
    /// Local id → term.
    terms: Vec<Box<str>>,
    /// Local id → (units, groups) it occurs in.
    uni: Vec<(u32, u32)>,
    /// The local term ids of every unit of the chunk, concatenated.
    seq: Vec<u32>,
    /// Terms per unit.
    lens: Vec<u32>,
}

/// Counts of one term, with "last unit / last group" marks so that a repeated term counts
/// once per unit and once per group without a per-unit set.
#[derive(Clone, Copy)]
struct Seen {
    df: u32,
    gf: u32,
    last: u32,
    last_g: u64,
}

impl Seen {
    fn new(i: u32, g: u64) -> Seen {
        Seen {
            df: 1,
            gf: 1,
            last: i,
            last_g: g,
        }
    }

    /// Unit `i` of group `g` has the term. Groups are counted per chunk of units (a group
    /// cut by a chunk boundary counts twice): harmless, as it only happens to a handful of
    /// units at a million, and it keeps unigram and bigram counts alike.
    fn see(&mut self, i: u32, g: u64) {
        if self.last != i {
            self.df += 1;
        }
        if self.last_g != g || self.last as usize / CHUNK != i as usize / CHUNK {
            self.gf += 1;
            self.last_g = g;
        }
        self.last = i;
    }
}

fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Builds the vocabulary and the L2-normalised TF-IDF matrix of `texts`, tokenising text
/// `i` with `tokenizer(i)` (each thread has its own language).
///
/// `group(i)` names the comment text `i` comes from: `min_df` counts distinct groups, so a
/// term shared only by two paragraphs of one comment (the author's wording, or a verb and a
/// noun normalised alike) does not make a feature, while a term two comments share does.
/// Units of one group must be adjacent.
///
/// Every text is tokenised once: pass 1 interns its terms per chunk and keeps the id
/// sequences, bigrams are pairs of ids (never strings until a bigram is kept as a feature),
/// and pass 2 builds the rows from the kept sequences. Re-tokenising in pass 2 and hashing
/// bigram strings cost two thirds of the clustering time at a million comments.
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
    // Pass 1: per chunk, local term ids, id sequences and document frequencies.
    let chunks: Vec<ChunkCounts> = texts
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(ci, chunk)| {
            let mut ids: HashMap<Box<str>, u32> = HashMap::default();
            let mut c = ChunkCounts {
                terms: Vec::new(),
                uni: Vec::new(),
                seq: Vec::new(),
                lens: Vec::with_capacity(chunk.len()),
            };
            let mut seen: Vec<Seen> = Vec::new();
            // One memo of the written words per language (the units of a chunk may come
            // from threads in either): pass 1 was half the clustering CPU at a million.
            let mut memos: [TermMemo<'_, u32>; 2] = [
                TermMemo::new(Tokenizer::new(Language::English)),
                TermMemo::new(Tokenizer::new(Language::German)),
            ];
            for (j, text) in chunk.iter().enumerate() {
                let i = (ci * CHUNK + j) as u32;
                let g = group(i as usize);
                let before = c.seq.len();
                let memo = match tokenizer(i as usize).lang {
                    Language::English => &mut memos[0],
                    Language::German => &mut memos[1],
                };
                memo.for_each(
                    text.as_ref(),
                    |t| match ids.get(t) {
                        Some(&id) => id,
                        None => {
                            let id = c.terms.len() as u32;
                            ids.insert(t.into(), id);
                            c.terms.push(t.into());
                            id
                        }
                    },
                    |id| {
                        match seen.get_mut(id as usize) {
                            Some(e) => e.see(i, g),
                            None => seen.push(Seen::new(i, g)),
                        }
                        c.seq.push(id);
                    },
                );
                c.lens.push((c.seq.len() - before) as u32);
            }
            c.uni = seen.iter().map(|e| (e.df, e.gf)).collect();
            c
        })
        .collect();

    // Global unigram ids, in order of first appearance over the chunks (deterministic).
    let mut global: HashMap<&str, u32> = HashMap::default();
    let mut gterms: Vec<&str> = Vec::new();
    let mut guni: Vec<(u32, u32)> = Vec::new();
    let to_global: Vec<Vec<u32>> = chunks
        .iter()
        .map(|c| {
            c.terms
                .iter()
                .zip(&c.uni)
                .map(|(t, &(df, gf))| {
                    let id = *global.entry(t).or_insert_with(|| {
                        gterms.push(t);
                        guni.push((0, 0));
                        (gterms.len() - 1) as u32
                    });
                    guni[id as usize].0 += df;
                    guni[id as usize].1 += gf;
                    id
                })
                .collect()
        })
        .collect();
    drop(global);

    // Bigrams: pairs of global ids, counted by shard in parallel over the kept sequences.
    let max_df = ((s.max_df * n as f64).floor() as u32).max(1);
    let keep = |d: u32, g: u32| g as usize >= s.min_df && d <= max_df;
    let shard_of = |k: u64| (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 59) as usize % SHARDS;
    // A bigram occurs only where both its terms do, so in no more groups than either (a
    // subsequence of a term's units has no more runs of one group than the term's own):
    // one with a term below `min_df` can never be kept, and is not counted. In real text
    // most distinct bigrams hold a word seen once.
    let may_pair: Vec<bool> = guni.iter().map(|&(_, g)| g as usize >= s.min_df).collect();
    let kept_bi: Vec<(u64, u32)> = if !s.bigrams {
        Vec::new()
    } else {
        (0..SHARDS)
            .into_par_iter()
            .flat_map_iter(|sh| {
                let mut m: HashMap<u64, Seen> = HashMap::default();
                for (ci, (c, l2g)) in chunks.iter().zip(&to_global).enumerate() {
                    let mut at = 0usize;
                    for (j, &len) in c.lens.iter().enumerate() {
                        let i = (ci * CHUNK + j) as u32;
                        let seq = &c.seq[at..at + len as usize];
                        at += len as usize;
                        let mut g = None;
                        for w in seq.windows(2) {
                            let (a, b) = (l2g[w[0] as usize], l2g[w[1] as usize]);
                            if !(may_pair[a as usize] && may_pair[b as usize]) {
                                continue;
                            }
                            let k = pair_key(a, b);
                            if shard_of(k) != sh {
                                continue;
                            }
                            let gi = *g.get_or_insert_with(|| group(i as usize));
                            m.entry(k)
                                .and_modify(|e| e.see(i, gi))
                                .or_insert_with(|| Seen::new(i, gi));
                        }
                    }
                }
                m.into_iter()
                    .filter(|(_, e)| keep(e.df, e.gf))
                    .map(|(k, e)| (k, e.df))
                    .collect::<Vec<_>>()
            })
            .collect()
    };

    // Kept features: (term, df, unigram id or bigram key). Above `max_features` the most
    // frequent are kept, ties broken by term; only the terms that can make the cut are
    // spelled out, since writing out every bigram (millions at a million units) to sort
    // them cost a second there.
    enum Key {
        Uni(u32),
        Bi(u64),
    }
    let mut candidates: Vec<(u32, Key)> = guni
        .iter()
        .enumerate()
        .filter(|(_, (d, g))| keep(*d, *g))
        .map(|(id, &(d, _))| (d, Key::Uni(id as u32)))
        .collect();
    candidates.extend(kept_bi.into_iter().map(|(k, d)| (d, Key::Bi(k))));
    let spell = |(d, key): (u32, Key)| -> (String, u32, Key) {
        let term = match key {
            Key::Uni(id) => gterms[id as usize].to_owned(),
            Key::Bi(k) => format!(
                "{} {}",
                gterms[(k >> 32) as usize],
                gterms[(k & 0xffff_ffff) as usize]
            ),
        };
        (term, d, key)
    };
    let mut kept: Vec<(String, u32, Key)> = match s.max_features {
        cap if cap >= candidates.len() => candidates.into_iter().map(spell).collect(),
        0 => Vec::new(),
        cap => {
            // The df of the cap-th most frequent: everything above it is in, and the
            // first of its ties by term fill the rest.
            let mut dfs: Vec<u32> = candidates.iter().map(|c| c.0).collect();
            let cut = *dfs.select_nth_unstable_by(cap - 1, |a, b| b.cmp(a)).1;
            let (mut kept, mut tied): (Vec<_>, Vec<_>) = candidates
                .into_iter()
                .filter(|c| c.0 >= cut)
                .map(spell)
                .partition(|c| c.1 > cut);
            tied.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            tied.truncate(cap - kept.len());
            kept.extend(tied);
            kept
        }
    };
    kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let idf: Vec<f32> = kept
        .iter()
        .map(|(_, d, _)| (((1 + n) as f64 / (1 + *d) as f64).ln() + 1.0) as f32)
        .collect();
    let mut uni_feature = vec![u32::MAX; gterms.len()];
    let mut bi_feature: HashMap<u64, u32> = HashMap::default();
    for (f, (_, _, key)) in kept.iter().enumerate() {
        match *key {
            Key::Uni(id) => uni_feature[id as usize] = f as u32,
            Key::Bi(k) => {
                bi_feature.insert(k, f as u32);
            }
        }
    }

    // Pass 2: rows from the kept id sequences. Each chunk writes its own CSR pieces,
    // concatenated in order.
    let pieces: Vec<(Vec<usize>, Vec<u32>, Vec<f32>)> = chunks
        .par_iter()
        .zip(&to_global)
        .map(|(c, l2g)| {
            let mut lens = Vec::with_capacity(c.lens.len());
            let mut indices = Vec::new();
            let mut data = Vec::new();
            let mut row: Vec<u32> = Vec::new();
            let mut at = 0usize;
            for &len in &c.lens {
                row.clear();
                let seq = &c.seq[at..at + len as usize];
                at += len as usize;
                let mut prev: Option<u32> = None;
                for &local in seq {
                    let id = l2g[local as usize];
                    let f = uni_feature[id as usize];
                    if f != u32::MAX {
                        row.push(f);
                    }
                    if s.bigrams {
                        if let Some(p) = prev {
                            if let Some(&f) = bi_feature.get(&pair_key(p, id)) {
                                row.push(f);
                            }
                        }
                        prev = Some(id);
                    }
                }
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
    drop(chunks);

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
    let (terms, df) = kept.into_iter().map(|(t, d, _)| (t, d)).unzip();
    (Vocabulary { terms, df, idf }, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Language;

    #[test]
    fn a_written_word_is_remembered_per_language() {
        // "Pipelines" is singularised in English only: the same written word in a German
        // unit of the same chunk must not reuse the English term.
        let texts = [
            "Pipelines pipelines Qatar",
            "Pipelines pipelines Qatar",
            "Pipelines Qatar",
        ];
        let s = TfIdfSettings {
            min_df: 1,
            max_df: 1.0,
            max_features: 100,
            bigrams: false,
        };
        let lang = |i: usize| {
            Tokenizer::new(if i == 1 {
                Language::German
            } else {
                Language::English
            })
        };
        let (v, m) = fit_transform(&texts, lang, |i| i as u64, s);
        assert_eq!(v.terms, ["pipeline", "pipelines", "qatar"]);
        assert_eq!(v.df, [2, 1, 3]);
        let cols = |i: usize| m.row(i).0.to_vec();
        assert_eq!(cols(0), [0, 2]);
        assert_eq!(cols(1), [1, 2]);
        assert_eq!(cols(2), [0, 2]);
    }

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

    /// Vocabulary terms, their df, and each row's (term, weight) pairs.
    type Reference = (Vec<String>, Vec<u32>, Vec<Vec<(String, f32)>>);

    /// The plain definition the chunked, interned, sharded implementation must equal.
    fn reference(texts: &[String], group: impl Fn(usize) -> u64, s: TfIdfSettings) -> Reference {
        use std::collections::{BTreeMap, BTreeSet};
        let tok = Tokenizer::new(Language::English);
        let feats: Vec<Vec<String>> = texts.iter().map(|t| tok.terms_with_bigrams(t)).collect();
        let mut units: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
        let mut groups: BTreeMap<&str, BTreeSet<u64>> = BTreeMap::new();
        for (i, f) in feats.iter().enumerate() {
            for t in f {
                units.entry(t).or_default().insert(i);
                groups.entry(t).or_default().insert(group(i));
            }
        }
        let n = texts.len();
        let max_df = ((s.max_df * n as f64).floor() as usize).max(1);
        let mut kept: Vec<(&str, usize)> = units
            .iter()
            .filter(|(t, u)| groups[*t].len() >= s.min_df && u.len() <= max_df)
            .map(|(t, u)| (*t, u.len()))
            .collect();
        if kept.len() > s.max_features {
            kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            kept.truncate(s.max_features);
        }
        kept.sort();
        let idf: BTreeMap<&str, f32> = kept
            .iter()
            .map(|&(t, d)| (t, (((1 + n) as f64 / (1 + d) as f64).ln() + 1.0) as f32))
            .collect();
        let rows = feats
            .iter()
            .map(|f| {
                let mut tf: BTreeMap<&str, u32> = BTreeMap::new();
                for t in f.iter().filter(|t| idf.contains_key(t.as_str())) {
                    *tf.entry(t).or_default() += 1;
                }
                let w: Vec<(String, f32)> = tf
                    .iter()
                    .map(|(t, &c)| (t.to_string(), (1.0 + (c as f32).ln()) * idf[t]))
                    .collect();
                let norm = w.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
                w.into_iter().map(|(t, v)| (t, v / norm)).collect()
            })
            .collect();
        let (terms, df) = kept.iter().map(|&(t, d)| (t.to_string(), d as u32)).unzip();
        (terms, df, rows)
    }

    #[test]
    fn chunked_fit_equals_the_plain_definition_across_chunks() {
        const WORDS: [&str; 23] = [
            "gas",
            "pipeline",
            "nato",
            "ukraine",
            "peace",
            "paris",
            "treaty",
            "russia",
            "syria",
            "qatar",
            "europe",
            "border",
            "sanction",
            "oil",
            "troop",
            "vote",
            "the",
            "and",
            "not",
            "is",
            "pipelines",
            "Gas",
            "NATO’s",
        ];
        // More than two chunks of units; groups of four never straddle a chunk boundary.
        let mut state = 7u64;
        let texts: Vec<String> = (0..(2 * CHUNK + 900))
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let len = 1 + (state >> 60) as usize;
                (0..len)
                    .map(|k| WORDS[((state >> (k * 5 % 55)) % WORDS.len() as u64) as usize])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        for (min_df, max_df, max_features) in [(2, 0.5, 10_000), (3, 0.9, 40), (1, 1.0, 7)] {
            let s = TfIdfSettings {
                min_df,
                max_df,
                max_features,
                bigrams: true,
            };
            let group = |i: usize| (i / 4) as u64;
            let (v, m) = fit_transform(&texts, |_| Tokenizer::new(Language::English), group, s);
            let (terms, df, rows) = reference(&texts, group, s);
            assert_eq!(v.terms, terms);
            assert_eq!(v.df, df);
            if max_features == 10_000 {
                // The corpus is rich enough to test something: many terms, bigrams among them.
                assert!(v.terms.len() > 30 && v.terms.iter().any(|t| t.contains(' ')));
            }
            assert_eq!(m.nrows(), texts.len());
            for (i, want) in rows.iter().enumerate() {
                let (c, d) = m.row(i);
                let got: Vec<(&str, f32)> = c
                    .iter()
                    .zip(d)
                    .map(|(&c, &d)| (v.terms[c as usize].as_str(), d))
                    .collect();
                assert_eq!(got.len(), want.len(), "row {i}");
                for ((gt, gv), (wt, wv)) in got.iter().zip(want) {
                    assert_eq!(gt, wt, "row {i}");
                    assert!((gv - wv).abs() < 1e-5, "row {i} {gt}: {gv} vs {wv}");
                }
            }
        }
    }
}
