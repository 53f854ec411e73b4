//! The numbers a report shows, computed once from an [`Analysis`] so that the HTML and the
//! Markdown report state the same findings. A part whose analysis did not run is `None`.

use crate::analyze::pipeline::{Analysis, STAGE_MODERATE};
use crate::analyze::{CommentRef, Stance};
use crate::model::Timestamp;
use crate::moderate::{Action, Flag, Severity};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One bar of a chart or one row of a distribution table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// What the bar counts ("depth 2", a cluster label, a day).
    pub label: String,
    /// The count.
    pub value: u64,
    /// Colour class for the bar (`""` = default).
    pub class: &'static str,
}

impl Bar {
    fn new(label: impl Into<String>, value: u64) -> Bar {
        Bar {
            label: label.into(),
            value,
            class: "",
        }
    }
}

/// The rebuttal map as the reports show it: [`crate::analyze::dynamics::rebuttal_map`]
/// with cluster labels and comments named for display.
#[derive(Debug, Clone, PartialEq)]
pub struct RebuttalMap {
    /// Cluster ids and labels, in id order (row and column order).
    pub clusters: Vec<(u32, String)>,
    /// The counts, `[from][to]`: replies in cluster `from` rebutting a comment in `to`.
    pub counts: Vec<Vec<u64>>,
    /// All rebuttals, clustered or not.
    pub total: u64,
    /// Rebuttals where the reply or its parent has no cluster.
    pub unclustered: u64,
    /// Per cluster (id order): comments, comments that drew a reply, comments that drew a
    /// rebuttal, comments that drew no reply.
    pub coverage: Vec<(u32, usize, usize, usize, usize)>,
    /// Rebuttal chains (each comment rebutting the one before), longest first, as
    /// (thread index, comment index) pairs.
    pub chains: Vec<Vec<(u32, u32)>>,
}

/// How many flags one rule raised.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCount {
    /// Rule id.
    pub rule: String,
    /// Most severe severity among its flags.
    pub severity: Severity,
    /// Action of its first flag.
    pub action: Action,
    /// Number of flags.
    pub flags: u64,
}

/// Moderation in numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ModerationSummary {
    /// Total flags.
    pub flags: u64,
    /// Distinct comments with at least one flag.
    pub flagged_comments: u64,
    /// Per rule, most flags first, then rule id.
    pub by_rule: Vec<RuleCount>,
    /// Per severity, most severe first (only severities that occur).
    pub by_severity: Vec<(Severity, u64)>,
}

impl ModerationSummary {
    /// "5 flags on 3 comments (2 high, 3 medium)" — the summary both reports print.
    pub fn headline(&self) -> String {
        let mut s = format!(
            "{} on {}",
            plural(self.flags, "flag", "flags"),
            plural(self.flagged_comments, "comment", "comments")
        );
        if !self.by_severity.is_empty() {
            let parts: Vec<String> = self
                .by_severity
                .iter()
                .map(|(sev, n)| format!("{n} {}", severity_name(*sev)))
                .collect();
            s.push_str(&format!(" ({})", parts.join(", ")));
        }
        s
    }
}

/// "1 flag", "2 flags".
pub fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why a stage's result is missing, from its pipeline record (plain text; each report
/// escapes it).
pub fn not_run(a: &Analysis, stage: &str) -> String {
    let detail = a
        .stages
        .iter()
        .find(|s| s.name == stage)
        .map(|s| s.detail.as_str())
        .unwrap_or("");
    if detail.is_empty() {
        format!("The {stage} stage was not run.")
    } else {
        format!("The {stage} stage was not run ({detail}).")
    }
}

/// Everything a report states about an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings {
    /// Threads in the corpus.
    pub n_threads: usize,
    /// Threads with at least one comment.
    pub n_threads_with_comments: usize,
    /// Comments in the corpus.
    pub n_comments: usize,
    /// Comments that answer another comment.
    pub n_replies: usize,
    /// Distinct author names.
    pub n_authors: usize,
    /// Comments with a timestamp.
    pub n_timestamped: usize,
    /// Comments per depth.
    pub depth: Vec<Bar>,
    /// Comments per number of direct replies.
    pub replies: Vec<Bar>,
    /// Units per cluster (clustering ran).
    pub cluster_sizes: Option<Vec<Bar>>,
    /// Replies per stance (stance ran).
    pub stance_mix: Option<Vec<Bar>>,
    /// Comments per time bin and the bin width's name (some comments have timestamps).
    pub over_time: Option<(String, Vec<Bar>)>,
    /// Rebuttals between clusters (clustering and stance ran).
    pub rebuttals: Option<RebuttalMap>,
    /// Moderation (moderation ran).
    pub moderation: Option<ModerationSummary>,
}

