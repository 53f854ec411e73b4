//! Issue 5: reply dynamics, stance with evidence, the stance model and the rebuttal map.

use crate::util::{fixture, run, temp_dir, write};
use serde_json::Value;

const YALTA: &str = "threads/004-informed-comment-new-yalta.txt";
const PAIRS: &str = "agreement/SubReddit-MaskMandate.csv";
const PAIR_FLAGS: [&str; 8] = [
    "--parent-col",
    "quote_text",
    "--reply-col",
    "response_text",
    "--label-col",
    "relation",
    "--labels",
    "0=rebut,1=neutral,2=agree",
];

fn yalta_dynamics(extra: &[&str]) -> Value {
    let mut args = vec!["dynamics", YALTA, "--json"];
    args.extend_from_slice(extra);
    run(&args).expect_code(0).json()
}

fn texts() -> Vec<String> {
    let parsed = run(&["parse", YALTA]).expect_code(0).json();
    parsed["threads"][0]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect()
}

fn close(v: &Value, x: f64) -> bool {
    (v.as_f64().unwrap() - x).abs() < 1e-9
}

#[test]
fn seed_004_metrics_equal_hand_computed_values() {
    let d = yalta_dynamics(&[]);
    let m = &d["threads"][0]["metrics"];
    assert_eq!(m["comments"], 14);
    assert_eq!(m["top_level"], 11);
    assert_eq!(m["replies"], 3);
    assert_eq!(m["max_depth"], 1);
    // Depths: eleven 0s and three 1s.
    assert!(close(&m["mean_depth"], 3.0 / 14.0));
    // Comment 1 has two replies, comment 6 one.
    assert!(close(&m["mean_branching"], 1.5));
    assert!(close(&m["replied_share"], 2.0 / 14.0));
    assert_eq!(m["longest_chain"], 2);
    let sizes: Vec<u64> = m["subtree_sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    // Post + 14 comments = 15 nodes, 105 pairs. Wiener index = Σ s·(15−s) over edges:
    // 3·12 + 2·13 + 12 leaves·1·14 = 36 + 26 + 168 = 230.
    assert!(close(&m["structural_virality"], 230.0 / 105.0));
    assert_eq!(m["shape"], "broadcast");
    let p = &m["participation"];
    assert_eq!(p["comments_with_author"], 1);
    assert_eq!(p["distinct_authors"], 1);
    assert!(close(&p["gini"], 0.0));
    assert!(p["reciprocity"].is_null());
    assert_eq!(m["time"]["comments_with_time"], 0);
    assert!(m["time"]["reply_latency_median"].is_null());
    let comments = d["threads"][0]["comments"].as_array().unwrap();
    assert_eq!(comments[0]["replies"], 2);
    assert_eq!(comments[0]["descendants"], 2);
    assert_eq!(comments[1]["depth"], 1);
    assert_eq!(d["corpus"]["comments"], 14);
    assert_eq!(d["threads"][0]["reply_pairs"], serde_json::json!([]));
}

/// The reply's stance, and the evidence texts of its deciding side, checked against the
/// reply's own text at the stated byte offsets.
fn stance_of(d: &Value, texts: &[String], index: usize) -> (String, Vec<(String, String)>) {
    let c = &d["threads"][0]["comments"][index];
    let stance = c["stance"].as_str().unwrap().to_string();
    let mut deciding = Vec::new();
    for e in c["evidence"].as_array().unwrap() {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            &texts[index][s..t],
            e["text"].as_str().unwrap(),
            "offsets of {e}"
        );
        let cue = e["cue"].as_str().unwrap();
        if cue.starts_with(&format!("{stance}:")) {
            deciding.push((e["text"].as_str().unwrap().to_string(), cue.to_string()));
        }
    }
    (stance, deciding)
}

