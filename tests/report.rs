//! Issue 7: `threadlens analyze` writes report.html, report.md and six tables; every export
//! format reads back; input is escaped; runs are byte-identical.

use crate::util::{fixture, root, run, temp_dir, write};
use polars::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};
use threadlens::analyze::pipeline::{Analysis, STAGE_CLUSTER, STAGE_MODERATE, STAGE_STANCE};
use threadlens::analyze::{
    ClusterSummary, Clustering, Evidence, ReplyStance, Stance, Stances, Unit,
};
use threadlens::export::{self, OutputFormat, Table, WriteOptions};
use threadlens::ingest::{IngestOptions, collect_inputs, read_corpus};
use threadlens::moderate::{Action, Flag, Severity, Span};

const HOSTILE: &str = "text/hostile-timed.txt";

/// The columns of the `comments` table, in order, with their types.
fn comment_schema() -> Vec<(&'static str, DataType)> {
    let list = DataType::List(Box::new(DataType::String));
    vec![
        ("thread_id", DataType::String),
        ("comment_id", DataType::String),
        ("parent_id", DataType::String),
        ("position", DataType::UInt32),
        ("depth", DataType::UInt32),
        ("author", DataType::String),
        ("author_source", DataType::String),
        ("timestamp", DataType::String),
        ("text", DataType::String),
        ("n_replies", DataType::UInt32),
        ("n_descendants", DataType::UInt32),
        ("cluster_id", DataType::UInt32),
        ("stance", DataType::String),
        ("stance_confidence", DataType::Float64),
        ("flags", list),
    ]
}

