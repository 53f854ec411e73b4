//! Tables of comments (formats `csv` and `jsonl`): one record per comment with id, parent,
//! thread, author, time and text columns, named by `--id-col` … `--text-col`.
//!
//! Both readers stream: a record is parsed, turned into a comment and dropped, so a 1 GB
//! file never needs 1 GB of text at once (only the comments themselves are kept). CSV is
//! split by the crate's one splitter, [`crate::text::csv::RecordReader`] (RFC 4180: quoted
//! fields may hold commas, doubled quotes and line breaks); each record is decoded on its
//! own, as UTF-8 or else Windows-1252, so one cp1252 row in a UTF-8 file costs nothing
//! elsewhere. A UTF-8 BOM and CRLF line ends are accepted; a lone CR is field text.
//!
//! Mapping: a null or empty parent is a top-level comment; without a thread column every
//! record of a file belongs to one thread named after the file; every other column is kept
//! verbatim in `Comment::meta` (JSON numbers and booleans as their JSON text, nested values
//! as compact JSON). A column that is absent under its default name is treated as unknown
//! (ids become `<file>-r<record>`); a column named explicitly by a flag must exist.

use super::detect::extension;
use super::{IngestOptions, InputFile, ReadOutput, Reader};
use crate::error::IngestError;
use crate::model::{
    AuthorSource, Comment, Format, IngestStats, LineRange, Meta, ReplyLink, Thread, parse_timestamp,
};
use crate::text::csv::{CsvError, RecordReader};
use crate::text::encoding::cp1252_char;
use crate::text::encoding::repair_mojibake_owned;
use crate::text::normalize_paragraphs;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::BufRead;

/// Column names the table readers look for; `None` means "the default name, if present".
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// Comment id column (default `id`).
    pub id: Option<String>,
    /// Parent comment id column (default `parent_id`).
    pub parent: Option<String>,
    /// Thread id column (default `thread_id`).
    pub thread: Option<String>,
    /// Author column (default `author`).
    pub author: Option<String>,
    /// Timestamp column (default `timestamp`).
    pub time: Option<String>,
    /// Text column (default `text`).
    pub text: Option<String>,
}

/// Which model field a column feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Id,
    Parent,
    Thread,
    Author,
    Time,
    Text,
}

const SLOTS: [Slot; 6] = [
    Slot::Id,
    Slot::Parent,
    Slot::Thread,
    Slot::Author,
    Slot::Time,
    Slot::Text,
];

impl Slot {
    fn default_name(self) -> &'static str {
        match self {
            Slot::Id => "id",
            Slot::Parent => "parent_id",
            Slot::Thread => "thread_id",
            Slot::Author => "author",
            Slot::Time => "timestamp",
            Slot::Text => "text",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Slot::Id => "--id-col",
            Slot::Parent => "--parent-col",
            Slot::Thread => "--thread-col",
            Slot::Author => "--author-col",
            Slot::Time => "--time-col",
            Slot::Text => "--text-col",
        }
    }
}

impl Columns {
    fn given(&self, slot: Slot) -> Option<&str> {
        match slot {
            Slot::Id => self.id.as_deref(),
            Slot::Parent => self.parent.as_deref(),
            Slot::Thread => self.thread.as_deref(),
            Slot::Author => self.author.as_deref(),
            Slot::Time => self.time.as_deref(),
            Slot::Text => self.text.as_deref(),
        }
    }

    /// The name in force for a slot: the flag's value or the default.
    fn name(&self, slot: Slot) -> &str {
        self.given(slot).unwrap_or(slot.default_name())
    }

    /// The slot a column name feeds, if any (first match wins when flags repeat a name).
    fn slot_of(&self, key: &str) -> Option<Slot> {
        SLOTS.into_iter().find(|&s| self.name(s) == key)
    }
}

/// Reader for CSV tables.
pub struct CsvReader;

/// Reader for JSON Lines tables (one object a line).
pub struct JsonlReader;

impl Reader for CsvReader {
    fn format(&self) -> Format {
        Format::Csv
    }

