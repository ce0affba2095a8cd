//! `cargo xtask bench [--quick]`: how fast the build that ships is, in
//! headless Chromium, next to the browser's own parser, the ideal crawl and
//! a plain-JS crawler. Prints one table (also saved to target/bench/).
//!
//! The bench site under target/bench/site/ is dist/ as built, plus the bench
//! page (xtask/bench/) and, under nolog/, the same crawler built without the
//! `event-log` feature, so the log's cost is measured against its absence.
//! xtask/bench/run.js drives Chromium and writes raw samples; [`table`] turns
//! them into medians, ranges, ratios and verdicts. Nothing here fails on a
//! figure: a missed target is reported, not asserted.

mod table;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{probe, run, step};
use crate::page::{self, Profile};
use crate::test::Scratch;
use crate::{ensure, root, target_dir, Result};

fn bench_dir() -> PathBuf {
    target_dir().join("bench")
}

/// The sections run.js knows, by their key in the results.
const SECTIONS: [&str; 6] = ["extraction", "ideal", "zero", "parse", "playground", "memory"];

pub fn run_bench(quick: bool, only: &[String]) -> Result {
    if let Some(unknown) = only.iter().find(|s| !SECTIONS.contains(&s.as_str())) {
        return Err(format!("--only: no bench section `{unknown}` (known: {})", SECTIONS.join(", ")));
    }
    ensure::wasm_target()?;
    ensure::wasm_bindgen()?;
    ensure::chromium()?;
    ensure::npm_deps()?;

    page::build(Profile::Release)?;
    // Only the sections that compare against it need the build without the log.
    let wanted = |key: &str| only.is_empty() || only.iter().any(|s| s == key);
    let nolog = if wanted("zero") || wanted("memory") { Some(build_without_event_log()?) } else { None };
    let site = assemble(nolog.as_deref())?;

    let config =
        testsite::Config { site_port: 0, playground_port: 0, dist: Some(site.clone()), ..testsite::Config::default() };
    let server = testsite::spawn(config).map_err(|e| format!("cannot start the test site: {e}"))?;
    let bench_url = server.playground_url.clone().ok_or("the bench site did not start")?;
    println!("    site: {}\n    bench: {bench_url}", server.site_url);

    let out = bench_dir().join("results.json");
    let _ = std::fs::remove_file(&out);
    step(&format!("run the bench in headless Chromium{}", if quick { " (--quick)" } else { "" }));
    let scratch = Scratch::new("bench")?; // each Chromium profile leaves ~22 MB in TMPDIR
    run(Command::new("node")
        .arg(root().join("xtask/bench/run.js"))
        .env("BENCH_URL", &bench_url)
        .env("SITE_URL", &server.site_url)
        .env("BENCH_OUT", &out)
        .env("BENCH_QUICK", if quick { "1" } else { "0" })
        .env("BENCH_ONLY", only.join(","))
        .env("TMPDIR", &scratch.0))?;
    drop(server);

    let text =
        std::fs::read_to_string(&out).map_err(|e| format!("the bench wrote no results at {}: {e}", out.display()))?;
    let results: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", out.display()))?;
    // Sizes of the copy that was measured (dist/ may have been rebuilt since),
    // without the bench's own additions.
    let shipped: Vec<page::FileSize> = page::file_sizes(&site)?
        .into_iter()
        .filter(|f| !f.name.starts_with("bench/") && !f.name.starts_with("nolog/"))
        .collect();
    let table = table::build(&results, &shipped)?;

    let mut printed = heading(&results, quick);
    for line in &table.mismatches {
        printed += &format!("{line}\n\n");
    }
    printed += &table.markdown();
    printed += "\nMB = 10^6 bytes. Medians over runs, min–max beside them; a ratio is the median of per-run \
                ratios (both sides measured in the same run). Verdicts judge the median.\n";
    step("results");
    println!("{printed}");
    let saved = bench_dir().join("table.md");
    std::fs::write(&saved, &printed).map_err(|e| format!("cannot write {}: {e}", saved.display()))?;
    println!("(saved to {} and {})", saved.display(), out.display());

    if !table.failures.is_empty() {
        return Err(format!("bench sections failed, their figures are missing: {}", table.failures.join("; ")));
    }
    if !table.mismatches.is_empty() {
        let pages = table.mismatches.len();
        return Err(format!("the engine's links differ from DOMParser's on {pages} bench page(s): see MISMATCH above"));
    }
    Ok(())
}

