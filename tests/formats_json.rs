//! Issue 3 (JSON and table half): reddit, hn, convokit, iac, csv and jsonl readers, format
//! detection, `export --to convokit`, and the malformed-input cases of each.
//!
//! SOURCES.md counts depth in levels (a top-level comment is level 1); the model's `depth`
//! is 0 for a top-level comment, so "max depth 9" in SOURCES.md is a model depth of 8.

use crate::util::{fixture, run, temp_dir, write};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

fn parse(args: &[&str]) -> Value {
    let mut all = vec!["parse"];
    all.extend_from_slice(args);
    run(&all).expect_code(0).json()
}

fn fx(rel: &str) -> String {
    fixture(rel).to_string_lossy().into_owned()
}

fn threads(v: &Value) -> &Vec<Value> {
    v["threads"].as_array().unwrap()
}

fn comments(t: &Value) -> &Vec<Value> {
    t["comments"].as_array().unwrap()
}

fn max_depth(t: &Value) -> u64 {
    comments(t)
        .iter()
        .map(|c| c["depth"].as_u64().unwrap())
        .max()
        .unwrap_or(0)
}

fn top_level(t: &Value) -> usize {
    comments(t)
        .iter()
        .filter(|c| c["parent_id"].is_null())
        .count()
}

fn by_id<'a>(t: &'a Value, id: &str) -> &'a Value {
    comments(t)
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no comment {id}"))
}

// ---------------------------------------------------------------------------------------
// reddit

#[test]
fn reddit_comments_page_matches_sources_counts() {
    let v = parse(&[&fx("reddit/nfl_g7vyxy_comments.json")]);
    let t = &threads(&v)[0];
    assert_eq!(t["format"], "reddit");
    assert_eq!(t["id"], "g7vyxy");
    assert!(
        t["title"]
            .as_str()
            .unwrap()
            .starts_with("[Rapoport] The #Redskins")
    );
    assert!(t["title"].as_str().unwrap().contains(" & @MikeGarafolo"));
    assert_eq!(t["byline"], "_bonzibuddy");
    assert_eq!(t["header_count"], 960);
    assert_eq!(t["comment_status"], "open");
    assert_eq!(comments(t).len(), 200);
    assert_eq!(max_depth(t), 8, "SOURCES.md: max depth 9 levels");
    assert_eq!(top_level(t), 40);
    // 99 "more" stubs: reddit counts 782 comments behind them (386 ids listed).
    assert_eq!(t["known_missing"], 782);
    assert_eq!(v["stats"]["known_missing"], 782);
    assert_eq!(v["stats"]["read"], 200);
    let w = t["warnings"][0].as_str().unwrap();
    assert!(w.contains("99 \"more\" stubs stand for 782"), "{w}");
    // The stickied moderator comment keeps its flags in meta.
    let m = by_id(t, "fojwyxf");
    assert_eq!(m["meta"]["distinguished"], "moderator");
    assert_eq!(m["meta"]["stickied"], "true");
    assert_eq!(m["timestamp"], "2020-04-25T16:11:24Z");
    assert!(m["url"].as_str().unwrap().ends_with("/fojwyxf/"));
    // Every reply's parent is in the thread and one level up.
    let depth: BTreeMap<&str, u64> = comments(t)
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["depth"].as_u64().unwrap()))
        .collect();
    for c in comments(t) {
        if let Some(p) = c["parent_id"].as_str() {
            assert_eq!(depth[p] + 1, c["depth"].as_u64().unwrap());
            assert_eq!(c["reply_link"]["kind"], "explicit");
        }
    }
}

#[test]
fn reddit_ndjson_keeps_cmv_labels_and_reports_the_missing_parent() {
    let v = parse(&[&fx("reddit/cmv-ah-175_t1_dlqrux0.jsonl")]);
    let t = &threads(&v)[0];
    assert_eq!(t["format"], "reddit");
    assert_eq!(t["id"], "6u03jk");
    let cs = comments(t);
    assert_eq!(cs.len(), 4);
    assert_eq!(max_depth(t), 3);
    assert_eq!(cs[3]["id"], "dlqrux0");
    assert_eq!(cs[3]["meta"]["violated_rule"], "2");
    assert_eq!(cs[3]["author"], "Whatowaiter");
    assert_eq!(cs[3]["lines"]["start"], 4);
    // The chain's first comment answers a comment that is not in the file.
    assert_eq!(cs[0]["reply_link"]["kind"], "dangling");
    assert_eq!(cs[0]["meta"]["source_parent"], "dlqrjp8");
    assert!(t["warnings"][0].as_str().unwrap().contains("dlqrjp8"));

    let v = parse(&[&fx("reddit/cmv-delta-0_t1_dk3zd9h.jsonl")]);
    let cs = comments(&threads(&v)[0]);
    assert_eq!(cs.len(), 3);
    assert_eq!(cs[2]["meta"]["delta"], "true");
    assert_eq!(cs[2]["meta"]["violated_rule"], "0");
}

