//! Small HTML fragments inside JSON exports: character references (reddit escapes `&`, `<`,
//! `>` in comment bodies) and the tiny tag set of Hacker News comment HTML (`<p>`, `<a>`,
//! `<i>`, `<pre><code>`). Full pages are the HTML reader's business, not this module's.

use std::borrow::Cow;

/// Decodes character references once (`&amp;lt;` becomes `&lt;`, not `<`): the named ones
/// exports use, and decimal/hex numeric ones. Unknown references are kept as written.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{A0}'),
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Turns a comment's HTML fragment into model text: `<p>` starts a paragraph, a link is
/// replaced by its target URL (HN shows a shortened URL as the link text), other tags are
/// dropped, entities decoded once. Whitespace is left for the caller to normalise.
pub fn html_fragment_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut skip_link_text = false;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if !skip_link_text {
            out.push_str(&decode_entities(text));
        }
        let Some(gt) = rest[lt..].find('>') else {
            // A lone '<' is text.
            out.push_str(&decode_entities(&rest[lt..]));
            rest = "";
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        let lower = tag.trim().to_ascii_lowercase();
        let name = lower
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let closing = lower.starts_with('/');
        match name {
            "p" | "div" | "pre" | "blockquote" => out.push_str("\n\n"),
            "br" => out.push('\n'),
            "a" if !closing => {
                if let Some(href) = attribute(tag, "href") {
                    out.push_str(&decode_entities(href));
                    skip_link_text = true;
                }
            }
            "a" => skip_link_text = false,
            _ => {}
        }
    }
    if !skip_link_text {
        out.push_str(&decode_entities(rest));
    }
    out
}

/// The value of a quoted attribute in a tag's inside (`a href="x" rel="nofollow"`).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find(&format!("{name}="))?;
    let v = &tag[at + name.len() + 1..];
    let quote = v.chars().next()?;
    if quote == '"' || quote == '\'' {
        let v = &v[1..];
        v.find(quote).map(|end| &v[..end])
    } else {
        Some(v.split_whitespace().next().unwrap_or(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_once() {
        assert_eq!(
            decode_entities("a &amp;lt; b &#x27;c&#39; &gt; &bogus; &"),
            "a &lt; b 'c' > &bogus; &"
        );
    }

    #[test]
    fn hn_html_to_text() {
        let html = "First &quot;para&quot;.<p>See <a href=\"https:&#x2F;&#x2F;example.com&#x2F;long&#x2F;path\" rel=\"nofollow\">https:&#x2F;&#x2F;example.com&#x2F;lo...</a> and <i>this</i>.";
        assert_eq!(
            html_fragment_to_text(html),
            "First \"para\".\n\nSee https://example.com/long/path and this."
        );
    }
}