    fn sniff(&self, input: &InputFile, _head: &str) -> u8 {
        match extension(input).as_str() {
            "csv" if !input.is_dir => 50,
            _ => 0,
        }
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        read_csv(input, opts)
    }
}

impl Reader for JsonlReader {
    fn format(&self) -> Format {
        Format::Jsonl
    }

    fn sniff(&self, input: &InputFile, head: &str) -> u8 {
        if input.is_dir {
            return 0;
        }
        match extension(input).as_str() {
            "jsonl" | "ndjson" => 50,
            // A `.json` file (or stdin) that is one object per line rather than one document.
            "json" | "" if looks_like_json_lines(head) => 20,
            _ => 0,
        }
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        read_jsonl(input, opts)
    }
}

/// Whether the head holds at least two lines that each start a JSON object.
fn looks_like_json_lines(head: &str) -> bool {
    let mut lines = head.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    let second = lines.next().unwrap_or("");
    first.starts_with('{') && first.ends_with('}') && second.starts_with('{')
}

// ---------------------------------------------------------------------------------------
// One record, whatever the table syntax.

/// A cell value as read: JSON distinguishes types, CSV only has text.
#[derive(Debug)]
enum Cell {
    Null,
    Text(String),
    /// A JSON number, boolean or nested value, as its JSON text.
    Json(String),
}

impl Cell {
    /// The value as text, `None` for null and empty strings.
    fn into_text(self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Text(s) | Cell::Json(s) if s.is_empty() => None,
            Cell::Text(s) | Cell::Json(s) => Some(s),
        }
    }
}

#[derive(Debug, Default)]
struct Row {
    cells: [Option<Cell>; 6],
    meta: Meta,
    /// Whether the text cell is already repaired and normalised ([`Row::prepare_text`]).
    text_ready: bool,
}

impl Row {
    fn take(&mut self, slot: Slot) -> Option<Cell> {
        self.cells[slot as usize].take()
    }

    /// Repairs and normalises the comment text, once: [`Builder::push`] calls it, and the
    /// JSONL reader calls it earlier, while parsing in parallel (it needs no other row).
    fn prepare_text(&mut self) {
        if self.text_ready {
            return;
        }
        if let Some(Cell::Text(s) | Cell::Json(s)) = &mut self.cells[Slot::Text as usize] {
            *s = normalize_paragraphs(repair_mojibake_owned(std::mem::take(s)));
            self.text_ready = true;
        }
    }
}

/// Accumulates comments into threads and keeps the accounting.
struct Builder<'a> {
    input: &'a InputFile,
    opts: &'a IngestOptions,
    source: String,
    format: Format,
    threads: Vec<Thread>,
    by_id: HashMap<String, usize>,
    file_thread: Option<usize>,
    stats: IngestStats,
    bad_times: u64,
    first_bad_time: Option<(u64, String)>,
    skipped_lines: Vec<u64>,
    /// Whether the table has an id column (CSV header, or any JSONL record with the key).
    has_id_column: bool,
    unnamed: u64,
    first_unnamed: Option<u64>,
}