#[test]
fn seed_004_stances_have_evidence_at_the_deciding_words() {
    let d = yalta_dynamics(&[]);
    let texts = texts();
    assert_eq!(d["stance_source"], "lexicon:builtin");
    let comments = d["threads"][0]["comments"].as_array().unwrap();
    // Only replies carry a stance.
    assert!(comments[0]["stance"].is_null());
    assert_eq!(comments[1]["parent_id"], comments[0]["id"]);
    assert_eq!(comments[8]["parent_id"], comments[7]["id"]);

    let (stance, ev) = stance_of(&d, &texts, 1);
    assert!(texts[1].starts_with("Dear Eurofrank, you are right on!"));
    assert_eq!(stance, "agree");
    assert!(ev.iter().any(|(t, _)| t == "you are right on"), "{ev:?}");

    let (stance, ev) = stance_of(&d, &texts, 2);
    assert!(texts[2].starts_with("So far, NATO is not involved in Syria"));
    assert_eq!(stance, "rebut");
    let found: Vec<&str> = ev.iter().map(|(t, _)| t.as_str()).collect();
    for want in [
        "NATO is not",
        "what are you talking about",
        "completely incredible",
    ] {
        assert!(found.contains(&want), "{want} not in {found:?}");
    }
    assert!(
        ev.iter()
            .any(|(_, c)| c.starts_with("rebut:negates-parent"))
    );

    let (stance, ev) = stance_of(&d, &texts, 8);
    assert!(texts[8].starts_with("There is a moment of opportunity"));
    assert_eq!(stance, "agree");
    assert!(
        ev.iter().any(|(t, _)| t == "similar to what you outline"),
        "{ev:?}"
    );
    for c in &comments[1..3] {
        let conf = c["stance_confidence"].as_f64().unwrap();
        assert!((0.5..=1.0).contains(&conf), "{conf}");
    }
}

#[test]
fn readable_report_shows_shape_metrics_and_evidence() {
    let r = run(&["dynamics", YALTA]).expect_code(0);
    let out = &r.stdout;
    assert!(
        out.contains("shape: broadcast: 11 top-level comments; 3 replies under 2 comments"),
        "{out}"
    );
    assert!(out.contains("structural virality 2.190"), "{out}");
    assert!(out.contains("[3] → #1 (Eurofrank): rebut"), "{out}");
    assert!(
        out.contains("+ \"NATO is not\" — rebut:negates-parent"),
        "{out}"
    );
    // Same input, same bytes.
    assert_eq!(run(&["dynamics", YALTA]).stdout, r.stdout);
}

#[test]
fn an_edited_lexicon_changes_the_labels_and_is_named_in_the_output() {
    let dir = temp_dir("lexicon");
    let builtin =
        std::fs::read_to_string(crate::util::root().join("data/stance-lexicon.toml")).unwrap();
    // Turn "you are right…" into a rebuttal cue: the reply to Eurofrank flips.
    let edited = builtin.replacen(
        "id = \"you-are-right\"\nstance = \"agree\"",
        "id = \"you-are-right\"\nstance = \"rebut\"",
        1,
    );
    assert_ne!(edited, builtin);
    let path = write(&dir, "lex.toml", edited);
    let d = yalta_dynamics(&["--lexicon", &path]);
    assert_eq!(d["threads"][0]["comments"][1]["stance"], "rebut");
    assert_eq!(d["stance_source"], format!("lexicon:{path}"));

    let bad = write(
        &dir,
        "bad.toml",
        builtin.replacen("stance = \"rebut\"", "stance = \"maybe\"", 1),
    );
    let r = run(&["dynamics", YALTA, "--lexicon", &bad]).expect_code(2);
    assert!(
        r.stderr.contains("bad.toml") && r.stderr.contains("stance must be"),
        "{}",
        r.stderr
    );
}

/// A small labelled CSV (first `n` pairs of each label) written with the crate's splitter.
fn small_pairs(dir: &std::path::Path, n: usize) -> String {
    let bytes = std::fs::read(fixture(PAIRS)).unwrap();
    let (text, _) = threadlens::text::decode(&bytes).unwrap();
    let records = threadlens::text::csv::split_records(&text, ',').unwrap();
    assert_eq!(records.len(), 1535, "header + 1,534 pairs");
    let mut out = String::from("quote_text,response_text,relation\n");
    let mut taken = [0usize; 3];
    for r in &records[1..] {
        let k: usize = r.fields[2].parse().unwrap();
        if taken[k] < n {
            taken[k] += 1;
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            out.push_str(&format!("{},{},{}\n", q(&r.fields[0]), q(&r.fields[1]), k));
        }
    }
    write(dir, "pairs.csv", out)
}

