//! Reddit (format `reddit`): a comments page as the API returns it (`/comments/<id>.json`:
//! `[link Listing, comment Listing]`, replies nested under `replies`) and Pushshift-style
//! NDJSON (one comment or submission object a line, `t1_`/`t3_` prefixed `parent_id` and
//! `link_id`; one thread per `link_id`).
//!
//! Ids lose their type prefix (`t1_fojx728` → `fojx728`); a parent that is the link (`t3_`)
//! makes a top-level comment. "more" stubs are not comments but are counted: each adds its
//! `count` (at least its listed ids, at least 1 for a "continue this thread" stub) to the
//! thread's `known_missing`. Bodies are markdown with `&`, `<`, `>` escaped, which are
//! decoded once; `[deleted]`/`[removed]` bodies get status `deleted`. Scalar fields without a
//! place in the model (score, controversiality, labels such as `violated_rule` or `delta`)
//! are kept in `meta`. Nested replies are walked with an explicit stack.

use super::detect::extension;
use super::table::check_duplicates;
use super::{IngestOptions, InputFile, ReadOutput, Reader};
use crate::error::IngestError;
use crate::model::{
    AuthorSource, Comment, CommentStatus, Format, IngestStats, LineRange, Post, ReplyLink,
    SourceStatus, Thread, Timestamp, parse_timestamp,
};
use crate::text::markup::decode_entities;
use crate::text::normalize_paragraphs;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::BufRead;

/// Reader for reddit comment pages and Pushshift NDJSON.
pub struct RedditReader;

impl Reader for RedditReader {
    fn format(&self) -> Format {
        Format::Reddit
    }

    fn sniff(&self, input: &InputFile, head: &str) -> u8 {
        if input.is_dir {
            return 0;
        }
        let ext = extension(input);
        if matches!(ext.as_str(), "json" | "") && is_listing(head) {
            return 80;
        }
        if matches!(ext.as_str(), "json" | "jsonl" | "ndjson" | "") && is_pushshift(head) {
            return 60;
        }
        0
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        let head = input.head(4096)?;
        let head = String::from_utf8_lossy(&head);
        if is_listing(&head) {
            read_page(input, opts)
        } else {
            read_ndjson(input, opts)
        }
    }
}

/// A reddit API listing: `"kind": "Listing"` near the start.
fn is_listing(head: &str) -> bool {
    let start: String = head
        .chars()
        .take(400)
        .filter(|c| !c.is_whitespace())
        .collect();
    start.contains("\"kind\":\"Listing\"")
}

/// One of the first lines is a reddit comment (prefixed `link_id` and `parent_id`) or
/// submission (`name` starting `t3_`).
fn is_pushshift(head: &str) -> bool {
    head.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(5)
        .any(|line| {
            let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            let comment = compact.contains("\"link_id\":\"t3_")
                && (compact.contains("\"parent_id\":\"t1_")
                    || compact.contains("\"parent_id\":\"t3_"));
            compact.starts_with('{') && (comment || compact.contains("\"name\":\"t3_"))
        })
}

/// Strips a reddit type prefix (`t1_`, `t3_`, …).
fn strip_prefix(id: &str) -> &str {
    match id.as_bytes() {
        [b't', d, b'_', ..] if d.is_ascii_digit() => &id[3..],
        _ => id,
    }
}

/// Fields that duplicate model fields or only describe the web page's UI state.
const NOT_META: &[&str] = &[
    "id",
    "name",
    "body",
    "body_html",
    "author",
    "author_name",
    "parent_id",
    "link_id",
    "created",
    "created_utc",
    "permalink",
    "replies",
    "depth",
    "count",
    "children",
    "author_fullname",
    "subreddit_id",
    "subreddit_name_prefixed",
    "subreddit_type",
    "author_flair_type",
    "author_flair_background_color",
    "author_flair_text_color",
    "author_flair_template_id",
    "author_flair_css_class",
    "author_patreon_flair",
    "author_premium",
    "can_gild",
    "can_mod_post",
    "send_replies",
    "no_follow",
    "saved",
    "collapsed_because_crowd_control",
    "total_awards_received",
    "title",
];