impl<'a> Builder<'a> {
    fn new(input: &'a InputFile, opts: &'a IngestOptions, format: Format) -> Builder<'a> {
        Builder {
            input,
            opts,
            source: input.display_name(),
            format,
            threads: Vec::new(),
            by_id: HashMap::new(),
            file_thread: None,
            stats: IngestStats::default(),
            bad_times: 0,
            first_bad_time: None,
            skipped_lines: Vec::new(),
            has_id_column: false,
            unnamed: 0,
            first_unnamed: None,
        }
    }

    fn malformed(&self, line: u64, record: u64, message: String) -> IngestError {
        IngestError::Malformed {
            path: self.input.path.clone(),
            line: Some(line),
            record: Some(record),
            message,
        }
    }

    /// Counts a bad record in lenient mode, or turns it into the error.
    fn bad_record(&mut self, err: IngestError, line: u64) -> Result<(), IngestError> {
        if !self.opts.lenient {
            return Err(err);
        }
        self.stats.read += 1;
        self.stats.skipped += 1;
        if self.skipped_lines.len() < 5 {
            self.skipped_lines.push(line);
        }
        Ok(())
    }

    fn thread_index(&mut self, thread: Option<String>) -> usize {
        match thread {
            Some(t) => {
                if let Some(&i) = self.by_id.get(&t) {
                    return i;
                }
                let i = self.threads.len();
                self.threads
                    .push(Thread::new(t.clone(), self.source.clone(), self.format));
                self.by_id.insert(t, i);
                i
            }
            None => *self.file_thread.get_or_insert_with(|| {
                self.threads.push(Thread::new(
                    self.input.stem_id(),
                    self.source.clone(),
                    self.format,
                ));
                self.threads.len() - 1
            }),
        }
    }

    /// Turns a row into a comment; `Err` only for a row that cannot be a comment.
    fn push(
        &mut self,
        mut row: Row,
        lines: LineRange,
        record: u64,
        cols: &Columns,
    ) -> Result<(), IngestError> {
        let line = u64::from(lines.start);
        row.prepare_text();
        let text = match row.take(Slot::Text) {
            Some(Cell::Null) => String::new(),
            Some(Cell::Text(s)) | Some(Cell::Json(s)) => s,
            None => {
                let err = self.malformed(
                    line,
                    record,
                    format!(
                        "expected a {:?} field with the comment text (name the column with --text-col)",
                        cols.name(Slot::Text)
                    ),
                );
                return self.bad_record(err, line);
            }
        };
        let id = match row.take(Slot::Id).and_then(Cell::into_text) {
            Some(id) => id,
            None => {
                // A comment without an id is still a comment: name it by its record, as
                // files without an id column are, and say so when the column exists.
                if self.has_id_column {
                    self.unnamed += 1;
                    self.first_unnamed.get_or_insert(line);
                }
                format!("{}-r{record}", self.input.stem_id())
            }
        };
        let thread = row.take(Slot::Thread).and_then(Cell::into_text);
        let t = self.thread_index(thread);
        let position = self.threads[t].comments.len() as u32 + 1;
        let mut c = Comment::new(id, position, text);
        if let Some(p) = row.take(Slot::Parent).and_then(Cell::into_text) {
            c.parent_id = Some(p);
            c.reply_link = ReplyLink::EXPLICIT;
        }
        if let Some(a) = row.take(Slot::Author).and_then(Cell::into_text) {
            c.author = Some(a);
            c.author_source = Some(AuthorSource::Explicit);
        }
        if let Some(raw) = row.take(Slot::Time).and_then(Cell::into_text) {
            match parse_timestamp(&raw) {
                Some(ts) => c.timestamp = Some(ts),
                None => {
                    self.bad_times += 1;
                    if self.first_bad_time.is_none() {
                        self.first_bad_time = Some((line, raw.clone()));
                    }
                    row.meta.insert(cols.name(Slot::Time).to_string(), raw);
                }
            }
        }
        c.lines = Some(lines);
        c.meta = row.meta;
        self.threads[t].comments.push(c);
        self.stats.read += 1;
        self.stats.parsed += 1;
        Ok(())
    }

    /// Checks ids, writes the summary warnings and returns the threads.
    fn finish(mut self) -> Result<ReadOutput, IngestError> {
        let name = self.source.clone();
        check_duplicates(
            &mut self.threads,
            self.input,
            self.opts.lenient,
            &mut self.stats,
        )?;
        if self.unnamed > 0 {
            self.stats.warnings.push(format!(
                "{name}: {} records have an empty id and were named <file>-r<record> (first at line {})",
                self.unnamed,
                self.first_unnamed.unwrap_or(0)
            ));
        }
        if self.bad_times > 0 {
            let (line, raw) = self.first_bad_time.take().unwrap_or_default();
            self.stats.warnings.push(format!(
                "{name}: {} timestamps could not be read and were kept in meta (first at line {line}: {raw:?})",
                self.bad_times
            ));
        }
        if !self.skipped_lines.is_empty() {
            let lines: Vec<String> = self.skipped_lines.iter().map(u64::to_string).collect();
            self.stats.warnings.push(format!(
                "{name}: skipped {} malformed records (lenient mode; first at lines {})",
                self.stats.skipped,
                lines.join(", ")
            ));
        }
        Ok(ReadOutput {
            threads: self.threads,
            stats: self.stats,
        })
    }
}

