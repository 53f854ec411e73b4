//! `report.md`: the findings of the HTML report as Markdown, for papers and issue trackers.
//!
//! Input text is escaped with [`escape::markdown`] (no raw HTML, no links from input except
//! http(s) autolinks); comments appear as one-line snippets in an indented list.

use super::escape::{self, markdown as md};
use super::findings::{self, Annotations, Bar, Findings, action_name, plural, severity_name};
use super::{MAX_THREAD_ROWS, ReportOptions};
use crate::analyze::CommentRef;
use crate::analyze::pipeline::{Analysis, STAGE_CLUSTER, STAGE_MODERATE, STAGE_STANCE};
use crate::model::{AuthorSource, CommentStatus};
use std::fmt::Write;

/// Deepest list indentation; deeper replies are listed at this level with their depth.
pub const MAX_NEST: usize = 12;

/// Words of a comment shown in its line.
const SNIPPET_WORDS: usize = 40;

/// Renders the Markdown report.
pub fn render(a: &Analysis, opts: &ReportOptions) -> String {
    let notes = Annotations::new(a);
    let f = findings::compute(a, &notes);
    let mut out = String::with_capacity(16 * 1024 + a.n_comments() * 300);
    header(&mut out, a, &f, opts);
    pipeline(&mut out, a);
    overview(&mut out, a);
    distributions(&mut out, a, &f);
    clusters(&mut out, a);
    rebuttals(&mut out, a, &f);
    moderation(&mut out, a, &f);
    trees(&mut out, a, &notes, opts);
    let _ = writeln!(
        out,
        "---\nWritten by threadlens {}.",
        env!("CARGO_PKG_VERSION")
    );
    out
}

fn not_run(a: &Analysis, stage: &str) -> String {
    format!("_{}_", md(&findings::not_run(a, stage)))
}

fn header(out: &mut String, a: &Analysis, f: &Findings, opts: &ReportOptions) {
    let s = &a.corpus.stats;
    let _ = writeln!(
        out,
        "# threadlens report\n\n{} ({} with comments) · {} · {} · {} · seed {}\n",
        plural(f.n_threads as u64, "thread", "threads"),
        f.n_threads_with_comments,
        plural(f.n_comments as u64, "comment", "comments"),
        plural(f.n_replies as u64, "reply", "replies"),
        plural(f.n_authors as u64, "named author", "named authors"),
        a.seed
    );
    let _ = write!(
        out,
        "Records read {}, parsed {}, skipped {}",
        s.read, s.parsed, s.skipped
    );
    if !s.warnings.is_empty() {
        let _ = write!(
            out,
            "; {}",
            plural(s.warnings.len() as u64, "ingest warning", "ingest warnings")
        );
    }
    out.push('.');
    if let Some(at) = &opts.generated_at {
        let _ = write!(out, " Generated {}.", md(at));
    }
    out.push_str("\n\n");
}

fn pipeline(out: &mut String, a: &Analysis) {
    out.push_str("## Pipeline\n\n| stage | status | detail |\n|---|---|---|\n");
    let _ = writeln!(
        out,
        "| parse | ran | {} rebuilt, reply trees linked and checked |",
        plural(a.corpus.threads.len() as u64, "thread", "threads")
    );
    for s in &a.stages {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            md(&s.name),
            if s.ran { "ran" } else { "**not run**" },
            md(&s.detail)
        );
    }
    out.push('\n');
}