#[test]
fn truncated_reddit_page_is_an_error_naming_the_line() {
    let dir = temp_dir("reddit-trunc");
    let text = std::fs::read_to_string(fixture("reddit/nfl_g7vyxy_comments.json")).unwrap();
    let cut: String = text.chars().take(text.len() / 2).collect();
    let p = write(&dir, "page.json", cut);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(r.stderr.contains("page.json:1"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("expected a reddit comments page ([link Listing, comment Listing])"),
        "{}",
        r.stderr
    );
}

#[test]
fn pushshift_ndjson_groups_by_link_and_errors_on_bad_lines() {
    let dir = temp_dir("pushshift");
    let good = concat!(
        r#"{"id":"p1","name":"t3_p1","title":"A post","author":"op","selftext":"Body &amp; more","created_utc":1500000000,"subreddit":"test"}"#,
        "\n",
        r#"{"id":"a","link_id":"t3_p1","parent_id":"t3_p1","author":"x","body":"top","created_utc":1500000100}"#,
        "\n",
        r#"{"id":"b","link_id":"t3_p1","parent_id":"t1_a","author":"[deleted]","body":"[removed]","created_utc":1500000200}"#,
        "\n",
        r#"{"id":"c","link_id":"t3_q2","parent_id":"t3_q2","author":"y","body":"other thread","created_utc":"1500000300"}"#,
        "\n"
    );
    let p = write(&dir, "dump.ndjson", good);
    let v = parse(&[&p]);
    let ts = threads(&v);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[0]["title"], "A post");
    assert_eq!(ts[0]["paragraphs"][0], "Body & more");
    let b = by_id(&ts[0], "b");
    assert_eq!(b["parent_id"], "a");
    assert_eq!(b["status"], "deleted");
    assert!(b["author"].is_null());
    assert_eq!(ts[1]["id"], "q2");
    let bad = format!("{good}{{\"id\":\"d\",\"link_id\":\"t3_p1\",\"body\":\"x\"\n");
    let p = write(&dir, "bad.ndjson", bad);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(r.stderr.contains("bad.ndjson:5 (record 5)"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("expected one reddit JSON object per line")
    );
    let r = run(&["parse", &p, "--lenient"]).expect_code(0);
    assert!(r.stderr.contains("1 skipped"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------
// IAC

#[test]
fn iac_discussions_match_sources_counts() {
    // (file, posts, authors, max depth in levels and branching nodes per SOURCES.md (the
    // two it does not give were counted from the source JSON), quote spans)
    let expected = [
        ("discussion-8544", 51, 13, 16, 16, 83),
        ("discussion-13694", 48, 7, 16, 14, 80),
        ("discussion-10244", 131, 18, 36, 40, 199),
        ("discussion-942", 221, 30, 130, 37, 244),
        ("discussion-6585", 211, 19, 196, 10, 21),
    ];
    for (name, posts, authors, levels, branching, spans) in expected {
        let v = parse(&[&fx(&format!("iac/{name}.json"))]);
        let t = &threads(&v)[0];
        assert_eq!(t["format"], "iac", "{name}");
        assert_eq!(t["id"], name);
        let cs = comments(t);
        assert_eq!(cs.len(), posts, "{name} posts");
        let who: HashSet<&str> = cs.iter().filter_map(|c| c["author"].as_str()).collect();
        assert_eq!(who.len(), authors, "{name} authors");
        assert_eq!(max_depth(t) + 1, levels, "{name} depth");
        assert_eq!(top_level(t), 1, "{name}: one opening post");
        let mut children: BTreeMap<&str, usize> = BTreeMap::new();
        for c in cs {
            if let Some(p) = c["parent_id"].as_str() {
                *children.entry(p).or_default() += 1;
            }
        }
        let branching_found = children.values().filter(|&&n| n > 1).count();
        assert_eq!(branching_found, branching, "{name} branching nodes");
        let quoted: usize = cs
            .iter()
            .filter_map(|c| c["meta"]["quotes"].as_str())
            .map(|q| serde_json::from_str::<Vec<Value>>(q).unwrap().len())
            .sum();
        assert_eq!(quoted, spans, "{name} quote spans");
        assert!(t["warnings"].is_null(), "{name}: {:?}", t["warnings"]);
    }
}

#[test]
fn iac_post_text_title_and_quote_links() {
    let v = parse(&[&fx("iac/discussion-8544.json")]);
    let t = &threads(&v)[0];
    assert_eq!(
        t["title"],
        "Debate a signal of prochoice confusion and breakdown?"
    );
    assert!(t["url"].as_str().unwrap().contains("4forums.com"));
    let c = by_id(t, "223850");
    assert_eq!(
        c["text"],
        "ABORTION IS NOT BAD.\n\nThat's all that needs to be said."
    );
    assert_eq!(c["parent_id"], "223836");
    assert_eq!(c["timestamp"], "2006-07-21T17:42:00Z");
    let q: Vec<Value> =
        serde_json::from_str(by_id(t, "223873")["meta"]["quotes"].as_str().unwrap()).unwrap();
    assert_eq!(q[0]["quote_id"], "223836");
    assert_eq!(q[0]["start"], 0);
    assert_eq!(q[0]["end"], 557);
    assert_eq!(q[0]["author"], "happygrl35");
}

#[test]
fn iac_post_without_parent_that_quotes_links_by_quote() {
    let dir = temp_dir("iac-quote");
    let disc = r#"[[[1, null, "ann", "Opening post.", {}, null, null, 1000000000.0],
        [2, null, "bob", "I disagree.", {}, 1, null, 1000000100.0],
        [3, null, "cat", "Quoting bob here.", {}, null, null, 1000000200.0]], {}, {"title": "T - x"}]"#;
    let quotes = r#"[[3, [0, 7, {"quote_id": 2, "author": "bob"}]]]"#;
    let p = write(&dir, "discussion-77.json", disc);
    write(&dir, "quotes-77.json", quotes);
    let v = parse(&[&p]);
    let t = &threads(&v)[0];
    let c = by_id(t, "3");
    assert_eq!(c["parent_id"], "2");
    assert_eq!(c["reply_link"]["kind"], "quote");
    assert_eq!(c["depth"], 2);
    assert!(
        t["warnings"][0]
            .as_str()
            .unwrap()
            .contains("linked to the post they quote")
    );
    // Without the quotes file the post stays top-level.
    std::fs::remove_file(dir.join("quotes-77.json")).unwrap();
    let v = parse(&[&p]);
    assert!(by_id(&threads(&v)[0], "3")["parent_id"].is_null());
}

#[test]
fn iac_bad_post_is_an_error_naming_the_record() {
    let dir = temp_dir("iac-bad");
    let p = write(
        &dir,
        "discussion-5.json",
        r#"[[[1, null, "a", "x", {}, null, null, 1.0], ["oops"], 7], {}, {}]"#,
    );
    let r = run(&["parse", &p]).expect_code(2);
    assert!(r.stderr.contains("record 3"), "{}", r.stderr);
    assert!(r.stderr.contains("expected [id, side, author, raw_text"));
    let r = run(&["parse", &p, "--lenient"]).expect_code(0);
    assert_eq!(r.json()["stats"]["skipped"], 1);
}

// ---------------------------------------------------------------------------------------
// Hacker News

#[test]
fn hn_algolia_item_nests_children() {
    let v = parse(&[&fx("hn/algolia-item-8863.json")]);
    let t = &threads(&v)[0];
    assert_eq!(t["format"], "hn");
    assert_eq!(t["id"], "hn-8863");
    assert_eq!(t["title"], "My YC app: Dropbox - Throw away your USB drive");
    assert_eq!(t["byline"], "dhouston");
    let cs = comments(t);
    let ids: Vec<&str> = cs.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["8952", "9224", "8917", "8884", "8887"]);
    assert_eq!(top_level(t), 2);
    assert_eq!(max_depth(t), 2);
    assert_eq!(by_id(t, "8917")["parent_id"], "9224");
    let link = by_id(t, "9224")["text"].as_str().unwrap();
    assert!(
        link.contains("\"just works\". See http://www.getdropbox.com/u/2/screencast.html"),
        "{link}"
    );
    assert!(
        by_id(t, "8952")["text"]
            .as_str()
            .unwrap()
            .starts_with("I have a few qualms with this app:\n\n1. For a Linux user")
    );
    assert_eq!(by_id(t, "8884")["status"], "deleted");
    assert_eq!(by_id(t, "8952")["timestamp"], "2007-04-05T07:37:27Z");
}

#[test]
fn hn_firebase_items_link_by_parent_and_count_missing_kids() {
    let v = parse(&[&fx("hn/firebase-items.json")]);
    let t = &threads(&v)[0];
    assert_eq!(t["id"], "hn-126809");
    assert_eq!(t["header_count"], 5);
    assert_eq!(t["paragraphs"][0], "A thread to try this out.");
    assert_eq!(comments(t).len(), 4);
    assert_eq!(by_id(t, "126840")["parent_id"], "126822");
    assert_eq!(by_id(t, "126830")["depth"], 2);
    assert_eq!(by_id(t, "126830")["meta"]["dead"], "true");
    assert_eq!(by_id(t, "126823")["status"], "deleted");
    // Kid 126999 of the story is not in the file.
    assert_eq!(t["known_missing"], 1);
    assert_eq!(v["stats"]["known_missing"], 1);
}

#[test]
fn hn_firebase_lines_and_orphans() {
    let dir = temp_dir("hn-lines");
    let p = write(
        &dir,
        "items.jsonl",
        concat!(
            r#"{"by":"a","id":11,"parent":10,"text":"reply to a missing story","time":1600000000,"type":"comment"}"#,
            "\n",
            r#"{"by":"b","id":12,"parent":11,"text":"nested","time":1600000100,"type":"comment","kids":[]}"#,
            "\n"
        ),
    );
    let v = parse(&[&p]);
    let t = &threads(&v)[0];
    assert_eq!(t["format"], "hn");
    assert_eq!(t["id"], "hn-10");
    assert_eq!(comments(t).len(), 2);
    // The story is not in the file: its replies are top-level, not dangling.
    assert_eq!(by_id(t, "11")["reply_link"]["kind"], "root");
    assert_eq!(by_id(t, "12")["depth"], 1);
}

// ---------------------------------------------------------------------------------------
// JSONL and CSV tables

#[test]
fn synthetic_benchmark_corpus_reads_with_the_defaults() {
    let v = parse(&[&fx("jsonl/synth-300.jsonl")]);
    let ts = threads(&v);
    assert_eq!(ts.len(), 23);
    assert!(ts.iter().all(|t| t["format"] == "jsonl"));
    let n: usize = ts.iter().map(|t| comments(t).len()).sum();
    assert_eq!(n, 300);
    let top: usize = ts.iter().map(top_level).sum();
    assert_eq!(top, 111);
    assert_eq!(ts.iter().map(max_depth).max(), Some(11));
    assert_eq!(v["stats"]["parsed"], 300);
    let c = by_id(&ts[0], "c100001");
    assert_eq!(c["parent_id"], "c100000");
    assert_eq!(c["author"], "u_10000");
    assert_eq!(c["timestamp"], "2019-04-03T07:28:49Z");
    assert_eq!(c["meta"]["topic"], "26");
    assert_eq!(c["meta"]["stance"], "none");
    for t in ts {
        assert!(t["warnings"].is_null(), "{:?}", t["warnings"]);
    }
}

#[test]
fn csv_with_column_flags_reads_reddit_parody_comments() {
    let files = ["comments_train", "comments_val", "comments_test"];
    let rows = [555, 417, 416];
    let inside = [109, 51, 43];
    for ((f, n), linked) in files.iter().zip(rows).zip(inside) {
        let v = parse(&[
            &fx(&format!("csv/{f}.csv")),
            "--id-col",
            "comment_id",
            "--parent-col",
            "parent_comment_id",
            "--author-col",
            "user_id",
            "--text-col",
            "content",
        ]);
        let t = &threads(&v)[0];
        assert_eq!(t["id"], *f, "one thread per file without a thread column");
        let cs = comments(t);
        assert_eq!(cs.len(), n);
        let explicit = cs
            .iter()
            .filter(|c| c["reply_link"]["kind"] == "explicit")
            .count();
        let dangling = cs
            .iter()
            .filter(|c| c["reply_link"]["kind"] == "dangling")
            .count();
        assert_eq!(explicit, linked, "{f}: parents inside the file");
        // 600 replies in the three files together; the rest answer comments elsewhere.
        assert_eq!(
            explicit + dangling,
            [245, 175, 180][files.iter().position(|x| x == f).unwrap()]
        );
        assert_eq!(cs[0]["meta"]["support"], "0");
        assert!(cs.iter().any(|c| c["meta"]["parent_content"].is_string()));
        if *f == "comments_test" {
            // One row has an empty comment_id: it is kept, named by its record, and reported.
            assert_eq!(cs[199]["id"], "comments_test-r200");
            let w = v["stats"]["warnings"][0].as_str().unwrap();
            assert!(w.contains("1 records have an empty id"), "{w}");
        }
    }
}

#[test]
fn csv_cp1252_and_multiline_files_parse() {
    let v = parse(&[
        &fx("csv/SubReddit-MaskMandate.csv"),
        "--text-col",
        "response_text",
    ]);
    let cs = comments(&threads(&v)[0]);
    assert_eq!(cs.len(), 1534);
    let relations: BTreeMap<String, usize> = cs.iter().fold(BTreeMap::new(), |mut m, c| {
        *m.entry(c["meta"]["relation"].as_str().unwrap().to_string())
            .or_default() += 1;
        m
    });
    assert_eq!(relations["0"], 546);
    assert_eq!(relations["1"], 343);
    assert_eq!(relations["2"], 645);
    // Windows-1252 bytes decode to the right characters, not U+FFFD.
    assert!(
        cs.iter()
            .all(|c| !c["text"].as_str().unwrap().contains('\u{FFFD}'))
    );
    assert!(
        cs.iter()
            .any(|c| c["text"].as_str().unwrap().contains('\u{2019}'))
    );
    assert_eq!(cs[0]["id"], "SubReddit-MaskMandate-r1");

    let v = parse(&[
        &fx("csv/jigsaw-test-examples-101.csv"),
        "--text-col",
        "comment_text",
    ]);
    let cs = comments(&threads(&v)[0]);
    assert_eq!(cs.len(), 101);
    let toxic = cs.iter().filter(|c| c["meta"]["toxic"] == "1").count();
    assert_eq!(toxic, 13);

    let v = parse(&[
        &fx("csv/davidson-hate-offensive-labeled.csv"),
        "--text-col",
        "tweet",
    ]);
    let cs = comments(&threads(&v)[0]);
    assert_eq!(cs.len(), 24_783);
    assert_eq!(
        cs.iter().filter(|c| c["meta"]["class"] == "0").count(),
        1430
    );
    // The unnamed index column gets a name.
    assert_eq!(cs[0]["meta"]["column1"], "0");
}

#[test]
fn csv_bom_crlf_quotes_and_defaults() {
    let dir = temp_dir("csv-defaults");
    let mut bytes = b"\xEF\xBB\xBFid,parent_id,author,timestamp,text,score\r\n".to_vec();
    bytes.extend_from_slice(
        b"1,,ann,2020-01-02T03:04:05Z,\"Hello, \"\"world\"\"\r\n\r\nsecond para\",5\r\n",
    );
    bytes.extend_from_slice(b"2,1,bob,1577934245,caf\xe9 \x93ok\x94,\r\n");
    bytes.extend_from_slice(b"3,,,not a date,plain,7\r\n");
    let p = write(&dir, "table.csv", bytes);
    let v = parse(&[&p]);
    let t = &threads(&v)[0];
    assert_eq!(t["id"], "table");
    assert_eq!(t["format"], "csv");
    let cs = comments(t);
    assert_eq!(cs[0]["text"], "Hello, \"world\"\n\nsecond para");
    assert_eq!(cs[0]["lines"]["start"], 2);
    assert_eq!(cs[0]["lines"]["end"], 4);
    assert_eq!(cs[0]["meta"]["score"], "5");
    assert_eq!(cs[1]["text"], "café “ok”");
    assert_eq!(cs[1]["parent_id"], "1");
    assert_eq!(cs[1]["timestamp"], "2020-01-02T03:04:05Z");
    assert!(cs[1]["meta"].is_null(), "empty cells are not kept");
    assert!(cs[2]["author"].is_null());
    assert_eq!(cs[2]["meta"]["timestamp"], "not a date");
    assert!(
        v["stats"]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("1 timestamps could not be read")
    );
}

#[test]
fn malformed_csv_rows_name_file_line_and_record() {
    let dir = temp_dir("csv-bad");
    let p = write(
        &dir,
        "bad.csv",
        "id,parent_id,text\n1,,ok\n2,1\n3,,\"x\"y\n4,,fine\n",
    );
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        r.stderr
            .contains("bad.csv:3 (record 2): expected 3 fields as in the header, found 2"),
        "{}",
        r.stderr
    );
    let r = run(&["parse", &p, "--lenient"]).expect_code(0);
    let v = r.json();
    assert_eq!(v["stats"]["skipped"], 2);
    assert_eq!(v["stats"]["parsed"], 2);
    assert!(
        r.stderr.contains("4 records read, 2 parsed, 2 skipped"),
        "{}",
        r.stderr
    );
    let p = write(&dir, "open.csv", "id,text\n1,\"never closed\n2,x\n");
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        r.stderr
            .contains("open.csv:2 (record 1): unterminated quoted field"),
        "{}",
        r.stderr
    );
    let p = write(&dir, "cols.csv", "id,body\n1,x\n");
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        r.stderr
            .contains("no text column \"text\"; the columns are: id, body"),
        "{}",
        r.stderr
    );
    let r = run(&["parse", &p, "--text-col", "body", "--author-col", "who"]).expect_code(2);
    assert!(
        r.stderr.contains("--author-col names column \"who\""),
        "{}",
        r.stderr
    );
}

