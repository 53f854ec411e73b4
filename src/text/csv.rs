//! The crate's one CSV record splitter (RFC 4180 plus the habits of real exports): quoted
//! fields with embedded delimiters, doubled quotes and line breaks; CRLF, LF or CR line ends.
//!
//! [`RecordReader`] streams records from any [`BufRead`], byte by byte, reusing its buffers,
//! so a file larger than memory (or a 50 MB field) costs one record's bytes at a time; the
//! comment tables of `ingest` read through it. [`split_records`] is the same reader over a
//! whole string, for the small files (labelled pairs, data sets) that are read whole. One
//! splitter on purpose: every CSV consumer shares the same quoting rules. It splits; it does
//! not interpret columns or decode bytes.

use crate::text::encoding::cp1252_char;
use std::io::{BufRead, ErrorKind};

/// One CSV record: its fields and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// 1-based line of the input where the record starts.
    pub line: u64,
    /// The fields, unquoted, with doubled quotes made single.
    pub fields: Vec<String>,
}

/// Why CSV input could not be split into records. Each variant carries the facts, so a
/// caller with its own wording (the comment-table reader) can keep it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// A quoted field is still open at the end of the input.
    #[error("line {line}: quoted field never closed (opened on this line)")]
    UnclosedQuote {
        /// Line where the quote opened.
        line: u64,
        /// Line where the record holding the quote starts.
        record_line: u64,
    },
    /// Something other than a delimiter or line end follows a closing quote.
    #[error(
        "line {line}: unexpected {found:?} after a closing quote (expected {delimiter:?} or end of line)"
    )]
    AfterQuote {
        /// Line of the stray character.
        line: u64,
        /// 1-based field of the record the stray character is in.
        field: usize,
        /// The character found.
        found: char,
        /// The delimiter in force.
        delimiter: char,
    },
    /// The underlying reader failed.
    #[error("line {line}: read error: {message}")]
    Read {
        /// Line being read when the reader failed.
        line: u64,
        /// The I/O error, as text (so the error stays `Clone` and `Eq`).
        message: String,
    },
}

impl CsvError {
    /// The line the error is reported at (for an unclosed quote, where the quote opened).
    pub fn line(&self) -> u64 {
        match self {
            CsvError::UnclosedQuote { line, .. }
            | CsvError::AfterQuote { line, .. }
            | CsvError::Read { line, .. } => *line,
        }
    }
}

/// Where a record lies in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLines {
    /// 1-based line the record starts on.
    pub first: u64,
    /// 1-based line the record ends on (after its last embedded line break).
    pub last: u64,
}

/// Splits `text` into records. Blank lines (empty or only whitespace) between records are
/// skipped and a leading BOM is dropped. A quote inside an unquoted field is kept literally
/// (as most exporters mean it); a stray character after a closing quote is an error because
/// the field boundary is then unknowable. The first error ends the split.
pub fn split_records(text: &str, delimiter: char) -> Result<Vec<CsvRecord>, CsvError> {
    let mut reader = RecordReader::new(text.as_bytes(), delimiter);
    let mut records = Vec::new();
    while let Some(lines) = reader.next_record()? {
        records.push(CsvRecord {
            line: lines.first,
            // Fields split at ASCII bytes or whole delimiters of valid UTF-8, so they are
            // valid UTF-8 themselves; lossy decoding only keeps this free of panics.
            fields: reader
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
        });
    }
    Ok(records)
}

/// The UTF-8 byte order mark, dropped at the start of the input.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Where the splitter is within a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// Inside an unquoted field.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: a second quote escapes it.
    QuoteInQuoted,
}

/// One input event after BOM, delimiter and line-end recognition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// Any byte that is not a delimiter or line end (a quote included).
    Byte(u8),
    /// A whole delimiter (one to four bytes).
    Delimiter,
    /// A line end: LF, CRLF, or (when enabled) a lone CR.
    LineEnd,
}

/// What a token completed.
enum Outcome {
    Record(RecordLines),
    Error(CsvError),
}