/// In lenient mode, drops (and counts) the later of two comments sharing an id within a
/// thread. Otherwise nothing is done here: `Thread::link` finds duplicates anyway, and
/// `read_corpus` turns that into an error naming both records.
pub(crate) fn check_duplicates(
    threads: &mut [Thread],
    input: &InputFile,
    lenient: bool,
    stats: &mut IngestStats,
) -> Result<(), IngestError> {
    if !lenient {
        return Ok(());
    }
    let name = input.display_name();
    let place = |c: &Comment| match c.lines {
        Some(l) => format!("line {}", l.start),
        None => format!("comment {}", c.position),
    };
    for thread in threads {
        let dups = duplicate_ids(thread);
        if dups.is_empty() {
            continue;
        }
        let mut drop: Vec<usize> = dups.iter().map(|&(_, second)| second).collect();
        drop.sort_unstable();
        drop.dedup();
        for &i in drop.iter().rev() {
            let c = thread.comments.remove(i);
            stats.parsed = stats.parsed.saturating_sub(1);
            stats.skipped += 1;
            stats.warnings.push(format!(
                "{name}: {}: duplicate comment id {:?} in thread {}; skipped (lenient mode)",
                place(&c),
                c.id,
                thread.id
            ));
        }
        for (k, c) in thread.comments.iter_mut().enumerate() {
            c.position = k as u32 + 1;
        }
    }
    Ok(())
}

/// Pairs (first, later) of comments sharing an id within a thread.
fn duplicate_ids(thread: &Thread) -> Vec<(usize, usize)> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(thread.comments.len());
    let mut dups = Vec::new();
    for (i, c) in thread.comments.iter().enumerate() {
        if let Some(&first) = seen.get(c.id.as_str()) {
            dups.push((first, i));
        } else {
            seen.insert(&c.id, i);
        }
    }
    dups
}

/// Decodes one record's bytes: UTF-8, else Windows-1252.
fn decode_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| cp1252_char(b)).collect()),
    }
}

/// A line reader over the input. UTF-8 and Windows-1252 stream as they are (decoded per
/// record); UTF-16, which must be decoded before lines can be found, is read whole (within
/// `--max-file-bytes`) and re-encoded as UTF-8.
pub(crate) fn open_lines(
    input: &InputFile,
    opts: &IngestOptions,
) -> Result<Box<dyn BufRead + 'static>, IngestError> {
    // UTF-16 without BOM is recognised by its zero bytes, like `InputFile::text` does.
    let head = input.head(4096)?;
    if crate::text::encoding::looks_utf16(&head) {
        let text = input.text(&opts.limits)?;
        return Ok(Box::new(std::io::Cursor::new(text.into_bytes())));
    }
    // A NUL byte near the start means binary data, as for the readers that decode whole
    // files; without this check binary junk would be reported as a bad header or record.
    if let Some(offset) = memchr::memchr(0, &head) {
        return Err(IngestError::Binary {
            path: input.path.clone(),
            offset,
        });
    }
    input.open()
}

/// A table without the text column: an error when named on the command line, a skipped
/// file (with a warning) when found in a directory, like any other file that holds no
/// threads.
fn not_a_comment_table(input: &InputFile, err: IngestError) -> Result<ReadOutput, IngestError> {
    if input.explicit {
        return Err(err);
    }
    let mut stats = IngestStats::default();
    stats.warnings.push(format!("{err}; skipped"));
    Ok(ReadOutput {
        threads: Vec::new(),
        stats,
    })
}

fn io_error(input: &InputFile, source: std::io::Error) -> IngestError {
    IngestError::Io {
        path: input.path.clone(),
        source,
    }
}

