//! Issue 3 (XML/HTML half): saved HTML pages, WordPress WXR and Disqus exports parse with the
//! counts, reply counts and depths documented in shared/data/SOURCES.md; malformed input
//! fails with file, line and what was expected (exit 2), or is salvaged with `--lenient`.

use crate::util::{fixture, run, temp_dir, write};
use serde_json::Value;
use std::collections::BTreeMap;

fn path(rel: &str) -> String {
    fixture(rel).to_string_lossy().into_owned()
}

fn parse(rel: &str) -> Value {
    run(&["parse", "--quiet", &path(rel)]).expect_code(0).json()
}

fn threads(c: &Value) -> &Vec<Value> {
    c["threads"].as_array().unwrap()
}

fn all_comments(c: &Value) -> Vec<&Value> {
    threads(c)
        .iter()
        .flat_map(|t| t["comments"].as_array().unwrap())
        .collect()
}

fn kind(c: &Value) -> &str {
    c["kind"].as_str().unwrap_or("comment")
}

fn status(c: &Value) -> &str {
    c["status"].as_str().unwrap_or("approved")
}

/// Levels of nesting as SOURCES.md counts them (WordPress `depth-N`): model depth + 1.
fn levels(cs: &[&Value]) -> u64 {
    cs.iter()
        .map(|c| c["depth"].as_u64().unwrap() + 1)
        .max()
        .unwrap_or(0)
}

fn top_level(cs: &[&Value]) -> usize {
    cs.iter().filter(|c| c["parent_id"].is_null()).count()
}

// ---------------------------------------------------------------------------------------
// HTML

/// (file, items incl. pingbacks, top-level, levels, pingbacks) from SOURCES.md; top-level
/// is `None` where SOURCES.md does not give it.
const HTML_PAGES: [(&str, usize, Option<usize>, u64, usize); 10] = [
    ("netzpolitik.org.abmahnungen.html", 74, Some(36), 5, 0),
    ("foxyfolksy.com.buttercream.html", 80, Some(39), 4, 0),
    ("gormulus.wordpress.com.durfen.html", 45, Some(20), 3, 5),
    ("moritz-meyer.net.vreni.html", 36, None, 4, 16),
    (
        "zulang.wordpress.com.genitalverstuemmelung.html",
        6,
        None,
        4,
        0,
    ),
    ("lemire.me.json.html", 5, None, 2, 0),
    ("thenervousbreakdown.com.loneliest.html", 11, None, 2, 0),
    (
        "archive.org.muffinrezept.net.grundrezept.html",
        51,
        None,
        3,
        0,
    ),
    ("golfpost.de-premiere.html", 33, None, 3, 0),
    ("youhadmeatgardening.com.lemon.html", 25, Some(14), 2, 0),
];

fn html_corpus() -> Value {
    let r = run(&["parse", &path("html")]).expect_code(0);
    r.json()
}

fn html_thread<'a>(c: &'a Value, file: &str) -> &'a Value {
    threads(c)
        .iter()
        .find(|t| t["source"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("no thread from {file}"))
}

#[test]
fn html_pages_match_documented_counts_and_depths() {
    let c = html_corpus();
    assert_eq!(threads(&c).len(), 11);
    for (file, items, top, depth, pingbacks) in HTML_PAGES {
        let t = html_thread(&c, file);
        assert_eq!(t["format"], "html", "{file}");
        let cs: Vec<&Value> = t["comments"].as_array().unwrap().iter().collect();
        assert_eq!(cs.len(), items, "{file}: comment items");
        assert_eq!(levels(&cs), depth, "{file}: nesting levels");
        if let Some(top) = top {
            assert_eq!(top_level(&cs), top, "{file}: top-level");
        }
        let pb = cs.iter().filter(|c| kind(c) == "pingback").count();
        assert_eq!(pb, pingbacks, "{file}: pingbacks");
        for c in cs.iter().filter(|c| kind(c) == "comment") {
            assert!(
                !c["text"].as_str().unwrap().is_empty(),
                "{file}: empty text"
            );
            assert!(c["author"].is_string(), "{file}: {} has no author", c["id"]);
        }
    }
}

