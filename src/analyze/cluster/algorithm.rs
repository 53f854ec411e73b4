//! The clustering step proper, on the dense unit vectors: KMeans (KMeans++ starts and
//! bounded full-batch Lloyd iterations written here, where linfa's measured every distance
//! again; linfa-clustering's incremental KMeans for the seeded mini-batch passes over large
//! corpora), linfa's Gaussian mixture and DBSCAN, and the choice of k by silhouette.

use super::errors::ClusterError;
use super::params::{Algorithm, ClusterParams};
use super::score::{distances, mean_silhouette_from};
use linfa::DatasetBase;
use linfa::prelude::*;
use linfa_clustering::{Dbscan, GaussianMixtureModel, IncrKMeansError, KMeans, KMeansInit};
use linfa_nn::distance::Distance;
use ndarray::{Array2, ArrayBase, ArrayView, ArrayView2, Axis, Dimension, Ix2};
use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use rayon::prelude::*;
use std::borrow::Cow;

/// Rows per mini-batch of the incremental KMeans.
const BATCH: usize = 10_000;
/// Units the mini-batch KMeans initialisation is fitted on.
const INIT_SAMPLE: usize = 20_000;
/// Dimensions the Gaussian mixture runs in (full covariances grow with the square).
const GMM_DIMS: usize = 16;

/// Squared-L2 distance for linfa's KMeans on contiguous rows: linfa's `L2Dist` goes through
/// ndarray-stats' generic `sq_l2_dist`, which does not vectorise and took half the run time
/// at 100k units; this one sums eight lanes over plain slices (same result up to rounding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FastL2;

impl FastL2 {
    fn sq<F: linfa::Float>(a: &[F], b: &[F]) -> F {
        #[cfg(target_arch = "x86_64")]
        if std::any::TypeId::of::<F>() == std::any::TypeId::of::<f32>()
            && a.len() == b.len()
            && matches!(Kernel::detect(), Kernel::Avx2Fma)
        {
            // SAFETY: `F` is `f32` (same type id), so the slices are `f32` slices and the
            // result is an `f32`; `detect` checked that the CPU has AVX2.
            unsafe {
                let x = std::slice::from_raw_parts(a.as_ptr().cast::<f32>(), a.len());
                let y = std::slice::from_raw_parts(b.as_ptr().cast::<f32>(), b.len());
                let s = sq_avx2(x, y);
                return *(&s as *const f32).cast::<F>();
            }
        }
        FastL2::sq_portable(a, b)
    }

    fn sq_portable<F: linfa::Float>(a: &[F], b: &[F]) -> F {
        let mut acc = [F::zero(); 8];
        let mut ca = a.chunks_exact(8);
        let mut cb = b.chunks_exact(8);
        for (x, y) in (&mut ca).zip(&mut cb) {
            for l in 0..8 {
                let d = x[l] - y[l];
                acc[l] += d * d;
            }
        }
        let mut s = acc.iter().fold(F::zero(), |s, &v| s + v);
        for (&x, &y) in ca.remainder().iter().zip(cb.remainder()) {
            let d = x - y;
            s += d * d;
        }
        s
    }
}

/// [`FastL2::sq`] on `f32` with AVX2 registers: the same eight lanes, each a separate multiply
/// and add as in the portable loop, summed in the same order, so the result is the same to the
/// bit (linfa's KMeans calls it for every unit and centroid of the mini-batch passes).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sq_avx2(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::{
        _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_setzero_ps, _mm256_storeu_ps,
        _mm256_sub_ps,
    };
    let chunks = a.len().min(b.len()) / 8;
    let mut acc = _mm256_setzero_ps();
    for i in 0..chunks {
        // SAFETY: i * 8 + 8 <= the length of both slices.
        unsafe {
            let d = _mm256_sub_ps(
                _mm256_loadu_ps(a.as_ptr().add(i * 8)),
                _mm256_loadu_ps(b.as_ptr().add(i * 8)),
            );
            acc = _mm256_add_ps(acc, _mm256_mul_ps(d, d));
        }
    }
    let mut lanes = [0f32; 8];
    // SAFETY: `lanes` has room for eight lanes.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), acc) };
    let mut s = lanes.iter().fold(0f32, |s, &v| s + v);
    for (&x, &y) in a[chunks * 8..].iter().zip(&b[chunks * 8..]) {
        let d = x - y;
        s += d * d;
    }
    s
}

impl<F: linfa::Float> Distance<F> for FastL2 {
    fn distance<D: Dimension>(&self, a: ArrayView<F, D>, b: ArrayView<F, D>) -> F {
        self.rdistance(a, b).sqrt()
    }

    fn rdistance<D: Dimension>(&self, a: ArrayView<F, D>, b: ArrayView<F, D>) -> F {
        match (a.as_slice(), b.as_slice()) {
            (Some(x), Some(y)) => FastL2::sq(x, y),
            _ => a
                .iter()
                .zip(b.iter())
                .fold(F::zero(), |s, (&x, &y)| s + (x - y) * (x - y)),
        }
    }

    fn rdist_to_dist(&self, rdist: F) -> F {
        rdist.sqrt()
    }

    fn dist_to_rdist(&self, dist: F) -> F {
        dist * dist
    }
}

/// A deterministic sample of at most `max` indexes of `0..n`, sorted (all when `n <= max`).
pub fn sample_indices(n: usize, max: usize, seed: u64) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut v = rand::seq::index::sample(&mut rng, n, max).into_vec();
    v.sort_unstable();
    v
}

fn fit_error(algorithm: &'static str, e: impl std::fmt::Display) -> ClusterError {
    ClusterError::Fit {
        algorithm,
        message: e.to_string(),
    }
}

