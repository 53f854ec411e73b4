//! Saved HTML pages with a server-rendered comment list (format `html`).
//!
//! The page is parsed by html5ever (through `scraper`) into an arena tree, so nothing here
//! recurses over the document: every walk uses `traverse()` or an explicit stack, and the
//! arena is dropped as a flat `Vec` (a page nested 10,000 levels deep costs no stack).
//!
//! Comments are the list items of a comment list: `li` elements whose class names them a
//! `comment` (WordPress `li.comment`, also `pingback`/`trackback`), whose id is
//! `comment-N` / `li-comment-N`, or that are plain items of a comment list
//! (`ol.comment-list`, and `ul.children` inside an item). Pages without such items fall
//! back to `article`/`div` elements of class `comment`. Items in sidebar widgets ("recent
//! comments" of other posts) are left out with a warning. A comment's parent is the nearest enclosing comment item in
//! the DOM (`ul.children` / `ol.children` nesting), never the `depth-N` class, so
//! layouts without those classes (golfpost) nest correctly too.
//!
//! Within an item, only the nodes that are not inside a nested item belong to it. From them:
//! the id (`comment-N`), the author (`.fn`, else `.comment-author` text), the time (a
//! `time[datetime]`, else a date written in the meta line), the permalink (`#comment-N`
//! link) and the text (`.comment-text` / `.comment-content`, else the item minus its
//! author, meta and reply parts). Text keeps paragraphs (blank line) and line breaks, and
//! keeps links as URLs (`label (https://…)`); entities are decoded once, by the parser.

use super::detect::extension;
use super::{IngestOptions, InputFile, ReadOutput, Reader};
use crate::error::IngestError;
use crate::model::{
    AuthorSource, Comment, CommentKind, CommentStatus, Format, IngestStats, ReplyLink, Thread,
    parse_timestamp,
};
use crate::text::normalize_space;
use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node};
use std::collections::{HashMap, HashSet};

/// Reader for saved HTML pages.
pub struct HtmlReader;

/// Deepest element nesting accepted; deeper pages are refused with an error naming the
/// line. Real pages nest a few dozen levels (comment threads rarely pass 10 replies deep);
/// html5ever's scope checks cost time proportional to the nesting for every tag, so a
/// hostile 10,000-deep page would take minutes, not because of the stack (nothing here
/// recurses) but because of that quadratic work.
pub const MAX_NESTING: usize = 2_000;

impl Reader for HtmlReader {
    fn format(&self) -> Format {
        Format::Html
    }

    fn sniff(&self, input: &InputFile, head: &str) -> u8 {
        if input.is_dir {
            return 0;
        }
        let start: String = head
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .take(512)
            .collect::<String>()
            .to_ascii_lowercase();
        let looks_html = start.starts_with("<!doctype html")
            || start.starts_with("<html")
            || (start.starts_with('<') && start.contains("<html"));
        match extension(input).as_str() {
            "html" | "htm" | "xhtml" => 60,
            _ if looks_html => 40,
            _ => 0,
        }
    }

    fn read(&self, input: &InputFile, opts: &IngestOptions) -> Result<ReadOutput, IngestError> {
        let text = input.text(&opts.limits)?;
        check_nesting(&text, &input.path)?;
        let doc = Html::parse_document(&text);
        let thread = parse_document(&doc, input.stem_id(), input.display_name());
        let n = thread.comments.len() as u64;
        let mut warnings: Vec<String> = thread
            .warnings
            .iter()
            .map(|w| format!("{}: {w}", input.display_name()))
            .collect();
        let marked = thread
            .comments
            .iter()
            .filter(|c| c.kind != CommentKind::Comment)
            .count();
        if marked > 0 {
            warnings.push(format!(
                "{}: {marked} pingbacks/trackbacks kept and marked (kind) among {n} items",
                input.display_name()
            ));
        }
        Ok(ReadOutput {
            threads: vec![thread],
            stats: IngestStats {
                read: n,
                parsed: n,
                skipped: 0,
                warnings,
                ..IngestStats::default()
            },
        })
    }
}

