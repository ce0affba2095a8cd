//! The HTTP server crawlscope is tested and demonstrated against.
//!
//! It serves the deterministic site of [`sitegen`] on its own origin, so the
//! crawler running in a page makes real cross-origin requests with real
//! latency; the same site once more on an origin that sends no CORS headers
//! (as most real sites), and it can serve the built playground (`dist/`) on
//! another origin, with the local [`proxy`] the page can crawl through.
//!
//! It runs in a background thread with its own tokio runtime, so `xtask` (which
//! is plain synchronous code) can start it for a test run and stop it by
//! dropping the returned [`Running`].

mod playground;
pub mod proxy;
mod site;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

/// What to serve and where. Port 0 picks a free port.
#[derive(Clone, Debug)]
pub struct Config {
    pub host: IpAddr,
    /// Port of the generated site.
    pub site_port: u16,
    /// Port of the playground; used only when `dist` is set.
    pub playground_port: u16,
    /// The built playground to serve; `None` serves the site alone.
    pub dist: Option<PathBuf>,
    /// Latency of the default site; variants set their own with `latency=`.
    pub latency_ms: u64,
    /// Page count of the default site; variants set their own with `pages=`.
    pub pages: usize,
    /// Port of the same site without CORS headers (0 picks a free one).
    pub no_cors_site_port: u16,
    /// How long the playground's proxy waits for an upstream answer.
    pub proxy_timeout_ms: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            site_port: 8081,
            playground_port: 8080,
            dist: None,
            latency_ms: 100,
            pages: 30,
            no_cors_site_port: 0,
            proxy_timeout_ms: 30_000,
        }
    }
}

/// A server running in its own thread. Dropping it stops the server.
#[derive(Debug)]
pub struct Running {
    /// Base URL of the default site, with a trailing slash: `http://127.0.0.1:8081/`.
    pub site_url: String,
    /// The same site without CORS headers: a browser page on another origin
    /// cannot read it, except through the playground's proxy.
    pub no_cors_site_url: String,
    /// Base URL of the playground, with a trailing slash, when `dist` was given.
    pub playground_url: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Binds every listener, then serves them from a background thread.
///
/// Binding happens before this returns, so the URLs in [`Running`] are
/// already accepting connections (port 0 resolved to the real port).
pub fn spawn(config: Config) -> io::Result<Running> {
    let site_listener = bind(config.host, config.site_port)?;
    let site_url = url_of(&site_listener)?;
    let no_cors_listener = bind(config.host, config.no_cors_site_port)?;
    let no_cors_site_url = url_of(&no_cors_listener)?;
    let playground_listener = match &config.dist {
        Some(dist) if !dist.is_dir() => {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("--dist {} is not a directory (run `cargo xtask build` first)", dist.display()),
            ))
        }
        Some(_) => Some(bind(config.host, config.playground_port)?),
        None => None,
    };
    let playground_url = playground_listener.as_ref().map(url_of).transpose()?;

    // Two workers: the machines this runs on have two cores, and the work is
    // mostly sleeping out the simulated latency.
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("testsite").enable_all().build()?;
    // Converting the listeners needs the runtime's reactor; doing it here lets
    // an error reach the caller instead of dying in the thread.
    let (site_listener, no_cors_listener, playground_listener) = {
        let _reactor = runtime.enter();
        let site = tokio::net::TcpListener::from_std(site_listener)?;
        let no_cors = tokio::net::TcpListener::from_std(no_cors_listener)?;
        let playground = playground_listener.map(tokio::net::TcpListener::from_std).transpose()?;
        (site, no_cors, playground)
    };

    let site_app = site::router(site::App::new(&config, site_listener.local_addr()?), true);
    let no_cors_app = site::router(site::App::new(&config, no_cors_listener.local_addr()?), false);
    let playground_app = match (&config.dist, &playground_listener) {
        (Some(dist), Some(listener)) => {
            let addr = listener.local_addr()?;
            // A proxy reachable from the network would fetch for anyone: only on loopback.
            let proxy = match addr.ip().is_loopback() {
                true => Some(proxy::Proxy::new(addr, Duration::from_millis(config.proxy_timeout_ms))?),
                false => None,
            };
            let sites = playground::Sites { site_url: site_url.clone(), no_cors_site_url: no_cors_site_url.clone() };
            Some(playground::router(dist.clone(), sites, proxy))
        }
        _ => None,
    };

    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new().name("testsite".into()).spawn(move || {
        runtime.spawn(serve(site_listener, site_app));
        runtime.spawn(serve(no_cors_listener, no_cors_app));
        if let (Some(listener), Some(app)) = (playground_listener, playground_app) {
            runtime.spawn(serve(listener, app));
        }
        // Either a stop message or the sender being dropped ends the wait.
        let _ = runtime.block_on(stopped);
        // Requests still sleeping out their latency are simply cancelled:
        // a test server has nothing worth draining.
        runtime.shutdown_timeout(Duration::from_secs(1));
    })?;

    Ok(Running { site_url, no_cors_site_url, playground_url, stop: Some(stop), thread: Some(thread) })
}

impl Running {
    /// Stops the server and waits for its thread to end.
    pub fn shutdown(self) {
        drop(self);
    }

    /// Serves until the process gets Ctrl-C (SIGINT), then stops the server.
    ///
    /// Listening for the signal is opt-in (not part of [`spawn`]) because
    /// installing a handler replaces the default "terminate" behaviour, which
    /// `xtask test` relies on to be interruptible.
    pub fn block_until_ctrl_c(self) -> io::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(tokio::signal::ctrl_c())?;
        drop(self);
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn bind(host: IpAddr, port: u16) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(SocketAddr::new(host, port))
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {host}:{port}: {e}")))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

fn url_of(listener: &TcpListener) -> io::Result<String> {
    Ok(format!("http://{}/", listener.local_addr()?))
}

async fn serve(listener: tokio::net::TcpListener, app: axum::Router) {
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("testsite: server stopped: {e}");
    }
}