#[test]
fn html_depth_histogram_and_fields_of_netzpolitik() {
    let c = html_corpus();
    let t = html_thread(&c, "netzpolitik.org.abmahnungen.html");
    let cs = t["comments"].as_array().unwrap();
    let mut hist: BTreeMap<u64, usize> = BTreeMap::new();
    for c in cs {
        *hist.entry(c["depth"].as_u64().unwrap()).or_default() += 1;
        // DOM depth agrees with WordPress's own depth-N class on every comment.
        assert_eq!(
            c["meta"]["html_depth_class"].as_str().unwrap(),
            (c["depth"].as_u64().unwrap() + 1).to_string()
        );
        assert!(c["timestamp"].is_string(), "{}", c["id"]);
    }
    assert_eq!(hist.into_values().collect::<Vec<_>>(), [36, 17, 10, 7, 4]);
    let first = &cs[0];
    assert_eq!(first["id"], "2058226");
    assert_eq!(first["author"], "blah blubb");
    assert_eq!(first["timestamp"], "2016-06-23T15:21:09Z");
    assert!(first["url"].as_str().unwrap().ends_with("#comment-2058226"));
    assert!(
        first["text"]
            .as_str()
            .unwrap()
            .starts_with("selber blöd, wer")
    );
    assert_eq!(cs[1]["parent_id"], "2058226");
    assert_eq!(t["header_count"], 91, "the page announces 91 Ergänzungen");
    assert!(
        t["warnings"][0]
            .as_str()
            .unwrap()
            .contains("announces 91 comments but shows 74")
    );
    assert_eq!(t["comment_status"], "open");
    assert!(
        t["title"]
            .as_str()
            .unwrap()
            .starts_with("Die Cider Connection")
    );
}

#[test]
fn html_golfpost_archive_and_entities() {
    let c = html_corpus();
    // golfpost: no depth-N classes, id on an inner div, date-only datetime with the time in
    // the text ("29.07.2020 // 12:56").
    let g = html_thread(&c, "golfpost.de-premiere.html");
    let first = &g["comments"][0];
    assert_eq!(first["id"], "63215");
    assert_eq!(first["author"], "Rolf Buckpesch");
    assert_eq!(first["timestamp"], "2020-07-29T12:56:00Z");
    assert!(!first["text"].as_str().unwrap().contains("Antworten"));
    // Wayback Machine copy: the toolbar is not a comment, permalinks lose the archive prefix.
    let m = html_thread(&c, "archive.org.muffinrezept.net.grundrezept.html");
    let first = &m["comments"][0];
    assert_eq!(first["author"], "sarah");
    assert_eq!(
        first["url"],
        "http://muffinrezept.net/muffin-grundrezept/#comment-143"
    );
    assert_eq!(first["text"], "Warum 2mal Zucker ?:-)");
    assert_eq!(first["timestamp"], "2013-07-30T14:33:00Z");
    // Entities decoded exactly once: &#8222; becomes „ and paragraphs are kept.
    let z = html_thread(&c, "zulang.wordpress.com.genitalverstuemmelung.html");
    let text = z["comments"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("„Die religiös motivierte"), "{text}");
    assert!(!text.contains("&#"), "{text}");
    assert!(!text.contains("Liken"), "like widget is not text: {text}");
    let second = z["comments"][1]["text"].as_str().unwrap();
    assert!(second.contains("\n\n"), "paragraphs kept: {second}");
}

