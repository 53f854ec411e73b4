//! A small streaming XML scanner over quick-xml shared by the `wxr` and `disqus` readers.
//!
//! It yields element starts (with attributes) and ends (with the text the element held),
//! tracks the open-element stack (an explicit `Vec`: no recursion), reports line numbers,
//! and is safe on hostile input: the DTD is skipped and never expanded, so a "billion
//! laughs" entity bomb cannot grow; references to entities XML does not predefine are an
//! error naming the entity. Namespace prefixes are not resolved (WordPress.com exports use
//! `atom:` without declaring it); readers match elements by local name and prefix.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::borrow::Cow;

/// An XML element event with the line it starts on.
#[derive(Debug)]
pub enum XmlEvent {
    /// `<name attr="…">` (also the start of `<name/>`).
    Start {
        /// Qualified name as written (`wp:comment`).
        name: String,
        /// Attributes, qualified names as written, values unescaped.
        attrs: Vec<(String, String)>,
        /// 1-based line of the tag.
        line: u64,
        /// Nesting depth of the element: 1 for the root.
        depth: usize,
    },
    /// `</name>` (also the end of `<name/>`), with the text directly inside the element
    /// since its last child ended (for leaf elements: all their text).
    End {
        /// Qualified name as written.
        name: String,
        /// Text content (CDATA included, references resolved).
        text: String,
        /// 1-based line of the tag.
        line: u64,
        /// Nesting depth of the element: 1 for the root.
        depth: usize,
    },
    /// End of input with every element closed.
    Eof,
}

/// A syntax error at a line: what was found and what was expected.
#[derive(Debug)]
pub struct XmlError {
    /// 1-based line.
    pub line: u64,
    /// Byte offset in the decoded text.
    pub offset: u64,
    /// The problem.
    pub message: String,
    /// Whether scanning can go on after it (a bad entity reference inside one record);
    /// syntax errors end the scan.
    pub recoverable: bool,
}

/// Streaming scanner over a whole decoded text.
pub struct XmlScanner<'a> {
    reader: Reader<&'a [u8]>,
    src: &'a str,
    line_pos: (usize, u64),
    stack: Vec<(String, u64)>,
    text: String,
    pending_end: Option<(String, u64)>,
    /// Whether a DOCTYPE (with its entity declarations, never expanded) was skipped.
    pub saw_doctype: bool,
}

/// The local part of a qualified name (`wp:comment` → `comment`).
pub fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// The prefix of a qualified name (`wp:comment` → `wp`, `link` → ``).
pub fn prefix(name: &str) -> &str {
    name.split_once(':').map_or("", |(p, _)| p)
}

/// Name of the first element of a document head, skipping the XML declaration,
/// processing instructions, comments, the DOCTYPE and a BOM (for sniffing).
pub fn root_name(head: &str) -> Option<&str> {
    let mut rest = head.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            rest = r.split_once("?>")?.1.trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.split_once("-->")?.1.trim_start();
        } else if rest.starts_with("<!") {
            // A DOCTYPE, possibly with an internal subset in brackets.
            let end = match (rest.find('['), rest.find('>')) {
                (Some(b), Some(g)) if b < g => rest.find("]>")? + 2,
                (_, Some(g)) => g + 1,
                _ => return None,
            };
            rest = rest[end..].trim_start();
        } else {
            let r = rest.strip_prefix('<')?;
            let n = r
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(r.len());
            return Some(&r[..n]).filter(|n| !n.is_empty());
        }
    }
}

