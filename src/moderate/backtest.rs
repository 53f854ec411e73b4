//! Back-testing: precision and recall of each rule against labelled comments (a dataset's
//! labels or recorded decisions). The metric code takes any `(text, label)` iterator; the
//! two small loaders here (r/ChangeMyView JSONL, the Davidson CSV) exist so the back-test
//! does not wait for the general JSONL/CSV readers.

use super::decisions::{Decision, Verdict};
use super::engine::{ModerationContext, moderate};
use super::errors::DatasetError;
use super::rule::Rule;
use super::scan::content_hash;
use crate::model::{Comment, Corpus, Format, Thread};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Which labels a back-test reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dataset {
    /// r/ChangeMyView threads (JSONL a file): the final comment of an `_ah_` file was removed
    /// as a personal attack (`violated_rule` = 2, positive); of a `_delta_` file it won a
    /// delta (negative).
    Cmv,
    /// Davidson et al. hate/offensive tweets CSV: class 0 (hate) or 1 (offensive) is
    /// positive, 2 (neither) negative.
    Davidson,
    /// Recorded decisions: `remove` is positive, `approve` negative.
    Decisions,
}

/// One labelled text.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Where it came from (`file:line`).
    pub id: String,
    /// The comment text.
    pub text: String,
    /// True when a moderator (or annotator) judged it a violation.
    pub label: bool,
}

/// Confusion counts and scores of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleScore {
    /// Rule id (`any` for the union of all rules).
    pub rule: String,
    /// Flagged and labelled positive.
    pub tp: u64,
    /// Flagged but labelled negative.
    pub fp: u64,
    /// Labelled positive but not flagged.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// Neither.
    pub tn: u64,
    /// tp / (tp + fp), `None` when the rule flagged nothing.
    pub precision: Option<f64>,
    /// tp / (tp + fn), `None` when there are no positives.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall.
    pub f1: Option<f64>,
}

/// A back-test result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Items judged.
    pub items: u64,
    /// Items labelled positive.
    pub positives: u64,
    /// One score per rule, in rule order, then `any`.
    pub rules: Vec<RuleScore>,
}

fn score(rule: &str, tp: u64, fp: u64, fn_: u64, tn: u64) -> RuleScore {
    let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        _ => None,
    };
    RuleScore {
        rule: rule.into(),
        tp,
        fp,
        fn_,
        tn,
        precision,
        recall,
        f1,
    }
}

/// Runs every rule on every item (each judged alone, as a one-comment thread, so context,
/// duplicate and off-topic checks have nothing to compare with) and scores the rules.
pub fn run<'a>(rules: &[Rule], items: impl Iterator<Item = (&'a str, bool)>) -> Report {
    let mut counts = vec![[0u64; 4]; rules.len() + 1];
    let (mut n, mut positives) = (0u64, 0u64);
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let ctx = ModerationContext::default();
    for (text, label) in items {
        n += 1;
        positives += u64::from(label);
        let mut thread = Thread::new("item", "backtest", Format::Jsonl);
        thread.comments.push(Comment::new("item-c1", 1, text));
        let corpus = Corpus {
            threads: vec![thread],
            ..Corpus::default()
        };
        let hits = moderate(&corpus, rules, &ctx).hits;
        let mut fired = vec![false; rules.len() + 1];
        for h in &hits {
            if let Some(&i) = index.get(h.flag.rule.as_str()) {
                fired[i] = true;
                fired[rules.len()] = true;
            }
        }
        for (c, f) in counts.iter_mut().zip(fired) {
            let slot = match (f, label) {
                (true, true) => 0,
                (true, false) => 1,
                (false, true) => 2,
                (false, false) => 3,
            };
            c[slot] += 1;
        }
    }
    let mut scores: Vec<RuleScore> = rules
        .iter()
        .zip(&counts)
        .map(|(r, c)| score(&r.id, c[0], c[1], c[2], c[3]))
        .collect();
    if let Some(c) = counts.last() {
        scores.push(score("any", c[0], c[1], c[2], c[3]));
    }
    Report {
        items: n,
        positives,
        rules: scores,
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// The report as an aligned table.
pub fn to_table(r: &Report) -> String {
    let mut out = format!(
        "{} items, {} labelled positive\n{:<16} {:>6} {:>6} {:>6} {:>6} {:>9} {:>9} {:>9}\n",
        r.items, r.positives, "RULE", "TP", "FP", "FN", "TN", "PRECISION", "RECALL", "F1"
    );
    for s in &r.rules {
        out.push_str(&format!(
            "{:<16} {:>6} {:>6} {:>6} {:>6} {:>9} {:>9} {:>9}\n",
            s.rule,
            s.tp,
            s.fp,
            s.fn_,
            s.tn,
            pct(s.precision),
            pct(s.recall),
            pct(s.f1)
        ));
    }
    out
}

/// The report as CSV.
pub fn to_csv(r: &Report) -> String {
    let mut out = String::from("rule,tp,fp,fn,tn,precision,recall,f1\n");
    let f = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.4}"));
    for s in &r.rules {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            s.rule,
            s.tp,
            s.fp,
            s.fn_,
            s.tn,
            f(s.precision),
            f(s.recall),
            f(s.f1)
        ));
    }
    out
}

