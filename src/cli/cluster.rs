//! `threadlens cluster`: group the argument units of the inputs and show the clusters as a
//! table or as JSON.

use super::InputArgs;
use crate::analyze::Clustering;
use crate::analyze::cluster::{self, Algorithm, ClusterParams, KChoice, Themes, UnitKind};
use crate::error::Error;
use crate::model::Corpus;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `threadlens cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Number of clusters, or `auto` to choose it by silhouette (2..=12).
    #[arg(long, default_value = "auto", value_parser = parse_k)]
    k: KChoice,
    /// Clustering algorithm: kmeans, gmm or dbscan.
    #[arg(long, default_value = "kmeans", value_parser = parse_algo)]
    algo: Algorithm,
    /// Argument unit: comment, paragraph or sentence.
    #[arg(long, default_value = "paragraph", value_parser = parse_unit)]
    unit: UnitKind,
    /// Also cluster the paragraphs of the post (article).
    #[arg(long)]
    with_post: bool,
    /// Themes file (`name = ["seed", "terms"]`) seeding and naming clusters.
    #[arg(long, value_name = "FILE")]
    themes: Option<PathBuf>,
    /// Seed of every random step; same input and seed give the same output.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// DBSCAN radius (L2 distance between unit vectors of length 1).
    #[arg(long, default_value_t = 1.0)]
    eps: f64,
    /// DBSCAN minimum points of a dense region.
    #[arg(long, default_value_t = 3)]
    min_points: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Parses `--k auto|N`.
pub fn parse_k(s: &str) -> Result<KChoice, String> {
    if s == "auto" {
        return Ok(KChoice::Auto);
    }
    match s.parse::<usize>() {
        Ok(k) if k >= 1 => Ok(KChoice::Fixed(k)),
        _ => Err(format!(
            "expected `auto` or a number of clusters >= 1, got {s:?}"
        )),
    }
}

fn parse_algo(s: &str) -> Result<Algorithm, String> {
    Algorithm::from_name(s)
        .ok_or_else(|| format!("unknown algorithm {s:?}; expected kmeans, gmm or dbscan"))
}

fn parse_unit(s: &str) -> Result<UnitKind, String> {
    UnitKind::from_name(s)
        .ok_or_else(|| format!("unknown unit {s:?}; expected comment, paragraph or sentence"))
}

/// Runs `threadlens cluster`.
pub fn run(args: ClusterArgs) -> Result<u8, Error> {
    let corpus = args.input.read()?;
    let themes = match &args.themes {
        Some(p) => Some(Themes::load(p)?),
        None => None,
    };
    let params = ClusterParams {
        unit: args.unit,
        with_post: args.with_post,
        k: args.k,
        algorithm: args.algo,
        seed: args.seed,
        eps: args.eps,
        min_points: args.min_points,
        themes,
        ..ClusterParams::default()
    };
    let result = cluster::cluster(&corpus, &params)?;
    let out = if args.json {
        serde_json::to_string_pretty(&JsonOut::new(&corpus, &result))
            .expect("clustering serialises")
            + "\n"
    } else {
        render_table(&corpus, &result)
    };
    super::write_output(args.out.as_deref(), out.as_bytes())?;
    Ok(0)
}

/// The JSON document of `threadlens cluster --json`.
#[derive(Debug, Serialize)]
pub struct JsonOut<'a> {
    /// Algorithm name.
    pub algorithm: &'a str,
    /// Number of clusters chosen or given.
    pub k: usize,
    /// Mean silhouette of every k tried by `--k auto`.
    pub k_scores: Vec<KScore>,
    /// Units left out of every cluster (DBSCAN noise, units with no usable term).
    pub unclustered: usize,
    /// The clusters, by id.
    pub clusters: Vec<JsonCluster<'a>>,
    /// Every unit, in corpus order.
    pub units: Vec<JsonUnit<'a>>,
}

/// One `--k auto` trial.
#[derive(Debug, Serialize)]
pub struct KScore {
    /// k tried.
    pub k: usize,
    /// Its mean silhouette.
    pub silhouette: f64,
}

/// One cluster in JSON.
#[derive(Debug, Serialize)]
pub struct JsonCluster<'a> {
    /// Stable id.
    pub id: u32,
    /// Readable label.
    pub label: &'a str,
    /// Matched theme, if any.
    pub theme: Option<&'a str>,
    /// Top terms.
    pub terms: &'a [String],
    /// Units in the cluster.
    pub size: usize,
    /// Mean silhouette.
    pub silhouette: f64,
    /// Most representative units.
    pub representatives: Vec<JsonRep<'a>>,
}

/// A representative unit.
#[derive(Debug, Serialize)]
pub struct JsonRep<'a> {
    /// Thread id.
    pub thread: &'a str,
    /// Comment id (`null` for a paragraph of the post).
    pub comment_id: Option<&'a str>,
    /// Index of the unit within its comment.
    pub unit_index: u32,
    /// The unit's text.
    pub text: &'a str,
}

/// One unit in JSON.
#[derive(Debug, Serialize)]
pub struct JsonUnit<'a> {
    /// Thread id.
    pub thread: &'a str,
    /// Comment id (`null` for a paragraph of the post).
    pub comment_id: Option<&'a str>,
    /// Index of the unit within its comment.
    pub unit_index: u32,
    /// Cluster id (`null` when unclustered).
    pub cluster_id: Option<u32>,
    /// The unit's text.
    pub text: &'a str,
}

fn ids(corpus: &Corpus, thread: u32, comment: Option<u32>) -> (&str, Option<&str>) {
    let t = corpus.threads.get(thread as usize);
    let tid = t.map_or("", |t| t.id.as_str());
    let cid = comment
        .and_then(|c| t?.comments.get(c as usize))
        .map(|c| c.id.as_str());
    (tid, cid)
}

impl<'a> JsonOut<'a> {
    /// Builds the JSON view of a clustering.
    pub fn new(corpus: &'a Corpus, r: &'a Clustering) -> JsonOut<'a> {
        let unit = |i: usize| {
            let u = &r.units[i];
            let (thread, comment_id) = ids(corpus, u.thread, u.comment);
            JsonRep {
                thread,
                comment_id,
                unit_index: u.unit_index,
                text: &u.text,
            }
        };
        JsonOut {
            algorithm: &r.algorithm,
            k: r.k,
            k_scores: r
                .k_scores
                .iter()
                .map(|&(k, silhouette)| KScore { k, silhouette })
                .collect(),
            unclustered: r.units.iter().filter(|u| u.cluster.is_none()).count(),
            clusters: r
                .clusters
                .iter()
                .map(|c| JsonCluster {
                    id: c.id,
                    label: &c.label,
                    theme: c.theme.as_deref(),
                    terms: &c.terms,
                    size: c.size,
                    silhouette: c.silhouette,
                    representatives: c.representatives.iter().map(|&i| unit(i)).collect(),
                })
                .collect(),
            units: r
                .units
                .iter()
                .map(|u| {
                    let (thread, comment_id) = ids(corpus, u.thread, u.comment);
                    JsonUnit {
                        thread,
                        comment_id,
                        unit_index: u.unit_index,
                        cluster_id: u.cluster,
                        text: &u.text,
                    }
                })
                .collect(),
        }
    }
}

fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

/// The readable table: one block per cluster with label, size, silhouette, top terms and
/// representative units.
pub fn render_table(corpus: &Corpus, r: &Clustering) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let unclustered = r.units.iter().filter(|u| u.cluster.is_none()).count();
    let _ = write!(
        s,
        "{} units, {} clusters ({}",
        r.units.len(),
        r.clusters.len(),
        r.algorithm
    );
    if !r.k_scores.is_empty() {
        let tried: Vec<String> = r
            .k_scores
            .iter()
            .map(|(k, sc)| format!("{k}:{sc:.3}"))
            .collect();
        let _ = write!(
            s,
            "; k={} chosen by silhouette from {}",
            r.k,
            tried.join(" ")
        );
    }
    let _ = writeln!(s, ")\n");
    let _ = writeln!(s, "{:>3}  {:>5}  {:>6}  label", "id", "units", "silh.");
    for c in &r.clusters {
        let _ = writeln!(
            s,
            "{:>3}  {:>5}  {:>6.3}  {}",
            c.id, c.size, c.silhouette, c.label
        );
        let _ = writeln!(s, "{:>18}terms: {}", "", c.terms.join(", "));
        for &i in &c.representatives {
            let Some(u) = r.units.get(i) else { continue };
            let (_, cid) = ids(corpus, u.thread, u.comment);
            let who = match cid {
                Some(id) => format!("{id} #{}", u.unit_index),
                None => format!("post ¶{}", u.unit_index),
            };
            let _ = writeln!(s, "{:>18}· [{who}] {}", "", excerpt(&u.text, 90));
        }
        s.push('\n');
    }
    if unclustered > 0 {
        let _ = writeln!(s, "  -  {unclustered:>5}          unclustered / noise");
    }
    s
}
