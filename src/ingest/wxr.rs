//! WordPress eXtended RSS exports, WXR 1.0–1.2 (format `wxr`).
//!
//! One thread per `<item>` (post, page, attachment) that has comments; each `wp:comment`
//! becomes a comment whose parent is `wp:comment_parent` (0 = top level). Moderation state
//! (`wp:comment_approved`: 1, 0 = pending, `spam`, `trash`) goes to `Comment.status`;
//! pingbacks, trackbacks and notes stay in the thread, marked by `Comment.kind`, and are
//! counted separately in the warnings. Elements are matched by prefix and local name: the
//! `wp` namespace is whatever prefix is bound to a `wordpress.org/export/` URI (http or
//! https, any version), and undeclared prefixes (WordPress.com's `atom:`) are tolerated
//! because prefixes are never resolved. The DTD, if any, is skipped; custom entities are
//! refused, never expanded (see [`super::xml`]).
//!
//! The same parser reads Disqus's WXR-like import format (WXR with `dsq:` fields) for the
//! `disqus` reader: items sharing a `dsq:thread_identifier` become one thread.

use super::detect::extension;
use super::html::fragment_to_text;
use super::xml::{XmlError, XmlEvent, XmlScanner, local, prefix};
use super::{IngestOptions, InputFile, ReadOutput, Reader};
use crate::error::IngestError;
use crate::model::{
    AuthorSource, Comment, CommentKind, CommentStatus, Format, IngestStats, ReplyLink,
    SourceStatus, Thread, parse_timestamp,
};
use crate::text::normalize_space;
use std::collections::BTreeMap;

/// Reader for WordPress WXR exports.
pub struct WxrReader;

/// Whether the head of a file looks like WXR (RSS with a WordPress export namespace).
pub fn looks_like_wxr(head: &str) -> bool {
    super::xml::root_name(head).is_some_and(|r| local(r) == "rss")
        && head.contains("wordpress.org/export/")
}

impl Reader for WxrReader {
    fn format(&self) -> Format {
        Format::Wxr
    }

    fn sniff(&self, input: &InputFile, head: &str) -> u8 {
        if input.is_dir || !looks_like_wxr(head) {
            return 0;
        }
        // Disqus's import format is WXR with dsq: fields: the disqus reader claims it higher.
        let ext = extension(input);
        if matches!(ext.as_str(), "xml" | "wxr" | "rss") {
            80
        } else {
            70
        }
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        let text = input.text(&opts.limits)?;
        parse_wxr(&text, input, opts, Format::Wxr)
    }
}

/// A post being read.
#[derive(Default)]
struct PostBuf {
    id: Option<String>,
    title: Option<String>,
    link: Option<String>,
    creator: Option<String>,
    pub_date: Option<String>,
    date_gmt: Option<String>,
    post_type: Option<String>,
    status: Option<String>,
    comment_status: Option<String>,
    content: Option<String>,
    dsq_identifier: Option<String>,
    comments: Vec<Comment>,
}

/// A comment being read: its fields by local name, and where it started.
struct CommentBuf {
    fields: BTreeMap<String, String>,
    line: u64,
    record: u64,
    bad: Option<String>,
}

/// Record accounting of one file.
#[derive(Default)]
struct Counts {
    read: u64,
    skipped: u64,
    kinds: BTreeMap<&'static str, u64>,
    statuses: BTreeMap<&'static str, u64>,
}

