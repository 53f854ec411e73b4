//! Plain-text page dumps (format `text`): an article followed by a comment section, as saved
//! by "save as text", lynx/html2text or copy-paste from blogs.
//!
//! The page is split into three parts: the page before the comment section (title, byline,
//! article, boilerplate), the comment section, and what follows it (forms, related lists).
//! The comment section is read line by line into items that start at a marker: a numbered
//! top-level comment (`  1. `), a bulleted reply (`    • `), a `Name says:` / `Name said...`
//! header, or the line after a `Posted by: Name | date` footer. Items nest by indentation.
//! Every non-blank line ends up in the post, a comment, or `Thread::boilerplate`.

use super::detect::extension;
use super::{IngestOptions, InputFile, ReadOutput, Reader};
use crate::error::IngestError;
use crate::model::{
    AuthorSource, Boilerplate, Comment, CommentStatus, Format, IngestStats, LineRange, LinkKind,
    ReplyLink, Thread, Timestamp, parse_timestamp,
};
use crate::text::normalize_space;
use regex::Regex;
use std::sync::LazyLock;

/// Reader for plain-text page dumps.
pub struct TextReader;

impl Reader for TextReader {
    fn format(&self) -> Format {
        Format::Text
    }

    fn sniff(&self, input: &InputFile, head: &str) -> u8 {
        if input.is_dir {
            return 0;
        }
        let ext = extension(input);
        let markup = head.trim_start().starts_with(['<', '{', '[']);
        match ext.as_str() {
            "txt" | "text" => 50,
            // Files without a known extension that read as prose.
            "" if !markup && !head.trim().is_empty() => 10,
            _ => 0,
        }
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        let text = input.text(&opts.limits)?;
        let thread = parse_page(&text, input.stem_id(), input.display_name());
        let n = thread.comments.len() as u64;
        let warnings = thread
            .warnings
            .iter()
            .map(|w| format!("{}: {w}", input.display_name()))
            .collect();
        Ok(ReadOutput {
            threads: vec![thread],
            stats: IngestStats {
                read: n,
                parsed: n,
                skipped: 0,
                warnings,
                known_missing: 0,
            },
        })
    }
}

// ---------------------------------------------------------------------------------------
// Line patterns. Each is anchored to a whole line (after trimming) so that prose that merely
// mentions "comments" or "reply" is never mistaken for page furniture.

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static pattern")
}