/// Where and on what the figures were taken.
fn heading(results: &serde_json::Value, quick: bool) -> String {
    let m = &results["machine"];
    let commit = probe(Command::new("git").args(["rev-parse", "--short", "HEAD"]).current_dir(root()))
        .map_or("unknown".into(), |c| c.trim().to_string());
    let kind = if quick { "--quick run (fewer runs, smaller crawls: rough figures)" } else { "full run" };
    format!(
        "crawlscope bench, {kind}, commit {commit} (+ working tree)\n\
         headless Chromium {} without GPU; {} cores ({}), {} GiB RAM; node {}; \
         1-min load average {:.1}–{:.1} during the run (the bench alone keeps it near 2); \
         highest by section: {}\n\n",
        m["chromium"].as_str().unwrap_or("?"),
        m["cores"],
        m["cpu"].as_str().unwrap_or("?"),
        m["memoryGiB"],
        m["node"].as_str().unwrap_or("?"),
        m["load"]["min"].as_f64().unwrap_or(f64::NAN),
        m["load"]["max"].as_f64().unwrap_or(f64::NAN),
        section_loads(&m["sectionLoad"]),
    )
}

/// `{"1": 1.9, "2": 3.4}` → `#1 1.9, #2 3.4`.
fn section_loads(loads: &serde_json::Value) -> String {
    let Some(loads) = loads.as_object() else { return "?".into() };
    let parts: Vec<String> =
        loads.iter().map(|(name, load)| format!("#{name} {:.1}", load.as_f64().unwrap_or(f64::NAN))).collect();
    parts.join(", ")
}

/// The crawler without the `event-log` feature, through wasm-bindgen into
/// target/bench/nolog-pkg/. Its own cargo target dir keeps the shipping
/// build's artifacts (and incremental cache) from being overwritten.
fn build_without_event_log() -> Result<PathBuf> {
    step("build crawlscope for wasm without the event log (Release)");
    let cargo_dir = bench_dir().join("cargo");
    run(Command::new("cargo")
        .args(["build", "-p", "crawlscope", "--lib", "--release", "--no-default-features"])
        .args(["--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(&cargo_dir)
        .current_dir(root()))?;
    let pkg = bench_dir().join("nolog-pkg");
    let wasm = cargo_dir.join("wasm32-unknown-unknown/release/crawlscope.wasm");
    run(Command::new("wasm-bindgen").args(["--target", "web", "--no-typescript", "--out-dir"]).arg(&pkg).arg(&wasm))?;
    Ok(pkg)
}

/// target/bench/site: dist/ + bench/ (the bench page) + nolog/ (the other
/// build, with its own copy of www/ so its JS API imports its own wasm).
fn assemble(nolog_pkg: Option<&Path>) -> Result<PathBuf> {
    let site = bench_dir().join("site");
    step(&format!("assemble {}", site.display()));
    if site.exists() {
        std::fs::remove_dir_all(&site).map_err(|e| format!("cannot remove {}: {e}", site.display()))?;
    }
    page::copy_dir(&page::dist_dir(), &site)?;
    let sources = root().join("xtask/bench");
    let page_files = ["bench.html", "bench.js", "pages.js", "peer-crawler.js"];
    std::fs::create_dir_all(site.join("bench")).map_err(|e| format!("cannot create {}: {e}", site.display()))?;
    for name in page_files {
        page::copy(&sources.join(name), &site.join("bench").join(name))?;
    }
    if let Some(nolog_pkg) = nolog_pkg {
        page::copy_dir(nolog_pkg, &site.join("nolog/pkg"))?;
        // All of www/, not just crawlscope.js: the API module imports its siblings.
        page::copy_dir(&site.join("www"), &site.join("nolog/www"))?;
    }
    Ok(site)
}
