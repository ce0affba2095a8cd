//! `testsite`: serve the generated site (and optionally the built playground)
//! until Ctrl-C. `cargo xtask serve` does the same after building the page.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Serves crawlscope's deterministic test site, and the playground when --dist is given.
#[derive(Parser, Debug)]
#[command(name = "testsite", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port of the generated site (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    site_port: u16,
    /// Port of the playground (0 picks a free one); used only with --dist.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The built playground to serve (`cargo xtask build` writes it to dist/).
    #[arg(long)]
    dist: Option<PathBuf>,
    /// Latency of each page of the default site; variants set their own (`/s/latency=5/`).
    #[arg(long, default_value_t = 100)]
    latency_ms: u64,
    /// Page count of the default site; variants set their own (`/s/pages=200/`).
    #[arg(long, default_value_t = 30)]
    pages: usize,
    /// Port of the same site without CORS headers (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    no_cors_site_port: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = testsite::Config {
        host: args.host,
        site_port: args.site_port,
        playground_port: args.port,
        dist: args.dist,
        latency_ms: args.latency_ms,
        pages: args.pages,
        no_cors_site_port: args.no_cors_site_port,
        ..testsite::Config::default()
    };
    let running = match testsite::spawn(config) {
        Ok(running) => running,
        Err(e) => {
            eprintln!("testsite: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("site: {}", running.site_url);
    println!("site without CORS headers: {}", running.no_cors_site_url);
    if let Some(url) = &running.playground_url {
        println!("playground: {url}");
    }
    match running.block_until_ctrl_c() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("testsite: {e}");
            ExitCode::FAILURE
        }
    }
}