/// A JSON scalar as meta text; `None` for null, empty strings and nested values.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn str_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn time_field(obj: &Map<String, Value>) -> Option<Timestamp> {
    match obj.get("created_utc")? {
        Value::Number(n) => n.as_f64().map(|f| Timestamp(f.floor() as i64)),
        Value::String(s) => parse_timestamp(s),
        _ => None,
    }
}

/// One comment object (`data` of a `t1` thing, or a Pushshift line) to a comment.
fn comment_from(
    obj: &Map<String, Value>,
    position: u32,
    nest_parent: Option<&str>,
) -> Option<Comment> {
    let id = str_field(obj, "id")
        .or_else(|| str_field(obj, "name").map(strip_prefix))?
        .to_string();
    let raw = str_field(obj, "body").unwrap_or("");
    let deleted = matches!(raw, "[deleted]" | "[removed]");
    let text = normalize_paragraphs(decode_entities(raw).into_owned());
    let mut c = Comment::new(id, position, text);
    let parent = match str_field(obj, "parent_id") {
        Some(p) if p.starts_with("t3_") => None,
        Some(p) => Some(strip_prefix(p).to_string()),
        None => nest_parent.map(str::to_string),
    };
    if let Some(p) = parent {
        c.parent_id = Some(p);
        c.reply_link = ReplyLink::EXPLICIT;
    }
    let author = str_field(obj, "author").or_else(|| str_field(obj, "author_name"));
    if let Some(a) = author.filter(|a| *a != "[deleted]" && *a != "[removed]") {
        c.author = Some(a.to_string());
        c.author_source = Some(AuthorSource::Explicit);
    }
    c.timestamp = time_field(obj);
    if deleted {
        c.status = SourceStatus::Deleted;
    }
    if let Some(p) = str_field(obj, "permalink") {
        c.url = Some(format!("https://www.reddit.com{p}"));
    }
    for (k, v) in obj {
        if NOT_META.contains(&k.as_str()) {
            continue;
        }
        if let Some(t) = scalar_text(v) {
            c.meta.insert(k.clone(), t);
        }
    }
    Some(c)
}

