//! The bench's one table, from the raw samples `xtask/bench/run.js` wrote:
//! medians with min–max over runs, ratios paired within a run (never one
//! run's figure over another's), and a verdict against each target saying
//! by how much it is missed.

use serde_json::Value;

use crate::page::{totals, FileSize};
use crate::Result;

/// Chromium's HTTP/1.1 connections per host: the most fetches in flight.
const PER_HOST_CAP: f64 = 6.0;

/// Median, min and max of some samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

pub fn summary(samples: &[f64]) -> Option<Summary> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let (&min, &max) = (sorted.first()?, sorted.last()?);
    let median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
    Some(Summary { median, min, max, n })
}

/// A target on a measure's median.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
}

/// "met", or how far off: relative, plus absolute in the measure's unit
/// when that does not round to nothing (1.1035× vs ≤ 1.10× is "0.3% over",
/// not "0.00×").
pub fn verdict(value: f64, target: Target, unit: fn(f64) -> String) -> String {
    let (delta, relative, word) = match target {
        Target::AtLeast(t) if value >= t => return "met".into(),
        Target::AtMost(t) if value <= t => return "met".into(),
        Target::AtLeast(t) => (t - value, (1.0 - value / t) * 100.0, "short"),
        Target::AtMost(t) => (value - t, (value / t - 1.0) * 100.0, "over"),
    };
    let absolute = unit(delta);
    if absolute.chars().any(|c| ('1'..='9').contains(&c)) {
        format!("MISSED by {absolute} ({relative:.1}% {word})")
    } else {
        format!("MISSED: {relative:.1}% {word}")
    }
}

fn target_text(target: Target, unit: fn(f64) -> String) -> String {
    match target {
        Target::AtLeast(t) => format!("≥ {}", unit(t)),
        Target::AtMost(t) => format!("≤ {}", unit(t)),
    }
}

// Units. MB is 10^6 bytes throughout.
fn mb_s(x: f64) -> String {
    format!("{x:.1} MB/s")
}
fn times(x: f64) -> String {
    format!("{x:.2}×")
}
fn ms(x: f64) -> String {
    format!("{x:.0} ms")
}
/// Milliseconds with a decimal, for quick operations.
fn ms_fine(x: f64) -> String {
    format!("{x:.1} ms")
}
fn secs(x: f64) -> String {
    format!("{:.2} s", x / 1000.0)
}
/// A longest task: the Long Tasks API reports only tasks over 50 ms, so 0
/// means "none over 50 ms", not an instant. (Only exactly 0: a verdict's
/// overshoot, however small, is shown in ms.)
fn task_ms(x: f64) -> String {
    if x == 0.0 {
        "<50 ms".into()
    } else {
        ms(x)
    }
}
fn per_s(x: f64) -> String {
    format!("{x:.0} pages/s")
}
fn percent(x: f64) -> String {
    format!("{x:+.1}%")
}
fn mb(x: f64) -> String {
    format!("{:.2} MB", x / 1e6)
}
fn kb(x: f64) -> String {
    format!("{:.1} KB", x / 1e3)
}
fn count(x: f64) -> String {
    format!("{x:.0}")
}
/// Whole bytes with thousands separators: 312,345 B.
fn bytes(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} B")
}

/// One line of the table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub item: &'static str,
    pub measure: String,
    pub median: String,
    pub range: String,
    pub runs: String,
    pub target: String,
    pub verdict: String,
}

/// The table, and what must be said next to it.
#[derive(Debug, Default)]
pub struct Table {
    pub rows: Vec<Row>,
    /// Pages on which the engine's links differ from DOMParser's.
    pub mismatches: Vec<String>,
    /// Sections that broke (`key: why`): their figures are missing.
    pub failures: Vec<String>,
}

impl Table {
    /// A measured row: median, min–max and run count of `samples` in `unit`,
    /// judged against `target` when there is one.
    fn add(
        &mut self,
        item: &'static str,
        measure: String,
        samples: &[f64],
        unit: fn(f64) -> String,
        target: Option<Target>,
    ) {
        let Some(s) = summary(samples) else {
            self.rows.push(Row { item, measure, median: "no data".into(), ..Row::default() });
            return;
        };
        self.rows.push(Row {
            item,
            measure,
            median: unit(s.median),
            range: if s.n > 1 { format!("{}–{}", unit(s.min), unit(s.max)) } else { "—".into() },
            runs: s.n.to_string(),
            target: target.map(|t| target_text(t, unit)).unwrap_or_default(),
            verdict: target.map(|t| verdict(s.median, t, unit)).unwrap_or_default(),
        });
    }

