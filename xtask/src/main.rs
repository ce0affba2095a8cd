//! `cargo xtask`: the project's tasks, in Rust so they need nothing but cargo.
//!
//! Every task installs what it needs first (see [`ensure`]), so a fresh machine
//! with only Rust, node/npm and apt can run `cargo xtask test` as it is.

mod bench;
mod cmd;
mod dwarf;
mod engines;
mod ensure;
mod page;
mod size;
mod test;
mod xvfb;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What a task returns: an error is a message meant for the person running it.
pub type Result<T = ()> = std::result::Result<T, String>;

#[derive(Parser)]
#[command(name = "xtask", bin_name = "cargo xtask", about = "Build, serve, test and measure crawlscope")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build the playground into dist/ (wasm + wasm-bindgen glue + page).
    Build {
        /// Unoptimised wasm with debug info, for readable panics and profiles.
        #[arg(long)]
        debug: bool,
    },
    /// Build, then serve the playground and the test site until Ctrl-C.
    Serve {
        /// Port of the playground (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Port of the generated test site (0 picks a free one).
        #[arg(long, default_value_t = 8081)]
        site_port: u16,
        /// Serve a debug build.
        #[arg(long)]
        debug: bool,
    },
    /// Run every test layer (native; wasm, and core flows, in Chromium, Firefox and WebKit; Playwright e2e in Chromium).
    Test,
    /// Build for release and print gzip -9 bytes: each file, before Play, after the first crawl starts, in all.
    Size,
    /// Measure the release build in headless Chromium and print one table (see BENCHMARKS.md).
    Bench {
        /// Fewer runs and smaller crawls (about two minutes): proves the bench works.
        #[arg(long)]
        quick: bool,
        /// Run only these sections, comma-separated: extraction, ideal, zero, parse, playground, memory.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    ensure::cargo_bin_on_path();
    let result = match cli.task {
        Task::Build { debug } => page::build(profile(debug)),
        Task::Serve { port, site_port, debug } => serve(port, site_port, profile(debug)),
        Task::Test => test::all(),
        Task::Size => size::size(),
        Task::Bench { quick, only } => bench::run_bench(quick, &only),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn profile(debug: bool) -> page::Profile {
    if debug {
        page::Profile::Debug
    } else {
        page::Profile::Release
    }
}

fn serve(port: u16, site_port: u16, profile: page::Profile) -> Result {
    page::build(profile)?;
    let config = testsite::Config {
        site_port,
        playground_port: port,
        dist: Some(page::dist_dir()),
        ..testsite::Config::default()
    };
    let running = testsite::spawn(config).map_err(|e| format!("cannot start the servers: {e}"))?;
    println!("site: {}", running.site_url);
    println!("site without CORS headers: {}", running.no_cors_site_url);
    if let Some(url) = &running.playground_url {
        println!("playground: {url} (with a local proxy at {url}__proxy)");
    }
    println!("Ctrl-C stops them.");
    running.block_until_ctrl_c().map_err(|e| format!("waiting for Ctrl-C: {e}"))
}

/// The workspace root: xtask lives one level below it.
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Where cargo puts build output, honouring `CARGO_TARGET_DIR`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}
