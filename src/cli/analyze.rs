//! `threadlens analyze`: parse → analyzers → `report.html`, `report.md` and Parquet tables.

use super::InputArgs;
use crate::analyze::pipeline::{
    self, PipelineConfig, STAGE_CLUSTER, STAGE_MODERATE, STAGE_STANCE, StageEvent,
};
use crate::error::Error;
use crate::export::{self, OutputFormat, Table, WriteOptions};
use crate::messages;
use crate::model::Timestamp;
use crate::report::{self, ReportOptions};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Settings of the analysis pipeline, shared by `analyze` and the table formats of `export`.
#[derive(Debug, Clone, Args)]
pub struct PipelineArgs {
    /// Seed for every random step (same seed and input → same output).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Theme file (TOML) used to label clusters.
    #[arg(long, value_name = "FILE")]
    pub themes: Option<PathBuf>,
    /// Moderation rule file (TOML).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Number of argument clusters: `auto` (chosen by silhouette) or a number.
    #[arg(long, value_name = "auto|N", value_parser = super::cluster::parse_k)]
    pub k: Option<crate::analyze::cluster::KChoice>,
    /// Label reply stance with this trained model (`threadlens stance train`).
    #[arg(long, value_name = "MODEL")]
    pub stance_model: Option<PathBuf>,
    /// Stance cue lexicon (TOML) replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub lexicon: Option<PathBuf>,
}

impl PipelineArgs {
    /// Checks the named files exist and builds the pipeline configuration; warns about files
    /// that no stage of this build reads.
    pub fn config(&self) -> Result<PipelineConfig, Error> {
        let stages = pipeline::stages();
        let has = |name: &str| stages.iter().any(|s| s.name == name);
        for (flag, file, stage) in [
            ("--themes", &self.themes, STAGE_CLUSTER),
            ("--rules", &self.rules, STAGE_MODERATE),
            ("--stance-model", &self.stance_model, STAGE_STANCE),
            ("--lexicon", &self.lexicon, STAGE_STANCE),
        ] {
            let Some(path) = file else { continue };
            if !path.is_file() {
                return Err(Error::Usage(format!(
                    "{}: {flag} names no readable file",
                    path.display()
                )));
            }
            if !has(stage) {
                messages::warn(&format!(
                    "{}: {flag} is ignored: the {stage} stage is not part of this build",
                    path.display()
                ));
            }
        }
        Ok(PipelineConfig {
            seed: self.seed,
            themes: self.themes.clone(),
            rules: self.rules.clone(),
            k: self.k,
            stance_model: self.stance_model.clone(),
            lexicon: self.lexicon.clone(),
        })
    }
}

/// Arguments of `threadlens analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Directory for report.html, report.md and tables/ (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    pipeline: PipelineArgs,
    /// Print the generation time in the reports (without it, runs are byte-identical).
    #[arg(long)]
    timestamp: bool,
    /// Most comments shown in the reports' reply trees (the tables always hold all).
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    report_max_comments: usize,
    /// Write the wall time of every phase (seconds) as JSON to this file, for benchmarks.
    #[arg(long, value_name = "FILE")]
    timings: Option<PathBuf>,
}

/// Wall-clock seconds of one run: its phases one after another, in pipeline order (their sum
/// is the total), and each analysis stage's own time (stages that run side by side form one
/// phase, named like `cluster+dynamics+stance`, and their own times overlap).
#[derive(Default)]
struct Timings {
    phases: Vec<(String, f64)>,
    stages: Vec<(String, f64)>,
    last: Option<std::time::Instant>,
}

impl Timings {
    /// Starts timing the first phase.
    fn start() -> Timings {
        Timings {
            last: Some(std::time::Instant::now()),
            ..Timings::default()
        }
    }

    /// Closes the running phase under `name` and starts the next one.
    fn lap(&mut self, name: &str) {
        let now = std::time::Instant::now();
        if let Some(t) = self.last.replace(now) {
            self.phases
                .push((name.to_string(), (now - t).as_secs_f64()));
        }
    }

    /// Records a stage's own time.
    fn stage(&mut self, name: &str, secs: f64) {
        self.stages.push((name.to_string(), secs));
    }