    /// Markdown, padded so it also reads as a table in a terminal.
    pub fn markdown(&self) -> String {
        let header = ["#", "measure", "median", "min–max", "runs", "target", "verdict"];
        let cells = |r: &Row| -> [String; 7] {
            [
                r.item.into(),
                r.measure.clone(),
                r.median.clone(),
                r.range.clone(),
                r.runs.clone(),
                r.target.clone(),
                r.verdict.clone(),
            ]
        };
        let width = |s: &str| s.chars().count();
        let mut widths = header.map(width);
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(cells(row)) {
                *w = (*w).max(width(&cell));
            }
        }
        let line = |cells: [String; 7]| {
            let padded: Vec<String> =
                cells.iter().zip(widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - width(c)))).collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let mut out = line(header.map(String::from));
        out += &line(widths.map(|w| "-".repeat(w)));
        for row in &self.rows {
            out += &line(cells(row));
        }
        out
    }
}

/// Numbers out of the JSON: a missing field is an error naming it, because
/// a silently absent figure would read as a measured zero.
fn num(value: &Value, field: &str) -> Result<f64> {
    value[field].as_f64().ok_or_else(|| format!("bench results: no number `{field}` in {value}"))
}

fn list<'a>(value: &'a Value, field: &str) -> Result<&'a Vec<Value>> {
    value[field].as_array().ok_or_else(|| format!("bench results: no list `{field}`"))
}

fn each(values: &[Value], f: impl Fn(&Value) -> Result<f64>) -> Result<Vec<f64>> {
    values.iter().map(f).collect()
}

/// Adds a section's rows from its part of the results.
type AddRows<'a> = &'a dyn Fn(&mut Table, &Value) -> Result;