/// Refuses pages whose tags nest deeper than [`MAX_NESTING`], naming the line where the
/// limit is crossed. Counts open minus close tags of non-void elements: an estimate (HTML
/// closes some elements implicitly), but it bounds the parser's work on hostile input.
fn check_nesting(text: &str, path: &std::path::Path) -> Result<(), IngestError> {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param",
    ];
    // Elements whose end tag may be left out: not counted, so pages that omit `</p>` or
    // `</li>` are never refused.
    const OPTIONAL_END: [&str; 14] = [
        "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot",
        "colgroup", "rt",
    ];
    let bytes = text.as_bytes();
    let mut depth: usize = 0;
    let mut line = 1u64;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
        }
        if b != b'<' {
            i += 1;
            continue;
        }
        let rest = &bytes[i + 1..];
        if rest.starts_with(b"!--") {
            // Skip comments whole: markup in them does not nest.
            match find(rest, b"-->") {
                Some(end) => {
                    line += count_lines(&rest[..end]);
                    i += 1 + end + 3;
                }
                None => break,
            }
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            i += 1;
            continue;
        }
        let name =
            String::from_utf8_lossy(&rest[name_start..name_start + name_len]).to_ascii_lowercase();
        let tag_end = rest.iter().position(|&c| c == b'>').unwrap_or(rest.len());
        let self_closing = tag_end > 0 && rest.get(tag_end - 1) == Some(&b'/');
        let counted = !VOID.contains(&name.as_str()) && !OPTIONAL_END.contains(&name.as_str());
        if closing {
            if counted {
                depth = depth.saturating_sub(1);
            }
        } else if counted && !self_closing {
            depth += 1;
            if depth > MAX_NESTING {
                return Err(IngestError::Malformed {
                    path: path.to_path_buf(),
                    line: Some(line),
                    record: None,
                    message: format!(
                        "elements nest deeper than {MAX_NESTING} levels (<{name}>); expected a page of reasonable depth"
                    ),
                });
            }
            if matches!(name.as_str(), "script" | "style") {
                // Raw text: skip to the closing tag so `<` inside scripts is not a tag.
                match find_close_tag(&bytes[i..], name.as_bytes()) {
                    Some(end) => {
                        line += count_lines(&bytes[i..i + end]);
                        i += end;
                        continue;
                    }
                    None => break,
                }
            }
        }
        i += 1;
    }
    Ok(())
}

/// Offset of `</name` (any case) in `hay`, scanning once.
fn find_close_tag(hay: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = find(&hay[from..], b"</") {
        let at = from + k;
        let after = &hay[at + 2..];
        if after.len() >= name.len() && after[..name.len()].eq_ignore_ascii_case(name) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn count_lines(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

// ---------------------------------------------------------------------------------------
// Element helpers.

type NRef<'a> = NodeRef<'a, Node>;

fn tag<'a>(n: &NRef<'a>) -> Option<&'a str> {
    n.value().as_element().map(|e| e.name())
}

fn has_class(n: &NRef<'_>, class: &str) -> bool {
    n.value()
        .as_element()
        .is_some_and(|e| e.classes().any(|c| c.eq_ignore_ascii_case(class)))
}

fn has_any_class(n: &NRef<'_>, classes: &[&str]) -> bool {
    n.value().as_element().is_some_and(|e| {
        e.classes()
            .any(|c| classes.iter().any(|k| c.eq_ignore_ascii_case(k)))
    })
}

fn attr<'a>(n: &NRef<'a>, name: &str) -> Option<&'a str> {
    n.value().as_element().and_then(|e| e.attr(name))
}

/// Walks the subtree of `root` in document order, calling `f` on entering and leaving each
/// node; subtrees whose root `prune` rejects are not entered at all (so a walk costs only
/// the nodes it visits). Iterative: an explicit stack, no recursion.
fn walk<'a>(
    root: NRef<'a>,
    mut prune: impl FnMut(&NRef<'a>) -> bool,
    mut f: impl FnMut(Edge<'a, Node>),
) {
    f(Edge::Open(root));
    let mut stack = vec![root];
    let mut cur = root.first_child();
    loop {
        match cur {
            Some(n) => {
                if prune(&n) {
                    cur = n.next_sibling();
                    continue;
                }
                f(Edge::Open(n));
                stack.push(n);
                cur = n.first_child();
            }
            None => {
                let Some(done) = stack.pop() else { break };
                f(Edge::Close(done));
                if stack.is_empty() {
                    break;
                }
                cur = done.next_sibling();
            }
        }
    }
}

/// The number in a comment element id: `comment-12`, `li-comment-12`, `div-comment-12`.
fn comment_id_number(id: &str) -> Option<&str> {
    let rest = id
        .strip_prefix("li-comment-")
        .or_else(|| id.strip_prefix("div-comment-"))
        .or_else(|| id.strip_prefix("comment-"))?;
    (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())).then_some(rest)
}

/// Whether an element is a comment list item (the primary layout).
fn is_list_item(n: &NRef<'_>) -> bool {
    if tag(n) != Some("li") {
        return false;
    }
    has_any_class(n, &["comment", "pingback", "trackback"])
        || attr(n, "id")
            .is_some_and(|id| comment_id_number(id).is_some() && !id.starts_with("div-"))
}

/// Class names of lists that hold comments.
const COMMENT_LISTS: [&str; 6] = [
    "commentlist",
    "comment-list",
    "comments-list",
    "commentslist",
    "comments",
    "comment_list",
];

/// Whether an `li` without comment classes is an item of a comment list: its list is a
/// comment list (`ol.comment-list`), or a `ul.children` directly inside the open item
/// (a nested reply list; `ul.children` elsewhere is a page menu).
fn in_comment_list(n: &NRef<'_>, open_item: Option<&(NodeId, usize)>) -> bool {
    if tag(n) != Some("li") {
        return false;
    }
    let Some(list) = n.parent().filter(|l| matches!(tag(l), Some("ol" | "ul"))) else {
        return false;
    };
    has_any_class(&list, &COMMENT_LISTS)
        || (has_class(&list, "children")
            && list
                .parent()
                .zip(open_item)
                .is_some_and(|(g, &(id, _))| g.id() == id))
}