impl<'a> XmlScanner<'a> {
    /// A scanner over `src`, checking that end tags match start tags.
    pub fn new(src: &'a str) -> XmlScanner<'a> {
        let mut reader = Reader::from_str(src);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        XmlScanner {
            reader,
            src,
            line_pos: (0, 1),
            stack: Vec::new(),
            text: String::new(),
            pending_end: None,
            saw_doctype: false,
        }
    }

    /// Open elements, outermost first, with the line each opened on.
    pub fn open_elements(&self) -> &[(String, u64)] {
        &self.stack
    }

    /// 1-based line of a byte offset; offsets are asked for in increasing order, so the
    /// count resumes where it stopped (linear over the file).
    pub fn line_of(&mut self, offset: u64) -> u64 {
        let offset = (offset as usize).min(self.src.len());
        let (pos, line) = self.line_pos;
        if offset < pos {
            let l = 1 + self.src.as_bytes()[..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            return l;
        }
        let add = self.src.as_bytes()[pos..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.line_pos = (offset, line + add);
        line + add
    }

    fn err(&mut self, offset: u64, message: String) -> XmlError {
        XmlError {
            line: self.line_of(offset),
            offset,
            message,
            recoverable: false,
        }
    }

    fn start(
        &mut self,
        s: &quick_xml::events::BytesStart<'_>,
        before: u64,
        empty: bool,
    ) -> Result<XmlEvent, XmlError> {
        let name = s.name().as_ref().to_string();
        let mut attrs = Vec::new();
        for a in s.attributes() {
            let a = match a {
                Ok(a) => a,
                Err(e) => {
                    let msg = format!("malformed attribute in <{name}>: {e}");
                    return Err(self.err(before, msg));
                }
            };
            let key = a.key.as_ref().to_string();
            let value = match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                Ok(v) => v.into_owned(),
                Err(e) => {
                    let msg = format!(
                        "attribute {key} of <{name}>: {e}; expected only the XML entities &lt; &gt; &amp; &quot; &apos; (custom DTD entities are not expanded)"
                    );
                    return Err(self.err(before, msg));
                }
            };
            attrs.push((key, value));
        }
        let line = self.line_of(before);
        self.text.clear();
        if empty {
            self.pending_end = Some((name.clone(), line));
        } else {
            self.stack.push((name.clone(), line));
        }
        let depth = self.stack.len() + usize::from(empty);
        Ok(XmlEvent::Start {
            name,
            attrs,
            line,
            depth,
        })
    }

    /// The next start or end of an element.
    pub fn next_event(&mut self) -> Result<XmlEvent, XmlError> {
        if let Some((name, line)) = self.pending_end.take() {
            return Ok(XmlEvent::End {
                name,
                text: std::mem::take(&mut self.text),
                line,
                depth: self.stack.len() + 1,
            });
        }
        loop {
            let before = self.reader.buffer_position();
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    let at = self.reader.error_position();
                    let open = self.stack.last().map(|(n, _)| n.clone());
                    let msg = match (&e, open) {
                        (quick_xml::Error::IllFormed(_), Some(open)) => {
                            format!("malformed XML: {e} (inside <{open}>)")
                        }
                        _ => format!("malformed XML: {e}"),
                    };
                    return Err(self.err(at, msg));
                }
            };
            match event {
                Event::Start(s) => return self.start(&s, before, false),
                Event::Empty(s) => return self.start(&s, before, true),
                Event::End(e) => {
                    let name = e.name().as_ref().to_string();
                    let depth = self.stack.len();
                    self.stack.pop();
                    let line = self.line_of(before);
                    return Ok(XmlEvent::End {
                        name,
                        text: std::mem::take(&mut self.text),
                        line,
                        depth,
                    });
                }
                Event::Text(t) => self.text.push_str(&t.xml10_content()),
                Event::CData(c) => self.text.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => {
                    let resolved: Option<Cow<str>> = match r.resolve_char_ref() {
                        Ok(Some(ch)) => Some(Cow::Owned(ch.to_string())),
                        Ok(None) => match r.xml10_content().as_ref() {
                            "lt" => Some("<".into()),
                            "gt" => Some(">".into()),
                            "amp" => Some("&".into()),
                            "quot" => Some("\"".into()),
                            "apos" => Some("'".into()),
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    match resolved {
                        Some(s) => self.text.push_str(&s),
                        None => {
                            let name = r.xml10_content().into_owned();
                            let msg = format!(
                                "undefined entity &{name}; (expected only &lt; &gt; &amp; &quot; &apos; or a character reference; custom DTD entities are not expanded)"
                            );
                            let mut e = self.err(before, msg);
                            e.recoverable = true;
                            return Err(e);
                        }
                    }
                }
                Event::DocType(_) => self.saw_doctype = true,
                Event::Eof => {
                    if let Some((open, line)) = self.stack.last().cloned() {
                        let at = self.src.len() as u64;
                        let msg = format!(
                            "unexpected end of file: <{open}> opened at line {line} is not closed (truncated file?); expected </{open}>"
                        );
                        return Err(self.err(at, msg));
                    }
                    return Ok(XmlEvent::Eof);
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(src: &str) -> Result<Vec<String>, XmlError> {
        let mut s = XmlScanner::new(src);
        let mut out = Vec::new();
        loop {
            match s.next_event()? {
                XmlEvent::Start { name, .. } => out.push(format!("+{name}")),
                XmlEvent::End { name, text, .. } => out.push(format!("-{name}:{text}")),
                XmlEvent::Eof => return Ok(out),
            }
        }
    }

    #[test]
    fn root_name_skips_prolog() {
        let head = "\u{feff}<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n<disqus xmlns=\"x\">";
        assert_eq!(root_name(head), Some("disqus"));
        assert_eq!(root_name("<rss version=\"2.0\">"), Some("rss"));
        assert_eq!(root_name("plain text"), None);
    }

    #[test]
    fn leaf_text_with_cdata_and_references() {
        let ev = events("<a><b>x &amp; <![CDATA[<y>]]>&#233;</b><c/></a>").unwrap();
        assert_eq!(ev, ["+a", "+b", "-b:x & <y>é", "+c", "-c:", "-a:"]);
    }

    #[test]
    fn entity_bomb_is_not_expanded() {
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n<lolz>&lol2;</lolz>";
        let e = events(bomb).unwrap_err();
        assert_eq!(e.line, 6);
        assert!(
            e.message.contains("undefined entity &lol2;"),
            "{}",
            e.message
        );
    }

    #[test]
    fn truncation_and_mismatch_name_the_line() {
        let e = events("<a>\n<b>\n<c>text</c>\n").unwrap_err();
        assert!(e.message.contains("<b> opened at line 2"), "{}", e.message);
        let e = events("<a>\n<b>\n</c>\n</a>").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("expected `</b>`"), "{}", e.message);
    }
}