fn read(path: &Path) -> Result<String, DatasetError> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Files under the given paths (directories walked without recursion into a stack), sorted.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, DatasetError> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            let rd = std::fs::read_dir(&p).map_err(|source| DatasetError::Io {
                path: p.clone(),
                source,
            })?;
            for e in rd.flatten() {
                stack.push(e.path());
            }
        } else {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Loads r/ChangeMyView threads: every `*_ah_*` / `*_delta_*` file (JSON a line) gives its
/// final comment, positive when its `violated_rule` is 2 in an `_ah_` file.
pub fn load_cmv(paths: &[PathBuf]) -> Result<Vec<Item>, DatasetError> {
    let mut items = Vec::new();
    for path in files(paths)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let attack = name.contains("_ah_") || name.contains("-ah-");
        let delta = name.contains("_delta_") || name.contains("-delta-");
        if !attack && !delta {
            continue;
        }
        let text = read(&path)?;
        let mut last = None;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| DatasetError::Malformed {
                    path: path.clone(),
                    line: i + 1,
                    message: format!("not a JSON object: {e}"),
                })?;
            last = Some((i + 1, v));
        }
        let Some((line, v)) = last else { continue };
        let body =
            v.get("body")
                .and_then(|b| b.as_str())
                .ok_or_else(|| DatasetError::Malformed {
                    path: path.clone(),
                    line,
                    message: "the final comment has no \"body\" string".into(),
                })?;
        let rule = v.get("violated_rule").and_then(|r| r.as_i64()).unwrap_or(0);
        items.push(Item {
            id: format!("{}:{line}", path.display()),
            text: body.to_string(),
            label: attack && rule == 2,
        });
    }
    if items.is_empty() {
        return Err(DatasetError::Empty {
            path: paths.first().cloned().unwrap_or_default(),
            expected: "files named *_ah_* or *_delta_* holding one JSON comment a line".into(),
        });
    }
    Ok(items)
}

/// Loads the Davidson et al. CSV (`class`, `tweet` columns): class 0 or 1 is positive.
pub fn load_davidson(path: &Path) -> Result<Vec<Item>, DatasetError> {
    let text = read(path)?;
    // The crate's one CSV splitter; a damaged file is an error naming its line.
    let records =
        crate::text::csv::split_records(&text, ',').map_err(|e| DatasetError::Malformed {
            path: path.to_path_buf(),
            line: e.line() as usize,
            message: e.to_string(),
        })?;
    let mut records = records.into_iter().map(|r| (r.line as usize, r.fields));
    let Some((_, header)) = records.next() else {
        return Err(DatasetError::Empty {
            path: path.to_path_buf(),
            expected: "a CSV with class and tweet columns".into(),
        });
    };
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| DatasetError::Malformed {
                path: path.to_path_buf(),
                line: 1,
                message: format!("no {name:?} column in the header"),
            })
    };
    let (class, tweet) = (col("class")?, col("tweet")?);
    let mut items = Vec::new();
    for (line, rec) in records {
        if rec.len() == 1 && rec[0].trim().is_empty() {
            continue;
        }
        let (Some(c), Some(t)) = (rec.get(class), rec.get(tweet)) else {
            return Err(DatasetError::Malformed {
                path: path.to_path_buf(),
                line,
                message: format!("{} fields, expected {}", rec.len(), header.len()),
            });
        };
        let label = match c.trim() {
            "0" | "1" => true,
            "2" => false,
            other => {
                return Err(DatasetError::Malformed {
                    path: path.to_path_buf(),
                    line,
                    message: format!("class {other:?}, expected 0, 1 or 2"),
                });
            }
        };
        items.push(Item {
            id: format!("{}:{line}", path.display()),
            text: t.clone(),
            label,
        });
    }
    Ok(items)
}

/// Labelled items from recorded decisions on comments of the corpus: `remove` positive,
/// `approve` negative (hold and escalate are not verdicts on the content yet). Found by id,
/// else by content hash.
pub fn from_decisions(corpus: &Corpus, standing: &[Decision]) -> Vec<Item> {
    let mut by_target: HashMap<&str, Verdict> = HashMap::new();
    let mut by_hash: HashMap<&str, Verdict> = HashMap::new();
    for d in standing {
        by_target.insert(&d.target, d.verdict);
        if let Some(h) = &d.content_hash {
            by_hash.insert(h, d.verdict);
        }
    }
    let mut items = Vec::new();
    for t in &corpus.threads {
        for c in &t.comments {
            let v = by_target
                .get(c.id.as_str())
                .or_else(|| by_hash.get(content_hash(&c.text).as_str()));
            let label = match v {
                Some(Verdict::Remove) => true,
                Some(Verdict::Approve) => false,
                _ => continue,
            };
            items.push(Item {
                id: c.id.clone(),
                text: c.text.clone(),
                label,
            });
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moderate::rules;

    #[test]
    fn scores_count_each_cell() {
        let rules = vec![rules::by_id("insults").unwrap()];
        let items = [
            ("you gobshite", true),
            ("you idiot", false),
            ("a fine point", true),
            ("a fine point", false),
        ];
        let r = run(&rules, items.iter().map(|&(t, l)| (t, l)));
        let s = &r.rules[0];
        assert_eq!((s.tp, s.fp, s.fn_, s.tn), (1, 1, 1, 1));
        assert_eq!(s.precision, Some(0.5));
        assert_eq!(s.recall, Some(0.5));
        assert_eq!(r.rules[1].rule, "any");
    }
}
