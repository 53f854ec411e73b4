//! Rewriting the word-boundary assertions of a regex. Their ASCII forms give the same
//! matches on ASCII text; dropping them gives a pattern that matches wherever the original
//! does, a prefilter. Both let the regex crate's lazy DFA scan text it would otherwise give
//! up on: it handles a Unicode `\b` only until the first non-ASCII byte, then falls back to a
//! backtracking search that costs many times more.

use regex_syntax::hir::{Hir, HirKind, Look};

/// What becomes of the word-boundary assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordLooks {
    /// Each Unicode word assertion in its ASCII form.
    Ascii,
    /// Word assertions dropped (line and text anchors stay).
    Dropped,
}

/// `hir` with its word-boundary assertions rewritten. Recursion follows the regex's own
/// nesting, which the parser limits (250 levels by default).
pub fn rewrite(hir: Hir, to: WordLooks) -> Hir {
    match hir.into_kind() {
        HirKind::Look(look) => match to {
            WordLooks::Ascii => Hir::look(ascii(look)),
            WordLooks::Dropped if is_word_look(look) => Hir::empty(),
            WordLooks::Dropped => Hir::look(look),
        },
        HirKind::Repetition(mut r) => {
            r.sub = Box::new(rewrite(*r.sub, to));
            Hir::repetition(r)
        }
        HirKind::Capture(mut c) => {
            c.sub = Box::new(rewrite(*c.sub, to));
            Hir::capture(c)
        }
        HirKind::Concat(v) => Hir::concat(v.into_iter().map(|h| rewrite(h, to)).collect()),
        HirKind::Alternation(v) => {
            Hir::alternation(v.into_iter().map(|h| rewrite(h, to)).collect())
        }
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
    }
}

/// `pattern` (parsed with default flags) with its word-boundary assertions rewritten.
pub fn rewrite_pattern(pattern: &str, to: WordLooks) -> Result<String, String> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| e.to_string())?;
    Ok(rewrite(hir, to).to_string())
}

fn is_word_look(look: Look) -> bool {
    !matches!(
        look,
        Look::Start | Look::End | Look::StartLF | Look::EndLF | Look::StartCRLF | Look::EndCRLF
    )
}

/// A Unicode word assertion in its ASCII form, any other assertion as it is.
fn ascii(look: Look) -> Look {
    match look {
        Look::WordUnicode => Look::WordAscii,
        Look::WordUnicodeNegate => Look::WordAsciiNegate,
        Look::WordStartUnicode => Look::WordStartAscii,
        Look::WordEndUnicode => Look::WordEndAscii,
        Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
        Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_looks_and_dropped_looks() {
        let parse = |p: &str| regex_syntax::Parser::new().parse(p).unwrap().to_string();
        assert_eq!(
            rewrite_pattern(r"(?i)\bno\b|\Bx\b{start}$", WordLooks::Ascii).unwrap(),
            parse(r"(?i)(?-u:\b)no(?-u:\b)|(?-u:\B)x(?-u:\b{start})$")
        );
        assert_eq!(
            rewrite_pattern(r"(?i)\bno\b|\Bx\b{start}$", WordLooks::Dropped).unwrap(),
            parse(r"(?i)no|x$")
        );
        let ascii = rewrite_pattern(r"^\bab\b$", WordLooks::Ascii).unwrap();
        let dropped = rewrite_pattern(r"^\bab\b$", WordLooks::Dropped).unwrap();
        let (a, d) = (
            regex::Regex::new(&ascii).unwrap(),
            regex::Regex::new(&dropped).unwrap(),
        );
        assert!(a.is_match("ab") && d.is_match("ab"));
        // Anchors stay in both.
        assert!(!a.is_match("xab") && !d.is_match("xab"));
        // ASCII boundaries see "é" as a non-word byte; dropped ones see nothing.
        let inner = rewrite_pattern(r"\bab", WordLooks::Dropped).unwrap();
        assert!(regex::Regex::new(&inner).unwrap().is_match("éab"));
        assert!(!regex::Regex::new(r"\bab").unwrap().is_match("éab"));
    }
}
