//! `threadlens stance train|eval`: fit and score the stance model on labelled pairs.

use super::write_output;
use crate::analyze::stance::{
    BUILTIN_LEXICON, CharNgrams, EvalReport, LabelMap, Lexicon, PairColumns, StanceModel,
    StanceParams, cross_validate, evaluate_lexicon, evaluate_model, read_pairs,
};
use crate::error::Error;
use crate::messages;
use clap::{Args, Subcommand};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Arguments of `threadlens stance`.
#[derive(Debug, Args)]
pub struct StanceArgs {
    /// Train or evaluate.
    #[command(subcommand)]
    pub command: StanceCommand,
}

/// The stance subcommands.
#[derive(Debug, Subcommand)]
pub enum StanceCommand {
    /// Fit a model on labelled pairs and write it to a file.
    Train(TrainArgs),
    /// Score a model (or, without --model, cross-validate training) and the lexicon.
    Eval(EvalArgs),
}

/// Where the labelled pairs are and how to read them.
#[derive(Debug, Args)]
pub struct PairArgs {
    /// CSV file of labelled parent/reply pairs (UTF-8 or Windows-1252).
    #[arg(long, value_name = "FILE.csv")]
    pairs: PathBuf,
    /// Column holding the parent text.
    #[arg(long, default_value = "parent")]
    parent_col: String,
    /// Column holding the reply text.
    #[arg(long, default_value = "reply")]
    reply_col: String,
    /// Column holding the label.
    #[arg(long, default_value = "label")]
    label_col: String,
    /// Label values as VALUE=STANCE pairs (stances: agree, rebut, neutral).
    #[arg(long, default_value = "agree=agree,rebut=rebut,neutral=neutral")]
    labels: String,
    /// Cue lexicon (TOML) for the cue features instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    lexicon: Option<PathBuf>,
    /// L2 penalties to choose from by inner cross-validation on the training data.
    #[arg(long, value_delimiter = ',', default_values_t = StanceParams::default().alphas)]
    alpha: Vec<f64>,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Choose the most probable label as trained, without dividing by label shares.
    #[arg(long)]
    no_balance: bool,
    /// Reply character n-gram features: chosen by inner cross-validation (auto), or always
    /// or never used.
    #[arg(long, value_enum, default_value = "auto")]
    char_ngrams: CharNgrams,
    /// Leave out the reply's opening words as features (`^no`, `^no you`): the
    /// version-2 feature set.
    #[arg(long)]
    no_openers: bool,
}

/// Arguments of `threadlens stance train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pairs: PairArgs,
    /// Where to write the model.
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
}

/// Arguments of `threadlens stance eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pairs: PairArgs,
    /// Score this trained model on the pairs instead of cross-validating training.
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Folds of the cross-validation.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

struct Loaded {
    pairs: Vec<crate::analyze::stance::Pair>,
    lexicon: Lexicon,
    lexicon_text: String,
    params: StanceParams,
}

fn load(a: &PairArgs) -> Result<Loaded, Error> {
    let labels = LabelMap::parse(&a.labels).map_err(|e| Error::Usage(format!("--labels: {e}")))?;
    let cols = PairColumns {
        parent: a.parent_col.clone(),
        reply: a.reply_col.clone(),
        label: a.label_col.clone(),
    };
    let pairs = read_pairs(&a.pairs, &cols, &labels)?;
    let (lexicon, lexicon_text) = match &a.lexicon {
        Some(p) => {
            let lex = Lexicon::load(p)?;
            let text = std::fs::read(p)
                .ok()
                .and_then(|b| crate::text::decode(&b).ok())
                .map(|(t, _)| t)
                .unwrap_or_default();
            (lex, text)
        }
        None => (Lexicon::builtin(), BUILTIN_LEXICON.to_string()),
    };
    let params = StanceParams {
        alphas: a.alpha.clone(),
        seed: a.seed,
        balanced: !a.no_balance,
        char_ngrams: a.char_ngrams,
        openers: !a.no_openers,
        ..StanceParams::default()
    };
    params.check()?;
    Ok(Loaded {
        pairs,
        lexicon,
        lexicon_text,
        params,
    })
}

/// Runs `threadlens stance …`.
pub fn run(args: StanceArgs) -> Result<u8, Error> {
    match args.command {
        StanceCommand::Train(a) => {
            let l = load(&a.pairs)?;
            let model = StanceModel::train(&l.pairs, &l.lexicon, &l.lexicon_text, &l.params)?;
            model.save(&a.out)?;
            messages::note(&format!(
                "trained on {} pairs (alpha {}, character n-grams {}); model {} sha256 {}",
                l.pairs.len(),
                model.alpha(),
                if model.char_ngrams() { "on" } else { "off" },
                a.out.display(),
                model.sha256
            ));
            Ok(0)
        }
        StanceCommand::Eval(a) => {
            let l = load(&a.pairs)?;
            let mut reports = Vec::new();
            match &a.model {
                Some(m) => reports.push(evaluate_model(&l.pairs, &StanceModel::load(m)?)),
                None => reports.push(cross_validate(
                    &l.pairs,
                    &l.lexicon,
                    &l.lexicon_text,
                    &l.params,
                    a.folds,
                )?),
            }
            reports.push(evaluate_lexicon(&l.pairs, &l.lexicon));
            let out = if a.json {
                serde_json::to_string_pretty(&serde_json::json!({
                    "pairs_file": a.pairs.pairs.display().to_string(),
                    "pairs": l.pairs.len(),
                    "reports": reports,
                }))
                .expect("JSON")
                    + "\n"
            } else {
                render(&a.pairs.pairs, &reports)
            };
            write_output(None, out.as_bytes())?;
            Ok(0)
        }
    }
}

/// Readable evaluation tables.
pub fn render(path: &Path, reports: &[EvalReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(
            out,
            "{} on {} ({} pairs)",
            r.method,
            path.display(),
            r.pairs
        );
        let _ = writeln!(out, "  label     precision  recall     F1  support");
        for c in &r.classes {
            let _ = writeln!(
                out,
                "  {:<8} {:>10.3} {:>7.3} {:>6.3} {:>8}",
                c.label.name(),
                c.precision,
                c.recall,
                c.f1,
                c.support
            );
        }
        let _ = writeln!(
            out,
            "  macro-F1 {:.3} · accuracy {:.3}",
            r.macro_f1, r.accuracy
        );
        if !r.fold_macro_f1.is_empty() {
            let folds: Vec<String> = r.fold_macro_f1.iter().map(|f| format!("{f:.3}")).collect();
            let alphas: Vec<String> = r.fold_alpha.iter().map(|a| format!("{a}")).collect();
            let chars: Vec<&str> = r
                .fold_char_ngrams
                .iter()
                .map(|&c| if c { "on" } else { "off" })
                .collect();
            let _ = writeln!(
                out,
                "  per-fold macro-F1 {} · alpha chosen per fold {} · character n-grams per fold {}",
                folds.join(" "),
                alphas.join(" "),
                chars.join(" ")
            );
        }
        let _ = writeln!(out, "  confusion (rows gold, columns predicted):");
        let _ = writeln!(
            out,
            "  {:<8} {:>7} {:>7} {:>7}",
            "", "agree", "rebut", "neutral"
        );
        for (k, row) in r.confusion.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {:<8} {:>7} {:>7} {:>7}",
                crate::analyze::stance::LABELS[k].name(),
                row[0],
                row[1],
                row[2]
            );
        }
        out.push('\n');
    }
    out
}
