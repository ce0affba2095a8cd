//! Installing what the tasks need when it is missing, and only then, so the
//! same commands work on a fresh CI machine (Rust, node/npm, Python, apt) and
//! cost nothing on a machine that already has everything.
//!
//! Browsers: Chromium, Firefox ESR and WebKitGTK (+ Xvfb) from Debian,
//! geckodriver from crates.io; for the exported spiders, Scrapy and
//! scrapy-redis from PyPI in a virtual environment under target/, and
//! Debian's redis-server. Nothing is downloaded from anywhere else.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{probe, run, step};
use crate::{root, Result};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
pub const XVFB: &str = "/usr/bin/Xvfb";
/// The geckodriver the Firefox layers run, pinned so CI builds the same one.
const GECKODRIVER_VERSION: &str = "0.37.1";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Puts cargo's install directory on PATH for this process and its children:
/// `cargo install` puts wasm-bindgen there, and cargo runs the wasm tests
/// through `wasm-bindgen-test-runner` found on PATH.
pub fn cargo_bin_on_path() {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    let Some(bin) = cargo_home.map(|home| home.join("bin")) else {
        return;
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    if std::env::split_paths(&path).any(|p| p == bin) {
        return;
    }
    let paths = std::iter::once(bin).chain(std::env::split_paths(&path));
    if let Ok(joined) = std::env::join_paths(paths) {
        std::env::set_var("PATH", joined);
    }
}

/// The Rust standard library for wasm32-unknown-unknown.
pub fn wasm_target() -> Result {
    step(&format!("rust target {WASM_TARGET}"));
    let installed = probe(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or("`rustup target list --installed` failed: install rustup, or the wasm32-unknown-unknown target for your toolchain")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        println!("    already installed");
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// wasm-bindgen CLI (and its test runner) at exactly the version in Cargo.lock:
/// the CLI refuses to process wasm made by any other version of the crate.
pub fn wasm_bindgen() -> Result {
    let version = locked_wasm_bindgen_version()?;
    step(&format!("wasm-bindgen-cli {version}"));
    let installed = probe(Command::new("wasm-bindgen").arg("--version"));
    let runner = probe(Command::new("wasm-bindgen-test-runner").arg("--version"));
    let wanted = format!("wasm-bindgen {version}");
    if installed.as_deref().map(str::trim) == Some(wanted.as_str()) && runner.is_some() {
        println!("    already installed");
        return Ok(());
    }
    println!("    found {:?}; installing (takes a few minutes)", installed.map(|v| v.trim().to_string()));
    // No --locked: the registry lacks one dependency version its lockfile pins.
    run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &format!("={version}")]))?;
    // Another wasm-bindgen earlier on PATH would still win over the new one.
    let now = probe(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if now.trim() != wanted {
        return Err(format!("installed {wanted}, but `wasm-bindgen --version` says {:?}: fix PATH", now.trim()));
    }
    Ok(())
}

/// The `wasm-bindgen` version Cargo.lock pins, creating the lockfile if needed.
fn locked_wasm_bindgen_version() -> Result<String> {
    let lock_path = root().join("Cargo.lock");
    if !lock_path.exists() {
        run(Command::new("cargo").arg("generate-lockfile").current_dir(root()))?;
    }
    let lock = std::fs::read_to_string(&lock_path).map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    locked_version(&lock, "wasm-bindgen").ok_or_else(|| format!("no `wasm-bindgen` package in {}", lock_path.display()))
}

/// Finds `version = "…"` of the `[[package]]` named `name` in a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    lock.split("[[package]]")
        .find(|package| package.lines().any(|line| line.trim() == wanted))?
        .lines()
        .find_map(|line| line.trim().strip_prefix("version = \""))
        .map(|rest| rest.trim_end_matches('"').to_string())
}

/// Chromium and its ChromeDriver from Debian, which both test layers drive.
pub fn chromium() -> Result {
    apt_packages("chromium + chromedriver", &[CHROMIUM, CHROMEDRIVER], &["chromium", "chromium-driver"])
}

/// Firefox ESR from Debian. Its driver, geckodriver, comes from crates.io
/// (see [`geckodriver`]): the npm package downloads a binary at run time.
pub fn firefox() -> Result {
    apt_packages("firefox-esr", &[FIREFOX], &["firefox-esr"])
}

/// WebKitGTK's WebDriver and its MiniBrowser from Debian, and Xvfb: the
/// MiniBrowser has no headless mode, so it draws on a virtual X display.
pub fn webkit() -> Result {
    apt_packages(
        "webkit2gtk-driver + MiniBrowser + xvfb",
        &[WEBKIT_DRIVER, MINIBROWSER, XVFB],
        &["webkit2gtk-driver", "xvfb"],
    )
}

pub const REDIS_SERVER: &str = "/usr/bin/redis-server";
/// The Scrapy and scrapy-redis the exported spiders are tested with (and their header names).
const SCRAPY_VERSION: &str = "2.19.0";
const SCRAPY_REDIS_VERSION: &str = "0.9.1";

/// Debian's redis-server, the shared frontier of the scrapy-redis test.
/// The test starts its own on a free port; the package's service is not used.
pub fn redis() -> Result {
    apt_packages("redis-server", &[REDIS_SERVER], &["redis-server"])
}

