//! Fitting the L2-penalised logistic regression through the Gram matrix of its training
//! rows. With far more feature columns than training pairs (thousands of TF-IDF terms and
//! character n-grams against about a thousand replies), the optimal weights lie in the span
//! of the training rows: if `Z = X·V` for a `V` with orthonormal columns spanning that span,
//! fitting on `Z` with the same penalty and mapping back, `W = V·B`, gives the same model
//! (the loss sees only `X·W = Z·B`, and `‖W‖ = ‖B‖`). L-BFGS is invariant under that
//! orthogonal change of variables, so even its iterates agree up to rounding. `Z` has one
//! column per training pair instead of one per feature, which makes every fit of the inner
//! cross-validation several times cheaper, and the inner folds' Gram matrices are
//! sub-matrices of the outer one.
//!
//! `Z` is the Cholesky factor `L` of `K = X·Xᵀ` (`K = L·Lᵀ`), with the columns of rows that
//! repeat earlier ones (a zero pivot) left out; then `V = X_Pᵀ·L_P⁻ᵀ` over the kept rows `P`.

use ndarray::{Array2, ArrayView2, Axis};

/// The Cholesky factor of a Gram matrix, with the columns of dependent rows dropped.
#[derive(Debug, Clone)]
pub struct Factor {
    /// Lower-triangular `n × n` factor; the columns of dropped pivots are zero.
    l: Array2<f64>,
    /// Pivots kept (indexes of linearly independent rows), ascending.
    kept: Vec<usize>,
}

/// A pivot whose squared residual is below this share of the largest diagonal entry is a
/// row (numerically) in the span of the earlier ones.
const PIVOT_TOLERANCE: f64 = 1e-9;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl Factor {
    /// Factors a symmetric positive semi-definite matrix.
    pub fn of(k: &ArrayView2<f64>) -> Factor {
        let n = k.nrows();
        let largest = k.diag().iter().fold(0.0f64, |m, &v| m.max(v));
        let tol = PIVOT_TOLERANCE * largest;
        let mut l = Array2::<f64>::zeros((n, n));
        let mut kept = Vec::new();
        for j in 0..n {
            let lj = l.row(j).to_vec();
            let d = k[[j, j]] - dot(&lj[..j], &lj[..j]);
            if d <= tol {
                continue;
            }
            let ljj = d.sqrt();
            l[[j, j]] = ljj;
            kept.push(j);
            for i in j + 1..n {
                let s = k[[i, j]] - dot(&l.row(i).as_slice().expect("row-major")[..j], &lj[..j]);
                l[[i, j]] = s / ljj;
            }
        }
        Factor { l, kept }
    }

    /// The training matrix in the span coordinates: `n × r` (at least one column, zero when
    /// every row is zero, so that the solver always has a matrix).
    pub fn z(&self) -> Array2<f64> {
        if self.kept.is_empty() {
            return Array2::zeros((self.l.nrows(), 1));
        }
        self.l.select(Axis(1), &self.kept)
    }

    /// Coefficients `C` (`n × m`) with `W = Xᵀ·C`, from weights `B` fitted on [`Factor::z`]:
    /// `C` holds `L_P⁻ᵀ·B` at the kept rows and zero elsewhere.
    pub fn coefficients(&self, b: &Array2<f64>) -> Array2<f64> {
        let (n, m) = (self.l.nrows(), b.ncols());
        let mut c = Array2::<f64>::zeros((n, m));
        let p = &self.kept;
        // Back substitution with the upper-triangular L_Pᵀ.
        for i in (0..p.len()).rev() {
            for col in 0..m {
                let mut s = b[[i, col]];
                for q in i + 1..p.len() {
                    s -= self.l[[p[q], p[i]]] * c[[p[q], col]];
                }
                c[[p[i], col]] = s / self.l[[p[i], p[i]]];
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn factor_reproduces_the_gram_matrix_and_drops_repeated_rows() {
        // Row 2 repeats row 0; row 3 is their sum with row 1.
        let x = array![
            [1.0, 0.0, 2.0, 0.0],
            [0.0, 3.0, 0.0, 1.0],
            [1.0, 0.0, 2.0, 0.0],
            [1.0, 3.0, 2.0, 1.0],
            [0.5, -1.0, 0.0, 2.0],
        ];
        let k = x.dot(&x.t());
        let f = Factor::of(&k.view());
        assert_eq!(f.kept, [0, 1, 4]);
        let z = f.z();
        assert_eq!(z.dim(), (5, 3));
        let err = (&z.dot(&z.t()) - &k).mapv(f64::abs).sum();
        assert!(err < 1e-9, "{err}");
    }

    #[test]
    fn coefficients_map_span_weights_back_to_feature_weights() {
        let x = array![
            [1.0, 0.0, 2.0, 0.0, 1.0],
            [0.0, 3.0, 0.0, 1.0, 0.0],
            [1.0, 0.0, 2.0, 0.0, 1.0],
            [2.0, 1.0, 0.0, 0.0, 1.0],
        ];
        let k = x.dot(&x.t());
        let f = Factor::of(&k.view());
        let z = f.z();
        let b = array![[0.3, -1.0], [2.0, 0.5], [-0.7, 0.1]];
        let w = x.t().dot(&f.coefficients(&b));
        // Same scores on the training rows, and the same penalty.
        let err = (&x.dot(&w) - &z.dot(&b)).mapv(f64::abs).sum();
        assert!(err < 1e-9, "{err}");
        let (nw, nb) = (w.mapv(|v| v * v).sum(), b.mapv(|v| v * v).sum());
        assert!((nw - nb).abs() < 1e-9, "{nw} vs {nb}");
    }

    #[test]
    fn all_zero_rows_give_one_zero_column() {
        let k = Array2::<f64>::zeros((3, 3));
        let f = Factor::of(&k.view());
        assert_eq!(f.z(), Array2::<f64>::zeros((3, 1)));
        let c = f.coefficients(&Array2::zeros((0, 3)));
        assert_eq!(c, Array2::<f64>::zeros((3, 3)));
    }
}
