//! The trainable stance model: multinomial logistic regression (linfa-logistic) on TF-IDF
//! of reply and parent, the lexicon's cue features and, when the inner cross-validation
//! picks them, TF-IDF of the reply's character n-grams. Saved as versioned JSON that embeds
//! the lexicon it was trained with; its sha256 names it in every output.

use super::cues::{CueScores, PairText};
use super::errors::StanceError;
use super::eval::{macro_f1_of, stratified_folds};
use super::features::{Vocab, char_ngrams, dense_features, dense_names, doc_terms, reply_terms};
use super::gram::Factor;
use super::lexicon::Lexicon;
use super::pairs::Pair;
use super::params::StanceParams;
use super::{LABELS, evidence, label_index};
use crate::analyze::{ReplyStance, Stance};
use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The `format` field of a model file.
pub const MODEL_FORMAT: &str = "threadlens-stance-model";
/// The model file version this build writes. Version 2 added the optional reply
/// character n-gram block; a version-1 file is a version-2 file without it. Version 3 added
/// the reply's opening words (`^no`, `^no you`) to the reply terms: older files have no such
/// terms in their vocabulary, so they still load and label as before, while an older build
/// refuses a version-3 file instead of ignoring its opener columns.
pub const MODEL_VERSION: u32 = 3;
/// The oldest model file version this build reads.
pub const MODEL_VERSION_MIN: u32 = 1;

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
    /// Vocabulary of the reply's character n-grams when they are features (version 2);
    /// their columns follow the dense features, so without it the layout is version 1's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply_char_vocab: Option<Vocab>,
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

/// The fitted vocabularies that lay out a feature vector: reply words, parent terms, the
/// dense features, then (optionally) reply character n-grams.
struct Layout<'a> {
    reply: &'a Vocab,
    parent: &'a Vocab,
    dense: usize,
    chars: Option<&'a Vocab>,
}

impl Layout<'_> {
    /// Columns before the character n-grams (the whole version-1 layout).
    fn base_width(&self) -> usize {
        self.reply.len() + self.parent.len() + self.dense
    }

    fn width(&self) -> usize {
        self.base_width() + self.chars.map_or(0, Vocab::len)
    }

    /// The feature vector of a pair and the cue scores behind its dense part.
    fn row(&self, lex: &Lexicon, parent: PairText, reply: PairText) -> (Vec<f64>, CueScores) {
        let (rl, pl) = (self.reply.len(), self.parent.len());
        let mut row = vec![0.0; self.width()];
        self.reply
            .write(&reply_terms(reply.text, true), &mut row, 0);
        self.parent.write(&doc_terms(parent.text), &mut row, rl);
        let (d, scores) = dense_features(lex, parent, reply);
        row[rl + pl..self.base_width()].copy_from_slice(&d);
        if let Some(cv) = self.chars {
            cv.write(&char_ngrams(reply.text), &mut row, self.base_width());
        }
        (row, scores)
    }

    /// Feature matrix of pairs.
    fn matrix(&self, pairs: &[&Pair], lex: &Lexicon) -> Array2<f64> {
        let mut x = Array2::<f64>::zeros((pairs.len(), self.width()));
        for (r, p) in pairs.iter().enumerate() {
            let (parent, reply) = p.texts();
            let (row, _) = self.row(lex, parent, reply);
            x.row_mut(r).assign(&Array1::from(row));
        }
        x
    }
}

