//! Parameters of the clustering analyzer, with documented defaults and a `check()`.

use super::errors::ParamsError;
use super::themes::Themes;

/// What one argument unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnitKind {
    /// A whole comment.
    Comment,
    /// A paragraph (blank-line separated), short fragments merged into a neighbour.
    #[default]
    Paragraph,
    /// A sentence, short fragments merged into a neighbour.
    Sentence,
}

impl UnitKind {
    /// Parses a `--unit` value.
    pub fn from_name(s: &str) -> Option<UnitKind> {
        match s {
            "comment" => Some(UnitKind::Comment),
            "paragraph" => Some(UnitKind::Paragraph),
            "sentence" => Some(UnitKind::Sentence),
            _ => None,
        }
    }
}

/// The clustering algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// linfa KMeans (mini-batch for large corpora).
    #[default]
    KMeans,
    /// linfa Gaussian mixture (full covariance) on a low-dimensional projection.
    Gmm,
    /// linfa DBSCAN; units in no dense region are noise (`cluster = None`).
    Dbscan,
}

impl Algorithm {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::KMeans => "kmeans",
            Algorithm::Gmm => "gmm",
            Algorithm::Dbscan => "dbscan",
        }
    }

    /// Parses an `--algo` value.
    pub fn from_name(s: &str) -> Option<Algorithm> {
        match s {
            "kmeans" => Some(Algorithm::KMeans),
            "gmm" => Some(Algorithm::Gmm),
            "dbscan" => Some(Algorithm::Dbscan),
            _ => None,
        }
    }
}

/// How many clusters to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KChoice {
    /// Try every k in `k_min..=k_max` and keep the best mean silhouette.
    Auto,
    /// Exactly this many.
    Fixed(usize),
}

/// Parameters of [`super::cluster`]. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct ClusterParams {
    /// Unit of analysis (default: paragraph).
    pub unit: UnitKind,
    /// Also cluster the post's paragraphs (`Unit::comment = None`). Default false.
    pub with_post: bool,
    /// Units with fewer terms than this are merged into a neighbour (default 8).
    pub min_unit_terms: usize,
    /// Adjacent units of one comment whose term sets have at least this cosine are one
    /// argument and are merged (default 0.1; 0 disables).
    pub cohesion: f64,
    /// k (default: auto).
    pub k: KChoice,
    /// Smallest k tried by `--k auto` (default 2).
    pub k_min: usize,
    /// Largest k tried by `--k auto` (default 12; also capped by the number of units / 2).
    pub k_max: usize,
    /// Algorithm (default: KMeans).
    pub algorithm: Algorithm,
    /// Seed of every random step (default 42).
    pub seed: u64,
    /// A term must occur in at least this many units to be a feature (default 2: a term seen
    /// once cannot make two units similar).
    pub min_df: usize,
    /// A term in more than this share of the units is not a feature (default 0.5).
    pub max_df: f64,
    /// Keep at most this many features, most frequent first (default 50,000).
    pub max_features: usize,
    /// Use bigrams of adjacent terms as features and labels (default true).
    pub bigrams: bool,
    /// Project the TF-IDF vectors to this many dimensions when the vocabulary is larger
    /// (default 256: on the synthetic benchmark corpus 128 dimensions cost a fifth of the
    /// adjusted Rand index and 64 half of it; a million units × 256 `f32` is 1 GB).
    pub dims: usize,
    /// KMeans restarts (0 = automatic: see [`ClusterParams::runs_for`] for the trials of
    /// `--k auto` and [`ClusterParams::fit_runs_for`] for a fit with a given k).
    pub n_runs: usize,
    /// Above this many units KMeans runs mini-batch over chunks (default 200,000: on the
    /// synthetic benchmark at 100k units full-batch scores ARI 0.58 and mini-batch 0.54).
    pub minibatch_above: usize,
    /// Most Lloyd iterations of a full-batch KMeans fit (default 100).
    pub max_iter: u64,
    /// Passes of mini-batch KMeans over the corpus above `minibatch_above` (default 3).
    pub epochs: usize,
    /// KMeans stops when the centroids move less than this (L2 over all centroids;
    /// default 1e-3).
    pub tolerance: f32,
    /// Silhouettes and `--k auto` trials use a deterministic sample of at most this many
    /// units (default 3,000) so they stay cheap at a million units.
    pub sample: usize,
    /// DBSCAN neighbourhood radius in L2 distance between unit vectors of norm 1 (default 1.0).
    pub eps: f64,
    /// DBSCAN minimum points of a dense region (default 3).
    pub min_points: usize,
    /// Top terms listed per cluster (default 10).
    pub n_terms: usize,
    /// Representative units listed per cluster (default 3).
    pub n_representatives: usize,
    /// Optional themes: seed centroids and name matching clusters.
    pub themes: Option<Themes>,
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            unit: UnitKind::Paragraph,
            with_post: false,
            min_unit_terms: 8,
            cohesion: 0.1,
            k: KChoice::Auto,
            k_min: 2,
            k_max: 12,
            algorithm: Algorithm::KMeans,
            seed: 42,
            min_df: 2,
            max_df: 0.5,
            max_features: 50_000,
            bigrams: true,
            dims: 256,
            n_runs: 0,
            minibatch_above: 200_000,
            max_iter: 100,
            epochs: 3,
            tolerance: 1e-3,
            sample: 3_000,
            eps: 1.0,
            min_points: 3,
            n_terms: 10,
            n_representatives: 3,
            themes: None,
        }
    }
}