#[test]
fn opening_words_are_model_terms_unless_left_out() {
    let dir = temp_dir("model-openers");
    let pairs = small_pairs(&dir, 20);
    let openers = |extra: &[&str]| {
        let out = dir.join("m.json").to_string_lossy().into_owned();
        let mut args = vec![
            "stance", "train", "--pairs", &pairs, "--out", &out, "--alpha", "10",
        ];
        args.extend_from_slice(&PAIR_FLAGS);
        args.extend_from_slice(extra);
        run(&args).expect_code(0);
        let file: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        file["reply_vocab"]["terms"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t.as_str().unwrap().starts_with('^'))
            .count()
    };
    assert!(openers(&[]) > 0);
    assert_eq!(openers(&["--no-openers"]), 0);
}

#[test]
fn train_save_load_and_use_a_versioned_model() {
    let dir = temp_dir("model");
    let pairs = small_pairs(&dir, 40);
    let model = dir.join("stance.model.json");
    let model_s = model.to_string_lossy().into_owned();
    let mut args = vec![
        "stance", "train", "--pairs", &pairs, "--out", &model_s, "--alpha", "10",
    ];
    args.extend_from_slice(&PAIR_FLAGS);
    run(&args).expect_code(0);
    let bytes = std::fs::read(&model).unwrap();
    let file: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(file["format"], "threadlens-stance-model");
    assert_eq!(file["version"], 3);
    assert_eq!(file["trained_on"], serde_json::json!([40, 40, 40]));
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let d = yalta_dynamics(&["--stance-model", &model_s]);
    assert_eq!(d["stance_source"], format!("model:{sha}"));
    for i in [1, 2, 8] {
        let c = &d["threads"][0]["comments"][i];
        assert!(["agree", "rebut", "neutral"].contains(&c["stance"].as_str().unwrap()));
        assert!(!c["evidence"].as_array().unwrap().is_empty());
    }

    let mut args = vec![
        "stance", "eval", "--pairs", &pairs, "--model", &model_s, "--json",
    ];
    args.extend_from_slice(&PAIR_FLAGS);
    let e = run(&args).expect_code(0).json();
    let reports = e["reports"].as_array().unwrap();
    assert_eq!(reports[0]["method"], format!("model:{sha}"));
    assert_eq!(reports[1]["method"], "lexicon:builtin");
    for r in reports {
        let total: u64 = r["confusion"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()))
            .sum();
        assert_eq!(total, 120);
        let f1 = r["macro_f1"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&f1));
    }
    // Trained and tested on the same pairs, the model must beat chance clearly.
    assert!(
        reports[0]["macro_f1"].as_f64().unwrap() > 0.6,
        "{}",
        reports[0]
    );

    // A model file from a future version is refused with a clear message.
    let future = write(
        &dir,
        "future.json",
        String::from_utf8(bytes)
            .unwrap()
            .replacen("\"version\":3", "\"version\":99", 1),
    );
    let r = run(&["dynamics", YALTA, "--stance-model", &future]).expect_code(2);
    assert!(
        r.stderr.contains("future.json") && r.stderr.contains("model version 99"),
        "{}",
        r.stderr
    );
}

