//! Runs rules over a corpus: content checks per field, context checks per comment, and a
//! second pass for rules that read other rules' flags (parent flagged, author's flags).

use super::rule::{Check, Field, Rule};
use super::scan;
use super::{Flag, Span};
use crate::analyze::{CommentRef, Stances};
use crate::model::{Corpus, Thread};
use crate::text::tokenize::{TermMemo, Tokenizer, push_lowercase, words};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// Optional analyzer results that context checks read; absent inputs make the checks that
/// need them fail (with a warning), never guess.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModerationContext<'a> {
    /// Stance of every reply toward its parent (issue 5's analyzer).
    pub stances: Option<&'a Stances>,
    /// Cluster of every comment, `[thread][comment]`, as `Clustering::comment_clusters` gives.
    pub clusters: Option<&'a [Vec<Option<u32>>]>,
}

/// One flag and the comment it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Where the flagged comment is.
    pub at: CommentRef,
    /// The flag.
    pub flag: Flag,
}

/// Result of running rules over a corpus.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Moderation {
    /// Every hit in corpus order (thread, comment), rules in the order given.
    pub hits: Vec<Hit>,
    /// Rules that could not be judged (a context input was missing), one line each.
    pub warnings: Vec<String>,
}

/// Most evidence spans kept per flag.
const MAX_EVIDENCE: usize = 20;
/// Words a comment needs before it takes part in near-duplicate detection.
const MIN_DUPLICATE_WORDS: usize = 8;
/// Earliest comments kept per shingle: bounds the work on very common phrases.
const MAX_POSTINGS: usize = 200;
/// Terms the article and thread must have before a comment can be called off-topic.
const MIN_CONTEXT_TERMS: usize = 30;

/// Runs `rules` over every comment of `corpus`.
pub fn moderate(corpus: &Corpus, rules: &[Rule], ctx: &ModerationContext) -> Moderation {
    let prepared = Prepared::new(corpus, rules);
    let mut warnings = BTreeSet::new();
    for r in rules {
        if r.context.stance.is_some() && ctx.stances.is_none() {
            warnings.insert(format!(
                "rule {:?} checks stance but no stance results were given; it matched nothing",
                r.id
            ));
        }
        if r.context.clusters.is_some() && ctx.clusters.is_none() {
            warnings.insert(format!(
                "rule {:?} checks the cluster but no clustering results were given; it matched nothing",
                r.id
            ));
        }
    }
    let (first, second): (Vec<&Rule>, Vec<&Rule>) =
        rules.iter().partition(|r| !r.context.needs_flags());
    let mut hits = run_pass(corpus, &first, ctx, &prepared, None);
    if !second.is_empty() {
        let earlier = FlagIndex::new(corpus, &hits);
        hits.extend(run_pass(corpus, &second, ctx, &prepared, Some(&earlier)));
        // Keep corpus order, then the order the rules were given in.
        let order: HashMap<&str, usize> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        hits.sort_by_key(|h| (h.at, order.get(h.flag.rule.as_str()).copied()));
    }
    Moderation {
        hits,
        warnings: warnings.into_iter().collect(),
    }
}

/// Flags of the first pass, as the second pass's context checks read them.
struct FlagIndex {
    /// Rules that flagged each comment, `[thread][comment]`.
    rules: Vec<Vec<Vec<String>>>,
    /// Flags on each author's comments before each comment (corpus order), `[thread][comment]`.
    author_before: Vec<Vec<u32>>,
}

impl FlagIndex {
    fn new(corpus: &Corpus, hits: &[Hit]) -> FlagIndex {
        let mut rules: Vec<Vec<Vec<String>>> = corpus
            .threads
            .iter()
            .map(|t| vec![Vec::new(); t.comments.len()])
            .collect();
        for h in hits {
            if let Some(slot) = rules
                .get_mut(h.at.thread as usize)
                .and_then(|t| t.get_mut(h.at.comment as usize))
            {
                slot.push(h.flag.rule.clone());
            }
        }
        let mut seen: HashMap<&str, u32> = HashMap::new();
        let mut author_before = Vec::with_capacity(corpus.threads.len());
        for (ti, t) in corpus.threads.iter().enumerate() {
            let mut row = Vec::with_capacity(t.comments.len());
            for (ci, c) in t.comments.iter().enumerate() {
                let Some(a) = c.author.as_deref() else {
                    row.push(0);
                    continue;
                };
                let n = seen.entry(a).or_insert(0);
                row.push(*n);
                *n += rules[ti][ci].len() as u32;
            }
            author_before.push(row);
        }
        FlagIndex {
            rules,
            author_before,
        }
    }
}

/// The most similar earlier comment: its id and the similarity.
type Duplicate = (String, f64);

/// A rule's evidence spans, details and the field value they index.
type Matched<'a> = (Vec<(usize, usize)>, String, &'a str);

/// Corpus-wide indexes built once, only when a rule needs them.
struct Prepared {
    /// Best earlier near-duplicate of each comment: (its id, similarity).
    duplicates: Option<Vec<Vec<Option<Duplicate>>>>,
    /// Per-thread vocabulary for off-topic checks, built the first time a comment of the
    /// thread reaches such a check (inside the parallel per-thread pass; a thread whose
    /// comments all sit in argument clusters never needs one).
    vocab: Option<Vec<OnceLock<ThreadVocab>>>,
}

