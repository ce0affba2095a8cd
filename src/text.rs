//! The seed crawler's text report, line for line where a browser allows:
//! one line per URL sorted by URL, then
//! `Finished N urls in T secs (max_tasks=M) (S urls/sec/task)`, the
//! counters sorted by name, `Todo:` and `Done:`.
//!
//! Where the browser hides something the seed printed, the line says less:
//! a redirect's own status is invisible (`fetch` hides the hops), so an
//! alias line reads `URL redirect FINAL`.

use crate::fetching::{CORS_ERROR, PROXY_ERROR};
use crate::report::PageReport;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The error kind the seed would have named (`fail_<ErrorKind>`), plus two
/// a browser adds: `cors` (the server answered without CORS headers, as a
/// `no-cors` probe showed) and `proxy` (the local proxy could not fetch it).
/// The messages are the engine's own constants, so a kind is never guessed
/// from a server's words.
pub fn failure_kind(error: &str) -> &'static str {
    if error.contains(CORS_ERROR) {
        "cors"
    } else if error.contains(PROXY_ERROR) {
        "proxy"
    } else if error.contains("timed out") {
        "Timeout"
    } else if error.contains("TypeError") {
        "TypeError"
    } else if error.contains("aborted") {
        "Aborted"
    } else {
        "Error"
    }
}

/// Seed counter names for ours.
fn seed_name(key: &str) -> Option<String> {
    let name = match key {
        "fail" | "redirect" | "html" | "other" | "error" => key.to_string(),
        "htmlBytes" => "html_bytes".into(),
        "otherBytes" => "other_bytes".into(),
        "errorBytes" => "error_bytes".into(),
        _ if key.starts_with("status_") || key.starts_with("fail_") => key.to_string(),
        _ => return None,
    };
    Some(name)
}

/// The seed crawler's text report, built one page at a time.
#[derive(Default)]
pub struct SeedText {
    /// One line per URL (aliases included). A line starts with its URL and
    /// a space, and a URL holds no byte below `!`, so sorting the lines
    /// sorts them by URL.
    lines: Vec<String>,
}

impl SeedText {
    pub fn add(&mut self, page: &PageReport) {
        let size = page.size.unwrap_or(0);
        let status = page.status.map(|s| s.to_string()).unwrap_or_default();
        let line = match page.outcome.as_str() {
            "done" if page.content_type.as_deref().is_some_and(|t| t.starts_with("text/html")) => format!(
                "{} {status} {} {} {size} {}/{}",
                page.url,
                page.content_type.as_deref().unwrap_or(""),
                page.encoding.as_deref().unwrap_or("?"),
                page.new_links,
                page.links.len()
            ),
            "done" => format!("{} {status} {} {size}", page.url, page.content_type.as_deref().unwrap_or("")),
            "failed" => format!("{} error {}", page.url, page.error.as_deref().unwrap_or("")),
            other => format!("{} {other}", page.url),
        };
        self.lines.push(line);
        for alias in &page.aliases {
            self.lines.push(format!("{alias} redirect {}", page.url));
        }
    }

    /// The whole text: the lines by URL, then `Finished …`, the counters,
    /// `Todo:` and `Done:`.
    pub fn finish(mut self, counters: &BTreeMap<String, u64>, elapsed_ms: f64, max_tasks: usize) -> String {
        self.lines.sort_unstable();
        let mut out = String::new();
        for line in &self.lines {
            let _ = writeln!(out, "{line}");
        }
        let urls = self.lines.len();
        let secs = elapsed_ms / 1000.0;
        let rate = if secs > 0.0 && max_tasks > 0 { urls as f64 / secs / max_tasks as f64 } else { 0.0 };
        let _ =
            writeln!(out, "Finished {urls} urls in {secs:.3} secs (max_tasks={max_tasks}) ({rate:.3} urls/sec/task)");
        let mut seed: Vec<(String, u64)> =
            counters.iter().filter_map(|(k, v)| Some((seed_name(k)?, *v))).filter(|(_, v)| *v > 0).collect();
        seed.sort();
        for (name, count) in seed {
            let _ = writeln!(out, "{count:10} {name}");
        }
        let todo: u64 = ["queued", "taken", "waiting"].iter().map(|k| counters.get(*k).copied().unwrap_or(0)).sum();
        let _ = writeln!(out, "Todo: {todo}");
        let _ = writeln!(out, "Done: {urls}");
        out
    }
}
