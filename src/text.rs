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

/// The seed crawler's text report, written as the pages come, in URL
/// order: no line is kept but the one being written, so a report's text
/// costs its own bytes and nothing more.
pub struct SeedText<W: Write> {
    out: W,
    /// Alias lines (`ALIAS redirect FINAL`), sorted, not yet written: each
    /// goes out just before the first line that sorts after it.
    aliases: std::iter::Peekable<std::vec::IntoIter<String>>,
    /// The page line being written (kept to reuse its buffer).
    line: String,
    /// Lines written so far.
    urls: usize,
}

/// The line of a requested URL that redirected to `target`.
pub fn alias_line(alias: &str, target: &str) -> String {
    format!("{alias} redirect {target}")
}

impl<W: Write> SeedText<W> {
    /// Write into `out`; `aliases` are every page's [`alias_line`]s.
    pub fn new(out: W, mut aliases: Vec<String>) -> Self {
        aliases.sort_unstable();
        SeedText { out, aliases: aliases.into_iter().peekable(), line: String::new(), urls: 0 }
    }

    /// The next page, in URL order. A line starts with its URL and a space,
    /// and a URL holds no byte below `!`, so lines in URL order are sorted.
    pub fn add(&mut self, page: &PageReport) {
        self.line.clear();
        let size = page.size.unwrap_or(0);
        let status = page.status.map(|s| s.to_string()).unwrap_or_default();
        let _ = match page.outcome.as_str() {
            "done" if page.content_type.as_deref().is_some_and(|t| t.starts_with("text/html")) => write!(
                self.line,
                "{} {status} {} {} {size} {}/{}",
                page.url,
                page.content_type.as_deref().unwrap_or(""),
                page.encoding.as_deref().unwrap_or("?"),
                page.new_links,
                page.links.len()
            ),
            "done" => write!(self.line, "{} {status} {} {size}", page.url, page.content_type.as_deref().unwrap_or("")),
            "failed" => write!(self.line, "{} error {}", page.url, page.error.as_deref().unwrap_or("")),
            other => write!(self.line, "{} {other}", page.url),
        };
        while self.aliases.peek().is_some_and(|alias| *alias < self.line) {
            self.flush_alias();
        }
        let _ = writeln!(self.out, "{}", self.line);
        self.urls += 1;
    }

    fn flush_alias(&mut self) {
        if let Some(alias) = self.aliases.next() {
            let _ = writeln!(self.out, "{alias}");
            self.urls += 1;
        }
    }

    /// The rest: remaining aliases, then `Finished …`, the counters,
    /// `Todo:` and `Done:`.
    pub fn finish(mut self, counters: &BTreeMap<String, u64>, elapsed_ms: f64, max_tasks: usize) -> W {
        while self.aliases.peek().is_some() {
            self.flush_alias();
        }
        let (urls, out) = (self.urls, &mut self.out);
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
        self.out
    }
}

/// A writer that only counts what it is given: to size a text before
/// writing it, so its `String` is allocated once at its final size.
#[derive(Default)]
pub struct TextSize(pub usize);

impl Write for TextSize {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}