/// Whether an element is a comment block in layouts without list items.
fn is_block_item(n: &NRef<'_>) -> bool {
    matches!(tag(n), Some("div" | "article"))
        && (has_class(n, "comment")
            || attr(n, "id")
                .is_some_and(|id| id.starts_with("comment-") && comment_id_number(id).is_some()))
}

/// Text of all text nodes under `n`, whitespace normalised, skipping scripts.
fn plain_text(n: &NRef<'_>) -> String {
    let mut out = String::new();
    let mut skip_depth = 0usize;
    for edge in n.traverse() {
        match edge {
            Edge::Open(x) => {
                if skip_depth > 0 || matches!(tag(&x), Some("script" | "style" | "noscript")) {
                    skip_depth += 1;
                } else if let Node::Text(t) = x.value() {
                    out.push_str(t);
                    out.push(' ');
                }
            }
            Edge::Close(x) => {
                if skip_depth > 0 && x.value().is_element() {
                    skip_depth -= 1;
                }
            }
        }
    }
    normalize_space(&out)
}

/// Text of the direct text children of `n` only.
fn own_text(n: &NRef<'_>) -> String {
    let mut out = String::new();
    for c in n.children() {
        if let Node::Text(t) = c.value() {
            out.push_str(t);
            out.push(' ');
        }
    }
    normalize_space(&out)
}

/// Strips the Wayback Machine prefix (`https://web.archive.org/web/2016…/`) from a URL.
fn unarchive(url: &str) -> String {
    for prefix in [
        "https://web.archive.org/web/",
        "http://web.archive.org/web/",
        "/web/",
    ] {
        if let Some(rest) = url.strip_prefix(prefix) {
            let stamp = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if stamp >= 8 && rest[..stamp].bytes().take(8).all(|b| b.is_ascii_digit()) {
                if let Some(orig) = rest[stamp..].strip_prefix('/') {
                    if orig.starts_with("http") {
                        return orig.to_string();
                    }
                }
            }
        }
    }
    url.to_string()
}

// ---------------------------------------------------------------------------------------
// HTML → text.

const BLOCK_TAGS: [&str; 28] = [
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "table",
    "tr",
    "header",
    "footer",
    "figure",
    "figcaption",
    "hr",
    "dl",
    "dd",
    "dt",
    "aside",
    "main",
    "address",
];

/// Classes whose elements are page furniture inside a comment, never its text.
const FURNITURE: [&str; 20] = [
    "reply",
    "comment-reply",
    "comment-reply-link",
    "comment-author",
    "comment-meta",
    "comment-metadata",
    "commentmetadata",
    "comment-likes",
    "comment-like-feedback",
    "comment-edit",
    "comment-edit-link",
    "edit-link",
    "says",
    "avatar",
    "comment-avatar",
    "screen-reader-text",
    "sharedaddy",
    "vcard",
    "comment-awaiting-moderation",
    "children",
];

/// Accumulates paragraphs; lines inside a paragraph come from `<br>`.
#[derive(Default)]
struct TextSink {
    paras: Vec<String>,
    cur: String,
}

impl TextSink {
    fn flush(&mut self) {
        let lines: Vec<String> = self
            .cur
            .split('\n')
            .map(normalize_space)
            .filter(|l| !l.is_empty())
            .collect();
        if !lines.is_empty() {
            self.paras.push(lines.join("\n"));
        }
        self.cur.clear();
    }

    fn finish(mut self) -> String {
        self.flush();
        self.paras.join("\n\n")
    }
}