/// KMeans with `k` clusters; `init` gives starting centroids (themes), else KMeans++.
/// Up to 20,000 units: [`kmeans_plusplus`] starts and full-batch [`lloyd`] iterations, the
/// best of [`ClusterParams::fit_runs_for`] restarts by inertia. Above, the centroids are first
/// fitted on a sample of 20,000, then refined by full-batch Lloyd iterations or, above
/// `minibatch_above`, by `epochs` passes of linfa's incremental (mini-batch) KMeans over
/// chunks; every unit is assigned at the end. Memory stays at the data matrix plus one chunk.
pub fn kmeans(
    x: &Array2<f32>,
    k: usize,
    init: Option<Array2<f32>>,
    p: &ClusterParams,
) -> Result<Vec<usize>, ClusterError> {
    let n = x.nrows();
    let k = k.clamp(1, n.max(1));
    let mut rng = Xoshiro256Plus::seed_from_u64(p.seed);
    if n <= INIT_SAMPLE {
        if let Some(c) = init {
            return Ok(lloyd(x, c, p.max_iter, p.tolerance).1);
        }
        let mut best: Option<(f64, Vec<usize>)> = None;
        for _ in 0..p.fit_runs_for(n) {
            let start = kmeans_plusplus(x, k, &mut rng);
            let (centroids, labels) = lloyd(x, start, p.max_iter, p.tolerance);
            let inertia = inertia(x, &centroids, &labels);
            if inertia.is_finite() && best.as_ref().is_none_or(|(b, _)| inertia < *b) {
                best = Some((inertia, labels));
            }
        }
        return best
            .map(|(_, labels)| labels)
            .ok_or_else(|| fit_error("kmeans", "no start gave a finite inertia"));
    }
    // Larger corpora: KMeans++ costs k passes over the data, so the starting centroids come
    // from a fit on a sample...
    let s = sample_indices(n, INIT_SAMPLE, p.seed);
    let xs = x.select(Axis(0), &s);
    let first = match init {
        Some(c) => c,
        None => kmeans_plusplus(&xs, k, &mut rng),
    };
    let (start, _) = lloyd(&xs, first, p.max_iter, p.tolerance);
    if n <= p.minibatch_above {
        // ... refined by full-batch Lloyd iterations over every unit ...
        let (_, labels) = lloyd(x, start, p.max_iter, p.tolerance);
        return Ok(labels);
    }
    // ... or, above `minibatch_above`, by mini-batch passes over chunks of the corpus.
    let params = KMeans::params_with(k, rng, FastL2)
        .n_runs(1)
        .tolerance(p.tolerance)
        .init_method(KMeansInit::Precomputed(start.clone()))
        .check()
        .map_err(|e| fit_error("kmeans", e))?;
    // Batches are drawn in a seeded order so that a corpus sorted by thread or time does
    // not pull the centroids towards whatever comes last.
    let mut order: Vec<usize> = (0..n.div_ceil(BATCH)).collect();
    let mut shuffle_rng = Xoshiro256Plus::seed_from_u64(p.seed ^ 0xba7c);
    let mut model = None;
    for _ in 0..p.epochs {
        rand::seq::SliceRandom::shuffle(order.as_mut_slice(), &mut shuffle_rng);
        for &b in &order {
            let chunk = x.slice(ndarray::s![b * BATCH..((b + 1) * BATCH).min(n), ..]);
            let ds = DatasetBase::new(chunk, ());
            model = Some(match params.fit_with(model, &ds) {
                Ok(m) => m,
                Err(IncrKMeansError::NotConverged(m)) => m,
                Err(e) => return Err(fit_error("kmeans", e)),
            });
        }
    }
    match model {
        Some(m) => Ok(nearest(x.view(), m.centroids())),
        None => Ok(nearest(x.view(), &start)),
    }
}

/// KMeans++ starting centroids of `x`: the same choices as linfa's `KMeansInit::KMeansPlusPlus`
/// from the same generator state (same draws, same squared distances), but each row's distance
/// to its nearest chosen centroid is kept from one choice to the next, where linfa measures
/// it again against every chosen centroid: k²/2 passes over the rows instead of k, which made
/// the start cost more than the Lloyd iterations after it.
pub fn kmeans_plusplus(x: &Array2<f32>, k: usize, rng: &mut Xoshiro256Plus) -> Array2<f32> {
    let (n, d) = x.dim();
    let rows = row_major(x);
    let mut centroids = Array2::zeros((k, d));
    if n == 0 || d == 0 {
        return centroids;
    }
    // Drawn as linfa draws it, by weights of one (not a plain uniform index), so that the
    // generator advances alike and the later choices match.
    let first = WeightedIndex::new(vec![1f32; n])
        .expect("n ones are valid weights")
        .sample(rng);
    centroids.row_mut(0).assign(&x.row(first));
    let mut nearest_sq = vec![f32::INFINITY; n];
    let mut chosen = first;
    for c in 1..k {
        let centroid = &rows[chosen * d..(chosen + 1) * d];
        nearest_sq
            .par_chunks_mut(ASSIGN_CHUNK)
            .enumerate()
            .for_each(|(b, out)| {
                for (r, m) in out.iter_mut().enumerate() {
                    let i = b * ASSIGN_CHUNK + r;
                    let sq = FastL2::sq(centroid, &rows[i * d..(i + 1) * d]);
                    if sq < *m {
                        *m = sq;
                    }
                }
            });
        // All rows on a chosen centroid (no weight left): linfa takes the first row.
        chosen = WeightedIndex::new(&nearest_sq).map_or(0, |w| w.sample(rng));
        centroids.row_mut(c).assign(&x.row(chosen));
    }
    centroids
}

