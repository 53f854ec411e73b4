//! Evaluation: per-class precision, recall and F1, macro-F1, the confusion matrix, and
//! stratified, seeded k-fold cross-validation that never looks at a test fold while training.

use super::LABELS;
use super::cues::PairText;
use super::errors::StanceError;
use super::label_index;
use super::lexicon::Lexicon;
use super::model::StanceModel;
use super::pairs::Pair;
use super::params::StanceParams;
use crate::analyze::{ReplyStance, Stance};
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use serde::{Deserialize, Serialize};

/// Scores of one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    /// The label.
    pub label: Stance,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Gold examples of the label.
    pub support: usize,
}

/// An evaluation of one method on labelled pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// What was evaluated (`model (5-fold CV)`, `lexicon:builtin`, `model:<sha256>`).
    pub method: String,
    /// Pairs evaluated.
    pub pairs: usize,
    /// Per label, in `agree, rebut, neutral` order.
    pub classes: Vec<ClassReport>,
    /// Unweighted mean of the three F1 scores.
    pub macro_f1: f64,
    /// Share of pairs labelled correctly.
    pub accuracy: f64,
    /// `confusion[gold][predicted]`, labels in `agree, rebut, neutral` order.
    pub confusion: [[usize; 3]; 3],
    /// Macro-F1 of each test fold (cross-validation only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fold_macro_f1: Vec<f64>,
    /// Penalty chosen inside each training fold (cross-validation only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fold_alpha: Vec<f64>,
    /// Whether each fold's model uses reply character n-grams (cross-validation only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fold_char_ngrams: Vec<bool>,
}