/// Renders the subtree of `root` as text: paragraphs separated by a blank line, `<br>` as a
/// line break, links as `label (url)` (or the bare URL when the label is the URL), smileys
/// by their `alt`. Subtrees rooted at a node in `skip`, and furniture (reply links, meta
/// lines, avatars) when `strip_furniture`, are left out. Iterative: no recursion.
fn render_text(root: &NRef<'_>, skip: &HashSet<NodeId>, strip_furniture: bool) -> String {
    let mut sink = TextSink::default();
    // Open links: (href, offset in `sink.cur` and paragraph count when opened).
    let mut links: Vec<(Option<String>, usize, usize)> = Vec::new();
    let prune = |n: &NRef<'_>| {
        skip.contains(&n.id())
            || matches!(
                tag(n),
                Some(
                    "script"
                        | "style"
                        | "noscript"
                        | "form"
                        | "button"
                        | "svg"
                        | "iframe"
                        | "template"
                        | "select"
                        | "textarea"
                )
            )
            || (strip_furniture && has_any_class(n, &FURNITURE))
    };
    walk(*root, prune, |edge| match edge {
        Edge::Open(n) => match n.value() {
            Node::Text(t) => sink.cur.push_str(t),
            Node::Element(e) => match e.name() {
                "br" => sink.cur.push('\n'),
                "img" => {
                    let smiley = has_any_class(&n, &["wp-smiley", "emoji"]);
                    if let (true, Some(alt)) = (smiley, e.attr("alt")) {
                        sink.cur.push_str(alt);
                    }
                }
                "a" => {
                    let href = e.attr("href").map(|h| unarchive(h.trim())).filter(|h| {
                        h.starts_with("http://")
                            || h.starts_with("https://")
                            || h.starts_with("mailto:")
                    });
                    links.push((href, sink.cur.len(), sink.paras.len()));
                }
                name if BLOCK_TAGS.contains(&name) => sink.flush(),
                _ => {}
            },
            _ => {}
        },
        Edge::Close(n) => {
            let Some(name) = tag(&n) else { return };
            if name == "a" {
                if let Some((Some(href), start, paras)) = links.pop() {
                    let label = if paras == sink.paras.len() {
                        normalize_space(sink.cur.get(start..).unwrap_or(""))
                    } else {
                        String::new()
                    };
                    let shown = label.trim_end_matches(['.', '…']);
                    let same = label == href
                        || (!shown.is_empty()
                            && (href.contains(shown)
                                || href.trim_start_matches("mailto:") == label));
                    if label.is_empty() {
                        sink.cur.push(' ');
                        sink.cur.push_str(&href);
                    } else if same {
                        sink.cur.truncate(start);
                        sink.cur.push_str(&href);
                    } else {
                        sink.cur.push_str(" (");
                        sink.cur.push_str(&href);
                        sink.cur.push(')');
                    }
                }
            } else if BLOCK_TAGS.contains(&name) {
                sink.flush();
            }
        }
    });
    sink.finish()
}

/// Converts an HTML fragment (a comment body from an export) to clean text, with the same
/// rules as page comments. Plain text without tags keeps its blank-line paragraphs.
pub fn fragment_to_text(fragment: &str) -> String {
    let has_blocks = ["<p", "<P", "<div", "<br", "<BR", "<blockquote"]
        .iter()
        .any(|t| fragment.contains(t));
    // WordPress stores comments with newlines as paragraph marks (`wpautop` adds the tags
    // on display); do the same so paragraphs survive.
    let html = if has_blocks {
        fragment.to_string()
    } else {
        let paras: Vec<String> = fragment
            .replace("\r\n", "\n")
            .split("\n\n")
            .map(|p| p.trim().replace('\n', "<br>"))
            .filter(|p| !p.is_empty())
            .map(|p| format!("<p>{p}</p>"))
            .collect();
        paras.concat()
    };
    let doc = Html::parse_fragment(&html);
    render_text(&doc.tree.root(), &HashSet::new(), false)
}

// ---------------------------------------------------------------------------------------
// The page.

/// A comment item found in the DOM.
struct Item {
    node: NodeId,
    parent: Option<usize>,
}

/// Finds comment items in document order with their enclosing item, by one iterative walk.
/// Items inside sidebar widgets ("recent comments" lists of other posts) are not this
/// page's comments: they are counted in the second value and left out.
/// With `lists`, plain `li` items of comment lists count too (see [`in_comment_list`]).
fn find_items(
    doc: &Html,
    pred: fn(&NRef<'_>) -> bool,
    lists: bool,
    skip_widgets: bool,
) -> (Vec<Item>, usize) {
    let mut items: Vec<Item> = Vec::new();
    let mut open: Vec<(NodeId, usize)> = Vec::new();
    let mut in_widget = 0usize;
    let mut widget_items = 0usize;
    let is_widget = |n: &NRef<'_>| {
        skip_widgets
            && (tag(n) == Some("aside")
                || n.value()
                    .as_element()
                    .is_some_and(|e| e.classes().any(|c| c.starts_with("widget"))))
    };
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(n) => {
                if is_widget(&n) {
                    in_widget += 1;
                }
                let is_item = pred(&n) || (lists && in_comment_list(&n, open.last()));
                if in_widget > 0 {
                    widget_items += usize::from(is_item);
                } else if is_item {
                    items.push(Item {
                        node: n.id(),
                        parent: open.last().map(|&(_, i)| i),
                    });
                    open.push((n.id(), items.len() - 1));
                }
            }
            Edge::Close(n) => {
                if is_widget(&n) {
                    in_widget -= 1;
                }
                if open.last().is_some_and(|&(id, _)| id == n.id()) {
                    open.pop();
                }
            }
        }
    }
    (items, widget_items)
}

/// Merges block items that wrap another block item of the same comment number
/// (`div#li-comment-5 > article#comment-5`): the inner one is the same comment.
fn merge_wrappers(doc: &Html, items: Vec<Item>) -> Vec<Item> {
    let number = |id: NodeId| {
        doc.tree.get(id).and_then(|n| {
            attr(&n, "id")
                .and_then(comment_id_number)
                .map(str::to_string)
        })
    };
    // Map each item to the item that represents it after merging.
    let mut rep: Vec<usize> = (0..items.len()).collect();
    let mut keep = vec![true; items.len()];
    for i in 0..items.len() {
        if let Some(p) = items[i].parent {
            let (a, b) = (number(items[i].node), number(items[p].node));
            if a.is_some() && a == b {
                keep[i] = false;
                rep[i] = rep[p];
            }
        }
    }
    let mut new_index = vec![usize::MAX; items.len()];
    let mut out = Vec::new();
    for i in 0..items.len() {
        if keep[i] {
            new_index[i] = out.len();
            let parent = items[i].parent.map(|p| rep[p]).map(|p| new_index[p]);
            out.push(Item {
                node: items[i].node,
                parent: parent.filter(|&p| p != usize::MAX),
            });
        }
    }
    out
}