static COMMENT_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^(?:
        (?P<n>\d{1,6}|no|one|zero)\s+
            (?:responses?|comments?|replies|thoughts?|kommentare?|antworten|reaktionen)
            (?:\s+(?:yet|so\s+far))?(?:\s+(?:to|on|zu|auf|for|about)\b.{0,200})?\s*:?
      | (?:comments?|responses?|discussion|kommentare|reader\s+comments)\s*
            (?:\(\s*(?P<m>\d{1,6})\s*\))?\s*:?
      | (?:(?:show|view|read)\s+)?(?:all\s+)?(?P<k>\d{1,6})\s+comments?\s*(?:»|›)?
      )$")
});
static CLOSED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:comments\s+(?:for\s+this\s+(?:post|entry|thread|article)\s+)?are\s+(?:now\s+)?closed|commenting\s+(?:is|has\s+been)\s+(?:closed|disabled)|kommentare\s+sind\s+(?:geschlossen|deaktiviert)|die\s+kommentarfunktion\s+ist\s+(?:geschlossen|deaktiviert))\.?$",
    )
});
static REPLY_FORM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:leave\s+a\s+(?:reply|comment)(?:\s+cancel\s+reply)?|post\s+a\s+comment|add\s+(?:a\s+|your\s+)?comment|join\s+the\s+discussion|write\s+a\s+comment|schreibe\s+einen\s+kommentar|kommentar\s+(?:schreiben|hinterlassen)|hinterlasse\s+einen\s+kommentar)\s*:?$",
    )
});
static FORM_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:your\s+email\s+address\s+will\s+not\s+be\s+published.*|required\s+fields\s+are\s+marked.*|this\s+site\s+uses\s+akismet.*|learn\s+how\s+your\s+comment\s+data\s+is\s+processed.*|(?:name|e-?mail|website|url|comment|kommentar|post\s+comment|submit(?:\s+comment)?|cancel\s+reply|antworten\s+abbrechen)\s*\*?|notify\s+me\s+of\s+.*|save\s+my\s+name.*|you\s+must\s+be\s+logged\s+in.*|logged\s+in\s+as.*|meine\s+daten\s+.*|deine\s+e-mail-adresse\s+wird\s+nicht\s+veröffentlicht.*)$",
    )
});
static RELATED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:related(?:\s+(?:posts|articles|stories|content|reading|links|videos?|coverage))?|you\s+(?:may|might)\s+also\s+(?:like|be\s+interested\s+in)|read\s+(?:more|also|next)|more\s+(?:from|on|stories)\b.{0,60}|recommended(?:\s+for\s+you)?|most\s+(?:read|popular|viewed)|trending(?:\s+now)?|ähnliche\s+(?:beiträge|artikel)|weitere\s+artikel|das\s+könnte\s+sie\s+auch\s+interessieren)\s*:?$",
    )
});
static TAGS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:tags|tagged(?:\s+with)?|filed\s+under|posted\s+in|categories|category|topics|schlagwörter|schlagworte|stichwörter|kategorien?|themen)\s*:\s*\S",
    )
});
static PHOTO_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:\(?\s*(?:foto|photo|photograph|image|picture|bild|credit|photo\s+credit|image\s+credit|bildquelle|quelle|source)\s*(?::|by\b|credit\b|courtesy\b)\s*\S.{0,100}\)?|.{0,80}\b(?:getty\s+images|ap\s+photo|afp\s+photo|reuters/|shutterstock|epa)\b.{0,40})$",
    )
});
static SHARE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:share(?:\s+(?:this|on\s+\w+))?(?:\s+(?:article|post|story))?|tweet|pin\s+it|e-?mail|print|facebook|twitter|whatsapp|linkedin|pinterest|reddit|telegram|like\s+this|like|loading\.\.\.|like\s+loading\.\.\.|click\s+to\s+(?:share|email|print)\b.*|teilen|drucken|follow\s+us\b.*|advertisement|anzeige|sponsored)\s*:?$",
    )
});
static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| re(r"^[\s*·•\-–—_=~#+]{3,}$"));
static AGENCY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:[-–—]\s*[A-Z][A-Za-z.]{1,15}(?:\s+[A-Z][A-Za-z.]{1,15}){0,2}|\((?:AP|AFP|Reuters|PTI|dpa|IANS|ANI|UPI)\))$",
    )
});
static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(?:by|von|posted\s+by|written\s+by|author:)\s+(?P<rest>\S.{0,160})$")
});
static DATE_BY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(?P<date>.{6,40}?)\s+by\s+(?P<who>\S.{0,60})$"));
static NUMBERED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<indent> *)(?P<num>\d{1,4})[.)] +(?P<rest>\S.*)$"));
static BULLET: LazyLock<Regex> = LazyLock::new(|| re(r"^(?P<indent> *)[•◦▪‣○●] +(?P<rest>\S.*)$"));
static SAYS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?P<indent> *)(?P<who>\S.{0,60}?)\s+(?:says|said|wrote|schreibt|sagt|meint)\s*(?::|\.\.\.|…)\s*$",
    )
});
static POSTED_BY: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^ *posted\s+by:?\s+(?P<who>[^|]{1,80}?)\s*(?:\|\s*(?P<date>.{4,60}?))?\s*$")
});
static REPLY_LINK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:reply|replydelete|delete|reply\s*↓|↓\s*reply|log\s+in\s+to\s+reply|report(?:\s+comment)?|permalink|antworten|melden|\d+\s+likes?|like\s+or\s+dislike:?.*)$",
    )
});
static SALUTATION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?i:dear|hi|hello|hey|hallo|lieber|liebe|sehr\s+geehrte[rs]?)\s+(?P<name>[^,.!:;?\n…]{1,40}?)\s*(?:[,.!:;?…]|$)",
    )
});
static MENTION: LazyLock<Regex> = LazyLock::new(|| re(r"^@(?P<name>[\w][\w.\-]{0,38}\w|\w)"));
static BARE_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<name>\p{Lu}[\p{L}'’.\-]*(?:\s+\p{Lu}[\p{L}'’.\-]*){0,2})\s*,\s"));

/// Titles that do not identify a person on their own ("Dear Professor Cole" → "Cole").
const TITLES: [&str; 14] = [
    "professor",
    "prof",
    "dr",
    "mr",
    "mrs",
    "ms",
    "miss",
    "sir",
    "madam",
    "herr",
    "frau",
    "doktor",
    "editor",
    "mister",
];
/// Addressees (and author names) that name nobody in particular.
const GENERIC_ADDRESSEES: [&str; 16] = [
    "all",
    "everyone",
    "everybody",
    "sir",
    "madam",
    "editor",
    "friends",
    "folks",
    "readers",
    "author",
    "admin",
    "team",
    "anonymous",
    "anon",
    "deleted",
    "unknown",
];