#[test]
fn html_sidebar_widget_comments_are_not_this_pages_comments() {
    // SOURCES.md counts 59 li.comment on the spektrum page; 5 of them are the "Aktuelle
    // Kommentare" sidebar widget listing comments on other posts.
    let r = run(&["parse", &path("html/spektrum.de.engelbart.html")]).expect_code(0);
    let c = r.json();
    let cs = all_comments(&c);
    assert_eq!(cs.len(), 54);
    assert_eq!(cs.len() - top_level(&cs), 1, "nearly flat: one reply");
    assert!(
        r.stderr.contains(
            "5 comment items in sidebar widgets (recent comments of other posts) left out"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn html_deep_nesting_is_refused_without_overflow_and_deep_threads_work() {
    let dir = temp_dir("html-deep");
    let chain = |n: usize| {
        let mut s = String::from("<!DOCTYPE html><html><body><ol class=\"commentlist\">");
        for i in 0..n {
            s.push_str(&format!(
                "<li class=\"comment\" id=\"comment-{i}\"><p>c{i}</p><ul class=\"children\">"
            ));
        }
        for _ in 0..n {
            s.push_str("</ul></li>");
        }
        s + "</ol></body></html>"
    };
    let deep = write(&dir, "deep.html", chain(10_000));
    let r = run(&["parse", &deep]).expect_code(2);
    assert!(
        r.stderr
            .contains("deep.html:1: elements nest deeper than 2000 levels"),
        "{}",
        r.stderr
    );
    let ok = write(&dir, "ok.html", chain(1_500));
    let c = run(&["parse", "--quiet", &ok]).expect_code(0).json();
    let cs = all_comments(&c);
    assert_eq!(cs.len(), 1_500);
    assert_eq!(cs[1_499]["depth"], 1_499);
    assert_eq!(cs[1_499]["parent_id"], "1498");
}

#[test]
fn html_is_detected_by_content_without_extension() {
    let dir = temp_dir("html-sniff");
    let p = write(
        &dir,
        "saved-page",
        "<!DOCTYPE html>\n<html><body><ol class=\"comment-list\"><li class=\"comment\" id=\"comment-5\">\
<div class=\"comment-author\"><b class=\"fn\">Ann</b></div><div class=\"comment-content\"><p>Hi &amp;amp; bye</p></div></li></ol></body></html>",
    );
    let c = run(&["parse", &p]).expect_code(0).json();
    assert_eq!(c["threads"][0]["format"], "html");
    assert_eq!(c["threads"][0]["comments"][0]["text"], "Hi &amp; bye");
}

// ---------------------------------------------------------------------------------------
// WXR

#[test]
fn wxr_theme_unit_test_data() {
    let c = parse("wxr/themeunittestdata.wordpress.xml");
    let ts = threads(&c);
    assert_eq!(ts.len(), 7, "7 posts with comments");
    let cs = all_comments(&c);
    assert_eq!(cs.len(), 33);
    assert_eq!(cs.len() - top_level(&cs), 10, "replies");
    assert_eq!(levels(&cs), 10, "10-deep chain");
    let comments_post = ts
        .iter()
        .find(|t| t["title"] == "Template: Comments")
        .unwrap();
    assert_eq!(comments_post["comments"].as_array().unwrap().len(), 20);
    let pings = ts
        .iter()
        .find(|t| t["title"] == "Template: Pingbacks And Trackbacks")
        .unwrap();
    let pc = pings["comments"].as_array().unwrap();
    assert_eq!(pc.len(), 5);
    let kinds: Vec<&str> = pc.iter().map(kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "pingback").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "trackback").count(), 2);
    assert_eq!(cs.iter().filter(|c| status(c) == "pending").count(), 3);
    for t in ts {
        assert_eq!(t["format"], "wxr");
    }
}

#[test]
fn wxr_wordpress_com_export_with_undeclared_atom_prefix() {
    let r = run(&["parse", &path("wxr/timothyfitz-wordpress-com-export.xml")]).expect_code(0);
    let c = r.json();
    assert_eq!(threads(&c).len(), 12);
    let cs = all_comments(&c);
    assert_eq!(cs.len(), 381);
    let count = |k: &str| cs.iter().filter(|c| kind(c) == k).count();
    assert_eq!(
        (count("comment"), count("pingback"), count("trackback")),
        (206, 174, 1)
    );
    assert_eq!(cs.len() - top_level(&cs), 4);
    assert_eq!(levels(&cs), 2);
    assert_eq!(cs.iter().filter(|c| status(c) == "pending").count(), 24);
    let imvu = threads(&c)
        .iter()
        .find(|t| {
            t["title"]
                .as_str()
                .unwrap()
                .starts_with("Continuous Deployment at IMVU")
        })
        .unwrap();
    assert_eq!(imvu["comments"].as_array().unwrap().len(), 170);
    assert_eq!(c["stats"]["read"], 381);
    assert!(
        r.stderr.contains("174 pingbacks, 1 trackback"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("24 pending"), "{}", r.stderr);
    let first = cs[0];
    assert_eq!(first["author"], "Ben McGraw");
    assert_eq!(first["timestamp"], "2009-02-07T08:28:30Z");
    assert_eq!(first["lines"]["start"], 100, "<wp:comment> line");
    assert_eq!(first["lines"]["end"], 113, "</wp:comment> line");
}

#[test]
fn wxr_block_test_data() {
    let c = parse("wxr/64-block-test-data.xml");
    let cs = all_comments(&c);
    assert_eq!((threads(&c).len(), cs.len()), (1, 2));
    assert_eq!(cs.len() - top_level(&cs), 1);
    assert_eq!(levels(&cs), 2);
}

const WXR_HEAD: &str = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.0/\">\n<channel>\n<item><title>P</title><wp:post_id>1</wp:post_id>\n";

fn wxr_comment(id: u32, parent: u32) -> String {
    format!(
        "<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_content>c{id}</wp:comment_content><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
    )
}

#[test]
fn wxr_truncated_file_fails_with_line_and_expectation() {
    let dir = temp_dir("wxr-trunc");
    let doc = format!(
        "{WXR_HEAD}{}<wp:comment><wp:comment_id>2</wp:co",
        wxr_comment(1, 0)
    );
    let p = write(&dir, "cut.xml", &doc);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(r.stderr.contains("cut.xml:6 (record 2)"), "{}", r.stderr);
    assert!(r.stderr.contains("malformed XML"), "{}", r.stderr);
    // Lenient: the complete comment is kept, the cut one skipped and counted.
    let r = run(&["parse", "--lenient", &p]).expect_code(0);
    let c = r.json();
    assert_eq!(all_comments(&c).len(), 1);
    assert_eq!(c["stats"]["skipped"], 1);
    assert!(r.stderr.contains("1 skipped"), "{}", r.stderr);
}

#[test]
fn wxr_file_ending_inside_an_element_names_the_open_element() {
    let dir = temp_dir("wxr-eof");
    let doc = format!("{WXR_HEAD}{}", wxr_comment(1, 0));
    let p = write(&dir, "eof.xml", &doc);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        r.stderr
            .contains("<item> opened at line 4 is not closed (truncated file?); expected </item>"),
        "{}",
        r.stderr
    );
}

#[test]
fn wxr_bad_nesting_names_line_and_expected_tag() {
    let dir = temp_dir("wxr-nest");
    let doc = format!(
        "{WXR_HEAD}<wp:comment><wp:comment_id>1</wp:comment_parent>\n</wp:comment></item></channel></rss>"
    );
    let p = write(&dir, "nest.xml", &doc);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(r.stderr.contains("nest.xml:5 (record 1)"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("expected `</wp:comment_id>`, but `</wp:comment_parent>` was found"),
        "{}",
        r.stderr
    );
}

#[test]
fn wxr_entity_bomb_is_refused_not_expanded() {
    let dir = temp_dir("wxr-bomb");
    let dtd = crate::util::billion_laughs_dtd("rss");
    let doc = format!(
        "<?xml version=\"1.0\"?>\n{dtd}{}<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>&lol9;</wp:comment_content></wp:comment></item></channel></rss>",
        &WXR_HEAD[WXR_HEAD.find("<rss").unwrap()..]
    );
    let p = write(&dir, "bomb.xml", &doc);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(r.stderr.contains("bomb.xml:17 (record 1)"), "{}", r.stderr);
    assert!(
        r.stderr.contains("undefined entity &lol9;") && r.stderr.contains("not expanded"),
        "{}",
        r.stderr
    );
    // Lenient: the record with the bomb is skipped, nothing is expanded.
    let r = run(&["parse", "--lenient", &p]).expect_code(0);
    let c = r.json();
    assert_eq!(c["stats"]["skipped"], 1);
    assert!(r.stdout.len() < 10_000);
}

#[test]
fn wxr_missing_comment_id_is_a_record_error() {
    let dir = temp_dir("wxr-noid");
    let doc = format!(
        "{WXR_HEAD}{}<wp:comment><wp:comment_content>x</wp:comment_content></wp:comment>\n</item></channel></rss>",
        wxr_comment(1, 0)
    );
    let p = write(&dir, "noid.xml", &doc);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        r.stderr.contains(
            "noid.xml:6 (record 2): wp:comment has no wp:comment_id; expected a comment id"
        ),
        "{}",
        r.stderr
    );
    let c = run(&["parse", "--lenient", "--quiet", &p])
        .expect_code(0)
        .json();
    assert_eq!(
        (c["stats"]["read"].as_u64(), c["stats"]["skipped"].as_u64()),
        (Some(2), Some(1))
    );
}

// ---------------------------------------------------------------------------------------
// Disqus

#[test]
fn disqus_export_merges_articles_and_keeps_every_record_accounted() {
    let r = run(&["parse", &path("disqus/tanglei-disqus-export.xml")]).expect_code(0);
    let c = r.json();
    let ts = threads(&c);
    for t in ts {
        assert_eq!(t["format"], "disqus");
    }
    // 340 Disqus threads hold posts; 140 of them repeat an article of another (old ?p= and
    // WordPress URLs next to the hexo URLs), so 200 articles remain.
    assert_eq!(ts.len(), 200);
    let cs = all_comments(&c);
    let s = &c["stats"];
    assert_eq!(s["read"], 2693);
    assert_eq!(
        s["parsed"].as_u64().unwrap() + s["skipped"].as_u64().unwrap(),
        2693
    );
    assert_eq!(s["parsed"].as_u64().unwrap() as usize, cs.len());
    assert_eq!(cs.len(), 1719, "974 re-imported copies left out");
    assert_eq!(cs.iter().filter(|c| status(c) == "deleted").count(), 6);
    assert_eq!(levels(&cs), 6);
    assert!(
        cs.iter().all(|c| c["reply_link"]["kind"] != "dangling"),
        "replies to dropped copies are re-attached to the originals"
    );
    assert!(
        r.stderr
            .contains("140 Disqus threads merged into 139 others"),
        "{}",
        r.stderr
    );
    let about = ts.iter().find(|t| t["title"] == "About Me").unwrap();
    assert_eq!(about["comments"].as_array().unwrap().len(), 151);
}

const DISQUS_HEAD: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<disqus xmlns=\"http://disqus.com\" xmlns:dsq=\"http://disqus.com/disqus-internals\">\n<thread dsq:id=\"1\"><link>http://a.org/x/</link><title>X</title></thread>\n";

#[test]
fn disqus_truncated_export_fails_or_is_salvaged() {
    let dir = temp_dir("dsq-trunc");
    let doc = format!(
        "{DISQUS_HEAD}<post dsq:id=\"5\"><message>ok</message><thread dsq:id=\"1\"/></post>\n<post dsq:id=\"6\"><message>cut"
    );
    let p = write(&dir, "cut.xml", &doc);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(r.stderr.contains("cut.xml:5 (record 2)"), "{}", r.stderr);
    assert!(r.stderr.contains("expected </message>"), "{}", r.stderr);
    let c = run(&["parse", "--lenient", "--quiet", &p])
        .expect_code(0)
        .json();
    assert_eq!(all_comments(&c).len(), 1);
    assert_eq!(c["stats"]["skipped"], 1);
}

#[test]
fn disqus_wrong_root_is_named() {
    let dir = temp_dir("dsq-root");
    let p = write(&dir, "x.xml", "<?xml version=\"1.0\"?>\n<disqus-ish/>");
    let r = run(&["parse", "--format", "disqus", &p]).expect_code(2);
    assert!(
        r.stderr
            .contains("x.xml:2: root element is <disqus-ish>; expected <disqus>"),
        "{}",
        r.stderr
    );
}

#[test]
fn disqus_wxr_like_import_is_read_as_disqus() {
    let dir = temp_dir("dsq-wxr");
    let item = |ident: &str, link: &str, id: u32, parent: u32| {
        format!(
            "<item><title>Post</title><link>{link}</link><dsq:thread_identifier>{ident}</dsq:thread_identifier>\
<wp:post_date_gmt>2010-01-01 10:00:00</wp:post_date_gmt><wp:comment_status>open</wp:comment_status>\
<wp:comment><dsq:remote><dsq:id>u{id}</dsq:id></dsq:remote><wp:comment_id>{id}</wp:comment_id>\
<wp:comment_author>A{id}</wp:comment_author><wp:comment_date_gmt>2010-01-02 10:00:00</wp:comment_date_gmt>\
<wp:comment_content><![CDATA[text {id}]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved>\
<wp:comment_parent>{parent}</wp:comment_parent></wp:comment></item>\n"
        )
    };
    let doc = format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dsq=\"http://www.disqus.com/\" xmlns:wp=\"http://wordpress.org/export/1.0/\">\n<channel>\n{}{}</channel></rss>",
        item("post-1", "http://a.org/p1", 1, 0),
        item("post-1", "http://a.org/?p=1", 2, 1)
    );
    let p = write(&dir, "import.xml", doc);
    let c = run(&["parse", "--quiet", &p]).expect_code(0).json();
    let ts = threads(&c);
    assert_eq!(ts.len(), 1, "same thread identifier: one thread");
    assert_eq!(ts[0]["format"], "disqus");
    let cs = all_comments(&c);
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[1]["parent_id"], "1");
    assert_eq!(cs[1]["depth"], 1);
    assert_eq!(cs[0]["meta"]["disqus_user"], "u1");
}

