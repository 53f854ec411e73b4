//! The trainable stance model: multinomial logistic regression (linfa-logistic) on TF-IDF
//! of reply and parent plus the lexicon's cue features. Saved as versioned JSON that embeds
//! the lexicon it was trained with; its sha256 names it in every output.

use super::cues::PairText;
use super::errors::StanceError;
use super::eval::{macro_f1_of, stratified_folds};
use super::features::{Vocab, dense_features, dense_names, doc_terms, reply_terms};
use super::lexicon::Lexicon;
use super::pairs::Pair;
use super::params::StanceParams;
use super::{LABELS, evidence, label_index};
use crate::analyze::{ReplyStance, Stance};
use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The `format` field of a model file.
pub const MODEL_FORMAT: &str = "threadlens-stance-model";
/// The model file version this build writes and reads.
pub const MODEL_VERSION: u32 = 1;

/// What is stored in a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ModelFile {
    format: String,
    version: u32,
    created_by: String,
    /// Lexicon text the cue features were computed with.
    lexicon: String,
    lexicon_origin: String,
    reply_vocab: Vocab,
    parent_vocab: Vocab,
    dense_names: Vec<String>,
    /// Output columns, in order (`agree`, `rebut`, `neutral`).
    labels: Vec<Stance>,
    /// L2 penalty used.
    alpha: f64,
    /// Feature weights, one row per feature, one column per label.
    weights: Vec<Vec<f64>>,
    /// Intercept per label.
    intercept: Vec<f64>,
    /// Training pairs per label (`labels` order).
    trained_on: Vec<usize>,
    /// Whether probabilities are divided by the training label shares before choosing.
    balanced: bool,
}

/// A trained (or loaded) stance model.
#[derive(Debug, Clone)]
pub struct StanceModel {
    file: ModelFile,
    lexicon: Lexicon,
    /// sha256 of the model file bytes.
    pub sha256: String,
}

/// Feature matrix of pairs under fitted vocabularies.
fn matrix(pairs: &[&Pair], lex: &Lexicon, rv: &Vocab, pv: &Vocab, dense: usize) -> Array2<f64> {
    let width = rv.len() + pv.len() + dense;
    let mut x = Array2::<f64>::zeros((pairs.len(), width));
    for (r, p) in pairs.iter().enumerate() {
        let mut row = vec![0.0; width];
        rv.write(&reply_terms(&p.reply), &mut row, 0);
        pv.write(&doc_terms(&p.parent), &mut row, rv.len());
        let (parent, reply) = p.texts();
        let (d, _) = dense_features(lex, parent, reply);
        row[rv.len() + pv.len()..].copy_from_slice(&d);
        x.row_mut(r).assign(&Array1::from(row));
    }
    x
}

/// Fits the logistic regression; returns (weights n_features × 3, intercept 3).
fn fit(
    x: &Array2<f64>,
    y: &[usize],
    alpha: f64,
    iters: u64,
) -> Result<(Array2<f64>, Array1<f64>), StanceError> {
    for (k, l) in LABELS.iter().enumerate() {
        if !y.contains(&k) {
            return Err(StanceError::Train(format!(
                "the training pairs have no {:?} example; all three labels are needed",
                l.name()
            )));
        }
    }
    let ds = Dataset::new(x.clone(), Array1::from(y.to_vec()));
    let fitted = MultiLogisticRegression::default()
        .alpha(alpha)
        .max_iterations(iters)
        .fit(&ds)
        .map_err(|e| StanceError::Train(e.to_string()))?;
    // Columns follow the sorted class values 0, 1, 2 = LABELS order.
    let classes = fitted.classes().to_vec();
    if classes != [0, 1, 2] {
        return Err(StanceError::Train(format!(
            "unexpected classes {classes:?}"
        )));
    }
    Ok((fitted.params().clone(), fitted.intercept().clone()))
}

fn predict(
    x: &Array2<f64>,
    w: &Array2<f64>,
    b: &Array1<f64>,
    priors: Option<[f64; 3]>,
) -> Vec<[f64; 3]> {
    let z = x.dot(w) + b;
    z.rows()
        .into_iter()
        .map(|r| rebalance(softmax([r[0], r[1], r[2]]), priors))
        .collect()
}

/// Label shares of training labels (indexes into [`LABELS`]).
fn priors_of(y: &[usize]) -> [f64; 3] {
    let mut n = [0.0; 3];
    for &k in y {
        n[k] += 1.0;
    }
    let total: f64 = n.iter().sum();
    n.map(|v| if total > 0.0 { v / total } else { 1.0 / 3.0 })
}

