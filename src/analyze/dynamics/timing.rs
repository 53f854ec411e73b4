//! How fast a thread moves: reply latency, time to first reply, burstiness and lifetime,
//! from the comments that carry timestamps.

use crate::model::{ChildIndex, Thread};
use serde::{Deserialize, Serialize};

/// Time measures of one thread (seconds); every field is `None` without enough timestamps.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeMetrics {
    /// Comments with a timestamp.
    pub comments_with_time: usize,
    /// Replies whose own and parent's timestamps are known and in order.
    pub latencies_measured: usize,
    /// Median seconds from a comment to a reply to it.
    pub reply_latency_median: Option<f64>,
    /// 90th percentile (nearest rank) of the same.
    pub reply_latency_p90: Option<f64>,
    /// Median, over comments that were answered, of the seconds until their first reply.
    pub time_to_first_reply_median: Option<f64>,
    /// Goh–Barabási burstiness (σ−μ)/(σ+μ) of the gaps between consecutive comments:
    /// −1 regular, 0 random (Poisson), towards 1 bursty. Needs three timed comments.
    pub burstiness: Option<f64>,
    /// Seconds from the first to the last timed comment (or the post, when it is timed).
    pub lifetime: Option<i64>,
}

/// Measures timing of a linked thread.
pub fn time_metrics(thread: &Thread, index: &ChildIndex) -> TimeMetrics {
    let ts: Vec<Option<i64>> = thread
        .comments
        .iter()
        .map(|c| c.timestamp.map(|t| t.0))
        .collect();
    let mut latencies = Vec::new();
    for (i, c) in thread.comments.iter().enumerate() {
        if let (Some(p), Some(t)) = (c.parent_index, ts[i])
            && let Some(pt) = ts[p as usize]
            && t >= pt
        {
            latencies.push((t - pt) as f64);
        }
    }
    let mut first_reply = Vec::new();
    for (i, t) in ts.iter().enumerate() {
        let Some(t) = t else { continue };
        let first = index
            .children(i)
            .iter()
            .filter_map(|&c| ts[c as usize])
            .filter(|&ct| ct >= *t)
            .min();
        if let Some(ct) = first {
            first_reply.push((ct - t) as f64);
        }
    }
    let mut times: Vec<i64> = ts.iter().flatten().copied().collect();
    times.sort_unstable();
    let gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let burstiness = (gaps.len() >= 2).then(|| {
        let mu = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let var = gaps.iter().map(|g| (g - mu).powi(2)).sum::<f64>() / gaps.len() as f64;
        let sigma = var.sqrt();
        if sigma + mu == 0.0 {
            // Every comment at the same instant: as bursty as it gets.
            1.0
        } else {
            (sigma - mu) / (sigma + mu)
        }
    });
    let mut span = times.clone();
    if let Some(post) = thread.post.timestamp {
        span.push(post.0);
    }
    let lifetime = match (span.iter().min(), span.iter().max()) {
        (Some(a), Some(b)) if span.len() >= 2 => Some(b - a),
        _ => None,
    };
    TimeMetrics {
        comments_with_time: times.len(),
        latencies_measured: latencies.len(),
        reply_latency_median: quantile(&mut latencies, 0.5),
        reply_latency_p90: quantile(&mut latencies, 0.9),
        time_to_first_reply_median: quantile(&mut first_reply, 0.5),
        burstiness,
        lifetime,
    }
}

/// Nearest-rank quantile (q in (0, 1]); the median of an even count is the mean of the two
/// middle values.
pub fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if q == 0.5 && n % 2 == 0 {
        return Some((values[n / 2 - 1] + values[n / 2]) / 2.0);
    }
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    Some(values[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Comment, Format, Timestamp};

    #[test]
    fn latency_first_reply_burstiness_lifetime() {
        let mut t = Thread::new("t", "test", Format::Csv);
        // (parent, minute)
        let rows = [
            (None, 0),
            (Some(0), 10),
            (Some(0), 30),
            (Some(1), 40),
            (None, 100),
        ];
        for (i, (p, m)) in rows.iter().enumerate() {
            let mut c = Comment::new(format!("c{i}"), i as u32 + 1, "x");
            c.parent_id = p.map(|p: usize| format!("c{p}"));
            c.timestamp = Some(Timestamp(m * 60));
            t.comments.push(c);
        }
        t.link().unwrap();
        let m = time_metrics(&t, &t.child_index());
        assert_eq!(m.comments_with_time, 5);
        assert_eq!(m.latencies_measured, 3);
        // Latencies 10, 30, 30 minutes.
        assert_eq!(m.reply_latency_median, Some(1800.0));
        assert_eq!(m.reply_latency_p90, Some(1800.0));
        // First replies: c0 after 10 min, c1 after 30 min.
        assert_eq!(m.time_to_first_reply_median, Some(1200.0));
        assert_eq!(m.lifetime, Some(6000));
        // Gaps 10, 20, 10, 60 minutes: μ = 25, σ = √425.
        let (mu, sigma) = (25.0f64, 425f64.sqrt());
        assert!((m.burstiness.unwrap() - (sigma - mu) / (sigma + mu)).abs() < 1e-12);
    }

    #[test]
    fn no_timestamps_no_numbers() {
        let mut t = Thread::new("t", "test", Format::Csv);
        t.comments.push(Comment::new("a", 1, "x"));
        t.link().unwrap();
        let m = time_metrics(&t, &t.child_index());
        assert_eq!(
            m,
            TimeMetrics {
                comments_with_time: 0,
                ..TimeMetrics::default()
            }
        );
    }

    #[test]
    fn quantiles() {
        assert_eq!(quantile(&mut [], 0.5), None);
        assert_eq!(quantile(&mut [3.0, 1.0, 2.0], 0.5), Some(2.0));
        assert_eq!(quantile(&mut [4.0, 1.0, 2.0, 3.0], 0.5), Some(2.5));
        let mut v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile(&mut v, 0.9), Some(9.0));
    }
}
