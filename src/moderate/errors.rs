//! Errors of the moderation layer: rule-file errors (parameter errors) and decision-store
//! errors (run errors), both wrapped by [`ModerateError`].

use std::path::PathBuf;

/// An invalid rule file or rule: names the file, the line, the rule id and the problem.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}: {}{problem}", file.display(), rule_label(rule.as_deref()))]
pub struct RuleError {
    /// The rules file (`<builtin>` for built-in rules).
    pub file: PathBuf,
    /// 1-based line of the problem (the rule's header line when nothing more precise is known).
    pub line: usize,
    /// Id of the rule, when it could be read.
    pub rule: Option<String>,
    /// What is wrong and what was expected.
    pub problem: String,
}

fn rule_label(rule: Option<&str>) -> String {
    match rule {
        Some(id) => format!("rule {id:?}: "),
        None => String::new(),
    }
}

/// A failure of the SQLite decision store.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    /// SQLite refused an operation.
    #[error("{}: {source}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// The database file is not a threadlens decision store (or a newer one).
    #[error("{}: {message}", path.display())]
    Schema {
        /// The database file.
        path: PathBuf,
        /// What was found.
        message: String,
    },
    /// `undo` found nothing to undo.
    #[error("{}: no decision on {target:?} to undo", path.display())]
    NothingToUndo {
        /// The database file.
        path: PathBuf,
        /// The comment or cluster id.
        target: String,
    },
}

/// Why reading a back-test dataset failed.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A record broke the format.
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// A path gave no labelled items.
    #[error("{}: no labelled items found ({expected})", path.display())]
    Empty {
        /// The path.
        path: PathBuf,
        /// What the loader looks for.
        expected: String,
    },
}

/// Any moderation error.
#[derive(Debug, thiserror::Error)]
pub enum ModerateError {
    /// A rule file or rule is invalid.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// The decision store failed.
    #[error(transparent)]
    Decision(#[from] DecisionError),
    /// A back-test dataset could not be read.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// A rules file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}