/// Prior correction: p_k / π_k, renormalised (identity without priors).
fn rebalance(p: [f64; 3], priors: Option<[f64; 3]>) -> [f64; 3] {
    let Some(pi) = priors else { return p };
    let mut q = [0.0; 3];
    for k in 0..3 {
        q[k] = if pi[k] > 0.0 { p[k] / pi[k] } else { 0.0 };
    }
    let s: f64 = q.iter().sum();
    if s > 0.0 { q.map(|v| v / s) } else { p }
}

fn softmax(z: [f64; 3]) -> [f64; 3] {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = z.map(|v| (v - m).exp());
    let s: f64 = e.iter().sum();
    e.map(|v| v / s)
}

fn argmax(p: &[f64; 3]) -> usize {
    let mut best = 0;
    for k in 1..3 {
        if p[k] > p[best] {
            best = k;
        }
    }
    best
}

impl StanceModel {
    /// Trains on labelled pairs; the penalty is chosen by inner stratified cross-validation
    /// on these pairs only (when `params.alphas` has more than one value).
    pub fn train(
        pairs: &[Pair],
        lex: &Lexicon,
        lexicon_text: &str,
        params: &StanceParams,
    ) -> Result<StanceModel, StanceError> {
        params.check()?;
        let refs: Vec<&Pair> = pairs.iter().collect();
        let reply_docs: Vec<Vec<String>> = refs.iter().map(|p| reply_terms(&p.reply)).collect();
        let parent_docs: Vec<Vec<String>> = refs.iter().map(|p| doc_terms(&p.parent)).collect();
        let rv = Vocab::fit(&reply_docs, params.reply_vocab, params.min_df);
        let pv = Vocab::fit(&parent_docs, params.parent_vocab, params.min_df);
        let names = dense_names(lex);
        let x = matrix(&refs, lex, &rv, &pv, names.len());
        let y: Vec<usize> = refs.iter().map(|p| label_index(p.label)).collect();
        let alpha = if params.alphas.len() == 1 {
            params.alphas[0]
        } else {
            choose_alpha(&x, &y, params)?
        };
        let (w, b) = fit(&x, &y, alpha, params.max_iterations)?;
        let mut trained_on = vec![0; 3];
        for &k in &y {
            trained_on[k] += 1;
        }
        let file = ModelFile {
            format: MODEL_FORMAT.into(),
            version: MODEL_VERSION,
            created_by: format!("threadlens {}", env!("CARGO_PKG_VERSION")),
            lexicon: lexicon_text.to_string(),
            lexicon_origin: lex.origin.clone(),
            reply_vocab: rv,
            parent_vocab: pv,
            dense_names: names,
            labels: LABELS.to_vec(),
            alpha,
            weights: w.rows().into_iter().map(|r| r.to_vec()).collect(),
            intercept: b.to_vec(),
            trained_on,
            balanced: params.balanced,
        };
        StanceModel::from_file(file, lex.clone())
    }

    fn from_file(file: ModelFile, lexicon: Lexicon) -> Result<StanceModel, StanceError> {
        let bytes = serde_json::to_vec(&file).map_err(|e| StanceError::Train(e.to_string()))?;
        let sha256 = hex(&Sha256::digest(&bytes));
        Ok(StanceModel {
            file,
            lexicon,
            sha256,
        })
    }

