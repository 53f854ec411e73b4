//! Stance of each reply toward the comment it answers: `agree`, `rebut` or `neutral`, with a
//! confidence and the evidence spans that decided it. Two classifiers share one interface:
//! the editable cue lexicon ([`Lexicon`]) and a trained model ([`StanceModel`]) that uses
//! the lexicon's cues as features beside TF-IDF of reply and parent.

mod cues;
mod errors;
mod eval;
mod features;
mod gram;
mod lexicon;
mod model;
mod pairs;
mod params;
pub mod stage;

pub use cues::{CueHit, CueScores, PairText, score};
pub use errors::StanceError;
pub use eval::{
    ClassReport, EvalReport, cross_validate, evaluate, evaluate_lexicon, evaluate_model,
    stratified_folds,
};
pub use lexicon::{BUILTIN_LEXICON, Lexicon};
pub use model::{MODEL_FORMAT, MODEL_VERSION, MODEL_VERSION_MIN, StanceModel};
pub use pairs::{LabelMap, Pair, PairColumns, read_pairs};
pub use params::{CharNgrams, StanceParams};

use crate::analyze::{Evidence, ReplyStance, Stance, Stances};
use crate::model::Corpus;
use rayon::prelude::*;

/// The three labels in a fixed order (the order of confusion matrices and model outputs).
pub const LABELS: [Stance; 3] = [Stance::Agree, Stance::Rebut, Stance::Neutral];

/// Index of a label in [`LABELS`].
pub fn label_index(s: Stance) -> usize {
    match s {
        Stance::Agree => 0,
        Stance::Rebut => 1,
        Stance::Neutral => 2,
    }
}

/// Something that labels a reply given its parent.
pub enum Classifier {
    /// Cue lexicon only.
    Lexicon(Box<Lexicon>),
    /// Trained model (which carries its own lexicon).
    Model(Box<StanceModel>),
}

impl Classifier {
    /// What produced the labels, for `Stances::source`.
    pub fn source(&self) -> String {
        match self {
            Classifier::Lexicon(l) => format!("lexicon:{}", l.origin),
            Classifier::Model(m) => format!("model:{}", m.sha256),
        }
    }

    /// Labels one reply.
    pub fn classify(&self, parent: PairText, reply: PairText) -> ReplyStance {
        match self {
            Classifier::Lexicon(lex) => lexicon_stance(lex, parent, reply),
            Classifier::Model(m) => m.classify(parent, reply),
        }
    }
}

/// Labels one reply with the lexicon alone: the side with the larger cue weight wins when
/// it leads by at least `neutral_margin`; confidence grows with the lead,
/// 0.5 + 0.5·m/(m+2) for a lead m (0.5 for neutral without cues, 0.4 when cues cancel).
pub fn lexicon_stance(lex: &Lexicon, parent: PairText, reply: PairText) -> ReplyStance {
    let scores = cues::score_in_reply_language(lex, parent, reply);
    decide(lex, &scores, reply.text)
}

fn decide(lex: &Lexicon, scores: &CueScores, text: &str) -> ReplyStance {
    let margin = scores.agree - scores.rebut;
    let (stance, confidence) = if margin.abs() < lex.settings.neutral_margin || margin == 0.0 {
        let any = scores.hits.iter().any(|h| h.side.is_some());
        (Stance::Neutral, if any { 0.4 } else { 0.5 })
    } else {
        let m = margin.abs();
        let side = if margin > 0.0 {
            Stance::Agree
        } else {
            Stance::Rebut
        };
        (side, 0.5 + 0.5 * m / (m + 2.0))
    };
    ReplyStance {
        stance,
        confidence,
        evidence: evidence(scores, text, Some(stance)),
    }
}

/// Evidence spans of the hits: those for the decided side first (the deciding words), then
/// the rest, then context; each in text order.
pub fn evidence(scores: &CueScores, text: &str, decided: Option<Stance>) -> Vec<Evidence> {
    let rank = |h: &CueHit| match h.side {
        Some(s) if Some(s) == decided => 0,
        Some(_) => 1,
        None => 2,
    };
    let mut hits: Vec<&CueHit> = scores.hits.iter().collect();
    hits.sort_by_key(|h| (rank(h), h.start, h.end));
    hits.into_iter()
        .map(|h| Evidence {
            start: h.start,
            end: h.end,
            text: text.get(h.start..h.end).unwrap_or_default().to_string(),
            cue: match h.side {
                Some(s) => format!("{}:{} — {}", s.name(), h.id, h.why),
                None => format!("context:{} — {}", h.id, h.why),
            },
        })
        .collect()
}

/// Labels every reply of a linked corpus (`None` for top-level comments).
pub fn classify_corpus(corpus: &Corpus, classifier: &Classifier) -> Stances {
    let replies = corpus
        .threads
        .iter()
        .map(|t| {
            // Replies are independent: label them in parallel (order is kept).
            t.comments
                .par_iter()
                .map(|c| {
                    let p = &t.comments[c.parent_index? as usize];
                    Some(classifier.classify(
                        PairText {
                            text: &p.text,
                            author: p.author.as_deref(),
                        },
                        PairText {
                            text: &c.text,
                            author: c.author.as_deref(),
                        },
                    ))
                })
                .collect()
        })
        .collect();
    Stances {
        replies,
        source: classifier.source(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(parent: &str, reply: &str) -> ReplyStance {
        Classifier::Lexicon(Box::new(Lexicon::builtin())).classify(
            PairText {
                text: parent,
                author: None,
            },
            PairText {
                text: reply,
                author: None,
            },
        )
    }

    #[test]
    fn no_cue_is_neutral_at_even_odds() {
        let s = label("Masks reduce spread.", "I wore one to the store yesterday.");
        assert_eq!(s.stance, Stance::Neutral);
        assert_eq!(s.confidence, 0.5);
        assert!(s.evidence.is_empty());
    }

    #[test]
    fn confidence_grows_with_the_lead() {
        let one = label("Masks work.", "I agree.");
        let two = label("Masks work.", "I agree. Well said, you are right.");
        assert_eq!(one.stance, Stance::Agree);
        assert_eq!(two.stance, Stance::Agree);
        // Lead 2.5 → 0.5 + 0.5·2.5/4.5.
        assert!((one.confidence - (0.5 + 0.5 * 2.5 / 4.5)).abs() < 1e-12);
        assert!(two.confidence > one.confidence);
        assert_eq!(one.evidence[0].text, "I agree");
        assert!(one.evidence[0].cue.starts_with("agree:explicit-agreement"));
    }
}