/// The sum of squared distances of the rows of `x` to their centroids (in f64).
fn inertia(x: &Array2<f32>, centroids: &Array2<f32>, labels: &[usize]) -> f64 {
    let (rows, cents) = (row_major(x), row_major(centroids));
    let d = x.ncols();
    // Fixed chunks summed in order: rayon's own float sum may split differently per run.
    let parts: Vec<f64> = labels
        .par_chunks(ASSIGN_CHUNK)
        .enumerate()
        .map(|(b, ls)| {
            ls.iter()
                .enumerate()
                .map(|(r, &c)| {
                    let i = b * ASSIGN_CHUNK + r;
                    f64::from(FastL2::sq(
                        &rows[i * d..(i + 1) * d],
                        &cents[c * d..(c + 1) * d],
                    ))
                })
                .sum::<f64>()
        })
        .collect();
    parts.iter().sum()
}

/// The values of `x` row after row: borrowed when it is stored so (every matrix built
/// here is), copied otherwise.
fn row_major<S: ndarray::Data<Elem = f32>>(x: &ArrayBase<S, Ix2>) -> Cow<'_, [f32]> {
    match x.as_slice() {
        Some(flat) => Cow::Borrowed(flat),
        None => Cow::Owned(x.iter().copied().collect()),
    }
}

/// Rows per parallel work item when assigning rows to centroids.
const ASSIGN_CHUNK: usize = 2048;

/// Index of the nearest centroid of every row (the first on ties), from `|c|² − 2x·c`
/// (`|x|²` is the same for every centroid of a row). The dot products run in `Kernel::dots`: a
/// general matrix product (matrixmultiply) spent more time packing the 2048 × 256 row blocks
/// than multiplying them by only k ≈ 30 centroids.
pub fn nearest(x: ArrayView2<f32>, c: &Array2<f32>) -> Vec<usize> {
    let d = x.ncols();
    let k = c.nrows();
    let mut out = vec![0usize; x.nrows()];
    if k == 0 || d == 0 {
        return out;
    }
    let cents = Centroids::new(c);
    let xflat = row_major(&x);
    out.par_chunks_mut(ASSIGN_CHUNK)
        .enumerate()
        .for_each(|(b, o)| {
            let from = b * ASSIGN_CHUNK;
            let mut g = vec![0f32; k];
            for (r, slot) in o.iter_mut().enumerate() {
                let row = &xflat[(from + r) * d..(from + r + 1) * d];
                *slot = cents.nearest_two(row, &mut g).0;
            }
        });
    out
}

/// Centroids laid out for [`Centroids::nearest_two`]: row after row, with their squared norms.
struct Centroids {
    flat: Vec<f32>,
    sq: Vec<f32>,
    d: usize,
    kernel: Kernel,
}

impl Centroids {
    fn new(c: &Array2<f32>) -> Centroids {
        let d = c.ncols();
        let flat = row_major(c).into_owned();
        let sq = flat
            .chunks_exact(d.max(1))
            .map(|r| dots_one(r, r))
            .collect();
        Centroids {
            flat,
            sq,
            d,
            kernel: Kernel::detect(),
        }
    }

    fn row(&self, j: usize) -> &[f32] {
        &self.flat[j * self.d..(j + 1) * self.d]
    }

    /// The nearest centroid of `row` (the first on ties) and the scores `|c|² − 2x·c` of the
    /// nearest and the second nearest (infinite when there is one centroid).
    fn nearest_two(&self, row: &[f32], g: &mut [f32]) -> (usize, f32, f32) {
        self.kernel.dots(row, &self.flat, g);
        let mut best = (0, f32::INFINITY);
        let mut second = f32::INFINITY;
        for (j, (&v, &cs)) in g.iter().zip(&self.sq).enumerate() {
            let dist = cs - 2.0 * v;
            if dist < best.1 {
                second = best.1;
                best = (j, dist);
            } else if dist < second {
                second = dist;
            }
        }
        (best.0, best.1, second)
    }
}

/// The dot-product kernel chosen for this CPU once per call of [`nearest`].
#[derive(Clone, Copy)]
enum Kernel {
    /// AVX2 with fused multiply-add (checked at run time).
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    /// Portable code the compiler vectorises for the baseline target.
    Portable,
}

