//! The crate's CSV record splitter (RFC 4180 plus the habits of real exports): quoted fields
//! with embedded delimiters, doubled quotes and line breaks; CRLF, LF or CR line ends.
//!
//! It is one function on purpose, so that every CSV consumer (labelled stance pairs, comment
//! tables) shares the same quoting rules. It splits; it does not interpret columns.

/// One CSV record: its fields and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// 1-based line of the input where the record starts.
    pub line: u64,
    /// The fields, unquoted, with doubled quotes made single.
    pub fields: Vec<String>,
}

/// Why CSV text could not be split into records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// A quoted field is still open at the end of the input.
    #[error("line {line}: quoted field never closed (opened on this line)")]
    UnclosedQuote {
        /// Line where the quote opened.
        line: u64,
    },
    /// Something other than a delimiter or line end follows a closing quote.
    #[error(
        "line {line}: unexpected {found:?} after a closing quote (expected {delimiter:?} or end of line)"
    )]
    AfterQuote {
        /// Line of the stray character.
        line: u64,
        /// The character found.
        found: char,
        /// The delimiter in force.
        delimiter: char,
    },
}

/// Splits `text` into records. Blank lines between records are skipped. A quote inside an
/// unquoted field is kept literally (as most exporters mean it); a stray character after a
/// closing quote is an error because the field boundary is then unknowable.
pub fn split_records(text: &str, delimiter: char) -> Result<Vec<CsvRecord>, CsvError> {
    #[derive(PartialEq)]
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
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut state = State::FieldStart;
    let mut line: u64 = 1;
    let mut record_line: u64 = 1;
    let mut quote_line: u64 = 1;
    // True once the current record has any content (so blank lines make no empty records).
    let mut started = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let newline = c == '\n' || c == '\r';
        if c == '\r' && chars.peek() == Some(&'\n') {
            // CRLF counts as one line end; the '\n' is consumed here.
            chars.next();
        }
        match state {
            State::Quoted => {
                if c == '"' {
                    state = State::QuoteInQuoted;
                } else if newline {
                    field.push('\n');
                } else {
                    field.push(c);
                }
            }
            State::QuoteInQuoted if c == '"' => {
                field.push('"');
                state = State::Quoted;
            }
            State::FieldStart | State::Unquoted | State::QuoteInQuoted => {
                if c == delimiter {
                    fields.push(std::mem::take(&mut field));
                    state = State::FieldStart;
                    started = true;
                } else if newline {
                    if started || !field.is_empty() || state == State::QuoteInQuoted {
                        fields.push(std::mem::take(&mut field));
                        records.push(CsvRecord {
                            line: record_line,
                            fields: std::mem::take(&mut fields),
                        });
                    }
                    started = false;
                    state = State::FieldStart;
                } else if state == State::QuoteInQuoted {
                    return Err(CsvError::AfterQuote {
                        line,
                        found: c,
                        delimiter,
                    });
                } else if c == '"' && state == State::FieldStart {
                    if !started {
                        record_line = line;
                    }
                    started = true;
                    quote_line = line;
                    state = State::Quoted;
                } else {
                    if !started {
                        record_line = line;
                    }
                    started = true;
                    field.push(c);
                    state = State::Unquoted;
                }
            }
        }
        if newline {
            line += 1;
        }
    }
    match state {
        State::Quoted => return Err(CsvError::UnclosedQuote { line: quote_line }),
        _ if started || !field.is_empty() => {
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
            Err(CsvError::UnclosedQuote { line: 2 })
        );
        let err = split_records("a\n\"x\"y,z", ',').unwrap_err();
        assert_eq!(
            err,
            CsvError::AfterQuote {
                line: 2,
                found: 'y',
                delimiter: ','
            }
        );
        assert!(err.to_string().starts_with("line 2:"));
    }
}