/// Parses a WXR document (or Disqus's WXR-like import when `format` is `Disqus`).
pub fn parse_wxr(
    text: &str,
    input: &InputFile,
    opts: &IngestOptions,
    format: Format,
) -> Result<ReadOutput, IngestError> {
    let name = input.display_name();
    let malformed = |line: u64, record: Option<u64>, message: String| IngestError::Malformed {
        path: input.path.clone(),
        line: Some(line),
        record,
        message,
    };
    let mut scanner = XmlScanner::new(text);
    let mut wp_prefixes: Vec<String> = vec!["wp".into()];
    let mut saw_rss = false;
    let mut site: Option<String> = None;
    let mut post: Option<PostBuf> = None;
    let mut comment: Option<CommentBuf> = None;
    let mut posts: Vec<PostBuf> = Vec::new();
    let mut counts = Counts::default();
    let mut warnings: Vec<String> = Vec::new();
    let mut depth_in_comment = 0usize;
    loop {
        let ev = match scanner.next_event() {
            Ok(ev) => ev,
            Err(e) => {
                let record = comment.as_ref().map(|c| c.record);
                if !opts.lenient {
                    return Err(malformed(e.line, record, e.message));
                }
                if e.recoverable {
                    match comment.as_mut() {
                        Some(c) => {
                            c.bad
                                .get_or_insert(format!("line {}: {}", e.line, e.message));
                            continue;
                        }
                        None => {
                            warnings.push(format!("{name}:{}: {}; ignored", e.line, e.message));
                            continue;
                        }
                    }
                }
                salvage(
                    &name,
                    &e,
                    comment.take(),
                    &mut post,
                    &mut posts,
                    &mut counts,
                    &mut warnings,
                );
                break;
            }
        };
        match ev {
            XmlEvent::Eof => break,
            XmlEvent::Start {
                name: tag,
                attrs,
                line,
                ..
            } => {
                if !saw_rss {
                    if local(&tag) != "rss" {
                        return Err(malformed(
                            line,
                            None,
                            format!(
                                "root element is <{tag}>; expected <rss> of a WordPress export (WXR)"
                            ),
                        ));
                    }
                    saw_rss = true;
                    for (k, v) in &attrs {
                        if let Some(p) = k.strip_prefix("xmlns:") {
                            if v.contains("wordpress.org/export/")
                                && !v.trim_end_matches('/').ends_with("excerpt")
                                && !wp_prefixes.iter().any(|x| x == p)
                            {
                                wp_prefixes.push(p.to_string());
                            }
                        }
                    }
                    continue;
                }
                let is_wp = wp_prefixes.iter().any(|p| p == prefix(&tag));
                if comment.is_some() {
                    depth_in_comment += 1;
                } else if tag == "item" {
                    post = Some(PostBuf::default());
                } else if is_wp && local(&tag) == "comment" && post.is_some() {
                    counts.read += 1;
                    comment = Some(CommentBuf {
                        fields: BTreeMap::new(),
                        line,
                        record: counts.read,
                        bad: None,
                    });
                    depth_in_comment = 0;
                }
            }
            XmlEvent::End {
                name: tag,
                text: value,
                line: end_line,
                ..
            } => {
                let is_wp = wp_prefixes.iter().any(|p| p == prefix(&tag));
                if let Some(c) = comment.as_mut() {
                    if depth_in_comment > 0 {
                        depth_in_comment -= 1;
                        // Fields of the comment itself, and dsq:remote's children for the
                        // Disqus import (kept under their local name with a dsq. prefix).
                        let key = if is_wp {
                            local(&tag).to_string()
                        } else {
                            format!("{}.{}", prefix(&tag), local(&tag))
                        };
                        if depth_in_comment == 0 || !is_wp {
                            c.fields.entry(key).or_insert(value);
                        }
                        continue;
                    }
                    // The end of the wp:comment itself.
                    let Some(c) = comment.take() else { continue };
                    let Some(p) = post.as_mut() else { continue };
                    match build_comment(c, end_line, &mut counts) {
                        Ok(built) => p.comments.push(built),
                        Err((line, record, msg)) => {
                            if opts.lenient {
                                counts.skipped += 1;
                                warnings.push(format!(
                                    "{name}:{line}: comment record {record} skipped: {msg}"
                                ));
                            } else {
                                return Err(malformed(line, Some(record), msg));
                            }
                        }
                    }
                    continue;
                }
                let Some(p) = post.as_mut() else {
                    if tag == "title" && site.is_none() {
                        site = Some(normalize_space(&value)).filter(|s| !s.is_empty());
                    }
                    continue;
                };
                let v = || Some(value.trim().to_string()).filter(|s| !s.is_empty());
                match (is_wp, prefix(&tag), local(&tag)) {
                    (_, _, "item") => {
                        if let Some(p) = post.take() {
                            posts.push(p);
                        }
                    }
                    (false, "", "title") => p.title = v().map(|t| normalize_space(&t)),
                    (false, "", "link") => p.link = v(),
                    (false, "", "pubDate") => p.pub_date = v(),
                    (false, "dc", "creator") => p.creator = v(),
                    (false, "content", "encoded") => p.content = v(),
                    (false, "dsq", "thread_identifier") => p.dsq_identifier = v(),
                    (true, _, "post_id") => p.id = v(),
                    (true, _, "post_date_gmt") => p.date_gmt = v(),
                    (true, _, "post_type") => p.post_type = v(),
                    (true, _, "status") => p.status = v(),
                    (true, _, "comment_status") => p.comment_status = v(),
                    _ => {}
                }
            }
        }
    }
    if !saw_rss {
        return Err(IngestError::Malformed {
            path: input.path.clone(),
            line: Some(1),
            record: None,
            message: "no <rss> element; expected a WordPress export (WXR)".into(),
        });
    }
    if scanner.saw_doctype {
        warnings.push(format!(
            "{name}: the DOCTYPE was ignored (entities it declares are not expanded)"
        ));
    }
    let threads = build_threads(posts, input, site, format);
    let parsed: u64 = threads.iter().map(|t| t.comments.len() as u64).sum();
    let mut parts: Vec<String> = counts
        .kinds
        .iter()
        .map(|(k, n)| format!("{n} {k}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if !parts.is_empty() {
        parts.push("kept and marked by kind".into());
        warnings.push(format!(
            "{name}: {parsed} comments in {} threads; {}",
            threads.len(),
            parts.join(", ")
        ));
    }
    if !counts.statuses.is_empty() {
        let s: Vec<String> = counts
            .statuses
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        warnings.push(format!(
            "{name}: not approved: {} (kept, marked by status)",
            s.join(", ")
        ));
    }
    for t in &threads {
        for w in &t.warnings {
            warnings.push(format!("{name}: {w}"));
        }
    }
    Ok(ReadOutput {
        threads,
        stats: IngestStats {
            read: counts.read,
            parsed,
            skipped: counts.skipped,
            warnings,
            ..IngestStats::default()
        },
    })
}

/// Lenient mode after a syntax error: keep what was complete, count the open comment as
/// skipped, and say where reading stopped.
fn salvage(
    name: &str,
    e: &XmlError,
    open_comment: Option<CommentBuf>,
    post: &mut Option<PostBuf>,
    posts: &mut Vec<PostBuf>,
    counts: &mut Counts,
    warnings: &mut Vec<String>,
) {
    if open_comment.is_some() {
        counts.skipped += 1;
    }
    if let Some(p) = post.take() {
        posts.push(p);
    }
    warnings.push(format!(
        "{name}:{}: {}; reading stopped here, {} complete comments kept, {} skipped",
        e.line,
        e.message,
        counts.read - counts.skipped,
        counts.skipped
    ));
}

fn build_comment(
    c: CommentBuf,
    end_line: u64,
    counts: &mut Counts,
) -> Result<Comment, (u64, u64, String)> {
    if let Some(bad) = c.bad {
        return Err((c.line, c.record, bad));
    }
    let f = |k: &str| c.fields.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let Some(id) = f("comment_id") else {
        return Err((
            c.line,
            c.record,
            "wp:comment has no wp:comment_id; expected a comment id".into(),
        ));
    };
    let content = c
        .fields
        .get("comment_content")
        .map(String::as_str)
        .unwrap_or("");
    let mut out = Comment::new(id, 0, fragment_to_text(content));
    match f("comment_parent") {
        None | Some("0") => {}
        Some(p) => {
            out.parent_id = Some(p.to_string());
            out.reply_link = ReplyLink::EXPLICIT;
        }
    }
    if let Some(a) = f("comment_author") {
        out.author = Some(normalize_space(a));
        out.author_source = Some(AuthorSource::Explicit);
    }
    let gmt = f("comment_date_gmt").filter(|d| !d.starts_with("0000-00-00"));
    out.timestamp = match gmt {
        Some(d) => parse_timestamp(d),
        None => {
            // No GMT time (drafts, some imports): the local time is all there is.
            let local_time = f("comment_date").and_then(parse_timestamp);
            if local_time.is_some() {
                out.meta
                    .insert("timestamp_zone".into(), "site-local".into());
            }
            local_time
        }
    };
    out.kind = match f("comment_type").unwrap_or("") {
        "" | "comment" => CommentKind::Comment,
        "pingback" => CommentKind::Pingback,
        "trackback" => CommentKind::Trackback,
        other => {
            out.meta.insert("comment_type".into(), other.to_string());
            CommentKind::Note
        }
    };
    if out.kind != CommentKind::Comment {
        let key = match out.kind {
            CommentKind::Pingback => "pingback",
            CommentKind::Trackback => "trackback",
            _ => "note",
        };
        *counts.kinds.entry(key).or_default() += 1;
    }
    out.status = match f("comment_approved").unwrap_or("1") {
        "1" | "approve" | "approved" => SourceStatus::Approved,
        "0" | "hold" | "pending" | "unapproved" => SourceStatus::Pending,
        "spam" => SourceStatus::Spam,
        "trash" | "post-trashed" | "deleted" => SourceStatus::Deleted,
        other => {
            out.meta
                .insert("comment_approved".into(), other.to_string());
            SourceStatus::Approved
        }
    };
    let status_key = match out.status {
        SourceStatus::Pending => Some("pending"),
        SourceStatus::Spam => Some("spam"),
        SourceStatus::Deleted => Some("deleted"),
        SourceStatus::Approved => None,
    };
    if let Some(k) = status_key {
        *counts.statuses.entry(k).or_default() += 1;
    }
    if let Some(u) = f("comment_author_url") {
        out.meta.insert("author_url".into(), u.to_string());
    }
    if let Some(u) = f("comment_user_id").filter(|u| *u != "0") {
        out.meta.insert("user_id".into(), u.to_string());
    }
    if let Some(u) = f("dsq.username").or(f("dsq.id")) {
        out.meta.insert("disqus_user".into(), u.to_string());
    }
    out.lines = Some(crate::model::LineRange {
        start: c.line as u32,
        end: end_line as u32,
    });
    Ok(out)
}

/// One thread per post with comments; for the Disqus import, posts with the same
/// `dsq:thread_identifier` are one thread.
fn build_threads(
    posts: Vec<PostBuf>,
    input: &InputFile,
    site: Option<String>,
    format: Format,
) -> Vec<Thread> {
    let stem = input.stem_id();
    let mut threads: Vec<Thread> = Vec::new();
    let mut by_identifier: BTreeMap<String, usize> = BTreeMap::new();
    for (k, p) in posts.into_iter().enumerate() {
        if p.comments.is_empty() {
            continue;
        }
        if let Some(ident) = &p.dsq_identifier {
            if let Some(&t) = by_identifier.get(ident) {
                let thread = &mut threads[t];
                thread.warnings.push(format!(
                    "items with thread identifier {ident:?} merged into one thread"
                ));
                thread.comments.extend(p.comments);
                continue;
            }
        }
        let id = match (&p.dsq_identifier, &p.id) {
            (Some(ident), _) if format == Format::Disqus => format!("{stem}-{ident}"),
            (_, Some(pid)) => format!("{stem}-p{pid}"),
            _ => format!("{stem}-item{}", k + 1),
        };
        let mut t = Thread::new(id, input.display_name(), format);
        t.post.title = p.title;
        t.post.byline = p.creator;
        t.post.site = site.clone();
        t.post.url = p.link;
        t.post.timestamp = p
            .date_gmt
            .as_deref()
            .filter(|d| !d.starts_with("0000"))
            .and_then(parse_timestamp)
            .or_else(|| p.pub_date.as_deref().and_then(parse_timestamp));
        t.post.date = p.pub_date.or(p.date_gmt);
        if let Some(c) = p.content {
            t.post.paragraphs = fragment_to_text(&c)
                .split("\n\n")
                .map(str::to_string)
                .filter(|s| !s.is_empty())
                .collect();
        }
        t.comment_status = match p.comment_status.as_deref() {
            Some("open") => CommentStatus::Open,
            Some("closed") => CommentStatus::Closed,
            _ => CommentStatus::None,
        };
        let _ = (&p.post_type, &p.status);
        if let Some(ident) = p.dsq_identifier {
            by_identifier.insert(ident, threads.len());
        }
        t.comments = p.comments;
        threads.push(t);
    }
    for t in &mut threads {
        // WXR lists comments by id, which is creation order, within each post.
        for (i, c) in t.comments.iter_mut().enumerate() {
            c.position = i as u32 + 1;
        }
    }
    threads
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &str, lenient: bool) -> Result<ReadOutput, IngestError> {
        let input = InputFile::from_bytes("t.xml", xml.as_bytes().to_vec());
        let opts = IngestOptions {
            lenient,
            ..IngestOptions::default()
        };
        parse_wxr(xml, &input, &opts, Format::Wxr)
    }

    const DOC: &str = r#"<?xml version="1.0"?>
<rss xmlns:wp="https://wordpress.org/export/1.2/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Site</title><atom:link href="x"/>
<item><title>Post</title><wp:post_id>7</wp:post_id><wp:comment_status>open</wp:comment_status>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author><![CDATA[Ann]]></wp:comment_author>
<wp:comment_date_gmt>2015-11-19 15:45:00</wp:comment_date_gmt>
<wp:comment_content><![CDATA[Hello

world & <a href="https://a.b/">link</a>]]></wp:comment_content>
<wp:comment_approved>1</wp:comment_approved><wp:comment_type></wp:comment_type><wp:comment_parent>0</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_approved>0</wp:comment_approved><wp:comment_parent>1</wp:comment_parent><wp:comment_content>re</wp:comment_content></wp:comment>
<wp:comment><wp:comment_id>3</wp:comment_id><wp:comment_approved>spam</wp:comment_approved><wp:comment_type>pingback</wp:comment_type><wp:comment_content>p</wp:comment_content></wp:comment>
</item></channel></rss>"#;

    #[test]
    fn reads_comments_status_kind_and_parent() {
        let out = read(DOC, false).unwrap();
        assert_eq!(out.threads.len(), 1);
        let t = &out.threads[0];
        assert_eq!(t.id, "t-p7");
        assert_eq!(t.post.site.as_deref(), Some("Site"));
        assert_eq!(t.comment_status, CommentStatus::Open);
        let c = &t.comments;
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].author.as_deref(), Some("Ann"));
        assert_eq!(c[0].text, "Hello\n\nworld & link (https://a.b/)");
        assert_eq!(
            c[0].timestamp.map(|x| x.to_rfc3339()).as_deref(),
            Some("2015-11-19T15:45:00Z")
        );
        assert_eq!(c[1].parent_id.as_deref(), Some("1"));
        assert_eq!(c[1].status, SourceStatus::Pending);
        assert_eq!(c[2].status, SourceStatus::Spam);
        assert_eq!(c[2].kind, CommentKind::Pingback);
        assert_eq!(out.stats.read, 3);
        assert!(out.stats.warnings.iter().any(|w| w.contains("1 pingback")));
    }

    #[test]
    fn truncated_export_fails_or_is_salvaged() {
        let cut = &DOC[..DOC.find("<wp:comment><wp:comment_id>3").unwrap() + 30];
        let e = read(cut, false).unwrap_err().to_string();
        assert!(e.contains("not closed"), "{e}");
        let out = read(cut, true).unwrap();
        assert_eq!(out.stats.read, 3);
        assert_eq!(out.stats.skipped, 1);
        assert_eq!(out.threads[0].comments.len(), 2);
    }
}
