//! `cargo xtask test`: every test layer, each against a fresh test server.
//!
//! 1. native: `cargo test --workspace` on the host.
//! 2. wasm/<engine>: the crawler's `tests/web.rs` in Chromium, Firefox and
//!    WebKit, crawling the test site for real (wasm-bindgen-test-runner
//!    drives each browser through its WebDriver).
//! 3. e2e: Playwright drives the built playground in Chromium: every flow in
//!    detail, and what only Chromium has (DevTools protocol, Performance panel).
//! 4. xbrowser/<engine>: the playground's core flows over plain WebDriver
//!    (selenium-webdriver, `node --test`) in all three engines; see
//!    [`crate::engines`].
//! 5. debug: the debug build keeps the DWARF that names our sources.
//! 6. scrapy: the exported Scrapy spider crawls the test site and reports
//!    the engine's pages (`tests/scrapy.rs`), two scrapy-redis workers share
//!    one frontier, and the spider's output loads in the page
//!    (`tests/e2e/scrapy.spec.js`).
//!
//! A layer fails when its runner fails, reports a failed test, or ran no test
//! at all (a runner that silently skipped everything must not look green).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::cmd::{run_watching, step};
use crate::engines::{Browsers, Engine};
use crate::ensure;
use crate::page::{self, Profile};
use crate::{root, target_dir, Result};

/// Tests counted from a runner's own report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    passed: u64,
    failed: u64,
}

impl Counts {
    /// Adds a libtest summary line (`test result: ok. 12 passed; 0 failed; …`),
    /// printed by `cargo test` for each test binary and by wasm-bindgen-test-runner.
    fn add_libtest_line(&mut self, line: &str) {
        let Some(result) = line.split("test result:").nth(1) else {
            return;
        };
        self.passed += number_before(result, " passed");
        self.failed += number_before(result, " failed");
    }

    /// Counts from the totals at the end of a TAP stream from `node --test`
    /// (`# pass 9`, `# fail 0`, `# cancelled 0`): a cancelled test (its
    /// file crashed or timed out) is a failed one.
    fn from_node_tap(tap: &str) -> Result<Counts> {
        let total = |label: &str| {
            tap.lines().rev().find_map(|line| line.strip_prefix(&format!("# {label} "))?.trim().parse::<u64>().ok())
        };
        let passed = total("pass").ok_or("no `# pass N` line in the TAP report")?;
        let failed = total("fail").unwrap_or(0) + total("cancelled").unwrap_or(0);
        Ok(Counts { passed, failed })
    }
}

