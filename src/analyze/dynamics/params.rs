//! Parameters of the dynamics analyzer.

use super::errors::DynamicsError;

/// What the dynamics analyzer measures and how; defaults suit forum threads.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicsParams {
    /// Shortest alternating A-B-A… run reported as a turn-taking chain (default 3).
    pub min_turn_chain: usize,
    /// Share of top-level comments at or above which a shallow thread is a `broadcast`
    /// (default 0.6).
    pub broadcast_share: f64,
}

impl Default for DynamicsParams {
    fn default() -> Self {
        DynamicsParams {
            min_turn_chain: 3,
            broadcast_share: 0.6,
        }
    }
}

impl DynamicsParams {
    /// Validates the parameters.
    pub fn check(&self) -> Result<(), DynamicsError> {
        if self.min_turn_chain < 2 {
            return Err(DynamicsError::Params(format!(
                "min_turn_chain must be at least 2, got {}",
                self.min_turn_chain
            )));
        }
        if !(self.broadcast_share > 0.0 && self.broadcast_share <= 1.0) {
            return Err(DynamicsError::Params(format!(
                "broadcast_share must be in (0, 1], got {}",
                self.broadcast_share
            )));
        }
        Ok(())
    }
}
