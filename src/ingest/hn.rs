//! Hacker News items (format `hn`), as the two public APIs return them:
//!
//! - Algolia (`hn.algolia.com/api/v1/items/<id>`): one item with its replies nested under
//!   `children`; fields `id`, `type`, `author`, `text` (HTML), `created_at`/`created_at_i`,
//!   `parent_id`, `story_id`, `points`, `title`, `url`.
//! - Firebase (`hacker-news.firebaseio.com/v0/item/<id>.json`): flat items linked by `parent`
//!   and `kids`; fields `id`, `type`, `by`, `text` (HTML), `time`, `deleted`, `dead`, `score`,
//!   `descendants`, `title`, `url`. A file holds one item, a JSON array of items, or one item
//!   a line.
//!
//! A story (or job, poll) becomes the thread's post; comments are grouped under the story
//! their parent chain leads to. `kids` ids that are not in the file are counted in
//! `known_missing`; deleted items keep their place with status `deleted` (as do `dead`
//! ones, with `meta["dead"] = "true"`). Comment HTML becomes text with links as URLs. The
//! nesting is walked with an explicit stack.

use super::detect::extension;
use super::table::check_duplicates;
use super::{IngestOptions, InputFile, ReadOutput, Reader};
use crate::error::IngestError;
use crate::model::{
    AuthorSource, Comment, Format, IngestStats, Post, ReplyLink, SourceStatus, Thread, Timestamp,
    parse_timestamp,
};
use crate::text::markup::{decode_entities, html_fragment_to_text};
use crate::text::normalize_paragraphs;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Reader for Hacker News items.
pub struct HnReader;

impl Reader for HnReader {
    fn format(&self) -> Format {
        Format::Hn
    }

    fn sniff(&self, input: &InputFile, head: &str) -> u8 {
        if input.is_dir {
            return 0;
        }
        let ext = extension(input);
        if !matches!(ext.as_str(), "json" | "jsonl" | "ndjson" | "") || !is_hn(head) {
            return 0;
        }
        if ext == "json" { 70 } else { 60 }
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        read_items(input, opts)
    }
}

/// An HN item: a `type` of story/comment/… and either nesting (`children`) or links
/// (`kids`/`parent`), with an HN author field.
fn is_hn(head: &str) -> bool {
    let c: String = head
        .chars()
        .take(4096)
        .filter(|c| !c.is_whitespace())
        .collect();
    let typed = ["story", "comment", "job", "poll"]
        .iter()
        .any(|t| c.contains(&format!("\"type\":\"{t}\"")));
    let linked =
        c.contains("\"children\":") || c.contains("\"kids\":") || c.contains("\"parent\":");
    let hn_fields =
        c.contains("\"by\":") || c.contains("\"created_at_i\":") || c.contains("\"story_id\":");
    typed && linked && hn_fields
}

/// One item, flattened, with the parent known from the nesting when there is one.
struct Item<'a> {
    obj: &'a Map<String, Value>,
    nest_parent: Option<String>,
    /// Index of the top of the nesting this item came from (Algolia).
    nest_root: Option<String>,
}

fn id_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn is_post_type(obj: &Map<String, Value>) -> bool {
    match obj.get("type").and_then(Value::as_str) {
        Some("story" | "job" | "poll") => true,
        Some(_) => false,
        None => {
            obj.contains_key("title")
                && !obj.contains_key("parent")
                && !obj.contains_key("parent_id")
        }
    }
}

fn parent_of(obj: &Map<String, Value>) -> Option<String> {
    id_of(obj.get("parent")).or_else(|| id_of(obj.get("parent_id")))
}

