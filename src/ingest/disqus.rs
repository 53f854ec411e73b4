//! Disqus XML exports (format `disqus`), Disqus's WXR-like import format, and the
//! Duoshuo (多说) import JSON of the same family.
//!
//! An export lists `<thread dsq:id>` elements (the articles) and then `<post dsq:id>`
//! elements that name their thread (`<thread dsq:id/>`) and, for replies, their parent
//! (`<parent dsq:id/>`). Deleted posts (`isDeleted`) are kept with status `deleted`, spam
//! (`isSpam`) with status `spam`.
//!
//! One article often appears as several Disqus threads (the blog moved, `?p=123` URLs
//! became `/blog/slug.html`, and Disqus imported the comments again). Two threads are
//! merged into one when either
//! 1. their links have the same host (scheme and `www.` ignored), the same last path
//!    segment (the slug, with `.html`/`.htm`/`.php` and trailing `/` ignored; never empty)
//!    and the same query, or
//! 2. they have the same non-empty title and share at least one identical post (same
//!    author name, creation time and message): the same title alone is not enough.
//!
//! The merged thread takes the id, title and link of its first thread in the file. A post
//! in a later thread of the group that is identical to one already in the merged thread
//! is a copy made by the re-import: it is left out (counted in `stats.skipped`, with a
//! warning) and replies to it are attached to the kept original.

use super::detect::extension;
use super::html::fragment_to_text;
use super::wxr::{looks_like_wxr, parse_wxr};
use super::xml::{XmlEvent, XmlScanner, local, root_name};
use super::{IngestOptions, InputFile, ReadOutput, Reader};
use crate::error::IngestError;
use crate::model::{
    AuthorSource, Comment, CommentStatus, Format, IngestStats, LineRange, ReplyLink, SourceStatus,
    Thread, parse_timestamp,
};
use crate::text::normalize_space;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Reader for Disqus exports.
pub struct DisqusReader;

impl Reader for DisqusReader {
    fn format(&self) -> Format {
        Format::Disqus
    }

    fn sniff(&self, input: &InputFile, head: &str) -> u8 {
        if input.is_dir {
            return 0;
        }
        let xml_ext = matches!(extension(input).as_str(), "xml" | "");
        if root_name(head).is_some_and(|r| local(r) == "disqus") {
            return if xml_ext { 85 } else { 75 };
        }
        // Duoshuo (多说) import JSON, the Chinese Disqus clone's format.
        if looks_like_duoshuo(head) {
            return 70;
        }
        // The WXR-like import format: WXR with dsq: fields (claimed above the wxr reader).
        if looks_like_wxr(head) && (head.contains("xmlns:dsq") || head.contains("<dsq:")) {
            return 85;
        }
        0
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        let text = input.text(&opts.limits)?;
        let head: String = text.chars().take(4096).collect();
        if looks_like_duoshuo(&head) {
            return parse_duoshuo(&text, input);
        }
        if looks_like_wxr(&head) {
            return parse_wxr(&text, input, opts, Format::Disqus);
        }
        parse_disqus(&text, input, opts, true)
    }
}

/// A `<thread>` definition.
#[derive(Default)]
struct ThreadDef {
    dsq_id: String,
    ident: Option<String>,
    link: Option<String>,
    title: Option<String>,
    created: Option<String>,
    closed: bool,
    deleted: bool,
}

/// A `<post>`.
struct PostDef {
    dsq_id: String,
    thread: Option<String>,
    parent: Option<String>,
    message: String,
    created: Option<String>,
    deleted: bool,
    spam: bool,
    author: Option<String>,
    username: Option<String>,
    anonymous: bool,
    line: u64,
    end_line: u64,
    record: u64,
}

