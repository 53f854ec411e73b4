//! Errors of the clustering analyzer: parameter errors apart from run errors.

/// A parameter out of its range.
#[derive(Debug, thiserror::Error)]
#[error("invalid clustering parameter {name}: {problem}")]
pub struct ParamsError {
    /// The parameter.
    pub name: String,
    /// What is wrong with it.
    pub problem: String,
}

impl ParamsError {
    /// A parameter error.
    pub fn new(name: &str, problem: &str) -> ParamsError {
        ParamsError {
            name: name.into(),
            problem: problem.into(),
        }
    }
}

/// Why clustering could not run.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Parameters failed `check()`.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The corpus holds too few units with usable terms.
    #[error("too few argument units to cluster: {units} with usable terms, need at least {need}")]
    TooFewUnits {
        /// Units found.
        units: usize,
        /// Units needed.
        need: usize,
    },
    /// A themes file could not be read or parsed.
    #[error("{path}: {message}")]
    Themes {
        /// The file.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// linfa failed to fit the model.
    #[error("{algorithm} failed: {message}")]
    Fit {
        /// The algorithm.
        algorithm: &'static str,
        /// linfa's message.
        message: String,
    },
}
