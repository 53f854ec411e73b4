//! Issue 4: argument clusters on the seed thread (acceptance), themes, determinism, options,
//! bad input, and cluster quality (adjusted Rand index) on a synthetic corpus.

use crate::util::{fixture, run, temp_dir, write};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use threadlens::analyze::cluster::{self, ClusterParams, KChoice, UnitKind, adjusted_rand_index};
use threadlens::model::{Comment, Corpus, Format, Thread};

const YALTA: &str = "threads/004-informed-comment-new-yalta.txt";
const PARIS_PEACE_COMMENT: &str = "004-informed-comment-new-yalta-c8";

fn cluster_json(extra: &[&str]) -> (String, Value) {
    let mut args = vec!["cluster", YALTA, "--k", "auto", "--json", "-q"];
    args.extend_from_slice(extra);
    let r = run(&args).expect_code(0);
    let v = r.json();
    (r.stdout, v)
}

/// The cluster of the unit whose text contains `needle`.
fn cluster_of_text(v: &Value, needle: &str) -> u64 {
    let hits: Vec<&Value> = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["text"].as_str().unwrap().contains(needle))
        .collect();
    assert_eq!(hits.len(), 1, "one unit contains {needle:?}");
    hits[0]["cluster_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("unit with {needle:?} is unclustered"))
}

/// The cluster holding most of a comment's text (its units weighted by length).
fn cluster_of_comment(v: &Value, comment_id: &str) -> u64 {
    let mut weight: BTreeMap<u64, usize> = BTreeMap::new();
    for u in v["units"].as_array().unwrap() {
        if u["comment_id"] == comment_id
            && let Some(c) = u["cluster_id"].as_u64()
        {
            *weight.entry(c).or_default() += u["text"].as_str().unwrap().len();
        }
    }
    assert!(!weight.is_empty(), "{comment_id} has clustered units");
    weight
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .unwrap()
        .0
}

fn cluster(v: &Value, id: u64) -> &Value {
    v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

/// Whether a cluster's label or top terms contain one of `words` as a word.
fn mentions(c: &Value, words: &[&str]) -> bool {
    let mut text = c["label"].as_str().unwrap().to_owned();
    for t in c["terms"].as_array().unwrap() {
        text.push(' ');
        text.push_str(t.as_str().unwrap());
    }
    text.split(|ch: char| !ch.is_alphanumeric())
        .any(|w| words.contains(&w))
}

#[test]
fn seed_thread_arguments_land_in_distinct_named_clusters_deterministically() {
    let (first, v) = cluster_json(&[]);
    let nato = cluster_of_text(&v, "Ukraine in NATO");
    let gas = cluster_of_text(&v, "gas pipeline");
    let peace = cluster_of_comment(&v, PARIS_PEACE_COMMENT);
    assert!(
        nato != gas && gas != peace && nato != peace,
        "three different clusters: nato {nato}, gas {gas}, peace {peace}\n{first}"
    );
    assert!(mentions(cluster(&v, nato), &["nato", "ukraine"]), "{first}");
    assert!(
        mentions(cluster(&v, gas), &["pipeline", "gas", "qatar"]),
        "{first}"
    );
    assert!(
        mentions(cluster(&v, peace), &["peace", "settlement"]),
        "{first}"
    );
    assert_eq!(v["algorithm"], "kmeans");
    assert!(v["k"].as_u64().unwrap() >= 3);
    assert!(!v["k_scores"].as_array().unwrap().is_empty());
    // Ids are ordered by size (descending).
    let sizes: Vec<u64> = v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    for c in v["clusters"].as_array().unwrap() {
        for key in [
            "id",
            "label",
            "terms",
            "size",
            "silhouette",
            "representatives",
        ] {
            assert!(c.get(key).is_some(), "cluster lacks {key}");
        }
        let rep = &c["representatives"][0];
        assert!(rep["comment_id"].is_string() && rep["text"].is_string());
    }
    for u in v["units"].as_array().unwrap() {
        for key in ["comment_id", "unit_index", "cluster_id", "text"] {
            assert!(u.get(key).is_some(), "unit lacks {key}");
        }
    }
    // Same input and seed: byte-identical JSON.
    let (second, _) = cluster_json(&[]);
    assert_eq!(first, second);
}

#[test]
fn themes_name_the_seed_thread_clusters() {
    let (out, v) = cluster_json(&["--themes", "threads/themes.toml"]);
    let theme = |id: u64| cluster(&v, id)["theme"].as_str().map(str::to_owned);
    let nato = cluster_of_text(&v, "Ukraine in NATO");
    let gas = cluster_of_text(&v, "gas pipeline");
    let peace = cluster_of_comment(&v, PARIS_PEACE_COMMENT);
    assert_eq!(theme(nato).as_deref(), Some("nato_expansion"), "{out}");
    assert_eq!(theme(gas).as_deref(), Some("gas_pipeline"), "{out}");
    assert_eq!(theme(peace).as_deref(), Some("paris_peace"), "{out}");
    assert_eq!(cluster(&v, nato)["label"], "nato_expansion");
}

#[test]
fn themes_file_in_threads_dir_is_skipped_by_parse() {
    let r = run(&["parse", "threads/"]).expect_code(0);
    assert_eq!(r.json()["threads"].as_array().unwrap().len(), 5);
    assert!(r.stderr.contains("themes.toml: skipped"), "{}", r.stderr);
}

#[test]
fn units_options_and_algorithms() {
    // Whole comments: one unit per comment, all of kind `comment`.
    let r = run(&[
        "cluster", YALTA, "--unit", "comment", "--k", "3", "--json", "-q",
    ])
    .expect_code(0);
    let v = r.json();
    assert_eq!(v["units"].as_array().unwrap().len(), 14);
    assert_eq!(v["k"], 3);
    // Sentences: more units than paragraphs; the post adds units without a comment.
    let r = run(&[
        "cluster",
        YALTA,
        "--unit",
        "sentence",
        "--with-post",
        "--k",
        "4",
        "--json",
        "-q",
    ])
    .expect_code(0);
    let v = r.json();
    let units = v["units"].as_array().unwrap();
    assert!(units.len() > 40, "{}", units.len());
    assert!(units.iter().any(|u| u["comment_id"].is_null()));
    // GMM and DBSCAN run; DBSCAN may leave noise, reported as unclustered.
    let v = run(&[
        "cluster", YALTA, "--algo", "gmm", "--k", "3", "--json", "-q",
    ])
    .expect_code(0)
    .json();
    assert_eq!(v["algorithm"], "gmm");
    let v = run(&[
        "cluster", YALTA, "--algo", "dbscan", "--eps", "1.3", "--json", "-q",
    ])
    .expect_code(0)
    .json();
    assert_eq!(v["algorithm"], "dbscan");
    let clustered = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| !u["cluster_id"].is_null())
        .count();
    assert_eq!(
        clustered + v["unclustered"].as_u64().unwrap() as usize,
        v["units"].as_array().unwrap().len()
    );
    // The table names the clusters and their representative units.
    let r = run(&["cluster", YALTA, "--k", "4", "-q"]).expect_code(0);
    assert!(r.stdout.contains("terms: "), "{}", r.stdout);
    assert!(
        r.stdout.contains("004-informed-comment-new-yalta-c"),
        "{}",
        r.stdout
    );
}