/// The record being skipped after a stray character behind a closing quote.
struct Stray {
    line: u64,
    field: usize,
    /// The first bytes from the stray character on, to name it whole in the error.
    bytes: Vec<u8>,
}

/// A streaming CSV record reader over any byte reader. Call [`RecordReader::next_record`],
/// then read the record's fields with [`RecordReader::fields`]; they stay valid until the
/// next call. Fields are raw bytes: decoding is the caller's choice (the comment tables
/// fall back to Windows-1252 record by record).
///
/// An error after a closing quote skips the rest of its line and leaves the reader ready
/// for the next record, so a lenient caller can go on; an unclosed quote or a read error
/// ends the input.
pub struct RecordReader<R> {
    reader: R,
    s: Splitter,
}

/// The splitting state, apart from the reader so both can be borrowed at once.
struct Splitter {
    delimiter: char,
    /// The delimiter's UTF-8 bytes (`delim[..delim_len]`).
    delim: [u8; 4],
    delim_len: usize,
    /// Whether a lone CR ends a line (classic Mac exports) or is a literal byte.
    lone_cr_ends_line: bool,
    /// Bytes of a possible BOM matched so far; `None` once the start of input is past.
    bom: Option<usize>,
    /// Bytes of a multi-byte delimiter matched so far (held back until it is whole).
    delim_matched: usize,
    /// The last byte was a CR. A following LF makes CRLF with it: one line end, already
    /// counted when a lone CR ends a line; otherwise the CR is held until the next byte says
    /// whether it is CRLF or a literal byte.
    cr_before: bool,
    /// The 1-based line of the next byte.
    line: u64,
    state: State,
    /// The current record has content (so blank lines make no records).
    started: bool,
    /// The current record is so far only unquoted ASCII whitespace on one line.
    blank: bool,
    record_line: u64,
    quote_line: u64,
    stray: Option<Stray>,
    /// The input is exhausted (or unusable after a fatal error).
    done: bool,
    /// The current record's field bytes, concatenated.
    data: Vec<u8>,
    /// End offset in `data` of each field.
    ends: Vec<usize>,
}

impl<R: BufRead> RecordReader<R> {
    /// A reader splitting at `delimiter`, with CRLF, LF and lone CR as line ends.
    pub fn new(reader: R, delimiter: char) -> Self {
        let mut delim = [0u8; 4];
        let delim_len = delimiter.encode_utf8(&mut delim).len();
        RecordReader {
            reader,
            s: Splitter {
                delimiter,
                delim,
                delim_len,
                lone_cr_ends_line: true,
                bom: Some(0),
                delim_matched: 0,
                cr_before: false,
                line: 1,
                state: State::FieldStart,
                started: false,
                blank: false,
                record_line: 1,
                quote_line: 1,
                stray: None,
                done: false,
                data: Vec::with_capacity(4096),
                ends: Vec::with_capacity(16),
            },
        }
    }

    /// Whether a lone CR ends a line (the default) or is an ordinary byte of its field: LF
    /// files whose text carries stray CRs want the latter, CR-only exports the former.
    pub fn lone_cr_ends_line(mut self, yes: bool) -> Self {
        self.s.lone_cr_ends_line = yes;
        self
    }

    /// Number of fields of the current record.
    pub fn len(&self) -> usize {
        self.s.ends.len()
    }

    /// Whether the current record has no fields (before the first record, after an error
    /// and at the end of the input).
    pub fn is_empty(&self) -> bool {
        self.s.ends.is_empty()
    }

