//! Writes a corpus as a ConvoKit corpus directory: `utterances.jsonl`, `conversations.json`,
//! `speakers.json`, `corpus.json`, `index.json`.
//!
//! Mapping (read back by `crate::ingest::convokit`):
//! - each thread is one conversation; its root utterance is the thread's post (id = thread
//!   id, speaker = byline, text = article paragraphs, `meta.threadlens.role = "post"`), so
//!   that a thread with many top-level comments still has the single root ConvoKit expects;
//!   top-level comments reply to it;
//! - each comment is an utterance: `id` = comment id (qualified as `<thread>::<id>` only when
//!   the id is not unique in the corpus, the original kept in `meta.threadlens.id`),
//!   `speaker` = author (`[unknown]` when there is none, with `meta.threadlens.no_author`),
//!   `reply_to` = parent, `timestamp` = Unix seconds, `text` = text;
//! - `Comment::meta` entries become utterance meta keys; model fields with no ConvoKit slot
//!   (reply link, number, status, kind, addressee, url, source lines, …) go to
//!   `meta.threadlens`;
//! - conversation meta holds `title`, `url` and, under `threadlens`, the rest of the post and
//!   thread header (byline, site, date, header count, comment status, known missing, source).
//!
//! Output is deterministic: threads and comments in corpus order, maps sorted by key.

use crate::ingest::convokit::UNKNOWN_SPEAKER;
use crate::model::{Comment, CommentStatus, Corpus, Thread};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    /// Conversations (threads).
    pub conversations: usize,
    /// Utterances (posts + comments).
    pub utterances: usize,
    /// Distinct speakers.
    pub speakers: usize,
}

#[derive(Serialize)]
struct Utterance<'a> {
    id: &'a str,
    speaker: &'a str,
    conversation_id: &'a str,
    reply_to: Option<&'a str>,
    timestamp: Option<i64>,
    text: &'a str,
    meta: Map<String, Value>,
    vectors: [u8; 0],
}

/// Writes `corpus` into `dir` (created if missing; the five files are overwritten).
pub fn write(corpus: &Corpus, dir: &Path) -> std::io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    let ids = utterance_ids(corpus);
    let mut speakers: BTreeMap<&str, ()> = BTreeMap::new();
    let mut conversations: BTreeMap<String, Value> = BTreeMap::new();
    let mut utt_keys: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("utterances.jsonl"))?);
    let mut summary = Summary::default();
    for (t, thread) in corpus.threads.iter().enumerate() {
        let root = ids.post[t].as_str();
        let speaker = thread.post.byline.as_deref().unwrap_or(UNKNOWN_SPEAKER);
        speakers.insert(speaker, ());
        let mut meta = Map::new();
        let mut tl = Map::new();
        tl.insert("role".into(), json!("post"));
        meta.insert("threadlens".into(), Value::Object(tl));
        utt_keys.insert("threadlens".into(), "<class 'dict'>");
        let text = thread.post.paragraphs.join("\n\n");
        write_line(
            &mut out,
            &Utterance {
                id: root,
                speaker,
                conversation_id: root,
                reply_to: None,
                timestamp: thread.post.timestamp.map(|t| t.0),
                text: &text,
                meta,
                vectors: [],
            },
        )?;
        summary.utterances += 1;
        for (k, c) in thread.comments.iter().enumerate() {
            let speaker = c.author.as_deref().unwrap_or(UNKNOWN_SPEAKER);
            speakers.insert(speaker, ());
            let id = ids.comments[t][k].as_str();
            let reply_to = match c.parent_index {
                Some(p) => ids.comments[t][p as usize].as_str(),
                None => match &c.parent_id {
                    // Unlinked corpus: look the parent up by id.
                    Some(pid) => thread
                        .comments
                        .iter()
                        .position(|o| &o.id == pid)
                        .map_or(root, |p| ids.comments[t][p].as_str()),
                    None => root,
                },
            };
            let meta = comment_meta(c, id, &mut utt_keys);
            write_line(
                &mut out,
                &Utterance {
                    id,
                    speaker,
                    conversation_id: root,
                    reply_to: Some(reply_to),
                    timestamp: c.timestamp.map(|t| t.0),
                    text: &c.text,
                    meta,
                    vectors: [],
                },
            )?;
            summary.utterances += 1;
        }
        conversations.insert(
            root.to_string(),
            json!({ "meta": conversation_meta(thread), "vectors": [] }),
        );
    }
    out.flush()?;
    summary.conversations = conversations.len();
    summary.speakers = speakers.len();
    let speakers_json: BTreeMap<&str, Value> = speakers
        .keys()
        .map(|s| (*s, json!({ "meta": {}, "vectors": [] })))
        .collect();
    std::fs::write(dir.join("speakers.json"), to_json(&speakers_json))?;
    std::fs::write(dir.join("conversations.json"), to_json(&conversations))?;
    std::fs::write(
        dir.join("corpus.json"),
        to_json(&json!({ "written_by": "threadlens" })),
    )?;
    let index = json!({
        "utterances-index": utt_keys.iter().map(|(k, v)| (k.clone(), json!([v]))).collect::<Map<String, Value>>(),
        "speakers-index": {},
        "conversations-index": {
            "title": ["<class 'str'>"],
            "url": ["<class 'str'>"],
            "threadlens": ["<class 'dict'>"],
        },
        "overall-index": { "written_by": ["<class 'str'>"] },
        "version": 1,
        "vectors": [],
    });
    std::fs::write(dir.join("index.json"), to_json(&index))?;
    Ok(summary)
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("JSON values serialise")
}