/// The number just before `label` in `text`, or 0.
fn number_before(text: &str, label: &str) -> u64 {
    let Some(end) = text.find(label) else {
        return 0;
    };
    text[..end].rsplit(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

type Layer<'a> = Box<dyn Fn(&mut Counts) -> Result + 'a>;

pub fn all() -> Result {
    // Install everything up front: a missing tool should fail in seconds,
    // not after the native layer has compiled for minutes.
    ensure::wasm_target()?;
    ensure::wasm_bindgen()?;
    ensure::chromium()?;
    ensure::firefox()?;
    ensure::webkit()?;
    let geckodriver = ensure::geckodriver()?;
    ensure::npm_deps()?;
    ensure::xbrowser_npm_deps()?;
    let scrapy = ensure::scrapy()?;
    ensure::redis()?;
    // One virtual display for every WebKit run, stopped (by PID) when this returns.
    let browsers = Browsers::start(geckodriver)?;
    let browsers = &browsers;

    let mut layers: Vec<(String, Layer)> = vec![("native".into(), Box::new(native))];
    for engine in Engine::ALL {
        layers.push((format!("wasm/{engine}"), Box::new(move |counts: &mut Counts| wasm(browsers, engine, counts))));
    }
    layers.push(("e2e/chromium".into(), Box::new(e2e)));
    for engine in Engine::ALL {
        let layer = move |counts: &mut Counts| xbrowser(browsers, engine, counts);
        layers.push((format!("xbrowser/{engine}"), Box::new(layer)));
    }
    layers.push(("debug".into(), Box::new(debug_build)));
    layers.push(("scrapy".into(), Box::new(move |counts: &mut Counts| scrapy_layer(&scrapy, counts))));

    let mut outcomes = Vec::new();
    for (name, layer) in &layers {
        step(&format!("test layer: {name}"));
        let started = std::time::Instant::now();
        let mut counts = Counts::default();
        let problem = match layer(&mut counts) {
            Err(message) => Some(message),
            Ok(()) if counts.failed > 0 => Some(format!("{} tests failed", counts.failed)),
            Ok(()) if counts.passed == 0 => Some("ran no tests".to_string()),
            Ok(()) => None,
        };
        outcomes.push((name, counts, problem, started.elapsed()));
    }

    step("summary");
    let (mut passed, mut failed) = (0, 0);
    for (name, counts, problem, took) in &outcomes {
        let verdict = problem.as_deref().map(|p| format!("  FAILED: {p}")).unwrap_or_default();
        let secs = took.as_secs();
        println!("    {name:<17} {} passed, {} failed  ({secs} s){verdict}", counts.passed, counts.failed);
        passed += counts.passed;
        // A layer that broke without reporting a failed test (build error,
        // crash, no tests) still counts as one failure in the total.
        failed += counts.failed.max(u64::from(problem.is_some()));
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        Ok(())
    } else {
        Err("some test layers failed (see the summary above)".to_string())
    }
}

fn native(counts: &mut Counts) -> Result {
    let mut cargo = Command::new("cargo");
    cargo.args(["test", "--workspace"]).current_dir(root());
    let ok = run_watching(&mut cargo, |line| counts.add_libtest_line(line))?;
    if ok {
        Ok(())
    } else {
        Err("`cargo test --workspace` failed".to_string())
    }
}

/// `tests/web.rs` in one engine. wasm-bindgen-test-runner picks its driver
/// from the first of GECKODRIVER, SAFARIDRIVER, CHROMEDRIVER that is set, so
/// exactly one is (see [`Browsers::wasm_env`]); it bounds session creation
/// itself (60 s), which matters for WebKit without a display.
fn wasm(browsers: &Browsers, engine: Engine, counts: &mut Counts) -> Result {
    if !root().join("tests/web.rs").is_file() {
        return Err("tests/web.rs is missing: the crawler has no in-browser tests to run".to_string());
    }
    println!("    engine: {}", browsers.describe(engine));
    let server = start_server(None)?;
    let scratch = Scratch::new(&format!("wasm-{engine}"))?;
    let mut cargo = Command::new("cargo");
    cargo
        .args(["test", "-p", "crawlscope", "--target", "wasm32-unknown-unknown", "--test", "web"])
        .current_dir(root())
        // Read by the test at compile time (`option_env!`): a wasm test in the
        // browser cannot see this process's environment.
        .env("CRAWLSCOPE_TEST_SITE", &server.site_url)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "60")
        // Each browser run leaves a ~22 MB profile in TMPDIR.
        .env("TMPDIR", &scratch.0);
    browsers.wasm_env(engine, &mut cargo);
    let ok = run_watching(&mut cargo, |line| counts.add_libtest_line(line))?;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the in-browser tests failed in {engine} (`cargo test --target wasm32-unknown-unknown --test web`)"
        ))
    }
}

/// `cargo xtask serve --debug` must keep DWARF whose line table names the
/// crate's sources: that is what shows Rust in Chrome's Sources panel.
fn debug_build(counts: &mut Counts) -> Result {
    let mut cargo = Command::new("cargo");
    cargo.args(["build", "-p", "crawlscope", "--lib", "--target", "wasm32-unknown-unknown"]);
    crate::cmd::run(cargo.current_dir(root()))?;
    let out = target_dir().join("xtask-debug-pkg");
    let wasm = target_dir().join("wasm32-unknown-unknown").join("debug").join("crawlscope.wasm");
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen.args(["--target", "web", "--no-typescript", "--keep-debug", "--out-dir"]).arg(&out).arg(&wasm);
    crate::cmd::run(&mut bindgen)?;
    let built = out.join("crawlscope_bg.wasm");
    let bytes = std::fs::read(&built).map_err(|e| format!("cannot read {}: {e}", built.display()))?;
    let mut sources = Vec::new();
    for dir in [root().join("src"), root().join("src").join("web")] {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") {
                sources.push(name);
            }
        }
    }
    let named = crate::dwarf::line_table_names(&bytes, &sources)?;
    println!(
        "    .debug_line names {} of the {} files under src/ (e.g. {})",
        named.len(),
        sources.len(),
        named.join(", ")
    );
    // Modules with only types and constants emit no code, hence no lines.
    if named.len() * 2 < sources.len() {
        counts.failed += 1;
        return Err("the debug build's line table names fewer than half of the crate's source files".into());
    }
    counts.passed += 1;
    Ok(())
}