#[test]
fn formats_are_detected_by_content() {
    let dir = temp_dir("xml-sniff");
    let d = write(
        &dir,
        "a/export.xml",
        format!(
            "{DISQUS_HEAD}<post dsq:id=\"5\"><message>hi</message><thread dsq:id=\"1\"/></post>\n</disqus>"
        ),
    );
    let w = write(
        &dir,
        "b/export.xml",
        format!("{WXR_HEAD}{}</item></channel></rss>", wxr_comment(1, 0)),
    );
    let c = run(&["parse", "--quiet", &d, &w]).expect_code(0).json();
    let formats: Vec<&str> = threads(&c)
        .iter()
        .map(|t| t["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["disqus", "wxr"]);
}

#[test]
fn duoshuo_import_json_is_read_as_disqus() {
    // SOURCES.md: 1,708 posts, 332 with a parent_key; 356 threads listed.
    let c = parse("disqus/tanglei-duoshuo-import.json");
    let ts = threads(&c);
    assert!(ts.iter().all(|t| t["format"] == "disqus"));
    assert_eq!(ts.len(), 200, "threads with posts");
    let cs = all_comments(&c);
    assert_eq!(cs.len(), 1708);
    assert_eq!(cs.len() - top_level(&cs), 332);
    assert!(cs.iter().all(|c| c["reply_link"]["kind"] != "dangling"));
    assert_eq!(levels(&cs), 6);
    let first = cs.iter().find(|c| c["id"] == "2521126011").unwrap();
    assert_eq!(first["text"], "前来围观 真正的沙发");
    assert_eq!(first["author"], "代码疯子");
    assert_eq!(first["timestamp"], "2010-12-05T21:24:25Z");
}

#[test]
fn duoshuo_broken_json_names_line() {
    let dir = temp_dir("duoshuo-bad");
    let p = write(
        &dir,
        "d.json",
        "{\"threads\": [{\"thread_key\": \"a\"}],\n\"posts\": [{\"thread_key\": \"a\", \"post_key\": \"1\",\n",
    );
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        r.stderr.contains("d.json:3: not Duoshuo import JSON"),
        "{}",
        r.stderr
    );
}
