//! `report.html`: one self-contained page (inline CSS and SVG, no script, no network).
//!
//! Every string that comes from the input is escaped with [`escape::html`]; URLs become links
//! only through [`escape::safe_url`]. Reply trees are written from an explicit stack, and
//! nesting stops growing at [`MAX_NEST`] levels so a very deep chain stays readable.

use super::charts::bar_chart;
use super::escape::{self, html as esc};
use super::findings::{
    self, Annotations, Findings, action_name, not_run, plural, severity_name, stance_class,
};
use super::{MAX_THREAD_ROWS, ReportOptions};
use crate::analyze::CommentRef;
use crate::analyze::pipeline::{Analysis, STAGE_CLUSTER, STAGE_MODERATE, STAGE_STANCE};
use crate::model::{AuthorSource, CommentKind, CommentStatus, LinkKind, SourceStatus, Thread};
use std::fmt::Write;

/// Deepest visual nesting of a reply tree; deeper replies are listed at this level with a
/// link to their parent.
pub const MAX_NEST: usize = 12;

/// Flags listed one by one in the moderation section (all are in the flags table).
const MAX_FLAG_ROWS: usize = 500;

const STYLE: &str = "
:root{--fg:#1d2330;--muted:#6b7280;--line:#e3e6ec;--bg:#fff;--soft:#f5f7fa;--accent:#3f6fb5}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:17px;margin:0 0 4px}
a{color:var(--accent)}
nav{margin:12px 0 8px;font-size:14px}
nav a{margin-right:14px}
.lead{color:var(--muted);margin:0}
.na{color:var(--muted);font-style:italic}
table{border-collapse:collapse;margin:8px 0 12px;font-size:14px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:18px 28px}
.chart-box{flex:0 0 500px}
.chart-box p{margin:0}
.thread{margin:26px 0;padding:16px 18px;border:1px solid var(--line);border-radius:8px}
.meta{color:var(--muted);font-size:13px;margin:2px 0}
.warn{color:#8a5a00;font-size:13px}
details>summary{cursor:pointer;color:var(--muted);font-size:13px}
.article p{margin:6px 0;max-width:75ch}
ol.tree,ol.tree ol{list-style:none;margin:4px 0;padding-left:0}
ol.tree ol{padding-left:22px;border-left:2px solid var(--line);margin-left:6px}
li.c{margin:8px 0}
.ch{font-size:13px;color:var(--muted)}
.ch .no{font-weight:bold;color:var(--fg)}
.ch .au{font-weight:600;color:var(--fg)}
.tx p{margin:3px 0 5px;max-width:80ch;overflow-wrap:anywhere}
.b{display:inline-block;border-radius:9px;padding:0 7px;font-size:12px;margin-left:4px;border:1px solid transparent}
.cl{background:#e8eefa;color:#24437a}
.st-agree{background:#e5f3e6;color:#1b5e20}
.st-rebut{background:#fbe7e7;color:#a11a1a}
.st-neutral{background:#eceff1;color:#455a64}
.fl{background:#fff4e0;color:#7a4b00;border-color:#f0c27a}
.sev-high,.sev-critical{background:#fde2e2;color:#8b1111;border-color:#e99}
.k{background:var(--soft);color:var(--muted)}
.rep{margin:2px 0;font-size:14px}
td.heat{text-align:center;min-width:44px}
footer{margin-top:40px;color:var(--muted);font-size:13px}
";

/// Renders the whole report.
pub fn render(a: &Analysis, opts: &ReportOptions) -> String {
    let notes = Annotations::new(a);
    let f = findings::compute(a, &notes);
    let mut out = String::with_capacity(64 * 1024 + a.n_comments() * 600);
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\n<title>threadlens report</title>\n<style>",
    );
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    header(&mut out, a, &f, opts);
    pipeline(&mut out, a);
    overview(&mut out, a);
    charts(&mut out, a, &f);
    clusters(&mut out, a);
    rebuttals(&mut out, a, &f);
    moderation(&mut out, a, &f, &notes);
    threads(&mut out, a, &notes, opts);
    let _ = writeln!(
        out,
        "<footer>Written by threadlens {}. {}</footer>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        match &opts.tables_dir {
            Some(d) => format!(
                "Every number here can be recomputed from the tables in <code>{}/</code>.",
                esc(d)
            ),
            None => String::new(),
        }
    );
    out
}

fn header(out: &mut String, a: &Analysis, f: &Findings, opts: &ReportOptions) {
    let s = &a.corpus.stats;
    let _ = writeln!(
        out,
        "<h1>threadlens report</h1>\n<p class=\"lead\">{} ({} with comments) · {} · {} · \
         {} · seed {}</p>",
        plural(f.n_threads as u64, "thread", "threads"),
        f.n_threads_with_comments,
        plural(f.n_comments as u64, "comment", "comments"),
        plural(f.n_replies as u64, "reply", "replies"),
        plural(f.n_authors as u64, "named author", "named authors"),
        a.seed,
    );
    let _ = write!(
        out,
        "<p class=\"lead\">Records read {}, parsed {}, skipped {}.",
        s.read, s.parsed, s.skipped
    );
    if let Some(at) = &opts.generated_at {
        let _ = write!(out, " Generated {}.", esc(at));
    }
    out.push_str("</p>\n");
    if !s.warnings.is_empty() {
        let _ = write!(
            out,
            "<details><summary>{}</summary><ul>",
            plural(s.warnings.len() as u64, "ingest warning", "ingest warnings")
        );
        for w in &s.warnings {
            let _ = write!(out, "<li class=\"warn\">{}</li>", esc(w));
        }
        out.push_str("</ul></details>\n");
    }
    out.push_str(
        "<nav><a href=\"#pipeline\">Pipeline</a><a href=\"#overview\">Threads</a>\
         <a href=\"#charts\">Charts</a><a href=\"#clusters\">Clusters</a>\
         <a href=\"#rebuttals\">Rebuttal map</a><a href=\"#moderation\">Moderation</a>\
         <a href=\"#trees\">Reply trees</a></nav>\n",
    );
}

fn pipeline(out: &mut String, a: &Analysis) {
    out.push_str(
        "<h2 id=\"pipeline\">Pipeline</h2>\n<table><tr><th>stage</th><th>status</th>\
         <th>detail</th></tr>\n",
    );
    let _ = writeln!(
        out,
        "<tr><td>parse</td><td>ran</td><td>{} rebuilt, reply trees linked and checked</td></tr>",
        plural(a.corpus.threads.len() as u64, "thread", "threads")
    );
    for s in &a.stages {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.name),
            if s.ran { "ran" } else { "<b>not run</b>" },
            esc(&s.detail)
        );
    }
    out.push_str("</table>\n");
}

fn overview(out: &mut String, a: &Analysis) {
    out.push_str(
        "<h2 id=\"overview\">Threads</h2>\n<table><tr><th>thread</th><th>title</th>\
         <th>format</th><th>comments</th><th>page announces</th><th>top-level</th>\
         <th>max depth</th>",
    );
    for m in &a.thread_metrics {
        let _ = write!(
            out,
            "<th title=\"{}\">{}</th>",
            esc(&m.description),
            esc(&m.name)
        );
    }
    out.push_str("</tr>\n");
    for (ti, (t, tree)) in a
        .corpus
        .threads
        .iter()
        .zip(&a.trees)
        .enumerate()
        .take(MAX_THREAD_ROWS)
    {
        let _ = write!(
            out,
            "<tr><td><a href=\"#t{ti}\">{}</a></td><td>{}</td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            esc(&t.id),
            esc(t.post.title.as_deref().unwrap_or("")),
            t.format,
            t.comments.len(),
            t.header_count.map(|h| h.to_string()).unwrap_or_default(),
            tree.n_top_level,
            tree.max_depth.map(|d| d.to_string()).unwrap_or_default(),
        );
        for m in &a.thread_metrics {
            let v = m.values.get(ti).copied().flatten();
            let _ = write!(
                out,
                "<td class=\"n\">{}</td>",
                v.map(|v| format!("{v:.3}")).unwrap_or_default()
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    more_threads(out, a.corpus.threads.len().saturating_sub(MAX_THREAD_ROWS));
}

fn more_threads(out: &mut String, hidden: usize) {
    if hidden > 0 {
        let _ = writeln!(
            out,
            "<p class=\"na\">{} not listed here; every thread is in the threads table.</p>",
            plural(hidden as u64, "more thread", "more threads")
        );
    }
}

fn chart_box(out: &mut String, title: &str, bars: Option<&[findings::Bar]>, missing: &str) {
    out.push_str("<div class=\"chart-box\">");
    match bars {
        Some(b) if !b.is_empty() => out.push_str(&bar_chart(title, b)),
        _ => {
            let _ = write!(
                out,
                "<p><b>{}</b></p><p class=\"na\">{}</p>",
                esc(title),
                esc(missing)
            );
        }
    }
    out.push_str("</div>\n");
}

fn charts(out: &mut String, a: &Analysis, f: &Findings) {
    out.push_str("<h2 id=\"charts\">Charts</h2>\n<div class=\"charts\">\n");
    chart_box(out, "Comments by depth", Some(&f.depth), "No comments.");
    chart_box(
        out,
        "Comments by number of direct replies",
        Some(&f.replies),
        "No comments.",
    );
    chart_box(
        out,
        "Cluster sizes (units)",
        f.cluster_sizes.as_deref(),
        &not_run(a, STAGE_CLUSTER),
    );
    chart_box(
        out,
        "Stance of replies toward their parent",
        f.stance_mix.as_deref(),
        &not_run(a, STAGE_STANCE),
    );
    match &f.over_time {
        Some((width, bars)) => chart_box(
            out,
            &format!("Comments over time (per {width}, UTC)"),
            Some(bars),
            "",
        ),
        None => chart_box(
            out,
            "Comments over time",
            None,
            "No comment has a timestamp.",
        ),
    }
    out.push_str("</div>\n");
}

fn clusters(out: &mut String, a: &Analysis) {
    out.push_str("<h2 id=\"clusters\">Clusters</h2>\n");
    let Some(c) = &a.clustering else {
        let _ = writeln!(
            out,
            "<p class=\"na\">{}</p>",
            esc(&not_run(a, STAGE_CLUSTER))
        );
        return;
    };
    let _ = writeln!(
        out,
        "<p>{} in {} ({}, k = {}).</p>",
        plural(c.units.len() as u64, "unit", "units"),
        plural(c.clusters.len() as u64, "cluster", "clusters"),
        esc(&c.algorithm),
        c.k
    );
    if !c.k_scores.is_empty() {
        out.push_str("<details><summary>silhouette of each k tried</summary><table><tr><th>k</th><th>silhouette</th></tr>");
        for (k, s) in &c.k_scores {
            let _ = write!(
                out,
                "<tr><td class=\"n\">{k}</td><td class=\"n\">{s:.3}</td></tr>"
            );
        }
        out.push_str("</table></details>\n");
    }
    out.push_str(
        "<table><tr><th>cluster</th><th>label</th><th>size</th><th>silhouette</th>\
         <th>top terms</th><th>representative units</th></tr>\n",
    );
    for k in &c.clusters {
        let _ = write!(
            out,
            "<tr><td>C{}</td><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td><td>{}</td><td>",
            k.id,
            esc(&k.label),
            k.theme
                .as_deref()
                .map(|t| format!(" <span class=\"b k\">theme {}</span>", esc(t)))
                .unwrap_or_default(),
            k.size,
            k.silhouette,
            esc(&k.terms.join(", ")),
        );
        for &r in k.representatives.iter().take(3) {
            let Some(u) = c.units.get(r) else { continue };
            let link = u
                .comment
                .map(|ci| format!(" <a href=\"#t{}-c{ci}\">→</a>", u.thread))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<p class=\"rep\">“{}”{link}</p>",
                esc(&escape::snippet(&u.text, 40))
            );
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</table>\n");
}

fn rebuttals(out: &mut String, a: &Analysis, f: &Findings) {
    out.push_str("<h2 id=\"rebuttals\">Rebuttal map</h2>\n");
    let Some(m) = &f.rebuttals else {
        let mut why = Vec::new();
        if a.clustering.is_none() {
            why.push(not_run(a, STAGE_CLUSTER));
        }
        if a.stances.is_none() {
            why.push(not_run(a, STAGE_STANCE));
        }
        let _ = writeln!(
            out,
            "<p class=\"na\">Needs clusters and stances. {}</p>",
            esc(&why.join(" "))
        );
        return;
    };
    let _ = writeln!(
        out,
        "<p>{} ({} where the reply or its parent has no cluster). Rows: cluster of the \
         rebutting reply; columns: cluster of the comment it rebuts.</p>",
        plural(m.total, "rebuttal", "rebuttals"),
        m.unclustered
    );
    let max = m.counts.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    out.push_str("<table><tr><th>reply in ↓ / rebuts →</th>");
    for (id, label) in &m.clusters {
        let _ = write!(out, "<th title=\"{}\">C{id}</th>", esc(label));
    }
    out.push_str("</tr>\n");
    for (i, (id, label)) in m.clusters.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><th>C{id} {}</th>",
            esc(&escape::truncate(label, 30))
        );
        for &n in &m.counts[i] {
            let alpha = (n as f64 / max * 0.8 * 100.0).round() / 100.0;
            let _ = write!(
                out,
                "<td class=\"heat\" style=\"background:rgba(198,40,40,{alpha})\">{n}</td>"
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    if !m.coverage.is_empty() {
        out.push_str(
            "<h3>Replies per argument</h3>\n<table><tr><th>cluster</th><th>comments</th>\
             <th>drew a reply</th><th>drew a rebuttal</th><th>drew no reply</th></tr>\n",
        );
        for &(id, n, replied, rebutted, unanswered) in &m.coverage {
            let _ = writeln!(
                out,
                "<tr><th>C{id}</th><td>{n}</td><td>{replied}</td><td>{rebutted}</td><td>{unanswered}</td></tr>"
            );
        }
        out.push_str("</table>\n");
    }
    if !m.chains.is_empty() {
        out.push_str("<h3>Rebuttal chains</h3>\n<ul>\n");
        for chain in &m.chains {
            let links: Vec<String> = chain
                .iter()
                .map(|&(ti, ci)| comment_anchor(a, ti, ci))
                .collect();
            let _ = writeln!(out, "<li>{}</li>", links.join(" ← rebutted by "));
        }
        out.push_str("</ul>\n");
    }
}

fn comment_anchor(a: &Analysis, ti: u32, ci: u32) -> String {
    let label = a
        .corpus
        .threads
        .get(ti as usize)
        .and_then(|t| t.comments.get(ci as usize))
        .map(|c| match (&c.number, &c.author) {
            (Some(n), Some(au)) => format!("{n}. {au}"),
            (Some(n), None) => format!("{n}."),
            (None, Some(au)) => format!("#{} {au}", c.position),
            (None, None) => format!("#{}", c.position),
        })
        .unwrap_or_default();
    format!("<a href=\"#t{ti}-c{ci}\">{}</a>", esc(&label))
}

fn moderation(out: &mut String, a: &Analysis, f: &Findings, notes: &Annotations<'_>) {
    out.push_str("<h2 id=\"moderation\">Moderation</h2>\n");
    let Some(m) = &f.moderation else {
        let _ = writeln!(
            out,
            "<p class=\"na\">{}</p>",
            esc(&not_run(a, STAGE_MODERATE))
        );
        return;
    };
    let _ = writeln!(out, "<p>{}.</p>", esc(&m.headline()));
    if m.by_rule.is_empty() {
        return;
    }
    out.push_str("<table><tr><th>rule</th><th>severity</th><th>action</th><th>flags</th></tr>\n");
    for r in &m.by_rule {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&r.rule),
            severity_name(r.severity),
            action_name(r.action),
            r.flags
        );
    }
    out.push_str("</table>\n");
    // Most severe first, then corpus order.
    let mut rows: Vec<((u32, u32), &crate::moderate::Flag)> = notes
        .flags
        .iter()
        .flat_map(|(at, fs)| fs.iter().map(move |f| (*at, *f)))
        .collect();
    rows.sort_by(|x, y| {
        y.1.severity
            .cmp(&x.1.severity)
            .then(x.0.cmp(&y.0))
            .then_with(|| x.1.rule.cmp(&y.1.rule))
    });
    out.push_str(
        "<details open><summary>flagged comments</summary><table><tr><th>comment</th>\
         <th>thread</th><th>rule</th><th>severity</th><th>action</th><th>reason</th>\
         <th>matched</th></tr>\n",
    );
    for ((ti, ci), fl) in rows.iter().take(MAX_FLAG_ROWS) {
        let matched: Vec<String> = fl.evidence.iter().map(|s| esc(&s.text)).collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            comment_anchor(a, *ti, *ci),
            esc(&fl.thread_id),
            esc(&fl.rule),
            severity_name(fl.severity),
            action_name(fl.action),
            esc(&fl.reason),
            matched.join(" · ")
        );
    }
    out.push_str("</table></details>\n");
    let hidden = rows.len().saturating_sub(MAX_FLAG_ROWS) + notes.orphan_flags;
    if hidden > 0 {
        let _ = writeln!(
            out,
            "<p class=\"na\">{hidden} more flags (or flags on comments not in this corpus) are \
             in the flags table.</p>"
        );
    }
}

fn threads(out: &mut String, a: &Analysis, notes: &Annotations<'_>, opts: &ReportOptions) {
    out.push_str("<h2 id=\"trees\">Reply trees</h2>\n");
    let mut shown_what = Vec::new();
    for (present, what, stage) in [
        (a.clustering.is_some(), "cluster", STAGE_CLUSTER),
        (
            a.stances.is_some(),
            "stance toward the parent",
            STAGE_STANCE,
        ),
        (a.ran(STAGE_MODERATE), "moderation flags", STAGE_MODERATE),
    ] {
        if present {
            shown_what.push(format!("{what}: shown on each comment"));
        } else {
            shown_what.push(format!("{what}: not run ({stage})"));
        }
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">{}.</p>",
        esc(&shown_what.join("; "))
    );
    let mut budget = opts.max_tree_comments;
    let mut shown = 0;
    for ti in 0..a.corpus.threads.len() {
        if budget == 0 || shown == MAX_THREAD_ROWS {
            break;
        }
        thread_section(out, a, notes, ti, &mut budget, opts);
        shown += 1;
    }
    more_threads(out, a.corpus.threads.len() - shown);
}

fn thread_section(
    out: &mut String,
    a: &Analysis,
    notes: &Annotations<'_>,
    ti: usize,
    budget: &mut usize,
    opts: &ReportOptions,
) {
    let t = &a.corpus.threads[ti];
    let _ = writeln!(
        out,
        "<section class=\"thread\" id=\"t{ti}\">\n<h3>{}</h3>",
        esc(t.post.title.as_deref().unwrap_or(&t.id))
    );
    let mut meta = vec![
        format!("<code>{}</code>", esc(&t.id)),
        format!("{} from {}", t.format, esc(&t.source)),
    ];
    if let Some(b) = &t.post.byline {
        meta.push(format!("by {}", esc(b)));
    }
    if let Some(s) = &t.post.site {
        meta.push(esc(s));
    }
    match (&t.post.timestamp, &t.post.date) {
        (Some(ts), _) => meta.push(format!(
            "<time datetime=\"{ts}\">{}</time>",
            esc(&ts.to_rfc3339())
        )),
        (None, Some(d)) => meta.push(esc(d)),
        (None, None) => {}
    }
    if let Some(u) = &t.post.url {
        meta.push(link(u));
    }
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", meta.join(" · "));
    let mut counts = vec![plural(t.comments.len() as u64, "comment", "comments")];
    if let Some(h) = t.header_count {
        counts.push(format!("the page announces {h}"));
    }
    if t.known_missing > 0 {
        counts.push(format!("{} known missing", t.known_missing));
    }
    counts.push(
        match t.comment_status {
            CommentStatus::Open => "comments open",
            CommentStatus::Closed => "comments closed",
            CommentStatus::None => "no comment section",
        }
        .into(),
    );
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", counts.join(" · "));
    if !t.warnings.is_empty() {
        let _ = write!(
            out,
            "<details><summary>{}</summary><ul>",
            plural(t.warnings.len() as u64, "warning", "warnings")
        );
        for w in &t.warnings {
            let _ = write!(out, "<li class=\"warn\">{}</li>", esc(w));
        }
        out.push_str("</ul></details>\n");
    }
    if !t.post.paragraphs.is_empty() {
        let _ = write!(
            out,
            "<details class=\"article\"><summary>article ({})</summary>",
            plural(t.post.paragraphs.len() as u64, "paragraph", "paragraphs")
        );
        for p in &t.post.paragraphs {
            let _ = write!(out, "<p>{}</p>", esc(p));
        }
        out.push_str("</details>\n");
    }
    if t.comments.is_empty() {
        out.push_str("<p class=\"na\">No comments.</p>\n");
    } else {
        let shown = tree(out, a, notes, ti, budget);
        let hidden = t.comments.len() - shown;
        if hidden > 0 {
            let _ = writeln!(
                out,
                "<p class=\"na\">{} not shown (the report shows at most {} comments); every \
                 comment is in the comments table.</p>",
                plural(hidden as u64, "more comment", "more comments"),
                opts.max_tree_comments
            );
        }
    }
    out.push_str("</section>\n");
}

/// A URL as a link when it is http(s), as plain text otherwise.
fn link(url: &str) -> String {
    match escape::safe_url(url) {
        Some(u) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
            esc(u),
            esc(&escape::truncate(u, 80))
        ),
        None => format!("<span title=\"not a web link\">{}</span>", esc(url)),
    }
}

/// Writes the reply tree of thread `ti`, at most `budget` comments (decremented); returns the
/// number written. Nesting follows an explicit stack; `<ol>` levels stop at [`MAX_NEST`].
fn tree(
    out: &mut String,
    a: &Analysis,
    notes: &Annotations<'_>,
    ti: usize,
    budget: &mut usize,
) -> usize {
    let t = &a.corpus.threads[ti];
    let no_stats = Default::default();
    let stats = a.trees.get(ti).unwrap_or(&no_stats);
    let index = t.child_index();
    let mut stack: Vec<(u32, usize)> = index.roots().iter().rev().map(|&r| (r, 0)).collect();
    let mut open = 0usize;
    let mut li_open = false;
    let mut shown = 0;
    out.push_str("<ol class=\"tree\">\n");
    while let Some((n, depth)) = stack.pop() {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        shown += 1;
        let level = depth.min(MAX_NEST);
        while open > level {
            out.push_str("</li></ol></details>\n");
            open -= 1;
        }
        if level > open {
            let c = &t.comments[n as usize];
            let siblings = c
                .parent_index
                .and_then(|p| stats.n_replies.get(p as usize))
                .copied()
                .unwrap_or(0);
            let _ = writeln!(
                out,
                "<details open><summary>{}</summary><ol>",
                plural(siblings, "reply", "replies")
            );
            open += 1;
        } else if li_open {
            out.push_str("</li>\n");
        }
        comment(out, a, notes, ti, n as usize, depth);
        li_open = true;
        stack.extend(
            index
                .children(n as usize)
                .iter()
                .rev()
                .map(|&ch| (ch, depth + 1)),
        );
    }
    while open > 0 {
        out.push_str("</li></ol></details>\n");
        open -= 1;
    }
    if li_open {
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
    shown
}

/// One comment's `<li>` (left open: replies nest inside it).
fn comment(
    out: &mut String,
    a: &Analysis,
    notes: &Annotations<'_>,
    ti: usize,
    ci: usize,
    depth: usize,
) {
    let t: &Thread = &a.corpus.threads[ti];
    let c = &t.comments[ci];
    let _ = write!(out, "<li class=\"c\" id=\"t{ti}-c{ci}\"><div class=\"ch\">");
    match &c.number {
        Some(n) => {
            let _ = write!(out, "<span class=\"no\">{}.</span> ", esc(n));
        }
        None => {
            let _ = write!(out, "<span class=\"no\">#{}</span> ", c.position);
        }
    }
    match &c.author {
        Some(au) => {
            let _ = write!(out, "<span class=\"au\">{}</span>", esc(au));
        }
        None => out.push_str("<span>anonymous</span>"),
    }
    if let Some(src) = c.author_source
        && src != AuthorSource::Explicit
    {
        let _ = write!(
            out,
            " <span title=\"how the name was learned\">(name from {})</span>",
            crate::export::frames::author_source_name(src)
        );
    }
    if let Some(ts) = c.timestamp {
        let s = ts.to_rfc3339();
        let _ = write!(
            out,
            " · <time datetime=\"{s}\">{} {} UTC</time>",
            &s[..10],
            &s[11..16]
        );
    }
    match c.reply_link.kind {
        LinkKind::Root | LinkKind::Explicit => {}
        LinkKind::Dangling => {
            out.push_str(" · <span class=\"warn\">parent missing in source</span>")
        }
        LinkKind::Cycle => out.push_str(" · <span class=\"warn\">reply cycle cut here</span>"),
        k => {
            let kind = match k {
                LinkKind::Indentation => "indentation",
                LinkKind::Salutation => "salutation",
                LinkKind::Mention => "@mention",
                _ => "quote",
            };
            let _ = write!(
                out,
                " · <span title=\"how the parent was inferred\">parent from {kind} ({:.2})</span>",
                c.reply_link.confidence
            );
        }
    }
    if depth > MAX_NEST
        && let Some(p) = c.parent_index
    {
        let _ = write!(
            out,
            " · depth {depth}, answers {}",
            comment_anchor(a, ti as u32, p)
        );
    }
    if c.kind != CommentKind::Comment {
        let k = match c.kind {
            CommentKind::Pingback => "pingback",
            CommentKind::Trackback => "trackback",
            _ => "note",
        };
        let _ = write!(out, "<span class=\"b k\">{k}</span>");
    }
    if c.status != SourceStatus::Approved {
        let s = match c.status {
            SourceStatus::Pending => "pending",
            SourceStatus::Spam => "spam",
            _ => "deleted",
        };
        let _ = write!(out, "<span class=\"b k\">{s}</span>");
    }
    if let Some(k) = notes.cluster(ti, ci) {
        let label = notes.labels.get(&k).copied().unwrap_or("");
        let _ = write!(
            out,
            "<span class=\"b cl\" title=\"argument cluster\">C{k} {}</span>",
            esc(&escape::truncate(label, 40))
        );
    }
    let stance = a.stances.as_ref().and_then(|s| {
        s.get(CommentRef {
            thread: ti as u32,
            comment: ci as u32,
        })
    });
    if let Some(st) = stance {
        let evidence: Vec<String> = st
            .evidence
            .iter()
            .map(|e| format!("“{}” ({})", e.text, e.cue))
            .collect();
        let tip = if evidence.is_empty() {
            "stance toward the parent".to_string()
        } else {
            format!(
                "stance toward the parent; evidence: {}",
                evidence.join("; ")
            )
        };
        let _ = write!(
            out,
            "<span class=\"b {}\" title=\"{}\">{} {:.2}</span>",
            stance_class(st.stance),
            esc(&tip),
            st.stance.name(),
            st.confidence
        );
    }
    for f in notes.flags(ti, ci) {
        let _ = write!(
            out,
            "<span class=\"b fl sev-{sev}\" title=\"{sev} · {act}: {reason}\">⚑ {rule}</span>",
            sev = severity_name(f.severity),
            act = action_name(f.action),
            reason = esc(&f.reason),
            rule = esc(&f.rule)
        );
    }
    if let Some(u) = &c.url {
        let _ = write!(out, " · {}", link(u));
    }
    out.push_str("</div><div class=\"tx\">");
    let mut any = false;
    for p in c.paragraphs() {
        // Lines inside a paragraph (lists) keep their breaks.
        let _ = write!(out, "<p>{}</p>", esc(p).replace('\n', "<br>"));
        any = true;
    }
    if !any {
        out.push_str("<p class=\"na\">(empty)</p>");
    }
    out.push_str("</div>\n");
}
