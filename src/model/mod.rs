//! The one corpus model: a corpus owns threads, a thread owns its post and its comments.
//!
//! Every reader produces these types and every analyzer reads them. Comments are stored in
//! document order in a flat `Vec`; the reply tree is expressed by `parent_id` (stable, user
//! visible) and the cached `parent_index` (fast, rebuilt by [`Thread::link`]). No tree code in
//! the crate recurses over input structure: see `tree.rs`.

mod meta;
mod time;
mod tree;

pub use meta::Meta;
pub use time::{Timestamp, parse_timestamp};
pub use tree::{ChildIndex, IntegrityError};

use serde::{Deserialize, Serialize};

/// A set of threads read from one or more inputs, plus what reading them cost.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Corpus {
    /// Threads in input order (files sorted by path, threads in file order).
    pub threads: Vec<Thread>,
    /// Record accounting across all inputs: read = parsed + skipped.
    pub stats: IngestStats,
}

/// Record accounting for ingest: nothing is lost silently.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IngestStats {
    /// Records (comments, posts, rows) the readers saw.
    pub read: u64,
    /// Records that became comments.
    pub parsed: u64,
    /// Records dropped (lenient mode, excluded kinds), each counted under a reason.
    pub skipped: u64,
    /// Human-readable warnings, each naming the file and what was odd.
    pub warnings: Vec<String>,
    /// Comments the sources say exist but do not contain (reddit "more" stubs, HN kids
    /// missing from the file); the sum of the threads' `known_missing`.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub known_missing: u64,
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

impl IngestStats {
    /// Adds another input's accounting to this one.
    pub fn absorb(&mut self, other: IngestStats) {
        self.read += other.read;
        self.parsed += other.parsed;
        self.skipped += other.skipped;
        self.warnings.extend(other.warnings);
        self.known_missing += other.known_missing;
    }
}

/// The input format a thread was read from; the name is the `--format` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Plain-text page dump (the seed pages).
    Text,
    /// Saved HTML page with a server-rendered comment list.
    Html,
    /// WordPress WXR export.
    Wxr,
    /// Disqus XML export.
    Disqus,
    /// Reddit comments page JSON or Pushshift NDJSON.
    Reddit,
    /// Hacker News items (Algolia or Firebase).
    Hn,
    /// ConvoKit corpus directory.
    Convokit,
    /// Internet Argument Corpus v1 discussion JSON.
    Iac,
    /// Table of comments with id/parent/thread/author/time/text columns.
    Csv,
    /// One JSON object a line with the same fields as `csv`.
    Jsonl,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 10] = [
        Format::Text,
        Format::Html,
        Format::Wxr,
        Format::Disqus,
        Format::Reddit,
        Format::Hn,
        Format::Convokit,
        Format::Iac,
        Format::Csv,
        Format::Jsonl,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Wxr => "wxr",
            Format::Disqus => "disqus",
            Format::Reddit => "reddit",
            Format::Hn => "hn",
            Format::Convokit => "convokit",
            Format::Iac => "iac",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }

    /// Parses a `--format` value.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether the page still takes comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    /// A reply form is shown.
    Open,
    /// The page says comments are closed.
    Closed,
    /// The page shows no comment section at all.
    #[default]
    None,
}

/// The article (or link post) a thread hangs under.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Post {
    /// Headline.
    pub title: Option<String>,
    /// Author of the post as the page names it ("Juan Cole").
    pub byline: Option<String>,
    /// Site or publication name when the page shows it.
    pub site: Option<String>,
    /// Publication date as written on the page.
    pub date: Option<String>,
    /// Publication date parsed to UTC, when the written date could be read.
    pub timestamp: Option<Timestamp>,
    /// Canonical URL of the post when the source has one.
    pub url: Option<String>,
    /// Article paragraphs, boilerplate removed.
    pub paragraphs: Vec<String>,
}

/// Lines of the input that are neither article nor comment, kept so nothing is lost.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Boilerplate {
    /// What the line was recognised as (`tags`, `photo_credit`, `related`, `reply_form`, …).
    pub kind: String,
    /// 1-based line number in the source.
    pub line: u32,
    /// The line as read (after encoding repair).
    pub text: String,
}

