//! ConvoKit corpus directories (format `convokit`): `utterances.jsonl` (one utterance a line:
//! `id`, `speaker`, `conversation_id`, `reply_to`, `timestamp`, `text`, `meta`), plus
//! `conversations.json` and `speakers.json` (id → metadata).
//!
//! Reading: each conversation becomes a thread (id = `conversation_id`), each utterance a
//! comment whose parent is its `reply_to`. The root utterance stays a comment, because in
//! most ConvoKit corpora it is a real turn — except when threadlens wrote the corpus and
//! marked the root as the thread's post (`meta.threadlens.role = "post"`): then it becomes
//! the post again and its replies are top-level comments. Model fields with no ConvoKit slot
//! travel in `meta.threadlens` (see `crate::export::convokit`); other utterance metadata
//! goes to `Comment::meta` (strings verbatim, other JSON values as JSON text). Older corpora
//! that say `user`, `root` and `reply-to` are read too.

use super::detect::extension;
use super::table::check_duplicates;
use super::{IngestOptions, InputFile, ReadOutput, Reader};
use crate::error::IngestError;
use crate::model::{
    AuthorSource, Comment, CommentKind, CommentStatus, Format, IngestStats, LineRange, ReplyLink,
    SourceStatus, Thread, Timestamp, parse_timestamp,
};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// The speaker written for a comment whose author is unknown.
pub const UNKNOWN_SPEAKER: &str = "[unknown]";

/// Reader for ConvoKit corpus directories.
pub struct ConvokitReader;

impl Reader for ConvokitReader {
    fn format(&self) -> Format {
        Format::Convokit
    }

    fn sniff(&self, input: &InputFile, _head: &str) -> u8 {
        if input.is_dir {
            return if input.path.join("utterances.jsonl").is_file() {
                90
            } else {
                0
            };
        }
        let named = input
            .path
            .file_name()
            .is_some_and(|n| n == "utterances.jsonl");
        if named && extension(input) == "jsonl" {
            70
        } else {
            0
        }
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        let dir = if input.is_dir {
            input.path.clone()
        } else {
            input
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        };
        read_dir(input, &dir, opts)
    }
}

/// One utterance as read.
struct Utterance {
    id: String,
    speaker: Option<String>,
    conversation: String,
    reply_to: Option<String>,
    timestamp: Option<Timestamp>,
    text: String,
    meta: Map<String, Value>,
    line: u64,
}

fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_utterance(line: &str, line_no: u64) -> Result<Utterance, String> {
    let v: Value = serde_json::from_str(line)
        .map_err(|e| format!("expected one utterance object a line: {e}"))?;
    let Value::Object(mut o) = v else {
        return Err("expected a JSON object (an utterance)".into());
    };
    let id = id_text(o.get("id")).ok_or("expected an \"id\"")?;
    let conversation = id_text(o.get("conversation_id"))
        .or_else(|| id_text(o.get("root")))
        .ok_or("expected a \"conversation_id\"")?;
    let speaker = id_text(o.get("speaker")).or_else(|| id_text(o.get("user")));
    let reply_to = id_text(o.get("reply_to")).or_else(|| id_text(o.get("reply-to")));
    let timestamp = match o.get("timestamp") {
        Some(Value::Number(n)) => n.as_f64().map(|f| Timestamp(f.floor() as i64)),
        Some(Value::String(s)) => parse_timestamp(s),
        _ => None,
    };
    let text = match o.get("text") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let meta = match o.remove("meta") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    Ok(Utterance {
        id,
        speaker,
        conversation,
        reply_to,
        timestamp,
        text,
        meta,
        line: line_no,
    })
}