    /// The fields of the current record, unquoted, in order.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut start = 0;
        self.s.ends.iter().map(move |&end| {
            let field = &self.s.data[start..end];
            start = end;
            field
        })
    }

    /// Reads the next record and says where it lies, or `None` at the end of the input.
    pub fn next_record(&mut self) -> Result<Option<RecordLines>, CsvError> {
        self.s.reset();
        if self.s.done {
            return Ok(None);
        }
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.s.done = true;
                    return Err(CsvError::Read {
                        line: self.s.line,
                        message: e.to_string(),
                    });
                }
            };
            if buf.is_empty() {
                self.s.done = true;
                return match self.s.finish() {
                    Some(Outcome::Record(lines)) => Ok(Some(lines)),
                    Some(Outcome::Error(e)) => Err(e),
                    None => Ok(None),
                };
            }
            let mut used = 0;
            let mut outcome = None;
            while used < buf.len() {
                // Runs of plain field bytes are copied whole; only the bytes that can
                // change the state go through the machine one by one.
                let run = self.s.plain_run(&buf[used..]);
                if run > 0 {
                    self.s.take_plain(&buf[used..used + run]);
                    used += run;
                    continue;
                }
                let b = buf[used];
                used += 1;
                outcome = self.s.feed(b);
                if outcome.is_some() {
                    break;
                }
            }
            self.reader.consume(used);
            match outcome {
                Some(Outcome::Record(lines)) => return Ok(Some(lines)),
                Some(Outcome::Error(e)) => return Err(e),
                None => {}
            }
        }
    }
}

impl Splitter {
    /// Clears the previous record (or the one an error abandoned).
    fn reset(&mut self) {
        self.data.clear();
        self.ends.clear();
        self.state = State::FieldStart;
        self.started = false;
        self.blank = false;
        self.stray = None;
    }

    /// Length of the leading run of `bytes` that is plain data in the current state.
    fn plain_run(&self, bytes: &[u8]) -> usize {
        if self.bom.is_some() || self.delim_matched > 0 || self.cr_before || self.stray.is_some() {
            return 0;
        }
        let stop = match self.state {
            State::Quoted => b'"',
            State::Unquoted => self.delim[0],
            State::FieldStart | State::QuoteInQuoted => return 0,
        };
        memchr::memchr3(stop, b'\r', b'\n', bytes).unwrap_or(bytes.len())
    }

    /// Appends a run found by `plain_run`.
    fn take_plain(&mut self, run: &[u8]) {
        if self.state == State::Unquoted && self.blank {
            self.blank = run.iter().all(u8::is_ascii_whitespace);
        }
        self.data.extend_from_slice(run);
    }

    /// First layer: drops a BOM at the start of the input, replaying a partial one.
    fn feed(&mut self, b: u8) -> Option<Outcome> {
        if let Some(n) = self.bom {
            if b == BOM[n] {
                self.bom = (n + 1 < BOM.len()).then_some(n + 1);
                return None;
            }
            self.bom = None;
            for &h in &BOM[..n] {
                // Non-ASCII bytes never end a line, so they complete nothing.
                let done = self.delimit(h);
                debug_assert!(done.is_none());
            }
        }
        self.delimit(b)
    }

    /// Second layer: recognises the delimiter, holding back the bytes of a multi-byte one
    /// until it is whole.
    fn delimit(&mut self, b: u8) -> Option<Outcome> {
        if self.delim_len == 1 {
            let token = if b == self.delim[0] {
                Token::Delimiter
            } else {
                Token::Byte(b)
            };
            return self.line_ends(token);
        }
        if b == self.delim[self.delim_matched] {
            self.delim_matched += 1;
            if self.delim_matched == self.delim_len {
                self.delim_matched = 0;
                return self.line_ends(Token::Delimiter);
            }
            return None;
        }
        let held = std::mem::take(&mut self.delim_matched);
        for k in 0..held {
            // A UTF-8 delimiter's bytes are all non-ASCII: they complete nothing.
            let done = self.line_ends(Token::Byte(self.delim[k]));
            debug_assert!(done.is_none());
        }
        if b == self.delim[0] {
            self.delim_matched = 1;
            return None;
        }
        self.line_ends(Token::Byte(b))
    }

    /// Third layer: LF, CRLF and (when enabled) a lone CR become one line end each.
    fn line_ends(&mut self, token: Token) -> Option<Outcome> {
        if std::mem::take(&mut self.cr_before) {
            match (token == Token::Byte(b'\n'), self.lone_cr_ends_line) {
                // CRLF whose line end the CR already made.
                (true, true) => return None,
                (true, false) => return self.step(Token::LineEnd),
                (false, true) => {}
                (false, false) => {
                    // A lone CR is an ordinary byte here; as ASCII that is not a line end,
                    // it completes nothing.
                    let done = self.step(Token::Byte(b'\r'));
                    debug_assert!(done.is_none());
                }
            }
        }
        match token {
            Token::Byte(b'\n') => self.step(Token::LineEnd),
            Token::Byte(b'\r') => {
                self.cr_before = true;
                if self.lone_cr_ends_line {
                    self.step(Token::LineEnd)
                } else {
                    None
                }
            }
            _ => self.step(token),
        }
    }