/// Parses a page into a thread.
pub fn parse_document(doc: &Html, thread_id: String, source: String) -> Thread {
    let mut thread = Thread::new(thread_id.clone(), source, Format::Html);
    let find = |pred: fn(&NRef<'_>) -> bool, lists: bool| {
        let (items, widget_items) = find_items(doc, pred, lists, true);
        // Some platforms (Blogger) wrap the whole post, comments included, in a "widget":
        // when every item is in one, they are the page's comments after all.
        if items.is_empty() && widget_items > 0 {
            (find_items(doc, pred, lists, false).0, 0)
        } else {
            (items, widget_items)
        }
    };
    let (mut items, mut widget_items) = find(is_list_item, true);
    if items.is_empty() {
        let (blocks, w) = find(is_block_item, false);
        items = merge_wrappers(doc, blocks);
        widget_items += w;
    }
    if widget_items > 0 {
        thread.warnings.push(format!(
            "{widget_items} comment items in sidebar widgets (recent comments of other posts) left out"
        ));
    }
    let item_nodes: HashSet<NodeId> = items.iter().map(|i| i.node).collect();
    let inside_items = nodes_inside(doc, &item_nodes);
    read_post(doc, &inside_items, &mut thread);

    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut ids: Vec<String> = Vec::with_capacity(items.len());
    for (k, item) in items.iter().enumerate() {
        let Some(node) = doc.tree.get(item.node) else {
            continue;
        };
        let owned = owned_elements(&node, &item_nodes);
        let number = attr(&node, "id")
            .and_then(comment_id_number)
            .or_else(|| {
                owned
                    .iter()
                    .find_map(|n| attr(n, "id").and_then(comment_id_number))
            })
            .map(str::to_string);
        let mut id = number
            .clone()
            .unwrap_or_else(|| format!("{thread_id}-c{}", k + 1));
        if let Some(first) = seen_ids.get(&id) {
            thread.warnings.push(format!(
                "comment id {id} appears twice (positions {} and {}); the second is renamed {id}-{}",
                first + 1,
                k + 1,
                k + 1
            ));
            id = format!("{id}-{}", k + 1);
        }
        seen_ids.insert(id.clone(), k);
        ids.push(id.clone());

        let mut c = Comment::new(id, k as u32 + 1, String::new());
        c.kind = if has_class(&node, "pingback") {
            CommentKind::Pingback
        } else if has_class(&node, "trackback") {
            CommentKind::Trackback
        } else {
            CommentKind::Comment
        };
        if let Some(p) = item.parent {
            c.parent_id = ids.get(p).cloned();
            c.reply_link = ReplyLink::EXPLICIT;
        }
        if let Some(a) = author_of(&owned) {
            c.author = Some(a);
            c.author_source = Some(AuthorSource::Explicit);
        }
        c.timestamp = timestamp_of(&owned);
        c.url = permalink_of(&owned, number.as_deref());
        if let Some(d) = owned.iter().find_map(|n| {
            let class = attr(n, "class")?;
            class
                .split_whitespace()
                .find_map(|t| t.strip_prefix("depth-"))
                .map(str::to_string)
        }) {
            c.meta.insert("html_depth_class".into(), d);
        }
        let content = owned.iter().find(|n| {
            has_any_class(
                n,
                &[
                    "comment-text",
                    "comment_text",
                    "commenttext",
                    "comment-body-text",
                ],
            ) || attr(n, "itemprop") == Some("text")
        });
        let content = content.or_else(|| {
            owned.iter().find(|n| {
                has_any_class(n, &["comment-content", "comment_content", "comment-entry"])
            })
        });
        c.text = match content {
            Some(n) => render_text(n, &item_nodes, true),
            None => render_text(&node, &item_nodes, true),
        };
        if c.kind != CommentKind::Comment && c.text.is_empty() {
            c.text = render_text(&node, &item_nodes, false);
        }
        thread.comments.push(c);
    }
    if !thread.comments.is_empty() && thread.comment_status == CommentStatus::None {
        thread.comment_status = CommentStatus::Closed;
    }
    if let Some(announced) = thread.header_count {
        let found = thread.comments.len() as u32;
        if announced != found {
            thread.warnings.push(format!(
                "the page announces {announced} comments but shows {found}"
            ));
        }
    }
    thread
}

