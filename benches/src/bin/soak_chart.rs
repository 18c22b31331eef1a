//! Draws the soak's heap and RSS over cycles, guarded beside unguarded, as
//! an SVG chart from the checkpoints `tests/soak.rs` writes (never by hand):
//!
//! ```text
//! cargo test --release --test soak -- --nocapture soak_short   # prints the CSV's path
//! cargo run -p leakproof-benches --bin soak_chart -- PATH.csv docs/soak.svg
//! ```
//!
//! The CSV has a header and `server,cycles,heap_bytes,rss_bytes` rows.

use std::collections::BTreeMap;
use std::process::ExitCode;

use plotters::prelude::*;

/// One server's checkpoints: (cycles, heap MiB, RSS MiB).
type Series = Vec<(f64, f64, f64)>;

fn read(csv: &str) -> Result<BTreeMap<String, Series>, String> {
    let mut servers: BTreeMap<String, Series> = BTreeMap::new();
    for (n, line) in csv.lines().enumerate().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let [server, cycles, heap, rss] = cells[..] else {
            return Err(format!("line {}: expected 4 cells, found {}", n + 1, cells.len()));
        };
        let number =
            |s: &str| s.trim().parse::<f64>().map_err(|e| format!("line {}: `{s}`: {e}", n + 1));
        let mib = |bytes: f64| bytes / f64::from(1 << 20);
        servers.entry(server.to_owned()).or_default().push((
            number(cycles)?,
            mib(number(heap)?),
            mib(number(rss)?),
        ));
    }
    if servers.is_empty() {
        return Err("no checkpoints".to_owned());
    }
    Ok(servers)
}

fn draw(servers: &BTreeMap<String, Series>, out: &str) -> Result<(), Box<dyn std::error::Error>> {
    let max_cycles = servers.values().flatten().map(|p| p.0).fold(1.0, f64::max);
    let max_mib = servers.values().flatten().map(|p| p.1.max(p.2)).fold(1.0, f64::max) * 1.1;
    let root = SVGBackend::new(out, (820, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Soak: live heap and RSS after each tenth of the cycles", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..max_cycles, 0.0..max_mib)?;
    chart
        .configure_mesh()
        .x_desc("connect-chat-disconnect cycles")
        .y_desc("MiB")
        .x_label_formatter(&|x| {
            if *x >= 1000.0 { format!("{:.0}k", x / 1000.0) } else { format!("{x:.0}") }
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    let colour = |server: &str| if server == "guarded" { BLUE } else { RED };
    for (server, points) in servers {
        let c = colour(server);
        chart
            .draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), c.stroke_width(2)))?
            .label(format!("{server}: live heap"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        let dashed = DashedLineSeries::new(points.iter().map(|p| (p.0, p.2)), 6, 4, c.into());
        chart
            .draw_series(dashed)?
            .label(format!("{server}: RSS"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [csv, out] = &args[..] else {
        eprintln!(
            "usage: soak_chart CHECKPOINTS.csv OUT.svg (the CSV is what tests/soak.rs writes)"
        );
        return ExitCode::from(2);
    };
    let servers =
        match std::fs::read_to_string(csv).map_err(|e| e.to_string()).and_then(|t| read(&t)) {
            Ok(servers) => servers,
            Err(e) => {
                eprintln!("{csv}: {e}");
                return ExitCode::FAILURE;
            }
        };
    if let Err(e) = draw(&servers, out) {
        eprintln!("{out}: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "{out}: {} servers, {} checkpoints",
        servers.len(),
        servers.values().map(Vec::len).sum::<usize>()
    );
    ExitCode::SUCCESS
}