fn overview(out: &mut String, a: &Analysis) {
    out.push_str("## Threads\n\n| thread | title | format | comments | page announces | top-level | max depth |");
    let mut rule = String::from("|---|---|---|--:|--:|--:|--:|");
    for m in &a.thread_metrics {
        let _ = write!(out, " {} |", md(&m.name));
        rule.push_str("--:|");
    }
    let _ = writeln!(out, "\n{rule}");
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
            "| {} | {} | {} | {} | {} | {} | {} |",
            md(&t.id),
            md(t.post.title.as_deref().unwrap_or("")),
            t.format,
            t.comments.len(),
            t.header_count.map(|h| h.to_string()).unwrap_or_default(),
            tree.n_top_level,
            tree.max_depth.map(|d| d.to_string()).unwrap_or_default()
        );
        for m in &a.thread_metrics {
            let v = m.values.get(ti).copied().flatten();
            let _ = write!(
                out,
                " {} |",
                v.map(|v| format!("{v:.3}")).unwrap_or_default()
            );
        }
        out.push('\n');
    }
    out.push('\n');
    more_threads(out, a.corpus.threads.len().saturating_sub(MAX_THREAD_ROWS));
}

fn more_threads(out: &mut String, hidden: usize) {
    if hidden > 0 {
        let _ = writeln!(
            out,
            "_{} not listed here; every thread is in the threads table._\n",
            plural(hidden as u64, "more thread", "more threads")
        );
    }
}

fn table(out: &mut String, title: &str, what: &str, bars: Option<&[Bar]>, missing: &str) {
    let _ = writeln!(out, "### {title}\n");
    match bars {
        Some(b) if !b.is_empty() => {
            let _ = writeln!(out, "| {what} | count |\n|---|--:|");
            for bar in b {
                let _ = writeln!(out, "| {} | {} |", md(&bar.label), bar.value);
            }
        }
        _ => {
            out.push_str(missing);
            out.push('\n');
        }
    }
    out.push('\n');
}

fn distributions(out: &mut String, a: &Analysis, f: &Findings) {
    out.push_str("## Distributions\n\n");
    table(
        out,
        "Comments by depth",
        "depth",
        Some(&f.depth),
        "_No comments._",
    );
    table(
        out,
        "Comments by number of direct replies",
        "direct replies",
        Some(&f.replies),
        "_No comments._",
    );
    table(
        out,
        "Cluster sizes (units)",
        "cluster",
        f.cluster_sizes.as_deref(),
        &not_run(a, STAGE_CLUSTER),
    );
    table(
        out,
        "Stance of replies toward their parent",
        "stance",
        f.stance_mix.as_deref(),
        &not_run(a, STAGE_STANCE),
    );
    match &f.over_time {
        Some((width, bars)) => table(
            out,
            &format!("Comments over time (per {width}, UTC)"),
            "from",
            Some(bars),
            "",
        ),
        None => table(
            out,
            "Comments over time",
            "",
            None,
            "_No comment has a timestamp._",
        ),
    }
}

fn clusters(out: &mut String, a: &Analysis) {
    out.push_str("## Clusters\n\n");
    let Some(c) = &a.clustering else {
        let _ = writeln!(out, "{}\n", not_run(a, STAGE_CLUSTER));
        return;
    };
    let _ = writeln!(
        out,
        "{} in {} ({}, k = {}).\n",
        plural(c.units.len() as u64, "unit", "units"),
        plural(c.clusters.len() as u64, "cluster", "clusters"),
        md(&c.algorithm),
        c.k
    );
    out.push_str("| cluster | label | size | silhouette | top terms |\n|---|---|--:|--:|---|\n");
    for k in &c.clusters {
        let theme = k
            .theme
            .as_deref()
            .map(|t| format!(" (theme {})", md(t)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| C{} | {}{theme} | {} | {:.3} | {} |",
            k.id,
            md(&k.label),
            k.size,
            k.silhouette,
            md(&k.terms.join(", "))
        );
    }
    out.push('\n');
    for k in &c.clusters {
        let reps: Vec<_> = k
            .representatives
            .iter()
            .take(3)
            .filter_map(|&r| c.units.get(r))
            .collect();
        if reps.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "**C{} {}**, representative units:\n",
            k.id,
            md(&k.label)
        );
        for u in reps {
            let _ = writeln!(out, "> {}\n", md(&escape::snippet(&u.text, SNIPPET_WORDS)));
        }
    }
}