/// Every node that lies inside a comment item (the items included).
fn nodes_inside(doc: &Html, items: &HashSet<NodeId>) -> HashSet<NodeId> {
    let mut inside = HashSet::new();
    let mut depth = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(n) => {
                if items.contains(&n.id()) {
                    depth += 1;
                }
                if depth > 0 {
                    inside.insert(n.id());
                }
            }
            Edge::Close(n) => {
                if items.contains(&n.id()) {
                    depth -= 1;
                }
            }
        }
    }
    inside
}

/// The elements of an item that are not inside a nested item, in document order.
fn owned_elements<'a>(item: &NRef<'a>, items: &HashSet<NodeId>) -> Vec<NRef<'a>> {
    let mut out = Vec::new();
    walk(
        *item,
        |n| items.contains(&n.id()),
        |edge| {
            if let Edge::Open(n) = edge {
                if n.value().is_element() {
                    out.push(n);
                }
            }
        },
    );
    out
}

fn clean_author(s: &str) -> Option<String> {
    let mut a = normalize_space(s);
    for suffix in [" says:", " sagt:", " said:", " says", " sagt", ":"] {
        if let Some(x) = a.strip_suffix(suffix) {
            a = x.trim().to_string();
        }
    }
    let a = a.trim_end_matches(['-', '|', '–']).trim().to_string();
    (!a.is_empty() && a.chars().count() <= 120).then_some(a)
}