fn indent_of(line: &str) -> usize {
    line.chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

fn ends_sentence(s: &str) -> bool {
    s.trim_end()
        .ends_with(['.', '!', '?', '”', '"', '’', '\'', '…', ')', ':'])
}

// ---------------------------------------------------------------------------------------

/// Parses one page dump into a thread (comments unlinked: `read_corpus` links them).
pub fn parse_page(text: &str, id: String, source: String) -> Thread {
    let lines: Vec<&str> = text.lines().collect();
    let mut thread = Thread::new(id, source, Format::Text);
    let section = find_comment_section(&lines);
    let page_end = section.map_or(lines.len(), |s| s.header_line.unwrap_or(s.first_line));
    parse_page_part(&lines[..page_end], 0, &mut thread);
    if let Some(s) = section {
        if let Some(h) = s.header_line {
            thread.header_count = s.header_count;
            thread.boilerplate.push(Boilerplate {
                kind: "comments_header".into(),
                line: h as u32 + 1,
                text: lines[h].trim().to_string(),
            });
            if thread.comment_status == CommentStatus::None {
                thread.comment_status = CommentStatus::Open;
            }
        }
        let end = parse_comments(&lines, s.first_line, &mut thread);
        parse_trailer(&lines, end, &mut thread);
        check_counts(&mut thread);
        infer_authors_and_addressees(&mut thread, s.flat);
    }
    thread
}

#[derive(Debug, Clone, Copy)]
struct Section {
    header_line: Option<usize>,
    header_count: Option<u32>,
    first_line: usize,
    /// No indentation or bullets: nesting can only come from salutations and mentions.
    flat: bool,
}

fn header_count(caps: &regex::Captures) -> Option<u32> {
    let n = caps
        .name("n")
        .or_else(|| caps.name("m"))
        .or_else(|| caps.name("k"))?
        .as_str()
        .to_lowercase();
    match n.as_str() {
        "no" | "zero" => Some(0),
        "one" => Some(1),
        _ => n.parse().ok(),
    }
}

fn is_comment_start(line: &str) -> bool {
    (NUMBERED
        .captures(line)
        .is_some_and(|c| !c["indent"].is_empty() && &c["num"] == "1"))
        || BULLET
            .captures(line)
            .is_some_and(|c| !c["indent"].is_empty())
        || SAYS.is_match(line)
}

fn find_comment_section(lines: &[&str]) -> Option<Section> {
    // A header needs something after the title; the first line is never one.
    let start = lines.iter().position(|l| !l.trim().is_empty())? + 1;
    let mut found = None;
    for (i, line) in lines.iter().enumerate().skip(start) {
        let t = line.trim();
        if indent_of(line) <= 3 {
            if let Some(c) = COMMENT_HEADER.captures(t) {
                found = Some(Section {
                    header_line: Some(i),
                    header_count: header_count(&c),
                    first_line: i + 1,
                    flat: true,
                });
                break;
            }
        }
        if is_comment_start(line) {
            found = Some(Section {
                header_line: None,
                header_count: None,
                first_line: i,
                flat: true,
            });
            break;
        }
    }
    let mut section = found?;
    section.flat = !lines[section.first_line..]
        .iter()
        .any(|l| BULLET.is_match(l) || (NUMBERED.is_match(l) && indent_of(l) > 0));
    Some(section)
}

// ---------------------------------------------------------------------------------------
// The page part: title, byline, article paragraphs, boilerplate.

#[derive(PartialEq, Clone, Copy)]
enum PageState {
    Preamble,
    Article,
    Related,
    Form,
}

fn parse_page_part(lines: &[&str], offset: usize, thread: &mut Thread) {
    let mut state = PageState::Preamble;
    let mut i = 0;
    // Site header: a first block of two or more short lines without sentence punctuation.
    let first = lines.iter().position(|l| !l.trim().is_empty());
    if let Some(f) = first {
        let block_end = (f..lines.len())
            .find(|&j| lines[j].trim().is_empty())
            .unwrap_or(lines.len());
        let block = &lines[f..block_end];
        let more_after = lines[block_end..].iter().any(|l| !l.trim().is_empty());
        if block.len() >= 2
            && more_after
            && block
                .iter()
                .all(|l| l.trim().chars().count() <= 60 && !ends_sentence(l))
        {
            thread.post.site = Some(normalize_space(block[0]));
            for (k, l) in block.iter().enumerate().skip(1) {
                push_boiler(thread, "site_header", offset + f + k, l);
            }
            i = block_end;
        }
    }
    let mut paragraph: Vec<&str> = Vec::new();
    let mut paragraph_blank_before = true;
    while i < lines.len() {
        let raw = lines[i];
        let t = raw.trim();
        let line_no = offset + i;
        i += 1;
        if t.is_empty() {
            flush_paragraph(thread, &mut paragraph);
            paragraph_blank_before = true;
            if state == PageState::Related {
                // A related list continues over blank lines; it ends at a long paragraph.
            }
            continue;
        }
        let new_block = paragraph_blank_before;
        paragraph_blank_before = false;
        if thread.post.title.is_none() {
            thread.post.title = Some(normalize_space(t));
            continue;
        }
        if let Some(kind) = furniture_kind(t, thread) {
            flush_paragraph(thread, &mut paragraph);
            push_boiler(thread, kind, line_no, t);
            state = match kind {
                "related" => PageState::Related,
                "reply_form" => PageState::Form,
                _ if state == PageState::Preamble => PageState::Preamble,
                _ => PageState::Article,
            };
            continue;
        }
        match state {
            PageState::Related if t.chars().count() <= 150 => {
                push_boiler(thread, "related", line_no, t);
                continue;
            }
            PageState::Form if t.chars().count() <= 100 || FORM_LINE.is_match(t) => {
                push_boiler(thread, "reply_form", line_no, t);
                continue;
            }
            PageState::Related | PageState::Form => state = PageState::Article,
            _ => {}
        }
        if state == PageState::Preamble {
            if Some(normalize_space(t)) == thread.post.title {
                push_boiler(thread, "title_repeat", line_no, t);
                continue;
            }
            if thread.post.byline.is_none() && read_byline(t, thread) {
                push_boiler(thread, "byline", line_no, t);
                continue;
            }
            if thread.post.date.is_none() {
                if let Some(ts) = parse_timestamp(t) {
                    thread.post.date = Some(t.to_string());
                    thread.post.timestamp = Some(ts);
                    push_boiler(thread, "dateline", line_no, t);
                    continue;
                }
            }
            if !ends_sentence(t) && new_block {
                push_boiler(thread, "photo_caption", line_no, t);
                continue;
            }
            state = PageState::Article;
        }
        paragraph.push(t);
    }
    flush_paragraph(thread, &mut paragraph);
}

/// Recognises page furniture that is never article text, updating the comment status.
fn furniture_kind(t: &str, thread: &mut Thread) -> Option<&'static str> {
    if CLOSED.is_match(t) {
        thread.comment_status = CommentStatus::Closed;
        return Some("comments_closed");
    }
    if REPLY_FORM.is_match(t) {
        if thread.comment_status == CommentStatus::None {
            thread.comment_status = CommentStatus::Open;
        }
        return Some("reply_form");
    }
    if FORM_LINE.is_match(t) && t.chars().count() > 20 {
        return Some("reply_form");
    }
    if RELATED.is_match(t) {
        return Some("related");
    }
    if TAGS.is_match(t) {
        return Some("tags");
    }
    if PHOTO_CREDIT.is_match(t) && t.chars().count() <= 200 {
        return Some("photo_credit");
    }
    if SHARE.is_match(t) {
        return Some("share");
    }
    if SEPARATOR.is_match(t) {
        return Some("separator");
    }
    if AGENCY.is_match(t) {
        return Some("agency_credit");
    }
    None
}

