//! `cargo xtask size`: what a reader downloads, in gzip -9 bytes, at three
//! moments of an embed's life:
//!
//! 1. **before Play** — `embed.html` and what it loads by itself: its style
//!    sheets and the static import graph of its module scripts;
//! 2. **after Play, at most** — plus every dynamic `import()` (the crawler,
//!    the picture, every scene), the wasm next to any wasm-bindgen glue that
//!    was loaded, and the in-browser site's service worker with what it
//!    `importScripts` (on the virtual site);
//! 3. **the whole app** — every file in `dist/`.
//!
//! The sets are found by reading the files, not listed by hand, so a new
//! static import in the facade shows up in figure 1 the day it is added.

use std::collections::BTreeSet;
use std::path::Path;

use crate::page::{self, dist_dir, FileSize, Profile};
use crate::Result;

/// Budget before Play (the issue's target), in gzip bytes.
const BEFORE_PLAY_BUDGET: usize = 50 * 1024;
/// Budget of the whole app, in gzip bytes.
const TOTAL_BUDGET: usize = 220 * 1024;

pub fn size() -> Result {
    page::build(Profile::Release)?;
    let dist = dist_dir();
    let files = page::file_sizes(&dist)?;
    println!("{:<40} {:>12} {:>12}", "file", "raw bytes", "gzip -9");
    for file in &files {
        println!("{:<40} {:>12} {:>12}", file.name, file.raw, file.gzip);
    }

    let before = closure(&dist, &["embed.html"], false)?;
    let mut started = closure(&dist, &["embed.html"], true)?;
    if dist.join("sw.js").is_file() {
        started.extend(closure(&dist, &["sw.js"], true)?);
    }
    println!();
    report("before Play (embed.html)", &files, &before, Some(BEFORE_PLAY_BUDGET));
    // An upper bound: everything Play can load (the crawler, every scene, the in-browser site).
    report("after Play, at most", &files, &started, None);
    let all: BTreeSet<String> = files.iter().map(|f| f.name.clone()).collect();
    report("whole app (dist/)", &files, &all, Some(TOTAL_BUDGET));
    Ok(())
}

fn report(label: &str, files: &[FileSize], names: &BTreeSet<String>, budget: Option<usize>) {
    let chosen: Vec<FileSize> = files.iter().filter(|f| names.contains(&f.name)).cloned().collect();
    let (raw, gzip) = page::totals(&chosen);
    let verdict = match budget {
        Some(b) if gzip <= b => format!("  (target ≤ {b}: met)"),
        Some(b) => format!("  (target ≤ {b}: MISSED by {})", gzip - b),
        None => String::new(),
    };
    println!("{label:<40} {raw:>12} {gzip:>12}{verdict}");
    println!("    {}", chosen.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "));
}

/// Every file (relative to `dist`) that loading `entries` fetches: static
/// references always, dynamic `import()` and wasm only when `dynamic`.
fn closure(dist: &Path, entries: &[&str], dynamic: bool) -> Result<BTreeSet<String>> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
    while let Some(name) = todo.pop() {
        let path = dist.join(&name);
        if !path.is_file() || !seen.insert(name.clone()) {
            continue;
        }
        let text = match std::fs::read(&path) {
            Ok(bytes) if !name.ends_with(".wasm") => String::from_utf8_lossy(&bytes).into_owned(),
            Ok(_) => continue,
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        for reference in references(&name, &text, dynamic) {
            if let Some(resolved) = resolve(&name, &reference) {
                todo.push(resolved);
            }
        }
        // wasm-bindgen's glue fetches `<name>_bg.wasm` beside itself.
        if dynamic {
            if let Some(stem) = name.strip_suffix(".js") {
                todo.push(format!("{stem}_bg.wasm"));
            }
        }
    }
    Ok(seen)
}

/// Quoted relative URLs a file loads: in HTML the `src` of `<script>` and
/// the `href` of `<link>` (a link a reader may follow, `<a href>`, loads
/// nothing); in JS `from '…'`, `import '…'` and, with `dynamic`,
/// `import('…')` and `importScripts('…')`.
fn references(name: &str, text: &str, dynamic: bool) -> Vec<String> {
    if name.ends_with(".html") {
        return html_references(text);
    }
    let markers: &[&str] = match (name.ends_with(".js"), dynamic) {
        (true, true) => &[
            "from '",
            "from \"",
            "import '",
            "import \"",
            "import('",
            "import(\"",
            "importScripts('",
            "importScripts(\"",
        ],
        (true, false) => &["from '", "from \"", "import '", "import \""],
        (false, _) => &[],
    };
    let mut out = Vec::new();
    for marker in markers {
        let quote = marker.chars().last().unwrap_or('"');
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            if let Some(end) = rest.find(quote) {
                push_relative(&mut out, &rest[..end]);
            }
        }
    }
    out
}

/// `<script src="…">` and `<link href="…">` of an HTML page.
fn html_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (tag, attribute) in [("<script", "src=\""), ("<link", "href=\"")] {
        let mut rest = text;
        while let Some(at) = rest.find(tag) {
            rest = &rest[at + tag.len()..];
            let inside = &rest[..rest.find('>').unwrap_or(rest.len())];
            if let Some(value) = inside.split(attribute).nth(1).and_then(|v| v.split('"').next()) {
                push_relative(&mut out, value);
            }
        }
    }
    out
}

/// Keeps URLs relative to the page (`./x`, `../x`, `x`): absolute ones are another host's.
fn push_relative(out: &mut Vec<String>, url: &str) {
    if url.starts_with("./") || url.starts_with("../") || !url.contains(':') && !url.starts_with('/') {
        out.push(url.to_string());
    }
}

/// `reference` resolved against the file `from` (both relative to dist/), or
/// `None` when it leaves dist/ or is not a file path (`#top`, empty).
fn resolve(from: &str, reference: &str) -> Option<String> {
    let reference = reference.split(['#', '?']).next()?;
    if reference.is_empty() {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // the file itself
    for part in reference.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_imports_are_followed_and_dynamic_ones_only_when_asked() {
        let js = "import { a } from './a.js';\nimport './b.js';\nconst m = await import('./c.js');";
        assert_eq!(references("www/x.js", js, false), vec!["./a.js", "./b.js"]);
        assert_eq!(references("www/x.js", js, true), vec!["./a.js", "./b.js", "./c.js"]);
    }

    #[test]
    fn html_loads_scripts_and_links_but_not_anchors_or_other_hosts() {
        let html = r#"<link rel="stylesheet" href="www/s.css"><script type="module" src="www/e.js"></script>
            <script src="https://cdn.example/x.js"></script><a href="index.html">full</a>"#;
        assert_eq!(references("embed.html", html, false), vec!["www/e.js", "www/s.css"]);
        assert_eq!(resolve("embed.html", "#top"), None);
    }

    #[test]
    fn references_resolve_relative_to_their_file() {
        assert_eq!(resolve("www/app.js", "../pkg/crawlscope.js").as_deref(), Some("pkg/crawlscope.js"));
        assert_eq!(resolve("www/scenes/index.js", "./bulk.js").as_deref(), Some("www/scenes/bulk.js"));
        assert_eq!(resolve("embed.html", "../outside.js"), None);
    }
}