/// The terms of one thread, by id (ids are per thread, in order of first use).
struct ThreadVocab {
    /// Whether each term occurs in the article (title and paragraphs).
    in_article: Vec<bool>,
    /// In how many comments of the thread each term occurs.
    comment_counts: Vec<u32>,
    /// The distinct terms of each comment, sorted: tokenised once, here.
    comment_terms: Vec<Vec<u32>>,
    /// Distinct article terms plus distinct comment terms.
    total_terms: usize,
}

impl Prepared {
    fn new(corpus: &Corpus, rules: &[Rule]) -> Prepared {
        let need_dup = rules
            .iter()
            .any(|r| r.checks.iter().any(Check::needs_duplicates));
        let need_vocab = rules
            .iter()
            .any(|r| r.checks.iter().any(Check::needs_vocabulary));
        Prepared {
            duplicates: need_dup.then(|| {
                let least = rules
                    .iter()
                    .flat_map(|r| r.checks.iter())
                    .filter_map(least_similarity)
                    .fold(f64::INFINITY, f64::min);
                near_duplicates(corpus, least)
            }),
            vocab: need_vocab.then(|| corpus.threads.iter().map(|_| OnceLock::new()).collect()),
        }
    }
}

fn shingles(text: &str) -> Vec<u64> {
    // Each lower-cased word is hashed once and each window of three from its words' hashes:
    // hashing the three words' bytes again for every window they are in was a fourteenth of
    // all CPU time at a million comments.
    let mut buf = String::new();
    let word_hashes: Vec<u64> = words(text)
        .map(|w| {
            if w.is_ascii() {
                // The hash of the lower-cased bytes, without copying them first.
                fnv1a(w.bytes().map(|b| b.to_ascii_lowercase()))
            } else {
                buf.clear();
                push_lowercase(w, &mut buf);
                fnv1a(buf.bytes())
            }
        })
        .collect();
    if word_hashes.len() < MIN_DUPLICATE_WORDS {
        return Vec::new();
    }
    let mut out: Vec<u64> = word_hashes
        .windows(3)
        .map(|w| window_hash(w[0], w[1], w[2]))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// FNV-1a of a word's bytes.
fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The hash of three words in order, from their hashes. Each step is a bijection of the
/// running value for a given next word, so distinct windows collide only by chance (about
/// 2⁻⁶⁴ a pair); the finishing mix (splitmix64's) spreads every input bit over the result,
/// whose smallest values are a comment's sketch and whose low byte its signature bit.
fn window_hash(a: u64, b: u64, c: u64) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (a.rotate_left(23) ^ b).wrapping_mul(K);
    h = (h.rotate_left(23) ^ c).wrapping_mul(K);
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Most of a comment's smallest shingle hashes indexed (its bottom-k sketch). Two comments
/// with Jaccard ≥ 0.8 share the smallest shingle hash of their union with probability ≥ 0.8,
/// and miss all of the first 16 with probability about 0.2^16, so candidates are found while
/// the index holds at most 16 entries per comment instead of every shingle (a million
/// comments stay in memory).
const SKETCH: usize = 16;

/// How many of a comment's smallest shingle hashes are indexed and looked up: the prefix
/// filter of set-similarity joins, `size − ⌈least · size⌉ + 1`, at most [`SKETCH`]. Two sets
/// with Jaccard ≥ `least` share a value within these prefixes whatever the order of the
/// values, so below the cap no pair is missed; above it the sketch bound holds. At 0.8 a
/// comment of 30 shingles needs 7 instead of 16, and fewer lookups find fewer candidates.
fn prefix_len(size: usize, least: f64) -> usize {
    // The margin keeps `0.8 × 30 = 24.000000000000004` from rounding up to 25.
    let must_share = (least * size as f64 - 1e-9).ceil().max(0.0) as usize;
    (size + 1).saturating_sub(must_share).min(size).min(SKETCH)
}

/// The lowest `min_similarity` of the near-duplicate checks in `check` (`None` without any).
fn least_similarity(check: &Check) -> Option<f64> {
    match check {
        Check::NearDuplicate { min_similarity } => Some(*min_similarity),
        Check::All(v) | Check::Any(v) => v.iter().filter_map(least_similarity).reduce(f64::min),
        _ => None,
    }
}

/// Jaccard similarity of two sorted, deduplicated lists when it can reach `least`; `None`
/// as soon as the shingles left cannot make up the intersection that `least` needs (the
/// exact value of a pair below every rule's threshold is never read).
fn jaccard_at_least(a: &[u64], b: &[u64], least: f64) -> Option<f64> {
    let total = (a.len() + b.len()) as f64;
    // n / (|a| + |b| - n) >= least  <=>  n >= least (|a| + |b|) / (1 + least); a small
    // margin keeps rounding from dropping a pair exactly at the threshold.
    let need = least * total / (1.0 + least) - 1e-9;
    let (mut i, mut j, mut n) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        if ((n + (a.len() - i).min(b.len() - j)) as f64) < need {
            return None;
        }
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    ((n as f64) >= need).then(|| n as f64 / (total - n as f64))
}

/// Whether sets of sizes `a` and `b` that share at most `most_shared` elements can have a
/// Jaccard similarity of `least` (the bound [`jaccard_at_least`] applies as it goes).
fn overlap_may_reach(a: usize, b: usize, most_shared: usize, least: f64) -> bool {
    most_shared as f64 >= least * (a + b) as f64 / (1.0 + least) - 1e-9
}

/// The most elements two sorted sets of sizes `a` and `b` can share when one value stands
/// at position `pa` of the first and `pb` of the second: the smaller values can only pair
/// with smaller ones, the larger with larger (the positional filter of set-similarity
/// joins).
fn most_shared_around(a: usize, pa: usize, b: usize, pb: usize) -> usize {
    pa.min(pb) + 1 + (a - pa - 1).min(b - pb - 1)
}

/// One entry of a posting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Posting {
    /// The comment (global index).
    comment: u32,
    /// Its number of shingles.
    size: u32,
    /// Where the list's value stands among its shingles (below [`SKETCH`]).
    at: u8,
}

