//! Parameters of stance training and evaluation.

use super::errors::StanceError;

/// Whether the reply's character n-grams are model features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CharNgrams {
    /// Chosen with the penalty by the inner cross-validation on the training pairs.
    Auto,
    /// Always used.
    On,
    /// Never used (the version-1 feature layout).
    Off,
}

impl CharNgrams {
    /// The feature sets to try (`false` = without character n-grams), simplest first so
    /// that ties go to the smaller model.
    pub fn candidates(self) -> &'static [bool] {
        match self {
            CharNgrams::Auto => &[false, true],
            CharNgrams::On => &[true],
            CharNgrams::Off => &[false],
        }
    }
}

/// How the stance model is trained and evaluated; defaults are fixed before looking at any
/// test fold.
#[derive(Debug, Clone, PartialEq)]
pub struct StanceParams {
    /// Largest reply vocabulary (terms and bigrams by document frequency).
    pub reply_vocab: usize,
    /// Largest parent vocabulary.
    pub parent_vocab: usize,
    /// Largest vocabulary of reply character n-grams (by document frequency).
    pub char_vocab: usize,
    /// Whether reply character n-grams are features (`Auto`: chosen by inner CV).
    pub char_ngrams: CharNgrams,
    /// Whether the reply's opening words (`^no`, `^no you`) are reply terms; without them
    /// the reply vocabulary is the version-2 one.
    pub openers: bool,
    /// Terms must occur in at least this many training replies (or parents).
    pub min_df: usize,
    /// L2 penalties tried; the one with the best inner cross-validated macro-F1 on the
    /// training data is used (a single value skips the inner search).
    pub alphas: Vec<f64>,
    /// Inner folds for choosing the penalty.
    pub inner_folds: usize,
    /// Solver iterations.
    pub max_iterations: u64,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Divide each label's probability by its share of the training pairs before choosing
    /// (prior correction): macro-F1 weighs every label equally, so a rare label such as
    /// `neutral` should not lose just for being rare.
    pub balanced: bool,
}

impl Default for StanceParams {
    fn default() -> Self {
        StanceParams {
            reply_vocab: 4000,
            parent_vocab: 2000,
            char_vocab: 10_000,
            char_ngrams: CharNgrams::Auto,
            openers: true,
            min_df: 2,
            // 0.1 was added with the character n-grams: fitting through the Gram matrix made
            // grid points cheap, and 0.3 (the old lower edge) was the most frequent pick.
            alphas: vec![0.1, 0.3, 1.0, 3.0, 10.0, 30.0],
            // Five inner folds rather than three: the search now ranks twelve settings, and
            // its estimates need less variance than a choice among five penalties did.
            inner_folds: 5,
            max_iterations: 200,
            seed: 42,
            balanced: true,
        }
    }
}

impl StanceParams {
    /// Validates the parameters.
    pub fn check(&self) -> Result<(), StanceError> {
        let bad = |m: String| Err(StanceError::Params(m));
        if self.min_df == 0 {
            return bad("min_df must be at least 1".into());
        }
        if self.alphas.is_empty() || self.alphas.iter().any(|a| !a.is_finite() || *a < 0.0) {
            return bad(format!(
                "alphas must be non-empty, finite and >= 0: {:?}",
                self.alphas
            ));
        }
        let choices = self.alphas.len() * self.char_ngrams.candidates().len();
        if choices > 1 && self.inner_folds < 2 {
            return bad("inner_folds must be at least 2 to choose among settings".into());
        }
        if self.max_iterations == 0 {
            return bad("max_iterations must be at least 1".into());
        }
        Ok(())
    }
}
