//! Building the playground into dist/ and measuring what it costs to load.
//!
//! dist/ holds exactly what a static host needs: `index.html`, `www/`, and
//! `pkg/` (wasm-bindgen's `crawlscope.js` + `crawlscope_bg.wasm`), all linked
//! with relative URLs so it works from any path; plus the virtual site's
//! service worker `sw.js` and its wasm in `pkg-site/` ([`virtual_site`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{run, step};
use crate::{ensure, root, target_dir, Result};

mod virtual_site;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
}

pub fn dist_dir() -> PathBuf {
    root().join("dist")
}

/// Compiles the crawler to wasm, generates its JS bindings and assembles dist/.
pub fn build(profile: Profile) -> Result {
    // Checked first: without the page there is no point compiling for a minute.
    let index = root().join("index.html");
    if !index.is_file() {
        return Err(format!("{} is missing: the page has nothing to load", index.display()));
    }
    ensure::wasm_target()?;
    ensure::wasm_bindgen()?;

    step(&format!("build crawlscope for wasm ({profile:?})"));
    let mut cargo = Command::new("cargo");
    cargo.args(["build", "-p", "crawlscope", "--lib", "--target", "wasm32-unknown-unknown"]);
    if profile == Profile::Release {
        cargo.arg("--release");
    }
    run(cargo.current_dir(root()))?;

    let dist = dist_dir();
    step(&format!("assemble {}", dist.display()));
    if dist.exists() {
        // Start clean so no file of an older build lingers and gets served.
        std::fs::remove_dir_all(&dist).map_err(|e| format!("cannot remove {}: {e}", dist.display()))?;
    }
    let profile_dir = if profile == Profile::Release { "release" } else { "debug" };
    let wasm = target_dir().join("wasm32-unknown-unknown").join(profile_dir).join("crawlscope.wasm");
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen.args(["--target", "web", "--no-typescript", "--out-dir"]).arg(dist.join("pkg"));
    if profile == Profile::Debug {
        bindgen.arg("--keep-debug");
    } else {
        // Function names (~42 KB gzip) serve only stack traces; the debug build keeps them.
        bindgen.args(["--remove-name-section", "--remove-producers-section"]);
    }
    run(bindgen.arg(&wasm))?;

    copy(&index, &dist.join("index.html"))?;
    // The compact page tutorials put in an iframe (or <crawl-scope> does).
    copy(&root().join("embed.html"), &dist.join("embed.html"))?;
    let www = root().join("www");
    if www.is_dir() {
        copy_dir(&www, &dist.join("www"))?;
    }
    // The site `site=virtual` crawls: a service worker and sitegen in wasm.
    virtual_site::build(&dist)?;
    println!("    built {}", dist.display());
    Ok(())
}

/// One file of a built page and what it costs to download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSize {
    /// Path relative to the page's directory, `/`-separated.
    pub name: String,
    pub raw: usize,
    pub gzip: usize,
}

/// The raw and gzip -9 size of every file under `dir`, sorted by name.
pub fn file_sizes(dir: &Path) -> Result<Vec<FileSize>> {
    let mut files = Vec::new();
    list_files(dir, &mut files)?;
    files.sort();
    files
        .iter()
        .map(|file| {
            let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let name = file.strip_prefix(dir).unwrap_or(file).to_string_lossy().replace('\\', "/");
            Ok(FileSize { name, raw: bytes.len(), gzip: gzip_len(&bytes)? })
        })
        .collect()
}

/// Raw and gzip totals of a list of files.
pub fn totals(files: &[FileSize]) -> (usize, usize) {
    files.iter().fold((0, 0), |(raw, gzip), f| (raw + f.raw, gzip + f.gzip))
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).and_then(|()| encoder.finish()).map(|out| out.len()).map_err(|e| e.to_string())
}

fn list_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            list_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

pub fn copy(from: &Path, to: &Path) -> Result {
    std::fs::copy(from, to).map(drop).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

pub fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("cannot list {}: {e}", from.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(name) = path.file_name() else {
            continue;
        };
        if path.is_dir() {
            copy_dir(&path, &to.join(name))?;
        } else {
            copy(&path, &to.join(name))?;
        }
    }
    Ok(())
}