    /// Marks the record as started on the current line.
    fn start(&mut self) {
        if !self.started {
            self.started = true;
            self.blank = true;
            self.record_line = self.line;
        }
    }

    /// Last layer: the quoting state machine.
    fn step(&mut self, token: Token) -> Option<Outcome> {
        if let Some(stray) = &mut self.stray {
            // Skipping the rest of the line after a stray character behind a closing quote.
            match token {
                Token::LineEnd => {
                    self.line += 1;
                    let stray = self.stray.take()?;
                    return Some(Outcome::Error(self.after_quote(stray)));
                }
                Token::Byte(b) => stray.bytes.push(b),
                Token::Delimiter => stray.bytes.extend_from_slice(&self.delim[..self.delim_len]),
            }
            stray.bytes.truncate(4);
            return None;
        }
        match (self.state, token) {
            (State::Quoted, Token::Byte(b'"')) => self.state = State::QuoteInQuoted,
            (State::Quoted, Token::Byte(b)) => self.data.push(b),
            (State::Quoted, Token::Delimiter) => {
                self.data.extend_from_slice(&self.delim[..self.delim_len]);
            }
            (State::Quoted, Token::LineEnd) => {
                // A line break inside a quoted field is part of the value, always as LF.
                self.data.push(b'\n');
                self.line += 1;
            }
            (State::QuoteInQuoted, Token::Byte(b'"')) => {
                self.data.push(b'"');
                self.state = State::Quoted;
            }
            (_, Token::Delimiter) => {
                self.start();
                self.blank = false;
                self.ends.push(self.data.len());
                self.state = State::FieldStart;
            }
            (_, Token::LineEnd) => {
                let line = self.line;
                self.line += 1;
                if !self.started {
                    return None;
                }
                if self.blank {
                    // A line of whitespace only is a blank line, not a record of one field.
                    self.reset();
                    return None;
                }
                self.ends.push(self.data.len());
                self.state = State::FieldStart;
                return Some(Outcome::Record(RecordLines {
                    first: self.record_line,
                    last: line,
                }));
            }
            (State::QuoteInQuoted, Token::Byte(b)) => {
                // The field boundary is unknowable: skip to the end of the line, where
                // the next record can start.
                self.stray = Some(Stray {
                    line: self.line,
                    field: self.ends.len() + 1,
                    bytes: vec![b],
                });
            }
            (State::FieldStart, Token::Byte(b'"')) => {
                self.start();
                self.blank = false;
                self.quote_line = self.line;
                self.state = State::Quoted;
            }
            (_, Token::Byte(b)) => {
                // A quote inside an unquoted field is kept literally.
                self.start();
                if !b.is_ascii_whitespace() {
                    self.blank = false;
                }
                self.data.push(b);
                self.state = State::Unquoted;
            }
        }
        None
    }

    /// The end of the input: replays held bytes, then ends the last record.
    fn finish(&mut self) -> Option<Outcome> {
        if let Some(n) = self.bom.take() {
            for &h in &BOM[..n] {
                let done = self.delimit(h);
                debug_assert!(done.is_none());
            }
        }
        for k in 0..std::mem::take(&mut self.delim_matched) {
            let done = self.line_ends(Token::Byte(self.delim[k]));
            debug_assert!(done.is_none());
        }
        if std::mem::take(&mut self.cr_before) && !self.lone_cr_ends_line {
            // A held CR at the very end ends the last line, as a line end would.
            if let Some(outcome) = self.step(Token::LineEnd) {
                return Some(outcome);
            }
        }
        if let Some(stray) = self.stray.take() {
            return Some(Outcome::Error(self.after_quote(stray)));
        }
        match self.state {
            State::Quoted => Some(Outcome::Error(CsvError::UnclosedQuote {
                line: self.quote_line,
                record_line: self.record_line,
            })),
            _ if self.started && !self.blank => {
                self.ends.push(self.data.len());
                Some(Outcome::Record(RecordLines {
                    first: self.record_line,
                    last: self.line,
                }))
            }
            _ => None,
        }
    }