/// Scrapy and scrapy-redis at their pinned versions, from PyPI, in a virtual
/// environment at target/scrapy-venv (made with the machine's `python3`).
/// Returns the path of its `scrapy` command.
pub fn scrapy() -> Result<PathBuf> {
    step(&format!("scrapy {SCRAPY_VERSION} + scrapy-redis {SCRAPY_REDIS_VERSION} (Python venv)"));
    let venv = crate::target_dir().join("scrapy-venv");
    let python = venv.join("bin").join("python");
    let wanted = format!("{SCRAPY_VERSION} {SCRAPY_REDIS_VERSION}");
    let installed = || {
        let script = "import scrapy, scrapy_redis; print(scrapy.__version__, scrapy_redis.__version__)";
        probe(Command::new(&python).args(["-c", script])).is_some_and(|v| v.trim() == wanted)
    };
    if installed() {
        println!("    already installed in {}", venv.display());
        return Ok(venv.join("bin").join("scrapy"));
    }
    if !python.exists() {
        // Debian's python3 makes venvs only with python3-venv (which brings ensurepip).
        if probe(Command::new("python3").args(["-c", "import ensurepip, venv"])).is_none() {
            apt_packages("python3-venv", &["/usr/share/doc/python3-venv"], &["python3-venv"])?;
        }
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet"])
        .arg(format!("scrapy=={SCRAPY_VERSION}"))
        .arg(format!("scrapy-redis=={SCRAPY_REDIS_VERSION}")))?;
    if !installed() {
        return Err(format!(
            "installed Scrapy {SCRAPY_VERSION} and scrapy-redis {SCRAPY_REDIS_VERSION} in {}, but they do not import",
            venv.display()
        ));
    }
    Ok(venv.join("bin").join("scrapy"))
}

/// Installs Debian `packages` unless every one of `paths` exists. Only root
/// may: anyone else is told the command to run.
fn apt_packages(what: &str, paths: &[&str], packages: &[&str]) -> Result {
    step(what);
    let missing: Vec<&str> = paths.iter().copied().filter(|path| !Path::new(path).exists()).collect();
    if missing.is_empty() {
        println!("    already installed");
        return Ok(());
    }
    let is_root = probe(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !is_root {
        return Err(format!(
            "{} missing: install Debian's {} (sudo apt-get install {}), then rerun",
            missing.join(" and "),
            packages.join(", "),
            packages.join(" ")
        ));
    }
    // The package lists of a fresh machine are empty; update them once per run.
    static UPDATED: std::sync::Once = std::sync::Once::new();
    let mut updated = Ok(());
    UPDATED.call_once(|| updated = run(Command::new("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive")));
    updated?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// geckodriver at [`GECKODRIVER_VERSION`], built from crates.io into cargo's
/// bin directory (on PATH, see [`cargo_bin_on_path`]) unless one of that
/// version is already on PATH. Returns its path.
pub fn geckodriver() -> Result<PathBuf> {
    step(&format!("geckodriver {GECKODRIVER_VERSION}"));
    let wanted = format!("geckodriver {GECKODRIVER_VERSION}");
    let found = || {
        let path = find_on_path("geckodriver")?;
        let version = probe(Command::new(&path).arg("--version"))?;
        version.lines().next().is_some_and(|first| first.trim().starts_with(&wanted)).then_some(path)
    };
    if let Some(path) = found() {
        println!("    already installed: {}", path.display());
        return Ok(path);
    }
    println!("    installing from crates.io (about 1.5 min on 2 cores)");
    run(Command::new("cargo").args(["install", "geckodriver", "--version", GECKODRIVER_VERSION, "--locked"]))?;
    found().ok_or_else(|| format!("installed {wanted}, but no geckodriver of that version is on PATH: fix PATH"))
}

/// The first `name` in PATH's directories.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

/// The Playwright test runner in tests/e2e/node_modules. Browsers are not
/// downloaded: the tests drive Debian's Chromium.
pub fn npm_deps() -> Result {
    npm_folder("tests/e2e", "@playwright/test")
}

/// selenium-webdriver in tests/xbrowser/node_modules, for the cross-browser
/// scenarios. It only talks to drivers the tests start (no Selenium Manager).
pub fn xbrowser_npm_deps() -> Result {
    npm_folder("tests/xbrowser", "selenium-webdriver")
}

/// `npm ci` in `folder` unless `package` is installed and newer than the lockfile.
fn npm_folder(folder: &str, package: &str) -> Result {
    step(&format!("npm packages of {folder}"));
    let dir = root().join(folder);
    let lock = dir.join("package-lock.json");
    // npm writes node_modules/.package-lock.json on every install: newer than
    // package.json and the lockfile means neither changed since.
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let up_to_date = dir.join("node_modules").join(package).is_dir()
        && installed.is_some()
        && installed >= modified(&lock)
        && installed >= modified(&dir.join("package.json"));
    if up_to_date {
        println!("    already installed");
        return Ok(());
    }
    let install = if lock.exists() { "ci" } else { "install" };
    run(Command::new("npm")
        .args([install, "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen-futures"
version = "0.4.80"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn finds_the_exact_package_not_one_with_a_longer_name() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(locked_version(LOCK, "wasm-bindgen-futures").as_deref(), Some("0.4.80"));
    }

    #[test]
    fn missing_package_has_no_version() {
        assert_eq!(locked_version(LOCK, "js-sys"), None);
    }
}