impl Kernel {
    fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Kernel::Avx2Fma;
        }
        Kernel::Portable
    }

    /// `out[j] = row · centroid j` for the centroids stored row after row in `cents`.
    fn dots(self, row: &[f32], cents: &[f32], out: &mut [f32]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` checked that the CPU has AVX2 and FMA.
            Kernel::Avx2Fma => unsafe { dots_avx2(row, cents, out) },
            Kernel::Portable => dots_portable(row, cents, out),
        }
    }

    /// `row · c` for each of up to four centroids `cs` (each as long as the row), in one pass
    /// over the row: each value is the one [`Kernel::dots`] gives for that centroid alone, to
    /// the bit, but the four sums do not wait on each other.
    fn dots_listed(self, row: &[f32], cs: &[&[f32]]) -> [f32; 4] {
        let mut out = [0f32; 4];
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma
                if (1..=4).contains(&cs.len()) && cs.iter().all(|c| c.len() == row.len()) =>
            {
                // Short lists repeat their last centroid; its extra sums are dropped.
                let c: [&[f32]; 4] = std::array::from_fn(|q| cs[q.min(cs.len() - 1)]);
                // SAFETY: `detect` checked that the CPU has AVX2 and FMA, and every centroid
                // slice is as long as the row.
                let d = unsafe { dot4_avx2(row, c) };
                out[..cs.len()].copy_from_slice(&d[..cs.len()]);
            }
            _ => {
                for (o, c) in out.iter_mut().zip(cs) {
                    self.dots(row, c, std::slice::from_mut(o));
                }
            }
        }
        out
    }
}

/// [`dots_portable`] with AVX2 registers: four centroids per pass over the row, eight lanes each,
/// fused multiply-add; lanes are summed in a fixed order so results do not depend on threads.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dots_avx2(row: &[f32], cents: &[f32], out: &mut [f32]) {
    use std::arch::x86_64::{_mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps};
    let d = row.len();
    let k = out.len();
    if cents.len() < k * d {
        return dots_portable(row, cents, out);
    }
    let chunks = d / 8;
    let mut j = 0;
    while j + 4 <= k {
        let c: [&[f32]; 4] = std::array::from_fn(|q| &cents[(j + q) * d..(j + q + 1) * d]);
        out[j..j + 4].copy_from_slice(&dot4_avx2(row, c));
        j += 4;
    }
    while j < k {
        let c = &cents[j * d..(j + 1) * d];
        let mut a = _mm256_setzero_ps();
        for i in 0..chunks {
            // SAFETY: i * 8 + 8 <= d, the length of the row and of the centroid slice.
            unsafe {
                a = _mm256_fmadd_ps(
                    _mm256_loadu_ps(row.as_ptr().add(i * 8)),
                    _mm256_loadu_ps(c.as_ptr().add(i * 8)),
                    a,
                );
            }
        }
        out[j] = lanes_then_tail(row, c, a);
        j += 1;
    }
}

/// Four dot products of `row`, one per centroid slice (each at least as long as the row:
/// both callers slice them to the row's length), each in its own register: the same
/// operations, in the same order, as one centroid alone.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot4_avx2(row: &[f32], c: [&[f32]; 4]) -> [f32; 4] {
    use std::arch::x86_64::{_mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps};
    let d = row.len();
    let c = c.map(|c| &c[..d]);
    let mut a = [_mm256_setzero_ps(); 4];
    for i in 0..d / 8 {
        // SAFETY: i * 8 + 8 <= d, the length of the row and of every centroid slice.
        unsafe {
            let x = _mm256_loadu_ps(row.as_ptr().add(i * 8));
            for q in 0..4 {
                a[q] = _mm256_fmadd_ps(x, _mm256_loadu_ps(c[q].as_ptr().add(i * 8)), a[q]);
            }
        }
    }
    std::array::from_fn(|q| lanes_then_tail(row, c[q], a[q]))
}

/// A dot product finished: the eight lanes of `acc` summed in order, then the row's last
/// `d % 8` terms fused in one by one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn lanes_then_tail(row: &[f32], c: &[f32], acc: std::arch::x86_64::__m256) -> f32 {
    let mut l = [0f32; 8];
    // SAFETY: `l` has room for eight lanes.
    unsafe { std::arch::x86_64::_mm256_storeu_ps(l.as_mut_ptr(), acc) };
    let s = l.iter().sum::<f32>();
    (row.len() / 8 * 8..row.len()).fold(s, |s, t| row[t].mul_add(c[t], s))
}

/// `out[j] = row · centroid j`, one centroid at a time.
fn dots_portable(row: &[f32], cents: &[f32], out: &mut [f32]) {
    let d = row.len();
    for (o, c) in out.iter_mut().zip(cents.chunks_exact(d.max(1))) {
        *o = dots_one(row, c);
    }
}

/// One dot product, eight lanes at a time.
fn dots_one(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s = acc.iter().sum::<f32>();
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s += x * y;
    }
    s
}

/// Lloyd iterations from `centroids`, with linfa's update (each old centroid counts as one
/// more member of its cluster, so an empty cluster keeps its centroid) and its stopping rule
/// (the centroids moved less than `tolerance` in L2 norm, or `max_iter` steps); returns the
/// final centroids and every row's nearest one among them.
///
/// Rows skip the distance computations their bounds make needless (Elkan 2003): an upper
/// bound on the distance to their centroid and a lower bound on the distance to each other
/// one, moved by how far the centroids moved. At 100k units most of the 60-odd iterations
/// move few rows, and computing every distance took a third of the whole pipeline. (Hamerly's
/// single lower bound skipped only half the rows here: text clusters sit close together.) A
/// row is skipped only when its bounds are apart by more than twice the rounding error of the
/// computed scores, so a skipped row keeps the label a full computation would give it; the
/// cluster sums are kept in f64 from the rows that moved. Labels and centroids are those of
/// plain Lloyd iterations up to ties within rounding (pinned in a test).
pub fn lloyd(
    x: &Array2<f32>,
    mut centroids: Array2<f32>,
    max_iter: u64,
    tolerance: f32,
) -> (Array2<f32>, Vec<usize>) {
    let n = x.nrows();
    let k = centroids.nrows();
    let d = x.ncols();
    if k == 0 || d == 0 {
        return (centroids, vec![0; n]);
    }
    // Rows summed as plain slices: a per-row ndarray view cost more than the addition.
    let rows: &[f32] = &row_major(x);
    let mut state = Bounds {
        row_sq: rows.par_chunks(d).map(|r| dots_one(r, r)).collect(),
        label: vec![UNASSIGNED; n],
        upper: vec![f32::INFINITY; n],
        lower: vec![0.0; n * k],
        // A generous bound on the relative rounding error of a dot product of `d` terms
        // summed in eight lanes, and so of every computed distance, movement and gap below.
        slack: 4.0 * (d as f32 + 8.0) * f32::EPSILON,
        moved: Vec::new(),
    };
    // Every cluster's sum of members, kept up to date from the rows that changed cluster
    // (in f64, so that adding and taking away rows over many iterations loses nothing that
    // matters in f32): summing all rows again each iteration read the whole matrix every
    // time, which cost more than the skipped distances saved.
    let mut sums = vec![0f64; k * d];
    let mut counts = vec![0usize; k];
    for _ in 0..max_iter {
        for (i, from) in state.assign(rows, &centroids) {
            let row = &rows[i * d..(i + 1) * d];
            if from != UNASSIGNED {
                let f = from as usize;
                for (s, &v) in sums[f * d..(f + 1) * d].iter_mut().zip(row) {
                    *s -= f64::from(v);
                }
                counts[f] -= 1;
            }
            let to = state.label[i] as usize;
            for (s, &v) in sums[to * d..(to + 1) * d].iter_mut().zip(row) {
                *s += f64::from(v);
            }
            counts[to] += 1;
        }
        let old = row_major(&centroids);
        let next: Vec<f32> = old
            .chunks_exact(d)
            .zip(sums.chunks_exact(d))
            .zip(&counts)
            .flat_map(|((c, s), &cnt)| {
                let members = (cnt + 1) as f64;
                c.iter()
                    .zip(s)
                    .map(move |(&c, &s)| ((f64::from(c) + s) / members) as f32)
            })
            .collect();
        let moved: Vec<f32> = next
            .chunks_exact(d)
            .zip(old.chunks_exact(d))
            .map(|(a, b)| FastL2::sq(a, b).sqrt())
            .collect();
        let shift = moved.iter().map(|m| m * m).sum::<f32>().sqrt();
        state.widen(&moved);
        centroids = Array2::from_shape_vec((k, d), next)
            .expect("k centroids of d values each were computed");
        if shift < tolerance {
            break;
        }
    }
    state.assign(rows, &centroids);
    let labels = state.label.iter().map(|&l| l as usize).collect();
    (centroids, labels)
}

/// The label of a row no assignment has reached yet.
const UNASSIGNED: u32 = u32::MAX;

/// What [`lloyd`] knows of every row between iterations: its centroid, an upper bound on the
/// distance to it and a lower bound on the distance to each centroid (row after row, `k` each).
struct Bounds {
    row_sq: Vec<f32>,
    label: Vec<u32>,
    upper: Vec<f32>,
    lower: Vec<f32>,
    slack: f32,
    /// How far each centroid moved since the last assignment (rounded up), not yet applied
    /// to the bounds; empty when there is nothing to apply.
    moved: Vec<f32>,
}

/// Whether a row whose centroid is at most `upper` away and another at least `lower` keeps
/// its centroid under the computed scores too: the squared distances differ by more than
/// twice `err`, the most a computed one can be off.
fn settled(upper: f32, lower: f32, err: f32) -> bool {
    lower > upper && lower * lower - upper * upper > 2.0 * err
}

/// Whether another centroid, at least `lower` from a row (its kept bound) and at least twice
/// `half_gap` from the row's own centroid, may be nearer than that one, `upper` away: the
/// bound is the larger of the two (triangle inequality), and it must settle the row.
fn may_be_nearer(upper: f32, lower: f32, half_gap: f32, err: f32) -> bool {
    !settled(upper, lower.max(2.0 * half_gap - upper), err)
}

impl Bounds {
    /// Brings every row's label up to date with `centroids`, computing distances only for
    /// rows whose bounds leave some other centroid possibly nearer; returns the rows whose
    /// label changed, in order, each with its label before.
    fn assign(&mut self, rows: &[f32], centroids: &Array2<f32>) -> Vec<(usize, u32)> {
        let k = centroids.nrows();
        let cents = Centroids::new(centroids);
        let d = cents.d;
        let slack = self.slack;
        let max_sq = cents.sq.iter().fold(0f32, |m, &v| m.max(v));
        // Half the distance between every two centroids: a row within it of its own centroid
        // is nearer to that one than to the other (triangle inequality).
        let half_gap: Vec<f32> = (0..k * k)
            .map(|jo| 0.5 * FastL2::sq(cents.row(jo / k), cents.row(jo % k)).sqrt() * (1.0 - slack))
            .collect();
        let own_gap: Vec<f32> = half_gap
            .chunks_exact(k)
            .enumerate()
            .map(|(j, g)| {
                g.iter()
                    .enumerate()
                    .filter(|&(o, _)| o != j)
                    .fold(f32::INFINITY, |m, (_, &v)| m.min(v))
            })
            .collect();
        let row_sq = &self.row_sq;
        let moved = std::mem::take(&mut self.moved);
        let (up, down) = WIDEN_ROUNDING;
        let changed: Vec<Vec<(usize, u32)>> = self
            .label
            .par_chunks_mut(ASSIGN_CHUNK)
            .zip(self.upper.par_chunks_mut(ASSIGN_CHUNK))
            .zip(self.lower.par_chunks_mut(ASSIGN_CHUNK * k))
            .enumerate()
            .map(|(c, ((labels, uppers), lowers))| {
                let from = c * ASSIGN_CHUNK;
                let mut g = vec![0f32; k];
                let mut keep = vec![false; k];
                let mut open: Vec<usize> = Vec::with_capacity(k);
                let mut changed = Vec::new();
                for (r, ((label, upper), lower)) in labels
                    .iter_mut()
                    .zip(uppers.iter_mut())
                    .zip(lowers.chunks_exact_mut(k))
                    .enumerate()
                {
                    let i = from + r;
                    // The movement since the last assignment widens the bounds first,
                    // exactly as [`Bounds::widen`] describes.
                    if !moved.is_empty() {
                        if *label != UNASSIGNED {
                            *upper = (*upper + moved[*label as usize]) * up;
                        }
                        for (v, &m) in lower.iter_mut().zip(&moved) {
                            *v = (*v - m) * down;
                        }
                    }
                    let row = &rows[i * d..(i + 1) * d];
                    let err = slack * (row_sq[i] + max_sq);
                    if *label == UNASSIGNED {
                        let (j, best, _) = cents.nearest_two(row, &mut g);
                        changed.push((i, *label));
                        *label = j as u32;
                        *upper = (row_sq[i] + best + err).max(0.0).sqrt();
                        for ((l, &v), &cs) in lower.iter_mut().zip(&g).zip(&cents.sq) {
                            *l = (row_sq[i] + cs - 2.0 * v - err).max(0.0).sqrt();
                        }
                        continue;
                    }
                    let a = *label as usize;
                    // Whether the bounds show centroid `j` further than `best`'s, `u` away.
                    let beaten = |best: usize, u: f32, j: usize, lower: &[f32]| {
                        j == best || !may_be_nearer(u, lower[j], half_gap[best * k + j], err)
                    };
                    // Nearer to its centroid than half the way to any other: nothing to check.
                    if settled(*upper, 2.0 * own_gap[a] - *upper, err) {
                        continue;
                    }
                    open_mask(*upper, lower, &half_gap[a * k..(a + 1) * k], err, &mut keep);
                    keep[a] = false;
                    open.clear();
                    // Eight flags at a time as bits, so that reading them off takes a
                    // branch per open centroid, not one per centroid.
                    for (c, flags) in keep.chunks(8).enumerate() {
                        let mut bits = flags
                            .iter()
                            .enumerate()
                            .fold(0u32, |b, (q, &f)| b | (u32::from(f) << q));
                        while bits != 0 {
                            open.push(c * 8 + bits.trailing_zeros() as usize);
                            bits &= bits - 1;
                        }
                    }
                    if open.is_empty() {
                        continue;
                    }
                    // The row's label is the nearest of the centroids measured (the first on
                    // ties): every one left out is provably further than one measured, so
                    // which are measured changes the bounds, never the label. Its own centroid
                    // goes with up to three of the open ones in one pass over the row (one
                    // dot product alone waits on its own sum), the rest four at a time while
                    // the bounds leave them open against the nearest so far.
                    let mut best = (a, f32::INFINITY);
                    let mut group = [a; 4];
                    let mut filled = 1 + open.len().min(3);
                    group[1..filled].copy_from_slice(&open[..filled - 1]);
                    let mut next = filled - 1;
                    loop {
                        let cs: [&[f32]; 4] = std::array::from_fn(|q| cents.row(group[q]));
                        let dots = cents.kernel.dots_listed(row, &cs[..filled]);
                        for (&j, &dot) in group[..filled].iter().zip(&dots) {
                            let sq = row_sq[i] + cents.sq[j] - 2.0 * dot;
                            // Kept for when the row moves to that centroid.
                            lower[j] = (sq - err).max(0.0).sqrt();
                            if sq < best.1 || (sq == best.1 && j < best.0) {
                                best = (j, sq);
                                *upper = (sq + err).max(0.0).sqrt();
                            }
                        }
                        filled = 0;
                        while filled < 4 && next < open.len() {
                            let j = open[next];
                            next += 1;
                            if !beaten(best.0, *upper, j, lower) {
                                group[filled] = j;
                                filled += 1;
                            }
                        }
                        if filled == 0 {
                            break;
                        }
                    }
                    if best.0 != a {
                        changed.push((i, *label));
                        *label = best.0 as u32;
                    }
                }
                changed
            })
            .collect();
        changed.into_iter().flatten().collect()
    }

    /// Moves every row's bounds by how far the centroids moved: its own centroid may have
    /// come at most its movement further, each other at most its movement nearer. The next
    /// [`Bounds::assign`] applies it to each row as it reaches the row: a pass of its own
    /// read and wrote every row's `k` lower bounds once more an iteration.
    fn widen(&mut self, moved: &[f32]) {
        // The movements are sums of `d` terms (rounded up by `slack`); adding or subtracting
        // one rounds by half an epsilon, so two keep the bounds on their side (see
        // [`WIDEN_ROUNDING`]).
        self.moved = moved.iter().map(|&m| m * (1.0 + self.slack)).collect();
    }
}

/// `keep[j]` = [`may_be_nearer`] for centroid `j`, with `gaps[j]` half the distance from the row's
/// centroid to `j`: every centroid at once, without a branch per centroid, so it runs in
/// vector registers (a branch per centroid was a fifth of the Lloyd time at 100k).
fn open_mask(u: f32, lower: &[f32], gaps: &[f32], err: f32, keep: &mut [bool]) {
    for ((k, &l), &g) in keep.iter_mut().zip(lower).zip(gaps) {
        *k = may_be_nearer(u, l, g, err);
    }
}

/// Factors that round a widened upper bound up and a lower bound down by two epsilons.
const WIDEN_ROUNDING: (f32, f32) = (1.0 + 2.0 * f32::EPSILON, 1.0 - 2.0 * f32::EPSILON);

/// Gaussian mixture with `k` components (full covariance) on a seeded random projection of
/// the unit vectors to at most 16 dimensions.
pub fn gmm(x: &Array2<f32>, k: usize, p: &ClusterParams) -> Result<Vec<usize>, ClusterError> {
    let n = x.nrows();
    let k = k.clamp(1, n.max(1));
    let d = x.ncols();
    let low: Array2<f64> = if d <= GMM_DIMS {
        x.mapv(f64::from)
    } else {
        let mut rng = Xoshiro256Plus::seed_from_u64(p.seed ^ 0x6d6d);
        let scale = 1.0 / (GMM_DIMS as f64).sqrt();
        let r = Array2::from_shape_fn((d, GMM_DIMS), |_| {
            if rng.r#gen::<bool>() { scale } else { -scale }
        });
        x.mapv(f64::from).dot(&r)
    };
    let model = GaussianMixtureModel::params_with_rng(k, Xoshiro256Plus::seed_from_u64(p.seed))
        .n_runs(1)
        .reg_covariance(1e-3)
        .max_n_iterations(200)
        .fit(&DatasetBase::new(low.view(), ()))
        .map_err(|e| fit_error("gmm", e))?;
    Ok(model.predict(&low).to_vec())
}

/// DBSCAN: clusters are dense regions; `None` marks noise.
pub fn dbscan(x: &Array2<f32>, p: &ClusterParams) -> Result<Vec<Option<usize>>, ClusterError> {
    let params = Dbscan::params(p.min_points)
        .tolerance(p.eps as f32)
        .check()
        .map_err(|e| fit_error("dbscan", e))?;
    Ok(params.transform(x).to_vec())
}

/// Runs the chosen algorithm with `k` clusters (ignored by DBSCAN).
pub fn run(
    x: &Array2<f32>,
    k: usize,
    init: Option<Array2<f32>>,
    p: &ClusterParams,
) -> Result<Vec<Option<usize>>, ClusterError> {
    Ok(match p.algorithm {
        Algorithm::KMeans => kmeans(x, k, init, p)?.into_iter().map(Some).collect(),
        Algorithm::Gmm => gmm(x, k, p)?.into_iter().map(Some).collect(),
        Algorithm::Dbscan => dbscan(x, p)?,
    })
}

/// Starting centroids for a k and a sample of rows (themes), or `None` for KMeans++.
pub type InitFn<'a> = dyn Fn(usize, &Array2<f32>) -> Option<Array2<f32>> + 'a;

/// What `--k auto` chose: k, the seed of the winning run, and the best score of every k.
pub type KChoiceResult = (usize, u64, Vec<(usize, f64)>);

/// Tries every k of `ks` on a sample of the units and returns the best by mean silhouette
/// (ties go to the smaller k), the seed of the winning run, and the best score of every k.
/// For small samples each k is tried from `restarts` seeds, each a single KMeans++ run, and
/// the partition is chosen by silhouette rather than by inertia: on a few dozen sparse units
/// many partitions have nearly the same inertia, and the silhouette is what `--k auto`
/// promises. `init(k, sample)` gives seeded centroids (themes).
pub fn choose_k(
    x: &Array2<f32>,
    ks: &[usize],
    init: &InitFn,
    p: &ClusterParams,
) -> Result<KChoiceResult, ClusterError> {
    let s = sample_indices(x.nrows(), p.sample, p.seed);
    let xs = x.select(Axis(0), &s);
    let dists = distances(&xs);
    // Seeded centroids (themes) make every restart the same: one is enough.
    let seeded = ks.first().is_some_and(|&k| init(k, &xs).is_some());
    let restarts = if seeded {
        1
    } else {
        p.runs_for(xs.nrows()) as u64
    };
    let mut scores = Vec::with_capacity(ks.len());
    let mut best = (ks.first().copied().unwrap_or(1), p.seed, f64::NEG_INFINITY);
    for &k in ks {
        let mut best_k = f64::NEG_INFINITY;
        for r in 0..restarts {
            let trial = ClusterParams {
                seed: p.seed.wrapping_add(r),
                n_runs: 1,
                ..p.clone()
            };
            let labels = run(&xs, k, init(k, &xs), &trial)?;
            let used = {
                let mut u: Vec<usize> = labels.iter().flatten().copied().collect();
                u.sort_unstable();
                u.dedup();
                u.len()
            };
            // A k whose clusters collapse to one scores 0.
            let score = if used < 2 {
                0.0
            } else {
                mean_silhouette_from(&dists, xs.nrows(), &labels)
            };
            // Rounded so that float noise cannot flip a choice between platforms.
            let score = (score * 1e6).round() / 1e6;
            if score > best_k {
                best_k = score;
            }
            if score > best.2 {
                best = (k, trial.seed, score);
            }
        }
        scores.push((k, best_k));
    }
    Ok((best.0, best.1, scores))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded matrix of `n` rows and `d` columns with entries in [-1, 1).
    fn random(n: usize, d: usize, seed: u64) -> Array2<f32> {
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        Array2::from_shape_fn((n, d), |_| rng.r#gen::<f32>() * 2.0 - 1.0)
    }

    #[test]
    fn kernels_agree_on_dot_products() {
        // Widths that are not multiples of eight and centroid counts not multiples of four
        // exercise the tails of the vector kernel.
        for (d, k) in [(1, 1), (7, 3), (8, 4), (13, 5), (256, 30)] {
            let x = random(1, d, 1);
            let c = random(k, d, 2);
            let row = x.as_slice().unwrap();
            let cents = c.as_slice().unwrap();
            let mut fast = vec![0f32; k];
            let mut plain = vec![0f32; k];
            Kernel::detect().dots(row, cents, &mut fast);
            dots_portable(row, cents, &mut plain);
            for j in 0..k {
                let exact: f64 = (0..d)
                    .map(|t| f64::from(row[t]) * f64::from(cents[j * d + t]))
                    .sum();
                assert!(
                    (f64::from(fast[j]) - exact).abs() < 1e-4,
                    "d={d} k={k} j={j}"
                );
                assert!(
                    (f64::from(plain[j]) - exact).abs() < 1e-4,
                    "d={d} k={k} j={j}"
                );
            }
        }
    }

    #[test]
    fn listed_dot_products_equal_single_ones_to_the_bit() {
        // Lloyd measures some centroids in a group and others alone: a row's label must not
        // depend on which way a centroid was measured.
        for (d, k) in [(1, 4), (13, 5), (256, 30)] {
            let x = random(1, d, 3);
            let c = random(k, d, 4);
            let row = x.as_slice().unwrap();
            let cents = c.as_slice().unwrap();
            let kernel = Kernel::detect();
            let alone = |j: usize| {
                let mut o = [0f32];
                kernel.dots(row, &cents[j * d..(j + 1) * d], &mut o);
                o[0]
            };
            let mut all = vec![0f32; k];
            kernel.dots(row, cents, &mut all);
            for (j, v) in all.iter().enumerate() {
                assert_eq!(v.to_bits(), alone(j).to_bits(), "d={d} j={j}");
            }
            for n in 1..=4 {
                let js: Vec<usize> = (0..n).map(|q| (q * 7 + 2) % k).collect();
                let cs: Vec<&[f32]> = js.iter().map(|&j| &cents[j * d..(j + 1) * d]).collect();
                let got = kernel.dots_listed(row, &cs);
                for (q, &j) in js.iter().enumerate() {
                    assert_eq!(got[q].to_bits(), alone(j).to_bits(), "d={d} n={n} j={j}");
                }
            }
        }
    }

    #[test]
    fn squared_distance_kernels_agree_to_the_bit() {
        for d in [1, 7, 8, 13, 256, 300] {
            let x = random(2, d, 11);
            let (a, b) = (x.row(0).to_vec(), x.row(1).to_vec());
            let want = FastL2::sq_portable(&a, &b);
            assert_eq!(FastL2::sq(&a, &b).to_bits(), want.to_bits(), "d={d}");
            #[cfg(target_arch = "x86_64")]
            if matches!(Kernel::detect(), Kernel::Avx2Fma) {
                // SAFETY: the CPU has AVX2.
                let got = unsafe { sq_avx2(&a, &b) };
                assert_eq!(got.to_bits(), want.to_bits(), "d={d}");
            }
        }
    }

    #[test]
    fn nearest_is_the_closest_centroid_by_squared_distance() {
        let x = random(5000, 37, 3);
        let c = random(9, 37, 4);
        let got = nearest(x.view(), &c);
        let mut checked = 0;
        for (i, row) in x.rows().into_iter().enumerate() {
            let dist: Vec<f64> = c
                .rows()
                .into_iter()
                .map(|cr| {
                    row.iter()
                        .zip(cr.iter())
                        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                        .sum()
                })
                .collect();
            let mut order: Vec<usize> = (0..dist.len()).collect();
            order.sort_by(|&a, &b| dist[a].total_cmp(&dist[b]));
            // Rows whose two nearest centroids are tied within f32 rounding may go either way.
            if dist[order[1]] - dist[order[0]] > 1e-3 {
                assert_eq!(got[i], order[0], "row {i}");
                checked += 1;
            }
        }
        assert!(checked > 4900, "{checked}");
    }

    #[test]
    fn lloyd_separates_well_apart_groups() {
        // Three tight groups around distant corners, started from one member of each.
        let mut x = random(300, 16, 5) * 0.05;
        for (i, mut row) in x.rows_mut().into_iter().enumerate() {
            row[i % 3] += 10.0;
        }
        let start = x.select(Axis(0), &[0, 1, 2]);
        let (c, labels) = lloyd(&x, start, 50, 1e-4);
        assert_eq!(labels, nearest(x.view(), &c));
        for (i, &l) in labels.iter().enumerate() {
            assert_eq!(l, i % 3, "row {i}");
        }
    }

    /// Lloyd iterations by the definition: every distance computed, the sums taken afresh.
    fn plain_lloyd(x: &Array2<f32>, mut c: Array2<f32>, max_iter: u64, tol: f32) -> Array2<f32> {
        for _ in 0..max_iter {
            let labels = nearest(x.view(), &c);
            let mut sums = c.mapv(f64::from);
            let mut counts = vec![1.0f64; c.nrows()];
            for (row, &l) in x.rows().into_iter().zip(&labels) {
                sums.row_mut(l)
                    .zip_mut_with(&row, |s, &v| *s += f64::from(v));
                counts[l] += 1.0;
            }
            for (mut r, &n) in sums.rows_mut().into_iter().zip(&counts) {
                r /= n;
            }
            let next = sums.mapv(|v| v as f32);
            let shift = (&next - &c).mapv(|v| v * v).sum().sqrt();
            c = next;
            if shift < tol {
                break;
            }
        }
        c
    }

    #[test]
    fn kmeans_plusplus_picks_the_rows_linfa_picks() {
        let centres = random(12, 32, 3);
        let noise = random(3000, 32, 4);
        let x = Array2::from_shape_fn((3000, 32), |(i, t)| {
            centres[[i % 12, t]] + 0.5 * noise[[i, t]]
        });
        for (k, seed) in [(12, 1), (30, 2), (1, 3)] {
            // linfa's start is only visible after its first Lloyd step: take one from ours too.
            let rng = Xoshiro256Plus::seed_from_u64(seed);
            let linfa = KMeans::params_with(k, rng.clone(), FastL2)
                .n_runs(1)
                .max_n_iterations(1)
                .fit(&DatasetBase::new(x.view(), ()))
                .unwrap();
            let ours = kmeans_plusplus(&x, k, &mut rng.clone());
            let (stepped, _) = lloyd(&x, ours, 1, 1e-9);
            let gap = (&stepped - linfa.centroids())
                .mapv(f32::abs)
                .fold(0f32, |m, &v| m.max(v));
            assert!(gap < 1e-5, "k={k}: starts differ by {gap}");
        }
    }

    #[test]
    fn bounded_lloyd_equals_plain_lloyd() {
        // Overlapping groups keep the centroids moving for many iterations, so the bounds are
        // carried far; uniform noise puts many rows near a boundary.
        let centres = random(9, 24, 6);
        let noise = random(4000, 24, 7);
        let grouped = Array2::from_shape_fn((4000, 24), |(i, t)| {
            centres[[i % 9, t]] + 0.8 * noise[[i, t]]
        });
        for (x, k) in [
            (grouped, 9),
            (random(3000, 16, 8), 7),
            (random(500, 5, 9), 1),
        ] {
            let start = x.select(Axis(0), &(0..k).collect::<Vec<_>>());
            let (got, labels) = lloyd(&x, start.clone(), 200, 1e-6);
            let want = plain_lloyd(&x, start, 200, 1e-6);
            assert_eq!(labels, nearest(x.view(), &want), "k={k}");
            let gap = (&got - &want).mapv(f32::abs).fold(0f32, |m, &v| m.max(v));
            assert!(gap < 1e-5, "k={k}: centroids differ by {gap}");
        }
    }

    #[test]
    fn samples_are_sorted_distinct_and_seeded() {
        let a = sample_indices(100_000, 500, 9);
        assert_eq!(a.len(), 500);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, sample_indices(100_000, 500, 9));
        assert_ne!(a, sample_indices(100_000, 500, 10));
        assert_eq!(sample_indices(7, 500, 9), (0..7).collect::<Vec<_>>());
    }
}
