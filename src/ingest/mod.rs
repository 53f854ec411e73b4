//! Readers: one module per input format, a registry, detection and input collection.
//!
//! Adding a format means one new module and one line in [`readers`].

pub mod convokit;
mod detect;
pub mod disqus;
pub mod hn;
pub mod html;
pub mod iac;
mod json;
pub mod reddit;
pub mod table;
pub mod text;
pub mod wxr;
pub mod xml;

pub use detect::detect;

use crate::error::IngestError;
use crate::model::{Corpus, Format, IngestStats, Thread};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Limits that keep hostile inputs from exhausting memory or time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input file read whole into memory, in bytes.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 1 << 30,
        }
    }
}

/// Options every reader honours.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Read every input as this format instead of detecting it.
    pub format: Option<Format>,
    /// Skip malformed records (counted in the stats) instead of failing.
    pub lenient: bool,
    /// Resource limits.
    pub limits: Limits,
    /// Column (field) names the `csv` and `jsonl` readers look for.
    pub columns: table::Columns,
}

/// What a reader returns for one input.
#[derive(Debug, Default)]
pub struct ReadOutput {
    /// Threads found in the input, comments in document order (parents may be unlinked).
    pub threads: Vec<Thread>,
    /// Record accounting for the input.
    pub stats: IngestStats,
}

/// A reader for one input format.
pub trait Reader: Sync {
    /// The format this reader handles.
    fn format(&self) -> Format;
    /// How strongly this reader claims an input (0 = not at all, higher wins), judged from
    /// its path and the first bytes of its text.
    fn sniff(&self, input: &InputFile, head: &str) -> u8;
    /// Reads the input into threads.
    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError>;
}

/// Every reader, one line per format.
pub fn readers() -> &'static [&'static dyn Reader] {
    &[
        &text::TextReader,
        &html::HtmlReader,
        &wxr::WxrReader,
        &disqus::DisqusReader,
        &reddit::RedditReader,
        &hn::HnReader,
        &convokit::ConvokitReader,
        &iac::IacReader,
        &table::CsvReader,
        &table::JsonlReader,
    ]
}

/// The reader for a format, if this build has one.
pub fn reader_for(format: Format) -> Option<&'static dyn Reader> {
    readers().iter().copied().find(|r| r.format() == format)
}

/// One input: a file, a directory a reader takes whole (a ConvoKit corpus), or stdin.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Path as given or found (`-` for stdin).
    pub path: PathBuf,
    /// Whether the path is a directory read as one input.
    pub is_dir: bool,
    /// Whether the user named this input explicitly (then failing detection is an error).
    pub explicit: bool,
    stdin: Option<std::sync::Arc<Vec<u8>>>,
}

impl InputFile {
    /// A file or directory input.
    pub fn from_path(path: impl Into<PathBuf>, explicit: bool) -> InputFile {
        let path = path.into();
        InputFile {
            is_dir: path.is_dir(),
            path,
            explicit,
            stdin: None,
        }
    }

    /// An input held in memory (stdin, tests), shown as `name`.
    pub fn from_bytes(name: impl Into<PathBuf>, bytes: Vec<u8>) -> InputFile {
        InputFile {
            path: name.into(),
            is_dir: false,
            explicit: true,
            stdin: Some(std::sync::Arc::new(bytes)),
        }
    }

    /// Whether the input's bytes are held in memory (stdin, tests, fuzzing).
    pub fn is_in_memory(&self) -> bool {
        self.stdin.is_some()
    }

    /// The name used in messages and in `Thread::source`.
    pub fn display_name(&self) -> String {
        self.path.display().to_string()
    }

