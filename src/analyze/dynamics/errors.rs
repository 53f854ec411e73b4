//! Errors of the dynamics analyzer.

/// Why dynamics could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DynamicsError {
    /// A parameter is out of range.
    #[error("dynamics parameters: {0}")]
    Params(String),
    /// The stance or cluster table does not match the corpus shape.
    #[error("{0}")]
    Shape(String),
}