fn e2e(counts: &mut Counts) -> Result {
    built_dist()?;
    let server = start_server(Some(page::dist_dir()))?;
    let playground_url = server.playground_url.clone().ok_or("the playground did not start")?;
    let scratch = Scratch::new("e2e")?;
    let dir = root().join("tests/e2e");
    // Where playwright.config.js tells the JSON reporter to write.
    let report = root().join("artifacts/e2e-report.json");
    let _ = std::fs::remove_file(&report);

    let mut npx = Command::new("npx");
    npx.args(["playwright", "test"])
        .current_dir(&dir)
        .env("PLAYGROUND_URL", &playground_url)
        .env("SITE_URL", &server.site_url)
        .env("TMPDIR", &scratch.0);
    let ok = run_watching(&mut npx, |_| {})?;

    let json = std::fs::read_to_string(&report)
        .map_err(|e| format!("Playwright wrote no report at {}: {e}", report.display()))?;
    *counts = playwright_counts(&json)?;
    if ok {
        Ok(())
    } else {
        Err("`npx playwright test` failed".to_string())
    }
}

/// The exported spiders against the test site: `tests/scrapy.rs` (ignored
/// by plain `cargo test`, which has no Scrapy), then the e2e spec that loads
/// their output in the page. Their files stay in artifacts/scrapy/.
fn scrapy_layer(scrapy: &Path, counts: &mut Counts) -> Result {
    built_dist()?;
    let server = start_server(Some(page::dist_dir()))?;
    let playground_url = server.playground_url.clone().ok_or("the playground did not start")?;
    let out = root().join("artifacts/scrapy");
    remove(&out);
    let mut cargo = Command::new("cargo");
    cargo
        .args(["test", "-p", "crawlscope", "--test", "scrapy", "--", "--ignored", "--nocapture"])
        .current_dir(root())
        .env("CRAWLSCOPE_TEST_SITE", &server.site_url)
        .env("SCRAPY", scrapy)
        .env("REDIS_SERVER", ensure::REDIS_SERVER)
        .env("SCRAPY_OUT", &out);
    let spiders_ok = run_watching(&mut cargo, |line| counts.add_libtest_line(line))?;

    let scratch = Scratch::new("scrapy-e2e")?;
    let report = out.join("e2e-report.json");
    let mut npx = Command::new("npx");
    npx.args(["playwright", "test", "scrapy.spec.js", "--reporter=list,json"])
        // Its own output folder: Playwright empties the one it writes to, and the e2e layer's
        // screenshots in artifacts/e2e/ are there to be looked at.
        .arg("--output")
        .arg(out.join("test-results"))
        .current_dir(root().join("tests/e2e"))
        .env("PLAYWRIGHT_JSON_OUTPUT_FILE", &report)
        .env("PLAYGROUND_URL", &playground_url)
        .env("SITE_URL", &server.site_url)
        .env("SCRAPY_JSONL", out.join("pages.jsonl"))
        .env("TMPDIR", &scratch.0);
    let page_ok = run_watching(&mut npx, |_| {})?;
    let json = std::fs::read_to_string(&report)
        .map_err(|e| format!("Playwright wrote no report at {}: {e}", report.display()))?;
    let page_counts = playwright_counts(&json)?;
    counts.passed += page_counts.passed;
    counts.failed += page_counts.failed;
    match (spiders_ok, page_ok) {
        (true, true) => Ok(()),
        (false, _) => Err("the spider tests failed (`cargo test --test scrapy -- --ignored`)".to_string()),
        (_, false) => Err("`npx playwright test scrapy.spec.js` failed".to_string()),
    }
}