/// Fits the logistic regression; returns (weights n_features × 3, intercept 3). Takes the
/// matrix by value: linfa's dataset owns it, and a copy of a wide matrix is costly.
fn fit(
    x: Array2<f64>,
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
    let ds = Dataset::new(x, Array1::from(y.to_vec()));
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

/// Fits on a Gram matrix of training rows (see [`super::gram`]); returns the coefficients
/// `C` (rows × 3, the weights are `Xᵀ·C`) and the intercept.
fn fit_gram(
    k: &ArrayView2<f64>,
    y: &[usize],
    alpha: f64,
    iters: u64,
) -> Result<(Array2<f64>, Array1<f64>), StanceError> {
    let factor = Factor::of(k);
    let (b, intercept) = fit(factor.z(), y, alpha, iters)?;
    Ok((factor.coefficients(&b), intercept))
}

/// Label probabilities from the linear scores `z` (rows × 3).
fn predict(z: &Array2<f64>, priors: Option<[f64; 3]>) -> Vec<[f64; 3]> {
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
    /// Trains on labelled pairs; the penalty and whether to use character n-grams are chosen
    /// by inner stratified cross-validation on these pairs only (when there is a choice).
    pub fn train(
        pairs: &[Pair],
        lex: &Lexicon,
        lexicon_text: &str,
        params: &StanceParams,
    ) -> Result<StanceModel, StanceError> {
        params.check()?;
        let refs: Vec<&Pair> = pairs.iter().collect();
        let reply_docs: Vec<Vec<String>> = refs
            .iter()
            .map(|p| reply_terms(&p.reply, params.openers))
            .collect();
        let parent_docs: Vec<Vec<String>> = refs.iter().map(|p| doc_terms(&p.parent)).collect();
        let rv = Vocab::fit(&reply_docs, params.reply_vocab, params.min_df);
        let pv = Vocab::fit(&parent_docs, params.parent_vocab, params.min_df);
        let names = dense_names(lex);
        let candidates = params.char_ngrams.candidates();
        // Fitted only when they may be used; the no-chars candidate is then a column prefix.
        let cv = candidates.contains(&true).then(|| {
            let docs: Vec<Vec<String>> = refs.iter().map(|p| char_ngrams(&p.reply)).collect();
            Vocab::fit(&docs, params.char_vocab, params.min_df)
        });
        let layout = Layout {
            reply: &rv,
            parent: &pv,
            dense: names.len(),
            chars: cv.as_ref(),
        };
        let base = layout.base_width();
        let x = layout.matrix(&refs, lex);
        let y: Vec<usize> = refs.iter().map(|p| label_index(p.label)).collect();
        // The Gram matrix of each candidate feature set; the character block adds its own.
        let xb = x.slice(s![.., ..base]);
        let k_base = xb.dot(&xb.t());
        let with_chars = candidates.contains(&true).then(|| {
            let xc = x.slice(s![.., base..]);
            &k_base + &xc.dot(&xc.t())
        });
        // In the order of `candidates` (without character n-grams first); the base matrix is
        // moved into its candidate, not copied.
        let mut grams: Vec<(bool, Array2<f64>)> = Vec::with_capacity(candidates.len());
        if candidates.contains(&false) {
            grams.push((false, k_base));
        }
        grams.extend(with_chars.map(|k| (true, k)));
        let (alpha, chars) = if params.alphas.len() == 1 && grams.len() == 1 {
            (params.alphas[0], grams[0].0)
        } else {
            choose_settings(&grams, &y, params)?
        };
        let k = &grams.iter().find(|g| g.0 == chars).expect("a candidate").1;
        let (c, b) = fit_gram(&k.view(), &y, alpha, params.max_iterations)?;
        let w = if chars { x.view() } else { xb }.t().dot(&c);
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
            reply_char_vocab: if chars { cv } else { None },
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
        if !(u64::from(MODEL_VERSION_MIN)..=u64::from(MODEL_VERSION)).contains(&version) {
            return Err(bad(format!(
                "model version {version} is not supported by this build (reads versions {MODEL_VERSION_MIN} to {MODEL_VERSION}); retrain it"
            )));
        }
        let mut file: ModelFile =
            serde_json::from_value(value).map_err(|e| bad(format!("malformed model: {e}")))?;
        file.reply_vocab.reindex();
        file.parent_vocab.reindex();
        if let Some(cv) = &mut file.reply_char_vocab {
            cv.reindex();
        }
        let lexicon = Lexicon::parse(&file.lexicon, &file.lexicon_origin)?;
        let width = file.layout().width();
        let names = dense_names(&lexicon);
        if names != file.dense_names
            || (version == 1 && file.reply_char_vocab.is_some())
            || file
                .reply_char_vocab
                .as_ref()
                .is_some_and(|cv| !cv.is_consistent())
            || file.weights.len() != width
            || file.weights.iter().any(|r| r.len() != 3)
            || file.intercept.len() != 3
            || file.trained_on.len() != 3
            || file.labels != LABELS
            || !file.reply_vocab.is_consistent()
            || !file.parent_vocab.is_consistent()
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

    /// Whether the reply's character n-grams are features of this model.
    pub fn char_ngrams(&self) -> bool {
        self.file.reply_char_vocab.is_some()
    }

    /// Probabilities of agree, rebut, neutral (prior-corrected when the model is balanced).
    pub fn probabilities(&self, parent: PairText, reply: PairText) -> ([f64; 3], CueScores) {
        let f = &self.file;
        let (row, scores) = f.layout().row(&self.lexicon, parent, reply);
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

/// Picks the penalty and feature set (with or without character n-grams, each given by the
/// Gram matrix of its training rows) with the best mean macro-F1 over inner stratified folds
/// of the training data. Ties go to the simpler model: without character n-grams (listed
/// first), then the larger penalty.
fn choose_settings(
    grams: &[(bool, Array2<f64>)],
    y: &[usize],
    params: &StanceParams,
) -> Result<(f64, bool), StanceError> {
    let labels: Vec<Stance> = y.iter().map(|&k| LABELS[k]).collect();
    let folds = stratified_folds(&labels, params.inner_folds, params.seed ^ 0x5eed);
    let splits: Vec<(Vec<usize>, Vec<usize>)> = (0..params.inner_folds)
        .map(|f| (0..y.len()).partition(|&i| folds[i] != f))
        .collect();
    let mut best = (f64::NEG_INFINITY, params.alphas[0], grams[0].0);
    let mut alphas = params.alphas.clone();
    alphas.sort_by(|a, b| b.total_cmp(a));
    for (chars, k) in grams {
        // What a fold needs that no penalty changes, prepared once: the factor of its
        // training Gram matrix (a Cholesky factorisation, the costly step), the held-out
        // rows against the training rows, and the training labels and priors.
        let prepared: Vec<_> = splits
            .iter()
            .map(|(train, test)| {
                let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
                let factor = Factor::of(&k.select(Axis(0), train).select(Axis(1), train).view());
                let z = factor.z();
                let k_test = k.select(Axis(0), test).select(Axis(1), train);
                let priors = params.balanced.then(|| priors_of(&yt));
                let truth: Vec<Stance> = test.iter().map(|&i| LABELS[y[i]]).collect();
                (yt, factor, z, k_test, priors, truth)
            })
            .collect();
        for &alpha in &alphas {
            let mut total = 0.0;
            for (yt, factor, z, k_test, priors, truth) in &prepared {
                let (w, b) = fit(z.clone(), yt, alpha, params.max_iterations)?;
                let scores = k_test.dot(&factor.coefficients(&w)) + &b;
                let pred: Vec<Stance> = predict(&scores, *priors)
                    .iter()
                    .map(|p| LABELS[argmax(p)])
                    .collect();
                total += macro_f1_of(truth, &pred);
            }
            let score = total / params.inner_folds as f64;
            if score > best.0 + 1e-12 {
                best = (score, alpha, *chars);
            }
        }
    }
    Ok((best.1, best.2))
}

impl ModelFile {
    /// The feature layout of this file's vocabularies.
    fn layout(&self) -> Layout<'_> {
        Layout {
            reply: &self.reply_vocab,
            parent: &self.parent_vocab,
            dense: self.dense_names.len(),
            chars: self.reply_char_vocab.as_ref(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::stance::features::OPENER_MARK;
    use crate::analyze::stance::{CharNgrams, LabelMap, PairColumns, read_pairs};

    fn fixture(path: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path)
    }

    /// The first 12 MaskMandate pairs of each label: what `stance/model-v1.json` (written by
    /// the version-1 build, `--alpha 10`) was trained on.
    fn pairs_36() -> Vec<Pair> {
        let cols = PairColumns {
            parent: "quote_text".into(),
            reply: "response_text".into(),
            label: "relation".into(),
        };
        let labels = LabelMap::parse("0=rebut,1=neutral,2=agree").unwrap();
        let all = read_pairs(
            &fixture("agreement/SubReddit-MaskMandate.csv"),
            &cols,
            &labels,
        )
        .unwrap();
        let mut taken = [0; 3];
        all.into_iter()
            .filter(|p| {
                let k = label_index(p.label);
                taken[k] += 1;
                taken[k] <= 12
            })
            .collect()
    }

    fn train_36(chars: CharNgrams, openers: bool) -> StanceModel {
        let params = StanceParams {
            alphas: vec![10.0],
            char_ngrams: chars,
            openers,
            ..StanceParams::default()
        };
        let lex = Lexicon::builtin();
        StanceModel::train(&pairs_36(), &lex, super::super::BUILTIN_LEXICON, &params).unwrap()
    }

    #[test]
    fn the_gram_fit_reproduces_the_version_1_direct_fit() {
        let v1 = StanceModel::load(&fixture("stance/model-v1.json")).unwrap();
        assert!(!v1.char_ngrams());
        // The version-1 feature set: no character n-grams, no openers.
        let v2 = train_36(CharNgrams::Off, false);
        let (a, b) = (&v1.file, &v2.file);
        assert_eq!((a.version, b.version), (1, MODEL_VERSION));
        assert_eq!(a.reply_vocab.terms, b.reply_vocab.terms);
        assert_eq!(a.parent_vocab.terms, b.parent_vocab.terms);
        // Two fits by different routes agree to rounding, not to the bit.
        let diff = a
            .weights
            .iter()
            .flatten()
            .zip(b.weights.iter().flatten())
            .chain(a.intercept.iter().zip(&b.intercept))
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(diff < 1e-9, "largest weight difference {diff}");
    }

    #[test]
    fn a_character_n_gram_model_saves_loads_and_is_deterministic() {
        let m = train_36(CharNgrams::On, true);
        assert!(m.file.reply_vocab.terms.iter().any(|t| t == "^i"));
        assert!(
            !train_36(CharNgrams::On, false)
                .file
                .reply_vocab
                .terms
                .iter()
                .any(|t| t.starts_with(OPENER_MARK))
        );
        assert!(m.char_ngrams());
        assert_eq!(m.to_bytes(), train_36(CharNgrams::On, true).to_bytes());
        let dir = std::env::temp_dir().join(format!("threadlens-model-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chars.json");
        m.save(&path).unwrap();
        let loaded = StanceModel::load(&path).unwrap();
        assert_eq!(loaded.sha256, m.sha256);
        // Every float reads back to the bit (serde_json's `float_roundtrip`), so a loaded
        // model writes the same bytes again.
        assert_eq!(loaded.to_bytes(), m.to_bytes());
        assert!(loaded.char_ngrams());
        for p in pairs_36().iter().take(5) {
            let (parent, reply) = p.texts();
            let (x, y) = (
                loaded.probabilities(parent, reply).0,
                m.probabilities(parent, reply).0,
            );
            assert!((0..3).all(|k| (x[k] - y[k]).abs() < 1e-12), "{x:?} {y:?}");
        }
        // A version-1 file cannot carry the version-2 block.
        let text = String::from_utf8(m.to_bytes()).unwrap();
        let v1 = dir.join("v1-with-chars.json");
        let current = format!("\"version\":{MODEL_VERSION}");
        std::fs::write(&v1, text.replacen(&current, "\"version\":1", 1)).unwrap();
        let err = StanceModel::load(&v1).unwrap_err().to_string();
        assert!(err.contains("model shape"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
