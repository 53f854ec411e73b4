//! Issue 6: moderation rules, queue, decisions, back-test and cluster review.

use crate::util::{fixture, run, temp_dir, write};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use threadlens::analyze::{ClusterSummary, Clustering, ReplyStance, Stance, Stances, Unit};
use threadlens::model::{Comment, Corpus, Format, Thread, Timestamp};
use threadlens::moderate::rule::DEFAULT_REGEX_SIZE_LIMIT;
use threadlens::moderate::{ModerationContext, Rule, moderate, review, rulefile, rules};

const YALTA: &str = "threads/004-informed-comment-new-yalta.txt";

fn flags(v: &Value) -> &Vec<Value> {
    v["flags"].as_array().expect("flags array")
}

fn flags_of<'a>(v: &'a Value, comment: &str) -> Vec<&'a Value> {
    flags(v)
        .iter()
        .filter(|f| f["comment_id"] == comment)
        .collect()
}

fn evidence(f: &Value) -> Vec<String> {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

fn c(n: u32) -> String {
    format!("004-informed-comment-new-yalta-c{n}")
}

#[test]
fn seed_004_queue_meets_the_acceptance_criteria() {
    let out = run(&["moderate", YALTA, "--format", "json", "-q"]).expect_code(1);
    let v = out.json();
    // Comment numbered "1" (c1): the insult rule, evidence "gobshite".
    let f1 = flags_of(&v, &c(1));
    assert_eq!(f1.len(), 1, "{f1:?}");
    assert_eq!(f1[0]["rule"], "insults");
    assert_eq!(evidence(f1[0]), ["gobshite"]);
    let span = &f1[0]["evidence"][0];
    assert_eq!(
        span["end"].as_u64().unwrap() - span["start"].as_u64().unwrap(),
        "gobshite".len() as u64
    );
    // Comment numbered "8" (c11): shouting.
    let f8 = flags_of(&v, &c(11));
    assert_eq!(f8.len(), 1);
    assert_eq!(f8[0]["rule"], "shouting");
    let ev = evidence(f8[0]);
    assert!(ev.contains(&"YALTA???".to_string()), "{ev:?}");
    assert!(ev.contains(&"NO thank you very much".to_string()), "{ev:?}");
    // Comment numbered "7" (c10): links.
    let f7 = flags_of(&v, &c(10));
    assert_eq!(f7.len(), 1);
    assert_eq!(f7[0]["rule"], "links");
    assert_eq!(
        evidence(f7[0]),
        ["link to counterpunch.org", "link to atimes.com"]
    );
    // Comment numbered "6" (c8, the Paris Peace proposal): nothing.
    assert!(flags_of(&v, &c(8)).is_empty());
    // Sorted by severity, most severe first; the JSON has exactly the documented keys.
    let rank = |s: &str| {
        ["critical", "high", "medium", "low"]
            .iter()
            .position(|x| *x == s)
    };
    let ranks: Vec<_> = flags(&v)
        .iter()
        .map(|f| rank(f["severity"].as_str().unwrap()).unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    let mut keys: Vec<&String> = flags(&v)[0].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "action",
            "comment_id",
            "evidence",
            "reason",
            "rule",
            "severity",
            "thread_id"
        ]
    );
}

#[test]
fn queue_is_deterministic_in_every_format() {
    for fmt in ["json", "csv", "table"] {
        let a = run(&["moderate", "threads/", "--format", fmt, "-q"]).expect_code(1);
        let b = run(&["moderate", "threads/", "--format", fmt, "-q"]).expect_code(1);
        assert_eq!(a.stdout, b.stdout, "{fmt}");
    }
    let csv = run(&["moderate", YALTA, "--format", "csv", "-q"]).expect_code(1);
    assert!(csv.stdout.starts_with(
        "comment_id,thread_id,rule,severity,action,reason,evidence,evidence_spans,decision\n"
    ));
    assert!(
        csv.stdout
            .contains("link to counterpunch.org | link to atimes.com")
    );
    let table = run(&["moderate", YALTA, "-q"]).expect_code(1);
    assert!(
        table.stdout.contains("insult: \"gobshite\""),
        "{}",
        table.stdout
    );
}

#[test]
fn simplest_rule_file_and_exit_codes() {
    let dir = temp_dir("mod-simple");
    let rules = write(
        &dir,
        "r.toml",
        "[[rule]]\nid = \"yalta\"\npattern = \"yalta\\\\?+\"\naction = \"flag\"\n",
    );
    let v = run(&[
        "moderate", YALTA, "--rules", &rules, "--format", "json", "-q",
    ])
    .expect_code(1)
    .json();
    assert_eq!(flags(&v).len(), 1);
    assert_eq!(evidence(&flags(&v)[0]), ["YALTA???"]);
    assert_eq!(flags(&v)[0]["severity"], "medium");
    assert_eq!(flags(&v)[0]["reason"], "yalta: \"YALTA???\"");
    // Case-sensitive and word-bounded: "Yalta" in other comments no longer counts, nor "NoNo".
    let none = write(
        &dir,
        "none.toml",
        "[[rule]]\nid = \"x\"\npattern = \"No\"\ncase_sensitive = true\nword_boundary = true\nfields = [\"author\"]\n",
    );
    let out = run(&["moderate", YALTA, "--rules", &none, "-q"]).expect_code(0);
    assert!(out.stdout.contains("0 flags"), "{}", out.stdout);
    // --with-builtin adds the built-in rules.
    let v = run(&[
        "moderate",
        YALTA,
        "--rules",
        &rules,
        "--with-builtin",
        "--format",
        "json",
        "-q",
    ])
    .expect_code(1)
    .json();
    assert_eq!(flags(&v).len(), 4);
    // A bad rule file: exit 2 with file, line, rule and problem on stderr.
    let bad = write(&dir, "bad.toml", "[[rule]]\nid = \"b\"\npattern = \"(a\"\n");
    let out = run(&["moderate", YALTA, "--rules", &bad]).expect_code(2);
    assert!(
        out.stderr.contains(
            "bad.toml:3: rule \"b\": invalid regex \"(a\" at character 1: unclosed group"
        ),
        "{}",
        out.stderr
    );
}

