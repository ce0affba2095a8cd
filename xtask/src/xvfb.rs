//! A virtual X display for WebKitGTK's MiniBrowser, which has no headless
//! mode: without a display its WebDriver session never starts (it hangs).
//!
//! [`Xvfb::start`] picks a free display number, waits for the server's socket,
//! and hands back a guard that stops exactly that server, by its PID, when
//! dropped, so a failed test run cannot leave an X server behind.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::ensure::XVFB;
use crate::Result;

pub struct Xvfb {
    /// The running server: stopped by its PID on drop.
    child: Child,
    /// `:N`, for the DISPLAY of the processes that draw on it.
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Result<Xvfb> {
        // A display is taken when its lock file or socket exists (another
        // user's Xvfb, or a developer's desktop on :0).
        for number in 90..140 {
            let lock = format!("/tmp/.X{number}-lock");
            let socket = format!("/tmp/.X11-unix/X{number}");
            if Path::new(&lock).exists() || Path::new(&socket).exists() {
                continue;
            }
            let display = format!(":{number}");
            let child = Command::new(XVFB)
                .args([display.as_str(), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start {XVFB}: {e}"))?;
            let mut xvfb = Xvfb { child, display };
            // Ready once it listens on its socket; exited means it lost a race for the number.
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&socket).exists() {
                    println!("    Xvfb on display {} (pid {})", xvfb.display, xvfb.child.id());
                    return Ok(xvfb);
                }
                if let Ok(Some(_)) = xvfb.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            drop(xvfb); // stops it if it is still running
        }
        Err("no free X display from :90 to :139 for Xvfb".to_string())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // SIGTERM first, so Xvfb removes its lock file and socket; SIGKILL if it lingers.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