/// Most bars a distribution chart gets before values are grouped into ranges.
const MAX_BARS: u32 = 24;

/// Counts of small non-negative values, one bar per value, or per range when there are many.
pub fn histogram(values: &[u32]) -> Vec<Bar> {
    let Some(&max) = values.iter().max() else {
        return Vec::new();
    };
    let width = if max < MAX_BARS {
        1
    } else {
        (max / (MAX_BARS - 4)) + 1
    };
    let mut counts = vec![0u64; (max / width) as usize + 1];
    for &v in values {
        counts[(v / width) as usize] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let lo = i as u32 * width;
            let label = if width == 1 {
                lo.to_string()
            } else {
                format!("{lo}–{}", lo + width - 1)
            };
            Bar::new(label, n)
        })
        .collect()
}

/// Comments per time bin: the bin width is the smallest of hour, 6 hours, day, week, 30 days,
/// year (then decades…) that needs at most 40 bins. Empty bins between are kept.
pub fn time_bins(stamps: &[Timestamp]) -> Option<(String, Vec<Bar>)> {
    let min = stamps.iter().min()?.0;
    let max = stamps.iter().max()?.0;
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;
    let mut widths: Vec<(i64, String)> = vec![
        (HOUR, "hour".into()),
        (6 * HOUR, "6 hours".into()),
        (DAY, "day".into()),
        (7 * DAY, "week".into()),
        (30 * DAY, "30 days".into()),
        (365 * DAY, "365 days".into()),
    ];
    // Decades upwards until one bin spans any i64 range (sources may hold absurd dates).
    let mut years: i64 = 3650;
    while let Some(w) = years.checked_mul(DAY) {
        widths.push((w, format!("{} years", years / 365)));
        years = match years.checked_mul(10) {
            Some(y) => y,
            None => break,
        };
    }
    let (width, name) = widths
        .into_iter()
        .find(|(w, _)| max.div_euclid(*w) - min.div_euclid(*w) < 40)?;
    let first = min.div_euclid(width);
    let last = max.div_euclid(width);
    let mut counts = vec![0u64; (last - first + 1) as usize];
    for t in stamps {
        counts[(t.0.div_euclid(width) - first) as usize] += 1;
    }
    let bars = counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let start = Timestamp((first + i as i64) * width).to_rfc3339();
            let label = if width < DAY {
                format!("{} {}:00", &start[..10], &start[11..13])
            } else {
                start[..10].to_string()
            };
            Bar::new(label, n)
        })
        .collect();
    Some((name, bars))
}

/// Per-comment annotations the reports print next to each comment.
pub struct Annotations<'a> {
    /// Cluster of each comment `[thread][comment]` (clustering ran).
    pub clusters: Option<Vec<Vec<Option<u32>>>>,
    /// Cluster labels by id.
    pub labels: BTreeMap<u32, &'a str>,
    /// Flags of each comment, keyed by (thread index, comment index), in flag order.
    pub flags: HashMap<(u32, u32), Vec<&'a Flag>>,
    /// Flags whose comment is not in the corpus (shown in the moderation section only).
    pub orphan_flags: usize,
}

