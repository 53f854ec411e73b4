//! The analysis pipeline: a corpus goes through a fixed sequence of stages, each adding its
//! result to an [`Analysis`]; reports and exports read the finished `Analysis`. Stages that
//! need none of the stages before them run side by side (see [`Stage::needs`]); results are
//! stored in pipeline order, so the outputs do not depend on it.
//!
//! Every analyzer is optional from the outputs' point of view: a stage that is not in
//! [`stages`] (or did not run) leaves its field `None` / empty and its [`StageRecord`] says so,
//! and the report prints "not run" instead of inventing numbers.

use crate::analyze::{Clustering, Stances};
use crate::error::Error;
use crate::model::{Corpus, Thread};
use crate::moderate::Flag;
use std::path::PathBuf;

/// Name of the clustering stage (fills [`Analysis::clustering`]).
pub const STAGE_CLUSTER: &str = "cluster";
/// Name of the reply-dynamics stage (appends [`Analysis::thread_metrics`]).
pub const STAGE_DYNAMICS: &str = "dynamics";
/// Name of the stance stage (fills [`Analysis::stances`]).
pub const STAGE_STANCE: &str = "stance";
/// Name of the moderation stage (fills [`Analysis::flags`]).
pub const STAGE_MODERATE: &str = "moderate";

/// The analyzers the report knows about, in pipeline order, with a human description.
pub const KNOWN_STAGES: [(&str, &str); 4] = [
    (STAGE_CLUSTER, "argument units and clusters"),
    (STAGE_DYNAMICS, "reply dynamics metrics"),
    (STAGE_STANCE, "stance of each reply toward its parent"),
    (STAGE_MODERATE, "moderation rules"),
];

/// Shape of one thread's reply tree, computed from its [`ChildIndex`](crate::model::ChildIndex).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TreeStats {
    /// Direct replies of each comment, indexed like `Thread::comments`.
    pub n_replies: Vec<u32>,
    /// All replies below each comment (replies of replies included).
    pub n_descendants: Vec<u32>,
    /// Number of top-level comments.
    pub n_top_level: u32,
    /// Deepest comment's depth (0 = only top-level comments); `None` without comments.
    pub max_depth: Option<u32>,
}

impl TreeStats {
    /// Computes the tree shape of a linked thread (no recursion: uses the child index).
    pub fn of(thread: &Thread) -> TreeStats {
        let index = thread.child_index();
        let n = thread.comments.len();
        TreeStats {
            n_replies: (0..n).map(|i| index.children(i).len() as u32).collect(),
            n_descendants: index.descendant_counts(),
            n_top_level: index.roots().len() as u32,
            max_depth: thread.comments.iter().map(|c| c.depth).max(),
        }
    }
}

/// One per-thread metric, appended as a column to the `threads` table and shown in the report.
///
/// Analyzers that measure threads (reply dynamics) push one of these per metric; outputs need
/// no change to show it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricColumn {
    /// Column name (snake_case, stable: it is part of the table schema).
    pub name: String,
    /// One-line description for the README and report.
    pub description: String,
    /// One value per thread, in corpus order; `None` where the metric is undefined.
    pub values: Vec<Option<f64>>,
}

/// Whether a stage ran, for the report's pipeline section.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRecord {
    /// Stage name ([`STAGE_CLUSTER`], …).
    pub name: String,
    /// True when the stage ran and its result is in the analysis.
    pub ran: bool,
    /// What it did or why it did not run.
    pub detail: String,
}

/// A corpus and every analysis result computed for it: what reports and exports read.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The linked corpus.
    pub corpus: Corpus,
    /// Tree shape of every thread, in corpus order.
    pub trees: Vec<TreeStats>,
    /// Argument units and clusters, when the clustering stage ran.
    pub clustering: Option<Clustering>,
    /// Stance of every reply, when the stance stage ran.
    pub stances: Option<Stances>,
    /// Moderation flags (empty when moderation did not run: check [`Analysis::ran`]).
    pub flags: Vec<Flag>,
    /// Extra per-thread metrics (reply dynamics), one column each.
    pub thread_metrics: Vec<MetricColumn>,
    /// What ran and what did not, in pipeline order.
    pub stages: Vec<StageRecord>,
    /// The seed every random step used.
    pub seed: u64,
}

