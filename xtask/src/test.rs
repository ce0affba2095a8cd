//! `cargo xtask test`: every test layer, each against a fresh test server.
//!
//! 1. native: `cargo test --workspace` on the host.
//! 2. wasm: the crawler's `tests/web.rs` in headless Chromium, crawling the
//!    test site for real.
//! 3. e2e: Playwright drives the built playground against the test site.
//!
//! A layer fails when its runner fails, reports a failed test, or ran no test
//! at all (a runner that silently skipped everything must not look green).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{run_watching, step};
use crate::ensure::{self, CHROMEDRIVER};
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
}

/// The number just before `label` in `text`, or 0.
fn number_before(text: &str, label: &str) -> u64 {
    let Some(end) = text.find(label) else {
        return 0;
    };
    text[..end].rsplit(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

type Layer = fn(&mut Counts) -> Result;

pub fn all() -> Result {
    // Install everything up front: a missing tool should fail in seconds,
    // not after the native layer has compiled for minutes.
    ensure::wasm_target()?;
    ensure::wasm_bindgen()?;
    ensure::chromium()?;
    ensure::npm_deps()?;

    let layers: [(&str, Layer); 4] = [("native", native), ("wasm", wasm), ("e2e", e2e), ("debug", debug_build)];
    let mut outcomes = Vec::new();
    for (name, layer) in layers {
        step(&format!("test layer: {name}"));
        let mut counts = Counts::default();
        let problem = match layer(&mut counts) {
            Err(message) => Some(message),
            Ok(()) if counts.failed > 0 => Some(format!("{} tests failed", counts.failed)),
            Ok(()) if counts.passed == 0 => Some("ran no tests".to_string()),
            Ok(()) => None,
        };
        outcomes.push((name, counts, problem));
    }

    step("summary");
    let (mut passed, mut failed) = (0, 0);
    for (name, counts, problem) in &outcomes {
        let verdict = problem.as_deref().map(|p| format!("  FAILED: {p}")).unwrap_or_default();
        println!("    {name:<7} {} passed, {} failed{verdict}", counts.passed, counts.failed);
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

fn wasm(counts: &mut Counts) -> Result {
    if !root().join("tests/web.rs").is_file() {
        return Err("tests/web.rs is missing: the crawler has no in-browser tests to run".to_string());
    }
    let server = start_server(None)?;
    let scratch = Scratch::new("wasm")?;
    let mut cargo = Command::new("cargo");
    cargo
        .args(["test", "-p", "crawlscope", "--target", "wasm32-unknown-unknown", "--test", "web"])
        .current_dir(root())
        .env("CHROMEDRIVER", CHROMEDRIVER)
        // Read by the test at compile time (`option_env!`): a wasm test in the
        // browser cannot see this process's environment.
        .env("CRAWLSCOPE_TEST_SITE", &server.site_url)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "60")
        // Each browser run leaves a ~22 MB profile in TMPDIR.
        .env("TMPDIR", &scratch.0);
    let ok = run_watching(&mut cargo, |line| counts.add_libtest_line(line))?;
    if ok {
        Ok(())
    } else {
        Err("the in-browser tests failed (`cargo test --target wasm32-unknown-unknown --test web`)".to_string())
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
    page::build(Profile::Release)?;
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
    fn playwright_report_counts_unexpected_and_flaky_as_failed() {
        let json = r#"{"stats":{"expected":4,"unexpected":1,"flaky":1,"skipped":0},"errors":[]}"#;
        assert_eq!(playwright_counts(json), Ok(Counts { passed: 4, failed: 2 }));
    }

    #[test]
    fn playwright_report_without_stats_is_an_error() {
        assert!(playwright_counts(r#"{"errors":[]}"#).is_err());
    }
}
