//! Internet Argument Corpus v1 discussions (format `iac`): `[posts, annotations, meta]`,
//! each post `[id, side, author, raw_text, annotations, parent_post_id, category, timestamp]`.
//!
//! Every post, the opening one included, becomes a comment (the opening post is the root of
//! the reply tree); the discussion's title and URL go to the thread's post. When the
//! matching quotes file sits beside the discussion (`quotes-<id>.json` next to
//! `discussion-<id>.json`, or `ranges/quotes/<id>.json` as in the corpus' own layout), its
//! spans `[post_id, [start, end, {quote_id, author}]]` are kept in the quoting post's
//! `meta["quotes"]` as a JSON array of `{quote_id, start, end, author}` (offsets are
//! characters of the source's raw text). A post with no parent id that quotes a post of
//! the discussion is linked to it with `reply_link.kind = "quote"`. Chains run hundreds of
//! posts deep; nothing here recurses over them.

use super::detect::extension;
use super::table::check_duplicates;
use super::{IngestOptions, InputFile, ReadOutput, Reader};
use crate::error::IngestError;
use crate::model::{
    AuthorSource, Comment, Format, IngestStats, LinkKind, Post, ReplyLink, Thread, Timestamp,
    parse_timestamp,
};
use crate::text::normalize_paragraphs;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// Reader for IAC v1 discussion files.
pub struct IacReader;

impl Reader for IacReader {
    fn format(&self) -> Format {
        Format::Iac
    }

    fn sniff(&self, input: &InputFile, head: &str) -> u8 {
        if input.is_dir || !matches!(extension(input).as_str(), "json" | "") {
            return 0;
        }
        if is_discussion(head) { 70 } else { 0 }
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        read_discussion(input, opts)
    }
}