impl Analysis {
    /// An analysis with only the corpus and its tree shapes: no analyzer has run yet.
    pub fn new(corpus: Corpus, seed: u64) -> Analysis {
        let trees = corpus.threads.iter().map(TreeStats::of).collect();
        Analysis {
            corpus,
            trees,
            clustering: None,
            stances: None,
            flags: Vec::new(),
            thread_metrics: Vec::new(),
            stages: Vec::new(),
            seed,
        }
    }

    /// Whether the named stage ran.
    pub fn ran(&self, stage: &str) -> bool {
        self.stages.iter().any(|s| s.name == stage && s.ran)
    }

    /// Records that a stage ran (or not), replacing an earlier record of the same stage.
    pub fn record(&mut self, name: &str, ran: bool, detail: impl Into<String>) {
        let rec = StageRecord {
            name: name.to_string(),
            ran,
            detail: detail.into(),
        };
        match self.stages.iter_mut().find(|s| s.name == name) {
            Some(s) => *s = rec,
            None => self.stages.push(rec),
        }
    }

    /// Number of comments in the corpus.
    pub fn n_comments(&self) -> usize {
        self.corpus.threads.iter().map(|t| t.comments.len()).sum()
    }
}

/// Settings the analyzers read: seed and user files.
#[derive(Debug, Clone, Default)]
pub struct PipelineConfig {
    /// Seed for every random step.
    pub seed: u64,
    /// Theme file for labelling clusters.
    pub themes: Option<PathBuf>,
    /// Moderation rule file.
    pub rules: Option<PathBuf>,
    /// Number of clusters (`None`: the clustering default, chosen by silhouette).
    pub k: Option<crate::analyze::cluster::KChoice>,
    /// Trained stance model; without it the cue lexicon labels replies.
    pub stance_model: Option<PathBuf>,
    /// Stance cue lexicon replacing the built-in one.
    pub lexicon: Option<PathBuf>,
}

/// What a stage computed, stored into the analysis once the stage (and every stage running
/// beside it) has finished. Stages compute from a shared `&Analysis` so that independent ones
/// can run side by side, and store in pipeline order afterwards.
pub type StageOutput = Box<dyn FnOnce(&mut Analysis) + Send>;

/// A stage body: reads the analysis so far and returns what to store: its result and its
/// [`StageRecord`] (a stage that records nothing is recorded as run).
pub type StageFn = fn(&Analysis, &PipelineConfig) -> Result<StageOutput, Error>;

/// Wraps a storing step as a [`StageOutput`].
pub fn store(f: impl FnOnce(&mut Analysis) + Send + 'static) -> StageOutput {
    Box::new(f)
}

/// One pipeline stage.
#[derive(Clone, Copy)]
pub struct Stage {
    /// Stage name (one of [`KNOWN_STAGES`] for analyzers the report knows).
    pub name: &'static str,
    /// The stage body.
    pub run: StageFn,
    /// Stages whose results this one reads: it starts once they are stored. A stage that
    /// needs none of the stages before it runs beside them.
    pub needs: &'static [&'static str],
}

/// What [`run_stages`] tells its observer (progress bars, `--timings`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StageEvent<'a> {
    /// These stages start now, side by side (one name when a stage runs alone).
    Started(&'a [&'static str]),
    /// A stage finished computing, after its own wall time (which overlaps the wall time of
    /// the stages beside it).
    Finished(&'static str, std::time::Duration),
}

/// The analysis stages of this build, in order. An analyzer joins the pipeline with one line
/// here, e.g. `Stage { name: STAGE_CLUSTER, run: cluster_stage, needs: &[] }`, whose body
/// returns a [`StageOutput`] that sets `analysis.clustering = Some(..)`.
pub fn stages() -> Vec<Stage> {
    vec![
        Stage {
            name: STAGE_CLUSTER,
            run: crate::analyze::cluster::stage::run,
            needs: &[],
        },
        // Dynamics and stance read only the corpus: they run beside the clustering, whose
        // serial steps leave a core idle.
        Stage {
            name: STAGE_DYNAMICS,
            run: crate::analyze::dynamics::stage::run,
            needs: &[],
        },
        Stage {
            name: STAGE_STANCE,
            run: crate::analyze::stance::stage::run,
            needs: &[],
        },
        // Context checks read the clusters and stances.
        Stage {
            name: STAGE_MODERATE,
            run: crate::moderate::stage::run,
            needs: &[STAGE_CLUSTER, STAGE_STANCE],
        },
    ]
}