/// Parses rule-file text and returns the error message.
fn rule_error(text: &str) -> String {
    match rulefile::parse(text, Path::new("rules.toml"), DEFAULT_REGEX_SIZE_LIMIT) {
        Ok(r) => panic!("expected an error, got {} rules", r.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn every_invalid_rule_case_has_a_clear_message() {
    let cases: &[(&str, &str)] = &[
        ("[[rule]]\nid = \"a\"\npattern = \"x\n", "rules.toml:3:"),
        (
            "[[rule]]\nid = \"a\"\npattern = \"x\"\n\n[[rule]]\nid = \"b\"\npatern = \"y\"\n",
            "rules.toml:7: rule \"b\": unknown field `patern`",
        ),
        (
            "[[rule]]\npattern = \"x\"\n",
            "rules.toml:1: missing field `id`",
        ),
        (
            "[[rule]]\nid = \"\"\npattern = \"x\"\n",
            "rules.toml:2: the rule id is empty",
        ),
        (
            "[[rule]]\nid = \"a b\"\npattern = \"x\"\n",
            "rules.toml:2: rule \"a b\": rule ids may hold letters",
        ),
        (
            "[[rule]]\nid = \"a\"\npattern = \"x\"\n[[rule]]\nid = \"a\"\npattern = \"y\"\n",
            "rules.toml:5: rule \"a\": duplicate rule id (first defined on line 1)",
        ),
        (
            "[[rule]]\nid = \"r\"\npattern = \"ab[c\"\n",
            "rules.toml:3: rule \"r\": invalid regex \"ab[c\" at character 3: unclosed character class",
        ),
        (
            "[[rule]]\nid = \"r\"\npattern = \"a{3,1}\"\n",
            "rules.toml:3: rule \"r\": invalid regex \"a{3,1}\" at character 2: invalid repetition count range",
        ),
        (
            "[[rule]]\nid = \"r\"\npattern = 3\n",
            "rules.toml:3: rule \"r\": invalid type: integer `3`, expected a string",
        ),
        (
            "[[rule]]\nid = \"r\"\nseverity = \"high\"\n",
            "rules.toml:1: rule \"r\": the rule has no checks",
        ),
        (
            "[[rule]]\nid = \"r\"\npattern = \"x\"\nseverity = \"urgent\"\n",
            "rules.toml:4: rule \"r\": unknown severity \"urgent\"; expected low, medium, high or critical",
        ),
        (
            "[[rule]]\nid = \"r\"\npattern = \"x\"\naction = \"ban\"\n",
            "rules.toml:4: rule \"r\": unknown action \"ban\"; expected flag, hold, remove or approve",
        ),
        (
            "[[rule]]\nid = \"r\"\npattern = \"x\"\nfields = [\"body\"]\n",
            "rules.toml:4: rule \"r\": unknown field \"body\"; expected text, author, links or title",
        ),
        (
            "[[rule]]\nid = \"r\"\npattern = \"x\"\nstance = \"against\"\n",
            "rules.toml:4: rule \"r\": unknown stance \"against\"; expected agree, rebut or neutral",
        ),
        (
            "[[rule]]\nid = \"r\"\ncaps_share_min = 1.5\n",
            "rules.toml:3: rule \"r\": caps_share_min = 1.5 is outside 0..=1",
        ),
        (
            "[[rule]]\nid = \"r\"\npunct_run_min = 1\n",
            "rules.toml:3: rule \"r\": punct_run_min = 1 must be at least 2",
        ),
        (
            "[[rule]]\nid = \"r\"\npattern = \"x\"\nreason = \"{{who}} said it\"\n",
            "rules.toml:4: rule \"r\": unknown placeholder {{who}} in reason",
        ),
        (
            "[[rule]]\nid = \"r\"\nwords = []\n",
            "rules.toml:3: rule \"r\": words is empty",
        ),
        (
            "[[rule]]\nid = \"r\"\nwords_file = \"missing-words.txt\"\n",
            "rules.toml:3: rule \"r\": words_file missing-words.txt:",
        ),
        (
            "[[rule]]\nid = \"r\"\nwords_builtin = \"swearing\"\n",
            "rules.toml:3: rule \"r\": unknown built-in word list \"swearing\"; expected one of: insults",
        ),
        (
            "[[rule]]\nid = \"r\"\ndepth_min = 3\ndepth_max = 1\n",
            "rules.toml:4: rule \"r\": depth_min = 3 is greater than depth_max = 1",
        ),
        (
            "[[rule]]\nid = \"r\"\nlength_min = 30\nlength_max = 10\n",
            "rules.toml:4: rule \"r\": length_min = 30 is greater than length_max = 10",
        ),
        (
            "[[rule]]\nid = \"r\"\npattern = \"x\"\nparent_flagged_by = [\"nope\"]\n",
            "rules.toml:4: rule \"r\": parent_flagged_by names rule \"nope\"",
        ),
        (
            "[[rules]]\nid = \"r\"\n",
            "rules.toml:1: unknown field `rules`",
        ),
        (
            "# nothing yet\n",
            "rules.toml:1: the file defines no [[rule]] tables",
        ),
    ];
    for (text, want) in cases {
        let got = rule_error(text);
        assert!(
            got.contains(want),
            "for {text:?}\n  got: {got}\n want: {want}"
        );
    }
}

#[test]
fn a_regex_over_the_size_limit_is_refused() {
    let text = "[[rule]]\nid = \"huge\"\npattern = \"\\\\w{200}\\\\w{200}\"\n";
    let e = rulefile::parse(text, Path::new("big.toml"), 100_000).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("big.toml:3: rule \"huge\": regex"), "{msg}");
    assert!(
        msg.contains("exceeds the size limit of 100000 bytes"),
        "{msg}"
    );
    // The CLI flag sets the limit.
    let dir = temp_dir("mod-big");
    let f = write(&dir, "big.toml", text);
    let out = run(&[
        "moderate",
        YALTA,
        "--rules",
        &f,
        "--regex-size-limit",
        "100000",
    ])
    .expect_code(2);
    assert!(
        out.stderr.contains("exceeds the size limit"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_regex_built_to_be_slow_runs_in_linear_time() {
    // `(a+)+$` backtracks exponentially in PCRE-style engines on "aaaa…!"; the regex crate
    // guarantees linear time, so 100,000 a's take milliseconds, not ages.
    let text = "[[rule]]\nid = \"redos\"\npattern = \"(a+)+$\"\n[[rule]]\nid = \"redos2\"\npattern = \"(a|aa)*b\"\n";
    let rs = rulefile::parse(text, Path::new("r.toml"), DEFAULT_REGEX_SIZE_LIMIT).unwrap();
    let corpus = one_thread(&[(&format!("{}!", "a".repeat(100_000)), None)]);
    let t = Instant::now();
    let m = moderate(&corpus, &rs, &ModerationContext::default());
    assert!(m.hits.is_empty());
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn ten_thousand_rules_load_and_run_in_bounded_time() {
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&format!(
            "[[rule]]\nid = \"r{i}\"\npattern = \"\\\\bterm{i}x\\\\b\"\nseverity = \"low\"\n\n"
        ));
    }
    // One rule that does match, last in the file.
    text.push_str("[[rule]]\nid = \"hit\"\npattern = \"Yalta\"\n");
    let dir = temp_dir("mod-10k");
    let path = dir.join("many.toml");
    std::fs::write(&path, &text).unwrap();
    let t = Instant::now();
    let rs = rulefile::load(&path, DEFAULT_REGEX_SIZE_LIMIT).unwrap();
    assert_eq!(rs.len(), 10_001);
    let corpus = one_thread(&[
        (
            "A New Yalta? Can France craft an alliance of Putin & Obama?",
            None,
        ),
        (
            "Die Abmahnungen sind ein Problem für die Blogger, über Yalta.",
            Some(0),
        ),
        (
            "NO thank you very much, the Yalta analogy is a bad one.",
            None,
        ),
    ]);
    let m = moderate(&corpus, &rs, &ModerationContext::default());
    let elapsed = t.elapsed();
    assert!(m.hits.iter().all(|h| h.flag.rule == "hit"));
    assert_eq!(m.hits.len(), 3);
    // Debug build on a shared 2-core machine: generous, but bounded (about 10 s here).
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
}

/// A thread of (text, parent index) comments, linked.
fn one_thread(comments: &[(&str, Option<usize>)]) -> Corpus {
    let mut t = Thread::new("t", "test", Format::Jsonl);
    for (i, (text, parent)) in comments.iter().enumerate() {
        let mut c = Comment::new(format!("t-c{}", i + 1), i as u32 + 1, *text);
        c.parent_id = parent.map(|p| format!("t-c{}", p + 1));
        c.author = Some(format!("user{}", i % 2));
        c.timestamp = Some(Timestamp(1_000_000 + 60 * i as i64));
        t.comments.push(c);
    }
    t.link().unwrap();
    Corpus {
        threads: vec![t],
        ..Corpus::default()
    }
}

fn stances(n: usize, of: &[(usize, Stance)]) -> Stances {
    let mut row = vec![None; n];
    for &(i, s) in of {
        row[i] = Some(ReplyStance {
            stance: s,
            confidence: 0.9,
            evidence: Vec::new(),
        });
    }
    Stances {
        replies: vec![row],
        source: "test".into(),
    }
}

fn ids(m: &threadlens::moderate::Moderation, rule: &str) -> Vec<String> {
    m.hits
        .iter()
        .filter(|h| h.flag.rule == rule)
        .map(|h| h.flag.comment_id.clone())
        .collect()
}

#[test]
fn context_rule_flags_insulting_rebuttals_only() {
    let rs = rulefile::load(
        &fixture("moderate/rebut-insult.toml"),
        DEFAULT_REGEX_SIZE_LIMIT,
    )
    .unwrap();
    let corpus = one_thread(&[
        ("You gobshite, the plan is fine.", None), // top level: depth 0
        ("No, you idiot, it is not.", Some(0)),    // rebuts with an insult
        ("Yes, and the idiot critics agree.", Some(0)), // agrees, insult word
        ("No, that is wrong.", Some(0)),           // rebuts, no insult
    ]);
    let st = stances(
        4,
        &[(1, Stance::Rebut), (2, Stance::Agree), (3, Stance::Rebut)],
    );
    let ctx = ModerationContext {
        stances: Some(&st),
        clusters: None,
    };
    let m = moderate(&corpus, &rs, &ctx);
    assert_eq!(ids(&m, "rebut-insult"), ["t-c2"]);
    let f = &m.hits[0].flag;
    assert_eq!(f.reason, "user1 rebuts with \"idiot\" (rebut-insult)");
    assert_eq!(f.severity, threadlens::moderate::Severity::Critical);
    assert_eq!(f.action, threadlens::moderate::Action::Remove);
    // Without stance results the rule matches nothing and says why.
    let m = moderate(&corpus, &rs, &ModerationContext::default());
    assert!(m.hits.is_empty());
    assert!(
        m.warnings[0].contains("no stance results"),
        "{:?}",
        m.warnings
    );
}

#[test]
fn other_context_checks_parent_author_latency_cluster() {
    let text = r#"
[[rule]]
id = "insult"
words_builtin = "insults"
[[rule]]
id = "pile-on"
pattern = "."
parent_flagged_by = ["insult"]
[[rule]]
id = "repeat-offender"
pattern = "."
author_flags_min = 1
[[rule]]
id = "quick"
pattern = "."
depth_min = 1
latency_max_secs = 60
[[rule]]
id = "in-cluster"
pattern = "."
cluster = [7]
"#;
    let rs = rulefile::parse(text, Path::new("ctx.toml"), DEFAULT_REGEX_SIZE_LIMIT).unwrap();
    let corpus = one_thread(&[
        ("what an idiot", None),   // c1 user0, flagged insult
        ("indeed", Some(0)),       // c2 user1, parent flagged, 60 s after
        ("a fresh thought", None), // c3 user0: author had 1 earlier flag
        ("reply", Some(2)),        // c4 user1, 60 s after c3
        ("late reply", Some(0)),   // c5 user0, 240 s after c1
    ]);
    let clusters = vec![vec![None, Some(7), None, Some(3), Some(7)]];
    let ctx = ModerationContext {
        stances: None,
        clusters: Some(&clusters),
    };
    let m = moderate(&corpus, &rs, &ctx);
    assert_eq!(ids(&m, "insult"), ["t-c1"]);
    assert_eq!(ids(&m, "pile-on"), ["t-c2", "t-c5"]);
    // user0 has the insult on c1 before c3 and c5; user1 has c2's first-pass flags (quick,
    // in-cluster) before c4.
    assert_eq!(ids(&m, "repeat-offender"), ["t-c3", "t-c4", "t-c5"]);
    assert_eq!(ids(&m, "quick"), ["t-c2", "t-c4"]);
    assert_eq!(ids(&m, "in-cluster"), ["t-c2", "t-c5"]);
    // Hits stay in corpus order, rules in file order within a comment.
    let order: Vec<(String, String)> = m
        .hits
        .iter()
        .map(|h| (h.flag.comment_id.clone(), h.flag.rule.clone()))
        .collect();
    assert_eq!(order[0], ("t-c1".into(), "insult".into()));
    assert_eq!(order[1], ("t-c2".into(), "pile-on".into()));
}

#[test]
fn thresholds_in_rule_files() {
    let text = r#"
[[rule]]
id = "caps"
caps_share_min = 0.8
caps_min_letters = 10
[[rule]]
id = "qq"
punct_run_min = 3
[[rule]]
id = "many-links"
links_min = 2
[[rule]]
id = "long"
length_min = 60
[[rule]]
id = "sooo"
repeated_chars_min = 5
[[rule]]
id = "dup"
duplicate_similarity_min = 0.9
[[rule]]
id = "shouty-words"
shouted_words_min = 2
"#;
    let rs = rulefile::parse(text, Path::new("t.toml"), DEFAULT_REGEX_SIZE_LIMIT).unwrap();
    let copy = "This exact paragraph was pasted into the thread twice by the same account today.";
    let corpus = one_thread(&[
        ("THIS IS ALL CAPITALS TEXT", None),
        ("really??? soooooo", None),
        ("see https://a.org and www.b.com", None),
        (copy, None),
        (copy, None),
        ("NO, and THE end", None),
    ]);
    let m = moderate(&corpus, &rs, &ModerationContext::default());
    assert_eq!(ids(&m, "caps"), ["t-c1"]);
    assert_eq!(ids(&m, "qq"), ["t-c2"]);
    assert_eq!(ids(&m, "many-links"), ["t-c3"]);
    assert_eq!(ids(&m, "long"), ["t-c4", "t-c5"]);
    assert_eq!(ids(&m, "sooo"), ["t-c2"]);
    assert_eq!(ids(&m, "dup"), ["t-c5"]);
    assert_eq!(ids(&m, "shouty-words"), ["t-c1", "t-c6"]);
    let dup = m.hits.iter().find(|h| h.flag.rule == "dup").unwrap();
    assert!(dup.flag.reason.contains(copy), "{}", dup.flag.reason);
}

fn builtin(id: &str) -> Vec<Rule> {
    vec![rules::by_id(id).unwrap()]
}

#[test]
fn builtin_personal_attack_contact_duplicate_and_off_topic() {
    let corpus = one_thread(&[
        ("You are an idiot if you believe that.", None),
        ("People like you ruin every debate.", None),
        ("I think you are right about the pipeline.", None),
        (
            "Mail me at jo.smith@example.org or call +44 20 7946 0958.",
            None,
        ),
        ("The war in 1998 cost 20000 lives.", None),
    ]);
    let m = moderate(&corpus, &builtin("personal-attack"), &Default::default());
    assert_eq!(ids(&m, "personal-attack"), ["t-c1", "t-c2"]);
    assert_eq!(m.hits[0].flag.evidence[0].text, "You are an idiot");
    assert_eq!(m.hits[1].flag.evidence[0].text, "People like you");
    let m = moderate(&corpus, &builtin("contact"), &Default::default());
    assert_eq!(ids(&m, "contact"), ["t-c4"]);
    let ev: Vec<&str> = m.hits[0]
        .flag
        .evidence
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(ev, ["jo.smith@example.org", "+44 20 7946 0958"]);

    // Off-topic: a recipe under a thread about Syria; the on-topic replies are not flagged.
    let mut syria = one_thread(&[
        (
            "Russia and France bombing Syria will not defeat Daesh without a political settlement for Assad.",
            None,
        ),
        (
            "A political settlement in Syria needs Russia, France and the Syrian opposition to agree on Assad.",
            None,
        ),
        (
            "Bake the sourdough loaf at two hundred degrees with rye flour, salt, water and a spoon of honey until the crust cracks beautifully golden.",
            None,
        ),
    ]);
    syria.threads[0].post.title = Some("France and Russia team up against Daesh in Syria".into());
    syria.threads[0].post.paragraphs = vec![
        "France and Russia agreed to coordinate bombing of Daesh in Syria; the fate of Assad divides them and any political settlement.".into(),
        "Hollande met Putin in Moscow after the Paris attacks; Obama was cautious, Turkey shot down a Russian jet, and the refugees kept coming through Greece and the Balkans.".into(),
    ];
    let m = moderate(&syria, &builtin("off-topic"), &Default::default());
    assert_eq!(ids(&m, "off-topic"), ["t-c3"]);
    // In an argument cluster, a comment is on topic by definition.
    let clusters = vec![vec![None, None, Some(0)]];
    let ctx = ModerationContext {
        stances: None,
        clusters: Some(&clusters),
    };
    assert!(
        moderate(&syria, &builtin("off-topic"), &ctx)
            .hits
            .is_empty()
    );
}

fn decide(args: &[&str]) -> crate::util::Run {
    let mut all = vec!["decide"];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn decisions_persist_across_runs_and_undo_restores() {
    let dir = temp_dir("mod-decide");
    let db = dir.join("d.db").to_string_lossy().into_owned();
    let queue = |extra: &[&str]| {
        let mut a = vec!["moderate", YALTA, "--db", &db, "--format", "json", "-q"];
        a.extend_from_slice(extra);
        run(&a)
    };
    let first = queue(&[]).expect_code(1).json();
    assert_eq!(flags(&first).len(), 3);
    // Unknown comment: refused, nothing written.
    let out = decide(&["nope-c1", "remove", "--by", "ann", "--db", &db]).expect_code(2);
    assert!(
        out.stderr.contains("is not in the queue recorded there"),
        "{}",
        out.stderr
    );
    let out = decide(&["x", "ban", "--by", "ann", "--db", &db]).expect_code(2);
    assert!(
        out.stderr.contains("unknown decision \"ban\""),
        "{}",
        out.stderr
    );
    decide(&[
        &c(1),
        "remove",
        "--by",
        "ann",
        "--note",
        "insult",
        "--db",
        &db,
    ])
    .expect_code(0);
    decide(&[&c(10), "approve", "--by", "bob", "--db", &db]).expect_code(0);
    // A new process: decided comments are hidden.
    let second = queue(&[]).expect_code(1).json();
    let left: Vec<&str> = flags(&second)
        .iter()
        .map(|f| f["comment_id"].as_str().unwrap())
        .collect();
    assert_eq!(left, [c(11).as_str()]);
    // --all shows them, with the decision and no wall-clock time.
    let all = queue(&["--all"]).expect_code(1);
    let v = all.json();
    let d = &flags_of(&v, &c(1))[0]["decision"];
    assert_eq!(d["decision"], "remove");
    assert_eq!(d["by"], "ann");
    assert_eq!(d["note"], "insult");
    assert_eq!(d["matched_by"], "id");
    assert!(!all.stdout.contains("decided_at"));
    // Re-exported data (new file name → new comment ids): found again by content hash.
    let copy = dir.join("yalta-reexport.txt");
    std::fs::copy(YALTA, &copy).unwrap();
    let v = run(&[
        "moderate",
        copy.to_str().unwrap(),
        "--db",
        &db,
        "--format",
        "json",
        "--all",
        "-q",
    ])
    .expect_code(1)
    .json();
    let f = flags_of(&v, "yalta-reexport-c1");
    assert_eq!(f[0]["decision"]["matched_by"], "content-hash");
    // Undo (both spellings) brings the comments back.
    decide(&["--undo", &c(1), "--by", "ann", "--db", &db]).expect_code(0);
    decide(&[&c(10), "undo", "--by", "bob", "--db", &db]).expect_code(0);
    assert_eq!(flags(&queue(&[]).expect_code(1).json()).len(), 3);
    let out = decide(&["--undo", &c(1), "--by", "ann", "--db", &db]).expect_code(2);
    assert!(out.stderr.contains("no decision on"), "{}", out.stderr);
    // All flags decided: the queue is empty and the exit code 0.
    for n in [1, 10, 11] {
        decide(&[&c(n), "hold", "--by", "cy", "--db", &db]).expect_code(0);
    }
    let out = run(&["moderate", YALTA, "--db", &db]).expect_code(0);
    assert!(out.stdout.contains("3 hidden as decided"), "{}", out.stdout);
}

#[test]
fn concurrent_decide_processes_lose_nothing() {
    let dir = temp_dir("mod-concurrent");
    let db = dir.join("d.db").to_string_lossy().into_owned();
    run(&["moderate", YALTA, "--db", &db, "-q"]).expect_code(1);
    let workers: Vec<_> = ["ann", "bob"]
        .into_iter()
        .map(|who| {
            let db = db.clone();
            std::thread::spawn(move || {
                for _ in 0..8 {
                    for n in [1, 10, 11] {
                        decide(&[&c(n), "hold", "--by", who, "--db", &db]).expect_code(0);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let store = threadlens::moderate::decisions::Store::open(Path::new(&db)).unwrap();
    assert_eq!(store.log_len().unwrap(), 2 * 8 * 3);
    let standing = store.standing().unwrap();
    assert_eq!(standing.len(), 48);
    assert!(standing.iter().all(|d| d.flags.len() == 1));
}

#[test]
fn backtest_on_cmv_and_davidson_fixtures() {
    let out = run(&[
        "moderate",
        "--backtest",
        "cmv",
        fixture("moderate/cmv").to_str().unwrap(),
        "--format",
        "json",
    ])
    .expect_code(0);
    let v = out.json();
    assert_eq!(v["items"], 2);
    assert_eq!(v["positives"], 1);
    let pa = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "personal-attack")
        .unwrap();
    assert_eq!((pa["tp"].as_u64(), pa["fp"].as_u64()), (Some(1), Some(0)));
    assert_eq!(pa["precision"], 1.0);
    assert_eq!(pa["recall"], 1.0);

    let out = run(&[
        "moderate",
        "--backtest",
        "davidson",
        fixture("moderate/davidson-small.csv").to_str().unwrap(),
        "--format",
        "csv",
    ])
    .expect_code(0);
    // Rows: insult (1, hit), neither, multi-line offensive (miss), quoted "idiot" (neither,
    // hit), hate with "idiot" (hit).
    assert!(
        out.stdout
            .contains("\ninsults,2,1,1,1,0.6667,0.6667,0.6667\n"),
        "{}",
        out.stdout
    );
    // A bad dataset: exit 2 naming file and line.
    let dir = temp_dir("mod-bt");
    let bad = write(&dir, "x_ah_1.json", "{\"body\": \"a\"}\nnot json\n");
    let out = run(&["moderate", "--backtest", "cmv", &bad]).expect_code(2);
    assert!(
        out.stderr.contains("x_ah_1.json:2: not a JSON object"),
        "{}",
        out.stderr
    );
}

#[test]
fn cluster_review_aggregates_flags_and_rebuttals() {
    let corpus = one_thread(&[
        ("Pipelines explain the war, you idiot.", None), // c1 cluster 0, flagged
        ("Pipelines matter a lot.", None),               // c2 cluster 0
        ("No, pipelines are a myth.", Some(1)),          // c3 cluster 1, rebuts c2
        ("Agreed on pipelines.", Some(1)),               // c4 cluster 1, agrees with c2
        ("Refugees are the issue.", None),               // c5 cluster 1
    ]);
    let unit = |c: u32, k: u32, text: &str| Unit {
        thread: 0,
        comment: Some(c),
        unit_index: 0,
        text: text.into(),
        cluster: Some(k),
    };
    let summary = |id: u32, label: &str, reps: Vec<usize>| ClusterSummary {
        id,
        label: label.into(),
        theme: None,
        terms: vec![],
        size: 0,
        silhouette: 0.5,
        representatives: reps,
    };
    let clustering = Clustering {
        units: vec![
            unit(0, 0, "Pipelines explain the war"),
            unit(1, 0, "Pipelines matter a lot."),
            unit(2, 1, "No, pipelines are a myth."),
            unit(3, 1, "Agreed on pipelines."),
            unit(4, 1, "Refugees are the issue."),
        ],
        clusters: vec![
            summary(0, "pipelines", vec![1, 0]),
            summary(1, "refugees", vec![4]),
        ],
        algorithm: "kmeans".into(),
        k: 2,
        k_scores: vec![],
    };
    let st = stances(5, &[(2, Stance::Rebut), (3, Stance::Agree)]);
    let m = moderate(&corpus, &builtin("insults"), &Default::default());
    let r = review::review(&corpus, &clustering, &review::flagged_by_hits(&m.hits), &st);
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[0].id, r[0].label.as_str(), r[0].size),
        (0, "pipelines", 2)
    );
    assert_eq!(r[0].representatives[0].comment_id, "t-c2");
    assert_eq!(r[0].flagged, 1);
    assert!((r[0].flag_rate - 0.5).abs() < 1e-9);
    assert_eq!((r[0].replies, r[0].rebuttals), (2, 1));
    assert_eq!(r[0].rebuttal_rate, Some(0.5));
    assert_eq!((r[1].size, r[1].flagged, r[1].replies), (3, 0, 0));
    assert_eq!(r[1].rebuttal_rate, None);
}

#[test]
fn pipeline_stage_fills_analysis_flags() {
    use threadlens::analyze::pipeline::{PipelineConfig, STAGE_MODERATE, Stage, run_stages};
    let corpus = threadlens::ingest::read_corpus(
        &[threadlens::ingest::InputFile::from_path(YALTA, true)],
        &Default::default(),
    )
    .unwrap();
    let stage = Stage {
        name: STAGE_MODERATE,
        run: threadlens::moderate::stage::run,
        needs: &[],
    };
    let a = run_stages(corpus, &PipelineConfig::default(), &[stage], &mut |_| {}).unwrap();
    assert!(a.ran(STAGE_MODERATE));
    let rules: Vec<&str> = a.flags.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["insults", "links", "shouting"]);
}

#[test]
fn approve_rules_take_comments_out_of_the_queue() {
    let dir = temp_dir("mod-approve");
    let rules = write(
        &dir,
        "r.toml",
        "[[rule]]\nid = \"trusted\"\nfields = [\"author\"]\npattern = \"^Eurofrank$\"\naction = \"approve\"\n",
    );
    let v = run(&[
        "moderate",
        YALTA,
        "--rules",
        &rules,
        "--with-builtin",
        "--format",
        "json",
        "-q",
    ])
    .expect_code(1)
    .json();
    assert!(flags_of(&v, &c(1)).is_empty());
    assert_eq!(flags(&v).len(), 2);
}

#[test]
fn backtest_against_recorded_decisions() {
    let dir = temp_dir("mod-bt-decisions");
    let db = dir.join("d.db").to_string_lossy().into_owned();
    run(&["moderate", YALTA, "--db", &db, "-q"]).expect_code(1);
    decide(&[&c(1), "remove", "--by", "ann", "--db", &db]).expect_code(0);
    decide(&[&c(11), "approve", "--by", "ann", "--db", &db]).expect_code(0);
    let v = run(&[
        "moderate",
        YALTA,
        "--backtest",
        "decisions",
        "--db",
        &db,
        "--format",
        "json",
        "-q",
    ])
    .expect_code(0)
    .json();
    assert_eq!(
        (v["items"].as_u64(), v["positives"].as_u64()),
        (Some(2), Some(1))
    );
    let rule = |id: &str| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(rule("insults")["tp"], 1);
    assert_eq!(rule("shouting")["fp"], 1);
    let out = run(&["moderate", YALTA, "--backtest", "decisions", "-q"]).expect_code(2);
    assert!(out.stderr.contains("needs --db"), "{}", out.stderr);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Whatever the bytes, loading rules or parsing back-test CSV returns, never panics.
    #[test]
    fn rule_files_and_csv_never_panic(text in "(\\[\\[rule\\]\\]\n|id = \"[a-z]{0,3}\"\n|pattern = \"[(\\[a-z*+?{}0-9,\\\\]{0,8}\"\n|[a-z_]{1,12} = [0-9.\"a-z\\[\\]]{0,6}\n|.{0,20})*") {
        let _ = rulefile::parse(&text, Path::new("p.toml"), 10_000);
        let _ = threadlens::text::csv::split_records(&text, ',');
    }
}

#[test]
fn cli_context_rules_read_stance_and_cluster_files() {
    let dir = temp_dir("mod-ctx-cli");
    let rules = write(
        &dir,
        "r.toml",
        "[[rule]]\nid = \"rebut-dismissal\"\npattern = \"incredible\"\ndepth_min = 1\nstance = \"rebut\"\n",
    );
    let mut replies = vec![Value::Null; 14];
    replies[1] = serde_json::json!({"stance": "agree", "confidence": 0.9, "evidence": []});
    replies[2] = serde_json::json!({"stance": "rebut", "confidence": 0.8, "evidence": []});
    let st = write(
        &dir,
        "stances.json",
        serde_json::json!({"replies": [replies], "source": "hand-built"}).to_string(),
    );
    let v = run(&[
        "moderate",
        YALTA,
        "--rules",
        &rules,
        "--stances",
        &st,
        "--format",
        "json",
        "-q",
    ])
    .expect_code(1)
    .json();
    let ids: Vec<&str> = flags(&v)
        .iter()
        .map(|f| f["comment_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [c(3).as_str()]);
    // Without stance results: nothing flagged, and a warning says why.
    let out = run(&["moderate", YALTA, "--rules", &rules]).expect_code(0);
    assert!(
        out.stderr.contains("no stance results were given"),
        "{}",
        out.stderr
    );
    // Results of the wrong shape are refused.
    let bad = write(
        &dir,
        "bad.json",
        serde_json::json!({"replies": [[null]], "source": "x"}).to_string(),
    );
    let out = run(&["moderate", YALTA, "--rules", &rules, "--stances", &bad]).expect_code(2);
    assert!(
        out.stderr.contains("results for 1 comments, but it has 14"),
        "{}",
        out.stderr
    );

    // A cluster decision hides every flagged comment of the cluster.
    let unit = |c: u32, k: u32| serde_json::json!({"thread": 0, "comment": c, "unit_index": 0, "text": "x", "cluster": k});
    let clustering = write(
        &dir,
        "clusters.json",
        serde_json::json!({
            "units": [unit(0, 5), unit(9, 5), unit(10, 2)],
            "clusters": [], "algorithm": "kmeans", "k": 2, "k_scores": []
        })
        .to_string(),
    );
    let db = dir.join("d.db").to_string_lossy().into_owned();
    decide(&["cluster:5", "hold", "--by", "ann", "--db", &db]).expect_code(0);
    let v = run(&[
        "moderate",
        YALTA,
        "--clustering",
        &clustering,
        "--db",
        &db,
        "--all",
        "--format",
        "json",
        "-q",
    ])
    .expect_code(1)
    .json();
    for n in [1, 10] {
        assert_eq!(flags_of(&v, &c(n))[0]["decision"]["matched_by"], "cluster");
    }
    assert!(flags_of(&v, &c(11))[0].get("decision").is_none());
}

#[test]
fn near_duplicates_are_found_across_threads_among_many_comments() {
    // 3,000 distinct comments (deterministic word mixes), then an edited copy of one of them
    // in another thread: only the copy is flagged, and it names the original.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64: deterministic pseudo-random word choices.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut texts: Vec<String> = (0..3000)
        .map(|_| {
            (0..30)
                .map(|_| format!("w{}", next() % 2000))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut copy: Vec<&str> = texts[1234].split(' ').collect();
    copy[15] = "changed";
    let copy = copy.join(" ");
    texts.push(copy);
    let mut a = Thread::new("a", "test", Format::Jsonl);
    let mut b = Thread::new("b", "test", Format::Jsonl);
    for (i, t) in texts.iter().enumerate() {
        let th = if i < 3000 { &mut a } else { &mut b };
        let n = th.comments.len() as u32 + 1;
        th.comments
            .push(Comment::new(format!("{}-c{n}", th.id), n, t.clone()));
    }
    let corpus = Corpus {
        threads: vec![a, b],
        ..Corpus::default()
    };
    let t = Instant::now();
    let m = moderate(&corpus, &builtin("duplicate"), &Default::default());
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    let flagged = ids(&m, "duplicate");
    assert_eq!(flagged.len(), 1, "{:?}", &flagged[..flagged.len().min(5)]);
    assert_eq!(flagged[0], "b-c1");
    assert!(
        m.hits[0].flag.reason.contains("to comment a-c1235"),
        "{}",
        m.hits[0].flag.reason
    );
}

#[test]
fn review_lists_clusters_with_flag_and_rebuttal_rates() {
    let r = run(&[
        "review",
        "threads/",
        "--themes",
        "threads/themes.toml",
        "--json",
        "-q",
    ])
    .expect_code(0);
    let v = r.json();
    let clusters = v["clusters"].as_array().unwrap();
    assert!(clusters.len() >= 3);
    let flagged: u64 = clusters
        .iter()
        .map(|c| c["flagged"].as_u64().unwrap())
        .sum();
    let replies: u64 = clusters
        .iter()
        .map(|c| c["replies"].as_u64().unwrap())
        .sum();
    let rebuttals: u64 = clusters
        .iter()
        .map(|c| c["rebuttals"].as_u64().unwrap())
        .sum();
    // Seed 004: three flagged comments (insult, shouting, links), three labelled replies of
    // which one rebuts (the "So far, NATO is not involved" reply).
    assert_eq!(flagged, 3, "{v}");
    assert_eq!(replies, 3, "{v}");
    assert_eq!(rebuttals, 1, "{v}");
    for c in clusters {
        for key in [
            "id",
            "label",
            "size",
            "representatives",
            "flag_rate",
            "rebuttal_rate",
        ] {
            assert!(c.get(key).is_some(), "cluster lacks {key}");
        }
    }
    let table = run(&["review", "threads/", "-q"]).expect_code(0);
    assert!(
        table.stdout.contains("decide cluster:<id>"),
        "{}",
        table.stdout
    );
    let none = run(&["review", "threads/000-french-tragedy-russia-role.txt", "-q"]).expect_code(2);
    assert!(
        none.stderr.contains("no argument clusters to review"),
        "{}",
        none.stderr
    );
}