// ---------------------------------------------------------------------------------------
// JSON Lines.

/// Lines of JSON parsed side by side before their rows join the table in order.
const JSONL_BATCH: usize = 4096;

/// A batch of raw lines side by side in one buffer, with each line's number and span:
/// parsing the JSON is most of the reading, and it needs nothing from other lines.
#[derive(Default)]
struct LineBatch {
    data: Vec<u8>,
    spans: Vec<(u64, usize, usize)>,
}

/// The lines of a JSONL input, read a batch at a time.
struct JsonlLines {
    reader: Box<dyn BufRead + 'static>,
    line_no: u64,
    /// The input is exhausted (or failed).
    done: bool,
    /// A read error, returned after the lines before it, as if read one by one.
    error: Option<IngestError>,
}

impl JsonlLines {
    /// Fills `batch` with the next [`JSONL_BATCH`] lines (fewer at the end).
    fn fill(&mut self, input: &InputFile, batch: &mut LineBatch) {
        batch.data.clear();
        batch.spans.clear();
        while !self.done && batch.spans.len() < JSONL_BATCH {
            let start = batch.data.len();
            let n = match self.reader.read_until(b'\n', &mut batch.data) {
                Ok(n) => n,
                Err(e) => {
                    batch.data.truncate(start);
                    self.error = Some(io_error(input, e));
                    0
                }
            };
            if n == 0 {
                self.done = true;
                break;
            }
            self.line_no += 1;
            if self.line_no == 1 && batch.data[start..].starts_with(b"\xEF\xBB\xBF") {
                batch.data.drain(start..start + 3);
            }
            batch.spans.push((self.line_no, start, batch.data.len()));
        }
    }
}

/// One parsed line: `None` for a blank one.
type ParsedLine = Option<Result<Row, serde_json::Error>>;

fn parse_batch(batch: &LineBatch, cols: &Columns) -> Vec<ParsedLine> {
    use rayon::prelude::*;
    batch
        .spans
        .par_iter()
        .map(|&(_, a, z)| {
            let text = decode_bytes(&batch.data[a..z]);
            let line = text.trim();
            (!line.is_empty()).then(|| {
                parse_json_row(line, cols).map(|mut row| {
                    row.prepare_text();
                    row
                })
            })
        })
        .collect()
}

fn read_jsonl(input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
    let mut lines = JsonlLines {
        reader: open_lines(input, opts)?,
        line_no: 0,
        done: false,
        error: None,
    };
    let cols = &opts.columns;
    let mut b = Builder::new(input, opts, Format::Jsonl);
    let mut record = 0u64;
    let mut explicit_missing_checked = false;
    let mut cur = LineBatch::default();
    lines.fill(input, &mut cur);
    let mut cur_parsed = parse_batch(&cur, cols);
    // While one batch's rows join the table (in order, on this thread), the next batch is
    // read and parsed beside it: the joining and the reading were a third of the ingest,
    // with a core idle.
    let mut next = LineBatch::default();
    loop {
        let more = !lines.done;
        let mut next_parsed = Vec::new();
        let built = rayon::in_place_scope(|s| {
            if more {
                lines.fill(input, &mut next);
                let (next, next_parsed) = (&next, &mut next_parsed);
                s.spawn(move |_| *next_parsed = parse_batch(next, cols));
            }
            build_batch(
                &mut b,
                &cur,
                cur_parsed,
                &mut record,
                &mut explicit_missing_checked,
            )
        });
        if let Some(out) = built? {
            return Ok(out);
        }
        if !more {
            break;
        }
        std::mem::swap(&mut cur, &mut next);
        cur_parsed = next_parsed;
    }
    if let Some(e) = lines.error {
        return Err(e);
    }
    b.finish()
}