fn rebuttals(out: &mut String, a: &Analysis, f: &Findings) {
    out.push_str("## Rebuttal map\n\n");
    let Some(m) = &f.rebuttals else {
        let mut why = vec!["_Needs clusters and stances._".to_string()];
        if a.clustering.is_none() {
            why.push(not_run(a, STAGE_CLUSTER));
        }
        if a.stances.is_none() {
            why.push(not_run(a, STAGE_STANCE));
        }
        let _ = writeln!(out, "{}\n", why.join(" "));
        return;
    };
    let _ = writeln!(
        out,
        "{} ({} where the reply or its parent has no cluster). Rows: cluster of the rebutting \
         reply; columns: cluster of the comment it rebuts.\n",
        plural(m.total, "rebuttal", "rebuttals"),
        m.unclustered
    );
    out.push_str("| reply in ↓ / rebuts → |");
    let mut rule = String::from("|---|");
    for (id, _) in &m.clusters {
        let _ = write!(out, " C{id} |");
        rule.push_str("--:|");
    }
    let _ = writeln!(out, "\n{rule}");
    for (i, (id, label)) in m.clusters.iter().enumerate() {
        let _ = write!(out, "| C{id} {} |", md(&escape::truncate(label, 30)));
        for n in &m.counts[i] {
            let _ = write!(out, " {n} |");
        }
        out.push('\n');
    }
    out.push('\n');
    if !m.coverage.is_empty() {
        out.push_str(
            "| cluster | comments | drew a reply | drew a rebuttal | drew no reply |\n|---|--:|--:|--:|--:|\n",
        );
        for &(id, n, replied, rebutted, unanswered) in &m.coverage {
            let _ = writeln!(
                out,
                "| C{id} | {n} | {replied} | {rebutted} | {unanswered} |"
            );
        }
        out.push('\n');
    }
    if !m.chains.is_empty() {
        out.push_str("Rebuttal chains:\n\n");
        for chain in &m.chains {
            let ids: Vec<String> = chain
                .iter()
                .filter_map(|&(ti, ci)| {
                    let t = a.corpus.threads.get(ti as usize)?;
                    Some(format!("`{}`", t.comments.get(ci as usize)?.id))
                })
                .collect();
            let _ = writeln!(out, "- {}", ids.join(" ← rebutted by "));
        }
        out.push('\n');
    }
}

fn moderation(out: &mut String, a: &Analysis, f: &Findings) {
    out.push_str("## Moderation\n\n");
    let Some(m) = &f.moderation else {
        let _ = writeln!(out, "{}\n", not_run(a, STAGE_MODERATE));
        return;
    };
    let _ = writeln!(out, "{}.\n", m.headline());
    if m.by_rule.is_empty() {
        return;
    }
    out.push_str("| rule | severity | action | flags |\n|---|---|---|--:|\n");
    for r in &m.by_rule {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md(&r.rule),
            severity_name(r.severity),
            action_name(r.action),
            r.flags
        );
    }
    out.push('\n');
}