fn push_boiler(thread: &mut Thread, kind: &str, line_index: usize, text: &str) {
    thread.boilerplate.push(Boilerplate {
        kind: kind.into(),
        line: line_index as u32 + 1,
        text: text.trim().to_string(),
    });
}

fn flush_paragraph(thread: &mut Thread, paragraph: &mut Vec<&str>) {
    if paragraph.is_empty() {
        return;
    }
    let joined = normalize_space(&paragraph.join(" "));
    thread.post.paragraphs.push(joined);
    paragraph.clear();
}

/// Reads "By Juan Cole | (Informed Comment) | – –" or "27/11/2015 13:46 by admin".
fn read_byline(t: &str, thread: &mut Thread) -> bool {
    let parts: Vec<&str> = t.split('|').map(str::trim).collect();
    if let Some(c) = BYLINE.captures(parts[0]) {
        let who = c["rest"].trim();
        if who.split_whitespace().count() > 12 || ends_sentence(who) && who.ends_with('.') {
            return false;
        }
        thread.post.byline = Some(normalize_space(who));
        for p in &parts[1..] {
            let inner = p.trim_matches(|c| c == '(' || c == ')').trim();
            if p.starts_with('(') && !inner.is_empty() && thread.post.site.is_none() {
                thread.post.site = Some(inner.to_string());
            } else if let Some(ts) = parse_timestamp(inner) {
                thread.post.date = Some(inner.to_string());
                thread.post.timestamp = Some(ts);
            }
        }
        return true;
    }
    if let Some(c) = DATE_BY.captures(t) {
        if let Some(ts) = parse_timestamp(&c["date"]) {
            thread.post.date = Some(c["date"].trim().to_string());
            thread.post.timestamp = Some(ts);
            thread.post.byline = Some(normalize_space(&c["who"]));
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------------------
// The comment section.

/// One comment being assembled.
struct Item {
    indent: usize,
    start_line: usize,
    end_line: usize,
    number: Option<String>,
    author: Option<String>,
    timestamp: Option<Timestamp>,
    parent: Option<usize>,
    link: ReplyLink,
    /// Lines of text; `None` marks a paragraph break.
    body: Vec<Option<String>>,
}

impl Item {
    fn new(indent: usize, line: usize, parent: Option<usize>, link: ReplyLink) -> Item {
        Item {
            indent,
            start_line: line,
            end_line: line,
            number: None,
            author: None,
            timestamp: None,
            parent,
            link,
            body: Vec::new(),
        }
    }

    fn push_text(&mut self, line: usize, text: &str) {
        self.body.push(Some(text.trim().to_string()));
        self.end_line = line;
    }

    fn text(&self) -> String {
        let mut paragraphs: Vec<String> = Vec::new();
        let mut current = String::new();
        for part in &self.body {
            match part {
                None => {
                    if !current.is_empty() {
                        paragraphs.push(std::mem::take(&mut current));
                    }
                }
                Some(line) => {
                    let line = normalize_space(line);
                    if !current.is_empty() {
                        // Lines of a list stay on their own lines; wrapped prose is joined.
                        let list_item = line.starts_with(|c: char| c.is_ascii_digit())
                            || line.starts_with(['-', '*', '•', '–']);
                        current.push(if list_item { '\n' } else { ' ' });
                    }
                    current.push_str(&line);
                }
            }
        }
        if !current.is_empty() {
            paragraphs.push(current);
        }
        paragraphs.join("\n\n")
    }
}

/// Starts a comment's body with the rest of its marker line: a `Name says:` header sets the
/// author, and a date on the next non-blank line sets the time. Returns the next line to read.
fn start_body(item: &mut Item, lines: &[&str], i: usize, rest: &str) -> usize {
    let Some(c) = SAYS.captures(rest) else {
        item.push_text(i, rest);
        return i + 1;
    };
    item.author = Some(normalize_space(&c["who"]));
    if let Some(j) = (i + 1..lines.len()).find(|&j| !lines[j].trim().is_empty()) {
        if let Some(ts) = parse_timestamp(lines[j]) {
            item.timestamp = Some(ts);
            item.end_line = j;
            return j + 1;
        }
    }
    i + 1
}

const INDENT_LINK: ReplyLink = ReplyLink {
    kind: LinkKind::Indentation,
    confidence: 0.95,
};

/// Reads comments from `start`; returns the index of the first line after the section.
fn parse_comments(lines: &[&str], start: usize, thread: &mut Thread) -> usize {
    let mut items: Vec<Item> = Vec::new();
    // Open items, innermost last: (indent, index in `items`).
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut top_indent: Option<usize> = None;
    let mut expected_number: Option<u64> = None;
    let mut current: Option<usize> = None;
    // After a "Posted by" footer the next text starts a new comment.
    let mut footer_closed = false;
    let indented = lines[start..]
        .iter()
        .find(|l| is_comment_start(l) || NUMBERED.is_match(l))
        .is_some_and(|l| indent_of(l) > 0);

    let open_item = |items: &mut Vec<Item>,
                     stack: &mut Vec<(usize, usize)>,
                     indent: usize,
                     line: usize,
                     force_root: bool|
     -> usize {
        while stack.last().is_some_and(|&(ind, _)| ind >= indent) {
            stack.pop();
        }
        if force_root {
            stack.clear();
        }
        let (parent, link) = match stack.last() {
            Some(&(_, p)) => (Some(p), INDENT_LINK),
            None => (None, ReplyLink::ROOT),
        };
        items.push(Item::new(indent, line, parent, link));
        let idx = items.len() - 1;
        stack.push((indent, idx));
        idx
    };

    let mut i = start;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if t.is_empty() {
            if let Some(c) = current {
                items[c].body.push(None);
            }
            i += 1;
            continue;
        }
        let ind = indent_of(line);
        // Section footer: forms, closed notices, related lists end the comments.
        if ind <= top_indent.unwrap_or(0).max(3)
            && (CLOSED.is_match(t)
                || REPLY_FORM.is_match(t)
                || RELATED.is_match(t)
                || (COMMENT_HEADER.is_match(t) && !items.is_empty()))
        {
            break;
        }
        if indented && !items.is_empty() && ind < top_indent.unwrap_or(0) {
            let marker = NUMBERED.is_match(line) || BULLET.is_match(line) || SAYS.is_match(line);
            if !marker {
                break;
            }
        }
        if REPLY_LINK.is_match(t) {
            push_boiler(thread, "reply_link", i, t);
            i += 1;
            continue;
        }
        if let Some(c) = NUMBERED.captures(line) {
            let number: u64 = c["num"].parse().unwrap_or(0);
            let at_top = top_indent.is_none_or(|top| ind <= top);
            let in_sequence = expected_number.is_none_or(|e| number >= e);
            if at_top
                && in_sequence
                && (expected_number.is_some() || number == 1 || current.is_none())
            {
                if let Some(e) = expected_number {
                    if number > e {
                        thread.warnings.push(format!(
                            "comment numbering jumps from {} to {number} at line {} ({} number(s) missing)",
                            e - 1,
                            i + 1,
                            number - e
                        ));
                    }
                }
                top_indent.get_or_insert(ind);
                expected_number = Some(number + 1);
                let idx = open_item(&mut items, &mut stack, ind, i, true);
                items[idx].number = Some(c["num"].to_string());
                i = start_body(&mut items[idx], lines, i, &c["rest"]);
                current = Some(idx);
                footer_closed = false;
                continue;
            }
            // A nested numbered "Name says:" header (lynx renders child lists numbered).
            if SAYS.is_match(&c["rest"]) && !at_top {
                let idx = open_item(&mut items, &mut stack, ind, i, false);
                items[idx].number = Some(c["num"].to_string());
                i = start_body(&mut items[idx], lines, i, &c["rest"]);
                current = Some(idx);
                footer_closed = false;
                continue;
            }
        }
        if let Some(c) = BULLET.captures(line) {
            let idx = open_item(&mut items, &mut stack, ind, i, false);
            i = start_body(&mut items[idx], lines, i, &c["rest"]);
            current = Some(idx);
            footer_closed = false;
            continue;
        }
        if SAYS.is_match(line) {
            top_indent.get_or_insert(ind);
            let idx = open_item(&mut items, &mut stack, ind, i, false);
            i = start_body(&mut items[idx], lines, i, line.trim());
            current = Some(idx);
            footer_closed = false;
            continue;
        }
        if let Some(c) = POSTED_BY.captures(t) {
            if let Some(cur) = current.filter(|_| !footer_closed) {
                items[cur].author = Some(normalize_space(&c["who"]));
                items[cur].timestamp = c.name("date").and_then(|d| parse_timestamp(d.as_str()));
                items[cur].end_line = i;
                footer_closed = true;
                i += 1;
                continue;
            }
        }
        // A line that is only a date: the comment's time, when it has none yet.
        if let Some(cur) = current {
            if items[cur].timestamp.is_none() && t.chars().count() <= 40 {
                if let Some(ts) = parse_timestamp(t) {
                    items[cur].timestamp = Some(ts);
                    items[cur].end_line = i;
                    i += 1;
                    continue;
                }
            }
        }
        match current {
            Some(cur) if !footer_closed => items[cur].push_text(i, t),
            _ => {
                // Text with no comment open: an unmarked comment (after a footer, or in a
                // section whose comments carry no markers).
                top_indent.get_or_insert(ind);
                let idx = open_item(&mut items, &mut stack, ind, i, true);
                items[idx].push_text(i, t);
                current = Some(idx);
                footer_closed = false;
            }
        }
        i += 1;
    }

    let thread_id = thread.id.clone();
    let id_of = |k: usize| format!("{thread_id}-c{}", k + 1);
    for (k, item) in items.iter().enumerate() {
        let mut c = Comment::new(id_of(k), k as u32 + 1, item.text());
        c.number = item.number.clone();
        c.parent_id = item.parent.map(id_of);
        c.reply_link = item.link;
        if let Some(a) = &item.author {
            c.author = Some(a.clone());
            c.author_source = Some(AuthorSource::Explicit);
        }
        c.timestamp = item.timestamp;
        c.lines = Some(LineRange {
            start: item.start_line as u32 + 1,
            end: item.end_line as u32 + 1,
        });
        thread.comments.push(c);
    }
    let _ = items.iter().map(|it| it.indent).max();
    i
}

/// What follows the comment section: closed notices, forms, related lists.
fn parse_trailer(lines: &[&str], from: usize, thread: &mut Thread) {
    let mut state = PageState::Article;
    for (i, line) in lines.iter().enumerate().skip(from) {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(kind) = furniture_kind(t, thread) {
            state = match kind {
                "related" => PageState::Related,
                "reply_form" => PageState::Form,
                _ => state,
            };
            push_boiler(thread, kind, i, t);
            continue;
        }
        let kind = match state {
            PageState::Related => "related",
            PageState::Form => "reply_form",
            _ => "after_comments",
        };
        push_boiler(thread, kind, i, t);
    }
}

fn check_counts(thread: &mut Thread) {
    let found = thread.comments.len() as u32;
    if let Some(announced) = thread.header_count {
        if announced != found {
            let diff = announced.abs_diff(found);
            thread.warnings.push(if announced > found {
                format!(
                    "the page announces {announced} comments but shows {found} ({diff} not in the page)"
                )
            } else {
                format!("the page announces {announced} comments but shows {found} ({diff} more)")
            });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Salutations: whom a comment addresses, and what that reveals.

/// Who a comment's opening addresses, and by which form.
fn addressee_of(text: &str) -> Option<(String, LinkKind)> {
    let first = text.lines().next()?.trim();
    if let Some(c) = SALUTATION.captures(first) {
        return Some((normalize_space(&c["name"]), LinkKind::Salutation));
    }
    if let Some(c) = MENTION.captures(first) {
        return Some((c["name"].to_string(), LinkKind::Mention));
    }
    None
}

/// The words of a name that identify a person (titles dropped), lower-cased.
fn name_tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .filter(|w| !TITLES.contains(&w.as_str()))
        .collect()
}

fn same_person(a: &str, b: &str) -> bool {
    let (ta, tb) = (name_tokens(a), name_tokens(b));
    !ta.is_empty() && ta == tb
}

fn is_generic(name: &str) -> bool {
    name_tokens(name)
        .iter()
        .all(|w| GENERIC_ADDRESSEES.contains(&w.as_str()))
}

fn names_post_author(addressee: &str, byline: Option<&str>) -> bool {
    let Some(byline) = byline else { return false };
    let by = name_tokens(byline);
    let ad = name_tokens(addressee);
    !ad.is_empty() && ad.iter().all(|w| by.contains(w))
}

/// Sets addressees; a reply that salutes someone reveals its parent's author; in flat
/// layouts a salutation or @mention naming an earlier commenter links the reply to them.
fn infer_authors_and_addressees(thread: &mut Thread, flat: bool) {
    let byline = thread.post.byline.clone();
    for k in 0..thread.comments.len() {
        let mut found = addressee_of(&thread.comments[k].text);
        if let Some(rest) = thread.comments[k].text.strip_prefix('@') {
            // "@Gardener Jo …": the longest earlier author name the mention starts with.
            let lower = rest.to_lowercase();
            let known = thread.comments[..k]
                .iter()
                .filter_map(|o| o.author.as_deref())
                .filter(|a| lower.starts_with(&a.to_lowercase()))
                .max_by_key(|a| a.len());
            if let Some(a) = known {
                found = Some((a.to_string(), LinkKind::Mention));
            }
        }
        if found.is_none() {
            // "Juan, ..." counts only when the name is the post author's or a commenter's.
            if let Some(c) = BARE_NAME.captures(&thread.comments[k].text) {
                let name = c["name"].to_string();
                let known = names_post_author(&name, byline.as_deref())
                    || thread.comments[..k]
                        .iter()
                        .any(|o| o.author.as_deref().is_some_and(|a| same_person(a, &name)));
                let known = known && !is_generic(&name);
                if known {
                    found = Some((name, LinkKind::Salutation));
                }
            }
        }
        let Some((name, how)) = found else { continue };
        let to_post_author = names_post_author(&name, byline.as_deref());
        let generic = is_generic(&name);
        let c = &mut thread.comments[k];
        c.addressee = Some(name.clone());
        c.addresses_post_author = to_post_author;
        if to_post_author || generic {
            continue;
        }
        let source = if how == LinkKind::Mention {
            AuthorSource::Mention
        } else {
            AuthorSource::Salutation
        };
        match thread.comments[k].parent_index_hint(&thread.id) {
            Some(p) => {
                let parent = &mut thread.comments[p];
                if parent.author.is_none() {
                    parent.author = Some(name);
                    parent.author_source = Some(source);
                }
            }
            None if flat => {
                let earlier = thread.comments[..k]
                    .iter()
                    .rposition(|o| o.author.as_deref().is_some_and(|a| same_person(a, &name)));
                if let Some(p) = earlier {
                    let parent_id = thread.comments[p].id.clone();
                    let c = &mut thread.comments[k];
                    c.parent_id = Some(parent_id);
                    c.reply_link = ReplyLink {
                        kind: how,
                        confidence: 0.6,
                    };
                }
            }
            None => {}
        }
    }
}

impl Comment {
    /// The parent's index for ids made by this reader (`<thread>-c<position>`).
    fn parent_index_hint(&self, thread_id: &str) -> Option<usize> {
        let p = self.parent_id.as_deref()?;
        let n: usize = p
            .strip_prefix(thread_id)?
            .strip_prefix("-c")?
            .parse()
            .ok()?;
        n.checked_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Thread {
        let mut t = parse_page(text, "t".into(), "test".into());
        t.link().unwrap();
        t
    }

    #[test]
    fn says_layout_with_indented_reply_and_reply_links() {
        let page = "Title of post\n\nBy Ann Author\n\nArticle text here.\n\n3 Comments\n\n\
Bob says:\nNovember 19, 2015 at 3:45 pm\nI disagree with this.\nReply\n\n  \
Carol says:\n  November 19, 2015 at 4:00 pm\n  Bob, you are wrong.\n  Reply\n\n\
Dave says:\nGreat post.\n\nLeave a Reply\n\nYour email address will not be published.\n";
        let t = parse(page);
        assert_eq!(t.header_count, Some(3));
        assert_eq!(t.comments.len(), 3);
        assert_eq!(t.comments[0].author.as_deref(), Some("Bob"));
        assert_eq!(
            t.comments[0].timestamp.map(|x| x.to_rfc3339()).as_deref(),
            Some("2015-11-19T15:45:00Z")
        );
        assert_eq!(t.comments[1].parent_id.as_deref(), Some("t-c1"));
        assert_eq!(t.comments[1].reply_link.kind, LinkKind::Indentation);
        assert_eq!(t.comments[1].text, "Bob, you are wrong.");
        assert_eq!(t.comments[1].addressee.as_deref(), Some("Bob"));
        assert_eq!(t.comments[2].parent_id, None);
        assert_eq!(t.comment_status, CommentStatus::Open);
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    }

    #[test]
    fn posted_by_footers_delimit_unmarked_comments() {
        let page = "A title\n\nSome article.\n\nComments\n\nFirst comment text.\n\n\
Posted by: Ann | November 19, 2015 at 03:45 PM\n\nSecond one.\nStill second.\n\n\
Posted by: Ben | November 20, 2015 at 01:00 AM\n";
        let t = parse(page);
        assert_eq!(t.comments.len(), 2);
        assert_eq!(t.comments[0].author.as_deref(), Some("Ann"));
        assert_eq!(t.comments[1].text, "Second one. Still second.");
        assert_eq!(t.comments[1].author.as_deref(), Some("Ben"));
    }

    #[test]
    fn flat_layout_links_by_salutation_to_an_earlier_commenter() {
        let page = "T\n\nText.\n\n2 Comments\n\nAnn said...\nCats are best.\n\n\
Ben said...\n@Ann no, dogs are.\n";
        let t = parse(page);
        assert_eq!(t.comments[1].parent_id.as_deref(), Some("t-c1"));
        assert_eq!(t.comments[1].reply_link.kind, LinkKind::Mention);
        assert_eq!(t.comments[1].depth, 1);
    }

    #[test]
    fn header_with_no_comments_and_numbering_gap() {
        let t = parse("T\n\nText.\n\nNo Comments\n\nLeave a Reply\n");
        assert_eq!(t.header_count, Some(0));
        assert!(t.comments.is_empty());
        let t = parse("T\n\nText.\n\n3 Responses\n\n  1. one\n\n  3. three\n");
        assert_eq!(t.comments.len(), 2);
        assert!(
            t.warnings.iter().any(|w| w.contains("jumps from 1 to 3")),
            "{:?}",
            t.warnings
        );
        assert!(t.warnings.iter().any(|w| w.contains("announces 3")));
    }
}
