//! The `parse --tree` outline: each thread as an indented reply tree a person can read.

use crate::model::{CommentStatus, Corpus, Format, Thread};
use std::fmt::Write;

/// Words of a comment shown in the outline.
const FIRST_WORDS: usize = 12;

/// Renders every thread of the corpus as an indented outline.
pub fn render(corpus: &Corpus) -> String {
    let mut out = String::new();
    for (k, thread) in corpus.threads.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        render_thread(thread, &mut out);
    }
    out
}

fn render_thread(thread: &Thread, out: &mut String) {
    let title = thread.post.title.as_deref().unwrap_or("(untitled)");
    let _ = writeln!(out, "{} — {title}", thread.id);
    let mut facts = vec![format!("format {}", thread.format)];
    if let Some(b) = &thread.post.byline {
        facts.push(format!("by {b}"));
    }
    facts.push(format!("{} comments", thread.comments.len()));
    if let Some(h) = thread.header_count {
        facts.push(format!("page announces {h}"));
    }
    // Exports and dumps have no notion of a page's comment section; only pages say it.
    let page = matches!(thread.format, Format::Text | Format::Html);
    match thread.comment_status {
        CommentStatus::Open => facts.push("comments open".into()),
        CommentStatus::Closed => facts.push("comments closed".into()),
        CommentStatus::None if page => facts.push("no comment section".into()),
        CommentStatus::None => {}
    }
    let _ = writeln!(out, "  {}", facts.join(" · "));
    let index = thread.child_index();
    // Explicit stack of (comment, depth below the thread line) — no recursion.
    let mut stack: Vec<(u32, usize)> = index.roots().iter().rev().map(|&r| (r, 0)).collect();
    while let Some((n, level)) = stack.pop() {
        let c = &thread.comments[n as usize];
        let replies = index.children(n as usize).len();
        let marker = match &c.number {
            Some(num) => format!("{num}."),
            None if c.depth > 0 => "•".into(),
            None => "-".into(),
        };
        let who = c
            .author
            .as_deref()
            .map(|a| format!("{a}: "))
            .unwrap_or_default();
        let words: Vec<&str> = c.text.split_whitespace().collect();
        let mut snippet = words[..words.len().min(FIRST_WORDS)].join(" ");
        if words.len() > FIRST_WORDS {
            snippet.push('…');
        }
        let plural = if replies == 1 { "reply" } else { "replies" };
        let _ = writeln!(
            out,
            "  {}{marker} {who}\"{snippet}\" ({replies} {plural})",
            "    ".repeat(level),
        );
        stack.extend(
            index
                .children(n as usize)
                .iter()
                .rev()
                .map(|&ch| (ch, level + 1)),
        );
    }
}