/// Splits `stages` into groups that run side by side: a stage joins the current group unless
/// it needs a stage in it. Results are stored in pipeline order either way, so the outputs do
/// not depend on the grouping.
fn side_by_side(stages: &[Stage]) -> Vec<&[Stage]> {
    let mut groups = Vec::new();
    let mut start = 0;
    for (i, stage) in stages.iter().enumerate() {
        if stages[start..i]
            .iter()
            .any(|s| stage.needs.contains(&s.name))
        {
            groups.push(&stages[start..i]);
            start = i;
        }
    }
    if start < stages.len() {
        groups.push(&stages[start..]);
    }
    groups
}

/// Runs `stages` over a corpus; `on_stage` hears when each group of stages starts and when
/// each stage finishes. Known analyzers that are not among `stages` are recorded as not run.
/// When a stage fails, the first failure in pipeline order is returned.
pub fn run_stages(
    corpus: Corpus,
    config: &PipelineConfig,
    stages: &[Stage],
    on_stage: &mut dyn FnMut(StageEvent),
) -> Result<Analysis, Error> {
    use rayon::prelude::*;
    let mut analysis = Analysis::new(corpus, config.seed);
    for group in side_by_side(stages) {
        let names: Vec<&'static str> = group.iter().map(|s| s.name).collect();
        on_stage(StageEvent::Started(&names));
        let shared = &analysis;
        let results: Vec<(Result<StageOutput, Error>, std::time::Duration)> = group
            .par_iter()
            .with_max_len(1)
            .map(|stage| {
                let started = std::time::Instant::now();
                let result = (stage.run)(shared, config);
                (result, started.elapsed())
            })
            .collect();
        for (stage, (result, took)) in group.iter().zip(results) {
            on_stage(StageEvent::Finished(stage.name, took));
            let output = result?;
            output(&mut analysis);
            if !analysis.stages.iter().any(|s| s.name == stage.name) {
                analysis.record(stage.name, true, "");
            }
        }
    }
    for (name, what) in KNOWN_STAGES {
        if !analysis.stages.iter().any(|s| s.name == name) {
            analysis.record(name, false, format!("{what}: not part of this build"));
        }
    }
    // Pipeline order, whatever order the stages recorded themselves in.
    let order = |name: &str| {
        KNOWN_STAGES
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or(KNOWN_STAGES.len())
    };
    analysis.stages.sort_by_key(|s| order(&s.name));
    Ok(analysis)
}

