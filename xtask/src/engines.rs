//! The three browser engines the wasm and cross-browser layers run in, and
//! how each is reached: which driver, which environment, which display.
//!
//! - chromium: Debian's Chromium + ChromeDriver, headless.
//! - firefox: Debian's Firefox ESR + geckodriver (from crates.io), headless.
//! - webkit: Debian's WebKitGTK MiniBrowser + WebKitWebDriver. MiniBrowser
//!   has no headless mode, so it draws on an Xvfb display that lives as long
//!   as [`Browsers`] (stopped by PID on drop).

use std::fmt;
use std::path::PathBuf;
use std::process::Command;

use crate::cmd::probe;
use crate::ensure::{CHROMEDRIVER, CHROMIUM, FIREFOX, MINIBROWSER, WEBKIT_DRIVER};
use crate::root;
use crate::xvfb::Xvfb;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
    Webkit,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::Webkit];
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::Webkit => "webkit",
        })
    }
}

/// Driver variables wasm-bindgen-test-runner reads; it takes the first one
/// set (gecko, safari, chrome, edge order), so all but one are cleared.
const RUNNER_DRIVER_VARS: [&str; 8] = [
    "GECKODRIVER",
    "SAFARIDRIVER",
    "CHROMEDRIVER",
    "MSEDGEDRIVER",
    "GECKODRIVER_REMOTE",
    "SAFARIDRIVER_REMOTE",
    "CHROMEDRIVER_REMOTE",
    "MSEDGEDRIVER_REMOTE",
];

/// What the browser layers need, ready: the geckodriver built for this
/// machine, a virtual display for WebKit, and each engine's version for the log.
pub struct Browsers {
    geckodriver: PathBuf,
    /// Held for its Drop: the display goes away with the test run.
    xvfb: Xvfb,
    versions: [String; 3],
}

impl Browsers {
    pub fn start(geckodriver: PathBuf) -> crate::Result<Browsers> {
        crate::cmd::step("browsers");
        let first_line = |command: &mut Command| {
            probe(command).and_then(|out| out.lines().map(str::trim).find(|l| !l.is_empty()).map(String::from))
        };
        let chromium =
            first_line(Command::new(CHROMIUM).arg("--version")).unwrap_or_else(|| "Chromium (version unknown)".into());
        let firefox =
            first_line(Command::new(FIREFOX).arg("--version")).unwrap_or_else(|| "Firefox (version unknown)".into());
        let gecko = first_line(Command::new(&geckodriver).arg("--version")).unwrap_or_default();
        // WebKitWebDriver and MiniBrowser print no version; the library's package has it.
        let webkit = first_line(Command::new("dpkg-query").args(["-W", "-f=${Version}\n", "libwebkit2gtk-4.1-0"]))
            .map(|v| format!("WebKitGTK {v} (MiniBrowser)"))
            .unwrap_or_else(|| "WebKitGTK (version unknown)".into());
        let versions = [format!("{chromium} + ChromeDriver"), format!("{firefox} + {gecko}"), webkit];
        for (engine, version) in Engine::ALL.iter().zip(&versions) {
            println!("    {engine}: {version}");
        }
        let xvfb = Xvfb::start()?;
        Ok(Browsers { geckodriver, xvfb, versions })
    }

    /// The engine and its version, for the test log.
    pub fn describe(&self, engine: Engine) -> String {
        let version = &self.versions[Engine::ALL.iter().position(|e| *e == engine).unwrap_or(0)];
        format!("{engine} ({version})")
    }

    /// Points wasm-bindgen-test-runner at the engine's driver and capabilities.
    pub fn wasm_env(&self, engine: Engine, command: &mut Command) {
        for var in RUNNER_DRIVER_VARS {
            command.env_remove(var);
        }
        match engine {
            Engine::Chromium => {
                // Chromium's flags for running as root without a GPU.
                command.env("CHROMEDRIVER", CHROMEDRIVER);
                command.env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", root().join("webdriver.json"));
            }
            Engine::Firefox => {
                // The runner adds `-headless`; the file names Debian's binary.
                command.env("GECKODRIVER", &self.geckodriver);
                command.env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", root().join("webdriver-firefox.json"));
            }
            Engine::Webkit => {
                // The runner sends WebKitWebDriver no capabilities (it speaks
                // to it as to safaridriver), and WebKitGTK's driver then opens
                // its own MiniBrowser in automation mode: no file is needed.
                command.env("SAFARIDRIVER", WEBKIT_DRIVER);
                command.env("DISPLAY", &self.xvfb.display);
            }
        }
    }

    /// Tells tests/xbrowser which engine to open and where its driver is.
    pub fn xbrowser_env(&self, engine: Engine, command: &mut Command) {
        command
            .env("ENGINE", engine.to_string())
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("GECKODRIVER", &self.geckodriver)
            .env("FIREFOX", FIREFOX)
            .env("WEBKITDRIVER", WEBKIT_DRIVER)
            .env("MINIBROWSER", MINIBROWSER)
            .env("DISPLAY", &self.xvfb.display);
    }
}