#[test]
fn bad_themes_and_arguments_fail_clearly() {
    let dir = temp_dir("cluster-themes");
    let bad = write(&dir, "bad.toml", "nato = \"not a list\"\n");
    let r = run(&["cluster", YALTA, "--themes", &bad]).expect_code(2);
    assert!(
        r.stderr.contains("bad.toml") && r.stderr.contains("theme `nato`"),
        "{}",
        r.stderr
    );
    let broken = write(&dir, "broken.toml", "nato = [\n");
    let r = run(&["cluster", YALTA, "--themes", &broken]).expect_code(2);
    assert!(r.stderr.contains("not valid TOML"), "{}", r.stderr);
    let r = run(&["cluster", YALTA, "--k", "zero"]).expect_code(2);
    assert!(r.stderr.contains("auto"), "{}", r.stderr);
    let r = run(&["cluster", YALTA, "--algo", "spectral"]).expect_code(2);
    assert!(r.stderr.contains("kmeans"), "{}", r.stderr);
    let tiny = write(&dir, "tiny.txt", "A title\n\nOne says:\nHello.\n");
    let r = run(&["cluster", &tiny, "-q"]);
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// Reads the synthetic JSONL (gen_corpus.py) into a corpus: the JSONL reader lives in another
/// branch, so the test builds the corpus itself. Returns the hidden topic of every comment.
fn synthetic_corpus(path: &std::path::Path) -> (Corpus, HashMap<(u32, u32), i64>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut threads: Vec<Thread> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut topics = HashMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let tid = v["thread_id"].as_str().unwrap().to_owned();
        let ti = *index.entry(tid.clone()).or_insert_with(|| {
            threads.push(Thread::new(tid.clone(), "synth", Format::Jsonl));
            threads.len() - 1
        });
        let t = &mut threads[ti];
        let mut c = Comment::new(
            v["id"].as_str().unwrap(),
            t.comments.len() as u32 + 1,
            v["text"].as_str().unwrap(),
        );
        c.parent_id = v["parent_id"].as_str().map(str::to_owned);
        topics.insert(
            (ti as u32, t.comments.len() as u32),
            v["topic"].as_i64().unwrap(),
        );
        t.comments.push(c);
    }
    (
        Corpus {
            threads,
            ..Corpus::default()
        },
        topics,
    )
}

#[test]
fn synthetic_topics_are_recovered_at_least_as_well_as_scikit_learn() {
    let (corpus, topics) = synthetic_corpus(&fixture("jsonl/synth-3000.jsonl"));
    let params = ClusterParams {
        unit: UnitKind::Comment,
        k: KChoice::Fixed(30),
        sample: 500,
        ..ClusterParams::default()
    };
    let r = cluster::cluster(&corpus, &params).unwrap();
    let mut truth = Vec::new();
    let mut found = Vec::new();
    for u in &r.units {
        truth.push(topics[&(u.thread, u.comment.unwrap())]);
        // Unclustered units count as one more (wrong) cluster.
        found.push(u.cluster.map_or(-1, i64::from));
    }
    assert_eq!(truth.len(), 3000);
    let ari = adjusted_rand_index(&truth, &found);
    eprintln!("ARI vs hidden topics (3000 comments, k = 30): {ari:.4}");
    // scikit-learn 1.9.1 TfidfVectorizer(sublinear_tf, min_df=2, english stop words) +
    // KMeans(n_clusters=30, n_init=1, random_state=0) on the same file: ARI 0.4489
    // (mean 0.4634 over random_state 0..4).
    assert!(ari >= 0.4489, "ARI {ari:.4} below scikit-learn's 0.4489");
}
