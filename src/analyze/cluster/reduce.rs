//! From the sparse TF-IDF matrix to the dense `f32` matrix the clustering runs on: densified
//! as is when the vocabulary is small, otherwise a sparse random projection.
//!
//! linfa's `SparseRandomProjection` wants a dense input (a million units × 50k terms will
//! not fit) and linfa has no sparse truncated SVD, so the projection is done here over the
//! CSR rows: each term is sent to `NNZ` pseudo-random dimensions with random signs (a sparse
//! Johnson–Lindenstrauss transform), derived from a hash of (seed, term), so no projection
//! matrix is stored and the result depends only on the seed.

use super::tfidf::Csr;
use ndarray::Array2;
use rayon::prelude::*;

/// Non-zeros per term in the projection.
const NNZ: usize = 8;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Dense rows of the matrix, row `i` from row `rows[i]` of `m`: the TF-IDF itself when it
/// has at most `dims` columns, else its projection to `dims` dimensions. Rows are
/// L2-normalised again after projecting, so Euclidean distance keeps meaning cosine
/// distance. The rows are read in place: a copy of the selected sparse rows was the largest
/// allocation beside the dense matrix at a million comments.
pub fn to_dense(m: &Csr, rows: &[usize], dims: usize, seed: u64) -> Array2<f32> {
    let n = rows.len();
    if m.ncols <= dims {
        let d = m.ncols.max(1);
        let mut out = vec![0f32; n * d];
        out.par_chunks_mut(d).zip(rows).for_each(|(row, &i)| {
            let (c, v) = m.row(i);
            for (&j, &x) in c.iter().zip(v) {
                row[j as usize] = x;
            }
        });
        return Array2::from_shape_vec((n, d), out).unwrap_or_else(|_| Array2::zeros((n, d)));
    }
    // Table of (dimension, sign) for every term: ncols × NNZ entries, cheap beside the data.
    let scale = 1.0 / (NNZ as f32).sqrt();
    let table: Vec<(u32, f32)> = (0..m.ncols as u64)
        .flat_map(|j| {
            (0..NNZ as u64).map(move |s| {
                let h = splitmix(seed ^ splitmix(j.wrapping_mul(NNZ as u64) + s));
                let dim = (h % dims as u64) as u32;
                let sign = if h >> 63 == 1 { scale } else { -scale };
                (dim, sign)
            })
        })
        .collect();
    let mut out = vec![0f32; n * dims];
    out.par_chunks_mut(dims).zip(rows).for_each(|(row, &i)| {
        let (c, v) = m.row(i);
        for (&j, &x) in c.iter().zip(v) {
            let base = j as usize * NNZ;
            for &(dim, sign) in &table[base..base + NNZ] {
                row[dim as usize] += sign * x;
            }
        }
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|x| *x /= norm);
        }
    });
    Array2::from_shape_vec((n, dims), out).unwrap_or_else(|_| Array2::zeros((n, dims)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr(rows: &[&[(u32, f32)]], ncols: usize) -> Csr {
        let mut m = Csr {
            indptr: vec![0],
            ncols,
            ..Csr::default()
        };
        for r in rows {
            for &(j, v) in *r {
                m.indices.push(j);
                m.data.push(v);
            }
            m.indptr.push(m.indices.len());
        }
        m
    }

    #[test]
    fn small_vocabularies_are_densified_as_is() {
        let m = csr(&[&[(0, 0.6), (2, 0.8)], &[(1, 1.0)]], 3);
        let d = to_dense(&m, &[0, 1], 8, 1);
        assert_eq!(d.shape(), [2, 3]);
        assert_eq!(d[[0, 2]], 0.8);
        assert_eq!(d[[1, 1]], 1.0);
        let picked = to_dense(&m, &[1], 8, 1);
        assert_eq!(picked.shape(), [1, 3]);
        assert_eq!(picked.row(0), d.row(1));
    }

    #[test]
    fn projection_roughly_keeps_cosines_and_is_seeded() {
        // Two rows sharing half their mass, one disjoint row, 1000 columns, 256 dims.
        let a: Vec<(u32, f32)> = (0..20).map(|j| (j, 1.0 / 20f32.sqrt())).collect();
        let b: Vec<(u32, f32)> = (10..30).map(|j| (j, 1.0 / 20f32.sqrt())).collect();
        let c: Vec<(u32, f32)> = (500..520).map(|j| (j, 1.0 / 20f32.sqrt())).collect();
        let m = csr(&[&a, &b, &c], 1000);
        let d = to_dense(&m, &[0, 1, 2], 256, 7);
        let dot = |i: usize, j: usize| d.row(i).dot(&d.row(j));
        assert!((dot(0, 1) - 0.5).abs() < 0.15, "{}", dot(0, 1));
        assert!(dot(0, 2).abs() < 0.15, "{}", dot(0, 2));
        assert_eq!(d, to_dense(&m, &[0, 1, 2], 256, 7));
        assert_ne!(d, to_dense(&m, &[0, 1, 2], 256, 8));
    }
}