/// Joins one batch's parsed rows to the table, in line order. `Some` is the whole result
/// of the input, decided early (not a comment table).
fn build_batch(
    b: &mut Builder,
    batch: &LineBatch,
    parsed: Vec<ParsedLine>,
    record: &mut u64,
    explicit_missing_checked: &mut bool,
) -> Result<Option<ReadOutput>, IngestError> {
    let input = b.input;
    let cols = &b.opts.columns;
    for (&(line_no, _, _), parsed) in batch.spans.iter().zip(parsed) {
        let Some(parsed) = parsed else {
            continue;
        };
        *record += 1;
        let record = *record;
        let lines = LineRange {
            start: line_no as u32,
            end: line_no as u32,
        };
        let row = match parsed {
            Ok(row) => row,
            Err(e) => {
                let err = b.malformed(
                    line_no,
                    record,
                    format!("expected one JSON object per line: {e}"),
                );
                b.bad_record(err, line_no)?;
                continue;
            }
        };
        // A column named by a flag that the first record lacks is almost surely a typo.
        if !*explicit_missing_checked {
            *explicit_missing_checked = true;
            if row.cells[Slot::Text as usize].is_none() && cols.given(Slot::Text).is_none() {
                let message = format!(
                    "the first record has no {:?} field (its fields: {}; name the text field with --text-col)",
                    cols.name(Slot::Text),
                    row.meta.keys().cloned().collect::<Vec<_>>().join(", ")
                );
                return not_a_comment_table(input, b.malformed(line_no, record, message)).map(Some);
            }
            for slot in SLOTS {
                if let Some(name) = cols.given(slot) {
                    // Only the fields every record needs; optional ones may be absent.
                    let required = matches!(slot, Slot::Id | Slot::Text);
                    if required && row.cells[slot as usize].is_none() {
                        return Err(b.malformed(
                            line_no,
                            record,
                            format!(
                                "{} names field {name:?}, which the first record does not have (its fields: {})",
                                slot.flag(),
                                row.meta.keys().cloned().collect::<Vec<_>>().join(", ")
                            ),
                        ));
                    }
                }
            }
        }
        if row.cells[Slot::Id as usize].is_some() {
            b.has_id_column = true;
        }
        b.push(row, lines, record, cols)?;
    }
    Ok(None)
}

/// Parses one JSON object into a row, without building a `serde_json::Value` for it.
fn parse_json_row(line: &str, cols: &Columns) -> Result<Row, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(line);
    let row = RowSeed { cols }.deserialize(&mut de)?;
    de.end()?;
    Ok(row)
}

struct RowSeed<'c> {
    cols: &'c Columns,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Row;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Row, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Row;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
        let mut row = Row::default();
        while let Some(key) = map.next_key_seed(KeySeed { cols: self.cols })? {
            let cell: Cell = map.next_value_seed(CellSeed)?;
            match key {
                Key::Slot(s) => row.cells[s as usize] = Some(cell),
                Key::Other(name) => match cell {
                    Cell::Null => {}
                    Cell::Text(v) | Cell::Json(v) => {
                        row.meta.insert(name, v);
                    }
                },
            }
        }
        Ok(row)
    }
}

enum Key {
    Slot(Slot),
    Other(String),
}

/// Resolves a key to its slot without allocating; only meta keys are copied.
struct KeySeed<'c> {
    cols: &'c Columns,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match self.cols.slot_of(v) {
            Some(s) => Key::Slot(s),
            None => Key::Other(v.to_string()),
        })
    }
}

