//! `threadlens moderate` (the review queue and back-testing) and `threadlens decide`
//! (recording and undoing moderator decisions).

use super::InputArgs;
use crate::analyze::{Clustering, Stances};
use crate::error::Error;
use crate::messages;
use crate::model::Corpus;
use crate::moderate::backtest::{self, Dataset};
use crate::moderate::decisions::{DecisionIndex, Seen, Store, Verdict};
use crate::moderate::rule::DEFAULT_REGEX_SIZE_LIMIT;
use crate::moderate::{ModerateError, ModerationContext, Rule, queue, rulefile, rules, scan};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// How the queue (or back-test) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueueFormat {
    /// Aligned columns for a terminal.
    Table,
    /// `{"flags":[…]}`.
    Json,
    /// One row per flag.
    Csv,
}

/// Arguments of `threadlens moderate`.
#[derive(Debug, Args)]
pub struct ModerateArgs {
    #[command(flatten)]
    input: InputArgs,
    /// TOML rule file(s); they replace the built-in rules unless --with-builtin is given.
    #[arg(long, value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Run the built-in rules as well as the --rules files.
    #[arg(long)]
    with_builtin: bool,
    /// Output format of the queue (spelled `--format`; the input format is `--input-format` here).
    #[arg(long, value_enum, default_value_t = QueueFormat::Table)]
    output_format: QueueFormat,
    /// Decision store (SQLite): decided comments leave the queue; the run is recorded so
    /// `decide` knows what each comment was flagged for.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Show decided comments too, with their decision.
    #[arg(long)]
    all: bool,
    /// Compare the rules with labels instead of printing a queue: `cmv` (INPUTs are
    /// r/ChangeMyView JSONL files or directories), `davidson` (INPUT is the labelled CSV) or
    /// `decisions` (INPUTs are threads, labels the decisions in --db).
    #[arg(long, value_enum, value_name = "DATASET")]
    backtest: Option<Dataset>,
    /// Stance results for context checks: a JSON file holding `Stances` (`replies`
    /// indexed `[thread][comment]` like the corpus of these INPUTs).
    #[arg(long, value_name = "FILE")]
    stances: Option<PathBuf>,
    /// Clustering results for context checks and cluster decisions: a JSON file holding a
    /// `Clustering` of the corpus of these INPUTs.
    #[arg(long, value_name = "FILE")]
    clustering: Option<PathBuf>,
    /// Largest compiled size of one rule regex, in bytes.
    #[arg(long, default_value_t = DEFAULT_REGEX_SIZE_LIMIT)]
    regex_size_limit: usize,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn load_rules(args: &ModerateArgs) -> Result<Vec<Rule>, Error> {
    if args.rules.is_empty() {
        return Ok(rules::all());
    }
    let mut out = if args.with_builtin {
        rules::all()
    } else {
        Vec::new()
    };
    for path in &args.rules {
        let loaded = rulefile::load(path, args.regex_size_limit)?;
        out.extend(loaded);
    }
    rulefile::check_unique(&out).map_err(ModerateError::from)?;
    Ok(out)
}

/// Runs `threadlens moderate`: exit 1 when the queue lists anything, 0 when it is empty.
pub fn run(args: ModerateArgs) -> Result<u8, Error> {
    let rule_set = load_rules(&args)?;
    if let Some(dataset) = args.backtest {
        return run_backtest(&args, dataset, &rule_set);
    }
    let corpus = args.input.read()?;
    let stances: Option<Stances> = args
        .stances
        .as_deref()
        .map(|p| read_json(p, "stance results"))
        .transpose()?;
    if let (Some(st), Some(p)) = (&stances, &args.stances) {
        check_shape(&corpus, st.replies.iter().map(Vec::len), p)?;
    }
    let clusters: Option<Vec<Vec<Option<u32>>>> = match &args.clustering {
        Some(p) => {
            let c: Clustering = read_json(p, "clustering results")?;
            if let Some(u) = c.units.iter().find(|u| {
                corpus
                    .threads
                    .get(u.thread as usize)
                    .is_none_or(|t| u.comment.is_some_and(|k| k as usize >= t.comments.len()))
            }) {
                return Err(Error::Usage(format!(
                    "{}: unit of thread {} comment {:?} is not in the corpus of these inputs",
                    p.display(),
                    u.thread,
                    u.comment
                )));
            }
            Some(c.comment_clusters(&corpus))
        }
        None => None,
    };
    let ctx = ModerationContext {
        stances: stances.as_ref(),
        clusters: clusters.as_deref(),
    };
    let result = crate::moderate::moderate(&corpus, &rule_set, &ctx);
    for w in &result.warnings {
        messages::warn(w);
    }
    let index = match &args.db {
        Some(path) => {
            let mut store = Store::open(path).map_err(ModerateError::from)?;
            let mut seen: Vec<Seen> = Vec::new();
            for h in &result.hits {
                let Some(c) = corpus
                    .threads
                    .get(h.at.thread as usize)
                    .and_then(|t| t.comments.get(h.at.comment as usize))
                else {
                    continue;
                };
                match seen.last_mut() {
                    Some(s) if s.comment_id == c.id => s.rules.push(h.flag.rule.clone()),
                    _ => seen.push(Seen {
                        comment_id: c.id.clone(),
                        thread_id: h.flag.thread_id.clone(),
                        content_hash: scan::content_hash(&c.text),
                        rules: vec![h.flag.rule.clone()],
                    }),
                }
            }
            store.record_seen(&seen).map_err(ModerateError::from)?;
            DecisionIndex::new(store.standing().map_err(ModerateError::from)?)
        }
        None => DecisionIndex::default(),
    };
    let q = queue::build(&corpus, &result, &index, clusters.as_deref(), args.all);
    let text = match args.output_format {
        QueueFormat::Table => queue::to_table(&q),
        QueueFormat::Json => queue::to_json(&q),
        QueueFormat::Csv => queue::to_csv(&q),
    };
    if q.hidden_decided > 0 && args.output_format != QueueFormat::Table {
        messages::note(&format!(
            "{} flags hidden as decided (--all shows them)",
            q.hidden_decided
        ));
    }
    super::write_output(args.out.as_deref(), text.as_bytes())?;
    Ok(u8::from(!q.flags.is_empty()))
}

/// Reads a JSON file into an analyzer result type.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| ModerateError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{}:{}: not {what} JSON: {e}",
            path.display(),
            e.line()
        ))
    })
}