#[test]
fn malformed_jsonl_lines_name_file_line_and_record() {
    let dir = temp_dir("jsonl-bad");
    let p = write(
        &dir,
        "bad.jsonl",
        "{\"id\":\"a\",\"text\":\"x\"}\n\n{\"id\":\"b\",\"text\":\"y\"\n{\"id\":\"c\"}\n{\"id\":\"d\",\"text\":\"z\"}\n",
    );
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        r.stderr
            .contains("bad.jsonl:3 (record 2): expected one JSON object per line"),
        "{}",
        r.stderr
    );
    let r = run(&["parse", &p, "--lenient"]).expect_code(0);
    let v = r.json();
    assert_eq!(v["stats"]["read"], 4);
    assert_eq!(v["stats"]["skipped"], 2);
    assert!(
        r.stderr
            .contains("skipped 2 malformed records (lenient mode; first at lines 3, 4)"),
        "{}",
        r.stderr
    );
}

#[test]
fn duplicate_ids_are_an_error_naming_both_records() {
    let dir = temp_dir("dups");
    let p = write(
        &dir,
        "dup.jsonl",
        "{\"id\":\"a\",\"thread_id\":\"t\",\"text\":\"x\"}\n{\"id\":\"b\",\"thread_id\":\"t\",\"text\":\"y\"}\n{\"id\":\"a\",\"thread_id\":\"t\",\"text\":\"z\"}\n",
    );
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        r.stderr.contains(
            "dup.jsonl:3: duplicate comment id \"a\" in thread t: first at line 1, again at line 3"
        ),
        "{}",
        r.stderr
    );
    let r = run(&["parse", &p, "--lenient"]).expect_code(0);
    let v = r.json();
    assert_eq!(comments(&threads(&v)[0]).len(), 2);
    assert_eq!(v["stats"]["skipped"], 1);
    let p = write(&dir, "dup.csv", "id,text\n1,a\n1,b\n");
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        r.stderr.contains("first at line 2, again at line 3"),
        "{}",
        r.stderr
    );
}

