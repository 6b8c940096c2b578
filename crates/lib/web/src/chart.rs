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

/// Where round `round` of `rounds` sits: the first at the left edge of the plot and the last at
/// the right, or a lone round in the middle (there is no second round to stretch towards).
fn x_of(round: u64, rounds: u64) -> f64 {
    if rounds <= 1 {
        return LEFT + (W - LEFT - RIGHT) / 2.0;
    }
    LEFT + (round.saturating_sub(1) as f64) / ((rounds - 1) as f64) * (W - LEFT - RIGHT)
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
        .max(1);
    let x = |round: u64| x_of(round, rounds);
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
    // The rounds as numbers under their points and one axis title: a "Round N" label at each
    // point was cut off at the chart's right edge (a lone round read "Round 1 … Round").
    for r in 1..=rounds {
        out.push_str(&format!(
            "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{r}</text>\n",
            x(r),
            H - BOTTOM + 16.0
        ));
    }
    out.push_str(&format!(
        "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">Round</text>\n",
        LEFT + (W - LEFT - RIGHT) / 2.0,
        H - 6.0
    ));
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
            // Right of the point, or left of it in the right half, so the label stays inside.
            let (lx, anchor) = if x(*r) > W / 2.0 {
                (x(*r) - 6.0, "end")
            } else {
                (x(*r) + 6.0, "start")
            };
            out.push_str(&format!(
                "<text class=\"label {class}\" x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>\n",
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
        // The last round's label ends at its point, inside the chart.
        assert!(svg.contains(&format!(
            "x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">Governor</text>",
            W - RIGHT - 6.0,
            y(0.0211) - 6.0
        )));
        assert!(svg.contains("Baker &lt;Council&gt;"));
        insta::assert_snapshot!(svg);
    }

    /// The regression: with one round the axis invented a second round at the right edge, where
    /// its label was cut off ("Round 1 … Round"), and the lone point sat on the y axis.
    #[test]
    fn one_round_is_one_tick_in_the_middle() {
        let s = vec![Series {
            contest: "Governor".into(),
            points: vec![(1, 0.1067572)],
        }];
        let svg = svg(&s, 0.05);
        let ticks: Vec<&str> = svg
            .lines()
            .filter(|l| l.contains("text-anchor=\"middle\""))
            .collect();
        let middle = LEFT + (W - LEFT - RIGHT) / 2.0;
        assert_eq!(
            ticks,
            [
                format!(
                    "<text class=\"axis\" x=\"{middle:.1}\" y=\"236.0\" text-anchor=\"middle\">1</text>"
                ),
                format!(
                    "<text class=\"axis\" x=\"{middle:.1}\" y=\"254.0\" text-anchor=\"middle\">Round</text>"
                ),
            ]
        );
        assert!(svg.contains(&format!("cx=\"{middle:.1}\"")));
        assert!(!svg.contains("Round 2") && !svg.contains(">2</text>"));
        insta::assert_snapshot!(svg);
    }

    #[test]
    fn every_round_label_stays_inside_the_chart() {
        for rounds in 1..=12 {
            for r in 1..=rounds {
                let x = x_of(r, rounds);
                assert!(
                    (LEFT..=W - RIGHT).contains(&x),
                    "round {r} of {rounds} at {x}"
                );
            }
        }
        assert!((x_of(1, 3) - LEFT).abs() < 1e-9 && (x_of(3, 3) - (W - RIGHT)).abs() < 1e-9);
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