/// Checks that per-comment results have one row per thread and one entry per comment.
fn check_shape(
    corpus: &Corpus,
    rows: impl ExactSizeIterator<Item = usize>,
    path: &Path,
) -> Result<(), Error> {
    if rows.len() != corpus.threads.len() {
        return Err(Error::Usage(format!(
            "{}: results for {} threads, but the inputs hold {}",
            path.display(),
            rows.len(),
            corpus.threads.len()
        )));
    }
    for (t, n) in corpus.threads.iter().zip(rows) {
        if n != t.comments.len() {
            return Err(Error::Usage(format!(
                "{}: thread {}: results for {n} comments, but it has {}",
                path.display(),
                t.id,
                t.comments.len()
            )));
        }
    }
    Ok(())
}

fn run_backtest(args: &ModerateArgs, dataset: Dataset, rule_set: &[Rule]) -> Result<u8, Error> {
    let items = match dataset {
        Dataset::Cmv => backtest::load_cmv(&args.input.inputs).map_err(ModerateError::from)?,
        Dataset::Davidson => {
            let mut all = Vec::new();
            for p in &args.input.inputs {
                all.extend(backtest::load_davidson(p).map_err(ModerateError::from)?);
            }
            all
        }
        Dataset::Decisions => {
            let Some(db) = &args.db else {
                return Err(Error::Usage(
                    "--backtest decisions needs --db FILE (the recorded decisions)".into(),
                ));
            };
            let corpus = args.input.read()?;
            let store = Store::open(db).map_err(ModerateError::from)?;
            backtest::from_decisions(&corpus, &store.standing().map_err(ModerateError::from)?)
        }
    };
    let bar = super::analyze::stage_bar(items.len() as u64);
    bar.set_message("back-testing rules");
    let report = backtest::run(
        rule_set,
        items
            .iter()
            .inspect(|_| bar.inc(1))
            .map(|i| (i.text.as_str(), i.label)),
    );
    drop(bar);
    let text = match args.output_format {
        QueueFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        QueueFormat::Csv => backtest::to_csv(&report),
        QueueFormat::Table => backtest::to_table(&report),
    };
    super::write_output(args.out.as_deref(), text.as_bytes())?;
    Ok(0)
}

/// Arguments of `threadlens decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// Comment id (as the queue shows it) or `cluster:<id>`.
    #[arg(value_name = "COMMENT-OR-CLUSTER-ID")]
    target: String,
    /// approve, remove, hold or escalate (or `undo`, the same as --undo).
    #[arg(value_name = "DECISION", required_unless_present = "undo")]
    decision: Option<String>,
    /// Undo the latest standing decision on the target (appends an undo record).
    #[arg(long, conflicts_with = "decision")]
    undo: bool,
    /// Who decides.
    #[arg(long, value_name = "NAME")]
    by: String,
    /// Why.
    #[arg(long, value_name = "TEXT", default_value = "")]
    note: String,
    /// Decision store (SQLite file, created when missing).
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
}

/// Runs `threadlens decide`.
pub fn decide(args: DecideArgs) -> Result<u8, Error> {
    let mut store = Store::open(&args.db).map_err(ModerateError::from)?;
    let undo = args.undo || args.decision.as_deref() == Some("undo");
    if undo {
        let d = store
            .undo(&args.target, &args.by, &args.note)
            .map_err(ModerateError::from)?;
        messages::note(&format!(
            "undid decision {} ({} by {}) on {}",
            d.seq,
            d.verdict.name(),
            d.moderator,
            d.target
        ));
        return Ok(0);
    }
    let name = args.decision.as_deref().unwrap_or_default();
    let verdict = Verdict::from_name(name).ok_or_else(|| {
        Error::Usage(format!(
            "unknown decision {name:?}; expected approve, remove, hold, escalate or undo"
        ))
    })?;
    let seen = if args.target.starts_with("cluster:") {
        None
    } else {
        Some(
            store
                .seen(&args.target)
                .map_err(ModerateError::from)?
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "{}: comment {:?} is not in the queue recorded there; run `threadlens moderate <INPUT>... --db {}` first",
                        args.db.display(),
                        args.target,
                        args.db.display()
                    ))
                })?,
        )
    };
    let seq = store
        .decide(&args.target, verdict, &args.by, &args.note, seen.as_ref())
        .map_err(ModerateError::from)?;
    messages::note(&format!(
        "decision {seq}: {} {} by {}{}",
        verdict.name(),
        args.target,
        args.by,
        seen.map(|s| format!(" (answers {})", s.rules.join(", ")))
            .unwrap_or_default()
    ));
    Ok(0)
}