/// Builds the table from run.js's results and the sizes of the shipped files.
/// A section run.js reports as failed becomes a FAILED row; a section that
/// is simply missing means the results are malformed, which is an error.
pub fn build(results: &Value, sizes: &[FileSize]) -> Result<Table> {
    let mut table = Table::default();
    let tries = tries(results);
    let ideal_rows = |t: &mut Table, v: &Value| ideal(t, v, &tries);
    let zero_rows = |t: &mut Table, v: &Value| zero(t, v, &tries);
    let parse_rows = |t: &mut Table, v: &Value| parse_bound(t, v, &tries);
    // (key in the results, item number, rows); in the order they are shown.
    let sections: [(&str, &'static str, AddRows); 7] = [
        ("extraction", "1", &extraction),
        ("ideal", "2", &ideal_rows),
        ("zero", "2", &zero_rows),
        ("parse", "2", &parse_rows),
        ("zero", "4", &engine_alone),
        ("playground", "4", &playground),
        ("memory", "5", &memory),
    ];
    let skipped = results["skipped"].as_array().cloned().unwrap_or_default();
    for (key, item, rows) in sections {
        if skipped.iter().any(|k| k == key) {
            continue; // not asked for (`--only`)
        }
        let Some(why) = results["failed"][key].as_str() else {
            rows(&mut table, &results[key])?;
            continue;
        };
        let failure = format!("{key}: {why}");
        if table.failures.contains(&failure) {
            continue; // a section can feed several groups of rows: say it once
        }
        table.failures.push(failure);
        let verdict = why.chars().take(120).collect();
        table.rows.push(Row {
            item,
            measure: format!("section `{key}`"),
            median: "FAILED".into(),
            verdict,
            ..Row::default()
        });
    }
    size(&mut table, sizes);
    Ok(table)
}

/// Link extraction: the engine's tokenizer-only extractor against `DOMParser`.
const EXTRACTION_TARGET: f64 = 3.0;

fn extraction(table: &mut Table, pages: &Value) -> Result {
    let pages = pages.as_array().ok_or("bench results: no list `extraction`")?;
    for page in pages {
        let label = page["label"].as_str().unwrap_or("?");
        let (size, links) = (num(page, "size")?, num(page, "links")?);
        let what = format!("links of a {label} page ({} B, {links:.0} links)", bytes(size).trim_end_matches(" B"));
        if let Some(m) = page.get("mismatch") {
            table.mismatches.push(format!("MISMATCH {what}: engine {} vs DOMParser {} links; only engine: {}; only DOMParser: {}; order first differs at #{}",
                m["engineCount"], m["domCount"], m["onlyEngine"], m["onlyDom"], m["firstOrderDiff"]));
            table.rows.push(Row {
                item: "1",
                measure: format!("{what}: engine ÷ DOMParser"),
                median: "MISMATCH".into(),
                target: target_text(Target::AtLeast(EXTRACTION_TARGET), times),
                verdict: "not timed: link sets differ".into(),
                ..Row::default()
            });
            continue;
        }
        let rate = |ms: &Value| {
            ms.as_f64().map(|ms| size / 1e6 / (ms / 1e3)).ok_or("bench results: a time is not a number".to_string())
        };
        let engine = each(list(page, "engineMs")?, rate)?;
        let dom = each(list(page, "domMs")?, rate)?;
        let ratio: Vec<f64> = engine.iter().zip(&dom).map(|(e, d)| e / d).collect();
        table.add("1", format!("{what}: engine (wasm)"), &engine, mb_s, None);
        table.add("1", format!("{what}: DOMParser + querySelectorAll + URL"), &dom, mb_s, None);
        table.add("1", format!("{what}: engine ÷ DOMParser"), &ratio, times, Some(Target::AtLeast(EXTRACTION_TARGET)));
    }
    Ok(())
}

/// The speed crawls' `maxTries`, when not the default.
fn tries(results: &Value) -> String {
    results["maxTries"].as_u64().map(|n| format!(", maxTries {n}")).unwrap_or_default()
}

fn ideal(table: &mut Table, entries: &Value, tries: &str) -> Result {
    let entries = entries.as_array().ok_or("bench results: no list `ideal`")?;
    for entry in entries {
        let (tasks, latency) = (num(entry, "maxTasks")?, num(entry, "latency")?);
        let runs = list(entry, "runs")?;
        let pages = runs.first().map(|r| num(r, "pages")).transpose()?.unwrap_or(0.0);
        let ideal = pages * latency / tasks.min(PER_HOST_CAP);
        let failed: f64 = each(runs, |r| num(r, "failed"))?.iter().sum();
        let what = format!("crawl {pages:.0} pages @ {latency:.0} ms, maxTasks {tasks:.0}{tries}");
        table.add("2", format!("{what}: time (ideal {})", secs(ideal)), &each(runs, |r| num(r, "ms"))?, secs, None);
        let ratio = each(runs, |r| Ok(num(r, "ms")? / ideal))?;
        table.add("2", format!("{what}: time ÷ ideal"), &ratio, times, Some(Target::AtMost(1.1)));
        if failed > 0.0 {
            if let Some(row) = table.rows.last_mut() {
                row.verdict += &format!(" ({failed:.0} failed fetches)");
            }
        }
        let peer = each(list(entry, "peer")?, |r| Ok(num(r, "ms")? / ideal))?;
        table.add("2", format!("{what}: plain-JS peer time ÷ ideal"), &peer, times, None);
    }
    Ok(())
}

fn zero(table: &mut Table, zero: &Value, tries: &str) -> Result {
    let pps = |r: &Value| Ok(num(r, "pages")? / (num(r, "ms")? / 1e3));
    let (with_log, no_log, peer) = (list(zero, "log")?, list(zero, "nolog")?, list(zero, "peer")?);
    let pages = with_log.first().map(|r| num(r, "pages")).transpose()?.unwrap_or(0.0);
    let what = format!("crawl {pages:.0} pages @ 0 ms, maxTasks {}{tries}", zero["maxTasks"]);
    let engine = each(with_log, pps)?;
    let peer_pps = each(peer, pps)?;
    // Paired by round: each round ran all three back to back.
    let vs_peer: Vec<f64> = engine.iter().zip(&peer_pps).map(|(e, p)| e / p).collect();
    let cost: Vec<f64> = with_log
        .iter()
        .zip(no_log)
        .map(|(a, b)| Ok((num(a, "ms")? / num(b, "ms")? - 1.0) * 100.0))
        .collect::<Result<_>>()?;
    table.add("2", format!("{what}: engine"), &engine, per_s, None);
    table.add("2", format!("{what}: plain-JS peer (fetch + DOMParser)"), &peer_pps, per_s, None);
    table.add("2", format!("{what}: engine ÷ peer"), &vs_peer, times, Some(Target::AtLeast(1.5)));
    table.add("3", format!("{what}: engine, event log compiled out"), &each(no_log, pps)?, per_s, None);
    table.add("3", "event log cost: time with ÷ without − 1".into(), &cost, percent, Some(Target::AtMost(10.0)));
    Ok(())
}

/// The parse-bound crawl (pages padded with `bytes=`): engine time against
/// the peer's, paired run by run.
fn parse_bound(table: &mut Table, parse: &Value, tries: &str) -> Result {
    let (engine, peer) = (list(parse, "engine")?, list(parse, "peer")?);
    let pages = engine.first().map(|r| num(r, "pages")).transpose()?.unwrap_or(0.0);
    let what = format!(
        "crawl {pages:.0} pages of ~{} @ 0 ms (parse-bound), maxTasks {}{tries}",
        kb(num(parse, "bytes")?),
        parse["maxTasks"]
    );
    let ratio: Vec<f64> =
        engine.iter().zip(peer).map(|(e, p)| Ok(num(e, "ms")? / num(p, "ms")?)).collect::<Result<_>>()?;
    table.add("2", format!("{what}: engine time"), &each(engine, |r| num(r, "ms"))?, secs, None);
    table.add("2", format!("{what}: plain-JS peer time"), &each(peer, |r| num(r, "ms"))?, secs, None);
    table.add("2", format!("{what}: engine time ÷ peer's"), &ratio, times, Some(Target::AtMost(0.5)));
    // The same crawl with a three-field `extract` (title, h1, meta description):
    // every page builds scraper's tree. Absent in results from before it.
    if let Some(extract) = parse["extract"].as_array().filter(|runs| !runs.is_empty()) {
        let cost: Vec<f64> =
            extract.iter().zip(engine).map(|(x, e)| Ok(num(x, "ms")? / num(e, "ms")?)).collect::<Result<_>>()?;
        let with_fields = each(extract, |r| num(r, "withFields"))?;
        let pages_with = with_fields.iter().copied().fold(f64::INFINITY, f64::min);
        table.add(
            "2",
            format!("{what}: engine time, extract title + h1 + meta description ({pages_with:.0} pages with fields)"),
            &each(extract, |r| num(r, "ms"))?,
            secs,
            None,
        );
        table.add("2", format!("{what}: engine time with extract ÷ links only"), &cost, times, None);
    }
    Ok(())
}

/// The playground's figure with nothing rendering: the engine's share of it.
fn engine_alone(table: &mut Table, zero: &Value) -> Result {
    let runs = list(zero, "log")?;
    let pages = runs.first().map(|r| num(r, "pages")).transpose()?.unwrap_or(0.0);
    let what = format!("engine alone (bench page, nothing rendered), {pages:.0} pages @ 0 ms");
    let longest = each(runs, |r| num(r, "longestTask"))?;
    table.add("4", format!("{what}: longest task"), &longest, task_ms, Some(Target::AtMost(50.0)));
    Ok(())
}

/// The playground with its picture on screen, against the same build crawling
/// in the background (nothing drawn), paired run by run; Pause mid-crawl;
/// one full draw of the finished graph.
fn playground(table: &mut Table, sizes: &Value) -> Result {
    let sizes = sizes.as_array().ok_or("bench results: no list `playground`")?;
    for entry in sizes {
        let runs = list(entry, "runs")?;
        let what = format!("playground (picture on screen), {} pages @ 0 ms, 10 tasks", entry["pages"]);
        let page = |r: &Value, field: &str| num(&r["page"], field);
        let ratio = each(runs, |r| Ok(page(r, "ms")? / num(&r["background"], "ms")?))?;
        table.add("4", format!("{what}: time"), &each(runs, |r| page(r, "ms"))?, secs, None);
        table.add(
            "4",
            format!("{what}: background crawl time"),
            &each(runs, |r| num(&r["background"], "ms"))?,
            secs,
            None,
        );
        table.add("4", format!("{what}: playground ÷ background"), &ratio, times, Some(Target::AtMost(1.10)));
        let longest = each(runs, |r| page(r, "longestTask"))?;
        table.add("4", format!("{what}: longest task"), &longest, task_ms, Some(Target::AtMost(50.0)));
        table.add("4", format!("{what}: tasks over 50 ms"), &each(runs, |r| page(r, "longTasks"))?, count, None);
        // Frames are counted in a crawl of its own (the counter's loop costs the page main frames it
        // would not run): its time is shown beside the background crawl's, for what the counter costs.
        let frames = |r: &Value, field: &str| num(&r["frames"], field);
        let counted = each(runs, |r| Ok(frames(r, "ms")? / num(&r["background"], "ms")?))?;
        table.add("4", format!("{what}: with a frame counter ÷ background"), &counted, times, None);
        let p95 = each(runs, |r| frames(r, "frameP95"))?;
        table.add("4", format!("{what}: frame time p95 (no GPU)"), &p95, ms, Some(Target::AtMost(33.0)));
        table.add(
            "4",
            format!("{what}: report() calls while crawling"),
            &each(runs, |r| page(r, "reportCalls"))?,
            count,
            Some(Target::AtMost(0.0)),
        );
        let paused: Vec<&Value> = runs.iter().map(|r| &r["page"]["pause"]).filter(|p| p.is_object()).collect();
        if !paused.is_empty() {
            let at = num(paused[0], "at")?;
            let took: Vec<f64> = paused.iter().map(|p| num(p, "tookMs")).collect::<Result<_>>()?;
            table.add(
                "4",
                format!("{what}: Pause at ~{at:.0} pages takes effect"),
                &took,
                ms,
                Some(Target::AtMost(100.0)),
            );
            let fetches: Vec<f64> = paused.iter().map(|p| num(p, "fetchesAfter")).collect::<Result<_>>()?;
            table.add("4", format!("{what}: fetches started after Pause"), &fetches, count, Some(Target::AtMost(0.0)));
        }
        let draws: Vec<f64> = runs
            .iter()
            .map(|r| {
                summary(&each(list(&r["page"]["draws"], "times")?, |t| t.as_f64().ok_or("bad draw time".into()))?)
                    .map(|s| s.median)
                    .ok_or_else(|| "bench results: no graph draws".to_string())
            })
            .collect::<Result<_>>()?;
        let nodes = num(&runs[0]["page"]["draws"], "nodes").unwrap_or(0.0);
        let target = (nodes >= 20_000.0).then_some(Target::AtMost(8.0));
        table.add("4", format!("{what}: one full graph draw, {nodes:.0} nodes (median)"), &draws, ms_fine, target);
    }
    Ok(())
}

fn memory(table: &mut Table, entry: &Value) -> Result {
    // Growth from before the crawl to after it, both after a full GC, with
    // the crawl's handle (and so its event log) still alive.
    let per_k =
        |r: &Value, key: &str| Ok((num(&r["after"], key)? - num(&r["before"], key)?) / num(r, "pages")? * 1000.0);
    for (build, label) in [("log", ""), ("nolog", ", event log compiled out")] {
        let runs = list(entry, build)?;
        let js = each(runs, |r| per_k(r, "jsHeap"))?;
        let wasm = each(runs, |r| per_k(r, "wasm"))?;
        let total: Vec<f64> = js.iter().zip(&wasm).map(|(a, b)| a + b).collect();
        let pages = runs.first().map(|r| num(r, "pages")).transpose()?.unwrap_or(0.0);
        let what = format!("memory per 1,000 pages (crawl of {pages:.0} kept{label})");
        table.add("5", format!("{what}: JS heap"), &js, mb, None);
        table.add("5", format!("{what}: wasm memory (never shrinks)"), &wasm, mb, None);
        table.add("5", format!("{what}: total"), &total, mb, (build == "log").then_some(Target::AtMost(3e6)));
    }
    let runs = list(entry, "log")?;
    let log_per_100 = each(runs, |r| Ok(num(r, "logBytes")? / num(r, "pages")? * 100.0))?;
    table.add("5", "recorded log (JSON of handle.log()) per 100 pages".into(), &log_per_100, kb, None);
    Ok(())
}

fn size(table: &mut Table, sizes: &[FileSize]) {
    let mut one = |measure: String, raw: usize, gzip: usize| {
        table.rows.push(Row {
            item: "6",
            measure,
            median: bytes(gzip as f64),
            range: format!("raw {}", bytes(raw as f64)),
            runs: "1".into(),
            ..Row::default()
        });
    };
    for file in sizes.iter().filter(|f| f.name.ends_with(".wasm")) {
        one(format!("{}, gzip -9", file.name), file.raw, file.gzip);
    }
    let (raw, gzip) = totals(sizes);
    one(format!("everything the page loads ({} files), gzip -9", sizes.len()), raw, gzip);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts_and_range() {
        assert_eq!(summary(&[3.0, 1.0, 2.0]), Some(Summary { median: 2.0, min: 1.0, max: 3.0, n: 3 }));
        assert_eq!(summary(&[4.0, 1.0, 2.0, 3.0]).map(|s| s.median), Some(2.5));
        assert_eq!(summary(&[]), None);
        assert_eq!(summary(&[f64::NAN, 5.0]).map(|s| s.n), Some(1), "a broken sample is not a figure");
    }

    #[test]
    fn verdicts_say_by_how_much() {
        assert_eq!(verdict(2.6, Target::AtLeast(2.5), times), "met");
        assert_eq!(verdict(2.0, Target::AtLeast(2.5), times), "MISSED by 0.50× (20.0% short)");
        assert_eq!(verdict(75.0, Target::AtMost(50.0), ms), "MISSED by 25 ms (50.0% over)");
        assert_eq!(verdict(1.1035, Target::AtMost(1.1), times), "MISSED: 0.3% over");
        assert_eq!(verdict(50.0, Target::AtMost(50.0), ms), "met");
    }

    #[test]
    fn no_long_task_is_not_an_instant_one() {
        assert_eq!(task_ms(0.0), "<50 ms");
        assert_eq!(verdict(53.0, Target::AtMost(50.0), task_ms), "MISSED by 3 ms (6.0% over)");
    }

    #[test]
    fn bytes_get_thousands_separators() {
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(999.0), "999 B");
        assert_eq!(bytes(312_345.0), "312,345 B");
        assert_eq!(bytes(1_234_567.0), "1,234,567 B");
    }

    #[test]
    fn a_mismatched_page_is_not_timed() {
        let results = serde_json::json!([{ "label": "20 KB", "size": 20000, "links": 3,
            "mismatch": { "engineCount": 3, "domCount": 2, "onlyEngine": ["http://x/a"], "onlyDom": [], "firstOrderDiff": 1 } }]);
        let mut table = Table::default();
        extraction(&mut table, &results).expect("well-formed");
        assert_eq!(table.mismatches.len(), 1);
        assert!(table.mismatches[0].contains("http://x/a"), "{}", table.mismatches[0]);
        assert_eq!(table.rows.len(), 1);
        assert_eq!(table.rows[0].median, "MISMATCH");
    }

    #[test]
    fn markdown_columns_line_up() {
        let mut table = Table::default();
        table.add("1", "a measure".into(), &[1.0, 2.0, 3.0], times, Some(Target::AtLeast(2.5)));
        let text = table.markdown();
        let widths: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{text}");
        assert!(text.contains("| 2.00× ") && text.contains("MISSED by 0.50× (20.0% short)"), "{text}");
    }

    #[test]
    fn missing_fields_are_errors_not_zeros() {
        assert!(build(&serde_json::json!({}), &[]).is_err());
    }

    #[test]
    fn playground_rows_pair_each_run_with_its_background_crawl() {
        let run = |page_ms: f64, bg_ms: f64, pause: serde_json::Value| {
            serde_json::json!({
                "background": { "ms": bg_ms, "pages": 20005 },
                "page": { "ms": page_ms, "pages": 20005, "longestTask": 0, "longTasks": 0, "frameP95": null,
                    "reportCalls": 0, "pause": pause, "draws": { "nodes": 20010, "mode": "raster", "times": [3, 4, 5] } },
                "frames": { "ms": page_ms * 1.2, "pages": 20005, "longestTask": 0, "longTasks": 0, "frameP95": 17,
                    "reportCalls": 0 },
            })
        };
        let sizes = serde_json::json!([{ "pages": 20000, "runs": [
            run(110.0, 100.0, serde_json::json!({ "tookMs": 12, "fetchesAfter": 0, "at": 10001 })),
            run(300.0, 200.0, serde_json::Value::Null),
        ] }]);
        let mut table = Table::default();
        playground(&mut table, &sizes).expect("well-formed");
        let row = |what: &str| table.rows.iter().find(|r| r.measure.ends_with(what)).expect(what).clone();
        // (1.10 + 1.50) / 2: each run's own ratio, never one run's time over another's.
        assert_eq!(row("playground ÷ background").median, "1.30×");
        assert!(row("playground ÷ background").verdict.starts_with("MISSED"));
        // The frame counter's crawl is paired with the same background crawl, apart from the target row.
        assert_eq!(row("with a frame counter ÷ background").median, "1.56×");
        assert_eq!(row("frame time p95 (no GPU)").median, "17 ms");
        assert_eq!(row("Pause at ~10001 pages takes effect").median, "12 ms");
        assert_eq!(row("Pause at ~10001 pages takes effect").runs, "1", "only runs that paused count");
        assert_eq!(row("one full graph draw, 20010 nodes (median)").verdict, "met");
    }

    #[test]
    fn parse_bound_rows_pair_engine_and_peer_by_run_and_skipped_sections_are_left_out() {
        let parse = serde_json::json!({ "maxTasks": 6, "bytes": 100000,
            "engine": [{ "ms": 100, "pages": 505 }, { "ms": 300, "pages": 505 }],
            "peer": [{ "ms": 400, "pages": 505 }, { "ms": 400, "pages": 505 }],
            "extract": [{ "ms": 150, "pages": 505, "withFields": 500 }, { "ms": 300, "pages": 505, "withFields": 500 }] });
        let results = serde_json::json!({ "parse": parse, "failed": {},
            "skipped": ["extraction", "ideal", "zero", "playground", "memory"] });
        let table = build(&results, &[]).expect("skipped sections need no figures");
        let row = table.rows.iter().find(|r| r.measure.ends_with("engine time ÷ peer's")).expect("ratio row");
        // (0.25 + 0.75) / 2: each run's own ratio.
        assert_eq!((row.median.as_str(), row.verdict.as_str()), ("0.50×", "met"));
        assert!(row.measure.contains("505 pages of ~100.0 KB"), "{}", row.measure);
        let cost = table.rows.iter().find(|r| r.measure.ends_with("with extract ÷ links only")).expect("extract row");
        // (1.5 + 1.0) / 2: paired with the links-only crawl of the same run.
        assert_eq!(cost.median, "1.25×");
        assert!(table.rows.iter().any(|r| r.measure.contains("(500 pages with fields)")));
        assert!(table.rows.iter().all(|r| r.item == "2" || r.item == "6"), "nothing of the skipped sections");
    }

    #[test]
    fn failed_sections_are_rows_and_the_rest_still_counts() {
        let results = serde_json::json!({
            "failed": { "extraction": "page crashed", "ideal": "x", "zero": "y", "parse": "p", "playground": "z" },
            "memory": { "pages": 10,
                "log": [{ "pages": 10, "before": { "jsHeap": 0, "wasm": 0 }, "after": { "jsHeap": 1000, "wasm": 2000 }, "logBytes": 500 }],
                "nolog": [{ "pages": 10, "before": { "jsHeap": 0, "wasm": 0 }, "after": { "jsHeap": 1000, "wasm": 1000 }, "logBytes": null }] },
        });
        let table = build(&results, &[]).expect("well-formed");
        assert_eq!(table.failures, ["extraction: page crashed", "ideal: x", "zero: y", "parse: p", "playground: z"]);
        assert_eq!(table.rows.iter().filter(|r| r.median == "FAILED").count(), 5, "one row per failed section");
        assert!(table.rows.iter().any(|r| r.measure.contains("total") && r.median == "0.30 MB"));
    }
}
