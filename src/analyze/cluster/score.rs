//! Cluster quality: silhouettes (for `--k auto` and per cluster) and the adjusted Rand index
//! (agreement with known labels, for benchmarks).

use ndarray::{Array2, Axis};
use rayon::prelude::*;
use std::collections::HashMap;

/// Silhouette of each unit in `sample` (indexes into `x`), computed against the other
/// sampled units: `(b - a) / max(a, b)`. Units without a cluster are left out (`None`);
/// a unit alone in its cluster, or a clustering with one cluster, scores 0.
pub fn silhouettes(
    x: &Array2<f32>,
    labels: &[Option<usize>],
    sample: &[usize],
) -> Vec<Option<f64>> {
    let xs = x.select(Axis(0), sample);
    let d = distances(&xs);
    let ls: Vec<Option<usize>> = sample
        .iter()
        .map(|&i| labels.get(i).copied().flatten())
        .collect();
    silhouettes_from(&d, sample.len(), &ls)
}

/// Pairwise Euclidean distances of the rows of `x` (row-major `n × n`), through one matrix
/// product (`|a|² + |b|² − 2a·b`), so that many candidate partitions of the same sample can
/// be scored in O(n²) each.
pub fn distances(x: &Array2<f32>) -> Vec<f32> {
    let n = x.nrows();
    let gram = x.dot(&x.t());
    let sq: Vec<f32> = (0..n).map(|i| gram[[i, i]]).collect();
    let mut d = vec![0f32; n * n];
    d.par_chunks_mut(n.max(1)).enumerate().for_each(|(i, row)| {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (sq[i] + sq[j] - 2.0 * gram[[i, j]]).max(0.0).sqrt();
        }
    });
    d
}

/// Silhouette of each of `n` items given their pairwise distances.
pub fn silhouettes_from(d: &[f32], n: usize, labels: &[Option<usize>]) -> Vec<Option<f64>> {
    let k = labels.iter().flatten().max().map_or(0, |m| m + 1);
    (0..n)
        .into_par_iter()
        .map(|i| {
            let own = labels.get(i).copied().flatten()?;
            let mut sum = vec![0f64; k];
            let mut cnt = vec![0usize; k];
            let row = d.get(i * n..(i + 1) * n)?;
            for (j, &dij) in row.iter().enumerate() {
                if j == i {
                    continue;
                }
                if let Some(c) = labels.get(j).copied().flatten() {
                    sum[c] += f64::from(dij);
                    cnt[c] += 1;
                }
            }
            if cnt[own] == 0 {
                return Some(0.0);
            }
            let a = sum[own] / cnt[own] as f64;
            let b = (0..k)
                .filter(|&c| c != own && cnt[c] > 0)
                .map(|c| sum[c] / cnt[c] as f64)
                .fold(f64::INFINITY, f64::min);
            if !b.is_finite() {
                return Some(0.0);
            }
            let m = a.max(b);
            Some(if m > 0.0 { (b - a) / m } else { 0.0 })
        })
        .collect()
}

/// Mean silhouette of a partition of `n` items given their pairwise distances.
pub fn mean_silhouette_from(d: &[f32], n: usize, labels: &[Option<usize>]) -> f64 {
    mean_silhouette(&silhouettes_from(d, n, labels))
}

/// Mean of the defined silhouettes (0 when none is).
pub fn mean_silhouette(s: &[Option<f64>]) -> f64 {
    let v: Vec<f64> = s.iter().flatten().copied().collect();
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn comb2(n: u64) -> f64 {
    (n as f64) * (n as f64 - 1.0) / 2.0
}

/// Adjusted Rand index between two labelings of the same items (1 = identical partitions,
/// about 0 = chance). Labels are any hashable values; lengths must match (else 0).
pub fn adjusted_rand_index<A, B>(a: &[A], b: &[B]) -> f64
where
    A: std::hash::Hash + Eq,
    B: std::hash::Hash + Eq,
{
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let mut pairs: HashMap<(&A, &B), u64> = HashMap::new();
    let mut ra: HashMap<&A, u64> = HashMap::new();
    let mut rb: HashMap<&B, u64> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        *pairs.entry((x, y)).or_default() += 1;
        *ra.entry(x).or_default() += 1;
        *rb.entry(y).or_default() += 1;
    }
    let index: f64 = pairs.values().map(|&n| comb2(n)).sum();
    let sa: f64 = ra.values().map(|&n| comb2(n)).sum();
    let sb: f64 = rb.values().map(|&n| comb2(n)).sum();
    let total = comb2(a.len() as u64);
    let expected = sa * sb / total;
    let max = (sa + sb) / 2.0;
    if (max - expected).abs() < f64::EPSILON {
        // Both partitions trivial (all singletons or one block): identical by construction.
        return 1.0;
    }
    (index - expected) / (max - expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ari_matches_known_values() {
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[5, 5, 9, 9]), 1.0);
        // scikit-learn: adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) = 0.5714285714285715
        let v = adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]);
        assert!((v - 0.571_428_571_428_571_5).abs() < 1e-12, "{v}");
        // scikit-learn: adjusted_rand_score([0, 0, 1, 1], [0, 1, 0, 1]) = -0.5
        let v = adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]);
        assert!((v + 0.5).abs() < 1e-12, "{v}");
    }

    #[test]
    fn silhouette_is_high_for_separated_groups() {
        let x =
            Array2::from_shape_vec((4, 2), vec![0.0, 1.0, 0.1, 0.99, 1.0, 0.0, 0.99, 0.1]).unwrap();
        let labels = [Some(0), Some(0), Some(1), Some(1)];
        let s = silhouettes(&x, &labels, &[0, 1, 2, 3]);
        assert!(mean_silhouette(&s) > 0.8);
        let bad = [Some(0), Some(1), Some(0), Some(1)];
        assert!(mean_silhouette(&silhouettes(&x, &bad, &[0, 1, 2, 3])) < 0.0);
        let d = distances(&x);
        let full = mean_silhouette(&silhouettes(&x, &labels, &[0, 1, 2, 3]));
        assert!((mean_silhouette_from(&d, 4, &labels) - full).abs() < 1e-6);
    }
}