/// A posting as a list keeps it: with the comment's folded signature
/// ([`Signature::folded`]).
#[derive(Debug, Clone, Copy)]
struct ListEntry {
    posting: Posting,
    folded: u64,
}

/// The earliest [`MAX_POSTINGS`] comments (global indexes) of every sketch value that two
/// or more comments share, in flat arrays: a value of one comment only gives that comment,
/// which is never its own candidate, and a map of a `Vec` per value cost more than the
/// lookups at a million comments. Each list is ordered by the comments' number of shingles
/// (then by comment), so a lookup reads only the sizes that can reach the threshold: at a
/// million comments a fifth of the entries, which were all read in corpus order before.
struct Postings {
    /// Value → (start, end) in `comments`.
    ranges: FxHashMap<u64, (u32, u32)>,
    /// Size, position and folded signature sit beside the id so that most candidates are
    /// dismissed while the list is read in order, before anything of theirs is looked up
    /// elsewhere (at a million comments, reading every candidate's own signature was a
    /// cache miss each, twenty million of them).
    comments: Vec<ListEntry>,
}

impl Postings {
    fn new(shingles: &[Vec<u64>], sigs: &[Signature], least: f64) -> Postings {
        // Sorted by hash, so a comment's first values are its bottom-k sketch.
        let mut pairs: Vec<(u64, Posting)> = shingles
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, s)| {
                s[..prefix_len(s.len(), least)]
                    .iter()
                    .enumerate()
                    .map(move |(at, &v)| {
                        let p = Posting {
                            comment: i as u32,
                            size: s.len() as u32,
                            at: at as u8,
                        };
                        (v, p)
                    })
            })
            .collect();
        pairs.par_sort_unstable();
        let mut ranges = FxHashMap::default();
        let mut comments = Vec::new();
        for run in pairs.chunk_by(|a, b| a.0 == b.0) {
            if run.len() < 2 {
                continue;
            }
            let start = comments.len() as u32;
            comments.extend(run.iter().take(MAX_POSTINGS).map(|&(_, posting)| {
                ListEntry {
                    posting,
                    folded: sigs
                        .get(posting.comment as usize)
                        .map_or(u64::MAX, Signature::folded),
                }
            }));
            comments[start as usize..]
                .sort_unstable_by_key(|e| (e.posting.size, e.posting.comment));
            ranges.insert(run[0].0, (start, comments.len() as u32));
        }
        Postings { ranges, comments }
    }

    /// The comments of sketch value `v` with their sizes, by size and then corpus order.
    fn get(&self, v: u64) -> Option<&[ListEntry]> {
        let &(a, b) = self.ranges.get(&v)?;
        self.comments.get(a as usize..b as usize)
    }

    /// The part of `list` (a list of [`Postings::get`]) whose comments have a size that
    /// can reach a Jaccard similarity of `least` with a comment of `size` shingles: the
    /// rest could not even if one held the other.
    fn sizes_that_may_reach(list: &[ListEntry], size: usize, least: f64) -> &[ListEntry] {
        // Below `size` a larger size may reach and above it a smaller one. The start is
        // found by bisection; the end by reading on from it, as the caller reads every entry
        // in between anyway.
        let lo = list.partition_point(|e| {
            let b = e.posting.size as usize;
            b < size && !overlap_may_reach(size, b, b, least)
        });
        let rest = list.get(lo..).unwrap_or_default();
        let n = rest
            .iter()
            .take_while(|e| {
                let b = e.posting.size as usize;
                b <= size || overlap_may_reach(size, b, size, least)
            })
            .count();
        rest.get(..n).unwrap_or_default()
    }
}

/// A comment's shingles as 256 bits, one per shingle hash modulo 256: a shingle of another
/// comment whose bit is clear here is not among this comment's shingles.
#[derive(Clone, Copy)]
struct Signature([u64; 4]);

impl Signature {
    fn bit(v: u64) -> u8 {
        // The low byte: the bottom-k sketches are the smallest hashes, so their high bits
        // are alike.
        (v & 0xff) as u8
    }