#[test]
fn dangling_parents_and_cycles_are_repaired_with_warnings() {
    let dir = temp_dir("repair");
    let p = write(
        &dir,
        "broken.jsonl",
        concat!(
            r#"{"id":"a","parent_id":null,"text":"root"}"#,
            "\n",
            r#"{"id":"b","parent_id":"zzz","text":"orphan"}"#,
            "\n",
            r#"{"id":"c","parent_id":"d","text":"loop 1"}"#,
            "\n",
            r#"{"id":"d","parent_id":"c","text":"loop 2"}"#,
            "\n",
            r#"{"id":"e","parent_id":"","text":"empty parent is top-level"}"#,
            "\n"
        ),
    );
    let v = parse(&[&p]);
    let t = &threads(&v)[0];
    assert_eq!(by_id(t, "b")["reply_link"]["kind"], "dangling");
    assert_eq!(by_id(t, "b")["meta"]["source_parent"], "zzz");
    let cut = comments(t)
        .iter()
        .filter(|c| c["reply_link"]["kind"] == "cycle")
        .count();
    assert_eq!(cut, 1);
    assert_eq!(by_id(t, "e")["reply_link"]["kind"], "root");
    let w: Vec<&str> = t["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        w.iter()
            .any(|w| w.contains("\"zzz\", which does not exist")),
        "{w:?}"
    );
    assert!(w.iter().any(|w| w.contains("reply cycle")), "{w:?}");
}

