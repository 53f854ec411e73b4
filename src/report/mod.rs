//! Human-readable renderings of the corpus and of analysis results.

pub mod charts;
pub mod escape;
pub mod findings;
pub mod html;
pub mod markdown;
pub mod outline;

use crate::analyze::pipeline::Analysis;
use crate::error::Error;
use std::path::{Path, PathBuf};

/// Most threads listed in the reports' thread table and reply-tree sections (the tables hold
/// all).
pub const MAX_THREAD_ROWS: usize = 2_000;

/// What the HTML and Markdown reports include besides the analysis.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// A generation time to print (only with `--timestamp`: reports are byte-stable without).
    pub generated_at: Option<String>,
    /// Most comments shown in the reply trees (all are in the tables).
    pub max_tree_comments: usize,
    /// Where the tables are, relative to the report, for the footer.
    pub tables_dir: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            generated_at: None,
            max_tree_comments: 20_000,
            tables_dir: None,
        }
    }
}

/// Writes `report.html` and `report.md` into `dir` (which must exist); returns their paths.
pub fn write_reports(
    analysis: &Analysis,
    dir: &Path,
    opts: &ReportOptions,
) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    // The two renderings are independent, and each is one thread's work.
    let (html, markdown) = rayon::join(
        || html::render(analysis, opts),
        || markdown::render(analysis, opts),
    );
    for (name, text) in [("report.html", html), ("report.md", markdown)] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}
