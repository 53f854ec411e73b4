//! Escaping of input text for HTML and Markdown, and the one check that decides whether a URL
//! from the input may become a link.

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline are not allowed in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The URL when it may be a link target: only `http://` and `https://` URLs without
/// whitespace or control characters. Anything else (`javascript:`, `data:`, relative paths)
/// is shown as text, never made clickable.
pub fn safe_url(url: &str) -> Option<&str> {
    let u = url.trim();
    let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
    let ok_scheme = lower.starts_with("http://") || lower.starts_with("https://");
    let clean = !u.chars().any(|c| c.is_whitespace() || c.is_control());
    (ok_scheme && clean && u.len() > "https://".len()).then_some(u)
}

/// Escapes text for one line of Markdown: characters that would start emphasis, links,
/// code, tables, HTML or entities are backslash-escaped; line breaks become spaces.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut chars = s.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            // Only `&` that could start an entity (`&amp;`, `&#60;`) needs escaping.
            '&' if chars
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '#') =>
            {
                out.push_str("\\&");
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The first `max_words` words of a text, with `…` when cut.
pub fn snippet(text: &str, max_words: usize) -> String {
    let mut words = text.split_whitespace();
    let mut out: Vec<&str> = words.by_ref().take(max_words).collect();
    let cut = words.next().is_some();
    if cut {
        out.push("…");
    }
    out.join(" ")
}

/// At most `max` characters of a label, with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(html("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn only_http_urls_are_links() {
        assert_eq!(
            safe_url("https://example.org/a"),
            Some("https://example.org/a")
        );
        assert_eq!(safe_url(" HTTP://x.org "), Some("HTTP://x.org"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<b>",
            "//evil.org",
            "/relative",
            "https://",
            "https://a b",
            "java\tscript:x",
        ] {
            assert_eq!(safe_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn markdown_escapes_syntax_and_flattens_lines() {
        assert_eq!(
            markdown("*a* [l](javascript:x) <b>|\n#"),
            "\\*a\\* \\[l\\](javascript:x) \\<b\\>\\| \\#"
        );
        assert_eq!(markdown("A & B &amp; C!"), "A & B \\&amp; C!");
    }

    #[test]
    fn snippets_and_truncation_mark_cuts() {
        assert_eq!(snippet("a b  c", 2), "a b …");
        assert_eq!(snippet("a b", 2), "a b");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