#[test]
fn a_100k_deep_jsonl_chain_reads_without_recursion() {
    let dir = temp_dir("deep");
    let n = 100_000;
    let mut s = String::with_capacity(n * 40);
    for i in 0..n {
        if i == 0 {
            s.push_str("{\"id\":\"0\",\"parent_id\":null,\"text\":\"x\"}\n");
        } else {
            s.push_str(&format!(
                "{{\"id\":\"{i}\",\"parent_id\":\"{}\",\"text\":\"x\"}}\n",
                i - 1
            ));
        }
    }
    let p = write(&dir, "deep.jsonl", s);
    let out = dir.join("out.json");
    run(&["parse", &p, "--out", &out.to_string_lossy()]).expect_code(0);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(max_depth(&threads(&v)[0]), n as u64 - 1);
}

#[test]
fn jsonl_column_flags_and_thread_column() {
    let dir = temp_dir("jsonl-flags");
    let p = write(
        &dir,
        "custom.jsonl",
        concat!(
            r#"{"cid":1,"reply_to":null,"conv":"x","who":"a","when":1600000000,"body":"one","label":true}"#,
            "\n",
            r#"{"cid":2,"reply_to":1,"conv":"x","who":"b","when":"2020-09-13T12:26:50Z","body":"two"}"#,
            "\n",
            r#"{"cid":3,"reply_to":null,"conv":"y","who":"c","when":null,"body":"three","tags":["p","q"]}"#,
            "\n"
        ),
    );
    let v = parse(&[
        &p,
        "--id-col",
        "cid",
        "--parent-col",
        "reply_to",
        "--thread-col",
        "conv",
        "--author-col",
        "who",
        "--time-col",
        "when",
        "--text-col",
        "body",
    ]);
    let ts = threads(&v);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[0]["id"], "x");
    assert_eq!(by_id(&ts[0], "2")["parent_id"], "1");
    assert_eq!(by_id(&ts[0], "1")["timestamp"], "2020-09-13T12:26:40Z");
    assert_eq!(by_id(&ts[0], "1")["meta"]["label"], "true");
    assert_eq!(by_id(&ts[1], "3")["meta"]["tags"], "[\"p\",\"q\"]");
    let r = run(&["parse", &p, "--text-col", "text_missing"]).expect_code(2);
    assert!(
        r.stderr.contains("--text-col names field \"text_missing\""),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------
// ConvoKit

/// (comment id, parent id, text) of every comment.
type CommentShape = Vec<(String, Value, String)>;

fn shape(v: &Value) -> Vec<(String, CommentShape)> {
    threads(v)
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                comments(t)
                    .iter()
                    .map(|c| {
                        (
                            c["id"].as_str().unwrap().to_string(),
                            c["parent_id"].clone(),
                            c["text"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn convokit_export_then_parse_gives_the_same_threads() {
    let inputs = [
        fx("jsonl/synth-300.jsonl"),
        fx("reddit/nfl_g7vyxy_comments.json"),
        fx("iac/discussion-6585.json"),
        fx("hn/algolia-item-8863.json"),
        fx("hn/firebase-items.json"),
        fx("reddit/cmv-ah-175_t1_dlqrux0.jsonl"),
    ];
    let dir = temp_dir("convokit-out");
    let out = dir.join("corpus");
    let mut args = vec!["export"];
    args.extend(inputs.iter().map(String::as_str));
    let out_s = out.to_string_lossy().into_owned();
    args.extend(["--to", "convokit", "--out", &out_s]);
    let r = run(&args).expect_code(0);
    assert!(r.stderr.contains("wrote"), "{}", r.stderr);
    for f in [
        "utterances.jsonl",
        "conversations.json",
        "speakers.json",
        "corpus.json",
        "index.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(out.join("utterances.jsonl"))
            .unwrap()
            .lines()
            .nth(1)
            .unwrap(),
    )
    .unwrap();
    for key in [
        "id",
        "speaker",
        "conversation_id",
        "reply_to",
        "timestamp",
        "text",
        "meta",
    ] {
        assert!(first.get(key).is_some(), "utterance lacks {key}");
    }
    assert_eq!(first["conversation_id"], "t100wr");
    assert_eq!(
        first["reply_to"], "t100wr",
        "top-level comments reply to the post"
    );

    let mut pargs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    pargs.push("-q");
    let original = parse(&pargs);
    let back = parse(&[&out_s]);
    assert!(threads(&back).iter().all(|t| t["format"] == "convokit"));
    assert_eq!(shape(&original), shape(&back));
    // Authors, times, links, meta, post fields and known-missing counts survive too.
    for (a, b) in threads(&original).iter().zip(threads(&back)) {
        for key in ["title", "byline", "url", "header_count", "known_missing"] {
            assert_eq!(a[key], b[key], "thread {} {key}", a["id"]);
        }
        for (x, y) in comments(a).iter().zip(comments(b)) {
            for key in [
                "author",
                "timestamp",
                "depth",
                "reply_link",
                "meta",
                "status",
                "url",
            ] {
                assert_eq!(x[key], y[key], "comment {} {key}", x["id"]);
            }
        }
    }
    // Exporting the re-read corpus gives the same files.
    let again = dir.join("again");
    run(&[
        "export",
        &out_s,
        "--to",
        "convokit",
        "--out",
        &again.to_string_lossy(),
    ])
    .expect_code(0);
    assert_eq!(
        std::fs::read_to_string(out.join("utterances.jsonl")).unwrap(),
        std::fs::read_to_string(again.join("utterances.jsonl")).unwrap()
    );
}

#[test]
fn convokit_corpus_written_by_convokit_reads_root_as_comment() {
    let dir = temp_dir("convokit-native");
    let corpus = dir.join("movie-corpus");
    write(
        &corpus,
        "utterances.jsonl",
        concat!(
            r#"{"id": "L1", "conversation_id": "L1", "text": "Hello.", "speaker": "u0", "meta": {"movie": "m0"}, "reply-to": null, "timestamp": null, "vectors": []}"#,
            "\n",
            r#"{"id": "L2", "conversation_id": "L1", "text": "Hi there.", "speaker": "u1", "meta": {"movie": "m0", "score": 3}, "reply-to": "L1", "timestamp": 1500000000.0, "vectors": []}"#,
            "\n",
            r#"{"id": "L3", "root": "L3", "text": "Old style.", "user": "u2", "meta": {}, "reply-to": null, "timestamp": null}"#,
            "\n"
        ),
    );
    write(
        &corpus,
        "conversations.json",
        r#"{"L1": {"meta": {"title": "A film"}, "vectors": []}, "L3": {}}"#,
    );
    write(
        &corpus,
        "speakers.json",
        r#"{"u0": {"meta": {}, "vectors": []}}"#,
    );
    let v = parse(&[&corpus.to_string_lossy()]);
    let ts = threads(&v);
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[0]["id"], "L1");
    assert_eq!(ts[0]["title"], "A film");
    let cs = comments(&ts[0]);
    assert_eq!(cs.len(), 2, "the root utterance is a comment");
    assert_eq!(cs[1]["parent_id"], "L1");
    assert_eq!(cs[1]["author"], "u1");
    assert_eq!(cs[1]["meta"]["score"], "3");
    assert_eq!(cs[1]["timestamp"], "2017-07-14T02:40:00Z");
    assert_eq!(comments(&ts[1])[0]["author"], "u2");
    // Named through its utterances file, the directory is read the same way.
    let v2 = parse(&[&corpus.join("utterances.jsonl").to_string_lossy()]);
    assert_eq!(shape(&v), shape(&v2));
    // A bad utterance line is an error naming the file and line.
    write(&corpus, "utterances.jsonl", "{\"id\": \"x\"}\n");
    let r = run(&["parse", &corpus.to_string_lossy()]).expect_code(2);
    assert!(
        r.stderr
            .contains("utterances.jsonl:1 (record 1): expected a \"conversation_id\""),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------
// Detection

#[test]
fn a_directory_mixing_formats_is_detected_file_by_file() {
    let dir = temp_dir("mixed");
    let copy = |rel: &str, to: &str| {
        std::fs::copy(fixture(rel), dir.join(to)).unwrap();
    };
    copy("reddit/nfl_g7vyxy_comments.json", "a-reddit.json");
    copy("reddit/cmv-delta-0_t1_dk3zd9h.jsonl", "b-pushshift.jsonl");
    copy("hn/algolia-item-8863.json", "c-hn.json");
    copy("hn/firebase-items.json", "d-hn.json");
    copy("iac/discussion-6585.json", "discussion-6585.json");
    copy("iac/quotes-6585.json", "quotes-6585.json");
    write(
        &dir,
        "f-table.csv",
        "id,parent_id,text\n1,,hello\n2,1,reply\n",
    );
    copy("jsonl/synth-300.jsonl", "g-synth.jsonl");
    write(&dir, "README.md", "# notes\n");
    write(
        &dir.join("h-convokit"),
        "utterances.jsonl",
        "{\"id\":\"u1\",\"conversation_id\":\"u1\",\"speaker\":\"s\",\"reply_to\":null,\"timestamp\":null,\"text\":\"t\",\"meta\":{}}\n",
    );
    let r = run(&["parse", &dir.to_string_lossy()]).expect_code(0);
    let v = r.json();
    let mut formats: BTreeMap<String, String> = BTreeMap::new();
    for t in threads(&v) {
        let src = t["source"].as_str().unwrap();
        let name = std::path::Path::new(src)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        formats.insert(name, t["format"].as_str().unwrap().to_string());
    }
    assert_eq!(formats["a-reddit.json"], "reddit");
    assert_eq!(formats["b-pushshift.jsonl"], "reddit");
    assert_eq!(formats["c-hn.json"], "hn");
    assert_eq!(formats["d-hn.json"], "hn");
    assert_eq!(formats["discussion-6585.json"], "iac");
    assert_eq!(formats["f-table.csv"], "csv");
    assert_eq!(formats["g-synth.jsonl"], "jsonl");
    assert_eq!(formats["h-convokit"], "convokit");
    assert!(r.stderr.contains("README.md: skipped"), "{}", r.stderr);
    assert!(
        r.stderr.contains("quotes-6585.json: skipped"),
        "{}",
        r.stderr
    );
    // --format overrides detection: the Pushshift file read as a plain table.
    let r = run(&[
        "parse",
        &fx("reddit/cmv-delta-0_t1_dk3zd9h.jsonl"),
        "--format",
        "jsonl",
        "--text-col",
        "body",
    ])
    .expect_code(0);
    assert_eq!(threads(&r.json())[0]["format"], "jsonl");
}

#[test]
fn a_3000_deep_algolia_nesting_reads_without_recursion() {
    // serde_json stops at 128 levels; an Algolia item nests two levels per reply.
    let n = 3000;
    let mut s = String::from(
        r#"{"id":1,"type":"story","author":"a","title":"t","created_at_i":1,"children":["#,
    );
    for i in 2..n + 2 {
        s.push_str(&format!(
            r#"{{"id":{i},"type":"comment","author":"u","text":"x","created_at_i":{i},"parent_id":{},"children":["#,
            i - 1
        ));
    }
    s.push_str(&"]}".repeat(n + 1));
    let dir = temp_dir("deep-hn");
    let p = write(&dir, "deep.json", &s);
    let v = parse(&[&p]);
    let t = &threads(&v)[0];
    assert_eq!(t["format"], "hn");
    assert_eq!(comments(t).len(), n);
    assert_eq!(max_depth(t), n as u64 - 1);
    // Cut in the middle: a clear error, not a crash.
    let p = write(&dir, "cut.json", &s[..s.len() / 2]);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(r.stderr.contains("EOF while parsing"), "{}", r.stderr);
}

#[test]
fn stdin_is_detected_by_content() {
    let jsonl = std::fs::read(fixture("jsonl/synth-300.jsonl")).unwrap();
    let r = crate::util::run_with_stdin(&["parse", "-"], Some(&jsonl)).expect_code(0);
    assert_eq!(threads(&r.json()).len(), 23);
    let page = std::fs::read(fixture("reddit/nfl_g7vyxy_comments.json")).unwrap();
    let r = crate::util::run_with_stdin(&["parse", "-"], Some(&page)).expect_code(0);
    assert_eq!(threads(&r.json())[0]["format"], "reddit");
}

#[test]
fn utf16_tables_are_decoded() {
    let dir = temp_dir("utf16");
    let text = "id,text\r\n1,\"Grüße, “quoted”\"\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let p = write(&dir, "wide.csv", bytes);
    let v = parse(&[&p]);
    assert_eq!(comments(&threads(&v)[0])[0]["text"], "Grüße, “quoted”");
}

#[test]
fn tables_without_a_text_column_are_skipped_in_directories_but_errors_when_named() {
    let dir = temp_dir("no-text");
    write(&dir, "labels.csv", "id,score\n1,3\n");
    write(&dir, "rows.jsonl", "{\"id\":1,\"score\":3}\n");
    write(&dir, "ok.jsonl", "{\"id\":1,\"text\":\"hi\"}\n");
    let r = run(&["parse", &dir.to_string_lossy()]).expect_code(0);
    assert_eq!(threads(&r.json()).len(), 1);
    assert!(
        r.stderr.contains("labels.csv:1: no text column \"text\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("rows.jsonl:1 (record 1): the first record has no \"text\" field"),
        "{}",
        r.stderr
    );
    let r = run(&["parse", &dir.join("labels.csv").to_string_lossy()]).expect_code(2);
    assert!(r.stderr.contains("no text column"), "{}", r.stderr);
    let r = run(&["parse", &dir.join("rows.jsonl").to_string_lossy()]).expect_code(2);
    assert!(
        r.stderr.contains("the first record has no \"text\" field"),
        "{}",
        r.stderr
    );
}

#[test]
fn truncated_iac_and_hn_files_name_the_line_and_what_was_expected() {
    let dir = temp_dir("truncated");
    for (fixture_rel, name, expected) in [
        (
            "iac/discussion-8544.json",
            "discussion-9.json",
            "expected an IAC discussion ([posts, annotations, meta]): EOF while parsing",
        ),
        (
            "hn/firebase-items.json",
            "items.json",
            "expected HN items as JSON: EOF while parsing",
        ),
    ] {
        let text = std::fs::read_to_string(fixture(fixture_rel)).unwrap();
        let cut: String = text.chars().take(text.chars().count() * 2 / 3).collect();
        let lines = cut.lines().count();
        let p = write(&dir, name, cut);
        let r = run(&["parse", &p]).expect_code(2);
        assert!(
            r.stderr.contains(&format!("{name}:{lines}:")),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains(expected), "{}", r.stderr);
    }
}