fn write_line(out: &mut impl Write, u: &Utterance) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, u).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// Utterance ids: comment ids where unique corpus-wide, else qualified by thread.
struct Ids {
    post: Vec<String>,
    comments: Vec<Vec<String>>,
}

fn utterance_ids(corpus: &Corpus) -> Ids {
    let mut count: HashMap<&str, u32> = HashMap::new();
    for t in &corpus.threads {
        *count.entry(t.id.as_str()).or_default() += 1;
        for c in &t.comments {
            *count.entry(c.id.as_str()).or_default() += 1;
        }
    }
    let unique = |id: &str| count.get(id).copied().unwrap_or(0) <= 1;
    Ids {
        post: corpus
            .threads
            .iter()
            .map(|t| {
                if unique(&t.id) {
                    t.id.clone()
                } else {
                    format!("{}::post", t.id)
                }
            })
            .collect(),
        comments: corpus
            .threads
            .iter()
            .map(|t| {
                t.comments
                    .iter()
                    .map(|c| {
                        if unique(&c.id) {
                            c.id.clone()
                        } else {
                            format!("{}::{}", t.id, c.id)
                        }
                    })
                    .collect()
            })
            .collect(),
    }
}

fn comment_meta(
    c: &Comment,
    utterance_id: &str,
    keys: &mut BTreeMap<String, &'static str>,
) -> Map<String, Value> {
    let mut meta = Map::new();
    for (k, v) in &c.meta {
        if k == "threadlens" {
            continue;
        }
        keys.entry(k.clone()).or_insert("<class 'str'>");
        meta.insert(k.clone(), Value::String(v.clone()));
    }
    let mut tl = Map::new();
    if utterance_id != c.id {
        tl.insert("id".into(), json!(c.id));
    }
    if c.author.is_none() {
        tl.insert("no_author".into(), json!(true));
    }
    if let Some(a) = c.author_source {
        tl.insert("author_source".into(), json!(a));
    }
    tl.insert("reply_link".into(), json!(c.reply_link));
    if let Some(n) = &c.number {
        tl.insert("number".into(), json!(n));
    }
    if let Some(a) = &c.addressee {
        tl.insert("addressee".into(), json!(a));
    }
    if c.addresses_post_author {
        tl.insert("addresses_post_author".into(), json!(true));
    }
    tl.insert("kind".into(), json!(c.kind));
    tl.insert("status".into(), json!(c.status));
    if let Some(u) = &c.url {
        tl.insert("url".into(), json!(u));
    }
    if let Some(l) = c.lines {
        tl.insert("lines".into(), json!(l));
    }
    keys.insert("threadlens".into(), "<class 'dict'>");
    meta.insert("threadlens".into(), Value::Object(tl));
    meta
}

fn conversation_meta(t: &Thread) -> Value {
    let mut tl = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            tl.insert(k.into(), v);
        }
    };
    put("byline", json!(t.post.byline));
    put("site", json!(t.post.site));
    put("date", json!(t.post.date));
    put("post_timestamp", json!(t.post.timestamp));
    put("header_count", json!(t.header_count));
    if t.comment_status != CommentStatus::None {
        put("comment_status", json!(t.comment_status));
    }
    if t.known_missing > 0 {
        put("known_missing", json!(t.known_missing));
    }
    put("source", json!(t.source));
    put("format", json!(t.format));
    let mut meta = Map::new();
    if let Some(title) = &t.post.title {
        meta.insert("title".into(), json!(title));
    }
    if let Some(url) = &t.post.url {
        meta.insert("url".into(), json!(url));
    }
    meta.insert("threadlens".into(), Value::Object(tl));
    Value::Object(meta)
}