impl<'a> Annotations<'a> {
    /// Indexes an analysis's per-comment results.
    pub fn new(a: &'a Analysis) -> Annotations<'a> {
        let clusters = a.clustering.as_ref().map(|c| c.comment_clusters(&a.corpus));
        let labels = a
            .clustering
            .iter()
            .flat_map(|c| &c.clusters)
            .map(|c| (c.id, c.label.as_str()))
            .collect();
        // Every comment's place by its ids: sized once and hashed with Fx, as it holds a
        // million keys at a million comments (growing a SipHash table was a hundredth of
        // the whole run's CPU time).
        let mut where_is: FxHashMap<(&str, &str), (u32, u32)> = FxHashMap::default();
        if !a.flags.is_empty() {
            where_is.reserve(a.n_comments());
            for (ti, t) in a.corpus.threads.iter().enumerate() {
                for (ci, c) in t.comments.iter().enumerate() {
                    where_is.insert((t.id.as_str(), c.id.as_str()), (ti as u32, ci as u32));
                }
            }
        }
        let mut flags: HashMap<(u32, u32), Vec<&Flag>> = HashMap::new();
        let mut orphan_flags = 0;
        for f in &a.flags {
            match where_is.get(&(f.thread_id.as_str(), f.comment_id.as_str())) {
                Some(&at) => flags.entry(at).or_default().push(f),
                None => orphan_flags += 1,
            }
        }
        Annotations {
            clusters,
            labels,
            flags,
            orphan_flags,
        }
    }

    /// Cluster id of a comment, when clustering ran and assigned one.
    pub fn cluster(&self, thread: usize, comment: usize) -> Option<u32> {
        self.clusters.as_ref()?.get(thread)?.get(comment).copied()?
    }

    /// Flags of a comment (empty when none or moderation did not run).
    pub fn flags(&self, thread: usize, comment: usize) -> &[&'a Flag] {
        self.flags
            .get(&(thread as u32, comment as u32))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// The CSS class of a stance (`st-agree`, …).
pub fn stance_class(s: Stance) -> &'static str {
    match s {
        Stance::Agree => "st-agree",
        Stance::Rebut => "st-rebut",
        Stance::Neutral => "st-neutral",
    }
}

/// The name of a severity.
pub fn severity_name(s: Severity) -> &'static str {
    crate::export::frames::severity_name(s)
}

/// The name of an action.
pub fn action_name(a: Action) -> &'static str {
    crate::export::frames::action_name(a)
}

/// Computes the findings of an analysis.
pub fn compute(a: &Analysis, notes: &Annotations<'_>) -> Findings {
    let threads = &a.corpus.threads;
    let mut depths = Vec::new();
    let mut reply_counts = Vec::new();
    let mut stamps = Vec::new();
    // Only counted: a hash set, as a million comments' authors made the ordered set's
    // string comparisons a hundredth of the run.
    let mut authors: FxHashSet<&str> = FxHashSet::default();
    let mut n_replies = 0;
    for (t, tree) in threads.iter().zip(&a.trees) {
        for (ci, c) in t.comments.iter().enumerate() {
            depths.push(c.depth);
            reply_counts.push(tree.n_replies.get(ci).copied().unwrap_or(0));
            if let Some(ts) = c.timestamp {
                stamps.push(ts);
            }
            if let Some(au) = &c.author {
                authors.insert(au.as_str());
            }
            if c.parent_index.is_some() {
                n_replies += 1;
            }
        }
    }
    Findings {
        n_threads: threads.len(),
        n_threads_with_comments: threads.iter().filter(|t| !t.comments.is_empty()).count(),
        n_comments: depths.len(),
        n_replies,
        n_authors: authors.len(),
        n_timestamped: stamps.len(),
        depth: histogram(&depths),
        replies: histogram(&reply_counts),
        cluster_sizes: cluster_sizes(a),
        stance_mix: stance_mix(a),
        over_time: time_bins(&stamps),
        rebuttals: rebuttal_map(a, notes),
        moderation: moderation(a),
    }
}

fn cluster_sizes(a: &Analysis) -> Option<Vec<Bar>> {
    let c = a.clustering.as_ref()?;
    let mut bars: Vec<Bar> = c
        .clusters
        .iter()
        .map(|k| Bar::new(format!("C{} {}", k.id, k.label), k.size as u64))
        .collect();
    let noise = c.units.iter().filter(|u| u.cluster.is_none()).count() as u64;
    if noise > 0 {
        bars.push(Bar {
            label: "no cluster".into(),
            value: noise,
            class: "muted",
        });
    }
    Some(bars)
}

fn stance_mix(a: &Analysis) -> Option<Vec<Bar>> {
    let s = a.stances.as_ref()?;
    let mut counts = [0u64; 3];
    let mut unlabelled = 0;
    for (ti, t) in a.corpus.threads.iter().enumerate() {
        for (ci, c) in t.comments.iter().enumerate() {
            if c.parent_index.is_none() {
                continue;
            }
            let at = CommentRef {
                thread: ti as u32,
                comment: ci as u32,
            };
            match s.get(at).map(|r| r.stance) {
                Some(Stance::Agree) => counts[0] += 1,
                Some(Stance::Rebut) => counts[1] += 1,
                Some(Stance::Neutral) => counts[2] += 1,
                None => unlabelled += 1,
            }
        }
    }
    let mut bars: Vec<Bar> = [Stance::Agree, Stance::Rebut, Stance::Neutral]
        .into_iter()
        .zip(counts)
        .map(|(st, n)| Bar {
            label: st.name().into(),
            value: n,
            class: stance_class(st),
        })
        .collect();
    if unlabelled > 0 {
        bars.push(Bar {
            label: "no label".into(),
            value: unlabelled,
            class: "muted",
        });
    }
    Some(bars)
}