    fn of(shingles: &[u64]) -> Signature {
        let mut w = [0u64; 4];
        for &v in shingles {
            let b = Signature::bit(v);
            w[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        Signature(w)
    }

    /// The four words ORed: one bit per shingle hash modulo 64.
    fn folded(&self) -> u64 {
        self.0.iter().fold(0, |a, w| a | w)
    }

    /// How many of the bits `bits` (one per shingle of another comment) are set here: at
    /// least the number of shingles the two comments share.
    fn count_in(&self, bits: &[u8]) -> usize {
        bits.iter()
            .filter(|&&b| self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0)
            .count()
    }
}

/// Asks the processor to bring `entries` into the cache (a hint: nothing is read, and
/// elsewhere than on x86-64 it does nothing).
fn prefetch<T>(entries: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let base = entries.as_ptr().cast::<i8>();
        for off in (0..std::mem::size_of_val(entries)).step_by(64) {
            // SAFETY: the address is inside `entries`, and a prefetch never faults.
            unsafe { _mm_prefetch(base.wrapping_add(off), _MM_HINT_T0) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = entries;
}

/// Rows per parallel work item of the near-duplicate lookup (each has its own marks).
const DUP_CHUNK: usize = 8192;

fn near_duplicates(corpus: &Corpus, least: f64) -> Vec<Vec<Option<Duplicate>>> {
    // Every comment in corpus order; its position is its global index.
    let refs: Vec<(u32, u32)> = corpus
        .threads
        .iter()
        .enumerate()
        .flat_map(|(ti, t)| (0..t.comments.len()).map(move |ci| (ti as u32, ci as u32)))
        .collect();
    let text = |&(t, c): &(u32, u32)| -> &str {
        corpus
            .threads
            .get(t as usize)
            .and_then(|t| t.comments.get(c as usize))
            .map_or("", |c| c.text.as_str())
    };
    // Shingles once per comment (they used to be recomputed for every candidate pair).
    let sh: Vec<Vec<u64>> = refs.par_iter().map(|r| shingles(text(r))).collect();
    // The earliest MAX_POSTINGS comments of every sketch value. A comment's candidates are
    // the entries before it, which are exactly what a list filled in corpus order held when
    // the comment was reached: so the lookups below can run in any order, in parallel.
    let sigs: Vec<Signature> = sh.par_iter().map(|s| Signature::of(s)).collect();
    let postings = Postings::new(&sh, &sigs, least);
    // Only a best match at or above the lowest rule threshold is ever read, so pairs that
    // cannot reach it are cut short; the best of the rest is the same as among all pairs.
    let n = sh.len();
    let best: Vec<Option<(u32, f64)>> = (0..n.div_ceil(DUP_CHUNK))
        .into_par_iter()
        .flat_map_iter(|b| {
            // `mark[j] == i` when comment j was already a candidate of comment i.
            let mut mark = vec![u32::MAX; n];
            // Buffers of one comment at a time, reused through the chunk.
            let mut bits: Vec<u8> = Vec::new();
            let mut lists: Vec<(usize, &[ListEntry])> = Vec::with_capacity(SKETCH);
            let (sh, postings, sigs) = (&sh, &postings, &sigs);
            (b * DUP_CHUNK..((b + 1) * DUP_CHUNK).min(n)).map(move |i| {
                let s = &sh[i];
                bits.clear();
                bits.extend(s.iter().map(|&v| Signature::bit(v)));
                // Shingles of this comment that share a folded bit with another of its
                // own: each may stand for a shared shingle the popcount below cannot see.
                let folded = sigs.get(i).map_or(u64::MAX, Signature::folded);
                let crowded = s.len() - folded.count_ones() as usize;
                let mut best: Option<(u32, f64)> = None;
                // Every list is looked up, and the middle of each (where the bisection of
                // its sizes starts) fetched, before any is read: these are independent cache
                // misses (most lists sit far apart), which the processor then waits for
                // together.
                lists.clear();
                lists.extend(
                    s[..prefix_len(s.len(), least)]
                        .iter()
                        .enumerate()
                        .filter_map(|(at, v)| Some((at, postings.get(*v)?))),
                );
                for (_, list) in &lists {
                    let mid = list.len() / 2;
                    prefetch(list.get(mid..mid + 1).unwrap_or_default());
                }
                for (_, list) in lists.iter_mut() {
                    *list = Postings::sizes_that_may_reach(list, s.len(), least);
                }
                for &(at, list) in &lists {
                    // A comment's candidates are the comments before it.
                    for e in list.iter().filter(|e| (e.posting.comment as usize) < i) {
                        let p = &e.posting;
                        // Every value a pair shares bounds its overlap, so a pair this
                        // bound rules out can never reach `least`: it is dismissed before
                        // anything of the other comment is read.
                        let (j, size) = (p.comment, p.size as usize);
                        let most = most_shared_around(s.len(), at, size, p.at as usize);
                        if !overlap_may_reach(s.len(), size, most, least) {
                            continue;
                        }
                        // A shared shingle sets the same folded bit in both: at most the
                        // common bits, plus the shingles crowded onto a bit of this one.
                        let most = (folded & e.folded).count_ones() as usize + crowded;
                        if !overlap_may_reach(s.len(), size, most, least) {
                            continue;
                        }
                        let Some(m) = mark.get_mut(j as usize) else {
                            continue;
                        };
                        if *m == i as u32 {
                            continue;
                        }
                        *m = i as u32;
                        // Only shingles whose bit the other comment's signature has can be
                        // shared: one cache line read instead of the other's whole list.
                        let Some(sig) = sigs.get(j as usize) else {
                            continue;
                        };
                        if !overlap_may_reach(s.len(), size, sig.count_in(&bits), least) {
                            continue;
                        }
                        let Some(o) = sh.get(j as usize) else {
                            continue;
                        };
                        let Some(sim) = jaccard_at_least(s, o, least) else {
                            continue;
                        };
                        // Highest similarity; ties go to the earliest comment.
                        if best.is_none_or(|(bj, bs)| sim > bs || (sim == bs && j < bj)) {
                            best = Some((j, sim));
                        }
                    }
                }
                best
            })
        })
        .collect();
    let mut out: Vec<Vec<Option<Duplicate>>> = corpus
        .threads
        .iter()
        .map(|t| Vec::with_capacity(t.comments.len()))
        .collect();
    for (r, b) in refs.iter().zip(best) {
        let dup = b.and_then(|(j, sim)| {
            let &(pt, pc) = refs.get(j as usize)?;
            let id = corpus
                .threads
                .get(pt as usize)?
                .comments
                .get(pc as usize)?
                .id
                .clone();
            Some((id, sim))
        });
        if let Some(row) = out.get_mut(r.0 as usize) {
            row.push(dup);
        }
    }
    out
}

fn thread_vocab<'t>(t: &'t Thread) -> ThreadVocab {
    let mut ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut intern = |term: &str| -> u32 {
        if let Some(&id) = ids.get(term) {
            return id;
        }
        let id = ids.len() as u32;
        ids.insert(term.to_owned(), id);
        id
    };
    // A thread's comments repeat their words: each written word is normalised once.
    let mut memo: TermMemo<'t, u32> =
        TermMemo::new(Tokenizer::new(crate::analyze::thread_language(t)));
    let mut article_terms = Vec::new();
    for p in t.post.title.iter().chain(t.post.paragraphs.iter()) {
        memo.for_each(p, &mut intern, |id| article_terms.push(id));
    }
    let comment_terms: Vec<Vec<u32>> = t
        .comments
        .iter()
        .map(|c| {
            let mut own = Vec::new();
            memo.for_each(&c.text, &mut intern, |id| own.push(id));
            own.sort_unstable();
            own.dedup();
            own
        })
        .collect();
    let n = ids.len();
    let mut in_article = vec![false; n];
    for id in article_terms {
        in_article[id as usize] = true;
    }
    let mut comment_counts = vec![0u32; n];
    for id in comment_terms.iter().flatten() {
        comment_counts[*id as usize] += 1;
    }
    let total_terms = in_article.iter().filter(|&&a| a).count()
        + comment_counts.iter().filter(|&&c| c > 0).count();
    ThreadVocab {
        in_article,
        comment_counts,
        comment_terms,
        total_terms,
    }
}

/// What one comment offers the checks.
struct Subject<'a> {
    at: CommentRef,
    thread: &'a Thread,
    text: &'a str,
    author: &'a str,
    links: String,
    title: &'a str,
    link_spans: Vec<(usize, usize)>,
    /// The comment's argument cluster, when clustering results were given.
    cluster: Option<u32>,
}

impl Subject<'_> {
    fn field(&self, f: Field) -> &str {
        match f {
            Field::Text => self.text,
            Field::Author => self.author,
            Field::Links => &self.links,
            Field::Title => self.title,
        }
    }
}

fn run_pass(
    corpus: &Corpus,
    rules: &[&Rule],
    ctx: &ModerationContext,
    prepared: &Prepared,
    earlier: Option<&FlagIndex>,
) -> Vec<Hit> {
    if rules.is_empty() {
        return Vec::new();
    }
    // Threads are independent here: each is judged on its own, in parallel, and the hits
    // are concatenated in corpus order.
    let per_thread: Vec<Vec<Hit>> = corpus
        .threads
        .par_iter()
        .enumerate()
        .map(|(ti, t)| thread_pass(ti, t, rules, ctx, prepared, earlier))
        .collect();
    per_thread.into_iter().flatten().collect()
}

fn thread_pass(
    ti: usize,
    t: &Thread,
    rules: &[&Rule],
    ctx: &ModerationContext,
    prepared: &Prepared,
    earlier: Option<&FlagIndex>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    {
        for (ci, c) in t.comments.iter().enumerate() {
            let link_spans = scan::links(&c.text);
            let links = link_spans
                .iter()
                .map(|&(s, e)| &c.text[s..e])
                .collect::<Vec<_>>()
                .join("\n");
            let subject = Subject {
                at: CommentRef {
                    thread: ti as u32,
                    comment: ci as u32,
                },
                thread: t,
                text: &c.text,
                author: c.author.as_deref().unwrap_or(""),
                links,
                title: t.post.title.as_deref().unwrap_or(""),
                link_spans,
                cluster: ctx
                    .clusters
                    .and_then(|cl| cl.get(ti))
                    .and_then(|row| row.get(ci))
                    .copied()
                    .flatten(),
            };
            for rule in rules {
                if !context_holds(rule, &subject, ctx, earlier) {
                    continue;
                }
                let Some((spans, detail, field_text)) = content_holds(rule, &subject, prepared)
                else {
                    continue;
                };
                let evidence: Vec<Span> = spans
                    .into_iter()
                    .filter_map(|(s, e)| {
                        Some(Span {
                            start: s,
                            end: e,
                            text: field_text.get(s..e)?.to_string(),
                        })
                    })
                    .collect();
                let reason = render_reason(
                    &rule.reason,
                    evidence.first().map_or("", |s| s.text.as_str()),
                    c.author.as_deref().unwrap_or("unknown"),
                    &rule.id,
                    &detail,
                );
                hits.push(Hit {
                    at: subject.at,
                    flag: Flag {
                        comment_id: c.id.clone(),
                        thread_id: t.id.clone(),
                        rule: rule.id.clone(),
                        severity: rule.severity,
                        action: rule.action,
                        reason,
                        evidence,
                    },
                });
            }
        }
    }
    hits
}

/// Fills a reason template (`{{name}}`, spaces inside the braces allowed).
pub fn render_reason(
    template: &str,
    matched: &str,
    author: &str,
    rule: &str,
    detail: &str,
) -> String {
    let mut out = String::with_capacity(template.len() + matched.len());
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push_str(&rest[i..]);
            return out;
        };
        match after[..j].trim() {
            "match" => out.push_str(matched),
            "author" => out.push_str(author),
            "rule" => out.push_str(rule),
            "detail" => out.push_str(detail),
            _ => out.push_str(&rest[i..i + 2 + j + 2]),
        }
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    out
}