    /// A thread id derived from the file name (stem, without extension).
    pub fn stem_id(&self) -> String {
        if self.stdin.is_some() && self.path == Path::new("-") {
            return "stdin".into();
        }
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "input".into());
        stem.chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// All bytes of the input, refusing files over the size limit.
    pub fn bytes(&self, limits: &Limits) -> Result<Vec<u8>, IngestError> {
        if let Some(b) = &self.stdin {
            return Ok(b.as_ref().clone());
        }
        let io = |source| IngestError::Io {
            path: self.path.clone(),
            source,
        };
        let file = std::fs::File::open(&self.path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len > limits.max_file_bytes {
            return Err(IngestError::Limit {
                path: self.path.clone(),
                what: format!("file size ({len} bytes)"),
                limit: limits.max_file_bytes,
                flag: "--max-file-bytes".into(),
            });
        }
        let mut buf = Vec::with_capacity(len as usize);
        file.take(limits.max_file_bytes + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
        Ok(buf)
    }

    /// A buffered reader over the input, for readers that stream records instead of
    /// loading the whole file (no size limit applies: memory stays bounded).
    pub fn open(&self) -> Result<Box<dyn std::io::BufRead + 'static>, IngestError> {
        if let Some(b) = &self.stdin {
            return Ok(Box::new(std::io::Cursor::new(b.as_ref().clone())));
        }
        let file = std::fs::File::open(&self.path).map_err(|source| IngestError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
    }

    /// The first `n` bytes (for sniffing).
    pub fn head(&self, n: usize) -> Result<Vec<u8>, IngestError> {
        if let Some(b) = &self.stdin {
            return Ok(b[..b.len().min(n)].to_vec());
        }
        let io = |source| IngestError::Io {
            path: self.path.clone(),
            source,
        };
        let file = std::fs::File::open(&self.path).map_err(io)?;
        let mut buf = Vec::with_capacity(n);
        file.take(n as u64).read_to_end(&mut buf).map_err(io)?;
        Ok(buf)
    }

    /// The whole input as text: decoded (BOM, UTF-16, Windows-1252 fallback), mojibake
    /// repaired, line endings normalised to `\n`. Empty and binary inputs are errors.
    pub fn text(&self, limits: &Limits) -> Result<String, IngestError> {
        let bytes = self.bytes(limits)?;
        let (text, _) = crate::text::decode(&bytes).map_err(|e| match e {
            crate::text::encoding::DecodeError::Binary { offset } => IngestError::Binary {
                path: self.path.clone(),
                offset,
            },
        })?;
        if text.trim().is_empty() {
            return Err(IngestError::Empty(self.path.clone()));
        }
        let text = if text.contains('\r') {
            text.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            text
        };
        Ok(crate::text::repair_mojibake(&text))
    }
}

/// Expands the paths a user gave into inputs. Directories are walked recursively in sorted
/// order; files in them that no reader takes are skipped with a note (returned). A path named
/// explicitly that does not exist is an error; `-` reads stdin.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<(Vec<InputFile>, Vec<String>), IngestError> {
    let mut inputs = Vec::new();
    let mut notes = Vec::new();
    for path in paths {
        if path == Path::new("-") {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|source| IngestError::Io {
                    path: path.clone(),
                    source,
                })?;
            inputs.push(InputFile::from_bytes("-", buf));
            continue;
        }
        if !path.exists() {
            return Err(IngestError::NotFound(path.clone()));
        }
        let input = InputFile::from_path(path, true);
        if !input.is_dir || detect(&input)?.is_some() {
            inputs.push(input);
            continue;
        }
        let before = inputs.len();
        walk_dir(path, &mut inputs, &mut notes)?;
        if inputs.len() == before {
            return Err(IngestError::NoInputs(path.clone()));
        }
    }
    Ok((inputs, notes))
}

