//! Warnings and notes for the user: one place that writes to stderr, silenced by `--quiet`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// The progress bar on screen, if any: messages are printed around it, not through it.
static PROGRESS: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Silences notes and warnings (errors are still printed by `main`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Registers the progress bar being drawn (or `None` once it is gone), so that messages
/// hide it while they print instead of being drawn over.
pub fn set_progress(bar: Option<indicatif::ProgressBar>) {
    if let Ok(mut slot) = PROGRESS.lock() {
        *slot = bar;
    }
}

fn emit(line: &str) {
    let bar = PROGRESS.lock().ok().and_then(|slot| slot.clone());
    match bar {
        Some(bar) => bar.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}

/// A note about the run (skipped files, counts).
pub fn note(msg: &str) {
    if !is_quiet() {
        emit(&format!("threadlens: note: {msg}"));
    }
}

/// Something odd in the input that did not stop the run.
pub fn warn(msg: &str) {
    if !is_quiet() {
        emit(&format!("threadlens: warning: {msg}"));
    }
}
