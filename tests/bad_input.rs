//! Hostile and broken input (issue 9): every case states its exact outcome — a one-line error
//! naming the file and line/record with exit 2, or a parse with warnings and exact counts —
//! and runs without a panic (`Run::expect_code` checks stderr) in bounded time.
//!
//! Cases tested elsewhere and not repeated here:
//! - truncated Reddit/IAC/HN JSON, CSV and JSONL rows, duplicate ids (JSONL, CSV), dangling
//!   parents and a two-comment cycle (JSONL), a 100,000-deep JSONL chain, a 3,000-deep Algolia
//!   nesting: `tests/formats_json.rs`;
//! - truncated WXR/Disqus, an HTML page nested 10,000 levels deep, the WXR entity bomb:
//!   `tests/formats_xml.rs`;
//! - empty and binary text files, a missing path: `tests/seeds.rs`;
//! - a regex rule built to be slow and a rules file with 10,000 rules: `tests/moderate.rs`.

use crate::util::{run, temp_dir, write};
use serde_json::Value;
use std::time::{Duration, Instant};

fn comments(v: &Value) -> Vec<&Value> {
    v["threads"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["comments"].as_array().unwrap())
        .collect()
}

/// The read = parsed + skipped invariant, and the counts themselves.
fn assert_stats(v: &Value, read: u64, parsed: u64, skipped: u64) {
    let s = &v["stats"];
    assert_eq!(
        (
            s["read"].as_u64(),
            s["parsed"].as_u64(),
            s["skipped"].as_u64()
        ),
        (Some(read), Some(parsed), Some(skipped)),
        "{s}"
    );
}

/// The one error line of a failed run.
fn error_line(r: &crate::util::Run) -> &str {
    let errors: Vec<&str> = r.stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "{}", r.stderr);
    errors[0]
}

const FORMATS: [&str; 10] = [
    "text", "html", "wxr", "disqus", "reddit", "hn", "convokit", "iac", "csv", "jsonl",
];