fn author_of(obj: &Map<String, Value>) -> Option<String> {
    ["by", "author"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

fn time_of(obj: &Map<String, Value>) -> Option<Timestamp> {
    for key in ["time", "created_at_i"] {
        if let Some(t) = obj.get(key).and_then(Value::as_i64) {
            return Some(Timestamp(t));
        }
    }
    obj.get("created_at")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
}

fn text_of(obj: &Map<String, Value>) -> String {
    let html = obj.get("text").and_then(Value::as_str).unwrap_or("");
    normalize_paragraphs(html_fragment_to_text(html))
}

const NOT_META: &[&str] = &[
    "id",
    "type",
    "by",
    "author",
    "text",
    "time",
    "created_at",
    "created_at_i",
    "parent",
    "parent_id",
    "kids",
    "children",
    "title",
    "url",
    "options",
    "deleted",
    "story_id",
];

fn parse_doc(text: &str) -> Result<Vec<Value>, (u64, String)> {
    match super::json::parse(text) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(v @ Value::Object(_)) => Ok(vec![v]),
        Ok(other) => {
            super::json::drop_deep(other);
            Err((1, "expected an HN item object or an array of items".into()))
        }
        Err(first) => {
            // One item a line?
            let mut items = Vec::new();
            for (k, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(v @ Value::Object(_)) => items.push(v),
                    _ if k == 0 => {
                        return Err((first.line, format!("expected HN items as JSON: {first}")));
                    }
                    Ok(_) => {
                        return Err((k as u64 + 1, "expected one HN item object a line".into()));
                    }
                    Err(e) => {
                        return Err((
                            k as u64 + 1,
                            format!("expected one HN item object a line: {e}"),
                        ));
                    }
                }
            }
            Ok(items)
        }
    }
}

fn read_items(input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
    let text = input.text(&opts.limits)?;
    let docs = parse_doc(&text).map_err(|(line, message)| IngestError::Malformed {
        path: input.path.clone(),
        line: Some(line),
        record: None,
        message,
    })?;
    let out = build(input, opts, &docs);
    // Dropped by hand: a deeply nested item would overflow the stack in the default drop.
    for d in docs {
        super::json::drop_deep(d);
    }
    out
}

