//! Bytes to text: BOMs, UTF-16, Windows-1252 fallback, and repair of mojibake (UTF-8 that
//! was once decoded as Windows-1252, such as "â€™" for "’" and "Â " for a no-break space).

/// Which decoding turned the bytes into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without BOM.
    Utf8,
    /// UTF-16 little endian (BOM, or detected from the zero bytes).
    Utf16Le,
    /// UTF-16 big endian.
    Utf16Be,
    /// Not valid UTF-8; read as Windows-1252.
    Windows1252,
}

/// Why bytes could not be decoded as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A NUL byte in what is not UTF-16: binary data.
    Binary {
        /// Offset of the first NUL.
        offset: usize,
    },
}

/// Windows-1252 code points for bytes 0x80..=0x9F (0 where the byte is undefined).
const CP1252_HIGH: [u32; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

/// Decodes one Windows-1252 byte (undefined bytes map to the C1 control of the same value,
/// as browsers do).
pub fn cp1252_char(b: u8) -> char {
    if (0x80..0xA0).contains(&b) {
        let cp = CP1252_HIGH[(b - 0x80) as usize];
        if cp != 0 {
            return char::from_u32(cp).unwrap_or('\u{FFFD}');
        }
    }
    char::from(b)
}

/// The Windows-1252 byte that decodes to `c`, if any.
fn cp1252_byte(c: char) -> Option<u8> {
    let cp = c as u32;
    if cp < 0x80 || (0xA0..=0xFF).contains(&cp) {
        return Some(cp as u8);
    }
    if (0x80..0xA0).contains(&cp) && CP1252_HIGH[(cp - 0x80) as usize] == 0 {
        return Some(cp as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&x| x == cp)
        .map(|i| 0x80 + i as u8)
}

/// Decodes file bytes: BOM first, then UTF-16 without BOM (zero-byte pattern), then UTF-8,
/// then Windows-1252. NUL bytes in anything that is not UTF-16 mean binary data.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), DecodeError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_utf8_or_1252(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return Ok((decode_utf16(rest, true), Encoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return Ok((decode_utf16(rest, false), Encoding::Utf16Be));
    }
    if let Some(little_endian) = sniff_utf16(bytes) {
        let enc = if little_endian {
            Encoding::Utf16Le
        } else {
            Encoding::Utf16Be
        };
        return Ok((decode_utf16(bytes, little_endian), enc));
    }
    decode_utf8_or_1252(bytes)
}

fn decode_utf8_or_1252(bytes: &[u8]) -> Result<(String, Encoding), DecodeError> {
    if let Some(offset) = memchr0(bytes) {
        return Err(DecodeError::Binary { offset });
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_owned(), Encoding::Utf8)),
        Err(_) => Ok((
            bytes.iter().map(|&b| cp1252_char(b)).collect(),
            Encoding::Windows1252,
        )),
    }
}

fn memchr0(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == 0)
}

/// Whether bytes start like UTF-16 (a BOM, or the zero-byte pattern of UTF-16 without BOM),
/// for readers that stream lines and must decode UTF-16 whole first.
pub fn looks_utf16(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF])
        || sniff_utf16(head).is_some()
}

/// UTF-16 text without BOM: mostly-ASCII text leaves every other byte zero.
fn sniff_utf16(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zero_odd = sample
        .chunks_exact(2)
        .filter(|p| p[1] == 0 && p[0] != 0)
        .count();
    let zero_even = sample
        .chunks_exact(2)
        .filter(|p| p[0] == 0 && p[1] != 0)
        .count();
    if zero_odd * 10 >= pairs * 7 {
        Some(true)
    } else if zero_even * 10 >= pairs * 7 {
        Some(false)
    } else {
        None
    }
}