fn walk_dir(
    root: &Path,
    inputs: &mut Vec<InputFile>,
    notes: &mut Vec<String>,
) -> Result<(), IngestError> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let io = |source| IngestError::Io {
            path: dir.clone(),
            source,
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        entries.sort();
        let mut subdirs = Vec::new();
        for path in entries {
            let input = InputFile::from_path(&path, false);
            match detect(&input) {
                Ok(Some(_)) => inputs.push(input),
                Ok(None) if input.is_dir => subdirs.push(path),
                Ok(None) => notes.push(format!(
                    "{}: skipped, not a thread file of any known format",
                    path.display()
                )),
                Err(e) => notes.push(format!("{e}; skipped")),
            }
        }
        // Reverse so the stack pops sub-directories in sorted order.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

/// Reads every input into one corpus: detects formats, runs the readers, links each thread's
/// reply tree and makes thread ids unique across inputs.
pub fn read_corpus(inputs: &[InputFile], opts: &IngestOptions) -> Result<Corpus, IngestError> {
    let mut corpus = Corpus::default();
    let mut seen_ids: HashSet<String> = HashSet::new();
    for input in inputs {
        let format = match opts.format {
            Some(f) => f,
            None => detect(input)?.ok_or_else(|| IngestError::UnknownFormat {
                path: input.path.clone(),
                known: Format::ALL.map(Format::name).join(", "),
            })?,
        };
        let reader = reader_for(format).ok_or_else(|| IngestError::Unsupported {
            path: input.path.clone(),
            format: format.name().into(),
        })?;
        let mut out = reader.read(input, opts)?;
        let name = input.display_name();
        for mut thread in std::mem::take(&mut out.threads) {
            if !seen_ids.insert(thread.id.clone()) {
                let base = thread.id.clone();
                let mut n = 2;
                while !seen_ids.insert(format!("{base}-{n}")) {
                    n += 1;
                }
                rename_thread(&mut thread, format!("{base}-{n}"));
            }
            let before = thread.warnings.len();
            thread
                .link()
                .map_err(|source| integrity_error(input, &thread, source))?;
            // Repairs made while linking (dangling parents, cycles) are reported like every
            // other warning of the input.
            out.stats.warnings.extend(
                thread.warnings[before..]
                    .iter()
                    .map(|w| format!("{name}: {w}")),
            );
            corpus.threads.push(thread);
        }
        corpus.stats.absorb(out.stats);
    }
    Ok(corpus)
}

/// Reads in-memory bytes as one input of `format` and links its threads: the whole ingest
/// path for one file without touching the file system (fuzz targets, tests).
pub fn read_bytes(
    format: Format,
    name: &str,
    bytes: Vec<u8>,
    lenient: bool,
) -> Result<Corpus, IngestError> {
    let opts = IngestOptions {
        format: Some(format),
        lenient,
        ..IngestOptions::default()
    };
    read_corpus(&[InputFile::from_bytes(name, bytes)], &opts)
}

/// A broken tree as an error; duplicate ids name both records by source line when the
/// reader recorded lines (tables, NDJSON), else by position.
fn integrity_error(
    input: &InputFile,
    thread: &Thread,
    source: crate::model::IntegrityError,
) -> IngestError {
    if let crate::model::IntegrityError::DuplicateId {
        id, first, second, ..
    } = &source
    {
        let line = |pos: u32| {
            thread
                .comments
                .get(pos.saturating_sub(1) as usize)
                .and_then(|c| c.lines)
                .map(|l| l.start)
        };
        if let (Some(a), Some(b)) = (line(*first), line(*second)) {
            return IngestError::Malformed {
                path: input.path.clone(),
                line: Some(u64::from(b)),
                record: None,
                message: format!(
                    "duplicate comment id {id:?} in thread {}: first at line {a}, again at line {b}",
                    thread.id
                ),
            };
        }
    }
    IngestError::Integrity {
        path: input.path.clone(),
        source,
    }
}

/// Gives a thread a new id, renaming comment ids that were derived from the old one.
fn rename_thread(thread: &mut Thread, new_id: String) {
    let old_prefix = format!("{}-c", thread.id);
    let new_prefix = format!("{new_id}-c");
    let rename = |id: &mut String| {
        if let Some(rest) = id.strip_prefix(&old_prefix) {
            *id = format!("{new_prefix}{rest}");
        }
    };
    for c in &mut thread.comments {
        rename(&mut c.id);
        if let Some(p) = &mut c.parent_id {
            rename(p);
        }
    }
    thread.id = new_id;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_bytes_reads_and_links_in_memory_inputs() {
        let jsonl =
            b"{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"parent_id\":\"a\",\"text\":\"y\"}\n";
        let c = read_bytes(Format::Jsonl, "t.jsonl", jsonl.to_vec(), false).unwrap();
        assert_eq!(c.threads[0].comments[1].depth, 1);
        assert_eq!((c.stats.read, c.stats.parsed, c.stats.skipped), (2, 2, 0));
        // ConvoKit reads the in-memory bytes as its utterances file, not a file on disk.
        let utt = b"{\"id\":\"u1\",\"conversation_id\":\"u1\",\"text\":\"hi\"}\n{\"id\":\"u2\",\"conversation_id\":\"u1\",\"reply_to\":\"u1\",\"text\":\"re\"}\n";
        let c = read_bytes(Format::Convokit, "utterances.jsonl", utt.to_vec(), false).unwrap();
        assert_eq!(c.threads[0].comments.len(), 2);
        let err = read_bytes(Format::Csv, "b.csv", b"id,text\n\0\0".to_vec(), true).unwrap_err();
        assert!(
            err.to_string()
                .contains("binary file (NUL byte at offset 8)"),
            "{err}"
        );
    }

    #[test]
    fn jsonl_lines_past_the_parallel_batches_keep_their_numbers() {
        // Two batches and more, with a blank line, a repaired text and a bad line late on.
        let mut text = String::new();
        for i in 1..=9000 {
            match i {
                100 => text.push('\n'),
                4097 => text.push_str("{\"id\":\"m\",\"text\":\"caf\\u00c3\\u00a9 \"}\n"),
                8500 => text.push_str("{\"id\": oops}\n"),
                _ => text.push_str(&format!("{{\"id\":\"c{i}\",\"text\":\"t {i}\"}}\n")),
            }
        }
        let err = read_bytes(Format::Jsonl, "t.jsonl", text.clone().into_bytes(), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.jsonl:8500 (record 8499)"), "{err}");
        let c = read_bytes(Format::Jsonl, "t.jsonl", text.into_bytes(), true).unwrap();
        assert_eq!(
            (c.stats.read, c.stats.parsed, c.stats.skipped),
            (8999, 8998, 1)
        );
        let comments = &c.threads[0].comments;
        let m = comments.iter().find(|c| c.id == "m").unwrap();
        assert_eq!(m.text, "café");
        assert_eq!(m.lines.map(|l| l.start), Some(4097));
        let last = comments.last().unwrap();
        assert_eq!(
            (last.id.as_str(), last.lines.map(|l| l.start)),
            ("c9000", Some(9000))
        );
    }
}