fn read_parquet(p: &Path) -> DataFrame {
    ParquetReader::new(File::open(p).unwrap())
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn schema_of(df: &DataFrame) -> Vec<(String, DataType)> {
    df.columns()
        .iter()
        .map(|c| (c.name().to_string(), c.dtype().clone()))
        .collect()
}

fn strs(df: &DataFrame, col: &str) -> Vec<Option<String>> {
    df.column(col)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

/// Asserts that the reply-tree tags of a report are balanced.
fn assert_balanced(html: &str) {
    for tag in ["ol", "li", "details", "section", "table", "svg"] {
        let open =
            html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count();
        let close = html.matches(&format!("</{tag}>")).count();
        assert_eq!(open, close, "<{tag}> opened {open} times, closed {close}");
    }
}

fn analyze(out: &Path, extra: &[&str]) {
    let out = out.to_string_lossy();
    let mut args = vec!["analyze", "threads/", "--out", &out];
    args.extend_from_slice(extra);
    run(&args).expect_code(0);
}

#[test]
fn analyze_writes_reports_and_six_parquet_tables() {
    let dir = temp_dir("analyze");
    analyze(&dir, &[]);
    assert!(dir.join("report.html").is_file());
    assert!(dir.join("report.md").is_file());
    for t in ["comments", "units", "clusters", "edges", "threads", "flags"] {
        assert!(dir.join(format!("tables/{t}.parquet")).is_file(), "{t}");
    }
    let comments = read_parquet(&dir.join("tables/comments.parquet"));
    let want: Vec<(String, DataType)> = comment_schema()
        .into_iter()
        .map(|(n, t)| (n.to_string(), t))
        .collect();
    assert_eq!(schema_of(&comments), want);
    let yalta: Vec<usize> = strs(&comments, "thread_id")
        .iter()
        .enumerate()
        .filter(|(_, t)| t.as_deref() == Some("004-informed-comment-new-yalta"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(yalta.len(), 14);
    assert_eq!(
        comments.height(),
        14,
        "the other seed threads have no comments"
    );
    // The tree columns agree with the parsed corpus: comment 1 has two replies.
    let parents = strs(&comments, "parent_id");
    assert_eq!(parents.iter().filter(|p| p.is_none()).count(), 11);
    assert_eq!(
        parents[1].as_deref(),
        Some("004-informed-comment-new-yalta-c1")
    );
    let replies: Vec<Option<u32>> = comments
        .column("n_replies")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(replies[0], Some(2));
    assert_eq!(replies.iter().flatten().sum::<u32>(), 3);
    // Every analysis ran: replies have a stance, top-level comments have none (null, never
    // guessed); clustered comments have a cluster.
    for col in ["stance", "stance_confidence"] {
        assert_eq!(comments.column(col).unwrap().null_count(), 11, "{col}");
    }
    assert!(comments.column("cluster_id").unwrap().null_count() < 14);
    // Moderation ran: every comment has a (possibly empty) list of rule ids.
    let flags = comments.column("flags").unwrap();
    assert_eq!(flags.null_count(), 0);
    let first: Vec<String> = flags
        .list()
        .unwrap()
        .get_as_series(0)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    assert!(first.contains(&"insults".to_string()), "{first:?}");
    let threads = read_parquet(&dir.join("tables/threads.parquet"));
    assert_eq!(threads.height(), 5);
    let edges = read_parquet(&dir.join("tables/edges.parquet"));
    assert_eq!(edges.height(), 3);
    let flag_rows = read_parquet(&dir.join("tables/flags.parquet")).height();
    assert!(
        flag_rows >= 3,
        "insults, shouting and links at least: {flag_rows}"
    );
    for t in ["units", "clusters"] {
        assert!(
            read_parquet(&dir.join(format!("tables/{t}.parquet"))).height() > 0,
            "{t}"
        );
    }
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    for stage in ["parse", "cluster", "dynamics", "stance", "moderate"] {
        assert!(md.contains(&format!("| {stage} | ran |")), "{stage}: {md}");
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains("was not run"));
    assert!(html.contains("<svg") && html.contains("Comments by depth"));
    assert_eq!(html.matches("<li class=\"c\"").count(), 14);
    assert_balanced(&html);
}

#[test]
fn two_runs_are_byte_identical_and_timestamp_is_opt_in() {
    let a = temp_dir("det-a");
    let b = temp_dir("det-b");
    analyze(&a, &["--seed", "7"]);
    analyze(&b, &["--seed", "7"]);
    let files: Vec<PathBuf> = ["report.html", "report.md"]
        .iter()
        .map(PathBuf::from)
        .chain(
            Table::ALL
                .iter()
                .map(|t| PathBuf::from(format!("tables/{}.parquet", t.name()))),
        )
        .collect();
    for f in &files {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(x == y, "{} differs between runs", f.display());
    }
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(!html.contains("Generated"));
    let c = temp_dir("det-c");
    analyze(&c, &["--timestamp"]);
    let html = std::fs::read_to_string(c.join("report.html")).unwrap();
    assert!(html.contains("Generated 20"), "the run's time is printed");
}

#[test]
fn timings_list_every_phase_and_stages_beside_the_clustering() {
    let dir = temp_dir("timings");
    let file = dir.join("t.json");
    analyze(&dir.join("out"), &["--timings", &file.to_string_lossy()]);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let secs = |k: &str| t[k].as_f64().unwrap_or_else(|| panic!("no {k} in {t}"));
    // The phases run one after another and add up to the total; the stages beside the
    // clustering each have their own time within their shared phase.
    let phases = [
        "ingest",
        "tree",
        "cluster+dynamics+stance",
        "moderate",
        "export_tables",
        "reports",
    ];
    let sum: f64 = phases.iter().map(|p| secs(p)).sum();
    assert!((sum - secs("total")).abs() < 1e-6, "{t}");
    for stage in ["cluster", "dynamics", "stance"] {
        assert!(secs(stage) <= secs("cluster+dynamics+stance"), "{t}");
    }
}

#[test]
fn hostile_input_is_escaped_in_html_and_markdown() {
    let dir = temp_dir("hostile");
    let out = dir.to_string_lossy();
    let input = fixture(HOSTILE);
    run(&["analyze", &input.to_string_lossy(), "--out", &out]).expect_code(0);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.to_lowercase().contains("<script"), "no script at all");
    assert!(html.contains("A &lt;b&gt;bold&lt;/b&gt; title &amp; more"));
    assert!(html.contains("Ann &lt;Author&gt;"));
    assert!(!html.contains("href=\"javascript"));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
    assert!(md.contains("\\[click\\](javascript:alert(2))"));
    assert!(md.contains("\\*great\\* post \\|"));
    // Timestamps exist here, so the time chart is drawn (per hour: 15:00 … 18:00).
    assert!(html.contains("Comments over time (per hour, UTC)"));
    assert!(md.contains("| 2015-11-19 17:00 | 0 |"), "{md}");
    let edges = read_parquet(&dir.join("tables/edges.parquet"));
    let latency: Vec<Option<i64>> = edges
        .column("latency_s")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(latency, [Some(15 * 60)]);
}

#[test]
fn javascript_urls_are_never_links() {
    let (inputs, _) = collect_inputs(&[fixture(HOSTILE)]).unwrap();
    let mut corpus = read_corpus(&inputs, &IngestOptions::default()).unwrap();
    corpus.threads[0].post.url = Some("javascript:alert(3)".into());
    corpus.threads[0].comments[0].url = Some(" JaVaScRiPt:alert(4)".into());
    corpus.threads[0].comments[1].url = Some("https://example.org/c?a=1&b=\"2\"".into());
    let a = Analysis::new(corpus, 1);
    let html = threadlens::report::html::render(&a, &Default::default());
    assert!(!html.to_lowercase().contains("href=\"javascript"));
    assert!(html.contains("javascript:alert(3)"), "shown as text");
    assert!(html.contains("href=\"https://example.org/c?a=1&amp;b=&quot;2&quot;\""));
}

#[test]
fn out_must_be_a_directory_and_named_files_must_exist() {
    let dir = temp_dir("bad-out");
    let file = write(&dir, "file.txt", "x");
    let r = run(&["analyze", "threads/", "--out", &file]).expect_code(2);
    assert!(r.stderr.contains("must be a directory"), "{}", r.stderr);
    let out = dir.join("o");
    let r = run(&[
        "analyze",
        "threads/",
        "--out",
        &out.to_string_lossy(),
        "--themes",
        "no-such-themes.toml",
    ])
    .expect_code(2);
    assert!(r.stderr.contains("no-such-themes.toml"), "{}", r.stderr);
}

/// The seed threads plus the hostile fixture, with every optional analysis filled in by hand
/// (the analyzers live on other branches): the outputs must show whatever is present.
fn full_analysis() -> Analysis {
    let (inputs, _) = collect_inputs(&[root().join("threads"), fixture(HOSTILE)]).unwrap();
    let corpus = read_corpus(&inputs, &IngestOptions::default()).unwrap();
    let mut a = Analysis::new(corpus, 3);
    let mut units = Vec::new();
    let mut stances = Vec::new();
    for (ti, t) in a.corpus.threads.iter().enumerate() {
        let mut per = Vec::new();
        for (ci, c) in t.comments.iter().enumerate() {
            units.push(Unit {
                thread: ti as u32,
                comment: Some(ci as u32),
                unit_index: 0,
                text: c.text.clone(),
                cluster: if ci == 3 { None } else { Some(ci as u32 % 2) },
            });
            per.push(c.parent_index.map(|_| ReplyStance {
                stance: if ci % 2 == 1 {
                    Stance::Rebut
                } else {
                    Stance::Agree
                },
                confidence: 0.75,
                evidence: vec![Evidence {
                    start: 0,
                    end: 3,
                    text: c.text.chars().take(3).collect(),
                    cue: "test <cue>".into(),
                }],
            }));
        }
        stances.push(per);
    }
    let size = |k: u32| units.iter().filter(|u| u.cluster == Some(k)).count();
    let clusters = vec![
        ClusterSummary {
            id: 0,
            label: "nato / ukraine".into(),
            theme: Some("security".into()),
            terms: vec!["nato".into(), "ukraine".into()],
            size: size(0),
            silhouette: 0.25,
            representatives: vec![0],
        },
        ClusterSummary {
            id: 1,
            label: "<b>assad</b>".into(),
            theme: None,
            terms: vec!["assad".into(), "=cmd".into()],
            size: size(1),
            silhouette: -0.125,
            representatives: vec![1, 2],
        },
    ];
    a.clustering = Some(Clustering {
        units,
        clusters,
        algorithm: "kmeans".into(),
        k: 2,
        k_scores: vec![(2, 0.1), (3, 0.05)],
    });
    a.stances = Some(Stances {
        replies: stances,
        source: "test".into(),
    });
    let hostile = a.corpus.threads.last().unwrap();
    a.flags = vec![
        Flag {
            comment_id: hostile.comments[0].id.clone(),
            thread_id: hostile.id.clone(),
            rule: "markup".into(),
            severity: Severity::High,
            action: Action::Hold,
            reason: "contains <script>".into(),
            evidence: vec![Span {
                start: 22,
                end: 30,
                text: "<script>".into(),
            }],
        },
        Flag {
            comment_id: hostile.comments[0].id.clone(),
            thread_id: hostile.id.clone(),
            rule: "caps".into(),
            severity: Severity::Low,
            action: Action::Flag,
            reason: "-shouting".into(),
            evidence: Vec::new(),
        },
    ];
    for stage in [STAGE_CLUSTER, STAGE_STANCE, STAGE_MODERATE] {
        a.record(stage, true, "filled in by the test");
    }
    a
}

/// Expected CSV / NDJSON type of a column after the round trip through text.
fn text_type(dt: &DataType, csv: bool) -> DataType {
    match dt {
        DataType::UInt32 | DataType::UInt64 | DataType::Int64 => DataType::Int64,
        DataType::List(_) if csv => DataType::String,
        other => other.clone(),
    }
}

#[test]
fn every_export_format_reads_back_with_rows_and_types() {
    let a = full_analysis();
    let built: Vec<(Table, DataFrame)> = Table::ALL
        .iter()
        .map(|&t| (t, t.build(&a).unwrap()))
        .collect();
    for (t, df) in &built {
        assert!(
            df.height() > 0,
            "{} is empty in the full analysis",
            t.name()
        );
    }
    for format in OutputFormat::ALL {
        let dir = temp_dir(&format!("export-{format}"));
        let written =
            export::write_tables(&a, &dir, format, &WriteOptions::default(), &|_| {}).unwrap();
        assert_eq!(written.len(), 6);
        for ((table, df), path) in built.iter().zip(&written) {
            assert_eq!(
                path.file_name().unwrap().to_string_lossy(),
                format!("{}.{}", table.name(), format.extension())
            );
            let back = match format {
                OutputFormat::Parquet => read_parquet(path),
                OutputFormat::Ipc => IpcReader::new(File::open(path).unwrap()).finish().unwrap(),
                OutputFormat::Csv => CsvReadOptions::default()
                    .with_has_header(true)
                    .try_into_reader_with_file_path(Some(path.clone()))
                    .unwrap()
                    .finish()
                    .unwrap(),
                OutputFormat::Ndjson => JsonReader::new(File::open(path).unwrap())
                    .with_json_format(JsonFormat::JsonLines)
                    .finish()
                    .unwrap(),
            };
            let what = format!("{} as {format}", table.name());
            assert_eq!(back.height(), df.height(), "{what}: rows");
            match format {
                OutputFormat::Parquet | OutputFormat::Ipc => {
                    assert_eq!(schema_of(&back), schema_of(df), "{what}: schema");
                    assert!(back.equals_missing(df), "{what}: values\n{back:?}\n{df:?}");
                }
                OutputFormat::Csv | OutputFormat::Ndjson => {
                    let names: Vec<String> = schema_of(df).into_iter().map(|(n, _)| n).collect();
                    let back_names: Vec<String> =
                        schema_of(&back).into_iter().map(|(n, _)| n).collect();
                    assert_eq!(back_names, names, "{what}: columns");
                    for (name, dt) in schema_of(df) {
                        let col = back.column(&name).unwrap();
                        // A column that is null in every row comes back untyped from text.
                        if col.null_count() == col.len() {
                            continue;
                        }
                        assert_eq!(
                            col.dtype(),
                            &text_type(&dt, format == OutputFormat::Csv),
                            "{what}: type of {name}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn csv_joins_lists_and_protects_formulas_unless_told_not_to() {
    let a = full_analysis();
    let dir = temp_dir("csv");
    export::write_tables(
        &a,
        &dir,
        OutputFormat::Csv,
        &WriteOptions::default(),
        &|_| {},
    )
    .unwrap();
    let comments = std::fs::read_to_string(dir.join("comments.csv")).unwrap();
    assert!(
        comments.contains(",caps;markup\n"),
        "sorted rule ids joined with ;"
    );
    assert!(comments.contains(",'@everyone *great* post"), "{comments}");
    let clusters = std::fs::read_to_string(dir.join("clusters.csv")).unwrap();
    assert!(clusters.contains("assad;=cmd"), "{clusters}");
    let flags = std::fs::read_to_string(dir.join("flags.csv")).unwrap();
    assert!(flags.contains(",'-shouting"), "{flags}");
    let raw = temp_dir("csv-raw");
    let opts = WriteOptions { csv_protect: false };
    export::write_tables(&a, &raw, OutputFormat::Csv, &opts, &|_| {}).unwrap();
    let flags = std::fs::read_to_string(raw.join("flags.csv")).unwrap();
    assert!(flags.contains(",-shouting"), "{flags}");
}

#[test]
fn full_report_shows_clusters_stances_rebuttals_and_flags() {
    let a = full_analysis();
    let dir = temp_dir("full-report");
    let opts = threadlens::report::ReportOptions {
        tables_dir: Some("tables".into()),
        ..Default::default()
    };
    threadlens::report::write_reports(&a, &dir, &opts).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains("was not run"), "every stage ran");
    assert!(html.contains("C1 &lt;b&gt;assad&lt;/b&gt;"));
    assert!(html.contains("Cluster sizes (units)") && html.contains("Stance of replies"));
    assert!(html.contains("class=\"b st-rebut\""));
    assert!(html.contains("⚑ markup") && html.contains("contains &lt;script&gt;"));
    assert!(html.contains("Rebuttal map") && html.contains("class=\"heat\""));
    assert!(!html.to_lowercase().contains("<script"));
    assert_balanced(&html);
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("| markup | high | hold | 1 |"), "{md}");
    assert!(md.contains("| C1 \\<b\\>assad\\</b\\> |"), "{md}");
    assert!(md.contains("⚑ caps (low)"));
}

#[test]
fn deep_chains_render_without_recursion_or_runaway_nesting() {
    let dir = temp_dir("deep");
    let mut page = String::from("Deep\n\nText.\n\nComments\n\n");
    let n = 3000;
    page.push_str("U0 says:\nFirst.\n\n");
    for i in 1..n {
        page.push_str(&format!("U{i} says:\n@U{} no.\n\n", i - 1));
    }
    let input = write(&dir, "deep.txt", &page);
    let out = dir.join("out");
    run(&["analyze", &input, "--out", &out.to_string_lossy()]).expect_code(0);
    let comments = read_parquet(&out.join("tables/comments.parquet"));
    assert_eq!(comments.height(), n);
    let max_depth = comments
        .column("depth")
        .unwrap()
        .u32()
        .unwrap()
        .max()
        .unwrap();
    assert_eq!(max_depth as usize, n - 1);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let nest = threadlens::report::html::MAX_NEST;
    assert!(html.matches("<ol>").count() <= nest, "nesting is capped");
    assert_eq!(html.matches("<li class=\"c\"").count(), n);
    assert!(html.contains(&format!("depth {}, answers", n - 1)));
    assert_balanced(&html);
    let widest = md
        .lines()
        .map(|l| l.len() - l.trim_start().len())
        .max()
        .unwrap();
    assert!(widest <= 2 * threadlens::report::markdown::MAX_NEST);
}

#[test]
fn every_export_format_is_byte_stable() {
    let a = full_analysis();
    for format in OutputFormat::ALL {
        let x = temp_dir(&format!("stable-{format}-a"));
        let y = temp_dir(&format!("stable-{format}-b"));
        let opts = WriteOptions::default();
        let wx = export::write_tables(&a, &x, format, &opts, &|_| {}).unwrap();
        let wy = export::write_tables(&a, &y, format, &opts, &|_| {}).unwrap();
        for (p, q) in wx.iter().zip(&wy) {
            assert!(
                std::fs::read(p).unwrap() == std::fs::read(q).unwrap(),
                "{} differs between runs",
                p.display()
            );
        }
    }
}

#[test]
fn report_trees_are_capped_but_tables_are_complete() {
    let dir = temp_dir("capped");
    analyze(&dir, &["--report-max-comments", "5"]);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(html.matches("<li class=\"c\"").count(), 5);
    assert!(html.contains("9 more comments not shown"), "{html}");
    assert_balanced(&html);
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert_eq!(
        md.lines()
            .filter(|l| l.trim_start().starts_with("- **"))
            .count(),
        5
    );
    assert!(md.contains("9 more comments not shown"));
    assert_eq!(
        read_parquet(&dir.join("tables/comments.parquet")).height(),
        14
    );
}

#[test]
fn export_tables_entry_point_writes_the_requested_format() {
    use threadlens::cli::analyze::PipelineArgs;
    use threadlens::cli::export_tables::{TableArgs, write as write_tables};
    let (inputs, _) = collect_inputs(&[fixture(HOSTILE)]).unwrap();
    let corpus = read_corpus(&inputs, &IngestOptions::default()).unwrap();
    let dir = temp_dir("export-entry");
    let args = TableArgs {
        pipeline: PipelineArgs {
            seed: 42,
            themes: None,
            rules: None,
            k: None,
            stance_model: None,
            lexicon: None,
        },
        no_csv_protect: true,
    };
    let written = write_tables(corpus, OutputFormat::Csv, &dir, &args).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "comments.csv",
            "units.csv",
            "clusters.csv",
            "edges.csv",
            "threads.csv",
            "flags.csv"
        ]
    );
    let comments = std::fs::read_to_string(dir.join("comments.csv")).unwrap();
    assert!(
        comments.contains(",@everyone *great* post"),
        "unprotected: {comments}"
    );
}

#[test]
fn a_corpus_without_comments_reports_clustering_as_not_run() {
    let dir = temp_dir("no-comments");
    run(&[
        "analyze",
        "threads/000-french-tragedy-russia-role.txt",
        "--out",
        dir.to_str().unwrap(),
        "-q",
    ])
    .expect_code(0);
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("| cluster | **not run** | too few argument units"),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("The cluster stage was not run (too few argument units"));
    assert_eq!(read_parquet(&dir.join("tables/units.parquet")).height(), 0);
}