/// One comment thread: a post and the comments under it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Thread {
    /// Stable id (file stem for page dumps, the source's own id for exports).
    pub id: String,
    /// Path of the input the thread was read from (`-` for stdin).
    pub source: String,
    /// Detected or forced input format.
    pub format: Format,
    /// Title, byline, site, date and paragraphs of the post.
    #[serde(flatten)]
    pub post: Post,
    /// Comment count announced by the page ("16 Responses"), when it shows one.
    pub header_count: Option<u32>,
    /// Whether the page takes comments.
    pub comment_status: CommentStatus,
    /// Comments the source says exist but does not contain (reddit "more" stubs, deleted).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub known_missing: u32,
    /// Comments in document order.
    pub comments: Vec<Comment>,
    /// Recognised non-content lines (tags, credits, forms, related lists).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boilerplate: Vec<Boilerplate>,
    /// What was odd about this thread (count mismatch, numbering gaps, broken links).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Thread {
    /// An empty thread of the given id, source and format.
    pub fn new(id: impl Into<String>, source: impl Into<String>, format: Format) -> Thread {
        Thread {
            id: id.into(),
            source: source.into(),
            format,
            post: Post::default(),
            header_count: None,
            comment_status: CommentStatus::None,
            known_missing: 0,
            comments: Vec::new(),
            boilerplate: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Index of the comment with this id, if any (linear scan; use a map for bulk lookups).
    pub fn comment_index(&self, id: &str) -> Option<usize> {
        self.comments.iter().position(|c| c.id == id)
    }
}

/// How the parent of a comment (or its lack of one) was determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    /// Top-level comment: it answers the post.
    Root,
    /// The source names the parent (an id field, nested markup).
    Explicit,
    /// Inferred from indentation in a text dump.
    Indentation,
    /// Inferred from a salutation naming an earlier commenter ("Dear Eurofrank,").
    Salutation,
    /// Inferred from an @mention of an earlier commenter.
    Mention,
    /// Inferred from quoted text of an earlier comment.
    Quote,
    /// The source names a parent that does not exist; treated as top-level.
    Dangling,
    /// The source's links formed a cycle that was broken here; treated as top-level.
    Cycle,
}

/// How a comment's parent was determined, and how sure that is (0..=1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReplyLink {
    /// The evidence used.
    pub kind: LinkKind,
    /// Confidence in the link, 0..=1.
    pub confidence: f64,
}

impl ReplyLink {
    /// A top-level comment known for certain to be top-level.
    pub const ROOT: ReplyLink = ReplyLink {
        kind: LinkKind::Root,
        confidence: 1.0,
    };
    /// A parent named explicitly by the source.
    pub const EXPLICIT: ReplyLink = ReplyLink {
        kind: LinkKind::Explicit,
        confidence: 1.0,
    };
}

/// How a comment's author was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthorSource {
    /// Named by the source (an author field, a "Name says:" line, a "Posted by" footer).
    Explicit,
    /// Revealed by a reply's salutation ("Dear Eurofrank," answers Eurofrank).
    Salutation,
    /// Revealed by a reply's @mention.
    Mention,
    /// Taken from a signature line at the end of the text.
    Signature,
}

/// What kind of record a comment is; only `comment` is analysed by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentKind {
    /// An ordinary comment.
    #[default]
    Comment,
    /// A WordPress pingback.
    Pingback,
    /// A WordPress trackback.
    Trackback,
    /// A WordPress note or other system record.
    Note,
}

/// Moderation state recorded by the source system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    /// Published (or the source has no notion of status).
    #[default]
    Approved,
    /// Awaiting moderation.
    Pending,
    /// Marked as spam.
    Spam,
    /// Deleted or removed; text may be a placeholder.
    Deleted,
}

/// An inclusive 1-based range of source lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRange {
    /// First line.
    pub start: u32,
    /// Last line.
    pub end: u32,
}