    fn write(&self, path: &Path) -> Result<(), Error> {
        let mut map = serde_json::Map::new();
        for (name, secs) in &self.phases {
            let prev = map
                .get(name)
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(0.0);
            map.insert(name.clone(), serde_json::json!(prev + secs));
        }
        // A stage that ran alone is its own phase, timed once.
        for (name, secs) in &self.stages {
            if !map.contains_key(name) {
                map.insert(name.clone(), serde_json::json!(secs));
            }
        }
        let total: f64 = self.phases.iter().map(|(_, s)| s).sum();
        map.insert("total".into(), serde_json::json!(total));
        let text = serde_json::to_string_pretty(&map).unwrap_or_default() + "\n";
        std::fs::write(path, text).map_err(|source| Error::Output {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// A progress bar on stderr, registered with [`messages`] so notes print around it; cleared
/// when dropped (also on errors).
pub struct StageBar(ProgressBar);

impl std::ops::Deref for StageBar {
    type Target = ProgressBar;
    fn deref(&self) -> &ProgressBar {
        &self.0
    }
}

impl Drop for StageBar {
    fn drop(&mut self) {
        messages::set_progress(None);
        self.0.finish_and_clear();
    }
}

/// A progress bar over `len` steps on stderr, hidden with `--quiet` or when stderr is not a
/// terminal (so logs and tests see nothing).
pub fn stage_bar(len: u64) -> StageBar {
    if messages::is_quiet() || !std::io::stderr().is_terminal() {
        return StageBar(ProgressBar::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{pos}/{len}] {wide_msg} {elapsed}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    messages::set_progress(Some(bar.clone()));
    StageBar(bar)
}

/// Makes sure `dir` is (or becomes) a directory.
pub fn ensure_dir(dir: &Path) -> Result<(), Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: --out must be a directory, and this is a file",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|source| Error::Output {
        path: dir.to_path_buf(),
        source,
    })
}

/// The current time as RFC 3339 (for `--timestamp` only).
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Timestamp(secs).to_rfc3339()
}

/// The progress message for a group of stages starting side by side.
pub fn stage_message(names: &[&str]) -> String {
    let s = if names.len() == 1 { "" } else { "s" };
    format!("{} stage{s}", names.join(", "))
}

/// Runs `threadlens analyze`.
pub fn run(args: AnalyzeArgs) -> Result<u8, Error> {
    let config = args.pipeline.config()?;
    ensure_dir(&args.out)?;
    let stages = pipeline::stages();
    let bar = stage_bar(stages.len() as u64 + Table::ALL.len() as u64 + 2);
    bar.set_message("reading inputs");
    let mut timings = Timings::start();
    let corpus = args.input.read()?;
    timings.lap("ingest");
    bar.inc(1);
    // The time before the first stage is the tree linking done by `Analysis::new`.
    let mut running = String::from("tree");
    let analysis = pipeline::run_stages(corpus, &config, &stages, &mut |event| match event {
        StageEvent::Started(names) => {
            timings.lap(&running);
            running = names.join("+");
            bar.set_message(stage_message(names));
        }
        StageEvent::Finished(name, took) => {
            timings.stage(name, took.as_secs_f64());
            bar.inc(1);
        }
    })?;
    timings.lap(&running);
    let tables = args.out.join("tables");
    export::write_tables(
        &analysis,
        &tables,
        OutputFormat::Parquet,
        &WriteOptions::default(),
        &|t: Table| {
            bar.set_message(format!("writing {} table", t.name()));
            bar.inc(1);
        },
    )?;
    timings.lap("export_tables");
    bar.set_message("writing reports");
    let opts = ReportOptions {
        generated_at: args.timestamp.then(now),
        max_tree_comments: args.report_max_comments,
        tables_dir: Some("tables".into()),
    };
    report::write_reports(&analysis, &args.out, &opts)?;
    timings.lap("reports");
    if let Some(path) = &args.timings {
        timings.write(path)?;
    }
    bar.inc(1);
    drop(bar);
    let (threads, comments) = (analysis.corpus.threads.len(), analysis.n_comments());
    messages::note(&format!(
        "{threads} thread{}, {comments} comment{} → {} (report.html, report.md, {} tables in tables/)",
        if threads == 1 { "" } else { "s" },
        if comments == 1 { "" } else { "s" },
        args.out.display(),
        Table::ALL.len()
    ));
    // The process ends after this command, and the system takes its memory back at once:
    // freeing a million comments one allocation at a time took half a second at the end.
    std::mem::forget(analysis);
    Ok(0)
}