/// Runs this build's [`stages`] over a corpus.
pub fn run(
    corpus: Corpus,
    config: &PipelineConfig,
    on_stage: &mut dyn FnMut(StageEvent),
) -> Result<Analysis, Error> {
    run_stages(corpus, config, &stages(), on_stage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Comment, Format};

    fn corpus() -> Corpus {
        let mut t = Thread::new("t", "t.txt", Format::Text);
        for (i, (id, parent)) in [("a", None), ("b", Some("a")), ("c", Some("b")), ("d", None)]
            .into_iter()
            .enumerate()
        {
            let mut c = Comment::new(id, i as u32 + 1, "x");
            c.parent_id = parent.map(str::to_string);
            t.comments.push(c);
        }
        t.link().unwrap();
        Corpus {
            threads: vec![t, Thread::new("empty", "e.txt", Format::Text)],
            ..Corpus::default()
        }
    }

    #[test]
    fn tree_stats_count_replies_descendants_and_depth() {
        let a = Analysis::new(corpus(), 1);
        assert_eq!(a.trees[0].n_replies, vec![1, 1, 0, 0]);
        assert_eq!(a.trees[0].n_descendants, vec![2, 1, 0, 0]);
        assert_eq!(a.trees[0].n_top_level, 2);
        assert_eq!(a.trees[0].max_depth, Some(2));
        assert_eq!(a.trees[1].max_depth, None);
        assert_eq!(a.n_comments(), 4);
    }

    fn mark_metric(_: &Analysis, _: &PipelineConfig) -> Result<StageOutput, Error> {
        Ok(store(|a| {
            a.thread_metrics.push(MetricColumn {
                name: "m".into(),
                description: "test".into(),
                values: vec![Some(1.0), None],
            });
            a.record(STAGE_DYNAMICS, true, "1 metric");
        }))
    }

    #[test]
    fn absent_stages_are_recorded_as_not_run_in_pipeline_order() {
        let mut seen = Vec::new();
        let stage = Stage {
            name: STAGE_DYNAMICS,
            run: mark_metric,
            needs: &[],
        };
        let a = run_stages(corpus(), &PipelineConfig::default(), &[stage], &mut |e| {
            if let StageEvent::Started(names) = e {
                seen.push(names.join("+"));
            }
        })
        .unwrap();
        assert_eq!(seen, ["dynamics"]);
        let names: Vec<(&str, bool)> = a.stages.iter().map(|s| (&*s.name, s.ran)).collect();
        assert_eq!(
            names,
            [
                ("cluster", false),
                ("dynamics", true),
                ("stance", false),
                ("moderate", false)
            ]
        );
        assert!(a.ran(STAGE_DYNAMICS) && !a.ran(STAGE_MODERATE));
        assert!(a.clustering.is_none() && a.stances.is_none());
    }

    fn count_metrics(a: &Analysis, _: &PipelineConfig) -> Result<StageOutput, Error> {
        // Run after the stage it needs, it sees that stage's stored metric column.
        let seen = format!("{} metric columns", a.thread_metrics.len());
        Ok(store(move |a| a.record(STAGE_MODERATE, true, seen)))
    }

    fn fail(_: &Analysis, _: &PipelineConfig) -> Result<StageOutput, Error> {
        Err(Error::Usage("stage failed".into()))
    }

    #[test]
    fn stages_run_side_by_side_unless_they_need_an_earlier_one() {
        let this_build = stages();
        let groups: Vec<Vec<&str>> = side_by_side(&this_build)
            .iter()
            .map(|g| g.iter().map(|s| s.name).collect())
            .collect();
        assert_eq!(
            groups,
            [vec!["cluster", "dynamics", "stance"], vec!["moderate"]]
        );

        let mut seen = Vec::new();
        let with = |name, run, needs| Stage { name, run, needs };
        let a = run_stages(
            corpus(),
            &PipelineConfig::default(),
            &[
                with(STAGE_DYNAMICS, mark_metric, &[]),
                with(STAGE_MODERATE, count_metrics, &[STAGE_DYNAMICS]),
            ],
            &mut |e| match e {
                StageEvent::Started(names) => seen.push(format!("start {}", names.join("+"))),
                StageEvent::Finished(name, _) => seen.push(format!("end {name}")),
            },
        )
        .unwrap();
        assert_eq!(
            seen,
            [
                "start dynamics",
                "end dynamics",
                "start moderate",
                "end moderate"
            ]
        );
        assert_eq!(a.thread_metrics.len(), 1);
        let detail = |name: &str| {
            a.stages
                .iter()
                .find(|s| s.name == name)
                .unwrap()
                .detail
                .clone()
        };
        assert_eq!(detail(STAGE_MODERATE), "1 metric columns");
    }

    #[test]
    fn a_failing_stage_fails_the_run_even_beside_others() {
        let stages = [
            Stage {
                name: STAGE_DYNAMICS,
                run: mark_metric,
                needs: &[],
            },
            Stage {
                name: STAGE_STANCE,
                run: fail,
                needs: &[],
            },
        ];
        let err = run_stages(corpus(), &PipelineConfig::default(), &stages, &mut |_| {});
        assert!(matches!(err, Err(Error::Usage(m)) if m == "stage failed"));
    }
}
