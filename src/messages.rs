//! Warnings and notes for the user: one place that writes to stderr, silenced by `--quiet`.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Silences notes and warnings (errors are still printed by `main`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// A note about the run (skipped files, counts).
pub fn note(msg: &str) {
    if !is_quiet() {
        eprintln!("threadlens: note: {msg}");
    }
}

/// Something odd in the input that did not stop the run.
pub fn warn(msg: &str) {
    if !is_quiet() {
        eprintln!("threadlens: warning: {msg}");
    }
}