/// One comment in a thread.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Comment {
    /// Stable id: the source's id, or `<thread>-c<position>` when the source has none.
    pub id: String,
    /// 1-based position in document order.
    pub position: u32,
    /// Visible number label ("1", "11") when the page numbers comments.
    pub number: Option<String>,
    /// Id of the comment this one answers; `None` for top-level comments.
    pub parent_id: Option<String>,
    /// 0 for top-level comments, parent depth + 1 otherwise.
    pub depth: u32,
    /// Author when known.
    pub author: Option<String>,
    /// How the author was learned.
    pub author_source: Option<AuthorSource>,
    /// Whom the text addresses, from its salutation or @mention ("Professor Cole").
    pub addressee: Option<String>,
    /// True when the addressee is the post's author rather than a commenter.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub addresses_post_author: bool,
    /// Posting time in UTC, when the source gives one.
    pub timestamp: Option<Timestamp>,
    /// Text with paragraphs separated by a blank line and whitespace normalised.
    pub text: String,
    /// Source lines the comment was read from.
    pub lines: Option<LineRange>,
    /// How the parent was determined.
    pub reply_link: ReplyLink,
    /// Comment, pingback, trackback or note.
    #[serde(default, skip_serializing_if = "is_default_kind")]
    pub kind: CommentKind,
    /// Status in the source system.
    #[serde(default, skip_serializing_if = "is_default_status")]
    pub status: SourceStatus,
    /// Permalink when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Source fields with no place in the model (score, hidden labels), kept verbatim.
    #[serde(default, skip_serializing_if = "Meta::is_empty")]
    pub meta: Meta,
    /// Index of the parent in `Thread::comments`; rebuilt by [`Thread::link`].
    #[serde(skip)]
    pub parent_index: Option<u32>,
}

fn is_default_kind(k: &CommentKind) -> bool {
    *k == CommentKind::Comment
}

fn is_default_status(s: &SourceStatus) -> bool {
    *s == SourceStatus::Approved
}

impl Comment {
    /// A top-level comment with the given id, position and text; everything else unknown.
    pub fn new(id: impl Into<String>, position: u32, text: impl Into<String>) -> Comment {
        Comment {
            id: id.into(),
            position,
            number: None,
            parent_id: None,
            depth: 0,
            author: None,
            author_source: None,
            addressee: None,
            addresses_post_author: false,
            timestamp: None,
            text: text.into(),
            lines: None,
            reply_link: ReplyLink::ROOT,
            kind: CommentKind::Comment,
            status: SourceStatus::Approved,
            url: None,
            meta: Meta::new(),
            parent_index: None,
        }
    }

    /// The paragraphs of the text (split on blank lines: the pieces `split("\n\n")` gives,
    /// trimmed, empty ones dropped). The blank lines are found with `memchr`'s substring
    /// search: `str::split`'s two-way searcher was an eighth of the segmenting time at a
    /// million comments.
    pub fn paragraphs(&self) -> impl Iterator<Item = &str> {
        let text = self.text.as_str();
        let mut start = 0;
        memchr::memmem::find_iter(text.as_bytes(), b"\n\n")
            .chain(std::iter::once(text.len()))
            .map(move |end| {
                // Cuts are at ASCII newlines, so on character boundaries.
                let piece = text.get(start..end).unwrap_or_default();
                start = end + 2;
                piece
            })
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }
}

/// Builds a linked test thread from a parent array: comment `i` is `c{i}` and answers
/// `c{parents[i]}` (`None` = top-level).
#[cfg(test)]
pub(crate) fn test_thread(parents: &[Option<usize>]) -> Thread {
    let mut t = Thread::new("t", "test", Format::Csv);
    for (i, p) in parents.iter().enumerate() {
        let mut c = Comment::new(format!("c{i}"), i as u32 + 1, "x");
        c.parent_id = p.map(|p| format!("c{p}"));
        t.comments.push(c);
    }
    t.link().expect("test thread links");
    t
}

#[cfg(test)]
mod comment_tests {
    use super::*;

    #[test]
    fn paragraphs_are_the_pieces_between_blank_lines() {
        for text in [
            "",
            "one",
            "\n\n",
            "a\n\nb",
            "a\n\n\nb",
            "a\n\n\n\nb\n\n",
            "\n\n\n",
            " a \n \n b\n\n c ",
            "é\n\nü\r\n\r\nx",
        ] {
            let c = Comment::new("c", 1, text);
            let want: Vec<&str> = text
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            assert_eq!(c.paragraphs().collect::<Vec<_>>(), want, "{text:?}");
        }
    }
}