    fn after_quote(&self, stray: Stray) -> CsvError {
        CsvError::AfterQuote {
            line: stray.line,
            field: stray.field,
            found: first_char(&stray.bytes),
            delimiter: self.delimiter,
        }
    }
}

/// The first character of `bytes`: UTF-8 if it is valid there, else Windows-1252.
fn first_char(bytes: &[u8]) -> char {
    let first = bytes.utf8_chunks().next();
    first
        .and_then(|c| {
            c.valid()
                .chars()
                .next()
                .or_else(|| c.invalid().first().map(|&b| cp1252_char(b)))
        })
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        split_records(text, ',')
            .unwrap()
            .into_iter()
            .map(|r| r.fields)
            .collect()
    }

    #[test]
    fn quoted_fields_keep_delimiters_quotes_and_newlines() {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\n1,,3";
        assert_eq!(
            fields(text),
            vec![
                vec!["a", "b", "c"],
                vec!["x, y", "say \"hi\"", "two\nlines"],
                vec!["1", "", "3"],
            ]
        );
        let recs = split_records(text, ',').unwrap();
        assert_eq!(
            recs.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1, 2, 4]
        );
    }

    #[test]
    fn blank_lines_are_skipped_and_empty_quoted_field_kept() {
        assert_eq!(
            fields("a,b\n\n\"\",x\n"),
            vec![vec!["a", "b"], vec!["", "x"]]
        );
        assert_eq!(fields("\"\"\n"), vec![vec![""]]);
        assert_eq!(fields("a\tb"), vec![vec!["a\tb"]]);
    }

    #[test]
    fn literal_quote_inside_unquoted_field_is_kept() {
        assert_eq!(fields("5\" screen,x"), vec![vec!["5\" screen", "x"]]);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            split_records("a,b\n\"open\nstill open", ','),
            Err(CsvError::UnclosedQuote {
                line: 2,
                record_line: 2
            })
        );
        let err = split_records("a\n\"x\"y,z", ',').unwrap_err();
        assert_eq!(
            err,
            CsvError::AfterQuote {
                line: 2,
                field: 1,
                found: 'y',
                delimiter: ','
            }
        );
        assert!(err.to_string().starts_with("line 2:"));
    }

    type Streamed = Vec<Result<(u64, u64, Vec<String>), CsvError>>;

    /// Every record and error the streaming reader yields, going on after errors that
    /// leave it usable; `chunk` is the reader's buffer size (1 tests every boundary).
    fn stream(input: &[u8], delimiter: char, lone_cr: bool, chunk: usize) -> Streamed {
        let buffered = std::io::BufReader::with_capacity(chunk, input);
        let mut r = RecordReader::new(buffered, delimiter).lone_cr_ends_line(lone_cr);
        let mut out = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(l)) => out.push(Ok((
                    l.first,
                    l.last,
                    r.fields()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect(),
                ))),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
        out
    }

    fn ok(first: u64, last: u64, fields: &[&str]) -> Result<(u64, u64, Vec<String>), CsvError> {
        Ok((first, last, fields.iter().map(|f| f.to_string()).collect()))
    }

    #[test]
    fn streaming_reader_splits_quotes_and_line_breaks_at_any_buffer_size() {
        let input = b"a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\n\"cr\rlf\nend\",,3";
        for chunk in [1, 2, 3, 7, 4096] {
            assert_eq!(
                stream(input, ',', true, chunk),
                vec![
                    ok(1, 1, &["a", "b", "c"]),
                    ok(2, 3, &["x, y", "say \"hi\"", "two\nlines"]),
                    // The last record has no final line break.
                    ok(4, 6, &["cr\nlf\nend", "", "3"]),
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn bom_is_dropped_only_at_the_start_and_a_partial_one_is_data() {
        for chunk in [1, 2, 4096] {
            assert_eq!(
                stream(b"\xEF\xBB\xBFid,x\n1,\xEF\xBB\xBF\n", ',', true, chunk),
                vec![ok(1, 1, &["id", "x"]), ok(2, 2, &["1", "\u{feff}"])]
            );
            assert_eq!(
                stream(b"\xEF\xBBx\n", ',', true, chunk)[0],
                Ok((
                    1,
                    1,
                    vec![String::from_utf8_lossy(b"\xEF\xBBx").into_owned()]
                ))
            );
            assert_eq!(stream(b"\xEF\xBB\xBF", ',', true, chunk), vec![]);
        }
    }

    #[test]
    fn lone_cr_is_a_line_end_or_a_literal_byte_as_asked() {
        let input = b"a,b\r\nx\ry,\"p\rq\"\n";
        assert_eq!(
            stream(input, ',', false, 3),
            vec![ok(1, 1, &["a", "b"]), ok(2, 2, &["x\ry", "p\rq"])]
        );
        assert_eq!(
            stream(input, ',', true, 3),
            vec![
                ok(1, 1, &["a", "b"]),
                ok(2, 2, &["x"]),
                ok(3, 4, &["y", "p\nq"])
            ]
        );
        // A CR at the very end ends the last line in both modes.
        assert_eq!(stream(b"a\r", ',', false, 1), vec![ok(1, 1, &["a"])]);
        assert_eq!(stream(b"a\r", ',', true, 1), vec![ok(1, 1, &["a"])]);
    }

    #[test]
    fn whitespace_lines_are_blank_unless_they_hold_a_delimiter() {
        assert_eq!(
            stream(b"a\n \t \n\n,b\n\t\n", ',', true, 4096),
            vec![ok(1, 1, &["a"]), ok(4, 4, &["", "b"])]
        );
        assert_eq!(
            stream(b"a\n\t\n \n", '\t', true, 4096),
            vec![ok(1, 1, &["a"]), ok(2, 2, &["", ""])]
        );
        assert_eq!(stream(b"\" \"\n", ',', true, 4096), vec![ok(1, 1, &[" "])]);
    }

    #[test]
    fn multi_byte_delimiters_split_only_when_whole() {
        for chunk in [1, 4096] {
            assert_eq!(
                stream("a¢b§c\n\"§\"§d§".as_bytes(), '§', true, chunk),
                vec![ok(1, 1, &["a¢b", "c"]), ok(2, 2, &["§", "d", ""])]
            );
        }
    }

    #[test]
    fn stray_after_quote_skips_its_line_and_names_field_and_character() {
        let rows = stream("h\n\"x\"y,1\n2,\"ok\"é, \"z\n3\n".as_bytes(), ',', false, 2);
        assert_eq!(
            rows,
            vec![
                ok(1, 1, &["h"]),
                Err(CsvError::AfterQuote {
                    line: 2,
                    field: 1,
                    found: 'y',
                    delimiter: ','
                }),
                Err(CsvError::AfterQuote {
                    line: 3,
                    field: 2,
                    found: 'é',
                    delimiter: ','
                }),
                ok(4, 4, &["3"]),
            ]
        );
        // A stray Windows-1252 byte is named as that code page reads it.
        assert!(matches!(
            stream(b"\"x\"\xe9\n", ',', true, 4096)[0],
            Err(CsvError::AfterQuote {
                found: '\u{e9}',
                ..
            })
        ));
    }

    #[test]
    fn unclosed_quote_names_its_line_and_its_record_and_ends_the_input() {
        assert_eq!(
            stream(b"a,b\n\"x\n\",y,\"open\nz\n", ',', true, 4096),
            vec![
                ok(1, 1, &["a", "b"]),
                Err(CsvError::UnclosedQuote {
                    line: 3,
                    record_line: 2
                }),
            ]
        );
    }

    #[test]
    fn a_failing_reader_is_an_error_not_a_panic() {
        struct Broken;
        impl std::io::Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk gone"))
            }
        }
        let mut r = RecordReader::new(std::io::BufReader::new(Broken), ',');
        assert!(matches!(
            r.next_record(),
            Err(CsvError::Read { line: 1, ref message }) if message == "disk gone"
        ));
        assert_eq!(r.next_record(), Ok(None));
    }

    /// The whole-text splitter as it was before the streaming reader, with the deliberate
    /// changes made when the comment-table splitter merged into it: a leading BOM is
    /// dropped, whitespace-only lines are blank, a record that starts with a delimiter
    /// starts on its own line, and errors carry the field and the record's line.
    fn reference(text: &str, delimiter: char) -> Result<Vec<CsvRecord>, CsvError> {
        #[derive(PartialEq)]
        enum St {
            FieldStart,
            Unquoted,
            Quoted,
            QuoteInQuoted,
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut records = Vec::new();
        let mut fields: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut state = St::FieldStart;
        let (mut line, mut record_line, mut quote_line) = (1u64, 1u64, 1u64);
        let mut started = false;
        let mut quoted = false;
        let blank = |fields: &Vec<String>, field: &str, quoted: bool| {
            fields.is_empty() && !quoted && field.chars().all(|c| c.is_ascii_whitespace())
        };
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let newline = c == '\n' || c == '\r';
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            match state {
                St::Quoted => {
                    if c == '"' {
                        state = St::QuoteInQuoted;
                    } else if newline {
                        field.push('\n');
                    } else {
                        field.push(c);
                    }
                }
                St::QuoteInQuoted if c == '"' => {
                    field.push('"');
                    state = St::Quoted;
                }
                St::FieldStart | St::Unquoted | St::QuoteInQuoted => {
                    if !started && !newline {
                        record_line = line;
                    }
                    if c == delimiter {
                        fields.push(std::mem::take(&mut field));
                        state = St::FieldStart;
                        started = true;
                    } else if newline {
                        if started && !blank(&fields, &field, quoted) {
                            fields.push(std::mem::take(&mut field));
                            records.push(CsvRecord {
                                line: record_line,
                                fields: std::mem::take(&mut fields),
                            });
                        }
                        (started, quoted) = (false, false);
                        field.clear();
                        fields.clear();
                        state = St::FieldStart;
                    } else if state == St::QuoteInQuoted {
                        return Err(CsvError::AfterQuote {
                            line,
                            field: fields.len() + 1,
                            found: c,
                            delimiter,
                        });
                    } else if c == '"' && state == St::FieldStart {
                        (started, quoted) = (true, true);
                        quote_line = line;
                        state = St::Quoted;
                    } else {
                        started = true;
                        field.push(c);
                        state = St::Unquoted;
                    }
                }
            }
            if newline {
                line += 1;
            }
        }
        match state {
            St::Quoted => {
                return Err(CsvError::UnclosedQuote {
                    line: quote_line,
                    record_line,
                });
            }
            _ if started && !blank(&fields, &field, quoted) => {
                fields.push(field);
                records.push(CsvRecord {
                    line: record_line,
                    fields,
                });
            }
            _ => {}
        }
        Ok(records)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The streaming splitter agrees with the whole-text reference on any input, and
        /// the reader's buffer size never changes what it yields.
        #[test]
        fn streaming_agrees_with_the_whole_text_reference(
            text in "\u{feff}?[ab,;\"\r\n \t§¢é]{0,40}",
            delimiter in proptest::sample::select(vec![',', ';', '\t', '§']),
            chunk in 1usize..6,
        ) {
            proptest::prop_assert_eq!(split_records(&text, delimiter), reference(&text, delimiter));
            proptest::prop_assert_eq!(
                stream(text.as_bytes(), delimiter, true, chunk),
                stream(text.as_bytes(), delimiter, true, 4096)
            );
            proptest::prop_assert_eq!(
                stream(text.as_bytes(), delimiter, false, chunk),
                stream(text.as_bytes(), delimiter, false, 4096)
            );
        }

        /// Arbitrary bytes (not UTF-8), read in small pieces, never panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64), lone_cr: bool) {
            let _ = stream(&bytes, ',', lone_cr, 3);
        }
    }
}
