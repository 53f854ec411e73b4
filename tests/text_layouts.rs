//! Issue 2: the text reader handles the family of layouts blog dumps use, not only the seeds.

use crate::util::{fixture, run, temp_dir, write};
use serde_json::Value;

fn parse(path: &str) -> Value {
    let r = run(&["parse", path]).expect_code(0);
    r.json()["threads"][0].clone()
}

fn field(t: &Value, k: usize, key: &str) -> Value {
    t["comments"][k][key].clone()
}

#[test]
fn wordpress_thoughts_on_with_says_headers_dates_and_nesting() {
    let t = parse(fixture("text/wordpress-thoughts-on.txt").to_str().unwrap());
    assert_eq!(t["header_count"], 4);
    assert_eq!(t["byline"], "Maria Keller");
    assert_eq!(t["timestamp"], "2021-03-03T00:00:00Z");
    assert_eq!(t["comments"].as_array().unwrap().len(), 4);
    let authors: Vec<&str> = t["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["author"].as_str().unwrap())
        .collect();
    assert_eq!(
        authors,
        ["Tom Reyes", "Maria Keller", "Tom Reyes", "Ana Silva"]
    );
    assert_eq!(field(&t, 0, "author_source"), "explicit");
    assert_eq!(field(&t, 1, "timestamp"), "2021-03-03T10:40:00Z");
    let depths: Vec<u64> = (0..4)
        .map(|k| field(&t, k, "depth").as_u64().unwrap())
        .collect();
    assert_eq!(depths, [0, 1, 2, 0]);
    assert_eq!(field(&t, 2, "parent_id"), field(&t, 1, "id"));
    assert_eq!(
        field(&t, 0, "text"),
        "Shops on my street lost half their customers when parking went away."
    );
    // "Reply" links, share widgets and the form are boilerplate, not text.
    let all = serde_json::to_string(&t["comments"]).unwrap();
    assert!(!all.contains("\"Reply\"") && !all.contains("Post Comment"));
    assert!(t["paragraphs"].as_array().unwrap().len() == 1);
}

#[test]
fn blogger_said_with_trailing_dates_and_multiword_mention() {
    let t = parse(fixture("text/blogger-said.txt").to_str().unwrap());
    assert_eq!(t["header_count"], 3);
    assert_eq!(t["timestamp"], "2010-06-12T00:00:00Z");
    assert_eq!(field(&t, 0, "timestamp"), "2010-06-12T14:05:00Z");
    assert_eq!(field(&t, 2, "timestamp"), "2010-06-13T18:45:00Z");
    // "Anonymous, …" names nobody in particular: no link is invented.
    assert!(field(&t, 1, "parent_id").is_null());
    // "@Gardener Jo" names an earlier commenter in a flat layout: a mention link.
    assert_eq!(field(&t, 2, "parent_id"), field(&t, 1, "id"));
    assert_eq!(field(&t, 2, "reply_link")["kind"], "mention");
    assert_eq!(field(&t, 2, "addressee"), "Gardener Jo");
    assert_eq!(t["comment_status"], "open");
}

#[test]
fn typepad_posted_by_footers() {
    let t = parse(fixture("text/typepad-posted-by.txt").to_str().unwrap());
    assert_eq!(t["comments"].as_array().unwrap().len(), 3);
    assert_eq!(field(&t, 1, "author"), "Omar");
    assert_eq!(field(&t, 1, "parent_id"), field(&t, 0, "id"));
    assert_eq!(field(&t, 1, "reply_link")["kind"], "salutation");
    assert_eq!(
        field(&t, 2, "text"),
        "Mostly from a newsletter that links back.\n\nSecond paragraph of the same answer."
    );
    assert_eq!(field(&t, 2, "timestamp"), "2006-07-02T08:05:00Z");
}

#[test]
fn encodings_and_line_endings() {
    let dir = temp_dir("enc");
    let page = "Title\r\n\r\nArticle text.\r\n\r\n2 Comments\r\n\r\n  1. Caf\u{e9} first\r\n\r\n  2. second\r\n";
    // Windows-1252 bytes (invalid UTF-8), CRLF endings.
    let cp1252: Vec<u8> = page
        .chars()
        .map(|c| if c == '\u{e9}' { 0xE9 } else { c as u8 })
        .collect();
    let utf16_no_bom: Vec<u8> = page.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let mut utf16_bom = vec![0xFF, 0xFE];
    utf16_bom.extend(&utf16_no_bom);
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend(page.as_bytes());
    for (name, bytes) in [
        ("cp1252.txt", cp1252),
        ("utf16.txt", utf16_no_bom),
        ("utf16bom.txt", utf16_bom),
        ("utf8bom.txt", utf8_bom),
    ] {
        let p = write(&dir, name, bytes);
        let t = parse(&p);
        assert_eq!(t["title"], "Title", "{name}");
        assert_eq!(field(&t, 0, "text"), "Café first", "{name}");
        assert_eq!(t["comments"].as_array().unwrap().len(), 2, "{name}");
    }
}
