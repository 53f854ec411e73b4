//! The stance stage of the analysis pipeline: labels every reply with the trained model given
//! by `--stance-model`, else with the cue lexicon (`--lexicon`, else the built-in one), and
//! stores the result in [`Analysis::stances`].

use super::{Classifier, Lexicon, StanceModel, classify_corpus};
use crate::analyze::pipeline::{Analysis, PipelineConfig, STAGE_STANCE, StageOutput, store};
use crate::error::Error;

/// Runs the stance classifier over the analysis's corpus.
pub fn run(a: &Analysis, cfg: &PipelineConfig) -> Result<StageOutput, Error> {
    let classifier = match (&cfg.stance_model, &cfg.lexicon) {
        (Some(m), _) => Classifier::Model(Box::new(StanceModel::load(m)?)),
        (None, Some(l)) => Classifier::Lexicon(Box::new(Lexicon::load(l)?)),
        (None, None) => Classifier::Lexicon(Box::new(Lexicon::builtin())),
    };
    let stances = classify_corpus(&a.corpus, &classifier);
    let labelled = stances.replies.iter().flatten().flatten().count();
    let detail = format!("{labelled} replies labelled ({})", stances.source);
    Ok(store(move |a| {
        a.record(STAGE_STANCE, true, detail);
        a.stances = Some(stances);
    }))
}