/// What an older build printed for a model file it wrote: its hash, `stance eval` on
/// `small_pairs(12)` (confusion and macro-F1) and the labels of seed 004's replies.
struct Printed {
    sha: &'static str,
    confusion: [[u64; 3]; 3],
    macro_f1: f64,
    replies: [(usize, &'static str, f64); 3],
}

/// Checks that an older model file still loads and labels as its build printed.
fn labels_as_before(file: &str, printed: &Printed) {
    let dir = temp_dir("model-old");
    let pairs = small_pairs(&dir, 12);
    let model = fixture(file).to_string_lossy().into_owned();
    let mut args = vec![
        "stance", "eval", "--pairs", &pairs, "--model", &model, "--json",
    ];
    args.extend_from_slice(&PAIR_FLAGS);
    let e = run(&args).expect_code(0).json();
    let r = &e["reports"][0];
    assert_eq!(r["method"], format!("model:{}", printed.sha));
    assert_eq!(r["confusion"], serde_json::json!(printed.confusion));
    assert!((r["macro_f1"].as_f64().unwrap() - printed.macro_f1).abs() < 1e-12);

    let d = yalta_dynamics(&["--stance-model", &model]);
    assert_eq!(d["stance_source"], format!("model:{}", printed.sha));
    let comments = &d["threads"][0]["comments"];
    for (i, stance, confidence) in printed.replies {
        assert_eq!(comments[i]["stance"], stance, "comment {i}");
        assert!(
            close(&comments[i]["stance_confidence"], confidence),
            "comment {i}"
        );
    }
}

/// `stance/model-v1.json` was written by the version-1 build (before character n-grams):
/// `stance train --alpha 10` on `small_pairs(12)`. It must still load and label as it did.
#[test]
fn a_version_1_model_file_still_loads_and_labels_as_before() {
    labels_as_before(
        "stance/model-v1.json",
        &Printed {
            sha: "414aeba81fce51152d5d053820f254e3a3893050049c8c979e4474e4a1bccdb2",
            confusion: [[11, 1, 0], [0, 9, 3], [0, 0, 12]],
            macro_f1: 0.8878641487337139,
            replies: [
                (1, "agree", 0.422),
                (2, "rebut", 0.4802),
                (8, "agree", 0.4973),
            ],
        },
    );
}

/// `stance/model-v2.json` was written by the version-2 build (character n-grams, before the
/// opening words): `stance train --alpha 10 --char-ngrams on` on `small_pairs(12)`. It must
/// still load and label as it did: its vocabulary has no opener terms, so the openers this
/// build adds to every reply's terms find no column.
#[test]
fn a_version_2_model_file_still_loads_and_labels_as_before() {
    labels_as_before(
        "stance/model-v2.json",
        &Printed {
            sha: "43c7dbffdc25af006b246c21cfe9bef3a0125d902a55eac4097ce2c007259d6a",
            confusion: [[11, 1, 0], [0, 11, 1], [0, 0, 12]],
            macro_f1: 0.9443961352657005,
            replies: [
                (1, "agree", 0.4238),
                (2, "rebut", 0.4782),
                (8, "agree", 0.5001),
            ],
        },
    );
}

#[test]
fn cross_validation_is_seeded_and_reports_every_table() {
    let dir = temp_dir("cv");
    let pairs = small_pairs(&dir, 30);
    let mut args = vec![
        "stance", "eval", "--pairs", &pairs, "--folds", "3", "--alpha", "10",
    ];
    args.extend_from_slice(&PAIR_FLAGS);
    let a = run(&args).expect_code(0);
    assert!(a.stdout.contains("model (3-fold CV)"), "{}", a.stdout);
    assert!(a.stdout.contains("per-fold macro-F1"), "{}", a.stdout);
    assert!(
        a.stdout.contains("character n-grams per fold"),
        "{}",
        a.stdout
    );
    assert!(
        a.stdout
            .contains("confusion (rows gold, columns predicted)"),
        "{}",
        a.stdout
    );
    assert!(a.stdout.contains("lexicon:builtin"), "{}", a.stdout);
    assert_eq!(run(&args).stdout, a.stdout);
}

#[test]
fn bad_pairs_files_name_the_file_and_record() {
    let dir = temp_dir("badpairs");
    let p = write(
        &dir,
        "p.csv",
        "quote_text,response_text,relation\n\"a\",\"b\",7\n",
    );
    let mut args = vec!["stance", "eval", "--pairs", &p];
    args.extend_from_slice(&PAIR_FLAGS);
    let r = run(&args).expect_code(2);
    assert!(
        r.stderr
            .contains("p.csv: record 2: label \"7\" is not in the mapping"),
        "{}",
        r.stderr
    );
    let r = run(&["stance", "eval", "--pairs", &p]).expect_code(2);
    assert!(r.stderr.contains("no column \"parent\""), "{}", r.stderr);
    let q = write(
        &dir,
        "q.csv",
        "quote_text,response_text,relation\n\"open,b,0\n",
    );
    let mut args = vec!["stance", "train", "--pairs", &q, "--out", "x"];
    args.extend_from_slice(&PAIR_FLAGS);
    let r = run(&args).expect_code(2);
    assert!(
        r.stderr.contains("q.csv") && r.stderr.contains("line 2: quoted field never closed"),
        "{}",
        r.stderr
    );
}

#[test]
fn rebuttal_map_and_stance_survive_a_100k_deep_chain() {
    use threadlens::analyze::dynamics::{DynamicsParams, analyze, rebuttal_map};
    use threadlens::analyze::stance::{Classifier, Lexicon, classify_corpus};
    use threadlens::analyze::{ReplyStance, Stance, Stances};
    use threadlens::model::{Comment, Corpus, Format, Thread};
    let chain = |n: u32| {
        let mut t = Thread::new("deep", "test", Format::Csv);
        for i in 0..n {
            let text = if i % 2 == 0 {
                "No, that is wrong."
            } else {
                "Says who?"
            };
            let mut c = Comment::new(format!("{i}"), i + 1, text);
            c.parent_id = (i > 0).then(|| format!("{}", i - 1));
            t.comments.push(c);
        }
        t.link().unwrap();
        Corpus {
            threads: vec![t],
            ..Corpus::default()
        }
    };
    // The lexicon labels every reply of a (shorter, for debug-build speed) chain.
    let small = chain(2_000);
    let stances = classify_corpus(&small, &Classifier::Lexicon(Box::new(Lexicon::builtin())));
    let rebuts = stances.replies[0]
        .iter()
        .flatten()
        .filter(|s| s.stance == Stance::Rebut)
        .count();
    assert_eq!(rebuts, 1_999);

    let n = 100_000u32;
    let corpus = chain(n);
    let d = analyze(&corpus, &DynamicsParams::default()).unwrap();
    assert_eq!(d.threads[0].metrics.tree.max_depth, n - 1);
    let stances = Stances {
        replies: vec![
            (0..n)
                .map(|i| {
                    (i > 0).then(|| ReplyStance {
                        stance: Stance::Rebut,
                        confidence: 1.0,
                        evidence: Vec::new(),
                    })
                })
                .collect(),
        ],
        source: "test".into(),
    };
    let clusters = vec![(0..n).map(|i| Some(i % 2)).collect::<Vec<_>>()];
    let m = rebuttal_map(&corpus, &stances, &clusters).unwrap();
    assert_eq!(m.chains.len(), 1);
    assert_eq!(m.chains[0].comments.len(), n as usize);
    assert_eq!(m.table, vec![vec![0, 49_999], vec![50_000, 0]]);
}

/// The README figures: 5-fold CV on all 1,534 MaskMandate pairs. Slow in a debug build; run
/// with `cargo test --release -- --ignored full_cross_validation`.
#[test]
#[ignore]
fn full_cross_validation_on_mask_mandate_pairs() {
    let pairs = fixture(PAIRS).to_string_lossy().into_owned();
    let mut args = vec![
        "stance", "eval", "--pairs", &pairs, "--folds", "5", "--json",
    ];
    args.extend_from_slice(&PAIR_FLAGS);
    let e = run(&args).expect_code(0).json();
    let model = e["reports"][0]["macro_f1"].as_f64().unwrap();
    let accuracy = e["reports"][0]["accuracy"].as_f64().unwrap();
    let lexicon = e["reports"][1]["macro_f1"].as_f64().unwrap();
    assert_eq!(e["pairs"], 1534);
    assert_eq!(
        e["reports"][0]["fold_char_ngrams"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    // Floors under the measured figures (README), so a regression fails.
    assert!(model >= 0.54, "model macro-F1 {model}");
    assert!(accuracy >= 0.55, "model accuracy {accuracy}");
    assert!(lexicon >= 0.30, "lexicon macro-F1 {lexicon}");
    assert!(model > lexicon + 0.15);
}