/// `[[[<number>,` — an array of posts whose first post starts with its numeric id.
fn is_discussion(head: &str) -> bool {
    let compact: String = head
        .chars()
        .take(200)
        .filter(|c| !c.is_whitespace())
        .collect();
    compact
        .strip_prefix("[[[")
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn malformed(
    path: PathBuf,
    record: Option<u64>,
    line: Option<u64>,
    message: String,
) -> IngestError {
    IngestError::Malformed {
        path,
        line,
        record,
        message,
    }
}

/// The quotes file for a discussion file, if one exists beside it.
fn quotes_path(input: &InputFile) -> Option<PathBuf> {
    let stem = input.path.file_stem()?.to_string_lossy().into_owned();
    let dir = input.path.parent()?;
    let mut candidates = Vec::new();
    if let Some(id) = stem.strip_prefix("discussion-") {
        candidates.push(dir.join(format!("quotes-{id}.json")));
    }
    if let Some(corpus) = dir.parent() {
        candidates.push(
            corpus
                .join("ranges")
                .join("quotes")
                .join(format!("{stem}.json")),
        );
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// One quote span: who quoted whom, where.
struct Quote {
    quote_id: Option<String>,
    start: Value,
    end: Value,
    author: Option<String>,
}

/// Reads the quotes file into spans by quoting post; odd entries are counted, not fatal.
fn read_quotes(
    path: PathBuf,
    opts: &IngestOptions,
) -> Result<(HashMap<String, Vec<Quote>>, u64), IngestError> {
    let text = InputFile::from_path(&path, true).text(&opts.limits)?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        malformed(
            path.clone(),
            None,
            Some(e.line() as u64),
            format!("expected an IAC quotes file ([[post_id, [start, end, {{quote_id, author}}]], …]): {e}"),
        )
    })?;
    let Value::Array(entries) = doc else {
        return Err(malformed(path, None, None, "expected an IAC quotes file: a JSON array of [post_id, [start, end, {quote_id, author}]]".into()));
    };
    let mut by_post: HashMap<String, Vec<Quote>> = HashMap::new();
    let mut odd = 0;
    for e in &entries {
        let parsed = (|| {
            let post = id_text(e.get(0)?)?;
            let span = e.get(1)?;
            let info = span.get(2).and_then(Value::as_object);
            Some((
                post,
                Quote {
                    quote_id: info.and_then(|i| i.get("quote_id")).and_then(id_text),
                    start: span.get(0)?.clone(),
                    end: span.get(1)?.clone(),
                    author: info
                        .and_then(|i| i.get("author"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                },
            ))
        })();
        match parsed {
            Some((post, q)) => by_post.entry(post).or_default().push(q),
            None => odd += 1,
        }
    }
    Ok((by_post, odd))
}

fn read_discussion(input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
    let text = input.text(&opts.limits)?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        malformed(
            input.path.clone(),
            None,
            Some(e.line() as u64),
            format!("expected an IAC discussion ([posts, annotations, meta]): {e}"),
        )
    })?;
    let Some(posts) = doc.get(0).and_then(Value::as_array) else {
        return Err(malformed(
            input.path.clone(),
            None,
            None,
            "expected an IAC discussion: a JSON array whose first element is the array of posts"
                .into(),
        ));
    };
    let name = input.display_name();
    let mut stats = IngestStats::default();
    let mut thread = Thread::new(input.stem_id(), name.clone(), Format::Iac);
    if let Some(meta) = doc.get(2).and_then(Value::as_object) {
        let title = meta
            .get("title")
            .and_then(Value::as_str)
            .map(|t| match t.split_once(" - ") {
                Some((site, rest)) if site.contains("4Forums") => {
                    thread.post.site = Some(site.trim().to_string());
                    rest.trim().to_string()
                }
                _ => t.trim().to_string(),
            });
        thread.post = Post {
            title,
            url: meta.get("url").and_then(Value::as_str).map(str::to_string),
            ..std::mem::take(&mut thread.post)
        };
    }
    for (k, p) in posts.iter().enumerate() {
        let record = k as u64 + 1;
        stats.read += 1;
        let fields = p.as_array();
        let id = fields.and_then(|f| f.first()).and_then(id_text);
        let (Some(f), Some(id)) = (fields, id) else {
            let message = format!(
                "post {record}: expected [id, side, author, raw_text, annotations, parent_post_id, category, timestamp]"
            );
            if !opts.lenient {
                return Err(malformed(input.path.clone(), Some(record), None, message));
            }
            stats.skipped += 1;
            stats.warnings.push(format!("{name}: {message}; skipped"));
            continue;
        };
        let raw = f.get(3).and_then(Value::as_str).unwrap_or("");
        let position = thread.comments.len() as u32 + 1;
        let mut c = Comment::new(id, position, normalize_paragraphs(raw.to_string()));
        if let Some(a) = f.get(2).and_then(Value::as_str).filter(|a| !a.is_empty()) {
            c.author = Some(a.to_string());
            c.author_source = Some(AuthorSource::Explicit);
        }
        if let Some(parent) = f.get(5).and_then(id_text) {
            c.parent_id = Some(parent);
            c.reply_link = ReplyLink::EXPLICIT;
        }
        c.timestamp = match f.get(7) {
            Some(Value::Number(n)) => n.as_f64().map(|x| Timestamp(x.floor() as i64)),
            Some(Value::String(s)) => parse_timestamp(s),
            _ => None,
        };
        for (i, key) in [(1, "side"), (6, "category")] {
            match f.get(i) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => {
                    c.meta.insert(key.into(), s.clone());
                }
                Some(v) => {
                    c.meta.insert(key.into(), v.to_string());
                }
            }
        }
        if let Some(ann) = f
            .get(4)
            .filter(|a| a.as_object().is_some_and(|o| !o.is_empty()))
        {
            c.meta.insert("annotations".into(), ann.to_string());
        }
        thread.comments.push(c);
        stats.parsed += 1;
    }
    if let Some(qpath) = quotes_path(input) {
        let (mut quotes, odd) = read_quotes(qpath.clone(), opts)?;
        let ids: HashSet<String> = thread.comments.iter().map(|c| c.id.clone()).collect();
        let mut linked = 0;
        for c in &mut thread.comments {
            let Some(qs) = quotes.remove(&c.id) else {
                continue;
            };
            if c.parent_id.is_none() {
                if let Some(target) = qs
                    .iter()
                    .filter_map(|q| q.quote_id.as_ref())
                    .find(|q| **q != c.id && ids.contains(*q))
                {
                    c.parent_id = Some(target.clone());
                    c.reply_link = ReplyLink {
                        kind: LinkKind::Quote,
                        confidence: 0.9,
                    };
                    linked += 1;
                }
            }
            let arr: Vec<Value> = qs
                .into_iter()
                .map(|q| {
                    serde_json::json!({
                        "quote_id": q.quote_id,
                        "start": q.start,
                        "end": q.end,
                        "author": q.author,
                    })
                })
                .collect();
            c.meta
                .insert("quotes".into(), Value::Array(arr).to_string());
        }
        let orphans: usize = quotes.values().map(Vec::len).sum();
        let qname = qpath.display();
        if orphans > 0 || odd > 0 {
            stats.warnings.push(format!(
                "{qname}: {orphans} quote spans name posts that are not in {name}, {odd} entries could not be read"
            ));
        }
        if linked > 0 {
            let w =
                format!("{linked} posts without a parent id were linked to the post they quote");
            stats.warnings.push(format!("{name}: {w}"));
            thread.warnings.push(w);
        }
    }
    let mut threads = vec![thread];
    check_duplicates(&mut threads, input, opts.lenient, &mut stats)?;
    Ok(ReadOutput { threads, stats })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_discussions_not_quotes() {
        assert!(is_discussion("[[[223815, null, \"chloe\""));
        assert!(!is_discussion("[[223873, [0, 557, {}]]]"));
    }
}
