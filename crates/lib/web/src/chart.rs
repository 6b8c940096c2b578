//! The risk chart: each targeted contest's measured risk (p-value) after each round, on a log
//! scale from 1 down to 10⁻⁴, with the risk limit as a dashed line — hand-written SVG (no chart
//! library, no script, no inline style), so it renders under the strict CSP and prints.

use audit::AuditRecord;

/// One line of the chart: a contest and its risk after rounds 1, 2, ….
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub contest: String,
    pub points: Vec<(u64, f64)>,
}

/// The series of an audit: per contest, the risk of every ended round it was measured in.
pub fn series(record: &AuditRecord) -> Vec<Series> {
    record
        .contests
        .iter()
        .map(|c| Series {
            contest: c.name.clone(),
            points: record
                .rounds
                .iter()
                .filter_map(|r| {
                    let rc = r.contests.iter().find(|x| x.contest == c.name)?;
                    Some((r.number, rc.p_value?))
                })
                .collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect()
}

const W: f64 = 560.0;
const H: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;
const DECADES: f64 = 4.0;

fn y(p: f64) -> f64 {
    let l = p.clamp(1e-4, 1.0).log10(); // 0 … -4
    TOP + (-l / DECADES) * (H - TOP - BOTTOM)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart as an SVG element (with a title and description for screen readers).
pub fn svg(series: &[Series], risk_limit: f64) -> String {
    let rounds = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .max()
        .unwrap_or(1)
        .max(2);
    let x = |round: u64| {
        LEFT + (round.saturating_sub(1) as f64) / ((rounds - 1) as f64) * (W - LEFT - RIGHT)
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" class=\"chart\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">\n<title id=\"chart-title\">Risk per contest per round</title>\n<desc id=\"chart-desc\">"
    );
    for s in series {
        let pts: Vec<String> = s
            .points
            .iter()
            .map(|(r, p)| format!("round {r}: {}", audit::report::format_p(*p)))
            .collect();
        out.push_str(&format!("{}: {}. ", escape(&s.contest), pts.join(", ")));
    }
    out.push_str(&format!(
        "Risk limit {}.</desc>\n",
        audit::report::format_p(risk_limit)
    ));
    for d in 0..=4 {
        let p = 10f64.powi(-d);
        let yy = y(p);
        out.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\"/><text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            if d == 0 { "1".to_string() } else { format!("1e-{d}") }
        ));
    }
    for r in 1..=rounds {
        out.push_str(&format!(
            "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">Round {r}</text>\n",
            x(r),
            H - BOTTOM + 18.0
        ));
    }
    let ly = y(risk_limit);
    out.push_str(&format!(
        "<line class=\"limit\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\"/><text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">risk limit</text>\n",
        W - RIGHT,
        W - RIGHT,
        ly - 4.0
    ));
    for (i, s) in series.iter().enumerate() {
        let class = format!("series s{}", i % 6);
        let pts: Vec<String> = s
            .points
            .iter()
            .map(|(r, p)| format!("{:.1},{:.1}", x(*r), y(*p)))
            .collect();
        out.push_str(&format!(
            "<polyline class=\"{class}\" points=\"{}\"/>\n",
            pts.join(" ")
        ));
        for (r, p) in &s.points {
            out.push_str(&format!(
                "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\"><title>{} round {r}: {}</title></circle>\n",
                x(*r),
                y(*p),
                escape(&s.contest),
                audit::report::format_p(*p)
            ));
        }
        if let Some((r, p)) = s.points.last() {
            out.push_str(&format!(
                "<text class=\"label {class}\" x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
                x(*r) + 6.0,
                y(*p) - 6.0,
                escape(&s.contest)
            ));
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_snapshot() {
        let s = vec![
            Series {
                contest: "Governor".into(),
                points: vec![(1, 0.1067572), (2, 0.0211)],
            },
            Series {
                contest: "Baker <Council>".into(),
                points: vec![(1, 0.03464772)],
            },
        ];
        let svg = svg(&s, 0.05);
        assert!(!svg.contains("style="));
        assert!(svg.contains("Baker &lt;Council&gt;"));
        insta::assert_snapshot!(svg);
    }

    #[test]
    fn risk_maps_to_height_on_a_log_scale() {
        assert!((y(1.0) - TOP).abs() < 1e-9);
        assert!((y(1e-4) - (H - BOTTOM)).abs() < 1e-9);
        assert!(y(0.05) > y(0.1));
        assert_eq!(
            y(0.0),
            y(1e-4),
            "zero is drawn at the bottom, not off the chart"
        );
    }
}