/// The playground's core flows (tests/xbrowser/*.test.js) in one engine.
/// `node --test` prints its spec report and writes TAP to
/// artifacts/xbrowser/<engine>.tap, whose totals are counted.
fn xbrowser(browsers: &Browsers, engine: Engine, counts: &mut Counts) -> Result {
    built_dist()?;
    println!("    engine: {}", browsers.describe(engine));
    let server = start_server(Some(page::dist_dir()))?;
    let playground_url = server.playground_url.clone().ok_or("the playground did not start")?;
    let scratch = Scratch::new(&format!("xbrowser-{engine}"))?;
    let dir = root().join("tests/xbrowser");
    let tap = root().join("artifacts/xbrowser").join(format!("{engine}.tap"));
    std::fs::create_dir_all(tap.parent().unwrap_or(&dir))
        .map_err(|e| format!("cannot create artifacts/xbrowser: {e}"))?;
    let _ = std::fs::remove_file(&tap);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.js"))
        .collect();
    files.sort();

    // `timeout` bounds the whole run and stops node's process group (and
    // the drivers it started) if a browser hangs where the tests cannot see it.
    let mut node = Command::new("timeout");
    node.args(["--kill-after=10", "600", "node", "--test", "--test-concurrency=1", "--test-timeout=120000"])
        .args(["--test-reporter=spec", "--test-reporter-destination=stdout", "--test-reporter=tap"])
        .arg(format!("--test-reporter-destination={}", tap.display()))
        .args(&files)
        .current_dir(&dir)
        .env("PLAYGROUND_URL", &playground_url)
        .env("SITE_URL", &server.site_url)
        .env("TMPDIR", &scratch.0);
    browsers.xbrowser_env(engine, &mut node);
    let ok = run_watching(&mut node, |_| {})?;
    let report =
        std::fs::read_to_string(&tap).map_err(|e| format!("node --test wrote no TAP at {}: {e}", tap.display()))?;
    *counts = Counts::from_node_tap(&report)?;
    if ok {
        Ok(())
    } else {
        Err(format!("`node --test` failed in {engine}"))
    }
}

/// dist/ built for release once per `cargo xtask test`, by whichever layer needs it first.
fn built_dist() -> Result {
    static BUILT: OnceLock<Result> = OnceLock::new();
    BUILT.get_or_init(|| page::build(Profile::Release)).clone()
}

/// Counts from Playwright's JSON report: `stats.expected` passed,
/// `stats.unexpected` failed, `stats.flaky` passed only on a retry (a failure
/// here: retries are off, so it would mean the config changed under us).
fn playwright_counts(json: &str) -> Result<Counts> {
    let report: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("Playwright's report is not JSON: {e}"))?;
    let stat = |name: &str| report["stats"][name].as_u64().ok_or(format!("no stats.{name} in Playwright's report"));
    let errors = report["errors"].as_array().map_or(0, |e| e.len() as u64);
    Ok(Counts { passed: stat("expected")?, failed: stat("unexpected")? + stat("flaky")? + errors })
}

fn start_server(dist: Option<PathBuf>) -> Result<testsite::Running> {
    let config = testsite::Config { site_port: 0, playground_port: 0, dist, ..testsite::Config::default() };
    let server = testsite::spawn(config).map_err(|e| format!("cannot start the test site: {e}"))?;
    println!("    site: {}", server.site_url);
    if let Some(url) = &server.playground_url {
        println!("    playground: {url}");
    }
    Ok(server)
}

/// A temporary directory under target/, emptied when made and removed on drop.
pub(crate) struct Scratch(pub PathBuf);

impl Scratch {
    pub(crate) fn new(name: &str) -> Result<Scratch> {
        let dir = target_dir().join("xtask-tmp").join(name);
        remove(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        remove(&self.0);
    }
}

fn remove(dir: &Path) {
    if dir.exists() {
        if let Err(e) = std::fs::remove_dir_all(dir) {
            eprintln!("warning: cannot remove {}: {e}", dir.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_summaries_add_up() {
        let mut counts = Counts::default();
        for line in [
            "running 12 tests",
            "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.44s",
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            "test passed_is_not_a_summary ... ok",
        ] {
            counts.add_libtest_line(line);
        }
        assert_eq!(counts, Counts { passed: 15, failed: 2 });
    }

    #[test]
    fn node_tap_totals_count_cancelled_as_failed() {
        let tap = "TAP version 13\n# Subtest: playground\nok 1 - playground\n1..1\n# tests 5\n# suites 1\n\
                   # pass 4\n# fail 0\n# cancelled 1\n# skipped 0\n# todo 0\n# duration_ms 1234.5\n";
        assert_eq!(Counts::from_node_tap(tap), Ok(Counts { passed: 4, failed: 1 }));
    }

    #[test]
    fn node_tap_without_totals_is_an_error() {
        assert!(Counts::from_node_tap("TAP version 13\n").is_err());
    }

    #[test]
    fn playwright_report_counts_unexpected_and_flaky_as_failed() {
        let json = r#"{"stats":{"expected":4,"unexpected":1,"flaky":1,"skipped":0},"errors":[]}"#;
        assert_eq!(playwright_counts(json), Ok(Counts { passed: 4, failed: 2 }));
    }

    #[test]
    fn playwright_report_without_stats_is_an_error() {
        assert!(playwright_counts(r#"{"errors":[]}"#).is_err());
    }
}