fn context_holds(
    rule: &Rule,
    s: &Subject,
    ctx: &ModerationContext,
    earlier: Option<&FlagIndex>,
) -> bool {
    let cx = &rule.context;
    let Some(c) = s.thread.comments.get(s.at.comment as usize) else {
        return false;
    };
    if cx.depth_min.is_some_and(|d| c.depth < d) || cx.depth_max.is_some_and(|d| c.depth > d) {
        return false;
    }
    if let Some(want) = &cx.stance {
        let Some(rs) = ctx.stances.and_then(|st| st.get(s.at)) else {
            return false;
        };
        if !want.contains(&rs.stance) {
            return false;
        }
    }
    if let Some(want) = &cx.clusters {
        let got = ctx
            .clusters
            .and_then(|cl| cl.get(s.at.thread as usize))
            .and_then(|t| t.get(s.at.comment as usize))
            .copied()
            .flatten();
        if !got.is_some_and(|k| want.contains(&k)) {
            return false;
        }
    }
    if cx.latency_max_secs.is_some() || cx.latency_min_secs.is_some() {
        let before = match c.parent_index {
            Some(p) => s.thread.comments.get(p as usize).and_then(|p| p.timestamp),
            None => s.thread.post.timestamp,
        };
        let Some(lat) = c.timestamp.zip(before).map(|(a, b)| a.0 - b.0) else {
            return false;
        };
        if cx.latency_max_secs.is_some_and(|m| lat > m)
            || cx.latency_min_secs.is_some_and(|m| lat < m)
        {
            return false;
        }
    }
    if let Some(want) = cx.parent_flagged {
        let Some(idx) = earlier else { return false };
        let flagged = c.parent_index.is_some_and(|p| {
            idx.rules
                .get(s.at.thread as usize)
                .and_then(|t| t.get(p as usize))
                .is_some_and(|rs| {
                    rs.iter().any(|r| {
                        cx.parent_flagged_by.is_empty() || cx.parent_flagged_by.contains(r)
                    })
                })
        });
        if flagged != want {
            return false;
        }
    }
    if let Some(min) = cx.author_flags_min {
        let Some(idx) = earlier else { return false };
        let n = idx
            .author_before
            .get(s.at.thread as usize)
            .and_then(|t| t.get(s.at.comment as usize))
            .copied()
            .unwrap_or(0);
        if c.author.is_none() || n < min {
            return false;
        }
    }
    true
}