fn rebuttal_map(a: &Analysis, notes: &Annotations<'_>) -> Option<RebuttalMap> {
    let clustering = a.clustering.as_ref()?;
    let stances = a.stances.as_ref()?;
    let per_comment = notes.clusters.as_ref()?;
    let m = crate::analyze::dynamics::rebuttal_map(&a.corpus, stances, per_comment).ok()?;
    let label = |id: u32| {
        clustering
            .clusters
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.label.clone())
            .unwrap_or_default()
    };
    let clustered: u64 = m.table.iter().flatten().map(|&n| n as u64).sum();
    Some(RebuttalMap {
        clusters: m.clusters.iter().map(|&id| (id, label(id))).collect(),
        counts: m
            .table
            .iter()
            .map(|row| row.iter().map(|&n| n as u64).collect())
            .collect(),
        total: clustered + m.unclustered_rebuttals as u64,
        unclustered: m.unclustered_rebuttals as u64,
        coverage: m
            .arguments
            .iter()
            .map(|u| {
                (
                    u.cluster,
                    u.comments,
                    u.replied,
                    u.rebutted,
                    u.unanswered.len(),
                )
            })
            .collect(),
        chains: m
            .chains
            .iter()
            .map(|c| c.comments.iter().map(|r| (r.thread, r.comment)).collect())
            .collect(),
    })
}

fn moderation(a: &Analysis) -> Option<ModerationSummary> {
    if !a.ran(STAGE_MODERATE) {
        return None;
    }
    let mut rules: BTreeMap<&str, RuleCount> = BTreeMap::new();
    let mut severities: BTreeMap<Severity, u64> = BTreeMap::new();
    let mut comments = BTreeSet::new();
    for f in &a.flags {
        let r = rules.entry(f.rule.as_str()).or_insert_with(|| RuleCount {
            rule: f.rule.clone(),
            severity: f.severity,
            action: f.action,
            flags: 0,
        });
        r.flags += 1;
        r.severity = r.severity.max(f.severity);
        *severities.entry(f.severity).or_default() += 1;
        comments.insert((f.thread_id.as_str(), f.comment_id.as_str()));
    }
    let mut by_rule: Vec<RuleCount> = rules.into_values().collect();
    by_rule.sort_by(|x, y| y.flags.cmp(&x.flags).then_with(|| x.rule.cmp(&y.rule)));
    Some(ModerationSummary {
        flags: a.flags.len() as u64,
        flagged_comments: comments.len() as u64,
        by_rule,
        by_severity: severities.into_iter().rev().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_has_one_bar_per_value_then_ranges() {
        let bars = histogram(&[0, 0, 2]);
        let got: Vec<(&str, u64)> = bars.iter().map(|b| (&*b.label, b.value)).collect();
        assert_eq!(got, [("0", 2), ("1", 0), ("2", 1)]);
        let many: Vec<u32> = (0..1000).collect();
        let bars = histogram(&many);
        assert!(bars.len() <= MAX_BARS as usize, "{}", bars.len());
        assert_eq!(bars.iter().map(|b| b.value).sum::<u64>(), 1000);
        assert_eq!(bars[0].label, "0–49");
        assert!(histogram(&[]).is_empty());
    }

    #[test]
    fn time_bins_pick_a_width_and_keep_gaps() {
        let t = |s: &str| crate::model::parse_timestamp(s).unwrap();
        let (name, bars) = time_bins(&[
            t("2015-11-19T15:45:00Z"),
            t("2015-11-19T16:10:00Z"),
            t("2015-11-19T18:00:00Z"),
        ])
        .unwrap();
        assert_eq!(name, "hour");
        let got: Vec<(&str, u64)> = bars.iter().map(|b| (&*b.label, b.value)).collect();
        assert_eq!(
            got,
            [
                ("2015-11-19 15:00", 1),
                ("2015-11-19 16:00", 1),
                ("2015-11-19 17:00", 0),
                ("2015-11-19 18:00", 1)
            ]
        );
        let (name, bars) =
            time_bins(&[t("2001-01-01T00:00:00Z"), t("2015-06-01T00:00:00Z")]).unwrap();
        assert_eq!(name, "365 days");
        assert!(bars.len() <= 40);
        assert!(time_bins(&[]).is_none());
        let (_, bars) = time_bins(&[Timestamp(-(1 << 60)), Timestamp(1 << 60)]).unwrap();
        assert_eq!(bars.iter().map(|b| b.value).sum::<u64>(), 2);
    }
}