/// `conversations.json`: id → metadata, in the `{meta, vectors}` form or the older flat one.
fn read_conversations(dir: &Path, opts: &IngestOptions) -> Result<Map<String, Value>, IngestError> {
    let path = dir.join("conversations.json");
    if !path.is_file() {
        return Ok(Map::new());
    }
    let text = InputFile::from_path(&path, true).text(&opts.limits)?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| IngestError::Malformed {
        path: path.clone(),
        line: Some(e.line() as u64),
        record: None,
        message: format!("expected a JSON object of conversation id → metadata: {e}"),
    })?;
    let Value::Object(map) = doc else {
        return Err(IngestError::Malformed {
            path,
            line: None,
            record: None,
            message: "expected a JSON object of conversation id → metadata".into(),
        });
    };
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let meta = match v {
                Value::Object(mut o) if o.get("meta").is_some_and(Value::is_object) => {
                    o.remove("meta").unwrap_or_default()
                }
                other => other,
            };
            (k, meta)
        })
        .collect())
}

fn str_of(o: &Map<String, Value>, key: &str) -> Option<String> {
    o.get(key).and_then(Value::as_str).map(str::to_string)
}

fn read_dir(
    input: &InputFile,
    dir: &Path,
    opts: &IngestOptions,
) -> Result<ReadOutput, IngestError> {
    let upath = dir.join("utterances.jsonl");
    // A file input (an `utterances.jsonl`, stdin, or any file read with `--format convokit`)
    // is itself the utterances file; a directory holds one.
    let (uinput, upath) = if input.is_dir {
        (InputFile::from_path(&upath, true), upath)
    } else {
        (input.clone(), input.path.clone())
    };
    let mut reader = super::table::open_lines(&uinput, opts)?;
    let mut stats = IngestStats::default();
    let mut utterances = Vec::new();
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut record = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| IngestError::Io {
                path: upath.clone(),
                source,
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let bytes = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
        let line = String::from_utf8_lossy(bytes);
        if line.trim().is_empty() {
            continue;
        }
        record += 1;
        stats.read += 1;
        match parse_utterance(line.trim(), line_no) {
            Ok(u) => utterances.push(u),
            Err(message) if !opts.lenient => {
                return Err(IngestError::Malformed {
                    path: upath,
                    line: Some(line_no),
                    record: Some(record),
                    message,
                });
            }
            Err(message) => {
                stats.skipped += 1;
                stats
                    .warnings
                    .push(format!("{}:{line_no}: {message}; skipped", upath.display()));
            }
        }
    }
    let conversations = read_conversations(dir, opts)?;
    let source = input.display_name();
    let mut threads: Vec<Thread> = Vec::new();
    let mut by_conv: HashMap<String, usize> = HashMap::new();
    // Utterance id → comment id, per thread (they differ when the writer had to qualify ids).
    let mut comment_ids: Vec<HashMap<String, String>> = Vec::new();
    let mut post_utterance: Vec<Option<String>> = Vec::new();
    for u in &utterances {
        let t = *by_conv.entry(u.conversation.clone()).or_insert_with(|| {
            let meta = conversations
                .get(&u.conversation)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            threads.push(thread_from(&u.conversation, &source, &meta));
            comment_ids.push(HashMap::new());
            post_utterance.push(None);
            threads.len() - 1
        });
        let tl = u.meta.get("threadlens").and_then(Value::as_object);
        if tl.and_then(|m| m.get("role")).and_then(Value::as_str) == Some("post") {
            let thread = &mut threads[t];
            thread.post.paragraphs = u
                .text
                .split("\n\n")
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            if thread.post.timestamp.is_none() {
                thread.post.timestamp = u.timestamp;
            }
            if thread.post.byline.is_none() {
                thread.post.byline = u.speaker.clone().filter(|s| s != UNKNOWN_SPEAKER);
            }
            post_utterance[t] = Some(u.id.clone());
            // The post is the thread's article, not a comment record: like the other
            // readers, keep it out of the record counts so read = parsed + skipped.
            stats.read = stats.read.saturating_sub(1);
            continue;
        }
        let id = tl
            .and_then(|m| str_of(m, "id"))
            .unwrap_or_else(|| u.id.clone());
        comment_ids[t].insert(u.id.clone(), id);
    }
    for u in utterances {
        let t = by_conv[&u.conversation];
        if post_utterance[t].as_deref() == Some(u.id.as_str()) {
            continue;
        }
        let thread = &mut threads[t];
        let id = comment_ids[t]
            .get(&u.id)
            .cloned()
            .unwrap_or_else(|| u.id.clone());
        let position = thread.comments.len() as u32 + 1;
        let mut c = Comment::new(id, position, u.text);
        let mut meta = u.meta;
        let tl = match meta.remove("threadlens") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let replies_to_post = u.reply_to.is_some() && u.reply_to == post_utterance[t];
        if let Some(p) = u.reply_to.filter(|_| !replies_to_post) {
            let parent = comment_ids[t].get(&p).cloned().unwrap_or(p);
            c.parent_id = Some(parent);
            c.reply_link = ReplyLink::EXPLICIT;
        }
        if let Some(link) = tl
            .get("reply_link")
            .and_then(|v| serde_json::from_value::<ReplyLink>(v.clone()).ok())
        {
            c.reply_link = link;
        }
        let no_author = tl
            .get("no_author")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if let Some(s) = u.speaker.filter(|_| !no_author) {
            c.author = Some(s);
            c.author_source = Some(AuthorSource::Explicit);
        }
        if let Some(a) = tl
            .get("author_source")
            .and_then(|v| serde_json::from_value::<AuthorSource>(v.clone()).ok())
        {
            if c.author.is_some() {
                c.author_source = Some(a);
            }
        }
        c.timestamp = u.timestamp;
        c.number = str_of(&tl, "number");
        c.addressee = str_of(&tl, "addressee");
        c.addresses_post_author = tl
            .get("addresses_post_author")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        c.url = str_of(&tl, "url");
        if let Some(k) = tl
            .get("kind")
            .and_then(|v| serde_json::from_value::<CommentKind>(v.clone()).ok())
        {
            c.kind = k;
        }
        if let Some(s) = tl
            .get("status")
            .and_then(|v| serde_json::from_value::<SourceStatus>(v.clone()).ok())
        {
            c.status = s;
        }
        if !tl.is_empty() {
            // Written by threadlens: restore the original source lines, if any.
            c.lines = tl
                .get("lines")
                .and_then(|v| serde_json::from_value::<LineRange>(v.clone()).ok());
        } else {
            c.lines = Some(LineRange {
                start: u.line as u32,
                end: u.line as u32,
            });
        }
        for (k, v) in meta {
            let text = match v {
                Value::Null => continue,
                Value::String(s) => s,
                other => other.to_string(),
            };
            c.meta.insert(k, text);
        }
        thread.comments.push(c);
        stats.parsed += 1;
    }
    stats.known_missing = threads.iter().map(|t| u64::from(t.known_missing)).sum();
    check_duplicates(&mut threads, input, opts.lenient, &mut stats)?;
    Ok(ReadOutput { threads, stats })
}

/// A thread for a conversation, with what its metadata tells about the post.
fn thread_from(conversation: &str, source: &str, meta: &Map<String, Value>) -> Thread {
    let tl = meta.get("threadlens").and_then(Value::as_object);
    let get = |key: &str| -> Option<String> {
        tl.and_then(|m| str_of(m, key))
            .or_else(|| str_of(meta, key))
    };
    let mut t = Thread::new(conversation, source, Format::Convokit);
    t.post.title = get("title");
    t.post.byline = get("byline");
    t.post.site = get("site");
    t.post.date = get("date");
    t.post.url = get("url");
    t.post.timestamp = get("post_timestamp").as_deref().and_then(parse_timestamp);
    if let Some(tl) = tl {
        t.header_count = tl
            .get("header_count")
            .and_then(Value::as_u64)
            .map(|n| n as u32);
        t.known_missing = tl.get("known_missing").and_then(Value::as_u64).unwrap_or(0) as u32;
        if let Some(s) = tl
            .get("comment_status")
            .and_then(|v| serde_json::from_value::<CommentStatus>(v.clone()).ok())
        {
            t.comment_status = s;
        }
    }
    t
}
