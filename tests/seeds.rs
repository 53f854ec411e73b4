//! Issue 2: the seed threads are rebuilt exactly; bad inputs give one clear line and exit 2.

use crate::util::{run, run_with_stdin, temp_dir, write};
use serde_json::Value;

const YALTA: &str = "threads/004-informed-comment-new-yalta.txt";

fn corpus() -> Value {
    run(&["parse", "threads/"]).expect_code(0).json()
}

fn thread<'a>(corpus: &'a Value, id_prefix: &str) -> &'a Value {
    corpus["threads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"].as_str().unwrap().starts_with(id_prefix))
        .unwrap_or_else(|| panic!("no thread {id_prefix}"))
}

fn comments(t: &Value) -> &Vec<Value> {
    t["comments"].as_array().unwrap()
}

#[test]
fn parse_threads_dir_yields_five_threads() {
    let c = corpus();
    assert_eq!(c["threads"].as_array().unwrap().len(), 5);
    for t in c["threads"].as_array().unwrap() {
        assert_eq!(t["format"], "text");
        for key in [
            "id",
            "source",
            "title",
            "byline",
            "header_count",
            "comment_status",
        ] {
            assert!(t.get(key).is_some(), "thread lacks {key}");
        }
    }
}

#[test]
fn informed_comment_thread_is_rebuilt_exactly() {
    let c = corpus();
    let t = thread(&c, "004");
    assert_eq!(t["header_count"], 16);
    assert_eq!(t["byline"], "Juan Cole");
    assert_eq!(t["site"], "Informed Comment");
    assert_eq!(t["comment_status"], "closed");
    let cs = comments(t);
    assert_eq!(cs.len(), 14);
    let top: Vec<&Value> = cs.iter().filter(|c| c["parent_id"].is_null()).collect();
    assert_eq!(top.len(), 11);
    let numbers: Vec<String> = top
        .iter()
        .map(|c| c["number"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(numbers, (1..=11).map(|n| n.to_string()).collect::<Vec<_>>());
    for (k, c) in cs.iter().enumerate() {
        assert_eq!(c["position"], k as u64 + 1);
        for key in [
            "id",
            "number",
            "parent_id",
            "depth",
            "author",
            "author_source",
            "addressee",
            "text",
        ] {
            assert!(c.get(key).is_some(), "comment lacks {key}");
        }
        assert!(c["reply_link"]["kind"].is_string());
        assert!(c["reply_link"]["confidence"].is_number());
    }
    let by_number = |n: &str| {
        cs.iter()
            .find(|c| c["number"] == n)
            .unwrap_or_else(|| panic!("no comment {n}"))
    };
    let first = by_number("1");
    let sixth = by_number("6");
    let replies_to = |parent: &Value| -> Vec<&Value> {
        cs.iter()
            .filter(|c| c["parent_id"] == parent["id"])
            .collect()
    };
    let under_first = replies_to(first);
    assert_eq!(under_first.len(), 2);
    assert!(
        under_first[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Dear Eurofrank, you are right on!")
    );
    assert!(
        under_first[1]["text"]
            .as_str()
            .unwrap()
            .starts_with("So far, NATO is not involved")
    );
    let under_sixth = replies_to(sixth);
    assert_eq!(under_sixth.len(), 1);
    assert!(
        under_sixth[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("There is a moment of opportunity")
    );
    for reply in under_first.iter().chain(&under_sixth) {
        assert_eq!(reply["depth"], 1);
        assert_eq!(reply["reply_link"]["kind"], "indentation");
        assert!(reply["number"].is_null());
    }
    // Comment 6 keeps its numbered list; comment 1 keeps its "1 to cut" lines.
    let six = sixth["text"].as_str().unwrap();
    for item in [
        "1. Inviolability",
        "2. Religious",
        "3. A two state",
        "4. A significant UN presence",
    ] {
        assert!(six.contains(item), "comment 6 lacks {item:?}");
    }
    let one = first["text"].as_str().unwrap();
    assert!(one.contains("1 to cut the supply lines"));
    assert!(one.contains("2 to open a gas pipeline"));
    // The author of comment 1 is revealed by the reply's salutation.
    assert_eq!(first["author"], "Eurofrank");
    assert_eq!(first["author_source"], "salutation");
    assert_eq!(under_first[0]["addressee"], "Eurofrank");
    // "Dear Professor Cole" addresses the post author: no link, no author.
    assert_eq!(first["addressee"], "Professor Cole");
    assert_eq!(first["addresses_post_author"], true);
    assert_eq!(first["reply_link"]["kind"], "root");
    let second = by_number("2");
    assert!(second["author"].is_null());
    assert!(second["parent_id"].is_null());
    // Text: paragraphs kept, whitespace normalised.
    assert!(one.starts_with("Dear Professor Cole\n\nUkraine in NATO"));
    assert!(!one.contains("  "));
}

#[test]
fn announced_and_parsed_counts_differ_and_are_reported() {
    let r = run(&["parse", YALTA]).expect_code(0);
    assert!(
        r.stderr
            .contains("announces 16 comments but shows 14 (2 not in the page)"),
        "{}",
        r.stderr
    );
    let c = r.json();
    assert_eq!(c["stats"]["parsed"], 14);
    assert_eq!(c["stats"]["read"], 14);
    assert_eq!(c["stats"]["skipped"], 0);
}

#[test]
fn pages_without_comments_keep_furniture_out_of_article_and_comments() {
    let c = corpus();
    let furniture = [
        "Related Posts",
        "Leave a Reply",
        "Comments are closed.",
        "Tags: France",
        "Foto: RT",
        "Your email address will not be published",
        "This site uses Akismet",
        "Reuters News Service",
        "France - Paris - 13-11-15 - 2",
        "at Les Invalides monument in Paris",
    ];
    for prefix in ["000", "001", "002", "003"] {
        let t = thread(&c, prefix);
        assert_eq!(comments(t).len(), 0, "{prefix} has comments");
        let paragraphs = t["paragraphs"].as_array().unwrap();
        assert!(paragraphs.len() > 10, "{prefix} lost its article");
        for p in paragraphs {
            let p = p.as_str().unwrap();
            for f in furniture {
                assert!(
                    !p.starts_with(f) && !p.ends_with(f),
                    "{prefix}: {f:?} in article: {p}"
                );
            }
        }
    }
    assert_eq!(thread(&c, "001")["comment_status"], "closed");
    assert_eq!(thread(&c, "003")["comment_status"], "open");
    assert_eq!(thread(&c, "000")["comment_status"], "none");
    let kinds = |prefix: &str| -> Vec<String> {
        thread(&c, prefix)["boilerplate"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(kinds("000").contains(&"tags".to_string()));
    assert!(kinds("000").contains(&"photo_credit".to_string()));
    assert!(kinds("001").contains(&"related".to_string()));
    assert!(kinds("003").contains(&"reply_form".to_string()));
    assert_eq!(
        thread(&c, "001")["byline"],
        "Elizabeth Pineau and Paul Taylor"
    );
    assert_eq!(thread(&c, "001")["site"], "Cyprus Mail");
}

#[test]
fn mojibake_is_repaired() {
    let c = corpus();
    let paragraphs = thread(&c, "002")["paragraphs"].as_array().unwrap().clone();
    assert!(paragraphs.iter().any(|p| {
        p.as_str()
            .unwrap()
            .starts_with("Despite the reduction in alert level")
    }));
    let all = serde_json::to_string(&c).unwrap();
    assert!(!all.contains('Â') && !all.contains("â€"));
}

#[test]
fn tree_outline_shows_numbers_replies_and_inferred_author() {
    let r = run(&["parse", "--tree", YALTA]).expect_code(0);
    assert!(
        r.stdout
            .contains("1. Eurofrank: \"Dear Professor Cole Ukraine in NATO"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(2 replies)"));
    assert!(r.stdout.contains("      • \"So far, NATO is not involved"));
    assert_eq!(
        r.stdout
            .lines()
            .filter(|l| l.trim_start().starts_with('•'))
            .count(),
        3
    );
}

#[test]
fn stdin_and_out_file() {
    let page = std::fs::read(YALTA).unwrap();
    let r = run_with_stdin(&["parse", "-"], Some(&page)).expect_code(0);
    let c = r.json();
    assert_eq!(c["threads"][0]["id"], "stdin");
    assert_eq!(c["threads"][0]["comments"].as_array().unwrap().len(), 14);
    let dir = temp_dir("out");
    let out = dir.join("corpus.json");
    run(&["parse", YALTA, "--out", out.to_str().unwrap()]).expect_code(0);
    let written: Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    assert_eq!(written["threads"][0]["header_count"], 16);
}

#[test]
fn bad_inputs_give_one_line_and_exit_2() {
    let dir = temp_dir("bad");
    let empty = write(&dir, "empty.txt", "");
    let binary = write(&dir, "blob.txt", b"\x7fELF\x02\x01\x00\x00binary");
    let nothing = dir.join("nothing-here");
    std::fs::create_dir_all(&nothing).unwrap();
    write(&nothing, "notes.toml", "a = 1\n");
    let missing = dir.join("missing.txt");
    let cases = [
        (
            missing.to_str().unwrap().to_string(),
            "no such file or directory",
        ),
        (empty.clone(), "empty file"),
        (binary.clone(), "binary file"),
        (
            nothing.to_str().unwrap().to_string(),
            "directory contains no thread files",
        ),
    ];
    for (path, message) in cases {
        let r = run(&["parse", &path]).expect_code(2);
        let line = r.stderr.lines().last().unwrap_or_default();
        assert!(
            line.contains(&path) && line.contains(message),
            "{path}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().filter(|l| l.contains("error")).count(), 1);
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn page_without_comment_section_is_not_an_error() {
    let dir = temp_dir("plain");
    let p = write(
        &dir,
        "article.txt",
        "A title\n\nJust an article paragraph.\n",
    );
    let c = run(&["parse", &p]).expect_code(0).json();
    assert_eq!(c["threads"][0]["comments"].as_array().unwrap().len(), 0);
    assert_eq!(c["threads"][0]["comment_status"], "none");
}

#[test]
fn directory_skips_non_thread_files_with_a_note() {
    let dir = temp_dir("mixed");
    write(&dir, "page.txt", std::fs::read(YALTA).unwrap());
    write(&dir, "README.md", "# notes\n");
    write(&dir, "themes.toml", "x = [\"y\"]\n");
    let r = run(&["parse", dir.to_str().unwrap()]).expect_code(0);
    assert_eq!(r.json()["threads"].as_array().unwrap().len(), 1);
    assert!(r.stderr.contains("README.md: skipped"), "{}", r.stderr);
    let quiet = run(&["parse", "--quiet", dir.to_str().unwrap()]).expect_code(0);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

#[test]
fn output_is_deterministic() {
    let a = run(&["parse", "threads/"]).expect_code(0).stdout;
    let b = run(&["parse", "threads/"]).expect_code(0).stdout;
    assert_eq!(a, b);
}

mod property {
    use proptest::prelude::*;
    use threadlens::ingest::text::parse_page;

    /// Lines built from the pieces the parser reacts to, so the search reaches its branches.
    fn page_line() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "  1. ",
            "    • ",
            "      • ",
            "  12. ",
            "1. ",
            "Bob says:",
            "Posted by: Ann | Nov 3, 2015",
            "16 Responses",
            "No Comments",
            "Comments are closed.",
            "Leave a Reply",
            "Related Posts",
            "Dear Eurofrank,",
            "Dear Professor Cole",
            "@ann ",
            "Reply",
            "By Juan Cole",
            "Â ",
            "â€™",
            "Tags: a",
            "* * *",
            "November 19, 2015 at 3:45 pm",
            "",
            " ",
            "\t",
        ]);
        (pieces, "[\\PC]{0,12}").prop_map(|(p, tail)| format!("{p}{tail}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn parser_never_panics_and_trees_are_sound(lines in prop::collection::vec(page_line(), 0..40)) {
            let text = lines.join("\n");
            let mut t = parse_page(&text, "p".into(), "prop".into());
            t.link().unwrap();
            t.check_integrity().unwrap();
            for (k, c) in t.comments.iter().enumerate() {
                prop_assert_eq!(c.position as usize, k + 1);
            }
        }

        #[test]
        fn parser_never_panics_on_arbitrary_text(text in "\\PC{0,400}") {
            let mut t = parse_page(&text, "p".into(), "prop".into());
            t.link().unwrap();
        }
    }
}

#[test]
fn tree_repairs_are_reported_on_stderr() {
    let dir = temp_dir("repairs");
    let p = write(
        &dir,
        "bad.jsonl",
        "{\"id\":\"a\",\"parent_id\":null,\"thread_id\":\"t\",\"text\":\"x\"}\n\
         {\"id\":\"b\",\"parent_id\":\"zz\",\"thread_id\":\"t\",\"text\":\"y\"}\n\
         {\"id\":\"c\",\"parent_id\":\"d\",\"thread_id\":\"t\",\"text\":\"y\"}\n\
         {\"id\":\"d\",\"parent_id\":\"c\",\"thread_id\":\"t\",\"text\":\"y\"}\n",
    );
    let r = run(&["parse", &p]).expect_code(0);
    assert!(
        r.stderr
            .contains("comment b names parent \"zz\", which does not exist"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("reply cycle at comment d"),
        "{}",
        r.stderr
    );
    let stats = &r.json()["stats"];
    assert_eq!(stats["warnings"].as_array().unwrap().len(), 2);
}