fn decode_utf16(bytes: &[u8], little_endian: bool) -> String {
    let units = bytes.chunks_exact(2).map(|p| {
        if little_endian {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{FFFD}'))
        .collect()
}

/// Whether the text contains a character that starts every mojibake run. All of them are
/// in U+00C0..U+00FF, encoded with lead byte 0xC3, so a byte scan rules most text out first.
fn may_hold_mojibake(text: &str) -> bool {
    memchr::memchr(0xC3, text.as_bytes()).is_some()
        && text.contains(['Â', 'Ã', 'â', 'Ä', 'Å', 'Ð', 'Ñ', 'ð'])
}

/// [`repair_mojibake`] for an owned string: clean text (the common case) is returned
/// without a copy, which matters when millions of records stream through.
pub fn repair_mojibake_owned(text: String) -> String {
    if may_hold_mojibake(&text) {
        repair_mojibake(&text)
    } else {
        text
    }
}

/// Repairs mojibake: runs of characters whose Windows-1252 bytes form a valid multi-byte
/// UTF-8 sequence are replaced by the character that sequence encodes ("â€™" → "’",
/// "Ã©" → "é"). A stray "Â" before a space, the remnant of a mangled no-break space, becomes
/// a space. Text without such runs is returned unchanged.
pub fn repair_mojibake(text: &str) -> String {
    if !may_hold_mojibake(text) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some((fixed, used)) = repair_at(&chars[i..]) {
            out.push(fixed);
            i += used;
            continue;
        }
        let c = chars[i];
        // "Â" followed by a (formerly no-break) space, not inside a word.
        if c == 'Â'
            && matches!(chars.get(i + 1), Some(' ' | '\u{A0}'))
            && (i == 0 || !chars[i - 1].is_alphanumeric())
        {
            out.push(' ');
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Tries to read one mangled UTF-8 sequence at the start of `chars`.
fn repair_at(chars: &[char]) -> Option<(char, usize)> {
    let lead = cp1252_byte(chars[0])?;
    let len = match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    if chars.len() < len {
        return None;
    }
    let mut buf = [0u8; 4];
    buf[0] = lead;
    for k in 1..len {
        let b = cp1252_byte(chars[k])?;
        if !(0x80..=0xBF).contains(&b) {
            return None;
        }
        buf[k] = b;
    }
    let s = std::str::from_utf8(&buf[..len]).ok()?;
    let c = s.chars().next()?;
    Some((c, len))
}

/// Collapses runs of whitespace (including no-break spaces) to one space and trims.
pub fn normalize_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c == '\u{A0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Normalises a comment body to the model's form: paragraphs (separated in the source by a
/// blank or whitespace-only line) joined by one blank line, other whitespace runs collapsed
/// to one space, ends trimmed. Takes ownership so the common already-clean case costs no
/// copy; otherwise one pass over the characters.
pub fn normalize_paragraphs(s: String) -> String {
    if is_normalized(&s) {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut newlines = 0u32;
    let mut word_start: Option<usize> = None;
    let mut after_space = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if let Some(start) = word_start.take() {
                out.push_str(&s[start..i]);
            }
            after_space = true;
            if c == '\n' {
                newlines += 1;
            }
        } else if word_start.is_none() {
            if after_space && !out.is_empty() {
                out.push_str(if newlines >= 2 { "\n\n" } else { " " });
            }
            after_space = false;
            newlines = 0;
            word_start = Some(i);
        }
    }
    if let Some(start) = word_start {
        out.push_str(&s[start..]);
    }
    out
}

/// A byte scan that is true only for text `normalize_paragraphs` would not change: no
/// control whitespace, no double or edge spaces, no non-ASCII space (U+0085, U+00A0,
/// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
fn is_normalized(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    // Vectorised scans (memchr); the rare candidates for non-ASCII spaces are checked by hand.
    if memchr::memchr3(b'\n', b'\r', b'\t', b).is_some()
        || memchr::memchr2(0x0B, 0x0C, b).is_some()
        || memchr::memmem::find(b, b"  ").is_some()
    {
        return false;
    }
    let next = |k: usize, n: usize| b.get(k + n).copied().unwrap_or(0);
    let space_at = |k: usize| match b[k] {
        0xC2 => matches!(next(k, 1), 0x85 | 0xA0),
        0xE1 => next(k, 1) == 0x9A && next(k, 2) == 0x80,
        0xE2 => {
            (next(k, 1) == 0x80 && matches!(next(k, 2), 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF))
                || (next(k, 1) == 0x81 && next(k, 2) == 0x9F)
        }
        _ => next(k, 1) == 0x80 && next(k, 2) == 0x80, // 0xE3: U+3000
    };
    !memchr::memchr3_iter(0xC2, 0xE1, 0xE2, b)
        .chain(memchr::memchr_iter(0xE3, b))
        .any(space_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paragraphs() {
        assert_eq!(normalize_paragraphs("plain text".into()), "plain text");
        assert_eq!(
            normalize_paragraphs("  a\r\n b\n \n\n c\td ".into()),
            "a b\n\nc d"
        );
        assert_eq!(normalize_paragraphs("\n \n".into()), "");
        assert_eq!(
            normalize_paragraphs("a\u{A0}\u{A0}b\u{3000}c\r\n\r\n\r\nd £".into()),
            "a b c\n\nd £"
        );
    }

    #[test]
    fn repairs_seed_mojibake() {
        assert_eq!(repair_mojibake("Â Despite the"), " Despite the");
        assert_eq!(repair_mojibake("Russiaâ€™s role"), "Russia’s role");
        assert_eq!(repair_mojibake("cafÃ© â€œquotedâ€\u{9d}"), "café “quoted”");
        assert_eq!(repair_mojibake("Ã„rger Ã¼ber"), "Ärger über");
    }

    #[test]
    fn leaves_real_text_alone() {
        for s in ["Ärger über Öl", "CÂ b", "façade – “ok”", "Ða is Icelandic"] {
            assert_eq!(repair_mojibake(s), s);
        }
    }

    #[test]
    fn decodes_boms_utf16_and_1252() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFhi").unwrap(),
            ("hi".into(), Encoding::Utf8)
        );
        assert_eq!(decode(b"\xFF\xFEh\0i\0").unwrap().0, "hi");
        assert_eq!(
            decode(b"h\0e\0l\0l\0o\0").unwrap(),
            ("hello".into(), Encoding::Utf16Le)
        );
        assert_eq!(
            decode(b"don\x92t").unwrap(),
            ("don’t".into(), Encoding::Windows1252)
        );
        assert_eq!(
            decode(b"ab\0\x01\x02cd"),
            Err(DecodeError::Binary { offset: 2 })
        );
    }

    #[test]
    fn normalizes_space() {
        assert_eq!(normalize_space("  a \u{A0} b\t c  "), "a b c");
    }
}
