//! Argument clustering: units → sparse TF-IDF → (projection) → linfa clustering → labels,
//! representatives, silhouettes and theme names, returned as a [`Clustering`].
//!
//! The analyzer only computes; the CLI (`threadlens cluster`) and the reports render it.

pub mod algorithm;
pub mod errors;
pub mod labels;
pub mod params;
pub mod reduce;
pub mod score;
pub mod segment;
pub mod stage;
pub mod tfidf;
pub mod themes;

pub use errors::{ClusterError, ParamsError};
pub use params::{Algorithm, ClusterParams, KChoice, UnitKind};
pub use score::adjusted_rand_index;
pub use themes::Themes;

use crate::analyze::{ClusterSummary, Clustering};
use crate::model::Corpus;
use crate::text::Tokenizer;
use ndarray::{Array1, Array2};
use rayon::prelude::*;

/// Clusters the argument units of `corpus`.
pub fn cluster(corpus: &Corpus, p: &ClusterParams) -> Result<Clustering, ClusterError> {
    p.check()?;
    let langs = segment::thread_languages(corpus);
    let mut units = segment::segment(
        corpus,
        &langs,
        p.unit,
        p.with_post,
        p.min_unit_terms,
        p.cohesion,
    );
    let tok_of = |i: usize| {
        let lang = units
            .get(i)
            .and_then(|u| langs.get(u.thread as usize))
            .copied()
            .unwrap_or_default();
        Tokenizer::new(lang)
    };
    let texts: Vec<&str> = units.iter().map(|u| u.text.as_str()).collect();
    let settings = tfidf::TfIdfSettings {
        min_df: p.min_df,
        max_df: p.max_df,
        max_features: p.max_features,
        bigrams: p.bigrams,
    };
    let group_of = |i: usize| {
        units.get(i).map_or(0, |u| {
            // Post paragraphs are one group per thread, after every comment id.
            let c = u.comment.map_or(u32::MAX as u64, u64::from);
            (u64::from(u.thread) << 32) | c
        })
    };
    // The sparse matrix is dropped once projected: at a million comments it is a few hundred
    // megabytes that the clustering after it does not read.
    let (active, x) = {
        let (_vocab, m) = tfidf::fit_transform(&texts, tok_of, group_of, settings);
        // Units with no feature at all cannot be placed: they stay unclustered.
        let active: Vec<usize> = (0..m.nrows())
            .filter(|&i| m.indptr[i + 1] > m.indptr[i])
            .collect();
        if active.len() < 2 {
            return Err(ClusterError::TooFewUnits {
                units: active.len(),
                need: 2,
            });
        }
        let x = reduce::to_dense(&m, &active, p.dims, p.seed);
        (active, x)
    };
    let n = x.nrows();

    // Themes: which units mention which theme, and the seed centroids.
    let (theme_keys, unit_themes) = match &p.themes {
        Some(th) => {
            let keys = th.keys(&tok_of(active[0]));
            let ut: Vec<Vec<u16>> = active
                .par_iter()
                .map(|&u| themes::matches(texts[u], &tok_of(u), &keys))
                .collect();
            (keys, ut)
        }
        None => (Vec::new(), Vec::new()),
    };
    let seeds: Vec<Array1<f32>> = if p.algorithm == Algorithm::KMeans && !theme_keys.is_empty() {
        themes::centroids(&x, &unit_themes, theme_keys.len())
            .into_iter()
            .flatten()
            .collect()
    } else {
        Vec::new()
    };
    let init = |k: usize, xs: &Array2<f32>| -> Option<Array2<f32>> {
        (!seeds.is_empty()).then(|| themes::extend_centroids(&seeds, k, xs, p.seed))
    };

    let (k, run_params, k_scores) = match (p.algorithm, p.k) {
        (Algorithm::Dbscan, _) => (0, p.clone(), Vec::new()),
        (_, KChoice::Fixed(k)) => (k.max(seeds.len()).min(n), p.clone(), Vec::new()),
        (_, KChoice::Auto) => {
            let lo = p.k_min.max(seeds.len()).min(n);
            // More than about sqrt(2n) clusters of n units leaves clusters of one or two units,
            // which silhouette rewards on sparse text but nobody can read as an argument.
            let cap = ((2.0 * n as f64).sqrt().floor() as usize).max(2);
            let hi = p.k_max.min(cap).max(lo);
            let ks: Vec<usize> = (lo..=hi).collect();
            let (k, seed, scores) = algorithm::choose_k(&x, &ks, &init, p)?;
            // The final fit repeats the winning trial (on all units when they were sampled).
            let rp = ClusterParams {
                seed,
                n_runs: 1,
                ..p.clone()
            };
            (k, rp, scores)
        }
    };
    let raw = algorithm::run(&x, k, init(k, &x), &run_params)?;

    // Members of each non-empty cluster (empty KMeans clusters are dropped).
    let kmax = raw.iter().flatten().max().map_or(0, |v| v + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); kmax];
    for (row, c) in raw.iter().enumerate() {
        if let Some(c) = c {
            members[*c].push(row);
        }
    }
    members.retain(|m| !m.is_empty());
    let mut label_of_row: Vec<Option<usize>> = vec![None; n];
    for (c, m) in members.iter().enumerate() {
        for &r in m {
            label_of_row[r] = Some(c);
        }
    }

    // Silhouettes on a sample, averaged per cluster.
    let sample = algorithm::sample_indices(n, p.sample, p.seed ^ 0x5117);
    let sil = score::silhouettes(&x, &label_of_row, &sample);
    let mut sil_sum = vec![(0f64, 0usize); members.len()];
    for (&r, s) in sample.iter().zip(&sil) {
        if let (Some(c), Some(s)) = (label_of_row[r], s) {
            sil_sum[c].0 += s;
            sil_sum[c].1 += 1;
        }
    }

    // Labels by class-based TF-IDF over the units' texts.
    let unit_members: Vec<Vec<usize>> = members
        .iter()
        .map(|m| m.iter().map(|&r| active[r]).collect())
        .collect();
    let cc = labels::count_classes(&unit_members, &|u| (texts[u], tok_of(u)));
    let named = labels::top_terms(&cc, p.n_terms);
    let theme_of = match &p.themes {
        Some(_) => themes::assign(&members, &unit_themes, theme_keys.len()),
        None => vec![None; members.len()],
    };

    let mut summaries: Vec<(ClusterSummary, Vec<usize>)> = members
        .par_iter()
        .enumerate()
        .map(|(c, m)| {
            let (auto_label, terms) = named[c].clone();
            let theme = theme_of[c].and_then(|t| {
                p.themes
                    .as_ref()
                    .and_then(|th| th.themes.get(t))
                    .map(|t| t.name.clone())
            });
            let representatives = representatives(&x, m, p.n_representatives)
                .into_iter()
                .map(|r| active[r])
                .collect();
            let (s, cnt) = sil_sum[c];
            let summary = ClusterSummary {
                id: 0,
                label: theme.clone().unwrap_or(auto_label),
                theme,
                terms,
                size: m.len(),
                silhouette: if cnt > 0 {
                    ((s / cnt as f64) * 1e4).round() / 1e4
                } else {
                    0.0
                },
                representatives,
            };
            (summary, unit_members[c].clone())
        })
        .collect();
    // Stable ids: biggest first, then by label, then by first unit.
    summaries.sort_by(|a, b| {
        b.0.size
            .cmp(&a.0.size)
            .then_with(|| a.0.label.cmp(&b.0.label))
            .then_with(|| a.1.first().cmp(&b.1.first()))
    });
    let mut clusters = Vec::with_capacity(summaries.len());
    for (id, (mut s, ms)) in summaries.into_iter().enumerate() {
        s.id = id as u32;
        for u in ms {
            units[u].cluster = Some(id as u32);
        }
        clusters.push(s);
    }
    Ok(Clustering {
        units,
        k: if p.algorithm == Algorithm::Dbscan {
            clusters.len()
        } else {
            k
        },
        clusters,
        algorithm: p.algorithm.name().to_owned(),
        k_scores,
    })
}

/// The `n` member rows closest to the cluster's mean vector, closest first.
///
/// The members are read in place: copying them out first (as `select` does) copied the
/// whole dense matrix once more. The mean is computed as ndarray's `mean_axis` computes it
/// on such a copy (rows added in order, then divided), so the choice is the same to the bit.
fn representatives(x: &Array2<f32>, members: &[usize], n: usize) -> Vec<usize> {
    if members.is_empty() {
        return Vec::new();
    }
    let mut mean = Array1::<f32>::zeros(x.ncols());
    for &r in members {
        mean += &x.row(r);
    }
    mean /= members.len() as f32;
    let mut diff = Array1::<f32>::zeros(x.ncols());
    let mut d: Vec<(f32, usize)> = members
        .iter()
        .map(|&r| {
            diff.assign(&x.row(r));
            diff -= &mean;
            (diff.dot(&diff), r)
        })
        .collect();
    d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    d.into_iter().take(n).map(|(_, r)| r).collect()
}