#[test]
fn binary_files_are_refused_by_every_reader() {
    let dir = temp_dir("bad-binary");
    // A zip-like header, then bytes of every value; the first NUL sits at a known offset.
    let mut bytes = b"PK\x03\x04 not text ".to_vec();
    bytes.extend((0..4096u32).map(|i| (i * 7 + 13) as u8));
    let nul = bytes.iter().position(|&b| b == 0).unwrap();
    let p = write(&dir, "blob.bin", &bytes);
    for format in FORMATS {
        let r = run(&["parse", "--format", format, &p]).expect_code(2);
        assert!(
            error_line(&r).ends_with(&format!(
                "blob.bin: binary file (NUL byte at offset {nul}), not a comment thread"
            )),
            "{format}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn truncated_json_and_csv_name_file_line_and_record() {
    let dir = temp_dir("bad-trunc");
    let json = write(&dir, "cut.json", "{\"a\": [1, 2, {\"b\": \"c");
    let cases = [
        (
            "reddit",
            "cut.json:1 (record 1): expected one reddit JSON object per line: EOF while parsing a string at line 1 column 21",
        ),
        (
            "iac",
            "cut.json:1: expected an IAC discussion ([posts, annotations, meta]): EOF while parsing a string at line 1 column 21",
        ),
        (
            "hn",
            "cut.json:1: expected HN items as JSON: EOF while parsing a string at line 1 column 21",
        ),
    ];
    for (format, message) in cases {
        let r = run(&["parse", "--format", format, &json]).expect_code(2);
        assert!(error_line(&r).ends_with(message), "{format}: {}", r.stderr);
    }
    // Without --format, a JSON fragment matches no format: said so, with the choices.
    let r = run(&["parse", &json]).expect_code(2);
    assert!(
        error_line(&r).contains("cut.json: format not recognised; pass --format"),
        "{}",
        r.stderr
    );
    let utt = write(
        &dir,
        "utterances.jsonl",
        "{\"id\":\"u1\",\"conversation_id\":\"u1\",\"text\":\"hi\"}\n{\"id\":\"u2\",\"conversation_id\":\"u1\",\"reply_to\":\"u1\",\"text\":\"cut",
    );
    let r = run(&["parse", &utt]).expect_code(2);
    assert!(
        error_line(&r).ends_with(
            "utterances.jsonl:2 (record 2): expected one utterance object a line: EOF while parsing a string at line 1 column 61"
        ),
        "{}",
        r.stderr
    );
    let v = run(&["parse", "--lenient", "--quiet", &utt])
        .expect_code(0)
        .json();
    assert_stats(&v, 2, 1, 1);
    let csv = write(
        &dir,
        "cut.csv",
        "id,parent_id,text\n1,,\"hello\n2,1,world\n",
    );
    let r = run(&["parse", &csv]).expect_code(2);
    assert!(
        error_line(&r).ends_with(
            "cut.csv:2 (record 1): unterminated quoted field: expected a closing '\"' before the end of the file"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn invalid_utf8_is_read_as_windows_1252() {
    let dir = temp_dir("bad-utf8");
    // JSONL and CSV decode record by record: one cp1252 record leaves UTF-8 records intact.
    let jsonl = write(
        &dir,
        "mixed.jsonl",
        b"{\"id\":\"1\",\"text\":\"caf\xe9 \x93quoted\x94\"}\n{\"id\":\"2\",\"parent_id\":\"1\",\"text\":\"Gr\xc3\xbc\xc3\x9fe\"}\n",
    );
    let v = run(&["parse", &jsonl]).expect_code(0).json();
    let cs = comments(&v);
    assert_eq!(cs[0]["text"], "café “quoted”");
    assert_eq!(cs[1]["text"], "Grüße");
    assert_stats(&v, 2, 2, 0);
    let csv = write(
        &dir,
        "mixed.csv",
        b"id,text\n1,na\xefve\n2,\xc3\xa9t\xc3\xa9\n",
    );
    let v = run(&["parse", &csv]).expect_code(0).json();
    let cs = comments(&v);
    assert_eq!(cs[0]["text"], "naïve");
    assert_eq!(cs[1]["text"], "été");
    // Whole-file readers fall back to Windows-1252 for the whole file.
    let txt = write(
        &dir,
        "page.txt",
        b"Comments\n\nalice says:\nhello \xff\xfe world\n",
    );
    let v = run(&["parse", &txt]).expect_code(0).json();
    assert_eq!(comments(&v)[0]["text"], "hello ÿþ world");
}

#[test]
fn utf16_without_bom_is_recognised_by_its_zero_bytes() {
    let dir = temp_dir("bad-utf16");
    let le = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let be = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_be_bytes).collect() };
    let csv = write(
        &dir,
        "wide.csv",
        le("id,text\n1,\"Hello, world\"\n2,second\n"),
    );
    let v = run(&["parse", &csv]).expect_code(0).json();
    let texts: Vec<&str> = comments(&v)
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Hello, world", "second"]);
    let jsonl = write(
        &dir,
        "wide.jsonl",
        be(
            "{\"id\":\"1\",\"text\":\"hi there\"}\n{\"id\":\"2\",\"parent_id\":\"1\",\"text\":\"reply\"}\n",
        ),
    );
    let v = run(&["parse", &jsonl]).expect_code(0).json();
    let cs = comments(&v);
    assert_eq!((cs.len(), &cs[1]["parent_id"]), (2, &Value::from("1")));
    let utt = write(
        &dir,
        "conv/utterances.jsonl",
        le("{\"id\":\"u1\",\"conversation_id\":\"u1\",\"text\":\"hi\"}\n"),
    );
    let v = run(&["parse", &utt]).expect_code(0).json();
    assert_eq!(comments(&v)[0]["text"], "hi");
    let txt = write(
        &dir,
        "wide.txt",
        le("Comments\n\nalice says:\nhello world, this is a comment\n"),
    );
    let v = run(&["parse", &txt]).expect_code(0).json();
    assert_eq!(comments(&v)[0]["text"], "hello world, this is a comment");
}

#[test]
fn a_50_mb_single_line_is_read_and_the_size_limit_is_configurable() {
    let dir = temp_dir("bad-50mb");
    let line = "word ".repeat(10_000_000);
    let p = write(
        &dir,
        "huge.txt",
        format!("Comments\n\nalice says:\n{line}\n"),
    );
    let size = std::fs::metadata(&p).unwrap().len();
    let out = dir.join("out.json");
    let t = Instant::now();
    run(&["parse", "--quiet", &p, "--out", &out.to_string_lossy()]).expect_code(0);
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let c = comments(&v)[0];
    assert_eq!(c["author"], "alice");
    assert_eq!(c["text"].as_str().unwrap().len(), line.len() - 1);
    // Memory is bounded by --max-file-bytes (default 1 GiB): a smaller limit refuses the file.
    let r = run(&["parse", "--max-file-bytes", "1000000", &p]).expect_code(2);
    assert!(
        error_line(&r).ends_with(&format!(
            "huge.txt: file size ({size} bytes) exceeds the limit of 1000000 (raise it with --max-file-bytes)"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn a_10_mb_comment_is_kept_whole_in_jsonl_and_csv() {
    let dir = temp_dir("bad-10mb");
    let big = "x y ".repeat(2_500_000);
    let jsonl = write(
        &dir,
        "big.jsonl",
        format!(
            "{{\"id\":\"1\",\"text\":\"short\"}}\n{{\"id\":\"2\",\"parent_id\":\"1\",\"text\":\"{big}\"}}\n"
        ),
    );
    let csv = write(
        &dir,
        "big.csv",
        format!("id,parent_id,text\n1,,short\n2,1,\"{big}\"\n"),
    );
    for p in [jsonl, csv] {
        let out = dir.join("out.json");
        run(&["parse", &p, "--out", &out.to_string_lossy()]).expect_code(0);
        let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let cs = comments(&v);
        assert_eq!(cs[1]["text"].as_str().unwrap().len(), big.len() - 1, "{p}");
        assert_eq!(cs[1]["depth"], 1);
        assert_stats(&v, 2, 2, 0);
    }
}

#[test]
fn a_100k_deep_csv_chain_reads_without_recursion() {
    let dir = temp_dir("bad-deep-csv");
    let n = 100_000;
    let mut s = String::from("id,parent_id,text\n0,,x\n");
    for i in 1..n {
        s.push_str(&format!("{i},{},x\n", i - 1));
    }
    let p = write(&dir, "deep.csv", s);
    let out = dir.join("out.json");
    run(&["parse", &p, "--out", &out.to_string_lossy()]).expect_code(0);
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let cs = comments(&v);
    assert_eq!(cs.len(), n);
    assert_eq!(cs[n - 1]["depth"], n as u64 - 1);
    assert_stats(&v, n as u64, n as u64, 0);
}

#[test]
fn self_parent_and_two_comment_cycle_in_csv_are_cut_with_warnings() {
    let dir = temp_dir("bad-cycle");
    let p = write(
        &dir,
        "cyc.csv",
        "id,parent_id,text\n1,2,a\n2,1,b\n3,3,self\n",
    );
    let r = run(&["parse", &p]).expect_code(0);
    let v = r.json();
    let cs = comments(&v);
    let links: Vec<(&str, &Value, &str)> = cs
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap(),
                &c["parent_id"],
                c["reply_link"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            ("1", &Value::from("2"), "explicit"),
            ("2", &Value::Null, "cycle"),
            ("3", &Value::Null, "cycle"),
        ]
    );
    assert_eq!(
        v["stats"]["warnings"],
        serde_json::json!([
            format!("{p}: thread cyc: comment 3 names itself as its parent; treated as top-level"),
            format!(
                "{p}: thread cyc: reply cycle at comment 2; its link to 1 was cut and it is treated as top-level"
            ),
        ])
    );
    assert_eq!(r.stderr.matches("warning:").count(), 2, "{}", r.stderr);
    assert_stats(&v, 3, 3, 0);
}

#[test]
fn duplicate_ids_in_a_convokit_corpus_name_both_lines() {
    let dir = temp_dir("bad-dup");
    let p = write(
        &dir,
        "c/utterances.jsonl",
        "{\"id\":\"u1\",\"conversation_id\":\"u1\",\"text\":\"a\"}\n{\"id\":\"u1\",\"conversation_id\":\"u1\",\"text\":\"b\"}\n",
    );
    let r = run(&["parse", &p]).expect_code(2);
    let line = error_line(&r);
    assert!(
        line.contains("utterances.jsonl:2") && line.contains("duplicate"),
        "{}",
        r.stderr
    );
    let v = run(&["parse", "--lenient", "--quiet", &p])
        .expect_code(0)
        .json();
    assert_stats(&v, 2, 1, 1);
}

#[test]
fn disqus_entity_bomb_is_refused_not_expanded() {
    let dir = temp_dir("bad-bomb");
    let dtd = crate::util::billion_laughs_dtd("disqus");
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{dtd}<disqus xmlns=\"http://disqus.com\" xmlns:dsq=\"http://disqus.com/disqus-internals\">\n<thread dsq:id=\"1\"><link>http://a.org/x/</link><title>X</title></thread>\n<post dsq:id=\"5\"><message>&lol9;</message><thread dsq:id=\"1\"/></post>\n<post dsq:id=\"6\"><message>fine</message><thread dsq:id=\"1\"/></post>\n</disqus>\n"
    );
    let p = write(&dir, "bomb.xml", &doc);
    let r = run(&["parse", &p]).expect_code(2);
    assert!(
        error_line(&r).ends_with(
            "bomb.xml:16 (record 1): undefined entity &lol9; (expected only &lt; &gt; &amp; &quot; &apos; or a character reference; custom DTD entities are not expanded)"
        ),
        "{}",
        r.stderr
    );
    let r = run(&["parse", "--lenient", &p]).expect_code(0);
    let v = r.json();
    assert_stats(&v, 2, 1, 1);
    assert_eq!(comments(&v)[0]["text"], "fine");
    assert!(r.stdout.len() < 10_000);
    assert!(
        r.stderr
            .contains("the DOCTYPE was ignored (entities it declares are not expanded)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("note: 2 records read, 1 parsed, 1 skipped")
    );
}

#[test]
fn deeply_nested_json_and_xml_fail_or_parse_without_overflow() {
    let dir = temp_dir("bad-nest");
    let arrays = write(
        &dir,
        "deep.json",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
    for (format, message) in [
        (
            "reddit",
            "deep.json:1 (record 1): expected one reddit JSON object per line: recursion limit exceeded at line 1 column 128",
        ),
        (
            "iac",
            "deep.json:1: expected an IAC discussion ([posts, annotations, meta]): recursion limit exceeded at line 1 column 128",
        ),
        ("hn", "deep.json: record 1: item 1: expected a JSON object"),
    ] {
        let r = run(&["parse", "--format", format, &arrays]).expect_code(2);
        assert!(error_line(&r).ends_with(message), "{format}: {}", r.stderr);
    }
    // 10,000 nested elements inside a Disqus message: streamed, the text is kept.
    let doc = format!(
        "<?xml version=\"1.0\"?>\n<disqus xmlns=\"http://disqus.com\" xmlns:dsq=\"http://disqus.com/disqus-internals\">\n<thread dsq:id=\"1\"><link>http://a.org/x/</link></thread>\n<post dsq:id=\"5\"><message>{}deep{}</message><thread dsq:id=\"1\"/></post>\n</disqus>\n",
        "<b>".repeat(10_000),
        "</b>".repeat(10_000)
    );
    let p = write(&dir, "deep.xml", doc);
    let v = run(&["parse", &p]).expect_code(0).json();
    assert_stats(&v, 1, 1, 0);
}

/// Every file under `tests/fixtures`, sorted, and the directories a reader takes whole.
fn fixture_inputs() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![crate::util::root().join("tests/fixtures")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if p.join("utterances.jsonl").is_file() {
                    out.push(p.clone());
                }
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// read = parsed + skipped, and parsed = the comments in the output.
fn assert_nothing_lost(v: &Value, what: &str) {
    let s = &v["stats"];
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("read"), n("parsed") + n("skipped"), "{what}: {s}");
    assert_eq!(comments(v).len() as u64, n("parsed"), "{what}: {s}");
    assert!(s["warnings"].is_array(), "{what}: {s}");
}

#[test]
fn every_fixture_accounts_for_every_record() {
    let mut parsed_inputs = 0;
    let mut smallest: std::collections::BTreeMap<String, (u64, std::path::PathBuf)> =
        Default::default();
    for p in fixture_inputs() {
        let path = p.to_string_lossy().into_owned();
        let r = run(&["parse", "--quiet", &path]);
        if r.code != 0 {
            // Side files (rule files, label tables, quote lists) are not threads: refused
            // with one line naming them.
            let r = r.expect_code(2);
            assert!(error_line(&r).contains(&path), "{}", r.stderr);
            continue;
        }
        let v = r.json();
        assert_nothing_lost(&v, &path);
        parsed_inputs += 1;
        let format = v["threads"][0]["format"]
            .as_str()
            .unwrap_or("none")
            .to_string();
        let size = if p.is_dir() {
            u64::MAX
        } else {
            std::fs::metadata(&p).unwrap().len()
        };
        let e = smallest.entry(format).or_insert((size, p.clone()));
        if size < e.0 {
            *e = (size, p.clone());
        }
    }
    // Tables whose columns need naming, and a ConvoKit corpus written by `export`.
    let dir = temp_dir("bad-accounting");
    let conv = dir.join("convokit");
    let conv = conv.to_string_lossy();
    let synth = crate::util::fixture("jsonl/synth-300.jsonl");
    run(&[
        "export",
        "--quiet",
        "--to",
        "convokit",
        "--out",
        &conv,
        &synth.to_string_lossy(),
    ])
    .expect_code(0);
    let csv = |f: &str| {
        crate::util::fixture(&format!("csv/{f}"))
            .to_string_lossy()
            .into_owned()
    };
    let extra: [(String, Vec<&str>); 4] = [
        (
            csv("comments_val.csv"),
            vec![
                "--id-col",
                "comment_id",
                "--parent-col",
                "parent_comment_id",
                "--text-col",
                "content",
            ],
        ),
        (
            csv("davidson-hate-offensive-labeled.csv"),
            vec!["--text-col", "tweet"],
        ),
        (
            csv("jigsaw-test-examples-101.csv"),
            vec!["--text-col", "comment_text"],
        ),
        (conv.to_string(), vec![]),
    ];
    for (path, flags) in &extra {
        let mut args = vec!["parse", "--quiet", path.as_str()];
        args.extend(flags);
        let v = run(&args).expect_code(0).json();
        assert_nothing_lost(&v, path);
        parsed_inputs += 1;
    }
    smallest.insert(
        "convokit".into(),
        (0, dir.join("convokit/utterances.jsonl")),
    );
    smallest.insert(
        "csv".into(),
        (0, crate::util::fixture("csv/jigsaw-test-examples-101.csv")),
    );
    assert!(parsed_inputs >= 30, "{parsed_inputs}");
    assert_eq!(
        smallest.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "convokit", "csv", "disqus", "hn", "html", "iac", "jsonl", "reddit", "text", "wxr"
        ]
    );
    // Damaged copies of the smallest fixture of each format, read leniently: either a clear
    // error naming the copy, or every record is accounted for.
    let dir = temp_dir("bad-damaged");
    for (format, (_, p)) in &smallest {
        let bytes = std::fs::read(p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let half = &bytes[..bytes.len() / 2];
        let mut junk = bytes.clone();
        let at = bytes.len() / 3;
        junk.splice(at..at, b"\n}}]]>\"<<garbage \xff\n".iter().copied());
        for (label, damaged) in [("half", half.to_vec()), ("junk", junk)] {
            let copy = write(&dir, &format!("{format}-{label}/{name}"), damaged);
            let mut args = vec!["parse", "--lenient", "--quiet", "--format", format, &copy];
            if format == "csv" {
                args.extend(["--text-col", "comment_text"]);
            }
            let r = run(&args);
            if r.code == 0 {
                assert_nothing_lost(&r.json(), &copy);
            } else {
                let r = r.expect_code(2);
                assert!(error_line(&r).contains(&copy), "{copy}: {}", r.stderr);
            }
        }
    }
}

/// Every file under `dir`, relative, sorted, with its bytes.
fn tree_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn analyze_twice_on_fixtures_of_several_formats_is_byte_identical() {
    let inputs = [
        "html/thenervousbreakdown.com.loneliest.html",
        "wxr/64-block-test-data.xml",
        "reddit/cmv-ah-175_t1_dlqrux0.jsonl",
        "hn/firebase-items.json",
        "text/blogger-said.txt",
        "iac/discussion-6585.json",
    ]
    .map(|f| crate::util::fixture(f).to_string_lossy().into_owned());
    let runs: Vec<Vec<(String, Vec<u8>)>> = ["a", "b"]
        .iter()
        .map(|name| {
            let dir = temp_dir(&format!("bad-det-{name}"));
            let out = dir.join("out").to_string_lossy().into_owned();
            // A fixed k: automatic k runs many clusterings and is slow in debug builds.
            let mut args = vec![
                "analyze", "--quiet", "--seed", "11", "--k", "3", "--out", &out,
            ];
            args.extend(inputs.iter().map(String::as_str));
            run(&args).expect_code(0);
            tree_files(&dir.join("out"))
        })
        .collect();
    let names: Vec<&str> = runs[0].iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"report.html") && names.len() >= 8,
        "{names:?}"
    );
    assert_eq!(
        names,
        runs[1].iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in runs[0].iter().zip(&runs[1]) {
        assert!(x == y, "{name} differs between two runs with the same seed");
    }
}

#[test]
fn names_taken_from_input_never_escape_the_output_directory() {
    let dir = temp_dir("bad-paths");
    // Thread, comment and author ids shaped like paths, and a file name that looks like one.
    let p = write(
        &dir,
        "in/..%2F..%2Fevil.jsonl",
        concat!(
            r#"{"id":"../../../x","thread_id":"../../escape","author":"/etc/passwd","text":"first comment about paths"}"#,
            "\n",
            r#"{"id":"..\\..\\y","parent_id":"../../../x","thread_id":"../../escape","author":"C:\\evil","text":"second comment replying"}"#,
            "\n",
            r#"{"id":"/abs","thread_id":"/tmp/abs","author":"~root","text":"third comment elsewhere"}"#,
            "\n"
        ),
    );
    let out = |name: &str| dir.join("out").join(name).to_string_lossy().into_owned();
    run(&[
        "analyze",
        "--quiet",
        "--k",
        "2",
        "--out",
        &out("analyze"),
        &p,
    ])
    .expect_code(0);
    for to in ["csv", "convokit", "ndjson"] {
        run(&["export", "--quiet", "--to", to, "--out", &out(to), &p]).expect_code(0);
    }
    let convokit = dir.join("out/convokit/utterances.jsonl");
    let v = run(&["parse", "--quiet", &convokit.to_string_lossy()])
        .expect_code(0)
        .json();
    assert_eq!(comments(&v).len(), 3);
    // Everything written is under out/<command>/, and only the input is elsewhere.
    let files: Vec<String> = tree_files(&dir).into_iter().map(|(n, _)| n).collect();
    for f in &files {
        assert!(
            f.starts_with("out/analyze/")
                || f.starts_with("out/csv/")
                || f.starts_with("out/convokit/")
                || f.starts_with("out/ndjson/")
                || f == "in/..%2F..%2Fevil.jsonl",
            "{f} written outside the output directories: {files:?}"
        );
        assert!(!f.contains("escape") && !f.contains("passwd"), "{f}");
    }
    assert!(files.len() > 10, "{files:?}");
}

#[test]
fn csv_export_prefixes_formulas_but_not_plain_negative_numbers() {
    let dir = temp_dir("bad-formula");
    let p = write(
        &dir,
        "f.jsonl",
        concat!(
            r#"{"id":"1","author":"=HYPERLINK(\"http://x\")","text":"-5"}"#,
            "\n",
            r#"{"id":"2","parent_id":"1","author":"-2+3","text":"@SUM(A1:A9)"}"#,
            "\n"
        ),
    );
    let out = dir.join("out");
    run(&[
        "export",
        "--quiet",
        "--to",
        "csv",
        "--out",
        &out.to_string_lossy(),
        &p,
    ])
    .expect_code(0);
    let csv = std::fs::read_to_string(out.join("comments.csv")).unwrap();
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
    assert!(csv.contains(",-5,") || csv.contains(",-5\n"), "{csv}");
    assert!(
        csv.contains("'-2+3") && csv.contains("'@SUM(A1:A9)"),
        "{csv}"
    );
    let raw = dir.join("raw");
    run(&[
        "export",
        "--quiet",
        "--to",
        "csv",
        "--no-csv-protect",
        "--out",
        &raw.to_string_lossy(),
        &p,
    ])
    .expect_code(0);
    let csv = std::fs::read_to_string(raw.join("comments.csv")).unwrap();
    assert!(csv.contains(",-2+3,") && !csv.contains("'@SUM"), "{csv}");
}