/// The link (`t3`) object to the thread's post.
fn post_from(obj: &Map<String, Value>) -> Post {
    let selftext = str_field(obj, "selftext").unwrap_or("");
    let body = normalize_paragraphs(decode_entities(selftext).into_owned());
    Post {
        title: str_field(obj, "title").map(|t| decode_entities(t).into_owned()),
        byline: str_field(obj, "author").map(str::to_string),
        site: str_field(obj, "subreddit_name_prefixed")
            .map(str::to_string)
            .or_else(|| str_field(obj, "subreddit").map(|s| format!("r/{s}"))),
        date: None,
        timestamp: time_field(obj),
        url: str_field(obj, "permalink")
            .map(|p| format!("https://www.reddit.com{p}"))
            .or_else(|| str_field(obj, "url").map(str::to_string)),
        paragraphs: body
            .split("\n\n")
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

fn malformed(input: &InputFile, line: Option<u64>, message: String) -> IngestError {
    IngestError::Malformed {
        path: input.path.clone(),
        line,
        record: None,
        message,
    }
}

/// How many comments a "more" stub stands for.
fn more_count(data: &Map<String, Value>) -> u64 {
    let count = data.get("count").and_then(Value::as_u64).unwrap_or(0);
    let ids = data
        .get("children")
        .and_then(Value::as_array)
        .map_or(0, |a| a.len() as u64);
    count.max(ids).max(1)
}

fn read_page(input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
    let text = input.text(&opts.limits)?;
    let doc: Value = super::json::parse(&text).map_err(|e| {
        malformed(
            input,
            Some(e.line),
            format!("expected a reddit comments page ([link Listing, comment Listing]): {e}"),
        )
    })?;
    let out = page_threads(input, opts, &doc);
    // Dropped by hand: deeply nested replies would overflow the stack in the default drop.
    super::json::drop_deep(doc);
    out
}

fn page_threads(
    input: &InputFile,
    opts: &IngestOptions,
    doc: &Value,
) -> Result<ReadOutput, IngestError> {
    fn listing_children(v: &Value) -> Option<&Vec<Value>> {
        v.get("data")?.get("children")?.as_array()
    }
    let (link, comments) = match doc {
        Value::Array(parts) if parts.len() == 2 => {
            let link = listing_children(&parts[0])
                .and_then(|c| c.first())
                .and_then(|t| t.get("data").and_then(Value::as_object));
            (link, listing_children(&parts[1]))
        }
        Value::Object(_) => (None, listing_children(doc)),
        _ => (None, None),
    };
    let Some(top) = comments else {
        return Err(malformed(
            input,
            None,
            "expected a reddit comments page: an array of two Listings (the link, then the comments) or one comment Listing".into(),
        ));
    };
    let mut stats = IngestStats::default();
    let thread_id = link
        .and_then(|l| str_field(l, "id").map(str::to_string))
        .or_else(|| {
            top.iter().find_map(|t| {
                t.get("data")?
                    .get("link_id")?
                    .as_str()
                    .map(|s| strip_prefix(s).to_string())
            })
        })
        .unwrap_or_else(|| input.stem_id());
    let mut thread = Thread::new(thread_id, input.display_name(), Format::Reddit);
    if let Some(l) = link {
        thread.post = post_from(l);
        // An archived or locked link takes no more comments.
        let closed = ["archived", "locked"]
            .iter()
            .any(|k| l.get(*k).and_then(Value::as_bool).unwrap_or(false));
        thread.comment_status = if closed {
            CommentStatus::Closed
        } else {
            CommentStatus::Open
        };
        thread.header_count = l
            .get("num_comments")
            .and_then(Value::as_u64)
            .map(|n| n.min(u64::from(u32::MAX)) as u32);
    }
    let mut more_stubs = 0u64;
    let mut missing = 0u64;
    let mut odd = 0u64;
    // Pre-order walk with an explicit stack: (thing, parent id from the nesting).
    let mut stack: Vec<(&Value, Option<String>)> = top.iter().rev().map(|t| (t, None)).collect();
    while let Some((thing, nest_parent)) = stack.pop() {
        let kind = thing.get("kind").and_then(Value::as_str).unwrap_or("");
        let Some(data) = thing.get("data").and_then(Value::as_object) else {
            odd += 1;
            continue;
        };
        match kind {
            "t1" => {
                stats.read += 1;
                let position = thread.comments.len() as u32 + 1;
                let Some(c) = comment_from(data, position, nest_parent.as_deref()) else {
                    if !opts.lenient {
                        return Err(malformed(
                            input,
                            None,
                            format!("comment {position} has no \"id\" or \"name\""),
                        ));
                    }
                    stats.skipped += 1;
                    continue;
                };
                let id = c.id.clone();
                thread.comments.push(c);
                stats.parsed += 1;
                if let Some(replies) = data
                    .get("replies")
                    .and_then(|r| r.get("data"))
                    .and_then(|d| d.get("children"))
                    .and_then(Value::as_array)
                {
                    for r in replies.iter().rev() {
                        stack.push((r, Some(id.clone())));
                    }
                }
            }
            "more" => {
                more_stubs += 1;
                missing += more_count(data);
            }
            _ => odd += 1,
        }
    }
    thread.known_missing = missing.min(u64::from(u32::MAX)) as u32;
    stats.known_missing = missing;
    let name = input.display_name();
    if more_stubs > 0 {
        let w = format!(
            "{} comments are in the file; {more_stubs} \"more\" stubs stand for {missing} more that it does not contain{}",
            thread.comments.len(),
            thread
                .header_count
                .map(|n| format!(" (the link announces {n})"))
                .unwrap_or_default()
        );
        stats.warnings.push(format!("{name}: {w}"));
        thread.warnings.push(w);
    }
    if odd > 0 {
        stats
            .warnings
            .push(format!("{name}: {odd} listing entries that are neither comments nor \"more\" stubs were ignored"));
    }
    let mut threads = vec![thread];
    check_duplicates(&mut threads, input, opts.lenient, &mut stats)?;
    Ok(ReadOutput { threads, stats })
}

fn read_ndjson(input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
    let mut reader = super::table::open_lines(input, opts)?;
    let mut stats = IngestStats::default();
    let mut threads: Vec<Thread> = Vec::new();
    let mut by_link: HashMap<String, usize> = HashMap::new();
    let mut thread_of = |link: &str, threads: &mut Vec<Thread>| -> usize {
        *by_link.entry(link.to_string()).or_insert_with(|| {
            threads.push(Thread::new(link, input.display_name(), Format::Reddit));
            threads.len() - 1
        })
    };
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut record = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| IngestError::Io {
                path: input.path.clone(),
                source,
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let bytes = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
        let line = String::from_utf8_lossy(bytes);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        record += 1;
        let bad = |message: String| IngestError::Malformed {
            path: input.path.clone(),
            line: Some(line_no),
            record: Some(record),
            message,
        };
        let parsed: Result<Map<String, Value>, String> = serde_json::from_str::<Value>(line)
            .map_err(|e| format!("expected one reddit JSON object per line: {e}"))
            .and_then(|v| match v {
                Value::Object(o) => Ok(o),
                _ => Err("expected a JSON object (a reddit comment or submission)".into()),
            });
        let obj = match parsed {
            Ok(o) => o,
            Err(m) => {
                if !opts.lenient {
                    return Err(bad(m));
                }
                stats.read += 1;
                stats.skipped += 1;
                stats
                    .warnings
                    .push(format!("{}:{line_no}: {m}; skipped", input.display_name()));
                continue;
            }
        };
        let name = str_field(&obj, "name").unwrap_or("");
        let is_link = name.starts_with("t3_")
            || (obj.get("parent_id").is_none() && obj.contains_key("title"));
        if is_link {
            let id = str_field(&obj, "id")
                .unwrap_or(strip_prefix(name))
                .to_string();
            let t = thread_of(&id, &mut threads);
            threads[t].post = post_from(&obj);
            continue;
        }
        stats.read += 1;
        let link = str_field(&obj, "link_id").map(strip_prefix);
        let Some(link) = link else {
            let m = "expected a \"link_id\" naming the submission (t3_…)".to_string();
            if !opts.lenient {
                return Err(bad(m));
            }
            stats.skipped += 1;
            continue;
        };
        let t = thread_of(link, &mut threads);
        let position = threads[t].comments.len() as u32 + 1;
        let Some(mut c) = comment_from(&obj, position, None) else {
            let m = "expected an \"id\" or \"name\" field".to_string();
            if !opts.lenient {
                return Err(bad(m));
            }
            stats.skipped += 1;
            continue;
        };
        c.lines = Some(LineRange {
            start: line_no as u32,
            end: line_no as u32,
        });
        threads[t].comments.push(c);
        stats.parsed += 1;
    }
    check_duplicates(&mut threads, input, opts.lenient, &mut stats)?;
    Ok(ReadOutput { threads, stats })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_sniffing() {
        assert_eq!(strip_prefix("t1_abc"), "abc");
        assert_eq!(strip_prefix("abc"), "abc");
        assert!(is_listing("[{\"kind\": \"Listing\", \"data\": {}}"));
        assert!(is_pushshift(
            "{\"id\":\"x\",\"link_id\":\"t3_a\",\"parent_id\":\"t1_b\"}\n"
        ));
        assert!(!is_pushshift("{\"id\":\"x\",\"parent_id\":\"b\"}\n"));
    }
}