impl ClusterParams {
    /// Validates the parameters, naming the one that is wrong.
    pub fn check(&self) -> Result<(), ParamsError> {
        if let KChoice::Fixed(k) = self.k
            && k == 0
        {
            return Err(ParamsError::new("k", "must be at least 1"));
        }
        if self.k_min < 2 || self.k_max < self.k_min {
            return Err(ParamsError::new(
                "k range",
                "needs 2 <= k_min <= k_max for --k auto",
            ));
        }
        if self.min_df == 0 {
            return Err(ParamsError::new("min_df", "must be at least 1"));
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(ParamsError::new("max_df", "must be in (0, 1]"));
        }
        if self.max_features == 0 {
            return Err(ParamsError::new("max_features", "must be at least 1"));
        }
        if self.dims < 2 {
            return Err(ParamsError::new("dims", "must be at least 2"));
        }
        if self.sample < 10 {
            return Err(ParamsError::new("sample", "must be at least 10"));
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(ParamsError::new("eps", "must be a positive number"));
        }
        if self.min_points == 0 {
            return Err(ParamsError::new("min_points", "must be at least 1"));
        }
        if self.epochs == 0 {
            return Err(ParamsError::new("epochs", "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(ParamsError::new("max_iter", "must be at least 1"));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(ParamsError::new("tolerance", "must be a positive number"));
        }
        if self.minibatch_above == 0 {
            return Err(ParamsError::new("minibatch_above", "must be at least 1"));
        }
        Ok(())
    }

    /// KMeans restarts for `n` units (resolves `n_runs = 0`): about 4,000,000 / n², between
    /// 1 and 200. Small corpora get many restarts so `--k auto` finds the partition of best
    /// silhouette whatever the seed (a few dozen units have many near-equal local optima);
    /// large ones get one, as each restart costs a full fit and an n² silhouette.
    pub fn runs_for(&self, n: usize) -> usize {
        match self.n_runs {
            0 => {
                let n2 = (n.max(1) as f64).powi(2);
                ((4.0e6 / n2).floor() as usize).clamp(1, 200)
            }
            r => r,
        }
    }

    /// KMeans++ restarts of one fit with a given k on `n` units (resolves `n_runs = 0`):
    /// about 40,000 / n and never fewer than [`ClusterParams::runs_for`], at most 200. A fit
    /// costs time linear in n (no silhouette), so a budget of about 40,000 unit-fits keeps
    /// restarts cheap. Over eight seeds of `analyze` on the synthetic benchmark, one start
    /// scored a mean adjusted Rand index of 0.58 (0.54 to 0.61) on 10k comments and the best
    /// of four by inertia 0.61 (0.57 to 0.65); on 3,000 comments 0.55 and 0.61 (13 starts).
    pub fn fit_runs_for(&self, n: usize) -> usize {
        match self.n_runs {
            0 => (40_000 / n.max(1)).clamp(self.runs_for(n), 200),
            r => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_restart_within_a_linear_budget_and_never_less_than_trials() {
        let p = ClusterParams::default();
        assert_eq!(p.fit_runs_for(10_000), 4);
        assert_eq!(p.fit_runs_for(40_000), 1);
        assert_eq!(p.fit_runs_for(1_000), 40);
        // Few units: the trials' many restarts (4,000,000 / n²) win, capped at 200.
        assert_eq!(p.fit_runs_for(150), 200);
        assert_eq!(p.fit_runs_for(2_000), 20);
        assert_eq!(p.fit_runs_for(0), 200);
        let fixed = ClusterParams {
            n_runs: 3,
            ..ClusterParams::default()
        };
        assert_eq!(fixed.fit_runs_for(10_000), 3);
    }

    #[test]
    fn defaults_pass_and_bad_values_are_named() {
        assert!(ClusterParams::default().check().is_ok());
        let p = ClusterParams {
            k: KChoice::Fixed(0),
            ..ClusterParams::default()
        };
        assert!(p.check().unwrap_err().to_string().contains('k'));
        let p = ClusterParams {
            max_df: 1.5,
            ..ClusterParams::default()
        };
        assert!(p.check().unwrap_err().to_string().contains("max_df"));
    }
}
