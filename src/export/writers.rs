//! One writer per output format. Parquet and IPC keep list and nullable columns as they are;
//! CSV joins lists with `;` and, unless asked not to, defuses spreadsheet formulas.

use super::{ExportError, OutputFormat};
use polars::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Options of the table writers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Prefix CSV cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
    /// carriage return) with `'`.
    pub csv_protect: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { csv_protect: true }
    }
}

/// Separator between list items in CSV cells.
pub const CSV_LIST_SEPARATOR: &str = ";";

/// Writes one frame to `path` in `format`.
pub fn write_frame(
    df: &mut DataFrame,
    path: &Path,
    format: OutputFormat,
    opts: &WriteOptions,
) -> Result<(), ExportError> {
    let file = File::create(path).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let polars_err = |source| ExportError::Write {
        path: path.to_path_buf(),
        format,
        source,
    };
    let mut out = BufWriter::new(file);
    match format {
        OutputFormat::Parquet => write_parquet(df, &mut out),
        OutputFormat::Ipc => write_ipc(df, &mut out),
        OutputFormat::Ndjson => write_ndjson(df, &mut out),
        OutputFormat::Csv => write_csv(df, &mut out, opts),
    }
    .map_err(polars_err)?;
    out.flush().map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Parquet (snappy, as pandas and pyarrow write it), one row group up to 512² rows, column
/// statistics on. zstd made the files two fifths smaller but took a third of the table
/// stage's time.
pub fn write_parquet(df: &mut DataFrame, out: &mut impl Write) -> PolarsResult<()> {
    ParquetWriter::new(out)
        .with_compression(ParquetCompression::Snappy)
        .finish(df)
        .map(|_| ())
}

/// Arrow IPC file (Feather v2), uncompressed so every Arrow reader opens it.
pub fn write_ipc(df: &mut DataFrame, out: &mut impl Write) -> PolarsResult<()> {
    IpcWriter::new(out).finish(df)
}

/// One JSON object per row.
pub fn write_ndjson(df: &mut DataFrame, out: &mut impl Write) -> PolarsResult<()> {
    JsonWriter::new(out)
        .with_json_format(JsonFormat::JsonLines)
        .finish(df)
}

/// CSV with a header; list columns joined with [`CSV_LIST_SEPARATOR`].
pub fn write_csv(df: &DataFrame, out: &mut impl Write, opts: &WriteOptions) -> PolarsResult<()> {
    let mut flat = csv_ready(df, opts.csv_protect)?;
    CsvWriter::new(out).include_header(true).finish(&mut flat)
}

/// A cell a spreadsheet would evaluate, made inert by a leading `'`. A plain signed number
/// (`-5`, `+3`, `-1.25`) is left alone: spreadsheets read it as the number it is and nothing
/// runs, while `-2+3`, `-cmd|…` or a lone `-` are still prefixed.
pub fn protect_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_signed_number(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// `-5`, `+3.0`, `-0.25`: a sign, digits and at most one decimal point, nothing else.
fn is_plain_signed_number(cell: &str) -> bool {
    let Some(rest) = cell.strip_prefix(['-', '+']) else {
        return false;
    };
    let mut digits = 0;
    let mut points = 0;
    for c in rest.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

/// The frame with list columns joined into strings and, when `protect`, string cells defused.
pub fn csv_ready(df: &DataFrame, protect: bool) -> PolarsResult<DataFrame> {
    let mut columns = Vec::with_capacity(df.width());
    for col in df.columns() {
        let name = col.name().clone();
        let strings: Option<Vec<Option<String>>> = match col.dtype() {
            DataType::List(_) => {
                let mut rows = Vec::with_capacity(col.len());
                for item in col.list()?.series_iter() {
                    rows.push(match item {
                        Some(s) => {
                            let s = s.cast(&DataType::String)?;
                            let parts: Vec<&str> = s.str()?.iter().flatten().collect();
                            Some(parts.join(CSV_LIST_SEPARATOR))
                        }
                        None => None,
                    });
                }
                Some(rows)
            }
            DataType::String if protect => {
                Some(col.str()?.iter().map(|v| v.map(str::to_string)).collect())
            }
            _ => None,
        };
        columns.push(match strings {
            Some(mut rows) => {
                if protect {
                    for cell in rows.iter_mut().flatten() {
                        if let std::borrow::Cow::Owned(p) = protect_cell(cell) {
                            *cell = p;
                        }
                    }
                }
                Column::new(name, rows)
            }
            None => col.clone(),
        });
    }
    DataFrame::new(df.height(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_prefixed_and_plain_ones_kept() {
        for (cell, want) in [
            ("=1+1", "'=1+1"),
            ("+x", "'+x"),
            ("-2", "-2"),
            ("-1.25", "-1.25"),
            ("+3", "+3"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("-.", "'-."),
            ("-1.2.3", "'-1.2.3"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(protect_cell(cell), want);
        }
    }

    #[test]
    fn csv_joins_lists_and_protects_strings_but_not_numbers() {
        let mut b = ListStringChunkedBuilder::new("flags".into(), 3, 3);
        b.append_values_iter(["a", "-b"].into_iter());
        b.append_null();
        b.append_values_iter(std::iter::empty());
        let df = DataFrame::new(
            3,
            vec![
                Column::new("text".into(), ["=cmd", "ok", "-x"]),
                Column::new("n".into(), [-1i64, 2, 3]),
                Column::from(b.finish().into_series()),
            ],
        )
        .unwrap();
        let mut out = Vec::new();
        write_csv(&df, &mut out, &WriteOptions { csv_protect: true }).unwrap();
        let csv = String::from_utf8(out).unwrap();
        // A null list (analysis not run) is an empty cell, an empty list an empty string.
        assert_eq!(csv, "text,n,flags\n'=cmd,-1,a;-b\nok,2,\n'-x,3,\"\"\n");
        let mut out = Vec::new();
        write_csv(&df, &mut out, &WriteOptions { csv_protect: false }).unwrap();
        let csv = String::from_utf8(out).unwrap();
        assert!(csv.starts_with("text,n,flags\n=cmd,-1,a;-b\n"), "{csv}");
    }
}