    /// The model file bytes (compact JSON).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.file).expect("model serialises")
    }

    /// Writes the model file.
    pub fn save(&self, path: &Path) -> Result<(), StanceError> {
        std::fs::write(path, self.to_bytes()).map_err(|source| StanceError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads a model file, checking its format, version and shape.
    pub fn load(path: &Path) -> Result<StanceModel, StanceError> {
        let bytes = std::fs::read(path).map_err(|source| StanceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |message: String| StanceError::Model {
            path: path.to_path_buf(),
            message,
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("not a JSON model file ({e})")))?;
        if value.get("format").and_then(|v| v.as_str()) != Some(MODEL_FORMAT) {
            return Err(bad(format!(
                "not a threadlens stance model (no \"format\": \"{MODEL_FORMAT}\")"
            )));
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version != u64::from(MODEL_VERSION) {
            return Err(bad(format!(
                "model version {version} is not supported by this build (reads version {MODEL_VERSION}); retrain it"
            )));
        }
        let mut file: ModelFile =
            serde_json::from_value(value).map_err(|e| bad(format!("malformed model: {e}")))?;
        file.reply_vocab.reindex();
        file.parent_vocab.reindex();
        let lexicon = Lexicon::parse(&file.lexicon, &file.lexicon_origin)?;
        let width = file.reply_vocab.len() + file.parent_vocab.len() + file.dense_names.len();
        let names = dense_names(&lexicon);
        if names != file.dense_names
            || file.weights.len() != width
            || file.weights.iter().any(|r| r.len() != 3)
            || file.intercept.len() != 3
            || file.trained_on.len() != 3
            || file.labels != LABELS
            || file.reply_vocab.idf.len() != file.reply_vocab.len()
            || file.parent_vocab.idf.len() != file.parent_vocab.len()
        {
            return Err(bad(
                "model shape does not match its vocabularies and lexicon".into(),
            ));
        }
        let sha256 = hex(&Sha256::digest(&bytes));
        Ok(StanceModel {
            file,
            lexicon,
            sha256,
        })
    }

    /// The lexicon the model was trained with.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The L2 penalty the model was trained with.
    pub fn alpha(&self) -> f64 {
        self.file.alpha
    }

    /// Probabilities of agree, rebut, neutral (prior-corrected when the model is balanced).
    pub fn probabilities(&self, parent: PairText, reply: PairText) -> ([f64; 3], super::CueScores) {
        let f = &self.file;
        let (rl, pl) = (f.reply_vocab.len(), f.parent_vocab.len());
        let mut row = vec![0.0; rl + pl + f.dense_names.len()];
        f.reply_vocab.write(&reply_terms(reply.text), &mut row, 0);
        f.parent_vocab.write(&doc_terms(parent.text), &mut row, rl);
        let (d, scores) = dense_features(&self.lexicon, parent, reply);
        row[rl + pl..].copy_from_slice(&d);
        let mut z = [0.0; 3];
        for (k, zk) in z.iter_mut().enumerate() {
            *zk = f.intercept[k]
                + row
                    .iter()
                    .zip(&f.weights)
                    .filter(|(v, _)| **v != 0.0)
                    .map(|(v, w)| v * w[k])
                    .sum::<f64>();
        }
        let priors = self.file.balanced.then(|| {
            let n = &self.file.trained_on;
            let total = n.iter().sum::<usize>().max(1) as f64;
            [0, 1, 2].map(|k| n[k] as f64 / total)
        });
        (rebalance(softmax(z), priors), scores)
    }

    /// Labels one reply: the most probable label, its probability as confidence, and the
    /// lexicon cues as evidence (those for the chosen side first).
    pub fn classify(&self, parent: PairText, reply: PairText) -> ReplyStance {
        let (p, scores) = self.probabilities(parent, reply);
        let k = argmax(&p);
        let stance = LABELS[k];
        ReplyStance {
            stance,
            confidence: p[k],
            evidence: evidence(&scores, reply.text, Some(stance)),
        }
    }
}

/// Picks the penalty with the best mean macro-F1 over inner stratified folds of the
/// training data (ties: the larger penalty, the simpler model).
fn choose_alpha(x: &Array2<f64>, y: &[usize], params: &StanceParams) -> Result<f64, StanceError> {
    let labels: Vec<Stance> = y.iter().map(|&k| LABELS[k]).collect();
    let folds = stratified_folds(&labels, params.inner_folds, params.seed ^ 0x5eed);
    let mut best = (f64::NEG_INFINITY, params.alphas[0]);
    let mut alphas = params.alphas.clone();
    alphas.sort_by(|a, b| b.total_cmp(a));
    for &alpha in &alphas {
        let mut total = 0.0;
        for f in 0..params.inner_folds {
            let train: Vec<usize> = (0..y.len()).filter(|&i| folds[i] != f).collect();
            let test: Vec<usize> = (0..y.len()).filter(|&i| folds[i] == f).collect();
            let xt = x.select(ndarray::Axis(0), &train);
            let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
            let (w, b) = fit(&xt, &yt, alpha, params.max_iterations)?;
            let priors = params.balanced.then(|| priors_of(&yt));
            let probs = predict(&x.select(ndarray::Axis(0), &test), &w, &b, priors);
            let pred: Vec<Stance> = probs.iter().map(|p| LABELS[argmax(p)]).collect();
            let truth: Vec<Stance> = test.iter().map(|&i| LABELS[y[i]]).collect();
            total += macro_f1_of(&truth, &pred);
        }
        let score = total / params.inner_folds as f64;
        if score > best.0 + 1e-12 {
            best = (score, alpha);
        }
    }
    Ok(best.1)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