type Found = (Vec<(usize, usize)>, String);

fn content_holds<'a>(rule: &Rule, s: &'a Subject, prepared: &Prepared) -> Option<Matched<'a>> {
    if rule.checks.is_empty() {
        return Some((Vec::new(), String::new(), s.text));
    }
    for &f in &rule.fields {
        let value = s.field(f);
        let mut spans = Vec::new();
        let mut details = Vec::new();
        let all = rule
            .checks
            .iter()
            .all(|c| match eval(c, f, value, s, prepared) {
                Some((sp, d)) => {
                    spans.extend(sp);
                    if !d.is_empty() {
                        details.push(d);
                    }
                    true
                }
                None => false,
            });
        if all {
            details.dedup();
            return Some((tidy(spans), details.join("; "), value));
        }
    }
    None
}

/// Sorts spans, drops repeats and spans inside others, keeps the first [`MAX_EVIDENCE`].
fn tidy(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out: Vec<(usize, usize)> = Vec::new();
    for sp in spans {
        if out.last().is_some_and(|l| sp.1 <= l.1) {
            continue;
        }
        out.push(sp);
        if out.len() == MAX_EVIDENCE {
            break;
        }
    }
    out
}

fn eval(
    check: &Check,
    field: Field,
    value: &str,
    s: &Subject,
    prepared: &Prepared,
) -> Option<Found> {
    match check {
        Check::Regex(re) => {
            let spans = re.spans(value, MAX_EVIDENCE);
            (!spans.is_empty()).then_some((spans, String::new()))
        }
        Check::Caps {
            min_share,
            min_letters,
        } => {
            let (share, letters) = scan::caps_share(value);
            (letters >= *min_letters && share >= *min_share).then(|| {
                (
                    scan::sentences(value),
                    format!("{:.0}% capitals", share * 100.0),
                )
            })
        }
        Check::ShoutedWords { min } => {
            let words = scan::shouted_words(value);
            if words.len() < *min {
                return None;
            }
            let sentences = scan::sentences(value);
            let spans = sentences
                .into_iter()
                .filter(|&(a, b)| words.iter().any(|&(ws, we)| ws >= a && we <= b))
                .collect();
            Some((spans, format!("{} shouted words", words.len())))
        }
        Check::PunctRun { min } => {
            let spans = scan::punct_runs(value, *min);
            (!spans.is_empty()).then_some((spans, String::new()))
        }
        Check::Links { min } => {
            let spans = if field == Field::Text {
                s.link_spans.clone()
            } else {
                scan::links(value)
            };
            (spans.len() >= *min).then(|| {
                let n = spans.len();
                (spans, format!("{n} link{}", if n == 1 { "" } else { "s" }))
            })
        }
        Check::Length { min, max } => {
            let n = value.chars().count();
            (min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m))
                .then(|| (Vec::new(), format!("{n} characters")))
        }
        Check::WordsBelow { max } => {
            let mut n = 0;
            let mut last = 0;
            for &(a, b) in scan::links(value)
                .iter()
                .chain(std::iter::once(&(value.len(), value.len())))
            {
                n += value.get(last..a).map_or(0, |t| words(t).count());
                last = b;
            }
            (n < *max).then(|| (Vec::new(), format!("{n} words besides links")))
        }
        Check::RepeatedChars { min } => {
            let spans = scan::repeated_chars(value, *min);
            (!spans.is_empty()).then_some((spans, String::new()))
        }
        Check::NearDuplicate { min_similarity } => {
            if field != Field::Text {
                return None;
            }
            let (other, sim) = prepared
                .duplicates
                .as_ref()?
                .get(s.at.thread as usize)?
                .get(s.at.comment as usize)?
                .as_ref()?;
            (*sim >= *min_similarity).then(|| {
                let trimmed = value.trim_start();
                let start = value.len() - trimmed.len();
                (
                    vec![(start, start + trimmed.trim_end().len())],
                    format!("similarity {sim:.2} to comment {other}"),
                )
            })
        }
        Check::OffTopic {
            max_similarity,
            min_terms,
        } => {
            // A comment in an argument cluster is on some argument of the thread.
            if field != Field::Text || s.cluster.is_some() {
                return None;
            }
            let v = prepared
                .vocab
                .as_ref()?
                .get(s.at.thread as usize)?
                .get_or_init(|| thread_vocab(s.thread));
            // `value` is the comment's text (the field is `Text`), tokenised in the vocabulary.
            let own = v.comment_terms.get(s.at.comment as usize)?;
            if own.len() < *min_terms {
                return None;
            }
            // The context is the article and the *other* comments: terms only this comment
            // uses do not count toward it.
            let only_here = own
                .iter()
                .filter(|&&w| v.comment_counts[w as usize] <= 1)
                .count();
            if v.total_terms.saturating_sub(only_here) < MIN_CONTEXT_TERMS {
                return None;
            }
            let shared = own
                .iter()
                .filter(|&&w| v.in_article[w as usize] || v.comment_counts[w as usize] > 1)
                .count();
            let sim = shared as f64 / own.len() as f64;
            (sim <= *max_similarity).then(|| {
                (
                    Vec::new(),
                    format!(
                        "{:.0}% of its {} terms appear in the article or thread",
                        sim * 100.0,
                        own.len()
                    ),
                )
            })
        }
        Check::All(checks) => {
            let mut spans = Vec::new();
            let mut details = Vec::new();
            for c in checks {
                let (sp, d) = eval(c, field, value, s, prepared)?;
                spans.extend(sp);
                if !d.is_empty() {
                    details.push(d);
                }
            }
            Some((spans, details.join("; ")))
        }
        Check::Any(checks) => {
            let mut spans = Vec::new();
            let mut details = Vec::new();
            let mut any = false;
            for c in checks {
                if let Some((sp, d)) = eval(c, field, value, s, prepared) {
                    any = true;
                    spans.extend(sp);
                    if !d.is_empty() {
                        details.push(d);
                    }
                }
            }
            details.dedup();
            any.then(|| (spans, details.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The positional bound never undercuts the true overlap, so dismissing a pair by
        /// it never loses a near-duplicate.
        #[test]
        fn positional_bound_holds(
            a in proptest::collection::btree_set(0u64..60, 1..40),
            b in proptest::collection::btree_set(0u64..60, 1..40),
        ) {
            let (a, b): (Vec<u64>, Vec<u64>) = (a.into_iter().collect(), b.into_iter().collect());
            let shared = a.iter().filter(|v| b.binary_search(v).is_ok()).count();
            for (pa, v) in a.iter().enumerate() {
                if let Ok(pb) = b.binary_search(v) {
                    proptest::prop_assert!(most_shared_around(a.len(), pa, b.len(), pb) >= shared);
                }
            }
            // The signature bound never undercuts the true overlap either, also when values
            // share a bit (hash-like values spread over the 256 bits and collide).
            for spread in [1u64, 0x9E37_79B9_7F4A_7C15] {
                let bits: Vec<u8> = a.iter().map(|&v| Signature::bit(v.wrapping_mul(spread))).collect();
                let other: Vec<u64> = b.iter().map(|&v| v.wrapping_mul(spread)).collect();
                proptest::prop_assert!(Signature::of(&other).count_in(&bits) >= shared);
            }
            // What jaccard_at_least accepts, the overlap bound with the true overlap accepts.
            for least in [0.3, 0.5, 0.8] {
                if jaccard_at_least(&a, &b, least).is_some() {
                    proptest::prop_assert!(overlap_may_reach(a.len(), b.len(), shared, least));
                }
            }
        }
    }

    #[test]
    fn prefix_filter_lengths() {
        assert_eq!(prefix_len(30, 0.8), 7);
        assert_eq!(prefix_len(6, 0.8), 2);
        assert_eq!(prefix_len(100, 0.8), SKETCH);
        assert_eq!(prefix_len(5, 0.0), 5);
        assert_eq!(prefix_len(0, 0.8), 0);
    }

    #[test]
    fn shingles_are_the_distinct_word_triples_in_order_whatever_the_case() {
        let text = "one two three four five six seven eight";
        let s = shingles(text);
        assert_eq!(s.len(), 6, "six distinct windows of three");
        assert_eq!(s, shingles("ONE Two three, four; five six seven eight!"));
        // A repeated window counts once; fewer than eight words give none.
        assert_eq!(shingles(&format!("{text} one two three")).len(), 8);
        assert!(shingles("one two three four five six seven").is_empty());
        // The order of the words matters: swapping "three" and "four" changes the four
        // windows that hold either and keeps the last two.
        let swapped = shingles("one two four three five six seven eight");
        let kept = swapped.iter().filter(|v| s.contains(v)).count();
        assert_eq!(kept, 2, "{s:?} {swapped:?}");
        // A window is its three words, not the joined text: "ab c" and "a bc" differ.
        assert_ne!(
            window_hash(fnv1a(b"ab".iter().copied()), fnv1a(b"c".iter().copied()), 0),
            window_hash(fnv1a(b"a".iter().copied()), fnv1a(b"bc".iter().copied()), 0)
        );
    }

    #[test]
    fn near_duplicates_equal_the_best_pair_by_brute_force() {
        // Comments of 8 to 60 words over a small vocabulary, many of them edited copies of
        // earlier ones (some words swapped, some dropped), so that many pairs sit near every
        // threshold; fewer comments than MAX_POSTINGS, so no list is cut.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        let mut texts: Vec<String> = Vec::new();
        for i in 0..180 {
            let words: Vec<String> = if i > 0 && next(3) > 0 {
                let mut w: Vec<String> = texts[next(i as u64) as usize]
                    .split(' ')
                    .map(str::to_string)
                    .collect();
                for _ in 0..next(4) {
                    let at = next(w.len() as u64) as usize;
                    w[at] = format!("v{}", next(40));
                }
                if next(2) == 0 && w.len() > 8 {
                    w.pop();
                }
                w
            } else {
                (0..8 + next(53))
                    .map(|_| format!("v{}", next(40)))
                    .collect()
            };
            texts.push(words.join(" "));
        }
        let mut t = Thread::new("t", "t.jsonl", crate::model::Format::Jsonl);
        for (i, text) in texts.iter().enumerate() {
            t.comments.push(crate::model::Comment::new(
                format!("c{i}"),
                i as u32 + 1,
                text.as_str(),
            ));
        }
        let corpus = Corpus {
            threads: vec![t],
            ..Corpus::default()
        };
        let sh: Vec<Vec<u64>> = texts.iter().map(|t| shingles(t)).collect();
        for least in [0.5, 0.8, 0.9] {
            let found = near_duplicates(&corpus, least);
            let mut pairs = 0;
            for (i, got) in found[0].iter().enumerate() {
                let mut best: Option<(usize, f64)> = None;
                for j in 0..i {
                    if sh[i].is_empty() || sh[j].is_empty() {
                        continue;
                    }
                    let shared = sh[i]
                        .iter()
                        .filter(|v| sh[j].binary_search(v).is_ok())
                        .count();
                    let sim = shared as f64 / (sh[i].len() + sh[j].len() - shared) as f64;
                    if sim >= least - 1e-12 && best.is_none_or(|(_, b)| sim > b) {
                        best = Some((j, sim));
                    }
                }
                pairs += usize::from(best.is_some());
                let want = best.map(|(j, sim)| (format!("c{j}"), sim));
                let got = got.as_ref().map(|(id, sim)| (id.clone(), *sim));
                match (&want, &got) {
                    (Some((wj, ws)), Some((gj, gs))) => {
                        assert_eq!(wj, gj, "comment {i} at {least}");
                        assert!((ws - gs).abs() < 1e-9, "comment {i} at {least}");
                    }
                    _ => assert_eq!(want.is_some(), got.is_some(), "comment {i} at {least}"),
                }
            }
            assert!(
                pairs > 30,
                "{pairs} near-duplicates at {least}: the test needs many"
            );
        }
    }

    #[test]
    fn postings_keep_shared_values_by_size_with_positions() {
        let sh = vec![vec![1, 5, 9], vec![5, 7], vec![2, 5], vec![3]];
        let sigs: Vec<Signature> = sh.iter().map(|s| Signature::of(s)).collect();
        let p = Postings::new(&sh, &sigs, 0.0);
        let five: Vec<(u32, u32, u8, u64)> = p
            .get(5)
            .unwrap()
            .iter()
            .map(|q| (q.posting.comment, q.posting.size, q.posting.at, q.folded))
            .collect();
        // Each entry carries its comment's shingles folded to bits modulo 64.
        let bits = |v: &[u64]| v.iter().fold(0u64, |a, &x| a | 1 << (x % 64));
        assert_eq!(
            five,
            [
                (1, 2, 0, bits(&[5, 7])),
                (2, 2, 1, bits(&[2, 5])),
                (0, 3, 1, bits(&[1, 5, 9])),
            ]
        );
        // A value of one comment gives no list.
        assert!(p.get(9).is_none() && p.get(3).is_none());
    }

    #[test]
    fn size_window_holds_exactly_the_sizes_that_may_reach() {
        // One shared value in comments of 1 to 60 shingles, some sizes repeated.
        let sh: Vec<Vec<u64>> = (1..=60u64)
            .chain([5, 20, 20, 41])
            .map(|n| {
                (0..n)
                    .map(|k| if k == 0 { 7 } else { 1000 * n + k })
                    .collect()
            })
            .collect();
        let sigs: Vec<Signature> = sh.iter().map(|s| Signature::of(s)).collect();
        let p = Postings::new(&sh, &sigs, 0.0);
        let list = p.get(7).unwrap();
        assert_eq!(list.len(), 64);
        for least in [0.3, 0.5, 0.8, 0.9, 1.0] {
            for size in [1, 2, 5, 16, 20, 21, 40, 59, 60, 61, 90] {
                let window: Vec<u32> = Postings::sizes_that_may_reach(list, size, least)
                    .iter()
                    .map(|e| e.posting.comment)
                    .collect();
                let want: Vec<u32> = list
                    .iter()
                    .filter(|e| {
                        let b = e.posting.size as usize;
                        overlap_may_reach(size, b, size.min(b), least)
                    })
                    .map(|e| e.posting.comment)
                    .collect();
                assert_eq!(window, want, "size {size} at {least}");
            }
        }
    }
}