struct CellSeed;

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed {
    type Value = Cell;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell, E> {
        Ok(Cell::Text(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Cell, E> {
        Ok(Cell::Text(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Cell, E> {
        Ok(Cell::Json(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell, E> {
        Ok(Cell::Json(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell, E> {
        Ok(Cell::Json(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell, E> {
        Ok(Cell::Json(
            serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()),
        ))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell::Null)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Cell, A::Error> {
        let v: serde_json::Value =
            serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Cell::Json(v.to_string()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Cell, A::Error> {
        let v: serde_json::Value =
            serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Cell::Json(v.to_string()))
    }
}

// ---------------------------------------------------------------------------------------
// CSV.

/// The line and message of a splitter error in this reader's own words (the wording tests
/// and users know): an unclosed quote is reported at its record's first line. Whether the
/// file goes on is the splitter's call: after an unclosed quote or a read error it has no
/// more records, after a stray character behind a closing quote it resumes on the next line.
fn csv_problem(e: &CsvError) -> (u64, String) {
    match e {
        CsvError::UnclosedQuote { record_line, .. } => (
            *record_line,
            "unterminated quoted field: expected a closing '\"' before the end of the file".into(),
        ),
        CsvError::AfterQuote {
            line, field, found, ..
        } => (
            *line,
            format!(
                "field {field}: expected ',' or the end of the line after a closing '\"', found {found:?}"
            ),
        ),
        CsvError::Read { line, message } => (*line, format!("read error: {message}")),
    }
}

fn read_csv(input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
    let reader = open_lines(input, opts)?;
    let cols = &opts.columns;
    let mut b = Builder::new(input, opts, Format::Csv);
    // The crate's one splitter; a lone CR stays part of its field, as comment tables have
    // always read it (LF and CRLF end lines), so text and line numbers do not move.
    let mut split = RecordReader::new(reader, ',').lone_cr_ends_line(false);
    let malformed = |line: u64, record: Option<u64>, message: String| IngestError::Malformed {
        path: input.path.clone(),
        line: Some(line),
        record,
        message,
    };
    let header = match split.next_record() {
        Ok(Some(_)) => split
            .fields()
            .enumerate()
            .map(|(k, field)| {
                let name = decode_bytes(field).trim().to_string();
                if name.is_empty() {
                    format!("column{}", k + 1)
                } else {
                    name
                }
            })
            .collect::<Vec<String>>(),
        Ok(None) => return Err(IngestError::Empty(input.path.clone())),
        Err(e) => {
            let (line, message) = csv_problem(&e);
            return Err(malformed(line, None, format!("header: {message}")));
        }
    };
    let slots: Vec<Option<Slot>> = header.iter().map(|h| cols.slot_of(h)).collect();
    if !slots.contains(&Some(Slot::Text)) {
        let message = format!(
            "no text column {:?}; the columns are: {} (name the text column with --text-col)",
            cols.name(Slot::Text),
            header.join(", ")
        );
        return not_a_comment_table(input, malformed(1, None, message));
    }
    for slot in SLOTS {
        if let Some(name) = cols.given(slot) {
            if !slots.contains(&Some(slot)) {
                return Err(malformed(
                    1,
                    None,
                    format!(
                        "{} names column {name:?}, which the header does not have (columns: {})",
                        slot.flag(),
                        header.join(", ")
                    ),
                ));
            }
        }
    }
    b.has_id_column = slots.contains(&Some(Slot::Id));
    let mut record = 0u64;
    loop {
        let (start, end) = match split.next_record() {
            Ok(Some(r)) => (r.first, r.last),
            Ok(None) => break,
            Err(e) => {
                record += 1;
                let (line, message) = csv_problem(&e);
                let err = malformed(line, Some(record), message);
                b.bad_record(err, line)?;
                continue;
            }
        };
        record += 1;
        if split.len() != header.len() {
            let err = malformed(
                start,
                Some(record),
                format!(
                    "expected {} fields as in the header, found {}",
                    header.len(),
                    split.len()
                ),
            );
            b.bad_record(err, start)?;
            continue;
        }
        let mut row = Row::default();
        for ((i, slot), field) in slots.iter().enumerate().zip(split.fields()) {
            let value = decode_bytes(field).into_owned();
            match slot {
                Some(s) => row.cells[*s as usize] = Some(Cell::Text(value)),
                None if value.is_empty() => {}
                None => {
                    row.meta.insert(header[i].clone(), value);
                }
            }
        }
        let lines = LineRange {
            start: start as u32,
            end: end as u32,
        };
        b.push(row, lines, record, cols)?;
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives `data`, then an error.
    struct FailingAfter {
        data: std::io::Cursor<Vec<u8>>,
    }

    impl std::io::Read for FailingAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.data.read(buf)? {
                0 => Err(std::io::Error::other("disk went away")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn jsonl_batches_end_at_a_read_error_with_the_lines_before_it() {
        let text: String = (1..=5000)
            .map(|i| format!("{{\"id\":\"c{i}\"}}\n"))
            .collect();
        let mut lines = JsonlLines {
            reader: Box::new(std::io::BufReader::new(FailingAfter {
                data: std::io::Cursor::new(text.into_bytes()),
            })),
            line_no: 0,
            done: false,
            error: None,
        };
        let input = InputFile::from_bytes("t.jsonl", Vec::new());
        let mut batch = LineBatch::default();
        lines.fill(&input, &mut batch);
        assert_eq!(batch.spans.len(), JSONL_BATCH);
        assert!(!lines.done && lines.error.is_none());
        lines.fill(&input, &mut batch);
        assert_eq!(batch.spans.len(), 5000 - JSONL_BATCH);
        assert_eq!(batch.spans.last().map(|s| s.0), Some(5000));
        assert!(lines.done);
        let err = lines
            .error
            .take()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("disk went away"), "{err}");
        lines.fill(&input, &mut batch);
        assert!(batch.spans.is_empty());
    }

    fn split_all(input: &[u8]) -> Vec<Result<Vec<String>, String>> {
        let mut s = RecordReader::new(input, ',').lone_cr_ends_line(false);
        let mut out = Vec::new();
        loop {
            match s.next_record() {
                Ok(Some(_)) => out.push(Ok(s
                    .fields()
                    .map(|f| decode_bytes(f).into_owned())
                    .collect())),
                Ok(None) => break,
                Err(e) => {
                    let (line, message) = csv_problem(&e);
                    out.push(Err(format!("{line}: {message}")));
                }
            }
        }
        out
    }

    #[test]
    fn splits_quoted_multiline_crlf_and_bom() {
        let csv = b"\xEF\xBB\xBFa,b\r\n\"x, \"\"y\"\"\",\"two\r\nlines\"\r\n\r\n,last\r\n";
        let rows = split_all(csv);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].as_ref().unwrap(), &["a", "b"]);
        assert_eq!(rows[1].as_ref().unwrap(), &["x, \"y\"", "two\nlines"]);
        assert_eq!(rows[2].as_ref().unwrap(), &["", "last"]);
    }

    #[test]
    fn reports_unterminated_and_garbage_after_quote() {
        let rows = split_all(b"a,b\n\"x\"y,1\n2,3\n\"open,4\n");
        assert_eq!(
            rows[1].as_ref().unwrap_err(),
            "2: field 1: expected ',' or the end of the line after a closing '\"', found 'y'"
        );
        assert_eq!(rows[2].as_ref().unwrap(), &["2", "3"]);
        assert!(
            rows[3]
                .as_ref()
                .unwrap_err()
                .contains("unterminated quoted field")
        );
    }

    #[test]
    fn cp1252_record_decodes() {
        let rows = split_all(b"t\n\x93quoted\x94 caf\xe9\n");
        assert_eq!(
            rows[1].as_ref().unwrap(),
            &["\u{201c}quoted\u{201d} caf\u{e9}"]
        );
    }

    #[test]
    fn json_row_maps_slots_and_meta() {
        let cols = Columns::default();
        let row = parse_json_row(
            r#"{"id":7,"parent_id":null,"text":"hi","topic":3,"stance":"agree","x":[1,{"a":true}]}"#,
            &cols,
        )
        .unwrap();
        assert!(matches!(&row.cells[Slot::Id as usize], Some(Cell::Json(s)) if s == "7"));
        assert!(matches!(row.cells[Slot::Parent as usize], Some(Cell::Null)));
        assert_eq!(row.meta["topic"], "3");
        assert_eq!(row.meta["stance"], "agree");
        assert_eq!(row.meta["x"], r#"[1,{"a":true}]"#);
        assert!(parse_json_row(r#"{"id":1} x"#, &cols).is_err());
        assert!(parse_json_row("[1,2]", &cols).is_err());
    }
}