fn trees(out: &mut String, a: &Analysis, notes: &Annotations<'_>, opts: &ReportOptions) {
    out.push_str("## Reply trees\n\n");
    let mut budget = opts.max_tree_comments;
    let mut listed = 0;
    for (ti, t) in a.corpus.threads.iter().enumerate() {
        if budget == 0 || listed == MAX_THREAD_ROWS {
            break;
        }
        listed += 1;
        let _ = writeln!(
            out,
            "### {}\n",
            md(t.post.title.as_deref().unwrap_or(&t.id))
        );
        let mut meta = vec![
            format!("`{}`", t.id.replace('`', "'")),
            format!("{} from {}", t.format, md(&t.source)),
        ];
        if let Some(b) = &t.post.byline {
            meta.push(format!("by {}", md(b)));
        }
        if let Some(s) = &t.post.site {
            meta.push(md(s));
        }
        match (&t.post.timestamp, &t.post.date) {
            (Some(ts), _) => meta.push(ts.to_rfc3339()),
            (None, Some(d)) => meta.push(md(d)),
            (None, None) => {}
        }
        if let Some(u) = &t.post.url {
            meta.push(match escape::safe_url(u) {
                Some(u) if !u.contains(['<', '>']) => format!("<{u}>"),
                _ => md(u),
            });
        }
        let mut counts = vec![plural(t.comments.len() as u64, "comment", "comments")];
        if let Some(h) = t.header_count {
            counts.push(format!("the page announces {h}"));
        }
        counts.push(
            match t.comment_status {
                CommentStatus::Open => "comments open",
                CommentStatus::Closed => "comments closed",
                CommentStatus::None => "no comment section",
            }
            .into(),
        );
        let _ = writeln!(out, "{}  \n{}\n", meta.join(" · "), counts.join(" · "));
        for w in &t.warnings {
            let _ = writeln!(out, "> warning: {}\n", md(w));
        }
        if t.comments.is_empty() {
            continue;
        }
        let shown = tree(out, a, notes, ti, &mut budget);
        let hidden = t.comments.len() - shown;
        if hidden > 0 {
            let _ = writeln!(
                out,
                "\n_{} not shown (at most {} in the report); every comment is in the comments table._",
                plural(hidden as u64, "more comment", "more comments"),
                opts.max_tree_comments
            );
        }
        out.push('\n');
    }
    more_threads(out, a.corpus.threads.len() - listed);
}

/// Writes one thread's comments as an indented list (explicit stack); returns how many.
fn tree(
    out: &mut String,
    a: &Analysis,
    notes: &Annotations<'_>,
    ti: usize,
    budget: &mut usize,
) -> usize {
    let t = &a.corpus.threads[ti];
    let index = t.child_index();
    let mut stack: Vec<(u32, usize)> = index.roots().iter().rev().map(|&r| (r, 0)).collect();
    let mut shown = 0;
    while let Some((n, depth)) = stack.pop() {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        shown += 1;
        let ci = n as usize;
        let c = &t.comments[ci];
        out.push_str(&"  ".repeat(depth.min(MAX_NEST)));
        match &c.number {
            Some(num) => {
                let _ = write!(out, "- **{}.** ", md(num));
            }
            None => {
                let _ = write!(out, "- **#{}** ", c.position);
            }
        }
        let mut parts = vec![match &c.author {
            Some(au) => md(au),
            None => "anonymous".into(),
        }];
        if let Some(src) = c.author_source
            && src != AuthorSource::Explicit
        {
            parts[0].push_str(&format!(
                " _(name from {})_",
                crate::export::frames::author_source_name(src)
            ));
        }
        if depth > MAX_NEST {
            parts.push(format!("depth {depth}"));
        }
        if let Some(ts) = c.timestamp {
            parts.push(ts.to_rfc3339());
        }
        if let Some(k) = notes.cluster(ti, ci) {
            let label = notes.labels.get(&k).copied().unwrap_or("");
            parts.push(format!("C{k} {}", md(&escape::truncate(label, 40))));
        }
        if let Some(st) = a.stances.as_ref().and_then(|s| {
            s.get(CommentRef {
                thread: ti as u32,
                comment: ci as u32,
            })
        }) {
            parts.push(format!("{} {:.2}", st.stance.name(), st.confidence));
        }
        for f in notes.flags(ti, ci) {
            parts.push(format!("⚑ {} ({})", md(&f.rule), severity_name(f.severity)));
        }
        let _ = writeln!(
            out,
            "{}: “{}”",
            parts.join(" · "),
            md(&escape::snippet(&c.text, SNIPPET_WORDS))
        );
        stack.extend(index.children(ci).iter().rev().map(|&ch| (ch, depth + 1)));
    }
    shown
}