/// Scores predictions against gold labels.
pub fn evaluate(method: &str, truth: &[Stance], pred: &[Stance]) -> EvalReport {
    let mut confusion = [[0usize; 3]; 3];
    for (t, p) in truth.iter().zip(pred) {
        confusion[label_index(*t)][label_index(*p)] += 1;
    }
    let classes: Vec<ClassReport> = LABELS
        .iter()
        .enumerate()
        .map(|(k, &label)| {
            let tp = confusion[k][k] as f64;
            let predicted: usize = (0..3).map(|g| confusion[g][k]).sum();
            let support: usize = confusion[k].iter().sum();
            let precision = if predicted == 0 {
                0.0
            } else {
                tp / predicted as f64
            };
            let recall = if support == 0 {
                0.0
            } else {
                tp / support as f64
            };
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            ClassReport {
                label,
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    let n = truth.len().min(pred.len());
    let correct: usize = (0..3).map(|k| confusion[k][k]).sum();
    EvalReport {
        method: method.to_string(),
        pairs: n,
        macro_f1: classes.iter().map(|c| c.f1).sum::<f64>() / 3.0,
        accuracy: if n == 0 {
            0.0
        } else {
            correct as f64 / n as f64
        },
        classes,
        confusion,
        fold_macro_f1: Vec::new(),
        fold_alpha: Vec::new(),
        fold_char_ngrams: Vec::new(),
    }
}

/// Macro-F1 of predictions.
pub fn macro_f1_of(truth: &[Stance], pred: &[Stance]) -> f64 {
    evaluate("", truth, pred).macro_f1
}

/// Assigns each item a fold in `0..k`, keeping label proportions: each label's items are
/// shuffled with a seeded generator and dealt round-robin.
pub fn stratified_folds(labels: &[Stance], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut folds = vec![0; labels.len()];
    let mut next = 0;
    for label in LABELS {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == label).collect();
        idx.shuffle(&mut rng);
        for i in idx {
            folds[i] = next % k.max(1);
            next += 1;
        }
    }
    folds
}

/// The stance a classifier gives every pair.
fn predict(pairs: &[Pair], classify: impl Fn(PairText, PairText) -> ReplyStance) -> Vec<Stance> {
    pairs
        .iter()
        .map(|p| {
            let (parent, reply) = p.texts();
            classify(parent, reply).stance
        })
        .collect()
}

/// Labels every pair with the lexicon alone and scores the result.
pub fn evaluate_lexicon(pairs: &[Pair], lex: &Lexicon) -> EvalReport {
    let classifier = super::Classifier::Lexicon(Box::new(lex.clone()));
    let pred = predict(pairs, |parent, reply| classifier.classify(parent, reply));
    let truth: Vec<Stance> = pairs.iter().map(|p| p.label).collect();
    evaluate(&classifier.source(), &truth, &pred)
}

/// Scores a trained model on pairs.
pub fn evaluate_model(pairs: &[Pair], model: &StanceModel) -> EvalReport {
    let pred = predict(pairs, |parent, reply| model.classify(parent, reply));
    let truth: Vec<Stance> = pairs.iter().map(|p| p.label).collect();
    evaluate(&format!("model:{}", model.sha256), &truth, &pred)
}

/// Stratified k-fold cross-validation of model training: each fold's model is trained (and
/// its penalty and feature set chosen) on the other folds only, then labels the held-out
/// fold. Scores are over the pooled held-out predictions; per-fold macro-F1 is kept too.
pub fn cross_validate(
    pairs: &[Pair],
    lex: &Lexicon,
    lexicon_text: &str,
    params: &StanceParams,
    k: usize,
) -> Result<EvalReport, StanceError> {
    params.check()?;
    if k < 2 {
        return Err(StanceError::Params(format!(
            "folds must be at least 2, got {k}"
        )));
    }
    let truth: Vec<Stance> = pairs.iter().map(|p| p.label).collect();
    let folds = stratified_folds(&truth, k, params.seed);
    let mut pred = vec![Stance::Neutral; pairs.len()];
    let mut fold_f1 = Vec::with_capacity(k);
    let mut fold_alpha = Vec::with_capacity(k);
    let mut fold_chars = Vec::with_capacity(k);
    for f in 0..k {
        let train: Vec<Pair> = (0..pairs.len())
            .filter(|&i| folds[i] != f)
            .map(|i| pairs[i].clone())
            .collect();
        let test: Vec<usize> = (0..pairs.len()).filter(|&i| folds[i] == f).collect();
        let model = StanceModel::train(&train, lex, lexicon_text, params)?;
        for &i in &test {
            let (parent, reply) = pairs[i].texts();
            pred[i] = model.classify(parent, reply).stance;
        }
        let t: Vec<Stance> = test.iter().map(|&i| truth[i]).collect();
        let p: Vec<Stance> = test.iter().map(|&i| pred[i]).collect();
        fold_f1.push(macro_f1_of(&t, &p));
        fold_alpha.push(model.alpha());
        fold_chars.push(model.char_ngrams());
    }
    let mut report = evaluate(&format!("model ({k}-fold CV)"), &truth, &pred);
    report.fold_macro_f1 = fold_f1;
    report.fold_alpha = fold_alpha;
    report.fold_char_ngrams = fold_chars;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stance::*;

    #[test]
    fn precision_recall_f1_and_confusion() {
        let truth = [Agree, Agree, Rebut, Rebut, Neutral, Neutral];
        let pred = [Agree, Rebut, Rebut, Rebut, Agree, Neutral];
        let r = evaluate("t", &truth, &pred);
        assert_eq!(r.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
        // agree: P 1/2 R 1/2; rebut: P 2/3 R 1; neutral: P 1 R 1/2.
        assert!((r.classes[0].f1 - 0.5).abs() < 1e-12);
        assert!((r.classes[1].f1 - 0.8).abs() < 1e-12);
        assert!((r.classes[2].f1 - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.macro_f1 - (0.5 + 0.8 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn folds_are_stratified_and_seeded() {
        let labels: Vec<Stance> = (0..30).map(|i| LABELS[i % 3]).collect();
        let a = stratified_folds(&labels, 5, 7);
        assert_eq!(a, stratified_folds(&labels, 5, 7));
        assert_ne!(a, stratified_folds(&labels, 5, 8));
        for f in 0..5 {
            for l in LABELS {
                let n = (0..30).filter(|&i| a[i] == f && labels[i] == l).count();
                assert_eq!(n, 2, "fold {f} label {l:?}");
            }
        }
    }
}
