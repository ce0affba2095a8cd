//! The virtual site's part of dist/: the service worker and the site it answers.
//!
//! * `dist/sw.js` — moved from `dist/www/site/` to the root, because a service
//!   worker controls only pages at or below its own directory, and the pages
//!   (`index.html`, `embed.html`) are at the root;
//! * `dist/pkg-site/` — the `sitegen-worker` crate compiled to wasm, with
//!   wasm-bindgen's `--target no-modules` glue: a service worker loads its
//!   scripts with `importScripts`, and classic scripts cannot `import`. (ES
//!   module service workers exist, but `importScripts` works in every browser
//!   that has service workers, and the glue then needs no bundler.)
//!
//! Always a release build: it is the site being crawled, not the code being
//! debugged, and an unoptimised one is several times larger.

use std::path::Path;
use std::process::Command;

use crate::cmd::{run, step};
use crate::{root, target_dir, Result};

/// Compiles `sitegen-worker` to wasm, writes `dist/pkg-site/`, and puts
/// `sw.js` at the root of `dist` (after `www/` has been copied there).
pub fn build(dist: &Path) -> Result {
    step("build the virtual site (sitegen-worker) for wasm");
    let mut cargo = Command::new("cargo");
    cargo.args(["build", "-p", "sitegen-worker", "--lib", "--target", "wasm32-unknown-unknown", "--release"]);
    run(cargo.current_dir(root()))?;

    let wasm = target_dir().join("wasm32-unknown-unknown").join("release").join("sitegen_worker.wasm");
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen.args(["--target", "no-modules", "--no-typescript", "--out-dir"]).arg(dist.join("pkg-site")).arg(&wasm);
    run(&mut bindgen)?;

    let (from, to) = (dist.join("www").join("site").join("sw.js"), dist.join("sw.js"));
    // A rename, not a copy: one sw.js in dist/, the one that can control the pages.
    std::fs::rename(&from, &to).map_err(|e| format!("cannot move {} to {}: {e}", from.display(), to.display()))
}
