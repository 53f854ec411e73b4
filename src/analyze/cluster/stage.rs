//! The clustering stage of the analysis pipeline: clusters the corpus's argument units with
//! the default parameters (seed, `--k` and themes from the pipeline settings) and stores the
//! result in [`Analysis::clustering`].

use super::{ClusterError, ClusterParams, Themes, cluster};
use crate::analyze::pipeline::{Analysis, PipelineConfig, STAGE_CLUSTER, StageOutput, store};
use crate::error::Error;

/// Runs the clustering over the analysis's corpus. A corpus with too few units to cluster is
/// recorded as "not run" with the reason; it is not an error of the whole pipeline.
pub fn run(a: &Analysis, cfg: &PipelineConfig) -> Result<StageOutput, Error> {
    let themes = match &cfg.themes {
        Some(p) => Some(Themes::load(p)?),
        None => None,
    };
    let defaults = ClusterParams::default();
    let params = ClusterParams {
        seed: cfg.seed,
        k: cfg.k.unwrap_or(defaults.k),
        themes,
        ..defaults
    };
    match cluster(&a.corpus, &params) {
        Ok(c) => {
            let detail = format!(
                "{} units in {} clusters ({}, k = {})",
                c.units.len(),
                c.clusters.len(),
                c.algorithm,
                c.k
            );
            Ok(store(move |a| {
                a.clustering = Some(c);
                a.record(STAGE_CLUSTER, true, detail);
            }))
        }
        Err(e @ ClusterError::TooFewUnits { .. }) => {
            let why = e.to_string();
            Ok(store(move |a| a.record(STAGE_CLUSTER, false, why)))
        }
        Err(e) => Err(e.into()),
    }
}