/// Value of the `dsq:id` attribute (any prefix, local name `id`).
fn dsq_id(attrs: &[(String, String)]) -> Option<String> {
    attrs
        .iter()
        .find(|(k, _)| k.contains(':') && local(k) == "id")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Parses a Disqus export; `merge` joins threads that are one article (see module docs).
pub fn parse_disqus(
    text: &str,
    input: &InputFile,
    opts: &IngestOptions,
    merge: bool,
) -> Result<ReadOutput, IngestError> {
    let name = input.display_name();
    let malformed = |line: u64, record: Option<u64>, message: String| IngestError::Malformed {
        path: input.path.clone(),
        line: Some(line),
        record,
        message,
    };
    let mut scanner = XmlScanner::new(text);
    let mut saw_root = false;
    let mut threads: Vec<ThreadDef> = Vec::new();
    let mut posts: Vec<PostDef> = Vec::new();
    let mut cur_thread: Option<ThreadDef> = None;
    let mut cur_post: Option<PostDef> = None;
    let mut post_bad: Option<String> = None;
    let mut read = 0u64;
    let mut skipped = 0u64;
    let mut warnings = Vec::new();
    loop {
        let ev = match scanner.next_event() {
            Ok(ev) => ev,
            Err(e) => {
                let record = cur_post.as_ref().map(|p| p.record);
                if !opts.lenient {
                    return Err(malformed(e.line, record, e.message));
                }
                if e.recoverable && cur_post.is_some() {
                    post_bad.get_or_insert(format!("line {}: {}", e.line, e.message));
                    continue;
                }
                if e.recoverable {
                    warnings.push(format!("{name}:{}: {}; ignored", e.line, e.message));
                    continue;
                }
                if cur_post.take().is_some() {
                    skipped += 1;
                }
                warnings.push(format!(
                    "{name}:{}: {}; reading stopped here, {} complete posts kept, {skipped} skipped",
                    e.line,
                    e.message,
                    posts.len()
                ));
                break;
            }
        };
        // Depth 1 is <disqus>, 2 its children (<thread>, <post>), 3 their fields.
        match ev {
            XmlEvent::Eof => break,
            XmlEvent::Start {
                name: tag,
                attrs,
                line,
                depth,
            } => {
                if !saw_root {
                    if local(&tag) != "disqus" {
                        return Err(malformed(
                            line,
                            None,
                            format!("root element is <{tag}>; expected <disqus> (a Disqus export)"),
                        ));
                    }
                    saw_root = true;
                    continue;
                }
                match (depth, local(&tag)) {
                    (2, "thread") => {
                        cur_thread = Some(ThreadDef {
                            dsq_id: dsq_id(&attrs).unwrap_or_default(),
                            ..ThreadDef::default()
                        });
                        if cur_thread.as_ref().is_some_and(|t| t.dsq_id.is_empty()) {
                            let msg =
                                "<thread> has no dsq:id attribute; expected <thread dsq:id=\"…\">"
                                    .to_string();
                            if !opts.lenient {
                                return Err(malformed(line, None, msg));
                            }
                            warnings.push(format!("{name}:{line}: {msg}; thread ignored"));
                            cur_thread = None;
                        }
                    }
                    (2, "post") => {
                        read += 1;
                        post_bad = None;
                        let id = dsq_id(&attrs);
                        if id.is_none() {
                            post_bad = Some(
                                "<post> has no dsq:id attribute; expected <post dsq:id=\"…\">"
                                    .into(),
                            );
                        }
                        cur_post = Some(PostDef {
                            dsq_id: id.unwrap_or_default(),
                            thread: None,
                            parent: None,
                            message: String::new(),
                            created: None,
                            deleted: false,
                            spam: false,
                            author: None,
                            username: None,
                            anonymous: false,
                            line,
                            end_line: line,
                            record: read,
                        });
                    }
                    (3, "thread") if cur_post.is_some() => {
                        if let Some(p) = cur_post.as_mut() {
                            p.thread = dsq_id(&attrs);
                        }
                    }
                    (3, "parent") if cur_post.is_some() => {
                        if let Some(p) = cur_post.as_mut() {
                            p.parent = dsq_id(&attrs);
                        }
                    }
                    _ => {}
                }
            }
            XmlEvent::End {
                name: tag,
                text: value,
                depth,
                line: end_line,
            } => {
                let v = value.trim();
                let yes = v.eq_ignore_ascii_case("true");
                if let Some(t) = cur_thread.as_mut() {
                    match (depth, local(&tag)) {
                        (2, "thread") => {
                            if let Some(t) = cur_thread.take() {
                                threads.push(t);
                            }
                        }
                        (3, "id") => t.ident = Some(v.to_string()).filter(|s| !s.is_empty()),
                        (3, "link") => t.link = Some(v.to_string()).filter(|s| !s.is_empty()),
                        (3, "title") => {
                            t.title = Some(normalize_space(v)).filter(|s| !s.is_empty())
                        }
                        (3, "createdAt") => t.created = Some(v.to_string()),
                        (3, "isClosed") => t.closed = yes,
                        (3, "isDeleted") => t.deleted = yes,
                        _ => {}
                    }
                    continue;
                }
                let Some(p) = cur_post.as_mut() else { continue };
                match (depth, local(&tag)) {
                    (2, "post") => {
                        let Some(mut p) = cur_post.take() else {
                            continue;
                        };
                        p.end_line = end_line;
                        let problem = post_bad.take().or_else(|| {
                            p.thread.is_none().then(|| {
                                "<post> names no thread; expected <thread dsq:id=\"…\"/> inside it"
                                    .to_string()
                            })
                        });
                        match problem {
                            None => posts.push(p),
                            Some(msg) if opts.lenient => {
                                skipped += 1;
                                warnings.push(format!(
                                    "{name}:{}: post record {} skipped: {msg}",
                                    p.line, p.record
                                ));
                            }
                            Some(msg) => return Err(malformed(p.line, Some(p.record), msg)),
                        }
                    }
                    (3, "message") => p.message = value,
                    (3, "createdAt") => p.created = Some(v.to_string()),
                    (3, "isDeleted") => p.deleted = yes,
                    (3, "isSpam") => p.spam = yes,
                    (4, "name") => p.author = Some(normalize_space(v)).filter(|s| !s.is_empty()),
                    (4, "username") => p.username = Some(v.to_string()).filter(|s| !s.is_empty()),
                    (4, "isAnonymous") => p.anonymous = yes,
                    _ => {}
                }
            }
        }
    }
    if !saw_root {
        return Err(malformed(
            1,
            None,
            "no <disqus> element; expected a Disqus export".into(),
        ));
    }
    if scanner.saw_doctype {
        warnings.push(format!(
            "{name}: the DOCTYPE was ignored (entities it declares are not expanded)"
        ));
    }
    let (threads, dropped) = build(threads, posts, input, merge, &mut warnings);
    skipped += dropped;
    let parsed = threads.iter().map(|t| t.comments.len() as u64).sum();
    // Merge details stay in each thread's warnings; the summary above goes to stderr.
    Ok(ReadOutput {
        threads,
        stats: IngestStats {
            read,
            parsed,
            skipped,
            warnings,
            ..IngestStats::default()
        },
    })
}

/// Whether a head looks like Duoshuo import JSON (`{"threads": […], "posts": […]}` with
/// `thread_key` / `post_key` fields).
fn looks_like_duoshuo(head: &str) -> bool {
    head.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
        && head.contains("\"thread_key\"")
        && (head.contains("\"post_key\"") || head.contains("\"threads\""))
}

/// A Duoshuo thread.
#[derive(serde::Deserialize)]
struct DuoshuoThread {
    thread_key: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

/// A Duoshuo post.
#[derive(serde::Deserialize)]
struct DuoshuoPost {
    thread_key: String,
    post_key: String,
    #[serde(default)]
    parent_key: Option<String>,
    #[serde(default)]
    author_name: Option<String>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    created_at: Option<String>,
}

/// The whole Duoshuo file.
#[derive(serde::Deserialize)]
struct DuoshuoFile {
    #[serde(default)]
    threads: Vec<DuoshuoThread>,
    #[serde(default)]
    posts: Vec<DuoshuoPost>,
}

/// Reads Duoshuo import JSON: one thread per `thread_key` with posts, in the order the
/// threads are listed (threads only named by posts follow, in order of first post).
/// `created_at` carries no zone; it is read as UTC and marked `timestamp_zone: unspecified`.
fn parse_duoshuo(text: &str, input: &InputFile) -> Result<ReadOutput, IngestError> {
    let file: DuoshuoFile = serde_json::from_str(text).map_err(|e| IngestError::Malformed {
        path: input.path.clone(),
        line: Some(e.line() as u64),
        record: None,
        message: format!(
            "not Duoshuo import JSON ({e}); expected {{\"threads\": [...], \"posts\": [...]}}"
        ),
    })?;
    let stem = input.stem_id();
    let mut order: Vec<String> = file.threads.iter().map(|t| t.thread_key.clone()).collect();
    let meta: HashMap<&str, &DuoshuoThread> = file
        .threads
        .iter()
        .map(|t| (t.thread_key.as_str(), t))
        .collect();
    let mut by_key: HashMap<&str, Vec<&DuoshuoPost>> = HashMap::new();
    for p in &file.posts {
        if !meta.contains_key(p.thread_key.as_str()) && !by_key.contains_key(p.thread_key.as_str())
        {
            order.push(p.thread_key.clone());
        }
        by_key.entry(p.thread_key.as_str()).or_default().push(p);
    }
    let mut threads = Vec::new();
    let mut seen = HashSet::new();
    for key in &order {
        if !seen.insert(key.as_str()) {
            continue;
        }
        let Some(posts) = by_key.get(key.as_str()) else {
            continue;
        };
        let mut t = Thread::new(
            format!("{stem}-{}", key.trim_matches('/')),
            input.display_name(),
            Format::Disqus,
        );
        if let Some(m) = meta.get(key.as_str()) {
            t.post.title = m.title.clone();
            t.post.url = m.url.clone();
        }
        for (i, p) in posts.iter().enumerate() {
            let mut c = Comment::new(
                p.post_key.clone(),
                i as u32 + 1,
                fragment_to_text(&p.message),
            );
            if let Some(par) = p.parent_key.as_deref().filter(|k| !k.is_empty()) {
                c.parent_id = Some(par.to_string());
                c.reply_link = ReplyLink::EXPLICIT;
            }
            if let Some(a) = p
                .author_name
                .as_deref()
                .map(normalize_space)
                .filter(|a| !a.is_empty())
            {
                c.author = Some(a);
                c.author_source = Some(AuthorSource::Explicit);
            }
            c.timestamp = p.created_at.as_deref().and_then(parse_timestamp);
            if c.timestamp.is_some() {
                c.meta.insert("timestamp_zone".into(), "unspecified".into());
            }
            t.comments.push(c);
        }
        threads.push(t);
    }
    let n = file.posts.len() as u64;
    Ok(ReadOutput {
        threads,
        stats: IngestStats {
            read: n,
            parsed: n,
            skipped: 0,
            warnings: Vec::new(),
            ..IngestStats::default()
        },
    })
}

/// The identity of an article in a link: host without `www.`, last path segment without
/// extension, and query. `None` for a site's home page (no path segment, no query).
fn link_key(link: &str) -> Option<(String, String, String)> {
    let rest = link.split_once("://").map_or(link, |(_, r)| r);
    let rest = rest.split('#').next().unwrap_or("");
    let (hostpath, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (host, path) = hostpath.split_once('/').unwrap_or((hostpath, ""));
    let host = host.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let mut slug = path
        .split('/')
        .rfind(|s| !s.is_empty())
        .unwrap_or("")
        .to_string();
    for ext in [".html", ".htm", ".php"] {
        if let Some(s) = slug.strip_suffix(ext) {
            slug = s.to_string();
        }
    }
    (!slug.is_empty() || !query.is_empty()).then_some((host, slug, query.to_string()))
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    // The earlier thread stays the representative.
    if ra < rb {
        parent[rb] = ra;
    } else if rb < ra {
        parent[ra] = rb;
    }
}

type Signature<'a> = (&'a str, &'a str, &'a str);

fn signature(p: &PostDef) -> Signature<'_> {
    (
        p.author.as_deref().unwrap_or(""),
        p.created.as_deref().unwrap_or(""),
        p.message.trim(),
    )
}

/// Groups posts into (merged) threads and builds the model. Returns the threads and the
/// number of duplicate posts left out.
fn build(
    defs: Vec<ThreadDef>,
    posts: Vec<PostDef>,
    input: &InputFile,
    merge: bool,
    warnings: &mut Vec<String>,
) -> (Vec<Thread>, u64) {
    let name = input.display_name();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut defs = defs;
    for (i, t) in defs.iter().enumerate() {
        index.entry(t.dsq_id.clone()).or_insert(i);
    }
    // Posts whose thread is not defined get a bare thread of that id.
    for p in &posts {
        if let Some(t) = &p.thread {
            if !index.contains_key(t) {
                warnings.push(format!(
                    "{name}: post {} names thread {t}, which is not defined; a thread without title is made for it",
                    p.dsq_id
                ));
                index.insert(t.clone(), defs.len());
                defs.push(ThreadDef {
                    dsq_id: t.clone(),
                    ..ThreadDef::default()
                });
            }
        }
    }
    let n = defs.len();
    let mut by_thread: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, p) in posts.iter().enumerate() {
        if let Some(&t) = p.thread.as_ref().and_then(|t| index.get(t)) {
            by_thread[t].push(k);
        }
    }
    let mut parent: Vec<usize> = (0..n).collect();
    let mut reasons: Vec<Vec<String>> = vec![Vec::new(); n];
    if merge {
        let mut by_link: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        let mut by_title: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, t) in defs.iter().enumerate() {
            if by_thread[i].is_empty() {
                continue;
            }
            if let Some(key) = t.link.as_deref().and_then(link_key) {
                match by_link.get(&key) {
                    Some(&j) => {
                        union(&mut parent, j, i);
                        reasons[i].push(format!("same link slug {:?}", key.1));
                    }
                    None => {
                        by_link.insert(key, i);
                    }
                }
            }
            if let Some(title) = t.title.as_deref() {
                by_title.entry(title).or_default().push(i);
            }
        }
        for group in by_title.values().filter(|g| g.len() > 1) {
            let sigs: Vec<HashSet<Signature<'_>>> = group
                .iter()
                .map(|&i| by_thread[i].iter().map(|&k| signature(&posts[k])).collect())
                .collect();
            for a in 0..group.len() {
                for b in a + 1..group.len() {
                    if find(&mut parent, group[a]) != find(&mut parent, group[b])
                        && !sigs[a].is_disjoint(&sigs[b])
                    {
                        union(&mut parent, group[a], group[b]);
                        reasons[group[b]].push("same title and shared posts".into());
                    }
                }
            }
        }
    }
    // Members of each group in file order, the representative first.
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, members) in by_thread.iter().enumerate() {
        if !members.is_empty() {
            let r = find(&mut parent, i);
            groups.entry(r).or_default().push(i);
        }
    }
    let stem = input.stem_id();
    let mut out = Vec::new();
    let mut dropped = 0u64;
    let (mut merged_groups, mut merged_threads) = (0usize, 0usize);
    for (rep, members) in groups {
        let d = &defs[rep];
        let mut t = Thread::new(
            format!("{stem}-{}", d.dsq_id),
            input.display_name(),
            Format::Disqus,
        );
        t.post.title = d.title.clone();
        t.post.url = d.link.clone();
        t.post.date = d.created.clone();
        t.post.timestamp = d.created.as_deref().and_then(parse_timestamp);
        t.comment_status = if d.closed {
            CommentStatus::Closed
        } else {
            CommentStatus::Open
        };
        if d.deleted {
            t.warnings
                .push(format!("Disqus marks thread {} as deleted", d.dsq_id));
        }
        if members.len() > 1 {
            let others: Vec<String> = members[1..]
                .iter()
                .map(|&m| {
                    format!(
                        "{} ({}; {})",
                        defs[m].dsq_id,
                        defs[m].link.as_deref().unwrap_or("no link"),
                        reasons[m].join(", ")
                    )
                })
                .collect();
            t.warnings.push(format!(
                "{} more Disqus thread{} merged into thread {} as the same article: {}",
                others.len(),
                if others.len() == 1 { "" } else { "s" },
                d.dsq_id,
                others.join("; ")
            ));
            merged_groups += 1;
            merged_threads += others.len();
        }
        // Posts of the group in file order; copies from other threads of the group left out.
        let mut order: Vec<usize> = members.iter().flat_map(|&m| by_thread[m].clone()).collect();
        order.sort_unstable();
        let mut kept_sig: HashMap<Signature<'_>, (usize, usize)> = HashMap::new();
        let mut alias: HashMap<&str, &str> = HashMap::new();
        let mut kept: Vec<usize> = Vec::new();
        let mut group_dropped = 0u64;
        for k in order {
            let p = &posts[k];
            let home = p.thread.as_ref().and_then(|t| index.get(t)).copied();
            let sig = signature(p);
            match kept_sig.get(&sig) {
                Some(&(orig, orig_home)) if Some(orig_home) != home => {
                    alias.insert(p.dsq_id.as_str(), posts[orig].dsq_id.as_str());
                    group_dropped += 1;
                }
                _ => {
                    kept_sig
                        .entry(sig)
                        .or_insert((k, home.unwrap_or(usize::MAX)));
                    kept.push(k);
                }
            }
        }
        if group_dropped > 0 {
            t.warnings.push(format!(
                "{group_dropped} posts left out as copies of posts in a merged thread (same author, time and message)"
            ));
            dropped += group_dropped;
        }
        for (pos, &k) in kept.iter().enumerate() {
            let p = &posts[k];
            let mut c = Comment::new(
                p.dsq_id.clone(),
                pos as u32 + 1,
                fragment_to_text(&p.message),
            );
            if let Some(par) = &p.parent {
                let par = alias.get(par.as_str()).copied().unwrap_or(par.as_str());
                c.parent_id = Some(par.to_string());
                c.reply_link = ReplyLink::EXPLICIT;
            }
            if let Some(a) = &p.author {
                c.author = Some(a.clone());
                c.author_source = Some(AuthorSource::Explicit);
            }
            if let Some(u) = &p.username {
                c.meta.insert("username".into(), u.clone());
            }
            if p.anonymous {
                c.meta.insert("anonymous".into(), "true".into());
            }
            c.timestamp = p.created.as_deref().and_then(parse_timestamp);
            c.status = if p.deleted {
                SourceStatus::Deleted
            } else if p.spam {
                SourceStatus::Spam
            } else {
                SourceStatus::Approved
            };
            if let Some(home) = p.thread.as_ref().filter(|h| **h != d.dsq_id) {
                c.meta.insert("disqus_thread".into(), home.clone());
            }
            c.lines = Some(LineRange {
                start: p.line as u32,
                end: p.end_line as u32,
            });
            t.comments.push(c);
        }
        out.push(t);
    }
    if merged_groups > 0 {
        warnings.push(format!(
            "{name}: {merged_threads} Disqus threads merged into {merged_groups} others as the same article (same link slug, or same title with shared posts); {dropped} posts left out as copies; see each thread's warnings"
        ));
    }
    (out, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: &str, thread: &str, parent: Option<&str>, msg: &str, extra: &str) -> String {
        let parent = parent
            .map(|p| format!("<parent dsq:id=\"{p}\"/>"))
            .unwrap_or_default();
        format!(
            "<post dsq:id=\"{id}\"><message><![CDATA[<p>{msg}</p>]]></message><createdAt>2013-03-24T10:39:54Z</createdAt>{extra}<author><name>Ann</name></author><thread dsq:id=\"{thread}\"/>{parent}</post>\n"
        )
    }

    fn doc(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<disqus xmlns=\"http://disqus.com\" xmlns:dsq=\"http://disqus.com/disqus-internals\">\n\
<thread dsq:id=\"1\"><link>http://www.a.org/blog/slug.html</link><title>T</title></thread>\n\
<thread dsq:id=\"2\"><link>http://a.org/slug/</link><title>T</title></thread>\n\
<thread dsq:id=\"3\"><link>http://a.org/other/</link><title>Other</title></thread>\n{body}</disqus>"
        )
    }

    fn read(xml: &str, lenient: bool) -> Result<ReadOutput, IngestError> {
        let input = InputFile::from_bytes("d.xml", xml.as_bytes().to_vec());
        let opts = IngestOptions {
            lenient,
            ..IngestOptions::default()
        };
        parse_disqus(xml, &input, &opts, true)
    }

    #[test]
    fn threads_parents_status_and_merge() {
        let body = post("10", "1", None, "hi", "<isDeleted>true</isDeleted>")
            + &post("11", "1", Some("10"), "re", "<isSpam>true</isSpam>")
            + &post("20", "2", None, "hi", "")
            + &post("21", "2", Some("20"), "new reply", "")
            + &post("30", "3", None, "x", "");
        let out = read(&doc(&body), false).unwrap();
        assert_eq!(out.threads.len(), 2, "threads 1 and 2 are one article");
        let t = &out.threads[0];
        assert_eq!(t.id, "d-1");
        let ids: Vec<&str> = t.comments.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["10", "11", "21"], "20 is a copy of 10");
        assert_eq!(t.comments[0].status, SourceStatus::Deleted);
        assert_eq!(t.comments[1].status, SourceStatus::Spam);
        assert_eq!(t.comments[2].parent_id.as_deref(), Some("10"));
        assert_eq!(t.comments[0].text, "hi");
        assert_eq!(out.stats.read, 5);
        assert_eq!(out.stats.skipped, 1);
        assert_eq!(out.stats.parsed, 4);
    }

    /// The real export, unmerged, has exactly the counts its source documents
    /// (SOURCES.md: 2,693 posts, 439 replies, 6 levels, 6 deleted, no dangling parent).
    #[test]
    fn real_export_unmerged_matches_documented_counts() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/disqus/tanglei-disqus-export.xml"
        );
        let input = InputFile::from_path(path, true);
        let opts = IngestOptions::default();
        let text = input.text(&opts.limits).unwrap();
        let mut out = parse_disqus(&text, &input, &opts, false).unwrap();
        assert_eq!(out.stats.read, 2693);
        assert_eq!(out.stats.skipped, 0);
        assert_eq!(out.threads.len(), 340);
        let mut max_depth = 0;
        let (mut n, mut replies, mut deleted, mut dangling) = (0, 0, 0, 0);
        for t in &mut out.threads {
            t.link().unwrap();
            for c in &t.comments {
                n += 1;
                replies += usize::from(c.parent_id.is_some());
                deleted += usize::from(c.status == SourceStatus::Deleted);
                dangling += usize::from(c.reply_link.kind == crate::model::LinkKind::Dangling);
                max_depth = max_depth.max(c.depth);
            }
        }
        assert_eq!((n, replies, deleted, dangling), (2693, 439, 6, 0));
        assert_eq!(max_depth + 1, 6, "six levels: depth 0..=5");
    }

    #[test]
    fn link_keys_ignore_scheme_www_and_extension() {
        assert_eq!(
            link_key("http://www.A.org/blog/slug.html"),
            link_key("https://a.org/slug/")
        );
        assert_eq!(link_key("http://a.org/"), None);
        assert_ne!(link_key("http://a.org/?p=1"), link_key("http://a.org/?p=2"));
    }

    #[test]
    fn post_without_thread_is_an_error_or_skipped() {
        let body = "<post dsq:id=\"9\"><message>m</message></post>\n";
        let e = read(&doc(body), false).unwrap_err().to_string();
        assert!(e.contains("d.xml:6 (record 1)"), "{e}");
        assert!(e.contains("names no thread"), "{e}");
        let out = read(&doc(body), true).unwrap();
        assert_eq!((out.stats.read, out.stats.skipped), (1, 1));
    }
}