fn build(
    input: &InputFile,
    opts: &IngestOptions,
    docs: &[Value],
) -> Result<ReadOutput, IngestError> {
    let name = input.display_name();
    let mut stats = IngestStats::default();
    // Flatten: Algolia nesting in pre-order with an explicit stack; Firebase items as they are.
    let mut items: Vec<Item> = Vec::new();
    for (k, doc) in docs.iter().enumerate() {
        let Some(obj) = doc.as_object() else {
            let message = format!("item {}: expected a JSON object", k + 1);
            if !opts.lenient {
                return Err(IngestError::Malformed {
                    path: input.path.clone(),
                    line: None,
                    record: Some(k as u64 + 1),
                    message,
                });
            }
            stats.read += 1;
            stats.skipped += 1;
            continue;
        };
        let root = id_of(obj.get("id"));
        let mut stack: Vec<(&Map<String, Value>, Option<String>)> = vec![(obj, None)];
        while let Some((o, nest_parent)) = stack.pop() {
            if let Some(children) = o.get("children").and_then(Value::as_array) {
                let me = id_of(o.get("id"));
                for ch in children.iter().rev() {
                    if let Some(co) = ch.as_object() {
                        stack.push((co, me.clone()));
                    }
                }
            }
            items.push(Item {
                obj: o,
                nest_parent,
                nest_root: root.clone(),
            });
        }
    }
    let by_id: HashMap<String, usize> = items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| id_of(it.obj.get("id")).map(|id| (id, i)))
        .collect();
    // Thread of every item: the post its parent chain reaches, else the chain's missing top.
    let thread_key = |i: usize| -> String {
        let it = &items[i];
        if let Some(story) = id_of(it.obj.get("story_id")) {
            return story;
        }
        let mut cur = i;
        for _ in 0..=items.len() {
            let o = items[cur].obj;
            if is_post_type(o) {
                return id_of(o.get("id")).unwrap_or_default();
            }
            let parent = items[cur].nest_parent.clone().or_else(|| parent_of(o));
            match parent {
                Some(p) => match by_id.get(&p) {
                    Some(&j) => cur = j,
                    None => return p,
                },
                None => {
                    return id_of(o.get("id"))
                        .or(it.nest_root.clone())
                        .unwrap_or_default();
                }
            }
        }
        id_of(it.obj.get("id")).unwrap_or_default()
    };
    let mut threads: Vec<Thread> = Vec::new();
    let mut thread_index: HashMap<String, usize> = HashMap::new();
    let mut missing_kids: HashMap<usize, u64> = HashMap::new();
    for (i, it) in items.iter().enumerate() {
        let key = thread_key(i);
        let t = *thread_index.entry(key.clone()).or_insert_with(|| {
            threads.push(Thread::new(format!("hn-{key}"), name.clone(), Format::Hn));
            threads.len() - 1
        });
        if let Some(kids) = it.obj.get("kids").and_then(Value::as_array) {
            let absent = kids
                .iter()
                .filter(|k| id_of(Some(k)).is_none_or(|k| !by_id.contains_key(&k)))
                .count() as u64;
            *missing_kids.entry(t).or_default() += absent;
        }
        let o = it.obj;
        if is_post_type(o) {
            let thread = &mut threads[t];
            let body = text_of(o);
            thread.post = Post {
                title: o
                    .get("title")
                    .and_then(Value::as_str)
                    .map(|s| decode_entities(s).into_owned()),
                byline: author_of(o),
                site: Some("Hacker News".into()),
                date: None,
                timestamp: time_of(o),
                url: o
                    .get("url")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        id_of(o.get("id"))
                            .map(|id| format!("https://news.ycombinator.com/item?id={id}"))
                    }),
                paragraphs: body
                    .split("\n\n")
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
            };
            thread.header_count = o
                .get("descendants")
                .and_then(Value::as_u64)
                .map(|n| n.min(u64::from(u32::MAX)) as u32);
            continue;
        }
        stats.read += 1;
        let Some(id) = id_of(o.get("id")) else {
            let message = format!("item {}: expected an \"id\"", i + 1);
            if !opts.lenient {
                return Err(IngestError::Malformed {
                    path: input.path.clone(),
                    line: None,
                    record: Some(i as u64 + 1),
                    message,
                });
            }
            stats.skipped += 1;
            continue;
        };
        let thread = &mut threads[t];
        let position = thread.comments.len() as u32 + 1;
        let mut c = Comment::new(id.clone(), position, text_of(o));
        // A comment whose parent is the story is top-level.
        let parent = it.nest_parent.clone().or_else(|| parent_of(o));
        if let Some(p) = parent
            .filter(|p| by_id.get(p).is_none_or(|&j| !is_post_type(items[j].obj)) && *p != key)
        {
            c.parent_id = Some(p);
            c.reply_link = ReplyLink::EXPLICIT;
        }
        if let Some(a) = author_of(o) {
            c.author = Some(a);
            c.author_source = Some(AuthorSource::Explicit);
        }
        c.timestamp = time_of(o);
        let deleted = o.get("deleted").and_then(Value::as_bool).unwrap_or(false)
            || (o.contains_key("author")
                && o.get("author").is_some_and(Value::is_null)
                && o.get("text").is_none_or(Value::is_null));
        let dead = o.get("dead").and_then(Value::as_bool).unwrap_or(false);
        if deleted || dead {
            c.status = SourceStatus::Deleted;
        }
        c.url = Some(format!("https://news.ycombinator.com/item?id={id}"));
        for (k, v) in o {
            if NOT_META.contains(&k.as_str()) {
                continue;
            }
            match v {
                Value::String(s) if !s.is_empty() => {
                    c.meta.insert(k.clone(), s.clone());
                }
                Value::Number(_) | Value::Bool(_) => {
                    c.meta.insert(k.clone(), v.to_string());
                }
                _ => {}
            }
        }
        thread.comments.push(c);
        stats.parsed += 1;
    }
    for (t, n) in missing_kids {
        if n == 0 {
            continue;
        }
        let thread = &mut threads[t];
        thread.known_missing = thread
            .known_missing
            .saturating_add(n.min(u64::from(u32::MAX)) as u32);
        stats.known_missing += n;
        let w = format!("{n} replies listed in \"kids\" are not in the file");
        stats
            .warnings
            .push(format!("{name}: thread {}: {w}", thread.id));
        thread.warnings.push(w);
    }
    check_duplicates(&mut threads, input, opts.lenient, &mut stats)?;
    Ok(ReadOutput { threads, stats })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_both_apis() {
        assert!(is_hn(
            r#"{"by":"a","id":1,"kids":[2],"type":"story","title":"t"}"#
        ));
        assert!(is_hn(
            r#"{"id":1,"created_at_i":5,"type":"story","author":"a","children":[]}"#
        ));
        assert!(!is_hn(r#"{"id":1,"parent_id":null,"text":"x"}"#));
    }
}