fn author_of(owned: &[NRef<'_>]) -> Option<String> {
    if let Some(fn_el) = owned.iter().find(|n| has_class(n, "fn")) {
        return clean_author(&plain_text(fn_el));
    }
    let el = owned.iter().find(|n| {
        has_any_class(
            n,
            &[
                "comment-author",
                "comment_author",
                "commentauthor",
                "comment-author-name",
            ],
        ) || attr(n, "itemprop") == Some("author")
    })?;
    // A name in its own element (`<strong>Ben</strong> 19. Juni …`), else the element's
    // own text without the nested time and reply links (`Rolf <span><time>…</span>`).
    let named = el.descendants().skip(1).find(|d| {
        matches!(tag(d), Some("cite" | "strong" | "b")) || has_any_class(d, &["url", "name"])
    });
    match named {
        Some(n) => clean_author(&plain_text(&n)),
        None => clean_author(&own_text(el)).or_else(|| clean_author(&plain_text(el))),
    }
}

fn timestamp_of(owned: &[NRef<'_>]) -> Option<crate::model::Timestamp> {
    if let Some(t) = owned.iter().find(|n| tag(n) == Some("time")) {
        let written = parse_timestamp(&plain_text(t));
        let machine = attr(t, "datetime").and_then(parse_timestamp);
        let date_only = attr(t, "datetime").is_some_and(|d| d.trim().len() <= 10);
        // A date-only `datetime` loses the time of day the text shows ("29.07.2020 // 12:56").
        match (machine, written) {
            (Some(_), Some(w)) if date_only => return Some(w),
            (Some(m), _) => return Some(m),
            (None, Some(w)) => return Some(w),
            _ => {}
        }
    }
    let meta_classes = [
        "comment-metadata",
        "commentmetadata",
        "comment-meta",
        "comment-time",
        "comment-date",
        "comment_date",
        "comment-author",
        "date",
    ];
    for n in owned.iter().filter(|n| has_any_class(n, &meta_classes)) {
        for s in [plain_text(n), own_text(n)] {
            if let Some(t) = parse_timestamp(&s) {
                return Some(t);
            }
        }
        for a in n.descendants().filter(|d| tag(d) == Some("a")) {
            if let Some(t) = parse_timestamp(&plain_text(&a)) {
                return Some(t);
            }
        }
    }
    None
}

fn permalink_of(owned: &[NRef<'_>], number: Option<&str>) -> Option<String> {
    let number = number?;
    let anchor = format!("#comment-{number}");
    owned
        .iter()
        .filter(|n| tag(n) == Some("a") && !has_class(n, "comment-reply-link"))
        .filter_map(|n| attr(n, "href"))
        .find(|h| h.ends_with(&anchor) && !h.contains("replytocom"))
        .map(unarchive)
}

/// Title, byline, site, date, url, paragraphs, comment header count and status.
fn read_post(doc: &Html, inside_items: &HashSet<NodeId>, thread: &mut Thread) {
    let mut og_title = None;
    let mut title_tag = None;
    let mut entry_title = None;
    let mut h1 = None;
    let mut meta_author = None;
    let mut rel_author = None;
    let mut published = None;
    let mut time_published = None;
    let mut canonical = None;
    let mut og_url = None;
    let mut body: Option<NodeId> = None;
    let mut header_count = None;
    let mut form = false;
    let mut closed = false;
    for n in doc.tree.root().descendants() {
        if inside_items.contains(&n.id()) || !n.value().is_element() {
            continue;
        }
        let name = tag(&n).unwrap_or("");
        let id = attr(&n, "id").unwrap_or("");
        match name {
            "meta" => {
                let key = attr(&n, "property").or_else(|| attr(&n, "name"));
                let content = attr(&n, "content").map(normalize_space);
                match (key, content) {
                    (Some("og:title"), Some(c)) => og_title = og_title.or(Some(c)),
                    (Some("og:site_name"), Some(c)) => {
                        thread.post.site = thread.post.site.take().or(Some(c))
                    }
                    (Some("og:url"), Some(c)) => og_url = og_url.or(Some(c)),
                    (Some("author"), Some(c)) => meta_author = meta_author.or(Some(c)),
                    (Some("article:published_time"), Some(c)) => published = published.or(Some(c)),
                    _ => {}
                }
            }
            "title" if title_tag.is_none() => title_tag = Some(plain_text(&n)),
            "link" if attr(&n, "rel") == Some("canonical") => {
                canonical = canonical.or(attr(&n, "href").map(unarchive))
            }
            "h1" if h1.is_none() => h1 = Some(plain_text(&n)),
            "a" if rel_author.is_none()
                && attr(&n, "rel").is_some_and(|r| r.split_whitespace().any(|t| t == "author")) =>
            {
                rel_author = Some(plain_text(&n))
            }
            "time"
                if time_published.is_none()
                    && has_any_class(&n, &["entry-date", "published", "post-date"]) =>
            {
                time_published = Some((plain_text(&n), attr(&n, "datetime").map(str::to_string)))
            }
            "form" if id == "commentform" || has_class(&n, "comment-form") => form = true,
            _ => {}
        }
        if entry_title.is_none() && has_any_class(&n, &["entry-title", "post-title"]) {
            entry_title = Some(plain_text(&n));
        }
        if body.is_none()
            && (has_any_class(&n, &["entry-content", "post-content", "entry"])
                || attr(&n, "itemprop") == Some("articleBody"))
        {
            body = Some(n.id());
        }
        if id == "respond" || has_class(&n, "comment-respond") {
            form = true;
        }
        if has_any_class(&n, &["nocomments", "comments-closed"]) {
            closed = true;
        }
        if header_count.is_none()
            && (id == "comments-title"
                || has_any_class(
                    &n,
                    &[
                        "comments-title",
                        "comments__headline",
                        "comment-count",
                        "comments-count",
                        "comment-title",
                        "comments-header",
                    ],
                ))
        {
            header_count = leading_number(&plain_text(&n));
        }
    }
    let clean = |s: Option<String>| s.filter(|s| !s.is_empty());
    thread.post.title = clean(entry_title)
        .or(clean(og_title))
        .or(clean(h1))
        .or(clean(title_tag));
    thread.post.byline = clean(rel_author.map(|a| strip_byline(&a)))
        .or(clean(meta_author.map(|a| strip_byline(&a))));
    match (published, time_published) {
        (Some(p), _) => {
            thread.post.timestamp = parse_timestamp(&p);
            thread.post.date = Some(p);
        }
        (None, Some((text, dt))) => {
            thread.post.timestamp = dt
                .as_deref()
                .and_then(parse_timestamp)
                .or(parse_timestamp(&text));
            thread.post.date = Some(text);
        }
        _ => {}
    }
    thread.post.url = canonical.or(og_url.map(|u| unarchive(&u)));
    if let Some(node) = body.and_then(|b| doc.tree.get(b)) {
        let text = render_text(&node, inside_items, true);
        thread.post.paragraphs = text.split("\n\n").map(str::to_string).collect();
        thread.post.paragraphs.retain(|p| !p.is_empty());
    }
    thread.header_count = header_count;
    thread.comment_status = if form {
        CommentStatus::Open
    } else if closed {
        CommentStatus::Closed
    } else {
        CommentStatus::None
    };
}

/// An author name without the link text around it ("View all posts by Daniel Lemire").
fn strip_byline(s: &str) -> String {
    let lower = s.to_lowercase();
    for prefix in [
        "view all posts by ",
        "all posts by ",
        "posts by ",
        "alle beiträge von ",
        "beiträge von ",
        "by ",
        "von ",
    ] {
        if lower.starts_with(prefix) {
            // Prefixes are ASCII except "ä" (two bytes in both cases), so byte offsets agree.
            return s.get(prefix.len()..).unwrap_or(s).trim().to_string();
        }
    }
    s.trim().to_string()
}

/// The number a comment header starts with ("91 Ergänzungen", "6 Kommentare zu …").
fn leading_number(s: &str) -> Option<u32> {
    let t = s.trim();
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 6 {
        return match t.split_whitespace().next()?.to_lowercase().as_str() {
            "one" | "ein" | "eine" | "einen" => Some(1),
            "no" | "keine" => Some(0),
            _ => None,
        };
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(html: &str) -> Thread {
        let doc = Html::parse_document(html);
        let mut t = parse_document(&doc, "t".into(), "test".into());
        t.link().unwrap();
        t
    }

    #[test]
    fn wordpress_list_nesting_author_time_text() {
        let page = r##"<html><head><title>T</title></head><body>
<h1 class="entry-title">Post &amp; title</h1>
<div id="comments"><h2 class="comments-title">2 Comments</h2>
<ol class="commentlist">
<li class="comment depth-1" id="comment-1"><div class="comment-body">
 <div class="comment-author vcard"><cite class="fn">Ann</cite> <span class="says">says:</span></div>
 <div class="comment-meta"><a href="http://x/p/#comment-1">November 19, 2015 at 3:45 pm</a></div>
 <p>First &amp;lt; para with <a href="https://example.org/a">a link</a>.</p><p>Second<br>line</p>
 <div class="reply"><a class="comment-reply-link" href="?replytocom=1">Reply</a></div></div>
 <ul class="children"><li class="comment depth-2" id="comment-2">
  <div class="comment-author"><b class="fn">Bob</b></div>
  <div class="comment-content"><p>Reply text https://x.org</p></div></li></ul>
</li></ol></div><div id="respond"></div></body></html>"##;
        let t = parse(page);
        assert_eq!(t.post.title.as_deref(), Some("Post & title"));
        assert_eq!(t.header_count, Some(2));
        assert_eq!(t.comment_status, CommentStatus::Open);
        assert_eq!(t.comments.len(), 2);
        let a = &t.comments[0];
        assert_eq!(a.id, "1");
        assert_eq!(a.author.as_deref(), Some("Ann"));
        assert_eq!(
            a.timestamp.map(|x| x.to_rfc3339()).as_deref(),
            Some("2015-11-19T15:45:00Z")
        );
        assert_eq!(a.url.as_deref(), Some("http://x/p/#comment-1"));
        assert_eq!(
            a.text,
            "First &lt; para with a link (https://example.org/a).\n\nSecond\nline"
        );
        let b = &t.comments[1];
        assert_eq!(b.parent_id.as_deref(), Some("1"));
        assert_eq!(b.depth, 1);
        assert_eq!(b.author.as_deref(), Some("Bob"));
        assert_eq!(b.text, "Reply text https://x.org");
    }

    #[test]
    fn block_layout_without_list_items_nests_by_dom() {
        let page = r#"<html><body><div id="comments">
<div class="comment" id="li-comment-5"><article class="comment" id="comment-5">
  <span class="comment-author">Ann says:</span><time datetime="2020-01-02T03:04:05Z">x</time>
  <div class="comment-content">Top</div></article>
  <div class="children"><div class="comment" id="li-comment-6"><article class="comment" id="comment-6">
    <span class="comment-author">Bob</span><div class="comment-content">Reply</div></article></div></div>
</div></div></body></html>"#;
        let t = parse(page);
        assert_eq!(t.comments.len(), 2, "wrapper and article are one comment");
        assert_eq!(t.comments[0].id, "5");
        assert_eq!(t.comments[0].author.as_deref(), Some("Ann"));
        assert_eq!(t.comments[0].text, "Top");
        assert_eq!(
            t.comments[0].timestamp.map(|x| x.to_rfc3339()).as_deref(),
            Some("2020-01-02T03:04:05Z")
        );
        assert_eq!(t.comments[1].parent_id.as_deref(), Some("5"));
        assert_eq!(t.comments[1].text, "Reply");
        assert_eq!(t.comments[1].depth, 1);
    }

    #[test]
    fn comments_inside_a_page_wide_widget_are_kept() {
        let page = r#"<div class="widget Blog"><ol><li class="comment" id="comment-1">a
<ul class="children"><li class="comment" id="comment-2">b</li></ul></li></ol></div>"#;
        let t = parse(page);
        assert_eq!(t.comments.len(), 2);
        assert_eq!(t.comments[1].parent_id.as_deref(), Some("1"));
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    }

    #[test]
    fn plain_items_of_a_comment_list_nest_by_children_lists() {
        let page = r#"<ul class="children"><li>page menu entry</li></ul>
<ol class="comment-list"><li><p>first</p><ul class="children"><li><p>reply</p></li></ul></li>
<li><p>second</p></li></ol>"#;
        let t = parse(page);
        let texts: Vec<&str> = t.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["first", "reply", "second"]);
        assert_eq!(t.comments[1].parent_id.as_deref(), Some("t-c1"));
    }

    #[test]
    fn duplicate_ids_are_renamed_with_a_warning() {
        let page = r#"<ol><li class="comment" id="comment-1">a</li><li class="comment" id="comment-1">b</li></ol>"#;
        let t = parse(page);
        assert_eq!(t.comments[1].id, "1-2");
        assert!(t.warnings.iter().any(|w| w.contains("appears twice")));
    }

    #[test]
    fn fragments_keep_paragraphs_and_links() {
        assert_eq!(fragment_to_text("one\n\ntwo\nthree"), "one\n\ntwo\nthree");
        assert_eq!(
            fragment_to_text("<p>see <a href=\"https://a.b/c\">https://a.b/c</a></p>"),
            "see https://a.b/c"
        );
        assert_eq!(fragment_to_text("a &amp;amp; b"), "a &amp; b");
    }

    #[test]
    fn wayback_prefix_is_removed() {
        assert_eq!(
            unarchive("https://web.archive.org/web/20160330101229/http://m.net/x/#comment-1"),
            "http://m.net/x/#comment-1"
        );
        assert_eq!(unarchive("https://a.b/"), "https://a.b/");
    }
}
