//! Labelled parent/reply pairs from a CSV file, with configurable columns and label names.

use super::cues::PairText;
use super::errors::StanceError;
use crate::analyze::Stance;
use crate::text::csv::split_records;
use std::path::Path;

/// Which columns hold the parent text, the reply text and the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairColumns {
    /// Parent (quoted) text column.
    pub parent: String,
    /// Reply (response) text column.
    pub reply: String,
    /// Label column.
    pub label: String,
}

impl Default for PairColumns {
    fn default() -> Self {
        PairColumns {
            parent: "parent".into(),
            reply: "reply".into(),
            label: "label".into(),
        }
    }
}

/// How label values in the file map to stances (`0=rebut,1=neutral,2=agree`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelMap(pub Vec<(String, Stance)>);

impl Default for LabelMap {
    fn default() -> Self {
        LabelMap(vec![
            ("agree".into(), Stance::Agree),
            ("rebut".into(), Stance::Rebut),
            ("neutral".into(), Stance::Neutral),
        ])
    }
}

impl LabelMap {
    /// Parses `value=stance,…`; stances are `agree`, `rebut` (or `disagree`) and `neutral`.
    pub fn parse(spec: &str) -> Result<LabelMap, String> {
        let mut out = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (value, name) = part
                .split_once('=')
                .ok_or_else(|| format!("label mapping {part:?} is not VALUE=STANCE"))?;
            let stance = match name.trim().to_lowercase().as_str() {
                "agree" | "agreement" => Stance::Agree,
                "rebut" | "disagree" | "disagreement" => Stance::Rebut,
                "neutral" => Stance::Neutral,
                other => {
                    return Err(format!(
                        "label mapping {part:?}: {other:?} is not agree, rebut or neutral"
                    ));
                }
            };
            out.push((value.trim().to_string(), stance));
        }
        if out.is_empty() {
            return Err("empty label mapping".into());
        }
        Ok(LabelMap(out))
    }

    fn get(&self, value: &str) -> Option<Stance> {
        let v = value.trim();
        self.0.iter().find(|(k, _)| k == v).map(|(_, s)| *s)
    }
}

/// One labelled pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// Parent text.
    pub parent: String,
    /// Reply text.
    pub reply: String,
    /// Gold label.
    pub label: Stance,
    /// Line of the file the record starts on.
    pub line: u64,
}

impl Pair {
    /// Parent and reply as the classifier reads them (labelled pairs carry no authors).
    pub fn texts(&self) -> (PairText<'_>, PairText<'_>) {
        (
            PairText {
                text: &self.parent,
                author: None,
            },
            PairText {
                text: &self.reply,
                author: None,
            },
        )
    }
}

/// Reads labelled pairs (UTF-8, UTF-16 or Windows-1252). Every record must have the three
/// columns and a mapped label; errors name the file and the record's line.
pub fn read_pairs(
    path: &Path,
    cols: &PairColumns,
    labels: &LabelMap,
) -> Result<Vec<Pair>, StanceError> {
    let err = |record: Option<u64>, message: String| StanceError::Pairs {
        path: path.to_path_buf(),
        record,
        message,
    };
    let bytes = std::fs::read(path).map_err(|source| StanceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (text, _) =
        crate::text::decode(&bytes).map_err(|_| err(None, "binary file, not CSV".into()))?;
    let records = split_records(&text, ',').map_err(|e| err(None, e.to_string()))?;
    let mut it = records.into_iter();
    let header = it.next().ok_or_else(|| err(None, "empty file".into()))?;
    let find = |name: &str| {
        header
            .fields
            .iter()
            .position(|f| f.trim() == name)
            .ok_or_else(|| {
                err(
                    Some(header.line),
                    format!("no column {name:?} (columns: {})", header.fields.join(", ")),
                )
            })
    };
    let (pi, ri, li) = (find(&cols.parent)?, find(&cols.reply)?, find(&cols.label)?);
    let mut out = Vec::new();
    for rec in it {
        let field = |i: usize| {
            rec.fields.get(i).ok_or_else(|| {
                err(
                    Some(rec.line),
                    format!(
                        "{} fields, but the header has {}",
                        rec.fields.len(),
                        header.fields.len()
                    ),
                )
            })
        };
        let raw_label = field(li)?;
        let label = labels.get(raw_label).ok_or_else(|| {
            err(
                Some(rec.line),
                format!(
                    "label {raw_label:?} is not in the mapping ({}); pass --labels",
                    labels
                        .0
                        .iter()
                        .map(|(k, s)| format!("{k}={}", s.name()))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            )
        })?;
        out.push(Pair {
            parent: field(pi)?.clone(),
            reply: field(ri)?.clone(),
            label,
            line: rec.line,
        });
    }
    if out.is_empty() {
        return Err(err(None, "no labelled pairs after the header".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_maps() {
        let m = LabelMap::parse("0=rebut, 1=neutral,2=agree").unwrap();
        assert_eq!(m.get("2"), Some(Stance::Agree));
        assert_eq!(m.get("0"), Some(Stance::Rebut));
        assert!(LabelMap::parse("0:rebut").is_err());
        assert!(LabelMap::parse("0=maybe").unwrap_err().contains("maybe"));
    }
}
