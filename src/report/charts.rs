//! Charts as inline SVG written by hand: no script, no fonts to fetch, byte-stable output.

use super::escape;
use super::findings::Bar;
use std::fmt::Write;

/// Width of a chart in pixels.
const WIDTH: u32 = 500;
/// Right edge of the label column.
const LABEL_RIGHT: u32 = 150;
/// Left edge of the bars.
const BAR_LEFT: u32 = 156;
/// Longest bar in pixels (room is left for the value after it).
const BAR_MAX: f64 = 290.0;
/// Height of one row.
const ROW: u32 = 18;
/// Space above the first row, for the title.
const TOP: u32 = 26;

/// Fill colour of a bar class.
fn fill(class: &str) -> &'static str {
    match class {
        "st-agree" => "#2e7d32",
        "st-rebut" => "#c62828",
        "st-neutral" => "#78909c",
        "muted" => "#b0bec5",
        _ => "#3f6fb5",
    }
}

/// A horizontal bar chart: one row per bar, label on the left, count after the bar.
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    let height = TOP + ROW * bars.len() as u32 + 6;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{WIDTH}\" \
         height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-label=\"{t}\" font-family=\"sans-serif\" font-size=\"11\">\
         <title>{t}</title>\
         <text x=\"0\" y=\"15\" font-size=\"13\" font-weight=\"bold\">{t}</text>",
        t = escape::html(title),
    );
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + ROW * i as u32;
        let w = (b.value as f64 / max * BAR_MAX).round() as u32;
        // A non-zero count always shows at least a sliver.
        let w = if b.value > 0 { w.max(1) } else { 0 };
        let _ = write!(
            s,
            "<g><title>{full}: {v}</title>\
             <text x=\"{LABEL_RIGHT}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{BAR_LEFT}\" y=\"{y1}\" width=\"{w}\" height=\"{bh}\" fill=\"{f}\"/>\
             <text x=\"{vx}\" y=\"{ty}\">{v}</text></g>",
            full = escape::html(&b.label),
            label = escape::html(&escape::truncate(&b.label, 24)),
            v = b.value,
            ty = y + 12,
            y1 = y + 2,
            bh = ROW - 4,
            f = fill(b.class),
            vx = BAR_LEFT + w + 4,
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_labels_are_escaped() {
        let bars = vec![
            Bar {
                label: "<b>".into(),
                value: 2,
                class: "",
            },
            Bar {
                label: "one".into(),
                value: 1,
                class: "st-rebut",
            },
            Bar {
                label: "none".into(),
                value: 0,
                class: "",
            },
        ];
        let svg = bar_chart("T & U", &bars);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>T &amp; U</title>"));
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains("width=\"290\""));
        assert!(svg.contains("width=\"145\" height=\"14\" fill=\"#c62828\""));
        assert!(svg.contains("width=\"0\""));
        assert_eq!(svg.matches("<rect").count(), 3);
    }
}
