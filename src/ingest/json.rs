//! JSON documents of any nesting depth. `serde_json` parses (and `Value` drops) by
//! recursion and stops at 128 levels, which a deep reply chain nested as `children` or
//! `replies` exceeds (an Algolia item nests two levels per reply). Documents within the
//! limit go through `serde_json`; deeper ones through an iterative parser here, and every
//! document is dropped iteratively.

use serde_json::{Map, Value};

/// Where and why a document is not valid JSON.
#[derive(Debug)]
pub struct JsonError {
    /// 1-based line of the problem.
    pub line: u64,
    /// What was wrong.
    pub message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses a JSON document, however deeply nested.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => parse_iterative(text),
        Err(e) => Err(JsonError {
            line: e.line() as u64,
            message: e.to_string(),
        }),
    }
}

/// Drops a value without recursion (the default drop of a 100,000-deep value overflows).
pub fn drop_deep(v: Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(m) => stack.extend(m.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

enum Frame {
    Array(Vec<Value>),
    Object(Map<String, Value>, String),
}

fn error_at(text: &str, pos: usize, message: impl Into<String>) -> JsonError {
    let line = text.as_bytes()[..pos.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1;
    let line_start = text[..pos.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    JsonError {
        line,
        message: format!(
            "{} at line {line} column {}",
            message.into(),
            pos - line_start + 1
        ),
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string literal starting at `i` (a `"`).
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

fn parse_string(text: &str, i: usize) -> Result<(String, usize), JsonError> {
    let b = text.as_bytes();
    let end = string_end(b, i).ok_or_else(|| error_at(text, i, "EOF while parsing a string"))?;
    let s: String = serde_json::from_str(&text[i..end])
        .map_err(|e| error_at(text, i, format!("invalid string: {e}")))?;
    Ok((s, end))
}

/// An explicit-stack parser producing the same values as `serde_json::from_str`.
fn parse_iterative(text: &str) -> Result<Value, JsonError> {
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    loop {
        // Expect a value.
        i = skip_ws(b, i);
        let Some(&c) = b.get(i) else {
            return Err(error_at(text, i, "EOF while parsing a value"));
        };
        let mut value = match c {
            b'{' => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b'}') {
                    i += 1;
                    Value::Object(Map::new())
                } else {
                    let key = object_key(text, &mut i)?;
                    stack.push(Frame::Object(Map::new(), key));
                    continue;
                }
            }
            b'[' => {
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&b']') {
                    i += 1;
                    Value::Array(Vec::new())
                } else {
                    stack.push(Frame::Array(Vec::new()));
                    continue;
                }
            }
            b'"' => {
                let (s, end) = parse_string(text, i)?;
                i = end;
                Value::String(s)
            }
            _ => {
                let start = i;
                while i < b.len()
                    && matches!(b[i], b'-' | b'+' | b'.' | b'0'..=b'9' | b'e' | b'E' | b'a'..=b'z')
                {
                    i += 1;
                }
                serde_json::from_str(&text[start..i])
                    .map_err(|_| error_at(text, start, "expected a JSON value"))?
            }
        };
        // Attach the value to its container; close containers that end here.
        loop {
            let Some(frame) = stack.last_mut() else {
                let end = skip_ws(b, i);
                if end != b.len() {
                    return Err(error_at(text, end, "trailing characters"));
                }
                return Ok(value);
            };
            i = skip_ws(b, i);
            match frame {
                Frame::Array(items) => {
                    items.push(value);
                    match b.get(i) {
                        Some(b',') => {
                            i += 1;
                            break;
                        }
                        Some(b']') => {
                            i += 1;
                            let Some(Frame::Array(items)) = stack.pop() else {
                                unreachable!("top frame is an array")
                            };
                            value = Value::Array(items);
                        }
                        _ => return Err(error_at(text, i, "expected ',' or ']'")),
                    }
                }
                Frame::Object(map, key) => {
                    map.insert(std::mem::take(key), value);
                    match b.get(i) {
                        Some(b',') => {
                            i = skip_ws(b, i + 1);
                            *key = object_key(text, &mut i)?;
                            break;
                        }
                        Some(b'}') => {
                            i += 1;
                            let Some(Frame::Object(map, _)) = stack.pop() else {
                                unreachable!("top frame is an object")
                            };
                            value = Value::Object(map);
                        }
                        _ => return Err(error_at(text, i, "expected ',' or '}'")),
                    }
                }
            }
        }
    }
}

/// Reads `"key"` and the `:` after it, leaving `i` at the value.
fn object_key(text: &str, i: &mut usize) -> Result<String, JsonError> {
    let b = text.as_bytes();
    if b.get(*i) != Some(&b'"') {
        return Err(error_at(text, *i, "expected an object key (a string)"));
    }
    let (key, end) = parse_string(text, *i)?;
    let j = skip_ws(b, end);
    if b.get(j) != Some(&b':') {
        return Err(error_at(text, j, "expected ':'"));
    }
    *i = j + 1;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterative_parser_agrees_with_serde() {
        let doc =
            r#" {"a": [1, -2.5e3, true, null, "x\"\u00e9"], "b": {}, "c": [], "d": {"e": [[]]}} "#;
        assert_eq!(
            parse_iterative(doc).unwrap(),
            serde_json::from_str::<Value>(doc).unwrap()
        );
        for bad in ["{\"a\" 1}", "[1,", "[1 2]", "{\"a\":1} x", "\"open"] {
            assert!(parse_iterative(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_and_drops_100k_levels() {
        let n = 100_000;
        let doc = format!("{}{}", "[".repeat(n), "]".repeat(n));
        let v = parse(&doc).unwrap();
        drop_deep(v);
        let err = parse(&format!("{}1", "[".repeat(n))).unwrap_err();
        assert!(
            err.message.contains("expected ',' or ']'"),
            "{}",
            err.message
        );
    }
}
